/*
 * flume-seg: the offline segment tool.  Parses arguments, calls segtool.h
 * and maps results to output and exit codes; see flume-seg(1).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/stat.h>

#include "base/csum.h"
#include "base/err.h"
#include "os/clock.h"
#include "os/diag.h"
#include "os/lock.h"
#include "os/out.h"
#include "os/vfs_real.h"
#include "store/plog.h"
#include "store/segtool.h"

#define RECORD_BYTES_MAX (FL_BATCH_BYTES_MAX - 4096)	/* one record, read from stdin */
#define BATCH_RECORDS_MAX 1000000

/* Set by SIGINT/SIGTERM during append: stop reading, then sync and exit 0. */
static volatile sig_atomic_t sig_stop;

struct cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;		/* after "usage: flume-seg " */
	const char *help;		/* what follows the usage line for --help */
};

static const struct cmd cmds[];
static const struct cmd *cur_cmd;

/* ---- small helpers ---- */

static void __attribute__((noreturn))
usage(int status)
{
	FILE *f = status == 0 ? stdout : stderr;
	size_t i;

	if (cur_cmd != NULL) {
		fprintf(f, "usage: flume-seg %s\n", cur_cmd->usage);
		if (status == 0)
			fputs(cur_cmd->help, f);
		exit(status);
	}
	for (i = 0; cmds[i].name != NULL; i++)
		fprintf(f, "%s flume-seg %s\n", i == 0 ? "usage:" : "      ",
		    cmds[i].usage);
	fprintf(f, "       flume-seg -h | --help | -V | --version\n");
	if (status == 0)
		fputs("Run 'flume-seg COMMAND --help' for a command's options; "
		    "see flume-seg(1).\n", f);
	exit(status);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl_warnx("%s%s%s", cur_cmd ? cur_cmd->name : "", cur_cmd ? ": " : "", msg);
	usage(EX_USAGE);
}

static uint64_t
parse_u64(const char *opt, const char *s, uint64_t min, uint64_t max)
{
	unsigned long long v;
	char *end;

	errno = 0;
	if (s[0] < '0' || s[0] > '9')
		usage_err("%s: '%s' is not a number", opt, s);
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		usage_err("%s: '%s' is not a number from %" PRIu64 " to %" PRIu64,
		    opt, s, min, max);
	return v;
}


/* sysexits code for a libcommon error. */
static int
exit_code(int rc)
{
	switch (rc) {
	case FL_ENOENT:
		return EX_NOINPUT;
	case FL_ECORRUPT:
	case FL_EPROTO:
	case FL_ESHORT:
		return EX_DATAERR;
	case FL_ENOMEM:
		return EX_OSERR;
	case FL_EBUSY:
		return EX_TEMPFAIL;
	case FL_EINVAL:
	case FL_ERANGE:
		return EX_USAGE;
	case FL_ESYS:
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
			return EX_OSERR;	/* out of a resource: the data is fine */
		return errno == EACCES || errno == ENOENT || errno == ENOTDIR ?
		    EX_NOINPUT : EX_IOERR;
	}
	return EX_IOERR;
}

static void __attribute__((noreturn))
die_err(int rc, const struct fl_err *err, const char *path)
{
	if (err->msg[0] != '\0')
		fl_diex(exit_code(rc), "%s", err->msg);
	fl_diex(exit_code(rc), "%s: %s", path, fl_strerror(rc));
}

/* A reader of stdout's fate: a closed pipe ends the program quietly. */
static void
out_check(FILE *f)
{
	if (!ferror(f) && fflush(f) == 0)
		return;
	if (errno == EPIPE)
		exit(0);	/* the reader has all it wanted */
	fl_die(EX_IOERR, "stdout");
}

static const char *
code_name(int code)
{
	switch (code) {
	case 0:           return "ok";
	case FL_ESHORT:   return "torn";
	case FL_ECORRUPT: return "corrupt";
	case FL_EPROTO:   return "invalid";
	}
	return "error";
}

static const char *
what_name(enum fl_segtool_what w)
{
	switch (w) {
	case FL_SEGTOOL_LOG:       return "log";
	case FL_SEGTOOL_INDEX:     return "index";
	case FL_SEGTOOL_TIMEINDEX: return "timeindex";
	case FL_SEGTOOL_META:      return "meta";
	}
	return "?";
}

/* One stderr line naming a problem's file, byte position and offset. */
static void
warn_problem(const struct fl_segtool_problem *p, size_t more)
{
	char tail[64] = "";
	char where[96] = "";

	if (more > 0)
		snprintf(tail, sizeof(tail), " (and %zu more problem%s)", more,
		    more == 1 ? "" : "s");
	if (p->pos >= 0 && p->offset >= 0)
		snprintf(where, sizeof(where), " at byte %" PRId64 " (offset %" PRId64 ")",
		    p->pos, p->offset);
	else if (p->pos >= 0)
		snprintf(where, sizeof(where), " at byte %" PRId64, p->pos);
	fl_warnx("%s: bad %s%s: %s%s", p->path,
	    p->what == FL_SEGTOOL_LOG ? "batch" : p->what == FL_SEGTOOL_META ?
	    "file" : "entry", where, p->why, tail);
}

/* The first log problem, else the first problem, on stderr. */
static void
warn_report(const struct fl_segtool_report *rep)
{
	const struct fl_segtool_problem *p = fl_segtool_first_log_problem(rep);

	if (rep->nproblem == 0)
		return;
	warn_problem(p ? p : &rep->problems[0], rep->nproblem - 1);
}

/* ---- output format options shared by the table commands ---- */

enum { OPT_FROM = 256, OPT_TO, OPT_BATCH, OPT_SEGMENT_BYTES, OPT_INDEX_INTERVAL,
	OPT_FORMAT, OPT_TIMESTAMP };

struct outopt {
	int is_set;
	enum fl_out_format fmt;
};

static void
outopt_json(struct outopt *o)
{
	o->is_set = 1;
	o->fmt = FL_OUT_JSON;
}

static void
outopt_format(struct outopt *o, const char *s)
{
	if (fl_out_parse_format(s, &o->fmt) != 0)
		usage_err("--format: '%s' is not human, tsv or json", s);
	o->is_set = 1;
}

static void
table_start(struct fl_table *t, const struct outopt *o, const struct fl_col *cols,
    size_t ncol)
{
	enum fl_out_format fmt = o->is_set ? o->fmt : fl_out_guess(1);

	fl_table_init(t, stdout, fmt, fl_out_is_color(1), cols, ncol);
}

static void
table_row(struct fl_table *t, const char *const *cells)
{
	if (fl_table_row(t, cells) != 0)
		out_check(stdout);
}

static void
table_end(struct fl_table *t)
{
	if (fl_table_end(t) != 0)
		out_check(stdout);
	fl_table_free(t);
	out_check(stdout);
}

/*
 * A writing command must not race a broker: a partition directory lives
 * in a broker's data directory, which the broker flocks (DATA/lock) while
 * it runs.  Take that lock ourselves, held until exit, or refuse with 75.
 * A partition outside any data directory (no lock file) is ours alone.
 */
static void
lock_out_brokers(const char *path)
{
	char dir[PATH_MAX], part[PATH_MAX];
	struct stat st;
	int fd, rc, n;

	if (fl_lock_data_dir_of(path, dir, sizeof(dir)) != 0)
		return;
	rc = fl_lock_dir(dir, 0, &fd);
	if (rc == FL_EBUSY)
		fl_diex(EX_TEMPFAIL, "%s: in use by a running broker (lock held on %s/%s); "
		    "stop it first", path, dir, FL_LOCK_FILE);
	if (rc != 0 && rc != FL_ENOENT)
		fl_die(EX_IOERR, "flock %s/%s", dir, FL_LOCK_FILE);
	/* the partition's own lock: held by its writer, broker or flume-repl */
	n = snprintf(part, sizeof(part), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(part))
		return;
	if (stat(part, &st) == 0 && !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(part, '/');

		if (slash == NULL)
			snprintf(part, sizeof(part), ".");
		else
			*slash = '\0';
	}
	rc = fl_lock_dir(part, 0, &fd);
	if (rc == FL_EBUSY)
		fl_diex(EX_TEMPFAIL, "%s: in use by a running broker or flume-repl (lock "
		    "held on %s/%s); stop it first", path, part, FL_LOCK_FILE);
	if (rc != 0 && rc != FL_ENOENT)
		fl_die(EX_IOERR, "flock %s/%s", part, FL_LOCK_FILE);
	/* the descriptors stay open: the locks are ours until we exit */
}

/* Exactly one operand left after the options. */
static const char *
one_operand(int argc, char **argv, const char *what)
{
	if (optind >= argc)
		usage_err("missing %s", what);
	if (optind + 1 < argc)
		usage_err("unexpected argument '%s'", argv[optind + 1]);
	return argv[optind];
}

static void
open_target(struct fl_segtool *t, const char *path)
{
	struct fl_err err = { 0, "" };
	int rc = fl_segtool_open(t, fl_vfs_real(), path, &err);

	if (rc != 0)
		die_err(rc, &err, path);
}

static void
check_target(struct fl_segtool *t, unsigned flags, struct fl_segtool_report *rep,
    const char *path)
{
	struct fl_err err = { 0, "" };
	int rc = fl_segtool_check(t, flags, rep, &err);

	if (rc != 0)
		die_err(rc, &err, path);
}

#define FMT_I64(buf, v) (snprintf((buf), sizeof(buf), "%" PRId64, (int64_t)(v)), (buf))
#define FMT_U64(buf, v) (snprintf((buf), sizeof(buf), "%" PRIu64, (uint64_t)(v)), (buf))

/* ---- append ---- */

struct reader {
	int fd;
	uint8_t *buf;
	size_t cap, start, end;
	int is_eof;
};

/*
 * Next record ending in delim (the last may lack it): 1 with *p, *n set
 * (valid until the next call), 0 at the end of input or on a stop signal.
 */
static int
read_record(struct reader *r, int delim, const uint8_t **p, size_t *n)
{
	for (;;) {
		uint8_t *hit = r->end > r->start ?
		    memchr(r->buf + r->start, delim, r->end - r->start) : NULL;
		ssize_t got;

		if (hit != NULL) {
			*p = r->buf + r->start;
			*n = (size_t)(hit - *p);
			r->start += *n + 1;
			return 1;
		}
		if (r->is_eof || sig_stop) {
			if (r->end == r->start || sig_stop)
				return 0;
			*p = r->buf + r->start;
			*n = r->end - r->start;
			r->start = r->end;
			return 1;
		}
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		}
		if (r->end == r->cap) {
			size_t ncap = r->cap ? r->cap * 2 : 65536;
			uint8_t *nb;

			if (r->cap > RECORD_BYTES_MAX)
				fl_diex(EX_DATAERR, "stdin: a record is longer than %u bytes",
				    (unsigned)RECORD_BYTES_MAX);
			nb = realloc(r->buf, ncap);
			if (nb == NULL)
				fl_diex(EX_OSERR, "out of memory");
			r->buf = nb;
			r->cap = ncap;
		}
		got = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			fl_die(EX_IOERR, "stdin");
		if (got == 0)
			r->is_eof = 1;
		r->end += (size_t)got;
	}
}

/* First occurrence of sep[0..m) in p[0..n), or NULL (memmem is not POSIX). */
static const uint8_t *
find_sep(const uint8_t *p, size_t n, const char *sep, size_t m)
{
	const uint8_t *q;

	while (n >= m && (q = memchr(p, sep[0], n - m + 1)) != NULL) {
		if (memcmp(q, sep, m) == 0)
			return q;
		n -= (size_t)(q - p) + 1;
		p = q + 1;
	}
	return NULL;
}

static void
on_stop(int sig)
{
	if (sig_stop && sig == SIGINT)
		_exit(1);	/* a second ^C: now */
	sig_stop = 1;
}

static int
cmd_append(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "null", no_argument, NULL, 'z' },
		{ "key-separator", required_argument, NULL, 'K' },
		{ "batch", required_argument, NULL, OPT_BATCH },
		{ "segment-bytes", required_argument, NULL, OPT_SEGMENT_BYTES },
		{ "index-interval-bytes", required_argument, NULL, OPT_INDEX_INTERVAL },
		{ "timestamp", required_argument, NULL, OPT_TIMESTAMP },
		{ NULL, 0, NULL, 0 }
	};
	struct fl_plog_config cfg;
	struct fl_plog_recovery rec;
	struct fl_segtool_appender ap;
	struct fl_err err = { 0, "" };
	struct sigaction sa;
	struct reader rd = { 0, NULL, 0, 0, 0, 0 };
	struct fl_plog l;
	const char *dir, *sep = NULL;
	size_t batch = 1000, seplen = 0;
	int64_t fixed_ts = -1;
	int delim = '\n', saved_errno, sync_rc, c, rc;
	const uint8_t *p;
	size_t n;

	fl_plog_config_default(&cfg);
	while ((c = getopt_long(argc, argv, "hzK:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'z': delim = '\0'; break;
		case 'K':
			sep = optarg;
			seplen = strlen(sep);
			if (seplen == 0)
				usage_err("-K: the separator is empty");
			break;
		case OPT_BATCH:
			batch = (size_t)parse_u64("--batch", optarg, 1, BATCH_RECORDS_MAX);
			break;
		case OPT_SEGMENT_BYTES:
			cfg.segment_bytes = parse_u64("--segment-bytes", optarg, 1, UINT32_MAX);
			break;
		case OPT_INDEX_INTERVAL:
			cfg.index_interval_bytes = (uint32_t)parse_u64(
			    "--index-interval-bytes", optarg, 1, UINT32_MAX);
			break;
		case OPT_TIMESTAMP:
			fixed_ts = (int64_t)parse_u64("--timestamp", optarg, 0, INT64_MAX);
			break;
		default: usage(EX_USAGE);
		}
	}
	dir = one_operand(argc, argv, "directory");
	lock_out_brokers(dir);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;	/* no SA_RESTART: read(2) must return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	rc = fl_plog_open(&l, fl_vfs_real(), dir, &cfg, FL_PLOG_CREATE | FL_PLOG_MKDIRS,
	    fl_wall_ms(), &rec, &err);
	if (rc != 0)
		die_err(rc == FL_EINVAL ? FL_ENOENT : rc, &err, dir);
	if (rec.cut_bytes > 0)
		fl_warnx("%s/%020" PRIu64 ".log: recovery cut %" PRIu64 " bytes at byte %"
		    PRIu64 ": %s", dir, rec.cut_segment, rec.cut_bytes, rec.cut_pos,
		    rec.reason);

	fl_segtool_appender_init(&ap, &l, batch);
	while (read_record(&rd, delim, &p, &n) == 1) {
		struct fl_slice key = { NULL, 0 }, value = { p, n };
		const uint8_t *hit = sep ? find_sep(p, n, sep, seplen) : NULL;
		int64_t now = fl_wall_ms();

		if (hit != NULL) {
			key.p = p;
			key.len = (size_t)(hit - p);
			value.p = hit + seplen;
			value.len = n - key.len - seplen;
		}
		if ((rc = fl_segtool_appender_add(&ap, fixed_ts >= 0 ? fixed_ts : now,
		    &key, &value, now)) != 0)
			break;
	}
	if (rc == 0)
		rc = fl_segtool_appender_flush(&ap, fl_wall_ms());
	saved_errno = errno;	/* the cause, after FL_ESYS */
	/* what was appended is made durable even when a later record failed */
	if ((sync_rc = fl_plog_sync(&l)) != 0 && rc == 0) {
		rc = sync_rc;
		saved_errno = errno;
	}
	fl_segtool_appender_free(&ap);
	fl_plog_close(&l);
	free(rd.buf);
	errno = saved_errno;
	if (rc == FL_ERANGE)
		fl_diex(EX_DATAERR, "stdin: record %" PRIu64 " is too large for a batch",
		    ap.records + 1);
	if (rc == FL_ESYS)
		fl_die(exit_code(rc), "%s", dir);
	if (rc != 0)
		fl_diex(exit_code(rc), "%s: %s", dir, fl_strerror(rc));
	return 0;
}

/* ---- cat ---- */

struct cat_arg {
	int is_json;
	int delim;
	const char *sep;
	uint64_t compressed;
	struct fl_wr w;
};

static void
json_bytes(struct fl_wr *w, const struct fl_slice *s)
{
	if (s->p == NULL)
		fl_wr_raw(w, "null", 4);
	else
		fl_json_escape(w, s->p, s->len);
}

static int
cat_cb(void *arg, const struct fl_segtool_item *it)
{
	struct cat_arg *a = arg;
	const struct fl_record *r = it->rec;
	char num[48];

	if (it->hdr->attributes & FL_BATCH_ATTR_CONTROL)
		return 0;	/* transaction markers are not data */
	if (r == NULL) {
		a->compressed++;
		return 0;
	}
	if (!a->is_json) {
		if (a->sep != NULL && r->key.p != NULL) {
			fwrite(r->key.p, 1, r->key.len, stdout);
			fputs(a->sep, stdout);
		}
		if (r->value.p != NULL)
			fwrite(r->value.p, 1, r->value.len, stdout);
		putchar(a->delim);
	} else {
		struct fl_record_header h;
		struct fl_rd hr;
		int is_first = 1;

		fl_wr_reset(&a->w);
		fl_wr_raw(&a->w, "{\"offset\":", 10);
		fl_wr_raw(&a->w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64, r->offset));
		fl_wr_raw(&a->w, ",\"timestamp\":", 13);
		fl_wr_raw(&a->w, num, (size_t)snprintf(num, sizeof(num), "%" PRId64,
		    it->timestamp));
		fl_wr_raw(&a->w, ",\"key\":", 7);
		json_bytes(&a->w, &r->key);
		fl_wr_raw(&a->w, ",\"value\":", 9);
		json_bytes(&a->w, &r->value);
		fl_wr_raw(&a->w, ",\"headers\":[", 12);
		fl_rd_init(&hr, r->headers.p, r->headers.len);
		while (fl_record_header_next(&hr, &h) == 1) {
			if (!is_first)
				fl_wr_raw(&a->w, ",", 1);
			is_first = 0;
			fl_wr_raw(&a->w, "{\"key\":", 7);
			fl_json_escape(&a->w, h.key.p, h.key.len);
			fl_wr_raw(&a->w, ",\"value\":", 9);
			json_bytes(&a->w, &h.value);
			fl_wr_raw(&a->w, "}", 1);
		}
		fl_wr_raw(&a->w, "]}\n", 3);
		if (a->w.err != 0)
			fl_diex(EX_OSERR, "out of memory");
		fwrite(a->w.p, 1, a->w.len, stdout);
	}
	if (ferror(stdout))
		out_check(stdout);
	return 0;
}

static int
cmd_cat(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "null", no_argument, NULL, 'z' },
		{ "key-separator", required_argument, NULL, 'K' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ NULL, 0, NULL, 0 }
	};
	struct cat_arg a;
	struct fl_segtool t;
	struct fl_segtool_problem prob;
	struct fl_err err = { 0, "" };
	uint64_t from = 0, to = INT64_MAX;
	const char *path;
	int c, rc;

	memset(&a, 0, sizeof(a));
	a.delim = '\n';
	while ((c = getopt_long(argc, argv, "hjzK:", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'j': a.is_json = 1; break;
		case 'z': a.delim = '\0'; break;
		case 'K':
			if (optarg[0] == '\0')
				usage_err("-K: the separator is empty");
			a.sep = optarg;
			break;
		case OPT_FROM: from = parse_u64("--from", optarg, 0, INT64_MAX); break;
		case OPT_TO: to = parse_u64("--to", optarg, 0, INT64_MAX); break;
		default: usage(EX_USAGE);
		}
	}
	path = one_operand(argc, argv, "path");
	open_target(&t, path);
	fl_wr_init(&a.w, SIZE_MAX);
	rc = fl_segtool_records(&t, from, to, cat_cb, &a, &prob, &err);
	fl_wr_free(&a.w);
	fl_segtool_close(&t);
	out_check(stdout);
	if (a.compressed > 0)
		fl_warnx("%s: skipped %" PRIu64 " compressed batch%s: flume-seg reads "
		    "only uncompressed records", path, a.compressed,
		    a.compressed == 1 ? "" : "es");
	if (rc == FL_ECORRUPT) {
		warn_problem(&prob, 0);
		return EX_DATAERR;
	}
	if (rc != 0)
		die_err(rc, &err, path);
	return 0;
}

/* ---- info ---- */

static const struct option table_lo[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "json", no_argument, NULL, 'j' },
	{ "format", required_argument, NULL, OPT_FORMAT },
	{ NULL, 0, NULL, 0 }
};

/* Options of the table-printing commands without options of their own. */
static const char *
table_opts(int argc, char **argv, struct outopt *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "hj", table_lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'j': outopt_json(o); break;
		case OPT_FORMAT: outopt_format(o, optarg); break;
		default: usage(EX_USAGE);
		}
	}
	return one_operand(argc, argv, "path");
}

static int
cmd_info(int argc, char **argv)
{
	static const struct fl_col cols[] = {
		{ "file", FL_COL_STR }, { "base_offset", FL_COL_NUM },
		{ "last_offset", FL_COL_NUM }, { "records", FL_COL_NUM },
		{ "batches", FL_COL_NUM }, { "bytes", FL_COL_NUM },
		{ "min_epoch", FL_COL_NUM }, { "max_epoch", FL_COL_NUM },
		{ "max_timestamp", FL_COL_NUM }, { "index_entries", FL_COL_NUM },
		{ "timeindex_entries", FL_COL_NUM }, { "status", FL_COL_STATUS },
	};
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_segtool_report rep;
	struct fl_segtool t;
	struct fl_table tab;
	const char *path;
	size_t i;

	path = table_opts(argc, argv, &o);
	open_target(&t, path);
	check_target(&t, 0, &rep, path);
	table_start(&tab, &o, cols, FL_ARRAY_LEN(cols));
	for (i = 0; i < rep.nseg; i++) {
		const struct fl_seg_stat *s = &rep.segs[i];
		char file[FL_SEGTOOL_PATH_MAX], b[11][24];
		const char *status = s->log_status ? code_name(s->log_status) :
		    s->index_status || s->timeindex_status ? "bad-index" : "ok";
		const char *cells[12];

		fl_segtool_path(&t, i, ".log", file, sizeof(file));
		cells[0] = file;
		cells[1] = FMT_U64(b[0], s->base);
		cells[2] = s->last_offset >= 0 ? FMT_I64(b[1], s->last_offset) : NULL;
		cells[3] = FMT_U64(b[2], s->records);
		cells[4] = FMT_U64(b[3], s->batches);
		cells[5] = FMT_U64(b[4], s->log_bytes);
		cells[6] = s->min_epoch >= 0 ? FMT_I64(b[5], s->min_epoch) : NULL;
		cells[7] = s->max_epoch >= 0 ? FMT_I64(b[6], s->max_epoch) : NULL;
		cells[8] = s->max_ts >= 0 ? FMT_I64(b[7], s->max_ts) : NULL;
		cells[9] = s->index_entries >= 0 ? FMT_I64(b[8], s->index_entries) : NULL;
		cells[10] = s->timeindex_entries >= 0 ?
		    FMT_I64(b[9], s->timeindex_entries) : NULL;
		cells[11] = status;
		table_row(&tab, cells);
	}
	table_end(&tab);
	fl_segtool_close(&t);
	warn_report(&rep);
	i = rep.nproblem;
	fl_segtool_report_free(&rep);
	return i > 0 ? EX_DATAERR : 0;
}

/* ---- verify ---- */

static const struct fl_col problem_cols[] = {
	{ "file", FL_COL_STR }, { "kind", FL_COL_STR }, { "pos", FL_COL_NUM },
	{ "offset", FL_COL_NUM }, { "error", FL_COL_STATUS }, { "reason", FL_COL_STR },
};

static void
problem_rows(struct fl_table *tab, const struct fl_segtool_report *rep)
{
	size_t i;

	for (i = 0; i < rep->nproblem; i++) {
		const struct fl_segtool_problem *p = &rep->problems[i];
		char b1[24], b2[24];
		const char *cells[6];

		cells[0] = p->path;
		cells[1] = what_name(p->what);
		cells[2] = p->pos >= 0 ? FMT_I64(b1, p->pos) : NULL;
		cells[3] = p->offset >= 0 ? FMT_I64(b2, p->offset) : NULL;
		cells[4] = code_name(p->code);
		cells[5] = p->why;
		table_row(tab, cells);
	}
}

static int
cmd_verify(int argc, char **argv)
{
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_segtool_report rep;
	struct fl_segtool t;
	struct fl_table tab;
	const char *path;
	size_t n;

	path = table_opts(argc, argv, &o);
	open_target(&t, path);
	check_target(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, path);
	fl_segtool_close(&t);
	table_start(&tab, &o, problem_cols, FL_ARRAY_LEN(problem_cols));
	problem_rows(&tab, &rep);
	table_end(&tab);
	warn_report(&rep);
	n = rep.nproblem;
	fl_segtool_report_free(&rep);
	return n > 0 ? EX_DATAERR : 0;
}

/* ---- repair and reindex ---- */

static const char *
act_name(enum fl_segtool_act_kind k)
{
	switch (k) {
	case FL_SEGTOOL_CUT:     return "cut";
	case FL_SEGTOOL_MOVE:    return "move";
	case FL_SEGTOOL_REINDEX: return "reindex";
	case FL_SEGTOOL_EPOCHS:  return "epochs";
	case FL_SEGTOOL_HW:      return "hw";
	}
	return "?";
}

static int
cmd_repair(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "index-interval-bytes", required_argument, NULL, OPT_INDEX_INTERVAL },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct fl_col cols[] = {
		{ "action", FL_COL_STR }, { "file", FL_COL_STR }, { "pos", FL_COL_NUM },
		{ "bytes", FL_COL_NUM }, { "offset", FL_COL_NUM }, { "saved", FL_COL_STR },
	};
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_segtool_report rep;
	struct fl_segtool_actions acts;
	struct fl_segtool t;
	struct fl_table tab;
	struct fl_err err = { 0, "" };
	uint32_t interval = 4096;
	int is_dry_run = 0, c, rc;
	const char *path;
	size_t i;

	while ((c = getopt_long(argc, argv, "hnj", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'n': is_dry_run = 1; break;
		case 'j': outopt_json(&o); break;
		case OPT_FORMAT: outopt_format(&o, optarg); break;
		case OPT_INDEX_INTERVAL:
			interval = (uint32_t)parse_u64("--index-interval-bytes", optarg,
			    1, UINT32_MAX);
			break;
		default: usage(EX_USAGE);
		}
	}
	path = one_operand(argc, argv, "path");
	if (!is_dry_run)
		lock_out_brokers(path);
	open_target(&t, path);
	check_target(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, path);
	rc = fl_segtool_repair(&t, &rep, interval, is_dry_run, &acts, &err);
	fl_segtool_report_free(&rep);
	table_start(&tab, &o, cols, FL_ARRAY_LEN(cols));
	for (i = 0; i < acts.nact; i++) {
		const struct fl_segtool_action *a = &acts.acts[i];
		char b1[24], b2[24], b3[24];
		const char *cells[6];

		cells[0] = act_name(a->kind);
		cells[1] = a->path;
		cells[2] = a->kind == FL_SEGTOOL_CUT ? FMT_U64(b1, a->pos) : NULL;
		cells[3] = a->kind != FL_SEGTOOL_EPOCHS && a->kind != FL_SEGTOOL_HW ?
		    FMT_U64(b2, a->bytes) : NULL;
		cells[4] = a->offset >= 0 ? FMT_I64(b3, a->offset) : NULL;
		cells[5] = a->saved[0] ? a->saved : NULL;
		table_row(&tab, cells);
	}
	table_end(&tab);
	fl_segtool_actions_free(&acts);
	if (rc != 0) {
		fl_segtool_close(&t);
		die_err(rc, &err, path);
	}
	if (is_dry_run) {
		fl_segtool_close(&t);
		return 0;
	}
	/* what repair could not mend (a damaged hw file, ...) still fails */
	fl_segtool_close(&t);
	open_target(&t, path);
	check_target(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, path);
	fl_segtool_close(&t);
	warn_report(&rep);
	i = rep.nproblem;
	fl_segtool_report_free(&rep);
	return i > 0 ? EX_DATAERR : 0;
}

static int
cmd_reindex(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "index-interval-bytes", required_argument, NULL, OPT_INDEX_INTERVAL },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct fl_col cols[] = {
		{ "file", FL_COL_STR }, { "log_bytes", FL_COL_NUM },
		{ "index_entries", FL_COL_NUM }, { "timeindex_entries", FL_COL_NUM },
	};
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_segtool_report rep;
	struct fl_segtool_actions acts;
	const struct fl_segtool_problem *bad;
	struct fl_segtool t;
	struct fl_table tab;
	struct fl_err err = { 0, "" };
	uint32_t interval = 4096;
	const char *path;
	int c, rc, ex = 0;
	size_t i;

	while ((c = getopt_long(argc, argv, "hj", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'j': outopt_json(&o); break;
		case OPT_FORMAT: outopt_format(&o, optarg); break;
		case OPT_INDEX_INTERVAL:
			interval = (uint32_t)parse_u64("--index-interval-bytes", optarg,
			    1, UINT32_MAX);
			break;
		default: usage(EX_USAGE);
		}
	}
	path = one_operand(argc, argv, "path");
	lock_out_brokers(path);
	open_target(&t, path);
	if (t.kind == FL_SEGTOOL_FILE)
		fl_diex(EX_USAGE, "%s: not a segment file name "
		    "(NNNNNNNNNNNNNNNNNNNN.log): cannot tell its index", path);
	check_target(&t, 0, &rep, path);
	rc = fl_segtool_reindex(&t, &rep, interval, &acts, &err);
	table_start(&tab, &o, cols, FL_ARRAY_LEN(cols));
	for (i = 0; i < acts.nact; i++) {
		const struct fl_segtool_action *a = &acts.acts[i];
		char b1[24], b2[24], b3[24];
		const char *cells[4];

		cells[0] = a->path;
		cells[1] = FMT_U64(b1, a->bytes);
		cells[2] = FMT_I64(b2, a->nidx);
		cells[3] = FMT_I64(b3, a->ntidx);
		table_row(&tab, cells);
	}
	table_end(&tab);
	fl_segtool_actions_free(&acts);
	fl_segtool_close(&t);
	if (rc != 0)
		die_err(rc, &err, path);
	/* the bad part of a damaged log stays unindexed: say so */
	if ((bad = fl_segtool_first_log_problem(&rep)) != NULL) {
		warn_problem(bad, 0);
		ex = EX_DATAERR;
	}
	fl_segtool_report_free(&rep);
	return ex;
}

/* ---- truncate and digest ---- */

static int
cmd_truncate(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "to", required_argument, NULL, OPT_TO },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct fl_col cols[] = { { "log_end", FL_COL_NUM } };
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_err err = { 0, "" };
	struct fl_table tab;
	uint64_t to = 0, end = 0;
	int has_to = 0, c, rc;
	const char *dir, *cells[1];
	char b[24];

	while ((c = getopt_long(argc, argv, "hj", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'j': outopt_json(&o); break;
		case OPT_FORMAT: outopt_format(&o, optarg); break;
		case OPT_TO:
			to = parse_u64("--to", optarg, 0, INT64_MAX);
			has_to = 1;
			break;
		default: usage(EX_USAGE);
		}
	}
	if (!has_to)
		usage_err("--to is required");
	dir = one_operand(argc, argv, "directory");
	lock_out_brokers(dir);
	rc = fl_segtool_truncate(fl_vfs_real(), dir, to, fl_wall_ms(), &end, &err);
	if (rc != 0)
		die_err(rc, &err, dir);
	table_start(&tab, &o, cols, 1);
	cells[0] = FMT_U64(b, end);
	table_row(&tab, cells);
	table_end(&tab);
	return 0;
}

static int
cmd_digest(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "json", no_argument, NULL, 'j' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ NULL, 0, NULL, 0 }
	};
	static const struct fl_col cols[] = {
		{ "from", FL_COL_NUM }, { "to", FL_COL_NUM },
		{ "records", FL_COL_NUM }, { "blake2b", FL_COL_STR },
	};
	struct outopt o = { 0, FL_OUT_TSV };
	struct fl_segtool_digest d;
	struct fl_segtool_problem prob;
	struct fl_segtool t;
	struct fl_table tab;
	struct fl_err err = { 0, "" };
	uint64_t from = 0, to = INT64_MAX;
	char b1[24], b2[24], b3[24], hex[2 * FL_BLAKE2B_BYTES + 1];
	const char *path, *cells[4];
	int c, rc;

	while ((c = getopt_long(argc, argv, "hj", lo, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0);
		case 'j': outopt_json(&o); break;
		case OPT_FORMAT: outopt_format(&o, optarg); break;
		case OPT_FROM: from = parse_u64("--from", optarg, 0, INT64_MAX); break;
		case OPT_TO: to = parse_u64("--to", optarg, 0, INT64_MAX); break;
		default: usage(EX_USAGE);
		}
	}
	path = one_operand(argc, argv, "path");
	if (to < from)
		usage_err("--to %" PRIu64 " is below --from %" PRIu64, to, from);
	open_target(&t, path);
	rc = fl_segtool_digest(&t, from, to, &d, &prob, &err);
	fl_segtool_close(&t);
	if (rc == FL_ECORRUPT) {
		warn_problem(&prob, 0);
		return EX_DATAERR;
	}
	if (rc != 0)
		die_err(rc, &err, path);
	if (d.compressed_batches > 0)
		fl_warnx("%s: %" PRIu64 " compressed batch%s digested whole", path,
		    d.compressed_batches, d.compressed_batches == 1 ? "" : "es");
	fl_hex(hex, d.sum, sizeof(d.sum));
	table_start(&tab, &o, cols, FL_ARRAY_LEN(cols));
	cells[0] = FMT_U64(b1, from);
	cells[1] = FMT_U64(b2, d.end_offset);
	cells[2] = FMT_U64(b3, d.records);
	cells[3] = hex;
	table_row(&tab, cells);
	table_end(&tab);
	return 0;
}

/* ---- dispatch ---- */

#define OUT_HELP \
	"  -j, --json             JSON Lines output (same as --format json)\n" \
	"      --format FORMAT    human, tsv or json (default: human on a\n" \
	"                         terminal, tsv otherwise)\n" \
	"  -h, --help             print this help\n"

static const struct cmd cmds[] = {
	{ "append", cmd_append,
	  "append [-z] [-K sep] [--batch n] [--segment-bytes n]\n"
	  "                 [--index-interval-bytes n] [--timestamp ms] dir",
	  "Append records read from stdin, one per line, to the partition in dir\n"
	  "(created if missing, with any missing directory above it), then fsync.\n"
	  "  -z, --null             records end with NUL, not newline\n"
	  "  -K, --key-separator SEP  split each record at the first SEP into key\n"
	  "                         and value (no SEP: null key)\n"
	  "      --batch N          records per batch (default 1000; a batch also\n"
	  "                         ends at 1 MiB)\n"
	  "      --segment-bytes N  roll segments at N bytes (default 1073741824)\n"
	  "      --index-interval-bytes N  one index entry per N bytes (default 4096)\n"
	  "      --timestamp MS     stamp every record MS (milliseconds since the\n"
	  "                         epoch), not the time it was read\n"
	  "  -h, --help             print this help\n" },
	{ "cat", cmd_cat,
	  "cat [-jz] [-K sep] [--from offset] [--to offset] path",
	  "Print the values of the records in path, one per line.\n"
	  "  -j, --json             one JSON object per record (offset, timestamp,\n"
	  "                         key, value, headers)\n"
	  "  -z, --null             end each record with NUL, not newline\n"
	  "  -K, --key-separator SEP  print key SEP value for records with a key\n"
	  "      --from OFFSET      start at this offset (default: the first)\n"
	  "      --to OFFSET        stop before this offset (default: the end)\n"
	  "  -h, --help             print this help\n" },
	{ "info", cmd_info,
	  "info [-j] [--format format] path",
	  "Describe each segment: offsets, sizes, records, epochs, index entries.\n"
	  OUT_HELP },
	{ "verify", cmd_verify,
	  "verify [-j] [--format format] path",
	  "Check every batch and index entry; list problems; exit 65 if any.\n"
	  OUT_HELP },
	{ "repair", cmd_repair,
	  "repair [-nj] [--index-interval-bytes n] [--format format] path",
	  "Cut the log at its first bad batch, keeping the cut bytes in a .corrupt\n"
	  "file, and rebuild damaged indexes.\n"
	  "  -n, --dry-run          print what would be done; change nothing\n"
	  "      --index-interval-bytes N  one index entry per N bytes (default 4096)\n"
	  OUT_HELP },
	{ "reindex", cmd_reindex,
	  "reindex [-j] [--index-interval-bytes n] [--format format] path",
	  "Rebuild the index and time index of each segment from its log.\n"
	  "      --index-interval-bytes N  one index entry per N bytes (default 4096)\n"
	  OUT_HELP },
	{ "truncate", cmd_truncate,
	  "truncate --to offset [-j] [--format format] dir",
	  "Remove every record at or after an offset.\n"
	  "      --to OFFSET        the first offset to remove (required)\n"
	  OUT_HELP },
	{ "digest", cmd_digest,
	  "digest [-j] [--from offset] [--to offset] [--format format] path",
	  "Print a BLAKE2b-256 digest of the records in a range of offsets.\n"
	  "      --from OFFSET      first offset (default 0)\n"
	  "      --to OFFSET        stop before this offset (default: the end)\n"
	  OUT_HELP },
	{ NULL, NULL, NULL, NULL }
};

int
main(int argc, char **argv)
{
	static char prog[64];
	size_t i;

	fl_diag_init("flume-seg");
	signal(SIGPIPE, SIG_IGN);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "cannot initialise libsodium");
	if (argc < 2)
		usage(EX_USAGE);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)
		usage(0);
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("flume-seg %s\n", FL_VERSION);
		out_check(stdout);
		return 0;
	}
	for (i = 0; cmds[i].name != NULL; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			break;
	if (cmds[i].name == NULL) {
		fl_warnx("unknown command '%s'", argv[1]);
		usage(EX_USAGE);
	}
	cur_cmd = &cmds[i];
	/* getopt's own messages then read "flume-seg cat: ..." */
	snprintf(prog, sizeof(prog), "flume-seg %s", cur_cmd->name);
	argv[1] = prog;
	return cur_cmd->run(argc - 1, argv + 1);
}
