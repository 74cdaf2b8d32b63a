#!/usr/bin/env node
// kadmin.js BROKER CMD ARGS...: kafkajs 2.2.4's admin client against the
// admin APIs, for t/29-serve-admin-apis.bats.  Prints one JSON line (the
// client's result), or "error TYPE: MESSAGE" (kafkajs' error type, e.g.
// INVALID_CONFIG) and exits 1.
//   describe-topic TOPIC [KEY...]    describeConfigs of a topic
//   describe-broker ID               describeConfigs of a broker
//   alter TOPIC KEY=VALUE...         alterConfigs (replaces the topic's configs)
//   partitions TOPIC COUNT           createPartitions
//   delete-groups GROUP...           deleteGroups
//   delete-records TOPIC PART OFFSET deleteTopicRecords
//   cluster                          describeCluster
// KADMIN_SASL=MECHANISM:USER:PASSWORD in the environment: SASL (e.g. plain).
'use strict'
const { Kafka, logLevel, ConfigResourceTypes } = require('kafkajs')

async function run (admin, cmd, args) {
  switch (cmd) {
    case 'describe-topic': {
      const [topic, ...keys] = args
      const r = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: keys.length ? keys : undefined }]
      })
      const res = r.resources[0]
      return {
        errorCode: res.errorCode,
        configs: Object.fromEntries(res.configEntries.map((e) =>
          [e.configName, { value: e.configValue, source: e.configSource, isDefault: e.isDefault, readOnly: e.readOnly }]))
      }
    }
    case 'describe-broker': {
      const r = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [{ type: ConfigResourceTypes.BROKER, name: args[0] }]
      })
      const res = r.resources[0]
      return { errorCode: res.errorCode, configs: Object.fromEntries(res.configEntries.map((e) => [e.configName, e.configValue])) }
    }
    case 'alter': {
      const [topic, ...pairs] = args
      const configEntries = pairs.map((p) => {
        const i = p.indexOf('=')
        return { name: p.slice(0, i), value: p.slice(i + 1) }
      })
      const r = await admin.alterConfigs({
        validateOnly: false,
        resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries }]
      })
      return { errorCode: r.resources[0].errorCode }
    }
    case 'partitions':
      await admin.createPartitions({ topicPartitions: [{ topic: args[0], count: Number(args[1]) }] })
      return { ok: true }
    case 'delete-groups': {
      // one line per group: GROUP ok, or GROUP ERROR_TYPE
      let r
      try {
        r = await admin.deleteGroups(args)
      } catch (e) {
        if (!e.groups) throw e
        r = e.groups
      }
      return r.map((g) => `${g.groupId} ${g.error ? g.error.type : 'ok'}`).join(' ')
    }
    case 'delete-records': {
      // kafkajs looks up leaders before it loads the topic's metadata: load it first
      await admin.fetchTopicOffsets(args[0])
      await admin.deleteTopicRecords({ topic: args[0], partitions: [{ partition: Number(args[1]), offset: args[2] }] })
      const after = await admin.fetchTopicOffsets(args[0])
      const p = after.find((o) => o.partition === Number(args[1]))
      return { low: p.low, high: p.high }
    }
    case 'cluster': {
      const r = await admin.describeCluster()
      return { clusterId: r.clusterId, controller: r.controller, brokers: r.brokers.map((b) => b.nodeId) }
    }
    default:
      process.stderr.write(`kadmin.js: unknown command ${cmd}\n`)
      process.exit(64)
  }
}

async function main () {
  const [broker, cmd, ...args] = process.argv.slice(2)
  if (!broker || !cmd) {
    process.stderr.write('usage: kadmin.js BROKER CMD ARGS...\n')
    process.exit(64)
  }
  // KADMIN_SASL=MECHANISM:USER:PASSWORD: through a --sasl listener
  const sasl = process.env.KADMIN_SASL
    ? (([mechanism, username, password]) => ({ mechanism, username, password }))(process.env.KADMIN_SASL.split(':'))
    : undefined
  const kafka = new Kafka({ clientId: 'flume-kadmin-js', brokers: [broker], logLevel: logLevel.NOTHING, sasl })
  const admin = kafka.admin()
  await admin.connect()
  try {
    process.stdout.write(JSON.stringify(await run(admin, cmd, args)) + '\n')
  } catch (e) {
    let inner = e.errors && e.errors[0] ? e.errors[0] : e
    if (process.env.KADMIN_DEBUG) process.stderr.write(require('util').inspect(e, { depth: 5 }) + '\n')
    while (inner.originalError || (inner.cause && !inner.partitions)) inner = inner.originalError || inner.cause
    if (inner.partitions) inner = inner.partitions.find((p) => p.error).error
    process.stdout.write(`error ${inner.type || e.name}: ${inner.message}\n`)
    process.exitCode = 1
  }
  await admin.disconnect()
}

main().catch((e) => {
  process.stderr.write(`kadmin.js: ${e.message}\n`)
  process.exit(2)
})
