#!/usr/bin/env node
// sasl.js BROKER MECHANISM USER PASSWORD CMD ...: kafkajs through a SASL
// listener (mechanism plain, scram-sha-256 or scram-sha-512, as kafkajs
// names them).
//   produce TOPIC N        N records "v0".."vN-1", acks -1, one request
//   consume TOPIC N        read N records from the start (a new group per run)
//                          and print their values, one per line
//   group GROUP TOPIC N    the same through GROUP, committing (kafkajs' default)
//   create TOPIC           CreateTopics with one partition
//   delete TOPIC           DeleteTopics
// Prints "ok" on success (after the values for consume/group), or
// "error TYPE: MESSAGE" with kafkajs' error type (e.g.
// TOPIC_AUTHORIZATION_FAILED, or the error's name for SASL failures) and
// exits 1.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

function usage () {
  process.stderr.write('usage: sasl.js BROKER MECHANISM USER PASSWORD ' +
    'produce TOPIC N | consume TOPIC N | group GROUP TOPIC N | create TOPIC | delete TOPIC\n')
  process.exit(64)
}

async function consume (kafka, groupId, topic, n) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  let failed = null
  await new Promise((resolve) => {
    consumer.on(consumer.events.CRASH, (e) => { failed = e.payload.error; resolve() })
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString())
        if (seen.length >= n) resolve()
      }
    }).catch((e) => { failed = e; resolve() })
  })
  await consumer.disconnect()
  if (failed) throw failed
  for (const v of seen) process.stdout.write(v + '\n')
}

async function main () {
  const [broker, mechanism, username, password, cmd, ...rest] = process.argv.slice(2)
  if (!cmd) usage()
  const kafka = new Kafka({
    clientId: 'flume-sasl-js',
    brokers: [broker],
    sasl: { mechanism, username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 }
  })
  if (cmd === 'produce') {
    const [topic, n] = rest
    const producer = kafka.producer({ allowAutoTopicCreation: false })
    await producer.connect()
    try {
      const messages = Array.from({ length: Number(n) }, (_, i) => ({ value: 'v' + i }))
      await producer.send({ topic, acks: -1, messages })
    } finally {
      await producer.disconnect()
    }
  } else if (cmd === 'consume') {
    const [topic, n] = rest
    await consume(kafka, 'sasl-js-' + process.pid, topic, Number(n))
  } else if (cmd === 'group') {
    const [group, topic, n] = rest
    await consume(kafka, group, topic, Number(n))
  } else if (cmd === 'create' || cmd === 'delete') {
    const [topic] = rest
    const admin = kafka.admin()
    await admin.connect()
    try {
      if (cmd === 'create') {
        await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: false })
      } else {
        await admin.deleteTopics({ topics: [topic] })
      }
    } finally {
      await admin.disconnect()
    }
  } else {
    usage()
  }
  process.stdout.write('ok\n')
}

main().catch((e) => {
  // kafkajs wraps: the broker's error type may sit on the cause
  let err = e
  while (!err.type && err.originalError) err = err.originalError
  if (!err.type && e.errors && e.errors.length) err = e.errors[0]
  const type = err.type || err.name || e.name
  process.stdout.write(`error ${type}: ${e.message}\n`)
  process.exit(1)
})
