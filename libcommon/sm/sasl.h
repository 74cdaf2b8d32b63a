/*
 * sasl.h: SASL authentication of one connection, both ends, sans-I/O:
 * PLAIN (RFC 4616) and SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677)
 * as Kafka speaks them (KIP-84, KIP-152): tokens in, tokens out.  The
 * broker feeds it SaslHandshake's mechanism and SaslAuthenticate's bytes
 * (or v0's raw tokens); flume-repl and flume-cat drive the client side.
 *
 * Server, one exchange per connection:
 *   fl_sasl_srv_init → fl_sasl_srv_mech (the handshake's mechanism)
 *   → fl_sasl_srv_step per token until it returns FL_SASL_DONE or < 0.
 *   PLAIN:  "authzid\0user\0password" → DONE, empty reply.
 *   SCRAM:  client-first → CONTINUE with server-first;
 *           client-final → DONE with server-final ("v=...").
 * Any failure is final: the state becomes FL_SASL_S_FAILED and every
 * later step fails; the caller answers SASL_AUTHENTICATION_FAILED (58)
 * and closes.  why->msg says why for the log (never sent: the client
 * sees only fl_sasl_srv_public_error()).
 *
 * What the server rejects: an unknown user or wrong password or proof;
 * channel binding ("p=") or a "y" flag; an authzid other than the user;
 * a token over FL_SASL_TOKEN_MAX; a mandatory extension ("m=") or Kafka's
 * tokenauth extension (no delegation tokens); a client-final whose
 * channel-binding attribute is not base64 of the client-first's GS2
 * header, or whose nonce is not the combined nonce; a client-first or a
 * user name that is malformed (RFC 5802 §5.1: '=' only as =2C or =3D);
 * a second client-first (replayed message); a step before the mechanism.
 * User names must be printable ASCII (0x20-0x7e; Kafka takes only 7-bit
 * names, and a control byte would forge lines in the log that quotes them).
 * PLAIN checks the password against the user's SCRAM-SHA-512 secrets
 * (every user has both hashes; the stronger one).
 *
 * Randomness is an input: the server's nonce part (printable, no ',') is
 * given to fl_sasl_srv_step; the daemon makes it from os/entropy, tests
 * pass RFC 7677's.  Credentials are looked up through a callback, once,
 * when the client-first (SCRAM) or the PLAIN token names the user.
 * Programmer errors (a bad srv_nonce or cli_nonce, a bad mechanism value,
 * fl_sasl_cli_first twice) are FL_ASSERTs.
 *
 * No allocation, no I/O, no clock.  Secrets are wiped (sodium_memzero) when
 * no longer needed and by fl_sasl_*_wipe.
 * Layer: sm.  Errors: negative FL_E* as listed per function.
 */
#ifndef FL_SASL_H
#define FL_SASL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/scram.h"

#define FL_SASL_USER_MAX 255		/* bytes of a user name (after =2C/=3D unescaping) */
#define FL_SASL_TOKEN_MAX 4096		/* bytes of one token either way */
#define FL_SASL_NONCE_MAX 128		/* bytes of the combined nonce */
#define FL_SASL_PASSWORD_MAX 1024
/* "n,a=" saslname ",": a user of FL_SASL_USER_MAX bytes escaped (=2C, 3 each) */
#define FL_SASL_GS2_MAX (4 + 3 * FL_SASL_USER_MAX + 1)

enum fl_sasl_mech {
	FL_SASL_PLAIN = 0,
	FL_SASL_SCRAM_SHA256 = 1,
	FL_SASL_SCRAM_SHA512 = 2
};
#define FL_SASL_NMECH 3

/* "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512" */
const char *fl_sasl_mech_name(enum fl_sasl_mech m);
/* Exact (case-sensitive, as Kafka) name → mechanism: 0 or FL_ENOENT. */
int fl_sasl_mech_parse(const char *name, size_t len, enum fl_sasl_mech *m);

/* step results (besides negative errors) */
#define FL_SASL_CONTINUE 1		/* send the reply, expect another token */
#define FL_SASL_DONE 0			/* authenticated: send the reply (maybe empty) */

/*
 * The credential lookup: fill *c with user's secrets for hash h and
 * return 0, or return FL_ENOENT (no such user, or none for h).  Any other
 * negative code is passed through fl_sasl_srv_step.
 */
typedef int (*fl_sasl_lookup_fn)(void *arg, const char *user,
    enum fl_scram_hash h, struct fl_scram_cred *c);

enum fl_sasl_srv_state {
	FL_SASL_S_MECH = 0,		/* waiting for the mechanism */
	FL_SASL_S_FIRST,		/* waiting for the first token */
	FL_SASL_S_FINAL,		/* SCRAM: waiting for client-final */
	FL_SASL_S_DONE,			/* authenticated as user */
	FL_SASL_S_FAILED		/* refused; nothing more is accepted */
};

struct fl_sasl_srv {
	enum fl_sasl_srv_state state;
	enum fl_sasl_mech mech;
	char user[FL_SASL_USER_MAX + 1];	/* DONE: the principal ("" once FAILED) */
	/* SCRAM between its two steps (implementation's; do not touch) */
	struct fl_scram_cred cred;
	char nonce[FL_SASL_NONCE_MAX + 1];
	char gs2[FL_SASL_GS2_MAX];		/* the client-first's GS2 header */
	size_t gs2_len;
	char auth_msg[2 * FL_SASL_TOKEN_MAX];	/* client-first-bare "," server-first */
	size_t auth_msg_len;
};

void fl_sasl_srv_init(struct fl_sasl_srv *s);
/*
 * The handshake's mechanism.  0; FL_ENOENT if it is not one of ours (the
 * caller answers 33 with the enabled list); FL_EPROTO if not in
 * FL_SASL_S_MECH (a repeated handshake: 34).  enabled is a bit set of
 * (1u << mech).
 */
int fl_sasl_srv_mech(struct fl_sasl_srv *s, const char *name, size_t len,
    unsigned enabled);
/*
 * One token in[0..n).  The reply goes to out[0..out_max) (out_max >=
 * FL_SASL_TOKEN_MAX is always enough), its length in *out_len.
 * srv_nonce: the server's nonce part for SCRAM's first step (ignored
 * otherwise).  Returns FL_SASL_CONTINUE, FL_SASL_DONE, or:
 *   FL_EPROTO  malformed, out of order, replayed, or a feature we refuse
 *   FL_EFULL   token over FL_SASL_TOKEN_MAX
 *   FL_ENOENT  unknown user (or no secrets for this hash)
 *   FL_ERANGE  wrong password (PLAIN) or wrong proof (SCRAM)
 *   FL_ECORRUPT the looked-up secrets are unusable (salt size, iterations)
 * with why filled for the log (why may be NULL).
 */
int fl_sasl_srv_step(struct fl_sasl_srv *s, const uint8_t *in, size_t n,
    const char *srv_nonce, fl_sasl_lookup_fn lookup, void *arg,
    uint8_t *out, size_t out_max, size_t *out_len, struct fl_err *why);
/* The message a client is sent with error 58, whatever the cause. */
const char *fl_sasl_srv_public_error(void);
/*
 * Wipe the secrets and what the exchange kept between steps; state and
 * user stay, except that an exchange in progress becomes FAILED.  Safe on
 * any initialised handle, any number of times.
 */
void fl_sasl_srv_wipe(struct fl_sasl_srv *s);

/* ---- client ---- */

enum fl_sasl_cli_state {
	FL_SASL_C_START = 0,
	FL_SASL_C_FIRST_SENT,		/* SCRAM: awaiting server-first (PLAIN: any reply) */
	FL_SASL_C_FINAL_SENT,		/* SCRAM: awaiting server-final */
	FL_SASL_C_DONE,
	FL_SASL_C_FAILED
};

struct fl_sasl_cli {
	enum fl_sasl_cli_state state;
	enum fl_sasl_mech mech;
	char user[FL_SASL_USER_MAX + 1];
	char password[FL_SASL_PASSWORD_MAX + 1];
	char nonce[FL_SASL_NONCE_MAX + 1];	/* the client's part */
	char bare[FL_SASL_TOKEN_MAX];		/* client-first-bare */
	size_t bare_len;
	uint8_t server_sig[FL_SCRAM_KEY_MAX];
};

/* 0, or FL_ERANGE (user or password too long, or empty user: then FAILED). */
int fl_sasl_cli_init(struct fl_sasl_cli *c, enum fl_sasl_mech m,
    const char *user, const char *password);
/*
 * The first token (PLAIN's whole one, or SCRAM's client-first with
 * cli_nonce, 1..FL_SASL_NONCE_MAX bytes printable without ','; PLAIN
 * ignores it).  Only in state START.  0, or FL_EFULL (out too small:
 * nothing changes, out is wiped).  PLAIN forgets the password here.
 */
int fl_sasl_cli_first(struct fl_sasl_cli *c, const char *cli_nonce,
    uint8_t *out, size_t out_max, size_t *out_len);
/*
 * The server's token in[0..n) after a first (SCRAM: server-first →
 * client-final in out, FL_SASL_CONTINUE) or after a final (server-final
 * verified → FL_SASL_DONE, *out_len 0).  PLAIN: any reply → DONE.
 * Errors: FL_EPROTO (malformed, our nonce not its prefix, an "e=" error,
 * iteration count out of range, a step in any other state), FL_ERANGE
 * (the server's signature is wrong: it does not know our password),
 * FL_EFULL (a token over FL_SASL_TOKEN_MAX, or out too small).  why says
 * which (may be NULL).  Failures are final (FL_SASL_C_FAILED).
 */
int fl_sasl_cli_step(struct fl_sasl_cli *c, const uint8_t *in, size_t n,
    uint8_t *out, size_t out_max, size_t *out_len, struct fl_err *why);
/* As fl_sasl_srv_wipe: secrets gone, state and user kept, mid-exchange → FAILED. */
void fl_sasl_cli_wipe(struct fl_sasl_cli *c);

#endif
