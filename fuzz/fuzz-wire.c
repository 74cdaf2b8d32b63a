/*
 * fuzz-wire.c: libFuzzer target for the Kafka request codec (kproto.h).
 *
 * Input: a byte stream of size-prefixed request frames, as a client would
 * send them.  Each frame is classified and decoded; every decoded slice is
 * checked to lie inside its payload and read in full (wire-walk.h), and a
 * response mirroring the request is encoded, so encoders see odd counts
 * and versions too.  A frame whose size runs past the input is decoded
 * with the bytes present (the decoder must reject it cleanly).
 * Each body is also walked by its API's kschema table as a flexible
 * version (compact encodings, tagged fields), whatever version it names,
 * so every table's compact path sees hostile bytes too.
 * SaslHandshake and SaslAuthenticate frames also drive a SASL server
 * exchange (sm/sasl.h), and the whole input is parsed as an HTTP request
 * head too (codec/http.h, the metrics port), so this one target covers
 * every parser a network peer reaches.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "base/scram.h"
#include "codec/http.h"
#include "codec/kproto.h"
#include "sm/sasl.h"
#include "wire-walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * SASL: SaslHandshake and SaslAuthenticate frames drive one server
 * exchange per input, as on a connection: the handshake's mechanism, then
 * each token through fl_sasl_srv_step, against user "u" (password "p").
 * Whatever the bytes, a step returns a defined result, its reply fits, and
 * the state only moves forward.
 */
static struct fl_scram_cred sasl_cred[FL_SCRAM_NHASH];
static int sasl_ready;

static int
sasl_lookup(void *arg, const char *user, enum fl_scram_hash h, struct fl_scram_cred *c)
{
	(void)arg;
	if (strcmp(user, "u") != 0)
		return FL_ENOENT;
	*c = sasl_cred[h];
	return 0;
}

static void
sasl_feed(struct fl_sasl_srv *s, const struct fl_kp_req *q)
{
	uint8_t out[FL_SASL_TOKEN_MAX];
	size_t out_len = 0;
	enum fl_sasl_srv_state before = s->state;
	int rc;

	if (!sasl_ready) {
		static const uint8_t salt[16] = "fuzz-salt-bytes";
		int h;

		if (fl_csum_init() != 0)
			abort();
		for (h = 0; h < FL_SCRAM_NHASH; h++)
			if (fl_scram_cred_make(&sasl_cred[h], (enum fl_scram_hash)h, "p", 1,
			    salt, sizeof(salt), FL_SCRAM_ITER_MIN) != 0)
				abort();
		sasl_ready = 1;
	}
	if (q->hdr.api_key == FL_KP_SASL_HANDSHAKE) {
		const struct fl_slice *m = &q->u.sasl_handshake.mechanism;

		(void)fl_sasl_srv_mech(s, (const char *)m->p, m->len,
		    (1u << FL_SASL_NMECH) - 1);
		return;
	}
	rc = fl_sasl_srv_step(s, q->u.sasl_authenticate.auth_bytes.p,
	    q->u.sasl_authenticate.auth_bytes.len, "fuzznonce", sasl_lookup, NULL,
	    out, sizeof(out), &out_len, NULL);
	if ((rc != FL_SASL_CONTINUE && rc != FL_SASL_DONE && rc >= 0) ||
	    out_len > sizeof(out) || s->state < before ||
	    (rc < 0 && s->state != FL_SASL_S_FAILED) ||
	    (rc == FL_SASL_DONE && s->state != FL_SASL_S_DONE))
		abort();
}

/* Encode a response shaped like the request (arrays from the req arena). */
static void
mirror(struct fl_wr *w, struct fl_kp_req *q)
{
	struct fl_arena *a = &q->arena;
	int16_t v = q->hdr.api_version;
	int32_t corr = q->hdr.correlation_id;
	size_t i, j;
	int rc;

	switch (q->hdr.api_key) {
	case FL_KP_API_VERSIONS:
		(void)fl_kp_apiversions_resp_encode(w, v, corr, 0, 0, FL_KP_FEAT_ALL);
		break;
	case FL_KP_PRODUCE: {
		const struct fl_kp_produce_req *r = &q->u.produce;
		struct fl_kp_produce_topic_resp *t;
		struct fl_kp_produce_resp resp = { NULL, r->ntopics, 0, NULL, NULL, 0 };

		t = fl_arena_alloc(a, r->ntopics, sizeof(*t), &rc);
		if (rc != 0)
			return;
		for (i = 0; i < r->ntopics; i++) {
			struct fl_kp_produce_part_resp *p;

			p = fl_arena_alloc(a, r->topics[i].nparts, sizeof(*p), &rc);
			if (rc != 0)
				return;
			for (j = 0; j < r->topics[i].nparts; j++) {
				p[j].index = r->topics[i].parts[j].index;
				p[j].error = fl_kp_batch_error(FL_EPROTO);
				p[j].base_offset = -1;
			}
			t[i].name = r->topics[i].name;
			t[i].parts = p;
			t[i].nparts = r->topics[i].nparts;
		}
		resp.topics = t;
		(void)fl_kp_produce_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_FETCH: {
		const struct fl_kp_fetch_req *r = &q->u.fetch;
		struct fl_kp_fetch_enc e;
		uint64_t total;
		size_t at;

		fl_kp_fetch_resp_begin(&e, w, v, corr, 0, 0, 0);
		for (i = 0; i < r->ntopics; i++) {
			fl_kp_fetch_resp_topic(&e, r->topics[i].name);
			for (j = 0; j < r->topics[i].nparts; j++) {
				struct fl_kp_fetch_part_resp pr = {
					r->topics[i].parts[j].partition, 0,
					r->topics[i].parts[j].fetch_offset,
					r->topics[i].parts[j].fetch_offset, 0, -1
				};

				if (j % 2)
					fl_kp_fetch_resp_partition(&e, &pr,
					    (uint32_t)r->topics[i].parts[j].max_bytes, &at);
				else
					fl_kp_fetch_resp_partition_inline(&e, &pr,
					    r->topics[i].name.p, r->topics[i].name.len);
			}
		}
		(void)fl_kp_fetch_resp_end(&e, &total);
		break;
	}
	case FL_KP_METADATA: {
		const struct fl_kp_metadata_req *r = &q->u.metadata;
		struct fl_kp_metadata_topic *t;
		struct fl_kp_broker b = { 1, fl_kp_str("127.0.0.1"), 9092, { NULL, 0 } };
		struct fl_kp_metadata_resp resp = { 0, &b, 1, fl_kp_str("c"), 1, NULL,
		    r->ntopics, INT32_MIN };

		t = fl_arena_alloc(a, r->ntopics, sizeof(*t), &rc);
		if (rc != 0)
			return;
		for (i = 0; i < r->ntopics; i++) {
			t[i].error = FL_KERR_UNKNOWN_TOPIC_OR_PARTITION;
			t[i].name = r->topics[i];
			t[i].authorized_operations = INT32_MIN;
		}
		resp.topics = t;
		(void)fl_kp_metadata_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_JOIN_GROUP: {
		const struct fl_kp_join_group_req *r = &q->u.join_group;
		struct fl_kp_join_member *m;
		struct fl_kp_join_group_resp resp = { 0, 0, 1, { NULL, 0 },
		    r->member_id, r->member_id, NULL, r->nprotocols, { NULL, 0 }, 0 };

		m = fl_arena_alloc(a, r->nprotocols, sizeof(*m), &rc);
		if (rc != 0)
			return;
		for (i = 0; i < r->nprotocols; i++) {
			m[i].member_id = r->protocols[i].name;
			m[i].group_instance_id = r->group_instance_id;
			m[i].metadata = r->protocols[i].metadata;
		}
		if (r->nprotocols > 0)
			resp.protocol_name = r->protocols[0].name;
		resp.members = m;
		(void)fl_kp_join_group_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_SYNC_GROUP: {
		const struct fl_kp_sync_group_req *r = &q->u.sync_group;
		struct fl_kp_sync_group_resp resp = { 0, 0, { NULL, 0 }, { NULL, 0 }, { NULL, 0 } };

		if (r->nassignments > 0)
			resp.assignment = r->assignments[0].assignment;
		(void)fl_kp_sync_group_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_LEAVE_GROUP: {
		const struct fl_kp_leave_group_req *r = &q->u.leave_group;
		struct fl_kp_leave_member_resp *m;
		struct fl_kp_leave_group_resp resp = { 0, 0, NULL, r->nmembers };

		m = fl_arena_alloc(a, r->nmembers, sizeof(*m), &rc);
		if (rc != 0)
			return;
		for (i = 0; i < r->nmembers; i++) {
			m[i].member_id = r->members[i].member_id;
			m[i].group_instance_id = r->members[i].group_instance_id;
		}
		resp.members = m;
		(void)fl_kp_leave_group_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_DELETE_TOPICS: {
		const struct fl_kp_delete_topics_req *r = &q->u.delete_topics;
		struct fl_kp_name_error *t;
		struct fl_kp_delete_topics_resp resp = { 0, NULL, r->nnames };

		t = fl_arena_alloc(a, r->nnames, sizeof(*t), &rc);
		if (rc != 0)
			return;
		for (i = 0; i < r->nnames; i++)
			t[i].name = r->names[i];
		resp.topics = t;
		(void)fl_kp_delete_topics_resp_encode(w, v, corr, &resp);
		break;
	}
	case FL_KP_HEARTBEAT: {
		struct fl_kp_error_resp resp = { 0, 0 };

		(void)fl_kp_heartbeat_resp_encode(w, v, corr, &resp);
		break;
	}
	default:
		break;
	}
}

/*
 * The body once more through the API's request table as a flexible version
 * (clamped into the range the table describes): views in bounds, arena
 * under its cap, and the result encodes.
 */
static void
flex_walk(const struct fl_kp_req *req, const uint8_t *p, size_t n,
    struct fl_wr *w)
{
	const struct fl_kp_api *api;
	struct fl_kp_req q;
	struct fl_rd r;
	int16_t v;

	if (n < 8)
		return;
	api = fl_kp_api_find(req->hdr.api_key, FL_KP_FEAT_ALL);
	if (api == NULL || api->req == NULL || req->hdr.body_off > n)
		return;
	v = req->hdr.api_version;
	if (v < api->codec_min || v > api->codec_max)
		v = api->codec_max;
	memset(&q, 0, sizeof(q));
	q.hdr = req->hdr;
	q.hdr.api_version = v;
	fl_arena_init(&q.arena, FL_KP_ARENA_BYTES(n));
	fl_rd_init(&r, p, n);
	r.off = req->hdr.body_off;
	if (fl_ks_decode_body(&r, api->req, v, 1, &q.arena, &q.u) == 0) {
		if (walk_req(&q, p, n, NULL) != 0 ||
		    q.arena.bytes > FL_KP_ARENA_RATIO(1) * n)
			abort();
		(void)fl_ks_encode(w, api->req, v, 1, &q.u, NULL);
		fl_wr_reset(w);
	}
	fl_arena_free(&q.arena);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_wr w;
	struct fl_sasl_srv sasl;
	size_t off = 0;

	/* the same bytes as a request head on the metrics port */
	{
		struct fl_http_req hr;

		(void)fl_http_parse(data, size, 8192, 100, &hr);
	}
	fl_sasl_srv_init(&sasl);
	fl_wr_init(&w, 16u << 20);
	while (size - off >= 4) {
		struct fl_kp_req req;
		size_t n;

		if (fl_kp_frame_size(data + off, size - off, FL_KP_FRAME_BYTES_MAX,
		    &n) != 0)
			break;
		off += 4;
		if (n > size - off)
			n = size - off;
		if (fl_kp_req_decode(&req, data + off, n, FL_KP_FEAT_ALL) == 0) {
			/* Views stay inside the payload; arena <= 8 x payload
			 * (16 x for a flexible version). */
			if (walk_req(&req, data + off, n, NULL) != 0 ||
			    req.arena.bytes > FL_KP_ARENA_RATIO(fl_kp_is_flexible(
			    req.hdr.api_key, req.hdr.api_version)) * n)
				abort();
			if (req.hdr.kind == FL_KP_REQ_APIVERSIONS_TOO_NEW)
				(void)fl_kp_apiversions_fallback(&w,
				    req.hdr.correlation_id);
			else if (req.hdr.kind == FL_KP_REQ_OK)
				mirror(&w, &req);
			if (req.hdr.kind == FL_KP_REQ_OK &&
			    (req.hdr.api_key == FL_KP_SASL_HANDSHAKE ||
			    req.hdr.api_key == FL_KP_SASL_AUTHENTICATE))
				sasl_feed(&sasl, &req);
		}
		if (n >= 8)
			flex_walk(&req, data + off, n, &w);
		fl_kp_req_free(&req);
		fl_wr_reset(&w);
		off += n;
	}
	fl_sasl_srv_wipe(&sasl);
	fl_wr_free(&w);
	return 0;
}
