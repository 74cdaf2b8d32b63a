/*
 * test-ctl.c: the controller's decisions (sm/ctl.h), driven as flume-ctl
 * drives them.  Each scenario is a table of steps: admin streams open and
 * fail, status answers come back (as a broker's text, read by
 * fl_bstatus_parse) carrying the token of their request, the clock moves,
 * ticks decide, operators run verbs.  After every step the ready view is
 * taken as flume-ctl's commit() takes it, and checked:
 *   - the exact lines sent, "ID LINE\n" each, in order (when the step
 *     says what it expects);
 *   - no epoch goes back: the state to persist passes
 *     fl_cmeta_check_advance against the state persisted before;
 *   - every lead/follow/offline/isr line carries an epoch the state holds
 *     by the time it is sent (persisted in the same view or before), a lead
 *     line at that epoch names the state's leader, and a leader is always
 *     a replica and in the ISR;
 *   - nothing goes to a node whose stream is closed, and a fenced
 *     controller sends nothing.
 *
 * Behind each node stands a fake broker: a table of partitions that takes
 * the lines pushed to it as flume-serve's admin verbs do (controller,
 * create, delete, lead, follow, offline, isr, done; a line at an older
 * epoch, or for a partition it lacks, is refused) and answers `status`
 * from that table, its HW being its log end, with the clients' requests
 * it queued.  Steps edit the table to stage a restart, a lagging follower,
 * an ISR proposal or a lost disk, or hold a node's lines back (in flight,
 * or lost).  Every stored state also holds the offsets log (on node 2
 * unless a scenario says), so that the controller does not create it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/bstatus.h"
#include "codec/cmeta.h"
#include "codec/nodeset.h"
#include "codec/offsets.h"
#include "codec/topics.h"
#include "sm/ctl.h"
#include "sm/place.h"
#include "tap.h"

#define NODES_MAX 5
#define FPARTS_MAX 32
#define TEXT_MAX 16384
#define T0_MS 1000			/* the clock at fl_ctl_init */
#define CTL_EPOCH 7			/* the stored state's controller epoch */
#define LIVENESS_MS 1000
/* The offsets log, as a stored state has it (unless a scenario says): on node 2 alone. */
#define OFFSETS FL_OFFSETS_TOPIC " 0 1 leader 2 2 2"

/* ---- the fake brokers ---- */

struct fpart {
	char topic[FL_TOPIC_NAME_MAX + 1];
	int32_t part;
	enum fl_role role;
	int32_t epoch, leader;
	struct fl_nodeset isr, proposed;
	uint64_t log_end;
};

struct fnode {
	int32_t id;
	int64_t ctl_epoch;
	struct fpart p[FPARTS_MAX];
	size_t n;
	char req[4][128];		/* clients' CreateTopics/DeleteTopics it queued */
	size_t nreq;
	int hold;			/* lines pushed to it are not applied */
	int mute;			/* it does not answer status (ANSWER 0 skips it) */
	uint64_t token;			/* TOKEN: a status request's token, for LATE */
	int32_t says;			/* the node id its status gives (0: its own) */
};

static struct fl_nodeset
set_of(const char *text)
{
	struct fl_nodeset s;

	memset(&s, 0, sizeof(s));
	if (strcmp(text, "-") != 0)
		FL_ASSERT(fl_nodeset_parse(&s, text) == 0);
	return s;
}

static long long
num(const char *s)
{
	char *end;
	long long v = strtoll(s, &end, 10);

	FL_ASSERT(*s != '\0' && *end == '\0');
	return v;
}

static enum fl_role
role_of(const char *s)
{
	if (strcmp(s, "leader") == 0)
		return FL_ROLE_LEADER;
	if (strcmp(s, "follower") == 0)
		return FL_ROLE_FOLLOWER;
	FL_ASSERT(strcmp(s, "offline") == 0);
	return FL_ROLE_OFFLINE;
}

/* Split line (modified) at spaces into f[max]; the count. */
static int
split(char *line, char **f, int max)
{
	char *save = NULL, *tok;
	int n = 0;

	for (tok = strtok_r(line, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		FL_ASSERT(n < max);
		f[n++] = tok;
	}
	return n;
}

static struct fpart *
fpart_find(struct fnode *f, const char *topic, int32_t part)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->p[i].part == part && strcmp(f->p[i].topic, topic) == 0)
			return &f->p[i];
	return NULL;
}

static struct fpart *
fpart_add(struct fnode *f, const char *topic, int32_t part)
{
	struct fpart *p = fpart_find(f, topic, part);

	if (p != NULL)
		return p;
	FL_ASSERT(f->n < FPARTS_MAX);
	p = &f->p[f->n++];
	memset(p, 0, sizeof(*p));
	snprintf(p->topic, sizeof(p->topic), "%s", topic);
	p->part = part;
	p->role = FL_ROLE_OFFLINE;
	p->leader = -1;
	return p;
}

static void
fake_drop(struct fnode *f, const char *topic)
{
	size_t i, k = 0;

	for (i = 0; i < f->n; i++)
		if (strcmp(f->p[i].topic, topic) != 0)
			f->p[k++] = f->p[i];
	f->n = k;
}

/* Take a line as flume-serve's admin verbs would (refusals change nothing). */
static void
fake_apply(struct fnode *f, const char *line)
{
	char buf[FL_CTL_LINE_MAX], *a[40];
	struct fpart *p;
	size_t j;
	int n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = split(buf, a, 40);
	FL_ASSERT(n >= 1);
	if (strcmp(a[0], "controller") == 0) {
		if (num(a[1]) >= f->ctl_epoch)
			f->ctl_epoch = num(a[1]);
		return;
	}
	if (strcmp(a[0], "brokers") == 0)
		return;
	if (strcmp(a[0], "done") == 0) {
		for (j = 0; j < f->nreq; j++)
			if (strtoull(f->req[j], NULL, 10) == (unsigned long long)num(a[1])) {
				memmove(f->req[j], f->req[j + 1], (f->nreq - j - 1) * sizeof(f->req[0]));
				f->nreq--;
				return;
			}
		FL_ASSERT(!"done for no request");
	}
	if (strcmp(a[0], "create") == 0) {
		int32_t k, np = n > 2 && strchr(a[2], '=') == NULL ? (int32_t)num(a[2]) : 1;

		for (j = 0; j < f->n; j++)
			if (strcmp(f->p[j].topic, a[1]) == 0)
				return;		/* "exists" */
		for (k = 0; k < np; k++)
			(void)fpart_add(f, a[1], k);
		return;
	}
	if (strcmp(a[0], "delete") == 0) {
		fake_drop(f, a[1]);
		return;
	}
	FL_ASSERT(n >= 4);
	if ((p = fpart_find(f, a[1], (int32_t)num(a[2]))) == NULL || num(a[3]) < p->epoch)
		return;			/* no such partition; an older epoch */
	if (strcmp(a[0], "lead") == 0) {
		p->role = FL_ROLE_LEADER;
		p->epoch = (int32_t)num(a[3]);
		p->leader = f->id;
		p->isr = set_of(a[5]);
		p->proposed = p->isr;
	} else if (strcmp(a[0], "follow") == 0 || strcmp(a[0], "offline") == 0) {
		p->role = a[0][0] == 'f' ? FL_ROLE_FOLLOWER : FL_ROLE_OFFLINE;
		p->epoch = (int32_t)num(a[3]);
		p->leader = n > 4 ? (int32_t)num(a[4]) : -1;
		memset(&p->isr, 0, sizeof(p->isr));	/* only its leader knows the ISR */
		memset(&p->proposed, 0, sizeof(p->proposed));
	} else if (strcmp(a[0], "isr") == 0) {
		if (p->role != FL_ROLE_LEADER && num(a[3]) > p->epoch)
			return;
		if (p->role == FL_ROLE_LEADER && num(a[3]) != p->epoch)
			return;
		p->isr = set_of(a[4]);
		if (p->role == FL_ROLE_LEADER)
			p->proposed = p->isr;
	} else {
		FL_ASSERT(!"a line the brokers do not know");
	}
}

/* The `status` answer's text. */
static size_t
fake_status(const struct fnode *f, char *buf, size_t n)
{
	size_t len = 0, i;

	len += (size_t)snprintf(buf + len, n - len, "node\t%d\ncluster\tc1\ncontroller_epoch\t%lld\n"
	    "topics\t?\n", (int)(f->says != 0 ? f->says : f->id), (long long)f->ctl_epoch);
	for (i = 0; i < f->nreq; i++) {
		char *t;

		len += (size_t)snprintf(buf + len, n - len, "request\t%s\n", f->req[i]);
		FL_ASSERT(len < n);
		for (t = buf + len - strlen(f->req[i]) - 1; *t != '\n'; t++)
			if (*t == ' ')
				*t = '\t';
	}
	for (i = 0; i < f->n; i++) {
		const struct fpart *p = &f->p[i];
		char isr[128], prop[128];

		FL_ASSERT(fl_nodeset_format(&p->isr, isr, sizeof(isr)) == 0);
		FL_ASSERT(fl_nodeset_format(&p->proposed, prop, sizeof(prop)) == 0);
		len += (size_t)snprintf(buf + len, n - len,
		    "partition\t%s\t%d\t0\t%llu\t%llu\t%s\t%d\t%d\t%s\t%s\n", p->topic, (int)p->part,
		    (unsigned long long)p->log_end, (unsigned long long)p->log_end,
		    fl_role_name(p->role), (int)p->epoch, (int)p->leader, isr, prop);
		FL_ASSERT(len < n);
	}
	len += (size_t)snprintf(buf + len, n - len, "ok\n");
	FL_ASSERT(len < n);
	return len;
}

/* ---- the harness ---- */

enum op {
	END = 0,
	NOP,		/* take the ready view (after fl_ctl_init, say) */
	UP,		/* id's admin stream opens (0: every node) */
	DOWN,		/* it fails */
	ANSWER,		/* id answers status with its token now (0: every up, unmuted node) */
	TOKEN,		/* a status request to id goes out: remember its token */
	LATE,		/* id answers that request (the token remembered) */
	TICK,
	ROUND,		/* ANSWER 0, then TICK: one flume-ctl poll */
	WAIT,		/* the clock moves on n ms */
	HOLD,		/* n 1: id's fake broker stops taking lines (in flight, lost); 0: takes them */
	MUTE,		/* n 1: id stops answering status; 0: answers again */
	SET,		/* id's fake partition: "T P ROLE EPOCH LEADER ISR PROPOSED LOG_END" */
	LOSE,		/* id's fake broker loses topic arg (a new disk) */
	CEPOCH,		/* id's fake broker has heard of controller epoch n */
	SAYS,		/* id's fake broker gives node id n in its status (another broker there) */
	REQ,		/* id's fake broker queues a client's "ID create T N RF [K=V]" or "ID delete T" */
	REPLY,		/* id answers a pushed line (msg) with arg */
	VERB,		/* an operator's verb (arg): result n, answer msg */
	PART,		/* check next: "T P EPOCH LEADER REPLICAS ISR", or "T P none" */
	SAVED,		/* check the last view: 1 the state to persist, 2 the topics, 3 both */
	LIVE,		/* check fl_ctl_is_live(id) == n */
	FENCED,		/* check fl_ctl_fenced() == n */
	NOTE,		/* check a note of the last view holds arg */
	PLACED,		/* check "T N R": new partitions, R distinct unfenced replicas, ISR = them */
	PREFERRED,	/* check "T N": each partition led by its preferred replica at epoch 1 */
	ELECTED		/* check the counters: "clean N reassign N operator N unclean N drain N
			 * offline N" (elections by kind, partitions taken offline) */
};

static const char *const op_name[] = {
	"end", "nop", "up", "down", "answer", "token", "late", "tick", "round", "wait", "hold",
	"mute", "set", "lose", "cepoch", "says", "req", "reply", "verb", "part", "saved", "live",
	"fenced", "note", "placed", "preferred", "elected"
};
_Static_assert(FL_ARRAY_LEN(op_name) == ELECTED + 1, "a name for every op");

struct step {
	enum op op;
	int32_t id;		/* a node (0: every node, where it says so) */
	long long n;		/* a count, a time, an expected result */
	const char *arg;
	const char *want;	/* the lines this step sends, exactly; NULL: not checked */
	const char *msg;	/* VERB: the answer expected; REPLY: the line answered */
};

struct scenario {
	const char *name;
	int nnodes;
	const char *state;	/* partition lines: "T P EPOCH ROLE LEADER REPLICAS ISR" */
	const char *topics;	/* "NAME PARTITIONS" lines */
	const char *stored_brokers;	/* broker lines of the stored state; NULL: the nodes' */
	const char *offsets;	/* the offsets log's line in the state; NULL: OFFSETS; "": none */
	const struct step *steps;
	int host_len;		/* host names "h<ID>xxx..." of this length; 0: "h<ID>" */
};

struct h {
	struct fl_ctl c;
	struct fl_cmeta prev;		/* the state persisted last */
	int64_t now;
	struct fnode node[NODES_MAX];
	size_t nnode;
	char out[TEXT_MAX];		/* the last view's lines */
	char notes[TEXT_MAX];		/* and its notes */
	int saved;			/* and what it gave to persist (SAVED's bits) */
	int nstep;
};

static void
check_str(const char *got, const char *want, const char *what)
{
	if (!CHECK(strcmp(got, want) == 0, what)) {
		printf("#   got:\n%s#   want:\n%s", got, want);
		if (got[0] != '\0' && got[strlen(got) - 1] != '\n')
			printf("\n");
	}
}

static struct fnode *
fnode(struct h *h, int32_t id)
{
	FL_ASSERT(id >= 1 && (size_t)id <= h->nnode);
	return &h->node[id - 1];
}

/* What a pushed line says of a partition: 0, or -1 (a line without one). */
static int
line_part(const char *line, char *verb, char *topic, int32_t *part, int32_t *epoch)
{
	char buf[FL_CTL_LINE_MAX], *a[40];
	int n;

	snprintf(buf, sizeof(buf), "%s", line);
	n = split(buf, a, 40);
	if (n < 4 || (strcmp(a[0], "lead") != 0 && strcmp(a[0], "follow") != 0 &&
	    strcmp(a[0], "offline") != 0 && strcmp(a[0], "isr") != 0))
		return -1;
	snprintf(verb, 16, "%s", a[0]);
	snprintf(topic, FL_TOPIC_NAME_MAX + 1, "%s", a[1]);
	*part = (int32_t)num(a[2]);
	*epoch = (int32_t)num(a[3]);
	return 0;
}

/* The invariants of one ready view against the state persisted before it. */
static void
check_view(struct h *h, const struct fl_ctl_ready *rd, const char *what)
{
	char why[512] = "", name[320];
	size_t i;
	int bad = 0;

	if (rd->state == NULL && rd->nmsgs == 0)
		return;
	if (rd->state != NULL) {
		if (fl_cmeta_check_advance(&h->prev, rd->state, why, sizeof(why)) != 0)
			bad = 1;
		else if (rd->state->controller_epoch != CTL_EPOCH) {
			snprintf(why, sizeof(why), "controller epoch %lld",
			    (long long)rd->state->controller_epoch);
			bad = 1;
		}
		for (i = 0; i < rd->state->nparts && !bad; i++) {
			const struct fl_cmeta_part *p = &rd->state->parts[i];
			size_t k;

			for (k = 0; k < p->isr.n; k++)
				if (!fl_nodeset_has(&p->replicas, p->isr.id[k]))
					bad = 1;
			if (p->leader >= 0 && (!fl_nodeset_has(&p->replicas, p->leader) ||
			    !fl_nodeset_has(&p->isr, p->leader)))
				bad = 1;
			if (bad)
				snprintf(why, sizeof(why), "%s-%d: leader %d, ISR outside the replicas "
				    "or without it", p->topic, (int)p->partition, (int)p->leader);
		}
		FL_ASSERT(fl_cmeta_copy(&h->prev, rd->state) == 0);
	}
	for (i = 0; i < rd->nmsgs && !bad; i++) {
		const struct fl_ctl_msg *m = &rd->msgs[i];
		const struct fl_ctl_node *n = fl_ctl_node(&h->c, m->node);
		char verb[16], topic[FL_TOPIC_NAME_MAX + 1];
		const struct fl_cmeta_part *p;
		int32_t part, epoch;

		if (fl_ctl_fenced(&h->c) || n == NULL || !n->is_up) {
			snprintf(why, sizeof(why), "node %d <- %s: %s", (int)m->node, m->line,
			    fl_ctl_fenced(&h->c) ? "sent by a fenced controller" : "its stream is closed");
			bad = 1;
			break;
		}
		if (line_part(m->line, verb, topic, &part, &epoch) != 0)
			continue;
		p = fl_cmeta_find(&h->prev, topic, part);
		if (p == NULL || epoch > p->epoch ||
		    (strcmp(verb, "lead") == 0 && epoch == p->epoch && p->leader != m->node)) {
			snprintf(why, sizeof(why), "node %d <- %s: the persisted state has %s", (int)m->node,
			    m->line, p == NULL ? "no such partition" : "an older epoch or another leader");
			bad = 1;
		}
	}
	snprintf(name, sizeof(name), "%s: epochs advance, every line's epoch is durable", what);
	if (!CHECK(!bad, name))
		printf("#   %s\n", why);
}

/* Take the ready view as flume-ctl does: check, persist, send (the fakes take the lines). */
static void
step(struct h *h, const char *what)
{
	struct fl_ctl_ready rd;
	size_t i, len = 0;

	FL_ASSERT(!h->c.nomem);
	fl_ctl_ready(&h->c, &rd);
	check_view(h, &rd, what);
	h->saved = (rd.state != NULL) | (rd.topics != NULL) << 1;
	h->out[0] = '\0';
	for (i = 0; i < rd.nmsgs; i++) {
		struct fnode *f = fnode(h, rd.msgs[i].node);

		len += (size_t)snprintf(h->out + len, sizeof(h->out) - len, "%d %s\n",
		    (int)rd.msgs[i].node, rd.msgs[i].line);
		FL_ASSERT(len < sizeof(h->out));
		if (!f->hold)
			fake_apply(f, rd.msgs[i].line);
	}
	len = 0;
	h->notes[0] = '\0';
	for (i = 0; i < rd.nnotes; i++) {
		len += (size_t)snprintf(h->notes + len, sizeof(h->notes) - len, "%s\n", rd.notes[i]);
		FL_ASSERT(len < sizeof(h->notes));
	}
	FL_ASSERT(fl_ctl_advance(&h->c) == 0);
}

static void
answer(struct h *h, int32_t id, uint64_t token)
{
	char text[TEXT_MAX];
	struct fl_bstatus st;
	size_t bad = 0, n = fake_status(fnode(h, id), text, sizeof(text));

	memset(&st, 0, sizeof(st));
	FL_ASSERT(fl_bstatus_parse(&st, text, n, &bad) == 0);
	fl_ctl_status(&h->c, h->now, id, token, &st);
	fl_bstatus_free(&st);
}

static void
answer_all(struct h *h)
{
	size_t i;

	for (i = 0; i < h->nnode; i++)
		if (h->c.nodes[i].is_up && !h->node[i].mute)
			answer(h, h->node[i].id, fl_ctl_status_token(&h->c, h->node[i].id));
}

static void
h_init(struct h *h, const struct scenario *sc)
{
	struct fl_cmeta_broker nodes[NODES_MAX];
	struct fl_topic_list topics;
	struct fl_cmeta state;
	struct fl_ctl_cfg cfg;
	char text[TEXT_MAX], buf[TEXT_MAX], *line, *save = NULL;
	size_t len = 0, i;
	int k;

	memset(h, 0, sizeof(*h));
	h->now = T0_MS;
	h->nnode = (size_t)sc->nnodes;
	FL_ASSERT(h->nnode >= 1 && h->nnode <= NODES_MAX);
	memset(nodes, 0, sizeof(nodes));
	len += (size_t)snprintf(text + len, sizeof(text) - len,
	    "flume-cluster 1\ncontroller-epoch %d\n", CTL_EPOCH);
	for (k = 0; k < sc->nnodes; k++) {
		size_t hl;

		nodes[k].id = k + 1;
		hl = (size_t)snprintf(nodes[k].host, sizeof(nodes[k].host), "h%d", k + 1);
		FL_ASSERT(sc->host_len < (int)sizeof(nodes[k].host));
		for (; hl < (size_t)sc->host_len; hl++)
			nodes[k].host[hl] = 'x';
		nodes[k].port = (uint16_t)(9001 + k);
		if (sc->stored_brokers == NULL)
			len += (size_t)snprintf(text + len, sizeof(text) - len, "broker %d %s:%d\n",
			    k + 1, nodes[k].host, 9001 + k);
	}
	if (sc->stored_brokers != NULL)
		len += (size_t)snprintf(text + len, sizeof(text) - len, "%s", sc->stored_brokers);
	snprintf(buf, sizeof(buf), "%s\n%s", sc->offsets != NULL ? sc->offsets : OFFSETS,
	    sc->state != NULL ? sc->state : "");
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		len += (size_t)snprintf(text + len, sizeof(text) - len, "partition %s\n", line);
	FL_ASSERT(len < sizeof(text));
	memset(&state, 0, sizeof(state));
	FL_ASSERT(fl_cmeta_decode(&state, (const uint8_t *)text, len) == 0);
	memset(&topics, 0, sizeof(topics));
	snprintf(buf, sizeof(buf), "%s\n%s", sc->offsets == NULL || sc->offsets[0] != '\0' ?
	    FL_OFFSETS_TOPIC " 1" : "", sc->topics != NULL ? sc->topics : "");
	save = NULL;
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[2];

		FL_ASSERT(split(line, f, 2) == 2);
		FL_ASSERT(fl_topic_list_add(&topics, f[0], (int32_t)num(f[1])) == 0);
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.liveness_ms = LIVENESS_MS;
	FL_ASSERT(fl_ctl_init(&h->c, &cfg, nodes, h->nnode, &state, &topics, h->now) == 0);
	FL_ASSERT(fl_cmeta_copy(&h->prev, &state) == 0);
	/* the brokers hold what the stored state says, as told */
	for (i = 0; i < h->nnode; i++) {
		struct fnode *f = &h->node[i];
		size_t j;

		f->id = (int32_t)i + 1;
		f->ctl_epoch = CTL_EPOCH;
		for (j = 0; j < h->c.next.nparts; j++) {
			const struct fl_cmeta_part *p = &h->c.next.parts[j];
			struct fpart *fp = fpart_add(f, p->topic, p->partition);
			int is_replica = fl_nodeset_has(&p->replicas, f->id);

			fp->epoch = p->epoch;
			fp->leader = p->leader;
			fp->log_end = 100;
			if (p->leader == f->id) {
				fp->role = FL_ROLE_LEADER;
				fp->isr = fp->proposed = p->isr;
			} else if (is_replica && p->leader >= 0) {
				fp->role = FL_ROLE_FOLLOWER;
				fp->isr = p->isr;
			}
		}
	}
	fl_cmeta_free(&state);
	fl_topic_list_free(&topics);
}

static void
h_free(struct h *h)
{
	fl_ctl_free(&h->c);
	fl_cmeta_free(&h->prev);
}

/* "create T N RF [KEY=VALUE]", "elect T P TO [unclean]", ... */
static int
verb(struct h *h, const char *text, char *msg, size_t n)
{
	char buf[512], *a[8] = { NULL };
	int k;

	snprintf(buf, sizeof(buf), "%s", text);
	k = split(buf, a, 8);
	FL_ASSERT(k >= 2);
	if (strcmp(a[0], "elect") == 0)
		return fl_ctl_elect(&h->c, h->now, a[1], (int32_t)num(a[2]), (int32_t)num(a[3]),
		    k > 4 && strcmp(a[4], "unclean") == 0, msg, n);
	if (strcmp(a[0], "create") == 0) {
		struct fl_topic_conf conf;
		int i;

		memset(&conf, 0, sizeof(conf));
		for (i = 4; i < k; i++) {
			const char *eq = strchr(a[i], '=');

			FL_ASSERT(eq != NULL && fl_topic_conf_set(&conf, a[i], (size_t)(eq - a[i]),
			    eq + 1, strlen(eq + 1)) == 0);
		}
		return fl_ctl_create_topic(&h->c, a[1], (int32_t)num(a[2]), (int32_t)num(a[3]),
		    &conf, msg, n);
	}
	if (strcmp(a[0], "delete") == 0)
		return fl_ctl_delete_topic(&h->c, a[1], msg, n);
	if (strcmp(a[0], "reassign") == 0) {
		struct fl_nodeset target = set_of(a[3]);

		return fl_ctl_reassign(&h->c, a[1], (int32_t)num(a[2]), &target, msg, n);
	}
	if (strcmp(a[0], "fence") == 0 || strcmp(a[0], "unfence") == 0)
		return fl_ctl_fence(&h->c, (int32_t)num(a[1]), a[0][0] == 'f', msg, n);
	FL_ASSERT(strcmp(a[0], "drain") == 0);
	return fl_ctl_drain(&h->c, h->now, (int32_t)num(a[1]), msg, n);
}

static void
check_part(struct h *h, const char *spec, const char *what)
{
	char buf[256], got[512], rs[128], is[128], *a[8];
	const struct fl_cmeta_part *p;

	snprintf(buf, sizeof(buf), "%s", spec);
	FL_ASSERT(split(buf, a, 8) >= 3);
	p = fl_cmeta_find(&h->c.next, a[0], (int32_t)num(a[1]));
	if (p == NULL) {
		snprintf(got, sizeof(got), "%s %s none", a[0], a[1]);
	} else {
		FL_ASSERT(fl_nodeset_format(&p->replicas, rs, sizeof(rs)) == 0);
		FL_ASSERT(fl_nodeset_format(&p->isr, is, sizeof(is)) == 0);
		snprintf(got, sizeof(got), "%s %d %d %d %s %s", p->topic, (int)p->partition,
		    (int)p->epoch, (int)p->leader, rs, is);
	}
	if (!CHECK(strcmp(got, spec) == 0, what))
		printf("#   got  %s\n#   want %s\n", got, spec);
}

/* "T N R": new partitions placed on R distinct unfenced nodes, all in the ISR, no leader yet. */
static void
check_placed(struct h *h, const char *spec, const char *what)
{
	char buf[256], *a[4];
	int32_t j, np;
	size_t r, k;
	int ok = 1;

	snprintf(buf, sizeof(buf), "%s", spec);
	FL_ASSERT(split(buf, a, 4) == 3);
	np = (int32_t)num(a[1]);
	r = (size_t)num(a[2]);
	for (j = 0; j < np; j++) {
		const struct fl_cmeta_part *p = fl_cmeta_find(&h->c.next, a[0], j);

		if (p == NULL || p->replicas.n != r || !fl_nodeset_equal(&p->isr, &p->replicas) ||
		    p->leader != -1 || p->epoch != 0) {
			ok = 0;
			break;
		}
		for (k = 0; k < r; k++) {
			const struct fl_ctl_node *n = fl_ctl_node(&h->c, p->replicas.id[k]);

			if (n == NULL || n->fenced || (k > 0 && p->replicas.id[k] <= p->replicas.id[k - 1]))
				ok = 0;
		}
	}
	if (fl_cmeta_find(&h->c.next, a[0], np) != NULL)
		ok = 0;			/* more partitions than asked for */
	if (!CHECK(ok, what))
		printf("#   partition %d of %s\n", (int)j, a[0]);
}

static void
check_preferred(struct h *h, const char *spec, const char *what)
{
	char buf[256], *a[4];
	int32_t j, np;
	int ok = 1;

	snprintf(buf, sizeof(buf), "%s", spec);
	FL_ASSERT(split(buf, a, 4) == 2);
	np = (int32_t)num(a[1]);
	for (j = 0; j < np && ok; j++) {
		const struct fl_cmeta_part *p = fl_cmeta_find(&h->c.next, a[0], j);

		ok = p != NULL && p->epoch == 1 &&
		    p->leader == fl_place_preferred(p->topic, p->partition, &p->replicas);
	}
	CHECK(ok, what);
}

/* The counters as "clean N reassign N operator N unclean N drain N offline N". */
static void
check_elected(struct h *h, const char *want, const char *what)
{
	char got[256];
	size_t len = 0, k;

	for (k = 0; k < FL_CTL_ELECT_KINDS; k++)
		len += (size_t)snprintf(got + len, sizeof(got) - len, "%s %llu ",
		    fl_ctl_elect_kind_name((enum fl_ctl_elect_kind)k),
		    (unsigned long long)h->c.elections[k]);
	snprintf(got + len, sizeof(got) - len, "offline %llu", (unsigned long long)h->c.offlined);
	if (!CHECK(strcmp(got, want) == 0, what))
		printf("#   got  %s\n#   want %s\n", got, want);
}

static void
run(const struct scenario *sc)
{
	struct h h;
	const struct step *s;

	h_init(&h, sc);
	for (s = sc->steps; s->op != END; s++) {
		char what[256], msg[FL_CTL_MSG_MAX];
		int rc = 0;
		size_t i;

		h.nstep++;
		{
			char id[16] = "";

			if (s->id > 0)
				snprintf(id, sizeof(id), " %d", (int)s->id);
			snprintf(what, sizeof(what), "%s: %d %s%s%s%s", sc->name, h.nstep,
			    op_name[s->op], id, s->arg != NULL ? " " : "", s->arg != NULL ? s->arg : "");
		}
		switch (s->op) {
		case NOP:
			break;
		case UP:
		case DOWN:
			for (i = 0; i < h.nnode; i++) {
				if (s->id != 0 && h.node[i].id != s->id)
					continue;
				if (s->op == UP)
					fl_ctl_connected(&h.c, h.now, h.node[i].id);
				else
					fl_ctl_disconnected(&h.c, h.now, h.node[i].id);
			}
			break;
		case ANSWER:
			if (s->id == 0)
				answer_all(&h);
			else
				answer(&h, s->id, fl_ctl_status_token(&h.c, s->id));
			break;
		case TOKEN:
			fnode(&h, s->id)->token = fl_ctl_status_token(&h.c, s->id);
			break;
		case LATE:
			answer(&h, s->id, fnode(&h, s->id)->token);
			break;
		case TICK:
			fl_ctl_tick(&h.c, h.now);
			break;
		case ROUND:
			answer_all(&h);
			fl_ctl_tick(&h.c, h.now);
			break;
		case WAIT:
			h.now += s->n;
			break;
		case HOLD:
			fnode(&h, s->id)->hold = (int)s->n;
			break;
		case MUTE:
			fnode(&h, s->id)->mute = (int)s->n;
			break;
		case SET: {
			char buf[256], *a[8];
			struct fpart *p;

			snprintf(buf, sizeof(buf), "%s", s->arg);
			FL_ASSERT(split(buf, a, 8) == 8);
			p = fpart_add(fnode(&h, s->id), a[0], (int32_t)num(a[1]));
			p->role = role_of(a[2]);
			p->epoch = (int32_t)num(a[3]);
			p->leader = (int32_t)num(a[4]);
			p->isr = set_of(a[5]);
			p->proposed = set_of(a[6]);
			p->log_end = (uint64_t)num(a[7]);
			break;
		}
		case LOSE:
			fake_drop(fnode(&h, s->id), s->arg);
			break;
		case CEPOCH:
			fnode(&h, s->id)->ctl_epoch = s->n;
			break;
		case SAYS:
			fnode(&h, s->id)->says = (int32_t)s->n;
			break;
		case REQ: {
			struct fnode *f = fnode(&h, s->id);

			FL_ASSERT(f->nreq < FL_ARRAY_LEN(f->req));
			snprintf(f->req[f->nreq++], sizeof(f->req[0]), "%s", s->arg);
			break;
		}
		case REPLY:
			fl_ctl_answer(&h.c, h.now, s->id, s->msg, s->arg);
			break;
		case VERB:
			msg[0] = '\0';
			rc = verb(&h, s->arg, msg, sizeof(msg));
			{
				char w[320];

				snprintf(w, sizeof(w), "%s: result", what);
				CHECK_INT(rc, ==, s->n, w);
				if (s->msg != NULL) {
					snprintf(w, sizeof(w), "%s: answer", what);
					check_str(msg, s->msg, w);
				}
			}
			break;
		case PART:
			check_part(&h, s->arg, what);
			continue;
		case SAVED:
			CHECK_INT(h.saved, ==, s->n, what);
			continue;
		case LIVE:
			CHECK_INT(fl_ctl_is_live(&h.c, fl_ctl_node(&h.c, s->id), h.now), ==, s->n, what);
			continue;
		case FENCED:
			CHECK_INT(fl_ctl_fenced(&h.c), ==, s->n, what);
			continue;
		case NOTE:
			if (!CHECK(strstr(h.notes, s->arg) != NULL, what))
				printf("#   notes:\n%s", h.notes);
			continue;
		case PLACED:
			check_placed(&h, s->arg, what);
			continue;
		case PREFERRED:
			check_preferred(&h, s->arg, what);
			continue;
		case ELECTED:
			check_elected(&h, s->arg, what);
			continue;
		case END:
			break;
		}
		step(&h, what);
		if (s->want != NULL) {
			char w[320];

			snprintf(w, sizeof(w), "%s: sends", what);
			check_str(h.out, s->want, w);
		}
	}
	h_free(&h);
}

/* ---- the scenarios ---- */

#define B3 "brokers 1=h1:9001 2=h2:9002 3=h3:9003"
#define B4 B3 " 4=h4:9004"
#define UP3(id) #id " controller 7\n" #id " " B3 "\n"
#define UP4(id) #id " controller 7\n" #id " " B4 "\n"
#define OL FL_OFFSETS_TOPIC
#define T0 "t 0 3 leader 1 1,2,3 1,2,3"		/* t-0 led by 1 at epoch 3, all in sync */

static const struct step start_steps[] = {
	{ NOP, .want = "" },
	{ SAVED, .n = 0 },		/* the cluster file names the stored brokers */
	{ TICK, .want = "" },		/* every node counts as live at start: no election */
	{ UP, 0, .want = UP3(1) UP3(2) UP3(3) },
	{ TICK, .want = "" },		/* nothing decided before the status answers */
	{ WAIT, .n = 999 },
	{ TICK, .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ ROUND, .want = "" },		/* the brokers hold what the state says */
	{ SAVED, .n = 0 },
	{ ROUND, .want = "" },
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 0 drain 0 offline 0" },	/* counted from 0; nothing decided */
	{ END }
};

static const struct step new_brokers_steps[] = {
	{ NOP, .want = "" },
	{ SAVED, .n = 1 },		/* the state's broker list becomes the cluster file's */
	{ UP, 2, .want = UP3(2) },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step lists_disagree_steps[] = {
	{ NOP, .want = "" },
	{ SAVED, .n = 3 },
	{ NOTE, .arg = "state names x, which the topic list lacks: forgotten" },
	{ NOTE, .arg = "topic y has no partitions in the state: forgotten" },
	{ PART, .arg = "x 0 none" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ UP, .id = 0 },
	{ ROUND, .want = "" },		/* nobody is told of y */
	{ END }
};

static const struct step nobody_answers_steps[] = {
	{ UP, .id = 0 },
	{ WAIT, .n = 1000 },
	{ TICK, .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ WAIT, .n = 1 },
	{ LIVE, .id = 1, .n = 0 },
	/* nobody answered since its stream opened: each gets the topic first */
	{ TICK, .want = "1 create " OL " 1\n1 offline " OL " 0 2\n2 create " OL " 1\n"
	    "2 offline " OL " 0 2\n3 create " OL " 1\n3 offline " OL " 0 2\n"
	    "1 create t 1\n1 offline t 0 4\n2 create t 1\n2 offline t 0 4\n"
	    "3 create t 1\n3 offline t 0 4\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 4 -1 1,2,3 1,2,3" },
	{ NOTE, .arg = "t-0: offline at epoch 4: its leader is down and no live ISR member may lead" },
	{ TICK, .want = "" },
	{ ROUND, .want = "2 lead " OL " 0 3 2 2 100\n1 offline " OL " 0 3 2 2\n"
	    "3 offline " OL " 0 3 2 2\n"
	    "1 lead t 0 5 1,2,3 1,2,3 100\n2 follow t 0 5 1 1,2,3\n3 follow t 0 5 1 1,2,3\n" },
	{ PART, .arg = "t 0 5 1 1,2,3 1,2,3" },
	{ ROUND, .want = "2 isr t 0 5 1,2,3\n3 isr t 0 5 1,2,3\n" },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step create_steps[] = {
	{ UP, 0, .want = UP4(1) UP4(2) UP4(3) UP4(4) },
	/* the offsets log is created first thing: 3 replicas, at most */
	{ ROUND, .want = "1 create " OL " 1\n2 create " OL " 1\n3 create " OL " 1\n4 create " OL " 1\n"
	    "4 lead " OL " 0 1 1,3,4 1,3,4 0\n1 follow " OL " 0 1 4 1,3,4\n"
	    "2 offline " OL " 0 1 4 1,3,4\n"
	    "3 follow " OL " 0 1 4 1,3,4\n" },
	{ SAVED, .n = 3 },
	{ NOTE, .arg = "created topic " OL ": 1 partitions, 3 replicas" },
	{ PART, .arg = OL " 0 1 4 1,3,4 1,3,4" },
	{ ROUND, .want = "1 isr " OL " 0 1 1,3,4\n3 isr " OL " 0 1 1,3,4\n" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "create t 3 3 min.insync.replicas=2", .n = 0,
	  .msg = "created t: 3 partitions, 3 replicas",
	  .want = "1 create t 3 min.insync.replicas=2\n2 create t 3 min.insync.replicas=2\n"
	    "3 create t 3 min.insync.replicas=2\n4 create t 3 min.insync.replicas=2\n" },
	{ SAVED, .n = 3 },
	{ PLACED, .arg = "t 3 3" },
	{ PART, .arg = "t 0 0 -1 1,3,4 1,3,4" },	/* as t/unit/test-place.c pins the ring */
	{ PART, .arg = "t 1 0 -1 1,3,4 1,3,4" },
	{ PART, .arg = "t 2 0 -1 1,2,3 1,2,3" },
	/* the state naming the leaders and the lines telling them, in one view */
	{ ROUND, .want =
	    "1 lead t 0 1 1,3,4 1,3,4 0\n2 offline t 0 1 1 1,3,4\n3 follow t 0 1 1 1,3,4\n"
	    "4 follow t 0 1 1 1,3,4\n"
	    "1 lead t 1 1 1,3,4 1,3,4 0\n2 offline t 1 1 1 1,3,4\n3 follow t 1 1 1 1,3,4\n"
	    "4 follow t 1 1 1 1,3,4\n"
	    "2 lead t 2 1 1,2,3 1,2,3 0\n1 follow t 2 1 2 1,2,3\n3 follow t 2 1 2 1,2,3\n"
	    "4 offline t 2 1 2 1,2,3\n" },
	{ SAVED, .n = 1 },
	{ PREFERRED, .arg = "t 3" },
	{ PART, .arg = "t 0 1 1 1,3,4 1,3,4" },
	{ PART, .arg = "t 2 1 2 1,2,3 1,2,3" },
	{ TICK, .want = "" },
	/* followers learn the ISR (following clears it) */
	{ ROUND, .want = "1 isr t 2 1 1,2,3\n3 isr t 0 1 1,3,4\n3 isr t 1 1 1,3,4\n"
	    "3 isr t 2 1 1,2,3\n4 isr t 0 1 1,3,4\n4 isr t 1 1 1,3,4\n" },
	{ SAVED, .n = 0 },
	{ ROUND, .want = "" },
	{ VERB, .arg = "create t 1 1", .n = FL_EEXIST, .msg = "topic t exists", .want = "" },
	{ VERB, .arg = "create u 1 5", .n = FL_ERANGE,
	  .msg = "replicas must be 1..4 (the unfenced nodes)", .want = "" },
	{ VERB, .arg = "create u 0 1", .n = FL_EINVAL, .msg = "partitions must be 1..10000",
	  .want = "" },
	{ VERB, .arg = "create u/v 1 1", .n = FL_EINVAL, .msg = "u/v: not a legal topic name",
	  .want = "" },
	{ VERB, .arg = "create u 1 2 min.insync.replicas=3", .n = FL_EINVAL,
	  .msg = "min.insync.replicas 3 is more than the 2 replicas", .want = "" },
	{ SAVED, .n = 0 },
	{ END }
};

static const struct step stream_fails_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ DOWN, 1, .want = "" },
	{ NOTE, .arg = "node 1: admin stream down" },
	{ LIVE, .id = 1, .n = 0 },
	{ LIVE, .id = 2, .n = 1 },
	{ TICK, .want = "2 lead t 0 4 1,2,3 2,3 100\n3 follow t 0 4 2 1,2,3\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ NOTE, .arg = "t-0: node 2 leads at epoch 4 (its leader is down)" },
	{ ELECTED, .arg = "clean 1 reassign 0 operator 0 unclean 0 drain 0 offline 0" },
	{ TICK, .want = "" },
	{ ROUND, .want = "3 isr t 0 4 2,3\n" },
	{ ROUND, .want = "" },
	/* node 1 comes back: live once it answers, and told to follow */
	{ UP, 1, .want = UP3(1) },
	{ TICK, .want = "" },
	{ LIVE, .id = 1, .n = 0 },
	{ ANSWER, 1, .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ TICK, .want = "1 follow t 0 4 2 1,2,3\n" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	/* its leader takes it back into the ISR */
	{ SET, 2, .arg = "t 0 leader 4 2 2,3 1,2,3 100" },
	/* told to the leader first (1 is told the stored ISR it lacks) */
	{ ROUND, .want = "2 isr t 0 4 1,2,3\n1 isr t 0 4 2,3\n" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ ROUND, .want = "1 isr t 0 4 1,2,3\n3 isr t 0 4 1,2,3\n" },
	{ PART, .arg = "t 0 4 2 1,2,3 1,2,3" },
	{ ROUND, .want = "" },
	{ END }
};

/*
 * A clean election skips a replica whose log ends below the HW reported
 * at the partition's epoch (its disk lost committed records: a damaged
 * sector cut at recovery); flume-sim's corrupt fault found it (seed 166).
 */
static const struct step short_log_steps[] = {
	{ UP, .id = 0 },
	{ SET, 2, .arg = "t 0 follower 3 1 1,2,3 - 80" },	/* reports log end and HW 80 */
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	/* node 2 leaves the ISR too: it lacks committed records */
	{ TICK, .want = "3 lead t 0 4 1,2,3 3 100\n2 follow t 0 4 3 1,2,3\n" },
	{ PART, .arg = "t 0 4 3 1,2,3 3" },
	{ NOTE, .arg = "t-0: node 3 leads at epoch 4 (its leader is down)" },
	{ END }
};

static const struct step short_logs_steps[] = {
	{ UP, .id = 0 },
	{ SET, 2, .arg = "t 0 follower 3 1 1,2,3 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1,2,3 - 90" },
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	{ PART, .arg = "t 0 4 -1 1,2,3 1,2,3" },
	{ NOTE, .arg = "t-0: offline at epoch 4: its leader is down and no live ISR member may lead" },
	{ WAIT, .n = 500 },
	{ ROUND, .want = "" },		/* the HW its leader reported is remembered */
	{ VERB, .arg = "elect t 0 2", .n = FL_ENOENT,
	  .msg = "t-0: that node is not live, or not in the committed ISR (--unclean allows it)",
	  .want = "" },
	/* an unclean election may still pick one, saying what may be lost */
	{ VERB, .arg = "elect t 0 3 unclean", .n = 0,
	  .msg = "t-0: node 3 leads at epoch 5 (unclean): offsets 90..99 may be lost" },
	/* an ISR member, but its log ends below the HW: counted as unclean */
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 1 drain 0 offline 1" },
	{ END }
};

/* The HW heard outlives the answer it came in: a node that restarts answers afresh. */
static const struct step short_remembered_steps[] = {
	{ UP, .id = 0 },
	{ SET, 2, .arg = "t 0 follower 3 1 1,2,3 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1,2,3 - 50" },
	{ ROUND, .want = "" },				/* node 1 leads with HW 100 */
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	{ UP, 1, .want = UP3(1) },
	{ SET, 1, .arg = "t 0 offline 4 -1 - - 60" },	/* back with a shorter log */
	{ ANSWER, 1, .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ TICK, .want = "" },				/* nobody has offset 99 */
	{ PART, .arg = "t 0 4 -1 1,2,3 1,2,3" },
	{ END }
};

static const struct step ahead_steps[] = {
	{ UP, .id = 0 },
	{ SET, 3, .arg = "t 0 follower 6 1 1,2,3 - 100" },	/* moved by hand */
	{ ROUND, .want = "" },
	{ NOTE, .arg = "t-0: node 3 is at epoch 6, ahead of the stored 3" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 lead t 0 7 1,2,3 2,3 100\n3 follow t 0 7 2 1,2,3\n" },
	{ PART, .arg = "t 0 7 2 1,2,3 2,3" },
	{ END }
};

static const struct step silent_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ MUTE, .id = 1, .n = 1 },
	{ WAIT, .n = 600 },
	{ ROUND, .want = "" },
	{ WAIT, .n = 400 },
	{ ROUND, .want = "" },		/* exactly liveness_ms since its answer: still live */
	{ LIVE, .id = 1, .n = 1 },
	{ WAIT, .n = 1 },
	{ LIVE, .id = 1, .n = 0 },
	{ LIVE, .id = 2, .n = 1 },
	{ ROUND, .want = "2 lead t 0 4 1,2,3 2,3 100\n"
	    "1 follow t 0 4 2 1,2,3\n3 follow t 0 4 2 1,2,3\n" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ ROUND, .want = "3 isr t 0 4 2,3\n" },
	{ MUTE, .id = 1, .n = 0 },
	{ ROUND, .want = "1 isr t 0 4 2,3\n" },
	{ LIVE, .id = 1, .n = 1 },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step offline_steps[] = {
	{ UP, .id = 0 },
	{ SET, 2, .arg = "t 0 follower 3 1 1 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1 - 95" },
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 4 -1 1,2,3 1" },
	{ NOTE, .arg = "t-0: offline at epoch 4: its leader is down and no live ISR member may lead" },
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 0 drain 0 offline 1" },
	{ TICK, .want = "" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "elect t 0 -1", .n = FL_ENOENT,
	  .msg = "t-0: no live replica in the committed ISR (--unclean allows any live replica)",
	  .want = "" },
	{ VERB, .arg = "elect t 0 3", .n = FL_ENOENT,
	  .msg = "t-0: that node is not live, or not in the committed ISR (--unclean allows it)",
	  .want = "" },
	{ WAIT, .n = 5000 },
	{ ROUND, .want = "" },		/* replicas outside the ISR are never elected */
	{ PART, .arg = "t 0 4 -1 1,2,3 1" },
	{ UP, 1, .want = UP3(1) },
	{ TICK, .want = "" },
	{ LIVE, .id = 1, .n = 0 },
	{ ANSWER, 1, .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ TICK, .want = "1 lead t 0 5 1,2,3 1 100\n2 follow t 0 5 1 1,2,3\n3 follow t 0 5 1 1,2,3\n" },
	{ PART, .arg = "t 0 5 1 1,2,3 1" },
	{ NOTE, .arg = "t-0: node 1 leads at epoch 5 (it has no leader)" },
	/* refused verbs and ticks with nobody to elect counted nothing; offline once */
	{ ELECTED, .arg = "clean 1 reassign 0 operator 0 unclean 0 drain 0 offline 1" },
	{ END }
};

#define ISR1 "t 0 3 leader 1 1,2,3 1"	/* t-0 led by 1, alone in its ISR */

static const struct step unclean_steps[] = {
	{ UP, .id = 0 },
	{ SET, 1, .arg = "t 0 leader 3 1 1 1 100" },
	{ SET, 2, .arg = "t 0 follower 3 1 1 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1 - 95" },
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	{ VERB, .arg = "elect t 0 2", .n = FL_ENOENT,
	  .msg = "t-0: that node is not live, or not in the committed ISR (--unclean allows it)",
	  .want = "" },
	{ VERB, .arg = "elect t 0 3 unclean", .n = 0,
	  .msg = "t-0: node 3 leads at epoch 5 (unclean): offsets 95..99 may be lost",
	  .want = "3 lead t 0 5 1,2,3 3 100\n2 follow t 0 5 3 1,2,3\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 5 3 1,2,3 3" },
	{ NOTE, .arg = "t-0: operator elected node 3 at epoch 5 (unclean)" },
	/* unclean allowed, but an ISR member is live: that is a clean election */
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 1 drain 0 offline 1" },
	{ VERB, .arg = "elect t 0 -1 unclean", .n = 0, .msg = "t-0: node 3 leads at epoch 6",
	  .want = "3 lead t 0 6 1,2,3 3 100\n2 follow t 0 6 3 1,2,3\n" },
	{ VERB, .arg = "elect t 0 4", .n = FL_EINVAL, .msg = "no node 4 in the cluster", .want = "" },
	/* --unclean that found an ISR member counts as the operator's clean one */
	{ ELECTED, .arg = "clean 0 reassign 0 operator 1 unclean 1 drain 0 offline 1" },
	{ END }
};

static const struct step unclean_rules_steps[] = {
	{ UP, .id = 0 },
	{ SET, 1, .arg = "t 0 leader 3 1 1 1 100" },
	{ SET, 2, .arg = "t 0 follower 3 1 1 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1 - 95" },
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	/* the preferred replica (1) is down: the next in rotation */
	{ VERB, .arg = "elect t 0 -1 unclean", .n = 0,
	  .msg = "t-0: node 2 leads at epoch 5 (unclean): offsets 80..99 may be lost",
	  .want = "2 lead t 0 5 1,2,3 2 100\n3 follow t 0 5 2 1,2,3\n" },
	{ END }
};

static const struct step unclean_nothing_lost_steps[] = {
	{ UP, .id = 0 },
	{ SET, 1, .arg = "t 0 leader 3 1 1 1 90" },
	{ SET, 2, .arg = "t 0 follower 3 1 1 - 80" },
	{ SET, 3, .arg = "t 0 follower 3 1 1 - 95" },
	{ ROUND, .want = "" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 offline t 0 4\n3 offline t 0 4\n" },
	{ VERB, .arg = "elect t 0 3 unclean", .n = 0,
	  .msg = "t-0: node 3 leads at epoch 5 (unclean): no known replica holds more than its "
	    "log end 95",
	  .want = "3 lead t 0 5 1,2,3 3 95\n2 follow t 0 5 3 1,2,3\n" },
	{ END }
};

static const struct step unclean_unknown_steps[] = {
	{ UP, .id = 0 },
	{ DOWN, .id = 1 },
	/* nodes not heard from since their streams opened get the topic first */
	{ TICK, .want = "2 create t 1\n2 offline t 0 4\n3 create t 1\n3 offline t 0 4\n" },
	{ VERB, .arg = "elect t 0 2 unclean", .n = 0,
	  .msg = "t-0: node 2 leads at epoch 5 (unclean): its log end is unknown, so every offset "
	    "it lacks may be lost",
	  .want = "2 create t 1\n2 lead t 0 5 1,2,3 2 0\n3 create t 1\n3 follow t 0 5 2 1,2,3\n" },
	{ END }
};

static const struct step restarted_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ SET, 1, .arg = "t 0 offline 3 -1 - - 100" },
	{ ROUND, .want = "2 lead t 0 4 1,2,3 2,3 100\n"
	    "1 follow t 0 4 2 1,2,3\n3 follow t 0 4 2 1,2,3\n" },
	{ NOTE, .arg = "t-0: node 1 does not lead it at epoch 3 (restarted?)" },
	{ ELECTED, .arg = "clean 1 reassign 0 operator 0 unclean 0 drain 0 offline 0" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ ROUND, .want = "1 isr t 0 4 2,3\n3 isr t 0 4 2,3\n" },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step restarted_alone_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	/* it leads, but at an older epoch: it is the only one who may lead */
	{ SET, 1, .arg = "t 0 leader 2 1 1 1 100" },
	{ ROUND, .want = "1 lead t 0 4 1,2,3 1 100\n2 follow t 0 4 1 1,2,3\n3 follow t 0 4 1 1,2,3\n" },
	{ PART, .arg = "t 0 4 1 1,2,3 1" },
	{ ROUND, .want = "2 isr t 0 4 1\n3 isr t 0 4 1\n" },
	{ ROUND, .want = "" },
	/* a new disk: it is given the topic before it is told to lead it */
	{ DOWN, .id = 1 },
	{ LOSE, 1, .arg = "t" },
	{ CEPOCH, 1, .n = 0 },
	{ TICK, .want = "2 offline t 0 5\n3 offline t 0 5\n" },
	{ UP, 1, .want = UP3(1) },
	{ ROUND, .want = "1 create t 1\n1 lead t 0 6 1,2,3 1 100\n2 follow t 0 6 1 1,2,3\n"
	    "3 follow t 0 6 1 1,2,3\n" },
	{ ROUND, .want = "2 isr t 0 6 1\n3 isr t 0 6 1\n" },
	{ ROUND, .want = "" },
	{ PART, .arg = "t 0 6 1 1,2,3 1" },
	{ END }
};

static const struct step no_repeat_steps[] = {
	{ SET, 3, .arg = "t 0 follower 2 1 1,2,3 - 100" },
	{ UP, .id = 0 },
	{ HOLD, .id = 3, .n = 1 },
	{ TOKEN, .id = 3 },
	{ ROUND, .want = "3 follow t 0 3 1 1,2,3\n" },
	/* the answer to a request sent before that push: nothing again */
	{ LATE, 3, .want = "" },
	{ TICK, .want = "" },
	{ TICK, .want = "" },
	/* a fresh answer without the change: pushed again */
	{ ANSWER, .id = 3 },
	{ TICK, .want = "3 follow t 0 3 1 1,2,3\n" },
	{ TICK, .want = "" },
	{ HOLD, .id = 3, .n = 0 },
	{ ANSWER, .id = 3 },
	{ TICK, .want = "3 follow t 0 3 1 1,2,3\n" },
	{ ROUND, .want = "3 isr t 0 3 1,2,3\n" },
	{ ROUND, .want = "" },
	/* an election is not repeated on an answer that predates it */
	{ HOLD, .id = 2, .n = 1 },
	{ TOKEN, .id = 2 },
	{ DOWN, .id = 1 },
	{ TICK, .want = "2 lead t 0 4 1,2,3 2,3 100\n3 follow t 0 4 2 1,2,3\n" },
	{ LATE, 2, .want = "" },
	{ TICK, .want = "" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ END }
};

static const struct step isr_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ SET, 1, .arg = "t 0 leader 3 1 1,2,3 1,2 100" },
	{ TOKEN, .id = 1 },
	{ ROUND, .want = "1 isr t 0 3 1,2\n2 isr t 0 3 1,2\n3 isr t 0 3 1,2\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2" },
	{ NOTE, .arg = "t-0: ISR 1,2 committed at epoch 3" },
	/* a proposal in the answer to a request older than that push: not yet */
	{ SET, 1, .arg = "t 0 leader 3 1 1,2 1 100" },
	{ LATE, 1, .want = "" },
	{ TICK, .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2" },
	{ ANSWER, .id = 1 },
	{ TICK, .want = "1 isr t 0 3 1\n2 isr t 0 3 1\n3 isr t 0 3 1\n" },
	{ PART, .arg = "t 0 3 1 1,2,3 1" },
	{ ROUND, .want = "" },
	/* without the leader: ignored */
	{ SET, 1, .arg = "t 0 leader 3 1 1 2,3 100" },
	{ ROUND, .want = "" },
	{ SAVED, .n = 0 },
	{ PART, .arg = "t 0 3 1 1,2,3 1" },
	/* naming a node that is no replica: ignored */
	{ SET, 1, .arg = "t 0 leader 3 1 1 1,2,4 100" },
	{ ROUND, .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1" },
	/*
	 * growing back: the leader is told first (it counts 2 and 3 from
	 * then on), and only once its status shows it is the ISR stored and
	 * told to the others (flume-sim seed 1318)
	 */
	{ SET, 1, .arg = "t 0 leader 3 1 1 1,2,3 100" },
	{ ROUND, .want = "1 isr t 0 3 1,2,3\n" },
	{ PART, .arg = "t 0 3 1 1,2,3 1" },
	{ ROUND, .want = "2 isr t 0 3 1,2,3\n3 isr t 0 3 1,2,3\n" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	/* a deposed leader's proposal at an older epoch: ignored, and it is told to follow */
	{ SET, 2, .arg = "t 0 leader 2 2 1,2,3 2 100" },
	{ ROUND, .want = "2 follow t 0 3 1 1,2,3\n" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ END }
};

static const struct step reconcile_steps[] = {
	{ SET, 3, .arg = "t 0 follower 2 1 - - 100" },	/* an older epoch */
	{ LOSE, 2, .arg = "t" },			/* lacks the topic */
	{ SET, 4, .arg = "t 0 offline 2 1 - - 0" },	/* not a replica, an older epoch */
	{ UP, .id = 0 },
	{ ROUND, .want = "2 create t 1\n2 follow t 0 3 1 1,2,3\n3 follow t 0 3 1 1,2,3\n"
	    "4 offline t 0 3 1 1,2,3\n" },
	{ SAVED, .n = 0 },
	{ ROUND, .want = "2 isr t 0 3 1,2,3\n3 isr t 0 3 1,2,3\n" },
	{ ROUND, .want = "" },
	{ SET, 3, .arg = "t 0 follower 3 1 1,2 - 100" },
	{ ROUND, .want = "3 isr t 0 3 1,2,3\n" },
	{ SET, 4, .arg = "t 0 follower 3 1 - - 0" },
	{ ROUND, .want = "4 offline t 0 3 1 1,2,3\n" },
	{ ROUND, .want = "" },
	/* a follower's stream failing changes nothing */
	{ DOWN, .id = 3 },
	{ TICK, .want = "" },
	/* deleted while node 3 is away: it is told when it reports the topic */
	{ VERB, .arg = "delete t", .n = 0, .msg = "deleted t",
	  .want = "1 delete t\n2 delete t\n4 delete t\n" },
	{ SAVED, .n = 3 },
	{ PART, .arg = "t 0 none" },
	{ ROUND, .want = "" },
	{ UP, 3, .want = UP4(3) },
	{ ANSWER, .id = 3 },
	{ TICK, .want = "3 delete t\n" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "delete t", .n = FL_ENOENT, .msg = "no topic t", .want = "" },
	/* created while node 4 is away: it is given it when it answers */
	{ DOWN, .id = 4 },
	{ VERB, .arg = "create u 1 3", .n = 0, .msg = "created u: 1 partitions, 3 replicas",
	  .want = "1 create u 1\n2 create u 1\n3 create u 1\n" },
	{ ROUND, .want = "2 lead u 0 1 1,2,3 1,2,3 0\n"
	    "1 follow u 0 1 2 1,2,3\n3 follow u 0 1 2 1,2,3\n" },
	{ UP, 4, .want = UP4(4) },
	{ ANSWER, .id = 4 },
	{ TICK, .want = "4 create u 1\n4 offline u 0 1 2 1,2,3\n" },
	{ ROUND, .want = "1 isr u 0 1 1,2,3\n3 isr u 0 1 1,2,3\n" },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step fenced_status_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ CEPOCH, 2, .n = 8 },
	{ ANSWER, 2, .want = "" },
	{ FENCED, .n = 1 },
	{ NOTE, .arg = "fenced: a controller with epoch 8 exists (this one has 7)" },
	{ DOWN, 1, .want = "" },
	{ TICK, .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ SET, 3, .arg = "t 0 follower 2 1 - - 100" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "elect t 0 2", .n = FL_EBUSY, .msg = "this controller is fenced", .want = "" },
	{ VERB, .arg = "create u 1 1", .n = FL_EBUSY, .msg = "this controller is fenced", .want = "" },
	{ VERB, .arg = "delete t", .n = FL_EBUSY, .msg = "this controller is fenced", .want = "" },
	{ VERB, .arg = "reassign t 0 2,3", .n = FL_EBUSY, .msg = "this controller is fenced",
	  .want = "" },
	{ VERB, .arg = "drain 1", .n = FL_EBUSY, .msg = "this controller is fenced", .want = "" },
	{ UP, 1, .want = "" },		/* not even a greeting */
	{ ANSWER, .id = 1 },
	{ TICK, .want = "" },
	{ SAVED, .n = 0 },
	{ END }
};

static const struct step fenced_answer_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ REPLY, 2, .arg = "error: epoch 2 is older than the current epoch 3",
	  .msg = "follow t 0 2 1 1,2,3" },
	{ FENCED, .n = 0 },
	{ NOTE, .arg = "node 2: follow t 0 2 1 1,2,3: error: epoch 2 is older than the current "
	    "epoch 3" },
	{ REPLY, 1, .arg = "ok", .msg = "controller 7" },
	{ FENCED, .n = 0 },
	{ REPLY, 1, .arg = "error: fenced: controller epoch 7 is older than 8", .msg = "controller 7" },
	{ FENCED, .n = 1 },
	{ NOTE, .arg = "fenced: a controller with epoch 8 exists (this one has 7)" },
	{ DOWN, .id = 1 },
	{ TICK, .want = "" },
	{ SET, 3, .arg = "t 0 follower 2 1 - - 100" },
	{ ROUND, .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ END }
};

static const struct step elect_to_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ VERB, .arg = "elect t 0 4", .n = FL_EINVAL, .msg = "node 4 is not a replica of t-0",
	  .want = "" },
	{ VERB, .arg = "elect t 0 9", .n = FL_EINVAL, .msg = "no node 9 in the cluster", .want = "" },
	{ VERB, .arg = "elect u 0 -1", .n = FL_ENOENT, .msg = "no partition u-0", .want = "" },
	{ DOWN, .id = 3 },
	{ VERB, .arg = "elect t 0 3", .n = FL_ENOENT,
	  .msg = "t-0: that node is not live, or not in the committed ISR (--unclean allows it)",
	  .want = "" },
	{ SAVED, .n = 0 },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ VERB, .arg = "elect t 0 2", .n = 0, .msg = "t-0: node 2 leads at epoch 4",
	  .want = "2 lead t 0 4 1,2,3 1,2 100\n1 follow t 0 4 2 1,2,3\n4 offline t 0 4 2 1,2,3\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 4 2 1,2,3 1,2" },
	{ NOTE, .arg = "t-0: operator elected node 2 at epoch 4" },
	{ TICK, .want = "" },		/* not moved back to the preferred replica */
	{ ROUND, .want = "1 isr t 0 4 1,2\n" },
	{ ROUND, .want = "" },
	{ ELECTED, .arg = "clean 0 reassign 0 operator 1 unclean 0 drain 0 offline 0" },
	{ END }
};

static const struct step drain_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ VERB, .arg = "drain 1", .n = FL_EFULL,
	  .msg = "node 1: 1 leaderships moved; 1 stay (no other live ISR member)",
	  .want = "2 lead t 0 4 1,2,3 1,2,3 100\n1 follow t 0 4 2 1,2,3\n3 follow t 0 4 2 1,2,3\n" },
	{ NOTE, .arg = "node 1 drained: 1 leaderships moved, 1 stay" },
	{ PART, .arg = "t 0 4 2 1,2,3 1,2,3" },	/* the drained node stays in the ISR */
	{ PART, .arg = "u 0 2 1 1,2 1" },
	{ TICK, .want = "" },
	{ ROUND, .want = "1 isr t 0 4 1,2,3\n3 isr t 0 4 1,2,3\n" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "drain 2", .n = 0, .msg = "node 2: 2 leaderships moved",
	  .want = "1 lead t 0 5 1,2,3 1,2,3 100\n2 follow t 0 5 1 1,2,3\n3 follow t 0 5 1 1,2,3\n"
	    "1 lead v 0 6 1,2,3 1,2,3 100\n2 follow v 0 6 1 1,2,3\n3 follow v 0 6 1 1,2,3\n" },
	{ VERB, .arg = "drain 3", .n = FL_EFULL,
	  .msg = "node 3: 0 leaderships moved; 1 stay (no other live ISR member)", .want = "" },
	{ VERB, .arg = "drain 9", .n = FL_EINVAL, .msg = "no node 9 in the cluster", .want = "" },
	/* one per leadership moved, none for those that stayed */
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 0 drain 3 offline 0" },
	{ END }
};

static const struct step fence_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ VERB, .arg = "fence 1", .n = 0,
	  .msg = "node 1 is fenced: it counts as down, so its leaderships move and no election picks it", .want = "" },
	{ LIVE, .id = 1, .n = 0 },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },		/* decided on the tick */
	{ ROUND, .want = "2 lead t 0 4 1,2,3 2,3 100\n"
	    "1 follow t 0 4 2 1,2,3\n3 follow t 0 4 2 1,2,3\n" },
	{ PART, .arg = "t 0 4 2 1,2,3 2,3" },
	{ LIVE, .id = 1, .n = 0 },
	{ VERB, .arg = "create u 2 3", .n = FL_ERANGE,
	  .msg = "replicas must be 1..2 (the unfenced nodes)", .want = "" },
	{ VERB, .arg = "create u 2 2", .n = 0, .msg = "created u: 2 partitions, 2 replicas",
	  .want = "1 create u 2\n2 create u 2\n3 create u 2\n" },
	{ PLACED, .arg = "u 2 2" },
	{ PART, .arg = "u 0 0 -1 2,3 2,3" },
	{ PART, .arg = "u 1 0 -1 2,3 2,3" },
	{ ROUND, .want = "2 lead u 0 1 2,3 2,3 0\n1 offline u 0 1 2 2,3\n3 follow u 0 1 2 2,3\n"
	    "2 lead u 1 1 2,3 2,3 0\n1 offline u 1 1 2 2,3\n3 follow u 1 1 2 2,3\n" },
	/* v's leader still proposes the fenced node: it is committed without it */
	{ ROUND, .want = "2 isr v 0 5 2,3\n1 isr v 0 5 2,3\n3 isr v 0 5 2,3\n" },
	{ VERB, .arg = "unfence 1", .n = 0, .msg = "node 1 is unfenced", .want = "" },
	{ LIVE, .id = 1, .n = 1 },
	{ ROUND, .want = "1 isr t 0 4 2,3\n3 isr t 0 4 2,3\n3 isr u 0 1 2,3\n3 isr u 1 1 2,3\n" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "fence 9", .n = FL_EINVAL, .msg = "no node 9 in the cluster", .want = "" },
	/* t-0 away from the fenced node, and the first leaders of u's two partitions */
	{ ELECTED, .arg = "clean 3 reassign 0 operator 0 unclean 0 drain 0 offline 0" },
	{ END }
};

static const struct step reassign_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	/* first the new replicas join, at a new epoch */
	{ VERB, .arg = "reassign t 0 1,2,4", .n = 0,
	  .msg = "t-0: moving to 1,2,4 (done once they are all in the ISR)",
	  .want = "1 lead t 0 4 1,2,3,4 1,2,3 100\n2 follow t 0 4 1 1,2,3,4\n3 follow t 0 4 1 1,2,3,4\n"
	    "4 follow t 0 4 1 1,2,3,4\n" },
	{ SAVED, .n = 1 },
	{ PART, .arg = "t 0 4 1 1,2,3,4 1,2,3" },
	{ ROUND, .want = "2 isr t 0 4 1,2,3\n3 isr t 0 4 1,2,3\n4 isr t 0 4 1,2,3\n" },
	{ ROUND, .want = "" },
	{ PART, .arg = "t 0 4 1 1,2,3,4 1,2,3" },
	/* once they are in the ISR, the old ones go, at a new epoch */
	{ SET, 1, .arg = "t 0 leader 4 1 1,2,3 1,2,3,4 100" },
	/* 4 joins: the leader holds it first, then it is stored */
	{ ROUND, .want = "1 isr t 0 4 1,2,3,4\n" },
	{ PART, .arg = "t 0 4 1 1,2,3,4 1,2,3" },
	{ ROUND, .want = "2 isr t 0 4 1,2,3,4\n3 isr t 0 4 1,2,3,4\n"
	    "4 isr t 0 4 1,2,3,4\n"
	    "1 lead t 0 5 1,2,4 1,2,4 100\n2 follow t 0 5 1 1,2,4\n3 offline t 0 5 1 1,2,4\n"
	    "4 follow t 0 5 1 1,2,4\n" },
	{ PART, .arg = "t 0 5 1 1,2,4 1,2,4" },
	{ NOTE, .arg = "t-0: reassigned; leader 1 at epoch 5" },
	{ ELECTED, .arg = "clean 0 reassign 0 operator 0 unclean 0 drain 0 offline 0" },	/* the leader stayed: a new epoch, no election */
	{ ROUND, .want = "2 isr t 0 5 1,2,4\n4 isr t 0 5 1,2,4\n" },
	{ ROUND, .want = "" },
	/* away from its leader */
	{ VERB, .arg = "reassign t 0 2,3,4", .n = 0,
	  .msg = "t-0: moving to 2,3,4 (done once they are all in the ISR)",
	  .want = "1 lead t 0 6 1,2,3,4 1,2,4 100\n2 follow t 0 6 1 1,2,3,4\n3 follow t 0 6 1 1,2,3,4\n"
	    "4 follow t 0 6 1 1,2,3,4\n" },
	{ ROUND, .want = "2 isr t 0 6 1,2,4\n3 isr t 0 6 1,2,4\n4 isr t 0 6 1,2,4\n" },
	{ SET, 1, .arg = "t 0 leader 6 1 1,2,4 1,2,3,4 100" },
	{ ROUND, .want = "1 isr t 0 6 1,2,3,4\n" },
	{ PART, .arg = "t 0 6 1 1,2,3,4 1,2,4" },
	{ ROUND, .want = "2 isr t 0 6 1,2,3,4\n3 isr t 0 6 1,2,3,4\n"
	    "4 isr t 0 6 1,2,3,4\n"
	    "3 lead t 0 7 2,3,4 2,3,4 100\n1 offline t 0 7 3 2,3,4\n2 follow t 0 7 3 2,3,4\n"
	    "4 follow t 0 7 3 2,3,4\n" },
	{ PART, .arg = "t 0 7 3 2,3,4 2,3,4" },
	{ ELECTED, .arg = "clean 0 reassign 1 operator 0 unclean 0 drain 0 offline 0" },
	{ ROUND, .want = "2 isr t 0 7 2,3,4\n4 isr t 0 7 2,3,4\n" },
	{ ROUND, .want = "" },
	{ VERB, .arg = "reassign t 0 1,9", .n = FL_EINVAL, .msg = "no node 9 in the cluster",
	  .want = "" },
	{ VERB, .arg = "reassign u 0 1", .n = FL_ENOENT, .msg = "no partition u-0", .want = "" },
	{ END }
};

/*
 * flume-sim seed 1 (faults none): a topic created before any node's stream
 * was open reached nobody; the first elections sent role lines for it,
 * which created it on each node with one partition, and its second
 * partition was then refused everywhere, for ever.  Nodes not yet heard
 * from get the topic before any role in it.
 */
static const struct step created_before_up_steps[] = {
	{ VERB, .arg = "create t 2 3", .n = 0, .msg = "created t: 2 partitions, 3 replicas",
	  .want = "" },
	{ UP, 0, .want = UP3(1) UP3(2) UP3(3) },
	{ TICK, .want = "1 create " OL " 1\n2 create " OL " 1\n3 create " OL " 1\n"
	    "3 lead " OL " 0 1 1,2,3 1,2,3 0\n1 follow " OL " 0 1 3 1,2,3\n"
	    "2 follow " OL " 0 1 3 1,2,3\n"
	    "1 create t 2\n1 lead t 0 1 1,2,3 1,2,3 0\n2 create t 2\n2 follow t 0 1 1 1,2,3\n"
	    "3 create t 2\n3 follow t 0 1 1 1,2,3\n"
	    "1 lead t 1 1 1,2,3 1,2,3 0\n2 follow t 1 1 1 1,2,3\n3 follow t 1 1 1 1,2,3\n" },
	{ END }
};

static const struct step away_at_create_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ DOWN, .id = 2 },
	{ VERB, .arg = "create w 1 1", .n = 0, .msg = "created w: 1 partitions, 1 replicas",
	  .want = "1 create w 1\n3 create w 1\n" },
	{ PART, .arg = "w 0 0 -1 2 2" },	/* on node 2, away */
	{ ROUND, .want = "" },			/* nobody may lead it yet */
	{ UP, 2, .want = UP3(2) },
	{ ANSWER, .id = 2 },
	/* it is given the topic before it is told to lead it */
	{ TICK, .want = "2 create w 1\n"
	    "2 lead w 0 1 2 2 0\n1 offline w 0 1 2 2\n3 offline w 0 1 2 2\n" },
	{ ROUND, .want = "" },
	{ PART, .arg = "w 0 1 2 2 2" },
	{ END }
};

static const struct step requests_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	/* a client's CreateTopics, queued by node 2: carried out, and node 2 told it is done */
	{ REQ, 2, .arg = "5 create w 2 2 retention.ms=1000" },
	{ ROUND, .want = "1 create w 2 retention.ms=1000\n2 create w 2 retention.ms=1000\n"
	    "3 create w 2 retention.ms=1000\n2 done 5\n" },
	{ SAVED, .n = 3 },
	{ NOTE, .arg = "node 2 asks to create topic w: created w: 2 partitions, 2 replicas" },
	{ PLACED, .arg = "w 2 2" },
	{ PART, .arg = "w 0 0 -1 2,3 2,3" },
	{ PART, .arg = "w 1 0 -1 1,3 1,3" },
	{ ROUND, .want = "2 lead w 0 1 2,3 2,3 0\n1 offline w 0 1 2 2,3\n3 follow w 0 1 2 2,3\n"
	    "3 lead w 1 1 1,3 1,3 0\n1 follow w 1 1 3 1,3\n2 offline w 1 1 3 1,3\n" },
	{ ROUND, .want = "1 isr w 1 1 1,3\n3 isr w 0 1 2,3\n" },
	{ ROUND, .want = "" },
	/* DeleteTopics */
	{ REQ, 3, .arg = "6 delete w" },
	{ ROUND, .want = "1 delete w\n2 delete w\n3 delete w\n3 done 6\n" },
	{ SAVED, .n = 3 },
	{ PART, .arg = "w 0 none" },
	/* refused: still answered */
	{ REQ, 1, .arg = "7 create t 1 1" },
	{ ROUND, .want = "1 done 7\n" },
	{ NOTE, .arg = "node 1 asks to create topic t: refused: topic t exists" },
	{ SAVED, .n = 0 },
	{ REQ, 1, .arg = "8 create x 1 1" },
	{ REQ, 1, .arg = "9 delete nosuch" },
	{ ROUND, .want = "1 create x 1\n2 create x 1\n3 create x 1\n1 done 8\n1 done 9\n" },
	{ NOTE, .arg = "node 1 asks to delete topic nosuch: refused: no topic nosuch" },
	{ ROUND, .want = "3 lead x 0 1 3 3 0\n1 offline x 0 1 3 3\n2 offline x 0 1 3 3\n" },
	{ ROUND, .want = "" },
	{ END }
};

static const struct step wrong_broker_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ SAYS, 3, .n = 5 },
	{ ANSWER, 3, .want = "" },
	{ NOTE, .arg = "node 3: the broker there says it is node 5" },
	{ LIVE, 3, .n = 0 },
	{ SET, 3, .arg = "t 0 follower 2 1 - - 100" },
	{ ROUND, .want = "" },			/* its word is not taken */
	{ SAYS, 3, .n = 0 },
	{ ANSWER, .id = 3 },
	{ NOTE, .arg = "node 3 answers again" },
	{ LIVE, 3, .n = 1 },
	{ TICK, .want = "3 follow t 0 3 1 1,2,3\n" },
	{ END }
};

static const struct step shrink_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ VERB, .arg = "reassign t 0 1,2", .n = 0,
	  .msg = "t-0: moving to 1,2 (done once they are all in the ISR)", .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2,3" },
	{ TICK, .want = "1 lead t 0 4 1,2 1,2 100\n2 follow t 0 4 1 1,2\n3 offline t 0 4 1 1,2\n" },
	{ PART, .arg = "t 0 4 1 1,2 1,2" },
	{ ROUND, .want = "2 isr t 0 4 1,2\n" },
	{ ROUND, .want = "" },
	{ END }
};

/* The state names 2 as leader at epoch 4; a crash came before anyone was told. */
static const struct step unsent_steps[] = {
	{ CEPOCH, 1, .n = 6 },
	{ CEPOCH, 2, .n = 6 },
	{ CEPOCH, 3, .n = 6 },
	{ SET, 1, .arg = "t 0 leader 3 1 1,2,3 1,2,3 100" },
	{ SET, 2, .arg = "t 0 follower 3 1 1,2,3 - 100" },
	{ SET, 3, .arg = "t 0 follower 3 1 1,2,3 - 100" },
	{ UP, .id = 0 },
	/* not epoch 4 again: a new election, at 5 */
	{ ROUND, .want = "1 lead t 0 5 1,2,3 1,3 100\n"
	    "2 follow t 0 5 1 1,2,3\n3 follow t 0 5 1 1,2,3\n" },
	{ NOTE, .arg = "t-0: node 2 does not lead it at epoch 4 (restarted?)" },
	{ PART, .arg = "t 0 5 1 1,2,3 1,3" },
	{ ROUND, .want = "2 isr t 0 5 1,3\n3 isr t 0 5 1,3\n" },
	{ END }
};

/* Five host names of 220 bytes: the broker list does not fit in an admin line. */
static const struct step long_list_steps[] = {
	{ UP, 1, .want = "1 controller 7\n" },	/* never a list cut short */
	{ NOTE, .arg = "node 1: the broker list is longer than an admin line" },
	{ ROUND, .want = "" },
	{ END }
};

/* The push of a committed ISR to its leader is lost (or the leader crashed before saving it). */
static const struct step lost_isr_steps[] = {
	{ UP, .id = 0 },
	{ ROUND, .want = "" },
	{ HOLD, 1, .n = 1 },
	{ SET, 1, .arg = "t 0 leader 3 1 1,2,3 1,2 100" },
	{ ROUND, .want = "1 isr t 0 3 1,2\n2 isr t 0 3 1,2\n3 isr t 0 3 1,2\n" },
	{ HOLD, 1, .n = 0 },
	/* it still works with 1,2,3 (and so waits for 3): told again */
	{ ROUND, .want = "1 isr t 0 3 1,2\n" },
	{ ROUND, .want = "" },
	{ PART, .arg = "t 0 3 1 1,2,3 1,2" },
	{ END }
};

static const struct scenario scenarios[] = {
	{ "start", 3, T0, "t 1", NULL, NULL, start_steps, 0 },
	{ "start, the cluster file moved a broker", 3, T0, "t 1",
	  "broker 1 h1:9001\nbroker 2 old:9002\nbroker 3 h3:9003\n", NULL, new_brokers_steps, 0 },
	{ "start, the state and topic list disagree", 3, T0 "\nx 0 2 leader 2 1,2,3 1,2,3",
	  "t 1\ny 1", NULL, NULL, lists_disagree_steps, 0 },
	{ "start, nobody answers", 3, T0, "t 1", NULL, NULL, nobody_answers_steps, 0 },
	{ "created before any stream opened", 3, NULL, NULL, NULL, "", created_before_up_steps, 0 },
	{ "create-topic", 4, NULL, NULL, NULL, "", create_steps, 0 },
	{ "leader's stream fails", 3, T0, "t 1", NULL, NULL, stream_fails_steps, 0 },
	{ "a node ahead of the state", 3, T0, "t 1", NULL, NULL, ahead_steps, 0 },
	{ "a replica whose log ends below the HW", 3, T0, "t 1", NULL, NULL, short_log_steps, 0 },
	{ "every live replica's log ends below the HW", 3, T0, "t 1", NULL, NULL,
	  short_logs_steps, 0 },
	{ "the HW heard is remembered", 3, T0, "t 1", NULL, NULL, short_remembered_steps, 0 },
	{ "leader falls silent", 3, T0, "t 1", NULL, NULL, silent_steps, 0 },
	{ "no live ISR member", 3, ISR1, "t 1", NULL, NULL, offline_steps, 0 },
	{ "unclean --to", 3, ISR1, "t 1", NULL, NULL, unclean_steps, 0 },
	{ "unclean by the rules", 3, ISR1, "t 1", NULL, NULL, unclean_rules_steps, 0 },
	{ "unclean, nothing lost", 3, ISR1, "t 1", NULL, NULL, unclean_nothing_lost_steps, 0 },
	{ "unclean, log end unknown", 3, ISR1, "t 1", NULL, NULL, unclean_unknown_steps, 0 },
	{ "restarted leader", 3, T0, "t 1", NULL, NULL, restarted_steps, 0 },
	{ "restarted leader, alone in the ISR", 3, ISR1, "t 1", NULL, NULL, restarted_alone_steps, 0 },
	{ "no repeat", 3, T0, "t 1", NULL, NULL, no_repeat_steps, 0 },
	{ "ISR proposals", 4, T0, "t 1", NULL, NULL, isr_steps, 0 },
	{ "an ISR commit its leader missed", 3, T0, "t 1", NULL, NULL, lost_isr_steps, 0 },
	{ "reconciling", 4, T0, "t 1", NULL, NULL, reconcile_steps, 0 },
	{ "fenced by a status", 3, T0, "t 1", NULL, NULL, fenced_status_steps, 0 },
	{ "fenced by an answer", 3, T0, "t 1", NULL, NULL, fenced_answer_steps, 0 },
	{ "elect --to", 4, T0, "t 1", NULL, NULL, elect_to_steps, 0 },
	{ "drain", 3, T0 "\nu 0 2 leader 1 1,2 1\nv 0 5 leader 2 1,2,3 1,2,3", "t 1\nu 1\nv 1",
	  NULL, FL_OFFSETS_TOPIC " 0 1 leader 3 3 3", drain_steps, 0 },
	{ "fence a node", 3, T0 "\nv 0 5 leader 2 1,2,3 1,2,3", "t 1\nv 1", NULL, NULL,
	  fence_steps, 0 },
	{ "reassign", 4, T0, "t 1", NULL, NULL, reassign_steps, 0 },
	{ "created while its only replica is away", 3, T0, "t 1", NULL,
	  FL_OFFSETS_TOPIC " 0 1 leader 1 1 1", away_at_create_steps, 0 },
	{ "clients' requests", 3, T0, "t 1", NULL, NULL, requests_steps, 0 },
	{ "the wrong broker answers", 3, T0, "t 1", NULL, NULL, wrong_broker_steps, 0 },
	{ "reassign, fewer replicas", 3, T0, "t 1", NULL, NULL, shrink_steps, 0 },
	{ "controller restarted before sending", 3, "t 0 4 leader 2 1,2,3 1,2,3", "t 1", NULL, NULL,
	  unsent_steps, 0 },
	{ "a broker list too long for a line", 5, T0, "t 1", NULL, NULL, long_list_steps, 220 },
};

int
main(void)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(scenarios); i++)
		run(&scenarios[i]);
	return tap_done();
}
