/* The scan session shared by `vigil scan` and `vigil watch`. */
#ifndef VIGIL_CLI_SCAN_H
#define VIGIL_CLI_SCAN_H

#include "cli.h"

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct scan_opts {
    const char *vault;
    vigil_input_format fmt;
    bool all, text, explain, no_model, unordered, progress, quiet, verbose, store;
    vigil_severity min;
    int threads;
    size_t max_doc;
    const char *model;
    const char *rules[16];
    size_t nrules;
    const char *include[32], *exclude[32];
    size_t ninclude, nexclude;
    const char *rejects;
    char *const *paths; /* the inputs, for the progress total */
    size_t npaths;
} scan_opts;

typedef struct scan_session scan_session;

/* Parses the options shared by scan and watch; returns -1 when argv[optind] is not one of
 * them (the caller handles it), 0 when handled, 2 on a bad value. */
int scan_parse_option(int c, const char *arg, scan_opts *o);
void scan_opts_init(scan_opts *o);
/* The long options of scan (watch adds its own). */
const struct option *scan_long_options(void);

/* A value of the vault's config file (DIR/config: "key = value" lines). */
bool scan_config(const char *vault_opt, const char *key, char *out, size_t cap);
/* Whether the vault's config turns the store on ("store = on"). */
bool scan_config_store(const char *vault_opt);
/* The entries of a folder, sorted (without . and .., and hidden ones when asked); 0, or -1 with
 * errno set. The caller frees each name and the array. */
int scan_list_dir(const char *dir, bool skip_hidden, char ***names, size_t *n);
/* Whether --include/--exclude leave out a file (or, with dir, a folder). */
bool scan_excluded(const scan_opts *o, const char *path, bool dir);
/* Opens the vault, rules and model and starts the workers; 0 or 2 (message printed). */
int scan_session_open(const scan_opts *o, scan_session **out);
/* A file, a directory (recursively) or "-". */
void scan_session_path(scan_session *s, const char *path);
void scan_session_file(scan_session *s, const char *path);
/* Every document of an open reader; returns the reader's final position. */
uint64_t scan_session_reader(scan_session *s, vigil_reader *r, const char *path);
/* Waits until every document handed in so far is scanned and its output written. */
void scan_session_flush(scan_session *s);
void scan_session_stats(const scan_session *s, size_t *reported, size_t *failed);
/* Flushes, prints the summary and frees; returns the exit status (0 reported, 1 nothing, 2
 * something failed). */
int scan_session_close(scan_session *s);

#endif
