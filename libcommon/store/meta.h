/*
 * meta.h: a data directory's `meta` file: the format version, the node id
 * the directory belongs to and the cluster id, written once at the
 * directory's first start (durably, with a BLAKE2b trailer) and checked
 * at every later one.
 *
 *   format 2
 *   node N
 *   cluster HEX
 *
 * Format 2 differs from 1 in __consumer_offsets-0 only: a format-1
 * directory may hold offset and group records in flume's legacy layout
 * (codec/offsets.h), and the broker migrates it once (DESIGN section 7.2)
 * before it stores format 2.  A format-1 file still reads (m->format says
 * which); fl_meta_store always writes FL_META_FORMAT.
 *
 * The parser is strict: an unknown line, a missing or repeated key, a
 * number out of range or trailing junk is FL_ECORRUPT; a newer format is
 * FL_ERANGE (a newer flume wrote it: refuse rather than guess).  A missing
 * or damaged file is a reason to refuse, never to write a new one over an
 * existing directory's data: the caller decides what a missing file means.
 * Layer: store.  Errors: 0 or FL_E* with a message in err naming the file.
 */
#ifndef FL_META_H
#define FL_META_H

#include <stdint.h>

#include "base/err.h"
#include "store/vfs.h"

#define FL_META_FILE "meta"
#define FL_META_FORMAT 2
#define FL_META_CLUSTER_ID_MAX 64

struct fl_meta {
	int format;			/* as read: 1 or 2 */
	int32_t node_id;
	char cluster_id[FL_META_CLUSTER_ID_MAX + 1];
};

/* Parse the file's text (trailer already removed). */
int fl_meta_decode(struct fl_meta *m, const uint8_t *p, size_t n);
/* Read DIR/meta: 0, FL_ENOENT (none), FL_ECORRUPT, FL_ERANGE (newer format), FL_ESYS. */
int fl_meta_load(struct fl_vfs *v, const char *dir, struct fl_meta *m, struct fl_err *err);
/* Write DIR/meta durably. */
int fl_meta_store(struct fl_vfs *v, const char *dir, const struct fl_meta *m,
    struct fl_err *err);

#endif
