/*
 * vfs.h: the narrow file interface all storage code goes through (SQLite's
 * VFS idea), with two backends:
 *
 *   fl_vfs_real()    real files through the kernel (os/vfs_real.h);
 *   fl_vfs_mem_new() an in-memory disk for tests and the simulator, that
 *                    remembers what was made durable (fsync of a file for
 *                    its bytes, fsync of its directory for its name) and on
 *                    fl_vfs_mem_crash() throws away everything else.
 *
 * Storage code never asks which backend it runs on.  The one concession to
 * speed is fl_vfs_fd(): the real backend exposes its descriptor so the
 * broker can sendfile(2) from it; the memory backend answers -1 and callers
 * fall back to fl_vfs_pread().
 *
 * Ownership: fl_vfs_open() returns a file the caller must fl_vfs_close().
 * fl_vfs_real() is a static object; a memory vfs is freed by
 * fl_vfs_mem_free() after every file on it is closed.
 * Errors: 0 or negative FL_E*; FL_ENOENT for a missing path; FL_ESYS with
 * errno otherwise.  Not thread-safe per file, except that pread/pwrite/sync
 * of one real file may run concurrently (the broker's sync thread relies on
 * that).  A memory vfs is not thread-safe at all.
 * Layer: store (may include base/, codec/, sm/ and store/; files only through the vfs).
 */
#ifndef FL_VFS_H
#define FL_VFS_H

#include <stddef.h>
#include <stdint.h>

struct fl_vfs;
struct fl_file;

enum {
	FL_VFS_RDONLY = 1,	/* open for reading only */
	FL_VFS_CREATE = 2,	/* create if missing */
	FL_VFS_EXCL   = 4	/* with CREATE: fail with FL_EEXIST if present */
};

struct fl_vfs_ops {
	int  (*open)(struct fl_vfs *, const char *path, int flags, struct fl_file **);
	void (*close)(struct fl_file *);
	long long (*pread)(struct fl_file *, void *, size_t, uint64_t off);
	int  (*pwrite)(struct fl_file *, const void *, size_t, uint64_t off);
	int  (*size)(struct fl_file *, uint64_t *);
	int  (*truncate)(struct fl_file *, uint64_t);
	int  (*sync)(struct fl_file *);
	int  (*fd)(struct fl_file *);
	int  (*mkdir)(struct fl_vfs *, const char *path);
	int  (*unlink)(struct fl_vfs *, const char *path);
	int  (*rmdir)(struct fl_vfs *, const char *path);
	int  (*rename)(struct fl_vfs *, const char *from, const char *to);
	int  (*sync_dir)(struct fl_vfs *, const char *path);
	int  (*stat)(struct fl_vfs *, const char *path, int *is_dir, uint64_t *size);
	int  (*list)(struct fl_vfs *, const char *dir, char ***names, size_t *n);
};

struct fl_vfs {
	const struct fl_vfs_ops *ops;
	void *impl;
};

/* Open path; flags from FL_VFS_*.  Files are opened read-write unless RDONLY. */
static inline int fl_vfs_open(struct fl_vfs *v, const char *path, int flags, struct fl_file **f)
{ return v->ops->open(v, path, flags, f); }
/* Close; NULL is a no-op. */
void fl_vfs_close(struct fl_file *f);
/* Read up to n bytes at off; returns bytes read (0 at end) or FL_E*. */
long long fl_vfs_pread(struct fl_file *f, void *buf, size_t n, uint64_t off);
/* Read exactly n bytes at off, or FL_ESHORT if the file ends first. */
int fl_vfs_pread_full(struct fl_file *f, void *buf, size_t n, uint64_t off);
/* Write all n bytes at off (extending the file); 0 or FL_E*. */
int fl_vfs_pwrite(struct fl_file *f, const void *buf, size_t n, uint64_t off);
int fl_vfs_size(struct fl_file *f, uint64_t *size);
int fl_vfs_truncate(struct fl_file *f, uint64_t size);
/* Make the file's bytes durable (fdatasync). */
int fl_vfs_sync(struct fl_file *f);
/* The kernel descriptor, or -1 on a backend without one. */
int fl_vfs_fd(struct fl_file *f);
struct fl_vfs *fl_vfs_of(struct fl_file *f);

/*
 * Create a directory; an existing directory is not an error.  The real
 * backend creates directories 0700 and files 0600 (less the umask).
 */
static inline int fl_vfs_mkdir(struct fl_vfs *v, const char *p) { return v->ops->mkdir(v, p); }
/*
 * Create dir and every missing directory above it, like mkdir -p, and
 * make each new name durable (by syncing the directory it was made in).
 * 0 if dir is already a directory; FL_ESYS with ENOTDIR if it or a
 * directory above it is something else; FL_ERANGE for a path over 4095
 * bytes.
 */
int fl_vfs_mkdirs(struct fl_vfs *v, const char *dir);
static inline int fl_vfs_unlink(struct fl_vfs *v, const char *p) { return v->ops->unlink(v, p); }
static inline int fl_vfs_rmdir(struct fl_vfs *v, const char *p) { return v->ops->rmdir(v, p); }
/* Atomic replace of 'to' by 'from'. */
static inline int fl_vfs_rename(struct fl_vfs *v, const char *a, const char *b) { return v->ops->rename(v, a, b); }
/* Make the directory's entries (creations, renames, unlinks) durable. */
static inline int fl_vfs_sync_dir(struct fl_vfs *v, const char *p) { return v->ops->sync_dir(v, p); }
/* FL_ENOENT if missing; is_dir and size may be NULL. */
static inline int fl_vfs_stat(struct fl_vfs *v, const char *p, int *is_dir, uint64_t *size) { return v->ops->stat(v, p, is_dir, size); }
/*
 * Names in dir (no "." or ".."), sorted by strcmp.  *names is an owned
 * array of owned strings: free with fl_vfs_list_free().
 */
int fl_vfs_list(struct fl_vfs *v, const char *dir, char ***names, size_t *n);
void fl_vfs_list_free(char **names, size_t n);

/* ---- in-memory backend ---- */

struct fl_vfs *fl_vfs_mem_new(void);
void fl_vfs_mem_free(struct fl_vfs *v);
/*
 * Simulate a power cut: every file goes back to its last synced bytes and
 * every directory to its last synced entries.  With torn_seed != 0 a file
 * whose unsynced bytes extend its synced ones keeps a pseudo-random prefix
 * of them (a torn write), as a real disk may.  Files open before the crash
 * stay valid handles but fail every operation with FL_ESYS (EIO); close them.
 */
void fl_vfs_mem_crash(struct fl_vfs *v, uint64_t torn_seed);

/*
 * A sector that reads back wrong: up to len bytes at off of the file at
 * path are overwritten with pseudo-random bytes from seed (each one
 * differs from what it replaces), in its durable bytes and in what a
 * running process reads, as a disk returning a damaged sector does.  The
 * damage stops at the durable end.  0; FL_ENOENT if path names no file
 * that a crash would keep; FL_ERANGE if off is at or past its durable end.
 */
int fl_vfs_mem_corrupt(struct fl_vfs *v, const char *path, uint64_t off, size_t len,
    uint64_t seed);

/* The kinds of call fl_vfs_mem_fail() can make fail. */
enum fl_vfs_mem_op {
	FL_VFS_MEM_OPEN,		/* open */
	FL_VFS_MEM_READ,		/* pread, size */
	FL_VFS_MEM_WRITE,		/* pwrite, truncate */
	FL_VFS_MEM_SYNC,		/* sync, sync_dir */
	FL_VFS_MEM_DIR,			/* stat, list, mkdir, unlink, rmdir, rename */
	FL_VFS_MEM_OPS
};

/*
 * Fault injection, for tests: from the nth call of kind op on (1: the
 * next one), every such call fails with FL_ESYS and errno err_no, doing
 * nothing, as a process out of descriptors (EMFILE) or a dead disk (EIO)
 * sees it.  nth == 0 clears the fault.  A crash does not clear it.
 */
void fl_vfs_mem_fail(struct fl_vfs *v, enum fl_vfs_mem_op op, uint64_t nth,
    int err_no);

/* ---- durable small files ---- */

#define FL_DURABLE_BYTES_MAX (16u << 20)

/*
 * Write data as dir/name durably: dir/name.tmp, its bytes + a BLAKE2b-256
 * trailer, sync, rename over dir/name, sync dir.  A crash leaves the old or
 * the new file, never a mix.
 */
int fl_durable_write(struct fl_vfs *v, const char *dir, const char *name,
    const void *data, size_t len);
/*
 * Read dir/name written by fl_durable_write: returns its content in *data
 * (owned by the caller, free()), FL_ENOENT if missing, FL_ECORRUPT if the
 * trailer does not match or the file is larger than FL_DURABLE_BYTES_MAX.
 */
int fl_durable_read(struct fl_vfs *v, const char *dir, const char *name,
    uint8_t **data, size_t *len);

#endif
