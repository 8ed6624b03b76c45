/* main.c - vmgrd: parse flags, build the loop, run a role until SIGTERM/SIGINT. */
#include "agent/agent.h"
#include "agent/api.h"
#include "agent/loop.h"
#include "agent/uplink.h"
#include "core/log.h"

#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
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
	    "usage: vmgrd --role agent [--socket PATH] [--listen ADDR:PORT "
	    "--token-file F]\n"
	    "             [--state-dir DIR] [--qemu BIN] [--qemu-user USER]"
	    " [--accel auto|kvm|tcg]\n"
	    "             [--kernel F --initrd F] [--log-level L]\n"
	    "             [--migrate-address ADDR] [--migrate-ports LO-HI]\n"
	    "             [--manager URL --manager-token-file F --advertise URL"
	    " [--host-name NAME]]\n");
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
		{ "migrate-address", required_argument, NULL, 'M' },
		{ "migrate-ports", required_argument, NULL, 'P' },
		{ "manager", required_argument, NULL, 'm' },
		{ "manager-token-file", required_argument, NULL, 'T' },
		{ "host-name", required_argument, NULL, 'n' },
		{ "advertise", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c = { .sigfd = -1 };
	struct agent_config acfg = { .state_dir = "./var/agent" };
	struct api_config pcfg = { .unix_path = NULL };
	const char *role = NULL, *token_file = NULL, *mtoken_file = NULL;
	struct uplink_config ucfg = { .manager_url = NULL };
	char *token = NULL, *mtoken = NULL, host[256];
	struct agent *agent = NULL;
	struct api *api = NULL;
	struct uplink *uplink = NULL;
	struct diag d = { 0 };
	enum log_level lvl = LOGL_INFO;
	sigset_t mask;
	int opt, r, rc = 1;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role = optarg;
			break;
		case 's':
			pcfg.unix_path = optarg;
			break;
		case 'l':
			pcfg.tcp = optarg;
			break;
		case 't':
			token_file = optarg;
			break;
		case 'd':
			acfg.state_dir = optarg;
			break;
		case 'q':
			acfg.qemu = optarg;
			break;
		case 'u':
			acfg.qemu_user = optarg;
			break;
		case 'a':
			acfg.accel = optarg;
			break;
		case 'k':
			acfg.default_kernel = optarg;
			break;
		case 'i':
			acfg.default_initrd = optarg;
			break;
		case 'L':
			if (log_level_parse(optarg, &lvl) < 0) {
				fprintf(stderr,
				    "vmgrd: --log-level: error, "
				    "warn, info or debug\n");
				return 2;
			}
			break;
		case 'M':
			acfg.migrate_address = optarg;
			break;
		case 'P':
			if (migrate_ports_parse(optarg, &acfg.migrate_port_min,
				&acfg.migrate_port_max) < 0) {
				fprintf(stderr,
				    "vmgrd: --migrate-ports: expected LO-HI "
				    "within 1-65535, got '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'm':
			ucfg.manager_url = optarg;
			break;
		case 'T':
			mtoken_file = optarg;
			break;
		case 'n':
			ucfg.host_name = optarg;
			break;
		case 'A':
			ucfg.advertise_url = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc || !role || strcmp(role, "agent") != 0) {
		fprintf(stderr, "vmgrd: %s\n",
		    role ? "only --role agent exists so far"
			 : "--role is required");
		usage(stderr);
		return 2;
	}
	log_init(&c.log, "vmgrd", stderr, lvl);
	acfg.log = &c.log;
	pcfg.log = &c.log;
	if (!pcfg.unix_path && !pcfg.tcp)
		pcfg.unix_path = "./var/agent.sock";
	if (pcfg.tcp) {
		if (!token_file) {
			fprintf(stderr, "vmgrd: --listen needs --token-file\n");
			return 2;
		}
		token = read_token(token_file);
		if (!token) {
			fprintf(stderr, "vmgrd: --token-file %s: unreadable\n",
			    token_file);
			return 1;
		}
		pcfg.token = token;
	}
	if (ucfg.manager_url) {
		if (!mtoken_file || !ucfg.advertise_url) {
			fprintf(stderr,
			    "vmgrd: --manager needs --manager-token-file and "
			    "--advertise\n");
			free(token);
			return 2;
		}
		mtoken = read_token(mtoken_file);
		if (!mtoken) {
			fprintf(stderr,
			    "vmgrd: --manager-token-file %s: unreadable\n",
			    mtoken_file);
			free(token);
			return 1;
		}
		if (!ucfg.host_name) {
			if (gethostname(host, sizeof(host)) < 0)
				snprintf(host, sizeof(host), "localhost");
			host[sizeof(host) - 1] = '\0';
			ucfg.host_name = host;
		}
		ucfg.manager_token = mtoken;
		ucfg.agent_token = token;
		ucfg.log = &c.log;
	}
	/* As root, QEMU runs as nobody unless told otherwise. */
	if (!acfg.qemu_user && getuid() == 0 && getpwnam("nobody"))
		acfg.qemu_user = "nobody";
	if (strcmp(acfg.state_dir, "./var/agent") == 0)
		(void)!system("mkdir -p ./var");
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
	r = agent_new(&acfg, c.loop, &agent, &d);
	if (r < 0) {
		log_error(&c.log, "agent: %s", d.msg);
		goto out;
	}
	r = api_new(agent, c.loop, &pcfg, &api, &d);
	if (r < 0) {
		log_error(&c.log, "api: %s", d.msg);
		goto out;
	}
	if (ucfg.manager_url) {
		r = uplink_new(agent, c.loop, &ucfg, &uplink, &d);
		if (r < 0) {
			log_error(&c.log, "manager link: %s", d.msg);
			goto out;
		}
	}
	log_info(&c.log, "agent ready:%s%s%s%u",
	    pcfg.unix_path ? " socket " : "",
	    pcfg.unix_path ? pcfg.unix_path : "", pcfg.tcp ? " tcp port " : " ",
	    pcfg.tcp ? (unsigned)api_tcp_port(api) : 0u);
	r = loop_run(c.loop);
	if (r < 0)
		log_error(&c.log, "event loop: %s", strerror(-r));
	agent_shutdown(agent, 15000);
	/* The last events (stopped, exited) to the manager, briefly. */
	if (uplink)
		uplink_flush(uplink, 2000);
	rc = r < 0;
out:
	uplink = uplink_free(uplink);
	api = api_free(api);
	agent = agent_free(agent);
	if (c.loop)
		loop_del(c.loop, &c.w_sig);
	c.loop = loop_free(c.loop);
	if (c.sigfd >= 0)
		close(c.sigfd);
	free(token);
	free(mtoken);
	return rc;
}
