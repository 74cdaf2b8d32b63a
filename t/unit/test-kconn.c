/*
 * test-kconn: the blocking Kafka connection against scripted fake brokers
 * on 127.0.0.1 (one thread each): negotiation and its step-down, one
 * request/response, and every way an exchange can fail: refused, timed
 * out, peer closed, wrong correlation id, bad frame size, stop flag, abort
 * fd.  Each failure must close the connection and say why.
 */
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

#include "base/rd.h"
#include "codec/kclient.h"
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

int
main(void)
{
	test_connect();
	test_normal();
	test_negotiation();
	test_failures();
	test_stop_and_abort();
	return tap_done();
}
