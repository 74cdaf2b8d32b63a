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
 * Responses carry the number of the round that covers them
 * (round_started + 1 when queued), so no per-partition waiter lists are
 * needed: a response is durable once round_done reaches its number.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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

			if (j->f == NULL)
				continue;	/* its flush failed on the loop thread */
			j->rc = fl_vfs_sync(j->f);
			j->errnum = j->rc == FL_ESYS ? errno : 0;
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
}

/* Finish the current round: marks, releases, wakes. */
static void
round_finish(struct broker *b)
{
	struct syncer *sy = &b->sy;
	size_t i;

	for (i = 0; i < sy->njobs; i++) {
		struct sync_job *j = &sy->jobs[i];

		if (j->rc != 0) {
			/*
			 * After a failed fdatasync the kernel may have dropped
			 * the dirty pages (the 2018 "fsyncgate"): retrying can
			 * report success for data that is gone.  Stop rather
			 * than acknowledge it.
			 */
			errno = j->errnum;
			fl_log(FL_LOG_ERROR, "fdatasync %s: %s; stopping", j->p->dir,
			    j->rc == FL_ESYS ? strerror(j->errnum) : fl_strerror(j->rc));
			_exit(74);
		}
		j->p->in_round = 0;
		if (!j->p->topic->is_deleted)
			fl_plog_mark_synced(&j->p->log, j->end);
	}
	sy->njobs = 0;
	sy->round_done = sy->round_started;
	sy->is_busy = 0;
	sy->bytes_in_round = 0;
	sy->waiting_cur = 0;
	if (b->dead != NULL)
		store_reap_dead(b);
	loop_wake_all(b);
}

void
sync_maybe_start(struct broker *b)
{
	struct syncer *sy = &b->sy;
	size_t i, n = 0;
	int32_t j;

	if (sy->is_busy || (b->ndirty == 0 && sy->waiting_next == 0))
		return;
	if (sy->cap < b->ndirty) {
		size_t cap = b->ndirty * 2;
		struct sync_job *nj = realloc(sy->jobs, cap * sizeof(*nj));

		if (nj == NULL)
			return;		/* try again next turn */
		sy->jobs = nj;
		sy->cap = cap;
	}
	for (i = 0; i < b->ntopics && n < b->ndirty; i++) {
		struct topic *t = b->topics[i];

		for (j = 0; j < t->nparts; j++) {
			struct part *p = &t->parts[j];
			struct sync_job *job;

			if (!p->is_dirty)
				continue;
			job = &sy->jobs[n++];
			job->p = p;
			job->f = fl_plog_active_file(&p->log, &job->end);
			job->rc = 0;
			if (job->f == NULL) {
				/* the buffered appends could not be written */
				job->rc = (int)(int64_t)job->end;
				job->errnum = errno;
				job->end = 0;
			}
			p->is_dirty = 0;
			p->in_round = 1;
			p->dirty_bytes = 0;
		}
	}
	FL_ASSERT(n == b->ndirty);
	b->ndirty = 0;
	sy->njobs = n;
	sy->round_started++;
	sy->bytes_in_round = b->dirty_bytes;
	b->dirty_bytes = 0;
	sy->waiting_cur = sy->waiting_next;
	sy->waiting_next = 0;
	if (n == 0) {
		/* only responses that need no sync (duplicates of durable data) */
		round_finish(b);
		return;
	}
	sy->is_busy = 1;
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
	if (done && sy->is_busy)
		round_finish(b);
}

/* Block until no round is in flight (shutdown). */
void
sync_wait_idle(struct broker *b)
{
	struct syncer *sy = &b->sy;
	int done;

	while (sy->is_busy) {
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
