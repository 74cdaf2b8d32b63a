#!/usr/bin/env bats
# flume-seg: torn and flipped bytes are found, named, and cut only when asked.

load helpers

SEG0=00000000000000000000

# flip_byte FILE POS: invert every bit of the byte at POS.
flip_byte() {
	local b
	b=$(od -An -tu1 -j "$2" -N 1 "$1" | tr -d ' ')
	# shellcheck disable=SC2059
	printf "$(printf '\\%03o' $((b ^ 255)))" |
	    dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# three_batches DIR: records 1..300 in three appends of one batch each;
# sets S1 and S2, the file positions where batches 2 and 3 start.
three_batches() {
	seq 1 100 | flume-seg append "$1"
	S1=$(stat -c %s "$1/$SEG0.log")
	seq 101 200 | flume-seg append "$1"
	S2=$(stat -c %s "$1/$SEG0.log")
	seq 201 300 | flume-seg append "$1"
}

@test "a torn last batch: verify exits 65 naming file, byte and offset" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	truncate -s $((S2 + 50)) "$d/$SEG0.log"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/$SEG0.log: bad batch at byte $S2 (offset 200): torn"* ]]
	[ "${lines[1]}" = "$(printf '%s\tlog\t%s\t200\ttorn\t' "$d/$SEG0.log" "$S2")$(cut -f6 <<<"${lines[1]}")" ]
	# cat prints the good prefix, then fails
	run -65 --separate-stderr flume-seg cat "$d"
	[ "$output" = "$(seq 1 200)" ]
	[[ "$stderr" == *"byte $S2 (offset 200)"* ]]
}

@test "a flipped byte: verify names the batch; the JSON says the same" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	flip_byte "$d/$SEG0.log" $((S1 + 40))
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/$SEG0.log: bad batch at byte $S1 (offset 100): CRC"* ]]
	run -65 --separate-stderr flume-seg verify --json "$d"
	[ "$(jq -r '[.file, .kind, .pos, .offset, .error] | @tsv' <<<"$output")" = \
	    "$(printf '%s\tlog\t%s\t100\tcorrupt' "$d/$SEG0.log" "$S1")" ]
	# also as one segment file
	run -65 --separate-stderr flume-seg verify "$d/$SEG0.log"
	[[ "$stderr" == *"byte $S1 (offset 100)"* ]]
}

@test "a flipped byte in a batch's length or offset field is found too" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	cp -a "$d" "$d.2"
	flip_byte "$d/$SEG0.log" $((S1 + 9))	# BatchLength
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"byte $S1 (offset 100)"* ]]
	flip_byte "$d.2/$SEG0.log" $((S1 + 7))	# BaseOffset: outside the CRC
	run -65 --separate-stderr flume-seg verify "$d.2"
	[[ "$stderr" == *"byte $S1 (offset 100)"* ]]
}

@test "repair --dry-run reports the cut and changes nothing" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	flip_byte "$d/$SEG0.log" $((S1 + 40))
	before=$(file_sums "$d")
	run -0 --separate-stderr flume-seg repair --dry-run "$d"
	[ "${lines[0]}" = "$(printf 'action\tfile\tpos\tbytes\toffset\tsaved')" ]
	size=$(stat -c %s "$d/$SEG0.log")
	[ "${lines[1]}" = "$(printf 'cut\t%s\t%s\t%s\t100\t%s' "$d/$SEG0.log" "$S1" \
	    $((size - S1)) "$d/$SEG0.log.corrupt")" ]
	run -0 flume-seg repair -n --json "$d"
	[ "$(file_sums "$d")" = "$before" ]
	[ ! -e "$d/$SEG0.log.corrupt" ]
}

@test "repair cuts at the first bad batch and keeps exactly the cut bytes" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	flip_byte "$d/$SEG0.log" $((S1 + 40))
	cp "$d/$SEG0.log" "$BATS_TEST_TMPDIR/damaged.log"
	run -0 --separate-stderr flume-seg repair "$d"
	[[ "${lines[1]}" == cut* ]]
	# nothing before the bad byte changed; the rest is in .corrupt, byte for byte
	[ "$(stat -c %s "$d/$SEG0.log")" -eq "$S1" ]
	cmp "$d/$SEG0.log" <(head -c "$S1" "$BATS_TEST_TMPDIR/damaged.log")
	cmp "$d/$SEG0.log.corrupt" <(tail -c +$((S1 + 1)) "$BATS_TEST_TMPDIR/damaged.log")
	run -0 flume-seg verify "$d"
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 1 100)" ]
	# appending goes on from the cut
	echo next | flume-seg append "$d"
	run -0 flume-seg cat --from 100 "$d"
	[ "$output" = next ]
	run -0 flume-seg verify "$d"
}

@test "repair of a torn tail; a second repair keeps the first .corrupt file" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	truncate -s $((S2 + 17)) "$d/$SEG0.log"
	run -0 flume-seg repair "$d"
	[ "$(stat -c %s "$d/$SEG0.log.corrupt")" -eq 17 ]
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 1 200)" ]
	truncate -s $((S1 + 3)) "$d/$SEG0.log"
	run -0 flume-seg repair "$d"
	[ "$(stat -c %s "$d/$SEG0.log.corrupt")" -eq 17 ]
	[ "$(stat -c %s "$d/$SEG0.log.corrupt.1")" -eq 3 ]
	run -0 flume-seg verify "$d"
}

@test "damage in an early segment: later segments are moved aside, whole" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 2000 | flume-seg append --batch 50 --segment-bytes 2000 "$d"
	logs=("$d"/*.log)
	[ "${#logs[@]}" -gt 5 ]
	victim=${logs[2]}
	base=$(basename "$victim" .log)
	base=$((10#$base))
	flip_byte "$victim" 100
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$victim: bad batch at byte 0 (offset $base)"* ]]
	run -0 flume-seg repair "$d"
	# the damaged segment and every later one went to .corrupt files
	for f in "${logs[@]:2}"; do
		[ ! -e "$f" ]
		[ -e "$f.corrupt" ]
	done
	run -0 flume-seg verify "$d"
	run -0 flume-seg cat "$d"
	[ "$output" = "$(seq 1 "$base")" ]
	echo after | flume-seg append "$d"
	run -0 flume-seg cat --from "$base" "$d"
	[ "$output" = after ]
}

@test "a damaged .index is found by verify and fixed by reindex" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 5000 | flume-seg append --batch 50 "$d"
	idx="$d/$SEG0.index"
	[ "$(stat -c %s "$idx")" -ge 16 ]
	before=$(flume-seg cat "$d" | sha256sum)
	cp "$idx" "$BATS_TEST_TMPDIR/good.index"
	flip_byte "$idx" 14		# the second entry's position
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$idx: bad entry at byte 8"* ]]
	run -65 flume-seg verify "$d/$SEG0.log"
	run -0 flume-seg reindex "$d"
	[ "${lines[0]}" = "$(printf 'file\tlog_bytes\tindex_entries\ttimeindex_entries')" ]
	run -0 flume-seg verify "$d"
	cmp "$idx" "$BATS_TEST_TMPDIR/good.index"
	[ "$(flume-seg cat "$d" | sha256sum)" = "$before" ]
}

@test "a torn or overlong index, and a bad time index, are found; repair rebuilds them" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 5000 | flume-seg append --batch 50 "$d"
	printf 'xyz' >>"$d/$SEG0.index"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$SEG0.index: bad entry"*"torn entry"* ]]
	flip_byte "$d/$SEG0.timeindex" 3	# a timestamp
	run -65 --separate-stderr flume-seg verify --json "$d"
	[ "$(jq -r .kind <<<"$output" | sort | tr '\n' ' ')" = "index timeindex " ]
	run -0 flume-seg repair "$d"
	[ "$(cut -f1 <<<"$output" | tail -n +2)" = reindex ]
	run -0 flume-seg verify "$d"
}

@test "a damaged leader-epoch-checkpoint is found; repair rebuilds it" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 10 | flume-seg append "$d"
	flip_byte "$d/leader-epoch-checkpoint" 2
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/leader-epoch-checkpoint: bad file"* ]]
	run -0 flume-seg repair "$d"
	[[ "$output" == *epochs* ]]
	run -0 flume-seg verify "$d"
}

@test "repair of a sound log does nothing" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 1000 | flume-seg append --batch 10 --segment-bytes 3000 "$d"
	before=$(file_sums "$d")
	run -0 flume-seg repair "$d"
	[ "$output" = "$(printf 'action\tfile\tpos\tbytes\toffset\tsaved')" ]
	[ "$(file_sums "$d")" = "$before" ]
}

@test "truncate refuses a damaged log instead of cutting it silently" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	truncate -s $((S2 + 5)) "$d/$SEG0.log"
	before=$(file_sums "$d")
	run -65 --separate-stderr flume-seg truncate --to 50 "$d"
	[[ "$stderr" == *"run flume-seg repair first"* ]]
	[ "$(file_sums "$d")" = "$before" ]
}

@test "damage past --to does not stop cat or digest" {
	d="$BATS_TEST_TMPDIR/p"
	three_batches "$d"
	truncate -s $((S2 + 5)) "$d/$SEG0.log"
	run -0 flume-seg cat --to 200 "$d"
	[ "$output" = "$(seq 1 200)" ]
	run -0 flume-seg digest --to 150 "$d"
	run -65 flume-seg digest "$d"
}

@test "an hw past the log end is reported; repair lowers it to the end" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 10 | flume-seg append "$d"
	printf '0\n500\n' | flume-test-tool durable-write "$d" hw
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/hw: bad file: high watermark 500 is past the log end 10"* ]]
	run -0 flume-seg repair "$d"
	[ "${lines[1]}" = "$(printf 'hw\t%s\t\t\t10\t' "$d/hw")" ]
	run -0 flume-seg verify "$d"
	# a cut below the stored hw lowers it too
	printf '0\n10\n' | flume-test-tool durable-write "$d" hw
	truncate -s $(($(stat -c %s "$d/$SEG0.log") - 3)) "$d/$SEG0.log"
	run -0 flume-seg repair "$d"
	[[ "$output" == *"$(printf 'hw\t%s\t\t\t0' "$d/hw")"* ]]
	run -0 flume-seg verify "$d"
}

@test "a damaged hw or producers file is moved aside by repair, never trusted" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 10 | flume-seg append "$d"
	printf '0\n05\n' | flume-test-tool durable-write "$d" hw
	printf 'FLPS' | flume-test-tool durable-write "$d" producers
	flip_byte "$d/producers" 1
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/hw: bad file: line 2: the high watermark has a leading zero"* ]]
	[[ "$output" == *"$d/producers"*"trailer does not match"* ]]
	cp "$d/hw" "$BATS_TEST_TMPDIR/hw.orig"
	run -0 flume-seg repair "$d"
	[[ "$output" == *"$(printf 'move\t%s\t\t37\t\t%s' "$d/hw" "$d/hw.corrupt")"* ]]
	[[ "$output" == *"$(printf 'move\t%s\t\t36\t\t%s' "$d/producers" "$d/producers.corrupt")"* ]]
	cmp "$d/hw.corrupt" "$BATS_TEST_TMPDIR/hw.orig"
	[ ! -e "$d/hw" ] && [ ! -e "$d/producers" ]
	run -0 flume-seg verify "$d"
}

@test "a leader-epoch-checkpoint that parses loosely is damage to verify and to the log" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 10 | flume-seg append "$d"
	for text in '0\n1\n0 -1\n' '0\n1\n+0 0\n' '0\n2\n0 0\n' '0\n1\n0 0\n\n' '0\n01\n0 0\n'; do
		# shellcheck disable=SC2059
		printf "$text" | flume-test-tool durable-write "$d" leader-epoch-checkpoint
		run -65 --separate-stderr flume-seg verify "$d"
		[[ "$stderr" == *"$d/leader-epoch-checkpoint: bad file: line "* ]]
		# the log's open rebuilds it from the batches, as repair does
		echo x | flume-seg append "$d"
		run -0 flume-seg verify "$d"
		[ "$(head -c 8 "$d/leader-epoch-checkpoint")" = "$(printf '0\n1\n0 0\n')" ]
	done
}

@test "a deleted or emptied middle segment: verify and append name the gap; repair keeps the prefix" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 3000 | flume-seg append --batch 50 --segment-bytes 3000 "$d"
	cp -a "$d" "$d.2"
	logs=("$d"/*.log)
	[ "${#logs[@]}" -gt 6 ]
	b2=$(basename "${logs[2]}" .log) b3=$(basename "${logs[3]}" .log)
	b2=$((10#$b2)) b3=$((10#$b3))
	rm "${logs[2]}"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"${logs[3]}: bad batch at byte 0 (offset $b2): starts at offset $b3 but the previous segment ends at $b2"* ]]
	# the log's open refuses it (it used to open, and reads failed at the gap)
	run -65 --separate-stderr flume-seg append "$d" </dev/null
	[ "$stderr" = "flume-seg: ${logs[3]}: starts at offset $b3 but the previous segment ends at $b2; run flume-seg repair" ]
	run -0 flume-seg repair "$d"
	for f in "${logs[@]:3}"; do
		[ ! -e "$f" ] && cmp "$f.corrupt" "$d.2/$(basename "$f")"
	done
	run -0 flume-seg verify "$d"
	[ "$(flume-seg cat "$d")" = "$(seq 1 "$b2")" ]

	d="$d.2"
	: >"$d/$(basename "${logs[2]}")"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/$(basename "${logs[3]}"): bad batch at byte 0 (offset $b2): starts at offset $b3 but the previous segment ends at $b2"* ]]
	run -65 flume-seg append "$d" </dev/null
	run -0 flume-seg repair "$d"
	run -0 flume-seg verify "$d"
	[ "$(flume-seg cat "$d")" = "$(seq 1 "$b2")" ]
	# the emptied segment is now the active one: appends go on from it
	echo more | flume-seg append "$d"
	[ "$(flume-seg cat --from "$b2" "$d")" = more ]
	run -0 flume-seg verify "$d"
}

@test "repair rebuilds every index verify complains about: torn, or longer than its emptied log" {
	d="$BATS_TEST_TMPDIR/p"
	seq 1 5000 | flume-seg append --batch 50 "$d"
	cp "$d/$SEG0.index" "$BATS_TEST_TMPDIR/good.index"
	printf 'xyz' >>"$d/$SEG0.index"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/$SEG0.index: bad entry at byte"*"torn entry: 3 bytes"* ]]
	run -0 --separate-stderr flume-seg repair "$d"
	[ "$(cut -f1,2 <<<"${lines[1]}")" = "$(printf 'reindex\t%s' "$d/$SEG0.index")" ]
	run -0 flume-seg verify "$d"
	cmp "$d/$SEG0.index" "$BATS_TEST_TMPDIR/good.index"
	[ "$(flume-seg cat "$d" | wc -l)" -eq 5000 ]

	# an emptied log keeps an index naming batches it no longer has
	e="$BATS_TEST_TMPDIR/e"
	seq 1 5000 | flume-seg append --batch 50 "$e"
	: >"$e/$SEG0.log"
	run -65 --separate-stderr flume-seg verify "$e"
	[[ "$stderr" == *"$e/$SEG0.index: bad entry at byte 0: "*" entries, more than the log has batches"* ]]
	run -0 flume-seg repair "$e"
	[[ "$output" == *"$(printf 'reindex\t%s' "$e/$SEG0.index")"* ]]
	run -0 flume-seg verify "$e"
	[ ! -s "$e/$SEG0.index" ] && [ ! -s "$e/$SEG0.timeindex" ]
	echo again | flume-seg append "$e"
	[ "$(flume-seg cat "$e")" = again ]
}
