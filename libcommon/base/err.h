/*
 * err.h: the one error convention of libcommon.
 *
 * Functions return 0 (or a non-negative count) on success and a negative
 * FL_E* code on failure.  After FL_ESYS, errno holds the cause and is left
 * untouched until the function returns.  Libraries never print: where a
 * message helps, they fill a caller-owned struct fl_err.
 * Pure: no I/O, no allocation.
 * Layer: base (may include only base/ and libc headers that make no system call).
 */
#ifndef FL_ERR_H
#define FL_ERR_H

#include <stddef.h>

enum {
	FL_OK       = 0,
	FL_ESYS     = -1,	/* a system call failed; errno says why */
	FL_ESHORT   = -2,	/* input ended before the value did */
	FL_EPROTO   = -3,	/* peer or input broke the protocol / format */
	FL_ECORRUPT = -4,	/* stored data failed a length or checksum check */
	FL_EFULL    = -5,	/* a bounded buffer or queue is full */
	FL_ENOENT   = -6,	/* no such file, offset, topic, ... */
	FL_ERANGE   = -7,	/* a value lies outside what is allowed */
	FL_EEXIST   = -8,	/* already exists */
	FL_ENOMEM   = -9,	/* allocation failed */
	FL_EBUSY    = -10,	/* held by someone else (a lock) */
	FL_EINVAL   = -11,	/* caller passed an argument the contract forbids */
	FL_EAUTH    = -12	/* the peer refused our credentials (SASL) */
};

/* A message buffer a library fills for the caller (git's strbuf *err). */
struct fl_err {
	int  code;
	char msg[256];
};

/* Static text for an FL_E* code; never NULL. */
const char *fl_strerror(int code);

/*
 * Record code and a printf-style message in err (which may be NULL) and
 * return code, so callers can write `return fl_err_set(err, FL_ECORRUPT, ...)`.
 * errno is preserved.
 */
int fl_err_set(struct fl_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* FL_ASSERT: programmer errors only; stays on in release builds. */
void fl_assert_fail(const char *file, int line, const char *cond)
    __attribute__((noreturn));
#define FL_ASSERT(c) ((c) ? (void)0 : fl_assert_fail(__FILE__, __LINE__, #c))

#define FL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
