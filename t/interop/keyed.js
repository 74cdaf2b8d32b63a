#!/usr/bin/env node
// keyed.js BROKER TOPIC: produce stdin lines "key:value" with kafkajs'
// default partitioner (Java-compatible murmur2 in kafkajs 2.x), one record
// per line, so t/60-cat.bats can compare where each key lands with
// flume-cat and kcat.  kafkajs comes from t/interop/node_modules (or
// NODE_PATH).  Exit 0 when every record was acknowledged.
'use strict'
const { Kafka, Partitioners, logLevel } = require('kafkajs')

async function main () {
  const [broker, topic] = process.argv.slice(2)
  if (!broker || !topic) {
    process.stderr.write('usage: keyed.js BROKER TOPIC < lines\n')
    process.exit(64)
  }
  const input = require('fs').readFileSync(0, 'utf8')
  const messages = input.split('\n').filter((l) => l.length > 0).map((l) => {
    const i = l.indexOf(':')
    return i < 0 ? { value: l } : { key: l.slice(0, i), value: l.slice(i + 1) }
  })
  const kafka = new Kafka({ clientId: 'keyed-js', brokers: [broker], logLevel: logLevel.NOTHING })
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner })
  await producer.connect()
  await producer.send({ topic, messages })
  await producer.disconnect()
}

main().catch((e) => {
  process.stderr.write(`keyed.js: ${e.message}\n`)
  process.exit(1)
})
