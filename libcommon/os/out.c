/*
 * out.c: human / TSV / JSON Lines result output.
 *
 * Human tables are buffered because alignment needs every width before the
 * first line; TSV and JSON stream, so `flume-seg cat --json | head` starts
 * at once on a large log.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "os/out.h"

#define SGR_BOLD  "\033[1m"
#define SGR_GREEN "\033[32m"
#define SGR_RED   "\033[31m"
#define SGR_RESET "\033[0m"

/* Raw text (fl_wr_cstr writes a length-prefixed Kafka string). */
static void
wr_text(struct fl_wr *w, const char *s)
{
	fl_wr_raw(w, s, strlen(s));
}

int
fl_out_parse_format(const char *s, enum fl_out_format *fmt)
{
	if (strcmp(s, "human") == 0)
		*fmt = FL_OUT_HUMAN;
	else if (strcmp(s, "tsv") == 0)
		*fmt = FL_OUT_TSV;
	else if (strcmp(s, "json") == 0)
		*fmt = FL_OUT_JSON;
	else
		return FL_EINVAL;
	return 0;
}

enum fl_out_format
fl_out_guess(int fd)
{
	return isatty(fd) ? FL_OUT_HUMAN : FL_OUT_TSV;
}

int
fl_out_is_color(int fd)
{
	const char *nc = getenv("NO_COLOR");

	return isatty(fd) && (nc == NULL || nc[0] == '\0');
}

/*
 * Length of the valid UTF-8 sequence starting at p[0] (n > 0 bytes left),
 * or 0 if p[0] does not start one.  Follows RFC 3629: no overlong forms,
 * no surrogates, nothing above U+10FFFF.
 */
static size_t
utf8_seq(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	uint8_t lo = 0x80, hi = 0xBF;
	size_t len, i;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		len = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		if (c == 0xE0)
			lo = 0xA0;	/* overlong */
		else if (c == 0xED)
			hi = 0x9F;	/* surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		if (c == 0xF0)
			lo = 0x90;	/* overlong */
		else if (c == 0xF4)
			hi = 0x8F;	/* above U+10FFFF */
	} else
		return 0;
	if (n < len)
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return len;
}

int
fl_utf8_valid(const void *vp, size_t n)
{
	const uint8_t *p = vp;
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return 0;
		i += k;
	}
	return 1;
}

void
fl_json_escape(struct fl_wr *w, const void *vp, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *p = vp;
	size_t i = 0, run, k;
	char esc[6];

	fl_wr_raw(w, "\"", 1);
	while (i < n) {
		/* copy the longest run that needs no escaping in one call */
		run = i;
		while (run < n && p[run] >= 0x20 && p[run] < 0x80 &&
		    p[run] != '"' && p[run] != '\\')
			run++;
		if (run > i) {
			fl_wr_raw(w, p + i, run - i);
			i = run;
			continue;
		}
		if (p[i] >= 0x80) {
			if ((k = utf8_seq(p + i, n - i)) != 0) {
				fl_wr_raw(w, p + i, k);
				i += k;
				continue;
			}
			/* not UTF-8: a lone low surrogate carries the byte */
			memcpy(esc, "\\udc", 4);
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			fl_wr_raw(w, esc, 6);
			i++;
			continue;
		}
		switch (p[i]) {
		case '"':  fl_wr_raw(w, "\\\"", 2); break;
		case '\\': fl_wr_raw(w, "\\\\", 2); break;
		case '\n': fl_wr_raw(w, "\\n", 2); break;
		case '\t': fl_wr_raw(w, "\\t", 2); break;
		case '\r': fl_wr_raw(w, "\\r", 2); break;
		case '\b': fl_wr_raw(w, "\\b", 2); break;
		case '\f': fl_wr_raw(w, "\\f", 2); break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[p[i] >> 4];
			esc[5] = hex[p[i] & 0xf];
			fl_wr_raw(w, esc, 6);
			break;
		}
		i++;
	}
	fl_wr_raw(w, "\"", 1);
}

void
fl_tsv_escape(struct fl_wr *w, const void *vp, size_t n)
{
	const uint8_t *p = vp;
	size_t i = 0, run;

	while (i < n) {
		run = i;
		while (run < n && p[run] != '\t' && p[run] != '\n' &&
		    p[run] != '\r' && p[run] != '\\')
			run++;
		if (run > i) {
			fl_wr_raw(w, p + i, run - i);
			i = run;
			continue;
		}
		switch (p[i]) {
		case '\t': fl_wr_raw(w, "\\t", 2); break;
		case '\n': fl_wr_raw(w, "\\n", 2); break;
		case '\r': fl_wr_raw(w, "\\r", 2); break;
		default:   fl_wr_raw(w, "\\\\", 2); break;
		}
		i++;
	}
}

/* ---- tables ---- */

void
fl_table_init(struct fl_table *t, FILE *f, enum fl_out_format fmt,
    int is_color, const struct fl_col *cols, size_t ncol)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->fmt = fmt;
	t->is_color = is_color && fmt == FL_OUT_HUMAN;
	t->cols = cols;
	t->ncol = ncol;
}

static int
put(struct fl_table *t, const void *p, size_t n)
{
	if (t->err != 0)
		return t->err;
	if (n > 0 && fwrite(p, 1, n, t->f) != n)
		t->err = FL_ESYS;
	return t->err;
}

static int
put_wr(struct fl_table *t, struct fl_wr *w)
{
	int rc = w->err != 0 ? FL_ENOMEM : put(t, w->p, w->len);

	if (rc != 0 && t->err == 0)
		t->err = rc;
	fl_wr_reset(w);
	return t->err;
}

static void
tsv_header(struct fl_table *t, struct fl_wr *w)
{
	size_t c;

	for (c = 0; c < t->ncol; c++) {
		if (c > 0)
			fl_wr_raw(w, "\t", 1);
		wr_text(w, t->cols[c].name);
	}
	fl_wr_raw(w, "\n", 1);
	t->is_header_done = 1;
}

static void
json_row(struct fl_table *t, struct fl_wr *w, const char *const *cells)
{
	size_t c;

	fl_wr_raw(w, "{", 1);
	for (c = 0; c < t->ncol; c++) {
		if (c > 0)
			fl_wr_raw(w, ",", 1);
		fl_json_escape(w, t->cols[c].name, strlen(t->cols[c].name));
		fl_wr_raw(w, ":", 1);
		if (cells[c] == NULL)
			fl_wr_raw(w, "null", 4);
		else if (t->cols[c].kind == FL_COL_NUM)
			wr_text(w, cells[c]);
		else
			fl_json_escape(w, cells[c], strlen(cells[c]));
	}
	fl_wr_raw(w, "}\n", 2);
}

static int
keep_row(struct fl_table *t, const char *const *cells)
{
	struct fl_wr w;
	size_t c, base;

	if (t->nrow == t->row_cap) {
		size_t ncap = t->row_cap ? t->row_cap * 2 : 16;
		char **nc;

		if (ncap > SIZE_MAX / sizeof(char *) / (t->ncol ? t->ncol : 1))
			return t->err = FL_ENOMEM;
		nc = realloc(t->cells, ncap * t->ncol * sizeof(char *));
		if (nc == NULL)
			return t->err = FL_ENOMEM;
		t->cells = nc;
		t->row_cap = ncap;
	}
	base = t->nrow * t->ncol;
	for (c = 0; c < t->ncol; c++) {
		const char *s = cells[c] ? cells[c] : "";

		/* escape now, so widths count what will be printed */
		fl_wr_init(&w, SIZE_MAX);
		fl_tsv_escape(&w, s, strlen(s));
		fl_wr_raw(&w, "", 1);
		if (w.err != 0) {
			fl_wr_free(&w);
			while (c-- > 0)
				free(t->cells[base + c]);
			return t->err = FL_ENOMEM;
		}
		t->cells[base + c] = (char *)fl_wr_detach(&w, NULL);
	}
	t->nrow++;
	return 0;
}

int
fl_table_row(struct fl_table *t, const char *const *cells)
{
	struct fl_wr w;
	size_t c;

	if (t->err != 0)
		return t->err;
	if (t->fmt == FL_OUT_HUMAN)
		return keep_row(t, cells);
	fl_wr_init(&w, SIZE_MAX);
	if (t->fmt == FL_OUT_JSON) {
		json_row(t, &w, cells);
	} else {
		if (!t->is_header_done)
			tsv_header(t, &w);
		for (c = 0; c < t->ncol; c++) {
			if (c > 0)
				fl_wr_raw(&w, "\t", 1);
			if (cells[c] != NULL)
				fl_tsv_escape(&w, cells[c], strlen(cells[c]));
		}
		fl_wr_raw(&w, "\n", 1);
	}
	put_wr(t, &w);
	fl_wr_free(&w);
	return t->err;
}

/* Terminal columns a cell takes: its code points (no wide-glyph table). */
static size_t
width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

static void
pad(struct fl_wr *w, size_t n)
{
	static const char sp[] = "                                ";

	while (n > 0) {
		size_t k = n < sizeof(sp) - 1 ? n : sizeof(sp) - 1;

		fl_wr_raw(w, sp, k);
		n -= k;
	}
}

static void
human_cell(struct fl_table *t, struct fl_wr *w, size_t c, const char *s,
    size_t wid, int is_header)
{
	size_t have = width(s);
	int is_last = c + 1 == t->ncol;
	int is_right = t->cols[c].kind == FL_COL_NUM;
	const char *sgr = NULL;

	if (c > 0)
		fl_wr_raw(w, "  ", 2);
	if (is_right)
		pad(w, wid - have);
	if (t->is_color) {
		if (is_header)
			sgr = SGR_BOLD;
		else if (t->cols[c].kind == FL_COL_STATUS && s[0] != '\0')
			sgr = strcmp(s, "ok") == 0 ? SGR_GREEN : SGR_RED;
	}
	if (sgr != NULL)
		wr_text(w, sgr);
	wr_text(w, s);
	if (sgr != NULL)
		wr_text(w, SGR_RESET);
	if (!is_right && !is_last)
		pad(w, wid - have);
}

static int
human_flush(struct fl_table *t)
{
	struct fl_wr w;
	size_t *wid, r, c;

	wid = calloc(t->ncol ? t->ncol : 1, sizeof(*wid));
	if (wid == NULL)
		return t->err = FL_ENOMEM;
	for (c = 0; c < t->ncol; c++) {
		wid[c] = width(t->cols[c].name);
		for (r = 0; r < t->nrow; r++) {
			size_t k = width(t->cells[r * t->ncol + c]);

			if (k > wid[c])
				wid[c] = k;
		}
	}
	fl_wr_init(&w, SIZE_MAX);
	for (c = 0; c < t->ncol; c++)
		human_cell(t, &w, c, t->cols[c].name, wid[c], 1);
	fl_wr_raw(&w, "\n", 1);
	put_wr(t, &w);
	for (r = 0; r < t->nrow && t->err == 0; r++) {
		for (c = 0; c < t->ncol; c++)
			human_cell(t, &w, c, t->cells[r * t->ncol + c], wid[c], 0);
		fl_wr_raw(&w, "\n", 1);
		put_wr(t, &w);
	}
	fl_wr_free(&w);
	free(wid);
	return t->err;
}

int
fl_table_end(struct fl_table *t)
{
	struct fl_wr w;

	if (t->err == 0 && t->fmt == FL_OUT_HUMAN && t->nrow > 0)
		human_flush(t);
	else if (t->err == 0 && t->fmt == FL_OUT_TSV && !t->is_header_done) {
		fl_wr_init(&w, SIZE_MAX);
		tsv_header(t, &w);
		put_wr(t, &w);
		fl_wr_free(&w);
	}
	if (fflush(t->f) != 0 && t->err == 0)
		t->err = FL_ESYS;
	return t->err;
}

void
fl_table_free(struct fl_table *t)
{
	size_t i;

	if (t->cells != NULL)
		for (i = 0; i < t->nrow * t->ncol; i++)
			free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
	t->nrow = t->row_cap = 0;
}
