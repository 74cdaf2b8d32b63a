/*
 * proc.h: this process' resource use, for the broker's metrics: CPU time
 * (getrusage), resident memory (/proc/self/statm), open descriptors
 * (entries of /proc/self/fd) and the descriptor limit (RLIMIT_NOFILE).
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

struct fl_proc_usage {
	uint64_t cpu_us;		/* user + system CPU time */
	uint64_t rss_bytes;		/* resident set size */
	uint64_t open_fds;		/* descriptors open now */
	uint64_t max_fds;		/* soft RLIMIT_NOFILE */
};

int fl_proc_usage(struct fl_proc_usage *out);

#endif
