#!/usr/bin/env bats
# t/35-cluster-sasl.bats: three brokers whose listeners require SASL; their
# followers (flume-repl) log in as the replica user with SCRAM-SHA-512 and
# need its cluster grant to fetch.  A test helper plays the controller, as
# in t/31.

load helpers
load serve-helpers
load cluster-helpers

teardown() { bg_stop_all; }

# users on every node before it starts: repl (a super user) and alice
sasl_nodes() {
	local i d
	printf 'repl-pw\n' >"$BATS_TEST_TMPDIR/repl.pw"
	for i in 1 2 3; do
		d=$(tmpdir "n$i")/data
		mkdir -p "$d"
		printf 'repl-pw\n' | flume-serve user add repl --data "$d"
		flume-serve acl add repl all cluster '*' --data "$d"
		printf 'alice-pw\n' | flume-serve user add alice --data "$d"
		flume-serve acl add alice all topic t --data "$d"
	done
}

kc() {
	timeout 60 kcat -b "$BOOT" -X security.protocol=SASL_PLAINTEXT \
	    -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=alice \
	    -X sasl.password=alice-pw "$@"
}

lead_on_1() {
	node_admin 1 "lead t 0 1 1,2,3 1,2,3" | grep -qx ok
	node_admin 2 "follow t 0 1 1 1,2,3" | grep -qx ok
	node_admin 3 "follow t 0 1 1 1,2,3" | grep -qx ok
}

@test "followers authenticate to a SASL leader and copy every acks=all record" {
	sasl_nodes
	cluster_start 3 --sasl --replica-user repl \
	    --replica-password-file "$BATS_TEST_TMPDIR/repl.pw"
	lead_on_1
	seq 1 5000 | kc -t t -P -p 0 -X acks=all
	[ "$(part_field 1 t 0 hw)" -eq 5000 ]
	wait_until 30 log_end_is 2 t 0 5000
	wait_until 30 log_end_is 3 t 0 5000
	digests_equal t 0 5000 1 2 3
	# nobody was refused on the way
	! grep -q "denied\|authentication failed" "$BATS_TEST_TMPDIR/n1.err"
}

@test "without the cluster grant a follower is refused, and copies again once granted" {
	sasl_nodes
	cluster_start 3 --sasl --replica-user repl \
	    --replica-password-file "$BATS_TEST_TMPDIR/repl.pw"
	lead_on_1
	seq 1 100 | kc -t t -P -p 0 -X acks=all
	wait_until 30 log_end_is 2 t 0 100
	flume-serve acl del repl all cluster '*' --data "$DATA_1"
	wait_until 30 grep -q "denied replica fetch on cluster to repl" "$BATS_TEST_TMPDIR/n1.err"
	seq 101 200 | kc -t t -P -p 0 -X acks=1
	[ "$(part_field 1 t 0 log_end)" -eq 200 ]
	log_end_is 2 t 0 100
	flume-serve acl add repl all cluster '*' --data "$DATA_1"
	wait_until 30 log_end_is 2 t 0 200
	wait_until 30 log_end_is 3 t 0 200
	digests_equal t 0 200 1 2 3
}

@test "a wrong replica password is refused and retried, never fatal; fixing the file is enough" {
	sasl_nodes
	printf 'not-it\n' >"$BATS_TEST_TMPDIR/bad.pw"
	cluster_start 3 --sasl --replica-user repl --replica-password-file "$BATS_TEST_TMPDIR/bad.pw"
	lead_on_1
	seq 1 50 | kc -t t -P -p 0 -X acks=1
	wait_until 30 grep -q "authentication failed" "$BATS_TEST_TMPDIR/n1.err"
	log_end_is 2 t 0 0
	# the file is read again at each connection: fixing it is enough
	printf 'repl-pw\n' >"$BATS_TEST_TMPDIR/bad.pw"
	wait_until 30 log_end_is 2 t 0 50
	wait_until 30 log_end_is 3 t 0 50
	is_running "$PID_2" && is_running "$PID_3"
}
