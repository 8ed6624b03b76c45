/* fuzz_mapi.c - libFuzzer target: the manager's REST routes on arbitrary requests. */
#include "manager/api.h"
#include "manager/manager.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* OpenSSL (loaded by libcurl's global init in the manager) keeps one
 * allocation until process exit by design; it is not ours to free. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:CRYPTO_zalloc\n";
}

/* One manager for the whole run (a store in a fresh directory, no hosts),
 * freed at exit so leak checkers see a clean end. */
static struct manager *mgr;
static char dir[64];

static void
teardown(void)
{
	char cmd[128];

	mgr = manager_free(mgr);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	(void)!system(cmd);
}

static const char *
no_args(void *ud, const char *key)
{
	const char *q = ud;

	/* "key=value" pairs after the body's first NUL-free line. */
	(void)key;
	return q && *q ? q : NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mapi_config cfg = { .token = "t" };
	char method[16] = "", url[512] = "", *body = NULL, *copy;
	const char *p, *nl;
	bool text;
	int status;

	if (!mgr) {
		struct manager_config mc = { 0 };
		struct diag d;

		snprintf(dir, sizeof(dir), "/tmp/vmgr-fuzz-mapi.%d", getpid());
		engine_opts_default(&mc.eng);
		mc.state_dir = dir;
		if (manager_new(&mc, &mgr, &d) < 0)
			abort();
		atexit(teardown);
	}
	/* Input: METHOD\nURL\nBODY */
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	p = copy;
	nl = memchr(p, '\n', size);
	if (nl) {
		snprintf(method, sizeof(method), "%.*s", (int)(nl - p), p);
		p = nl + 1;
		nl = memchr(p, '\n', size - (size_t)(p - copy));
		if (nl) {
			snprintf(url, sizeof(url), "%.*s", (int)(nl - p), p);
			p = nl + 1;
		}
	}
	status = mapi_route(mgr, &cfg, method, url, no_args, NULL, p,
	    size - (size_t)(p - copy), "t", true, &body, &text);
	if (status < 100 || status > 599 || !body)
		abort();
	free(body);
	free(copy);
	return 0;
}
