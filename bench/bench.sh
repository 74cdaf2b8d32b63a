#!/bin/sh
# bench.sh FLUME_LOAD BINDIR: the broker benchmark behind `make bench`.
#
# Runs from the repository root, in a scratch directory under bench/out (on
# the repository's disk, never tmpfs), against BINDIR/flume-serve on
# 127.0.0.1 with an ephemeral port, and measures in one run, each figure next
# to a baseline taken in the same run on the same machine:
#
#   unbatched  500 connections, one 100-byte record per Produce, acks=-1,
#              versus redis-server (appendonly yes, appendfsync always) fed
#              XADDs of a 100-byte value by redis-benchmark, 500 clients, no
#              pipelining; plus the loopback ping-pong rate as context;
#   batched    4 producers, batches of 16 KiB to 1 MiB, acks=-1, versus
#              write(2) + fdatasync(2) of 1000-record batches (flume-load
#              rawsync) in the same directory;
#   fetch      one consumer reading a 2 GB log (2 * 10^9 bytes of batches)
#              from offset 0, versus sendfile(2) of the same segment files to
#              a loopback socket (flume-load rawsendfile), run before and
#              after it.
#
# unbatched alternates flume and redis in two halves each; batched and fetch
# measure the raw rate before and after flume; so a burst of outside load
# hits both sides alike.
# fsyncs/s: fdatasync(2) + fsync(2) calls of the server process, counted
# with perf(1) syscall tracepoints while each run lasts (flume-serve's admin
# status has no sync counter; one would be reported if it appeared);
# "n/a" when perf cannot count.
#
# It writes its section of bench/RESULTS.md (between the bench:begin and
# bench:end markers; other sections are kept) and ends by printing one
# tab-separated table:  case flume baseline ratio target p50_ms p99_ms.
# Every process it starts is killed by PID from a trap, and the scratch
# directory is removed, on every exit path.  FLUME_BENCH_SECS (default 10)
# sets each case's measured seconds.
# Exit: 0 ran (targets met or not), 64 usage, 69 a run failed, 130 interrupted.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/bench.sh FLUME_LOAD BINDIR" >&2
	exit 64
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
load=$(abspath "$1")
serve=$(abspath "$2")/flume-serve
cd "$(dirname "$0")/.."
root=$PWD
secs=${FLUME_BENCH_SECS:-10}
case $secs in '' | *[!0-9]*) echo "bench: FLUME_BENCH_SECS must be a number" >&2; exit 64 ;; esac
[ "$secs" -ge 2 ] || secs=2
half=$(( (secs + 1) / 2 ))
for f in "$load" "$serve"; do
	[ -x "$f" ] || { echo "bench: $f: not built" >&2; exit 64; }
done

say() { printf 'bench: %s\n' "$*" >&2; }
fail() { say "$*"; exit 69; }

# ---- what the run needs: redis (the peer), perf (fsync counts) ----
missing=""
command -v redis-server >/dev/null 2>&1 || missing="$missing redis-server"
command -v redis-benchmark >/dev/null 2>&1 || missing="$missing redis-tools"
command -v redis-cli >/dev/null 2>&1 || case $missing in *redis-tools*) ;; *) missing="$missing redis-tools" ;; esac
command -v perf >/dev/null 2>&1 || missing="$missing linux-perf"
if [ -n "$missing" ]; then
	say "installing:$missing"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2 ||
	    say "could not install all of:$missing"
fi
for c in redis-server redis-benchmark redis-cli; do
	command -v $c >/dev/null 2>&1 || fail "$c is needed (Debian redis-server, redis-tools)"
done
# shellcheck disable=SC3045 # dash and bash both have ulimit -n
ulimit -n 4096 2>/dev/null || true

# ---- scratch directory, cleanup, helpers (bench/lib.sh) ----
bench_name=bench
. bench/lib.sh
bench_scratch

have_perf=0
if command -v perf >/dev/null 2>&1 &&
    perf stat -x, -e syscalls:sys_enter_fdatasync -- true >/dev/null 2>&1; then
	have_perf=1
fi
# sync_start PID OUT / sync_stop OUT: fdatasync+fsync calls of PID between
# the two, and the nanoseconds between them, into OUT
sync_start() {
	perfpid=""
	: >"$2"
	if [ $have_perf -eq 1 ]; then
		run_bg perf stat -x, -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync \
		    -p "$1" 2>"$2" >/dev/null
		perfpid=$bgpid
		sleep 0.2	# attached
	fi
	sync_t0=$(date +%s%N)
}
sync_stop() {
	t1=$(date +%s%N)
	if [ -n "$perfpid" ]; then
		kill -INT "$perfpid" 2>/dev/null || true
		wait "$perfpid" 2>/dev/null || true
		forget "$perfpid"
		echo "elapsed_ns,$((t1 - sync_t0))" >>"$1"
	fi
}
# syncs_per_s OUT...: calls per second over all the windows
syncs_per_s() {
	awk -F, '/sys_enter_f(data)?sync/ && $1 ~ /^[0-9]+$/ { n += $1 }
	    $1 == "elapsed_ns" { t += $2 }
	    END { if (t > 0) printf "%.0f\n", int(n / (t / 1e9)); else print "n/a" }' "$@"
}

# ---- broker ----
say "scratch directory $W"
run_bg "$serve" --data "$W/data" --listen 127.0.0.1:0 --ready-fd 5 5>"$W/ready" 2>"$W/serve.log"
spid=$bgpid
i=0
while ! [ -s "$W/ready" ]; do
	kill -0 "$spid" 2>/dev/null || { cat "$W/serve.log" >&2; fail "flume-serve exited"; }
	[ $i -lt 100 ] || fail "flume-serve not ready after 10 s"
	sleep 0.1
	i=$((i + 1))
done
addr=$(head -n 1 "$W/ready")
case $addr in 127.0.0.1:*) ;; *) fail "flume-serve announced '$addr'" ;; esac
admin=$W/data/admin.sock
say "flume-serve $spid on $addr"

# ---- context: loopback ping-pong ----
say "pingpong: 1 and 500 connections, 100 bytes"
run_fg "$load" pingpong -c 1 -s 100 -w 1 -d 3 >"$W/pp1" || fail "pingpong failed"
run_fg "$load" pingpong -c 500 -s 100 -w 1 -d 3 >"$W/pp500" || fail "pingpong failed"

# ---- (a) unbatched: flume and the redis peer alternate, two halves each ----
say "unbatched: redis-server, appendonly yes, appendfsync always"
rport=$("$load" freeport)
mkdir -p "$W/redis"
run_bg redis-server --bind 127.0.0.1 --port "$rport" --dir "$W/redis" --appendonly yes \
    --appendfsync always --save '' --daemonize no --logfile "$W/redis/redis.log" \
    --maxclients 4000
rpid=$bgpid
i=0
until [ "$(redis-cli -h 127.0.0.1 -p "$rport" ping 2>/dev/null)" = PONG ]; do
	kill -0 "$rpid" 2>/dev/null || fail "redis-server exited"
	[ $i -lt 100 ] || fail "redis-server not ready after 10 s"
	sleep 0.1
	i=$((i + 1))
done
redis_ver=$(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/')
value=$(printf '%0100d' 0 | tr 0 v)
rb() {	# rb N OUT: redis-benchmark, 500 clients, N XADDs of a 100-byte value
	run_fg redis-benchmark -h 127.0.0.1 -p "$rport" -c 500 -P 1 -n "$1" --csv \
	    XADD flume-bench '*' v "$value" >"$2" 2>&1 || fail "redis-benchmark failed"
}
rb_field() { awk -F'","' -v i="$2" 'NR == 2 { v = $i; gsub(/"/, "", v); print v }' "$1"; }
rb 50000 "$W/r.cal"	# warm-up, and sizes the halves to about ${half} s
rn=$(awk -v r="$(rb_field "$W/r.cal" 2)" -v s="$half" 'BEGIN { n = int(r * s); if (n < 50000) n = 50000; print n }')
for h in 1 2; do
	say "unbatched $h/2: flume, 500 connections x 1 record per Produce, acks=-1, ${half} s"
	sync_start "$spid" "$W/a$h.sync"
	run_fg "$load" produce -b "$addr" -t unbatched -c 500 -r 1 -s 100 -a -1 -w 1 -d "$half" \
	    -A "$admin" -P "$spid" -H "$W/a$h.hist" >"$W/a$h" 2>"$W/a$h.err" ||
	    { cat "$W/a$h.err" >&2; fail "unbatched: flume-load failed"; }
	sync_stop "$W/a$h.sync"
	say "unbatched $h/2: redis, redis-benchmark 500 clients, $rn XADDs, no pipelining"
	sync_start "$rpid" "$W/r$h.sync"
	rb "$rn" "$W/r$h"
	sync_stop "$W/r$h.sync"
done
stop_pid "$rpid"
forget "$rpid"
rm -rf "$W/redis"

# ---- (b) batched: raw rate measured before and after ----
say "batched: raw write+fdatasync of 1000-record batches, ${half} s"
run_fg "$load" rawsync -r 1000 -s 100 -d "$half" "$W" >"$W/braw1" || fail "rawsync failed"
say "batched: flume, 4 producers x 2 in flight, 16 KiB..1 MiB batches, acks=-1, ${secs} s"
sync_start "$spid" "$W/b.sync"
run_fg "$load" produce -b "$addr" -t batched -c 4 -i 2 -B 16384,65536,262144,1048576 \
    -s 100 -a -1 -w 1 -d "$secs" -A "$admin" -P "$spid" >"$W/b" 2>"$W/b.err" ||
    { cat "$W/b.err" >&2; fail "batched: flume-load failed"; }
sync_stop "$W/b.sync"
# free its ~10 GB before the next case
run_fg "$load" admin "$admin" delete batched >/dev/null || say "could not delete topic batched"
say "batched: raw write+fdatasync of 1000-record batches, ${half} s"
run_fg "$load" rawsync -r 1000 -s 100 -d "$half" "$W" >"$W/braw2" || fail "rawsync failed"

# ---- (c) fetch ----
say "fetch: filling a 2 GB log with 1 MiB batches"
run_fg "$load" produce -b "$addr" -t fetch -c 4 -i 2 -B 1048576 -s 100 -a -1 \
    -n 2000000000 >"$W/cfill" 2>"$W/cfill.err" || { cat "$W/cfill.err" >&2; fail "fill failed"; }
segs=$(ls "$W"/data/fetch-0/*.log)
# shellcheck disable=SC2086
run_fg "$load" rawsendfile -d "$half" $segs >"$W/craw1" || fail "rawsendfile failed"
say "fetch: flume, one consumer from offset 0, ${secs} s"
run_fg "$load" fetch -b "$addr" -t fetch -d "$secs" >"$W/c" 2>"$W/c.err" || { cat "$W/c.err" >&2; fail "fetch failed"; }
# shellcheck disable=SC2086
run_fg "$load" rawsendfile -d "$half" $segs >"$W/craw2" || fail "rawsendfile failed"

stop_pid "$spid"
forget "$spid"

# ---- figures ----
# rate2 A B KEY: (KEY of A + KEY of B) / (window_s of A + window_s of B)
rate2() {
	awk -v a="$(kv "$1" "$3")" -v b="$(kv "$2" "$3")" \
	    -v wa="$(kv "$1" window_s)" -v wb="$(kv "$2" window_s)" \
	    'BEGIN { printf "%.0f\n", int((a + b) / (wa + wb)) }'
}
a_flume=$(rate2 "$W/a1" "$W/a2" records)
a_base=$(awk -v n="$rn" -v r1="$(rb_field "$W/r1" 2)" -v r2="$(rb_field "$W/r2" 2)" \
    'BEGIN { printf "%.0f\n", int(2 * n / (n / r1 + n / r2)) }')
b_flume=$(trunc "$(kv "$W/b" records_per_s)")
b_base=$(awk -v s1="$(kv "$W/braw1" syncs)" -v s2="$(kv "$W/braw2" syncs)" \
    -v w1="$(kv "$W/braw1" window_s)" -v w2="$(kv "$W/braw2" window_s)" \
    -v r="$(kv "$W/braw1" records_per_sync)" \
    'BEGIN { printf "%.0f\n", int((s1 + s2) * r / (w1 + w2)) }')
c_flume=$(trunc "$(kv "$W/c" bytes_per_s)")
c_base=$(rate2 "$W/craw1" "$W/craw2" bytes)
a_ratio=$(ratio "$a_flume" "$a_base")
b_ratio=$(ratio "$b_flume" "$b_base")
c_ratio=$(ratio "$c_flume" "$c_base")
"$load" hist "$W/a1.hist" "$W/a2.hist" >"$W/a.hist.tsv"
a_p50=$(kv "$W/a.hist.tsv" latency_p50_ms); a_p99=$(kv "$W/a.hist.tsv" latency_p99_ms)
b_p50=$(kv "$W/b" latency_p50_ms); b_p99=$(kv "$W/b" latency_p99_ms)
c_p50=$(kv "$W/c" latency_p50_ms); c_p99=$(kv "$W/c" latency_p99_ms)
a_sync=$(syncs_per_s "$W/a1.sync" "$W/a2.sync")
r_sync=$(syncs_per_s "$W/r1.sync" "$W/r2.sync")
b_sync=$(syncs_per_s "$W/b.sync")
# a sync counter in the broker's admin status, if it has one by now
admin_sync() {
	awk -F'\t' '$1 ~ /^admin_.*(sync|round|fsync).*_per_s$/ { sub(/^admin_/, "", $1); sub(/_per_s$/, "", $1); printf "Admin status %s: %.0f/s. ", $1, $2; found = 1 }
	    END { if (!found) printf "flume-serve'"'"'s admin status shows no sync counter." }' "$W/a1"
}
per_sync() { awk -v r="$1" -v s="$2" 'BEGIN { if (s == "n/a" || s + 0 == 0) print "n/a"; else printf "%.0f\n", int(r / s) }'; }

verdict() {	# verdict CASE -> met / MISSED
	case $1 in
	unbatched) awk -v r="$a_ratio" -v p="$a_p99" 'BEGIN { print (r != "n/a" && r >= 2 && p <= 10) ? "met" : "MISSED" }' ;;
	batched) awk -v f="$b_flume" -v r="$b_ratio" 'BEGIN { print (r != "n/a" && f >= 2000000 && r >= 0.5) ? "met" : "MISSED" }' ;;
	fetch) awk -v f="$c_flume" -v r="$c_ratio" 'BEGIN { print (r != "n/a" && f >= 2000000000 && r >= 0.4) ? "met" : "MISSED" }' ;;
	esac
}
a_t=">=2.00x & p99<=10ms"
b_t=">=2000000/s & >=0.50x"
c_t=">=2000000000B/s & >=0.40x"

# ---- bench/RESULTS.md ----
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
fsinfo=$(df -PT bench/out | awk 'NR == 2 { print $2 " on " $1 }')
{
	echo "<!-- bench:begin -->"
	echo "## Broker benchmark (\`make bench\`)"
	echo
	echo "- Date: $(date -u +%Y-%m-%dT%H:%M:%SZ); flume $rev; redis $redis_ver"
	echo "- Machine: \`$(uname -srvm)\`; CPU: $cpu ($(nproc) online); RAM $mem"
	echo "- Data: scratch directory under \`bench/out\` ($fsinfo), removed afterwards; everything on 127.0.0.1, ephemeral ports."
	echo "- Each case measures ${secs} s of flume (after a warm-up) and ${secs} s of its baseline, interleaved as described below; rates are truncated, never rounded up. p50/p99 are per request (Produce: first byte written to answer read; Fetch: one request of up to 50 MiB), the top of a log-linear bucket (<1.6% over)."
	echo
	echo "| case | flume | baseline | ratio | target | met | p50 ms | p99 ms |"
	echo "|---|---:|---:|---:|---|---|---:|---:|"
	echo "| unbatched (records/s) | $a_flume | $a_base (redis XADD, appendfsync always) | $a_ratio | $a_t | $(verdict unbatched) | $a_p50 | $a_p99 |"
	echo "| batched (records/s) | $b_flume | $b_base (raw write+fdatasync, 1000 rec/sync) | $b_ratio | $b_t | $(verdict batched) | $b_p50 | $b_p99 |"
	echo "| fetch (bytes/s) | $c_flume | $c_base (raw sendfile) | $c_ratio | $c_t | $(verdict fetch) | $c_p50 | $c_p99 |"
	echo
	echo "Context measured in the same run:"
	echo
	echo "- Loopback ping-pong, 100 bytes (flume-load pingpong, in-process echo thread): 1 connection $(trunc "$(kv "$W/pp1" round_trips_per_s)") round trips/s (p50 $(kv "$W/pp1" latency_p50_ms) ms); 500 connections $(trunc "$(kv "$W/pp500" round_trips_per_s)")/s (p50 $(kv "$W/pp500" latency_p50_ms) ms, p99 $(kv "$W/pp500" latency_p99_ms) ms)."
	echo "- unbatched: flume and redis alternate (flume, redis, flume, redis; ${half} s each, flume after a 1 s warm-up, redis after a 50000-request warm-up); figures are over both halves. Flume: half rates $(trunc "$(kv "$W/a1" records_per_s)") and $(trunc "$(kv "$W/a2" records_per_s)") records/s, fdatasync/s $a_sync ($(per_sync "$a_flume" "$a_sync") records per fsync), broker CPU $(kv "$W/a1" broker_cpu_pct)% / $(kv "$W/a2" broker_cpu_pct)%, load generator CPU $(kv "$W/a1" client_cpu_pct)% / $(kv "$W/a2" client_cpu_pct)%, p99.9 $(kv "$W/a.hist.tsv" latency_p999_ms) ms, max $(kv "$W/a.hist.tsv" latency_max_ms) ms, errors $(kv "$W/a1" errors) + $(kv "$W/a2" errors). Redis: half rates $(trunc "$(rb_field "$W/r1" 2)") and $(trunc "$(rb_field "$W/r2" 2)") writes/s ($rn requests each), fdatasync/s $r_sync ($(per_sync "$a_base" "$r_sync") writes per fsync), redis-benchmark p50 $(rb_field "$W/r1" 5) / $(rb_field "$W/r2" 5) ms, p99 $(rb_field "$W/r1" 7) / $(rb_field "$W/r2" 7) ms."
	echo "- batched: batch sizes $(kv "$W/b" batch0_bytes), $(kv "$W/b" batch1_bytes), $(kv "$W/b" batch2_bytes), $(kv "$W/b" batch3_bytes) bytes ($(kv "$W/b" batch0_records)..$(kv "$W/b" batch3_records) records of 100 bytes), each producer cycling through them; flume $(trunc "$(kv "$W/b" bytes_per_s)") B/s of batches, fdatasync/s $b_sync, broker CPU $(kv "$W/b" broker_cpu_pct)%; raw (${half} s before and ${half} s after flume) $(trunc "$(kv "$W/braw1" records_per_s)") and $(trunc "$(kv "$W/braw2" records_per_s)") records/s, $(kv "$W/braw1" batch_bytes)-byte batches, one fdatasync each."
	echo "- fetch: log of $(kv "$W/cfill" batch_bytes_all) bytes ($(kv "$W/c" high_watermark) records), Fetch v11 with MaxBytes = PartitionMaxBytes = $(kv "$W/c" fetch_max_bytes) (librdkafka's fetch.max.bytes), one request at a time, $(kv "$W/c" passes) whole passes, $(kv "$W/c" fetches) fetches; raw sendfile in chunks of the same size, $(trunc "$(kv "$W/craw1" bytes_per_s)") and $(trunc "$(kv "$W/craw2" bytes_per_s)") B/s before and after."
	echo "- fdatasync/s are fdatasync(2)+fsync(2) calls of the server process (both threads for flume-serve) counted with \`perf stat -e syscalls:sys_enter_fdatasync,syscalls:sys_enter_fsync -p PID\` while each measured run lasts (warm-up included), divided by that time; n/a when perf could not count. $(admin_sync)"
	echo "<!-- bench:end -->"
} >"$W/section.md"
res=bench/RESULTS.md
[ -f "$res" ] || printf '# flume benchmark results\n' >"$res"
if grep -q '^<!-- bench:begin -->$' "$res" && grep -q '^<!-- bench:end -->$' "$res"; then
	awk -v sec="$W/section.md" '
	    $0 == "<!-- bench:begin -->" { while ((getline l < sec) > 0) print l; skip = 1; next }
	    $0 == "<!-- bench:end -->" { skip = 0; next }
	    !skip { print }' "$res" >"$res.tmp.$$"
else
	{ cat "$res"; echo; cat "$W/section.md"; } >"$res.tmp.$$"
fi
mv "$res.tmp.$$" "$res"
say "wrote $res"

say "context: loopback ping-pong of 100 bytes $(trunc "$(kv "$W/pp1" round_trips_per_s)")/s on 1 connection, $(trunc "$(kv "$W/pp500" round_trips_per_s)")/s on 500"
say "context: unbatched fdatasync/s flume $a_sync ($(per_sync "$a_flume" "$a_sync") records each), redis $r_sync ($(per_sync "$a_base" "$r_sync") writes each); batched fdatasync/s flume $b_sync"
say "targets: unbatched $(verdict unbatched), batched $(verdict batched), fetch $(verdict fetch)"
# ---- the table ----
printf 'case\tflume\tbaseline\tratio\ttarget\tp50_ms\tp99_ms\n'
printf 'unbatched\t%s\t%s\t%s\t%s\t%s\t%s\n' "$a_flume" "$a_base" "$a_ratio" "$a_t" "$a_p50" "$a_p99"
printf 'batched\t%s\t%s\t%s\t%s\t%s\t%s\n' "$b_flume" "$b_base" "$b_ratio" "$b_t" "$b_p50" "$b_p99"
printf 'fetch\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c_flume" "$c_base" "$c_ratio" "$c_t" "$c_p50" "$c_p99"
