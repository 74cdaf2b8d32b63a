/*
 * flume-load.c: the load generator behind `make bench`, plus the raw
 * baselines it is compared with in the same run.
 *
 *   produce      many connections on one epoll loop per thread, each with
 *                up to -i Produce v7 requests in flight, every request
 *                prebuilt once (RecordBatch v2, 100-byte values by
 *                default); latency of each request from its first byte
 *                written to its whole answer read, in log-linear buckets
 *                (HdrHistogram style, under 1.6% error).  With -n it stops
 *                after that many bytes of batches (used to fill a log), with
 *                -N after that many records (whole batches: the last one
 *                started may pass it), so a run is a fixed amount of work.
 *   fetch        one consumer reading a partition from offset 0 with
 *                Fetch v11, one request at a time, the answer streamed
 *                through a 1 MiB buffer (batch headers walked for the next
 *                offset); whole passes over the log are repeated until -d.
 *   pingpong     the loopback floor: -c connections, each echoing -s
 *                bytes back and forth with an in-process echo thread.
 *   rawsendfile  the fetch floor: sendfile(2) of FILEs to a loopback
 *                socket, received through the same 1 MiB buffer.
 *   rawsync      the durable-append floor: write(2) of a prebuilt batch of
 *                -r records then fdatasync(2), in a fresh file under DIR.
 *   hist         percentiles of latency histograms saved by produce -H
 *                (to merge the halves of an interleaved run).
 *   admin        one command on the broker's admin socket (flume-admin(7)).
 *   freeport     print a TCP port that was free on 127.0.0.1 a moment ago.
 *
 * Results go to stdout as "key<TAB>value" lines (bench/bench.sh reads
 * them); notes go to stderr.  Rates are computed from counts and
 * CLOCK_MONOTONIC, never rounded up.  Only 127.0.0.1 is used.
 * Exit: 0 ran (whether or not any target was met), 64 usage, 69 the broker
 * or the network failed, 74 a local I/O error, 65 the broker sent an
 * answer that does not parse or answered a request with an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "os/clock.h"
#include "os/diag.h"

#define CLIENT_ID        "flume-load"
#define CONNS_MAX        4096
#define THREADS_MAX      16
#define INFLIGHT_MAX     64
#define SIZES_MAX        16
#define RBUF_BYTES       4096		/* produce answers are ~100 bytes */
#define STREAM_BYTES     (1u << 20)	/* fetch / rawsendfile receive buffer */
#define BATCH_TARGET_MAX (1u << 20)	/* broker default max-message-bytes ~1 MiB */
#define DRAIN_NS         (5 * NS_PER_S)	/* wait for answers after the window */
#define NS_PER_S         1000000000ull
#define RAWSYNC_FILE_MAX (1ull << 30)	/* start a new file past this */

/* ---- time ---- */


static void
sleep_until_ns(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / NS_PER_S), .tv_nsec = (long)(t % NS_PER_S) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static double
secs(uint64_t ns)
{
	return (double)ns / (double)NS_PER_S;
}

/* ---- latency histogram: log-linear buckets, 64 per power of two ---- */

#define HIST_SUB_BITS 7			/* values < 128 ns are exact */
#define HIST_HALF     (1u << (HIST_SUB_BITS - 1))
#define HIST_BUCKETS  ((64 - HIST_SUB_BITS + 1) * HIST_HALF + HIST_HALF * 2)

struct hist {
	uint64_t n[HIST_BUCKETS];
	uint64_t count, max_ns;
};

static size_t
hist_index(uint64_t v)
{
	unsigned msb, shift;

	if (v < (1u << HIST_SUB_BITS))
		return (size_t)v;
	msb = 63u - (unsigned)__builtin_clzll(v);
	shift = msb - (HIST_SUB_BITS - 1);	/* v >> shift is in [64, 128) */
	return (size_t)shift * HIST_HALF + (size_t)(v >> shift);
}

/* The highest value that lands in bucket i. */
static uint64_t
hist_top(size_t i)
{
	unsigned shift;

	if (i < (1u << HIST_SUB_BITS))
		return i;
	shift = (unsigned)(i / HIST_HALF) - 1;
	return (((uint64_t)(i - (size_t)shift * HIST_HALF) + 1) << shift) - 1;
}

static void
hist_add(struct hist *h, uint64_t v)
{
	h->n[hist_index(v)]++;
	h->count++;
	if (v > h->max_ns)
		h->max_ns = v;
}

static void
hist_merge(struct hist *dst, const struct hist *src)
{
	size_t i;

	for (i = 0; i < HIST_BUCKETS; i++)
		dst->n[i] += src->n[i];
	dst->count += src->count;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}

/* Value at quantile q (0..1]: the top of the bucket holding it (never under). */
static uint64_t
hist_quantile(const struct hist *h, double q)
{
	uint64_t want, seen = 0;
	size_t i;

	if (h->count == 0)
		return 0;
	want = (uint64_t)(q * (double)h->count);
	if ((double)want < q * (double)h->count)
		want++;
	if (want == 0)
		want = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		seen += h->n[i];
		if (seen >= want)
			return hist_top(i) < h->max_ns ? hist_top(i) : h->max_ns;
	}
	return h->max_ns;
}

/* Save h as text ("max N" then "BUCKET COUNT" lines) for cmd_hist. */
static void
hist_save(const struct hist *h, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (f == NULL)
		fl_die(EX_CANTCREAT, "%s", path);
	fprintf(f, "max %" PRIu64 "\n", h->max_ns);
	for (i = 0; i < HIST_BUCKETS; i++)
		if (h->n[i] > 0)
			fprintf(f, "%zu %" PRIu64 "\n", i, h->n[i]);
	if (fclose(f) != 0)
		fl_die(EX_IOERR, "%s", path);
}

static void
hist_load_add(struct hist *h, const char *path)
{
	FILE *f = fopen(path, "r");
	unsigned long long a, b;
	char line[128];

	if (f == NULL)
		fl_die(EX_NOINPUT, "%s", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "max %llu", &a) == 1) {
			if (a > h->max_ns)
				h->max_ns = a;
		} else if (sscanf(line, "%llu %llu", &a, &b) == 2 && a < HIST_BUCKETS) {
			h->n[a] += b;
			h->count += b;
		} else {
			fl_diex(EX_DATAERR, "%s: not a flume-load histogram", path);
		}
	}
	fclose(f);
}

/* ---- output ---- */

static void
put_u64(const char *key, uint64_t v)
{
	printf("%s\t%" PRIu64 "\n", key, v);
}

static void
put_f(const char *key, double v)
{
	printf("%s\t%.3f\n", key, v);
}

static void
put_latency(const char *prefix, const struct hist *h)
{
	char k[64];

	snprintf(k, sizeof(k), "%s_p50_ms", prefix);
	put_f(k, (double)hist_quantile(h, 0.50) / 1e6);
	snprintf(k, sizeof(k), "%s_p99_ms", prefix);
	put_f(k, (double)hist_quantile(h, 0.99) / 1e6);
	snprintf(k, sizeof(k), "%s_p999_ms", prefix);
	put_f(k, (double)hist_quantile(h, 0.999) / 1e6);
	snprintf(k, sizeof(k), "%s_max_ms", prefix);
	put_f(k, (double)h->max_ns / 1e6);
}

/* ---- options ---- */

struct opts {
	char host[64];
	uint16_t port;
	const char *topic;
	unsigned conns;
	unsigned threads;
	uint64_t duration_s;
	uint64_t warmup_s;
	uint64_t records;		/* per batch; 0 = from batch_bytes */
	uint64_t batch_bytes[SIZES_MAX];
	size_t nsizes;
	uint64_t value_bytes;
	int acks;
	unsigned inflight;
	uint64_t max_bytes;		/* produce: stop after; 0 = by time */
	uint64_t max_records;		/* produce: stop after; 0 = by time */
	int32_t partition;		/* fetch */
	uint64_t fetch_max_bytes;
	const char *admin_path;
	long broker_pid;
	const char *hist_out;		/* produce: save the latency histogram */
};

static uint64_t
num(const char *s, uint64_t lo, uint64_t hi, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi)
		fl_diex(EX_USAGE, "%s: '%s' is not a number in %" PRIu64 "..%" PRIu64,
		    what, s, lo, hi);
	return v;
}

static void
parse_hostport(struct opts *o, const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL || colon == s)
		fl_diex(EX_USAGE, "--broker: want HOST:PORT, got '%s'", s);
	n = (size_t)(colon - s);
	if (n >= sizeof(o->host))
		fl_diex(EX_USAGE, "--broker: host too long");
	memcpy(o->host, s, n);
	o->host[n] = '\0';
	o->port = (uint16_t)num(colon + 1, 1, 65535, "--broker port");
}

static void
parse_sizes(struct opts *o, const char *s)
{
	char buf[256], *tok, *save = NULL;

	if (snprintf(buf, sizeof(buf), "%s", s) >= (int)sizeof(buf))
		fl_diex(EX_USAGE, "--batch-bytes: list too long");
	o->nsizes = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (o->nsizes == SIZES_MAX)
			fl_diex(EX_USAGE, "--batch-bytes: at most %d sizes", SIZES_MAX);
		o->batch_bytes[o->nsizes++] = num(tok, 256, BATCH_TARGET_MAX, "--batch-bytes");
	}
	if (o->nsizes == 0)
		fl_diex(EX_USAGE, "--batch-bytes: empty list");
}

/* ---- sockets ---- */

static int
tcp_connect(const char *host, uint16_t port, int nonblock)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(port);
	if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
		fl_diex(EX_USAGE, "%s: not an IPv4 address (only 127.0.0.1 is meant)", host);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fl_die(EX_OSERR, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fl_die(EX_UNAVAILABLE, "connect %s:%u", host, (unsigned)port);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (nonblock && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		fl_die(EX_OSERR, "fcntl");
	return fd;
}

/* Listen on 127.0.0.1:0; *port gets the port. */
static int
tcp_listen_any(uint16_t *port)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fl_die(EX_OSERR, "socket");
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4096) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
		fl_die(EX_OSERR, "listen on 127.0.0.1:0");
	*port = ntohs(sa.sin_port);
	return fd;
}

static void
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			fl_die(EX_UNAVAILABLE, "write to broker");
		b += k;
		n -= (size_t)k;
	}
}

static void
read_all(int fd, void *p, size_t n)
{
	uint8_t *b = p;

	while (n > 0) {
		ssize_t k = read(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			fl_die(EX_UNAVAILABLE, "read from broker");
		if (k == 0)
			fl_diex(EX_UNAVAILABLE, "broker closed the connection");
		b += k;
		n -= (size_t)k;
	}
}

/* One blocking request/answer; returns the answer payload (malloc'd). */
static uint8_t *
exchange(int fd, const struct fl_wr *req, size_t *n)
{
	uint8_t hdr[4], *p;
	uint32_t size;

	write_all(fd, req->p, req->len);
	read_all(fd, hdr, 4);
	size = fl_load_be32(hdr);
	if (size < 4 || size > (64u << 20))
		fl_diex(EX_DATAERR, "answer of %" PRIu32 " bytes", size);
	p = malloc(size);
	if (p == NULL)
		fl_die(EX_OSERR, "malloc");
	read_all(fd, p, size);
	*n = size;
	return p;
}

/* ---- request encoders (Kafka non-flexible, header v1) ---- */

static size_t
req_begin(struct fl_wr *w, int16_t key, int16_t version, int32_t corr)
{
	size_t at = w->len;

	fl_wr_i32(w, 0);			/* size, patched by req_end */
	fl_wr_i16(w, key);
	fl_wr_i16(w, version);
	fl_wr_i32(w, corr);
	fl_wr_cstr(w, CLIENT_ID);
	return at;
}

static void
req_end(struct fl_wr *w, size_t at)
{
	if (w->err != 0)
		fl_diex(EX_SOFTWARE, "encode request: %s", fl_strerror(w->err));
	fl_wr_patch_i32(w, at, (int32_t)(w->len - at - 4));
}

/*
 * Metadata v1 for one topic (creates it when the broker auto-creates):
 * the topic's partition count, or 0 while the broker says "not yet".
 */
static int32_t
metadata_parts(int fd, const char *topic, int16_t *topic_err)
{
	struct fl_wr w;
	struct fl_rd r;
	struct fl_slice s;
	uint8_t *p;
	size_t n, at;
	int32_t corr, cnt, i, nt, nparts = 0;
	int16_t e;
	int rc = 0;

	fl_wr_init(&w, 4096);
	at = req_begin(&w, 3, 1, 1);
	fl_wr_i32(&w, 1);
	fl_wr_cstr(&w, topic);
	req_end(&w, at);
	p = exchange(fd, &w, &n);
	fl_wr_free(&w);
	fl_rd_init(&r, p, n);
	rc |= fl_rd_i32(&r, &corr);
	rc |= fl_rd_array(&r, 14, &cnt);		/* brokers */
	for (i = 0; rc == 0 && i < cnt; i++) {
		int32_t x;

		rc |= fl_rd_i32(&r, &x);
		rc |= fl_rd_string(&r, &s);
		rc |= fl_rd_i32(&r, &x);
		rc |= fl_rd_nstring(&r, &s);
	}
	rc |= fl_rd_i32(&r, &i);			/* controller */
	rc |= fl_rd_array(&r, 9, &nt);
	*topic_err = -1;
	for (i = 0; rc == 0 && i < nt; i++) {
		int8_t internal;

		rc |= fl_rd_i16(&r, &e);
		rc |= fl_rd_string(&r, &s);
		rc |= fl_rd_i8(&r, &internal);
		rc |= fl_rd_array(&r, 18, &cnt);
		if (rc == 0 && s.len == strlen(topic) && memcmp(s.p, topic, s.len) == 0) {
			*topic_err = e;
			nparts = cnt;
		}
		for (int32_t j = 0; rc == 0 && j < cnt; j++) {
			int32_t x, k, m;

			rc |= fl_rd_i16(&r, &e);
			rc |= fl_rd_i32(&r, &x);
			rc |= fl_rd_i32(&r, &x);
			for (k = 0; rc == 0 && k < 2; k++) {
				rc |= fl_rd_array(&r, 4, &m);
				rc |= fl_rd_skip(&r, rc == 0 ? (size_t)m * 4 : 0);
			}
		}
	}
	free(p);
	if (rc != 0)
		fl_diex(EX_DATAERR, "Metadata answer does not parse");
	if (corr != 1)
		fl_diex(EX_DATAERR, "Metadata answer has correlation id %d", (int)corr);
	return *topic_err == 0 ? nparts : 0;
}

static int32_t
topic_partitions(const struct opts *o)
{
	int fd = tcp_connect(o->host, o->port, 0);
	int16_t e = -1;
	int32_t n = 0;
	int tries;

	for (tries = 0; tries < 100; tries++) {
		n = metadata_parts(fd, o->topic, &e);
		if (n > 0)
			break;
		usleep(100000);
	}
	close(fd);
	if (n <= 0)
		fl_diex(EX_UNAVAILABLE, "topic %s: no partitions after 10 s (error %d)",
		    o->topic, (int)e);
	return n;
}

/* Fill v with printable bytes ('a'..'z') from a fixed seed. */
static void
fill_value(uint8_t *v, size_t n, uint64_t seed)
{
	struct fl_rng r;
	size_t i;

	fl_rng_seed(&r, seed);
	for (i = 0; i < n; i++)
		v[i] = (uint8_t)('a' + fl_rng_below(&r, 26));
}

/* One RecordBatch of nrec records of the value; appended to w. */
static void
build_batch(struct fl_wr *w, uint64_t nrec, const uint8_t *value, size_t vlen, int64_t ts)
{
	struct fl_batch_builder b;
	struct fl_slice key = { NULL, 0 }, val = { value, vlen };
	uint64_t i;

	fl_batch_begin(&b, w, ts, -1, -1, -1, 0);
	for (i = 0; i < nrec; i++)
		if (fl_batch_add(&b, ts, &key, &val, NULL, 0) != 0)
			fl_diex(EX_SOFTWARE, "batch of %" PRIu64 " records: %s", nrec,
			    fl_strerror(w->err));
	if (fl_batch_end(&b) != 0)
		fl_diex(EX_SOFTWARE, "batch end: %s", fl_strerror(w->err));
}

static size_t
batch_size(uint64_t nrec, const uint8_t *value, size_t vlen)
{
	struct fl_wr w;
	size_t n;

	fl_wr_init(&w, 64u << 20);
	build_batch(&w, nrec, value, vlen, 0);
	n = w.len;
	fl_wr_free(&w);
	return n;
}

/* The most records of the value whose batch fits target bytes (at least 1). */
static uint64_t
records_for(uint64_t target, const uint8_t *value, size_t vlen)
{
	uint64_t lo = 1, hi = target / (vlen + 1) + 1;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo + 1) / 2;

		if (batch_size(mid, value, vlen) <= target)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* ---- produce ---- */

struct preq {				/* one prebuilt Produce request frame */
	uint8_t *p;			/* owned */
	size_t len;
	uint64_t records, batch_bytes;
	int32_t corr;
};

struct inflight {
	uint64_t t0_ns;
	const struct preq *rq;
};

struct pconn {
	int fd;
	int can_read, can_write, is_dead;
	int32_t part;
	uint64_t seq;			/* requests started */
	const struct preq *wrq;		/* being written, or NULL */
	size_t woff;
	struct inflight fl[INFLIGHT_MAX];
	unsigned fhead, fn;
	uint8_t rb[RBUF_BYTES];
	size_t rlen;
};

struct produce {
	const struct opts *o;
	struct preq *reqs;		/* [part * nsizes + size] */
	size_t nsizes;
	int32_t nparts;
	uint64_t t_measure_ns, t_end_ns;
	atomic_uint_fast64_t bytes_started;	/* for -n */
	atomic_uint_fast64_t records_started;	/* for -N */
	atomic_int stop;		/* stop starting requests */
};

struct pthr {
	struct produce *P;
	struct pconn *c;
	size_t n;
	pthread_t th;
	struct hist h;
	uint64_t recs_ok, reqs_ok, bytes_ok;	/* answered in the window */
	uint64_t recs_all, reqs_all, bytes_all;	/* answered at all */
	uint64_t errors;
	int first_err;
	uint64_t last_done_ns;
	int failed;
};

static int
may_start(struct pthr *t)
{
	struct produce *P = t->P;

	if (atomic_load_explicit(&P->stop, memory_order_relaxed))
		return 0;
	if (fl_clock_ns() >= P->t_end_ns) {
		atomic_store(&P->stop, 1);
		return 0;
	}
	return 1;
}

static void
on_answer(struct pthr *t, struct pconn *c, const uint8_t *p, size_t n, uint64_t now)
{
	struct inflight *f;
	struct fl_rd r;
	struct fl_slice s;
	int32_t corr, cnt, idx;
	int16_t e = 0;
	int rc = 0;

	if (c->fn == 0) {
		fl_warnx("answer with nothing in flight");
		t->failed = EX_DATAERR;
		c->is_dead = 1;
		return;
	}
	f = &c->fl[c->fhead];
	fl_rd_init(&r, p, n);
	rc |= fl_rd_i32(&r, &corr);
	rc |= fl_rd_array(&r, 6, &cnt);
	rc |= fl_rd_string(&r, &s);
	rc |= fl_rd_array(&r, 14, &cnt);
	rc |= fl_rd_i32(&r, &idx);
	rc |= fl_rd_i16(&r, &e);
	if (rc != 0 || corr != f->rq->corr) {
		fl_warnx("Produce answer does not parse or does not match (corr %d, want %d)",
		    (int)corr, (int)f->rq->corr);
		t->failed = EX_DATAERR;
		c->is_dead = 1;
		return;
	}
	c->fhead = (c->fhead + 1) % INFLIGHT_MAX;
	c->fn--;
	if (e != 0) {
		if (t->errors++ == 0)
			t->first_err = e;
		return;
	}
	t->recs_all += f->rq->records;
	t->reqs_all++;
	t->bytes_all += f->rq->batch_bytes;
	t->last_done_ns = now;
	if (now >= t->P->t_measure_ns && now <= t->P->t_end_ns) {
		t->recs_ok += f->rq->records;
		t->reqs_ok++;
		t->bytes_ok += f->rq->batch_bytes;
		hist_add(&t->h, now - f->t0_ns);
	}
}

static void
pconn_service(struct pthr *t, struct pconn *c)
{
	const struct opts *o = t->P->o;
	size_t pos;
	ssize_t k;

	while (c->can_read && !c->is_dead) {
		size_t room = sizeof(c->rb) - c->rlen;

		k = read(c->fd, c->rb + c->rlen, room);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			c->can_read = 0;
			break;
		}
		if (k <= 0) {
			fl_warnx("broker closed or reset a connection (%s)",
			    k == 0 ? "end of file" : strerror(errno));
			t->failed = EX_UNAVAILABLE;
			c->is_dead = 1;
			return;
		}
		c->rlen += (size_t)k;
		if ((size_t)k < room)
			c->can_read = 0;	/* drained; edge-triggered will tell */
		pos = 0;
		while (c->rlen - pos >= 4) {
			uint32_t size = fl_load_be32(c->rb + pos);

			if (size < 4 || size > sizeof(c->rb) - 4) {
				fl_warnx("Produce answer of %" PRIu32 " bytes", size);
				t->failed = EX_DATAERR;
				c->is_dead = 1;
				return;
			}
			if (c->rlen - pos - 4 < size)
				break;
			on_answer(t, c, c->rb + pos + 4, size, fl_clock_ns());
			if (c->is_dead)
				return;
			pos += 4 + size;
		}
		memmove(c->rb, c->rb + pos, c->rlen - pos);
		c->rlen -= pos;
	}
	while (c->can_write && !c->is_dead) {
		size_t left;

		if (c->wrq == NULL) {
			const struct preq *rq;
			size_t si;

			if (c->fn >= o->inflight || !may_start(t))
				break;
			si = (size_t)((c->seq + (uint64_t)(c - t->c)) % t->P->nsizes);
			rq = &t->P->reqs[(size_t)c->part * t->P->nsizes + si];
			if (o->max_bytes > 0 &&
			    atomic_fetch_add(&t->P->bytes_started, rq->batch_bytes) >= o->max_bytes) {
				atomic_store(&t->P->stop, 1);
				break;
			}
			if (o->max_records > 0 &&
			    atomic_fetch_add(&t->P->records_started, rq->records) >= o->max_records) {
				atomic_store(&t->P->stop, 1);
				break;
			}
			c->wrq = rq;
			c->woff = 0;
			c->seq++;
			if (o->acks != 0) {
				struct inflight *f = &c->fl[(c->fhead + c->fn) % INFLIGHT_MAX];

				f->t0_ns = fl_clock_ns();
				f->rq = rq;
				c->fn++;
			}
		}
		left = c->wrq->len - c->woff;
		k = write(c->fd, c->wrq->p + c->woff, left);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			c->can_write = 0;
			break;
		}
		if (k < 0) {
			fl_warn("write to broker");
			t->failed = EX_UNAVAILABLE;
			c->is_dead = 1;
			return;
		}
		c->woff += (size_t)k;
		if ((size_t)k < left) {
			c->can_write = 0;
			continue;
		}
		if (o->acks == 0) {
			uint64_t now = fl_clock_ns();

			t->recs_all += c->wrq->records;
			t->reqs_all++;
			t->bytes_all += c->wrq->batch_bytes;
			t->last_done_ns = now;
			if (now >= t->P->t_measure_ns && now <= t->P->t_end_ns) {
				t->recs_ok += c->wrq->records;
				t->reqs_ok++;
				t->bytes_ok += c->wrq->batch_bytes;
			}
		}
		c->wrq = NULL;
	}
}

static void *
produce_thread(void *arg)
{
	struct pthr *t = arg;
	struct epoll_event ev[256];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	uint64_t stop_ns = 0;
	size_t i;

	if (ep < 0)
		fl_die(EX_OSERR, "epoll_create1");
	for (i = 0; i < t->n; i++) {
		struct epoll_event e = { .events = EPOLLIN | EPOLLOUT | EPOLLET,
		    .data.ptr = &t->c[i] };

		if (epoll_ctl(ep, EPOLL_CTL_ADD, t->c[i].fd, &e) != 0)
			fl_die(EX_OSERR, "epoll_ctl");
		t->c[i].can_write = 1;
		pconn_service(t, &t->c[i]);
	}
	for (;;) {
		int nev, j;
		size_t busy = 0;
		uint64_t now;

		nev = epoll_wait(ep, ev, (int)FL_ARRAY_LEN(ev), 50);
		if (nev < 0 && errno != EINTR)
			fl_die(EX_OSERR, "epoll_wait");
		for (j = 0; j < nev; j++) {
			struct pconn *c = ev[j].data.ptr;

			if (ev[j].events & (EPOLLIN | EPOLLERR | EPOLLHUP))
				c->can_read = 1;
			if (ev[j].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))
				c->can_write = 1;
			pconn_service(t, c);
		}
		now = fl_clock_ns();
		if (!atomic_load(&t->P->stop) && now < t->P->t_end_ns)
			continue;
		atomic_store(&t->P->stop, 1);
		if (stop_ns == 0)
			stop_ns = now;
		for (i = 0; i < t->n; i++)
			if (!t->c[i].is_dead && (t->c[i].fn > 0 || t->c[i].wrq != NULL))
				busy++;
		if (busy == 0)
			break;
		if (now > stop_ns + DRAIN_NS) {
			fl_warnx("%zu connections still waiting for answers; giving up", busy);
			break;
		}
	}
	close(ep);
	return NULL;
}

struct procstat {
	uint64_t ticks;			/* utime + stime of the broker */
	struct rusage self;
};

static uint64_t
pid_ticks(long pid)
{
	char path[64], buf[2048], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	if (pid <= 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt
	 * majflt cmajflt utime stime */
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) != 2)
		return 0;
	return ut + st;
}

/*
 * Send one line to the admin socket and read the answer up to its status
 * line ("ok" or "error: ...") into buf (NUL-terminated).  Returns the
 * answer's length, or -1 when the socket cannot be reached.
 */
static ssize_t
admin_call(const char *path, const char *line, char *buf, size_t cap)
{
	struct sockaddr_un sa;
	size_t len = 0, n = strlen(line);
	int fd;

	if (path == NULL || cap == 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path) >= (int)sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, line, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	buf[0] = '\0';
	while (len < cap - 1) {
		ssize_t k = read(fd, buf + len, cap - 1 - len);
		char *last;

		if (k <= 0)
			break;
		len += (size_t)k;
		buf[len] = '\0';
		if (len == 0 || buf[len - 1] != '\n')
			continue;
		/* the last complete line */
		buf[len - 1] = '\0';
		last = strrchr(buf, '\n');
		last = last == NULL ? buf : last + 1;
		buf[len - 1] = '\n';
		if (strcmp(last, "ok\n") == 0 || strncmp(last, "error", 5) == 0)
			break;
	}
	close(fd);
	return (ssize_t)len;
}

/* Numeric "key<TAB>value" lines of the admin socket's status answer. */
struct kv {
	char key[48];
	long long v;
};

static size_t
admin_status(const char *path, struct kv *kv, size_t max)
{
	char buf[65536], *line, *save = NULL;
	size_t n = 0;

	if (admin_call(path, "status\n", buf, sizeof(buf)) < 0)
		return 0;
	for (line = strtok_r(buf, "\n", &save); line != NULL && n < max;
	    line = strtok_r(NULL, "\n", &save)) {
		char *tab = strchr(line, '\t'), *end;
		long long v;

		if (tab == NULL || strchr(tab + 1, '\t') != NULL ||
		    (size_t)(tab - line) >= sizeof(kv[n].key))
			continue;
		errno = 0;
		v = strtoll(tab + 1, &end, 10);
		if (errno != 0 || end == tab + 1 || *end != '\0')
			continue;
		memcpy(kv[n].key, line, (size_t)(tab - line));
		kv[n].key[tab - line] = '\0';
		kv[n].v = v;
		n++;
	}
	return n;
}

/* flume-load admin SOCK WORD...: one admin command, its answer on stdout. */
static int
cmd_admin(const char *path, char *const *words, int nwords)
{
	char line[1024], buf[65536];
	size_t len = 0;
	ssize_t n;
	int i;

	for (i = 0; i < nwords; i++) {
		int k = snprintf(line + len, sizeof(line) - len, "%s%s", i ? " " : "", words[i]);

		if (k < 0 || (size_t)k >= sizeof(line) - len - 1)
			fl_diex(EX_USAGE, "admin: command too long");
		len += (size_t)k;
	}
	line[len++] = '\n';
	line[len] = '\0';
	n = admin_call(path, line, buf, sizeof(buf));
	if (n < 0)
		fl_die(EX_UNAVAILABLE, "%s", path);
	fputs(buf, stdout);
	return n >= 3 && strcmp(buf + n - 3, "ok\n") == 0 &&
	    (n == 3 || buf[n - 4] == '\n') ? 0 : EX_UNAVAILABLE;
}

static void
snap(const struct opts *o, struct procstat *ps)
{
	ps->ticks = pid_ticks(o->broker_pid);
	getrusage(RUSAGE_SELF, &ps->self);
}

static double
tv_s(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int
cmd_produce(const struct opts *o)
{
	struct produce P;
	struct pthr thr[THREADS_MAX];
	struct hist *h = calloc(1, sizeof(*h));
	struct kv kv0[64], kv1[64];
	size_t nkv0, nkv1, i, j;
	struct procstat ps0, ps1;
	uint8_t value[65536];
	struct pconn *conns;
	uint64_t recs = 0, reqs = 0, bytes = 0, errs = 0, recs_all = 0, bytes_all = 0;
	uint64_t last_done = 0, window_ns, t0;
	int64_t ts;
	int first_err = 0, failed = 0;
	struct timespec wall;

	if (o->topic == NULL || o->port == 0)
		fl_diex(EX_USAGE, "produce needs --broker and --topic");
	if (o->value_bytes > sizeof(value))
		fl_diex(EX_USAGE, "--value-bytes: at most %zu", sizeof(value));
	if (h == NULL)
		fl_die(EX_OSERR, "calloc");
	memset(&P, 0, sizeof(P));
	memset(&ps0, 0, sizeof(ps0));
	memset(&ps1, 0, sizeof(ps1));
	P.o = o;
	P.nparts = topic_partitions(o);
	P.nsizes = o->records > 0 ? 1 : o->nsizes;
	fill_value(value, o->value_bytes, 0x666c756d65ull);
	clock_gettime(CLOCK_REALTIME, &wall);
	ts = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;

	/* prebuild one request per (partition, size) */
	P.reqs = calloc((size_t)P.nparts * P.nsizes, sizeof(*P.reqs));
	if (P.reqs == NULL)
		fl_die(EX_OSERR, "calloc");
	for (j = 0; j < P.nsizes; j++) {
		uint64_t nrec = o->records > 0 ? o->records :
		    records_for(o->batch_bytes[j], value, o->value_bytes);
		struct fl_wr bw;

		fl_wr_init(&bw, 64u << 20);
		build_batch(&bw, nrec, value, o->value_bytes, ts);
		for (int32_t p = 0; p < P.nparts; p++) {
			struct preq *rq = &P.reqs[(size_t)p * P.nsizes + j];
			struct fl_wr w;
			size_t at;

			fl_wr_init(&w, 128u << 20);
			rq->corr = (int32_t)((size_t)p * P.nsizes + j + 1);
			at = req_begin(&w, 0, 7, rq->corr);
			fl_wr_nstring(&w, NULL, 0);
			fl_wr_i16(&w, (int16_t)o->acks);
			fl_wr_i32(&w, 30000);
			fl_wr_i32(&w, 1);
			fl_wr_cstr(&w, o->topic);
			fl_wr_i32(&w, 1);
			fl_wr_i32(&w, p);
			fl_wr_bytes(&w, bw.p, bw.len);
			req_end(&w, at);
			rq->p = fl_wr_detach(&w, &rq->len);
			rq->records = nrec;
			rq->batch_bytes = bw.len;
		}
		fprintf(stderr, "flume-load: batch %zu: %" PRIu64 " records of %" PRIu64
		    " bytes, %zu bytes\n", j, nrec, o->value_bytes, bw.len);
		printf("batch%zu_records\t%" PRIu64 "\nbatch%zu_bytes\t%zu\n", j, nrec, j, bw.len);
		fl_wr_free(&bw);
	}

	conns = calloc(o->conns, sizeof(*conns));
	if (conns == NULL)
		fl_die(EX_OSERR, "calloc");
	for (i = 0; i < o->conns; i++) {
		conns[i].fd = tcp_connect(o->host, o->port, 1);
		conns[i].part = (int32_t)(i % (size_t)P.nparts);
	}
	t0 = fl_clock_ns();
	P.t_measure_ns = t0 + o->warmup_s * NS_PER_S;
	P.t_end_ns = (o->max_bytes > 0 || o->max_records > 0) && o->duration_s == 0 ? UINT64_MAX :
	    P.t_measure_ns + o->duration_s * NS_PER_S;
	memset(thr, 0, sizeof(thr));
	for (i = 0; i < o->threads; i++) {
		size_t lo = o->conns * i / o->threads, hi = o->conns * (i + 1) / o->threads;

		thr[i].P = &P;
		thr[i].c = conns + lo;
		thr[i].n = hi - lo;
		if (pthread_create(&thr[i].th, NULL, produce_thread, &thr[i]) != 0)
			fl_diex(EX_OSERR, "pthread_create");
	}
	/* broker counters over the window, sampled from here */
	sleep_until_ns(P.t_measure_ns);
	nkv0 = admin_status(o->admin_path, kv0, FL_ARRAY_LEN(kv0));
	snap(o, &ps0);
	if (P.t_end_ns != UINT64_MAX)
		sleep_until_ns(P.t_end_ns);
	nkv1 = nkv0;
	if (P.t_end_ns != UINT64_MAX) {
		nkv1 = admin_status(o->admin_path, kv1, FL_ARRAY_LEN(kv1));
		snap(o, &ps1);
	}
	for (i = 0; i < o->threads; i++) {
		pthread_join(thr[i].th, NULL);
		hist_merge(h, &thr[i].h);
		recs += thr[i].recs_ok;
		reqs += thr[i].reqs_ok;
		bytes += thr[i].bytes_ok;
		recs_all += thr[i].recs_all;
		bytes_all += thr[i].bytes_all;
		if (thr[i].errors > 0 && errs == 0)
			first_err = thr[i].first_err;
		errs += thr[i].errors;
		if (thr[i].last_done_ns > last_done)
			last_done = thr[i].last_done_ns;
		if (thr[i].failed)
			failed = thr[i].failed;
	}
	if (P.t_end_ns == UINT64_MAX) {
		nkv1 = admin_status(o->admin_path, kv1, FL_ARRAY_LEN(kv1));
		snap(o, &ps1);
		window_ns = last_done > P.t_measure_ns ? last_done - P.t_measure_ns : 1;
	} else {
		window_ns = P.t_end_ns - P.t_measure_ns;
	}
	for (i = 0; i < o->conns; i++)
		close(conns[i].fd);

	put_u64("connections", o->conns);
	put_u64("partitions", (uint64_t)P.nparts);
	put_f("window_s", secs(window_ns));
	put_u64("requests", reqs);
	put_u64("records", recs);
	put_u64("records_all", recs_all);
	put_u64("batch_bytes_all", bytes_all);
	put_u64("errors", errs);
	if (errs > 0)
		printf("first_error_code\t%d\n", first_err);
	put_f("requests_per_s", (double)reqs / secs(window_ns));
	put_f("records_per_s", (double)recs / secs(window_ns));
	put_f("bytes_per_s", (double)bytes / secs(window_ns));
	put_latency("latency", h);
	if (o->hist_out != NULL)
		hist_save(h, o->hist_out);
	if (o->broker_pid > 0 && ps1.ticks >= ps0.ticks)
		put_f("broker_cpu_pct", (double)(ps1.ticks - ps0.ticks) /
		    (double)sysconf(_SC_CLK_TCK) / secs(window_ns) * 100.0);
	put_f("client_cpu_pct", (tv_s(ps1.self.ru_utime) + tv_s(ps1.self.ru_stime) -
	    tv_s(ps0.self.ru_utime) - tv_s(ps0.self.ru_stime)) / secs(window_ns) * 100.0);
	for (i = 0; i < nkv1; i++)
		for (j = 0; j < nkv0; j++)
			if (strcmp(kv0[j].key, kv1[i].key) == 0) {
				char k[80];

				snprintf(k, sizeof(k), "admin_%.47s_per_s", kv1[i].key);
				put_f(k, (double)(kv1[i].v - kv0[j].v) / secs(window_ns));
			}
	for (i = 0; i < (size_t)P.nparts * P.nsizes; i++)
		free(P.reqs[i].p);
	free(P.reqs);
	free(conns);
	free(h);
	if (failed)
		return failed;
	return errs > 0 ? EX_DATAERR : 0;
}

/* ---- streaming receive of batches (fetch) ---- */

struct stream {
	int fd;
	uint8_t *buf;			/* STREAM_BYTES, owned */
	size_t pos, len;
	uint64_t bytes_read;
};

static void
stream_more(struct stream *s)
{
	ssize_t k;

	if (s->pos == s->len)
		s->pos = s->len = 0;
	else if (s->len == STREAM_BYTES) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	do
		k = read(s->fd, s->buf + s->len, STREAM_BYTES - s->len);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		fl_die(EX_UNAVAILABLE, "read from broker");
	if (k == 0)
		fl_diex(EX_UNAVAILABLE, "broker closed the connection");
	s->len += (size_t)k;
	s->bytes_read += (uint64_t)k;
}

/* Make n (small) bytes available at s->buf + s->pos. */
static const uint8_t *
stream_need(struct stream *s, size_t n)
{
	if (s->len - s->pos < n && STREAM_BYTES - s->pos < n) {
		memmove(s->buf, s->buf + s->pos, s->len - s->pos);
		s->len -= s->pos;
		s->pos = 0;
	}
	while (s->len - s->pos < n)
		stream_more(s);
	s->pos += n;
	return s->buf + s->pos - n;
}

/*
 * Walk n bytes of concatenated batches, received as they come; *next gets
 * one past the last offset of the last whole batch.  Returns the batches.
 */
static uint64_t
stream_batches(struct stream *s, uint64_t n, int64_t *next)
{
	uint8_t hb[27];
	size_t hn = 0;
	uint64_t skip = 0, nb = 0;
	int64_t pending = -1;

	while (n > 0) {
		size_t avail, k;

		if (s->pos == s->len)
			stream_more(s);
		avail = s->len - s->pos;
		if (avail > n)
			avail = (size_t)n;
		n -= avail;
		while (avail > 0) {
			if (skip > 0) {
				k = skip < avail ? (size_t)skip : avail;
				skip -= k;
				s->pos += k;
				avail -= k;
				if (skip == 0 && pending >= 0) {
					*next = pending;
					nb++;
				}
				continue;
			}
			k = sizeof(hb) - hn < avail ? sizeof(hb) - hn : avail;
			memcpy(hb + hn, s->buf + s->pos, k);
			hn += k;
			s->pos += k;
			avail -= k;
			if (hn == sizeof(hb)) {
				uint64_t total = (uint64_t)fl_load_be32(hb + 8) + 12;

				if (total < 61)
					fl_diex(EX_DATAERR, "fetched batch of %" PRIu64 " bytes", total);
				pending = (int64_t)fl_load_be64(hb) +
				    (int32_t)fl_load_be32(hb + FL_BATCH_OFF_LAST_DELTA) + 1;
				skip = total - sizeof(hb);
				hn = 0;
			}
		}
	}
	return nb;
}

static int
cmd_fetch(const struct opts *o)
{
	struct stream s;
	struct fl_wr w;
	struct hist *h = calloc(1, sizeof(*h));
	int64_t next = 0, hwm = -1;
	uint64_t t0, t1, tend, bytes = 0, fetches = 0, passes = 0, batches = 0;
	int32_t corr = 0;
	int fd;

	if (o->topic == NULL || o->port == 0)
		fl_diex(EX_USAGE, "fetch needs --broker and --topic");
	if (h == NULL)
		fl_die(EX_OSERR, "calloc");
	fd = tcp_connect(o->host, o->port, 0);
	memset(&s, 0, sizeof(s));
	s.fd = fd;
	s.buf = malloc(STREAM_BYTES);
	if (s.buf == NULL)
		fl_die(EX_OSERR, "malloc");
	fl_wr_init(&w, 4096);
	t0 = fl_clock_ns();
	tend = t0 + o->duration_s * NS_PER_S;
	for (;;) {
		const uint8_t *p;
		uint32_t size, tlen;
		int32_t c, cnt, rlen, nab;
		int16_t e;
		size_t at;
		uint64_t start, tq;

		fl_wr_reset(&w);
		at = req_begin(&w, 1, 11, ++corr);
		fl_wr_i32(&w, -1);			/* replica */
		fl_wr_i32(&w, 0);			/* max wait: never park */
		fl_wr_i32(&w, 1);			/* min bytes */
		fl_wr_i32(&w, (int32_t)o->fetch_max_bytes);
		fl_wr_i8(&w, 0);			/* read_uncommitted */
		fl_wr_i32(&w, 0);			/* session id */
		fl_wr_i32(&w, -1);			/* session epoch */
		fl_wr_i32(&w, 1);
		fl_wr_cstr(&w, o->topic);
		fl_wr_i32(&w, 1);
		fl_wr_i32(&w, o->partition);
		fl_wr_i32(&w, -1);			/* current leader epoch */
		fl_wr_i64(&w, next);
		fl_wr_i64(&w, -1);			/* log start (followers) */
		fl_wr_i32(&w, (int32_t)o->fetch_max_bytes);
		fl_wr_i32(&w, 0);			/* forgotten topics */
		fl_wr_cstr(&w, "");			/* rack */
		req_end(&w, at);
		tq = fl_clock_ns();
		write_all(fd, w.p, w.len);
		fetches++;

		start = s.bytes_read - (s.len - s.pos);	/* stream position of the frame */
		p = stream_need(&s, 4 + 4 + 4 + 2 + 4 + 4 + 2);
		size = fl_load_be32(p);
		c = (int32_t)fl_load_be32(p + 4);
		e = (int16_t)fl_load_be16(p + 12);
		cnt = (int32_t)fl_load_be32(p + 18);
		tlen = fl_load_be16(p + 22);
		if (c != corr || e != 0 || cnt != 1 || size > (200u << 20))
			fl_diex(EX_DATAERR, "Fetch answer: corr %d (want %d), error %d, %d topics",
			    (int)c, (int)corr, (int)e, (int)cnt);
		(void)stream_need(&s, tlen);
		p = stream_need(&s, 4 + 4 + 2 + 8 + 8 + 8 + 4);
		cnt = (int32_t)fl_load_be32(p);
		e = (int16_t)fl_load_be16(p + 8);
		hwm = (int64_t)fl_load_be64(p + 10);
		nab = (int32_t)fl_load_be32(p + 34);
		if (cnt != 1 || e != 0 || nab > 0)
			fl_diex(EX_DATAERR, "Fetch answer: %d partitions, error %d, %d aborted",
			    (int)cnt, (int)e, (int)nab);
		p = stream_need(&s, 4 + 4);
		rlen = (int32_t)fl_load_be32(p + 4);
		if (rlen < 0)
			rlen = 0;
		if ((uint64_t)rlen > size)
			fl_diex(EX_DATAERR, "Fetch answer: records of %d bytes in a %" PRIu32
			    "-byte frame", (int)rlen, size);
		batches += stream_batches(&s, (uint64_t)rlen, &next);
		bytes += (uint64_t)rlen;
		/* the rest of the frame (nothing, for one partition) */
		{
			uint64_t done = s.bytes_read - (s.len - s.pos) - start;

			if (done > 4 + (uint64_t)size)
				fl_diex(EX_DATAERR, "Fetch answer longer than its frame");
			if (done < 4 + (uint64_t)size)
				(void)stream_need(&s, (size_t)(4 + size - done));
		}
		t1 = fl_clock_ns();
		hist_add(h, t1 - tq);
		if (next >= hwm) {
			passes++;
			if (t1 >= tend || hwm <= 0)
				break;
			next = 0;
		} else if (rlen == 0) {
			fl_diex(EX_DATAERR, "Fetch at %lld returned nothing below the high "
			    "watermark %lld", (long long)next, (long long)hwm);
		} else if (t1 >= tend) {
			break;
		}
	}
	close(fd);
	put_u64("fetch_max_bytes", o->fetch_max_bytes);
	put_u64("high_watermark", (uint64_t)hwm);
	put_u64("passes", passes);
	put_u64("fetches", fetches);
	put_u64("batches", batches);
	put_u64("bytes", bytes);
	put_f("window_s", secs(t1 - t0));
	put_f("bytes_per_s", (double)bytes / secs(t1 - t0));
	put_latency("latency", h);
	free(h);
	free(s.buf);
	fl_wr_free(&w);
	return 0;
}

/* ---- pingpong ---- */

struct echo {
	int lfd;
	atomic_int quit;
	pthread_t th;
};

static void *
echo_main(void *arg)
{
	struct echo *E = arg;
	struct epoll_event ev[256];
	uint8_t buf[65536];
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event e = { .events = EPOLLIN, .data.fd = E->lfd };

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, E->lfd, &e) != 0)
		fl_die(EX_OSERR, "epoll");
	while (!atomic_load(&E->quit)) {
		int n = epoll_wait(ep, ev, (int)FL_ARRAY_LEN(ev), 50), i;

		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			ssize_t k, off;

			if (fd == E->lfd) {
				int cfd = accept4(E->lfd, NULL, NULL, SOCK_CLOEXEC);
				int one = 1;

				if (cfd < 0)
					continue;
				(void)setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
				e.events = EPOLLIN;
				e.data.fd = cfd;
				(void)epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &e);
				continue;
			}
			k = read(fd, buf, sizeof(buf));
			if (k <= 0) {
				(void)epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
				close(fd);
				continue;
			}
			/* blocking fd: the echo is small, the write completes */
			for (off = 0; off < k; ) {
				ssize_t m = write(fd, buf + off, (size_t)(k - off));

				if (m <= 0)
					break;
				off += m;
			}
		}
	}
	close(ep);
	return NULL;
}

struct ppconn {
	int fd;
	size_t got;
	uint64_t t0;
};

static int
cmd_pingpong(const struct opts *o)
{
	struct echo E;
	struct ppconn *c = calloc(o->conns, sizeof(*c));
	struct hist *h = calloc(1, sizeof(*h));
	struct epoll_event ev[256];
	uint8_t msg[65536], buf[65536];
	uint64_t t0, tm, te, n = 0;
	uint16_t port;
	size_t i;
	int ep;

	if (c == NULL || h == NULL)
		fl_die(EX_OSERR, "calloc");
	if (o->value_bytes == 0 || o->value_bytes > sizeof(msg))
		fl_diex(EX_USAGE, "--value-bytes: 1..%zu", sizeof(msg));
	fill_value(msg, o->value_bytes, 7);
	memset(&E, 0, sizeof(E));
	E.lfd = tcp_listen_any(&port);
	if (pthread_create(&E.th, NULL, echo_main, &E) != 0)
		fl_diex(EX_OSERR, "pthread_create");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		fl_die(EX_OSERR, "epoll_create1");
	for (i = 0; i < o->conns; i++) {
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = &c[i] };

		c[i].fd = tcp_connect("127.0.0.1", port, 0);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &e) != 0)
			fl_die(EX_OSERR, "epoll_ctl");
	}
	t0 = fl_clock_ns();
	tm = t0 + o->warmup_s * NS_PER_S;
	te = tm + o->duration_s * NS_PER_S;
	for (i = 0; i < o->conns; i++) {
		c[i].t0 = fl_clock_ns();
		write_all(c[i].fd, msg, o->value_bytes);
	}
	for (;;) {
		int nev = epoll_wait(ep, ev, (int)FL_ARRAY_LEN(ev), 50), j;
		uint64_t now = fl_clock_ns();

		if (now >= te)
			break;
		for (j = 0; j < nev; j++) {
			struct ppconn *p = ev[j].data.ptr;
			ssize_t k = read(p->fd, buf, sizeof(buf));

			if (k <= 0)
				fl_diex(EX_SOFTWARE, "echo connection ended");
			p->got += (size_t)k;
			if (p->got < o->value_bytes)
				continue;
			now = fl_clock_ns();
			if (now >= tm && now < te) {
				n++;
				hist_add(h, now - p->t0);
			}
			p->got = 0;
			p->t0 = now;
			write_all(p->fd, msg, o->value_bytes);
		}
	}
	atomic_store(&E.quit, 1);
	for (i = 0; i < o->conns; i++)
		close(c[i].fd);
	pthread_join(E.th, NULL);
	close(E.lfd);
	close(ep);
	put_u64("connections", o->conns);
	put_u64("message_bytes", o->value_bytes);
	put_f("window_s", secs(te - tm));
	put_u64("round_trips", n);
	put_f("round_trips_per_s", (double)n / secs(te - tm));
	put_latency("latency", h);
	free(c);
	free(h);
	return 0;
}

/* ---- rawsendfile ---- */

struct sfsrv {
	int lfd;
	char *const *files;
	int nfiles;
	uint64_t chunk;			/* bytes per sendfile call, like a Fetch answer */
	atomic_int quit;
	uint64_t file_bytes;
	pthread_t th;
};

static void *
sendfile_main(void *arg)
{
	struct sfsrv *S = arg;
	int cfd = accept4(S->lfd, NULL, NULL, SOCK_CLOEXEC);
	int i;

	if (cfd < 0)
		fl_die(EX_OSERR, "accept");
	while (!atomic_load(&S->quit)) {
		for (i = 0; i < S->nfiles && !atomic_load(&S->quit); i++) {
			int fd = open(S->files[i], O_RDONLY | O_CLOEXEC);
			struct stat st;
			off_t off = 0;

			if (fd < 0 || fstat(fd, &st) != 0)
				fl_die(EX_NOINPUT, "%s", S->files[i]);
			while (off < st.st_size && !atomic_load(&S->quit)) {
				uint64_t want = (uint64_t)(st.st_size - off);
				ssize_t k;

				if (want > S->chunk)
					want = S->chunk;
				k = sendfile(cfd, fd, &off, (size_t)want);

				if (k <= 0) {
					if (k < 0 && errno == EINTR)
						continue;
					atomic_store(&S->quit, 1);
					break;
				}
			}
			close(fd);
		}
	}
	close(cfd);
	return NULL;
}

static int
cmd_rawsendfile(const struct opts *o, char *const *files, int nfiles)
{
	struct sfsrv S;
	struct stream s;
	uint64_t t0, t1, tend, total = 0;
	uint16_t port;
	int i;

	if (nfiles < 1)
		fl_diex(EX_USAGE, "rawsendfile needs FILE...");
	memset(&S, 0, sizeof(S));
	S.files = files;
	S.nfiles = nfiles;
	S.chunk = o->fetch_max_bytes;
	for (i = 0; i < nfiles; i++) {
		struct stat st;

		if (stat(files[i], &st) != 0)
			fl_die(EX_NOINPUT, "%s", files[i]);
		total += (uint64_t)st.st_size;
	}
	if (total == 0)
		fl_diex(EX_NOINPUT, "rawsendfile: the files are empty");
	S.lfd = tcp_listen_any(&port);
	if (pthread_create(&S.th, NULL, sendfile_main, &S) != 0)
		fl_diex(EX_OSERR, "pthread_create");
	memset(&s, 0, sizeof(s));
	s.fd = tcp_connect("127.0.0.1", port, 0);
	s.buf = malloc(STREAM_BYTES);
	if (s.buf == NULL)
		fl_die(EX_OSERR, "malloc");
	t0 = fl_clock_ns();
	tend = t0 + o->duration_s * NS_PER_S;
	do {
		s.pos = s.len;
		stream_more(&s);
		t1 = fl_clock_ns();
	} while (t1 < tend);
	atomic_store(&S.quit, 1);
	shutdown(s.fd, SHUT_RDWR);
	pthread_join(S.th, NULL);
	close(s.fd);
	close(S.lfd);
	put_u64("sendfile_bytes_max", S.chunk);
	put_u64("file_bytes", total);
	put_u64("bytes", s.bytes_read);
	put_f("passes", (double)s.bytes_read / (double)total);
	put_f("window_s", secs(t1 - t0));
	put_f("bytes_per_s", (double)s.bytes_read / secs(t1 - t0));
	free(s.buf);
	return 0;
}

/* ---- rawsync ---- */

#define RAWSYNC_FILES_MAX 64

static void
rawsync_path(char *path, size_t n, const char *dir, int i)
{
	if (snprintf(path, n, "%s/flume-load-rawsync.%ld.%d", dir, (long)getpid(), i) >= (int)n)
		fl_diex(EX_USAGE, "%s: path too long", dir);
}

static void
rawsync_clean(const char *dir, int files)
{
	char path[PATH_MAX];
	int i;

	for (i = 0; i < files; i++) {
		rawsync_path(path, sizeof(path), dir, i);
		(void)unlink(path);
	}
}

static int
cmd_rawsync(const struct opts *o, const char *dir)
{
	char path[PATH_MAX];
	uint8_t value[65536];
	struct fl_wr w;
	uint64_t t0, t1, tend, syncs = 0, in_file = 0, bytes = 0;
	struct timespec wall;
	int fd, files = 1;

	if (dir == NULL)
		fl_diex(EX_USAGE, "rawsync needs DIR");
	if (o->value_bytes > sizeof(value))
		fl_diex(EX_USAGE, "--value-bytes: at most %zu", sizeof(value));
	rawsync_path(path, sizeof(path), dir, 0);
	fill_value(value, o->value_bytes, 0x666c756d65ull);
	clock_gettime(CLOCK_REALTIME, &wall);
	fl_wr_init(&w, 128u << 20);
	build_batch(&w, o->records, value, o->value_bytes,
	    (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fl_die(EX_CANTCREAT, "%s", path);
	t0 = fl_clock_ns();
	tend = t0 + o->duration_s * NS_PER_S;
	do {
		size_t off = 0;

		if (in_file + w.len > RAWSYNC_FILE_MAX) {
			/* like a segment roll: a fresh, empty file (the old
			 * ones are removed after the clock stops) */
			close(fd);
			if (files == RAWSYNC_FILES_MAX)
				fl_diex(EX_IOERR, "rawsync: more than %d files", RAWSYNC_FILES_MAX);
			rawsync_path(path, sizeof(path), dir, files++);
			fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				fl_die(EX_CANTCREAT, "%s", path);
			in_file = 0;
		}
		while (off < w.len) {
			ssize_t k = write(fd, w.p + off, w.len - off);

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0) {
				rawsync_clean(dir, files);
				fl_die(EX_IOERR, "write %s", path);
			}
			off += (size_t)k;
		}
		if (fdatasync(fd) != 0) {
			rawsync_clean(dir, files);
			fl_die(EX_IOERR, "fdatasync %s", path);
		}
		in_file += w.len;
		bytes += w.len;
		syncs++;
		t1 = fl_clock_ns();
	} while (t1 < tend);
	close(fd);
	rawsync_clean(dir, files);
	put_u64("records_per_sync", o->records);
	put_u64("batch_bytes", w.len);
	put_u64("syncs", syncs);
	put_u64("files", (uint64_t)files);
	put_f("window_s", secs(t1 - t0));
	put_f("syncs_per_s", (double)syncs / secs(t1 - t0));
	put_f("records_per_s", (double)(syncs * o->records) / secs(t1 - t0));
	put_f("bytes_per_s", (double)bytes / secs(t1 - t0));
	fl_wr_free(&w);
	return 0;
}

/* flume-load hist FILE...: percentiles of the merged histograms. */
static int
cmd_hist(char *const *files, int n)
{
	struct hist *h = calloc(1, sizeof(*h));
	int i;

	if (h == NULL)
		fl_die(EX_OSERR, "calloc");
	for (i = 0; i < n; i++)
		hist_load_add(h, files[i]);
	put_u64("samples", h->count);
	put_latency("latency", h);
	free(h);
	return 0;
}

/* ---- main ---- */

static const char usage_text[] =
    "usage: flume-load produce -b HOST:PORT -t TOPIC [-c CONNS] [-T THREADS] [-d SECS]\n"
    "                  [-w SECS] [-r RECORDS | -B BYTES[,BYTES...]] [-s VALUE_BYTES]\n"
    "                  [-a ACKS] [-i INFLIGHT] [-n MAX_BYTES] [-N MAX_RECORDS]\n"
    "                  [-A ADMIN_SOCK] [-P PID]\n"
    "                  [-H HIST_FILE]\n"
    "       flume-load fetch -b HOST:PORT -t TOPIC [-p PARTITION] [-d SECS] [-m MAX_BYTES]\n"
    "       flume-load pingpong [-c CONNS] [-s BYTES] [-d SECS] [-w SECS]\n"
    "       flume-load rawsendfile [-d SECS] [-m BYTES] FILE...\n"
    "       flume-load rawsync [-d SECS] [-r RECORDS] [-s VALUE_BYTES] DIR\n"
    "       flume-load hist HIST_FILE...\n"
    "       flume-load admin SOCKET COMMAND [ARG...]\n"
    "       flume-load freeport\n"
    "       flume-load -h | -V\n";

static void
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status == 0 ? 0 : EX_USAGE);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "broker", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "connections", required_argument, NULL, 'c' },
		{ "threads", required_argument, NULL, 'T' },
		{ "duration-s", required_argument, NULL, 'd' },
		{ "warmup-s", required_argument, NULL, 'w' },
		{ "records", required_argument, NULL, 'r' },
		{ "batch-bytes", required_argument, NULL, 'B' },
		{ "value-bytes", required_argument, NULL, 's' },
		{ "acks", required_argument, NULL, 'a' },
		{ "inflight", required_argument, NULL, 'i' },
		{ "max-bytes", required_argument, NULL, 'n' },
		{ "max-records", required_argument, NULL, 'N' },
		{ "partition", required_argument, NULL, 'p' },
		{ "fetch-max-bytes", required_argument, NULL, 'm' },
		{ "admin", required_argument, NULL, 'A' },
		{ "pid", required_argument, NULL, 'P' },
		{ "hist-out", required_argument, NULL, 'H' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct opts o;
	const char *cmd;
	int ch, has_d = 0;

	fl_diag_init("flume-load");
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		usage(0);
	if (argc >= 2 && (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0)) {
		printf("flume-load %s\n", FL_VERSION);
		return 0;
	}
	if (argc < 2)
		usage(1);
	cmd = argv[1];
	memset(&o, 0, sizeof(o));
	o.conns = 1;
	o.threads = 1;
	o.duration_s = 10;
	o.warmup_s = 1;
	o.value_bytes = 100;
	o.acks = -1;
	o.inflight = 1;
	o.fetch_max_bytes = 50u << 20;
	o.batch_bytes[0] = 16384;
	o.nsizes = 1;
	optind = 2;
	while ((ch = getopt_long(argc, argv, "A:a:B:b:c:d:H:hi:m:N:n:P:p:r:s:T:t:Vw:", longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'A': o.admin_path = optarg; break;
		case 'a':
			if (strcmp(optarg, "-1") == 0 || strcmp(optarg, "all") == 0)
				o.acks = -1;
			else
				o.acks = (int)num(optarg, 0, 1, "--acks");
			break;
		case 'B': parse_sizes(&o, optarg); break;
		case 'b': parse_hostport(&o, optarg); break;
		case 'c': o.conns = (unsigned)num(optarg, 1, CONNS_MAX, "--connections"); break;
		case 'd': o.duration_s = num(optarg, 0, 3600, "--duration-s"); has_d = 1; break;
		case 'H': o.hist_out = optarg; break;
		case 'h': usage(0); break;
		case 'i': o.inflight = (unsigned)num(optarg, 1, INFLIGHT_MAX, "--inflight"); break;
		case 'm': o.fetch_max_bytes = num(optarg, 1, INT32_MAX, "--fetch-max-bytes"); break;
		case 'n': o.max_bytes = num(optarg, 1, UINT64_MAX, "--max-bytes"); break;
		case 'N': o.max_records = num(optarg, 1, UINT64_MAX, "--max-records"); break;
		case 'P': o.broker_pid = (long)num(optarg, 1, INT32_MAX, "--pid"); break;
		case 'p': o.partition = (int32_t)num(optarg, 0, INT32_MAX, "--partition"); break;
		case 'r': o.records = num(optarg, 1, 1000000, "--records"); break;
		case 's': o.value_bytes = num(optarg, 0, 65536, "--value-bytes"); break;
		case 'T': o.threads = (unsigned)num(optarg, 1, THREADS_MAX, "--threads"); break;
		case 't': o.topic = optarg; break;
		case 'V': printf("flume-load %s\n", FL_VERSION); return 0;
		case 'w': o.warmup_s = num(optarg, 0, 600, "--warmup-s"); break;
		default: usage(1);
		}
	}
	if (o.threads > o.conns)
		o.threads = o.conns;
	if (strcmp(cmd, "produce") == 0) {
		if (optind != argc)
			usage(1);
		if ((o.max_bytes > 0 || o.max_records > 0) && !has_d)
			o.duration_s = 0;	/* -n or -N alone: until they are sent */
		if ((o.max_bytes > 0 || o.max_records > 0) && o.duration_s == 0)
			o.warmup_s = 0;
		if (o.max_bytes == 0 && o.max_records == 0 && o.duration_s == 0)
			fl_diex(EX_USAGE, "produce: --duration-s 0 needs --max-bytes or --max-records");
		return cmd_produce(&o);
	}
	if (strcmp(cmd, "fetch") == 0) {
		if (optind != argc)
			usage(1);
		return cmd_fetch(&o);
	}
	if (strcmp(cmd, "pingpong") == 0) {
		if (optind != argc)
			usage(1);
		return cmd_pingpong(&o);
	}
	if (strcmp(cmd, "rawsendfile") == 0)
		return cmd_rawsendfile(&o, argv + optind, argc - optind);
	if (strcmp(cmd, "rawsync") == 0) {
		if (argc - optind != 1)
			usage(1);
		if (o.records == 0)
			o.records = 1000;
		return cmd_rawsync(&o, argv[optind]);
	}
	if (strcmp(cmd, "hist") == 0) {
		if (optind == argc)
			usage(1);
		return cmd_hist(argv + optind, argc - optind);
	}
	if (strcmp(cmd, "admin") == 0) {
		if (argc - optind < 2)
			usage(1);
		return cmd_admin(argv[optind], argv + optind + 1, argc - optind - 1);
	}
	if (strcmp(cmd, "freeport") == 0) {
		uint16_t port;
		int fd = tcp_listen_any(&port);

		close(fd);
		printf("%u\n", (unsigned)port);
		return 0;
	}
	fl_warnx("unknown command '%s'", cmd);
	usage(1);
	return EX_USAGE;
}
