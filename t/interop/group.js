#!/usr/bin/env node
// group.js BROKER GROUP TOPIC [SESSION_MS]: a long-running kafkajs
// consumer-group member.  Prints "PARTITION<TAB>OFFSET<TAB>VALUE" per record
// on stdout and one line "assigned P P ..." on stderr after every rebalance.
// SIGTERM disconnects gracefully (commits, leaves the group) and exits 0.
// SESSION_MS is its session timeout (default 6000).  kafkajs heartbeats
// between fetches, so fetches wait at most 100 ms and heartbeats go every
// 100 ms: the member notices a rebalance within a few tenths of a second.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main () {
  const [broker, group, topic, sessionArg] = process.argv.slice(2)
  const sessionTimeout = sessionArg === undefined ? 6000 : Number(sessionArg)
  if (!broker || !group || !topic || !(sessionTimeout > 100)) {
    process.stderr.write('usage: group.js BROKER GROUP TOPIC [SESSION_MS > 100]\n')
    process.exit(64)
  }
  const kafka = new Kafka({ clientId: 'flume-group-js', brokers: [broker], logLevel: logLevel.ERROR })
  const consumer = kafka.consumer({
    groupId: group, sessionTimeout, heartbeatInterval: 100, rebalanceTimeout: 10000,
    maxWaitTimeInMs: 100
  })
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = (e.payload.memberAssignment[topic] || []).slice().sort((a, b) => a - b)
    process.stderr.write(`assigned ${parts.join(' ')}\n`)
  })
  let stopping = false
  process.on('SIGTERM', async () => {
    if (stopping) return
    stopping = true
    // a broker that is already gone must not keep us here
    setTimeout(() => process.exit(0), 3000).unref()
    try { await consumer.disconnect() } catch (e) {}
    process.exit(0)
  })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    autoCommitInterval: 200,
    eachMessage: async ({ partition, message }) => {
      process.stdout.write(`${partition}\t${message.offset}\t${message.value.toString()}\n`)
    }
  })
}

main().catch((e) => {
  process.stderr.write(`group.js: ${e.message}\n`)
  process.exit(1)
})
