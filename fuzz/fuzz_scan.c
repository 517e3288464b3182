/* Fuzz target: every detector (exposure, personal data, threat rules and model) on arbitrary
 * bytes, at two addresses. Checks that spans lie inside the text, that severities and scores are
 * in range, and that the same text gives the same result wherever it lies in memory (the
 * tokenizer and the personal-data prefilter read 16 and 64 bytes at a time; vectorscan's AVX-512
 * code missed matches by address: pii.c). Its parsers of amounts, quotations and spelled digits
 * get arbitrary bytes here. The vault (in a temporary directory, removed at exit) holds two
 * synthetic people. */
#include "../src/internal.h"
#include "../tests/testutil.h"

#include <stdlib.h>
#include <string.h>

static char dir[64];
static vigil_vault *vault;
static vigil_scanner *sc;
static vigil_rules *rules;
static vigil_model *model;

static void done(void)
{
    vigil_scanner_destroy(sc);
    vigil_rules_free(rules);
    vigil_model_free(model);
    vigil_vault_close(vault);
    remove_tree(dir);
}

static void setup(void)
{
    char err[512];
    rejects rj = {0};
    vault = temp_vault(dir);
    if (!vault ||
        enroll_str(vault,
                   "id,name,aliases,addresses,phones,emails,plates,handles,relatives\n"
                   "P1,Dana Quillfeather,Dee,1234 N Oak Street,555-201-7788,dq@example.com,"
                   "ABC1234,@dquill,Rosa Quillfeather\n"
                   "P2,Jose Maria Zarandona Pino,Pepe,Calle Hidalgo 123,+52 55 1234 5678,"
                   "jose.zarandona@ops.field.agency.gob.mx,,,\n",
                   &rj) != VIGIL_OK ||
        vigil_rules_load(vault, NULL, 0, &rules, err, sizeof err) != VIGIL_OK ||
        vigil_model_builtin(&model) != VIGIL_OK || vigil_scanner_create(vault, &sc) != VIGIL_OK)
        abort();
    vigil_scanner_set_rules(sc, rules);
    vigil_scanner_set_model(sc, model);
    atexit(done);
}

/* Checks r's invariants for a text of size bytes; returns its digest. */
static uint64_t check(const vigil_result *r, size_t size)
{
    if ((unsigned)r->severity > VIGIL_SEV_CRITICAL || !(r->score >= 0 && r->score <= 1) ||
        !(r->threat.score >= 0 && r->threat.score <= 1))
        abort();
    for (size_t i = 0; i < r->npeople; i++)
        for (size_t k = 0; k < r->people[i].nspans; k++)
            if (r->people[i].spans[k].start >= r->people[i].spans[k].end ||
                r->people[i].spans[k].end > size)
                abort();
    for (size_t i = 0; i < r->npii; i++)
        if (r->pii[i].start >= r->pii[i].end || r->pii[i].end > size)
            abort();
    for (size_t i = 0; i < r->threat.nspans; i++)
        if (r->threat.spans[i].start >= r->threat.spans[i].end || r->threat.spans[i].end > size)
            abort();
    return result_digest(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!vault)
        setup();
    if (size > 1 << 16)
        return 0;
    /* copies exactly as long as the input (ASan sees reads past their end), one of them at an
     * odd address */
    char *a = malloc(size + 1), *b = malloc(size + 8);
    if (!a || !b) {
        free(a);
        free(b);
        return 0;
    }
    memcpy(a, data, size);
    memcpy(b + 7, data, size);
    const vigil_result *r;
    if (vigil_scan(sc, a, size, &r) != VIGIL_OK)
        abort();
    uint64_t x = check(r, size);
    if (vigil_scan(sc, b + 7, size, &r) != VIGIL_OK)
        abort();
    if (check(r, size) != x)
        abort();
    free(a);
    free(b);
    return 0;
}
