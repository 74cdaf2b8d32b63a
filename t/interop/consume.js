#!/usr/bin/env node
// consume.js BROKER TOPIC COUNT [GROUP]: read COUNT records from the
// beginning of TOPIC with a kafkajs consumer (consumer group GROUP,
// default a fresh one) and print "PARTITION<TAB>OFFSET<TAB>KEY<TAB>VALUE"
// lines (KEY empty when null).  Exit 0 after COUNT records, 1 on error or
// after 60 s without reaching COUNT.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

async function main () {
  const [broker, topic, countArg, groupArg] = process.argv.slice(2)
  const count = Number(countArg)
  if (!broker || !topic || !(count >= 0)) {
    process.stderr.write('usage: consume.js BROKER TOPIC COUNT [GROUP]\n')
    process.exit(64)
  }
  const kafka = new Kafka({ clientId: 'flume-consume-js', brokers: [broker], logLevel: logLevel.ERROR })
  const consumer = kafka.consumer({ groupId: groupArg || `consume-js-${process.pid}-${Date.now()}` })
  const out = []
  let seen = 0
  let done
  const finished = new Promise((resolve) => { done = resolve })
  const timer = setTimeout(() => {
    process.stderr.write(`consume.js: timed out after ${seen} of ${count} records\n`)
    process.exit(1)
  }, 60000)
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      if (seen >= count) return
      const key = message.key === null ? '' : message.key.toString()
      out.push(`${partition}\t${message.offset}\t${key}\t${message.value.toString()}\n`)
      if (++seen === count) done()
    }
  })
  if (count > 0) await finished
  clearTimeout(timer)
  process.stdout.write(out.join(''))
  await consumer.disconnect()
}

main().catch((e) => {
  process.stderr.write(`consume.js: ${e.message}\n`)
  process.exit(1)
})
