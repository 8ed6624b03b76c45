/* main.c - vmgrd: parse flags, run the manager, the agent or both until SIGTERM/SIGINT. */
#include "agent/agent.h"
#include "agent/api.h"
#include "agent/loop.h"
#include "agent/migrate.h"
#include "agent/uplink.h"
#include "core/log.h"
#include "manager/api.h"
#include "manager/manager.h"

#include "decide/preset.h"

#include <errno.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

struct ctx {
	struct log log;
	struct loop *loop;
	struct loop_watch w_sig;
	int sigfd;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: vmgrd [--role all|manager|agent] [--state-dir DIR] "
	    "[--log-level L]\n"
	    "  manager (and all, the default: manager + this host's agent):\n"
	    "    [--socket PATH] [--listen ADDR:PORT --token-file F] "
	    "[--agent-token-file F]\n"
	    "    [--preset P | --allocation S [--allocation-params K=V,..] "
	    "--scheduling S]\n"
	    "    [--offer CPU_MILLI:MEMORY_MIB] [--host-name NAME] "
	    "[--heartbeat-ms N]\n"
	    "    [--detector D [--detector-params K=V,..]] [--seed N] "
	    "[--n-plus-one]\n"
	    "    [--lease-ms N] [--pressure-pct P]\n"
	    "  agent (alone it takes --socket, --listen, --token-file; beside\n"
	    "  the manager):\n"
	    "    [--agent-socket PATH] [--agent-listen ADDR:PORT "
	    "--agent-api-token-file F]\n"
	    "    [--qemu BIN] [--qemu-user USER] [--accel auto|kvm|tcg] "
	    "[--kernel F --initrd F]\n"
	    "    [--migrate-address ADDR] [--migrate-ports LO-HI]\n"
	    "  agent alone, joining a remote manager:\n"
	    "    --manager URL --manager-token-file F --advertise URL "
	    "[--host-name NAME]\n"
	    "    [--pressure-file F]   (memory PSI reported with heartbeats; "
	    "/proc/pressure/memory)\n");
}

static void
on_signal(struct loop_watch *w, uint32_t revents)
{
	struct ctx *c = w->ud;
	struct signalfd_siginfo si;

	(void)revents;
	while (read(c->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		log_info(&c->log, "signal %u: shutting down",
		    (unsigned)si.ssi_signo);
		loop_quit(c->loop);
	}
}

static char *
read_token(const char *path)
{
	FILE *f = fopen(path, "re");
	char buf[256], *nl;

	if (!f)
		return NULL;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return NULL;
	}
	fclose(f);
	nl = strpbrk(buf, "\r\n");
	if (nl)
		*nl = '\0';
	return strdup(buf);
}

/* Everything main() is told, before it builds anything. */
struct opts {
	const char *role, *state_dir, *socket, *listen, *token_file;
	const char *agent_token_file, *agent_socket, *agent_listen;
	const char *agent_api_token_file, *offer, *host_name, *preset;
	const char *manager_url, *manager_token_file, *advertise;
	const char *pressure_file;
	uint32_t heartbeat_ms;
	struct manager_config mcfg;
	struct agent_config acfg;
};

/* Whole-machine capacity: online CPUs and MemTotal. */
static void
machine(struct res *r)
{
	FILE *f = fopen("/proc/meminfo", "re");
	unsigned long long kb = 0;
	char line[256];
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	memset(r, 0, sizeof(*r));
	r->v[RES_CPU] = (n > 0 ? n : 1) * 1000;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %llu kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	r->v[RES_MEM] = kb ? (int64_t)(kb / 1024) : 1024;
}

static int
run_manager(struct ctx *c, struct opts *o, struct manager **ret_m,
    struct mapi **ret_api, char **tokens)
{
	struct mapi_config mc = { 0 };
	struct diag d = { 0 };
	char sock[1024];
	int r;

	if (o->preset) {
		const struct preset *p = preset_find(o->preset);

		if (!p) {
			log_error(&c->log,
			    "--preset %s: unknown (cloud, distributed, hpc)",
			    o->preset);
			return -EINVAL;
		}
		o->mcfg.eng.allocation = p->allocation;
		o->mcfg.eng.scheduling = p->scheduling;
	}
	o->mcfg.state_dir = o->state_dir;
	o->mcfg.log = &c->log;
	o->mcfg.heartbeat_ms = o->heartbeat_ms;
	if (o->agent_token_file) {
		tokens[1] = read_token(o->agent_token_file);
		if (!tokens[1]) {
			log_error(&c->log, "--agent-token-file %s: unreadable",
			    o->agent_token_file);
			return -EINVAL;
		}
		o->mcfg.agent_token = tokens[1];
	}
	r = manager_new(&o->mcfg, ret_m, &d);
	if (r < 0) {
		log_error(&c->log, "manager: %s", d.msg);
		return r;
	}
	snprintf(sock, sizeof(sock), "%s/vmgrd.sock", o->state_dir);
	mc.unix_path = o->socket ? o->socket : sock;
	mc.tcp = o->listen;
	if (o->listen) {
		if (!o->token_file) {
			log_error(&c->log, "--listen needs --token-file");
			return -EINVAL;
		}
		tokens[0] = read_token(o->token_file);
		if (!tokens[0]) {
			log_error(&c->log, "--token-file %s: unreadable",
			    o->token_file);
			return -EINVAL;
		}
		mc.token = tokens[0];
	}
	r = mapi_new(*ret_m, &mc, ret_api, &d);
	if (r < 0) {
		log_error(&c->log, "api: %s", d.msg);
		return r;
	}
	if (o->listen)
		log_info(&c->log,
		    "manager ready: API on unix:%s and tcp port %u",
		    mc.unix_path, (unsigned)mapi_tcp_port(*ret_api));
	else
		log_info(
		    &c->log, "manager ready: API on unix:%s", mc.unix_path);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "socket", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "token-file", required_argument, NULL, 't' },
		{ "state-dir", required_argument, NULL, 'd' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "qemu-user", required_argument, NULL, 'u' },
		{ "accel", required_argument, NULL, 'a' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "log-level", required_argument, NULL, 'L' },
		{ "agent-token-file", required_argument, NULL, 'T' },
		{ "agent-socket", required_argument, NULL, 'S' },
		{ "agent-listen", required_argument, NULL, 'A' },
		{ "agent-api-token-file", required_argument, NULL, 'P' },
		{ "offer", required_argument, NULL, 'o' },
		{ "host-name", required_argument, NULL, 'n' },
		{ "preset", required_argument, NULL, 'p' },
		{ "allocation", required_argument, NULL, 'x' },
		{ "allocation-params", required_argument, NULL, 'X' },
		{ "scheduling", required_argument, NULL, 'y' },
		{ "detector", required_argument, NULL, 'D' },
		{ "detector-params", required_argument, NULL, 'E' },
		{ "heartbeat-ms", required_argument, NULL, 'H' },
		{ "seed", required_argument, NULL, 'Z' },
		{ "n-plus-one", no_argument, NULL, '1' },
		{ "lease-ms", required_argument, NULL, 'e' },
		{ "migrate-address", required_argument, NULL, 'M' },
		{ "migrate-ports", required_argument, NULL, 'R' },
		{ "manager", required_argument, NULL, 'm' },
		{ "manager-token-file", required_argument, NULL, 'K' },
		{ "advertise", required_argument, NULL, 'V' },
		{ "pressure-file", required_argument, NULL, 'W' },
		{ "pressure-pct", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { .sigfd = -1 };
	struct opts o = { .role = "all", .state_dir = "./var" };
	struct api_config pcfg = { .unix_path = NULL };
	char *tokens[3] = { NULL, NULL, NULL }, agent_dir[1024],
	     agent_sock[1024];
	struct agent *agent = NULL;
	struct api *api = NULL;
	struct manager *mgr = NULL;
	struct mapi *mapi = NULL;
	struct uplink_config ucfg = { .manager_url = NULL };
	struct uplink *uplink = NULL;
	char *mtoken = NULL, host[256];
	struct diag d = { 0 };
	enum log_level lvl = LOGL_INFO;
	bool want_agent, want_manager;
	sigset_t mask;
	int opt, r, rc = 1;

	engine_opts_default(&o.mcfg.eng);
	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			o.role = optarg;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'l':
			o.listen = optarg;
			break;
		case 't':
			o.token_file = optarg;
			break;
		case 'd':
			o.state_dir = optarg;
			break;
		case 'q':
			o.acfg.qemu = optarg;
			break;
		case 'u':
			o.acfg.qemu_user = optarg;
			break;
		case 'a':
			o.acfg.accel = optarg;
			break;
		case 'k':
			o.acfg.default_kernel = optarg;
			break;
		case 'i':
			o.acfg.default_initrd = optarg;
			break;
		case 'T':
			o.agent_token_file = optarg;
			break;
		case 'S':
			o.agent_socket = optarg;
			break;
		case 'A':
			o.agent_listen = optarg;
			break;
		case 'P':
			o.agent_api_token_file = optarg;
			break;
		case 'o':
			o.offer = optarg;
			break;
		case 'n':
			o.host_name = optarg;
			break;
		case 'p':
			o.preset = optarg;
			break;
		case 'x':
			o.mcfg.eng.allocation = optarg;
			break;
		case 'X':
			o.mcfg.eng.allocation_params = optarg;
			break;
		case 'y':
			o.mcfg.eng.scheduling = optarg;
			break;
		case 'D':
			o.mcfg.detector = optarg;
			break;
		case 'E':
			o.mcfg.detector_params = optarg;
			break;
		case 'H':
			o.heartbeat_ms = (uint32_t)strtoul(optarg, NULL, 10);
			if (o.heartbeat_ms < 100 || o.heartbeat_ms > 60000) {
				fprintf(stderr,
				    "vmgrd: --heartbeat-ms: 100 to 60000\n");
				return 2;
			}
			break;
		case 'Z':
			o.mcfg.eng.seed = strtoull(optarg, NULL, 10);
			break;
		case '1':
			o.mcfg.n_plus_one = true;
			break;
		case 'G': {
			char *end;

			o.mcfg.pressure_pct = strtod(optarg, &end);
			if (*end || end == optarg ||
			    !(o.mcfg.pressure_pct >= 0.1 &&
				o.mcfg.pressure_pct <= 100)) {
				fprintf(stderr,
				    "vmgrd: --pressure-pct: a "
				    "percentage from 0.1 to 100\n");
				return 2;
			}
			break;
		}
		case 'e':
			o.mcfg.lease_ms = (uint32_t)strtoul(optarg, NULL, 10);
			if (o.mcfg.lease_ms < 100 ||
			    o.mcfg.lease_ms > 3600000) {
				fprintf(stderr,
				    "vmgrd: --lease-ms: 100 to 3600000\n");
				return 2;
			}
			break;
		case 'M':
			o.acfg.migrate_address = optarg;
			break;
		case 'R':
			if (migrate_ports_parse(optarg,
				&o.acfg.migrate_port_min,
				&o.acfg.migrate_port_max) < 0) {
				fprintf(stderr,
				    "vmgrd: --migrate-ports: expected LO-HI "
				    "(1024-65535)\n");
				return 2;
			}
			break;
		case 'm':
			o.manager_url = optarg;
			break;
		case 'K':
			o.manager_token_file = optarg;
			break;
		case 'V':
			o.advertise = optarg;
			break;
		case 'W':
			o.pressure_file = optarg;
			break;
		case 'L':
			if (log_level_parse(optarg, &lvl) < 0) {
				fprintf(stderr,
				    "vmgrd: --log-level: error, "
				    "warn, info or debug\n");
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	want_agent = !strcmp(o.role, "agent") || !strcmp(o.role, "all");
	want_manager = !strcmp(o.role, "manager") || !strcmp(o.role, "all");
	if (optind < argc || (!want_agent && !want_manager)) {
		fprintf(stderr, "vmgrd: --role: all, manager or agent\n");
		usage(stderr);
		return 2;
	}
	log_init(&c.log, "vmgrd", stderr, lvl);
	if (mkdir(o.state_dir, 0700) < 0 && errno != EEXIST) {
		fprintf(
		    stderr, "vmgrd: %s: %s\n", o.state_dir, strerror(errno));
		return 1;
	}
	snprintf(agent_dir, sizeof(agent_dir), "%s/agent", o.state_dir);
	snprintf(agent_sock, sizeof(agent_sock), "%s/agent.sock", o.state_dir);
	/* Alone, the agent keeps its VMs in the state directory itself. */
	o.acfg.state_dir = want_manager ? agent_dir : o.state_dir;
	o.acfg.log = &c.log;
	pcfg.log = &c.log;
	/* Alone, the agent takes the API flags; beside the manager it has its
	 * own (--agent-socket, --agent-listen, --agent-api-token-file). */
	if (!want_manager) {
		o.agent_socket = o.socket;
		o.agent_listen = o.listen;
		o.agent_api_token_file = o.token_file;
	}
	pcfg.unix_path = o.agent_socket ? o.agent_socket : agent_sock;
	pcfg.tcp = o.agent_listen;
	if (pcfg.tcp) {
		if (!o.agent_api_token_file) {
			fprintf(stderr,
			    "vmgrd: --agent-listen needs "
			    "--agent-api-token-file\n");
			return 2;
		}
		tokens[2] = read_token(o.agent_api_token_file);
		if (!tokens[2]) {
			fprintf(stderr, "vmgrd: %s: unreadable\n",
			    o.agent_api_token_file);
			return 1;
		}
		pcfg.token = tokens[2];
	}
	/* As root, QEMU runs as nobody unless told otherwise. */
	if (!o.acfg.qemu_user && getuid() == 0 && getpwnam("nobody"))
		o.acfg.qemu_user = "nobody";
	/* Signals arrive through the loop; children reset the mask. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	c.sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (c.sigfd < 0 || loop_new(100, &c.loop) < 0) {
		fprintf(stderr, "vmgrd: cannot set up the event loop\n");
		goto out;
	}
	c.w_sig = (struct loop_watch){
		.fd = c.sigfd, .events = EPOLLIN, .cb = on_signal, .ud = &c
	};
	loop_add(c.loop, &c.w_sig);
	if (want_agent) {
		r = agent_new(&o.acfg, c.loop, &agent, &d);
		if (r < 0) {
			log_error(&c.log, "agent: %s", d.msg);
			goto out;
		}
		r = api_new(agent, c.loop, &pcfg, &api, &d);
		if (r < 0) {
			log_error(&c.log, "agent api: %s", d.msg);
			goto out;
		}
		log_info(&c.log, "agent ready: socket %s%s%u", pcfg.unix_path,
		    pcfg.tcp ? " tcp port " : " ",
		    pcfg.tcp ? (unsigned)api_tcp_port(api) : 0u);
	}
	if (want_manager) {
		if (run_manager(&c, &o, &mgr, &mapi, tokens) < 0)
			goto out;
	}
	if (want_agent && want_manager) {
		/* This host, offering what --offer says (all of it by
		 * default), reached through the agent's socket. */
		char name[64], url[1100];
		struct res cap;

		machine(&cap);
		if (o.offer) {
			long long cpu, mem;

			if (sscanf(o.offer, "%lld:%lld", &cpu, &mem) != 2 ||
			    cpu <= 0 || mem <= 0) {
				log_error(&c.log,
				    "--offer: expected CPU_MILLI:MEMORY_MIB");
				goto out;
			}
			cap.v[RES_CPU] = cpu;
			cap.v[RES_MEM] = mem;
		}
		if (o.host_name)
			snprintf(name, sizeof(name), "%s", o.host_name);
		else if (gethostname(name, sizeof(name)) < 0 || !name[0])
			snprintf(name, sizeof(name), "local");
		snprintf(url, sizeof(url), "unix:%s", pcfg.unix_path);
		r = manager_add_host(mgr, name, url, NULL, &cap, true, &d);
		if (r < 0) {
			log_error(&c.log, "host %s: %s", name, d.msg);
			goto out;
		}
	}
	if (o.manager_url) {
		/* This agent joins a manager elsewhere: registration and
		 * heartbeats carrying its events (docs/agent.md). */
		if (!want_agent || want_manager || !o.manager_token_file ||
		    !o.advertise) {
			log_error(&c.log,
			    "--manager goes with --role agent, "
			    "--manager-token-file and --advertise");
			goto out;
		}
		mtoken = read_token(o.manager_token_file);
		if (!mtoken) {
			log_error(&c.log, "--manager-token-file %s: unreadable",
			    o.manager_token_file);
			goto out;
		}
		if (o.host_name)
			snprintf(host, sizeof(host), "%s", o.host_name);
		else if (gethostname(host, sizeof(host)) < 0 || !host[0])
			snprintf(host, sizeof(host), "localhost");
		host[sizeof(host) - 1] = '\0';
		ucfg.manager_url = o.manager_url;
		ucfg.manager_token = mtoken;
		ucfg.agent_token = pcfg.token;
		ucfg.advertise_url = o.advertise;
		ucfg.pressure_file = o.pressure_file;
		ucfg.host_name = host;
		ucfg.log = &c.log;
		r = uplink_new(agent, c.loop, &ucfg, &uplink, &d);
		if (r < 0) {
			log_error(&c.log, "manager link: %s", d.msg);
			goto out;
		}
	}
	r = loop_run(c.loop);
	if (r < 0)
		log_error(&c.log, "event loop: %s", strerror(-r));
	rc = r < 0;
	/* The manager stops deciding before the agent stops its VMs, so the
	 * VMs' exits are not taken for failures. */
	mapi = mapi_free(mapi);
	mgr = manager_free(mgr);
	if (agent)
		agent_shutdown(agent, 15000);
	/* The last events (stopped, exited) to a remote manager, briefly. */
	if (uplink)
		uplink_flush(uplink, 2000);
out:
	uplink = uplink_free(uplink);
	free(mtoken);
	mapi_free(mapi);
	manager_free(mgr);
	api = api_free(api);
	agent = agent_free(agent);
	if (c.loop)
		loop_del(c.loop, &c.w_sig);
	c.loop = loop_free(c.loop);
	if (c.sigfd >= 0)
		close(c.sigfd);
	for (int i = 0; i < 3; i++)
		free(tokens[i]);
	return rc;
}
