/*
 * test-cproto: ConsumerProtocol subscription and assignment bytes, laid
 * out by hand from Kafka's ConsumerProtocolSubscription.json and
 * ConsumerProtocolAssignment.json; round trips, truncations, versions.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/cproto.h"
#include "tap.h"

static int
slice_eq(struct fl_slice s, const char *c)
{
	return s.p != NULL && s.len == strlen(c) && memcmp(s.p, c, s.len) == 0;
}

/* Every strict prefix must fail to decode (ASan watches the reads). */
static int
prefixes_fail(const uint8_t *p, size_t n, int is_sub)
{
	size_t k;

	for (k = 0; k < n; k++) {
		uint8_t *copy = malloc(k + 1);
		int rc;

		FL_ASSERT(copy != NULL);
		memcpy(copy, p, k);
		if (is_sub) {
			struct fl_cp_sub s;

			rc = fl_cp_sub_decode(copy, k, &s);
			fl_cp_sub_free(&s);
		} else {
			struct fl_cp_asg a;

			/* zero bytes is the valid empty assignment */
			rc = k == 0 ? -1 : fl_cp_asg_decode(copy, k, &a);
			if (k != 0)
				fl_cp_asg_free(&a);
		}
		free(copy);
		if (rc == 0)
			return 0;
	}
	return 1;
}

static void
test_subscription(void)
{
	static const uint8_t v0[] = {
		0, 0, 0, 0, 0, 2, 0, 1, 't', 0, 2, 'u', 'v', 0xff, 0xff, 0xff, 0xff
	};
	static const uint8_t v2[] = {
		0, 2, 0, 0, 0, 1, 0, 1, 't', 0xff, 0xff, 0xff, 0xff,
		0, 0, 0, 1, 0, 1, 't', 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0,
		0, 0, 0, 7
	};
	const char *topics[] = { "t", "uv" };
	int32_t parts[] = { 3, 0 };
	struct fl_cp_tp_in owned = { "t", parts, 2 };
	struct fl_cp_sub s;
	struct fl_wr w;
	uint8_t *p;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_cp_sub_encode(&w, 0, topics, 2, &owned, 1, 7), ==, 0, "v0 encodes");
	CHECK(w.len == sizeof(v0) && memcmp(w.p, v0, w.len) == 0,
	    "v0 bytes: version, topics, null user data, nothing more");
	fl_wr_reset(&w);
	CHECK_INT(fl_cp_sub_encode(&w, 2, topics, 1, &owned, 1, 7), ==, 0, "v2 encodes");
	CHECK(w.len == sizeof(v2) && memcmp(w.p, v2, w.len) == 0,
	    "v2 bytes: plus owned partitions and generation");
	fl_wr_reset(&w);
	CHECK_INT(fl_cp_sub_encode(&w, 3, topics, 1, NULL, 0, 7), ==, FL_EINVAL,
	    "v3 is not ours to write");

	CHECK_INT(fl_cp_sub_decode(v2, sizeof(v2), &s), ==, 0, "v2 decodes");
	CHECK(s.version == 2 && s.ntopics == 1 && slice_eq(s.topics[0], "t") &&
	    s.user_data.p == NULL && s.nowned == 1 && slice_eq(s.owned[0].topic, "t") &&
	    s.owned[0].nparts == 2 && s.owned[0].parts[0] == 3 &&
	    s.owned[0].parts[1] == 0 && s.generation == 7, "v2 fields read back");
	fl_cp_sub_free(&s);
	CHECK_INT(fl_cp_sub_decode(v0, sizeof(v0), &s), ==, 0, "v0 decodes");
	CHECK(s.ntopics == 2 && slice_eq(s.topics[1], "uv") && s.nowned == 0 &&
	    s.generation == -1, "v0: no owned partitions, generation -1");
	fl_cp_sub_free(&s);
	CHECK(prefixes_fail(v2, sizeof(v2), 1), "every prefix of a v2 subscription fails");

	/* a newer version: read as v2, the rest ignored; a known one: strict */
	p = malloc(sizeof(v2) + 3);
	FL_ASSERT(p != NULL);
	memcpy(p, v2, sizeof(v2));
	memcpy(p + sizeof(v2), "xyz", 3);
	p[1] = 3;
	CHECK(fl_cp_sub_decode(p, sizeof(v2) + 3, &s) == 0 && s.version == 3 &&
	    s.generation == 7, "v3 with an extra field decodes as v2");
	fl_cp_sub_free(&s);
	p[1] = 2;
	CHECK_INT(fl_cp_sub_decode(p, sizeof(v2) + 3, &s), ==, FL_EPROTO,
	    "v2 with trailing bytes is refused");
	p[0] = 0x80;
	CHECK_INT(fl_cp_sub_decode(p, sizeof(v2), &s), ==, FL_EPROTO, "negative version");
	CHECK(s.topics == NULL && s.owned == NULL, "a failed decode leaves nothing");
	free(p);
	/* a count far beyond the bytes present allocates nothing */
	{
		static const uint8_t huge[] = { 0, 0, 0x7f, 0xff, 0xff, 0xff, 0, 0 };

		CHECK_INT(fl_cp_sub_decode(huge, sizeof(huge), &s), ==, FL_EPROTO,
		    "impossible topic count");
	}
	fl_wr_free(&w);
}

static void
test_assignment(void)
{
	static const uint8_t v0[] = {
		0, 0, 0, 0, 0, 2, 0, 1, 't', 0, 0, 0, 1, 0, 0, 0, 2,
		0, 1, 'u', 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff
	};
	int32_t pt[] = { 2 };
	struct fl_cp_tp_in tps[] = { { "t", pt, 1 }, { "u", NULL, 0 } };
	struct fl_cp_asg a;
	struct fl_wr w;

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_cp_asg_encode(&w, tps, 2), ==, 0, "assignment encodes");
	CHECK(w.len == sizeof(v0) && memcmp(w.p, v0, w.len) == 0, "assignment v0 bytes");
	CHECK_INT(fl_cp_asg_decode(v0, sizeof(v0), &a), ==, 0, "assignment decodes");
	CHECK(a.ntps == 2 && slice_eq(a.tps[0].topic, "t") && a.tps[0].nparts == 1 &&
	    a.tps[0].parts[0] == 2 && a.tps[1].nparts == 0 && a.user_data.p == NULL,
	    "assignment fields read back");
	fl_cp_asg_free(&a);
	CHECK(fl_cp_asg_decode(NULL, 0, &a) == 0 && a.ntps == 0,
	    "zero bytes: the empty assignment");
	fl_cp_asg_free(&a);
	CHECK(prefixes_fail(v0, sizeof(v0), 0), "every non-empty prefix fails");
	fl_wr_free(&w);
}

int
main(void)
{
	test_subscription();
	test_assignment();
	return tap_done();
}
