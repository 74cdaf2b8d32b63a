/*
 * http.h: a bounded parser of one HTTP/1.x request head (RFC 9112 §2-5):
 * the request line (method, target, version) and the header lines up to
 * the blank line.  Headers are checked and counted, never stored: the
 * broker's metrics responder needs only the request line.  The body, if
 * any, is not looked at (the responder closes the connection after one
 * answer, so it never has to find where a body ends).
 *
 * Incremental by re-parsing: call fl_http_parse() with everything received
 * so far; it says "need more", "complete after N bytes", or why not.  A
 * head is judged as soon as the bytes present decide it: a malformed
 * request line is an error before its headers arrive, and a head that
 * cannot end within head_bytes_max is an error at once.  Line ends are
 * CRLF or a bare LF (RFC 9112 §2.2 lets a recipient accept LF).
 *
 * Ownership: struct fl_http_req only borrows the caller's buffer (method
 * and target point into it) until the buffer changes.
 * Errors: negative FL_E* (base/err.h), each a distinct answer:
 *   FL_EPROTO  malformed (400)
 *   FL_EFULL   head longer than head_bytes_max, or too many header lines
 *              (431)
 *   FL_ERANGE  an HTTP version other than 1.0 or 1.1 (505)
 * Pure: no I/O, no allocation, no globals.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_HTTP_H
#define FL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define FL_HTTP_NEED_MORE 0
#define FL_HTTP_COMPLETE 1

struct fl_http_req {
	const char *method;		/* borrowed, not NUL-terminated */
	size_t method_len;
	const char *target;		/* borrowed: origin-form or whatever was sent */
	size_t target_len;
	size_t path_len;		/* target bytes before '?' (all when none) */
	int version_minor;		/* 0 or 1: HTTP/1.0 or HTTP/1.1 */
	size_t nheaders;		/* header lines seen */
	size_t head_bytes;		/* COMPLETE: bytes of the head, blank line included */
};

/*
 * Parse the request head at buf[0..len).  Returns FL_HTTP_COMPLETE with
 * *req filled (req->head_bytes <= head_bytes_max), FL_HTTP_NEED_MORE when
 * all of it so far is valid but the head has not ended (req unspecified),
 * or FL_EPROTO / FL_EFULL / FL_ERANGE as above.  headers_max bounds the
 * number of header lines.
 */
int fl_http_parse(const void *buf, size_t len, size_t head_bytes_max,
    size_t headers_max, struct fl_http_req *req);

/* 1 if the request's method is exactly the NUL-terminated m (case matters). */
int fl_http_method_is(const struct fl_http_req *req, const char *m);
/* 1 if the target's path (before any '?') is exactly the NUL-terminated path. */
int fl_http_path_is(const struct fl_http_req *req, const char *path);

/* The standard reason phrase of a status code ("OK", "Not Found"); "" if unknown. */
const char *fl_http_reason(int status);

#endif
