/*
 * httpd.c: the responder's states, per connection: reading the request
 * head (re-parsed from the start with every arrival: codec/http.h), then
 * answering (the whole answer built at once in conn->out, then sent as
 * the socket takes it), then draining (FIN sent, reading to the client's
 * EOF), then closed.  The deadline set at accept covers all of them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/http.h"
#include "os/httpd.h"

void
fl_httpd_init(struct fl_httpd *h, const struct fl_httpd_cfg *cfg)
{
	size_t i;

	FL_ASSERT(cfg->path != NULL && cfg->content_type != NULL && cfg->render != NULL);
	FL_ASSERT(cfg->body_bytes_max >= 128);	/* room for an error's own text */
	memset(h, 0, sizeof(*h));
	h->cfg = *cfg;
	h->lfd = -1;
	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		h->conns[i].fd = -1;
}

int
fl_httpd_listen(struct fl_httpd *h, const char *what, const char *host, uint16_t port,
    struct fl_err *err)
{
	int fd, rc;

	FL_ASSERT(h->lfd < 0);
	rc = fl_tcp_listen(what, host, port, FL_HTTPD_BACKLOG, &fd, &h->bound, err);
	if (rc != 0)
		return rc;
	h->lfd = fd;
	return 0;
}

void
fl_httpd_adopt(struct fl_httpd *h, int lfd)
{
	FL_ASSERT(h->lfd < 0);
	h->lfd = lfd;
	if (fl_tcp_sockname(lfd, &h->bound) != 0 || h->bound.port == 0)
		memset(&h->bound, 0, sizeof(h->bound));
}

static void
conn_close(struct fl_httpd *h, struct fl_httpd_conn *hc)
{
	if (hc->fd < 0)
		return;
	close(hc->fd);		/* also leaves an epoll set */
	hc->fd = -1;
	fl_wr_free(&hc->out);
	h->nconns--;
}

void
fl_httpd_close(struct fl_httpd *h)
{
	size_t i;

	if (h->cfg.render == NULL)
		return;		/* zeroed, never inited: its fds of 0 are not ours */
	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		conn_close(h, &h->conns[i]);
	if (h->lfd >= 0) {
		close(h->lfd);
		h->lfd = -1;
	}
}

int64_t
fl_httpd_tick(struct fl_httpd *h, int64_t now_ms)
{
	int64_t next = INT64_MAX;
	size_t i;

	for (i = 0; i < FL_HTTPD_CONNS_MAX && h->nconns > 0; i++) {
		struct fl_httpd_conn *hc = &h->conns[i];

		if (hc->fd < 0)
			continue;
		if (hc->deadline_ms <= now_ms) {
			h->timed_out++;
			conn_close(h, hc);
		} else if (hc->deadline_ms < next) {
			next = hc->deadline_ms;
		}
	}
	return next;
}

/* ---- answering ---- */

static void
count_answer(struct fl_httpd *h, int status)
{
	static const int st[] = { 200, 400, 404, 405, 431 };
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(st) && st[i] != status; i++)
		;
	h->answers[i]++;
}

/* Build the whole answer in hc->out; sending starts at once. */
static void
answer(struct fl_httpd *h, struct fl_httpd_conn *hc, int status, int has_body_text,
    int is_head)
{
	struct fl_wr body;
	const char *type = "text/plain; charset=utf-8";
	const char *extra = status == 405 ? "Allow: GET, HEAD\r\n" : "";
	char head[512];
	int n;

	/* counted first, so that an exposition counts the scrape it answers */
	count_answer(h, status);
	fl_wr_init(&body, h->cfg.body_bytes_max);
	if (status == 200 && has_body_text) {
		if (h->cfg.render(h->cfg.arg, &body) != 0 || body.err != 0) {
			fl_wr_free(&body);
			fl_wr_init(&body, h->cfg.body_bytes_max);
			h->answers[FL_HTTPD_200]--;	/* it is a 500 after all */
			status = 500;
			count_answer(h, status);
		} else {
			type = h->cfg.content_type;
		}
	}
	if (status != 200) {
		char msg[96];
		int k = snprintf(msg, sizeof(msg), "%d %s\n", status, fl_http_reason(status));

		fl_wr_raw(&body, msg, (size_t)k);
	}
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n%sConnection: close\r\n\r\n", status,
	    fl_http_reason(status), type, body.len, extra);
	FL_ASSERT(n > 0 && (size_t)n < sizeof(head));
	fl_wr_init(&hc->out, (size_t)n + (is_head ? 0 : body.len));
	fl_wr_raw(&hc->out, head, (size_t)n);
	if (!is_head)
		fl_wr_raw(&hc->out, body.p, body.len);
	fl_wr_free(&body);
	hc->out_off = 0;
	hc->is_answering = 1;
}

/*
 * The answer is out and our FIN sent: read and drop what the client still
 * sends until its EOF (or the deadline), then close.
 */
static void
conn_drain(struct fl_httpd *h, struct fl_httpd_conn *hc)
{
	uint8_t sink[4096];

	for (;;) {
		ssize_t n = read(hc->fd, sink, sizeof(sink));

		if (n > 0 && (hc->drained += (size_t)n) <= FL_HTTPD_DRAIN_BYTES_MAX)
			continue;
		if (n > 0)
			break;		/* it keeps sending: it gets its reset */
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* readable again later; the deadline bounds it */
		break;			/* EOF or an error */
	}
	conn_close(h, hc);
}

/* Read, and answer once the head is in (or cannot be). */
static void
conn_read(struct fl_httpd *h, struct fl_httpd_conn *hc)
{
	struct fl_http_req req;
	int rc, is_eof = 0, is_head;

	for (;;) {
		ssize_t n;

		if (hc->inlen == sizeof(hc->in))
			break;
		n = read(hc->fd, hc->in + hc->inlen, sizeof(hc->in) - hc->inlen);
		if (n > 0) {
			hc->inlen += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0) {
			conn_close(h, hc);
			return;
		}
		is_eof = 1;	/* a client may send its request and shut down writing */
		break;
	}
	rc = fl_http_parse(hc->in, hc->inlen, sizeof(hc->in), FL_HTTPD_HEADERS_MAX, &req);
	if (rc == FL_HTTP_NEED_MORE) {
		if (is_eof)
			conn_close(h, hc);	/* gone before a whole head: nobody to answer */
		return;
	}
	if (rc == FL_EFULL) {
		answer(h, hc, 431, 0, 0);
		return;
	}
	if (rc == FL_ERANGE) {
		answer(h, hc, 505, 0, 0);
		return;
	}
	if (rc != FL_HTTP_COMPLETE) {
		answer(h, hc, 400, 0, 0);
		return;
	}
	is_head = fl_http_method_is(&req, "HEAD");
	if (!fl_http_method_is(&req, "GET") && !is_head)
		answer(h, hc, 405, 0, 0);
	else if (!fl_http_path_is(&req, h->cfg.path))
		answer(h, hc, 404, 0, is_head);
	else
		answer(h, hc, 200, 1, is_head);
}

static void
conn_write(struct fl_httpd *h, struct fl_httpd_conn *hc)
{
	while (hc->out_off < hc->out.len) {
		ssize_t n = send(hc->fd, hc->out.p + hc->out_off, hc->out.len - hc->out_off,
		    MSG_NOSIGNAL);

		if (n > 0) {
			hc->out_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;		/* writable again later; the deadline bounds it */
		break;
	}
	if (hc->out_off < hc->out.len || shutdown(hc->fd, SHUT_WR) != 0) {
		conn_close(h, hc);	/* the client went away */
		return;
	}
	fl_wr_free(&hc->out);
	hc->is_draining = 1;
	conn_drain(h, hc);
}

void
fl_httpd_on_conn(struct fl_httpd *h, size_t slot, int is_hup)
{
	struct fl_httpd_conn *hc;

	FL_ASSERT(slot < FL_HTTPD_CONNS_MAX);
	hc = &h->conns[slot];
	if (hc->fd < 0)
		return;
	if (hc->is_draining) {
		conn_drain(h, hc);
		return;
	}
	if (!hc->is_answering)
		conn_read(h, hc);
	if (hc->fd >= 0 && hc->is_answering)
		conn_write(h, hc);
	if (hc->fd >= 0 && !hc->is_answering && is_hup)
		conn_close(h, hc);
}

short
fl_httpd_poll_events(const struct fl_httpd *h, size_t slot)
{
	const struct fl_httpd_conn *hc;

	FL_ASSERT(slot < FL_HTTPD_CONNS_MAX);
	hc = &h->conns[slot];
	if (hc->fd < 0)
		return 0;
	/* not POLLIN while sending: level-triggered, a client's extra bytes would spin */
	return hc->is_answering && !hc->is_draining ? POLLOUT : POLLIN;
}

/* take, for a socket that is non-blocking and close-on-exec already or not (set_flags) */
static int
take(struct fl_httpd *h, int fd, int64_t now_ms, int set_flags)
{
	struct fl_httpd_conn *hc = NULL;
	size_t i;

	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		if (h->conns[i].fd < 0) {
			hc = &h->conns[i];
			break;
		}
	if (hc == NULL) {
		/* full: closed at once, so the backlog never holds scrapers */
		h->refused++;
		close(fd);
		return -1;
	}
	if (set_flags) {
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	}
	if (h->cfg.on_accept != NULL && h->cfg.on_accept(h->cfg.arg, fd, i) != 0) {
		close(fd);
		return -1;
	}
	memset(hc, 0, sizeof(*hc));	/* in[] too: cheap next to a scrape */
	hc->fd = fd;
	hc->deadline_ms = now_ms + FL_HTTPD_DEADLINE_MS;
	h->nconns++;
	fl_httpd_on_conn(h, i, 0);
	return (int)i;
}

int
fl_httpd_take(struct fl_httpd *h, int fd, int64_t now_ms)
{
	return take(h, fd, now_ms, 1);
}

void
fl_httpd_on_listen(struct fl_httpd *h, int64_t now_ms)
{
	while (h->lfd >= 0) {
		int fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return;		/* EAGAIN; out of descriptors: the owner's other work sheds */
		}
		(void)take(h, fd, now_ms, 0);
	}
}

void
fl_httpd_prom(const struct fl_httpd *h, struct fl_prom *p)
{
	static const char *const codes[FL_HTTPD_CODES] = { "200", "400", "404", "405", "431",
	    "other" };
	struct fl_prom_label l = { "code", NULL };
	size_t i;

	fl_prom_family(p, "flume_metrics_responses_total", FL_PROM_COUNTER,
	    "Answers of this metrics endpoint, by HTTP status.");
	for (i = 0; i < FL_HTTPD_CODES; i++) {
		l.value = codes[i];
		fl_prom_u64(p, "flume_metrics_responses_total", &l, 1, h->answers[i]);
	}
}
