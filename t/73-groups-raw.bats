#!/usr/bin/env bats
# t/73-groups-raw.bats: the group APIs at Kafka 3.9's newest versions, which
# no installed client sends: FindCoordinator 4-5 (batched keys), JoinGroup
# 7-9 (ProtocolType, Reason, KIP-814's SkipAssignment), SyncGroup 5 (the
# protocol required and checked, INCONSISTENT_GROUP_PROTOCOL 23), LeaveGroup
# 5 (Reason),
# ListGroups 4-5 (state and type filters), OffsetCommit 9 and OffsetFetch
# 8-9 (several groups at once), by t/interop/kgroupraw.py, built from
# Kafka 3.9's message JSON.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

kgr() { timeout 60 /usr/bin/python3 "$FLUME_ROOT/t/interop/kgroupraw.py" "$@"; }

@test "FindCoordinator v4-v5: one answer per key" {
	serve_start a
	for v in 4 5; do
		run -0 kgr find "$ADDR" "$v" g1 g2
		[ "$output" = "g1:1:$PORT:0 g2:1:$PORT:0" ] || fail "v$v: $output"
	done
}

@test "JoinGroup v7-v9, SyncGroup v5, LeaveGroup v5: a static leader's restart (KIP-814)" {
	serve_start a --group-initial-delay-ms 0
	run -0 kgr join "$ADDR" 9 g1 "" i1 "first start"
	[[ "$output" == "error 0 gen 1 type consumer proto range leader me member "*" skip 0 members 1" ]] ||
		fail "$output"
	m1=$(awk '{ print $12 }' <<<"$output")
	# SyncGroup v5: the protocol is checked (23), then echoed
	run -0 kgr sync "$ADDR" 5 g1 1 "$m1" i1 classic range A
	[ "$output" = 'error 23 type None proto None assign ""' ] || fail "$output"
	run -0 kgr sync "$ADDR" 5 g1 1 "$m1" i1 consumer sticky A
	[ "$output" = 'error 23 type None proto None assign ""' ] || fail "$output"
	run -0 kgr sync "$ADDR" 5 g1 1 "$m1" i1 consumer range A
	[ "$output" = "error 0 type consumer proto range assign A" ] || fail "$output"
	# the leader restarts at v9: told it leads, with the members, and to
	# skip the assignment; the generation stays
	run -0 kgr join "$ADDR" 9 g1 "" i1 "restart"
	[[ "$output" == "error 0 gen 1 type consumer proto range leader me member "*" skip 1 members 1" ]] ||
		fail "$output"
	m2=$(awk '{ print $12 }' <<<"$output")
	[ "$m2" != "$m1" ]
	run -0 kgr sync "$ADDR" 5 g1 1 "$m2" i1 consumer -
	[ "$output" = 'error 23 type None proto None assign ""' ] || fail "$output"
	run -0 kgr sync "$ADDR" 5 g1 1 "$m2" i1 consumer range
	[ "$output" = "error 0 type consumer proto range assign A" ] || fail "$output"
	# below v9 (v8): the old leader id, no members, no SkipAssignment field
	run -0 kgr join "$ADDR" 8 g1 "" i1 "restart again"
	[[ "$output" == "error 0 gen 1 type consumer proto range leader $m2 member "*" skip -1 members 0" ]] ||
		fail "$output"
	m3=$(awk '{ print $12 }' <<<"$output")
	grep -q "member '' of .* joins: restart again" "$BATS_TEST_TMPDIR/a.err"
	run -0 kgr leave "$ADDR" 5 g1 "$m3" i1 "shutting down"
	[ "$output" = "error 0 $m3:0" ] || fail "$output"
	grep -q "member '$m3' of .* leaves: shutting down" "$BATS_TEST_TMPDIR/a.err"
	# v7: a dynamic member's first join: 79, null protocol type and name
	run -0 kgr join "$ADDR" 7 g2 "" -
	[[ "$output" == "error 79 gen -1 type None proto None leader \"\" member "*" skip -1 members 0" ]] ||
		fail "$output"
}

@test "ListGroups v4-v5: state and type filters, GroupState and GroupType" {
	serve_start a --group-initial-delay-ms 0
	run -0 kgr join "$ADDR" 9 live "" i1
	run -0 serve_admin create t0 1
	run -0 kgr commit "$ADDR" 9 idle t0 0 5
	[ "$output" = "t0:0:0" ] || fail "$output"
	run -0 kgr list "$ADDR" 4 ""
	[ "$output" = "error 0 idle::Empty:absent live:consumer:CompletingRebalance:absent" ] ||
		fail "$output"
	run -0 kgr list "$ADDR" 4 " empty ,stable"
	[ "$output" = "error 0 idle::Empty:absent" ] || fail "$output"
	run -0 kgr list "$ADDR" 5 "" Classic
	[ "$output" = "error 0 idle::Empty:classic live:consumer:CompletingRebalance:classic" ] ||
		fail "$output"
	run -0 kgr list "$ADDR" 5 "" consumer
	[ "$output" = "error 0 " ] || fail "$output"
}

@test "OffsetCommit v9, OffsetFetch v8-v9: several groups in one request" {
	serve_start a
	run -0 serve_admin create t0 2
	run -0 kgr commit "$ADDR" 9 ga t0 0 5
	[ "$output" = "t0:0:0" ] || fail "$output"
	run -0 kgr commit "$ADDR" 8 gb t0 1 7
	[ "$output" = "t0:1:0" ] || fail "$output"
	for v in 8 9; do
		run -0 kgr fetch "$ADDR" "$v" ga=t0:0 gb gc=t0:1
		[ "$output" = "ga:0/t0:0:5:0 gb:0/t0:1:7:0 gc:0/t0:1:-1:0" ] || fail "v$v: $output"
	done
}
