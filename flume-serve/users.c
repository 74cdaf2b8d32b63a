/*
 * users.c: `flume-serve user ...` and `flume-serve acl ...`, which edit a
 * data directory's users file (codec/creds.h, store/credstore.h), and
 * users_apply(), the one way anything changes that file, so the broker's
 * admin verbs can make the same edits under the same lock.
 *
 * Writers serialise on DIR/users.lock, held around load → change → store:
 * two edits at once would otherwise both read the old file and the second
 * rename would drop the first's change.  It is not DIR/lock, which the
 * broker holds for its whole life: editing users must work while it runs
 * (the broker sees the new file by its stamp, users_stamp()).  Readers
 * (the list commands) take no lock: the file is replaced by a rename, so
 * they see the old one or the new one, whole.
 *
 * A damaged or newer users file is refused (65) and never written over:
 * the operator restores it from a backup; guessing would lose grants.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include <sodium.h>

#include "base/csum.h"
#include "codec/creds.h"
#include "os/diag.h"
#include "os/entropy.h"
#include "os/lock.h"
#include "os/vfs_real.h"
#include "store/credstore.h"
#include "serve.h"

#define USERS_SALT_BYTES 32
#define USERS_PASSWORD_MAX 1024	/* bytes; sm/sasl.h's FL_SASL_PASSWORD_MAX */

static const char users_usage_text[] =
    "usage: flume-serve user add NAME --data DIR [--iterations N]\n"
    "       flume-serve user del NAME --data DIR\n"
    "       flume-serve user list --data DIR\n"
    "       flume-serve acl add|del NAME OPS TYPE PREFIX --data DIR\n"
    "       flume-serve acl list --data DIR [NAME]\n";

/* What the command line asked for. */
struct users_args {
	const char *noun, *verb;	/* "user"|"acl", "add"|"del"|"list" */
	const char *dir;		/* --data */
	uint32_t iterations;		/* --iterations, or 0 */
	char **pos;			/* operands */
	int npos;
	struct users_cmd cmd;		/* the edit, for add and del */
};

/* ---- the edit, under the lock ---- */

int
users_stamp(const char *dir, struct users_stamp *st)
{
	char path[SERVE_PATH_MAX + 16];
	struct stat sb;
	int k = snprintf(path, sizeof(path), "%s/%s", dir, FL_CREDS_FILE);

	memset(st, 0, sizeof(*st));
	if (k < 0 || (size_t)k >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return FL_ESYS;
	}
	if (stat(path, &sb) != 0)
		return errno == ENOENT ? 0 : FL_ESYS;
	st->exists = 1;
	st->dev = (uint64_t)sb.st_dev;
	st->ino = (uint64_t)sb.st_ino;
	st->size = (uint64_t)sb.st_size;
	st->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	return 0;
}

static int
add_user(struct fl_creds *c, const char *dir, const struct users_cmd *cmd,
    struct users_done *done, struct fl_err *err)
{
	uint8_t salt[2][USERS_SALT_BYTES];
	int rc;

	done->replaced = fl_creds_find(c, cmd->name) != NULL;
	fl_random_bytes(salt, sizeof(salt));
	rc = fl_creds_user_set(c, cmd->name, cmd->password, cmd->plen, salt[0], salt[1],
	    USERS_SALT_BYTES, cmd->iterations ? cmd->iterations : FL_SCRAM_ITER_DEFAULT);
	if (rc == FL_EFULL)
		return fl_err_set(err, rc, "%s/%s: already holds %d users, the most it may",
		    dir, FL_CREDS_FILE, FL_CREDS_USERS_MAX);
	if (rc != 0)
		return fl_err_set(err, rc, "user %s: %s", cmd->name, fl_strerror(rc));
	return 0;
}

/* acl add/del: nothing to write when the line already says so. */
static int
edit_acl(struct fl_creds *c, const char *dir, const struct users_cmd *cmd,
    struct users_done *done, struct fl_err *err)
{
	const struct fl_acl *a = fl_creds_acl_find(c, cmd->name, cmd->type, cmd->prefix);
	unsigned held = a != NULL ? a->ops : 0;
	int rc;

	if (cmd->verb == USERS_ACL_ADD) {
		done->unchanged = (held & cmd->ops) == cmd->ops;
		rc = done->unchanged ? 0 : fl_creds_acl_add(c, cmd->name, cmd->ops, cmd->type,
		    cmd->prefix);
	} else {
		done->unchanged = (held & cmd->ops) == 0;
		rc = done->unchanged ? 0 : fl_creds_acl_del(c, cmd->name, cmd->ops, cmd->type,
		    cmd->prefix);
	}
	if (rc == FL_EFULL)
		return fl_err_set(err, rc, "%s/%s: already holds %d acl lines, the most it may",
		    dir, FL_CREDS_FILE, FL_CREDS_ACLS_MAX);
	if (rc != 0)
		return fl_err_set(err, rc, "acl %s %s %s: %s", cmd->name,
		    fl_acl_type_name(cmd->type), cmd->prefix, fl_strerror(rc));
	return 0;
}

static int
change(struct fl_creds *c, const char *dir, const struct users_cmd *cmd,
    struct users_done *done, struct fl_err *err)
{
	if (cmd->verb == USERS_ADD)
		return add_user(c, dir, cmd, done, err);
	if (fl_creds_find(c, cmd->name) == NULL)
		return fl_err_set(err, FL_ENOENT, "no user %s in %s/%s", cmd->name, dir,
		    FL_CREDS_FILE);
	if (cmd->verb == USERS_DEL)
		return fl_creds_user_del(c, cmd->name);
	return edit_acl(c, dir, cmd, done, err);
}

int
users_apply(const char *dir, const struct users_cmd *cmd, struct users_done *done,
    struct fl_err *err)
{
	struct fl_vfs *v = fl_vfs_real();
	struct fl_creds c;
	int fd, rc;

	memset(done, 0, sizeof(*done));
	rc = fl_lock_file_wait(dir, USERS_LOCK_FILE, cmd->lock_wait_ms, &fd);
	if (rc == FL_EBUSY)
		return fl_err_set(err, rc, "%s/%s: another edit of the users holds it "
		    "(waited %d ms); try again", dir, USERS_LOCK_FILE, cmd->lock_wait_ms);
	if (rc != 0)
		return fl_err_set(err, rc, "lock %s/%s: %s", dir, USERS_LOCK_FILE,
		    rc == FL_ENOENT ? "no such directory" : strerror(errno));
	fl_creds_init(&c);
	rc = fl_credstore_load(v, dir, &c, err);
	if (rc == FL_ENOENT)
		rc = 0;			/* no file yet: no users */
	if (rc == 0)
		rc = change(&c, dir, cmd, done, err);
	if (rc == 0 && !done->unchanged)
		rc = fl_credstore_store(v, dir, &c, err);
	fl_creds_free(&c);
	fl_lock_release(fd);
	return rc;
}

/* ---- the command line ---- */

static int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line naming the argument, then the usage: exit status 64. */
static int
usage_err(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fl_warnx("%s", msg);
	fputs(users_usage_text, stderr);
	return EX_USAGE;
}

/* What an FL_E* from loading or editing means as an exit status. */
static int
exit_code(int rc)
{
	switch (rc) {
	case 0: return EX_OK;
	case FL_ENOENT: return EX_NOUSER;
	case FL_EBUSY: return EX_TEMPFAIL;
	case FL_ECORRUPT: case FL_ERANGE: case FL_EFULL: return EX_DATAERR;
	case FL_ENOMEM: return EX_OSERR;
	case FL_EINVAL: return EX_USAGE;
	default: return EX_IOERR;
	}
}

static int
parse_iterations(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 ||
	    v < FL_SCRAM_ITER_MIN || v > FL_SCRAM_ITER_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Options anywhere among the operands; 0, -1 (--help printed), or an exit status. */
static int
parse_options(int argc, char **argv, struct users_args *a)
{
	static const struct option lo[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	opterr = 0;		/* our own message names the option */
	while ((ch = getopt_long(argc, argv, ":d:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'd': a->dir = optarg; break;
		case 'i':
			if (parse_iterations(optarg, &a->iterations) != 0)
				return usage_err("--iterations %s: not a number from 4096 to 16384",
				    optarg);
			break;
		case 'h':
			fputs(users_usage_text, stdout);
			return -1;
		case ':': return usage_err("%s needs a value", argv[optind - 1]);
		default: return usage_err("unknown option %s", argv[optind - 1]);
		}
	}
	a->pos = argv + optind;
	a->npos = argc - optind;
	return 0;
}

static int
want_operands(const struct users_args *a, int min, int max)
{
	char what[64];

	if (a->npos >= min && a->npos <= max)
		return 0;
	snprintf(what, sizeof(what), "%s %s", a->noun, a->verb);
	return usage_err("%s: %s operands", what, a->npos < min ? "missing" : "too many");
}

static int
check_name(const char *name)
{
	return fl_creds_name_ok(name) ? 0 : usage_err("user name '%s': 1 to 255 printable "
	    "ASCII characters without blanks", name);
}

/* acl add|del NAME OPS TYPE PREFIX into a->cmd. */
static int
parse_acl_operands(struct users_args *a)
{
	struct users_cmd *cmd = &a->cmd;
	int rc = want_operands(a, 4, 4);

	if (rc != 0 || (rc = check_name(a->pos[0])) != 0)
		return rc;
	cmd->verb = strcmp(a->verb, "add") == 0 ? USERS_ACL_ADD : USERS_ACL_DEL;
	cmd->name = a->pos[0];
	if (fl_acl_parse_ops(a->pos[1], &cmd->ops) != 0)
		return usage_err("ops '%s': a comma-separated list of read, write, create, "
		    "delete, or all", a->pos[1]);
	if (fl_acl_parse_type(a->pos[2], &cmd->type) != 0)
		return usage_err("type '%s': topic, group or cluster", a->pos[2]);
	cmd->prefix = a->pos[3];
	if (!fl_creds_name_ok(cmd->prefix))
		return usage_err("prefix '%s': 1 to 255 printable ASCII characters without "
		    "blanks (\"*\" for every name)", cmd->prefix);
	if (cmd->type == FL_ACL_CLUSTER && strcmp(cmd->prefix, "*") != 0)
		return usage_err("prefix '%s': a cluster grant's prefix is \"*\"", cmd->prefix);
	return 0;
}

/* The noun, verb and operands: 0, -1 (help), or an exit status. */
static int
parse_args(int argc, char **argv, struct users_args *a)
{
	int rc, is_user = strcmp(argv[1], "user") == 0;

	memset(a, 0, sizeof(*a));
	a->noun = argv[1];
	a->cmd.lock_wait_ms = USERS_LOCK_WAIT_MS;
	if (argc > 2 && (strcmp(argv[2], "-h") == 0 || strcmp(argv[2], "--help") == 0)) {
		fputs(users_usage_text, stdout);
		return -1;
	}
	if (argc < 3 || (strcmp(argv[2], "add") != 0 && strcmp(argv[2], "del") != 0 &&
	    strcmp(argv[2], "list") != 0))
		return usage_err("%s: add, del or list?", argv[1]);
	a->verb = argv[2];
	rc = parse_options(argc - 2, argv + 2, a);
	if (rc != 0)
		return rc;
	if (a->dir == NULL)
		return usage_err("%s: --data DIR is missing", a->noun);
	if (a->iterations != 0 && !(is_user && strcmp(a->verb, "add") == 0))
		return usage_err("%s: --iterations is for user add only", a->noun);
	if (strcmp(a->verb, "list") == 0)
		return want_operands(a, 0, is_user ? 0 : 1);
	if (!is_user)
		return parse_acl_operands(a);
	if ((rc = want_operands(a, 1, 1)) != 0 || (rc = check_name(a->pos[0])) != 0)
		return rc;
	a->cmd.verb = strcmp(a->verb, "add") == 0 ? USERS_ADD : USERS_DEL;
	a->cmd.name = a->pos[0];
	a->cmd.iterations = a->iterations;
	return 0;
}

/* DIR must exist: a typo must not leave a stray users file somewhere. */
static int
check_dir(const char *dir)
{
	struct stat sb;

	if (stat(dir, &sb) != 0) {
		int e = errno;

		fl_warn("--data %s", dir);
		return e == ENOENT || e == ENOTDIR ? EX_NOINPUT : EX_IOERR;
	}
	if (!S_ISDIR(sb.st_mode)) {
		fl_warnx("--data %s: not a directory", dir);
		return EX_NOINPUT;
	}
	return 0;
}

/*
 * One line of standard input into buf (at most USERS_PASSWORD_MAX bytes,
 * its newline dropped).  Read a byte at a time: what follows the line is
 * not ours to consume.  0 or an exit status.
 */
static int
read_password(char *buf, size_t *len)
{
	size_t n = 0;

	for (;;) {
		char ch;
		ssize_t r = read(STDIN_FILENO, &ch, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fl_warn("user add: reading the password from standard input");
			return EX_IOERR;
		}
		if (r == 0 || ch == '\n')
			break;
		if (n == USERS_PASSWORD_MAX)
			return usage_err("user add: the password is longer than %d bytes",
			    USERS_PASSWORD_MAX);
		if (ch == '\0')
			return usage_err("user add: the password holds a NUL byte");
		buf[n++] = ch;
	}
	if (n == 0)
		return usage_err("user add: no password on standard input (one line)");
	*len = n;
	return 0;
}

static int
load_for_list(const char *dir, struct fl_creds *c)
{
	struct fl_err err = { 0, "" };
	int rc = fl_credstore_load(fl_vfs_real(), dir, c, &err);

	if (rc == FL_ENOENT)
		return 0;		/* no file: no users */
	if (rc != 0) {
		fl_warnx("%s", err.msg);
		return exit_code(rc);
	}
	return 0;
}

static int
list(const struct users_args *a)
{
	const char *only = a->npos > 0 ? a->pos[0] : NULL;
	struct fl_creds c;
	size_t i;
	int rc;

	fl_creds_init(&c);
	rc = load_for_list(a->dir, &c);
	if (rc == 0 && only != NULL && fl_creds_find(&c, only) == NULL) {
		fl_warnx("no user %s in %s/%s", only, a->dir, FL_CREDS_FILE);
		rc = EX_NOUSER;
	}
	for (i = 0; rc == 0 && a->noun[0] == 'u' && i < c.nusers; i++)
		printf("%s\n", c.users[i].name);
	for (i = 0; rc == 0 && a->noun[0] == 'a' && i < c.nacls; i++) {
		const struct fl_acl *l = &c.acls[i];
		char ops[FL_ACL_OPS_TEXT_MAX];

		if (only != NULL && strcmp(l->name, only) != 0)
			continue;
		fl_acl_format_ops(l->ops, ops, sizeof(ops));
		printf("%s %s %s %s\n", l->name, ops, fl_acl_type_name(l->type), l->prefix);
	}
	fl_creds_free(&c);
	return rc;
}

/* What happened, on stderr, when it may surprise. */
static void
report(const struct users_args *a, const struct users_done *done)
{
	const struct users_cmd *cmd = &a->cmd;
	char ops[FL_ACL_OPS_TEXT_MAX];

	fl_acl_format_ops(cmd->ops, ops, sizeof(ops));
	if (done->replaced)
		fl_warnx("user %s existed: its password is replaced", cmd->name);
	else if (done->unchanged && cmd->verb == USERS_ACL_ADD)
		fl_warnx("%s already holds %s on %s %s: nothing to change", cmd->name, ops,
		    fl_acl_type_name(cmd->type), cmd->prefix);
	else if (done->unchanged)
		fl_warnx("%s holds none of %s on %s %s: nothing to revoke", cmd->name, ops,
		    fl_acl_type_name(cmd->type), cmd->prefix);
}

static int
edit(struct users_args *a)
{
	char password[USERS_PASSWORD_MAX];
	struct users_done done;
	struct fl_err err = { 0, "" };
	int rc = 0;

	/* read before locking: a slow typist must not hold up other writers */
	if (a->cmd.verb == USERS_ADD && (rc = read_password(password, &a->cmd.plen)) == 0)
		a->cmd.password = password;
	if (rc == 0) {
		rc = users_apply(a->dir, &a->cmd, &done, &err);
		if (rc != 0)
			fl_warnx("%s", err.msg);
		else
			report(a, &done);
		rc = exit_code(rc);
	}
	sodium_memzero(password, sizeof(password));
	return rc;
}

int
users_main(int argc, char **argv)
{
	struct users_args a;
	int rc;

	fl_diag_init(argv[0]);
	rc = parse_args(argc, argv, &a);
	if (rc != 0)
		return rc < 0 ? EX_OK : rc;
	if ((rc = check_dir(a.dir)) != 0)
		return rc;
	if (fl_csum_init() != 0) {
		fl_warnx("libsodium failed to initialise");
		return EX_SOFTWARE;
	}
	rc = strcmp(a.verb, "list") == 0 ? list(&a) : edit(&a);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fl_warn("standard output");
		rc = rc != 0 ? rc : EX_IOERR;
	}
	return rc;
}
