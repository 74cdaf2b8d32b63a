/*
 * scram.h: the cryptography of SCRAM (RFC 5802, RFC 7677) over
 * libsodium: HMAC and hash for SHA-256 and SHA-512, Hi() (PBKDF2-HMAC
 * with one output block), and the keys a server stores for a user:
 *
 *   SaltedPassword = Hi(password, salt, iterations)
 *   ClientKey      = HMAC(SaltedPassword, "Client Key")
 *   StoredKey      = H(ClientKey)
 *   ServerKey      = HMAC(SaltedPassword, "Server Key")
 *
 * The message exchange itself is sm/sasl.h; the credentials file is
 * codec/creds.h.  The password is used as given (no SASLprep: Kafka's
 * clients send it as UTF-8 bytes unchanged, and so does flume).
 *
 * fl_csum_init() (base/csum.h) must have run.  No allocation; thread-safe.
 * Errors: FL_ERANGE for an iteration count outside
 * [FL_SCRAM_ITER_MIN, FL_SCRAM_ITER_MAX].
 * Layer: base.  Pure: no I/O (libsodium only).
 */
#ifndef FL_SCRAM_H
#define FL_SCRAM_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

enum fl_scram_hash {
	FL_SCRAM_SHA256 = 0,
	FL_SCRAM_SHA512 = 1
};
#define FL_SCRAM_NHASH 2

#define FL_SCRAM_KEY_MAX 64		/* the longest digest: SHA-512 */
#define FL_SCRAM_SALT_MAX 64		/* bytes of salt a credential may carry */
#define FL_SCRAM_ITER_MIN 4096		/* RFC 7677 §4 and Kafka's minimum */
#define FL_SCRAM_ITER_MAX 16384		/* Kafka's maximum */
#define FL_SCRAM_ITER_DEFAULT 8192

/* A user's stored secrets for one hash: what the server keeps, never the password. */
struct fl_scram_cred {
	uint8_t salt[FL_SCRAM_SALT_MAX];
	size_t salt_len;
	uint32_t iterations;
	uint8_t stored_key[FL_SCRAM_KEY_MAX];	/* fl_scram_len(h) bytes used */
	uint8_t server_key[FL_SCRAM_KEY_MAX];
};

/* Digest length of h: 32 or 64. */
size_t fl_scram_len(enum fl_scram_hash h);
/* The SASL mechanism name: "SCRAM-SHA-256" or "SCRAM-SHA-512". */
const char *fl_scram_mech(enum fl_scram_hash h);

/* out[fl_scram_len(h)] = H(p[0..n)). */
void fl_scram_hash(enum fl_scram_hash h, const void *p, size_t n, uint8_t *out);
/* out[fl_scram_len(h)] = HMAC(key, msg), any key length. */
void fl_scram_hmac(enum fl_scram_hash h, const void *key, size_t klen,
    const void *msg, size_t mlen, uint8_t *out);
/* out[fl_scram_len(h)] = Hi(password, salt, iterations); 0 or FL_ERANGE. */
int fl_scram_salted(enum fl_scram_hash h, const void *password, size_t plen,
    const uint8_t *salt, size_t slen, uint32_t iterations, uint8_t *out);
/* The client key, stored key and server key of a salted password (any may be NULL). */
void fl_scram_keys(enum fl_scram_hash h, const uint8_t *salted,
    uint8_t *client_key, uint8_t *stored_key, uint8_t *server_key);
/*
 * Fill c for password with the given salt (slen <= FL_SCRAM_SALT_MAX) and
 * iterations: what `user add` stores.  0, FL_ERANGE or FL_EINVAL (salt).
 */
int fl_scram_cred_make(struct fl_scram_cred *c, enum fl_scram_hash h,
    const void *password, size_t plen, const uint8_t *salt, size_t slen,
    uint32_t iterations);
/* 1 if password matches c (SASL PLAIN against SCRAM secrets), in constant time. */
int fl_scram_cred_check(const struct fl_scram_cred *c, enum fl_scram_hash h,
    const void *password, size_t plen);

#endif
