/*
 * credstore.h: the `users` file of a data directory (codec/creds.h) on
 * disk: read, and written durably (fl_durable_write: temp, fsync, rename,
 * fsync dir; BLAKE2b trailer) with mode 0600.  A missing file is
 * FL_ENOENT (no users); a damaged one FL_ECORRUPT: refuse, never replace.
 *
 * Writers (`flume-serve user ...` while a broker runs, and the broker's
 * admin verbs) serialise through an flock on DIR/users.lock, held around
 * load → change → store (fl_credstore_lock, in os/ because it is a
 * system call; this module only reads and writes the file).
 * The broker notices a change by the file's identity (fl_credstore_stamp:
 * inode, size, mtime) and reloads.
 * Layer: store.  Errors: 0 or FL_E*, with a message in err naming the file.
 */
#ifndef FL_CREDSTORE_H
#define FL_CREDSTORE_H

#include <stdint.h>

#include "base/err.h"
#include "codec/creds.h"
#include "store/vfs.h"

int fl_credstore_load(struct fl_vfs *v, const char *dir, struct fl_creds *c,
    struct fl_err *err);
int fl_credstore_store(struct fl_vfs *v, const char *dir,
    const struct fl_creds *c, struct fl_err *err);

#endif
