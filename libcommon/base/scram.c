#include <string.h>

#include <sodium.h>

#include "base/csum.h"
#include "base/scram.h"

size_t
fl_scram_len(enum fl_scram_hash h)
{
	return h == FL_SCRAM_SHA512 ? 64 : 32;
}

const char *
fl_scram_mech(enum fl_scram_hash h)
{
	return h == FL_SCRAM_SHA512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
}

void
fl_scram_hash(enum fl_scram_hash h, const void *p, size_t n, uint8_t *out)
{
	if (h == FL_SCRAM_SHA512)
		crypto_hash_sha512(out, p, n);
	else
		crypto_hash_sha256(out, p, n);
}

/* HMAC over two pieces, so Hi's first round needs no copy of salt || INT(1). */
static void
hmac2(enum fl_scram_hash h, const void *key, size_t klen, const void *a,
    size_t alen, const void *b, size_t blen, uint8_t *out)
{
	if (h == FL_SCRAM_SHA512) {
		crypto_auth_hmacsha512_state st;

		crypto_auth_hmacsha512_init(&st, key, klen);
		crypto_auth_hmacsha512_update(&st, a, alen);
		if (blen > 0)
			crypto_auth_hmacsha512_update(&st, b, blen);
		crypto_auth_hmacsha512_final(&st, out);
		sodium_memzero(&st, sizeof(st));
	} else {
		crypto_auth_hmacsha256_state st;

		crypto_auth_hmacsha256_init(&st, key, klen);
		crypto_auth_hmacsha256_update(&st, a, alen);
		if (blen > 0)
			crypto_auth_hmacsha256_update(&st, b, blen);
		crypto_auth_hmacsha256_final(&st, out);
		sodium_memzero(&st, sizeof(st));
	}
}

void
fl_scram_hmac(enum fl_scram_hash h, const void *key, size_t klen,
    const void *msg, size_t mlen, uint8_t *out)
{
	hmac2(h, key, klen, msg, mlen, NULL, 0, out);
}

int
fl_scram_salted(enum fl_scram_hash h, const void *password, size_t plen,
    const uint8_t *salt, size_t slen, uint32_t iterations, uint8_t *out)
{
	static const uint8_t one[4] = { 0, 0, 0, 1 };
	uint8_t u[FL_SCRAM_KEY_MAX];
	size_t len = fl_scram_len(h), k;
	uint32_t i;

	if (iterations < FL_SCRAM_ITER_MIN || iterations > FL_SCRAM_ITER_MAX)
		return FL_ERANGE;
	/* U1 = HMAC(P, S || INT(1)); Ui = HMAC(P, Ui-1); Hi = U1 ^ ... ^ Ui */
	hmac2(h, password, plen, salt, slen, one, sizeof(one), u);
	memcpy(out, u, len);
	for (i = 1; i < iterations; i++) {
		hmac2(h, password, plen, u, len, NULL, 0, u);
		for (k = 0; k < len; k++)
			out[k] ^= u[k];
	}
	sodium_memzero(u, sizeof(u));
	return 0;
}

void
fl_scram_keys(enum fl_scram_hash h, const uint8_t *salted,
    uint8_t *client_key, uint8_t *stored_key, uint8_t *server_key)
{
	uint8_t ck[FL_SCRAM_KEY_MAX];
	size_t len = fl_scram_len(h);

	fl_scram_hmac(h, salted, len, "Client Key", 10, ck);
	if (client_key != NULL)
		memcpy(client_key, ck, len);
	if (stored_key != NULL)
		fl_scram_hash(h, ck, len, stored_key);
	if (server_key != NULL)
		fl_scram_hmac(h, salted, len, "Server Key", 10, server_key);
	sodium_memzero(ck, sizeof(ck));
}

int
fl_scram_cred_make(struct fl_scram_cred *c, enum fl_scram_hash h,
    const void *password, size_t plen, const uint8_t *salt, size_t slen,
    uint32_t iterations)
{
	uint8_t salted[FL_SCRAM_KEY_MAX];
	int rc;

	if (slen == 0 || slen > FL_SCRAM_SALT_MAX)
		return FL_EINVAL;
	memset(c, 0, sizeof(*c));
	rc = fl_scram_salted(h, password, plen, salt, slen, iterations, salted);
	if (rc != 0)
		return rc;
	memcpy(c->salt, salt, slen);
	c->salt_len = slen;
	c->iterations = iterations;
	fl_scram_keys(h, salted, NULL, c->stored_key, c->server_key);
	sodium_memzero(salted, sizeof(salted));
	return 0;
}

int
fl_scram_cred_check(const struct fl_scram_cred *c, enum fl_scram_hash h,
    const void *password, size_t plen)
{
	uint8_t salted[FL_SCRAM_KEY_MAX], stored[FL_SCRAM_KEY_MAX];
	int ok;

	if (fl_scram_salted(h, password, plen, c->salt, c->salt_len,
	    c->iterations, salted) != 0)
		return 0;
	fl_scram_keys(h, salted, NULL, stored, NULL);
	ok = fl_ct_equal(stored, c->stored_key, fl_scram_len(h));
	sodium_memzero(salted, sizeof(salted));
	return ok;
}
