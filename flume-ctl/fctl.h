/*
 * fctl.h: flume-ctl's I/O shell: the admin streams to the brokers
 * (link.c), the controller loop and its operator socket (run.c), its
 * metrics (metrics.c: what run.c measures, and the exposition os/httpd
 * serves on --metrics-listen), and the operators' verbs as short-lived
 * processes (verbs.c).  The decisions are libcommon's sm/ctl; this
 * program only moves bytes and files.
 */
#ifndef FCTL_H
#define FCTL_H

#include <pipeline.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/cfile.h"
#include "codec/prom.h"
#include "os/httpd.h"
#include "sm/ctl.h"

#define CTL_SOCK "ctl.sock"		/* in the state dir: the running controller's */
#define LINK_REPLY_MAX (64u << 20)	/* a status answer for a very large cluster */

/* Exit codes (flume-ctl(1)). */
enum {
	CTL_EX_REFUSED = 1,		/* the controller refused the verb (it says why) */
	CTL_EX_UNKNOWN = 2,		/* the verb names an unknown topic, partition or node */
	CTL_EX_DIFFER = 65		/* verify-replicas: the replicas differ */
};

enum req_kind { REQ_STATUS, REQ_PUSH, REQ_CALL };

struct req {
	enum req_kind kind;
	uint64_t token;			/* REQ_STATUS: fl_ctl_status_token at sending */
	uint64_t sent_ns;		/* monotonic, when queued: its answer's round trip */
	char *line;			/* owned, without newline */
};

/* One admin stream to a broker: a Unix socket, or an exec: command's pipes. */
struct link {
	const struct fl_cfile_node *cfg;
	int rfd, wfd;			/* -1: down (the same fd for a socket) */
	pipeline *pl;			/* exec: */
	char *rbuf;			/* owned: bytes read, not yet a whole reply */
	size_t rlen, rcap, scan;
	char *wbuf;			/* owned: bytes to write */
	size_t wlen, wcap, woff;
	struct req *q;			/* owned: requests sent, answers awaited, in order */
	size_t qhead, qlen, qcap;
	int64_t next_try_ms, backoff_ms;
	int64_t status_sent_ms;		/* -1: no status request outstanding */
	int64_t oldest_ms;		/* when the oldest unanswered request was sent */
};

typedef void (*link_reply_fn)(void *arg, struct link *l, const struct req *r,
    const char *text, size_t n, const char *status);

void link_init(struct link *l, const struct fl_cfile_node *cfg);
/* Open the stream: 0, or -1 with a sentence in why. */
int link_open(struct link *l, char *why, size_t n);
void link_close(struct link *l);
int link_is_up(const struct link *l);
/* Queue a line (a request whose answer is awaited); 0 or -1 (out of memory). */
int link_send(struct link *l, enum req_kind kind, uint64_t token, const char *line, int64_t now_ms);
/* Write what can be written now: 0, or -1 when the stream failed. */
int link_flush(struct link *l);
int link_wants_write(const struct link *l);
/* Read what is there and hand each whole answer to fn: 0, or -1 when the stream ended or failed. */
int link_read(struct link *l, link_reply_fn fn, void *arg);
void link_free(struct link *l);

/*
 * One request to a node, waited for (verify-replicas, status without a
 * controller): its answer's data lines in *text (malloc'd) and its status
 * line in status[n].  0, or -1 with why.
 */
int link_call(const struct fl_cfile_node *cfg, const char *line, int timeout_ms, char **text,
    size_t *len, char *status, size_t n, char *why, size_t whyn);

struct run_opts {
	const char *cluster_file;
	const char *state_dir;
	int64_t poll_ms, liveness_ms;
	int ready_fd;
	const char *log_file;		/* reopened on SIGHUP; NULL: stderr as it is */
	const char *metrics_host;	/* --metrics-listen HOST:PORT; NULL: none */
	uint16_t metrics_port;
	const char *oneshot;		/* a verb line to carry out, then stop (no controller runs) */
	int observe;			/* with oneshot "status": read only, no new epoch */
	char **answer;			/* oneshot: the verb's answer text (malloc'd) */
	size_t *answer_len;
};

int run_controller(const struct run_opts *o);

/* ---- metrics.c: what the controller measures, and its exposition ---- */

#define CTL_METRICS_BODY_BYTES_MAX (16u << 20)	/* a bigger exposition is a 500 */

enum { CTL_SAVE_STATE, CTL_SAVE_TOPICS, CTL_SAVE_FILES };

/* Written on the loop thread only, as it works; read by the exposition. */
struct ctl_metrics {
	size_t nnodes;			/* the cluster file's nodes, in its order */
	struct fl_prom_hist *poll_us;	/* owned, [nnodes]: status round trips */
	uint64_t saves[CTL_SAVE_FILES];	/* durable writes of state / topics */
	struct fl_prom_hist save_us[CTL_SAVE_FILES];
	uint64_t lines_sent;		/* admin lines handed to the brokers' streams */
	uint64_t start_wall_ms;		/* when the controller started (process_start_time) */
};

/* 0, or -1 out of memory.  ctl_metrics_free of a zeroed one is a no-op. */
int ctl_metrics_init(struct ctl_metrics *m, size_t nnodes);
void ctl_metrics_free(struct ctl_metrics *m);
/* A status answer came back on the stream of cluster-file node i, us after it was queued. */
void ctl_metrics_poll(struct ctl_metrics *m, size_t i, uint64_t us);
/* file (CTL_SAVE_*) was made durable in us. */
void ctl_metrics_saved(struct ctl_metrics *m, int file, uint64_t us);
/*
 * The exposition into w: the machine's view (epoch, brokers, partitions,
 * elections) at now_ms, these counters, h's answers, the process.  0, or
 * the writer's error (os/httpd answers 500).
 */
int ctl_metrics_render(const struct ctl_metrics *m, const struct fl_ctl *sm,
    const struct fl_cfile *cf, const struct fl_httpd *h, int64_t now_ms, struct fl_wr *w);
/* Load and parse the cluster file: 0, or an exit code after saying why. */
int load_cluster(const char *path, struct fl_cfile *cf);

/* main.c's usage text, verbs and all. */
extern const char fctl_usage[];

/* The verbs: argv after the verb's name; return the exit code. */
int verb_main(const char *dir, const char *cluster_file, const char *state_dir, int argc,
    char **argv);

#endif
