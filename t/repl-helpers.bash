# t/repl-helpers.bash: flume-repl helpers for t/30-repl.bats, loaded after
# helpers and serve-helpers.  A flume-repl reads its commands from a fifo
# that the test holds open for writing on fd 8 (so the child sees no end of
# input until repl_eof), writes its reports to NAME.out and its log to
# NAME.err, and is stopped by PID in teardown (bg_stop_all).

# repl_start NAME FLUME-REPL-ARGS...: start flume-repl; sets REPL_PID.
# Start brokers first: a process started later would inherit fd 8.
repl_start() {
	local name=$1 fifo
	shift
	fifo="$BATS_TEST_TMPDIR/$name.in"
	rm -f "$fifo"
	mkfifo "$fifo"
	exec 8<>"$fifo"
	bg_start "$name" sh -c 'exec flume-repl "$@" 8>&-' sh "$@" <"$fifo"
	REPL_PID=$BG_PID
}

# repl_send LINE...: one command line each.
repl_send() {
	printf '%s\n' "$@" >&8
}

# repl_eof: close the command pipe (the broker is gone).
repl_eof() {
	exec 8>&-
}

# wait_for_report NAME ERE [TRIES]: until NAME.out has a line matching ERE
# (0.1 s per try, 100 tries by default).
wait_for_report() {
	local _
	for _ in $(seq "${3:-100}"); do
		grep -qE -- "$2" "$BATS_TEST_TMPDIR/$1.out" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "wait_for_report: no line matching '$2' in $1.out:" >&2
	cat "$BATS_TEST_TMPDIR/$1.out" "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# wait_for_log NAME ERE [COUNT] [TRIES]: until NAME.err has COUNT (1)
# lines matching ERE.
wait_for_log() {
	local _
	for _ in $(seq "${4:-100}"); do
		[ "$(grep -cE -- "$2" "$BATS_TEST_TMPDIR/$1.err" 2>/dev/null)" -ge "${3:-1}" ] &&
			return 0
		sleep 0.1
	done
	echo "wait_for_log: fewer than ${3:-1} lines matching '$2' in $1.err:" >&2
	cat "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# repl_log_end NAME TOPIC PART: the log end of the last progress line.
repl_log_end() {
	awk -F '\t' -v t="$2" -v p="$3" '$1 == "progress" && $2 == t && $3 == p { e = $4 }
	    END { print e }' "$BATS_TEST_TMPDIR/$1.out"
}

# wait_caught_up NAME TOPIC PART END [TRIES]: until a progress line says
# the copy ends at END.
wait_caught_up() {
	local _
	for _ in $(seq "${5:-300}"); do
		[ "$(repl_log_end "$1" "$2" "$3")" = "$4" ] && return 0
		sleep 0.1
	done
	echo "wait_caught_up: $2-$3 of $1 ends at $(repl_log_end "$1" "$2" "$3"), not $4" >&2
	cat "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# wait_exit PID [TRIES]: until PID has exited (0.1 s per try, 100 tries);
# reaps it and sets EXIT_STATUS.  PID must be a child of the test's shell.
wait_exit() {
	local _
	for _ in $(seq "${2:-100}"); do
		is_running "$1" || break
		sleep 0.1
	done
	if is_running "$1"; then
		echo "wait_exit: $1 is still running" >&2
		return 1
	fi
	EXIT_STATUS=0
	wait "$1" || EXIT_STATUS=$?
}

# seg_digest DIR: "records<TAB>blake2b" of a partition directory.
seg_digest() {
	flume-seg digest "$1" | tail -n 1 | cut -f 3,4
}
