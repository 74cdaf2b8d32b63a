#!/usr/bin/env bats
# flume-seg: help, version, usage errors, and inputs that are not a log.

load helpers

CMDS="append cat info verify repair reindex truncate digest"

@test "--version prints the program and version, exits 0" {
	run -0 --separate-stderr flume-seg --version
	assert_output --regexp '^flume-seg [0-9]+\.[0-9]+\.[0-9]+$'
	run -0 flume-seg -V
}

@test "--help prints every command's usage to stdout, exits 0" {
	run -0 --separate-stderr flume-seg --help
	for c in $CMDS; do
		assert_output --partial "flume-seg $c"
	done
	[ -z "$stderr" ]
}

@test "each command's --help goes to stdout and exits 0" {
	for c in $CMDS; do
		run -0 --separate-stderr flume-seg "$c" --help
		assert_output --partial "usage: flume-seg $c"
		[ -z "$stderr" ]
	done
}

@test "no command, unknown command, unknown option: usage on stderr, exit 64" {
	run -64 --separate-stderr flume-seg
	[ -z "$output" ]
	assert [ -n "$stderr" ]
	run -64 --separate-stderr flume-seg frobnicate
	[[ "$stderr" == *"unknown command 'frobnicate'"* ]]
	run -64 --separate-stderr flume-seg cat --bogus x
	[[ "$stderr" == *"usage: flume-seg cat"* ]]
}

@test "missing operand, extra operand, bad numbers: exit 64" {
	d=$(tmpdir d)
	for c in $CMDS; do
		run -64 flume-seg "$c"
	done
	run -64 flume-seg verify "$d" "$d"
	run -64 flume-seg truncate "$d"
	run -64 --separate-stderr flume-seg cat --from -1 "$d"
	[[ "$stderr" == *"--from"* ]]
	run -64 flume-seg cat --to 12x "$d"
	run -64 flume-seg append --batch 0 "$d"
	run -64 flume-seg append --segment-bytes 99999999999 "$d"
	run -64 flume-seg append -K '' "$d"
	run -64 flume-seg info --format xml "$d"
}

@test "a missing path: one line naming it, exit 66" {
	for c in cat info verify repair reindex digest; do
		run -66 --separate-stderr flume-seg "$c" "$BATS_TEST_TMPDIR/nothere"
		[ -z "$output" ]
		[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
		[[ "$stderr" == *"$BATS_TEST_TMPDIR/nothere"* ]]
	done
	run -66 flume-seg truncate --to 0 "$BATS_TEST_TMPDIR/nothere"
}

@test "a directory that is not a partition: one line naming it, exit 66" {
	d=$(tmpdir notpart)
	echo hello >"$d/README"
	for c in cat info verify repair reindex digest; do
		run -66 --separate-stderr flume-seg "$c" "$d"
		[[ "$stderr" == *"$d: not a partition directory"* ]]
	done
	run -66 flume-seg truncate --to 0 "$d"
}

@test "a garbage file: exit 65 naming the file and byte 0, never a crash" {
	f="$BATS_TEST_TMPDIR/garbage"
	head -c 20000 /dev/urandom >"$f"
	for c in cat info verify digest; do
		run -65 --separate-stderr flume-seg "$c" "$f"
		[[ "$stderr" == *"$f: bad batch at byte 0"* ]]
	done
	# a file that ends inside the first header is torn, not a crash
	head -c 7 /dev/urandom >"$f.short"
	run -65 --separate-stderr flume-seg verify "$f.short"
	[[ "$stderr" == *"at byte 0"* ]]
	# an empty file holds no batches and nothing wrong
	: >"$f.empty"
	run -0 flume-seg verify "$f.empty"
}

@test "a garbage segment in a partition: exit 65 naming the segment" {
	d=$(tmpdir p)
	head -c 3000 /dev/urandom >"$d/00000000000000000000.log"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"$d/00000000000000000000.log: bad batch at byte 0 (offset 0)"* ]]
	run -65 flume-seg cat "$d"
	run -65 flume-seg info "$d"
	# garbage index files beside an empty log: detected, not a crash
	: >"$d/00000000000000000000.log"
	head -c 800 /dev/urandom >"$d/00000000000000000000.index"
	head -c 1203 /dev/urandom >"$d/00000000000000000000.timeindex"
	run -65 --separate-stderr flume-seg verify "$d"
	[[ "$stderr" == *"00000000000000000000.index: bad entry"* ]]
}

@test "a segment named on the command line: its .log must exist" {
	d=$(tmpdir p)
	: >"$d/00000000000000000000.index"
	run -66 --separate-stderr flume-seg verify "$d/00000000000000000000.index"
	[[ "$stderr" == *"$d/00000000000000000000.log"* ]]
}

@test "every option in each --help is documented in flume-seg(1)" {
	page="$FLUME_ROOT/man/man1/flume-seg.1"
	[ -f "$page" ]
	text=$(mandoc -T utf8 "$page" | col -b)
	for c in "" $CMDS; do
		# shellcheck disable=SC2086
		for opt in $(flume-seg $c --help | grep -oE -- '(^|[ [,])--?[a-zA-Z][a-z-]*' |
		    sed 's/^[ [,]//' | sort -u); do
			if [[ $text != *"$opt"* ]]; then
				echo "flume-seg $c: $opt is not in $page" >&2
				return 1
			fi
		done
	done
}

@test "the man pages pass mandoc -T lint" {
	run -0 mandoc -T lint -W warning "$FLUME_ROOT/man/man1/flume-seg.1"
	run -0 mandoc -T lint -W warning "$FLUME_ROOT/man/man5/flume-log.5"
}

@test "the EXAMPLES of flume-seg(1) run as written" {
	page="$FLUME_ROOT/man/man1/flume-seg.1"
	# the literal blocks of EXAMPLES, with mdoc's \e turned back into \
	awk '/^\.Sh / { ex = ($2 == "EXAMPLES") } ex && /^\.Bd/ { on = 1; next }
	    ex && /^\.Ed/ { on = 0 } on { gsub(/\\e/, "\\"); print }' "$page" \
	    >"$BATS_TEST_TMPDIR/examples.sh"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/examples.sh")" -ge 6 ]
	cd "$BATS_TEST_TMPDIR"
	run -0 --separate-stderr bash -e -o pipefail examples.sh
	[[ "$output" == *'"key":"user1","value":"login"'* ]]
	[ "$(grep -cx 1000 <<<"$output")" -ge 1 ]
}
