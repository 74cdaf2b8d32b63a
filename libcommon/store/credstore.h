/*
 * credstore.h: the `users` file of a data directory (codec/creds.h) on
 * disk: read, and written durably (fl_durable_write: temp, fsync, rename,
 * fsync dir; BLAKE2b trailer) with mode 0600.  A missing file is
 * FL_ENOENT (no users); a damaged one FL_ECORRUPT: refuse, never replace.
 *
 * Writers (`flume-serve user ...` while a broker runs, and the broker's
 * admin verbs) serialise through an flock on DIR/users.lock, held around
 * load → change → store (fl_lock_file_wait in os/lock.h, because it is
 * a system call; this module only reads and writes the file).  The
 * program does that: flume-serve/users.c's users_apply.
 * The broker notices a change by the file's identity (inode, size, mtime:
 * users_stamp in flume-serve/users.c, a stat(2)) and reloads.
 *
 * Mode 0600: the real vfs creates files 0600 (less the umask, which only
 * narrows it), and store first removes a USERS.tmp a crash may have left
 * (which could carry another mode), so the temp file is always new and
 * private, and the rename gives the file its mode.  That needs the
 * caller's lock: two writers must not share the temp name.
 * Layer: store.  Errors: 0 or FL_E*, with a message in err naming the file.
 */
#ifndef FL_CREDSTORE_H
#define FL_CREDSTORE_H

#include <stdint.h>

#include "base/err.h"
#include "codec/creds.h"
#include "store/vfs.h"

/*
 * Read DIR/users into c (replaced on success, unchanged on failure): 0,
 * FL_ENOENT (no file: no users), FL_ECORRUPT (damaged: trailer or
 * content), FL_ERANGE (a newer format), FL_ESYS (errno), FL_ENOMEM.
 * The bytes read are wiped before they are freed.
 */
int fl_credstore_load(struct fl_vfs *v, const char *dir, struct fl_creds *c,
    struct fl_err *err);
/*
 * Write c as DIR/users durably (see above; caller holds the lock): 0,
 * FL_ERANGE (larger than FL_DURABLE_BYTES_MAX), FL_ESYS, FL_ENOMEM.
 */
int fl_credstore_store(struct fl_vfs *v, const char *dir,
    const struct fl_creds *c, struct fl_err *err);

#endif
