/*
 * sync.c: group commit (DESIGN §5).
 *
 * A round takes every partition appended to since the last round began,
 * hands its active segment file and log end to the sync thread, which
 * fdatasyncs each once and signals an eventfd.  The loop thread then marks
 * those ends durable (the high watermark consumers see) and releases every
 * produce response queued before the round began.  Whatever arrives while
 * a round runs waits for the next one, so one fdatasync per partition
 * covers all of it and rounds grow with load.
 *
 * The bookkeeping (round numbers, dirty partitions, back-pressure) is
 * sm/round.h; this file is the thread and its hand-over.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sysexits.h>
#include <unistd.h>

#include "os/clock.h"
#include "serve.h"

static void *
sync_main(void *arg)
{
	struct syncer *sy = arg;
	uint64_t one = 1;
	size_t i;

	pthread_mutex_lock(&sy->mu);
	for (;;) {
		while (!sy->has_work && !sy->quit)
			pthread_cond_wait(&sy->cv, &sy->mu);
		if (!sy->has_work && sy->quit)
			break;
		pthread_mutex_unlock(&sy->mu);
		for (i = 0; i < sy->njobs; i++) {
			struct sync_job *j = &sy->jobs[i];

			uint64_t t0_ns;

			if (j->f == NULL)
				continue;	/* its flush failed on the loop thread */
			/* the job's own fields: the loop reads them after has_work ends */
			t0_ns = fl_clock_ns();
			j->rc = fl_vfs_sync(j->f);
			j->errnum = j->rc == FL_ESYS ? errno : 0;
			j->sync_us = (fl_clock_ns() - t0_ns) / 1000;
		}
		pthread_mutex_lock(&sy->mu);
		sy->has_work = 0;
		sy->is_done = 1;
		pthread_cond_broadcast(&sy->cv);	/* sync_wait_idle */
		(void)!write(sy->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&sy->mu);
	return NULL;
}

int
sync_init(struct broker *b)
{
	struct syncer *sy = &b->sy;

	memset(sy, 0, sizeof(*sy));
	fl_round_init(&b->round, b->cfg->unsynced_bytes_max, b->cfg->produce_waiting_max);
	sy->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sy->efd < 0)
		return FL_ESYS;
	pthread_mutex_init(&sy->mu, NULL);
	pthread_cond_init(&sy->cv, NULL);
	if (pthread_create(&sy->th, NULL, sync_main, sy) != 0) {
		close(sy->efd);
		return FL_ESYS;
	}
	sy->has_thread = 1;
	return 0;
}

void
sync_stop(struct broker *b)
{
	struct syncer *sy = &b->sy;

	if (!sy->has_thread)
		return;
	sync_wait_idle(b);
	pthread_mutex_lock(&sy->mu);
	sy->quit = 1;
	pthread_cond_signal(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
	pthread_join(sy->th, NULL);
	sy->has_thread = 0;
	close(sy->efd);
	free(sy->jobs);
	sy->jobs = NULL;
	free(sy->slots);
	sy->slots = NULL;
}

/*
 * Finish the current round: mark what it made durable, release the
 * responses that waited for it, wake everyone.  A failed write or
 * fdatasync stops the broker instead (see below).
 */
static void
round_finish(struct broker *b)
{
	struct syncer *sy = &b->sy;
	size_t i;

	for (i = 0; i < sy->njobs; i++) {
		struct sync_job *j = &sy->jobs[i];

		j->p->round.in_round = 0;
		if (j->rc == 0)
			continue;
		/*
		 * After a failed fdatasync the kernel may have dropped the
		 * dirty pages (the 2018 "fsyncgate"): retrying can report
		 * success for data that is gone.  Acknowledge nothing more:
		 * the loop stops at once and the round's responses stay
		 * unsent.
		 */
		errno = j->errnum;
		fl_log(FL_LOG_ERROR, "%s %s: %s; stopping", j->call,
		    fl_part_dir(j->p), j->rc == FL_ESYS ? strerror(j->errnum) :
		    fl_strerror(j->rc));
		b->is_failed = 1;
		b->exit_code = EX_IOERR;
	}
	if (b->is_failed) {
		sy->njobs = 0;
		return;
	}
	for (i = 0; i < sy->njobs; i++) {
		struct sync_job *j = &sy->jobs[i];

		fl_part_durable(j->p, b->now_ms, j->end);
		b->m.fsyncs++;
		fl_prom_hist_observe(&b->m.fsync_us, j->sync_us);
		fl_prom_hist_observe(&b->m.records_per_fsync, j->records);
	}
	sy->njobs = 0;
	fl_round_finish(&b->round);
	fl_catalog_reap(&b->cat);
	group_durable(b);
	kafka_hw_moved(b);
	loop_wake_all(b);
}

void
sync_maybe_start(struct broker *b)
{
	struct syncer *sy = &b->sy;
	size_t i, n;

	if (b->is_failed || !fl_round_due(&b->round))
		return;
	if (sy->cap < b->round.ndirty || sy->slots_cap < b->round.ndirty) {
		size_t cap = b->round.ndirty * 2;
		struct sync_job *nj = realloc(sy->jobs, cap * sizeof(*nj));
		struct fl_round_slot **ns;

		if (nj == NULL)
			return;		/* try again next turn */
		sy->jobs = nj;
		sy->cap = cap;
		ns = realloc(sy->slots, cap * sizeof(*ns));
		if (ns == NULL)
			return;
		sy->slots = ns;
		sy->slots_cap = cap;
	}
	n = fl_round_begin(&b->round, sy->slots);
	for (i = 0; i < n; i++) {
		struct fl_part *p = (struct fl_part *)(void *)((char *)sy->slots[i] -
		    offsetof(struct fl_part, round));
		struct sync_job *job = &sy->jobs[i];

		job->p = p;
		job->f = fl_plog_active_file(&p->log, &job->end);
		job->rc = 0;
		job->call = "fdatasync";
		job->sync_us = 0;
		/* what this fdatasync makes durable: offsets past the last one's */
		job->records = 0;
		if (job->f == NULL) {
			/* the buffered appends could not be written */
			job->rc = (int)(int64_t)job->end;
			job->errnum = errno;
			job->end = 0;
			job->call = "write";
		} else if (job->end > p->log.synced_end) {
			job->records = job->end - p->log.synced_end;
		}
	}
	sy->njobs = n;
	if (n == 0) {
		/* only responses that need no sync (duplicates of durable data) */
		round_finish(b);
		return;
	}
	pthread_mutex_lock(&sy->mu);
	sy->has_work = 1;
	sy->is_done = 0;
	pthread_cond_signal(&sy->cv);
	pthread_mutex_unlock(&sy->mu);
}

void
sync_on_done(struct broker *b)
{
	struct syncer *sy = &b->sy;
	uint64_t v;
	int done;

	(void)!read(sy->efd, &v, sizeof(v));
	pthread_mutex_lock(&sy->mu);
	done = sy->is_done;
	sy->is_done = 0;
	pthread_mutex_unlock(&sy->mu);
	if (done && b->round.is_busy)
		round_finish(b);
}

/* Block until no round is in flight (shutdown). */
void
sync_wait_idle(struct broker *b)
{
	struct syncer *sy = &b->sy;
	int done;

	while (b->round.is_busy && !b->is_failed) {
		pthread_mutex_lock(&sy->mu);
		while (!sy->is_done)
			pthread_cond_wait(&sy->cv, &sy->mu);
		done = sy->is_done;
		sy->is_done = 0;
		pthread_mutex_unlock(&sy->mu);
		if (done)
			round_finish(b);
	}
}
