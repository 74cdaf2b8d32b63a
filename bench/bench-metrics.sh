#!/bin/sh
# bench-metrics.sh FLUME_LOAD BINDIR: what --metrics-listen costs the
# produce path (`make bench-metrics`; issue: within 3%).
#
# Two brokers on 127.0.0.1, each on its own data directory under bench/out
# (a real disk): A plain, B with --metrics-listen and a scraper fetching
# GET /metrics every second for as long as B is measured.  Each produce case
# runs against A and B alternately, ABBA per round, ROUNDS rounds
# (FLUME_BENCH_ROUNDS, default 2), FLUME_BENCH_SECS (default 5) seconds each,
# so a burst of outside load hits both alike:
#   unbatched  500 connections, one 100-byte record per Produce, acks=-1
#   batched    4 producers x 2 in flight, 64 KiB batches, acks=-1
# Prints one tab-separated table: case, records/s without, with, ratio
# (with / without, truncated), p99 ms without and with, the broker's CPU
# seconds per million records without and with (user + system from
# /proc/PID/stat over each measured window: far steadier than the rates on
# a host whose load varies) and their ratio (three decimals), the same for
# user CPU alone (the kernel's share, fdatasync and the network, swings with
# the disk), and scrapes answered.
# FLUME_BENCH_AA=1 runs B plain and unscraped: the same table is then the
# noise floor of this host (two plain brokers measured alike).
# Exit: 0 ran, 64 usage, 69 a run failed, 130 interrupted.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/bench-metrics.sh FLUME_LOAD BINDIR" >&2
	exit 64
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
load=$(abspath "$1")
serve=$(abspath "$2")/flume-serve
cd "$(dirname "$0")/.."
secs=${FLUME_BENCH_SECS:-5}
rounds=${FLUME_BENCH_ROUNDS:-2}
case $secs$rounds in *[!0-9]*) echo "bench-metrics: FLUME_BENCH_SECS and FLUME_BENCH_ROUNDS are numbers" >&2; exit 64 ;; esac
for f in "$load" "$serve"; do
	[ -x "$f" ] || { echo "bench-metrics: $f: not built" >&2; exit 64; }
done
say() { printf 'bench-metrics: %s\n' "$*" >&2; }
fail() { say "$*"; exit 69; }
# shellcheck disable=SC3045 # dash and bash both have ulimit -n
ulimit -n 4096 2>/dev/null || true

bench_name=bench-metrics
. bench/lib.sh
bench_scratch

# start NAME ARGS...: a broker on its own data directory; sets addr_NAME, pid_NAME
start() {
	n=$1
	shift
	run_bg "$serve" --data "$W/$n" --listen 127.0.0.1:0 --ready-fd 5 "$@" \
	    5>"$W/$n.ready" 2>"$W/$n.log"
	eval "pid_$n=\$bgpid"
	i=0
	while ! [ -s "$W/$n.ready" ]; do
		kill -0 "$bgpid" 2>/dev/null || { cat "$W/$n.log" >&2; fail "flume-serve $n exited"; }
		[ $i -lt 100 ] || fail "flume-serve $n not ready after 10 s"
		sleep 0.1
		i=$((i + 1))
	done
	eval "addr_$n=\$(head -n 1 \"\$W/\$n.ready\")"
}
start A
mport=$("$load" freeport)
if [ -n "${FLUME_BENCH_AA:-}" ]; then
	# the noise floor: B is plain too, and nobody scrapes
	start B
	say "A/A: A $addr_A, B $addr_B, both plain"
else
	start B --metrics-listen "127.0.0.1:$mport"
	say "A (plain) $addr_A, B (metrics on 127.0.0.1:$mport) $addr_B"
fi

: >"$W/scrapes"
command -v bash >/dev/null 2>&1 || fail "the scraper needs bash (/dev/tcp)"

# one NAME WHO ARGS...: one measured run of flume-load produce against WHO
one() {
	out=$1 who=$2
	shift 2
	eval "a=\$addr_$who"
	sc=""
	if [ "$who" = B ] && [ -z "${FLUME_BENCH_AA:-}" ]; then
		run_bg bash -c '
		    while :; do
			exec 3<>"/dev/tcp/127.0.0.1/$1" || { sleep 1; continue; }
			printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
			head -n 1 <&3 >>"$2"
			exec 3<&-
			sleep 1
		    done' scraper "$mport" "$W/scrapes"
		sc=$bgpid
	fi
	eval "bp=\$pid_$who"
	run_bg "$load" produce -b "$a" "$@" -w 1 -d "$secs" >"$W/$out" 2>"$W/$out.err"
	lp=$bgpid
	# the broker's CPU over the measured window (after the 1 s warm-up)
	sleep 1
	c0=$(cpu_ticks "$bp")
	u0=$(user_ticks "$bp")
	st=0
	wait "$lp" || st=$?
	c1=$(cpu_ticks "$bp")
	u1=$(user_ticks "$bp")
	forget "$lp"
	[ "$st" -eq 0 ] || { cat "$W/$out.err" >&2; fail "$out: flume-load failed"; }
	printf 'cpu_ticks\t%s\nuser_ticks\t%s\n' "$((c1 - c0))" "$((u1 - u0))" >>"$W/$out"
	if [ -n "$sc" ]; then
		stop_pid "$sc"
		forget "$sc"
	fi
}

# cpu_ticks PID: user + system CPU of PID so far, in clock ticks
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# user_ticks PID: user CPU only: the broker's own code, without the kernel's
# share (fdatasync, the network), which swings with the disk
user_ticks() { awk '{ print $14 }' "/proc/$1/stat"; }

# cpu_per_mrec CASE WHO [KEY]: the broker's CPU seconds (KEY cpu_ticks, or
# user_ticks) per million records over every run, truncated to 3 decimals
cpu_per_mrec() {
	hz=$(getconf CLK_TCK)
	cat "$W/$1".*.*."$2" | awk -F'\t' -v hz="$hz" -v k="${3:-cpu_ticks}" '
	    $1 == "records" { n += $2 } $1 == k { t += $2 }
	    END { if (n > 0) printf "%.3f\n", int(t / hz / n * 1e9) / 1000; else print "n/a" }'
}
cratio() { awk -v x="$1" -v y="$2" 'BEGIN { if (y + 0 > 0) printf "%.3f\n", int(x / y * 1000) / 1000; else print "n/a" }'; }

# sum_rate CASE WHO: records/s over every run of CASE against WHO (records / window)
sum_rate() {
	cat "$W/$1".*.*."$2" | awk -F'\t' '$1 == "records" { n += $2 } $1 == "window_s" { t += $2 }
	    END { if (t > 0) printf "%.0f\n", int(n / t); else print "n/a" }'
}
p99() { cat "$W/$1".*.*."$2" | awk -F'\t' '$1 == "latency_p99_ms" && $2 > m { m = $2 } END { print m + 0 }'; }

run_case() {
	c=$1
	shift
	r=1
	while [ "$r" -le "$rounds" ]; do
		for who in A B B A; do
			k=$(ls "$W" | grep -c "^$c\.$r\.[0-9]*\.$who\$" || true)
			say "$c round $r/$rounds: $who"
			one "$c.$r.$k.$who" "$who" -t "$c" "$@"
		done
		r=$((r + 1))
	done
}
run_case unbatched -c 500 -r 1 -s 100 -a -1
run_case batched -c 4 -i 2 -B 65536 -s 100 -a -1

ok=$(grep -c ' 200 ' "$W/scrapes" || true)
all=$(wc -l <"$W/scrapes")
printf 'case\twithout_records_s\twith_records_s\tratio\tp99_ms_without\tp99_ms_with\tcpu_s_per_mrec_without\tcpu_s_per_mrec_with\tcpu_ratio\tuser_s_per_mrec_without\tuser_s_per_mrec_with\tuser_ratio\tscrapes_200\n'
for c in unbatched batched; do
	a=$(sum_rate "$c" A)
	b=$(sum_rate "$c" B)
	ca=$(cpu_per_mrec "$c" A)
	cb=$(cpu_per_mrec "$c" B)
	ua=$(cpu_per_mrec "$c" A user_ticks)
	ub=$(cpu_per_mrec "$c" B user_ticks)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s/%s\n' "$c" "$a" "$b" \
	    "$(ratio "$b" "$a")" "$(p99 "$c" A)" "$(p99 "$c" B)" "$ca" "$cb" \
	    "$(cratio "$cb" "$ca")" "$ua" "$ub" "$(cratio "$ub" "$ua")" "$ok" "$all"
done
