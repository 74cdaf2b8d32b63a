#!/usr/bin/env bats
# t/72-groups-static.bats: static group membership (KIP-345) with real kcat
# (librdkafka) members: a static leader killed with -9 and restarted under
# the same group.instance.id within its session takes its place back with
# no rebalance, the group's generation unchanged and the other member never
# revoked; one that stays away past its session is removed as any member is.

load helpers
load group-helpers
load serve-helpers

# static_member NAME GROUP TOPIC INSTANCE [SESSION_MS]: a kcat balanced
# consumer with group.instance.id INSTANCE printing "partition<TAB>offset
# <TAB>value" lines; sets MEMBER_PID and records it for teardown.  Its
# session (10 s unless given) is what a restart must beat: librdkafka
# sends no LeaveGroup for a static member, not even when it stops.
static_member() {
	bg_start "$1" kcat -b "$ADDR" -G "$2" -u \
	    -X group.instance.id="$4" \
	    -X session.timeout.ms="${5:-10000}" -X heartbeat.interval.ms=100 \
	    -X auto.offset.reset=earliest \
	    -X topic.metadata.refresh.interval.ms=1000 \
	    -f '%p\t%o\t%s\n' "$3"
	MEMBER_PID=$BG_PID
	echo "$MEMBER_PID" >>"$BATS_TEST_TMPDIR/kcat-pids"
}

# assigned NAME: the partitions member NAME holds after the rebalance kcat
# reported last ("" after a revoke).
assigned() {
	grep 'rebalanced' "$BATS_TEST_TMPDIR/$1.err" | tail -n 1 | grep 'assigned:' |
	    grep -o '\[[0-9]*\]' | tr -d '[]' | sort -n | tr '\n' ' '
}

# revokes NAME: how many times kcat member NAME had its partitions revoked.
revokes() {
	grep -c 'rebalanced.*revoked' "$BATS_TEST_TMPDIR/$1.err" || true
}

# group_field GROUP KEY: a value from the admin "group" line (state,
# generation, protocol, leader).
group_field() {
	serve_admin group "$1" | awk -F'\t' -v k="$2" \
	    '$1 == "group" { for (i = 3; i < NF; i += 2) if ($i == k) print $(i + 1) }'
}

# member_of GROUP INSTANCE: the member id the group holds for INSTANCE.
member_of() {
	serve_admin group "$1" | awk -F'\t' -v i="$2" '$1 == "member" && $4 == i { print $2 }'
}

# late_values NAME...: how many distinct values v1001..v2000 the members printed.
late_values() {
	local n
	for n in "$@"; do cat "$BATS_TEST_TMPDIR/$n.out"; done |
	    awk -F'\t' '{ v = substr($3, 2) + 0 } v > 1000 && v <= 2000 { print v }' |
	    sort -u | wc -l
}

is_stable() {
	[ "$(group_field "$1" state)" = Stable ]
}

setup() {
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	serve_admin create t4 4 | grep -q '^ok'
}

teardown() {
	local p rc=0
	# the kcat members first, each by PID; how kcat exits is not checked
	for p in $(cat "$BATS_TEST_TMPDIR/kcat-pids" 2>/dev/null); do
		bg_stop "$p" || true
	done
	# then the broker, which must exit 0 on SIGTERM
	bg_stop_all || rc=1
	return "$rc"
}

@test "a static leader killed -9 and restarted keeps the generation; the other is never revoked" {
	static_member a gs t4 inst-a; local pa=$MEMBER_PID
	static_member b gs t4 inst-b; local pb=$MEMBER_PID
	wait_split a b
	wait_until 30 is_stable gs
	local gen leader lname lpid other old
	gen=$(group_field gs generation)
	leader=$(group_field gs leader)
	# with the initial delay at 0, a led alone first and so leads still; ask
	if [ "$leader" = "$(member_of gs inst-a)" ]; then
		lname=a lpid=$pa other=b
	else
		[ "$leader" = "$(member_of gs inst-b)" ]
		lname=b lpid=$pb other=a
	fi
	local linst=inst-$lname lparts oparts orevokes
	lparts=$(assigned "$lname")
	oparts=$(assigned "$other")
	orevokes=$(revokes "$other")
	produce 1 1000 t4
	wait_lines 1000 "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out"

	# the leader dies without a word and comes back as the same instance
	kill -KILL "$lpid"
	wait "$lpid" 2>/dev/null || true
	old=$leader
	static_member "${lname}2" gs t4 "$linst"
	wait_assigned "${lname}2"

	# the same generation, Stable, two members; the instance under a new
	# id, which now leads
	[ "$(group_field gs generation)" -eq "$gen" ]
	is_stable gs
	[ "$(serve_admin group gs | grep -c '^member')" -eq 2 ]
	local now_id
	now_id=$(member_of gs "$linst")
	[ -n "$now_id" ] && [ "$now_id" != "$old" ]
	[ "$(group_field gs leader)" = "$now_id" ]
	# it got back exactly what it had, and the other kept its partitions
	# without a revoke
	[ "$(assigned "${lname}2")" = "$lparts" ]
	[ "$(assigned "$other")" = "$oparts" ]
	[ "$(revokes "$other")" -eq "$orevokes" ]

	# both go on consuming: every new record arrives, the other's share
	# included
	produce 1001 2000 t4
	wait_until 30 eval '[ "$(late_values "$other" "${lname}2")" -ge 1000 ]' || true
	[ "$(late_values "$other" "${lname}2")" -eq 1000 ]
	[ "$(late_values "$other")" -gt 0 ]
	[ "$(group_field gs generation)" -eq "$gen" ]
	[ "$(revokes "$other")" -eq "$orevokes" ]
}

@test "a static member away past its session is removed and the group rebalances" {
	static_member a gt t4 inst-a 1000; local pa=$MEMBER_PID
	static_member b gt t4 inst-b 1000
	wait_split a b
	wait_until 30 is_stable gt
	local gen
	gen=$(group_field gt generation)
	kill -KILL "$pa"
	wait "$pa" 2>/dev/null || true
	# after 1 s of silence a is gone and b takes everything, in a new
	# generation
	wait_until 30 eval '[ "$(assigned b)" = "0 1 2 3 " ]'
	wait_until 30 is_stable gt
	[ "$(group_field gt generation)" -gt "$gen" ]
	[ "$(serve_admin group gt | grep -c '^member')" -eq 1 ]
	[ -z "$(member_of gt inst-a)" ]
}
