/*
 * entropy.h: cryptographically random bytes from the OS (libsodium's
 * randombytes, after fl_csum_init()).  Only programs and os/ modules draw
 * on it: pure modules take random bytes as inputs, and the simulator feeds
 * them from its seed.
 * Layer: os.  Thread-safe.
 */
#ifndef FL_ENTROPY_H
#define FL_ENTROPY_H

#include <stddef.h>

/* n cryptographically random bytes. */
void fl_random_bytes(void *p, size_t n);

/* A random id as 2*n lowercase hex digits plus NUL into out[2*n+1] (n <= 64). */
void fl_random_hex(char *out, size_t n);

#endif
