/*
 * The personal-data patterns (see pii.c), shared with tools/gen_hsdb.c, which compiles them at
 * build time so that a scan does not spend half a second compiling them at every start.
 */
#ifndef VIGIL_PII_PATTERNS_H
#define VIGIL_PII_PATTERNS_H

#include "vigil/vigil.h"

#include <hs.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct pattern {
    vigil_pii_kind kind;
    unsigned flags;
    const char *re;
    /* For the fast pass, when `re` has no literal to anchor on: a shorter expression that
     * matches inside every match of `re` (the exact pass then runs around it). Without them
     * the plate, CURP and IPv4 patterns cost vectorscan as much as all the others together:
     * 141 -> 301 MB/s for the fast pass over EDOS posts. */
    const char *trigger;
} pattern;

#define CI (HS_FLAG_CASELESS)
/* vectorscan's AVX-512 code, which misses matches by buffer address (pii.c), is not used */
#define AVX512_FEATURES (HS_CPU_FEATURES_AVX512 | HS_CPU_FEATURES_AVX512VBMI)
#define STREET_TYPES                                                                               \
    "(st|street|ave|avenue|av|rd|road|dr|drive|ln|lane|ct|court|blvd|boulevard|pl|place|way|"     \
    "cir|circle|pkwy|parkway|hwy|highway|ter|terrace|trl|trail)"

static const pattern patterns[] = {
    /* e-mail, and written out: name at domain dot com, name [at] domain [dot] com */
    {VIGIL_PII_EMAIL, CI, "\\b[a-z0-9._%+-]+@[a-z0-9-]+(\\.[a-z0-9-]+)*\\.[a-z][a-z]+\\b",
     "@[a-z0-9-]+\\.[a-z]"},
    {VIGIL_PII_EMAIL, CI,
     "\\b[a-z0-9._-][a-z0-9._-]+\\s*[\\[(]?\\s*(at|arroba)\\s*[\\])]?\\s*[a-z0-9-][a-z0-9.-]+"
     "(\\s*[\\[(]?\\s*(dot|punto)\\s*[\\])]?\\s*(com|org|net|edu|gov|mx|us|es|io|co)\\b)+",
     "(dot|punto)\\s*[\\])]?\\s*(com|org|net|edu|gov|mx|us|es|io|co)\\b"},
    /* phones: North American, with or without +1; Mexican, with or without +52 (1) */
    {VIGIL_PII_PHONE, 0,
     "(\\+?\\b1[\\s.-]?)?(\\(\\s*[2-9][0-9]{2}\\s*\\)|\\b[2-9][0-9]{2})[\\s.-]?[2-9][0-9]{2}[\\s.-]?"
     "[0-9]{4}\\b", NULL},
    {VIGIL_PII_PHONE, 0,
     "(\\+|\\b00)52[\\s.-]?(1[\\s.-]?)?\\(?[0-9]{2,3}\\)?[\\s.-]?[0-9]{3,4}[\\s.-]?[0-9]{4}\\b", NULL},
    /* US street address: number, optional direction, 1-3 words, street type */
    {VIGIL_PII_ADDRESS, CI,
     "\\b[0-9]{1,6}\\s+((n|s|e|w|ne|nw|se|sw|north|south|east|west)\\.?\\s+)?"
     "([a-z0-9][a-z0-9]+\\s+){1,3}" STREET_TYPES "\\b", NULL},
    /* Mexican street address: type, 1-6 words ("Sor Juana In\xc3\xa9s de la Cruz", "5 de Mayo"),
     * optional #/No./Núm./Número, number */
    {VIGIL_PII_ADDRESS, CI,
     "\\b(calle|c\\.|av\\.|avenida|avda\\.?|privada|priv\\.|calzada|calz\\.|boulevard|blvd\\.?|"
     "carretera|cerrada|prolongaci\\xc3\\xb3n|prolongacion|paseo)\\s+"
     "(([a-z\\x80-\\xff0-9][a-z\\x80-\\xff0-9]+|[0-9])\\s+){1,6}"
     "(#\\s*|no\\.?\\s*|n(u|\\xc3\\xba)m\\.?\\s*|n(u|\\xc3\\xba)mero\\s*|nro\\.?\\s*)?"
     "[0-9]{1,5}\\b", NULL},
    /* plates: US ABC-1234, 1ABC234; Mexican ABC-12-34, ABC-123-A (upper case, as written) */
    {VIGIL_PII_PLATE, 0, "\\b[A-Z]{3}[\\s-]?[0-9]{4}\\b", "[A-Z][\\s-]?[0-9][0-9]"},
    {VIGIL_PII_PLATE, 0, "\\b[0-9][A-Z]{3}[0-9]{3}\\b", NULL},
    {VIGIL_PII_PLATE, 0, "\\b[A-Z]{3}[\\s-]?[0-9]{2}[\\s-]?[0-9]{2}\\b", "[A-Z][\\s-]?[0-9][0-9]"},
    {VIGIL_PII_PLATE, 0, "\\b[A-Z]{3}[\\s-]?[0-9]{3}[\\s-]?[A-Z]\\b", "[A-Z][\\s-]?[0-9][0-9]"},
    /* coordinates: decimal latitude, longitude */
    {VIGIL_PII_COORDINATES, 0,
     "[-+]?\\b[0-9]{1,2}\\.[0-9]{4}[0-9]*\\s*,\\s*[-+]?[0-9]{1,3}\\.[0-9]{4}[0-9]*\\b", NULL},
    /* US SSN (000, 666 and 9xx areas are not issued) */
    {VIGIL_PII_SSN, 0, "\\b([0-57-8][0-9]{2}|6[0-57-9][0-9]|66[0-57-9])-[0-9]{2}-[0-9]{4}\\b", NULL},
    /* Mexican CURP */
    {VIGIL_PII_CURP, CI,
     "\\b[A-Z][AEIOUX][A-Z]{2}[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[HM]"
     "(AS|BC|BS|CC|CL|CM|CS|CH|DF|DG|GT|GR|HG|JC|MC|MN|MS|NT|NL|OC|PL|QT|QR|SP|SL|SR|TC|TS|TL|"
     "VZ|YN|ZS|NE)[B-DF-HJ-NP-TV-Z]{3}[A-Z0-9][0-9]\\b", "[0-9]{6}[HM]"},
    /* IPv4 */
    {VIGIL_PII_IP, 0,
     "\\b(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?"
     "[0-9])){3}\\b", "[0-9]\\.[0-9]{1,3}\\.[0-9]"},
};
#define NPAT (sizeof patterns / sizeof *patterns)


/* re without its word-boundary assertions (\\b), into out (room for strlen(re) + 1): it matches
 * wherever re does, and more. */
static void strip_boundaries(const char *re, char *out)
{
    while (*re) {
        if (re[0] == '\\' && re[1] == 'b') {
            re += 2;
            continue;
        }
        if (re[0] == '\\' && re[1])
            *out++ = *re++;
        *out++ = *re++;
    }
    *out = '\0';
}

/* The fast pass (where matches end; literal triggers) or the start-of-match pass. The fast pass
 * only has to fire somewhere near every match, so its expressions lose their \\b: vectorscan
 * runs them at 470 MB/s instead of 280 over the text around digits, for 16% more firings, each
 * costing an exact pass over a window. */
static hs_database_t *compile_db(unsigned extra, bool triggers, char *db_error,
                                 size_t db_error_len)
{
    const char *exprs[NPAT];
    static char stripped[NPAT][512];
    unsigned flags[NPAT], ids[NPAT];
    for (unsigned i = 0; i < NPAT; i++) {
        exprs[i] = triggers && patterns[i].trigger ? patterns[i].trigger : patterns[i].re;
        if (triggers && strlen(exprs[i]) < sizeof stripped[i]) {
            strip_boundaries(exprs[i], stripped[i]);
            exprs[i] = stripped[i];
        }
        flags[i] = patterns[i].flags | extra;
        ids[i] = i;
    }
    /* for this CPU without AVX-512, so that the AVX2 scanner can run it (see pii.c) */
    hs_platform_info_t plat;
    hs_platform_info_t *pp = NULL;
    if (hs_populate_platform(&plat) == HS_SUCCESS) {
        plat.cpu_features &= ~(unsigned long long)AVX512_FEATURES;
        pp = &plat;
    }
    hs_database_t *d = NULL;
    hs_compile_error_t *ce = NULL;
    if (hs_compile_multi(exprs, flags, ids, NPAT, HS_MODE_BLOCK, pp, &d, &ce) != HS_SUCCESS) {
        snprintf(db_error, db_error_len, "personal-data pattern %d: %s",
                 ce ? ce->expression : -1, ce ? ce->message : "compile failed");
        hs_free_compile_error(ce);
        return NULL;
    }
    return d;
}


#endif
