/*
 * fuzz-seg.c: the partition log against arbitrary segment files.
 *
 * Input: byte 0 picks what the bytes are; the rest is split into an
 * optional .index file (its length in bytes 1-2 when byte 0 is odd) and
 * the .log file.  The log is opened on the in-memory disk (recovery runs),
 * every offset is read back, and every span served must be whole batches
 * that pass their CRC: a damaged file may lose its tail, never serve a
 * torn record.  A strict open (FL_PLOG_VERIFY) must serve the same or
 * refuse.  Then an append, a sync, a crash and a reopen.
 *
 * The whole input is also fed to the checkpoint decoders (codec/epochs.h):
 * whatever decodes must re-encode to the very same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "codec/batch.h"
#include "codec/epochs.h"
#include "store/plog.h"
#include "store/vfs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
put(struct fl_vfs *v, const char *path, const uint8_t *p, size_t n)
{
	struct fl_file *f;

	if (fl_vfs_open(v, path, FL_VFS_CREATE, &f) != 0)
		return;
	if (n > 0)
		(void)fl_vfs_pwrite(f, p, n, 0);
	(void)fl_vfs_sync(f);
	fl_vfs_close(f);
}

/* Every span from log_start on must be whole, CRC-clean batches. */
static void
check_reads(struct fl_plog *l)
{
	uint64_t off = l->log_start;
	int steps = 0;

	while (off < l->log_end && steps++ < 10000) {
		struct fl_plog_span sp;
		uint8_t *buf;
		uint64_t pos = 0;

		if (fl_plog_read(l, off, UINT64_MAX, 1 + (off % 3) * 4096, &sp) != 0)
			abort();	/* every offset below log_end is readable */
		if (sp.first_offset > off || sp.next_offset <= off || sp.len == 0 ||
		    sp.len > (64u << 20))
			abort();
		buf = malloc(sp.len);
		if (buf == NULL)
			return;
		if (fl_vfs_pread_full(sp.file, buf, sp.len, sp.pos) != 0)
			abort();
		while (pos < sp.len) {
			uint64_t total;

			if (fl_batch_peek_size(buf + pos, sp.len - pos, &total) != 0 ||
			    total > sp.len - pos ||
			    fl_batch_check(buf + pos, (size_t)total, 0, NULL, NULL) != 0)
				abort();	/* a torn or corrupt batch was served */
			pos += total;
		}
		free(buf);
		off = sp.next_offset;
	}
}

/* Decoders accept only what the encoders write, byte for byte. */
static void
check_checkpoints(const uint8_t *data, size_t size)
{
	static struct fl_epoch e[FL_EPOCHS_MAX];
	struct fl_wr w;
	uint64_t hw;
	size_t n;

	fl_wr_init(&w, FL_EPOCHS_TEXT_BYTES_MAX);
	if (fl_epochs_decode(data, size, e, FL_EPOCHS_MAX, &n, NULL) == 0 &&
	    (fl_epochs_encode(&w, e, n) != 0 || w.len != size ||
	    memcmp(w.p, data, size) != 0))
		abort();
	fl_wr_reset(&w);
	if (fl_epochs_hw_decode(data, size, &hw, NULL) == 0 &&
	    (fl_epochs_hw_encode(&w, hw) != 0 || w.len != size ||
	    memcmp(w.p, data, size) != 0))
		abort();
	fl_wr_free(&w);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_vfs *v;
	struct fl_plog l;
	struct fl_plog_config cfg;
	struct fl_plog_recovery rec;
	struct fl_err err;
	size_t idx_len = 0;
	uint8_t mode;

	static int is_ready;

	if (!is_ready) {
		if (fl_csum_init() != 0)
			abort();
		is_ready = 1;
	}
	check_checkpoints(data, size);
	if (size < 1)
		return 0;
	mode = data[0];
	data++;
	size--;
	if ((mode & 1) && size >= 2) {
		idx_len = (size_t)data[0] << 8 | data[1];
		data += 2;
		size -= 2;
		if (idx_len > size)
			idx_len = size;
	}
	v = fl_vfs_mem_new();
	if (v == NULL)
		return 0;
	fl_vfs_mkdir(v, "/p");
	fl_vfs_sync_dir(v, "/");
	if (mode & 1)
		put(v, "/p/00000000000000000000.index", data, idx_len);
	if (mode & 8) {
		/*
		 * Make every whole batch's CRC right, so the search reaches
		 * what lies behind it: offsets, counts, epochs, lengths.
		 */
		uint8_t *log = malloc(size - idx_len + 1);
		size_t pos = 0, n = size - idx_len;

		if (log == NULL) {
			fl_vfs_mem_free(v);
			return 0;
		}
		memcpy(log, data + idx_len, n);
		while (n - pos >= FL_BATCH_HDR_BYTES) {
			uint64_t total;

			if (fl_batch_peek_size(log + pos, n - pos, &total) != 0 || total > n - pos)
				break;
			fl_store_be32(log + pos + FL_BATCH_OFF_CRC,
			    fl_batch_compute_crc(log + pos, (size_t)total));
			pos += total;
		}
		put(v, "/p/00000000000000000000.log", log, n);
		free(log);
	} else {
		put(v, "/p/00000000000000000000.log", data + idx_len, size - idx_len);
	}
	fl_vfs_sync_dir(v, "/p");
	fl_plog_config_default(&cfg);
	cfg.index_interval_bytes = 64 + (mode >> 2) * 16;
	cfg.write_buffer_bytes = (mode & 2) ? 4096 : 0;

	/* read-only first: it must not change a byte, and still never fail open */
	if (fl_plog_open(&l, v, "/p", &cfg, FL_PLOG_READONLY, 0, &rec, &err) == 0) {
		check_reads(&l);
		fl_plog_close(&l);
	}
	if (fl_plog_open(&l, v, "/p", &cfg, FL_PLOG_READONLY | FL_PLOG_VERIFY, 0, &rec,
	    &err) == 0) {
		check_reads(&l);
		fl_plog_close(&l);
	}
	if (fl_plog_open(&l, v, "/p", &cfg, 0, 0, &rec, &err) == 0) {
		uint64_t t;
		int64_t ts;
		struct fl_wr w;
		struct fl_batch_builder b;
		struct fl_slice val = { (const uint8_t *)"fuzz", 4 };

		if (l.log_start > l.log_end)
			abort();
		check_reads(&l);
		(void)fl_plog_offset_for_time(&l, (int64_t)(mode * 1000), &t, &ts);
		fl_wr_init(&w, 1 << 16);
		fl_batch_begin(&b, &w, 1, -1, -1, -1, 0);
		fl_batch_add(&b, 1, NULL, &val, NULL, 0);
		if (fl_batch_end(&b) == 0 && l.log_end < INT64_MAX / 2)
			(void)fl_plog_append(&l, w.p, w.len, FL_PLOG_APPEND_ASSIGN, 1, 0, NULL);
		fl_wr_free(&w);
		(void)fl_plog_sync(&l);
		if (l.log_end > l.log_start && (mode & 4))
			(void)fl_plog_truncate(&l, l.log_start + (l.log_end - l.log_start) / 2);
		fl_vfs_mem_crash(v, mode | 1);
		fl_plog_close(&l);
		if (fl_plog_open(&l, v, "/p", &cfg, 0, 0, &rec, &err) == 0) {
			check_reads(&l);
			fl_plog_close(&l);
		}
	}
	fl_vfs_mem_free(v);
	return 0;
}
