/*
 * replctl.h: the line protocol between a broker and a flume-repl child
 * (flume-repl(1), THE LINE PROTOCOL): commands on the child's standard
 * input, reports on its standard output, one line each.  Fields are
 * separated by runs of tabs or spaces when read and by one tab when
 * written; the last field of an error report is free text (tabs and
 * control characters in it become spaces).  An error report about no
 * partition has "-" for PART, and for TOPIC too when it names none (a
 * topic may be called "-"; a partition never is).
 *
 *   commands   follow TOPIC PART EPOCH        drop TOPIC PART
 *   reports    following TOPIC PART EPOCH     progress TOPIC PART LOG_END HW
 *              truncated TOPIC PART OFFSET    reset TOPIC PART OFFSET
 *              fenced TOPIC PART EPOCH        dropped TOPIC PART
 *              error TOPIC PART TEXT
 *
 * Both directions are here, parse and format, so that flume-repl and the
 * broker that drives it cannot disagree.  Lines are given and returned
 * without their newline.
 * Errors: 0 or negative FL_E*; a line that does not parse is FL_EINVAL
 * with err (may be NULL) saying why in a sentence fit for an error report.
 * Layer: codec.  Pure: no I/O, no allocation.
 */
#ifndef FL_REPLCTL_H
#define FL_REPLCTL_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "codec/topics.h"

/* The longest line either side writes or accepts, without its newline. */
#define FL_REPLCTL_LINE_MAX 1024
#define FL_REPLCTL_TEXT_MAX 512		/* an error report's text, with its NUL */

enum fl_replctl_cmd_kind { FL_REPLCTL_FOLLOW, FL_REPLCTL_DROP };

struct fl_replctl_cmd {
	enum fl_replctl_cmd_kind kind;
	char topic[FL_TOPIC_NAME_MAX + 1];	/* "" when the line named none */
	int32_t part;				/* -1 when the line named none */
	int32_t epoch;				/* FOLLOW: the leader epoch */
};

/*
 * Parse one command line.  0 with *c filled; FL_ENOENT for a blank line
 * (ignore it); FL_EINVAL for anything else that is not a command (unknown
 * word, a field missing or extra, a bad topic name, a number that is not
 * decimal or out of 0..2147483647, a NUL byte), with c->topic and c->part
 * set as far as the line named them validly, so the error report can say
 * which partition it was about.
 */
int fl_replctl_cmd_parse(const char *line, size_t len, struct fl_replctl_cmd *c,
    struct fl_err *err);
/* Write c as a line into buf[n] (NUL-terminated): its length, or FL_ERANGE. */
int fl_replctl_cmd_format(char *buf, size_t n, const struct fl_replctl_cmd *c);

enum fl_replctl_rep_kind {
	FL_REPLCTL_FOLLOWING,	/* lock held, copy open, following at epoch */
	FL_REPLCTL_PROGRESS,	/* offset = log end (durable), hw */
	FL_REPLCTL_TRUNCATED,	/* offset = the new log end */
	FL_REPLCTL_RESET,	/* offset = where the emptied copy restarts */
	FL_REPLCTL_FENCED,	/* the leader has an epoch newer than epoch */
	FL_REPLCTL_DROPPED,	/* synced, closed, lock released */
	FL_REPLCTL_ERROR	/* text */
};

struct fl_replctl_rep {
	enum fl_replctl_rep_kind kind;
	char topic[FL_TOPIC_NAME_MAX + 1];	/* ERROR: may be "" (written "-") */
	int32_t part;				/* ERROR: may be -1 (written "-") */
	int32_t epoch;				/* FOLLOWING, FENCED */
	uint64_t offset;			/* PROGRESS, TRUNCATED, RESET */
	uint64_t hw;				/* PROGRESS */
	char text[FL_REPLCTL_TEXT_MAX];		/* ERROR */
};

/* Write r as a line into buf[n] (NUL-terminated): its length, or FL_ERANGE. */
int fl_replctl_rep_format(char *buf, size_t n, const struct fl_replctl_rep *r);
/* Parse one report line: 0, or FL_EINVAL with err saying why. */
int fl_replctl_rep_parse(const char *line, size_t len, struct fl_replctl_rep *r,
    struct fl_err *err);

#endif
