/*
 * test-vfs.c: the crashable memory disk keeps exactly what was made
 * durable; listing order; durable small files on both backends (the real
 * one under a private mkdtemp directory, removed at the end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/csum.h"
#include "base/err.h"
#include "os/vfs_real.h"
#include "store/vfs.h"
#include "tap.h"

/* Write s at off (no sync). */
static int
put(struct fl_vfs *v, const char *path, const char *s, uint64_t off)
{
	struct fl_file *f;
	int rc = fl_vfs_open(v, path, FL_VFS_CREATE, &f);

	if (rc != 0)
		return rc;
	rc = fl_vfs_pwrite(f, s, strlen(s), off);
	fl_vfs_close(f);
	return rc;
}

/* Write s at off and fsync the file (not its directory). */
static int
put_sync(struct fl_vfs *v, const char *path, const char *s, uint64_t off)
{
	struct fl_file *f;
	int rc = fl_vfs_open(v, path, FL_VFS_CREATE, &f);

	if (rc != 0)
		return rc;
	rc = fl_vfs_pwrite(f, s, strlen(s), off);
	if (rc == 0)
		rc = fl_vfs_sync(f);
	fl_vfs_close(f);
	return rc;
}

/* The file's whole content as a NUL-terminated string in buf, or NULL. */
static const char *
get(struct fl_vfs *v, const char *path, char *buf, size_t cap)
{
	struct fl_file *f;
	uint64_t size;
	const char *res = NULL;

	if (fl_vfs_open(v, path, FL_VFS_RDONLY, &f) != 0)
		return NULL;
	if (fl_vfs_size(f, &size) == 0 && size < cap &&
	    fl_vfs_pread_full(f, buf, (size_t)size, 0) == 0) {
		buf[size] = '\0';
		res = buf;
	}
	fl_vfs_close(f);
	return res;
}

static int
streq(const char *a, const char *b)
{
	return a != NULL && strcmp(a, b) == 0;
}

/* A fresh memory disk with a durable directory /d. */
static struct fl_vfs *
mem_with_dir(void)
{
	struct fl_vfs *v = fl_vfs_mem_new();

	FL_ASSERT(v != NULL);
	FL_ASSERT(fl_vfs_mkdir(v, "/d") == 0);
	FL_ASSERT(fl_vfs_sync_dir(v, "/") == 0);
	return v;
}

static void
test_mem_crash(void)
{
	struct fl_vfs *v = mem_with_dir();
	char buf[256];
	int is_dir = -1;
	uint64_t size;

	/* a durable, empty file */
	CHECK_INT(put_sync(v, "/d/a", "", 0), ==, 0, "mem: create /d/a");
	CHECK_INT(fl_vfs_sync_dir(v, "/d"), ==, 0, "mem: sync_dir /d");
	CHECK_INT(put(v, "/d/a", "unsynced", 0), ==, 0, "mem: write without sync");
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "unsynced"), "mem: visible before the crash");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), ""), "mem: unsynced bytes lost by the crash");

	CHECK_INT(put_sync(v, "/d/a", "synced", 0), ==, 0, "mem: write + sync");
	CHECK_INT(put(v, "/d/a", "-tail", 6), ==, 0, "mem: then an unsynced append");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "synced"), "mem: synced bytes survive, the append does not");

	/* overwrite of synced bytes without sync reverts */
	CHECK_INT(put(v, "/d/a", "XY", 0), ==, 0, "mem: unsynced overwrite");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "synced"), "mem: unsynced overwrite reverts");

	/* truncate without sync reverts too */
	{
		struct fl_file *f;

		FL_ASSERT(fl_vfs_open(v, "/d/a", 0, &f) == 0);
		CHECK_INT(fl_vfs_truncate(f, 2), ==, 0, "mem: truncate");
		CHECK(fl_vfs_size(f, &size) == 0 && size == 2, "mem: truncated size");
		fl_vfs_close(f);
	}
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "synced"), "mem: unsynced truncate reverts");

	/* a created file whose directory was not synced vanishes, bytes synced or not */
	CHECK_INT(put_sync(v, "/d/new", "data", 0), ==, 0, "mem: create /d/new, sync its bytes");
	CHECK_INT(fl_vfs_stat(v, "/d/new", &is_dir, &size), ==, 0, "mem: /d/new exists");
	CHECK(is_dir == 0 && size == 4, "mem: stat is_dir 0, size 4");
	fl_vfs_mem_crash(v, 0);
	CHECK_INT(fl_vfs_stat(v, "/d/new", NULL, NULL), ==, FL_ENOENT,
	    "mem: file created without sync_dir vanishes on crash");

	/* ... and a directory whose parent was not synced, with everything in it */
	CHECK_INT(fl_vfs_mkdir(v, "/d/sub"), ==, 0, "mem: mkdir /d/sub");
	CHECK_INT(fl_vfs_mkdir(v, "/d/sub"), ==, 0, "mem: mkdir of an existing dir is fine");
	CHECK_INT(put_sync(v, "/d/sub/x", "x", 0), ==, 0, "mem: file in /d/sub");
	CHECK_INT(fl_vfs_sync_dir(v, "/d/sub"), ==, 0, "mem: sync_dir /d/sub only");
	fl_vfs_mem_crash(v, 0);
	CHECK_INT(fl_vfs_stat(v, "/d/sub", NULL, NULL), ==, FL_ENOENT,
	    "mem: directory not synced in its parent vanishes");

	/* rename without sync_dir reverts */
	CHECK_INT(put_sync(v, "/d/b", "bee", 0), ==, 0, "mem: create /d/b");
	CHECK_INT(fl_vfs_sync_dir(v, "/d"), ==, 0, "mem: sync_dir");
	CHECK_INT(fl_vfs_rename(v, "/d/b", "/d/a"), ==, 0, "mem: rename /d/b over /d/a");
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "bee"), "mem: renamed before the crash");
	CHECK_INT(fl_vfs_stat(v, "/d/b", NULL, NULL), ==, FL_ENOENT, "mem: old name gone");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "synced"), "mem: rename without sync_dir reverts (target)");
	CHECK(streq(get(v, "/d/b", buf, sizeof(buf)), "bee"), "mem: rename without sync_dir reverts (source)");
	CHECK_INT(fl_vfs_rename(v, "/d/b", "/d/a"), ==, 0, "mem: rename again");
	CHECK_INT(fl_vfs_sync_dir(v, "/d"), ==, 0, "mem: sync_dir after rename");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "bee"), "mem: synced rename survives");
	CHECK_INT(fl_vfs_stat(v, "/d/b", NULL, NULL), ==, FL_ENOENT, "mem: synced rename: old name gone");

	/* unlink without sync_dir reverts */
	CHECK_INT(fl_vfs_unlink(v, "/d/a"), ==, 0, "mem: unlink");
	CHECK_INT(fl_vfs_stat(v, "/d/a", NULL, NULL), ==, FL_ENOENT, "mem: unlinked");
	fl_vfs_mem_crash(v, 0);
	CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "bee"), "mem: unlink without sync_dir reverts");

	/* errors */
	CHECK_INT(fl_vfs_rmdir(v, "/d"), ==, FL_ESYS, "mem: rmdir of a non-empty dir");
	CHECK_INT(errno, ==, ENOTEMPTY, "mem: ... ENOTEMPTY");
	CHECK_INT(put(v, "/nodir/x", "x", 0), ==, FL_ENOENT, "mem: create in a missing dir");
	{
		struct fl_file *f = NULL;

		CHECK_INT(fl_vfs_open(v, "/d/missing", 0, &f), ==, FL_ENOENT, "mem: open missing");
		CHECK_INT(fl_vfs_open(v, "/d/a", FL_VFS_CREATE | FL_VFS_EXCL, &f), ==, FL_EEXIST,
		    "mem: CREATE|EXCL on an existing file");
		CHECK_INT(fl_vfs_open(v, "/d/a", FL_VFS_RDONLY, &f), ==, 0, "mem: open read-only");
		CHECK_INT(fl_vfs_pwrite(f, "z", 1, 0), ==, FL_ESYS, "mem: write to a read-only handle");
		CHECK_INT(fl_vfs_pread_full(f, buf, 4, 0), ==, FL_ESHORT, "mem: pread_full past the end");
		CHECK_INT(fl_vfs_pread(f, buf, 10, 100), ==, 0, "mem: pread past the end reads 0");
		CHECK_INT(fl_vfs_fd(f), ==, -1, "mem: no descriptor");
		fl_vfs_close(f);
	}
	fl_vfs_close(NULL);
	fl_vfs_mem_free(v);
}

static void
test_mem_torn(void)
{
	static const char synced[] = "0123456789";
	char tail[1001], buf[2048];
	uint64_t seed;
	int bad = 0, partial = 0, seen_none = 0, seen_all = 0;
	size_t i;

	for (i = 0; i < sizeof(tail) - 1; i++)
		tail[i] = (char)('a' + i % 26);
	tail[sizeof(tail) - 1] = '\0';
	for (seed = 1; seed <= 200; seed++) {
		struct fl_vfs *v = mem_with_dir();
		const char *got;
		size_t len;

		FL_ASSERT(put_sync(v, "/d/log", synced, 0) == 0);
		FL_ASSERT(fl_vfs_sync_dir(v, "/d") == 0);
		FL_ASSERT(put(v, "/d/log", tail, 10) == 0);
		FL_ASSERT(put_sync(v, "/d/other", "x", 0) == 0);	/* not in the dir */
		fl_vfs_mem_crash(v, seed);
		got = get(v, "/d/log", buf, sizeof(buf));
		len = got ? strlen(got) : 0;
		/* the synced part whole, then a prefix of the unsynced part only */
		if (got == NULL || len < 10 || len > 1010 ||
		    memcmp(got, synced, 10) != 0 || memcmp(got + 10, tail, len - 10) != 0)
			bad++;
		if (len > 10 && len < 1010)
			partial++;
		seen_none += len == 10;
		seen_all += len == 1010;
		if (fl_vfs_stat(v, "/d/other", NULL, NULL) != FL_ENOENT)
			bad++;
		fl_vfs_mem_free(v);
	}
	CHECK_INT(bad, ==, 0, "torn: synced bytes whole + a prefix of the unsynced ones, 200 seeds");
	CHECK_INT(partial, >, 100, "torn: most seeds tear inside the unsynced tail");
	printf("# torn: %d partial, %d none kept, %d all kept\n", partial, seen_none, seen_all);

	/* an unsynced overwrite (not an extension) is never torn in */
	for (seed = 1; seed <= 50; seed++) {
		struct fl_vfs *v = mem_with_dir();

		FL_ASSERT(put_sync(v, "/d/log", synced, 0) == 0);
		FL_ASSERT(fl_vfs_sync_dir(v, "/d") == 0);
		FL_ASSERT(put(v, "/d/log", "XXXXXXXXXXXXXXXXXXXX", 5) == 0);
		fl_vfs_mem_crash(v, seed);
		if (!streq(get(v, "/d/log", buf, sizeof(buf)), synced))
			bad++;
		fl_vfs_mem_free(v);
	}
	CHECK_INT(bad, ==, 0, "torn: an overwrite of synced bytes reverts whole");

	/* the same seed tears the same way: replayable */
	{
		size_t len1 = 0, len2 = 0;
		int round;

		for (round = 0; round < 2; round++) {
			struct fl_vfs *v = mem_with_dir();
			const char *got;

			FL_ASSERT(put_sync(v, "/d/log", synced, 0) == 0);
			FL_ASSERT(fl_vfs_sync_dir(v, "/d") == 0);
			FL_ASSERT(put(v, "/d/log", tail, 10) == 0);
			fl_vfs_mem_crash(v, 12345);
			got = get(v, "/d/log", buf, sizeof(buf));
			*(round ? &len2 : &len1) = got ? strlen(got) : 0;
			fl_vfs_mem_free(v);
		}
		CHECK(len1 == len2 && len1 > 0, "torn: same seed, same tear");
	}
}

/* A damaged sector: durable bytes change, each one, and a crash keeps them so. */
static void
test_mem_corrupt(void)
{
	struct fl_vfs *v = mem_with_dir();
	char buf[64];
	const char *got;
	int i, same = 0;

	FL_ASSERT(put_sync(v, "/d/f", "0123456789abcdef", 0) == 0);
	FL_ASSERT(fl_vfs_sync_dir(v, "/d") == 0);
	FL_ASSERT(put(v, "/d/f", "XYZ", 16) == 0);	/* unsynced, past the durable end */
	CHECK_INT(fl_vfs_mem_corrupt(v, "/d/nope", 0, 4, 1), ==, FL_ENOENT, "no such file: FL_ENOENT");
	CHECK_INT(fl_vfs_mem_corrupt(v, "/d", 0, 4, 1), ==, FL_ENOENT, "a directory: FL_ENOENT");
	CHECK_INT(fl_vfs_mem_corrupt(v, "/d/f", 16, 4, 1), ==, FL_ERANGE,
	    "at the durable end: FL_ERANGE");
	CHECK_INT(fl_vfs_mem_corrupt(v, "/d/f", 12, 100, 7), ==, 0, "damage the last 4 bytes");
	got = get(v, "/d/f", buf, sizeof(buf));
	CHECK(got != NULL && memcmp(got, "0123456789ab", 12) == 0, "the bytes before are kept");
	for (i = 12; got != NULL && i < 16; i++)
		same += got[i] == "0123456789abcdef"[i];
	CHECK_INT(same, ==, 0, "every damaged byte reads back different");
	CHECK(got != NULL && memcmp(got + 16, "XYZ", 3) == 0, "the unsynced bytes past it are not touched");
	fl_vfs_mem_crash(v, 0);
	got = get(v, "/d/f", buf, sizeof(buf));
	CHECK(got != NULL && strlen(got) == 16 && memcmp(got, "0123456789ab", 12) == 0 &&
	    memcmp(got + 12, "cdef", 4) != 0, "after a crash the damage is still there");
	fl_vfs_mem_free(v);
}

static void
test_mem_stale_handles(void)
{
	struct fl_vfs *v = mem_with_dir();
	struct fl_file *f;
	uint64_t size;
	char c;

	FL_ASSERT(put_sync(v, "/d/a", "abc", 0) == 0);
	FL_ASSERT(fl_vfs_sync_dir(v, "/d") == 0);
	FL_ASSERT(fl_vfs_open(v, "/d/a", 0, &f) == 0);
	fl_vfs_mem_crash(v, 0);
	errno = 0;
	CHECK_INT(fl_vfs_pread(f, &c, 1, 0), ==, FL_ESYS, "stale handle: pread FL_ESYS");
	CHECK_INT(errno, ==, EIO, "stale handle: errno EIO");
	CHECK_INT(fl_vfs_pwrite(f, "x", 1, 0), ==, FL_ESYS, "stale handle: pwrite");
	CHECK_INT(fl_vfs_size(f, &size), ==, FL_ESYS, "stale handle: size");
	CHECK_INT(fl_vfs_truncate(f, 0), ==, FL_ESYS, "stale handle: truncate");
	CHECK_INT(fl_vfs_sync(f), ==, FL_ESYS, "stale handle: sync");
	fl_vfs_close(f);
	{
		char buf[8];

		CHECK(streq(get(v, "/d/a", buf, sizeof(buf)), "abc"), "stale handle: a new handle works");
	}
	fl_vfs_mem_free(v);
}

static int
sorted_names_are(struct fl_vfs *v, const char *dir, const char *const *want, size_t nwant)
{
	char **names = NULL;
	size_t n = 0, i;
	int ok;

	if (fl_vfs_list(v, dir, &names, &n) != 0)
		return 0;
	ok = n == nwant;
	for (i = 0; ok && i < n; i++)
		ok = strcmp(names[i], want[i]) == 0;
	if (!ok)
		for (i = 0; i < n; i++)
			printf("#   got %s\n", names[i]);
	fl_vfs_list_free(names, n);
	return ok;
}

static const char *const list_make[] = {
	"00000000000000000100.log", "b", "00000000000000000000.log", "a.tmp",
	"00000000000000000000.index", "Z", "a",
};
static const char *const list_want[] = {
	"00000000000000000000.index", "00000000000000000000.log",
	"00000000000000000100.log", "Z", "a", "a.tmp", "b", "sub",
};

static void
test_list(struct fl_vfs *v, const char *dir, const char *label)
{
	char path[4096], what[96];
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(list_make); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list_make[i]);
		FL_ASSERT(put(v, path, "x", 0) == 0);
	}
	snprintf(path, sizeof(path), "%s/sub", dir);
	FL_ASSERT(fl_vfs_mkdir(v, path) == 0);
	snprintf(path, sizeof(path), "%s/sub/inner", dir);
	FL_ASSERT(put(v, path, "x", 0) == 0);
	snprintf(what, sizeof(what), "%s: list is sorted, direct children only", label);
	CHECK(sorted_names_are(v, dir, list_want, FL_ARRAY_LEN(list_want)), what);
	snprintf(path, sizeof(path), "%s/sub", dir);
	{
		static const char *const inner[] = { "inner" };

		snprintf(what, sizeof(what), "%s: list of a subdirectory", label);
		CHECK(sorted_names_are(v, path, inner, 1), what);
	}
	snprintf(path, sizeof(path), "%s/nope", dir);
	{
		char **names = NULL;
		size_t n = 0;

		snprintf(what, sizeof(what), "%s: list of a missing dir is FL_ENOENT", label);
		CHECK_INT(fl_vfs_list(v, path, &names, &n), ==, FL_ENOENT, what);
	}
	/* clean up so the durable tests see a known directory */
	for (i = 0; i < FL_ARRAY_LEN(list_make); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, list_make[i]);
		FL_ASSERT(fl_vfs_unlink(v, path) == 0);
	}
	snprintf(path, sizeof(path), "%s/sub/inner", dir);
	FL_ASSERT(fl_vfs_unlink(v, path) == 0);
	snprintf(path, sizeof(path), "%s/sub", dir);
	FL_ASSERT(fl_vfs_rmdir(v, path) == 0);
}

/* fl_durable_write/read on any backend, in directory dir. */
static void
test_durable(struct fl_vfs *v, const char *dir, const char *label)
{
	static uint8_t big[100000];
	char path[4096], what[128];
	uint8_t *data = NULL;
	size_t len = 0, i;
	struct fl_file *f;
	uint64_t size;
	int rc;

#define LABEL(s) (snprintf(what, sizeof(what), "%s: %s", label, (s)), what)
	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31 + 7);
	CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, FL_ENOENT,
	    LABEL("durable_read of a missing file is FL_ENOENT"));
	CHECK_INT(fl_durable_write(v, dir, "meta", "hello", 5), ==, 0, LABEL("durable_write"));
	rc = fl_durable_read(v, dir, "meta", &data, &len);
	CHECK(rc == 0 && len == 5 && memcmp(data, "hello", 5) == 0, LABEL("durable round trip"));
	free(data);
	data = NULL;
	snprintf(path, sizeof(path), "%s/meta.tmp", dir);
	CHECK_INT(fl_vfs_stat(v, path, NULL, NULL), ==, FL_ENOENT, LABEL("no .tmp left behind"));

	CHECK_INT(fl_durable_write(v, dir, "meta", big, sizeof(big)), ==, 0, LABEL("overwrite with 100000 bytes"));
	rc = fl_durable_read(v, dir, "meta", &data, &len);
	CHECK(rc == 0 && len == sizeof(big) && memcmp(data, big, len) == 0, LABEL("large round trip"));
	free(data);
	data = NULL;

	CHECK_INT(fl_durable_write(v, dir, "empty", "", 0), ==, 0, LABEL("empty content"));
	rc = fl_durable_read(v, dir, "empty", &data, &len);
	CHECK(rc == 0 && len == 0, LABEL("empty round trip"));
	free(data);
	data = NULL;

	/* flip one byte of content, then of the trailer */
	snprintf(path, sizeof(path), "%s/meta", dir);
	FL_ASSERT(fl_vfs_open(v, path, 0, &f) == 0);
	FL_ASSERT(fl_vfs_size(f, &size) == 0);
	CHECK_U64(size, ==, sizeof(big) + FL_BLAKE2B_BYTES, LABEL("file = content + 32-byte trailer"));
	{
		uint8_t b;

		FL_ASSERT(fl_vfs_pread_full(f, &b, 1, 500) == 0);
		b ^= 0x01;
		FL_ASSERT(fl_vfs_pwrite(f, &b, 1, 500) == 0);
		CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, FL_ECORRUPT,
		    LABEL("flipped content byte is FL_ECORRUPT"));
		b ^= 0x01;
		FL_ASSERT(fl_vfs_pwrite(f, &b, 1, 500) == 0);
		CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, 0, LABEL("restored byte reads again"));
		free(data);
		data = NULL;
		FL_ASSERT(fl_vfs_pread_full(f, &b, 1, size - 1) == 0);
		b ^= 0x80;
		FL_ASSERT(fl_vfs_pwrite(f, &b, 1, size - 1) == 0);
		CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, FL_ECORRUPT,
		    LABEL("flipped trailer byte is FL_ECORRUPT"));
	}
	FL_ASSERT(fl_vfs_truncate(f, 10) == 0);
	CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, FL_ECORRUPT,
	    LABEL("file shorter than the trailer is FL_ECORRUPT"));
	FL_ASSERT(fl_vfs_truncate(f, 0) == 0);
	CHECK_INT(fl_durable_read(v, dir, "meta", &data, &len), ==, FL_ECORRUPT,
	    LABEL("empty file is FL_ECORRUPT"));
	fl_vfs_close(f);
	CHECK_INT(fl_durable_write(v, dir, "big", big, FL_DURABLE_BYTES_MAX + 1u), ==, FL_ERANGE,
	    LABEL("content above FL_DURABLE_BYTES_MAX is FL_ERANGE"));
#undef LABEL
}

static void
test_durable_crash(void)
{
	struct fl_vfs *v = mem_with_dir();
	uint8_t *data = NULL;
	size_t len = 0;
	int rc;

	FL_ASSERT(fl_durable_write(v, "/d", "m", "one", 3) == 0);
	fl_vfs_mem_crash(v, 99);
	rc = fl_durable_read(v, "/d", "m", &data, &len);
	CHECK(rc == 0 && len == 3 && memcmp(data, "one", 3) == 0, "mem: durable_write survives a crash");
	free(data);
	data = NULL;
	FL_ASSERT(fl_durable_write(v, "/d", "m", "two!", 4) == 0);
	fl_vfs_mem_crash(v, 7);
	rc = fl_durable_read(v, "/d", "m", &data, &len);
	CHECK(rc == 0 && len == 4 && memcmp(data, "two!", 4) == 0, "mem: durable overwrite survives a crash");
	free(data);
	fl_vfs_mem_free(v);
}

/* mkdir -p: every missing directory made, each name durable. */
static void
test_mkdirs(struct fl_vfs *v, const char *root, const char *tag, int can_crash)
{
	char path[4096], what[128];
	int is_dir = 0;

	snprintf(path, sizeof(path), "%s/a/b//c/", root);
	snprintf(what, sizeof(what), "%s: mkdirs makes every missing directory", tag);
	CHECK_INT(fl_vfs_mkdirs(v, path), ==, 0, what);
	if (can_crash)
		fl_vfs_mem_crash(v, 0);
	snprintf(path, sizeof(path), "%s/a/b/c", root);
	snprintf(what, sizeof(what), "%s: and each is there%s", tag,
	    can_crash ? " after a crash" : "");
	CHECK(fl_vfs_stat(v, path, &is_dir, NULL) == 0 && is_dir, what);
	snprintf(what, sizeof(what), "%s: an existing directory is fine", tag);
	CHECK_INT(fl_vfs_mkdirs(v, path), ==, 0, what);
	snprintf(path, sizeof(path), "%s/a/f", root);
	FL_ASSERT(put(v, path, "x", 0) == 0);
	snprintf(path, sizeof(path), "%s/a/f/g/h", root);
	errno = 0;
	snprintf(what, sizeof(what), "%s: a file in the way is ENOTDIR", tag);
	CHECK(fl_vfs_mkdirs(v, path) == FL_ESYS && errno == ENOTDIR, what);
	snprintf(path, sizeof(path), "%s/a/f", root);
	errno = 0;
	CHECK(fl_vfs_mkdirs(v, path) == FL_ESYS && errno == ENOTDIR, what);
}

/* The real backend makes private files and directories, whatever the umask. */
static void
test_real_modes(const char *tmp)
{
	static const mode_t masks[] = { 022, 0, 077 };
	char dir[4000], file[4096], what[128];
	struct fl_file *f;
	struct stat st;
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(masks); i++) {
		mode_t old = umask(masks[i]);

		snprintf(dir, sizeof(dir), "%s/m%zu", tmp, i);
		snprintf(file, sizeof(file), "%s/f", dir);
		FL_ASSERT(fl_vfs_mkdir(fl_vfs_real(), dir) == 0);
		FL_ASSERT(fl_vfs_open(fl_vfs_real(), file, FL_VFS_CREATE, &f) == 0);
		fl_vfs_close(f);
		FL_ASSERT(fl_durable_write(fl_vfs_real(), dir, "d", "x", 1) == 0);
		umask(old);
		snprintf(what, sizeof(what), "real: umask %03o: a new directory is 0700",
		    (unsigned)masks[i]);
		CHECK(stat(dir, &st) == 0 && (st.st_mode & 07777) == 0700, what);
		snprintf(what, sizeof(what), "real: umask %03o: a new file is 0600",
		    (unsigned)masks[i]);
		CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0600, what);
		snprintf(file, sizeof(file), "%s/d", dir);
		CHECK(stat(file, &st) == 0 && (st.st_mode & 07777) == 0600,
		    "real: a durable file is 0600");
		(void)unlink(file);
		snprintf(file, sizeof(file), "%s/f", dir);
		(void)unlink(file);
		(void)rmdir(dir);
	}
}

/* Remove dir and what test_durable left in it. */
static void
rm_tree(const char *dir)
{
	static const char *const names[] = { "meta", "meta.tmp", "empty", "big.tmp", "big" };
	char path[4096];
	size_t i;

	for (i = 0; i < FL_ARRAY_LEN(names); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		(void)unlink(path);
	}
	(void)rmdir(dir);
}

int
main(void)
{
	struct fl_vfs *v;
	char tmpl[] = "/tmp/flume-test-vfs.XXXXXX";
	const char *tmp;

	if (fl_csum_init() != 0) {
		printf("Bail out! fl_csum_init failed\n");
		return 1;
	}
	test_mem_crash();
	test_mem_torn();
	test_mem_stale_handles();
	test_mem_corrupt();

	v = mem_with_dir();
	test_list(v, "/d", "mem");
	test_durable(v, "/d", "mem");
	test_mkdirs(v, "/d", "mem", 1);
	fl_vfs_mem_free(v);
	test_durable_crash();

	tmp = mkdtemp(tmpl);
	if (tmp == NULL) {
		printf("Bail out! mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	test_list(fl_vfs_real(), tmp, "real");
	test_durable(fl_vfs_real(), tmp, "real");
	test_real_modes(tmp);
	test_mkdirs(fl_vfs_real(), tmp, "real", 0);
	{
		char path[4096];

		snprintf(path, sizeof(path), "%s/a/f", tmp);
		(void)unlink(path);
		snprintf(path, sizeof(path), "%s/a/b/c", tmp);
		(void)rmdir(path);
		snprintf(path, sizeof(path), "%s/a/b", tmp);
		(void)rmdir(path);
		snprintf(path, sizeof(path), "%s/a", tmp);
		(void)rmdir(path);
	}
	{
		struct fl_file *f;

		CHECK_INT(fl_vfs_open(fl_vfs_real(), "/nonexistent-flume/x", 0, &f), ==, FL_ENOENT,
		    "real: open missing is FL_ENOENT");
	}
	rm_tree(tmp);
	CHECK(access(tmp, F_OK) != 0, "real: temp dir removed");
	return tap_done();
}
