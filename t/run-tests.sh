#!/bin/sh
# Run every test: C unit binaries (TAP), fuzz corpus replays, then bats.
# Prints each test's TAP line (bats' with its duration, to spot slow ones)
# and ends with one line "N passed, N failed".
# Environment: FLUME_BIN (built programs), FLUME_UNIT (unit binaries),
# FLUME_FUZZ (fuzz replay binaries).  --unit-only skips bats.
set -u
cd "$(dirname "$0")/.." || exit 1
: "${FLUME_BIN:=$PWD/bin}" "${FLUME_UNIT:=$PWD/build/unit}" "${FLUME_FUZZ:=$PWD/build/fuzz}"
export FLUME_BIN PATH="$FLUME_BIN:$PATH"
unit_only=0
[ "${1:-}" = "--unit-only" ] && unit_only=1

log=$(mktemp -d "${TMPDIR:-/tmp}/flume-check.XXXXXX")
trap 'rm -rf "$log"' EXIT INT TERM
passed=0 failed=0

count() {	# $1: a TAP log; adds its ok / not ok lines to the totals
	p=$(grep -c '^ok ' "$1" || true)
	f=$(grep -c '^not ok ' "$1" || true)
	passed=$((passed + p))
	failed=$((failed + f))
}

for t in "$FLUME_UNIT"/test-*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# unit: $name"
	"$t" >"$log/$name.tap" 2>"$log/$name.err"
	rc=$?
	sed 's/^/  /' "$log/$name.tap"
	count "$log/$name.tap"
	# a binary that dies or exits non-zero without a "not ok" line still fails
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$log/$name.tap"; then
		echo "  not ok - $name exited $rc"; sed 's/^/  # /' "$log/$name.err" | tail -20
		failed=$((failed + 1))
	elif [ "$rc" -ne 0 ]; then
		sed 's/^/  # /' "$log/$name.err" | tail -20
	fi
done

for t in "$FLUME_FUZZ"/fuzz-*-replay; do
	[ -x "$t" ] || continue
	name=$(basename "$t" -replay)
	corpus="fuzz/corpus/${name#fuzz-}"
	[ -d "$corpus" ] || continue
	if "$t" "$corpus" >"$log/$name.out" 2>&1; then
		echo "ok - $name replays $(find "$corpus" -type f | wc -l) corpus inputs"
		passed=$((passed + 1))
	else
		echo "not ok - $name corpus replay"; tail -20 "$log/$name.out"
		failed=$((failed + 1))
	fi
done

if [ "$unit_only" -eq 0 ]; then
	echo "# bats t/"
	bats --tap --timing t/ >"$log/bats.tap" 2>&1
	rc=$?
	cat "$log/bats.tap"
	count "$log/bats.tap"
	if [ "$rc" -ne 0 ] && ! grep -q '^not ok ' "$log/bats.tap"; then
		failed=$((failed + 1))
	fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
