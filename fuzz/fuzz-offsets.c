/*
 * fuzz-offsets.c: libFuzzer target for the records of __consumer_offsets
 * (codec/offsets), which come off the disk and from a leader in a cluster.
 * Input: one mode byte (bit 0: the legacy decoder; bit 1: a null value),
 * a big-endian 16-bit key length, the key, then the value.  Whatever the
 * bytes, a decoder answers 0 or FL_ECORRUPT; a group value's members walk
 * to exactly the count it gave; and a record in the versions flume writes
 * (commit key 1 with value 3, group key 2 with value 3) encodes back to
 * the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/offsets.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* w holds exactly n bytes equal to p. */
static int
same(const struct fl_wr *w, const uint8_t *p, size_t n)
{
	return w->err == 0 && w->len == n && memcmp(w->p, p, n) == 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_offsets_member m[64];
	struct fl_offsets_rec r;
	struct fl_slice key, value;
	struct fl_wr w;
	struct fl_rd cur;
	size_t klen, n = 0;
	int rc, is_legacy;

	if (size < 3)
		return 0;
	is_legacy = data[0] & 1;
	klen = (size_t)data[1] << 8 | data[2];
	if (klen > size - 3)
		return 0;
	key = (struct fl_slice){ data + 3, klen };
	value = (data[0] & 2) ? (struct fl_slice){ NULL, 0 } :
	    (struct fl_slice){ data + 3 + klen, size - 3 - klen };
	rc = is_legacy ? fl_offsets_decode_legacy(key, value, &r) :
	    fl_offsets_decode(key, value, &r);
	if (rc != 0) {
		if (rc != FL_ECORRUPT)
			abort();
		return 0;
	}
	if (r.kind == FL_OFFSETS_REC_GROUP && !r.is_tombstone) {
		memset(&cur, 0, sizeof(cur));
		while (fl_offsets_member_next(&r, &cur, &m[n < 64 ? n : 63]) == 1)
			n++;
		if (n != r.g.nmembers)
			abort();
	}
	fl_wr_init(&w, 1 << 24);
	if (r.kind == FL_OFFSETS_REC_COMMIT && r.key_version == FL_OFFSETS_KEY_COMMIT) {
		fl_offsets_key_commit(&w, r.group, r.topic, r.partition);
		if (!same(&w, key.p, key.len))
			abort();
	}
	if (r.kind == FL_OFFSETS_REC_GROUP) {
		fl_offsets_key_group(&w, r.group);
		if (!same(&w, key.p, key.len))
			abort();
	}
	fl_wr_reset(&w);
	if (!is_legacy && !r.is_tombstone && r.kind == FL_OFFSETS_REC_COMMIT &&
	    r.value_version == FL_OFFSETS_VALUE_COMMIT) {
		char *md = fl_slice_dup(r.metadata);
		struct fl_offset_commit c = { r.offset, r.leader_epoch, md, r.commit_ms, 0 };

		if (md == NULL)
			abort();
		fl_offsets_value_commit(&w, &c);
		free(md);
		/* a metadata with a NUL byte re-encodes shorter: C strings */
		if (memchr(r.metadata.p, 0, r.metadata.len) == NULL && !same(&w, value.p, value.len))
			abort();
	}
	if (!is_legacy && !r.is_tombstone && r.kind == FL_OFFSETS_REC_GROUP &&
	    r.value_version == FL_OFFSETS_VALUE_GROUP && n <= 64) {
		struct fl_offsets_group g = r.g;

		g.members = m;
		fl_offsets_value_group(&w, &g);
		if (!same(&w, value.p, value.len))
			abort();
	}
	fl_wr_free(&w);
	return 0;
}
