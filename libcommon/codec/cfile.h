/*
 * cfile.h: the controller's cluster file (flume-ctl(5)): which nodes make
 * the cluster, where clients reach each one, and how flume-ctl reaches its
 * admin socket.
 *
 *   # a comment
 *   node ID HOST:PORT ADMIN
 *
 * ID is 0..2147483647, each at most once; HOST:PORT the node's Kafka
 * address (as its brokers line says it: what clients are told); ADMIN
 * either the path of the node's admin socket (no blanks), or
 * "exec:COMMAND ..." (the rest of the line), a command run through
 * libpipeline whose standard input and output are a byte stream to that
 * socket (for example "exec:ssh n3 socat - UNIX-CONNECT:/var/lib/flume/admin.sock").
 * Blank lines and lines whose first non-blank is '#' are skipped; any
 * other line, a field missing or extra, a duplicate id or address is an
 * error naming the line.
 * Ownership: struct fl_cfile owns its array (fl_cfile_free); nodes are
 * sorted by id.  Errors: 0, FL_EINVAL (with a sentence in why), FL_ENOMEM.
 * Layer: codec (pure; malloc only).
 */
#ifndef FL_CFILE_H
#define FL_CFILE_H

#include <stddef.h>
#include <stdint.h>

#include "codec/cmeta.h"

#define FL_CFILE_ADMIN_MAX 1024
#define FL_CFILE_NODES_MAX FL_CMETA_BROKERS_MAX

struct fl_cfile_node {
	struct fl_cmeta_broker b;		/* id, Kafka host and port */
	int is_exec;				/* admin is a command */
	char admin[FL_CFILE_ADMIN_MAX];		/* a socket path, or the command (without "exec:") */
};

struct fl_cfile {
	struct fl_cfile_node *nodes;
	size_t n;
};

void fl_cfile_free(struct fl_cfile *f);
/* Parse text[0..n) into *f (replaced on success). */
int fl_cfile_parse(struct fl_cfile *f, const char *text, size_t n, char *why, size_t whyn);
const struct fl_cfile_node *fl_cfile_node(const struct fl_cfile *f, int32_t id);

#endif
