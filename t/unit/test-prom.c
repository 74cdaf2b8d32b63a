/*
 * test-prom: the text exposition writer (family headers once, labels and
 * their escapes, exact fixed-point numbers) and the histogram (bucket
 * choice at the bounds, cumulative output ending in +Inf = count).
 */
#include <stdlib.h>
#include <string.h>

#include "codec/prom.h"
#include "tap.h"

static int
out_is(struct fl_wr *w, const char *want, const char *what)
{
	int ok = w->err == 0 && w->len == strlen(want) && memcmp(w->p, want, w->len) == 0;

	if (!tap_ok(ok, __FILE__, __LINE__, what))
		printf("#   got: %.*s\n#  want: %s\n", (int)w->len, (const char *)w->p, want);
	fl_wr_reset(w);
	return ok;
}

static void
test_samples(void)
{
	struct fl_wr w;
	struct fl_prom p;
	struct fl_prom_label l[2] = { { "topic", "a\"b\\c\nd" }, { "partition", "0" } };

	fl_wr_init(&w, 1 << 20);
	fl_prom_init(&p, &w);
	fl_prom_family(&p, "flume_x_total", FL_PROM_COUNTER, "Things,\nwith \\ \"q\".");
	fl_prom_family(&p, "flume_x_total", FL_PROM_COUNTER, "again");
	fl_prom_u64(&p, "flume_x_total", NULL, 0, 18446744073709551615ull);
	out_is(&w, "# HELP flume_x_total Things,\\nwith \\\\ \"q\".\n"
	    "# TYPE flume_x_total counter\n"
	    "flume_x_total 18446744073709551615\n",
	    "family header once, help escaped (no quote escape), u64 max");
	fl_prom_family(&p, "flume_g", FL_PROM_GAUGE, "g");
	fl_prom_i64(&p, "flume_g", l, 2, -5);
	out_is(&w, "# HELP flume_g g\n# TYPE flume_g gauge\n"
	    "flume_g{topic=\"a\\\"b\\\\c\\nd\",partition=\"0\"} -5\n",
	    "labels escaped, negative gauge");
	fl_prom_fixed(&p, "flume_s", NULL, 0, 1500, 3);
	fl_prom_fixed(&p, "flume_s", NULL, 0, 7, 6);
	fl_prom_fixed(&p, "flume_s", NULL, 0, 3000000, 6);
	fl_prom_fixed(&p, "flume_s", NULL, 0, 0, 6);
	out_is(&w, "flume_s 1.5\nflume_s 0.000007\nflume_s 3\nflume_s 0\n",
	    "fixed point: trailing zeros trimmed, integers bare");
	fl_wr_free(&w);
}

static void
test_hist(void)
{
	static const uint64_t bounds[3] = { 50, 100, 250 };
	static const struct { uint64_t v; size_t bucket; } obs[] = {
		{ 0, 0 }, { 50, 0 }, { 51, 1 }, { 100, 1 }, { 250, 2 }, { 251, 3 },
		{ 10000000, 3 },
	};
	struct fl_prom_hist h;
	struct fl_prom_label l = { "api", "Fetch" };
	struct fl_prom p;
	struct fl_wr w;
	size_t i, bad = 0;

	fl_prom_hist_init(&h, bounds, 3);
	for (i = 0; i < FL_ARRAY_LEN(obs); i++) {
		uint64_t before = h.counts[obs[i].bucket];

		fl_prom_hist_observe(&h, obs[i].v);
		bad += h.counts[obs[i].bucket] != before + 1;
	}
	CHECK_INT(bad, ==, 0, "each observation in the first bucket whose bound >= it");
	CHECK_U64(h.count, ==, 7, "count");
	CHECK_U64(h.sum, ==, 10000702, "sum");
	fl_wr_init(&w, 1 << 20);
	fl_prom_init(&p, &w);
	fl_prom_family(&p, "flume_lat_seconds", FL_PROM_HISTOGRAM, "h");
	fl_prom_hist_write(&p, "flume_lat_seconds", &l, 1, &h, 6);
	out_is(&w, "# HELP flume_lat_seconds h\n# TYPE flume_lat_seconds histogram\n"
	    "flume_lat_seconds_bucket{api=\"Fetch\",le=\"0.00005\"} 2\n"
	    "flume_lat_seconds_bucket{api=\"Fetch\",le=\"0.0001\"} 4\n"
	    "flume_lat_seconds_bucket{api=\"Fetch\",le=\"0.00025\"} 5\n"
	    "flume_lat_seconds_bucket{api=\"Fetch\",le=\"+Inf\"} 7\n"
	    "flume_lat_seconds_sum{api=\"Fetch\"} 10.000702\n"
	    "flume_lat_seconds_count{api=\"Fetch\"} 7\n",
	    "histogram: cumulative buckets, +Inf = count, seconds from µs");
	fl_prom_hist_init(&h, fl_prom_count_bounds, FL_PROM_COUNT_BUCKETS);
	fl_prom_hist_observe(&h, 3);
	fl_prom_hist_write(&p, "flume_n", NULL, 0, &h, 0);
	CHECK(w.len > 0 && strstr((const char *)w.p, "flume_n_bucket{le=\"1000\"} 1\n") != NULL,
	    "no labels: le alone in the braces");
	fl_wr_free(&w);
	CHECK_U64(fl_prom_latency_us[0], ==, 50, "latency buckets start at 50 µs");
	CHECK_U64(fl_prom_latency_us[FL_PROM_LATENCY_BUCKETS - 1], ==, 10000000,
	    "and end at 10 s");
}

static void
test_full(void)
{
	uint8_t buf[40];
	struct fl_wr w;
	struct fl_prom p;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_prom_init(&p, &w);
	fl_prom_family(&p, "flume_a_long_family_name_total", FL_PROM_COUNTER, "help text");
	CHECK_INT(w.err, ==, FL_EFULL, "output past the writer's cap: sticky FL_EFULL");
}

int
main(void)
{
	test_samples();
	test_hist();
	test_full();
	return tap_done();
}
