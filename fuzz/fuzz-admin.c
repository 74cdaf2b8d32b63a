/*
 * fuzz-admin.c: libFuzzer target for the admin line codecs a broker and
 * the controller parse: codec/rverb (the controller's lines: lead, follow,
 * isr, offline, controller, brokers, create, delete, done) and
 * codec/bstatus (a broker's status answer), i.e. what a broken or hostile
 * peer on the admin socket can make flume-serve or flume-ctl read.
 *
 * Input: any bytes.  Every line (split at '\n') goes to fl_rverb_parse as
 * node 1 and node 7; a line that parses must format back (fl_rverb_format)
 * into a line that parses to the same verb.  The whole input then goes to
 * fl_bstatus_parse; on success every partition line formats back
 * (fl_bstatus_format_part) and parses again.  The result codes are the
 * documented ones only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/bstatus.h"
#include "codec/rverb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one_line(const char *line, size_t len, int32_t self)
{
	struct fl_cmeta_broker br[16], br2[16];
	struct fl_rverb v, v2;
	char why[FL_RVERB_WHY_MAX], out[FL_RVERB_LINE_MAX + 1];
	int rc, n;

	rc = fl_rverb_parse(line, len, self, &v, br, 16, why, sizeof(why));
	if (rc != 0 && rc != FL_ENOENT && rc != FL_EINVAL && rc != FL_ERANGE)
		abort();
	if (rc != 0)
		return;
	n = fl_rverb_format(out, sizeof(out), &v);
	if (n == FL_ERANGE)
		return;		/* a parsed line may format longer (normalised sets) */
	if (n < 0 || (size_t)n >= sizeof(out))
		abort();
	rc = fl_rverb_parse(out, (size_t)n, self, &v2, br2, 16, why, sizeof(why));
	if (rc != 0 || v2.kind != v.kind || v2.part != v.part || v2.epoch != v.epoch ||
	    strcmp(v2.topic, v.topic) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_bstatus st;
	size_t start = 0, i, bad = 0;
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	for (i = 0; i <= size; i++) {
		if (i < size && text[i] != '\n')
			continue;
		one_line(text + start, i - start, 1);
		one_line(text + start, i - start, 7);
		start = i + 1;
	}
	memset(&st, 0, sizeof(st));
	if (fl_bstatus_parse(&st, text, size, &bad) == 0) {
		for (i = 0; i < st.nparts; i++) {
			char line[2048];
			struct fl_bstatus again;
			int n = fl_bstatus_format_part(line, sizeof(line) - 1, &st.parts[i]);

			if (n < 0)
				continue;
			memset(&again, 0, sizeof(again));
			if (fl_bstatus_parse(&again, line, (size_t)n, &bad) != 0 ||
			    again.nparts != 1 || again.parts[0].partition != st.parts[i].partition)
				abort();
			fl_bstatus_free(&again);
		}
	}
	fl_bstatus_free(&st);
	free(text);
	return 0;
}
