# t/cluster-helpers.bash: a cluster of brokers on 127.0.0.1 driven by hand
# through their admin sockets, with a test helper that plays the
# controller (it commits the leader's ISR proposals with `isr`).  Loaded
# after helpers and serve-helpers.

# cluster_start N [FLUME-SERVE ARGS...]: N brokers, node ids 1..N, each
# told every broker's address.  Sets ADDR_i, DATA_i, PID_i and BOOT (a
# bootstrap list for clients).
cluster_start() {
	local n=$1 i list=""
	shift
	for i in $(seq "$n"); do
		serve_start "n$i" --node-id "$i" "$@"
		printf -v "ADDR_$i" %s "$ADDR"
		printf -v "DATA_$i" %s "$DATA"
		printf -v "PID_$i" %s "$SERVE_PID"
		list="$list $i=$ADDR"
	done
	BOOT=$ADDR_1
	for i in $(seq "$n"); do
		node_admin "$i" "brokers$list" | grep -qx ok
	done
}

# node_restart I [ARGS...]: start broker I again on its data directory (a
# new port: every broker is told the new address).
node_restart() {
	local i=$1 j n list=""
	shift
	serve_start "n$i" --node-id "$i" "$@"
	printf -v "ADDR_$i" %s "$ADDR"
	printf -v "PID_$i" %s "$SERVE_PID"
	n=0
	while [ -n "$(eval "echo \${DATA_$((n + 1))-}")" ]; do n=$((n + 1)); done
	for j in $(seq "$n"); do list="$list $j=$(eval "echo \$ADDR_$j")"; done
	for j in $(seq "$n"); do
		is_running "$(eval "echo \$PID_$j")" && node_admin "$j" "brokers$list" >/dev/null
	done
	return 0
}

# node_admin I LINE: one admin command to broker I.
node_admin() {
	local d
	d=$(eval "echo \$DATA_$1")
	printf '%s\n' "$2" | socat -t 60 - "UNIX-CONNECT:$d/admin.sock"
}

# part_field I TOPIC PART KEY: one value of `partition TOPIC PART` on broker I.
part_field() {
	node_admin "$1" "partition $2 $3" | awk -F '\t' -v k="$4" '$1 == k { print $2 }'
}

# commit_proposal I TOPIC PART: the controller's part: commit what leader I proposes.
commit_proposal() {
	local epoch prop
	epoch=$(part_field "$1" "$2" "$3" epoch)
	prop=$(part_field "$1" "$2" "$3" proposed_isr)
	[ "$prop" = "$(part_field "$1" "$2" "$3" isr)" ] && return 0
	node_admin "$1" "isr $2 $3 $epoch $prop" | grep -qx ok
}

# wait_isr I TOPIC PART SET: commit proposals until the committed ISR is SET.
wait_isr() {
	wait_until "${5:-30}" _isr_is "$@"
}
_isr_is() {
	commit_proposal "$1" "$2" "$3" >/dev/null 2>&1 || true
	[ "$(part_field "$1" "$2" "$3" isr)" = "$4" ]
}

# digests_equal TOPIC PART TO I...: the records below TO hash alike on brokers I...
digests_equal() {
	local t=$1 p=$2 to=$3 first="" d i
	shift 3
	for i in "$@"; do
		d=$(node_admin "$i" "digest $t $p 0 $to" | awk -F '\t' '$1 == "digest" { print $2 }')
		[ -n "$d" ] || { echo "no digest from broker $i" >&2; return 1; }
		[ -z "$first" ] && first=$d
		[ "$d" = "$first" ] || { echo "broker $i differs below $to" >&2; return 1; }
	done
}

# log_end_is I TOPIC PART N
log_end_is() {
	[ "$(part_field "$1" "$2" "$3" log_end)" = "$4" ]
}
