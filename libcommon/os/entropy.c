/* entropy.c: random bytes from the OS through libsodium. */
#include <sodium.h>

#include "base/csum.h"
#include "base/err.h"
#include "os/entropy.h"

void
fl_random_bytes(void *p, size_t n)
{
	randombytes_buf(p, n);
}

void
fl_random_hex(char *out, size_t n)
{
	uint8_t buf[64];

	FL_ASSERT(n <= sizeof(buf));
	randombytes_buf(buf, n);
	fl_hex(out, buf, n);
}
