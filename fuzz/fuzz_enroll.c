/* Fuzz target: the enrollment readers (CSV and JSON Lines) and variant generation. */
#include "../src/vault/vault_int.h"

#include <stdlib.h>
#include <string.h>

static vigil_keys keys;

static vigil_status row(void *user, size_t line, const vigil_person_input *in, const char *error)
{
    (void)line;
    vigil_entries *out = user;
    if (!in)
        return error && *error ? VIGIL_OK : VIGIL_ERR_ARG;
    uint32_t counts[VIGIL_KIND_COUNT];
    char err[256];
    vigil_status st = vigil_variants(&keys, in, 0, out, counts, err, sizeof err);
    if (st != VIGIL_OK && st != VIGIL_ERR_PARSE)
        return st;
    out->n = 0;
    return VIGIL_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    vigil_entries out = {0};
    char err[512];
    vigil_enroll_parse((const char *)data, size, row, &out, err, sizeof err);
    free(out.v);
    return 0;
}
