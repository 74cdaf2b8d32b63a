#!/usr/bin/env bats
# t/38-sarama.bats: sarama (Debian's golang-github-shopify-sarama-dev 1.22,
# built offline by the Makefile into FLUME_SARAMA) with its default
# configuration: version 0.8.2, so Produce v0 and Fetch v0 with magic 0
# messages, Metadata v0, OffsetCommit v1; a consumer group (at the lowest
# version sarama allows for one, 0.10.2: Fetch v3 with magic 1) with its
# default commits; and the cluster admin (at 0.11, the lowest at which
# sarama sends DescribeConfigs).  t/interop/sarama/main.go says what each
# command does.

load helpers
load serve-helpers

setup() {
	: "${FLUME_SARAMA:=$FLUME_ROOT/build/interop/flume-sarama}"
	[ -x "$FLUME_SARAMA" ] || fail "flume-sarama not built (make check builds it)"
}

teardown() { bg_stop_all; }

sarama() {
	timeout 120 "$FLUME_SARAMA" "$@"
}

@test "sarama: the default producer (Produce v0, magic 0), kcat reads every record" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	serve_admin create sp 1
	run -0 --separate-stderr sarama produce "$ADDR" sp 200
	[ "$output" = "acked 200 last 199" ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t sp -o beginning \
	    "${KCAT_END[@]}" -q -f '%k=%s\n'
	[ "$output" = "$(seq 0 199 | awk '{ print "key-" $1 "=value-" $1 }')" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "sarama: the default consumer (Fetch v0) reads what kcat produced" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	seq 0 199 | awk '{ print "key-" $1 ":value-" $1 }' |
		timeout 60 kcat -b "$ADDR" -P -t sc -K: -p 0
	run -0 --separate-stderr sarama consume "$ADDR" sc 200
	[ "$output" = "consumed 200 first 0 last 199" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "sarama: a consumer group with default commits resumes where it left off" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	serve_admin create sg 1
	run -0 --separate-stderr sarama produce "$ADDR" sg 100
	run -0 --separate-stderr sarama group "$ADDR" sg grp 100
	[ "$output" = "consumed 100 last 99" ]
	run -0 --separate-stderr sarama committed "$ADDR" sg grp
	[ "$output" = "committed 100" ]
	run -0 --separate-stderr sarama produce "$ADDR" sg 10 100
	run -0 --separate-stderr sarama group "$ADDR" sg grp 10
	[ "$output" = "consumed 10 last 109" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "sarama: the cluster admin creates, lists, describes configs and deletes" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 --separate-stderr sarama admin "$ADDR" made-by-sarama
	echo "$output"
	[[ $output =~ ^admin\ ok\ configs\ [1-9] ]]
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
	[[ $output != *made-by-sarama* ]]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}
