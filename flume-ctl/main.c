/*
 * flume-ctl: the controller (flume-ctl run) and the operators' tool
 * (flume-ctl VERB).  main() parses the global options, then hands over to
 * run.c or verbs.c.  The verbs, the files and the exit codes are in
 * flume-ctl(1).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/csum.h"
#include "codec/conf.h"
#include "fctl.h"
#include "os/diag.h"

const char fctl_usage[] =
    "usage: flume-ctl run --cluster FILE --state DIR [--poll-ms N] [--liveness-ms N]\n"
    "                     [--log-file FILE] [--log-level error|warn|info|debug] [--ready-fd N]\n"
    "                     [--metrics-listen HOST:PORT]\n"
    "       flume-ctl -d DIR run [...]\n"
    "       flume-ctl [-d DIR | --cluster FILE --state DIR] VERB ...\n"
    "verbs: status [--json]\n"
    "       elect TOPIC PART [--to NODE] [--unclean]\n"
    "       create-topic TOPIC --partitions P --replicas R [--config KEY=VALUE ...]\n"
    "       delete-topic TOPIC\n"
    "       reassign TOPIC PART NODES | reassign --plan\n"
    "       fence NODE | unfence NODE | drain NODE\n"
    "       verify-replicas [TOPIC]\n"
    "       flume-ctl -h | -V\n";

static void
usage(int status)
{
	fputs(fctl_usage, status == 0 ? stdout : stderr);
	exit(status == 0 ? 0 : EX_USAGE);
}

static int64_t
num(const char *opt, const char *v, uint64_t min, uint64_t max)
{
	uint64_t out;

	if (fl_conf_u64(v, min, max, 0, &out) != 0) {
		fl_warnx("--%s %s: want a number in %llu..%llu", opt, v, (unsigned long long)min,
		    (unsigned long long)max);
		usage(1);
	}
	return (int64_t)out;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cluster", required_argument, NULL, 'c' },
		{ "state", required_argument, NULL, 's' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "liveness-ms", required_argument, NULL, 'l' },
		{ "log-file", required_argument, NULL, 'f' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "metrics-listen", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static char cluster_buf[4200], state_buf[4200], metrics_host[256];
	const char *dir = NULL, *cluster = NULL, *state = NULL, *log_file = NULL;
	enum fl_log_level level = FL_LOG_INFO;
	struct run_opts o;
	int ch, is_run;

	fl_diag_init(argv[0]);
	memset(&o, 0, sizeof(o));
	o.poll_ms = 100;
	o.liveness_ms = 1000;
	o.ready_fd = -1;
	/* options before the verb, and (for run) after it; a verb's own are its */
	is_run = 0;
	for (;;) {
		while ((ch = getopt_long(argc, argv, "+d:hV", longopts, NULL)) != -1) {
			switch (ch) {
			case 'd':
				dir = optarg;
				break;
			case 'c':
				cluster = optarg;
				break;
			case 's':
				state = optarg;
				break;
			case 'p':
				o.poll_ms = num("poll-ms", optarg, 1, 60000);
				break;
			case 'l':
				o.liveness_ms = num("liveness-ms", optarg, 10, 3600000);
				break;
			case 'f':
				log_file = optarg;
				break;
			case 'L':
				if (fl_diag_parse_level(optarg, &level) != 0) {
					fl_warnx("--log-level %s: want error, warn, info or debug", optarg);
					usage(1);
				}
				break;
			case 'r':
				o.ready_fd = (int)num("ready-fd", optarg, 0, INT32_MAX);
				break;
			case 'm':
				if (fl_conf_hostport(optarg, metrics_host, sizeof(metrics_host),
				    &o.metrics_port) != 0) {
					fl_warnx("--metrics-listen %s: want HOST:PORT", optarg);
					usage(1);
				}
				o.metrics_host = metrics_host;
				break;
			case 'h':
				usage(0);
				break;
			case 'V':
				printf("flume-ctl %s\n", FL_VERSION);
				return 0;
			default:
				usage(1);
			}
		}
		if (!is_run && optind < argc && strcmp(argv[optind], "run") == 0) {
			is_run = 1;
			optind++;
			continue;
		}
		break;
	}
	if (dir != NULL) {
		if (cluster != NULL || state != NULL) {
			fl_warnx("-d DIR names the cluster file and the state dir: not with "
			    "--cluster or --state");
			usage(1);
		}
		snprintf(cluster_buf, sizeof(cluster_buf), "%s/cluster", dir);
		snprintf(state_buf, sizeof(state_buf), "%s/state", dir);
		cluster = cluster_buf;
		state = state_buf;
	}
	if (cluster == NULL || state == NULL) {
		fl_warnx("name the cluster: -d DIR, or --cluster FILE and --state DIR");
		usage(1);
	}
	fl_diag_set_level(level);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "libsodium failed to initialise");
	if (is_run) {
		if (optind != argc)
			usage(1);
		if (o.ready_fd >= 0 && fcntl(o.ready_fd, F_GETFD) < 0)
			fl_die(EX_USAGE, "--ready-fd %d", o.ready_fd);
		if (log_file != NULL && fl_diag_log_to(log_file) != 0)
			fl_die(EX_CANTCREAT, "%s", log_file);
		o.cluster_file = cluster;
		o.state_dir = state;
		o.log_file = log_file;
		return run_controller(&o);
	}
	if (optind >= argc)
		usage(1);
	return verb_main(dir, cluster, state, argc - optind, argv + optind);
}
