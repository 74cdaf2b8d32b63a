/*
 * conn.c: flume-cat's network edge.  Each connection is an os/kconn.h
 * one: blocking request/response over non-blocking sockets, every wait a
 * poll() with an absolute deadline (conf->timeout_ms from the start of the
 * call), so a silent broker can never hang the pipeline.  One request in
 * flight per connection, which is also what keeps idempotent sequence
 * numbers trivially ordered.  This file adds what is flume-cat's own: the
 * one-line messages and sysexits codes, the broker pool, and metadata.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "os/clock.h"
#include "os/diag.h"
#include "cat.h"



int
cat_sleep_ms(const struct cat_conf *conf, int64_t ms)
{
	int64_t end = fl_clock_ms() + ms, now;

	while (!*conf->stop && (now = fl_clock_ms()) < end)
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

/* ---- one connection: os/kconn.h, with flume-cat's messages and exit codes ---- */

void
conn_init(struct conn *c, int32_t node_id, const char *host, const char *port)
{
	/* cat_split_hostport() and the metadata code keep names within bounds */
	(void)fl_kconn_init(&c->k, host, port);
	c->node_id = node_id;
}

void
conn_close(struct conn *c)
{
	fl_kconn_close(&c->k);
}

void
conn_free(struct conn *c)
{
	fl_kconn_free(&c->k);
}

/* The pool's settings, which may change between calls (watch_fd does). */
static void
conn_settings(struct pool *p, struct conn *c)
{
	c->k.client_id = p->conf->client_id;
	c->k.timeout_ms = p->conf->timeout_ms;
	c->k.stop = p->conf->stop;
	c->k.abort_fd = p->watch_fd;
	c->k.abort_events = 0;		/* only an error or hang-up on stdout */
	c->k.sasl_user = p->conf->sasl_user;
	c->k.sasl_password = p->conf->sasl_password;
	c->k.sasl_mech = p->conf->sasl_mech;
}

/*
 * Print kconn's reason for a failed exchange with c's broker and map it:
 * stdout gone is CAT_EPIPE (quietly), a lost or timed-out connection
 * EX_UNAVAILABLE, a broker breaking the protocol EX_PROTOCOL, refused SASL
 * credentials EX_NOPERM.
 */
static int
conn_failed(struct conn *c, int rc, const struct fl_err *err)
{
	if (rc == FL_ESYS && errno == ECANCELED)
		return CAT_EPIPE;
	if (rc == FL_ESYS && errno == EINTR && c->k.stop != NULL && *c->k.stop)
		return EX_UNAVAILABLE;	/* stopped by a signal: nothing worth a line */
	if (rc == FL_ENOMEM) {
		fl_warnx("%s", err->msg);
		return EX_OSERR;
	}
	fl_warnx("%s:%s: %s", c->k.host, c->k.port, err->msg);
	switch (rc) {
	case FL_ESYS:
	case FL_ERANGE:
		return EX_UNAVAILABLE;
	case FL_EPROTO:
		return EX_PROTOCOL;
	case FL_EAUTH:
		return EX_NOPERM;
	default:
		return EX_SOFTWARE;
	}
}

void
conn_drain_close(struct pool *p, struct conn *c)
{
	conn_settings(p, c);
	(void)fl_kconn_drain_close(&c->k);
}

int
conn_ensure(struct pool *p, struct conn *c)
{
	struct fl_err err = { 0, "" };
	int rc;

	if (c->k.fd >= 0)
		return 0;
	conn_settings(p, c);
	if ((rc = fl_kconn_open(&c->k, &err)) != 0) {
		if (rc == FL_ESYS && errno == ECANCELED)
			return CAT_EPIPE;
		if (rc == FL_ESYS && errno == EINTR)
			return EX_UNAVAILABLE;	/* stopped: nothing worth a line */
		fl_warnx("cannot connect to %s:%s: %s", c->k.host, c->k.port, err.msg);
		return EX_UNAVAILABLE;
	}
	if ((rc = fl_kconn_negotiate(&c->k, &err)) != 0)
		return conn_failed(c, rc, &err);
	if ((rc = fl_kconn_authenticate(&c->k, &err)) != 0)
		return conn_failed(c, rc, &err);
	return 0;
}

struct fl_kc_hdr
conn_hdr(struct conn *c, int16_t api, const char *client_id)
{
	struct fl_kc_hdr h = fl_kconn_hdr(&c->k, api);

	h.client_id = client_id;
	return h;
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
	struct fl_err err = { 0, "" };
	int rc;

	if (c->k.fd < 0)
		return EX_UNAVAILABLE;
	conn_settings(p, c);
	if ((rc = fl_kconn_call(&c->k, h, want_resp, timeout_ms, &err)) != 0)
		return conn_failed(c, rc, &err);
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
		if (rc == CAT_EPIPE || rc == EX_NOPERM)
			return rc;	/* the next broker wants the same credentials */
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
		if (c->node_id == node_id || (strcmp(c->k.host, host) == 0 &&
		    strcmp(c->k.port, ps) == 0)) {
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
		fl_warnx("%s:%s: broker does not offer Metadata v1-6", c->k.host, c->k.port);
		return EX_UNAVAILABLE;
	}
	fl_wr_reset(&c->k.w);
	if (fl_kc_metadata_req_encode(&c->k.w, &h, &req) != 0) {
		fl_warnx("topic name too long");
		return EX_USAGE;
	}
	if ((rc = conn_call(p, c, &h, 1)) != 0)
		return rc;
	rc = fl_kc_metadata_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		fl_warnx("%s:%s: malformed Metadata response: %s", c->k.host, c->k.port,
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
	int64_t deadline = fl_clock_ms() + p->conf->timeout_ms;
	int64_t backoff_ms = 50;
	struct conn *c = NULL;
	size_t i;
	int rc;

	snprintf(t->name, sizeof(t->name), "%s", p->conf->topic);
	for (;;) {
		/*
		 * Any live connection will do, taken in turn: a broker that
		 * has not heard of a new leader (one the controller cannot
		 * reach) must not be the only one asked.  Else the bootstrap
		 * list again.
		 */
		c = NULL;
		for (i = 0; i < p->n && c == NULL; i++) {
			struct conn *k = &p->c[(p->meta_turn + i) % p->n];

			if (k->k.fd >= 0)
				c = k;
		}
		p->meta_turn++;
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
		if (fl_clock_ms() + backoff_ms >= deadline) {
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
