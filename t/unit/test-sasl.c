/*
 * test-sasl: SASL PLAIN and SCRAM, both ends.  The known answers are RFC
 * 7677 §3's exchange (user "user", password "pencil"), byte for byte, as
 * the server and as the client; then client and server against each
 * other; then tables of what each end must refuse, each with its exact
 * error and a FAILED state.  Proofs for the messages our client never
 * sends (a=, extensions) are made by make_final() from base/scram.h's
 * primitives, apart from sasl.c.
 */
#include <string.h>

#include <sodium.h>

#include "base/csum.h"
#include "base/scram.h"
#include "sm/sasl.h"
#include "tap.h"

static char what[256];
#define NAMED(...) (snprintf(what, sizeof(what), __VA_ARGS__), what)

/* RFC 7677 §3 */
#define RFC_CNONCE "rOprNGfwEbeRWgbNEkqO"
#define RFC_SNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
#define RFC_NONCE RFC_CNONCE RFC_SNONCE
#define RFC_FIRST "n,,n=user,r=" RFC_CNONCE
#define RFC_SFIRST "r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
#define RFC_HEAD "c=biws,r=" RFC_NONCE
#define RFC_PROOF "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
#define RFC_FINAL RFC_HEAD ",p=" RFC_PROOF
#define RFC_SFINAL "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="

#define ALL_MECHS ((1u << FL_SASL_PLAIN) | (1u << FL_SASL_SCRAM_SHA256) | \
    (1u << FL_SASL_SCRAM_SHA512))

/* base64 "W22ZaJ0SNY7soEsUEjb6gQ==": every test user's salt */
static const uint8_t salt[16] = {
	0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
	0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81
};

/* The users the lookup knows, with secrets for both hashes made once. */
static struct user {
	const char *name, *password;
	struct fl_scram_cred cred[FL_SCRAM_NHASH];
} users[] = {
	{ .name = "user", .password = "pencil" },
	{ .name = "alice", .password = "wonderland" },
	{ .name = "a,b=c", .password = "comma and equals" },
	{ .name = "x=2C", .password = "looks escaped" },
};
static int nlookups;

static int
make_users(void)
{
	size_t k;
	int h;

	for (k = 0; k < FL_ARRAY_LEN(users); k++)
		for (h = 0; h < FL_SCRAM_NHASH; h++)
			if (fl_scram_cred_make(&users[k].cred[h], (enum fl_scram_hash)h,
			    users[k].password, strlen(users[k].password), salt,
			    sizeof(salt), 4096) != 0)
				return -1;
	return 0;
}

static int
lookup(void *arg, const char *name, enum fl_scram_hash h, struct fl_scram_cred *c)
{
	size_t k;

	(void)arg;
	nlookups++;
	for (k = 0; k < FL_ARRAY_LEN(users); k++) {
		if (strcmp(users[k].name, name) == 0) {
			*c = users[k].cred[h];
			return 0;
		}
	}
	return FL_ENOENT;
}

static int
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return 0;
	return 1;
}

/* ---- server steps with RFC 7677's server nonce ---- */

static uint8_t out[FL_SASL_TOKEN_MAX];
static size_t out_len;
static struct fl_err why;

static int
srv_step(struct fl_sasl_srv *s, const void *tok, size_t n)
{
	return fl_sasl_srv_step(s, tok, n, RFC_SNONCE, lookup, NULL, out,
	    sizeof(out), &out_len, &why);
}

static int
srv_str(struct fl_sasl_srv *s, const char *tok)
{
	return srv_step(s, tok, strlen(tok));
}

static int
out_is(const char *want)
{
	return out_len == strlen(want) && memcmp(out, want, out_len) == 0;
}

/* A fresh server, and no reply left over from the last one. */
static void
srv_new(struct fl_sasl_srv *s)
{
	fl_sasl_srv_init(s);
	out_len = 0;
}

/* A server that has taken the mechanism m. */
static void
srv_start(struct fl_sasl_srv *s, enum fl_sasl_mech m)
{
	const char *name = fl_sasl_mech_name(m);

	srv_new(s);
	FL_ASSERT(fl_sasl_srv_mech(s, name, strlen(name), ALL_MECHS) == 0);
}

/*
 * RFC 5802 §3 from the primitives: the client-final answering server-first
 * sf (as the server sent it, in out) for a client-first gs2 + bare, with
 * ext (",k=v" or "") before the proof.  Every test user has the same salt
 * and 4096 iterations.
 */
static void
make_final(enum fl_scram_hash h, const char *password, const char *gs2,
    const char *bare, const char *sf, const char *pre, const char *ext, char *buf,
    size_t max)
{
	uint8_t salted[FL_SCRAM_KEY_MAX], ckey[FL_SCRAM_KEY_MAX];
	uint8_t stored[FL_SCRAM_KEY_MAX], sig[FL_SCRAM_KEY_MAX];
	char cbind[1100], proof64[100], head[1400];
	char am[sizeof(out) + 2048];
	size_t len = fl_scram_len(h), i;
	const char *nonce_end = strchr(sf, ',');

	sodium_bin2base64(cbind, sizeof(cbind), (const uint8_t *)gs2, strlen(gs2),
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(head, sizeof(head), "c=%s,r=%s%.*s%s", cbind, pre,
	    (int)(nonce_end - sf - 2), sf + 2, ext);
	snprintf(am, sizeof(am), "%s,%s,%s", bare, sf, head);
	FL_ASSERT(fl_scram_salted(h, password, strlen(password), salt,
	    sizeof(salt), 4096, salted) == 0);
	fl_scram_keys(h, salted, ckey, stored, NULL);
	fl_scram_hmac(h, stored, len, am, strlen(am), sig);
	for (i = 0; i < len; i++)
		ckey[i] ^= sig[i];
	sodium_bin2base64(proof64, sizeof(proof64), ckey, len,
	    sodium_base64_VARIANT_ORIGINAL);
	snprintf(buf, max, "%s,p=%s", head, proof64);
}

/* ---- (1) and (2): RFC 7677's exchange ---- */

static void
test_rfc_server(void)
{
	struct fl_sasl_srv s;

	fl_sasl_srv_init(&s);
	nlookups = 0;
	CHECK_INT(fl_sasl_srv_mech(&s, "SCRAM-SHA-256", 13, ALL_MECHS), ==, 0,
	    "server: SCRAM-SHA-256 taken");
	CHECK_INT(srv_str(&s, RFC_FIRST), ==, FL_SASL_CONTINUE,
	    "server: RFC 7677 client-first accepted");
	CHECK(out_is(RFC_SFIRST), "server: server-first is RFC 7677's, byte for byte");
	CHECK_INT(srv_str(&s, RFC_FINAL), ==, FL_SASL_DONE,
	    "server: RFC 7677 client-final proves the password");
	CHECK(out_is(RFC_SFINAL), "server: server-final is RFC 7677's, byte for byte");
	CHECK(s.state == FL_SASL_S_DONE && strcmp(s.user, "user") == 0,
	    "server: DONE as \"user\"");
	CHECK_INT(nlookups, ==, 1, "server: one lookup per exchange");
	CHECK(all_zero(&s.cred, sizeof(s.cred)) && all_zero(s.auth_msg,
	    sizeof(s.auth_msg)) && s.auth_msg_len == 0,
	    "server: secrets and transcript wiped once DONE");
	fl_sasl_srv_wipe(&s);
	CHECK(s.state == FL_SASL_S_DONE && strcmp(s.user, "user") == 0,
	    "server: wipe keeps the principal of a finished exchange");
}

static void
test_rfc_client(void)
{
	struct fl_sasl_cli c;
	uint8_t buf[FL_SASL_TOKEN_MAX];
	size_t n;

	CHECK_INT(fl_sasl_cli_init(&c, FL_SASL_SCRAM_SHA256, "user", "pencil"), ==, 0,
	    "client: init");
	CHECK(fl_sasl_cli_first(&c, RFC_CNONCE, buf, sizeof(buf), &n) == 0 &&
	    n == strlen(RFC_FIRST) && memcmp(buf, RFC_FIRST, n) == 0,
	    "client: client-first is RFC 7677's");
	CHECK_INT(fl_sasl_cli_step(&c, (const uint8_t *)RFC_SFIRST, strlen(RFC_SFIRST),
	    out, sizeof(out), &out_len, &why), ==, FL_SASL_CONTINUE,
	    "client: RFC 7677 server-first accepted");
	CHECK(out_is(RFC_FINAL), "client: client-final is RFC 7677's, proof included");
	CHECK(all_zero(c.password, sizeof(c.password)),
	    "client: password forgotten once the proof is made");
	CHECK_INT(fl_sasl_cli_step(&c, (const uint8_t *)RFC_SFINAL, strlen(RFC_SFINAL),
	    out, sizeof(out), &out_len, &why), ==, FL_SASL_DONE,
	    "client: RFC 7677 server-final verifies");
	CHECK(c.state == FL_SASL_C_DONE && out_len == 0 &&
	    all_zero(c.server_sig, sizeof(c.server_sig)),
	    "client: DONE, nothing to send, signature wiped");
}

/* ---- (3) round trips ---- */

/*
 * A whole exchange between our client and our server.  Returns the
 * server's last result; the client's is in *cli_rc (1 if it never ran).
 */
static int
drive(struct fl_sasl_srv *s, enum fl_sasl_mech m, const char *name,
    const char *password, int *cli_rc)
{
	struct fl_sasl_cli c;
	uint8_t a[FL_SASL_TOKEN_MAX], b[FL_SASL_TOKEN_MAX];
	size_t an, bn;
	int rc = FL_EINVAL, turn;

	*cli_rc = 1;
	srv_start(s, m);
	if (fl_sasl_cli_init(&c, m, name, password) != 0 ||
	    fl_sasl_cli_first(&c, "fyko+d2lbbFgONRv9qkxdawL", a, sizeof(a), &an) != 0)
		return FL_EINVAL;
	for (turn = 0; turn < 3; turn++) {
		rc = fl_sasl_srv_step(s, a, an, "3rfcNHYJY1ZVvWVs7j", lookup, NULL,
		    b, sizeof(b), &bn, &why);
		if (rc < 0)
			break;
		*cli_rc = fl_sasl_cli_step(&c, b, bn, a, sizeof(a), &an, NULL);
		if (rc == FL_SASL_DONE || *cli_rc < 0)
			break;
	}
	fl_sasl_cli_wipe(&c);
	return rc;
}

static void
test_round_trips(void)
{
	struct fl_sasl_srv s;
	size_t k;
	int m, rc, cli_rc;

	for (m = 0; m < FL_SASL_NMECH; m++) {
		const char *mech = fl_sasl_mech_name((enum fl_sasl_mech)m);

		for (k = 0; k < FL_ARRAY_LEN(users); k++) {
			rc = drive(&s, (enum fl_sasl_mech)m, users[k].name,
			    users[k].password, &cli_rc);
			CHECK(rc == FL_SASL_DONE && cli_rc == FL_SASL_DONE &&
			    s.state == FL_SASL_S_DONE &&
			    strcmp(s.user, users[k].name) == 0,
			    NAMED("%s round trip as \"%s\"", mech, users[k].name));
		}
		rc = drive(&s, (enum fl_sasl_mech)m, "alice", "wonderlant", &cli_rc);
		CHECK(rc == FL_ERANGE && s.state == FL_SASL_S_FAILED && s.user[0] == '\0',
		    NAMED("%s: wrong password is FL_ERANGE, FAILED", mech));
		rc = drive(&s, (enum fl_sasl_mech)m, "bob", "wonderland", &cli_rc);
		CHECK(rc == FL_ENOENT && s.state == FL_SASL_S_FAILED,
		    NAMED("%s: unknown user is FL_ENOENT, FAILED", mech));
	}
}

/* ---- (4) what the server refuses ---- */

struct tok {
	const char *p;
	size_t n;
};
#define T(lit) { (lit), sizeof(lit) - 1 }

static const struct refusal {
	const char *what;
	enum fl_sasl_mech mech;
	struct tok tok[3];	/* sent in turn; the earlier ones must succeed */
	int rc;			/* what the exchange ends with */
} refusals[] = {
	{ "SCRAM unknown user", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=nobody,r=abc") }, FL_ENOENT },
	{ "SCRAM-SHA-512 unknown user", FL_SASL_SCRAM_SHA512,
	  { T("n,,n=nobody,r=abc") }, FL_ENOENT },
	{ "tampered proof (one bit)", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_HEAD ",p=cHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=") },
	  FL_ERANGE },
	{ "proof of 31 bytes", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_HEAD ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndQ==") },
	  FL_EPROTO },
	{ "proof of 33 bytes", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_HEAD ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQA") },
	  FL_EPROTO },
	{ "proof not strict base64 (no padding)", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_HEAD ",p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ") },
	  FL_EPROTO },
	{ "wrong nonce in client-final", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T("c=biws,r=" RFC_CNONCE "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k1,p="
	    RFC_PROOF) }, FL_EPROTO },
	{ "client-final nonce without the server's part", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T("c=biws,r=" RFC_CNONCE ",p=" RFC_PROOF) }, FL_EPROTO },
	{ "c= not the GS2 header (y,,)", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T("c=eSws,r=" RFC_NONCE ",p=" RFC_PROOF) }, FL_EPROTO },
	{ "c= missing", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T("r=" RFC_NONCE ",p=" RFC_PROOF) }, FL_EPROTO },
	{ "c=biws after a GS2 header with a=", FL_SASL_SCRAM_SHA256,
	  { T("n,a=user,n=user,r=" RFC_CNONCE), T(RFC_FINAL) }, FL_EPROTO },
	{ "p= followed by more", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_FINAL ",x=y") }, FL_EPROTO },
	{ "channel binding p=", FL_SASL_SCRAM_SHA256,
	  { T("p=tls-unique,,n=user,r=abc") }, FL_EPROTO },
	{ "GS2 flag y", FL_SASL_SCRAM_SHA256, { T("y,,n=user,r=abc") }, FL_EPROTO },
	{ "GS2 flag other than n", FL_SASL_SCRAM_SHA256,
	  { T("x,,n=user,r=abc") }, FL_EPROTO },
	{ "a= other than the user", FL_SASL_SCRAM_SHA256,
	  { T("n,a=admin,n=user,r=abc") }, FL_EPROTO },
	{ "a= empty", FL_SASL_SCRAM_SHA256, { T("n,a=,n=user,r=abc") }, FL_EPROTO },
	{ "GS2 second field not a=", FL_SASL_SCRAM_SHA256,
	  { T("n,b=user,n=user,r=abc") }, FL_EPROTO },
	{ "tokenauth=true extension", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=user,r=abc,tokenauth=true") }, FL_EPROTO },
	{ "tokenauth=TRUE extension", FL_SASL_SCRAM_SHA512,
	  { T("n,,n=user,r=abc,tokenauth=TRUE") }, FL_EPROTO },
	{ "m= before n=", FL_SASL_SCRAM_SHA256, { T("n,,m=x,n=user,r=abc") }, FL_EPROTO },
	{ "m= as an extension", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=user,r=abc,m=x") }, FL_EPROTO },
	{ "extension without =", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=user,r=abc,foo") }, FL_EPROTO },
	{ "trailing comma", FL_SASL_SCRAM_SHA256, { T("n,,n=user,r=abc,") }, FL_EPROTO },
	{ "bad escape =41", FL_SASL_SCRAM_SHA256, { T("n,,n=us=41er,r=abc") }, FL_EPROTO },
	{ "lower-case escape =2c", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=a=2cb,r=abc") }, FL_EPROTO },
	{ "'=' ending the name", FL_SASL_SCRAM_SHA256, { T("n,,n=user=,r=abc") }, FL_EPROTO },
	{ "empty user", FL_SASL_SCRAM_SHA256, { T("n,,n=,r=abc") }, FL_EPROTO },
	{ "user with a control byte", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=us\ner,r=abc") }, FL_EPROTO },
	{ "user with a NUL", FL_SASL_SCRAM_SHA256,
	  { T("n,,n=user\0x,r=abc") }, FL_EPROTO },
	{ "empty nonce", FL_SASL_SCRAM_SHA256, { T("n,,n=user,r=") }, FL_EPROTO },
	{ "nonce with a space", FL_SASL_SCRAM_SHA256, { T("n,,n=user,r=a b") }, FL_EPROTO },
	{ "r= before n=", FL_SASL_SCRAM_SHA256, { T("n,,r=abc,n=user") }, FL_EPROTO },
	{ "empty client-first", FL_SASL_SCRAM_SHA256, { T("") }, FL_EPROTO },
	{ "PLAIN token to SCRAM", FL_SASL_SCRAM_SHA256,
	  { T("\0user\0pencil") }, FL_EPROTO },
	{ "client-first twice (replay)", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_FIRST) }, FL_EPROTO },
	{ "client-first again after DONE", FL_SASL_SCRAM_SHA256,
	  { T(RFC_FIRST), T(RFC_FINAL), T(RFC_FIRST) }, FL_EPROTO },
	{ "PLAIN wrong password", FL_SASL_PLAIN, { T("\0user\0pencil!") }, FL_ERANGE },
	{ "PLAIN unknown user", FL_SASL_PLAIN, { T("\0nobody\0pencil") }, FL_ENOENT },
	{ "PLAIN authzid other than the user", FL_SASL_PLAIN,
	  { T("admin\0user\0pencil") }, FL_EPROTO },
	{ "PLAIN without NULs", FL_SASL_PLAIN, { T("userpencil") }, FL_EPROTO },
	{ "PLAIN with one NUL", FL_SASL_PLAIN, { T("user\0pencil") }, FL_EPROTO },
	{ "PLAIN with three NULs", FL_SASL_PLAIN, { T("\0user\0pen\0cil") }, FL_EPROTO },
	{ "PLAIN empty password", FL_SASL_PLAIN, { T("\0user\0") }, FL_EPROTO },
	{ "PLAIN empty user", FL_SASL_PLAIN, { T("\0\0pencil") }, FL_EPROTO },
	{ "PLAIN user with a control byte", FL_SASL_PLAIN,
	  { T("\0us\ter\0pencil") }, FL_EPROTO },
	{ "PLAIN twice", FL_SASL_PLAIN,
	  { T("\0user\0pencil"), T("\0user\0pencil") }, FL_EPROTO },
	{ "PLAIN empty token", FL_SASL_PLAIN, { T("") }, FL_EPROTO },
};

/* Send tokens in turn until one fails or none is left: the last result. */
static int
run_tokens(struct fl_sasl_srv *s, const struct tok *tok, size_t ntok)
{
	size_t i;
	int rc = FL_EINVAL;

	for (i = 0; i < ntok && tok[i].p != NULL; i++) {
		rc = srv_step(s, tok[i].p, tok[i].n);
		if (rc < 0)
			break;
	}
	return rc;
}

/* A refused exchange: the code, FAILED, and nothing left behind. */
static int
refused(const struct fl_sasl_srv *s, int rc, int want)
{
	return rc == want && s->state == FL_SASL_S_FAILED && s->user[0] == '\0' &&
	    all_zero(&s->cred, sizeof(s->cred)) && s->auth_msg_len == 0 &&
	    out_len == 0;
}

static void
test_refusals(void)
{
	struct fl_sasl_srv s;
	size_t k;
	int rc;

	for (k = 0; k < FL_ARRAY_LEN(refusals); k++) {
		const struct refusal *r = &refusals[k];

		srv_start(&s, r->mech);
		memset(&why, 0, sizeof(why));
		rc = run_tokens(&s, r->tok, FL_ARRAY_LEN(r->tok));
		if (!CHECK(refused(&s, rc, r->rc), NAMED("server refuses: %s", r->what)))
			printf("#   rc %d (want %d), state %d\n", rc, r->rc, (int)s.state);
		printf("#   why: %s\n", why.msg);
	}
}

/* Truncate tok at every length below its own; each exchange must fail. */
static int
prefixes_fail(enum fl_sasl_mech m, const char *before, const char *tok,
    const char *after)
{
	struct fl_sasl_srv s;
	size_t cut, n = strlen(tok);
	int rc, bad = 0;

	for (cut = 0; cut < n; cut++) {
		srv_start(&s, m);
		rc = before != NULL ? srv_str(&s, before) : 0;
		if (rc >= 0)
			rc = srv_step(&s, tok, cut);
		/* a shorter client nonce is still a client-first: then the final must fail */
		if (rc == FL_SASL_CONTINUE && after != NULL)
			rc = srv_str(&s, after);
		if (rc >= 0 || s.state != FL_SASL_S_FAILED) {
			printf("#   cut at %zu: rc %d\n", cut, rc);
			bad++;
		}
	}
	return bad == 0;
}

static void
test_truncation(void)
{
	static const char plain[] = "\0user\0pencil";

	CHECK(prefixes_fail(FL_SASL_SCRAM_SHA256, NULL, RFC_FIRST, RFC_FINAL),
	    NAMED("client-first cut at each of %zu lengths: every exchange fails",
	    strlen(RFC_FIRST)));
	CHECK(prefixes_fail(FL_SASL_SCRAM_SHA256, RFC_FIRST, RFC_FINAL, NULL),
	    NAMED("client-final cut at each of %zu lengths: refused",
	    strlen(RFC_FINAL)));
	{
		struct fl_sasl_srv s;
		size_t cut;
		int bad = 0;

		for (cut = 0; cut < sizeof(plain) - 1; cut++) {
			srv_start(&s, FL_SASL_PLAIN);
			if (srv_step(&s, plain, cut) >= 0)
				bad++;
		}
		CHECK(bad == 0, "PLAIN token cut at each length: refused");
	}
}

static void
test_limits_and_order(void)
{
	static char big[FL_SASL_TOKEN_MAX + 2];
	struct fl_sasl_srv s;
	size_t n;

	/* a long but legal client-first: an extension padding it to the limit */
	n = (size_t)snprintf(big, sizeof(big), "n,,n=user,r=abc,x=");
	memset(big + n, 'a', FL_SASL_TOKEN_MAX + 1 - n);
	srv_start(&s, FL_SASL_SCRAM_SHA256);
	CHECK_INT(srv_step(&s, big, FL_SASL_TOKEN_MAX), ==, FL_SASL_CONTINUE,
	    "a token of FL_SASL_TOKEN_MAX bytes is taken");
	srv_start(&s, FL_SASL_SCRAM_SHA256);
	CHECK(refused(&s, srv_step(&s, big, FL_SASL_TOKEN_MAX + 1), FL_EFULL),
	    "a token of FL_SASL_TOKEN_MAX+1 bytes is FL_EFULL, FAILED");
	srv_start(&s, FL_SASL_PLAIN);
	CHECK(refused(&s, srv_step(&s, big, FL_SASL_TOKEN_MAX + 1), FL_EFULL),
	    "PLAIN: a token over the limit is FL_EFULL, FAILED");

	srv_start(&s, FL_SASL_SCRAM_SHA256);
	CHECK(refused(&s, fl_sasl_srv_step(&s, (const uint8_t *)RFC_FIRST,
	    strlen(RFC_FIRST), RFC_SNONCE, lookup, NULL, out, 20, &out_len, &why),
	    FL_EFULL), "a reply buffer too small is FL_EFULL, FAILED");

	srv_new(&s);
	CHECK(refused(&s, srv_str(&s, RFC_FIRST), FL_EPROTO),
	    "a step before the mechanism is FL_EPROTO, FAILED");
	CHECK(refused(&s, srv_str(&s, RFC_FIRST), FL_EPROTO),
	    "a step after a failure is FL_EPROTO");

	srv_new(&s);
	CHECK(refused(&s, fl_sasl_srv_mech(&s, "SCRAM-SHA-1", 11, ALL_MECHS), FL_ENOENT),
	    "unknown mechanism SCRAM-SHA-1 is FL_ENOENT, FAILED");
	srv_new(&s);
	CHECK(refused(&s, fl_sasl_srv_mech(&s, "plain", 5, ALL_MECHS), FL_ENOENT),
	    "mechanism names are case-sensitive (\"plain\" is FL_ENOENT)");
	srv_new(&s);
	CHECK(refused(&s, fl_sasl_srv_mech(&s, "SCRAM-SHA-512", 13,
	    1u << FL_SASL_PLAIN), FL_ENOENT),
	    "a mechanism not enabled is FL_ENOENT, FAILED");
	srv_start(&s, FL_SASL_PLAIN);
	CHECK(refused(&s, fl_sasl_srv_mech(&s, "PLAIN", 5, ALL_MECHS), FL_EPROTO),
	    "a repeated mechanism is FL_EPROTO, FAILED");
	srv_new(&s);
	CHECK(fl_sasl_srv_mech(&s, "SCRAM-SHA-256x", 13, ALL_MECHS) == 0 &&
	    s.mech == FL_SASL_SCRAM_SHA256, "the mechanism name is read by its length");

	srv_start(&s, FL_SASL_SCRAM_SHA256);
	srv_str(&s, RFC_FIRST);
	fl_sasl_srv_wipe(&s);
	CHECK(refused(&s, srv_str(&s, RFC_FINAL), FL_EPROTO),
	    "wipe mid-exchange: secrets gone, FAILED, the final refused");
}

/* Long names: 255 bytes pass the parser, 256 do not, and a= of 765 escaped bytes fits. */
static void
test_long_names(void)
{
	static char tok[FL_SASL_TOKEN_MAX];
	struct fl_sasl_srv s;
	char esc[3 * FL_SASL_USER_MAX + 1];
	size_t i;

	for (i = 0; i < FL_SASL_USER_MAX; i++)
		memcpy(esc + 3 * i, "=2C", 3);
	esc[3 * FL_SASL_USER_MAX] = '\0';
	snprintf(tok, sizeof(tok), "n,a=%s,n=%s,r=abc", esc, esc);
	srv_start(&s, FL_SASL_SCRAM_SHA256);
	CHECK(refused(&s, srv_str(&s, tok), FL_ENOENT),
	    "255-byte escaped user and a=: parsed, then unknown (FL_ENOENT)");
	snprintf(tok, sizeof(tok), "n,,n=%sx,r=abc", esc);
	srv_start(&s, FL_SASL_SCRAM_SHA256);
	CHECK(refused(&s, srv_str(&s, tok), FL_EPROTO), "a 256-byte user is FL_EPROTO");
	tok[0] = '\0';
	memset(tok + 1, 'u', FL_SASL_USER_MAX + 1);
	memcpy(tok + FL_SASL_USER_MAX + 2, "\0pw", 3);
	srv_start(&s, FL_SASL_PLAIN);
	CHECK(refused(&s, srv_step(&s, tok, FL_SASL_USER_MAX + 5), FL_EPROTO),
	    "PLAIN: a 256-byte user is FL_EPROTO");
}

/* What the server accepts though our client never sends it. */
static void
test_accepts(void)
{
	static const struct {
		const char *what, *gs2, *bare, *pre, *ext, *user;
	} ok[] = {
		{ "GS2 a= equal to the user", "n,a=user,", "n=user,r=abc", "", "", "user" },
		{ "escaped a= and user", "n,a=a=2Cb=3Dc,", "n=a=2Cb=3Dc,r=abc", "", "",
		  "a,b=c" },
		{ "a literal \"=2C\" in a name", "n,,", "n=x=3D2C,r=abc", "", "", "x=2C" },
		{ "extensions after r= ignored", "n,,",
		  "n=user,r=abc,foo=bar,tokenauth=false", "", "", "user" },
		{ "extension before p= ignored", "n,,", "n=user,r=abc", "", ",x=y", "user" },
		/* librdkafka 2.0 sends r=CNONCE + the combined nonce; Kafka takes it */
		{ "librdkafka's r= (client nonce twice)", "n,,", "n=user,r=abc", "abc", "",
		  "user" },
	};
	char first[512], final[1600];
	struct fl_sasl_srv s;
	size_t k, u;

	for (k = 0; k < FL_ARRAY_LEN(ok); k++) {
		for (u = 0; strcmp(users[u].name, ok[k].user) != 0; u++)
			;
		srv_start(&s, FL_SASL_SCRAM_SHA512);
		snprintf(first, sizeof(first), "%s%s", ok[k].gs2, ok[k].bare);
		if (srv_str(&s, first) == FL_SASL_CONTINUE) {
			out[out_len] = '\0';
			make_final(FL_SCRAM_SHA512, users[u].password, ok[k].gs2,
			    ok[k].bare, (const char *)out, ok[k].pre, ok[k].ext, final,
			    sizeof(final));
			srv_str(&s, final);
		}
		if (!CHECK(s.state == FL_SASL_S_DONE && strcmp(s.user, ok[k].user) == 0,
		    NAMED("server accepts: %s", ok[k].what)))
			printf("#   why: %s\n", why.msg);
	}
	srv_start(&s, FL_SASL_PLAIN);
	CHECK(srv_step(&s, "user\0user\0pencil", 16) == FL_SASL_DONE && out_len == 0 &&
	    strcmp(s.user, "user") == 0, "PLAIN: authzid equal to the user, empty reply");
}

/* ---- (5) what the client refuses ---- */

static const struct cli_refusal {
	const char *what;
	struct tok tok[2];	/* server-first, then server-final */
	int rc;
} cli_refusals[] = {
	{ "server-first with another nonce",
	  { T("r=XOprNGfwEbeRWgbNEkqO%hvYD,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") },
	  FL_EPROTO },
	{ "server-first nonce without a server part",
	  { T("r=" RFC_CNONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") }, FL_EPROTO },
	{ "server-first e=", { T("e=other-error") }, FL_EPROTO },
	{ "server-first i=1", { T("r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=1") },
	  FL_EPROTO },
	{ "server-first i=16385",
	  { T("r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=16385") }, FL_EPROTO },
	{ "server-first i=99999999999999",
	  { T("r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999999999") }, FL_EPROTO },
	{ "server-first i=04096",
	  { T("r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=04096") }, FL_EPROTO },
	{ "server-first without s=", { T("r=" RFC_NONCE ",i=4096") }, FL_EPROTO },
	{ "server-first m=", { T("m=x,r=" RFC_NONCE ",s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096") },
	  FL_EPROTO },
	{ "bad server signature (one bit)",
	  { T(RFC_SFIRST), T("v=67riTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=") },
	  FL_ERANGE },
	{ "server-final e=", { T(RFC_SFIRST), T("e=invalid-proof") }, FL_EPROTO },
	{ "server-final v= not base64",
	  { T(RFC_SFIRST), T("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4") }, FL_EPROTO },
	{ "server-final v= short", { T(RFC_SFIRST), T("v=6rri") }, FL_EPROTO },
	{ "server-final empty", { T(RFC_SFIRST), T("") }, FL_EPROTO },
};

/* A SCRAM-SHA-256 client for "user" that has sent RFC 7677's client-first. */
static void
cli_start(struct fl_sasl_cli *c)
{
	uint8_t buf[FL_SASL_TOKEN_MAX];
	size_t n;

	FL_ASSERT(fl_sasl_cli_init(c, FL_SASL_SCRAM_SHA256, "user", "pencil") == 0);
	FL_ASSERT(fl_sasl_cli_first(c, RFC_CNONCE, buf, sizeof(buf), &n) == 0);
}

static int
cli_tokens(struct fl_sasl_cli *c, const struct tok *tok, size_t ntok)
{
	size_t i;
	int rc = FL_EINVAL;

	for (i = 0; i < ntok && tok[i].p != NULL; i++) {
		rc = fl_sasl_cli_step(c, (const uint8_t *)tok[i].p, tok[i].n, out,
		    sizeof(out), &out_len, &why);
		if (rc < 0)
			break;
	}
	return rc;
}

static int
cli_refused(const struct fl_sasl_cli *c, int rc, int want)
{
	return rc == want && c->state == FL_SASL_C_FAILED && out_len == 0 &&
	    all_zero(c->password, sizeof(c->password)) &&
	    all_zero(c->server_sig, sizeof(c->server_sig));
}

static void
test_cli_refusals(void)
{
	struct fl_sasl_cli c;
	size_t k, cut;
	int rc, bad;

	for (k = 0; k < FL_ARRAY_LEN(cli_refusals); k++) {
		const struct cli_refusal *r = &cli_refusals[k];

		cli_start(&c);
		memset(&why, 0, sizeof(why));
		rc = cli_tokens(&c, r->tok, FL_ARRAY_LEN(r->tok));
		if (!CHECK(cli_refused(&c, rc, r->rc), NAMED("client refuses: %s", r->what)))
			printf("#   rc %d (want %d), state %d\n", rc, r->rc, (int)c.state);
		printf("#   why: %s\n", why.msg);
	}
	cli_start(&c);
	cli_tokens(&c, (const struct tok[]){ T("e=other-error") }, 1);
	CHECK(strstr(why.msg, "\"other-error\"") != NULL,
	    "client: the server's e= text is in why");

	for (bad = 0, cut = 0; cut < strlen(RFC_SFIRST); cut++) {
		cli_start(&c);
		if (fl_sasl_cli_step(&c, (const uint8_t *)RFC_SFIRST, cut, out,
		    sizeof(out), &out_len, NULL) >= 0 || c.state != FL_SASL_C_FAILED)
			bad++;
	}
	CHECK(bad == 0, "client: server-first cut at each length: refused");
	for (bad = 0, cut = 0; cut < strlen(RFC_SFINAL); cut++) {
		struct tok tok[2] = { T(RFC_SFIRST), { RFC_SFINAL, cut } };

		cli_start(&c);
		if (cli_tokens(&c, tok, 2) >= 0 || c.state != FL_SASL_C_FAILED)
			bad++;
	}
	CHECK(bad == 0, "client: server-final cut at each length: refused");

	cli_start(&c);
	CHECK(cli_refused(&c, fl_sasl_cli_step(&c, (const uint8_t *)RFC_SFIRST,
	    strlen(RFC_SFIRST), out, 40, &out_len, &why), FL_EFULL),
	    "client: a reply buffer too small is FL_EFULL, FAILED");
	{
		static uint8_t big[FL_SASL_TOKEN_MAX + 1];

		cli_start(&c);
		CHECK(cli_refused(&c, fl_sasl_cli_step(&c, big, sizeof(big), out,
		    sizeof(out), &out_len, &why), FL_EFULL),
		    "client: a token over the limit is FL_EFULL");
	}
	cli_start(&c);
	cli_tokens(&c, (const struct tok[]){ T(RFC_SFIRST), T(RFC_SFINAL) }, 2);
	CHECK(cli_refused(&c, cli_tokens(&c, (const struct tok[]){ T(RFC_SFINAL) }, 1),
	    FL_EPROTO), "client: a token after DONE is FL_EPROTO, FAILED");
}

static void
test_cli_misc(void)
{
	static char long_user[FL_SASL_USER_MAX + 2], long_pw[FL_SASL_PASSWORD_MAX + 2];
	struct fl_sasl_cli c;
	uint8_t buf[64];
	size_t n;

	memset(long_user, 'u', FL_SASL_USER_MAX + 1);
	memset(long_pw, 'p', FL_SASL_PASSWORD_MAX + 1);
	CHECK(fl_sasl_cli_init(&c, FL_SASL_PLAIN, "", "pw") == FL_ERANGE &&
	    c.state == FL_SASL_C_FAILED, "client: empty user is FL_ERANGE");
	CHECK_INT(fl_sasl_cli_init(&c, FL_SASL_PLAIN, long_user, "pw"), ==, FL_ERANGE,
	    "client: a 256-byte user is FL_ERANGE");
	CHECK_INT(fl_sasl_cli_init(&c, FL_SASL_PLAIN, "u", long_pw), ==, FL_ERANGE,
	    "client: a 1025-byte password is FL_ERANGE");
	long_user[FL_SASL_USER_MAX] = '\0';
	long_pw[FL_SASL_PASSWORD_MAX] = '\0';
	CHECK_INT(fl_sasl_cli_init(&c, FL_SASL_PLAIN, long_user, long_pw), ==, 0,
	    "client: 255-byte user and 1024-byte password are taken");

	fl_sasl_cli_init(&c, FL_SASL_PLAIN, "user", "pencil");
	memset(buf, 0, sizeof(buf));
	CHECK(fl_sasl_cli_first(&c, NULL, buf, 8, &n) == FL_EFULL &&
	    c.state == FL_SASL_C_START && all_zero(buf, 8),
	    "client: first into a small buffer is FL_EFULL, nothing changes");
	CHECK(fl_sasl_cli_first(&c, NULL, buf, sizeof(buf), &n) == 0 && n == 12 &&
	    memcmp(buf, "\0user\0pencil", 12) == 0 && all_zero(c.password,
	    sizeof(c.password)), "client: PLAIN token, password forgotten");
	CHECK(fl_sasl_cli_step(&c, NULL, 0, out, sizeof(out), &out_len, NULL) ==
	    FL_SASL_DONE && c.state == FL_SASL_C_DONE, "client: PLAIN's empty reply is DONE");

	fl_sasl_cli_init(&c, FL_SASL_SCRAM_SHA512, "a,b=c", "x");
	CHECK(fl_sasl_cli_first(&c, "n0nce", out, sizeof(out), &out_len) == 0 &&
	    out_is("n,,n=a=2Cb=3Dc,r=n0nce"), "client: the user name is escaped");
	fl_sasl_cli_wipe(&c);
	CHECK(c.state == FL_SASL_C_FAILED && all_zero(c.password, sizeof(c.password)),
	    "client: wipe mid-exchange: FAILED, password gone");
	CHECK(cli_refused(&c, fl_sasl_cli_step(&c, (const uint8_t *)RFC_SFIRST,
	    strlen(RFC_SFIRST), out, sizeof(out), &out_len, NULL), FL_EPROTO),
	    "client: a step after wipe is FL_EPROTO");
}

static void
test_names(void)
{
	enum fl_sasl_mech m;
	int k, ok = 1;

	for (k = 0; k < FL_SASL_NMECH; k++) {
		const char *name = fl_sasl_mech_name((enum fl_sasl_mech)k);

		ok &= fl_sasl_mech_parse(name, strlen(name), &m) == 0 && (int)m == k;
	}
	CHECK(ok && strcmp(fl_sasl_mech_name(FL_SASL_SCRAM_SHA512), "SCRAM-SHA-512") == 0,
	    "mechanism names round-trip");
	CHECK(fl_sasl_mech_parse("SCRAM-SHA-25", 12, &m) == FL_ENOENT &&
	    fl_sasl_mech_parse("", 0, &m) == FL_ENOENT, "unknown names are FL_ENOENT");
	CHECK(strncmp(fl_sasl_srv_public_error(), "Authentication failed", 21) == 0,
	    "public error text");
}

int
main(void)
{
	if (fl_csum_init() != 0 || make_users() != 0)
		return 1;
	test_rfc_server();
	test_rfc_client();
	test_round_trips();
	test_refusals();
	test_truncation();
	test_limits_and_order();
	test_long_names();
	test_accepts();
	test_cli_refusals();
	test_cli_misc();
	test_names();
	return tap_done();
}
