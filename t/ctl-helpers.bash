# t/ctl-helpers.bash: a cluster of brokers on 127.0.0.1 run by a real
# flume-ctl controller.  Loaded after helpers and serve-helpers.

# ctl_start N [FLUME-SERVE ARGS...]: N brokers (node ids 1..N), the
# cluster file $CDIR/cluster, the state dir $CDIR/state, and a controller
# (flume-ctl -d $CDIR run, CTL_PID).  Sets ADDR_i, DATA_i, PORT_i, PID_i,
# BOOT (every Kafka address, comma-separated) and NODES.
ctl_start() {
	local n=$1 i
	shift
	NODES=$n
	SERVE_EXTRA=("$@")
	CDIR=$(tmpdir ctl)
	: >"$CDIR/cluster"
	BOOT=""
	for i in $(seq "$n"); do
		serve_start "n$i" --node-id "$i" "$@"
		printf -v "ADDR_$i" %s "$ADDR"
		printf -v "PORT_$i" %s "$PORT"
		printf -v "DATA_$i" %s "$DATA"
		printf -v "PID_$i" %s "$SERVE_PID"
		echo "node $i $ADDR $DATA/admin.sock" >>"$CDIR/cluster"
		BOOT="$BOOT${BOOT:+,}$ADDR"
	done
	ctl_run
}

# ctl_run [FLUME-CTL RUN ARGS]: start the controller, with CTL_ARGS (an
# array a test may set, e.g. CTL_ARGS=(--metrics-listen 127.0.0.1:0)) and
# ARGS; waits until every node is live.
ctl_run() {
	bg_start ctl flume-ctl -d "$CDIR" run --log-level debug ${CTL_ARGS[@]+"${CTL_ARGS[@]}"} "$@"
	CTL_PID=$BG_PID
	wait_until 10 all_live
}

ctl() {
	flume-ctl -d "$CDIR" "$@"
}

# all_live: the running controller (not a read of its state) says every
# node is live.
all_live() {
	local j
	j=$(ctl status --json 2>/dev/null) || return 1
	[[ $j == *'"controller":"active"'* && $j != *'"live":false'* ]]
}

# ctl_field TOPIC PART COLUMN: a column of the controller's partition line
# (epoch, leader, replicas, isr, hw, log_end).
ctl_field() {
	local col
	case $3 in
	epoch) col=4 ;; leader) col=5 ;; replicas) col=6 ;; isr) col=7 ;; hw) col=8 ;;
	log_end) col=9 ;;
	*) return 1 ;;
	esac
	printf 'status\n' | socat -t 30 - "UNIX-CONNECT:$CDIR/state/ctl.sock" |
	    awk -F '\t' -v t="$1" -v p="$2" -v c="$col" \
	    '$1 == "partition" && $2 == t && $3 == p { print $c }'
}

# leader_is TOPIC PART NODE / leader_is_not TOPIC PART NODE
leader_is() { [ "$(ctl_field "$1" "$2" leader)" = "$3" ]; }
leader_is_not() {
	local l
	l=$(ctl_field "$1" "$2" leader)
	[ -n "$l" ] && [ "$l" != "$3" ] && [ "$l" != -1 ]
}

# node_leads I TOPIC PART: broker I's own status says it leads the partition.
node_leads() {
	local d
	d=$(eval "echo \$DATA_$1")
	printf 'partition %s %s\n' "$2" "$3" | socat -t 30 - "UNIX-CONNECT:$d/admin.sock" |
	    grep -qx 'role	leader'
}

# node_start_again I: broker I again on its data dir and its port.
node_start_again() {
	local i=$1 d
	d=$(eval "echo \$DATA_$i")
	serve_start "n$i" --node-id "$i" "${SERVE_EXTRA[@]}" --listen "127.0.0.1:$(eval "echo \$PORT_$i")"
	printf -v "PID_$i" %s "$SERVE_PID"
}

# produce_acked TOPIC PART FILE: produce FILE's lines with acks=all; the
# lines kcat reports delivered (its delivery reports) go to FILE.acked.
produce_acked() {
	kcat -b "$BOOT" -t "$1" -p "$2" -P -X acks=all -X enable.idempotence=true \
	    -X message.timeout.ms=20000 <"$3"
}

# consumed TOPIC PART: every value in the partition, in order (a dead
# bootstrap broker's complaints on stderr are not values).
consumed() {
	kcat -b "$BOOT" -t "$1" -p "$2" -C -q "${KCAT_END[@]}" -o beginning 2>/dev/null
}
