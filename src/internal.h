/*
 * Declarations shared between vigil's modules; not part of the public API.
 */
#ifndef VIGIL_INTERNAL_H
#define VIGIL_INTERNAL_H

#include "vigil/vigil.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ------------------------------------------------------------------ text/ */

#define VIGIL_TOKEN_MAX 63     /* canonical token bytes kept (longer tokens are cut) */
#define VIGIL_NGRAM_MAX 8      /* longest identifier token sequence */
#define VIGIL_GAP_MAX 40       /* bytes allowed between two tokens of one identifier */

enum {
    VIGIL_TOK_DIGITS = 1, /* canonical form is all ASCII digits */
    VIGIL_TOK_ALPHA = 2,  /* canonical form has a letter */
    VIGIL_TOK_SPELLED = 4, /* merged from a run of single characters ("J.o.h.n") */
};

/* What later stages want to know about a canonical word, computed once per word of the
 * canonicalization cache instead of once per token (see vigil_canon_cache_set_tagger). */
typedef struct vigil_tag {
    uint32_t rules; /* threat rules: the word's class and flags (threat.c) */
    uint32_t mhash; /* threat model: the word's hash, from which its pair features are made */
    int16_t mweight; /* threat model: the word's own features' summed weights (model steps; at
                      * most 20 features of at most 127 steps) */
    uint8_t mcount;  /* threat model: the features the word adds after a document's first word
                      * (its pair and its own) */
} vigil_tag;

typedef struct vigil_token {
    uint32_t start, end; /* byte span in the original text */
    uint32_t off;        /* canonical bytes at tokens->chars + off */
    uint16_t len;
    uint8_t flags;
    uint8_t raw_len;     /* folded characters before canonicalization (saturates at 255) */
    uint32_t raw_off;    /* spelled runs: their folded characters at chars + raw_off */
    vigil_tag tag;       /* vigil_tokenize_scan with a tagger: the word's tags */
    uint64_t lens;       /* index first-token filter bits (vigil_tokenize_scan only) */
    uint64_t hash;       /* keyed PRF of the canonical bytes (after vigil_tokens_hash) */
} vigil_token;

typedef struct vigil_tokens {
    vigil_token *v;
    size_t n, cap;
    char *chars;
    size_t nchars, ccap;
    char *spare; /* vigil_tokenize_scan: the folded characters, canonicalized into chars */
    size_t scap;
    size_t nspelled; /* tokens merged from spelled runs */
    bool at_sign;    /* the text has an '@' that separates words (not a letter "a") */
    bool at_letter;  /* the text has an '@' read as the letter "a" inside a word */
    uint64_t taggen; /* the tagger generation of the tokens' tags; 0: no tags */
} vigil_tokens;

/* Splits text into canonical tokens (see src/text/tokenize.c for the rules). Reuses the
 * buffers in t. Fails only on out-of-memory or a text longer than 4 GiB. */
vigil_status vigil_tokenize(vigil_tokens *t, const char *text, size_t len);
void vigil_tokens_free(vigil_tokens *t);
/* vigil_tokenize without its fast paths (the 64-byte block path, the spelled-run shortcut):
 * the reference the fast paths are tested against. */
vigil_status vigil_tokenize_general(vigil_tokens *t, const char *text, size_t len);
/* Direct-mapped cache of what canonicalization makes of a folded word of up to 15 bytes: its
 * canonical bytes, keyed hash and index filter bits. Words repeat (Zipf), so for most tokens a
 * hit replaces the word-table lookup, SipHash and a filter cache miss by two compares. One per
 * scanner; tied to one index and key (vigil_canon_cache_reset when they change). */
#define VIGIL_CANON_BITS 16
#define VIGIL_CANON_CACHE (1u << VIGIL_CANON_BITS)
typedef struct vigil_canon_cache vigil_canon_cache;
struct vigil_keys;
struct vigil_index;
vigil_canon_cache *vigil_canon_cache_new(void);
void vigil_canon_cache_free(vigil_canon_cache *c);
/* A tagger fills a canonical word's tags (flags: the token's, VIGIL_TOK_SPELLED aside). It is
 * known by its generation, a number no other tagger has (the cache is cleared when it changes);
 * fn NULL or gen 0 for none. */
typedef void (*vigil_word_tagger)(const void *ctx, const char *canon, size_t len, unsigned flags,
                                  uint64_t hash, vigil_tag *out);
void vigil_canon_cache_set_tagger(vigil_canon_cache *c, vigil_word_tagger fn, const void *ctx,
                                  uint64_t gen);
/* vigil_tokenize, and each token hashed with k and given its first-token filter bits from ix
 * (0 when ix is NULL). */
vigil_status vigil_tokenize_scan(vigil_tokens *t, const char *text, size_t len,
                                 const struct vigil_keys *k, const struct vigil_index *ix,
                                 vigil_canon_cache *cache);
/* Canonical form of one word (for word lists compared with scanned tokens) into out[cap];
 * returns its length, 0 when the word is not exactly one token or does not fit. */
size_t vigil_canon_one(const char *word, char *out, size_t cap);
/* Canonical bytes of token i. */
static inline const char *vigil_token_str(const vigil_tokens *t, size_t i)
{
    return t->chars + t->v[i].off;
}

/* Canonical form of one folded word in[0..n) into out (VIGIL_TOKEN_MAX + 1 bytes): ordinal
 * digits, leetspeak, word table, i/l folding. Returns the length, 0 for a dropped word; sets
 * *flags to VIGIL_TOK_ALPHA or VIGIL_TOK_DIGITS. */
size_t vigil_canon_token(const char *in, size_t n, char *out, unsigned *flags);

/* Street-type, direction, ordinal, unit and number-word canonical forms (see canon.c). */
typedef enum vigil_word_class {
    VIGIL_WORD_OTHER = 0,
    VIGIL_WORD_STREET_TYPE,
    VIGIL_WORD_DIRECTION,
    VIGIL_WORD_UNIT,
} vigil_word_class;
/* Looks up a lower-case folded word; returns its canonical replacement (or NULL when the word
 * is kept as it is, or "" when the word is dropped) and its class. */
const char *vigil_canon_word(const char *w, size_t n, vigil_word_class *cls);
/* Classifies an already canonical token. */
vigil_word_class vigil_canon_class(const char *w, size_t n);
/* The particles that join a Spanish street name's words ("Calle de la Reforma", "Av. de los
 * Insurgentes"), lower case ASCII: for enrollment's street forms and the address patterns. */
#define VIGIL_STREET_PARTICLES 6
extern const char *const vigil_street_particles[VIGIL_STREET_PARTICLES];
/* Whether w[0..n) is one of the lower-case words list[0..count), in any case. */
bool vigil_word_listed(const char *const *list, size_t count, const char *w, size_t n);

/* ------------------------------------------------------------------ hashing */

typedef struct vigil_keys {
    unsigned char token[16];   /* SipHash key for tokens (crypto_shorthash) */
    unsigned char finger[32];  /* BLAKE2b key for alert fingerprints */
    unsigned char check[32];   /* BLAKE2b key for the index's key check */
    unsigned char evidence[32]; /* XChaCha20-Poly1305 key for document text in the store */
    unsigned char audit[32];    /* BLAKE2b key chaining the audit log */
    unsigned char sign_seed[32]; /* Ed25519 seed of the vault's evidence signing key */
} vigil_keys;

uint64_t vigil_hash_token(const vigil_keys *k, const char *s, size_t n);

/* Hashes every token (the keyed PRF of its canonical bytes). */
void vigil_tokens_hash(vigil_tokens *t, const vigil_keys *k);

static inline uint64_t vigil_rotl(uint64_t x, int r)
{
    return (x << (r & 63)) | (x >> ((64 - r) & 63)); /* defined for r = 0 too */
}
/* Cheap combination of keyed token hashes into an n-gram fingerprint. The inputs are PRF
 * outputs, so a fast mixer suffices; see DESIGN.md "Performance notes". */
static inline uint64_t vigil_ngram_add(uint64_t acc, uint64_t h)
{
    return (vigil_rotl(acc, 27) * 0x9E3779B97F4A7C15ull) ^ h;
}
static inline uint64_t vigil_ngram_final(uint64_t acc, unsigned n)
{
    acc ^= (uint64_t)n * 0xD6E8FEB86659FD93ull;
    acc ^= acc >> 33;
    acc *= 0xFF51AFD7ED558CCDull;
    acc ^= acc >> 33;
    acc *= 0xC4CEB9FE1A85EC53ull;
    acc ^= acc >> 33;
    return acc ? acc : 1;
}
#define VIGIL_PHONE_N 100 /* the n used to finalize phone fingerprints */
/* Fingerprint of a phone's national number (digits only). */
uint64_t vigil_phone_fp(const vigil_keys *k, const char *digits, size_t n);

/* ------------------------------------------------------------------ vault/index */

/* Entry value bits */
#define VIGIL_V_PERSON_MASK 0x003FFFFFu /* up to 4,194,303 people */
#define VIGIL_V_KIND_SHIFT 22
#define VIGIL_V_KIND_MASK (7u << 22)
#define VIGIL_V_WEAK (1u << 25)     /* weak name form (initial + surname) */
#define VIGIL_V_TIGHT (1u << 26)    /* tokens must be joined by single non-space characters */
#define VIGIL_V_PHONE (1u << 27)    /* phone entry (found by the digit path, not the filter) */
#define VIGIL_V_REVERSED (1u << 28) /* surname first: needs "Last, First" or "LAST First" */
#define VIGIL_V_LEN_SHIFT 29        /* token count - 1 (0..7) */
#define VIGIL_V_LEN(v) ((((v) >> VIGIL_V_LEN_SHIFT) & 7u) + 1)

typedef struct vigil_slot {
    uint64_t fp;    /* 0 = empty */
    uint32_t value;
    uint32_t first; /* low 31 bits of the first token's hash and VIGIL_FIRST_NUMNEXT, to
                     * rebuild the filter */
} vigil_slot;

typedef struct vigil_entry {
    uint64_t fp;
    uint32_t value;
    uint32_t first;
    uint32_t second; /* the second token: VIGIL_SECOND_KNOWN | low 31 bits of its hash;
                      * VIGIL_SECOND_NONE for a one-token form; 0 when not known (an index
                      * written before the second-token filter) */
} vigil_entry;
#define VIGIL_SECOND_KNOWN 0x80000000u
#define VIGIL_SECOND_NONE 1u

typedef struct vigil_index vigil_index;

typedef struct vigil_person_rec {
    char *id;
    uint32_t counts[VIGIL_KIND_COUNT];
} vigil_person_rec;

/* Loads (mmap) and validates an index file; err gets a message on failure. */
vigil_status vigil_index_load(const char *path, const vigil_keys *keys, vigil_index **out,
                              char *err, size_t errlen);
/* Validates an index held in memory (used by the loader and the fuzzer). The buffer is
 * borrowed and must outlive the index. */
vigil_status vigil_index_from_memory(const void *data, size_t size, const vigil_keys *keys,
                                     vigil_index **out, char *err, size_t errlen);
void vigil_index_free(vigil_index *ix);
/* Recomputes the key check and checksums of an index image in place (fuzzing and tests, to
 * reach the structural checks behind the checksums). */
void vigil_index_seal(void *data, size_t size, const vigil_keys *keys);
/* The index's checksum of data[0..n), summed in nparts (1..4) parts on their own threads: the
 * same value for any nparts. */
uint64_t vigil_index_checksum(const void *data, size_t n, unsigned nparts);
size_t vigil_index_people(const vigil_index *ix);
const char *vigil_index_person_id(const vigil_index *ix, uint32_t i);
/* Hint the CPU to load person i's record (before vigil_index_person_id). */
void vigil_index_prefetch_person(const vigil_index *ix, uint32_t i);
void vigil_index_person_counts(const vigil_index *ix, uint32_t i, uint32_t *counts);
uint64_t vigil_index_entries(const vigil_index *ix);
/* Calls fn for every entry (for rebuilding). */
typedef void (*vigil_entry_fn)(void *user, const vigil_entry *e);
void vigil_index_foreach(const vigil_index *ix, vigil_entry_fn fn, void *user);
/* First-token filter, from one cache line: bit n (1..8) set when an identifier of n tokens may
 * start with the token, bit VIGIL_LENS_REVERSED + n for a surname-first name form, bit
 * VIGIL_LENS_WEAK + n for a weak name form (initial and surname); 0 when none may. The classes
 * let the scan skip probes that could not count (DESIGN.md, Performance notes). */
#define VIGIL_LENS_REVERSED 8
#define VIGIL_LENS_WEAK 16
/* ... and bit VIGIL_LENS_NUMNEXT + n (n <= 7) for a form whose second token is a number ("abc
 * 1234" plates, "juarez 123" addresses): probed only where a number follows. Entries carry
 * this as the top bit of their first-token hash (VIGIL_FIRST_NUMNEXT). */
#define VIGIL_LENS_NUMNEXT 24
#define VIGIL_FIRST_NUMNEXT 0x80000000u
/* ... and bit VIGIL_LENS_TIGHT + n for a form whose tokens must be joined by single non-space
 * characters (VIGIL_V_TIGHT: "j_smith", "j.smith"): probed only where they are. */
#define VIGIL_LENS_TIGHT 32
/* The first-token classes' bits (all of the above). */
#define VIGIL_LENS_CLASSES ((1ull << 40) - 1)
/* ... and bit VIGIL_LENS_SECOND + n (2..8) when some identifier of n tokens (any class) may
 * have the token second: a probe of n tokens needs it on its second token, which rules out
 * most probes of a common first name ("John went") without reading the table. An index
 * written before this filter existed has it set for every token. */
#define VIGIL_LENS_SECOND 40
#define VIGIL_LENS_SECONDS (0x1FCull << VIGIL_LENS_SECOND)
/* ... and, set by the tokenizer (not the index), VIGIL_LENS_ATDOT on the words "at" and "dot":
 * the scan looks for e-mail addresses spelled out with them only where they are. */
#define VIGIL_LENS_ATDOT (1ull << 62)
uint64_t vigil_index_first_lens(const vigil_index *ix, uint64_t token_hash);
/* Whether the filter has the second tokens (else every token passes as one: an index written
 * before them, or enrolled over such an index). */
bool vigil_index_second_filter(const vigil_index *ix);
/* Hint the CPU to load the filter line of a token (before vigil_index_first_lens). */
void vigil_index_prefetch_filter(const vigil_index *ix, uint64_t token_hash);
/* Calls fn for every entry with fingerprint fp; returns the number found. */
typedef void (*vigil_hit_fn)(void *user, uint32_t value);
unsigned vigil_index_find(const vigil_index *ix, uint64_t fp, vigil_hit_fn fn, void *user);
/* Hint the CPU to load the slot for fp. */
void vigil_index_prefetch(const vigil_index *ix, uint64_t fp);

/* Writes a new index file atomically (temp file, fsync, rename, fsync dir). people[i] owns the
 * entries whose person field is i. */
vigil_status vigil_index_write(const char *path, const vigil_keys *keys,
                               const vigil_person_rec *people, size_t npeople,
                               const vigil_entry *entries, size_t nentries, char *err,
                               size_t errlen);

const vigil_index *vigil_vault_index(const vigil_vault *v);
const vigil_keys *vigil_vault_keys(const vigil_vault *v);
const char *vigil_vault_dir(const vigil_vault *v);

/* Keyed fingerprint of an alert (alert.c): people ids, counted kind masks and the sorted
 * fingerprints of the identifiers matched for each. */
vigil_status vigil_fingerprint(const vigil_keys *k, const char *const *ids, const unsigned *masks,
                               const uint64_t *const *fps, const size_t *nfps, size_t npeople,
                               char out[33]);

/* ------------------------------------------------------------------ vault/variants */

typedef struct vigil_person_input {
    const char *id;
    const char *country; /* ISO code; NULL = "US" */
    /* each list: count and values (plaintext, borrowed) */
    size_t n[VIGIL_KIND_COUNT];
    const char **v[VIGIL_KIND_COUNT];
} vigil_person_input;

typedef struct vigil_entries {
    vigil_entry *v;
    size_t n, cap;
} vigil_entries;

/* Appends the hashed variants of one person (person number `person`) to out. On a value that
 * cannot be made into an identifier, writes a message naming the field (never the value) to
 * err and returns VIGIL_ERR_PARSE without appending anything. */
vigil_status vigil_variants(const vigil_keys *keys, const vigil_person_input *in, uint32_t person,
                            vigil_entries *out, uint32_t counts[VIGIL_KIND_COUNT], char *err,
                            size_t errlen);

/* Nickname groups: calls fn for every canonical given name equivalent to `name` (itself
 * included). */
typedef void (*vigil_name_fn)(void *user, const char *name, size_t n);
void vigil_nicknames(const char *name, size_t n, vigil_name_fn fn, void *user);
/* True when the canonical word is a known given name (used to tell compound first names). */
bool vigil_is_given_name(const char *name, size_t n);

/* Country calling code for an ISO country ("US" -> "1"); NULL when unknown. */
const char *vigil_country_code(const char *iso);
/* Calls fn with every national number the digit string may stand for (the string itself and
 * the string without a known international, country or trunk prefix). */
void vigil_phone_candidates(const char *d, size_t n, void (*fn)(void *, const char *, size_t),
                            void *user);

/* ------------------------------------------------------------------ detect/threat */

#define VIGIL_THREAT_SPANS 32
#define VIGIL_MODEL_FEATURES 5 /* words listed behind the model's score */

typedef struct vigil_threat_state {
    vigil_threat threat;
    vigil_threat_span spans[VIGIL_THREAT_SPANS];
    vigil_explain explain[VIGIL_THREAT_SPANS];
    size_t nexplain;
    bool tagged;               /* the tokens carry tags for these rules and this model */
    bool model_features;       /* explain the model's score by its strongest words */
    vigil_model_feature features[VIGIL_MODEL_FEATURES];
    uint32_t feature_tokens[VIGIL_MODEL_FEATURES]; /* the token of each */
    uint32_t *cls;             /* the tokens' word classes (threat.c), ncls of room */
    size_t ncls;
} vigil_threat_state;
/* Frees what vigil_threat_detect allocated in ts. */
void vigil_threat_state_free(vigil_threat_state *ts);

/* Runs the rules and the model over a document's hashed tokens (either may be NULL). */
vigil_status vigil_threat_detect(const vigil_rules *r, const vigil_model *m, const vigil_tokens *t,
                                 const char *text, size_t len, vigil_threat_state *ts);
/* The model's probability of a threat for a token stream (0 without a model). tagged: the
 * tokens carry this model's word tags (vigil_tokenize_scan with the scanner's tagger), else each
 * word's features are computed here; the result is the same to the last bit. */
double vigil_model_predict(const vigil_model *m, const vigil_tokens *t, bool tagged);
/* vigil_model_predict, and the cap words of t that add most to the model's log-odds (own
 * features and the pair each ends, scaled as in the score) into top, strongest first, only
 * those adding something, *ntop of them, with their token indexes into `tokens` unless it is
 * NULL. One pass over the words for both. */
double vigil_model_predict_top(const vigil_model *m, const vigil_tokens *t, bool tagged,
                               vigil_model_feature *top, uint32_t *tokens, size_t cap,
                               size_t *ntop);
vigil_status vigil_model_from_memory(const void *data, size_t size, vigil_model **out, char *err,
                                     size_t errlen);
/* Compiles rules from one text only (no built-in rules); for tests and the fuzzer. */
vigil_status vigil_rules_parse(const vigil_vault *vault, const char *text, vigil_rules **out,
                               char *err, size_t errlen);
vigil_status vigil_rules_parse_keys(const vigil_keys *keys, const char *text, vigil_rules **out,
                                    char *err, size_t errlen);
size_t vigil_rules_count(const vigil_rules *r);
/* The rules' tag of a canonical word with keyed hash `hash` (vigil_tag.rules). */
uint32_t vigil_rules_word_tag(const vigil_rules *r, const char *w, size_t n, uint64_t hash);
/* The model's tags of a canonical word with token flags `flags` (vigil_tag.mhash, .mweight,
 * .mcount). */
void vigil_model_word_tag(const vigil_model *m, const char *w, size_t n, unsigned flags,
                          vigil_tag *out);

/* ------------------------------------------------------------------ detect/pii */

#define VIGIL_PII_MAX 256
typedef struct vigil_pii_scanner vigil_pii_scanner;
vigil_status vigil_pii_scanner_create(vigil_pii_scanner **out, char *err, size_t errlen);
void vigil_pii_scanner_free(vigil_pii_scanner *p);
/* Finds personal data in text (t: its tokens, for spelled-out phone numbers; may be NULL). */
vigil_status vigil_pii_scan(vigil_pii_scanner *p, const char *text, size_t len,
                            const vigil_tokens *t, const vigil_pii_match **out, size_t *n);
/* The same with vectorscan over the whole text, not only near the anchors (for tests: what the
 * anchors must not change). */
vigil_status vigil_pii_scan_whole(vigil_pii_scanner *p, const char *text, size_t len,
                                  const vigil_tokens *t, const vigil_pii_match **out, size_t *n);

/* ------------------------------------------------------------------ ingest */

/* A reader over an open stream (borrowed, not closed), named `name` in messages. */
vigil_status vigil_reader_open_stream(FILE *f, const char *name, vigil_input_format fmt,
                                      size_t max_doc, vigil_reader **out);

/* ------------------------------------------------------------------ alert/minhash */

#define VIGIL_MINHASH_K 128
#define VIGIL_MINHASH_ROWS 4
#define VIGIL_MINHASH_BANDS (VIGIL_MINHASH_K / VIGIL_MINHASH_ROWS)
/* MinHash signature of a text's 3-token shingles (keyed); *nshingles receives their number. */
vigil_status vigil_minhash(const vigil_keys *k, const char *text, size_t len,
                           uint32_t sig[VIGIL_MINHASH_K], size_t *nshingles);
/* Estimated Jaccard similarity of two signatures. */
double vigil_minhash_similarity(const uint32_t *a, const uint32_t *b);
/* The LSH bucket of one band of a signature. */
uint64_t vigil_minhash_band(const uint32_t *sig, unsigned band);

/* ------------------------------------------------------------------ util */

/* Makes room for n more bytes (and a NUL) within the buffer's cap. */
vigil_status vigil_buf_reserve(vigil_buf *b, size_t n);

/* Grows the array at *pp (pp: the address of a T *; *cap elements of `size` bytes) to at least
 * `need` elements, doubling from `first` (util.c). Unchanged on failure. */
vigil_status vigil_grow(void *pp, size_t *cap, size_t need, size_t size, size_t first);
/* Zeroed memory on 2 MiB pages where the system allows (util.c); freed with vigil_huge_free. */
typedef struct vigil_huge {
    void *map;
    size_t mapped;
} vigil_huge;
void *vigil_huge_alloc(size_t size, vigil_huge *h);

/* Whether code written for wider vector units than SSE2 may run: the CPU has `feature` (only
 * "avx2" so far, as named by __builtin_cpu_supports) and the environment does not ask for the
 * baseline (VIGIL_SIMD=sse2, with which the tests run each such path's fallback). */
bool vigil_cpu_has(const char *feature);
void vigil_huge_free(vigil_huge *h);
void vigil_errf(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reads a whole file (up to max bytes). */
vigil_status vigil_read_file(const char *path, size_t max, char **data, size_t *len, char *err,
                             size_t errlen);
bool vigil_utf8_valid(const char *s, size_t n);
/* Decodes one UTF-8 sequence at s[0..n) (s[0] >= 0x80); returns its length, or 0 when invalid
 * (overlong, surrogate, past U+10FFFF, truncated). */
size_t vigil_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

#endif
