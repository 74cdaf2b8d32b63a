/*
 * vfs_real.c: the real-file backend of store/vfs.h: every call goes to the
 * kernel (open, pread, pwrite, fdatasync, rename, fsync of directories).
 * Files are created 0600 and directories 0700 (less what the umask
 * takes): a partition holds every record of a topic, and other local
 * users have no business reading them.  Existing modes are left alone.
 * Layer: os (may include base/, store/vfs.h and system headers).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "os/vfs_real.h"
#include "store/vfs.h"
#include "store/vfs_impl.h"

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
	/* data is the broker's alone: other local users read no topic (umask may narrow) */
	fd = open(path, oflags, 0600);
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
	if (mkdir(path, 0700) == 0)
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
	for (;;) {
		errno = 0;
		if ((de = readdir(d)) == NULL)
			break;
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
	if (errno != 0) {
		/* a listing cut short must not pass for the whole directory */
		int saved = errno;

		closedir(d);
		fl_vfs_list_free(arr, cnt);
		errno = saved;
		return FL_ESYS;
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

