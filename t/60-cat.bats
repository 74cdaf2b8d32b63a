#!/usr/bin/env bats
# t/60-cat.bats: flume-cat against a private flume-serve on 127.0.0.1.

load helpers

# cat_serve NAME: start flume-serve (3 partitions per new topic) on an
# ephemeral port; sets ADDR once its --ready-fd line arrived.
cat_serve() {
	local d
	d=$(tmpdir "$1")
	bg_start "$1" sh -c 'exec flume-serve --data "$1/data" --listen 127.0.0.1:0 \
	    --num-partitions 3 --ready-fd 5 5>"$1/ready"' sh "$d"
	SERVE_PID=$BG_PID
	wait_for_line "$d/ready" 100 || { cat "$BATS_TEST_TMPDIR/$1.err" >&2; return 1; }
	ADDR=$(<"$d/ready")
}

setup() {
	cat_serve s
}

teardown() {
	bg_stop_all
}

@test "flume-cat -h prints usage on stdout, -V the version; misuse exits 64" {
	run -0 --separate-stderr flume-cat -h
	[[ "$output" == usage:* ]]
	run -0 flume-cat --version
	[[ "$output" =~ ^flume-cat\ [0-9] ]]
	run -64 --separate-stderr flume-cat -P -t x
	[[ "$stderr" == *"-b HOST:PORT is needed"* ]]
	[ -z "$output" ]
	run -64 flume-cat -P -C -b "$ADDR" -t x
	run -64 flume-cat -P -b "$ADDR" -t x --acks 1 --idempotent
	run -64 flume-cat -C -b "$ADDR" -t x -f '%q'
}

@test "lines round-trip through one partition, in order" {
	run -0 flume-cat -b "$ADDR" -t t0 -P -p 1 <<<$'hello\nworld\n\nlast'
	run -0 --separate-stderr flume-cat -b "$ADDR" -t t0 -C -e -p 1 -f '%p\t%o\t%v\n'
	[ "$output" = $'1\t0\thello\n1\t1\tworld\n1\t2\t\n1\t3\tlast' ]
}

@test "NUL-separated records keep their newlines" {
	printf 'a\nb\0c\0' >"$BATS_TEST_TMPDIR/in"
	run -0 flume-cat -b "$ADDR" -t tz -P -z -p 0 <"$BATS_TEST_TMPDIR/in"
	flume-cat -b "$ADDR" -t tz -C -e -z >"$BATS_TEST_TMPDIR/out"
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	run -0 flume-cat -b "$ADDR" -t tz -C -e -f '%o %S|'
	[ "$output" = "0 3|1 1|" ]
}

@test "keyed records round-trip; a line without the separator has a null key" {
	run -0 flume-cat -b "$ADDR" -t tk -P -K :: <<<$'k1::v1\nplain\nk2::a::b'
	run -0 flume-cat -b "$ADDR" -t tk -C -e -f '%K %k=%v\n'
	[ "$(sort <<<"$output")" = "$(printf '%s\n' '-1 =plain' '2 k1=v1' '2 k2=a::b')" ]
	run -0 flume-cat -b "$ADDR" -t tk -C -e -K '|'
	[[ "$output" == *"k1|v1"* ]]
}

@test "-e ends after the end of every partition; -c and -o limit what is read" {
	seq 1 300 | sed 's/.*/key&:&/' >"$BATS_TEST_TMPDIR/in"
	run -0 flume-cat -b "$ADDR" -t te -P -K : <"$BATS_TEST_TMPDIR/in"
	run -0 flume-cat -b "$ADDR" -t te -C -e -f '%p\n'
	[ "${#lines[@]}" -eq 300 ]
	[ "$(sort -u <<<"$output" | tr '\n' ' ')" = "0 1 2 " ]
	run -0 flume-cat -b "$ADDR" -t te -C -c 5
	[ "${#lines[@]}" -eq 5 ]
	run -0 flume-cat -b "$ADDR" -t te -C -e -o end
	[ -z "$output" ]
	run -0 flume-cat -b "$ADDR" -t te -C -e -o -2 -f '%p\n'
	[ "${#lines[@]}" -eq 6 ]
	run -0 flume-cat -b "$ADDR" -t te -C -e -p 2 -o 1 -c 1 -f '%o\n'
	[ "$output" = 1 ]
	# an empty topic ends at once too
	run -0 flume-cat -b "$ADDR" -t empty -P </dev/null
	run -0 flume-cat -b "$ADDR" -t empty -C -e
	[ -z "$output" ]
}

@test "unkeyed records of one batch stay together; batches rotate partitions" {
	seq 1 10 | flume-cat -b "$ADDR" -t ts -P
	run -0 flume-cat -b "$ADDR" -t ts -C -e -f '%p\n'
	[ "${#lines[@]}" -eq 10 ]
	[ "$(sort -u <<<"$output" | wc -l)" -eq 1 ]
}

@test "flume-cat -C | head -1 ends quietly with exit 0" {
	echo only >"$BATS_TEST_TMPDIR/one"
	flume-cat -b "$ADDR" -t th -P -p 0 <"$BATS_TEST_TMPDIR/one"
	# one record: flume-cat then waits for more, and must notice head left
	run -0 --separate-stderr timeout 10 bash -c \
	    'set -o pipefail; flume-cat -b "$1" -t th -C | head -1' sh "$ADDR"
	[ "$output" = only ]
	[ -z "$stderr" ]
	seq 1 20000 | flume-cat -b "$ADDR" -t th2 -P
	run -0 --separate-stderr timeout 10 bash -c \
	    'set -o pipefail; flume-cat -b "$1" -t th2 -C | head -1' sh "$ADDR"
	[ -z "$stderr" ]
}

@test "an unreachable broker: exit 69 and one clear line" {
	local addr=$ADDR
	bg_kill "$SERVE_PID"
	run -69 --separate-stderr flume-cat -b "$addr" -t x -C
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ "$stderr" == "flume-cat: cannot connect to $addr: Connection refused" ]]
	run -69 --separate-stderr flume-cat -b "$addr" -t x -P <<<x
	[ "${#stderr_lines[@]}" -eq 1 ]
	run -69 --separate-stderr flume-cat -b "$addr" -L
	[ "${#stderr_lines[@]}" -eq 1 ]
}

@test "an unknown topic is a clear error (exit 66), for -C and -L -t" {
	run -66 --separate-stderr flume-cat -b "$ADDR" -t nosuch -C
	[[ "$stderr" == *"nosuch: UNKNOWN_TOPIC_OR_PARTITION"* ]]
	run -66 --separate-stderr flume-cat -b "$ADDR" -L -t nosuch
	run -66 --separate-stderr flume-cat -b "$ADDR" -t t9 -P -p 7 <<<x
}

@test "-L lists partitions as TSV with a header in a pipe, JSON with --json" {
	flume-cat -b "$ADDR" -t tl -P <<<x
	run -0 --separate-stderr flume-cat -b "$ADDR" -L -t tl
	[ "${lines[0]}" = $'topic\tpartition\tleader\tleader_addr\treplicas\tisr\tstatus' ]
	[ "${lines[1]}" = $'tl\t0\t1\t'"$ADDR"$'\t1\t1\tok' ]
	[ "${#lines[@]}" -eq 4 ]
	run -0 flume-cat -b "$ADDR" -L --json
	[[ "${lines[0]}" == '{"topic":"tl","partition":0,'* ]]
}

@test "acks 0, acks 1 and idempotent (default) producers all deliver" {
	seq 1 3 | flume-cat -b "$ADDR" -t ta -P -p 0 --acks 0
	seq 4 6 | flume-cat -b "$ADDR" -t ta -P -p 0 --acks 1
	seq 7 9 | flume-cat -b "$ADDR" -t ta -P -p 0 --no-idempotence
	seq 10 12 | flume-cat -b "$ADDR" -t ta -P -p 0 --linger-ms 0
	run -0 flume-cat -b "$ADDR" -t ta -C -e -f '%v '
	[ "$output" = "1 2 3 4 5 6 7 8 9 10 11 12 " ]
}

@test "a record larger than --batch-bytes is refused with exit 65" {
	head -c 5000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
	run -65 --separate-stderr flume-cat -b "$ADDR" -t tb -P --batch-bytes 2048 \
	    <"$BATS_TEST_TMPDIR/big"
	[[ "$stderr" == *"record 1 is"* ]]
}

@test "keyed records land where kcat's murmur2 partitioner puts them" {
	command -v kcat >/dev/null || fail "kcat not installed (make deps)"
	for i in $(seq 1 40); do echo "key-$i:v$i"; done >"$BATS_TEST_TMPDIR/in"
	flume-cat -b "$ADDR" -t kf -P -K : <"$BATS_TEST_TMPDIR/in"
	kcat -b "$ADDR" -t kk -P -K : -X partitioner=murmur2_random <"$BATS_TEST_TMPDIR/in"
	flume-cat -b "$ADDR" -t kf -C -e -f '%k %p\n' | sort >"$BATS_TEST_TMPDIR/f"
	flume-cat -b "$ADDR" -t kk -C -e -f '%k %p\n' | sort >"$BATS_TEST_TMPDIR/k"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/f")" -eq 40 ]
	diff "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/k"
	# and kcat reads back what flume-cat wrote
	run -0 kcat -b "$ADDR" -t kf -C "${KCAT_END[@]}" -q -f '%k:%s\n'
	[ "$(sort <<<"$output")" = "$(sort "$BATS_TEST_TMPDIR/in")" ]
}

@test "keyed records land where kafkajs' default partitioner puts them" {
	local js="$BATS_TEST_DIRNAME/interop"
	[ -d "$js/node_modules/kafkajs" ] || [ -n "${NODE_PATH:-}" ] ||
	    fail "kafkajs not installed (make deps)"
	for i in $(seq 1 40); do echo "key-$i:v$i"; done >"$BATS_TEST_TMPDIR/in"
	flume-cat -b "$ADDR" -t jf -P -K : <"$BATS_TEST_TMPDIR/in"
	node "$js/keyed.js" "$ADDR" jj <"$BATS_TEST_TMPDIR/in"
	flume-cat -b "$ADDR" -t jf -C -e -f '%k %p\n' | sort >"$BATS_TEST_TMPDIR/f"
	flume-cat -b "$ADDR" -t jj -C -e -f '%k %p\n' | sort >"$BATS_TEST_TMPDIR/j"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/j")" -eq 40 ]
	diff "$BATS_TEST_TMPDIR/f" "$BATS_TEST_TMPDIR/j"
}

@test "every long option of --help is in the man page" {
	local man="$BATS_TEST_DIRNAME/../man/man1/flume-cat.1" o
	[ -f "$man" ]
	for o in $(flume-cat --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "Fl ${o#-}" "$man" || { echo "missing $o" >&2; return 1; }
	done
}
