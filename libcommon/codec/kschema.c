/*
 * kschema.c: the table-walking Kafka body codec (see kschema.h).
 *
 * Every read goes through struct fl_rd, so the only things a table can get
 * wrong are field order and version gating; the walker itself never reads
 * out of bounds.  Arrays are sized from counts already checked against the
 * bytes left at fl_ks_min_bytes() per element, which is what bounds the
 * arena (kproto.h's FL_KP_ARENA_BYTES).
 */
#include <string.h>

#include "codec/kschema.h"

#define TRY(x) do { int try_rc_ = (x); if (try_rc_ != 0) return try_rc_; } while (0)

static int
present(const struct fl_ks_field *f, int16_t v, int flex)
{
	if (v < f->vmin || v > f->vmax)
		return 0;
	return !f->is_tagged || flex;
}

static int
may_be_null(const struct fl_ks_field *f, int16_t v)
{
	return f->type == FL_KS_RECORDS || (f->nullable && v >= f->null_min);
}

#define AT(base, off, type)	((type *)(void *)((char *)(base) + (off)))
#define CAT(base, off, type)	((const type *)(const void *)((const char *)(base) + (off)))

/* ---- flexible primitives ---- */

static int
rd_clen(struct fl_rd *r, int nullable, size_t max, struct fl_slice *s)
{
	size_t off = r->off;
	uint32_t u;

	TRY(fl_rd_uvarint(r, &u));
	if (u == 0) {
		if (!nullable) {
			r->off = off;
			return FL_EPROTO;
		}
		s->p = NULL;
		s->len = 0;
		return 0;
	}
	if ((size_t)(u - 1) > max) {
		r->off = off;
		return FL_EPROTO;
	}
	if (fl_rd_left(r) < (size_t)(u - 1)) {
		r->off = off;
		return FL_ESHORT;
	}
	s->p = r->p + r->off;
	s->len = u - 1;
	r->off += s->len;
	return 0;
}

int
fl_ks_rd_cstring(struct fl_rd *r, int nullable, struct fl_slice *s)
{
	return rd_clen(r, nullable, INT16_MAX, s);
}

int
fl_ks_rd_cbytes(struct fl_rd *r, int nullable, struct fl_slice *s)
{
	return rd_clen(r, nullable, INT32_MAX, s);
}

int
fl_ks_rd_carray(struct fl_rd *r, size_t min_elem, int32_t *count, int *is_null)
{
	size_t off = r->off;
	uint32_t u;

	TRY(fl_rd_uvarint(r, &u));
	*is_null = u == 0;
	*count = 0;
	if (u == 0)
		return 0;
	u--;
	if (u > INT32_MAX || (min_elem > 0 && u > fl_rd_left(r) / min_elem)) {
		r->off = off;
		return FL_EPROTO;
	}
	*count = (int32_t)u;
	return 0;
}

int
fl_ks_rd_skip_tags(struct fl_rd *r)
{
	uint32_t n, i, tag, size;

	TRY(fl_rd_uvarint(r, &n));
	for (i = 0; i < n; i++) {
		TRY(fl_rd_uvarint(r, &tag));
		TRY(fl_rd_uvarint(r, &size));
		TRY(fl_rd_skip(r, size));
	}
	return 0;
}

static void
wr_fail(struct fl_wr *w, int code)
{
	if (w->err == 0)
		w->err = code;
}

static void
wr_clen(struct fl_wr *w, const void *p, size_t len, size_t max)
{
	if (p == NULL) {
		fl_wr_uvarint(w, 0);
		return;
	}
	if (len > max) {
		wr_fail(w, FL_ERANGE);
		return;
	}
	fl_wr_uvarint(w, (uint32_t)len + 1);
	fl_wr_raw(w, p, len);
}

void
fl_ks_wr_cstring(struct fl_wr *w, const void *p, size_t len)
{
	wr_clen(w, p, len, INT16_MAX);
}

void
fl_ks_wr_cbytes(struct fl_wr *w, const void *p, size_t len)
{
	wr_clen(w, p, len, INT32_MAX - 1);
}

void
fl_ks_wr_ccount(struct fl_wr *w, size_t n, int is_null)
{
	if (is_null)
		fl_wr_uvarint(w, 0);
	else if (n > INT32_MAX - 1)
		wr_fail(w, FL_ERANGE);
	else
		fl_wr_uvarint(w, (uint32_t)n + 1);
}

void
fl_ks_wr_no_tags(struct fl_wr *w)
{
	fl_wr_uvarint(w, 0);
}

/* ---- sizes ---- */

static size_t
field_min(const struct fl_ks_field *f, int16_t v, int flex)
{
	switch (f->type) {
	case FL_KS_I8: case FL_KS_BOOL:
		return 1;
	case FL_KS_I16: case FL_KS_U16:
		return 2;
	case FL_KS_I32:
		return 4;
	case FL_KS_I64: case FL_KS_F64:
		return 8;
	case FL_KS_UUID:
		return 16;
	case FL_KS_STRING:
		return flex ? 1 : 2;
	case FL_KS_BYTES: case FL_KS_RECORDS:
	case FL_KS_ARRAY: case FL_KS_ARRAY_I32: case FL_KS_ARRAY_I64:
	case FL_KS_ARRAY_STRING:
		return flex ? 1 : 4;
	case FL_KS_STRUCT:
		return fl_ks_min_bytes(f->elem, v, flex);
	}
	return 0;
}

size_t
fl_ks_min_bytes(const struct fl_ks_schema *s, int16_t v, int flex)
{
	size_t i, n = flex ? 1 : 0;	/* the tagged-field count */

	for (i = 0; i < s->n; i++)
		if (present(&s->f[i], v, flex) && !s->f[i].is_tagged)
			n += field_min(&s->f[i], v, flex);
	return n;
}

/* ---- decoding ---- */

static int decode_struct(struct fl_rd *r, const struct fl_ks_schema *s,
    int16_t v, int flex, struct fl_arena *a, void *out, int depth);

/* Nested structs deeper than this are a table bug (or a loop). */
#define DEPTH_MAX 16

static void
set_default(const struct fl_ks_field *f, void *out)
{
	static const struct fl_slice null_slice = { NULL, 0 };

	switch (f->type) {
	case FL_KS_I8:	*AT(out, f->off, int8_t) = (int8_t)f->def; break;
	case FL_KS_I16:	*AT(out, f->off, int16_t) = (int16_t)f->def; break;
	case FL_KS_U16:	*AT(out, f->off, uint16_t) = (uint16_t)f->def; break;
	case FL_KS_I32:	*AT(out, f->off, int32_t) = (int32_t)f->def; break;
	case FL_KS_I64:	*AT(out, f->off, int64_t) = f->def; break;
	case FL_KS_BOOL: *AT(out, f->off, int) = f->def != 0; break;
	case FL_KS_F64:	*AT(out, f->off, double) = (double)f->def; break;
	case FL_KS_UUID: memset(AT(out, f->off, uint8_t), 0, 16); break;
	case FL_KS_STRING: case FL_KS_BYTES: case FL_KS_RECORDS:
		*AT(out, f->off, struct fl_slice) = null_slice;
		break;
	case FL_KS_ARRAY: case FL_KS_ARRAY_I32: case FL_KS_ARRAY_I64:
	case FL_KS_ARRAY_STRING:
		*AT(out, f->off, void *) = NULL;
		*AT(out, f->count_off, size_t) = 0;
		if (f->has_null_flag)
			*AT(out, f->null_flag_off, int) = 0;
		break;
	case FL_KS_STRUCT:
		break;		/* its own fields get theirs when decoded */
	}
}

static int
rd_str(struct fl_rd *r, const struct fl_ks_field *f, int16_t v, int flex,
    int is_bytes, struct fl_slice *s)
{
	int nullable = may_be_null(f, v);

	if (flex)
		return is_bytes ? fl_ks_rd_cbytes(r, nullable, s) :
		    fl_ks_rd_cstring(r, nullable, s);
	if (is_bytes)
		return nullable ? fl_rd_nbytes(r, s) : fl_rd_bytes(r, s);
	return nullable ? fl_rd_nstring(r, s) : fl_rd_string(r, s);
}

/* Array count: classic int32 (-1 null) or compact. */
static int
rd_count(struct fl_rd *r, const struct fl_ks_field *f, int16_t v, int flex,
    size_t min_elem, size_t *n, int *is_null)
{
	int32_t count;

	if (flex) {
		TRY(fl_ks_rd_carray(r, min_elem, &count, is_null));
	} else {
		*is_null = fl_rd_left(r) >= 4 &&
		    (int32_t)fl_load_be32(r->p + r->off) == -1;
		TRY(fl_rd_array(r, min_elem, &count));
	}
	if (*is_null && f->has_null_flag && !may_be_null(f, v))
		return FL_EPROTO;
	*n = (size_t)count;
	return 0;
}

static int
decode_field(struct fl_rd *r, const struct fl_ks_field *f, int16_t v, int flex,
    struct fl_arena *a, void *out, int depth)
{
	size_t i, n, min_elem = 0, esize = 0;
	int is_null, rc;
	int8_t b;
	uint8_t *arr;

	switch (f->type) {
	case FL_KS_I8:	return fl_rd_i8(r, AT(out, f->off, int8_t));
	case FL_KS_I16:	return fl_rd_i16(r, AT(out, f->off, int16_t));
	case FL_KS_U16:	return fl_rd_i16(r, AT(out, f->off, int16_t));
	case FL_KS_I32:	return fl_rd_i32(r, AT(out, f->off, int32_t));
	case FL_KS_I64:	return fl_rd_i64(r, AT(out, f->off, int64_t));
	case FL_KS_BOOL:
		TRY(fl_rd_i8(r, &b));
		*AT(out, f->off, int) = b != 0;
		return 0;
	case FL_KS_F64: {
		int64_t bits;
		double d;

		TRY(fl_rd_i64(r, &bits));
		memcpy(&d, &bits, sizeof(d));
		*AT(out, f->off, double) = d;
		return 0;
	}
	case FL_KS_UUID: {
		struct fl_slice s;

		TRY(fl_rd_raw(r, 16, &s));
		memcpy(AT(out, f->off, uint8_t), s.p, 16);
		return 0;
	}
	case FL_KS_STRING:
		return rd_str(r, f, v, flex, 0, AT(out, f->off, struct fl_slice));
	case FL_KS_BYTES: case FL_KS_RECORDS:
		return rd_str(r, f, v, flex, 1, AT(out, f->off, struct fl_slice));
	case FL_KS_STRUCT:
		if (depth >= DEPTH_MAX)
			return FL_EINVAL;
		return decode_struct(r, f->elem, v, flex, a, AT(out, f->off, void),
		    depth + 1);
	case FL_KS_ARRAY:
		min_elem = fl_ks_min_bytes(f->elem, v, flex);
		esize = f->elem_size;
		break;
	case FL_KS_ARRAY_I32:
		min_elem = 4, esize = sizeof(int32_t);
		break;
	case FL_KS_ARRAY_I64:
		min_elem = 8, esize = sizeof(int64_t);
		break;
	case FL_KS_ARRAY_STRING:
		min_elem = flex ? 1 : 2, esize = sizeof(struct fl_slice);
		break;
	default:
		return FL_EINVAL;
	}

	/* arrays */
	*AT(out, f->count_off, size_t) = 0;
	*AT(out, f->off, void *) = NULL;
	TRY(rd_count(r, f, v, flex, min_elem, &n, &is_null));
	if (f->has_null_flag)
		*AT(out, f->null_flag_off, int) = is_null;
	arr = fl_arena_alloc(a, n, esize, &rc);
	TRY(rc);
	*AT(out, f->off, void *) = arr;
	*AT(out, f->count_off, size_t) = n;
	for (i = 0; i < n; i++) {
		void *e = arr + i * esize;

		switch (f->type) {
		case FL_KS_ARRAY:
			if (depth >= DEPTH_MAX)
				return FL_EINVAL;
			TRY(decode_struct(r, f->elem, v, flex, a, e, depth + 1));
			break;
		case FL_KS_ARRAY_I32:
			TRY(fl_rd_i32(r, e));
			break;
		case FL_KS_ARRAY_I64:
			TRY(fl_rd_i64(r, e));
			break;
		default:
			TRY(flex ? fl_ks_rd_cstring(r, 0, e) : fl_rd_string(r, e));
			break;
		}
	}
	return 0;
}

static int
decode_tags(struct fl_rd *r, const struct fl_ks_schema *s, int16_t v,
    struct fl_arena *a, void *out, int depth)
{
	uint32_t n, i, tag, size;
	size_t k;

	TRY(fl_rd_uvarint(r, &n));
	for (i = 0; i < n; i++) {
		const struct fl_ks_field *f = NULL;
		struct fl_rd sub;

		TRY(fl_rd_uvarint(r, &tag));
		TRY(fl_rd_uvarint(r, &size));
		if (fl_rd_left(r) < size)
			return FL_ESHORT;
		for (k = 0; k < s->n; k++)
			if (s->f[k].is_tagged && (uint32_t)s->f[k].tag == tag &&
			    present(&s->f[k], v, 1))
				f = &s->f[k];
		if (f != NULL) {
			fl_rd_init(&sub, r->p + r->off, size);
			TRY(decode_field(&sub, f, v, 1, a, out, depth));
			if (fl_rd_left(&sub) != 0)
				return FL_EPROTO;
		}
		r->off += size;
	}
	return 0;
}

/* A FL_KS_NOSTORE field goes through a scratch value at offset 0. */
union nostore { struct fl_slice s; int64_t i; double d; uint8_t u[16]; };

static const struct fl_ks_field *
nostore_field(const struct fl_ks_field *f, struct fl_ks_field *nf)
{
	FL_ASSERT(f->type < FL_KS_ARRAY && !f->is_tagged);
	*nf = *f;
	nf->off = 0;
	return nf;
}

static int
decode_struct(struct fl_rd *r, const struct fl_ks_schema *s, int16_t v,
    int flex, struct fl_arena *a, void *out, int depth)
{
	union nostore scratch;
	struct fl_ks_field nf;
	size_t i;

	for (i = 0; i < s->n; i++) {
		const struct fl_ks_field *f = &s->f[i];

		if (!present(f, v, flex)) {
			if (f->off != FL_KS_NOSTORE)
				set_default(f, out);
			continue;
		}
		if (f->off == FL_KS_NOSTORE) {
			TRY(decode_field(r, nostore_field(f, &nf), v, flex, a, &scratch,
			    depth));
			continue;
		}
		if (f->is_tagged) {
			set_default(f, out);	/* until its tag shows up */
			continue;
		}
		TRY(decode_field(r, f, v, flex, a, out, depth));
	}
	if (flex)
		TRY(decode_tags(r, s, v, a, out, depth));
	return 0;
}

int
fl_ks_decode(struct fl_rd *r, const struct fl_ks_schema *s, int16_t version,
    int flex, struct fl_arena *a, void *out)
{
	return decode_struct(r, s, version, flex, a, out, 0);
}

int
fl_ks_decode_body(struct fl_rd *r, const struct fl_ks_schema *s,
    int16_t version, int flex, struct fl_arena *a, void *out)
{
	TRY(fl_ks_decode(r, s, version, flex, a, out));
	return fl_rd_left(r) == 0 ? 0 : FL_EPROTO;
}

/* ---- encoding ---- */

static void encode_struct(struct fl_wr *w, const struct fl_ks_schema *s,
    int16_t v, int flex, const void *in, struct fl_ks_marks *m, int depth);

static void
wr_str(struct fl_wr *w, const struct fl_ks_field *f, int16_t v, int flex,
    int is_bytes, struct fl_slice s)
{
	const void *p = s.p;

	if (p == NULL && !may_be_null(f, v))
		p = "";		/* non-nullable: a null slice goes out empty */
	if (flex) {
		if (is_bytes)
			fl_ks_wr_cbytes(w, p, s.len);
		else
			fl_ks_wr_cstring(w, p, s.len);
	} else if (is_bytes) {
		fl_wr_bytes(w, p, s.len);
	} else if (p == NULL) {
		fl_wr_i16(w, -1);
	} else {
		fl_wr_string(w, p, s.len);
	}
}

static void
wr_count(struct fl_wr *w, size_t n, int is_null, int flex)
{
	if (flex)
		fl_ks_wr_ccount(w, n, is_null);
	else if (is_null)
		fl_wr_i32(w, -1);
	else if (n > INT32_MAX)
		wr_fail(w, FL_ERANGE);
	else
		fl_wr_i32(w, (int32_t)n);
}

static void
encode_field(struct fl_wr *w, const struct fl_ks_field *f, int16_t v, int flex,
    const void *in, struct fl_ks_marks *m, int depth)
{
	size_t i, n, esize = 0;
	const uint8_t *arr;
	int is_null;

	switch (f->type) {
	case FL_KS_I8:	fl_wr_i8(w, *CAT(in, f->off, int8_t)); return;
	case FL_KS_I16:	fl_wr_i16(w, *CAT(in, f->off, int16_t)); return;
	case FL_KS_U16:	fl_wr_i16(w, (int16_t)*CAT(in, f->off, uint16_t)); return;
	case FL_KS_I32:	fl_wr_i32(w, *CAT(in, f->off, int32_t)); return;
	case FL_KS_I64:	fl_wr_i64(w, *CAT(in, f->off, int64_t)); return;
	case FL_KS_BOOL: fl_wr_i8(w, *CAT(in, f->off, int) ? 1 : 0); return;
	case FL_KS_F64: {
		int64_t bits;

		memcpy(&bits, CAT(in, f->off, double), sizeof(bits));
		fl_wr_i64(w, bits);
		return;
	}
	case FL_KS_UUID:
		fl_wr_raw(w, CAT(in, f->off, uint8_t), 16);
		return;
	case FL_KS_STRING:
		wr_str(w, f, v, flex, 0, *CAT(in, f->off, struct fl_slice));
		return;
	case FL_KS_BYTES: case FL_KS_RECORDS:
		wr_str(w, f, v, flex, 1, *CAT(in, f->off, struct fl_slice));
		return;
	case FL_KS_STRUCT:
		if (depth >= DEPTH_MAX) {
			wr_fail(w, FL_EINVAL);
			return;
		}
		encode_struct(w, f->elem, v, flex, CAT(in, f->off, void), m,
		    depth + 1);
		return;
	case FL_KS_ARRAY:	esize = f->elem_size; break;
	case FL_KS_ARRAY_I32:	esize = sizeof(int32_t); break;
	case FL_KS_ARRAY_I64:	esize = sizeof(int64_t); break;
	case FL_KS_ARRAY_STRING: esize = sizeof(struct fl_slice); break;
	default:
		wr_fail(w, FL_EINVAL);
		return;
	}

	/* arrays */
	arr = *CAT(in, f->off, const uint8_t *);
	n = *CAT(in, f->count_off, size_t);
	is_null = f->has_null_flag && *CAT(in, f->null_flag_off, int) &&
	    may_be_null(f, v);
	if (is_null)
		n = 0;
	wr_count(w, n, is_null, flex);
	for (i = 0; i < n && w->err == 0; i++) {
		const void *e = arr + i * esize;

		switch (f->type) {
		case FL_KS_ARRAY:
			if (depth >= DEPTH_MAX) {
				wr_fail(w, FL_EINVAL);
				return;
			}
			if (m != NULL && m->schema == f->elem && m->n < m->cap)
				m->pos[m->n++] = w->len - m->base;
			encode_struct(w, f->elem, v, flex, e, m, depth + 1);
			break;
		case FL_KS_ARRAY_I32:
			fl_wr_i32(w, *(const int32_t *)e);
			break;
		case FL_KS_ARRAY_I64:
			fl_wr_i64(w, *(const int64_t *)e);
			break;
		default: {
			const struct fl_slice *s = e;

			if (flex)
				fl_ks_wr_cstring(w, s->p != NULL ? (const void *)s->p : "",
				    s->len);
			else
				fl_wr_string(w, s->p, s->len);
			break;
		}
		}
	}
}

/* A tagged field is sent only when it is not its default. */
static int
tag_differs(const struct fl_ks_field *f, const void *in)
{
	switch (f->type) {
	case FL_KS_I8:	return *CAT(in, f->off, int8_t) != f->def;
	case FL_KS_I16:	return *CAT(in, f->off, int16_t) != f->def;
	case FL_KS_U16:	return *CAT(in, f->off, uint16_t) != f->def;
	case FL_KS_I32:	return *CAT(in, f->off, int32_t) != f->def;
	case FL_KS_I64:	return *CAT(in, f->off, int64_t) != f->def;
	case FL_KS_BOOL: return (*CAT(in, f->off, int) != 0) != (f->def != 0);
	case FL_KS_F64:	return *CAT(in, f->off, double) != (double)f->def;
	case FL_KS_STRING: case FL_KS_BYTES: case FL_KS_RECORDS:
		return CAT(in, f->off, struct fl_slice)->p != NULL;
	case FL_KS_ARRAY: case FL_KS_ARRAY_I32: case FL_KS_ARRAY_I64:
	case FL_KS_ARRAY_STRING:
		return *CAT(in, f->count_off, size_t) > 0;
	case FL_KS_STRUCT: {
		/* Kafka's generated code: unless it equals a default-built one */
		const uint8_t *sub = (const uint8_t *)in + f->off;
		size_t i;

		for (i = 0; i < f->elem->n; i++)
			if (tag_differs(&f->elem->f[i], sub))
				return 1;
		return 0;
	}
	}
	return 1;		/* UUID: always */
}

static void
encode_tags(struct fl_wr *w, const struct fl_ks_schema *s, int16_t v,
    const void *in, int depth)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->f[i].is_tagged && present(&s->f[i], v, 1) &&
		    tag_differs(&s->f[i], in))
			n++;
	fl_wr_uvarint(w, n);
	for (i = 0; i < s->n && n > 0 && w->err == 0; i++) {
		const struct fl_ks_field *f = &s->f[i];
		struct fl_wr tmp;

		if (!f->is_tagged || !present(f, v, 1) || !tag_differs(f, in))
			continue;
		/* the size goes first, so encode the value aside */
		fl_wr_init(&tmp, w->cap_max);
		encode_field(&tmp, f, v, 1, in, NULL, depth);
		if (tmp.err != 0)
			wr_fail(w, tmp.err);
		else if (tmp.len > INT32_MAX)
			wr_fail(w, FL_ERANGE);
		else {
			fl_wr_uvarint(w, (uint32_t)f->tag);
			fl_wr_uvarint(w, (uint32_t)tmp.len);
			fl_wr_raw(w, tmp.p, tmp.len);
		}
		fl_wr_free(&tmp);
	}
}

static void
encode_struct(struct fl_wr *w, const struct fl_ks_schema *s, int16_t v,
    int flex, const void *in, struct fl_ks_marks *m, int depth)
{
	size_t i;

	for (i = 0; i < s->n && w->err == 0; i++) {
		const struct fl_ks_field *f = &s->f[i];

		if (present(f, v, flex) && f->off == FL_KS_NOSTORE) {
			union nostore scratch;
			struct fl_ks_field nf;

			nostore_field(f, &nf);
			set_default(&nf, &scratch);
			encode_field(w, &nf, v, flex, &scratch, m, depth);
		} else if (present(f, v, flex) && !f->is_tagged) {
			encode_field(w, f, v, flex, in, m, depth);
		}
	}
	if (flex)
		encode_tags(w, s, v, in, depth);
}

int
fl_ks_encode(struct fl_wr *w, const struct fl_ks_schema *s, int16_t version,
    int flex, const void *in, struct fl_ks_marks *marks)
{
	encode_struct(w, s, version, flex, in, marks, 0);
	return w->err;
}
