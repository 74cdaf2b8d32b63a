# t/serve-helpers.bash: broker helpers for t/20-serve-*.bats, loaded after
# helpers (`load helpers; load serve-helpers`).  Brokers run on 127.0.0.1
# port 0, announce their address on --ready-fd, and are started with
# bg_start so bg_stop_all (teardown) stops them by PID.

# Broker options for tests with consumer groups: the first join round of a
# new group ends at the broker's next tick instead of waiting 3 s for more
# members, and members may ask for sessions down to 0.5 s (clients' sessions
# are set per test: short where a test waits for one to expire).
GROUP_SERVE_ARGS=(--group-initial-delay-ms 0 --group-min-session-ms 500)

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
# The broker closes the connection once it answered, so socat's -t (how long
# to wait for that after sending) costs nothing but a bound: creating 1000
# partitions can take seconds on a loaded machine.
serve_admin() {
	printf '%s\n' "$*" | socat -t 60 - "UNIX-CONNECT:$DATA/admin.sock"
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

# tcp_queues PORT: "local remote tx_queue:rx_queue" (hex, /proc/net/tcp) of
# every established IPv4 connection from or to PORT, sorted.
tcp_queues() {
	awk -v p="$(printf ':%04X' "$1")" '$4 == "01" &&
	    (substr($2, 9) == p || substr($3, 9) == p) { print $2, $3, $5 }' \
	    /proc/net/tcp | sort
}

# serve_stalled: the broker has got as far as it will with its Kafka
# connections while a client reads nothing: one of its connections has
# replies waiting in the send queue, and no queue of any of them moved
# while the broker answered an admin command (its one network thread went
# round its loop with whatever was readable in front of it).  Needs PORT.
serve_stalled() {
	local before after
	before=$(tcp_queues "$PORT")
	awk -v p="$(printf ':%04X' "$PORT")" 'substr($1, 9) == p &&
	    substr($3, 1, 8) != "00000000" { found = 1 } END { exit !found }' \
	    <<<"$before" || return 1
	serve_admin status >/dev/null || return 1
	after=$(tcp_queues "$PORT")
	[ "$before" = "$after" ]
}
