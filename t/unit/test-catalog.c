/*
 * test-catalog.c: a data directory's catalog (store/catalog.h) and meta
 * file (store/meta.h) on the memory disk: creation in one write, a crash
 * between directories and file, a missing or damaged topics file (never a
 * reason to delete), leftover directories, producer-id blocks.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "store/catalog.h"
#include "store/meta.h"
#include "tap.h"

#define DATA "/data"

static struct fl_vfs *vfs;
static struct fl_part_config pcfg;
static int warnings;

static void
note(void *arg, enum fl_catalog_note_level lv, const char *msg)
{
	(void)arg;
	if (lv == FL_CATALOG_WARN)
		warnings++;
	printf("# note: %s\n", msg);
}

static int
open_cat(struct fl_catalog *c, struct fl_err *err)
{
	memset(err, 0, sizeof(*err));
	return fl_catalog_open(c, vfs, DATA, &pcfg, 1000, note, NULL, err);
}

static int
exists(const char *path)
{
	return fl_vfs_stat(vfs, path, NULL, NULL) == 0;
}

static void
append_one(struct fl_part *p)
{
	uint8_t buf[512];
	struct fl_batch_builder bb;
	struct fl_wr w;
	struct fl_slice v = { (const uint8_t *)"x", 1 };
	struct fl_part_produce_res res;

	fl_wr_init_fixed(&w, buf, sizeof(buf));
	fl_batch_begin(&bb, &w, 1, -1, -1, -1, 0);
	fl_batch_add(&bb, 1, NULL, &v, NULL, 0);
	fl_batch_end(&bb);
	FL_ASSERT(fl_part_produce(p, 1, buf, w.len, 9, &res) == 0);
	FL_ASSERT(fl_plog_sync(&p->log) == 0);
}

static void
test_meta(void)
{
	static const struct { const char *text; int rc; } rows[] = {
		{ "format 1\nnode 3\ncluster abc123\n", 0 },
		{ "node 3\nformat 1\ncluster abc\n", 0 },
		{ "format 1\nnode 3\n", FL_ECORRUPT },
		{ "format 1\nnode 3\ncluster abc", FL_ECORRUPT },
		{ "format 1\nnode -3\ncluster abc\n", FL_ECORRUPT },
		{ "format 1\nnode 3x\ncluster abc\n", FL_ECORRUPT },
		{ "format 1\nnode 3\ncluster abc\nnode 4\n", FL_ECORRUPT },
		{ "format 1\nnode 3\ncluster abc\nextra 1\n", FL_ECORRUPT },
		{ "format 2\nnode 3\ncluster abc\n", 0 },
		{ "format 3\nnode 3\ncluster abc\n", FL_ERANGE },
		{ "format 1\nnode 99999999999\ncluster abc\n", FL_ECORRUPT },
		{ "format 1\nnode 3\ncluster a b\n", FL_ECORRUPT },
		{ "", FL_ECORRUPT },
	};
	struct fl_meta m, back;
	struct fl_err err = { 0 };
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(rows); i++) {
		char what[160];

		snprintf(what, sizeof(what), "meta decode row %zu", i);
		CHECK_INT(fl_meta_decode(&m, (const uint8_t *)rows[i].text,
		    strlen(rows[i].text)), ==, rows[i].rc, what);
	}
	CHECK(fl_meta_decode(&m, (const uint8_t *)rows[0].text, strlen(rows[0].text)) == 0 &&
	    m.node_id == 3 && strcmp(m.cluster_id, "abc123") == 0 && m.format == 1,
	    "meta fields");
	CHECK_INT(fl_meta_load(vfs, DATA, &back, &err), ==, FL_ENOENT, "no meta yet: ENOENT");
	CHECK_INT(fl_meta_store(vfs, DATA, &m, &err), ==, 0, "meta stored");
	CHECK(fl_meta_load(vfs, DATA, &back, &err) == 0 && back.node_id == 3 &&
	    strcmp(back.cluster_id, "abc123") == 0 && back.format == FL_META_FORMAT,
	    "meta round trip (stored in the current format)");
}

/* CreatePartitions: grow a topic; durable; refusals leave it as it was. */
static void
test_add_partitions(void)
{
	struct fl_catalog c;
	struct fl_catalog_new nt;
	struct fl_topic *t;
	struct fl_err err;

	FL_ASSERT(fl_vfs_sync_dir(vfs, "/") == 0);	/* DATA itself survives the power cut */
	CHECK_INT(open_cat(&c, &err), ==, 0, "open");
	memset(&nt, 0, sizeof(nt));
	nt.name = "grow"; nt.nparts = 2;
	nt.conf.set = FL_TCONF_RETENTION_MS;
	nt.conf.retention_ms = 12345;
	CHECK(fl_catalog_create(&c, &nt, 1, 1000, &err) == 0 && nt.rc == 0, "create grow, 2");
	t = nt.topic;
	append_one(&t->parts[1]);
	CHECK_INT(fl_catalog_add_partitions(&c, t, 2, 1000, &err), ==, FL_EINVAL,
	    "the same count: FL_EINVAL");
	CHECK_INT(fl_catalog_add_partitions(&c, t, 1, 1000, &err), ==, FL_EINVAL,
	    "fewer: FL_EINVAL");
	CHECK_INT(fl_catalog_add_partitions(&c, t, FL_TOPIC_PARTITIONS_MAX + 1, 1000, &err), ==,
	    FL_EINVAL, "over the maximum: FL_EINVAL");
	fl_vfs_mem_fail(vfs, FL_VFS_MEM_DIR, 1, 5 /* EIO */);
	CHECK(fl_catalog_add_partitions(&c, t, 4, 1000, &err) != 0, "a failing disk: refused");
	fl_vfs_mem_fail(vfs, FL_VFS_MEM_DIR, 0, 0);
	CHECK(t->nparts == 2 && !exists(DATA "/grow-2") && !exists(DATA "/grow-3"),
	    "and the topic is as it was");
	CHECK_INT(fl_catalog_add_partitions(&c, t, 4, 1000, &err), ==, 0, "grow to 4");
	CHECK(t->nparts == 4 && fl_catalog_part(&c, "grow", 4, 3) != NULL &&
	    exists(DATA "/grow-3"), "partitions 2 and 3 exist");
	CHECK_U64(t->parts[1].log.log_end, ==, 1, "partition 1 kept its record (moved)");
	CHECK_INT(t->parts[3].cfg.plog.retention_ms, ==, 12345, "new ones take the topic's configs");
	append_one(&t->parts[3]);
	fl_catalog_close(&c);
	fl_vfs_mem_crash(vfs, 0);
	CHECK_INT(open_cat(&c, &err), ==, 0, "reopen after a power cut");
	t = fl_catalog_find(&c, "grow", 4);
	CHECK(t != NULL && t->nparts == 4, "still 4 partitions: the topics file was durable");
	CHECK(t != NULL && t->parts[3].log.log_end == 1 && t->parts[1].log.log_end == 1,
	    "with their records");
	CHECK(t != NULL && (t->conf.set & FL_TCONF_RETENTION_MS), "and its configs");
	CHECK_INT(fl_catalog_delete(&c, "grow", &err), ==, 0, "delete it");
	fl_catalog_reap(&c);
	fl_catalog_close(&c);

	/*
	 * Every way the disk can fail part-way (from the nth directory, write,
	 * sync or open call on): the grow fails and the topic keeps its 2
	 * partitions in memory; a reopen (fault cleared) finds a sound topic
	 * of 2 partitions, or of 3 when only the syncs after the topics
	 * file's rename failed (the write's outcome is then unknown, as for
	 * fl_catalog_create), whatever directories were left.
	 */
	{
		static const enum fl_vfs_mem_op ops[] = { FL_VFS_MEM_DIR, FL_VFS_MEM_WRITE,
		    FL_VFS_MEM_SYNC, FL_VFS_MEM_OPEN };
		size_t k;
		int bad = 0, tries = 0, grown = 0, three = 0;

		for (k = 0; k < FL_ARRAY_LEN(ops); k++) {
			uint64_t nth;

			for (nth = 1; nth < 200; nth++) {
				int rc;

				/* g2 with 2 partitions, fresh */
				FL_ASSERT(fl_catalog_open(&c, vfs, DATA, &pcfg, 1000, NULL, NULL,
				    &err) == 0);
				if (fl_catalog_find(&c, "g2", 2) != NULL) {
					FL_ASSERT(fl_catalog_delete(&c, "g2", &err) == 0);
					fl_catalog_reap(&c);
				}
				memset(&nt, 0, sizeof(nt));
				nt.name = "g2"; nt.nparts = 2;
				FL_ASSERT(fl_catalog_create(&c, &nt, 1, 1000, &err) == 0 && nt.rc == 0);
				t = nt.topic;
				fl_vfs_mem_fail(vfs, ops[k], nth, 5 /* EIO */);
				rc = fl_catalog_add_partitions(&c, t, 3, 1000, &err);
				fl_vfs_mem_fail(vfs, ops[k], 0, 0);
				tries++;
				if (rc == 0) {
					grown++;	/* past its last call of that kind */
					fl_catalog_close(&c);
					break;
				}
				if (t->nparts != 2 ||
				    c.tlist.t[fl_topic_list_find(&c.tlist, "g2")].partitions != 2)
					bad++;
				fl_catalog_close(&c);
				memset(&err, 0, sizeof(err));
				if (fl_catalog_open(&c, vfs, DATA, &pcfg, 1000, NULL, NULL, &err) != 0 ||
				    (t = fl_catalog_find(&c, "g2", 2)) == NULL ||
				    (t->nparts != 2 && !(t->nparts == 3 && ops[k] == FL_VFS_MEM_SYNC))) {
					printf("# op %zu nth %llu: reopen: %s\n", k,
					    (unsigned long long)nth, err.msg);
					bad++;
				} else if (t->nparts == 3) {
					three++;
				}
				fl_catalog_close(&c);
			}
		}
		printf("# %d failing disks tried, %d grows got through, %d unknown outcomes "
		    "came back grown\n", tries, grown, three);
		CHECK(tries > 8 && grown == (int)FL_ARRAY_LEN(ops),
		    "every kind of call was failed at every point until the grow got through");
		CHECK_INT(bad, ==, 0, "a failed grow left the topic as it was in memory, and sound on disk");
	}
}

int
main(void)
{
	struct fl_catalog c;
	struct fl_err err;
	struct fl_catalog_new nt[3];
	int64_t pid;

	vfs = fl_vfs_mem_new();
	(void)fl_vfs_mkdir(vfs, DATA);
	memset(&pcfg, 0, sizeof(pcfg));
	fl_plog_config_default(&pcfg.plog);
	pcfg.message_bytes_max = 1 << 20;
	pcfg.producers_max = 10;
	test_meta();
	test_add_partitions();

	CHECK_INT(open_cat(&c, &err), ==, 0, "an empty data directory opens");
	memset(nt, 0, sizeof(nt));
	nt[0].name = "a"; nt[0].nparts = 2;
	nt[1].name = "bad/name"; nt[1].nparts = 1;
	nt[2].name = "b"; nt[2].nparts = 1;
	CHECK_INT(fl_catalog_create(&c, nt, 3, 1000, &err), ==, 0, "create three, one bad");
	CHECK(nt[0].rc == 0 && nt[1].rc == FL_EINVAL && nt[2].rc == 0, "per-topic results");
	CHECK(fl_catalog_part(&c, "a", 1, 1) != NULL && fl_catalog_part(&c, "a", 1, 2) == NULL,
	    "partitions 0..N-1 exist");
	nt[0].rc = 99;
	CHECK(fl_catalog_create(&c, nt, 1, 1000, &err) == 0 && nt[0].rc == FL_EEXIST,
	    "an existing topic is EEXIST");
	append_one(&fl_catalog_find(&c, "a", 1)->parts[1]);
	CHECK(fl_catalog_next_pid(&c, 0, &pid, &err) == 0 && pid == 0, "first producer id 0");
	CHECK(fl_catalog_next_pid(&c, 0, &pid, &err) == 0 && pid == 1, "then 1");
	fl_catalog_close(&c);

	/* a restart skips the whole reserved block */
	CHECK_INT(open_cat(&c, &err), ==, 0, "reopen");
	CHECK(fl_catalog_next_pid(&c, 0, &pid, &err) == 0 && pid == FL_CATALOG_PID_BLOCK,
	    "after a restart ids start past the reserved block");
	CHECK(fl_catalog_next_pid(&c, 3, &pid, &err) == 0 &&
	    pid == ((int64_t)3 << 40 | (FL_CATALOG_PID_BLOCK + 1)),
	    "node 3's ids carry its id above the count: no two brokers share one");
	CHECK(fl_catalog_find(&c, "a", 1) != NULL && fl_catalog_find(&c, "b", 1) != NULL,
	    "topics survive a restart");
	CHECK_INT(fl_catalog_delete(&c, "b", &err), ==, 0, "delete b");
	CHECK(!exists(DATA "/b-0") && exists(DATA "/b-0.del"), "b-0 renamed to b-0.del");
	fl_catalog_reap(&c);
	CHECK(!exists(DATA "/b-0.del"), "reaped");
	fl_catalog_close(&c);

	/* the topics file disappears: rebuilt from the directories, nothing deleted */
	CHECK_INT(fl_vfs_unlink(vfs, DATA "/" FL_CATALOG_TOPICS_FILE), ==, 0, "remove topics");
	warnings = 0;
	CHECK_INT(open_cat(&c, &err), ==, 0, "a missing topics file: the catalog opens");
	CHECK(fl_catalog_find(&c, "a", 1) != NULL && fl_catalog_find(&c, "a", 1)->nparts == 2,
	    "topic a rebuilt with its two partitions");
	CHECK_U64(fl_catalog_find(&c, "a", 1)->parts[1].log.log_end, ==, 1,
	    "its record is still there");
	CHECK(warnings > 0, "the rebuild is reported");
	CHECK(exists(DATA "/" FL_CATALOG_TOPICS_FILE), "the rebuilt list is written");
	fl_catalog_close(&c);

	/* a gap in partition directories cannot be rebuilt: refuse, touch nothing */
	CHECK_INT(fl_vfs_unlink(vfs, DATA "/" FL_CATALOG_TOPICS_FILE), ==, 0, "remove topics");
	CHECK_INT(fl_vfs_rename(vfs, DATA "/a-0", DATA "/a-0.moved"), ==, 0, "hide a-0");
	CHECK_INT(open_cat(&c, &err), ==, FL_ECORRUPT, "a gap in partitions: refused");
	printf("# %s\n", err.msg);
	CHECK(strstr(err.msg, "partition 0") != NULL, "the refusal names the missing partition");
	CHECK(exists(DATA "/a-1"), "a-1 still exists");
	fl_catalog_close(&c);
	CHECK_INT(fl_vfs_rename(vfs, DATA "/a-0.moved", DATA "/a-0"), ==, 0, "restore a-0");
	CHECK_INT(open_cat(&c, &err), ==, 0, "rebuilt again");
	fl_catalog_close(&c);

	/* a damaged topics file: refused, nothing deleted */
	{
		struct fl_file *f;

		FL_ASSERT(fl_vfs_open(vfs, DATA "/" FL_CATALOG_TOPICS_FILE, 0, &f) == 0);
		FL_ASSERT(fl_vfs_pwrite(f, "X", 1, 0) == 0);
		fl_vfs_close(f);
	}
	CHECK_INT(open_cat(&c, &err), ==, FL_ECORRUPT, "a damaged topics file: refused");
	CHECK(exists(DATA "/a-0") && exists(DATA "/a-1"), "nothing deleted");
	fl_catalog_close(&c);

	/* a directory the (good) file does not name, holding a record: moved aside */
	CHECK_INT(fl_vfs_unlink(vfs, DATA "/" FL_CATALOG_TOPICS_FILE), ==, 0, "remove topics");
	CHECK_INT(open_cat(&c, &err), ==, 0, "rebuilt");
	fl_catalog_close(&c);
	{
		/* a topics file naming only a-0..a-1; plant z-0 with a record */
		struct fl_catalog c2;

		CHECK_INT(open_cat(&c2, &err), ==, 0, "open");
		memset(nt, 0, sizeof(nt));
		nt[0].name = "z"; nt[0].nparts = 1;
		CHECK(fl_catalog_create(&c2, nt, 1, 1000, &err) == 0 && nt[0].rc == 0, "create z");
		append_one(&nt[0].topic->parts[0]);
		/* forget z in the file only, as an interrupted create would */
		(void)fl_topic_list_remove(&c2.tlist, "z");
		{
			struct fl_wr w;

			fl_wr_init(&w, 1 << 20);
			FL_ASSERT(fl_topic_list_encode(&c2.tlist, &w) == 0);
			FL_ASSERT(fl_durable_write(vfs, DATA, FL_CATALOG_TOPICS_FILE, w.p, w.len) == 0);
			fl_wr_free(&w);
		}
		fl_catalog_close(&c2);
	}
	CHECK(exists(DATA "/z-0"), "z-0 is there");
	CHECK_INT(open_cat(&c, &err), ==, 0, "open with a leftover directory");
	CHECK(!exists(DATA "/z-0") && exists(DATA "/z-0.orphan"),
	    "a leftover with records is moved aside, not deleted");
	CHECK(fl_catalog_find(&c, "z", 1) == NULL, "and is not a topic");
	fl_catalog_close(&c);

	/*
	 * A damaged batch in one partition (one the open reads, here while it
	 * rebuilds the producers' state): the whole open is refused, what had
	 * opened is closed again (under ASan: nothing leaks), nothing is cut.
	 */
	{
		uint64_t size_before, size_after;
		uint32_t interval = pcfg.plog.index_interval_bytes;
		int k;

		pcfg.plog.index_interval_bytes = 1;	/* recovery reads only the last batch */
		CHECK_INT(open_cat(&c, &err), ==, 0, "open");
		memset(nt, 0, sizeof(nt));
		nt[0].name = "y"; nt[0].nparts = 1;
		CHECK(fl_catalog_create(&c, nt, 1, 1000, &err) == 0 && nt[0].rc == 0, "create y");
		for (k = 0; k < 3; k++)
			append_one(&nt[0].topic->parts[0]);
		fl_catalog_close(&c);
		FL_ASSERT(fl_vfs_stat(vfs, DATA "/y-0/00000000000000000000.log", NULL,
		    &size_before) == 0);
		CHECK_INT(fl_vfs_mem_corrupt(vfs, DATA "/y-0/00000000000000000000.log",
		    size_before / 2, 4, 9), ==, 0, "a sector of y-0 reads back damaged");
		CHECK_INT(open_cat(&c, &err), ==, FL_ECORRUPT, "the catalog refuses to open");
		printf("# %s\n", err.msg);
		CHECK(strstr(err.msg, "y-0") != NULL && strstr(err.msg, "flume-seg repair") != NULL,
		    "naming the partition and the way out");
		FL_ASSERT(fl_vfs_stat(vfs, DATA "/y-0/00000000000000000000.log", NULL,
		    &size_after) == 0);
		CHECK_U64(size_after, ==, size_before, "nothing cut");
		CHECK(exists(DATA "/a-0") && exists(DATA "/y-0"), "nothing deleted");
		fl_catalog_close(&c);	/* a second close is harmless */
		pcfg.plog.index_interval_bytes = interval;
	}
	fl_vfs_mem_free(vfs);
	return tap_done();
}
