/*
 * serve.h: the broker's I/O shell, shared by the C files of flume-serve/
 * only (programs never include each other's files).
 *
 *   main.c   options, config file, signals (self-pipe), data dir, wiring
 *   store.c  the data directory's catalog (store/catalog.h) and its
 *            housekeeping: retention, producer expiry, snapshots
 *   loop.c   the epoll loop: accept, connections, framing, output queues
 *            (writev + sendfile), parking, housekeeping, shutdown
 *   kafka.c  one handler per Kafka API: decode, ask the partition
 *            (store/part.h) or catalog, encode, queue
 *   sync.c   the sync thread that runs a group-commit round's fdatasync
 *            calls; the rounds themselves are sm/round.h (DESIGN §5)
 *   group.c  consumer groups: wiring of the coordinator (sm/coord.h)
 *   admin.c  the admin socket's line protocol (flume-admin(7))
 *   metrics.c  --metrics-listen: counters the loop keeps, and their
 *            exposition (Prometheus text format) served by os/httpd.h
 *   users.c  `flume-serve user|acl ...`, and users_apply(): every edit of
 *            the users file, under DIR/users.lock
 *
 * Threads: everything runs on the loop thread except the fdatasync calls
 * of a sync round, which run on the sync thread on files the loop thread
 * handed over (struct sync_job); the two share only struct syncer, under
 * its mutex.
 */
#ifndef FL_SERVE_H
#define FL_SERVE_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "base/err.h"
#include "base/ratelim.h"
#include "base/rd.h"
#include "codec/cmeta.h"
#include "codec/creds.h"
#include "codec/kproto.h"
#include "codec/offsets.h"
#include "codec/prom.h"
#include "codec/rverb.h"
#include "codec/topics.h"
#include "os/diag.h"
#include "os/httpd.h"
#include "sm/coord.h"
#include "sm/round.h"
#include "store/catalog.h"
#include "store/meta.h"
#include "store/part.h"
#include "store/vfs.h"

#define SERVE_HOST_MAX 256
#define SERVE_PATH_MAX 4096
#define SERVE_ADMIN_CONNS_MAX 16
#define SERVE_ADMIN_LINE_MAX 1024
#define SERVE_ADMIN_IDLE_MS 60000	/* an admin connection silent this long is closed */
#define SERVE_FDS_RESERVED 64		/* descriptors kept for new topics, the log, children */
#define SERVE_RBUF_BYTES 65536		/* a connection's resting receive buffer */
#define SERVE_OUT_FREE_BYTES (1u << 20)	/* reply buffer not counted against buffer-bytes-max */
#define SERVE_FILE_CHUNKS_MAX 64	/* queued sendfile ranges per connection */
#define STORE_LOCK_WAIT_MS 10000	/* at start: for a killed predecessor's children */
#define SERVE_HOUSEKEEP_MS 30000	/* retention, snapshots, expiry */
#define SERVE_COMMIT_TIMEOUT_MS 5000	/* offsets.commit.timeout.ms: replicated commits */
/*
 * What one response's arrays may take from the request's arena beyond what
 * decoding it did: answers are sized by the broker's state (a Metadata
 * answer for a 10000-partition topic), not by the request's bytes.
 */
#define SERVE_RESP_ARENA_BYTES (64u << 20)

struct serve_cfg {
	char data_dir[SERVE_PATH_MAX];
	char listen_host[SERVE_HOST_MAX];
	uint16_t listen_port;
	char adv_host[SERVE_HOST_MAX];
	uint16_t adv_port;
	int has_advertise;
	char log_file[SERVE_PATH_MAX];
	int ready_fd;				/* -1: none */
	int32_t node_id;
	int auto_create;			/* auto-create-topics */
	int32_t num_partitions;			/* default for new topics */
	uint64_t request_bytes_max;		/* socket-request-max-bytes */
	uint64_t refusal_log_ms;		/* refusal-log-interval-ms */
	uint64_t message_bytes_max;		/* max-message-bytes */
	uint64_t connections_max;
	uint64_t unsynced_bytes_max;		/* pause producers above */
	uint64_t produce_waiting_max;		/* pause producers above */
	uint64_t conn_out_bytes_max;		/* stop reading a connection above */
	uint64_t buffer_bytes_max;		/* all receive buffers together */
	uint64_t segment_bytes;
	int64_t  retention_ms;
	int64_t  retention_bytes;
	uint64_t shutdown_timeout_ms;
	uint64_t producers_max;			/* per partition */
	int64_t  producer_expiration_ms;
	uint64_t offsets_compact_bytes;		/* compact __consumer_offsets past this */
	int32_t  group_initial_delay_ms;	/* group.initial.rebalance.delay.ms */
	int32_t  group_min_session_ms;		/* group.min.session.timeout.ms */
	int64_t  replica_lag_max_ms;		/* replica.lag.time.max.ms */
	int32_t  min_insync;			/* min.insync.replicas */
	enum fl_log_level log_level;
	char metrics_host[SERVE_HOST_MAX];	/* metrics-listen */
	uint16_t metrics_port;
	int has_metrics;
	int sasl;				/* the listener requires SASL */
	unsigned sasl_mechs;			/* enabled: bits (1u << enum fl_sasl_mech) */
	char replica_user[256];			/* followers authenticate as (flume-repl) */
	char replica_password_file[SERVE_PATH_MAX];
};

/* ---- sync thread ---- */

struct sync_job {
	struct fl_part *p;
	struct fl_file *f;
	uint64_t end;
	int rc, errnum;
	const char *call;		/* what failed: "write" or "fdatasync" */
	uint64_t records;		/* offsets the fdatasync makes durable (metrics) */
	uint64_t sync_us;		/* how long it took (the sync thread writes it) */
};

/*
 * The thread that runs a round's fdatasync calls; the round's bookkeeping
 * is struct fl_round (sm/round.h) on the loop thread.
 */
struct syncer {
	pthread_t th;
	int has_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int has_work, is_done, quit;	/* under mu */
	struct sync_job *jobs;		/* owned; handed over while has_work */
	size_t njobs, cap;
	struct fl_round_slot **slots;	/* owned scratch for fl_round_begin */
	size_t slots_cap;
	int efd;			/* eventfd: the thread says "done" */
};

/* ---- connections ---- */

enum { CHUNK_MEM = 0, CHUNK_FILE = 1 };

struct chunk {
	int kind;
	int fd;				/* FILE: owned dup of the segment fd */
	uint64_t len;			/* bytes left to send */
	uint64_t pos;			/* FILE: position in the file */
	uint64_t need_round;		/* 0 ready; else after that sync round */
	uint32_t hold;			/* MEM: not sent until conn_release(hold) (0: none) */
};

enum { EV_CONN = 1, EV_LISTEN, EV_ADMIN_LISTEN, EV_SIGNAL, EV_SYNC, EV_CHILD,
	EV_METRICS_LISTEN, EV_METRICS_CONN };

struct ev_src {
	int kind;
};

/* A request answered but not yet sent: its latency is taken when it is. */
struct lat_pending {
	uint64_t end;			/* conn's queued_bytes once its answer was queued */
	uint64_t t0_ns;			/* when the broker began to handle it */
	int16_t api;
};
#define LAT_PENDING_MAX 256		/* per connection; more pipelined: timed at once */

struct conn {
	struct ev_src ev;		/* first: epoll data.ptr points here */
	int fd;				/* -1: slot free */
	int is_admin;
	int64_t ctl_epoch;		/* admin: the controller epoch said here (-1: none) */
	char peer[64];
	uint8_t *rbuf;			/* owned */
	size_t rpos, rlen, rcap;
	struct fl_wr out;		/* encoded response bytes, from out_head on */
	size_t out_head;
	struct chunk *q;		/* owned ring of queued output */
	size_t qhead, qlen, qcap;
	size_t nfile;			/* FILE chunks queued */
	int can_read, can_write;
	int is_eof;			/* peer closed its side */
	int saw_rdhup;			/* epoll said so: read until EOF */
	int is_closing;			/* close once output is flushed */
	int on_ready;
	int is_parked;			/* a Fetch waits at rpos */
	int is_replica_park;		/* ... a follower's (it reads to the log end) */
	int64_t park_deadline_ms;
	int64_t last_active_ms;		/* read, wrote or handled something */
	uint32_t gen;			/* bumped per use of the slot: group tokens */
	size_t out_counted;		/* out.cap beyond the free 1 MiB, as counted in b->out_bytes */
	int is_waiting;			/* a JoinGroup/SyncGroup awaits the coordinator */
	int32_t wait_corr;		/* ... and owes this correlation id */
	int16_t wait_version;		/* ... in this version */
	int16_t wait_api;		/* ... for this request (JoinGroup or SyncGroup) */
	struct conn_auth *auth;		/* owned (auth.c): SASL state and principal */
	uint64_t queued_bytes, sent_bytes;	/* ever queued for / written to the socket */
	struct lat_pending *lat;	/* owned ring (lazily), LAT_PENDING_MAX */
	size_t lat_head, lat_len;
	uint64_t park_t0_ns;		/* a parked Fetch: when it was first handled */
	uint64_t wait_t0_ns;		/* an answer owed by the coordinator: since */
	int16_t wait_lat_api;
	struct pending_acks *acks;	/* acks=all answers waiting for the HW, oldest first (kafka.c) */
	size_t nacks;			/* ... how many */
	int acks_full;			/* ... too many: reading stops (is_waiting) until one settles */
	uint64_t out_base;		/* bytes ever queued in out before out.p[0] */
	struct conn *next_ready;
	struct conn *park_prev, *park_next;
	size_t live_idx;
};

/* ---- metrics (metrics.c) ---- */

#define METRICS_GROUPS_MAX 1000		/* groups shown; the rest are left out */
#define METRICS_LAG_SERIES_MAX 10000	/* (group, partition) lag series shown */
#define METRICS_BODY_BYTES_MAX (64u << 20)	/* a bigger exposition is a 500 */
#define METRICS_API_SLOTS 64		/* API keys below this are counted apart */
#define METRICS_KERR_SLOTS 128		/* Kafka error codes -1 .. 126 apart, others as -1 */

/*
 * Everything here is written on the loop thread only (fsync timings come
 * back with the sync jobs), so nothing is locked; per-request updates are
 * array indexing.
 */
struct metrics {
	struct fl_prom_hist req_us[METRICS_API_SLOTS + 1];	/* [SLOTS]: other keys */
	uint64_t records_in, bytes_in, records_out, bytes_out;
	uint64_t produce_errors[METRICS_KERR_SLOTS];	/* [code + 1] */
	uint64_t fsyncs;
	struct fl_prom_hist fsync_us, records_per_fsync;
	uint64_t accepted[2], closed[2];	/* [is_admin] */
	uint64_t sasl_ok, sasl_failed, acl_denied;
	struct fl_httpd http;		/* the GET /metrics responder (os/httpd.h) */
	struct ev_src ev_listen;	/* epoll tags: its listening socket, */
	struct ev_src ev_conn[FL_HTTPD_CONNS_MAX];	/* and each connection slot */
};

/* ---- authentication (auth.c) ---- */

struct users_stamp {
	int exists;
	uint64_t dev, ino, size;
	int64_t mtime_ns;
};

struct auth_state {
	struct fl_creds creds;		/* owned */
	struct users_stamp stamp;	/* the users file as last read (users.c) */
	int is_loaded;
	int is_damaged;			/* refuse everything until it reads again */
	int is_changed;			/* reloaded: the tick drops removed users */
	int64_t next_check_ms;
};

/* ---- the broker ---- */

struct broker {
	const struct serve_cfg *cfg;
	struct fl_vfs *vfs;
	char cluster_id[FL_META_CLUSTER_ID_MAX + 1];
	int meta_format;		/* the data directory's, as read (store/meta.h) */
	char adv_host[SERVE_HOST_MAX];
	uint16_t adv_port;
	char bound[SERVE_HOST_MAX + 8];	/* "host:port" we listen on */

	int epfd, lfd, afd;
	struct ev_src ev_listen, ev_admin, ev_signal, ev_sync;
	int sig_rfd;			/* self-pipe read end (main.c owns it) */
	char admin_path[SERVE_PATH_MAX];

	int64_t now_ms;			/* monotonic, read once per loop turn */
	int64_t wall_ms;		/* realtime, same turn */
	int64_t start_ms;
	int64_t next_housekeep_ms;
	int64_t last_refuse_log_ms;
	struct fl_ratelim close_log;	/* "closing connection" lines, per peer host */
	int64_t next_admin_idle_ms;
	int spare_fd;			/* given up to shed connections when out of descriptors */
	uint64_t nofile_limit;		/* RLIMIT_NOFILE (soft) */

	struct fl_catalog cat;		/* topics and partitions */
	struct fl_part_config part_cfg;

	/* connections */
	struct conn *conns;		/* owned, connections_max + admin slots */
	size_t nslots;
	struct conn **live;		/* owned, dense */
	size_t *free_slots;		/* owned stack of free slot indices */
	size_t nfree;
	size_t nlive, nkafka, nadmin;
	struct conn *ready;		/* conns to service this turn */
	struct conn *parked;		/* conns with a parked Fetch */
	uint64_t rbuf_bytes;		/* receive buffers beyond the resting size */
	uint64_t out_bytes;		/* reply buffers beyond SERVE_OUT_FREE_BYTES each */

	struct syncer sy;
	struct fl_round round;		/* group commit (sm/round.h) */
	int is_paused;			/* producers wait for the sync thread */
	size_t nacks_waiting;		/* acks=all answers pending, all connections */
	uint32_t next_hold;		/* ids for held answers (conn_queue_held) */
	int replicas_wanted;		/* a replicated partition was appended to */
	size_t nreplica_parked;		/* parked Fetches of followers */

	struct fl_coord coord;		/* consumer groups (sm/coord.h) */
	int has_coord;
	int coord_here;			/* this node coordinates groups (leads the offsets log) */

	struct fl_cmeta cmeta;		/* cluster.meta: brokers, partition roles */
	struct ctl_request *requests;	/* CreateTopics/DeleteTopics for the controller */
	size_t nrequests;
	uint64_t next_request_id;
	struct child **children;	/* flume-repl, one per leader followed (cluster.c) */
	size_t nchildren;
	char repl_path[SERVE_PATH_MAX];	/* the flume-repl program */
	int64_t next_leader_tick_ms;	/* leaders' lag timers, every 100 ms */

	int is_stopping;
	int is_failed;			/* stop at once: durability is in doubt */
	int64_t stop_deadline_ms;
	int exit_code;			/* loop_run's result (sysexits) */

	struct metrics m;
	struct auth_state auth;
};

/* auth.c (see there) */
int auth_reload(struct broker *b, int force);
void auth_tick(struct broker *b);
void auth_close(struct broker *b);
int auth_is_done(const struct broker *b, const struct conn *c);
int auth_is_raw(const struct conn *c);
uint64_t auth_frame_max(const struct broker *b, const struct conn *c);
const char *auth_principal(const struct conn *c);
void auth_conn_closed(struct conn *c);
int auth_allowed_before(int16_t api_key);
int auth_handshake(struct broker *b, struct conn *c, struct fl_kp_req *req);
int auth_authenticate(struct broker *b, struct conn *c, struct fl_kp_req *req);
int auth_raw_token(struct broker *b, struct conn *c, const uint8_t *p, size_t n);
/*
 * May c's principal do op (FL_ACL_*, or 0 for describe) on (type, name)?
 * Always 1 without --sasl.  auth_may logs a denial (rate-limited per
 * connection); auth_may_quiet does not (Metadata's listing filter).
 */
int auth_may(struct broker *b, struct conn *c, unsigned op, enum fl_acl_type type,
    const void *name, size_t len);
int auth_may_quiet(struct broker *b, struct conn *c, unsigned op,
    enum fl_acl_type type, const void *name, size_t len);
/* InitProducerId: write on some topic, or a super user (KIP-679).  Logs a denial. */
int auth_may_idempotent(struct broker *b, struct conn *c);
/* A super user (cluster grant): replication's requests.  Logs a denial. */
int auth_super(struct broker *b, struct conn *c, const char *what);

/* main.c */
void serve_reopen_log(struct broker *b);

/* store.c */
int store_open(struct broker *b, struct fl_err *err);
void store_close(struct broker *b);
struct fl_part *store_part(struct broker *b, const void *name, size_t len, int32_t idx);
struct fl_topic *store_find(struct broker *b, const void *name, size_t len);
/* Create topics (one durable write), logging what happened. */
void store_create(struct broker *b, struct fl_catalog_new *nt, size_t n);
/* 0, FL_ENOENT, or an I/O error (logged). */
int store_delete(struct broker *b, const char *name);
/* CreatePartitions: grow t to nparts (fl_catalog_add_partitions, after any
 * sync round; the new partitions are locked).  0 or FL_E* (*err says). */
int store_grow(struct broker *b, struct fl_topic *t, int32_t nparts, struct fl_err *err);
void store_housekeep(struct broker *b);
void store_snapshot_all(struct broker *b, int only_changed);
/* An append of bytes to p: it joins the next sync round. */
void store_appended(struct broker *b, struct fl_part *p, uint64_t bytes);
/*
 * A write to a log failed: what is on disk is in doubt, so the broker
 * acknowledges nothing more and stops (EX_IOERR) at the end of this loop
 * turn, naming the call, the partition and errno's text (Kafka takes the
 * log directory offline the same way).
 */
void store_fail(struct broker *b, const struct fl_part *p, const char *call, int rc);
/* Log a storage error of a partition: the call, the file, errno's text. */
void store_log_error(const struct fl_part *p, const char *what, int rc);
static inline int is_internal_topic(const void *name, size_t len)
{ return len == 18 && memcmp(name, FL_OFFSETS_TOPIC, 18) == 0; }

/* The broker's lock of a partition (flume-log(5)); 0 or FL_EBUSY / FL_ESYS with err. */
int store_lock_part(struct fl_part *p, struct fl_err *err);
int store_lock_part_at(struct broker *b, struct fl_topic *t, int32_t idx, struct fl_err *err);
void store_unlock_part(struct fl_part *p);

/* cluster.c */
struct child;
int cluster_open(struct broker *b, struct fl_err *err);
void cluster_stop(struct broker *b);
int cluster_is_on(const struct broker *b);
void cluster_on_child(struct broker *b, struct ev_src *src);
void cluster_tick(struct broker *b);
int64_t cluster_next_wake(const struct broker *b);
/*
 * The replica verbs, parsed by codec/rverb.h (admin.c): each applies a
 * line that parsed to this broker's state and answers it.
 */
void cluster_cmd_brokers(struct broker *b, struct conn *c, const struct fl_rverb *v);
void cluster_cmd_lead(struct broker *b, struct conn *c, const struct fl_rverb *v);
void cluster_cmd_follow(struct broker *b, struct conn *c, const struct fl_rverb *v);
void cluster_cmd_isr(struct broker *b, struct conn *c, const struct fl_rverb *v);
void cluster_cmd_offline(struct broker *b, struct conn *c, const struct fl_rverb *v);
/* Is follow's LEADER_ID in cluster.meta?  1, or 0 after answering that it is not. */
int cluster_knows_leader(struct broker *b, struct conn *c, int32_t leader);
void cluster_topic_created(struct broker *b, struct fl_topic *t);
/* A read met damage in p (fl_part_read): say so; if it stopped leading, wake who waits. */
void cluster_part_damaged(struct broker *b, struct fl_part *p, int was_leader);
/* A topic is about to be deleted: its followers let it go first (FL_EBUSY if one does not). */
int cluster_topic_deleting(struct broker *b, struct fl_topic *t);

/*
 * In a cluster, topics are created and deleted by the controller: a
 * client's CreateTopics, DeleteTopics or auto-creation is queued here,
 * shown in `status` as a request line, and dropped when the controller
 * says `done ID` (flume-admin(7)).
 */
#define CLUSTER_REQUESTS_MAX 256
struct ctl_request {
	uint64_t id;
	int is_delete;
	char name[FL_TOPIC_NAME_MAX + 1];
	int32_t nparts, rf;
	struct fl_topic_conf conf;
};
/* Queue one: 0, or FL_EFULL (too many wait). A request already queued is not queued twice. */
int cluster_request(struct broker *b, int is_delete, const char *name, int32_t nparts,
    int32_t rf, const struct fl_topic_conf *conf);
void cluster_say_requests(struct broker *b, struct conn *c);
/*
 * Does a client's CreateTopics for this name wait for the controller here?
 * (Metadata then answers LEADER_NOT_AVAILABLE, which clients retry, as
 * Kafka does for a topic being created.)
 */
int cluster_creating(const struct broker *b, const void *name, size_t len);
void cluster_cmd_done(struct broker *b, struct conn *c, const struct fl_rverb *v);
void cluster_cmd_controller(struct broker *b, struct conn *c, const struct fl_rverb *v);
/* Is this admin connection's controller older than one the broker heard of?  (says so) */
int cluster_fenced(struct broker *b, struct conn *c);

/* sync.c */
int sync_init(struct broker *b);
void sync_stop(struct broker *b);
void sync_maybe_start(struct broker *b);
void sync_on_done(struct broker *b);
void sync_wait_idle(struct broker *b);

/* loop.c */
int loop_run(struct broker *b);
int loop_listen(struct broker *b, struct fl_err *err);
void conn_ready(struct broker *b, struct conn *c);
void conn_close(struct broker *b, struct conn *c, const char *why);
/*
 * Count c's reply buffer as it is now into b->out_bytes; 0, or -1 when it
 * grew and all reply buffers together pass buffer-bytes-max (the caller
 * closes c: bounded memory whatever clients ask for).
 */
int conn_out_account(struct broker *b, struct conn *c);
/*
 * Queue the next len bytes of c->out (after everything queued before) as
 * output; need_round 0 = send when reached, else after that sync round.
 */
int conn_queue_mem(struct conn *c, size_t len, uint64_t need_round);
/*
 * Like conn_queue_mem, but the bytes stay unsent (and everything behind
 * them) until conn_release(c, hold); meanwhile the caller may rewrite
 * them in place at c->out.p + (position - c->out_base), positions taken as
 * c->out_base + offset when they were encoded.  hold != 0.
 */
int conn_queue_held(struct conn *c, size_t len, uint64_t need_round, uint32_t hold);
void conn_release(struct conn *c, uint32_t hold);
/* Queue len bytes of the file fd from pos (the fd is dup'ed). */
int conn_queue_file(struct conn *c, int fd, uint64_t pos, uint64_t len);
/* is_replica: a follower's Fetch (loop_wake_replicas wakes it on appends). */
void conn_park(struct broker *b, struct conn *c, int64_t deadline_ms, int is_replica);
void conn_unpark(struct broker *b, struct conn *c);
void loop_wake_all(struct broker *b);
/* Wake the parked Fetches of followers (new data at the log end). */
void loop_wake_replicas(struct broker *b);
/* Watch fd for input in the loop; events come to src's kind. */
int serve_watch_fd(struct broker *b, int fd, struct ev_src *src);

/* loop.c: add fd to the loop's epoll set with these events. */
int loop_ep_add(struct broker *b, int fd, uint32_t events, struct ev_src *src);

/* metrics.c */
void metrics_init(struct broker *b);
/* The --metrics-listen socket (nothing without it): 0 or an error in err. */
int metrics_listen(struct broker *b, struct fl_err *err);
void metrics_on_listen(struct broker *b);
void metrics_on_conn(struct broker *b, struct ev_src *src, uint32_t events);
/* Close the metrics connections past their deadline; the earliest deadline left. */
int64_t metrics_tick(struct broker *b);
/* Stop: the listener and every metrics connection close. */
void metrics_stop(struct broker *b);
/*
 * One Kafka request of key api (-1: unknown) handled from t0_ns on: its
 * latency is taken once its answer's last byte is written (loop.c).
 */
void metrics_request_begin(struct broker *b, struct conn *c, int16_t api, uint64_t t0_ns,
    uint64_t queued_before);
/* Bytes were written on c: the requests whose answers are all out are timed. */
void metrics_request_sent(struct broker *b, struct conn *c);
/* One Kafka request answered in us microseconds (api: its key). */
static inline void
metrics_request(struct broker *b, int16_t api, uint64_t us)
{
	size_t i = api >= 0 && api < METRICS_API_SLOTS ? (size_t)api : METRICS_API_SLOTS;

	fl_prom_hist_observe(&b->m.req_us[i], us);
}
static inline void
metrics_produce_error(struct broker *b, int16_t code)
{
	size_t i = code >= -1 && code < METRICS_KERR_SLOTS - 1 ? (size_t)(code + 1) : 0;

	b->m.produce_errors[i]++;
}

/* kafka.c: arrays for a response, from the request's arena (NULL for 0). */
void *kafka_arena(struct fl_kp_req *req, size_t nmemb, size_t size, int *rc);
/*
 * Queue what the encoder appended to c->out since 'from' (rc: the
 * encoder's result); need_round 0 sends when reached, else after that sync
 * round.  0, or -1 (close the connection) on failure.
 */
int kafka_finish(struct broker *b, struct conn *c, size_t from, int rc, uint64_t need_round);

/* kafka.c: HWs may have moved: answer the acks=all Produces they settle. */
void kafka_hw_moved(struct broker *b);
/* kafka.c: c is closing: forget what it waited for. */
void kafka_conn_closed(struct broker *b, struct conn *c);
/* kafka.c: 1 if c reads nothing now because of acks=all / commit waits. */
int kafka_conn_waits_acks(const struct conn *c);
struct pending_acks;
/*
 * kafka.c: answer c's OffsetCommit (its per-partition errors in tr) once
 * the HW of the replicated offsets log passes end, as acks=all would; c
 * reads nothing more meanwhile.  1 waiting, 0 answered already, -1 c was
 * closed, or FL_ENOMEM.
 */
int kafka_commit_wait(struct broker *b, struct conn *c, const struct fl_kp_req *req,
    const struct fl_kp_offset_commit_topic_resp *tr, size_t ntopics, uint64_t end);

/* kafka.c: handle one request payload; 1 = parked (keep the frame), 0 =
 * done, negative = close the connection. */
int kafka_handle(struct broker *b, struct conn *c, uint8_t *p, size_t n);

/* kadmin.c: the admin APIs' handlers (codec/kadmin.h); -1: close c. */
int kadmin_handle(struct broker *b, struct conn *c, struct fl_kp_req *req);
/* CreateTopics v5+: a new topic's effective configs into tr (arena); 0 or FL_E*. */
int kadmin_created_configs(struct broker *b, struct fl_kp_req *req,
    const struct fl_topic_conf *conf, struct fl_kp_create_topic_resp *tr);

/* group.c: consumer groups and committed offsets. */
int group_init(struct broker *b);
/* The offsets log became durable below what its partition's HW says. */
void group_durable(struct broker *b);
void group_free(struct broker *b);
/*
 * The role of __consumer_offsets-0 here may have changed (lead, follow,
 * offline): a node that now leads it rebuilds the groups from its log; one
 * that no longer does forgets them and answers waiting members
 * NOT_COORDINATOR.
 */
void group_roles_changed(struct broker *b);
/* Like kafka_handle, plus 2: the frame is consumed, the answer comes later. */
int group_handle(struct broker *b, struct conn *c, struct fl_kp_req *req);
/* After an admin call on b->coord (DeleteGroups, OffsetDelete): its answers,
 * then its records appended to the offsets log.  0, or -1 if they could not be. */
int group_store(struct broker *b);
void group_tick(struct broker *b);
int64_t group_next_wake(const struct broker *b);
void group_conn_closed(struct broker *b, struct conn *c);
void group_admin_list(struct broker *b, struct conn *c);
void group_admin_show(struct broker *b, struct conn *c, const char *name);

/* admin.c: append one printf-formatted piece of an answer to c->out. */
void admin_say(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* admin.c: the partition operands name, or an error answered and NULL. */
struct fl_part *admin_part(struct broker *b, struct conn *c, const char *topic,
    const char *part);
/* admin.c: handle one admin line; output appended to c->out. */
void admin_handle(struct broker *b, struct conn *c, char *line);

/* ---- users.c: the users file's edits (store/credstore.h) ---- */

#define USERS_LOCK_FILE "users.lock"	/* DIR/users.lock: not DIR/lock, the broker's */
#define USERS_LOCK_WAIT_MS 3000		/* the CLI's patience with another writer */

enum users_verb { USERS_ADD, USERS_DEL, USERS_ACL_ADD, USERS_ACL_DEL };

/* One edit; every pointer is borrowed for the call. */
struct users_cmd {
	enum users_verb verb;
	const char *name;		/* the user (a valid fl_creds_name_ok name) */
	const char *password;		/* ADD: plen bytes, used as given */
	size_t plen;
	uint32_t iterations;		/* ADD: 0 means FL_SCRAM_ITER_DEFAULT */
	unsigned ops;			/* ACL_*: FL_ACL_* bits */
	enum fl_acl_type type;		/* ACL_* */
	const char *prefix;		/* ACL_* */
	int lock_wait_ms;		/* for DIR/users.lock; 0: one try (the loop thread) */
};

struct users_done {
	int replaced;			/* ADD: the user existed; new secrets, same acls */
	int unchanged;			/* ACL_*: the file already said so; not rewritten */
};

/*
 * Run `flume-serve user ...` / `acl ...` (argv[1] is "user" or "acl");
 * returns the exit status.  Called from main() before its own options.
 */
int users_main(int argc, char **argv);
/*
 * Make one edit of DIR/users: lock DIR/users.lock (waiting up to
 * cmd->lock_wait_ms), load, change, store durably (0600), unlock.  Salts
 * come from os/entropy.  The file is never written when it is damaged
 * or the edit changes nothing.  0, or with err's message naming the
 * file or the user: FL_ENOENT (no such user: DEL, ACL_*), FL_EBUSY (lock
 * still held), FL_ECORRUPT or FL_ERANGE (damaged or newer file), FL_EFULL
 * (at FL_CREDS_USERS_MAX / FL_CREDS_ACLS_MAX), FL_EINVAL, FL_ENOMEM,
 * FL_ESYS (errno).  Blocks for the lock and for PBKDF2 (ADD: two hashes
 * of cmd->iterations rounds, a few ms at the default).
 */
int users_apply(const char *dir, const struct users_cmd *cmd, struct users_done *done,
    struct fl_err *err);

/* The users file's identity: a change of any field means reload it. */
/* Stat DIR/users: 0 (exists 0 when there is none) or FL_ESYS (errno). */
int users_stamp(const char *dir, struct users_stamp *st);
static inline int users_stamp_same(const struct users_stamp *a, const struct users_stamp *b)
{
	return a->exists == b->exists && a->dev == b->dev && a->ino == b->ino &&
	    a->size == b->size && a->mtime_ns == b->mtime_ns;
}

#endif
