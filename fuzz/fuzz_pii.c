/* Fuzz target: the personal-data scan on arbitrary bytes. Checks that every match lies inside
 * the text, in order of its start, non-empty and of a known kind, and that scanning only near
 * the anchors (digits that some pattern can hold, '@', "dot", "punt") finds exactly what
 * vectorscan finds over the whole text (for texts of ordinary words and matches). The input is scanned at an odd address too (vectorscan's
 * AVX-512 code missed matches by address: pii.c). */
#include "../src/internal.h"

#include <stdlib.h>
#include <string.h>

static void check(const vigil_pii_match *m, size_t n, size_t size)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned)m[i].kind >= VIGIL_PII_COUNT || m[i].start >= m[i].end ||
            m[i].end > size || (i && m[i].start < m[i - 1].start))
            abort();
}

/* The anchors are exact for matches shorter than pii.c's window (160 bytes), between spans
 * widened to white space at most 64 bytes away: texts with longer words or runs of white
 * space, or a long match, are only checked for the first. */
static bool regular(const uint8_t *s, size_t n, const vigil_pii_match *a, size_t na,
                    const vigil_pii_match *b, size_t nb)
{
    size_t word = 0, space = 0;
    for (size_t i = 0; i < n; i++) {
        bool sp = s[i] == ' ' || (s[i] >= '\t' && s[i] <= '\r');
        word = sp ? 0 : word + 1;
        space = sp ? space + 1 : 0;
        if (word > 48 || space > 16)
            return false;
    }
    for (size_t i = 0; i < na; i++)
        if (a[i].end - a[i].start > 150)
            return false;
    for (size_t i = 0; i < nb; i++)
        if (b[i].end - b[i].start > 150)
            return false;
    return true;
}

static bool same(const vigil_pii_match *a, size_t na, const vigil_pii_match *b, size_t nb)
{
    if (na != nb)
        return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].kind != b[i].kind || a[i].start != b[i].start || a[i].end != b[i].end)
            return false;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static vigil_pii_scanner *p;
    static vigil_pii_match whole[VIGIL_PII_MAX];
    char err[256];
    if (!p && vigil_pii_scanner_create(&p, err, sizeof err) != VIGIL_OK)
        abort();
    if (size > 1 << 16)
        return 0;
    const vigil_pii_match *m;
    size_t nw = 0, na = 0;
    if (vigil_pii_scan_whole(p, (const char *)data, size, NULL, &m, &nw) != VIGIL_OK)
        abort();
    check(m, nw, size);
    memcpy(whole, m, nw * sizeof *m);
    /* a copy at an odd address, exactly as long (ASan sees reads past its end) */
    char *copy = malloc(size + 1);
    if (!copy)
        return 0;
    memcpy(copy + 1, data, size);
    if (vigil_pii_scan(p, copy + 1, size, NULL, &m, &na) != VIGIL_OK)
        abort();
    check(m, na, size);
    /* the anchors leave nothing out; vectorscan over the whole text caps at VIGIL_PII_MAX
     * matches, so with that many the two may stop at different ones */
    if (nw < VIGIL_PII_MAX && na < VIGIL_PII_MAX && regular(data, size, m, na, whole, nw) &&
        !same(m, na, whole, nw))
        abort();
    free(copy);
    return 0;
}
