#!/usr/bin/env bats
# t/29-serve-compress.bats: compressed batches (gzip, snappy, lz4, zstd) are
# validated record by record as Kafka does and served back as they came;
# a batch whose MaxTimestamp is wrong (sarama writes -1) is stored with
# its records' largest timestamp, so ListOffsets by time finds it.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

CODECS=(none gzip snappy lz4 zstd)

@test "kcat produces with each codec and consumes every record back" {
	serve_start a
	seq 1 3000 | sed 's/^/record-/' >"$BATS_TEST_TMPDIR/in"
	local a c z
	for c in 1 2 3 4; do
		z=${CODECS[$c]}
		# linger: the first batch is not one lone record (left uncompressed)
		run -0 timeout 60 kcat -b "$ADDR" -P -t "cz-$z" -p 0 -z "$z" -X linger.ms=200 \
		    <"$BATS_TEST_TMPDIR/in"
		run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t "cz-$z" -o beginning \
		    "${KCAT_END[@]}" -q
		[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
		[ "$(serve_log_end "cz-$z" 0)" = 3000 ]
		# stored as sent: the first batch's Attributes name the codec.
		# librdkafka 2.0 (Debian 12's kcat) compresses gzip, snappy and lz4
		# only for a broker that lists Produce v0, as flume does since it
		# takes the old message sets; zstd needs Produce v7.
		a=$(od -An -tu1 -j22 -N1 "$DATA/cz-$z-0/00000000000000000000.log" | tr -d ' ')
		[ "$a" = "$c" ]
	done
}

@test "a batch with MaxTimestamp -1 is found by ListOffsets by time, compressed or not" {
	serve_start a
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -t mts	# creates it
	local c base off
	# (not "i": bats' run uses it)
	for c in "${!CODECS[@]}"; do
		base=$((1700000000000 + c * 1000))
		# records at base .. base + 4, MaxTimestamp -1 in the header
		run -0 flume-test-tool produce-batch "$ADDR" mts "${CODECS[$c]}" 5 "$base" -1
		[ "$output" = "0	$((c * 5))" ]
	done
	for c in "${!CODECS[@]}"; do
		base=$((1700000000000 + c * 1000))
		off=$((c * 5))
		run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t "mts:0:$base"
		[[ $output == *"mts [0] offset $off"* ]]
		# inside the batch: the record itself, compressed batches included
		run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t "mts:0:$((base + 3))"
		[[ $output == *"mts [0] offset $((off + 3))"* ]]
	done
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t "mts:0:$((1700000000000 + 4005))"
	[[ $output == *"mts [0] offset -1"* ]]
	# stored with the right MaxTimestamp and CRC: served and read back whole
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t mts -o beginning \
	    "${KCAT_END[@]}" -q -f '%o %T %s\n'
	[ "${#lines[@]}" -eq 25 ]
	[ "${lines[0]}" = "0 1700000000000 v1" ]
	[ "${lines[24]}" = "24 1700000004004 v5" ]
	# the segment checks clean, MaxTimestamp and all
	bg_kill "$SERVE_PID"
	run -0 flume-seg verify "$DATA/mts-0"
}

@test "invalid batches are refused, compressed or not, and nothing of them is stored" {
	serve_start a
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -t bad
	local z
	for z in "${CODECS[@]}"; do
		# RecordCount one more than the records: the walk runs off the end
		run -0 flume-test-tool produce-batch "$ADDR" bad "$z" 3 1000 1002 count
		[ "${output%%	*}" = 2 ]		# CORRUPT_MESSAGE
		# OffsetDelta of record 1 is 0: INVALID_RECORD
		run -0 flume-test-tool produce-batch "$ADDR" bad "$z" 3 1000 1002 delta
		[ "${output%%	*}" = 87 ]
		# the payload's last byte gone: a record cut, or a frame that
		# does not decompress
		run -0 flume-test-tool produce-batch "$ADDR" bad "$z" 3 1000 1002 payload
		[ "${output%%	*}" = 2 ]
	done
	[ "$(serve_log_end bad 0)" = 0 ]
	# and a good one still goes in at offset 0
	run -0 flume-test-tool produce-batch "$ADDR" bad zstd 3 1000 1002
	[ "$output" = "0	0" ]
}
