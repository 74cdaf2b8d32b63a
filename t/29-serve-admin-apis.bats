#!/usr/bin/env bats
# t/29-serve-admin-apis.bats: the Kafka admin APIs (DescribeConfigs,
# AlterConfigs, IncrementalAlterConfigs, CreatePartitions, DeleteGroups,
# OffsetDelete, DeleteRecords, DescribeCluster) driven by real clients:
# kafkajs 2.2.4 (t/interop/kadmin.js) and kafka-python 2.0.2
# (t/interop/kpyadmin.py, Debian's, run with /usr/bin/python3); what no
# installed client sends (DescribeCluster, OffsetDelete,
# IncrementalAlterConfigs, every flexible version) by
# t/interop/kadminraw.py, built from Kafka 3.9's message JSON.  Bad input
# too: each error is Kafka's code, never a closed connection.

load helpers
load serve-helpers
load cluster-helpers

setup() {
	[ -d "$FLUME_ROOT/t/interop/node_modules/kafkajs" ] ||
		fail "kafkajs not installed (make deps runs npm ci in t/interop)"
	[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import kafka' ||
		fail "python3-kafka not installed (make deps)"
}

teardown() {
	local p
	for p in ${PID_1-} ${PID_2-} ${PID_3-}; do
		kill -CONT "$p" 2>/dev/null || true
	done
	bg_stop_all
}

kjs() { timeout 60 node "$FLUME_ROOT/t/interop/kadmin.js" "$ADDR" "$@"; }
kpy() { timeout 60 /usr/bin/python3 "$FLUME_ROOT/t/interop/kpyadmin.py" "$@"; }
kraw() { timeout 60 /usr/bin/python3 "$FLUME_ROOT/t/interop/kadminraw.py" "$@"; }
group_is_empty() { serve_admin group "$1" | grep -q $'state\tEmpty'; }

@test "DescribeConfigs: a topic's configs, their sources, the key filter (kafkajs)" {
	serve_start a
	run -0 serve_admin create t1 2 retention.ms=5000
	run -0 kjs describe-topic t1
	[[ $output == *'"retention.ms":{"value":"5000","source":1,"isDefault":false,"readOnly":false}'* ]]
	[[ $output == *'"retention.bytes":{"value":"-1","source":4,'* ]]
	[[ $output == *'"cleanup.policy":{"value":"delete","source":5,"isDefault":true,"readOnly":true}'* ]]
	[[ $output == *'"compression.type":{"value":"producer"'* ]]
	[[ $output == *'"max.message.bytes":{"value":"1048588","source":4,'*'"readOnly":true}'* ]]
	[[ $output == *'"min.insync.replicas":{"value":"1"'* ]]
	run -0 kjs describe-topic t1 retention.ms
	[ "$output" = '{"errorCode":0,"configs":{"retention.ms":{"value":"5000","source":1,"isDefault":false,"readOnly":false}}}' ]
	run -1 kjs describe-topic nope
	[[ $output == "error UNKNOWN_TOPIC_OR_PARTITION:"* ]]
	# the broker, by its id as text (kafkajs asks that broker; another id
	# sent here is INVALID_REQUEST, as Kafka: the raw test below)
	run -0 kjs describe-broker 1
	[[ $output == *'"broker.id":"1"'* && $output == *'"num.partitions":"1"'* ]]
}

@test "DescribeConfigs v0-v4 (flexible), broker and bad resources (raw)" {
	serve_start a --retention-bytes 1000000
	run -0 serve_admin create t1 1 min.insync.replicas=1
	run -0 kraw describe "$ADDR" 0 2 t1 retention.bytes min.insync.replicas
	# v0: IsDefault instead of a source (shown here as 5 default, 1 set)
	[ "$output" = "error 0 min.insync.replicas=1/1/-1 retention.bytes=1000000/5/-1" ]
	for v in 1 2; do
		run -0 kraw describe "$ADDR" "$v" 2 t1 retention.bytes min.insync.replicas
		[ "$output" = "error 0 min.insync.replicas=1/1/-1 retention.bytes=1000000/4/-1" ]
	done
	for v in 3 4; do
		run -0 kraw describe "$ADDR" "$v" 2 t1 retention.bytes cleanup.policy
		# v3+: the config type (LONG 5, LIST 7)
		[ "$output" = "error 0 cleanup.policy=delete/5/7 retention.bytes=1000000/4/5" ]
	done
	# IncludeSynonyms: the topic's own value first, then the broker's name for it
	run -0 kraw describe "$ADDR" 1 2 t1 retention.bytes min.insync.replicas +syn
	[ "$output" = "error 0 min.insync.replicas=1/1/-1[min.insync.replicas=1/1,min.insync.replicas=1/4] retention.bytes=1000000/4/-1[log.retention.bytes=1000000/4]" ]
	run -0 kraw describe "$ADDR" 4 2 t1 cleanup.policy +syn
	[ "$output" = "error 0 cleanup.policy=delete/5/7[log.cleanup.policy=delete/5]" ]
	run -0 kraw describe "$ADDR" 4 4 1 log.retention.bytes
	[ "$output" = "error 0 log.retention.bytes=1000000/4/5" ]
	run -0 kraw describe "$ADDR" 4 4 2
	[ "$output" = "error 42 " ]
	run -0 kraw describe "$ADDR" 3 8 1		# BROKER_LOGGER
	[ "$output" = "error 42 " ]
	run -0 kraw describe "$ADDR" 4 2 no.such
	[ "$output" = "error 3 " ]
	run -0 kraw describe "$ADDR" 1 2 'bad/name'
	[ "$output" = "error 17 " ]
}

@test "AlterConfigs replaces a topic's configs; Kafka's errors (kafkajs, kafka-python)" {
	serve_start a
	run -0 serve_admin create t1 1 retention.ms=5000
	run -0 kjs alter t1 retention.bytes=4096 min.insync.replicas=1
	[ "$output" = '{"errorCode":0}' ]
	# replaced: retention.ms is the broker's again
	run -0 serve_admin config t1
	[[ $output == *$'retention.ms\t604800000\tdefault'* ]]
	[[ $output == *$'retention.bytes\t4096\ttopic'* ]]
	run -1 kjs alter t1 bogus.key=1
	[[ $output == "error INVALID_CONFIG:"* ]]
	run -1 kjs alter t1 retention.ms=soon
	[[ $output == "error INVALID_CONFIG:"* ]]
	run -1 kjs alter t1 segment.bytes=1000		# broker-wide in flume
	[[ $output == "error INVALID_CONFIG:"* ]]
	run -1 kjs alter nope retention.ms=1
	[[ $output == "error UNKNOWN_TOPIC_OR_PARTITION:"* ]]
	# nothing of the refused ones stuck
	run -0 serve_admin config t1
	[[ $output == *$'retention.bytes\t4096\ttopic'* ]]
	# AlterConfigs v2 is flexible; a resource named twice is INVALID_REQUEST, as Kafka
	run -0 kraw alter "$ADDR" 2 t1 retention.bytes 8192
	[ "$output" = "error 0 message None" ]
	run -0 kraw alter "$ADDR" 0 t1 retention.bytes 1 dup
	[ "$output" = "error 42 message duplicate resource in the request; error 42 message duplicate resource in the request" ]
	run -0 serve_admin config t1
	[[ $output == *$'retention.bytes\t8192\ttopic'* ]]
	run -0 kpy alter "$ADDR" t1 retention.ms=9000
	[ "$output" = "error 0" ]
	run -0 kpy describe "$ADDR" topic t1
	[[ $output == *"retention.ms=9000/1"* && $output == *"retention.bytes=-1/4"* ]]
	run -0 kpy alter "$ADDR" t1 bogus=1
	[ "$output" = "error 40" ]
	run -0 kpy describe "$ADDR" topic nope
	[ "$output" = "error 3" ]
	run -0 kpy describe "$ADDR" broker 1
	[[ $output == *"broker.id=1/4"* ]]
	# the new retention applies at once, and survives a restart
	bg_stop "$SERVE_PID"
	serve_start a
	run -0 serve_admin config t1
	[[ $output == *$'retention.ms\t9000\ttopic'* ]]
	grep -q 'topic t1: configs now retention.ms=9000 (AlterConfigs from' \
	    "$BATS_TEST_TMPDIR/a.log"
}

@test "IncrementalAlterConfigs v0 and v1 (flexible): SET, DELETE, validate_only, errors (raw)" {
	serve_start a
	run -0 serve_admin create t1 1 retention.ms=5000
	run -0 kraw incremental "$ADDR" 0 2 t1 0 retention.bytes 12345
	[ "$output" = "error 0 message None" ]
	run -0 kraw incremental "$ADDR" 1 2 t1 0 min.insync.replicas 1
	[ "$output" = "error 0 message None" ]
	run -0 serve_admin config t1
	# incremental: what it does not name stays
	[[ $output == *$'retention.ms\t5000\ttopic'* && $output == *$'retention.bytes\t12345\ttopic'* ]]
	run -0 kraw incremental "$ADDR" 1 2 t1 1 retention.ms
	[ "$output" = "error 0 message None" ]
	run -0 kraw incremental "$ADDR" 1 2 t1 0 retention.bytes 7 validate
	[ "$output" = "error 0 message None" ]
	run -0 serve_admin config t1
	[[ $output == *$'retention.ms\t604800000\tdefault'* ]]
	[[ $output == *$'retention.bytes\t12345\ttopic'* ]]		# validate_only: unchanged
	run -0 kraw incremental "$ADDR" 1 2 t1 2 retention.bytes 5
	[ "$output" = "error 42 message APPEND and SUBTRACT apply only to list configs" ]
	run -0 kraw incremental "$ADDR" 1 2 t1 0 retention.ms -
	[ "$output" = "error 42 message null value not supported" ]
	run -0 kraw incremental "$ADDR" 0 2 t1 0 no.such 1
	[[ $output == "error 40 message unknown topic config"* ]]
	run -0 kraw incremental "$ADDR" 1 2 t1 0 retention.ms -9
	[ "$output" = "error 40 message invalid value for this config" ]
	run -0 kraw incremental "$ADDR" 1 4 1 0 log.retention.ms 1
	[[ $output == "error 42 message flume's broker settings are command-line options"* ]]
	run -0 kraw incremental "$ADDR" 1 2 nope 0 retention.ms 1
	[ "$output" = "error 3 message no such topic" ]
}

@test "CreatePartitions grows a topic, durably; Kafka's errors (kafkajs, kafka-python, raw v3)" {
	serve_start a
	run -0 serve_admin create cp 1
	seq 1 5 | timeout 60 kcat -b "$ADDR" -P -t cp -p 0
	run -0 kjs partitions cp 3
	echo two | timeout 60 kcat -b "$ADDR" -P -t cp -p 2
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t cp -p 2 -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "two" ]
	run -1 kjs partitions cp 3
	[[ $output == "error INVALID_PARTITIONS:"* ]]
	run -1 kjs partitions cp 2
	[[ $output == "error INVALID_PARTITIONS:"* ]]
	run -1 kjs partitions cp 20000
	[[ $output == "error INVALID_PARTITIONS:"* ]]
	run -1 kjs partitions nope 4
	[[ $output == "error UNKNOWN_TOPIC_OR_PARTITION:"* ]]
	run -0 kpy partitions "$ADDR" cp 9 validate
	run -0 kpy partitions "$ADDR" cp 4
	run -1 kpy partitions "$ADDR" cp 4
	[[ $output == *"InvalidPartitionsError"*"topic already has 4 partitions"* ]]
	run -0 kraw partitions "$ADDR" 3 cp 6 assign
	[ "$output" = "error 42 message flume places replicas itself: send no assignments" ]
	run -0 kraw partitions "$ADDR" 3 cp 5
	[ "$output" = "error 0 message None" ]
	run -0 kraw partitions "$ADDR" 0 __consumer_offsets 2
	[[ $output == "error 42 "* ]]
	# five partitions after a restart, the old records where they were
	bg_stop "$SERVE_PID"
	serve_start a
	[ "$(timeout 60 kcat -b "$ADDR" -L -t cp | grep -c 'partition ')" -eq 5 ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t cp -p 0 -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(seq 1 5)" ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t cp -p 2 -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "two" ]
}

@test "DeleteRecords moves the log start, durably; reads below it are out of range (kafkajs, raw v2)" {
	serve_start a
	seq 0 99 | timeout 60 kcat -b "$ADDR" -P -t dr -p 0 -X linger.ms=0 -X batch.num.messages=10
	run -0 kjs delete-records dr 0 37
	[ "$output" = '{"low":"37","high":"100"}' ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t dr -p 0 -o beginning "${KCAT_END[@]}" -q -f '%o\n'
	[ "${lines[0]}" = 37 ] && [ "${#lines[@]}" -eq 63 ]
	# below the log start: OFFSET_OUT_OF_RANGE from Fetch (kcat resets to the end)
	run -0 serve_admin partition dr 0
	[[ $output == *$'log_start\t37'* ]]
	run -1 kjs delete-records dr 0 101
	[[ $output == "error OFFSET_OUT_OF_RANGE:"* ]]
	run -1 kjs delete-records dr 0 -5
	[[ $output == "error OFFSET_OUT_OF_RANGE:"* ]]
	run -0 kraw delete-records "$ADDR" 2 dr 0 20		# below it: nothing to do
	[ "$output" = "low 37 error 0" ]
	run -0 kraw delete-records "$ADDR" 1 dr 7 1
	[ "$output" = "low -1 error 3" ]
	run -0 kraw delete-records "$ADDR" 0 __consumer_offsets 0 0
	[ "$output" = "low -1 error 17" ]
	bg_stop "$SERVE_PID"
	serve_start a
	run -0 kjs delete-records dr 0 -1			# -1: up to the high watermark
	[ "$output" = '{"low":"100","high":"100"}' ]
	bg_stop "$SERVE_PID"
	serve_start a
	run -0 serve_admin partition dr 0
	[[ $output == *$'log_start\t100'* ]]
	run -0 flume-seg verify "$DATA/dr-0"
}

@test "DeleteGroups and OffsetDelete: Kafka's rules for empty and active groups" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	seq 1 10 | timeout 60 kcat -b "$ADDR" -P -t gt -p 0
	run -0 serve_admin create other 1
	timeout 60 node "$FLUME_ROOT/t/interop/consume.js" "$ADDR" gt 10 g1 >/dev/null
	timeout 60 node "$FLUME_ROOT/t/interop/consume.js" "$ADDR" gt 10 g2 >/dev/null
	# OffsetDelete on an empty group: its commit goes, unknown ones are errors
	run -0 kraw offset-delete "$ADDR" g2 gt 0 5
	[ "$output" = "error 0 gt:0:0 gt:5:3" ]
	run -0 serve_admin group g2
	[[ $output != *$'offset\tgt'* ]]
	run -0 kraw offset-delete "$ADDR" nope gt 0
	[ "$output" = "error 69 " ]
	# an active member subscribed to gt: its offsets stay
	bg_start member node "$FLUME_ROOT/t/interop/group.js" "$ADDR" g1 gt 6000
	local member=$BG_PID
	wait_until 30 grep -q assigned "$BATS_TEST_TMPDIR/member.err"
	run -0 kraw offset-delete "$ADDR" g1 gt 0
	[ "$output" = "error 0 gt:0:86" ]
	run -0 kraw offset-delete "$ADDR" g1 other 0		# not subscribed: fine
	[ "$output" = "error 0 other:0:0" ]
	run -0 kjs delete-groups g1
	[ "$output" = '"g1 NON_EMPTY_GROUP"' ]
	bg_stop "$member"
	wait_until 30 group_is_empty g1
	run -0 kjs delete-groups g1
	[ "$output" = '"g1 ok"' ]
	run -0 serve_admin group g1
	[ "$output" = "error: no group g1" ]
	run -0 kpy delete-groups "$ADDR" g1
	[ "$output" = "g1:69" ]
	run -0 kraw delete-groups "$ADDR" 2 g2 nope
	[ "$output" = "g2:0 nope:69" ]
	# the deletions are durable: a restart replays the tombstones
	bg_stop "$SERVE_PID"
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 serve_admin groups
	[[ $output != *g1* && $output != *g2* ]]
}

@test "DescribeCluster v0 and v1 (flexible only): id, controller, brokers (raw)" {
	serve_start a --node-id 4
	local id
	id=$(awk '/cluster id/ { print $NF }' "$BATS_TEST_TMPDIR/a.err" | head -1)
	for v in 0 1; do
		run -0 kraw cluster "$ADDR" "$v"
		[ "$output" = "error 0 cluster $id controller 4 ops -2147483648 brokers 4:127.0.0.1:$PORT" ]
	done
	run -0 kraw cluster "$ADDR" 1 2		# the controller endpoint: not here
	[[ $output == "error 114 "* ]]
	# kafkajs' describeCluster (Metadata) agrees
	run -0 kjs cluster
	[ "$output" = "{\"clusterId\":\"$id\",\"controller\":4,\"brokers\":[4]}" ]
}

@test "in a cluster: DeleteRecords reaches the followers; configs and partition counts are refused" {
	cluster_start 3
	node_admin 1 "lead t 0 1 1,2,3 1,2,3" | grep -qx ok
	node_admin 2 "follow t 0 1 1 1,2,3" | grep -qx ok
	node_admin 3 "follow t 0 1 1 1,2,3" | grep -qx ok
	seq 0 99 | timeout 60 kcat -b "$BOOT" -t t -P -p 0 -X acks=all -X linger.ms=0 \
	    -X batch.num.messages=10
	wait_until 30 log_end_is 2 t 0 100
	wait_until 30 log_end_is 3 t 0 100
	ADDR=$ADDR_1
	run -0 kjs delete-records t 0 42
	[ "$output" = '{"low":"42","high":"100"}' ]
	# followers (flume-repl writes their copies) take it from their fetches
	wait_until 30 grep -qax 42 "$DATA_2/t-0/log-start"
	wait_until 30 grep -qax 42 "$DATA_3/t-0/log-start"
	grep -q "the leader's log starts at 42" "$BATS_TEST_TMPDIR/n2.err"
	# a follower that becomes leader serves from there
	node_admin 1 "follow t 0 2 2 1,2,3" | grep -qx ok
	node_admin 3 "follow t 0 2 2 1,2,3" | grep -qx ok
	node_admin 2 "lead t 0 2 1,2,3 1,2,3" | grep -qx ok
	[ "$(part_field 2 t 0 log_start)" = 42 ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR_2" -C -t t -p 0 -o beginning \
	    "${KCAT_END[@]}" -q
	[ "${lines[0]}" = 42 ] && [ "${#lines[@]}" -eq 58 ]
	run -0 kraw incremental "$ADDR_1" 1 2 t 0 retention.ms 1000
	[ "$output" = "error 42 message in a cluster, topic configs are set on every replica with the admin socket's config verb" ]
	run -0 kraw partitions "$ADDR_1" 3 t 2
	[ "$output" = "error 42 message in a cluster, a topic's partition count is the controller's, which cannot grow it yet" ]
	run -0 kraw describe "$ADDR_2" 4 2 t retention.ms
	[ "$output" = "error 0 retention.ms=604800000/4/5" ]
	# DescribeCluster lists every broker, as Metadata does
	run -0 kraw cluster "$ADDR_3" 1
	[[ $output == *" brokers 1:$ADDR_1 2:$ADDR_2 3:$ADDR_3" ]]
}

@test "on a --sasl listener: the admin APIs check ACLs with Kafka's codes (kafkajs)" {
	local d
	d=$(tmpdir a)/data
	mkdir -p "$d"
	printf '%s\n' admin-pw | flume-serve user add admin --data "$d"
	printf '%s\n' alice-pw | flume-serve user add alice --data "$d"
	flume-serve acl add admin all cluster '*' --data "$d"
	flume-serve acl add alice all topic t- --data "$d"
	flume-serve acl add alice read group g- --data "$d"
	serve_start a --sasl "${GROUP_SERVE_ARGS[@]}"
	run -0 serve_admin create t-1 1
	run -0 serve_admin create other 1
	export KADMIN_SASL=plain:alice:alice-pw
	run -0 kjs describe-topic t-1 retention.ms
	[[ $output == '{"errorCode":0,'* ]]
	run -1 kjs describe-topic other
	[[ $output == "error TOPIC_AUTHORIZATION_FAILED:"* ]]
	run -0 kjs alter t-1 retention.ms=5000
	run -1 kjs alter other retention.ms=5000
	[[ $output == "error TOPIC_AUTHORIZATION_FAILED:"* ]]
	run -1 kjs describe-broker 1
	[[ $output == "error CLUSTER_AUTHORIZATION_FAILED:"* ]]
	run -0 kjs partitions t-1 2
	run -1 kjs partitions other 2
	[[ $output == "error TOPIC_AUTHORIZATION_FAILED:"* ]]
	seq 1 10 | timeout 60 kcat -b "$ADDR" -X security.protocol=SASL_PLAINTEXT \
	    -X sasl.mechanisms=PLAIN -X sasl.username=admin -X sasl.password=admin-pw \
	    -P -t t-1 -p 0
	run -0 kjs delete-records t-1 0 3
	[ "$output" = '{"low":"3","high":"10"}' ]
	run -0 kjs delete-groups g-1		# read on g- is not delete
	[ "$output" = '"g-1 GROUP_AUTHORIZATION_FAILED"' ]
	export KADMIN_SASL=plain:admin:admin-pw
	run -0 kjs describe-broker 1
	[[ $output == *'"broker.id":"1"'* ]]
	run -0 kjs delete-groups g-1
	[ "$output" = '"g-1 GROUP_ID_NOT_FOUND"' ]
	run -0 kjs alter other retention.ms=5000
	grep -q "denied" "$BATS_TEST_TMPDIR/a.err"
}
