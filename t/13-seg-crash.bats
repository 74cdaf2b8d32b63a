#!/usr/bin/env bats
# flume-seg append killed mid-stream: what is left is a prefix of the input,
# and reopening (recovery in plog's open) carries on from it.

load helpers

teardown() {
	bg_stop_all
}

# records DIR: how many records cat can read (its exit status is ignored:
# a torn tail makes it exit 65 after printing the good prefix).
records() {
	{ flume-seg cat "$1" 2>/dev/null || true; } | wc -l
}

@test "kill -9 of append in a loop: every round leaves a prefix of the input" {
	d="$BATS_TEST_TMPDIR/p"
	n=0
	for round in 1 2 3 4 5; do
		# numbers n+1, n+2, ... without end: the log must continue at n
		bg_start "append$round" flume-seg append --segment-bytes 100000 \
		    --batch 500 "$d" < <(seq $((n + 1)) 1000000000)
		wait_for_size "$d" $((round * 150000)) 200
		bg_kill "$BG_PID" KILL || true
		# what survived verifies, or repair makes it verify
		if ! flume-seg verify "$d" >/dev/null 2>&1; then
			run -0 flume-seg repair "$d"
		fi
		run -0 flume-seg verify "$d"
		m=$(records "$d")
		[ "$m" -ge "$n" ]
		flume-seg cat "$d" | cmp - <(seq 1 "$m")
		n=$m
	done
	[ "$n" -gt 0 ]
	[ "$(ls "$d"/*.log | wc -l)" -gt 3 ]
}

@test "a torn tail is cut by recovery when append reopens the log" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 300 | flume-seg append --batch 100 "$d"
	size=$(stat -c %s "$d/00000000000000000000.log")
	# a write torn by a power cut: the third batch half there
	truncate -s $((size - 40)) "$d/00000000000000000000.log"
	run -65 flume-seg verify "$d"
	run -0 --separate-stderr flume-seg append "$d" < <(seq 201 250)
	[[ "$stderr" == *"recovery cut"* ]]
	run -0 flume-seg verify "$d"
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 1 250)" ]
}

@test "SIGTERM: append stops reading, syncs what it has, exits 0" {
	d="$BATS_TEST_TMPDIR/p"
	bg_start append flume-seg append --batch 10 "$d" < <(seq 1 1000000000)
	wait_for_size "$d" 20000 200
	rc=0
	bg_kill "$BG_PID" TERM || rc=$?
	[ "$rc" -eq 0 ]
	run -0 flume-seg verify "$d"
	m=$(records "$d")
	[ "$m" -gt 0 ]
	flume-seg cat "$d" | cmp - <(seq 1 "$m")
}

@test "rolling: small segments, cat equals the input, info lists them all" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 20000 | flume-seg append --batch 100 --segment-bytes 4096 \
	    --index-interval-bytes 256 "$d"
	nlog=$(ls "$d"/*.log | wc -l)
	[ "$nlog" -gt 50 ]
	flume-seg cat "$d" | cmp - <(seq 1 20000)
	run -0 flume-seg info "$d"
	[ "${#lines[@]}" -eq $((nlog + 1)) ]
	# every segment is named by its first offset and none is over the limit
	flume-seg info "$d" | awk -F'\t' 'NR > 1 {
	    n = split($1, p, "/"); name = p[n]; sub(/\.log$/, "", name)
	    if (name + 0 != $2 || $6 > 4096 + 2000) exit 1 }'
	run -0 flume-seg verify "$d"
	# appending again after reopening goes into the last segment or a new one
	seq 20001 20100 | flume-seg append --segment-bytes 4096 "$d"
	flume-seg cat "$d" | cmp - <(seq 1 20100)
	run -0 flume-seg verify "$d"
}
