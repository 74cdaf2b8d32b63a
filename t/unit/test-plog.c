/*
 * test-plog.c: the partition log on the in-memory disk (crash properties)
 * and on real files (a million records, damaged files).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/csum.h"
#include "codec/batch.h"
#include "os/vfs_real.h"
#include "base/rng.h"
#include "store/plog.h"
#include "store/segtool.h"
#include "tap.h"

static struct fl_rng rng = { 42 };	/* fixed: a failure replays */

static uint64_t
rnd(void)
{
	return fl_rng_next(&rng);
}

/* A batch of n records whose values are "v<seq>" padded to vlen bytes. */
static uint8_t *
make_batch(uint64_t seq, int n, size_t vlen, int64_t ts, size_t *len)
{
	struct fl_wr w;
	struct fl_batch_builder b;
	char val[512];
	int i;

	fl_wr_init(&w, 64u << 20);
	fl_batch_begin(&b, &w, ts, -1, -1, -1, 0);
	for (i = 0; i < n; i++) {
		struct fl_slice v;

		memset(val, 'x', sizeof(val));
		snprintf(val, sizeof(val), "v%" PRIu64 "-", seq + (uint64_t)i);
		val[strlen(val)] = 'x';
		v.p = (const uint8_t *)val;
		v.len = vlen < sizeof(val) ? vlen : sizeof(val);
		fl_batch_add(&b, ts + i, NULL, &v, NULL, 0);
	}
	fl_batch_end(&b);
	return fl_wr_detach(&w, len);
}

/* Read back the record at offset and compare its value with what we wrote. */
static int
check_record(struct fl_plog *l, uint64_t off, size_t vlen)
{
	struct fl_plog_span sp;
	uint8_t *buf;
	uint64_t pos = 0;
	int rc, ok = 0;

	rc = fl_plog_read(l, off, UINT64_MAX, 1, &sp);
	if (rc != 0 || sp.first_offset > off || sp.next_offset <= off)
		return 0;
	buf = malloc(sp.len);
	if (fl_vfs_pread_full(sp.file, buf, sp.len, sp.pos) != 0)
		goto out;
	while (pos < sp.len) {
		struct fl_batch_hdr h;
		struct fl_record_iter it;
		struct fl_record r;
		uint64_t sz;

		if (fl_batch_check(buf + pos, sp.len - pos < 12 ? 0 :
		    (size_t)(fl_batch_peek_size(buf + pos, sp.len - pos, &sz) == 0 ? sz : 0),
		    FL_BATCH_CHECK_RECORDS, &h, NULL) != 0)
			goto out;
		fl_record_iter_init(&it, buf + pos, (size_t)sz);
		while (fl_record_next(&it, &r) == 1) {
			if ((uint64_t)r.offset == off) {
				char want[64];
				size_t wl;

				snprintf(want, sizeof(want), "v%" PRIu64 "-", off);
				wl = strlen(want);
				ok = r.value.len == vlen && memcmp(r.value.p, want, wl) == 0;
				goto out;
			}
		}
		pos += sz;
	}
out:
	free(buf);
	return ok;
}

static void
test_basic_mem(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_plog_config cfg;
	struct fl_err err;
	uint64_t base, seq = 0, off;
	int i, rc, all = 1;

	fl_plog_config_default(&cfg);
	fl_vfs_mkdir(v, "/d");
	rc = fl_plog_open(&l, v, "/d/t-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err);
	CHECK_INT(rc, ==, 0, "open creates a partition on the memory disk");
	for (i = 0; i < 200; i++) {
		int n = 1 + (int)(rnd() % 20);
		size_t len;
		uint8_t *b = make_batch(seq, n, 40, 1000 + i, &len);

		rc = fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 3, 1000 + i, &base);
		if (rc != 0 || base != seq)
			all = 0;
		seq += (uint64_t)n;
		free(b);
	}
	CHECK(all, "append assigns dense offsets");
	CHECK_U64(l.log_end, ==, seq, "log_end counts every record");
	for (off = 0, all = 1; off < seq; off++)
		if (!check_record(&l, off, 40))
			all = 0;
	CHECK(all, "every offset reads back its own record");
	CHECK_INT(fl_plog_sync(&l), ==, 0, "sync");
	fl_plog_close(&l);
	rc = fl_plog_open(&l, v, "/d/t-0", &cfg, 0, 0, NULL, &err);
	CHECK_INT(rc, ==, 0, "reopen");
	CHECK_U64(l.log_end, ==, seq, "reopen keeps log_end");
	for (off = 0, all = 1; off < seq; off += 7)
		if (!check_record(&l, off, 40))
			all = 0;
	CHECK(all, "records readable after reopen");
	{
		struct fl_plog_span sp;

		CHECK_INT(fl_plog_read(&l, seq, UINT64_MAX, 1 << 20, &sp), ==, FL_ENOENT,
		    "read at log_end is FL_ENOENT");
		CHECK_INT(fl_plog_read(&l, 5, 5, 1 << 20, &sp), ==, FL_ENOENT,
		    "read at the limit offset is FL_ENOENT");
		rc = fl_plog_read(&l, 0, UINT64_MAX, 1 << 30, &sp);
		CHECK(rc == 0 && sp.next_offset == seq && sp.len == l.segs[0].size,
		    "a large read spans the whole segment");
	}
	{
		int32_t found;
		int64_t end;

		fl_plog_epoch_end(&l, 3, &found, &end);
		CHECK(found == 3 && end == (int64_t)seq, "epoch 3 ends at log_end");
		fl_plog_epoch_end(&l, 2, &found, &end);
		CHECK(found == -1 && end == -1, "an epoch before any is undefined");
	}
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

/*
 * The crash property: random appends and syncs, a crash with a torn tail at
 * a random point, reopen: everything synced is there and identical, what
 * survived beyond it is whole batches, and appends continue densely.
 */
static void
test_crash_property(void)
{
	int round, bad_round = -1;
	int torn_seen = 0;

	for (round = 0; round < 300 && bad_round < 0; round++) {
		struct fl_vfs *v = fl_vfs_mem_new();
		struct fl_plog l;
		struct fl_plog_config cfg;
		struct fl_plog_recovery rec;
		struct fl_err err;
		uint64_t seq = 0, synced = 0, off;
		int i, steps = 1 + (int)(rnd() % 60);

		fl_plog_config_default(&cfg);
		cfg.segment_bytes = 512 + rnd() % 8192;
		cfg.index_interval_bytes = 64 + (uint32_t)(rnd() % 1024);
		/* half the rounds gather appends in a write buffer */
		cfg.write_buffer_bytes = rnd() % 2 ? 0 : 256 + (uint32_t)(rnd() % 4096);
		fl_vfs_mkdir(v, "/d");
		fl_vfs_sync_dir(v, "/");
		if (fl_plog_open(&l, v, "/d/p-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err) != 0) {
			bad_round = round;
			break;
		}
		for (i = 0; i < steps; i++) {
			int n = 1 + (int)(rnd() % 12);
			size_t len;
			uint8_t *b = make_batch(seq, n, 10 + rnd() % 60 * 0, 5000 + i, &len);

			if (fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, (int32_t)(i / 10), 0, NULL) != 0)
				bad_round = round;
			seq += (uint64_t)n;
			free(b);
			if (rnd() % 4 == 0) {
				fl_plog_sync(&l);
				synced = seq;
			}
		}
		fl_vfs_mem_crash(v, rnd() | 1);
		fl_plog_close(&l);
		if (fl_plog_open(&l, v, "/d/p-0", &cfg, FL_PLOG_CREATE, 0, &rec, &err) != 0) {
			printf("# round %d: reopen failed: %s\n", round, err.msg);
			bad_round = round;
			fl_vfs_mem_free(v);
			break;
		}
		if (rec.cut_bytes > 0)
			torn_seen++;
		if (l.log_end < synced || l.log_end > seq) {
			printf("# round %d: log_end %" PRIu64 " synced %" PRIu64 " written %" PRIu64 "\n",
			    round, l.log_end, synced, seq);
			bad_round = round;
		}
		for (off = 0; off < l.log_end && bad_round < 0; off++)
			if (!check_record(&l, off, 10)) {
				printf("# round %d: offset %" PRIu64 " wrong\n", round, off);
				bad_round = round;
			}
		/* appends go on densely after recovery */
		if (bad_round < 0) {
			size_t len;
			uint64_t base, end = l.log_end;
			uint8_t *b = make_batch(end, 3, 10, 9999, &len);

			if (fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 100, 0, &base) != 0 ||
			    base != end || !check_record(&l, end + 2, 10))
				bad_round = round;
			free(b);
		}
		fl_plog_close(&l);
		fl_vfs_mem_free(v);
	}
	CHECK_INT(bad_round, ==, -1, "300 crash rounds: synced records survive, no torn batch is served");
	CHECK(torn_seen > 0, "some rounds really had a torn tail to cut");
}

static void
test_roll_retain_truncate(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_plog_config cfg;
	struct fl_err err;
	uint64_t seq = 0, off;
	size_t deleted;
	int i, all;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 4096;
	cfg.index_interval_bytes = 256;
	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&l, v, "/d/r-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err);
	for (i = 0; i < 300; i++) {
		size_t len;
		uint8_t *b = make_batch(seq, 5, 30, 1000 * i, &len);

		fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, i / 100, 1000 * i, NULL);
		seq += 5;
		free(b);
	}
	fl_plog_sync(&l);
	CHECK(l.nseg > 10, "small segment_bytes rolls many segments");
	for (off = 0, all = 1; off < seq; off++)
		if (!check_record(&l, off, 30))
			all = 0;
	CHECK(all, "every offset reads back across segments");
	{
		uint64_t o;

		int64_t fts;

		fl_plog_offset_for_time(&l, 1000 * 150, &o, &fts);
		CHECK(o == 750 && fts == 150000, "offset for a timestamp finds its record");
		fl_plog_offset_for_time(&l, 1000 * 150 + 2, &o, &fts);
		CHECK(o == 752 && fts == 150002, "a timestamp inside a batch gives that record");
		fl_plog_offset_for_time(&l, 1000 * 150 + 5, &o, &fts);
		CHECK(o == 755 && fts == 151000, "a timestamp after a batch's last record gives the next");
		fl_plog_offset_for_time(&l, INT64_MAX, &o, &fts);
		CHECK(o == seq && fts == -1, "a future timestamp gives log_end");
		fl_plog_offset_for_time(&l, 0, &o, &fts);
		CHECK(o == 0 && fts == 0, "an old timestamp gives the first offset");
	}
	fl_plog_close(&l);
	CHECK_INT(fl_plog_open(&l, v, "/d/r-0", &cfg, 0, 0, NULL, &err), ==, 0, "reopen many segments");
	{
		uint64_t o;
		int64_t fts;

		fl_plog_offset_for_time(&l, 1000 * 150, &o, &fts);
		CHECK_U64(o, ==, 750, "time lookups survive a reopen");
	}
	/* truncate into the middle of a batch: cuts before the batch */
	CHECK_INT(fl_plog_truncate(&l, 1002), ==, 0, "truncate");
	CHECK_U64(l.log_end, ==, 1000, "truncating inside a batch cuts before it");
	{
		int32_t found;
		int64_t end;

		fl_plog_epoch_end(&l, 1, &found, &end);
		CHECK(found == 1 && end == 1000, "epoch 1 now ends at the cut");
		fl_plog_epoch_end(&l, 2, &found, &end);
		CHECK(found == 1, "epoch 2 (which started after the cut) is gone");
	}
	{
		size_t len;
		uint64_t base;
		uint8_t *b = make_batch(1000, 5, 30, 1, &len);

		fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 7, 0, &base);
		free(b);
		CHECK_U64(base, ==, 1000, "append continues at the cut");
		CHECK(check_record(&l, 1004, 30) && check_record(&l, 999, 30), "reads across the cut");
	}
	fl_plog_sync(&l);
	fl_plog_close(&l);
	CHECK_INT(fl_plog_open(&l, v, "/d/r-0", &cfg, 0, 0, NULL, &err), ==, 0, "reopen after truncate");
	CHECK_U64(l.log_end, ==, 1005, "log_end after truncate + append survives reopen");
	CHECK_INT(fl_plog_last_epoch(&l), ==, 7, "epoch checkpoint survives reopen");

	/* retention by size */
	l.cfg.retention_bytes = 20000;
	l.cfg.retention_ms = -1;
	fl_plog_retain(&l, 0, &deleted);
	CHECK(deleted > 0 && fl_plog_bytes(&l) < 20000 + 4096 && fl_plog_bytes(&l) >= 20000 - 4096,
	    "size retention deletes whole oldest segments");
	CHECK_U64(l.log_start, ==, l.segs[0].base, "log_start moves to the first kept segment");
	{
		struct fl_plog_span sp;

		CHECK_INT(fl_plog_read(&l, 0, UINT64_MAX, 100, &sp), ==, FL_ERANGE,
		    "reading below log_start is FL_ERANGE");
		CHECK(check_record(&l, l.log_start, 30), "log_start is readable");
	}
	/* retention by age: everything is old at a far future now */
	l.cfg.retention_bytes = -1;
	l.cfg.retention_ms = 1000;
	fl_plog_retain(&l, INT64_MAX / 2, &deleted);
	CHECK(l.nseg == 1 && l.segs[0].size == 0 && l.log_start == l.log_end,
	    "age retention deletes all data, rolling the active segment");
	fl_plog_close(&l);
	CHECK_INT(fl_plog_open(&l, v, "/d/r-0", &cfg, 0, 0, NULL, &err), ==, 0, "reopen after retention");
	CHECK_U64(l.log_start, ==, 1005, "an emptied log keeps its offsets");
	CHECK_U64(l.log_end, ==, 1005, "and its end");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

/*
 * A process killed before its sync leaves appends in the page cache; the
 * restarted log serves them, so it must make them durable first (a power
 * cut after that must not take them back).
 */
static void
test_kill_then_power_cut(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_err err;
	uint64_t seq = 0, end;
	int i;

	fl_vfs_mkdir(v, "/d");
	fl_vfs_sync_dir(v, "/");
	fl_plog_open(&l, v, "/d/k-0", NULL, FL_PLOG_CREATE, 0, NULL, &err);
	for (i = 0; i < 5; i++) {
		size_t len;
		uint8_t *b = make_batch(seq, 3, 10, i, &len);

		fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 0, 0, NULL);
		seq += 3;
		free(b);
		if (i == 1)
			fl_plog_sync(&l);
	}
	fl_plog_close(&l);	/* killed: no sync, the page cache keeps the rest */
	fl_plog_open(&l, v, "/d/k-0", NULL, 0, 0, NULL, &err);
	end = l.synced_end;
	CHECK_U64(end, ==, seq, "a restart serves what the killed process appended");
	fl_plog_close(&l);
	fl_vfs_mem_crash(v, 0);	/* then the power goes */
	fl_plog_open(&l, v, "/d/k-0", NULL, 0, 0, NULL, &err);
	CHECK_U64(l.log_end, ==, end, "and a later power cut keeps all it served");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

/* Append one batch of n records in epoch 'epoch'; its base offset. */
static uint64_t
append_n(struct fl_plog *l, int n, int32_t epoch)
{
	size_t len;
	uint64_t base = UINT64_MAX;
	uint8_t *b = make_batch(l->log_end, n, 10, 1, &len);

	if (fl_plog_append(l, b, len, FL_PLOG_APPEND_ASSIGN, epoch, 1, &base) != 0)
		base = UINT64_MAX;
	free(b);
	return base;
}

/* The content of a durable file as a NUL-terminated string, or "" if absent. */
static const char *
durable_text(struct fl_vfs *v, const char *dir, const char *name, char *buf, size_t n)
{
	uint8_t *data;
	size_t len;

	buf[0] = '\0';
	if (fl_durable_read(v, dir, name, &data, &len) == 0) {
		snprintf(buf, n, "%.*s", (int)len, (const char *)data);
		free(data);
	}
	return buf;
}

static void
put_durable(struct fl_vfs *v, const char *dir, const char *name, const char *text)
{
	FL_ASSERT(fl_durable_write(v, dir, name, text, strlen(text)) == 0);
}

/* How many META problems a check of dir finds about file 'name'. */
static int
meta_problems(struct fl_vfs *v, const char *dir, const char *name)
{
	struct fl_segtool t;
	struct fl_segtool_report rep;
	size_t i;
	int n = 0;

	if (fl_segtool_open(&t, v, dir, NULL) != 0)
		return -1;
	if (fl_segtool_check(&t, 0, &rep, NULL) != 0) {
		fl_segtool_close(&t);
		return -1;
	}
	for (i = 0; i < rep.nproblem; i++)
		if (rep.problems[i].what == FL_SEGTOOL_META &&
		    strstr(rep.problems[i].path, name) != NULL)
			n++;
	fl_segtool_report_free(&rep);
	fl_segtool_close(&t);
	return n;
}

/*
 * The leader-epoch-checkpoint: written in the one format, read by the one
 * parser, and plog and flume-seg agree about a damaged one (they used to
 * parse it apart: plog took "0 -1" for offset 2^64-1, flume-seg refused it).
 */
static void
test_epoch_checkpoint(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_err err;
	char text[256];
	static const char *const bad[] = {
		"0\n1\n0 -1\n",		/* plog read 2^64-1 */
		"0\n1\n+0 0\n",		/* plog took the sign */
		"0\n2\n0 0\n0 5\n",	/* an epoch twice */
		"0\n2\n0 0\n3 0\n",	/* two epochs at one offset */
		"0\n1\n0 0\n junk",
		"0\n3\n0 0\n",
	};
	size_t i;

	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&l, v, "/d/e-0", NULL, FL_PLOG_CREATE, 0, NULL, &err);
	append_n(&l, 3, 0);
	append_n(&l, 2, 3);
	append_n(&l, 4, 3);
	append_n(&l, 1, 5);
	CHECK(strcmp(durable_text(v, "/d/e-0", "leader-epoch-checkpoint", text,
	    sizeof(text)), "0\n3\n0 0\n3 3\n5 9\n") == 0,
	    "each new epoch adds a line at its first offset");
	fl_plog_close(&l);

	for (i = 0; i < FL_ARRAY_LEN(bad); i++) {
		put_durable(v, "/d/e-0", "leader-epoch-checkpoint", bad[i]);
		CHECK_INT(meta_problems(v, "/d/e-0", "leader-epoch-checkpoint"), ==, 1,
		    "flume-seg's check calls a malformed checkpoint a problem");
		CHECK_INT(fl_plog_open(&l, v, "/d/e-0", NULL, 0, 0, NULL, &err), ==, 0,
		    "plog's open takes it as damaged");
		CHECK(l.nepoch == 3 && l.epochs[2].epoch == 5 && l.epochs[2].start_offset == 9,
		    "and rebuilds the epochs from the batches");
		fl_plog_close(&l);
		CHECK_INT(meta_problems(v, "/d/e-0", "leader-epoch-checkpoint"), ==, 0,
		    "which leaves a checkpoint flume-seg accepts");
	}
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

static void
test_hw_checkpoint(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_err err = { 0, "" };
	char text[64];
	uint64_t hw = 77;

	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&l, v, "/d/h-0", NULL, FL_PLOG_CREATE, 0, NULL, &err);
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, FL_ENOENT, "no hw file yet: FL_ENOENT");
	CHECK_U64(hw, ==, 77, "and *hw untouched");
	append_n(&l, 10, 0);
	append_n(&l, 10, 0);
	CHECK_INT(fl_plog_hw_store(&l, 21), ==, FL_ERANGE, "an hw past the log end is refused");
	CHECK_INT(fl_plog_hw_store(&l, 15), ==, 0, "store an hw");
	CHECK(strcmp(durable_text(v, "/d/h-0", "hw", text, sizeof(text)), "0\n15\n") == 0,
	    "the hw file holds the version and the offset");
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, 0, "load it");
	CHECK_U64(hw, ==, 15, "the value stored");
	fl_plog_sync(&l);
	fl_plog_close(&l);
	fl_vfs_mem_crash(v, 0);
	fl_plog_open(&l, v, "/d/h-0", NULL, 0, 0, NULL, &err);
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, 0, "the hw is durable");
	CHECK_U64(hw, ==, 15, "across a power cut");

	CHECK_INT(fl_plog_truncate(&l, 10), ==, 0, "truncate below the hw");
	CHECK(strcmp(durable_text(v, "/d/h-0", "hw", text, sizeof(text)), "0\n10\n") == 0,
	    "truncate lowers the stored hw to the new end");
	CHECK_INT(fl_plog_truncate(&l, 10), ==, 0, "truncate at the end");
	/* flume-sim seed 386: an epoch begun at the end and never written in goes */
	{
		int32_t last = fl_plog_last_epoch(&l);

		CHECK_INT(fl_plog_epoch_begin(&l, last + 7), ==, 0, "an epoch begins at the end");
		CHECK_INT(fl_plog_last_epoch(&l), ==, last + 7, "it is the last epoch");
		CHECK_INT(fl_plog_truncate(&l, 11), ==, 0, "truncate past the end: nothing");
		CHECK_INT(fl_plog_last_epoch(&l), ==, last + 7, "the epoch stays");
		CHECK_INT(fl_plog_truncate(&l, 10), ==, 0, "truncate at the end");
		CHECK_INT(fl_plog_last_epoch(&l), ==, last, "the empty epoch went");
		CHECK_U64(l.log_end, ==, 10, "no record went");
		fl_plog_close(&l);
		fl_plog_open(&l, v, "/d/h-0", NULL, 0, 0, NULL, &err);
		CHECK_INT(fl_plog_last_epoch(&l), ==, last, "durably");
	}

	put_durable(v, "/d/h-0", "hw", "0\n500\n");
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, 1, "a stored hw past the end returns 1");
	CHECK_U64(hw, ==, 10, "clamped to the log end");
	CHECK_INT(meta_problems(v, "/d/h-0", "hw"), ==, 1,
	    "flume-seg's check reports an hw past the log end");
	put_durable(v, "/d/h-0", "hw", "0\n010\n");
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, FL_ECORRUPT, "bad hw text is FL_ECORRUPT");
	CHECK(strstr(err.msg, "/d/h-0/hw: line 2") != NULL, "naming the file and line");
	CHECK_INT(meta_problems(v, "/d/h-0", "hw"), ==, 1, "flume-seg agrees");
	put_durable(v, "/d/h-0", "hw", "0\n5\n");
	CHECK_INT(meta_problems(v, "/d/h-0", "hw"), ==, 0, "a sound hw is no problem");
	fl_plog_close(&l);

	fl_plog_open(&l, v, "/d/h-0", NULL, FL_PLOG_READONLY, 0, NULL, &err);
	CHECK_INT(fl_plog_hw_store(&l, 5), ==, FL_EINVAL, "a read-only log stores no hw");
	CHECK_INT(fl_plog_hw_load(&l, &hw, &err), ==, 0, "but loads it");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

/* DeleteRecords: the log-start checkpoint moves reads, retention and opens. */
static void
test_log_start(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog_config cfg;
	struct fl_plog l;
	struct fl_plog_span sp;
	struct fl_err err = { 0, "" };
	char text[64];
	size_t n = 9;
	int i;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 200;	/* a segment every batch or two */
	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&l, v, "/d/s-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err);
	for (i = 0; i < 10; i++)
		append_n(&l, 5, 0);
	CHECK(l.nseg > 3, "several segments");
	CHECK_INT(fl_plog_start_at(&l, 51, &n), ==, FL_ERANGE, "past the log end: FL_ERANGE");
	CHECK_INT(fl_plog_start_at(&l, 0, &n), ==, 0, "at the log start: nothing");
	CHECK(n == 0 && l.log_start == 0, "nothing deleted, start unchanged");
	CHECK(strcmp(durable_text(v, "/d/s-0", "log-start", text, sizeof(text)), "") == 0,
	    "and no file written");
	CHECK_INT(fl_plog_start_at(&l, 23, &n), ==, 0, "move the start inside a batch");
	CHECK_U64(l.log_start, ==, 23, "log_start is the offset asked");
	CHECK(n > 0, "whole segments below it deleted");
	CHECK(l.segs[0].base <= 23 && (l.nseg == 1 || l.segs[1].base > 23),
	    "the segment holding it stays");
	CHECK(strcmp(durable_text(v, "/d/s-0", "log-start", text, sizeof(text)), "0\n23\n") == 0,
	    "the log-start file holds it");
	CHECK_INT(fl_plog_read(&l, 22, UINT64_MAX, 1, &sp), ==, FL_ERANGE,
	    "a read below the start is FL_ERANGE");
	CHECK_INT(fl_plog_read(&l, 23, UINT64_MAX, 1, &sp), ==, 0, "a read at it works");
	CHECK(check_record(&l, 23, 10), "and finds the record");
	CHECK_INT(fl_plog_start_at(&l, 20, &n), ==, 0, "a lower start: nothing");
	CHECK_U64(l.log_start, ==, 23, "the start never moves back");
	CHECK_INT(fl_plog_truncate(&l, 22), ==, FL_ERANGE, "no truncation below it");
	fl_plog_sync(&l);
	fl_plog_close(&l);
	fl_vfs_mem_crash(v, 0);
	CHECK_INT(fl_plog_open(&l, v, "/d/s-0", &cfg, 0, 0, NULL, &err), ==, 0, "reopen");
	CHECK_U64(l.log_start, ==, 23, "the start is durable across a power cut");
	CHECK_INT(fl_plog_start_at(&l, 50, &n), ==, 0, "up to the log end");
	CHECK_U64(l.log_start, ==, 50, "an empty readable range");
	CHECK_INT(fl_plog_roll(&l, 1), ==, 0, "roll");
	append_n(&l, 5, 0);
	CHECK_INT(fl_plog_retain(&l, 2, &n), ==, 0, "retention");
	CHECK(l.nseg == 1 && l.segs[0].base == 50, "deletes the sealed segment below the start");
	CHECK_U64(l.log_start, ==, 50, "start kept");
	fl_plog_close(&l);

	put_durable(v, "/d/s-0", "log-start", "0\n9999\n");
	CHECK_INT(fl_plog_open(&l, v, "/d/s-0", &cfg, 0, 0, NULL, &err), ==, 0,
	    "a start past the end opens");
	CHECK_U64(l.log_start, ==, l.log_end, "as the log end");
	fl_plog_close(&l);
	put_durable(v, "/d/s-0", "log-start", "0\n0x\n");
	CHECK_INT(fl_plog_open(&l, v, "/d/s-0", &cfg, 0, 0, NULL, &err), ==, FL_ECORRUPT,
	    "a damaged log-start file refuses the open");
	CHECK(strstr(err.msg, "/d/s-0/log-start") != NULL, "naming it");
	CHECK_INT(meta_problems(v, "/d/s-0", "log-start"), ==, 1, "flume-seg's check agrees");
	CHECK(strcmp(durable_text(v, "/d/s-0", "log-start", text, sizeof(text)), "0\n0x\n") == 0,
	    "and it is left as it was");
	fl_vfs_mem_free(v);

	/*
	 * A disk failing from the nth write, sync or directory call on, then a
	 * power cut: the log reopens with its start at the old or the new
	 * offset, never elsewhere, and reads from there.
	 */
	{
		static const enum fl_vfs_mem_op ops[] = { FL_VFS_MEM_WRITE, FL_VFS_MEM_SYNC,
		    FL_VFS_MEM_DIR };
		size_t k;
		int bad = 0, tries = 0, moved = 0;

		for (k = 0; k < 3; k++) {
			uint64_t nth;

			for (nth = 1; nth < 100; nth++) {
				int rc;

				v = fl_vfs_mem_new();
				fl_vfs_mkdir(v, "/d");
				(void)fl_vfs_sync_dir(v, "/");
				fl_plog_open(&l, v, "/d/s-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err);
				for (i = 0; i < 10; i++)
					append_n(&l, 5, 0);
				fl_plog_sync(&l);
				fl_vfs_mem_fail(v, ops[k], nth, 5 /* EIO */);
				rc = fl_plog_start_at(&l, 23, &n);
				fl_vfs_mem_fail(v, ops[k], 0, 0);
				tries++;
				fl_plog_close(&l);
				fl_vfs_mem_crash(v, 0);
				if (fl_plog_open(&l, v, "/d/s-0", &cfg, 0, 0, NULL, &err) != 0 ||
				    (l.log_start != 0 && l.log_start != 23) ||
				    (rc == 0 && l.log_start != 23) || !check_record(&l, l.log_start, 10))
					bad++;
				moved += l.log_start == 23;
				fl_plog_close(&l);
				fl_vfs_mem_free(v);
				if (rc == 0)
					break;
			}
		}
		printf("# %d failing disks, %d came back moved\n", tries, moved);
		CHECK(tries > 3, "each kind of call failed at each point");
		CHECK_INT(bad, ==, 0, "the log start is the old or the new one, and readable there");
	}
}

/*
 * A partition on a fresh memory disk that makes open work hard: sealed
 * segments, one with a garbage index (rebuilt from its log), a last
 * segment with a torn tail (cut), no epoch checkpoint (rebuilt).
 * *end gets the log end a fault-free open finds.
 */
static struct fl_vfs *
hard_partition(uint64_t *end)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog_config cfg;
	struct fl_plog l;
	struct fl_file *f;
	uint64_t last, size;
	int i;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 2048;
	cfg.index_interval_bytes = 200;
	fl_vfs_mkdir(v, "/d");
	fl_vfs_sync_dir(v, "/");
	FL_ASSERT(fl_plog_open(&l, v, "/d/p-0", &cfg, FL_PLOG_CREATE, 0, NULL, NULL) == 0);
	for (i = 0; i < 60; i++)
		append_n(&l, 3, i / 20);
	fl_plog_sync(&l);
	FL_ASSERT(l.nseg > 3);
	last = l.segs[l.nseg - 1].base;
	fl_plog_close(&l);
	FL_ASSERT(fl_vfs_open(v, "/d/p-0/00000000000000000000.index", 0, &f) == 0);
	FL_ASSERT(fl_vfs_pwrite(f, "garbage!", 8, 0) == 0 && fl_vfs_sync(f) == 0);
	fl_vfs_close(f);
	{
		char path[128];

		fl_plog_seg_path(path, sizeof(path), "/d/p-0", last, ".log");
		FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
		FL_ASSERT(fl_vfs_size(f, &size) == 0);
		FL_ASSERT(fl_vfs_pwrite(f, "torn", 4, size) == 0 && fl_vfs_sync(f) == 0);
		fl_vfs_close(f);
	}
	FL_ASSERT(fl_vfs_unlink(v, "/d/p-0/leader-epoch-checkpoint") == 0);
	fl_vfs_sync_dir(v, "/d/p-0");
	*end = 180;
	return v;
}

/*
 * Running out of descriptors, memory or disk, or a failing disk, is a
 * system error (FL_ESYS, errno kept, its text in the message), never
 * damage: the broker exits 65 "data corrupt" on FL_ECORRUPT, and an
 * operator would then run repair on a sound partition.  Every call of
 * each kind fails in turn, from the first on; open must fail cleanly and
 * a later open, the fault gone, must find the log whole.
 */
static void
test_resource_errors(void)
{
	static const struct {
		enum fl_vfs_mem_op op;
		int err_no;
		const char *what;
	} faults[] = {
		{ FL_VFS_MEM_OPEN, EMFILE, "open: EMFILE" },
		{ FL_VFS_MEM_OPEN, ENFILE, "open: ENFILE" },
		{ FL_VFS_MEM_OPEN, ENOMEM, "open: ENOMEM" },
		{ FL_VFS_MEM_READ, EIO, "read: EIO" },
		{ FL_VFS_MEM_WRITE, ENOSPC, "write: ENOSPC" },
		{ FL_VFS_MEM_WRITE, EIO, "write: EIO" },
		{ FL_VFS_MEM_SYNC, EIO, "sync: EIO" },
		{ FL_VFS_MEM_DIR, ENOMEM, "directory: ENOMEM" },
	};
	struct fl_plog_config cfg;
	size_t i;
	int ro;

	fl_plog_config_default(&cfg);
	cfg.index_interval_bytes = 200;
	for (i = 0; i < FL_ARRAY_LEN(faults); i++) {
		for (ro = 0; ro <= 1; ro++) {
			uint64_t nth, end, failures = 0, bad = 0;
			char what[160];

			for (nth = 1; nth < 1000; nth++) {
				struct fl_vfs *v = hard_partition(&end);
				struct fl_err err = { 0, "" };
				struct fl_plog l;
				int rc, e;

				fl_vfs_mem_fail(v, faults[i].op, nth, faults[i].err_no);
				errno = 0;
				rc = fl_plog_open(&l, v, "/d/p-0", &cfg, ro ? FL_PLOG_READONLY : 0,
				    0, NULL, &err);
				e = errno;
				if (rc == 0) {
					fl_plog_close(&l);
					fl_vfs_mem_free(v);
					break;
				}
				failures++;
				if (rc != FL_ESYS || e != faults[i].err_no ||
				    strstr(err.msg, strerror(faults[i].err_no)) == NULL ||
				    strstr(err.msg, "/d/p-0") == NULL) {
					if (bad++ == 0)
						printf("#   call %" PRIu64 ": rc %d (%s), errno %d: %s\n",
						    nth, rc, fl_strerror(rc), e, err.msg);
				}
				fl_vfs_mem_fail(v, faults[i].op, 0, 0);
				rc = fl_plog_open(&l, v, "/d/p-0", &cfg, 0, 0, NULL, &err);
				if (rc != 0 || l.log_end != end) {
					if (bad++ == 0)
						printf("#   call %" PRIu64 ": the reopen gave %d (%s), "
						    "log end %" PRIu64 "\n", nth, rc, err.msg,
						    rc == 0 ? l.log_end : 0);
				}
				if (rc == 0)
					fl_plog_close(&l);
				fl_vfs_mem_free(v);
			}
			if (ro && (faults[i].op == FL_VFS_MEM_WRITE ||
			    faults[i].op == FL_VFS_MEM_SYNC)) {
				snprintf(what, sizeof(what), "%s: a read-only open never calls it",
				    faults[i].what);
				CHECK(bad == 0 && failures == 0, what);
				continue;
			}
			snprintf(what, sizeof(what), "%s%s: each of %" PRIu64 " failures is FL_ESYS "
			    "with errno and its text, and loses nothing", faults[i].what,
			    ro ? " (read-only)" : "", failures);
			CHECK(bad == 0 && failures > 0, what);
		}
	}
}

/*
 * flume-seg's check reports damage as problems and I/O failures as
 * errors: a failing call never turns into a problem in the report.
 */
static void
test_resource_errors_check(void)
{
	static const struct {
		enum fl_vfs_mem_op op;
		int err_no;
	} faults[] = {
		{ FL_VFS_MEM_OPEN, EMFILE }, { FL_VFS_MEM_READ, EIO }, { FL_VFS_MEM_DIR, EACCES },
	};
	size_t i, nproblem;
	uint64_t end;
	int bad = 0, failures = 0;

	{
		struct fl_vfs *v = hard_partition(&end);
		struct fl_segtool t;
		struct fl_segtool_report rep;

		FL_ASSERT(fl_segtool_open(&t, v, "/d/p-0", NULL) == 0);
		FL_ASSERT(fl_segtool_check(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, NULL) == 0);
		nproblem = rep.nproblem;
		fl_segtool_report_free(&rep);
		fl_segtool_close(&t);
		fl_vfs_mem_free(v);
	}
	for (i = 0; i < FL_ARRAY_LEN(faults); i++) {
		uint64_t nth;

		for (nth = 1; nth < 1000; nth++) {
			struct fl_vfs *v = hard_partition(&end);
			struct fl_err err = { 0, "" };
			struct fl_segtool t;
			struct fl_segtool_report rep;
			int rc;

			fl_vfs_mem_fail(v, faults[i].op, nth, faults[i].err_no);
			rc = fl_segtool_open(&t, v, "/d/p-0", &err);
			if (rc == 0) {
				rc = fl_segtool_check(&t, FL_SEGTOOL_CHECK_RECORDS, &rep, &err);
				fl_segtool_close(&t);
			}
			if (rc == 0) {
				if (rep.nproblem != nproblem)
					bad++;
				fl_segtool_report_free(&rep);
				fl_vfs_mem_free(v);
				break;
			}
			failures++;
			if (rc != FL_ESYS || errno != faults[i].err_no ||
			    strstr(err.msg, strerror(faults[i].err_no)) == NULL) {
				if (bad++ == 0)
					printf("#   call %" PRIu64 ": %d: %s\n", nth, rc, err.msg);
			}
			fl_vfs_mem_free(v);
		}
	}
	CHECK(bad == 0 && failures > 0, "flume-seg's check: a failing call is an error "
	    "with errno's text, never a problem in the report");
}

/* A partition of several sealed segments on a fresh memory disk; their bases. */
static struct fl_vfs *
segmented(uint64_t *bases, size_t *n)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog_config cfg;
	struct fl_plog l;
	size_t i;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 1000;
	cfg.index_interval_bytes = 300;
	fl_vfs_mkdir(v, "/d");
	FL_ASSERT(fl_plog_open(&l, v, "/d/g-0", &cfg, FL_PLOG_CREATE, 0, NULL, NULL) == 0);
	for (i = 0; i < 40; i++)
		append_n(&l, 4, 0);
	fl_plog_sync(&l);
	FL_ASSERT(l.nseg >= 5 && l.nseg <= 64);
	for (i = 0; i < l.nseg; i++)
		bases[i] = l.segs[i].base;
	*n = l.nseg;
	fl_plog_close(&l);
	return v;
}

static void
seg_file(char *buf, size_t n, uint64_t base, const char *ext)
{
	FL_ASSERT(fl_plog_seg_path(buf, n, "/d/g-0", base, ext) == 0);
}

/* Open both ways: FL_ECORRUPT naming the later segment and both offsets. */
static void
check_gap(struct fl_vfs *v, uint64_t later, uint64_t starts, uint64_t ends,
    const char *what)
{
	char want[256], msg[256];
	struct fl_err err = { 0, "" };
	struct fl_plog l;
	int ro;

	snprintf(want, sizeof(want), "/d/g-0/%020" PRIu64 ".log: starts at offset %"
	    PRIu64 " but the previous segment ends at %" PRIu64, later, starts, ends);
	for (ro = 0; ro <= 1; ro++) {
		int rc = fl_plog_open(&l, v, "/d/g-0", NULL, ro ? FL_PLOG_READONLY : 0, 0,
		    NULL, &err);

		snprintf(msg, sizeof(msg), "%s%s: open refuses it with FL_ECORRUPT", what,
		    ro ? " (read-only)" : "");
		CHECK_INT(rc, ==, FL_ECORRUPT, msg);
		if (rc == 0)
			fl_plog_close(&l);
		snprintf(msg, sizeof(msg), "%s: the message names the file and both offsets",
		    what);
		if (!CHECK(strstr(err.msg, want) != NULL, msg))
			printf("#   %s\n#   want %s\n", err.msg, want);
	}
}

/*
 * Sealed segments must chain: each starts at the offset after the last
 * one of the segment before.  A partition missing a middle segment, or
 * with one emptied or cut short, used to open; every Fetch reaching the
 * gap then failed.
 */
static void
test_segment_chain(void)
{
	uint64_t bases[64];
	char path[128];
	struct fl_vfs *v;
	struct fl_plog l;
	struct fl_file *f;
	struct fl_err err;
	size_t n;

	v = segmented(bases, &n);
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, NULL, &err), ==, 0,
	    "chained segments open");
	fl_plog_close(&l);
	seg_file(path, sizeof(path), bases[2], ".log");
	fl_vfs_unlink(v, path);
	seg_file(path, sizeof(path), bases[2], ".index");
	fl_vfs_unlink(v, path);
	seg_file(path, sizeof(path), bases[2], ".timeindex");
	fl_vfs_unlink(v, path);
	check_gap(v, bases[3], bases[3], bases[2], "a middle segment deleted");
	fl_vfs_mem_free(v);

	v = segmented(bases, &n);
	seg_file(path, sizeof(path), bases[2], ".log");
	fl_vfs_unlink(v, path);
	check_gap(v, bases[3], bases[3], bases[2], "a middle segment's log deleted");
	fl_vfs_mem_free(v);

	v = segmented(bases, &n);
	seg_file(path, sizeof(path), bases[1], ".log");
	FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
	FL_ASSERT(fl_vfs_truncate(f, 0) == 0);
	fl_vfs_close(f);
	check_gap(v, bases[2], bases[2], bases[1], "a middle segment emptied");
	fl_vfs_mem_free(v);

	v = segmented(bases, &n);
	seg_file(path, sizeof(path), bases[0], ".log");
	FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
	FL_ASSERT(fl_vfs_truncate(f, 0) == 0);
	fl_vfs_close(f);
	check_gap(v, bases[1], bases[1], bases[0], "the first segment emptied");
	fl_vfs_mem_free(v);

	{
		/* the last batch of a sealed segment cut off, at a batch boundary */
		uint64_t size, last_pos = 0;
		struct fl_batch_hdr h;
		uint8_t hb[FL_BATCH_HDR_BYTES];

		v = segmented(bases, &n);
		seg_file(path, sizeof(path), bases[n - 2], ".log");
		FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
		FL_ASSERT(fl_vfs_size(f, &size) == 0);
		for (;;) {
			FL_ASSERT(fl_vfs_pread_full(f, hb, sizeof(hb), last_pos) == 0);
			fl_batch_hdr_parse(hb, sizeof(hb), &h);
			if (last_pos + fl_batch_size(&h) == size)
				break;
			last_pos += fl_batch_size(&h);
		}
		FL_ASSERT(fl_vfs_truncate(f, last_pos) == 0);
		fl_vfs_close(f);
		check_gap(v, bases[n - 1], bases[n - 1], (uint64_t)h.base_offset,
		    "a sealed segment's last batch cut off");
		fl_vfs_mem_free(v);
	}

	/* a segment beside the others that overlaps them */
	v = segmented(bases, &n);
	FL_ASSERT(fl_vfs_rename(v, "/d/g-0/00000000000000000000.log",
	    "/d/g-0/00000000000000000001.log") == 0);
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, NULL, &err), ==, FL_ECORRUPT,
	    "a segment whose name is not its first offset is refused");
	CHECK(strstr(err.msg, "/d/g-0/00000000000000000001.log: damaged at byte 0 "
	    "(offset 1)") != NULL, "naming it");
	fl_vfs_mem_free(v);
}

/* Flip one byte at pos of a segment's log. */
static void
flip_at(struct fl_vfs *v, uint64_t base, uint64_t pos)
{
	char path[128];
	struct fl_file *f;
	uint8_t b;

	seg_file(path, sizeof(path), base, ".log");
	FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
	FL_ASSERT(fl_vfs_pread_full(f, &b, 1, pos) == 0);
	b ^= 0x5a;
	FL_ASSERT(fl_vfs_pwrite(f, &b, 1, pos) == 0);
	fl_vfs_close(f);
}

/*
 * FL_PLOG_VERIFY reads every segment whole: a flipped byte inside a
 * sealed segment, which the default open cannot see, is refused with
 * its place; damage in the tail recovery cuts is cut as always.
 */
static void
test_verify_open(void)
{
	uint64_t bases[64];
	struct fl_plog_recovery rec;
	struct fl_err err = { 0, "" };
	struct fl_plog l;
	struct fl_vfs *v;
	size_t n;
	int rc;

	v = segmented(bases, &n);
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_VERIFY, 0, NULL, &err), ==, 0,
	    "verify: a sound partition opens");
	CHECK_U64(l.log_end, ==, 160, "whole");
	fl_plog_close(&l);

	/* a record's byte in the second batch of segment 1: under the CRC */
	flip_at(v, bases[1], 150);
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_READONLY, 0, NULL, &err), ==, 0,
	    "the default open does not read sealed segments whole");
	fl_plog_close(&l);
	rc = fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_VERIFY | FL_PLOG_READONLY, 0, NULL,
	    &err);
	CHECK_INT(rc, ==, FL_ECORRUPT, "verify: a flipped byte in a sealed segment is refused");
	{
		char want[128];

		snprintf(want, sizeof(want), "/d/g-0/%020" PRIu64 ".log: damaged at byte ",
		    bases[1]);
		if (!CHECK(strstr(err.msg, want) != NULL && strstr(err.msg, "CRC") != NULL,
		    "naming the file, the byte and why"))
			printf("#   %s\n", err.msg);
	}
	fl_vfs_mem_free(v);

	/* in the last segment, before its last index entry: not a torn tail */
	v = segmented(bases, &n);
	flip_at(v, bases[n - 1], 100);
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_VERIFY, 0, &rec, &err), ==,
	    FL_ECORRUPT, "verify: damage early in the last segment is refused, not cut");
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, &rec, &err), ==, 0,
	    "the default open serves it");
	CHECK_INT(rec.cut_bytes, ==, 0, "and cuts nothing");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);

	/* the last batch of the log: the tail recovery cuts, in both modes */
	v = segmented(bases, &n);
	{
		uint64_t size;
		char path[128];

		seg_file(path, sizeof(path), bases[n - 1], ".log");
		FL_ASSERT(fl_vfs_stat(v, path, NULL, &size) == 0);
		flip_at(v, bases[n - 1], size - 3);
	}
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_VERIFY, 0, &rec, &err), ==, 0,
	    "verify: a bad last batch is a tail to cut");
	CHECK(rec.cut_bytes > 0 && l.log_end == 156, "cut, as recovery does");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

/* The file positions of the batches of segment base (at most max): how many. */
static size_t
batch_positions(struct fl_vfs *v, uint64_t base, uint64_t *pos, size_t max)
{
	char path[128];
	struct fl_file *f;
	uint64_t size, at = 0;
	uint8_t hdr[FL_BATCH_HDR_BYTES];
	size_t n = 0;

	seg_file(path, sizeof(path), base, ".log");
	FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0 && fl_vfs_size(f, &size) == 0);
	while (at + FL_BATCH_HDR_BYTES <= size && n < max) {
		struct fl_batch_hdr h;

		FL_ASSERT(fl_vfs_pread_full(f, hdr, sizeof(hdr), at) == 0);
		FL_ASSERT(fl_batch_hdr_parse(hdr, sizeof(hdr), &h) == 0);
		pos[n++] = at;
		at += fl_batch_size(&h);
	}
	fl_vfs_close(f);
	return n;
}

/*
 * A damaged batch header that the open does not read (in a sealed
 * segment) is met by a read or a truncation walking the headers: a read
 * answers FL_ECORRUPT and never serves bytes from the wrong place; a
 * truncation cuts at the damage, leaving a log that verifies whole.
 */
static void
test_damaged_walk(void)
{
	static const struct {
		const char *what;
		unsigned field;		/* the header field damaged */
	} rows[] = {
		{ "a damaged length", FL_BATCH_OFF_LENGTH },
		{ "a damaged last offset delta", 23 },
		{ "a damaged base offset", 0 },
	};
	size_t r;

	for (r = 0; r < FL_ARRAY_LEN(rows); r++) {
		uint64_t bases[64], pos[64];
		struct fl_plog_span span;
		struct fl_err err = { 0, "" };
		struct fl_plog l;
		size_t n_unused;
		struct fl_vfs *v = segmented(bases, &n_unused);
		char path[128], what[160];
		size_t nb = batch_positions(v, bases[1], pos, 64);
		uint64_t want, end_before;
		int rc;

		FL_ASSERT(nb >= 4);
		seg_file(path, sizeof(path), bases[1], ".log");
		/* the second batch of segment 1: base + 4 (4 records a batch) */
		FL_ASSERT(fl_vfs_mem_corrupt(v, path, pos[1] + rows[r].field + 2, 2, 5 + r) == 0);
		FL_ASSERT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, NULL, &err) == 0);
		want = bases[1] + 8;	/* in the third batch: the walk crosses the second */
		rc = fl_plog_read(&l, want, l.log_end, 1 << 20, &span);
		snprintf(what, sizeof(what), "%s: a read past it is FL_ECORRUPT, or the right batch",
		    rows[r].what);
		if (rc == 0) {
			uint8_t hdr[FL_BATCH_HDR_BYTES];
			struct fl_batch_hdr h;

			FL_ASSERT(fl_vfs_pread_full(span.file, hdr, sizeof(hdr), span.pos) == 0);
			fl_batch_hdr_parse(hdr, sizeof(hdr), &h);
			CHECK(h.base_offset >= 0 && (uint64_t)h.base_offset <= want &&
			    (uint64_t)fl_batch_last_offset(&h) >= want && span.first_offset ==
			    (uint64_t)h.base_offset && h.base_offset != (int64_t)bases[1] + 4, what);
		} else {
			CHECK_INT(rc, ==, FL_ECORRUPT, what);
		}
		end_before = l.log_end;
		snprintf(what, sizeof(what), "%s: a truncation above it succeeds", rows[r].what);
		CHECK_INT(fl_plog_truncate(&l, bases[1] + 12), ==, 0, what);
		snprintf(what, sizeof(what), "%s: and cuts at the damage, not above it", rows[r].what);
		CHECK(l.log_end <= bases[1] + 4 && l.log_end >= bases[1] && l.log_end < end_before,
		    what);
		fl_plog_close(&l);
		snprintf(what, sizeof(what), "%s: what is left verifies whole", rows[r].what);
		CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_VERIFY | FL_PLOG_READONLY, 0,
		    NULL, &err), ==, 0, what);
		fl_plog_close(&l);
		fl_vfs_mem_free(v);
	}
}

/*
 * Recovery cuts a bad tail only above the stored hw: below it every record
 * was durable before the checkpoint was written, so a bad batch there is
 * a damaged sector, not a torn write (flume-sim's corrupt fault), and the
 * open is refused with nothing cut.
 */
static void
test_hw_floor(void)
{
	uint64_t bases[64], size, after;
	struct fl_plog_recovery rec;
	struct fl_err err = { 0, "" };
	struct fl_plog l;
	struct fl_vfs *v;
	char path[128];
	size_t n;

	v = segmented(bases, &n);
	seg_file(path, sizeof(path), bases[n - 1], ".log");
	FL_ASSERT(fl_vfs_stat(v, path, NULL, &size) == 0);
	flip_at(v, bases[n - 1], size - 3);
	put_durable(v, "/d/g-0", "hw", "0\n158\n");
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, &rec, &err), ==, FL_ECORRUPT,
	    "a bad batch below the stored hw is refused");
	if (!CHECK(strstr(err.msg, "below the stored high watermark 158") != NULL &&
	    strstr(err.msg, "flume-seg repair") != NULL, "saying so, and what to run"))
		printf("#   %s\n", err.msg);
	FL_ASSERT(fl_vfs_stat(v, path, NULL, &after) == 0);
	CHECK_U64(after, ==, size, "and nothing is cut");
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, FL_PLOG_READONLY, 0, &rec, &err), ==, 0,
	    "a read-only open (flume-seg) still reads the rest");
	CHECK_U64(l.log_end, ==, 156, "up to the damage");
	fl_plog_close(&l);
	put_durable(v, "/d/g-0", "hw", "0\n156\n");
	CHECK_INT(fl_plog_open(&l, v, "/d/g-0", NULL, 0, 0, &rec, &err), ==, 0,
	    "at or above the stored hw it is a torn tail");
	CHECK(rec.cut_bytes > 0 && l.log_end == 156, "cut, as always");
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

static void
test_follower_keep(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog a, b;
	struct fl_err err;
	struct fl_plog_span sp;
	uint8_t *buf;
	size_t len;
	uint8_t *bt = make_batch(0, 4, 20, 1, &len);
	int rc;

	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&a, v, "/d/a", NULL, FL_PLOG_CREATE, 0, NULL, &err);
	fl_plog_open(&b, v, "/d/b", NULL, FL_PLOG_CREATE, 0, NULL, &err);
	fl_plog_append(&a, bt, len, FL_PLOG_APPEND_ASSIGN, 5, 0, NULL);
	rc = fl_plog_read(&a, 0, UINT64_MAX, 1 << 20, &sp);
	buf = malloc(sp.len);
	fl_vfs_pread_full(sp.file, buf, sp.len, sp.pos);
	CHECK_INT(fl_plog_append(&b, buf, sp.len, FL_PLOG_APPEND_KEEP, 0, 0, NULL), ==, 0,
	    "a follower appends the leader's batch as is");
	CHECK_INT(fl_plog_last_epoch(&b), ==, 5, "and takes its epoch");
	CHECK_INT(fl_plog_append(&b, buf, sp.len, FL_PLOG_APPEND_KEEP, 0, 0, NULL), ==, FL_ERANGE,
	    "a batch that does not start at log_end is refused");
	(void)rc;
	free(buf);
	free(bt);
	fl_plog_close(&a);
	fl_plog_close(&b);
	fl_vfs_mem_free(v);
}

/* The span rule, the slow way: walk every header of the segment. */
static int
naive_span(struct fl_plog *l, uint64_t offset, uint64_t limit, uint64_t max_bytes,
    uint64_t *pos_out, uint64_t *len_out, uint64_t *next_out)
{
	size_t k;
	struct fl_plog_seg *s = NULL;
	uint64_t pos = 0, start = 0, next = 0, end = l->log_end < limit ? l->log_end : limit;
	int found = 0;

	for (k = 0; k < l->nseg; k++)
		if (l->segs[k].base <= offset && offset < l->segs[k].next)
			s = &l->segs[k];
	if (s == NULL || offset >= end)
		return -1;
	while (pos < s->size) {
		uint8_t hb[FL_BATCH_HDR_BYTES];
		struct fl_batch_hdr h;

		if (fl_vfs_pread_full(s->log, hb, sizeof(hb), pos) != 0)
			return -1;
		fl_batch_hdr_parse(hb, sizeof(hb), &h);
		if (!found) {
			if ((uint64_t)fl_batch_last_offset(&h) >= offset) {
				found = 1;
				start = pos;
			}
		} else if ((uint64_t)h.base_offset >= end || pos + fl_batch_size(&h) - start > max_bytes) {
			break;
		}
		pos += fl_batch_size(&h);
		if (found) {
			next = (uint64_t)fl_batch_last_offset(&h) + 1;
			if (next >= end)
				break;
		}
	}
	*pos_out = start;
	*len_out = pos - start;
	*next_out = next;
	return 0;
}

static void
test_span_property(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_plog l;
	struct fl_plog_config cfg;
	struct fl_err err;
	uint64_t seq = 0;
	int i, bad = 0;

	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 64 * 1024;
	cfg.index_interval_bytes = 300;
	cfg.write_buffer_bytes = 2048;
	fl_vfs_mkdir(v, "/d");
	fl_plog_open(&l, v, "/d/s-0", &cfg, FL_PLOG_CREATE, 0, NULL, &err);
	for (i = 0; i < 3000; i++) {
		size_t len;
		int n = 1 + (int)(rnd() % 30);
		uint8_t *b = make_batch(seq, n, 5 + rnd() % 40, i, &len);

		fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 0, 0, NULL);
		seq += (uint64_t)n;
		free(b);
	}
	for (i = 0; i < 20000 && !bad; i++) {
		uint64_t off = rnd() % seq, limit = rnd() % 4 ? UINT64_MAX : off + 1 + rnd() % 500;
		uint64_t maxb = rnd() % 3 ? 1 + rnd() % 20000 : 1 + rnd() % 200;
		uint64_t np = 0, nl = 0, nn = 0;
		struct fl_plog_span sp;
		int rc = fl_plog_read(&l, off, limit, maxb, &sp);

		if (naive_span(&l, off, limit, maxb, &np, &nl, &nn) != 0 || rc != 0 ||
		    sp.pos != np || sp.len != nl || sp.next_offset != nn) {
			printf("# offset %llu limit %llu max %llu: got %llu+%llu next %llu, want %llu+%llu next %llu\n",
			    (unsigned long long)off, (unsigned long long)limit, (unsigned long long)maxb,
			    (unsigned long long)sp.pos, (unsigned long long)sp.len,
			    (unsigned long long)sp.next_offset, (unsigned long long)np,
			    (unsigned long long)nl, (unsigned long long)nn);
			bad = 1;
		}
	}
	CHECK(!bad, "20000 random reads give the same span as a header-by-header walk");
	/* an index entry that lies (points one byte into its batch) is caught */
	{
		struct fl_plog_seg *s = &l.segs[0];
		size_t k;

		for (k = 1; k + 1 < s->nidx; k += 3) {
			uint32_t pos = fl_load_be32(s->idx + k * 8 + 4);

			if (pos + 1 < fl_load_be32(s->idx + (k + 1) * 8 + 4))
				fl_store_be32(s->idx + k * 8 + 4, pos + 1);
		}
		for (i = 0; i < 20000 && !bad; i++) {
			uint64_t off = rnd() % s->next, maxb = 1 + rnd() % 20000;
			uint64_t np = 0, nl = 0, nn = 0;
			struct fl_plog_span sp;
			int rc = fl_plog_read(&l, off, UINT64_MAX, maxb, &sp);

			if (naive_span(&l, off, UINT64_MAX, maxb, &np, &nl, &nn) != 0 || rc != 0 ||
			    sp.pos != np || sp.len != nl || sp.next_offset != nn)
				bad = 1;
		}
		CHECK(!bad, "reads stay exact when index entries point into the middle of batches");
	}
	fl_plog_close(&l);
	fl_vfs_mem_free(v);
}

static int
run(const char *cmd)
{
	return system(cmd);
}

/* A million records on real files, random lookups; damaged files. */
static void
test_million_real(void)
{
	char dir[] = "/tmp/flume-test-plog.XXXXXX", pdir[256], path[512], cmd[2048];
	struct fl_plog l;
	struct fl_plog_config cfg;
	struct fl_plog_recovery rec;
	struct fl_err err;
	uint64_t seq = 0, idx_bytes = 0, i;
	int all = 1, rc;

	if (mkdtemp(dir) == NULL) {
		CHECK(0, "mkdtemp");
		return;
	}
	snprintf(pdir, sizeof(pdir), "%s/big-0", dir);
	fl_plog_config_default(&cfg);
	cfg.segment_bytes = 8u << 20;
	fl_plog_open(&l, fl_vfs_real(), pdir, &cfg, FL_PLOG_CREATE, 0, NULL, &err);
	while (seq < 1000000) {
		size_t len;
		int n = 1 + (int)(rnd() % 100);
		uint8_t *b = make_batch(seq, n, 20, (int64_t)seq, &len);

		if (fl_plog_append(&l, b, len, FL_PLOG_APPEND_ASSIGN, 0, 0, NULL) != 0)
			all = 0;
		seq += (uint64_t)n;
		free(b);
	}
	fl_plog_sync(&l);
	CHECK(all && l.log_end == seq, "a million records appended");
	for (i = 0; i < 100000; i++) {
		uint64_t off = rnd() % seq;

		if (!check_record(&l, off, 20)) {
			all = 0;
			printf("# lookup of %" PRIu64 " failed\n", off);
			break;
		}
	}
	CHECK(all, "100000 random offset lookups all return their record");
	for (i = 0; i < l.nseg; i++) {
		uint64_t sz;

		fl_vfs_size(l.segs[i].index, &sz);
		idx_bytes += sz;
		if (sz != l.segs[i].nidx * 8)
			all = 0;
	}
	CHECK(all, "index files hold exactly 8 bytes per entry");
	/* an entry once 4096 bytes have passed, so one per 4096 + one batch (< 3 KiB here) */
	CHECK(idx_bytes / 8 <= fl_plog_bytes(&l) / 4096 &&
	    idx_bytes / 8 + l.nseg >= fl_plog_bytes(&l) / (4096 + 3072),
	    "one index entry per 4096 bytes of log, no more");
	printf("# %" PRIu64 " log bytes, %" PRIu64 " index bytes (%" PRIu64 " entries)\n",
	    fl_plog_bytes(&l), idx_bytes, idx_bytes / 8);
	{
		size_t nseg = l.nseg;

		fl_plog_close(&l);
		/* garbage in a sealed segment's index: rebuilt on open */
		snprintf(path, sizeof(path), "%s/%020d.index", pdir, 0);
		snprintf(cmd, sizeof(cmd), "printf 'garbage!' | dd of=%s bs=1 seek=80 conv=notrunc status=none", path);
		run(cmd);
		rc = fl_plog_open(&l, fl_vfs_real(), pdir, &cfg, 0, 0, &rec, &err);
		CHECK(rc == 0 && rec.index_rebuilt && l.nseg == nseg, "a damaged sealed index is rebuilt on open");
		for (i = 0, all = 1; i < 2000; i++)
			if (!check_record(&l, rnd() % seq, 20))
				all = 0;
		CHECK(all, "lookups right after the rebuild");
		fl_plog_close(&l);
	}
	/* a flipped byte in the last segment: recovery cuts from that batch on */
	{
		struct fl_plog_seg last;
		uint64_t cut_from;

		fl_plog_open(&l, fl_vfs_real(), pdir, &cfg, 0, 0, NULL, &err);
		last = l.segs[l.nseg - 1];
		cut_from = last.size - 10;
		fl_plog_close(&l);
		snprintf(path, sizeof(path), "%s/%020" PRIu64 ".log", pdir, last.base);
		snprintf(cmd, sizeof(cmd), "printf 'Z' | dd of=%s bs=1 seek=%" PRIu64 " conv=notrunc status=none",
		    path, cut_from);
		run(cmd);
		rc = fl_plog_open(&l, fl_vfs_real(), pdir, &cfg, 0, 0, &rec, &err);
		CHECK(rc == 0 && rec.cut_bytes > 0 && rec.cut_pos <= cut_from &&
		    l.log_end < seq, "a flipped byte in the last batch is cut on open");
		CHECK(check_record(&l, l.log_end - 1, 20), "the record before the cut is intact");
		fl_plog_close(&l);
	}
	/* damage inside a sealed segment's log is not silently cut */
	snprintf(path, sizeof(path), "%s/%020d.log", pdir, 0);
	snprintf(cmd, sizeof(cmd), "printf 'Z' | dd of=%s bs=1 seek=5000 conv=notrunc status=none; "
	    "printf 'xxxxxxxx' | dd of=%s/%020d.index bs=1 seek=8 conv=notrunc status=none", path, pdir, 0);
	run(cmd);
	rc = fl_plog_open(&l, fl_vfs_real(), pdir, &cfg, 0, 0, &rec, &err);
	CHECK_INT(rc, ==, FL_ECORRUPT, "a damaged sealed segment is reported, not cut");
	CHECK(strstr(err.msg, "00000000000000000000.log") != NULL, "the message names the file");
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	run(cmd);
}

int
main(void)
{
	if (fl_csum_init() != 0)
		return 1;
	test_basic_mem();
	test_crash_property();
	test_roll_retain_truncate();
	test_follower_keep();
	test_epoch_checkpoint();
	test_hw_checkpoint();
	test_log_start();
	test_resource_errors();
	test_segment_chain();
	test_verify_open();
	test_hw_floor();
	test_damaged_walk();
	test_resource_errors_check();
	test_kill_then_power_cut();
	test_span_property();
	test_million_real();
	return tap_done();
}
