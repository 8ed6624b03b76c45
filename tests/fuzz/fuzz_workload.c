/* fuzz_workload.c - libFuzzer target: the placement benchmark's workload CSV reader (bench/workload.c). */
#include "workload.h"

#include <assert.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads buf as a workload: the result of workload_read. */
static int
read_buf(const char *buf, size_t size, struct workload *w, struct diag *d)
{
	FILE *f;
	int r;

	/* fmemopen refuses a zero-sized buffer: read /dev/null instead. */
	f = size ? fmemopen((void *)buf, size, "r") : fopen("/dev/null", "r");
	if (!f)
		return -ENOMEM;
	r = workload_read(w, f, "fuzz.csv", d);
	fclose(f);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct workload w, w2;
	struct diag d;
	char *out = NULL;
	size_t out_len = 0;
	FILE *f;
	int r;

	diag_clear(&d);
	workload_init(&w);
	workload_init(&w2);
	r = read_buf((const char *)data, size, &w, &d);
	/* Success, or an error that says where ("fuzz.csv:LINE..."). */
	assert(r == 0 || r == -ENOMEM ||
	    ((r == -EINVAL || r == -EIO) &&
		strncmp(d.msg, "fuzz.csv:", 9) == 0));
	if (r == 0) {
		/* What was read holds the format's promises... */
		for (uint32_t i = 0; i < w.n; i++) {
			const struct workload_vm *vm = &w.v[i];

			assert(vm->arrive_s >= 0 &&
			    vm->arrive_s <= WORKLOAD_MAX_TIME_S);
			assert(i == 0 || vm->arrive_s >= w.v[i - 1].arrive_s);
			assert(
			    isinf(vm->depart_s) || vm->depart_s > vm->arrive_s);
			assert(vm->cpu_milli >= 1 &&
			    vm->cpu_milli <= WORKLOAD_MAX_CPU_MILLI);
			assert(vm->cores == (vm->cpu_milli + 999) / 1000);
			assert(vm->memory_mib >= 1 &&
			    vm->memory_mib <= WORKLOAD_MAX_MEMORY_MIB);
		}
		/* ...and reads back the same after writing. */
		f = open_memstream(&out, &out_len);
		if (f) {
			r = workload_write(&w, f);
			fclose(f);
			if (r == 0 && out) {
				diag_clear(&d);
				r = read_buf(out, out_len, &w2, &d);
				assert(r == 0 || r == -ENOMEM);
				if (r == 0) {
					assert(w2.n == w.n);
					for (uint32_t i = 0; i < w.n; i++)
						assert(
						    memcmp(&w.v[i], &w2.v[i],
							sizeof(w.v[i])) == 0);
				}
			}
			free(out);
		}
	}
	workload_done(&w);
	workload_done(&w2);
	return 0;
}
