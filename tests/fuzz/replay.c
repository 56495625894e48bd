/*
 * Corpus replay: runs a fuzz target's entry point once over every file
 * named on the command line (directories are walked one level deep), so
 * the checked-in corpus is a regression test of the ordinary sanitizer
 * build, with gcc and without the libFuzzer runtime. A crash, a sanitizer
 * report or a leak fails the run; an unreadable input is an error too,
 * because a replay that silently read nothing would prove nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads the whole file at path into a fresh buffer; returns 0 or -1. */
static int
slurp(uint8_t **out, size_t *out_len, const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int rc = -1;

	if (!f) {
		fprintf(stderr, "replay: cannot open '%s': %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap ? 2 * cap : 4096;
			uint8_t *n = realloc(buf, ncap);
			if (!n) {
				fprintf(stderr, "replay: out of memory reading '%s'\n", path);
				goto out;
			}
			buf = n;
			cap = ncap;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: cannot read '%s'\n", path);
		goto out;
	}
	*out = buf;
	*out_len = len;
	buf = NULL;
	rc = 0;
out:
	free(buf);
	fclose(f);
	return rc;
}

static int
run_file(const char *path, unsigned *count)
{
	uint8_t *data = NULL;
	size_t len = 0;

	if (slurp(&data, &len, path) != 0)
		return -1;
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	(*count)++;
	return 0;
}

static int
run_path(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: cannot stat '%s': %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path, count);
	d = opendir(path);
	if (!d) {
		fprintf(stderr, "replay: cannot open directory '%s': %s\n", path, strerror(errno));
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char child[4096];
		if (e->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, e->d_name) >=
		    sizeof(child)) {
			fprintf(stderr, "replay: path too long under '%s'\n", path);
			rc = -1;
			break;
		}
		if (stat(child, &st) == 0 && S_ISDIR(st.st_mode))
			continue;
		if (run_file(child, count) != 0) {
			rc = -1;
			break;
		}
	}
	closedir(d);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 64;
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &count) != 0)
			return 1;
	if (count == 0) {
		fprintf(stderr, "replay: no inputs found\n");
		return 1;
	}
	printf("replayed %u inputs\n", count);
	return 0;
}
