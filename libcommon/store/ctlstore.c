/* ctlstore.c: the controller's durable, monotonic epoch store (ctlstore.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "store/ctlstore.h"

static const char *
why(int rc)
{
	return rc == FL_ESYS ? strerror(errno) : fl_strerror(rc);
}

int
fl_ctlstore_load(struct fl_vfs *v, const char *dir, struct fl_cmeta *st, struct fl_err *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = fl_durable_read(v, dir, FL_CTLSTORE_FILE, &data, &len);

	if (rc == FL_ENOENT) {
		fl_cmeta_free(st);
		memset(st, 0, sizeof(*st));
		return 0;
	}
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_CTLSTORE_FILE,
		    rc == FL_ECORRUPT ? "damaged (its checksum does not match): refusing it; "
		    "restore it from a copy" : why(rc));
	rc = fl_cmeta_decode(st, data, len);
	free(data);
	if (rc == FL_ERANGE)
		return fl_err_set(err, rc, "%s/%s: written by a newer flume", dir,
		    FL_CTLSTORE_FILE);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: unrecognised content", dir, FL_CTLSTORE_FILE);
	return 0;
}

int
fl_ctlstore_save(struct fl_vfs *v, const char *dir, struct fl_cmeta *cur,
    const struct fl_cmeta *next, struct fl_err *err)
{
	char reason[256];
	int rc = fl_cmeta_check_advance(cur, next, reason, sizeof(reason));

	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: refused: %s", dir, FL_CTLSTORE_FILE, reason);
	rc = fl_cmeta_save(v, dir, FL_CTLSTORE_FILE, next);
	if (rc != 0)
		return fl_err_set(err, rc, "write %s/%s: %s", dir, FL_CTLSTORE_FILE, why(rc));
	if (fl_cmeta_copy(cur, next) != 0)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	return 0;
}

int
fl_ctlstore_begin(struct fl_vfs *v, const char *dir, struct fl_cmeta *cur, int64_t *epoch,
    struct fl_err *err)
{
	struct fl_cmeta next;
	int rc = fl_ctlstore_load(v, dir, cur, err);

	if (rc != 0)
		return rc;
	memset(&next, 0, sizeof(next));
	if (fl_cmeta_copy(&next, cur) != 0)
		return fl_err_set(err, FL_ENOMEM, "out of memory");
	next.controller_epoch++;
	rc = fl_ctlstore_save(v, dir, cur, &next, err);
	fl_cmeta_free(&next);
	if (rc == 0)
		*epoch = cur->controller_epoch;
	return rc;
}

int
fl_ctlstore_load_topics(struct fl_vfs *v, const char *dir, struct fl_topic_list *l,
    struct fl_err *err)
{
	uint8_t *data = NULL;
	size_t len = 0;
	int rc = fl_durable_read(v, dir, FL_CTLSTORE_TOPICS, &data, &len);

	if (rc == FL_ENOENT) {
		fl_topic_list_free(l);
		return 0;
	}
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: %s", dir, FL_CTLSTORE_TOPICS,
		    rc == FL_ECORRUPT ? "damaged (its checksum does not match): refusing it; "
		    "restore it from a copy" : why(rc));
	rc = fl_topic_list_decode(l, data, len);
	free(data);
	if (rc != 0)
		return fl_err_set(err, rc, "%s/%s: unrecognised content (or written by a newer "
		    "flume)", dir, FL_CTLSTORE_TOPICS);
	return 0;
}

int
fl_ctlstore_save_topics(struct fl_vfs *v, const char *dir, const struct fl_topic_list *l,
    struct fl_err *err)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_topic_list_encode(l, &w);
	if (rc == 0)
		rc = fl_durable_write(v, dir, FL_CTLSTORE_TOPICS, w.p, w.len);
	fl_wr_free(&w);
	if (rc != 0)
		return fl_err_set(err, rc, "write %s/%s: %s", dir, FL_CTLSTORE_TOPICS, why(rc));
	return 0;
}

int
fl_cmeta_save(struct fl_vfs *v, const char *dir, const char *name, const struct fl_cmeta *m)
{
	struct fl_wr w;
	int rc;

	fl_wr_init(&w, FL_DURABLE_BYTES_MAX);
	rc = fl_cmeta_encode(m, &w);
	if (rc == 0)
		rc = fl_durable_write(v, dir, name, w.p, w.len);
	fl_wr_free(&w);
	return rc;
}
