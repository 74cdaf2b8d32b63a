#!/usr/bin/env bats
# t/22-serve-abuse.bats: hostile or broken input gets a Kafka error code or
# a closed connection, with a log line, while other clients keep being
# served; nothing of a rejected batch is stored.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

@test "malformed frames close only their own connection" {
	# every refusal logged (no per-host limit), to check each line below
	serve_start a --refusal-log-interval-ms 0
	serve_admin create abuse 1
	run -0 kraw abuse "$ADDR" abuse
	echo "$output"
	[ "$(grep -c $'\talive$' <<<"$output")" -eq 14 ]
	grep -q $'^random-bytes\tclosed' <<<"$output"
	grep -q $'^truncated-frame\tclosed' <<<"$output"
	grep -q $'^size-2GiB\tclosed' <<<"$output"
	grep -q $'^size-negative\tclosed' <<<"$output"
	grep -q $'^unknown-api-key\tclosed' <<<"$output"
	grep -q $'^unsupported-version\tclosed' <<<"$output"
	grep -q $'^short-body\tclosed' <<<"$output"
	# an ApiVersions newer than ours is answered, not dropped (§3)
	grep -q $'^apiversions-v4\terror=35' <<<"$output"
	# v3 (flexible, librdkafka's first request) is ours
	grep -q $'^apiversions-v3\terror=0' <<<"$output"
	grep -q $'^apiversions-v3-bad-name\terror=42' <<<"$output"
	grep -q $'^bad-crc\terror=2' <<<"$output"
	grep -q $'^two-batches\terror=87' <<<"$output"
	grep -q $'^bad-acks\terror=21' <<<"$output"
	# nothing of the rejected batches was stored
	[ "$(serve_log_end abuse 0)" = 0 ]
	# and each close was logged
	grep -q "request size 2147483647 is negative or above socket-request-max-bytes" \
	    "$BATS_TEST_TMPDIR/a.err"
	grep -q "unsupported request ? (key 999)" "$BATS_TEST_TMPDIR/a.err"
	grep -q "unsupported request Metadata (key 3) version 99" "$BATS_TEST_TMPDIR/a.err"
}

# unsupported_frame CORR: ApiKey 999 v0, as a client that does not know us
unsupported_frame() {
	printf '\x00\x00\x00\x0a\x03\xe7\x00\x00\x00\x00\x00\x%02x\xff\xff' "$1"
}

@test "a client repeating a refused request costs one log line per interval" {
	serve_start a --refusal-log-interval-ms 5000
	local i
	# 30 connections in well under the interval: bash's own /dev/tcp
	for i in $(seq 30); do
		exec 7<>"/dev/tcp/127.0.0.1/$PORT"
		unsupported_frame "$i" >&7
		timeout 5 cat <&7 >/dev/null || true	# until the broker closes it
		exec 7<&-
	done
	# each attempt was closed, and kcat is still served
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
	[ "$(grep -c 'unsupported request ? (key 999)' "$BATS_TEST_TMPDIR/a.err")" -eq 1 ]
	# after the interval the next refusal is logged with the count held back
	sleep 5.1	# the interval itself is what is tested
	unsupported_frame 99 | timeout 5 socat -u - "TCP:$ADDR" || true
	wait_until 50 grep -q "unsupported request ? (key 999) version 0 (and 29 like it from this host held back)" \
	    "$BATS_TEST_TMPDIR/a.err"
	[ "$(grep -c 'unsupported request ? (key 999)' "$BATS_TEST_TMPDIR/a.err")" -eq 2 ]
}

@test "refusal-log-interval-ms refuses a bad value" {
	run -64 "$FLUME_BIN/flume-serve" --data "$BATS_TEST_TMPDIR/d" --listen 127.0.0.1:0 \
	    --refusal-log-interval-ms -1
	[[ $output == *refusal-log-interval-ms* ]]
}

@test "socket-request-max-bytes closes a connection announcing a bigger frame" {
	serve_start a --socket-request-max-bytes 4096
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	printf '\x00\x00\x10\x01' >&7
	run -0 timeout 5 cat <&7
	[ -z "$output" ]
	exec 7<&-
	grep -q "request size 4097 is negative or above socket-request-max-bytes (4096)" \
	    "$BATS_TEST_TMPDIR/a.err"
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
}

@test "random garbage on many connections leaves a producer unharmed" {
	serve_start a
	serve_admin create busy 1
	bg_start load node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR" busy 3000 5
	local lpid=$BG_PID i
	for i in $(seq 20); do
		head -c 5000 /dev/urandom | timeout 5 socat -u - "TCP:$ADDR" || true
	done
	wait "$lpid"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/load.out")" -eq 3000 ]
	[ "$(serve_log_end busy 0)" = 3000 ]
}

@test "a consumer that never reads costs bounded memory and descriptors" {
	serve_start a
	serve_admin create big 1
	head -c 20000000 /dev/urandom | base64 -w 1000 |
	    timeout 120 kcat -b "$ADDR" -P -t big -p 0
	[ "$(serve_log_end big 0)" -gt 20000 ]
	# 2,000 pipelined 1 MiB fetches would be 2 GB if the broker buffered them
	# (it holds its connection for 60 s; bg_kill ends it sooner)
	bg_start slow node "$FLUME_ROOT/t/interop/kraw.js" slowfetch "$ADDR" big 2000 60
	local spid=$BG_PID rss fds
	wait_for_line "$BATS_TEST_TMPDIR/slow.out"
	# measure once the broker has done all it will with those fetches: the
	# replies fill the socket and nothing moves while the broker serves others
	wait_until 30 serve_stalled
	rss=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$SERVE_PID/status")
	fds=$(ls "/proc/$SERVE_PID/fd" | wc -l)
	echo "rss ${rss} kB, ${fds} descriptors" >&3
	[ "$rss" -lt 65536 ]
	[ "$fds" -lt 200 ]
	# everyone else is still served
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -C -t big -o -1 "${KCAT_END[@]}" -q
	bg_kill "$spid" || true
}

@test "replies nobody reads stay within buffer-bytes-max; past it the connection is closed" {
	serve_start a --buffer-bytes-max 8m
	serve_admin create wide 1000 | grep -q '^ok'
	# each answer is about 5 MB: three readers that never read want 15 MB
	bg_start m1 node "$FLUME_ROOT/t/interop/kraw.js" slowmeta "$ADDR" wide 4 20
	local p1=$BG_PID
	bg_start m2 node "$FLUME_ROOT/t/interop/kraw.js" slowmeta "$ADDR" wide 4 20
	local p2=$BG_PID
	bg_start m3 node "$FLUME_ROOT/t/interop/kraw.js" slowmeta "$ADDR" wide 4 20
	local p3=$BG_PID
	wait_until 10 grep -q 'above buffer-bytes-max' "$BATS_TEST_TMPDIR/a.err" || true
	grep -q 'above buffer-bytes-max' "$BATS_TEST_TMPDIR/a.err"
	# everyone else is still served, small replies included
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -t wide
	bg_kill "$p1" || true
	bg_kill "$p2" || true
	bg_kill "$p3" || true
}
