/*
 * flume-serve: a Kafka-compatible commit log broker (one node).
 *
 * main() parses options (command line over config file), opens the log
 * file, locks and prepares the data directory, starts the sync thread and
 * the listeners, announces readiness and hands over to the event loop.
 * Signals only write a byte to the self-pipe; the loop does the work.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "base/csum.h"
#include "codec/conf.h"
#include "os/clock.h"
#include "os/diag.h"
#include "os/sigpipe.h"
#include "os/entropy.h"
#include "os/lock.h"
#include "os/vfs_real.h"
#include "sm/sasl.h"
#include "store/meta.h"
#include "serve.h"

#define CONFIG_BYTES_MAX (1u << 20)

/* File-scope mutables live only here (STYLE §4): the self-pipe and the
 * count of SIGINTs, so a second one can exit at once. */
static int sig_wfd = -1;
static volatile sig_atomic_t sigint_count;

static const char usage_text[] =
    "usage: flume-serve --data DIR --listen HOST:PORT [--advertise HOST:PORT]\n"
    "                   [--config FILE] [--ready-fd N] [--log-file FILE]\n"
    "                   [--metrics-listen HOST:PORT]\n"
    "                   [--sasl] [--sasl-mechanisms LIST]\n"
    "                   [--replica-user NAME --replica-password-file FILE]\n"
    "                   [--log-level error|warn|info|debug] [--node-id N]\n"
    "                   [--auto-create-topics BOOL] [--num-partitions N]\n"
    "                   [--socket-request-max-bytes N] [--message-max-bytes N]\n"
    "                   [--max-connections N] [--unsynced-bytes-max N]\n"
    "                   [--produce-waiting-max N] [--connection-out-bytes-max N]\n"
    "                   [--buffer-bytes-max N] [--segment-bytes N]\n"
    "                   [--retention-ms N] [--retention-bytes N]\n"
    "                   [--shutdown-timeout-ms N] [--producers-max N]\n"
    "                   [--refusal-log-interval-ms N]\n"
    "                   [--producer-id-expiration-ms N] [--offsets-compact-bytes N]\n"
    "                   [--group-initial-delay-ms N] [--group-min-session-ms N]\n"
    "                   [--replica-lag-time-max-ms N] [--min-insync-replicas N]\n"
    "       flume-serve user|acl add|del|list ... | -h | -V\n";

static void
usage(int status)
{
	fputs(usage_text, status == 0 ? stdout : stderr);
	exit(status == 0 ? 0 : EX_USAGE);
}

static void
cfg_defaults(struct serve_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->ready_fd = -1;
	c->node_id = 1;
	c->auto_create = 1;
	c->num_partitions = 1;
	c->request_bytes_max = 100u << 20;
	c->refusal_log_ms = 60000;
	c->message_bytes_max = 1048588;
	c->connections_max = 1024;
	c->unsynced_bytes_max = 256u << 20;
	c->produce_waiting_max = 50000;
	c->conn_out_bytes_max = 4u << 20;
	c->buffer_bytes_max = 1024u << 20;
	c->segment_bytes = 1u << 30;
	c->retention_ms = 7LL * 24 * 3600 * 1000;
	c->retention_bytes = -1;
	c->shutdown_timeout_ms = 10000;
	c->producers_max = 10000;
	c->producer_expiration_ms = 24LL * 3600 * 1000;
	c->offsets_compact_bytes = 64u << 20;
	c->group_initial_delay_ms = 3000;	/* Kafka's defaults */
	c->group_min_session_ms = 6000;
	c->replica_lag_max_ms = 10000;
	c->min_insync = 1;
	c->log_level = FL_LOG_INFO;
	c->sasl_mechs = (1u << FL_SASL_NMECH) - 1;
}

static int
set_str(char *dst, size_t n, const char *v)
{
	int k = snprintf(dst, n, "%s", v);

	return k < 0 || (size_t)k >= n ? FL_ERANGE : 0;
}

/* "PLAIN,SCRAM-SHA-256" → bits of enum fl_sasl_mech; at least one. */
static int
parse_mechs(const char *v, unsigned *out, struct fl_err *err)
{
	const char *p = v;
	unsigned bits = 0;

	while (*p != '\0') {
		size_t len = strcspn(p, ",");
		enum fl_sasl_mech m;

		if (fl_sasl_mech_parse(p, len, &m) != 0)
			return fl_err_set(err, FL_EINVAL, "unknown SASL mechanism %.*s "
			    "(PLAIN, SCRAM-SHA-256, SCRAM-SHA-512)", (int)(len > 64 ? 64 : len), p);
		bits |= 1u << m;
		p += len;
		if (*p == ',')
			p++;
	}
	if (bits == 0)
		return fl_err_set(err, FL_EINVAL, "no SASL mechanism");
	*out = bits;
	return 0;
}

/* One setting, from the command line or the config file (same names). */
static int
apply(void *arg, const char *key, const char *v, unsigned line, struct fl_err *err)
{
	struct serve_cfg *c = arg;
	uint64_t u;
	int64_t i;
	int rc;

	(void)line;
	if (strcmp(key, "data") == 0)
		return set_str(c->data_dir, sizeof(c->data_dir), v);
	if (strcmp(key, "listen") == 0)
		return fl_conf_hostport(v, c->listen_host, sizeof(c->listen_host),
		    &c->listen_port);
	if (strcmp(key, "metrics-listen") == 0) {
		c->has_metrics = 1;
		return fl_conf_hostport(v, c->metrics_host, sizeof(c->metrics_host),
		    &c->metrics_port);
	}
	if (strcmp(key, "advertise") == 0) {
		c->has_advertise = 1;
		rc = fl_conf_hostport(v, c->adv_host, sizeof(c->adv_host), &c->adv_port);
		if (rc == 0 && (c->adv_host[0] == '\0' || c->adv_port == 0))
			rc = FL_EINVAL;
		return rc;
	}
	if (strcmp(key, "log-file") == 0)
		return set_str(c->log_file, sizeof(c->log_file), v);
	if (strcmp(key, "log-level") == 0)
		return fl_diag_parse_level(v, &c->log_level);
	if (strcmp(key, "ready-fd") == 0) {
		rc = fl_conf_u64(v, 0, 1 << 20, 0, &u);
		c->ready_fd = (int)u;
		return rc;
	}
	if (strcmp(key, "node-id") == 0) {
		rc = fl_conf_u64(v, 0, INT32_MAX, 0, &u);
		c->node_id = (int32_t)u;
		return rc;
	}
	if (strcmp(key, "sasl") == 0)
		return fl_conf_bool(v, &c->sasl);
	if (strcmp(key, "sasl-mechanisms") == 0)
		return parse_mechs(v, &c->sasl_mechs, err);
	if (strcmp(key, "replica-user") == 0)
		return fl_creds_name_ok(v) ? set_str(c->replica_user,
		    sizeof(c->replica_user), v) : FL_EINVAL;
	if (strcmp(key, "replica-password-file") == 0)
		return set_str(c->replica_password_file,
		    sizeof(c->replica_password_file), v);
	if (strcmp(key, "auto-create-topics") == 0 ||
	    strcmp(key, "auto-create-topics-enable") == 0)
		return fl_conf_bool(v, &c->auto_create);
	if (strcmp(key, "num-partitions") == 0) {
		rc = fl_conf_u64(v, 1, FL_TOPIC_PARTITIONS_MAX, 0, &u);
		c->num_partitions = (int32_t)u;
		return rc;
	}
	if (strcmp(key, "socket-request-max-bytes") == 0)
		return fl_conf_u64(v, 1024, FL_KP_FRAME_BYTES_MAX, 1, &c->request_bytes_max);
	if (strcmp(key, "refusal-log-interval-ms") == 0)
		return fl_conf_u64(v, 0, 86400000, 0, &c->refusal_log_ms);
	if (strcmp(key, "message-max-bytes") == 0)
		return fl_conf_u64(v, 128, FL_BATCH_BYTES_MAX, 1, &c->message_bytes_max);
	if (strcmp(key, "max-connections") == 0)
		return fl_conf_u64(v, 1, 1000000, 0, &c->connections_max);
	if (strcmp(key, "unsynced-bytes-max") == 0)
		return fl_conf_u64(v, 1, UINT64_MAX, 1, &c->unsynced_bytes_max);
	if (strcmp(key, "produce-waiting-max") == 0)
		return fl_conf_u64(v, 1, UINT32_MAX, 0, &c->produce_waiting_max);
	if (strcmp(key, "connection-out-bytes-max") == 0)
		return fl_conf_u64(v, 4096, UINT32_MAX, 1, &c->conn_out_bytes_max);
	if (strcmp(key, "buffer-bytes-max") == 0)
		return fl_conf_u64(v, 1u << 20, UINT64_MAX, 1, &c->buffer_bytes_max);
	if (strcmp(key, "segment-bytes") == 0)
		return fl_conf_u64(v, 4096, 1ull << 40, 1, &c->segment_bytes);
	if (strcmp(key, "retention-ms") == 0)
		return fl_conf_i64(v, -1, INT64_MAX, &c->retention_ms);
	if (strcmp(key, "retention-bytes") == 0)
		return fl_conf_i64(v, -1, INT64_MAX, &c->retention_bytes);
	if (strcmp(key, "shutdown-timeout-ms") == 0)
		return fl_conf_u64(v, 0, 3600000, 0, &c->shutdown_timeout_ms);
	if (strcmp(key, "producers-max") == 0)
		return fl_conf_u64(v, 1, 10000000, 0, &c->producers_max);
	if (strcmp(key, "offsets-compact-bytes") == 0)
		return fl_conf_u64(v, 4096, 1ull << 40, 1, &c->offsets_compact_bytes);
	if (strcmp(key, "group-initial-delay-ms") == 0) {
		rc = fl_conf_u64(v, 0, 300000, 0, &u);
		c->group_initial_delay_ms = (int32_t)u;
		return rc;
	}
	if (strcmp(key, "min-insync-replicas") == 0) {
		rc = fl_conf_u64(v, 1, FL_REPL_REPLICAS_MAX, 0, &u);
		c->min_insync = (int32_t)u;
		return rc;
	}
	if (strcmp(key, "replica-lag-time-max-ms") == 0)
		return fl_conf_i64(v, 1, 3600000, &c->replica_lag_max_ms);
	if (strcmp(key, "group-min-session-ms") == 0) {
		rc = fl_conf_u64(v, 1, 1800000, 0, &u);
		c->group_min_session_ms = (int32_t)u;
		return rc;
	}
	if (strcmp(key, "producer-id-expiration-ms") == 0) {
		rc = fl_conf_i64(v, 1, INT64_MAX, &i);
		c->producer_expiration_ms = i;
		return rc;
	}
	return fl_err_set(err, FL_EINVAL, "unknown setting '%s'", key);
}

static void
load_config(struct serve_cfg *c, const char *path)
{
	struct fl_err err = { 0 };
	char *buf;
	ssize_t n;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		fl_die(EX_NOINPUT, "%s", path);
	buf = malloc(CONFIG_BYTES_MAX);
	if (buf == NULL)
		fl_die(EX_OSERR, "malloc");
	while ((n = read(fd, buf + len, CONFIG_BYTES_MAX - len)) > 0)
		len += (size_t)n;
	if (n < 0)
		fl_die(EX_IOERR, "%s", path);
	close(fd);
	if (len == CONFIG_BYTES_MAX)
		fl_diex(EX_CONFIG, "%s: larger than %u bytes", path, CONFIG_BYTES_MAX);
	if (fl_conf_parse(buf, len, apply, c, &err) != 0)
		fl_diex(EX_CONFIG, "%s: %s", path, err.msg);
	free(buf);
}

static void
on_signal(int sig)
{
	int e = errno;
	char ch = sig == SIGHUP ? 'H' : 'T';

	if (sig == SIGINT && ++sigint_count >= 2)
		_exit(1);		/* a second ^C: leave now (Redis) */
	(void)!write(sig_wfd, &ch, 1);
	errno = e;
}

static int
setup_signals(void)
{
	static const int catch[] = { SIGTERM, SIGINT, SIGHUP }, ignore[] = { SIGPIPE };
	int rfd = fl_sigpipe_open(on_signal, catch, FL_ARRAY_LEN(catch), ignore,
	    FL_ARRAY_LEN(ignore), &sig_wfd);

	if (rfd < 0)
		fl_die(EX_OSERR, "pipe");
	return rfd;
}

void
serve_reopen_log(struct broker *b)
{
	if (b->cfg->log_file[0] == '\0')
		return;
	/* keep logging to the old file if the new one cannot be opened */
	if (fl_diag_log_to(b->cfg->log_file) != 0)
		fl_log(FL_LOG_ERROR, "reopen %s: %s", b->cfg->log_file, strerror(errno));
	else
		fl_log(FL_LOG_INFO, "log file reopened");
}

static int
mkdir_p(const char *path)
{
	char tmp[SERVE_PATH_MAX];
	char *s;

	if (set_str(tmp, sizeof(tmp), path) != 0)
		return -1;
	for (s = tmp + 1; *s != '\0'; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*s = '/';
	}
	/* private to the broker's user (flume-log(5)) */
	if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* flock DIR/lock for the life of the process: one broker per directory. */
static int
lock_data_dir(const char *dir)
{
	int fd, rc = fl_lock_dir(dir, 1, &fd);

	if (rc == FL_EBUSY)
		fl_diex(EX_TEMPFAIL, "%s is in use by another broker (lock held on %s/%s)",
		    dir, dir, FL_LOCK_FILE);
	if (rc != 0)
		fl_die(EX_IOERR, "lock %s/%s", dir, FL_LOCK_FILE);
	return fd;
}

/*
 * Read DIR/meta, or create it with a fresh random cluster id when the
 * directory is new.  A directory that holds topics but no meta is not new:
 * refuse rather than give it another identity.
 */
/*
 * --sasl needs someone to let in: refuse to start without a user (78) or
 * with a damaged users file (65).  Followers' credentials come as a pair,
 * and their password file must be readable now, not at the first election.
 */
static void
check_auth(struct broker *b, const struct serve_cfg *cfg)
{
	FILE *f;

	if ((cfg->replica_user[0] != '\0') != (cfg->replica_password_file[0] != '\0'))
		fl_diex(EX_USAGE, "--replica-user and --replica-password-file go together");
	if (cfg->replica_password_file[0] != '\0') {
		f = fopen(cfg->replica_password_file, "r");
		if (f == NULL)
			fl_die(EX_NOINPUT, "%s", cfg->replica_password_file);
		fclose(f);
	}
	if (!cfg->sasl)
		return;
	if (auth_reload(b, 1) != 0 || b->auth.is_damaged)
		fl_diex(EX_DATAERR, "--sasl: cannot read %s/%s (see above); refusing "
		    "to start", cfg->data_dir, FL_CREDS_FILE);
	if (b->auth.creds.nusers == 0)
		fl_diex(EX_CONFIG, "--sasl: no users in %s; add one with "
		    "`flume-serve user add NAME --data %s`", cfg->data_dir, cfg->data_dir);
	fl_log(FL_LOG_INFO, "SASL required on %s:%u: %zu users, %zu acl lines",
	    cfg->listen_host, (unsigned)cfg->listen_port, b->auth.creds.nusers,
	    b->auth.creds.nacls);
}

static void
load_meta(struct broker *b, struct serve_cfg *cfg, int node_id_given)
{
	struct fl_meta m;
	struct fl_err err = { 0 };
	int rc = fl_meta_load(b->vfs, cfg->data_dir, &m, &err);

	if (rc == FL_ENOENT) {
		int is_dir = 0;
		char topics[SERVE_PATH_MAX + 16];

		snprintf(topics, sizeof(topics), "%s/%s", cfg->data_dir, FL_CATALOG_TOPICS_FILE);
		if (fl_vfs_stat(b->vfs, topics, &is_dir, NULL) == 0)
			fl_diex(EX_DATAERR, "%s/%s is missing but %s exists: this is not a "
			    "new data directory; restore %s/%s (format 1, node, cluster "
			    "lines) rather than start it as a new one", cfg->data_dir,
			    FL_META_FILE, topics, cfg->data_dir, FL_META_FILE);
		memset(&m, 0, sizeof(m));
		m.node_id = cfg->node_id;
		fl_random_hex(m.cluster_id, 16);
		if (fl_meta_store(b->vfs, cfg->data_dir, &m, &err) != 0)
			fl_diex(EX_IOERR, "%s", err.msg);
		b->meta_format = FL_META_FORMAT;
		snprintf(b->cluster_id, sizeof(b->cluster_id), "%s", m.cluster_id);
		fl_log(FL_LOG_INFO, "new data directory %s, cluster id %s",
		    cfg->data_dir, m.cluster_id);
		return;
	}
	if (rc == FL_ESYS)
		fl_diex(EX_IOERR, "%s", err.msg);
	if (rc != 0)
		fl_diex(EX_DATAERR, "%s", err.msg);
	snprintf(b->cluster_id, sizeof(b->cluster_id), "%s", m.cluster_id);
	b->meta_format = m.format;
	if (node_id_given && m.node_id != cfg->node_id)
		fl_diex(EX_CONFIG, "--node-id %d does not match node %d in %s/%s",
		    (int)cfg->node_id, (int)m.node_id, cfg->data_dir, FL_META_FILE);
	cfg->node_id = m.node_id;
}

/* Descriptors this process has open now. */
static uint64_t
count_open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	uint64_t n = 0;
	int fd;

	if (d == NULL) {
		for (fd = 0; fd < 65536; fd++)
			if (fcntl(fd, F_GETFD) >= 0)
				n++;
		return n;
	}
	while ((e = readdir(d)) != NULL)
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n > 0 ? n - 1 : 0;	/* not the directory's own descriptor */
}

/*
 * Size max-connections against RLIMIT_NOFILE, after the partitions have
 * taken theirs: raise the soft limit to the hard one where allowed, and
 * lower the cap (saying so) when the descriptors left cannot hold it.
 */
static void
size_connections(struct broker *b, struct serve_cfg *cfg)
{
	struct rlimit rl;
	uint64_t open_now, room, want;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
		fl_log(FL_LOG_WARN, "getrlimit: %s", strerror(errno));
		return;
	}
	if (rl.rlim_cur < rl.rlim_max) {
		struct rlimit raised = { rl.rlim_max, rl.rlim_max };

		if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
			rl = raised;
	}
	b->nofile_limit = (uint64_t)rl.rlim_cur;
	open_now = count_open_fds();
	/* listeners, epoll, eventfd, self-pipe, the spare, the admin slots */
	want = open_now + SERVE_FDS_RESERVED + SERVE_ADMIN_CONNS_MAX + 8;
	room = b->nofile_limit > want ? b->nofile_limit - want : 0;
	if (room < cfg->connections_max) {
		fl_log(FL_LOG_WARN, "max-connections lowered from %llu to %llu: "
		    "RLIMIT_NOFILE is %llu and %llu descriptors are open for the "
		    "data directory", (unsigned long long)cfg->connections_max,
		    (unsigned long long)(room > 0 ? room : 1),
		    (unsigned long long)b->nofile_limit, (unsigned long long)open_now);
		cfg->connections_max = room > 0 ? room : 1;
	}
	fl_log(FL_LOG_INFO, "descriptors: RLIMIT_NOFILE %llu, %llu open for the data "
	    "directory, max-connections %llu", (unsigned long long)b->nofile_limit,
	    (unsigned long long)open_now, (unsigned long long)cfg->connections_max);
}

/*
 * The flume-repl program: beside this one (bin/ holds both, and so does an
 * install), else wherever PATH finds it.
 */
static void
find_repl(struct broker *b, const char *argv0)
{
	char self[SERVE_PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	char *slash;

	if (n <= 0) {
		if (strchr(argv0, '/') == NULL)
			goto path;
		snprintf(self, sizeof(self), "%s", argv0);
	} else {
		self[n] = '\0';
	}
	slash = strrchr(self, '/');
	if (slash != NULL && snprintf(b->repl_path, sizeof(b->repl_path), "%.*s/flume-repl",
	    (int)(slash - self), self) < (int)sizeof(b->repl_path) &&
	    access(b->repl_path, X_OK) == 0)
		return;
path:
	snprintf(b->repl_path, sizeof(b->repl_path), "flume-repl");
}

static void
announce_ready(struct broker *b, int fd)
{
	char line[SERVE_HOST_MAX + 16];
	int k = snprintf(line, sizeof(line), "%s\n", b->bound);

	if (write(fd, line, (size_t)k) != k)
		fl_log(FL_LOG_WARN, "ready-fd %d: %s", fd, strerror(errno));
	close(fd);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "listen", required_argument, NULL, 'l' },
		{ "advertise", required_argument, NULL, 'a' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "ready-fd", required_argument, NULL, 0 },
		{ "metrics-listen", required_argument, NULL, 0 },
		{ "sasl", no_argument, NULL, 0 },
		{ "sasl-mechanisms", required_argument, NULL, 0 },
		{ "replica-user", required_argument, NULL, 0 },
		{ "replica-password-file", required_argument, NULL, 0 },
		{ "log-file", required_argument, NULL, 0 },
		{ "log-level", required_argument, NULL, 0 },
		{ "node-id", required_argument, NULL, 0 },
		{ "auto-create-topics", required_argument, NULL, 0 },
		{ "num-partitions", required_argument, NULL, 0 },
		{ "socket-request-max-bytes", required_argument, NULL, 0 },
		{ "refusal-log-interval-ms", required_argument, NULL, 0 },
		{ "message-max-bytes", required_argument, NULL, 0 },
		{ "max-connections", required_argument, NULL, 0 },
		{ "unsynced-bytes-max", required_argument, NULL, 0 },
		{ "produce-waiting-max", required_argument, NULL, 0 },
		{ "connection-out-bytes-max", required_argument, NULL, 0 },
		{ "buffer-bytes-max", required_argument, NULL, 0 },
		{ "segment-bytes", required_argument, NULL, 0 },
		{ "retention-ms", required_argument, NULL, 0 },
		{ "retention-bytes", required_argument, NULL, 0 },
		{ "shutdown-timeout-ms", required_argument, NULL, 0 },
		{ "producers-max", required_argument, NULL, 0 },
		{ "producer-id-expiration-ms", required_argument, NULL, 0 },
		{ "offsets-compact-bytes", required_argument, NULL, 0 },
		{ "group-initial-delay-ms", required_argument, NULL, 0 },
		{ "group-min-session-ms", required_argument, NULL, 0 },
		{ "replica-lag-time-max-ms", required_argument, NULL, 0 },
		{ "min-insync-replicas", required_argument, NULL, 0 },
		{ NULL, 0, NULL, 0 }
	};
	static struct serve_cfg cfg;
	static struct broker b;
	struct { const char *key, *val; } *set;
	struct fl_err err = { 0 };
	const char *config = NULL;
	size_t nset = 0, k;
	int ch, idx, lockfd, rc, node_id_given = 0;

	/* commands before options: they edit the users file, no broker runs */
	if (argc > 1 && (strcmp(argv[1], "user") == 0 || strcmp(argv[1], "acl") == 0))
		return users_main(argc, argv);
	fl_diag_init(argv[0]);
	cfg_defaults(&cfg);
	set = calloc((size_t)argc + 1, sizeof(*set));
	if (set == NULL)
		fl_die(EX_OSERR, "calloc");
	/* collect first, apply after the config file: the command line wins */
	while ((ch = getopt_long(argc, argv, "d:l:a:c:hV", longopts, &idx)) != -1) {
		const char *key = NULL;

		switch (ch) {
		case 'd': key = "data"; break;
		case 'l': key = "listen"; break;
		case 'a': key = "advertise"; break;
		case 'c': config = optarg; break;
		case 'h': usage(0); break;
		case 'V':
			printf("flume-serve %s\n", FL_VERSION);
			free(set);
			return 0;
		case 0:
			key = longopts[idx].name;
			if (longopts[idx].has_arg == no_argument)
				optarg = "true";	/* --sasl: a switch on the command line */
			break;
		default: usage(1);
		}
		if (key != NULL) {
			set[nset].key = key;
			set[nset++].val = optarg;
		}
	}
	if (optind != argc)
		usage(1);
	if (config != NULL)
		load_config(&cfg, config);
	for (k = 0; k < nset; k++) {
		err.code = 0;
		if (strcmp(set[k].key, "node-id") == 0)
			node_id_given = 1;
		if (apply(&cfg, set[k].key, set[k].val, 0, &err) != 0) {
			fl_warnx("--%s %s: %s", set[k].key, set[k].val,
			    err.code ? err.msg : "bad value");
			usage(1);
		}
	}
	free(set);
	if (cfg.data_dir[0] == '\0' || cfg.listen_host[0] == '\0')
		usage(1);
	fl_diag_set_level(cfg.log_level);
	if (cfg.log_file[0] != '\0' && fl_diag_log_to(cfg.log_file) != 0)
		fl_die(EX_CANTCREAT, "%s", cfg.log_file);
	if (fl_csum_init() != 0)
		fl_diex(EX_SOFTWARE, "libsodium failed to initialise");

	b.cfg = &cfg;
	fl_ratelim_init(&b.close_log, (int64_t)cfg.refusal_log_ms);
	b.vfs = fl_vfs_real();
	b.sig_rfd = setup_signals();
	if (mkdir_p(cfg.data_dir) != 0)
		fl_die(EX_CANTCREAT, "%s", cfg.data_dir);
	lockfd = lock_data_dir(cfg.data_dir);
	load_meta(&b, &cfg, node_id_given);

	/* store_open stamps rebuilt producer state with "now" */
	b.wall_ms = fl_wall_ms();
	if (store_open(&b, &err) != 0) {
		/* damaged data is 65; running out of something (71) or a failing
		 * disk (74) is not, and must not read as corruption */
		int e = errno;

		fl_diex(err.code == FL_ENOMEM || (err.code == FL_ESYS && (e == EMFILE ||
		    e == ENFILE || e == ENOMEM)) ? EX_OSERR : err.code == FL_ESYS ?
		    EX_IOERR : EX_DATAERR, "%s", err.msg);
	}
	if (sync_init(&b) != 0)
		fl_die(EX_OSERR, "sync thread");
	size_connections(&b, &cfg);
	metrics_init(&b);
	check_auth(&b, &cfg);
	if (loop_listen(&b, &err) != 0)
		fl_diex(EX_OSERR, "%s", err.msg);
	find_repl(&b, argv[0]);
	if (cluster_open(&b, &err) != 0)
		fl_diex(err.code == FL_ESYS ? EX_IOERR : EX_DATAERR, "%s", err.msg);
	/* after cluster_open: the coordinator is here only if this node leads
	 * __consumer_offsets-0 */
	if ((rc = group_init(&b)) != 0)
		fl_diex(rc == FL_ESYS ? EX_IOERR : rc == FL_ENOMEM ? EX_OSERR : EX_SOFTWARE,
		    "cannot load or migrate the consumer groups (see above)");
	fl_log(FL_LOG_INFO, "serving %s (advertised %s:%u), node %d, data %s",
	    b.bound, b.adv_host, (unsigned)b.adv_port, (int)cfg.node_id, cfg.data_dir);
	if (cfg.ready_fd >= 0)
		announce_ready(&b, cfg.ready_fd);

	rc = loop_run(&b);
	cluster_stop(&b);
	sync_stop(&b);
	if (!b.is_failed)
		store_snapshot_all(&b, 1);
	group_free(&b);
	store_close(&b);
	auth_close(&b);
	fl_lock_release(lockfd);
	if (rc == 0)
		fl_log(FL_LOG_INFO, "stopped");
	return rc;
}
