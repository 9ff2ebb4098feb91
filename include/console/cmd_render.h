/*
 * cmd_render — `lain-console render [options] FILE`: lain.yaml -> deployd specs.
 *
 * argv[0] is "render". Prints {"podgroups": [...], "portals": [...]} on
 * stdout, or {"error": "<message>"} and returns 1 on invalid input.
 * Returns the process exit status.
 */
#ifndef CONSOLE_CMD_RENDER_H
#define CONSOLE_CMD_RENDER_H

int cmd_render(int argc, char **argv);

#endif
