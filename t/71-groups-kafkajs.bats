#!/usr/bin/env bats
# t/71-groups-kafkajs.bats: the consumer-group scenarios of t/70 with
# kafkajs members (t/interop/group.js) instead of kcat.

load helpers
load group-helpers
load serve-helpers

# js_member NAME GROUP TOPIC [SESSION_MS]: a kafkajs group member (session
# 6 s unless given: short only where a test waits for one to end); sets
# MEMBER_PID.
js_member() {
	bg_start "$1" node "$FLUME_ROOT/t/interop/group.js" "$ADDR" "$2" "$3" ${4:+"$4"}
	MEMBER_PID=$BG_PID
}

# late_values NAME: how many distinct values above v1000 member NAME printed.
late_values() {
	awk -F'\t' '{ v = substr($3, 2) + 0 } v > 1000 { print v }' \
	    "$BATS_TEST_TMPDIR/$1.out" | sort -u | wc -l
}

# assigned NAME: the partitions member NAME last reported.
assigned() {
	grep '^assigned' "$BATS_TEST_TMPDIR/$1.err" | tail -n 1 | cut -d' ' -f2-
}

# held NAME...: how many partitions the NAMEs last reported, together.
held() {
	local n
	for n in "$@"; do assigned "$n"; echo; done | wc -w
}

setup() {
	[ -d "$FLUME_ROOT/t/interop/node_modules/kafkajs" ] ||
		fail "kafkajs is not installed: run make deps"
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	serve_admin create t4 4 | grep -q '^ok'
}

teardown() {
	bg_stop_all
}

@test "two kafkajs members split a topic and get every record exactly once" {
	js_member m1 jg1 t4
	js_member m2 jg1 t4
	wait_assigned m1
	wait_assigned m2
	# wait for the generation in which both are members
	wait_until 30 eval '[ "$(held m1 m2)" -eq 4 ]' || true
	[ "$(printf '%s %s' "$(assigned m1)" "$(assigned m2)" | tr ' ' '\n' | sort -n | tr '\n' ' ')" = "0 1 2 3 " ]
	produce 1 5000 t4
	wait_lines 5000 "$BATS_TEST_TMPDIR/m1.out" "$BATS_TEST_TMPDIR/m2.out"
	# a duplicate would have arrived by the time the end marks did
	end_marks t4
	wait_marks "$BATS_TEST_TMPDIR"/m[12].out
	[ "$(records "$BATS_TEST_TMPDIR"/m[12].out | wc -l)" -eq 5000 ]
	[ "$(records "$BATS_TEST_TMPDIR"/m[12].out | cut -f3 | sort -u | wc -l)" -eq 5000 ]
	[ "$(marks "$BATS_TEST_TMPDIR"/m[12].out)" -eq 4 ]
	[ -s "$BATS_TEST_TMPDIR/m1.out" ]
	[ -s "$BATS_TEST_TMPDIR/m2.out" ]
}

@test "kafkajs: kill -9 of a member hands its partitions to the other" {
	js_member m1 jg2 t4 1000
	local p1=$MEMBER_PID
	js_member m2 jg2 t4 1000
	wait_assigned m1
	wait_assigned m2
	produce 1 1000 t4
	wait_lines 1000 "$BATS_TEST_TMPDIR/m1.out" "$BATS_TEST_TMPDIR/m2.out"
	kill -KILL "$p1"
	wait "$p1" 2>/dev/null || true
	produce 1001 2000 t4
	# m2 alone must end up with all of 1001..2000 (after m1's 1 s session)
	wait_until 30 eval '[ "$(late_values m2)" -ge 1000 ]' || true
	[ "$(late_values m2)" -eq 1000 ]
	[ "$(assigned m2)" = "0 1 2 3" ]
}

@test "kafkajs: after a broker restart a member resumes after the committed offsets" {
	js_member m1 jg3 t4
	local p1=$MEMBER_PID
	wait_assigned m1
	produce 1 1000 t4
	wait_lines 1000 "$BATS_TEST_TMPDIR/m1.out"
	bg_kill "$p1" TERM
	run -0 serve_admin group jg3
	[ "$(grep '^offset' <<<"$output" | awk -F'\t' '{ s += $4 } END { print s }')" -eq 1000 ]
	bg_kill "$SERVE_PID" TERM
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	produce 1001 1500 t4
	end_marks t4
	js_member m2 jg3 t4
	# a record before the committed offsets would come before the end marks
	wait_marks "$BATS_TEST_TMPDIR/m2.out"
	[ "$(records "$BATS_TEST_TMPDIR/m2.out" | wc -l)" -eq 500 ]
	[ "$(records "$BATS_TEST_TMPDIR/m2.out" | cut -f3 | sed 's/^v//' | sort -n | head -n 1)" -eq 1001 ]
}

@test "kafkajs: a third member joins, partitions rebalance and no record is lost" {
	js_member m1 jg4 t4
	js_member m2 jg4 t4
	wait_assigned m1
	wait_assigned m2
	produce 1 2000 t4
	js_member m3 jg4 t4
	wait_assigned m3
	produce 2001 4000 t4
	wait_lines 4000 "$BATS_TEST_TMPDIR"/m[123].out
	[ "$(cut -f3 "$BATS_TEST_TMPDIR"/m[123].out | sort -u | wc -l)" -eq 4000 ]
	[ -s "$BATS_TEST_TMPDIR/m3.out" ]
	run -0 serve_admin group jg4
	[ "$(grep -c '^member' <<<"$output")" -eq 3 ]
}
