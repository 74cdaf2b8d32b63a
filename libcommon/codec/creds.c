/*
 * creds.c: the users file's text (a strict, bounded parser and its
 * encoder), the edits the CLI and the admin verbs make, and the rule
 * requests are authorized by.
 *
 * The decoder collects user lines and acl lines as they come, then sorts
 * them: duplicates, half-present users and acls of unknown users show up
 * as neighbours, in O(n log n) for the largest file the bounds allow.
 * Every array that holds secrets grows by copy-and-wipe (make_room), and
 * slots past the count are kept zero, so fl_creds_free's wipe of the
 * counted part leaves nothing behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/csum.h"
#include "codec/creds.h"

#define ROOM_MIN 16
#define LINE_MAX_BYTES 768	/* a user line is at most 661 bytes, an acl line 548 */
#define HEX_MAX (2 * FL_SCRAM_KEY_MAX + 1)

static const struct {
	const char *name;
	unsigned bit;
} op_names[] = {
	{ "read", FL_ACL_READ },
	{ "write", FL_ACL_WRITE },
	{ "create", FL_ACL_CREATE },
	{ "delete", FL_ACL_DELETE },
};

static const char *const type_names[] = { "topic", "group", "cluster" };
static const char *const hash_names[FL_SCRAM_NHASH] = { "sha256", "sha512" };

/* ---- names, ops, types ---- */

static int
name_ok_n(const char *p, size_t n)
{
	size_t i;

	if (n == 0 || n > FL_CREDS_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] < 0x21 || (unsigned char)p[i] > 0x7e)
			return 0;
	return 1;
}

int
fl_creds_name_ok(const char *name)
{
	size_t n = strnlen(name, FL_CREDS_NAME_MAX + 1);

	return name_ok_n(name, n);
}

static int
same(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(p, word, n) == 0;
}

static unsigned
op_bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(op_names); i++)
		if (same(p, n, op_names[i].name))
			return op_names[i].bit;
	return 0;
}

/* "all", or a ','-list of distinct op names, spanning exactly p[0..n). */
static int
parse_ops_n(const char *p, size_t n, unsigned *ops)
{
	const char *end = p + n;
	unsigned acc = 0;

	if (same(p, n, "all")) {
		*ops = FL_ACL_ALL;
		return 0;
	}
	for (;;) {
		const char *comma = memchr(p, ',', (size_t)(end - p));
		const char *e = comma != NULL ? comma : end;
		unsigned bit = op_bit(p, (size_t)(e - p));

		if (bit == 0 || (acc & bit) != 0)
			return FL_EINVAL;
		acc |= bit;
		if (comma == NULL)
			break;
		p = comma + 1;
	}
	*ops = acc;
	return 0;
}

int
fl_acl_parse_ops(const char *s, unsigned *ops)
{
	return parse_ops_n(s, strlen(s), ops);
}

static int
parse_type_n(const char *p, size_t n, enum fl_acl_type *t)
{
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(type_names); i++)
		if (same(p, n, type_names[i])) {
			*t = (enum fl_acl_type)i;
			return 0;
		}
	return FL_EINVAL;
}

int
fl_acl_parse_type(const char *s, enum fl_acl_type *t)
{
	return parse_type_n(s, strlen(s), t);
}

const char *
fl_acl_type_name(enum fl_acl_type t)
{
	return (unsigned)t < FL_ARRAY_LEN(type_names) ? type_names[t] : "?";
}

void
fl_acl_format_ops(unsigned ops, char *buf, size_t n)
{
	size_t i, at = 0;

	if (n == 0)
		return;
	buf[0] = '\0';
	if (ops == FL_ACL_ALL) {
		snprintf(buf, n, "all");
		return;
	}
	for (i = 0; i < FL_ARRAY_LEN(op_names); i++) {
		int k;

		if (!(ops & op_names[i].bit))
			continue;
		k = snprintf(buf + at, n - at, "%s%s", at ? "," : "", op_names[i].name);
		if (k < 0 || (size_t)k >= n - at) {
			buf[at] = '\0';	/* whole names only: "rea" is no op */
			return;
		}
		at += (size_t)k;
	}
}

/* ---- arrays ---- */

void
fl_creds_init(struct fl_creds *c)
{
	memset(c, 0, sizeof(*c));
}

void
fl_creds_free(struct fl_creds *c)
{
	if (c->users != NULL)
		sodium_memzero(c->users, c->nusers * sizeof(c->users[0]));
	free(c->users);
	free(c->acls);
	memset(c, 0, sizeof(*c));
}

/*
 * Capacity is implied by the count: an array of n elements has at least
 * room_for(n) slots (deletions only lower room_for), so struct fl_creds
 * needs no capacity fields.
 */
static size_t
room_for(size_t n)
{
	size_t cap = ROOM_MIN;

	while (cap < n)
		cap *= 2;
	return cap;
}

/*
 * Room for one more of n elements in *arr.  Grows by copy, then wipes
 * and frees the old block: realloc could leave a copy of secrets behind.
 */
static int
make_room(void **arr, size_t n, size_t elem)
{
	size_t cap;
	void *na;

	if (*arr != NULL && n < room_for(n))
		return 0;
	cap = room_for(n + 1);
	if (cap > SIZE_MAX / elem)
		return FL_ENOMEM;
	na = calloc(cap, elem);
	if (na == NULL)
		return FL_ENOMEM;
	if (*arr != NULL) {
		memcpy(na, *arr, n * elem);
		sodium_memzero(*arr, n * elem);
		free(*arr);
	}
	*arr = na;
	return 0;
}

/* Open slot i of n (n < capacity) by moving the rest up. */
static void
open_slot(void *arr, size_t i, size_t n, size_t elem)
{
	uint8_t *a = arr;

	memmove(a + (i + 1) * elem, a + i * elem, (n - i) * elem);
	memset(a + i * elem, 0, elem);
}

/* Close slots [i, j) of n and zero the vacated tail (no stale secrets). */
static void
close_slots(void *arr, size_t i, size_t j, size_t n, size_t elem)
{
	uint8_t *a = arr;

	memmove(a + i * elem, a + j * elem, (n - j) * elem);
	sodium_memzero(a + (n - (j - i)) * elem, (j - i) * elem);
}

/* ---- lookup ---- */

/* Index of the first user whose name is >= name; *found if equal. */
static size_t
user_index(const struct fl_creds *c, const char *name, int *found)
{
	size_t lo = 0, hi = c->nusers;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(c->users[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = lo < c->nusers && strcmp(c->users[lo].name, name) == 0;
	return lo;
}

const struct fl_creds_user *
fl_creds_find(const struct fl_creds *c, const char *name)
{
	int found;
	size_t i = user_index(c, name, &found);

	return found ? &c->users[i] : NULL;
}

int
fl_creds_lookup(void *arg, const char *user, enum fl_scram_hash h,
    struct fl_scram_cred *out)
{
	const struct fl_creds_user *u = fl_creds_find(arg, user);

	if (u == NULL || (unsigned)h >= FL_SCRAM_NHASH)
		return FL_ENOENT;
	*out = u->scram[h];
	return 0;
}

static int
acl_key_cmp(const struct fl_acl *a, const char *name, enum fl_acl_type type,
    const char *prefix)
{
	int d = strcmp(a->name, name);

	if (d != 0)
		return d;
	if (a->type != type)
		return a->type < type ? -1 : 1;
	return strcmp(a->prefix, prefix);
}

static int
acl_cmp(const void *a, const void *b)
{
	const struct fl_acl *y = b;

	return acl_key_cmp(a, y->name, y->type, y->prefix);
}

/* Index of the first acl line >= (name, type, prefix). */
static size_t
acl_lower(const struct fl_creds *c, const char *name, enum fl_acl_type type,
    const char *prefix)
{
	size_t lo = 0, hi = c->nacls;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (acl_key_cmp(&c->acls[mid], name, type, prefix) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct fl_acl *
fl_creds_acl_find(const struct fl_creds *c, const char *name,
    enum fl_acl_type type, const char *prefix)
{
	size_t i = acl_lower(c, name, type, prefix);

	return i < c->nacls && acl_key_cmp(&c->acls[i], name, type, prefix) == 0 ?
	    &c->acls[i] : NULL;
}

/* ---- edits ---- */

int
fl_creds_user_set(struct fl_creds *c, const char *name,
    const char *password, size_t plen, const uint8_t *salt256,
    const uint8_t *salt512, size_t slen, uint32_t iterations)
{
	struct fl_scram_cred s[FL_SCRAM_NHASH];
	int found, rc;
	size_t i;

	if (!fl_creds_name_ok(name) || slen < FL_CREDS_SALT_MIN || slen > FL_SCRAM_SALT_MAX)
		return FL_EINVAL;
	if (iterations < FL_SCRAM_ITER_MIN || iterations > FL_SCRAM_ITER_MAX)
		return FL_ERANGE;
	i = user_index(c, name, &found);
	if (!found && c->nusers >= FL_CREDS_USERS_MAX)
		return FL_EFULL;
	if (!found && make_room((void **)&c->users, c->nusers, sizeof(c->users[0])) != 0)
		return FL_ENOMEM;
	rc = fl_scram_cred_make(&s[FL_SCRAM_SHA256], FL_SCRAM_SHA256, password, plen,
	    salt256, slen, iterations);
	if (rc == 0)
		rc = fl_scram_cred_make(&s[FL_SCRAM_SHA512], FL_SCRAM_SHA512, password, plen,
		    salt512, slen, iterations);
	if (rc == 0 && !found) {
		open_slot(c->users, i, c->nusers++, sizeof(c->users[0]));
		memcpy(c->users[i].name, name, strlen(name) + 1);
	}
	if (rc == 0)
		memcpy(c->users[i].scram, s, sizeof(s));
	sodium_memzero(s, sizeof(s));
	return rc;
}

int
fl_creds_user_del(struct fl_creds *c, const char *name)
{
	int found;
	size_t i = user_index(c, name, &found), lo, hi;

	if (!found)
		return FL_ENOENT;
	close_slots(c->users, i, i + 1, c->nusers--, sizeof(c->users[0]));
	/* its acl lines are one run: the array is sorted by name first */
	lo = hi = acl_lower(c, name, FL_ACL_TOPIC, "");
	while (hi < c->nacls && strcmp(c->acls[hi].name, name) == 0)
		hi++;
	if (hi > lo) {
		close_slots(c->acls, lo, hi, c->nacls, sizeof(c->acls[0]));
		c->nacls -= hi - lo;
	}
	return 0;
}

static int
acl_args_ok(unsigned ops, enum fl_acl_type type, const char *prefix)
{
	return ops != 0 && (ops & ~FL_ACL_ALL) == 0 &&
	    (unsigned)type < FL_ARRAY_LEN(type_names) && fl_creds_name_ok(prefix) &&
	    (type != FL_ACL_CLUSTER || strcmp(prefix, "*") == 0);
}

int
fl_creds_acl_add(struct fl_creds *c, const char *name, unsigned ops,
    enum fl_acl_type type, const char *prefix)
{
	struct fl_acl *a;
	size_t i;

	if (fl_creds_find(c, name) == NULL)
		return FL_ENOENT;
	if (!acl_args_ok(ops, type, prefix))
		return FL_EINVAL;
	i = acl_lower(c, name, type, prefix);
	if (i < c->nacls && acl_key_cmp(&c->acls[i], name, type, prefix) == 0) {
		c->acls[i].ops |= ops;
		return 0;
	}
	if (c->nacls >= FL_CREDS_ACLS_MAX)
		return FL_EFULL;
	if (make_room((void **)&c->acls, c->nacls, sizeof(c->acls[0])) != 0)
		return FL_ENOMEM;
	open_slot(c->acls, i, c->nacls++, sizeof(c->acls[0]));
	a = &c->acls[i];
	memcpy(a->name, name, strlen(name) + 1);
	memcpy(a->prefix, prefix, strlen(prefix) + 1);
	a->ops = ops;
	a->type = type;
	return 0;
}

int
fl_creds_acl_del(struct fl_creds *c, const char *name, unsigned ops,
    enum fl_acl_type type, const char *prefix)
{
	size_t i = acl_lower(c, name, type, prefix);

	if (i >= c->nacls || acl_key_cmp(&c->acls[i], name, type, prefix) != 0)
		return FL_ENOENT;
	c->acls[i].ops &= ~ops;
	if (c->acls[i].ops == 0)
		close_slots(c->acls, i, i + 1, c->nacls--, sizeof(c->acls[0]));
	return 0;
}

/* ---- authorization ---- */

static int
prefix_matches(const char *prefix, const char *res, size_t len)
{
	size_t pl = strlen(prefix);

	if (strcmp(prefix, "*") == 0)
		return 1;
	return pl <= len && memcmp(prefix, res, pl) == 0;
}

int
fl_creds_super(const struct fl_creds *c, const char *name)
{
	/* cluster sorts last among a name's lines, and its prefix is "*" */
	return fl_creds_acl_find(c, name, FL_ACL_CLUSTER, "*") != NULL;
}

int
fl_creds_writes_any(const struct fl_creds *c, const char *name)
{
	size_t i;

	if (fl_creds_super(c, name))
		return 1;
	for (i = acl_lower(c, name, FL_ACL_TOPIC, ""); i < c->nacls; i++) {
		const struct fl_acl *a = &c->acls[i];

		if (strcmp(a->name, name) != 0 || a->type != FL_ACL_TOPIC)
			break;
		if (a->ops & FL_ACL_WRITE)
			return 1;
	}
	return 0;
}

/* 1 if a line of name's on type grants every bit of op (0: any op) on res. */
static int
granted(const struct fl_creds *c, const char *name, unsigned op,
    enum fl_acl_type type, const char *res, size_t len)
{
	size_t i;

	if (fl_creds_super(c, name))
		return 1;
	for (i = acl_lower(c, name, type, ""); i < c->nacls; i++) {
		const struct fl_acl *a = &c->acls[i];

		if (strcmp(a->name, name) != 0 || a->type != type)
			break;
		if ((a->ops & op) == op && prefix_matches(a->prefix, res, len))
			return 1;
	}
	return 0;
}

int
fl_creds_allows(const struct fl_creds *c, const char *name, unsigned op,
    enum fl_acl_type type, const char *resource, size_t len)
{
	if (op == 0 || (op & ~FL_ACL_ALL) != 0)
		return 0;
	return granted(c, name, op, type, resource, len);
}

int
fl_creds_describes(const struct fl_creds *c, const char *name,
    enum fl_acl_type type, const char *resource, size_t len)
{
	return granted(c, name, 0, type, resource, len);
}

/* ---- encoding ---- */

static size_t
user_line(char *buf, const struct fl_creds_user *u, enum fl_scram_hash h)
{
	const struct fl_scram_cred *s = &u->scram[h];
	char salt[HEX_MAX], stored[HEX_MAX], server[HEX_MAX];
	size_t len = fl_scram_len(h);
	int k;

	fl_hex(salt, s->salt, s->salt_len);
	fl_hex(stored, s->stored_key, len);
	fl_hex(server, s->server_key, len);
	k = snprintf(buf, LINE_MAX_BYTES, "user %s %s %u %s %s %s\n", u->name,
	    hash_names[h], (unsigned)s->iterations, salt, stored, server);
	sodium_memzero(stored, sizeof(stored));
	sodium_memzero(server, sizeof(server));
	FL_ASSERT(k > 0 && k < LINE_MAX_BYTES);
	return (size_t)k;
}

static size_t
acl_line(char *buf, const struct fl_acl *a)
{
	char ops[FL_ACL_OPS_TEXT_MAX];
	int k;

	fl_acl_format_ops(a->ops, ops, sizeof(ops));
	k = snprintf(buf, LINE_MAX_BYTES, "acl %s %s %s %s\n", a->name, ops,
	    fl_acl_type_name(a->type), a->prefix);
	FL_ASSERT(k > 0 && k < LINE_MAX_BYTES);
	return (size_t)k;
}

/* Every line into out (NULL: only count); returns the total length. */
static size_t
encode_into(const struct fl_creds *c, uint8_t *out)
{
	char line[LINE_MAX_BYTES];
	size_t i, at = 0, k;
	int h;

	k = (size_t)snprintf(line, sizeof(line), "format %d\n", FL_CREDS_FORMAT);
	if (out != NULL)
		memcpy(out, line, k);
	at += k;
	for (i = 0; i < c->nusers; i++)
		for (h = 0; h < FL_SCRAM_NHASH; h++) {
			k = user_line(line, &c->users[i], (enum fl_scram_hash)h);
			if (out != NULL)
				memcpy(out + at, line, k);
			at += k;
		}
	for (i = 0; i < c->nacls; i++) {
		k = acl_line(line, &c->acls[i]);
		if (out != NULL)
			memcpy(out + at, line, k);
		at += k;
	}
	sodium_memzero(line, sizeof(line));
	return at;
}

int
fl_creds_encode(const struct fl_creds *c, uint8_t **out, size_t *len)
{
	/* measured first, then written once: a growing buffer would leave
	 * copies of the keys in freed memory */
	size_t n = encode_into(c, NULL);
	uint8_t *buf = malloc(n);

	if (buf == NULL)
		return FL_ENOMEM;
	FL_ASSERT(encode_into(c, buf) == n);
	*out = buf;
	*len = n;
	return 0;
}

/* ---- decoding ---- */

/* One user line, before pairing with its other hash. */
struct uline {
	char name[FL_CREDS_NAME_MAX + 1];
	enum fl_scram_hash h;
	struct fl_scram_cred cred;
};

struct field {
	const char *p;
	size_t n;
};

struct parse {
	size_t line;			/* 1-based number of the line being read */
	struct uline *ul;		/* owned; wiped when freed */
	size_t nul;
	struct fl_acl *acls;		/* owned; becomes the result's */
	size_t nacls;
	struct fl_err *err;
};

#define NFIELDS_MAX 8

/* Split at single blanks into f[]; the count, or -1 (empty field, too many). */
static int
split(const char *p, size_t n, struct field *f)
{
	const char *end = p + n;
	int nf = 0;

	for (;;) {
		const char *sp = memchr(p, ' ', (size_t)(end - p));
		const char *e = sp != NULL ? sp : end;

		if (e == p || nf == NFIELDS_MAX)
			return -1;
		f[nf].p = p;
		f[nf++].n = (size_t)(e - p);
		if (sp == NULL)
			return nf;
		p = sp + 1;
	}
}

static int
all_digits(const struct field *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		if (f->p[i] < '0' || f->p[i] > '9')
			return 0;
	return f->n > 0;
}

/* Decimal digits without a leading zero, at most 9 of them; else -1. */
static long
number(const struct field *f)
{
	long v = 0;
	size_t i;

	if (f->n == 0 || f->n > 9 || f->p[0] == '0')
		return -1;
	for (i = 0; i < f->n; i++) {
		if (f->p[i] < '0' || f->p[i] > '9')
			return -1;
		v = v * 10 + (f->p[i] - '0');
	}
	return v;
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	return -1;
}

/* Lowercase hex of min..max bytes into out; the byte count, or -1. */
static long
unhex(const struct field *f, size_t min, size_t max, uint8_t *out)
{
	size_t i;

	if (f->n % 2 != 0 || f->n / 2 < min || f->n / 2 > max)
		return -1;
	for (i = 0; i < f->n / 2; i++) {
		int hi = hex_digit(f->p[2 * i]), lo = hex_digit(f->p[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return (long)(f->n / 2);
}

static int
bad(struct parse *ps, const char *what)
{
	return fl_err_set(ps->err, FL_ECORRUPT, "line %zu: %s", ps->line, what);
}

/* user NAME HASH ITERATIONS SALT STORED SERVER */
static int
parse_user(struct parse *ps, const struct field *f, int nf)
{
	struct uline *u;
	long iter, salt_len;
	size_t klen;
	int h;

	if (nf != 7)
		return bad(ps, "a user line has 7 fields");
	if (!name_ok_n(f[1].p, f[1].n))
		return bad(ps, "bad user name");
	for (h = 0; h < FL_SCRAM_NHASH && !same(f[2].p, f[2].n, hash_names[h]); h++)
		;
	if (h == FL_SCRAM_NHASH)
		return bad(ps, "hash is not sha256 or sha512");
	iter = number(&f[3]);
	if (iter < FL_SCRAM_ITER_MIN || iter > FL_SCRAM_ITER_MAX)
		return bad(ps, "iterations not a number in range");
	if (ps->nul >= 2 * (size_t)FL_CREDS_USERS_MAX)
		return bad(ps, "more users than flume allows");
	if (make_room((void **)&ps->ul, ps->nul, sizeof(ps->ul[0])) != 0)
		return fl_err_set(ps->err, FL_ENOMEM, "out of memory");
	u = &ps->ul[ps->nul];
	klen = fl_scram_len((enum fl_scram_hash)h);
	salt_len = unhex(&f[4], FL_CREDS_SALT_MIN, FL_SCRAM_SALT_MAX, u->cred.salt);
	if (salt_len < 0 || unhex(&f[5], klen, klen, u->cred.stored_key) < 0 ||
	    unhex(&f[6], klen, klen, u->cred.server_key) < 0) {
		sodium_memzero(u, sizeof(*u));
		return bad(ps, "bad hex, or a salt or key of the wrong length");
	}
	memcpy(u->name, f[1].p, f[1].n);
	u->h = (enum fl_scram_hash)h;
	u->cred.salt_len = (size_t)salt_len;
	u->cred.iterations = (uint32_t)iter;
	ps->nul++;
	return 0;
}

/* acl NAME OPS TYPE PREFIX */
static int
parse_acl(struct parse *ps, const struct field *f, int nf)
{
	struct fl_acl a;

	memset(&a, 0, sizeof(a));
	if (nf != 5)
		return bad(ps, "an acl line has 5 fields");
	if (!name_ok_n(f[1].p, f[1].n))
		return bad(ps, "bad principal name");
	if (parse_ops_n(f[2].p, f[2].n, &a.ops) != 0)
		return bad(ps, "bad ops (read, write, create, delete or all)");
	if (parse_type_n(f[3].p, f[3].n, &a.type) != 0)
		return bad(ps, "bad type (topic, group or cluster)");
	if (!name_ok_n(f[4].p, f[4].n) ||
	    (a.type == FL_ACL_CLUSTER && !same(f[4].p, f[4].n, "*")))
		return bad(ps, "bad prefix (cluster's is \"*\")");
	if (ps->nacls >= FL_CREDS_ACLS_MAX)
		return bad(ps, "more acl lines than flume allows");
	if (make_room((void **)&ps->acls, ps->nacls, sizeof(ps->acls[0])) != 0)
		return fl_err_set(ps->err, FL_ENOMEM, "out of memory");
	memcpy(a.name, f[1].p, f[1].n);
	memcpy(a.prefix, f[4].p, f[4].n);
	ps->acls[ps->nacls++] = a;
	return 0;
}

/* "format N": the first line, judged before any other. */
static int
parse_format(struct parse *ps, const char *p, size_t n)
{
	struct field f[NFIELDS_MAX];
	long v;
	int nf = split(p, n, f);

	if (nf != 2 || !same(f[0].p, f[0].n, "format"))
		return bad(ps, "the first line is not \"format N\"");
	if (!all_digits(&f[1]) || f[1].p[0] == '0')
		return bad(ps, "bad format number");
	/* any larger number, however long, is a newer flume's file */
	v = number(&f[1]);
	if (v < 0 || v > FL_CREDS_FORMAT)
		return fl_err_set(ps->err, FL_ERANGE,
		    "format %.*s: written by a newer flume (this one reads %d)",
		    f[1].n > 12 ? 12 : (int)f[1].n, f[1].p, FL_CREDS_FORMAT);
	return 0;
}

static int
parse_line(struct parse *ps, const char *p, size_t n)
{
	struct field f[NFIELDS_MAX];
	int nf = split(p, n, f);

	if (nf < 0)
		return bad(ps, "empty field, stray blank or too many fields");
	if (same(f[0].p, f[0].n, "user"))
		return parse_user(ps, f, nf);
	if (same(f[0].p, f[0].n, "acl"))
		return parse_acl(ps, f, nf);
	return bad(ps, "unknown line");
}

static int
uline_cmp(const void *a, const void *b)
{
	const struct uline *x = a, *y = b;
	int d = strcmp(x->name, y->name);

	return d != 0 ? d : (int)x->h - (int)y->h;
}

/* Pair the sorted user lines into users (both hashes, each once). */
static int
build_users(struct parse *ps, struct fl_creds *nc)
{
	size_t i, cap;

	if (ps->nul > 1)
		qsort(ps->ul, ps->nul, sizeof(ps->ul[0]), uline_cmp);
	cap = room_for(ps->nul / 2);
	nc->users = calloc(cap, sizeof(nc->users[0]));
	if (nc->users == NULL)
		return fl_err_set(ps->err, FL_ENOMEM, "out of memory");
	for (i = 0; i < ps->nul; i += 2) {
		const struct uline *a = &ps->ul[i], *b = i + 1 < ps->nul ? &ps->ul[i + 1] : NULL;
		struct fl_creds_user *u = &nc->users[nc->nusers];

		if (b != NULL && uline_cmp(a, b) == 0)
			return fl_err_set(ps->err, FL_ECORRUPT, "repeated user %s %s",
			    a->name, hash_names[a->h]);
		if (b == NULL || strcmp(a->name, b->name) != 0 || a->h != FL_SCRAM_SHA256)
			return fl_err_set(ps->err, FL_ECORRUPT, "user %s has no %s line",
			    a->name, hash_names[a->h == FL_SCRAM_SHA256 ? FL_SCRAM_SHA512 :
			    FL_SCRAM_SHA256]);
		if (i + 2 < ps->nul && strcmp(ps->ul[i + 2].name, a->name) == 0)
			return fl_err_set(ps->err, FL_ECORRUPT, "repeated user %s %s",
			    a->name, hash_names[ps->ul[i + 2].h]);
		memcpy(u->name, a->name, sizeof(u->name));
		u->scram[FL_SCRAM_SHA256] = a->cred;
		u->scram[FL_SCRAM_SHA512] = b->cred;
		nc->nusers++;
	}
	return 0;
}

/* Sort the acl lines; each (name, type, prefix) once, each name a user. */
static int
build_acls(struct parse *ps, struct fl_creds *nc)
{
	size_t i;

	if (ps->nacls > 1)
		qsort(ps->acls, ps->nacls, sizeof(ps->acls[0]), acl_cmp);
	for (i = 0; i < ps->nacls; i++) {
		const struct fl_acl *a = &ps->acls[i];

		if (i > 0 && acl_cmp(&ps->acls[i - 1], a) == 0)
			return fl_err_set(ps->err, FL_ECORRUPT, "repeated acl %s %s %s", a->name,
			    fl_acl_type_name(a->type), a->prefix);
		if (fl_creds_find(nc, a->name) == NULL)
			return fl_err_set(ps->err, FL_ECORRUPT, "acl for unknown user %s",
			    a->name);
	}
	nc->acls = ps->acls;
	nc->nacls = ps->nacls;
	ps->acls = NULL;
	ps->nacls = 0;
	return 0;
}

static int
parse_all(struct parse *ps, const char *p, const char *end)
{
	int rc = 0;

	for (ps->line = 1; rc == 0 && p < end; ps->line++) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl == NULL)
			return bad(ps, "no newline at its end");
		rc = ps->line == 1 ? parse_format(ps, p, (size_t)(nl - p)) :
		    parse_line(ps, p, (size_t)(nl - p));
		p = nl + 1;
	}
	if (rc == 0 && ps->line == 1)
		return fl_err_set(ps->err, FL_ECORRUPT, "empty: no \"format N\" line");
	return rc;
}

int
fl_creds_decode(struct fl_creds *c, const uint8_t *p, size_t n, struct fl_err *err)
{
	struct parse ps;
	struct fl_creds nc;
	int rc;

	memset(&ps, 0, sizeof(ps));
	ps.err = err;
	fl_creds_init(&nc);
	rc = parse_all(&ps, (const char *)p, (const char *)p + n);
	if (rc == 0)
		rc = build_users(&ps, &nc);
	if (rc == 0)
		rc = build_acls(&ps, &nc);
	if (ps.ul != NULL)
		sodium_memzero(ps.ul, ps.nul * sizeof(ps.ul[0]));
	free(ps.ul);
	free(ps.acls);
	if (rc != 0) {
		fl_creds_free(&nc);
		return rc;
	}
	fl_creds_free(c);
	*c = nc;
	return 0;
}
