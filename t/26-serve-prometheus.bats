#!/usr/bin/env bats
# t/26-serve-prometheus.bats: a real Prometheus server (Debian's
# prometheus, installed by make deps) scrapes a broker every second while a
# paced producer runs (flume-test-tool produce-timed, which times its own
# requests); Prometheus' HTTP API then says how many records came in (exactly
# what the producer sent), how fast (increase over the run within 25% of
# the producer's count: Prometheus extrapolates to the window's edges), and
# the median Produce latency (between a third of and 2.5 times the
# generator's own median; the reasons are at the check); promtool check
# metrics accepts a scrape.

load helpers
load serve-helpers

teardown() { bg_stop_all; }

# free_port: a TCP port that was free on 127.0.0.1 a moment ago.
free_port() {
	node -e 'const s = require("net").createServer();
	    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# prom_start: Prometheus scraping MADDR every second, its API on PPORT.
prom_start() {
	local d
	d=$(tmpdir prom)
	command -v prometheus >/dev/null || { echo "prometheus is not installed (make deps)" >&2; return 1; }
	cat >"$d/prometheus.yml" <<-YML
	global:
	  scrape_interval: 1s
	  evaluation_interval: 1s
	scrape_configs:
	  - job_name: flume
	    static_configs:
	      - targets: ['$MADDR']
	YML
	PPORT=$(free_port)
	bg_start prom prometheus --config.file="$d/prometheus.yml" \
	    --storage.tsdb.path="$d/tsdb" --web.listen-address="127.0.0.1:$PPORT" \
	    --log.level=warn
	wait_until 30 prom_ready || { tail -n 20 "$BATS_TEST_TMPDIR/prom.err" >&2; return 1; }
}

prom_ready() {
	node -e 'require("http").get({ host: "127.0.0.1", port: process.argv[1], path: "/-/ready" },
	    (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1));' \
	    "$PPORT"
}

# promq QUERY: the value of QUERY's first result, now.
promq() {
	node "$FLUME_ROOT/t/interop/promq.js" "$PPORT" "$1"
}

# up_is_1: Prometheus has scraped the broker successfully.
up_is_1() { [ "$(promq 'up{job="flume"}' 2>/dev/null)" = 1 ]; }

# records_seen N: Prometheus' latest flume_records_in_total is N.
records_seen() { [ "$(promq 'flume_records_in_total{job="flume"}' 2>/dev/null)" = "$1" ]; }

@test "Prometheus scrapes a broker under load; its API agrees with the producer" {
	local n inc q c
	serve_start a --metrics-listen 127.0.0.1:0
	MADDR=$(sed -n 's|.*metrics on http://\(.*\)/metrics$|\1|p' "$BATS_TEST_TMPDIR/a.err" | tail -1)
	[ -n "$MADDR" ]
	prom_start
	wait_until 20 up_is_1
	# the load generator: 30 Produce requests of 100 records, one every
	# 0.2 s (about 6 s of load), each awaited and timed by the generator
	serve_admin create load 1
	flume-test-tool produce-timed "$ADDR" load 30 100 200 >"$BATS_TEST_TMPDIR/gen"
	cat "$BATS_TEST_TMPDIR/gen"
	n=$(awk '$1 == "records" { print $2 }' "$BATS_TEST_TMPDIR/gen")
	[ "$n" = 3000 ]
	[ "$(serve_log_end load 0)" = "$n" ]
	# the counter Prometheus stored is exactly what the generator sent
	wait_until 15 records_seen "$n"
	# the increase over the last minute: the whole run, within 25%
	inc=$(promq 'increase(flume_records_in_total{job="flume"}[1m])')
	echo "increase: $inc"
	awk -v v="$inc" -v n="$n" 'BEGIN { exit !(v >= 0.75 * n && v <= 1.25 * n) }'
	# the median Produce latency Prometheus computes from the broker's
	# histogram against the generator's own median: no more than 2.5 times
	# it (the broker's share of a round trip is at most all of it, and
	# interpolation inside a bucket overshoots by at most a bucket's ratio,
	# 2.5), no less than a third (undershoot by a bucket's ratio, and the
	# generator's own share of the round trip: encoding and the loopback)
	q=$(promq 'histogram_quantile(0.5, sum by (le) (rate(flume_request_duration_seconds_bucket{job="flume",api="Produce"}[1m])))')
	c=$(awk '$1 == "send_p50_ms" { print $2 / 1000 }' "$BATS_TEST_TMPDIR/gen")
	echo "broker p50: $q s, generator p50: $c s"
	awk -v b="$q" -v c="$c" 'BEGIN { exit !(c > 0 && b >= c / 3 && b <= c * 2.5) }'
	[ "$(promq 'flume_request_duration_seconds_count{job="flume",api="Produce"}')" -ge 1 ]
	# and promtool's linter accepts the exposition
	command -v promtool >/dev/null
	http_get_metrics >"$BATS_TEST_TMPDIR/body"
	run promtool check metrics <"$BATS_TEST_TMPDIR/body"
	echo "$output"
	[ "$status" -eq 0 ]
}

# http_get_metrics: the body of GET /metrics from MADDR.
http_get_metrics() {
	local fd
	exec {fd}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
	printf 'GET /metrics HTTP/1.0\r\n\r\n' >&"$fd"
	timeout 10 cat <&"$fd" | sed '1,/^\r$/d'
	exec {fd}<&-
}
