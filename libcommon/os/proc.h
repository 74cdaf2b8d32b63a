/*
 * proc.h: this process' resource use, for the daemons' metrics: CPU time
 * (getrusage), resident memory (/proc/self/statm), open descriptors
 * (entries of /proc/self/fd) and the descriptor limit (RLIMIT_NOFILE);
 * and the same as Prometheus' standard process_* families, which
 * flume-serve and flume-ctl both expose.
 *
 * Ownership: fills a caller's struct; nothing is kept.
 * Errors: 0, or FL_ESYS with errno when a source cannot be read; fields it
 * could not read are 0 (a metrics scrape shows 0 rather than failing).
 * Not pure: reads /proc (Linux).  Costs a directory walk of /proc/self/fd,
 * so call it per scrape, not per request.
 * Layer: os.
 */
#ifndef FL_PROC_H
#define FL_PROC_H

#include <stdint.h>

#include "codec/prom.h"

struct fl_proc_usage {
	uint64_t cpu_us;		/* user + system CPU time */
	uint64_t rss_bytes;		/* resident set size */
	uint64_t open_fds;		/* descriptors open now */
	uint64_t max_fds;		/* soft RLIMIT_NOFILE */
};

int fl_proc_usage(struct fl_proc_usage *out);

/*
 * Write process_cpu_seconds_total, process_resident_memory_bytes,
 * process_open_fds, process_max_fds (fl_proc_usage now; a source that
 * cannot be read shows 0) and process_start_time_seconds (start_wall_ms:
 * when the process started, ms since the Unix epoch) to p.
 */
void fl_proc_prom(struct fl_prom *p, uint64_t start_wall_ms);

#endif
