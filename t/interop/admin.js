#!/usr/bin/env node
// admin.js BROKER create TOPIC PARTITIONS [KEY=VALUE ...]: create a topic
// with kafkajs' admin client (CreateTopics with configEntries; the
// replication factor is the broker's default).
// admin.js BROKER delete TOPIC: delete it (DeleteTopics).
// Prints "ok", or "error TYPE: MESSAGE" with kafkajs' error type (e.g.
// INVALID_CONFIG) and exits 1.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

function usage () {
  process.stderr.write('usage: admin.js BROKER create TOPIC PARTITIONS [KEY=VALUE ...]\n' +
    '       admin.js BROKER delete TOPIC\n')
  process.exit(64)
}

async function main () {
  const [broker, cmd, topic, partsArg, ...pairs] = process.argv.slice(2)
  if (!broker || !topic) usage()
  const numPartitions = Number(partsArg)
  if (cmd === 'create') {
    if (!(numPartitions > 0) || pairs.some((p) => !p.includes('='))) usage()
  } else if (cmd !== 'delete' || partsArg !== undefined) {
    usage()
  }
  const configEntries = pairs.map((p) => {
    const i = p.indexOf('=')
    return { name: p.slice(0, i), value: p.slice(i + 1) }
  })
  const kafka = new Kafka({ clientId: 'flume-admin-js', brokers: broker.split(','), logLevel: logLevel.NOTHING })
  const admin = kafka.admin()
  await admin.connect()
  try {
    if (cmd === 'create') {
      // a cluster's controller creates it: leaders may take a while on a loaded machine
      await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true, timeout: 30000 })
    } else {
      await admin.deleteTopics({ topics: [topic], timeout: 30000 })
    }
    process.stdout.write('ok\n')
  } catch (e) {
    const inner = e.errors && e.errors[0] ? e.errors[0] : e
    process.stdout.write(`error ${inner.type || e.name}: ${inner.message}\n`)
    process.exitCode = 1
  }
  await admin.disconnect()
}

main().catch((e) => {
  process.stderr.write(`admin.js: ${e.message}\n`)
  process.exit(2)
})
