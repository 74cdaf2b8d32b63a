/*
 * flume-cat: a small Kafka client for shell pipelines.
 *
 *   flume-cat -P  produce stdin records (lines, or NUL-separated with -z)
 *   flume-cat -C  consume records to stdout through a kcat-style -f format
 *   flume-cat -L  list topics and partitions
 *   flume-cat -G  consume as a member of a consumer group (group.c)
 *   flume-cat -L -G  describe consumer groups (ginfo.c)
 *
 * main() parses options into a struct cat_conf, installs signal flags and
 * hands over to the mode; the modes return a sysexits code (cat.h).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <sodium.h>

#include "base/csum.h"
#include "os/diag.h"
#include "os/secret.h"
#include "cat.h"

/* The only file-scope mutables (STYLE §4): the signal flags. */
static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t sigint_count;

static const char usage_text[] =
    "usage: flume-cat -P -b HOST:PORT -t TOPIC [-z] [-K SEP] [-p N] [-c COUNT]\n"
    "                 [--acks 0|1|all] [--idempotent | --no-idempotence] [--report]\n"
    "                 [--linger-ms N] [--batch-bytes N] [--timeout-ms N]\n"
    "                 [--client-id ID]\n"
    "                 [--sasl-mechanism MECH --sasl-user NAME\n"
    "                  --sasl-password-file FILE]\n"
    "       flume-cat -C -b HOST:PORT -t TOPIC [-z] [-K SEP] [-p N] [-e]\n"
    "                 [-c COUNT] [-o beginning|end|OFFSET|-N] [-f FORMAT]\n"
    "                 [--timeout-ms N] [--client-id ID]\n"
    "                 [--sasl-mechanism MECH --sasl-user NAME\n"
    "                  --sasl-password-file FILE]\n"
    "       flume-cat -G GROUP -b HOST:PORT [-z] [-K SEP] [-e] [-c COUNT]\n"
    "                 [-o beginning|end|OFFSET|-N] [-f FORMAT] [--session-ms N]\n"
    "                 [--rebalance-ms N] [--heartbeat-ms N] [--commit-ms N]\n"
    "                 [--timeout-ms N] [--client-id ID]\n"
    "                 [--sasl-mechanism MECH --sasl-user NAME\n"
    "                  --sasl-password-file FILE]\n"
    "                 TOPIC ...\n"
    "       flume-cat -L -b HOST:PORT [-t TOPIC]\n"
    "                 [--json | --list-format human|tsv|json] [--timeout-ms N]\n"
    "                 [--sasl-mechanism MECH --sasl-user NAME\n"
    "                  --sasl-password-file FILE]\n"
    "       flume-cat -L -G [GROUP] -b HOST:PORT\n"
    "                 [--json | --list-format human|tsv|json] [--timeout-ms N]\n"
    "                 [--sasl-mechanism MECH --sasl-user NAME\n"
    "                  --sasl-password-file FILE]\n"
    "       flume-cat -h | -V\n"
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
	if (sig == SIGINT && ++sigint_count >= 2)
		_exit(1);	/* a second ^C: stop at once (STYLE §5) */
	stop_flag = 1;
}

static int64_t
parse_num(const char *opt, const char *s, int64_t min, int64_t max)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
		fl_warnx("%s: '%s' is not a number in [%lld, %lld]", opt, s,
		    (long long)min, (long long)max);
		usage(1);
	}
	return v;
}

static void
parse_offset(struct cat_conf *c, const char *s)
{
	if (strcmp(s, "beginning") == 0) {
		c->off_kind = CAT_OFF_BEGINNING;
	} else if (strcmp(s, "end") == 0) {
		c->off_kind = CAT_OFF_END;
	} else if (s[0] == '-') {
		c->off_kind = CAT_OFF_REL;
		c->off_value = parse_num("-o", s + 1, 1, INT64_MAX);
	} else {
		c->off_kind = CAT_OFF_ABS;
		c->off_value = parse_num("-o", s, 0, INT64_MAX);
	}
}

enum {
	OPT_ACKS = 256, OPT_IDEMPOTENT, OPT_NO_IDEMPOTENCE, OPT_LINGER,
	OPT_BATCH_BYTES, OPT_TIMEOUT, OPT_CLIENT_ID, OPT_JSON, OPT_LIST_FORMAT,
	OPT_SESSION, OPT_REBALANCE, OPT_HEARTBEAT, OPT_COMMIT, OPT_REPORT,
	OPT_SASL_MECH, OPT_SASL_USER, OPT_SASL_PASSWORD_FILE
};

/*
 * --sasl-*: all three or none.  The password is the first line of FILE,
 * read into pw (main()'s, wiped at exit); a file that cannot be read exits
 * 66, an empty or unusable first line is a usage error.
 */
static void
sasl_setup(struct cat_conf *c, const char *mech, const char *pw_file, char *pw,
    size_t pw_cap)
{
	struct fl_err err = { 0, "" };
	int rc;

	if (mech == NULL && c->sasl_user == NULL && pw_file == NULL)
		return;
	if (mech == NULL || c->sasl_user == NULL || pw_file == NULL) {
		fl_warnx("--sasl-mechanism, --sasl-user and --sasl-password-file go together");
		usage(1);
	}
	if (fl_sasl_mech_parse(mech, strlen(mech), &c->sasl_mech) != 0) {
		fl_warnx("--sasl-mechanism %s: want PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512",
		    mech);
		usage(1);
	}
	if (c->sasl_user[0] == '\0' || strlen(c->sasl_user) > FL_SASL_USER_MAX) {
		fl_warnx("--sasl-user: want 1 to %d bytes", FL_SASL_USER_MAX);
		usage(1);
	}
	rc = fl_secret_read_line(pw_file, pw, pw_cap, &err);
	if (rc == FL_ESYS)
		fl_diex(EX_NOINPUT, "--sasl-password-file %s: %s", pw_file, err.msg);
	if (rc != 0) {
		fl_warnx("--sasl-password-file %s: %s", pw_file, err.msg);
		usage(1);
	}
	c->sasl_password = pw;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "produce", no_argument, NULL, 'P' },
		{ "consume", no_argument, NULL, 'C' },
		{ "list", no_argument, NULL, 'L' },
		{ "brokers", required_argument, NULL, 'b' },
		{ "topic", required_argument, NULL, 't' },
		{ "partition", required_argument, NULL, 'p' },
		{ "nul", no_argument, NULL, 'z' },
		{ "key-separator", required_argument, NULL, 'K' },
		{ "offset", required_argument, NULL, 'o' },
		{ "exit-at-end", no_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'c' },
		{ "format", required_argument, NULL, 'f' },
		{ "acks", required_argument, NULL, OPT_ACKS },
		{ "idempotent", no_argument, NULL, OPT_IDEMPOTENT },
		{ "report", no_argument, NULL, OPT_REPORT },
		{ "no-idempotence", no_argument, NULL, OPT_NO_IDEMPOTENCE },
		{ "linger-ms", required_argument, NULL, OPT_LINGER },
		{ "batch-bytes", required_argument, NULL, OPT_BATCH_BYTES },
		{ "timeout-ms", required_argument, NULL, OPT_TIMEOUT },
		{ "client-id", required_argument, NULL, OPT_CLIENT_ID },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "list-format", required_argument, NULL, OPT_LIST_FORMAT },
		{ "group", optional_argument, NULL, 'G' },
		{ "session-ms", required_argument, NULL, OPT_SESSION },
		{ "rebalance-ms", required_argument, NULL, OPT_REBALANCE },
		{ "heartbeat-ms", required_argument, NULL, OPT_HEARTBEAT },
		{ "commit-ms", required_argument, NULL, OPT_COMMIT },
		{ "sasl-mechanism", required_argument, NULL, OPT_SASL_MECH },
		{ "sasl-user", required_argument, NULL, OPT_SASL_USER },
		{ "sasl-password-file", required_argument, NULL, OPT_SASL_PASSWORD_FILE },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *topics[CAT_TOPICS_MAX];
	static char sasl_password[FL_SASL_PASSWORD_MAX + 1];
	const char *sasl_mech = NULL, *sasl_pw_file = NULL;
	struct cat_conf conf;
	struct sigaction sa;
	int ch, is_acks_set = 0, is_idem_set = 0, is_group = 0, rc;

	fl_diag_init(argv[0]);
	memset(&conf, 0, sizeof(conf));
	conf.partition = -1;
	conf.linger_ms = 5;
	conf.batch_bytes_max = 1u << 20;
	conf.acks = -1;
	conf.is_idempotent = 1;
	conf.off_kind = CAT_OFF_BEGINNING;
	conf.count_max = -1;
	conf.timeout_ms = 10000;
	conf.out_fmt = fl_out_guess(STDOUT_FILENO);
	conf.client_id = "flume-cat";
	conf.session_ms = 10000;
	conf.rebalance_ms = 30000;
	conf.commit_ms = 1000;
	conf.stop = &stop_flag;

	while ((ch = getopt_long(argc, argv, "PCLG::b:t:p:zK:o:ec:f:hV", longopts,
	    NULL)) != -1) {
		enum cat_mode m = CAT_NONE;

		switch (ch) {
		case 'P': m = CAT_PRODUCE; break;
		case 'C': m = CAT_CONSUME; break;
		case 'L': m = CAT_LIST; break;
		case 'b': conf.brokers = optarg; break;
		case 't': conf.topic = optarg; break;
		case 'p':
			conf.partition = (int32_t)parse_num("-p", optarg, 0, INT32_MAX);
			break;
		case 'z': conf.is_nul_delim = 1; break;
		case 'K':
			if (optarg[0] == '\0') {
				fl_warnx("-K: the key separator cannot be empty");
				usage(1);
			}
			conf.key_sep = optarg;
			conf.key_sep_len = strlen(optarg);
			break;
		case 'o': parse_offset(&conf, optarg); break;
		case 'e': conf.is_exit_eof = 1; break;
		case 'c': conf.count_max = parse_num("-c", optarg, 0, INT64_MAX); break;
		case 'f': conf.format = optarg; break;
		case OPT_ACKS:
			is_acks_set = 1;
			if (strcmp(optarg, "all") == 0 || strcmp(optarg, "-1") == 0)
				conf.acks = -1;
			else
				conf.acks = (int16_t)parse_num("--acks", optarg, 0, 1);
			break;
		case OPT_IDEMPOTENT: conf.is_idempotent = 1; is_idem_set = 1; break;
		case OPT_REPORT: conf.is_report = 1; break;
		case OPT_NO_IDEMPOTENCE: conf.is_idempotent = 0; is_idem_set = 1; break;
		case OPT_LINGER:
			conf.linger_ms = parse_num("--linger-ms", optarg, 0, 3600000);
			break;
		case OPT_BATCH_BYTES:
			/* 1048576 stays under the broker's default 1048588-byte batch cap */
			conf.batch_bytes_max = (size_t)parse_num("--batch-bytes", optarg,
			    1024, 64 << 20);
			break;
		case OPT_TIMEOUT:
			conf.timeout_ms = parse_num("--timeout-ms", optarg, 1, 3600000);
			break;
		case OPT_CLIENT_ID: conf.client_id = optarg; break;
		case OPT_JSON: conf.out_fmt = FL_OUT_JSON; break;
		case OPT_LIST_FORMAT:
			if (fl_out_parse_format(optarg, &conf.out_fmt) != 0) {
				fl_warnx("--list-format: want human, tsv or json");
				usage(1);
			}
			break;
		case 'G':
			/*
			 * Optional argument: "-G NAME" leaves NAME among the
			 * operands (kcat's "-G GROUP TOPIC..."), "-GNAME" and
			 * "--group=NAME" attach it, and "-L -G" alone means
			 * every group.
			 */
			is_group = 1;
			conf.group = optarg;
			break;
		case OPT_SESSION:
			conf.session_ms = parse_num("--session-ms", optarg, 1, 3600000);
			break;
		case OPT_REBALANCE:
			conf.rebalance_ms = parse_num("--rebalance-ms", optarg, 1, 3600000);
			break;
		case OPT_HEARTBEAT:
			conf.heartbeat_ms = parse_num("--heartbeat-ms", optarg, 1, 3600000);
			break;
		case OPT_COMMIT:
			conf.commit_ms = parse_num("--commit-ms", optarg, 1, 3600000);
			break;
		case OPT_SASL_MECH: sasl_mech = optarg; break;
		case OPT_SASL_USER: conf.sasl_user = optarg; break;
		case OPT_SASL_PASSWORD_FILE: sasl_pw_file = optarg; break;
		case 'h': usage(0); break;
		case 'V': printf("flume-cat %s\n", FL_VERSION); return 0;
		default: usage(1);
		}
		if (m != CAT_NONE) {
			if (conf.mode != CAT_NONE && conf.mode != m) {
				fl_warnx("-P, -C and -L exclude each other");
				usage(1);
			}
			conf.mode = m;
		}
	}
	if (is_group) {
		if (conf.mode == CAT_PRODUCE) {
			fl_warnx("-G and -P exclude each other");
			usage(1);
		}
		if (conf.group == NULL && optind < argc && conf.mode != CAT_LIST)
			conf.group = argv[optind++];
		else if (conf.group == NULL && optind + 1 == argc)
			conf.group = argv[optind++];	/* -L -G GROUP */
		if (conf.mode == CAT_LIST && conf.group == NULL)
			conf.is_all_groups = 1;
		if (conf.group != NULL && conf.group[0] == '\0') {
			fl_warnx("-G: a group id cannot be empty");
			usage(1);
		}
		if (conf.mode != CAT_LIST) {
			conf.mode = CAT_CONSUME;
			if (conf.group == NULL) {
				fl_warnx("-G GROUP needs a group id");
				usage(1);
			}
			if (conf.topic != NULL)
				topics[conf.ntopics++] = conf.topic;
			for (; optind < argc; optind++) {
				if (conf.ntopics == CAT_TOPICS_MAX) {
					fl_warnx("-G: at most %d topics", CAT_TOPICS_MAX);
					usage(1);
				}
				if (argv[optind][0] == '\0' || strlen(argv[optind]) > 249) {
					fl_warnx("-G: '%s' is not a topic name", argv[optind]);
					usage(1);
				}
				topics[conf.ntopics++] = argv[optind];
			}
			if (conf.ntopics == 0) {
				fl_warnx("-G GROUP needs at least one TOPIC");
				usage(1);
			}
			if (conf.partition >= 0) {
				fl_warnx("-p makes no sense with -G: the group assigns partitions");
				usage(1);
			}
			conf.topics = topics;
			/* a session needs a few heartbeats; Kafka's minimum is 6000 */
			if (conf.heartbeat_ms == 0)
				conf.heartbeat_ms = conf.session_ms / 3 > 0 ?
				    conf.session_ms / 3 : 1;
		}
	}
	if (optind != argc) {
		fl_warnx("unexpected argument '%s'", argv[optind]);
		usage(1);
	}
	if (conf.mode == CAT_NONE) {
		fl_warnx("one of -P, -C, -G or -L is needed");
		usage(1);
	}
	if (conf.brokers == NULL) {
		fl_warnx("-b HOST:PORT is needed");
		usage(1);
	}
	if (conf.topic == NULL && conf.mode != CAT_LIST && conf.group == NULL) {
		fl_warnx("-t TOPIC is needed");
		usage(1);
	}
	if (conf.topic != NULL && strlen(conf.topic) > 249) {
		fl_warnx("-t: a topic name has at most 249 characters");
		usage(1);
	}
	/*
	 * The Java client's rule: idempotence needs acks=all.  Asking for
	 * both idempotence and weaker acks is a contradiction; weaker acks
	 * alone turn the default idempotence off.
	 */
	if (conf.is_report && (conf.mode != CAT_PRODUCE || (is_acks_set && conf.acks == 0))) {
		fl_warnx("--report is for -P with acks 1 or all");
		usage(1);
	}
	if (is_acks_set && conf.acks != -1) {
		if (is_idem_set && conf.is_idempotent) {
			fl_warnx("--idempotent needs --acks all");
			usage(1);
		}
		conf.is_idempotent = 0;
	}

	sasl_setup(&conf, sasl_mech, sasl_pw_file, sasl_password, sizeof(sasl_password));

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: poll() must wake up */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "cannot initialise libsodium");

	switch (conf.mode) {
	case CAT_PRODUCE: rc = cat_produce(&conf); break;
	case CAT_CONSUME:
		rc = is_group ? cat_group(&conf) : cat_consume(&conf);
		break;
	default:
		rc = is_group ? cat_group_list(&conf) : cat_list(&conf);
		break;
	}
	sodium_memzero(sasl_password, sizeof(sasl_password));
	/* a reader that went away (| head) is how pipelines end: not an error */
	if (rc == CAT_EPIPE)
		return 0;
	return rc;
}
