/*
 * The index: an mmap'd file of keyed fingerprints, never a plaintext identifier.
 *
 * Layout (little-endian, sections 64-byte aligned):
 *   header (152 bytes)  magic, version, sizes, section offsets, key check, checksums
 *   people              npeople x {id offset, id length, counts per kind}
 *   ids                 the opaque person ids, back to back
 *   slots               nslots x {fingerprint u64, value u32, first-token hash u32}, one slot per
 *                       distinct fingerprint
 *   seconds             (FLAG_SECONDS) nslots x u32: each slot's second token (vigil_entry.second),
 *                       to rebuild the filter; 0 in a slot whose entries came from an index
 *                       without this section
 *   multi               u32 words: for a fingerprint several people share (a common name),
 *                       {count, first-token hash, value...}; its slot holds MULTI and the offset
 *   filter              blocked Bloom filter (512-bit blocks) over first-token hashes, and in the
 *                       same block, over (first token, sequence length); with FLAG_SECOND_FILTER
 *                       also over (second token, sequence length), in the block of the second
 *                       token (vigil_index_first_lens returns both)
 *
 * The slot table is built by sorting entries by fingerprint and placing each at
 * max(home, previous + 1), where home = fastrange(fp, nhome). Because fastrange is monotonic,
 * slots along a cluster are sorted, so a lookup scans from home only while fingerprints are
 * smaller: an absent key costs about one cache line even at 80% load, which matters because
 * almost every probe from a scan is for an absent key. There is no wrap-around: a tail of spare
 * slots absorbs the last cluster.
 *
 * The filter answers "could an identifier start with this token, and how long could it be?"
 * from one cache line of a structure much smaller than the table: most tokens of a text fail it
 * and cost nothing more, and a token that passes is probed only at the lengths that exist.
 * Common names are shared by many people; keeping one slot per distinct fingerprint (the
 * others in the multi section) keeps clusters short.
 *
 * The second-token part came after version 6 was in use and keeps its layout: an index without
 * it (flags 0) still loads, and answers every token as a possible second token; its entries
 * have no second token to carry over, so an index enrolled over it has the filter only once
 * every entry was enrolled again. An older vigil reads the new files (it ignores the flags; the
 * extra filter bits only make its filter pass a little more often).
 *
 * Integrity: the header carries its own checksum and one over the body (see checksum(): written
 * here because it runs at memory speed; BLAKE2b, or even xxh64's round, would take longer than
 * the whole load budget for a large index). It guards against truncation and corruption, not
 * against an attacker (who could recompute it); the key check (keyed BLAKE2b) makes sure the
 * index belongs to the vault's key.
 */
#include "../internal.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <math.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC "VIGILIX"
#define VERSION 6
#define HEADER_SIZE 152
#define LOAD 0.7
#define TAIL 4096
#define MULTI 0xFFFFFFFFu
#define FLAG_SECONDS 1u       /* the seconds section is present */
#define FLAG_SECOND_FILTER 2u /* the filter has every multi-token form's second token */

typedef struct header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint64_t file_size;
    uint32_t npeople;
    uint32_t flags; /* FLAG_*; 0 in indexes written before the second-token filter */
    uint64_t nhome;
    uint64_t nslots;
    uint64_t nentries;
    uint64_t filter_blocks;
    uint64_t off_people;
    uint64_t off_ids;
    uint64_t ids_size;
    uint64_t off_slots;
    uint64_t off_filter;
    uint64_t off_multi;
    uint64_t nmulti; /* u32 words */
    uint8_t keycheck[16];
    uint64_t body_sum;
    uint64_t header_sum;
} header;

_Static_assert(sizeof(header) == HEADER_SIZE, "index header layout changed");

typedef struct person_disk {
    uint32_t id_off;
    uint32_t id_len;
    uint32_t counts[VIGIL_KIND_COUNT];
    uint32_t pad;
} person_disk;

_Static_assert(sizeof(person_disk) == 40, "person record must be 40 bytes");

struct vigil_index {
    void *map;
    size_t map_size;
    const header *h;
    const person_disk *people;
    const char *ids;
    const vigil_slot *slots;
    const uint32_t *seconds; /* NULL without FLAG_SECONDS */
    uint64_t all_seconds;    /* VIGIL_LENS_SECONDS without FLAG_SECOND_FILTER, else 0 */
    const uint32_t *multi;
    const uint64_t *filter;
};

static const uint64_t P1 = 0x9E3779B185EBCA87ull, P2 = 0xC2B2AE3D27D4EB4Full;

/* Corruption check over the index body. Four lanes each add (word ^ position) * odd constant:
 * any single changed word changes its lane's sum (multiplication by an odd number is a
 * bijection mod 2^64), and the position term catches reordered words. The multiplies do not
 * depend on each other, so this runs at memory speed; a multiply-rotate chain (xxh64's round)
 * took 180 ms over a 1M-person index, more than the whole load budget. */
typedef struct lanes {
    const unsigned char *p;
    size_t n;     /* a multiple of 32 */
    uint64_t pos; /* the position term of p's first word */
    uint64_t a, b, c, d;
} lanes;

/* The lanes' sums over p[0..n): sums, so that parts of the body can be summed apart and added. */
static void *sum_lanes(void *arg)
{
    lanes *l = arg;
    uint64_t a = 0, b = 0, c = 0, d = 0, pos = l->pos;
    for (size_t i = 0; i < l->n; i += 32, pos += 4) {
        uint64_t w[4];
        memcpy(w, l->p + i, 32);
        a += (w[0] ^ pos) * P1;
        b += (w[1] ^ (pos + 1)) * P2;
        c += (w[2] ^ (pos + 2)) * P1;
        d += (w[3] ^ (pos + 3)) * P2;
    }
    l->a = a;
    l->b = b;
    l->c = c;
    l->d = d;
    return NULL;
}

/* Over a large index the check is bound by one core's memory bandwidth (about 90 ms for a
 * million people's 500 MB here, most of the load time): its parts are summed by up to four
 * threads, with the same result. */
#define CHECKSUM_PART (64u << 20)
uint64_t vigil_index_checksum(const void *data, size_t n, unsigned nparts)
{
    const unsigned char *p = data;
    size_t whole = n / 32 * 32;
    lanes part[4];
    pthread_t th[4];
    if (nparts < 1)
        nparts = 1;
    if (nparts > 4)
        nparts = 4;
    size_t each = whole / nparts / 32 * 32, at = 0;
    size_t started = 0;
    for (size_t k = 0; k < nparts; k++) {
        size_t len = k + 1 == nparts ? whole - at : each;
        part[k] = (lanes){p + at, len, at / 8, 0, 0, 0, 0};
        at += len;
        /* part 0 on this thread; the others on their own, or here when one cannot start */
        if (k > 0 && pthread_create(&th[k], NULL, sum_lanes, &part[k]) == 0)
            started |= (size_t)1 << k;
        else if (k > 0)
            sum_lanes(&part[k]);
    }
    sum_lanes(&part[0]);
    uint64_t a = P1, b = P2, c = 0, d = 0;
    for (size_t k = 0; k < nparts; k++) {
        if (started & ((size_t)1 << k))
            pthread_join(th[k], NULL);
        a += part[k].a;
        b += part[k].b;
        c += part[k].c;
        d += part[k].d;
    }
    uint64_t h = vigil_rotl(a, 1) + vigil_rotl(b, 7) + vigil_rotl(c, 12) + vigil_rotl(d, 18);
    for (size_t i = whole; i < n; i++)
        h = (h ^ p[i]) * P1;
    return vigil_ngram_final(h ^ n, 1);
}

static uint64_t checksum(const unsigned char *p, size_t n)
{
    size_t parts = n / CHECKSUM_PART + 1;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus > 0 && parts > (size_t)cpus)
        parts = (size_t)cpus;
    return vigil_index_checksum(p, n, parts > 4 ? 4 : (unsigned)parts);
}

/* Where the seconds section starts: right after the slots. */
static inline uint64_t seconds_offset(uint64_t off_slots, uint64_t nslots)
{
    return (off_slots + nslots * sizeof(vigil_slot) + 63) & ~(uint64_t)63;
}

static inline uint64_t home(uint64_t fp, uint64_t nhome)
{
    return (uint64_t)(((unsigned __int128)fp * nhome) >> 64);
}

/* Filter hashing of a 32-bit first-token hash: a block, five bits for the token, and three
 * bits in the same block for each sequence length that starts with it. */
static inline void filter_pos(uint32_t first, uint64_t nblocks, uint64_t *block, uint64_t *bits)
{
    uint64_t y = vigil_ngram_final(((uint64_t)first << 32) | first, 7);
    *block = (uint64_t)(((unsigned __int128)(vigil_rotl(y, 17) * P1) * nblocks) >> 64);
    *bits = y;
}

/* Bits for length n: another 27-bit window of a second mix z = len_mix(y) for each n. Writing
 * (filter_set) and reading (vigil_index_first_lens) both go through these two. */
static inline uint64_t len_mix(uint64_t y)
{
    return (y ^ (y >> 29)) * P2;
}

static inline uint64_t len_bits(uint64_t z, unsigned n)
{
    return vigil_rotl(z, (int)(n * 7)) ^ (z >> 40);
}

static inline bool bits_set(const uint64_t *b, uint64_t y, int k)
{
    for (int i = 0; i < k; i++) {
        unsigned bit = (unsigned)(y >> (i * 9)) & 511;
        if (!(b[bit >> 6] & (1ull << (bit & 63))))
            return false;
    }
    return true;
}

static inline void bits_put(uint64_t *b, uint64_t y, int k)
{
    for (int i = 0; i < k; i++) {
        unsigned bit = (unsigned)(y >> (i * 9)) & 511;
        b[bit >> 6] |= 1ull << (bit & 63);
    }
}

static void filter_set(uint64_t *f, uint64_t nblocks, uint32_t first, unsigned n)
{
    uint64_t block, y;
    filter_pos(first & ~VIGIL_FIRST_NUMNEXT, nblocks, &block, &y);
    bits_put(f + block * 8, y, 5);
    bits_put(f + block * 8, len_bits(len_mix(y), n), 3);
}

static void key_check(const vigil_keys *keys, uint8_t out[16])
{
    static const char label[] = "vigil index key check v1";
    crypto_generichash(out, 16, (const unsigned char *)label, sizeof label - 1, keys->check,
                       sizeof keys->check);
}

/* [off, off + len) lies within [0, size), without overflow. */
static bool inside(uint64_t off, uint64_t len, uint64_t size)
{
    return off <= size && len <= size - off;
}

static size_t align64(size_t x)
{
    return (x + 63) & ~(size_t)63;
}

vigil_status vigil_index_from_memory(const void *data, size_t size, const vigil_keys *keys,
                                     vigil_index **out, char *err, size_t errlen)
{
    const unsigned char *p = data;
    if (size < HEADER_SIZE) {
        vigil_errf(err, errlen, "index is truncated: %zu bytes, the header alone is %d", size,
                   HEADER_SIZE);
        return VIGIL_ERR_CORRUPT;
    }
    header h;
    memcpy(&h, p, sizeof h);
    if (memcmp(h.magic, MAGIC, 8) != 0) {
        vigil_errf(err, errlen, "not a vigil index (bad magic at byte 0)");
        return VIGIL_ERR_CORRUPT;
    }
    if (h.version != VERSION || h.header_size != HEADER_SIZE) {
        vigil_errf(err, errlen, "index version %u is not supported (this vigil reads version %d); "
                   "start an empty index with 'vigil init --reset-index' and enroll again",
                   h.version, VERSION);
        return VIGIL_ERR_VERSION;
    }
    if (checksum(p, offsetof(header, header_sum)) != h.header_sum) {
        vigil_errf(err, errlen, "index header checksum mismatch (bytes 0-151): the file is "
                                "corrupt; restore it from a backup, or start an empty index with "
                                "'vigil init --reset-index' and enroll again");
        return VIGIL_ERR_CORRUPT;
    }
    if (h.file_size != size) {
        vigil_errf(err, errlen, "index is truncated or extended: header says %llu bytes, file "
                                "has %zu", (unsigned long long)h.file_size, size);
        return VIGIL_ERR_CORRUPT;
    }
    /* Every section must lie inside the file, in order. Counts are bounded before they are
     * multiplied and offsets before they are added, so nothing can wrap around. */
    bool ok = h.npeople <= VIGIL_V_PERSON_MASK && h.npeople <= size / sizeof(person_disk) &&
              h.nslots <= size / sizeof(vigil_slot) && h.filter_blocks <= size / 64 &&
              h.filter_blocks > 0 && h.nhome > 0 && h.nhome <= h.nslots &&
              h.nentries <= h.nslots + h.nmulti && h.ids_size <= size;
    ok = ok && inside(h.off_people, (uint64_t)h.npeople * sizeof(person_disk), size) &&
         inside(h.off_ids, h.ids_size, size) &&
         inside(h.off_slots, h.nslots * sizeof(vigil_slot), size) &&
         inside(h.off_filter, h.filter_blocks * 64, size) && h.nmulti <= size / 4 &&
         inside(h.off_multi, h.nmulti * 4, size);
    ok = ok && h.off_people >= HEADER_SIZE &&
         h.off_people + (uint64_t)h.npeople * sizeof(person_disk) <= h.off_ids &&
         h.off_ids + h.ids_size <= h.off_slots &&
         h.off_slots + h.nslots * sizeof(vigil_slot) <= h.off_multi &&
         h.off_multi + h.nmulti * 4 <= h.off_filter &&
         h.off_filter + h.filter_blocks * 64 == size && h.off_people % 8 == 0 &&
         h.off_slots % 8 == 0 && h.off_filter % 8 == 0 && h.off_multi % 8 == 0;
    uint64_t off_seconds = seconds_offset(h.off_slots, h.nslots);
    if (ok && (h.flags & FLAG_SECONDS))
        ok = off_seconds + h.nslots * 4 <= h.off_multi;
    if (!ok) {
        vigil_errf(err, errlen, "index sections are inconsistent with its size (%zu bytes)", size);
        return VIGIL_ERR_CORRUPT;
    }
    if ((h.flags & ~(FLAG_SECONDS | FLAG_SECOND_FILTER)) ||
        ((h.flags & FLAG_SECOND_FILTER) && !(h.flags & FLAG_SECONDS))) {
        vigil_errf(err, errlen, "index flags 0x%x are not supported by this vigil", h.flags);
        return VIGIL_ERR_VERSION;
    }
    if (checksum(p + HEADER_SIZE, size - HEADER_SIZE) != h.body_sum) {
        vigil_errf(err, errlen, "index body checksum mismatch (bytes %d-%zu): the file is corrupt; "
                                "restore it from a backup, or start an empty index with "
                                "'vigil init --reset-index' and enroll again", HEADER_SIZE, size);
        return VIGIL_ERR_CORRUPT;
    }
    uint8_t kc[16];
    key_check(keys, kc);
    if (sodium_memcmp(kc, h.keycheck, 16) != 0) {
        vigil_errf(err, errlen, "the index was not made with this vault's key");
        return VIGIL_ERR_CRYPTO;
    }
    const person_disk *people = (const person_disk *)(p + h.off_people);
    for (uint32_t i = 0; i < h.npeople; i++) {
        person_disk pd;
        memcpy(&pd, &people[i], sizeof pd);
        if ((uint64_t)pd.id_off + pd.id_len >= h.ids_size || p[h.off_ids + pd.id_off + pd.id_len]) {
            vigil_errf(err, errlen, "index person record %u points outside the id table", i);
            return VIGIL_ERR_CORRUPT;
        }
    }
    /* Slots are not walked here (that pass cost more than the rest of a 1M-person load):
     * find() and foreach() check every person number and multi record they read, so a
     * corrupted slot that passed the checksum can only yield no match, never a read outside
     * the file. */
    const vigil_slot *slots = (const vigil_slot *)(p + h.off_slots);
    const uint32_t *multi = (const uint32_t *)(p + h.off_multi);
    vigil_index *ix = calloc(1, sizeof *ix);
    if (!ix)
        return VIGIL_ERR_NOMEM;
    ix->h = (const header *)p;
    ix->people = people;
    ix->ids = (const char *)(p + h.off_ids);
    ix->slots = slots;
    ix->multi = multi;
    ix->filter = (const uint64_t *)(p + h.off_filter);
    ix->seconds = h.flags & FLAG_SECONDS ? (const uint32_t *)(p + off_seconds) : NULL;
    ix->all_seconds = h.flags & FLAG_SECOND_FILTER ? 0 : VIGIL_LENS_SECONDS;
    *out = ix;
    return VIGIL_OK;
}

void vigil_index_seal(void *data, size_t size, const vigil_keys *keys)
{
    unsigned char *p = data;
    if (size < HEADER_SIZE)
        return;
    header h;
    memcpy(&h, p, sizeof h);
    key_check(keys, h.keycheck);
    h.body_sum = checksum(p + HEADER_SIZE, size - HEADER_SIZE);
    memcpy(p, &h, sizeof h);
    h.header_sum = checksum(p, offsetof(header, header_sum));
    memcpy(p, &h, sizeof h);
}

vigil_status vigil_index_load(const char *path, const vigil_keys *keys, vigil_index **out,
                              char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        vigil_errf(err, errlen, "%s: cannot open index: %s", path, strerror(errno));
        return errno == ENOENT ? VIGIL_ERR_NOTFOUND : VIGIL_ERR_IO;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        vigil_errf(err, errlen, "%s: not a regular file", path);
        close(fd);
        return VIGIL_ERR_IO;
    }
    size_t size = (size_t)sb.st_size;
    void *map = NULL;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            vigil_errf(err, errlen, "%s: cannot map index: %s", path, strerror(errno));
            close(fd);
            return VIGIL_ERR_IO;
        }
#ifdef MADV_HUGEPAGE
        madvise(map, size, MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_READ
        if (madvise(map, size, MADV_POPULATE_READ) != 0)
#endif
            madvise(map, size, MADV_WILLNEED);
    }
    close(fd);
    char sub[512];
    vigil_index *ix;
    vigil_status st = vigil_index_from_memory(map ? map : "", size, keys, &ix, sub, sizeof sub);
    if (st != VIGIL_OK) {
        vigil_errf(err, errlen, "%s: %s", path, sub);
        if (map)
            munmap(map, size);
        return st;
    }
    ix->map = map;
    ix->map_size = size;
    *out = ix;
    return VIGIL_OK;
}

void vigil_index_free(vigil_index *ix)
{
    if (!ix)
        return;
    if (ix->map)
        munmap(ix->map, ix->map_size);
    free(ix);
}

size_t vigil_index_people(const vigil_index *ix)
{
    return ix->h->npeople;
}

const char *vigil_index_person_id(const vigil_index *ix, uint32_t i)
{
    return ix->ids + ix->people[i].id_off;
}

void vigil_index_prefetch_person(const vigil_index *ix, uint32_t i)
{
    __builtin_prefetch(&ix->people[i]);
}

void vigil_index_person_counts(const vigil_index *ix, uint32_t i, uint32_t *counts)
{
    memcpy(counts, ix->people[i].counts, sizeof ix->people[i].counts);
}

uint64_t vigil_index_entries(const vigil_index *ix)
{
    return ix->h->nentries;
}

static inline bool person_ok(const vigil_index *ix, uint32_t v)
{
    return (v & VIGIL_V_PERSON_MASK) < ix->h->npeople;
}

/* The multi record of a slot, or NULL when its offset or count lies outside the section. */
static inline const uint32_t *multi_rec(const vigil_index *ix, uint32_t off)
{
    uint64_t n = ix->h->nmulti;
    if ((uint64_t)off + 2 > n || ix->multi[off] > n - off - 2)
        return NULL;
    return ix->multi + off;
}

void vigil_index_foreach(const vigil_index *ix, vigil_entry_fn fn, void *user)
{
    for (uint64_t i = 0; i < ix->h->nslots; i++) {
        const vigil_slot *s = &ix->slots[i];
        if (!s->fp)
            continue;
        vigil_entry e = {s->fp, s->value, s->first, ix->seconds ? ix->seconds[i] : 0};
        if (s->value != MULTI) {
            if (person_ok(ix, e.value))
                fn(user, &e);
            continue;
        }
        const uint32_t *m = multi_rec(ix, s->first);
        if (!m)
            continue;
        e.first = m[1];
        for (uint32_t k = 0; k < m[0]; k++) {
            e.value = m[2 + k];
            if (person_ok(ix, e.value))
                fn(user, &e);
        }
    }
}

uint64_t vigil_index_first_lens(const vigil_index *ix, uint64_t token_hash)
{
    uint64_t block, y;
    filter_pos((uint32_t)token_hash & ~VIGIL_FIRST_NUMNEXT, ix->h->filter_blocks, &block, &y);
    const uint64_t *b = ix->filter + block * 8;
    if (!bits_set(b, y, 5))
        return ix->all_seconds;
    uint64_t mask = ix->all_seconds;
    uint64_t z = len_mix(y);
    for (unsigned cls = 0; cls <= VIGIL_LENS_SECOND; cls += 8)
        for (unsigned n = cls == VIGIL_LENS_SECOND ? 2 : 1;
             n <= (cls == VIGIL_LENS_NUMNEXT ? 7u : VIGIL_NGRAM_MAX); n++)
            if (bits_set(b, len_bits(z, cls + n), 3))
                mask |= 1ull << (cls + n);
    return mask;
}

bool vigil_index_second_filter(const vigil_index *ix)
{
    return ix->all_seconds == 0;
}

void vigil_index_prefetch_filter(const vigil_index *ix, uint64_t token_hash)
{
    uint64_t block, y;
    filter_pos((uint32_t)token_hash & ~VIGIL_FIRST_NUMNEXT, ix->h->filter_blocks, &block, &y);
    __builtin_prefetch(ix->filter + block * 8);
}

void vigil_index_prefetch(const vigil_index *ix, uint64_t fp)
{
    __builtin_prefetch(&ix->slots[home(fp, ix->h->nhome)]);
}

unsigned vigil_index_find(const vigil_index *ix, uint64_t fp, vigil_hit_fn fn, void *user)
{
    uint64_t n = ix->h->nslots;
    for (uint64_t i = home(fp, ix->h->nhome); i < n; i++) {
        uint64_t s = ix->slots[i].fp;
        if (s == 0 || s > fp)
            break;
        if (s != fp)
            continue;
        uint32_t v = ix->slots[i].value;
        if (v != MULTI) {
            if (!person_ok(ix, v))
                return 0;
            if (fn)
                fn(user, v);
            return 1;
        }
        const uint32_t *m = multi_rec(ix, ix->slots[i].first);
        unsigned found = 0;
        for (uint32_t k = 0; m && k < m[0]; k++)
            if (person_ok(ix, m[2 + k])) {
                found++;
                if (fn)
                    fn(user, m[2 + k]);
            }
        return found;
    }
    return 0;
}

static int cmp_entry(const void *a, const void *b)
{
    const vigil_entry *x = a, *y = b;
    if (x->fp != y->fp)
        return x->fp < y->fp ? -1 : 1;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    return 0;
}

/* Sorts in[0..n) by fingerprint and value into out: the entries are spread into buckets by the
 * top bits of their fingerprint (keyed hashes: even buckets of a few hundred), and each bucket
 * is sorted by qsort. Written out because one qsort of the 42 M entries of a million people was
 * most of their enrollment; the buckets are sorted in cache. */
static vigil_status sort_entries(const vigil_entry *in, size_t n, vigil_entry *out)
{
    unsigned bits = 0;
    while (bits < 20 && ((size_t)256 << bits) < n)
        bits++;
    size_t nb = (size_t)1 << bits;
    size_t *at = calloc(2 * nb + 1, sizeof *at), *pos = at + nb + 1;
    if (!at)
        return VIGIL_ERR_NOMEM;
#define BUCKET(fp) (bits ? (size_t)((fp) >> (64 - bits)) : 0)
    for (size_t i = 0; i < n; i++)
        at[BUCKET(in[i].fp) + 1]++;
    for (size_t b = 0; b < nb; b++) {
        at[b + 1] += at[b];
        pos[b] = at[b];
    }
    for (size_t i = 0; i < n; i++)
        out[pos[BUCKET(in[i].fp)]++] = in[i];
#undef BUCKET
    for (size_t b = 0; b < nb; b++)
        qsort(out + at[b], at[b + 1] - at[b], sizeof *out, cmp_entry);
    free(at);
    return VIGIL_OK;
}

/* How many distinct keys were added, estimated (HyperLogLog, 4096 registers: within a few per
 * cent), to size the filter without sorting tens of millions of keys. */
typedef struct distinct {
    uint8_t reg[4096];
} distinct;

static void distinct_init(distinct *d)
{
    memset(d->reg, 0, sizeof d->reg);
}

static void distinct_add(distinct *d, uint64_t key)
{
    uint64_t h = vigil_ngram_final(key, 3);
    unsigned r = (unsigned)__builtin_clzll((h << 12) | (1ull << 11)) + 1;
    if (r > d->reg[h >> 52])
        d->reg[h >> 52] = (uint8_t)r;
}

static size_t distinct_estimate(const distinct *d)
{
    const double m = 4096;
    double sum = 0;
    unsigned zeros = 0;
    for (size_t i = 0; i < 4096; i++) {
        sum += ldexp(1.0, -d->reg[i]);
        zeros += d->reg[i] == 0;
    }
    double est = 0.7213 / (1 + 1.079 / m) * m * m / sum;
    if (est <= 2.5 * m && zeros) /* small counts: linear counting */
        est = m * log(m / zeros);
    return (size_t)(est + 0.5);
}

static vigil_status write_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = write(fd, c, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return VIGIL_ERR_IO;
        }
        c += w;
        n -= (size_t)w;
    }
    return VIGIL_OK;
}

vigil_status vigil_index_write(const char *path, const vigil_keys *keys,
                               const vigil_person_rec *people, size_t npeople,
                               const vigil_entry *entries_in, size_t nentries, char *err,
                               size_t errlen)
{
    if (npeople > VIGIL_V_PERSON_MASK) {
        vigil_errf(err, errlen, "too many people (%zu, at most %u)", npeople, VIGIL_V_PERSON_MASK);
        return VIGIL_ERR_LIMIT;
    }
    /* sort and deduplicate */
    vigil_entry *e = NULL;
    if (nentries) {
        e = malloc(nentries * sizeof *e);
        if (!e)
            return VIGIL_ERR_NOMEM;
        if (sort_entries(entries_in, nentries, e) != VIGIL_OK) {
            free(e);
            return VIGIL_ERR_NOMEM;
        }
        size_t w = 0;
        for (size_t i = 0; i < nentries; i++)
            if (w == 0 || cmp_entry(&e[w - 1], &e[i]) != 0)
                e[w++] = e[i];
        nentries = w;
    }
    /* distinct fingerprints get a slot; groups go to the multi section. The second-token
     * filter is written when every form of two or more tokens knows its second token (not
     * so for entries carried over from an index written before it) */
    size_t nunique = 0, nmulti = 0;
    bool second_filter = true;
    distinct keys2;
    distinct_init(&keys2);
    for (size_t i = 0; i < nentries;) {
        size_t j = i;
        while (j < nentries && e[j].fp == e[i].fp)
            j++;
        nunique++;
        if (j - i > 1)
            nmulti += 2 + (j - i);
        for (size_t k = i; k < j; k++) {
            if ((e[k].value & VIGIL_V_PHONE) || VIGIL_V_LEN(e[k].value) < 2)
                continue;
            if (!(e[k].second & VIGIL_SECOND_KNOWN))
                second_filter = false;
            else
                distinct_add(&keys2, (uint64_t)e[k].second << 8 | VIGIL_V_LEN(e[k].value));
        }
        i = j;
    }
    /* the filter's size counts its (second token, length) keys too: most forms share theirs
     * ("X Smith") */
    size_t ndistinct2 = second_filter ? distinct_estimate(&keys2) : 0;
    uint64_t nhome = (uint64_t)((double)nunique / LOAD) + 1;
    uint64_t nslots = nhome + TAIL;
    /* about 10 bits per filter key (a first token; a first token and a length; a second token
     * and a length) */
    uint64_t filter_blocks = (nunique + ndistinct2) * 10 / 512 + 1;

    size_t ids_size = 1;
    for (size_t i = 0; i < npeople; i++)
        ids_size += strlen(people[i].id) + 1;
    size_t off_people = HEADER_SIZE;
    size_t off_ids = align64(off_people + npeople * sizeof(person_disk));
    size_t off_slots = align64(off_ids + ids_size);
    size_t off_seconds = (size_t)seconds_offset(off_slots, nslots);
    size_t off_multi = align64(off_seconds + nslots * 4);
    size_t off_filter = align64(off_multi + nmulti * 4);
    size_t size = off_filter + filter_blocks * 64;

    unsigned char *buf = calloc(1, size);
    if (!buf) {
        free(e);
        return VIGIL_ERR_NOMEM;
    }
    person_disk *pd = (person_disk *)(buf + off_people);
    char *ids = (char *)(buf + off_ids);
    size_t io = 0;
    for (size_t i = 0; i < npeople; i++) {
        size_t l = strlen(people[i].id);
        pd[i].id_off = (uint32_t)io;
        pd[i].id_len = (uint32_t)l;
        memcpy(pd[i].counts, people[i].counts, sizeof pd[i].counts);
        memcpy(ids + io, people[i].id, l + 1);
        io += l + 1;
    }
    vigil_slot *slots = (vigil_slot *)(buf + off_slots);
    uint32_t *seconds = (uint32_t *)(buf + off_seconds);
    uint32_t *multi = (uint32_t *)(buf + off_multi);
    uint64_t *filter = (uint64_t *)(buf + off_filter);
    uint64_t next = 0;
    size_t mo = 0;
    vigil_status st = VIGIL_OK;
    for (size_t i = 0; i < nentries;) {
        size_t j = i;
        while (j < nentries && e[j].fp == e[i].fp)
            j++;
        uint64_t pos = home(e[i].fp, nhome);
        if (pos < next)
            pos = next;
        if (pos >= nslots) { /* the tail is far larger than any realistic cluster */
            vigil_errf(err, errlen, "index table overflow; report this as a bug");
            st = VIGIL_ERR_LIMIT;
            break;
        }
        slots[pos].fp = e[i].fp;
        seconds[pos] = e[i].second;
        if (j - i == 1) {
            slots[pos].value = e[i].value;
            slots[pos].first = e[i].first;
        } else {
            slots[pos].value = MULTI;
            slots[pos].first = (uint32_t)mo;
            multi[mo++] = (uint32_t)(j - i);
            multi[mo++] = e[i].first;
            for (size_t k = i; k < j; k++)
                multi[mo++] = e[k].value;
        }
        next = pos + 1;
        /* one filter key per class present among the entries sharing the fingerprint */
        uint64_t classes = 0;
        for (size_t k = i; k < j; k++) {
            uint32_t v = e[k].value;
            if (v & VIGIL_V_PHONE)
                continue;
            unsigned cls = (v & VIGIL_V_WEAK)                   ? VIGIL_LENS_WEAK
                           : (v & VIGIL_V_REVERSED)             ? VIGIL_LENS_REVERSED
                           : (v & VIGIL_V_TIGHT)                ? VIGIL_LENS_TIGHT
                           : (e[i].first & VIGIL_FIRST_NUMNEXT) ? VIGIL_LENS_NUMNEXT
                                                                : 0;
            if (!(classes & (1ull << cls))) {
                classes |= 1ull << cls;
                filter_set(filter, filter_blocks, e[i].first, cls + VIGIL_V_LEN(v));
            }
            if (second_filter && VIGIL_V_LEN(v) >= 2 && !(classes & (1ull << VIGIL_LENS_SECOND))) {
                classes |= 1ull << VIGIL_LENS_SECOND;
                filter_set(filter, filter_blocks, e[k].second & ~VIGIL_SECOND_KNOWN,
                           VIGIL_LENS_SECOND + VIGIL_V_LEN(v));
            }
        }
        i = j;
    }
    free(e);
    if (st != VIGIL_OK) {
        free(buf);
        return st;
    }
    header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, MAGIC, 8);
    h.version = VERSION;
    h.header_size = HEADER_SIZE;
    h.file_size = size;
    h.npeople = (uint32_t)npeople;
    h.nhome = nhome;
    h.nslots = nslots;
    h.nentries = nentries;
    h.filter_blocks = filter_blocks;
    h.off_people = off_people;
    h.off_ids = off_ids;
    h.ids_size = ids_size;
    h.off_slots = off_slots;
    h.off_filter = off_filter;
    h.off_multi = off_multi;
    h.nmulti = nmulti;
    h.flags = FLAG_SECONDS | (second_filter ? FLAG_SECOND_FILTER : 0);
    key_check(keys, h.keycheck);
    h.body_sum = checksum(buf + HEADER_SIZE, size - HEADER_SIZE);
    memcpy(buf, &h, sizeof h);
    h.header_sum = checksum(buf, offsetof(header, header_sum));
    memcpy(buf, &h, sizeof h);

    /* temp file in the same directory, fsync, rename, fsync the directory */
    size_t pl = strlen(path);
    char *tmp = malloc(pl + 16);
    char *dir = strdup(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        free(buf);
        return VIGIL_ERR_NOMEM;
    }
    snprintf(tmp, pl + 16, "%s.tmpXXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        vigil_errf(err, errlen, "%s: cannot create temporary index: %s", tmp, strerror(errno));
        st = VIGIL_ERR_IO;
    } else {
        st = write_all(fd, buf, size);
        if (st == VIGIL_OK && (fchmod(fd, 0600) != 0 || fsync(fd) != 0))
            st = VIGIL_ERR_IO;
        if (close(fd) != 0)
            st = VIGIL_ERR_IO;
        if (st == VIGIL_OK && rename(tmp, path) != 0)
            st = VIGIL_ERR_IO;
        if (st != VIGIL_OK) {
            vigil_errf(err, errlen, "%s: cannot write index: %s", path, strerror(errno));
            unlink(tmp);
        } else {
            int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (dfd >= 0) {
                fsync(dfd);
                close(dfd);
            }
        }
    }
    free(tmp);
    free(dir);
    free(buf);
    return st;
}
