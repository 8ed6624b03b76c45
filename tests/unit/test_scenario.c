/* test_scenario.c - scenario parsing: each malformed case, its own error. */
#include "model/scenario.h"
#include "tap.h"

#include <errno.h>

struct bad_case {
	const char *json;
	const char *msg;
};

#define H "{\"name\":\"pm0\",\"cpu_milli\":1000,\"memory_mib\":1024}"
#define V(x) "{\"name\":\"" x "\",\"cpu_milli\":1000,\"memory_mib\":512}"

static const struct bad_case bad[] = {
	{ "", "1:0: '[' or '{' expected near end of file" },
	{ "{\"hosts\":[" H, "1:59: ']' expected near end of file" },
	{ "[]", "(top level): must be an object, got an array" },
	{ "{}", "hosts: missing (an array of hosts)" },
	{ "{\"hosts\":{}}", "hosts: must be an array, got an object" },
	{ "{\"hosts\":[], \"extra\":1}",
	    "extra: unknown key (expected one of: description, preset, "
	    "allocation, scheduling, seed, n_plus_one, hosts, vms)" },
	{ "{\"hosts\":[1]}", "hosts[0]: must be an object, got 1" },
	{ "{\"hosts\":[{\"cpu_milli\":1,\"memory_mib\":1}]}",
	    "hosts[0].name: missing (a non-empty string)" },
	{ "{\"hosts\":[{\"name\":\"\",\"cpu_milli\":1,\"memory_mib\":1}]}",
	    "hosts[0].name: must be a non-empty string of at most 55 bytes, "
	    "got \"\"" },
	{ "{\"hosts\":[{\"name\":\"a\",\"memory_mib\":1}]}",
	    "hosts[0].cpu_milli: missing (a positive integer)" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":0,\"memory_mib\":1}]}",
	    "hosts[0].cpu_milli: must be a positive integer, got 0" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1.5,\"memory_mib\":1}]}",
	    "hosts[0].cpu_milli: must be a positive integer, got 1.5" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":\"1\",\"memory_mib\":1}]}",
	    "hosts[0].cpu_milli: must be a positive integer, got \"1\"" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":9223372036854775807,"
	  "\"memory_mib\":1}]}",
	    "hosts[0].cpu_milli: must be a positive integer at most "
	    "4611686018427387904, got 9223372036854775807" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1,\"memory_mib\":1,"
	  "\"disk_gib\":-1}]}",
	    "hosts[0].disk_gib: must be a non-negative integer, got -1" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1,\"memory_mib\":1,"
	  "\"state\":\"broken\"}]}",
	    "hosts[0].state: must be up, maintenance or down, got \"broken\"" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1,\"memory_mib\":1,"
	  "\"overcommit\":{\"cpu\":0}}]}",
	    "hosts[0].overcommit.cpu: must be a number from 0.01 to 100, "
	    "got 0" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1,\"memory_mib\":1,"
	  "\"overcommit\":{\"gpu\":2}}]}",
	    "hosts[0].overcommit.gpu: unknown key (expected one of: cpu, "
	    "memory, disk, net)" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":4611686018427387904,"
	  "\"memory_mib\":1,\"overcommit\":{\"cpu\":2}}]}",
	    "hosts[0]: capacity times overcommit is too large" },
	{ "{\"hosts\":[{\"name\":\"a\",\"cpu_milli\":1,\"memory_mib\":1,"
	  "\"labels\":{\"zone\":5}}]}",
	    "hosts[0].labels.zone: must be a non-empty string of at most 63 "
	    "bytes, "
	    "got 5" },
	{ "{\"hosts\":[" H "," H "]}",
	    "hosts[1].name: duplicate host name 'pm0'" },
	{ "{\"hosts\":[{\"name\":\"a\",\"count\":0,\"cpu_milli\":1,"
	  "\"memory_mib\":1}]}",
	    "hosts[0].count: must be an integer from 1 to 1048576, got 0" },
	{ "{\"hosts\":[{\"name\":\"a\",\"count\":1048576,\"cpu_milli\":1,"
	  "\"memory_mib\":1},{\"name\":\"b\",\"cpu_milli\":1,"
	  "\"memory_mib\":1}]}",
	    "hosts[1]: more than 1048576 hosts in the scenario" },
	{ "{\"hosts\":[" H
	  "],\"vms\":[" V("A") ",{\"name\":\"B\","
			       "\"cpu_milli\":1000,\"memory_mib\":-5}]}",
	    "vms[1].memory_mib: must be a positive integer, got -5" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":1,"
	  "\"memroy_mib\":5}]}",
	    "vms[0].memroy_mib: unknown key (expected one of: name, count, "
	    "cpu_milli, memory_mib, disk_gib, net_mbps, priority, perf_class, "
	    "affinity, anti_affinity, ha, requires, host, workload)" },
	{ "{\"hosts\":[" H "],\"vms\":[" V("A") "," V("A") "]}",
	    "vms[1].name: duplicate VM name 'A'" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":1,"
	  "\"memory_mib\":1,\"priority\":1001}]}",
	    "vms[0].priority: must be an integer from -1000 to 1000, got "
	    "1001" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":1,"
	  "\"memory_mib\":1,\"perf_class\":\"turbo\"}]}",
	    "vms[0].perf_class: must be low, normal or high, got \"turbo\"" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":1,"
	  "\"memory_mib\":1,\"ha\":\"yes\"}]}",
	    "vms[0].ha: must be true or false, got \"yes\"" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":1,"
	  "\"memory_mib\":1,\"host\":\"pm9\"}]}",
	    "vms[0].host: unknown host 'pm9'" },
	{ "{\"hosts\":[" H "],\"vms\":[{\"name\":\"A\",\"cpu_milli\":2000,"
	  "\"memory_mib\":1,\"host\":\"pm0\"}]}",
	    "vms[0].host: A cannot run on pm0: pm0: cpu needs 2000m, 1000m "
	    "free" },
	{ "{\"hosts\":[" H "],\"vms\":{}}",
	    "vms: must be an array, got an object" },
	{ "{\"hosts\":[" H "],\"allocation\":5}",
	    "allocation: must be a name or an object with \"strategy\", got "
	    "5" },
	{ "{\"hosts\":[" H "],\"allocation\":{\"params\":\"a=1\"}}",
	    "allocation.strategy: missing (a name)" },
	{ "{\"hosts\":[" H "],\"allocation\":{\"strategy\":\"x\","
	  "\"params\":{\"a\":[1]}}}",
	    "allocation.params.a: must be a number, a boolean or a string "
	    "without ',' or '='" },
	{ "{\"hosts\":[" H "],\"seed\":-1}",
	    "seed: must be a non-negative integer, got -1" },
	{ "{\"hosts\":[" H "],\"n_plus_one\":1}",
	    "n_plus_one: must be true or false, got 1" },
};

static void
test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct scenario *s = NULL;
		struct diag d = { 0 };
		int r =
		    scenario_parse(bad[i].json, strlen(bad[i].json), &s, &d);

		ok(r == -EINVAL && s == NULL, "bad case %zu is refused", i);
		is_str(d.msg, bad[i].msg, "bad case %zu message", i);
	}
}

static void
test_good(void)
{
	const char *j =
	    "{\"description\":\"d\",\"preset\":\"cloud\","
	    "\"allocation\":{\"strategy\":\"perf\",\"params\":{\"target\":0.5,"
	    "\"strict\":true,\"mode\":\"a\",\"n\":3}},"
	    "\"scheduling\":\"fcfs\",\"seed\":7,\"n_plus_one\":true,"
	    "\"hosts\":[{\"name\":\"pm\",\"count\":3,\"cpu_milli\":2000,"
	    "\"memory_mib\":4096,\"disk_gib\":100,\"net_mbps\":1000,"
	    "\"overcommit\":{\"cpu\":4,\"memory\":1.5},\"perf\":1.25,"
	    "\"state\":\"up\",\"labels\":{\"zone\":\"a\"}}],"
	    "\"vms\":[{\"name\":\"w\",\"count\":2,\"cpu_milli\":500,"
	    "\"memory_mib\":256,\"priority\":10,\"perf_class\":\"high\","
	    "\"anti_affinity\":\"web\",\"ha\":false,"
	    "\"requires\":{\"zone\":\"a\"}},"
	    "{\"name\":\"db\",\"cpu_milli\":100,\"memory_mib\":100,"
	    "\"host\":\"pm1\"}]}";
	struct scenario *s = NULL;
	struct diag d = { 0 };
	const struct host *h;
	const struct vm *v;
	host_id hid;
	vm_id vid;

	ok(scenario_parse(j, strlen(j), &s, &d) == 0,
	    "full scenario parses (%s)", d.msg);
	if (!s)
		return;
	is_int(s->cluster->n_hosts, 3, "count expands hosts");
	ok(cluster_find_host(s->cluster, "pm2", &hid) == 0, "pm2 exists");
	h = cluster_host(s->cluster, hid);
	is_int(h->limit.v[RES_CPU], 8000, "cpu overcommit x4");
	is_int(h->limit.v[RES_MEM], 6144, "memory overcommit x1.5");
	is_int(h->perf_milli, 1250, "perf factor");
	is_str(labels_get(&h->labels, "zone"), "a", "label");
	is_int(s->n_arrivals, 2, "two arrivals (db is already placed)");
	ok(cluster_find_vm(s->cluster, "w1", &vid) == 0, "w1 exists");
	v = cluster_vm(s->cluster, vid);
	ok(v->priority == 10 && v->perf == PERF_HIGH && !v->ha &&
		v->anti_affinity != GROUP_NONE,
	    "VM fields");
	ok(cluster_find_vm(s->cluster, "db", &vid) == 0 &&
		cluster_vm(s->cluster, vid)->host == 1,
	    "db runs on pm1");
	is_str(s->allocation.name, "perf", "allocation name");
	ok(s->allocation.params && strstr(s->allocation.params, "target=0.5") &&
		strstr(s->allocation.params, "strict=true") &&
		strstr(s->allocation.params, "n=3"),
	    "params flattened (%s)", s->allocation.params);
	is_str(s->scheduling.name, "fcfs", "scheduling");
	is_str(s->preset, "cloud", "preset");
	ok(s->seed == 7 && s->n_plus_one, "seed and n_plus_one");
	scenario_free(s);
}

static void
test_seed_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[8192];
	size_t n;
	struct scenario *s = NULL;
	struct diag d = { 0 };

	if (!ok(f != NULL, "open %s", path))
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	ok(scenario_parse(buf, n, &s, &d) == 0, "seed example parses (%s)",
	    d.msg);
	if (!s)
		return;
	is_int(s->cluster->n_hosts, 1, "one host");
	is_int(cluster_host(s->cluster, 0)->cap.v[RES_CPU], 1000, "1 core");
	is_int(cluster_host(s->cluster, 0)->cap.v[RES_MEM], 1024, "1 GiB");
	is_int(s->n_arrivals, 2, "A and B arrive");
	is_str(s->allocation.name, "first-fit", "need-based first fit");
	scenario_free(s);
}

int
main(int argc, char **argv)
{
	test_bad();
	test_good();
	if (argc > 1)
		test_seed_file(argv[1]);
	return tap_done();
}
