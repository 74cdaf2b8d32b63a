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

void
fl_offsets_key_commit(struct fl_wr *w, struct fl_slice g, struct fl_slice tp, int32_t part)
{
	fl_wr_i16(w, FL_OFFSETS_REC_COMMIT);
	fl_wr_string(w, g.p, g.len);
	fl_wr_string(w, tp.p, tp.len);
	fl_wr_i32(w, part);
}

void
fl_offsets_value_commit(struct fl_wr *w, const struct fl_offset_commit *c)
{
	fl_wr_i16(w, 1);
	fl_wr_i64(w, c->offset);
	fl_wr_i32(w, c->leader_epoch);
	fl_wr_nstring(w, c->metadata, c->metadata ? strlen(c->metadata) : 0);
	fl_wr_i64(w, c->commit_ms);
}

void
fl_offsets_key_group(struct fl_wr *w, struct fl_slice g)
{
	fl_wr_i16(w, FL_OFFSETS_REC_GROUP);
	fl_wr_string(w, g.p, g.len);
}

void
fl_offsets_value_group(struct fl_wr *w, int32_t generation, struct fl_slice ptype,
    struct fl_slice proto)
{
	fl_wr_i16(w, 1);
	fl_wr_i32(w, generation);
	fl_wr_string(w, ptype.p, ptype.len);
	fl_wr_string(w, proto.p, proto.len);
}

int
fl_offsets_decode(struct fl_slice key, struct fl_slice value, struct fl_offsets_rec *rec)
{
	struct fl_rd k, v;
	int16_t kv, vv;

	memset(rec, 0, sizeof(*rec));
	if (key.p == NULL)
		return FL_ECORRUPT;
	fl_rd_init(&k, key.p, key.len);
	if (fl_rd_i16(&k, &kv) != 0 || fl_rd_string(&k, &rec->group) != 0)
		return FL_ECORRUPT;
	rec->is_tombstone = value.p == NULL;
	if (value.p != NULL)
		fl_rd_init(&v, value.p, value.len);
	switch (kv) {
	case FL_OFFSETS_REC_COMMIT:
		rec->kind = FL_OFFSETS_REC_COMMIT;
		if (fl_rd_string(&k, &rec->topic) != 0 || fl_rd_i32(&k, &rec->partition) != 0 ||
		    fl_rd_left(&k) != 0)
			return FL_ECORRUPT;
		if (rec->is_tombstone)
			return 0;
		if (fl_rd_i16(&v, &vv) != 0 || vv != 1 || fl_rd_i64(&v, &rec->offset) != 0 ||
		    fl_rd_i32(&v, &rec->leader_epoch) != 0 ||
		    fl_rd_nstring(&v, &rec->metadata) != 0 ||
		    fl_rd_i64(&v, &rec->commit_ms) != 0 || fl_rd_left(&v) != 0)
			return FL_ECORRUPT;
		return 0;
	case FL_OFFSETS_REC_GROUP:
		rec->kind = FL_OFFSETS_REC_GROUP;
		if (fl_rd_left(&k) != 0)
			return FL_ECORRUPT;
		if (rec->is_tombstone)
			return 0;
		if (fl_rd_i16(&v, &vv) != 0 || vv != 1 || fl_rd_i32(&v, &rec->generation) != 0 ||
		    fl_rd_string(&v, &rec->protocol_type) != 0 ||
		    fl_rd_string(&v, &rec->protocol) != 0 || fl_rd_left(&v) != 0)
			return FL_ECORRUPT;
		return 0;
	}
	return FL_ECORRUPT;
}
