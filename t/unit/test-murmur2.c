/* test-murmur2: Kafka's murmur2 against the Java client's own vectors. */
#include <string.h>

#include "base/err.h"
#include "base/murmur2.h"
#include "tap.h"

static const struct {
	const char *key;
	int32_t hash;
} vectors[] = {
	/* Kafka clients UtilsTest.testMurmur2 */
	{ "21", -973932308 },
	{ "foobar", -790332482 },
	{ "a-little-bit-long-string", -985981536 },
	{ "a-little-bit-longer-string", -1486304829 },
	{ "lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971 },
	{ "abc", 479470107 },
	/* librdkafka src/rdmurmur2.c java_murmur2_results (unaligned tails) */
	{ "kafka", (int32_t)0xd067cf64 },
	{ "giberish123456789", (int32_t)0x8f552b0c },
	{ "1234", (int32_t)0x9fc97b14 },
	{ "234", (int32_t)0xe7c009ca },
	{ "34", (int32_t)0x873930da },
	{ "4", (int32_t)0x5a4b5ca1 },
	{ "PreAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x78424f1c },
	{ "reAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x4a62b377 },
	{ "eAmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0xe0e4e09e },
	{ "AmbleWillBeRemoved,ThePrePartThatIs", (int32_t)0x62b8b43f },
	{ "", (int32_t)0x106e08d9 },
};

int
main(void)
{
	size_t i;
	char what[128];

	for (i = 0; i < FL_ARRAY_LEN(vectors); i++) {
		snprintf(what, sizeof(what), "murmur2(\"%s\")", vectors[i].key);
		CHECK_INT(fl_murmur2(vectors[i].key, strlen(vectors[i].key)), ==,
		    vectors[i].hash, what);
	}
	CHECK(fl_murmur2("a", 1) != fl_murmur2("b", 1), "one-byte tail hashes the byte");

	/* toPositive, not abs: -973932308 & 0x7fffffff = 1173551340 */
	CHECK_INT(fl_murmur2_partition("21", 2, 1000), ==, 1173551340 % 1000,
	    "partition = toPositive(hash) % n");
	CHECK_INT(fl_murmur2_partition("foobar", 6, 1), ==, 0, "one partition -> 0");
	for (i = 0; i < FL_ARRAY_LEN(vectors); i++) {
		int32_t p = fl_murmur2_partition(vectors[i].key,
		    strlen(vectors[i].key), 7);
		int32_t want = (int32_t)(((uint32_t)vectors[i].hash & 0x7fffffffu) % 7);

		snprintf(what, sizeof(what), "partition of \"%s\" in 7", vectors[i].key);
		CHECK_INT(p, ==, want, what);
	}
	return tap_done();
}
