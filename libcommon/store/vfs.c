/*
 * vfs.c: the dispatching wrappers and durable small files, for every
 * backend (the real-file backend is os/vfs_real.c, the memory one
 * vfs_mem.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "base/err.h"
#include "store/vfs.h"
#include "store/vfs_impl.h"

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

/* The length of path's parent part: "a/b" 1, "/a" 1 (the root), "a" 0. */
static size_t
parent_len(const char *path, size_t n)
{
	while (n > 0 && path[n - 1] != '/')
		n--;
	if (n == 0)
		return 0;
	while (n > 1 && path[n - 1] == '/')
		n--;
	return n;
}

int
fl_vfs_mkdirs(struct fl_vfs *v, const char *dir)
{
	char norm[4096], buf[4096], parent[4096];
	size_t n = 0, lens[256], depth = 0, pl, i;
	int is_dir = 0, rc;

	/* one spelling: "a//b/" is "a/b", as the kernel reads it */
	for (i = 0; dir[i] != '\0'; i++) {
		if (dir[i] == '/' && n > 0 && norm[n - 1] == '/')
			continue;
		if (n == sizeof(norm) - 1)
			return FL_ERANGE;
		norm[n++] = dir[i];
	}
	while (n > 1 && norm[n - 1] == '/')
		n--;
	norm[n] = '\0';
	memcpy(buf, norm, n + 1);
	/* up to the first directory that exists, remembering what is missing */
	for (;;) {
		buf[n] = '\0';
		rc = fl_vfs_stat(v, buf, &is_dir, NULL);
		if (rc == 0 && !is_dir) {
			errno = ENOTDIR;
			return FL_ESYS;
		}
		if (rc == 0)
			break;
		if (rc != FL_ENOENT)
			return rc;
		if (depth == FL_ARRAY_LEN(lens))
			return FL_ERANGE;
		lens[depth++] = n;
		if ((pl = parent_len(buf, n)) == 0)
			break;		/* a relative path's first name: made in "." */
		n = pl;
	}
	/* then down, creating each and syncing the directory it went into */
	while (depth > 0) {
		n = lens[--depth];
		memcpy(buf, norm, n);
		buf[n] = '\0';
		if ((rc = fl_vfs_mkdir(v, buf)) != 0)
			return rc;
		pl = parent_len(buf, n);
		if (pl == 0)
			snprintf(parent, sizeof(parent), ".");
		else
			snprintf(parent, sizeof(parent), "%.*s", (int)pl, buf);
		if ((rc = fl_vfs_sync_dir(v, parent)) != 0)
			return rc;
	}
	return 0;
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
