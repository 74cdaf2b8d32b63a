/*
 * prom.h: the Prometheus text exposition format, version 0.0.4 (what a
 * scrape of GET /metrics expects), written into a struct fl_wr; and a
 * fixed-bucket histogram to record observations in.
 *
 * Output: fl_prom_family() writes a family's "# HELP" and "# TYPE" lines;
 * the samples of that family follow it, all together (the format wants a
 * family's samples contiguous, with its TYPE line first).  Starting the
 * same family twice in a row writes its header once.  Label values and
 * HELP text are escaped as the format says (backslash, double quote in
 * label values, newline).  Metric and label names are the caller's
 * constants and must match [a-zA-Z_:][a-zA-Z0-9_:]* (asserted).
 *
 * Histograms: struct fl_prom_hist counts observations per bucket with
 * integer upper bounds in some unit (microseconds, records); writing one
 * gives cumulative "_bucket{le=...}" samples ending with le="+Inf", then
 * "_sum" and "_count", with bounds and sum scaled by 10^-decimals (6 turns
 * microseconds into the seconds Prometheus wants), printed exactly (no
 * floating point).  Observing is O(number of buckets), no allocation.
 *
 * Ownership: struct fl_prom borrows the writer; a histogram borrows its
 * bounds (static const tables such as fl_prom_latency_us).
 * Errors: the writer's sticky error (w->err) says whether output fit.
 * Pure: no I/O, no allocation of its own (the writer may grow).
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_PROM_H
#define FL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "base/rd.h"

#define FL_PROM_NAME_MAX 128		/* metric family names, suffixes included */
#define FL_PROM_BUCKETS_MAX 24		/* finite bounds a histogram may have */

/* Latency buckets from 50 µs to 10 s, in microseconds (17 bounds). */
#define FL_PROM_LATENCY_BUCKETS 17
extern const uint64_t fl_prom_latency_us[FL_PROM_LATENCY_BUCKETS];
/* Counts such as records per fsync: 1, 2, 5, ... 1000 (10 bounds). */
#define FL_PROM_COUNT_BUCKETS 10
extern const uint64_t fl_prom_count_bounds[FL_PROM_COUNT_BUCKETS];

enum fl_prom_type { FL_PROM_COUNTER, FL_PROM_GAUGE, FL_PROM_HISTOGRAM };

struct fl_prom {
	struct fl_wr *w;		/* borrowed */
	char family[FL_PROM_NAME_MAX];	/* the family whose header was written last */
};

struct fl_prom_label {
	const char *name;		/* constant, valid label name */
	const char *value;		/* any bytes up to NUL; escaped on output */
};

struct fl_prom_hist {
	const uint64_t *bounds;		/* borrowed, strictly ascending */
	size_t nbounds;			/* <= FL_PROM_BUCKETS_MAX */
	uint64_t counts[FL_PROM_BUCKETS_MAX + 1];	/* per bucket; [nbounds] is +Inf */
	uint64_t sum;			/* of observations, in the bounds' unit */
	uint64_t count;
};

void fl_prom_init(struct fl_prom *p, struct fl_wr *w);

/* "# HELP name help" and "# TYPE name type", unless name was the last family. */
void fl_prom_family(struct fl_prom *p, const char *name, enum fl_prom_type type,
    const char *help);

/* One sample "name{labels} value" (no braces without labels). */
void fl_prom_u64(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, uint64_t v);
void fl_prom_i64(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, int64_t v);
/* v * 10^-decimals, exactly: (1500, 3) prints 1.5.  decimals <= 9. */
void fl_prom_fixed(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, uint64_t v, unsigned decimals);

void fl_prom_hist_init(struct fl_prom_hist *h, const uint64_t *bounds, size_t nbounds);
/* Count one observation v (in the bounds' unit): the first bucket with v <= bound. */
void fl_prom_hist_observe(struct fl_prom_hist *h, uint64_t v);
/*
 * The histogram's samples name_bucket{labels,le=...} (cumulative, then
 * le="+Inf"), name_sum and name_count; bounds and sum scaled by
 * 10^-decimals.  The family header is the caller's (fl_prom_family with
 * FL_PROM_HISTOGRAM and the bare name).
 */
void fl_prom_hist_write(struct fl_prom *p, const char *name,
    const struct fl_prom_label *l, size_t nl, const struct fl_prom_hist *h,
    unsigned decimals);

#endif
