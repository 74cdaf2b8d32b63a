/*
 * loop.c: one turn reads the clocks once, takes the commands that have
 * arrived, lets every partition do its local work (lock retries, ticks,
 * truncations, the hw checkpoint, progress lines), checks the two ways a
 * run ends on its own (every partition fenced: 75; the leader silent for
 * --unreachable-ms: 69), then sends at most one request to the leader.
 * With nothing to send it sleeps in poll() until a command, a signal, or
 * the next deadline (a backoff ending, a report due, the unreachable
 * limit).
 */
#include <stdint.h>
#include <sysexits.h>

#include "os/clock.h"
#include "os/diag.h"
#include "repl.h"

static void
tick(struct repl *r)
{
	r->now_ms = fl_clock_ms();
	r->wall_ms = fl_wall_ms();
}

int
repl_run(struct repl *r)
{
	while (r->exit_code < 0) {
		int64_t wake;

		tick(r);
		input_poll(r, 0);
		if (r->is_stopping || r->exit_code >= 0)
			break;
		parts_service(r);
		if (r->is_stopping || r->exit_code >= 0)
			break;
		if (parts_all_fenced(r)) {
			fl_log(FL_LOG_WARN, "every partition followed is fenced: the leader "
			    "moved on; stopping (75)");
			r->exit_code = EX_TEMPFAIL;
			break;
		}
		if (!parts_need_leader(r))
			r->down_since_ms = 0;	/* nobody is asking it anything */
		if (r->down_since_ms != 0 &&
		    r->now_ms - r->down_since_ms >= r->cfg.unreachable_ms) {
			fl_log(FL_LOG_ERROR, "leader %d at %s:%s unreachable for %lld ms "
			    "(last: %s); stopping (69)", (int)r->cfg.leader_id, r->cfg.host,
			    r->cfg.port, (long long)(r->now_ms - r->down_since_ms),
			    r->down_why);
			r->exit_code = EX_UNAVAILABLE;
			break;
		}
		wake = parts_next_wake(r);
		if (r->down_since_ms != 0 && r->down_since_ms + r->cfg.unreachable_ms < wake)
			wake = r->down_since_ms + r->cfg.unreachable_ms;
		if (leader_round(r, wake))
			continue;
		tick(r);
		input_poll(r, wake == INT64_MAX ? REPL_POLL_MS_MAX :
		    wake > r->now_ms ? wake - r->now_ms : 0);
	}
	if (r->exit_code == EX_IOERR)
		return EX_IOERR;	/* no sync after a failed one: exit, the kernel unlocks */
	tick(r);
	if (parts_close_all(r) != 0)
		return EX_IOERR;
	fl_kconn_free(&r->conn);
	return r->exit_code >= 0 ? r->exit_code : 0;
}
