/*
 * test-group.c: the group coordinator driven with a fake clock through join
 * storms, silent members, leaders leaving mid-sync, late joiners, static
 * members and bad input.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sm/group.h"
#include "tap.h"

#define S(str) ((struct fl_slice){ (const uint8_t *)(str), strlen(str) })
#define NUL ((struct fl_slice){ NULL, 0 })

static struct fl_grp g;
static uint64_t now;
static uint8_t rnd_seed;

/* The last answers, copied out because the coordinator's are borrowed. */
struct ans {
	uint64_t token;
	int kind, error, gen;
	char member[300], leader[300], proto[64], ptype[64];
	int nmembers, skip;
	char assign[64];
};
static struct ans ans[512];
static int nans;

static void
collect(void)
{
	size_t n, i;
	const struct fl_grp_resp *r = fl_grp_out(&g, &n);

	nans = 0;
	for (i = 0; i < n && nans < 512; i++) {
		struct ans *a = &ans[nans++];

		memset(a, 0, sizeof(*a));
		a->token = r[i].token;
		a->kind = r[i].kind;
		a->error = r[i].error;
		a->gen = r[i].generation;
		snprintf(a->member, sizeof(a->member), "%s", r[i].member_id);
		snprintf(a->leader, sizeof(a->leader), "%s", r[i].leader);
		snprintf(a->proto, sizeof(a->proto), "%s", r[i].protocol);
		snprintf(a->ptype, sizeof(a->ptype), "%s", r[i].protocol_type);
		a->skip = r[i].skip_assignment;
		a->nmembers = (int)r[i].nmembers;
		if (r[i].nmembers > 0 && strcmp(r[i].members[0].member_id, "") == 0)
			a->nmembers = -1;	/* views must be real */
		snprintf(a->assign, sizeof(a->assign), "%.*s", (int)r[i].assignment_len,
		    (const char *)r[i].assignment);
	}
}

static struct ans *
find(uint64_t token)
{
	int i;

	for (i = 0; i < nans; i++)
		if (ans[i].token == token)
			return &ans[i];
	return NULL;
}

static int
join_full(uint64_t token, const char *group, const char *member, const char *inst,
    int version, int32_t session_ms, int32_t rebalance_ms, const char *ptype,
    const char *proto, const char *meta)
{
	struct fl_grp_protocol p[2];
	struct fl_grp_join_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	p[0].name = S(proto);
	p[0].metadata = S(meta);
	p[1].name = S("roundrobin");
	p[1].metadata = S("rr");
	req.token = token;
	req.version = (int16_t)version;
	req.group_id = S(group);
	req.member_id = S(member);
	req.instance_id = inst ? S(inst) : NUL;
	req.client_id = S("cli");
	req.session_ms = session_ms;
	req.rebalance_ms = rebalance_ms;
	req.protocol_type = S(ptype);
	req.protocols = p;
	req.nprotocols = 2;
	memset(req.random, ++rnd_seed, sizeof(req.random));
	rc = fl_grp_join(&g, now, &req);
	collect();
	return rc;
}

static int
join(uint64_t token, const char *member)
{
	return join_full(token, "g1", member, NULL, 5, 10000, 20000, "consumer", "range", "m");
}

static int
sync_req(uint64_t token, const char *member, int gen, int nassign, const char **pairs)
{
	struct fl_grp_assignment a[16];
	struct fl_grp_sync_req req;
	int i, rc;

	for (i = 0; i < nassign; i++) {
		a[i].member_id = S(pairs[2 * i]);
		a[i].assignment = S(pairs[2 * i + 1]);
	}
	memset(&req, 0, sizeof(req));
	req.token = token;
	req.group_id = S("g1");
	req.member_id = S(member);
	req.instance_id = NUL;
	req.generation = gen;
	req.assignments = a;
	req.nassignments = (size_t)nassign;
	rc = fl_grp_sync(&g, now, &req);
	collect();
	return rc;
}

/* SyncGroup v5 in group g1: ptype / pname NULL are Kafka's nulls. */
static int
sync_v5(uint64_t token, const char *member, int gen, const char *ptype, const char *pname)
{
	struct fl_grp_sync_req req;
	int rc;

	memset(&req, 0, sizeof(req));
	req.token = token;
	req.group_id = S("g1");
	req.member_id = S(member);
	req.instance_id = NUL;
	req.generation = gen;
	req.protocol_type = ptype ? S(ptype) : NUL;
	req.protocol_name = pname ? S(pname) : NUL;
	rc = fl_grp_sync(&g, now, &req);
	collect();
	return rc;
}

/* SyncGroup v5's ProtocolType and ProtocolName against a Stable group
 * of type "consumer", protocol "range" (Kafka's validateSyncGroup). */
static const struct {
	const char *what, *ptype, *pname;
	int gen, error;
} sync_v5_cases[] = {
	{ "both null: not checked", NULL, NULL, 1, 0 },
	{ "both the group's", "consumer", "range", 1, 0 },
	{ "type only", "consumer", NULL, 1, 0 },
	{ "name only", NULL, "range", 1, 0 },
	{ "another type is 23", "connect", "range", 1, FL_KERR_INCONSISTENT_GROUP_PROTOCOL },
	{ "another name is 23", "consumer", "roundrobin", 1, FL_KERR_INCONSISTENT_GROUP_PROTOCOL },
	{ "an empty type is 23", "", NULL, 1, FL_KERR_INCONSISTENT_GROUP_PROTOCOL },
	{ "the generation is checked first (22)", "connect", NULL, 9, FL_KERR_ILLEGAL_GENERATION },
};

static int
hb(const char *member, int gen)
{
	int rc = fl_grp_heartbeat(&g, now, S("g1"), S(member), NUL, gen);

	collect();
	return rc;
}

static void
tick(uint64_t to)
{
	now = to;
	fl_grp_tick(&g, now);
	collect();
}

/* Join as a new v5 member: 79, then the rejoin; returns the member id. */
static void
new_member(uint64_t token, char *id, size_t n)
{
	join(token, "");
	snprintf(id, n, "%s", ans[0].member);
	CHECK(ans[0].error == FL_KERR_MEMBER_ID_REQUIRED && strncmp(id, "cli-", 4) == 0,
	    "a first v5 join gets MEMBER_ID_REQUIRED and an id");
	join(token + 1, id);
}

static void
test_basic_flow(void)
{
	char a[300], b[300], c[300];
	struct ans *x, *y;
	struct fl_grp_info info;
	const char *pairs[4];

	fl_grp_init(&g, NULL);
	now = 1000;
	new_member(10, a, sizeof(a));
	CHECK_INT(nans, ==, 0, "the rejoin is parked (initial delay)");
	now = 2000;
	new_member(20, b, sizeof(b));
	CHECK_INT(nans, ==, 0, "the second member is parked too");
	CHECK_U64(fl_grp_next_wake(&g), ==, 5000, "the initial delay re-arms at the last arrival");
	tick(4999);
	CHECK_INT(nans, ==, 0, "nothing before the delay");
	tick(5000);
	x = find(11);
	y = find(21);
	CHECK(x && y && x->error == 0 && y->error == 0 && x->gen == 1 && y->gen == 1,
	    "both members get generation 1 when the delay ends");
	CHECK(x && strcmp(x->leader, a) == 0 && x->nmembers == 2 && y->nmembers == 0,
	    "the first joiner leads and alone gets the member list");
	CHECK(x && strcmp(x->proto, "range") == 0, "the common preferred protocol is chosen");

	CHECK_INT(sync_req(22, b, 1, 0, NULL), ==, 0, "a follower's sync waits for the leader");
	CHECK_INT(nans, ==, 0, "nothing answered yet");
	CHECK_INT(hb(b, 1), ==, 0, "heartbeat in CompletingRebalance is 0");
	pairs[0] = a; pairs[1] = "A-parts"; pairs[2] = b; pairs[3] = "B-parts";
	sync_req(12, a, 1, 2, pairs);
	x = find(12);
	y = find(22);
	CHECK(x && y && strcmp(x->assign, "A-parts") == 0 && strcmp(y->assign, "B-parts") == 0,
	    "the leader's sync answers everyone with their own assignment");
	fl_grp_find(&g, S("g1"), &info);
	CHECK_INT(info.state, ==, FL_GRP_STABLE, "the group is Stable");
	CHECK_INT(hb(a, 1), ==, 0, "heartbeat when Stable");
	CHECK_INT(hb(a, 0), ==, FL_KERR_ILLEGAL_GENERATION, "a stale generation is 22");
	CHECK_INT(hb("nobody", 1), ==, FL_KERR_UNKNOWN_MEMBER_ID, "an unknown member is 25");
	CHECK_INT(sync_req(13, a, 7, 0, NULL), ==, FL_KERR_ILLEGAL_GENERATION, "sync with a wrong generation");
	CHECK_INT(sync_req(14, b, 1, 0, NULL), ==, 0, "sync when Stable answers at once");
	CHECK(find(14) && strcmp(find(14)->assign, "B-parts") == 0, "with the stored assignment");
	CHECK(find(14) && strcmp(find(14)->ptype, "consumer") == 0 &&
	    strcmp(find(14)->proto, "range") == 0, "and the group's protocol type and name (v5)");
	{
		size_t i;
		char what[160];

		for (i = 0; i < sizeof(sync_v5_cases) / sizeof(sync_v5_cases[0]); i++) {
			snprintf(what, sizeof(what), "SyncGroup v5: %s", sync_v5_cases[i].what);
			CHECK_INT(sync_v5(40 + i, b, sync_v5_cases[i].gen, sync_v5_cases[i].ptype,
			    sync_v5_cases[i].pname), ==, sync_v5_cases[i].error, what);
			x = find(40 + i);
			CHECK(x && x->error == sync_v5_cases[i].error &&
			    strcmp(x->assign, x->error ? "" : "B-parts") == 0 &&
			    strcmp(x->ptype, x->error ? "" : "consumer") == 0, what);
		}
	}

	/* a late joiner: the others learn through heartbeats and rejoin */
	now = 6000;
	new_member(30, c, sizeof(c));
	CHECK_INT(hb(a, 1), ==, FL_KERR_REBALANCE_IN_PROGRESS, "heartbeat during a rebalance is 27");
	CHECK_INT(fl_grp_commit_check(&g, now, S("g1"), S(a), NUL, 1), ==, 0,
	    "commits during PreparingRebalance are accepted");
	CHECK_INT(fl_grp_commit_check(&g, now, S("g1"), S(""), NUL, -1), ==, FL_KERR_UNKNOWN_MEMBER_ID,
	    "a standalone commit into a live group is refused");
	join(15, a);
	CHECK_INT(nans, ==, 0, "one rejoin is not enough");
	join(23, b);
	CHECK(find(15) && find(23) && find(31) && find(15)->gen == 2,
	    "once all rejoin the round ends at once with generation 2");
	CHECK(find(15) && strcmp(find(15)->leader, a) == 0 && find(15)->nmembers == 3,
	    "the old leader stays leader and sees 3 members");
	CHECK_INT(fl_grp_commit_check(&g, now, S("g1"), S(a), NUL, 2), ==, FL_KERR_REBALANCE_IN_PROGRESS,
	    "commits while CompletingRebalance get 27");

	/* the leader leaves in the middle of the sync */
	sync_req(24, b, 2, 0, NULL);
	sync_req(32, c, 2, 0, NULL);
	CHECK_INT(fl_grp_leave(&g, now, S("g1"), S(a), NUL), ==, 0, "the leader leaves");
	collect();
	CHECK(find(24) && find(32) && find(24)->error == FL_KERR_REBALANCE_IN_PROGRESS &&
	    find(32)->error == FL_KERR_REBALANCE_IN_PROGRESS, "waiting followers get 27 and must rejoin");
	join(25, b);
	join(33, c);
	CHECK(find(25) && find(25)->gen == 3 && strcmp(find(25)->leader, b) == 0,
	    "a new leader is elected in generation 3");
	pairs[0] = b; pairs[1] = "B2"; pairs[2] = c; pairs[3] = "C2";
	sync_req(26, b, 3, 2, pairs);

	/* c stops heartbeating after its sync at 6000; b goes on */
	now = 8000;
	hb(b, 3);
	tick(6000 + 10000 - 1);
	CHECK_INT(nans, ==, 0, "no expiry before the session timeout");
	CHECK_INT(hb(b, 3), ==, 0, "b keeps heartbeating");
	tick(6000 + 10000);
	fl_grp_find(&g, S("g1"), &info);
	CHECK(info.state == FL_GRP_PREPARING_REBALANCE && info.nmembers == 1,
	    "c, silent past its session, is removed and a rebalance starts");
	join(27, b);
	CHECK(find(27) && find(27)->gen == 4 && find(27)->nmembers == 1, "b alone in generation 4");
	CHECK_INT(fl_grp_leave(&g, now, S("g1"), S(b), NUL), ==, 0, "b leaves");
	fl_grp_find(&g, S("g1"), &info);
	CHECK(info.state == FL_GRP_EMPTY && info.generation == 4, "the group is Empty and keeps its generation");
	CHECK_INT(fl_grp_commit_check(&g, now, S("g1"), S(""), NUL, -1), ==, 0,
	    "standalone commits into an empty group are accepted");
	CHECK_INT(fl_grp_leave(&g, now, S("g1"), S(b), NUL), ==, FL_KERR_UNKNOWN_MEMBER_ID,
	    "leaving twice is 25");
	CHECK_INT(fl_grp_forget(&g, S("g1")), ==, 1, "an empty group can be forgotten");
	CHECK_INT(fl_grp_count(&g), ==, 0, "and is gone");
	CHECK_INT(fl_grp_forget(&g, S("g1")), ==, 0, "forgetting an unknown group does nothing");
	fl_grp_free(&g);
}

static void
test_bad_input(void)
{
	char big[2048];
	struct fl_grp_protocol p;
	struct fl_grp_join_req req;
	struct fl_grp_config cfg;

	fl_grp_config_default(&cfg);
	cfg.metadata_bytes_max = 1000;
	fl_grp_init(&g, &cfg);
	now = 1;
	CHECK_INT(join_full(1, "", "", NULL, 5, 10000, 10000, "consumer", "range", "m"), ==,
	    FL_KERR_INVALID_GROUP_ID, "an empty group id is 24");
	CHECK_INT(join_full(2, "g", "", NULL, 5, 10, 10000, "consumer", "range", "m"), ==,
	    FL_KERR_INVALID_SESSION_TIMEOUT, "a tiny session timeout is 26");
	CHECK_INT(join_full(3, "g", "", NULL, 5, 2000000000, 10000, "consumer", "range", "m"), ==,
	    FL_KERR_INVALID_SESSION_TIMEOUT, "an absurd session timeout is 26");
	CHECK_INT(join_full(4, "g", "", NULL, 5, 10000, -5, "consumer", "range", "m"), ==,
	    FL_KERR_INCONSISTENT_GROUP_PROTOCOL, "a negative rebalance timeout is refused");
	CHECK_INT(join_full(5, "g", "", NULL, 5, 10000, 10000, "", "range", "m"), ==,
	    FL_KERR_INCONSISTENT_GROUP_PROTOCOL, "an empty protocol type is 23");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CHECK_INT(join_full(6, "g", "", NULL, 5, 10000, 10000, "consumer", "range", big), ==,
	    FL_KERR_INCONSISTENT_GROUP_PROTOCOL, "huge protocol metadata is refused");
	CHECK_INT(join_full(7, "g", "ghost", NULL, 5, 10000, 10000, "consumer", "range", "m"), ==,
	    FL_KERR_UNKNOWN_MEMBER_ID, "an unknown member id is 25");
	CHECK(find(7) && strcmp(find(7)->member, "ghost") == 0, "the error echoes the member id");
	CHECK_INT(join_full(8, "g", "", NULL, 3, 10000, 10000, "consumer", "range", "m"), ==, 0,
	    "an old (v3) join gets an id without the 79 round trip");
	CHECK_INT(join_full(9, "g", "", NULL, 3, 10000, 10000, "connect", "range", "m"), ==,
	    FL_KERR_INCONSISTENT_GROUP_PROTOCOL, "another protocol type is 23");
	memset(&req, 0, sizeof(req));
	p.name = S("other");
	p.metadata = S("");
	req.token = 10;
	req.version = 3;
	req.group_id = S("g");
	req.member_id = S("");
	req.session_ms = req.rebalance_ms = 10000;
	req.protocol_type = S("consumer");
	req.protocols = &p;
	req.nprotocols = 1;
	CHECK_INT(fl_grp_join(&g, now, &req), ==, FL_KERR_INCONSISTENT_GROUP_PROTOCOL,
	    "no protocol in common is 23");
	CHECK_INT(fl_grp_heartbeat(&g, now, S("nogroup"), S("x"), NUL, 0), ==,
	    FL_KERR_UNKNOWN_MEMBER_ID, "heartbeat to an unknown group is 25");
	{
		struct fl_grp_member_info mi;

		join_full(11, "cap", "", NULL, 3, 10000, INT32_MAX, "consumer", "range", "m");
		CHECK(fl_grp_member_at(&g, S("cap"), 0, &mi) == 0 && mi.rebalance_ms == 1800000,
		    "a rebalance timeout is capped at the longest session allowed");
	}
	fl_grp_free(&g);
}

static void
test_join_storm(void)
{
	static char ids[200][300];
	int i, answered = 0, leaders = 0, gen_ok = 1;
	size_t n;

	fl_grp_init(&g, NULL);
	now = 100;
	for (i = 0; i < 200; i++) {
		join(1000 + 2 * (uint64_t)i, "");
		snprintf(ids[i], sizeof(ids[i]), "%s", ans[0].member);
	}
	/* they rejoin in another order */
	for (i = 199; i >= 0; i--) {
		now += 10;
		join(1001 + 2 * (uint64_t)i, ids[i]);
		if (nans != 0)
			gen_ok = 0;
	}
	tick(now + 3000);
	for (i = 0; i < nans; i++) {
		if (ans[i].error == 0 && ans[i].gen == 1)
			answered++;
		if (ans[i].nmembers == 200)
			leaders++;
	}
	CHECK(gen_ok, "nobody is answered before the initial delay");
	CHECK_INT(answered, ==, 200, "a storm of 200 joins: everyone gets generation 1");
	CHECK_INT(leaders, ==, 1, "exactly one leader, with all 200 members");
	n = fl_grp_count(&g);
	CHECK_INT(n, ==, 1, "one group");
	fl_grp_free(&g);
}

static void
test_sync_timeout_and_pending(void)
{
	char a[300], b[300];
	struct fl_grp_info info;

	fl_grp_init(&g, NULL);
	now = 0;
	new_member(1, a, sizeof(a));
	new_member(3, b, sizeof(b));
	tick(3000);
	CHECK(find(2) && find(4), "both joined");
	sync_req(5, b, 1, 0, NULL);	/* follower waits; the leader never syncs */
	for (now = 8000; now < 23000; now += 5000)
		CHECK_INT(hb(a, 1), ==, 0, "the leader heartbeats but does not sync");
	tick(3000 + 20000 - 1);
	CHECK_INT(nans, ==, 0, "nothing until the rebalance timeout");
	tick(3000 + 20000);
	fl_grp_find(&g, S("g1"), &info);
	CHECK(info.nmembers == 1 && info.state == FL_GRP_PREPARING_REBALANCE,
	    "a leader that never syncs is removed and the rest rebalance");
	CHECK(find(5) && find(5)->error == FL_KERR_REBALANCE_IN_PROGRESS, "the waiting follower gets 27");
	join(6, b);
	CHECK(find(6) && find(6)->gen == 2 && strcmp(find(6)->leader, b) == 0, "b leads generation 2");

	/* an id handed out with 79 that never comes back expires */
	join(7, "");
	CHECK_INT(ans[0].error, ==, FL_KERR_MEMBER_ID_REQUIRED, "a new member is asked to rejoin");
	CHECK_U64(fl_grp_next_wake(&g), <=, now + 10000, "its pending id has a deadline");
	fl_grp_free(&g);
}

static void
test_static_members(void)
{
	char old_id[300];
	struct fl_grp_info info;

	fl_grp_init(&g, NULL);
	now = 0;
	join_full(1, "s", "", "inst-1", 5, 10000, 10000, "consumer", "range", "m");
	CHECK_INT(nans, ==, 0, "a static member joins without the 79 round trip (parked)");
	tick(3000);
	CHECK(find(1) && find(1)->gen == 1, "and gets generation 1");
	snprintf(old_id, sizeof(old_id), "%s", find(1)->member);
	/* it restarts: same instance id, no member id */
	join_full(2, "s", "", "inst-1", 5, 10000, 10000, "consumer", "range", "m");
	fl_grp_find(&g, S("s"), &info);
	CHECK(info.nmembers == 1, "a restarted static member takes its old place");
	CHECK(find(2) && strcmp(find(2)->member, old_id) != 0, "with a new member id");
	CHECK_INT(fl_grp_forget(&g, S("s")), ==, 0, "a group with members is not forgotten");
	CHECK_INT(fl_grp_heartbeat(&g, now, S("s"), S(old_id), S("inst-1"), 1), ==,
	    FL_KERR_FENCED_INSTANCE_ID, "the old id is fenced (82)");
	fl_grp_free(&g);
}

/* ---- static members restarting (KIP-345): one table, one driver ---- */

static int
sync_in(uint64_t token, const char *group, const char *member, const char *inst, int gen,
    int nassign, const char **pairs)
{
	struct fl_grp_assignment a[4];
	struct fl_grp_sync_req req;
	int i, rc;

	for (i = 0; i < nassign; i++) {
		a[i].member_id = S(pairs[2 * i]);
		a[i].assignment = S(pairs[2 * i + 1]);
	}
	memset(&req, 0, sizeof(req));
	req.token = token;
	req.group_id = S(group);
	req.member_id = S(member);
	req.instance_id = inst ? S(inst) : NUL;
	req.generation = gen;
	req.assignments = a;
	req.nassignments = (size_t)nassign;
	rc = fl_grp_sync(&g, now, &req);
	collect();
	return rc;
}

static int
hb_in(const char *group, const char *member, const char *inst, int gen)
{
	int rc = fl_grp_heartbeat(&g, now, S(group), S(member), inst ? S(inst) : NUL, gen);

	collect();
	return rc;
}

/* A static member of group "s": a join (v5 unless sjoin_version says
 * otherwise) with instance id "i-<name>". */
static int sjoin_version = 5;

static int
sjoin(uint64_t token, const char *member, const char *inst, const char *proto, const char *meta)
{
	return join_full(token, "s", member, inst, sjoin_version, 10000, 10000, "consumer",
	    proto, meta);
}

struct static_case {
	const char *name;
	enum fl_grp_state before;	/* the group's state when the member restarts */
	int is_leader;			/* the leader restarts (else the follower) */
	int parked;			/* 1: the restarting member's old id has a request
					 * parked (its join when PreparingRebalance, its
					 * sync when CompletingRebalance); 2: the other's */
	const char *proto, *meta;	/* what the restarted member prefers */
	/* expected */
	int is_rebalance;		/* 0: answered at once, same generation, Stable */
	int other_hb;			/* the other member's heartbeat right after */
	const char *next_proto;		/* the group's protocol afterwards */
	int version;			/* the restart's JoinGroup version */
};

static const struct static_case static_cases[] = {
	{ "follower restarts, Stable", FL_GRP_STABLE, 0, 0, "range", "m",
	    0, 0, "range", 5 },
	{ "leader restarts, Stable", FL_GRP_STABLE, 1, 0, "range", "m",
	    0, 0, "range", 5 },
	{ "leader restarts, Stable, new metadata, same protocol", FL_GRP_STABLE, 1, 0, "range", "m2",
	    0, 0, "range", 5 },
	{ "follower restarts, Stable, protocol choice changes", FL_GRP_STABLE, 0, 0, "sticky", "m",
	    1, FL_KERR_REBALANCE_IN_PROGRESS, "roundrobin", 5 },
	{ "leader restarts, Stable, protocol choice changes", FL_GRP_STABLE, 1, 0, "sticky", "m",
	    1, FL_KERR_REBALANCE_IN_PROGRESS, "roundrobin", 5 },
	{ "leader restarts, CompletingRebalance", FL_GRP_COMPLETING_REBALANCE, 1, 2, "range", "m",
	    1, FL_KERR_REBALANCE_IN_PROGRESS, "range", 5 },
	{ "follower restarts, CompletingRebalance, its sync parked", FL_GRP_COMPLETING_REBALANCE, 0, 1,
	    "range", "m", 1, FL_KERR_REBALANCE_IN_PROGRESS, "range", 5 },
	{ "follower restarts, PreparingRebalance, its join parked", FL_GRP_PREPARING_REBALANCE, 0, 1,
	    "range", "m", 1, FL_KERR_REBALANCE_IN_PROGRESS, "range", 5 },
	{ "leader restarts, PreparingRebalance, its join parked", FL_GRP_PREPARING_REBALANCE, 1, 1,
	    "range", "m", 1, FL_KERR_REBALANCE_IN_PROGRESS, "range", 5 },
	/* with the other waiting already, the restart completes the round */
	{ "leader restarts, PreparingRebalance, the other's join parked", FL_GRP_PREPARING_REBALANCE, 1, 2,
	    "range", "m", 1, FL_KERR_ILLEGAL_GENERATION, "range", 5 },
	/* KIP-814 (v9+): a restarted leader of a Stable group is told it
	 * leads, with the members, and to skip the assignment */
	{ "leader restarts, Stable, v9", FL_GRP_STABLE, 1, 0, "range", "m",
	    0, 0, "range", 9 },
	{ "follower restarts, Stable, v9", FL_GRP_STABLE, 0, 0, "range", "m",
	    0, 0, "range", 9 },
	{ "leader restarts, Stable, protocol choice changes, v9", FL_GRP_STABLE, 1, 0, "sticky", "m",
	    1, FL_KERR_REBALANCE_IN_PROGRESS, "roundrobin", 9 },
};

static void
static_case_run(const struct static_case *c)
{
	char a[300], b[300], nid[300], msg[200];
	const char *pairs[4], *old, *oinst, *other, *inst, *mine;
	struct fl_grp_info info;
	struct ans *x;
	int gen0;

#define M(what) (snprintf(msg, sizeof(msg), "%s: %s", c->name, (what)), msg)
	fl_grp_init(&g, NULL);
	now = 0;
	/* a then b: a leads generation 1; Stable with both assigned */
	sjoin(1, "", "i-a", "range", "m");
	sjoin(2, "", "i-b", "range", "m");
	tick(3000);
	if (find(1) == NULL || find(2) == NULL) {
		CHECK(0, M("setup: both static members joined"));
		fl_grp_free(&g);
		return;
	}
	snprintf(a, sizeof(a), "%s", find(1)->member);
	snprintf(b, sizeof(b), "%s", find(2)->member);
	gen0 = find(1)->gen;
	old = c->is_leader ? a : b;
	inst = c->is_leader ? "i-a" : "i-b";
	other = c->is_leader ? b : a;
	oinst = c->is_leader ? "i-b" : "i-a";
	mine = c->is_leader ? "A-parts" : "B-parts";
	if (c->before == FL_GRP_COMPLETING_REBALANCE) {
		/* the follower (b) waits in its sync; the leader has not synced */
		sync_in(3, "s", b, "i-b", gen0, 0, NULL);
	} else {
		sync_in(3, "s", b, "i-b", gen0, 0, NULL);
		pairs[0] = a; pairs[1] = "A-parts"; pairs[2] = b; pairs[3] = "B-parts";
		sync_in(4, "s", a, "i-a", gen0, 2, pairs);
	}
	if (c->before == FL_GRP_PREPARING_REBALANCE) {
		/* a round starts: a member rejoins under its id (a follower with
		 * new metadata, the leader with any) and waits for the other */
		const char *who = c->parked == 1 ? old : other;

		now = 4000;
		sjoin(40, who, who == a ? "i-a" : "i-b", "range", "m-new");
	}
	fl_grp_find(&g, S("s"), &info);
	CHECK_INT(info.state, ==, c->before, M("setup: the group is in the state under test"));

	/* the restart: the instance id, no member id */
	now = 5000;
	sjoin_version = c->version;
	CHECK_INT(sjoin(50, "", inst, c->proto, c->meta), ==, 0, M("the restarted member's join is accepted"));
	sjoin_version = 5;
	if (c->parked == 1) {
		x = find(c->before == FL_GRP_COMPLETING_REBALANCE ? 3 : 40);
		CHECK(x && x->error == FL_KERR_FENCED_INSTANCE_ID,
		    M("the old id's parked request is answered FENCED_INSTANCE_ID"));
	}
	if (c->parked == 2 && c->before == FL_GRP_COMPLETING_REBALANCE) {
		x = find(3);
		CHECK(x && x->error == FL_KERR_REBALANCE_IN_PROGRESS,
		    M("the other's parked sync is told to rejoin"));
	}
	x = find(50);
	fl_grp_find(&g, S("s"), &info);
	if (!c->is_rebalance) {
		CHECK(x && x->error == 0 && x->gen == gen0,
		    M("answered at once with the current generation"));
		CHECK(info.state == FL_GRP_STABLE && info.generation == gen0,
		    M("the group stays Stable in the same generation"));
		if (x == NULL) {
			fl_grp_free(&g);
			return;
		}
		snprintf(nid, sizeof(nid), "%s", x->member);
		CHECK(strcmp(nid, old) != 0 && strncmp(nid, "cli-", 4) == 0, M("under a new member id"));
		CHECK(strcmp(x->ptype, "consumer") == 0, M("the group's protocol type (v7+)"));
		if (c->version >= 9 && c->is_leader) {
			/* KIP-814: its new id as leader, everyone, SkipAssignment */
			CHECK(strcmp(x->leader, nid) == 0, M("v9: the answer names it leader"));
			CHECK_INT(x->nmembers, ==, 2, M("v9: with the member list"));
			CHECK_INT(x->skip, ==, 1, M("v9: and SkipAssignment"));
		} else {
			CHECK_INT(x->nmembers, ==, 0, M("with no member list (nothing to assign)"));
			/* JoinGroup v0-8: the leader id from before the replacement, so
			 * a restarted leader syncs as a follower */
			CHECK(strcmp(x->leader, a) == 0, M("the answer names the leader as it was"));
			CHECK_INT(x->skip, ==, 0, M("no SkipAssignment"));
		}
		CHECK(strcmp(info.leader, c->is_leader ? nid : a) == 0,
		    M("the group's leader is the new id if the leader restarted"));
		CHECK(strcmp(x->proto, c->next_proto) == 0, M("the protocol is unchanged"));
		CHECK_INT(hb_in("s", other, oinst, gen0), ==, c->other_hb,
		    M("the other member's heartbeat is still OK (no rebalance)"));
		CHECK_INT(hb_in("s", nid, inst, gen0), ==, 0, M("the new id heartbeats"));
		CHECK_INT(sync_in(51, "s", nid, inst, gen0, 0, NULL), ==, 0, M("the new id syncs"));
		CHECK(find(51) && find(51)->error == 0 && strcmp(find(51)->assign, mine) == 0,
		    M("and gets the assignment it had, at once"));
	} else {
		CHECK_INT(hb_in("s", other, oinst, gen0), ==, c->other_hb,
		    M("the other member's heartbeat: 27 rejoin, or 22 if the round is over"));
		if (x == NULL) {
			/* the other rejoins (unless it waits in the round already) */
			sjoin(60, other, oinst, "range", "m");
			x = find(50);
		}
		fl_grp_find(&g, S("s"), &info);
		CHECK(x && x->error == 0 && x->gen == gen0 + 1 && info.generation == gen0 + 1,
		    M("a rebalance: the next generation"));
		if (x == NULL) {
			fl_grp_free(&g);
			return;
		}
		snprintf(nid, sizeof(nid), "%s", x->member);
		CHECK(strcmp(nid, old) != 0, M("the restarted member has a new id"));
		CHECK(strcmp(x->proto, c->next_proto) == 0, M("the protocol the group chose"));
		CHECK(strcmp(x->leader, c->is_leader ? nid : a) == 0,
		    M("the leader keeps leading, under its new id if it restarted"));
		CHECK_INT(x->nmembers, ==, c->is_leader ? 2 : 0,
		    M("the leader gets both members to assign"));
		CHECK_INT(x->skip, ==, 0, M("and must assign (no SkipAssignment)"));
	}
	/* the old id is fenced everywhere, the leader's as much as anyone's */
	CHECK_INT(hb_in("s", old, inst, info.generation), ==, FL_KERR_FENCED_INSTANCE_ID,
	    M("the old id's heartbeat is fenced (82)"));
	CHECK_INT(sync_in(70, "s", old, inst, info.generation, 0, NULL), ==, FL_KERR_FENCED_INSTANCE_ID,
	    M("the old id's sync is fenced (82)"));
	CHECK_INT(fl_grp_commit_check(&g, now, S("s"), S(old), S(inst), info.generation), ==,
	    FL_KERR_FENCED_INSTANCE_ID, M("the old id's commit is fenced (82)"));
	CHECK_INT(sjoin(71, old, inst, "range", "m"), ==, FL_KERR_FENCED_INSTANCE_ID,
	    M("the old id's join is fenced (82)"));
	fl_grp_find(&g, S("s"), &info);
	CHECK_INT(info.nmembers, ==, 2, M("still two members"));
#undef M
	fl_grp_free(&g);
}

static void
test_static_restarts(void)
{
	size_t i;

	for (i = 0; i < sizeof(static_cases) / sizeof(static_cases[0]); i++)
		static_case_run(&static_cases[i]);
}

/* The rest of KIP-345: sessions, LeaveGroup by instance id, bad pairings. */
static void
test_static_edges(void)
{
	char a[300], b[300];
	struct fl_grp_info info;
	const char *pairs[4];
	struct fl_grp_protocol p;
	struct fl_grp_join_req req;

	fl_grp_init(&g, NULL);
	now = 0;
	sjoin(1, "", "i-a", "range", "m");
	sjoin(2, "", "i-b", "range", "m");
	tick(3000);
	snprintf(a, sizeof(a), "%s", find(1)->member);
	snprintf(b, sizeof(b), "%s", find(2)->member);
	sync_in(3, "s", b, "i-b", 1, 0, NULL);
	pairs[0] = a; pairs[1] = "A"; pairs[2] = b; pairs[3] = "B";
	sync_in(4, "s", a, "i-a", 1, 2, pairs);

	CHECK_INT(hb_in("s", a, "i-x", 1), ==, FL_KERR_UNKNOWN_MEMBER_ID,
	    "static: an instance id the group does not know is 25");
	CHECK_INT(hb_in("s", a, "i-b", 1), ==, FL_KERR_FENCED_INSTANCE_ID,
	    "static: another member's instance id is 82");
	CHECK_INT(sjoin(5, a, "i-b", "range", "m"), ==, FL_KERR_FENCED_INSTANCE_ID,
	    "static: a join pairing a member id with another's instance id is 82");
	CHECK_INT(sjoin(6, a, "i-x", "range", "m"), ==, FL_KERR_UNKNOWN_MEMBER_ID,
	    "static: a join with a member id and an unknown instance id is 25");

	/* a restart offering no protocol the others support changes nothing */
	memset(&req, 0, sizeof(req));
	p.name = S("other");
	p.metadata = S("");
	req.token = 7;
	req.version = 5;
	req.group_id = S("s");
	req.member_id = S("");
	req.instance_id = S("i-b");
	req.client_id = S("cli");
	req.session_ms = req.rebalance_ms = 10000;
	req.protocol_type = S("consumer");
	req.protocols = &p;
	req.nprotocols = 1;
	CHECK_INT(fl_grp_join(&g, now, &req), ==, FL_KERR_INCONSISTENT_GROUP_PROTOCOL,
	    "static: a restart with no protocol in common is 23");
	CHECK_INT(hb_in("s", b, "i-b", 1), ==, 0, "static: and the member keeps its id");

	/* sessions still run out for static members */
	now = 5000;
	hb_in("s", a, "i-a", 1);
	tick(3000 + 10000);
	fl_grp_find(&g, S("s"), &info);
	CHECK(info.nmembers == 1 && info.state == FL_GRP_PREPARING_REBALANCE,
	    "static: a static member silent past its session is removed");
	sjoin(8, "", "i-b", "range", "m");
	CHECK_INT(nans, ==, 0, "static: rejoining after that, it waits in the round");
	sjoin(9, a, "i-a", "range", "m");
	CHECK(find(8) && find(8)->error == 0 && find(8)->gen == 2 && strcmp(find(8)->leader, a) == 0,
	    "static: as a new member of the next generation");
	/* LeaveGroup v3 by instance id alone removes the member at once */
	CHECK_INT(fl_grp_leave(&g, now, S("s"), S(""), S("i-b")), ==, 0,
	    "static: LeaveGroup by instance id alone");
	fl_grp_find(&g, S("s"), &info);
	CHECK_INT(info.nmembers, ==, 1, "static: removes the member at once");
	CHECK_INT(fl_grp_leave(&g, now, S("s"), S(""), S("i-b")), ==, FL_KERR_UNKNOWN_MEMBER_ID,
	    "static: leaving twice is 25");
	CHECK_INT(fl_grp_leave(&g, now, S("s"), S("cli-nobody"), S("i-a")), ==,
	    FL_KERR_FENCED_INSTANCE_ID, "static: a leave pairing the instance with another id is 82");
	fl_grp_free(&g);
}

int
main(void)
{
	test_basic_flow();
	test_bad_input();
	test_join_storm();
	test_sync_timeout_and_pending();
	test_static_members();
	test_static_restarts();
	test_static_edges();
	return tap_done();
}
