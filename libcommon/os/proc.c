/*
 * proc.c: getrusage and /proc/self for the process metrics; their
 * families under the names every Prometheus client library uses, so the
 * usual dashboards work unchanged.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/err.h"
#include "os/proc.h"

static int
count_fds(uint64_t *n)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	*n = 0;
	if (d == NULL)
		return FL_ESYS;
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			(*n)++;
	closedir(d);
	if (*n > 0)
		(*n)--;		/* the directory's own descriptor */
	return 0;
}

int
fl_proc_usage(struct fl_proc_usage *out)
{
	struct rusage ru;
	struct rlimit rl;
	unsigned long long size, resident;
	long page = sysconf(_SC_PAGESIZE);
	int rc = 0, e = 0;
	FILE *f;

	memset(out, 0, sizeof(*out));
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		out->cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000 +
		    (uint64_t)ru.ru_utime.tv_usec + (uint64_t)ru.ru_stime.tv_sec * 1000000 +
		    (uint64_t)ru.ru_stime.tv_usec;
	else
		rc = FL_ESYS, e = errno;
	f = fopen("/proc/self/statm", "re");
	if (f != NULL) {
		if (fscanf(f, "%llu %llu", &size, &resident) == 2 && page > 0)
			out->rss_bytes = (uint64_t)resident * (uint64_t)page;
		fclose(f);
	} else if (rc == 0) {
		rc = FL_ESYS, e = errno;
	}
	if (count_fds(&out->open_fds) != 0 && rc == 0)
		rc = FL_ESYS, e = errno;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		out->max_fds = rl.rlim_cur == RLIM_INFINITY ? 0 : (uint64_t)rl.rlim_cur;
	errno = e;
	return rc;
}

static void
gauge(struct fl_prom *p, const char *name, const char *help, uint64_t v)
{
	fl_prom_family(p, name, FL_PROM_GAUGE, help);
	fl_prom_u64(p, name, NULL, 0, v);
}

void
fl_proc_prom(struct fl_prom *p, uint64_t start_wall_ms)
{
	struct fl_proc_usage u;

	(void)fl_proc_usage(&u);
	fl_prom_family(p, "process_cpu_seconds_total", FL_PROM_COUNTER,
	    "User and system CPU time spent in seconds.");
	fl_prom_fixed(p, "process_cpu_seconds_total", NULL, 0, u.cpu_us, 6);
	gauge(p, "process_resident_memory_bytes", "Resident memory size in bytes.",
	    u.rss_bytes);
	gauge(p, "process_open_fds", "Number of open file descriptors.", u.open_fds);
	gauge(p, "process_max_fds", "Maximum number of open file descriptors.", u.max_fds);
	fl_prom_family(p, "process_start_time_seconds", FL_PROM_GAUGE,
	    "Start time of the process since unix epoch in seconds.");
	fl_prom_fixed(p, "process_start_time_seconds", NULL, 0, start_wall_ms, 3);
}
