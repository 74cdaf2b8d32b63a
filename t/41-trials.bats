#!/usr/bin/env bats
# t/41-trials.bats: bin/flume-trial, one trial per nemesis against a real
# three-node cluster with its controller (issue 11): kill -9 of the leader,
# SIGSTOP of the leader past the liveness timeout, kill -9 of the
# controller, kill -9 of a follower, every process killed at once, and
# (root with ip(8)) a network partition of the leader.  Every acknowledged
# record must be there, at its offset, once, in order; epochs, HWs and
# committed offsets never go back; replicas agree below the HW.

load helpers

teardown() {
	local d
	for d in "$BATS_TEST_TMPDIR"/trials/t*; do
		[ -d "$d" ] && "$FLUME_ROOT/bin/flume-cluster" down --dir "$d" >/dev/null 2>&1
	done
	return 0
}

@test "fault trials: no acknowledged record lost or duplicated under every nemesis" {
	netns=""
	if [ "$(id -u)" = 0 ] && command -v ip >/dev/null && command -v socat >/dev/null; then
		netns=--netns
	fi
	run "$FLUME_ROOT/bin/flume-trial" --dir "$BATS_TEST_TMPDIR/trials" $netns
	echo "$output"
	[ "$status" -eq 0 ]
	assert_line -p "failed 0"
	assert_line -p "lost 0 duplicated 0"
	[ "$(grep -c '^trial ' <<<"$output")" -ge 5 ]
	! grep -E '^trial .* (lost [1-9]|duplicated [1-9])' <<<"$output"
}

@test "flume-trial: bad options are usage errors" {
	run -64 "$FLUME_ROOT/bin/flume-trial" --nemesis nosuch
	assert_output -p "unknown nemesis nosuch"
	run -64 "$FLUME_ROOT/bin/flume-trial" --trials x
	run -64 "$FLUME_ROOT/bin/flume-trial" --bogus
}
