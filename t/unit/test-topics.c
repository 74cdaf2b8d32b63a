/*
 * test-topics: Kafka topic name rules, partition directory names and the
 * topics file format (round trip and rejection of damage).
 */
#include <string.h>

#include "codec/topics.h"
#include "tap.h"

static void
test_names(void)
{
	char long_name[300], topic[FL_TOPIC_NAME_MAX + 1], buf[64];
	int32_t part;

	memset(long_name, 'a', sizeof(long_name));
	CHECK(fl_topic_name_ok("orders.v1_x-y", 13), "letters, digits, . _ -");
	CHECK(!fl_topic_name_ok("", 0), "empty is not a name");
	CHECK(!fl_topic_name_ok(".", 1) && !fl_topic_name_ok("..", 2), ". and ..");
	CHECK(fl_topic_name_ok("...", 3), "... is fine");
	CHECK(!fl_topic_name_ok("a/b", 3) && !fl_topic_name_ok("a b", 3), "no / or blank");
	CHECK(fl_topic_name_ok(long_name, 249) && !fl_topic_name_ok(long_name, 250),
	    "at most 249 bytes");
	CHECK(!fl_topic_name_ok("a\0b", 3), "no NUL");

	CHECK(fl_topic_dir_name(buf, sizeof(buf), "my-topic", 12) == 0 &&
	    strcmp(buf, "my-topic-12") == 0, "dir name");
	CHECK_INT(fl_topic_dir_name(buf, 5, "my-topic", 1), ==, FL_ERANGE, "too small");
	CHECK(fl_topic_dir_parse("my-topic-12", topic, sizeof(topic), &part) == 0 &&
	    strcmp(topic, "my-topic") == 0 && part == 12, "parse splits at the last dash");
	CHECK_INT(fl_topic_dir_parse("topic", topic, sizeof(topic), &part), ==,
	    FL_EINVAL, "no dash");
	CHECK_INT(fl_topic_dir_parse("t-0.del", topic, sizeof(topic), &part), ==,
	    FL_EINVAL, "not a number");
	CHECK_INT(fl_topic_dir_parse("-3", topic, sizeof(topic), &part), ==,
	    FL_EINVAL, "empty topic");
	CHECK_INT(fl_topic_dir_parse("t-99999999999", topic, sizeof(topic), &part), ==,
	    FL_EINVAL, "huge partition");
}

static void
test_list(void)
{
	struct fl_topic_list l = { 0 }, l2 = { 0 };
	struct fl_wr w;
	const char *bad[] = {
		"flume-topics 3\n",
		"flume-topics 1\nt 1",
		"flume-topics 1\nt\n",
		"flume-topics 1\nt 0\n",
		"flume-topics 1\nt x\n",
		"flume-topics 1\nt 1\nt 2\n",
		"flume-topics 1\na/b 1\n",
		"flume-topics 1\nt 99999999999999\n",
	};
	size_t i;

	CHECK_INT(fl_topic_list_add(&l, "b", 2), ==, 0, "add");
	CHECK_INT(fl_topic_list_add(&l, "a", 1), ==, 0, "add");
	CHECK_INT(fl_topic_list_add(&l, "a", 3), ==, FL_EEXIST, "no duplicates");
	CHECK_INT(fl_topic_list_add(&l, "x", 0), ==, FL_EINVAL, "partitions >= 1");
	CHECK_INT(fl_topic_list_add(&l, "x y", 1), ==, FL_EINVAL, "legal names only");
	CHECK(strcmp(l.t[0].name, "a") == 0, "kept sorted");
	CHECK_INT(fl_topic_list_find(&l, "b"), ==, 1, "find");
	CHECK_INT(fl_topic_list_find(&l, "c"), ==, -1, "find missing");

	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_topic_list_encode(&l, &w), ==, 0, "encode");
	CHECK(w.len == 23 && memcmp(w.p, "flume-topics 1\na 1\nb 2\n", 23) == 0,
	    "the file text");
	CHECK_INT(fl_topic_list_decode(&l2, w.p, w.len), ==, 0, "decode");
	CHECK(l2.n == 2 && l2.t[1].partitions == 2, "round trip");
	fl_wr_free(&w);
	for (i = 0; i < FL_ARRAY_LEN(bad); i++)
		CHECK_INT(fl_topic_list_decode(&l2, (const uint8_t *)bad[i], strlen(bad[i])),
		    ==, FL_ECORRUPT, "a damaged topics file is rejected");
	CHECK_INT(l2.n, ==, 2, "a failed decode leaves the list alone");
	CHECK_INT(fl_topic_list_remove(&l, "a"), ==, 0, "remove");
	CHECK_INT(fl_topic_list_remove(&l, "a"), ==, FL_ENOENT, "remove missing");
	CHECK(l.n == 1 && strcmp(l.t[0].name, "b") == 0, "one left");
	fl_topic_list_free(&l);
	fl_topic_list_free(&l2);
}
/* Per-topic configs: (key, value) -> result; the file's version 2 lines. */
static void
test_conf(void)
{
	static const struct {
		const char *key, *value;
		int rc;
		const char *what;
	} tab[] = {
		{ "min.insync.replicas", "2", 0, "min.insync.replicas 2" },
		{ "min.insync.replicas", "0", FL_EINVAL, "min.insync.replicas is at least 1" },
		{ "min.insync.replicas", "32768", FL_EINVAL, "min.insync.replicas at most 32767" },
		{ "replica.lag.time.max.ms", "500", 0, "a lag limit" },
		{ "replica.lag.time.max.ms", "-1", FL_EINVAL, "a lag limit is positive" },
		{ "retention.ms", "-1", 0, "retention.ms -1: no limit" },
		{ "retention.bytes", "9223372036854775807", 0, "the largest retention" },
		{ "retention.bytes", "9223372036854775808", FL_EINVAL, "beyond int64" },
		{ "retention.ms", "", FL_EINVAL, "an empty value" },
		{ "retention.ms", "1x", FL_EINVAL, "not a number" },
		{ "cleanup.policy", "compact", FL_ENOENT, "a config flume does not know" },
	};
	struct fl_topic_conf c;
	struct fl_topic_list l = { 0 }, l2 = { 0 };
	struct fl_wr w;
	char text[FL_TOPIC_CONF_TEXT_MAX];
	const char *bad[] = {
		"flume-topics 1\nt 1 min.insync.replicas=2\n",
		"flume-topics 2\nt 1 min.insync.replicas=2 min.insync.replicas=3\n",
		"flume-topics 2\nt 1 cleanup.policy=compact\n",
		"flume-topics 2\nt 1 retention.ms\n",
		"flume-topics 2\nt 1  retention.ms=1\n",
		"flume-topics 2\nt 1 retention.ms=1 \n",
		"flume-topics 2\nt  retention.ms=1\n",
	};
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(tab); i++) {
		memset(&c, 0, sizeof(c));
		CHECK_INT(fl_topic_conf_set(&c, tab[i].key, strlen(tab[i].key), tab[i].value,
		    strlen(tab[i].value)), ==, tab[i].rc, tab[i].what);
		CHECK_INT(c.set != 0, ==, tab[i].rc == 0, "set only when accepted");
	}
	memset(&c, 0, sizeof(c));
	(void)fl_topic_conf_set(&c, "retention.ms", 12, "60000", 5);
	(void)fl_topic_conf_set(&c, "min.insync.replicas", 19, "2", 1);
	fl_topic_conf_format(&c, text, sizeof(text));
	CHECK(strcmp(text, "min.insync.replicas=2 retention.ms=60000") == 0,
	    "formatted in a fixed order");
	CHECK_INT(fl_topic_conf_unset(&c, "retention.ms", 12), ==, 0, "unset");
	CHECK_INT(fl_topic_conf_unset(&c, "nope", 4), ==, FL_ENOENT, "unset unknown");
	fl_topic_conf_format(&c, text, sizeof(text));
	CHECK(strcmp(text, "min.insync.replicas=2") == 0, "what is left");

	CHECK_INT(fl_topic_list_add(&l, "b", 1), ==, 0, "add");
	CHECK_INT(fl_topic_list_add(&l, "a", 3), ==, 0, "add");
	CHECK_INT(fl_topic_list_set_conf(&l, "a", &c), ==, 0, "set a's configs");
	CHECK_INT(fl_topic_list_set_conf(&l, "zz", &c), ==, FL_ENOENT, "no such topic");
	fl_wr_init(&w, 1 << 16);
	CHECK_INT(fl_topic_list_encode(&l, &w), ==, 0, "encode");
	CHECK(w.len == 45 && memcmp(w.p, "flume-topics 2\na 3 min.insync.replicas=2\nb 1\n",
	    45) == 0, "version 2 once a topic has configs");
	CHECK_INT(fl_topic_list_decode(&l2, w.p, w.len), ==, 0, "decode version 2");
	CHECK(l2.n == 2 && l2.t[0].conf.set == FL_TCONF_MIN_INSYNC &&
	    l2.t[0].conf.min_insync == 2 && l2.t[1].conf.set == 0, "configs round trip");
	fl_wr_free(&w);
	for (i = 0; i < FL_ARRAY_LEN(bad); i++)
		CHECK_INT(fl_topic_list_decode(&l2, (const uint8_t *)bad[i], strlen(bad[i])),
		    ==, FL_ECORRUPT, "a damaged version 2 line is rejected");
	fl_topic_list_free(&l);
	fl_topic_list_free(&l2);
}

int
main(void)
{
	test_names();
	test_list();
	test_conf();
	return tap_done();
}
