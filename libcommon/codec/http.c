/*
 * http.c: one HTTP/1.x request head, checked byte by byte.
 *
 * Byte-wise ASCII on purpose (as conf.c): <ctype.h> follows the locale.
 * Each call starts over from the first byte; heads are small (the caller
 * bounds them), so re-parsing costs less than keeping state would.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "codec/http.h"

/* RFC 9110 §5.6.2 token characters */
static int
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int
is_vchar(uint8_t c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* field-value bytes: visible, blanks, and obs-text; no controls */
static int
is_field_byte(uint8_t c)
{
	return c == '\t' || c == ' ' || is_vchar(c) || c >= 0x80;
}

/*
 * The request line s[0..l), whole (is_whole) or the part received so
 * far: FL_HTTP_COMPLETE (whole and valid), FL_HTTP_NEED_MORE (a valid
 * beginning) or an error.
 */
static int
request_line(const uint8_t *s, size_t l, int is_whole, struct fl_http_req *req)
{
	static const char pat[] = "HTTP/1.1";	/* digits at 5 and 7 are any digit */
	size_t i = 0, t, k, vlen;

	while (i < l && is_tchar(s[i]))
		i++;
	if (i == l)
		return is_whole ? FL_EPROTO : FL_HTTP_NEED_MORE;
	if (s[i] != ' ' || i == 0)
		return FL_EPROTO;
	req->method = (const char *)s;
	req->method_len = i;
	t = ++i;
	while (i < l && is_vchar(s[i]))
		i++;
	if (i == l)
		return is_whole ? FL_EPROTO : FL_HTTP_NEED_MORE;
	if (s[i] != ' ' || i == t)
		return FL_EPROTO;
	req->target = (const char *)s + t;
	req->target_len = i - t;
	{
		const void *q = memchr(req->target, '?', req->target_len);

		req->path_len = q == NULL ? req->target_len :
		    (size_t)((const char *)q - req->target);
	}
	i++;
	vlen = l - i;
	if (vlen > 8 || (is_whole && vlen != 8))
		return FL_EPROTO;
	for (k = 0; k < vlen; k++) {
		uint8_t c = s[i + k];

		if (k == 5 || k == 7) {
			if (c < '0' || c > '9')
				return FL_EPROTO;
		} else if (c != (uint8_t)pat[k]) {
			return FL_EPROTO;
		}
	}
	/* HTTP/1.x only: 2 and 3 are not spoken over a plain text stream */
	if (vlen > 5 && s[i + 5] != '1')
		return FL_ERANGE;
	if (vlen > 7 && s[i + 7] > '1')
		return FL_ERANGE;
	if (!is_whole)
		return FL_HTTP_NEED_MORE;
	req->version_minor = s[i + 7] - '0';
	return FL_HTTP_COMPLETE;
}

/* One header line s[0..l) (without its line end): 0 or FL_EPROTO. */
static int
header_line(const uint8_t *s, size_t l)
{
	size_t i = 0;

	/* obs-fold (a line starting with a blank) is rejected: RFC 9112 §5.2 */
	while (i < l && is_tchar(s[i]))
		i++;
	if (i == 0 || i == l || s[i] != ':')
		return FL_EPROTO;	/* no name, no colon, or a blank before it */
	for (i++; i < l; i++)
		if (!is_field_byte(s[i]))
			return FL_EPROTO;
	return 0;
}

int
fl_http_parse(const void *buf, size_t len, size_t head_bytes_max,
    size_t headers_max, struct fl_http_req *req)
{
	const uint8_t *p = buf;
	size_t n = len < head_bytes_max ? len : head_bytes_max;
	size_t off = 0;
	int is_first = 1, rc;

	memset(req, 0, sizeof(*req));
	for (;;) {
		const uint8_t *nl = n > off ? memchr(p + off, '\n', n - off) : NULL;
		size_t l;

		if (nl == NULL) {
			if (is_first) {
				/* a CR whose LF has not come yet */
				l = n > 0 && p[n - 1] == '\r' ? n - 1 : n;
				rc = request_line(p, l, 0, req);
				if (rc < 0)
					return rc;
			}
			return len >= head_bytes_max ? FL_EFULL : FL_HTTP_NEED_MORE;
		}
		l = (size_t)(nl - (p + off));
		if (l > 0 && p[off + l - 1] == '\r')
			l--;
		if (is_first) {
			rc = request_line(p, l, 1, req);
			if (rc < 0)
				return rc;
			is_first = 0;
		} else if (l == 0) {
			req->head_bytes = (size_t)(nl - p) + 1;
			return FL_HTTP_COMPLETE;
		} else {
			if (header_line(p + off, l) != 0)
				return FL_EPROTO;
			if (++req->nheaders > headers_max)
				return FL_EFULL;
		}
		off = (size_t)(nl - p) + 1;
	}
}

int
fl_http_method_is(const struct fl_http_req *req, const char *m)
{
	size_t n = strlen(m);

	return req->method_len == n && memcmp(req->method, m, n) == 0;
}

int
fl_http_path_is(const struct fl_http_req *req, const char *path)
{
	size_t n = strlen(path);

	return req->path_len == n && memcmp(req->target, path, n) == 0;
}

const char *
fl_http_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 400: return "Bad Request";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}
