/*
 * ctlstore.h: the controller's durable epoch store: one file `state` in
 * its state directory, in the cluster.meta text format (codec/cmeta.h):
 * the controller epoch, the brokers, and per partition its leader epoch,
 * leader (role `leader`, or `offline` with leader -1), replicas and
 * committed ISR.  Written with fl_durable_write (BLAKE2b trailer, temp +
 * fsync + rename + directory fsync), so a crash leaves the old state or
 * the new one.
 *
 * Monotonic: a save that would move the controller epoch or any leader
 * epoch back, or give one epoch two leaders (fl_cmeta_check_advance), is
 * refused and nothing is written.  A new epoch is durable before save
 * returns, so the controller tells no broker of it before.  A missing
 * file is an empty state (epoch 0); a damaged one or one a newer flume
 * wrote is refused, never replaced.
 *
 * The directory lock (one controller per state dir) is the program's
 * (os/lock.h): this module touches only the vfs.
 * Layer: store.  Errors: 0 or FL_E* with a sentence in err naming the file.
 */
#ifndef FL_CTLSTORE_H
#define FL_CTLSTORE_H

#include "base/err.h"
#include "codec/cmeta.h"
#include "codec/topics.h"
#include "store/vfs.h"

#define FL_CTLSTORE_FILE "state"
#define FL_CTLSTORE_TOPICS "topics"	/* the topics file format (codec/topics.h) */

/*
 * Write m as dir/name durably (fl_durable_write of fl_cmeta_encode): a
 * broker's cluster.meta.  0 or FL_E* (errno after FL_ESYS).
 */
int fl_cmeta_save(struct fl_vfs *v, const char *dir, const char *name, const struct fl_cmeta *m);

/* Load dir/state into *st (replaced on success; an empty state if missing). */
int fl_ctlstore_load(struct fl_vfs *v, const char *dir, struct fl_cmeta *st,
    struct fl_err *err);
/*
 * Replace the stored state *cur with *next, durably, if it only moves
 * forward; on success *cur becomes a copy of *next.
 */
int fl_ctlstore_save(struct fl_vfs *v, const char *dir, struct fl_cmeta *cur,
    const struct fl_cmeta *next, struct fl_err *err);
/*
 * A controller starting on dir: the stored controller epoch + 1, durably,
 * in *cur (loaded) and *epoch.  A controller with an older epoch is then
 * fenced by every broker that hears of this one.
 */
int fl_ctlstore_begin(struct fl_vfs *v, const char *dir, struct fl_cmeta *cur,
    int64_t *epoch, struct fl_err *err);

/*
 * The controller's topic list (names, partition counts, configs) in
 * dir/topics, beside the state: a missing file is an empty list, a
 * damaged one is refused.  The controller writes it before the state
 * whenever both changed (sm/ctl.h says why a crash between the two is
 * safe either way).
 */
int fl_ctlstore_load_topics(struct fl_vfs *v, const char *dir, struct fl_topic_list *l,
    struct fl_err *err);
int fl_ctlstore_save_topics(struct fl_vfs *v, const char *dir, const struct fl_topic_list *l,
    struct fl_err *err);

#endif
