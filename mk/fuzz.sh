#!/bin/sh
# mk/fuzz.sh: build every fuzz/fuzz-*.c with libFuzzer + ASan/UBSan and run
# each for a bounded time over its seed corpus.
#
#   sh mk/fuzz.sh [target ...]     targets are names like "wire"; default all
#
# Environment: FUZZ_SECONDS (per target, default 60), FUZZ_CC (default
# clang), FUZZ_OUT (default build-fuzz), FUZZ_JOBS (libFuzzer -jobs, default 1).
# Seeds are read from fuzz/corpus/<target>/ and never modified; inputs the
# fuzzer finds go to $FUZZ_OUT/corpus/<target>/, and crashes to
# $FUZZ_OUT/<target>-crash-* (copy a crash into fuzz/corpus/<target>/ once
# fixed, so `make check` replays it).  fuzz/fuzz-<target>.options
# ([libfuzzer] key = value lines) become -key=value flags, since plain
# libFuzzer does not read .options files.  Exit status: 0, or the first
# failing build or fuzz run's status.
set -eu
cd "$(dirname "$0")/.."

cc=${FUZZ_CC:-clang}
secs=${FUZZ_SECONDS:-60}
out=${FUZZ_OUT:-build-fuzz}
jobs=${FUZZ_JOBS:-1}

command -v "$cc" >/dev/null 2>&1 || {
	echo "fuzz: $cc not found (Debian: apt-get install clang)" >&2
	exit 69
}

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
flags="-std=c11 -g -O1 $san -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE"
# The quotes are meant literally: they make FL_VERSION a C string.
# shellcheck disable=SC2089
flags="$flags -DFL_VERSION=\"fuzz\" -Ilibcommon"
pkg_cflags=$(pkg-config --cflags libsodium libpipeline zlib liblz4 libzstd 2>/dev/null || true)
pkg_libs="$(pkg-config --libs libsodium libpipeline zlib liblz4 libzstd 2>/dev/null || true) -lsnappy"

# libcommon with coverage instrumentation.  A module that does not compile
# (work in progress elsewhere) is skipped with a warning: targets that do
# not need it still build, and those that do fail at link time.
mkdir -p "$out/obj"
rm -f "$out/obj"/*.o "$out/libcommon.a"
for src in libcommon/*/*.c; do
	obj="$out/obj/$(basename "$src" .c).o"
	# shellcheck disable=SC2086,SC2090
	$cc $flags -fsanitize=fuzzer-no-link $pkg_cflags -c -o "$obj" "$src" ||
	    echo "fuzz: warning: skipping $src (does not compile)" >&2
done
ar rcs "$out/libcommon.a" "$out"/obj/*.o

if [ "$#" -eq 0 ]; then
	set --
	for f in fuzz/fuzz-*.c; do
		[ -f "$f" ] || continue
		t=$(basename "$f" .c)
		set -- "$@" "${t#fuzz-}"
	done
fi

status=0
for t in "$@"; do
	src="fuzz/fuzz-$t.c"
	bin="$out/fuzz-$t"
	[ -f "$src" ] || { echo "fuzz: no $src" >&2; exit 64; }
	# shellcheck disable=SC2086,SC2090
	$cc $flags -fsanitize=fuzzer $pkg_cflags -o "$bin" "$src" \
	    "$out/libcommon.a" $pkg_libs -lpthread || { status=1; continue; }

	opts=""
	if [ -f "fuzz/fuzz-$t.options" ]; then
		opts=$(sed -n 's/^[[:space:]]*\([a-z_]*\)[[:space:]]*=[[:space:]]*\([^[:space:]]*\).*/-\1=\2/p' \
		    "fuzz/fuzz-$t.options")
	fi
	mkdir -p "$out/corpus/$t" "fuzz/corpus/$t"
	echo "fuzz: $t for ${secs}s" >&2
	# -jobs makes libFuzzer fork workers that log to ./fuzz-N.log; only
	# ask for that when running several.
	par=""
	[ "$jobs" -le 1 ] || par="-jobs=$jobs -workers=$jobs"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" $par \
	    -print_final_stats=1 -artifact_prefix="$out/$t-" $opts \
	    "$out/corpus/$t" "fuzz/corpus/$t" || {
		rc=$?
		echo "fuzz: $t failed (exit $rc); see $out/$t-*" >&2
		[ "$status" -ne 0 ] || status=$rc
	}
done
exit "$status"
