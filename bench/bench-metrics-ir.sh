#!/bin/sh
# bench-metrics-ir.sh FLUME_LOAD BINDIR: what --metrics-listen costs the
# produce path, counted in instructions (`make bench-metrics-ir`; issue:
# within 3%).  The timing of bench-metrics.sh moves by 10% between two
# identical brokers on a shared host, and this VM has no hardware counters;
# the instructions the broker executes in user space, counted by valgrind,
# do not depend on how busy the host is.
#
# Every run is a fresh broker on a fresh data directory under bench/out,
# run under `valgrind --tool=cachegrind --cache-sim=no` (which counts
# instructions, Ir, and nothing else), given a FIXED number of records by
# flume-load produce -N, then stopped with SIGTERM so valgrind writes its
# total.  Four runs per case and round, in this order:
#   A   plain
#   B   --metrics-listen, and a scraper doing GET /metrics (reading the whole
#       answer), then sleeping 1 s, for as long as the load runs
#   A'  plain again: A/A, the noise of the measure itself (the event loop
#       batches differently from run to run, so the count is not exact);
#       called A2 in the tables
#   B0  --metrics-listen and nobody scraping: what the listener alone costs,
#       so that B - B0 is the scrapes' own cost, Ir per scrape
# Cases (as in bench-metrics.sh):
#   unbatched  500 connections, one 100-byte record per Produce, acks=-1,
#              FLUME_BENCH_IR_UNBATCHED records (default 200000)
#   batched    4 producers x 2 in flight, 64 KiB batches, acks=-1,
#              FLUME_BENCH_IR_BATCHED records (default 5000000; whole
#              batches, so the last one may carry it a little past)
# FLUME_BENCH_ROUNDS rounds (default 1); Ir and records are summed over
# rounds.  Nothing is subtracted: the broker's startup and shutdown are in
# every total, the same in each, and small against the load.
#
# Conservative: under valgrind the broker runs many times slower, so the
# 1 Hz scrapes land on far fewer records each than in a real run; the
# table overstates what the scrapes cost per record.  Per-request metrics
# (clock reads, the latency histograms) run in every broker whether or not
# --metrics-listen is given, so B differs from A by the listener and the
# scrapes only.
#
# Prints two tab-separated tables: per case, Ir per record of A, A', B and
# B0 (truncated to integers), B / A, A' / A and B0 / A (truncated, three
# decimals), scrapes answered (200) / sent, and Ir per scrape ((B - B0) /
# scrapes answered: with the real rate of records/s this gives the cost of
# one scrape a second at full speed); then every run's records, total Ir,
# seconds under valgrind and scrapes.  B / A depends on how many scrapes
# fell on the records, so on how long the runs took under valgrind: a
# slower host gives a higher B / A.  FLUME_BENCH_IR_RATE_UNBATCHED and
# FLUME_BENCH_IR_RATE_BATCHED, the records/s of a real run of that case
# (make bench-metrics, without valgrind), add a column: B / A at one scrape
# a second at that rate, (B0 + Ir per scrape / rate) / A per record.
# FLUME_BENCH_KEEP=1 keeps the scratch directory with each run's
# cachegrind.out file (cg_annotate, cg_diff).
# Exit: 0 ran, 64 usage, 69 valgrind missing or a run failed, 130
# interrupted.
set -eu

if [ $# -ne 2 ]; then
	echo "usage: sh bench/bench-metrics-ir.sh FLUME_LOAD BINDIR" >&2
	exit 64
fi
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
load=$(abspath "$1")
serve=$(abspath "$2")/flume-serve
cd "$(dirname "$0")/.."
n_unbatched=${FLUME_BENCH_IR_UNBATCHED:-200000}
n_batched=${FLUME_BENCH_IR_BATCHED:-5000000}
rounds=${FLUME_BENCH_ROUNDS:-1}
rate_unbatched=${FLUME_BENCH_IR_RATE_UNBATCHED:-}
rate_batched=${FLUME_BENCH_IR_RATE_BATCHED:-}
case $n_unbatched$n_batched$rounds$rate_unbatched$rate_batched in
*[!0-9]*) echo "bench-metrics-ir: FLUME_BENCH_IR_UNBATCHED, FLUME_BENCH_IR_BATCHED, FLUME_BENCH_ROUNDS and FLUME_BENCH_IR_RATE_* are numbers" >&2; exit 64 ;;
esac
for f in "$load" "$serve"; do
	[ -x "$f" ] || { echo "bench-metrics-ir: $f: not built" >&2; exit 64; }
done
say() { printf 'bench-metrics-ir: %s\n' "$*" >&2; }
fail() { say "$*"; exit 69; }
# shellcheck disable=SC3045 # dash and bash both have ulimit -n
ulimit -n 4096 2>/dev/null || true

# valgrind is a benchmark-only tool, not in mk/deps.sh: install it here
if ! command -v valgrind >/dev/null 2>&1; then
	say "valgrind missing: apt-get install -y valgrind"
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	{ $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    $sudo apt-get install -y -qq valgrind; } >&2 || true
	command -v valgrind >/dev/null 2>&1 ||
	    fail "valgrind is not installed and could not be (Debian: apt-get install valgrind)"
fi
command -v bash >/dev/null 2>&1 || fail "the scraper needs bash (/dev/tcp)"

bench_name=bench-metrics-ir
. bench/lib.sh
bench_scratch

# broker RUN ARGS...: a fresh broker under valgrind on $W/RUN; sets addr, bpid
broker() {
	b=$1
	shift
	run_bg valgrind --tool=cachegrind --cache-sim=no --log-file="$W/$b.vg" \
	    --cachegrind-out-file="$W/$b.cg" \
	    "$serve" --data "$W/$b.d" --listen 127.0.0.1:0 --ready-fd 5 "$@" \
	    5>"$W/$b.ready" 2>"$W/$b.log"
	bpid=$bgpid
	i=0
	while ! [ -s "$W/$b.ready" ]; do
		kill -0 "$bpid" 2>/dev/null || { cat "$W/$b.log" "$W/$b.vg" >&2; fail "$b: flume-serve exited"; }
		[ $i -lt 600 ] || fail "$b: flume-serve not ready after 60 s"
		sleep 0.1
		i=$((i + 1))
	done
	addr=$(head -n 1 "$W/$b.ready")
}

# stop_broker RUN: SIGTERM, then wait (up to 120 s) for a clean exit, which
# is when valgrind writes the total
stop_broker() {
	kill -TERM "$bpid"
	i=0
	while kill -0 "$bpid" 2>/dev/null; do
		[ $i -lt 1200 ] || fail "$1: flume-serve still running 120 s after SIGTERM"
		sleep 0.1
		i=$((i + 1))
	done
	st=0
	wait "$bpid" || st=$?
	forget "$bpid"
	[ "$st" -eq 0 ] || { tail -n 20 "$W/$1.log" "$W/$1.vg" >&2; fail "$1: flume-serve exited $st on SIGTERM"; }
}

# one CASE ROUND WHO ARGS...: one run; appends "case who records ir secs
# scrapes_200 scrapes" to $W/runs
one() {
	c=$1 r=$2 who=$3
	shift 3
	run=$c.$r.$who
	sc=""
	: >"$W/$run.scrapes"
	if [ "$who" = B0 ]; then
		broker "$run" --metrics-listen "127.0.0.1:$("$load" freeport)"
	elif [ "$who" = B ]; then
		mport=$("$load" freeport)
		broker "$run" --metrics-listen "127.0.0.1:$mport"
		run_bg bash -c '
		    while :; do
			exec 3<>"/dev/tcp/127.0.0.1/$1" || { sleep 1; continue; }
			printf "GET /metrics HTTP/1.0\r\n\r\n" >&3
			{ head -n 1; cat >/dev/null; } <&3 >>"$2"
			exec 3<&-
			sleep 1
		    done' scraper "$mport" "$W/$run.scrapes" 2>/dev/null
		sc=$bgpid
	else
		broker "$run"
	fi
	say "$run: $addr, $* -N $n"
	t0=$(date +%s)
	st=0
	run_fg "$load" produce -b "$addr" -t "$c" "$@" -N "$n" >"$W/$run.out" 2>"$W/$run.err" || st=$?
	t1=$(date +%s)
	[ "$st" -eq 0 ] || { cat "$W/$run.err" >&2; fail "$run: flume-load failed"; }
	if [ -n "$sc" ]; then
		stop_pid "$sc"
		forget "$sc"
	fi
	stop_broker "$run"
	recs=$(kv "$W/$run.out" records)
	if [ "$recs" != "$(kv "$W/$run.out" records_all)" ] || [ "$(kv "$W/$run.out" errors)" != 0 ]; then
		fail "$run: $recs records acknowledged of $(kv "$W/$run.out" records_all), errors $(kv "$W/$run.out" errors)"
	fi
	ir=$(awk '$1 == "summary:" { print $2 }' "$W/$run.cg")
	case $ir in '' | *[!0-9]*) fail "$run: no instruction total in $W/$run.cg" ;; esac
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$who" "$recs" "$ir" "$((t1 - t0))" \
	    "$(grep -c ' 200 ' "$W/$run.scrapes" || true)" "$(wc -l <"$W/$run.scrapes")" >>"$W/runs"
}

: >"$W/runs"
run_case() {
	c=$1 n=$2
	shift 2
	r=1
	while [ "$r" -le "$rounds" ]; do
		for who in A B A2 B0; do
			one "$c" "$r" "$who" "$@"
		done
		r=$((r + 1))
	done
}
run_case unbatched "$n_unbatched" -c 500 -r 1 -s 100 -a -1
run_case batched "$n_batched" -c 4 -i 2 -B 65536 -s 100 -a -1

# sums of Ir and records per case and broker, over the rounds
irpr() { awk -F'\t' -v c="$1" -v w="$2" '$1 == c && $2 == w { n += $3; i += $4 }
    END { if (n > 0) printf "%d\n", int(i / n); else print "n/a" }' "$W/runs"; }
iratio() { awk -F'\t' -v c="$1" -v w="$2" '$1 == c && $2 == w { n += $3; i += $4 }
    $1 == c && $2 == "A" { na += $3; ia += $4 }
    END { if (n > 0 && ia > 0) printf "%.3f\n", int(i / n / (ia / na) * 1000) / 1000; else print "n/a" }' "$W/runs"; }
# Ir per scrape answered: (B - B0) / scrapes, B0 scaled to B's records
perscrape() { awk -F'\t' -v c="$1" '$1 == c && $2 == "B" { n += $3; i += $4; ok += $6 }
    $1 == c && $2 == "B0" { n0 += $3; i0 += $4 }
    END { if (ok > 0 && n0 > 0) printf "%d\n", int((i - i0 * n / n0) / ok); else print "n/a" }' "$W/runs"; }
# B / A at one scrape a second at RATE records/s (truncated)
atrate() { awk -F'\t' -v c="$1" -v rate="$2" '$1 == c && $2 == "A" { na += $3; ia += $4 }
    $1 == c && $2 == "B" { n += $3; i += $4; ok += $6 }
    $1 == c && $2 == "B0" { n0 += $3; i0 += $4 }
    END { if (rate > 0 && ok > 0 && n0 > 0 && na > 0) {
	    ps = (i - i0 * n / n0) / ok
	    printf "%.3f\n", int((i0 / n0 + ps / rate) / (ia / na) * 1000) / 1000
	} else print "n/a" }' "$W/runs"; }
scrapes() { awk -F'\t' -v c="$1" '$1 == c && $2 == "B" { ok += $6; all += $7 } END { printf "%d/%d\n", ok, all }' "$W/runs"; }

printf 'case\tir_per_record_A\tir_per_record_A2\tir_per_record_B\tir_per_record_B0\tB_over_A\tA2_over_A\tB0_over_A\tscrapes_200\tir_per_scrape\tB_over_A_at_rate\n'
for c in unbatched batched; do
	eval "rate=\$rate_$c"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$c" "$(irpr "$c" A)" "$(irpr "$c" A2)" \
	    "$(irpr "$c" B)" "$(irpr "$c" B0)" "$(iratio "$c" B)" "$(iratio "$c" A2)" \
	    "$(iratio "$c" B0)" "$(scrapes "$c")" "$(perscrape "$c")" "$(atrate "$c" "${rate:-0}")"
done
printf '\ncase\tbroker\trecords\tir\tseconds\tscrapes_200\tscrapes\n'
cat "$W/runs"
