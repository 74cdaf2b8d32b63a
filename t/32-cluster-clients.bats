#!/usr/bin/env bats
# t/32-cluster-clients.bats: kcat and kafkajs through leader changes made by
# hand on a three-broker cluster (issue 10), and consumer groups whose
# coordinator moves with the leader of __consumer_offsets-0.

load helpers
load serve-helpers
load cluster-helpers

setup() {
	[ -d "$FLUME_ROOT/t/interop/node_modules/kafkajs" ] ||
		fail "kafkajs is not installed: run make deps"
}

teardown() {
	exec 5>&- 2>/dev/null || true
	bg_stop_all
}

# lead_all TOPIC PART EPOCH LEADER: LEADER leads TOPIC-PART at EPOCH with all
# three as replicas and ISR; the other two follow it.  The old leader is
# told first, so it acknowledges nothing more once the new one leads.
lead_all() {
	local t=$1 p=$2 e=$3 l=$4 i
	for i in 1 2 3; do
		[ "$i" = "$l" ] && continue
		node_admin "$i" "follow $t $p $e $l 1,2,3" | grep -qx ok
	done
	node_admin "$l" "lead $t $p $e 1,2,3 1,2,3" | grep -qx ok
}

# distinct FILE: how many distinct lines FILE has.
distinct() {
	sort -u "$1" | wc -l
}

@test "kcat produces through a leader change: every record is there, once per value at least" {
	cluster_start 3
	lead_all t 0 1 1
	mkfifo "$BATS_TEST_TMPDIR/in"
	# read-write: neither this open nor the reader's waits for the other
	exec 5<>"$BATS_TEST_TMPDIR/in"
	bg_start load kcat -b "$BOOT" -t t -P -p 0 -X acks=all -X message.timeout.ms=60000 \
	    -X retry.backoff.ms=50 <"$BATS_TEST_TMPDIR/in" 5>&-
	local load=$BG_PID
	seq 1 20000 >&5
	wait_until 30 eval '[ "$(part_field 1 t 0 hw)" -ge 10000 ]'
	lead_all t 0 2 2
	seq 20001 40000 >&5
	exec 5>&-
	wait_until 90 eval '! is_running '"$load"
	wait "$load"
	# broker 1 was deposed: it says so and names the new leader
	[ "$(part_field 1 t 0 role)" = follower ]
	[ "$(part_field 1 t 0 leader)" = 2 ]
	wait_until 30 eval '[ "$(part_field 2 t 0 hw)" -eq "$(part_field 2 t 0 log_end)" ]'
	kcat -b "$ADDR_1" -t t -C -o beginning "${KCAT_END[@]}" -q >"$BATS_TEST_TMPDIR/got"
	[ "$(distinct "$BATS_TEST_TMPDIR/got")" -eq 40000 ]
	seq 1 40000 | sort | comm -23 - <(sort -u "$BATS_TEST_TMPDIR/got") >"$BATS_TEST_TMPDIR/lost"
	[ ! -s "$BATS_TEST_TMPDIR/lost" ]
	local end
	end=$(part_field 2 t 0 log_end)
	wait_until 30 log_end_is 1 t 0 "$end"
	wait_until 30 log_end_is 3 t 0 "$end"
	digests_equal t 0 "$end" 1 2 3
}

@test "kafkajs (idempotent) produces and consumes through leader changes: no loss, no duplicate" {
	cluster_start 3 "${GROUP_SERVE_ARGS[@]}"
	lead_all __consumer_offsets 0 1 1	# its consumer is in a group
	lead_all t 0 1 1
	seq 1 30000 >"$BATS_TEST_TMPDIR/values"
	bg_start load node "$FLUME_ROOT/t/interop/produce.js" "$ADDR_3" t --idempotent \
	    <"$BATS_TEST_TMPDIR/values"
	local load=$BG_PID
	wait_until 30 eval '[ "$(part_field 1 t 0 hw)" -ge 3000 ]'
	lead_all t 0 2 2
	wait_until 30 eval '[ "$(part_field 2 t 0 hw)" -ge 6000 ] || ! is_running '"$load"
	lead_all t 0 3 3
	wait_until 120 eval '! is_running '"$load"
	run wait "$load"
	[ "$status" -eq 0 ] || { cat "$BATS_TEST_TMPDIR/load.err"; false; }
	run -0 node "$FLUME_ROOT/t/interop/consume.js" "$ADDR_1" t 30000
	[ "$(printf '%s\n' "$output" | cut -f4 | distinct /dev/stdin)" -eq 30000 ]
	# nothing twice: the idempotent producer's retries were recognised on
	# the new leaders, which rebuilt producer state from their copies
	[ "$(part_field 3 t 0 log_end)" -eq 30000 ]
}

@test "a consumer group keeps its committed offsets when __consumer_offsets-0 moves" {
	cluster_start 3 "${GROUP_SERVE_ARGS[@]}"
	# no one leads the offsets log yet: no coordinator anywhere
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" find-coordinator "$ADDR_1" g1
	assert_output -p "error 15"
	lead_all __consumer_offsets 0 1 1
	lead_all t 0 1 1
	seq 1 1000 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	run -0 node "$FLUME_ROOT/t/interop/consume.js" "$ADDR_2" t 1000 g1
	[ "${#lines[@]}" -eq 1000 ]
	run -0 node_admin 1 "group g1"
	assert_output -p "$(printf 'offset\tt\t0\t1000\t')"
	# the followers have the commit, then the leadership moves to 2
	local end
	end=$(part_field 1 __consumer_offsets 0 log_end)
	wait_until 30 log_end_is 2 __consumer_offsets 0 "$end"
	lead_all __consumer_offsets 0 2 2
	run -0 node_admin 2 "group g1"
	assert_output -p "$(printf 'offset\tt\t0\t1000\t')"
	run node_admin 1 "group g1"
	assert_output "error: no group g1"
	# every broker names 2 as the coordinator; group requests to 1 are refused
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" find-coordinator "$ADDR_3" g1
	assert_output -p "node 2"
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" offset-fetch "$ADDR_1" g1 t 0
	assert_output -p "error 16"
	# the group resumes where it committed: only the new records
	seq 1001 1500 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	run -0 node "$FLUME_ROOT/t/interop/consume.js" "$ADDR_1" t 500 g1
	[ "${#lines[@]}" -eq 500 ]
	[ "$(printf '%s\n' "$output" | cut -f4 | sort -n | head -n 1)" -eq 1001 ]
	[ "$(printf '%s\n' "$output" | cut -f4 | sort -n | tail -n 1)" -eq 1500 ]
	# the new commit is on every replica of the offsets log
	end=$(part_field 2 __consumer_offsets 0 log_end)
	wait_until 30 log_end_is 1 __consumer_offsets 0 "$end"
	wait_until 30 log_end_is 3 __consumer_offsets 0 "$end"
	digests_equal __consumer_offsets 0 "$end" 1 2 3
}

@test "a commit waits for the offsets log's followers; with too few it is refused" {
	cluster_start 3 "${GROUP_SERVE_ARGS[@]}" --min-insync-replicas 2 \
	    --replica-lag-time-max-ms 500
	lead_all __consumer_offsets 0 1 1
	lead_all t 0 1 1
	seq 1 10 | kcat -b "$BOOT" -t t -P -p 0 -X acks=all
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" offset-commit "$ADDR_1" g1 t 0 3
	assert_output "error 0"
	bg_kill "$PID_2" KILL || true
	bg_kill "$PID_3" KILL || true
	# this commit is appended, but the HW cannot pass it until the
	# controller's part shrinks the ISR; then there are too few replicas
	bg_start commit node "$FLUME_ROOT/t/interop/kraw.js" offset-commit "$ADDR_1" g1 t 0 5
	local commit=$BG_PID
	wait_isr 1 __consumer_offsets 0 1
	wait_until 30 eval '! is_running '"$commit"
	wait "$commit"
	[ "$(cat "$BATS_TEST_TMPDIR/commit.out")" = "error 15" ]
	# with the ISR below the minimum a commit is refused before the append
	local end
	end=$(part_field 1 __consumer_offsets 0 log_end)
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" offset-commit "$ADDR_1" g1 t 0 7
	assert_output "error 15"
	[ "$(part_field 1 __consumer_offsets 0 log_end)" -eq "$end" ]
	run -0 node "$FLUME_ROOT/t/interop/kraw.js" offset-fetch "$ADDR_1" g1 t 0
	assert_output "error 0 part 0 offset 5"
}
