/*
 * grpwire.c: the coordinator's answers as Kafka responses (grpwire.h).
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "sm/grpwire.h"

/* ---- JoinGroup / SyncGroup ---- */

/* Kafka's JoinGroupResponse and SyncGroupResponse from the versions where
 * the protocol is nullable: an empty one goes out as null. */
static struct fl_slice
null_if_empty(const char *s)
{
	return s != NULL && s[0] != '\0' ? fl_kp_str(s) : (struct fl_slice){ NULL, 0 };
}

static int
join_encode(struct fl_wr *w, int16_t version, int32_t corr, const struct fl_grp_resp *r)
{
	struct fl_kp_join_group_resp jr;
	struct fl_kp_join_member *m = NULL;
	size_t i;
	int rc;

	memset(&jr, 0, sizeof(jr));
	jr.error = r->error;
	jr.generation_id = r->generation;
	jr.protocol_name = version >= 7 ? null_if_empty(r->protocol) : fl_kp_str(r->protocol);
	jr.protocol_type = null_if_empty(r->protocol_type);
	jr.skip_assignment = r->skip_assignment;
	jr.leader = fl_kp_str(r->leader);
	jr.member_id = fl_kp_str(r->member_id);
	if (r->nmembers > 0) {
		m = calloc(r->nmembers, sizeof(*m));
		if (m == NULL)
			return FL_ENOMEM;
		for (i = 0; i < r->nmembers; i++) {
			m[i].member_id = fl_kp_str(r->members[i].member_id);
			m[i].group_instance_id = fl_kp_str(r->members[i].instance_id);
			m[i].metadata = (struct fl_slice){ r->members[i].metadata,
			    r->members[i].metadata_len };
		}
		jr.members = m;
		jr.nmembers = r->nmembers;
	}
	rc = fl_kp_join_group_resp_encode(w, version, corr, &jr);
	free(m);
	return rc;
}

static int
sync_encode(struct fl_wr *w, int16_t version, int32_t corr, const struct fl_grp_resp *r)
{
	struct fl_kp_sync_group_resp sr;

	memset(&sr, 0, sizeof(sr));
	sr.error = r->error;
	sr.assignment = (struct fl_slice){ r->assignment, r->assignment_len };
	sr.protocol_type = null_if_empty(r->protocol_type);
	sr.protocol_name = null_if_empty(r->protocol);
	return fl_kp_sync_group_resp_encode(w, version, corr, &sr);
}

int
fl_grpwire_answer_encode(struct fl_wr *w, int16_t version, int32_t corr,
    const struct fl_grp_resp *r)
{
	return r->kind == FL_GRP_RESP_JOIN ? join_encode(w, version, corr, r) :
	    sync_encode(w, version, corr, r);
}

int
fl_grpwire_error_encode(struct fl_wr *w, int16_t api_key, int16_t version, int32_t corr,
    int16_t error)
{
	struct fl_grp_resp r;

	if (api_key != FL_KP_JOIN_GROUP && api_key != FL_KP_SYNC_GROUP)
		return FL_EINVAL;
	memset(&r, 0, sizeof(r));
	r.kind = api_key == FL_KP_JOIN_GROUP ? FL_GRP_RESP_JOIN : FL_GRP_RESP_SYNC;
	r.error = error;
	r.generation = -1;
	r.protocol = r.leader = r.member_id = "";
	return fl_grpwire_answer_encode(w, version, corr, &r);
}

/* ---- OffsetCommit ---- */

int
fl_grpwire_commit_begin(struct fl_grpwire_commit *gc, const struct fl_kp_offset_commit_req *r,
    struct fl_arena *a)
{
	struct fl_kp_offset_commit_topic_resp *tr;
	size_t i, j, k, total = 0;
	int rc = 0;

	memset(gc, 0, sizeof(*gc));
	for (i = 0; i < r->ntopics; i++)
		total += r->topics[i].nparts;
	tr = fl_arena_alloc(a, r->ntopics, sizeof(*tr), &rc);
	if (rc == 0)
		gc->parts = fl_arena_alloc(a, total, sizeof(*gc->parts), &rc);
	if (rc == 0)
		gc->errs = fl_arena_alloc(a, total, sizeof(*gc->errs), &rc);
	if (rc != 0)
		return rc;
	for (i = 0, k = 0; i < r->ntopics; i++) {
		const struct fl_kp_offset_commit_topic *t = &r->topics[i];

		tr[i].name = t->name;
		tr[i].parts = t->nparts > 0 ? &gc->errs[k] : NULL;
		tr[i].nparts = t->nparts;
		for (j = 0; j < t->nparts; j++, k++) {
			const struct fl_kp_offset_commit_part *q = &t->parts[j];
			struct fl_coord_commit_part *cp = &gc->parts[k];

			cp->topic = t->name;
			cp->partition = q->index;
			cp->offset = q->committed_offset;
			cp->leader_epoch = q->committed_leader_epoch;
			cp->metadata = q->metadata;
			gc->errs[k].index = q->index;
		}
	}
	gc->nparts = total;
	gc->resp.topics = tr;
	gc->resp.ntopics = r->ntopics;
	return 0;
}

void
fl_grpwire_commit_fail(struct fl_grpwire_commit *gc, int16_t error)
{
	size_t k;

	for (k = 0; k < gc->nparts; k++)
		gc->parts[k].error = error;
}

void
fl_grpwire_commit_end(struct fl_grpwire_commit *gc)
{
	size_t k;

	for (k = 0; k < gc->nparts; k++) {
		gc->errs[k].index = gc->parts[k].partition;
		gc->errs[k].error = gc->parts[k].error;
	}
}

/* ---- OffsetFetch ---- */

/* Grows the topics of an all-topics answer as the table yields commits. */
struct fetch_all {
	struct fl_arena *a;
	struct fl_kp_offset_fetch_topic_resp *topics;
	size_t ntopics, cap;
	int rc;
};

static int
fetch_all_cb(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *oc)
{
	struct fetch_all *fa = arg;
	struct fl_kp_offset_fetch_topic_resp *t = NULL;
	struct fl_kp_offset_fetch_part_resp *np;
	size_t i, len = strlen(topic);

	for (i = 0; i < fa->ntopics; i++)
		if (fa->topics[i].name.len == len && memcmp(fa->topics[i].name.p, topic, len) == 0)
			t = &fa->topics[i];
	if (t == NULL) {
		if (fa->ntopics == fa->cap) {
			size_t cap = fa->cap ? fa->cap * 2 : 8;
			struct fl_kp_offset_fetch_topic_resp *nt =
			    fl_arena_alloc(fa->a, cap, sizeof(*nt), &fa->rc);

			if (nt == NULL)
				return 1;
			if (fa->ntopics)
				memcpy(nt, fa->topics, fa->ntopics * sizeof(*nt));
			fa->topics = nt;
			fa->cap = cap;
		}
		t = &fa->topics[fa->ntopics++];
		memset(t, 0, sizeof(*t));
		t->name = fl_kp_str(topic);
	}
	np = fl_arena_alloc(fa->a, t->nparts + 1, sizeof(*np), &fa->rc);
	if (np == NULL)
		return 1;
	if (t->nparts)
		memcpy(np, t->parts, t->nparts * sizeof(*np));
	memset(&np[t->nparts], 0, sizeof(*np));
	np[t->nparts].index = partition;
	np[t->nparts].committed_offset = oc->offset;
	np[t->nparts].committed_leader_epoch = oc->leader_epoch;
	np[t->nparts].metadata = fl_kp_str(oc->metadata ? oc->metadata : "");
	t->parts = np;
	t->nparts++;
	return 0;
}

/*
 * The named topics of r, each partition's durable commit in c (null
 * metadata as null), or when there is none (or no c) offset -1, epoch -1
 * and metadata md; error err in every partition.
 */
static int
fetch_named(const struct fl_coord *c, const struct fl_kp_offset_fetch_req *r,
    struct fl_slice md, int16_t err, struct fl_arena *a, struct fl_kp_offset_fetch_resp *resp)
{
	struct fl_kp_offset_fetch_topic_resp *tr;
	size_t i, j;
	int rc = 0;

	tr = fl_arena_alloc(a, r->ntopics, sizeof(*tr), &rc);
	for (i = 0; rc == 0 && i < r->ntopics; i++) {
		const struct fl_kp_offset_fetch_topic *t = &r->topics[i];
		struct fl_kp_offset_fetch_part_resp *pr = fl_arena_alloc(a, t->nparts,
		    sizeof(*pr), &rc);

		for (j = 0; rc == 0 && j < t->nparts; j++) {
			struct fl_offset_commit oc;

			memset(&pr[j], 0, sizeof(pr[j]));
			pr[j].index = t->parts[j];
			pr[j].committed_offset = -1;
			pr[j].committed_leader_epoch = -1;
			pr[j].metadata = md;
			pr[j].error = err;
			if (c != NULL && fl_coord_offset_get(c, r->group_id, t->name, t->parts[j], &oc)) {
				pr[j].committed_offset = oc.offset;
				pr[j].committed_leader_epoch = oc.leader_epoch;
				pr[j].metadata = fl_kp_str(oc.metadata);
			}
		}
		tr[i].name = t->name;
		tr[i].parts = pr;
		tr[i].nparts = t->nparts;
	}
	if (rc != 0)
		return rc;
	resp->topics = tr;
	resp->ntopics = r->ntopics;
	return 0;
}

int
fl_grpwire_fetch_resp(const struct fl_coord *c, const struct fl_kp_offset_fetch_req *r,
    struct fl_arena *a, struct fl_kp_offset_fetch_resp *resp)
{
	memset(resp, 0, sizeof(*resp));
	if (r->is_all_topics) {
		struct fetch_all fa;

		memset(&fa, 0, sizeof(fa));
		fa.a = a;
		fl_coord_offsets_each(c, r->group_id, fetch_all_cb, &fa);
		if (fa.rc != 0)
			return fa.rc;
		resp->topics = fa.topics;
		resp->ntopics = fa.ntopics;
		return 0;
	}
	return fetch_named(c, r, fl_kp_str(""), 0, a, resp);
}

int
fl_grpwire_fetch_refuse(const struct fl_kp_offset_fetch_req *r, int16_t error,
    struct fl_arena *a, struct fl_kp_offset_fetch_resp *resp)
{
	int rc;

	memset(resp, 0, sizeof(*resp));
	rc = fetch_named(NULL, r, (struct fl_slice){ NULL, 0 }, error, a, resp);
	if (rc != 0)
		return rc;
	if (r->is_all_topics) {
		resp->topics = NULL;
		resp->ntopics = 0;
	}
	resp->error = error;
	return 0;
}
