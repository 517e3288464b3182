/*
 * Phone numbers: the identifier is the national significant number (digits after country,
 * international and trunk prefixes). Enrollment strips what the written number carries, using
 * the person's country for numbers written without one; scanning tries the digit run itself
 * and the run without each known prefix, so "+52 1 55 1234 5678", "0052 55 1234 5678" and
 * "55 1234 5678" all reach the same fingerprint while a number one digit off reaches nothing.
 */
#include "../internal.h"

#include <string.h>

typedef struct country {
    const char *iso;
    const char *code;
} country;

static const country countries[] = {
    {"US", "1"},   {"CA", "1"},   {"PR", "1"},   {"DO", "1"},   {"MX", "52"},  {"ES", "34"},
    {"GB", "44"},  {"CO", "57"},  {"AR", "54"},  {"GT", "502"}, {"SV", "503"}, {"HN", "504"},
    {"NI", "505"}, {"CR", "506"}, {"PA", "507"}, {"PE", "51"},  {"CL", "56"},  {"VE", "58"},
    {"EC", "593"}, {"BO", "591"}, {"PY", "595"}, {"UY", "598"}, {"CU", "53"},  {"FR", "33"},
    {"DE", "49"},  {"IT", "39"},  {"BR", "55"},  {"PT", "351"}, {"PH", "63"},  {"IN", "91"},
};

const char *vigil_country_code(const char *iso)
{
    if (!iso || !*iso)
        iso = "US";
    for (size_t i = 0; i < sizeof countries / sizeof *countries; i++)
        if (strcasecmp(countries[i].iso, iso) == 0)
            return countries[i].code;
    return NULL;
}

static bool starts(const char *d, size_t n, const char *p)
{
    size_t l = strlen(p);
    return l <= n && memcmp(d, p, l) == 0;
}

void vigil_phone_candidates(const char *d, size_t n, void (*fn)(void *, const char *, size_t),
                            void *user)
{
    /* prefixes: trunk and domestic mobile prefixes, then each country code bare or after an
     * international access code (00, 011); Mexico's legacy mobile '1' after 52 too */
    static const char *const fixed[] = {"0", "01", "044", "045", "521", "00521", "011521"};
    if (n >= 7 && n <= 12)
        fn(user, d, n);
    for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
        size_t l = strlen(fixed[i]);
        if (starts(d, n, fixed[i]) && n - l >= 7 && n - l <= 12)
            fn(user, d + l, n - l);
    }
    const char *seen[sizeof countries / sizeof *countries];
    size_t nseen = 0;
    for (size_t i = 0; i < sizeof countries / sizeof *countries; i++) {
        const char *cc = countries[i].code;
        bool dup = false;
        for (size_t k = 0; k < nseen; k++)
            dup |= strcmp(seen[k], cc) == 0;
        if (dup)
            continue;
        seen[nseen++] = cc;
        static const char *const intl[] = {"", "00", "011"};
        for (size_t k = 0; k < 3; k++) {
            size_t il = strlen(intl[k]), cl = strlen(cc);
            /* a bare country code is only taken off a full-length number, so a 10-digit
             * number starting with 55 is not read as Brazil's code plus 8 digits */
            size_t min = k == 0 ? 9 : 7;
            if (starts(d, n, intl[k]) && starts(d + il, n - il, cc) && n - il - cl >= min &&
                n - il - cl <= 12)
                fn(user, d + il + cl, n - il - cl);
        }
    }
}
