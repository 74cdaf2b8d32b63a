/*
 * group-load.c: the consumer-group load generator behind
 * bench/bench-groups.sh, and the small tools that script times a
 * rebalance with.
 *
 *   commit   -c connections to the broker on one epoll loop, each a
 *            committing member: OffsetCommit v7, one request in flight per
 *            connection (the next one goes out when the answer is in),
 *            for -d seconds after -w seconds of warm-up.  Each commit
 *            carries -P partitions (one __consumer_offsets record each).
 *            -m joined (the default): the connections are real members,
 *            spread over -g groups (JoinGroup v5 with the
 *            MEMBER_ID_REQUIRED round trip, SyncGroup v3; the leader
 *            hands every member an empty assignment, since the broker
 *            does not check who commits what), committing with their
 *            generation and member id; the commits also keep their
 *            sessions alive.  -m standalone: generation -1, member "",
 *            one group per connection, which the broker accepts for an
 *            Empty group.  With -D DIR it first and last runs the raw
 *            baseline below for -s seconds each, with the exact batch the
 *            broker appends for one commit.
 *   rawsync  write(2) of that batch then fdatasync(2), in a fresh file
 *            under DIR, for -s seconds: the disk's durable-append rate.
 *   stamp    copy standard input to standard output line by line, each
 *            line prefixed with CLOCK_MONOTONIC nanoseconds at the read
 *            that brought it in, and written at once (no buffering).
 *   now      print CLOCK_MONOTONIC nanoseconds.
 *   ticker   every -i ms, print one line KEY:SEQ for every partition of
 *            -n, KEY chosen so that murmur2 places it on that partition
 *            (for flume-cat -P -K :), until -d seconds or a closed pipe.
 *
 * Results go to stdout as "key<TAB>value" lines (the script reads them);
 * notes go to stderr.  Latencies are from the request's write(2) to the
 * whole answer read; percentiles are exact (every sample kept).  Rates
 * come from counts and CLOCK_MONOTONIC and are never rounded up.  A commit
 * counts once its answer came back with error 0 on every partition: the
 * broker answers an OffsetCommit only after the fdatasync round that made
 * it durable.  Only 127.0.0.1 is used.
 * Exit: 0 ran, 64 usage, 69 the broker or network failed, 65 the broker
 * sent an answer that does not parse, 74 local I/O error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "base/err.h"
#include "base/murmur2.h"
#include "base/rd.h"
#include "codec/batch.h"
#include "codec/cproto.h"
#include "codec/kclient.h"
#include "codec/offsets.h"
#include "os/clock.h"
#include "os/diag.h"

#define CLIENT_ID	"group-load"
#define CONNS_MAX	4096
#define PARTS_MAX	1024		/* partitions per commit */
#define MEMBER_ID_MAX	256
#define GROUP_MAX	64
#define NS_PER_S	1000000000ull
#define NS_PER_MS	1000000ull
#define DRAIN_NS	(5 * NS_PER_S)	/* wait for answers after the window */
#define JOIN_NS		(60 * NS_PER_S)	/* every member joined by then */
#define SESSION_MS	30000
#define REBALANCE_MS	60000
#define TICK_LINE_MAX	64

enum { V_COMMIT = 7, V_JOIN = 5, V_SYNC = 3 };

/* Kafka error codes acted on */
enum {
	KERR_ILLEGAL_GENERATION = 22,
	KERR_UNKNOWN_MEMBER_ID = 25,
	KERR_REBALANCE_IN_PROGRESS = 27,
	KERR_MEMBER_ID_REQUIRED = 79
};

/* ---- time ---- */


static double
secs(uint64_t ns)
{
	return (double)ns / (double)NS_PER_S;
}

/* ---- latency samples: every one kept, sorted at the end ---- */

struct samples {
	uint64_t *v;
	size_t n, cap;
};

static void
samples_add(struct samples *s, uint64_t ns)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 65536;
		uint64_t *v = realloc(s->v, cap * sizeof(*v));

		if (v == NULL)
			fl_die(EX_OSERR, "realloc");
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = ns;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The q-quantile (nearest rank) in ms; call after samples_sort. */
static double
samples_ms(const struct samples *s, double q)
{
	size_t i;

	if (s->n == 0)
		return 0;
	i = (size_t)(q * (double)s->n);
	if (i >= s->n)
		i = s->n - 1;
	return (double)s->v[i] / (double)NS_PER_MS;
}

static void
samples_sort(struct samples *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_u64);
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

/* Latency lines KEY_p50_ms ... KEY_max_ms. */
static void
put_latency(const char *key, struct samples *s)
{
	char k[64];

	samples_sort(s);
	snprintf(k, sizeof(k), "%s_p50_ms", key);
	put_f(k, samples_ms(s, 0.50));
	snprintf(k, sizeof(k), "%s_p99_ms", key);
	put_f(k, samples_ms(s, 0.99));
	snprintf(k, sizeof(k), "%s_p999_ms", key);
	put_f(k, samples_ms(s, 0.999));
	snprintf(k, sizeof(k), "%s_max_ms", key);
	put_f(k, s->n ? (double)s->v[s->n - 1] / (double)NS_PER_MS : 0);
}

/* ---- options ---- */

struct opts {
	char host[64];
	uint16_t port;
	const char *topic;
	const char *dir;		/* rawsync directory; NULL: no baseline */
	int is_joined;
	uint32_t conns, groups, parts_per_commit, partitions;
	uint32_t secs, warm_secs, raw_secs, interval_ms;
};

static uint64_t
num(const char *s, uint64_t lo, uint64_t hi, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < lo || v > hi)
		fl_diex(EX_USAGE, "%s: %s: not a number in [%" PRIu64 ", %" PRIu64 "]",
		    what, s, lo, hi);
	return v;
}

static void
parse_hostport(struct opts *o, const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t n;

	if (colon == NULL || (n = (size_t)(colon - s)) == 0 || n >= sizeof(o->host))
		fl_diex(EX_USAGE, "-b %s: want HOST:PORT", s);
	memcpy(o->host, s, n);
	o->host[n] = '\0';
	o->port = (uint16_t)num(colon + 1, 1, 65535, "-b port");
}

/* ---- sockets ---- */

static int
tcp_connect(const struct opts *o)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(o->port);
	if (inet_pton(AF_INET, o->host, &sa.sin_addr) != 1)
		fl_diex(EX_USAGE, "%s: not an IPv4 address (only 127.0.0.1 is meant)", o->host);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		fl_die(EX_OSERR, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		fl_die(EX_UNAVAILABLE, "connect %s:%u", o->host, (unsigned)o->port);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0)
		fl_die(EX_OSERR, "fcntl");
	return fd;
}

/* ---- the members ---- */

enum mstate {
	M_JOIN,				/* JoinGroup in flight */
	M_SYNC,				/* SyncGroup in flight */
	M_COMMIT,			/* OffsetCommit in flight */
	M_IDLE				/* window over: nothing more to send */
};

struct member {
	int fd;
	enum mstate state;
	char group[GROUP_MAX];
	char member_id[MEMBER_ID_MAX];
	int32_t generation;		/* -1: standalone */
	int32_t first_part;		/* commits cover first_part .. + P - 1 */
	int64_t offset;			/* grows by one per commit */
	int32_t corr;
	uint64_t sent_ns;
	struct fl_wr out;		/* request being written */
	size_t out_off;
	uint8_t *in;			/* answer being read */
	size_t in_len, in_cap;
	int is_ready;			/* reached M_COMMIT once */
};

struct run {
	const struct opts *o;
	struct member *m;
	int ep;
	int is_window_over;
	uint64_t win_start, win_end;	/* 0 until every member is ready */
	uint32_t nready;
	uint64_t commits, records, errors, rejoins, late;
	uint64_t acked;			/* every commit answered with error 0 */
	struct samples lat;
	struct fl_kc_commit_part *parts;	/* scratch, P entries */
};

/* JoinGroup subscription: the one topic -t */
static const char *topic_names[1];

static void
mod_events(struct run *r, struct member *m, uint32_t ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = m };

	if (epoll_ctl(r->ep, EPOLL_CTL_MOD, m->fd, &e) != 0)
		fl_die(EX_OSERR, "epoll_ctl");
}

/* Write what is left of m->out; EPOLLOUT while the socket is full. */
static void
flush_out(struct run *r, struct member *m)
{
	while (m->out_off < m->out.len) {
		ssize_t k = write(m->fd, m->out.p + m->out_off, m->out.len - m->out_off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			mod_events(r, m, EPOLLIN | EPOLLOUT);
			return;
		}
		if (k <= 0)
			fl_die(EX_UNAVAILABLE, "write to broker");
		m->out_off += (size_t)k;
	}
	mod_events(r, m, EPOLLIN);
}

static void
encode_check(int rc, const char *what)
{
	if (rc != 0)
		fl_diex(EX_SOFTWARE, "encode %s: %s", what, fl_strerror(rc));
}

static struct fl_kc_hdr
hdr(struct member *m, int16_t version)
{
	struct fl_kc_hdr h = { version, ++m->corr, CLIENT_ID };

	return h;
}

static void
send_join(struct run *r, struct member *m)
{
	struct fl_kc_hdr h = hdr(m, V_JOIN);
	struct fl_kc_join_protocol proto;
	struct fl_kc_join_req req;
	struct fl_wr sub;

	fl_wr_init(&sub, 1 << 16);
	encode_check(fl_cp_sub_encode(&sub, 0, topic_names, 1, NULL, 0, -1), "subscription");
	proto.name = "range";
	proto.metadata = (struct fl_slice){ sub.p, sub.len };
	memset(&req, 0, sizeof(req));
	req.group_id = m->group;
	req.session_timeout_ms = SESSION_MS;
	req.rebalance_timeout_ms = REBALANCE_MS;
	req.member_id = m->member_id;
	req.protocol_type = "consumer";
	req.protocols = &proto;
	req.nprotocols = 1;
	fl_wr_reset(&m->out);
	m->out_off = 0;
	encode_check(fl_kc_join_req_encode(&m->out, &h, &req), "JoinGroup");
	fl_wr_free(&sub);
	m->state = M_JOIN;
	m->sent_ns = fl_clock_ns();
	flush_out(r, m);
}

/* The leader gives every member an empty assignment (zero bytes). */
static void
send_sync(struct run *r, struct member *m, const struct fl_kc_join_resp *jr)
{
	struct fl_kc_hdr h = hdr(m, V_SYNC);
	struct fl_kc_sync_assignment *as = NULL;
	char (*ids)[MEMBER_ID_MAX] = NULL;
	struct fl_kc_sync_req req;
	size_t i;

	if (jr->nmembers > 0) {
		as = calloc(jr->nmembers, sizeof(*as));
		ids = calloc(jr->nmembers, sizeof(*ids));
		if (as == NULL || ids == NULL)
			fl_die(EX_OSERR, "calloc");
	}
	for (i = 0; i < jr->nmembers; i++) {
		size_t n = jr->members[i].member_id.len;

		if (n >= MEMBER_ID_MAX)
			fl_diex(EX_DATAERR, "member id of %zu bytes", n);
		memcpy(ids[i], jr->members[i].member_id.p, n);
		ids[i][n] = '\0';
		as[i].member_id = ids[i];
		as[i].assignment = (struct fl_slice){ (const uint8_t *)"", 0 };
	}
	memset(&req, 0, sizeof(req));
	req.group_id = m->group;
	req.generation_id = m->generation;
	req.member_id = m->member_id;
	req.assignments = as;
	req.nassignments = jr->nmembers;
	fl_wr_reset(&m->out);
	m->out_off = 0;
	encode_check(fl_kc_sync_req_encode(&m->out, &h, &req), "SyncGroup");
	free(as);
	free(ids);
	m->state = M_SYNC;
	m->sent_ns = fl_clock_ns();
	flush_out(r, m);
}

static void
send_commit(struct run *r, struct member *m)
{
	const struct opts *o = r->o;
	struct fl_kc_hdr h = hdr(m, V_COMMIT);
	struct fl_kc_commit_topic t;
	struct fl_kc_commit_req req;
	uint32_t i;

	m->offset++;
	for (i = 0; i < o->parts_per_commit; i++) {
		r->parts[i].index = (int32_t)(((uint32_t)m->first_part + i) % o->partitions);
		r->parts[i].offset = m->offset;
		r->parts[i].leader_epoch = -1;
		r->parts[i].metadata = "";
	}
	t.name = o->topic;
	t.parts = r->parts;
	t.nparts = o->parts_per_commit;
	memset(&req, 0, sizeof(req));
	req.group_id = m->group;
	req.generation_id = m->generation;
	req.member_id = m->member_id;
	req.group_instance_id = NULL;
	req.retention_time_ms = -1;
	req.topics = &t;
	req.ntopics = 1;
	fl_wr_reset(&m->out);
	m->out_off = 0;
	encode_check(fl_kc_commit_req_encode(&m->out, &h, &req), "OffsetCommit");
	m->state = M_COMMIT;
	m->sent_ns = fl_clock_ns();
	flush_out(r, m);
}

static void
copy_slice(char *dst, size_t cap, struct fl_slice s, const char *what)
{
	if (s.len >= cap)
		fl_diex(EX_DATAERR, "%s of %zu bytes", what, s.len);
	if (s.len > 0)
		memcpy(dst, s.p, s.len);
	dst[s.len] = '\0';
}

static void
rejoin(struct run *r, struct member *m)
{
	r->rejoins++;
	if (m->is_ready) {
		m->is_ready = 0;
		r->nready--;
	}
	send_join(r, m);
}

static void
became_ready(struct run *r, struct member *m, uint64_t t)
{
	if (!m->is_ready) {
		m->is_ready = 1;
		if (++r->nready == r->o->conns && r->win_start == 0) {
			r->win_start = t + (uint64_t)r->o->warm_secs * NS_PER_S;
			r->win_end = r->win_start + (uint64_t)r->o->secs * NS_PER_S;
			fl_warnx("all %u members committing; measuring %u s after %u s of warm-up",
			    r->o->conns, r->o->secs, r->o->warm_secs);
		}
	}
}

/* Next request after an answer, or none once the window is over. */
static void
next_commit(struct run *r, struct member *m)
{
	if (r->is_window_over) {
		m->state = M_IDLE;
		return;
	}
	send_commit(r, m);
}

static void
on_join(struct run *r, struct member *m, const uint8_t *p, size_t n)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_join_resp jr;
	int rc = fl_kc_join_resp_decode(p, n, V_JOIN, &a, &jr);

	if (rc != 0)
		fl_diex(EX_DATAERR, "JoinGroup answer: %s", fl_strerror(rc));
	if (jr.error == KERR_MEMBER_ID_REQUIRED) {
		copy_slice(m->member_id, sizeof(m->member_id), jr.member_id, "member id");
		send_join(r, m);
	} else if (jr.error != 0) {
		fl_diex(EX_UNAVAILABLE, "JoinGroup %s: %s (%d)", m->group,
		    fl_kerr_name(jr.error), (int)jr.error);
	} else {
		copy_slice(m->member_id, sizeof(m->member_id), jr.member_id, "member id");
		m->generation = jr.generation_id;
		send_sync(r, m, &jr);
	}
	fl_arena_free(&a);
}

static void
on_sync(struct run *r, struct member *m, const uint8_t *p, size_t n, uint64_t t)
{
	struct fl_kc_sync_resp sr;
	int rc = fl_kc_sync_resp_decode(p, n, V_SYNC, &sr);

	if (rc != 0)
		fl_diex(EX_DATAERR, "SyncGroup answer: %s", fl_strerror(rc));
	if (sr.error == KERR_REBALANCE_IN_PROGRESS || sr.error == KERR_ILLEGAL_GENERATION ||
	    sr.error == KERR_UNKNOWN_MEMBER_ID) {
		if (sr.error == KERR_UNKNOWN_MEMBER_ID)
			m->member_id[0] = '\0';
		rejoin(r, m);
		return;
	}
	if (sr.error != 0)
		fl_diex(EX_UNAVAILABLE, "SyncGroup %s: %s (%d)", m->group,
		    fl_kerr_name(sr.error), (int)sr.error);
	became_ready(r, m, t);
	next_commit(r, m);
}

static void
on_commit(struct run *r, struct member *m, const uint8_t *p, size_t n, uint64_t t)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_commit_resp cr;
	int16_t err = 0;
	size_t i, j, nparts = 0;
	int rc = fl_kc_commit_resp_decode(p, n, V_COMMIT, &a, &cr);

	if (rc != 0)
		fl_diex(EX_DATAERR, "OffsetCommit answer: %s", fl_strerror(rc));
	for (i = 0; i < cr.ntopics; i++)
		for (j = 0; j < cr.topics[i].nparts; j++, nparts++)
			if (cr.topics[i].parts[j].error != 0 && err == 0)
				err = cr.topics[i].parts[j].error;
	fl_arena_free(&a);
	if (err == 0 && nparts != r->o->parts_per_commit)
		fl_diex(EX_DATAERR, "OffsetCommit answer for %zu partitions, %u sent",
		    nparts, r->o->parts_per_commit);
	if (err != 0) {
		r->errors++;
		if (r->errors <= 5)
			fl_warnx("OffsetCommit %s: %s (%d)", m->group, fl_kerr_name(err), (int)err);
		if (r->o->is_joined && (err == KERR_REBALANCE_IN_PROGRESS ||
		    err == KERR_ILLEGAL_GENERATION || err == KERR_UNKNOWN_MEMBER_ID)) {
			if (err == KERR_UNKNOWN_MEMBER_ID)
				m->member_id[0] = '\0';
			if (!r->is_window_over)
				rejoin(r, m);
			else
				m->state = M_IDLE;
			return;
		}
	}
	if (err == 0) {
		r->acked++;
		if (r->win_start != 0 && m->sent_ns >= r->win_start && t < r->win_end) {
			r->commits++;
			r->records += r->o->parts_per_commit;
			samples_add(&r->lat, t - m->sent_ns);
		} else if (r->win_start != 0 && m->sent_ns < r->win_end && t >= r->win_end) {
			r->late++;	/* sent inside, answered after the window */
		}
	}
	next_commit(r, m);
}

/* Read and handle every whole answer on m. */
static void
on_readable(struct run *r, struct member *m)
{
	for (;;) {
		ssize_t k;
		size_t size, used = 0;
		uint64_t t;

		if (m->in_cap - m->in_len < 4096) {
			size_t cap = m->in_cap ? m->in_cap * 2 : 16384;
			uint8_t *p = realloc(m->in, cap);

			if (p == NULL)
				fl_die(EX_OSERR, "realloc");
			m->in = p;
			m->in_cap = cap;
		}
		k = read(m->fd, m->in + m->in_len, m->in_cap - m->in_len);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN)
			return;
		if (k < 0)
			fl_die(EX_UNAVAILABLE, "read from broker");
		if (k == 0)
			fl_diex(EX_UNAVAILABLE, "broker closed a connection");
		m->in_len += (size_t)k;
		t = fl_clock_ns();
		while (fl_kc_frame_size(m->in + used, m->in_len - used, FL_KC_FRAME_BYTES_MAX,
		    &size) == 0 && m->in_len - used >= 4 + size) {
			const uint8_t *p = m->in + used + 4;
			int32_t corr;

			used += 4 + size;
			if (fl_kc_resp_corr(p, size, &corr) != 0 || corr != m->corr)
				fl_diex(EX_DATAERR, "answer with correlation id %d, want %d",
				    (int)corr, (int)m->corr);
			switch (m->state) {
			case M_JOIN:
				on_join(r, m, p, size);
				break;
			case M_SYNC:
				on_sync(r, m, p, size, t);
				break;
			case M_COMMIT:
				on_commit(r, m, p, size, t);
				break;
			case M_IDLE:
				fl_diex(EX_DATAERR, "answer while idle");
			}
		}
		if (fl_kc_frame_size(m->in + used, m->in_len - used, FL_KC_FRAME_BYTES_MAX,
		    &size) == FL_EPROTO)
			fl_diex(EX_DATAERR, "bad answer frame size");
		memmove(m->in, m->in + used, m->in_len - used);
		m->in_len -= used;
	}
}

/* ---- rawsync: the disk's durable small-append rate ---- */

/* The batch the broker appends to __consumer_offsets-0 for one commit. */
static void
commit_batch(struct fl_wr *w, const struct opts *o)
{
	struct fl_batch_builder bb;
	struct fl_wr k, v;
	struct fl_slice ks, vs;
	struct fl_offset_commit oc = { 123456789, -1, "", 1700000000000, 0 };
	/* every record the broker writes there carries this header (codec/offsets.h) */
	const struct fl_record_header schema = {
		{ (const uint8_t *)FL_OFFSETS_HEADER_KEY, sizeof(FL_OFFSETS_HEADER_KEY) - 1 },
		{ (const uint8_t *)FL_OFFSETS_HEADER_VALUE, sizeof(FL_OFFSETS_HEADER_VALUE) - 1 },
	};
	char group[GROUP_MAX];
	uint32_t i;

	snprintf(group, sizeof(group), "gl-%u-0", (unsigned)getpid());
	fl_wr_init(&k, 1 << 16);
	fl_wr_init(&v, 1 << 16);
	fl_batch_begin(&bb, w, oc.commit_ms, -1, -1, -1, 0);
	for (i = 0; i < o->parts_per_commit; i++) {
		fl_wr_reset(&k);
		fl_wr_reset(&v);
		fl_offsets_key_commit(&k, (struct fl_slice){ (const uint8_t *)group, strlen(group) },
		    (struct fl_slice){ (const uint8_t *)o->topic, strlen(o->topic) }, (int32_t)i);
		fl_offsets_value_commit(&v, &oc);
		ks = (struct fl_slice){ k.p, k.len };
		vs = (struct fl_slice){ v.p, v.len };
		if (fl_batch_add(&bb, oc.commit_ms, &ks, &vs, &schema, 1) != 0)
			fl_diex(EX_SOFTWARE, "build batch");
	}
	if (fl_batch_end(&bb) != 0 || w->err != 0)
		fl_diex(EX_SOFTWARE, "build batch");
	fl_wr_free(&k);
	fl_wr_free(&v);
}

static void
rawsync(const struct opts *o, const char *tag)
{
	struct samples lat = { 0 };
	struct fl_wr batch;
	char path[4096], key[64];
	uint64_t t0, t, end, n = 0;
	int fd;

	fl_wr_init(&batch, 1 << 24);
	commit_batch(&batch, o);
	snprintf(path, sizeof(path), "%s/group-load-rawsync.%u", o->dir, (unsigned)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		fl_die(EX_IOERR, "%s", path);
	t0 = fl_clock_ns();
	end = t0 + (uint64_t)o->raw_secs * NS_PER_S;
	do {
		uint64_t s = fl_clock_ns();

		if (write(fd, batch.p, batch.len) != (ssize_t)batch.len)
			fl_die(EX_IOERR, "write %s", path);
		if (fdatasync(fd) != 0)
			fl_die(EX_IOERR, "fdatasync %s", path);
		t = fl_clock_ns();
		samples_add(&lat, t - s);
		n++;
	} while (t < end);
	close(fd);
	unlink(path);
	snprintf(key, sizeof(key), "rawsync_%s_bytes", tag);
	put_u64(key, batch.len);
	snprintf(key, sizeof(key), "rawsync_%s_writes", tag);
	put_u64(key, n);
	snprintf(key, sizeof(key), "rawsync_%s_s", tag);
	put_f(key, secs(t - t0));
	snprintf(key, sizeof(key), "rawsync_%s_per_s", tag);
	put_u64(key, (uint64_t)((double)n / secs(t - t0)));
	snprintf(key, sizeof(key), "rawsync_%s", tag);
	put_latency(key, &lat);
	fflush(stdout);
	free(lat.v);
	fl_wr_free(&batch);
}

/* ---- commit ---- */

static int
cmd_commit(const struct opts *o)
{
	struct run r;
	struct epoll_event ev[256];
	uint64_t t, t_connect, deadline;
	uint32_t i;
	int nev, k, busy;

	if (o->topic == NULL || o->port == 0)
		fl_diex(EX_USAGE, "commit needs -b HOST:PORT and -t TOPIC");
	if (o->dir != NULL)
		rawsync(o, "before");
	memset(&r, 0, sizeof(r));
	r.o = o;
	topic_names[0] = o->topic;
	if ((r.m = calloc(o->conns, sizeof(*r.m))) == NULL ||
	    (r.parts = calloc(o->parts_per_commit, sizeof(*r.parts))) == NULL)
		fl_die(EX_OSERR, "calloc");
	if ((r.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		fl_die(EX_OSERR, "epoll_create1");
	t_connect = fl_clock_ns();
	for (i = 0; i < o->conns; i++) {
		struct member *m = &r.m[i];
		struct epoll_event e = { .events = EPOLLIN, .data.ptr = m };

		m->fd = tcp_connect(o);
		if (epoll_ctl(r.ep, EPOLL_CTL_ADD, m->fd, &e) != 0)
			fl_die(EX_OSERR, "epoll_ctl");
		fl_wr_init(&m->out, 1 << 20);
		m->first_part = (int32_t)((i * o->parts_per_commit) % o->partitions);
		m->generation = -1;
		if (o->is_joined)
			snprintf(m->group, sizeof(m->group), "gl-%u-%u", (unsigned)getpid(),
			    (unsigned)(i % o->groups));
		else
			snprintf(m->group, sizeof(m->group), "gl-%u-%u", (unsigned)getpid(),
			    (unsigned)i);
	}
	for (i = 0; i < o->conns; i++) {
		if (o->is_joined) {
			send_join(&r, &r.m[i]);
		} else {
			became_ready(&r, &r.m[i], fl_clock_ns());
			send_commit(&r, &r.m[i]);
		}
	}
	deadline = t_connect + JOIN_NS;
	for (;;) {
		int timeout_ms = 50;

		t = fl_clock_ns();
		if (r.win_start == 0 && t > deadline)
			fl_diex(EX_UNAVAILABLE, "only %u of %u members joined in %llu s", r.nready,
			    o->conns, (unsigned long long)(JOIN_NS / NS_PER_S));
		if (r.win_start != 0 && t >= r.win_end && !r.is_window_over) {
			r.is_window_over = 1;
			deadline = t + DRAIN_NS;
		}
		if (r.is_window_over) {
			for (i = 0, busy = 0; i < o->conns; i++)
				busy += r.m[i].state != M_IDLE;
			if (busy == 0)
				break;
			if (t > deadline)
				fl_diex(EX_UNAVAILABLE, "%d answers still missing %llu s after the window",
				    busy, (unsigned long long)(DRAIN_NS / NS_PER_S));
		}
		nev = epoll_wait(r.ep, ev, (int)(sizeof(ev) / sizeof(ev[0])), timeout_ms);
		if (nev < 0 && errno == EINTR)
			continue;
		if (nev < 0)
			fl_die(EX_OSERR, "epoll_wait");
		for (k = 0; k < nev; k++) {
			struct member *m = ev[k].data.ptr;

			if (ev[k].events & (EPOLLERR | EPOLLHUP))
				fl_diex(EX_UNAVAILABLE, "broker connection lost");
			if (ev[k].events & EPOLLOUT)
				flush_out(&r, m);
			if (ev[k].events & EPOLLIN)
				on_readable(&r, m);
		}
	}
	printf("mode\t%s\n", o->is_joined ? "joined" : "standalone");
	put_u64("conns", o->conns);
	put_u64("groups", o->is_joined ? o->groups : o->conns);
	put_u64("parts_per_commit", o->parts_per_commit);
	put_f("secs", secs(r.win_end - r.win_start));
	put_u64("commits", r.commits);
	put_u64("commits_per_s", (uint64_t)((double)r.commits / secs(r.win_end - r.win_start)));
	put_u64("records_per_s", (uint64_t)((double)r.records / secs(r.win_end - r.win_start)));
	put_f("ready_s", secs(r.win_start - (uint64_t)o->warm_secs * NS_PER_S - t_connect));
	put_u64("commits_total", r.acked);
	put_u64("errors", r.errors);
	put_u64("rejoins", r.rejoins);
	put_u64("late", r.late);
	put_latency("commit", &r.lat);
	fflush(stdout);
	for (i = 0; i < o->conns; i++) {
		close(r.m[i].fd);
		fl_wr_free(&r.m[i].out);
		free(r.m[i].in);
	}
	close(r.ep);
	free(r.m);
	free(r.parts);
	free(r.lat.v);
	if (o->dir != NULL)
		rawsync(o, "after");
	return r.errors ? EX_UNAVAILABLE : 0;
}

/* ---- stamp, now, ticker ---- */

static void
write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EPIPE)
			exit(0);
		if (k <= 0)
			fl_die(EX_IOERR, "write");
		b += k;
		n -= (size_t)k;
	}
}

static int
cmd_stamp(void)
{
	static uint8_t in[65536], out[65536 * 2];
	size_t have = 0;

	for (;;) {
		ssize_t k = read(0, in + have, sizeof(in) - have);
		size_t start = 0, i, o = 0;
		char pre[32];
		int npre;

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			fl_die(EX_IOERR, "read");
		if (k == 0)
			break;
		npre = snprintf(pre, sizeof(pre), "%" PRIu64 " ", fl_clock_ns());
		have += (size_t)k;
		for (i = 0; i < have; i++) {
			if (in[i] != '\n')
				continue;
			if (o + (size_t)npre + (i + 1 - start) > sizeof(out)) {
				write_all(1, out, o);
				o = 0;
			}
			memcpy(out + o, pre, (size_t)npre);
			o += (size_t)npre;
			memcpy(out + o, in + start, i + 1 - start);
			o += i + 1 - start;
			start = i + 1;
		}
		write_all(1, out, o);
		if (start == 0 && have == sizeof(in))
			start = have;	/* a line longer than the buffer: cut it */
		memmove(in, in + start, have - start);
		have -= start;
	}
	if (have > 0) {
		char pre[32];
		int npre = snprintf(pre, sizeof(pre), "%" PRIu64 " ", fl_clock_ns());

		write_all(1, pre, (size_t)npre);
		write_all(1, in, have);
		write_all(1, "\n", 1);
	}
	return 0;
}

static int
cmd_ticker(const struct opts *o)
{
	char (*keys)[16];
	char *buf;
	size_t cap = (size_t)o->partitions * TICK_LINE_MAX, len;
	uint64_t seq = 0, t, end;
	uint32_t p, found = 0, j;
	struct timespec ts;

	keys = calloc(o->partitions, sizeof(*keys));
	buf = malloc(cap);
	if (keys == NULL || buf == NULL)
		fl_die(EX_OSERR, "calloc");
	for (j = 0; found < o->partitions && j < 100000000u; j++) {
		char k[16];
		int n = snprintf(k, sizeof(k), "k%u", (unsigned)j);

		p = (uint32_t)fl_murmur2_partition(k, (size_t)n, (int32_t)o->partitions);
		if (keys[p][0] == '\0') {
			memcpy(keys[p], k, (size_t)n + 1);
			found++;
		}
	}
	if (found < o->partitions)
		fl_diex(EX_SOFTWARE, "no key for some partition");
	t = fl_clock_ns();
	end = o->secs ? t + (uint64_t)o->secs * NS_PER_S : UINT64_MAX;
	while (t < end) {
		len = 0;
		seq++;
		for (p = 0; p < o->partitions; p++)
			len += (size_t)snprintf(buf + len, cap - len, "%s:%" PRIu64 "\n", keys[p], seq);
		write_all(1, buf, len);
		t += (uint64_t)o->interval_ms * NS_PER_MS;
		ts.tv_sec = (time_t)(t / NS_PER_S);
		ts.tv_nsec = (long)(t % NS_PER_S);
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
	}
	free(keys);
	free(buf);
	return 0;
}

/* ---- main ---- */

static void
usage(int status)
{
	fprintf(status ? stderr : stdout,
	    "usage: group-load commit -b HOST:PORT -t TOPIC [-m joined|standalone] [-c conns]\n"
	    "           [-g groups] [-n partitions] [-P parts-per-commit] [-d secs] [-w secs]\n"
	    "           [-D dir [-s secs]]\n"
	    "       group-load rawsync -D dir [-t topic] [-P parts-per-commit] [-s secs]\n"
	    "       group-load stamp\n"
	    "       group-load now\n"
	    "       group-load ticker -n partitions [-i ms] [-d secs (0: until the pipe closes)]\n");
	exit(status ? EX_USAGE : 0);
}

int
main(int argc, char **argv)
{
	struct opts o;
	const char *cmd;
	int c, is_secs_set = 0;

	fl_diag_init("group-load");
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0))
		usage(0);
	if (argc < 2)
		usage(1);
	cmd = argv[1];
	memset(&o, 0, sizeof(o));
	o.is_joined = 1;
	o.conns = 100;
	o.groups = 1;
	o.parts_per_commit = 1;
	o.partitions = 100;
	o.secs = 10;
	o.warm_secs = 1;
	o.raw_secs = 3;
	o.interval_ms = 10;
	optind = 2;
	while ((c = getopt(argc, argv, "b:t:m:c:g:n:P:d:w:D:s:i:h")) != -1) {
		switch (c) {
		case 'b': parse_hostport(&o, optarg); break;
		case 't': o.topic = optarg; break;
		case 'm':
			if (strcmp(optarg, "joined") == 0)
				o.is_joined = 1;
			else if (strcmp(optarg, "standalone") == 0)
				o.is_joined = 0;
			else
				fl_diex(EX_USAGE, "-m %s: want joined or standalone", optarg);
			break;
		case 'c': o.conns = (uint32_t)num(optarg, 1, CONNS_MAX, "-c"); break;
		case 'g': o.groups = (uint32_t)num(optarg, 1, CONNS_MAX, "-g"); break;
		case 'n': o.partitions = (uint32_t)num(optarg, 1, 100000, "-n"); break;
		case 'P': o.parts_per_commit = (uint32_t)num(optarg, 1, PARTS_MAX, "-P"); break;
		case 'd':
			o.secs = (uint32_t)num(optarg, 0, 86400, "-d");
			is_secs_set = 1;
			break;
		case 'w': o.warm_secs = (uint32_t)num(optarg, 0, 3600, "-w"); break;
		case 'D': o.dir = optarg; break;
		case 's': o.raw_secs = (uint32_t)num(optarg, 1, 3600, "-s"); break;
		case 'i': o.interval_ms = (uint32_t)num(optarg, 1, 60000, "-i"); break;
		case 'h': usage(0); break;
		default: usage(1);
		}
	}
	if (optind != argc)
		usage(1);
	if (strcmp(cmd, "commit") == 0) {
		if (o.secs == 0)
			fl_diex(EX_USAGE, "commit: -d must be at least 1");
		if (o.groups > o.conns)
			o.groups = o.conns;
		return cmd_commit(&o);
	}
	if (strcmp(cmd, "rawsync") == 0) {
		if (o.dir == NULL)
			fl_diex(EX_USAGE, "rawsync needs -D DIR");
		if (o.topic == NULL)
			o.topic = "t";
		rawsync(&o, "only");
		return 0;
	}
	if (strcmp(cmd, "stamp") == 0)
		return cmd_stamp();
	if (strcmp(cmd, "now") == 0) {
		printf("%" PRIu64 "\n", fl_clock_ns());
		return 0;
	}
	if (strcmp(cmd, "ticker") == 0) {
		if (!is_secs_set)
			o.secs = 0;	/* until the pipe closes */
		return cmd_ticker(&o);
	}
	usage(1);
	return EX_USAGE;
}
