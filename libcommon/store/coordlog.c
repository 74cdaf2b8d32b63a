/* coordlog.c: the coordinator's output carried out on __consumer_offsets-0. */
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "store/coordlog.h"

int
fl_coordlog_has_records(struct fl_coord *c)
{
	struct fl_coord_out o;

	return fl_coord_out(c, &o)->len > 0;
}

int
fl_coordlog_apply(struct fl_coord *c, struct fl_part *p, int64_t now_ms,
    struct fl_coordlog_done *done)
{
	struct fl_coord_out o;
	uint64_t base = 0, end = 0, pos = 0;
	int rc = 0;

	memset(done, 0, sizeof(*done));
	fl_coord_out(c, &o);
	if (o.len > 0) {
		if (p == NULL) {
			rc = FL_ENOENT;
		} else if (o.roll_first) {
			rc = fl_plog_roll(&p->log, now_ms);
			done->rolled = rc == 0;
		}
		while (rc == 0 && pos < o.len) {
			uint64_t total, at;

			rc = fl_batch_peek_size(o.batches + pos, o.len - pos, &total);
			if (rc != 0)
				break;
			/* the coordinator's own buffer, stamped in place by the append */
			rc = fl_part_append_own(p, now_ms, (uint8_t *)(uintptr_t)(o.batches + pos),
			    (size_t)total, &at);
			if (rc != 0)
				break;
			if (pos == 0)
				base = at;
			done->appended_bytes += total;
			pos += total;
		}
		if (rc == 0)
			end = p->log.log_end;
		done->append_rc = rc;
		fl_coord_stored(c, rc, base, end);
	}
	if (o.has_delete && p != NULL) {
		done->has_deleted = 1;
		done->deleted_before = o.delete_before;
		done->delete_rc = fl_plog_delete_before(&p->log, o.delete_before, &done->deleted);
		fl_coord_deleted(c, done->delete_rc);
	}
	return rc;
}

int
fl_coordlog_replay(struct fl_coord *c, struct fl_part *p)
{
	uint64_t off;
	uint8_t *buf = NULL;
	size_t cap = 0;
	int rc = 0;

	if (p == NULL)
		return fl_coord_replay_done(c, 0);
	for (off = p->log.log_start; off < p->log.log_end;) {
		struct fl_plog_span sp;
		uint64_t pos = 0;

		rc = fl_plog_read(&p->log, off, UINT64_MAX, 4u << 20, &sp);
		if (rc != 0)
			break;
		if (sp.len > cap) {
			uint8_t *nb = realloc(buf, sp.len);

			if (nb == NULL) {
				rc = FL_ENOMEM;
				break;
			}
			buf = nb;
			cap = sp.len;
		}
		if ((rc = fl_vfs_pread_full(sp.file, buf, sp.len, sp.pos)) != 0)
			break;
		while (pos + FL_BATCH_LOG_OVERHEAD <= sp.len) {
			uint64_t total;

			if (fl_batch_peek_size(buf + pos, sp.len - pos, &total) != 0 ||
			    total > sp.len - pos)
				break;
			fl_coord_replay(c, buf + pos, (size_t)total);
			pos += total;
		}
		off = sp.next_offset;
	}
	free(buf);
	if (rc != 0 && rc != FL_ENOENT)
		return rc;
	return fl_coord_replay_done(c, p->hw);
}
