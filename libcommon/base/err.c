#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/err.h"

const char *
fl_strerror(int code)
{
	switch (code) {
	case FL_OK:       return "success";
	case FL_ESYS:     return "system error";
	case FL_ESHORT:   return "input too short";
	case FL_EPROTO:   return "protocol or format violation";
	case FL_ECORRUPT: return "corrupt data";
	case FL_EFULL:    return "buffer full";
	case FL_ENOENT:   return "not found";
	case FL_ERANGE:   return "value out of range";
	case FL_EEXIST:   return "already exists";
	case FL_ENOMEM:   return "out of memory";
	case FL_EBUSY:    return "busy";
	case FL_EINVAL:   return "invalid argument";
	case FL_EAUTH:    return "authentication failed";
	}
	return "unknown error";
}

int
fl_err_set(struct fl_err *err, int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (err != NULL) {
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	errno = saved;
	return code;
}

void
fl_assert_fail(const char *file, int line, const char *cond)
{
	fprintf(stderr, "assertion failed: %s:%d: %s\n", file, line, cond);
	abort();
}
