# t/serve-helpers.bash: broker helpers for t/20-serve-*.bats, loaded after
# helpers (`load helpers; load serve-helpers`).  Brokers run on 127.0.0.1
# port 0, announce their address on --ready-fd, and are started with
# bg_start so bg_stop_all (teardown) stops them by PID.

# serve_start NAME [FLUME-SERVE ARGS...]: start a broker with data in
# $BATS_TEST_TMPDIR/NAME/data (kept across restarts of the same NAME).
# Sets ADDR, PORT, DATA and SERVE_PID; stderr goes to NAME.err (appended).
serve_start() {
	local name=$1 d
	shift
	d=$(tmpdir "$name")
	DATA="$d/data"
	rm -f "$d/ready"
	[ -f "$BATS_TEST_TMPDIR/$name.err" ] &&
		cat "$BATS_TEST_TMPDIR/$name.err" >>"$BATS_TEST_TMPDIR/$name.log"
	bg_start "$name" sh -c 'd=$1; shift; exec flume-serve --data "$d/data" \
	    --listen 127.0.0.1:0 --ready-fd 5 "$@" 5>"$d/ready"' sh "$d" "$@"
	SERVE_PID=$BG_PID
	wait_for_line "$d/ready" 100 || {
		cat "$BATS_TEST_TMPDIR/$name.err" >&2
		return 1
	}
	ADDR=$(<"$d/ready")
	PORT=${ADDR##*:}
}

# serve_admin CMD...: one admin command over DATA/admin.sock; prints the reply.
serve_admin() {
	printf '%s\n' "$*" | socat -t 5 - "UNIX-CONNECT:$DATA/admin.sock"
}

# serve_log_end TOPIC PART: the partition's log end offset from `status`.
serve_log_end() {
	serve_admin status | awk -F '\t' -v t="$1" -v p="$2" \
	    '$1 == "partition" && $2 == t && $3 == p { print $5 }'
}

# kraw ARGS...: the raw Kafka protocol test client (t/interop/kraw.js).
kraw() {
	node "$FLUME_ROOT/t/interop/kraw.js" "$@"
}
