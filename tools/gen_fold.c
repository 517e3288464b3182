/*
 * gen_fold — build-time generator of vigil's Unicode folding table.
 *
 * vigil must see "Ｊоhп", "J\u200bohn", "JOHN" and "Jóhn" as the same token. ICU knows how:
 * NFKC_Casefold (fullwidth, ligatures, case), NFD + removal of combining marks (accents), the
 * UTS #39 confusable skeleton (Cyrillic and Greek look-alikes) and the default-ignorable property
 * (zero-width characters, soft hyphen). Calling ICU per code point on the scan hot path would be
 * slow, and folding must be identical at enrollment and at scan time, so this program asks ICU
 * once per code point at build time and writes a compact two-stage lookup table (fold_table.h)
 * that src/text/fold.c consults with two array reads.
 *
 * Entry encoding (uint32): bits 30-31 type, bits 24-29 length, bits 0-23 pool offset.
 *   type 0 SEP     separator (space, punctuation, symbols, unassigned)
 *   type 1 IGNORE  dropped inside a word (marks, zero-width, soft hyphen, variation selectors)
 *   type 2 LETTER  a word character; folded form is pool[offset, offset+length) in UTF-8
 *   type 3 ASCII   folds to one ASCII punctuation byte (low 8 bits), e.g. fullwidth '@'
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>

#define LIMIT 0x20000 /* BMP, SMP (math alphanumerics, enclosed alphanumerics) */
#define BLOCK 128

static uint32_t entries[LIMIT];
static char pool[1 << 22];
static size_t pool_len;

static const UNormalizer2 *nfkc_cf, *nfd;
static USpoofChecker *spoof;

/* Folds a UTF-16 string: NFKC_Casefold, then NFD without combining marks. */
static int32_t fold16(const UChar *in, int32_t n, UChar *out, int32_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar a[64], b[64];
    int32_t la = unorm2_normalize(nfkc_cf, in, n, a, 64, &e);
    if (U_FAILURE(e))
        return -1;
    int32_t lb = unorm2_normalize(nfd, a, la, b, 64, &e);
    if (U_FAILURE(e))
        return -1;
    int32_t o = 0;
    for (int32_t i = 0; i < lb;) {
        UChar32 c;
        U16_NEXT(b, i, lb, c);
        int8_t t = u_charType(c);
        if (t == U_NON_SPACING_MARK || t == U_ENCLOSING_MARK || t == U_COMBINING_SPACING_MARK)
            continue;
        if (o + 2 > cap)
            return -1;
        U16_APPEND_UNSAFE(out, o, c);
    }
    return o;
}

/* 1 when every unit is an ASCII letter or digit. */
static int all_ascii_alnum(const UChar *s, int32_t n)
{
    if (n == 0)
        return 0;
    for (int32_t i = 0; i < n; i++)
        if (s[i] > 0x7f || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static uint32_t add_string(const char *s, size_t n)
{
    /* Short strings repeat a lot; a linear search over the pool would be slow, so only
     * deduplicate single ASCII characters via a small cache. */
    static uint32_t single[128];
    static int init;
    if (!init) {
        for (int i = 0; i < 128; i++)
            single[i] = UINT32_MAX;
        init = 1;
    }
    if (n == 1 && (unsigned char)s[0] < 128 && single[(unsigned char)s[0]] != UINT32_MAX)
        return single[(unsigned char)s[0]];
    if (pool_len + n > sizeof pool || n > 63) {
        fprintf(stderr, "gen_fold: pool overflow\n");
        exit(1);
    }
    uint32_t off = (uint32_t)pool_len;
    memcpy(pool + pool_len, s, n);
    pool_len += n;
    if (n == 1 && (unsigned char)s[0] < 128)
        single[(unsigned char)s[0]] = off;
    return off;
}

static uint32_t letter(const UChar *s, int32_t n)
{
    char u8[256];
    int32_t l8 = 0;
    UErrorCode e = U_ZERO_ERROR;
    u_strToUTF8(u8, sizeof u8, &l8, s, n, &e);
    if (U_FAILURE(e) || l8 <= 0 || l8 > 63)
        return 0; /* SEP */
    return (2u << 30) | ((uint32_t)l8 << 24) | add_string(u8, (size_t)l8);
}

/* Small capitals and Greek letters that pass for a Latin letter in running text. */
static UChar small_capital(UChar c)
{
    static const struct {
        UChar from;
        char to;
    } map[] = {
        {0x1D00, 'a'}, {0x0299, 'b'}, {0x1D04, 'c'}, {0x1D05, 'd'}, {0x1D07, 'e'}, {0x0262, 'g'},
        {0x029C, 'h'}, {0x026A, 'i'}, {0x1D0A, 'j'}, {0x1D0B, 'k'}, {0x029F, 'l'}, {0x1D0D, 'm'},
        {0x0274, 'n'}, {0x1D0F, 'o'}, {0x1D18, 'p'}, {0x0280, 'r'}, {0xA731, 's'}, {0x1D1B, 't'},
        {0x1D1C, 'u'}, {0x1D20, 'v'}, {0x1D21, 'w'}, {0x028F, 'y'}, {0x1D22, 'z'},
        {0x0138, 'k'}, {0x028D, 'm'}, {0x03BA, 'k'}, {0x03C4, 't'}, {0x03C7, 'x'}, {0x03C9, 'w'}, {0x03C5, 'u'}, {0x03B9, 'i'},
    };
    for (size_t i = 0; i < sizeof map / sizeof *map; i++)
        if (map[i].from == c)
            return (UChar)map[i].to;
    return 0;
}

static uint32_t classify(UChar32 cp)
{
    if (cp < 0x80)
        return 0; /* ASCII is handled by the tokenizer's own fast path */
    int8_t type = u_charType(cp);
    if (type == U_UNASSIGNED || type == U_SURROGATE || type == U_PRIVATE_USE_CHAR)
        return 0;
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK ||
        type == U_COMBINING_SPACING_MARK || type == U_FORMAT_CHAR ||
        u_hasBinaryProperty(cp, UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return 1u << 30;
    if (u_isdigit(cp) && u_charDigitValue(cp) >= 0) {
        UChar d = (UChar)('0' + u_charDigitValue(cp));
        return letter(&d, 1);
    }
    UChar in[4], f[64];
    int32_t n = 0;
    U16_APPEND_UNSAFE(in, n, cp);
    int32_t fl = fold16(in, n, f, 64);
    if (fl < 0)
        return 0;
    if (fl == 0)
        return u_isalnum(cp) ? 0 : (1u << 30);
    if (fl == 1 && f[0] < 0x80 && !all_ascii_alnum(f, 1))
        return (3u << 30) | f[0];
    if (all_ascii_alnum(f, fl))
        return letter(f, fl);
    /* Mixed ASCII result such as "1⁄2" or "c/o": keep the letters and digits. */
    int ascii_only = 1;
    for (int32_t i = 0; i < fl; i++)
        if (f[i] > 0x7f)
            ascii_only = 0;
    if (ascii_only) {
        UChar k[64];
        int32_t kl = 0;
        for (int32_t i = 0; i < fl; i++)
            if (all_ascii_alnum(&f[i], 1))
                k[kl++] = f[i];
        return kl ? letter(k, kl) : 0;
    }
    if (!u_isalnum(cp) && !u_isalpha(cp))
        return 0;
    /* A non-Latin letter: ask the confusable skeleton for a Latin look-alike. */
    UErrorCode e = U_ZERO_ERROR;
    UChar sk[64], skf[64];
    int32_t skl = uspoof_getSkeleton(spoof, 0, in, n, sk, 64, &e);
    if (U_SUCCESS(e) && skl > 0) {
        int32_t l2 = fold16(sk, skl, skf, 64);
        if (l2 > 0 && all_ascii_alnum(skf, l2))
            return letter(skf, l2);
        /* Lower-case Cyrillic к м т н в look like small capitals, which is what their skeleton
         * gives (ᴋ ᴍ ᴛ ʜ ʙ); in running text they pass for k m t h b. */
        if (l2 == 1) {
            UChar a = small_capital(skf[0]);
            if (a)
                return letter(&a, 1);
        }
    }
    if (fl == 1) {
        UChar a = small_capital(f[0]);
        if (a)
            return letter(&a, 1);
    }
    return letter(f, fl);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_fold OUT.h\n");
        return 2;
    }
    UErrorCode e = U_ZERO_ERROR;
    nfkc_cf = unorm2_getNFKCCasefoldInstance(&e);
    nfd = unorm2_getNFDInstance(&e);
    spoof = uspoof_open(&e);
    if (U_FAILURE(e)) {
        fprintf(stderr, "gen_fold: ICU: %s\n", u_errorName(e));
        return 1;
    }
    for (UChar32 cp = 0; cp < LIMIT; cp++)
        entries[cp] = classify(cp);

    /* Two-stage table: identical 128-entry blocks are stored once. */
    static uint16_t stage1[LIMIT / BLOCK];
    static uint32_t blocks[LIMIT];
    size_t nblocks = 0;
    for (size_t b = 0; b < LIMIT / BLOCK; b++) {
        size_t found = nblocks;
        for (size_t k = 0; k < nblocks; k++)
            if (memcmp(&blocks[k * BLOCK], &entries[b * BLOCK], BLOCK * 4) == 0) {
                found = k;
                break;
            }
        if (found == nblocks) {
            memcpy(&blocks[nblocks * BLOCK], &entries[b * BLOCK], BLOCK * 4);
            nblocks++;
        }
        stage1[b] = (uint16_t)found;
    }

    FILE *out = fopen(argv[1], "w");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    fprintf(out, "/* Generated by tools/gen_fold.c from ICU %s; do not edit. */\n", U_ICU_VERSION);
    fprintf(out, "#define VFOLD_LIMIT 0x%x\n#define VFOLD_SHIFT 7\n", LIMIT);
    fprintf(out, "static const uint16_t vfold_stage1[%d] = {", LIMIT / BLOCK);
    for (size_t i = 0; i < LIMIT / BLOCK; i++)
        fprintf(out, "%s%u,", i % 16 ? "" : "\n", stage1[i]);
    fprintf(out, "\n};\nstatic const uint32_t vfold_stage2[%zu] = {", nblocks * BLOCK);
    for (size_t i = 0; i < nblocks * BLOCK; i++)
        fprintf(out, "%s0x%x,", i % 8 ? "" : "\n", blocks[i]);
    fprintf(out, "\n};\nstatic const unsigned char vfold_pool[%zu] = {", pool_len ? pool_len : 1);
    for (size_t i = 0; i < pool_len; i++)
        fprintf(out, "%s%u,", i % 24 ? "" : "\n", (unsigned char)pool[i]);
    if (!pool_len)
        fprintf(out, "0");
    fprintf(out, "\n};\n");
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    uspoof_close(spoof);
    return 0;
}
