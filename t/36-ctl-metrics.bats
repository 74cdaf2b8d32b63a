#!/usr/bin/env bats
# t/36-ctl-metrics.bats: flume-ctl run --metrics-listen serves the
# controller's own metrics (flume-ctl(1), METRICS) from a real cluster of
# three brokers: an exposition promtool accepts, an epoch and broker
# states that agree with `flume-ctl status`, a kill -9 seen as a down
# broker and a counted election, status round trips counted, operators'
# elections counted apart, and the responder's 404/405/HEAD answers.

load helpers
load serve-helpers
load ctl-helpers
load metrics-helpers

teardown() { bg_stop_all; }

# cluster_start: three brokers and a controller serving metrics on a free
# port (MADDR, from its "metrics on" log line).
cluster_start() {
	CTL_ARGS=(--metrics-listen 127.0.0.1:0)
	ctl_start 3
	metrics_addr_from "$BATS_TEST_TMPDIR/ctl.err"
}

# status_epoch: the controller epoch `flume-ctl status --json` reports.
status_epoch() {
	ctl status --json | sed -n 's/.*"controller_epoch":\([0-9]*\).*/\1/p'
}

# scraped_is NAME_WITH_LABELS VALUE: a fresh scrape shows it.
scraped_is() {
	scrape && [ "$(sample "$1")" = "$2" ]
}

# scraped_above NAME_WITH_LABELS VALUE: a fresh scrape shows more.
scraped_above() {
	local v
	scrape || return 1
	v=$(sample "$1")
	[ -n "$v" ] && [ "$v" -gt "$2" ]
}

# polls_above N: a fresh scrape counts more than N status round trips in all.
polls_above() {
	scrape && [ "$(sample_sum flume_ctl_poll_duration_seconds_count)" -gt "$1" ]
}

@test "the exposition parses; epoch and brokers agree with flume-ctl status" {
	cluster_start
	run -0 ctl create-topic t --partitions 2 --replicas 3
	wait_until 10 leader_is_not t 1 -1
	wait_until 10 scraped_is flume_ctl_offline_partitions 0
	grep -q '^Content-Type: text/plain; version=0.0.4; charset=utf-8' "$BATS_TEST_TMPDIR/scrape"
	run promtool check metrics <"$BATS_TEST_TMPDIR/body"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(sample flume_ctl_controller_epoch)" = "$(status_epoch)" ]
	[ "$(sample flume_ctl_controller_epoch)" -ge 1 ]
	[ "$(sample 'flume_ctl_brokers{state="live"}')" = 3 ]
	[ "$(sample 'flume_ctl_brokers{state="down"}')" = 0 ]
	[ "$(sample 'flume_ctl_brokers{state="fenced"}')" = 0 ]
	[ "$(sample 'flume_ctl_broker_state{node="2",state="live"}')" = 1 ]
	[ "$(sample 'flume_ctl_broker_state{node="2",state="down"}')" = 0 ]
	# t's two partitions and the consumer groups' offsets log, each elected once
	[ "$(sample flume_ctl_topics)" = 2 ]
	[ "$(sample flume_ctl_partitions)" = 3 ]
	[ "$(sample 'flume_ctl_elections_total{kind="clean"}')" = 3 ]
	[ "$(sample 'flume_ctl_elections_total{kind="unclean"}')" = 0 ]
	[ "$(sample flume_ctl_partitions_taken_offline_total)" = 0 ]
	[ "$(sample 'flume_ctl_state_saves_total{file="state"}')" -ge 2 ]
	[ "$(sample 'flume_ctl_state_saves_total{file="topics"}')" -ge 1 ]
	[ "$(sample 'flume_ctl_state_save_duration_seconds_count{file="topics"}')" = \
	    "$(sample 'flume_ctl_state_saves_total{file="topics"}')" ]
	[ "$(sample flume_ctl_admin_lines_sent_total)" -gt 0 ]
	[ "$(sample_sum flume_ctl_poll_duration_seconds_count)" -gt 0 ]
	[ "$(sample process_open_fds)" -gt 3 ]
	[ "$(sample process_resident_memory_bytes)" -gt 0 ]
	[ "$(sample 'flume_metrics_responses_total{code="200"}')" -ge 1 ]
}

@test "kill -9 of a leader: one broker down, a clean election counted, status round trips go on" {
	local old e0 p0
	cluster_start
	run -0 ctl create-topic k --partitions 1 --replicas 3
	wait_until 10 leader_is_not k 0 -1
	old=$(ctl_field k 0 leader)
	wait_until 10 scraped_is 'flume_ctl_brokers{state="live"}' 3
	e0=$(sample 'flume_ctl_elections_total{kind="clean"}')
	p0=$(sample_sum flume_ctl_poll_duration_seconds_count)
	[ "$(sample "flume_ctl_poll_duration_seconds_count{node=\"$old\"}")" -gt 0 ]
	kill -9 "$(eval "echo \$PID_$old")"
	wait_until 10 scraped_is 'flume_ctl_brokers{state="down"}' 1
	[ "$(sample "flume_ctl_broker_state{node=\"$old\",state=\"down\"}")" = 1 ]
	wait_until 10 scraped_above 'flume_ctl_elections_total{kind="clean"}' "$e0"
	wait_until 10 leader_is_not k 0 "$old"
	wait_until 10 polls_above "$p0"
	[ "$(sample 'flume_ctl_brokers{state="live"}')" = 2 ]
	[ "$(sample flume_ctl_offline_partitions)" = 0 ]
	# the dead node left k-0's ISR with the election: under-replicated now
	wait_until 10 scraped_above flume_ctl_under_replicated_partitions 0
	[ "$(sample flume_ctl_controller_epoch)" = "$(status_epoch)" ]
}

@test "an operator's elections are counted apart; fenced brokers are shown as such" {
	local l other
	cluster_start
	run -0 ctl create-topic o --partitions 1 --replicas 3
	wait_until 10 leader_is_not o 0 -1
	wait_until 20 eval '[ "$(ctl_field o 0 isr)" = 1,2,3 ]'
	l=$(ctl_field o 0 leader)
	other=$((l % 3 + 1))
	run -0 ctl elect o 0 --to "$other"
	scrape
	[ "$(sample 'flume_ctl_elections_total{kind="operator"}')" = 1 ]
	# 1 if some leadership had nobody else to go to (the offsets log's)
	run ctl drain "$other"
	[ "$status" -le 1 ]
	scrape
	[ "$(sample 'flume_ctl_elections_total{kind="drain"}')" -ge 1 ]
	run -0 ctl fence "$other"
	wait_until 10 scraped_is 'flume_ctl_brokers{state="fenced"}' 1
	[ "$(sample "flume_ctl_broker_state{node=\"$other\",state=\"fenced\"}")" = 1 ]
	[ "$(sample 'flume_ctl_brokers{state="live"}')" = 2 ]
	run -0 ctl unfence "$other"
	wait_until 10 scraped_is 'flume_ctl_brokers{state="live"}' 3
}

@test "other paths are 404, other methods 405, HEAD has no body; answers are counted" {
	cluster_start
	run -0 http_raw 'GET /nope HTTP/1.1\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 404 Not Found"* ]]
	run -0 http_raw 'POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 405 Method Not Allowed"* ]]
	[[ $output == *"Allow: GET, HEAD"* ]]
	run -0 http_raw 'hello there\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 400 Bad Request"* ]]
	run -0 http_raw 'HEAD /metrics HTTP/1.0\r\n\r\n'
	[[ ${lines[0]} == "HTTP/1.1 200 OK"* ]]
	[[ $output != *flume_ctl_controller_epoch* ]]
	run -0 http_raw 'GET /metrics?x=1 HTTP/1.0\n\n'
	[[ $output == *flume_ctl_controller_epoch* ]]
	scrape
	[ "$(sample 'flume_metrics_responses_total{code="404"}')" = 1 ]
	[ "$(sample 'flume_metrics_responses_total{code="405"}')" = 1 ]
	[ "$(sample 'flume_metrics_responses_total{code="400"}')" = 1 ]
	# the operator socket still answers
	run -0 ctl status
}

@test "--metrics-listen: a bad value is a usage error; an address in use stops the controller (71)" {
	local d
	cluster_start
	run -64 --separate-stderr flume-ctl -d "$CDIR" run --metrics-listen nocolon
	[[ $stderr == *metrics-listen* ]]
	# a second cluster's controller on the first one's metrics port
	d=$(tmpdir other)
	cp "$CDIR/cluster" "$d/cluster"
	run -71 --separate-stderr flume-ctl -d "$d" run --metrics-listen "$MADDR"
	[[ $stderr == *"metrics-listen $MADDR: Address already in use"* ]]
	[ ! -e "$d/state/ctl.sock" ]
}

@test "every long option of flume-ctl --help is in flume-ctl(1), which passes mandoc -T lint" {
	local man="$FLUME_ROOT/man/man1/flume-ctl.1" o
	for o in $(flume-ctl --help | grep -o -- '--[a-z-]*' | sort -u); do
		grep -q -- "Fl ${o#-}" "$man" || { echo "missing $o" >&2; return 1; }
	done
	run -0 mandoc -T lint -W warning "$man"
}
