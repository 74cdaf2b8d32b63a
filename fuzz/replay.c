/*
 * replay.c: run a fuzz target's LLVMFuzzerTestOneInput over stored inputs
 * without libFuzzer, so `make check` keeps old seeds and crashes fixed
 * (SQLite's fuzzcheck).  Arguments are files or directories (one level,
 * regular files only).  Each input is copied into a buffer of exactly its
 * size, so ASan builds catch reads past the end.  Exit 0, or 1 when an
 * argument cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPLAY_INPUT_BYTES_MAX	(64u << 20)

static int
run_file(const char *path)
{
	struct stat st;
	uint8_t *buf;
	size_t n;
	FILE *f;

	f = fopen(path, "rb");
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f != NULL)
			fclose(f);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > REPLAY_INPUT_BYTES_MAX) {
		fclose(f);
		return 0;
	}
	n = (size_t)st.st_size;
	buf = malloc(n > 0 ? n : 1);
	if (buf == NULL || fread(buf, 1, n, f) != n) {
		fprintf(stderr, "replay: %s: short read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, n);
	free(buf);
	return 1;
}

static int
run_dir(const char *dir, long *count)
{
	struct dirent *de;
	char path[4096];
	DIR *d = opendir(dir);
	int rc = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		int r;

		if (de->d_name[0] == '.')
			continue;
		r = snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (r < 0 || (size_t)r >= sizeof(path)) {
			rc = -1;
			continue;
		}
		r = run_file(path);
		if (r < 0)
			rc = -1;
		else
			*count += r;
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	long count = 0;
	int i, rc = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			rc = 1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], &count) != 0)
				rc = 1;
		} else {
			int r = run_file(argv[i]);

			if (r < 0)
				rc = 1;
			else
				count += r;
		}
	}
	printf("replay: %ld inputs\n", count);
	return rc;
}
