/*
 * fuzz-creds.c: libFuzzer target for codec/creds (the users file, read at
 * every start with --sasl and on every change): whatever the bytes, the
 * decoder answers 0 or a documented error; what it accepts is within the
 * limits, encodes, and decodes again to the same text (a fixed point), and
 * the authorization queries run on it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/csum.h"
#include "codec/creds.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	struct fl_creds c, d;
	struct fl_err err = { 0 };
	uint8_t *t1 = NULL, *t2 = NULL;
	size_t n1, n2, i;
	int rc;

	if (!ready) {
		if (fl_csum_init() != 0)
			abort();
		ready = 1;
	}
	fl_creds_init(&c);
	rc = fl_creds_decode(&c, data, size, &err);
	if (rc != 0) {
		if (rc != FL_ECORRUPT && rc != FL_ERANGE && rc != FL_ENOMEM)
			abort();
		fl_creds_free(&c);
		return 0;
	}
	if (c.nusers > FL_CREDS_USERS_MAX || c.nacls > FL_CREDS_ACLS_MAX)
		abort();
	for (i = 0; i < c.nacls; i++) {
		const struct fl_acl *a = &c.acls[i];

		(void)fl_creds_allows(&c, a->name, FL_ACL_READ, a->type, a->prefix,
		    strlen(a->prefix));
		(void)fl_creds_describes(&c, a->name, a->type, "x", 1);
		(void)fl_creds_super(&c, a->name);
	}
	if (fl_creds_encode(&c, &t1, &n1) != 0)
		abort();
	fl_creds_init(&d);
	if (fl_creds_decode(&d, t1, n1, &err) != 0 || fl_creds_encode(&d, &t2, &n2) != 0 ||
	    n1 != n2 || memcmp(t1, t2, n1) != 0)
		abort();
	free(t1);
	free(t2);
	fl_creds_free(&d);
	fl_creds_free(&c);
	return 0;
}
