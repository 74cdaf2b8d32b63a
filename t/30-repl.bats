#!/usr/bin/env bats
# t/30-repl.bats: flume-repl against real processes on 127.0.0.1: a leader
# flume-serve (single node, leader epoch 0) or flume-test-tool's
# fake-leader, driven through its stdin as a broker would.  Copies must
# end equal to the leader's log (flume-seg digest), after a kill -9, after
# a divergent tail, and never take a batch that fails its checks.

load helpers
load serve-helpers
load repl-helpers

teardown() {
	exec 8>&- 2>/dev/null || true
	bg_stop_all
}

# leader_with_records: a broker with topic t of 2 partitions holding
# 10,000 records each, produced in rounds of about 1 KiB (many batches).
leader_with_records() {
	serve_start lead
	LEAD_DATA=$DATA
	serve_admin create t 2 | grep -qx ok
	seq 1 10000 | flume-cat -b "$ADDR" -t t -P -p 0 --batch-bytes 1024
	seq 10001 20000 | flume-cat -b "$ADDR" -t t -P -p 1 --batch-bytes 1024
	[ "$(serve_log_end t 0)" = 10000 ]
	[ "$(serve_log_end t 1)" = 10000 ]
	# node 2 is a replica of both partitions (epoch 0, ISR the leader's own)
	serve_admin lead t 0 0 1,2 1 | grep -qx ok
	serve_admin lead t 1 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
}

@test "--help, --version and bad arguments" {
	run -0 flume-repl --help
	[[ $output == usage:* ]]
	run -0 flume-repl -V
	[[ $output == "flume-repl "* ]]
	run -64 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr flume-repl --data d --node-id x --leader-id 1 \
	    --leader 127.0.0.1:1
	[[ $stderr == *--node-id* ]]
	run -64 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1 \
	    --leader nowhere
	[[ $stderr == *--leader* ]]
	run -64 flume-repl --data d --node-id 2 --leader-id 1 --leader 127.0.0.1:1 extra
}

@test "every long option of --help is in flume-repl(1), which passes mandoc -T lint" {
	local man="$FLUME_ROOT/man/man1/flume-repl.1" o
	for o in $(flume-repl --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "Fl ${o#-}" "$man" || { echo "missing $o" >&2; return 1; }
	done
	run -0 mandoc -T lint -W warning "$man"
}

@test "two partitions: both copies reach the leader's log end and equal its digest" {
	leader_with_records
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --ready-fd 5 5>"$BATS_TEST_TMPDIR/ready"
	wait_for_line "$BATS_TEST_TMPDIR/ready"
	[ "$(cat "$BATS_TEST_TMPDIR/ready")" = ready ]
	repl_send 'follow t 0 0' 'follow t 1 0'
	wait_for_report r $'^following\tt\t0\t0$'
	wait_for_report r $'^following\tt\t1\t0$'
	wait_caught_up r t 0 "$(serve_log_end t 0)"
	wait_caught_up r t 1 "$(serve_log_end t 1)"
	[ "$(seg_digest "$COPY/t-0")" = "$(seg_digest "$LEAD_DATA/t-0")" ]
	[ "$(seg_digest "$COPY/t-1")" = "$(seg_digest "$LEAD_DATA/t-1")" ]
	# the last progress line has the leader's high watermark too
	grep -qx $'progress\tt\t1\t10000\t10000' "$BATS_TEST_TMPDIR/r.out"
	# more records later: the long poll brings them
	seq 1 500 | flume-cat -b "$ADDR" -t t -P -p 1
	wait_caught_up r t 1 10500
	[ "$(seg_digest "$COPY/t-1")" = "$(seg_digest "$LEAD_DATA/t-1")" ]
	# end of input: a clean stop, hw checkpointed
	repl_eof
	wait_exit "$REPL_PID"
	[ "$EXIT_STATUS" -eq 0 ]
	grep -q 'end of standard input' "$BATS_TEST_TMPDIR/r.err"
	run -0 flume-seg verify "$COPY/t-1"
}

@test "kill -9 midway: a restart resumes from the durable end and still matches" {
	leader_with_records
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --fetch-max-bytes 1024
	repl_send 'follow t 0 0' 'follow t 1 0'
	wait_for_report r $'^progress\tt\t0\t[1-9]'
	bg_kill "$REPL_PID" KILL || true
	local before
	before=$(repl_log_end r t 0)
	echo "killed with t-0 reported at $before" >&3
	repl_start r2 --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow t 0 0' 'follow t 1 0'
	wait_caught_up r2 t 0 10000
	wait_caught_up r2 t 1 10000
	# it resumed where its copy ended, at or past what was reported
	local from
	from=$(sed -n 's/.*t-0: following node 1 at epoch 0 from offset \([0-9]*\).*/\1/p' \
	    "$BATS_TEST_TMPDIR/r2.err")
	[ "$from" -ge "$before" ]
	[ "$(seg_digest "$COPY/t-0")" = "$(seg_digest "$LEAD_DATA/t-0")" ]
	[ "$(seg_digest "$COPY/t-1")" = "$(seg_digest "$LEAD_DATA/t-1")" ]
}

@test "a longer divergent tail is truncated to exactly the leader's end" {
	leader_with_records
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow t 0 0'
	wait_caught_up r t 0 10000
	repl_eof
	wait_exit "$REPL_PID"
	[ "$EXIT_STATUS" -eq 0 ]
	# records the leader never had, at the same epoch
	seq 1 7 | flume-seg append "$COPY/t-0"
	[ "$(seg_digest "$COPY/t-0" | cut -f1)" = 10007 ]
	repl_start r2 --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow t 0 0'
	wait_for_report r2 $'^truncated\tt\t0\t10000$'
	wait_caught_up r2 t 0 10000
	grep -q 't-0: truncating from 10007 to 10000: the leader.s epoch 0 ends at 10000' \
	    "$BATS_TEST_TMPDIR/r2.err"
	# no progress line before the cut spoke of the tail
	! grep -q $'^progress\tt\t0\t10007' "$BATS_TEST_TMPDIR/r2.out"
	[ "$(seg_digest "$COPY/t-0")" = "$(seg_digest "$LEAD_DATA/t-0")" ]
	# and the copy goes on with the leader
	seq 1 3 | flume-cat -b "$ADDR" -t t -P -p 0
	wait_caught_up r2 t 0 10003
	[ "$(seg_digest "$COPY/t-0")" = "$(seg_digest "$LEAD_DATA/t-0")" ]
}

@test "a batch whose CRC fails appends nothing, is logged, retried, then exit 76" {
	bg_start fake flume-test-tool fake-leader bad-crc
	wait_for_line "$BATS_TEST_TMPDIR/fake.out"
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 \
	    --leader "$(cat "$BATS_TEST_TMPDIR/fake.out")"
	repl_send 'follow f 0 0'
	wait_for_log r 'f-0: refused the leader.s records at offset 0 \(3 in a row\): .*CRC' 1
	grep -q $'^error\tf\t0\trefused the leader.s records at offset 0: .*CRC' \
	    "$BATS_TEST_TMPDIR/r.out"
	[ "$(grep -c '^fetch f 0 0$' "$BATS_TEST_TMPDIR/fake.err")" -ge 3 ]
	[ "$(seg_digest "$COPY/f-0" | cut -f1)" = 0 ]
	# the retries back off (50 ms doubling to 2 s): the tenth ends it
	wait_exit "$REPL_PID" 200
	[ "$EXIT_STATUS" -eq 76 ]
	grep -q '10 answers in a row could not be appended' "$BATS_TEST_TMPDIR/r.err"
	[ "$(seg_digest "$COPY/f-0" | cut -f1)" = 0 ]
	run -0 flume-seg verify "$COPY/f-0"
}

@test "a batch that does not start at the log end is refused" {
	bg_start fake flume-test-tool fake-leader gap
	wait_for_line "$BATS_TEST_TMPDIR/fake.out"
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 \
	    --leader "$(cat "$BATS_TEST_TMPDIR/fake.out")"
	repl_send 'follow f 0 0' 'follow f 1 0'
	wait_for_log r 'f-1: refused .* based at offset 5, not at 0' 2
	[ "$(seg_digest "$COPY/f-0" | cut -f1)" = 0 ]
	[ "$(seg_digest "$COPY/f-1" | cut -f1)" = 0 ]
	# one request carries both partitions
	grep -q '^fetch f 0 0$' "$BATS_TEST_TMPDIR/fake.err"
	grep -q '^fetch f 1 0$' "$BATS_TEST_TMPDIR/fake.err"
}

@test "every partition fenced: fenced lines, then exit 75" {
	bg_start fake flume-test-tool fake-leader fenced
	wait_for_line "$BATS_TEST_TMPDIR/fake.out"
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 \
	    --leader "$(cat "$BATS_TEST_TMPDIR/fake.out")"
	repl_send 'follow f 0 4' 'follow f 1 4'
	wait_exit "$REPL_PID"
	[ "$EXIT_STATUS" -eq 75 ]
	grep -qx $'fenced\tf\t0\t4' "$BATS_TEST_TMPDIR/r.out"
	grep -qx $'fenced\tf\t1\t4' "$BATS_TEST_TMPDIR/r.out"
	grep -q 'every partition followed is fenced' "$BATS_TEST_TMPDIR/r.err"
	run -0 flock -n "$COPY/f-0/lock" true
}

@test "the leader's log starts past the copy's end: the copy is emptied and restarts there" {
	local lead
	lead=$(tmpdir lead)/data
	# a leader whose first segments retention took: its log starts at a later segment
	seq 1 3000 | flume-seg append --segment-bytes 4000 "$lead/r-0"
	local first
	first=$(cd "$lead/r-0" && ls ./*.log | sed -n 2p)
	rm "$lead/r-0/00000000000000000000".*
	first=$((10#$(basename "$first" .log)))
	[ "$first" -gt 100 ]
	serve_start lead
	LEAD_DATA=$DATA
	[ "$(serve_log_end r 0)" = 3000 ]
	serve_admin lead r 0 0 1,2 1 | grep -qx ok
	# a copy holding 100 records, all below the leader's log start
	COPY=$(tmpdir copy)/data
	seq 1 100 | flume-seg append "$COPY/r-0"
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow r 0 0'
	wait_for_report r "^reset"$'\t'"r"$'\t'"0"$'\t'"$first\$"
	wait_caught_up r r 0 3000
	grep -q "r-0: the leader's log starts at $first, past this copy's end 100" \
	    "$BATS_TEST_TMPDIR/r.err"
	grep -q "emptying the copy (offsets 0..100) and restarting it at $first" \
	    "$BATS_TEST_TMPDIR/r.err"
	[ "$(seg_digest "$COPY/r-0")" = "$(seg_digest "$LEAD_DATA/r-0")" ]
	[ ! -f "$COPY/r-0/00000000000000000000.log" ]
	# the reset copy opens again where it was
	repl_eof
	wait_exit "$REPL_PID"
	[ "$EXIT_STATUS" -eq 0 ]
	run -0 flume-seg verify "$COPY/r-0"
}

@test "a copy's log start follows its leader's: segments the leader's retention took go here too" {
	serve_start lead --segment-bytes 4096
	LEAD_DATA=$DATA
	serve_admin create r 1 | grep -qx ok
	seq 1 3000 | flume-cat -b "$ADDR" -t r -P -p 0 --batch-bytes 1024
	serve_admin lead r 0 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" --segment-bytes 4096
	repl_send 'follow r 0 0'
	wait_caught_up r r 0 3000
	local before
	before=$(flume-seg info "$COPY/r-0" | grep -c '\.log')
	[ "$before" -gt 3 ]
	# the leader's retention now keeps about 8 KiB: its log start moves on
	serve_admin config r retention.bytes=8192 | grep -qx ok
	local start
	start=$(serve_admin status | awk -F'\t' '$1 == "partition" && $2 == "r" { print $4 }')
	[ "$start" -gt 0 ]
	# the next fetch answer carries it; the copy deletes whole segments below it
	printf 'x\n' | flume-cat -b "$ADDR" -t r -P -p 0
	wait_caught_up r r 0 3001
	wait_until 30 grep -q "r-0: the leader's log starts at $start" "$BATS_TEST_TMPDIR/r.err"
	local first
	first=$(flume-seg info "$COPY/r-0" | awk -F'\t' 'NR == 2 { print $2 }')
	[ "$first" -gt 0 ] && [ "$first" -le "$start" ]
	[ "$(flume-seg info "$COPY/r-0" | grep -c '\.log')" -lt "$before" ]
	run -0 flume-seg verify "$COPY/r-0"
	# what both hold is the same records
	[ "$(flume-seg digest --from "$start" "$COPY/r-0" | tail -n 1 | cut -f 3,4)" = \
	    "$(seg_digest "$LEAD_DATA/r-0")" ]
}

@test "bad commands get an error line and change nothing" {
	serve_start lead
	serve_admin create t 1 | grep -qx ok
	seq 1 100 | flume-cat -b "$ADDR" -t t -P
	serve_admin lead t 0 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow t 0 0' 'frobnicate t 0' 'follow t x 0' 'follow t 0' \
	    'follow t 0 -1' 'follow bad/topic 0 0' 'drop t 7' 'follow t 0 99999999999' ''
	printf 'follow t 0 0 %04000d\n' 0 >&8
	wait_for_report r $'^following\tt\t0\t0$'
	wait_for_report r 'a line longer than'
	run -0 grep -c '^error' "$BATS_TEST_TMPDIR/r.out"
	[ "$output" -eq 8 ]
	grep -qx $'error\t-\t-\tunknown command "frobnicate" (follow, drop)' "$BATS_TEST_TMPDIR/r.out"
	grep -qx $'error\tt\t-\tbad partition "x" (0..2147483647)' "$BATS_TEST_TMPDIR/r.out"
	grep -qx $'error\tt\t0\tfollow takes TOPIC PART EPOCH' "$BATS_TEST_TMPDIR/r.out"
	grep -qx $'error\tt\t0\tbad epoch "-1" (0..2147483647)' "$BATS_TEST_TMPDIR/r.out"
	grep -q $'^error\t-\t-\tbad topic name "bad/topic"' "$BATS_TEST_TMPDIR/r.out"
	grep -qx $'error\tt\t7\tnot followed' "$BATS_TEST_TMPDIR/r.out"
	wait_caught_up r t 0 100
	# a newer epoch is taken; an older one is refused
	repl_send 'follow t 0 3' 'follow t 0 2'
	wait_for_report r $'^following\tt\t0\t3$'
	wait_for_report r $'^error\tt\t0\tepoch 2 is older than the current epoch 3$'
	is_running "$REPL_PID"
	repl_eof
	wait_exit "$REPL_PID"
	[ "$EXIT_STATUS" -eq 0 ]
}

@test "the leader stopped: exit 69 after --unreachable-ms" {
	serve_start lead
	serve_admin create t 1 | grep -qx ok
	seq 1 100 | flume-cat -b "$ADDR" -t t -P
	serve_admin lead t 0 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --unreachable-ms 1500
	repl_send 'follow t 0 0'
	wait_caught_up r t 0 100
	bg_kill "$SERVE_PID" KILL || true
	wait_exit "$REPL_PID" 100
	[ "$EXIT_STATUS" -eq 69 ]
	grep -q 'unreachable for' "$BATS_TEST_TMPDIR/r.err"
	# what it had is durable and whole
	[ "$(seg_digest "$COPY/t-0" | cut -f1)" = 100 ]
}

@test "drop releases the lock; a held lock is waited for and reported after 5 s" {
	serve_start lead
	serve_admin create t 2 | grep -qx ok
	seq 1 100 | flume-cat -b "$ADDR" -t t -P -p 0
	serve_admin lead t 0 0 1,2 1 | grep -qx ok
	serve_admin lead t 1 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
	mkdir -p "$COPY/t-1"
	# someone else holds t-1's lock (the process that sleeps holds the fd)
	bg_start holder sh -c 'exec 9>"$1" && flock 9 && exec sleep 60' sh "$COPY/t-1/lock"
	local holder=$BG_PID _
	for _ in $(seq 50); do
		[ -f "$COPY/t-1/lock" ] && ! flock -n "$COPY/t-1/lock" true && break
		sleep 0.1
	done
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR"
	repl_send 'follow t 0 0' 'follow t 1 0'
	wait_for_report r $'^following\tt\t0\t0$'
	run -1 flock -n "$COPY/t-0/lock" true
	repl_send 'drop t 0'
	wait_for_report r $'^dropped\tt\t0$'
	run -0 flock -n "$COPY/t-0/lock" true
	# t-1 is waited for, said so after 5 s, and taken once free
	wait_for_report r $'^error\tt\t1\tthe lock .*/t-1/lock is held by another process; still trying$' 80
	! grep -q $'^following\tt\t1' "$BATS_TEST_TMPDIR/r.out"
	bg_kill "$holder" || true
	wait_for_report r $'^following\tt\t1\t0$'
	repl_send 'drop t 0'
	wait_for_report r $'^error\tt\t0\tnot followed$'
}

@test "SIGTERM during a long poll stops at once, synced, exit 0" {
	serve_start lead
	serve_admin create t 1 | grep -qx ok
	seq 1 100 | flume-cat -b "$ADDR" -t t -P
	serve_admin lead t 0 0 1,2 1 | grep -qx ok
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --max-wait-ms 30000
	repl_send 'follow t 0 0'
	wait_caught_up r t 0 100
	# caught up, so waiting in the leader's long poll of up to 30 s
	kill -TERM "$REPL_PID"
	wait_exit "$REPL_PID" 20
	[ "$EXIT_STATUS" -eq 0 ]
	grep -q 'signal: stopping' "$BATS_TEST_TMPDIR/r.err"
	run -0 flock -n "$COPY/t-0/lock" true
}
