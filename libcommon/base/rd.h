/*
 * rd.h: bounded big-endian byte reader and writer for the Kafka wire and
 * record formats.
 *
 * Reader: struct fl_rd borrows (p, len); invariant off <= len, so len - off
 * never underflows.  Every getter checks the bytes present first and, on
 * failure, returns FL_ESHORT (or FL_EPROTO for a malformed value such as a
 * negative length or an over-long varint) and consumes nothing.  Views
 * returned for strings and bytes point into the reader's buffer and are
 * valid as long as that buffer is.
 *
 * Writer: struct fl_wr owns a heap buffer that grows up to cap_max bytes
 * (fl_wr_init), or borrows a fixed caller buffer (fl_wr_init_fixed).  A write
 * that does not fit sets the sticky error FL_EFULL (or FL_ENOMEM; FL_ERANGE
 * for a length its field cannot hold) and writes nothing; later writes are
 * ignored, so a caller may check wr.err once at the end.  fl_wr_free()
 * frees an owned buffer; fl_wr_detach() hands it over.
 * Pure apart from malloc/realloc/free.
 * Layer: base (may include only base/ and libc headers that make no system call).
 */
#ifndef FL_RD_H
#define FL_RD_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

static inline uint16_t fl_load_be16(const uint8_t *p)
{ return (uint16_t)((uint16_t)p[0] << 8 | p[1]); }
static inline uint32_t fl_load_be32(const uint8_t *p)
{ return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static inline uint64_t fl_load_be64(const uint8_t *p)
{ return (uint64_t)fl_load_be32(p) << 32 | fl_load_be32(p + 4); }
static inline void fl_store_be16(uint8_t *p, uint16_t v)
{ p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void fl_store_be32(uint8_t *p, uint32_t v)
{ p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v; }
static inline void fl_store_be64(uint8_t *p, uint64_t v)
{ fl_store_be32(p, (uint32_t)(v >> 32)); fl_store_be32(p + 4, (uint32_t)v); }

struct fl_rd {
	const uint8_t *p;
	size_t len, off;
};

/* A borrowed byte range; p is NULL for a Kafka null string/bytes. */
struct fl_slice {
	const uint8_t *p;
	size_t len;
};

static inline void fl_rd_init(struct fl_rd *r, const void *p, size_t len)
{ r->p = p; r->len = len; r->off = 0; }
static inline size_t fl_rd_left(const struct fl_rd *r) { return r->len - r->off; }

int fl_rd_skip(struct fl_rd *r, size_t n);
/* A NUL-terminated malloc'd copy of s (free() it), or NULL when out of memory. */
char *fl_slice_dup(struct fl_slice s);

int fl_rd_raw(struct fl_rd *r, size_t n, struct fl_slice *out);
int fl_rd_i8(struct fl_rd *r, int8_t *v);
int fl_rd_u8(struct fl_rd *r, uint8_t *v);
int fl_rd_i16(struct fl_rd *r, int16_t *v);
int fl_rd_i32(struct fl_rd *r, int32_t *v);
int fl_rd_u32(struct fl_rd *r, uint32_t *v);
int fl_rd_i64(struct fl_rd *r, int64_t *v);
/* Kafka unsigned varint (up to 5 bytes, 32 bits). */
int fl_rd_uvarint(struct fl_rd *r, uint32_t *v);
/* Zigzag varint (32-bit, up to 5 bytes) and varlong (64-bit, up to 10 bytes). */
int fl_rd_varint(struct fl_rd *r, int32_t *v);
int fl_rd_varlong(struct fl_rd *r, int64_t *v);
/* int16 length + bytes; a negative length is FL_EPROTO. */
int fl_rd_string(struct fl_rd *r, struct fl_slice *s);
/* int16 length, -1 = null (s->p = NULL); other negatives are FL_EPROTO. */
int fl_rd_nstring(struct fl_rd *r, struct fl_slice *s);
/* int32 length + bytes; -1 = null (s->p = NULL) for nbytes only. */
int fl_rd_bytes(struct fl_rd *r, struct fl_slice *s);
int fl_rd_nbytes(struct fl_rd *r, struct fl_slice *s);
/*
 * Array count (int32).  -1 (null) reads as 0.  A count that could not fit in
 * the bytes left, at min_elem_bytes per element, is FL_EPROTO: this bounds
 * every allocation a caller sizes from a count.
 */
int fl_rd_array(struct fl_rd *r, size_t min_elem_bytes, int32_t *count);

struct fl_wr {
	uint8_t *p;
	size_t len, cap, cap_max;
	int err;		/* sticky: 0, FL_EFULL, FL_ENOMEM or FL_ERANGE */
	int is_owned;
};

/* Growable, owned buffer; never grows past cap_max bytes. */
void fl_wr_init(struct fl_wr *w, size_t cap_max);
/* Fixed, borrowed buffer of cap bytes. */
void fl_wr_init_fixed(struct fl_wr *w, void *buf, size_t cap);
void fl_wr_free(struct fl_wr *w);
/* Hand the owned buffer to the caller (free() it); w becomes empty. */
uint8_t *fl_wr_detach(struct fl_wr *w, size_t *len);
/* Forget the content, keep the buffer and clear the error. */
static inline void fl_wr_reset(struct fl_wr *w) { w->len = 0; w->err = 0; }

/* Make room for n more bytes; returns a pointer to them (len advanced) or NULL. */
uint8_t *fl_wr_reserve(struct fl_wr *w, size_t n);
void fl_wr_raw(struct fl_wr *w, const void *p, size_t n);
void fl_wr_i8(struct fl_wr *w, int8_t v);
void fl_wr_i16(struct fl_wr *w, int16_t v);
void fl_wr_i32(struct fl_wr *w, int32_t v);
void fl_wr_u32(struct fl_wr *w, uint32_t v);
void fl_wr_i64(struct fl_wr *w, int64_t v);
void fl_wr_uvarint(struct fl_wr *w, uint32_t v);
void fl_wr_varint(struct fl_wr *w, int32_t v);
void fl_wr_varlong(struct fl_wr *w, int64_t v);
/* int16-length string; len > INT16_MAX sets FL_ERANGE. */
void fl_wr_string(struct fl_wr *w, const void *p, size_t len);
void fl_wr_cstr(struct fl_wr *w, const char *s);
/* Nullable string: p == NULL writes -1. */
void fl_wr_nstring(struct fl_wr *w, const void *p, size_t len);
/* int32-length bytes; p == NULL writes -1 (nullable bytes). */
void fl_wr_bytes(struct fl_wr *w, const void *p, size_t len);
/* Overwrite 4 bytes at an earlier position (a length or count patched later). */
void fl_wr_patch_i32(struct fl_wr *w, size_t at, int32_t v);

/* Sizes of encodings, for callers that must know lengths up front. */
size_t fl_varint_size(int32_t v);
size_t fl_varlong_size(int64_t v);

#endif
