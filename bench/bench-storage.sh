#!/bin/sh
# bench-storage.sh BINARY [OPTIONS]: run the storage benchmark from the
# repository root, in a scratch directory under bench/out (on the repository's
# filesystem, not /tmp), and record the figures in bench/RESULTS.md.
# OPTIONS go to the binary (see BINARY -h).  `make bench-storage` calls this.
set -eu
if [ $# -lt 1 ]; then
	echo "usage: sh bench/bench-storage.sh BINARY [OPTIONS]" >&2
	exit 64
fi
bin=$1
shift
case $bin in
/*) ;;
*) bin=$PWD/$bin ;;
esac
cd "$(dirname "$0")/.."
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
# plog.c may be uncommitted work: name the exact bytes measured
blob=$(git hash-object libcommon/store/plog.c 2>/dev/null | cut -c1-12) && rev="$rev, plog.c blob $blob"
exec "$bin" -d bench/out -o bench/RESULTS.md -r "$rev" "$@"
