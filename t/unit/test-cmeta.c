/*
 * test-cmeta.c: the cluster.meta codec (codec/cmeta.h): round trips, and
 * a table of damaged or newer files that must be refused.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "codec/cmeta.h"
#include "tap.h"
/* (stored file, new file) -> may it replace it: epochs never go back. */
static void
test_advance(void)
{
	static const struct { const char *prev, *next; int rc; const char *what; } tab[] = {
		{ "flume-cluster 1\ncontroller-epoch 3\n", "flume-cluster 1\ncontroller-epoch 3\n", 0,
		  "the same controller epoch" },
		{ "flume-cluster 1\ncontroller-epoch 3\n", "flume-cluster 1\ncontroller-epoch 2\n",
		  FL_ERANGE, "the controller epoch going back" },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,2 1,2\n",
		  "flume-cluster 1\npartition t 0 6 leader 2 1,2 2\n", 0, "a new leader epoch" },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,2 1,2\n",
		  "flume-cluster 1\npartition t 0 4 leader 1 1,2 1,2\n", FL_ERANGE,
		  "a leader epoch going back" },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,2 1,2\n",
		  "flume-cluster 1\npartition t 0 5 leader 2 1,2 1,2\n", FL_ERANGE,
		  "two leaders in one epoch" },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,2 1,2\n",
		  "flume-cluster 1\npartition t 0 5 leader 1 1,2 1\n", 0, "the ISR changes in an epoch" },
		{ "flume-cluster 1\npartition t 0 5 offline -1 1,2 -\n",
		  "flume-cluster 1\npartition t 0 5 leader 2 1,2 2\n", 0,
		  "an epoch with no leader yet gets one" },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,2 1,2\n", "flume-cluster 1\n", 0,
		  "a deleted topic" },
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		struct fl_cmeta a, b;
		char why[200];

		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		FL_ASSERT(fl_cmeta_decode(&a, (const uint8_t *)tab[i].prev, strlen(tab[i].prev)) == 0);
		FL_ASSERT(fl_cmeta_decode(&b, (const uint8_t *)tab[i].next, strlen(tab[i].next)) == 0);
		CHECK_INT(fl_cmeta_check_advance(&a, &b, why, sizeof(why)), ==, tab[i].rc,
		    tab[i].what);
		if (tab[i].rc != 0)
			CHECK(why[0] != '\0', "the refusal says why");
		fl_cmeta_free(&a);
		fl_cmeta_free(&b);
	}
}

int
main(void)
{
	static const struct { const char *text; int rc; } rows[] = {
		{ "flume-cluster 1\n", 0 },
		{ "flume-cluster 1\ncontroller-epoch 7\nbroker 1 h:1\nbroker 2 [::1]:9092\n"
		    "partition t 0 5 leader 1 1,2 1\n", 0 },
		{ "flume-cluster 2\n", FL_ERANGE },
		{ "", FL_ECORRUPT },
		{ "flume-cluster 1", FL_ECORRUPT },
		{ "flume-cluster 1\nbroker 1 h:1\nbroker 1 h:2\n", FL_ECORRUPT },
		{ "flume-cluster 1\nbroker 2 h:1\nbroker 1 h:2\n", FL_ECORRUPT },
		{ "flume-cluster 1\nbroker 1 h:0\n", FL_ECORRUPT },
		{ "flume-cluster 1\nbroker 1 h\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0 5 boss 1 1 1\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0 -5 leader 1 1 1\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1,1 1\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t/x 0 5 leader 1 1 1\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1 1\npartition t 0 6 leader 1 1 1\n",
		    FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0 5 leader 1 1 1 extra\n", FL_ECORRUPT },
		{ "flume-cluster 1\npartition t 0  5 leader 1 1 1\n", FL_ECORRUPT },
		{ "flume-cluster 1\ncontroller-epoch 1\ncontroller-epoch 2\n", FL_ECORRUPT },
		{ "flume-cluster 1\nwhat 1\n", FL_ECORRUPT },
	};
	struct fl_cmeta m, back;
	struct fl_cmeta_part p;
	struct fl_cmeta_broker b[2];
	struct fl_wr w;
	size_t i;

	memset(&m, 0, sizeof(m));
	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		char what[80];

		snprintf(what, sizeof(what), "decode row %zu", i);
		CHECK_INT(fl_cmeta_decode(&m, (const uint8_t *)rows[i].text,
		    strlen(rows[i].text)), ==, rows[i].rc, what);
	}
	fl_cmeta_free(&m);
	CHECK(fl_cmeta_broker_parse(&b[0], "2=host.example:9093") == 0 && b[0].id == 2 &&
	    strcmp(b[0].host, "host.example") == 0 && b[0].port == 9093, "broker operand");
	CHECK(fl_cmeta_broker_parse(&b[1], "1=127.0.0.1:9092") == 0, "another");
	CHECK_INT(fl_cmeta_broker_parse(&b[1], "x=h:1"), ==, FL_EINVAL, "a bad id");
	CHECK_INT(fl_cmeta_broker_parse(&b[1], "1=h:99999"), ==, FL_EINVAL, "a bad port");
	CHECK(fl_cmeta_broker_parse(&b[1], "1=127.0.0.1:9092") == 0, "again");
	CHECK_INT(fl_cmeta_set_brokers(&m, b, 2), ==, 0, "set brokers");
	CHECK(m.brokers[0].id == 1 && m.brokers[1].id == 2, "brokers sorted by id");
	memset(&p, 0, sizeof(p));
	snprintf(p.topic, sizeof(p.topic), "t");
	p.partition = 3;
	p.epoch = 9;
	p.role = FL_ROLE_FOLLOWER;
	p.leader = 2;
	fl_nodeset_parse(&p.replicas, "1,2");
	fl_nodeset_parse(&p.isr, "2");
	CHECK_INT(fl_cmeta_put(&m, &p), ==, 0, "put a partition");
	p.partition = 1;
	CHECK_INT(fl_cmeta_put(&m, &p), ==, 0, "put another");
	m.controller_epoch = 4;
	fl_wr_init(&w, 1 << 20);
	CHECK_INT(fl_cmeta_encode(&m, &w), ==, 0, "encode");
	memset(&back, 0, sizeof(back));
	CHECK_INT(fl_cmeta_decode(&back, w.p, w.len), ==, 0, "decode what was encoded");
	CHECK(back.nbrokers == 2 && back.nparts == 2 && back.controller_epoch == 4 &&
	    back.parts[0].partition == 1 && fl_cmeta_find(&back, "t", 3) != NULL &&
	    fl_cmeta_find(&back, "t", 3)->role == FL_ROLE_FOLLOWER &&
	    fl_cmeta_find(&back, "t", 3)->isr.n == 1, "round trip");
	fl_cmeta_drop_topic(&back, "t");
	CHECK_INT(back.nparts, ==, 0, "drop a topic's partitions");
	fl_wr_free(&w);
	fl_cmeta_free(&m);
	fl_cmeta_free(&back);
	test_advance();
	return tap_done();
}
