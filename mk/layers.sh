#!/bin/sh
# make lint: libcommon's layers (doc/DESIGN.md, "libcommon's layers").
#   base/   primitives: errors, byte cursors, checksums, PRNG
#   codec/  pure encoders and decoders of wire and file formats
#   sm/     pure state machines (now, input) -> outputs
#   store/  storage over the vfs interface (real files or the memory disk)
#   os/     what touches the OS: sockets, the real-file backend, stderr,
#           entropy, locks
# A module may include its own layer and the ones listed before it; the
# first three (the pure ones) and store/ include only libc headers that
# make no system calls on their own.  Prints each breach; exits 1 if any.
set -u
cd "$(dirname "$0")/.." || exit 1
status=0
pure_sys='stddef.h stdint.h string.h stdlib.h stdio.h stdarg.h errno.h limits.h inttypes.h nmmintrin.h sodium.h'
# codec/compress: Kafka's codecs, libraries that only compute
pure_sys="$pure_sys zlib.h lz4frame.h zstd.h zstd_errors.h snappy-c.h"
for f in libcommon/*/*.[ch]; do
	layer=$(basename "$(dirname "$f")")
	case "$layer" in
	base) ok="base" ;;
	codec) ok="base codec" ;;
	sm) ok="base codec sm" ;;
	store) ok="base codec sm store" ;;
	os) continue ;;
	*) echo "lint: $f: unknown layer $layer" >&2; status=1; continue ;;
	esac
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		l=${inc%%/*}
		case " $ok " in
		*" $l "*) ;;
		*) echo "lint: $f includes $inc: $layer/ may include only $ok" >&2; status=1 ;;
		esac
	done
	for inc in $(sed -n 's/^#include <\([^>]*\)>.*/\1/p' "$f"); do
		case " $pure_sys " in
		*" $inc "*) ;;
		*) echo "lint: $f includes <$inc>: $layer/ makes no system calls" >&2; status=1 ;;
		esac
	done
done
exit "$status"
