/*
 * out.h: result output for the command-line tools, in the three forms of
 * STYLE §5: aligned columns for a person at a terminal (bold header, colour
 * unless NO_COLOR), tab-separated values with one header line for a pipe,
 * and JSON Lines (one object per row).
 *
 * JSON strings: bytes that form valid UTF-8 are written as themselves,
 * except '"', '\\' and control characters, which are escaped (\n, \t, ...
 * or \u00XX).  A byte that is not part of valid UTF-8 is written as the lone
 * surrogate escape \uDCXX (XX its value), the "surrogateescape" scheme of
 * Python's PEP 383: no valid UTF-8 text produces such an escape, so the
 * original bytes can always be recovered, e.g. in Python with
 * json.loads(line)["value"].encode("utf-8", "surrogateescape").
 *
 * TSV cells: a tab, newline, carriage return or backslash in a cell is
 * written as \t, \n, \r or \\, so a row is always one line.
 *
 * Ownership: struct fl_table is caller storage; fl_table_init() borrows
 * the column array and the FILE, and copies every cell it keeps;
 * fl_table_free() frees the copies (a zeroed table frees nothing).
 * Errors: 0, FL_ENOMEM, or FL_ESYS (errno set) when writing to the FILE
 * failed.  Does I/O (stdio) only through the FILE it is given; not
 * thread-safe per table.
 * Layer: os (may include anything; this is where system calls live).
 */
#ifndef FL_OUT_H
#define FL_OUT_H

#include <stddef.h>
#include <stdio.h>

#include "base/rd.h"

enum fl_out_format { FL_OUT_HUMAN, FL_OUT_TSV, FL_OUT_JSON };

/*
 * Parse "human", "tsv" or "json"; 0 or FL_EINVAL.
 */
int fl_out_parse_format(const char *s, enum fl_out_format *fmt);

/* The default for fd: FL_OUT_HUMAN on a terminal, FL_OUT_TSV otherwise. */
enum fl_out_format fl_out_guess(int fd);

/* 1 if fd is a terminal and NO_COLOR is unset or empty (no-color.org). */
int fl_out_is_color(int fd);

/*
 * Append p[0..n) to w as a JSON string, quotes included, escaped as the
 * header describes.  Pure; the writer's sticky error reports a full buffer.
 */
void fl_json_escape(struct fl_wr *w, const void *p, size_t n);

/* Append a TSV cell escaped as the header describes.  Pure. */
void fl_tsv_escape(struct fl_wr *w, const void *p, size_t n);

/* 1 if p[0..n) is valid UTF-8 (no overlongs, surrogates or > U+10FFFF). */
int fl_utf8_valid(const void *p, size_t n);

enum fl_col_kind {
	FL_COL_STR,	/* JSON string; left-aligned */
	FL_COL_NUM,	/* JSON number (the cell must be numeric text); right-aligned */
	FL_COL_STATUS	/* JSON string; green when "ok", red otherwise, on a colour terminal */
};

struct fl_col {
	const char *name;	/* column name: TSV header, JSON key; interface */
	enum fl_col_kind kind;
};

struct fl_table {
	FILE *f;			/* borrowed */
	enum fl_out_format fmt;
	int is_color;
	const struct fl_col *cols;	/* borrowed, ncol entries */
	size_t ncol;
	char **cells;			/* owned: human only, nrow * ncol cells */
	size_t nrow, row_cap;
	int is_header_done;		/* TSV header written */
	int err;			/* sticky: first error */
};

/*
 * Start a table of ncol columns written to f in fmt.  is_color matters only
 * for FL_OUT_HUMAN.  Nothing is written yet.
 */
void fl_table_init(struct fl_table *t, FILE *f, enum fl_out_format fmt,
    int is_color, const struct fl_col *cols, size_t ncol);

/*
 * Add one row of ncol cells.  A NULL cell is missing: empty in human and
 * TSV output, null in JSON.  TSV and JSON rows are written at once; human
 * rows are kept until fl_table_end(), which needs every width.  Returns 0
 * or the table's sticky error.
 */
int fl_table_row(struct fl_table *t, const char *const *cells);

/*
 * Finish: write the kept human rows (nothing at all when there are none:
 * no news is good news), or a TSV header for a table with no rows (a
 * script always gets the column names), and flush f.  Returns 0 or
 * the first error.
 */
int fl_table_end(struct fl_table *t);

void fl_table_free(struct fl_table *t);

#endif
