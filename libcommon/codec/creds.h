/*
 * creds.h: the users and ACLs of a data directory (the `users` file):
 * who may authenticate (SCRAM secrets only: salt, iterations, stored key,
 * server key, for SHA-256 and SHA-512; never a password) and what each
 * principal may do.  Text, one record per line, stored with
 * fl_durable_write (BLAKE2b trailer) by store/credstore.h:
 *
 *   format 1
 *   user NAME HASH ITERATIONS SALT_HEX STORED_HEX SERVER_HEX
 *   acl NAME OPS TYPE PREFIX
 *
 * "format N" is the first line (so a newer file is known as one before
 * its lines are judged); fields are separated by one blank; every line
 * ends with '\n'.  Hex is lowercase; the salt is FL_CREDS_SALT_MIN..
 * FL_SCRAM_SALT_MAX bytes, each key exactly fl_scram_len(HASH) bytes;
 * ITERATIONS is decimal without leading zeros in [FL_SCRAM_ITER_MIN,
 * FL_SCRAM_ITER_MAX].  The encoder writes users sorted by name (sha256
 * line, then sha512), then acl lines sorted by (name, type, prefix); the
 * decoder takes lines in any order after the format line.
 *
 * HASH is sha256 or sha512; every user has both.  NAME is 1..255 bytes of
 * printable ASCII without blanks (0x21-0x7e).  OPS is a ','-list of read,
 * write, create, delete (or all); TYPE is topic, group or cluster; PREFIX
 * is a name prefix of the same characters as NAME ("*" alone means every
 * name, otherwise '*' is an ordinary byte; cluster's is always "*").
 * A grant on cluster makes the principal a super user (replication,
 * every topic and group): what followers use.
 *
 * Authorization (fl_creds_allows): a principal may do op on a resource if
 * some acl line of its names the op and its prefix begins the resource's
 * name, or it holds a cluster grant.  No line: denied (Kafka's default
 * with an authorizer).  Describe (Metadata, ListOffsets) needs any op.
 *
 * The decoder is strict (unknown line, bad field, repeated user/hash or
 * acl, a user without both hashes, an acl for an unknown user:
 * FL_ECORRUPT; a newer format: FL_ERANGE) and bounded (FL_CREDS_USERS_MAX,
 * FL_CREDS_ACLS_MAX; more is FL_ECORRUPT too: no writer makes it).
 * Invariants: users sorted by name, names unique; acls sorted by (name,
 * type, prefix), each triple once, each name a user's, ops never 0.
 * Ownership: struct fl_creds owns its arrays; fl_creds_free.  Arrays grow
 * by copy, never realloc, so no stale copy of a secret is left unwiped.
 * Pure (malloc, and libsodium for wiping).
 * Layer: codec.  Errors: 0 or FL_E*, with a message in err where given.
 */
#ifndef FL_CREDS_H
#define FL_CREDS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/scram.h"

#define FL_CREDS_FILE "users"
#define FL_CREDS_FORMAT 1
#define FL_CREDS_NAME_MAX 255
#define FL_CREDS_USERS_MAX 10000
#define FL_CREDS_ACLS_MAX 100000
#define FL_CREDS_SALT_MIN 16		/* bytes of salt, at least (flume makes 32) */

enum fl_acl_op {
	FL_ACL_READ = 1,
	FL_ACL_WRITE = 2,
	FL_ACL_CREATE = 4,
	FL_ACL_DELETE = 8
};
#define FL_ACL_ALL 15u

enum fl_acl_type {
	FL_ACL_TOPIC = 0,
	FL_ACL_GROUP = 1,
	FL_ACL_CLUSTER = 2
};

struct fl_creds_user {
	char name[FL_CREDS_NAME_MAX + 1];
	struct fl_scram_cred scram[FL_SCRAM_NHASH];	/* [enum fl_scram_hash] */
};

struct fl_acl {
	char name[FL_CREDS_NAME_MAX + 1];	/* the principal */
	unsigned ops;				/* FL_ACL_* bits */
	enum fl_acl_type type;
	char prefix[FL_CREDS_NAME_MAX + 1];	/* "*": all */
};

struct fl_creds {
	struct fl_creds_user *users;
	size_t nusers;
	struct fl_acl *acls;
	size_t nacls;
};

void fl_creds_init(struct fl_creds *c);
void fl_creds_free(struct fl_creds *c);	/* wipes the secrets, then frees */

/*
 * Parse the file text (trailer already checked and removed) into c: on
 * success c's old content is freed and replaced; on failure c is as it
 * was and err says which line or name is wrong.  0, FL_ECORRUPT,
 * FL_ERANGE (a newer format), FL_ENOMEM.
 */
int fl_creds_decode(struct fl_creds *c, const uint8_t *p, size_t n,
    struct fl_err *err);
/*
 * The file text; *out malloc'd (caller frees; it holds the secrets, so
 * sodium_memzero it first).  0 or FL_ENOMEM.
 */
int fl_creds_encode(const struct fl_creds *c, uint8_t **out, size_t *len);

/* 1 if name is a valid user or principal name (also the rule for a PREFIX). */
int fl_creds_name_ok(const char *name);
/* The user called name, or NULL; borrowed until c next changes. */
const struct fl_creds_user *fl_creds_find(const struct fl_creds *c, const char *name);
/*
 * An fl_sasl_lookup_fn (sm/sasl.h); arg is a const struct fl_creds *.
 * Copies the user's secrets for h into *out: 0, or FL_ENOENT.
 */
int fl_creds_lookup(void *arg, const char *user, enum fl_scram_hash h,
    struct fl_scram_cred *out);

/*
 * Add or replace a user: the secrets for both hashes from password and
 * the two salts (FL_CREDS_SALT_MIN..FL_SCRAM_SALT_MAX bytes each, the
 * caller's randomness).  A replaced user keeps its acl lines.  0,
 * FL_EINVAL (bad name or salt length), FL_ERANGE (iterations), FL_EFULL,
 * FL_ENOMEM; c is unchanged on failure.
 */
int fl_creds_user_set(struct fl_creds *c, const char *name,
    const char *password, size_t plen, const uint8_t *salt256,
    const uint8_t *salt512, size_t slen, uint32_t iterations);
/* Remove a user and its acl lines: 0 or FL_ENOENT. */
int fl_creds_user_del(struct fl_creds *c, const char *name);

/* Parse "read,write" / "all" → bits; "topic"/"group"/"cluster" → type.  0 or FL_EINVAL. */
int fl_acl_parse_ops(const char *s, unsigned *ops);
int fl_acl_parse_type(const char *s, enum fl_acl_type *t);
const char *fl_acl_type_name(enum fl_acl_type t);
/*
 * "read,write,..." of ops into buf[n] (in that order; "all" for all
 * four: what the encoder writes).  FL_ACL_OPS_TEXT_MAX bytes always fit.
 */
#define FL_ACL_OPS_TEXT_MAX 24
void fl_acl_format_ops(unsigned ops, char *buf, size_t n);
/*
 * Grant ops on (type, prefix) to name (a known user): merges with an
 * existing line of the same (name, type, prefix).  0, FL_ENOENT (no such
 * user), FL_EINVAL (no op, an unknown bit, a bad type or prefix, a
 * cluster prefix other than "*"), FL_EFULL, FL_ENOMEM.
 */
int fl_creds_acl_add(struct fl_creds *c, const char *name, unsigned ops,
    enum fl_acl_type type, const char *prefix);
/* Revoke ops from that line (the line goes when no op is left): 0 or FL_ENOENT. */
int fl_creds_acl_del(struct fl_creds *c, const char *name, unsigned ops,
    enum fl_acl_type type, const char *prefix);
/* The line of (name, type, prefix), or NULL; borrowed until c next changes. */
const struct fl_acl *fl_creds_acl_find(const struct fl_creds *c, const char *name,
    enum fl_acl_type type, const char *prefix);

/*
 * 1 if name may do op (one FL_ACL_* bit; with several, one line must
 * grant them all) on the (type, resource[0..len)) by the rule above.
 */
int fl_creds_allows(const struct fl_creds *c, const char *name, unsigned op,
    enum fl_acl_type type, const char *resource, size_t len);
/* 1 if name may do anything on it (Kafka's DESCRIBE). */
int fl_creds_describes(const struct fl_creds *c, const char *name,
    enum fl_acl_type type, const char *resource, size_t len);
/* 1 if name holds a cluster grant. */
int fl_creds_super(const struct fl_creds *c, const char *name);
/*
 * 1 if name may write to some topic, or is a super user: what an
 * idempotent producer needs for InitProducerId (Kafka's KIP-679 rule).
 */
int fl_creds_writes_any(const struct fl_creds *c, const char *name);

#endif
