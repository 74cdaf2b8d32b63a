/*
 * prom.c: Prometheus text exposition 0.0.4.
 *
 * Numbers are printed from integers only: bucket bounds and sums in
 * seconds come from integer microseconds scaled by a power of ten, so a
 * bound is always the same string ("0.00005", "2.5") and no rounding of
 * doubles can make two scrapes disagree.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "codec/prom.h"

const uint64_t fl_prom_latency_us[FL_PROM_LATENCY_BUCKETS] = {
	50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000,
	100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000
};

const uint64_t fl_prom_count_bounds[FL_PROM_COUNT_BUCKETS] = {
	1, 2, 5, 10, 20, 50, 100, 200, 500, 1000
};

static const uint64_t pow10_tab[10] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
};

static int
is_name(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == ':'))
			return 0;
	}
	return i < FL_PROM_NAME_MAX;
}

static void
put(struct fl_wr *w, const char *s)
{
	fl_wr_raw(w, s, strlen(s));
}

/* s escaped: backslash and newline always, double quote in label values */
static void
put_escaped(struct fl_wr *w, const char *s, int is_label)
{
	const char *run = s;

	for (; *s != '\0'; s++) {
		const char *esc = NULL;

		if (*s == '\\')
			esc = "\\\\";
		else if (*s == '\n')
			esc = "\\n";
		else if (*s == '"' && is_label)
			esc = "\\\"";
		if (esc == NULL)
			continue;
		fl_wr_raw(w, run, (size_t)(s - run));
		put(w, esc);
		run = s + 1;
	}
	fl_wr_raw(w, run, (size_t)(s - run));
}

static void
put_u64(struct fl_wr *w, uint64_t v)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);

	fl_wr_raw(w, buf, (size_t)n);
}

static void
put_fixed(struct fl_wr *w, uint64_t v, unsigned decimals)
{
	char buf[32];
	uint64_t scale, frac;
	int n;

	FL_ASSERT(decimals < FL_ARRAY_LEN(pow10_tab));
	scale = pow10_tab[decimals];
	frac = v % scale;
	if (frac == 0) {
		put_u64(w, v / scale);
		return;
	}
	n = snprintf(buf, sizeof(buf), "%llu.%0*llu", (unsigned long long)(v / scale),
	    (int)decimals, (unsigned long long)frac);
	while (buf[n - 1] == '0')
		n--;		/* 0.250 -> 0.25 */
	fl_wr_raw(w, buf, (size_t)n);
}

void
fl_prom_init(struct fl_prom *p, struct fl_wr *w)
{
	p->w = w;
	p->family[0] = '\0';
}

void
fl_prom_family(struct fl_prom *p, const char *name, enum fl_prom_type type,
    const char *help)
{
	static const char *const types[] = { "counter", "gauge", "histogram" };

	FL_ASSERT(is_name(name) && (unsigned)type < FL_ARRAY_LEN(types));
	if (strcmp(p->family, name) == 0)
		return;
	snprintf(p->family, sizeof(p->family), "%s", name);
	put(p->w, "# HELP ");
	put(p->w, name);
	fl_wr_raw(p->w, " ", 1);
	put_escaped(p->w, help, 0);
	put(p->w, "\n# TYPE ");
	put(p->w, name);
	fl_wr_raw(p->w, " ", 1);
	put(p->w, types[type]);
	fl_wr_raw(p->w, "\n", 1);
}

/* "name[suffix]{labels[,le="..."]} " */
static void
sample_head(struct fl_prom *p, const char *name, const char *suffix,
    const struct fl_prom_label *l, size_t nl, const char *le)
{
	size_t i;

	FL_ASSERT(is_name(name));
	put(p->w, name);
	put(p->w, suffix);
	if (nl > 0 || le != NULL) {
		fl_wr_raw(p->w, "{", 1);
		for (i = 0; i < nl; i++) {
			FL_ASSERT(is_name(l[i].name) && l[i].value != NULL);
			if (i > 0)
				fl_wr_raw(p->w, ",", 1);
			put(p->w, l[i].name);
			fl_wr_raw(p->w, "=\"", 2);
			put_escaped(p->w, l[i].value, 1);
			fl_wr_raw(p->w, "\"", 1);
		}
		if (le != NULL) {
			put(p->w, nl > 0 ? ",le=\"" : "le=\"");
			put(p->w, le);
			fl_wr_raw(p->w, "\"", 1);
		}
		fl_wr_raw(p->w, "}", 1);
	}
	fl_wr_raw(p->w, " ", 1);
}

void
fl_prom_u64(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, uint64_t v)
{
	sample_head(p, name, "", l, nl, NULL);
	put_u64(p->w, v);
	fl_wr_raw(p->w, "\n", 1);
}

void
fl_prom_i64(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, int64_t v)
{
	sample_head(p, name, "", l, nl, NULL);
	if (v < 0) {
		fl_wr_raw(p->w, "-", 1);
		put_u64(p->w, (uint64_t)0 - (uint64_t)v);
	} else {
		put_u64(p->w, (uint64_t)v);
	}
	fl_wr_raw(p->w, "\n", 1);
}

void
fl_prom_fixed(struct fl_prom *p, const char *name, const struct fl_prom_label *l,
    size_t nl, uint64_t v, unsigned decimals)
{
	sample_head(p, name, "", l, nl, NULL);
	put_fixed(p->w, v, decimals);
	fl_wr_raw(p->w, "\n", 1);
}

void
fl_prom_hist_init(struct fl_prom_hist *h, const uint64_t *bounds, size_t nbounds)
{
	size_t i;

	FL_ASSERT(nbounds <= FL_PROM_BUCKETS_MAX);
	for (i = 1; i < nbounds; i++)
		FL_ASSERT(bounds[i - 1] < bounds[i]);
	memset(h, 0, sizeof(*h));
	h->bounds = bounds;
	h->nbounds = nbounds;
}

void
fl_prom_hist_observe(struct fl_prom_hist *h, uint64_t v)
{
	size_t i = 0;

	while (i < h->nbounds && v > h->bounds[i])
		i++;
	h->counts[i]++;
	h->count++;
	h->sum += v;
}

void
fl_prom_hist_write(struct fl_prom *p, const char *name,
    const struct fl_prom_label *l, size_t nl, const struct fl_prom_hist *h,
    unsigned decimals)
{
	struct fl_wr le;
	char lebuf[32];
	uint64_t cum = 0;
	size_t i;

	for (i = 0; i < h->nbounds; i++) {
		cum += h->counts[i];
		fl_wr_init_fixed(&le, lebuf, sizeof(lebuf) - 1);
		put_fixed(&le, h->bounds[i], decimals);
		lebuf[le.len] = '\0';
		sample_head(p, name, "_bucket", l, nl, lebuf);
		put_u64(p->w, cum);
		fl_wr_raw(p->w, "\n", 1);
	}
	/* +Inf is the count itself: cumulative to the end by construction */
	sample_head(p, name, "_bucket", l, nl, "+Inf");
	put_u64(p->w, h->count);
	fl_wr_raw(p->w, "\n", 1);
	sample_head(p, name, "_sum", l, nl, NULL);
	put_fixed(p->w, h->sum, decimals);
	fl_wr_raw(p->w, "\n", 1);
	sample_head(p, name, "_count", l, nl, NULL);
	put_u64(p->w, h->count);
	fl_wr_raw(p->w, "\n", 1);
}
