/* vmgr.h - verbs of the vmgr command that live above the cli layer. */
#ifndef VMGR_VMGR_H
#define VMGR_VMGR_H

#include "cli/cli.h"

/* `vmgr sim`: replays a trace through the decision engine (it needs the
 * sim layer, a sibling of cli). Returns an exit code (cli.h). */
int cmd_sim(struct cli *cli, int argc, char **argv);

#endif
