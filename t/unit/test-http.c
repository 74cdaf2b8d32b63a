/*
 * test-http: the HTTP/1.x request head parser: complete heads, heads cut
 * at every byte (need more, never an error), malformed lines, limits, and
 * versions.
 */
#include <string.h>

#include "codec/http.h"
#include "tap.h"

#define HEAD_MAX 256
#define HEADERS_MAX 4

static const struct {
	const char *in;
	int rc;
	const char *what;
} cases[] = {
	{ "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", FL_HTTP_COMPLETE, "plain GET" },
	{ "GET /metrics HTTP/1.0\n\n", FL_HTTP_COMPLETE, "HTTP/1.0 with bare LF" },
	{ "GET /metrics?x=1 HTTP/1.1\r\n\r\n", FL_HTTP_COMPLETE, "query string" },
	{ "GET /metrics HTTP/1.1\r\nA: b\r\n", FL_HTTP_NEED_MORE, "no blank line yet" },
	{ "GET /metr", FL_HTTP_NEED_MORE, "request line cut" },
	{ "GET /metrics HTTP/1.1\r", FL_HTTP_NEED_MORE, "CR waiting for its LF" },
	{ "", FL_HTTP_NEED_MORE, "nothing yet" },
	{ "GET  /metrics HTTP/1.1\r\n\r\n", FL_EPROTO, "two spaces" },
	{ "GET /metrics\r\n\r\n", FL_EPROTO, "HTTP/0.9 style line" },
	{ "G@T /x HTTP/1.1\r\n\r\n", FL_EPROTO, "bad method byte" },
	{ " GET /x HTTP/1.1\r\n\r\n", FL_EPROTO, "leading blank" },
	{ "\r\nGET /x HTTP/1.1\r\n\r\n", FL_EPROTO, "leading empty line" },
	{ "GET /x HTTP/1.1 \r\n\r\n", FL_EPROTO, "trailing blank" },
	{ "GET /x HTTP/1.1x\r\n\r\n", FL_EPROTO, "junk after version" },
	{ "GET /x HTTX", FL_EPROTO, "bad version prefix, early" },
	{ "GET /x HTTP/1.1\r\nNoColon\r\n\r\n", FL_EPROTO, "header without colon" },
	{ "GET /x HTTP/1.1\r\nA : b\r\n\r\n", FL_EPROTO, "blank before colon" },
	{ "GET /x HTTP/1.1\r\n: b\r\n\r\n", FL_EPROTO, "empty header name" },
	{ "GET /x HTTP/1.1\r\nA: b\r\n c\r\n\r\n", FL_EPROTO, "obs-fold" },
	{ "GET /x HTTP/1.1\r\nA: b\x01\r\n\r\n", FL_EPROTO, "control byte in value" },
	{ "GET /x HTTP/1.1\r\nA: b\rc\r\n\r\n", FL_EPROTO, "bare CR in value" },
	{ "GET /x HTTP/2.0\r\n\r\n", FL_ERANGE, "HTTP/2.0" },
	{ "GET /x HTTP/1.2\r\n\r\n", FL_ERANGE, "HTTP/1.2" },
	{ "GET /x HTTP/3", FL_ERANGE, "HTTP/3, early" },
	{ "GET /x HTTP/1.1\r\na: 1\r\nb: 2\r\nc: 3\r\nd: 4\r\ne: 5\r\n\r\n", FL_EFULL,
	    "too many headers" },
};

static void
test_table(void)
{
	struct fl_http_req req;
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(cases); i++)
		CHECK_INT(fl_http_parse(cases[i].in, strlen(cases[i].in), HEAD_MAX,
		    HEADERS_MAX, &req), ==, cases[i].rc, cases[i].what);
}

static void
test_fields(void)
{
	const char *s = "HEAD /metrics?a=b HTTP/1.0\r\nUser-Agent: t\r\nAccept: */*\r\n\r\nBODY";
	struct fl_http_req req;

	CHECK_INT(fl_http_parse(s, strlen(s), HEAD_MAX, HEADERS_MAX, &req), ==,
	    FL_HTTP_COMPLETE, "complete head with a body behind it");
	CHECK_INT(req.head_bytes, ==, strlen(s) - 4, "head_bytes stops at the blank line");
	CHECK(fl_http_method_is(&req, "HEAD") && !fl_http_method_is(&req, "HEA"),
	    "method");
	CHECK(fl_http_path_is(&req, "/metrics") && !fl_http_path_is(&req, "/metric"),
	    "path without the query");
	CHECK_INT(req.target_len, ==, 12, "target keeps the query");
	CHECK_INT(req.version_minor, ==, 0, "HTTP/1.0");
	CHECK_INT(req.nheaders, ==, 2, "two headers counted");
}

static void
test_every_cut(void)
{
	const char *s = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9\r\nX: y\r\n\r\n";
	struct fl_http_req req;
	size_t n, bad = 0;

	for (n = 0; n < strlen(s); n++)
		bad += fl_http_parse(s, n, HEAD_MAX, HEADERS_MAX, &req) != FL_HTTP_NEED_MORE;
	CHECK_INT(bad, ==, 0, "every prefix of a valid head needs more");
	CHECK_INT(fl_http_parse(s, strlen(s), HEAD_MAX, HEADERS_MAX, &req), ==,
	    FL_HTTP_COMPLETE, "the whole head is complete");
}

static void
test_limit(void)
{
	char big[600];
	struct fl_http_req req;
	const char *s = "GET /metrics HTTP/1.1\r\n\r\n";

	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	CHECK_INT(fl_http_parse(big, HEAD_MAX - 1, HEAD_MAX, HEADERS_MAX, &req), ==,
	    FL_HTTP_NEED_MORE, "a long target below the limit needs more");
	CHECK_INT(fl_http_parse(big, HEAD_MAX, HEAD_MAX, HEADERS_MAX, &req), ==,
	    FL_EFULL, "no end within head_bytes_max is too large");
	CHECK_INT(fl_http_parse(big, sizeof(big), HEAD_MAX, HEADERS_MAX, &req), ==,
	    FL_EFULL, "more bytes than the limit: too large, nothing read past it");
	CHECK_INT(fl_http_parse(s, strlen(s), strlen(s), HEADERS_MAX, &req), ==,
	    FL_HTTP_COMPLETE, "a head exactly at the limit is fine");
	CHECK_INT(fl_http_parse(s, strlen(s), strlen(s) - 1, HEADERS_MAX, &req), ==,
	    FL_EFULL, "one byte over the limit is not");
}

static void
test_reason(void)
{
	CHECK(strcmp(fl_http_reason(404), "Not Found") == 0, "reason 404");
	CHECK(strcmp(fl_http_reason(431), "Request Header Fields Too Large") == 0,
	    "reason 431");
	CHECK(strcmp(fl_http_reason(299), "") == 0, "unknown status: empty reason");
}

int
main(void)
{
	test_table();
	test_fields();
	test_every_cut();
	test_limit();
	test_reason();
	return tap_done();
}
