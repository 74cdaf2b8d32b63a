#!/usr/bin/env bats
# t/14-seg-lock.bats: flume-seg's writing commands keep off a partition
# that a running broker owns.

load helpers
load serve-helpers

teardown() {
	bg_stop_all
}

@test "writing commands refuse a partition of a running broker (75), reading ones work" {
	serve_start s
	serve_admin create t1 1 | grep -q '^ok'
	seq 1 100 | kcat -b "$ADDR" -t t1 -P
	run -0 --separate-stderr flume-seg verify "$DATA/t1-0"
	run -75 --separate-stderr flume-seg repair "$DATA/t1-0"
	[[ "$stderr" == *"in use by a running broker"* ]]
	run -75 --separate-stderr flume-seg truncate "$DATA/t1-0" --to 5
	run -75 --separate-stderr flume-seg reindex "$DATA/t1-0/00000000000000000000.log"
	run -75 --separate-stderr flume-seg append "$DATA/t1-0" <<<"x"
	run -0 --separate-stderr flume-seg repair --dry-run "$DATA/t1-0"
	# the broker's data is untouched and still served
	[ "$(kcat -b "$ADDR" -t t1 -C -o beginning "${KCAT_END[@]}" -q | wc -l)" -eq 100 ]
	bg_kill "$SERVE_PID" TERM
	# once it has stopped, they work (a cut inside a batch cuts before it)
	run -0 --separate-stderr flume-seg truncate "$DATA/t1-0" --to 50
	local end=${lines[1]}
	[ "$end" -le 50 ]
	[ "$(flume-seg cat "$DATA/t1-0" | wc -l)" -eq "$end" ]
}

@test "writing commands refuse a partition whose own lock its writer holds (75)" {
	local d
	d=$(tmpdir data)
	seq 1 10 | flume-seg append "$d/t-0"
	: >"$d/t-0/lock"
	# a writer of the partition alone (a flume-repl child, say) holds its lock
	bg_start holder bash -c 'exec 9>"$1" && flock 9 && exec sleep 600' _ "$d/t-0/lock"
	wait_until 10 eval '! flock -n "'"$d"'/t-0/lock" true'
	run -75 --separate-stderr flume-seg truncate "$d/t-0" --to 5
	[[ "$stderr" == *"lock held on $d/t-0/lock"* ]]
	run -0 --separate-stderr flume-seg verify "$d/t-0"
	bg_kill "$BG_PID" || true	# sleep ends with 143 on TERM
	run -0 --separate-stderr flume-seg truncate "$d/t-0" --to 5
}
