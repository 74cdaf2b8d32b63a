# t/metrics-helpers.bash: scraping a --metrics-listen endpoint at MADDR
# (host:port) over bash's /dev/tcp (no curl needed).  Loaded after helpers.

# metrics_addr_from LOG: set MADDR from LOG's last "metrics on
# http://HOST:PORT/metrics" line (flume-serve and flume-ctl both log it).
metrics_addr_from() {
	MADDR=$(sed -n 's|.*metrics on http://\(.*\)/metrics$|\1|p' "$1" | tail -1)
	[ -n "$MADDR" ]
}

# http_raw BYTES: send BYTES (printf format) to MADDR and print the answer
# (the server closes after one answer; 10 s bound).
# shellcheck disable=SC2059 # $1 is the printf format on purpose
http_raw() {
	local fd
	exec {fd}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
	printf "$1" >&"$fd"
	timeout 10 cat <&"$fd"
	exec {fd}<&-
}

# scrape: GET /metrics into $BATS_TEST_TMPDIR/scrape (the whole answer) and
# its body into $BATS_TEST_TMPDIR/body, and the body on stdout; fails unless
# the answer is 200.
scrape() {
	http_raw 'GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n' >"$BATS_TEST_TMPDIR/scrape"
	head -1 "$BATS_TEST_TMPDIR/scrape" | grep -q '^HTTP/1.1 200 OK' || return 1
	sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/scrape" >"$BATS_TEST_TMPDIR/body"
	cat "$BATS_TEST_TMPDIR/body"
}

# sample NAME_WITH_LABELS: the value of one sample of the last scrape.
sample() {
	awk -v k="$1" 'substr($0, 1, 1) != "#" && $1 == k { print $2 }' "$BATS_TEST_TMPDIR/body"
}

# sample_sum NAME: the sum of NAME's samples, whatever their labels, in the
# last scrape (0 when there are none).
sample_sum() {
	awk -v k="$1" 'substr($0, 1, 1) != "#" {
		n = $1; sub(/\{.*/, "", n); if (n == k) s += $2 } END { printf "%d\n", s }' \
	    "$BATS_TEST_TMPDIR/body"
}
