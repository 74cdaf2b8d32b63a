#!/usr/bin/env bats
# flume-seg and the files it makes: system errors that are not damage.

load helpers

@test "out of file descriptors: exit 71 with errno's text, never 65; nothing changes" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 3000 | flume-seg append --batch 50 --segment-bytes 3000 "$d"
	[ "$(ls "$d"/*.log | wc -l)" -gt 12 ]
	before=$(file_sums "$d")
	for n in 10 20 30 40; do
		run -71 --separate-stderr bash -c "ulimit -n $n && echo x | flume-seg append '$d'"
		[[ "$stderr" == *": cannot open: Too many open files" ]]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	done
	[ "$(file_sums "$d")" = "$before" ]
	run -0 flume-seg verify "$d"
	echo x | flume-seg append "$d"
	[ "$(flume-seg cat "$d" | tail -n 1)" = x ]
}

@test "append creates missing directories above the partition, like mkdir -p" {
	d="$BATS_TEST_TMPDIR/data/topics/new/orders-0"
	seq 1 5 | flume-seg append "$d"
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 1 5)" ]
	# trailing and doubled slashes name the same directory
	seq 6 7 | flume-seg append "$BATS_TEST_TMPDIR/data//topics/new/orders-0//"
	[ "$(flume-seg cat "$d" | wc -l)" -eq 7 ]
	# relative paths too
	(cd "$BATS_TEST_TMPDIR" && echo x | flume-seg append rel/a/p-0)
	[ "$(flume-seg cat "$BATS_TEST_TMPDIR/rel/a/p-0")" = x ]
	# a file in the way is not a directory: exit 66, one line naming the path
	touch "$BATS_TEST_TMPDIR/file"
	run -66 --separate-stderr flume-seg append "$BATS_TEST_TMPDIR/file/x/p-0" </dev/null
	[ "$stderr" = "flume-seg: $BATS_TEST_TMPDIR/file/x/p-0: Not a directory" ]
	[ ! -e "$BATS_TEST_TMPDIR/file/x" ]
}

@test "partition files are 0600 and directories 0700: other local users read nothing" {
	umask 022
	d="$BATS_TEST_TMPDIR/data/orders-0"
	seq 1 3000 | flume-seg append --batch 50 --segment-bytes 3000 "$d"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/data")" = 700 ]
	[ "$(stat -c %a "$d")" = 700 ]
	for f in "$d"/*; do
		[ "$(stat -c %a "$f")" = 600 ] || { echo "$f: $(stat -c %a "$f")"; false; }
	done
	[ -e "$d/leader-epoch-checkpoint" ]
	# what repair makes, too
	truncate -s -5 "$d/00000000000000000000.log"
	run -0 flume-seg repair "$d"
	[ "$(stat -c %a "$d/00000000000000000000.log.corrupt")" = 600 ]
	[ "$(stat -c %a "$d/00000000000000000250.log.corrupt")" = 600 ]
	# even a umask of 0 leaves them private; a stricter one still applies
	umask 000
	echo x | flume-seg append "$BATS_TEST_TMPDIR/open/p-0"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/open")" = 700 ]
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/open/p-0/00000000000000000000.log")" = 600 ]
	umask 077
	echo x | flume-seg append "$BATS_TEST_TMPDIR/strict/p-0"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/strict/p-0/00000000000000000000.log")" = 600 ]
	# an existing directory keeps its mode
	mkdir -m 750 "$BATS_TEST_TMPDIR/shared"
	echo x | flume-seg append "$BATS_TEST_TMPDIR/shared/p-0"
	[ "$(stat -c %a "$BATS_TEST_TMPDIR/shared")" = 750 ]
}
