/*
 * vfs_mem.c: the in-memory disk.  Two namespaces map paths to inodes: the
 * current one (what a running process sees) and the durable one (what
 * survives a crash), updated per directory by sync_dir.  Each inode keeps
 * its current bytes and its durable bytes, updated by sync.  Inodes live
 * until the vfs is freed, so a crash never leaves a dangling pointer.
 * Lookups are linear: this disk holds test-sized data sets.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/rng.h"
#include "store/vfs.h"
#include "store/vfs_impl.h"

struct inode {
	uint8_t *cur, *dur;
	size_t cur_len, cur_cap, dur_len;
	int is_dir;
	struct inode *next_all;
};

struct entry {
	char *path;
	struct inode *ino;
};

struct ns {
	struct entry *e;
	size_t n, cap;
};

struct fault {
	uint64_t calls_left;		/* calls to let through first; 0: fail now */
	int err_no;			/* 0: no fault */
};

struct mem {
	struct fl_vfs vfs;
	struct ns cur, dur;
	struct inode *all;
	uint64_t gen;
	struct fault fault[FL_VFS_MEM_OPS];
};

struct mem_file {
	struct fl_file base;
	struct inode *ino;
	uint64_t gen;
	int is_rdonly;
};

static struct mem *M(struct fl_vfs *v) { return v->impl; }

static int
eio(void)
{
	errno = EIO;
	return FL_ESYS;
}

/* 1 if this call of kind op must fail (errno then set). */
static int
is_failing(struct mem *m, enum fl_vfs_mem_op op)
{
	struct fault *f = &m->fault[op];

	if (f->err_no == 0)
		return 0;
	if (f->calls_left > 0) {
		f->calls_left--;
		return 0;
	}
	errno = f->err_no;
	return 1;
}

void
fl_vfs_mem_fail(struct fl_vfs *v, enum fl_vfs_mem_op op, uint64_t nth, int err_no)
{
	struct fault *f = &M(v)->fault[op];

	FL_ASSERT(op < FL_VFS_MEM_OPS);
	f->err_no = nth == 0 ? 0 : err_no;
	f->calls_left = nth == 0 ? 0 : nth - 1;
}

static struct entry *
ns_find(struct ns *ns, const char *path)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		if (strcmp(ns->e[i].path, path) == 0)
			return &ns->e[i];
	return NULL;
}

static int
ns_add(struct ns *ns, const char *path, struct inode *ino)
{
	if (ns->n == ns->cap) {
		size_t ncap = ns->cap ? ns->cap * 2 : 32;
		struct entry *ne = realloc(ns->e, ncap * sizeof(*ne));

		if (ne == NULL)
			return FL_ENOMEM;
		ns->e = ne;
		ns->cap = ncap;
	}
	ns->e[ns->n].path = strdup(path);
	if (ns->e[ns->n].path == NULL)
		return FL_ENOMEM;
	ns->e[ns->n].ino = ino;
	ns->n++;
	return 0;
}

static void
ns_del(struct ns *ns, struct entry *e)
{
	free(e->path);
	*e = ns->e[--ns->n];
}

/* Length of the parent part of path ("a/b" -> 1, "/a" -> 1 for "/", "a" -> 0). */
static size_t
parent_len(const char *path)
{
	const char *s = strrchr(path, '/');

	if (s == NULL)
		return 0;
	if (s == path)
		return 1;
	return (size_t)(s - path);
}

static int
is_child_of(const char *path, const char *dir)
{
	size_t pl = parent_len(path), dl = strlen(dir);

	while (dl > 1 && dir[dl - 1] == '/')
		dl--;
	return pl == dl && strncmp(path, dir, dl) == 0;
}

/* 0 if the parent directory of path exists (or is the root). */
static int
check_parent(struct mem *m, const char *path)
{
	size_t pl = parent_len(path);
	char buf[4096];
	struct entry *e;

	if (pl == 0 || (pl == 1 && path[0] == '/'))
		return 0;
	if (pl >= sizeof(buf))
		return FL_ERANGE;
	memcpy(buf, path, pl);
	buf[pl] = '\0';
	e = ns_find(&m->cur, buf);
	if (e == NULL)
		return FL_ENOENT;
	if (!e->ino->is_dir) {
		errno = ENOTDIR;
		return FL_ESYS;
	}
	return 0;
}

static struct inode *
inode_new(struct mem *m, int is_dir)
{
	struct inode *ino = calloc(1, sizeof(*ino));

	if (ino != NULL) {
		ino->is_dir = is_dir;
		ino->next_all = m->all;
		m->all = ino;
	}
	return ino;
}

static int
mem_open(struct fl_vfs *v, const char *path, int flags, struct fl_file **out)
{
	struct mem *m = M(v);
	struct entry *e = ns_find(&m->cur, path);
	struct inode *ino;
	struct mem_file *f;
	int rc;

	if (is_failing(m, FL_VFS_MEM_OPEN))
		return FL_ESYS;
	if (e != NULL && (flags & FL_VFS_CREATE) && (flags & FL_VFS_EXCL))
		return FL_EEXIST;
	if (e == NULL) {
		if (!(flags & FL_VFS_CREATE))
			return FL_ENOENT;
		if ((rc = check_parent(m, path)) != 0)
			return rc;
		if ((ino = inode_new(m, 0)) == NULL)
			return FL_ENOMEM;
		if ((rc = ns_add(&m->cur, path, ino)) != 0)
			return rc;
	} else {
		ino = e->ino;
		if (ino->is_dir) {
			errno = EISDIR;
			return FL_ESYS;
		}
	}
	f = calloc(1, sizeof(*f));
	if (f == NULL)
		return FL_ENOMEM;
	f->base.vfs = v;
	f->ino = ino;
	f->gen = m->gen;
	f->is_rdonly = (flags & FL_VFS_RDONLY) != 0;
	*out = &f->base;
	return 0;
}

static void mem_close(struct fl_file *f) { free(f); }

static struct mem_file *
live(struct fl_file *ff)
{
	struct mem_file *f = (struct mem_file *)ff;

	return f->gen == M(ff->vfs)->gen ? f : NULL;
}

static long long
mem_pread(struct fl_file *ff, void *buf, size_t n, uint64_t off)
{
	struct mem_file *f = live(ff);

	if (is_failing(M(ff->vfs), FL_VFS_MEM_READ))
		return FL_ESYS;
	if (f == NULL)
		return eio();
	if (off >= f->ino->cur_len)
		return 0;
	if (n > f->ino->cur_len - off)
		n = f->ino->cur_len - (size_t)off;
	memcpy(buf, f->ino->cur + off, n);
	return (long long)n;
}

static int
grow(struct inode *ino, size_t len)
{
	if (len > ino->cur_cap) {
		size_t ncap = ino->cur_cap ? ino->cur_cap : 4096;
		uint8_t *p;

		while (ncap < len)
			ncap *= 2;
		p = realloc(ino->cur, ncap);
		if (p == NULL)
			return FL_ENOMEM;
		ino->cur = p;
		ino->cur_cap = ncap;
	}
	if (len > ino->cur_len)
		memset(ino->cur + ino->cur_len, 0, len - ino->cur_len);
	return 0;
}

static int
mem_pwrite(struct fl_file *ff, const void *buf, size_t n, uint64_t off)
{
	struct mem_file *f = live(ff);
	int rc;

	if (is_failing(M(ff->vfs), FL_VFS_MEM_WRITE))
		return FL_ESYS;
	if (f == NULL)
		return eio();
	if (f->is_rdonly) {
		errno = EBADF;
		return FL_ESYS;
	}
	/* like pwrite(2): writing nothing does not extend the file (and an
	 * empty inode has no buffer to memcpy into) */
	if (n == 0)
		return 0;
	if (off > SIZE_MAX / 2 || n > SIZE_MAX / 2)
		return FL_ERANGE;
	if ((rc = grow(f->ino, (size_t)off + n)) != 0)
		return rc;
	memcpy(f->ino->cur + off, buf, n);
	if (off + n > f->ino->cur_len)
		f->ino->cur_len = (size_t)off + n;
	return 0;
}

static int
mem_size(struct fl_file *ff, uint64_t *size)
{
	struct mem_file *f = live(ff);

	if (is_failing(M(ff->vfs), FL_VFS_MEM_READ))
		return FL_ESYS;
	if (f == NULL)
		return eio();
	*size = f->ino->cur_len;
	return 0;
}

static int
mem_truncate(struct fl_file *ff, uint64_t size)
{
	struct mem_file *f = live(ff);
	int rc;

	if (is_failing(M(ff->vfs), FL_VFS_MEM_WRITE))
		return FL_ESYS;
	if (f == NULL)
		return eio();
	if (size > SIZE_MAX / 2)
		return FL_ERANGE;
	if ((rc = grow(f->ino, (size_t)size)) != 0)
		return rc;
	f->ino->cur_len = (size_t)size;
	return 0;
}

static int
mem_sync(struct fl_file *ff)
{
	struct mem_file *f = live(ff);
	struct inode *ino;
	uint8_t *p;

	if (is_failing(M(ff->vfs), FL_VFS_MEM_SYNC))
		return FL_ESYS;
	if (f == NULL)
		return eio();
	ino = f->ino;
	p = realloc(ino->dur, ino->cur_len ? ino->cur_len : 1);
	if (p == NULL)
		return FL_ENOMEM;
	if (ino->cur_len > 0)
		memcpy(p, ino->cur, ino->cur_len);
	ino->dur = p;
	ino->dur_len = ino->cur_len;
	return 0;
}

static int mem_fd(struct fl_file *ff) { (void)ff; return -1; }

static int
mem_mkdir(struct fl_vfs *v, const char *path)
{
	struct mem *m = M(v);
	struct entry *e = ns_find(&m->cur, path);
	struct inode *ino;
	int rc;

	if (is_failing(m, FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (e != NULL) {
		if (e->ino->is_dir)
			return 0;
		return FL_EEXIST;
	}
	if ((rc = check_parent(m, path)) != 0)
		return rc;
	if ((ino = inode_new(m, 1)) == NULL)
		return FL_ENOMEM;
	return ns_add(&m->cur, path, ino);
}

static int
mem_unlink(struct fl_vfs *v, const char *path)
{
	struct entry *e = ns_find(&M(v)->cur, path);

	if (is_failing(M(v), FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (e == NULL)
		return FL_ENOENT;
	if (e->ino->is_dir) {
		errno = EISDIR;
		return FL_ESYS;
	}
	ns_del(&M(v)->cur, e);
	return 0;
}

static int
mem_rmdir(struct fl_vfs *v, const char *path)
{
	struct mem *m = M(v);
	struct entry *e = ns_find(&m->cur, path);
	size_t i;

	if (is_failing(m, FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (e == NULL)
		return FL_ENOENT;
	if (!e->ino->is_dir) {
		errno = ENOTDIR;
		return FL_ESYS;
	}
	for (i = 0; i < m->cur.n; i++)
		if (is_child_of(m->cur.e[i].path, path)) {
			errno = ENOTEMPTY;
			return FL_ESYS;
		}
	ns_del(&m->cur, e);
	return 0;
}

static int
mem_rename(struct fl_vfs *v, const char *from, const char *to)
{
	struct mem *m = M(v);
	struct entry *a = ns_find(&m->cur, from), *b;
	struct inode *ino;
	int rc;

	if (is_failing(m, FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (a == NULL)
		return FL_ENOENT;
	if ((rc = check_parent(m, to)) != 0)
		return rc;
	ino = a->ino;
	ns_del(&m->cur, a);
	b = ns_find(&m->cur, to);
	if (b != NULL)
		b->ino = ino;
	else if ((rc = ns_add(&m->cur, to, ino)) != 0)
		return rc;
	return 0;
}

static int
mem_sync_dir(struct fl_vfs *v, const char *dir)
{
	struct mem *m = M(v);
	struct entry *e = ns_find(&m->cur, dir);
	size_t i;
	int rc;

	if (is_failing(m, FL_VFS_MEM_SYNC))
		return FL_ESYS;
	if (e == NULL && !(strcmp(dir, "/") == 0 || strcmp(dir, ".") == 0))
		return FL_ENOENT;
	for (i = 0; i < m->dur.n;)
		if (is_child_of(m->dur.e[i].path, dir))
			ns_del(&m->dur, &m->dur.e[i]);
		else
			i++;
	for (i = 0; i < m->cur.n; i++)
		if (is_child_of(m->cur.e[i].path, dir) &&
		    (rc = ns_add(&m->dur, m->cur.e[i].path, m->cur.e[i].ino)) != 0)
			return rc;
	return 0;
}

static int
mem_stat(struct fl_vfs *v, const char *path, int *is_dir, uint64_t *size)
{
	struct entry *e = ns_find(&M(v)->cur, path);

	if (is_failing(M(v), FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (e == NULL)
		return FL_ENOENT;
	if (is_dir)
		*is_dir = e->ino->is_dir;
	if (size)
		*size = e->ino->cur_len;
	return 0;
}

static int
mem_list(struct fl_vfs *v, const char *dir, char ***names, size_t *n)
{
	struct mem *m = M(v);
	struct entry *d = ns_find(&m->cur, dir);
	char **arr;
	size_t i, cnt = 0;

	if (is_failing(m, FL_VFS_MEM_DIR))
		return FL_ESYS;
	if (d == NULL)
		return FL_ENOENT;
	if (!d->ino->is_dir) {
		errno = ENOTDIR;
		return FL_ESYS;
	}
	arr = calloc(m->cur.n + 1, sizeof(*arr));
	if (arr == NULL)
		return FL_ENOMEM;
	for (i = 0; i < m->cur.n; i++) {
		const char *p = m->cur.e[i].path;

		if (!is_child_of(p, dir))
			continue;
		p += parent_len(p);
		if (*p == '/')
			p++;
		arr[cnt] = strdup(p);
		if (arr[cnt] == NULL) {
			fl_vfs_list_free(arr, cnt);
			return FL_ENOMEM;
		}
		cnt++;
	}
	*names = arr;
	*n = cnt;
	return 0;
}

static const struct fl_vfs_ops mem_ops = {
	mem_open, mem_close, mem_pread, mem_pwrite, mem_size, mem_truncate,
	mem_sync, mem_fd, mem_mkdir, mem_unlink, mem_rmdir, mem_rename,
	mem_sync_dir, mem_stat, mem_list,
};

struct fl_vfs *
fl_vfs_mem_new(void)
{
	struct mem *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->vfs.ops = &mem_ops;
	m->vfs.impl = m;
	return &m->vfs;
}

static void
ns_free(struct ns *ns)
{
	size_t i;

	for (i = 0; i < ns->n; i++)
		free(ns->e[i].path);
	free(ns->e);
	memset(ns, 0, sizeof(*ns));
}

void
fl_vfs_mem_free(struct fl_vfs *v)
{
	struct mem *m;
	struct inode *ino, *next;

	if (v == NULL)
		return;
	m = M(v);
	ns_free(&m->cur);
	ns_free(&m->dur);
	for (ino = m->all; ino != NULL; ino = next) {
		next = ino->next_all;
		free(ino->cur);
		free(ino->dur);
		free(ino);
	}
	free(m);
}

void
fl_vfs_mem_crash(struct fl_vfs *v, uint64_t torn_seed)
{
	struct mem *m = M(v);
	struct inode *ino;
	size_t i;
	struct fl_rng rng;

	fl_rng_seed(&rng, torn_seed);
	for (ino = m->all; ino != NULL; ino = ino->next_all) {
		size_t keep = ino->dur_len;

		if (torn_seed != 0 && ino->cur_len > ino->dur_len &&
		    (ino->dur_len == 0 || memcmp(ino->cur, ino->dur, ino->dur_len) == 0))
			keep += (size_t)fl_rng_below(&rng, ino->cur_len - ino->dur_len + 1);
		else if (grow(ino, ino->dur_len) != 0)
			continue;	/* cannot shrink-allocate fail; keep as is */
		else if (ino->dur_len > 0)
			memcpy(ino->cur, ino->dur, ino->dur_len);
		ino->cur_len = keep;
	}
	ns_free(&m->cur);
	for (i = 0; i < m->dur.n; i++)
		(void)ns_add(&m->cur, m->dur.e[i].path, m->dur.e[i].ino);
	m->gen++;
}

int
fl_vfs_mem_corrupt(struct fl_vfs *v, const char *path, uint64_t off, size_t len,
    uint64_t seed)
{
	struct mem *m = M(v);
	struct entry *e = ns_find(&m->dur, path);
	struct inode *ino;
	struct fl_rng rng;
	size_t i;

	if (e == NULL || e->ino->is_dir)
		return FL_ENOENT;
	ino = e->ino;
	if (off >= ino->dur_len)
		return FL_ERANGE;
	if (len > ino->dur_len - off)
		len = (size_t)(ino->dur_len - off);
	fl_rng_seed(&rng, seed);
	for (i = 0; i < len; i++) {
		size_t at = (size_t)off + i;
		uint8_t b = (uint8_t)(1 + fl_rng_below(&rng, 255));

		ino->dur[at] ^= b;
		if (at < ino->cur_len)
			ino->cur[at] ^= b;
	}
	return 0;
}
