/*
 * repl.h: flume-repl's state and the functions its files share.
 *
 *   main.c    options, signals (self-pipe), the ready fd, exit codes
 *   loop.c    the loop: one turn = read commands, do the partitions' local
 *             work, then at most one request to the leader
 *   parts.c   the followed partitions: lock, open, truncate or reset,
 *             append, sync, the hw checkpoint, reports, close
 *   leader.c  the requests: one OffsetForLeaderEpoch or one Fetch per turn,
 *             each covering every partition that needs it
 *   input.c   standard input (commands) and standard output (reports)
 *
 * Every replication rule is sm/follower's: these files only carry its
 * decisions out (send what it asks, cut what it says, append and sync,
 * tell it the log as it now is) and report.  One struct repl is made in
 * main() and passed down; nothing here is global but the signal flags in
 * main.c.
 */
#ifndef REPL_H
#define REPL_H

#include <signal.h>
#include <stdint.h>

#include "codec/replctl.h"
#include "codec/topics.h"
#include "os/kconn.h"
#include "sm/follower.h"
#include "store/part.h"

#define REPL_PATH_MAX		4096
#define REPL_PARTS_MAX		10000	/* partitions one child follows */
#define REPL_REPORT_MS		100	/* progress lines and hw checkpoints, per partition */
#define REPL_LOCK_WARN_MS	5000	/* a lock held this long gets an error line */
#define REPL_LOCK_BACKOFF_MIN_MS 50
#define REPL_LOCK_BACKOFF_MAX_MS 1000
#define REPL_REFUSALS_MAX	10	/* refused answers in a row for one partition: exit 76 */
#define REPL_WRITE_BUFFER_BYTES	(256u << 10)
#define REPL_PRODUCERS_MAX	10000
#define REPL_POLL_MS_MAX	1000	/* the longest the loop sleeps without a reason */

struct repl_cfg {
	const char *data_dir;
	int32_t node_id, leader_id;
	char host[FL_KCONN_HOST_MAX];
	char port[FL_KCONN_PORT_MAX];
	int32_t fetch_max_bytes;	/* a Fetch answer's bytes, and each partition's */
	int32_t max_wait_ms;		/* the leader's long poll */
	int64_t unreachable_ms;		/* exit 69 past this */
	/* SASL: with sasl_user, every connection to the leader authenticates */
	const char *sasl_user;		/* --sasl-user (argv); NULL: no SASL */
	const char *sasl_pw_file;	/* --sasl-password-file (argv) */
	enum fl_sasl_mech sasl_mech;	/* --sasl-mechanism */
};

enum rpart_state {
	RP_LOCKING,			/* waiting for DIR/TOPIC-P/lock */
	RP_OPEN				/* lock held, copy open, f runs */
};

/* Why the follower asked for its last cut (for the log line). */
enum rpart_why { WHY_EPOCH, WHY_AHEAD };

struct rpart {
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t index;
	char name[FL_TOPIC_NAME_MAX + 16];	/* "TOPIC-P", for log lines */
	char dir[REPL_PATH_MAX];
	int32_t epoch;			/* the newest `follow` gave */
	enum rpart_state state;

	/* RP_LOCKING */
	int lock_fd;			/* -1 until held */
	int64_t lock_since_ms, lock_next_ms, lock_backoff_ms;
	int is_lock_reported;

	/* RP_OPEN */
	struct fl_part part;
	struct fl_follower f;
	int refusals;			/* answers refused in a row */
	int is_fenced_reported;
	enum rpart_why why;
	int32_t asked_epoch, answer_epoch;	/* the last OffsetForLeaderEpoch */
	int64_t answer_end;

	/* reports and the hw checkpoint */
	uint64_t rep_end, rep_hw;	/* last progress line; rep_end UINT64_MAX: none yet */
	int64_t rep_ms;			/* when it went */
	int is_rep_bypassed;		/* a catch-up line went early since rep_ms */
	int64_t hw_ms;			/* last hw checkpoint */

	/* scratch for one request */
	int in_request, is_answered, is_appended;
};

struct repl {
	struct repl_cfg cfg;
	struct fl_vfs *vfs;			/* borrowed: fl_vfs_real() */
	struct fl_part_config pcfg;
	struct rpart **parts;			/* owned, each owned */
	size_t nparts;

	struct fl_kconn conn;
	int wake_fd;				/* epoll of stdin and the signal pipe:
						   the leader connection's abort fd */
	int sig_fd;				/* read end of the self-pipe */
	volatile sig_atomic_t *stop;		/* set by SIGTERM/SIGINT */

	/* standard input */
	char in[FL_REPLCTL_LINE_MAX + 2];
	size_t inlen;
	int is_in_skipping;			/* inside a line that was too long */
	int is_in_pollable;			/* 0: a regular file, poll says nothing */

	int64_t now_ms, wall_ms;
	int64_t down_since_ms;			/* first failed call since the last
						   good one; 0: the leader answers */
	char down_why[200];			/* the last failure's reason, for
						   the exit-69 line */
	int is_auth_reported;			/* a refused authentication was
						   logged since the last answer */
	char sasl_password[FL_SASL_PASSWORD_MAX + 1];	/* read anew from
						   --sasl-password-file for each
						   connection, wiped once it is made */
	int is_stopping;			/* a signal, EOF, or stdout gone: exit 0 */
	int exit_code;				/* -1 while running */
};

/* input.c */
int input_init(struct repl *r);
/* Wait up to timeout_ms (0: just look) for commands or a signal; handle them. */
void input_poll(struct repl *r, int64_t timeout_ms);
/* One report line on stdout. */
void report(struct repl *r, const struct fl_replctl_rep *rep);
void report_error(struct repl *r, const char *topic, int32_t part, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* parts.c */
void parts_follow(struct repl *r, const struct fl_replctl_cmd *c);
void parts_drop(struct repl *r, const struct fl_replctl_cmd *c);
void parts_service(struct repl *r);
int64_t parts_next_wake(const struct repl *r);
int parts_all_fenced(const struct repl *r);
int parts_need_leader(const struct repl *r);
/* Sync, checkpoint, close and unlock everything: 0 or EX_IOERR. */
int parts_close_all(struct repl *r);
/* A Fetch answer's records for rp: check, append, count refusals. */
void part_take(struct repl *r, struct rpart *rp, const uint8_t *rec, size_t n);
/* Sync rp after part_take appended (exit 74 on failure) and tell f. */
void part_durable(struct repl *r, struct rpart *rp);
/* Delete whole segments below the leader's log start (sm/follower.h). */
void part_follow_start(struct repl *r, struct rpart *rp);
/* rp could not be appended to from this answer: log, report, back off. */
void part_refuse(struct repl *r, struct rpart *rp, const char *why);
/* The exit code for a failed local call; logs it. */
void repl_fail_io(struct repl *r, const char *what, int rc);

/* leader.c */
/* One request if any partition needs one (1), else 0; wake_ms caps the long poll. */
int leader_round(struct repl *r, int64_t wake_ms);

/* loop.c */
int repl_run(struct repl *r);

#endif
