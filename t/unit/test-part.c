/*
 * test-part.c: one partition (store/part.h) on the memory disk, driven as
 * tables of (state, input, now) -> (answer, state): produce checks and
 * idempotence, reads for consumers and replicas around the high
 * watermark, ListOffsets, OffsetForLeaderEpoch, and a crash that loses
 * what was not durable.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/compress.h"
#include "codec/kproto.h"
#include "store/part.h"
#include "tap.h"

#define DIR "/d/t-0"

static struct fl_vfs *vfs;
static struct fl_part part;
static struct fl_part_config cfg;

/* A batch of `count` records "r0".."rN" at timestamp ts. */
static size_t
make_batch(uint8_t *buf, size_t cap, int count, int64_t ts, int64_t pid, int16_t epoch,
    int32_t seq, int16_t attrs)
{
	struct fl_batch_builder bb;
	struct fl_wr w;
	int i;

	fl_wr_init_fixed(&w, buf, cap);
	fl_batch_begin(&bb, &w, ts, pid, epoch, seq, 0);
	for (i = 0; i < count; i++) {
		char v[16];
		struct fl_slice val = { (const uint8_t *)v, (size_t)snprintf(v, sizeof(v), "r%d", i) };

		fl_batch_add(&bb, ts + i, NULL, &val, NULL, 0);
	}
	fl_batch_end(&bb);
	if (attrs != 0) {
		/* set attribute bits and fix the CRC */
		buf[FL_BATCH_OFF_ATTRIBUTES] = (uint8_t)(attrs >> 8);
		buf[FL_BATCH_OFF_ATTRIBUTES + 1] = (uint8_t)attrs;
		fl_store_be32(buf + FL_BATCH_OFF_CRC, fl_batch_compute_crc(buf, w.len));
	}
	return w.len;
}

static void
open_part(int64_t now)
{
	struct fl_err err = { 0 };
	char note[256];
	int rc = fl_part_open(&part, vfs, DIR, &cfg, now, NULL, note, sizeof(note), &err);

	if (rc != 0)
		printf("# open: %s\n", err.msg);
}

enum kind { PLAIN, IDEM, CORRUPT, BASE_SET, TXN, ZSTD, BIG };

struct produce_row {
	const char *what;
	enum kind kind;
	int count;
	int64_t pid;
	int16_t epoch;
	int32_t seq;
	int16_t version;
	/* expected */
	int16_t error;
	int64_t base;			/* -1: don't care */
	int dup;
	uint64_t log_end_after;
};

static void
run_produce_rows(const struct produce_row *rows, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct produce_row *r = &rows[i];
		uint8_t buf[1 << 16];
		struct fl_part_produce_res res;
		size_t len;
		int16_t err;
		char what[200];

		len = make_batch(buf, sizeof(buf), r->kind == BIG ? 400 : r->count, 1000,
		    r->kind == IDEM ? r->pid : -1, r->kind == IDEM ? r->epoch : -1,
		    r->kind == IDEM ? r->seq : -1,
		    r->kind == TXN ? FL_BATCH_ATTR_TRANSACTIONAL : r->kind == ZSTD ? 4 : 0);
		if (r->kind == CORRUPT)
			buf[len - 1] ^= 0xff;
		if (r->kind == BASE_SET)
			buf[7] = 9;	/* BaseOffset 9: only followers may do that */
		err = fl_part_produce(&part, 5000, buf, len, r->version, &res);
		snprintf(what, sizeof(what), "produce %s: error", r->what);
		CHECK_INT(err, ==, r->error, what);
		if (r->error == 0) {
			snprintf(what, sizeof(what), "produce %s: duplicate flag", r->what);
			CHECK_INT(res.is_duplicate, ==, r->dup, what);
			if (r->base >= 0) {
				snprintf(what, sizeof(what), "produce %s: base offset", r->what);
				CHECK_INT(res.base_offset, ==, r->base, what);
			}
		}
		snprintf(what, sizeof(what), "produce %s: log end after", r->what);
		CHECK_U64(part.log.log_end, ==, r->log_end_after, what);
	}
}

static void
test_produce(void)
{
	static const struct produce_row rows[] = {
		{ "one record", PLAIN, 1, 0, 0, 0, 9, 0, 0, 0, 1 },
		{ "three records", PLAIN, 3, 0, 0, 0, 9, 0, 1, 0, 4 },
		{ "idempotent seq 0", IDEM, 2, 7, 0, 0, 9, 0, 4, 0, 6 },
		{ "the same batch again", IDEM, 2, 7, 0, 0, 9, 0, 4, 1, 6 },
		{ "next seq", IDEM, 1, 7, 0, 2, 9, 0, 6, 0, 7 },
		{ "a gap in sequences", IDEM, 1, 7, 0, 9, 9, FL_KERR_OUT_OF_ORDER_SEQUENCE_NUMBER, -1, 0, 7 },
		{ "a new epoch at seq 0", IDEM, 1, 7, 1, 0, 9, 0, 7, 0, 8 },
		{ "the old epoch", IDEM, 1, 7, 0, 3, 9, FL_KERR_INVALID_PRODUCER_EPOCH, -1, 0, 8 },
		{ "a bad CRC", CORRUPT, 1, 0, 0, 0, 9, FL_KERR_CORRUPT_MESSAGE, -1, 0, 8 },
		{ "a base offset set", BASE_SET, 1, 0, 0, 0, 9, FL_KERR_INVALID_RECORD, -1, 0, 8 },
		{ "transactional", TXN, 1, 0, 0, 0, 9, FL_KERR_INVALID_TXN_STATE, -1, 0, 8 },
		{ "zstd before v7", ZSTD, 1, 0, 0, 0, 3, FL_KERR_UNSUPPORTED_COMPRESSION_TYPE, -1, 0, 8 },
		{ "above message-max-bytes", BIG, 1, 0, 0, 0, 9, FL_KERR_MESSAGE_TOO_LARGE, -1, 0, 8 },
	};

	run_produce_rows(rows, FL_ARRAY_LEN(rows));
}

/* Reads: (durable end, reader, offset, max) -> (error, span length > 0, first offset). */
static void
test_reads(void)
{
	struct fl_plog_span sp;
	int cause;
	int16_t err;

	/* nothing durable yet: consumers see nothing, replicas see everything */
	CHECK_U64(part.hw, ==, 0, "hw starts at the durable end");
	err = fl_part_read(&part, 0, 1 << 20, FL_PART_CONSUMER, &sp, &cause);
	CHECK(err == 0 && sp.len == 0, "a consumer below no hw gets nothing yet");
	err = fl_part_read(&part, 0, 1 << 20, FL_PART_REPLICA, &sp, &cause);
	CHECK(err == 0 && sp.len > 0 && sp.next_offset == 8, "a replica reads to the log end");
	CHECK_INT(fl_part_read(&part, 9, 1 << 20, FL_PART_CONSUMER, &sp, &cause), ==,
	    FL_KERR_OFFSET_OUT_OF_RANGE, "past the log end: out of range");
	CHECK_INT(fl_part_read(&part, -1, 1 << 20, FL_PART_CONSUMER, &sp, &cause), ==,
	    FL_KERR_OFFSET_OUT_OF_RANGE, "a negative offset: out of range");

	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "sync");
	fl_part_durable(&part, 0, 4);
	CHECK_U64(part.hw, ==, 8, "durable reports move hw to the synced end");
	fl_part_durable(&part, 0, 2);
	CHECK_U64(part.hw, ==, 8, "hw never goes back");
	err = fl_part_read(&part, 1, 1, FL_PART_CONSUMER, &sp, &cause);
	CHECK(err == 0 && sp.first_offset == 1 && sp.next_offset == 4,
	    "max_bytes 1 still returns the first batch whole");
	err = fl_part_read(&part, 8, 1 << 20, FL_PART_CONSUMER, &sp, &cause);
	CHECK(err == 0 && sp.len == 0, "at hw: nothing yet, no error");
}

static void
test_list_offsets(void)
{
	int64_t off, ts;

	CHECK(fl_part_list_offset(&part, -1, &off, &ts) == 0 && off == 8, "latest is hw");
	CHECK(fl_part_list_offset(&part, -2, &off, &ts) == 0 && off == 0, "earliest is log start");
	CHECK(fl_part_list_offset(&part, 1001, &off, &ts) == 0 && off == 2 && ts == 1001,
	    "by time: the first record at or after it");
	CHECK(fl_part_list_offset(&part, 999999, &off, &ts) == 0 && off == -1,
	    "by time past every record: -1");
	CHECK_INT(fl_part_list_offset(&part, -7, &off, &ts), ==, FL_KERR_INVALID_REQUEST,
	    "other negative timestamps are invalid");
	{
		int64_t off2, ts2;
		int32_t ep, e0 = part.leader_epoch;

		CHECK(fl_part_list_offset_epoch(&part, e0, -1, &off, &ts, &ep) == 0 &&
		    off == 8 && ep == e0, "v4+ latest: the current leader epoch");
		CHECK_INT(fl_part_list_offset_epoch(&part, e0 + 1, -1, &off, &ts, &ep), ==,
		    FL_KERR_UNKNOWN_LEADER_EPOCH, "a newer CurrentLeaderEpoch: UNKNOWN_LEADER_EPOCH");
		CHECK(fl_part_list_offset_epoch(&part, -1, -4, &off, &ts, &ep) == 0 &&
		    off == 0 && ep == fl_plog_epoch_at(&part.log, 0),
		    "EARLIEST_LOCAL (-4) is earliest: no tiered storage");
		CHECK(fl_part_list_offset_epoch(&part, -1, -5, &off, &ts, &ep) == 0 &&
		    off == -1 && ts == -1 && ep == -1,
		    "LATEST_TIERED (-5): -1/-1, as Kafka without tiered storage");
		CHECK(fl_part_list_offset_epoch(&part, -1, -3, &off, &ts, &ep) == 0 &&
		    off >= 0 && off < 8 && ts >= 0, "MAX_TIMESTAMP (-3) finds a record");
		CHECK(fl_part_list_offset(&part, ts, &off2, &ts2) == 0 && off2 == off &&
		    ts2 == ts, "MAX_TIMESTAMP: the first record with that timestamp");
		CHECK(fl_part_list_offset(&part, ts + 1, &off2, &ts2) == 0 && off2 == -1,
		    "MAX_TIMESTAMP: no record is newer");
	}
}

static void
test_epochs(void)
{
	int32_t e;
	int64_t end;

	CHECK_INT(fl_part_epoch_end(&part, 1, 0, &e, &end), ==, FL_KERR_UNKNOWN_LEADER_EPOCH,
	    "a newer current epoch than ours: UNKNOWN_LEADER_EPOCH");
	part.leader_epoch = 3;
	CHECK_INT(fl_part_epoch_end(&part, 2, 0, &e, &end), ==, FL_KERR_FENCED_LEADER_EPOCH,
	    "an older current epoch: FENCED_LEADER_EPOCH");
	CHECK(fl_part_epoch_end(&part, 3, 0, &e, &end) == 0 && e == 0 && end == 8,
	    "epoch 0 ends at the log end while it is the only one");
	CHECK(fl_part_epoch_end(&part, -1, 5, &e, &end) == 0 && e == -1 && end == -1,
	    "an epoch newer than ours: undefined");
	part.leader_epoch = 0;
}

static void
test_crash_and_reopen(void)
{
	uint8_t buf[4096];
	struct fl_part_produce_res res;
	size_t len;

	/* an idempotent batch made durable, one more not */
	len = make_batch(buf, sizeof(buf), 1, 2000, 11, 0, 0, 0);
	CHECK_INT(fl_part_produce(&part, 6000, buf, len, 9, &res), ==, 0, "pid 11 seq 0");
	CHECK_INT(fl_plog_sync(&part.log), ==, 0, "sync");
	len = make_batch(buf, sizeof(buf), 1, 2000, 11, 0, 1, 0);
	CHECK_INT(fl_part_produce(&part, 6000, buf, len, 9, &res), ==, 0, "pid 11 seq 1 (not synced)");
	fl_vfs_mem_crash(vfs, 0);
	(void)fl_part_close(&part);
	open_part(7000);
	CHECK_U64(part.log.log_end, ==, 9, "the unsynced batch is gone after the crash");
	CHECK_U64(part.hw, ==, 9, "hw restarts at the durable end");
	len = make_batch(buf, sizeof(buf), 1, 2000, 11, 0, 0, 0);
	CHECK(fl_part_produce(&part, 8000, buf, len, 9, &res) == 0 && res.is_duplicate &&
	    res.base_offset == 8, "producer state rebuilt from the log: seq 0 is a duplicate");
	len = make_batch(buf, sizeof(buf), 1, 2000, 11, 0, 1, 0);
	CHECK(fl_part_produce(&part, 8000, buf, len, 9, &res) == 0 && !res.is_duplicate &&
	    res.base_offset == 9, "seq 1, lost in the crash, is appended again");
	CHECK_INT(fl_part_snapshot(&part, 1), ==, 0, "producers snapshot written");
	CHECK_INT(fl_part_close(&part), ==, 0, "close syncs");
	open_part(9000);
	len = make_batch(buf, sizeof(buf), 1, 2000, 11, 0, 1, 0);	/* the last was stamped */
	CHECK(fl_part_produce(&part, 9000, buf, len, 9, &res) == 0 && res.is_duplicate &&
	    res.base_offset == 9, "after a snapshot and reopen, seq 1 is a duplicate");
}

/*
 * A damaged batch that recovery does not read (before the last index
 * entry) is found when the producers' state is rebuilt: the open is
 * refused, as state built past it could let a retried batch in twice.
 */
static void
test_damaged_replay(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_part_config c = cfg;
	struct fl_part_produce_res res;
	struct fl_part q;
	struct fl_err err = { 0 };
	uint8_t buf[4096];
	char note[256];
	size_t len, first = 0;
	int32_t seq;

	FL_ASSERT(v != NULL && fl_vfs_mkdir(v, "/e") == 0);
	c.plog.index_interval_bytes = 1;	/* an index entry per batch */
	FL_ASSERT(fl_part_open(&q, v, "/e/p-0", &c, 1000, NULL, note, sizeof(note), &err) == 0);
	for (seq = 0; seq < 3; seq++) {
		len = make_batch(buf, sizeof(buf), 1, 2000, 21, 0, seq, 0);
		FL_ASSERT(fl_part_produce(&q, 2000, buf, len, 9, &res) == 0);
		if (seq == 0)
			first = len;
	}
	FL_ASSERT(fl_part_close(&q) == 0);
	CHECK_INT(fl_vfs_mem_corrupt(v, "/e/p-0/00000000000000000000.log", first + 40, 1, 3), ==, 0,
	    "a byte of the second batch reads back damaged");
	CHECK_INT(fl_part_open(&q, v, "/e/p-0", &c, 3000, NULL, note, sizeof(note), &err), ==,
	    FL_ECORRUPT, "the open is refused");
	if (!CHECK(strstr(err.msg, "damaged at offset 1 ") != NULL &&
	    strstr(err.msg, "flume-seg repair") != NULL, "naming the offset and the way out"))
		printf("#   %s\n", err.msg);
	CHECK(!q.is_open, "and the partition is not open");
	fl_vfs_mem_free(v);
}

static void
test_fetch_budget(void)
{
	struct fl_fetch_budget b;
	int64_t until;
	int skip;
	uint64_t lim;

	fl_fetch_budget_init(&b, 100);
	lim = fl_fetch_budget_next(&b, 1000, &skip);
	CHECK(lim == 100 && !skip, "a partition gets at most what the request has left");
	CHECK(fl_fetch_budget_take(&b, lim, 300), "the first data may exceed the limits");
	lim = fl_fetch_budget_next(&b, 1000, &skip);
	CHECK(lim == 0 && skip, "nothing left: later partitions are skipped");
	fl_fetch_budget_init(&b, INT32_MAX);
	CHECK_U64(b.left, ==, 1u << 30, "a response is capped at 1 GiB");

	CHECK(fl_fetch_should_wait(1000, 0, 0, 1, 500, 0, &until) && until == 1500,
	    "too few bytes: wait max_wait_ms from now");
	CHECK(fl_fetch_should_wait(1200, 1500, 0, 1, 500, 0, &until) && until == 1500,
	    "a parked request keeps its first deadline");
	CHECK(!fl_fetch_should_wait(1500, 1500, 0, 1, 500, 0, &until), "at the deadline: answer");
	CHECK(!fl_fetch_should_wait(1000, 0, 10, 1, 500, 0, &until), "enough bytes: answer");
	CHECK(!fl_fetch_should_wait(1000, 0, 0, 1, 500, 1, &until), "an error: answer at once");
	CHECK(!fl_fetch_should_wait(1000, 0, 0, 1, 0, 0, &until), "max_wait 0: answer at once");
}

/*
 * MaxTimestamp -1 (sarama), plain and compressed: the partition stores the
 * records' largest timestamp with the CRC right, so the time index and
 * ListOffsets by time find them; a right header is stored untouched.
 */
static void
test_max_ts_fixup(void)
{
	static const int codecs[] = { FL_CODEC_NONE, FL_CODEC_GZIP, FL_CODEC_SNAPPY,
	    FL_CODEC_LZ4, FL_CODEC_ZSTD };
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_part_produce_res res;
	struct fl_plog_span sp;
	struct fl_batch_hdr h;
	struct fl_part q;
	struct fl_err err = { 0 };
	uint8_t buf[4096], back[4096], copy[4096];
	char note[256], what[160];
	int64_t off, ts;
	size_t len, i;
	int cause;

	FL_ASSERT(v != NULL && fl_vfs_mkdir(v, "/f") == 0);
	FL_ASSERT(fl_part_open(&q, v, "/f/p-0", &cfg, 1000, NULL, note, sizeof(note), &err) == 0);
	for (i = 0; i < FL_ARRAY_LEN(codecs); i++) {
		int64_t base_ts = 10000 + 1000 * (int64_t)i;	/* records at +0, +1, +2 */

		len = make_batch(buf, sizeof(buf), 3, base_ts, -1, -1, -1, 0);
		if (codecs[i] != FL_CODEC_NONE) {
			struct fl_wr w;

			fl_wr_init_fixed(&w, copy, sizeof(copy));
			fl_wr_raw(&w, buf, FL_BATCH_HDR_BYTES);
			FL_ASSERT(fl_compress(codecs[i], buf + FL_BATCH_HDR_BYTES,
			    len - FL_BATCH_HDR_BYTES, &w) == 0);
			memcpy(buf, copy, w.len);
			len = w.len;
			fl_store_be32(buf + FL_BATCH_OFF_LENGTH, (uint32_t)(len - 12));
			fl_store_be16(buf + FL_BATCH_OFF_ATTRIBUTES, (uint16_t)codecs[i]);
		}
		fl_store_be64(buf + FL_BATCH_OFF_MAX_TS, (uint64_t)-1);
		fl_store_be32(buf + FL_BATCH_OFF_CRC, fl_batch_compute_crc(buf, len));
		snprintf(what, sizeof(what), "%s batch with MaxTimestamp -1 is accepted",
		    fl_codec_name(codecs[i]));
		CHECK_INT(fl_part_produce(&q, 2000, buf, len, 9, &res), ==, 0, what);
		CHECK_INT(fl_part_read(&q, (int64_t)res.base_offset, 1, FL_PART_REPLICA, &sp,
		    &cause), ==, 0, "read it back");
		FL_ASSERT(sp.len == len && fl_vfs_pread_full(sp.file, back, len, sp.pos) == 0);
		CHECK_INT(fl_batch_check(back, len, FL_BATCH_CHECK_RECORDS |
		    FL_BATCH_CHECK_COMPRESSED, &h, NULL), ==, 0, "stored: its CRC is right");
		CHECK_INT(h.max_ts, ==, base_ts + 2, "stored: MaxTimestamp is the records' largest");
	}
	/* a right header: stored byte for byte (apart from offset and epoch) */
	len = make_batch(buf, sizeof(buf), 2, 20000, -1, -1, -1, 0);
	memcpy(copy, buf, len);
	CHECK_INT(fl_part_produce(&q, 2000, buf, len, 9, &res), ==, 0, "a right header");
	CHECK(memcmp(buf + FL_BATCH_OFF_MAGIC, copy + FL_BATCH_OFF_MAGIC,
	    len - FL_BATCH_OFF_MAGIC) == 0, "a right header is not rewritten");
	/* a LogAppendTime batch keeps its header */
	len = make_batch(buf, sizeof(buf), 2, 21000, -1, -1, -1, FL_BATCH_ATTR_LOG_APPEND_TIME);
	fl_store_be64(buf + FL_BATCH_OFF_MAX_TS, (uint64_t)30000);
	fl_store_be32(buf + FL_BATCH_OFF_CRC, fl_batch_compute_crc(buf, len));
	CHECK_INT(fl_part_produce(&q, 2000, buf, len, 9, &res), ==, 0, "a LogAppendTime batch");
	CHECK_INT((int64_t)fl_load_be64(buf + FL_BATCH_OFF_MAX_TS), ==, 30000,
	    "LogAppendTime: MaxTimestamp kept");

	FL_ASSERT(fl_plog_sync(&q.log) == 0);
	fl_part_durable(&q, 2000, q.log.log_end);
	CHECK(fl_part_list_offset(&q, 10001, &off, &ts) == 0 && off == 1 && ts == 10001,
	    "by time: inside the first batch, whose header said -1");
	CHECK(fl_part_list_offset(&q, 11000, &off, &ts) == 0 && off == 3 && ts == 11000,
	    "by time: the gzip batch, whose header said -1");
	CHECK(fl_part_list_offset(&q, 12001, &off, &ts) == 0 && off == 7 && ts == 12001,
	    "by time: inside the snappy batch (decompressed to look)");
	CHECK(fl_part_list_offset(&q, 14002, &off, &ts) == 0 && off == 14 && ts == 14002,
	    "by time: the last record of the zstd batch");
	{
		int32_t ep;

		CHECK(fl_part_list_offset_epoch(&q, -1, -3, &off, &ts, &ep) == 0 &&
		    ts == 30000 && off >= 14, "MAX_TIMESTAMP: the LogAppendTime batch's");
	}
	(void)fl_part_close(&q);
	fl_vfs_mem_free(v);
}

int
main(void)
{
	vfs = fl_vfs_mem_new();
	(void)fl_vfs_mkdir(vfs, "/d");
	memset(&cfg, 0, sizeof(cfg));
	fl_plog_config_default(&cfg.plog);
	cfg.message_bytes_max = 2000;
	cfg.producers_max = 100;
	open_part(1000);
	CHECK(part.is_open, "a new partition opens");
	test_produce();
	test_reads();
	test_list_offsets();
	test_epochs();
	test_crash_and_reopen();
	test_fetch_budget();
	test_damaged_replay();
	test_max_ts_fixup();
	(void)fl_part_close(&part);
	fl_vfs_mem_free(vfs);
	return tap_done();
}
