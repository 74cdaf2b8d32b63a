#!/usr/bin/env bats
# t/21-serve-durability.bats: what flume-serve acknowledged survives kill -9
# and SIGTERM, exactly once; the idempotent producer's state survives
# restarts; torn tails are cut on start; SIGHUP reopens the log file.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

# check_acked ACKS TOPIC: every "VALUE<TAB>OFFSET" line of ACKS is stored
# at that offset, and no value is stored twice.
check_acked() {
	timeout 60 kcat -b "$ADDR" -C -t "$2" -o beginning "${KCAT_END[@]}" -q -f '%o\t%s\n' \
	    >"$BATS_TEST_TMPDIR/stored"
	awk -F '\t' 'NR == FNR { have[$1 "\t" $2] = 1; next }
	    !(($2 "\t" $1) in have) { print "lost: " $0; bad = 1 }
	    END { exit bad }' "$BATS_TEST_TMPDIR/stored" "$1"
	[ -z "$(cut -f2 "$BATS_TEST_TMPDIR/stored" | sort | uniq -d)" ]
}

@test "acks=-1 records survive kill -9 exactly once" {
	serve_start a
	serve_admin create crash 1
	bg_start load node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR" crash 10000000 5
	local lpid=$BG_PID
	wait_for_size "$BATS_TEST_TMPDIR/load.out" 20000 200
	bg_kill "$SERVE_PID" KILL || true
	wait "$lpid" || true
	local acked
	acked=$(wc -l <"$BATS_TEST_TMPDIR/load.out")
	[ "$acked" -gt 1000 ]
	serve_start a
	check_acked "$BATS_TEST_TMPDIR/load.out" crash
	[ "$(serve_log_end crash 0)" -ge "$acked" ]
}

@test "SIGTERM under load exits 0 promptly and keeps every acknowledged record" {
	serve_start a
	serve_admin create term 1
	bg_start load node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR" term 10000000 5
	local lpid=$BG_PID
	wait_for_size "$BATS_TEST_TMPDIR/load.out" 20000 200
	local t0=$SECONDS
	local rc=0
	bg_kill "$SERVE_PID" TERM || rc=$?
	[ "$rc" -eq 0 ]
	[ $((SECONDS - t0)) -le 10 ]
	wait "$lpid" || true
	grep -q "stopped" "$BATS_TEST_TMPDIR/a.err"
	serve_start a
	check_acked "$BATS_TEST_TMPDIR/load.out" term
}

@test "kcat idempotent producer: 10,000 lines stored once, in order" {
	serve_start a
	seq 1 10000 >"$BATS_TEST_TMPDIR/in"
	run -0 timeout 60 kcat -b "$ADDR" -P -t idem -X enable.idempotence=true \
	    <"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t idem -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
}

@test "idempotent resends get the original offset; gaps get 45; state survives restarts" {
	serve_start a
	serve_admin create idem 1
	local pid epoch
	read -r pid epoch < <(kraw init "$ADDR")
	[ "$epoch" = 0 ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 0 3
	[ "$output" = "0 0" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 3 2
	[ "$output" = "0 3" ]
	# a resend of the last batch, and of an older one: stored once
	run -0 kraw produce "$ADDR" idem "$pid" 0 3 2
	[ "$output" = "0 3" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 0 3
	[ "$output" = "0 0" ]
	# pipelined duplicates on one connection, answered in order
	run -0 kraw produce-twice "$ADDR" idem "$pid" 0 5 1
	[ "$output" = $'0 5\n0 5' ]
	# a gap and a rewind that is not a cached batch
	run -0 kraw produce "$ADDR" idem "$pid" 0 9 1
	[ "$output" = "45 -1" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 1 1
	[ "$output" = "45 -1" ]
	[ "$(serve_log_end idem 0)" = 6 ]

	# kill -9: the state is rebuilt from the batch headers in the log
	bg_kill "$SERVE_PID" KILL || true
	serve_start a
	run -0 kraw produce "$ADDR" idem "$pid" 0 5 1
	[ "$output" = "0 5" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 7 1
	[ "$output" = "45 -1" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 6 1
	[ "$output" = "0 6" ]

	# SIGTERM: the state comes back from the producers snapshot
	bg_kill "$SERVE_PID"
	[ -f "$DATA/idem-0/producers" ]
	serve_start a
	run -0 kraw produce "$ADDR" idem "$pid" 0 6 1
	[ "$output" = "0 6" ]
	run -0 kraw produce "$ADDR" idem "$pid" 0 7 1
	[ "$output" = "0 7" ]
	[ "$(serve_log_end idem 0)" = 8 ]
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t idem -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(printf 'v%d\n' 0 1 2 3 4 5 6 7)" ]

	# producer ids are never reused across restarts
	local pid2
	read -r pid2 _ < <(kraw init "$ADDR")
	[ "$pid2" -gt "$pid" ]
}

@test "a new producer epoch must start at sequence 0; an old epoch is fenced" {
	serve_start a
	serve_admin create ep 1
	local pid
	read -r pid _ < <(kraw init "$ADDR")
	run -0 kraw produce "$ADDR" ep "$pid" 1 0 2
	[ "$output" = "0 0" ]
	run -0 kraw produce "$ADDR" ep "$pid" 0 2 1
	[ "$output" = "47 -1" ]
	run -0 kraw produce "$ADDR" ep "$pid" 2 5 1
	[ "$output" = "45 -1" ]
	run -0 kraw produce "$ADDR" ep "$pid" 2 0 1
	[ "$output" = "0 2" ]
}

@test "a torn tail is cut at start with a log line; the rest is served" {
	serve_start a
	serve_admin create torn 1
	seq 1 10 | timeout 60 kcat -b "$ADDR" -P -t torn -p 0
	bg_kill "$SERVE_PID"
	head -c 30 /dev/urandom >>"$DATA/torn-0/00000000000000000000.log"
	serve_start a
	grep -q "torn-0: cut 30 bytes" "$BATS_TEST_TMPDIR/a.err"
	run -0 --separate-stderr timeout 60 kcat -b "$ADDR" -C -t torn -o beginning "${KCAT_END[@]}" -q
	[ "$output" = "$(seq 1 10)" ]
	echo 11 | timeout 60 kcat -b "$ADDR" -P -t torn -p 0
	[ "$(serve_log_end torn 0)" = 11 ]
}

@test "SIGHUP reopens --log-file" {
	local d
	d=$(tmpdir logs)
	serve_start a --log-file "$d/serve.log"
	grep -q "serving $ADDR" "$d/serve.log"
	mv "$d/serve.log" "$d/serve.log.1"
	kill -HUP "$SERVE_PID"
	wait_for_file "$d/serve.log"
	serve_admin create afterhup 1
	grep -q "created topic afterhup" "$d/serve.log"
	! grep -q "created topic afterhup" "$d/serve.log.1"
	is_running "$SERVE_PID"
}

@test "producers paused by tiny sync limits still get every record acknowledged" {
	serve_start a --unsynced-bytes-max 1 --produce-waiting-max 1
	serve_admin create tight 1
	bg_start l1 node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR" tight 2000 5
	local p1=$BG_PID
	bg_start l2 node "$FLUME_ROOT/t/interop/kraw.js" load "$ADDR" tight 2000 5
	wait "$p1"
	wait "$BG_PID"
	[ "$(wc -l <"$BATS_TEST_TMPDIR/l1.out")" -eq 2000 ]
	[ "$(wc -l <"$BATS_TEST_TMPDIR/l2.out")" -eq 2000 ]
	[ "$(serve_log_end tight 0)" = 4000 ]
}
