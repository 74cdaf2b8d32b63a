/*
 * cat.h: the pieces of flume-cat shared by its files: the configuration
 * main() builds, its Kafka connections (os/kconn.h, wrapped in conn.c to
 * print and map errors), the broker pool and metadata (conn.c), and the
 * modes (produce.c, consume.c, list.c, group.c, ginfo.c).
 *
 * Error convention inside flume-cat: functions print one diagnostic line
 * with fl_warnx() and return a sysexits code (EX_UNAVAILABLE, ...), or 0.
 * main() exits with that code.  CAT_EPIPE (not a sysexits code) means
 * "stdout was closed under us": main() exits 0 quietly.  A broker that
 * refuses our SASL credentials is EX_NOPERM, passed straight up: the same
 * credentials go to every broker, so no other one is tried and nothing is
 * retried.
 */
#ifndef FL_CAT_H
#define FL_CAT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"
#include "codec/kclient.h"
#include "os/clock.h"
#include "os/kconn.h"
#include "os/out.h"

#define CAT_EPIPE	(-100)
#define CAT_HOST_MAX	FL_KCONN_HOST_MAX
#define CAT_POOL_MAX	16	/* brokers one run talks to */

enum cat_mode { CAT_NONE, CAT_PRODUCE, CAT_CONSUME, CAT_LIST };
#define CAT_TOPICS_MAX	256	/* topics one -G member subscribes to */
enum cat_off { CAT_OFF_BEGINNING, CAT_OFF_END, CAT_OFF_ABS, CAT_OFF_REL };

struct cat_conf {
	enum cat_mode mode;
	const char *brokers;		/* "host:port[,host:port...]" */
	const char *topic;
	int32_t partition;		/* -1: every partition / partitioner */
	int is_nul_delim;		/* -z: records end with NUL, not \n */
	const char *key_sep;		/* -K; NULL: no keys */
	size_t key_sep_len;
	/* producer */
	int64_t linger_ms;
	size_t batch_bytes_max;
	int16_t acks;			/* 0, 1, -1 */
	int is_idempotent;
	int is_report;			/* --report: acknowledged records to stdout */
	/* consumer */
	enum cat_off off_kind;
	int64_t off_value;
	int is_exit_eof;		/* -e */
	int64_t count_max;		/* -c; -1: unlimited */
	const char *format;		/* -f; NULL: default */
	/* group member (-G) and group listing (-L -G) */
	const char *group;		/* NULL: not a group run; -L: NULL with is_all_groups */
	int is_all_groups;		/* -L -G without a name */
	const char *const *topics;	/* -G: the subscription (borrowed from argv) */
	size_t ntopics;
	int64_t session_ms;		/* --session-ms */
	int64_t rebalance_ms;		/* --rebalance-ms */
	int64_t heartbeat_ms;		/* --heartbeat-ms; 0: session_ms / 3 */
	int64_t commit_ms;		/* --commit-ms */
	/* all */
	const char *sasl_user;		/* --sasl-user; NULL: no SASL (then the
					   other two are unset too) */
	const char *sasl_password;	/* main()'s buffer: the first line of
					   --sasl-password-file, wiped at exit */
	enum fl_sasl_mech sasl_mech;	/* --sasl-mechanism */
	int64_t timeout_ms;		/* connect, each request, retry budget */
	enum fl_out_format out_fmt;	/* -L */
	const char *client_id;
	volatile sig_atomic_t *stop;	/* set by SIGINT/SIGTERM handlers */
};

/*
 * One connection to one broker (os/kconn.h); requests strictly one at a
 * time.  The pool's settings (timeout, stop flag, watched stdout, client
 * id) are copied into k before each use.
 */
struct conn {
	struct fl_kconn k;		/* owned: socket, request and response buffers */
	int32_t node_id;		/* -1: bootstrap */
};

struct pool {
	const struct cat_conf *conf;
	struct conn c[CAT_POOL_MAX];
	size_t n;
	int watch_fd;			/* >= 0: fail with CAT_EPIPE when it errors */
	size_t meta_turn;		/* Metadata asks the live brokers in turn */
};

/* ---- time ---- */
/* Sleep ms or until *stop; 1 if stopped. */
int cat_sleep_ms(const struct cat_conf *conf, int64_t ms);

/* ---- connections ---- */

/* Split "host:port" / "[v6]:port" / "host" (port 9092); 0 or EX_USAGE. */
int cat_split_hostport(const char *s, char *host, size_t host_len,
    char *port, size_t port_len);

void pool_init(struct pool *p, const struct cat_conf *conf);
void pool_free(struct pool *p);
/*
 * Connect to the first reachable bootstrap broker, negotiate versions and
 * authenticate (with conf->sasl_user).  EX_UNAVAILABLE with one clear line
 * when none can be reached; EX_NOPERM at the first that refuses our
 * credentials.
 */
int pool_bootstrap(struct pool *p, struct conn **out);
/* Connection to node_id at host:port, connecting when needed. */
int pool_get(struct pool *p, int32_t node_id, const char *host, int32_t port,
    struct conn **out);

/*
 * A connection outside the pool (flume-cat -G keeps its coordinator apart
 * from the fetch connections): conn_init sets it up unconnected,
 * conn_ensure connects, conn_free closes and frees it.
 */
void conn_init(struct conn *c, int32_t node_id, const char *host, const char *port);
void conn_free(struct conn *c);
/* Drop the socket (next use reconnects). */
void conn_close(struct conn *c);
/*
 * Half-close and wait (up to the timeout) for the broker to close: the
 * way to know it handled requests that get no answer (acks=0).
 */
void conn_drain_close(struct pool *p, struct conn *c);
/*
 * Reconnect a closed connection, negotiate and authenticate;
 * EX_UNAVAILABLE on failure, EX_NOPERM when the broker refuses our SASL
 * credentials (one line: "host:port: SASL authentication failed: ...").
 */
int conn_ensure(struct pool *p, struct conn *c);
/* Header for the next request of api on c: next corr, negotiated version. */
struct fl_kc_hdr conn_hdr(struct conn *c, int16_t api, const char *client_id);
/*
 * Send c->k.w (a whole encoded request); when want_resp, wait for the
 * response with correlation id h->corr and leave it in c->k.resp/resp_len.
 * EX_UNAVAILABLE (connection lost or timed out; c is closed),
 * EX_PROTOCOL (bad frame or correlation id; c is closed), CAT_EPIPE.
 */
int conn_call(struct pool *p, struct conn *c, const struct fl_kc_hdr *h,
    int want_resp);
/* The same with its own time limit (JoinGroup may be parked for long). */
int conn_call_ms(struct pool *p, struct conn *c, const struct fl_kc_hdr *h,
    int want_resp, int64_t timeout_ms);

/* ---- metadata ---- */

struct cat_part {
	int32_t index;
	int32_t leader;			/* node id; -1 none */
	int16_t error;
	struct conn *conn;		/* borrowed from the pool; NULL: no leader */
};

struct cat_topic {
	char name[256];
	struct cat_part *parts;		/* owned, indexed by partition number */
	int32_t nparts;
};

/*
 * Fetch metadata for conf->topic (auto-creating when is_auto_create) and
 * connect to each partition's leader, retrying retriable errors until the
 * timeout.  Fills *t (free with cat_topic_free).  EX_NOINPUT for an unknown
 * topic, EX_DATAERR for an invalid name, EX_UNAVAILABLE / EX_TEMPFAIL.
 */
int cat_metadata(struct pool *p, int is_auto_create, struct cat_topic *t);
void cat_topic_free(struct cat_topic *t);

/* sysexits code for a Kafka error code the run cannot get past. */
int cat_kerr_exit(int16_t code);

/* ---- record output (consume.c), shared by -C and -G ---- */

struct cat_tok;
struct cat_fmt {
	struct cat_tok *toks;		/* owned */
	size_t ntok;
	struct fl_wr lit;		/* owned: literal bytes, escapes resolved */
};

/* Compile conf->format (or the default -K/-z format); EX_USAGE, EX_OSERR. */
int cat_fmt_init(struct cat_fmt *f, const struct cat_conf *conf);
void cat_fmt_free(struct cat_fmt *f);
/*
 * Print the records of one fetched partition from *offset on through f,
 * advancing *offset past what was handled and *count per record printed,
 * stopping at conf->count_max.  0, EX_PROTOCOL (corrupt), EX_DATAERR
 * (compressed).
 */
int cat_records(const struct cat_conf *conf, const struct cat_fmt *f,
    const char *topic, int32_t part, struct fl_slice records, int64_t *offset,
    int64_t *count);
/* fflush(stdout): 0, CAT_EPIPE or EX_IOERR. */
int cat_out_flush(void);

/* ---- modes ---- */
int cat_produce(const struct cat_conf *conf);
int cat_consume(const struct cat_conf *conf);
int cat_list(const struct cat_conf *conf);
int cat_group(const struct cat_conf *conf);		/* -G (group.c) */
int cat_group_list(const struct cat_conf *conf);	/* -L -G (ginfo.c) */

#endif
