/*
 * test-kconn: the blocking Kafka connection against scripted fake brokers
 * on 127.0.0.1 (one thread each): negotiation and its step-down, one
 * request/response, and every way an exchange can fail: refused, timed
 * out, peer closed, wrong correlation id, bad frame size, stop flag, abort
 * fd.  Each failure must close the connection and say why.
 *
 * SASL: a fake SASL listener (sasl_broker_main) checks PLAIN tokens and
 * runs the server side of SCRAM with base/scram.h, written here from RFC
 * 5802 and checked first against RFC 7677's example exchange, so the
 * client (os/kconn.c over sm/sasl.h) is tested against an independent
 * server.  Scripts spoil one step each; every failure must close the
 * connection and be FL_EAUTH (credentials) or FL_EPROTO (protocol) with
 * the broker's words in err.
 */
#define _GNU_SOURCE	/* memmem */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "base/csum.h"
#include "base/rd.h"
#include "base/scram.h"
#include "codec/kclient.h"
#include "codec/kproto.h"
#include "os/kconn.h"
#include "tap.h"

/* ---- a scripted fake broker ---- */

enum script {
	S_NORMAL,	/* ApiVersions v2, then answer each request with 4 bytes */
	S_STEP_DOWN,	/* ApiVersions v2 gets error 35 listing [0, 1] */
	S_NO_COMMON,	/* ApiVersions lists [5, 9] with error 35 */
	S_WRONG_CORR,	/* negotiate, then answer with corr + 1 */
	S_SILENT,	/* negotiate, then read and never answer */
	S_CLOSE,	/* negotiate, then close after reading */
	S_BAD_SIZE,	/* negotiate, then a negative frame size */
	S_BIG		/* negotiate, then a 4096-byte frame */
};

struct broker {
	int lfd;
	char port[8];
	enum script script;
	pthread_t thread;
	int nrequests;			/* requests read after negotiation */
	int16_t apiv_versions[4];	/* ApiVersions versions asked, in order */
	int napiv;
};

static int
read_n(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = read(fd, p + got, n - got);

		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* One request frame: key, version, correlation id; -1 at EOF. */
static int
read_req(int fd, int16_t *key, int16_t *version, int32_t *corr)
{
	uint8_t pre[4], *p;
	uint32_t n;

	if (read_n(fd, pre, 4) != 0)
		return -1;
	n = fl_load_be32(pre);
	if (n < 8 || n > (1u << 20) || (p = malloc(n)) == NULL)
		return -1;
	if (read_n(fd, p, n) != 0) {
		free(p);
		return -1;
	}
	*key = (int16_t)fl_load_be16(p);
	*version = (int16_t)fl_load_be16(p + 2);
	*corr = (int32_t)fl_load_be32(p + 4);
	free(p);
	return 0;
}

/* Frame: size | corr | body. */
static void
send_resp(int fd, int32_t corr, const uint8_t *body, size_t n)
{
	uint8_t buf[64];

	fl_store_be32(buf, (uint32_t)(n + 4));
	fl_store_be32(buf + 4, (uint32_t)corr);
	memcpy(buf + 8, body, n);
	(void)!write(fd, buf, 8 + n);
}

/* ApiVersions body: error, [{key, min, max}], throttle from v1 on. */
static size_t
apiv_body(uint8_t *b, int16_t error, int16_t min18, int16_t max18, int has_throttle)
{
	size_t n = 0;

	fl_store_be16(b + n, (uint16_t)error); n += 2;
	fl_store_be32(b + n, 2); n += 4;
	fl_store_be16(b + n, 18); fl_store_be16(b + n + 2, (uint16_t)min18);
	fl_store_be16(b + n + 4, (uint16_t)max18); n += 6;
	fl_store_be16(b + n, 3); fl_store_be16(b + n + 2, 1);
	fl_store_be16(b + n + 4, 6); n += 6;
	if (has_throttle) {
		fl_store_be32(b + n, 0);
		n += 4;
	}
	return n;
}

static void *
broker_main(void *arg)
{
	struct broker *b = arg;
	int fd = accept(b->lfd, NULL, NULL);
	int16_t key, v;
	int32_t corr;
	uint8_t body[64];
	size_t n;

	if (fd < 0)
		return NULL;
	/* negotiation: answer ApiVersions until another request comes */
	for (;;) {
		if (read_req(fd, &key, &v, &corr) != 0)
			goto out;
		if (key != FL_KC_API_VERSIONS)
			break;
		if (b->napiv < 4)
			b->apiv_versions[b->napiv++] = v;
		if (b->script == S_STEP_DOWN && v == 2)	/* a v0 body (section 3) */
			n = apiv_body(body, FL_KERR_UNSUPPORTED_VERSION, 0, 1, 0);
		else if (b->script == S_NO_COMMON)
			n = apiv_body(body, FL_KERR_UNSUPPORTED_VERSION, 5, 9, 0);
		else
			n = apiv_body(body, 0, 0, b->script == S_STEP_DOWN ? 1 : 2, v >= 1);
		send_resp(fd, corr, body, n);
	}
	/* key/v/corr now hold the first request after negotiation */
	for (;;) {
		b->nrequests++;
		switch (b->script) {
		case S_WRONG_CORR:
			send_resp(fd, corr + 1, (const uint8_t *)"abcd", 4);
			break;
		case S_SILENT:
			break;
		case S_CLOSE:
			goto out;
		case S_BAD_SIZE:
			(void)!write(fd, "\xff\xff\xff\xf0", 4);
			break;
		case S_BIG: {
			uint8_t pre[8];

			fl_store_be32(pre, 4096);
			fl_store_be32(pre + 4, (uint32_t)corr);
			(void)!write(fd, pre, 8);
			break;
		}
		default:
			send_resp(fd, corr, (const uint8_t *)"abcd", 4);
			break;
		}
		if (read_req(fd, &key, &v, &corr) != 0)
			break;
	}
out:
	close(fd);
	return NULL;
}

static void
broker_start(struct broker *b, enum script script)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(b, 0, sizeof(*b));
	b->script = script;
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FL_ASSERT(b->lfd >= 0 && bind(b->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(b->lfd, 4) == 0 &&
	    getsockname(b->lfd, (struct sockaddr *)&sa, &len) == 0);
	snprintf(b->port, sizeof(b->port), "%u", (unsigned)ntohs(sa.sin_port));
	FL_ASSERT(pthread_create(&b->thread, NULL, broker_main, b) == 0);
}

static void
broker_join(struct broker *b)
{
	pthread_join(b->thread, NULL);
	close(b->lfd);
}

/* Connect c to b and send one 8-byte request; the call's result. */
static int
one_call(struct fl_kconn *c, struct broker *b, int64_t timeout_ms, struct fl_err *err)
{
	struct fl_kc_hdr h;
	int rc;

	FL_ASSERT(fl_kconn_init(c, "127.0.0.1", b->port) == 0);
	c->client_id = "test-kconn";
	c->timeout_ms = 2000;
	if ((rc = fl_kconn_ensure(c, err)) != 0)
		return rc;
	h = fl_kconn_hdr(c, FL_KC_METADATA);
	fl_wr_reset(&c->w);
	FL_ASSERT(fl_kc_metadata_req_encode(&c->w, &h,
	    &(struct fl_kc_metadata_req){ NULL, 0, 0 }) == 0);
	return fl_kconn_call(c, &h, 1, timeout_ms, err);
}

/* ---- tests ---- */

static void
test_normal(void)
{
	struct broker b;
	struct fl_kconn c;
	struct fl_err err = { 0, "" };
	struct fl_kc_hdr h;
	int rc;

	broker_start(&b, S_NORMAL);
	rc = one_call(&c, &b, 2000, &err);
	CHECK_INT(rc, ==, 0, "negotiate and one request/response");
	CHECK(c.vers.v[FL_KC_API_VERSIONS] == 2 && c.vers.v[FL_KC_METADATA] == 6 &&
	    c.vers.v[FL_KC_PRODUCE] == -1, "versions: the highest both sides list, -1 elsewhere");
	CHECK(c.resp_len == 8 && memcmp(c.resp + 4, "abcd", 4) == 0 &&
	    (int32_t)fl_load_be32(c.resp) == c.corr, "the payload starts with our correlation id");
	CHECK(b.napiv == 1 && b.apiv_versions[0] == 2, "ApiVersions asked once, at v2");
	/* acks=0-style: nothing to wait for; the broker answers anyway, so
	 * the stream is left one response ahead: close rather than reuse */
	h = fl_kconn_hdr(&c, FL_KC_METADATA);
	CHECK_INT(fl_kconn_call(&c, &h, 0, 2000, &err), ==, 0, "a call with no response returns at once");
	CHECK_INT(fl_kconn_drain_close(&c), ==, 0, "drain: the broker closes after our EOF");
	CHECK(c.fd == -1, "drain leaves the connection closed");
	CHECK_INT(fl_kconn_call(&c, &h, 1, 2000, &err), ==, FL_EINVAL,
	    "a call on a closed connection is FL_EINVAL");
	fl_kconn_free(&c);
	fl_kconn_free(&c);
	broker_join(&b);
}

static void
test_negotiation(void)
{
	struct broker b;
	struct fl_kconn c;
	struct fl_err err = { 0, "" };
	int rc;

	broker_start(&b, S_STEP_DOWN);
	rc = one_call(&c, &b, 2000, &err);
	CHECK_INT(rc, ==, 0, "step-down: UNSUPPORTED_VERSION with a lower range");
	CHECK(b.napiv == 2 && b.apiv_versions[0] == 2 && b.apiv_versions[1] == 1,
	    "step-down: asked at v2, then at the broker's v1");
	CHECK_INT(c.vers.v[FL_KC_API_VERSIONS], ==, 1, "step-down: ApiVersions v1 kept");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_NO_COMMON);
	rc = one_call(&c, &b, 2000, &err);
	CHECK(rc == FL_ERANGE && c.fd == -1 && strcmp(err.msg, "ApiVersions failed") == 0,
	    "no common ApiVersions version: FL_ERANGE, closed");
	fl_kconn_free(&c);
	broker_join(&b);
}

static void
test_failures(void)
{
	struct broker b;
	struct fl_kconn c;
	struct fl_err err = { 0, "" };
	int rc;

	broker_start(&b, S_WRONG_CORR);
	rc = one_call(&c, &b, 2000, &err);
	CHECK(rc == FL_EPROTO && c.fd == -1 &&
	    strstr(err.msg, "response for correlation id") != NULL,
	    "wrong correlation id: FL_EPROTO, closed");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_SILENT);
	rc = one_call(&c, &b, 150, &err);
	CHECK(rc == FL_ESYS && errno == ETIMEDOUT && c.fd == -1 &&
	    strcmp(err.msg, "timed out waiting for a response") == 0,
	    "silent broker: ETIMEDOUT after the timeout, closed");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_CLOSE);
	rc = one_call(&c, &b, 2000, &err);
	CHECK(rc == FL_ESYS && errno == ECONNRESET &&
	    strncmp(err.msg, "connection closed by broker", 27) == 0,
	    "broker closes: ECONNRESET");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_BAD_SIZE);
	rc = one_call(&c, &b, 2000, &err);
	CHECK(rc == FL_EPROTO && strncmp(err.msg, "bad response size", 17) == 0 && c.fd == -1,
	    "negative frame size: FL_EPROTO, closed");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_BIG);
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", b.port) == 0);
	c.resp_bytes_max = 1024;
	rc = fl_kconn_ensure(&c, &err);
	if (rc == 0) {
		struct fl_kc_hdr h = fl_kconn_hdr(&c, FL_KC_METADATA);

		fl_wr_reset(&c.w);
		(void)fl_kc_metadata_req_encode(&c.w, &h, &(struct fl_kc_metadata_req){ NULL, 0, 0 });
		rc = fl_kconn_call(&c, &h, 1, 2000, &err);
	}
	CHECK_INT(rc, ==, FL_EPROTO, "a frame above resp_bytes_max: FL_EPROTO");
	fl_kconn_free(&c);
	broker_join(&b);
}

static void
test_stop_and_abort(void)
{
	volatile sig_atomic_t stop = 0;
	struct broker b;
	struct fl_kconn c;
	struct fl_err err = { 0, "" };
	struct fl_kc_hdr h;
	int pfd[2], rc;

	broker_start(&b, S_SILENT);
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", b.port) == 0);
	c.stop = &stop;
	FL_ASSERT(fl_kconn_ensure(&c, &err) == 0);
	stop = 1;
	h = fl_kconn_hdr(&c, FL_KC_METADATA);
	fl_wr_reset(&c.w);
	(void)fl_kc_metadata_req_encode(&c.w, &h, &(struct fl_kc_metadata_req){ NULL, 0, 0 });
	rc = fl_kconn_call(&c, &h, 1, 5000, &err);
	CHECK(rc == FL_ESYS && errno == EINTR && strcmp(err.msg, "interrupted") == 0 &&
	    c.fd == -1, "stop flag: EINTR at the first wait, closed");
	rc = fl_kconn_ensure(&c, &err);
	CHECK(rc == FL_ESYS && errno == EINTR, "stop flag: connecting stops too");
	fl_kconn_free(&c);
	broker_join(&b);

	broker_start(&b, S_SILENT);
	FL_ASSERT(pipe(pfd) == 0);
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", b.port) == 0);
	c.abort_fd = pfd[0];
	c.abort_events = POLLIN;
	FL_ASSERT(fl_kconn_ensure(&c, &err) == 0);
	(void)!write(pfd[1], "x", 1);
	h = fl_kconn_hdr(&c, FL_KC_METADATA);
	fl_wr_reset(&c.w);
	(void)fl_kc_metadata_req_encode(&c.w, &h, &(struct fl_kc_metadata_req){ NULL, 0, 0 });
	rc = fl_kconn_call(&c, &h, 1, 5000, &err);
	CHECK(rc == FL_ESYS && errno == ECANCELED && c.fd == -1,
	    "abort fd readable: ECANCELED, closed");
	close(pfd[0]);
	close(pfd[1]);
	fl_kconn_free(&c);
	broker_join(&b);
}

static void
test_connect(void)
{
	struct fl_kconn c;
	struct fl_err err = { 0, "" };
	char port[8], host[400];
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;
	struct fl_kc_hdr h;

	/* a port that was just free: nothing listens there */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FL_ASSERT(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
	snprintf(port, sizeof(port), "%u", (unsigned)ntohs(sa.sin_port));
	close(fd);
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", port) == 0);
	rc = fl_kconn_ensure(&c, &err);
	CHECK(rc == FL_ESYS && errno == ECONNREFUSED && strcmp(err.msg, strerror(ECONNREFUSED)) == 0,
	    "nothing listening: FL_ESYS, ECONNREFUSED, strerror as the reason");
	fl_kconn_free(&c);

	memset(host, 'h', sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	CHECK_INT(fl_kconn_init(&c, host, "9092"), ==, FL_ERANGE, "a host name too long: FL_ERANGE");
	fl_kconn_free(&c);

	if (fcntl(0, F_GETFD) == -1)		/* make sure fd 0 exists to be lost */
		FL_ASSERT(open("/dev/null", O_RDONLY | O_CLOEXEC) == 0);
	memset(&c, 0, sizeof(c));
	fl_kconn_free(&c);
	CHECK(fcntl(0, F_GETFD) != -1, "freeing a zeroed connection closes no fd 0");
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", "9092") == 0);
	CHECK(c.fd == -1 && c.abort_fd == -1 && c.stop == NULL &&
	    c.timeout_ms == FL_KCONN_TIMEOUT_MS_DEFAULT, "init: closed, default settings");
	h = fl_kconn_hdr(&c, FL_KC_FETCH);
	CHECK(h.version == -1 && h.corr == 1, "before negotiation: version -1, corr 1");
	c.corr = INT32_MAX;
	h = fl_kconn_hdr(&c, 999);
	CHECK(h.corr == 1 && h.version == -1, "corr wraps to 1; an unknown key has no version");
	fl_kconn_free(&c);
}

/* ---- SASL: a fake SASL listener ---- */

/* The server side of SCRAM from RFC 5802 section 3, for one exchange. */
struct scram_srv {
	enum fl_scram_hash h;
	struct fl_scram_cred cred;
	char bare[512];			/* client-first-bare */
	char first[512];		/* server-first */
	char combined[256];		/* the combined nonce */
};

static const uint8_t rfc_salt[] = {	/* base64 W22ZaJ0SNY7soEsUEjb6gQ== */
	0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
	0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81
};

/* The value of attribute a ("a=value") in the comma list s[0..n). */
static int
attr(const char *s, size_t n, char a, const char **v, size_t *vl)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != ',')
			j++;
		if (j - i >= 2 && s[i] == a && s[i + 1] == '=') {
			*v = s + i + 2;
			*vl = j - i - 2;
			return 0;
		}
		i = j + 1;
	}
	return -1;
}

/*
 * client-first (n bytes) -> server-first in out; -1 if malformed or not
 * for user "user".  srv_nonce is the server's part.
 */
static int
scram_srv_first(struct scram_srv *s, enum fl_scram_hash h, const char *password,
    const char *in, size_t n, const char *srv_nonce, char *out, size_t cap)
{
	const char *u, *r;
	size_t ul, rl;
	char salt64[64];

	memset(s, 0, sizeof(*s));
	s->h = h;
	if (n < 3 || memcmp(in, "n,,", 3) != 0 || n - 3 >= sizeof(s->bare))
		return -1;
	memcpy(s->bare, in + 3, n - 3);
	if (attr(s->bare, n - 3, 'n', &u, &ul) != 0 || ul != 4 || memcmp(u, "user", 4) != 0 ||
	    attr(s->bare, n - 3, 'r', &r, &rl) != 0 || rl == 0)
		return -1;
	FL_ASSERT(fl_scram_cred_make(&s->cred, h, password, strlen(password), rfc_salt,
	    sizeof(rfc_salt), 4096) == 0);
	snprintf(s->combined, sizeof(s->combined), "%.*s%s", (int)rl, r, srv_nonce);
	sodium_bin2base64(salt64, sizeof(salt64), rfc_salt, sizeof(rfc_salt),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(s->first, sizeof(s->first), "r=%s,s=%s,i=4096", s->combined, salt64);
	snprintf(out, cap, "%s", s->first);
	return 0;
}

/* client-final -> server-final ("v=...") in out; -1 if the proof is wrong. */
static int
scram_srv_final(struct scram_srv *s, const char *in, size_t n, char *out, size_t cap)
{
	size_t hl = fl_scram_len(s->h), pl, rl, wl, i, got;
	const char *p, *r, *cut;
	uint8_t proof[FL_SCRAM_KEY_MAX], sig[FL_SCRAM_KEY_MAX], key[FL_SCRAM_KEY_MAX];
	char auth[1536], v64[128];
	int al;

	if (attr(in, n, 'p', &p, &pl) != 0 || attr(in, n, 'r', &r, &rl) != 0 ||
	    rl != strlen(s->combined) || memcmp(r, s->combined, rl) != 0 ||
	    n < 7 || memcmp(in, "c=biws,", 7) != 0)
		return -1;
	cut = p - 3;				/* ",p=" */
	wl = (size_t)(cut - in);
	if (sodium_base642bin(proof, sizeof(proof), p, pl, NULL, &got, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || got != hl)
		return -1;
	al = snprintf(auth, sizeof(auth), "%s,%s,%.*s", s->bare, s->first, (int)wl, in);
	FL_ASSERT(al > 0 && (size_t)al < sizeof(auth));
	fl_scram_hmac(s->h, s->cred.stored_key, hl, auth, (size_t)al, sig);
	for (i = 0; i < hl; i++)
		key[i] = proof[i] ^ sig[i];	/* the client key */
	fl_scram_hash(s->h, key, hl, sig);
	if (sodium_memcmp(sig, s->cred.stored_key, hl) != 0)
		return -1;
	fl_scram_hmac(s->h, s->cred.server_key, hl, auth, (size_t)al, sig);
	sodium_bin2base64(v64, sizeof(v64), sig, hl, sodium_base64_VARIANT_ORIGINAL);
	snprintf(out, cap, "v=%s", v64);
	return 0;
}

enum sasl_script {
	SS_PLAIN,	/* PLAIN; password "pencil" */
	SS_SCRAM256,	/* SCRAM-SHA-256 */
	SS_SCRAM512,	/* SCRAM-SHA-512 */
	SS_AUTH_V0,	/* lists SaslAuthenticate 0-0 only */
	SS_NO_SASL,	/* lists neither SASL key: a plain listener */
	SS_MECH_33,	/* SaslHandshake: UNSUPPORTED_SASL_MECHANISM, lists SCRAM-SHA-512 */
	SS_STATE_34,	/* SaslHandshake: ILLEGAL_SASL_STATE */
	SS_BAD_SIG,	/* SCRAM: a server-final signature that is wrong */
	SS_E_FINAL,	/* SCRAM: server-final "e=invalid-proof", error 0 */
	SS_HOSTILE_MSG,	/* 58 with escapes and a newline in its message */
	SS_AUTH_34,	/* SaslAuthenticate: ILLEGAL_SASL_STATE with a message */
	SS_GARBAGE,	/* SaslAuthenticate: an undecodable answer */
	SS_SILENT	/* SaslAuthenticate: never answered */
};

struct sasl_broker {
	int lfd;
	char port[8];
	enum sasl_script script;
	int nconns;			/* connections to accept */
	pthread_t thread;
	/* what it saw */
	int nhandshakes, nauths, nafter;	/* nafter: requests once authenticated */
	int16_t hs_version, auth_version;
	char mech[32];
	uint8_t plain[64];
	size_t plain_len;
	int16_t first_key;		/* the first request after ApiVersions */
	int is_early;			/* a request other than SASL before auth */
};

/* One request frame, whole: 0 with key, version, corr and the body after
 * the header; -1 at EOF. */
static int
read_frame(int fd, uint8_t *buf, size_t cap, size_t *n)
{
	uint8_t pre[4];
	uint32_t len;

	if (read_n(fd, pre, 4) != 0)
		return -1;
	len = fl_load_be32(pre);
	if (len < 8 || len > cap)
		return -1;
	if (read_n(fd, buf, len) != 0)
		return -1;
	*n = len;
	return 0;
}

/* A response frame: corr then the body in w (4 size bytes reserved first). */
static void
send_frame(int fd, struct fl_wr *w)
{
	fl_wr_patch_i32(w, 0, (int32_t)(w->len - 4));
	FL_ASSERT(w->err == 0);
	(void)!write(fd, w->p, w->len);
}

static void
auth_answer(int fd, int32_t corr, int16_t v, int16_t error, const char *msg,
    const void *bytes, size_t n)
{
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	fl_wr_i32(&w, 0);
	fl_wr_i32(&w, corr);
	fl_wr_i16(&w, error);
	if (msg == NULL)
		fl_wr_i16(&w, -1);
	else
		fl_wr_cstr(&w, msg);
	fl_wr_bytes(&w, bytes != NULL ? bytes : "", n);
	if (v >= 1)
		fl_wr_i64(&w, 3600000);
	send_frame(fd, &w);
	fl_wr_free(&w);
}

/* One connection through the script; 0 to take the next connection. */
static void
sasl_conn(struct sasl_broker *b, int fd)
{
	static const char srv_nonce[] = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
	enum fl_scram_hash hash = b->script == SS_SCRAM512 ? FL_SCRAM_SHA512 : FL_SCRAM_SHA256;
	struct scram_srv ss;
	uint8_t buf[8192];
	size_t n;
	int is_authed = 0, step = 0;

	while (read_frame(fd, buf, sizeof(buf), &n) == 0) {
		int16_t key = (int16_t)fl_load_be16(buf), v = (int16_t)fl_load_be16(buf + 2);
		int32_t corr = (int32_t)fl_load_be32(buf + 4);
		struct fl_rd rd;
		struct fl_slice cid, body;
		struct fl_wr w;

		fl_rd_init(&rd, buf + 8, n - 8);
		FL_ASSERT(fl_rd_nstring(&rd, &cid) == 0);
		body.p = buf + 8 + rd.off;
		body.len = n - 8 - rd.off;
		fl_wr_init(&w, 1 << 16);
		fl_wr_i32(&w, 0);
		fl_wr_i32(&w, corr);
		if (key == FL_KC_API_VERSIONS) {
			int sasl = b->script != SS_NO_SASL;

			fl_wr_i16(&w, 0);
			fl_wr_i32(&w, 2 + 2 * sasl);
			fl_wr_i16(&w, 18); fl_wr_i16(&w, 0); fl_wr_i16(&w, 2);
			fl_wr_i16(&w, 3); fl_wr_i16(&w, 1); fl_wr_i16(&w, 6);
			if (sasl) {
				fl_wr_i16(&w, 17); fl_wr_i16(&w, 0); fl_wr_i16(&w, 1);
				fl_wr_i16(&w, 36); fl_wr_i16(&w, 0);
				fl_wr_i16(&w, b->script == SS_AUTH_V0 ? 0 : 1);
			}
			if (v >= 1)
				fl_wr_i32(&w, 0);
			send_frame(fd, &w);
			fl_wr_free(&w);
			continue;
		}
		if (b->first_key < 0)
			b->first_key = key;
		if (key == FL_KC_SASL_HANDSHAKE) {
			struct fl_slice m;

			fl_rd_init(&rd, body.p, body.len);
			FL_ASSERT(fl_rd_string(&rd, &m) == 0 && m.len < sizeof(b->mech));
			memcpy(b->mech, m.p, m.len);
			b->mech[m.len] = '\0';
			b->nhandshakes++;
			b->hs_version = v;
			fl_wr_i16(&w, b->script == SS_MECH_33 ? FL_KERR_UNSUPPORTED_SASL_MECHANISM :
			    b->script == SS_STATE_34 ? FL_KERR_ILLEGAL_SASL_STATE : 0);
			if (b->script == SS_MECH_33) {
				fl_wr_i32(&w, 1);
				fl_wr_cstr(&w, "SCRAM-SHA-512");
			} else {
				fl_wr_i32(&w, 2);
				fl_wr_cstr(&w, "PLAIN");
				fl_wr_cstr(&w, fl_scram_mech(hash));
			}
			send_frame(fd, &w);
			fl_wr_free(&w);
			if (b->script == SS_MECH_33 || b->script == SS_STATE_34)
				return;
			continue;
		}
		fl_wr_free(&w);
		if (key == FL_KC_SASL_AUTHENTICATE) {
			struct fl_slice tok;
			char out[512];

			fl_rd_init(&rd, body.p, body.len);
			FL_ASSERT(fl_rd_bytes(&rd, &tok) == 0);
			b->nauths++;
			b->auth_version = v;
			if (b->script == SS_SILENT)
				continue;
			if (b->script == SS_GARBAGE) {
				uint8_t bad[10] = { 0, 0, 0, 6 };

				fl_store_be32(bad + 4, (uint32_t)corr);
				(void)!write(fd, bad, 10);	/* corr and an int16 only */
				return;
			}
			if (b->script == SS_HOSTILE_MSG) {
				auth_answer(fd, corr, v, FL_KERR_SASL_AUTHENTICATION_FAILED,
				    "bad\n\033[31mpassword", NULL, 0);
				return;
			}
			if (b->script == SS_AUTH_34) {
				auth_answer(fd, corr, v, FL_KERR_ILLEGAL_SASL_STATE,
				    "out of order", NULL, 0);
				return;
			}
			if (strcmp(b->mech, "PLAIN") == 0) {
				static const uint8_t want[] = "\0user\0pencil";

				b->plain_len = tok.len < sizeof(b->plain) ? tok.len : sizeof(b->plain);
				memcpy(b->plain, tok.p, b->plain_len);
				if (tok.len != sizeof(want) - 1 ||
				    memcmp(tok.p, want, tok.len) != 0) {
					auth_answer(fd, corr, v, FL_KERR_SASL_AUTHENTICATION_FAILED,
					    "Authentication failed: Invalid username or password",
					    NULL, 0);
					return;
				}
				auth_answer(fd, corr, v, 0, NULL, NULL, 0);
				is_authed = 1;
				continue;
			}
			if (step == 0) {
				if (scram_srv_first(&ss, hash, "pencil", (const char *)tok.p,
				    tok.len, srv_nonce, out, sizeof(out)) != 0) {
					auth_answer(fd, corr, v, FL_KERR_SASL_AUTHENTICATION_FAILED,
					    "Authentication failed during authentication due to "
					    "invalid credentials with SASL mechanism SCRAM", NULL, 0);
					return;
				}
				step = 1;
				auth_answer(fd, corr, v, 0, NULL, out, strlen(out));
				continue;
			}
			if (scram_srv_final(&ss, (const char *)tok.p, tok.len, out,
			    sizeof(out)) != 0) {
				auth_answer(fd, corr, v, FL_KERR_SASL_AUTHENTICATION_FAILED,
				    "Authentication failed during authentication due to "
				    "invalid credentials with SASL mechanism SCRAM", NULL, 0);
				return;
			}
			if (b->script == SS_BAD_SIG)
				out[3] = out[3] == 'A' ? 'B' : 'A';
			if (b->script == SS_E_FINAL)
				snprintf(out, sizeof(out), "e=invalid-proof");
			auth_answer(fd, corr, v, 0, NULL, out, strlen(out));
			is_authed = 1;
			continue;
		}
		/* anything else */
		if (!is_authed) {
			b->is_early = 1;
			return;		/* what a SASL listener does */
		}
		b->nafter++;
		send_resp(fd, corr, (const uint8_t *)"abcd", 4);
	}
}

static void *
sasl_broker_main(void *arg)
{
	struct sasl_broker *b = arg;
	int i;

	for (i = 0; i < b->nconns; i++) {
		int fd = accept(b->lfd, NULL, NULL);

		if (fd < 0)
			break;
		sasl_conn(b, fd);
		close(fd);
	}
	return NULL;
}

static void
sasl_broker_start(struct sasl_broker *b, enum sasl_script script, int nconns)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);

	memset(b, 0, sizeof(*b));
	b->script = script;
	b->nconns = nconns;
	b->first_key = -1;
	b->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	FL_ASSERT(b->lfd >= 0 && bind(b->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    listen(b->lfd, 4) == 0 &&
	    getsockname(b->lfd, (struct sockaddr *)&sa, &len) == 0);
	snprintf(b->port, sizeof(b->port), "%u", (unsigned)ntohs(sa.sin_port));
	FL_ASSERT(pthread_create(&b->thread, NULL, sasl_broker_main, b) == 0);
}

static void
sasl_broker_join(struct sasl_broker *b)
{
	pthread_join(b->thread, NULL);
	close(b->lfd);
}

/* Connect with SASL settings and send one Metadata; the first failure's code. */
static int
sasl_call(struct fl_kconn *c, struct sasl_broker *b, enum fl_sasl_mech mech,
    const char *user, const char *password, struct fl_err *err)
{
	struct fl_kc_hdr h;
	int rc;

	FL_ASSERT(fl_kconn_init(c, "127.0.0.1", b->port) == 0);
	c->client_id = "test-kconn";
	c->timeout_ms = 2000;
	c->sasl_mech = mech;
	c->sasl_user = user;
	c->sasl_password = password;
	err->code = 0;
	err->msg[0] = '\0';
	if ((rc = fl_kconn_ensure(c, err)) != 0)
		return rc;
	h = fl_kconn_hdr(c, FL_KC_METADATA);
	fl_wr_reset(&c->w);
	FL_ASSERT(fl_kc_metadata_req_encode(&c->w, &h,
	    &(struct fl_kc_metadata_req){ NULL, 0, 0 }) == 0);
	return fl_kconn_call(c, &h, 1, 2000, err);
}

/* The secret appears nowhere in the connection's buffers. */
static int
no_secret(const struct fl_kconn *c, const char *secret)
{
	size_t n = strlen(secret);

	return (c->w.p == NULL || memmem(c->w.p, c->w.cap, secret, n) == NULL) &&
	    (c->resp == NULL || memmem(c->resp, c->resp_cap, secret, n) == NULL);
}

static void
test_scram_fake(void)
{
	struct scram_srv s;
	char out[512];
	static const char first[] = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
	static const char final[] = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";

	/* RFC 7677 section 3: the fake server must say exactly this */
	CHECK(scram_srv_first(&s, FL_SCRAM_SHA256, "pencil", first, strlen(first),
	    "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0", out, sizeof(out)) == 0 &&
	    strcmp(out, "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
	    "s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") == 0,
	    "fake SCRAM server: RFC 7677's server-first");
	CHECK(scram_srv_final(&s, final, strlen(final), out, sizeof(out)) == 0 &&
	    strcmp(out, "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=") == 0,
	    "fake SCRAM server: RFC 7677's proof accepted, its server-final");
	{
		char bad[sizeof(final)];

		memcpy(bad, final, sizeof(final));
		bad[sizeof(final) - 5] ^= 1;
		CHECK(scram_srv_final(&s, bad, strlen(bad), out, sizeof(out)) == -1,
		    "fake SCRAM server: a changed proof refused");
	}
}

static void
test_sasl_ok(void)
{
	static const struct { enum sasl_script script; enum fl_sasl_mech mech; const char *name; }
	    ok[] = {
		{ SS_PLAIN, FL_SASL_PLAIN, "PLAIN" },
		{ SS_SCRAM256, FL_SASL_SCRAM_SHA256, "SCRAM-SHA-256" },
		{ SS_SCRAM512, FL_SASL_SCRAM_SHA512, "SCRAM-SHA-512" },
	};
	struct sasl_broker b;
	struct fl_kconn c;
	struct fl_err err;
	char what[160];
	size_t i;
	int rc;

	for (i = 0; i < FL_ARRAY_LEN(ok); i++) {
		sasl_broker_start(&b, ok[i].script, 1);
		rc = sasl_call(&c, &b, ok[i].mech, "user", "pencil", &err);
		snprintf(what, sizeof(what), "%s: authenticated, then Metadata answered", ok[i].name);
		CHECK_INT(rc, ==, 0, what);
		if (rc != 0)
			printf("#   %s\n", err.msg);
		fl_kconn_close(&c);
		sasl_broker_join(&b);
		snprintf(what, sizeof(what), "%s: ApiVersions, SaslHandshake v1 \"%s\", then "
		    "SaslAuthenticate v1 %s", ok[i].name, ok[i].name,
		    i == 0 ? "once" : "twice");
		CHECK(b.first_key == FL_KC_SASL_HANDSHAKE && b.nhandshakes == 1 &&
		    b.hs_version == 1 && strcmp(b.mech, ok[i].name) == 0 &&
		    b.auth_version == 1 && b.nauths == (i == 0 ? 1 : 2) && b.nafter == 1 &&
		    !b.is_early, what);
		snprintf(what, sizeof(what), "%s: session lifetime recorded, password in no "
		    "buffer", ok[i].name);
		CHECK(c.sasl_session_lifetime_ms == 3600000 && no_secret(&c, "pencil"), what);
		fl_kconn_free(&c);
	}
	sasl_broker_start(&b, SS_PLAIN, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	fl_kconn_free(&c);
	sasl_broker_join(&b);
	CHECK(rc == 0 && b.plain_len == 12 && memcmp(b.plain, "\0user\0pencil", 12) == 0,
	    "PLAIN token: empty authzid, NUL, user, NUL, password");

	/* a broker offering SaslAuthenticate v0 only gets v0 */
	sasl_broker_start(&b, SS_AUTH_V0, 1);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA256, "user", "pencil", &err);
	fl_kconn_free(&c);
	sasl_broker_join(&b);
	CHECK(rc == 0 && b.auth_version == 0 && b.hs_version == 1 &&
	    c.sasl_session_lifetime_ms == 0,
	    "SaslAuthenticate 0-0 offered: v0 used, handshake still v1, no lifetime");

	/* every new connection authenticates again */
	sasl_broker_start(&b, SS_SCRAM256, 2);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA256, "user", "pencil", &err);
	fl_kconn_close(&c);
	if (rc == 0)
		rc = fl_kconn_ensure(&c, &err);
	fl_kconn_free(&c);
	sasl_broker_join(&b);
	CHECK(rc == 0 && b.nhandshakes == 2 && b.nauths == 4,
	    "a reconnect authenticates afresh (two handshakes, four tokens)");

	/* no SASL settings: nothing SASL is sent, even to a SASL listener */
	sasl_broker_start(&b, SS_PLAIN, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, NULL, NULL, &err);
	fl_kconn_free(&c);
	sasl_broker_join(&b);
	CHECK(rc != 0 && b.nhandshakes == 0 && b.is_early && b.first_key == FL_KC_METADATA,
	    "sasl_user NULL: no handshake (a SASL listener then hangs up)");
}

/* rc, c closed, and err.msg starting with want (NULL: any). */
static void
check_fail(int rc, int want_rc, const struct fl_kconn *c, const struct fl_err *err,
    const char *want, const char *what)
{
	int ok = rc == want_rc && c->fd == -1 && err->code == want_rc &&
	    (want == NULL || strstr(err->msg, want) != NULL);

	if (!tap_ok(ok, __FILE__, __LINE__, what))
		printf("#   rc %d (want %d), fd %d, msg \"%s\" (want \"%s\")\n", rc, want_rc,
		    c->fd, err->msg, want != NULL ? want : "");
}

static void
test_sasl_refused(void)
{
	struct sasl_broker b;
	struct fl_kconn c;
	struct fl_err err;
	int rc;

	sasl_broker_start(&b, SS_PLAIN, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "wrong", &err);
	check_fail(rc, FL_EAUTH, &c, &err,
	    "SASL authentication failed: Authentication failed: Invalid username or password",
	    "PLAIN, wrong password: FL_EAUTH with the broker's message, closed");
	CHECK(no_secret(&c, "wrong"), "the wrong password is in no buffer either");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_SCRAM256, 1);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA256, "user", "pencil!", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "SASL authentication failed: Authentication failed "
	    "during authentication", "SCRAM-SHA-256, wrong password: FL_EAUTH at client-final");
	CHECK(b.nauths == 2 && !b.is_early, "wrong password: refused at the second token");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_SCRAM512, 1);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA512, "nobody", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "SASL authentication failed: ",
	    "SCRAM-SHA-512, unknown user: FL_EAUTH at client-first");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_NO_SASL, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "the broker offers no SASL authentication",
	    "a plain listener: FL_EAUTH, and no handshake sent");
	CHECK(b.nhandshakes == 0 && b.first_key == -1, "nothing after ApiVersions");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_MECH_33, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err,
	    "SASL mechanism PLAIN is not enabled on the broker (it offers: SCRAM-SHA-512)",
	    "UNSUPPORTED_SASL_MECHANISM: FL_EAUTH naming what the broker offers");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_BAD_SIG, 1);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA256, "user", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "signature is wrong",
	    "a server-final signature that does not match: FL_EAUTH (an impostor)");
	CHECK(b.nafter == 0, "nothing sent to a broker that failed to prove itself");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_E_FINAL, 1);
	rc = sasl_call(&c, &b, FL_SASL_SCRAM_SHA256, "user", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "SASL authentication failed: invalid-proof",
	    "server-final e=invalid-proof: FL_EAUTH with SCRAM's reason");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_HOSTILE_MSG, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EAUTH, &c, &err, "SASL authentication failed: bad??[31mpassword",
	    "the broker's message is cleaned: no newline or escape reaches err");
	fl_kconn_free(&c);
	sasl_broker_join(&b);
}

static void
test_sasl_protocol(void)
{
	struct sasl_broker b;
	struct fl_kconn c;
	struct fl_err err;
	int rc;

	sasl_broker_start(&b, SS_STATE_34, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EPROTO, &c, &err, "SaslHandshake refused: ILLEGAL_SASL_STATE (error 34)",
	    "SaslHandshake ILLEGAL_SASL_STATE: FL_EPROTO, code named");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_AUTH_34, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EPROTO, &c, &err,
	    "SaslAuthenticate refused: ILLEGAL_SASL_STATE (error 34): out of order",
	    "SaslAuthenticate ILLEGAL_SASL_STATE: FL_EPROTO with the broker's message");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_GARBAGE, 1);
	rc = sasl_call(&c, &b, FL_SASL_PLAIN, "user", "pencil", &err);
	check_fail(rc, FL_EPROTO, &c, &err, "malformed SaslAuthenticate response",
	    "an undecodable SaslAuthenticate answer: FL_EPROTO, closed");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	sasl_broker_start(&b, SS_SILENT, 1);
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", b.port) == 0);
	c.timeout_ms = 200;
	c.sasl_user = "user";
	c.sasl_password = "pencil";
	rc = fl_kconn_ensure(&c, &err);
	CHECK(rc == FL_ESYS && errno == ETIMEDOUT && c.fd == -1,
	    "a broker silent during SASL: ETIMEDOUT within the timeout, closed");
	fl_kconn_free(&c);
	sasl_broker_join(&b);

	/* settings that cannot work: FL_EINVAL before any connect */
	FL_ASSERT(fl_kconn_init(&c, "127.0.0.1", "1") == 0);
	c.sasl_user = "";
	rc = fl_kconn_ensure(&c, &err);
	CHECK(rc == FL_EINVAL && c.fd == -1 && strstr(err.msg, "SASL user empty") != NULL,
	    "an empty SASL user: FL_EINVAL, no connect attempted (port 1 would refuse)");
	c.sasl_user = "user";
	c.sasl_mech = (enum fl_sasl_mech)7;
	rc = fl_kconn_ensure(&c, &err);
	CHECK(rc == FL_EINVAL && strstr(err.msg, "unknown SASL mechanism") != NULL,
	    "an unknown mechanism: FL_EINVAL");
	CHECK_INT(fl_kconn_authenticate(&c, &err), ==, FL_EINVAL,
	    "authenticate on a closed connection: FL_EINVAL");
	c.sasl_user = NULL;
	CHECK_INT(fl_kconn_authenticate(&c, &err), ==, 0, "authenticate without sasl_user: 0");
	fl_kconn_free(&c);
	CHECK(strcmp(fl_strerror(FL_EAUTH), "authentication failed") == 0, "FL_EAUTH's text");
}

int
main(void)
{
	FL_ASSERT(fl_csum_init() == 0);
	test_connect();
	test_normal();
	test_negotiation();
	test_failures();
	test_stop_and_abort();
	test_scram_fake();
	test_sasl_ok();
	test_sasl_refused();
	test_sasl_protocol();
	return tap_done();
}
