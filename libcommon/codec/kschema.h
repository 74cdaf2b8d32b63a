/*
 * kschema.h: a declarative codec for Kafka message bodies.
 *
 * A message body is described by a schema: an array of field descriptors,
 * in wire order, each naming a type, the versions it is present in, the
 * versions it may be null in, an optional tag (KIP-482 tagged field) and
 * where its value lives in a plain C struct (offsetof).  One walker decodes
 * bytes into such a struct and one encodes a struct into bytes, so a new
 * API or version is a table, not a function.  codec/kproto.c holds the
 * broker's tables (requests decoded, responses encoded); the same tables
 * can serve a client by swapping which side decodes.
 *
 * C types per field type (the struct member at .off):
 *   I8 int8_t, I16 int16_t, U16 uint16_t, I32 int32_t, I64 int64_t,
 *   BOOL int (0/1; any non-zero byte decodes as 1), UUID uint8_t[16],
 *   F64 double, STRING / BYTES / RECORDS struct fl_slice (p NULL = null),
 *   ARRAY T * (elements described by .elem, .elem_size bytes each),
 *   ARRAY_I32 int32_t *, ARRAY_I64 int64_t *, ARRAY_STRING struct fl_slice *,
 *   STRUCT an inline struct described by .elem.
 * Arrays keep their element count in a size_t at .count_off, and, when
 * .has_null_flag, an int at .null_flag_off that is 1 for a null array.
 *
 * Versions: a field is present for vmin <= v <= vmax (FL_KS_VMAX: no upper
 * bound).  Non-flexible encodings are Kafka's classic ones (int16 string
 * lengths, int32 bytes lengths and array counts, -1 = null).  In flexible
 * versions (the caller says which: flex != 0) strings, bytes and arrays are
 * compact (unsigned varint of length + 1, 0 = null) and every struct,
 * the body included, ends with a tagged-field section: uvarint count, then
 * per field uvarint tag, uvarint size, value.  Tagged fields (.is_tagged)
 * exist only in flexible versions; list them in increasing tag order.
 *
 * A field whose .off is FL_KS_NOSTORE (a scalar or string, not tagged) is
 * read and dropped, and encoded as its default: for fields Kafka defines
 * but flume ignores, so they cost no struct space (arena bound).
 *
 * Decoding (fl_ks_decode): every field of the schema is written: present
 * fields from the wire, absent ones with their default (.def for integers
 * and bools; null slices, NULL arrays with count 0 otherwise).  Fields of
 * the C struct the schema does not name are left alone.  Strings and bytes
 * BORROW the reader's buffer.  Arrays come zeroed from the arena, after the
 * count was checked against the bytes left at the element's smallest wire
 * size (fl_ks_min_bytes), which bounds the arena by the input.  A null
 * array decodes as empty; when the field has a null flag it is set, and a
 * null below .null_min is FL_EPROTO.  A null string or bytes where the
 * version does not allow one is FL_EPROTO (as fl_rd_string/fl_rd_bytes).
 * Unknown tags are skipped; a known tag whose value does not fill its size
 * exactly is FL_EPROTO.  fl_ks_decode does not check for trailing bytes:
 * callers decoding a whole body check fl_rd_left() == 0.
 *
 * Encoding (fl_ks_encode): present fields are appended to w; a null slice
 * in a non-nullable string or bytes goes out empty; a tagged field is
 * written only when it differs from its default (non-null, non-empty,
 * != .def).  Counts above INT32_MAX and strings above INT16_MAX set
 * FL_ERANGE.  Returns 0 or w's sticky error.
 *
 * Errors: 0 or negative FL_E*: FL_ESHORT (input ended), FL_EPROTO
 * (malformed), FL_EFULL / FL_ENOMEM / FL_ERANGE (arena or writer).
 *
 * Layer: codec.  Pure: no I/O, no clock, no globals; malloc only (arena,
 * fl_wr).
 */
#ifndef FL_KSCHEMA_H
#define FL_KSCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/rd.h"

enum fl_ks_type {
	FL_KS_I8 = 1, FL_KS_I16, FL_KS_U16, FL_KS_I32, FL_KS_I64, FL_KS_BOOL,
	FL_KS_UUID, FL_KS_F64,
	FL_KS_STRING, FL_KS_BYTES,
	FL_KS_RECORDS,		/* nullable bytes in every version */
	FL_KS_ARRAY, FL_KS_ARRAY_I32, FL_KS_ARRAY_I64, FL_KS_ARRAY_STRING,
	FL_KS_STRUCT
};

#define FL_KS_VMAX	INT16_MAX
#define FL_KS_NOSTORE	SIZE_MAX	/* .off of a field read and dropped */

struct fl_ks_schema;

struct fl_ks_field {
	const char *name;		/* for tests and diagnostics */
	uint8_t type;			/* enum fl_ks_type */
	int16_t vmin, vmax;		/* present for vmin <= v <= vmax */
	uint8_t nullable;		/* string, bytes, array: may be null ... */
	int16_t null_min;		/* ... from this version on */
	uint8_t is_tagged;		/* a tagged field (flexible versions only) */
	int32_t tag;
	size_t off;			/* offsetof the value */
	size_t count_off;		/* arrays: offsetof the size_t count */
	uint8_t has_null_flag;		/* arrays: an int at null_flag_off ... */
	size_t null_flag_off;		/* ... set to 1 when the array is null */
	const struct fl_ks_schema *elem;	/* ARRAY, STRUCT */
	size_t elem_size;		/* ARRAY: sizeof one element */
	int64_t def;			/* absent integer or bool decodes as this */
};

struct fl_ks_schema {
	const char *name;
	const struct fl_ks_field *f;
	size_t n;
};

#define FL_KS_SCHEMA(nm, fields)	{ (nm), (fields), sizeof(fields) / sizeof((fields)[0]) }

/*
 * Table helpers.  FL_KS_(type, struct, member, vmin, vmax, extra...) where
 * extra are designated initializers such as .def = -1, .nullable = 1,
 * .null_min = 2, .is_tagged = 1, .tag = 0.
 */
#define FL_KS_(t, st, m, lo, hi, ...) { .name = #m, .type = (t), .vmin = (lo), \
	.vmax = (hi), .off = offsetof(st, m), __VA_ARGS__ }
#define FL_KS_I8(st, m, lo, hi, ...)	FL_KS_(FL_KS_I8, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_I16(st, m, lo, hi, ...)	FL_KS_(FL_KS_I16, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_I32(st, m, lo, hi, ...)	FL_KS_(FL_KS_I32, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_I64(st, m, lo, hi, ...)	FL_KS_(FL_KS_I64, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_BOOL(st, m, lo, hi, ...)	FL_KS_(FL_KS_BOOL, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_STR(st, m, lo, hi, ...)	FL_KS_(FL_KS_STRING, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_NSTR(st, m, lo, hi, nmin, ...) FL_KS_(FL_KS_STRING, st, m, lo, hi, \
	.nullable = 1, .null_min = (nmin), __VA_ARGS__)
#define FL_KS_BYTES(st, m, lo, hi, ...)	FL_KS_(FL_KS_BYTES, st, m, lo, hi, __VA_ARGS__)
#define FL_KS_NBYTES(st, m, lo, hi, nmin, ...) FL_KS_(FL_KS_BYTES, st, m, lo, hi, \
	.nullable = 1, .null_min = (nmin), __VA_ARGS__)
#define FL_KS_RECORDS(st, m, lo, hi, ...) FL_KS_(FL_KS_RECORDS, st, m, lo, hi, __VA_ARGS__)
/* A field read and dropped (FL_KS_NOSTORE); nm names it for diagnostics. */
#define FL_KS_SKIP(t, nm, lo, hi, ...) { .name = (nm), .type = (t), .vmin = (lo), \
	.vmax = (hi), .off = FL_KS_NOSTORE, __VA_ARGS__ }
/* Arrays: ptr member m, count member n. */
#define FL_KS_ARR(st, m, n, el, elty, lo, hi, ...) FL_KS_(FL_KS_ARRAY, st, m, lo, hi, \
	.count_off = offsetof(st, n), .elem = &(el), .elem_size = sizeof(elty), __VA_ARGS__)
#define FL_KS_ARR_I32(st, m, n, lo, hi, ...) FL_KS_(FL_KS_ARRAY_I32, st, m, lo, hi, \
	.count_off = offsetof(st, n), __VA_ARGS__)
#define FL_KS_ARR_I64(st, m, n, lo, hi, ...) FL_KS_(FL_KS_ARRAY_I64, st, m, lo, hi, \
	.count_off = offsetof(st, n), __VA_ARGS__)
#define FL_KS_ARR_STR(st, m, n, lo, hi, ...) FL_KS_(FL_KS_ARRAY_STRING, st, m, lo, hi, \
	.count_off = offsetof(st, n), __VA_ARGS__)
/* A nullable array whose nullness lands in int member flag. */
#define FL_KS_NULL_FLAG(st, flag, nmin)	.nullable = 1, .null_min = (nmin), \
	.has_null_flag = 1, .null_flag_off = offsetof(st, flag)

/*
 * Encoder option: record where each element of arrays whose element schema
 * is `schema` starts, as w->len - base, into pos[0 .. cap) (n counts them).
 */
struct fl_ks_marks {
	const struct fl_ks_schema *schema;
	size_t *pos;
	size_t n, cap;
	size_t base;
};

/* Decode one struct (and, when flex, its tagged fields) from r into out. */
int fl_ks_decode(struct fl_rd *r, const struct fl_ks_schema *s, int16_t version,
    int flex, struct fl_arena *a, void *out);
/* fl_ks_decode, then FL_EPROTO unless r is consumed exactly. */
int fl_ks_decode_body(struct fl_rd *r, const struct fl_ks_schema *s,
    int16_t version, int flex, struct fl_arena *a, void *out);
/* Append the struct at in; marks may be NULL. */
int fl_ks_encode(struct fl_wr *w, const struct fl_ks_schema *s, int16_t version,
    int flex, const void *in, struct fl_ks_marks *marks);
/* The fewest bytes one encoding of s can take at (version, flex). */
size_t fl_ks_min_bytes(const struct fl_ks_schema *s, int16_t version, int flex);

/* ---- flexible-version primitives (KIP-482) ---- */

/* Compact string: uvarint len+1, 0 = null (FL_EPROTO unless nullable);
 * a length above INT16_MAX is FL_EPROTO. */
int fl_ks_rd_cstring(struct fl_rd *r, int nullable, struct fl_slice *s);
/* Compact bytes: uvarint len+1, 0 = null (FL_EPROTO unless nullable). */
int fl_ks_rd_cbytes(struct fl_rd *r, int nullable, struct fl_slice *s);
/* Compact array count; null sets *is_null and reads as 0; a count the bytes
 * left cannot hold at min_elem each is FL_EPROTO. */
int fl_ks_rd_carray(struct fl_rd *r, size_t min_elem, int32_t *count,
    int *is_null);
/* Skip a whole tagged-field section. */
int fl_ks_rd_skip_tags(struct fl_rd *r);
/* Writers: p NULL writes null (0). */
void fl_ks_wr_cstring(struct fl_wr *w, const void *p, size_t len);
void fl_ks_wr_cbytes(struct fl_wr *w, const void *p, size_t len);
/* Compact array count n (is_null: write null). */
void fl_ks_wr_ccount(struct fl_wr *w, size_t n, int is_null);
/* An empty tagged-field section (one 0 byte). */
void fl_ks_wr_no_tags(struct fl_wr *w);

#endif
