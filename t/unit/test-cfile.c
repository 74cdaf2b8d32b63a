/*
 * test-cfile.c: the controller's cluster file (codec/cfile.h) as a table
 * of texts -> nodes, or the line and the reason it is refused.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "codec/cfile.h"
#include "tap.h"

static void
test_good(void)
{
	static const char text[] =
	    "# a comment\n"
	    "\n"
	    "node 3 10.0.0.3:9092 exec:ssh n3 socat - UNIX-CONNECT:/var/lib/flume/admin.sock  \n"
	    "   node 1 127.0.0.1:9092 /tmp/n1/admin.sock\n"
	    "\t# indented comment\n"
	    "node 2 [::1]:9093 /tmp/n2/admin.sock";
	struct fl_cfile f = { NULL, 0 };
	char why[256] = "";

	CHECK_INT(fl_cfile_parse(&f, text, strlen(text), why, sizeof(why)), ==, 0,
	    "a file with comments, blank lines, exec: and no final newline");
	CHECK_INT((int)f.n, ==, 3, "three nodes");
	if (f.n != 3)
		return;
	CHECK(f.nodes[0].b.id == 1 && f.nodes[1].b.id == 2 && f.nodes[2].b.id == 3,
	    "sorted by id");
	CHECK(strcmp(f.nodes[0].b.host, "127.0.0.1") == 0 && f.nodes[0].b.port == 9092,
	    "host and port");
	CHECK(!f.nodes[0].is_exec && strcmp(f.nodes[0].admin, "/tmp/n1/admin.sock") == 0,
	    "a socket path");
	CHECK(strcmp(f.nodes[1].b.host, "::1") == 0 && f.nodes[1].b.port == 9093,
	    "an IPv6 address in brackets");
	CHECK(f.nodes[2].is_exec && strcmp(f.nodes[2].admin,
	    "ssh n3 socat - UNIX-CONNECT:/var/lib/flume/admin.sock") == 0,
	    "exec: keeps the rest of the line, trailing blanks cut");
	CHECK(fl_cfile_node(&f, 2) == &f.nodes[1] && fl_cfile_node(&f, 9) == NULL, "lookup");
	fl_cfile_free(&f);
}

static void
test_bad(void)
{
	static const struct {
		const char *text, *why;
	} tab[] = {
		{ "", "no node lines" },
		{ "# only\n\n", "no node lines" },
		{ "node 1 h:1 /a\nnode 1 h:2 /b\n", "line 2: this node id is named twice" },
		{ "node 1 h:1 /a\nnode 2 h:1 /b\n", "line 2: this Kafka address is named twice" },
		{ "node 1 h:1 /a\nbroker 2 h:2 /b\n",
		  "line 2: unknown field 'broker' (lines are: node ID HOST:PORT ADMIN)" },
		{ "node x h:1 /a\n", "line 1: ID must be a node id 0..2147483647" },
		{ "node -1 h:1 /a\n", "line 1: ID must be a node id 0..2147483647" },
		{ "node 2147483648 h:1 /a\n", "line 1: ID must be a node id 0..2147483647" },
		{ "node 1 h /a\n", "line 1: want the node's Kafka address as HOST:PORT" },
		{ "node 1 h:0 /a\n", "line 1: want the node's Kafka address as HOST:PORT" },
		{ "node 1 :9 /a\n", "line 1: want the node's Kafka address as HOST:PORT" },
		{ "node 1 h:70000 /a\n", "line 1: want the node's Kafka address as HOST:PORT" },
		{ "node 1 h:1\n", "line 1: want ADMIN: a socket path or exec:COMMAND" },
		{ "node 1 h:1 /a /b\n", "line 1: a field too many (a socket path has no blanks)" },
		{ "node 1 h:1 exec:   \n", "line 1: exec: needs a command" },
		{ "node\n", "line 1: ID must be a node id 0..2147483647" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		struct fl_cfile f = { NULL, 0 };
		char why[256] = "", what[160];
		int rc = fl_cfile_parse(&f, tab[i].text, strlen(tab[i].text), why, sizeof(why));

		snprintf(what, sizeof(what), "refused: %s", tab[i].why);
		CHECK(rc == FL_EINVAL && f.n == 0, what);
		if (!CHECK(strcmp(why, tab[i].why) == 0, "its reason"))
			printf("#   got %s\n", why);
	}
	{
		/* a NUL inside, and a line longer than any the parser keeps */
		static const char nul[] = "node 1 h:1 /a\0b\n";
		char longline[4096];
		struct fl_cfile f = { NULL, 0 };
		char why[256];

		CHECK(fl_cfile_parse(&f, nul, sizeof(nul) - 1, why, sizeof(why)) == FL_EINVAL &&
		    strcmp(why, "line 1: a NUL byte") == 0, "a NUL byte is refused");
		memset(longline, 'a', sizeof(longline));
		memcpy(longline, "node 1 h:1 /", 12);
		CHECK(fl_cfile_parse(&f, longline, sizeof(longline), why, sizeof(why)) ==
		    FL_EINVAL && strcmp(why, "line 1: line too long") == 0,
		    "a line too long is refused");
	}
}

int
main(void)
{
	test_good();
	test_bad();
	return tap_done();
}
