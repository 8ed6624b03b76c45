/* cmd_vm.c - `vmgr vm ...`: create, list, show, start, stop, delete, migrate VMs on vmgrd; their consoles. */
#include "cli/cli.h"
#include "cli/http.h"

#include "core/cleanup.h"
#include "model/scenario.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TIMEOUT_MS 30000

static int
target(struct cli *cli, struct http_target *t)
{
	memset(t, 0, sizeof(*t));
	t->socket = cli->socket;
	t->url = cli->url;
	return http_target_init(cli, t, cli->token_file);
}

static void
print_vm_row(struct cli *cli, const json_t *v)
{
	const char *host = json_string_value(json_object_get(v, "host"));
	const char *why = json_string_value(json_object_get(v, "reason"));

	fprintf(cli->out, "%-16s %-9s %-12s %7lldm %7lld MiB %5lld  %s\n",
	    json_string_value(json_object_get(v, "name")),
	    json_string_value(json_object_get(v, "status")), host ? host : "-",
	    (long long)json_integer_value(json_object_get(v, "cpu_milli")),
	    (long long)json_integer_value(json_object_get(v, "memory_mib")),
	    (long long)json_integer_value(json_object_get(v, "priority")),
	    why ? why : "");
}

static int
print(struct cli *cli, bool json, json_t *j)
{
	if (json)
		return cli_print_json(cli, j);
	if (json_is_array(j)) {
		size_t i;
		json_t *v;

		fprintf(cli->out, "%-16s %-9s %-12s %8s %11s %5s  %s\n", "NAME",
		    "STATUS", "HOST", "CPU", "MEMORY", "PRIO", "REASON");
		json_array_foreach(j, i, v) print_vm_row(cli, v);
	} else {
		const char *k;
		json_t *v;

		json_object_foreach(j, k, v)
		{
			char *s = json_is_string(v)
			    ? NULL
			    : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);

			fprintf(cli->out, "%-10s %s\n", k,
			    s ? s : json_string_value(v));
			free(s);
		}
	}
	json_decref(j);
	return EXIT_OK;
}

/* `vm create --from FILE`: every VM of a scenario, in its order. */
static int
create_from(
    struct cli *cli, const struct http_target *t, const char *path, bool json)
{
	_cleanup_free_ char *buf = NULL;
	struct scenario *s = NULL;
	struct diag d = { 0 };
	json_t *top, *vms, *out = json_array(), *e;
	size_t len, i;
	int r, rc = EXIT_OK;

	r = cli_read_file(path, CLI_FILE_MAX, &buf, &len, &d);
	if (r < 0)
		return cli_fail(cli, "vm create", EXIT_FAIL, "%s", d.msg);
	/* The offline parser validates it all first, with its messages. */
	r = scenario_parse(buf, len, &s, &d);
	scenario_free(s);
	if (r < 0)
		return cli_fail(cli, "vm create", EXIT_FAIL, "%s:%s%s", path,
		    d.msg[0] >= '0' && d.msg[0] <= '9' ? "" : " ", d.msg);
	top = json_loadb(buf, len, 0, NULL);
	vms = json_object_get(top, "vms");
	json_array_foreach(vms, i, e)
	{
		json_int_t count =
		    json_integer_value(json_object_get(e, "count"));
		const char *name =
		    json_string_value(json_object_get(e, "name"));

		for (json_int_t k = 0; k < (count ? count : 1); k++) {
			json_t *req = json_deep_copy(e), *reply = NULL;
			char nm[96];
			int st;

			json_object_del(req, "count");
			json_object_del(req, "host");
			if (count) {
				snprintf(nm, sizeof(nm), "%s%lld", name,
				    (long long)k);
				json_object_set_new(
				    req, "name", json_string(nm));
			}
			st = http_call(cli, t, "POST", "/v1/vms", req,
			    TIMEOUT_MS, &reply, NULL);
			json_decref(req);
			rc = http_exit(cli, "vm create", st, reply);
			if (rc != EXIT_OK) {
				json_decref(reply);
				break;
			}
			if (json)
				json_array_append_new(out, reply);
			else {
				print_vm_row(cli, reply);
				json_decref(reply);
			}
		}
		if (rc != EXIT_OK)
			break;
	}
	json_decref(top);
	if (json && rc == EXIT_OK)
		return cli_print_json(cli, out);
	json_decref(out);
	return rc;
}

static int
create(struct cli *cli, const struct http_target *t, int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cpu-milli", required_argument, NULL, 'c' },
		{ "memory-mib", required_argument, NULL, 'm' },
		{ "priority", required_argument, NULL, 'p' },
		{ "workload", required_argument, NULL, 'w' },
		{ "no-ha", no_argument, NULL, 'H' },
		{ "stopped", no_argument, NULL, 's' },
		{ "from", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ 0 },
	};
	json_t *req = json_object(), *reply = NULL;
	const char *from = NULL;
	bool json = false;
	int c, st, rc;

	optind = 0;
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		char *end;
		long long x;

		switch (c) {
		case 'c':
		case 'm':
		case 'p':
			x = strtoll(optarg, &end, 10);
			if (*end || end == optarg) {
				json_decref(req);
				return cli_fail(cli, "vm create", EXIT_USAGE,
				    "--%s: expected an integer, got '%s'",
				    longopts[c == 'c'  ? 0
					    : c == 'm' ? 1
						       : 2]
					.name,
				    optarg);
			}
			json_object_set_new(req,
			    c == 'c'	   ? "cpu_milli"
				: c == 'm' ? "memory_mib"
					   : "priority",
			    json_integer(x));
			break;
		case 'w':
			json_object_set_new(
			    req, "workload", json_string(optarg));
			break;
		case 'H':
			json_object_set_new(req, "ha", json_false());
			break;
		case 's':
			json_object_set_new(req, "start", json_false());
			break;
		case 'f':
			from = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			json_decref(req);
			return EXIT_USAGE;
		}
	}
	if (from) {
		json_decref(req);
		if (optind != argc)
			return cli_fail(cli, "vm create", EXIT_USAGE,
			    "--from FILE takes no VM name");
		return create_from(cli, t, from, json);
	}
	if (optind != argc - 1) {
		json_decref(req);
		return cli_fail(cli, "vm create", EXIT_USAGE,
		    "expected NAME --cpu-milli N --memory-mib N, or --from "
		    "FILE");
	}
	json_object_set_new(req, "name", json_string(argv[optind]));
	st =
	    http_call(cli, t, "POST", "/v1/vms", req, TIMEOUT_MS, &reply, NULL);
	json_decref(req);
	rc = http_exit(cli, "vm create", st, reply);
	if (rc != EXIT_OK) {
		json_decref(reply);
		return rc;
	}
	return print(cli, json, reply);
}

/* `vm console NAME [-f] [--since N]`: the VM's serial console as its
 * agent keeps it; -f follows it (a new host after a migration or restart
 * starts a new stream) until the VM is on no host or ^C. */
static int
console(struct cli *cli, const struct http_target *t, int argc, char **argv)
{
	const char *name = NULL;
	bool follow = false;
	uint64_t since = 0;
	char host[128] = "";
	int rc = EXIT_OK;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "-f") || !strcmp(argv[i], "--follow"))
			follow = true;
		else if (!strcmp(argv[i], "--since") && i + 1 < argc)
			since = strtoull(argv[++i], NULL, 10);
		else if (!name && argv[i][0] != '-')
			name = argv[i];
		else
			return cli_fail(cli, "vm console", EXIT_USAGE,
			    "unknown argument '%s' (NAME [-f] [--since N])",
			    argv[i]);
	}
	if (!name)
		return cli_fail(cli, "vm console", EXIT_USAGE,
		    "expected NAME [-f] [--since N]");
	for (;;) {
		char path[256];
		json_t *reply = NULL;
		const char *data, *h;
		uint64_t next;
		size_t len;
		int st;

		snprintf(path, sizeof(path),
		    "/v1/vms/%s/console?since=%" PRIu64 "&max=65536", name,
		    since);
		st = http_call(
		    cli, t, "GET", path, NULL, TIMEOUT_MS, &reply, NULL);
		rc = http_exit(cli, "vm console", st, reply);
		if (rc != EXIT_OK) {
			json_decref(reply);
			/* Following a VM that left its host ends the follow. */
			return follow && st == 409 ? EXIT_OK : rc;
		}
		h = json_string_value(json_object_get(reply, "host"));
		if (h && host[0] && strcmp(h, host) != 0) {
			/* Another host, another stream: from its start. */
			snprintf(host, sizeof(host), "%s", h);
			since = 0;
			json_decref(reply);
			continue;
		}
		if (h)
			snprintf(host, sizeof(host), "%s", h);
		data = json_string_value(json_object_get(reply, "data"));
		len = json_string_length(json_object_get(reply, "data"));
		next = (uint64_t)json_integer_value(
		    json_object_get(reply, "next"));
		if (data && len)
			fwrite(data, 1, len, cli->out);
		fflush(cli->out);
		json_decref(reply);
		if (len == 65536) {
			since = next;
			continue; /* more is there now */
		}
		if (!follow)
			break;
		since = next;
		usleep(200 * 1000);
	}
	return EXIT_OK;
}

int
cmd_vm(struct cli *cli, int argc, char **argv)
{
	struct http_target t;
	const char *verb = argc > 1 ? argv[1] : "";
	bool json = false;
	char path[256];
	json_t *reply = NULL, *body = NULL;
	int rc, st, nargs = 0;
	char *args[4] = { NULL };

	rc = target(cli, &t);
	if (rc != EXIT_OK)
		return rc;
	if (strcmp(verb, "create") == 0)
		return create(cli, &t, argc - 1, argv + 1);
	if (strcmp(verb, "console") == 0)
		return console(cli, &t, argc - 2, argv + 2);
	for (int i = 2; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (nargs < 4)
			args[nargs++] = argv[i];
		else
			return cli_fail(
			    cli, "vm", EXIT_USAGE, "too many arguments");
	}
	if (strcmp(verb, "list") == 0 && nargs == 0) {
		st = http_call(
		    cli, &t, "GET", "/v1/vms", NULL, TIMEOUT_MS, &reply, NULL);
	} else if (strcmp(verb, "show") == 0 && nargs == 1) {
		snprintf(path, sizeof(path), "/v1/vms/%s", args[0]);
		st = http_call(
		    cli, &t, "GET", path, NULL, TIMEOUT_MS, &reply, NULL);
	} else if ((strcmp(verb, "start") == 0 || strcmp(verb, "stop") == 0) &&
	    nargs == 1) {
		snprintf(path, sizeof(path), "/v1/vms/%s/%s", args[0], verb);
		st = http_call(
		    cli, &t, "POST", path, NULL, TIMEOUT_MS, &reply, NULL);
	} else if (strcmp(verb, "delete") == 0 && nargs == 1) {
		snprintf(path, sizeof(path), "/v1/vms/%s", args[0]);
		st = http_call(
		    cli, &t, "DELETE", path, NULL, TIMEOUT_MS, &reply, NULL);
	} else if (strcmp(verb, "migrate") == 0 && nargs == 2) {
		snprintf(path, sizeof(path), "/v1/vms/%s/migrate", args[0]);
		body = json_pack("{s:s}", "host", args[1]);
		st = http_call(
		    cli, &t, "POST", path, body, 120000, &reply, NULL);
		json_decref(body);
	} else {
		return cli_fail(cli, "vm", EXIT_USAGE,
		    "expected: vm create|list|show|start|stop|delete|migrate|"
		    "console "
		    "(see 'vmgr help vm')");
	}
	rc = http_exit(cli, "vm", st, reply);
	if (rc != EXIT_OK) {
		json_decref(reply);
		return rc;
	}
	return print(cli, json, reply);
}
