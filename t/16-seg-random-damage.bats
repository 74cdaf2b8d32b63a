#!/usr/bin/env bats
# Seeded random damage to a 100k-record partition of several segments:
# bit flips, truncations, zeroed bytes, removed or emptied segments,
# garbage, torn or oversized indexes, a garbage leader-epoch-checkpoint.
# For every case:
#   - flume-seg verify exits 65 naming the spot (the first bad batch is
#     the damaged one or later), or 0 when what is left is a sound log of
#     original records (a segment removed at either end, a last segment cut
#     at a batch boundary, ...);
#   - the library's open, strict (FL_PLOG_VERIFY), serves every offset it
#     holds as written or refuses with FL_ECORRUPT; the default open serves
#     original records up to the damage at least, and stops nowhere before it;
#   - flume-seg repair always exits 0, verify then accepts the partition,
#     and it holds original records only, none before the damage lost.
# flume-test-tool damage picks and applies the damage from the seed.

load helpers

CASES=${FLUME_DAMAGE_CASES:-100}
SEED0=${FLUME_DAMAGE_SEED:-20240601}

setup_file() {
	local o="$BATS_FILE_TMPDIR/orig"
	seq 1 100000 | flume-seg append --batch 100 --segment-bytes 131072 \
	    --timestamp 1700000000000 "$o"
}

# Forks are what these cases cost: fields are split by bash, not cut or awk.

# odigest FROM TO: sets SUM to the digest of the original's records in
# [FROM, TO) (cached: many cases share a range).
odigest() {
	local out
	SUM=${DIGESTS["$1 $2"]:-}
	[ -z "$SUM" ] || return 0
	out=$(flume-seg digest --format tsv --from "$1" --to "$2" "$BATS_FILE_TMPDIR/orig")
	SUM=${out##*$'\t'}
	DIGESTS["$1 $2"]=$SUM
}

# served LINE LOST: an "ok" or "stopped" line of plog-check holds original
# records only, and reaches LOST at least.
served() {
	local what start end n sum rest
	IFS=$'\t' read -r what start end n sum rest <<<"$1"
	[ "$end" -ge "$2" ] || { echo "served only up to $end, below $2: $1"; return 1; }
	odigest "$start" "$end"
	[ "$sum" = "$SUM" ] || { echo "records $start..$end differ from the original's"; return 1; }
}

# one_case SEED: damage a copy, check it, repair it, check again.
one_case() {
	local c="$BATS_TEST_TMPDIR/c" desc kind file pos lost out rc line first=""
	local f k p o rest named=0
	rm -rf "$c"
	cp -a "$BATS_FILE_TMPDIR/orig" "$c"
	desc=$(flume-test-tool damage "$c" "$1") || { echo "damage failed"; return 1; }
	IFS=$'\t' read -r kind file pos lost <<<"$desc"
	echo "# seed $1: $desc"

	rc=0
	out=$(flume-seg verify --format tsv "$c" 2>/dev/null) || rc=$?
	while IFS=$'\t' read -r f k p o rest; do
		[ "$f" != file ] || continue
		[ "$f" != "$file" ] || named=1
		[ -n "$first" ] || [ "$k" != log ] || first="$f"$'\t'"$o"
	done <<<"$out"
	case $rc in
	65)
		case $kind in
		flip|zero)
			[ -n "$first" ] || { echo "no log problem: $out"; return 1; }
			;;&
		flip|truncate|zero|remove|empty)
			# no log problem: a sound log, shorter than its index says
			if [ -n "$first" ]; then
				f=${first%$'\t'*} o=${first#*$'\t'}
				[[ ! "$f" < "$file" ]] || [ "$kind" = remove ] ||
				    { echo "blames an earlier file: $out"; return 1; }
				[ "$o" -ge "$lost" ] ||
				    { echo "blames a batch before the damage: $out"; return 1; }
			fi
			;;
		*)
			[ "$named" -eq 1 ] || { echo "does not name $file: $out"; return 1; }
			;;
		esac
		;;
	0)
		case $kind in
		flip|truncate|remove|empty) ;;
		*) echo "verify found nothing"; return 1 ;;
		esac
		;;
	*) echo "verify exited $rc"; return 1 ;;
	esac
	local verified=$rc

	# the library, strict: all it serves is as written, or it refuses
	rc=0
	out=$(flume-test-tool plog-check --verify "$c") || rc=$?
	case $rc in
	0) served "$out" "$lost" || return 1 ;;
	65) [[ $out == refused* ]] || { echo "$out"; return 1; } ;;
	*) echo "strict open: exit $rc: $out"; return 1 ;;
	esac
	# what verify accepts, it serves whole
	[ "$verified" -ne 0 ] || [ "$rc" -eq 0 ] ||
	    { echo "verify accepts what the strict open refuses: $out"; return 1; }
	# the library, by default: original records up to the damage at least
	rc=0
	out=$(flume-test-tool plog-check "$c") || rc=$?
	case $rc in
	0|70) served "$out" "$lost" || return 1 ;;
	65) [[ $out == refused* ]] || { echo "$out"; return 1; } ;;
	*) echo "open: exit $rc: $out"; return 1 ;;
	esac

	rc=0
	out=$(flume-seg repair "$c" 2>&1) || rc=$?
	[ "$rc" -eq 0 ] || { echo "repair exited $rc: $out"; return 1; }
	out=$(flume-seg verify "$c" 2>&1) || { echo "verify after repair: $out"; return 1; }
	out=$(flume-test-tool plog-check --verify "$c") ||
	    { echo "strict open after repair: $out"; return 1; }
	served "$out" "$lost"
}

@test "seeded random damage: verify names it, repair mends it, open never serves it" {
	local logs=("$BATS_FILE_TMPDIR/orig"/*.log)
	[ "${#logs[@]}" -ge 8 ]
	# a child bash runs the cases: bats's traps would triple the time
	export -f odigest served one_case
	export CASES SEED0 BATS_FILE_TMPDIR BATS_TEST_TMPDIR
	bash -c '
		declare -A DIGESTS=()
		failed=0
		for ((i = 0; i < CASES; i++)); do
			if ! one_case $((SEED0 + i)) >"$BATS_TEST_TMPDIR/case.out" 2>&1; then
				cat "$BATS_TEST_TMPDIR/case.out"
				failed=$((failed + 1))
			fi
		done
		echo "$failed of $CASES cases failed (replay one with" \
		    "FLUME_DAMAGE_SEED=S FLUME_DAMAGE_CASES=1)"
		[ "$failed" -eq 0 ]'
}
