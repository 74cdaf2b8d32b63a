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
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/csum.h"
#include "base/rd.h"
#include "codec/kclient.h"
#include "os/diag.h"
#include "os/vfs_real.h"
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
		fl_diex(70, "encoding failed: %s", fl_strerror(w->err));
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
	struct fl_kc_arena a = { 0 };
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
	fl_kc_arena_free(&a);
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
		struct fl_kc_arena a = { 0 };

		fl_wr_init(&w, 1 << 20);
		fl_kc_leave_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_leave_resp_decode(p, n, 1, &a, &resp) != 0)
			fl_diex(76, "undecodable LeaveGroup response");
		printf("leave-unknown-group\t%d\n", (int)resp.error);
		fl_kc_arena_free(&a);
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
			struct fl_kc_arena a = { 0 };

			fl_wr_init(&w, 1 << 20);
			fl_kc_commit_req_encode(&w, &h, &req);
			n = roundtrip(fd, &w, &p);
			if (fl_kc_commit_resp_decode(p, n, 7, &a, &resp) != 0 ||
			    resp.ntopics != 1 || resp.topics[0].nparts != 1)
				fl_diex(76, "undecodable OffsetCommit response");
			printf("%s\t%d\n", names[i], (int)resp.topics[0].parts[0].error);
			fl_kc_arena_free(&a);
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
		struct fl_kc_arena a = { 0 };

		fl_wr_init(&w, 1 << 20);
		fl_kc_offset_fetch_req_encode(&w, &h, &req);
		n = roundtrip(fd, &w, &p);
		if (fl_kc_offset_fetch_resp_decode(p, n, 5, &a, &resp) != 0 ||
		    resp.ntopics != 1 || resp.topics[0].nparts != 1)
			fl_diex(76, "undecodable OffsetFetch response");
		printf("fetch-unknown-group\t%lld\n", (long long)resp.topics[0].parts[0].offset);
		fl_kc_arena_free(&a);
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
		struct fl_kc_arena a = { 0 };

		fl_wr_init(&w, 1 << 20);
		fl_kc_commit_req_encode(&w, &h, &req);
		len = roundtrip(fd, &w, &p);
		if (fl_kc_commit_resp_decode(p, len, 7, &a, &resp) != 0 || resp.ntopics != 1 ||
		    resp.topics[0].nparts != 1 || resp.topics[0].parts[0].error != 0)
			fl_diex(76, "commit %ld failed", i);
		fl_kc_arena_free(&a);
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
		fl_diex(70, "cannot initialise libsodium");
	rc = fl_durable_write(fl_vfs_real(), dir, name, w.p, w.len);
	if (rc == FL_ESYS)
		fl_die(74, "%s/%s", dir, name);
	if (rc != 0)
		fl_diex(74, "%s/%s: %s", dir, name, fl_strerror(rc));
	fl_wr_free(&w);
}

int
main(int argc, char **argv)
{
	fl_diag_init(argv[0]);
	if (argc == 4 && strcmp(argv[1], "durable-write") == 0) {
		durable_write(argv[2], argv[3]);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "commit-loop") == 0) {
		commit_loop(argv[2], argv[3], argv[4], strtol(argv[5], NULL, 10));
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "group-abuse") == 0) {
		group_abuse(argv[2], argv[3]);
		return 0;
	}
	fprintf(stderr, "usage: flume-test-tool group-abuse HOST:PORT TOPIC\n"
	    "       flume-test-tool commit-loop HOST:PORT GROUP TOPIC N\n"
	    "       flume-test-tool durable-write DIR NAME\n");
	return 64;
}
