/*
 * test-creds: the users file (codec/creds.h) and its store
 * (store/credstore.h): round trip, a table of damaged files, the edits,
 * the authorization rule, and load/store through the memory vfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "codec/creds.h"
#include "store/credstore.h"
#include "store/vfs.h"
#include "tap.h"

static char what[256];
#define NAMED(fmt, s) (snprintf(what, sizeof(what), (fmt), (s)), what)

static const uint8_t salt_a[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32 };
static const uint8_t salt_b[32] = { 32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19,
	18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1 };

/* A well-formed file by hand: keys need not match any password to parse. */
#define H16 "00112233445566778899aabbccddeeff"
#define H32 H16 H16
#define H64 H32 H32
#define U256(n) "user " n " sha256 4096 " H32 " " H32 " " H32 "\n"
#define U512(n) "user " n " sha512 4096 " H32 " " H64 " " H64 "\n"
#define GOOD "format 1\n" U256("alice") U512("alice") U256("bob") U512("bob") \
	"acl alice read,write topic orders-\n" "acl bob all cluster *\n"

/* 1 if s (NUL-terminated) occurs in p[0..n). */
static int
contains(const uint8_t *p, size_t n, const char *s)
{
	size_t k = strlen(s), i;

	for (i = 0; i + k <= n; i++)
		if (memcmp(p + i, s, k) == 0)
			return 1;
	return 0;
}

static int
decode_str(struct fl_creds *c, const char *s, struct fl_err *err)
{
	return fl_creds_decode(c, (const uint8_t *)s, strlen(s), err);
}

static int
add_user(struct fl_creds *c, const char *name, const char *pw)
{
	return fl_creds_user_set(c, name, pw, strlen(pw), salt_a, salt_b,
	    sizeof(salt_a), FL_SCRAM_ITER_MIN);
}

static int
same_cred(const struct fl_scram_cred *a, const struct fl_scram_cred *b, size_t klen)
{
	return a->salt_len == b->salt_len && a->iterations == b->iterations &&
	    memcmp(a->salt, b->salt, a->salt_len) == 0 &&
	    memcmp(a->stored_key, b->stored_key, klen) == 0 &&
	    memcmp(a->server_key, b->server_key, klen) == 0;
}

static int
same_creds(const struct fl_creds *a, const struct fl_creds *b)
{
	size_t i;
	int h;

	if (a->nusers != b->nusers || a->nacls != b->nacls)
		return 0;
	for (i = 0; i < a->nusers; i++) {
		if (strcmp(a->users[i].name, b->users[i].name) != 0)
			return 0;
		for (h = 0; h < FL_SCRAM_NHASH; h++)
			if (!same_cred(&a->users[i].scram[h], &b->users[i].scram[h],
			    fl_scram_len((enum fl_scram_hash)h)))
				return 0;
	}
	for (i = 0; i < a->nacls; i++)
		if (strcmp(a->acls[i].name, b->acls[i].name) != 0 ||
		    strcmp(a->acls[i].prefix, b->acls[i].prefix) != 0 ||
		    a->acls[i].ops != b->acls[i].ops || a->acls[i].type != b->acls[i].type)
			return 0;
	return 1;
}

static void
test_round_trip(void)
{
	struct fl_creds c, d;
	struct fl_err err = { 0, "" };
	uint8_t *t1, *t2;
	size_t n1, n2;

	fl_creds_init(&c);
	fl_creds_init(&d);
	CHECK_INT(add_user(&c, "zed", "pw-z"), ==, 0, "user_set zed");
	CHECK_INT(add_user(&c, "alice", "pencil"), ==, 0, "user_set alice");
	CHECK(c.nusers == 2 && strcmp(c.users[0].name, "alice") == 0, "users kept sorted");
	CHECK_INT(fl_creds_acl_add(&c, "zed", FL_ACL_READ, FL_ACL_GROUP, "g-"), ==, 0, "acl zed");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_WRITE | FL_ACL_CREATE, FL_ACL_TOPIC,
	    "orders-"), ==, 0, "acl alice");
	CHECK_INT(fl_creds_encode(&c, &t1, &n1), ==, 0, "encode");
	CHECK(n1 > 9 && memcmp(t1, "format 1\n", 9) == 0, "starts with format 1");
	CHECK_INT(fl_creds_decode(&d, t1, n1, &err), ==, 0, "decode what was encoded");
	CHECK(same_creds(&c, &d), "decode(encode(c)) equals c");
	CHECK_INT(fl_creds_encode(&d, &t2, &n2), ==, 0, "encode again");
	CHECK(n1 == n2 && memcmp(t1, t2, n1) == 0, "the same bytes");
	CHECK(!contains(t1, n1, "pencil"), "no password in the text");
	CHECK(contains(t1, n1, "acl alice write,create topic orders-\n"),
	    "ops written in their fixed order");
	free(t1);
	free(t2);

	/* hand-written, lines out of order: accepted, and encoded in order */
	CHECK_INT(decode_str(&d, "format 1\nacl bob all cluster *\n" U512("bob")
	    "acl alice read,write topic orders-\n" U256("alice") U512("alice") U256("bob"),
	    &err), ==, 0, "lines in any order after format");
	CHECK_INT(fl_creds_encode(&d, &t1, &n1), ==, 0, "encode it");
	CHECK(n1 == strlen(GOOD) && memcmp(t1, GOOD, n1) == 0, "canonical order on encode");
	free(t1);
	CHECK_INT(decode_str(&d, "format 1\n", &err), ==, 0, "no users is a valid file");
	CHECK(d.nusers == 0 && d.nacls == 0, "and holds none");
	fl_creds_free(&c);
	fl_creds_free(&d);
	fl_creds_free(&d);	/* a freed (zeroed) object frees again as a no-op */
}

static const struct {
	const char *text, *what;
	int rc;
	const char *why;	/* in the message: refused for this reason */
} damaged[] = {
	{ "", "empty file", FL_ECORRUPT, "no \"format N\"" },
	{ U256("a") U512("a"), "no format line", FL_ECORRUPT, "not \"format N\"" },
	{ "format 2\n" U256("a") U512("a"), "format 2", FL_ERANGE, "newer flume" },
	{ "format 99999999999999\nwhatever\n", "a very new format", FL_ERANGE, "newer flume" },
	{ "format 0\n", "format 0", FL_ECORRUPT, "bad format number" },
	{ "format 01\n", "format with a leading zero", FL_ECORRUPT, "bad format number" },
	{ "format x\n", "format not a number", FL_ECORRUPT, "bad format number" },
	{ "format 1\n" U256("a") U512("a") "format 1\n",
	  "a second format line", FL_ECORRUPT, "line 4: unknown line" },
	{ "format 1\nhello world\n", "unknown line", FL_ECORRUPT, "line 2: unknown line" },
	{ "format 1\n\n", "empty line", FL_ECORRUPT, "empty field" },
	{ "format 1\n" U256("a") U512("a") "junk",
	  "trailing junk without newline", FL_ECORRUPT, "no newline" },
	{ "format 1\n" U256("a") U512("a") "\n",
	  "trailing empty line", FL_ECORRUPT, "empty field" },
	{ "format 1\n" U256("a") U512("a") "acl a read topic x \n",
	  "trailing blank", FL_ECORRUPT, "stray blank" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 " " H64 "xx\n",
	  "stray bytes in a key", FL_ECORRUPT, "bad hex" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 " " H64 " \n",
	  "trailing blank on a user line", FL_ECORRUPT, "stray blank" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 "\n",
	  "a user line one field short", FL_ECORRUPT, "7 fields" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 " " H64 " x\n",
	  "a user line one field long", FL_ECORRUPT, "7 fields" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 " " H32 "zz" H32 "\n",
	  "bad hex", FL_ECORRUPT, "bad hex" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H64 " " H32 "AB" H32 "\n",
	  "uppercase hex", FL_ECORRUPT, "bad hex" },
	{ "format 1\n" U256("a") "user a sha512 4096 " H32 " " H32 " " H64 "\n",
	  "sha512 stored key of 32 bytes", FL_ECORRUPT, "wrong length" },
	{ "format 1\nuser a sha256 4096 " H32 " " H64 " " H32 "\n" U512("a"),
	  "sha256 stored key of 64 bytes", FL_ECORRUPT, "wrong length" },
	{ "format 1\nuser a sha256 4096 " H32 " " H32 "0" " " H32 "\n" U512("a"),
	  "odd number of hex digits", FL_ECORRUPT, "wrong length" },
	{ "format 1\nuser a sha256 4096 00112233 " H32 " " H32 "\n" U512("a"),
	  "salt of 4 bytes", FL_ECORRUPT, "wrong length" },
	{ "format 1\nuser a sha256 4096 " H64 "00 " H32 " " H32 "\n" U512("a"),
	  "salt of 65 bytes", FL_ECORRUPT, "wrong length" },
	{ "format 1\nuser a sha256 4095 " H32 " " H32 " " H32 "\n" U512("a"),
	  "iterations 4095", FL_ECORRUPT, "iterations" },
	{ "format 1\nuser a sha256 16385 " H32 " " H32 " " H32 "\n" U512("a"),
	  "iterations 16385", FL_ECORRUPT, "iterations" },
	{ "format 1\nuser a sha256 04096 " H32 " " H32 " " H32 "\n" U512("a"),
	  "iterations with a leading zero", FL_ECORRUPT, "iterations" },
	{ "format 1\nuser a sha256 -4096 " H32 " " H32 " " H32 "\n" U512("a"),
	  "negative iterations", FL_ECORRUPT, "iterations" },
	{ "format 1\nuser a sha1 4096 " H32 " " H32 " " H32 "\n" U512("a"),
	  "unknown hash", FL_ECORRUPT, "not sha256 or sha512" },
	{ "format 1\n" U256("a"),
	  "a user without its sha512 line", FL_ECORRUPT, "no sha512 line" },
	{ "format 1\n" U512("a"),
	  "a user without its sha256 line", FL_ECORRUPT, "no sha256 line" },
	{ "format 1\n" U256("a") U512("a") U256("a"),
	  "a repeated sha256 line", FL_ECORRUPT, "repeated user a sha256" },
	{ "format 1\n" U256("a") U512("a") U512("a"),
	  "a repeated sha512 line", FL_ECORRUPT, "repeated user a sha512" },
	{ "format 1\n" U256("a") U512("a") "acl b read topic x\n", "acl for an unknown user",
	  FL_ECORRUPT, "unknown user b" },
	{ "format 1\n" U256("a") U512("a") "acl a read topic x\nacl a write topic x\n",
	  "a repeated acl line", FL_ECORRUPT, "repeated acl a topic x" },
	{ "format 1\n" U256("a") U512("a") "acl a peek topic x\n",
	  "bad ops", FL_ECORRUPT, "bad ops" },
	{ "format 1\n" U256("a") U512("a") "acl a read,read topic x\n", "repeated op",
	  FL_ECORRUPT, "bad ops" },
	{ "format 1\n" U256("a") U512("a") "acl a read, topic x\n",
	  "empty op", FL_ECORRUPT, "bad ops" },
	{ "format 1\n" U256("a") U512("a") "acl a all,read topic x\n", "all with others",
	  FL_ECORRUPT, "bad ops" },
	{ "format 1\n" U256("a") U512("a") "acl a read table x\n",
	  "bad type", FL_ECORRUPT, "bad type" },
	{ "format 1\n" U256("a") U512("a") "acl a read cluster x\n", "cluster prefix not *",
	  FL_ECORRUPT, "bad prefix" },
	{ "format 1\n" U256("a") U512("a") "acl a read topic\n", "acl without a prefix",
	  FL_ECORRUPT, "5 fields" },
	{ "format 1\n" U256("a") U512("a") "acl a read topic x y\n",
	  "acl with a blank in the prefix",
	  FL_ECORRUPT, "5 fields" },
	{ "format 1\nuser a b sha256 4096 " H32 " " H32 " " H32 "\n", "name with a blank",
	  FL_ECORRUPT, "7 fields" },
	{ "format 1\nuser  sha256 4096 " H32 " " H32 " " H32 "\n",
	  "empty name", FL_ECORRUPT, "empty field" },
	{ "format 1\nuser a\tb sha256 4096 " H32 " " H32 " " H32 "\n"
	  "user a\tb sha512 4096 " H32 " " H64 " " H64 "\n",
	  "name with a tab", FL_ECORRUPT, "bad user name" },
	{ "format 1\r\n", "a CR before the newline", FL_ECORRUPT, "bad format number" },
};

static void
test_damaged(void)
{
	struct fl_creds c;
	struct fl_err err;
	size_t i;

	fl_creds_init(&c);
	CHECK_INT(decode_str(&c, GOOD, NULL), ==, 0, "the good file decodes");
	for (i = 0; i < FL_ARRAY_LEN(damaged); i++) {
		int rc;

		memset(&err, 0, sizeof(err));
		rc = decode_str(&c, damaged[i].text, &err);
		CHECK_INT(rc, ==, damaged[i].rc, NAMED("refused: %s", damaged[i].what));
		if (strstr(err.msg, damaged[i].why) == NULL) {
			CHECK(0, NAMED("for its reason: %s", damaged[i].what));
			printf("#   message: %s\n", err.msg);
		}
	}
	CHECK(c.nusers == 2 && c.nacls == 2, "a refused decode leaves c as it was");
	memset(&err, 0, sizeof(err));
	(void)decode_str(&c, "format 1\n" U256("a") U512("a") "acl a peek topic x\n", &err);
	CHECK(strstr(err.msg, "line 4") != NULL, "the message names the line");
	(void)decode_str(&c, "format 1\n" U256("a"), &err);
	CHECK(strstr(err.msg, "user a has no sha512 line") != NULL, "and the user");
	/* a name of 255 bytes is the longest */
	{
		char text[2048], name[FL_CREDS_NAME_MAX + 2];

		memset(name, 'n', sizeof(name));
		name[FL_CREDS_NAME_MAX] = '\0';
		snprintf(text, sizeof(text), "format 1\nuser %s sha256 4096 " H32 " " H32 " " H32
		    "\nuser %s sha512 4096 " H32 " " H64 " " H64 "\n", name, name);
		CHECK_INT(decode_str(&c, text, &err), ==, 0, "a 255-byte name");
		name[FL_CREDS_NAME_MAX] = 'n';
		name[FL_CREDS_NAME_MAX + 1] = '\0';
		snprintf(text, sizeof(text), "format 1\nuser %s sha256 4096 " H32 " " H32 " " H32
		    "\nuser %s sha512 4096 " H32 " " H64 " " H64 "\n", name, name);
		CHECK_INT(decode_str(&c, text, &err), ==, FL_ECORRUPT, "a 256-byte name");
	}
	fl_creds_free(&c);
}

static void
test_names_ops(void)
{
	char buf[FL_ACL_OPS_TEXT_MAX], big[300];
	enum fl_acl_type t;
	unsigned ops;

	CHECK(fl_creds_name_ok("alice") && fl_creds_name_ok("a@b.c,=~"), "printable names");
	CHECK(!fl_creds_name_ok("") && !fl_creds_name_ok("a b") && !fl_creds_name_ok("a\tb") &&
	    !fl_creds_name_ok("caf\xc3\xa9"), "no empty, blank, tab or non-ASCII name");
	memset(big, 'x', sizeof(big));
	big[255] = '\0';
	CHECK(fl_creds_name_ok(big), "255 bytes is a name");
	big[255] = 'x';
	big[256] = '\0';
	CHECK(!fl_creds_name_ok(big), "256 bytes is not");

	CHECK(fl_acl_parse_ops("write,read", &ops) == 0 && ops == (FL_ACL_READ | FL_ACL_WRITE),
	    "ops in any order");
	CHECK(fl_acl_parse_ops("all", &ops) == 0 && ops == FL_ACL_ALL, "all");
	CHECK(fl_acl_parse_ops("", &ops) == FL_EINVAL && fl_acl_parse_ops("read,", &ops) ==
	    FL_EINVAL && fl_acl_parse_ops("Read", &ops) == FL_EINVAL &&
	    fl_acl_parse_ops("describe", &ops) == FL_EINVAL, "bad ops refused");
	CHECK(fl_acl_parse_type("group", &t) == 0 && t == FL_ACL_GROUP &&
	    fl_acl_parse_type("topics", &t) == FL_EINVAL, "types");
	CHECK(strcmp(fl_acl_type_name(FL_ACL_CLUSTER), "cluster") == 0, "type names");
	fl_acl_format_ops(FL_ACL_DELETE | FL_ACL_READ, buf, sizeof(buf));
	CHECK(strcmp(buf, "read,delete") == 0, "format ops in order");
	fl_acl_format_ops(FL_ACL_ALL, buf, sizeof(buf));
	CHECK(strcmp(buf, "all") == 0, "format all");
	fl_acl_format_ops(FL_ACL_READ | FL_ACL_WRITE | FL_ACL_CREATE, buf, sizeof(buf));
	CHECK(strcmp(buf, "read,write,create") == 0, "the longest but one");
	fl_acl_format_ops(FL_ACL_READ | FL_ACL_WRITE, buf, 6);
	CHECK(strcmp(buf, "read") == 0, "truncates at an op, never mid-word");
}

static void
test_edits(void)
{
	struct fl_creds c;
	const struct fl_creds_user *u;
	const struct fl_acl *a;
	struct fl_scram_cred before;
	uint8_t salt[8] = { 0 };

	fl_creds_init(&c);
	CHECK_INT(add_user(&c, "bad name", "x"), ==, FL_EINVAL, "user_set: bad name");
	CHECK_INT(fl_creds_user_set(&c, "a", "x", 1, salt, salt, sizeof(salt), 4096), ==,
	    FL_EINVAL, "user_set: 8-byte salt");
	CHECK_INT(fl_creds_user_set(&c, "a", "x", 1, salt_a, salt_b, 32, 100), ==, FL_ERANGE,
	    "user_set: 100 iterations");
	CHECK(c.nusers == 0, "nothing added by refused calls");

	CHECK_INT(add_user(&c, "alice", "old"), ==, 0, "add alice");
	u = fl_creds_find(&c, "alice");
	before = u->scram[FL_SCRAM_SHA256];
	CHECK(fl_scram_cred_check(&u->scram[FL_SCRAM_SHA256], FL_SCRAM_SHA256, "old", 3) &&
	    fl_scram_cred_check(&u->scram[FL_SCRAM_SHA512], FL_SCRAM_SHA512, "old", 3),
	    "both hashes check the password");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "t-"), ==, 0, "grant");
	CHECK_INT(fl_creds_user_set(&c, "alice", "new", 3, salt_b, salt_a, 32, 8192), ==, 0,
	    "user_set again replaces");
	u = fl_creds_find(&c, "alice");
	CHECK(c.nusers == 1, "still one user");
	CHECK(!same_cred(&before, &u->scram[FL_SCRAM_SHA256], 32), "new secrets");
	CHECK(u->scram[FL_SCRAM_SHA512].iterations == 8192, "new iterations");
	CHECK(fl_scram_cred_check(&u->scram[FL_SCRAM_SHA512], FL_SCRAM_SHA512, "new", 3) &&
	    !fl_scram_cred_check(&u->scram[FL_SCRAM_SHA512], FL_SCRAM_SHA512, "old", 3),
	    "the new password works, the old one no more");
	CHECK(c.nacls == 1, "a replaced user keeps its acls");

	/* acl_add merges; acl_del revokes partly, then wholly */
	CHECK_INT(fl_creds_acl_add(&c, "nobody", FL_ACL_READ, FL_ACL_TOPIC, "t-"), ==,
	    FL_ENOENT, "acl for an unknown user");
	CHECK_INT(fl_creds_acl_add(&c, "alice", 0, FL_ACL_TOPIC, "t-"), ==, FL_EINVAL, "no ops");
	CHECK_INT(fl_creds_acl_add(&c, "alice", 16, FL_ACL_TOPIC, "t-"), ==, FL_EINVAL,
	    "unknown op bit");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_READ, FL_ACL_CLUSTER, "x"), ==,
	    FL_EINVAL, "cluster prefix other than *");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "a b"), ==,
	    FL_EINVAL, "prefix with a blank");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_WRITE, FL_ACL_TOPIC, "t-"), ==, 0,
	    "grant write on the same prefix");
	a = fl_creds_acl_find(&c, "alice", FL_ACL_TOPIC, "t-");
	CHECK(c.nacls == 1 && a != NULL && a->ops == (FL_ACL_READ | FL_ACL_WRITE),
	    "merged into one line");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_READ, FL_ACL_GROUP, "t-"), ==, 0,
	    "the same prefix on groups");
	CHECK(c.nacls == 2, "is another line");
	CHECK_INT(fl_creds_acl_del(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "t-"), ==, 0,
	    "revoke read");
	a = fl_creds_acl_find(&c, "alice", FL_ACL_TOPIC, "t-");
	CHECK(a != NULL && a->ops == FL_ACL_WRITE, "write remains");
	CHECK_INT(fl_creds_acl_del(&c, "alice", FL_ACL_ALL, FL_ACL_TOPIC, "t-"), ==, 0,
	    "revoke all");
	CHECK(fl_creds_acl_find(&c, "alice", FL_ACL_TOPIC, "t-") == NULL && c.nacls == 1,
	    "the line is gone");
	CHECK_INT(fl_creds_acl_del(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "t-"), ==, FL_ENOENT,
	    "revoking a missing line");

	/* user_del takes its acl lines along, and only its own */
	CHECK_INT(add_user(&c, "bob", "b"), ==, 0, "add bob");
	CHECK_INT(add_user(&c, "al", "b"), ==, 0, "add al (sorts before alice)");
	CHECK_INT(fl_creds_acl_add(&c, "bob", FL_ACL_READ, FL_ACL_TOPIC, "*"), ==, 0, "bob reads");
	CHECK_INT(fl_creds_acl_add(&c, "al", FL_ACL_READ, FL_ACL_TOPIC, "*"), ==, 0, "al reads");
	CHECK_INT(fl_creds_acl_add(&c, "alice", FL_ACL_ALL, FL_ACL_CLUSTER, "*"), ==, 0,
	    "alice super");
	CHECK_INT(fl_creds_user_del(&c, "alice"), ==, 0, "delete alice");
	CHECK(fl_creds_find(&c, "alice") == NULL && c.nusers == 2, "alice is gone");
	CHECK(c.nacls == 2 && strcmp(c.acls[0].name, "al") == 0 &&
	    strcmp(c.acls[1].name, "bob") == 0, "her acl lines too, the others stay");
	CHECK_INT(fl_creds_user_del(&c, "alice"), ==, FL_ENOENT, "deleting her again");
	fl_creds_free(&c);
}

/* Enough users to make the arrays grow several times: order and content survive. */
static void
test_growth(void)
{
	struct fl_creds c, d;
	struct fl_err err = { 0, "" };
	char name[32];
	uint8_t *t;
	size_t n;
	int i, ok = 1;

	fl_creds_init(&c);
	fl_creds_init(&d);
	for (i = 0; i < 40 && ok; i++) {
		snprintf(name, sizeof(name), "u%02d", (i * 7) % 40);
		ok = add_user(&c, name, "pw") == 0 &&
		    fl_creds_acl_add(&c, name, FL_ACL_READ, FL_ACL_TOPIC, name) == 0;
	}
	CHECK(ok && c.nusers == 40 && c.nacls == 40, "40 users and acls added");
	for (i = 1, ok = 1; i < 40; i++)
		ok &= strcmp(c.users[i - 1].name, c.users[i].name) < 0;
	CHECK(ok, "sorted after growth");
	for (i = 0; i < 40; i += 2) {
		snprintf(name, sizeof(name), "u%02d", i);
		ok &= fl_creds_user_del(&c, name) == 0;
	}
	CHECK(ok && c.nusers == 20 && c.nacls == 20, "half deleted");
	CHECK_INT(fl_creds_encode(&c, &t, &n), ==, 0, "encode");
	CHECK_INT(fl_creds_decode(&d, t, n, &err), ==, 0, "decode");
	CHECK(same_creds(&c, &d), "round trip after growth and deletion");
	CHECK(fl_creds_allows(&d, "u03", FL_ACL_READ, FL_ACL_TOPIC, "u03-x", 5) &&
	    !fl_creds_allows(&d, "u03", FL_ACL_READ, FL_ACL_TOPIC, "u05", 3), "acls intact");
	free(t);
	fl_creds_free(&c);
	fl_creds_free(&d);
}

#define ALLOWS(c, who, op, type, res) fl_creds_allows((c), (who), (op), (type), (res), strlen(res))

static void
test_allows(void)
{
	struct fl_creds c;
	struct fl_err err = { 0, "" };
	struct fl_scram_cred sc;

	fl_creds_init(&c);
	FL_ASSERT(decode_str(&c, "format 1\n" U256("alice") U512("alice") U256("bob")
	    U512("bob") U256("carol") U512("carol") U256("repl") U512("repl")
	    "acl alice read,write topic orders-\n"
	    "acl alice read group *\n"
	    "acl bob read topic *\n"
	    "acl carol write topic o\n"
	    "acl carol read topic orders\n"
	    "acl repl write cluster *\n", &err) == 0);
	CHECK(ALLOWS(&c, "alice", FL_ACL_WRITE, FL_ACL_TOPIC, "orders-eu"), "prefix match");
	CHECK(ALLOWS(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "orders-"), "prefix equal to name");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "orders"), "shorter name: no");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "payments"), "other prefix: no");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_CREATE, FL_ACL_TOPIC, "orders-eu"), "op not granted");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_DELETE, FL_ACL_TOPIC, "orders-eu"), "delete not granted");
	CHECK(ALLOWS(&c, "alice", FL_ACL_READ, FL_ACL_GROUP, "any-group"), "* on groups");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_WRITE, FL_ACL_GROUP, "any-group"), "but only read");
	CHECK(!ALLOWS(&c, "alice", FL_ACL_READ, FL_ACL_CLUSTER, "x"), "not cluster");
	CHECK(ALLOWS(&c, "bob", FL_ACL_READ, FL_ACL_TOPIC, "anything"), "* is every topic");
	CHECK(!ALLOWS(&c, "bob", FL_ACL_READ, FL_ACL_GROUP, "g"), "topics are not groups");
	CHECK(!ALLOWS(&c, "carol", FL_ACL_READ | FL_ACL_WRITE, FL_ACL_TOPIC, "orders"),
	    "two ops from two lines do not make one grant");
	CHECK(ALLOWS(&c, "carol", FL_ACL_WRITE, FL_ACL_TOPIC, "orders"), "either line alone");
	CHECK(!ALLOWS(&c, "alice", 0, FL_ACL_TOPIC, "orders-x"), "op 0 is no op");
	CHECK(!ALLOWS(&c, "mallory", FL_ACL_READ, FL_ACL_TOPIC, "orders-eu"), "unknown: no");
	CHECK(fl_creds_allows(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "orders-eu", 7) &&
	    !fl_creds_allows(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "orders-eu", 6),
	    "the resource is len bytes, not NUL-terminated");

	CHECK(fl_creds_describes(&c, "carol", FL_ACL_TOPIC, "orders", 6), "describe with any op");
	CHECK(fl_creds_describes(&c, "carol", FL_ACL_TOPIC, "other", 5), "o is a prefix of other");
	CHECK(!fl_creds_describes(&c, "carol", FL_ACL_TOPIC, "payments", 8), "no line: no");
	CHECK(!fl_creds_describes(&c, "carol", FL_ACL_GROUP, "orders", 6), "other type: no");

	CHECK(fl_creds_super(&c, "repl") && !fl_creds_super(&c, "alice") &&
	    !fl_creds_super(&c, "mallory"), "super: only a cluster grant");
	CHECK(fl_creds_writes_any(&c, "alice") && fl_creds_writes_any(&c, "carol") &&
	    fl_creds_writes_any(&c, "repl"), "writes_any: a topic write line, or super");
	CHECK(!fl_creds_writes_any(&c, "bob") && !fl_creds_writes_any(&c, "mallory"),
	    "writes_any: read only, or unknown: no");
	CHECK(ALLOWS(&c, "repl", FL_ACL_DELETE, FL_ACL_TOPIC, "orders") &&
	    ALLOWS(&c, "repl", FL_ACL_READ, FL_ACL_GROUP, "g") &&
	    ALLOWS(&c, "repl", FL_ACL_CREATE, FL_ACL_CLUSTER, "x") &&
	    fl_creds_describes(&c, "repl", FL_ACL_TOPIC, "t", 1),
	    "a super user may do everything");

	CHECK(fl_creds_lookup(&c, "bob", FL_SCRAM_SHA256, &sc) == 0 && sc.iterations == 4096 &&
	    sc.salt_len == 32, "lookup finds sha256");
	CHECK(fl_creds_lookup(&c, "bob", FL_SCRAM_SHA512, &sc) == 0 &&
	    sc.stored_key[63] == 0xff, "lookup finds sha512 (64-byte keys)");
	CHECK_INT(fl_creds_lookup(&c, "nobody", FL_SCRAM_SHA256, &sc), ==, FL_ENOENT,
	    "lookup of an unknown user");
	CHECK_INT(fl_creds_lookup(&c, "bob", (enum fl_scram_hash)2, &sc), ==, FL_ENOENT,
	    "lookup of an unknown hash");
	fl_creds_free(&c);
}

static void
test_store(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();
	struct fl_creds c, d;
	struct fl_err err = { 0, "" };
	struct fl_file *f;
	uint64_t size;
	int rc;

	fl_creds_init(&c);
	fl_creds_init(&d);
	FL_ASSERT(v != NULL && fl_vfs_mkdir(v, "/d") == 0 && fl_vfs_sync_dir(v, "/") == 0);
	rc = fl_credstore_load(v, "/d", &d, &err);
	CHECK_INT(rc, ==, FL_ENOENT, "no file: FL_ENOENT");
	CHECK(strstr(err.msg, "/d/users") != NULL, "naming the file");

	FL_ASSERT(add_user(&c, "alice", "pencil") == 0);
	FL_ASSERT(fl_creds_acl_add(&c, "alice", FL_ACL_READ, FL_ACL_TOPIC, "*") == 0);
	/* a temp file a crash left behind is replaced, not reused */
	FL_ASSERT(fl_vfs_open(v, "/d/users.tmp", FL_VFS_CREATE, &f) == 0);
	FL_ASSERT(fl_vfs_pwrite(f, "stale stale stale stale stale stale stale", 41, 0) == 0);
	fl_vfs_close(f);
	CHECK_INT(fl_credstore_store(v, "/d", &c, &err), ==, 0, "store");
	CHECK_INT(fl_vfs_stat(v, "/d/users.tmp", NULL, NULL), ==, FL_ENOENT,
	    "no temp file left");
	fl_vfs_mem_crash(v, 3);
	CHECK_INT(fl_credstore_load(v, "/d", &d, &err), ==, 0, "load after a crash");
	CHECK(same_creds(&c, &d), "what was stored");

	FL_ASSERT(fl_vfs_stat(v, "/d/users", NULL, &size) == 0);
	FL_ASSERT(fl_vfs_mem_corrupt(v, "/d/users", size - 5, 1, 42) == 0);
	memset(&err, 0, sizeof(err));
	CHECK_INT(fl_credstore_load(v, "/d", &d, &err), ==, FL_ECORRUPT, "damaged trailer");
	CHECK(strstr(err.msg, "/d/users: damaged") != NULL, "names the file");
	CHECK(same_creds(&c, &d), "the refused load left d as it was");

	FL_ASSERT(fl_durable_write(v, "/d", "users", "format 1\nbogus\n", 16) == 0);
	CHECK_INT(fl_credstore_load(v, "/d", &d, &err), ==, FL_ECORRUPT, "damaged content");
	CHECK(strstr(err.msg, "/d/users: line 2: unknown line") != NULL, "names file and line");
	FL_ASSERT(fl_durable_write(v, "/d", "users", "format 2\n", 9) == 0);
	CHECK_INT(fl_credstore_load(v, "/d", &d, &err), ==, FL_ERANGE, "newer format");
	CHECK(strstr(err.msg, "newer flume") != NULL, "says so");

	fl_vfs_mem_fail(v, FL_VFS_MEM_SYNC, 1, 5 /* EIO */);
	CHECK_INT(fl_credstore_store(v, "/d", &c, &err), ==, FL_ESYS, "a failing disk");
	CHECK(strstr(err.msg, "write /d/users") != NULL, "is reported");
	fl_vfs_mem_fail(v, FL_VFS_MEM_SYNC, 0, 0);

	fl_creds_free(&c);
	fl_creds_free(&d);
	fl_vfs_mem_free(v);
}

int
main(void)
{
	if (fl_csum_init() != 0)
		return 1;
	test_round_trip();
	test_damaged();
	test_names_ops();
	test_edits();
	test_growth();
	test_allows();
	test_store();
	return tap_done();
}
