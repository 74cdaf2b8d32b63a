/*
 * conn.c: flume-cat's network edge.  Blocking request/response over
 * non-blocking sockets: every wait is a poll() with an absolute deadline
 * (conf->timeout_ms from the start of the call), so a silent broker can
 * never hang the pipeline.  One request in flight per connection, which
 * is also what keeps idempotent sequence numbers trivially ordered.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "os/diag.h"
#include "cat.h"

#define REQ_BYTES_MAX	(64u << 20)	/* our requests stay far below this */

int64_t
cat_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
cat_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
cat_sleep_ms(const struct cat_conf *conf, int64_t ms)
{
	int64_t end = cat_now_ms() + ms, now;

	while (!*conf->stop && (now = cat_now_ms()) < end)
		(void)poll(NULL, 0, (int)(end - now));
	return *conf->stop != 0;
}

int
cat_split_hostport(const char *s, char *host, size_t host_len, char *port,
    size_t port_len)
{
	const char *colon, *h = s;
	size_t hl;
	int n;

	if (*s == '[') {		/* [v6]:port */
		const char *end = strchr(s, ']');

		if (end == NULL || (end[1] != '\0' && end[1] != ':'))
			return EX_USAGE;
		h = s + 1;
		hl = (size_t)(end - h);
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		hl = colon ? (size_t)(colon - s) : strlen(s);
	}
	if (hl == 0 || hl >= host_len)
		return EX_USAGE;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (colon == NULL) {
		n = snprintf(port, port_len, "9092");
	} else {
		char *end;
		unsigned long v = strtoul(colon + 1, &end, 10);

		if (colon[1] == '\0' || *end != '\0' || v == 0 || v > 65535)
			return EX_USAGE;
		n = snprintf(port, port_len, "%lu", v);
	}
	return n < 0 || (size_t)n >= port_len ? EX_USAGE : 0;
}

static int wait_fd(struct pool *p, int fd, short events, int64_t deadline);

/* ---- one connection ---- */

void
conn_init(struct conn *c, int32_t node_id, const char *host, const char *port)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->node_id = node_id;
	snprintf(c->host, sizeof(c->host), "%s", host);
	snprintf(c->port, sizeof(c->port), "%s", port);
	fl_wr_init(&c->w, REQ_BYTES_MAX);
}

void
conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

void
conn_drain_close(struct pool *p, struct conn *c)
{
	int64_t deadline = cat_now_ms() + p->conf->timeout_ms;
	uint8_t buf[512];

	if (c->fd < 0)
		return;
	/*
	 * Requests are handled in order, so the broker sees our EOF only
	 * after everything we sent: when it closes too, it has handled it.
	 */
	if (shutdown(c->fd, SHUT_WR) == 0) {
		for (;;) {
			ssize_t k = recv(c->fd, buf, sizeof(buf), 0);

			if (k == 0 || (k < 0 && errno != EAGAIN && errno != EINTR &&
			    errno != EWOULDBLOCK))
				break;
			if (k < 0 && wait_fd(p, c->fd, POLLIN, deadline) != 0)
				break;
		}
	}
	conn_close(c);
}

void
conn_free(struct conn *c)
{
	conn_close(c);
	fl_wr_free(&c->w);
	free(c->resp);
	c->resp = NULL;
	c->resp_cap = c->resp_len = 0;
}

/*
 * Wait for events on c->fd until deadline, also watching p->watch_fd for
 * an error (a closed pipe on stdout).  0 ready, EX_UNAVAILABLE on timeout,
 * CAT_EPIPE, or -1 stopped by a signal.
 */
static int
wait_fd(struct pool *p, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd[2] = { { fd, events, 0 }, { p->watch_fd, 0, 0 } };
		nfds_t n = p->watch_fd >= 0 ? 2 : 1;
		int64_t left = deadline - cat_now_ms();
		int rc;

		if (*p->conf->stop)
			return -1;
		if (left <= 0)
			return EX_UNAVAILABLE;
		rc = poll(pfd, n, left > 1000 ? 1000 : (int)left);
		if (rc < 0 && errno != EINTR)
			return EX_OSERR;
		if (n == 2 && (pfd[1].revents & (POLLERR | POLLHUP)))
			return CAT_EPIPE;
		if (rc > 0 && pfd[0].revents != 0)
			return 0;
	}
}

static int
connect_one(struct pool *p, struct conn *c, const struct addrinfo *ai,
    int64_t deadline, int *err)
{
	int fd, one = 1, rc;
	socklen_t len = sizeof(*err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0) {
		*err = errno;
		return -1;
	}
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS) {
		*err = errno;
		close(fd);
		return -1;
	}
	rc = wait_fd(p, fd, POLLOUT, deadline);
	if (rc != 0) {
		*err = rc == EX_UNAVAILABLE ? ETIMEDOUT : EINTR;
		close(fd);
		return rc == CAT_EPIPE ? CAT_EPIPE : -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, err, &len) != 0 || *err != 0) {
		if (*err == 0)
			*err = errno;
		close(fd);
		return -1;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	return 0;
}

/* ApiVersions, stepping down once when the broker lists a lower range. */
static int
negotiate(struct pool *p, struct conn *c)
{
	int16_t version = fl_kc_api_max(FL_KC_API_VERSIONS);
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		struct fl_kc_hdr h;
		struct fl_kc_api_versions_resp r;
		struct fl_arena a = FL_KC_ARENA_INIT;
		int rc;

		c->vers.v[FL_KC_API_VERSIONS] = version;
		h = conn_hdr(c, FL_KC_API_VERSIONS, p->conf->client_id);
		fl_wr_reset(&c->w);
		if (fl_kc_api_versions_req_encode(&c->w, &h) != 0)
			return EX_SOFTWARE;
		if ((rc = conn_call(p, c, &h, 1)) != 0)
			return rc;
		rc = fl_kc_api_versions_resp_decode(c->resp, c->resp_len, version, &a, &r);
		if (rc != 0) {
			fl_arena_free(&a);
			fl_warnx("%s:%s: malformed ApiVersions response: %s", c->host,
			    c->port, fl_strerror(rc));
			conn_close(c);
			return EX_PROTOCOL;
		}
		fl_kc_negotiate(&r, &c->vers);
		fl_arena_free(&a);
		if (r.error == 0)
			return 0;
		if (r.error != FL_KERR_UNSUPPORTED_VERSION ||
		    c->vers.v[FL_KC_API_VERSIONS] < 0 ||
		    c->vers.v[FL_KC_API_VERSIONS] >= version)
			break;
		version = c->vers.v[FL_KC_API_VERSIONS];
	}
	fl_warnx("%s:%s: ApiVersions failed", c->host, c->port);
	conn_close(c);
	return EX_UNAVAILABLE;
}

int
conn_ensure(struct pool *p, struct conn *c)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t deadline = cat_now_ms() + p->conf->timeout_ms;
	int rc, err = 0;

	if (c->fd >= 0)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(c->host, c->port, &hints, &res);
	if (rc != 0) {
		fl_warnx("cannot connect to %s:%s: %s", c->host, c->port, gai_strerror(rc));
		return EX_UNAVAILABLE;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		rc = connect_one(p, c, ai, deadline, &err);
		if (rc == 0 || rc == CAT_EPIPE)
			break;
	}
	freeaddrinfo(res);
	if (rc == CAT_EPIPE)
		return CAT_EPIPE;
	if (c->fd < 0) {
		if (*p->conf->stop)
			return EX_UNAVAILABLE;
		fl_warnx("cannot connect to %s:%s: %s", c->host, c->port,
		    strerror(err ? err : ECONNREFUSED));
		return EX_UNAVAILABLE;
	}
	return negotiate(p, c);
}

struct fl_kc_hdr
conn_hdr(struct conn *c, int16_t api, const char *client_id)
{
	struct fl_kc_hdr h;

	c->corr = c->corr == INT32_MAX ? 1 : c->corr + 1;
	h.version = api <= FL_KC_API_KEY_MAX ? c->vers.v[api] : -1;
	h.corr = c->corr;
	h.client_id = client_id;
	return h;
}

static int
lost(struct conn *c, int rc, const char *what)
{
	if (rc == CAT_EPIPE)
		return rc;
	if (rc == -1)
		fl_warnx("%s:%s: interrupted", c->host, c->port);
	else if (rc == EX_UNAVAILABLE)
		fl_warnx("%s:%s: %s", c->host, c->port, what);
	else
		fl_warnx("%s:%s: %s: %s", c->host, c->port, what, strerror(errno));
	conn_close(c);
	return EX_UNAVAILABLE;
}

static int
read_full(struct pool *p, struct conn *c, uint8_t *buf, size_t n, int64_t deadline)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(c->fd, buf + got, n - got, 0);
		int rc;

		if (k > 0) {
			got += (size_t)k;
			continue;
		}
		if (k == 0) {
			errno = ECONNRESET;
			return lost(c, EX_OSERR, "connection closed by broker");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return lost(c, EX_OSERR, "receive failed");
		if ((rc = wait_fd(p, c->fd, POLLIN, deadline)) != 0)
			return lost(c, rc, "timed out waiting for a response");
	}
	return 0;
}

int
conn_call(struct pool *p, struct conn *c, const struct fl_kc_hdr *h, int want_resp)
{
	return conn_call_ms(p, c, h, want_resp, p->conf->timeout_ms);
}

int
conn_call_ms(struct pool *p, struct conn *c, const struct fl_kc_hdr *h,
    int want_resp, int64_t timeout_ms)
{
	int64_t deadline = cat_now_ms() + timeout_ms;
	size_t sent = 0, size;
	uint8_t pre[4];
	int32_t corr;
	int rc;

	if (c->fd < 0)
		return EX_UNAVAILABLE;
	while (sent < c->w.len) {
		ssize_t k = send(c->fd, c->w.p + sent, c->w.len - sent, MSG_NOSIGNAL);

		if (k >= 0) {
			sent += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return lost(c, EX_OSERR, "send failed");
		if ((rc = wait_fd(p, c->fd, POLLOUT, deadline)) != 0)
			return lost(c, rc, "timed out sending a request");
	}
	if (!want_resp)
		return 0;
	if ((rc = read_full(p, c, pre, 4, deadline)) != 0)
		return rc;
	if (fl_kc_frame_size(pre, 4, FL_KC_FRAME_BYTES_MAX, &size) != 0) {
		fl_warnx("%s:%s: bad response size %u", c->host, c->port,
		    (unsigned)fl_load_be32(pre));
		conn_close(c);
		return EX_PROTOCOL;
	}
	if (size > c->resp_cap) {
		uint8_t *n = realloc(c->resp, size);

		if (n == NULL) {
			fl_warnx("out of memory for a %zu-byte response", size);
			conn_close(c);
			return EX_OSERR;
		}
		c->resp = n;
		c->resp_cap = size;
	}
	if ((rc = read_full(p, c, c->resp, size, deadline)) != 0)
		return rc;
	c->resp_len = size;
	(void)fl_kc_resp_corr(c->resp, size, &corr);
	if (corr != h->corr) {
		fl_warnx("%s:%s: response for correlation id %d, expected %d",
		    c->host, c->port, corr, h->corr);
		conn_close(c);
		return EX_PROTOCOL;
	}
	return 0;
}

/* ---- pool ---- */

void
pool_init(struct pool *p, const struct cat_conf *conf)
{
	memset(p, 0, sizeof(*p));
	p->conf = conf;
	p->watch_fd = -1;
}

void
pool_free(struct pool *p)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		conn_free(&p->c[i]);
	p->n = 0;
}

int
pool_bootstrap(struct pool *p, struct conn **out)
{
	char list[1024], *save = NULL, *item;
	int rc = EX_UNAVAILABLE, n;

	n = snprintf(list, sizeof(list), "%s", p->conf->brokers);
	if (n < 0 || (size_t)n >= sizeof(list))
		return EX_USAGE;
	for (item = strtok_r(list, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		char host[CAT_HOST_MAX], port[8];
		struct conn *c;

		if (cat_split_hostport(item, host, sizeof(host), port, sizeof(port)) != 0) {
			fl_warnx("bad broker address '%s' (want HOST:PORT)", item);
			return EX_USAGE;
		}
		if (p->n == CAT_POOL_MAX)
			break;
		c = &p->c[p->n++];
		conn_init(c, -1, host, port);
		rc = conn_ensure(p, c);
		if (rc == 0) {
			*out = c;
			return 0;
		}
		if (rc == CAT_EPIPE)
			return rc;
	}
	return rc;
}

int
pool_get(struct pool *p, int32_t node_id, const char *host, int32_t port,
    struct conn **out)
{
	char ps[8];
	size_t i;
	struct conn *c;

	snprintf(ps, sizeof(ps), "%d", (int)port);
	for (i = 0; i < p->n; i++) {
		c = &p->c[i];
		if (c->node_id == node_id || (strcmp(c->host, host) == 0 &&
		    strcmp(c->port, ps) == 0)) {
			c->node_id = node_id;	/* a bootstrap entry learns its id */
			*out = c;
			return conn_ensure(p, c);
		}
	}
	if (p->n == CAT_POOL_MAX) {
		fl_warnx("more than %d brokers", CAT_POOL_MAX);
		return EX_UNAVAILABLE;
	}
	c = &p->c[p->n++];
	conn_init(c, node_id, host, ps);
	*out = c;
	return conn_ensure(p, c);
}

/* ---- metadata ---- */

int
cat_kerr_exit(int16_t code)
{
	switch (code) {
	case FL_KERR_UNKNOWN_TOPIC_OR_PARTITION:
		return EX_NOINPUT;
	case FL_KERR_CORRUPT_MESSAGE:
	case FL_KERR_MESSAGE_TOO_LARGE:
	case FL_KERR_INVALID_TOPIC_EXCEPTION:
	case FL_KERR_INVALID_RECORD:
	case FL_KERR_OFFSET_OUT_OF_RANGE:
		return EX_DATAERR;
	default:
		return fl_kerr_is_retriable(code) ? EX_TEMPFAIL : EX_UNAVAILABLE;
	}
}

void
cat_topic_free(struct cat_topic *t)
{
	free(t->parts);
	t->parts = NULL;
	t->nparts = 0;
}

/*
 * One Metadata round trip on c.  0 with *t filled; a positive sysexits
 * code; or a negative Kafka error code worth retrying.
 */
static int
metadata_once(struct pool *p, struct conn *c, int is_auto_create, struct cat_topic *t)
{
	const char *topics[1] = { p->conf->topic };
	struct fl_kc_metadata_req req = { topics, 1, is_auto_create };
	struct fl_kc_metadata_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h = conn_hdr(c, FL_KC_METADATA, p->conf->client_id);
	const struct fl_kc_md_topic *mt = NULL;
	size_t i, j;
	int rc;

	if (h.version < 0) {
		fl_warnx("%s:%s: broker does not offer Metadata v1-6", c->host, c->port);
		return EX_UNAVAILABLE;
	}
	fl_wr_reset(&c->w);
	if (fl_kc_metadata_req_encode(&c->w, &h, &req) != 0) {
		fl_warnx("topic name too long");
		return EX_USAGE;
	}
	if ((rc = conn_call(p, c, &h, 1)) != 0)
		return rc;
	rc = fl_kc_metadata_resp_decode(c->resp, c->resp_len, h.version, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		fl_warnx("%s:%s: malformed Metadata response: %s", c->host, c->port,
		    fl_strerror(rc));
		conn_close(c);
		return EX_PROTOCOL;
	}
	for (i = 0; i < r.ntopics; i++)
		if (r.topics[i].name.len == strlen(p->conf->topic) &&
		    memcmp(r.topics[i].name.p, p->conf->topic, r.topics[i].name.len) == 0)
			mt = &r.topics[i];
	rc = 0;
	if (mt == NULL) {
		fl_warnx("topic %s: missing from the Metadata response", p->conf->topic);
		rc = EX_PROTOCOL;
	} else if (mt->error != 0) {
		rc = -mt->error;
	} else if (mt->nparts == 0) {
		rc = -FL_KERR_LEADER_NOT_AVAILABLE;
	}
	if (rc == 0) {
		int32_t n = 0;

		for (j = 0; j < mt->nparts; j++)
			if (mt->parts[j].index >= n)
				n = mt->parts[j].index + 1;
		cat_topic_free(t);
		if (n <= 0 || (size_t)n > 1000000 ||
		    (t->parts = calloc((size_t)n, sizeof(*t->parts))) == NULL) {
			fl_warnx("topic %s: bad partition count", p->conf->topic);
			rc = EX_PROTOCOL;
		} else {
			t->nparts = n;
			for (j = 0; j < (size_t)n; j++) {
				t->parts[j].index = (int32_t)j;
				t->parts[j].leader = -1;
				t->parts[j].error = FL_KERR_LEADER_NOT_AVAILABLE;
			}
			for (j = 0; j < mt->nparts; j++) {
				const struct fl_kc_md_partition *mp = &mt->parts[j];

				if (mp->index < 0)
					continue;
				t->parts[mp->index].leader = mp->leader;
				t->parts[mp->index].error = mp->error;
			}
		}
	}
	/* connect to each leader by its advertised address */
	for (j = 0; rc == 0 && j < (size_t)t->nparts; j++) {
		struct cat_part *cp = &t->parts[j];

		cp->conn = NULL;
		if (cp->leader < 0)
			continue;
		for (i = 0; i < r.nbrokers; i++) {
			char host[CAT_HOST_MAX];
			const struct fl_kc_md_broker *b = &r.brokers[i];

			if (b->node_id != cp->leader)
				continue;
			if (b->host.len == 0 || b->host.len >= sizeof(host))
				break;
			memcpy(host, b->host.p, b->host.len);
			host[b->host.len] = '\0';
			rc = pool_get(p, b->node_id, host, b->port, &cp->conn);
			if (rc != 0)
				cp->conn = NULL;
			break;
		}
	}
	fl_arena_free(&a);
	return rc;
}

int
cat_metadata(struct pool *p, int is_auto_create, struct cat_topic *t)
{
	int64_t deadline = cat_now_ms() + p->conf->timeout_ms;
	int64_t backoff_ms = 50;
	struct conn *c = NULL;
	size_t i;
	int rc;

	snprintf(t->name, sizeof(t->name), "%s", p->conf->topic);
	for (;;) {
		/* any live connection will do; else the bootstrap list again */
		c = NULL;
		for (i = 0; i < p->n && c == NULL; i++)
			if (p->c[i].fd >= 0)
				c = &p->c[i];
		if (c == NULL) {
			/* reconnecting failed once already printed its one line */
			pool_free(p);
			if ((rc = pool_bootstrap(p, &c)) != 0)
				return rc;
		}
		rc = metadata_once(p, c, is_auto_create, t);
		if (rc == 0 || rc == CAT_EPIPE)
			return rc;
		/*
		 * Kafka calls UNKNOWN_TOPIC_OR_PARTITION retriable (metadata
		 * propagates slowly in a cluster), but a broker that answered
		 * it after we allowed or declined auto-creation means it.
		 */
		if (rc < 0 && (!fl_kerr_is_retriable((int16_t)-rc) ||
		    rc == -FL_KERR_UNKNOWN_TOPIC_OR_PARTITION)) {
			int16_t code = (int16_t)-rc;

			fl_warnx("topic %s: %s (error %d)", p->conf->topic,
			    fl_kerr_name(code), code);
			return cat_kerr_exit(code);
		}
		if (rc > 0 && rc != EX_UNAVAILABLE)
			return rc;
		if (cat_now_ms() + backoff_ms >= deadline) {
			if (rc < 0) {
				fl_warnx("topic %s: %s (error %d), gave up after %lld ms",
				    p->conf->topic, fl_kerr_name((int16_t)-rc),
				    -rc, (long long)p->conf->timeout_ms);
				return cat_kerr_exit((int16_t)-rc);
			}
			return rc;
		}
		if (cat_sleep_ms(p->conf, backoff_ms))
			return rc > 0 ? rc : EX_TEMPFAIL;
		if (backoff_ms < 1000)
			backoff_ms *= 2;
	}
}
