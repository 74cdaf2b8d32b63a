# t/group-helpers.bash: what the consumer-group tests share (t/70, t/71),
# loaded after helpers.  Each test file defines assigned NAME, which prints
# the partitions member NAME reported last.

# has_partitions NAME: member NAME holds partitions now.
has_partitions() {
	[ -n "$(assigned "$1")" ]
}

# wait_assigned NAME: until member NAME reports a non-empty assignment (30 s).
wait_assigned() {
	wait_until 30 has_partitions "$1" || {
		echo "member $1 never got partitions" >&2
		cat "$BATS_TEST_TMPDIR/$1.err" >&2
		return 1
	}
}

# all_partitions NAME...: the NAMEs hold partitions 0-3 between them, each
# of them some.
all_partitions() {
	local n
	for n in "$@"; do
		has_partitions "$n" || return 1
	done
	[ "$(for n in "$@"; do assigned "$n"; done | tr ' ' '\n' | grep . | sort -nu |
	    tr '\n' ' ')" = "0 1 2 3 " ]
}

# wait_split NAME...: until the NAMEs' assignments cover partitions 0-3,
# each NAME holding some (30 s): the generation they are all members of.
# With the broker's initial delay at 0 the first member takes everything in
# a generation of its own first.  (Whether the NAMEs overlap is for the
# test to check.)
wait_split() {
	local n
	wait_until 30 all_partitions "$@" || {
		for n in "$@"; do cat "$BATS_TEST_TMPDIR/$n.err" >&2; done
		return 1
	}
}

# has_lines N FILE...: the files together hold N lines or more.
has_lines() {
	local n=$1
	shift
	[ "$(cat "$@" | wc -l)" -ge "$n" ]
}

# wait_lines N FILE...: until the files together hold N lines (60 s).
wait_lines() {
	wait_until 60 has_lines "$@" || {
		echo "wait_lines: only $(cat "${@:2}" | wc -l) of $1 lines" >&2
		return 1
	}
}

# end_marks TOPIC: one record "end-P" on each partition P of TOPIC (0-3),
# produced after the records a test waits for.  A member prints each
# partition's records in offset order, so once the members printed all four
# marks, every record before them that they were going to print (a second
# time, say, after a rebalance) is printed too: the event that shows a
# duplicate would be there now, in place of sleeping while it does not come.
end_marks() {
	local p
	for p in 0 1 2 3; do
		echo "end-$p" | kcat -b "$ADDR" -t "$1" -P -p "$p" || return 1
	done
}

# marks FILE...: how many end marks the files hold.
marks() {
	cat "$@" | grep -c $'\tend-[0-3]$'
}

# have_marks FILE...: the files hold all four end marks (or more).
have_marks() {
	[ "$(marks "$@")" -ge 4 ]
}

# wait_marks FILE...: until the files hold all four end marks (60 s).
wait_marks() {
	wait_until 60 have_marks "$@"
}

# records FILE...: the files' lines that are not end marks.
records() {
	cat "$@" | grep -v $'\tend-[0-3]$'
}

# produce FROM TO TOPIC: keyed records vFROM..vTO with kcat (the keys spread
# them over the partitions); needs ADDR.
produce() {
	seq "$1" "$2" | awk '{ print "k" $1 ":v" $1 }' |
	    kcat -b "$ADDR" -t "$3" -P -K: -X partitioner=murmur2_random
}
