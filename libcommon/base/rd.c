#include <stdlib.h>
#include <string.h>

#include "base/rd.h"

int
fl_rd_skip(struct fl_rd *r, size_t n)
{
	if (fl_rd_left(r) < n)
		return FL_ESHORT;
	r->off += n;
	return 0;
}

int
fl_rd_raw(struct fl_rd *r, size_t n, struct fl_slice *out)
{
	if (fl_rd_left(r) < n)
		return FL_ESHORT;
	out->p = r->p + r->off;
	out->len = n;
	r->off += n;
	return 0;
}

int
fl_rd_u8(struct fl_rd *r, uint8_t *v)
{
	if (fl_rd_left(r) < 1)
		return FL_ESHORT;
	*v = r->p[r->off++];
	return 0;
}

int
fl_rd_i8(struct fl_rd *r, int8_t *v)
{
	uint8_t u;
	int rc = fl_rd_u8(r, &u);

	if (rc == 0)
		*v = (int8_t)u;
	return rc;
}

int
fl_rd_i16(struct fl_rd *r, int16_t *v)
{
	if (fl_rd_left(r) < 2)
		return FL_ESHORT;
	*v = (int16_t)fl_load_be16(r->p + r->off);
	r->off += 2;
	return 0;
}

int
fl_rd_u32(struct fl_rd *r, uint32_t *v)
{
	if (fl_rd_left(r) < 4)
		return FL_ESHORT;
	*v = fl_load_be32(r->p + r->off);
	r->off += 4;
	return 0;
}

int
fl_rd_i32(struct fl_rd *r, int32_t *v)
{
	uint32_t u;
	int rc = fl_rd_u32(r, &u);

	if (rc == 0)
		*v = (int32_t)u;
	return rc;
}

int
fl_rd_i64(struct fl_rd *r, int64_t *v)
{
	if (fl_rd_left(r) < 8)
		return FL_ESHORT;
	*v = (int64_t)fl_load_be64(r->p + r->off);
	r->off += 8;
	return 0;
}

/* Unsigned LEB128 of at most maxbytes bytes; nothing consumed on failure. */
static int
rd_uleb(struct fl_rd *r, unsigned maxbytes, uint64_t *v)
{
	uint64_t x = 0;
	size_t i;

	for (i = 0; i < maxbytes; i++) {
		uint8_t b;

		if (r->off + i >= r->len)
			return FL_ESHORT;
		b = r->p[r->off + i];
		/* a tenth byte holds only bit 63; more would be silently lost */
		if (i == 9 && (b & 0x7f) > 1)
			return FL_EPROTO;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if ((b & 0x80) == 0) {
			r->off += i + 1;
			*v = x;
			return 0;
		}
	}
	return FL_EPROTO;
}

int
fl_rd_uvarint(struct fl_rd *r, uint32_t *v)
{
	uint64_t x;
	size_t off = r->off;
	int rc = rd_uleb(r, 5, &x);

	if (rc != 0)
		return rc;
	if (x > UINT32_MAX) {
		r->off = off;
		return FL_EPROTO;
	}
	*v = (uint32_t)x;
	return 0;
}

int
fl_rd_varint(struct fl_rd *r, int32_t *v)
{
	uint32_t u;
	int rc = fl_rd_uvarint(r, &u);

	if (rc == 0)
		*v = (int32_t)((u >> 1) ^ -(u & 1));
	return rc;
}

int
fl_rd_varlong(struct fl_rd *r, int64_t *v)
{
	uint64_t u;
	int rc = rd_uleb(r, 10, &u);

	if (rc == 0)
		*v = (int64_t)((u >> 1) ^ -(u & 1));
	return rc;
}

static int
rd_len_then_bytes(struct fl_rd *r, size_t hdr, int64_t n, int nullable,
    struct fl_slice *s)
{
	if (n == -1 && nullable) {
		r->off += hdr;
		s->p = NULL;
		s->len = 0;
		return 0;
	}
	if (n < 0)
		return FL_EPROTO;
	if (fl_rd_left(r) - hdr < (uint64_t)n)
		return FL_ESHORT;
	s->p = r->p + r->off + hdr;
	s->len = (size_t)n;
	r->off += hdr + (size_t)n;
	return 0;
}

static int
rd_str16(struct fl_rd *r, int nullable, struct fl_slice *s)
{
	if (fl_rd_left(r) < 2)
		return FL_ESHORT;
	return rd_len_then_bytes(r, 2, (int16_t)fl_load_be16(r->p + r->off),
	    nullable, s);
}

static int
rd_bytes32(struct fl_rd *r, int nullable, struct fl_slice *s)
{
	if (fl_rd_left(r) < 4)
		return FL_ESHORT;
	return rd_len_then_bytes(r, 4, (int32_t)fl_load_be32(r->p + r->off),
	    nullable, s);
}

int fl_rd_string(struct fl_rd *r, struct fl_slice *s) { return rd_str16(r, 0, s); }
int fl_rd_nstring(struct fl_rd *r, struct fl_slice *s) { return rd_str16(r, 1, s); }
int fl_rd_bytes(struct fl_rd *r, struct fl_slice *s) { return rd_bytes32(r, 0, s); }
int fl_rd_nbytes(struct fl_rd *r, struct fl_slice *s) { return rd_bytes32(r, 1, s); }

int
fl_rd_array(struct fl_rd *r, size_t min_elem_bytes, int32_t *count)
{
	int32_t n;
	size_t off = r->off;
	int rc = fl_rd_i32(r, &n);

	if (rc != 0)
		return rc;
	if (n == -1)
		n = 0;
	if (n < 0 || (min_elem_bytes > 0 &&
	    (size_t)n > fl_rd_left(r) / min_elem_bytes)) {
		r->off = off;
		return FL_EPROTO;
	}
	*count = n;
	return 0;
}

void
fl_wr_init(struct fl_wr *w, size_t cap_max)
{
	memset(w, 0, sizeof(*w));
	w->cap_max = cap_max;
	w->is_owned = 1;
}

void
fl_wr_init_fixed(struct fl_wr *w, void *buf, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->p = buf;
	w->cap = w->cap_max = cap;
}

void
fl_wr_free(struct fl_wr *w)
{
	if (w->is_owned)
		free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

uint8_t *
fl_wr_detach(struct fl_wr *w, size_t *len)
{
	uint8_t *p = w->p;

	FL_ASSERT(w->is_owned);
	if (len != NULL)
		*len = w->len;
	w->p = NULL;
	w->len = w->cap = 0;
	return p;
}

uint8_t *
fl_wr_reserve(struct fl_wr *w, size_t n)
{
	uint8_t *q;

	if (w->err != 0)
		return NULL;
	if (w->cap - w->len < n) {
		size_t want, ncap;

		if (!w->is_owned || w->cap_max - w->len < n) {
			w->err = FL_EFULL;
			return NULL;
		}
		want = w->len + n;
		ncap = w->cap ? w->cap : 256;
		while (ncap < want)
			ncap = ncap > SIZE_MAX / 2 ? want : ncap * 2;
		if (ncap > w->cap_max)
			ncap = w->cap_max;
		q = realloc(w->p, ncap);
		if (q == NULL) {
			w->err = FL_ENOMEM;
			return NULL;
		}
		w->p = q;
		w->cap = ncap;
	}
	if (w->p == NULL) {
		/* n == 0 on a writer with no buffer yet: NULL + 0 is undefined */
		static uint8_t none;

		return &none;
	}
	q = w->p + w->len;
	w->len += n;
	return q;
}

void
fl_wr_raw(struct fl_wr *w, const void *p, size_t n)
{
	uint8_t *q = fl_wr_reserve(w, n);

	if (q != NULL && n > 0)
		memcpy(q, p, n);
}

void
fl_wr_i8(struct fl_wr *w, int8_t v)
{
	uint8_t *q = fl_wr_reserve(w, 1);

	if (q != NULL)
		*q = (uint8_t)v;
}

void
fl_wr_i16(struct fl_wr *w, int16_t v)
{
	uint8_t *q = fl_wr_reserve(w, 2);

	if (q != NULL)
		fl_store_be16(q, (uint16_t)v);
}

void
fl_wr_u32(struct fl_wr *w, uint32_t v)
{
	uint8_t *q = fl_wr_reserve(w, 4);

	if (q != NULL)
		fl_store_be32(q, v);
}

void fl_wr_i32(struct fl_wr *w, int32_t v) { fl_wr_u32(w, (uint32_t)v); }

void
fl_wr_i64(struct fl_wr *w, int64_t v)
{
	uint8_t *q = fl_wr_reserve(w, 8);

	if (q != NULL)
		fl_store_be64(q, (uint64_t)v);
}

static void
wr_uleb(struct fl_wr *w, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	while (v >= 0x80) {
		tmp[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	tmp[n++] = (uint8_t)v;
	fl_wr_raw(w, tmp, n);
}

void fl_wr_uvarint(struct fl_wr *w, uint32_t v) { wr_uleb(w, v); }

void
fl_wr_varint(struct fl_wr *w, int32_t v)
{
	wr_uleb(w, (uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

void
fl_wr_varlong(struct fl_wr *w, int64_t v)
{
	wr_uleb(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static size_t
uleb_size(uint64_t v)
{
	size_t n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

size_t
fl_varint_size(int32_t v)
{
	return uleb_size((uint32_t)(((uint32_t)v << 1) ^ (uint32_t)(v >> 31)));
}

size_t
fl_varlong_size(int64_t v)
{
	return uleb_size(((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void
fl_wr_string(struct fl_wr *w, const void *p, size_t len)
{
	if (len > INT16_MAX) {
		if (w->err == 0)
			w->err = FL_ERANGE;
		return;
	}
	fl_wr_i16(w, (int16_t)len);
	fl_wr_raw(w, p, len);
}

void fl_wr_cstr(struct fl_wr *w, const char *s) { fl_wr_string(w, s, strlen(s)); }

void
fl_wr_nstring(struct fl_wr *w, const void *p, size_t len)
{
	if (p == NULL)
		fl_wr_i16(w, -1);
	else
		fl_wr_string(w, p, len);
}

void
fl_wr_bytes(struct fl_wr *w, const void *p, size_t len)
{
	if (p == NULL) {
		fl_wr_i32(w, -1);
		return;
	}
	if (len > INT32_MAX) {
		if (w->err == 0)
			w->err = FL_ERANGE;
		return;
	}
	fl_wr_i32(w, (int32_t)len);
	fl_wr_raw(w, p, len);
}

void
fl_wr_patch_i32(struct fl_wr *w, size_t at, int32_t v)
{
	if (w->err != 0)
		return;
	FL_ASSERT(at <= w->len && w->len - at >= 4);
	fl_store_be32(w->p + at, (uint32_t)v);
}

char *
fl_slice_dup(struct fl_slice s)
{
	char *p = malloc(s.len + 1);

	if (p != NULL) {
		if (s.len > 0)
			memcpy(p, s.p, s.len);
		p[s.len] = '\0';
	}
	return p;
}
