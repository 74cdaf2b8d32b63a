/*
 * verbs.c: the operators' verbs, each a short-lived process.  A verb is
 * one line to the running controller's socket (STATE/ctl.sock); when no
 * controller runs, the process takes the state dir's lock and carries
 * the verb out itself (run.c's one-shot mode); `status` then only reads.
 * verify-replicas talks to the brokers directly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sysexits.h>
#include <unistd.h>

#include "codec/bstatus.h"
#include "codec/conf.h"
#include "fctl.h"
#include "os/clock.h"
#include "os/diag.h"
#include "os/lock.h"

#define ASK_TIMEOUT_MS 30000
#define START_WAIT_MS 10000	/* for a starting controller to listen */

/* ---- talking to the running controller ---- */

/*
 * Send line to the controller at sock; its answer in *text.  0, 1 when no
 * controller listens there, or an exit code.
 */
static int
ask_controller(const char *sock, const char *line, char **text, size_t *len)
{
	struct sockaddr_un sa;
	size_t cap = 0, llen = strlen(line);
	int64_t deadline = fl_clock_ms() + ASK_TIMEOUT_MS;
	int fd;

	*text = NULL;
	*len = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fl_warnx("%s: path too long for a socket", sock);
		return EX_USAGE;
	}
	memcpy(sa.sun_path, sock, strlen(sock) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		fl_warn("socket");
		return EX_OSERR;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return 1;
	}
	if (write(fd, line, llen) != (ssize_t)llen || write(fd, "\n", 1) != 1) {
		fl_warn("%s", sock);
		close(fd);
		return EX_UNAVAILABLE;
	}
	for (;;) {
		struct pollfd pf = { fd, POLLIN, 0 };
		int64_t left = deadline - fl_clock_ms();
		ssize_t r;
		char *last;

		if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
			fl_warnx("%s: the controller did not answer within %d ms", sock, ASK_TIMEOUT_MS);
			close(fd);
			return EX_UNAVAILABLE;
		}
		if (cap - *len < 4096) {
			char *nt = realloc(*text, cap = cap ? cap * 2 : 65536);

			if (nt == NULL) {
				close(fd);
				return EX_OSERR;
			}
			*text = nt;
		}
		r = read(fd, *text + *len, cap - *len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fl_warnx("%s: the controller closed the connection", sock);
			close(fd);
			return EX_UNAVAILABLE;
		}
		*len += (size_t)r;
		(*text)[*len] = '\0';
		/* the answer ends with its status line: "ok" or "error N: ..." */
		if (*len > 0 && (*text)[*len - 1] == '\n') {
			(*text)[*len - 1] = '\0';
			last = strrchr(*text, '\n');
			last = last ? last + 1 : *text;
			(*text)[*len - 1] = '\n';
			if (strcmp(last, "ok\n") == 0 || strncmp(last, "error ", 6) == 0)
				break;
		}
	}
	close(fd);
	return 0;
}

/*
 * Is the state dir's lock held (a controller runs, perhaps not listening
 * yet)?  Asked by taking it for a moment.
 */
static int
controller_starting(const char *state_dir)
{
	int fd = -1, rc = fl_lock_dir(state_dir, 0, &fd);

	fl_lock_release(fd);
	return rc == FL_EBUSY;
}

/* ---- presenting answers ---- */

/* Split off the answer's status line: the exit code it carries (0 for ok). */
static int
answer_status(char *text, size_t len, char **msg)
{
	char *last;
	long code;

	*msg = NULL;
	while (len > 0 && text[len - 1] == '\n')
		text[--len] = '\0';
	last = strrchr(text, '\n');
	last = last ? last + 1 : text;
	if (strcmp(last, "ok") == 0) {
		*last = '\0';
		return 0;
	}
	if (strncmp(last, "error ", 6) == 0) {
		code = strtol(last + 6, msg, 10);
		if (*msg != NULL && **msg == ':')
			(*msg) += 2;
		*last = '\0';
		return code > 0 && code < 126 ? (int)code : CTL_EX_REFUSED;
	}
	*msg = last;
	return EX_PROTOCOL;
}

static void
json_set(const char *s)
{
	const char *p = s;

	putchar('[');
	if (strcmp(s, "-") != 0)
		for (; *p; p++)
			putchar(*p == ',' ? ',' : *p);
	putchar(']');
}

static void
print_status(char *text, int json)
{
	char *save = NULL, *line;
	int nn = 0, np = 0, nm = 0;

	if (json)
		printf("{");
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		char *f[12], *s2 = NULL, *t;
		int k = 0;

		for (t = strtok_r(line, "\t", &s2); t != NULL && k < 12; t = strtok_r(NULL, "\t", &s2))
			f[k++] = t;
		if (k == 3 && strcmp(f[0], "controller") == 0) {
			if (json)
				printf("\"controller_epoch\":%s,\"controller\":\"%s\",\"nodes\":[", f[1],
				    f[2]);
			else
				printf("controller epoch %s (%s)\n\n%-6s %-24s %-7s %s\n", f[1], f[2],
				    "NODE", "ADDRESS", "STATE", "LAST_ANSWER_MS");
		} else if (k == 5 && strcmp(f[0], "node") == 0) {
			if (json)
				printf("%s{\"id\":%s,\"addr\":\"%s\",\"state\":\"%s\",\"live\":%s,"
				    "\"last_answer_ms\":%s}", nn ? "," : "", f[1], f[2], f[3],
				    strcmp(f[3], "live") == 0 ? "true" : "false", f[4]);
			else
				printf("%-6s %-24s %-7s %s\n", f[1], f[2], f[3], f[4]);
			nn++;
		} else if (k == 9 && strcmp(f[0], "partition") == 0) {
			if (json) {
				printf("%s{\"topic\":\"%s\",\"partition\":%s,\"epoch\":%s,\"leader\":%s,"
				    "\"replicas\":", np ? "," : "],\"partitions\":[", f[1], f[2], f[3], f[4]);
				json_set(f[5]);
				printf(",\"isr\":");
				json_set(f[6]);
				printf(",\"hw\":%s,\"log_end\":%s}", f[7], f[8]);
			} else {
				if (np == 0)
					printf("\n%-24s %-5s %-6s %-6s %-12s %-12s %-12s %s\n", "TOPIC",
					    "PART", "EPOCH", "LEADER", "REPLICAS", "ISR", "HW", "LOG_END");
				printf("%-24s %-5s %-6s %-6s %-12s %-12s %-12s %s\n", f[1], f[2], f[3],
				    f[4], f[5], f[6], f[7], f[8]);
			}
			np++;
		} else if (k == 4 && strcmp(f[0], "moving") == 0) {
			if (json) {
				printf("%s{\"topic\":\"%s\",\"partition\":%s,\"to\":", nm ? "," :
				    np ? "],\"moving\":[" : "],\"partitions\":[],\"moving\":[", f[1], f[2]);
				json_set(f[3]);
				printf("}");
			} else {
				printf("moving %s-%s to %s\n", f[1], f[2], f[3]);
			}
			nm++;
		}
	}
	if (json) {
		if (np == 0 && nm == 0)
			printf("],\"partitions\":[");
		if (nm == 0)
			printf("],\"moving\":[");
		printf("]}\n");
	}
}

/* The answer: printed (status formatted), and its exit code. */
static int
present(const char *verb, char *text, size_t len, int json)
{
	char *msg;
	int ex = answer_status(text, len, &msg);

	if (ex != 0) {
		fl_warnx("%s: %s", verb, msg != NULL ? msg : "failed");
		return ex;
	}
	if (strcmp(verb, "status") == 0)
		print_status(text, json);
	else
		fputs(text, stdout);
	return 0;
}

/* ---- verify-replicas: straight to the brokers ---- */

struct vnode {
	const struct fl_cfile_node *cfg;
	struct fl_bstatus st;
	int ok;
};

static int
digest_of(const struct fl_cfile_node *n, const char *topic, int32_t part, uint64_t from,
    uint64_t to, char *hex, size_t hn, char *why, size_t whyn)
{
	char line[FL_TOPIC_NAME_MAX + 96], status[512], *text = NULL, *d;
	size_t len;

	snprintf(line, sizeof(line), "digest %s %d %llu %llu", topic, (int)part,
	    (unsigned long long)from, (unsigned long long)to);
	if (link_call(n, line, ASK_TIMEOUT_MS, &text, &len, status, sizeof(status), why,
	    whyn) != 0)
		return -1;
	if (strcmp(status, "ok") != 0 || (d = strstr(text, "digest\t")) == NULL) {
		snprintf(why, whyn, "%s", status);
		free(text);
		return -1;
	}
	d += 7;
	d[strcspn(d, "\n")] = '\0';
	snprintf(hex, hn, "%s", d);
	free(text);
	return 0;
}

static int
verify_replicas(const struct fl_cfile *cf, const char *only)
{
	struct vnode *v = calloc(cf->n, sizeof(*v));
	size_t i, k, checked = 0, differ = 0, unknown = 0;
	int ex = 0;

	if (v == NULL)
		return EX_OSERR;
	for (i = 0; i < cf->n; i++) {
		char why[512], status[512], *text = NULL;
		size_t len, bad;

		v[i].cfg = &cf->nodes[i];
		v[i].st.node = -1;
		if (link_call(&cf->nodes[i], "status", ASK_TIMEOUT_MS, &text, &len, status,
		    sizeof(status), why, sizeof(why)) != 0) {
			/* what it leads goes unchecked: the run cannot pass */
			fl_warnx("node %d: %s", (int)cf->nodes[i].b.id, why);
			unknown++;
			continue;
		}
		if (strcmp(status, "ok") == 0 && fl_bstatus_parse(&v[i].st, text, len, &bad) == 0) {
			v[i].ok = 1;
		} else {
			fl_warnx("node %d: status: %s", (int)cf->nodes[i].b.id, status);
			unknown++;
		}
		free(text);
	}
	/* every partition some node leads: its ISR members below the leader's HW */
	for (i = 0; i < cf->n; i++) {
		for (k = 0; v[i].ok && k < v[i].st.nparts; k++) {
			const struct fl_bstatus_part *lp = &v[i].st.parts[k];
			uint64_t from = lp->log_start, to = lp->hw;
			char ref[160], hex[160], why[512];
			size_t j, m;

			if (lp->role != FL_ROLE_LEADER || (only != NULL && strcmp(only, lp->topic) != 0))
				continue;
			/* the range every ISR member holds */
			for (m = 0; m < lp->isr.n; m++)
				for (j = 0; j < cf->n; j++) {
					const struct fl_bstatus_part *fp;

					if (!v[j].ok || cf->nodes[j].b.id != lp->isr.id[m])
						continue;
					fp = fl_bstatus_find(&v[j].st, lp->topic, lp->partition);
					if (fp == NULL)
						continue;
					if (fp->log_end < to)
						to = fp->log_end;
					if (fp->log_start > from)
						from = fp->log_start;
				}
			if (from >= to)
				continue;
			if (digest_of(&cf->nodes[i], lp->topic, lp->partition, from, to, ref,
			    sizeof(ref), why, sizeof(why)) != 0) {
				fl_warnx("%s-%d: leader %d: %s", lp->topic, (int)lp->partition,
				    (int)cf->nodes[i].b.id, why);
				unknown++;
				continue;
			}
			for (m = 0; m < lp->isr.n; m++) {
				const struct fl_cfile_node *fn = fl_cfile_node(cf, lp->isr.id[m]);

				if (fn == NULL || fn == &cf->nodes[i])
					continue;
				if (digest_of(fn, lp->topic, lp->partition, from, to, hex, sizeof(hex),
				    why, sizeof(why)) != 0) {
					fl_warnx("%s-%d: node %d: %s", lp->topic, (int)lp->partition,
					    (int)fn->b.id, why);
					unknown++;
					continue;
				}
				if (strcmp(hex, ref) != 0) {
					printf("differ\t%s\t%d\t%d\t%d\t%llu\t%llu\n", lp->topic,
					    (int)lp->partition, (int)cf->nodes[i].b.id, (int)fn->b.id,
					    (unsigned long long)from, (unsigned long long)to);
					differ++;
				}
			}
			printf("checked\t%s\t%d\t%llu\t%llu\t%zu\n", lp->topic, (int)lp->partition,
			    (unsigned long long)from, (unsigned long long)to, lp->isr.n);
			checked++;
		}
	}
	printf("verified\t%zu\tdiffer\t%zu\tunreadable\t%zu\n", checked, differ, unknown);
	if (differ > 0)
		ex = CTL_EX_DIFFER;
	else if (unknown > 0)
		ex = EX_UNAVAILABLE;
	for (i = 0; i < cf->n; i++)
		fl_bstatus_free(&v[i].st);
	free(v);
	return ex;
}

/* ---- the verbs' arguments ---- */

static int
verb_usage(void)
{
	fputs(fctl_usage, stderr);
	return EX_USAGE;
}

/* Build the controller's line for argv (the verb first): 0, or EX_USAGE. */
static int
build_line(int argc, char **argv, char *line, size_t n, int *json)
{
	const char *verb = argv[0];
	size_t len;
	int i;

	*json = 0;
	if (strcmp(verb, "status") == 0) {
		if (argc == 2 && strcmp(argv[1], "--json") == 0)
			*json = 1;
		else if (argc != 1)
			return EX_USAGE;
		snprintf(line, n, "status");
		return 0;
	}
	if (strcmp(verb, "elect") == 0) {
		const char *to = "-";
		int unclean = 0;

		if (argc < 3)
			return EX_USAGE;
		for (i = 3; i < argc; i++) {
			if (strcmp(argv[i], "--unclean") == 0)
				unclean = 1;
			else if (strcmp(argv[i], "--to") == 0 && i + 1 < argc)
				to = argv[++i];
			else
				return EX_USAGE;
		}
		snprintf(line, n, "elect %s %s %s%s", argv[1], argv[2], to, unclean ? " unclean" : "");
		return 0;
	}
	if (strcmp(verb, "create-topic") == 0) {
		const char *parts = NULL, *reps = NULL;

		if (argc < 2 || argv[1][0] == '-')
			return EX_USAGE;
		len = (size_t)snprintf(line, n, "create-topic %s", argv[1]);
		for (i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--partitions") == 0 && i + 1 < argc)
				parts = argv[++i];
			else if (strcmp(argv[i], "--replicas") == 0 && i + 1 < argc)
				reps = argv[++i];
			else if (strcmp(argv[i], "--config") != 0 || i + 1 >= argc)
				return EX_USAGE;
			else
				i++;
		}
		if (parts == NULL || reps == NULL)
			return EX_USAGE;
		len += (size_t)snprintf(line + len, n - len, " %s %s", parts, reps);
		for (i = 2; i < argc; i++)
			if (strcmp(argv[i], "--config") == 0) {
				len += (size_t)snprintf(line + len, n - len, " %s", argv[i + 1]);
				i++;
			} else if (argv[i][0] == '-') {
				i++;
			}
		return len < n ? 0 : EX_USAGE;
	}
	if (strcmp(verb, "reassign") == 0) {
		if (argc == 2 && strcmp(argv[1], "--plan") == 0) {
			snprintf(line, n, "plan");
			return 0;
		}
		if (argc != 4)
			return EX_USAGE;
		snprintf(line, n, "reassign %s %s %s", argv[1], argv[2], argv[3]);
		return 0;
	}
	if ((strcmp(verb, "delete-topic") == 0 || strcmp(verb, "fence") == 0 ||
	    strcmp(verb, "unfence") == 0 || strcmp(verb, "drain") == 0) && argc == 2) {
		snprintf(line, n, "%s %s", verb, argv[1]);
		return 0;
	}
	return EX_USAGE;
}

int
verb_main(const char *dir, const char *cluster_file, const char *state_dir, int argc, char **argv)
{
	char line[4096], sock[4200];
	char *text = NULL;
	size_t len = 0;
	int json = 0, rc;
	int64_t deadline = fl_clock_ms() + START_WAIT_MS;

	(void)dir;
	if (argc < 1)
		return verb_usage();
	if (strcmp(argv[0], "verify-replicas") == 0) {
		struct fl_cfile cf = { NULL, 0 };

		if (argc > 2)
			return verb_usage();
		if ((rc = load_cluster(cluster_file, &cf)) != 0)
			return rc;
		rc = verify_replicas(&cf, argc == 2 ? argv[1] : NULL);
		fl_cfile_free(&cf);
		return rc;
	}
	if (build_line(argc, argv, line, sizeof(line), &json) != 0)
		return verb_usage();
	snprintf(sock, sizeof(sock), "%s/%s", state_dir, CTL_SOCK);
	rc = ask_controller(sock, line, &text, &len);
	while (rc == 1 && controller_starting(state_dir) && fl_clock_ms() < deadline) {
		/* a controller holds the state dir but does not listen yet */
		(void)poll(NULL, 0, 50);
		rc = ask_controller(sock, line, &text, &len);
	}
	if (rc == 1) {
		/* no controller: this process acts as one for the verb */
		struct run_opts o;

		memset(&o, 0, sizeof(o));
		o.cluster_file = cluster_file;
		o.state_dir = state_dir;
		o.poll_ms = 100;
		o.liveness_ms = 1000;
		o.ready_fd = -1;
		o.oneshot = line;
		o.observe = strcmp(argv[0], "status") == 0 || strcmp(line, "plan") == 0;
		o.answer = &text;
		o.answer_len = &len;
		rc = run_controller(&o);
		if (rc != 0 && text == NULL)
			return rc;
	} else if (rc != 0) {
		return rc;
	}
	if (text == NULL)
		return EX_SOFTWARE;
	rc = present(argv[0], text, len, json);
	free(text);
	return rc;
}
