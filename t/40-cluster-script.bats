#!/usr/bin/env bats
# t/40-cluster-script.bats: bin/flume-cluster runs a cluster in one
# directory: up, status, kill, pause/resume, restart on the same data and
# port, logs, down (and up again), usage errors; as root, --netns with a
# partition cut and healed.  Passes with or without flume-ctl in $FLUME_BIN
# (with it, `up` also starts the controller and waits for it).

load helpers
# the script lives in bin/ (make asan puts only its programs in FLUME_BIN)
PATH="$PATH:$FLUME_ROOT/bin"

# Broker arguments for every `up`: a broker's graceful stop may wait its
# full shutdown timeout (10 s by default) on a connection with work left,
# the controller's admin stream at times; tests stop many brokers.
SERVE=(--shutdown-timeout-ms 1000)

setup() {
	D=$BATS_TEST_TMPDIR/c
}

teardown() {
	# down first; then, should it have failed, by PID whatever of ours is
	# left, and this cluster's namespaces
	if [ -f "$D/conf" ]; then
		flume-cluster down --dir "$D" 3>&- || echo "teardown: down failed" >&2
		kill_leftovers
		if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
			for ns in $(cluster_namespaces); do
				echo "teardown: $ns left behind" >&2
				ip netns pids "$ns" | xargs -r kill -KILL
				ip netns del "$ns" || true
			done
		fi
	fi
}

# cl ARGS...: flume-cluster on $D (fd 3 closed: daemons must not hold bats').
cl() {
	flume-cluster --dir "$D" "$@" 3>&-
}

# ours PID: PID is alive and one of this cluster's processes (its command
# line names a file under $D), not a zombie nor a reused number.
ours() {
	tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | grep -qF -- "$D/"
}

kill_leftovers() {
	local f p
	for f in "$D"/pids/*; do
		[ -f "$f" ] || continue
		p=$(<"$f")
		if ours "$p"; then
			echo "teardown: $f ($p) still running" >&2
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
}

conf() {
	awk -v k="$1" '$1 == k { print $2; exit }' "$D/conf"
}

cluster_namespaces() {
	local tag
	tag=$(conf tag)
	[ -n "$tag" ] || return 0
	ip netns list | awk -v t="fl$tag" 'index($1, t) == 1 { print $1 }'
}

# field NODE COLUMN: one column (2 addr, 3 pid, 4 state, 5 link) of NODE's
# line of `status` (tab-separated: standard output is a pipe).
field() {
	cl status | awk -F '\t' -v n="$1" -v c="$2" '$1 == n { print $c }'
}

state_is() {
	[ "$(field "$1" 4)" = "$2" ]
}

has_ctl() {
	command -v flume-ctl >/dev/null
}

@test "flume-cluster --help and -V exit 0 on stdout" {
	run -0 --separate-stderr flume-cluster --help
	[[ $output == usage:* ]]
	[[ $output == *--netns* ]]
	[ -z "$stderr" ]
	run -0 flume-cluster -V
	[[ $output == "flume-cluster "* ]]
}

@test "every option in --help is in flume-cluster(1), which passes mandoc -T lint" {
	page="$FLUME_ROOT/man/man1/flume-cluster.1"
	run -0 mandoc -T lint -W warning "$page"
	text=$(mandoc -T utf8 "$page" | col -b)
	for w in $(flume-cluster --help | grep -oE -- '(^|[ [,|])--?[a-zA-Z][a-z-]*' |
	    sed 's/^[ [,|]//' | sort -u) up down status kill pause resume restart \
	    logs partition heal exec; do
		if [[ $text != *"$w"* ]]; then
			echo "$w is not in $page" >&2
			return 1
		fi
	done
}

@test "up 3: three brokers on their own ports, a cluster file and a bootstrap list" {
	cl up 3 -- "${SERVE[@]}" --log-level info
	for node in 1 2 3; do
		state_is "$node" running
		addr=$(field "$node" 2)
		[[ $addr == 127.0.0.1:[0-9]* ]]
		grep -qx "node $node $addr $D/n$node/data/admin.sock" "$D/cluster"
		[ -S "$D/n$node/data/admin.sock" ]
		pid=$(field "$node" 3)
		[ "$pid" = "$(<"$D/pids/n$node")" ]
		# the flags after -- reach every broker
		tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--node-id $node --log-file $D/n$node/log --ready-fd 3 ${SERVE[*]} --log-level info"
		# logs prints the broker's own log
		run -0 cl logs "$node"
		assert_output -p "serving $addr (advertised $addr), node $node"
	done
	[ "$(grep -c '^node ' "$D/cluster")" -eq 3 ]
	[ "$(grep '^node ' "$D/cluster" | cut -d' ' -f3 | sort -u | wc -l)" -eq 3 ]
	[ "$(<"$D/bootstrap")" = "$(field 1 2),$(field 2 2),$(field 3 2)" ]
	[ -d "$D/state" ]
	run -0 kcat -b "$(<"$D/bootstrap")" -L -m 5
	if has_ctl; then
		state_is ctl running
		[ -s "$D/ctl.log" ]
		run -0 cl status
		assert_output -p "controller epoch"
	else
		state_is ctl stopped
	fi
}

@test "kill, restart (same data dir and port), pause and resume a broker" {
	cl up 3 -- "${SERVE[@]}"
	addr2=$(field 2 2)
	old=$(field 2 3)
	touch "$D/n2/data/mark"
	run -0 cl kill 2
	state_is 2 stopped
	run ! ours "$old"
	state_is 1 running
	run -69 --separate-stderr cl kill 2
	[[ $stderr == *"not running"* ]]
	run -69 cl pause 2

	run -0 cl restart 2
	state_is 2 running
	[ "$(field 2 2)" = "$addr2" ]
	[ "$(field 2 3)" != "$old" ]
	[ -f "$D/n2/data/mark" ]
	# the same data directory: made once, served twice
	[ "$(grep -c 'new data directory' "$D/n2/log")" -eq 1 ]
	[ "$(grep -c "serving $addr2" "$D/n2/log")" -eq 2 ]
	run -0 kcat -b "$addr2" -L -m 5

	# restart of a running broker stops it first
	old=$(field 2 3)
	run -0 cl restart 2
	run ! ours "$old"
	state_is 2 running

	run -0 cl pause 3
	state_is 3 paused
	run -0 cl resume 3
	state_is 3 running
	run -0 kcat -b "$(field 3 2)" -L -m 5

	if has_ctl; then
		run -0 cl kill ctl
		state_is ctl stopped
		run -0 cl restart ctl
		state_is ctl running
		run -0 cl logs ctl
		[ -n "$output" ]
	else
		run -69 cl restart ctl
	fi
}

@test "down stops every process, also those already dead; up again keeps data and ports" {
	cl up 3 -- "${SERVE[@]}"
	addrs=$(cut -d' ' -f3 "$D/cluster")
	pids=$(cat "$D"/pids/*)
	run -0 cl kill 1
	run -0 cl pause 2	# a paused broker still gets its SIGTERM
	run -0 cl down
	for p in $pids; do
		run ! ours "$p"
	done
	for node in 1 2 3 ctl; do
		state_is "$node" stopped
	done
	[ -d "$D/n1/data" ]
	run -0 cl down	# nothing left to stop

	cl up
	[ "$(cut -d' ' -f3 "$D/cluster")" = "$addrs" ]
	for node in 1 2 3; do
		state_is "$node" running
		[ "$(grep -c 'new data directory' "$D/n$node/log")" -eq 1 ]
	done
}

@test "usage errors exit 64; no cluster or a stopped node exits 69" {
	run -64 --separate-stderr flume-cluster
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr flume-cluster frobnicate
	[[ $stderr == *"unknown subcommand 'frobnicate'"* ]]
	run -64 flume-cluster status --bogus
	run -64 flume-cluster status --netns
	run -64 cl up 0
	run -64 cl up 17
	run -64 cl up x
	run -64 cl up 3 --poll-ms 0
	[ ! -e "$D" ]
	run -69 --separate-stderr cl status
	[[ $stderr == *"no cluster in $D"* ]]
	mkdir "$D"
	run -69 cl down
	run -69 cl kill 1
	run -69 cl exec true

	# a broker that does not start: its log shown, the others stopped
	run -69 --separate-stderr cl up 2 -- --no-such-flag
	[[ $stderr == *"broker 1 did not start"*"--no-such-flag"* ]]
	state_is 2 stopped
	cl up 2 -- "${SERVE[@]}"
	run -64 --separate-stderr cl up 2
	[[ $stderr == *"running cluster"* ]]
	state_is 1 running
	run -64 cl kill 3
	run -64 cl kill n1
	run -64 cl pause
	run -64 --separate-stderr cl partition 1
	[[ $stderr == *--netns* ]]
	run -64 cl heal
	run -0 cl down
	run -64 cl up 3	# it holds a 2-node cluster
	run -0 cl exec true
	run -1 cl exec false
}

# ---- --netns (root) ---------------------------------------------------------

# admin_via_ctl_ns NS HOST: `status` to the admin proxy at HOST:9093 from
# namespace NS (the controller's path to a broker's admin socket).
admin_via_ctl_ns() {
	echo status | ip netns exec "$1" socat -t 10 - "TCP:$2:9093"
}

@test "--netns: every broker answers clients in their namespace; partition cuts one, heal mends it" {
	[ "$(id -u)" = 0 ] || skip "--netns needs root"
	command -v ip >/dev/null || skip "--netns needs ip(8)"
	root_links=$(ip -br link | awk '{ print $1 }')
	cl up 3 --netns -- "${SERVE[@]}"
	tag=$(conf tag)
	[ "$(cluster_namespaces | sort | tr '\n' ' ')" = "fl${tag}br fl${tag}cl fl${tag}ct fl${tag}n1 fl${tag}n2 fl${tag}n3 " ]
	# nothing was made in the root namespace
	[ "$(ip -br link | awk '{ print $1 }')" = "$root_links" ]
	IFS=, read -r a1 a2 a3 <"$D/bootstrap"
	net=${a1%.1:9092}
	[[ $net == 10.*.0 ]]
	[ "$a2" = "$net.2:9092" ] && [ "$a3" = "$net.3:9092" ]
	grep -qx "node 1 $a1 exec:ip netns exec fl${tag}ct socat -t 0.1 - TCP:$net.1:9093" "$D/cluster"
	for a in "$a1" "$a2" "$a3"; do
		run -0 cl exec kcat -b "$a" -L -m 5
	done
	run -0 admin_via_ctl_ns "fl${tag}ct" "$net.2"
	assert_output -p ok

	run -0 cl partition 1
	[ "$(field 1 5)" = cut ] && [ "$(field 2 5)" = up ]
	run ! cl exec kcat -b "$a1" -L -m 2
	run -0 cl exec kcat -b "$a2" -L -m 5
	run -0 cl heal
	[ "$(field 1 5)" = up ]
	wait_until 15 cl exec kcat -b "$a1" -L -m 2

	# a killed broker comes back on its address, with its admin proxy
	run -0 cl kill 3
	run -0 cl restart 3
	run -0 cl exec kcat -b "$a3" -L -m 5
	run -0 admin_via_ctl_ns "fl${tag}ct" "$net.3"
	assert_output -p ok

	pids=$(cat "$D"/pids/*)
	run -0 cl down
	[ -z "$(cluster_namespaces)" ]
	for p in $pids; do
		run ! ours "$p"
	done
}
