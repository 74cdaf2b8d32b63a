#!/usr/bin/env bats
# t/61-cat-group.bats: flume-cat -G (consumer group members with the
# flume-sticky assignor) and flume-cat -L -G against a private flume-serve.
#
# Members print one line per completed rebalance on stderr,
#   flume-cat: group G generation N: assigned t:0 t:2 (kept K, added A, revoked R)
# which is how these tests see assignments.  The broker ends a new group's
# first join round at once (--group-initial-delay-ms 0) and fast heartbeats
# keep rebalances short.

load helpers

# Start flume-serve with 4 partitions per new topic; sets ADDR.  A new
# group's first join round ends at the next tick (not after 3 s).
group_serve() {
	local d
	d=$(tmpdir "$1")
	bg_start "$1" sh -c 'exec flume-serve --data "$1/data" --listen 127.0.0.1:0 \
	    --num-partitions 4 --group-initial-delay-ms 0 --group-min-session-ms 500 \
	    --ready-fd 5 5>"$1/ready"' sh "$d"
	wait_for_line "$d/ready" 100 || { cat "$BATS_TEST_TMPDIR/$1.err" >&2; return 1; }
	ADDR=$(<"$d/ready")
}

setup() {
	group_serve s
}

# Members first: a member whose broker went away first would exit 69.
teardown() {
	local n p rc=0
	for n in a b c; do
		eval "p=\${PID_$n:-}"
		if [ -n "$p" ] && is_running "$p"; then
			bg_stop "$p" || {
				echo "member $n exited $? on SIGTERM; its last words:" >&2
				tail -n 5 "$BATS_TEST_TMPDIR/$n.err" >&2
				rc=1
			}
		fi
	done
	bg_stop_all && return "$rc"
}

# produce FIRST LAST: keyed records kFIRST..kLAST (values vN) to topic t,
# spread over the partitions by their keys.
produce() {
	seq "$1" "$2" | sed 's/.*/k&:v&/' | flume-cat -b "$ADDR" -t t -P -K :
}

# member NAME [ARG...]: a background group member of g on topic t.  Its
# session stays 6 s (no test here waits for one to end: one checks that
# leaving does not), its heartbeats 300 ms: rebalances are quick enough, and
# a flume-cat stopped by a signal while a coordinator call is in flight has
# been seen to lose the final commit and LeaveGroup these tests check (more
# calls, more chances).
member() {
	local name=$1
	shift
	bg_start "$name" flume-cat -b "$ADDR" -G g t -f '%v\n' --session-ms 6000 \
	    --heartbeat-ms 300 --commit-ms 200 "$@"
	eval "PID_$name=\$BG_PID"
}

# gen NAME: generation of NAME's latest assignment ("" if none yet).
gen() {
	sed -n 's/.*generation \([0-9]*\): assigned.*/\1/p' "$BATS_TEST_TMPDIR/$1.err" | tail -n 1
}

# assigned NAME: NAME's latest assignment, one topic:partition per line, sorted.
assigned() {
	sed -n 's/.*: assigned\(.*\) (kept.*/\1/p' "$BATS_TEST_TMPDIR/$1.err" | tail -n 1 |
	    tr ' ' '\n' | sed '/^$/d' | sort
}

# settled MIN NAME...: every NAME's latest assignment has one generation
# above MIN and together they hold all 4 partitions; sets SETTLED_GEN.
settled() {
	local min=$1 n g0
	shift
	g0=$(gen "$1")
	[ -n "$g0" ] && [ "$g0" -gt "$min" ] || return 1
	for n in "$@"; do
		[ "$(gen "$n")" = "$g0" ] || return 1
	done
	[ "$(for n in "$@"; do assigned "$n"; done | sort -u | wc -l)" -eq 4 ] || return 1
	SETTLED_GEN=$g0
}

# wait_settled MIN NAME...: until settled MIN NAME... (15 s max).
wait_settled() {
	local n
	wait_until 15 settled "$@" && return 0
	echo "wait_settled: no common generation above $1 for ${*:2}" >&2
	for n in "${@:2}"; do cat "$BATS_TEST_TMPDIR/$n.err" >&2; done
	return 1
}

# printed NAME...: how many lines the NAMEs printed between them.
printed() {
	local n total=0
	for n in "$@"; do
		total=$((total + $(wc -l <"$BATS_TEST_TMPDIR/$n.out")))
	done
	echo "$total"
}

# has_printed N NAME...: the NAMEs printed N lines or more between them.
has_printed() {
	[ "$(printed "${@:2}")" -ge "$1" ]
}

# wait_records N NAME...: until the NAMEs printed N lines between them (15 s max).
wait_records() {
	wait_until 15 has_printed "$@" && return 0
	echo "wait_records: $(printed "${@:2}") of $1" >&2
	return 1
}

@test "-G misuse exits 64" {
	run -64 --separate-stderr flume-cat -b "$ADDR" -G g
	[[ "$stderr" == *"at least one TOPIC"* ]]
	run -64 flume-cat -b "$ADDR" -P -G g t
	run -64 flume-cat -b "$ADDR" -G g -p 1 t
	run -64 flume-cat -b "$ADDR" -G '' t
}

@test "two members receive every record exactly once between them" {
	produce 1 200
	member a
	member b
	wait_settled 0 a b
	# disjoint halves of the four partitions
	[ "$(assigned a | wc -l)" -eq 2 ]
	[ "$(assigned b | wc -l)" -eq 2 ]
	[ -z "$(comm -12 <(assigned a) <(assigned b))" ]
	produce 201 300
	wait_records 300 a b
	bg_kill "$PID_a"
	bg_kill "$PID_b"
	[ "$(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | wc -l)" -eq 300 ]
	[ "$(cat "$BATS_TEST_TMPDIR/a.out" "$BATS_TEST_TMPDIR/b.out" | sort -u | wc -l)" -eq 300 ]
	[ -s "$BATS_TEST_TMPDIR/a.out" ]
	[ -s "$BATS_TEST_TMPDIR/b.out" ]
}

@test "a third member moves only the one partition balance needs" {
	produce 1 100
	member a
	member b
	wait_settled 0 a b
	local g1=$SETTLED_GEN
	assigned a >"$BATS_TEST_TMPDIR/a.before"
	assigned b >"$BATS_TEST_TMPDIR/b.before"
	member c
	wait_settled "$g1" a b c
	assigned a >"$BATS_TEST_TMPDIR/a.after"
	assigned b >"$BATS_TEST_TMPDIR/b.after"
	# 4 partitions over 3 members: 2+1+1, and exactly one partition moved
	[ "$(assigned c | wc -l)" -eq 1 ]
	[ "$(cat "$BATS_TEST_TMPDIR/a.after" "$BATS_TEST_TMPDIR/b.after" | wc -l)" -eq 3 ]
	# whatever a and b hold now, they held before
	[ -z "$(comm -13 "$BATS_TEST_TMPDIR/a.before" "$BATS_TEST_TMPDIR/a.after")" ]
	[ -z "$(comm -13 "$BATS_TEST_TMPDIR/b.before" "$BATS_TEST_TMPDIR/b.after")" ]
	# the leader says so too
	grep -q "leader: 3 members, 4 partitions (kept 3, moved 1, fresh 0)" \
	    "$BATS_TEST_TMPDIR/a.err" "$BATS_TEST_TMPDIR/b.err"
	# and nothing was read twice across the handover
	produce 101 150
	wait_records 150 a b c
	[ "$(cat "$BATS_TEST_TMPDIR"/[abc].out | wc -l)" -eq 150 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/[abc].out | sort -u | wc -l)" -eq 150 ]
}

@test "a member stopped with SIGTERM leaves; the other takes every partition" {
	produce 1 100
	member a
	member b
	wait_settled 0 a b
	local g1=$SETTLED_GEN start=$SECONDS
	bg_kill "$PID_b"
	# LeaveGroup, not the 6 s session expiry, starts the rebalance
	wait_settled "$g1" a
	[ $((SECONDS - start)) -lt 6 ]
	[ "$(assigned a | tr '\n' ' ')" = "t:0 t:1 t:2 t:3 " ]
	grep -q "kept 2, added 2, revoked 0" "$BATS_TEST_TMPDIR/a.err"
	produce 101 120
	wait_records 120 a b
	[ "$(cat "$BATS_TEST_TMPDIR"/[ab].out | sort -u | wc -l)" -eq 120 ]
	[ "$(cat "$BATS_TEST_TMPDIR"/[ab].out | wc -l)" -eq 120 ]
}

@test "a restarted member resumes after the committed offsets" {
	produce 1 100
	member a
	wait_records 100 a
	bg_kill "$PID_a"		# commits on the way out
	produce 101 150
	# -c: stop after 20, committing exactly those
	run -0 --separate-stderr flume-cat -b "$ADDR" -G g t -f '%v\n' -c 20
	[ "${#lines[@]}" -eq 20 ]
	printf '%s\n' "${lines[@]}" >"$BATS_TEST_TMPDIR/first"
	# -e: the rest, and nothing else
	run -0 --separate-stderr flume-cat -b "$ADDR" -G g t -f '%v\n' -e
	[ "${#lines[@]}" -eq 30 ]
	printf '%s\n' "${lines[@]}" >>"$BATS_TEST_TMPDIR/first"
	[ "$(sort "$BATS_TEST_TMPDIR/first")" = "$(seq 101 150 | sed 's/^/v/' | sort)" ]
	# all caught up: -e prints nothing now
	run -0 --separate-stderr flume-cat -b "$ADDR" -G g t -e
	[ -z "$output" ]
	# -o applies only where nothing is committed: a new group from the end
	run -0 --separate-stderr flume-cat -b "$ADDR" -G fresh t -e -o end
	[ -z "$output" ]
}

@test "-L -G shows members, assignments, committed offsets and lag" {
	produce 1 100
	member a
	wait_records 100 a
	bg_kill "$PID_a"
	produce 101 110
	run -0 --separate-stderr flume-cat -b "$ADDR" -L -G g
	[ "${lines[0]}" = "$(printf 'group\tstate\tmember\tclient_id\thost\ttopic\tpartition\tcommitted\tend\tlag')" ]
	[ "${#lines[@]}" -eq 5 ]
	# an empty group: no members, one row per committed partition
	[ "$(cut -f1,2,3,6,7 <<<"${lines[1]}")" = "$(printf 'g\tEmpty\t\tt\t0')" ]
	[ "$(tail -n +2 <<<"$output" | awk -F '\t' '{c += $8; e += $9; l += $10} END {print c, e, l}')" = "100 110 10" ]
	# a live member shows with its partitions
	member b
	wait_settled 0 b
	run -0 --separate-stderr flume-cat -b "$ADDR" -L -G g --json
	[ "${#lines[@]}" -eq 4 ]
	[[ "${lines[0]}" == *'"state":"Stable"'* ]]
	[[ "${lines[0]}" == *'"client_id":"flume-cat"'* ]]
	# -L -G alone: every group
	run -0 --separate-stderr flume-cat -b "$ADDR" -L -G
	[[ "$output" == *$'\ng\t'* ]]
	run -0 --separate-stderr flume-cat -b "$ADDR" -L -G nosuchgroup
	[ "$(cut -f1,2 <<<"${lines[1]}")" = "$(printf 'nosuchgroup\tDead')" ] ||
	    [ "$(cut -f1,2 <<<"${lines[1]}")" = "$(printf 'nosuchgroup\tEmpty')" ]
}
