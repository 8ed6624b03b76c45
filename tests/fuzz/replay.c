/* replay.c - runs a fuzz target over every file of its saved corpus (TAP). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path, unsigned *n)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f)
		return -1;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf || (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	/* A crash or failed assertion aborts the program: meson reports it. */
	LLVMFuzzerTestOneInput(buf, (size_t)(len > 0 ? len : 0));
	free(buf);
	printf("ok %u - %s\n", ++*n, path);
	return 0;
}

int
main(int argc, char **argv)
{
	unsigned n = 0, failed = 0;

	for (int i = 1; i < argc; i++) {
		DIR *dir = opendir(argv[i]);
		struct dirent *e;
		char path[4096];

		if (!dir) {
			printf("not ok %u - cannot open corpus %s\n", ++n,
			    argv[i]);
			failed++;
			continue;
		}
		while ((e = readdir(dir))) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(
			    path, sizeof(path), "%s/%s", argv[i], e->d_name);
			if (replay_file(path, &n) < 0) {
				printf(
				    "not ok %u - cannot read %s\n", ++n, path);
				failed++;
			}
		}
		closedir(dir);
	}
	if (n == 0) {
		printf("not ok 1 - empty corpus\n");
		n = failed = 1;
	}
	printf("1..%u\n", n);
	return failed ? 1 : 0;
}
