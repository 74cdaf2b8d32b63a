/*
 * sim.h: flume-sim's world (DESIGN §7).  One process runs a whole
 * cluster: brokers (store/catalog + store/part over the crashable memory
 * disk, sm/leader inside part, sm/follower for what they copy), the
 * controller (sm/ctl over store/ctlstore), and clients, on a seeded clock
 * and network.  Every rule is libcommon's; these files only carry
 * messages, time and faults, and check the promises after every step.
 *
 *   main.c    options, seeds, exit codes, the replay line
 *   world.c   the event queue, the clock, the network (drop, delay,
 *             duplication, reordering, one-way partitions), the trace and
 *             its BLAKE2b, the fault schedule (the nemesis)
 *   node.c    a broker: Kafka requests through codec/kproto, admin lines
 *             through codec/rverb, group commit over the memory disk,
 *             followers (sm/follower) speaking codec/kclient
 *   ctl.c     the controller: sm/ctl's Ready/Advance, status polls, its
 *             admin streams, its state on its own memory disk
 *   client.c  workloads: idempotent acks=all producers, acks=1 producers,
 *             consumers; operators' elections and topic creation
 *   check.c   the invariants (flume-sim(1), INVARIANTS)
 *
 * Everything random comes from the world's fl_rng, everything timed from
 * its clock: a seed replays a run byte for byte.
 */
#ifndef SIM_H
#define SIM_H

#include <stddef.h>
#include <stdint.h>

#include "base/csum.h"
#include "base/rng.h"
#include "codec/kproto.h"
#include "codec/bstatus.h"
#include "codec/cmeta.h"
#include "sm/coord.h"
#include "sm/ctl.h"
#include "sm/follower.h"
#include "store/catalog.h"
#include "store/vfs.h"

#define SIM_NODES_MAX	7
#define SIM_CLIENTS_MAX	8
#define SIM_EP_CTL	0		/* endpoints: 0 the controller, 1..N nodes, */
#define SIM_EP_CLIENT	100		/* 100+i client i */
#define SIM_TOPIC	"t"
#define SIM_TRACE_KEEP	400		/* trace lines shown with a failure */
#define SIM_VALUE_MAX	48
#define SIM_PARTS_MAX	16		/* --partitions at most */

struct sim_damage {			/* a node's damaged sectors in one partition's log */
	int is_set;			/* damaged bytes are still in its log */
	int was_hit;			/* it was damaged in this run */
	uint64_t lo, hi;		/* the offsets of the batches they hit: [lo, hi) */
};

/* ---- options ---- */

enum sim_fault {
	SIM_F_NET   = 1,		/* drop, delay, duplicate, reorder, partitions */
	SIM_F_CRASH = 2,		/* kill -9 of nodes and the controller, pauses */
	SIM_F_DISK  = 4,		/* failed fsyncs, torn writes, damaged sectors */
	SIM_F_OPS   = 8,		/* operators: elections, topic creation */
	SIM_F_ALL   = 15,
	/*
	 * Not in "all": damaged sectors above a replica's hw checkpoint too,
	 * where a known limit lives (flume-sim(1), LIMITS)
	 */
	SIM_F_DISK_ANY = 16
};

struct sim_opts {
	uint64_t seed;
	int nodes;			/* 3 */
	int partitions;			/* of topic t: 2 */
	unsigned faults;		/* SIM_F_* */
	int64_t time_limit_ms;		/* simulated time with faults (4000) */
	int64_t settle_ms;		/* then healed, to converge (6000) */
	int trace;			/* print every trace line */
	int quiet;
	int seed_single;		/* one --seed: print its summary and hash */
};

/* ---- events ---- */

enum ev_kind {
	EV_DELIVER,			/* a message arrives */
	EV_NODE_TICK,			/* a node's loop turn */
	EV_NODE_SYNCED,			/* a node's group-commit fsync completes */
	EV_CTL_TICK,			/* the controller's loop turn */
	EV_CLIENT_TICK,			/* a client's turn */
	EV_NEMESIS,			/* the next fault */
	EV_RESTART,			/* a crashed node (or the controller: 0) starts */
	EV_RESUME,			/* a paused node goes on */
	EV_HEAL				/* a partition ends */
};

enum msg_kind {
	M_KREQ,				/* a Kafka request frame */
	M_KRESP,			/* its response */
	M_ADMIN,			/* a controller's admin line */
	M_ADMIN_ANS			/* the answer: text ending with "ok" or an error line */
};

struct sim_msg {
	enum msg_kind kind;
	int from, to;			/* endpoints */
	uint32_t from_inc, to_inc;	/* incarnations when sent: a restart drops it */
	uint64_t stream;		/* admin: the stream it belongs to */
	uint64_t tag;			/* the sender's request id */
	uint8_t *data;			/* owned */
	size_t len;
};

struct sim_ev {
	int64_t at;
	uint64_t seq;			/* ties broken by order of scheduling */
	enum ev_kind kind;
	int who;			/* endpoint */
	uint32_t inc;			/* its incarnation (0: any) */
	uint64_t arg;
	struct sim_msg *msg;		/* EV_DELIVER: owned */
};

/* ---- a broker ---- */

struct sim_fol {			/* one partition this node copies */
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t part;
	int32_t leader, epoch;
	struct fl_follower f;
	int inflight;			/* a request to the leader is out */
	uint64_t tag;			/* its id */
	int64_t sent_ms;
	int syncing;			/* appended, waiting for the fsync */
	int fetch_was_replica;		/* the out request is a Fetch (else OffsetForLeaderEpoch) */
};

struct sim_park {			/* a Fetch waiting for data (fl_fetch_should_wait) */
	struct sim_msg *m;		/* owned copy */
	int64_t deadline_ms;
};

struct sim_gwait {			/* a JoinGroup or SyncGroup the coordinator holds */
	uint64_t token;
	int client;
	uint64_t tag;
	int32_t corr;
	int16_t version, api;
};

struct sim_ack {			/* a Produce waiting for its HW */
	int client;
	uint64_t tag;
	uint32_t client_inc;
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t part;
	int16_t acks;
	int32_t epoch;			/* the leader's epoch at the append */
	uint64_t base, end;
	int64_t deadline_ms;
	int32_t corr;
	int16_t version;
	int is_commit;			/* a replicated OffsetCommit (group.c) */
	int is_group_m;			/* ... of group "m" (the checker follows it) */
	int32_t commit_part;
};

struct sim_node {
	int id;
	int up, paused;
	uint32_t inc;			/* incarnation: +1 per start */
	struct fl_vfs *disk;		/* survives crashes */
	struct fl_catalog cat;
	struct fl_cmeta cmeta;
	int has_cat;
	int64_t ctl_stream_epoch;	/* the controller epoch of the open admin stream, -1 */
	uint64_t ctl_stream;		/* which stream that is */
	struct sim_fol *fol;
	size_t nfol, folcap;
	struct sim_ack *acks;
	size_t nacks, ackcap;
	int sync_pending;
	uint64_t next_tag;
	int64_t paused_until;
	struct sim_msg **held;		/* paused: what arrived, in order */
	size_t nheld, heldcap;
	struct sim_park *parked;	/* replicas' Fetches in their long poll */
	size_t nparked, parkcap;
	struct fl_coord coord;		/* group.c: while it leads the offsets log */
	int has_coord, coord_here;
	struct sim_gwait *gw;		/* JoinGroup/SyncGroup waiting for the coordinator */
	size_t ngw, gwcap;
	uint64_t next_token;
	int64_t next_hw_ms;		/* leaders' hw checkpoints, every LEADER_TICK_MS */
	struct sim_damage dmg[SIM_PARTS_MAX];	/* what the corrupt fault did to its logs */
	int is_refused;			/* it refused to start on damage: down for good */
};

/* ---- the controller ---- */

struct sim_req {			/* a line sent, its answer not yet heard */
	int is_status;
	uint64_t token;			/* status: fl_ctl_status_token */
	char *line;			/* a push: owned */
};

struct sim_link {			/* the controller's admin stream to one node */
	int up;
	uint64_t stream;
	uint32_t node_inc;
	int status_out;			/* a status request is out */
	int64_t oldest_ms;		/* when the oldest unanswered line went */
	int64_t next_try_ms;
	struct sim_req *q;		/* FIFO: answers come in order */
	size_t qlen, qcap;
};

struct sim_ctl {
	int up;
	uint32_t inc;
	struct fl_vfs *disk;
	struct fl_cmeta stored;
	struct fl_ctl sm;
	int has_sm;
	int64_t next_poll_ms;		/* status requests go out every CTL_POLL_MS */
	struct sim_link link[SIM_NODES_MAX + 1];
};

/* ---- clients ---- */

enum client_kind { CL_IDEMPOTENT, CL_ACKS1, CL_CONSUMER, CL_COMMITTER, CL_MEMBER };

struct sim_client {
	enum client_kind kind;
	int idx;
	uint32_t inc;
	int32_t part;
	int target;			/* the node it talks to now */
	int inflight;
	uint64_t tag;
	int64_t sent_ms;
	int64_t pid;			/* idempotent: -1 until InitProducerId */
	int16_t pepoch;
	int32_t seq;			/* next sequence number */
	int pending;			/* a batch is being sent (retries resend it) */
	int32_t batch_n;		/* its records */
	uint64_t next_value;
	int64_t offset;			/* consumer: next offset */
	int64_t tick_at;		/* its next turn (one at a time), -1 none */
	/* a committer: a consumer of group "g" that commits where it is */
	int coord;			/* the node it takes for the coordinator */
	int out_kind;			/* what is in flight: 0 Fetch, 1 OffsetCommit, 2 OffsetFetch */
	int64_t commit_sent;		/* the offset the commit in flight carries */
	int64_t commit_acked;		/* the highest acknowledged commit, -1 */
	int64_t floor;			/* OffsetFetch in flight: what it must return at least */
	int turns;
	/* a member of group "m" (member.c) */
	int phase;
	char member_id[64];
	int32_t generation;
	int is_leader;
	char members[8][64];
	size_t nmembers;
	int32_t assigned[16];
	size_t nassigned;
	int64_t pos[16];
	uint64_t floors[16];		/* OffsetFetch in flight: check_group_floor at its send */
	int fetch_node[16];
	int has_pos, fetch_idx;
	int64_t last_hb_ms;
};

/* ---- the world ---- */

struct sim_world {
	struct sim_opts o;
	struct fl_rng rng;
	int64_t now;
	uint64_t seq;
	struct sim_ev *q;		/* binary heap on (at, seq) */
	size_t nq, qcap;
	struct sim_node node[SIM_NODES_MAX + 1];	/* 1..nodes */
	struct sim_ctl ctl;
	struct sim_client cl[SIM_CLIENTS_MAX];
	int ncl;
	uint64_t next_stream;
	/* network: blocked[a][b]: a's messages to b are lost; endpoints by index */
	unsigned char blocked[SIM_NODES_MAX + 1 + SIM_CLIENTS_MAX][SIM_NODES_MAX + 1 + SIM_CLIENTS_MAX];
	int net_faulty;			/* drop/dup/reorder on now */
	int healing;			/* the settle phase: no more faults */
	int64_t last_admin_at[SIM_NODES_MAX + 1][2];	/* FIFO of admin streams per direction */
	uint64_t broken_stream[SIM_NODES_MAX + 1];	/* a partition cut it: nothing more passes */
	/* trace */
	struct fl_blake2b_state th;
	char **ring;			/* the last SIM_TRACE_KEEP lines */
	size_t ring_at;
	uint64_t steps;
	/* invariants */
	int failed;
	char why[1024];
	struct check *chk;
	/* totals */
	uint64_t acked_records, msgs, faults;
};

/* world.c */
void sim_oom(void) __attribute__((noreturn));
void sim_trace(struct sim_world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sim_fail(struct sim_world *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void sim_schedule(struct sim_world *w, int64_t at, enum ev_kind kind, int who, uint32_t inc,
    uint64_t arg);
void sim_send(struct sim_world *w, enum msg_kind kind, int from, int to, uint64_t stream,
    uint64_t tag, const void *data, size_t len);
uint64_t sim_rand(struct sim_world *w, uint64_t n);
int sim_chance(struct sim_world *w, unsigned per_mille);
int sim_ep_index(int ep);
uint32_t sim_inc(const struct sim_world *w, int ep);
int sim_run(struct sim_world *w);
void sim_resume(struct sim_world *w, struct sim_node *n);
void sim_drop_held(struct sim_node *n);
struct sim_msg *sim_msg_copy(const struct sim_msg *m);
void sim_msg_free(struct sim_msg *m);

/* node.c */
int node_start(struct sim_world *w, struct sim_node *n);
void node_crash(struct sim_world *w, struct sim_node *n, const char *why);
void node_corrupt(struct sim_world *w, struct sim_node *n);
void node_tick(struct sim_world *w, struct sim_node *n);
void node_synced(struct sim_world *w, struct sim_node *n);
void node_deliver(struct sim_world *w, struct sim_node *n, struct sim_msg *m);
void node_free(struct sim_node *n);
void node_drop_parked(struct sim_node *n);
struct fl_part *node_part(struct sim_node *n, const char *topic, int32_t part);
const struct sim_fol *node_fol(const struct sim_node *n, const char *topic, int32_t part);
void node_appended(struct sim_world *w, struct sim_node *n);
void node_wait(struct sim_world *w, struct sim_node *n, const struct sim_ack *a);

/* group.c */
void group_roles(struct sim_world *w, struct sim_node *n);
void group_durable(struct sim_node *n);
void group_free(struct sim_node *n);
void group_tick(struct sim_world *w, struct sim_node *n);
void group_commit(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    struct fl_kp_req *rq);
void group_join(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq);
void group_sync(struct sim_world *w, struct sim_node *n, struct sim_msg *m, struct fl_kp_req *rq);
void group_heartbeat(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    struct fl_kp_req *rq);
void group_offset_fetch(struct sim_world *w, struct sim_node *n, struct sim_msg *m,
    struct fl_kp_req *rq);
void group_commit_settled(struct sim_world *w, struct sim_node *n, const struct sim_ack *a,
    int16_t perr);

/* ctl.c */
int ctl_start(struct sim_world *w);
void ctl_crash(struct sim_world *w);
void ctl_tick(struct sim_world *w);
void ctl_deliver(struct sim_world *w, struct sim_msg *m);
void ctl_node_gone(struct sim_world *w, int id);
void ctl_free(struct sim_world *w);

/* client.c */
void clients_init(struct sim_world *w);
void client_tick(struct sim_world *w, struct sim_client *c);
void client_deliver(struct sim_world *w, struct sim_client *c, struct sim_msg *m);
void client_op(struct sim_world *w);
struct fl_kc_fetch_part_resp;
struct fl_kc_hdr;
struct fl_wr;
void client_hdr(struct sim_world *w, struct fl_kc_hdr *h, int16_t version);
void client_send(struct sim_world *w, struct sim_client *c, int to, int kind, const struct fl_wr *wr,
    int32_t corr);
void client_fetch(struct sim_world *w, struct sim_client *c, int to, int kind, int32_t part,
    int64_t offset, int32_t max_wait_ms);
void client_commit(struct sim_world *w, struct sim_client *c, int kind, const char *group,
    int32_t generation, const char *member, int32_t part, int64_t offset);
void client_records(struct sim_world *w, int client, int from, int32_t part,
    const struct fl_kc_fetch_part_resp *pr, int64_t *pos);

/* check.c */
int check_init(struct sim_world *w);
void check_free(struct sim_world *w);
void check_step(struct sim_world *w);
void check_acked(struct sim_world *w, int client, int32_t part, int64_t base,
    const char (*values)[SIM_VALUE_MAX], int32_t n, int idempotent);
void check_consumed(struct sim_world *w, int client, int32_t part, int64_t offset,
    const char *value, size_t len);
void check_led(struct sim_world *w, int node, const char *topic, int32_t part, int32_t epoch);
void check_wrote(struct sim_world *w, int node, const char *topic, int32_t part, int32_t epoch);
void check_ctl_epoch(struct sim_world *w, int64_t epoch);
void check_node_crashed(struct sim_world *w, int node);
void check_damaged(struct sim_world *w, int node, int32_t part, uint64_t lo);
int check_offset_fetched(struct sim_world *w, int client, int coord, int32_t part, int64_t got,
    int64_t floor);
void check_gcommit_stored(struct sim_world *w, int32_t part, int64_t value, uint64_t pos);
void check_gcommit_acked(struct sim_world *w, int32_t part, uint64_t pos);
uint64_t check_group_floor(struct sim_world *w, int32_t part);
void check_group_fetched(struct sim_world *w, int client, int coord, int32_t part, int64_t got,
    uint64_t floor);

/* member.c */
void member_turn(struct sim_world *w, struct sim_client *c);
void member_deliver(struct sim_world *w, struct sim_client *c, struct sim_msg *m);
void member_timeout(struct sim_world *w, struct sim_client *c);
void check_saved(struct sim_world *w, int node, const struct fl_cmeta *m);
void check_final(struct sim_world *w);

#endif
