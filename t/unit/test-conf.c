/*
 * test-conf: key = value parsing (comments, quotes, key spellings, line
 * numbers in errors) and the typed value parsers with their bounds.
 */
#include <string.h>

#include "codec/conf.h"
#include "tap.h"

struct seen {
	char keys[8][64], vals[8][64];
	unsigned lines[8];
	int n;
};

static int
collect(void *arg, const char *key, const char *value, unsigned line,
    struct fl_err *err)
{
	struct seen *s = arg;

	(void)err;
	if (strcmp(key, "fail") == 0)
		return FL_EINVAL;
	if (strcmp(key, "fail-msg") == 0)
		return fl_err_set(err, FL_ERANGE, "too big");
	FL_ASSERT(s->n < 8);
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	snprintf(s->vals[s->n], sizeof(s->vals[0]), "%s", value);
	s->lines[s->n++] = line;
	return 0;
}

static void
test_parse(void)
{
	const char *text =
	    "# comment\n"
	    "\n"
	    "  data = /var/lib/flume  \n"
	    "num.partitions=3 # trailing comment\n"
	    "Log_Level =\tdebug\r\n"
	    "quoted = \"a # b \" # c\n"
	    "empty =\n";
	struct seen s = { 0 };
	struct fl_err err = { 0 };

	CHECK_INT(fl_conf_parse(text, strlen(text), collect, &s, &err), ==, 0,
	    "parse a file with comments, blanks and CRLF");
	CHECK_INT(s.n, ==, 5, "five settings");
	CHECK(strcmp(s.keys[0], "data") == 0 && strcmp(s.vals[0], "/var/lib/flume") == 0,
	    "blanks around key and value trimmed");
	CHECK_INT(s.lines[0], ==, 3, "line numbers count comments and blanks");
	CHECK(strcmp(s.keys[1], "num-partitions") == 0 && strcmp(s.vals[1], "3") == 0,
	    "dots become dashes; comment after value dropped");
	CHECK(strcmp(s.keys[2], "log-level") == 0 && strcmp(s.vals[2], "debug") == 0,
	    "case folded, underscores become dashes, CR dropped");
	CHECK(strcmp(s.vals[3], "a # b ") == 0, "quotes keep blanks and '#'");
	CHECK(strcmp(s.keys[4], "empty") == 0 && s.vals[4][0] == '\0', "empty value");
}

static void
test_errors(void)
{
	struct seen s = { 0 };
	struct fl_err err = { 0 };
	char big[FL_CONF_LINE_BYTES_MAX + 10];

	CHECK_INT(fl_conf_parse("a = 1\nnoequals\n", 16, collect, &s, &err), ==,
	    FL_EINVAL, "a line without '=' is an error");
	CHECK(strstr(err.msg, "line 2") != NULL, "the error names the line");
	CHECK_INT(fl_conf_parse(" = 1\n", 5, collect, &s, &err), ==, FL_EINVAL,
	    "empty key");
	CHECK_INT(fl_conf_parse("k = \"open\n", 10, collect, &s, &err), ==, FL_EINVAL,
	    "unterminated quote");
	CHECK_INT(fl_conf_parse("k = \"q\" x\n", 10, collect, &s, &err), ==, FL_EINVAL,
	    "junk after a quoted value");
	CHECK_INT(fl_conf_parse("x = 1\nfail = 2\n", 15, collect, &s, &err), ==,
	    FL_EINVAL, "the callback's error stops the parse");
	CHECK(strcmp(err.msg, "line 2: bad value for fail") == 0,
	    "default message names line and key");
	CHECK_INT(fl_conf_parse("fail_msg = 2\n", 13, collect, &s, &err), ==,
	    FL_ERANGE, "the callback's own code");
	CHECK(strcmp(err.msg, "line 1: too big") == 0, "its message gets the line");
	memset(big, 'a', sizeof(big));
	big[0] = 'k';
	big[1] = '=';
	CHECK_INT(fl_conf_parse(big, sizeof(big), collect, &s, &err), ==, FL_ERANGE,
	    "an over-long line");
	CHECK_INT(fl_conf_parse("k = a\0b\n", 8, collect, &s, &err), ==, FL_EINVAL,
	    "a NUL byte");
}

static void
test_numbers(void)
{
	uint64_t u;
	int64_t i;
	int b;

	CHECK(fl_conf_u64("42", 0, 100, 0, &u) == 0 && u == 42, "u64");
	CHECK_INT(fl_conf_u64("101", 0, 100, 0, &u), ==, FL_ERANGE, "u64 above max");
	CHECK_INT(fl_conf_u64("0", 1, 100, 0, &u), ==, FL_ERANGE, "u64 below min");
	CHECK_INT(fl_conf_u64("", 0, 100, 0, &u), ==, FL_EINVAL, "empty");
	CHECK_INT(fl_conf_u64("-1", 0, 100, 0, &u), ==, FL_EINVAL, "negative");
	CHECK_INT(fl_conf_u64("1x", 0, 100, 0, &u), ==, FL_EINVAL, "junk");
	CHECK_INT(fl_conf_u64("18446744073709551616", 0, UINT64_MAX, 0, &u), ==,
	    FL_ERANGE, "overflow");
	CHECK(fl_conf_u64("4k", 0, UINT64_MAX, 1, &u) == 0 && u == 4096, "k suffix");
	CHECK(fl_conf_u64("100M", 0, UINT64_MAX, 1, &u) == 0 && u == 100u << 20, "M suffix");
	CHECK_INT(fl_conf_u64("4k", 0, UINT64_MAX, 0, &u), ==, FL_EINVAL,
	    "suffix only where allowed");
	CHECK_INT(fl_conf_u64("16777216T", 0, UINT64_MAX, 1, &u), ==, FL_EINVAL,
	    "unknown suffix");
	CHECK_INT(fl_conf_u64("17179869184g", 0, UINT64_MAX, 1, &u), ==, FL_ERANGE,
	    "suffix overflow");
	CHECK(fl_conf_i64("-1", -1, 10, &i) == 0 && i == -1, "i64 negative");
	CHECK(fl_conf_i64("-9223372036854775808", INT64_MIN, 0, &i) == 0 && i == INT64_MIN,
	    "i64 min");
	CHECK_INT(fl_conf_i64("-2", -1, 10, &i), ==, FL_ERANGE, "i64 below min");
	CHECK(fl_conf_bool("Yes", &b) == 0 && b == 1, "bool yes");
	CHECK(fl_conf_bool("off", &b) == 0 && b == 0, "bool off");
	CHECK_INT(fl_conf_bool("maybe", &b), ==, FL_EINVAL, "bool junk");
}

static void
test_hostport(void)
{
	char host[16];
	uint16_t port;

	CHECK(fl_conf_hostport("127.0.0.1:9092", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "127.0.0.1") == 0 && port == 9092, "ipv4:port");
	CHECK(fl_conf_hostport("[::1]:0", host, sizeof(host), &port) == 0 &&
	    strcmp(host, "::1") == 0 && port == 0, "[ipv6]:port");
	CHECK(fl_conf_hostport(":9092", host, sizeof(host), &port) == 0 &&
	    host[0] == '\0', "empty host is any");
	CHECK_INT(fl_conf_hostport("::1:9092", host, sizeof(host), &port), ==,
	    FL_EINVAL, "bare ipv6 is ambiguous");
	CHECK_INT(fl_conf_hostport("host", host, sizeof(host), &port), ==, FL_EINVAL,
	    "no port");
	CHECK_INT(fl_conf_hostport("host:65536", host, sizeof(host), &port), ==,
	    FL_EINVAL, "port too big");
	CHECK_INT(fl_conf_hostport("a-very-long-host-name:1", host, sizeof(host), &port),
	    ==, FL_ERANGE, "host does not fit");
}

int
main(void)
{
	test_parse();
	test_errors();
	test_numbers();
	test_hostport();
	return tap_done();
}
