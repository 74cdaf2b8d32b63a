/*
 * csum.h: the libsodium pieces flume uses, behind one small interface:
 * BLAKE2b digests (metadata trailers, log digests), constant-time compares
 * and hex.  Random bytes, which come from the OS, are os/entropy.h.
 *
 * The program must call sodium_init() once in main() (fl_csum_init does it)
 * before anything here.  No allocation; the streaming state is caller
 * storage.  Thread-safe.
 * Layer: base (may include only base/ and libc headers that make no system call).
 */
#ifndef FL_CSUM_H
#define FL_CSUM_H

#include <stddef.h>
#include <stdint.h>

#define FL_BLAKE2B_BYTES 32	/* digest size used everywhere in flume */

/* Initialise libsodium; returns 0, or FL_ESYS if it cannot start. */
int fl_csum_init(void);

/* BLAKE2b-256 of n bytes into out[FL_BLAKE2B_BYTES]. */
void fl_blake2b(uint8_t out[FL_BLAKE2B_BYTES], const void *p, size_t n);

/* Streaming BLAKE2b-256: opaque, aligned state large enough for libsodium's. */
struct fl_blake2b_state {
	_Alignas(64) uint8_t opaque[384];
};
void fl_blake2b_init(struct fl_blake2b_state *st);
void fl_blake2b_update(struct fl_blake2b_state *st, const void *p, size_t n);
void fl_blake2b_final(struct fl_blake2b_state *st, uint8_t out[FL_BLAKE2B_BYTES]);

/* Constant-time compare; 1 if equal. */
int fl_ct_equal(const void *a, const void *b, size_t n);

/* Lowercase hex of n bytes into out[2*n+1]. */
void fl_hex(char *out, const void *p, size_t n);

#endif
