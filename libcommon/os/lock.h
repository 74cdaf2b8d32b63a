/*
 * lock.h: who may write a directory, settled by an exclusive flock(2) on a
 * lock file in it: the broker holds DATA/lock while it runs, flume-seg's
 * writing commands take the same lock before they touch a partition of a
 * data directory, so the two never write one file at once.  The lock goes
 * with the descriptor (and so with the process, however it ends).
 * Layer: os.  Errors: 0, FL_EBUSY (someone holds it), FL_ENOENT (no lock
 * file, or no such directory, and create not asked), FL_ESYS (errno).
 */
#ifndef FL_LOCK_H
#define FL_LOCK_H

#include <stddef.h>

#define FL_LOCK_FILE "lock"

/* Lock dir/lock (creating the file, mode 0600, if create) without waiting; *fd keeps it. */
int fl_lock_dir(const char *dir, int create, int *fd);
/*
 * Lock dir/name (creating it, mode 0600, if missing), waiting up to
 * wait_ms (0: one try) for the holder to let go; *fd keeps it.  For locks
 * held around a short edit (DIR/users.lock around load, change, store),
 * not for a daemon's life.  0, FL_EBUSY (still held after wait_ms),
 * FL_ENOENT (no such directory), FL_ESYS (errno).
 */
int fl_lock_file_wait(const char *dir, const char *name, int wait_ms, int *fd);
/* Release (close); -1 is a no-op. */
void fl_lock_release(int fd);

/*
 * The data directory that a partition directory or a segment file path
 * lives in, as "PARENT" for a lock: the partition is PARENT/TOPIC-N.
 * 0, or FL_ERANGE if it does not fit in buf[n].
 */
int fl_lock_data_dir_of(const char *path, char *buf, size_t n);

#endif
