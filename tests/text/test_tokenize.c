/* Unit tests for the tokenizer: every disguise it must undo, and exact byte spans. */
#include "../../src/internal.h"
#include "../harness.h"
#include "../tokdiff.h"

static vigil_tokens tk;

/* Canonical tokens of s joined by single spaces. */
static const char *canon(const char *s, size_t n)
{
    static char out[4096];
    CHECK(vigil_tokenize(&tk, s, n) == VIGIL_OK);
    size_t o = 0;
    for (size_t i = 0; i < tk.n && o + tk.v[i].len + 2 < sizeof out; i++) {
        if (i)
            out[o++] = ' ';
        memcpy(out + o, vigil_token_str(&tk, i), tk.v[i].len);
        o += tk.v[i].len;
    }
    out[o] = '\0';
    return out;
}
#define C(s) canon((s), strlen(s))

TEST(case_and_spacing)
{
    CHECK_EQ_STR(C("JOHN   smith"), "john smlth");
    CHECK_EQ_STR(C("John\t\r\n  Smith"), "john smlth");
    CHECK_EQ_STR(C("jOhN sMiTh"), "john smlth");
}

TEST(accents_and_compatibility_forms)
{
    CHECK_EQ_STR(C("José Muñoz"), "jose munoz");
    CHECK_EQ_STR(C("JOSÉ MUÑOZ"), "jose munoz");
    CHECK_EQ_STR(C("Jose\xcc\x81"), "jose"); /* combining acute accent */
    CHECK_EQ_STR(C("\xef\xbc\xaa\xef\xbd\x8f\xef\xbd\x88\xef\xbd\x8e"), "john"); /* fullwidth */
    CHECK_EQ_STR(C("\xf0\x9d\x90\x89\xf0\x9d\x90\xa8\xf0\x9d\x90\xa1\xf0\x9d\x90\xa7"), "john");
    CHECK_EQ_STR(C("Stra\xc3\x9f" "e"), "strasse");
}

TEST(confusables)
{
    /* Cyrillic а, о, е, Greek ο, Cyrillic Ѕ */
    CHECK_EQ_STR(C("J\xd0\xbehn"), "john");
    CHECK_EQ_STR(C("M\xd0\xb0ri\xd0\xb0"), "marla");
    CHECK_EQ_STR(C("\xd0\x85mith"), "smlth");
    CHECK_EQ_STR(C("R\xce\xbf" "bert"), "robert");
}

TEST(zero_width_and_soft_hyphen)
{
    CHECK_EQ_STR(C("Jo\xe2\x80\x8bhn Sm\xc2\xadith"), "john smlth");
    CHECK_EQ_STR(C("J\xe2\x80\x8do\xe2\x81\xa0hn"), "john");
    CHECK_EQ_STR(C("\xef\xbb\xbfJohn"), "john");
}

TEST(leetspeak)
{
    CHECK_EQ_STR(C("J0hn Sm1th"), "john smlth");
    CHECK_EQ_STR(C("R0b3rt"), "robert");
    CHECK_EQ_STR(C("4lv4r3z"), "alvarez");
    CHECK_EQ_STR(C("J@ne D0e"), "jane doe");
    CHECK_EQ_STR(C("$mith Jone$"), "smlth jones");
    CHECK_EQ_STR(C("Victori@ $@muel"), "vlctorla samuel");
    /* digits alone are numbers, not leetspeak */
    CHECK_EQ_STR(C("5551234"), "5551234");
}

TEST(email_at_and_amounts_stay_separators)
{
    CHECK_EQ_STR(C("john.smith@example.com"), "john smlth example com");
    CHECK_EQ_STR(C("john [at] example [dot] com"), "john at example dot com");
    CHECK_EQ_STR(C("juan arroba example punto mx"), "juan at example dot mx");
    CHECK_EQ_STR(C("pay $50 now"), "pay 50 now");
}

TEST(ordinals_and_word_table)
{
    CHECK_EQ_STR(C("5th Avenue"), "5 av");
    CHECK_EQ_STR(C("Fifth Ave."), "5 av");
    CHECK_EQ_STR(C("21st St"), "21 st");
    CHECK_EQ_STR(C("1234 North Oak Street"), "1234 n oak st");
    CHECK_EQ_STR(C("1234 N. Oak St."), "1234 n oak st");
    CHECK_EQ_STR(C("Calle Hidalgo"), "calle hldalgo");
    CHECK_EQ_STR(C("C. Hidalgo"), "calle hldalgo");
    CHECK_EQ_STR(C("Av. Reforma Pte"), "av reforma w");
    CHECK_EQ_STR(C("9na 3ra 2do"), "9 3 2");
    CHECK_EQ_STR(C("4na"), "ana"); /* not an ordinal: 4 takes -to/-ta */
    CHECK_EQ_STR(C("five five five"), "5 5 5");
    CHECK_EQ_STR(C("cinco dos"), "5 2");
}

TEST(spelled_runs)
{
    CHECK_EQ_STR(C("J.o.h.n S.m.i.t.h"), "john smlth");
    CHECK_EQ_STR(C("J-o-h-n"), "john");
    CHECK_EQ_STR(C("J o h n  S m i t h"), "john smlth");
    CHECK_EQ_STR(C("J e s s i c a B-a-i-l-e-y"), "jesslca balley");
    CHECK_EQ_STR(C("R-e-b-e-c-c-a H o w a r d"), "rebecca howard");
    CHECK_EQ_STR(C("5 5 5 1 2 1 2"), "5551212");
    /* a capital after two small letters starts the next word; alternating case does not */
    CHECK_EQ_STR(C("E d w a r d s B R O W N"), "edwards brown");
    CHECK_EQ_STR(C("J o h n S m i t h"), "john smlth");
    CHECK_EQ_STR(C("j O h N s M i T h"), "johnsmlth");
    CHECK_EQ_STR(C("J O H N S M I T H"), "johnsmlth");
    /* two initials are not a word */
    CHECK_EQ_STR(C("J. R. Smith"), "j r smlth");
}

TEST(spans_are_exact_byte_offsets)
{
    const char *s = "x J\xe2\x80\x8bohn  Sm\xc3\xadth!";
    CHECK(vigil_tokenize(&tk, s, strlen(s)) == VIGIL_OK);
    CHECK_EQ_INT(tk.n, 3);
    CHECK_EQ_INT(tk.v[1].start, 2);
    CHECK_EQ_INT(tk.v[1].end, 9);
    CHECK_EQ_INT(tk.v[2].start, 11);
    CHECK_EQ_INT(tk.v[2].end, 17);
}

TEST(invalid_utf8_and_nul_bytes)
{
    const char s[] = "Jo\xffhn Sm\0ith \xc3 end";
    CHECK_EQ_STR(canon(s, sizeof s - 1), "jo hn sm lth end");
    CHECK(vigil_tokenize(&tk, s, sizeof s - 1) == VIGIL_OK);
    CHECK_EQ_INT(tk.v[0].start, 0);
    CHECK_EQ_INT(tk.v[1].start, 3);
    CHECK_EQ_INT(tk.v[4].start, sizeof s - 4);
    CHECK(!vigil_utf8_valid(s, sizeof s - 1));
    CHECK(vigil_utf8_valid("Mu\xc3\xb1oz", 6));
    CHECK(!vigil_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
    CHECK(!vigil_utf8_valid("\xc0\xaf", 2));     /* overlong */
}

TEST(huge_token_is_capped)
{
    size_t n = 100000;
    char *s = malloc(n);
    memset(s, 'a', n);
    CHECK(vigil_tokenize(&tk, s, n) == VIGIL_OK);
    CHECK_EQ_INT(tk.n, 1);
    CHECK(tk.v[0].len <= VIGIL_TOKEN_MAX);
    CHECK_EQ_INT(tk.v[0].end, n);
    free(s);
}

TEST(empty_and_separator_only)
{
    CHECK_EQ_STR(C(""), "");
    CHECK_EQ_STR(C(" ,.;--  \n"), "");
}

/* The fast paths (64-byte ASCII blocks, the canonicalization cache of vigil_tokenize_scan) must
 * give exactly what the general path gives, on text that mixes everything they skip. */
static const char *const pieces[] = {
    "John", "SMITH", "j", "a", "I", "5", "555", "1234567", "5th", "21st", "J0hn", "Sm1th", "five",
    "Street", "St.", "north", "de", "la", "calle", "J.o.h.n", "J o h n", "5-5-5-1", "@", "$",
    "j@ne", "$mith", "x@y.com", "$50", "\xc3\xa9", "Jos\xc3\xa9", "\xd0\x96", "\xe2\x80\x8b",
    "\xef\xbc\xa1", "\xc2\xad", "\xff", "\x00", " ", "  ", "\n", ",", ".", "-", "'", "_",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "0123456789012345678901234567890123456789", "abcdefghijklmnopq", "Mu\xc3\xb1oz",
};

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(uint32_t n)
{
    return harness_rnd(&rng_state, n);
}

/* Unescapes the \xNN sequences of a piece into out; returns the length. */
static size_t unescape(const char *p, char *out)
{
    size_t n = 0;
    while (*p) {
        if (p[0] == '\\' && p[1] == 'x') {
            out[n++] = (char)strtol((char[]){p[2], p[3], 0}, NULL, 16);
            p += 4;
        } else {
            out[n++] = *p++;
        }
    }
    return n;
}

TEST(fast_paths_equal_general_path)
{
    static vigil_tokens ref, fast, scan;
    vigil_keys keys;
    memset(&keys, 7, sizeof keys);
    vigil_canon_cache *cache = vigil_canon_cache_new();
    CHECK(cache != NULL);
    char text[2048];
    size_t npieces = sizeof pieces / sizeof *pieces;
    for (int doc = 0; doc < 3000; doc++) {
        size_t n = 0, want = rnd(700);
        /* a plain-ASCII document most of the time, so that whole blocks take the fast path */
        int plain = rnd(3) != 0;
        while (n + 80 < sizeof text && n < want) {
            const char *p = pieces[rnd((uint32_t)npieces)];
            if (plain && strchr(p, '\\'))
                continue;
            if (plain && (strchr(p, '@') || strchr(p, '$')) && rnd(4))
                continue;
            n += unescape(p, text + n);
            if (rnd(3))
                text[n++] = rnd(5) ? ' ' : ",;.\n-"[rnd(5)];
        }
        /* a tagger from the start, another one (the cache cleared) after 1000 documents */
        uintptr_t tctx = doc < 1000 ? 1 : 2;
        vigil_canon_cache_set_tagger(cache, tokdiff_tag, (const void *)tctx, tctx);
        CHECK(vigil_tokenize_general(&ref, text, n) == VIGIL_OK);
        CHECK(vigil_tokenize(&fast, text, n) == VIGIL_OK);
        CHECK(vigil_tokenize_scan(&scan, text, n, &keys, NULL, cache) == VIGIL_OK);
        CHECK(scan.taggen == tctx && fast.taggen == 0);
        size_t df = tokdiff_first(&ref, &fast, NULL, 0);
        size_t ds = tokdiff_first(&ref, &scan, &keys, tctx);
        CHECK_EQ_INT(df, fast.n);
        CHECK_EQ_INT(ds, scan.n);
        if (df != fast.n || ds != scan.n) {
            fprintf(stderr, "document %d differs at token %zu (fast) / %zu (scan)\n", doc, df, ds);
            break;
        }
    }
    vigil_canon_cache_free(cache);
    vigil_tokens_free(&ref);
    vigil_tokens_free(&fast);
    vigil_tokens_free(&scan);
}

HARNESS_MAIN(T(fast_paths_equal_general_path), T(case_and_spacing), T(accents_and_compatibility_forms), T(confusables),
             T(zero_width_and_soft_hyphen), T(leetspeak), T(email_at_and_amounts_stay_separators),
             T(ordinals_and_word_table), T(spelled_runs), T(spans_are_exact_byte_offsets),
             T(invalid_utf8_and_nul_bytes), T(huge_token_is_capped), T(empty_and_separator_only))
