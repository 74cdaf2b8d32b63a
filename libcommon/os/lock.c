/* lock.c: flock(2)ed lock files. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/err.h"
#include "os/clock.h"
#include "os/lock.h"

int
fl_lock_dir(const char *dir, int create, int *fd)
{
	char path[4200];
	int k = snprintf(path, sizeof(path), "%s/%s", dir, FL_LOCK_FILE), f, e;

	*fd = -1;
	if (k < 0 || (size_t)k >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return FL_ESYS;
	}
	f = open(path, (create ? O_RDWR | O_CREAT : O_RDONLY) | O_CLOEXEC, 0600);
	if (f < 0)
		return errno == ENOENT || errno == ENOTDIR ? FL_ENOENT : FL_ESYS;
	if (flock(f, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		close(f);
		errno = e;
		return e == EWOULDBLOCK ? FL_EBUSY : FL_ESYS;
	}
	*fd = f;
	return 0;
}

int
fl_lock_file_wait(const char *dir, const char *name, int wait_ms, int *fd)
{
	char path[4200];
	int k = snprintf(path, sizeof(path), "%s/%s", dir, name), f, e;
	int64_t give_up = fl_clock_ms() + (wait_ms > 0 ? wait_ms : 0);

	*fd = -1;
	if (k < 0 || (size_t)k >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return FL_ESYS;
	}
	f = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (f < 0)
		return errno == ENOENT || errno == ENOTDIR ? FL_ENOENT : FL_ESYS;
	/* polled, not a blocking flock: that could only be bounded by a signal */
	while (flock(f, LOCK_EX | LOCK_NB) != 0) {
		e = errno;
		if ((e != EWOULDBLOCK && e != EINTR) || fl_clock_ms() >= give_up) {
			close(f);
			errno = e;
			return e == EWOULDBLOCK ? FL_EBUSY : FL_ESYS;
		}
		(void)poll(NULL, 0, 10);
	}
	*fd = f;
	return 0;
}

void
fl_lock_release(int fd)
{
	if (fd >= 0)
		close(fd);
}

int
fl_lock_data_dir_of(const char *path, char *buf, size_t n)
{
	char part[4200];
	struct stat st;
	char *slash;
	int k = snprintf(part, sizeof(part), "%s", path);

	if (k < 0 || (size_t)k >= sizeof(part))
		return FL_ERANGE;
	while (k > 1 && part[k - 1] == '/')
		part[--k] = '\0';
	if (stat(part, &st) == 0 && !S_ISDIR(st.st_mode)) {
		/* a segment file: its partition is its directory */
		slash = strrchr(part, '/');
		if (slash == NULL)
			snprintf(part, sizeof(part), ".");
		else
			*slash = '\0';
	}
	slash = strrchr(part, '/');
	k = slash == NULL ? snprintf(buf, n, ".") :
	    snprintf(buf, n, "%.*s", (int)(slash - part) > 0 ? (int)(slash - part) : 1, part);
	return k < 0 || (size_t)k >= n ? FL_ERANGE : 0;
}
