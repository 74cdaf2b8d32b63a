#!/usr/bin/env bats
# t/20-serve-basic.bats: flume-serve starts, announces itself, serves kcat
# (-L, -P, -C), keeps one broker per data directory, reads a config file,
# and answers on its admin socket.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

@test "flume-serve --help and --version exit 0 on stdout" {
	run -0 --separate-stderr flume-serve --help
	[[ $output == usage:* ]]
	[[ $output == *--data* ]]
	run -0 flume-serve -V
	[[ $output == "flume-serve "* ]]
}

@test "flume-serve without --data or with a bad option is a usage error" {
	run -64 --separate-stderr flume-serve --listen 127.0.0.1:0
	[[ $stderr == *usage:* ]]
	run -64 --separate-stderr flume-serve --data "$BATS_TEST_TMPDIR/d" \
	    --listen 127.0.0.1:0 --num-partitions 0
	[[ $stderr == *num-partitions* ]]
	run -64 flume-serve --data "$BATS_TEST_TMPDIR/d" --listen nocolon
}

@test "first start creates the data directory with meta and a cluster id" {
	serve_start a
	[[ $ADDR == 127.0.0.1:* ]]
	[ "$PORT" -gt 0 ]
	[ -f "$DATA/meta" ]
	[ -S "$DATA/admin.sock" ]
	[ "$(stat -c %a "$DATA/admin.sock")" = 600 ]
	run -0 serve_admin status
	[[ $output == *$'node\t1'* ]]
	[[ $output == *$'cluster\t'* ]]
	local cluster
	cluster=$(serve_admin status | awk -F '\t' '$1 == "cluster" { print $2 }')
	[ "${#cluster}" -eq 32 ]
	# the cluster id survives a restart
	bg_kill "$SERVE_PID"
	serve_start a
	run -0 serve_admin status
	[[ $output == *$'cluster\t'"$cluster"* ]]
}

@test "a second broker on the same data directory is refused" {
	serve_start a
	run -75 --separate-stderr flume-serve --data "$DATA" --listen 127.0.0.1:0
	[[ $stderr == *"in use by another broker"* ]]
	# the first one is unharmed
	run -0 serve_admin status
}

@test "kcat -L lists this broker as controller with its advertised address" {
	serve_start a --advertise localhost:9
	# --advertise is what clients are told; ours points nowhere useful, so
	# ask with -L only (Metadata is answered on the bootstrap connection)
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
	[[ $output == *"broker 1 at localhost:9 (controller)"* ]]
}

@test "kcat -L shows auto-created topics with num-partitions" {
	serve_start a --num-partitions 3
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -t auto1
	[[ $output == *"broker 1 at $ADDR (controller)"* ]]
	[[ $output == *'topic "auto1" with 3 partitions'* ]]
	[ -d "$DATA/auto1-2" ]
	run -0 serve_admin topics
	[ "$output" = $'auto1\t3\nok' ]
}

@test "auto-create-topics off: unknown topics are not created" {
	serve_start a --auto-create-topics false
	run --separate-stderr timeout 20 kcat -b "$ADDR" -L -t nope
	[[ $output == *"Broker: Unknown topic or partition"* ]]
	[ ! -d "$DATA/nope-0" ]
}

@test "kcat produces 10,000 lines and consumes them back identical and in order" {
	serve_start a
	seq 1 10000 | sed 's/^/line-/' >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 60 kcat -b "$ADDR" -P -t t10k <"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t t10k -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
	[ "$(serve_log_end t10k 0)" = 10000 ]
	# offsets are dense from 0
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t t10k -o beginning \
	    "${KCAT_END[@]}" -q -f '%o\n'
	[ "$output" = "$(seq 0 9999)" ]
}

@test "data produced before a restart is served after it" {
	serve_start a
	seq 1 500 >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 60 kcat -b "$ADDR" -P -t keep -p 0 <"$BATS_TEST_TMPDIR/in"
	bg_kill "$SERVE_PID"
	serve_start a
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t keep -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(seq 1 500)" ]
	# and appends continue at the old log end
	echo 501 | timeout 60 kcat -b "$ADDR" -P -t keep -p 0
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t keep -o -1 "${KCAT_END[@]}" -q \
	    -f '%o %s\n'
	[ "$output" = "500 501" ]
}

@test "ListOffsets: earliest, latest and by timestamp" {
	serve_start a
	seq 1 20 | timeout 60 kcat -b "$ADDR" -P -t lo -p 0
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t lo:0:-2
	[[ $output == *"lo [0] offset 0"* ]]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t lo:0:-1
	[[ $output == *"lo [0] offset 20"* ]]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t lo:0:1
	[[ $output == *"lo [0] offset 0"* ]]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -Q -t "lo:0:$(( $(date +%s) * 1000 + 3600000 ))"
	[[ $output == *"lo [0] offset -1"* ]]
}

@test "long poll: a waiting consumer gets records produced later" {
	serve_start a
	echo first | timeout 60 kcat -b "$ADDR" -P -t lp -p 0
	bg_start consumer timeout 60 kcat -b "$ADDR" -C -t lp -o beginning -c 3 -q -u
	local cpid=$BG_PID
	wait_for_line "$BATS_TEST_TMPDIR/consumer.out"
	printf 'second\nthird\n' | timeout 60 kcat -b "$ADDR" -P -t lp -p 0
	wait "$cpid"
	[ "$(<"$BATS_TEST_TMPDIR/consumer.out")" = "$(printf 'first\nsecond\nthird')" ]
}

@test "settings come from --config, and the command line wins" {
	local d
	d=$(tmpdir cfg)
	cat >"$d/serve.conf" <<-EOF
	# a comment
	data = $d/data
	listen = 127.0.0.1:0
	num.partitions = 4     # Kafka's spelling works too
	auto-create-topics = yes
	EOF
	bg_start cfg sh -c 'exec flume-serve --config "$1/serve.conf" --num-partitions 2 \
	    --ready-fd 5 5>"$1/ready"' sh "$d"
	wait_for_line "$d/ready"
	ADDR=$(<"$d/ready")
	DATA=$d/data
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L -t fromcfg
	[[ $output == *'topic "fromcfg" with 2 partitions'* ]]
}

@test "a bad config file is a config error naming the line" {
	local d
	d=$(tmpdir cfg)
	printf 'listen = 127.0.0.1:0\nbogus-setting = 1\n' >"$d/bad.conf"
	run -78 --separate-stderr flume-serve --config "$d/bad.conf" --data "$d/data"
	[[ $stderr == *"line 2"* ]]
	[[ $stderr == *bogus-setting* ]]
	run -66 --separate-stderr flume-serve --config "$d/missing.conf"
}

@test "admin socket: status, topics, create, delete, errors" {
	serve_start a
	run -0 serve_admin create t1 3
	[ "$output" = ok ]
	run -0 serve_admin create t1 3
	[ "$output" = "error: topic t1 already exists" ]
	run -0 serve_admin create 'bad/name' 1
	[ "$output" = "error: invalid topic name" ]
	run -0 serve_admin topics
	[ "$output" = $'t1\t3\nok' ]
	seq 1 5 | timeout 60 kcat -b "$ADDR" -P -t t1 -p 1
	run -0 serve_admin status
	[[ $output == *$'partition\tt1\t1\t0\t5\t5'* ]]
	[[ $output == *$'partition\tt1\t0\t0\t0\t0'* ]]
	[[ $output == *$'uptime_s\t'* ]]
	run -0 serve_admin delete t1
	[ "$output" = ok ]
	[ ! -d "$DATA/t1-0" ]
	run -0 serve_admin delete t1
	[ "$output" = "error: no topic t1" ]
	run -0 serve_admin frobnicate
	[[ $output == "error: unknown command"* ]]
	# several commands on one connection, answered in order
	run -0 socat -t 60 - "UNIX-CONNECT:$DATA/admin.sock" <<<$'create t2 1\ntopics'
	[ "$output" = $'ok\nt2\t1\nok' ]
}

@test "topics created and deleted survive a restart as such" {
	serve_start a
	serve_admin create keepme 2
	serve_admin create dropme 1
	serve_admin delete dropme
	bg_kill "$SERVE_PID"
	serve_start a
	run -0 serve_admin topics
	[ "$output" = $'keepme\t2\nok' ]
}

@test "max-connections refuses extra clients with a log line" {
	serve_start a --max-connections 1
	exec 7<>"/dev/tcp/127.0.0.1/$PORT"
	# the second connection is accepted by the kernel and closed at once
	run timeout 10 kcat -b "$ADDR" -L -m 2
	[ "$status" -ne 0 ]
	exec 7<&-
	grep -q "refusing connection from 127.0.0.1:.*max-connections reached (1)" \
	    "$BATS_TEST_TMPDIR/a.err"
	run -0 --separate-stderr timeout 20 kcat -b "$ADDR" -L
}

@test "a topic of 1000 partitions: Metadata lists them all and records flow" {
	serve_start s
	serve_admin create big 1000 | grep -q '^ok'
	run -0 kcat -b "$ADDR" -L -t big
	[ "$(grep -c 'partition [0-9]*, leader 1' <<<"$output")" -eq 1000 ]
	seq 1 2000 | flume-cat -b "$ADDR" -t big -P
	[ "$(flume-cat -b "$ADDR" -t big -C -e | wc -l)" -eq 2000 ]
}
