# t/helpers.bash: shared by every t/NN-*.bats file (`load helpers`).
#
# Programs come from $FLUME_BIN (t/run-tests.sh exports it; default: the
# repository's bin/).  Every file a test makes lives in $BATS_TEST_TMPDIR.
# Background processes started with bg_start are killed, by PID, in
# bg_stop_all; a file's teardown() should call it.

bats_require_minimum_version 1.5.0

# bats-support and bats-assert, sourced file by file: their load.bash files
# run $(dirname ...) once per file, 15 forks that every test (a fresh
# process re-sourcing this file) would pay again.
for _f in /usr/lib/bats/bats-support/src/{output,error,lang}.bash \
    /usr/lib/bats/bats-assert/src/*.bash; do
	source "$_f"
done
unset _f

FLUME_ROOT=${BATS_TEST_DIRNAME%/*}	# BATS_TEST_DIRNAME is absolute
: "${FLUME_BIN:=$FLUME_ROOT/bin}"
export FLUME_BIN
PATH="$FLUME_BIN:$PATH"
export NO_COLOR=1

# kcat -C options for reading to the end (-e): librdkafka sees the end of a
# partition only in a fetch answered empty, and the broker holds such a
# fetch for fetch.wait.max.ms, 500 ms by default, on every such read.
KCAT_END=(-e -X fetch.wait.max.ms=10)

# tmpdir NAME: print a fresh directory $BATS_TEST_TMPDIR/NAME (made).
tmpdir() {
	local d="$BATS_TEST_TMPDIR/$1"
	mkdir -p "$d" && printf '%s\n' "$d"
}

# bg_start NAME CMD [ARG...]: run CMD in the background with stdout and
# stderr in $BATS_TEST_TMPDIR/NAME.out and NAME.err (stdin is the caller's,
# so `bg_start w prog < <(producer)` feeds it).  Sets BG_PID; records it
# for bg_stop_all.  fd 3 is closed so bats does not wait for the child.
bg_start() {
	local name=$1
	shift
	# a background job's stdin would be /dev/null: pass ours through fd 4
	{ "$@" <&4 4<&- >"$BATS_TEST_TMPDIR/$name.out" \
	    2>"$BATS_TEST_TMPDIR/$name.err" 3>&- & } 4<&0
	BG_PID=$!
	echo "$BG_PID" >>"$BATS_TEST_TMPDIR/pids"
}

# is_running PID: PID is a child of this shell that has not exited (running
# or stopped).  Asked of bash's job table, not of /proc or kill -0: bash
# reaps a child as soon as it exits (keeping its status for `wait`), and its
# number may then belong to some other process.
is_running() {
	local p
	{ jobs -rp; jobs -sp; } >"$BATS_TEST_TMPDIR/.running"
	while read -r p; do
		[ "$p" = "$1" ] && return 0
	done <"$BATS_TEST_TMPDIR/.running"
	return 1
}

# bg_kill PID [SIGNAL]: signal one background process (default TERM) if it
# is still running, and reap it; returns its exit status (128+signal when
# killed).
bg_kill() {
	local rc=0
	if is_running "$1"; then
		kill "-${2:-TERM}" "$1" 2>/dev/null || true
	fi
	wait "$1" 2>/dev/null || rc=$?
	return "$rc"
}

# bg_stop PID: stop one background process if it is still running: SIGTERM,
# then SIGKILL if it has not exited after 5 s.  Reaps it and returns its
# exit status.
bg_stop() {
	local p=$1 i rc=0
	if is_running "$p"; then
		kill -TERM "$p" 2>/dev/null || true
		for i in $(seq 250); do
			is_running "$p" || break
			sleep 0.02
		done
		if is_running "$p"; then
			echo "bg_stop: $p ignored SIGTERM for 5 s; killed" >&2
			kill -KILL "$p" 2>/dev/null || true
		fi
	fi
	wait "$p" 2>/dev/null || rc=$?
	return "$rc"
}

# bg_stop_all: bg_stop every process bg_start started that is still
# running, by PID, the last started first (clients stop before the broker
# they talk to).  Fails (after stopping them all) unless each exited 0: a
# graceful stop.
bg_stop_all() {
	local p st rc=0
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r p; do
		is_running "$p" || continue
		st=0
		bg_stop "$p" || st=$?
		if [ "$st" -ne 0 ]; then
			echo "bg_stop_all: $p exited $st on SIGTERM" >&2
			rc=1
		fi
	done < <(tac "$BATS_TEST_TMPDIR/pids")
	rm -f "$BATS_TEST_TMPDIR/pids"
	return "$rc"
}

# wait_until SECONDS CMD [ARG...]: run CMD until it succeeds, after 0.01 s,
# 0.02 s, 0.04 s, then every 0.05 s; fails, naming CMD, when it has not
# within SECONDS (a bound, not a pause: CMD's first success ends the wait;
# SECONDS may have a fraction, 0.5).  CMD runs as a condition, so `set -e`
# is off inside it: a function given here must return its verdict itself.
# `wait_until 10 eval '[ "$(f x)" -eq 3 ]'` works, but inside such a string
# $1 and $@ are wait_until's own: pass arguments to a function instead.
wait_until() {
	local s=${1%.*} f=000000 limit t0 pause=1
	[[ $1 == *.* ]] && f=${1#*.}000000
	limit=$((10#${s:-0} * 1000000 + 10#${f:0:6}))
	shift
	t0=${EPOCHREALTIME/./}
	until "$@"; do
		if ((${EPOCHREALTIME/./} - t0 > limit)); then
			echo "wait_until: still false after $((limit / 1000)) ms: $*" >&2
			return 1
		fi
		sleep "0.0$pause"
		((pause = pause < 4 ? pause * 2 : 5))
	done
}

# tenths N: N tenths of a second as seconds (50 -> 5.0).
tenths() {
	printf '%d.%d' $(($1 / 10)) $(($1 % 10))
}

# wait_for_file FILE [TENTHS]: until FILE exists and is not empty, for at
# most TENTHS tenths of a second (default 50: 5 s).  Fails when the time is up.
wait_for_file() {
	wait_until "$(tenths "${2:-50}")" test -s "$1" || {
		echo "wait_for_file: $1 still missing or empty" >&2
		return 1
	}
}

# has_line FILE: FILE's first line is complete (read fails on a line with
# no newline yet).
has_line() {
	local _
	read -r _ 2>/dev/null <"$1"
}

# wait_for_line FILE [TENTHS]: until FILE holds a complete line.
wait_for_line() {
	wait_until "$(tenths "${2:-50}")" has_line "$1" || {
		echo "wait_for_line: no complete line in $1" >&2
		return 1
	}
}

# has_size PATH BYTES: the files under PATH hold at least BYTES bytes.
has_size() {
	[ "$(du -sb "$1" 2>/dev/null | cut -f1)" -ge "$2" ] 2>/dev/null
}

# wait_for_size PATH BYTES [TRIES]: until the files under PATH hold at
# least BYTES bytes in total, for at most TRIES twentieths of a second
# (default 100: 5 s).
wait_for_size() {
	wait_until "$(tenths $(((${3:-100} + 1) / 2)))" has_size "$1" "$2" || {
		echo "wait_for_size: $1 did not reach $2 bytes" >&2
		return 1
	}
}

# file_sums DIR: one "sha256  name" line per file of DIR, sorted.
file_sums() {
	(cd "$1" && sha256sum -- * | sort -k2)
}
