/*
 * diag.h: diagnostics on stderr, the only way flume prints messages.
 *
 * Every line starts with the program name (fl_diag_init).  fl_warn appends
 * ": strerror(errno)"; fl_warnx does not.  fl_die/fl_diex exit with the
 * given sysexits code and are for main.c files only (make lint checks).
 * fl_log prints when level <= the configured level, with a level tag,
 * for daemons.  Not thread-safe against fl_diag_init; each call is one
 * write(2), so lines from two threads do not interleave.
 * Layer: os (may include anything; this is where system calls live).
 */
#ifndef FL_DIAG_H
#define FL_DIAG_H

enum fl_log_level { FL_LOG_ERROR, FL_LOG_WARN, FL_LOG_INFO, FL_LOG_DEBUG };

void fl_diag_init(const char *progname);
void fl_diag_set_level(enum fl_log_level level);
/* Parse "error|warn|info|debug"; returns 0 or FL_EINVAL. */
int fl_diag_parse_level(const char *s, enum fl_log_level *level);
const char *fl_progname(void);

/*
 * Send standard error (every message) to path, appending (mode 0644,
 * created if need be): --log-file at start, and again on SIGHUP after a
 * log rotation.  0, or -1 with errno (stderr is then as it was).
 */
int fl_diag_log_to(const char *path);

void fl_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fl_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void fl_die(int ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fl_diex(int ex, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));
void fl_log(enum fl_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
