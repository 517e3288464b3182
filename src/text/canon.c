/*
 * Canonical word forms shared by every token: one spelling for each street type, direction,
 * unit designator, ordinal and digit word, in English and Spanish; "arroba" and "punto" of
 * written-out e-mail addresses become "at" and "dot".
 *
 * These mappings apply to every token of every text, not only to addresses: the tokenizer does
 * not know what a word is part of, and it does not need to, because enrollment canonicalizes
 * identifiers with the same function. Mapping "Street" to "st" everywhere costs nothing and
 * lets "123 Oak Street" match "123 oak st." without knowing either is an address.
 *
 * Lookup is on the hot path (once per alphabetic token), so the table is an open-addressing
 * hash built once; words longer than the longest key are rejected by length first.
 */
#include "../internal.h"

#include <pthread.h>
#include <string.h>
#include <strings.h>

typedef struct word {
    const char *from;
    const char *to; /* "" drops the word */
    vigil_word_class cls;
} word;

#define T VIGIL_WORD_STREET_TYPE
#define D VIGIL_WORD_DIRECTION
#define U VIGIL_WORD_UNIT
#define O VIGIL_WORD_OTHER

static const word words[] = {
    /* street types, English */
    {"street", "st", T}, {"st", "st", T}, {"str", "st", T},
    {"avenue", "av", T}, {"ave", "av", T}, {"av", "av", T}, {"avn", "av", T},
    {"boulevard", "blvd", T}, {"blvd", "blvd", T}, {"blv", "blvd", T},
    {"road", "rd", T}, {"rd", "rd", T},
    {"drive", "dr", T}, {"dr", "dr", T}, {"drv", "dr", T},
    {"lane", "ln", T}, {"ln", "ln", T},
    {"court", "ct", T}, {"ct", "ct", T},
    {"place", "pl", T}, {"pl", "pl", T},
    {"circle", "cir", T}, {"cir", "cir", T},
    {"parkway", "pkwy", T}, {"pkwy", "pkwy", T},
    {"highway", "hwy", T}, {"hwy", "hwy", T},
    {"terrace", "ter", T}, {"ter", "ter", T},
    {"trail", "trl", T}, {"trl", "trl", T},
    {"square", "sq", T}, {"sq", "sq", T},
    {"way", "way", T}, {"alley", "aly", T}, {"aly", "aly", T},
    {"crescent", "cres", T}, {"cres", "cres", T},
    /* street types, Spanish */
    {"calle", "calle", T}, {"c", "calle", T}, {"cll", "calle", T},
    {"avenida", "av", T}, {"avda", "av", T},
    {"bulevar", "blvd", T}, {"boulevar", "blvd", T}, {"blvr", "blvd", T},
    {"privada", "priv", T}, {"priv", "priv", T}, {"pvda", "priv", T},
    {"calzada", "calz", T}, {"calz", "calz", T},
    {"carretera", "carr", T}, {"carr", "carr", T},
    {"cerrada", "cda", T}, {"cda", "cda", T},
    {"prolongacion", "prol", T}, {"prol", "prol", T},
    {"callejon", "cjon", T}, {"cjon", "cjon", T},
    {"camino", "cam", T}, {"cam", "cam", T},
    {"paseo", "pso", T}, {"pso", "pso", T},
    {"retorno", "ret", T}, {"circuito", "cto", T}, {"cto", "cto", T},
    {"andador", "andador", T},
    /* directions */
    {"north", "n", D}, {"n", "n", D}, {"norte", "n", D},
    {"south", "s", D}, {"s", "s", D}, {"sur", "s", D},
    {"east", "e", D}, {"e", "e", D}, {"este", "e", D}, {"oriente", "e", D}, {"ote", "e", D},
    {"west", "w", D}, {"w", "w", D}, {"oeste", "w", D}, {"poniente", "w", D}, {"pte", "w", D},
    {"northeast", "ne", D}, {"ne", "ne", D}, {"northwest", "nw", D}, {"nw", "nw", D},
    {"southeast", "se", D}, {"se", "se", D}, {"southwest", "sw", D}, {"sw", "sw", D},
    /* unit designators */
    {"apartment", "apt", U}, {"apt", "apt", U}, {"suite", "ste", U}, {"ste", "ste", U},
    {"unit", "unit", U}, {"interior", "int", U}, {"int", "int", U},
    {"departamento", "depto", U}, {"depto", "depto", U}, {"dpto", "depto", U},
    {"floor", "fl", U}, {"fl", "fl", U}, {"piso", "piso", U}, {"room", "rm", U},
    {"rm", "rm", U}, {"lote", "lote", U}, {"manzana", "mz", U}, {"mz", "mz", U},
    {"col", "col", U}, {"colonia", "col", U},
    /* ordinal words */
    {"first", "1", O}, {"second", "2", O}, {"third", "3", O}, {"fourth", "4", O},
    {"fifth", "5", O}, {"sixth", "6", O}, {"seventh", "7", O}, {"eighth", "8", O},
    {"ninth", "9", O}, {"tenth", "10", O}, {"eleventh", "11", O}, {"twelfth", "12", O},
    {"thirteenth", "13", O}, {"fourteenth", "14", O}, {"fifteenth", "15", O},
    {"sixteenth", "16", O}, {"seventeenth", "17", O}, {"eighteenth", "18", O},
    {"nineteenth", "19", O}, {"twentieth", "20", O}, {"thirtieth", "30", O},
    {"fortieth", "40", O}, {"fiftieth", "50", O},
    /* digit words (phone numbers spelled out) */
    {"zero", "0", O}, {"one", "1", O}, {"two", "2", O}, {"three", "3", O}, {"four", "4", O},
    {"five", "5", O}, {"six", "6", O}, {"seven", "7", O}, {"eight", "8", O}, {"nine", "9", O},
    {"cero", "0", O}, {"uno", "1", O}, {"dos", "2", O}, {"tres", "3", O}, {"cuatro", "4", O},
    {"cinco", "5", O}, {"seis", "6", O}, {"siete", "7", O}, {"ocho", "8", O},
    {"nueve", "9", O},
    /* written-out e-mail addresses: one spelling per language pair */
    {"arroba", "at", O}, {"punto", "dot", O},
};

#undef T
#undef D
#undef U
#undef O

const char *const vigil_street_particles[VIGIL_STREET_PARTICLES] = {"de",  "del", "la",
                                                                    "las", "los", "el"};

bool vigil_word_listed(const char *const *list, size_t count, const char *w, size_t n)
{
    for (size_t k = 0; k < count; k++)
        if (strlen(list[k]) == n && strncasecmp(list[k], w, n) == 0)
            return true;
    return false;
}

#define NSLOTS 1024
static int16_t slots[NSLOTS];
static size_t max_len;
/* (length, first letter, last letter) of every key: rejects most words before hashing */
static uint64_t shape[16][32] ;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static uint32_t hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void build(void)
{
    for (size_t i = 0; i < NSLOTS; i++)
        slots[i] = -1;
    for (size_t i = 0; i < sizeof words / sizeof *words; i++) {
        size_t n = strlen(words[i].from);
        if (n > max_len)
            max_len = n;
        shape[n][words[i].from[0] & 31] |= 1ull << (words[i].from[n - 1] & 31);
        uint32_t h = hash(words[i].from, n) & (NSLOTS - 1);
        while (slots[h] >= 0)
            h = (h + 1) & (NSLOTS - 1);
        slots[h] = (int16_t)i;
    }
}

static const word *find(const char *w, size_t n)
{
    pthread_once(&once, build);
    if (n == 0 || n > max_len || !(shape[n][w[0] & 31] & (1ull << (w[n - 1] & 31))))
        return NULL;
    uint32_t h = hash(w, n) & (NSLOTS - 1);
    while (slots[h] >= 0) {
        const word *e = &words[slots[h]];
        if (strncmp(e->from, w, n) == 0 && e->from[n] == '\0')
            return e;
        h = (h + 1) & (NSLOTS - 1);
    }
    return NULL;
}

const char *vigil_canon_word(const char *w, size_t n, vigil_word_class *cls)
{
    const word *e = find(w, n);
    *cls = e ? e->cls : VIGIL_WORD_OTHER;
    if (!e)
        return NULL;
    return e->to;
}

vigil_word_class vigil_canon_class(const char *w, size_t n)
{
    /* Canonical forms are themselves keys of the table (with i folded to l: "int" -> "lnt"). */
    char buf[16] = {0};
    if (n >= sizeof buf)
        return VIGIL_WORD_OTHER;
    for (size_t i = 0; i < n; i++)
        buf[i] = w[i];
    const word *e = find(buf, n);
    if (!e) {
        for (size_t i = 0; i < n; i++)
            if (buf[i] == 'l')
                buf[i] = 'i';
        e = find(buf, n);
        if (!e)
            return VIGIL_WORD_OTHER;
    }
    return e->cls;
}
