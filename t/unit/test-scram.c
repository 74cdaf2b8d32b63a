/*
 * test-scram: SCRAM's cryptography against known answers.  The SHA-256
 * case is RFC 7677 §3's example (user "user", password "pencil", its salt
 * and 4096 iterations); the expected keys were computed with Python's
 * hashlib.pbkdf2_hmac and hmac, an implementation independent of ours.
 */
#include <string.h>

#include "base/csum.h"
#include "base/scram.h"
#include "tap.h"

static char what[128];
#define NAMED(h, s) (snprintf(what, sizeof(what), "%s: %s", fl_scram_mech(h), (s)), what)

/* base64 "W22ZaJ0SNY7soEsUEjb6gQ==" */
static const uint8_t salt[16] = {
	0x5b, 0x6d, 0x99, 0x68, 0x9d, 0x12, 0x35, 0x8e,
	0xec, 0xa0, 0x4b, 0x14, 0x12, 0x36, 0xfa, 0x81
};

static const struct {
	enum fl_scram_hash h;
	const char *salted, *stored, *server;
} known[] = {
	{ FL_SCRAM_SHA256,
	  "c4a49510323ab4f952cac1fa99441939e78ea74d6be81ddf7096e87513dc615d",
	  "586e5df283e6dceb5c3e791d8b8528ec191e664045ce971792e2e6b5bb13e2a6",
	  "c1f3cbc1c13a9d35a14c0990eed97629ea225863e566a4314ab99f3f00e5d9d5" },
	{ FL_SCRAM_SHA512,
	  "f16efe1be67f1d09502ebd5ed9262fddffba5a377ab4f0b687e5ed5ba0f50686"
	  "b8a4ae166476da8ab3b951d2fa9238b63998f45461bc33a464814949cec9631d",
	  "e8002e6f7d3ae446119b216933644dc2a2be7869eb918b8459b5e7d7d2ec1260"
	  "6aceef106825cd735170a675fd3611f684affad1dce3f43a0ee43bd590e1dbbe",
	  "8d91db6230b5687874fe129bc7206e1858c3ae08e02934f57ac03b6b05a229c4"
	  "59d28ff46f5c9611e6c179256490215ec1ff759cb0df285db89af0f99e613aac" },
};

static int
hex_is(const uint8_t *p, size_t n, const char *want)
{
	char got[2 * FL_SCRAM_KEY_MAX + 1];

	fl_hex(got, p, n);
	return strcmp(got, want) == 0;
}

int
main(void)
{
	uint8_t salted[FL_SCRAM_KEY_MAX], stored[FL_SCRAM_KEY_MAX];
	uint8_t server[FL_SCRAM_KEY_MAX];
	struct fl_scram_cred c;
	size_t k;

	if (fl_csum_init() != 0)
		return 1;
	for (k = 0; k < FL_ARRAY_LEN(known); k++) {
		enum fl_scram_hash h = known[k].h;
		size_t len = fl_scram_len(h);

		CHECK(fl_scram_salted(h, "pencil", 6, salt, sizeof(salt), 4096,
		    salted) == 0, NAMED(h, "Hi() runs"));
		CHECK(hex_is(salted, len, known[k].salted), NAMED(h, "salted password"));
		fl_scram_keys(h, salted, NULL, stored, server);
		CHECK(hex_is(stored, len, known[k].stored), NAMED(h, "stored key"));
		CHECK(hex_is(server, len, known[k].server), NAMED(h, "server key"));
		CHECK(fl_scram_cred_make(&c, h, "pencil", 6, salt, sizeof(salt),
		    4096) == 0 && hex_is(c.stored_key, len, known[k].stored) &&
		    hex_is(c.server_key, len, known[k].server) && c.iterations == 4096 &&
		    c.salt_len == sizeof(salt), NAMED(h, "cred_make"));
		CHECK(fl_scram_cred_check(&c, h, "pencil", 6), NAMED(h, "right password"));
		CHECK(!fl_scram_cred_check(&c, h, "pencil!", 7) &&
		    !fl_scram_cred_check(&c, h, "pencil", 5) &&
		    !fl_scram_cred_check(&c, h, "", 0), NAMED(h, "wrong passwords"));
	}
	CHECK(fl_scram_salted(FL_SCRAM_SHA256, "p", 1, salt, 16, 4095, salted) ==
	    FL_ERANGE, "too few iterations refused");
	CHECK(fl_scram_salted(FL_SCRAM_SHA256, "p", 1, salt, 16, FL_SCRAM_ITER_MAX + 1,
	    salted) == FL_ERANGE, "too many iterations refused");
	CHECK(fl_scram_cred_make(&c, FL_SCRAM_SHA256, "p", 1, salt, 0, 4096) ==
	    FL_EINVAL, "empty salt refused");
	CHECK(strcmp(fl_scram_mech(FL_SCRAM_SHA512), "SCRAM-SHA-512") == 0 &&
	    fl_scram_len(FL_SCRAM_SHA512) == 64 && fl_scram_len(FL_SCRAM_SHA256) == 32,
	    "names and lengths");
	return tap_done();
}
