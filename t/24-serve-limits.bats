#!/usr/bin/env bats
# t/24-serve-limits.bats: the broker under resource exhaustion and
# operator mistakes: descriptors running out, a request that would create
# a thousand topics, a full disk, a crowd of idle admin connections,
# wrong admin arities, a lost topics file, private data directories.

load helpers
load serve-helpers

teardown() {
	local rc=0 m
	bg_stop_all || rc=$?
	if [ -f "$BATS_TEST_TMPDIR/mounts" ]; then
		while read -r m; do
			umount "$m" || rc=1
		done <"$BATS_TEST_TMPDIR/mounts"
	fi
	return "$rc"
}

# small_disk BYTES: a tmpfs of that size (root only), unmounted in teardown.
small_disk() {
	local d
	d=$(tmpdir disk)
	mount -t tmpfs -o "size=$1" tmpfs "$d" || return 1
	echo "$d" >>"$BATS_TEST_TMPDIR/mounts"
	printf '%s\n' "$d"
}

# cpu_ticks PID: user + system clock ticks the process has used.
cpu_ticks() {
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

@test "admin: a known verb with the wrong number of operands answers its usage" {
	serve_start a
	run -0 serve_admin create a 1 2
	assert_output "error: usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]"
	run -0 serve_admin create a 1 a=1 b=2 c=3 d=4 e=5
	assert_output "error: usage: create TOPIC [PARTITIONS] [KEY=VALUE ...]"
	run -0 serve_admin status now
	assert_output "error: usage: status"
	run -0 serve_admin group
	assert_output "error: usage: group NAME"
	run -0 serve_admin frobnicate
	assert_output "error: unknown command 'frobnicate' (try help)"
}

@test "max-connections is sized against RLIMIT_NOFILE at start, and says so" {
	local d
	d=$(tmpdir lim)
	bg_start lim sh -c 'ulimit -n 200 && exec flume-serve --data "$1/data" \
	    --listen 127.0.0.1:0 --ready-fd 5 --max-connections 5000 5>"$1/ready"' sh "$d"
	wait_for_line "$d/ready"
	run -0 grep -E 'max-connections lowered from 5000 to [0-9]+: RLIMIT_NOFILE is 200' \
	    "$BATS_TEST_TMPDIR/lim.err"
}

@test "out of descriptors: new connections are shed at once, old ones served, no spin" {
	local d pid before after i out
	d=$(tmpdir fd)
	bg_start fd sh -c 'ulimit -n 120 && exec flume-serve --data "$1/data" \
	    --listen 127.0.0.1:0 --ready-fd 5 5>"$1/ready"' sh "$d"
	pid=$BG_PID
	wait_for_line "$d/ready"
	ADDR=$(<"$d/ready")
	DATA=$d/data
	# a long-lived producer and consumer, connected before the descriptors run out
	mkfifo "$d/in"
	exec 7<>"$d/in"
	bg_start prod flume-cat -b "$ADDR" -t kept -P <"$d/in"
	echo first >&7
	wait_until 10 eval '[ "$(serve_log_end kept 0)" = 1 ]'
	bg_start cons flume-cat -b "$ADDR" -t kept -C -o beginning -f '%v\n'
	wait_for_file "$BATS_TEST_TMPDIR/cons.out" 100
	# topics take descriptors until a create fails for want of them
	for i in $(seq 200); do
		out=$(serve_admin create t$i 1)
		[ "$out" = ok ] || break
	done
	[[ $out == *"Too many open files"* ]] || {
		echo "create #$i answered: $out" >&2
		false
	}
	# a crowd of new connections, held open: the last descriptors go to the
	# first of them, and every later one is accepted and closed at once
	local held=()
	before=$(cpu_ticks "$pid")
	for i in $(seq 30); do
		exec {fd}<>"/dev/tcp/127.0.0.1/${ADDR##*:}"
		held+=("$fd")
	done
	# a connection made now is closed by the broker, not left in the backlog
	exec 8<>"/dev/tcp/127.0.0.1/${ADDR##*:}"
	run -0 timeout 5 cat <&8
	exec 8>&-
	# a fixed window on purpose: what is measured is CPU burnt while idle
	sleep 2
	after=$(cpu_ticks "$pid")
	[ $((after - before)) -lt 100 ] || {
		echo "broker used $((after - before)) ticks in ~2 s: spinning" >&2
		false
	}
	grep -q 'shedding new connections' "$BATS_TEST_TMPDIR/fd.err"
	for fd in "${held[@]}"; do
		exec {fd}>&-
	done
	# the connections it had still work
	echo second >&7
	wait_until 10 grep -qx second "$BATS_TEST_TMPDIR/cons.out"
	run -0 cat "$BATS_TEST_TMPDIR/cons.out"
	assert_output "$(printf 'first\nsecond')"
	exec 7>&-
}

@test "one Metadata request naming 1000 unknown topics creates a bounded share" {
	serve_start a
	run -0 node "$FLUME_ROOT/t/interop/kmeta.js" "$ADDR" many 1000
	# 64 created and answered, the rest told to retry (LEADER_NOT_AVAILABLE)
	assert_output "$(printf '0\t64\n5\t936')"
	run -0 serve_admin topics
	[ "$(grep -c '^many' <<<"$output")" -eq 64 ]
	# one durable write of the topics file for the whole request: the
	# broker answers others at once, and the next request creates the next share
	run -0 kcat -b "$ADDR" -L -t many0
	run -0 node "$FLUME_ROOT/t/interop/kmeta.js" "$ADDR" many 1000
	assert_output "$(printf '0\t128\n5\t872')"
}

@test "sixteen idle admin connections cannot lock an operator out" {
	local i idle=()
	serve_start a
	for i in $(seq 16); do
		bg_start idle$i socat -u EXEC:"sleep 600" "UNIX-CONNECT:$DATA/admin.sock"
		idle+=("$BG_PID")
	done
	run -0 serve_admin status
	assert_line ok
	for i in "${idle[@]}"; do
		bg_kill "$i" || true	# socat ends with 143 on TERM: not the broker's
	done
}

@test "a lost topics file: the list is rebuilt from the partitions, nothing deleted" {
	serve_start a
	seq 1 500 | kcat -b "$ADDR" -t kept -P
	seq 1 300 | kcat -b "$ADDR" -t other -P -p 0
	bg_kill "$SERVE_PID"
	rm "$DATA/topics"
	serve_start a
	run -0 kcat -b "$ADDR" -t kept -C -o beginning -e -q
	[ "${#lines[@]}" -eq 500 ]
	run -0 kcat -b "$ADDR" -t other -C -o beginning -e -q
	[ "${#lines[@]}" -eq 300 ]
	run -0 grep 'topics is missing: topic kept with 1 partition rebuilt' "$BATS_TEST_TMPDIR/a.err"
	run -1 grep 'removing' "$BATS_TEST_TMPDIR/a.err"
}

@test "a damaged topics file: refused with 65 naming it, nothing deleted" {
	serve_start a
	seq 1 50 | kcat -b "$ADDR" -t kept -P
	bg_kill "$SERVE_PID"
	printf 'X' | dd of="$DATA/topics" bs=1 seek=3 conv=notrunc status=none
	run -65 flume-serve --data "$DATA" --listen 127.0.0.1:0
	assert_output -p "$DATA/topics"
	[ -s "$DATA/kept-0/00000000000000000000.log" ]
}

@test "a data directory the broker creates is private to its user" {
	serve_start a
	seq 1 5 | kcat -b "$ADDR" -t p -P
	run -0 stat -c '%a' "$DATA"
	assert_output 700
}

@test "a full disk: the failing call and errno are named; the broker stops with 74" {
	local d i rc=0
	[ "$(id -u)" -eq 0 ] || skip "mounting a small tmpfs needs root"
	d=$(small_disk 4m)
	bg_start full sh -c 'exec flume-serve --data "$1/data" --listen 127.0.0.1:0 \
	    --ready-fd 5 5>"$1/ready"' sh "$d"
	wait_for_line "$d/ready"
	ADDR=$(<"$d/ready")
	DATA=$d/data
	seq 1 10 | kcat -b "$ADDR" -t small -P
	# the disk fills up from outside: an admin create says why it failed
	dd if=/dev/zero of="$d/filler" bs=64k status=none 2>/dev/null || true
	run -0 serve_admin create newtopic
	assert_output -p "No space left on device"
	rm "$d/filler"
	# producers fill it: the broker stops rather than acknowledge, naming the call
	for i in $(seq 40); do
		head -c 200000 /dev/urandom | base64 -w 1000 |
		    timeout 20 kcat -b "$ADDR" -t small -P -X acks=all 2>/dev/null || true
		is_running "$BG_PID" || break
	done
	wait "$BG_PID" || rc=$?
	[ "$rc" -eq 74 ] || { cat "$BATS_TEST_TMPDIR/full.err" >&2; false; }
	run -0 grep -E '(write|fdatasync) .*: No space left on device; stopping' \
	    "$BATS_TEST_TMPDIR/full.err"
}

@test "out of descriptors while opening the data directory: exit 71 with the reason, not 65" {
	local i d
	serve_start a
	for i in $(seq 40); do
		serve_admin create t$i 1 | grep -qx ok
	done
	bg_kill "$SERVE_PID"
	d=$DATA
	run -71 --separate-stderr sh -c 'ulimit -n 64 && exec flume-serve --data "$1" \
	    --listen 127.0.0.1:0' sh "$d"
	[[ $stderr == *"Too many open files"* ]]
	# nothing was damaged: with descriptors enough it starts and serves them all
	serve_start a
	[ "$(serve_admin topics | grep -c '^t')" -eq 40 ]
}
