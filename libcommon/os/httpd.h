/*
 * httpd.h: a tiny HTTP/1.x responder for one scrape endpoint (the
 * --metrics-listen of flume-serve and flume-ctl), driven by its owner's
 * event loop, poll(2) or epoll; it never blocks and never logs.
 *
 * What it answers, one request per connection, each answer with
 * Connection: close:
 *   GET PATH (any query string)  200, with what the render callback wrote
 *   HEAD PATH                    the same head, without the body
 *   another path                 404
 *   another method               405, with Allow: GET, HEAD
 *   a malformed request head     400 (codec/http.h parses it)
 *   a head over 8 KiB            431
 *   an HTTP version not 1.0/1.1  505
 *   render failed or too long    500
 * The request line is all it looks at; a body is never read as such.
 *
 * Why it cannot stall its owner: at most FL_HTTPD_CONNS_MAX connections
 * (more are accepted and closed at once, so the listen backlog never
 * holds scrapers), each with a fixed request buffer and a deadline of
 * FL_HTTPD_DEADLINE_MS from accept, after which it is closed whatever it
 * is doing (a client that sends nothing, or reads nothing).  Sockets are
 * non-blocking and every read or write goes on to EAGAIN, so edge- and
 * level-triggered loops both work.  Once the answer is sent it shuts down
 * writing (FIN) and reads and drops what the client still sends, up to
 * FL_HTTPD_DRAIN_BYTES_MAX, until the client's EOF: closing with unread
 * bytes would send a reset, which can make the client lose the answer (a
 * 431 to a client still sending its oversized head).
 *
 * Driving it:
 *   - the listening socket: fl_httpd_listen() opens one (port 0: any free
 *     port; h->bound says which), or fl_httpd_adopt() takes the owner's.
 *     The owner watches h->lfd for input and calls fl_httpd_on_listen().
 *   - connections sit in slots 0 .. FL_HTTPD_CONNS_MAX - 1.  cfg.on_accept,
 *     if set, hears of each new one (fd and slot) before anything is read:
 *     an epoll owner adds the fd to its set there (edge-triggered, input
 *     and output, tagged with the slot).  A poll(2) owner instead asks
 *     fl_httpd_poll_events() for each slot every turn.  Either way, when a
 *     connection's fd is ready the owner calls fl_httpd_on_conn(slot).
 *   - fl_httpd_tick(now_ms) closes the connections past their deadline
 *     and returns the next deadline: the owner wakes no later than that.
 * A connection's fd is closed here (which also takes it out of an epoll
 * set); a slot may be reused for a new fd by the next accept, so an
 * owner's stale event for a slot at worst makes it read, find EAGAIN, and
 * wait.
 *
 * Ownership: struct fl_httpd lives on caller storage; it owns the
 * listening socket, the connections' fds and their answer buffers, all
 * released by fl_httpd_close() (a no-op on a closed one, and on a zeroed
 * one never given to fl_httpd_init).  cfg's strings and arg are borrowed for h's life.  The render
 * callback gets a writer for the call only.
 * Errors: only fl_httpd_listen() returns one (see there); a connection
 * that fails is closed, and h->answers counts what was answered.
 * Not pure (sockets, read, send).  Not thread-safe: one owner thread.
 * Layer: os.
 */
#ifndef FL_HTTPD_H
#define FL_HTTPD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"
#include "codec/prom.h"
#include "os/tcp.h"

#define FL_HTTPD_CONNS_MAX 8		/* clients at once; more are accepted and closed */
#define FL_HTTPD_REQUEST_BYTES_MAX 8192	/* a request head longer than this: 431 */
#define FL_HTTPD_HEADERS_MAX 100	/* header lines; more: 431 */
#define FL_HTTPD_DEADLINE_MS 5000	/* from accept to the close */
#define FL_HTTPD_DRAIN_BYTES_MAX 65536	/* dropped after the answer before a reset */
#define FL_HTTPD_BACKLOG 64		/* of the socket fl_httpd_listen opens */

/* The statuses counted apart in h->answers (and flume_metrics_responses_total). */
enum fl_httpd_code {
	FL_HTTPD_200, FL_HTTPD_400, FL_HTTPD_404, FL_HTTPD_405, FL_HTTPD_431,
	FL_HTTPD_OTHER,			/* 500, 505 */
	FL_HTTPD_CODES
};

struct fl_httpd_cfg {
	const char *path;		/* the one path served: "/metrics" */
	const char *content_type;	/* of a 200: "text/plain; version=0.0.4; ..." */
	size_t body_bytes_max;		/* the render writer's cap: more is a 500 */
	/*
	 * Append the body of a 200 to w (an empty, owned writer capped at
	 * body_bytes_max); 0, or nonzero (the writer's w->err will do) to
	 * answer 500 instead.  Called once per GET or HEAD of path.
	 */
	int (*render)(void *arg, struct fl_wr *w);
	/*
	 * May be NULL.  A connection was accepted into slot: its fd is
	 * non-blocking and close-on-exec.  0 keeps it; nonzero closes it at
	 * once (the owner could not watch it: epoll_ctl failed).
	 */
	int (*on_accept)(void *arg, int fd, size_t slot);
	void *arg;			/* given to both */
};

struct fl_httpd_conn {
	int fd;				/* -1: the slot is free */
	int64_t deadline_ms;		/* closed then, whatever it is doing */
	int is_answering;		/* the request is read: only sending remains */
	int is_draining;		/* all sent, FIN sent: reading to the client's EOF */
	size_t drained;			/* bytes dropped meanwhile (bounded) */
	size_t inlen;
	uint8_t in[FL_HTTPD_REQUEST_BYTES_MAX];
	struct fl_wr out;		/* owned: the whole answer */
	size_t out_off;			/* sent so far */
};

struct fl_httpd {
	struct fl_httpd_cfg cfg;
	int lfd;			/* the listening socket, owned; -1: none */
	struct fl_tcp_addr bound;	/* its address (fl_httpd_listen, fl_httpd_adopt) */
	struct fl_httpd_conn conns[FL_HTTPD_CONNS_MAX];
	size_t nconns;			/* slots in use */
	uint64_t answers[FL_HTTPD_CODES];	/* answers begun, by status */
	uint64_t refused;		/* accepted and closed at once: every slot taken */
	uint64_t timed_out;		/* closed at their deadline */
};

/* Empty: no socket, every slot free, counters zero.  cfg is copied. */
void fl_httpd_init(struct fl_httpd *h, const struct fl_httpd_cfg *cfg);

/*
 * Open h's listening socket on host:port (os/tcp.h: host "" for every
 * address, port 0 for any free one; backlog FL_HTTPD_BACKLOG) and fill
 * h->bound.  0, or FL_EINVAL / FL_ESYS with a sentence in err beginning
 * with `what` (the option's name).  h must have no socket yet.
 */
int fl_httpd_listen(struct fl_httpd *h, const char *what, const char *host, uint16_t port,
    struct fl_err *err);
/*
 * Take the owner's listening socket lfd (it should be non-blocking: the
 * accept loop runs to EAGAIN); h owns it from now on.  h->bound is filled
 * when lfd is a TCP socket (zeroed otherwise).
 */
void fl_httpd_adopt(struct fl_httpd *h, int lfd);

/* h->lfd is readable: accept every pending connection (fl_httpd_take each). */
void fl_httpd_on_listen(struct fl_httpd *h, int64_t now_ms);
/*
 * Serve the connected socket fd (made non-blocking and close-on-exec
 * here) from a free slot, its deadline now_ms + FL_HTTPD_DEADLINE_MS:
 * cfg.on_accept is asked, then whatever already arrived is read.
 * Returns the slot, or -1 when fd was closed (every slot taken, counted
 * in h->refused, or on_accept said no).  fd is h's either way.
 */
int fl_httpd_take(struct fl_httpd *h, int fd, int64_t now_ms);

/*
 * A poll(2) owner: the events slot's fd waits for (POLLIN while reading
 * the request or draining, POLLOUT while sending), 0 for a free slot;
 * the fd is h->conns[slot].fd.
 */
short fl_httpd_poll_events(const struct fl_httpd *h, size_t slot);
/*
 * slot's fd is ready (or may be: a spurious call costs a read that finds
 * EAGAIN): read, answer, send, drain, close as far as it can go now.
 * is_hup: the owner saw POLLHUP/POLLERR (EPOLLHUP/EPOLLERR): a connection
 * still reading its request is closed.
 */
void fl_httpd_on_conn(struct fl_httpd *h, size_t slot, int is_hup);

/*
 * Close the connections whose deadline is at or before now_ms; returns the
 * earliest deadline left, INT64_MAX if none.
 */
int64_t fl_httpd_tick(struct fl_httpd *h, int64_t now_ms);

/*
 * Close every connection and the listening socket (h->lfd becomes -1); h
 * may serve again after fl_httpd_listen or fl_httpd_adopt.  A zeroed h
 * (never inited) is left alone.
 */
void fl_httpd_close(struct fl_httpd *h);

/*
 * The family flume_metrics_responses_total{code}: h->answers by status
 * (200, 400, 404, 405, 431, other), for the owner's exposition.
 */
void fl_httpd_prom(const struct fl_httpd *h, struct fl_prom *p);

#endif
