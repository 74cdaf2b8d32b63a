/*
 * secret.c: the first line of a secret file (see secret.h).  The line is
 * read straight into the caller's buffer, at most cap bytes, so no copy of
 * the secret is left anywhere else; a file whose first line does not fit
 * is refused rather than cut, since a cut password fails later with a
 * misleading "authentication failed".
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "os/secret.h"

int
fl_secret_read_line(const char *path, char *out, size_t cap, struct fl_err *err)
{
	size_t n = 0, len;
	char *nl = NULL;
	int fd, e;

	FL_ASSERT(cap >= 2);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return fl_err_set(err, FL_ESYS, "%s", strerror(errno));
	while (n < cap && nl == NULL) {
		ssize_t k = read(fd, out + n, cap - n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			e = errno;
			close(fd);
			sodium_memzero(out, cap);
			errno = e;
			return fl_err_set(err, FL_ESYS, "%s", strerror(e));
		}
		if (k == 0)
			break;
		nl = memchr(out + n, '\n', (size_t)k);
		n += (size_t)k;
	}
	close(fd);
	if (nl != NULL)
		len = (size_t)(nl - out);
	else if (n < cap)
		len = n;			/* the end of the file ends the line */
	else
		len = cap;			/* full, no newline: too long */
	if (len >= cap) {
		sodium_memzero(out, cap);
		return fl_err_set(err, FL_ERANGE, "the first line is longer than %zu bytes",
		    cap - 1);
	}
	if (len > 0 && out[len - 1] == '\r')
		len--;
	sodium_memzero(out + len, cap - len);	/* the rest of the file, and the NUL */
	if (len == 0)
		return fl_err_set(err, FL_ERANGE, "the first line is empty");
	if (memchr(out, '\0', len) != NULL) {
		sodium_memzero(out, cap);
		return fl_err_set(err, FL_EPROTO, "the first line holds a NUL byte");
	}
	return 0;
}
