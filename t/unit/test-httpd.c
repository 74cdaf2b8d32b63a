/*
 * test-httpd: the metrics responder (os/httpd.h) over socketpairs, its
 * clock given: a table of requests and the answers they get (status,
 * Allow, Content-Length, HEAD without a body, the answer counters), heads
 * that arrive in pieces, a client gone before its head ends, the drain
 * after the answer, a body larger than the socket takes at once, the
 * deadline, a full house, on_accept saying no, and a real listening
 * socket on port 0.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "os/httpd.h"
#include "tap.h"

#define BODY "a_metric 1\n"

struct owner {
	const struct fl_httpd *h;	/* whose counters render shows */
	int fail_render;		/* render answers nonzero */
	size_t big;			/* render writes this many bytes (0: BODY) */
	int refuse;			/* on_accept says no */
	size_t accepted;		/* on_accept calls */
	size_t last_slot;
};

static int
render(void *arg, struct fl_wr *w)
{
	struct owner *o = arg;
	size_t i;

	if (o->fail_render)
		return 1;
	if (o->big == 0) {
		char line[64];
		int n = snprintf(line, sizeof(line), "counted %llu\n",
		    (unsigned long long)o->h->answers[FL_HTTPD_200]);

		fl_wr_raw(w, BODY, strlen(BODY));
		fl_wr_raw(w, line, (size_t)n);
		return w->err;
	}
	for (i = 0; i < o->big; i++)
		fl_wr_raw(w, "x", 1);
	return w->err;
}

static int
on_accept(void *arg, int fd, size_t slot)
{
	struct owner *o = arg;

	(void)fd;
	o->accepted++;
	o->last_slot = slot;
	return o->refuse ? -1 : 0;
}

static void
setup(struct fl_httpd *h, struct owner *o)
{
	struct fl_httpd_cfg cfg;

	memset(o, 0, sizeof(*o));
	o->h = h;
	memset(&cfg, 0, sizeof(cfg));
	cfg.path = "/metrics";
	cfg.content_type = "text/plain; version=0.0.4; charset=utf-8";
	cfg.body_bytes_max = 4u << 20;
	cfg.render = render;
	cfg.on_accept = on_accept;
	cfg.arg = o;
	fl_httpd_init(h, &cfg);
}

/* A socketpair: the server's end given to h (slot in *slot), the client's returned. */
static int
connect_pair(struct fl_httpd *h, int64_t now_ms, int *slot)
{
	struct timeval tv = { 2, 0 };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	/* a bound on every read of the client's: a hung test fails instead */
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*slot = fl_httpd_take(h, sv[0], now_ms);
	return sv[1];
}

/* Everything the client end reads until EOF (or its 2 s timeout), NUL-terminated. */
static char *
read_all(int fd, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *p = malloc(cap + 1);

	for (;;) {
		ssize_t r;

		if (n == cap) {
			cap *= 2;
			p = realloc(p, cap + 1);
		}
		r = read(fd, p + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	p[n] = '\0';
	*len = n;
	return p;
}

/* The value of header name in an answer's head, as a number (-1: none). */
static long
header_num(const char *ans, const char *name)
{
	const char *p = strstr(ans, name);

	return p != NULL ? strtol(p + strlen(name), NULL, 10) : -1;
}

static const struct {
	const char *req;
	const char *status;		/* the answer's first line */
	int has_body;			/* BODY follows the head */
	int has_allow;
	enum fl_httpd_code counted;
	const char *what;
} cases[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1 200 OK", 1, 0, FL_HTTPD_200,
	    "GET /metrics: 200 with the body" },
	{ "GET /metrics?name[]=x HTTP/1.0\n\n", "HTTP/1.1 200 OK", 1, 0, FL_HTTPD_200,
	    "a query string, bare LFs, HTTP/1.0: 200" },
	{ "HEAD /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK", 0, 0, FL_HTTPD_200,
	    "HEAD: the head only" },
	{ "GET /nope HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", 0, 0, FL_HTTPD_404,
	    "another path: 404" },
	{ "GET /metricsx HTTP/1.1\r\n\r\n", "HTTP/1.1 404 Not Found", 0, 0, FL_HTTPD_404,
	    "a longer path: 404" },
	{ "POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
	    "HTTP/1.1 405 Method Not Allowed", 0, 1, FL_HTTPD_405,
	    "POST: 405 with Allow" },
	{ "get /metrics HTTP/1.1\r\n\r\n", "HTTP/1.1 405 Method Not Allowed", 0, 1,
	    FL_HTTPD_405, "methods are case-sensitive: 405" },
	{ "hello there\r\n\r\n", "HTTP/1.1 400 Bad Request", 0, 0, FL_HTTPD_400,
	    "garbage: 400" },
	{ "GET /metrics HTTP/2.0\r\n\r\n", "HTTP/1.1 505 ", 0, 0, FL_HTTPD_OTHER,
	    "HTTP/2.0: 505, counted as other" },
};

static void
test_table(void)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(cases); i++) {
		struct fl_httpd h;
		struct owner o;
		char *ans, *body;
		size_t len;
		int cfd, slot;
		long clen;

		setup(&h, &o);
		cfd = connect_pair(&h, 1000, &slot);
		CHECK_INT(slot, ==, 0, "the first connection takes slot 0");
		(void)!write(cfd, cases[i].req, strlen(cases[i].req));
		shutdown(cfd, SHUT_WR);
		fl_httpd_on_conn(&h, (size_t)slot, 0);
		ans = read_all(cfd, &len);
		CHECK(strncmp(ans, cases[i].status, strlen(cases[i].status)) == 0, cases[i].what);
		body = strstr(ans, "\r\n\r\n");
		CHECK(body != NULL, "the head ends with a blank line");
		body = body != NULL ? body + 4 : ans + len;
		clen = header_num(ans, "\r\nContent-Length: ");
		if (cases[i].has_body) {
			CHECK(strncmp(body, BODY, strlen(BODY)) == 0, "the body is what render wrote");
			CHECK(strstr(ans, "\r\nContent-Type: text/plain; version=0.0.4; "
			    "charset=utf-8\r\n") != NULL, "a 200 has the configured type");
		} else {
			CHECK(strstr(body, "a_metric") == NULL, "no exposition in this answer");
		}
		if (strncmp(cases[i].req, "HEAD", 4) == 0)
			CHECK_INT(clen, ==, (long)strlen(BODY "counted 1\n"),
			    "HEAD: Content-Length of the GET");
		else
			CHECK_INT(clen, ==, (long)strlen(body), "Content-Length is the body's");
		CHECK_INT(strstr(ans, "\r\nAllow: GET, HEAD\r\n") != NULL, ==, cases[i].has_allow,
		    "Allow only with 405");
		CHECK(strstr(ans, "\r\nConnection: close\r\n") != NULL, "Connection: close");
		CHECK_U64(h.answers[cases[i].counted], ==, 1, "the answer is counted by status");
		if (cases[i].has_body)
			CHECK(strstr(body, "counted 1") != NULL,
			    "the exposition counts the scrape it answers");
		CHECK_INT(h.nconns, ==, 0, "closed after the client's EOF");
		CHECK_INT(h.conns[slot].fd, ==, -1, "the slot is free again");
		free(ans);
		close(cfd);
		fl_httpd_close(&h);
	}
}

static void
test_pieces_and_drain(void)
{
	static const char req[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n";
	struct fl_httpd h;
	struct owner o;
	char buf[4096];
	char *ans;
	size_t len, i;
	int cfd, slot, ok = 1;
	ssize_t n;

	setup(&h, &o);
	cfd = connect_pair(&h, 1000, &slot);
	CHECK_INT(o.accepted, ==, 1, "on_accept hears of the connection");
	for (i = 0; i + 1 < sizeof(req) - 1; i++) {
		(void)!write(cfd, req + i, 1);
		fl_httpd_on_conn(&h, (size_t)slot, 0);
		if (h.conns[slot].is_answering ||
		    fl_httpd_poll_events(&h, (size_t)slot) != POLLIN)
			ok = 0;
	}
	CHECK(ok, "byte by byte: still reading, waiting for POLLIN, until the last byte");
	(void)!write(cfd, req + i, 1);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	CHECK(h.conns[slot].is_draining, "the last byte: answered, FIN sent, draining");
	CHECK_INT(fl_httpd_poll_events(&h, (size_t)slot), ==, POLLIN, "draining waits for input");
	n = read(cfd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(strncmp(buf, "HTTP/1.1 200 OK", 15) == 0, "the client has the answer");
	/* what the client sends after its answer is read and dropped */
	(void)!write(cfd, "more", 4);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	CHECK_INT(h.nconns, ==, 1, "still open: the client has not closed");
	shutdown(cfd, SHUT_WR);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	CHECK_INT(h.nconns, ==, 0, "closed at the client's EOF");
	close(cfd);

	/* a client gone before its head ended gets nothing */
	cfd = connect_pair(&h, 1000, &slot);
	(void)!write(cfd, "GET /met", 8);
	shutdown(cfd, SHUT_WR);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	ans = read_all(cfd, &len);
	CHECK_INT(len, ==, 0, "EOF before a whole head: closed without an answer");
	CHECK_INT(h.nconns, ==, 0, "and the slot is free");
	free(ans);
	close(cfd);

	/* POLLHUP while reading the request closes it */
	cfd = connect_pair(&h, 1000, &slot);
	(void)!write(cfd, "GET /met", 8);
	fl_httpd_on_conn(&h, (size_t)slot, 1);
	CHECK_INT(h.nconns, ==, 0, "a hang-up while reading closes the connection");
	close(cfd);
	fl_httpd_close(&h);
}

static void
test_oversized_and_errors(void)
{
	struct fl_httpd h;
	struct owner o;
	char *big, *ans, *p;
	size_t len, n = FL_HTTPD_REQUEST_BYTES_MAX + 1000;
	int cfd, slot;
	struct fl_wr w;
	struct fl_prom pr;

	setup(&h, &o);
	big = malloc(n);
	memcpy(big, "GET /metrics HTTP/1.1\r\nX-Filler: ", 33);
	memset(big + 33, 'x', n - 33);
	cfd = connect_pair(&h, 1000, &slot);
	(void)!write(cfd, big, n);
	shutdown(cfd, SHUT_WR);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	ans = read_all(cfd, &len);
	CHECK(strncmp(ans, "HTTP/1.1 431 ", 13) == 0, "a head over 8 KiB: 431");
	CHECK_INT(h.nconns, ==, 0, "the rest drained, then closed");
	free(ans);
	free(big);
	close(cfd);

	o.fail_render = 1;
	cfd = connect_pair(&h, 1000, &slot);
	(void)!write(cfd, "GET /metrics HTTP/1.1\r\n\r\n", 25);
	shutdown(cfd, SHUT_WR);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	ans = read_all(cfd, &len);
	CHECK(strncmp(ans, "HTTP/1.1 500 ", 13) == 0, "render failed: 500");
	CHECK_U64(h.answers[FL_HTTPD_OTHER], ==, 1, "500 counts as other");
	CHECK_U64(h.answers[FL_HTTPD_200], ==, 0, "and not as 200");
	free(ans);
	close(cfd);

	fl_wr_init(&w, 1 << 16);
	fl_prom_init(&pr, &w);
	fl_httpd_prom(&h, &pr);
	fl_wr_raw(&w, "", 1);
	p = (char *)w.p;
	CHECK(w.err == 0 && strstr(p, "# TYPE flume_metrics_responses_total counter\n") != NULL,
	    "fl_httpd_prom: the counter family");
	CHECK(strstr(p, "\nflume_metrics_responses_total{code=\"431\"} 1\n") != NULL &&
	    strstr(p, "\nflume_metrics_responses_total{code=\"other\"} 1\n") != NULL &&
	    strstr(p, "\nflume_metrics_responses_total{code=\"200\"} 0\n") != NULL,
	    "fl_httpd_prom: one series per status, zeros included");
	fl_wr_free(&w);
	fl_httpd_close(&h);
}

/* A body bigger than the socket takes at once: sent as POLLOUT comes. */
static void
test_big_body(void)
{
	struct fl_httpd h;
	struct owner o;
	char buf[65536];
	size_t got = 0, turns = 0;
	int cfd, slot, saw_pollout = 0;
	long clen = -1;

	setup(&h, &o);
	o.big = 3u << 20;
	cfd = connect_pair(&h, 1000, &slot);
	(void)!write(cfd, "GET /metrics HTTP/1.1\r\n\r\n", 25);
	shutdown(cfd, SHUT_WR);
	fl_httpd_on_conn(&h, (size_t)slot, 0);
	while (turns++ < 100000) {
		ssize_t n;

		if (h.conns[slot].fd >= 0 && fl_httpd_poll_events(&h, (size_t)slot) == POLLOUT)
			saw_pollout = 1;
		n = read(cfd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (got == 0) {
			buf[n - 1] = '\0';
			clen = header_num(buf, "\r\nContent-Length: ");
		}
		got += (size_t)n;
		fl_httpd_on_conn(&h, (size_t)slot, 0);
	}
	CHECK(saw_pollout, "a big answer waits for POLLOUT");
	CHECK_INT(clen, ==, 3 << 20, "Content-Length of the big body");
	CHECK(got > (3u << 20), "the whole of it arrives");
	CHECK_INT(h.nconns, ==, 0, "then the connection is closed");
	close(cfd);
	fl_httpd_close(&h);
}

static void
test_limits(void)
{
	struct fl_httpd h;
	struct owner o;
	int cfd[FL_HTTPD_CONNS_MAX + 1], slot, i, extra;
	char *ans;
	size_t len;

	setup(&h, &o);
	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		cfd[i] = connect_pair(&h, 1000 + i, &slot);
	CHECK_INT(h.nconns, ==, FL_HTTPD_CONNS_MAX, "every slot taken");
	CHECK_INT(o.last_slot, ==, FL_HTTPD_CONNS_MAX - 1, "slots in order");
	extra = connect_pair(&h, 1000, &slot);
	CHECK_INT(slot, ==, -1, "one more: refused");
	CHECK_U64(h.refused, ==, 1, "and counted");
	CHECK_INT(o.accepted, ==, FL_HTTPD_CONNS_MAX, "on_accept never hears of it");
	ans = read_all(extra, &len);
	CHECK_INT(len, ==, 0, "the refused client reads EOF at once");
	free(ans);
	close(extra);
	CHECK_INT(fl_httpd_tick(&h, 5999), ==, 6000, "tick: the earliest deadline is accept + 5 s");
	CHECK_INT(h.nconns, ==, FL_HTTPD_CONNS_MAX, "nobody closed before it");
	CHECK_INT(fl_httpd_tick(&h, 6003), ==, 6004, "tick at 6003: four closed, next 6004");
	CHECK_INT(h.nconns, ==, FL_HTTPD_CONNS_MAX - 4, "four left");
	CHECK_U64(h.timed_out, ==, 4, "counted as timed out");
	ans = read_all(cfd[0], &len);
	CHECK_INT(len, ==, 0, "a silent client hears EOF at its deadline");
	free(ans);
	CHECK_INT(fl_httpd_tick(&h, 100000), ==, INT64_MAX, "all gone: no deadline");
	for (i = 0; i < FL_HTTPD_CONNS_MAX; i++)
		close(cfd[i]);

	o.refuse = 1;
	cfd[0] = connect_pair(&h, 1000, &slot);
	CHECK_INT(slot, ==, -1, "on_accept says no: not taken");
	CHECK_INT(h.nconns, ==, 0, "no slot used");
	close(cfd[0]);
	fl_httpd_close(&h);
	fl_httpd_close(&h);
	CHECK_INT(h.lfd, ==, -1, "closing twice is harmless");
	{
		struct fl_httpd z;
		int was_open = fcntl(0, F_GETFD) >= 0;

		memset(&z, 0, sizeof(z));
		fl_httpd_close(&z);
		CHECK_INT(fcntl(0, F_GETFD) >= 0, ==, was_open,
		    "closing a zeroed one (never inited) leaves fd 0 alone");
	}
}

static void
test_listen(void)
{
	struct fl_httpd h;
	struct owner o;
	struct fl_err err = { 0 };
	struct sockaddr_in sa;
	struct pollfd pf;
	int c, i;

	setup(&h, &o);
	CHECK_INT(fl_httpd_listen(&h, "metrics-listen", "127.0.0.1", 0, &err), ==, 0,
	    "listen on 127.0.0.1:0");
	CHECK(h.lfd >= 0 && h.bound.port != 0, "a port was chosen");
	CHECK(strncmp(h.bound.text, "127.0.0.1:", 10) == 0 &&
	    atoi(h.bound.text + 10) == h.bound.port, "bound is HOST:PORT");
	c = socket(AF_INET, SOCK_STREAM, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(h.bound.port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK_INT(connect(c, (struct sockaddr *)&sa, sizeof(sa)), ==, 0, "a client connects");
	pf.fd = h.lfd;
	pf.events = POLLIN;
	CHECK_INT(poll(&pf, 1, 2000), ==, 1, "the listening socket is readable");
	fl_httpd_on_listen(&h, 1000);
	CHECK_INT(h.nconns, ==, 1, "accepted into a slot");
	for (i = 0; i < FL_HTTPD_CONNS_MAX && h.conns[i].fd < 0; i++)
		;
	CHECK(i < FL_HTTPD_CONNS_MAX && (fcntl(h.conns[i].fd, F_GETFL) & O_NONBLOCK),
	    "the accepted socket is non-blocking");
	fl_httpd_close(&h);
	CHECK_INT(h.nconns, ==, 0, "close: every connection closed");
	close(c);
	setup(&h, &o);
	CHECK_INT(fl_httpd_listen(&h, "metrics-listen", "no.such.host.invalid", 0, &err), ==,
	    FL_EINVAL, "an unknown host: FL_EINVAL");
	CHECK(strncmp(err.msg, "metrics-listen no.such.host.invalid: ", 37) == 0,
	    "the error names the option and the host");
	CHECK_INT(h.lfd, ==, -1, "and nothing is open");
}

int
main(void)
{
	test_table();
	test_pieces_and_drain();
	test_oversized_and_errors();
	test_big_body();
	test_limits();
	test_listen();
	return tap_done();
}
