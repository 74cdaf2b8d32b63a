#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "os/diag.h"

/*
 * The one place libcommon keeps process-wide state: the program name and
 * the log level are properties of the process, set once in main(), and
 * every caller would otherwise have to thread them through.
 */
static const char *progname = "flume";
static enum fl_log_level level_max = FL_LOG_INFO;

void
fl_diag_init(const char *name)
{
	const char *slash = strrchr(name, '/');

	progname = slash ? slash + 1 : name;
}

void fl_diag_set_level(enum fl_log_level l) { level_max = l; }

int
fl_diag_log_to(const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0)
		return -1;
	if (fd != 2) {
		if (dup2(fd, 2) < 0) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	return 0;
}
const char *fl_progname(void) { return progname; }

int
fl_diag_parse_level(const char *s, enum fl_log_level *l)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*l = (enum fl_log_level)i;
			return 0;
		}
	return FL_EINVAL;
}

static void emit(const char *tag, int errnum, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void
emit(const char *tag, int errnum, const char *fmt, va_list ap)
{
	char line[4096];	/* long enough for a big assignment line */
	int n, m;

	n = snprintf(line, sizeof(line), "%s: %s", progname, tag);
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	m = vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	if (m < 0)
		m = 0;
	n += m;
	if ((size_t)n >= sizeof(line) - 1)
		n = (int)sizeof(line) - 2;
	if (errnum != 0) {
		m = snprintf(line + n, sizeof(line) - (size_t)n, ": %s",
		    strerror(errnum));
		if (m > 0)
			n += m;
		if ((size_t)n >= sizeof(line) - 1)
			n = (int)sizeof(line) - 2;
	}
	line[n++] = '\n';
	(void)!write(2, line, (size_t)n);
}

void
fl_warn(const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	emit("", e, fmt, ap);
	va_end(ap);
	errno = e;
}

void
fl_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", 0, fmt, ap);
	va_end(ap);
}

void
fl_die(int ex, const char *fmt, ...)
{
	int e = errno;
	va_list ap;

	va_start(ap, fmt);
	emit("", e, fmt, ap);
	va_end(ap);
	exit(ex);
}

void
fl_diex(int ex, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", 0, fmt, ap);
	va_end(ap);
	exit(ex);
}

void
fl_log(enum fl_log_level l, const char *fmt, ...)
{
	static const char *const tags[] = { "error: ", "warn: ", "info: ", "debug: " };
	va_list ap;

	if (l > level_max)
		return;
	va_start(ap, fmt);
	emit(tags[l], 0, fmt, ap);
	va_end(ap);
}
