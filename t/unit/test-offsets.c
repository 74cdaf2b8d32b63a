/* test-offsets.c: the committed-offsets table against a brute-force model,
 * and the __consumer_offsets record codec. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/rng.h"
#include "codec/offsets.h"
#include "tap.h"

#define S(str) ((struct fl_slice){ (const uint8_t *)(str), strlen(str) })

struct model { int live; int64_t off; };

static int
count_cb(void *arg, const char *topic, int32_t partition, const struct fl_offset_commit *c)
{
	(void)topic; (void)partition; (void)c;
	(*(int *)arg)++;
	return 0;
}

static int
all_cb(void *arg, const char *group, const char *topic, int32_t partition,
    const struct fl_offset_commit *c)
{
	(void)group; (void)topic; (void)partition; (void)c;
	(*(int *)arg)++;
	return 0;
}

int
main(void)
{
	static struct model m[4][8][16];	/* group x topic x partition */
	struct fl_offsets t;
	struct fl_rng rng;
	int i, ok = 1;

	fl_rng_seed(&rng, 7);
	fl_offsets_init(&t);
	for (i = 0; i < 200000; i++) {
		char g[16], tp[16];
		int gi, ti, pi, op;
		struct fl_offset_commit c = { 0, -1, "md", 0 }, got;

		gi = (int)fl_rng_below(&rng, 4);
		ti = (int)fl_rng_below(&rng, 8);
		pi = (int)fl_rng_below(&rng, 16);
		op = (int)fl_rng_below(&rng, 3);
		snprintf(g, sizeof(g), "g%d", gi);
		snprintf(tp, sizeof(tp), "t%d", ti);
		if (op == 0) {
			c.offset = i;
			if (fl_offsets_put(&t, S(g), S(tp), pi, &c) != 0)
				ok = 0;
			m[gi][ti][pi].live = 1;
			m[gi][ti][pi].off = i;
		} else if (op == 1) {
			fl_offsets_del(&t, S(g), S(tp), pi);
			m[gi][ti][pi].live = 0;
		} else {
			int f = fl_offsets_get(&t, S(g), S(tp), pi, &got);

			if (f != m[gi][ti][pi].live || (f && (got.offset != m[gi][ti][pi].off ||
			    strcmp(got.metadata, "md") != 0)))
				ok = 0;
		}
	}
	CHECK(ok, "200000 random put/del/get agree with a brute-force model");
	{
		int n = 0, want = 0, a, b;

		fl_offsets_each(&t, S("g1"), count_cb, &n);
		for (a = 0; a < 8; a++)
			for (b = 0; b < 16; b++)
				want += m[1][a][b].live;
		CHECK_INT(n, ==, want, "each visits exactly one group's commits");
		n = 0;
		fl_offsets_all(&t, all_cb, &n);
		CHECK_INT(n, ==, fl_offsets_count(&t), "all visits every commit once");
	}
	fl_offsets_free(&t);

	{
		struct fl_wr k, v;
		struct fl_offsets_rec r;
		struct fl_offset_commit c = { 42, 3, NULL, 1234 };
		size_t cut;
		int bad = 0;

		fl_wr_init(&k, 1 << 20);
		fl_wr_init(&v, 1 << 20);
		fl_offsets_key_commit(&k, S("grp"), S("topic"), 7);
		fl_offsets_value_commit(&v, &c);
		CHECK_INT(fl_offsets_decode((struct fl_slice){ k.p, k.len }, (struct fl_slice){ v.p, v.len }, &r), ==, 0,
		    "a commit record decodes");
		CHECK(r.kind == FL_OFFSETS_REC_COMMIT && r.partition == 7 && r.offset == 42 &&
		    r.leader_epoch == 3 && r.metadata.p == NULL && r.commit_ms == 1234 &&
		    r.group.len == 3 && r.topic.len == 5, "with every field");
		for (cut = 0; cut < k.len; cut++)
			if (fl_offsets_decode((struct fl_slice){ k.p, cut }, (struct fl_slice){ v.p, v.len }, &r) == 0)
				bad = 1;
		for (cut = 0; cut < v.len; cut++)
			if (fl_offsets_decode((struct fl_slice){ k.p, k.len }, (struct fl_slice){ v.p, cut }, &r) == 0)
				bad = 1;
		CHECK(!bad, "every truncation of key or value is rejected");
		CHECK_INT(fl_offsets_decode((struct fl_slice){ k.p, k.len }, (struct fl_slice){ NULL, 0 }, &r), ==, 0,
		    "a null value is a tombstone");
		CHECK(r.is_tombstone, "flagged as such");
		fl_wr_reset(&k);
		fl_wr_reset(&v);
		fl_offsets_key_group(&k, S("grp"));
		fl_offsets_value_group(&v, 9, S("consumer"), S("range"));
		CHECK(fl_offsets_decode((struct fl_slice){ k.p, k.len }, (struct fl_slice){ v.p, v.len }, &r) == 0 &&
		    r.kind == FL_OFFSETS_REC_GROUP && r.generation == 9 && r.protocol.len == 5,
		    "a group record round-trips");
		k.p[1] = 9;	/* unknown key version */
		CHECK_INT(fl_offsets_decode((struct fl_slice){ k.p, k.len }, (struct fl_slice){ v.p, v.len }, &r), ==,
		    FL_ECORRUPT, "an unknown record version is rejected");
		fl_wr_free(&k);
		fl_wr_free(&v);
	}
	return tap_done();
}
