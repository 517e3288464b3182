/* Helpers shared by the unit tests (and fuzz targets): temporary vaults, collected rejects, a
 * digest of a scan's result. */
#ifndef VIGIL_TESTUTIL_H
#define VIGIL_TESTUTIL_H

#include "vigil/vigil.h"

#include <stdint.h>
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

static inline uint64_t digest_bytes(uint64_t x, const void *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x = (x ^ ((const unsigned char *)p)[i]) * 0x100000001b3ull;
    return x;
}

/* A digest of what a scan found: severity, scores, people and their spans, personal data,
 * threat labels, spans and amount (to compare two scans of the same text). */
static inline uint64_t result_digest(const vigil_result *r)
{
    uint64_t x = 1469598103934665603ull;
#define MIX(p, n) (x = digest_bytes(x, (p), (n)))
    MIX(&r->severity, sizeof r->severity);
    MIX(&r->score, sizeof r->score);
    MIX(r->fingerprint, sizeof r->fingerprint);
    for (size_t i = 0; i < r->npeople; i++) {
        MIX(r->people[i].person, strlen(r->people[i].person));
        MIX(&r->people[i].matched, sizeof r->people[i].matched);
        for (size_t k = 0; k < r->people[i].nspans; k++) {
            MIX(&r->people[i].spans[k].start, sizeof(size_t));
            MIX(&r->people[i].spans[k].end, sizeof(size_t));
        }
    }
    for (size_t i = 0; i < r->npii; i++) {
        MIX(&r->pii[i].kind, sizeof r->pii[i].kind);
        MIX(&r->pii[i].start, sizeof(size_t));
        MIX(&r->pii[i].end, sizeof(size_t));
    }
    MIX(&r->threat.score, sizeof r->threat.score);
    MIX(&r->threat.labels, sizeof r->threat.labels);
    MIX(&r->threat.amount, sizeof r->threat.amount);
    for (size_t i = 0; i < r->threat.nspans; i++) {
        MIX(&r->threat.spans[i].label, sizeof r->threat.spans[i].label);
        MIX(&r->threat.spans[i].start, sizeof(size_t));
        MIX(&r->threat.spans[i].end, sizeof(size_t));
    }
#undef MIX
    return x;
}

#endif
