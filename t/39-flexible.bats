#!/usr/bin/env bats
# t/39-flexible.bats: a client that speaks flexible versions (KIP-482:
# compact strings, tagged fields, request header v2): librdkafka 2.0.2
# (Debian's kcat) opens with ApiVersions v3 and, against flume's
# advertisement, sends InitProducerId v2 for an idempotent producer and
# OffsetFetch v7 for a group consumer.  librdkafka's protocol debug log
# (-d protocol) shows the version of every request it sent, so each test
# checks that the flexible version was really used, then that it worked.
# The admin APIs' flexible versions are driven by t/29-serve-admin-apis.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

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

@test "flexible: an idempotent producer's InitProducerId v2" {
	serve_start a
	seq 1 500 | timeout 60 kcat -b "$ADDR" -P -t fi -X enable.idempotence=true \
	    -d protocol,eos 2>"$BATS_TEST_TMPDIR/kcat.log"
	[ "$(sent "$BATS_TEST_TMPDIR/kcat.log" InitProducerId)" = "2 " ]
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
