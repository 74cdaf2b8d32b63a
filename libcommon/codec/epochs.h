/*
 * epochs.h: the text formats of two small per-partition checkpoint files,
 * strictly encoded and decoded.  Both are stored with fl_durable_write, so
 * what reaches these functions is the content without its BLAKE2b
 * trailer, already checked.  See flume-log(5).
 *
 * leader-epoch-checkpoint: which leader epoch began at which offset.
 *   0\n                  version
 *   N\n                  entry count, 0..FL_EPOCHS_MAX
 *   EPOCH START\n        N lines; epochs 0..INT32_MAX strictly ascending,
 *                        start offsets 0..INT64_MAX strictly ascending
 * hw: the partition's high watermark.
 *   0\n                  version
 *   OFFSET\n             0..INT64_MAX
 *
 * Numbers are plain decimal: digits only, no sign, no leading zero (except
 * "0" itself), no blanks.  Anything else, and any byte after the last
 * line, is damage: the decoders reject it rather than guess, and the one
 * encoder writes exactly what they accept, so decode(encode(x)) == x and a
 * file that decodes re-encodes to the same bytes.
 *
 * Ownership: decoders fill caller arrays; nothing is allocated.
 * Errors: 0, FL_ECORRUPT for bad text (err, which may be NULL, says which
 * line and why), FL_ERANGE when a valid file holds more entries than the
 * caller's array, FL_EINVAL when asked to encode what the format forbids,
 * or the writer's error (FL_EFULL, FL_ENOMEM).
 * Pure: no I/O, no allocation except through the caller's struct fl_wr.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_EPOCHS_H
#define FL_EPOCHS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rd.h"

#define FL_EPOCHS_MAX 4096	/* entries a checkpoint may hold; the oldest go first */
/* The longest valid leader-epoch-checkpoint text. */
#define FL_EPOCHS_TEXT_BYTES_MAX (2 + 5 + FL_EPOCHS_MAX * (10 + 1 + 19 + 1))

struct fl_epoch {
	int32_t  epoch;		/* 0..INT32_MAX */
	uint64_t start_offset;	/* first offset written in this epoch, <= INT64_MAX */
};

/*
 * Append the checkpoint text for e[0..n) to w.  FL_EINVAL (nothing
 * written) if n > FL_EPOCHS_MAX or the entries are out of range or not
 * strictly ascending in both fields; else 0 or w's error.
 */
int fl_epochs_encode(struct fl_wr *w, const struct fl_epoch *e, size_t n);

/*
 * Decode checkpoint text p[0..len) into e[0..*n), cap entries available
 * (FL_EPOCHS_MAX always suffices).  On any error *n is 0.
 */
int fl_epochs_decode(const uint8_t *p, size_t len, struct fl_epoch *e, size_t cap,
    size_t *n, struct fl_err *err);

/* Append the hw file text for hw to w: FL_EINVAL if hw > INT64_MAX. */
int fl_epochs_hw_encode(struct fl_wr *w, uint64_t hw);

/* Decode hw file text p[0..len) into *hw (untouched on error). */
int fl_epochs_hw_decode(const uint8_t *p, size_t len, uint64_t *hw, struct fl_err *err);

#endif
