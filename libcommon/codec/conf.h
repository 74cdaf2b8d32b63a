/*
 * conf.h: "key = value" configuration text and the typed value parsers
 * every daemon shares, so a setting means the same on the command line
 * and in a file.
 *
 * File syntax, one setting per line:
 *   # comment            (also after a value: "port = 1 # note")
 *   key = value          (blanks around key, '=' and value are ignored)
 *   key = "quoted value" (keeps blanks and '#'; no escapes)
 * Blank lines are ignored.  Keys are normalised by fl_conf_key_norm() so
 * "num.partitions", "num_partitions" and "num-partitions" are one key.
 * A line without '=' or with an empty key is an error naming the line.
 *
 * Ownership: fl_conf_parse() hands the callback NUL-terminated copies in a
 * caller-visible scratch buffer; they are valid only during the call.
 * Errors: 0 or negative FL_E*; a struct fl_err gets "line N: why".
 * Pure: no I/O, no allocation, no globals.
 * Layer: codec (may include base/ and codec/; pure: no system calls).
 */
#ifndef FL_CONF_H
#define FL_CONF_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

#define FL_CONF_LINE_BYTES_MAX 4096	/* longer lines are an error */

/*
 * Called once per setting with the normalised key, the value and the
 * 1-based line number.  Return 0 to go on or a negative FL_E* to stop
 * (fl_conf_parse returns it).  A message the callback puts in err gets
 * "line N: " in front; without one, err says "line N: bad value for KEY".
 */
typedef int (*fl_conf_fn)(void *arg, const char *key, const char *value,
    unsigned line, struct fl_err *err);

/* Parse text[0..len) and call fn per setting, in file order. */
int fl_conf_parse(const char *text, size_t len, fl_conf_fn fn, void *arg,
    struct fl_err *err);

/*
 * Normalise a key in place: ASCII lower case, '.' and '_' become '-'.
 * Returns key.
 */
char *fl_conf_key_norm(char *key);

/*
 * Unsigned decimal in [min, max]; an optional suffix k, m, g (powers of
 * 1024) when allow_suffix.  FL_EINVAL for junk, FL_ERANGE outside.
 */
int fl_conf_u64(const char *s, uint64_t min, uint64_t max, int allow_suffix,
    uint64_t *out);
/* Signed decimal in [min, max]; FL_EINVAL / FL_ERANGE. */
int fl_conf_i64(const char *s, int64_t min, int64_t max, int64_t *out);
/* true/false, yes/no, on/off, 1/0 (any case); FL_EINVAL otherwise. */
int fl_conf_bool(const char *s, int *out);

/*
 * "HOST:PORT" or "[V6HOST]:PORT": host copied into host[hostlen] (NUL
 * terminated, may be empty for "any"), port in 0..65535.  FL_EINVAL for a
 * missing colon or bad port, FL_ERANGE when the host does not fit.
 */
int fl_conf_hostport(const char *s, char *host, size_t hostlen, uint16_t *port);

#endif
