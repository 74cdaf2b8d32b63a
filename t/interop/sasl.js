#!/usr/bin/env node
// sasl.js BROKER MECHANISM USER PASSWORD CMD ...: kafkajs through a SASL
// listener (mechanism plain, scram-sha-256 or scram-sha-512, as kafkajs
// names them).
//   produce TOPIC N        N records "v0".."vN-1", acks -1, one request
//   consume TOPIC N        read N records from the start (a new group
//                          g-sasl-js-PID per run)
//                          and print their values, one per line
//   group GROUP TOPIC N    the same through GROUP, committing (kafkajs' default)
//   create TOPIC           CreateTopics with one partition
//   delete TOPIC           DeleteTopics
// Prints "ok" on success (after the values for consume/group), or
// "error TYPE: MESSAGE" and exits 1.  TYPE is the Kafka error kafkajs got
// from the broker (e.g. TOPIC_AUTHORIZATION_FAILED): kafkajs keeps only the
// message when it wraps a broker's error, so the message is mapped back
// through kafkajs' own table of codes; where kafkajs replaces the broker's
// error with its own (a FindCoordinator refused with 30 becomes "Failed to
// find group coordinator"), the broker's error is taken from kafkajs' debug
// log.  Otherwise TYPE is kafkajs' error name (e.g.
// KafkaJSSASLAuthenticationError).
'use strict'
const { Kafka, logLevel } = require('kafkajs')
const { errorCodes } = require('kafkajs/src/protocol/error')

// The broker's errors kafkajs logged (at debug level) on the way.
const logged = []
const logCreator = () => ({ log }) => {
  const text = JSON.stringify(log)
  for (const e of errorCodes) {
    if (e.code > 0 && text.includes(e.message) && !logged.includes(e.type)) logged.push(e.type)
  }
}

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
    logLevel: logLevel.DEBUG,
    logCreator,
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
    await consume(kafka, 'g-sasl-js-' + process.pid, topic, Number(n))
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
  // an aggregate (CreateTopics' per-topic errors) carries the broker's first
  const inner = e.errors && e.errors.length ? e.errors[0] : e
  const known = errorCodes.find((c) => c.code > 0 && c.message === inner.message)
  const type = inner.type || (known && known.type) ||
    logged.find((t) => t.endsWith('_AUTHORIZATION_FAILED')) || e.name
  process.stdout.write(`error ${type}: ${e.message}\n`)
  process.exit(1)
})
