/* Helpers shared by the unit tests: temporary vaults and collected rejects. */
#ifndef VIGIL_TESTUTIL_H
#define VIGIL_TESTUTIL_H

#include "vigil/vigil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct rejects {
    int n;
    char text[4096];
} rejects;

static inline void collect_reject(void *user, const char *file, size_t line, const char *msg)
{
    rejects *r = user;
    r->n++;
    size_t o = strlen(r->text);
    snprintf(r->text + o, sizeof r->text - o, "%s:%zu: %s\n", file, line, msg);
}

/* Creates a vault in a fresh temporary directory; path written to dir (64 bytes). */
static inline vigil_vault *temp_vault(char *dir)
{
    strcpy(dir, "/tmp/vigil-test-XXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    char vdir[96];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    char err[512];
    if (vigil_vault_init(vdir, err, sizeof err) != VIGIL_OK) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    vigil_vault *v;
    if (vigil_vault_open(vdir, &v, err, sizeof err) != VIGIL_OK) {
        fprintf(stderr, "%s\n", err);
        return NULL;
    }
    return v;
}

static inline void remove_tree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cannot remove %s\n", dir);
}

static inline vigil_status enroll_str(vigil_vault *v, const char *data, rejects *r)
{
    size_t ok, bad;
    return vigil_vault_enroll_buffer(v, "test", data, strlen(data), collect_reject, r, &ok, &bad);
}

#endif
