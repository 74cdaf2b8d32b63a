/* leader.c: follower progress, ISR proposals, HW and acks=all on a leader. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "codec/kerr.h"
#include "sm/leader.h"


/* ---- the leader ---- */

static struct fl_leader_follower *
follower(struct fl_leader *l, int32_t id)
{
	size_t i;

	for (i = 0; i < l->nf; i++)
		if (l->f[i].id == id)
			return &l->f[i];
	return NULL;
}

static void
union_isr(const struct fl_leader *l, struct fl_nodeset *out)
{
	size_t i;

#ifdef FL_PLANT_FENCED_ACK
	/* PLANTED BUG (flume-sim(1)): the proposal alone counts, so a leader
	 * cut off from its controller drops its followers and acks alone */
	*out = l->proposed;
	return;
#endif
	*out = l->isr;
	for (i = 0; i < l->proposed.n; i++)
		(void)fl_nodeset_add(out, l->proposed.id[i]);
}

void
fl_leader_effective_isr(const struct fl_leader *l, struct fl_nodeset *out)
{
	union_isr(l, out);
}

/* HW = min log end over committed ∪ proposed; never backwards. */
static void
update_hw(struct fl_leader *l)
{
	struct fl_nodeset eff;
	uint64_t min = l->durable_end;
	size_t i;

	union_isr(l, &eff);
#ifdef FL_PLANT_EARLY_HW
	/* PLANTED BUG (flume-sim(1)): the HW is the leader's own durable end */
	eff.n = 0;
#endif
	for (i = 0; i < eff.n; i++) {
		const struct fl_leader_follower *f;

		if (eff.id[i] == l->self)
			continue;
		f = follower(l, eff.id[i]);
		if (f == NULL || f->fetch_offset < 0) {
			min = 0;	/* a member that has not confirmed anything */
			break;
		}
		if ((uint64_t)f->fetch_offset < min)
			min = (uint64_t)f->fetch_offset;
	}
	if (min > l->hw)
		l->hw = min;
}

/* What the ISR should be, by each follower's progress. */
static void
update_proposal(struct fl_leader *l, int64_t now_ms)
{
	struct fl_nodeset p;
	size_t i;

	memset(&p, 0, sizeof(p));
	(void)fl_nodeset_add(&p, l->self);
	for (i = 0; i < l->nf; i++) {
		const struct fl_leader_follower *f = &l->f[i];
		int is_lagging = now_ms - f->caught_up_ms > l->lag_max_ms;
		int was_in = fl_nodeset_has(&l->isr, f->id) || fl_nodeset_has(&l->proposed, f->id);
		int at_end = f->fetch_offset >= 0 && (uint64_t)f->fetch_offset >= l->log_end;

		if ((was_in && !is_lagging) || at_end)
			(void)fl_nodeset_add(&p, f->id);
	}
	if (!fl_nodeset_equal(&p, &l->proposed)) {
		l->proposed = p;
		l->proposal_changed = 1;
	}
	update_hw(l);
}

int
fl_leader_init(struct fl_leader *l, int32_t self, int32_t epoch,
    const struct fl_nodeset *replicas, const struct fl_nodeset *isr,
    uint64_t log_end, uint64_t durable_end, uint64_t hw,
    int32_t min_insync, int64_t lag_max_ms, int64_t now_ms)
{
	size_t i;

	memset(l, 0, sizeof(*l));
	if (!fl_nodeset_has(replicas, self) || !fl_nodeset_has(isr, self) ||
	    durable_end > log_end || hw > durable_end || min_insync < 1 || epoch < 0)
		return FL_EINVAL;
	for (i = 0; i < isr->n; i++)
		if (!fl_nodeset_has(replicas, isr->id[i]))
			return FL_EINVAL;
	l->self = self;
	l->epoch = epoch;
	l->replicas = *replicas;
	l->isr = *isr;
	l->proposed = *isr;
	l->log_end = log_end;
	l->durable_end = durable_end;
	l->hw = hw;
	l->min_insync = min_insync;
	l->lag_max_ms = lag_max_ms;
	for (i = 0; i < replicas->n; i++) {
		struct fl_leader_follower *f;

		if (replicas->id[i] == self)
			continue;
		f = &l->f[l->nf++];
		f->id = replicas->id[i];
		f->fetch_offset = -1;
		/* a new leader gives every follower lag_max_ms to show up */
		f->caught_up_ms = now_ms;
		f->last_fetch_ms = -1;
	}
	update_hw(l);
	return 0;
}

int16_t
fl_leader_may_append(const struct fl_leader *l)
{
	struct fl_nodeset eff;

	union_isr(l, &eff);
	return (int32_t)eff.n < l->min_insync ? FL_KERR_NOT_ENOUGH_REPLICAS : 0;
}

void
fl_leader_appended(struct fl_leader *l, int64_t now_ms, uint64_t log_end)
{
	(void)now_ms;
	if (log_end > l->log_end)
		l->log_end = log_end;
}

void
fl_leader_durable(struct fl_leader *l, int64_t now_ms, uint64_t end)
{
	if (end > l->log_end)
		end = l->log_end;
	if (end > l->durable_end)
		l->durable_end = end;
	update_proposal(l, now_ms);
}

int16_t
fl_leader_fetch(struct fl_leader *l, int64_t now_ms, int32_t id, int32_t current_epoch,
    int64_t fetch_offset)
{
	struct fl_leader_follower *f;

	if (current_epoch >= 0 && current_epoch < l->epoch)
		return FL_KERR_FENCED_LEADER_EPOCH;
	if (current_epoch > l->epoch)
		return FL_KERR_UNKNOWN_LEADER_EPOCH;
	f = follower(l, id);
	if (f == NULL)
		return FL_KERR_NOT_LEADER_OR_FOLLOWER;
	if (fetch_offset < 0 || (uint64_t)fetch_offset > l->log_end)
		return FL_KERR_OFFSET_OUT_OF_RANGE;
	f->fetch_offset = fetch_offset;
	/*
	 * Under a steady stream a follower rarely equals the log end exactly:
	 * one that now has all the leader had at its previous fetch was caught
	 * up as of that fetch.
	 */
	if ((uint64_t)fetch_offset >= l->log_end)
		f->caught_up_ms = now_ms;
	else if (f->last_fetch_ms >= 0 && (uint64_t)fetch_offset >= f->last_fetch_end &&
	    f->last_fetch_ms > f->caught_up_ms)
		f->caught_up_ms = f->last_fetch_ms;
	f->last_fetch_ms = now_ms;
	f->last_fetch_end = l->log_end;
	update_proposal(l, now_ms);
	return 0;
}

void
fl_leader_tick(struct fl_leader *l, int64_t now_ms)
{
	update_proposal(l, now_ms);
}

int64_t
fl_leader_next_wake(const struct fl_leader *l)
{
	int64_t t = INT64_MAX;
	size_t i;

	for (i = 0; i < l->nf; i++) {
		const struct fl_leader_follower *f = &l->f[i];

		if (!fl_nodeset_has(&l->isr, f->id) && !fl_nodeset_has(&l->proposed, f->id))
			continue;	/* nothing to time out */
		if (f->caught_up_ms + l->lag_max_ms + 1 < t)
			t = f->caught_up_ms + l->lag_max_ms + 1;
	}
	return t;
}

int
fl_leader_commit_isr(struct fl_leader *l, int64_t now_ms, int32_t epoch,
    const struct fl_nodeset *isr)
{
	size_t i;

	if (epoch < l->epoch)
		return FL_KERR_FENCED_LEADER_EPOCH;
	if (epoch > l->epoch)
		return FL_KERR_UNKNOWN_LEADER_EPOCH;
	if (!fl_nodeset_has(isr, l->self))
		return FL_EINVAL;
	for (i = 0; i < isr->n; i++)
		if (!fl_nodeset_has(&l->replicas, isr->id[i]))
			return FL_EINVAL;
	l->isr = *isr;
	update_proposal(l, now_ms);
	return 0;
}

int
fl_leader_ack_ready(const struct fl_leader *l, uint64_t end, int16_t *error)
{
	struct fl_nodeset eff;

	*error = 0;
	if (l->hw < end)
		return 0;
	union_isr(l, &eff);
	if ((int32_t)eff.n < l->min_insync)
		*error = FL_KERR_NOT_ENOUGH_REPLICAS_AFTER_APPEND;
	return 1;
}

int
fl_leader_take_proposal_change(struct fl_leader *l)
{
	int c = l->proposal_changed;

	l->proposal_changed = 0;
	return c;
}

void
fl_leader_follower_lag(const struct fl_leader *l, size_t i, int64_t now_ms,
    int64_t *lag_messages, int64_t *lag_ms)
{
	const struct fl_leader_follower *f = &l->f[i];

	*lag_messages = f->fetch_offset < 0 ? (int64_t)l->log_end :
	    (int64_t)l->log_end - f->fetch_offset;
	if (*lag_messages < 0)
		*lag_messages = 0;
	*lag_ms = *lag_messages == 0 ? 0 : now_ms - f->caught_up_ms;
}
