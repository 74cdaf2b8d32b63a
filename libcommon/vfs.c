/* vfs.c: the dispatching wrappers, the real-file backend, durable files. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csum.h"
#include "err.h"
#include "vfs.h"
#include "vfs_impl.h"

void
fl_vfs_close(struct fl_file *f)
{
	if (f != NULL)
		f->vfs->ops->close(f);
}

long long fl_vfs_pread(struct fl_file *f, void *b, size_t n, uint64_t o) { return f->vfs->ops->pread(f, b, n, o); }
int fl_vfs_pwrite(struct fl_file *f, const void *b, size_t n, uint64_t o) { return f->vfs->ops->pwrite(f, b, n, o); }
int fl_vfs_size(struct fl_file *f, uint64_t *s) { return f->vfs->ops->size(f, s); }
int fl_vfs_truncate(struct fl_file *f, uint64_t s) { return f->vfs->ops->truncate(f, s); }
int fl_vfs_sync(struct fl_file *f) { return f->vfs->ops->sync(f); }
int fl_vfs_fd(struct fl_file *f) { return f->vfs->ops->fd(f); }
struct fl_vfs *fl_vfs_of(struct fl_file *f) { return f->vfs; }

int
fl_vfs_pread_full(struct fl_file *f, void *buf, size_t n, uint64_t off)
{
	size_t got = 0;

	while (got < n) {
		long long r = fl_vfs_pread(f, (uint8_t *)buf + got, n - got, off + got);

		if (r < 0)
			return (int)r;
		if (r == 0)
			return FL_ESHORT;
		got += (size_t)r;
	}
	return 0;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
fl_vfs_list(struct fl_vfs *v, const char *dir, char ***names, size_t *n)
{
	int rc = v->ops->list(v, dir, names, n);

	if (rc == 0 && *n > 1)
		qsort(*names, *n, sizeof(**names), cmp_names);
	return rc;
}

void
fl_vfs_list_free(char **names, size_t n)
{
	size_t i;

	if (names == NULL)
		return;
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* ---- real files ---- */

struct real_file {
	struct fl_file base;
	int fd;
};

static int
sys_err(void)
{
	return errno == ENOENT ? FL_ENOENT : errno == EEXIST ? FL_EEXIST : FL_ESYS;
}

static int
real_open(struct fl_vfs *v, const char *path, int flags, struct fl_file **out)
{
	int oflags = O_CLOEXEC | ((flags & FL_VFS_RDONLY) ? O_RDONLY : O_RDWR);
	struct real_file *f;
	int fd;

	if (flags & FL_VFS_CREATE)
		oflags |= O_CREAT;
	if (flags & FL_VFS_EXCL)
		oflags |= O_EXCL;
	fd = open(path, oflags, 0644);
	if (fd < 0)
		return sys_err();
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		close(fd);
		return FL_ENOMEM;
	}
	f->base.vfs = v;
	f->fd = fd;
	*out = &f->base;
	return 0;
}

static void
real_close(struct fl_file *ff)
{
	struct real_file *f = (struct real_file *)ff;

	close(f->fd);
	free(f);
}

static long long
real_pread(struct fl_file *ff, void *buf, size_t n, uint64_t off)
{
	struct real_file *f = (struct real_file *)ff;
	ssize_t r;

	if (off > INT64_MAX)
		return FL_ERANGE;
	do
		r = pread(f->fd, buf, n, (off_t)off);
	while (r < 0 && errno == EINTR);
	return r < 0 ? FL_ESYS : r;
}

static int
real_pwrite(struct fl_file *ff, const void *buf, size_t n, uint64_t off)
{
	struct real_file *f = (struct real_file *)ff;
	const uint8_t *p = buf;

	while (n > 0) {
		ssize_t r = pwrite(f->fd, p, n, (off_t)off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return FL_ESYS;
		}
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return 0;
}

static int
real_size(struct fl_file *ff, uint64_t *size)
{
	struct real_file *f = (struct real_file *)ff;
	struct stat st;

	if (fstat(f->fd, &st) < 0)
		return FL_ESYS;
	*size = (uint64_t)st.st_size;
	return 0;
}

static int
real_truncate(struct fl_file *ff, uint64_t size)
{
	struct real_file *f = (struct real_file *)ff;

	return ftruncate(f->fd, (off_t)size) < 0 ? FL_ESYS : 0;
}

static int
real_sync(struct fl_file *ff)
{
	struct real_file *f = (struct real_file *)ff;

	return fdatasync(f->fd) < 0 ? FL_ESYS : 0;
}

static int real_fd(struct fl_file *ff) { return ((struct real_file *)ff)->fd; }

static int
real_mkdir(struct fl_vfs *v, const char *path)
{
	struct stat st;

	(void)v;
	if (mkdir(path, 0755) == 0)
		return 0;
	if (errno == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return 0;
	return sys_err();
}

static int real_unlink(struct fl_vfs *v, const char *p) { (void)v; return unlink(p) < 0 ? sys_err() : 0; }
static int real_rmdir(struct fl_vfs *v, const char *p) { (void)v; return rmdir(p) < 0 ? sys_err() : 0; }
static int real_rename(struct fl_vfs *v, const char *a, const char *b) { (void)v; return rename(a, b) < 0 ? sys_err() : 0; }

static int
real_sync_dir(struct fl_vfs *v, const char *path)
{
	int fd, rc = 0;

	(void)v;
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return sys_err();
	if (fsync(fd) < 0)
		rc = FL_ESYS;
	close(fd);
	return rc;
}

static int
real_stat(struct fl_vfs *v, const char *path, int *is_dir, uint64_t *size)
{
	struct stat st;

	(void)v;
	if (stat(path, &st) < 0)
		return sys_err();
	if (is_dir)
		*is_dir = S_ISDIR(st.st_mode);
	if (size)
		*size = (uint64_t)st.st_size;
	return 0;
}

static int
real_list(struct fl_vfs *v, const char *dir, char ***names, size_t *n)
{
	DIR *d;
	struct dirent *de;
	char **arr = NULL;
	size_t cnt = 0, cap = 0;

	(void)v;
	d = opendir(dir);
	if (d == NULL)
		return sys_err();
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (cnt == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char **na = realloc(arr, ncap * sizeof(*arr));

			if (na == NULL)
				goto nomem;
			arr = na;
			cap = ncap;
		}
		arr[cnt] = strdup(de->d_name);
		if (arr[cnt] == NULL)
			goto nomem;
		cnt++;
	}
	closedir(d);
	*names = arr;
	*n = cnt;
	return 0;
nomem:
	closedir(d);
	fl_vfs_list_free(arr, cnt);
	return FL_ENOMEM;
}

static const struct fl_vfs_ops real_ops = {
	real_open, real_close, real_pread, real_pwrite, real_size, real_truncate,
	real_sync, real_fd, real_mkdir, real_unlink, real_rmdir, real_rename,
	real_sync_dir, real_stat, real_list,
};

struct fl_vfs *
fl_vfs_real(void)
{
	static struct fl_vfs real = { &real_ops, NULL };

	return &real;
}

/* ---- durable small files ---- */

int
fl_durable_write(struct fl_vfs *v, const char *dir, const char *name,
    const void *data, size_t len)
{
	char tmp[4096], dst[4096];
	uint8_t sum[FL_BLAKE2B_BYTES];
	struct fl_file *f;
	int rc, n1, n2;

	n1 = snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, name);
	n2 = snprintf(dst, sizeof(dst), "%s/%s", dir, name);
	if (n1 < 0 || n2 < 0 || (size_t)n1 >= sizeof(tmp) || (size_t)n2 >= sizeof(dst))
		return FL_ERANGE;
	if (len > FL_DURABLE_BYTES_MAX)
		return FL_ERANGE;
	fl_blake2b(sum, data, len);
	rc = fl_vfs_open(v, tmp, FL_VFS_CREATE, &f);
	if (rc != 0)
		return rc;
	rc = fl_vfs_truncate(f, 0);
	if (rc == 0)
		rc = fl_vfs_pwrite(f, data, len, 0);
	if (rc == 0)
		rc = fl_vfs_pwrite(f, sum, sizeof(sum), len);
	if (rc == 0)
		rc = fl_vfs_sync(f);
	fl_vfs_close(f);
	if (rc == 0)
		rc = fl_vfs_rename(v, tmp, dst);
	/* the rename is not durable until its directory is */
	if (rc == 0)
		rc = fl_vfs_sync_dir(v, dir);
	return rc;
}

int
fl_durable_read(struct fl_vfs *v, const char *dir, const char *name,
    uint8_t **data, size_t *len)
{
	char path[4096];
	uint8_t sum[FL_BLAKE2B_BYTES];
	struct fl_file *f;
	uint64_t size;
	uint8_t *buf;
	int rc, n;

	n = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return FL_ERANGE;
	rc = fl_vfs_open(v, path, FL_VFS_RDONLY, &f);
	if (rc != 0)
		return rc;
	rc = fl_vfs_size(f, &size);
	if (rc == 0 && (size < FL_BLAKE2B_BYTES ||
	    size > FL_DURABLE_BYTES_MAX + FL_BLAKE2B_BYTES))
		rc = FL_ECORRUPT;
	if (rc != 0) {
		fl_vfs_close(f);
		return rc;
	}
	buf = malloc(size ? size : 1);
	if (buf == NULL) {
		fl_vfs_close(f);
		return FL_ENOMEM;
	}
	rc = fl_vfs_pread_full(f, buf, size, 0);
	fl_vfs_close(f);
	if (rc == FL_ESHORT)
		rc = FL_ECORRUPT;
	if (rc == 0) {
		fl_blake2b(sum, buf, size - FL_BLAKE2B_BYTES);
		if (!fl_ct_equal(sum, buf + size - FL_BLAKE2B_BYTES, FL_BLAKE2B_BYTES))
			rc = FL_ECORRUPT;
	}
	if (rc != 0) {
		free(buf);
		return rc;
	}
	*data = buf;
	*len = size - FL_BLAKE2B_BYTES;
	return 0;
}
