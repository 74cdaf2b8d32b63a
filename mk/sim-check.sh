#!/bin/sh
# make sim-check: for each planted bug (flume-sim(1), PLANTED BUGS), build
# libcommon and flume-sim with it (make PLANT=NAME, in build-plant/NAME)
# and show that flume-sim catches it within the stated number of seeds:
# it must exit 70 and name the seed.  A planted bug that goes uncaught
# fails the check.  The unplanted build must pass the same seeds.
set -u
JOBS=${JOBS:-2}
# NAME:SEEDS:FAULTS  (SEEDS: the most seeds the bug may take to show)
PLANTS="
FENCED_ACK:300:all
NO_FOLLOWER_FSYNC:300:all
ELECT_OUTSIDE_ISR:300:all
EARLY_HW:300:all
TRUNCATE_BELOW_HW:300:all
"
fail=0
for p in $PLANTS; do
	name=${p%%:*}; rest=${p#*:}; seeds=${rest%%:*}; faults=${rest#*:}
	if ! make --no-print-directory -j"$JOBS" PLANT="$name" "build-plant/$name/bin/flume-sim" \
	    >"build-plant-$name.log" 2>&1; then
		echo "sim-check: $name: build failed (build-plant-$name.log)"
		fail=1
		continue
	fi
	rm -f "build-plant-$name.log"
	out=$("build-plant/$name/bin/flume-sim" --seeds "$seeds" --faults "$faults" --quiet 2>&1)
	rc=$?
	caught=$(printf '%s\n' "$out" | sed -n 's/^seed \([0-9]*\): INVARIANT BROKEN[^:]*: \(.*\)$/\1: \2/p' | head -n 1)
	if [ "$rc" -eq 70 ] && [ -n "$caught" ]; then
		echo "sim-check: $name caught within $seeds seeds, by seed $caught"
	else
		echo "sim-check: $name NOT caught in $seeds seeds (exit $rc)"
		fail=1
	fi
done
exit $fail
