/*
 * consume.c: flume-cat -C.  Finds each partition's start offset with
 * ListOffsets, then loops Fetch over every partition and prints each record
 * through the -f format.
 *
 * End of partition (-e): a partition is at its end when the offset to fetch
 * next has reached the LastStableOffset the broker reports (the
 * HighWatermark when LSO is -1), the rule librdkafka uses (§5.4).  With -e
 * such a partition is not fetched again, and the run ends when every
 * partition got there.
 *
 * A closed stdout ends the run quietly: a write fails with EPIPE, or, while
 * waiting for data, poll() reports the pipe's error (pool.watch_fd).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec/batch.h"
#include "os/diag.h"
#include "cat.h"

#define FETCH_WAIT_MS		500
#define FETCH_BYTES_MAX		(8 << 20)
#define PART_FETCH_BYTES_MAX	(1 << 20)

enum tok_kind { TOK_LIT, TOK_KEY, TOK_VALUE, TOK_KEY_LEN, TOK_VALUE_LEN,
	TOK_OFFSET, TOK_PARTITION, TOK_TOPIC, TOK_TIMESTAMP };

struct cat_tok {
	enum tok_kind kind;
	size_t off, len;		/* TOK_LIT: bytes in fmt.lit */
};

struct cpart {
	int32_t index;
	int64_t offset;			/* next offset to fetch */
	int is_eof;
};

struct consumer {
	const struct cat_conf *conf;
	struct pool pool;
	struct cat_topic topic;
	struct cpart *cp;		/* owned */
	size_t ncp;
	struct cat_fmt fmt;
	int64_t count;			/* records printed */
};

/* ---- -f format ---- */

static int
fmt_add(struct cat_fmt *f, enum tok_kind kind, size_t off, size_t len)
{
	struct cat_tok *t;

	/* merge adjacent literals */
	if (kind == TOK_LIT && f->ntok > 0 && f->toks[f->ntok - 1].kind == TOK_LIT &&
	    f->toks[f->ntok - 1].off + f->toks[f->ntok - 1].len == off) {
		f->toks[f->ntok - 1].len += len;
		return 0;
	}
	t = realloc(f->toks, (f->ntok + 1) * sizeof(*t));
	if (t == NULL)
		return EX_OSERR;
	f->toks = t;
	t[f->ntok].kind = kind;
	t[f->ntok].off = off;
	t[f->ntok].len = len;
	f->ntok++;
	return 0;
}

static int
fmt_lit(struct cat_fmt *f, const void *p, size_t n)
{
	size_t off = f->lit.len;

	fl_wr_raw(&f->lit, p, n);
	if (f->lit.err != 0)
		return EX_OSERR;
	return fmt_add(f, TOK_LIT, off, n);
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Compile a kcat-style format; EX_USAGE with a message for a bad one. */
static int
fmt_compile(struct cat_fmt *f, const char *s)
{
	int rc = 0;

	for (; *s != '\0' && rc == 0; s++) {
		enum tok_kind k;
		uint8_t c;

		if (*s == '%') {
			switch (*++s) {
			case 'k': k = TOK_KEY; break;
			case 'v': case 's': k = TOK_VALUE; break;
			case 'K': k = TOK_KEY_LEN; break;
			case 'S': k = TOK_VALUE_LEN; break;
			case 'o': k = TOK_OFFSET; break;
			case 'p': k = TOK_PARTITION; break;
			case 't': k = TOK_TOPIC; break;
			case 'T': k = TOK_TIMESTAMP; break;
			case '%':
				rc = fmt_lit(f, "%", 1);
				continue;
			default:
				fl_warnx("-f: unknown token %%%c (see flume-cat(1))",
				    *s ? *s : ' ');
				return EX_USAGE;
			}
			rc = fmt_add(f, k, 0, 0);
		} else if (*s == '\\') {
			switch (*++s) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '0': c = '\0'; break;
			case '\\': c = '\\'; break;
			case 'x':
				if (hexval(s[1]) < 0 || hexval(s[2]) < 0) {
					fl_warnx("-f: \\x needs two hex digits");
					return EX_USAGE;
				}
				c = (uint8_t)(hexval(s[1]) << 4 | hexval(s[2]));
				s += 2;
				break;
			default:
				fl_warnx("-f: unknown escape \\%c", *s ? *s : ' ');
				return EX_USAGE;
			}
			rc = fmt_lit(f, &c, 1);
		} else {
			rc = fmt_lit(f, s, 1);
		}
	}
	return rc;
}

static int
fmt_default(struct cat_fmt *f, const struct cat_conf *conf)
{
	uint8_t delim = conf->is_nul_delim ? '\0' : '\n';
	int rc = 0;

	if (conf->key_sep != NULL) {
		rc = fmt_add(f, TOK_KEY, 0, 0);
		if (rc == 0)
			rc = fmt_lit(f, conf->key_sep, conf->key_sep_len);
	}
	if (rc == 0)
		rc = fmt_add(f, TOK_VALUE, 0, 0);
	if (rc == 0)
		rc = fmt_lit(f, &delim, 1);
	return rc;
}

int
cat_fmt_init(struct cat_fmt *f, const struct cat_conf *conf)
{
	memset(f, 0, sizeof(*f));
	fl_wr_init(&f->lit, 1 << 16);
	return conf->format ? fmt_compile(f, conf->format) : fmt_default(f, conf);
}

void
cat_fmt_free(struct cat_fmt *f)
{
	free(f->toks);
	f->toks = NULL;
	f->ntok = 0;
	fl_wr_free(&f->lit);
}

static void
print_record(const struct cat_fmt *f, const char *topic, int32_t part,
    const struct fl_record *rec, int64_t ts)
{
	size_t i;

	for (i = 0; i < f->ntok; i++) {
		const struct cat_tok *t = &f->toks[i];

		switch (t->kind) {
		case TOK_LIT:
			fwrite(f->lit.p + t->off, 1, t->len, stdout);
			break;
		case TOK_KEY:
			if (rec->key.p != NULL)
				fwrite(rec->key.p, 1, rec->key.len, stdout);
			break;
		case TOK_VALUE:
			if (rec->value.p != NULL)
				fwrite(rec->value.p, 1, rec->value.len, stdout);
			break;
		case TOK_KEY_LEN:
			printf("%lld", rec->key.p ? (long long)rec->key.len : -1LL);
			break;
		case TOK_VALUE_LEN:
			printf("%lld", rec->value.p ? (long long)rec->value.len : -1LL);
			break;
		case TOK_OFFSET:
			printf("%" PRId64, rec->offset);
			break;
		case TOK_PARTITION:
			printf("%" PRId32, part);
			break;
		case TOK_TOPIC:
			fputs(topic, stdout);
			break;
		case TOK_TIMESTAMP:
			printf("%" PRId64, ts);
			break;
		}
	}
}

static int
count_done(const struct cat_conf *conf, int64_t count)
{
	return conf->count_max >= 0 && count >= conf->count_max;
}

int
cat_out_flush(void)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno == EPIPE)
		return CAT_EPIPE;
	fl_warn("write stdout");
	return EX_IOERR;
}

static int
is_count_done(const struct consumer *cs)
{
	return count_done(cs->conf, cs->count);
}

/* ---- start offsets ---- */

static struct conn *
leader_of(struct consumer *cs, int32_t part)
{
	return part < cs->topic.nparts ? cs->topic.parts[part].conn : NULL;
}

/*
 * ListOffsets(ts) for every partition into out[i]; retries retriable
 * errors (and lost connections) until the timeout.
 */
static int
list_offsets(struct consumer *cs, int64_t ts, int64_t *out)
{
	int64_t deadline = fl_clock_ms() + cs->conf->timeout_ms, backoff_ms = 50;
	struct fl_kc_list_offsets_part *parts;
	char *done;
	int rc = 0;

	parts = calloc(cs->ncp, sizeof(*parts));
	done = calloc(cs->ncp, 1);
	if (parts == NULL || done == NULL) {
		free(parts);
		free(done);
		return EX_OSERR;
	}
	for (;;) {
		int16_t last_err = 0;
		int is_left = 0;
		size_t i, j, n;

		for (i = 0; i < cs->ncp && rc == 0; i++) {
			struct conn *c = leader_of(cs, cs->cp[i].index);
			struct fl_kc_list_offsets_topic topic;
			struct fl_kc_list_offsets_req req;
			struct fl_kc_list_offsets_resp r;
			struct fl_arena a = FL_KC_ARENA_INIT;
			struct fl_kc_hdr h;

			if (done[i] || c == NULL || c->k.fd < 0)
				continue;
			/* every undone partition this leader leads, in one request */
			for (n = 0, j = i; j < cs->ncp; j++)
				if (!done[j] && leader_of(cs, cs->cp[j].index) == c) {
					parts[n].index = cs->cp[j].index;
					parts[n].timestamp = ts;
					n++;
				}
			topic.name = cs->conf->topic;
			topic.parts = parts;
			topic.nparts = n;
			req.isolation_level = 1;
			req.topics = &topic;
			req.ntopics = 1;
			h = conn_hdr(c, FL_KC_LIST_OFFSETS, cs->conf->client_id);
			if (h.version < 0) {
				fl_warnx("%s:%s: broker does not offer ListOffsets v1-3",
				    c->k.host, c->k.port);
				rc = EX_UNAVAILABLE;
				break;
			}
			fl_wr_reset(&c->k.w);
			if (fl_kc_list_offsets_req_encode(&c->k.w, &h, &req) != 0) {
				rc = EX_SOFTWARE;
				break;
			}
			rc = conn_call(&cs->pool, c, &h, 1);
			if (rc == EX_UNAVAILABLE) {
				rc = 0;
				continue;
			}
			if (rc != 0)
				break;
			rc = fl_kc_list_offsets_resp_decode(c->k.resp, c->k.resp_len,
			    h.version, &a, &r);
			if (rc != 0) {
				fl_warnx("%s:%s: malformed ListOffsets response: %s",
				    c->k.host, c->k.port, fl_strerror(rc));
				conn_close(c);
				fl_arena_free(&a);
				rc = EX_PROTOCOL;
				break;
			}
			for (j = 0; j < (r.ntopics ? r.topics[0].nparts : 0); j++) {
				const struct fl_kc_list_offsets_part_resp *lp =
				    &r.topics[0].parts[j];
				size_t k;

				for (k = 0; k < cs->ncp; k++)
					if (cs->cp[k].index == lp->index)
						break;
				if (k == cs->ncp || done[k])
					continue;
				if (lp->error == 0) {
					out[k] = lp->offset;
					done[k] = 1;
				} else if (fl_kerr_is_retriable(lp->error)) {
					last_err = lp->error;
				} else {
					fl_warnx("%s [%d]: ListOffsets: %s (error %d)",
					    cs->conf->topic, lp->index,
					    fl_kerr_name(lp->error), lp->error);
					rc = cat_kerr_exit(lp->error);
				}
			}
			fl_arena_free(&a);
		}
		for (i = 0; i < cs->ncp; i++)
			if (!done[i])
				is_left = 1;
		if (rc != 0 || !is_left)
			break;
		if (fl_clock_ms() + backoff_ms >= deadline) {
			fl_warnx("%s: ListOffsets: %s after %lld ms", cs->conf->topic,
			    last_err ? fl_kerr_name(last_err) : "no answer",
			    (long long)cs->conf->timeout_ms);
			rc = last_err ? cat_kerr_exit(last_err) : EX_UNAVAILABLE;
			break;
		}
		if (cat_sleep_ms(cs->conf, backoff_ms))
			break;
		backoff_ms = backoff_ms < 1000 ? backoff_ms * 2 : backoff_ms;
		if ((rc = cat_metadata(&cs->pool, 0, &cs->topic)) != 0)
			break;
	}
	free(parts);
	free(done);
	return rc;
}

static int
start_offsets(struct consumer *cs)
{
	const struct cat_conf *conf = cs->conf;
	int64_t *lo = calloc(cs->ncp, sizeof(*lo)), *hi = calloc(cs->ncp, sizeof(*hi));
	size_t i;
	int rc;

	if (lo == NULL || hi == NULL) {
		free(lo);
		free(hi);
		return EX_OSERR;
	}
	rc = list_offsets(cs, FL_KC_TS_EARLIEST, lo);
	if (rc == 0)
		rc = list_offsets(cs, FL_KC_TS_LATEST, hi);
	for (i = 0; rc == 0 && i < cs->ncp; i++) {
		switch (conf->off_kind) {
		case CAT_OFF_BEGINNING:
			cs->cp[i].offset = lo[i];
			break;
		case CAT_OFF_END:
			cs->cp[i].offset = hi[i];
			break;
		case CAT_OFF_ABS:
			cs->cp[i].offset = conf->off_value;
			break;
		case CAT_OFF_REL:
			cs->cp[i].offset = hi[i] - conf->off_value < lo[i] ?
			    lo[i] : hi[i] - conf->off_value;
			break;
		}
	}
	free(lo);
	free(hi);
	return rc;
}

/* ---- fetching ---- */

int
cat_records(const struct cat_conf *conf, const struct cat_fmt *f, const char *topic,
    int32_t part, struct fl_slice records, int64_t *offset, int64_t *count)
{
	struct fl_rd rd;
	struct fl_slice b;
	int rc = 0;

	fl_rd_init(&rd, records.p, records.len);
	while (!count_done(conf, *count) && (rc = fl_kc_records_next(&rd, &b)) == 1) {
		struct fl_batch_hdr hdr;
		struct fl_record_iter it;
		struct fl_record rec;
		struct fl_err err = { 0, "" };

		rc = fl_batch_check(b.p, b.len, FL_BATCH_CHECK_RECORDS, &hdr, &err);
		if (rc != 0) {
			fl_warnx("%s [%d]: corrupt batch at offset %lld: %s",
			    topic, part, (long long)hdr.base_offset,
			    err.msg[0] ? err.msg : fl_strerror(rc));
			return EX_PROTOCOL;
		}
		if (fl_batch_last_offset(&hdr) < *offset)
			continue;
		if (hdr.attributes & FL_BATCH_ATTR_CONTROL) {
			*offset = fl_batch_last_offset(&hdr) + 1;
			continue;
		}
		if (fl_record_iter_init(&it, b.p, b.len) != 0) {
			fl_warnx("%s [%d]: batch at offset %lld is compressed (codec %d), "
			    "which flume-cat does not decode", topic, part,
			    (long long)hdr.base_offset,
			    hdr.attributes & FL_BATCH_ATTR_COMPRESSION);
			return EX_DATAERR;
		}
		while (!count_done(conf, *count) && (rc = fl_record_next(&it, &rec)) == 1) {
			if (rec.offset < *offset)
				continue;
			print_record(f, topic, part, &rec,
			    (hdr.attributes & FL_BATCH_ATTR_LOG_APPEND_TIME) ?
			    hdr.max_ts : rec.timestamp);
			(*count)++;
			*offset = rec.offset + 1;
		}
		if (rc < 0) {
			fl_warnx("%s [%d]: corrupt record in batch at offset %lld",
			    topic, part, (long long)hdr.base_offset);
			return EX_PROTOCOL;
		}
		if (!count_done(conf, *count))
			*offset = fl_batch_last_offset(&hdr) + 1;
	}
	if (rc < 0) {
		fl_warnx("%s [%d]: corrupt batch framing", topic, part);
		return EX_PROTOCOL;
	}
	return 0;
}

/* One Fetch to leader c for its partitions; *is_retry when one needs it. */
static int
fetch_from(struct consumer *cs, struct conn *c, int *is_retry, int16_t *last_err)
{
	const struct cat_conf *conf = cs->conf;
	struct fl_kc_fetch_part *parts = calloc(cs->ncp, sizeof(*parts));
	struct fl_kc_fetch_topic topic;
	struct fl_kc_fetch_req req = { 0 };
	struct fl_kc_fetch_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	size_t i, j, n = 0;
	int rc;

	if (parts == NULL)
		return EX_OSERR;
	for (i = 0; i < cs->ncp; i++) {
		if (leader_of(cs, cs->cp[i].index) != c ||
		    (conf->is_exit_eof && cs->cp[i].is_eof))
			continue;
		parts[n].index = cs->cp[i].index;
		parts[n].fetch_offset = cs->cp[i].offset;
		parts[n].max_bytes = PART_FETCH_BYTES_MAX;
		n++;
	}
	if (n == 0) {
		free(parts);
		return 0;
	}
	topic.name = conf->topic;
	topic.parts = parts;
	topic.nparts = n;
	/* -e wants the end now, not after a long poll */
	req.max_wait_ms = conf->is_exit_eof ? 0 : FETCH_WAIT_MS;
	req.min_bytes = 1;
	req.max_bytes = FETCH_BYTES_MAX;
	req.isolation_level = 1;
	req.topics = &topic;
	req.ntopics = 1;
	h = conn_hdr(c, FL_KC_FETCH, conf->client_id);
	fl_wr_reset(&c->k.w);
	rc = h.version < 0 ? FL_EINVAL : fl_kc_fetch_req_encode(&c->k.w, &h, &req);
	free(parts);
	if (rc != 0) {
		fl_warnx("%s:%s: broker does not offer Fetch v4-11", c->k.host, c->k.port);
		return EX_UNAVAILABLE;
	}
	rc = conn_call(&cs->pool, c, &h, 1);
	if (rc == EX_UNAVAILABLE) {
		*is_retry = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	rc = fl_kc_fetch_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		fl_warnx("%s:%s: malformed Fetch response: %s", c->k.host, c->k.port,
		    fl_strerror(rc));
		conn_close(c);
		return EX_PROTOCOL;
	}
	if (r.error != 0) {
		*is_retry = 1;
		*last_err = r.error;
	}
	for (i = 0; rc == 0 && i < r.ntopics; i++) {
		for (j = 0; rc == 0 && j < r.topics[i].nparts; j++) {
			const struct fl_kc_fetch_part_resp *pd = &r.topics[i].parts[j];
			struct cpart *cp = NULL;
			int64_t end;
			size_t k;

			for (k = 0; k < cs->ncp; k++)
				if (cs->cp[k].index == pd->index)
					cp = &cs->cp[k];
			if (cp == NULL)
				continue;
			if (pd->error == FL_KERR_OFFSET_OUT_OF_RANGE) {
				fl_warnx("%s [%d]: offset %lld is out of range (log start "
				    "%lld, end %lld)", conf->topic, cp->index,
				    (long long)cp->offset, (long long)pd->log_start_offset,
				    (long long)pd->high_watermark);
				rc = EX_DATAERR;
				break;
			}
			if (pd->error != 0) {
				if (!fl_kerr_is_retriable(pd->error)) {
					fl_warnx("%s [%d]: fetch: %s (error %d)", conf->topic,
					    cp->index, fl_kerr_name(pd->error), pd->error);
					rc = cat_kerr_exit(pd->error);
					break;
				}
				*is_retry = 1;
				*last_err = pd->error;
				continue;
			}
			if (pd->records.p != NULL)
				rc = cat_records(conf, &cs->fmt, conf->topic, cp->index,
				    pd->records, &cp->offset, &cs->count);
			end = pd->last_stable_offset >= 0 ? pd->last_stable_offset :
			    pd->high_watermark;
			cp->is_eof = cp->offset >= end;
		}
	}
	fl_arena_free(&a);
	return rc;
}

static int
is_all_eof(const struct consumer *cs)
{
	size_t i;

	for (i = 0; i < cs->ncp; i++)
		if (!cs->cp[i].is_eof)
			return 0;
	return 1;
}

static int
loop(struct consumer *cs)
{
	const struct cat_conf *conf = cs->conf;
	int64_t retry_since = -1, backoff_ms = 50;
	int rc = 0;

	while (!*conf->stop && !is_count_done(cs)) {
		int is_retry = 0;
		int16_t last_err = 0;
		size_t i;

		for (i = 0; i < cs->pool.n && rc == 0 && !is_count_done(cs); i++)
			if (cs->pool.c[i].k.fd >= 0)
				rc = fetch_from(cs, &cs->pool.c[i], &is_retry, &last_err);
		if (rc == 0)
			rc = cat_out_flush();
		if (rc != 0)
			break;
		if (conf->is_exit_eof && is_all_eof(cs))
			break;
		for (i = 0; i < cs->ncp; i++) {
			struct conn *c = leader_of(cs, cs->cp[i].index);

			if (c == NULL || c->k.fd < 0)
				is_retry = 1;
		}
		if (!is_retry) {
			retry_since = -1;
			backoff_ms = 50;
			continue;
		}
		if (retry_since < 0)
			retry_since = fl_clock_ms();
		if (fl_clock_ms() - retry_since > conf->timeout_ms) {
			fl_warnx("%s: fetch: %s for %lld ms", conf->topic,
			    last_err ? fl_kerr_name(last_err) : "no leader reachable",
			    (long long)conf->timeout_ms);
			rc = last_err ? cat_kerr_exit(last_err) : EX_UNAVAILABLE;
			break;
		}
		if (cat_sleep_ms(conf, backoff_ms))
			break;
		backoff_ms = backoff_ms < 1000 ? backoff_ms * 2 : backoff_ms;
		if ((rc = cat_metadata(&cs->pool, 0, &cs->topic)) != 0)
			break;
	}
	if (rc == 0)
		rc = cat_out_flush();
	return rc;
}

int
cat_consume(const struct cat_conf *conf)
{
	struct consumer cs;
	struct conn *boot;
	struct stat st;
	size_t i;
	int rc;

	memset(&cs, 0, sizeof(cs));
	cs.conf = conf;
	rc = cat_fmt_init(&cs.fmt, conf);
	pool_init(&cs.pool, conf);
	/* only a pipe or socket can report that its reader went away */
	if (fstat(STDOUT_FILENO, &st) == 0 && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		cs.pool.watch_fd = STDOUT_FILENO;
	if (rc == 0)
		rc = pool_bootstrap(&cs.pool, &boot);
	if (rc == 0)
		rc = cat_metadata(&cs.pool, 0, &cs.topic);
	if (rc == 0 && conf->partition >= cs.topic.nparts) {
		fl_warnx("topic %s has %d partitions: no partition %d", conf->topic,
		    cs.topic.nparts, conf->partition);
		rc = EX_NOINPUT;
	}
	if (rc == 0) {
		cs.ncp = conf->partition >= 0 ? 1 : (size_t)cs.topic.nparts;
		cs.cp = calloc(cs.ncp, sizeof(*cs.cp));
		if (cs.cp == NULL)
			rc = EX_OSERR;
		for (i = 0; rc == 0 && i < cs.ncp; i++)
			cs.cp[i].index = conf->partition >= 0 ? conf->partition : (int32_t)i;
	}
	if (rc == 0)
		rc = start_offsets(&cs);
	if (rc == 0)
		rc = loop(&cs);
	free(cs.cp);
	cat_fmt_free(&cs.fmt);
	cat_topic_free(&cs.topic);
	pool_free(&cs.pool);
	return rc;
}
