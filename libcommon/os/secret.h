/*
 * secret.h: a secret kept in a file, as --sasl-password-file names one:
 * the file's first line, read once per call (so a rotated file is seen at
 * the next call).  flume-cat reads it at start; flume-repl before each
 * connection to its leader.
 *
 * Ownership: the secret goes into the caller's buffer; every other buffer
 * it passed through is wiped (sodium_memzero) before return, and so is the
 * rest of the caller's buffer past the line (which may have held more of
 * the file), or all of it on failure.  Wiping the secret after use is the
 * caller's business (sodium_memzero).
 *
 * Errors: 0 or a negative FL_E*, with err (may be NULL) holding a one-line
 * reason WITHOUT the path (the caller prints "PATH: <msg>"):
 *   FL_ESYS   open or read failed; errno says why (ENOENT, EACCES, EISDIR)
 *   FL_ERANGE the first line is empty, or longer than cap - 1 bytes (a
 *             carriage return before its newline counts)
 *   FL_EPROTO the first line holds a NUL byte
 * Layer: os (open, read, close).  Thread-safe.
 */
#ifndef FL_SECRET_H
#define FL_SECRET_H

#include <stddef.h>

#include "base/err.h"

/*
 * The first line of path into out[0 .. cap), NUL-terminated: the bytes
 * before the first newline (or the end of the file), without a carriage
 * return just before that newline.  Nothing else is trimmed: a password
 * may begin or end with spaces.  cap >= 2.
 */
int fl_secret_read_line(const char *path, char *out, size_t cap, struct fl_err *err);

#endif
