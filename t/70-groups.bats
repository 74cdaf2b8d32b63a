#!/usr/bin/env bats
# t/70-groups.bats: consumer groups with real kcat (librdkafka) members
# against a private flume-serve: exactly-once delivery across members,
# failover after kill -9, rebalancing on join, resuming from committed
# offsets across a broker restart, and bad group requests.

load helpers
load group-helpers
load serve-helpers

# member NAME GROUP TOPIC [SESSION_MS]: a kcat balanced consumer printing
# "partition<TAB>offset<TAB>value" lines; sets MEMBER_PID.  Heartbeats every
# 100 ms make it notice a rebalance soon.  Its session is 6 s unless given:
# no test waits for one to end except the one that kills a member, and a
# member whose session lapsed under load would see records again.  It
# commits every 5 s (librdkafka's auto.commit.interval.ms: kcat would set
# an -X auto.commit.interval.ms on the topic configuration, which its group
# consumer ignores), before each rebalance and when it stops.
member() {
	bg_start "$1" kcat -b "$ADDR" -G "$2" -u \
	    -X session.timeout.ms="${4:-6000}" -X heartbeat.interval.ms=100 \
	    -X auto.offset.reset=earliest \
	    -X topic.metadata.refresh.interval.ms=1000 \
	    -f '%p\t%o\t%s\n' "$3"
	MEMBER_PID=$BG_PID
}

# assigned NAME: the partitions member NAME holds after the rebalance kcat
# reported last ("" after a revoke: kcat revokes all before it rejoins).
assigned() {
	grep 'rebalanced' "$BATS_TEST_TMPDIR/$1.err" | tail -n 1 | grep 'assigned:' |
	    grep -o '\[[0-9]*\]' | tr -d '[]' | sort -n | tr '\n' ' '
}

setup() {
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	serve_admin create t4 4 | grep -q '^ok'
}

teardown() {
	local p rc=0
	# the kcat members first, each by PID (TERM, KILL after 5 s); how kcat
	# exits is not what these tests check
	for p in $(cat "$BATS_TEST_TMPDIR/kcat-pids" 2>/dev/null); do
		bg_stop "$p" || true
	done
	# then the broker, which must exit 0 on SIGTERM: bg_stop_all fails if
	# not, after stopping everything
	bg_stop_all || rc=1
	# and so must a broker a test restarted
	[ ! -f "$BATS_TEST_TMPDIR/broker-failed" ] || rc=1
	return "$rc"
}

# late_values NAME: how many distinct values v1001..v2000 member NAME printed.
late_values() {
	awk -F'\t' '{ v = substr($3, 2) + 0 } v > 1000 && v <= 2000 { print v }' \
	    "$BATS_TEST_TMPDIR/$1.out" | sort -u | wc -l
}

track() { echo "$MEMBER_PID" >>"$BATS_TEST_TMPDIR/kcat-pids"; }

# committed GROUP: the sum of GROUP's committed offsets (0 if none).
committed() {
	serve_admin group "$1" | awk -F'\t' '$1 == "offset" { s += $4 } END { print s + 0 }'
}

@test "two kcat -G members get every one of 10000 records exactly once" {
	member m1 g1 t4; track
	member m2 g1 t4; track
	wait_assigned m1
	wait_assigned m2
	wait_split m1 m2
	# the two assignments split the four partitions between them
	run -0 sh -c "printf '%s%s' '$(assigned m1)' '$(assigned m2)' | tr ' ' '\n' | grep . | sort -n | tr '\n' ' '"
	[ "$output" = "0 1 2 3 " ]
	produce 1 10000 t4
	wait_lines 10000 "$BATS_TEST_TMPDIR/m1.out" "$BATS_TEST_TMPDIR/m2.out"
	# a duplicate would have arrived by the time the end marks did
	end_marks t4
	wait_marks "$BATS_TEST_TMPDIR"/m[12].out
	[ "$(records "$BATS_TEST_TMPDIR"/m[12].out | wc -l)" -eq 10000 ]
	[ "$(records "$BATS_TEST_TMPDIR"/m[12].out | cut -f3 | sort -u | wc -l)" -eq 10000 ]
	[ "$(marks "$BATS_TEST_TMPDIR"/m[12].out)" -eq 4 ]
	[ -s "$BATS_TEST_TMPDIR/m1.out" ]
	[ -s "$BATS_TEST_TMPDIR/m2.out" ]
	run -0 serve_admin group g1
	[[ "$output" == *"state	Stable"* ]]
	[ "$(grep -c '^member' <<<"$output")" -eq 2 ]
}

@test "kill -9 of a member: after its session timeout the other gets all new records" {
	member m1 g2 t4 1000; track; local p1=$MEMBER_PID
	member m2 g2 t4 1000; track
	wait_assigned m1
	wait_assigned m2
	produce 1 1000 t4
	wait_lines 1000 "$BATS_TEST_TMPDIR/m1.out" "$BATS_TEST_TMPDIR/m2.out"
	kill -KILL "$p1"
	wait "$p1" 2>/dev/null || true
	produce 1001 2000 t4
	# m2 alone must end up with all of 1001..2000 (after 1 s of silence)
	wait_until 30 eval '[ "$(late_values m2)" -ge 1000 ]' || true
	[ "$(late_values m2)" -eq 1000 ]
	[ "$(assigned m2)" = "0 1 2 3 " ]
}

@test "a third member joins: partitions rebalance and no record is lost" {
	member m1 g3 t4; track
	member m2 g3 t4; track
	wait_assigned m1
	wait_assigned m2
	produce 1 3000 t4
	member m3 g3 t4; track
	wait_assigned m3
	produce 3001 6000 t4
	wait_lines 6000 "$BATS_TEST_TMPDIR"/m[123].out
	[ "$(cut -f3 "$BATS_TEST_TMPDIR"/m[123].out | sort -u | wc -l)" -eq 6000 ]
	[ -s "$BATS_TEST_TMPDIR/m3.out" ]
	run -0 serve_admin group g3
	[ "$(grep -c '^member' <<<"$output")" -eq 3 ]
}

@test "after a broker restart a member resumes right after the committed offsets" {
	member m1 g4 t4; track; local p1=$MEMBER_PID
	wait_assigned m1
	produce 1 2000 t4
	wait_lines 2000 "$BATS_TEST_TMPDIR/m1.out"
	# a graceful stop commits what was consumed and leaves the group
	kill -TERM "$p1"
	wait "$p1" 2>/dev/null || true
	run -0 serve_admin group g4
	local committed
	committed=$(grep '^offset' <<<"$output" | awk -F'\t' '{ s += $4 } END { print s }')
	[ "$committed" -eq 2000 ]
	# restart the broker, then produce more: only those may arrive
	kill -TERM "$SERVE_PID"
	wait "$SERVE_PID" || touch "$BATS_TEST_TMPDIR/broker-failed"
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	run -0 serve_admin group g4
	[ "$(grep '^offset' <<<"$output" | awk -F'\t' '{ s += $4 } END { print s }')" -eq 2000 ]
	produce 2001 2500 t4
	end_marks t4
	member m2 g4 t4; track
	# a record before the committed offsets would come before the end marks
	wait_marks "$BATS_TEST_TMPDIR/m2.out"
	[ "$(records "$BATS_TEST_TMPDIR/m2.out" | wc -l)" -eq 500 ]
	[ "$(records "$BATS_TEST_TMPDIR/m2.out" | cut -f3 | sed 's/^v//' | sort -n | head -n 1)" -eq 2001 ]
	[ "$(records "$BATS_TEST_TMPDIR/m2.out" | cut -f3 | sort -u | wc -l)" -eq 500 ]
}

@test "committed offsets and the group generation survive kill -9 of the broker" {
	member m1 g5 t4; track; local p1=$MEMBER_PID
	wait_assigned m1
	produce 1 1000 t4
	wait_lines 1000 "$BATS_TEST_TMPDIR/m1.out"
	# kcat commits every 5 s
	wait_until 20 eval '[ "$(committed g5)" -eq 1000 ]' || true
	[ "$(committed g5)" -eq 1000 ]
	local gen
	gen=$(serve_admin groups | awk -F'\t' '$1 == "g5" { print $3 }')
	[ "$gen" -ge 1 ]
	kill -KILL "$SERVE_PID"
	wait "$SERVE_PID" 2>/dev/null || true
	kill -KILL "$p1" 2>/dev/null || true	# it may have given up on the broker
	wait "$p1" 2>/dev/null || true
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	run -0 serve_admin group g5
	[ "$(grep '^offset' <<<"$output" | awk -F'\t' '{ s += $4 } END { print s }')" -eq 1000 ]
	[ "$(serve_admin groups | awk -F'\t' '$1 == "g5" { print $3 }')" -ge "$gen" ]
}

@test "bad group requests get Kafka error codes and the broker keeps serving" {
	run -0 flume-test-tool group-abuse "$ADDR" t4
	# tool prints "case<TAB>error code" lines
	assert_line -p "join-session-tiny	26"
	assert_line -p "join-session-huge	26"
	assert_line -p "join-rebalance-negative	23"
	assert_line -p "join-metadata-huge	23"
	assert_line -p "join-empty-group	24"
	assert_line -p "join-unknown-member	25"
	assert_line -p "sync-unknown-group	25"
	assert_line -p "heartbeat-unknown-group	25"
	assert_line -p "leave-unknown-group	25"
	assert_line -p "commit-unknown-topic	3"
	assert_line -p "commit-metadata-huge	12"
	assert_line -p "fetch-unknown-group	-1"
	# and the broker still answers
	run -0 kcat -b "$ADDR" -L
	is_running "$SERVE_PID"
}

@test "the offsets log is compacted and commits survive the compaction and a restart" {
	bg_kill "$SERVE_PID" TERM
	serve_start s "${GROUP_SERVE_ARGS[@]}" --offsets-compact-bytes 4096
	run -0 flume-test-tool commit-loop "$ADDR" gc t4 400
	wait_until 10 grep -q 'compacted:' "$BATS_TEST_TMPDIR/s.err" || true
	grep -q 'compacted:' "$BATS_TEST_TMPDIR/s.err"
	# the old segments are gone: the partition no longer starts at 0
	[ "$(serve_admin status | awk -F'\t' '$1 == "partition" && $2 == "__consumer_offsets" { print $4 }')" -gt 0 ]
	run -0 serve_admin group gc
	[ "$(grep '^offset' <<<"$output" | cut -f3,4 | sort | tr '\n' ' ')" = "0	400 1	397 2	398 3	399 " ]
	bg_kill "$SERVE_PID" TERM
	serve_start s "${GROUP_SERVE_ARGS[@]}" --offsets-compact-bytes 4096
	run -0 serve_admin group gc
	[ "$(grep '^offset' <<<"$output" | cut -f3,4 | sort | tr '\n' ' ')" = "0	400 1	397 2	398 3	399 " ]
}
