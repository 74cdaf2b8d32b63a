#!/usr/bin/env bats
# t/33-ctl.bats: flume-ctl, the controller (issue 11), with real brokers:
# elections after kill -9 and SIGSTOP, the epoch store across a
# controller's kill -9, fencing, clients' CreateTopics/DeleteTopics, the
# operators' verbs and bad input.

load helpers
load serve-helpers
load ctl-helpers

teardown() {
	local p
	for p in ${PID_1-} ${PID_2-} ${PID_3-}; do
		kill -CONT "$p" 2>/dev/null || true
	done
	bg_stop_all
}

@test "the controller elects leaders for a new topic; kill -9 of a leader elects another and loses no acknowledged record" {
	ctl_start 3
	run -0 ctl create-topic t --partitions 2 --replicas 3 --config min.insync.replicas=2
	assert_output "created t: 2 partitions, 3 replicas"
	wait_until 10 leader_is_not t 0 -1
	[ "$(ctl_field t 0 epoch)" = 1 ]
	[ "$(ctl_field t 0 replicas)" = 1,2,3 ]
	old=$(ctl_field t 0 leader)
	wait_until 10 node_leads "$old" t 0
	seq 1 500 >"$BATS_TEST_TMPDIR/a"
	produce_acked t 0 "$BATS_TEST_TMPDIR/a"
	kill -9 "$(eval "echo \$PID_$old")"
	wait_until 5 leader_is_not t 0 "$old"
	[ "$(ctl_field t 0 epoch)" = 2 ]
	new=$(ctl_field t 0 leader)
	wait_until 10 node_leads "$new" t 0
	# the dead node left the ISR with the election
	[[ "$(ctl_field t 0 isr)" != *"$old"* ]]
	seq 501 700 >"$BATS_TEST_TMPDIR/b"
	produce_acked t 0 "$BATS_TEST_TMPDIR/b"
	run -0 consumed t 0
	assert_output "$(seq 1 700)"
	# it comes back, follows the new epoch, catches up and rejoins the ISR
	node_start_again "$old"
	wait_until 20 eval '[ "$(ctl_field t 0 isr)" = 1,2,3 ]'
	run -0 ctl verify-replicas t
	assert_line -p "checked	t	0	0	700	3"
	assert_line "verified	1	differ	0	unreadable	0"
}

@test "a SIGSTOPped leader is replaced after the liveness timeout; resumed, it follows and acknowledges nothing" {
	ctl_start 3
	ctl create-topic s --partitions 1 --replicas 3 >/dev/null
	wait_until 10 leader_is_not s 0 -1
	old=$(ctl_field s 0 leader)
	wait_until 10 node_leads "$old" s 0
	seq 1 100 >"$BATS_TEST_TMPDIR/a"
	produce_acked s 0 "$BATS_TEST_TMPDIR/a"
	kill -STOP "$(eval "echo \$PID_$old")"
	wait_until 5 leader_is_not s 0 "$old"
	new=$(ctl_field s 0 leader)
	wait_until 10 node_leads "$new" s 0
	seq 101 200 >"$BATS_TEST_TMPDIR/b"
	produce_acked s 0 "$BATS_TEST_TMPDIR/b"
	kill -CONT "$(eval "echo \$PID_$old")"
	# resumed: told it follows at the new epoch
	d=$(eval "echo \$DATA_$old")
	wait_until 10 eval "printf 'partition s 0\n' | socat - UNIX-CONNECT:$d/admin.sock | grep -qx 'role	follower'"
	[ "$(printf 'partition s 0\n' | socat - "UNIX-CONNECT:$d/admin.sock" |
	    awk -F '\t' '$1 == "epoch" { print $2 }')" = 2 ]
	run -0 consumed s 0
	[ "$(head -200 <<<"$output")" = "$(seq 1 200)" ]
	wait_until 20 eval '[ "$(ctl_field s 0 isr)" = 1,2,3 ]'
	run -0 ctl verify-replicas s
	assert_line -p "differ	0"
}

@test "kill -9 of the controller: the data path keeps working; a new one resumes from the state dir at a higher epoch" {
	ctl_start 3
	ctl create-topic k --partitions 3 --replicas 2 >/dev/null
	wait_until 10 leader_is_not k 2 -1
	for p in 0 1 2; do wait_until 10 node_leads "$(ctl_field k $p leader)" k $p; done
	before=$(ctl status | grep '^k ')
	run -0 ctl status --json
	assert_output -p '"controller_epoch":1,'
	kill -9 "$CTL_PID"
	seq 1 50 >"$BATS_TEST_TMPDIR/a"
	produce_acked k 1 "$BATS_TEST_TMPDIR/a"
	# with none running, status reads the state and asks the brokers itself
	run -0 ctl status --json
	assert_output -p '"controller_epoch":1,'
	assert_output -p '"state":"live"'
	ctl_run
	run -0 ctl status --json
	assert_output -p '"controller_epoch":2,'
	# the same leaders at the same epochs: nothing was elected again
	[ "$(ctl status | grep '^k ' | awk '{print $1, $2, $3, $4, $5}')" = \
	    "$(awk '{print $1, $2, $3, $4, $5}' <<<"$before")" ]
	# every broker holds the new controller epoch
	for i in 1 2 3; do
		d=$(eval "echo \$DATA_$i")
		wait_until 5 eval "printf 'status\n' | socat - UNIX-CONNECT:$d/admin.sock | grep -qx 'controller_epoch	2'"
	done
}

@test "one controller per state dir; a controller with a newer epoch fences the older one" {
	ctl_start 2
	run -75 flume-ctl -d "$CDIR" run
	assert_output -p "another flume-ctl controls this state dir"
	# a second state dir a step ahead (a restored copy, say): it fences the first
	other=$(tmpdir other)
	cp "$CDIR/cluster" "$other/cluster"
	mkdir -p "$other/state"
	cp "$CDIR/state/state" "$CDIR/state/topics" "$other/state/" 2>/dev/null ||
	    cp "$CDIR/state/state" "$other/state/"
	bg_start ctl2 flume-ctl -d "$other" run
	wait_until 10 eval '! is_running "$CTL_PID"'
	run -75 bg_kill "$CTL_PID"
	grep -q "fenced by a controller with epoch 2" "$BATS_TEST_TMPDIR/ctl.err"
	# the old epoch is refused by every broker
	run -0 sh -c "printf 'controller 1\n' | socat - UNIX-CONNECT:$DATA_1/admin.sock"
	assert_output "error: fenced: controller epoch 1 is older than 2"
}

@test "clients' CreateTopics and DeleteTopics (kafkajs) and auto-creation (kcat) are carried out by the controller" {
	ctl_start 3
	run node "$FLUME_ROOT/t/interop/admin.js" "$BOOT" create viajs 4 min.insync.replicas=2
	assert_output ok
	wait_until 10 leader_is_not viajs 3 -1
	[ "$(ctl_field viajs 3 replicas)" = 1,2,3 ]
	grep -q "asks to create topic viajs: created" "$BATS_TEST_TMPDIR/ctl.err"
	# the config reached every broker
	for i in 1 2 3; do
		d=$(eval "echo \$DATA_$i")
		wait_until 5 grep -aqx 'viajs 4 min.insync.replicas=2' "$d/topics"
	done
	# auto-creation: a producer's Metadata for an unknown topic
	seq 1 10 | kcat -b "$BOOT" -t auto -P -X acks=all -X message.timeout.ms=20000
	run -0 consumed auto 0
	[ "$output" = "$(seq 1 10)" ]
	run node "$FLUME_ROOT/t/interop/admin.js" "$BOOT" delete viajs
	assert_output ok
	wait_until 10 eval '! ctl status | grep -q "^viajs "'
	for i in 1 2 3; do
		d=$(eval "echo \$DATA_$i")
		wait_until 10 eval "[ ! -d $d/viajs-0 ]"
	done
	# the offsets log exists, replicated, and groups work through its leader
	[ "$(ctl_field __consumer_offsets 0 replicas)" = 1,2,3 ]
}

@test "operators: elect --to, --unclean says what may be lost, drain, fence, reassign, reassign --plan" {
	ctl_start 3
	ctl create-topic o --partitions 1 --replicas 2 >/dev/null
	wait_until 10 leader_is_not o 0 -1
	reps=$(ctl_field o 0 replicas)
	l=$(ctl_field o 0 leader)
	other=$(tr ',' '\n' <<<"$reps" | grep -vx "$l")
	outside=$(printf '1\n2\n3\n' | grep -vx "${reps%,*}" | grep -vx "${reps#*,}")
	wait_until 10 node_leads "$l" o 0
	wait_until 10 eval '[ "$(ctl_field o 0 isr)" = "$reps" ]'
	run -0 ctl elect o 0 --to "$other"
	assert_output "o-0: node $other leads at epoch 2"
	wait_until 10 node_leads "$other" o 0
	run -1 ctl elect o 0 --to "$outside"
	assert_output -p "is not a replica of o-0"
	run -2 ctl elect nosuch 0
	assert_output -p "no partition nosuch-0"
	run -2 ctl drain 9
	assert_output -p "no node 9 in the cluster"
	run -1 ctl delete-topic __consumer_offsets
	assert_output -p "it is not deleted"
	run -0 ctl drain "$other"
	assert_output "node $other: 1 leaderships moved"
	wait_until 10 leader_is o 0 "$l"
	# reassign onto the third node: added, caught up, then the old one dropped
	seq 1 20 | kcat -b "$BOOT" -t o -p 0 -P -X acks=all
	run -0 ctl reassign o 0 "$(printf '%s\n%s\n' "$l" "$outside" | sort -n | paste -sd,)"
	want=$(printf '%s\n%s\n' "$l" "$outside" | sort -n | paste -sd,)
	wait_until 20 eval '[ "$(ctl_field o 0 replicas)" = "$want" ]'
	wait_until 20 eval '[ "$(ctl_field o 0 isr)" = "$want" ]'
	run -0 consumed o 0
	[ "$output" = "$(seq 1 20)" ]
	run -0 ctl reassign --plan
	assert_line -p "moves	"
	# fence the leader: it leads nothing any more
	run -0 ctl fence "$l"
	wait_until 5 leader_is o 0 "$outside"
	run -0 ctl unfence "$l"
	# unclean: only a replica outside the committed ISR lives
	wait_until 20 eval '[ "$(ctl_field o 0 isr)" = "$want" ]'
	kill -9 "$(eval "echo \$PID_$outside")"
	wait_until 5 leader_is o 0 "$l"
	wait_until 20 eval '[ "$(ctl_field o 0 isr)" = "$l" ]'
	seq 21 30 | kcat -b "$BOOT" -t o -p 0 -P -X acks=all
	wait_until 5 eval '[ "$(ctl_field o 0 log_end)" = 30 ]'
	kill -9 "$(eval "echo \$PID_$l")"
	wait_until 5 leader_is o 0 -1
	node_start_again "$outside"
	wait_until 10 eval 'ctl status | grep -Eq "^$outside +[^ ]+ +live"'
	run -1 ctl elect o 0
	assert_output -p "no live replica in the committed ISR"
	run -0 ctl elect o 0 --unclean
	assert_output -p "o-0: node $outside leads at epoch"
	assert_output -p "(unclean): offsets 20..29 may be lost"
}

@test "verify-replicas through exec: transports to stand-in brokers: equal, then different (exit 65 naming the partition and offsets)" {
	d=$(tmpdir fake)
	# a stand-in broker: answers status and digest from files (an exec: admin stream)
	cat >"$d/fake.sh" <<-'EOF'
	#!/bin/sh
	dir=$1 node=$2
	while read -r verb rest; do
		case $verb in
		status) cat "$dir/status.$node"; echo ok ;;
		digest) printf 'digest\t%s\nok\n' "$(cat "$dir/digest.$node")" ;;
		*) echo "error: unknown" ;;
		esac
	done
	EOF
	chmod +x "$d/fake.sh"
	printf 'node\t1\ncontroller_epoch\t0\npartition\tv\t0\t0\t40\t30\tleader\t3\t1\t1,2\t1,2\n' >"$d/status.1"
	printf 'node\t2\ncontroller_epoch\t0\npartition\tv\t0\t0\t35\t30\tfollower\t3\t1\t1,2\t-\n' >"$d/status.2"
	echo aaaa >"$d/digest.1"
	echo aaaa >"$d/digest.2"
	mkdir -p "$d/c"
	{
		echo "# stand-ins"
		echo "node 1 127.0.0.1:1 exec:$d/fake.sh $d 1"
		echo "node 2 127.0.0.1:2 exec:$d/fake.sh $d 2"
	} >"$d/c/cluster"
	run -0 flume-ctl -d "$d/c" verify-replicas
	assert_output "checked	v	0	0	30	2
verified	1	differ	0	unreadable	0"
	echo bbbb >"$d/digest.2"
	run -65 flume-ctl -d "$d/c" verify-replicas v
	assert_line "differ	v	0	1	2	0	30"
}

@test "bad input: cluster files, state files and verbs get a clear error and an exit code; nothing stored changes" {
	d=$(tmpdir bad)
	mkdir -p "$d/state"
	run -66 flume-ctl --cluster "$d/none" --state "$d/state" status
	printf 'node 1 127.0.0.1:9 /x\nnode 1 127.0.0.1:8 /y\n' >"$d/cluster"
	run -78 flume-ctl -d "$d" status
	assert_output -p "line 2: this node id is named twice"
	printf 'node 1 127.0.0.1:9 /x\nbroker 2 127.0.0.1:8 /y\n' >"$d/cluster"
	run -78 flume-ctl -d "$d" status
	assert_output -p "line 2: unknown field 'broker'"
	printf 'node 1 127.0.0.1:9\n' >"$d/cluster"
	run -78 flume-ctl -d "$d" run
	assert_output -p "line 1: want ADMIN"
	run -64 flume-ctl -d "$d" elect
	run -64 flume-ctl -d "$d" nosuchverb
	run -64 flume-ctl status
	# a damaged state file is refused, never replaced
	printf 'node 1 127.0.0.1:9 %s/nobody.sock\n' "$d" >"$d/cluster"
	printf 'flume-cluster 1\ncontroller-epoch 3\n' >"$d/state/state"
	sum=$(sha256sum <"$d/state/state")
	run -78 flume-ctl -d "$d" run
	assert_output -p "damaged"
	[ "$(sha256sum <"$d/state/state")" = "$sum" ]
	run -78 flume-ctl -d "$d" create-topic x --partitions 1 --replicas 1
	[ "$(sha256sum <"$d/state/state")" = "$sum" ]
	# one a newer flume wrote (its checksum right): refused too, kept as it is
	printf 'flume-cluster 2\ncontroller-epoch 3\n' >"$d/state/state"
	hex=$(printf 'flume-cluster 2\ncontroller-epoch 3\n' | b2sum -l 256 | cut -c1-64)
	printf "$(sed 's/../\\x&/g' <<<"$hex")" >>"$d/state/state"
	sum=$(sha256sum <"$d/state/state")
	run -78 flume-ctl -d "$d" run
	assert_output -p "written by a newer flume"
	[ "$(sha256sum <"$d/state/state")" = "$sum" ]
	# an unreachable node: the controller runs and says it is down
	rm "$d/state/state"
	bg_start lone flume-ctl -d "$d" run --liveness-ms 200
	CDIR=$d
	wait_until 5 eval 'ctl status --json | grep -q "\"state\":\"down\""'
	run -1 ctl create-topic x --partitions 1 --replicas 2
	assert_output -p "replicas must be 1..1"
}
