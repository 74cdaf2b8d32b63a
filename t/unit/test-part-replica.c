/*
 * test-part-replica.c: the follower side of store/part.h on the memory
 * disk: appends that keep the leader's offsets and epochs, the check of a
 * whole Fetch answer before any of it is appended, truncation, and a reset
 * that empties the copy and restarts it elsewhere, with crashes at every
 * step of the reset (each must reopen as the old log's suffix or as the
 * new empty copy, with the right epochs).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/kerr.h"
#include "store/part.h"
#include "tap.h"

#define DIR "/d/t-0"

static struct fl_vfs *vfs;
static struct fl_part part;
static struct fl_part_config cfg;

/* A batch of `count` records at `base` in leader epoch `epoch`. */
static size_t
make_batch(uint8_t *buf, size_t cap, int count, uint64_t base, int32_t epoch, int64_t pid,
    int32_t seq)
{
	struct fl_batch_builder bb;
	struct fl_wr w;
	int i;

	fl_wr_init_fixed(&w, buf, cap);
	fl_batch_begin(&bb, &w, 1000, pid, pid >= 0 ? 0 : -1, seq, 0);
	for (i = 0; i < count; i++) {
		char v[32];
		struct fl_slice val = { (const uint8_t *)v,
		    (size_t)snprintf(v, sizeof(v), "v%llu", (unsigned long long)base + (unsigned)i) };

		fl_batch_add(&bb, 1000 + i, NULL, &val, NULL, 0);
	}
	fl_batch_end(&bb);
	fl_batch_set_base(buf, (int64_t)base, epoch);	/* outside the CRC */
	return w.len;
}

static int
open_part(void)
{
	struct fl_err err = { 0, "" };
	char note[256];
	int rc = fl_part_open(&part, vfs, DIR, &cfg, 5000, NULL, note, sizeof(note), &err);

	if (rc != 0)
		printf("# open: %s\n", err.msg);
	return rc;
}

/* Append `nbatch` batches of 3 records from the log end, all in `epoch`. */
static int
append_n(int nbatch, int32_t epoch)
{
	uint8_t buf[4096];
	int i, rc = 0;

	for (i = 0; i < nbatch && rc == 0; i++) {
		size_t n = make_batch(buf, sizeof(buf), 3, part.log.log_end, epoch, -1, -1);

		rc = fl_part_append_replica(&part, 6000, buf, n);
	}
	return rc;
}

static void
fresh(uint64_t segment_bytes)
{
	if (part.is_open)
		(void)fl_part_close(&part);
	if (vfs != NULL)
		fl_vfs_mem_free(vfs);
	vfs = fl_vfs_mem_new();
	if (fl_vfs_mkdir(vfs, "/d") != 0 || fl_vfs_sync_dir(vfs, "/") != 0)
		exit(1);
	memset(&cfg, 0, sizeof(cfg));
	fl_plog_config_default(&cfg.plog);
	cfg.plog.segment_bytes = segment_bytes;
	cfg.plog.index_interval_bytes = 64;
	cfg.message_bytes_max = 1 << 20;
	cfg.producers_max = 100;
	if (open_part() != 0)
		exit(1);
}

static void
test_append(void)
{
	uint8_t buf[4096], two[8192];
	struct fl_follower_log fl;
	size_t n, m;

	fresh(1 << 20);
	n = make_batch(buf, sizeof(buf), 3, 0, 4, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, 0, "a batch at the log end");
	CHECK_U64(part.log.log_end, ==, 3, "the leader's offsets are kept");
	CHECK_INT(fl_plog_last_epoch(&part.log), ==, 4, "and its epoch starts in the checkpoint");
	n = make_batch(buf, sizeof(buf), 3, 5, 4, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, FL_ERANGE,
	    "a batch past the log end is refused");
	n = make_batch(buf, sizeof(buf), 3, 0, 4, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, FL_ERANGE,
	    "a batch before the log end is refused");
	n = make_batch(buf, sizeof(buf), 3, 3, 4, -1, -1);
	buf[n - 1] ^= 0x40;
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, FL_ECORRUPT,
	    "a batch whose CRC fails is refused");
	n = make_batch(two, sizeof(two), 3, 3, 4, -1, -1);
	m = make_batch(two + n, sizeof(two) - n, 3, 6, 4, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, two, n + m), ==, FL_ECORRUPT,
	    "two batches are not one");
	CHECK_U64(part.log.log_end, ==, 3, "refusals append nothing");
	fl_part_follower_log(&part, &fl);
	CHECK(fl.log_start == 0 && fl.log_end == 3 && fl.durable_end == 0 && fl.last_epoch == 4,
	    "follower log: appended but not durable");
	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "sync");
	fl_part_follower_log(&part, &fl);
	CHECK_U64(fl.durable_end, ==, 3, "follower log: durable after the sync");
	n = make_batch(buf, sizeof(buf), 2, 3, 6, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, 0, "epoch 6 begins at 3");
	CHECK_INT(fl_part_local_epoch_end(&part, 4), ==, 3, "local end of epoch 4");
	CHECK_INT(fl_part_local_epoch_end(&part, 5), ==, 3, "epoch 5 is epoch 4's end here");
	CHECK_INT(fl_part_local_epoch_end(&part, 6), ==, 5, "epoch 6 ends at the log end");
	CHECK_INT(fl_part_local_epoch_end(&part, 3), ==, -1, "no epoch as old as 3");
}

static void
test_check(void)
{
	uint8_t rec[16384];
	struct fl_err err = { 0, "" };
	size_t n1, n2, n3, len = 99;
	uint64_t next = 99;

	fresh(1 << 20);
	CHECK_INT(append_n(2, 1), ==, 0, "six records");
	n1 = make_batch(rec, sizeof(rec), 3, 6, 1, -1, -1);
	n2 = make_batch(rec + n1, sizeof(rec) - n1, 4, 9, 2, -1, -1);
	n3 = make_batch(rec + n1 + n2, sizeof(rec) - n1 - n2, 2, 13, 2, -1, -1);
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3, &len, &next, &err), ==, 0,
	    "three batches that follow from the log end");
	CHECK(len == n1 + n2 + n3 && next == 15, "all of them, up to offset 15");
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3 - 7, &len, &next, &err), ==, 0,
	    "a cut last batch is no error");
	CHECK(len == n1 + n2 && next == 13, "it is left out");
	CHECK_INT(fl_part_replica_check(&part, rec, 0, &len, &next, &err), ==, 0, "no records");
	CHECK(len == 0 && next == 6, "nothing to append");
	rec[n1 + n2 - 2] ^= 1;
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3, &len, &next, &err), ==,
	    FL_ECORRUPT, "a CRC failure in the second batch refuses the answer");
	CHECK(strstr(err.msg, "offset 9") != NULL, "the message names the batch");
	printf("# %s\n", err.msg);
	rec[n1 + n2 - 2] ^= 1;
	fl_batch_set_base(rec + n1, 10, 2);
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3, &len, &next, &err), ==,
	    FL_ERANGE, "a gap between batches refuses the answer");
	printf("# %s\n", err.msg);
	fl_batch_set_base(rec + n1, 9, 2);
	fl_batch_set_base(rec, 5, 1);
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3, &len, &next, &err), ==,
	    FL_ERANGE, "a first batch elsewhere than the log end refuses the answer");
	fl_store_be32(rec + FL_BATCH_OFF_LENGTH, 7);
	CHECK_INT(fl_part_replica_check(&part, rec, n1 + n2 + n3, &len, &next, &err), ==,
	    FL_ECORRUPT, "an impossible batch length refuses the answer");
	CHECK_U64(part.log.log_end, ==, 6, "checks append nothing");
}

static void
test_pids_and_truncate(void)
{
	uint8_t buf[4096];
	struct fl_part_produce_res res;
	uint64_t hw = 0;
	size_t n;

	fresh(1 << 20);
	CHECK_INT(append_n(2, 1), ==, 0, "six records in epoch 1");
	n = make_batch(buf, sizeof(buf), 3, 6, 2, 77, 0);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, 0,
	    "an idempotent batch of producer 77 at 6, epoch 2");
	CHECK_INT(append_n(1, 2), ==, 0, "three more");
	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "sync");
	part.hw = 12;
	CHECK_INT(fl_plog_hw_store(&part.log, 12), ==, 0, "hw 12 stored");
	/* this copy leads one day: the leader's checks made here */
	part.leader_epoch = 2;
	n = make_batch(buf, sizeof(buf), 3, 0, 0, 77, 0);
	CHECK(fl_part_produce(&part, 7000, buf, n, 9, &res) == 0 && res.is_duplicate &&
	    res.base_offset == 6, "a retry of producer 77's batch is a duplicate");

	CHECK_INT(fl_part_truncate(&part, 7), ==, 0, "cut at 7, inside that batch");
	CHECK_U64(part.log.log_end, ==, 6, "the cut goes before the batch");
	CHECK_U64(part.hw, ==, 6, "hw clamped to the new end");
	CHECK_INT(fl_plog_hw_load(&part.log, &hw, NULL), ==, 0, "stored hw readable");
	CHECK_U64(hw, ==, 6, "stored hw lowered");
	CHECK_INT(fl_plog_last_epoch(&part.log), ==, 1, "epoch 2 is gone from the checkpoint");
	n = make_batch(buf, sizeof(buf), 3, 0, 0, 77, 0);
	CHECK(fl_part_produce(&part, 7000, buf, n, 9, &res) == 0 && !res.is_duplicate &&
	    res.base_offset == 6, "producer 77's cut batch is no duplicate any more");
	CHECK_INT(fl_part_truncate(&part, 100), ==, 0, "a cut past the end does nothing");
	CHECK_U64(part.log.log_end, ==, 9, "nothing cut");
}

/* A copy of several segments, synced: offsets 0..nbatch*3 (60 for 20) in epochs 1 then 3. */
static void
build_segments(int nbatch)
{
	fresh(400);
	if (append_n(nbatch / 2, 1) != 0 || append_n(nbatch - nbatch / 2, 3) != 0 ||
	    fl_plog_sync(&part.log) != 0 || fl_plog_hw_store(&part.log, 9) != 0)
		exit(1);
}

static void
test_reset(void)
{
	uint8_t buf[4096];
	uint64_t hw = 0;
	size_t n;

	build_segments(20);
	CHECK(part.log.nseg > 3, "the copy has several segments");
	CHECK_INT(fl_part_reset(&part, 1000), ==, 0, "reset at 1000");
	CHECK(part.log.log_start == 1000 && part.log.log_end == 1000 &&
	    part.log.synced_end == 1000 && part.log.nseg == 1, "one empty segment at 1000");
	CHECK_INT(fl_plog_last_epoch(&part.log), ==, -1, "no epochs");
	CHECK_U64(part.hw, ==, 1000, "hw at the new start");
	CHECK_INT(fl_plog_hw_load(&part.log, &hw, NULL), ==, 0, "stored hw");
	CHECK_U64(hw, ==, 1000, "a stored hw below the start loads as the start");
	n = make_batch(buf, sizeof(buf), 3, 1000, 5, -1, -1);
	CHECK_INT(fl_part_append_replica(&part, 6000, buf, n), ==, 0, "appends go on at 1000");
	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "sync");
	CHECK_INT(fl_part_close(&part), ==, 0, "close");
	CHECK_INT(open_part(), ==, 0, "reopen");
	CHECK(part.log.log_start == 1000 && part.log.log_end == 1003,
	    "reopened: 1000..1003");
	CHECK_INT(fl_plog_last_epoch(&part.log), ==, 5, "epoch 5 from 1000");

	/* a reset at the only segment's own base empties it in place */
	fresh(1 << 20);
	CHECK_INT(append_n(3, 1), ==, 0, "nine records in one segment");
	CHECK_INT(fl_part_reset(&part, 0), ==, 0, "reset at 0");
	CHECK(part.log.log_start == 0 && part.log.log_end == 0 && part.log.nseg == 1,
	    "empty at 0");
	fl_vfs_mem_crash(vfs, 0);
	(void)fl_part_close(&part);
	CHECK_INT(open_part(), ==, 0, "reopen after a crash");
	CHECK(part.log.log_end == 0 && fl_plog_last_epoch(&part.log) == -1,
	    "still empty, no epochs");
}

/*
 * Crash at every step of a reset: fail the nth directory call or the nth
 * sync, crash, reopen.  The copy must open, and be either a suffix of
 * the old log (same end, its epoch rebuilt) or the new empty one.
 */
static void
test_reset_crash(void)
{
	static const enum fl_vfs_mem_op ops[] = { FL_VFS_MEM_DIR, FL_VFS_MEM_SYNC,
	    FL_VFS_MEM_WRITE };
	static const char *const names[] = { "directory call", "sync", "write" };
	size_t k;
	int olds = 0, news = 0, bad = 0, opens_failed = 0;

	for (k = 0; k < FL_ARRAY_LEN(ops); k++) {
		uint64_t nth;

		for (nth = 1; nth < 200; nth++) {
			int rc;

			build_segments(20);
			fl_vfs_mem_fail(vfs, ops[k], nth, EIO);
			rc = fl_part_reset(&part, 1000);
			fl_vfs_mem_fail(vfs, ops[k], 0, 0);
			fl_vfs_mem_crash(vfs, nth);
			(void)fl_part_close(&part);
			if (open_part() != 0) {
				opens_failed++;
				printf("# %s %llu: the copy does not open\n", names[k],
				    (unsigned long long)nth);
				continue;
			}
			if (part.log.log_end == 60 && fl_plog_last_epoch(&part.log) == 3)
				olds++;
			else if (part.log.log_start == 1000 && part.log.log_end == 1000 &&
			    fl_plog_last_epoch(&part.log) == -1 && part.log.nseg == 1)
				news++;
			else {
				bad++;
				printf("# %s %llu: log %llu..%llu, epoch %d\n", names[k],
				    (unsigned long long)nth,
				    (unsigned long long)part.log.log_start,
				    (unsigned long long)part.log.log_end,
				    (int)fl_plog_last_epoch(&part.log));
			}
			if (rc == 0)
				break;	/* no call left to fail */
		}
	}
	printf("# %d crashes left the old suffix, %d the new copy\n", olds, news);
	CHECK_INT(opens_failed, ==, 0, "a crash at any step of a reset leaves a copy that opens");
	CHECK_INT(bad, ==, 0, "... as the old log's suffix or the new empty copy");
	CHECK(olds > 0 && news > 0, "both outcomes were seen");
}

static void
test_crash_appends(void)
{
	struct fl_follower_log fl;

	fresh(1 << 20);
	CHECK_INT(append_n(2, 1), ==, 0, "two batches");
	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "durable");
	CHECK_INT(append_n(1, 1), ==, 0, "a third, not durable");
	fl_vfs_mem_crash(vfs, 0);
	(void)fl_part_close(&part);
	CHECK_INT(open_part(), ==, 0, "reopen after a crash");
	fl_part_follower_log(&part, &fl);
	CHECK(fl.log_end == 6 && fl.durable_end == 6 && fl.last_epoch == 1,
	    "the copy resumes at its durable end");
}
/*
 * min.insync.replicas comes from the partition's config into its leader
 * machine: (config, committed ISR) -> may an acks=all batch be appended.
 */
static void
test_min_insync(void)
{
	static const struct {
		int32_t min_insync;
		const char *isr;
		int16_t want;
		const char *what;
	} tab[] = {
		{ 0, "0", 0, "unset counts as 1: the leader alone may take acks=all" },
		{ 2, "0", FL_KERR_NOT_ENOUGH_REPLICAS, "2 with the leader alone: 19" },
		{ 2, "0,1", 0, "2 with a follower in the ISR: appended" },
		{ 3, "0,1", FL_KERR_NOT_ENOUGH_REPLICAS, "3 with two in the ISR: 19" },
	};
	struct fl_nodeset reps, isr;
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		fresh(1 << 20);
		(void)fl_part_close(&part);
		cfg.min_insync = tab[i].min_insync;
		FL_ASSERT(open_part() == 0);
		FL_ASSERT(fl_nodeset_parse(&reps, "0,1,2") == 0);
		FL_ASSERT(fl_nodeset_parse(&isr, tab[i].isr) == 0);
		CHECK(fl_part_lead(&part, 7000, (int32_t)i + 1, &reps, &isr) == 0, tab[i].what);
		CHECK_INT(fl_part_may_append_all(&part), ==, tab[i].want, tab[i].what);
		CHECK_INT(part.lead.min_insync, ==, tab[i].min_insync > 1 ? tab[i].min_insync : 1,
		    "the leader machine answers 20 against the same minimum");
	}
	cfg.min_insync = 0;
}

/* 6 records durable in epoch 1, 3 more only written; the HW at 2. */
static void
lead_setup(void)
{
	fresh(1 << 20);
	FL_ASSERT(append_n(2, 1) == 0 && fl_plog_sync(&part.log) == 0 && append_n(1, 1) == 0);
	part.hw = 2;
}

/*
 * lead with the controller's HW: taken when above the partition's, at
 * most up to the durable end; not at all when the lead is refused.
 */
static void
test_lead_hw(void)
{
	static const struct {
		uint64_t ctl_hw, want;
		const char *what;
	} tab[] = {
		{ 4, 4, "a controller's HW above ours, below the durable end, is taken" },
		{ 100, 6, "one past the durable end: the durable end (not the written end 9)" },
		{ 1, 2, "one below ours: ours stays" },
		{ 0, 2, "none given (0): ours stays" },
	};
	struct fl_nodeset reps, isr;
	size_t i;

	FL_ASSERT(fl_nodeset_parse(&reps, "0,1,2") == 0 && fl_nodeset_parse(&isr, "0,1") == 0);
	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		lead_setup();
		CHECK(part.log.log_end == 9 && part.log.synced_end == 6, "9 written, 6 durable");
		CHECK_INT(fl_part_lead_hw(&part, 7000, 2, &reps, &isr, tab[i].ctl_hw), ==, 0,
		    tab[i].what);
		CHECK_U64(part.hw, ==, tab[i].want, tab[i].what);
		CHECK(part.role == FL_ROLE_LEADER && part.leader_epoch == 2 &&
		    fl_nodeset_equal(&part.isr, &isr), "and it leads, as fl_part_lead");
	}
	lead_setup();
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_OFFLINE, 5, -1, NULL) == 0);
	CHECK_INT(fl_part_lead_hw(&part, 7000, 4, &reps, &isr, 5), ==, FL_ERANGE,
	    "an older epoch: FL_ERANGE");
	CHECK_U64(part.hw, ==, 2, "and the HW is left alone");
	CHECK(part.role == FL_ROLE_OFFLINE, "nor does it lead");
	CHECK_INT(fl_part_lead_hw(&part, 7000, 5, &reps, &isr, 5), ==, 0, "the same epoch leads");
	CHECK_U64(part.hw, ==, 5, "with the controller's HW");
	{
		struct fl_part closed = part;

		closed.is_open = 0;
		CHECK_INT(fl_part_lead_hw(&closed, 7000, 6, &reps, &isr, 6), ==, FL_EINVAL,
		    "a closed partition: FL_EINVAL");
		CHECK_U64(closed.hw, ==, 5, "HW untouched");
	}
}

/* A follower or offline replica told the ISR its leader works with. */
static void
test_told_isr(void)
{
	struct fl_nodeset reps, isr, bad, old;

	fresh(1 << 20);
	FL_ASSERT(fl_nodeset_parse(&reps, "0,1,2") == 0 && fl_nodeset_parse(&isr, "1,2") == 0 &&
	    fl_nodeset_parse(&bad, "1,5") == 0);
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_FOLLOWER, 3, 1, &reps) == 0);
	CHECK_INT(fl_part_told_isr(&part, 2, &isr), ==, FL_ERANGE, "an older epoch: FL_ERANGE");
	CHECK_INT(fl_part_told_isr(&part, 4, &isr), ==, FL_EBUSY, "a newer epoch: FL_EBUSY");
	CHECK_INT(fl_part_told_isr(&part, 3, &bad), ==, FL_EINVAL, "a member not a replica");
	CHECK_INT((int)part.isr.n, ==, 0, "nothing taken from a refused one");
	CHECK_INT(fl_part_told_isr(&part, 3, &isr), ==, 0, "the ISR at its epoch");
	CHECK(fl_nodeset_equal(&part.isr, &isr) && part.role == FL_ROLE_FOLLOWER &&
	    part.leader_id == 1 && part.leader_epoch == 3, "taken; nothing else changes");
	old = part.isr;
	FL_ASSERT(fl_nodeset_parse(&reps, "1,2") == 0);
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_OFFLINE, 4, 1, &reps) == 0);
	CHECK_INT(fl_part_told_isr(&part, 4, &old), ==, 0, "an offline non-replica is told too");
	CHECK_INT(fl_part_told_isr(&part, 4, &bad), ==, FL_EINVAL,
	    "against the replicas it was told");
}

/* The status line, field for field, as flume-serve wrote it. */
static void
test_status(void)
{
	struct fl_nodeset reps, isr;
	struct fl_bstatus_part st;
	char line[512];

	lead_setup();
	FL_ASSERT(fl_nodeset_parse(&reps, "0,1,2") == 0 && fl_nodeset_parse(&isr, "1,2") == 0);
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_FOLLOWER, 3, 1, &reps) == 0);
	FL_ASSERT(fl_part_told_isr(&part, 3, &isr) == 0);
	fl_part_status(&part, "t", 4, &st);
	CHECK_INT(fl_bstatus_format_part(line, sizeof(line), &st), >, 0, "a follower's line");
	if (!CHECK(strcmp(line, "partition\tt\t4\t0\t9\t2\tfollower\t3\t1\t1,2\t-") == 0,
	    "its fields"))
		printf("#   got %s\n", line);
	{
		struct fl_part closed = part;

		closed.is_open = 0;
		closed.repl_log_end = 12;
		fl_part_status(&closed, "t", 4, &st);
		CHECK(st.log_start == 0 && st.log_end == 12, "closed here: 0 and the copy's end");
	}
	FL_ASSERT(fl_nodeset_parse(&isr, "0,1") == 0);
	FL_ASSERT(fl_part_lead_hw(&part, 7000, 4, &reps, &isr, 0) == 0);
	fl_part_status(&part, "t", 0, &st);
	CHECK(st.role == FL_ROLE_LEADER && st.leader == 0 && st.epoch == 4 &&
	    fl_nodeset_equal(&st.isr, &isr) && fl_nodeset_equal(&st.proposed, &part.lead.proposed),
	    "a leader's: with the ISR it proposes");
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_OFFLINE, 5, -1, NULL) == 0);
	fl_part_status(&part, "t", 0, &st);
	CHECK_INT(fl_bstatus_format_part(line, sizeof(line), &st), >, 0, "an offline line");
	if (!CHECK(strcmp(line, "partition\tt\t0\t0\t9\t2\toffline\t5\t-1\t-\t-") == 0,
	    "no leader, no sets"))
		printf("#   got %s\n", line);
}


/* A cluster.meta entry for DIR's partition. */
static struct fl_cmeta_part
entry(enum fl_role role, int32_t epoch, int32_t leader)
{
	struct fl_cmeta_part e;

	memset(&e, 0, sizeof(e));
	snprintf(e.topic, sizeof(e.topic), "t");
	e.partition = 0;
	e.role = role;
	e.epoch = epoch;
	e.leader = leader;
	(void)fl_nodeset_parse(&e.replicas, "1,2,3");
	(void)fl_nodeset_parse(&e.isr, "1,2,3");
	return e;
}

/*
 * fl_part_restore: what a restarted broker of a cluster does with each
 * partition's recorded role.  Three of these rules were found by
 * flume-sim (doc/DESIGN.md §7b).
 */
static void
test_restore(void)
{
	static const struct {
		const char *what;
		enum fl_part_restore_mode mode;
		enum fl_role role;
		int32_t epoch;		/* recorded */
		int rc;
		enum fl_role want;
		int32_t want_epoch, want_leader;
	} tab[] = {
		{ "alone, a leader leads on", FL_PART_ALONE, FL_ROLE_LEADER, 2, 0,
		  FL_ROLE_LEADER, 2, 1 },
		{ "a cluster's leader comes back offline", FL_PART_BY_HAND, FL_ROLE_LEADER, 2, 0,
		  FL_ROLE_OFFLINE, 2, -1 },
		{ "by hand, a follower resumes following", FL_PART_BY_HAND, FL_ROLE_FOLLOWER, 2, 0,
		  FL_ROLE_FOLLOWER, 2, 3 },
		{ "under a controller, a follower waits to be told (seed 574)",
		  FL_PART_BY_CONTROLLER, FL_ROLE_FOLLOWER, 2, 0, FL_ROLE_OFFLINE, 2, 3 },
		{ "an offline partition stays so", FL_PART_BY_CONTROLLER, FL_ROLE_OFFLINE, 2, 0,
		  FL_ROLE_OFFLINE, 2, 3 },
		{ "cluster.meta behind the log: offline at the log's epoch (seed 471)",
		  FL_PART_BY_CONTROLLER, FL_ROLE_FOLLOWER, 1, 1, FL_ROLE_OFFLINE, 2, -1 },
		{ "the same by hand", FL_PART_BY_HAND, FL_ROLE_LEADER, 1, 1, FL_ROLE_OFFLINE, 2, -1 },
		{ "alone, a recorded epoch behind the log is refused", FL_PART_ALONE,
		  FL_ROLE_LEADER, 1, FL_ERANGE, FL_ROLE_LEADER, 2, 1 },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct fl_cmeta_part e = entry(tab[i].role, tab[i].epoch, 3);
		int rc;

		fresh(1 << 20);
		cfg.node_id = 1;
		FL_ASSERT(append_n(2, 2) == 0 && fl_plog_sync(&part.log) == 0);
		(void)fl_part_close(&part);
		FL_ASSERT(open_part() == 0);
		rc = fl_part_restore(&part, 7000, &e, tab[i].mode);
		CHECK_INT(rc, ==, tab[i].rc, tab[i].what);
		if (rc < 0)
			continue;
		CHECK_INT(part.role, ==, tab[i].want, tab[i].what);
		CHECK_INT(part.leader_epoch, ==, tab[i].want_epoch, tab[i].what);
		if (tab[i].want != FL_ROLE_LEADER)
			CHECK_INT(part.leader_id, ==, tab[i].want_leader, tab[i].what);
	}

	/* seed 4: a replicated partition whose leader died before any `hw` checkpoint */
	{
		struct fl_cmeta_part e = entry(FL_ROLE_LEADER, 2, 1);

		fresh(1 << 20);
		cfg.node_id = 1;
		FL_ASSERT(append_n(3, 2) == 0 && fl_plog_sync(&part.log) == 0);
		/* a kill -9: nothing closed, no checkpoint written */
		fl_vfs_mem_crash(vfs, 0);
		(void)fl_part_close(&part);
		FL_ASSERT(open_part() == 0);
		CHECK_INT(part.has_hw_file, ==, 0, "no hw checkpoint after the kill");
		CHECK_U64(part.hw, ==, 9, "alone, the durable end is the HW");
		CHECK_INT(fl_part_restore(&part, 7000, &e, FL_PART_BY_CONTROLLER), ==, 0,
		    "restored under a controller");
		CHECK_U64(part.hw, ==, 0, "replicated, nothing is known committed (seed 4)");
		(void)fl_part_close(&part);
		FL_ASSERT(open_part() == 0);
		CHECK_U64(part.hw, ==, 0, "and the close wrote that as its checkpoint");
		e = entry(FL_ROLE_LEADER, 2, 1);
		memset(&e.replicas, 0, sizeof(e.replicas));
		(void)fl_nodeset_add(&e.replicas, 1);
		fl_plog_hw_store(&part.log, 9);
		(void)fl_part_close(&part);
		fl_vfs_unlink(vfs, DIR "/hw");
		FL_ASSERT(open_part() == 0);
		CHECK_INT(fl_part_restore(&part, 7000, &e, FL_PART_BY_CONTROLLER), ==, 0,
		    "a partition of one replica");
		CHECK_U64(part.hw, ==, 9, "replicated to nobody, its durable end is committed");
	}
}

/* fl_part_ack_settle: when a waiting acks=all answer may go, and with what. */
static void
test_ack_settle(void)
{
	struct fl_nodeset reps, isr;
	int16_t err = -1;

	fresh(1 << 20);
	(void)fl_part_close(&part);
	cfg.node_id = 0;
	FL_ASSERT(open_part() == 0);
	FL_ASSERT(fl_nodeset_parse(&reps, "0,1") == 0 && fl_nodeset_parse(&isr, "0,1") == 0);
	FL_ASSERT(fl_part_lead(&part, 7000, 3, &reps, &isr) == 0);
	{
		uint8_t buf[4096];
		size_t n = make_batch(buf, sizeof(buf), 3, 0, 3, -1, -1);

		FL_ASSERT(fl_part_append_own(&part, 7001, buf, n, NULL) == 0);
		FL_ASSERT(fl_plog_sync(&part.log) == 0);
	}
	fl_part_durable(&part, 7001, part.log.synced_end);
	CHECK_INT(fl_part_ack_settle(&part, 3, 3, 7002, 9000, &err), ==, 0,
	    "the follower has not fetched past it: wait");
	CHECK_INT(fl_part_ack_settle(&part, 3, 3, 9000, 9000, &err), ==, 1, "the deadline");
	CHECK_INT(err, ==, FL_KERR_REQUEST_TIMED_OUT, "is 7");
	CHECK_INT(fl_part_replica_fetch(&part, 7003, 1, 3, 3), ==, 0, "the follower has it");
	CHECK_INT(fl_part_ack_settle(&part, 3, 3, 7004, 9000, &err), ==, 1, "the HW passed it");
	CHECK_INT(err, ==, 0, "acknowledged");
	CHECK_INT(fl_part_ack_settle(&part, 2, 3, 7004, 9000, &err), ==, 1,
	    "appended in an older epoch than p leads now");
	CHECK_INT(err, ==, FL_KERR_NOT_LEADER_OR_FOLLOWER, "is 6, whatever the HW says");
	FL_ASSERT(fl_part_step_down(&part, FL_ROLE_FOLLOWER, 4, 1, &reps) == 0);
	CHECK_INT(fl_part_ack_settle(&part, 3, 3, 7005, 9000, &err), ==, 1, "p stepped down");
	CHECK_INT(err, ==, FL_KERR_NOT_LEADER_OR_FOLLOWER, "is 6");
	CHECK_INT(fl_part_ack_settle(NULL, 3, 3, 7005, 9000, &err), ==, 1, "the topic went");
	CHECK_INT(err, ==, FL_KERR_NOT_LEADER_OR_FOLLOWER, "is 6");
}

int
main(void)
{
	test_append();
	test_check();
	test_pids_and_truncate();
	test_reset();
	test_reset_crash();
	test_crash_appends();
	test_min_insync();
	test_lead_hw();
	test_told_isr();
	test_status();
	test_restore();
	test_ack_settle();
	if (part.is_open)
		(void)fl_part_close(&part);
	fl_vfs_mem_free(vfs);
	return tap_done();
}
