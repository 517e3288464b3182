/* Fuzz target: the baseline (suppressions) import reader, against a scratch vault's store. */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static vigil_vault *vault;
static vigil_store *store;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store) {
        char dir[] = "/tmp/vigil-fuzz-baseline-XXXXXX";
        if (!mkdtemp(dir))
            abort();
        char v[sizeof dir + 8], err[512];
        snprintf(v, sizeof v, "%s/vault", dir);
        if (vigil_vault_init(v, err, sizeof err) != VIGIL_OK ||
            vigil_vault_open(v, &vault, err, sizeof err) != VIGIL_OK ||
            vigil_store_open(vault, 1, &store, err, sizeof err) != VIGIL_OK)
            abort();
    }
    size_t n = 0;
    char err[512] = "";
    vigil_status st = vigil_store_baseline_import(store, (const char *)data, size, "fuzz", &n,
                                                  err, sizeof err);
    if (st != VIGIL_OK && !err[0])
        abort(); /* every refusal explains itself */
    if (st == VIGIL_OK) {
        size_t entries;
        if (vigil_store_audit_verify(store, &entries, err, sizeof err) != VIGIL_OK)
            abort(); /* the audit chain stays intact */
    }
    return 0;
}
