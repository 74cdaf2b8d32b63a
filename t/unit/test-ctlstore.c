/*
 * test-ctlstore.c: the controller's epoch store (store/ctlstore.h) on the
 * memory disk: begin bumps the controller epoch durably, saves only move
 * forward, a crash keeps the last saved state, and a damaged file is
 * refused and left as it was.
 */
#include <stdio.h>
#include <string.h>

#include "base/csum.h"
#include "store/ctlstore.h"
#include "tap.h"

static struct fl_cmeta_part
part(const char *topic, int32_t idx, int32_t epoch, int32_t leader, const char *isr)
{
	struct fl_cmeta_part p;

	memset(&p, 0, sizeof(p));
	snprintf(p.topic, sizeof(p.topic), "%s", topic);
	p.partition = idx;
	p.epoch = epoch;
	p.leader = leader;
	p.role = leader >= 0 ? FL_ROLE_LEADER : FL_ROLE_OFFLINE;
	FL_ASSERT(fl_nodeset_parse(&p.replicas, "1,2,3") == 0);
	FL_ASSERT(fl_nodeset_parse(&p.isr, isr) == 0);
	return p;
}

int
main(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_cmeta cur, next, again;
	struct fl_cmeta_part p;
	struct fl_err err = { 0, "" };
	struct fl_file *f;
	int64_t epoch = 0;

	FL_ASSERT(fl_csum_init() == 0);
	FL_ASSERT(fl_vfs_mkdir(v, "/s") == 0 && fl_vfs_sync_dir(v, "/") == 0);
	memset(&cur, 0, sizeof(cur));
	memset(&next, 0, sizeof(next));
	memset(&again, 0, sizeof(again));

	CHECK_INT(fl_ctlstore_load(v, "/s", &cur, &err), ==, 0, "no state yet: empty");
	CHECK(cur.controller_epoch == 0 && cur.nparts == 0, "epoch 0, no partitions");
	CHECK_INT(fl_ctlstore_begin(v, "/s", &cur, &epoch, &err), ==, 0, "a controller begins");
	CHECK_INT(epoch, ==, 1, "its epoch is 1");
	CHECK_INT(fl_ctlstore_begin(v, "/s", &cur, &epoch, &err), ==, 0, "the next one begins");
	CHECK_INT(epoch, ==, 2, "its epoch is 2: the first is fenced");

	next.controller_epoch = 2;
	p = part("t", 0, 1, 1, "1,2,3");
	FL_ASSERT(fl_cmeta_put(&next, &p) == 0);
	CHECK_INT(fl_ctlstore_save(v, "/s", &cur, &next, &err), ==, 0, "a partition's first epoch");
	p = part("t", 0, 2, 2, "2,3");
	FL_ASSERT(fl_cmeta_put(&next, &p) == 0);
	CHECK_INT(fl_ctlstore_save(v, "/s", &cur, &next, &err), ==, 0, "an election: epoch 2");
	p = part("t", 0, 2, 3, "3");
	FL_ASSERT(fl_cmeta_put(&next, &p) == 0);
	CHECK_INT(fl_ctlstore_save(v, "/s", &cur, &next, &err), ==, FL_ERANGE,
	    "a second leader in epoch 2 is refused");
	CHECK(strstr(err.msg, "epoch 2 already has leader 2") != NULL, "and says why");
	p = part("t", 0, 1, 3, "3");
	FL_ASSERT(fl_cmeta_put(&next, &p) == 0);
	CHECK_INT(fl_ctlstore_save(v, "/s", &cur, &next, &err), ==, FL_ERANGE,
	    "an epoch going back is refused");
	next.controller_epoch = 1;
	p = part("t", 0, 3, 3, "3");
	FL_ASSERT(fl_cmeta_put(&next, &p) == 0);
	CHECK_INT(fl_ctlstore_save(v, "/s", &cur, &next, &err), ==, FL_ERANGE,
	    "a controller epoch going back is refused");

	/* a crash keeps what was saved: epoch 2 led by 2 */
	fl_vfs_mem_crash(v, 7);
	CHECK_INT(fl_ctlstore_load(v, "/s", &again, &err), ==, 0, "loads after a crash");
	CHECK(again.controller_epoch == 2 && fl_cmeta_find(&again, "t", 0) != NULL &&
	    fl_cmeta_find(&again, "t", 0)->epoch == 2 &&
	    fl_cmeta_find(&again, "t", 0)->leader == 2, "the last saved state, durably");

	/* a damaged file is refused and stays as it is */
	FL_ASSERT(fl_vfs_open(v, "/s/state", 0, &f) == 0);
	FL_ASSERT(fl_vfs_pwrite(f, "X", 1, 3) == 0);
	fl_vfs_close(f);
	CHECK_INT(fl_ctlstore_load(v, "/s", &again, &err), ==, FL_ECORRUPT, "damaged: refused");
	CHECK(strstr(err.msg, "/s/state: damaged") != NULL, "naming the file");
	CHECK_INT(fl_ctlstore_begin(v, "/s", &again, &epoch, &err), ==, FL_ECORRUPT,
	    "no controller begins on it");
	CHECK_INT(fl_ctlstore_load(v, "/s", &again, &err), ==, FL_ECORRUPT, "nothing replaced it");

	fl_cmeta_free(&cur);
	fl_cmeta_free(&next);
	fl_cmeta_free(&again);
	fl_vfs_mem_free(v);
	return tap_done();
}
