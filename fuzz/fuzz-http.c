/*
 * fuzz-http.c: libFuzzer target for codec/http (the metrics listener's
 * request head parser): what any client that reaches --metrics-listen can
 * make flume-serve read.
 *
 * Input: any bytes, parsed whole and at every prefix length up to the
 * first 512 bytes.  The result codes are the documented ones only; a
 * complete head lies inside the bytes given and the limit, its method and
 * target lie inside it; a prefix of a complete head never errs, and a
 * head judged complete stays so (same length) when more bytes follow.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEAD_MAX 8192
#define HEADERS_MAX 64

static int
check(const uint8_t *data, size_t n, struct fl_http_req *req)
{
	int rc = fl_http_parse(data, n, HEAD_MAX, HEADERS_MAX, req);

	if (rc != FL_HTTP_COMPLETE && rc != FL_HTTP_NEED_MORE && rc != FL_EPROTO &&
	    rc != FL_EFULL && rc != FL_ERANGE)
		abort();
	if (rc == FL_HTTP_COMPLETE) {
		const char *p = (const char *)data;

		if (req->head_bytes == 0 || req->head_bytes > n || req->head_bytes > HEAD_MAX ||
		    req->method < p || req->method + req->method_len > p + req->head_bytes ||
		    req->target < p || req->target + req->target_len > p + req->head_bytes ||
		    req->path_len > req->target_len || req->version_minor > 1 ||
		    req->nheaders > HEADERS_MAX)
			abort();
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_http_req req, whole;
	size_t n, lim = size < 512 ? size : 512;
	int rc = check(data, size, &whole);

	for (n = 0; n <= lim; n++) {
		int r = check(data, n, &req);

		if (rc == FL_HTTP_COMPLETE && n < whole.head_bytes && r != FL_HTTP_NEED_MORE)
			abort();	/* a prefix of a good head is never an error */
		if (r == FL_HTTP_COMPLETE && (rc != FL_HTTP_COMPLETE ||
		    req.head_bytes != whole.head_bytes))
			abort();	/* more bytes never change a complete head */
	}
	return 0;
}
