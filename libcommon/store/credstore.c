/* credstore.c: DIR/users on disk, through the vfs. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "store/credstore.h"

static const char *
why(int rc)
{
	return rc == FL_ESYS ? strerror(errno) : fl_strerror(rc);
}

int
fl_credstore_load(struct fl_vfs *v, const char *dir, struct fl_creds *c,
    struct fl_err *err)
{
	struct fl_err derr = { 0, "" };
	uint8_t *data;
	size_t len;
	int rc = fl_durable_read(v, dir, FL_CREDS_FILE, &data, &len);

	if (rc == FL_ENOENT)
		return fl_err_set(err, rc, "%s/%s: no such file", dir, FL_CREDS_FILE);
	if (rc == FL_ECORRUPT)
		return fl_err_set(err, rc, "%s/%s: damaged (its checksum does not match)",
		    dir, FL_CREDS_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_CREDS_FILE, why(rc));
	rc = fl_creds_decode(c, data, len, &derr);
	sodium_memzero(data, len);
	free(data);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_CREDS_FILE,
		    derr.code != 0 ? derr.msg : fl_strerror(rc));
	return 0;
}

/*
 * A USERS.tmp left by a crash keeps whatever mode it had (fl_durable_write
 * opens it without O_EXCL): remove it, so the file written is a new one,
 * created 0600.  The caller's lock means no other writer is using it.
 */
static int
drop_stale_tmp(struct fl_vfs *v, const char *dir, struct fl_err *err)
{
	char tmp[4200];
	int k = snprintf(tmp, sizeof(tmp), "%s/%s.tmp", dir, FL_CREDS_FILE), rc;

	if (k < 0 || (size_t)k >= sizeof(tmp))
		return fl_err_set(err, FL_ERANGE, "%s: path too long", dir);
	rc = fl_vfs_unlink(v, tmp);
	if (rc != 0 && rc != FL_ENOENT)
		return fl_err_set(err, rc, "remove %s: %s", tmp, why(rc));
	return 0;
}

int
fl_credstore_store(struct fl_vfs *v, const char *dir, const struct fl_creds *c,
    struct fl_err *err)
{
	uint8_t *text;
	size_t len;
	int rc = fl_creds_encode(c, &text, &len), e;

	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_CREDS_FILE, why(rc));
	if (len > FL_DURABLE_BYTES_MAX)
		rc = fl_err_set(err, FL_ERANGE,
		    "%s/%s: %zu bytes, more than the %u a file may have",
		    dir, FL_CREDS_FILE, len, FL_DURABLE_BYTES_MAX);
	if (rc == 0)
		rc = drop_stale_tmp(v, dir, err);
	if (rc == 0) {
		rc = fl_durable_write(v, dir, FL_CREDS_FILE, text, len);
		if (rc != 0)
			fl_err_set(err, rc, "write %s/%s: %s", dir, FL_CREDS_FILE, why(rc));
	}
	e = errno;	/* kept for the caller after FL_ESYS */
	sodium_memzero(text, len);
	free(text);
	errno = e;
	return rc;
}
