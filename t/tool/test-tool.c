/*
 * flume-test-tool: what shell tests need that no real program should do,
 * like git's t/helper/test-tool.  Not installed.
 *
 *   flume-test-tool group-abuse HOST:PORT TOPIC
 *       sends malformed or hostile group requests, one per line of output:
 *       "case<TAB>error code" (for fetch-unknown-group: the offset).
 *   flume-test-tool commit-loop HOST:PORT GROUP TOPIC N
 *       N standalone OffsetCommits, one at a time: commit i stores offset i
 *       for partition i % 4 (with a little metadata); exits 0 once all
 *       were acknowledged.
 *   flume-test-tool durable-write DIR NAME
 *       writes stdin as the durable file DIR/NAME (with its BLAKE2b
 *       trailer), as the broker writes hw, producers and the rest.
 *   flume-test-tool plog-check [--verify] [--write] DIR
 *       opens the partition with fl_plog_open (read-only unless --write;
 *       --verify adds FL_PLOG_VERIFY) and reads every offset through
 *       fl_plog_read, checking each batch served (length, CRC, records,
 *       offsets following on).  One line on stdout:
 *         ok LOG_START LOG_END RECORDS DIGEST          all served; exit 0
 *         refused CODE MESSAGE                          open failed: exit 65
 *                                                       (FL_ECORRUPT), 71/74
 *                                                       (FL_ESYS), else 70
 *         stopped LOG_START OFFSET RECORDS DIGEST WHY   a read failed or served
 *                                                       a bad batch at OFFSET;
 *                                                       exit 70
 *       (tab-separated; DIGEST is flume-seg digest's over what was served).
 *   flume-test-tool damage DIR SEED
 *       damages the partition in one way picked by SEED (bit flips,
 *       truncation, zeroed bytes, a segment removed or emptied, a garbage,
 *       torn or oversized index or time index, a garbage
 *       leader-epoch-checkpoint) and prints "KIND FILE POS OFFSET": OFFSET
 *       is the first offset whose record the damage may have lost (the log
 *       end when it touched no record).
 *   flume-test-tool fake-leader MODE
 *       a leader for flume-repl tests that serves what no real one would:
 *       listens on 127.0.0.1 (a free port), prints "127.0.0.1:PORT" on
 *       stdout once it accepts, and answers ApiVersions, OffsetForLeaderEpoch
 *       (epoch 0 ends at offset 0) and Fetch, one connection at a time: for
 *       each partition asked, one batch of 3 records at the fetch offset,
 *       high watermark 3 past it, spoilt as MODE says: "bad-crc" (a record
 *       byte flipped, so the CRC fails), "gap" (based 5 past the fetch
 *       offset) or "good"; or, with MODE "fenced", no records and
 *       FENCED_LEADER_EPOCH for every partition (Fetch and
 *       OffsetForLeaderEpoch).  Each Fetch is logged on stderr as "fetch
 *       TOPIC PART OFFSET".  Runs until SIGTERM (exit 0).
 */
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/csum.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "codec/kclient.h"
#include "codec/kproto.h"
#include "os/diag.h"
#include "os/vfs_real.h"
#include "store/plog.h"
#include "store/segtool.h"
#include "store/vfs.h"

static int
dial(const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *ai;
	int fd;

	if (colon == NULL || (size_t)(colon - addr) >= sizeof(host))
		fl_diex(64, "bad address %s", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &ai) != 0)
		fl_diex(69, "cannot resolve %s", addr);
	fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)
		fl_die(69, "cannot connect to %s", addr);
	freeaddrinfo(ai);
	return fd;
}

static void
write_all(int fd, const uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = write(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			fl_die(74, "write");
		p += r;
		n -= (size_t)r;
	}
}

static void
read_all(int fd, uint8_t *p, size_t n)
{
	while (n > 0) {
		ssize_t r = read(fd, p, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			fl_diex(76, "the broker closed the connection");
		if (r < 0)
			fl_die(74, "read");
		p += r;
		n -= (size_t)r;
	}
}

/* Send the frame in w, return the response payload (malloc'ed) in *p. */
static size_t
roundtrip(int fd, struct fl_wr *w, uint8_t **p)
{
	uint8_t hdr[4];
	size_t size;

	if (w->err != 0)
		fl_diex(EX_SOFTWARE, "encoding failed: %s", fl_strerror(w->err));
	write_all(fd, w->p, w->len);
	read_all(fd, hdr, 4);
	if (fl_kc_frame_size(hdr, 4, FL_KC_FRAME_BYTES_MAX, &size) != 0)
		fl_diex(76, "bad response size");
	*p = malloc(size ? size : 1);
	if (*p == NULL)
		fl_diex(71, "out of memory");
	read_all(fd, *p, size);
	return size;
}

static int
join(int fd, const char *name, const char *group, const char *member, int32_t session,
    int32_t rebalance, size_t meta_len)
{
	struct fl_kc_hdr h = { 5, 1, "test-tool" };
	struct fl_kc_join_protocol proto;
	struct fl_kc_join_req req;
	struct fl_kc_join_resp resp;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_wr w;
	uint8_t *meta = calloc(1, meta_len + 1), *p;
	size_t n;

	proto.name = "range";
	proto.metadata = (struct fl_slice){ meta, meta_len };
	memset(&req, 0, sizeof(req));
	req.group_id = group;
	req.session_timeout_ms = session;
	req.rebalance_timeout_ms = rebalance;
	req.member_id = member;
	req.protocol_type = "consumer";
	req.protocols = &proto;
	req.nprotocols = 1;
	fl_wr_init(&w, 64u << 20);
	fl_kc_join_req_encode(&w, &h, &req);
	n = roundtrip(fd, &w, &p);
	if (fl_kc_join_resp_decode(p, n, 5, &a, &resp) != 0)
		fl_diex(76, "%s: undecodable JoinGroup response", name);
	printf("%s\t%d\n", name, (int)resp.error);
	fl_arena_free(&a);
	fl_wr_free(&w);
	free(p);
	free(meta);
	return resp.error;
}

static void
group_abuse(const char *addr, const char *topic)
{
	int fd = dial(addr);
	struct fl_wr w;
	uint8_t *p;
	size_t n;

	join(fd, "join-session-tiny", "abuse", "", 1, 10000, 10);
	join(fd, "join-session-huge", "abuse", "", INT32_MAX, 10000, 10);
	join(fd, "join-rebalance-negative", "abuse", "", 10000, -5, 10);
	join(fd, "join-metadata-huge", "abuse", "", 10000, 10000, 2u << 20);
	join(fd, "join-empty-group", "", "", 10000, 10000, 10);
	join(fd, "join-unknown-member", "abuse", "nobody", 10000, 10000, 10);
	{
		struct fl_kc_hdr h = { 3, 2, "test-tool" };
		struct fl_kc_sync_req req = { "no-such-group", 1, "nobody", NULL, NULL, 0 };
		struct fl_kc_sync_resp resp;

		fl_wr_init(&w, 1 << 20);
		fl_kc_sync_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_sync_resp_decode(p, n, 3, &resp) != 0)
			fl_diex(76, "undecodable SyncGroup response");
		printf("sync-unknown-group\t%d\n", (int)resp.error);
		free(p);
		fl_wr_free(&w);
	}
	{
		struct fl_kc_hdr h = { 3, 3, "test-tool" };
		struct fl_kc_heartbeat_req req = { "no-such-group", 1, "nobody", NULL };
		struct fl_kc_simple_resp resp;

		fl_wr_init(&w, 1 << 20);
		fl_kc_heartbeat_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_heartbeat_resp_decode(p, n, 3, &resp) != 0)
			fl_diex(76, "undecodable Heartbeat response");
		printf("heartbeat-unknown-group\t%d\n", (int)resp.error);
		free(p);
		fl_wr_free(&w);
	}
	{
		struct fl_kc_hdr h = { 1, 4, "test-tool" };
		struct fl_kc_leave_req req = { "no-such-group", "nobody", NULL };
		struct fl_kc_leave_resp resp;
		struct fl_arena a = FL_KC_ARENA_INIT;

		fl_wr_init(&w, 1 << 20);
		fl_kc_leave_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_leave_resp_decode(p, n, 1, &a, &resp) != 0)
			fl_diex(76, "undecodable LeaveGroup response");
		printf("leave-unknown-group\t%d\n", (int)resp.error);
		fl_arena_free(&a);
		free(p);
		fl_wr_free(&w);
	}
	{
		static char big[5000];
		const char *names[2] = { "commit-unknown-topic", "commit-metadata-huge" };
		int i;

		memset(big, 'm', sizeof(big) - 1);
		for (i = 0; i < 2; i++) {
			struct fl_kc_hdr h = { 7, 5 + i, "test-tool" };
			struct fl_kc_commit_part part = { 0, 1, -1, i ? big : "" };
			struct fl_kc_commit_topic t = { i ? topic : "no-such-topic", &part, 1 };
			struct fl_kc_commit_req req = { "abuse-commits", -1, "", NULL, -1, &t, 1 };
			struct fl_kc_commit_resp resp;
			struct fl_arena a = FL_KC_ARENA_INIT;

			fl_wr_init(&w, 1 << 20);
			fl_kc_commit_req_encode(&w, &h, &req);
			n = roundtrip(fd, &w, &p);
			if (fl_kc_commit_resp_decode(p, n, 7, &a, &resp) != 0 ||
			    resp.ntopics != 1 || resp.topics[0].nparts != 1)
				fl_diex(76, "undecodable OffsetCommit response");
			printf("%s\t%d\n", names[i], (int)resp.topics[0].parts[0].error);
			fl_arena_free(&a);
			free(p);
			fl_wr_free(&w);
		}
	}
	{
		struct fl_kc_hdr h = { 5, 7, "test-tool" };
		int32_t part = 0;
		struct fl_kc_offset_fetch_topic t = { topic, &part, 1 };
		struct fl_kc_offset_fetch_req req = { "no-such-group", &t, 1 };
		struct fl_kc_offset_fetch_resp resp;
		struct fl_arena a = FL_KC_ARENA_INIT;

		fl_wr_init(&w, 1 << 20);
		fl_kc_offset_fetch_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &resp) != 0 ||
		    resp.ntopics != 1 || resp.topics[0].nparts != 1)
			fl_diex(76, "undecodable OffsetFetch response");
		printf("fetch-unknown-group\t%lld\n", (long long)resp.topics[0].parts[0].offset);
		fl_arena_free(&a);
		free(p);
		fl_wr_free(&w);
	}
	close(fd);
}

/* N standalone commits to GROUP: commit i stores offset i for partition i % 4. */
static void
commit_loop(const char *addr, const char *group, const char *topic, long n)
{
	int fd = dial(addr);
	struct fl_wr w;
	uint8_t *p;
	size_t len;
	long i;

	for (i = 1; i <= n; i++) {
		struct fl_kc_hdr h = { 7, (int32_t)i, "test-tool" };
		struct fl_kc_commit_part part = { (int32_t)(i % 4), i, -1,
		    "padding-padding-padding-padding-padding-padding" };
		struct fl_kc_commit_topic t = { topic, &part, 1 };
		struct fl_kc_commit_req req = { group, -1, "", NULL, -1, &t, 1 };
		struct fl_kc_commit_resp resp;
		struct fl_arena a = FL_KC_ARENA_INIT;

		fl_wr_init(&w, 1 << 20);
		fl_kc_commit_req_encode(&w, &h, &req);
		len = roundtrip(fd, &w, &p);
		if (fl_kc_commit_resp_decode(p, len, 7, &a, &resp) != 0 || resp.ntopics != 1 ||
		    resp.topics[0].nparts != 1 || resp.topics[0].parts[0].error != 0)
			fl_diex(76, "commit %ld failed", i);
		fl_arena_free(&a);
		free(p);
		fl_wr_free(&w);
	}
	close(fd);
}

/* stdin, whole, as the durable file dir/name. */
static void
durable_write(const char *dir, const char *name)
{
	struct fl_wr w;
	uint8_t buf[4096];
	size_t n;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		fl_wr_raw(&w, buf, n);
	if (ferror(stdin) || w.err != 0)
		fl_diex(74, "stdin: cannot read it all");
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "cannot initialise libsodium");
	rc = fl_durable_write(fl_vfs_real(), dir, name, w.p, w.len);
	if (rc == FL_ESYS)
		fl_die(74, "%s/%s", dir, name);
	if (rc != 0)
		fl_diex(74, "%s/%s: %s", dir, name, fl_strerror(rc));
	fl_wr_free(&w);
}

/* ---- plog-check ---- */

struct served {
	struct fl_blake2b_state st;
	struct fl_wr w;
	uint64_t records;
};

/* Check one batch served at offset *off and digest its records. */
static int
serve_batch(struct served *sv, const uint8_t *p, size_t n, uint64_t *off,
    char *why, size_t whylen)
{
	struct fl_segtool_item it;
	struct fl_record_iter ri;
	struct fl_record rec;
	struct fl_batch_hdr h;
	struct fl_err err = { 0, "" };
	int rc;

	if (fl_batch_check(p, n, FL_BATCH_CHECK_RECORDS, &h, &err) != 0) {
		snprintf(why, whylen, "a bad batch was served: %s", err.msg);
		return -1;
	}
	if (h.base_offset < 0 || (uint64_t)h.base_offset != *off) {
		snprintf(why, whylen, "a batch of offset %" PRId64 " was served for %"
		    PRIu64, h.base_offset, *off);
		return -1;
	}
	memset(&it, 0, sizeof(it));
	it.hdr = &h;
	it.batch = p;
	it.batch_len = n;
	if (fl_record_iter_init(&ri, p, n) != 0) {	/* compressed: whole */
		it.timestamp = h.max_ts;
		fl_wr_reset(&sv->w);
		fl_segtool_digest_encode(&sv->w, &it);
		fl_blake2b_update(&sv->st, sv->w.p, sv->w.len);
	} else {
		while ((rc = fl_record_next(&ri, &rec)) == 1) {
			it.rec = &rec;
			it.timestamp = (h.attributes & FL_BATCH_ATTR_LOG_APPEND_TIME) ?
			    h.max_ts : rec.timestamp;
			fl_wr_reset(&sv->w);
			fl_segtool_digest_encode(&sv->w, &it);
			fl_blake2b_update(&sv->st, sv->w.p, sv->w.len);
			sv->records++;
		}
	}
	*off = (uint64_t)fl_batch_last_offset(&h) + 1;
	return 0;
}

/* Read [log_start, log_end) span by span; the first offset not served right. */
static uint64_t
serve_all(struct fl_plog *l, struct served *sv, char *why, size_t whylen)
{
	static const uint64_t max_bytes[] = { 1, 4096, 65536, 1u << 20 };
	uint64_t off = l->log_start;
	size_t turn = 0;

	while (off < l->log_end) {
		struct fl_plog_span sp;
		uint8_t *buf;
		uint64_t pos = 0, at = off;
		int rc = fl_plog_read(l, off, UINT64_MAX, max_bytes[turn++ % 4], &sp);

		if (rc != 0) {
			snprintf(why, whylen, "fl_plog_read: %s", fl_strerror(rc));
			return off;
		}
		if (sp.first_offset != off || sp.next_offset <= off || sp.len == 0 ||
		    sp.len > (256u << 20)) {
			snprintf(why, whylen, "a span of offsets %" PRIu64 "..%" PRIu64
			    " (%" PRIu64 " bytes) for %" PRIu64, sp.first_offset,
			    sp.next_offset, sp.len, off);
			return off;
		}
		if ((buf = malloc((size_t)sp.len)) == NULL)
			fl_diex(71, "out of memory");
		if (fl_vfs_pread_full(sp.file, buf, (size_t)sp.len, sp.pos) != 0) {
			snprintf(why, whylen, "the span cannot be read: %s", strerror(errno));
			free(buf);
			return off;
		}
		while (pos < sp.len) {
			uint64_t total;

			if (fl_batch_peek_size(buf + pos, (size_t)(sp.len - pos), &total) != 0 ||
			    total > sp.len - pos) {
				snprintf(why, whylen, "a torn batch was served");
				free(buf);
				return at;
			}
			if (serve_batch(sv, buf + pos, (size_t)total, &at, why, whylen) != 0) {
				free(buf);
				return at;
			}
			pos += total;
		}
		free(buf);
		if (at != sp.next_offset) {
			snprintf(why, whylen, "the span says it ends at %" PRIu64 ", its "
			    "batches at %" PRIu64, sp.next_offset, at);
			return at;
		}
		off = at;
	}
	return off;
}

static int
plog_check(int argc, char **argv)
{
	unsigned flags = FL_PLOG_READONLY;
	struct fl_err err = { 0, "" };
	struct fl_plog l;
	struct served sv;
	uint8_t sum[FL_BLAKE2B_BYTES];
	char why[256] = "", hex[2 * FL_BLAKE2B_BYTES + 1];
	uint64_t end;
	int i, rc;

	for (i = 2; i < argc - 1; i++) {
		if (strcmp(argv[i], "--verify") == 0)
			flags |= FL_PLOG_VERIFY;
		else if (strcmp(argv[i], "--write") == 0)
			flags &= ~(unsigned)FL_PLOG_READONLY;
		else
			fl_diex(64, "plog-check: unknown option %s", argv[i]);
	}
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "cannot initialise libsodium");
	rc = fl_plog_open(&l, fl_vfs_real(), argv[argc - 1], NULL, flags, 0, NULL, &err);
	if (rc != 0) {
		int ex = rc == FL_ECORRUPT ? 65 : rc != FL_ESYS ? 70 :
		    errno == EMFILE || errno == ENFILE || errno == ENOMEM ? 71 : 74;

		printf("refused\t%s\t%s\n", fl_strerror(rc), err.msg);
		return ex;
	}
	fl_blake2b_init(&sv.st);
	fl_wr_init(&sv.w, FL_BATCH_BYTES_MAX + 64);
	sv.records = 0;
	end = serve_all(&l, &sv, why, sizeof(why));
	fl_blake2b_final(&sv.st, sum);
	fl_hex(hex, sum, sizeof(sum));
	if (end == l.log_end)
		printf("ok\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%s\n", l.log_start,
		    end, sv.records, hex);
	else
		printf("stopped\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%s\t%s\n",
		    l.log_start, end, sv.records, hex, why);
	rc = end == l.log_end ? 0 : 70;
	fl_wr_free(&sv.w);
	fl_plog_close(&l);
	return rc;
}

/* ---- damage ---- */

struct part {
	char dir[4096];
	uint64_t bases[4096];
	uint64_t sizes[4096];
	size_t nseg;
};

static void
seg_name(const struct part *p, size_t k, const char *ext, char *buf, size_t n)
{
	if (fl_plog_seg_path(buf, n, p->dir, p->bases[k], ext) != 0)
		fl_diex(EX_SOFTWARE, "%s: path too long", p->dir);
}

static void
part_load(struct part *p, const char *dir)
{
	char **names, path[4200];
	size_t n, i;
	int rc;

	memset(p, 0, sizeof(*p));
	snprintf(p->dir, sizeof(p->dir), "%s", dir);
	if ((rc = fl_vfs_list(fl_vfs_real(), dir, &names, &n)) != 0)
		fl_die(74, "%s", dir);
	for (i = 0; i < n && p->nseg < FL_ARRAY_LEN(p->bases); i++) {
		uint64_t b;
		const char *ext;

		if (fl_plog_parse_name(names[i], &b, &ext) == 0 && strcmp(ext, ".log") == 0)
			p->bases[p->nseg++] = b;	/* the listing is sorted */
	}
	fl_vfs_list_free(names, n);
	if (p->nseg == 0)
		fl_diex(66, "%s: no segment", dir);
	for (i = 0; i < p->nseg; i++) {
		seg_name(p, i, ".log", path, sizeof(path));
		if (fl_vfs_stat(fl_vfs_real(), path, NULL, &p->sizes[i]) != 0)
			fl_die(74, "%s", path);
	}
}

/*
 * The base offset of the batch of segment k holding byte pos (pos == the
 * size: the offset after its last batch), from the headers of the sound
 * file, before any damage.
 */
static uint64_t
offset_at(const struct part *p, size_t k, uint64_t pos)
{
	char path[4200];
	struct fl_file *f;
	uint64_t at = 0, off = p->bases[k];

	seg_name(p, k, ".log", path, sizeof(path));
	if (fl_vfs_open(fl_vfs_real(), path, FL_VFS_RDONLY, &f) != 0)
		fl_die(74, "%s", path);
	while (at < p->sizes[k]) {
		uint8_t hb[FL_BATCH_HDR_BYTES];
		struct fl_batch_hdr h;

		if (fl_vfs_pread_full(f, hb, sizeof(hb), at) != 0 ||
		    fl_batch_hdr_parse(hb, sizeof(hb), &h) != 0)
			fl_diex(65, "%s: not sound before the damage", path);
		if (pos < at + fl_batch_size(&h))
			break;
		at += fl_batch_size(&h);
		off = (uint64_t)fl_batch_last_offset(&h) + 1;
	}
	fl_vfs_close(f);
	return off;
}

static void
write_file(const char *path, const uint8_t *p, size_t n, uint64_t at, int is_new)
{
	struct fl_file *f;

	if (fl_vfs_open(fl_vfs_real(), path, FL_VFS_CREATE, &f) != 0 ||
	    (is_new && fl_vfs_truncate(f, 0) != 0) ||
	    (n > 0 && fl_vfs_pwrite(f, p, n, at) != 0))
		fl_die(74, "%s", path);
	fl_vfs_close(f);
}

static void
truncate_file(const char *path, uint64_t size)
{
	struct fl_file *f;

	if (fl_vfs_open(fl_vfs_real(), path, 0, &f) != 0 || fl_vfs_truncate(f, size) != 0)
		fl_die(74, "%s", path);
	fl_vfs_close(f);
}

static uint64_t
file_size(const char *path)
{
	uint64_t size = 0;
	int rc = fl_vfs_stat(fl_vfs_real(), path, NULL, &size);

	if (rc != 0 && rc != FL_ENOENT)
		fl_die(74, "%s", path);
	return size;
}

static uint8_t *
random_bytes(struct fl_rng *rng, size_t n)
{
	uint8_t *b = malloc(n ? n : 1);
	size_t i;

	if (b == NULL)
		fl_diex(71, "out of memory");
	for (i = 0; i < n; i++)
		b[i] = (uint8_t)fl_rng_next(rng);
	return b;
}

/* Flip 1 to 3 bits of the byte at pos. */
static void
flip_bits(const char *path, uint64_t pos, struct fl_rng *rng)
{
	struct fl_file *f;
	uint8_t b, mask = 0;
	int i, n = 1 + (int)fl_rng_below(rng, 3);

	if (fl_vfs_open(fl_vfs_real(), path, 0, &f) != 0 ||
	    fl_vfs_pread_full(f, &b, 1, pos) != 0)
		fl_die(74, "%s", path);
	for (i = 0; i < n; i++)
		mask |= (uint8_t)(1u << fl_rng_below(rng, 8));	/* never 0 */
	b ^= mask;
	if (fl_vfs_pwrite(f, &b, 1, pos) != 0)
		fl_die(74, "%s", path);
	fl_vfs_close(f);
}

enum damage_kind {
	D_FLIP, D_TRUNCATE, D_ZERO, D_REMOVE, D_EMPTY, D_INDEX_GARBAGE, D_INDEX_TORN,
	D_INDEX_HUGE, D_INDEX_FLIP, D_EPOCHS_GARBAGE, D_EPOCHS_TEXT, D_KINDS
};

static const char *const damage_names[] = {
	"flip", "truncate", "zero", "remove", "empty", "index-garbage", "index-torn",
	"index-oversized", "index-flip", "epochs-garbage", "epochs-text",
};

static void
damage(const char *dir, uint64_t seed)
{
	static struct part p;
	struct fl_rng rng;
	uint64_t end, pos = 0, lost;
	char path[4200];
	const char *ext;
	enum damage_kind kind;
	size_t k;

	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "cannot initialise libsodium");
	fl_rng_seed(&rng, seed);
	part_load(&p, dir);
	end = offset_at(&p, p.nseg - 1, p.sizes[p.nseg - 1]);
	/* log damage is the common case: it is where the records are */
	kind = (enum damage_kind)fl_rng_below(&rng, D_KINDS + 6);
	if (kind >= D_KINDS)
		kind = (enum damage_kind)((kind - D_KINDS) % 3);	/* flip, truncate, zero */
	k = (size_t)fl_rng_below(&rng, p.nseg);
	ext = fl_rng_below(&rng, 2) ? ".index" : ".timeindex";
	seg_name(&p, k, ".log", path, sizeof(path));
	lost = end;
	switch (kind) {
	case D_FLIP:
	case D_TRUNCATE:
	case D_ZERO:
		if (p.sizes[k] == 0)
			fl_diex(EX_SOFTWARE, "%s: empty", path);
		pos = fl_rng_below(&rng, p.sizes[k]);
		lost = offset_at(&p, k, pos);
		if (kind == D_FLIP) {
			flip_bits(path, pos, &rng);
		} else if (kind == D_TRUNCATE) {
			truncate_file(path, pos);
		} else {
			size_t n = 1 + (size_t)fl_rng_below(&rng, 4096);
			uint8_t *z;

			if (n > p.sizes[k] - pos)
				n = (size_t)(p.sizes[k] - pos);
			z = calloc(1, n);
			if (z == NULL)
				fl_diex(71, "out of memory");
			write_file(path, z, n, pos, 0);
			free(z);
		}
		break;
	case D_REMOVE:
	case D_EMPTY:
		lost = p.bases[k];
		if (kind == D_EMPTY) {
			truncate_file(path, 0);
			break;
		}
		if (fl_vfs_unlink(fl_vfs_real(), path) != 0)
			fl_die(74, "%s", path);
		seg_name(&p, k, ".index", path, sizeof(path));
		(void)fl_vfs_unlink(fl_vfs_real(), path);
		seg_name(&p, k, ".timeindex", path, sizeof(path));
		(void)fl_vfs_unlink(fl_vfs_real(), path);
		seg_name(&p, k, ".log", path, sizeof(path));
		break;
	case D_INDEX_GARBAGE:
	case D_INDEX_TORN:
	case D_INDEX_HUGE:
	case D_INDEX_FLIP: {
		uint64_t isize, n;
		uint8_t *b;

		seg_name(&p, k, ext, path, sizeof(path));
		isize = file_size(path);
		if (kind == D_INDEX_FLIP && isize > 0) {
			pos = fl_rng_below(&rng, isize);
			flip_bits(path, pos, &rng);
			break;
		}
		/* a torn index of whole entries only, or a flip in an empty one: garbage */
		n = kind == D_INDEX_TORN ? 1 + fl_rng_below(&rng, 7) :
		    kind == D_INDEX_HUGE ? p.sizes[k] + (1u << 20) + fl_rng_below(&rng, 4096) :
		    1 + fl_rng_below(&rng, 2 * isize + 64);
		pos = kind == D_INDEX_TORN ? isize : 0;
		b = random_bytes(&rng, (size_t)n);
		write_file(path, b, (size_t)n, pos, kind != D_INDEX_TORN);
		free(b);
		break;
	}
	case D_EPOCHS_GARBAGE:
	case D_EPOCHS_TEXT: {
		static const char *const texts[] = {
			"0\n2\n0 0\n0 5\n", "0\n1\n0 -1\n", "0\n3\n0 0\n", "1\n0\n",
			"0\n1\n0 0\n\n", "0\n1\n+0 0\n", "",
		};
		size_t n = 1 + (size_t)fl_rng_below(&rng, 200);
		uint8_t *b = random_bytes(&rng, n);

		snprintf(path, sizeof(path), "%s/leader-epoch-checkpoint", dir);
		if (kind == D_EPOCHS_GARBAGE) {
			write_file(path, b, n, 0, 1);	/* no valid trailer */
		} else {
			const char *t = texts[fl_rng_below(&rng, FL_ARRAY_LEN(texts))];
			const void *data = t;
			size_t len = strlen(t);

			if (len == 0) {		/* random bytes with a good trailer */
				data = b;
				len = n;
			}
			if (fl_durable_write(fl_vfs_real(), dir, "leader-epoch-checkpoint",
			    data, len) != 0)
				fl_die(74, "%s", path);
		}
		free(b);
		break;
	}
	case D_KINDS:
		break;
	}
	printf("%s\t%s\t%" PRIu64 "\t%" PRIu64 "\n", damage_names[kind], path, pos, lost);
}

/* ---- fake-leader ---- */

enum fake_mode { FAKE_GOOD, FAKE_BAD_CRC, FAKE_GAP, FAKE_FENCED };

static void
on_term(int sig)
{
	(void)sig;
	_exit(0);
}

/* One whole frame from fd into *buf (grown); 0 at EOF, else its payload length. */
static size_t
fake_read_frame(int fd, uint8_t **buf, size_t *cap)
{
	uint8_t hdr[4];
	size_t size, got = 0;

	while (got < 4) {
		ssize_t r = read(fd, hdr + got, 4 - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	if (fl_kp_frame_size(hdr, 4, 1u << 20, &size) != 0 || size == 0)
		return 0;
	if (size > *cap) {
		uint8_t *nb = realloc(*buf, size);

		if (nb == NULL)
			fl_diex(71, "out of memory");
		*buf = nb;
		*cap = size;
	}
	for (got = 0; got < size;) {
		ssize_t r = read(fd, *buf + got, size - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return size;
}

/* 3 records at `base`, spoilt per mode, into w. */
static void
fake_batch(struct fl_wr *w, int64_t base, enum fake_mode mode)
{
	struct fl_batch_builder bb;
	size_t start = w->len;
	int i;

	fl_batch_begin(&bb, w, 1700000000000, -1, -1, -1, 0);
	for (i = 0; i < 3; i++) {
		struct fl_slice v = { (const uint8_t *)"fake", 4 };

		fl_batch_add(&bb, 1700000000000 + i, NULL, &v, NULL, 0);
	}
	if (fl_batch_end(&bb) != 0)
		fl_diex(70, "batch");
	fl_batch_set_base(w->p + start, mode == FAKE_GAP ? base + 5 : base, 0);
	if (mode == FAKE_BAD_CRC)
		w->p[w->len - 1] ^= 0x20;	/* the last record's value */
}

static void
fake_fetch(struct fl_wr *out, const struct fl_kp_req *req, enum fake_mode mode)
{
	const struct fl_kp_fetch_req *f = &req->u.fetch;
	struct fl_kp_fetch_enc e;
	size_t i, j;

	fl_kp_fetch_resp_begin(&e, out, req->hdr.api_version, req->hdr.correlation_id, 0, 0, 0);
	for (i = 0; i < f->ntopics; i++) {
		fl_kp_fetch_resp_topic(&e, f->topics[i].name);
		for (j = 0; j < f->topics[i].nparts; j++) {
			const struct fl_kp_fetch_part *q = &f->topics[i].parts[j];
			struct fl_kp_fetch_part_resp pr;
			struct fl_wr b;

			fprintf(stderr, "fetch %.*s %d %lld\n", (int)f->topics[i].name.len,
			    (const char *)f->topics[i].name.p, (int)q->partition,
			    (long long)q->fetch_offset);
			fl_wr_init(&b, 1 << 20);
			if (mode != FAKE_FENCED)
				fake_batch(&b, q->fetch_offset, mode);
			memset(&pr, 0, sizeof(pr));
			pr.index = q->partition;
			pr.error = mode == FAKE_FENCED ? FL_KERR_FENCED_LEADER_EPOCH : 0;
			pr.high_watermark = q->fetch_offset + 3;
			pr.last_stable_offset = pr.high_watermark;
			pr.log_start_offset = 0;
			pr.preferred_read_replica = -1;
			fl_kp_fetch_resp_partition_inline(&e, &pr, b.p, b.len);
			fl_wr_free(&b);
		}
	}
	if (fl_kp_fetch_resp_end(&e, NULL) != 0)
		fl_diex(70, "fetch response");
}

static void
fake_ofle(struct fl_wr *out, const struct fl_kp_req *req, enum fake_mode mode)
{
	const struct fl_kp_ofle_req *o = &req->u.ofle;
	struct fl_kp_ofle_topic_resp tr[64];
	struct fl_kp_ofle_part_resp pr[64];
	struct fl_kp_ofle_resp resp;
	size_t i, j, np = 0;

	memset(&resp, 0, sizeof(resp));
	for (i = 0; i < o->ntopics && i < 64; i++) {
		tr[i].name = o->topics[i].name;
		tr[i].parts = &pr[np];
		tr[i].nparts = 0;
		for (j = 0; j < o->topics[i].nparts && np < 64; j++, np++) {
			pr[np].error = mode == FAKE_FENCED ? FL_KERR_FENCED_LEADER_EPOCH : 0;
			pr[np].partition = o->topics[i].parts[j].partition;
			pr[np].leader_epoch = 0;
			pr[np].end_offset = 0;
			tr[i].nparts++;
		}
	}
	resp.topics = tr;
	resp.ntopics = i;
	if (fl_kp_ofle_resp_encode(out, req->hdr.api_version, req->hdr.correlation_id,
	    &resp) != 0)
		fl_diex(70, "OffsetForLeaderEpoch response");
}

static void
fake_leader(const char *mode_name)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	enum fake_mode mode;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int lfd, one = 1;

	if (strcmp(mode_name, "good") == 0)
		mode = FAKE_GOOD;
	else if (strcmp(mode_name, "bad-crc") == 0)
		mode = FAKE_BAD_CRC;
	else if (strcmp(mode_name, "gap") == 0)
		mode = FAKE_GAP;
	else if (strcmp(mode_name, "fenced") == 0)
		mode = FAKE_FENCED;
	else
		fl_diex(64, "fake-leader: MODE is good, bad-crc, gap or fenced");
	signal(SIGTERM, on_term);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	(void)setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(lfd, 8) != 0 || getsockname(lfd, (struct sockaddr *)&sa, &len) != 0)
		fl_die(71, "listen");
	printf("127.0.0.1:%u\n", (unsigned)ntohs(sa.sin_port));
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);
		size_t n;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fl_die(71, "accept");
		}
		while ((n = fake_read_frame(fd, &buf, &cap)) > 0) {
			struct fl_kp_req req;
			struct fl_wr out;

			fl_wr_init(&out, 4u << 20);
			if (fl_kp_req_decode(&req, buf, n, FL_KP_FEAT_CORE) != 0) {
				fl_wr_free(&out);
				break;
			}
			if (req.hdr.kind == FL_KP_REQ_APIVERSIONS_TOO_NEW)
				fl_kp_apiversions_fallback(&out, req.hdr.correlation_id);
			else if (req.hdr.kind != FL_KP_REQ_OK)
				;
			else if (req.hdr.api_key == FL_KP_API_VERSIONS)
				fl_kp_apiversions_resp_encode(&out, req.hdr.api_version,
				    req.hdr.correlation_id, 0, 0, FL_KP_FEAT_CORE);
			else if (req.hdr.api_key == FL_KP_OFFSET_FOR_LEADER_EPOCH)
				fake_ofle(&out, &req, mode);
			else if (req.hdr.api_key == FL_KP_FETCH)
				fake_fetch(&out, &req, mode);
			fl_kp_req_free(&req);
			if (out.len == 0) {
				fl_wr_free(&out);
				break;		/* what a leader does not answer: hang up */
			}
			n = send(fd, out.p, out.len, MSG_NOSIGNAL);	/* small: one send */
			fl_wr_free(&out);
			if (n == (size_t)-1)
				break;		/* the follower went: wait for the next */
		}
		close(fd);
	}
}

int
main(int argc, char **argv)
{
	fl_diag_init(argv[0]);
	if (argc >= 3 && strcmp(argv[1], "plog-check") == 0)
		return plog_check(argc, argv);
	if (argc == 4 && strcmp(argv[1], "damage") == 0) {
		damage(argv[2], strtoull(argv[3], NULL, 10));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "durable-write") == 0) {
		durable_write(argv[2], argv[3]);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "commit-loop") == 0) {
		commit_loop(argv[2], argv[3], argv[4], strtol(argv[5], NULL, 10));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "fake-leader") == 0) {
		fake_leader(argv[2]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "group-abuse") == 0) {
		group_abuse(argv[2], argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: flume-test-tool group-abuse HOST:PORT TOPIC\n"
	    "       flume-test-tool commit-loop HOST:PORT GROUP TOPIC N\n"
	    "       flume-test-tool durable-write DIR NAME\n"
	    "       flume-test-tool plog-check [--verify] [--write] DIR\n"
	    "       flume-test-tool damage DIR SEED\n"
	    "       flume-test-tool fake-leader good|bad-crc|gap|fenced\n");
	return 64;
}
