# t/group-helpers.bash: what the consumer-group tests share (t/70, t/71),
# loaded after helpers.  Each test file defines assigned NAME, which prints
# the partitions member NAME reported last.

# wait_assigned NAME: until member NAME reports a non-empty assignment (30 s).
wait_assigned() {
	local _
	for _ in $(seq 300); do
		[ -n "$(assigned "$1")" ] && return 0
		sleep 0.1
	done
	echo "member $1 never got partitions" >&2
	cat "$BATS_TEST_TMPDIR/$1.err" >&2
	return 1
}

# wait_lines N FILE...: until the files together hold N lines (60 s).
wait_lines() {
	local n=$1 _
	shift
	for _ in $(seq 600); do
		[ "$(cat "$@" | wc -l)" -ge "$n" ] && return 0
		sleep 0.1
	done
	echo "wait_lines: only $(cat "$@" | wc -l) of $n lines" >&2
	return 1
}

# produce FROM TO TOPIC: keyed records vFROM..vTO with kcat (the keys spread
# them over the partitions); needs ADDR.
produce() {
	seq "$1" "$2" | awk '{ print "k" $1 ":v" $1 }' |
	    kcat -b "$ADDR" -t "$3" -P -K: -X partitioner=murmur2_random
}
