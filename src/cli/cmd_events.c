/* cmd_events.c - `vmgr events [-f]`: what vmgrd did and why, as it happens. */
#include "cli/cli.h"
#include "cli/http.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int
cmd_events(struct cli *cli, int argc, char **argv)
{
	struct http_target t = { .socket = cli->socket, .url = cli->url };
	bool follow = false, json = false;
	uint64_t since = 0;
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow"))
			follow = true;
		else if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--since") && i + 1 < argc)
			since = strtoull(argv[++i], NULL, 10);
		else
			return cli_fail(cli, "events", EXIT_USAGE,
			    "unknown argument '%s' (-f, --since N, --json)",
			    argv[i]);
	}
	rc = http_target_init(cli, &t, cli->token_file);
	if (rc != EXIT_OK)
		return rc;
	for (;;) {
		char path[128];
		json_t *reply = NULL, *evs, *e;
		size_t i;
		int st;

		snprintf(path, sizeof(path),
		    "/v1/events?since=%" PRIu64 "&max=500&wait_ms=%d", since,
		    follow ? 10000 : 0);
		st = http_call(cli, &t, "GET", path, NULL, 20000, &reply, NULL);
		rc = http_exit(cli, "events", st, reply);
		if (rc != EXIT_OK) {
			json_decref(reply);
			return rc;
		}
		evs = json_object_get(reply, "events");
		json_array_foreach(evs, i, e)
		{
			since = (uint64_t)json_integer_value(
			    json_object_get(e, "seq"));
			if (json) {
				char *s = json_dumps(e, JSON_COMPACT);

				fprintf(cli->out, "%s\n", s ? s : "{}");
				free(s);
			} else {
				fprintf(cli->out, "%6" PRIu64 "  %-14s %s\n",
				    since,
				    json_string_value(
					json_object_get(e, "type")),
				    json_string_value(
					json_object_get(e, "message")));
			}
		}
		fflush(cli->out);
		json_decref(reply);
		if (!follow)
			break;
	}
	return EXIT_OK;
}
