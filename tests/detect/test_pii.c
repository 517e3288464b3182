/* Unit tests for personal-data patterns: each kind found with its span, near misses not found,
 * and the severity of personal data next to a protective role. */
#include "../../src/internal.h"
#include "../harness.h"
#include "../testutil.h"

static char dir[64];
static vigil_vault *vault;
static vigil_scanner *sc;

static const vigil_result *scan(const char *text)
{
    if (!vault) {
        vault = temp_vault(dir);
        if (!vault || vigil_scanner_create(vault, &sc) != VIGIL_OK)
            abort();
    }
    const vigil_result *r = NULL;
    CHECK(vigil_scan(sc, text, strlen(text), &r) == VIGIL_OK);
    return r;
}

/* The kind and text of the only match, as "kind:text" ("" when none, "many" when several). */
static const char *one(const char *text)
{
    static char out[256];
    const vigil_result *r = scan(text);
    if (r->npii != 1)
        return r->npii ? "many" : "";
    snprintf(out, sizeof out, "%s:%.*s", vigil_pii_kind_name(r->pii[0].kind),
             (int)(r->pii[0].end - r->pii[0].start), text + r->pii[0].start);
    return out;
}

TEST(each_kind_with_its_span)
{
    CHECK_EQ_STR(one("call (555) 201-3344 now"), "phone:(555) 201-3344");
    CHECK_EQ_STR(one("tel +52 1 55 1234 5678."), "phone:+52 1 55 1234 5678");
    CHECK_EQ_STR(one("write to j.doe@example.com!"), "email:j.doe@example.com");
    CHECK_EQ_STR(one("write to jdoe [at] example [dot] com"), "email:jdoe [at] example [dot] com");
    /* written-out e-mails have no digit and no '@': the prefilter must let them through, in any
     * case and at any position in a long text */
    CHECK_EQ_STR(one("A LONG PREFIX WITHOUT ANY NUMBER IN IT, THEN: JDOE AT EXAMPLE DOT COM"),
                 "email:JDOE AT EXAMPLE DOT COM");
    CHECK_EQ_STR(one("escribe a juan.perez arroba ejemplo punto mx por favor"),
                 "email:juan.perez arroba ejemplo punto mx");
    CHECK_EQ_STR(one("mail jdoe at exampledotcom"), "email:jdoe at exampledotcom");
    CHECK_EQ_STR(one("he lives at 1234 N Oak Street, sadly"), "address:1234 N Oak Street");
    CHECK_EQ_STR(one("vive en Calle Hidalgo #123 con"), "address:Calle Hidalgo #123");
    CHECK_EQ_STR(one("white van ABC-1234 parked"), "plate:ABC-1234");
    CHECK_EQ_STR(one("at 19.43260, -99.13320 tonight"), "coordinates:19.43260, -99.13320");
    CHECK_EQ_STR(one("ssn 123-45-6789"), "ssn:123-45-6789");
    CHECK_EQ_STR(one("curp GODE561231HDFRRN09"), "curp:GODE561231HDFRRN09");
    CHECK_EQ_STR(one("from 10.20.30.40"), "ip:10.20.30.40");
    CHECK_EQ_STR(one("five five five two zero one three three four four"),
                 "phone:five five five two zero one three three four four");
}

TEST(near_misses)
{
    CHECK_EQ_STR(one("Call 311 for road closures"), "");
    CHECK_EQ_STR(one("tickets cost $25.50 on 3/14/2026 at 7:30 pm"), "");
    CHECK_EQ_STR(one("version 1.2.3 and 98.6 degrees"), "");
    CHECK_EQ_STR(one("ssn 666-12-3456 is never issued"), "");
    CHECK_EQ_STR(one("the score was 2-1 in 2019"), "");
    CHECK_EQ_STR(one("the Abc-1234 part number"), "");
    CHECK_EQ_STR(one("NBC 2016 coverage"), "");
    CHECK_EQ_STR(one("plate NBC 2716"), "plate:NBC 2716");
}

/* Spanish street names join their words with particles; the check that keeps "Call 311 for
 * road closures" out must let them through, and only them. */
TEST(mexican_street_names_with_particles)
{
    CHECK_EQ_STR(one("vive en Calle de la Reforma 12, cerca"), "address:Calle de la Reforma 12");
    CHECK_EQ_STR(one("en Av. de los Insurgentes #300 hoy"), "address:Av. de los Insurgentes #300");
    CHECK_EQ_STR(one("en Calle 16 de Septiembre 45."), "address:Calle 16 de Septiembre 45");
    CHECK_EQ_STR(one("Privada Sor Juana In\xc3\xa9s de la Cruz No. 4050"),
                 "address:Privada Sor Juana In\xc3\xa9s de la Cruz No. 4050");
    CHECK_EQ_STR(one("Calz. de Tlalpan 1200"), "address:Calz. de Tlalpan 1200");
    CHECK_EQ_STR(one("en Calle 5 de Mayo 123."), "address:Calle 5 de Mayo 123");
    CHECK_EQ_STR(one("en Calle 10 Num. 312."), "address:Calle 10 Num. 312");
    CHECK_EQ_STR(one("Av. Hidalgo n\xc3\xbamero 45"), "address:Av. Hidalgo n\xc3\xbamero 45");
    /* a particle must lead to a name written with a capital; other function words keep out */
    CHECK_EQ_STR(one("en la calle de mi casa hay 3 perros"), "");
    CHECK_EQ_STR(one("la calle de la ciudad 5 veces"), "");
    CHECK_EQ_STR(one("Calle Reforma de 12"), "");
    CHECK_EQ_STR(one("avenida para los 20 carros"), "");
    /* a Mexican address ends at its first number, and another street type starts another */
    CHECK_EQ_STR(one("en Calle Hidalgo 123 desde hace 20 meses"), "address:Calle Hidalgo 123");
    const char *two = "Privada Norte 12 cerca Calle Matamoros 8421 hoy";
    const vigil_result *r = scan(two);
    CHECK_EQ_INT(r->npii, 2);
    if (r->npii == 2) {
        CHECK_EQ_INT(r->pii[0].start, 0);
        CHECK_EQ_INT(r->pii[0].end, strlen("Privada Norte 12"));
        CHECK_EQ_INT(r->pii[1].start, strlen("Privada Norte 12 cerca "));
        CHECK_EQ_INT(r->pii[1].end, strlen("Privada Norte 12 cerca Calle Matamoros 8421"));
    }
    /* types in a row are one type */
    CHECK_EQ_STR(one("Calle Prolongacion Insurgentes 45"), "address:Calle Prolongacion Insurgentes 45");
}

TEST(personal_data_next_to_a_role_is_low)
{
    CHECK_EQ_INT(scan("Officer lives at 1234 N Oak Street")->severity, VIGIL_SEV_LOW);
    CHECK_EQ_INT(scan("El agente vive en Calle Hidalgo #123")->severity, VIGIL_SEV_LOW);
    CHECK_EQ_INT(scan("The bakery is at 1234 N Oak Street")->severity, VIGIL_SEV_INFO);
}

/* Vectorscan runs only near digits, '@' and dot/punt: whatever lies between, every match is
 * found with its whole span, in a long document, far from other data and across the spans'
 * edges. */
TEST(long_documents_and_far_anchors)
{
    static const char *const items[] = {
        "1600 North Pennsylvania Avenue", "Calle Benito Juarez Garcia 1234",
        "jdoe at example dot com", "j.doe@example.com", "ABC-1234", "(555) 201-3344",
        "19.43260, -99.13320", "192.168.10.20",
        /* the longest realistic ones */
        "firstname.middlename.lastname.and.more.parts@subdomain.department.example-org.co",
        "12345 North Martin Luther Kingston Boulevard",
        "Calle Prolongacion Insurgentes Poniente #12345"};
    static const char *const kinds[] = {"address", "address", "email",   "email",
                                        "plate",   "phone",   "coordinates", "ip",
                                        "email",   "address", "address"};
    static char text[32768];
    size_t nitems = sizeof items / sizeof *items;
    for (size_t gap = 40; gap <= 1000; gap += 137) {
        size_t n = 0;
        size_t at[16];
        for (size_t k = 0; k < nitems; k++) {
            /* filler words without digits or '@', of the gap's length */
            for (size_t f = 0; f < gap; f += 6)
                n += (size_t)snprintf(text + n, sizeof text - n, "%s ", f % 12 ? "words" : "word");
            at[k] = n;
            n += (size_t)snprintf(text + n, sizeof text - n, "%s ", items[k]);
        }
        const vigil_result *r = scan(text);
        CHECK_EQ_INT(r->npii, nitems);
        for (size_t k = 0; k < nitems && k < r->npii; k++) {
            CHECK_EQ_STR(vigil_pii_kind_name(r->pii[k].kind), kinds[k]);
            CHECK_EQ_INT(r->pii[k].start, at[k]);
            CHECK_EQ_INT(r->pii[k].end, at[k] + strlen(items[k]));
        }
    }
}

/* The same text finds the same personal data wherever it lies in memory. vectorscan 5.4.9
 * (Debian 12) scanning with its AVX-512 code misses matches by the address of the buffer (a
 * database of the one expression @[a-z0-9-]+\.[a-z] missed "edward.carter13@example.com" at the
 * end of a text of 100 bytes or more at 45 of 64 alignments; the combined database missed the
 * coordinates below at 32 of 64); pii.c scans with its AVX2 code instead. Each item after
 * fillers of 0 to 400 bytes, with and without text after it, at every offset in a cache line. */
TEST(matches_do_not_depend_on_the_buffer_address)
{
    static const char *const items[] = {
        "edward.carter13@example.com", "jdoe at example dot com", "(555) 201-3344",
        "+52 1 55 1234 5678", "1234 N Oak Street", "Calle Hidalgo #123", "ABC-1234",
        "19.43260, -99.13320", "123-45-6789", "GODE561231HDFRRN09", "10.20.30.40"};
    static const char *const kinds[] = {"email", "email", "phone", "phone", "address", "address",
                                        "plate", "coordinates", "ssn", "curp", "ip"};
    static const char filler[] =
        "the county clerk said the office would open at nine and that the line was long ";
    static _Alignas(64) char buf[1024 + 64];
    char text[1024];
    size_t nitems = sizeof items / sizeof *items, bad = 0;
    scan(""); /* the scanner */
    for (size_t k = 0; k < nitems; k++)
        for (size_t pre = 0; pre <= 400; pre += 40)
            for (int tail = 0; tail < 2; tail++) {
                size_t n = 0;
                while (n < pre) {
                    size_t c = sizeof filler - 1 < pre - n ? sizeof filler - 1 : pre - n;
                    memcpy(text + n, filler, c);
                    n += c;
                }
                n += (size_t)snprintf(text + n, sizeof text - n, "mail %s%s", items[k],
                                      tail ? " and more words after it, for a while" : "");
                size_t start = pre + 5, end = start + strlen(items[k]);
                for (size_t al = 0; al < 64; al++) {
                    memcpy(buf + al, text, n);
                    const vigil_result *r = NULL;
                    CHECK(vigil_scan(sc, buf + al, n, &r) == VIGIL_OK);
                    bool found = false;
                    for (size_t i = 0; r && i < r->npii; i++)
                        found |= strcmp(vigil_pii_kind_name(r->pii[i].kind), kinds[k]) == 0 &&
                                 r->pii[i].start == start && r->pii[i].end == end;
                    if (!found && bad++ < 5)
                        fprintf(stderr, "  %s after %zu bytes%s, offset %zu: not found\n",
                                kinds[k], pre, tail ? ", text after" : "", al);
                }
            }
    CHECK_EQ_INT(bad, 0);
    /* a generated document whose coordinates vectorscan's AVX-512 code missed at 32 of 64
     * addresses (with or without the anchors) */
    static const char doc[] =
        "n\xc3\xbam. would 0052 nine nine line 3.5 12 12 and the 55 clerk L\xc3\xb3pez county "
        "L\xc3\xb3pez the office was +52 line said 12 -54.36722, 116.73924 \xc3\xa9 would was "
        "was was \xc3\xa9 office said office";
    size_t missed = 0, at = (size_t)(strstr(doc, "-54.36722") - doc);
    for (size_t al = 0; al < 64; al++) {
        memcpy(buf + al, doc, sizeof doc - 1);
        const vigil_result *r = NULL;
        CHECK(vigil_scan(sc, buf + al, sizeof doc - 1, &r) == VIGIL_OK);
        bool found = false;
        for (size_t i = 0; r && i < r->npii; i++)
            found |= r->pii[i].kind == VIGIL_PII_COORDINATES && r->pii[i].start == at &&
                     r->pii[i].end == at + strlen("-54.36722, 116.73924");
        missed += !found;
    }
    CHECK_EQ_INT(missed, 0);
}

/* Spelled-out phone numbers (seven or more digit words in a row) after any number of other
 * words, of any length, and split by a wide gap; six in a row are no phone. */
TEST(spelled_phones_at_every_offset)
{
    static const char *const digit[] = {"five", "cero", "two", "nine", "uno", "seven", "one"};
    char text[1024];
    for (size_t pre = 0; pre < 16; pre++)
        for (size_t run = 5; run < 10; run++)
            for (int split = 0; split < 2; split++) {
                size_t n = 0, start = 0, end = 0;
                for (size_t k = 0; k < pre; k++)
                    n += (size_t)snprintf(text + n, sizeof text - n, "%s ",
                                          k % 3 ? "word" : "a");
                start = n;
                for (size_t k = 0; k < run; k++) {
                    /* split: a wide gap after the third digit word */
                    n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", digit[k % 7],
                                          split && k == 2 ? "     " : " ");
                    end = n - (split && k == 2 ? 5 : 1);
                }
                n += (size_t)snprintf(text + n, sizeof text - n, "and then more words");
                const vigil_result *r = scan(text);
                size_t phones = 0;
                for (size_t i = 0; i < r->npii; i++)
                    if (r->pii[i].kind == VIGIL_PII_PHONE) {
                        phones++;
                        CHECK(r->pii[i].start == start && r->pii[i].end == end);
                    }
                /* split: three, then fewer than seven after the gap */
                size_t want = !split && run >= 7;
                if (phones != want) {
                    fprintf(stderr, "  pre %zu run %zu split %d: %zu phones\n", pre, run, split,
                            phones);
                    CHECK(0);
                }
            }
}

/* Short numbers are anchors only where a pattern can hold them: each kind written with its
 * shortest numbers, far from any other digit, is still found whole (addresses in lower case:
 * a capital after a number makes it an anchor for plates). */
TEST(short_numbers_where_patterns_hold_them)
{
    static const char *const items[] = {
        "5 oak st", "7 n. elm street", "12 old mill creek road", "Calle Hidalgo 7",
        "C. Juarez #4", "Av. Reforma no. 22", "Privada Las Flores Verdes Altas 9",
        "Avenida Ju\xc3\xa1rez n\xc3\xbam. 3", "1ABC234", "ABC 12 34", "ABC-123-A",
        "ABC 1234", "ABC1234", "ABC12-34", "1.2.3.4", "9.1234, -9.1234", "123-45-6789", "555.201.3344",
        "5552013344", "+52 55 1234 5678", "gode561231hdfrrn09"};
    static const char *const kinds[] = {
        "address", "address", "address", "address", "address", "address", "address",
        "address", "plate",   "plate",   "plate",   "plate",   "plate",   "plate",   "ip",      "coordinates",
        "ssn",     "phone",   "phone",   "phone",   "curp"};
    static const char filler[] = "they said that the place would open early and the way was ";
    char text[1024], want[256];
    for (size_t k = 0; k < sizeof items / sizeof *items; k++) {
        snprintf(text, sizeof text, "%s%s%s then more words after it", filler, filler, items[k]);
        snprintf(want, sizeof want, "%s:%s", kinds[k], items[k]);
        if (strcmp(one(text), want) != 0) {
            fprintf(stderr, "  %s: %s\n", items[k], one(text));
            CHECK(0);
        }
    }
    /* a street type right after a byte from 0x80 starts at a word boundary for vectorscan */
    snprintf(text, sizeof text, "%s%sid\xffPrivada Flores 9 then more words", filler, filler);
    CHECK_EQ_STR(one(text), "address:Privada Flores 9");
    /* vectorscan gives the leftmost start, "0052 and 55 Line Way", which the function word
     * makes no address; the rest after it is one */
    snprintf(text, sizeof text, "%s%she said 0052 and 55 Line Way was open", filler, filler);
    CHECK_EQ_STR(one(text), "address:55 Line Way");
}

/* What the anchors leave out changes nothing: documents made of personal data, numbers of every
 * length, street words, capitals, separators and filler find the same matches, with the same
 * spans, as vectorscan over the whole text. */
/* Scans text[0..n) near its anchors and whole; returns whether both found the same matches,
 * adding the whole scan's count to *found. */
static bool anchored_equals_whole(vigil_pii_scanner *p, const char *text, size_t n, size_t *found,
                                  size_t *na, size_t *nw)
{
    static vigil_pii_match whole[VIGIL_PII_MAX];
    const vigil_pii_match *m;
    *nw = *na = 0;
    CHECK(vigil_pii_scan_whole(p, text, n, NULL, &m, nw) == VIGIL_OK);
    memcpy(whole, m, *nw * sizeof *m);
    CHECK(vigil_pii_scan(p, text, n, NULL, &m, na) == VIGIL_OK);
    *found += *nw;
    bool same = *na == *nw;
    for (size_t i = 0; same && i < *nw; i++)
        same = m[i].kind == whole[i].kind && m[i].start == whole[i].start &&
               m[i].end == whole[i].end;
    return same;
}

TEST(anchors_change_nothing)
{
    static const char *const pieces[] = {
        "12", "7", "2019", "45.", "#3", "No. 12", "Calle", "Av.", "St", "Street", "way", "ABC",
        "X", "-", "1234", "55", "99-12", "3.5", "1.2.3", "dot", "punto", "at", "@", "Main",
        "north", "N.", "Privada", "n\xc3\xbam.", "prolongaci\xc3\xb3n", "Oak", "Drive", "  ",
        "\t", "\n", "de", "la", "HDF", "1ABC", "A-12", "999999", "(55)", "+52", "0052",
        "L\xc3\xb3pez", "the", "county", "clerk", "said", "office", "would", "open", "and",
        "line", "was", "long", "el", "agente", "vive", "en", "5 Oak St", "Calle Hidalgo 7",
        "j.doe@example.com", "jdoe at example dot com", "(555) 201-3344", "123-45-6789",
        "19.43260, -99.13320", "10.20.30.40", "GODE561231HDFRRN09", "ABC-1234", "1ABC234",
        "+52 1 55 1234 5678", "ABC 12 34", "Av. Reforma no. 22", "1600 North Pennsylvania Avenue",
        "5 oak st", "12 n. old mill road", "oak", "mill", "road", "calle hidalgo 7", "c. juarez #4",
        /* a byte from 0x80 is a word boundary for vectorscan, not for the words of an address */
        "id\xffPrivada", "G\xff\xff" "algo", "\xff"};
    size_t npieces = sizeof pieces / sizeof *pieces;
    vigil_pii_scanner *p = NULL;
    char err[256];
    CHECK(vigil_pii_scanner_create(&p, err, sizeof err) == VIGIL_OK);
    static char text[8192];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    size_t docs = 0, found = 0, differ = 0;
    for (; p && docs < 4000; docs++) {
        size_t n = 0, len = 1 + (docs % 97) * 3;
        for (size_t k = 0; k < len && n + 64 < sizeof text; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            const char *w = pieces[x % npieces];
            /* pieces joined by a space, or by nothing, or upper-cased */
            n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", w, (x >> 40) % 5 ? " " : "");
            if ((x >> 48) % 7 == 0)
                for (size_t i = n - strlen(w); i < n; i++)
                    if (text[i] >= 'a' && text[i] <= 'z')
                        text[i] = (char)(text[i] - 32);
        }
        size_t nw, na;
        if (!anchored_equals_whole(p, text, n, &found, &na, &nw) && differ++ < 3)
            fprintf(stderr, "  document %zu: %zu matches near the anchors, %zu in all: %.*s\n",
                    docs, na, nw, (int)(n < 300 ? n : 300), text);
    }
    CHECK_EQ_INT(differ, 0);
    CHECK(found > 4000); /* the documents do hold personal data */
    vigil_pii_scanner_free(p);
}

/* The search for anchors reads the text 32 bytes at a time, and its last bytes from a padded
 * copy: an anchor in the last bytes of a text of any length is found, and nothing past the text
 * is read (each text in a heap block of its own size, for ASan). The anchored scan agrees with
 * the scan of the whole text, with each anchor kind at each distance from the end. */
TEST(anchors_in_the_last_bytes)
{
    static const char *const items[] = {"5551234567",  "j@ex.co",    "jdoe at example dot com",
                                        "doe dot com", "1234 Oak St", "ABC-1234", "mi punto com",
                                        "7",           "d",           "pun"};
    static const char filler[] = "the clerk said the office would open and the line was long ";
    vigil_pii_scanner *p = NULL;
    char err[256];
    CHECK(vigil_pii_scanner_create(&p, err, sizeof err) == VIGIL_OK);
    size_t differ = 0, found = 0;
    for (size_t k = 0; p && k < sizeof items / sizeof *items; k++)
        for (size_t pre = 0; pre <= 80; pre++)
            for (size_t after = 0; after < 4; after++) {
                size_t li = strlen(items[k]), n = pre + li + after;
                char *text = malloc(n ? n : 1);
                CHECK(text != NULL);
                if (!text)
                    continue;
                for (size_t i = 0; i < pre; i++)
                    text[i] = filler[i % (sizeof filler - 1)];
                memcpy(text + pre, items[k], li);
                memset(text + pre + li, '.', after);
                size_t nw, na;
                if (!anchored_equals_whole(p, text, n, &found, &na, &nw) && differ++ < 3)
                    fprintf(stderr, "  '%s' after %zu bytes: %zu near anchors, %zu in all\n",
                            items[k], pre, na, nw);
                free(text);
            }
    CHECK_EQ_INT(differ, 0);
    CHECK(found >= 700); /* 784: an item glued to a word of the filler is no match */
    vigil_pii_scanner_free(p);
}

TEST(teardown)
{
    vigil_scanner_destroy(sc);
    vigil_vault_close(vault);
    remove_tree(dir);
}

HARNESS_MAIN(T(each_kind_with_its_span), T(matches_do_not_depend_on_the_buffer_address),
             T(spelled_phones_at_every_offset), T(long_documents_and_far_anchors),
             T(near_misses), T(mexican_street_names_with_particles), T(personal_data_next_to_a_role_is_low),
             T(short_numbers_where_patterns_hold_them), T(anchors_change_nothing),
             T(anchors_in_the_last_bytes), T(teardown))
