#!/usr/bin/env bats
# t/72-offsets-migrate.bats: a data directory of format 1, whose
# __consumer_offsets-0 holds records in flume's legacy layout, keeps its
# committed offsets across the one-time migration to Kafka's record schemas
# (DESIGN section 7.2), and what the broker writes there decodes as Kafka's
# tools decode it (t/interop/offsets.js, written from Kafka's schemas).
#
# t/fixtures/offsets-format1.tar.gz was made by flume-serve as it was before
# the migration (commit 288b516): topic t with 4 partitions and 40 records,
# then `flume-cat -G g1 t -c 25`, `flume-cat -G g2 t -c 7` and
# `flume-test-tool commit-loop ADDR g3 t 6` (commits with metadata), which
# left these committed offsets (group, partition, offset):

load helpers
load serve-helpers

COMMITTED='g1 0 12
g1 1 13
g1 2 0
g1 3 0
g2 0 7
g2 1 0
g2 2 0
g2 3 0
g3 0 4
g3 1 5
g3 2 6
g3 3 3'

# unpack the fixture as the data directory of broker NAME (serve_start's)
unpack() {
	tar -xzf "$FLUME_ROOT/t/fixtures/offsets-format1.tar.gz" -C "$(tmpdir "$1")"
}

# committed: "group partition offset" lines from flume-cat -L -G, sorted
committed() {
	flume-cat -b "$ADDR" -L -G --format tsv |
	    awk -F '\t' 'NR > 1 && $6 == "t" { print $1, $7, $8 }' | sort
}

teardown() {
	bg_stop_all
}

@test "a format-1 directory is migrated once and keeps every committed offset" {
	unpack s
	local seg=__consumer_offsets-0/00000000000000000000.log before
	before=$(cksum <"$BATS_TEST_TMPDIR/s/data/$seg")
	head -n 1 "$BATS_TEST_TMPDIR/s/data/meta" | grep -qx 'format 1'
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	grep -q 'migrated to Kafka.s record schemas: 12 commits and 3 groups' \
	    "$BATS_TEST_TMPDIR/s.err"
	grep -q 'meta: format 1 -> 2' "$BATS_TEST_TMPDIR/s.err"
	head -n 1 "$DATA/meta" | grep -qx 'format 2'
	run -0 committed
	[ "$output" = "$COMMITTED" ]
	# nothing was cut or rewritten: the legacy segment (offsets 0-15) is as
	# it was, the migrated records follow it (12 commits, 2 groups: g3 has
	# no generation)
	[ "$(cksum <"$DATA/$seg")" = "$before" ]
	[ "$(serve_log_end __consumer_offsets 0)" -eq 30 ]

	# a restart replays legacy and migrated records alike, and migrates nothing
	bg_kill "$SERVE_PID"
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	[ "$(grep -c 'migrated to Kafka' "$BATS_TEST_TMPDIR/s.err" "$BATS_TEST_TMPDIR/s.log" |
	    awk -F: '{ n += $2 } END { print n }')" -eq 1 ]
	grep -q '(0 skipped)' "$BATS_TEST_TMPDIR/s.err"
	run -0 committed
	[ "$output" = "$COMMITTED" ]
}

@test "members resume at the offsets committed before the migration" {
	unpack s
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	# g2 committed 7 on partition 0 and 0 elsewhere: it reads 40 - 7 records,
	# none of partition 0 below offset 7
	run -0 --separate-stderr flume-cat -b "$ADDR" -G g2 t -e -f '%p\t%o\n'
	[ "${#lines[@]}" -eq 33 ]
	[ "$(awk -F '\t' '$1 == 0' <<<"$output" | sort -n -k2 | head -n 1)" = "$(printf '0\t7')" ]
	# g1 likewise: only partition 1's last two records and partitions 2
	# and 3 are left (15 - 13 + 10 + 3)
	run -0 --separate-stderr flume-cat -b "$ADDR" -G g1 t -e -f '%p\t%o\n'
	[ "${#lines[@]}" -eq 15 ]
	[ "$(awk -F '\t' '$1 == 1 { print $2 }' <<<"$output" | sort -n | tr '\n' ' ')" = "13 14 " ]
	# librdkafka (kcat) resumes g3 (commits with metadata) at 4, 5, 6 and 3:
	# 8 + 10 + 4 + 0 records
	run -0 --separate-stderr kcat -b "$ADDR" -G g3 -e -X auto.offset.reset=earliest \
	    -f '%p\t%o\n' t
	[ "${#lines[@]}" -eq 22 ]
	[ "$(sort -n -k2 <<<"$output" | awk -F '\t' '!seen[$1]++ { print $1 ":" $2 }' |
	    sort | tr '\n' ' ')" = "0:4 1:5 2:6 " ]
	# new commits after the migration survive a restart, next to the old
	bg_kill "$SERVE_PID"
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	run -0 committed
	grep -qx 'g2 0 12' <<<"$output"
	grep -qx 'g1 1 15' <<<"$output"
	grep -qx 'g3 2 10' <<<"$output"
	grep -qx 'g3 3 3' <<<"$output"
}

@test "a damaged meta file in a format-1 directory is refused, and nothing is written" {
	unpack s
	local d="$BATS_TEST_TMPDIR/s/data" before
	printf 'X' | dd of="$d/meta" bs=1 seek=3 conv=notrunc 2>/dev/null
	before=$(cat "$d/__consumer_offsets-0/"*.log "$d/meta" | cksum)
	run -65 flume-serve --data "$d" --listen 127.0.0.1:0
	[ "$(cat "$d/__consumer_offsets-0/"*.log "$d/meta" | cksum)" = "$before" ]
	# and a missing one as well (the directory holds topics: not a new one)
	rm "$d/meta"
	run -65 flume-serve --data "$d" --listen 127.0.0.1:0
	[ ! -e "$d/meta" ]
}

# offsets_records FROM: the records of __consumer_offsets-0 from offset FROM
# on, decoded by t/interop/offsets.js (Kafka's schemas, written apart from
# flume's codec); its exit status is the decoder's.
offsets_records() {
	kcat -b "$ADDR" -C -t __consumer_offsets -p 0 -o "$1" -e -f '%K\n%k%S\n%s' 2>/dev/null |
	    node "$FLUME_ROOT/t/interop/offsets.js"
}

@test "the migrated records, and new ones, decode as Kafka's tools decode them" {
	unpack s
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	# the legacy records are what lag monitors choked on
	run -1 offsets_records 0
	# from the migration's first record on, everything decodes
	run -0 --separate-stderr offsets_records 16
	[ "$(grep '^commit ' <<<"$output" | awk '$3 == "t" { print $2, $4, $5 }' | sort)" = \
	    "$COMMITTED" ]
	# the metadata g3 committed with survived (47 bytes), null metadata is ""
	[ "$(awk '$1 == "commit" && $2 == "g3" { print $7 }' <<<"$output" | sort -u)" = 47 ]
	[ "$(awk '$1 == "commit" && $2 == "g1" { print $7 }' <<<"$output" | sort -u)" = 0 ]
	grep -qx 'group g1 consumer 1 flume-sticky null 0' <<<"$output"
	# a librdkafka member joins, is assigned, commits and leaves: its group
	# records carry it as a member, the leader and the protocol
	run -0 --separate-stderr kcat -b "$ADDR" -G g4 -e -X auto.offset.reset=earliest \
	    -f '%p\t%o\n' t
	[ "${#lines[@]}" -eq 40 ]
	run -0 --separate-stderr offsets_records 30
	grep -Eq '^group g4 consumer 1 range rdkafka-[0-9a-f-]+ 1$' <<<"$output"
	[ "$(awk '$1 == "commit" && $2 == "g4" { print $4, $5 }' <<<"$output" | sort)" = \
	    "$(printf '0 12\n1 15\n2 10\n3 3')" ]
}

@test "a crash between the rewrite and the format-2 meta file migrates again, to the same offsets" {
	unpack s
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	bg_kill "$SERVE_PID"
	# as if it had died before storing format 2: the rewritten records stay
	local cluster
	cluster=$(awk '$1 == "cluster" { print $2 }' "$DATA/meta" 2>/dev/null | tr -cd '0-9a-f')
	[ "${#cluster}" -eq 32 ]
	printf 'format 1\nnode 1\ncluster %s\n' "$cluster" |
	    flume-test-tool durable-write "$DATA" meta
	serve_start s "${GROUP_SERVE_ARGS[@]}"
	# the second copy follows the first; the state is the same
	grep -q 'written again at offsets 30-44' "$BATS_TEST_TMPDIR/s.err"
	head -n 1 "$DATA/meta" | grep -qx 'format 2'
	run -0 committed
	[ "$output" = "$COMMITTED" ]
}
