/* cmd_host.c - `vmgr host list|drain|undrain` against vmgrd. */
#include "cli/cli.h"
#include "cli/http.h"

#include <string.h>

int
cmd_host(struct cli *cli, int argc, char **argv)
{
	struct http_target t = { .socket = cli->socket, .url = cli->url };
	const char *verb = argc > 1 ? argv[1] : "", *name = NULL;
	bool json = false;
	json_t *reply = NULL;
	char path[256];
	int rc, st;

	rc = http_target_init(cli, &t, cli->token_file);
	if (rc != EXIT_OK)
		return rc;
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (!name)
			name = argv[i];
		else
			return cli_fail(
			    cli, "host", EXIT_USAGE, "too many arguments");
	}
	if (strcmp(verb, "list") == 0 && !name) {
		st = http_call(
		    cli, &t, "GET", "/v1/hosts", NULL, 10000, &reply, NULL);
	} else if ((strcmp(verb, "drain") == 0 ||
		       strcmp(verb, "undrain") == 0) &&
	    name) {
		snprintf(path, sizeof(path), "/v1/hosts/%s/%s", name, verb);
		st = http_call(
		    cli, &t, "POST", path, NULL, 120000, &reply, NULL);
	} else {
		return cli_fail(cli, "host", EXIT_USAGE,
		    "expected: host list | host drain NAME | host undrain "
		    "NAME");
	}
	rc = http_exit(cli, "host", st, reply);
	if (rc != EXIT_OK || json) {
		if (rc == EXIT_OK)
			return cli_print_json(cli, reply);
		json_decref(reply);
		return rc;
	}
	if (json_is_array(reply)) {
		size_t i;
		json_t *h;

		fprintf(cli->out, "%-12s %-12s %-7s %15s %19s %4s\n", "NAME",
		    "STATE", "FENCED", "CPU USED/ALL", "MEMORY USED/ALL",
		    "VMS");
		json_array_foreach(reply, i, h) fprintf(cli->out,
		    "%-12s %-12s %-7s %6lld/%-6lldm %7lld/%-7lld MiB %4lld\n",
		    json_string_value(json_object_get(h, "name")),
		    json_string_value(json_object_get(h, "state")),
		    json_is_true(json_object_get(h, "fenced")) ? "yes" : "no",
		    (long long)json_integer_value(
			json_object_get(h, "cpu_milli_used")),
		    (long long)json_integer_value(
			json_object_get(h, "cpu_milli")),
		    (long long)json_integer_value(
			json_object_get(h, "memory_mib_used")),
		    (long long)json_integer_value(
			json_object_get(h, "memory_mib")),
		    (long long)json_integer_value(json_object_get(h, "vms")));
	} else {
		fprintf(cli->out, "%s: %s\n",
		    json_string_value(json_object_get(reply, "name")),
		    json_string_value(json_object_get(reply, "state")));
	}
	json_decref(reply);
	return EXIT_OK;
}
