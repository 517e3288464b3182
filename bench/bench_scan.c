/*
 * bench_scan: the scan engine's own figures, without I/O or JSON.
 *   bench_scan [--exposure-only | --threat] VAULT CORPUS [REPEAT]
 *   bench_scan --compare ROUNDS VAULT CORPUS
 * By default exposure matching and personal-data patterns run; --exposure-only turns the
 * patterns off; --threat adds threat detection (the built-in rules and model).
 * CORPUS has one document per line. Prints the vault load time, documents and bytes scanned,
 * MB/s and docs/s on one thread, alerts found, and peak resident memory.
 *
 * --compare runs the three configurations in one process, one pass over the corpus each in
 * turn, ROUNDS times, and prints each one's best pass and the median over rounds of the
 * all-detectors / exposure-only ratio of the same round: on a machine whose speed drifts with
 * its neighbours, passes seconds apart see the same conditions, where separate runs minutes
 * apart do not.
 */
#include "vigil/vigil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One pass of sc over the corpus buf[0..size): documents, bytes, alerts; false on an error. */
static int pass(vigil_scanner *sc, char *buf, size_t size, size_t *docs, size_t *bytes,
                size_t *alerts)
{
    for (char *p = buf, *end = buf + size; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        const vigil_result *res;
        if (vigil_scan(sc, p, n, &res) != VIGIL_OK)
            return 0;
        *alerts += res->severity >= VIGIL_SEV_LOW;
        (*docs)++;
        *bytes += n + 1;
        p += n + 1;
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* --compare: exposure only, + personal data, all detectors, interleaved. */
static int compare(vigil_vault *v, int rounds, char *buf, size_t size, double load)
{
    enum { EXPOSURE, PII, ALL, NCONF };
    static const char *const names[NCONF] = {"exposure", "pii", "all"};
    char err[512];
    vigil_scanner *sc[NCONF];
    vigil_rules *rules = NULL;
    vigil_model *model = NULL;
    if (vigil_rules_load(v, NULL, 0, &rules, err, sizeof err) != VIGIL_OK ||
        vigil_model_builtin(&model) != VIGIL_OK) {
        fprintf(stderr, "threat detection: %s\n", err);
        return 2;
    }
    for (int c = 0; c < NCONF; c++) {
        if (vigil_scanner_create(v, &sc[c]) != VIGIL_OK)
            return 2;
        vigil_scanner_set_pii(sc[c], c != EXPOSURE);
        if (c == ALL) {
            vigil_scanner_set_rules(sc[c], rules);
            vigil_scanner_set_model(sc[c], model);
        }
    }
    double best[NCONF] = {0}, *ratio = calloc((size_t)rounds, sizeof *ratio);
    size_t docs = 0, bytes = 0, alerts[NCONF] = {0};
    if (!ratio)
        return 2;
    for (int r = 0; r < rounds; r++) {
        double mbs[NCONF];
        for (int c = 0; c < NCONF; c++) {
            docs = bytes = alerts[c] = 0;
            double t = now();
            if (!pass(sc[c], buf, size, &docs, &bytes, &alerts[c]))
                return 2;
            mbs[c] = bytes / (now() - t) / 1e6;
            if (mbs[c] > best[c])
                best[c] = mbs[c];
        }
        ratio[r] = mbs[ALL] / mbs[EXPOSURE];
    }
    qsort(ratio, (size_t)rounds, sizeof *ratio, cmp_double);
    printf("{\"load_ms\":%.1f,\"people\":%zu,\"docs\":%zu,\"bytes\":%zu,\"rounds\":%d", load * 1000,
           vigil_vault_person_count(v), docs, bytes, rounds);
    for (int c = 0; c < NCONF; c++)
        printf(",\"%s\":{\"mb_per_s\":%.1f,\"docs_per_s\":%.0f,\"alerts\":%zu}", names[c],
               best[c], best[c] * 1e6 / ((double)bytes / (double)docs), alerts[c]);
    printf(",\"all_over_exposure_median\":%.3f}\n", ratio[(rounds - 1) / 2]);
    for (int c = 0; c < NCONF; c++)
        vigil_scanner_destroy(sc[c]);
    vigil_rules_free(rules);
    vigil_model_free(model);
    free(ratio);
    return 0;
}

int main(int argc, char **argv)
{
    int rounds = 0;
    if (argc > 2 && strcmp(argv[1], "--compare") == 0) {
        rounds = atoi(argv[2]);
        argv += 2;
        argc -= 2;
        if (rounds < 1) {
            fprintf(stderr, "bench_scan: --compare needs a number of rounds\n");
            return 2;
        }
    }
    int threat = argc > 1 && strcmp(argv[1], "--threat") == 0;
    int exposure_only = argc > 1 && strcmp(argv[1], "--exposure-only") == 0;
    if (threat || exposure_only) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_scan [--exposure-only | --threat] VAULT CORPUS [REPEAT]\n"
                        "       bench_scan --compare ROUNDS VAULT CORPUS\n");
        return 2;
    }
    int repeat = argc > 3 ? atoi(argv[3]) : 1;
    char err[512];
    double t0 = now();
    vigil_vault *v;
    if (vigil_vault_open(argv[1], &v, err, sizeof err) != VIGIL_OK) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    double load = now() - t0;
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 2;
    }
    fseek(f, 0, SEEK_END);
    size_t size = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(size + 1);
    if (!buf || fread(buf, 1, size, f) != size)
        return 2;
    fclose(f);
    if (rounds) {
        int rc = compare(v, rounds, buf, size, load);
        vigil_vault_close(v);
        free(buf);
        return rc;
    }
    vigil_scanner *sc;
    if (vigil_scanner_create(v, &sc) != VIGIL_OK)
        return 2;
    vigil_rules *rules = NULL;
    vigil_model *model = NULL;
    vigil_scanner_set_pii(sc, !exposure_only);
    if (threat) {
        if (vigil_rules_load(v, NULL, 0, &rules, err, sizeof err) != VIGIL_OK ||
            vigil_model_builtin(&model) != VIGIL_OK) {
            fprintf(stderr, "threat detection: %s\n", err);
            return 2;
        }
        vigil_scanner_set_rules(sc, rules);
        vigil_scanner_set_model(sc, model);
    }
    size_t docs = 0, bytes = 0, alerts = 0;
    double t1 = now();
    for (int r = 0; r < repeat; r++)
        if (!pass(sc, buf, size, &docs, &bytes, &alerts))
            return 2;
    double secs = now() - t1;
    /* VmHWM belongs to this address space; getrusage's ru_maxrss would include the parent's
     * high-water mark inherited through fork */
    double hwm_mb = 0;
    FILE *st = fopen("/proc/self/status", "r");
    char line[256];
    while (st && fgets(line, sizeof line, st))
        if (strncmp(line, "VmHWM:", 6) == 0)
            hwm_mb = atof(line + 6) / 1024.0;
    if (st)
        fclose(st);
    printf("{\"load_ms\":%.1f,\"people\":%zu,\"docs\":%zu,\"bytes\":%zu,\"seconds\":%.3f,"
           "\"mb_per_s\":%.1f,\"docs_per_s\":%.0f,\"alerts\":%zu,\"max_rss_mb\":%.1f}\n",
           load * 1000, vigil_vault_person_count(v), docs, bytes, secs, bytes / secs / 1e6,
           docs / secs, alerts, hwm_mb);
    vigil_scanner_destroy(sc);
    vigil_rules_free(rules);
    vigil_model_free(model);
    vigil_vault_close(v);
    free(buf);
    return 0;
}
