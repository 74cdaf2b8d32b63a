/*
 * input.c: the broker's side of the pipe.  Commands arrive on standard
 * input one line at a time (codec/replctl.h parses them); reports go out
 * on standard output, one write(2) per line so a reader never sees half a
 * line.  End of input means the broker is gone: stop cleanly.  A report
 * that cannot be written (EPIPE: the broker closed its end) means the same.
 *
 * Standard input and the signal self-pipe both sit in one epoll instance,
 * r->wake_fd, which is also the abort fd of the leader connection: a
 * command or a signal ends a blocking call to the leader (a long poll)
 * at once, and the loop comes back here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "os/diag.h"
#include "repl.h"

/* Reads per poll: commands never starve the partitions. */
#define READS_PER_TURN 16

int
input_init(struct repl *r)
{
	struct epoll_event ev;

	r->wake_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->wake_fd < 0)
		return -1;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = r->sig_fd;
	if (epoll_ctl(r->wake_fd, EPOLL_CTL_ADD, r->sig_fd, &ev) != 0)
		return -1;
	ev.data.fd = 0;
	r->is_in_pollable = 1;
	if (epoll_ctl(r->wake_fd, EPOLL_CTL_ADD, 0, &ev) != 0) {
		if (errno != EPERM)
			return -1;
		/* a regular file or /dev/null: always readable, read it as it comes */
		r->is_in_pollable = 0;
	}
	return 0;
}

void
report(struct repl *r, const struct fl_replctl_rep *rep)
{
	char line[FL_REPLCTL_LINE_MAX + 2];
	int k = fl_replctl_rep_format(line, sizeof(line) - 1, rep);
	size_t n, done = 0;

	if (k < 0) {
		fl_log(FL_LOG_WARN, "a report did not fit in a line; not sent");
		return;
	}
	line[k] = '\n';
	n = (size_t)k + 1;
	while (done < n) {
		ssize_t w = write(1, line + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (!r->is_stopping)
				fl_log(FL_LOG_WARN, "standard output: %s: the broker is gone; "
				    "stopping", w < 0 ? strerror(errno) : "short write");
			r->is_stopping = 1;
			return;
		}
		done += (size_t)w;
	}
}

void
report_error(struct repl *r, const char *topic, int32_t part, const char *fmt, ...)
{
	struct fl_replctl_rep rep;
	va_list ap;

	memset(&rep, 0, sizeof(rep));
	rep.kind = FL_REPLCTL_ERROR;
	rep.part = part;
	if (topic != NULL)
		snprintf(rep.topic, sizeof(rep.topic), "%s", topic);
	va_start(ap, fmt);
	vsnprintf(rep.text, sizeof(rep.text), fmt, ap);
	va_end(ap);
	report(r, &rep);
}

static void
handle_line(struct repl *r, const char *line, size_t len)
{
	struct fl_replctl_cmd c;
	struct fl_err err = { 0, "" };
	int rc = fl_replctl_cmd_parse(line, len, &c, &err);

	if (rc == FL_ENOENT)
		return;
	if (rc != 0) {
		fl_log(FL_LOG_WARN, "command refused: %s", err.msg);
		report_error(r, c.topic, c.part, "%s", err.msg);
		return;
	}
	if (c.kind == FL_REPLCTL_FOLLOW)
		parts_follow(r, &c);
	else
		parts_drop(r, &c);
}

/* Split what was read into lines; keep a partial last one. */
static void
take_lines(struct repl *r)
{
	size_t start = 0, i;

	for (i = 0; i < r->inlen && r->exit_code < 0; i++) {
		if (r->in[i] != '\n')
			continue;
		if (r->is_in_skipping) {
			r->is_in_skipping = 0;
		} else {
			size_t len = i - start;

			if (len > 0 && r->in[start + len - 1] == '\r')
				len--;
			handle_line(r, r->in + start, len);
		}
		start = i + 1;
	}
	memmove(r->in, r->in + start, r->inlen - start);
	r->inlen -= start;
	if (r->inlen > FL_REPLCTL_LINE_MAX) {
		/* no newline within the limit: refuse the line, skip to its end */
		if (!r->is_in_skipping) {
			fl_log(FL_LOG_WARN, "command refused: a line longer than %d bytes",
			    FL_REPLCTL_LINE_MAX);
			report_error(r, NULL, -1, "a line longer than %d bytes",
			    FL_REPLCTL_LINE_MAX);
		}
		r->is_in_skipping = 1;
		r->inlen = 0;
	}
}

/* One read of standard input: 0, or 1 at its end. */
static int
read_input(struct repl *r)
{
	ssize_t n;

	do
		n = read(0, r->in + r->inlen, sizeof(r->in) - 1 - r->inlen);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n <= 0) {
		if (n < 0)
			fl_log(FL_LOG_WARN, "standard input: %s", strerror(errno));
		if (r->inlen > 0 && !r->is_in_skipping) {
			/* a last line with no newline still counts */
			r->in[r->inlen++] = '\n';
			take_lines(r);
		}
		fl_log(FL_LOG_INFO, "end of standard input: the broker is gone; stopping");
		r->is_stopping = 1;
		return 1;
	}
	r->inlen += (size_t)n;
	take_lines(r);
	return 0;
}

void
input_poll(struct repl *r, int64_t timeout_ms)
{
	int turn;

	for (turn = 0; turn < READS_PER_TURN; turn++) {
		struct pollfd pfd[2] = { { r->sig_fd, POLLIN, 0 }, { 0, POLLIN, 0 } };
		int rc, tmo = turn > 0 || timeout_ms <= 0 ? 0 :
		    timeout_ms > REPL_POLL_MS_MAX ? REPL_POLL_MS_MAX : (int)timeout_ms;

		if (!r->is_in_pollable)
			tmo = 0;
		rc = poll(pfd, r->is_in_pollable ? 2 : 1, tmo);
		if (rc < 0 && errno != EINTR) {
			fl_log(FL_LOG_ERROR, "poll: %s", strerror(errno));
			r->is_stopping = 1;
			return;
		}
		if (*r->stop || (rc > 0 && (pfd[0].revents & POLLIN))) {
			char drain[64];

			while (read(r->sig_fd, drain, sizeof(drain)) > 0)
				;
			if (*r->stop) {
				fl_log(FL_LOG_INFO, "signal: stopping");
				r->is_stopping = 1;
				return;
			}
		}
		if (!r->is_in_pollable) {
			if (read_input(r) != 0)
				return;
			continue;
		}
		if (rc <= 0 || !(pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			return;
		if (read_input(r) != 0 || r->is_stopping || r->exit_code >= 0)
			return;
	}
}
