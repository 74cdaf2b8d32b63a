#!/usr/bin/env bats
# t/31-cluster.bats: three brokers replicating by hand through their admin
# sockets (issue 10): a test helper plays the controller, committing the
# leader's ISR proposals.  Real processes, kill -9 and SIGSTOP.

load helpers
load serve-helpers
load cluster-helpers

teardown() {
	local p
	# a stopped broker would hold up the others' teardown
	for p in ${PID_1-} ${PID_2-} ${PID_3-}; do
		kill -CONT "$p" 2>/dev/null || true
	done
	bg_stop_all
}

# t-0 led by broker 1 at epoch 1, followed by 2 and 3
lead_on_1() {
	node_admin 1 "lead t 0 1 1,2,3 1,2,3" | grep -qx ok
	node_admin 2 "follow t 0 1 1 1,2,3" | grep -qx ok
	node_admin 3 "follow t 0 1 1 1,2,3" | grep -qx ok
}

@test "acks=all records are on every ISR member: digests equal up to the HW" {
	cluster_start 3
	lead_on_1
	seq 1 20000 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	[ "$(part_field 1 t 0 hw)" -eq 20000 ]
	wait_until 30 log_end_is 2 t 0 20000
	wait_until 30 log_end_is 3 t 0 20000
	digests_equal t 0 20000 1 2 3
	# every broker's Metadata names all three and the leader
	run -0 kcat -b "$ADDR_3" -L -t t
	assert_output -p "3 brokers"
	assert_output -p "partition 0, leader 1, replicas: 1,2,3"
	# a follower shows the ISR it was told (the controller pushes it)
	run -0 node_admin 3 "isr t 0 2 1,2,3"
	assert_output "error: epoch 2 is newer than the current epoch 1"
	run -0 node_admin 3 "isr t 0 1 1,4"
	assert_output "error: ISR member 4 is not a replica"
	run -0 node_admin 3 "isr t 0 1 1,2,3"
	assert_output ok
	run -0 kcat -b "$ADDR_3" -L -t t
	assert_output -p "partition 0, leader 1, replicas: 1,2,3, isrs: 1,2,3"
	[ "$(part_field 3 t 0 role)" = follower ]
	run -0 kcat -b "$ADDR_1" -L -t t
	assert_output -p "partition 0, leader 1, replicas: 1,2,3, isrs: 1,2,3"
	# a consumer on any broker is sent to the leader
	[ "$(kcat -b "$ADDR_2" -t t -C -o beginning "${KCAT_END[@]}" -q | wc -l)" -eq 20000 ]
}

@test "a follower killed and restarted mid-load catches up and rejoins the ISR" {
	cluster_start 3 --replica-lag-time-max-ms 1000
	lead_on_1
	bg_start load sh -c 'seq 1 100000 | kcat -b "$1" -t t -P -p 0 -X acks=all \
	    -X message.timeout.ms=120000' sh "$BOOT"
	local load=$BG_PID
	wait_until 30 eval '[ "$(part_field 1 t 0 hw)" -gt 10000 ]'
	bg_kill "$PID_3" KILL || true
	# one more record, so the dead follower is behind even if the load is done
	printf 'x\n' | kcat -b "$ADDR_1" -t t -P -p 0 -X acks=1
	# the controller's part: the dead follower is proposed out, commit it
	wait_isr 1 t 0 1,2
	wait_until 120 eval '! is_running '"$load"
	wait "$load"
	[ "$(part_field 1 t 0 hw)" -eq 100001 ]
	node_restart 3 --replica-lag-time-max-ms 1000
	wait_until 60 log_end_is 3 t 0 100001
	wait_isr 1 t 0 1,2,3
	digests_equal t 0 100001 1 2 3
}

@test "a restarted follower resumes every partition it followed from one leader" {
	cluster_start 2
	local t
	for t in x y z; do
		node_admin 1 "lead $t 0 1 1,2 1,2" | grep -qx ok
		node_admin 2 "follow $t 0 1 1 1,2" | grep -qx ok
	done
	bg_kill "$PID_2" TERM
	for t in x y z; do
		seq 1 100 | kcat -b "$ADDR_1" -t "$t" -P -p 0 -X acks=1
	done
	node_restart 2
	for t in x y z; do
		wait_until 30 log_end_is 2 "$t" 0 100
		[ "$(part_field 2 "$t" 0 role)" = follower ]
	done
	# one child for the one leader
	[ "$(pgrep -c -P "$PID_2" flume-repl)" -eq 1 ]
}

@test "min.insync.replicas 2 with both followers gone: acks=all gets 19, acks=1 works" {
	cluster_start 3 --min-insync-replicas 2 --replica-lag-time-max-ms 500
	lead_on_1
	seq 1 10 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	bg_kill "$PID_2" KILL || true
	bg_kill "$PID_3" KILL || true
	# followers holding everything stay in sync (Kafka's rule): a write
	# leaves them behind, and past the lag limit they are proposed out
	printf 'lag\n' | kcat -b "$ADDR_1" -t t -P -p 0 -X acks=1
	wait_isr 1 t 0 1
	local before
	before=$(part_field 1 t 0 log_end)
	run -1 --separate-stderr kcat -b "$ADDR_1" -t t -P -p 0 -X acks=all \
	    -X message.timeout.ms=3000 -X retries=0 <<<"refused"
	[[ $stderr == *"NOT_ENOUGH_REPLICAS"* ]] || [[ $stderr == *"enough"* ]]
	[ "$(part_field 1 t 0 log_end)" = "$before" ]	# nothing appended
	printf 'one\n' | kcat -b "$ADDR_1" -t t -P -p 0 -X acks=1
	[ "$(part_field 1 t 0 log_end)" -eq $((before + 1)) ]
}

@test "min.insync.replicas as a topic config: 20 after the append, 19 before, kept across a restart" {
	cluster_start 3 --replica-lag-time-max-ms 500
	lead_on_1
	run -0 node_admin 1 "config t min.insync.replicas=2"
	assert_output ok
	run -0 node_admin 1 "config t"
	assert_line "$(printf 'min.insync.replicas\t2\ttopic')"
	assert_line "$(printf 'replica.lag.time.max.ms\t500\tdefault')"
	seq 1 10 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	bg_kill "$PID_2" KILL || true
	bg_kill "$PID_3" KILL || true
	# appended while the ISR still had three: its answer waits for the HW,
	# which moves only once the ISR shrinks to 1, below the minimum
	bg_start p node "$FLUME_ROOT/t/interop/kraw.js" produce "$ADDR_1" t -1 -1 -1 1 -1
	local p=$BG_PID
	wait_isr 1 t 0 1
	wait_until 30 eval '! is_running '"$p"
	wait "$p"
	[ "$(cat "$BATS_TEST_TMPDIR/p.out")" = "20 10" ]
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" produce "$ADDR_1" t -1 -1 -1 1 -1
	assert_output "19 -1"
	# back to the broker's default (1): accepted at once
	run -0 node_admin 1 "config t min.insync.replicas=default"
	assert_output ok
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" produce "$ADDR_1" t -1 -1 -1 1 -1
	assert_output "0 11"
	# bad input changes nothing
	run -0 node_admin 1 "config t cleanup.policy=compact"
	assert_output -p "error: cleanup.policy: the topic configs are"
	run -0 node_admin 1 "config t min.insync.replicas=0"
	assert_output "error: min.insync.replicas=0: not a number in the config's range"
	run -0 node_admin 1 "config t retention.ms"
	assert_output "error: usage: config TOPIC [KEY=VALUE ...]"
	run -0 node_admin 1 "config nosuch min.insync.replicas=2"
	assert_output "error: no topic nosuch"
	run -0 node_admin 1 "create c2 2 min.insync.replicas=2 retention.bytes=x"
	assert_output "error: retention.bytes=x: not a number in the config's range"
	run -0 node_admin 1 "create c2 2 min.insync.replicas=2"
	assert_output ok
	# configs are durable: a restart keeps them
	run -0 node_admin 1 "config t min.insync.replicas=3 retention.ms=60000"
	assert_output ok
	bg_kill "$PID_1" TERM
	node_restart 1 --replica-lag-time-max-ms 500
	run -0 node_admin 1 "config t"
	assert_line "$(printf 'min.insync.replicas\t3\ttopic')"
	assert_line "$(printf 'retention.ms\t60000\ttopic')"
	assert_line "$(printf 'retention.bytes\t-1\tdefault')"
	run -0 node_admin 1 "config c2"
	assert_line "$(printf 'min.insync.replicas\t2\ttopic')"
}

@test "a follower with a divergent tail from an older epoch truncates exactly that tail" {
	cluster_start 3
	lead_on_1
	seq 1 1000 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	wait_until 30 log_end_is 3 t 0 1000
	# broker 3 is cut off; broker 1 takes 500 more records it alone holds
	node_admin 3 "offline t 0 1" | grep -qx ok
	node_admin 1 "isr t 0 1 1,2" | grep -qx ok
	node_admin 2 "offline t 0 1" | grep -qx ok
	node_admin 1 "isr t 0 1 1" | grep -qx ok
	seq 1001 1500 | kcat -b "$ADDR_1" -t t -P -p 0 -X acks=1
	[ "$(part_field 1 t 0 log_end)" -eq 1500 ]
	# then broker 2 leads epoch 2 (broker 1's last 500 were never acknowledged
	# to anyone with acks=all) and takes 200 records of its own
	node_admin 2 "lead t 0 2 1,2,3 2" | grep -qx ok
	seq 2001 2200 | kcat -b "$ADDR_2" -t t -P -p 0 -X acks=1
	node_admin 3 "follow t 0 2 2 1,2,3" | grep -qx ok
	node_admin 1 "follow t 0 2 2 1,2,3" | grep -qx ok
	wait_until 30 log_end_is 1 t 0 1200
	wait_until 30 log_end_is 3 t 0 1200
	digests_equal t 0 1200 1 2 3
	# below the divergence nothing was cut
	[ "$(node_admin 1 "digest t 0 0 1000")" = "$(node_admin 2 "digest t 0 0 1000")" ]
	grep -q "divergent tail was cut" "$BATS_TEST_TMPDIR/n1.err"
}

@test "a deposed leader acknowledges nothing more; clients follow the new leader" {
	cluster_start 3
	lead_on_1
	seq 1 100 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	# broker 2's follower hands the partition over at once
	run -0 node_admin 2 "lead t 0 2 1,2,3 2,3"
	assert_output ok
	node_admin 3 "follow t 0 2 2 1,2,3" | grep -qx ok
	node_admin 1 "follow t 0 2 2 1,2,3" | grep -qx ok
	# a raw produce to broker 1 is refused: NOT_LEADER_OR_FOLLOWER
	run -0 kraw produce "$ADDR_1" t -1 -1 -1 1
	assert_output -p "6 "
	# an older epoch is refused, naming the current one
	run -0 node_admin 1 "lead t 0 1 1,2,3 1"
	assert_output "error: epoch 1 is older than the current epoch 2"
	# kcat finds the new leader through Metadata
	seq 101 200 | kcat -b "$ADDR_1" -t t -P -p 0 -X acks=all
	wait_until 30 log_end_is 1 t 0 200
	digests_equal t 0 200 1 2 3
}

@test "consumers never see a record above the HW: it stops while the follower is stopped" {
	cluster_start 2 --replica-lag-time-max-ms 60000
	node_admin 1 "lead t 0 1 1,2 1,2" | grep -qx ok
	node_admin 2 "follow t 0 1 1 1,2" | grep -qx ok
	seq 1 100 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	wait_until 30 log_end_is 2 t 0 100
	# the follower's copying child is paused: the HW stops at 100
	local child
	child=$(pgrep -P "$PID_2" flume-repl)
	kill -STOP "$child"
	seq 101 200 | kcat -b "$BOOT" -t t -P -p 0 -X acks=1
	[ "$(part_field 1 t 0 log_end)" -eq 200 ]
	[ "$(part_field 1 t 0 hw)" -eq 100 ]
	[ "$(kcat -b "$BOOT" -t t -C -o beginning "${KCAT_END[@]}" -q | wc -l)" -eq 100 ]
	kill -CONT "$child"
	wait_until 30 eval '[ "$(part_field 1 t 0 hw)" -eq 200 ]'
	[ "$(kcat -b "$BOOT" -t t -C -o beginning "${KCAT_END[@]}" -q | wc -l)" -eq 200 ]
}

@test "pipelined acks=all requests are all appended while the first waits; answers in order" {
	cluster_start 2 --replica-lag-time-max-ms 60000
	node_admin 1 "lead t 0 1 1,2 1,2" | grep -qx ok
	node_admin 2 "follow t 0 1 1 1,2" | grep -qx ok
	seq 1 10 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	wait_until 30 log_end_is 2 t 0 10
	local child
	child=$(pgrep -P "$PID_2" flume-repl)
	kill -STOP "$child"
	# 20 one-record requests, all in flight on one connection: the broker
	# keeps reading them while the first waits for the HW
	bg_start load node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR_1" t 20 20
	local load=$BG_PID
	wait_until 30 log_end_is 1 t 0 30
	[ "$(part_field 1 t 0 hw)" -eq 10 ]
	[ ! -s "$BATS_TEST_TMPDIR/load.out" ]	# nothing answered yet
	# a consumer on another connection is not held up
	[ "$(kcat -b "$BOOT" -t t -C -o beginning "${KCAT_END[@]}" -q | wc -l)" -eq 10 ]
	kill -CONT "$child"
	wait_until 30 eval '! is_running '"$load"
	wait "$load"
	# every answer, in request order, each with its own offset
	[ "$(cut -f2 "$BATS_TEST_TMPDIR/load.out" | tr '\n' ' ')" = "$(seq 10 29 | tr '\n' ' ')" ]
	[ "$(cut -f1 "$BATS_TEST_TMPDIR/load.out" | tr '\n' ' ')" = "$(seq 0 19 | sed 's/^/r/' | tr '\n' ' ')" ]
}

@test "bad admin input: malformed verbs, unknown brokers, epochs that go back" {
	cluster_start 2
	run -0 node_admin 1 "lead t 0 x 1,2 1"
	assert_output -p "error: epoch"
	run -0 node_admin 1 "lead t 0 1 2,3 2"
	assert_output -p "must be in REPLICAS and ISR"
	run -0 node_admin 1 "lead t 0 1 1,2 1,3"
	assert_output -p "not a replica"
	run -0 node_admin 1 "follow t 0 1 9 1,9"
	assert_output -p "broker 9 is unknown"
	run -0 node_admin 1 "follow t 0 1 1 1,2"
	assert_output -p "does not follow itself"
	run -0 node_admin 1 "brokers 2=h:1"
	assert_output -p "must name this node"
	run -0 node_admin 1 "brokers 1=h 2=h:1"
	assert_output -p "ID=HOST:PORT"
	run -0 node_admin 1 "lead t 0 3 1,2 1"
	assert_output ok
	run -0 node_admin 1 "isr t 0 2 1"
	assert_output -p "older than the current epoch 3"
	run -0 node_admin 1 "isr t 0 4 1"
	assert_output -p "newer than the current epoch 3"
	run -0 node_admin 1 "offline t 0 2"
	assert_output -p "older than the current epoch 3"
	# epochs are durable: after a restart the partition is offline at epoch 3
	bg_kill "$PID_1"
	node_restart 1
	[ "$(part_field 1 t 0 role)" = offline ]
	[ "$(part_field 1 t 0 epoch)" = 3 ]
}

@test "Metadata for a topic created on a cluster node before any role: error 5, and the broker serves on" {
	cluster_start 2
	run -0 node_admin 1 "create fresh 2"
	assert_output ok
	[ "$(part_field 1 fresh 0 role)" = offline ]
	# nobody is a replica of it yet: the answer names none (this crashed under
	# UBSan: a zero-sized copy of the replica list into no memory)
	run -0 --separate-stderr kcat -b "$ADDR_1" -L -t fresh -J
	[[ $output == *'"topic":"fresh"'* ]]
	[[ $output == *'"error":"Broker: Leader not available"'* ]]
	is_running "$PID_1"
	run -0 node_admin 1 "status"
	assert_output -p "node	1"
}
