# bench/lib.sh: what the broker benchmarks share (bench.sh, bench-repl.sh),
# sourced from the repository root after $bench_name, say() and fail()
# are set.  POSIX sh.
#
# bench_scratch: a scratch directory $W under bench/out (a real disk with
# 16 GB free, never tmpfs), removed on every exit path (kept when
# FLUME_BENCH_KEEP is set); every process started with run_bg / run_fg is
# stopped by PID from the same trap.

bench_scratch() {
	mkdir -p bench/out
	case $(stat -f -c %T bench/out) in
	tmpfs | ramfs) fail "bench/out is on $(stat -f -c %T bench/out); the benchmark needs a real disk" ;;
	esac
	avail_kb=$(df -Pk bench/out | awk 'NR == 2 { print $4 }')
	[ "$avail_kb" -ge 16000000 ] || fail "bench/out: $((avail_kb / 1000000)) GB free; the run needs 16 GB"
	W=$PWD/bench/out/$bench_name.$$
	rm -rf "$W"
	mkdir -p "$W"
	pids=""
	trap cleanup EXIT
	trap 'exit 130' INT TERM
}

stop_pid() {	# SIGTERM, up to 15 s, then SIGKILL
	kill -TERM "$1" 2>/dev/null || return 0
	i=0
	while kill -0 "$1" 2>/dev/null && [ $i -lt 150 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	trap - EXIT INT TERM
	for p in $pids; do
		stop_pid "$p"
	done
	if [ -n "${FLUME_BENCH_KEEP:-}" ]; then
		say "kept $W"
	else
		rm -rf "$W"
	fi
}
forget() {	# drop a PID that has been waited for
	np=""
	for p in $pids; do
		[ "$p" = "$1" ] || np="$np $p"
	done
	pids=$np
}
# run_bg CMD...: start CMD in the background and track it ($bgpid)
run_bg() {
	"$@" &
	bgpid=$!
	pids="$pids $bgpid"
}
# run_fg CMD...: run CMD to its end, but as a tracked background job, so the
# trap can kill it by PID; returns its status
run_fg() {
	run_bg "$@"
	st=0
	wait "$bgpid" || st=$?
	forget "$bgpid"
	return $st
}

# "key<TAB>value" lookups in flume-load output
kv() { awk -F'\t' -v k="$2" '$1 == k { print $2; found = 1 } END { if (!found) print "n/a" }' "$1"; }
# integer part (truncated, never rounded up)
trunc() { awk -v x="$1" 'BEGIN { if (x == "n/a" || x == "") print "n/a"; else printf "%.0f\n", int(x) }'; }
# a / b truncated to two decimals
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f\n", int(100 * a / b) / 100 }'; }
