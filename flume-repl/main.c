/*
 * flume-repl: the follower side of replication.  A broker starts one per
 * leader broker it follows and tells it, on standard input, which
 * partitions to follow; flume-repl fetches them all from that leader in
 * one multi-partition Fetch per round as replica --node-id, keeps each
 * copy in DATA/TOPIC-P under that partition's lock, and reports on
 * standard output.  The line protocol and the exit codes are in
 * flume-repl(1); the design of a turn is in loop.c.
 *
 * main() parses options, installs the self-pipe for SIGTERM and SIGINT,
 * says ready, runs the loop and maps its result to an exit code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sysexits.h>
#include <unistd.h>

#include <sodium.h>

#include "base/csum.h"
#include "codec/conf.h"
#include "os/diag.h"
#include "os/secret.h"
#include "os/sigpipe.h"
#include "os/vfs_real.h"
#include "repl.h"

/* File-scope mutables live only here (STYLE §4): the self-pipe, the stop
 * flag the leader connection also watches, and the count of SIGINTs. */
static int sig_wfd = -1;
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t sigint_count;

static const char usage_text[] =
    "usage: flume-repl --data DIR --node-id N --leader-id N --leader HOST:PORT\n"
    "                  [--ready-fd N] [--log-level error|warn|info|debug]\n"
    "                  [--fetch-max-bytes N] [--max-wait-ms N] [--unreachable-ms N]\n"
    "                  [--segment-bytes N]\n"
    "                  [--sasl-mechanism MECH --sasl-user NAME\n"
    "                   --sasl-password-file FILE]\n"
    "       flume-repl -h | -V\n"
    "MECH: PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; the password is FILE's first line\n";

static void
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status == 0 ? 0 : EX_USAGE);
}

static void
on_signal(int sig)
{
	int e = errno;

	if (sig == SIGINT && ++sigint_count > 1)
		_exit(1);		/* a second ^C: now */
	stop_flag = 1;
	(void)!write(sig_wfd, "x", 1);
	errno = e;
}

static pid_t parent_at_start;

static int
setup_signals(void)
{
	static const int catch[] = { SIGTERM, SIGINT };
	/* SIGPIPE: a gone broker is EPIPE on stdout; SIGHUP: no log file to
	 * reopen, and EOF says the broker left */
	static const int ignore[] = { SIGPIPE, SIGHUP };
	int rfd = fl_sigpipe_open(on_signal, catch, FL_ARRAY_LEN(catch), ignore,
	    FL_ARRAY_LEN(ignore), &sig_wfd);

	if (rfd < 0)
		fl_die(EX_OSERR, "pipe");
	/*
	 * The broker that started us died (kill -9, a crash): stop as on
	 * SIGTERM at once, so a dead node copies nothing more (its followers
	 * would otherwise count as in sync for one more long poll).
	 */
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0)
		fl_warn("prctl(PR_SET_PDEATHSIG)");
	else if (getppid() != parent_at_start)
		(void)raise(SIGTERM);	/* it died before we asked */
	return rfd;
}

static int
num(const char *opt, const char *v, uint64_t min, uint64_t max, int suffix, uint64_t *out)
{
	if (fl_conf_u64(v, min, max, suffix, out) == 0)
		return 0;
	fl_warnx("--%s %s: want a number in %llu..%llu", opt, v, (unsigned long long)min,
	    (unsigned long long)max);
	usage(1);
	return -1;
}

/*
 * --sasl-*: all three or none.  The password file is read here once to
 * fail early (missing: 66; an empty or unusable first line: 64), then
 * again before each connection (leader.c), so it may be rotated while we
 * run; buf is wiped after this first read.
 */
static void
sasl_check(struct repl_cfg *cfg, const char *mech, char *buf, size_t cap)
{
	struct fl_err err = { 0, "" };
	int rc;

	if (mech == NULL && cfg->sasl_user == NULL && cfg->sasl_pw_file == NULL)
		return;
	if (mech == NULL || cfg->sasl_user == NULL || cfg->sasl_pw_file == NULL) {
		fl_warnx("--sasl-mechanism, --sasl-user and --sasl-password-file go together");
		usage(1);
	}
	if (fl_sasl_mech_parse(mech, strlen(mech), &cfg->sasl_mech) != 0) {
		fl_warnx("--sasl-mechanism %s: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
		    mech);
		usage(1);
	}
	if (cfg->sasl_user[0] == '\0' || strlen(cfg->sasl_user) > FL_SASL_USER_MAX) {
		fl_warnx("--sasl-user: want 1 to %d bytes", FL_SASL_USER_MAX);
		usage(1);
	}
	rc = fl_secret_read_line(cfg->sasl_pw_file, buf, cap, &err);
	sodium_memzero(buf, cap);
	if (rc == FL_ESYS)
		fl_diex(EX_NOINPUT, "--sasl-password-file %s: %s", cfg->sasl_pw_file, err.msg);
	if (rc != 0) {
		fl_warnx("--sasl-password-file %s: %s", cfg->sasl_pw_file, err.msg);
		usage(1);
	}
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "node-id", required_argument, NULL, 'n' },
		{ "leader-id", required_argument, NULL, 'i' },
		{ "leader", required_argument, NULL, 'l' },
		{ "ready-fd", required_argument, NULL, 'r' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "fetch-max-bytes", required_argument, NULL, 'f' },
		{ "max-wait-ms", required_argument, NULL, 'w' },
		{ "unreachable-ms", required_argument, NULL, 'u' },
		{ "segment-bytes", required_argument, NULL, 's' },
		{ "sasl-mechanism", required_argument, NULL, 'M' },
		{ "sasl-user", required_argument, NULL, 'U' },
		{ "sasl-password-file", required_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static struct repl r;
	const char *sasl_mech = NULL;
	enum fl_log_level level = FL_LOG_INFO;
	int have_node = 0, have_leader_id = 0, have_leader = 0, ready_fd = -1, ch, rc;
	uint64_t v, segment_bytes = 0;
	uint16_t port = 0;

	parent_at_start = getppid();
	fl_diag_init(argv[0]);
	r.cfg.fetch_max_bytes = 10 << 20;	/* Kafka's replica.fetch.response.max.bytes */
	r.cfg.max_wait_ms = 500;		/* replica.fetch.wait.max.ms */
	r.cfg.unreachable_ms = 30000;
	r.exit_code = -1;
	while ((ch = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			r.cfg.data_dir = optarg;
			break;
		case 'n':
			num("node-id", optarg, 0, INT32_MAX, 0, &v);
			r.cfg.node_id = (int32_t)v;
			have_node = 1;
			break;
		case 'i':
			num("leader-id", optarg, 0, INT32_MAX, 0, &v);
			r.cfg.leader_id = (int32_t)v;
			have_leader_id = 1;
			break;
		case 'l':
			if (fl_conf_hostport(optarg, r.cfg.host, sizeof(r.cfg.host), &port) != 0 ||
			    r.cfg.host[0] == '\0' || port == 0) {
				fl_warnx("--leader %s: want HOST:PORT", optarg);
				usage(1);
			}
			snprintf(r.cfg.port, sizeof(r.cfg.port), "%u", (unsigned)port);
			have_leader = 1;
			break;
		case 'r':
			num("ready-fd", optarg, 0, INT32_MAX, 0, &v);
			ready_fd = (int)v;
			break;
		case 'L':
			if (fl_diag_parse_level(optarg, &level) != 0) {
				fl_warnx("--log-level %s: want error, warn, info or debug", optarg);
				usage(1);
			}
			break;
		case 'f':
			num("fetch-max-bytes", optarg, 1024, 64u << 20, 1, &v);
			r.cfg.fetch_max_bytes = (int32_t)v;
			break;
		case 'w':
			num("max-wait-ms", optarg, 0, 60000, 0, &v);
			r.cfg.max_wait_ms = (int32_t)v;
			break;
		case 'u':
			num("unreachable-ms", optarg, 1, 86400000, 0, &v);
			r.cfg.unreachable_ms = (int64_t)v;
			break;
		case 's':
			num("segment-bytes", optarg, 4096, 1ull << 40, 1, &segment_bytes);
			break;
		case 'M':
			sasl_mech = optarg;
			break;
		case 'U':
			r.cfg.sasl_user = optarg;
			break;
		case 'P':
			r.cfg.sasl_pw_file = optarg;
			break;
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("flume-repl %s\n", FL_VERSION);
			return 0;
		default:
			usage(1);
		}
	}
	if (optind != argc || r.cfg.data_dir == NULL || !have_node || !have_leader_id ||
	    !have_leader)
		usage(1);
	sasl_check(&r.cfg, sasl_mech, r.sasl_password, sizeof(r.sasl_password));
	if (ready_fd >= 0 && fcntl(ready_fd, F_GETFD) < 0)
		fl_die(EX_USAGE, "--ready-fd %d", ready_fd);
	fl_diag_set_level(level);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "libsodium failed to initialise");

	r.vfs = fl_vfs_real();
	fl_plog_config_default(&r.pcfg.plog);
	if (segment_bytes > 0)
		r.pcfg.plog.segment_bytes = segment_bytes;
	r.pcfg.plog.retention_ms = -1;		/* the leader's retention decides */
	r.pcfg.plog.write_buffer_bytes = REPL_WRITE_BUFFER_BYTES;
	r.pcfg.message_bytes_max = FL_BATCH_BYTES_MAX;
	r.pcfg.producers_max = REPL_PRODUCERS_MAX;
	if ((rc = fl_vfs_mkdirs(r.vfs, r.cfg.data_dir)) != 0)
		fl_die(EX_IOERR, "%s", r.cfg.data_dir);

	r.sig_fd = setup_signals();
	r.stop = &stop_flag;
	if (input_init(&r) != 0)
		fl_die(EX_OSERR, "epoll");
	if (fl_kconn_init(&r.conn, r.cfg.host, r.cfg.port) != 0)
		fl_diex(EX_USAGE, "--leader %s:%s: too long", r.cfg.host, r.cfg.port);
	r.conn.client_id = "flume-repl";
	r.conn.abort_fd = r.wake_fd;
	r.conn.abort_events = POLLIN;
	r.conn.stop = &stop_flag;
	/* connect and ApiVersions: no longer than the whole patience */
	r.conn.timeout_ms = r.cfg.unreachable_ms < 10000 ? r.cfg.unreachable_ms : 10000;

	fl_log(FL_LOG_INFO, "node %d following leader %d at %s:%s, data %s",
	    (int)r.cfg.node_id, (int)r.cfg.leader_id, r.cfg.host, r.cfg.port, r.cfg.data_dir);
	if (ready_fd >= 0) {
		if (write(ready_fd, "ready\n", 6) != 6)
			fl_log(FL_LOG_WARN, "ready-fd %d: %s", ready_fd, strerror(errno));
		close(ready_fd);
	}
	rc = repl_run(&r);
	fl_log(rc == 0 ? FL_LOG_INFO : FL_LOG_WARN, "stopped (%d)", rc);
	return rc;
}
