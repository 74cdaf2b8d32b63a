#!/bin/sh
# Install what building and testing flume needs on Debian 12, when missing.
# --quiet: say nothing when everything is already there (make calls it so).
set -eu
quiet=0
[ "${1:-}" = "--quiet" ] && quiet=1

pkgs="build-essential pkg-config libsodium-dev libpipeline-dev zlib1g-dev liblz4-dev libzstd-dev libsnappy-dev bats bats-support bats-assert kcat socat iproute2 mandoc nodejs npm"
missing=""
for p in $pkgs; do
	# node/npm may come from outside Debian (nvm, a tarball): accept those
	case "$p" in
	nodejs) command -v node >/dev/null 2>&1 && continue ;;
	npm) command -v npm >/dev/null 2>&1 && continue ;;
	build-essential) command -v cc >/dev/null 2>&1 && command -v make >/dev/null 2>&1 && continue ;;
	esac
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done

if [ -n "$missing" ]; then
	echo "deps: installing:$missing" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	$sudo apt-get update -qq >&2
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >&2
elif [ "$quiet" -eq 0 ]; then
	echo "deps: all Debian packages present" >&2
fi

# Prometheus and promtool for the metrics test (t/26), without the node
# exporter it recommends; on a machine run by systemd its postinst starts a
# prometheus service, which no test uses: stop it and keep it off
if ! command -v prometheus >/dev/null 2>&1 || ! command -v promtool >/dev/null 2>&1; then
	echo "deps: installing: prometheus" >&2
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	[ -n "$missing" ] || $sudo apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
	    prometheus >&2
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		$sudo systemctl disable --now prometheus >/dev/null 2>&1 || true
	fi
fi

# the libraries are asked of pkg-config when make compiles: say which package
# is missing now rather than let the first link fail on undefined symbols
for lib in libsodium:libsodium-dev libpipeline:libpipeline-dev zlib:zlib1g-dev \
    liblz4:liblz4-dev libzstd:libzstd-dev; do
	if ! pkg-config --exists "${lib%%:*}" 2>/dev/null; then
		echo "deps: pkg-config does not find ${lib%%:*}: install ${lib#*:}" >&2
		exit 1
	fi
done

# snappy ships no .pc file in Debian 12: ask the compiler for its C header
if ! printf '#include <snappy-c.h>\n' | ${CC:-cc} -E -x c - >/dev/null 2>&1; then
	echo "deps: snappy-c.h not found: install libsnappy-dev" >&2
	exit 1
fi

# kafkajs for the interop tests, pinned by t/interop/package-lock.json
if [ -f t/interop/package-lock.json ] && [ ! -d t/interop/node_modules/kafkajs ]; then
	echo "deps: npm ci in t/interop" >&2
	(cd t/interop && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
exit 0
