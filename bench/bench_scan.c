/*
 * bench_scan: the scan engine's own figures, without I/O or JSON.
 *   bench_scan [--exposure-only | --threat] VAULT CORPUS [REPEAT]
 * By default exposure matching and personal-data patterns run; --exposure-only turns the
 * patterns off; --threat adds threat detection (the built-in rules and model).
 * CORPUS has one document per line. Prints the vault load time, documents and bytes scanned,
 * MB/s and docs/s on one thread, alerts found, and peak resident memory.
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

int main(int argc, char **argv)
{
    int threat = argc > 1 && strcmp(argv[1], "--threat") == 0;
    int exposure_only = argc > 1 && strcmp(argv[1], "--exposure-only") == 0;
    if (threat || exposure_only) {
        argv++;
        argc--;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: bench_scan [--exposure-only | --threat] VAULT CORPUS [REPEAT]\n");
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
    for (int r = 0; r < repeat; r++) {
        for (char *p = buf, *end = buf + size; p < end;) {
            char *nl = memchr(p, '\n', (size_t)(end - p));
            size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
            const vigil_result *res;
            if (vigil_scan(sc, p, n, &res) != VIGIL_OK)
                return 2;
            alerts += res->severity >= VIGIL_SEV_LOW;
            docs++;
            bytes += n + 1;
            p += n + 1;
        }
    }
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
