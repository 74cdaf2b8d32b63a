#!/usr/bin/env bats
# t/25-serve-metrics.bats: flume-serve --metrics-listen serves the
# Prometheus text format on GET /metrics: counters that match what was
# produced, a parseable exposition, 404/405/400/431 answers, and a
# responder that cuts off slow or idle clients while the Kafka port goes
# on answering.  HTTP is spoken through bash's /dev/tcp (no curl needed).

load helpers
load serve-helpers
load metrics-helpers

teardown() { bg_stop_all; }

# metrics_start NAME [ARGS...]: serve_start with --metrics-listen on a free
# port; sets MADDR (host:port) from the broker's "metrics on" log line.
metrics_start() {
	local name=$1
	shift
	serve_start "$name" --metrics-listen 127.0.0.1:0 "$@"
	metrics_addr "$name"
}

# metrics_addr NAME: set MADDR from broker NAME's "metrics on" log line.
metrics_addr() {
	metrics_addr_from "$BATS_TEST_TMPDIR/$1.err"
}

# exposition_ok FILE: every sample line is "name{labels} value" of a family
# whose one TYPE line came before it; histogram buckets are cumulative and
# end with le="+Inf" equal to _count.
exposition_ok() {
	awk '
	function fail(why) { print "exposition: line " NR ": " why ": " $0; bad = 1 }
	/^# HELP / { next }
	/^# TYPE / {
		if ($3 in type) fail("second TYPE line")
		type[$3] = $4; next
	}
	/^#/ { next }
	{
		if ($0 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfNa]+$/) {
			fail("not name{labels} value"); next
		}
		name = $1; sub(/\{.*/, "", name)
		labels = ""
		if (index($1, "{")) { labels = $1; sub(/^[^{]*/, "", labels) }
		fam = name; suf = ""
		if (name ~ /_(bucket|sum|count)$/) {
			base = name; sub(/_(bucket|sum|count)$/, "", base)
			if (type[base] == "histogram") {
				fam = base; suf = substr(name, length(base) + 2)
			}
		}
		if (!(fam in type)) { fail("sample before its TYPE"); next }
		if (type[fam] != "histogram") next
		key = labels; le = ""
		if (match(key, /le="[^"]*"/)) le = substr(key, RSTART + 4, RLENGTH - 5)
		gsub(/,?le="[^"]*"/, "", key); sub(/^\{,/, "{", key)
		if (key == "{}") key = ""
		key = fam key
		if (suf == "bucket") {
			if ((key in last) && $2 + 0 < last[key]) fail("buckets not cumulative")
			last[key] = $2 + 0
			if (le == "+Inf") inf[key] = $2
		} else if (suf == "count") {
			if (!(key in inf)) fail("no +Inf bucket before _count")
			else if (inf[key] != $2) fail("+Inf bucket is not _count")
			ncount++
		}
	}
	END { if (!bad && ncount == 0) { print "exposition: no histogram"; bad = 1 }
		exit bad }' "$1"
}

@test "metrics count what was produced, and the exposition parses" {
	metrics_start a
	run -0 flume-cat -b "$ADDR" -t m0 -P < <(seq 1 7)
	wait_until 10 eval '[ "$(serve_log_end m0 0)" = 7 ]'
	scrape >/dev/null
	grep -q '^Content-Type: text/plain; version=0.0.4; charset=utf-8' \
	    "$BATS_TEST_TMPDIR/scrape"
	grep -q '^Connection: close' "$BATS_TEST_TMPDIR/scrape"
	run -0 exposition_ok "$BATS_TEST_TMPDIR/body"
	[ "$(sample flume_records_in_total)" = 7 ]
	[ "$(sample 'flume_partition_log_end_offset{topic="m0",partition="0"}')" = 7 ]
	[ "$(sample 'flume_partition_high_watermark{topic="m0",partition="0"}')" = 7 ]
	[ "$(sample 'flume_partition_log_start_offset{topic="m0",partition="0"}')" = 0 ]
	[ "$(sample 'flume_partition_segments{topic="m0",partition="0"}')" = 1 ]
	[ "$(sample 'flume_partition_log_bytes{topic="m0",partition="0"}')" -gt 7 ]
	[ "$(sample 'flume_requests_total{api="Produce"}')" -ge 1 ]
	[ "$(sample 'flume_request_duration_seconds_count{api="Produce"}')" -ge 1 ]
	[ "$(sample flume_fsyncs_total)" -ge 1 ]
	[ "$(sample flume_records_per_fsync_sum)" -ge 7 ]
	[ "$(sample flume_bytes_in_total)" -gt 7 ]
	[ "$(sample 'flume_connections_accepted_total{listener="kafka"}')" -ge 1 ]
	[ "$(sample process_open_fds)" -gt 3 ]
	[ "$(sample process_resident_memory_bytes)" -gt 0 ]
	# consuming moves the out counters
	run -0 --separate-stderr flume-cat -b "$ADDR" -t m0 -C -e
	[ "${#lines[@]}" -eq 7 ]
	scrape >/dev/null
	[ "$(sample flume_records_out_total)" -ge 7 ]
	[ "$(sample flume_bytes_out_total)" -gt 7 ]
}

@test "other paths are 404, other methods 405, garbage 400, HEAD has no body" {
	metrics_start a
	run -0 http_raw 'GET /nope HTTP/1.1\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 404 Not Found"* ]]
	run -0 http_raw 'POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 405 Method Not Allowed"* ]]
	[[ $output == *"Allow: GET, HEAD"* ]]
	run -0 http_raw 'hello there\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 400 Bad Request"* ]]
	run -0 http_raw 'GET /metrics HTTP/2.0\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 505 "* ]]
	run -0 http_raw 'HEAD /metrics HTTP/1.0\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 200 OK"* ]]
	[[ $output != *flume_requests_total* ]]
	run -0 http_raw 'GET /metrics?name[]=x HTTP/1.0\n\n'
	[[ $output == *flume_requests_total* ]]
	# the answers are counted too
	scrape >/dev/null
	[ "$(sample 'flume_metrics_responses_total{code="404"}')" = 1 ]
	[ "$(sample 'flume_metrics_responses_total{code="405"}')" = 1 ]
}

@test "an oversized request is cut off with 431" {
	metrics_start a
	local fd big
	big=$(printf 'X-Filler: %09000d' 0)
	exec {fd}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
	# in a subshell: if the broker's answer comes first, a broken pipe ends only it
	(printf 'GET /metrics HTTP/1.1\r\n%s\r\n\r\n' "$big" >&"$fd") 2>/dev/null || true
	run timeout 10 head -1 <&"$fd"
	exec {fd}<&-
	[[ $output == "HTTP/1.1 431 "* ]]
	# the broker is fine
	scrape >/dev/null
}

@test "an idle client is closed at the deadline; the Kafka port answers meanwhile" {
	metrics_start a
	local fd i t0 t1 fds=()
	t0=$SECONDS
	exec {fd}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
	# eight more than the limit: all slots taken by silent clients
	for i in 1 2 3 4 5 6 7; do
		exec {i}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
		fds+=("$i")
	done
	# a ninth is accepted and closed at once (EOF or reset, no answer)
	run http_raw 'GET /metrics HTTP/1.1\r\n\r\n'
	[[ $output != *HTTP/1.1* ]]
	# Kafka is served while the metrics slots are taken
	run -0 flume-cat -b "$ADDR" -t k0 -P <<<'x'
	run -0 --separate-stderr timeout 5 flume-cat -b "$ADDR" -t k0 -C -e
	[ "$output" = x ]
	# the silent client hears EOF when its 5 s are up, not before 4 s
	run timeout 15 cat <&"$fd"
	t1=$SECONDS
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	[ $((t1 - t0)) -ge 4 ] && [ $((t1 - t0)) -le 9 ]
	exec {fd}<&-
	for i in "${fds[@]}"; do exec {i}<&-; done
	# and the slots are free again
	scrape >/dev/null
}

@test "a slow reader does not block the loop" {
	metrics_start a
	local fd
	exec {fd}<>"/dev/tcp/${MADDR%:*}/${MADDR##*:}"
	printf 'GET /metrics HTTP/1.1\r\n\r\n' >&"$fd"
	# never read it; meanwhile others are answered
	scrape >/dev/null
	run -0 flume-cat -b "$ADDR" -t s0 -P <<<'y'
	exec {fd}<&-
}

@test "metrics-listen in the config file; a bad value is a usage error" {
	local d
	d=$(tmpdir c)
	printf 'metrics-listen = 127.0.0.1:0\n' >"$d/conf"
	serve_start a --config "$d/conf"
	metrics_addr a
	scrape >/dev/null
	run -64 --separate-stderr flume-serve --data "$d/x" --listen 127.0.0.1:0 \
	    --metrics-listen nocolon
	[[ $stderr == *metrics-listen* ]]
}

# lag_is N: the last scrape's lag of group g on gm-0 is N (scrapes first).
lag_is() {
	scrape >/dev/null &&
	    [ "$(sample 'flume_group_lag_messages{group="g",topic="gm",partition="0"}')" = "$1" ]
}

@test "consumer groups: members, generation, state and lag" {
	metrics_start a --group-initial-delay-ms 0 --num-partitions 1
	run -0 flume-cat -b "$ADDR" -t gm -P < <(seq 1 10)
	bg_start m flume-cat -b "$ADDR" -G g gm -f '%v\n' --commit-ms 100 --heartbeat-ms 300
	local pid=$BG_PID
	wait_until 20 lag_is 0
	[ "$(sample 'flume_group_members{group="g"}')" = 1 ]
	[ "$(sample 'flume_group_state{group="g",state="Stable"}')" = 1 ]
	[ "$(sample 'flume_group_state{group="g",state="Empty"}')" = 0 ]
	[ "$(sample 'flume_group_generation{group="g"}')" -ge 1 ]
	bg_stop "$pid"
	run -0 flume-cat -b "$ADDR" -t gm -P < <(seq 11 15)
	wait_until 10 lag_is 5
	[ "$(sample 'flume_group_members{group="g"}')" = 0 ]
	[ "$(sample 'flume_group_state{group="g",state="Empty"}')" = 1 ]
	run -0 exposition_ok <(sed '1,/^\r$/d' "$BATS_TEST_TMPDIR/scrape")
}
