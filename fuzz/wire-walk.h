/*
 * wire-walk.h: visit every slice and array of a decoded struct fl_kp_req,
 * checking that each slice lies inside the payload and reading every byte
 * of it, so that ASan flags a view that escapes its buffer.  Shared by
 * fuzz/fuzz-wire.c and t/unit/test-kproto.c (header-only, all static).
 */
#ifndef FL_WIRE_WALK_H
#define FL_WIRE_WALK_H

#include <stddef.h>
#include <stdint.h>

#include "codec/kproto.h"

struct walk {
	const uint8_t *base;
	size_t len;
	unsigned sum;		/* consumed so the reads are not optimised out */
	int bad;		/* a slice escaped the payload */
};

static void
walk_slice(struct walk *k, struct fl_slice s)
{
	size_t i;

	if (s.p == NULL) {
		if (s.len != 0)
			k->bad = 1;
		return;
	}
	if (s.p < k->base || s.len > k->len ||
	    (size_t)(s.p - k->base) > k->len - s.len) {
		k->bad = 1;
		return;
	}
	for (i = 0; i < s.len; i++)
		k->sum += s.p[i];
}

static void
walk_i32s(struct walk *k, const int32_t *v, size_t n)
{
	size_t i;

	if (n > 0 && v == NULL)
		k->bad = 1;
	for (i = 0; i < n && v != NULL; i++)
		k->sum += (unsigned)v[i];
}

/* Returns 0 when every slice is in bounds, -1 otherwise. */
static int
walk_req(const struct fl_kp_req *q, const uint8_t *base, size_t len,
    unsigned *sum)
{
	struct walk k = { base, len, 0, 0 };
	size_t i, j;

	walk_slice(&k, q->hdr.client_id);
	if (q->hdr.kind != FL_KP_REQ_OK)
		goto out;
	switch (q->hdr.api_key) {
	case FL_KP_API_VERSIONS:
		walk_slice(&k, q->u.apiversions.client_software_name);
		walk_slice(&k, q->u.apiversions.client_software_version);
		break;
	case FL_KP_PRODUCE: {
		const struct fl_kp_produce_req *r = &q->u.produce;

		walk_slice(&k, r->transactional_id);
		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++)
				walk_slice(&k, r->topics[i].parts[j].records);
		}
		break;
	}
	case FL_KP_FETCH: {
		const struct fl_kp_fetch_req *r = &q->u.fetch;

		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++)
				k.sum += (unsigned)r->topics[i].parts[j].fetch_offset;
		}
		for (i = 0; i < r->nforgotten; i++) {
			walk_slice(&k, r->forgotten[i].name);
			walk_i32s(&k, r->forgotten[i].parts, r->forgotten[i].nparts);
		}
		walk_slice(&k, r->rack_id);
		break;
	}
	case FL_KP_LIST_OFFSETS: {
		const struct fl_kp_list_offsets_req *r = &q->u.list_offsets;

		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++)
				k.sum += (unsigned)r->topics[i].parts[j].timestamp;
		}
		break;
	}
	case FL_KP_METADATA: {
		const struct fl_kp_metadata_req *r = &q->u.metadata;

		if (r->is_all_topics && r->ntopics != 0)
			k.bad = 1;
		for (i = 0; i < r->ntopics; i++)
			walk_slice(&k, r->topics[i]);
		break;
	}
	case FL_KP_OFFSET_COMMIT: {
		const struct fl_kp_offset_commit_req *r = &q->u.offset_commit;

		walk_slice(&k, r->group_id);
		walk_slice(&k, r->member_id);
		walk_slice(&k, r->group_instance_id);
		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++)
				walk_slice(&k, r->topics[i].parts[j].metadata);
		}
		break;
	}
	case FL_KP_OFFSET_FETCH: {
		const struct fl_kp_offset_fetch_req *r = &q->u.offset_fetch;

		walk_slice(&k, r->group_id);
		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			walk_i32s(&k, r->topics[i].parts, r->topics[i].nparts);
		}
		break;
	}
	case FL_KP_FIND_COORDINATOR:
		walk_slice(&k, q->u.find_coordinator.key);
		break;
	case FL_KP_JOIN_GROUP: {
		const struct fl_kp_join_group_req *r = &q->u.join_group;

		walk_slice(&k, r->group_id);
		walk_slice(&k, r->member_id);
		walk_slice(&k, r->group_instance_id);
		walk_slice(&k, r->protocol_type);
		for (i = 0; i < r->nprotocols; i++) {
			walk_slice(&k, r->protocols[i].name);
			walk_slice(&k, r->protocols[i].metadata);
		}
		break;
	}
	case FL_KP_HEARTBEAT:
		walk_slice(&k, q->u.heartbeat.group_id);
		walk_slice(&k, q->u.heartbeat.member_id);
		walk_slice(&k, q->u.heartbeat.group_instance_id);
		break;
	case FL_KP_LEAVE_GROUP: {
		const struct fl_kp_leave_group_req *r = &q->u.leave_group;

		walk_slice(&k, r->group_id);
		for (i = 0; i < r->nmembers; i++) {
			walk_slice(&k, r->members[i].member_id);
			walk_slice(&k, r->members[i].group_instance_id);
		}
		break;
	}
	case FL_KP_SYNC_GROUP: {
		const struct fl_kp_sync_group_req *r = &q->u.sync_group;

		walk_slice(&k, r->group_id);
		walk_slice(&k, r->member_id);
		walk_slice(&k, r->group_instance_id);
		for (i = 0; i < r->nassignments; i++) {
			walk_slice(&k, r->assignments[i].member_id);
			walk_slice(&k, r->assignments[i].assignment);
		}
		break;
	}
	case FL_KP_DESCRIBE_GROUPS:
		for (i = 0; i < q->u.describe_groups.ngroups; i++)
			walk_slice(&k, q->u.describe_groups.groups[i]);
		break;
	case FL_KP_SASL_HANDSHAKE:
		walk_slice(&k, q->u.sasl_handshake.mechanism);
		break;
	case FL_KP_SASL_AUTHENTICATE:
		walk_slice(&k, q->u.sasl_authenticate.auth_bytes);
		break;
	case FL_KP_CREATE_TOPICS: {
		const struct fl_kp_create_topics_req *r = &q->u.create_topics;

		for (i = 0; i < r->ntopics; i++) {
			const struct fl_kp_create_topic *t = &r->topics[i];

			walk_slice(&k, t->name);
			for (j = 0; j < t->nassignments; j++)
				walk_i32s(&k, t->assignments[j].broker_ids,
				    t->assignments[j].nbroker_ids);
			for (j = 0; j < t->nconfigs; j++) {
				walk_slice(&k, t->configs[j].name);
				walk_slice(&k, t->configs[j].value);
			}
		}
		break;
	}
	case FL_KP_DELETE_TOPICS:
		for (i = 0; i < q->u.delete_topics.nnames; i++)
			walk_slice(&k, q->u.delete_topics.names[i]);
		break;
	case FL_KP_INIT_PRODUCER_ID:
		walk_slice(&k, q->u.init_producer_id.transactional_id);
		break;
	case FL_KP_OFFSET_FOR_LEADER_EPOCH: {
		const struct fl_kp_ofle_req *r = &q->u.ofle;

		for (i = 0; i < r->ntopics; i++) {
			walk_slice(&k, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++)
				k.sum += (unsigned)r->topics[i].parts[j].leader_epoch;
		}
		break;
	}
	default:
		break;
	}
out:
	if (sum != NULL)
		*sum += k.sum;
	return k.bad ? -1 : 0;
}

#endif
