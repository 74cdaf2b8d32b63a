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

# bg_kill PID [SIGNAL]: signal one background process (default TERM) and
# reap it; returns its exit status (128+signal when killed).
bg_kill() {
	local rc=0
	kill "-${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || rc=$?
	return "$rc"
}

# is_running PID: the process exists and is not a zombie waiting to be reaped
# (read from /proc: no fork, no procps).
is_running() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }		# after "PID (COMM) ": "STATE PPID ..."
	[[ $st != Z* ]]
}

# is_my_child PID: PID is a child of this shell (alive or a zombie), not a
# process that took over the number of one reaped already.
is_my_child() {
	local st
	read -r st 2>/dev/null <"/proc/$1/stat" || return 1
	st=${st##*) }
	st=${st#* }
	[ "${st%% *}" = "$BASHPID" ]
}

# bg_stop_all: TERM every process bg_start started that is still running
# and wait for it, KILLing what has not gone after 5 s; by PID only, and
# only PIDs that are still this shell's children (one a test reaped itself
# may have been reused), the last started first (clients stop before the
# broker they talk to).  Fails (after stopping them all) unless each
# exited 0: a graceful stop.
bg_stop_all() {
	local p _ st rc=0
	[ -f "$BATS_TEST_TMPDIR/pids" ] || return 0
	while read -r p; do
		is_my_child "$p" || continue
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 50); do
			is_running "$p" || break
			sleep 0.1
		done
		if is_running "$p"; then
			echo "bg_stop_all: $p ignored SIGTERM for 5 s; killed" >&2
			kill -KILL "$p" 2>/dev/null || true
		fi
		st=0
		wait "$p" 2>/dev/null || st=$?
		if [ "$st" -ne 0 ] && [ "$st" -ne 127 ]; then
			echo "bg_stop_all: $p exited $st on SIGTERM" >&2
			rc=1
		fi
	done < <(tac "$BATS_TEST_TMPDIR/pids")
	rm -f "$BATS_TEST_TMPDIR/pids"
	return "$rc"
}

# wait_until SECONDS CMD [ARG...]: run CMD every 0.05 s until it succeeds;
# fails, naming CMD, when it has not within SECONDS (a bound, not a pause:
# CMD's first success ends the wait).
wait_until() {
	local limit=$1 t0
	shift
	t0=${EPOCHREALTIME/./}
	until "$@"; do
		if (( ${EPOCHREALTIME/./} - t0 > limit * 1000000 )); then
			echo "wait_until: still false after $limit s: $*" >&2
			return 1
		fi
		sleep 0.05
	done
}

# wait_for_file FILE [TRIES]: until FILE exists and is not empty, checking
# every 0.1 s, TRIES times (default 50).  Fails when the time is up.
wait_for_file() {
	local _
	for _ in $(seq "${2:-50}"); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	echo "wait_for_file: $1 still missing or empty" >&2
	return 1
}

# wait_for_line FILE [TRIES]: until FILE holds a complete line.
wait_for_line() {
	local _
	for _ in $(seq "${2:-50}"); do
		[ -f "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] &&
			return 0
		sleep 0.1
	done
	echo "wait_for_line: no complete line in $1" >&2
	return 1
}

# wait_for_size PATH BYTES [TRIES]: until the files under PATH hold at
# least BYTES bytes in total.
wait_for_size() {
	local _
	for _ in $(seq "${3:-100}"); do
		[ "$(du -sb "$1" 2>/dev/null | cut -f1)" -ge "$2" ] 2>/dev/null && return 0
		sleep 0.05
	done
	echo "wait_for_size: $1 did not reach $2 bytes" >&2
	return 1
}

# file_sums DIR: one "sha256  name" line per file of DIR, sorted.
file_sums() {
	(cd "$1" && sha256sum -- * | sort -k2)
}
