#!/usr/bin/env bats
# t/37-kafka-python.bats: kafka-python (Debian's python3-kafka 2.0.2) with
# its default settings: the version probe (ApiVersions v0 then Metadata v0
# at once), the producer, a group consumer with its default commits, and
# the admin client.  Driven by t/interop/kpy.py under Debian's python3.

load helpers
load serve-helpers

PY=/usr/bin/python3

setup() {
	"$PY" -c 'import kafka' 2>/dev/null ||
		fail "python3-kafka not installed (make deps installs it)"
}

teardown() { bg_stop_all; }

kpy() {
	timeout 120 "$PY" "$FLUME_ROOT/t/interop/kpy.py" "$@"
}

@test "kafka-python: the version probe sees a 2.x broker, nothing is refused" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 --separate-stderr kpy probe "$ADDR"
	echo "$output"
	[[ $output =~ ^version\ 2\.[0-9]+ ]]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "kafka-python: produce with the defaults, kcat reads every record" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 --separate-stderr kpy produce "$ADDR" py 500
	[ "$output" = "acked 500 last 499" ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t py -o beginning \
	    "${KCAT_END[@]}" -q -f '%k=%s\n'
	[ "$output" = "$(seq 0 499 | awk '{ print "key-" $1 "=value-" $1 }')" ]
	[ "$(serve_log_end py 0)" = 500 ]
}

@test "kafka-python: a group consumer commits, and a second one resumes there" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 --separate-stderr kpy produce "$ADDR" pyg 300
	run -0 --separate-stderr kpy consume "$ADDR" pyg grp 300
	[ "$output" = "consumed 300 first 0 last 299" ]
	run -0 --separate-stderr kpy committed "$ADDR" pyg grp
	[ "$output" = "committed 300" ]
	run -0 --separate-stderr kpy produce "$ADDR" pyg 20 300
	run -0 --separate-stderr kpy consume "$ADDR" pyg grp 20
	[ "$output" = "consumed 20 first 300 last 319" ]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}

@test "kafka-python: the admin client creates, lists, describes and deletes" {
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	run -0 --separate-stderr kpy produce "$ADDR" pya 10
	run -0 --separate-stderr kpy consume "$ADDR" pya grpa 10
	run -0 --separate-stderr kpy admin "$ADDR" made-by-python
	echo "$output"
	[[ $output =~ ^admin\ ok\ groups\ 1\ described\ 1 ]]
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
	[[ $output != *made-by-python* ]]
	run ! grep "closing connection" "$BATS_TEST_TMPDIR/a.err"
}
