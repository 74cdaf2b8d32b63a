#!/usr/bin/env node
// produce.js BROKER TOPIC [--idempotent] [--key-sep SEP] [--gzip]: produce
// stdin lines with kafkajs (acks -1, its default Java-compatible murmur2
// partitioner), 1,000 records per request.  With --key-sep, each line is
// KEY SEP VALUE.  With --gzip, batches are gzip-compressed (kafkajs's one
// built-in codec).  Exit 0 once every record was acknowledged, 1 otherwise.
'use strict'
const { Kafka, Partitioners, CompressionTypes, logLevel } = require('kafkajs')

async function main () {
  const args = process.argv.slice(2)
  const pos = []
  let idempotent = false
  let sep = null
  let compression = CompressionTypes.None
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--idempotent') idempotent = true
    else if (args[i] === '--key-sep') sep = args[++i]
    else if (args[i] === '--gzip') compression = CompressionTypes.GZIP
    else pos.push(args[i])
  }
  const [broker, topic] = pos
  if (!broker || !topic) {
    process.stderr.write('usage: produce.js BROKER TOPIC [--idempotent] [--key-sep SEP] [--gzip] < lines\n')
    process.exit(64)
  }
  const lines = require('fs').readFileSync(0, 'utf8').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  const messages = lines.map((l) => {
    const i = sep === null ? -1 : l.indexOf(sep)
    return i < 0 ? { value: l } : { key: l.slice(0, i), value: l.slice(i + sep.length) }
  })
  const kafka = new Kafka({ clientId: 'flume-produce-js', brokers: [broker], logLevel: logLevel.ERROR })
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    idempotent,
    maxInFlightRequests: idempotent ? 1 : undefined,
    allowAutoTopicCreation: true
  })
  await producer.connect()
  for (let i = 0; i < messages.length; i += 1000)
    await producer.send({ topic, acks: -1, compression, messages: messages.slice(i, i + 1000) })
  await producer.disconnect()
}

main().catch((e) => {
  process.stderr.write(`produce.js: ${e.message}\n`)
  process.exit(1)
})
