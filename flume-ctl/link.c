/*
 * link.c: admin streams to brokers.  A stream is a connected Unix socket
 * (the broker's DATA/admin.sock), or the standard input and output of an
 * exec: command run through libpipeline (ssh, socat, ip netns exec ...).
 * Requests are lines; each answer is data lines and then one status line,
 * "ok" or "error: TEXT" (flume-admin(7)), so answers come back in the
 * order the requests went.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fctl.h"
#include "os/clock.h"

void
link_init(struct link *l, const struct fl_cfile_node *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = cfg;
	l->rfd = l->wfd = -1;
	l->status_sent_ms = -1;
	l->backoff_ms = 100;
}

int
link_is_up(const struct link *l)
{
	return l->rfd >= 0;
}

static void
nonblock(int fd)
{
	(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
}

static int
open_socket(struct link *l, char *why, size_t n)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(l->cfg->admin) >= sizeof(sa.sun_path)) {
		snprintf(why, n, "%s: path too long for a socket", l->cfg->admin);
		return -1;
	}
	memcpy(sa.sun_path, l->cfg->admin, strlen(l->cfg->admin) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		snprintf(why, n, "socket: %s", strerror(errno));
		return -1;
	}
	/* a Unix connect does not wait on the peer: it succeeds, or fails at once */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		snprintf(why, n, "%s: %s", l->cfg->admin, strerror(errno));
		close(fd);
		return -1;
	}
	nonblock(fd);
	l->rfd = l->wfd = fd;
	return 0;
}

static int
open_exec(struct link *l, char *why, size_t n)
{
	FILE *in, *out;

	l->pl = pipeline_new_command_args("/bin/sh", "-c", l->cfg->admin, (void *)NULL);
	pipeline_want_in(l->pl, -1);
	pipeline_want_out(l->pl, -1);
	pipeline_ignore_signals(l->pl, 0);
	pipeline_start(l->pl);
	in = pipeline_get_infile(l->pl);
	out = pipeline_get_outfile(l->pl);
	if (in == NULL || out == NULL) {
		snprintf(why, n, "exec:%s: could not start it", l->cfg->admin);
		link_close(l);
		return -1;
	}
	l->wfd = fileno(in);
	l->rfd = fileno(out);
	nonblock(l->rfd);
	nonblock(l->wfd);
	return 0;
}

int
link_open(struct link *l, char *why, size_t n)
{
	l->rlen = l->scan = 0;
	l->wlen = l->woff = 0;
	l->qhead = l->qlen = 0;
	l->status_sent_ms = -1;
	return l->cfg->is_exec ? open_exec(l, why, n) : open_socket(l, why, n);
}

void
link_close(struct link *l)
{
	size_t i;

	if (l->pl != NULL) {
		pid_t pid = pipeline_get_pid(l->pl, 0);

		/* its stdin and stdout close with the pipeline; make sure it ends:
		 * SIGPIPE, as if it wrote to the stream we closed */
		if (pid > 0)
			(void)kill(pid, SIGPIPE);	/* a death libpipeline does not report */
		(void)pipeline_wait(l->pl);
		pipeline_free(l->pl);
		l->pl = NULL;
	} else if (l->rfd >= 0) {
		close(l->rfd);
	}
	l->rfd = l->wfd = -1;
	for (i = 0; i < l->qlen; i++)
		free(l->q[(l->qhead + i) % l->qcap].line);
	l->qhead = l->qlen = 0;
	l->rlen = l->scan = l->wlen = l->woff = 0;
	l->status_sent_ms = -1;
}

void
link_free(struct link *l)
{
	link_close(l);
	free(l->rbuf);
	free(l->wbuf);
	free(l->q);
	memset(l, 0, sizeof(*l));
	l->rfd = l->wfd = -1;
}

int
link_send(struct link *l, enum req_kind kind, uint64_t token, const char *line, int64_t now_ms)
{
	size_t len = strlen(line);
	struct req *r;

	if (l->wlen + len + 1 > l->wcap) {
		size_t cap = l->wcap ? l->wcap : 4096;
		char *nb;

		if (l->woff > 0) {
			memmove(l->wbuf, l->wbuf + l->woff, l->wlen - l->woff);
			l->wlen -= l->woff;
			l->woff = 0;
		}
		while (cap < l->wlen + len + 1)
			cap *= 2;
		if (cap != l->wcap) {
			if ((nb = realloc(l->wbuf, cap)) == NULL)
				return -1;
			l->wbuf = nb;
			l->wcap = cap;
		}
	}
	if (l->qlen == l->qcap) {
		size_t cap = l->qcap ? l->qcap * 2 : 16, i;
		struct req *nq = malloc(cap * sizeof(*nq));

		if (nq == NULL)
			return -1;
		for (i = 0; i < l->qlen; i++)
			nq[i] = l->q[(l->qhead + i) % l->qcap];
		free(l->q);
		l->q = nq;
		l->qcap = cap;
		l->qhead = 0;
	}
	r = &l->q[(l->qhead + l->qlen) % l->qcap];
	r->kind = kind;
	r->token = token;
	r->sent_ns = fl_clock_ns();
	if ((r->line = strdup(line)) == NULL)
		return -1;
	if (l->qlen == 0)
		l->oldest_ms = now_ms;
	l->qlen++;
	memcpy(l->wbuf + l->wlen, line, len);
	l->wbuf[l->wlen + len] = '\n';
	l->wlen += len + 1;
	if (kind == REQ_STATUS)
		l->status_sent_ms = now_ms;
	return 0;
}

int
link_wants_write(const struct link *l)
{
	return l->wfd >= 0 && l->woff < l->wlen;
}

int
link_flush(struct link *l)
{
	while (l->woff < l->wlen) {
		ssize_t w = write(l->wfd, l->wbuf + l->woff, l->wlen - l->woff);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (w <= 0)
			return -1;
		l->woff += (size_t)w;
	}
	l->woff = l->wlen = 0;
	return 0;
}

/* Hand every whole answer in rbuf to fn. */
static int
replies(struct link *l, link_reply_fn fn, void *arg)
{
	size_t start = 0;

	while (l->scan < l->rlen) {
		char *nl = memchr(l->rbuf + l->scan, '\n', l->rlen - l->scan);
		char *line;
		size_t len;

		if (nl == NULL) {
			l->scan = l->rlen;
			break;
		}
		line = l->rbuf + l->scan;
		len = (size_t)(nl - line);
		l->scan += len + 1;
		if ((len == 2 && memcmp(line, "ok", 2) == 0) ||
		    (len >= 6 && memcmp(line, "error:", 6) == 0)) {
			struct req r;

			*nl = '\0';
			if (l->qlen == 0)
				return -1;	/* an answer nobody asked for */
			r = l->q[l->qhead];
			l->qhead = (l->qhead + 1) % l->qcap;
			l->qlen--;
			l->oldest_ms = fl_clock_ms();
			if (r.kind == REQ_STATUS)
				l->status_sent_ms = -1;
			fn(arg, l, &r, l->rbuf + start, (size_t)(line - (l->rbuf + start)), line);
			free(r.line);
			start = l->scan;
			if (l->rfd < 0)
				return -1;	/* fn closed it */
		}
	}
	if (start > 0) {
		memmove(l->rbuf, l->rbuf + start, l->rlen - start);
		l->rlen -= start;
		l->scan -= start;
	}
	return 0;
}

int
link_read(struct link *l, link_reply_fn fn, void *arg)
{
	for (;;) {
		ssize_t r;

		if (l->rcap - l->rlen < 4096) {
			size_t cap = l->rcap ? l->rcap * 2 : 65536;
			char *nb;

			if (cap > LINK_REPLY_MAX)
				return -1;
			if ((nb = realloc(l->rbuf, cap)) == NULL)
				return -1;
			l->rbuf = nb;
			l->rcap = cap;
		}
		r = read(l->rfd, l->rbuf + l->rlen, l->rcap - l->rlen);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return replies(l, fn, arg);
		if (r <= 0) {
			(void)replies(l, fn, arg);
			return -1;
		}
		l->rlen += (size_t)r;
		if (replies(l, fn, arg) != 0)
			return -1;
	}
}

struct call_result {
	char **text;
	size_t *len;
	char *status;
	size_t n;
	int done;
};

static void
call_reply(void *arg, struct link *l, const struct req *r, const char *text, size_t n,
    const char *status)
{
	struct call_result *cr = arg;

	(void)l; (void)r;
	if ((*cr->text = malloc(n + 1)) != NULL) {
		memcpy(*cr->text, text, n);
		(*cr->text)[n] = '\0';
		*cr->len = n;
	}
	snprintf(cr->status, cr->n, "%s", status);
	cr->done = 1;
}

int
link_call(const struct fl_cfile_node *cfg, const char *line, int timeout_ms, char **text,
    size_t *len, char *status, size_t n, char *why, size_t whyn)
{
	struct link l;
	struct call_result cr = { text, len, status, n, 0 };
	int64_t deadline = fl_clock_ms() + timeout_ms;
	int rc = -1;

	*text = NULL;
	*len = 0;
	link_init(&l, cfg);
	if (link_open(&l, why, whyn) != 0)
		goto out;
	if (link_send(&l, REQ_CALL, 0, line, fl_clock_ms()) != 0) {
		snprintf(why, whyn, "out of memory");
		goto out;
	}
	while (!cr.done) {
		struct pollfd pf[2];
		int64_t left = deadline - fl_clock_ms();
		int np = 1;

		if (left <= 0) {
			snprintf(why, whyn, "no answer within %d ms", timeout_ms);
			goto out;
		}
		pf[0].fd = l.rfd;
		pf[0].events = POLLIN;
		if (link_wants_write(&l)) {
			pf[1].fd = l.wfd;
			pf[1].events = POLLOUT;
			np = 2;
		}
		if (poll(pf, (nfds_t)np, (int)left) < 0 && errno != EINTR) {
			snprintf(why, whyn, "poll: %s", strerror(errno));
			goto out;
		}
		if (link_flush(&l) != 0 || link_read(&l, call_reply, &cr) != 0) {
			if (cr.done)
				break;
			snprintf(why, whyn, "the stream ended before the answer");
			goto out;
		}
	}
	rc = 0;
out:
	link_free(&l);
	if (rc != 0) {
		free(*text);
		*text = NULL;
	}
	return rc;
}
