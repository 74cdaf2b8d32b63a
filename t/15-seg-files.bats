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
