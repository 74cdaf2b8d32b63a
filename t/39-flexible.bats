#!/usr/bin/env bats
# t/39-flexible.bats: a client that speaks flexible versions (KIP-482:
# compact strings, tagged fields, request header v2): librdkafka 2.0.2
# (Debian's kcat) opens with ApiVersions v3 and, against flume's
# advertisement, sends InitProducerId v4 for an idempotent producer and
# OffsetFetch v7 for a group consumer.  librdkafka's protocol debug log
# (-d protocol) shows the version of every request it sent, so each test
# checks that the flexible version was really used, then that it worked.
# The admin APIs' flexible versions are driven by t/29-serve-admin-apis;
# the core APIs' versions no installed client sends (Kafka 3.9's highest)
# by t/interop/kcoreraw.py, built from Kafka 3.9's message JSON.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

kcore() { timeout 60 /usr/bin/python3 "$FLUME_ROOT/t/interop/kcoreraw.py" "$@"; }

# sent LOG NAME: the versions of request NAME in a kcat -d protocol log
sent() {
	grep -o "Sent $2Request (v[0-9]*" "$1" | sed 's/.*(v//' | sort -u | tr '\n' ' '
}

@test "flexible: ApiVersions v3 is answered in full, at the first try" {
	serve_start a
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -d protocol
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/kcat.log"
	[ "$(sent "$BATS_TEST_TMPDIR/kcat.log" ApiVersion)" = "3 " ]
	run ! grep -q "ApiVersionRequest failed" "$BATS_TEST_TMPDIR/kcat.log"
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "flexible: an idempotent producer's InitProducerId v4" {
	serve_start a
	seq 1 500 | timeout 60 kcat -b "$ADDR" -P -t fi -X enable.idempotence=true \
	    -d protocol,eos 2>"$BATS_TEST_TMPDIR/kcat.log"
	[ "$(sent "$BATS_TEST_TMPDIR/kcat.log" InitProducerId)" = "4 " ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t fi -o beginning \
	    "${KCAT_END[@]}" -q
	[ "$output" = "$(seq 1 500)" ]
	# the flexible answer's producer id reached the producer
	grep -q "Idempotent producer state change WaitPID -> Assigned" "$BATS_TEST_TMPDIR/kcat.log"
	grep -q "PID{Id:[0-9]*,Epoch:0}" "$BATS_TEST_TMPDIR/kcat.log"
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "flexible: a group consumer's OffsetFetch v7 finds its commit" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	seq 1 50 | timeout 60 kcat -b "$ADDR" -P -t fg
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -G gf fg \
	    -X auto.offset.reset=earliest -e -q -d protocol
	[ "$output" = "$(seq 1 50)" ]
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/kcat1.log"
	[ "$(sent "$BATS_TEST_TMPDIR/kcat1.log" OffsetFetch)" = "7 " ]
	seq 51 60 | timeout 60 kcat -b "$ADDR" -P -t fg
	# a second member of the group resumes at the commit, read by OffsetFetch v7
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -G gf fg \
	    -X auto.offset.reset=earliest -e -q -d protocol
	[ "$output" = "$(seq 51 60)" ]
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/kcat2.log"
	[ "$(sent "$BATS_TEST_TMPDIR/kcat2.log" OffsetFetch)" = "7 " ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "flexible: InitProducerId v3-5 gives an idempotent producer a new id, as Kafka" {
	serve_start a
	run -0 kcore initpid "$ADDR" 5
	[[ $output =~ ^"error 0 pid "([0-9]+)" epoch 0"$ ]]
	pid=${BASH_REMATCH[1]}
	# KIP-360's ProducerId/Epoch: Kafka's coordinator ignores them when
	# the transactional id is null and hands out a new id at epoch 0
	run -0 kcore initpid "$ADDR" 4 "$pid" 0
	[[ $output =~ ^"error 0 pid "([0-9]+)" epoch 0"$ ]]
	[ "${BASH_REMATCH[1]}" != "$pid" ]
	run -0 kcore initpid "$ADDR" 3 "$pid" -1
	[ "$output" = "error 42 pid -1 epoch -1" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "flexible: Produce v8-11, ListOffsets v4-9, OffsetForLeaderEpoch v4" {
	serve_start a
	run -0 serve_admin create lo 1
	run -0 kcore produce "$ADDR" 9 lo 0 a b c
	[ "$output" = "error 0 base 0 message - recerrs 0" ]
	run -0 kcore produce "$ADDR" 8 lo 0 d
	[ "$output" = "error 0 base 3 message - recerrs 0" ]
	# a batch that fails the record check: v8+ say why
	run -0 kcore produce "$ADDR" 9 lo 0 e f +bad
	[[ $output =~ ^"error 87 base -1 message "[^-].*" recerrs 0"$ ]]
	# v10-11 (KIP-951) only add where the leader is to NOT_LEADER answers
	run -0 kcore produce "$ADDR" 11 lo 0 g
	[ "$output" = "error 0 base 4 message - recerrs 0" ]
	run -0 kcore list-offsets "$ADDR" 9 lo 0 -1
	[[ $output =~ ^"error 0 ts -1 offset 5 epoch "([0-9]+)$ ]]
	epoch=${BASH_REMATCH[1]}
	run -0 kcore list-offsets "$ADDR" 6 lo 0 -2 "$epoch"
	[ "$output" = "error 0 ts -1 offset 0 epoch $epoch" ]
	run -0 kcore list-offsets "$ADDR" 8 lo 0 -4
	[ "$output" = "error 0 ts -1 offset 0 epoch $epoch" ]
	run -0 kcore list-offsets "$ADDR" 9 lo 0 -5
	[ "$output" = "error 0 ts -1 offset -1 epoch -1" ]
	# MAX_TIMESTAMP: the first record of the newest timestamp (batches a-c, d, g)
	run -0 kcore list-offsets "$ADDR" 7 lo 0 -3
	[[ $output =~ ^"error 0 ts "[0-9]+" offset "[034]" epoch $epoch"$ ]]
	run -0 kcore list-offsets "$ADDR" 5 lo 0 -1 $((epoch + 1))
	[ "$output" = "error 75 ts -1 offset -1 epoch -1" ]
	run -0 kcore list-offsets "$ADDR" 4 lo 0 -1 "$epoch"
	[ "$output" = "error 0 ts -1 offset 5 epoch $epoch" ]
	run -0 kcore ofle "$ADDR" 4 lo 0 "$epoch" "$epoch"
	[ "$output" = "error 0 epoch $epoch end 5" ]
	run -0 kcore ofle "$ADDR" 4 lo 0 "$epoch" $((epoch + 1))
	[ "$output" = "error 75 epoch -1 end -1" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "flexible: CreateTopics v5-6 describe the new topic, DeleteTopics v5-6" {
	serve_start a
	run -0 kcore create "$ADDR" 5 ct 2 validate
	[[ $output =~ ^"error 0 parts 2 rf 1 configs "(.*)$ ]]
	[[ ${BASH_REMATCH[1]} == *retention.ms=* ]]
	run -0 kcore create "$ADDR" 6 ct 3
	[[ $output =~ ^"error 0 parts 3 rf 1 configs ".*"retention.ms=" ]]
	run -0 kcore create "$ADDR" 6 ct 3
	[ "$output" = "error 36 parts -1 rf -1 configs " ]
	run -0 kcore delete "$ADDR" 5 nosuch
	[ "$output" = "nosuch:3:This server does not host this topic-partition." ]
	# v6: by name; an id is unknown, flume has no topic ids (as Kafka for an unknown id)
	run -0 kcore delete "$ADDR" 6 ct @0102030405060708090a0b0c0d0e0f10
	[ "$output" = "ct:0:- -:100:This server does not host this topic ID." ]
	run -0 kcore delete "$ADDR" 6 ct
	[ "$output" = "ct:3:This server does not host this topic-partition." ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}
