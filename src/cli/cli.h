/* Shared by the vigil command's source files. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include "vigil/vigil.h"

#include <stdarg.h>

const char *cli_vault_dir(const char *opt);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_open_vault(const char *opt, vigil_vault **out);
int cmd_scan(int argc, char **argv);

#endif
