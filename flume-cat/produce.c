#define _GNU_SOURCE	/* memmem */
/*
 * produce.c: flume-cat -P.  Reads records from stdin, batches them per
 * partition for up to linger_ms or batch_bytes_max, and sends one Produce
 * request per leader at a time.
 *
 * Partitioning: -p N puts everything on N.  A keyed record goes to
 * toPositive(murmur2(key)) % partitions, like the Java client, kafkajs and
 * librdkafka's murmur2 partitioners.  Unkeyed records are sticky: all of
 * one batch round go to one partition, and the next round moves on to the
 * next partition (round robin), starting from a random one.
 *
 * Idempotence (default): InitProducerId once, then every batch carries the
 * producer id, epoch and a per-partition BaseSequence that advances by the
 * record count only when the broker acknowledged the batch.  A batch whose
 * send failed is resent byte for byte (same sequence), so the broker can
 * recognise a duplicate of one that did land (kafka-subset.md §7).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/csum.h"
#include "base/murmur2.h"
#include "codec/batch.h"
#include "os/diag.h"
#include "os/entropy.h"
#include "cat.h"

#define RECORD_OVERHEAD	32	/* varints and attributes around key + value */
#define READ_CHUNK	(64u << 10)

struct pbatch {
	struct fl_wr w;			/* owned: the batch bytes */
	struct fl_batch_builder b;
	int32_t count;			/* records in the batch; 0: none */
	int is_closed;			/* fl_batch_end done; being delivered */
	int32_t next_seq;		/* BaseSequence of the next new batch */
	struct fl_wr vals;		/* owned, --report: the batch's values, each with its end byte */
};

struct producer {
	const struct cat_conf *conf;
	struct pool pool;
	struct cat_topic topic;
	struct pbatch *pb;		/* owned, npb entries */
	int32_t npb;
	int64_t pid;			/* -1: not idempotent */
	int16_t epoch;
	int16_t acks;
	int32_t sticky;			/* partition of this round's unkeyed records */
	size_t pending_bytes;
	int64_t first_ms;		/* when the oldest pending record came; -1 */
	int64_t count;			/* records taken from stdin */
};

static int
pb_grow(struct producer *pr, int32_t n)
{
	struct pbatch *pb;
	int32_t i;

	if (n <= pr->npb)
		return 0;
	pb = realloc(pr->pb, (size_t)n * sizeof(*pb));
	if (pb == NULL) {
		fl_warnx("out of memory");
		return EX_OSERR;
	}
	for (i = pr->npb; i < n; i++) {
		memset(&pb[i], 0, sizeof(pb[i]));
		fl_wr_init(&pb[i].w, pr->conf->batch_bytes_max + 4096);
		fl_wr_init(&pb[i].vals, pr->conf->is_report ? pr->conf->batch_bytes_max + 4096 : 0);
	}
	pr->pb = pb;
	pr->npb = n;
	return 0;
}

static int
refresh(struct producer *pr)
{
	int rc = cat_metadata(&pr->pool, 1, &pr->topic);

	if (rc == 0)
		rc = pb_grow(pr, pr->topic.nparts);
	return rc;
}

static int
init_pid(struct producer *pr)
{
	int64_t deadline = fl_clock_ms() + pr->conf->timeout_ms;

	for (;;) {
		struct conn *c = NULL;
		struct fl_kc_init_pid_req req = { NULL, -1 };
		struct fl_kc_init_pid_resp r;
		struct fl_kc_hdr h;
		size_t i;
		int rc;

		for (i = 0; i < pr->pool.n && c == NULL; i++)
			if (pr->pool.c[i].k.fd >= 0)
				c = &pr->pool.c[i];
		if (c == NULL && (rc = refresh(pr)) != 0)
			return rc;
		for (i = 0; i < pr->pool.n && c == NULL; i++)
			if (pr->pool.c[i].k.fd >= 0)
				c = &pr->pool.c[i];
		if (c == NULL)
			return EX_UNAVAILABLE;
		h = conn_hdr(c, FL_KC_INIT_PRODUCER_ID, pr->conf->client_id);
		if (h.version < 0) {
			fl_warnx("%s:%s: broker does not offer InitProducerId, needed "
			    "for idempotence (use --no-idempotence)", c->k.host, c->k.port);
			return EX_UNAVAILABLE;
		}
		fl_wr_reset(&c->k.w);
		if (fl_kc_init_pid_req_encode(&c->k.w, &h, &req) != 0)
			return EX_SOFTWARE;
		rc = conn_call(&pr->pool, c, &h, 1);
		if (rc == CAT_EPIPE || (rc != 0 && rc != EX_UNAVAILABLE))
			return rc;
		if (rc == 0) {
			rc = fl_kc_init_pid_resp_decode(c->k.resp, c->k.resp_len, h.version, &r);
			if (rc != 0) {
				fl_warnx("%s:%s: malformed InitProducerId response: %s",
				    c->k.host, c->k.port, fl_strerror(rc));
				return EX_PROTOCOL;
			}
			if (r.error == 0) {
				pr->pid = r.producer_id;
				pr->epoch = r.producer_epoch;
				return 0;
			}
			if (!fl_kerr_is_retriable(r.error)) {
				fl_warnx("InitProducerId: %s (error %d)",
				    fl_kerr_name(r.error), r.error);
				return cat_kerr_exit(r.error);
			}
		}
		if (fl_clock_ms() + 100 >= deadline || cat_sleep_ms(pr->conf, 100)) {
			fl_warnx("InitProducerId: gave up after %lld ms",
			    (long long)pr->conf->timeout_ms);
			return EX_TEMPFAIL;
		}
	}
}

/* A batch was acknowledged: its sequence range is used up. */
static void
pb_done(struct producer *pr, struct pbatch *pb)
{
	if (pr->pid >= 0) {
		int64_t next = (int64_t)pb->next_seq + pb->count;

		/* sequences wrap from INT32_MAX to 0 (§7.1) */
		pb->next_seq = (int32_t)(next > INT32_MAX ? next - INT32_MAX - 1 : next);
	}
	fl_wr_reset(&pb->w);
	fl_wr_reset(&pb->vals);
	pb->count = 0;
	pb->is_closed = 0;
}

/*
 * --report: one line per record of an acknowledged batch, PARTITION TAB
 * OFFSET TAB VALUE (offset -1 when the broker said it had the batch
 * already without saying where), flushed at once so a reader sees every
 * acknowledgement even if this process is killed right after.
 */
static void
report(const struct producer *pr, int32_t part, const struct pbatch *pb, int64_t base)
{
	const uint8_t *p = pb->vals.p, *end = pb->vals.p + pb->vals.len;
	char end_byte = pr->conf->is_nul_delim ? '\0' : '\n';
	int32_t i;

	for (i = 0; i < pb->count && p < end; i++) {
		const uint8_t *e = memchr(p, end_byte, (size_t)(end - p));

		if (e == NULL)
			break;
		printf("%d\t%lld\t", (int)part, base >= 0 ? (long long)(base + i) : -1LL);
		fwrite(p, 1, (size_t)(e - p) + 1, stdout);
		p = e + 1;
	}
	fflush(stdout);
}

/*
 * Send every closed batch led by c in one Produce request and settle the
 * answers.  0 when everything sent was settled (acknowledged or failed for
 * good); *is_retry set when some batch must go again.
 */
static int
send_to(struct producer *pr, struct conn *c, int *is_retry, int16_t *last_err)
{
	struct fl_kc_produce_part *parts;
	struct fl_kc_produce_topic topic;
	struct fl_kc_produce_req req;
	struct fl_kc_produce_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h;
	size_t n = 0, i, j;
	int32_t k;
	int rc;

	parts = calloc((size_t)pr->npb, sizeof(*parts));
	if (parts == NULL)
		return EX_OSERR;
	for (k = 0; k < pr->npb && k < pr->topic.nparts; k++) {
		struct pbatch *pb = &pr->pb[k];

		if (!pb->is_closed || pr->topic.parts[k].conn != c)
			continue;
		parts[n].index = k;
		parts[n].records.p = pb->w.p;
		parts[n].records.len = pb->w.len;
		n++;
	}
	if (n == 0) {
		free(parts);
		return 0;
	}
	topic.name = pr->conf->topic;
	topic.parts = parts;
	topic.nparts = n;
	req.transactional_id = NULL;
	req.acks = pr->acks;
	req.timeout_ms = (int32_t)(pr->conf->timeout_ms > INT32_MAX ?
	    INT32_MAX : pr->conf->timeout_ms);
	req.topics = &topic;
	req.ntopics = 1;
	h = conn_hdr(c, FL_KC_PRODUCE, pr->conf->client_id);
	fl_wr_reset(&c->k.w);
	rc = h.version < 0 ? FL_EINVAL : fl_kc_produce_req_encode(&c->k.w, &h, &req);
	free(parts);
	if (rc != 0) {
		fl_warnx("%s:%s: cannot encode Produce: %s", c->k.host, c->k.port,
		    h.version < 0 ? "broker does not offer Produce v3-7" : fl_strerror(rc));
		return h.version < 0 ? EX_UNAVAILABLE : EX_SOFTWARE;
	}
	rc = conn_call(&pr->pool, c, &h, pr->acks != 0);
	if (rc == EX_UNAVAILABLE) {
		*is_retry = 1;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (pr->acks == 0) {
		for (k = 0; k < pr->npb && k < pr->topic.nparts; k++)
			if (pr->pb[k].is_closed && pr->topic.parts[k].conn == c)
				pb_done(pr, &pr->pb[k]);
		return 0;
	}
	rc = fl_kc_produce_resp_decode(c->k.resp, c->k.resp_len, h.version, &a, &r);
	if (rc != 0) {
		fl_arena_free(&a);
		fl_warnx("%s:%s: malformed Produce response: %s", c->k.host, c->k.port,
		    fl_strerror(rc));
		conn_close(c);
		return EX_PROTOCOL;
	}
	for (i = 0; i < r.ntopics; i++) {
		for (j = 0; j < r.topics[i].nparts; j++) {
			const struct fl_kc_produce_part_resp *pp = &r.topics[i].parts[j];
			struct pbatch *pb;

			if (pp->index < 0 || pp->index >= pr->npb ||
			    !pr->pb[pp->index].is_closed)
				continue;
			pb = &pr->pb[pp->index];
			/* 46: an old broker's way of saying "already have it" */
			if (pp->error == 0 || pp->error == FL_KERR_DUPLICATE_SEQUENCE_NUMBER) {
				if (pr->conf->is_report)
					report(pr, pp->index, pb, pp->error == 0 ? pp->base_offset : -1);
				pb_done(pr, pb);
			} else if (fl_kerr_is_retriable(pp->error) &&
			    pp->error != FL_KERR_CORRUPT_MESSAGE) {
				*is_retry = 1;
				*last_err = pp->error;
			} else {
				fl_warnx("produce to %s [%d]: %s (error %d)", pr->conf->topic,
				    pp->index, fl_kerr_name(pp->error), pp->error);
				fl_arena_free(&a);
				return cat_kerr_exit(pp->error);
			}
		}
	}
	fl_arena_free(&a);
	/* a partition the broker did not answer for is not delivered */
	for (k = 0; k < pr->npb && k < pr->topic.nparts; k++)
		if (pr->pb[k].is_closed && pr->topic.parts[k].conn == c)
			*is_retry = 1;
	return 0;
}

static int
flush(struct producer *pr)
{
	int64_t deadline = fl_clock_ms() + pr->conf->timeout_ms, backoff_ms = 50;
	int32_t k;
	int rc;

	for (k = 0; k < pr->npb; k++) {
		struct pbatch *pb = &pr->pb[k];

		if (pb->count > 0 && !pb->is_closed) {
			if ((rc = fl_batch_end(&pb->b)) != 0) {
				fl_warnx("batch for partition %d: %s", k, fl_strerror(rc));
				return EX_DATAERR;
			}
			pb->is_closed = 1;
		}
	}
	for (;;) {
		int is_retry = 0, is_pending = 0;
		int16_t last_err = 0;
		size_t i;

		for (i = 0; i < pr->pool.n; i++) {
			struct conn *c = &pr->pool.c[i];

			if (c->k.fd < 0)
				continue;
			if ((rc = send_to(pr, c, &is_retry, &last_err)) != 0)
				return rc;
		}
		for (k = 0; k < pr->npb; k++)
			if (pr->pb[k].is_closed)
				is_pending = 1;
		if (!is_pending)
			break;
		if (fl_clock_ms() + backoff_ms >= deadline) {
			if (last_err != 0) {
				fl_warnx("produce to %s: %s (error %d), gave up after %lld ms",
				    pr->conf->topic, fl_kerr_name(last_err), last_err,
				    (long long)pr->conf->timeout_ms);
				return cat_kerr_exit(last_err);
			}
			fl_warnx("produce to %s: not delivered after %lld ms",
			    pr->conf->topic, (long long)pr->conf->timeout_ms);
			return EX_UNAVAILABLE;
		}
		(void)cat_sleep_ms(pr->conf, backoff_ms);
		if (backoff_ms < 1000)
			backoff_ms *= 2;
		/* leaders may have moved or the connection dropped: ask again;
		 * no broker answering at all is retried too, until the deadline */
		if ((rc = refresh(pr)) != 0 && rc != EX_UNAVAILABLE)
			return rc;
	}
	pr->pending_bytes = 0;
	pr->first_ms = -1;
	if (pr->topic.nparts > 0)
		pr->sticky = (pr->sticky + 1) % pr->topic.nparts;
	return 0;
}

static int
add_record(struct producer *pr, const uint8_t *p, size_t n)
{
	const struct cat_conf *conf = pr->conf;
	struct fl_slice key = { NULL, 0 }, value = { p, n };
	struct pbatch *pb;
	int32_t part;
	size_t need;
	int rc;

	if (conf->key_sep != NULL) {
		const uint8_t *sep = memmem(p, n, conf->key_sep, conf->key_sep_len);

		if (sep != NULL) {
			key.p = p;
			key.len = (size_t)(sep - p);
			value.p = sep + conf->key_sep_len;
			value.len = n - key.len - conf->key_sep_len;
		}
	}
	if (conf->partition >= 0)
		part = conf->partition;
	else if (key.p != NULL)
		part = fl_murmur2_partition(key.p, key.len, pr->topic.nparts);
	else
		part = pr->sticky;
	need = key.len + value.len + RECORD_OVERHEAD;
	if (need > conf->batch_bytes_max - FL_BATCH_HDR_BYTES) {
		fl_warnx("record %lld is %zu bytes, more than --batch-bytes %zu allows",
		    (long long)pr->count + 1, key.len + value.len, conf->batch_bytes_max);
		return EX_DATAERR;
	}
	pb = &pr->pb[part];
	if (pb->is_closed || (pb->count > 0 && pb->w.len + need > conf->batch_bytes_max)) {
		if ((rc = flush(pr)) != 0)
			return rc;
		if (conf->partition < 0 && key.p == NULL)
			part = pr->sticky;	/* a new round */
		pb = &pr->pb[part];
	}
	if (pb->count == 0) {
		fl_wr_reset(&pb->w);
		fl_batch_begin(&pb->b, &pb->w, fl_wall_ms(), pr->pid,
		    pr->pid >= 0 ? pr->epoch : -1, pr->pid >= 0 ? pb->next_seq : -1, 0);
	}
	if ((rc = fl_batch_add(&pb->b, fl_wall_ms(), &key, &value, NULL, 0)) != 0) {
		fl_warnx("record %lld: %s", (long long)pr->count + 1, fl_strerror(rc));
		return EX_DATAERR;
	}
	if (conf->is_report) {
		fl_wr_raw(&pb->vals, value.p, value.len);
		fl_wr_raw(&pb->vals, conf->is_nul_delim ? "" : "\n", 1);
		if (pb->vals.err != 0) {
			fl_warnx("out of memory");
			return EX_OSERR;
		}
	}
	pb->count++;
	pr->count++;
	pr->pending_bytes += need;
	if (pr->first_ms < 0)
		pr->first_ms = fl_clock_ms();
	if (pr->pending_bytes >= conf->batch_bytes_max)
		return flush(pr);
	return 0;
}

static int
is_count_done(const struct producer *pr)
{
	return pr->conf->count_max >= 0 && pr->count >= pr->conf->count_max;
}

/* Read stdin and produce until EOF, a signal or the count. */
static int
pump(struct producer *pr)
{
	const struct cat_conf *conf = pr->conf;
	const uint8_t delim = conf->is_nul_delim ? '\0' : '\n';
	/* room for the largest record a batch can hold, plus one read */
	size_t cap = conf->batch_bytes_max + READ_CHUNK, len = 0, scan = 0;
	uint8_t *buf = malloc(cap);
	int is_eof = 0, rc = 0;

	if (buf == NULL)
		return EX_OSERR;
	while (rc == 0 && !is_count_done(pr)) {
		int64_t now = fl_clock_ms();
		size_t start = 0;

		if (*conf->stop)
			is_eof = 1;
		if (!is_eof) {
			struct pollfd pfd = { STDIN_FILENO, POLLIN, 0 };
			int timeout = -1, n;

			if (pr->first_ms >= 0) {
				int64_t left = pr->first_ms + conf->linger_ms - now;

				timeout = left < 0 ? 0 : (int)left;
			}
			n = poll(&pfd, 1, timeout);
			if (n < 0 && errno != EINTR) {
				fl_warn("poll");
				rc = EX_OSERR;
				break;
			}
			if (n == 0) {
				rc = flush(pr);
				continue;
			}
			if (n > 0) {
				ssize_t k = read(STDIN_FILENO, buf + len, cap - len);

				if (k == 0) {
					is_eof = 1;
				} else if (k < 0 && errno != EINTR && errno != EAGAIN) {
					fl_warn("read stdin");
					rc = EX_IOERR;
					break;
				} else if (k > 0) {
					len += (size_t)k;
				}
			}
		}
		/* every complete record in the buffer */
		while (rc == 0 && !is_count_done(pr)) {
			uint8_t *d = memchr(buf + scan, delim, len - scan);

			if (d == NULL)
				break;
			rc = add_record(pr, buf + start, (size_t)(d - (buf + start)));
			start = scan = (size_t)(d - buf) + 1;
		}
		if (start > 0) {
			memmove(buf, buf + start, len - start);
			len -= start;
		}
		scan = len;
		if (rc != 0)
			break;
		if (is_eof) {
			if (len > 0 && !is_count_done(pr))
				rc = add_record(pr, buf, len);	/* no final delimiter */
			break;
		}
		if (len == cap) {
			fl_warnx("record %lld is longer than --batch-bytes %zu allows",
			    (long long)pr->count + 1, conf->batch_bytes_max);
			rc = EX_DATAERR;
			break;
		}
		if (pr->first_ms >= 0 && fl_clock_ms() >= pr->first_ms + conf->linger_ms)
			rc = flush(pr);
	}
	if (rc == 0)
		rc = flush(pr);
	free(buf);
	return rc;
}

int
cat_produce(const struct cat_conf *conf)
{
	struct producer pr;
	struct conn *boot;
	uint32_t r;
	int32_t k;
	int rc;

	memset(&pr, 0, sizeof(pr));
	pr.conf = conf;
	pr.pid = -1;
	pr.first_ms = -1;
	/* idempotence needs every write on every replica: acks=all (§7.1) */
	pr.acks = conf->is_idempotent ? -1 : conf->acks;
	pool_init(&pr.pool, conf);
	rc = pool_bootstrap(&pr.pool, &boot);
	if (rc == 0)
		rc = refresh(&pr);
	if (rc == 0 && conf->partition >= pr.topic.nparts) {
		fl_warnx("topic %s has %d partitions: no partition %d", conf->topic,
		    pr.topic.nparts, conf->partition);
		rc = EX_NOINPUT;
	}
	if (rc == 0 && conf->is_idempotent)
		rc = init_pid(&pr);
	if (rc == 0) {
		fl_random_bytes(&r, sizeof(r));
		pr.sticky = (int32_t)(r % (uint32_t)pr.topic.nparts);
		rc = pump(&pr);
	}
	if (rc == 0 && pr.acks == 0) {
		size_t i;

		for (i = 0; i < pr.pool.n; i++)
			conn_drain_close(&pr.pool, &pr.pool.c[i]);
	}
	for (k = 0; k < pr.npb; k++) {
		fl_wr_free(&pr.pb[k].w);
		fl_wr_free(&pr.pb[k].vals);
	}
	free(pr.pb);
	cat_topic_free(&pr.topic);
	pool_free(&pr.pool);
	return rc;
}
