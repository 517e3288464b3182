/* Shared by the vigil command's source files. */
#ifndef VIGIL_CLI_H
#define VIGIL_CLI_H

#include "vigil/vigil.h"

#include <stdarg.h>

const char *cli_vault_dir(const char *opt);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int cli_open_vault(const char *opt, vigil_vault **out);
int cmd_scan(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_alerts(int argc, char **argv);
int cmd_person(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_evidence(int argc, char **argv);
int cmd_campaigns(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_eval(int argc, char **argv);
/* Loads the model at path, or the built-in one when path is NULL; 0 on success. */
int cli_load_model(const char *path, vigil_model **out);

#endif
