#!/usr/bin/env bats
# t/29-serve-old-versions.bats: request versions neither kcat nor kafkajs
# sends, spoken raw (flume-test-tool raw: one hex request payload per line,
# one hex response payload per line): Metadata v0, ListOffsets v0,
# OffsetCommit v0-1, OffsetFetch v0, and the flexible ApiVersions v3.
# Payloads: key, version, correlation id, client id "t" (0001 74), body.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

# raw_lines: stdin hex requests to $ADDR; sets lines[] to the answers.
raw_lines() {
	run -0 --separate-stderr flume-test-tool raw "$ADDR"
	[ "${#lines[@]}" -gt 0 ]
}

@test "Metadata v0: an empty topic list is all topics; no v1+ fields" {
	serve_start a
	seq 1 3 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	raw_lines <<-'EOF'
	0003 0000 00000001 0001 74 00000000
	0003 0000 00000002 0001 74 00000001 0002 6c6f
	0003 0000 00000003 0001 74 00000001 0002 6e6f
	EOF
	local broker
	broker="00000001 00000001 0009 3132372e302e302e31 $(printf %08x "$PORT")"
	broker=${broker// /}
	# corr, one broker (no rack), then topics without is_internal
	[[ ${lines[0]} == 00000001${broker}00000001000000026c6f00000001* ]]
	[[ ${lines[1]} == 00000002${broker}00000001000000026c6f00000001* ]]
	# unknown topic: auto-created (LEADER_NOT_AVAILABLE first) or listed
	[[ ${lines[2]} == 00000003${broker}0000000100*00026e6f* ]]
}

@test "ListOffsets v0: old-style offsets, limited by MaxNumOffsets" {
	serve_start a
	seq 1 20 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	raw_lines <<-'EOF'
	# latest, earliest (room for 3), latest with MaxNumOffsets 0, no such partition
	0002 0000 00000001 0001 74 ffffffff 00000001 0002 6c6f 00000001 00000000 ffffffffffffffff 00000001
	0002 0000 00000002 0001 74 ffffffff 00000001 0002 6c6f 00000001 00000000 fffffffffffffffe 00000003
	0002 0000 00000003 0001 74 ffffffff 00000001 0002 6c6f 00000001 00000000 ffffffffffffffff 00000000
	0002 0000 00000004 0001 74 ffffffff 00000001 0002 6c6f 00000001 00000007 ffffffffffffffff 00000001
	EOF
	[ "${lines[0]}" = 000000010000000100026c6f00000001000000000000000000010000000000000014 ]
	[ "${lines[1]}" = 000000020000000100026c6f00000001000000000000000000010000000000000000 ]
	[ "${lines[2]}" = 000000030000000100026c6f0000000100000000000000000000 ]
	# UNKNOWN_TOPIC_OR_PARTITION (3), no offsets
	[ "${lines[3]}" = 000000040000000100026c6f0000000100000007000300000000 ]
}

@test "OffsetCommit v0 and v1: simple commits without a membership; OffsetFetch v0" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	seq 1 3 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	raw_lines <<-'EOF'
	# v0: group og, lo/0 at 5, null metadata; then fetch it back with v0
	0008 0000 00000001 0001 74 0002 6f67 00000001 0002 6c6f 00000001 00000000 0000000000000005 ffff
	0009 0000 00000002 0001 74 0002 6f67 00000001 0002 6c6f 00000001 00000000
	# v1: generation -1, empty member, a commit timestamp, metadata "m"
	0008 0001 00000003 0001 74 0002 6f67 ffffffff 0000 00000001 0002 6c6f 00000001 00000000 0000000000000007 ffffffffffffffff 0001 6d
	0009 0000 00000004 0001 74 0002 6f67 00000001 0002 6c6f 00000001 00000000
	# v1 naming a member of a generation the group does not have
	0008 0001 00000005 0001 74 0002 6f67 00000003 0001 78 00000001 0002 6c6f 00000001 00000000 0000000000000009 ffffffffffffffff ffff
	0009 0000 00000006 0001 74 0002 6f67 00000001 0002 6c6f 00000001 00000000
	EOF
	[ "${lines[0]}" = 000000010000000100026c6f00000001000000000000 ]
	# a null metadata is stored as "", as Kafka's schema has it
	[ "${lines[1]}" = 000000020000000100026c6f0000000100000000000000000000000500000000 ]
	[ "${lines[2]}" = 000000030000000100026c6f00000001000000000000 ]
	[ "${lines[3]}" = 000000040000000100026c6f0000000100000000000000000000000700016d0000 ]
	# UNKNOWN_MEMBER_ID (25), and the offset stays 7
	[ "${lines[4]}" = 000000050000000100026c6f00000001000000000019 ]
	[ "${lines[5]}" = 000000060000000100026c6f0000000100000000000000000000000700016d0000 ]
}

@test "ApiVersions v3: flexible request and body, header v0" {
	serve_start a
	raw_lines <<-'EOF'
	0012 0003 00000009 0001 74 00 0b6c69627264 6b61666b61 06 322e302e32 00
	0012 0004 0000000a 0001 74 00 00 00
	EOF
	# corr, error 0, compact count, entries with a tag byte each; ends with
	# throttle 0 and an empty tag section
	[[ ${lines[0]} == 000000090000* ]]
	[[ ${lines[0]} == *00120000000300* ]]
	[[ ${lines[0]} == *000200000009000003000000090000* ]]
	[[ ${lines[0]} == *0000000000 ]]
	# v4: UNSUPPORTED_VERSION with the v0 layout and our range
	[ "${lines[1]}" = 0000000a002300000001001200000003 ]
}

@test "Metadata v7 (leader epoch), v8 (authorized operations) and v9 (flexible)" {
	serve_start a
	seq 1 3 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	raw_lines <<-'EOF2'
	0003 0007 00000001 0001 74 00000001 0002 6c6f 00
	0003 0008 00000002 0001 74 00000001 0002 6c6f 00 00 00
	0003 0009 00000003 0001 74 00  02 03 6c6f 00  00 00 00 00
	EOF2
	# v7: leader 1, then its epoch (0 on a new single node), replicas [1]
	[[ ${lines[0]} == 00000001* ]]
	[[ ${lines[0]} == *00026c6f""00""00000001""0000""00000000""00000001""00000000""0000000100000001""0000000100000001""00000000 ]]
	# v8: the topic's and the cluster's authorized operations: not computed
	[[ ${lines[1]} == 00000002* ]]
	[[ ${lines[1]} == *0000000100000001""00000000""80000000""80000000 ]]
	# v9: header v1 (a 00 after the correlation id), compact topic "lo",
	# its partition with epoch 0, then both INT32_MIN and the tag sections
	[[ ${lines[2]} == 0000000300* ]]
	[[ ${lines[2]} == *02""0000""036c6f""00""02""0000""00000000""00000001""00000000""0200000001""0200000001""01""00""80000000""00""80000000""00 ]]
}

@test "OffsetCommit v8 and OffsetFetch v7: flexible group offsets" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	seq 1 3 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	raw_lines <<-'EOF2'
	# a simple commit (generation -1, empty member) of lo/0 at 2, metadata "x"
	0008 0008 00000001 0001 74 00  03 6f67 ffffffff 01 00  02 03 6c6f 02 00000000 0000000000000002 ffffffff 02 78 00 00 00
	# read back with RequireStable
	0009 0007 00000002 0001 74 00  03 6f67 02 03 6c6f 02 00000000 00 01 00
	EOF2
	[ "${lines[0]}" = 00000001000000000002036c6f02000000000000000000 ]
	[ "${lines[1]}" = 00000002000000000002036c6f02000000000000000000000002ffffffff027800000000000000 ]
}
