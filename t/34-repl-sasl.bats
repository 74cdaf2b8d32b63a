#!/usr/bin/env bats
# t/34-repl-sasl.bats: flume-repl's SASL options against flume-test-tool
# fake-leader's SASL PLAIN gate (user bob): a refused authentication is
# logged once and retried with the follower's backoff, a rotated password
# file is picked up at the next connection, and only --unreachable-ms of
# refusals ends the follower (69).

load helpers
load repl-helpers

# fake_sasl: a fake leader for bob, password "right" (file $LEADER_PW);
# sets ADDR and PW (the follower's password file, "wrong" for now).
fake_sasl() {
	LEADER_PW=$BATS_TEST_TMPDIR/leader-pw
	PW=$BATS_TEST_TMPDIR/pw
	printf 'right\n' >"$LEADER_PW"
	printf 'wrong\n' >"$PW"
	bg_start fake flume-test-tool fake-leader good --sasl-plain bob "$LEADER_PW"
	wait_for_line "$BATS_TEST_TMPDIR/fake.out"
	ADDR=$(<"$BATS_TEST_TMPDIR/fake.out")
}

teardown() {
	exec 8>&- 2>/dev/null || true
	bg_stop_all
}

@test "--sasl-* options: all three or none; the file is checked at start" {
	printf 'x\n' >"$BATS_TEST_TMPDIR/pw"
	: >"$BATS_TEST_TMPDIR/empty"
	run -64 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1 \
	    --leader 127.0.0.1:1 --sasl-mechanism PLAIN --sasl-user bob
	[[ $stderr == *"--sasl-mechanism, --sasl-user and --sasl-password-file go together"* ]]
	run -64 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1 \
	    --leader 127.0.0.1:1 --sasl-mechanism SCRAM-SHA-1 --sasl-user bob \
	    --sasl-password-file "$BATS_TEST_TMPDIR/pw"
	[[ $stderr == *"--sasl-mechanism SCRAM-SHA-1: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"* ]]
	run -66 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1 \
	    --leader 127.0.0.1:1 --sasl-mechanism PLAIN --sasl-user bob \
	    --sasl-password-file "$BATS_TEST_TMPDIR/missing"
	[[ $stderr == *"--sasl-password-file $BATS_TEST_TMPDIR/missing: No such file or directory" ]]
	run -64 --separate-stderr flume-repl --data d --node-id 2 --leader-id 1 \
	    --leader 127.0.0.1:1 --sasl-mechanism PLAIN --sasl-user bob \
	    --sasl-password-file "$BATS_TEST_TMPDIR/empty"
	[[ $stderr == *"the first line is empty"* ]]
	[ ! -e d ]
}

@test "a refused password is logged once, retried with backoff, and a rotated file is picked up" {
	fake_sasl
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --sasl-mechanism PLAIN --sasl-user bob --sasl-password-file "$PW"
	repl_send 'follow f 0 0'
	wait_for_log r "warn: leader 1 at $ADDR: authentication refused: SASL authentication failed: Authentication failed: Invalid username or password"
	# retried, not dead: more refusals come, with the follower's backoff
	wait_until 5 eval '[ "$(grep -c "^sasl refused bob$" "$BATS_TEST_TMPDIR/fake.err")" -ge 3 ]'
	is_running "$REPL_PID"
	[ "$(grep -c 'authentication refused' "$BATS_TEST_TMPDIR/r.err")" -eq 1 ]
	run ! grep -q '^fetch ' "$BATS_TEST_TMPDIR/fake.err"
	# the password file is replaced (as mv does): the next connection uses it
	printf 'right\n' >"$PW.new"
	mv "$PW.new" "$PW"
	wait_for_log r "leader 1 at $ADDR answers again"
	wait_for_report r $'^progress\tf\t0\t3\t3$'
	grep -q '^sasl ok bob$' "$BATS_TEST_TMPDIR/fake.err"
	grep -q '^fetch f 0 0$' "$BATS_TEST_TMPDIR/fake.err"
}

@test "refusals for --unreachable-ms: exit 69, the last line says why" {
	fake_sasl
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --unreachable-ms 1500 --sasl-mechanism PLAIN --sasl-user bob \
	    --sasl-password-file "$PW"
	repl_send 'follow f 0 0'
	wait_exit "$REPL_PID" 100
	[ "$EXIT_STATUS" -eq 69 ]
	grep -q "unreachable for [0-9]* ms (last: authentication refused: SASL authentication failed: Authentication failed: Invalid username or password); stopping (69)" \
	    "$BATS_TEST_TMPDIR/r.err"
}

@test "a password file gone at reconnect: logged, retried, and used once back" {
	fake_sasl
	printf 'right\n' >"$PW"
	cp "$PW" "$PW.away"
	COPY=$(tmpdir copy)/data
	repl_start r --data "$COPY" --node-id 2 --leader-id 1 --leader "$ADDR" \
	    --sasl-mechanism PLAIN --sasl-user bob --sasl-password-file "$PW" \
	    --ready-fd 5 5>"$BATS_TEST_TMPDIR/ready"
	wait_for_line "$BATS_TEST_TMPDIR/ready"
	rm "$PW"		# gone after the start-up check, before the first connect
	repl_send 'follow f 0 0'
	wait_for_log r "cannot read --sasl-password-file: $PW: No such file or directory"
	is_running "$REPL_PID"
	mv "$PW.away" "$PW"
	wait_for_report r $'^progress\tf\t0\t3\t3$'
}
