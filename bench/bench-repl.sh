#!/bin/sh
# bench-repl.sh FLUME_LOAD BINDIR: the replication benchmark (issue 10), run
# by `make bench` after bench.sh and alone by `make bench-repl`.
#
# Runs from the repository root, in a scratch directory under bench/out (on
# the repository's disk, never tmpfs), with every broker on 127.0.0.1 on an
# ephemeral port.  It starts a three-node cluster (BINDIR/flume-serve
# --node-id 1..3, each told the others with the admin verb `brokers`;
# broker 1 leads partition 0 of each topic with replicas and ISR 1,2,3,
# brokers 2 and 3 follow it, see flume-admin(7)) and, as the baseline, a
# one-node broker (no broker list), and measures in one run:
#
#   unbatched  the unbatched case of bench.sh (500 connections, one
#              100-byte record per Produce, acks=-1) against the cluster's
#              leader and against the one-node broker;
#   batched    the batched case of bench.sh (4 producers x 2 in flight,
#              batches of 16 KiB to 1 MiB, acks=-1), likewise;
#   lag        while each cluster run lasts, `partition TOPIC 0` on the
#              leader's admin socket every 100 ms: per follower the
#              records behind (log_end - fetch_offset, the fetch offset
#              being what the follower holds durably), that many records
#              in bytes (times the run's average batch bytes per record),
#              and the leader's lag_ms (how long since the follower was
#              last caught up: it held the leader's log end, or at its
#              next fetch all the leader had at the previous one);
#   catch-up   broker 3 is stopped (SIGTERM), about 1 GiB of 1 MiB batches
#              is produced to topic catchup with acks=1 (broker 2 keeps
#              following and is let catch up), then broker 3 is started
#              again on its data directory, where it resumes following:
#              the time from its start until broker 3's
#              `partition catchup 0` shows the leader's log_end; against
#              the time sendfile(2) takes to move the same segment files
#              to a loopback socket (flume-load rawsendfile, 10 MiB chunks
#              like a follower's fetches, page cache warm like the
#              leader's), measured before and after the catch-up.  As
#              context, write(2)+fdatasync(2) of 10 MiB batches
#              (flume-load rawsync) in the same directory.
#
# The throughput cases alternate: one-node, cluster, one-node, cluster,
# FLUME_BENCH_SECS/2 s each after a 1 s warm-up, so a burst of outside load
# hits both; the figures are over both halves.  The one-node broker is
# sampled the same way as the leader, so the sampling costs both alike.
# Target (issue 10): the cluster at >= 50% of the one-node rate, with p99
# reported.  CPU: user+system time of the brokers (and their flume-repl
# children), 100% = one core.
#
# It writes its section of bench/RESULTS.md (between the bench-repl:begin
# and bench-repl:end markers; other sections are kept) and ends by printing
# one tab-separated table: case unit flume baseline ratio target p50_ms
# p99_ms lag_p99_records lag_p99_bytes lag_p99_ms (for catchup: seconds,
# the ratio being catch-up time over raw sendfile time).  Every process it starts is killed by PID from a
# trap, and the scratch directory is removed, on every exit path (kept,
# for a look at the brokers' logs, when FLUME_BENCH_KEEP is set).
# FLUME_BENCH_SECS (default 10) sets each case's measured seconds per side.
# Exit: 0 ran (targets met or not), 64 usage, 69 a run failed, 130 interrupted.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/bench-repl.sh FLUME_LOAD BINDIR" >&2
	exit 64
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
load=$(abspath "$1")
serve=$(abspath "$2")/flume-serve
repl=$(abspath "$2")/flume-repl
cd "$(dirname "$0")/.."
root=$PWD
secs=${FLUME_BENCH_SECS:-10}
case $secs in '' | *[!0-9]*) echo "bench-repl: FLUME_BENCH_SECS must be a number" >&2; exit 64 ;; esac
[ "$secs" -ge 2 ] || secs=2
half=$(( (secs + 1) / 2 ))
for f in "$load" "$serve" "$repl"; do
	[ -x "$f" ] || { echo "bench-repl: $f: not built" >&2; exit 64; }
done
# flume-serve starts flume-repl from PATH or beside itself; make sure it is ours
PATH=$(dirname "$serve"):$PATH
export PATH

say() { printf 'bench-repl: %s\n' "$*" >&2; }
fail() { say "$*"; exit 69; }

# shellcheck disable=SC3045 # dash and bash both have ulimit -n
ulimit -n 4096 2>/dev/null || true
catchup_bytes=1073741824	# 1 GiB of batches
catchup_wait_s=180

# ---- scratch directory, cleanup, helpers (bench/lib.sh) ----
bench_name=bench-repl
. bench/lib.sh
bench_scratch
# milliseconds as seconds, truncated to three decimals
ms2s() { awk -v x="$1" 'BEGIN { if (x == "n/a" || x == "") print "n/a"; else printf "%.3f\n", int(x) / 1000 }'; }
now_ms() { date +%s%3N; }
clk_tck=$(getconf CLK_TCK)

# admin SOCK WORDS...: one admin command; prints the reply, fails unless ok
admin() { "$load" admin "$@"; }
# field SOCK TOPIC KEY: one value of `partition TOPIC 0`
field() { admin "$1" partition "$2" 0 2>/dev/null | awk -F'\t' -v k="$3" '$1 == k { print $2 }'; }
# follower_off SOCK TOPIC ID: follower ID's fetch offset on the leader
follower_off() { admin "$1" partition "$2" 0 2>/dev/null | awk -F'\t' -v i="$3" '$1 == "follower" && $2 == i { print $3 }'; }

# cputicks PID...: user+system clock ticks of PIDs and of their children
cputicks() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pids=" $* " '{
	    pid = $1; sub(/^.*\) /, "")		# after "(comm) ": state ppid ...
	    if (index(pids, " " pid " ") || index(pids, " " $2 " ")) t += $12 + $13 }
	    END { printf "%.0f\n", t }'
}

# start_broker NAME ARGS...: flume-serve on $W/NAME (data), port 0; sets
# bpid and baddr.  Its stderr is appended to $W/NAME.log.
start_broker() {
	n=$1
	shift
	rm -f "$W/$n.ready"
	run_bg "$serve" --data "$W/$n" --listen 127.0.0.1:0 --ready-fd 5 "$@" \
	    5>"$W/$n.ready" 2>>"$W/$n.log"
	bpid=$bgpid
	i=0
	while ! [ -s "$W/$n.ready" ]; do
		kill -0 "$bpid" 2>/dev/null || { cat "$W/$n.log" >&2; fail "flume-serve $n exited"; }
		[ $i -lt 500 ] || fail "flume-serve $n not ready after 10 s"
		sleep 0.02
		i=$((i + 1))
	done
	baddr=$(head -n 1 "$W/$n.ready")
	case $baddr in 127.0.0.1:*) ;; *) fail "flume-serve $n announced '$baddr'" ;; esac
}

# ---- brokers: the one-node baseline and the three-node cluster ----
say "scratch directory $W"
start_broker single
s_pid=$bpid s_addr=$baddr s_adm=$W/single/admin.sock
say "one-node flume-serve $s_pid on $s_addr"
start_broker n1 --node-id 1
pid1=$bpid addr1=$baddr adm1=$W/n1/admin.sock
start_broker n2 --node-id 2
pid2=$bpid addr2=$baddr adm2=$W/n2/admin.sock
start_broker n3 --node-id 3
pid3=$bpid addr3=$baddr adm3=$W/n3/admin.sock
# tell_brokers: every broker of the cluster learns every address
tell_brokers() {
	for a in "$adm1" "$adm2" "$adm3"; do
		[ -S "$a" ] || continue
		admin "$a" brokers "1=$addr1" "2=$addr2" "3=$addr3" >/dev/null || return 1
	done
}
tell_brokers || fail "a broker refused its broker list"
say "cluster: flume-serve $pid1 (leader) on $addr1, $pid2 on $addr2, $pid3 on $addr3"
for t in unbatched batched catchup; do
	admin "$adm1" lead "$t" 0 1 1,2,3 1,2,3 >/dev/null || fail "lead $t 0 on node 1 refused"
	admin "$adm2" follow "$t" 0 1 1 1,2,3 >/dev/null || fail "follow $t 0 on node 2 refused"
	admin "$adm3" follow "$t" 0 1 1 1,2,3 >/dev/null || fail "follow $t 0 on node 3 refused"
	admin "$s_adm" create "$t" 1 >/dev/null || fail "create $t on the one-node broker refused"
done
# both followers fetching before any load
i=0
until [ "$(follower_off "$adm1" catchup 2)" = 0 ] && [ "$(follower_off "$adm1" catchup 3)" = 0 ]; do
	[ $i -lt 500 ] || fail "followers did not start fetching in 10 s"
	sleep 0.02
	i=$((i + 1))
done

# sampler SOCK TOPIC SECS OUT PID...: after the 1 s warm-up, `partition
# TOPIC 0` every 100 ms for SECS s into OUT as "S ms log_end hw proposed
# id:offset:lag_ms..." lines, and the CPU ticks of PIDs (and children)
# over that window as a "C ms0 ticks0 ms1 ticks1" line.
sampler() {
	sock=$1 topic=$2 dur=$3 out=$4
	shift 4
	sleep 1
	c0=$(cputicks "$@")
	t0=$(now_ms)
	end=$((t0 + dur * 1000 - 100))
	: >"$out.s"
	t=$t0
	while [ "$t" -lt "$end" ]; do
		admin "$sock" partition "$topic" 0 2>/dev/null | awk -F'\t' -v t="$t" '
		    $1 == "log_end" { le = $2 } $1 == "hw" { hw = $2 } $1 == "proposed_isr" { pi = $2 }
		    $1 == "follower" { f = f " " $2 ":" $3 ":" $4 }
		    END { print "S", t, le, hw, pi f }' >>"$out.s"
		sleep 0.1
		t=$(now_ms)
	done
	c1=$(cputicks "$@")
	t1=$(now_ms)
	echo "C $t0 $c0 $t1 $c1" >>"$out.s"
	mv "$out.s" "$out"
}

# produce_run OUT ADDR SOCK PID TOPIC PIDS -- FLUME-LOAD ARGS...: one half
# of a case with the sampler alongside.  flume-load exits 65 when the
# broker answered errors: those are counted, not fatal.
produce_run() {
	out=$1 addr=$2 sock=$3 ppid=$4 topic=$5 cpids=$6
	shift 7
	# shellcheck disable=SC2086
	run_bg sampler "$sock" "$topic" "$half" "$out.samples" $cpids
	smp=$bgpid
	st=0
	run_fg "$load" produce -b "$addr" -t "$topic" "$@" -w 1 -d "$half" \
	    -A "$sock" -P "$ppid" -H "$out.hist" >"$out" 2>"$out.err" || st=$?
	wait "$smp" || fail "$topic: the lag sampler failed"
	forget "$smp"
	case $st in
	0) ;;
	65) [ "$(kv "$out" errors)" != n/a ] || { cat "$out.err" >&2; fail "$topic: flume-load failed"; }
	    say "$topic: $(kv "$out" errors) errors (first: code $(kv "$out" first_error_code))" ;;
	*) cat "$out.err" >&2; fail "$topic: flume-load failed ($st)" ;;
	esac
}

# one_case NAME TOPIC FLUME-LOAD ARGS...: one-node, cluster, one-node, cluster
one_case() {
	name=$1 topic=$2
	shift 2
	for h in 1 2; do
		say "$name $h/2: one-node broker, ${half} s"
		produce_run "$W/$name.s$h" "$s_addr" "$s_adm" "$s_pid" "$topic" "$s_pid" -- "$@"
		say "$name $h/2: three replicas, acks=all, ${half} s"
		produce_run "$W/$name.c$h" "$addr1" "$adm1" "$pid1" "$topic" "$pid1 $pid2 $pid3" -- "$@"
	done
}

# ---- (a) unbatched, (b) batched ----
one_case unbatched unbatched -c 500 -r 1 -s 100 -a -1
one_case batched batched -c 4 -i 2 -B 16384,65536,262144,1048576 -s 100 -a -1
# free the one-node broker's copy (the cluster keeps its own until the end)
admin "$s_adm" delete batched >/dev/null || say "could not delete topic batched on the one-node broker"

# ---- (c) catch-up of a follower 1 GiB behind ----
say "catch-up: stopping broker 3"
stop_pid "$pid3"
forget "$pid3"
say "catch-up: producing $catchup_bytes bytes of 1 MiB batches to catchup-0, acks=1"
run_fg "$load" produce -b "$addr1" -t catchup -c 4 -i 2 -B 1048576 -s 100 -a 1 \
    -n "$catchup_bytes" >"$W/fill" 2>"$W/fill.err" || { cat "$W/fill.err" >&2; fail "catch-up fill failed"; }
c_end=$(field "$adm1" catchup log_end)
case $c_end in '' | 0 | *[!0-9]*) fail "catch-up: leader's log end '$c_end'" ;; esac
# broker 2 catches up first, so only broker 3 copies while it is timed
i=0
until [ "$(follower_off "$adm1" catchup 2)" = "$c_end" ]; do
	[ $i -lt $((catchup_wait_s * 20)) ] || fail "catch-up: broker 2 did not catch up in $catchup_wait_s s"
	sleep 0.05
	i=$((i + 1))
done
segs=$(ls "$W"/n1/catchup-0/*.log)
# shellcheck disable=SC2086
c_bytes=$(stat -c %s $segs | awk '{ t += $1 } END { printf "%.0f\n", t }')
rawargs="-m 10485760 -d 3"
say "catch-up: raw sendfile of the $c_bytes bytes of segment files, 3 s"
# shellcheck disable=SC2086
run_fg "$load" rawsendfile $rawargs $segs >"$W/raw1" || fail "rawsendfile failed"
# context, not the baseline: what a follower's disk work alone costs, write(2)
# + fdatasync(2) of batches the size of one 10-batch fetch (95200 records)
say "catch-up: raw write+fdatasync of 10 MiB batches, 2 s"
run_fg "$load" rawsync -r 95200 -s 100 -d 2 "$W" >"$W/rawsync" || fail "rawsync failed"
say "catch-up: restarting broker 3 ($c_end records behind)"
r_t0=$(now_ms)
start_broker n3 --node-id 3
pid3=$bpid addr3=$baddr
r_ready=$(now_ms)
t_b3="" t_lead="" last3=0 le3="" f3=""
while :; do
	t=$(now_ms)
	[ -n "$t_b3" ] || { le3=$(field "$adm3" catchup log_end); [ "$le3" != "$c_end" ] || t_b3=$t; }
	[ -n "$t_lead" ] || { f3=$(follower_off "$adm1" catchup 3); [ "$f3" != "$c_end" ] || t_lead=$t; }
	[ -n "$le3" ] && last3=$le3
	[ -z "$t_b3" ] || [ -z "$t_lead" ] || break
	[ $((t - r_t0)) -lt $((catchup_wait_s * 1000)) ] || break
	sleep 0.05
done
say "catch-up: raw sendfile again, 3 s"
# shellcheck disable=SC2086
run_fg "$load" rawsendfile $rawargs $segs >"$W/raw2" || fail "rawsendfile failed"
# the copy equals the leader's log (both durable up to c_end now)
dg1=$(admin "$adm1" digest catchup 0 0 "$c_end" 2>/dev/null | awk -F'\t' '$1 == "digest" { print $2 }')
dg3=$(admin "$adm3" digest catchup 0 0 "$c_end" 2>/dev/null | awk -F'\t' '$1 == "digest" { print $2 }')
if [ -z "$dg1" ] || [ -z "$dg3" ]; then
	digest_note="digest not available (leader '${dg1:-none}', broker 3 '${dg3:-none}')"
elif [ "$dg1" = "$dg3" ]; then
	digest_note="\`digest catchup 0 0 $c_end\` equal on brokers 1 and 3"
else
	digest_note="DIGESTS DIFFER: leader $dg1, broker 3 $dg3"
	say "catch-up: $digest_note"
fi
# every broker learns broker 3's new address (tidiness: nothing here needs it)
tell_brokers || say "a broker refused the new broker list"
for p in $s_pid $pid3 $pid2 $pid1; do	# followers first
	stop_pid "$p"
	forget "$p"
done

# ---- figures ----
# rate2 A B KEY: (KEY of A + KEY of B) / (window_s of A + window_s of B)
rate2() {
	awk -v a="$(kv "$1" "$3")" -v b="$(kv "$2" "$3")" \
	    -v wa="$(kv "$1" window_s)" -v wb="$(kv "$2" window_s)" \
	    'BEGIN { if (wa + wb > 0) printf "%.0f\n", int((a + b) / (wa + wb)); else print "n/a" }'
}
# cpu_pct SAMPLES...: CPU of the sampled PIDs over the sampling windows, %
cpu_pct() {
	awk -v hz="$clk_tck" '$1 == "C" { ticks += $5 - $3; ms += $4 - $2 }
	    END { if (ms > 0) printf "%.1f\n", int(1000 * ticks / hz / (ms / 1000)) / 10; else print "n/a" }' "$@"
}
# pcts: nearest-rank p50, p99 and max of numbers on stdin ("n/a n/a n/a" if none)
pcts() {
	sort -n | awk '{ v[NR] = $1 }
	    END { if (NR == 0) { print "n/a n/a n/a"; exit }
	          a = int((NR * 50 + 99) / 100); b = int((NR * 99 + 99) / 100)
	          printf "%.0f %.0f %.0f\n", v[a], v[b], v[NR] }'
}
# lag_vals WHAT [ID] SAMPLES...: per sample and follower (all, or ID), the
# records behind (WHAT=rec) or the leader's lag_ms (WHAT=ms)
lag_vals() {
	what=$1 id=$2
	shift 2
	awk -v what="$what" -v id="$id" '$1 == "S" {
	    for (i = 6; i <= NF; i++) {
	        split($i, f, ":")
	        if (id != "" && f[1] != id) continue
	        if (what == "ms") print f[3]
	        else { r = (f[2] < 0) ? $3 : $3 - f[2]; if (r < 0) r = 0; print r }
	    } }' "$@"
}
nsamples() { awk '$1 == "S" { n++ } END { print n + 0 }' "$@"; }
# mul A B: A * B truncated ("n/a" if either is)
mul() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else printf "%.0f\n", int(a * b) }'; }
# per_rec OUT...: batch bytes per record over the runs (two decimals, truncated)
per_rec() {
	for f in "$@"; do printf '%s %s\n' "$(kv "$f" batch_bytes_all)" "$(kv "$f" records_all)"; done |
	    awk '{ b += $1; r += $2 } END { if (r > 0) printf "%.2f\n", int(100 * b / r) / 100; else print "n/a" }'
}
errs2() { awk -v a="$(kv "$1" errors)" -v b="$(kv "$2" errors)" 'BEGIN { print a + b }'; }
# the last proposed ISR the leader showed in a run
last_prop() { awk '$1 == "S" { p = $5 } END { print (p == "" ? "n/a" : p) }' "$@"; }

# case_figs CASE: the figures of one throughput case, as "key<TAB>value"
case_figs() {
	s1=$W/$1.s1 s2=$W/$1.s2 c1=$W/$1.c1 c2=$W/$1.c2
	"$load" hist "$s1.hist" "$s2.hist" >"$W/$1.s.hist.tsv"
	"$load" hist "$c1.hist" "$c2.hist" >"$W/$1.c.hist.tsv"
	single=$(rate2 "$s1" "$s2" records)
	clus=$(rate2 "$c1" "$c2" records)
	bpr=$(per_rec "$c1" "$c2")
	out() { printf '%s\t%s\n' "$1" "$2"; }
	out single "$single"
	out clus "$clus"
	out ratio "$(ratio "$clus" "$single")"
	for k in p50 p99 p999 max; do
		out "s_$k" "$(kv "$W/$1.s.hist.tsv" "latency_${k}_ms")"
		out "c_$k" "$(kv "$W/$1.c.hist.tsv" "latency_${k}_ms")"
	done
	out bpr "$bpr"
	# all three replicas write to this host's one disk
	out s_disk "$(mul "$single" "$(per_rec "$s1" "$s2")")"
	out c_disk1 "$(mul "$clus" "$bpr")"
	out c_disk "$(mul "$(mul "$clus" "$bpr")" 3)"
	out samples "$(nsamples "$c1.samples" "$c2.samples")"
	# shellcheck disable=SC2046 # three numbers
	set -- $(lag_vals rec "" "$c1.samples" "$c2.samples" | pcts)
	out rec50 "$1"; out rec99 "$2"; out recmax "$3"
	out b50 "$(mul "$1" "$bpr")"; out b99 "$(mul "$2" "$bpr")"; out bmax "$(mul "$3" "$bpr")"
	# shellcheck disable=SC2046
	set -- $(lag_vals ms "" "$c1.samples" "$c2.samples" | pcts)
	out ms50 "$1"; out ms99 "$2"; out msmax "$3"
	for id in 2 3; do
		# shellcheck disable=SC2046
		set -- $(lag_vals rec "$id" "$c1.samples" "$c2.samples" | pcts)
		out "f${id}_recmax" "$3"
		# shellcheck disable=SC2046
		set -- $(lag_vals ms "$id" "$c1.samples" "$c2.samples" | pcts)
		out "f${id}_msmax" "$3"
	done
	out s_cpu "$(cpu_pct "$s1.samples" "$s2.samples")"
	out c_cpu "$(cpu_pct "$c1.samples" "$c2.samples")"
	out s_err "$(errs2 "$s1" "$s2")"
	out c_err "$(errs2 "$c1" "$c2")"
	out prop "$(last_prop "$c1.samples" "$c2.samples")"
	out s_halves "$(trunc "$(kv "$s1" records_per_s)") and $(trunc "$(kv "$s2" records_per_s)")"
	out c_halves "$(trunc "$(kv "$c1" records_per_s)") and $(trunc "$(kv "$c2" records_per_s)")"
}
case_figs unbatched >"$W/unbatched.fig"
case_figs batched >"$W/batched.fig"
fig() { kv "$W/$1.fig" "$2"; }
verdict() {	# verdict CASE -> met / MISSED
	awk -v r="$(fig "$1" ratio)" -v e="$(fig "$1" c_err)" \
	    'BEGIN { print (r != "n/a" && r >= 0.5 && e == 0) ? "met" : "MISSED" }'
}
tgt=">=0.50x of one node"

# catch-up
raw_rate=$(rate2 "$W/raw1" "$W/raw2" bytes)
raw_ms=$(awk -v b="$c_bytes" -v r="$raw_rate" 'BEGIN { if (r > 0) printf "%.0f\n", int(1000 * b / r); else print "n/a" }')
if [ -n "$t_b3" ]; then
	cu_ms=$((t_b3 - r_t0))
	cu_ready_ms=$((t_b3 - r_ready))
	cu_rate=$(awk -v b="$c_bytes" -v ms="$cu_ms" 'BEGIN { printf "%.0f\n", int(b / (ms / 1000)) }')
else
	cu_ms=n/a cu_ready_ms=n/a cu_rate=n/a
	say "catch-up: broker 3 not caught up after $catchup_wait_s s (at $last3 of $c_end)"
fi
lead_ms=n/a
[ -z "$t_lead" ] || lead_ms=$((t_lead - r_t0))
cu_s=$(ms2s "$cu_ms")
raw_s=$(ms2s "$raw_ms")
cu_ratio=$(ratio "$cu_ms" "$raw_ms")
start_ms=$((r_ready - r_t0))
sync_rate=$(trunc "$(kv "$W/rawsync" bytes_per_s)")
sync_ms=$(awk -v b="$c_bytes" -v r="$sync_rate" 'BEGIN { if (r > 0) printf "%.0f\n", int(1000 * b / r); else print "n/a" }')

# ---- bench/RESULTS.md ----
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fsinfo=$(df -PT bench/out | awk 'NR == 2 { print $2 " on " $1 }')
# shellcheck disable=SC2154
{
	echo "<!-- bench-repl:begin -->"
	echo "## Replication benchmark (\`make bench-repl\`, also run by \`make bench\`)"
	echo
	echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); flume $rev"
	echo "- Machine: \`$(uname -srvm)\`; CPU: $cpu ($(nproc) online); RAM $mem"
	echo "- Data: scratch directory under \`bench/out\` ($fsinfo), removed afterwards; every broker on 127.0.0.1, ephemeral ports. The cluster is three flume-serve processes (node ids 1..3) on this one machine; broker 1 leads partition 0 of each topic with replicas and ISR 1,2,3, brokers 2 and 3 follow it (each through its flume-repl child). The baseline is a one-node flume-serve (no broker list), running alongside in the same run."
	echo "- Throughput cases: bench.sh's unbatched and batched loads, acks=-1 (all) on both sides; one-node and cluster alternate (one-node, cluster, one-node, cluster; ${half} s each after a 1 s warm-up), figures over both halves; rates truncated, never rounded up. p50/p99 per Produce request (first byte written to answer read), top of a log-linear bucket (<1.6% over)."
	echo
	echo "| case | 3 replicas, acks=all | one node, acks=all | ratio | target | met | p50 ms (3 / 1) | p99 ms (3 / 1) |"
	echo "|---|---:|---:|---:|---|---|---:|---:|"
	for c in unbatched batched; do
		echo "| $c (records/s) | $(fig $c clus) | $(fig $c single) | $(fig $c ratio) | $tgt | $(verdict $c) | $(fig $c c_p50) / $(fig $c s_p50) | $(fig $c c_p99) / $(fig $c s_p99) |"
	done
	echo
	echo "Follower lag under that load, sampled on the leader every 100 ms while the cluster's measured halves ran (\`partition TOPIC 0\`: records behind = log_end - fetch_offset, the fetch offset being what the follower holds durably; bytes = records x the run's average batch bytes per record; ms = the leader's lag_ms, how long since the follower was last caught up: it held the leader's log end, or at its next fetch all that the leader had at the previous one, Kafka's rule). Both followers' samples together, nearest-rank percentiles:"
	echo
	echo "| case | samples | records behind p50 / p99 / max | bytes behind p50 / p99 / max | lag ms p50 / p99 / max |"
	echo "|---|---:|---:|---:|---:|"
	for c in unbatched batched; do
		echo "| $c | $(fig $c samples) | $(fig $c rec50) / $(fig $c rec99) / $(fig $c recmax) | $(fig $c b50) / $(fig $c b99) / $(fig $c bmax) | $(fig $c ms50) / $(fig $c ms99) / $(fig $c msmax) |"
	done
	echo
	echo "Catch-up of a follower 1 GiB behind: broker 3 stopped (SIGTERM), $(kv "$W/fill" batch_bytes_all) bytes of 1 MiB batches ($c_end records) produced to \`catchup-0\` with acks=1 (broker 2 following and then let catch up), broker 3 started again on its data directory, where it resumes following. Timed from its start until its own \`partition catchup 0\` showed log_end $c_end, polled every 50 ms with two admin calls; its broker learns the copy's end from flume-repl's progress reports, at most every 100 ms. Baseline: \`flume-load rawsendfile -m 10485760\` of the leader's $c_bytes bytes of segment files to a loopback socket, 3 s before and 3 s after the catch-up, the time for one pass at that rate."
	echo
	echo "| case | follower catch-up s | raw sendfile s | ratio (catch-up / raw) | catch-up B/s | raw sendfile B/s |"
	echo "|---|---:|---:|---:|---:|---:|"
	echo "| catch-up, $c_bytes bytes | $cu_s | $raw_s | $cu_ratio | $cu_rate | $raw_rate |"
	echo
	echo "Context measured in the same run:"
	echo
	for c in unbatched batched; do
		echo "- $c: half rates one-node $(fig $c s_halves), cluster $(fig $c c_halves) records/s; CPU (user+system, 100% = one core) one-node broker $(fig $c s_cpu)%, the three brokers with their flume-repl children $(fig $c c_cpu)%; p99.9 cluster $(fig $c c_p999) ms, one-node $(fig $c s_p999) ms; max cluster $(fig $c c_max) ms, one-node $(fig $c s_max) ms; errors cluster $(fig $c c_err), one-node $(fig $c s_err); $(fig $c bpr) batch bytes per record; log bytes written to this host's one disk: one-node $(fig $c s_disk) B/s, cluster 3 x $(fig $c c_disk1) = $(fig $c c_disk) B/s (every replica writes and fdatasyncs its own copy, here on the same disk); most records behind: follower 2 $(fig $c f2_recmax), follower 3 $(fig $c f3_recmax) (most lag_ms $(fig $c f2_msmax) / $(fig $c f3_msmax)); the leader's proposed ISR at the last sample: $(fig $c prop) (committed: 1,2,3)."
	done
	echo "- catch-up: broker 3 ready (its --ready-fd) ${start_ms} ms after its start, caught up $(ms2s "$cu_ready_ms") s after that; the leader saw follower 3 fetch from the log end $(ms2s "$lead_ms") s after the start. Fill: $(trunc "$(kv "$W/fill" bytes_per_s)") B/s with broker 3 down. Raw sendfile $(trunc "$(kv "$W/raw1" bytes_per_s)") and $(trunc "$(kv "$W/raw2" bytes_per_s)") B/s before and after. Afterwards $digest_note."
	echo "- catch-up context: a follower fetches (up to 10 MiB), writes and fdatasyncs, and only then fetches again; write(2)+fdatasync(2) of $(kv "$W/rawsync" batch_bytes)-byte batches in the same directory ran at $sync_rate B/s ($(kv "$W/rawsync" syncs) syncs in $(kv "$W/rawsync" window_s) s), $(ms2s "$sync_ms") s for the $c_bytes bytes, so raw sendfile plus raw write+fdatasync, one after the other, take $(ms2s "$(awk -v a="$raw_ms" -v b="$sync_ms" 'BEGIN { if (a == "n/a" || b == "n/a") print "n/a"; else print a + b }')") s."
	echo
	echo "<!-- bench-repl:end -->"
} >"$W/section.md"
res=bench/RESULTS.md
[ -f "$res" ] || printf '# flume benchmark results\n' >"$res"
if grep -q '^<!-- bench-repl:begin -->$' "$res" && grep -q '^<!-- bench-repl:end -->$' "$res"; then
	awk -v sec="$W/section.md" '
	    $0 == "<!-- bench-repl:begin -->" { while ((getline l < sec) > 0) print l; skip = 1; next }
	    $0 == "<!-- bench-repl:end -->" { skip = 0; next }
	    !skip { print }' "$res" >"$res.tmp.$$"
else
	{ cat "$res"; echo; cat "$W/section.md"; } >"$res.tmp.$$"
fi
mv "$res.tmp.$$" "$res"
say "wrote $res"
say "targets: unbatched $(verdict unbatched), batched $(verdict batched)"

# ---- the table ----
# shellcheck disable=SC2154
{
	printf 'case\tunit\tflume\tbaseline\tratio\ttarget\tp50_ms\tp99_ms\tlag_p99_records\tlag_p99_bytes\tlag_p99_ms\n'
	for c in unbatched batched; do
		printf '%s\trecords/s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(fig $c clus)" "$(fig $c single)" \
		    "$(fig $c ratio)" "$tgt" "$(fig $c c_p50)" "$(fig $c c_p99)" "$(fig $c rec99)" "$(fig $c b99)" "$(fig $c ms99)"
	done
	printf 'catchup\ts\t%s\t%s\t%s\t%s\t-\t-\t-\t-\t-\n' "$cu_s" "$raw_s" "$cu_ratio" "report"
}
