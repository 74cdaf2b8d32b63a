/*
 * sasl.c: PLAIN and SCRAM for both ends, as small parsers and builders.
 *
 * Tokens are read as ','-separated fields (struct fields): a field ends
 * at ',' or at the token's end, so no parser can read past the bytes it
 * was given, and RFC 5802's attributes ("r=...") are checked one field at
 * a time.  Replies and AuthMessages are written through struct wr, whose
 * overflow is sticky: a builder appends freely and the caller looks once
 * at the end.
 *
 * What the server keeps between SCRAM's two steps is client-first-bare
 * "," server-first (auth_msg), the combined nonce and the exact GS2
 * header, so the final step checks c= and r= against what was really
 * said rather than against a re-encoding of it.
 */
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "base/csum.h"
#include "sm/sasl.h"

#define B64 sodium_base64_VARIANT_ORIGINAL
/* base64 text (with its NUL) of the longest binary we encode: a key or a salt */
#define B64_BIN_MAX FL_SCRAM_KEY_MAX
#define B64_TEXT_MAX sodium_base64_ENCODED_LEN(B64_BIN_MAX, B64)
/* a salt from a foreign server may be longer than the ones we store */
#define SALT_WIRE_MAX 128
#define GS2_PLAIN "n,,"			/* the only GS2 header our client sends */

static const char *const mech_names[FL_SASL_NMECH] = {
	"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"
};

/* A token may come as (NULL, 0); parsers always get a real pointer. */
static const uint8_t no_bytes[1];

/* ---- mechanisms ---- */

const char *
fl_sasl_mech_name(enum fl_sasl_mech m)
{
	return (unsigned)m < FL_SASL_NMECH ? mech_names[m] : "?";
}

int
fl_sasl_mech_parse(const char *name, size_t len, enum fl_sasl_mech *m)
{
	unsigned i;

	for (i = 0; i < FL_SASL_NMECH; i++) {
		if (strlen(mech_names[i]) == len && memcmp(mech_names[i], name, len) == 0) {
			*m = (enum fl_sasl_mech)i;
			return 0;
		}
	}
	return FL_ENOENT;
}

static enum fl_scram_hash
mech_hash(enum fl_sasl_mech m)
{
	return m == FL_SASL_SCRAM_SHA512 ? FL_SCRAM_SHA512 : FL_SCRAM_SHA256;
}

/* ---- reading: spans and fields ---- */

/* Bytes inside a token; not NUL-terminated. */
struct span {
	const uint8_t *p;
	size_t n;
};

/*
 * The ','-separated fields of a token.  A token always has a first field
 * (perhaps empty) and each ',' promises one more, so "a," has two fields
 * and a trailing ',' cannot pass for the end.
 */
struct fields {
	const uint8_t *p;
	size_t len, off;
	int more;
};

static void
fields_init(struct fields *f, const uint8_t *p, size_t len)
{
	f->p = p;
	f->len = len;
	f->off = 0;
	f->more = 1;
}

/* The next field into *x: 1, or 0 when there is none left. */
static int
next_field(struct fields *f, struct span *x)
{
	const uint8_t *comma = NULL;

	if (!f->more)
		return 0;
	x->p = f->p + f->off;
	if (f->len > f->off)
		comma = memchr(x->p, ',', f->len - f->off);
	if (comma != NULL) {
		x->n = (size_t)(comma - x->p);
		f->off += x->n + 1;
	} else {
		x->n = f->len - f->off;
		f->off = f->len;
		f->more = 0;
	}
	return 1;
}

/* 1 if x is the attribute "a=VALUE"; *v gets VALUE. */
static int
attr(const struct span *x, char a, struct span *v)
{
	if (x->n < 2 || x->p[0] != (uint8_t)a || x->p[1] != '=')
		return 0;
	v->p = x->p + 2;
	v->n = x->n - 2;
	return 1;
}

static int
span_is(const struct span *x, const char *s)
{
	return x->n == strlen(s) && memcmp(x->p, s, x->n) == 0;
}

static int
span_ends_with(const struct span *x, const char *s)
{
	size_t n = strlen(s);

	return x->n >= n && memcmp(x->p + x->n - n, s, n) == 0;
}

/* ASCII case-insensitive (no <strings.h> in this layer). */
static int
span_is_nocase(const struct span *x, const char *s)
{
	size_t i;

	if (x->n != strlen(s))
		return 0;
	for (i = 0; i < x->n; i++) {
		uint8_t b = x->p[i];

		if (b >= 'A' && b <= 'Z')
			b = (uint8_t)(b - 'A' + 'a');
		if (b != (uint8_t)s[i])
			return 0;
	}
	return 1;
}

/* RFC 5802's "printable" (0x21-0x7e except ','), at least one byte. */
static int
nonce_ok(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (b[i] < 0x21 || b[i] > 0x7e || b[i] == ',')
			return 0;
	return 1;
}

static int
user_byte_ok(uint8_t b)
{
	return b >= 0x20 && b <= 0x7e;
}

/*
 * RFC 5802 §5.1 saslname → user[]: "=2C" is ',' and "=3D" is '=' (upper
 * case, as Kafka), any other '=' is malformed, so a name has one spelling
 * and authzid and user compare as names.  NULL, or why not.
 */
static const char *
unescape_user(const struct span *v, char user[FL_SASL_USER_MAX + 1])
{
	size_t i, n = 0;

	for (i = 0; i < v->n; i++) {
		uint8_t b = v->p[i];

		if (b == '=') {
			if (v->n - i >= 3 && memcmp(v->p + i + 1, "2C", 2) == 0)
				b = ',';
			else if (v->n - i >= 3 && memcmp(v->p + i + 1, "3D", 2) == 0)
				b = '=';
			else
				return "has '=' other than =2C or =3D";
			i += 2;
		} else if (!user_byte_ok(b)) {
			return "has a byte outside printable ASCII";
		}
		if (n == FL_SASL_USER_MAX)
			return "is over 255 bytes";
		user[n++] = (char)b;
	}
	user[n] = '\0';
	return n == 0 ? "is empty" : NULL;
}

/* PLAIN's user is taken as is: NULL, or why not. */
static const char *
copy_user(const struct span *v, char user[FL_SASL_USER_MAX + 1])
{
	size_t i;

	if (v->n == 0)
		return "is empty";
	if (v->n > FL_SASL_USER_MAX)
		return "is over 255 bytes";
	for (i = 0; i < v->n; i++)
		if (!user_byte_ok(v->p[i]))
			return "has a byte outside printable ASCII";
	memcpy(user, v->p, v->n);
	user[v->n] = '\0';
	return NULL;
}

/* Strict base64 (padding, zero spare bits) of at most max bytes: 0, or -1. */
static int
get_b64(const struct span *v, uint8_t *out, size_t max, size_t *n)
{
	return sodium_base642bin(out, max, (const char *)v->p, v->n, NULL, n,
	    NULL, B64) == 0 ? 0 : -1;
}

/* ---- writing ---- */

/* A bounded output; once full, it stays full and writes nothing more. */
struct wr {
	uint8_t *p;
	size_t max, len;
	int full;
};

static void
wr_init(struct wr *w, void *p, size_t max)
{
	w->p = p;
	w->max = max;
	w->len = 0;
	w->full = 0;
}

static void
put(struct wr *w, const void *s, size_t n)
{
	if (w->full || n > w->max - w->len) {
		w->full = 1;
		return;
	}
	if (n > 0)
		memcpy(w->p + w->len, s, n);
	w->len += n;
}

static void
put_str(struct wr *w, const char *s)
{
	put(w, s, strlen(s));
}

static void
put_b64(struct wr *w, const void *bin, size_t n)
{
	char text[B64_TEXT_MAX];

	FL_ASSERT(n <= B64_BIN_MAX);
	sodium_bin2base64(text, sizeof(text), bin, n, B64);
	put_str(w, text);
}

static void
put_u32(struct wr *w, uint32_t v)
{
	char text[16];

	snprintf(text, sizeof(text), "%lu", (unsigned long)v);
	put_str(w, text);
}

/* RFC 5802 §5.1: ',' and '=' in a name become =2C and =3D. */
static void
put_escaped(struct wr *w, const char *user)
{
	for (; *user != '\0'; user++) {
		if (*user == ',')
			put_str(w, "=2C");
		else if (*user == '=')
			put_str(w, "=3D");
		else
			put(w, user, 1);
	}
}

/* ---- server ---- */

static const char *
srv_state_name(enum fl_sasl_srv_state st)
{
	switch (st) {
	case FL_SASL_S_MECH:   return "before the mechanism";
	case FL_SASL_S_FIRST:  return "awaiting the first token";
	case FL_SASL_S_FINAL:  return "awaiting client-final";
	case FL_SASL_S_DONE:   return "after authentication";
	case FL_SASL_S_FAILED: return "after a failure";
	}
	return "?";
}

/* Forget what one exchange kept: the secrets and its transcript. */
static void
srv_forget(struct fl_sasl_srv *s)
{
	sodium_memzero(&s->cred, sizeof(s->cred));
	sodium_memzero(s->nonce, sizeof(s->nonce));
	sodium_memzero(s->gs2, sizeof(s->gs2));
	sodium_memzero(s->auth_msg, sizeof(s->auth_msg));
	s->gs2_len = 0;
	s->auth_msg_len = 0;
}

/* Failures are final, and no name survives them to be taken for a principal. */
static int
srv_fail(struct fl_sasl_srv *s, int rc)
{
	srv_forget(s);
	memset(s->user, 0, sizeof(s->user));
	s->state = FL_SASL_S_FAILED;
	return rc;
}

/* A malformed or refused token: FL_EPROTO with the mechanism and reason. */
static int
refuse(const struct fl_sasl_srv *s, struct fl_err *why, const char *reason)
{
	return fl_err_set(why, FL_EPROTO, "%s: %s", fl_sasl_mech_name(s->mech), reason);
}

void
fl_sasl_srv_init(struct fl_sasl_srv *s)
{
	memset(s, 0, sizeof(*s));
	s->state = FL_SASL_S_MECH;
}

int
fl_sasl_srv_mech(struct fl_sasl_srv *s, const char *name, size_t len,
    unsigned enabled)
{
	enum fl_sasl_mech m;

	if (s->state != FL_SASL_S_MECH)
		return srv_fail(s, FL_EPROTO);
	if (fl_sasl_mech_parse(name, len, &m) != 0 || !(enabled & (1u << m)))
		return srv_fail(s, FL_ENOENT);
	s->mech = m;
	s->state = FL_SASL_S_FIRST;
	return 0;
}

/* The user's secrets for h into s->cred, checked for use: 0 or an error. */
static int
srv_lookup(struct fl_sasl_srv *s, fl_sasl_lookup_fn lookup, void *arg,
    enum fl_scram_hash h, struct fl_err *why)
{
	const char *mech = fl_sasl_mech_name(s->mech);
	int rc = lookup(arg, s->user, h, &s->cred);

	FL_ASSERT(rc <= 0);
	if (rc == FL_ENOENT)
		return fl_err_set(why, rc, "%s: unknown user \"%s\" (no %s secrets)",
		    mech, s->user, fl_scram_mech(h));
	if (rc != 0)
		return fl_err_set(why, rc, "%s: looking up user \"%s\": %s", mech,
		    s->user, fl_strerror(rc));
	/* fl_scram_salted would refuse these too, but as a wrong password */
	if (s->cred.salt_len == 0 || s->cred.salt_len > FL_SCRAM_SALT_MAX ||
	    s->cred.iterations < FL_SCRAM_ITER_MIN ||
	    s->cred.iterations > FL_SCRAM_ITER_MAX)
		return fl_err_set(why, FL_ECORRUPT, "%s: user \"%s\": stored %s "
		    "secrets unusable (salt %zu bytes, %lu iterations)", mech,
		    s->user, fl_scram_mech(h), s->cred.salt_len,
		    (unsigned long)s->cred.iterations);
	return 0;
}

/* RFC 4616: authzid NUL user NUL password, checked against SCRAM-SHA-512 secrets. */
static int
plain_step(struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    fl_sasl_lookup_fn lookup, void *arg, struct fl_err *why)
{
	const uint8_t *nul1, *nul2;
	struct span authzid, user, pass;
	const char *bad;
	int rc, ok;

	nul1 = memchr(in, 0, n);
	nul2 = nul1 ? memchr(nul1 + 1, 0, n - (size_t)(nul1 + 1 - in)) : NULL;
	if (nul2 == NULL)
		return refuse(s, why, "token lacks its two NUL separators");
	authzid = (struct span){ in, (size_t)(nul1 - in) };
	user = (struct span){ nul1 + 1, (size_t)(nul2 - nul1 - 1) };
	pass = (struct span){ nul2 + 1, n - (size_t)(nul2 + 1 - in) };
	if (memchr(pass.p, 0, pass.n) != NULL)
		return refuse(s, why, "token has a third NUL (none may be in a password)");
	if ((bad = copy_user(&user, s->user)) != NULL)
		return fl_err_set(why, FL_EPROTO, "PLAIN: the user name %s", bad);
	if (authzid.n > 0 && !span_is(&authzid, s->user))
		return fl_err_set(why, FL_EPROTO, "PLAIN: user \"%s\" asks to act "
		    "as another (authzid)", s->user);
	if (pass.n == 0)
		return fl_err_set(why, FL_EPROTO, "PLAIN: user \"%s\": empty "
		    "password", s->user);
	rc = srv_lookup(s, lookup, arg, FL_SCRAM_SHA512, why);
	if (rc != 0)
		return rc;
	ok = fl_scram_cred_check(&s->cred, FL_SCRAM_SHA512, pass.p, pass.n);
	srv_forget(s);
	if (!ok)
		return fl_err_set(why, FL_ERANGE, "PLAIN: user \"%s\": wrong "
		    "password", s->user);
	s->state = FL_SASL_S_DONE;
	return FL_SASL_DONE;
}

/* client-first: gs2-header client-first-bare, as spans into the token. */
struct client_first {
	struct span gs2;		/* "n,," or "n,a=NAME," */
	struct span authzid;		/* NAME; n == 0 if absent */
	struct span bare;		/* "n=USER,r=NONCE[,ext...]" */
	struct span user, nonce;
};

/* An extension after r=: "key=value"; refuse what we must not ignore. */
static int
check_extension(const struct fl_sasl_srv *s, const struct span *x, struct fl_err *why)
{
	const uint8_t *eq = memchr(x->p, '=', x->n);
	struct span key, value;
	size_t i;

	if (eq == NULL || eq == x->p)
		return refuse(s, why, "client-first has an extension that is not key=value");
	key = (struct span){ x->p, (size_t)(eq - x->p) };
	value = (struct span){ eq + 1, x->n - key.n - 1 };
	for (i = 0; i < key.n; i++) {
		uint8_t b = key.p[i];

		if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
		    (b >= '0' && b <= '9')))
			return refuse(s, why, "client-first has an extension "
			    "whose name is not alphanumeric");
	}
	if (span_is(&key, "m"))
		return refuse(s, why, "client-first has the reserved m= "
		    "(mandatory extension)");
	/* Kafka's ScramExtensions: any case of "true" asks for a delegation token */
	if (span_is(&key, "tokenauth") && span_is_nocase(&value, "true"))
		return refuse(s, why, "delegation tokens (tokenauth) are not supported");
	return 0;
}

static int
parse_gs2(const struct fl_sasl_srv *s, struct fields *f, struct client_first *cf,
    struct fl_err *why)
{
	struct span x, v;

	next_field(f, &x);
	if (span_is(&x, "y"))
		return refuse(s, why, "GS2 flag 'y' refused (no -PLUS mechanism is "
		    "offered, so the client should not have seen one)");
	if (attr(&x, 'p', &v))
		return refuse(s, why, "channel binding (GS2 p=) is not supported");
	if (!span_is(&x, "n"))
		return refuse(s, why, "client-first does not start with a GS2 header");
	cf->authzid.n = 0;
	if (!next_field(f, &x) || (x.n > 0 && !attr(&x, 'a', &cf->authzid)))
		return refuse(s, why, "GS2 header's second field is not a= or empty");
	if (x.n > 0 && cf->authzid.n == 0)
		return refuse(s, why, "GS2 header has an empty a=");
	if (!f->more)
		return refuse(s, why, "client-first ends after its GS2 header");
	cf->gs2 = (struct span){ f->p, f->off };
	return 0;
}

static int
parse_client_first(const struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    struct client_first *cf, struct fl_err *why)
{
	struct fields f;
	struct span x, v;
	int rc;

	fields_init(&f, in, n);
	if ((rc = parse_gs2(s, &f, cf, why)) != 0)
		return rc;
	cf->bare = (struct span){ in + f.off, n - f.off };
	next_field(&f, &x);
	if (attr(&x, 'm', &v))
		return refuse(s, why, "client-first has the reserved m= "
		    "(mandatory extension)");
	if (!attr(&x, 'n', &cf->user))
		return refuse(s, why, "client-first-bare does not start with n=");
	if (!next_field(&f, &x) || !attr(&x, 'r', &cf->nonce))
		return refuse(s, why, "client-first has no r= after n=");
	if (!nonce_ok(cf->nonce.p, cf->nonce.n))
		return refuse(s, why, "client nonce is empty or not printable");
	while (next_field(&f, &x))
		if ((rc = check_extension(s, &x, why)) != 0)
			return rc;
	return 0;
}

/* "r=CNONCE+SNONCE,s=SALT,i=ITER" */
static void
put_server_first(struct wr *w, const struct fl_sasl_srv *s)
{
	put_str(w, "r=");
	put_str(w, s->nonce);
	put_str(w, ",s=");
	put_b64(w, s->cred.salt, s->cred.salt_len);
	put_str(w, ",i=");
	put_u32(w, s->cred.iterations);
}

static int
scram_first(struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    const char *srv_nonce, fl_sasl_lookup_fn lookup, void *arg,
    struct wr *out, struct fl_err *why)
{
	const char *mech = fl_sasl_mech_name(s->mech);
	char authzid[FL_SASL_USER_MAX + 1];
	struct client_first cf;
	struct wr am;
	const char *bad;
	size_t sf_off, snn = strlen(srv_nonce);
	int rc;

	if ((rc = parse_client_first(s, in, n, &cf, why)) != 0)
		return rc;
	if ((bad = unescape_user(&cf.user, s->user)) != NULL)
		return fl_err_set(why, FL_EPROTO, "%s: the user name %s", mech, bad);
	if (cf.authzid.n > 0 && (unescape_user(&cf.authzid, authzid) != NULL ||
	    strcmp(authzid, s->user) != 0))
		return fl_err_set(why, FL_EPROTO, "%s: user \"%s\" asks to act as "
		    "another (GS2 a=)", mech, s->user);
	if (cf.nonce.n > FL_SASL_NONCE_MAX - snn)
		return fl_err_set(why, FL_EPROTO, "%s: user \"%s\": client nonce "
		    "of %zu bytes is too long", mech, s->user, cf.nonce.n);
	if ((rc = srv_lookup(s, lookup, arg, mech_hash(s->mech), why)) != 0)
		return rc;

	/* a= unescaped to at most FL_SASL_USER_MAX bytes, so the header fits */
	FL_ASSERT(cf.gs2.n <= sizeof(s->gs2));
	memcpy(s->gs2, cf.gs2.p, cf.gs2.n);
	s->gs2_len = cf.gs2.n;
	memcpy(s->nonce, cf.nonce.p, cf.nonce.n);
	memcpy(s->nonce + cf.nonce.n, srv_nonce, snn + 1);

	wr_init(&am, s->auth_msg, sizeof(s->auth_msg));
	put(&am, cf.bare.p, cf.bare.n);
	put_str(&am, ",");
	sf_off = am.len;
	put_server_first(&am, s);
	/* bare < FL_SASL_TOKEN_MAX and server-first < 300 bytes */
	FL_ASSERT(!am.full);
	s->auth_msg_len = am.len;
	put(out, s->auth_msg + sf_off, am.len - sf_off);
	s->state = FL_SASL_S_FINAL;
	return FL_SASL_CONTINUE;
}

/* client-final: its text before ",p=" (into AuthMessage) and the proof. */
struct client_final {
	size_t head_len;
	uint8_t proof[FL_SCRAM_KEY_MAX];
};

static int
parse_client_final(const struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    struct client_final *cf, struct fl_err *why)
{
	uint8_t gs2[FL_SASL_GS2_MAX];
	size_t len = fl_scram_len(mech_hash(s->mech)), got;
	struct fields f;
	struct span x, v;

	fields_init(&f, in, n);
	next_field(&f, &x);
	if (span_is(&x, "n") || span_is(&x, "y") || attr(&x, 'p', &v))
		return refuse(s, why, "a second client-first (replayed or out of "
		    "order) where client-final belongs");
	if (!attr(&x, 'c', &v))
		return refuse(s, why, "client-final does not start with c=");
	/* decoded and compared: libsodium's strict base64 has one spelling */
	if (get_b64(&v, gs2, sizeof(gs2), &got) != 0 || got != s->gs2_len ||
	    memcmp(gs2, s->gs2, got) != 0)
		return refuse(s, why, "client-final's c= is not the client-first's "
		    "GS2 header");
	if (!next_field(&f, &x) || !attr(&x, 'r', &v))
		return refuse(s, why, "client-final has no r= after c=");
	/*
	 * librdkafka (through 2.x) sends its own nonce again before the
	 * combined one; Kafka accepts any r= that ends with the combined nonce,
	 * and so must we.  The server's fresh part is still at the end, and the
	 * proof covers the r= as sent, so a replay still fails.
	 */
	if (!span_ends_with(&v, s->nonce))
		return refuse(s, why, "client-final's r= does not end with the "
		    "combined nonce");
	do {	/* extensions before p= are ignored */
		if (!next_field(&f, &x))
			return refuse(s, why, "client-final has no p= (proof)");
	} while (!attr(&x, 'p', &v));
	if (f.more)
		return refuse(s, why, "client-final goes on after p=");
	cf->head_len = (size_t)(x.p - in) - 1;
	if (get_b64(&v, cf->proof, sizeof(cf->proof), &got) != 0 || got != len)
		return fl_err_set(why, FL_EPROTO, "%s: client proof is not base64 "
		    "of %zu bytes", fl_sasl_mech_name(s->mech), len);
	return 0;
}

static int
scram_final(struct fl_sasl_srv *s, const uint8_t *in, size_t n, struct wr *out,
    struct fl_err *why)
{
	enum fl_scram_hash h = mech_hash(s->mech);
	size_t len = fl_scram_len(h), i;
	uint8_t msg[sizeof(s->auth_msg) + 1 + FL_SASL_TOKEN_MAX];
	uint8_t sig[FL_SCRAM_KEY_MAX], key[FL_SCRAM_KEY_MAX], stored[FL_SCRAM_KEY_MAX];
	struct client_final cf;
	struct wr am;
	int rc, ok;

	if ((rc = parse_client_final(s, in, n, &cf, why)) != 0)
		return rc;
	/* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
	wr_init(&am, msg, sizeof(msg));
	put(&am, s->auth_msg, s->auth_msg_len);
	put_str(&am, ",");
	put(&am, in, cf.head_len);
	FL_ASSERT(!am.full);

	/* ClientKey = proof XOR HMAC(StoredKey, AuthMessage); H(ClientKey) must be StoredKey */
	fl_scram_hmac(h, s->cred.stored_key, len, msg, am.len, sig);
	for (i = 0; i < len; i++)
		key[i] = cf.proof[i] ^ sig[i];
	fl_scram_hash(h, key, len, stored);
	ok = fl_ct_equal(stored, s->cred.stored_key, len);
	if (ok) {
		fl_scram_hmac(h, s->cred.server_key, len, msg, am.len, sig);
		put_str(out, "v=");
		put_b64(out, sig, len);
	}
	sodium_memzero(sig, sizeof(sig));
	sodium_memzero(key, sizeof(key));
	sodium_memzero(stored, sizeof(stored));
	sodium_memzero(cf.proof, sizeof(cf.proof));
	if (!ok)
		return fl_err_set(why, FL_ERANGE, "%s: user \"%s\": wrong proof "
		    "(wrong password)", fl_sasl_mech_name(s->mech), s->user);
	srv_forget(s);
	s->state = FL_SASL_S_DONE;
	return FL_SASL_DONE;
}

int
fl_sasl_srv_step(struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    const char *srv_nonce, fl_sasl_lookup_fn lookup, void *arg,
    uint8_t *out, size_t out_max, size_t *out_len, struct fl_err *why)
{
	struct wr w;
	int rc;

	*out_len = 0;
	wr_init(&w, out, out_max);
	if (in == NULL)
		in = no_bytes;
	if (s->state != FL_SASL_S_FIRST && s->state != FL_SASL_S_FINAL)
		rc = fl_err_set(why, FL_EPROTO, "SASL token %s",
		    srv_state_name(s->state));
	else if (n > FL_SASL_TOKEN_MAX)
		rc = fl_err_set(why, FL_EFULL, "%s: token of %zu bytes (over %d)",
		    fl_sasl_mech_name(s->mech), n, FL_SASL_TOKEN_MAX);
	else if (s->mech == FL_SASL_PLAIN)
		rc = plain_step(s, in, n, lookup, arg, why);
	else if (s->state == FL_SASL_S_FIRST) {
		FL_ASSERT(srv_nonce != NULL && strlen(srv_nonce) < FL_SASL_NONCE_MAX &&
		    nonce_ok(srv_nonce, strlen(srv_nonce)));
		rc = scram_first(s, in, n, srv_nonce, lookup, arg, &w, why);
	} else
		rc = scram_final(s, in, n, &w, why);
	if (rc >= 0 && w.full)
		rc = fl_err_set(why, FL_EFULL, "%s: reply buffer of %zu bytes too "
		    "small", fl_sasl_mech_name(s->mech), out_max);
	if (rc < 0)
		return srv_fail(s, rc);
	*out_len = w.len;
	return rc;
}

const char *
fl_sasl_srv_public_error(void)
{
	/* one text for every cause: which user exists is none of the client's business */
	return "Authentication failed: invalid username, password or SASL exchange";
}

void
fl_sasl_srv_wipe(struct fl_sasl_srv *s)
{
	if (s->state == FL_SASL_S_FIRST || s->state == FL_SASL_S_FINAL)
		srv_fail(s, 0);
	srv_forget(s);
}

/* ---- client ---- */

static const char *
cli_state_name(enum fl_sasl_cli_state st)
{
	switch (st) {
	case FL_SASL_C_START:      return "before the first token";
	case FL_SASL_C_FIRST_SENT: return "awaiting the first reply";
	case FL_SASL_C_FINAL_SENT: return "awaiting server-final";
	case FL_SASL_C_DONE:       return "after authentication";
	case FL_SASL_C_FAILED:     return "after a failure";
	}
	return "?";
}

static void
cli_forget(struct fl_sasl_cli *c)
{
	sodium_memzero(c->password, sizeof(c->password));
	sodium_memzero(c->nonce, sizeof(c->nonce));
	sodium_memzero(c->bare, sizeof(c->bare));
	sodium_memzero(c->server_sig, sizeof(c->server_sig));
	c->bare_len = 0;
}

int
fl_sasl_cli_init(struct fl_sasl_cli *c, enum fl_sasl_mech m,
    const char *user, const char *password)
{
	size_t un = strnlen(user, FL_SASL_USER_MAX + 1);
	size_t pn = strnlen(password, FL_SASL_PASSWORD_MAX + 1);

	FL_ASSERT((unsigned)m < FL_SASL_NMECH);
	memset(c, 0, sizeof(*c));
	c->mech = m;
	if (un == 0 || un > FL_SASL_USER_MAX || pn > FL_SASL_PASSWORD_MAX) {
		c->state = FL_SASL_C_FAILED;
		return FL_ERANGE;
	}
	memcpy(c->user, user, un);
	memcpy(c->password, password, pn);
	c->state = FL_SASL_C_START;
	return 0;
}

int
fl_sasl_cli_first(struct fl_sasl_cli *c, const char *cli_nonce,
    uint8_t *out, size_t out_max, size_t *out_len)
{
	struct wr w, bare;
	size_t nn;

	FL_ASSERT(c->state == FL_SASL_C_START);
	*out_len = 0;
	wr_init(&w, out, out_max);
	if (c->mech == FL_SASL_PLAIN) {
		/* no authzid: act as ourselves */
		put(&w, "", 1);
		put_str(&w, c->user);
		put(&w, "", 1);
		put_str(&w, c->password);
	} else {
		nn = cli_nonce != NULL ? strnlen(cli_nonce, FL_SASL_NONCE_MAX + 1) : 0;
		FL_ASSERT(nn <= FL_SASL_NONCE_MAX && nonce_ok(cli_nonce, nn));
		memcpy(c->nonce, cli_nonce, nn);
		c->nonce[nn] = '\0';
		wr_init(&bare, c->bare, sizeof(c->bare));
		put_str(&bare, "n=");
		put_escaped(&bare, c->user);
		put_str(&bare, ",r=");
		put_str(&bare, c->nonce);
		FL_ASSERT(!bare.full);	/* 3 * 255 + 128 + 5 bytes at most */
		c->bare_len = bare.len;
		put_str(&w, GS2_PLAIN);
		put(&w, c->bare, c->bare_len);
	}
	if (w.full) {
		sodium_memzero(out, w.len);
		return FL_EFULL;
	}
	if (c->mech == FL_SASL_PLAIN)
		sodium_memzero(c->password, sizeof(c->password));
	*out_len = w.len;
	c->state = FL_SASL_C_FIRST_SENT;
	return 0;
}

/* An "e=" from the server: FL_EPROTO quoting it, made safe for a log line. */
static int
server_error(const struct fl_sasl_cli *c, const char *where, const struct span *v,
    struct fl_err *why)
{
	char text[80];
	size_t i, k = 0;

	for (i = 0; i < v->n && k < sizeof(text) - 1; i++)
		text[k++] = user_byte_ok(v->p[i]) ? (char)v->p[i] : '?';
	text[k] = '\0';
	return fl_err_set(why, FL_EPROTO, "%s: the server's %s is an error: \"%s\"",
	    fl_sasl_mech_name(c->mech), where, text);
}

static int
cli_refuse(const struct fl_sasl_cli *c, struct fl_err *why, const char *reason)
{
	return fl_err_set(why, FL_EPROTO, "%s: %s", fl_sasl_mech_name(c->mech), reason);
}

/* "i=" value: decimal without sign or leading zero; saturates past the maximum. */
static int
get_iterations(const struct span *v, uint32_t *iter)
{
	size_t i;

	*iter = 0;
	if (v->n == 0 || v->p[0] == '0')
		return -1;
	for (i = 0; i < v->n; i++) {
		if (v->p[i] < '0' || v->p[i] > '9')
			return -1;
		*iter = *iter * 10 + (uint32_t)(v->p[i] - '0');
		if (*iter > FL_SCRAM_ITER_MAX)
			*iter = FL_SCRAM_ITER_MAX + 1;
	}
	return 0;
}

struct server_first {
	struct span nonce;		/* combined */
	struct span iter_text;		/* digits, for the log */
	uint8_t salt[SALT_WIRE_MAX];
	size_t salt_len;
	uint32_t iterations;
};

static int
parse_server_first(const struct fl_sasl_cli *c, const uint8_t *in, size_t n,
    struct server_first *sf, struct fl_err *why)
{
	size_t cn = strlen(c->nonce);
	struct fields f;
	struct span x, v;

	fields_init(&f, in, n);
	next_field(&f, &x);
	if (attr(&x, 'e', &v))
		return server_error(c, "server-first", &v, why);
	if (attr(&x, 'm', &v))
		return cli_refuse(c, why, "server-first has the reserved m=");
	if (!attr(&x, 'r', &sf->nonce))
		return cli_refuse(c, why, "server-first does not start with r=");
	/* our nonce plus a part of the server's, or a replay of someone's exchange */
	if (sf->nonce.n <= cn || memcmp(sf->nonce.p, c->nonce, cn) != 0 ||
	    !nonce_ok(sf->nonce.p, sf->nonce.n))
		return cli_refuse(c, why, "server-first's nonce does not extend ours");
	if (!next_field(&f, &x) || !attr(&x, 's', &v) ||
	    get_b64(&v, sf->salt, sizeof(sf->salt), &sf->salt_len) != 0 ||
	    sf->salt_len == 0)
		return cli_refuse(c, why, "server-first has no valid s= (salt)");
	if (!next_field(&f, &x) || !attr(&x, 'i', &sf->iter_text) ||
	    get_iterations(&sf->iter_text, &sf->iterations) != 0)
		return cli_refuse(c, why, "server-first has no valid i= (iterations)");
	if (sf->iterations < FL_SCRAM_ITER_MIN || sf->iterations > FL_SCRAM_ITER_MAX)
		return fl_err_set(why, FL_EPROTO, "%s: server asks for i=%.*s%s "
		    "iterations (outside %d..%d)", fl_sasl_mech_name(c->mech),
		    (int)(sf->iter_text.n > 20 ? 20 : sf->iter_text.n),
		    (const char *)sf->iter_text.p, sf->iter_text.n > 20 ? "..." : "",
		    FL_SCRAM_ITER_MIN, FL_SCRAM_ITER_MAX);
	return 0;	/* extensions after i= are ignored */
}

/* server-first → client-final in out; the server's signature kept for later. */
static int
cli_final(struct fl_sasl_cli *c, const uint8_t *in, size_t n, struct wr *out,
    struct fl_err *why)
{
	enum fl_scram_hash h = mech_hash(c->mech);
	size_t len = fl_scram_len(h), head_off, i;
	uint8_t msg[sizeof(c->bare) + 1 + FL_SASL_TOKEN_MAX + 1 + FL_SASL_TOKEN_MAX];
	uint8_t salted[FL_SCRAM_KEY_MAX], ckey[FL_SCRAM_KEY_MAX];
	uint8_t skey[FL_SCRAM_KEY_MAX], stored[FL_SCRAM_KEY_MAX];
	uint8_t sig[FL_SCRAM_KEY_MAX], proof[FL_SCRAM_KEY_MAX];
	struct server_first sf;
	struct wr am;
	int rc;

	if ((rc = parse_server_first(c, in, n, &sf, why)) != 0)
		return rc;
	head_off = out->len;
	put_str(out, "c=");
	put_b64(out, GS2_PLAIN, strlen(GS2_PLAIN));
	put_str(out, ",r=");
	put(out, sf.nonce.p, sf.nonce.n);
	if (out->full)
		return fl_err_set(why, FL_EFULL, "%s: reply buffer of %zu bytes too "
		    "small", fl_sasl_mech_name(c->mech), out->max);
	/* AuthMessage = client-first-bare "," server-first "," client-final-without-proof */
	wr_init(&am, msg, sizeof(msg));
	put(&am, c->bare, c->bare_len);
	put_str(&am, ",");
	put(&am, in, n);
	put_str(&am, ",");
	put(&am, out->p + head_off, out->len - head_off);
	FL_ASSERT(!am.full);

	rc = fl_scram_salted(h, c->password, strlen(c->password), sf.salt,
	    sf.salt_len, sf.iterations, salted);
	FL_ASSERT(rc == 0);	/* iterations were checked above */
	fl_scram_keys(h, salted, ckey, stored, skey);
	fl_scram_hmac(h, stored, len, msg, am.len, sig);
	for (i = 0; i < len; i++)
		proof[i] = ckey[i] ^ sig[i];
	fl_scram_hmac(h, skey, len, msg, am.len, c->server_sig);
	put_str(out, ",p=");
	put_b64(out, proof, len);

	sodium_memzero(salted, sizeof(salted));
	sodium_memzero(ckey, sizeof(ckey));
	sodium_memzero(skey, sizeof(skey));
	sodium_memzero(stored, sizeof(stored));
	sodium_memzero(sig, sizeof(sig));
	sodium_memzero(proof, sizeof(proof));
	sodium_memzero(c->password, sizeof(c->password));
	c->state = FL_SASL_C_FINAL_SENT;
	return FL_SASL_CONTINUE;
}

/* server-final: "v=" the signature only a holder of our ServerKey can make. */
static int
cli_verify(struct fl_sasl_cli *c, const uint8_t *in, size_t n, struct fl_err *why)
{
	size_t len = fl_scram_len(mech_hash(c->mech)), got;
	uint8_t sig[FL_SCRAM_KEY_MAX];
	struct fields f;
	struct span x, v;
	int ok;

	fields_init(&f, in, n);
	next_field(&f, &x);
	if (attr(&x, 'e', &v))
		return server_error(c, "server-final", &v, why);
	if (!attr(&x, 'v', &v) || get_b64(&v, sig, sizeof(sig), &got) != 0 ||
	    got != len)
		return cli_refuse(c, why, "server-final has no valid v= (signature)");
	ok = fl_ct_equal(sig, c->server_sig, len);
	if (!ok)
		return fl_err_set(why, FL_ERANGE, "%s: the server's signature is "
		    "wrong: it does not know user \"%s\"'s password",
		    fl_sasl_mech_name(c->mech), c->user);
	cli_forget(c);
	c->state = FL_SASL_C_DONE;
	return FL_SASL_DONE;
}

int
fl_sasl_cli_step(struct fl_sasl_cli *c, const uint8_t *in, size_t n,
    uint8_t *out, size_t out_max, size_t *out_len, struct fl_err *why)
{
	struct wr w;
	int rc;

	*out_len = 0;
	wr_init(&w, out, out_max);
	if (in == NULL)
		in = no_bytes;
	if (c->state != FL_SASL_C_FIRST_SENT && c->state != FL_SASL_C_FINAL_SENT)
		rc = fl_err_set(why, FL_EPROTO, "%s: server token %s",
		    fl_sasl_mech_name(c->mech), cli_state_name(c->state));
	else if (n > FL_SASL_TOKEN_MAX)
		rc = fl_err_set(why, FL_EFULL, "%s: server token of %zu bytes "
		    "(over %d)", fl_sasl_mech_name(c->mech), n, FL_SASL_TOKEN_MAX);
	else if (c->mech == FL_SASL_PLAIN) {
		c->state = FL_SASL_C_DONE;	/* the broker answered, so it accepted */
		rc = FL_SASL_DONE;
	} else if (c->state == FL_SASL_C_FIRST_SENT)
		rc = cli_final(c, in, n, &w, why);
	else
		rc = cli_verify(c, in, n, why);
	if (rc >= 0 && w.full)
		rc = fl_err_set(why, FL_EFULL, "%s: reply buffer of %zu bytes too "
		    "small", fl_sasl_mech_name(c->mech), out_max);
	if (rc < 0) {
		sodium_memzero(out, w.len);
		cli_forget(c);
		c->state = FL_SASL_C_FAILED;
		return rc;
	}
	*out_len = w.len;
	return rc;
}

void
fl_sasl_cli_wipe(struct fl_sasl_cli *c)
{
	if (c->state == FL_SASL_C_FIRST_SENT || c->state == FL_SASL_C_FINAL_SENT)
		c->state = FL_SASL_C_FAILED;
	cli_forget(c);
}
