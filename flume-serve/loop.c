/*
 * loop.c: the event loop (epoll) and connections.
 *
 * Client sockets are registered once, edge-triggered, for input and
 * output; a connection remembers "may read" / "may write" until a read or
 * write says EAGAIN, so no epoll_ctl calls happen per request.  A read that
 * returns less than the buffer space counts as draining the socket: any
 * later arrival raises a new edge.
 *
 * Each connection has one receive buffer (frames are handled in place, and
 * Produce batches are appended straight from it) and one output queue:
 * encoded response bytes live in c->out in request order, and the queue
 * holds chunks that are either a run of those bytes or a file range sent
 * with sendfile(2).  A chunk may wait for a sync round (produce responses
 * are only sent once durable); the queue is sent strictly in order, which
 * keeps responses in request order without reordering logic.
 *
 * Bounds: a connection stops handling requests while its queued output is
 * above connection-out-bytes-max or holds SERVE_FILE_CHUNKS_MAX file
 * ranges, so a slow consumer costs bounded memory (file bytes stay in the
 * page cache); its receive buffer then fills and TCP pushes back.  Produce
 * requests also wait while the sync thread is behind (b->is_paused).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "os/clock.h"
#include "os/tcp.h"
#include "serve.h"

#define EVENTS_MAX 512
#define SERVICE_ROUNDS 8
#define OUT_CAP_MAX (512u << 20)
#define SENDFILE_STEP (1u << 30)

static void
tick(struct broker *b)
{
	b->now_ms = fl_clock_ms();
	b->wall_ms = fl_wall_ms();
}

/* ---- listeners ---- */

static int
listen_tcp(struct broker *b, struct fl_err *err)
{
	const struct serve_cfg *cfg = b->cfg;
	struct fl_tcp_addr a;
	const char *host = a.host;
	int fd, rc;

	rc = fl_tcp_listen("listen", cfg->listen_host, cfg->listen_port, 1024, &fd, &a, err);
	if (rc != 0)
		return rc;
	snprintf(b->bound, sizeof(b->bound), "%s", a.text);
	b->adv_port = a.port;
	if (cfg->has_advertise) {
		snprintf(b->adv_host, sizeof(b->adv_host), "%s", cfg->adv_host);
		b->adv_port = cfg->adv_port;
	} else if (strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0) {
		/* a wildcard is no address a client can use */
		if (gethostname(b->adv_host, sizeof(b->adv_host)) != 0)
			snprintf(b->adv_host, sizeof(b->adv_host), "localhost");
	} else {
		snprintf(b->adv_host, sizeof(b->adv_host), "%s", host);
	}
	b->lfd = fd;
	return 0;
}

static int
listen_admin(struct broker *b, struct fl_err *err)
{
	struct sockaddr_un sa;
	mode_t old;
	int fd, rc;

	if (snprintf(b->admin_path, sizeof(b->admin_path), "%s/admin.sock",
	    b->cfg->data_dir) >= (int)sizeof(sa.sun_path))
		return fl_err_set(err, FL_ERANGE, "%s/admin.sock: path too long "
		    "for a Unix socket", b->cfg->data_dir);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, b->admin_path, strlen(b->admin_path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fl_err_set(err, FL_ESYS, "socket: %s", strerror(errno));
	/* we hold DIR/lock, so an existing socket is a dead broker's */
	(void)unlink(b->admin_path);
	old = umask(0177);		/* born 0600: no window for others */
	rc = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || listen(fd, 16) != 0) {
		close(fd);
		return fl_err_set(err, FL_ESYS, "%s: %s", b->admin_path, strerror(errno));
	}
	b->afd = fd;
	return 0;
}

int
loop_ep_add(struct broker *b, int fd, uint32_t events, struct ev_src *src)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = src;
	return epoll_ctl(b->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int
serve_watch_fd(struct broker *b, int fd, struct ev_src *src)
{
	return loop_ep_add(b, fd, EPOLLIN, src);
}

int
loop_listen(struct broker *b, struct fl_err *err)
{
	size_t i;
	int rc;

	b->lfd = b->afd = -1;
	b->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	tick(b);
	b->start_ms = b->now_ms;
	b->next_housekeep_ms = b->now_ms + SERVE_HOUSEKEEP_MS;
	if ((rc = listen_tcp(b, err)) != 0 || (rc = listen_admin(b, err)) != 0)
		return rc;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0)
		return fl_err_set(err, FL_ESYS, "epoll: %s", strerror(errno));
	b->ev_listen.kind = EV_LISTEN;
	b->ev_admin.kind = EV_ADMIN_LISTEN;
	b->ev_signal.kind = EV_SIGNAL;
	b->ev_sync.kind = EV_SYNC;
	if (loop_ep_add(b, b->lfd, EPOLLIN, &b->ev_listen) != 0 ||
	    loop_ep_add(b, b->afd, EPOLLIN, &b->ev_admin) != 0 ||
	    loop_ep_add(b, b->sig_rfd, EPOLLIN, &b->ev_signal) != 0 ||
	    loop_ep_add(b, b->sy.efd, EPOLLIN, &b->ev_sync) != 0)
		return fl_err_set(err, FL_ESYS, "epoll_ctl: %s", strerror(errno));
	if ((rc = metrics_listen(b, err)) != 0)
		return rc;
	b->nslots = b->cfg->connections_max + SERVE_ADMIN_CONNS_MAX;
	b->conns = calloc(b->nslots, sizeof(*b->conns));
	b->live = calloc(b->nslots, sizeof(*b->live));
	b->free_slots = calloc(b->nslots, sizeof(*b->free_slots));
	if (b->conns == NULL || b->live == NULL || b->free_slots == NULL)
		return fl_err_set(err, FL_ENOMEM, "out of memory for %zu connections",
		    b->nslots);
	for (i = 0; i < b->nslots; i++) {
		b->conns[i].fd = -1;
		b->free_slots[b->nfree++] = b->nslots - 1 - i;
	}
	return 0;
}

/* ---- connections ---- */

void
conn_ready(struct broker *b, struct conn *c)
{
	if (c->on_ready || c->fd < 0)
		return;
	c->on_ready = 1;
	c->next_ready = b->ready;
	b->ready = c;
}

void
conn_park(struct broker *b, struct conn *c, int64_t deadline_ms, int is_replica)
{
	FL_ASSERT(!c->is_parked);
	c->is_parked = 1;
	c->is_replica_park = is_replica;
	b->nreplica_parked += is_replica != 0;
	c->park_deadline_ms = deadline_ms;
	c->park_prev = NULL;
	c->park_next = b->parked;
	if (b->parked != NULL)
		b->parked->park_prev = c;
	b->parked = c;
}

void
conn_unpark(struct broker *b, struct conn *c)
{
	if (!c->is_parked)
		return;
	if (c->park_prev != NULL)
		c->park_prev->park_next = c->park_next;
	else
		b->parked = c->park_next;
	if (c->park_next != NULL)
		c->park_next->park_prev = c->park_prev;
	c->is_parked = 0;
	b->nreplica_parked -= c->is_replica_park != 0;
	c->is_replica_park = 0;
	c->park_prev = c->park_next = NULL;
}

void
loop_wake_replicas(struct broker *b)
{
	struct conn *c = b->parked;

	/* most turns have no follower parked: not a walk per produce */
	if (b->nreplica_parked == 0)
		return;
	while (c != NULL && b->nreplica_parked > 0) {
		struct conn *next = c->park_next;

		if (c->is_replica_park) {
			conn_unpark(b, c);
			conn_ready(b, c);
		}
		c = next;
	}
}

void
loop_wake_all(struct broker *b)
{
	size_t i;

	while (b->parked != NULL) {
		struct conn *c = b->parked;

		conn_unpark(b, c);
		conn_ready(b, c);
	}
	for (i = 0; i < b->nlive; i++)
		conn_ready(b, b->live[i]);
}

static struct conn *
conn_alloc(struct broker *b, int fd, int is_admin)
{
	struct conn *c;

	if (b->nfree == 0)
		return NULL;
	c = &b->conns[b->free_slots[--b->nfree]];
	{
		uint32_t gen = c->gen;	/* survives reuse: late group answers miss */

		memset(c, 0, sizeof(*c));
		c->gen = gen + 1;
	}
	c->ev.kind = EV_CONN;
	c->fd = fd;
	c->is_admin = is_admin;
	c->ctl_epoch = -1;
	c->rcap = is_admin ? SERVE_ADMIN_LINE_MAX * 2 : SERVE_RBUF_BYTES;
	c->rbuf = malloc(c->rcap);
	if (c->rbuf == NULL) {
		c->fd = -1;
		b->free_slots[b->nfree++] = (size_t)(c - b->conns);
		return NULL;
	}
	fl_wr_init(&c->out, OUT_CAP_MAX);
	c->can_read = c->can_write = 1;
	c->last_active_ms = b->now_ms;
	c->live_idx = b->nlive;
	b->live[b->nlive++] = c;
	if (is_admin)
		b->nadmin++;
	else
		b->nkafka++;
	b->m.accepted[is_admin != 0]++;
	return c;
}

static void
chunk_pop(struct conn *c)
{
	struct chunk *h = &c->q[c->qhead];

	if (h->kind == CHUNK_FILE) {
		close(h->fd);
		c->nfile--;
	}
	c->qhead = (c->qhead + 1) % c->qcap;
	c->qlen--;
}

void
conn_close(struct broker *b, struct conn *c, const char *why)
{
	struct conn *last;

	if (c->fd < 0)
		return;
	if (why != NULL)
		fl_log(FL_LOG_DEBUG, "closing connection from %s: %s", c->peer, why);
	conn_unpark(b, c);
	group_conn_closed(b, c);
	kafka_conn_closed(b, c);
	auth_conn_closed(c);
	while (c->qlen > 0)
		chunk_pop(c);
	b->out_bytes -= c->out_counted;
	c->out_counted = 0;
	close(c->fd);
	c->fd = -1;
	if (c->rcap > SERVE_RBUF_BYTES)
		b->rbuf_bytes -= c->rcap - SERVE_RBUF_BYTES;
	free(c->rbuf);
	c->rbuf = NULL;
	free(c->q);
	c->q = NULL;
	free(c->lat);
	c->lat = NULL;
	fl_wr_free(&c->out);
	last = b->live[--b->nlive];
	b->live[c->live_idx] = last;
	last->live_idx = c->live_idx;
	if (c->is_admin)
		b->nadmin--;
	else
		b->nkafka--;
	b->m.closed[c->is_admin != 0]++;
	/* a slot still on the ready list is recycled when it comes off it */
	if (!c->on_ready)
		b->free_slots[b->nfree++] = (size_t)(c - b->conns);
}

static int
q_push(struct conn *c, const struct chunk *ch)
{
	if (c->qlen == c->qcap) {
		size_t cap = c->qcap ? c->qcap * 2 : 16, i;
		struct chunk *nq = malloc(cap * sizeof(*nq));

		if (nq == NULL)
			return FL_ENOMEM;
		for (i = 0; i < c->qlen; i++)
			nq[i] = c->q[(c->qhead + i) % c->qcap];
		free(c->q);
		c->q = nq;
		c->qcap = cap;
		c->qhead = 0;
	}
	c->q[(c->qhead + c->qlen) % c->qcap] = *ch;
	c->qlen++;
	return 0;
}

int
conn_queue_mem(struct conn *c, size_t len, uint64_t need_round)
{
	struct chunk ch;

	if (c->out.err != 0)
		return c->out.err;
	if (len == 0)
		return 0;
	c->queued_bytes += len;
	if (c->qlen > 0) {
		struct chunk *t = &c->q[(c->qhead + c->qlen - 1) % c->qcap];

		/* pipelined responses with the same fate go out as one run */
		if (t->kind == CHUNK_MEM && t->hold == 0 && t->need_round == need_round) {
			t->len += len;
			return 0;
		}
	}
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHUNK_MEM;
	ch.fd = -1;
	ch.len = len;
	ch.need_round = need_round;
	return q_push(c, &ch);
}

int
conn_queue_held(struct conn *c, size_t len, uint64_t need_round, uint32_t hold)
{
	struct chunk ch;

	if (c->out.err != 0)
		return c->out.err;
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHUNK_MEM;
	ch.fd = -1;
	ch.len = len;
	ch.need_round = need_round;
	ch.hold = hold;
	c->queued_bytes += len;
	return q_push(c, &ch);
}

void
conn_release(struct conn *c, uint32_t hold)
{
	size_t i;

	for (i = 0; i < c->qlen; i++) {
		struct chunk *k = &c->q[(c->qhead + i) % c->qcap];

		if (k->hold == hold) {
			k->hold = 0;
			return;
		}
	}
}

int
conn_queue_file(struct conn *c, int fd, uint64_t pos, uint64_t len)
{
	struct chunk ch;
	int dfd, rc;

	/* our own descriptor: retention may close the segment meanwhile */
	dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd < 0)
		return FL_ESYS;
	memset(&ch, 0, sizeof(ch));
	ch.kind = CHUNK_FILE;
	ch.fd = dfd;
	ch.pos = pos;
	ch.len = len;
	rc = q_push(c, &ch);
	if (rc != 0) {
		close(dfd);
		return rc;
	}
	c->queued_bytes += len;
	c->nfile++;
	return 0;
}

static size_t
out_pending(const struct conn *c)
{
	return c->out.len - c->out_head;
}

int
conn_out_account(struct broker *b, struct conn *c)
{
	size_t before = c->out_counted;
	/* a reply buffer up to the resting size is every client's due */
	size_t now = c->out.cap > SERVE_OUT_FREE_BYTES ? c->out.cap - SERVE_OUT_FREE_BYTES : 0;

	b->out_bytes += now;
	b->out_bytes -= before;
	c->out_counted = now;
	if (b->out_bytes <= b->cfg->buffer_bytes_max || now <= before)
		return 0;
	fl_log(FL_LOG_WARN, "closing connection from %s: replies waiting for "
	    "readers hold %llu bytes, above buffer-bytes-max (%llu)", c->peer,
	    (unsigned long long)b->out_bytes,
	    (unsigned long long)b->cfg->buffer_bytes_max);
	return -1;
}

/* Send what is ready, in order; bytes written, or -1 if c was closed. */
static long long
conn_flush(struct broker *b, struct conn *c)
{
	long long total = 0;

	while (c->qlen > 0 && c->can_write) {
		struct chunk *h = &c->q[c->qhead];
		ssize_t n;

		if (h->hold != 0 || h->need_round > fl_round_done(&b->round))
			break;
		if (h->kind == CHUNK_FILE) {
			off_t pos = (off_t)h->pos;
			size_t want = h->len > SENDFILE_STEP ? SENDFILE_STEP : (size_t)h->len;

			n = sendfile(c->fd, h->fd, &pos, want);
			if (n > 0) {
				h->pos += (uint64_t)n;
				h->len -= (uint64_t)n;
				total += n;
				c->sent_bytes += (uint64_t)n;
				if (h->len == 0)
					chunk_pop(c);
				continue;
			}
			if (n == 0) {
				/* the size prefix promised bytes the file lacks */
				conn_close(b, c, "segment shorter than expected");
				return -1;
			}
		} else {
			size_t run = 0, i;

			/* MEM chunks are consecutive in c->out: one write */
			for (i = 0; i < c->qlen; i++) {
				struct chunk *k = &c->q[(c->qhead + i) % c->qcap];

				if (k->kind != CHUNK_MEM || k->hold != 0 ||
				    k->need_round > fl_round_done(&b->round))
					break;
				run += k->len;
			}
			n = write(c->fd, c->out.p + c->out_head, run);
			if (n > 0) {
				size_t left = (size_t)n;

				total += n;
				c->sent_bytes += (uint64_t)n;
				c->out_head += left;
				while (left > 0) {
					h = &c->q[c->qhead];
					if (h->len > left) {
						h->len -= left;
						break;
					}
					left -= h->len;
					chunk_pop(c);
				}
				if ((size_t)n < run)
					c->can_write = 0;
				continue;
			}
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			c->can_write = 0;
			break;
		}
		conn_close(b, c, strerror(errno));
		return -1;
	}
	if (total > 0 && !c->is_admin)
		metrics_request_sent(b, c);
	if (c->out_head == c->out.len) {
		c->out_base += c->out.len;
		c->out.len = 0;
		c->out_head = 0;
	} else if (c->out_head > (1u << 20) && c->out_head > c->out.len / 2) {
		memmove(c->out.p, c->out.p + c->out_head, out_pending(c));
		c->out_base += c->out_head;
		c->out.len -= c->out_head;
		c->out_head = 0;
	}
	/* a big buffer from one large response goes back once it drained */
	if (c->out.len == 0 && c->out.cap > (4u << 20)) {
		fl_wr_free(&c->out);
		fl_wr_init(&c->out, OUT_CAP_MAX);
		(void)conn_out_account(b, c);
	}
	return total;
}

/* Make room for a frame of 'need' bytes at rpos. */
static int
rbuf_fit(struct broker *b, struct conn *c, size_t need)
{
	uint8_t *nb;
	size_t cap;

	if (c->rpos > 0) {
		memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
		c->rlen -= c->rpos;
		c->rpos = 0;
	}
	if (need <= c->rcap)
		return 0;
	cap = need;
	if (b->rbuf_bytes + (cap - c->rcap) > b->cfg->buffer_bytes_max)
		return FL_EFULL;	/* wait for other connections to finish */
	nb = realloc(c->rbuf, cap);
	if (nb == NULL)
		return FL_ENOMEM;
	b->rbuf_bytes += cap - c->rcap;
	c->rbuf = nb;
	c->rcap = cap;
	return 0;
}

static void
rbuf_rest(struct broker *b, struct conn *c)
{
	if (c->rpos == c->rlen)
		c->rpos = c->rlen = 0;
	/* only an empty buffer shrinks: a partial frame may need the room */
	if (c->rcap > SERVE_RBUF_BYTES && c->rlen == 0) {
		uint8_t *nb = realloc(c->rbuf, SERVE_RBUF_BYTES);

		if (nb != NULL) {
			b->rbuf_bytes -= c->rcap - SERVE_RBUF_BYTES;
			c->rbuf = nb;
			c->rcap = SERVE_RBUF_BYTES;
		}
	}
}

/* Read while there is room; bytes read, or -1 if c was closed. */
static long long
conn_read(struct broker *b, struct conn *c)
{
	long long total = 0;

	while (c->can_read && !c->is_eof) {
		size_t space;
		ssize_t n;

		if (c->rlen == c->rcap && c->rpos > 0) {
			memmove(c->rbuf, c->rbuf + c->rpos, c->rlen - c->rpos);
			c->rlen -= c->rpos;
			c->rpos = 0;
		}
		space = c->rcap - c->rlen;
		if (space == 0)
			break;		/* full: handling requests frees room */
		n = read(c->fd, c->rbuf + c->rlen, space);
		if (n > 0) {
			c->rlen += (size_t)n;
			total += n;
			/* drained, and a new edge will come; but a FIN already
			 * seen raises none: read on to the EOF then */
			if ((size_t)n < space && !c->saw_rdhup)
				c->can_read = 0;
			continue;
		}
		if (n == 0) {
			c->is_eof = 1;
			c->can_read = 0;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK) {
			c->can_read = 0;
			break;
		}
		conn_close(b, c, strerror(errno));
		return -1;
	}
	return total;
}

/* Handle complete Kafka frames; frames handled, or -1 if c was closed. */
static int
kafka_input(struct broker *b, struct conn *c)
{
	int handled = 0;

	while (c->fd >= 0 && !c->is_parked && !c->is_waiting && !c->is_closing) {
		size_t avail = c->rlen - c->rpos, size;
		uint8_t *p = c->rbuf + c->rpos;
		uint64_t t0_ns, queued;
		int16_t api;
		int rc;

		if (avail < 4)
			break;
		rc = fl_kp_frame_size(p, avail, auth_frame_max(b, c), &size);
		if (rc != 0) {
			fl_log(FL_LOG_WARN, "closing connection from %s: request "
			    "size %d is negative or above %s (%llu)", c->peer,
			    (int)(int32_t)fl_load_be32(p), auth_is_done(b, c) ?
			    "socket-request-max-bytes" : "what an unauthenticated "
			    "client may send", (unsigned long long)auth_frame_max(b, c));
			conn_close(b, c, NULL);
			return -1;
		}
		if (avail < 4 + size) {
			if (4 + size > c->rcap - c->rpos) {
				rc = rbuf_fit(b, c, 4 + size);
				if (rc == FL_ENOMEM) {
					conn_close(b, c, "out of memory");
					return -1;
				}
			}
			break;
		}
		if (out_pending(c) > b->cfg->conn_out_bytes_max ||
		    c->nfile >= SERVE_FILE_CHUNKS_MAX)
			break;		/* the flush that drains it calls us again */
		if (b->is_paused && size >= 2 && fl_load_be16(p + 4) == FL_KP_PRODUCE)
			break;		/* the round that unpauses calls us again */
		t0_ns = fl_clock_ns();
		queued = c->queued_bytes;
		api = size >= 2 ? (int16_t)fl_load_be16(p + 4) : -1;
		rc = kafka_handle(b, c, p + 4, size);
		if (rc == 1) {
			if (c->park_t0_ns == 0)
				c->park_t0_ns = t0_ns;	/* a parked Fetch: timed from here */
		} else if (rc < 0) {
			metrics_request(b, api, (fl_clock_ns() - t0_ns) / 1000);
		} else {
			metrics_request_begin(b, c, api, t0_ns, queued);
		}
		if (conn_out_account(b, c) != 0)
			rc = -1;
		if (rc < 0) {
			conn_close(b, c, NULL);
			return -1;
		}
		if (rc == 1)
			break;		/* parked: the frame stays at rpos */
		c->rpos += 4 + size;
		handled++;
		if (rc == 2)
			break;		/* waits for the group coordinator */
	}
	if (c->fd >= 0 && !c->is_parked)
		rbuf_rest(b, c);
	return handled;
}

static int
admin_input(struct broker *b, struct conn *c)
{
	int handled = 0;

	while (c->fd >= 0 && !c->is_closing) {
		uint8_t *p = c->rbuf + c->rpos;
		uint8_t *nl = memchr(p, '\n', c->rlen - c->rpos);
		size_t from;

		if (nl == NULL) {
			if (c->rlen - c->rpos > SERVE_ADMIN_LINE_MAX) {
				fl_wr_raw(&c->out, "error: line too long\n", 21);
				(void)conn_queue_mem(c, 21, 0);
				c->is_closing = 1;
			} else if (c->is_eof && c->rlen > c->rpos) {
				nl = c->rbuf + c->rlen;	/* a last line without \n */
				if (c->rlen == c->rcap)
					break;
				*nl = '\n';
				c->rlen++;
				continue;
			}
			break;
		}
		*nl = '\0';
		if (nl > p && nl[-1] == '\r')
			nl[-1] = '\0';
		from = c->out.len;
		admin_handle(b, c, (char *)p);
		(void)conn_out_account(b, c);	/* admin answers are small */
		if (conn_queue_mem(c, c->out.len - from, 0) != 0) {
			conn_close(b, c, "out of memory");
			return -1;
		}
		c->rpos = (size_t)(nl + 1 - c->rbuf);
		handled++;
	}
	if (c->fd >= 0)
		rbuf_rest(b, c);
	return handled;
}

/* A whole request is buffered but waits (producers paused). */
static int
frame_waits(const struct broker *b, const struct conn *c)
{
	size_t avail = c->rlen - c->rpos, size;

	if (c->is_admin || c->is_closing || avail < 4)
		return 0;
	if (fl_kp_frame_size(c->rbuf + c->rpos, avail, auth_frame_max(b, c),
	    &size) != 0)
		return 0;
	return avail >= 4 + size;
}

static void
conn_service(struct broker *b, struct conn *c)
{
	int round;

	for (round = 0; round < SERVICE_ROUNDS && c->fd >= 0; round++) {
		long long progress = 0, n;

		if (!b->is_stopping || c->is_admin) {
			n = conn_read(b, c);
			if (n < 0)
				return;
			progress += n;
		}
		n = c->is_admin ? admin_input(b, c) : kafka_input(b, c);
		if (n < 0)
			return;
		progress += n;
		n = conn_flush(b, c);
		if (n < 0)
			return;
		progress += n;
		if (progress == 0)
			break;
		c->last_active_ms = b->now_ms;
	}
	if (c->fd < 0)
		return;
	if (c->qlen == 0 && !c->is_parked && !frame_waits(b, c)) {
		/* nothing owed: close on EOF, closing, or (while stopping) idle,
		 * the controller's standing admin stream too */
		if (c->is_closing || (c->is_eof && c->rlen - c->rpos == 0) ||
		    (c->is_eof && c->is_admin) || b->is_stopping)
			conn_close(b, c, c->is_closing ? "done" : "peer closed");
		else if (c->is_eof)
			conn_close(b, c, "peer closed mid-request");
		return;
	}
	if (round == SERVICE_ROUNDS)
		conn_ready(b, c);	/* more to do: after the others' turn */
}

/* ---- accept ---- */

static void
peer_name(const struct sockaddr_storage *ss, char *buf, size_t n)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &s->sin_addr, host, sizeof(host));
		snprintf(buf, n, "%s:%u", host, (unsigned)ntohs(s->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &s->sin6_addr, host, sizeof(host));
		snprintf(buf, n, "[%s]:%u", host, (unsigned)ntohs(s->sin6_port));
	} else {
		snprintf(buf, n, "admin");
	}
}

/*
 * Out of descriptors, accept(2) fails and the connection stays in the
 * backlog, so a level-triggered listener would wake epoll at once,
 * forever.  Returns 1 if a connection was shed (look for more).  A descriptor kept in reserve is given up for a moment to
 * accept the connection and close it: the backlog drains, the peer hears
 * "closed" at once, and the connections we have keep being served.
 */
static int
shed_one(struct broker *b, int lfd, int err)
{
	int fd, e;

	if (b->now_ms - b->last_refuse_log_ms >= 1000) {
		b->last_refuse_log_ms = b->now_ms;
		fl_log(FL_LOG_WARN, "accept: %s: shedding new connections (%zu open; "
		    "RLIMIT_NOFILE %llu)", strerror(err), b->nlive,
		    (unsigned long long)b->nofile_limit);
	}
	if (b->spare_fd >= 0) {
		close(b->spare_fd);
		b->spare_fd = -1;
	}
	fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	e = errno;
	if (fd >= 0)
		close(fd);
	b->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	/* accept says EMFILE before it looks at the backlog: stop when empty */
	return fd >= 0 || e == EINTR || e == ECONNABORTED;
}

/* The admin connection idle the longest, to make room for a new operator. */
static struct conn *
oldest_idle_admin(struct broker *b)
{
	struct conn *best = NULL;
	size_t i;

	for (i = 0; i < b->nlive; i++) {
		struct conn *c = b->live[i];

		if (c->is_admin && c->qlen == 0 && c->rlen == c->rpos &&
		    (best == NULL || c->last_active_ms < best->last_active_ms))
			best = c;
	}
	return best;
}

static void
accept_all(struct broker *b, int lfd, int is_admin)
{
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		struct conn *c;
		int fd, one = 1;

		fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if ((errno == EMFILE || errno == ENFILE) && shed_one(b, lfd, errno))
				continue;
			if (errno == EMFILE || errno == ENFILE)
				return;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    b->now_ms - b->last_refuse_log_ms >= 1000) {
				b->last_refuse_log_ms = b->now_ms;
				fl_log(FL_LOG_WARN, "accept: %s", strerror(errno));
			}
			return;
		}
		if (is_admin && b->nadmin >= SERVE_ADMIN_CONNS_MAX) {
			/* an operator can always get in: the longest idle one goes */
			struct conn *old = oldest_idle_admin(b);

			if (old != NULL)
				conn_close(b, old, "admin connection limit: idle the longest");
		}
		if (is_admin ? b->nadmin >= SERVE_ADMIN_CONNS_MAX :
		    b->nkafka >= b->cfg->connections_max) {
			char peer[64];

			peer_name(&ss, peer, sizeof(peer));
			if (b->now_ms - b->last_refuse_log_ms >= 1000) {
				b->last_refuse_log_ms = b->now_ms;
				fl_log(FL_LOG_WARN, "refusing connection from %s: "
				    "%s reached (%llu)", peer, is_admin ?
				    "admin connection limit" : "max-connections",
				    (unsigned long long)(is_admin ? SERVE_ADMIN_CONNS_MAX :
				    b->cfg->connections_max));
			}
			close(fd);
			continue;
		}
		c = conn_alloc(b, fd, is_admin);
		if (c == NULL) {
			close(fd);
			continue;
		}
		peer_name(&ss, c->peer, sizeof(c->peer));
		if (!is_admin)
			setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (loop_ep_add(b, fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, &c->ev) != 0) {
			conn_close(b, c, strerror(errno));
			continue;
		}
		fl_log(FL_LOG_DEBUG, "connection from %s", c->peer);
		conn_ready(b, c);
	}
}

/* Admin connections idle past SERVE_ADMIN_IDLE_MS are closed. */
static void
close_idle_admins(struct broker *b)
{
	size_t i;

	for (i = 0; i < b->nlive; ) {
		struct conn *c = b->live[i];

		if (c->is_admin && c->qlen == 0 &&
		    b->now_ms - c->last_active_ms >= SERVE_ADMIN_IDLE_MS) {
			conn_close(b, c, "admin connection idle");
			continue;	/* the slot now holds another connection */
		}
		i++;
	}
}

/* ---- the loop ---- */

static void
begin_stop(struct broker *b)
{
	size_t i;

	if (b->is_stopping)
		return;
	fl_log(FL_LOG_INFO, "stopping: finishing in-flight requests");
	b->is_stopping = 1;
	b->stop_deadline_ms = b->now_ms + (int64_t)b->cfg->shutdown_timeout_ms;
	if (b->lfd >= 0) {
		close(b->lfd);
		b->lfd = -1;
	}
	if (b->afd >= 0) {
		close(b->afd);
		b->afd = -1;
		(void)unlink(b->admin_path);
	}
	metrics_stop(b);
	/* parked fetches answer with what they have; idle connections close */
	loop_wake_all(b);
	for (i = 0; i < b->nlive; i++)
		b->live[i]->can_read = 0;
}

static void
on_signal_byte(struct broker *b)
{
	char buf[16];
	ssize_t n, i;

	while ((n = read(b->sig_rfd, buf, sizeof(buf))) > 0)
		for (i = 0; i < n; i++) {
			if (buf[i] == 'H')
				serve_reopen_log(b);
			else
				begin_stop(b);
		}
}

static int
next_timeout(struct broker *b)
{
	int64_t until = b->now_ms + 1000;
	struct conn *c;

	if (b->ready != NULL)
		return 0;
	for (c = b->parked; c != NULL; c = c->park_next)
		if (c->park_deadline_ms < until)
			until = c->park_deadline_ms;
	if (b->is_stopping && b->stop_deadline_ms < until)
		until = b->stop_deadline_ms;
	if (group_next_wake(b) < until)
		until = group_next_wake(b);
	if (cluster_next_wake(b) < until)
		until = cluster_next_wake(b);
	if (b->m.http.nconns > 0 && metrics_tick(b) < until)
		until = metrics_tick(b);	/* closes the ones due, then the next */
	if (until <= b->now_ms)
		return 0;
	return (int)(until - b->now_ms);
}

static void
update_pause(struct broker *b)
{
	const struct fl_round *r = &b->round;
	uint64_t unsynced = r->dirty_bytes + r->bytes_in_round;
	uint64_t waiting = r->waiting_cur + r->waiting_next;
	int paused = fl_round_should_pause(r);

	if (paused && !b->is_paused)
		fl_log(FL_LOG_DEBUG, "pausing producers: %llu bytes not yet "
		    "durable, %llu responses waiting", (unsigned long long)unsynced,
		    (unsigned long long)waiting);
	if (!paused && b->is_paused)
		loop_wake_all(b);
	b->is_paused = paused;
}

int
loop_run(struct broker *b)
{
	struct epoll_event evs[EVENTS_MAX];
	size_t i;

	for (;;) {
		int n = epoll_wait(b->epfd, evs, EVENTS_MAX, next_timeout(b));
		struct conn *list, *c;

		if (n < 0 && errno != EINTR) {
			fl_log(FL_LOG_ERROR, "epoll_wait: %s", strerror(errno));
			return EX_OSERR;
		}
		tick(b);
		group_tick(b);
		cluster_tick(b);
		if (b->m.http.nconns > 0)
			(void)metrics_tick(b);	/* deadlines, even on a busy loop */
		for (i = 0; n > 0 && i < (size_t)n; i++) {
			struct ev_src *src = evs[i].data.ptr;
			uint32_t e = evs[i].events;

			switch (src->kind) {
			case EV_CONN:
				c = (struct conn *)src;
				if (c->fd < 0)
					break;
				if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					c->saw_rdhup = 1;
				if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
					c->can_read = !b->is_stopping || c->is_admin;
				if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR))
					c->can_write = 1;
				conn_ready(b, c);
				break;
			case EV_LISTEN:
				if (b->lfd >= 0)
					accept_all(b, b->lfd, 0);
				break;
			case EV_ADMIN_LISTEN:
				if (b->afd >= 0)
					accept_all(b, b->afd, 1);
				break;
			case EV_SIGNAL:
				on_signal_byte(b);
				break;
			case EV_SYNC:
				sync_on_done(b);
				break;
			case EV_CHILD:
				cluster_on_child(b, src);
				break;
			case EV_METRICS_LISTEN:
				if (b->m.http.lfd >= 0)
					metrics_on_listen(b);
				break;
			case EV_METRICS_CONN:
				metrics_on_conn(b, src, e);
				break;
			}
		}
		/* parked fetches whose max_wait_ms ran out */
		for (c = b->parked; c != NULL; ) {
			struct conn *next = c->park_next;

			if (c->park_deadline_ms <= b->now_ms) {
				conn_unpark(b, c);
				conn_ready(b, c);
			}
			c = next;
		}
		list = b->ready;
		b->ready = NULL;
		while (list != NULL) {
			c = list;
			list = c->next_ready;
			c->on_ready = 0;
			if (c->fd < 0) {
				/* closed while listed: recycle the slot now */
				b->free_slots[b->nfree++] = (size_t)(c - b->conns);
				continue;
			}
			conn_service(b, c);
		}
		kafka_hw_moved(b);	/* timeouts of acks=all answers */
		sync_maybe_start(b);
		if (b->is_failed)
			break;		/* durability in doubt: answer nothing more */
		update_pause(b);
		if (!b->is_stopping && b->cfg->sasl)
			auth_tick(b);
		if (!b->is_stopping && b->now_ms >= b->next_admin_idle_ms) {
			close_idle_admins(b);
			b->next_admin_idle_ms = b->now_ms + 1000;
		}
		if (!b->is_stopping && b->now_ms >= b->next_housekeep_ms) {
			store_housekeep(b);
			b->next_housekeep_ms = b->now_ms + SERVE_HOUSEKEEP_MS;
		}
		if (b->is_stopping) {
			if (b->nlive == 0 && !b->round.is_busy && b->round.ndirty == 0)
				break;
			if (b->now_ms >= b->stop_deadline_ms) {
				fl_log(FL_LOG_WARN, "shutdown timeout: closing %zu "
				    "connection%s with work left", b->nlive,
				    b->nlive == 1 ? "" : "s");
				break;
			}
		}
	}
	while (b->nlive > 0)
		conn_close(b, b->live[0], "shutdown");
	metrics_stop(b);
	sync_wait_idle(b);
	/* the final sync: everything appended becomes durable */
	for (i = 0; i < b->cat.ntopics && !b->is_failed; i++) {
		int32_t j;

		for (j = 0; j < b->cat.topics[i]->nparts; j++) {
			struct fl_part *p = &b->cat.topics[i]->parts[j];
			int rc = fl_plog_sync(&p->log);

			if (rc != 0) {
				store_log_error(p, "sync", rc);
				b->exit_code = EX_IOERR;
			}
		}
	}
	close(b->epfd);
	if (b->spare_fd >= 0)
		close(b->spare_fd);
	free(b->conns);
	free(b->live);
	free(b->free_slots);
	b->free_slots = NULL;
	return b->exit_code;
}
