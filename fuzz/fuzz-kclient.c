/*
 * fuzz-kclient.c: libFuzzer target for the client-side response decoders
 * (kclient.h), i.e. what a hostile or broken broker can make flume-cat read.
 *
 * Input: data[0] = API key, data[1] = version, then one response payload
 * (the bytes after the int32 size prefix, correlation id first).  A key the
 * client does not speak is mapped onto one it does (data[0] modulo the
 * table); a version outside the client's range is first checked to be
 * refused with FL_EINVAL, then mapped into the range (min + data[1] modulo
 * the range's width), so every input reaches a real decoder.
 *
 * After a decode: the result is 0 or a decode error (FL_ESHORT, FL_EPROTO,
 * FL_EFULL, FL_ENOMEM), never anything else; on success every slice lies inside the
 * payload and is read in full (so ASan flags a view that escapes it), every
 * non-empty array is allocated and read, and the arena stays within a
 * small multiple of the payload, as kclient.h promises (see the bound
 * below).  Fetch records are walked as
 * flume-cat walks them: fl_kc_records_next, fl_batch_check, and the record
 * and header iterators for a batch that passes; a batch that fails the
 * check only on its CRC is checked and walked again from a copy with the
 * CRC fixed, so mutated records reach the record parser.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "codec/batch.h"
#include "codec/kclient.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int16_t keys[] = {
	FL_KC_PRODUCE, FL_KC_FETCH, FL_KC_LIST_OFFSETS, FL_KC_METADATA,
	FL_KC_OFFSET_COMMIT, FL_KC_OFFSET_FETCH, FL_KC_FIND_COORDINATOR,
	FL_KC_JOIN_GROUP, FL_KC_HEARTBEAT, FL_KC_LEAVE_GROUP, FL_KC_SYNC_GROUP,
	FL_KC_DESCRIBE_GROUPS, FL_KC_LIST_GROUPS, FL_KC_API_VERSIONS,
	FL_KC_INIT_PRODUCER_ID, FL_KC_OFFSET_FOR_LEADER_EPOCH,
	FL_KC_SASL_HANDSHAKE, FL_KC_SASL_AUTHENTICATE
};

struct walk {
	const uint8_t *base;
	size_t len;
	unsigned sum;		/* consumed so the reads are not optimised out */
};

static volatile unsigned sink;

#define CHECK(c) do { if (!(c)) abort(); } while (0)

/* A slice must be null (p NULL, len 0) or lie inside [base, base + len). */
static void
walk_slice(struct walk *k, struct fl_slice s)
{
	size_t i;

	if (s.p == NULL) {
		CHECK(s.len == 0);
		return;
	}
	CHECK(s.p >= k->base && s.len <= k->len &&
	    (size_t)(s.p - k->base) <= k->len - s.len);
	for (i = 0; i < s.len; i++)
		k->sum += s.p[i];
}

/* Nonnullable strings and bytes decode to a non-NULL view. */
static void
walk_str(struct walk *k, struct fl_slice s)
{
	CHECK(s.p != NULL);
	walk_slice(k, s);
}

static void
walk_i32s(struct walk *k, const int32_t *v, size_t n)
{
	size_t i;

	CHECK(n == 0 || v != NULL);
	for (i = 0; i < n; i++)
		k->sum += (unsigned)v[i];
}

/* Every array holds count elements; a count > 0 needs storage. */
#define ARR(p, n) CHECK((n) == 0 || (p) != NULL)

/* ---- batches and records ---- */

static void
walk_records_of(struct walk *k, const uint8_t *p, size_t n)
{
	struct fl_record_iter it;
	struct fl_record rec;
	struct walk bk = { p, n, 0 };
	int rc;

	rc = fl_record_iter_init(&it, p, n);
	if (rc != 0) {
		CHECK(rc == FL_ERANGE);		/* compressed: a checked batch fits */
		return;
	}
	while ((rc = fl_record_next(&it, &rec)) == 1) {
		struct fl_rd hr;
		struct fl_record_header h;
		int32_t nh = 0;

		walk_slice(&bk, rec.key);
		walk_slice(&bk, rec.value);
		walk_str(&bk, rec.headers);
		fl_rd_init(&hr, rec.headers.p, rec.headers.len);
		while ((rc = fl_record_header_next(&hr, &h)) == 1) {
			walk_str(&bk, h.key);
			walk_slice(&bk, h.value);
			nh++;
		}
		/* the check parsed these headers already: they walk cleanly */
		CHECK(rc == 0 && nh == rec.header_count);
		bk.sum += (unsigned)rec.offset + (unsigned)rec.timestamp;
	}
	/* a checked batch holds exactly RecordCount well-formed records */
	CHECK(rc == 0 && it.index == it.hdr.count);
	k->sum += bk.sum;
}

static void
walk_batch(struct walk *k, struct fl_slice b)
{
	struct fl_batch_hdr hdr;
	struct fl_err err = { 0, "" };
	uint8_t *copy;
	int rc;

	rc = fl_batch_check(b.p, b.len, FL_BATCH_CHECK_RECORDS, &hdr, &err);
	CHECK(rc == 0 || rc == FL_ECORRUPT || rc == FL_EPROTO);
	CHECK(memchr(err.msg, '\0', sizeof(err.msg)) != NULL);
	if (rc == 0) {
		walk_records_of(k, b.p, b.len);
		return;
	}
	/* Retry with the CRC made right, so the fuzzer can reach records. */
	if (b.len < FL_BATCH_HDR_BYTES || fl_batch_size(&hdr) != b.len ||
	    hdr.crc == fl_batch_compute_crc(b.p, b.len))
		return;
	copy = malloc(b.len);
	if (copy == NULL)
		return;
	memcpy(copy, b.p, b.len);
	fl_store_be32(copy + FL_BATCH_OFF_CRC, fl_batch_compute_crc(copy, b.len));
	err.msg[0] = '\0';
	rc = fl_batch_check(copy, b.len, FL_BATCH_CHECK_RECORDS, &hdr, &err);
	CHECK(rc == 0 || rc == FL_ECORRUPT || rc == FL_EPROTO);
	if (rc == 0)
		walk_records_of(k, copy, b.len);
	free(copy);
}

static void
walk_fetch_records(struct walk *k, struct fl_slice records)
{
	struct fl_rd rd;
	struct fl_slice b;
	size_t last = 0;
	int rc;

	walk_slice(k, records);
	fl_rd_init(&rd, records.p, records.len);
	while ((rc = fl_kc_records_next(&rd, &b)) == 1) {
		struct walk rk = { records.p, records.len, 0 };

		/* each batch is whole, inside the records, and follows the last */
		walk_str(&rk, b);
		CHECK(b.len >= FL_BATCH_HDR_BYTES);
		CHECK((size_t)(b.p - records.p) == last);
		last += b.len;
		CHECK(rd.off == last);
		walk_batch(k, b);
		k->sum += rk.sum;
	}
	CHECK(rc == 0 || rc == FL_ECORRUPT);
	CHECK(rd.off <= rd.len);
}

/* ---- one decoder per key ---- */

static int
decode(int16_t key, int16_t v, const uint8_t *p, size_t n,
    struct fl_arena *a, struct walk *k)
{
	size_t i, j;
	int rc = FL_EINVAL;

	switch (key) {
	case FL_KC_API_VERSIONS: {
		struct fl_kc_api_versions_resp r;
		struct fl_kc_vers vers;

		if ((rc = fl_kc_api_versions_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.apis, r.napis);
		for (i = 0; i < r.napis; i++)
			k->sum += (unsigned)(r.apis[i].key + r.apis[i].min +
			    r.apis[i].max);
		fl_kc_negotiate(&r, &vers);
		for (i = 0; i < FL_ARRAY_LEN(vers.v); i++) {
			int16_t lo = fl_kc_api_min((int16_t)i);
			int16_t hi = fl_kc_api_max((int16_t)i);

			CHECK(vers.v[i] == -1 || (lo >= 0 && vers.v[i] >= lo &&
			    vers.v[i] <= hi));
		}
		k->sum += (unsigned)strlen(fl_kerr_name(r.error)) +
		    (unsigned)fl_kerr_is_retriable(r.error);
		break;
	}
	case FL_KC_METADATA: {
		struct fl_kc_metadata_resp r;

		if ((rc = fl_kc_metadata_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.brokers, r.nbrokers);
		for (i = 0; i < r.nbrokers; i++) {
			walk_str(k, r.brokers[i].host);
			walk_slice(k, r.brokers[i].rack);
		}
		walk_slice(k, r.cluster_id);
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			const struct fl_kc_md_topic *t = &r.topics[i];

			walk_str(k, t->name);
			ARR(t->parts, t->nparts);
			for (j = 0; j < t->nparts; j++) {
				walk_i32s(k, t->parts[j].replicas, t->parts[j].nreplicas);
				walk_i32s(k, t->parts[j].isr, t->parts[j].nisr);
				walk_i32s(k, t->parts[j].offline, t->parts[j].noffline);
				CHECK(v >= 5 || t->parts[j].noffline == 0);
			}
		}
		break;
	}
	case FL_KC_PRODUCE: {
		struct fl_kc_produce_resp r;

		if ((rc = fl_kc_produce_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			walk_str(k, r.topics[i].name);
			ARR(r.topics[i].parts, r.topics[i].nparts);
			for (j = 0; j < r.topics[i].nparts; j++)
				k->sum += (unsigned)r.topics[i].parts[j].base_offset;
		}
		break;
	}
	case FL_KC_FETCH: {
		struct fl_kc_fetch_resp r;

		if ((rc = fl_kc_fetch_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			const struct fl_kc_fetch_topic_resp *t = &r.topics[i];

			walk_str(k, t->name);
			ARR(t->parts, t->nparts);
			for (j = 0; j < t->nparts; j++) {
				const struct fl_kc_fetch_part_resp *pd = &t->parts[j];
				size_t x;

				ARR(pd->aborted, pd->naborted);
				for (x = 0; x < pd->naborted; x++)
					k->sum += (unsigned)pd->aborted[x].first_offset;
				walk_fetch_records(k, pd->records);
			}
		}
		break;
	}
	case FL_KC_LIST_OFFSETS: {
		struct fl_kc_list_offsets_resp r;

		if ((rc = fl_kc_list_offsets_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			walk_str(k, r.topics[i].name);
			ARR(r.topics[i].parts, r.topics[i].nparts);
			for (j = 0; j < r.topics[i].nparts; j++)
				k->sum += (unsigned)r.topics[i].parts[j].offset;
		}
		break;
	}
	case FL_KC_OFFSET_FOR_LEADER_EPOCH: {
		struct fl_kc_ofle_resp r;

		if ((rc = fl_kc_ofle_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			walk_str(k, r.topics[i].name);
			ARR(r.topics[i].parts, r.topics[i].nparts);
			for (j = 0; j < r.topics[i].nparts; j++) {
				const struct fl_kc_ofle_part_resp *pr = &r.topics[i].parts[j];

				CHECK(v >= 1 || pr->leader_epoch == -1);
				k->sum += (unsigned)pr->error + (unsigned)pr->index +
				    (unsigned)pr->leader_epoch + (unsigned)pr->end_offset;
			}
		}
		break;
	}
	case FL_KC_INIT_PRODUCER_ID: {
		struct fl_kc_init_pid_resp r;

		rc = fl_kc_init_pid_resp_decode(p, n, v, &r);
		k->sum += (unsigned)r.producer_id;
		break;
	}
	case FL_KC_FIND_COORDINATOR: {
		struct fl_kc_find_coord_resp r;

		if ((rc = fl_kc_find_coord_resp_decode(p, n, v, &r)) != 0)
			break;
		walk_slice(k, r.error_message);
		walk_str(k, r.host);
		break;
	}
	case FL_KC_JOIN_GROUP: {
		struct fl_kc_join_resp r;

		if ((rc = fl_kc_join_resp_decode(p, n, v, a, &r)) != 0)
			break;
		walk_str(k, r.protocol_name);
		walk_str(k, r.leader);
		walk_str(k, r.member_id);
		ARR(r.members, r.nmembers);
		for (i = 0; i < r.nmembers; i++) {
			walk_str(k, r.members[i].member_id);
			walk_slice(k, r.members[i].group_instance_id);
			walk_str(k, r.members[i].metadata);
		}
		break;
	}
	case FL_KC_SYNC_GROUP: {
		struct fl_kc_sync_resp r;

		if ((rc = fl_kc_sync_resp_decode(p, n, v, &r)) != 0)
			break;
		walk_str(k, r.assignment);
		break;
	}
	case FL_KC_HEARTBEAT: {
		struct fl_kc_simple_resp r;

		rc = fl_kc_heartbeat_resp_decode(p, n, v, &r);
		k->sum += (unsigned)r.error;
		break;
	}
	case FL_KC_LEAVE_GROUP: {
		struct fl_kc_leave_resp r;

		if ((rc = fl_kc_leave_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.members, r.nmembers);
		CHECK(v >= 3 || r.nmembers == 0);
		for (i = 0; i < r.nmembers; i++) {
			walk_str(k, r.members[i].member_id);
			walk_slice(k, r.members[i].group_instance_id);
		}
		break;
	}
	case FL_KC_OFFSET_COMMIT: {
		struct fl_kc_commit_resp r;

		if ((rc = fl_kc_commit_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			walk_str(k, r.topics[i].name);
			ARR(r.topics[i].parts, r.topics[i].nparts);
			for (j = 0; j < r.topics[i].nparts; j++)
				k->sum += (unsigned)r.topics[i].parts[j].error;
		}
		break;
	}
	case FL_KC_OFFSET_FETCH: {
		struct fl_kc_offset_fetch_resp r;

		if ((rc = fl_kc_offset_fetch_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.topics, r.ntopics);
		for (i = 0; i < r.ntopics; i++) {
			walk_str(k, r.topics[i].name);
			ARR(r.topics[i].parts, r.topics[i].nparts);
			for (j = 0; j < r.topics[i].nparts; j++)
				walk_slice(k, r.topics[i].parts[j].metadata);
		}
		break;
	}
	case FL_KC_DESCRIBE_GROUPS: {
		struct fl_kc_describe_groups_resp r;

		if ((rc = fl_kc_describe_groups_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.groups, r.ngroups);
		for (i = 0; i < r.ngroups; i++) {
			const struct fl_kc_dg_group *g = &r.groups[i];

			walk_str(k, g->group_id);
			walk_str(k, g->state);
			walk_str(k, g->protocol_type);
			walk_str(k, g->protocol);
			CHECK(v >= 3 || g->authorized_ops == INT32_MIN);
			ARR(g->members, g->nmembers);
			for (j = 0; j < g->nmembers; j++) {
				const struct fl_kc_dg_member *m = &g->members[j];

				walk_str(k, m->member_id);
				walk_slice(k, m->group_instance_id);
				walk_str(k, m->client_id);
				walk_str(k, m->client_host);
				walk_str(k, m->metadata);
				walk_str(k, m->assignment);
			}
		}
		break;
	}
	case FL_KC_LIST_GROUPS: {
		struct fl_kc_list_groups_resp r;

		if ((rc = fl_kc_list_groups_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.groups, r.ngroups);
		for (i = 0; i < r.ngroups; i++) {
			walk_str(k, r.groups[i].group_id);
			walk_str(k, r.groups[i].protocol_type);
		}
		break;
	}
	case FL_KC_SASL_HANDSHAKE: {
		struct fl_kc_sasl_handshake_resp r;

		if ((rc = fl_kc_sasl_handshake_resp_decode(p, n, v, a, &r)) != 0)
			break;
		ARR(r.mechanisms, r.nmechanisms);
		for (i = 0; i < r.nmechanisms; i++)
			walk_str(k, r.mechanisms[i]);
		k->sum += (unsigned)r.error;
		break;
	}
	case FL_KC_SASL_AUTHENTICATE: {
		struct fl_kc_sasl_authenticate_resp r;

		if ((rc = fl_kc_sasl_authenticate_resp_decode(p, n, v, &r)) != 0)
			break;
		walk_slice(k, r.error_message);
		walk_str(k, r.auth_bytes);
		k->sum += (unsigned)r.error + (unsigned)r.session_lifetime_ms;
		break;
	}
	default:
		abort();	/* keys[] lists only keys with a decoder */
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fl_arena a = FL_KC_ARENA_INIT;
	struct walk k;
	const uint8_t *p;
	int16_t key, v, lo, hi;
	int32_t corr;
	size_t n;
	int rc;

	if (size < 2)
		return 0;
	key = data[0];
	if (fl_kc_api_min(key) < 0)
		key = keys[data[0] % FL_ARRAY_LEN(keys)];
	lo = fl_kc_api_min(key);
	hi = fl_kc_api_max(key);
	CHECK(lo >= 0 && hi >= lo && strcmp(fl_kc_api_name(key), "?") != 0);
	p = data + 2;
	n = size - 2;
	k.base = p;
	k.len = n;
	k.sum = 0;

	/* A version outside the client's table is refused, untouched. */
	v = (int8_t)data[1];
	if (v < lo || v > hi) {
		CHECK(decode(key, v, p, n, &a, &k) == FL_EINVAL);
		CHECK(a.head == NULL && a.bytes == 0);
		v = (int16_t)(lo + data[1] % (hi - lo + 1));
	}

	rc = decode(key, v, p, n, &a, &k);
	CHECK(rc == 0 || rc == FL_ESHORT || rc == FL_EPROTO || rc == FL_EFULL ||
	    rc == FL_ENOMEM);
	/*
	 * kclient.h: the decode heap is a small multiple of the payload.  A
	 * decode that succeeds used each element's bytes once: at most 8 x
	 * (a JoinGroup member or ListGroups entry: 48 or 32 heap bytes for
	 * 6 or 4 wire bytes).  One that fails part way may hold, for each
	 * nesting level it was inside, an array sized from the same bytes
	 * left: at most about 14 x (DescribeGroups groups + members).
	 */
	CHECK(a.bytes <= (rc == 0 ? 8 : 16) * n);
	if (rc == 0)
		CHECK(fl_kc_resp_corr(p, n, &corr) == 0);
	else
		k.sum += (unsigned)fl_kc_resp_corr(p, n, &corr);
	fl_arena_free(&a);
	CHECK(a.head == NULL && a.bytes == 0);
	sink = k.sum;
	return 0;
}
