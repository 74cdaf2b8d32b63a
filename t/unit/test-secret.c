/*
 * test-secret: the first line of a secret file (os/secret.h): line
 * endings, the end of the file, sizes at and past the buffer, empty and
 * missing files, a NUL byte; and nothing of the file left in the buffer
 * past the line.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "os/secret.h"
#include "tap.h"

static char dir[] = "/tmp/test-secret-XXXXXX";
static char path[64];

static void
put(const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	FL_ASSERT(f != NULL && fwrite(p, 1, n, f) == n && fclose(f) == 0);
}

/* Read path into an 8-byte buffer (lines up to 7 bytes) filled with 'x' first. */
static int
rd(char out[8], struct fl_err *err)
{
	memset(out, 'x', 8);
	return fl_secret_read_line(path, out, 8, err);
}

static int
zero_after(const char *out, size_t from)
{
	size_t i;

	for (i = from; i < 8; i++)
		if (out[i] != '\0')
			return 0;
	return 1;
}

int
main(void)
{
	struct fl_err err = { 0, "" };
	char out[8];

	FL_ASSERT(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/pw", dir);

	CHECK(rd(out, &err) == FL_ESYS && errno == ENOENT &&
	    strcmp(err.msg, strerror(ENOENT)) == 0, "missing file: FL_ESYS, ENOENT");
	put("pencil\n", 7);
	CHECK(rd(out, &err) == 0 && strcmp(out, "pencil") == 0 && zero_after(out, 6),
	    "\"pencil\\n\": pencil");
	put("pencil\r\nsecond\n", 15);
	CHECK(rd(out, &err) == 0 && strcmp(out, "pencil") == 0 && zero_after(out, 6),
	    "CRLF: the CR goes, the second line is not kept");
	put("pencil", 6);
	CHECK(rd(out, &err) == 0 && strcmp(out, "pencil") == 0, "no newline at the end");
	put(" p w \n", 6);
	CHECK(rd(out, &err) == 0 && strcmp(out, " p w ") == 0, "spaces are kept");
	put("1234567\n", 8);
	CHECK(rd(out, &err) == 0 && strcmp(out, "1234567") == 0,
	    "a line of cap - 1 bytes fits");
	put("1234567", 7);
	CHECK(rd(out, &err) == 0 && strcmp(out, "1234567") == 0,
	    "cap - 1 bytes and the end of the file");
	put("12345678", 8);
	CHECK(rd(out, &err) == FL_ERANGE && zero_after(out, 0) &&
	    strstr(err.msg, "longer than 7 bytes") != NULL,
	    "cap bytes without a newline: FL_ERANGE, buffer wiped");
	put("12345678\n", 9);
	CHECK(rd(out, &err) == FL_ERANGE && zero_after(out, 0), "cap bytes then a newline: too long");
	put("", 0);
	CHECK(rd(out, &err) == FL_ERANGE && strcmp(err.msg, "the first line is empty") == 0,
	    "an empty file: FL_ERANGE");
	put("\npencil\n", 8);
	CHECK(rd(out, &err) == FL_ERANGE && zero_after(out, 0), "an empty first line: FL_ERANGE");
	put("\r\n", 2);
	CHECK(rd(out, &err) == FL_ERANGE, "a first line of a lone CR: empty");
	put("ab\0cd\n", 6);
	CHECK(rd(out, &err) == FL_EPROTO && zero_after(out, 0), "a NUL byte: FL_EPROTO, wiped");
	CHECK(fl_secret_read_line(dir, out, sizeof(out), &err) == FL_ESYS && errno == EISDIR,
	    "a directory: FL_ESYS, EISDIR");
	unlink(path);
	rmdir(dir);
	return tap_done();
}
