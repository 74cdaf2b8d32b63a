/*
 * cproto.c: ConsumerProtocol subscription and assignment codec.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/cproto.h"

#define TRY(x) do { int rc_ = (x); if (rc_ != 0) return rc_; } while (0)

/* ---- encoding ---- */

static void
wr_count(struct fl_wr *w, size_t n)
{
	if (n > INT32_MAX) {
		if (w->err == 0)
			w->err = FL_ERANGE;
		return;
	}
	fl_wr_i32(w, (int32_t)n);
}

static void
wr_tps(struct fl_wr *w, const struct fl_cp_tp_in *tps, size_t n)
{
	size_t i, j;

	wr_count(w, n);
	for (i = 0; i < n; i++) {
		fl_wr_cstr(w, tps[i].topic);
		wr_count(w, tps[i].nparts);
		for (j = 0; j < tps[i].nparts; j++)
			fl_wr_i32(w, tps[i].parts[j]);
	}
}

int
fl_cp_sub_encode(struct fl_wr *w, int16_t version, const char *const *topics,
    size_t ntopics, const struct fl_cp_tp_in *owned, size_t nowned,
    int32_t generation)
{
	size_t i;

	if (version < 0 || version > FL_CP_SUB_VERSION_MAX)
		return FL_EINVAL;
	fl_wr_i16(w, version);
	wr_count(w, ntopics);
	for (i = 0; i < ntopics; i++)
		fl_wr_cstr(w, topics[i]);
	fl_wr_bytes(w, NULL, 0);		/* UserData: null */
	if (version >= 1)
		wr_tps(w, owned, nowned);
	if (version >= 2)
		fl_wr_i32(w, generation);
	return w->err;
}

int
fl_cp_asg_encode(struct fl_wr *w, const struct fl_cp_tp_in *tps, size_t ntps)
{
	fl_wr_i16(w, 0);
	wr_tps(w, tps, ntps);
	fl_wr_bytes(w, NULL, 0);		/* UserData: null */
	return w->err;
}

/* ---- decoding ---- */

/* calloc that treats 0 elements as a valid empty array (NULL). */
static int
alloc_array(size_t count, size_t size, void **out)
{
	*out = NULL;
	if (count == 0)
		return 0;
	*out = calloc(count, size);
	return *out == NULL ? FL_ENOMEM : 0;
}

static int
rd_tps(struct fl_rd *r, struct fl_cp_tparts **out, size_t *n)
{
	int32_t c;
	size_t i, j;

	/* smallest element: empty topic name (2) + empty partition array (4) */
	TRY(fl_rd_array(r, 6, &c));
	TRY(alloc_array((size_t)c, sizeof(**out), (void **)out));
	*n = (size_t)c;
	for (i = 0; i < *n; i++) {
		struct fl_cp_tparts *tp = &(*out)[i];
		int32_t k;

		TRY(fl_rd_string(r, &tp->topic));
		TRY(fl_rd_array(r, 4, &k));
		TRY(alloc_array((size_t)k, sizeof(int32_t), (void **)&tp->parts));
		tp->nparts = (size_t)k;
		for (j = 0; j < tp->nparts; j++)
			TRY(fl_rd_i32(r, &tp->parts[j]));
	}
	return 0;
}

static void
free_tps(struct fl_cp_tparts *tps, size_t n)
{
	size_t i;

	for (i = 0; tps != NULL && i < n; i++)
		free(tps[i].parts);
	free(tps);
}

/* Trailing bytes are allowed only after a version newer than we know. */
static int
rd_end(const struct fl_rd *r, int16_t version, int16_t version_max)
{
	return fl_rd_left(r) == 0 || version > version_max ? 0 : FL_EPROTO;
}

static int
sub_decode(const uint8_t *p, size_t n, struct fl_cp_sub *s)
{
	struct fl_rd r;
	int32_t c;
	size_t i;

	fl_rd_init(&r, p, n);
	s->generation = -1;
	TRY(fl_rd_i16(&r, &s->version));
	if (s->version < 0)
		return FL_EPROTO;
	TRY(fl_rd_array(&r, 2, &c));
	TRY(alloc_array((size_t)c, sizeof(*s->topics), (void **)&s->topics));
	s->ntopics = (size_t)c;
	for (i = 0; i < s->ntopics; i++)
		TRY(fl_rd_string(&r, &s->topics[i]));
	TRY(fl_rd_nbytes(&r, &s->user_data));
	if (s->version >= 1)
		TRY(rd_tps(&r, &s->owned, &s->nowned));
	if (s->version >= 2)
		TRY(fl_rd_i32(&r, &s->generation));
	return rd_end(&r, s->version, FL_CP_SUB_VERSION_MAX);
}

int
fl_cp_sub_decode(const uint8_t *p, size_t n, struct fl_cp_sub *s)
{
	int rc;

	memset(s, 0, sizeof(*s));
	rc = sub_decode(p, n, s);
	if (rc != 0)
		fl_cp_sub_free(s);
	return rc;
}

void
fl_cp_sub_free(struct fl_cp_sub *s)
{
	free(s->topics);
	free_tps(s->owned, s->nowned);
	memset(s, 0, sizeof(*s));
	s->generation = -1;
}

static int
asg_decode(const uint8_t *p, size_t n, struct fl_cp_asg *a)
{
	struct fl_rd r;

	if (n == 0)
		return 0;
	fl_rd_init(&r, p, n);
	TRY(fl_rd_i16(&r, &a->version));
	if (a->version < 0)
		return FL_EPROTO;
	TRY(rd_tps(&r, &a->tps, &a->ntps));
	TRY(fl_rd_nbytes(&r, &a->user_data));
	return rd_end(&r, a->version, FL_CP_ASG_VERSION_MAX);
}

int
fl_cp_asg_decode(const uint8_t *p, size_t n, struct fl_cp_asg *a)
{
	int rc;

	memset(a, 0, sizeof(*a));
	rc = asg_decode(p, n, a);
	if (rc != 0)
		fl_cp_asg_free(a);
	return rc;
}

void
fl_cp_asg_free(struct fl_cp_asg *a)
{
	free_tps(a->tps, a->ntps);
	memset(a, 0, sizeof(*a));
}
