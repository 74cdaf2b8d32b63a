#!/usr/bin/env bats
# t/62-cat-sasl.bats: flume-cat's SASL options, and flume-test-tool
# sasl-abuse, against flume-test-tool fake-leader's SASL PLAIN gate (a
# SASL listener for user alice) and a plain flume-serve (no SASL).  SCRAM
# end to end needs flume-serve --sasl; these check the options, the exit
# codes and the messages, and that every mode authenticates first.

load helpers

# fake_sasl: a fake-leader behind a PLAIN gate for alice, password in
# $LEADER_PW; sets ADDR.  alice's right and wrong password files: $PW, $BAD.
fake_sasl() {
	LEADER_PW=$BATS_TEST_TMPDIR/leader-pw
	PW=$BATS_TEST_TMPDIR/pw
	BAD=$BATS_TEST_TMPDIR/bad
	printf 's3cret\n' >"$LEADER_PW"
	printf 's3cret\n' >"$PW"
	printf 'guess\n' >"$BAD"
	bg_start fake flume-test-tool fake-leader good --sasl-plain alice "$LEADER_PW"
	wait_for_line "$BATS_TEST_TMPDIR/fake.out"
	ADDR=$(<"$BATS_TEST_TMPDIR/fake.out")
}

teardown() {
	bg_stop_all
}

@test "--sasl-* options: all three or none, a known mechanism, a readable non-empty file" {
	printf 'x\n' >"$BATS_TEST_TMPDIR/pw"
	: >"$BATS_TEST_TMPDIR/empty"
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-user u \
	    --sasl-password-file "$BATS_TEST_TMPDIR/pw"
	[[ "$stderr" == *"--sasl-mechanism, --sasl-user and --sasl-password-file go together"* ]]
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism SCRAM-SHA-256
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism GSSAPI \
	    --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/pw"
	[[ "$stderr" == *"--sasl-mechanism GSSAPI: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512"* ]]
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism scram-sha-256 \
	    --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/pw"
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism PLAIN \
	    --sasl-user '' --sasl-password-file "$BATS_TEST_TMPDIR/pw"
	run -66 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism PLAIN \
	    --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/missing"
	[ "$stderr" = "flume-cat: --sasl-password-file $BATS_TEST_TMPDIR/missing: No such file or directory" ]
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism PLAIN \
	    --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/empty"
	[[ "$stderr" == *"--sasl-password-file $BATS_TEST_TMPDIR/empty: the first line is empty"* ]]
	# checked before any connection: port 1 refuses, which would be 69
	head -c 2000 /dev/zero | tr '\0' p >"$BATS_TEST_TMPDIR/long"
	run -64 --separate-stderr flume-cat -L -b 127.0.0.1:1 --sasl-mechanism PLAIN \
	    --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/long"
	[[ "$stderr" == *"longer than 1024 bytes"* ]]
}

@test "the right password: authenticated, then served" {
	fake_sasl
	run -0 --separate-stderr flume-cat -L -b "$ADDR" --sasl-mechanism PLAIN \
	    --sasl-user alice --sasl-password-file "$PW"
	[ "$output" = $'topic\tpartition\tleader\tleader_addr\treplicas\tisr\tstatus' ]
	[ -z "$stderr" ]
	grep -qx 'sasl ok alice' "$BATS_TEST_TMPDIR/fake.err"
	# CRLF in the file is fine
	printf 's3cret\r\n' >"$PW"
	run -0 flume-cat -L -b "$ADDR" --sasl-mechanism PLAIN --sasl-user alice \
	    --sasl-password-file "$PW"
}

@test "a wrong password: exit 77 and one line with the broker's reason, in every mode" {
	fake_sasl
	local mode
	for mode in "-L" "-L -G" "-C -t t" "-P -t t" "-G g t"; do
		# shellcheck disable=SC2086
		run -77 --separate-stderr flume-cat $mode -b "$ADDR" --sasl-mechanism PLAIN \
		    --sasl-user alice --sasl-password-file "$BAD" </dev/null
		[ "$stderr" = "flume-cat: $ADDR: SASL authentication failed: Authentication failed: Invalid username or password" ]
		[ -z "$output" ]
	done
	[ "$(grep -c 'sasl refused alice' "$BATS_TEST_TMPDIR/fake.err")" -eq 5 ]
	run ! grep -q 'sasl ok' "$BATS_TEST_TMPDIR/fake.err"
}

@test "a refusal is final: the next bootstrap broker is not tried" {
	fake_sasl
	run -77 --separate-stderr flume-cat -L -b "$ADDR,127.0.0.1:1" --sasl-mechanism PLAIN \
	    --sasl-user alice --sasl-password-file "$BAD"
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	[[ "$stderr" != *"127.0.0.1:1"* ]]
}

@test "a mechanism the broker does not enable: exit 77 naming what it offers" {
	fake_sasl
	run -77 --separate-stderr flume-cat -L -b "$ADDR" --sasl-mechanism SCRAM-SHA-512 \
	    --sasl-user alice --sasl-password-file "$PW"
	[ "$stderr" = "flume-cat: $ADDR: SASL mechanism SCRAM-SHA-512 is not enabled on the broker (it offers: PLAIN)" ]
}

@test "a broker without SASL: exit 77, nothing sent but ApiVersions" {
	local d
	d=$(tmpdir s)
	bg_start s sh -c 'exec flume-serve --data "$1/data" --listen 127.0.0.1:0 \
	    --ready-fd 5 5>"$1/ready"' sh "$d"
	wait_for_line "$d/ready"
	printf 'x\n' >"$BATS_TEST_TMPDIR/pw"
	run -77 --separate-stderr flume-cat -P -b "$(<"$d/ready")" -t t \
	    --sasl-mechanism SCRAM-SHA-256 --sasl-user u --sasl-password-file "$BATS_TEST_TMPDIR/pw" <<<'never'
	[[ "$stderr" == *": the broker offers no SASL authentication (no SaslHandshake v1 and SaslAuthenticate in its ApiVersions)" ]]
	# nothing was produced
	run -0 flume-cat -L -b "$(<"$d/ready")"
	[[ "$output" != *$'\nt\t'* ]]
}

@test "flume-test-tool sasl-abuse: one line per case against a PLAIN-only SASL listener" {
	fake_sasl
	run -0 --separate-stderr flume-test-tool sasl-abuse "$ADDR" alice s3cret
	[ "$(cut -f1 <<<"$output" | tr '\n' ' ')" = "before-auth wrong-password unknown-user truncated-first replayed-first replayed-final tampered-proof oversized-token oversized-frame handshake-twice auth-before-handshake unknown-mechanism mechanisms good-256 good-512 good-plain plain-v0 " ]
	grep -qx $'before-auth\tclosed' <<<"$output"
	grep -qx $'oversized-frame\tclosed' <<<"$output"
	grep -qx $'auth-before-handshake\t34 closed' <<<"$output"
	grep -qx $'unknown-mechanism\t33 closed' <<<"$output"
	grep -qx $'mechanisms\tPLAIN' <<<"$output"
	# the gate has no SCRAM: those cases stop at the handshake
	grep -qx $'wrong-password\t33 closed' <<<"$output"
	grep -qx $'replayed-final\tno-first-exchange' <<<"$output"
	grep -qx $'good-256\t33 closed' <<<"$output"
	grep -qx $'good-plain\tok' <<<"$output"
	grep -qx $'plain-v0\tok' <<<"$output"
	[ "$(grep -c 'sasl ok alice' "$BATS_TEST_TMPDIR/fake.err")" -eq 2 ]
	# a wrong password over PLAIN is 58 and a hang-up
	run -0 flume-test-tool sasl-abuse "$ADDR" alice nope
	grep -qx $'good-plain\t58 closed' <<<"$output"
	grep -qx $'plain-v0\tclosed' <<<"$output"
}
