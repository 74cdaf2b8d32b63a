/*
 * kconn.c: a blocking Kafka client connection (see kconn.h).  Every wait is
 * wait_fd(): poll() in slices of at most a second against an absolute
 * deadline.  Failures close the socket before returning, keeping errno.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "codec/kerr.h"
#include "os/clock.h"
#include "os/entropy.h"
#include "os/kconn.h"

/* A poll() slice: how late a stop flag set by a signal handler can be seen
 * when the signal lands between the check and the poll() call. */
#define SLICE_MS	1000


static int
copy_name(char *dst, size_t cap, const char *src)
{
	int n = snprintf(dst, cap, "%s", src != NULL ? src : "");

	return n < 0 || (size_t)n >= cap ? FL_ERANGE : 0;
}

int
fl_kconn_init(struct fl_kconn *c, const char *host, const char *port)
{
	size_t i;
	int rc;

	memset(c, 0, sizeof(*c));
	c->fd = -1;
	for (i = 0; i < FL_ARRAY_LEN(c->vers.v); i++)
		c->vers.v[i] = -1;
	fl_wr_init(&c->w, FL_KCONN_REQ_BYTES_MAX);
	c->timeout_ms = FL_KCONN_TIMEOUT_MS_DEFAULT;
	c->resp_bytes_max = FL_KC_FRAME_BYTES_MAX;
	c->abort_fd = -1;
	rc = copy_name(c->host, sizeof(c->host), host);
	if (copy_name(c->port, sizeof(c->port), port) != 0)
		rc = FL_ERANGE;
	return rc;
}

void
fl_kconn_close(struct fl_kconn *c)
{
	int e = errno;

	if (c->is_open)
		close(c->fd);
	c->fd = -1;
	c->is_open = 0;
	errno = e;
}

void
fl_kconn_free(struct fl_kconn *c)
{
	fl_kconn_close(c);
	fl_wr_free(&c->w);
	free(c->resp);
	c->resp = NULL;
	c->resp_cap = c->resp_len = 0;
}

/*
 * Wait until fd has one of events or the wait must end.  0 when ready;
 * else FL_ESYS with errno ETIMEDOUT, EINTR (*stop), ECANCELED (abort fd)
 * or poll's own errno.
 */
static int
wait_fd(const struct fl_kconn *c, int fd, short events, int64_t deadline)
{
	for (;;) {
		struct pollfd pfd[2] = { { fd, events, 0 },
		    { c->abort_fd, c->abort_events, 0 } };
		nfds_t n = c->abort_fd >= 0 ? 2 : 1;
		int64_t left;
		int rc;

		if (c->stop != NULL && *c->stop) {
			errno = EINTR;
			return FL_ESYS;
		}
		left = deadline - fl_clock_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return FL_ESYS;
		}
		rc = poll(pfd, n, left > SLICE_MS ? SLICE_MS : (int)left);
		if (rc < 0 && errno != EINTR)
			return FL_ESYS;
		if (n == 2 && (pfd[1].revents & (c->abort_events | POLLERR | POLLHUP))) {
			errno = ECANCELED;
			return FL_ESYS;
		}
		if (rc > 0 && pfd[0].revents != 0)
			return 0;
	}
}

/* A wait_fd() failure during a call: close and say why. */
static int
wait_failed(struct fl_kconn *c, struct fl_err *err, const char *timeout_msg)
{
	int e = errno;

	fl_kconn_close(c);
	switch (e) {
	case ETIMEDOUT:
		return fl_err_set(err, FL_ESYS, "%s", timeout_msg);
	case EINTR:
		return fl_err_set(err, FL_ESYS, "interrupted");
	case ECANCELED:
		return fl_err_set(err, FL_ESYS, "cancelled (abort fd)");
	default:
		return fl_err_set(err, FL_ESYS, "poll: %s", strerror(e));
	}
}

/* A send/recv failure (errno set): close and say "what: strerror". */
static int
broken(struct fl_kconn *c, struct fl_err *err, const char *what)
{
	int e = errno;

	fl_kconn_close(c);
	return fl_err_set(err, FL_ESYS, "%s: %s", what, strerror(e));
}

/* ---- connecting ---- */

/* One address: 0 with c->fd set, or FL_ESYS with errno. */
static int
connect_one(struct fl_kconn *c, const struct addrinfo *ai, int64_t deadline)
{
	int fd, one = 1, so_err = 0, e;
	socklen_t len = sizeof(so_err);

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    ai->ai_protocol);
	if (fd < 0)
		return FL_ESYS;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0 && errno != EINPROGRESS)
		goto fail;
	if (wait_fd(c, fd, POLLOUT, deadline) != 0)
		goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_err, &len) != 0)
		goto fail;
	if (so_err != 0) {
		errno = so_err;
		goto fail;
	}
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	c->is_open = 1;
	return 0;
fail:
	e = errno;
	close(fd);
	errno = e;
	return FL_ESYS;
}

int
fl_kconn_open(struct fl_kconn *c, struct fl_err *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	int64_t deadline = fl_clock_ms() + c->timeout_ms;
	int rc, e = ECONNREFUSED;

	if (c->is_open)
		return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(c->host, c->port, &hints, &res);
	if (rc != 0)
		return fl_err_set(err, FL_ENOENT, "%s", gai_strerror(rc));
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if (connect_one(c, ai, deadline) == 0)
			break;
		e = errno != 0 ? errno : ECONNREFUSED;
		if (e == EINTR || e == ECANCELED)
			break;		/* the caller wants out, not the next address */
	}
	freeaddrinfo(res);
	if (c->is_open)
		return 0;
	errno = e;
	return fl_err_set(err, FL_ESYS, "%s", strerror(e));
}

int
fl_kconn_negotiate(struct fl_kconn *c, struct fl_err *err)
{
	int16_t version = fl_kc_api_max(FL_KC_API_VERSIONS);
	int attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		struct fl_kc_api_versions_resp r;
		struct fl_arena a = FL_KC_ARENA_INIT;
		struct fl_kc_hdr h;
		int rc;

		c->vers.v[FL_KC_API_VERSIONS] = version;
		h = fl_kconn_hdr(c, FL_KC_API_VERSIONS);
		fl_wr_reset(&c->w);
		(void)fl_kc_api_versions_req_encode(&c->w, &h);
		if ((rc = fl_kconn_call(c, &h, 1, c->timeout_ms, err)) != 0)
			return rc;
		rc = fl_kc_api_versions_resp_decode(c->resp, c->resp_len, version, &a, &r);
		if (rc != 0) {
			fl_arena_free(&a);
			fl_kconn_close(c);
			return fl_err_set(err, FL_EPROTO, "malformed ApiVersions response: %s",
			    fl_strerror(rc));
		}
		fl_kc_negotiate(&r, &c->vers);
		fl_arena_free(&a);
		if (r.error == FL_KERR_NONE)
			return 0;
		/* a v0 answer listing the range it takes (section 3): once more */
		if (r.error != FL_KERR_UNSUPPORTED_VERSION ||
		    c->vers.v[FL_KC_API_VERSIONS] < 0 ||
		    c->vers.v[FL_KC_API_VERSIONS] >= version)
			break;
		version = c->vers.v[FL_KC_API_VERSIONS];
	}
	fl_kconn_close(c);
	return fl_err_set(err, FL_ERANGE, "ApiVersions failed");
}

/* ---- SASL ---- */

/*
 * SCRAM's client nonce: 24 random bytes as base64 (ORIGINAL: printable,
 * no ',', as RFC 5802 wants), 32 characters, 144 bits.
 */
#define NONCE_BYTES	24

/* The SASL state set up from c's settings: 0 or FL_EINVAL (cli wiped). */
static int
sasl_init(const struct fl_kconn *c, struct fl_sasl_cli *cli, struct fl_err *err)
{
	const char *pw = c->sasl_password != NULL ? c->sasl_password : "";

	if ((unsigned)c->sasl_mech >= FL_SASL_NMECH) {
		memset(cli, 0, sizeof(*cli));
		return fl_err_set(err, FL_EINVAL, "unknown SASL mechanism %d",
		    (int)c->sasl_mech);
	}
	if (fl_sasl_cli_init(cli, c->sasl_mech, c->sasl_user, pw) != 0) {
		fl_sasl_cli_wipe(cli);
		return fl_err_set(err, FL_EINVAL, "SASL user empty or longer than %d bytes, "
		    "or password longer than %d bytes", FL_SASL_USER_MAX,
		    FL_SASL_PASSWORD_MAX);
	}
	return 0;
}

/*
 * A peer's text for a one-line message: at most 160 bytes, anything but
 * printable ASCII shown as '?', so a hostile broker cannot write escapes
 * or line breaks into our log.
 */
static void
peer_text(char *out, size_t cap, struct fl_slice s, const char *if_null)
{
	size_t i, n;

	if (s.p == NULL || s.len == 0) {
		snprintf(out, cap, "%s", if_null);
		return;
	}
	n = s.len < 160 ? s.len : 160;
	if (n > cap - 1)
		n = cap - 1;
	for (i = 0; i < n; i++)
		out[i] = s.p[i] >= 0x20 && s.p[i] < 0x7f ? (char)s.p[i] : '?';
	out[n] = '\0';
}

/* Close and fail with code and message (the SASL state is the caller's to wipe). */
static int sasl_failed(struct fl_kconn *c, struct fl_err *err, int code,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int
sasl_failed(struct fl_kconn *c, struct fl_err *err, int code, const char *fmt, ...)
{
	va_list ap;

	fl_kconn_close(c);
	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* SaslHandshake v1 with our mechanism: 0, or c closed and an error. */
static int
sasl_handshake(struct fl_kconn *c, const char *mech, struct fl_err *err)
{
	struct fl_kc_sasl_handshake_req req = { mech };
	struct fl_kc_sasl_handshake_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	char list[160], name[40];
	size_t i, k = 0;
	int rc;

	/* v1 always (the caller checked the broker offers it): v0 would mean
	 * raw tokens outside Kafka's framing */
	h = fl_kconn_hdr(c, FL_KC_SASL_HANDSHAKE);
	h.version = 1;
	fl_wr_reset(&c->w);
	(void)fl_kc_sasl_handshake_req_encode(&c->w, &h, &req);
	if ((rc = fl_kconn_call(c, &h, 1, c->timeout_ms, err)) != 0)
		return rc;
	rc = fl_kc_sasl_handshake_resp_decode(c->resp, c->resp_len, 1, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		return sasl_failed(c, err, FL_EPROTO, "malformed SaslHandshake response: %s",
		    fl_strerror(rc));
	}
	if (r.error == FL_KERR_NONE) {
		fl_arena_free(&a);
		return 0;
	}
	list[0] = '\0';
	for (i = 0; i < r.nmechanisms && k < sizeof(list); i++) {
		int n;

		peer_text(name, sizeof(name), r.mechanisms[i], "");
		n = snprintf(list + k, sizeof(list) - k, "%s%s", i > 0 ? ", " : "", name);
		k += n > 0 ? (size_t)n : 0;
	}
	fl_arena_free(&a);
	if (r.error == FL_KERR_UNSUPPORTED_SASL_MECHANISM)
		return sasl_failed(c, err, FL_EAUTH,
		    "SASL mechanism %s is not enabled on the broker (it offers: %s)", mech,
		    r.nmechanisms > 0 ? list : "none");
	return sasl_failed(c, err, FL_EPROTO, "SaslHandshake refused: %s (error %d)",
	    fl_kerr_name(r.error), (int)r.error);
}

/*
 * One SaslAuthenticate round trip: send tok[0..n) in a request buffer of
 * our own (wiped after, since a PLAIN token is the password), leave the
 * broker's answer decoded in *r (borrowing c->resp).  0, or c closed and an
 * error: FL_EAUTH for SASL_AUTHENTICATION_FAILED, FL_EPROTO for any other
 * error code or an undecodable answer, or a call error.
 */
static int
sasl_round(struct fl_kconn *c, int16_t version, const uint8_t *tok, size_t n,
    struct fl_kc_sasl_authenticate_resp *r, struct fl_err *err)
{
	struct fl_kc_sasl_authenticate_req req = { { tok, n } };
	size_t cap = n + 64 + (c->client_id != NULL ? strlen(c->client_id) : 0);
	uint8_t *buf = malloc(cap);
	struct fl_wr saved = c->w;
	struct fl_kc_hdr h;
	char msg[168];
	int rc;

	if (buf == NULL) {
		fl_kconn_close(c);
		return fl_err_set(err, FL_ENOMEM, "out of memory for a SASL token");
	}
	h = fl_kconn_hdr(c, FL_KC_SASL_AUTHENTICATE);
	h.version = version;
	fl_wr_init_fixed(&c->w, buf, cap);
	(void)fl_kc_sasl_authenticate_req_encode(&c->w, &h, &req);
	rc = fl_kconn_call(c, &h, 1, c->timeout_ms, err);
	c->w = saved;
	sodium_memzero(buf, cap);
	free(buf);
	if (rc != 0) {
		fl_kconn_close(c);	/* FL_EINVAL (encoding) leaves it open */
		return rc;
	}
	rc = fl_kc_sasl_authenticate_resp_decode(c->resp, c->resp_len, version, r);
	if (rc != 0)
		return sasl_failed(c, err, FL_EPROTO, "malformed SaslAuthenticate response: %s",
		    fl_strerror(rc));
	if (r->error == FL_KERR_NONE)
		return 0;
	if (r->error == FL_KERR_SASL_AUTHENTICATION_FAILED) {
		peer_text(msg, sizeof(msg), r->error_message, "no reason given");
		return sasl_failed(c, err, FL_EAUTH, "SASL authentication failed: %s", msg);
	}
	peer_text(msg, sizeof(msg), r->error_message, "no message");
	return sasl_failed(c, err, FL_EPROTO, "SaslAuthenticate refused: %s (error %d): %s",
	    fl_kerr_name(r->error), (int)r->error, msg);
}

/* The exchange proper, with cli set up; closes c on failure. */
static int
sasl_exchange(struct fl_kconn *c, struct fl_sasl_cli *cli, uint8_t *tok,
    size_t tok_cap, struct fl_err *err)
{
	int16_t av = c->vers.v[FL_KC_SASL_AUTHENTICATE];
	const char *mech = fl_sasl_mech_name(c->sasl_mech);
	uint8_t rnd[NONCE_BYTES];
	char nonce[sodium_base64_ENCODED_LEN(NONCE_BYTES, sodium_base64_VARIANT_ORIGINAL)];
	struct fl_err why = { 0, "" };
	size_t n;
	int rc, round;

	if (c->vers.v[FL_KC_SASL_HANDSHAKE] < 1 || av < 0)
		return sasl_failed(c, err, FL_EAUTH, "the broker offers no SASL authentication "
		    "(no SaslHandshake v1 and SaslAuthenticate in its ApiVersions)");
	if ((rc = sasl_handshake(c, mech, err)) != 0)
		return rc;
	fl_random_bytes(rnd, sizeof(rnd));
	sodium_bin2base64(nonce, sizeof(nonce), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_ORIGINAL);
	if (fl_sasl_cli_first(cli, nonce, tok, tok_cap, &n) != 0)
		return sasl_failed(c, err, FL_EINVAL, "SASL %s: first token too long", mech);
	for (round = 0; round < FL_KCONN_SASL_ROUNDS_MAX; round++) {
		struct fl_kc_sasl_authenticate_resp r;
		char msg[168];

		rc = sasl_round(c, av, tok, n, &r, err);
		sodium_memzero(tok, n);
		if (rc != 0)
			return rc;
		/* a server-final "e=..." is a refusal, said in SCRAM's words */
		if (r.auth_bytes.len >= 2 && r.auth_bytes.p[0] == 'e' && r.auth_bytes.p[1] == '=') {
			peer_text(msg, sizeof(msg), (struct fl_slice){ r.auth_bytes.p + 2,
			    r.auth_bytes.len - 2 }, "no reason given");
			return sasl_failed(c, err, FL_EAUTH, "SASL authentication failed: %s", msg);
		}
		rc = fl_sasl_cli_step(cli, r.auth_bytes.p, r.auth_bytes.len, tok, tok_cap, &n,
		    &why);
		if (rc == FL_SASL_DONE) {
			c->sasl_session_lifetime_ms = r.session_lifetime_ms;
			return 0;
		}
		if (rc == FL_ERANGE)
			return sasl_failed(c, err, FL_EAUTH, "SASL authentication failed: the "
			    "broker's %s signature is wrong (it does not know this password): %s",
			    mech, why.msg);
		if (rc < 0)
			return sasl_failed(c, err, FL_EPROTO, "SASL %s: %s", mech, why.msg);
		/* FL_SASL_CONTINUE: send the next token */
	}
	return sasl_failed(c, err, FL_EPROTO, "SASL %s: not done after %d round trips", mech,
	    FL_KCONN_SASL_ROUNDS_MAX);
}

int
fl_kconn_authenticate(struct fl_kconn *c, struct fl_err *err)
{
	struct fl_sasl_cli cli;
	uint8_t tok[FL_SASL_TOKEN_MAX];
	int rc;

	if (c->sasl_user == NULL)
		return 0;
	if (!c->is_open)
		return fl_err_set(err, FL_EINVAL, "not connected");
	c->sasl_session_lifetime_ms = 0;
	if ((rc = sasl_init(c, &cli, err)) != 0) {
		fl_kconn_close(c);
		return rc;
	}
	rc = sasl_exchange(c, &cli, tok, sizeof(tok), err);
	fl_sasl_cli_wipe(&cli);
	sodium_memzero(tok, sizeof(tok));
	return rc;
}

int
fl_kconn_ensure(struct fl_kconn *c, struct fl_err *err)
{
	int rc;

	if (c->is_open)
		return 0;
	if (c->sasl_user != NULL) {
		struct fl_sasl_cli cli;

		/* settings that can never work fail before any connect */
		if ((rc = sasl_init(c, &cli, err)) != 0)
			return rc;
		fl_sasl_cli_wipe(&cli);
	}
	if ((rc = fl_kconn_open(c, err)) != 0)
		return rc;
	if ((rc = fl_kconn_negotiate(c, err)) != 0)
		return rc;
	return fl_kconn_authenticate(c, err);
}

/* ---- requests ---- */

struct fl_kc_hdr
fl_kconn_hdr(struct fl_kconn *c, int16_t api)
{
	struct fl_kc_hdr h;

	c->corr = c->corr == INT32_MAX ? 1 : c->corr + 1;
	h.version = api >= 0 && api <= FL_KC_API_KEY_MAX ? c->vers.v[api] : -1;
	h.corr = c->corr;
	h.client_id = c->client_id;
	return h;
}

static int
read_full(struct fl_kconn *c, uint8_t *buf, size_t n, int64_t deadline,
    struct fl_err *err)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(c->fd, buf + got, n - got, 0);

		if (k > 0) {
			got += (size_t)k;
			continue;
		}
		if (k == 0) {
			errno = ECONNRESET;
			return broken(c, err, "connection closed by broker");
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return broken(c, err, "receive failed");
		if (wait_fd(c, c->fd, POLLIN, deadline) != 0)
			return wait_failed(c, err, "timed out waiting for a response");
	}
	return 0;
}

int
fl_kconn_call(struct fl_kconn *c, const struct fl_kc_hdr *h, int is_resp_wanted,
    int64_t timeout_ms, struct fl_err *err)
{
	int64_t deadline = fl_clock_ms() + timeout_ms;
	size_t sent = 0, size;
	uint8_t pre[4];
	int32_t corr;
	int rc;

	if (!c->is_open)
		return fl_err_set(err, FL_EINVAL, "not connected");
	if (c->w.err != 0)
		return fl_err_set(err, FL_EINVAL, "request not encoded: %s",
		    fl_strerror(c->w.err));
	while (sent < c->w.len) {
		ssize_t k = send(c->fd, c->w.p + sent, c->w.len - sent, MSG_NOSIGNAL);

		if (k >= 0) {
			sent += (size_t)k;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return broken(c, err, "send failed");
		if (wait_fd(c, c->fd, POLLOUT, deadline) != 0)
			return wait_failed(c, err, "timed out sending a request");
	}
	if (!is_resp_wanted)
		return 0;
	if ((rc = read_full(c, pre, 4, deadline, err)) != 0)
		return rc;
	if (fl_kc_frame_size(pre, 4, c->resp_bytes_max, &size) != 0) {
		fl_kconn_close(c);
		return fl_err_set(err, FL_EPROTO, "bad response size %u",
		    (unsigned)fl_load_be32(pre));
	}
	if (size > c->resp_cap) {
		uint8_t *p = realloc(c->resp, size);

		if (p == NULL) {
			fl_kconn_close(c);
			return fl_err_set(err, FL_ENOMEM, "out of memory for a %zu-byte response",
			    size);
		}
		c->resp = p;
		c->resp_cap = size;
	}
	c->resp_len = 0;
	if ((rc = read_full(c, c->resp, size, deadline, err)) != 0)
		return rc;
	c->resp_len = size;
	(void)fl_kc_resp_corr(c->resp, size, &corr);
	if (corr != h->corr) {
		fl_kconn_close(c);
		return fl_err_set(err, FL_EPROTO, "response for correlation id %d, expected %d",
		    (int)corr, (int)h->corr);
	}
	return 0;
}

int
fl_kconn_drain_close(struct fl_kconn *c)
{
	int64_t deadline = fl_clock_ms() + c->timeout_ms;
	uint8_t buf[512];
	int rc = FL_ESYS;

	if (!c->is_open)
		return 0;
	/*
	 * Requests are handled in order, so the broker sees our EOF only
	 * after everything we sent: when it closes too, it has handled it.
	 */
	if (shutdown(c->fd, SHUT_WR) == 0) {
		for (;;) {
			ssize_t k = recv(c->fd, buf, sizeof(buf), 0);

			if (k == 0) {
				rc = 0;
				break;
			}
			if (k > 0 || errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				break;
			if (wait_fd(c, c->fd, POLLIN, deadline) != 0)
				break;
		}
	}
	fl_kconn_close(c);
	return rc;
}
