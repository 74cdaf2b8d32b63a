/*
 * flume-sim: a deterministic simulation of a whole flume cluster on the
 * daemons' own modules (flume-sim(1), DESIGN §7).
 *
 *   flume-sim --seed S [--trace]        one scenario; its trace's BLAKE2b
 *   flume-sim --seeds N [--seed FIRST]  N scenarios; the first failing seed
 *   flume-sim --minutes M               scenarios until M minutes pass
 *
 * Exit codes: 0 every scenario kept every promise; 70 one broke one (its
 * seed and the line that replays it are printed); 64 usage; 71 out of
 * memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "base/csum.h"
#include "codec/conf.h"
#include "sim.h"

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: flume-sim [--seed S] [--seeds N | --minutes M] [--trace] [--quiet]\n"
	    "                 [--nodes N] [--partitions N] [--faults PROFILE]\n"
	    "                 [--time-limit MS] [--settle MS]\n"
	    "PROFILE: all (default), none, or a comma list of all, net, crash, disk, ops,\n"
	    "         disk-any (not in all: see LIMITS in flume-sim(1))\n");
}

static double
wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
parse_faults(const char *s, unsigned *out)
{
	char buf[128], *tok, *save = NULL;

	if (strcmp(s, "all") == 0) {
		*out = SIM_F_ALL;
		return 0;
	}
	if (strcmp(s, "none") == 0) {
		*out = 0;
		return 0;
	}
	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	*out = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (strcmp(tok, "all") == 0)
			*out |= SIM_F_ALL;
		else if (strcmp(tok, "net") == 0)
			*out |= SIM_F_NET;
		else if (strcmp(tok, "crash") == 0)
			*out |= SIM_F_CRASH;
		else if (strcmp(tok, "disk") == 0)
			*out |= SIM_F_DISK;
		else if (strcmp(tok, "ops") == 0)
			*out |= SIM_F_OPS;
		else if (strcmp(tok, "disk-any") == 0)
			*out |= SIM_F_DISK | SIM_F_DISK_ANY;
		else
			return -1;
	}
	return 0;
}

static const char *
faults_name(unsigned f, char *buf, size_t n)
{
	static const char *const names[] = { "net", "crash", "disk", "ops", "disk-any" };
	size_t i, len = 0;

	if (f == SIM_F_ALL)
		return "all";
	if (f == 0)
		return "none";
	buf[0] = '\0';
	if ((f & SIM_F_ALL) == SIM_F_ALL) {
		len = (size_t)snprintf(buf, n, "all");
		f &= ~(unsigned)SIM_F_ALL;
	}
	for (i = 0; i < 5; i++)
		if (f & (1u << i))
			len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? "," : "", names[i]);
	return buf;
}

static void
replay_line(const struct sim_opts *o, uint64_t seed, FILE *f)
{
	char fb[64];

	fprintf(f, "replay: flume-sim --seed %llu --nodes %d --partitions %d --faults %s "
	    "--time-limit %lld --settle %lld --trace\n", (unsigned long long)seed, o->nodes,
	    o->partitions, faults_name(o->faults, fb, sizeof(fb)), (long long)o->time_limit_ms,
	    (long long)o->settle_ms);
}

struct totals {
	uint64_t scenarios, steps, msgs, faults, acked;
	double sim_s;
};

/* One scenario: 0 kept every promise, 1 broke one, -1 could not run. */
static int
run_one(const struct sim_opts *base, uint64_t seed, struct totals *t, int show_failure)
{
	struct sim_world *w = calloc(1, sizeof(*w));
	uint8_t hash[FL_BLAKE2B_BYTES];
	char hex[2 * FL_BLAKE2B_BYTES + 1];
	size_t i;
	int rc, k;

	if (w == NULL)
		return -1;
	w->o = *base;
	w->o.seed = seed;
	fl_rng_seed(&w->rng, seed);
	fl_blake2b_init(&w->th);
	if ((w->ring = calloc(SIM_TRACE_KEEP, sizeof(*w->ring))) == NULL) {
		free(w);
		return -1;
	}
	for (i = 0; i < SIM_TRACE_KEEP; i++)
		if ((w->ring[i] = calloc(1, 1216)) == NULL)
			return -1;
	for (k = 1; k <= w->o.nodes; k++)
		w->node[k].id = k;
	if (check_init(w) != 0)
		return -1;
	sim_trace(w, "seed %llu: %d nodes, %d partitions", (unsigned long long)seed, w->o.nodes,
	    w->o.partitions);
	rc = sim_run(w);
	fl_blake2b_final(&w->th, hash);
	fl_hex(hex, hash, sizeof(hash));
	if (rc < 0 && !w->failed)
		rc = -1;
	if (w->failed && show_failure) {
		fprintf(stdout, "seed %llu: INVARIANT BROKEN at %lld ms (step %llu): %s\n",
		    (unsigned long long)seed, (long long)w->now, (unsigned long long)w->steps, w->why);
		if (!w->o.trace) {
			fprintf(stdout, "the last trace lines:\n");
			for (i = 0; i < SIM_TRACE_KEEP; i++) {
				const char *s = w->ring[(w->ring_at + i) % SIM_TRACE_KEEP];

				if (s[0] != '\0')
					fputs(s, stdout);
			}
		}
		replay_line(&w->o, seed, stdout);
	}
	if (base->seed_single)
		printf("seed %llu: %s: %llu steps, %.3f simulated s, %llu records acknowledged, "
		    "%llu faults\ntrace blake2b %s\n", (unsigned long long)seed,
		    w->failed ? "FAILED" : "ok", (unsigned long long)w->steps, (double)w->now / 1000.0,
		    (unsigned long long)w->acked_records, (unsigned long long)w->faults, hex);
	t->scenarios++;
	t->steps += w->steps;
	t->msgs += w->msgs;
	t->faults += w->faults;
	t->acked += w->acked_records;
	t->sim_s += (double)w->now / 1000.0;
	for (k = 1; k <= w->o.nodes; k++)
		node_free(&w->node[k]);
	ctl_free(w);
	check_free(w);
	for (i = 0; i < SIM_TRACE_KEEP; i++)
		free(w->ring[i]);
	free(w->ring);
	free(w->q);
	free(w);
	return rc;
}

int
main(int argc, char **argv)
{
	struct sim_opts o;
	struct totals t;
	uint64_t nseeds = 0, first = 1, s, v;
	double minutes = 0, t0;
	int i, have_seed = 0;

	memset(&o, 0, sizeof(o));
	memset(&t, 0, sizeof(t));
	o.nodes = 3;
	o.partitions = 2;
	o.faults = SIM_F_ALL;
	o.time_limit_ms = 4000;
	o.settle_ms = 6000;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(a, "--trace") == 0) {
			o.trace = 1;
			continue;
		}
		if (strcmp(a, "--quiet") == 0) {
			o.quiet = 1;
			continue;
		}
		if (val == NULL) {
			fprintf(stderr, "flume-sim: %s needs a value\n", a);
			usage(stderr);
			return EX_USAGE;
		}
		i++;
		if (strcmp(a, "--seed") == 0 && fl_conf_u64(val, 0, UINT64_MAX, 0, &v) == 0) {
			first = v;
			have_seed = 1;
		} else if (strcmp(a, "--seeds") == 0 &&
		    fl_conf_u64(val, 1, 1000000000, 0, &v) == 0) {
			nseeds = v;
		} else if (strcmp(a, "--minutes") == 0 && fl_conf_u64(val, 1, 100000, 0, &v) == 0) {
			minutes = (double)v;
		} else if (strcmp(a, "--nodes") == 0 && fl_conf_u64(val, 1, SIM_NODES_MAX, 0, &v) == 0) {
			o.nodes = (int)v;
		} else if (strcmp(a, "--partitions") == 0 && fl_conf_u64(val, 1, 16, 0, &v) == 0) {
			o.partitions = (int)v;
		} else if (strcmp(a, "--time-limit") == 0 &&
		    fl_conf_u64(val, 1, 3600000, 0, &v) == 0) {
			o.time_limit_ms = (int64_t)v;
		} else if (strcmp(a, "--settle") == 0 && fl_conf_u64(val, 0, 3600000, 0, &v) == 0) {
			o.settle_ms = (int64_t)v;
		} else if (strcmp(a, "--faults") == 0 && parse_faults(val, &o.faults) == 0) {
			;
		} else {
			fprintf(stderr, "flume-sim: bad %s '%s'\n", a, val);
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (fl_csum_init() != 0) {
		fprintf(stderr, "flume-sim: libsodium does not initialise\n");
		return EX_OSERR;
	}
	if (nseeds == 0 && minutes == 0) {
		int rc;

		if (!have_seed)
			first = 1;
		o.seed_single = 1;
		rc = run_one(&o, first, &t, 1);
		return rc < 0 ? EX_OSERR : rc ? EX_SOFTWARE : 0;
	}
	if (o.trace) {
		fprintf(stderr, "flume-sim: --trace goes with one --seed\n");
		return EX_USAGE;
	}
	t0 = wall_s();
	for (s = first; nseeds == 0 || s < first + nseeds; s++) {
		int rc = run_one(&o, s, &t, 1);

		if (rc < 0) {
			fprintf(stderr, "flume-sim: out of memory\n");
			return EX_OSERR;
		}
		if (rc > 0) {
			printf("seed %llu failed after %llu scenarios passed\n", (unsigned long long)s,
			    (unsigned long long)(t.scenarios - 1));
			return EX_SOFTWARE;
		}
		if (minutes > 0 && wall_s() - t0 >= minutes * 60)
			break;
		if (!o.quiet && minutes > 0 && t.scenarios % 1000 == 0)
			printf("%llu scenarios, %.1f scenarios/s\n", (unsigned long long)t.scenarios,
			    (double)t.scenarios / (wall_s() - t0));
	}
	{
		double el = wall_s() - t0;
		char fb[64];

		printf("%llu scenarios passed (seeds %llu..%llu, %d nodes, faults %s): %llu steps, "
		    "%llu messages, %llu faults, %llu records acknowledged; %.1f simulated s in "
		    "%.2f wall s: %.1f scenarios/s, %.1f simulated s per wall s\n",
		    (unsigned long long)t.scenarios, (unsigned long long)first,
		    (unsigned long long)(first + t.scenarios - 1), o.nodes,
		    faults_name(o.faults, fb, sizeof(fb)), (unsigned long long)t.steps,
		    (unsigned long long)t.msgs, (unsigned long long)t.faults,
		    (unsigned long long)t.acked, t.sim_s, el, el > 0 ? (double)t.scenarios / el : 0,
		    el > 0 ? t.sim_s / el : 0);
	}
	return 0;
}
