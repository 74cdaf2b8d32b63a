#!/usr/bin/env bats
# t/27-serve-users.bats: `flume-serve user|acl add|del|list` edit a data
# directory's users file, as real processes on real files: passwords come
# from standard input and never reach the disk, the file is 0600, a
# damaged file is refused and left as it was, writers serialise on
# DIR/users.lock (never DIR/lock, which a running broker holds), and
# every error has its exit status (64 usage, 65 damaged, 66 no directory,
# 67 no such user, 75 lock busy).

load helpers
load serve-helpers

setup() {
	DATA=$(tmpdir data)
	PW='correct-horse-battery-staple-42'
}

# HOLDER (a lock holder, see hold_lock) dies by SIGTERM: its status is
# not a graceful stop, so it is reaped here rather than by bg_stop_all.
teardown() {
	if [ -n "${HOLDER:-}" ]; then
		bg_kill "$HOLDER" || true
	fi
	bg_stop_all
}

# user_add NAME PASSWORD [ARGS...]: add or replace NAME in $DATA.
user_add() {
	local name=$1 pw=$2
	shift 2
	printf '%s\n' "$pw" | flume-serve user add "$name" --data "$DATA" "$@"
}

# is_locked FILE: some process holds an flock on FILE.
is_locked() {
	! flock -n "$1" true
}

# hold_lock FILE: hold an flock on FILE from one background process (bash
# locks fd 9, then becomes sleep, which keeps the descriptor); sets HOLDER.
# The holder waits for the lock (no -n): is_locked's own probe takes it for
# an instant, and a holder that gave up then would never hold it.
hold_lock() {
	bg_start holder bash -c 'exec 9>>"$1" && flock 9 && exec sleep 60' bash "$1"
	HOLDER=$BG_PID
	wait_until 5 is_locked "$1"
}

# open_twice FILE: two descriptors are open on FILE (a holder's and a
# waiting writer's: the writer opens the lock file, then polls flock).
open_twice() {
	[ "$(find /proc/[0-9]*/fd -lname "$1" 2>/dev/null | wc -l)" -ge 2 ]
}

# flip_byte FILE OFFSET: put a different byte at OFFSET.
flip_byte() {
	local b
	b=$(dd if="$1" bs=1 skip="$2" count=1 2>/dev/null)
	[ "$b" = X ] && b=Y || b=X
	printf %s "$b" | dd of="$1" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

@test "user add, list and del; the password comes from standard input" {
	run -0 --separate-stderr user_add bob "$PW"
	[ -z "$stderr" ]
	run -0 user_add alice other-password
	run -0 --separate-stderr flume-serve user list --data "$DATA"
	[ "$output" = $'alice\nbob' ]
	run -0 flume-serve user del alice --data "$DATA"
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = bob ]
	run -0 flume-serve user del bob --data "$DATA"
	run -0 flume-serve user list --data "$DATA"
	[ -z "$output" ]
}

@test "the users file is 0600, whatever the umask, and holds no password" {
	run -0 bash -c 'umask 000 && printf "%s\n" "$1" | flume-serve user add alice --data "$2"' \
	    bash "$PW" "$DATA"
	[ "$(stat -c %a "$DATA/users")" = 600 ]
	[ "$(stat -c %a "$DATA/users.lock")" = 600 ]
	[ ! -e "$DATA/users.tmp" ]
	run -1 grep -aFq "$PW" "$DATA/users"
	run -1 grep -raFq "$PW" "$DATA"
	# what it holds instead: SCRAM secrets for both hashes
	grep -aq '^user alice sha256 8192 ' "$DATA/users"
	grep -aq '^user alice sha512 8192 ' "$DATA/users"
	# a temp file a crash left behind, readable by all, is not reused
	echo stale >"$DATA/users.tmp"
	chmod 644 "$DATA/users.tmp"
	run -0 user_add bob "$PW"
	[ "$(stat -c %a "$DATA/users")" = 600 ]
	[ ! -e "$DATA/users.tmp" ]
}

@test "user add of an existing user replaces its password, says so, keeps its acls" {
	run -0 user_add alice first-password --iterations 4096
	run -0 flume-serve acl add alice read topic t- --data "$DATA"
	local before
	before=$(grep -a '^user alice sha256' "$DATA/users")
	run -0 --separate-stderr user_add alice second-password
	[[ $stderr == *"alice"*"replaced"* ]]
	local after
	after=$(grep -a '^user alice sha256' "$DATA/users")
	[ "$before" != "$after" ]
	[[ $after == "user alice sha256 8192 "* ]]
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = alice ]
	run -0 flume-serve acl list --data "$DATA"
	[ "$output" = "alice read topic t-" ]
}

@test "acl add merges, acl del revokes partly and wholly, user del takes the lines along" {
	run -0 user_add alice "$PW"
	run -0 user_add repl "$PW"
	run -0 flume-serve acl add alice read,write topic orders- --data "$DATA"
	run -0 flume-serve acl add alice read group '*' --data "$DATA"
	run -0 flume-serve acl add repl all cluster '*' --data "$DATA"
	run -0 flume-serve acl add alice create topic orders- --data "$DATA"
	run -0 --separate-stderr flume-serve acl list --data "$DATA"
	[ "$output" = $'alice read,write,create topic orders-\nalice read group *\nrepl all cluster *' ]
	run -0 --separate-stderr flume-serve acl add alice read topic orders- --data "$DATA"
	[[ $stderr == *"nothing to change"* ]]
	run -0 flume-serve acl del alice write topic orders- --data "$DATA"
	run -0 flume-serve acl list alice --data "$DATA"
	[ "$output" = $'alice read,create topic orders-\nalice read group *' ]
	run -0 flume-serve acl del alice all group '*' --data "$DATA"
	run -0 --separate-stderr flume-serve acl del alice read topic payments- --data "$DATA"
	[[ $stderr == *"nothing to revoke"* ]]
	run -0 flume-serve acl list --data "$DATA" alice
	[ "$output" = "alice read,create topic orders-" ]
	run -0 flume-serve user del alice --data "$DATA"
	run -0 flume-serve acl list --data "$DATA"
	[ "$output" = "repl all cluster *" ]
}

@test "an unknown user is 67, naming the user and the file" {
	run -0 user_add alice "$PW"
	run -67 --separate-stderr flume-serve user del bob --data "$DATA"
	[[ $stderr == *"no user bob in $DATA/users"* ]]
	run -67 flume-serve acl add bob read topic t --data "$DATA"
	run -67 flume-serve acl del bob read topic t --data "$DATA"
	run -67 flume-serve acl list bob --data "$DATA"
	# and with no users file at all
	rm "$DATA/users"
	run -67 flume-serve user del alice --data "$DATA"
	[ ! -e "$DATA/users" ]
}

@test "a damaged users file is 65 for every command and stays as it was" {
	run -0 user_add alice "$PW"
	run -0 flume-serve acl add alice read topic t --data "$DATA"
	local sum
	sum=$(sha256sum <"$DATA/users")
	flip_byte "$DATA/users" 40
	local damaged
	damaged=$(sha256sum <"$DATA/users")
	[ "$damaged" != "$sum" ]
	run -65 --separate-stderr user_add bob "$PW"
	[[ $stderr == *"$DATA/users: damaged"* ]]
	[ "$(wc -l <<<"$stderr")" -eq 1 ]
	run -65 user_add alice "$PW"
	run -65 flume-serve user del alice --data "$DATA"
	run -65 flume-serve acl add alice write topic t --data "$DATA"
	run -65 flume-serve acl del alice read topic t --data "$DATA"
	run -65 flume-serve user list --data "$DATA"
	run -65 flume-serve acl list --data "$DATA"
	[ "$(sha256sum <"$DATA/users")" = "$damaged" ]
	[ ! -e "$DATA/users.tmp" ]
}

@test "a users file from a newer flume (valid checksum, format 2) is 65 too" {
	# fl_durable_write's trailer is BLAKE2b-256 of the content: b2sum -l 256
	printf 'format 2\nsomething new\n' >"$DATA/users"
	b2sum -l 256 <"$DATA/users" | cut -d' ' -f1 | xxd -r -p >>"$DATA/users"
	local sum
	sum=$(sha256sum <"$DATA/users")
	run -65 --separate-stderr flume-serve user list --data "$DATA"
	[[ $stderr == *"$DATA/users: format 2: written by a newer flume"* ]]
	run -65 user_add alice "$PW"
	[ "$(sha256sum <"$DATA/users")" = "$sum" ]
}

@test "a missing data directory is 66 and is not created" {
	local d=$BATS_TEST_TMPDIR/nowhere
	run -66 --separate-stderr user_add alice "$PW" --data "$d"
	[[ $stderr == *"--data $d"* ]]
	run -66 flume-serve user list --data "$d"
	run -66 flume-serve acl add alice read topic t --data "$d"
	[ ! -e "$d" ]
	touch "$BATS_TEST_TMPDIR/file"
	run -66 --separate-stderr flume-serve user list --data "$BATS_TEST_TMPDIR/file"
	[[ $stderr == *"not a directory"* ]]
}

@test "usage errors are 64 with a usage line; --help is 0 on stdout" {
	run -0 --separate-stderr flume-serve user --help
	[[ $output == usage:*"user add NAME --data DIR"* ]]
	run -0 --separate-stderr flume-serve acl add --help
	[[ $output == usage:* ]]
	local bad
	while IFS= read -r bad; do
		eval "set -- $bad"
		run -64 --separate-stderr flume-serve "$@" </dev/null
		[[ $stderr == *usage:* ]] || { echo "no usage for: $bad" >&2; false; }
		[ "$(grep -vc -e '^usage:' -e '^       ' <<<"$stderr")" -eq 1 ] ||
		    { echo "not one error line for: $bad: $stderr" >&2; false; }
	done <<EOF
user
user frob --data "$DATA"
acl
user add alice
user add --data "$DATA"
user add alice bob --data "$DATA"
user add 'a b' --data "$DATA"
user add alice --data "$DATA" --iterations 100
user add alice --data "$DATA" --iterations 16385
user add alice --data "$DATA" --iterations 8k
user del alice --data "$DATA" --iterations 8192
user list extra --data "$DATA"
user list --data "$DATA" --bogus
user list --data
acl add alice read topic --data "$DATA"
acl add alice peek topic t --data "$DATA"
acl add alice read,read topic t --data "$DATA"
acl add alice read table t --data "$DATA"
acl add alice all cluster orders --data "$DATA"
acl add alice read topic 'a b' --data "$DATA"
acl list alice bob --data "$DATA"
EOF
	# the password: present, one line of at most 1024 bytes, no NUL
	run -64 --separate-stderr user_add alice ''
	[[ $stderr == *"no password"* ]]
	run -64 --separate-stderr bash -c 'head -c 1025 /dev/zero | tr "\0" a |
	    flume-serve user add alice --data "$1"' bash "$DATA"
	[[ $stderr == *"longer than 1024 bytes"* ]]
	run -64 --separate-stderr bash -c 'printf "a\0b\n" | flume-serve user add alice --data "$1"' \
	    bash "$DATA"
	[[ $stderr == *"NUL"* ]]
	run -0 bash -c 'head -c 1024 /dev/zero | tr "\0" a | flume-serve user add alice --data "$1"' \
	    bash "$DATA"
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = alice ]
}

@test "concurrent user adds of different users are all kept" {
	local i pids=() rc=0
	for i in 1 2 3 4 5 6; do
		bg_start "add$i" bash -c 'printf "pw%s\n" "$1" |
		    flume-serve user add "u$1" --data "$2" --iterations 16384' bash "$i" "$DATA"
		pids+=("$BG_PID")
	done
	for i in "${pids[@]}"; do
		wait "$i" || rc=$?
	done
	[ "$rc" -eq 0 ] || { cat "$BATS_TEST_TMPDIR"/add*.err >&2; false; }
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = "$(printf 'u%s\n' 1 2 3 4 5 6)" ]
}

@test "edits work while DIR/lock is held (as by a running broker)" {
	hold_lock "$DATA/lock"
	run -0 user_add alice "$PW"
	run -0 flume-serve acl add alice read topic t --data "$DATA"
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = alice ]
	run -0 flume-serve user del alice --data "$DATA"
	is_locked "$DATA/lock"
}

@test "a writer waits for DIR/users.lock, and gives up with 75 after a few seconds" {
	hold_lock "$DATA/users.lock"
	run -75 --separate-stderr user_add alice "$PW"
	[[ $stderr == *"$DATA/users.lock"*"try again"* ]]
	[ ! -e "$DATA/users" ]
	# released while a writer waits: the writer goes ahead
	bg_start waiter bash -c 'printf "pw\n" | flume-serve user add alice --data "$1"' bash "$DATA"
	local waiter=$BG_PID
	wait_until 5 open_twice "$DATA/users.lock"
	bg_kill "$HOLDER" || true
	HOLDER=
	wait "$waiter"
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = alice ]
}

@test "with a broker running on DIR, users are added and listed" {
	serve_start a
	printf '%s\n' "$PW" | flume-serve user add alice --data "$DATA"
	run -0 flume-serve acl add alice all topic '*' --data "$DATA"
	run -0 flume-serve user list --data "$DATA"
	[ "$output" = alice ]
	run -0 kcat -b "$ADDR" -L
}
