/*
 * test-segtool.c: flume-seg's operations on the in-memory disk: check,
 * records, digest independence from batching, damage found and repaired
 * without touching what came before it.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "store/plog.h"
#include "store/segtool.h"
#include "tap.h"

#define TS 1700000000000ll
#define NREC 2000

/* Write records "0".."NREC-1" to dir in batches of 'batch', small segments. */
static void
fill(struct fl_vfs *v, const char *dir, size_t batch, uint64_t seg_bytes)
{
	struct fl_plog_config cfg;
	struct fl_segtool_appender ap;
	struct fl_plog l;
	char val[32];
	int i, rc;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = seg_bytes;
	cfg.index_interval_bytes = 512;
	rc = fl_plog_open(&l, v, dir, &cfg, FL_PLOG_CREATE, 0, NULL, NULL);
	FL_ASSERT(rc == 0);
	fl_segtool_appender_init(&ap, &l, batch);
	for (i = 0; i < NREC; i++) {
		struct fl_slice key = { (const uint8_t *)"k", 1 };
		struct fl_slice value = { (const uint8_t *)val, 0 };

		value.len = (size_t)snprintf(val, sizeof(val), "%d", i);
		rc = fl_segtool_appender_add(&ap, TS + i / 100, i % 3 ? &key : NULL,
		    &value, 0);
		FL_ASSERT(rc == 0);
	}
	rc = fl_segtool_appender_flush(&ap, 0);
	FL_ASSERT(rc == 0 && ap.records == NREC);
	fl_segtool_appender_free(&ap);
	FL_ASSERT(fl_plog_sync(&l) == 0);
	fl_plog_close(&l);
}

struct collect {
	int64_t next;			/* offset expected next */
	int is_bad;
};

static int
collect_cb(void *arg, const struct fl_segtool_item *it)
{
	struct collect *c = arg;
	char want[32];
	int n = snprintf(want, sizeof(want), "%" PRId64, it->rec->offset);

	if (it->rec->offset != c->next || it->rec->value.len != (size_t)n ||
	    memcmp(it->rec->value.p, want, (size_t)n) != 0 ||
	    it->timestamp != TS + it->rec->offset / 100)
		c->is_bad = 1;
	c->next++;
	return 0;
}

static void
digest_of(struct fl_vfs *v, const char *dir, uint64_t from, uint64_t to,
    uint8_t out[FL_BLAKE2B_BYTES])
{
	struct fl_segtool_digest d;
	struct fl_segtool t;
	int rc;

	rc = fl_segtool_open(&t, v, dir, NULL);
	FL_ASSERT(rc == 0);
	rc = fl_segtool_digest(&t, from, to, &d, NULL, NULL);
	FL_ASSERT(rc == 0);
	memcpy(out, d.sum, FL_BLAKE2B_BYTES);
	fl_segtool_close(&t);
}

static void
test_sound(struct fl_vfs *v)
{
	struct fl_segtool_report rep;
	struct fl_segtool t;
	struct collect c = { 0, 0 };
	struct fl_err err = { 0, "" };
	uint64_t records = 0, next = 0;
	uint8_t d1[32], d2[32], d3[32];
	size_t i;
	int ok = 1;

	CHECK_INT(fl_segtool_open(&t, v, "/a", &err), ==, 0, "open a partition");
	CHECK(t.kind == FL_SEGTOOL_DIR && t.nseg > 5, "it has many segments");
	CHECK_INT(fl_segtool_check(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, &err), ==, 0,
	    "check runs");
	CHECK_INT(rep.nproblem, ==, 0, "a fresh log has no problems");
	for (i = 0; i < rep.nseg; i++) {
		ok &= rep.segs[i].base == next && rep.segs[i].index_entries >= 0;
		records += rep.segs[i].records;
		next = rep.segs[i].next_offset;
	}
	CHECK(ok && records == NREC && next == NREC, "segments are contiguous and add up");
	fl_segtool_report_free(&rep);
	CHECK_INT(fl_segtool_records(&t, 0, UINT64_MAX, collect_cb, &c, NULL, &err), ==, 0,
	    "walk every record");
	CHECK(!c.is_bad && c.next == NREC, "records come back in order, as written");
	c.next = 777;
	c.is_bad = 0;
	fl_segtool_records(&t, 777, 1234, collect_cb, &c, NULL, &err);
	CHECK(!c.is_bad && c.next == 1234, "a range is [from, to)");
	fl_segtool_close(&t);

	digest_of(v, "/a", 0, UINT64_MAX, d1);
	digest_of(v, "/b", 0, UINT64_MAX, d2);
	CHECK_MEM(d1, d2, 32, "digest does not depend on batches or segments");
	digest_of(v, "/a", 10, 1500, d1);
	digest_of(v, "/b", 10, 1500, d2);
	digest_of(v, "/b", 10, 1501, d3);
	CHECK(memcmp(d1, d2, 32) == 0 && memcmp(d1, d3, 32) != 0, "ranges digest alike");
}

static void
test_encode(void)
{
	static const uint8_t want[] = {
		'R', 0, 0, 0, 0, 0, 0, 0, 7,		/* offset 7 */
		0, 0, 0, 0, 0, 0, 0x03, 0xe8,		/* timestamp 1000 */
		0xff, 0xff, 0xff, 0xff,			/* null key */
		0, 0, 0, 2, 'h', 'i',			/* value "hi" */
		0, 0, 0, 0,				/* no headers */
	};
	struct fl_batch_hdr h;
	struct fl_record r;
	struct fl_segtool_item it;
	struct fl_wr w;

	memset(&h, 0, sizeof(h));
	memset(&r, 0, sizeof(r));
	r.offset = 7;
	r.value.p = (const uint8_t *)"hi";
	r.value.len = 2;
	it.hdr = &h;
	it.batch = NULL;
	it.batch_len = 0;
	it.rec = &r;
	it.timestamp = 1000;
	fl_wr_init(&w, 1024);
	fl_segtool_digest_encode(&w, &it);
	CHECK(w.len == sizeof(want) && memcmp(w.p, want, w.len) == 0,
	    "the digest encoding of one record, byte for byte");
	fl_wr_free(&w);
}

/* Byte size of file path on v. */
static uint64_t
size_of(struct fl_vfs *v, const char *path)
{
	uint64_t n = 0;

	if (fl_vfs_stat(v, path, NULL, &n) != 0)
		return UINT64_MAX;
	return n;
}

static void
test_damage(struct fl_vfs *v)
{
	const struct fl_segtool_problem *p;
	struct fl_segtool_problem prob;
	struct fl_segtool_report rep;
	struct fl_segtool_actions acts;
	struct fl_segtool t;
	struct collect c = { 0, 0 };
	struct fl_file *f;
	char path[FL_SEGTOOL_PATH_MAX], saved[FL_SEGTOOL_PATH_MAX + 16];
	uint64_t base2, size2, cut_pos;
	uint8_t byte;
	int rc;

	fl_segtool_open(&t, v, "/a", NULL);
	base2 = t.bases[2];
	fl_segtool_path(&t, 2, ".log", path, sizeof(path));
	size2 = size_of(v, path);
	/* flip one byte inside the second batch of segment 2 */
	rc = fl_vfs_open(v, path, 0, &f);
	FL_ASSERT(rc == 0);
	{
		/* the second batch starts where the first ends */
		uint8_t hdr[12];

		fl_vfs_pread_full(f, hdr, 12, 0);
		cut_pos = 12 + fl_load_be32(hdr + 8);
		fl_vfs_pread_full(f, &byte, 1, cut_pos + 30);
		byte ^= 0xff;
		fl_vfs_pwrite(f, &byte, 1, cut_pos + 30);
	}
	fl_vfs_close(f);

	fl_segtool_check(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, NULL);
	p = fl_segtool_first_log_problem(&rep);
	CHECK(p != NULL && p->seg == 2 && p->pos == (int64_t)cut_pos &&
	    p->code == FL_ECORRUPT && strcmp(p->path, path) == 0,
	    "check names the segment, byte and code of the flipped batch");
	CHECK(p != NULL && p->offset > (int64_t)base2, "and the offset it should hold");
	rc = fl_segtool_records(&t, 0, UINT64_MAX, collect_cb, &c, &prob, NULL);
	CHECK(rc == FL_ECORRUPT && prob.pos == (int64_t)cut_pos && !c.is_bad &&
	    c.next == p->offset, "records stop there, after every good record");

	CHECK_INT(fl_segtool_repair(&t, &rep, 512, 1, &acts, NULL), ==, 0, "dry run");
	CHECK(acts.nact >= 2 && acts.acts[0].kind == FL_SEGTOOL_CUT &&
	    acts.acts[1].kind == FL_SEGTOOL_MOVE, "dry run plans a cut, then moves");
	CHECK_U64(size_of(v, path), ==, size2, "dry run leaves the segment");
	fl_segtool_actions_free(&acts);

	CHECK_INT(fl_segtool_repair(&t, &rep, 512, 0, &acts, NULL), ==, 0, "repair");
	snprintf(saved, sizeof(saved), "%s.corrupt", path);
	CHECK_U64(size_of(v, path), ==, cut_pos, "the segment ends at the bad batch");
	CHECK_U64(size_of(v, saved), ==, size2 - cut_pos, "the cut bytes are kept");
	fl_segtool_actions_free(&acts);
	fl_segtool_report_free(&rep);
	fl_segtool_close(&t);

	fl_segtool_open(&t, v, "/a", NULL);
	CHECK_INT(t.nseg, ==, 3, "later segments moved aside");
	fl_segtool_check(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, NULL);
	CHECK_INT(rep.nproblem, ==, 0, "the repaired log is sound");
	fl_segtool_report_free(&rep);
	fl_segtool_close(&t);
}

int
main(void)
{
	struct fl_vfs *v;

	if (fl_csum_init() != 0)
		return 1;
	v = fl_vfs_mem_new();
	fill(v, "/a", 50, 2000);
	fill(v, "/b", 7, 100000);
	test_sound(v);
	test_encode();
	test_damage(v);
	fl_vfs_mem_free(v);
	return tap_done();
}
