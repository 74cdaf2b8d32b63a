/*
 * auth.c: SASL on the Kafka listener (--sasl) and the ACLs of its
 * principals.  The exchange itself is sm/sasl.h, the users file and the
 * authorization rule codec/creds.h; this file wires them to connections:
 *
 *   - before a connection authenticates it may send only ApiVersions,
 *     SaslHandshake and SaslAuthenticate (anything else closes it), in
 *     frames of at most AUTH_FRAME_BYTES_MAX (Kafka's
 *     sasl.server.max.receive.size);
 *   - SaslHandshake v1 → SaslAuthenticate tokens; v0 → raw tokens framed
 *     only by a size (Kafka's pre-KIP-152 form);
 *   - a failure is answered (58, or 33/34) and the connection closed
 *     after the answer is sent;
 *   - the users file is re-read when it changes (checked at most every
 *     AUTH_RECHECK_MS and before every authentication); a principal that
 *     is no longer a user loses its connections; a damaged file refuses
 *     every authentication and every request until it is fixed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/rd.h"
#include "codec/creds.h"
#include "os/diag.h"
#include "os/entropy.h"
#include "sm/sasl.h"
#include "store/credstore.h"
#include "serve.h"

#define AUTH_FRAME_BYTES_MAX (512u << 10)
#define AUTH_RECHECK_MS 1000
#define AUTH_DENY_LOG_MS 1000		/* one denial line per connection per second */

struct conn_auth {
	struct fl_sasl_srv srv;
	int stage;			/* AUTH_* below */
	char principal[FL_CREDS_NAME_MAX + 1];
	int64_t deny_logged_ms;
	uint64_t deny_quiet;		/* denials not logged since */
};

enum { AUTH_NONE = 0, AUTH_TOKENS, AUTH_RAW, AUTH_DONE };

/* ---- the users file ---- */

/* Close the connections of principals that are no longer users. */
static void
drop_gone(struct broker *b)
{
	size_t i = 0;

	while (i < b->nlive) {
		struct conn *c = b->live[i];

		if (c->auth != NULL && c->auth->stage == AUTH_DONE &&
		    (b->auth.is_damaged ||
		    fl_creds_find(&b->auth.creds, c->auth->principal) == NULL)) {
			fl_log(FL_LOG_INFO, "closing connection from %s: user %s was removed",
			    c->peer, c->auth->principal);
			conn_close(b, c, NULL);	/* moves the last live one to i */
			continue;
		}
		i++;
	}
}

int
auth_reload(struct broker *b, int force)
{
	struct users_stamp now;
	struct fl_creds c;
	struct fl_err err = { 0 };
	char path[SERVE_PATH_MAX + 16];
	int rc;

	snprintf(path, sizeof(path), "%s/%s", b->cfg->data_dir, FL_CREDS_FILE);
	if (users_stamp(b->cfg->data_dir, &now) != 0) {
		/* cannot even stat it: keep what we have, say so once a check */
		fl_log(FL_LOG_WARN, "%s: %s", path, strerror(errno));
		return FL_ESYS;
	}
	if (!force && b->auth.is_loaded && users_stamp_same(&now, &b->auth.stamp))
		return 0;
	fl_creds_init(&c);
	rc = now.exists ? fl_credstore_load(b->vfs, b->cfg->data_dir, &c, &err) : 0;
	b->auth.stamp = now;
	b->auth.is_loaded = 1;
	if (rc != 0) {
		fl_creds_free(&c);
		if (!b->auth.is_damaged)
			fl_log(FL_LOG_ERROR, "%s; refusing every authentication until "
			    "it is repaired", err.msg);
		b->auth.is_damaged = 1;
		b->auth.is_changed = 1;
		return rc;
	}
	fl_creds_free(&b->auth.creds);
	b->auth.creds = c;
	if (b->auth.is_damaged)
		fl_log(FL_LOG_INFO, "%s readable again", path);
	b->auth.is_damaged = 0;
	b->auth.is_changed = 1;
	fl_log(FL_LOG_DEBUG, "%s: %zu users, %zu acl lines", path, c.nusers, c.nacls);
	return 0;
}

void
auth_tick(struct broker *b)
{
	if (b->now_ms < b->auth.next_check_ms)
		return;
	b->auth.next_check_ms = b->now_ms + AUTH_RECHECK_MS;
	(void)auth_reload(b, 0);
	if (b->auth.is_changed) {
		/* here, between connections' turns: closing others is safe */
		b->auth.is_changed = 0;
		drop_gone(b);
	}
}

void
auth_close(struct broker *b)
{
	fl_creds_free(&b->auth.creds);
}

/* ---- connections ---- */

int
auth_is_done(const struct broker *b, const struct conn *c)
{
	return !b->cfg->sasl || (c->auth != NULL && c->auth->stage == AUTH_DONE);
}

int
auth_is_raw(const struct conn *c)
{
	return c->auth != NULL && c->auth->stage == AUTH_RAW;
}

uint64_t
auth_frame_max(const struct broker *b, const struct conn *c)
{
	if (auth_is_done(b, c) || b->cfg->request_bytes_max < AUTH_FRAME_BYTES_MAX)
		return b->cfg->request_bytes_max;
	return AUTH_FRAME_BYTES_MAX;
}

const char *
auth_principal(const struct conn *c)
{
	return c->auth != NULL && c->auth->stage == AUTH_DONE ? c->auth->principal : NULL;
}

void
auth_conn_closed(struct conn *c)
{
	if (c->auth == NULL)
		return;
	fl_sasl_srv_wipe(&c->auth->srv);
	sodium_memzero(c->auth, sizeof(*c->auth));
	free(c->auth);
	c->auth = NULL;
}

int
auth_allowed_before(int16_t api_key)
{
	return api_key == FL_KP_API_VERSIONS || api_key == FL_KP_SASL_HANDSHAKE ||
	    api_key == FL_KP_SASL_AUTHENTICATE;
}

/* ---- SaslHandshake ---- */

static unsigned
mechs_enabled(const struct broker *b)
{
	return b->cfg->sasl_mechs;
}

int
auth_handshake(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_slice *mech = &req->u.sasl_handshake.mechanism;
	struct fl_kp_sasl_handshake_resp resp;
	struct fl_slice names[FL_SASL_NMECH];
	size_t from, n = 0;
	int rc, m, fail = 0;

	memset(&resp, 0, sizeof(resp));
	for (m = 0; m < FL_SASL_NMECH; m++)
		if (mechs_enabled(b) & (1u << m))
			names[n++] = fl_kp_str(fl_sasl_mech_name((enum fl_sasl_mech)m));
	resp.mechanisms = names;
	resp.nmechanisms = n;
	if (c->auth == NULL && (c->auth = calloc(1, sizeof(*c->auth))) == NULL)
		return -1;
	if (c->auth->stage != AUTH_NONE || c->auth->srv.state != FL_SASL_S_MECH) {
		resp.error = FL_KERR_ILLEGAL_SASL_STATE;
		fail = 1;
		fl_log(FL_LOG_INFO, "closing connection from %s: SaslHandshake "
		    "again", c->peer);
	} else {
		rc = fl_sasl_srv_mech(&c->auth->srv, (const char *)mech->p, mech->len,
		    mechs_enabled(b));
		if (rc != 0) {
			resp.error = FL_KERR_UNSUPPORTED_SASL_MECHANISM;
			fail = 1;
			fl_log(FL_LOG_INFO, "closing connection from %s: SASL mechanism "
			    "%.*s is not enabled", c->peer, (int)(mech->len > 64 ? 64 :
			    mech->len), mech->p != NULL ? (const char *)mech->p : "");
			b->m.sasl_failed++;
		} else {
			c->auth->stage = req->hdr.api_version == 0 ? AUTH_RAW : AUTH_TOKENS;
		}
	}
	from = c->out.len;
	rc = fl_kp_sasl_handshake_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	rc = kafka_finish(b, c, from, rc, 0);
	if (rc == 0 && fail)
		c->is_closing = 1;	/* after the answer is sent */
	return rc;
}

/* ---- one token ---- */

/*
 * Run one token through the exchange: the reply in out, *done when
 * authenticated.  0, or -1 when refused (logged; the caller answers 58).
 */
static int
step(struct broker *b, struct conn *c, const uint8_t *in, size_t n,
    uint8_t *out, size_t *out_len, int *done)
{
	struct conn_auth *a = c->auth;
	struct fl_err why = { 0 };
	uint8_t rnd[18];
	char nonce[32];
	int rc;

	*done = 0;
	*out_len = 0;
	if (a->srv.state == FL_SASL_S_FIRST)
		(void)auth_reload(b, 0);	/* a change takes effect at once */
	if (b->auth.is_damaged) {
		fl_log(FL_LOG_WARN, "refusing authentication from %s: the users file "
		    "is damaged", c->peer);
		b->m.sasl_failed++;
		return -1;
	}
	fl_random_bytes(rnd, sizeof(rnd));
	sodium_bin2base64(nonce, sizeof(nonce), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_ORIGINAL);
	rc = fl_sasl_srv_step(&a->srv, in, n, nonce, fl_creds_lookup,
	    &b->auth.creds, out, FL_SASL_TOKEN_MAX, out_len, &why);
	if (rc < 0) {
		fl_log(FL_LOG_INFO, "authentication failed from %s (%s%s%s): %s",
		    c->peer, fl_sasl_mech_name(a->srv.mech),
		    a->srv.user[0] != '\0' ? ", user " : "", a->srv.user,
		    why.code != 0 ? why.msg : fl_strerror(rc));
		b->m.sasl_failed++;
		return -1;
	}
	if (rc == FL_SASL_DONE) {
		snprintf(a->principal, sizeof(a->principal), "%s", a->srv.user);
		a->stage = AUTH_DONE;
		*done = 1;
		b->m.sasl_ok++;
		fl_log(FL_LOG_DEBUG, "%s authenticated as %s (%s)", c->peer,
		    a->principal, fl_sasl_mech_name(a->srv.mech));
	}
	return 0;
}

int
auth_authenticate(struct broker *b, struct conn *c, struct fl_kp_req *req)
{
	const struct fl_slice *tok = &req->u.sasl_authenticate.auth_bytes;
	struct fl_kp_sasl_authenticate_resp resp;
	uint8_t out[FL_SASL_TOKEN_MAX];
	size_t from, out_len = 0;
	int rc, done, fail = 0;

	memset(&resp, 0, sizeof(resp));
	if (c->auth == NULL || c->auth->stage != AUTH_TOKENS) {
		resp.error = FL_KERR_ILLEGAL_SASL_STATE;
		resp.error_message = fl_kp_str(c->auth != NULL && c->auth->stage == AUTH_DONE ?
		    "already authenticated" : "SaslAuthenticate before SaslHandshake v1");
		fl_log(FL_LOG_INFO, "closing connection from %s: %s", c->peer,
		    (const char *)resp.error_message.p);
		fail = 1;
	} else if (step(b, c, tok->p, tok->len, out, &out_len, &done) != 0) {
		resp.error = FL_KERR_SASL_AUTHENTICATION_FAILED;
		resp.error_message = fl_kp_str(fl_sasl_srv_public_error());
		fail = 1;
	} else {
		resp.auth_bytes.p = out;
		resp.auth_bytes.len = out_len;
	}
	from = c->out.len;
	rc = fl_kp_sasl_authenticate_resp_encode(&c->out, req->hdr.api_version,
	    req->hdr.correlation_id, &resp);
	sodium_memzero(out, sizeof(out));
	rc = kafka_finish(b, c, from, rc, 0);
	if (rc == 0 && fail)
		c->is_closing = 1;
	return rc;
}

int
auth_raw_token(struct broker *b, struct conn *c, const uint8_t *p, size_t n)
{
	uint8_t out[FL_SASL_TOKEN_MAX];
	size_t out_len, from;
	int done;

	/* v0: a refusal has no words; Kafka closes the connection */
	if (step(b, c, p, n, out, &out_len, &done) != 0)
		return -1;
	(void)done;	/* success or not, Kafka sends the reply, empty or not */
	from = c->out.len;
	fl_wr_u32(&c->out, (uint32_t)out_len);
	fl_wr_raw(&c->out, out, out_len);
	sodium_memzero(out, sizeof(out));
	return kafka_finish(b, c, from, c->out.err, 0);
}

/* ---- authorization ---- */

static void
deny_log(struct broker *b, struct conn *c, const char *what, const char *type,
    const void *name, size_t len)
{
	struct conn_auth *a = c->auth;

	b->m.acl_denied++;
	if (a == NULL)
		return;
	if (b->now_ms - a->deny_logged_ms < AUTH_DENY_LOG_MS && a->deny_logged_ms != 0) {
		a->deny_quiet++;
		return;
	}
	fl_log(FL_LOG_INFO, "denied %s on %s%s%.*s to %s from %s%s", what, type,
	    len > 0 ? " " : "", (int)(len > 255 ? 255 : len),
	    name != NULL ? (const char *)name : "", a->principal, c->peer,
	    a->deny_quiet > 0 ? " (and earlier denials not logged)" : "");
	a->deny_logged_ms = b->now_ms;
	a->deny_quiet = 0;
}

static const char *
op_name(unsigned op)
{
	switch (op) {
	case FL_ACL_READ: return "read";
	case FL_ACL_WRITE: return "write";
	case FL_ACL_CREATE: return "create";
	case FL_ACL_DELETE: return "delete";
	default: return "describe";
	}
}

int
auth_may(struct broker *b, struct conn *c, unsigned op, enum fl_acl_type type,
    const void *name, size_t len)
{
	const char *who;
	int ok;

	if (!b->cfg->sasl)
		return 1;
	who = auth_principal(c);
	if (who == NULL || b->auth.is_damaged)
		ok = 0;
	else if (op == 0)
		ok = fl_creds_describes(&b->auth.creds, who, type, name, len);
	else
		ok = fl_creds_allows(&b->auth.creds, who, op, type, name, len);
	if (!ok)
		deny_log(b, c, op_name(op), fl_acl_type_name(type), name, len);
	return ok;
}

int
auth_may_quiet(struct broker *b, struct conn *c, unsigned op,
    enum fl_acl_type type, const void *name, size_t len)
{
	const char *who;

	if (!b->cfg->sasl)
		return 1;
	who = auth_principal(c);
	if (who == NULL || b->auth.is_damaged)
		return 0;
	return op == 0 ? fl_creds_describes(&b->auth.creds, who, type, name, len) :
	    fl_creds_allows(&b->auth.creds, who, op, type, name, len);
}

int
auth_super(struct broker *b, struct conn *c, const char *what)
{
	const char *who;

	if (!b->cfg->sasl)
		return 1;
	who = auth_principal(c);
	if (who != NULL && !b->auth.is_damaged && fl_creds_super(&b->auth.creds, who))
		return 1;
	deny_log(b, c, what, "cluster", "", 0);
	return 0;
}

int
auth_may_idempotent(struct broker *b, struct conn *c)
{
	const char *who;

	if (!b->cfg->sasl)
		return 1;
	who = auth_principal(c);
	if (who != NULL && !b->auth.is_damaged && fl_creds_writes_any(&b->auth.creds, who))
		return 1;
	deny_log(b, c, "idempotent write", "cluster", "", 0);
	return 0;
}
