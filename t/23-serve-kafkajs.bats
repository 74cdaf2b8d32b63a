#!/usr/bin/env bats
# t/23-serve-kafkajs.bats: kafkajs 2.2.4 (t/interop, pinned by its
# package-lock.json) and kcat interoperate through flume-serve, gzip
# batches included.

load helpers
load serve-helpers

setup() {
	[ -d "$FLUME_ROOT/t/interop/node_modules/kafkajs" ] ||
		fail "kafkajs not installed (make deps runs npm ci in t/interop)"
}

teardown() { bg_stop_all; }

@test "kafkajs produces 10,000 records that kcat reads back" {
	serve_start a
	seq 0 9999 | sed 's/^/js-/' >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 120 node "$FLUME_ROOT/t/interop/produce.js" "$ADDR" fromjs \
	    <"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t fromjs -o beginning \
	    "${KCAT_END[@]}" -q
	[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
}

@test "kafkajs gzip batches are checked record by record, stored and read back by kcat" {
	serve_start a
	seq 0 4999 | sed 's/^/gz-/' >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 120 node "$FLUME_ROOT/t/interop/produce.js" "$ADDR" jsgzip --gzip \
	    <"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t jsgzip -o beginning \
	    "${KCAT_END[@]}" -q
	[ "$(sort "$BATS_TEST_TMPDIR/in")" = "$(sort <<<"$output")" ]
	[ "$(wc -l <<<"$output")" -eq 5000 ]
	# stored as sent: the low byte of the first batch's Attributes says gzip
	local f
	for f in "$DATA"/jsgzip-*/00000000000000000000.log; do
		[ -s "$f" ] || continue
		[ "$(od -An -tx1 -j22 -N1 "$f" | tr -d ' ')" = 01 ]
	done
}

@test "kafkajs idempotent producer: every record once" {
	serve_start a
	seq 0 2999 >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 120 node "$FLUME_ROOT/t/interop/produce.js" "$ADDR" jsidem \
	    --idempotent <"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t jsidem -o beginning \
	    "${KCAT_END[@]}" -q
	[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
}

@test "the same key lands on the same partition from kafkajs and kcat (murmur2)" {
	serve_start a
	serve_admin create fromjs 4
	serve_admin create fromkcat 4
	seq 0 9999 | awk '{ print "key" $1 % 97 ":v" $1 }' >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 120 node "$FLUME_ROOT/t/interop/produce.js" "$ADDR" fromjs \
	    --key-sep : <"$BATS_TEST_TMPDIR/in"
	run -0 timeout 60 kcat -b "$ADDR" -P -t fromkcat -K: \
	    -X partitioner=murmur2_random <"$BATS_TEST_TMPDIR/in"
	timeout 60 kcat -b "$ADDR" -C -t fromjs -o beginning "${KCAT_END[@]}" -q -f '%k\t%p\n' |
	    sort -u >"$BATS_TEST_TMPDIR/js"
	timeout 60 kcat -b "$ADDR" -C -t fromkcat -o beginning "${KCAT_END[@]}" -q -f '%k\t%p\n' |
	    sort -u >"$BATS_TEST_TMPDIR/kcat"
	# each key on exactly one partition, the same one for both clients
	[ "$(wc -l <"$BATS_TEST_TMPDIR/js")" -eq 97 ]
	diff "$BATS_TEST_TMPDIR/js" "$BATS_TEST_TMPDIR/kcat"
	# more than one partition in use, and all 10,000 records there, per-key order kept
	[ "$(cut -f2 "$BATS_TEST_TMPDIR/js" | sort -u | wc -l)" -gt 1 ]
	timeout 60 kcat -b "$ADDR" -C -t fromjs -o beginning "${KCAT_END[@]}" -q -f '%k:%s\n' \
	    >"$BATS_TEST_TMPDIR/out"
	[ "$(sort "$BATS_TEST_TMPDIR/out")" = "$(sort "$BATS_TEST_TMPDIR/in")" ]
	[ "$(grep '^key5:' "$BATS_TEST_TMPDIR/out")" = "$(grep '^key5:' "$BATS_TEST_TMPDIR/in")" ]
}

@test "kafkajs consumes what kcat produced" {
	# consume.js reads through a new consumer group: no 3 s first join round
	serve_start a "${GROUP_SERVE_ARGS[@]}"
	serve_admin create tojs 2
	seq 0 999 | sed 's/^/k:/' | timeout 60 kcat -b "$ADDR" -P -t tojs -K:
	run -0 --separate-stderr timeout 120 node "$FLUME_ROOT/t/interop/consume.js" \
	    "$ADDR" tojs 1000
	[ "$(cut -f4 <<<"$output")" = "$(seq 0 999)" ]
}

@test "kafkajs admin creates a topic with configs; one flume does not know is refused" {
	serve_start a
	run -0 timeout 60 node "$FLUME_ROOT/t/interop/admin.js" "$ADDR" create cfg 2 \
	    retention.ms=3600000 min.insync.replicas=1
	assert_output ok
	run -0 serve_admin config cfg
	assert_line "$(printf 'retention.ms\t3600000\ttopic')"
	assert_line "$(printf 'min.insync.replicas\t1\ttopic')"
	assert_line "$(printf 'retention.bytes\t-1\tdefault')"
	run -1 timeout 60 node "$FLUME_ROOT/t/interop/admin.js" "$ADDR" create cmp 1 \
	    cleanup.policy=compact
	assert_output -p "error INVALID_CONFIG"
	run -1 timeout 60 node "$FLUME_ROOT/t/interop/admin.js" "$ADDR" create neg 1 \
	    retention.ms=-5
	assert_output -p "error INVALID_CONFIG"
	run -0 serve_admin topics
	refute_output -p cmp
	refute_output -p neg
}
