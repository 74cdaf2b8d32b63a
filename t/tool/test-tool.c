/*
 * flume-test-tool: what shell tests need that no real program should do,
 * like git's t/helper/test-tool.  Not installed.
 *
 *   flume-test-tool group-abuse HOST:PORT TOPIC
 *       sends malformed or hostile group requests, one per line of output:
 *       "case<TAB>error code" (for fetch-unknown-group: the offset).
 *   flume-test-tool raw HOST:PORT
 *       one connection; each stdin line is a request payload in hex
 *       (header and body, spaces ignored; empty lines and #-lines skipped),
 *       sent with its size prefix; the response payload (correlation id
 *       first) is printed in hex on its own line.  For versions no client
 *       of ours speaks.  Exit 76 when the broker closes the connection.
 *   flume-test-tool commit-loop HOST:PORT GROUP TOPIC N
 *       N standalone OffsetCommits, one at a time: commit i stores offset i
 *       for partition i % 4 (with a little metadata); exits 0 once all
 *       were acknowledged.
 *   flume-test-tool produce-timed HOST:PORT TOPIC BATCHES RECORDS INTERVAL_MS
 *       a paced load generator that times itself: BATCHES Produce requests
 *       (v7, acks -1) of RECORDS records ("1", "2", ...) to TOPIC partition
 *       0 (which must exist), one every INTERVAL_MS, each awaited and timed
 *       from sending it to its whole answer read (CLOCK_MONOTONIC); prints
 *       "records N", "sends_timed N", "send_p50_ms X", "send_p90_ms X"
 *       (nearest-rank quantiles), one per line.
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
 *       TOPIC PART OFFSET".  Metadata gets this one broker (node 1) and no
 *       topics.  Runs until SIGTERM (exit 0).
 *   flume-test-tool fake-leader MODE --sasl-plain USER PASSWORD-FILE
 *       the same behind a SASL PLAIN gate, as a SASL listener: ApiVersions
 *       lists SaslHandshake and SaslAuthenticate; before a connection has
 *       authenticated, anything but those three closes it.  SaslHandshake
 *       (v1, or v0 followed by one raw size-prefixed token, answered with
 *       a raw empty one) takes "PLAIN" only (else 33 listing PLAIN, and
 *       close); a second one is 34 and close.  The token must be
 *       "[USER]\0USER\0PASSWORD", PASSWORD the first line of PASSWORD-FILE
 *       read anew for each token (so a test can rotate it); else 58
 *       "Authentication failed: Invalid username or password" and close.
 *       A SaslAuthenticate before the handshake is 34 and close.  Logs
 *       "sasl ok USER" or "sasl refused USER" on stderr.
 *   flume-test-tool sasl-abuse HOST:PORT USER PASSWORD
 *       hostile SASL cases against a SASL listener that knows USER with
 *       PASSWORD for SCRAM-SHA-256, SCRAM-SHA-512 and PLAIN, each on a fresh
 *       connection (blocking, 5 s receive and send timeouts), one line
 *       each: "NAME<TAB>RESULT", RESULT being the Kafka error code the
 *       broker answered the case's last request with, plus " closed" when
 *       it then closed the connection; "closed" when it closed without an
 *       answer; "timeout" when nothing came for 5 s; "answered" when a
 *       request with no error code (Metadata, or a frame it should not
 *       have read) was answered; "garbage" for an answer that does not
 *       decode; "ok" when a case meant to succeed did.  Cases
 *       (SCRAM-SHA-256 unless said; expected results in brackets):
 *         before-auth            Metadata v1 first [closed]
 *         wrong-password         [58 closed]
 *         unknown-user           user nobody-PID [58 closed]
 *         truncated-first        client-first cut where its nonce
 *                                begins [58 closed]
 *         replayed-first         client-first sent again in place of
 *                                client-final [58 closed]
 *         replayed-final         an exchange completed on one connection;
 *                                its client-final sent in a new exchange on
 *                                another [58 closed]; "no-first-exchange"
 *                                when the first one did not complete
 *         tampered-proof         one bit of the proof flipped [58 closed]
 *         oversized-token        5000 bytes of AuthBytes [58 closed]
 *         oversized-frame        a 600 KiB frame first [closed]
 *         handshake-twice        [34 closed]
 *         auth-before-handshake  [34 closed]
 *         unknown-mechanism      "GSSAPI" [33 closed], then a line
 *                                "mechanisms<TAB>A,B,C": what it listed
 *         good-256, good-512, good-plain
 *                                authenticate, then Metadata v1 [ok]
 *         plain-v0               SaslHandshake v0, a raw PLAIN token, a raw
 *                                empty token back, then Metadata v1 [ok]
 *       Exit 0 once every case printed its line (whatever the results);
 *       69 if the broker cannot be reached at all.
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
#include <sys/time.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "base/csum.h"
#include "base/rd.h"
#include "base/rng.h"
#include "codec/batch.h"
#include "codec/kclient.h"
#include "codec/kproto.h"
#include "os/diag.h"
#include "os/entropy.h"
#include "os/secret.h"
#include "os/vfs_real.h"
#include "sm/sasl.h"
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

static void
raw(const char *addr)
{
	char line[65536];
	int fd = dial(addr);
	struct fl_wr w;

	fl_wr_init(&w, sizeof(line));
	while (fgets(line, sizeof(line), stdin) != NULL) {
		uint8_t *resp;
		size_t i, n;
		int hi = -1;

		if (line[0] == '#')
			continue;
		fl_wr_reset(&w);
		fl_wr_i32(&w, 0);
		for (i = 0; line[i] != '\0'; i++) {
			int v;

			if (line[i] >= '0' && line[i] <= '9')
				v = line[i] - '0';
			else if (line[i] >= 'a' && line[i] <= 'f')
				v = line[i] - 'a' + 10;
			else if (line[i] >= 'A' && line[i] <= 'F')
				v = line[i] - 'A' + 10;
			else
				continue;
			if (hi < 0) {
				hi = v;
			} else {
				fl_wr_i8(&w, (int8_t)(hi << 4 | v));
				hi = -1;
			}
		}
		if (w.len == 4)
			continue;
		if (hi >= 0)
			fl_diex(64, "odd number of hex digits");
		fl_wr_patch_i32(&w, 0, (int32_t)(w.len - 4));
		n = roundtrip(fd, &w, &resp);
		for (i = 0; i < n; i++)
			printf("%02x", resp[i]);
		printf("\n");
		fflush(stdout);
		free(resp);
	}
	fl_wr_free(&w);
	close(fd);
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

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * produce-timed: BATCHES Produce requests (v7, acks -1) of RECORDS records
 * each to TOPIC partition 0, one every INTERVAL_MS, each awaited and timed
 * from the first byte sent to the whole answer read (CLOCK_MONOTONIC).
 */
static void
produce_timed(const char *addr, const char *topic, long batches, long records,
    long interval_ms)
{
	int fd = dial(addr);
	uint64_t *us = calloc((size_t)batches + 1, sizeof(*us));
	long i, k, n = 0;

	if (us == NULL || batches < 1 || records < 1 || interval_ms < 0)
		fl_diex(64, "produce-timed: bad counts");
	for (i = 0; i < batches; i++) {
		struct fl_kc_hdr h = { 7, (int32_t)(i + 1), "test-tool" };
		struct fl_batch_builder bb;
		struct fl_wr bw, w;
		struct fl_kc_produce_part part;
		struct fl_kc_produce_topic t;
		struct fl_kc_produce_req req;
		struct fl_kc_produce_resp resp;
		struct fl_arena a = FL_KC_ARENA_INIT;
		struct timespec t0, t1;
		char val[32];
		uint8_t *p;
		size_t len;

		fl_wr_init(&bw, 1 << 20);
		fl_batch_begin(&bb, &bw, 0, -1, -1, -1, 0);
		for (k = 0; k < records; k++) {
			struct fl_slice v;

			v.len = (size_t)snprintf(val, sizeof(val), "%ld", ++n);
			v.p = (const uint8_t *)val;
			fl_batch_add(&bb, 0, NULL, &v, NULL, 0);
		}
		if (fl_batch_end(&bb) != 0)
			fl_diex(70, "cannot build a batch");
		part.index = 0;
		part.records.p = bw.p;
		part.records.len = bw.len;
		t.name = topic;
		t.parts = &part;
		t.nparts = 1;
		req.transactional_id = NULL;
		req.acks = -1;
		req.timeout_ms = 30000;
		req.topics = &t;
		req.ntopics = 1;
		fl_wr_init(&w, 2 << 20);
		if (fl_kc_produce_req_encode(&w, &h, &req) != 0)
			fl_diex(70, "cannot encode Produce");
		clock_gettime(CLOCK_MONOTONIC, &t0);
		len = roundtrip(fd, &w, &p);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (fl_kc_produce_resp_decode(p, len, 7, &a, &resp) != 0 || resp.ntopics != 1 ||
		    resp.topics[0].nparts != 1 || resp.topics[0].parts[0].error != 0)
			fl_diex(76, "Produce %ld failed", i + 1);
		us[i] = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000LL +
		    (t1.tv_nsec - t0.tv_nsec)) / 1000;
		fl_arena_free(&a);
		free(p);
		fl_wr_free(&w);
		fl_wr_free(&bw);
		if (interval_ms > 0 && (int64_t)us[i] < interval_ms * 1000) {
			struct timespec d;
			int64_t left = interval_ms * 1000 - (int64_t)us[i];

			d.tv_sec = left / 1000000;
			d.tv_nsec = (left % 1000000) * 1000;
			nanosleep(&d, NULL);
		}
	}
	close(fd);
	qsort(us, (size_t)batches, sizeof(*us), cmp_u64);
	/* nearest rank */
	printf("records %ld\nsends_timed %ld\nsend_p50_ms %.3f\nsend_p90_ms %.3f\n", n,
	    batches, (double)us[(batches + 1) / 2 - 1] / 1000.0,
	    (double)us[(9 * batches + 9) / 10 - 1] / 1000.0);
	free(us);
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

/* The SASL PLAIN gate of one connection (fake-leader --sasl-plain). */
struct fake_sasl {
	const char *user;		/* NULL: no gate */
	const char *pw_file;
	int state;			/* 0 handshake due, 1 token due, 2 in */
};

/* PLAIN's token against USER and the file's password: 1 if it matches. */
static int
fake_plain_ok(const struct fake_sasl *g, const uint8_t *p, size_t n)
{
	char pw[FL_SASL_PASSWORD_MAX + 1], want[2 * FL_SASL_PASSWORD_MAX + 8];
	size_t ul = strlen(g->user), pl, az;
	int ok;

	if (fl_secret_read_line(g->pw_file, pw, sizeof(pw), NULL) != 0)
		return 0;
	pl = strlen(pw);
	/* authzid: empty or the user itself */
	az = n > 0 && p[0] == '\0' ? 0 : ul;
	memcpy(want, g->user, az);
	want[az] = '\0';
	memcpy(want + az + 1, g->user, ul);
	want[az + 1 + ul] = '\0';
	memcpy(want + az + 2 + ul, pw, pl);
	ok = n == az + 2 + ul + pl && memcmp(p, want, n) == 0;
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(want, sizeof(want));
	return ok;
}

/* Read exactly n bytes; 0 at EOF or error. */
static int
fake_read_n(int fd, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = read(fd, p + got, n - got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return 0;
		got += (size_t)r;
	}
	return 1;
}

/*
 * A request while the gate is shut (or a SASL one at any time): answer it
 * into out.  0 to go on, -1 to close (after sending out, if non-empty).
 */
static int
fake_gate(struct fake_sasl *g, int fd, const struct fl_kp_req *req, struct fl_wr *out)
{
	static const struct fl_slice plain = { (const uint8_t *)"PLAIN", 5 };
	int16_t key = req->hdr.api_key, v = req->hdr.api_version;
	int32_t corr = req->hdr.correlation_id;

	if (key == FL_KP_SASL_HANDSHAKE) {
		struct fl_kp_sasl_handshake_resp r = { 0, &plain, 1 };
		const struct fl_slice *m = &req->u.sasl_handshake.mechanism;

		if (g->state != 0)
			r.error = FL_KERR_ILLEGAL_SASL_STATE;
		else if (m->len != 5 || memcmp(m->p, "PLAIN", 5) != 0)
			r.error = FL_KERR_UNSUPPORTED_SASL_MECHANISM;
		(void)fl_kp_sasl_handshake_resp_encode(out, v, corr, &r);
		if (r.error != 0)
			return -1;
		g->state = 1;
		if (v == 0) {
			/* raw: the token follows, size-prefixed, outside Kafka framing */
			uint8_t pre[4], tok[FL_SASL_TOKEN_MAX];
			uint32_t n;
			int ok;

			(void)!send(fd, out->p, out->len, MSG_NOSIGNAL);
			fl_wr_reset(out);
			if (!fake_read_n(fd, pre, 4) || (n = fl_load_be32(pre)) > sizeof(tok) ||
			    !fake_read_n(fd, tok, n))
				return -1;
			ok = fake_plain_ok(g, tok, n);
			sodium_memzero(tok, sizeof(tok));
			fprintf(stderr, "sasl %s %s\n", ok ? "ok" : "refused", g->user);
			if (!ok)
				return -1;
			fl_store_be32(pre, 0);
			fl_wr_raw(out, pre, 4);
			g->state = 2;
		}
		return 0;
	}
	if (key == FL_KP_SASL_AUTHENTICATE) {
		struct fl_kp_sasl_authenticate_resp r;
		const struct fl_slice *t = &req->u.sasl_authenticate.auth_bytes;
		int ok = g->state == 1 && fake_plain_ok(g, t->p, t->len);

		memset(&r, 0, sizeof(r));
		if (g->state != 1) {
			r.error = FL_KERR_ILLEGAL_SASL_STATE;
		} else if (!ok) {
			r.error = FL_KERR_SASL_AUTHENTICATION_FAILED;
			r.error_message = fl_kp_str("Authentication failed: Invalid username "
			    "or password");
		}
		if (g->state == 1)
			fprintf(stderr, "sasl %s %s\n", ok ? "ok" : "refused", g->user);
		(void)fl_kp_sasl_authenticate_resp_encode(out, v, corr, &r);
		if (r.error != 0)
			return -1;
		g->state = 2;
		return 0;
	}
	return -1;			/* anything else before authenticating */
}

/* Metadata: this broker as node 1, no topics. */
static void
fake_metadata(struct fl_wr *out, const struct fl_kp_req *req, int port)
{
	struct fl_kp_broker b = { 1, fl_kp_str("127.0.0.1"), port, { NULL, 0 } };
	struct fl_kp_metadata_resp r;

	memset(&r, 0, sizeof(r));
	r.brokers = &b;
	r.nbrokers = 1;
	r.controller_id = 1;
	r.cluster_authorized_operations = INT32_MIN;
	if (fl_kp_metadata_resp_encode(out, req->hdr.api_version, req->hdr.correlation_id,
	    &r) != 0)
		fl_diex(70, "metadata response");
}

static void
fake_leader(const char *mode_name, const char *sasl_user, const char *sasl_pw_file)
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
		struct fake_sasl gate = { sasl_user, sasl_pw_file, 0 };
		unsigned feat = FL_KP_FEAT_CORE | (sasl_user != NULL ? FL_KP_FEAT_SASL : 0);
		size_t n;

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			fl_die(71, "accept");
		}
		if (sasl_user == NULL)
			gate.state = 2;
		while ((n = fake_read_frame(fd, &buf, &cap)) > 0) {
			struct fl_kp_req req;
			struct fl_wr out;
			int is_close = 0;

			fl_wr_init(&out, 4u << 20);
			if (fl_kp_req_decode(&req, buf, n, feat) != 0) {
				fl_wr_free(&out);
				break;
			}
			if (req.hdr.kind == FL_KP_REQ_APIVERSIONS_TOO_NEW)
				fl_kp_apiversions_fallback(&out, req.hdr.correlation_id);
			else if (req.hdr.kind != FL_KP_REQ_OK)
				;
			else if (req.hdr.api_key == FL_KP_API_VERSIONS)
				fl_kp_apiversions_resp_encode(&out, req.hdr.api_version,
				    req.hdr.correlation_id, 0, 0, feat);
			else if (sasl_user != NULL && (gate.state != 2 ||
			    req.hdr.api_key == FL_KP_SASL_HANDSHAKE ||
			    req.hdr.api_key == FL_KP_SASL_AUTHENTICATE))
				is_close = fake_gate(&gate, fd, &req, &out) != 0;
			else if (req.hdr.api_key == FL_KP_METADATA)
				fake_metadata(&out, &req, (int)ntohs(sa.sin_port));
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
			if (n == (size_t)-1 || is_close)
				break;		/* the follower went: wait for the next */
		}
		close(fd);
	}
}

/* ---- sasl-abuse ---- */

/* How one request ended. */
enum ab_kind { AB_ANSWER, AB_CLOSED, AB_TIMEOUT, AB_GARBAGE };

struct ab_conn {
	int fd;
	int32_t corr;
	uint8_t *resp;			/* the last answer's payload (malloc'ed) */
	size_t resp_len;
};

static void
ab_open(struct ab_conn *c, const char *addr)
{
	struct timeval tv = { 5, 0 };

	c->fd = dial(addr);
	c->corr = 0;
	c->resp = NULL;
	c->resp_len = 0;
	if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
	    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0)
		fl_die(71, "setsockopt");
}

static void
ab_close(struct ab_conn *c)
{
	close(c->fd);
	free(c->resp);
	c->resp = NULL;
}

/* Send p[0..n); -1 when the broker is gone (or stopped reading for 5 s). */
static int
ab_send(struct ab_conn *c, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n > 0) {
		ssize_t k = send(c->fd, b, n, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Receive exactly n bytes: AB_ANSWER, AB_CLOSED (EOF or reset), AB_TIMEOUT. */
static enum ab_kind
ab_recv_n(struct ab_conn *c, uint8_t *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t k = recv(c->fd, p + got, n - got, 0);

		if (k > 0) {
			got += (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return AB_TIMEOUT;
		return AB_CLOSED;
	}
	return AB_ANSWER;
}

/* One response frame for correlation id c->corr into c->resp. */
static enum ab_kind
ab_recv(struct ab_conn *c)
{
	uint8_t pre[4];
	size_t size;
	int32_t corr;
	enum ab_kind k;

	free(c->resp);
	c->resp = NULL;
	c->resp_len = 0;
	if ((k = ab_recv_n(c, pre, 4)) != AB_ANSWER)
		return k;
	if (fl_kc_frame_size(pre, 4, 1u << 20, &size) != 0)
		return AB_GARBAGE;
	if ((c->resp = malloc(size)) == NULL)
		fl_diex(71, "out of memory");
	if ((k = ab_recv_n(c, c->resp, size)) != AB_ANSWER)
		return k;
	c->resp_len = size;
	if (fl_kc_resp_corr(c->resp, size, &corr) != 0 || corr != c->corr)
		return AB_GARBAGE;
	return AB_ANSWER;
}

/* Send the frame in w (then freed), read the answer. */
static enum ab_kind
ab_call(struct ab_conn *c, struct fl_wr *w)
{
	int rc;

	if (w->err != 0)
		fl_diex(EX_SOFTWARE, "encoding failed: %s", fl_strerror(w->err));
	rc = ab_send(c, w->p, w->len);
	fl_wr_free(w);
	if (rc != 0) {
		/* a broker that hung up mid-send: what does it say now? */
		uint8_t b;

		return ab_recv_n(c, &b, 1) == AB_TIMEOUT ? AB_TIMEOUT : AB_CLOSED;
	}
	return ab_recv(c);
}

static struct fl_kc_hdr
ab_hdr(struct ab_conn *c, int16_t version)
{
	struct fl_kc_hdr h = { version, ++c->corr, "flume-test-tool" };

	return h;
}

/* The outcome of a case: how its last request ended, and its error code. */
struct ab_res {
	enum ab_kind kind;
	int16_t error;
	int is_done;			/* every step succeeded */
};

/* SaslHandshake at version v; on an answer, *mechs lists what it enables. */
static struct ab_res
ab_handshake(struct ab_conn *c, int16_t v, const char *mech, char *mechs, size_t cap)
{
	struct fl_kc_sasl_handshake_req req = { mech };
	struct fl_kc_sasl_handshake_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h = ab_hdr(c, v);
	struct ab_res res = { AB_ANSWER, 0, 0 };
	struct fl_wr w;
	size_t i, k = 0;

	fl_wr_init(&w, 1 << 20);
	(void)fl_kc_sasl_handshake_req_encode(&w, &h, &req);
	if ((res.kind = ab_call(c, &w)) != AB_ANSWER)
		return res;
	if (fl_kc_sasl_handshake_resp_decode(c->resp, c->resp_len, v, &a, &r) != 0) {
		fl_arena_free(&a);
		res.kind = AB_GARBAGE;
		return res;
	}
	res.error = r.error;
	if (mechs != NULL) {
		mechs[0] = '\0';
		for (i = 0; i < r.nmechanisms && k < cap; i++) {
			int n = snprintf(mechs + k, cap - k, "%s%.*s", i ? "," : "",
			    (int)r.mechanisms[i].len, (const char *)r.mechanisms[i].p);

			k += n > 0 ? (size_t)n : 0;
		}
	}
	fl_arena_free(&a);
	res.is_done = r.error == 0;
	return res;
}

/* SaslAuthenticate v1 with tok[0..n); the broker's token in *out (in c->resp). */
static struct ab_res
ab_auth(struct ab_conn *c, const uint8_t *tok, size_t n, struct fl_slice *out)
{
	struct fl_kc_sasl_authenticate_req req = { { tok, n } };
	struct fl_kc_sasl_authenticate_resp r;
	struct fl_kc_hdr h = ab_hdr(c, 1);
	struct ab_res res = { AB_ANSWER, 0, 0 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 20);
	(void)fl_kc_sasl_authenticate_req_encode(&w, &h, &req);
	if ((res.kind = ab_call(c, &w)) != AB_ANSWER)
		return res;
	if (fl_kc_sasl_authenticate_resp_decode(c->resp, c->resp_len, 1, &r) != 0) {
		res.kind = AB_GARBAGE;
		return res;
	}
	res.error = r.error;
	res.is_done = r.error == 0;
	if (out != NULL)
		*out = r.auth_bytes;
	return res;
}

/* Metadata v1 for all topics: answered (AB_ANSWER) or not. */
static struct ab_res
ab_metadata(struct ab_conn *c)
{
	struct fl_kc_metadata_req req = { NULL, 0, 0 };
	struct fl_kc_metadata_resp r;
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct fl_kc_hdr h = ab_hdr(c, 1);
	struct ab_res res = { AB_ANSWER, 0, 0 };
	struct fl_wr w;

	fl_wr_init(&w, 1 << 20);
	(void)fl_kc_metadata_req_encode(&w, &h, &req);
	if ((res.kind = ab_call(c, &w)) != AB_ANSWER)
		return res;
	if (fl_kc_metadata_resp_decode(c->resp, c->resp_len, 1, &a, &r) != 0)
		res.kind = AB_GARBAGE;
	fl_arena_free(&a);
	res.is_done = res.kind == AB_ANSWER;
	return res;
}

/* After an answer: did the broker close the connection (within 5 s)? */
static int
ab_is_closed(struct ab_conn *c)
{
	uint8_t b;

	return ab_recv_n(c, &b, 1) == AB_CLOSED;
}

/*
 * The case's line.  is_ok_case: print "ok" when res.is_done; has_code: the
 * last request carried an error code (else an answer prints "answered").
 */
static void
ab_print(const char *name, struct ab_conn *c, struct ab_res res, int is_ok_case,
    int has_code)
{
	if (is_ok_case && res.is_done) {
		printf("%s\tok\n", name);
	} else if (res.kind == AB_ANSWER) {
		int is_closed = ab_is_closed(c);

		if (has_code)
			printf("%s\t%d%s\n", name, (int)res.error, is_closed ? " closed" : "");
		else
			printf("%s\tanswered%s\n", name, is_closed ? " closed" : "");
	} else {
		printf("%s\t%s\n", name, res.kind == AB_CLOSED ? "closed" :
		    res.kind == AB_TIMEOUT ? "timeout" : "garbage");
	}
	fflush(stdout);
}

/* How scram_case spoils the exchange. */
enum ab_spoil {
	SPOIL_NONE,
	SPOIL_TRUNCATE_FIRST,		/* client-first cut before its nonce */
	SPOIL_REPLAY_FIRST,		/* client-first again, in place of client-final */
	SPOIL_TAMPER_PROOF,		/* one bit of the proof flipped */
	SPOIL_REPLACE_FINAL		/* another exchange's client-final instead */
};

/* Flip the lowest bit of the proof's first byte in client-final t[0..n). */
static void
tamper_proof(uint8_t *t, size_t n)
{
	uint8_t proof[FL_SCRAM_KEY_MAX];
	char b64[2 * FL_SCRAM_KEY_MAX];
	const char *p = NULL;
	size_t i, len, plen;

	for (i = 0; i + 3 <= n; i++)
		if (memcmp(t + i, ",p=", 3) == 0)
			p = (const char *)t + i + 3;
	if (p == NULL)
		fl_diex(70, "tampered-proof: no proof in the client-final");
	plen = n - (size_t)(p - (const char *)t);
	if (sodium_base642bin(proof, sizeof(proof), p, plen, NULL, &len, NULL,
	    sodium_base64_VARIANT_ORIGINAL) != 0)
		fl_diex(70, "tampered-proof: the proof is not base64");
	proof[0] ^= 1;
	sodium_bin2base64(b64, sizeof(b64), proof, len, sodium_base64_VARIANT_ORIGINAL);
	if (strlen(b64) != plen)
		fl_diex(70, "tampered-proof: re-encoded at another length");
	memcpy((char *)t + (n - plen), b64, plen);
}

/*
 * A whole exchange over c (handshake, then tokens through sm/sasl's client),
 * spoilt as asked.  final/final_len: SPOIL_REPLACE_FINAL's client-final to
 * send; with SPOIL_NONE and final non-NULL, the client-final sent is kept
 * there (cap FL_SASL_TOKEN_MAX).
 */
static struct ab_res
ab_exchange(struct ab_conn *c, enum fl_sasl_mech mech, const char *user, const char *pw,
    enum ab_spoil spoil, uint8_t *final, size_t *final_len)
{
	struct fl_sasl_cli cli;
	struct fl_err why = { 0, "" };
	uint8_t first[FL_SASL_TOKEN_MAX], tok[FL_SASL_TOKEN_MAX], rnd[18];
	char nonce[32];
	size_t first_len, n;
	struct fl_slice reply;
	struct ab_res res;
	int rc;

	res = ab_handshake(c, 1, fl_sasl_mech_name(mech), NULL, 0);
	if (!res.is_done)
		return res;
	if (fl_sasl_cli_init(&cli, mech, user, pw) != 0)
		fl_diex(64, "sasl-abuse: user or password too long");
	fl_random_bytes(rnd, sizeof(rnd));
	sodium_bin2base64(nonce, sizeof(nonce), rnd, sizeof(rnd),
	    sodium_base64_VARIANT_ORIGINAL);
	if (fl_sasl_cli_first(&cli, nonce, first, sizeof(first), &first_len) != 0)
		fl_diex(70, "sasl-abuse: no first token");
	n = first_len;
	if (spoil == SPOIL_TRUNCATE_FIRST) {
		/* cut where its nonce begins: "n,,n=USER" is no client-first (a
		 * cut inside the nonce would be a well-formed shorter one) */
		size_t k;

		for (k = 0; k + 3 <= first_len && memcmp(first + k, ",r=", 3) != 0; k++)
			;
		n = k + 3 <= first_len ? k : first_len / 2;
	}
	res = ab_auth(c, first, n, &reply);
	if (!res.is_done || mech == FL_SASL_PLAIN || spoil == SPOIL_TRUNCATE_FIRST) {
		res.is_done &= spoil != SPOIL_TRUNCATE_FIRST;
		goto out;
	}
	rc = fl_sasl_cli_step(&cli, reply.p, reply.len, tok, sizeof(tok), &n, &why);
	if (rc != FL_SASL_CONTINUE) {
		res.kind = AB_GARBAGE;		/* the server-first is not one */
		res.is_done = 0;
		goto out;
	}
	if (spoil == SPOIL_REPLAY_FIRST) {
		memcpy(tok, first, first_len);
		n = first_len;
	} else if (spoil == SPOIL_TAMPER_PROOF) {
		tamper_proof(tok, n);
	} else if (spoil == SPOIL_REPLACE_FINAL) {
		memcpy(tok, final, *final_len);
		n = *final_len;
	} else if (final != NULL) {
		memcpy(final, tok, n);
		*final_len = n;
	}
	res = ab_auth(c, tok, n, &reply);
	if (!res.is_done)
		goto out;
	rc = fl_sasl_cli_step(&cli, reply.p, reply.len, tok, sizeof(tok), &n, &why);
	if (rc != FL_SASL_DONE) {
		res.kind = AB_GARBAGE;		/* a server-final we do not believe */
		res.is_done = 0;
	}
out:
	fl_sasl_cli_wipe(&cli);
	sodium_memzero(first, sizeof(first));
	sodium_memzero(tok, sizeof(tok));
	return res;
}

/* One SCRAM or PLAIN case on a fresh connection. */
static void
ab_case(const char *name, const char *addr, enum fl_sasl_mech mech, const char *user,
    const char *pw, enum ab_spoil spoil, uint8_t *final, size_t *final_len, int is_ok_case)
{
	struct ab_conn c;
	struct ab_res res;
	int is_md = 0;

	ab_open(&c, addr);
	res = ab_exchange(&c, mech, user, pw, spoil, final, final_len);
	if (is_ok_case && res.is_done) {
		res = ab_metadata(&c);	/* and it serves us */
		is_md = 1;
	}
	ab_print(name, &c, res, is_ok_case, !is_md);
	ab_close(&c);
}

static void
sasl_abuse(const char *addr, const char *user, const char *pw)
{
	static uint8_t big[5000];
	uint8_t final[FL_SASL_TOKEN_MAX];
	size_t final_len = 0;
	char nobody[64], mechs[512], wrong[FL_SASL_PASSWORD_MAX + 8];
	struct ab_conn c;
	struct ab_res res;

	snprintf(nobody, sizeof(nobody), "nobody-%ld", (long)getpid());
	snprintf(wrong, sizeof(wrong), "%s-wrong", pw);

	ab_open(&c, addr);
	ab_print("before-auth", &c, ab_metadata(&c), 0, 0);
	ab_close(&c);

	ab_case("wrong-password", addr, FL_SASL_SCRAM_SHA256, user, wrong, SPOIL_NONE,
	    NULL, NULL, 0);
	ab_case("unknown-user", addr, FL_SASL_SCRAM_SHA256, nobody, pw, SPOIL_NONE,
	    NULL, NULL, 0);
	ab_case("truncated-first", addr, FL_SASL_SCRAM_SHA256, user, pw,
	    SPOIL_TRUNCATE_FIRST, NULL, NULL, 0);
	ab_case("replayed-first", addr, FL_SASL_SCRAM_SHA256, user, pw, SPOIL_REPLAY_FIRST,
	    NULL, NULL, 0);

	/* replayed-final: a good exchange lends its client-final to a new one */
	ab_open(&c, addr);
	res = ab_exchange(&c, FL_SASL_SCRAM_SHA256, user, pw, SPOIL_NONE, final, &final_len);
	ab_close(&c);
	if (!res.is_done || final_len == 0) {
		printf("replayed-final\tno-first-exchange\n");
		fflush(stdout);
	} else {
		ab_case("replayed-final", addr, FL_SASL_SCRAM_SHA256, user, pw,
		    SPOIL_REPLACE_FINAL, final, &final_len, 0);
	}
	sodium_memzero(final, sizeof(final));

	ab_case("tampered-proof", addr, FL_SASL_SCRAM_SHA256, user, pw, SPOIL_TAMPER_PROOF,
	    NULL, NULL, 0);

	ab_open(&c, addr);
	res = ab_handshake(&c, 1, "SCRAM-SHA-256", NULL, 0);
	if (res.is_done) {
		memset(big, 'a', sizeof(big));
		res = ab_auth(&c, big, sizeof(big), NULL);
	}
	ab_print("oversized-token", &c, res, 0, 1);
	ab_close(&c);

	{
		/* 600 KiB announced and sent, before any authentication */
		size_t n = 600u << 10;
		uint8_t *f = calloc(1, n + 4);
		struct fl_wr w;

		if (f == NULL)
			fl_diex(71, "out of memory");
		fl_store_be32(f, (uint32_t)n);
		fl_store_be16(f + 4, FL_KC_METADATA);
		fl_store_be16(f + 6, 1);
		fl_store_be32(f + 8, 1);
		ab_open(&c, addr);
		c.corr = 1;
		fl_wr_init(&w, n + 4);
		fl_wr_raw(&w, f, n + 4);
		res.kind = ab_call(&c, &w);
		res.error = 0;
		res.is_done = 0;
		ab_print("oversized-frame", &c, res, 0, 0);
		ab_close(&c);
		free(f);
	}

	ab_open(&c, addr);
	res = ab_handshake(&c, 1, "SCRAM-SHA-256", NULL, 0);
	if (res.is_done)
		res = ab_handshake(&c, 1, "SCRAM-SHA-256", NULL, 0);
	ab_print("handshake-twice", &c, res, 0, 1);
	ab_close(&c);

	ab_open(&c, addr);
	res = ab_auth(&c, (const uint8_t *)"n,,n=user,r=abcdefgh", 20, NULL);
	ab_print("auth-before-handshake", &c, res, 0, 1);
	ab_close(&c);

	ab_open(&c, addr);
	mechs[0] = '\0';
	res = ab_handshake(&c, 1, "GSSAPI", mechs, sizeof(mechs));
	ab_print("unknown-mechanism", &c, res, 0, 1);
	if (res.kind == AB_ANSWER)
		printf("mechanisms\t%s\n", mechs);
	ab_close(&c);

	ab_case("good-256", addr, FL_SASL_SCRAM_SHA256, user, pw, SPOIL_NONE, NULL, NULL, 1);
	ab_case("good-512", addr, FL_SASL_SCRAM_SHA512, user, pw, SPOIL_NONE, NULL, NULL, 1);
	ab_case("good-plain", addr, FL_SASL_PLAIN, user, pw, SPOIL_NONE, NULL, NULL, 1);

	/* plain-v0: SaslHandshake v0, then the token raw, size-prefixed */
	ab_open(&c, addr);
	res = ab_handshake(&c, 0, "PLAIN", NULL, 0);
	if (res.is_done) {
		size_t ul = strlen(user), pl = strlen(pw);
		uint8_t *t = calloc(1, 6 + ul + pl), pre[4];

		if (t == NULL)
			fl_diex(71, "out of memory");
		fl_store_be32(t, (uint32_t)(2 + ul + pl));
		memcpy(t + 5, user, ul);
		memcpy(t + 6 + ul, pw, pl);
		res.is_done = 0;
		if (ab_send(&c, t, 6 + ul + pl) != 0)
			res.kind = AB_CLOSED;
		else
			res.kind = ab_recv_n(&c, pre, 4);
		if (res.kind == AB_ANSWER && fl_load_be32(pre) != 0)
			res.kind = AB_GARBAGE;	/* PLAIN's answer is empty */
		if (res.kind == AB_ANSWER)
			res = ab_metadata(&c);
		sodium_memzero(t, 6 + ul + pl);
		free(t);
		ab_print("plain-v0", &c, res, 1, 0);
	} else {
		ab_print("plain-v0", &c, res, 1, 1);
	}
	ab_close(&c);
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
	if (argc == 3 && strcmp(argv[1], "raw") == 0) {
		raw(argv[2]);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "commit-loop") == 0) {
		commit_loop(argv[2], argv[3], argv[4], strtol(argv[5], NULL, 10));
		return 0;
	}
	if (argc == 7 && strcmp(argv[1], "produce-timed") == 0) {
		produce_timed(argv[2], argv[3], strtol(argv[4], NULL, 10),
		    strtol(argv[5], NULL, 10), strtol(argv[6], NULL, 10));
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "fake-leader") == 0) {
		fake_leader(argv[2], NULL, NULL);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "fake-leader") == 0 &&
	    strcmp(argv[3], "--sasl-plain") == 0) {
		if (fl_csum_init() != 0)
			fl_diex(70, "libsodium");
		fake_leader(argv[2], argv[4], argv[5]);
		return 0;
	}
	if (argc == 5 && strcmp(argv[1], "sasl-abuse") == 0) {
		if (fl_csum_init() != 0)
			fl_diex(70, "libsodium");
		sasl_abuse(argv[2], argv[3], argv[4]);
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "group-abuse") == 0) {
		group_abuse(argv[2], argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: flume-test-tool group-abuse HOST:PORT TOPIC\n"
	    "       flume-test-tool raw HOST:PORT < HEX-LINES\n"
	    "       flume-test-tool commit-loop HOST:PORT GROUP TOPIC N\n"
	    "       flume-test-tool produce-timed HOST:PORT TOPIC BATCHES RECORDS INTERVAL_MS\n"
	    "       flume-test-tool durable-write DIR NAME\n"
	    "       flume-test-tool plog-check [--verify] [--write] DIR\n"
	    "       flume-test-tool damage DIR SEED\n"
	    "       flume-test-tool fake-leader good|bad-crc|gap|fenced\n"
	    "                       [--sasl-plain USER PASSWORD-FILE]\n"
	    "       flume-test-tool sasl-abuse HOST:PORT USER PASSWORD\n");
	return 64;
}
