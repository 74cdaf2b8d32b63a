/*
 * offsets.c: an open-addressing hash table keyed by (group, topic,
 * partition), and the record codec.  Deletions use backward-shift so the
 * table never fills with tombstones.
 */
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/offsets.h"

struct fl_offsets_entry {
	uint64_t hash;
	char *group, *topic;
	int32_t partition;
	struct fl_offset_commit c;
	char *metadata;			/* owned; c.metadata points here */
};

static uint64_t
fnv(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static uint64_t
key_hash(struct fl_slice g, struct fl_slice t, int32_t part)
{
	uint64_t h = 0xcbf29ce484222325ull;
	uint8_t sep = 0;

	h = fnv(h, g.p, g.len);
	h = fnv(h, &sep, 1);
	h = fnv(h, t.p, t.len);
	h = fnv(h, &sep, 1);
	return fnv(h, &part, sizeof(part));
}

static int
eq(const char *s, struct fl_slice x)
{
	return strlen(s) == x.len && (x.len == 0 || memcmp(s, x.p, x.len) == 0);
}

void
fl_offsets_init(struct fl_offsets *t)
{
	memset(t, 0, sizeof(*t));
}

static void
entry_free(struct fl_offsets_entry *e)
{
	if (e == NULL)
		return;
	free(e->group);
	free(e->topic);
	free(e->metadata);
	free(e);
}

void
fl_offsets_free(struct fl_offsets *t)
{
	size_t i;

	for (i = 0; i < t->nslots; i++)
		entry_free(t->slots[i]);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

static size_t
slot_of(const struct fl_offsets *t, struct fl_slice g, struct fl_slice tp, int32_t part,
    uint64_t h, int *found)
{
	size_t i = (size_t)h & (t->nslots - 1);

	for (;;) {
		struct fl_offsets_entry *e = t->slots[i];

		if (e == NULL) {
			*found = 0;
			return i;
		}
		if (e->hash == h && e->partition == part && eq(e->group, g) && eq(e->topic, tp)) {
			*found = 1;
			return i;
		}
		i = (i + 1) & (t->nslots - 1);
	}
}

static int
grow(struct fl_offsets *t)
{
	size_t n = t->nslots ? t->nslots * 2 : 64, i;
	struct fl_offsets_entry **ns = calloc(n, sizeof(*ns));

	if (ns == NULL)
		return FL_ENOMEM;
	for (i = 0; i < t->nslots; i++) {
		struct fl_offsets_entry *e = t->slots[i];
		size_t j;

		if (e == NULL)
			continue;
		for (j = (size_t)e->hash & (n - 1); ns[j] != NULL; j = (j + 1) & (n - 1))
			;
		ns[j] = e;
	}
	free(t->slots);
	t->slots = ns;
	t->nslots = n;
	return 0;
}


int
fl_offsets_put(struct fl_offsets *t, struct fl_slice g, struct fl_slice tp, int32_t part,
    const struct fl_offset_commit *c)
{
	uint64_t h = key_hash(g, tp, part);
	struct fl_offsets_entry *e;
	char *md = NULL;
	size_t i;
	int found, rc;

	if ((t->n + 1) * 4 > t->nslots * 3 && (rc = grow(t)) != 0)
		return rc;
	if (c->metadata != NULL && (md = strdup(c->metadata)) == NULL)
		return FL_ENOMEM;
	i = slot_of(t, g, tp, part, h, &found);
	if (found) {
		e = t->slots[i];
		free(e->metadata);
	} else {
		e = calloc(1, sizeof(*e));
		if (e == NULL || (e->group = fl_slice_dup(g)) == NULL || (e->topic = fl_slice_dup(tp)) == NULL) {
			entry_free(e);
			free(md);
			return FL_ENOMEM;
		}
		e->hash = h;
		e->partition = part;
		t->slots[i] = e;
		t->n++;
	}
	e->c = *c;
	e->metadata = md;
	e->c.metadata = md;
	return 0;
}

void
fl_offsets_del(struct fl_offsets *t, struct fl_slice g, struct fl_slice tp, int32_t part)
{
	size_t i, j;
	int found;

	if (t->nslots == 0)
		return;
	i = slot_of(t, g, tp, part, key_hash(g, tp, part), &found);
	if (!found)
		return;
	entry_free(t->slots[i]);
	t->slots[i] = NULL;
	t->n--;
	/* backward-shift the cluster after the hole */
	for (j = (i + 1) & (t->nslots - 1); t->slots[j] != NULL; j = (j + 1) & (t->nslots - 1)) {
		size_t home = (size_t)t->slots[j]->hash & (t->nslots - 1);

		/* move j into the hole when its home lies cyclically outside (i, j] */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			t->slots[i] = t->slots[j];
			t->slots[j] = NULL;
			i = j;
		}
	}
}

int
fl_offsets_get(const struct fl_offsets *t, struct fl_slice g, struct fl_slice tp, int32_t part,
    struct fl_offset_commit *c)
{
	size_t i;
	int found;

	if (t->nslots == 0)
		return 0;
	i = slot_of(t, g, tp, part, key_hash(g, tp, part), &found);
	if (found)
		*c = t->slots[i]->c;
	return found;
}

int
fl_offsets_each(const struct fl_offsets *t, struct fl_slice g, fl_offsets_fn fn, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < t->nslots; i++) {
		struct fl_offsets_entry *e = t->slots[i];

		if (e != NULL && eq(e->group, g) &&
		    (rc = fn(arg, e->topic, e->partition, &e->c)) != 0)
			return rc;
	}
	return 0;
}

int
fl_offsets_all(const struct fl_offsets *t, fl_offsets_all_fn fn, void *arg)
{
	size_t i;
	int rc;

	for (i = 0; i < t->nslots; i++) {
		struct fl_offsets_entry *e = t->slots[i];

		if (e != NULL && (rc = fn(arg, e->group, e->topic, e->partition, &e->c)) != 0)
			return rc;
	}
	return 0;
}

/* ---- records ---- */

static const uint8_t empty[1];

/* A slice never NULL: Kafka's non-nullable strings and bytes write "" for it. */
static struct fl_slice
non_null(struct fl_slice x)
{
	return x.p != NULL ? x : (struct fl_slice){ empty, 0 };
}

void
fl_offsets_key_commit(struct fl_wr *w, struct fl_slice g, struct fl_slice tp, int32_t part)
{
	g = non_null(g);
	tp = non_null(tp);
	fl_wr_i16(w, FL_OFFSETS_KEY_COMMIT);
	fl_wr_string(w, g.p, g.len);
	fl_wr_string(w, tp.p, tp.len);
	fl_wr_i32(w, part);
}

void
fl_offsets_value_commit(struct fl_wr *w, const struct fl_offset_commit *c)
{
	const char *md = c->metadata != NULL ? c->metadata : "";

	fl_wr_i16(w, FL_OFFSETS_VALUE_COMMIT);
	fl_wr_i64(w, c->offset);
	fl_wr_i32(w, c->leader_epoch);
	fl_wr_string(w, md, strlen(md));
	fl_wr_i64(w, c->commit_ms);
}

void
fl_offsets_key_group(struct fl_wr *w, struct fl_slice g)
{
	g = non_null(g);
	fl_wr_i16(w, FL_OFFSETS_KEY_GROUP);
	fl_wr_string(w, g.p, g.len);
}

void
fl_offsets_value_group(struct fl_wr *w, const struct fl_offsets_group *g)
{
	struct fl_slice pt = non_null(g->protocol_type);
	size_t i;

	fl_wr_i16(w, FL_OFFSETS_VALUE_GROUP);
	fl_wr_string(w, pt.p, pt.len);
	fl_wr_i32(w, g->generation);
	fl_wr_nstring(w, g->protocol.p, g->protocol.len);
	fl_wr_nstring(w, g->leader.p, g->leader.len);
	fl_wr_i64(w, g->state_ms);
	if (g->nmembers > INT32_MAX) {
		if (w->err == 0)
			w->err = FL_ERANGE;
		return;
	}
	fl_wr_i32(w, (int32_t)g->nmembers);
	for (i = 0; i < g->nmembers; i++) {
		const struct fl_offsets_member *m = &g->members[i];
		struct fl_slice id = non_null(m->member_id), cid = non_null(m->client_id);
		struct fl_slice host = non_null(m->client_host);
		struct fl_slice sub = non_null(m->subscription), asg = non_null(m->assignment);

		fl_wr_string(w, id.p, id.len);
		fl_wr_nstring(w, m->instance_id.p, m->instance_id.len);
		fl_wr_string(w, cid.p, cid.len);
		fl_wr_string(w, host.p, host.len);
		fl_wr_i32(w, m->rebalance_ms);
		fl_wr_i32(w, m->session_ms);
		fl_wr_bytes(w, sub.p, sub.len);
		fl_wr_bytes(w, asg.p, asg.len);
	}
}

/*
 * Readers for one field in either encoding: classic (int16/int32 lengths)
 * or flexible (version 4: unsigned varint length + 1, 0 = null).
 */
static int
rd_str(struct fl_rd *r, int is_flex, int is_nullable, struct fl_slice *s)
{
	uint32_t n;

	if (!is_flex)
		return is_nullable ? fl_rd_nstring(r, s) : fl_rd_string(r, s);
	if (fl_rd_uvarint(r, &n) != 0)
		return FL_ECORRUPT;
	if (n == 0) {
		*s = (struct fl_slice){ NULL, 0 };
		return is_nullable ? 0 : FL_ECORRUPT;
	}
	return fl_rd_raw(r, n - 1, s);
}

static int
rd_bytes(struct fl_rd *r, int is_flex, struct fl_slice *s)
{
	uint32_t n;

	if (!is_flex)
		return fl_rd_bytes(r, s);
	if (fl_rd_uvarint(r, &n) != 0 || n == 0)
		return FL_ECORRUPT;
	return fl_rd_raw(r, n - 1, s);
}

/* A flexible struct's tagged fields: skipped, as Kafka skips unknown tags. */
static int
rd_tags(struct fl_rd *r)
{
	uint32_t n, i, tag, size;

	if (fl_rd_uvarint(r, &n) != 0)
		return FL_ECORRUPT;
	for (i = 0; i < n; i++)
		if (fl_rd_uvarint(r, &tag) != 0 || fl_rd_uvarint(r, &size) != 0 ||
		    fl_rd_skip(r, size) != 0)
			return FL_ECORRUPT;
	return 0;
}

/* The key: which kind of record, and its fields. */
static int
decode_key(struct fl_slice key, struct fl_offsets_rec *rec)
{
	struct fl_rd k;

	if (key.p == NULL)
		return FL_ECORRUPT;
	fl_rd_init(&k, key.p, key.len);
	if (fl_rd_i16(&k, &rec->key_version) != 0 || fl_rd_string(&k, &rec->group) != 0)
		return FL_ECORRUPT;
	switch (rec->key_version) {
	case 0:
	case 1:
		rec->kind = FL_OFFSETS_REC_COMMIT;
		if (fl_rd_string(&k, &rec->topic) != 0 || fl_rd_i32(&k, &rec->partition) != 0)
			return FL_ECORRUPT;
		break;
	case 2:
		rec->kind = FL_OFFSETS_REC_GROUP;
		break;
	default:
		return FL_ECORRUPT;	/* Kafka's newer coordinator's records, or garbage */
	}
	return fl_rd_left(&k) == 0 ? 0 : FL_ECORRUPT;
}

static int
decode_commit_value(struct fl_rd *v, int16_t vv, struct fl_offsets_rec *rec)
{
	int is_flex = vv >= 4;

	if (vv < 0 || vv > 4)
		return FL_ECORRUPT;
	if (fl_rd_i64(v, &rec->offset) != 0 ||
	    (vv >= 3 && fl_rd_i32(v, &rec->leader_epoch) != 0) ||
	    rd_str(v, is_flex, 0, &rec->metadata) != 0 ||
	    fl_rd_i64(v, &rec->commit_ms) != 0 ||
	    (vv == 1 && fl_rd_i64(v, &rec->expire_ms) != 0) ||
	    (is_flex && rd_tags(v) != 0))
		return FL_ECORRUPT;
	return 0;
}

/* One member of a group value of version vv. */
static int
member_read(struct fl_rd *r, int16_t vv, struct fl_offsets_member *m)
{
	int is_flex = vv >= 4;

	memset(m, 0, sizeof(*m));
	m->rebalance_ms = -1;
	if (rd_str(r, is_flex, 0, &m->member_id) != 0 ||
	    (vv >= 3 && rd_str(r, is_flex, 1, &m->instance_id) != 0) ||
	    rd_str(r, is_flex, 0, &m->client_id) != 0 ||
	    rd_str(r, is_flex, 0, &m->client_host) != 0 ||
	    (vv >= 1 && fl_rd_i32(r, &m->rebalance_ms) != 0) ||
	    fl_rd_i32(r, &m->session_ms) != 0 ||
	    rd_bytes(r, is_flex, &m->subscription) != 0 ||
	    rd_bytes(r, is_flex, &m->assignment) != 0 ||
	    (is_flex && rd_tags(r) != 0))
		return FL_ECORRUPT;
	return 0;
}

static int
decode_group_value(struct fl_rd *v, int16_t vv, struct fl_offsets_rec *rec)
{
	struct fl_offsets_group *g = &rec->g;
	int is_flex = vv >= 4;
	size_t from;
	int64_t n, i;

	if (vv < 0 || vv > 4)
		return FL_ECORRUPT;
	if (rd_str(v, is_flex, 0, &g->protocol_type) != 0 || fl_rd_i32(v, &g->generation) != 0 ||
	    rd_str(v, is_flex, 1, &g->protocol) != 0 || rd_str(v, is_flex, 1, &g->leader) != 0 ||
	    (vv >= 2 && fl_rd_i64(v, &g->state_ms) != 0))
		return FL_ECORRUPT;
	if (is_flex) {
		uint32_t c;

		if (fl_rd_uvarint(v, &c) != 0 || c == 0)
			return FL_ECORRUPT;
		n = (int64_t)c - 1;
	} else {
		int32_t c;

		if (fl_rd_i32(v, &c) != 0 || c < 0)
			return FL_ECORRUPT;
		n = c;
	}
	from = v->off;
	for (i = 0; i < n; i++) {
		struct fl_offsets_member m;

		/* each member takes a few bytes at least, so n is bounded by the value */
		if (member_read(v, vv, &m) != 0)
			return FL_ECORRUPT;
	}
	rec->members_raw = (struct fl_slice){ v->p + from, v->off - from };
	g->nmembers = (size_t)n;
	if (is_flex && rd_tags(v) != 0)
		return FL_ECORRUPT;
	return 0;
}

static void
rec_reset(struct fl_offsets_rec *rec)
{
	memset(rec, 0, sizeof(*rec));
	rec->value_version = -1;
	rec->leader_epoch = -1;
	rec->expire_ms = -1;
	rec->g.state_ms = -1;
}

int
fl_offsets_decode(struct fl_slice key, struct fl_slice value, struct fl_offsets_rec *rec)
{
	struct fl_rd v;
	int rc;

	rec_reset(rec);
	if (decode_key(key, rec) != 0)
		return FL_ECORRUPT;
	rec->is_tombstone = value.p == NULL;
	if (rec->is_tombstone)
		return 0;
	fl_rd_init(&v, value.p, value.len);
	if (fl_rd_i16(&v, &rec->value_version) != 0)
		return FL_ECORRUPT;
	if (rec->kind == FL_OFFSETS_REC_COMMIT)
		rc = decode_commit_value(&v, rec->value_version, rec);
	else
		rc = decode_group_value(&v, rec->value_version, rec);
	if (rc != 0 || fl_rd_left(&v) != 0)
		return FL_ECORRUPT;
	return 0;
}

int
fl_offsets_member_next(const struct fl_offsets_rec *rec, struct fl_rd *cur,
    struct fl_offsets_member *m)
{
	if (cur->p == NULL)
		fl_rd_init(cur, rec->members_raw.p, rec->members_raw.len);
	if (fl_rd_left(cur) == 0 || rec->members_raw.p == NULL)
		return 0;
	return member_read(cur, rec->value_version, m) == 0;
}

int
fl_offsets_decode_legacy(struct fl_slice key, struct fl_slice value,
    struct fl_offsets_rec *rec)
{
	struct fl_rd v;

	rec_reset(rec);
	if (decode_key(key, rec) != 0 || rec->key_version == 0)
		return FL_ECORRUPT;	/* legacy flume wrote key versions 1 and 2 only */
	rec->is_tombstone = value.p == NULL;
	if (rec->is_tombstone)
		return 0;
	fl_rd_init(&v, value.p, value.len);
	if (fl_rd_i16(&v, &rec->value_version) != 0 || rec->value_version != 1)
		return FL_ECORRUPT;
	if (rec->kind == FL_OFFSETS_REC_COMMIT) {
		if (fl_rd_i64(&v, &rec->offset) != 0 || fl_rd_i32(&v, &rec->leader_epoch) != 0 ||
		    fl_rd_nstring(&v, &rec->metadata) != 0 || fl_rd_i64(&v, &rec->commit_ms) != 0)
			return FL_ECORRUPT;
	} else {
		if (fl_rd_i32(&v, &rec->g.generation) != 0 ||
		    fl_rd_string(&v, &rec->g.protocol_type) != 0 ||
		    fl_rd_string(&v, &rec->g.protocol) != 0)
			return FL_ECORRUPT;
	}
	return fl_rd_left(&v) == 0 ? 0 : FL_ECORRUPT;
}
