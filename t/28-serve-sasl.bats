#!/usr/bin/env bats
# t/28-serve-sasl.bats: a --sasl listener with kcat (librdkafka) and kafkajs:
# PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 let the right users in; wrong
# passwords, unknown users and hostile exchanges are refused and close only
# their own connection; ACLs give kcat and kafkajs Kafka's error codes; users
# and ACLs change while the broker runs.

load helpers
load serve-helpers

setup() {
	[ -d "$FLUME_ROOT/t/interop/node_modules/kafkajs" ] ||
		fail "kafkajs not installed (make deps runs npm ci in t/interop)"
}

teardown() { bg_stop_all; }

# user_add DIR NAME PASSWORD: a user in DIR's users file.
user_add() {
	printf '%s\n' "$3" | flume-serve user add "$2" --data "$1"
}

# sasl_start [ARGS...]: a broker on $BATS_TEST_TMPDIR/a/data requiring SASL,
# with "admin" (everything) and "alice" (pw alice-pw: all on topics t-*,
# read on groups g-*) already there.
sasl_start() {
	local d
	d=$(tmpdir a)/data
	mkdir -p "$d"
	if [ ! -f "$d/users" ]; then
		user_add "$d" admin admin-pw
		user_add "$d" alice alice-pw
		flume-serve acl add admin all cluster '*' --data "$d"
		flume-serve acl add alice all topic t- --data "$d"
		flume-serve acl add alice read group g- --data "$d"
	fi
	serve_start a --sasl "$@"
}

# kc USER PASSWORD MECH KCAT-ARGS...: kcat through the SASL listener.
kc() {
	local u=$1 p=$2 m=$3
	shift 3
	timeout 60 kcat -b "$ADDR" -X security.protocol=SASL_PLAINTEXT \
	    -X sasl.mechanisms="$m" -X sasl.username="$u" -X sasl.password="$p" "$@"
}

js() {
	timeout 120 node "$FLUME_ROOT/t/interop/sasl.js" "$ADDR" "$@"
}

@test "--sasl refuses to start without a user (78) or with a damaged users file (65)" {
	local d
	d=$(tmpdir a)/data
	mkdir -p "$d"
	run -78 flume-serve --data "$d" --listen 127.0.0.1:0 --sasl
	assert_output --partial "no users"
	user_add "$d" u pw
	printf 'x' | dd of="$d/users" bs=1 seek=12 conv=notrunc status=none
	run -65 flume-serve --data "$d" --listen 127.0.0.1:0 --sasl
	assert_output --partial "users"
	run -64 flume-serve --data "$d" --listen 127.0.0.1:0 --sasl-mechanisms GSSAPI
	assert_output --partial "GSSAPI"
}

@test "kcat authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512" {
	sasl_start
	local m
	for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
		seq 1 100 | sed "s/^/$m-/" >"$BATS_TEST_TMPDIR/in"
		kc alice alice-pw "$m" -P -t "t-$m" <"$BATS_TEST_TMPDIR/in"
		run -0 --separate-stderr kc alice alice-pw "$m" -C -t "t-$m" -o beginning \
		    "${KCAT_END[@]}" -q
		[ "$output" = "$(<"$BATS_TEST_TMPDIR/in")" ]
	done
}

@test "kafkajs authenticates with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512" {
	sasl_start
	local m
	for m in plain scram-sha-256 scram-sha-512; do
		run -0 js "$m" alice alice-pw create "t-$m"
		run -0 js "$m" alice alice-pw produce "t-$m" 50
		run -0 js "$m" alice alice-pw consume "t-$m" 50
		[ "${lines[0]}" = v0 ] && [ "${lines[49]}" = v49 ] && [ "${lines[50]}" = ok ]
	done
	# a group with kafkajs' default commits
	run -0 js scram-sha-512 alice alice-pw group g-js t-plain 50
	[ "${lines[50]}" = ok ]
}

@test "wrong passwords and unknown users are refused; others keep working" {
	sasl_start
	kc alice alice-pw SCRAM-SHA-256 -P -t t-keep <<<"before"
	# a consumer stays connected through the refusals
	bg_start keep timeout 60 kcat -b "$ADDR" -X security.protocol=SASL_PLAINTEXT \
	    -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=alice \
	    -X sasl.password=alice-pw -C -t t-keep -o beginning -c 2 -q -u
	wait_for_line "$BATS_TEST_TMPDIR/keep.out" 100
	local m
	for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
		run --separate-stderr kc alice Wr0ngPass9 "$m" -L -m 5
		[ "$status" -ne 0 ]
		[[ "$stderr" == *"uthentication failed"* ]] || { echo "$stderr"; false; }
		run --separate-stderr kc nobody alice-pw "$m" -L -m 5
		[ "$status" -ne 0 ]
	done
	for m in plain scram-sha-256 scram-sha-512; do
		run -1 js "$m" alice Wr0ngPass9 produce t-keep 1
		assert_output --partial "error KafkaJSSASLAuthenticationError"
		run -1 js "$m" nobody alice-pw produce t-keep 1
		assert_output --partial "error KafkaJSSASLAuthenticationError"
	done
	kc alice alice-pw PLAIN -P -t t-keep <<<"after"
	wait_until 30 has_line "$BATS_TEST_TMPDIR/keep.out" after
	wait "$BG_PID"
	[ "$(<"$BATS_TEST_TMPDIR/keep.out")" = "$(printf 'before\nafter')" ]
	# the log names who failed, and never a password
	grep -q "authentication failed from .*alice" "$BATS_TEST_TMPDIR/a.err"
	! grep -q "Wr0ngPass9" "$BATS_TEST_TMPDIR/a.err"
}

@test "hostile SASL exchanges are refused with the right errors and close only their connection" {
	sasl_start
	run -0 flume-test-tool sasl-abuse "$ADDR" alice alice-pw
	echo "$output"
	[[ "$output" == *$'before-auth\tclosed'* ]]
	[[ "$output" == *$'wrong-password\t58 closed'* ]]
	[[ "$output" == *$'unknown-user\t58 closed'* ]]
	[[ "$output" == *$'truncated-first\t58 closed'* ]]
	[[ "$output" == *$'replayed-first\t58 closed'* ]]
	[[ "$output" == *$'replayed-final\t58 closed'* ]]
	[[ "$output" == *$'tampered-proof\t58 closed'* ]]
	[[ "$output" == *$'oversized-token\t58 closed'* ]]
	[[ "$output" == *$'oversized-frame\tclosed'* ]]
	[[ "$output" == *$'handshake-twice\t34 closed'* ]]
	[[ "$output" == *$'auth-before-handshake\t34 closed'* ]]
	[[ "$output" == *$'unknown-mechanism\t33 closed'* ]]
	[[ "$output" == *$'mechanisms\tPLAIN,SCRAM-SHA-256,SCRAM-SHA-512'* ]]
	[[ "$output" == *$'good-256\tok'* ]]
	[[ "$output" == *$'good-512\tok'* ]]
	[[ "$output" == *$'good-plain\tok'* ]]
	[[ "$output" == *$'plain-v0\tok'* ]]
	# the broker is still serving
	kc alice alice-pw SCRAM-SHA-256 -P -t t-after <<<"still"
	is_running "$SERVE_PID"
}

@test "only the enabled mechanisms are offered" {
	sasl_start --sasl-mechanisms SCRAM-SHA-512
	run --separate-stderr kc alice alice-pw PLAIN -L -m 5
	[ "$status" -ne 0 ]
	run -0 --separate-stderr kc alice alice-pw SCRAM-SHA-512 -L -m 5
}

@test "ACL denials give kcat and kafkajs Kafka's error codes, logged with the principal" {
	sasl_start
	kc admin admin-pw SCRAM-SHA-256 -P -t secret <<<"hidden"
	# topic write and read
	run --separate-stderr kc alice alice-pw SCRAM-SHA-256 -P -t secret <<<"x"
	[[ "$stderr" == *"Topic authorization failed"* ]] || { echo "$stderr"; false; }
	run -1 js scram-sha-256 alice alice-pw produce secret 1
	assert_output --partial "error TOPIC_AUTHORIZATION_FAILED"
	run -1 js scram-sha-256 alice alice-pw consume secret 1
	assert_output --partial "TOPIC_AUTHORIZATION_FAILED"
	# create and delete
	run -1 js scram-sha-256 alice alice-pw create other
	assert_output --partial "TOPIC_AUTHORIZATION_FAILED"
	run -1 js scram-sha-256 alice alice-pw delete secret
	assert_output --partial "TOPIC_AUTHORIZATION_FAILED"
	# a group alice may not read
	kc alice alice-pw SCRAM-SHA-256 -P -t t-g <<<"x"
	run -1 js scram-sha-256 alice alice-pw group h-nope t-g 1
	assert_output --partial "GROUP_AUTHORIZATION_FAILED"
	run --separate-stderr kc alice alice-pw SCRAM-SHA-256 -G h-nope t-g -c 1 -e
	[[ "$stderr" == *"roup authorization failed"* ]] || { echo "$stderr"; false; }
	# Metadata lists only what alice may see
	run -0 --separate-stderr kc alice alice-pw SCRAM-SHA-256 -L
	[[ "$output" != *'"secret"'* ]] && [[ "$output" == *'"t-g"'* ]]
	grep -q "denied [a-z]* on topic secret to alice" "$BATS_TEST_TMPDIR/a.err"
	grep -q "denied read on group h-nope to alice" "$BATS_TEST_TMPDIR/a.err"
	# the data is untouched
	run -0 --separate-stderr kc admin admin-pw PLAIN -C -t secret -o beginning "${KCAT_END[@]}" -q
	[ "$output" = hidden ]
}

@test "users and ACLs change without a restart" {
	sasl_start
	local d=$DATA
	run -1 js scram-sha-512 bob bob-pw produce t-bob 1
	user_add "$d" bob bob-pw
	# authenticated, but no grant yet
	run -1 js scram-sha-512 bob bob-pw create t-bob
	assert_output --partial "TOPIC_AUTHORIZATION_FAILED"
	flume-serve acl add bob read,write,create topic t-bob --data "$d"
	run -0 js scram-sha-512 bob bob-pw create t-bob
	run -0 js scram-sha-512 bob bob-pw produce t-bob 1
	# bob's open connection goes when bob is deleted
	bg_start bobc timeout 60 kcat -b "$ADDR" -X security.protocol=SASL_PLAINTEXT \
	    -X sasl.mechanisms=SCRAM-SHA-256 -X sasl.username=bob \
	    -X sasl.password=bob-pw -C -t t-bob -o beginning -q -u
	wait_for_line "$BATS_TEST_TMPDIR/bobc.out" 100
	flume-serve user del bob --data "$d"
	wait_until 50 grep -q "closing connection from .*: user bob was removed" \
	    "$BATS_TEST_TMPDIR/a.err"
	run -1 js scram-sha-512 bob bob-pw produce t-bob 1
	assert_output --partial "KafkaJSSASLAuthenticationError"
	# a new password takes effect at once
	user_add "$d" alice alice-new
	run -1 js plain alice alice-pw create t-x
	run -0 js plain alice alice-new create t-x
}

@test "the admin socket's user and acl verbs change who gets in, at once" {
	sasl_start
	run -0 serve_admin user add dave dave-pw
	[ "$output" = ok ]
	run -0 serve_admin acl add dave write,create topic d-
	[ "$output" = ok ]
	run -0 serve_admin acl list dave
	[ "${lines[0]}" = $'acl\tdave\twrite,create\ttopic\td-' ]
	run -0 js scram-sha-256 dave dave-pw create d-1
	run -0 js scram-sha-256 dave dave-pw produce d-1 3
	run -0 serve_admin user list
	[[ "$output" == *$'user\tdave'* ]]
	[ "$(stat -c %a "$DATA/users")" = 600 ]
	run -0 serve_admin user del dave
	run -1 js scram-sha-256 dave dave-pw produce d-1 1
	assert_output --partial "KafkaJSSASLAuthenticationError"
	run -0 serve_admin acl add nobody read topic x
	[[ "$output" == "error: "*nobody* ]]
	run -0 serve_admin user add
	[[ "$output" == "error: usage: user"* ]]
	# the password never reaches the log
	! grep -q dave-pw "$BATS_TEST_TMPDIR/a.err"
}

@test "metrics count authentications and denials" {
	sasl_start --metrics-listen 127.0.0.1:0
	local m
	m=$(sed -n 's/.*metrics on http:\/\/\([^/]*\)\/metrics.*/\1/p' "$BATS_TEST_TMPDIR/a.err")
	[ -n "$m" ]
	run -0 js plain alice alice-pw create t-m
	run -1 js plain alice Wr0ngPass9 produce t-m 1
	run -1 js plain alice alice-pw create secret2
	run -0 curl -s "http://$m/metrics"
	[[ "$output" == *'flume_sasl_authentications_total{result="success"} '[1-9]* ]]
	[[ "$output" == *'flume_sasl_authentications_total{result="failure"} '[1-9]* ]]
	[[ "$output" == *'flume_authorization_denials_total '[1-9]* ]]
}

@test "flume-cat authenticates with each mechanism; a wrong password exits 77" {
	sasl_start
	local m pw="$BATS_TEST_TMPDIR/pw" bad="$BATS_TEST_TMPDIR/bad"
	printf 'alice-pw\n' >"$pw"
	printf 'nope\n' >"$bad"
	for m in PLAIN SCRAM-SHA-256 SCRAM-SHA-512; do
		seq 1 20 | flume-cat -P -b "$ADDR" -t "t-cat-$m" --sasl-mechanism "$m" \
		    --sasl-user alice --sasl-password-file "$pw"
		run -0 flume-cat -C -b "$ADDR" -t "t-cat-$m" -e --sasl-mechanism "$m" \
		    --sasl-user alice --sasl-password-file "$pw"
		[ "$output" = "$(seq 1 20)" ]
	done
	run -77 flume-cat -L -b "$ADDR" --sasl-mechanism SCRAM-SHA-512 --sasl-user alice \
	    --sasl-password-file "$bad"
	assert_output --partial "uthentication failed"
}
