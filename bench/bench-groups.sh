#!/bin/sh
# bench-groups.sh BINDIR GROUP_LOAD: the consumer-group benchmark behind
# `make bench-groups`.  Builds nothing: BINDIR holds flume-serve and
# flume-cat, GROUP_LOAD is bench/group-load.c built.
#
# Runs from the repository root, with a private broker whose data lives in
# a scratch directory under bench/out (the repository's disk, never tmpfs),
# on 127.0.0.1 with an ephemeral port, and measures:
#
#   rebalance  a 10-member group over 100 partitions: 9 flume-cat -G
#              members are started and left to settle (Stable, every
#              partition printed by its owner), then a 10th is started;
#              the time from its start (CLOCK_MONOTONIC just before
#              exec) until
#                assigned   all 10 members printed their assignment line of
#                           the new generation (flume-cat(1), stderr);
#                members    every member printed a record after that line;
#                partitions every one of the 100 partitions had a record
#                           printed by its new owner after that owner's
#                           assignment line (the headline figure: the
#                           whole group consuming again).
#              Records keep flowing all along: group-load ticker writes
#              one record per partition every 10 ms into flume-cat -P, and
#              every member's stdout and stderr go through group-load
#              stamp, which prefixes each line with the time it was read.
#              Then the 10th member is stopped (SIGTERM: it commits and
#              leaves), the 9 settle again (1 s plus a random fraction of
#              a heartbeat interval, see settle), and the whole is repeated
#              FLUME_BENCH_REBALANCES times (default 5).
#   commits    group-load commit: 100 connections, each a member of one
#              100-member group, OffsetCommit v7 of one partition, one in
#              flight per connection, FLUME_BENCH_SECS (default 10) after
#              1 s of warm-up; then the same with 100 standalone
#              committers (generation -1, one group each).  Baseline in
#              the same run: write(2) + fdatasync(2) of the exact batch
#              the broker appends per commit (group-load rawsync), 3 s
#              before and 3 s after both.
#              The broker's fdatasync(2) calls are counted with perf(1)
#              when it can, to give commits per fsync.
#
# Members learn of a rebalance at their next heartbeat, so the figure
# "beyond the configured delays" is the measured time minus one heartbeat
# interval (--heartbeat-ms).  The other delays do not apply here: the
# 3000 ms initial rebalance delay is only for a group that starts empty,
# and --session-ms / --rebalance-ms only matter when a member fails to
# heartbeat or rejoin.
#
# The results replace the section between <!-- bench-groups:begin --> and
# <!-- bench-groups:end --> in bench/RESULTS.md (appended when missing;
# other sections are kept).  Every process it starts is killed by PID from
# a trap, and the scratch directory is removed, on every exit path
# (kept, for a look at the members' output, when FLUME_BENCH_KEEP is set).
# Exit: 0 ran (targets met or not), 64 usage, 69 a run failed,
# 130 interrupted.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/bench-groups.sh BINDIR GROUP_LOAD" >&2
	exit 64
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
bindir=$(abspath "$1")
gl=$(abspath "$2")
serve=$bindir/flume-serve
fcat=$bindir/flume-cat
cd "$(dirname "$0")/.."
reps=${FLUME_BENCH_REBALANCES:-5}
secs=${FLUME_BENCH_SECS:-10}
for v in "$reps" "$secs"; do
	case $v in '' | *[!0-9]*) echo "bench-groups: FLUME_BENCH_REBALANCES and FLUME_BENCH_SECS must be numbers" >&2; exit 64 ;; esac
done
for f in "$serve" "$fcat" "$gl"; do
	[ -x "$f" ] || { echo "bench-groups: $f: not built" >&2; exit 64; }
done
# the tree the binaries are meant to come from, read before anything runs
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
command -v socat >/dev/null || { echo "bench-groups: socat(1) is needed for the admin socket" >&2; exit 69; }

# the configuration measured
members=10
nparts=100
group=rbg
session_ms=6000
hb_ms=300
commit_ms=1000
rebalance_ms=30000
tick_ms=10
wait_s=30			# give up on any one wait after this
res=""
tick_pids=""
prod_pids=""

say() { printf 'bench-groups: %s\n' "$*" >&2; }
fail() { say "$*"; exit 69; }

mkdir -p bench/out
work=$(mktemp -d "$PWD/bench/out/groups.XXXXXX")
pids=""
cleanup() {
	trap - EXIT INT TERM HUP
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	if [ -n "${FLUME_BENCH_KEEP:-}" ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

# ---- the broker ----
"$serve" --data "$work/data" --listen 127.0.0.1:0 --ready-fd 5 5>"$work/addr" \
    2>"$work/serve.log" &
serve_pid=$!
pids="$pids $serve_pid"
i=0
while [ ! -s "$work/addr" ]; do
	kill -0 "$serve_pid" 2>/dev/null || fail "flume-serve exited: $(tail -3 "$work/serve.log")"
	i=$((i + 1))
	[ $i -lt 200 ] || fail "flume-serve not ready after 10 s"
	sleep 0.05
done
addr=$(cat "$work/addr")
admin() { printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$work/data/admin.sock"; }

# Metadata works for the topics?  (flume-cat -L lists one row per partition)
described() {
	n=$("$fcat" -L -b "$addr" --timeout-ms 3000 -t "$1" 2>/dev/null | awk 'NR > 1' | wc -l) || n=0
	[ "$n" -eq "$2" ]
}

# The group's 100 partitions: one topic when the broker can describe it.
# flume-serve answers Metadata from the request's arena, which
# FL_KP_ARENA_BYTES bounds by the request's size, so a topic of 100
# partitions asked for by name does not fit (the connection is closed);
# then two topics of 50 partitions, with 100-character names to make the
# request big enough, still give the group 100 partitions.
layout=""
admin "create rb $nparts" >/dev/null
if described rb $nparts; then
	topics=rb
	per=$nparts
	layout="one topic \`rb\` of $nparts partitions"
else
	t1=$(printf 'rb%097d1' 0)
	t2=$(printf 'rb%097d2' 0)
	per=$((nparts / 2))
	admin "create $t1 $per" >/dev/null
	admin "create $t2 $per" >/dev/null
	if ! described "$t1" $per || ! described "$t2" $per; then
		fail "the broker cannot describe a topic of $per partitions either"
	fi
	topics="$t1 $t2"
	layout="two topics of $per partitions (100-character names \`rb0...01\`, \`rb0...02\`), because this broker closes the connection on a Metadata request for a topic of $nparts partitions (see the note below the table)"
	say "Metadata of a $nparts-partition topic fails; using $layout"
fi

# ---- producers: one record per partition every tick_ms ----
k=0
for t in $topics; do
	k=$((k + 1))
	mkfifo "$work/prod$k.fifo"
	"$fcat" -P -b "$addr" -t "$t" -K : --linger-ms 2 <"$work/prod$k.fifo" \
	    >/dev/null 2>"$work/prod$k.err" &
	prod_pids="$prod_pids $!"
	pids="$pids $!"
	"$gl" ticker -n "$per" -i "$tick_ms" >"$work/prod$k.fifo" &
	tick_pids="$tick_pids $!"
	pids="$pids $!"
done

producing() {
	for p in $prod_pids $tick_pids; do
		kill -0 "$p" 2>/dev/null || fail "a producer exited: $(cat "$work"/prod*.err)"
	done
}

# ---- members ----
# start_member NAME: flume-cat -G through group-load stamp into NAME.out;
# NAME.t0 gets the clock just before exec.  Sets member_pid.
start_member() {
	mkfifo "$work/$1.fifo"
	"$gl" stamp <"$work/$1.fifo" >"$work/$1.out" &
	pids="$pids $!"
	# shellcheck disable=SC2086
	sh -c '"$0" now >"$1"; shift; exec "$@"' "$gl" "$work/$1.t0" \
	    "$fcat" -G "$group" -b "$addr" --session-ms $session_ms --heartbeat-ms $hb_ms \
	    --commit-ms $commit_ms --rebalance-ms $rebalance_ms -o end -f 'r %t %p %o\n' \
	    $topics >"$work/$1.fifo" 2>&1 &
	member_pid=$!
	pids="$pids $member_pid"
}

# analyze T0 WANT NMEMBERS FILE...: the first FILE's first assignment line
# after T0 names the generation when WANT is 0.  A record a member prints
# after its assignment line of that generation is from a partition it was
# given in it (flume-cat fetches only its current assignment, one request
# at a time), so the partition list of the line is not needed (flume-cat
# cuts long lines, and the fallback topic names are long).  Prints
#   done GEN ASSIGNED_MS MEMBERS_MS PARTITIONS_MS     or     pending GEN ...
analyze() {
	a_t0=$1 a_want=$2 a_nm=$3
	shift 3
	awk -v t0="$a_t0" -v want="$a_want" -v nm="$a_nm" -v np="$nparts" '
	$1 !~ /^[0-9]+$/ || $1 + 0 < t0 { next }
	/ generation [0-9]+: assigned/ {
		g = $0; sub(/.* generation /, "", g); sub(/:.*/, "", g); g += 0
		if (want == 0) want = g
		if (g != want || (FILENAME in tg)) next
		tg[FILENAME] = $1
		next
	}
	$2 == "r" && (FILENAME in tg) {
		if (!(FILENAME in tc)) tc[FILENAME] = $1
		k = $3 ":" $4
		if (!(k in tp) || $1 < tp[k]) tp[k] = $1
	}
	function maxof(a,   k, m) { m = 0; for (k in a) if (a[k] > m) m = a[k]; return m }
	function count(a,   k, n) { n = 0; for (k in a) n++; return n }
	END {
		if (count(tg) == nm && count(tc) == nm && count(tp) == np)
			printf "done %d %.1f %.1f %.1f\n", want, (maxof(tg) - t0) / 1e6,
			    (maxof(tc) - t0) / 1e6, (maxof(tp) - t0) / 1e6
		else
			printf "pending %d assigned %d/%d members %d/%d partitions %d/%d\n",
			    want, count(tg), nm, count(tc), nm, count(tp), np
	}' "$@"
}

# cut NAME...: copy each NAME.out from its saved offset into NAME.cut
save_offsets() { for n in "$@"; do wc -c <"$work/$n.out" >"$work/$n.off"; done; }
cut_files() {
	cut_list=""
	for n in "$@"; do
		tail -c +"$(($(cat "$work/$n.off") + 1))" "$work/$n.out" >"$work/$n.cut"
		cut_list="$cut_list $work/$n.cut"
	done
}

# wait_stable N NAME...: the group Stable with N members, and all of them
# consuming every partition in that generation (lines after the offsets).
wait_stable() {
	ws_n=$1
	shift
	ws_i=0
	while :; do
		ws_i=$((ws_i + 1))
		[ $ws_i -le $((wait_s * 10)) ] || fail "group not stable with $ws_n members after $wait_s s: $(admin groups | grep "^$group	" || true); $res"
		sleep 0.1
		producing
		gen=$(admin groups | awk -F'\t' -v g="$group" -v n="$ws_n" \
		    '$1 == g && $2 == "Stable" && $6 == n { print $3 }')
		[ -n "$gen" ] || { res="not Stable"; continue; }
		cut_files "$@"
		# shellcheck disable=SC2086
		res=$(analyze 0 "$gen" "$ws_n" $cut_list)
		case $res in done*) return 0 ;; esac
	done
}

names=""
for i in 1 2 3 4 5 6 7 8 9; do
	start_member "m$i"
	echo 0 >"$work/m$i.off"
	names="$names m$i"
done
say "broker $addr; $layout; 9 members starting (3 s initial rebalance delay)"
# shellcheck disable=SC2086
wait_stable 9 $names

# The 9 members' heartbeats run in step (their last SyncGroup answers went
# out together), and a new member's wait depends on where in that cycle it
# joins: settle 1 s plus a random part of one heartbeat interval, so the
# runs sample the cycle instead of hitting one phase of it every time.
settle() {
	sleep "$(od -An -N2 -tu2 /dev/urandom | awk -v h="$hb_ms" '{ printf "%.3f", 1 + ($1 / 65536) * h / 1000 }')"
}
settle

results=""
r=0
while [ $r -lt "$reps" ]; do
	r=$((r + 1))
	# shellcheck disable=SC2086
	save_offsets $names
	start_member "n$r"
	new_pid=$member_pid
	echo 0 >"$work/n$r.off"
	w=0
	while :; do
		w=$((w + 1))
		[ $w -le $((wait_s * 20)) ] || fail "rebalance $r: not done after $wait_s s: $res"
		sleep 0.05
		producing
		[ -s "$work/n$r.t0" ] || continue
		# shellcheck disable=SC2086
		cut_files "n$r" $names
		# shellcheck disable=SC2086
		res=$(analyze "$(cat "$work/n$r.t0")" 0 $members $cut_list)
		case $res in done*) break ;; esac
	done
	# shellcheck disable=SC2086
	set -- $res
	say "rebalance $r: generation $2: assigned in $3 ms, members consuming in $4 ms, all partitions in $5 ms"
	results="$results$2 $3 $4 $5
"
	# the 10th leaves; the 9 take its partitions back
	# shellcheck disable=SC2086
	save_offsets $names
	kill -TERM "$new_pid"
	wait "$new_pid" || true
	# shellcheck disable=SC2086
	wait_stable 9 $names
	settle
done

# ---- stop the members and producers, then the commit load ----
for t in $tick_pids; do kill "$t" 2>/dev/null || true; done
for p in $pids; do
	[ "$p" = "$serve_pid" ] && continue
	kill "$p" 2>/dev/null || true
done
for p in $pids; do
	[ "$p" = "$serve_pid" ] && continue
	wait "$p" 2>/dev/null || true
done
pids=$serve_pid

have_perf=0
if command -v perf >/dev/null 2>&1 &&
    perf stat -e syscalls:sys_enter_fdatasync -x, -o /dev/null -p "$serve_pid" true >/dev/null 2>&1; then
	have_perf=1
fi
clk=$(getconf CLK_TCK)
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# commit_run MODE EXTRA...: group-load commit into $work/MODE.kv
commit_run() {
	cr_mode=$1
	shift
	if [ $have_perf -eq 1 ]; then
		perf stat -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -x, \
		    -o "$work/$cr_mode.perf" -p "$serve_pid" &
		perf_pid=$!
		pids="$pids $perf_pid"
	fi
	c0=$(cpu_ticks "$serve_pid")
	t0=$("$gl" now)
	"$gl" commit -b "$addr" -t rb -n "$nparts" -m "$cr_mode" -c 100 -d "$secs" -w 1 "$@" \
	    >"$work/$cr_mode.kv" 2>"$work/$cr_mode.err" ||
	    fail "group-load commit -m $cr_mode failed: $(tail -3 "$work/$cr_mode.err")"
	t1=$("$gl" now)
	c1=$(cpu_ticks "$serve_pid")
	syncs=n/a
	if [ $have_perf -eq 1 ]; then
		kill -INT "$perf_pid"
		wait "$perf_pid" || true
		syncs=$(awk -F, '$3 ~ /sys_enter_f(data)?sync/ { n += $1 } END { print n + 0 }' \
		    "$work/$cr_mode.perf")
	fi
	# fsyncs and broker CPU: over the group-load run less its joining phase
	ready_ns=$(awk -F'\t' '$1 == "ready_s" { printf "%d", $2 * 1e9 }' "$work/$cr_mode.kv")
	printf 'syncs\t%s\nrun_ns\t%s\ncpu_ticks\t%s\n' "$syncs" "$((t1 - t0 - ready_ns))" \
	    "$((c1 - c0))" >>"$work/$cr_mode.kv"
}
kv() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$work/$2.kv"; }

say "baseline: write + fdatasync of one commit's batch, 3 s"
"$gl" rawsync -D "$work" -t rb -s 3 | sed 's/^rawsync_only/rawsync_before/' >"$work/raw.kv"
say "commit load: 100 joined members, $secs s"
commit_run joined -g 1
say "commit load: 100 standalone committers, $secs s"
commit_run standalone
say "baseline again, 3 s"
"$gl" rawsync -D "$work" -t rb -s 3 | sed 's/^rawsync_only/rawsync_after/' >>"$work/raw.kv"

# ---- the report ----
stats() {	# column N of results: min median max
	printf '%s' "$results" | awk -v c="$1" 'NF { print $c }' | sort -n | awk '
	{ v[NR] = $1 } END { printf "%s %s %s\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
}
# shellcheck disable=SC2046
set -- $(stats 4)
p_min=$1 p_med=$2 p_max=$3
# shellcheck disable=SC2046
set -- $(stats 3)
m_min=$1 m_med=$2 m_max=$3
# shellcheck disable=SC2046
set -- $(stats 2)
a_min=$1 a_med=$2 a_max=$3
beyond_max=$(awk -v x="$p_max" -v h="$hb_ms" 'BEGIN { printf "%.1f", x - h }')
beyond_med=$(awk -v x="$p_med" -v h="$hb_ms" 'BEGIN { printf "%.1f", x - h }')
rb_met=$(awk -v x="$beyond_max" 'BEGIN { print (x < 1000 ? "met" : "missed") }')

j_rate=$(kv commits_per_s joined)
s_rate=$(kv commits_per_s standalone)
c_met=$(awk -v x="$j_rate" -v y="$s_rate" 'BEGIN { print (x >= 50000 && y >= 50000 ? "met" : (x >= 50000 || y >= 50000 ? "met for one mode only" : "missed")) }')
per_sync() {
	s=$(kv syncs "$1")
	[ "$s" = n/a ] || [ "$s" -eq 0 ] && { echo n/a; return; }
	awk -v c="$(kv commits_total "$1")" -v s="$s" -v ns="$(kv run_ns "$1")" \
	    'BEGIN { printf "%d fdatasync/s, %.1f commits per fdatasync", s / (ns / 1e9), c / s }'
}
cpu_pct() {
	awk -v t="$(kv cpu_ticks "$1")" -v hz="$clk" -v ns="$(kv run_ns "$1")" \
	    'BEGIN { printf "%.1f%%", 100 * t / hz / (ns / 1e9) }'
}
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
fs=$(df -PT bench/out | awk 'NR == 2 { print $2 " on " $1 }')

sec="$work/section.md"
{
	echo '<!-- bench-groups:begin -->'
	# shellcheck disable=SC2016
	echo '## Consumer groups (`make bench-groups`)'
	echo
	echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); flume $rev"
	echo "- Machine: \`$(uname -srvm)\`; CPU: $cpu ($(nproc) online)"
	echo "- Data: scratch directory under \`bench/out\` ($fs), removed afterwards; one flume-serve, everything on 127.0.0.1, ephemeral ports."
	echo
	echo "### Rebalance: a 10th member joins 9 (10 members, 100 partitions)"
	echo
	echo "Group \`$group\` over $layout. Members: \`flume-cat -G $group --session-ms $session_ms --heartbeat-ms $hb_ms --commit-ms $commit_ms --rebalance-ms $rebalance_ms -o end\`. A record goes to every partition every $tick_ms ms all along (\`group-load ticker\` into \`flume-cat -P\`); every member's output lines are timestamped as they arrive (\`group-load stamp\`). Time 0 is the 10th member's start (the clock read just before exec). $reps runs; between runs the 10th member is stopped (SIGTERM: commit, LeaveGroup) and the 9 settle again."
	echo
	echo "| time from the 10th member's start until | min ms | median ms | max ms |"
	echo "|---|---:|---:|---:|"
	echo "| all 10 members printed the new generation's assignment | $a_min | $a_med | $a_max |"
	echo "| every member printed a record after its assignment | $m_min | $m_med | $m_max |"
	echo "| **every one of the 100 partitions printed by its new owner** | **$p_min** | **$p_med** | **$p_max** |"
	echo
	echo "Runs (generation, assigned, members, partitions in ms): $(printf '%s' "$results" | awk 'NF { printf "%s%s: %s / %s / %s", sep, $1, $2, $3, $4; sep = "; " }')."
	echo
	echo "Configured delays: session timeout $session_ms ms and rebalance timeout $rebalance_ms ms (they only matter when a member fails to heartbeat or rejoin: not here); the broker's 3000 ms initial rebalance delay applies to a group that starts empty (not here: 9 members); heartbeat interval $hb_ms ms, which is how late a member may learn that a rebalance began. Subtracted: one heartbeat interval, $hb_ms ms, from the partitions figure: median $beyond_med ms, max $beyond_max ms (negative: the whole rebalance fit inside one heartbeat interval). The 9 members got their previous assignment in the same SyncGroup round, so their heartbeats run in step, and where the 10th member starts within that $hb_ms ms cycle sets most of the spread; each run starts it 1 s plus a random 0-$hb_ms ms after the 9 were stable, to sample that cycle. Target: under 1000 ms beyond the configured delays (judged on the max): **$rb_met**."
	echo
	if [ "$topics" != rb ]; then
		echo "Broker issue met on the way: a Metadata request naming a topic of $nparts partitions (\`flume-cat -L -t rb\`, and every flume-cat -P/-C/-G start) makes flume-serve close the connection. The handler allocates the answer's partition array from the request's arena (\`fill_topic()\`/\`h_metadata()\` in flume-serve/kafka.c), which \`FL_KP_ARENA_BYTES(n)\` (libcommon/kproto.h) caps at 16 bytes per request byte plus 4096: a 32-byte request allows about 70 partitions of 64 bytes. Answers should not be sized by the request; allocate them from a separate, per-answer allowance."
		echo
	fi
	echo "### Offset commits: 100 concurrent committing members"
	echo
	echo "\`group-load commit\`: 100 TCP connections on one epoll loop, each sending OffsetCommit v7 for one partition (one \`__consumer_offsets\` record per commit; records/s = commits/s) and waiting for the answer before the next (no pipelining). The broker answers only after the fdatasync round that made the commit durable, so every counted commit is durable. $secs s measured after 1 s of warm-up; latency from the request's write to its whole answer read, exact percentiles."
	echo
	echo "| mode | commits/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | broker fsyncs | broker CPU |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|---:|"
	for mode in joined standalone; do
		case $mode in
		joined) what="joined: 1 group of 100 members, generation and member id" ;;
		standalone) what="standalone: 100 Empty groups, generation -1, member \"\"" ;;
		esac
		echo "| $what | **$(kv commits_per_s $mode)** | $(kv commit_p50_ms $mode) | $(kv commit_p99_ms $mode) | $(kv commit_p999_ms $mode) | $(kv commit_max_ms $mode) | $(kv errors $mode) | $(per_sync $mode) | $(cpu_pct $mode) |"
	done
	echo
	echo "Baseline, same run, same directory: write(2) of the $(kv rawsync_before_bytes raw)-byte batch the broker appends for one commit, then fdatasync(2), in a loop for 3 s: $(kv rawsync_before_per_s raw)/s before (p50 $(kv rawsync_before_p50_ms raw) ms, p99 $(kv rawsync_before_p99_ms raw) ms) and $(kv rawsync_after_per_s raw)/s after (p50 $(kv rawsync_after_p50_ms raw) ms, p99 $(kv rawsync_after_p99_ms raw) ms). Joined commits/s against the fsync rate before: $(awk -v a="$j_rate" -v b="$(kv rawsync_before_per_s raw)" 'BEGIN { printf "%.2fx", a / b }') (group commit: one fdatasync covers many commits)."
	echo
	echo "Target: 50,000 durable commits/s or more: **$c_met** (joined $j_rate/s, standalone $s_rate/s). Broker fsyncs: fdatasync(2)+fsync(2) of the broker (both threads) counted with \`perf stat\` over each group-load run, per second of it after every member joined (\`ready_s\`), and against every commit acknowledged in it (warm-up and drain included); broker CPU: user+system over the same time, 100% = one core."
	echo '<!-- bench-groups:end -->'
} >"$sec"

res_md=bench/RESULTS.md
[ -f "$res_md" ] || printf '# flume benchmark results\n' >"$res_md"
if grep -q '^<!-- bench-groups:begin -->' "$res_md"; then
	awk -v f="$sec" '
	/^<!-- bench-groups:begin -->/ { while ((getline l < f) > 0) print l; skip = 1; next }
	/^<!-- bench-groups:end -->/ { skip = 0; next }
	!skip { print }' "$res_md" >"$work/results.new"
else
	{ cat "$res_md"; echo; cat "$sec"; } >"$work/results.new"
fi
cat "$work/results.new" >"$res_md"
cat "$sec"
