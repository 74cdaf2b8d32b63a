/*
 * test-out.c: JSON and TSV escaping, UTF-8 validation, and the three table
 * forms of out.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "os/out.h"
#include "tap.h"

/* Escape p[0..n) as JSON and compare with want (a C string). */
static int
json_is(const char *p, size_t n, const char *want)
{
	struct fl_wr w;
	int ok;

	fl_wr_init(&w, 1 << 20);
	fl_json_escape(&w, p, n);
	ok = w.err == 0 && w.len == strlen(want) && memcmp(w.p, want, w.len) == 0;
	if (!ok)
		printf("#   got %.*s, want %s\n", (int)w.len, (const char *)w.p, want);
	fl_wr_free(&w);
	return ok;
}

static int
tsv_is(const char *s, const char *want)
{
	struct fl_wr w;
	int ok;

	fl_wr_init(&w, 1 << 20);
	fl_tsv_escape(&w, s, strlen(s));
	ok = w.err == 0 && w.len == strlen(want) && memcmp(w.p, want, w.len) == 0;
	fl_wr_free(&w);
	return ok;
}

#define U8(s) fl_utf8_valid((s), sizeof(s) - 1)

static void
test_utf8(void)
{
	CHECK(U8("") && U8("plain ascii"), "ASCII is UTF-8");
	CHECK(U8("caf\xc3\xa9") && U8("\xe2\x82\xac") && U8("\xf0\x9f\x98\x80"),
	    "2-, 3- and 4-byte sequences are valid");
	CHECK(!U8("\xc3"), "a truncated sequence is not");
	CHECK(!U8("\xc0\x80") && !U8("\xe0\x80\x80") && !U8("\xf0\x80\x80\x80"),
	    "overlong forms are not");
	CHECK(!U8("\xed\xa0\x80"), "an encoded surrogate is not");
	CHECK(!U8("\xf4\x90\x80\x80") && !U8("\xf5\x80\x80\x80"), "past U+10FFFF is not");
	CHECK(!U8("\x80") && !U8("\xff") && !U8("a\xfe"), "stray bytes are not");
}

static void
test_json(void)
{
	CHECK(json_is("", 0, "\"\""), "empty string");
	CHECK(json_is("a\"b\\c", 5, "\"a\\\"b\\\\c\""), "quote and backslash");
	CHECK(json_is("\n\t\r\b\f", 5, "\"\\n\\t\\r\\b\\f\""), "short escapes");
	CHECK(json_is("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\""),
	    "other controls as \\u00XX; DEL as itself");
	CHECK(json_is("a\0b", 3, "\"a\\u0000b\""), "NUL");
	CHECK(json_is("caf\xc3\xa9 \xe2\x82\xac", 9, "\"caf\xc3\xa9 \xe2\x82\xac\""),
	    "valid UTF-8 passes through");
	CHECK(json_is("\xff", 1, "\"\\udcff\""), "a stray byte is a lone surrogate");
	CHECK(json_is("x\xe2\x82", 3, "\"x\\udce2\\udc82\""),
	    "each byte of a truncated sequence is escaped");
	CHECK(json_is("\xc3\xa9\xc3", 3, "\"\xc3\xa9\\udcc3\""),
	    "a valid character followed by a truncated one");
	CHECK(json_is("\xed\xa0\x80", 3, "\"\\udced\\udca0\\udc80\""),
	    "an encoded surrogate is escaped byte by byte");
}

static void
test_tsv(void)
{
	CHECK(tsv_is("plain", "plain"), "plain cell");
	CHECK(tsv_is("a\tb\nc\rd\\e", "a\\tb\\nc\\rd\\\\e"), "tab, newline, CR, backslash");
}

static const struct fl_col cols[] = {
	{ "name", FL_COL_STR }, { "n", FL_COL_NUM }, { "status", FL_COL_STATUS },
};

/* Render rows through a table in fmt; returns the malloc'ed text. */
static char *
render(enum fl_out_format fmt, const char *const rows[][3], size_t nrow)
{
	struct fl_table t;
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&buf, &len);

	fl_table_init(&t, f, fmt, 0, cols, 3);
	for (i = 0; i < nrow; i++)
		fl_table_row(&t, rows[i]);
	fl_table_end(&t);
	fl_table_free(&t);
	fclose(f);
	return buf;
}

static void
test_table(void)
{
	static const char *const rows[][3] = {
		{ "a", "1", "ok" },
		{ "long\tname", NULL, "torn" },
	};
	char *s;

	s = render(FL_OUT_TSV, rows, 2);
	CHECK(strcmp(s, "name\tn\tstatus\na\t1\tok\nlong\\tname\t\ttorn\n") == 0,
	    "TSV: header, rows, empty cell, escaped tab");
	free(s);
	s = render(FL_OUT_TSV, rows, 0);
	CHECK(strcmp(s, "name\tn\tstatus\n") == 0, "TSV: no rows still has the header");
	free(s);
	s = render(FL_OUT_JSON, rows, 2);
	CHECK(strcmp(s, "{\"name\":\"a\",\"n\":1,\"status\":\"ok\"}\n"
	    "{\"name\":\"long\\tname\",\"n\":null,\"status\":\"torn\"}\n") == 0,
	    "JSON: numbers bare, missing cells null");
	free(s);
	s = render(FL_OUT_HUMAN, rows, 2);
	CHECK(strcmp(s, "name        n  status\n"
	    "a           1  ok\n"
	    "long\\tname     torn\n") == 0, "human: aligned, numbers on the right");
	free(s);
	s = render(FL_OUT_HUMAN, rows, 0);
	CHECK(strcmp(s, "") == 0, "human: no rows prints nothing");
	free(s);
}

static void
test_format(void)
{
	enum fl_out_format f = FL_OUT_HUMAN;

	CHECK(fl_out_parse_format("json", &f) == 0 && f == FL_OUT_JSON, "parse json");
	CHECK(fl_out_parse_format("tsv", &f) == 0 && f == FL_OUT_TSV, "parse tsv");
	CHECK(fl_out_parse_format("xml", &f) == FL_EINVAL, "reject xml");
}

int
main(void)
{
	test_utf8();
	test_json();
	test_tsv();
	test_table();
	test_format();
	return tap_done();
}
