#include <sodium.h>

#include "base/csum.h"
#include "base/err.h"

_Static_assert(sizeof(struct fl_blake2b_state) >= sizeof(crypto_generichash_state),
    "fl_blake2b_state too small for libsodium's state");

int
fl_csum_init(void)
{
	return sodium_init() < 0 ? FL_ESYS : 0;
}

void
fl_blake2b(uint8_t out[FL_BLAKE2B_BYTES], const void *p, size_t n)
{
	crypto_generichash(out, FL_BLAKE2B_BYTES, p, n, NULL, 0);
}

void
fl_blake2b_init(struct fl_blake2b_state *st)
{
	crypto_generichash_init((crypto_generichash_state *)(void *)st->opaque,
	    NULL, 0, FL_BLAKE2B_BYTES);
}

void
fl_blake2b_update(struct fl_blake2b_state *st, const void *p, size_t n)
{
	crypto_generichash_update((crypto_generichash_state *)(void *)st->opaque,
	    p, n);
}

void
fl_blake2b_final(struct fl_blake2b_state *st, uint8_t out[FL_BLAKE2B_BYTES])
{
	crypto_generichash_final((crypto_generichash_state *)(void *)st->opaque,
	    out, FL_BLAKE2B_BYTES);
}

int
fl_ct_equal(const void *a, const void *b, size_t n)
{
	return sodium_memcmp(a, b, n) == 0;
}

void
fl_hex(char *out, const void *p, size_t n)
{
	sodium_bin2hex(out, 2 * n + 1, p, n);
}

