#!/usr/bin/env bats
# flume-seg: what append writes, cat, info and digest read back.

load helpers

TS=1700000000000

# json_values FILE: the "value" of each JSON line, decoded, one per line.
json_values() {
	jq -j '.value + "\n"' "$1"
}

@test "append lines, cat prints them back" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'one\ntwo\n\nfour with spaces\n' >"$BATS_TEST_TMPDIR/in"
	run -0 flume-seg append "$d" <"$BATS_TEST_TMPDIR/in"
	[ -z "$output" ]
	run -0 --separate-stderr flume-seg cat "$d"
	[ "$output" = "$(cat "$BATS_TEST_TMPDIR/in")" ]
	flume-seg cat "$d" | cmp - "$BATS_TEST_TMPDIR/in"
}

@test "a last line without a newline is a record too" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'a\nb' | flume-seg append "$d"
	run -0 flume-seg cat "$d"
	[ "$output" = "$(printf 'a\nb')" ]
	run -0 flume-seg info --format json "$d"
	[ "$(jq -r .records <<<"$output")" = 2 ]
}

@test "empty input appends nothing and leaves a valid, empty partition" {
	d="$BATS_TEST_TMPDIR/p"
	flume-seg append "$d" </dev/null
	run -0 flume-seg verify "$d"
	run -0 flume-seg cat "$d"
	[ -z "$output" ]
	run -0 flume-seg info --json "$d"
	[ "$(jq -r '.records, .last_offset' <<<"$output")" = "$(printf '0\nnull')" ]
}

@test "append -z: NUL-separated records may hold newlines" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'line one\nline two\0second\0\0fourth\0' >"$BATS_TEST_TMPDIR/in"
	flume-seg append -z "$d" <"$BATS_TEST_TMPDIR/in"
	flume-seg cat -z "$d" | cmp - "$BATS_TEST_TMPDIR/in"
	run -0 flume-seg cat --json "$d"
	[ "$(jq -r .value <<<"${lines[0]}")" = "$(printf 'line one\nline two')" ]
	[ "${#lines[@]}" -eq 4 ]
}

@test "append -K splits key and value; cat -K and --json give them back" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'k1=v1\nnokey\nk2=v=2\n=emptykey\n' >"$BATS_TEST_TMPDIR/in"
	flume-seg append -K = "$d" <"$BATS_TEST_TMPDIR/in"
	flume-seg cat -K = "$d" | cmp - "$BATS_TEST_TMPDIR/in"
	run -0 flume-seg cat --json "$d"
	[ "$(jq -c '[.offset, .key, .value, .headers]' <<<"$output" | tr '\n' ' ')" = \
	    '[0,"k1","v1",[]] [1,null,"nokey",[]] [2,"k2","v=2",[]] [3,"","emptykey",[]] ' ]
	# a multi-byte separator
	e="$BATS_TEST_TMPDIR/q"
	printf 'a::b\nc::d::e\n' | flume-seg append -K :: "$e"
	run -0 flume-seg cat -K :: "$e"
	[ "$output" = "$(printf 'a::b\nc::d::e')" ]
}

@test "cat --json: one object per record with offset, timestamp, key, value, headers" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 2500 | flume-seg append --batch 100 --timestamp "$TS" "$d"
	flume-seg cat --json "$d" >"$BATS_TEST_TMPDIR/out.json"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/out.json")" -eq 2500 ]
	json_values "$BATS_TEST_TMPDIR/out.json" | cmp - <(seq 1 2500)
	run -0 jq -r 'select(.offset + 1 != (.value | tonumber) or .timestamp != '"$TS"') | .offset' \
	    "$BATS_TEST_TMPDIR/out.json"
	[ -z "$output" ]
	run -0 jq -r 'keys_unsorted | join(",")' <(head -1 "$BATS_TEST_TMPDIR/out.json")
	[ "$output" = "offset,timestamp,key,value,headers" ]
}

@test "cat --json escapes control characters and non-UTF-8 bytes" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'tab\there "q" \\ back\0caf\xc3\xa9\0bad \xff\xfe end\0\x01\0' |
	    flume-seg append -z "$d"
	run -0 flume-seg cat --json "$d"
	[[ "${lines[0]}" == *'"value":"tab\there \"q\" \\ back"'* ]]
	[[ "${lines[1]}" == *'"value":"café"'* ]]
	[[ "${lines[2]}" == *'"value":"bad \udcff\udcfe end"'* ]]
	[[ "${lines[3]}" == *'"value":"\u0001"'* ]]
	# every line is valid JSON, and the escapes give back the exact bytes
	flume-seg cat --json "$d" | jq -e . >/dev/null
	flume-seg cat --json "$d" | python3 -c '
import json, sys
vals = [json.loads(l)["value"].encode("utf-8", "surrogateescape") for l in sys.stdin]
sys.stdout.buffer.write(b"\0".join(vals) + b"\0")' |
	    cmp - <(printf 'tab\there "q" \\ back\0caf\xc3\xa9\0bad \xff\xfe end\0\x01\0')
}

@test "cat --from and --to select a range; --to is exclusive" {
	d="$BATS_TEST_TMPDIR/p"
	seq 0 999 | flume-seg append --batch 64 --segment-bytes 2000 "$d"
	run -0 flume-seg cat --from 100 --to 110 "$d"
	[ "$output" = "$(seq 100 109)" ]
	run -0 flume-seg cat --from 990 "$d"
	[ "$output" = "$(seq 990 999)" ]
	run -0 flume-seg cat --to 3 "$d"
	[ "$output" = "$(seq 0 2)" ]
	run -0 flume-seg cat --from 5000 "$d"
	[ -z "$output" ]
	run -0 flume-seg cat --json --from 500 --to 501 "$d"
	[ "$(jq -r .offset <<<"$output")" = 500 ]
}

@test "info lists segments with offsets, sizes, records, epochs, index counts" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 3000 | flume-seg append --batch 100 --segment-bytes 8000 \
	    --index-interval-bytes 1000 --timestamp "$TS" "$d"
	run -0 --separate-stderr flume-seg info "$d"
	[ "${lines[0]}" = "$(printf 'file\tbase_offset\tlast_offset\trecords\tbatches\tbytes\tmin_epoch\tmax_epoch\tmax_timestamp\tindex_entries\ttimeindex_entries\tstatus')" ]
	nseg=$(ls "$d"/*.log | wc -l)
	[ "${#lines[@]}" -eq $((nseg + 1)) ]
	# the TSV adds up: records, contiguous offsets, sizes equal to the files
	flume-seg info "$d" | awk -F'\t' -v ts="$TS" '
	    NR == 1 { next }
	    { if ($2 != next_base) exit 1; next_base = $3 + 1; recs += $4
	      if ($7 != 0 || $8 != 0 || $9 != ts || $12 != "ok") exit 2 }
	    END { if (recs != 3000 || next_base != 3000) exit 3 }' next_base=0
	first=$(ls "$d"/*.log | head -1)
	[ "$(flume-seg info --json "$d" | head -1 | jq -r .bytes)" = "$(stat -c %s "$first")" ]
	[ "$(flume-seg info --json "$d" | head -1 | jq -r .index_entries)" = \
	    "$(( $(stat -c %s "${first%.log}.index") / 8 ))" ]
	# one segment on its own
	run -0 flume-seg info --json "$first"
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .base_offset <<<"$output")" = 0 ]
}

@test "info --format human aligns columns" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 10 | flume-seg append "$d"
	run -0 flume-seg info --format human "$d"
	[[ "${lines[0]}" == file* ]]
	[[ "$output" != *$'\t'* ]]
	# the status column starts at the same place in both lines
	[ "$(awk '{ print index($0, "status") }' <<<"${lines[0]}")" = \
	    "$(awk '{ print index($0, " ok") + 1 }' <<<"${lines[1]}")" ]
}

@test "digest is the same for the same records in different batches and segments" {
	a="$BATS_TEST_TMPDIR/a" b="$BATS_TEST_TMPDIR/b" c="$BATS_TEST_TMPDIR/c"
	seq 1 4000 | flume-seg append --timestamp "$TS" "$a"
	seq 1 4000 | flume-seg append --timestamp "$TS" --batch 7 --segment-bytes 3000 "$b"
	[ "$(ls "$b"/*.log | wc -l)" -gt 10 ]
	da=$(flume-seg digest "$a" | tail -1)
	db=$(flume-seg digest "$b" | tail -1)
	[ "$da" = "$db" ]
	[ "$(cut -f1-3 <<<"$da")" = "$(printf '0\t4000\t4000')" ]
	[ "$(flume-seg digest --from 123 --to 3210 "$a" | cut -f4)" = \
	    "$(flume-seg digest --from 123 --to 3210 "$b" | cut -f4)" ]
	# different content, different digest
	seq 1 3999 | flume-seg append --timestamp "$TS" "$c"
	echo 4001 | flume-seg append --timestamp "$TS" "$c"
	[ "$(flume-seg digest "$c" | cut -f4)" != "$(cut -f4 <<<"$da")" ]
	# a prefix of c equals the same prefix of a
	[ "$(flume-seg digest --to 3999 "$c" | cut -f4)" = \
	    "$(flume-seg digest --to 3999 "$a" | cut -f4)" ]
}

@test "digest hashes the encoding flume-seg(1) documents" {
	d="$BATS_TEST_TMPDIR/p"
	printf 'k=v\nnull key\n=\n' | flume-seg append -K = --timestamp "$TS" "$d"
	want=$(python3 -c '
import hashlib, struct
ts = '"$TS"'
recs = [(0, b"k", b"v"), (1, None, b"null key"), (2, b"", b"")]
h = hashlib.blake2b(digest_size=32)
def b(x):
    return struct.pack(">i", -1) if x is None else struct.pack(">i", len(x)) + x
for off, k, v in recs:
    h.update(b"R" + struct.pack(">qq", off, ts) + b(k) + b(v) + struct.pack(">i", 0))
print(h.hexdigest())')
	run -0 flume-seg digest --json "$d"
	[ "$(jq -r .blake2b <<<"$output")" = "$want" ]
	# the empty range digests nothing: BLAKE2b-256 of no bytes
	run -0 flume-seg digest --from 3 "$d"
	[ "$(tail -1 <<<"$output" | cut -f4)" = \
	    "$(python3 -c 'import hashlib; print(hashlib.blake2b(digest_size=32).hexdigest())')" ]
}

@test "truncate --to removes that offset and everything after" {
	d="$BATS_TEST_TMPDIR/p"
	seq 0 999 | flume-seg append --batch 10 --segment-bytes 1500 "$d"
	run -0 flume-seg truncate --to 555 "$d"
	# inside a batch: the cut goes before that batch
	[ "$output" = "$(printf 'log_end\n550')" ]
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 0 549)" ]
	run -0 flume-seg verify "$d"
	run -0 flume-seg truncate --to 100 --json "$d"
	[ "$output" = '{"log_end":100}' ]
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 0 99)" ]
	# past the end: nothing to do
	run -0 flume-seg truncate --to 5000 "$d"
	[ "$output" = "$(printf 'log_end\n100')" ]
	# appending continues from the new end
	echo next | flume-seg append "$d"
	run -0 flume-seg cat --from 100 --json "$d"
	[ "$(jq -r '[.offset, .value] | @tsv' <<<"$output")" = "$(printf '100\tnext')" ]
	run -0 flume-seg verify "$d"
}

@test "truncate to 0 empties the log" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 100 | flume-seg append --batch 10 "$d"
	run -0 flume-seg truncate --to 0 "$d"
	[ "$output" = "$(printf 'log_end\n0')" ]
	run -0 flume-seg cat "$d"
	[ -z "$output" ]
	run -0 flume-seg verify "$d"
}
