/*
 * Enrollment and forgetting: read-modify-write of the index under the vault lock.
 *
 * The index is the only store: people kept from the old index keep their fingerprints (read
 * back from its slots), people enrolled again are replaced, new people are added, and the whole
 * index is written to a temporary file and renamed over the old one. A crash at any point leaves
 * either the old index or the new one, never a mix.
 */
#include "vault_int.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

/* Opaque id -> number, open addressing. Keys are borrowed. Enrolling a million people must
 * not compare every id with every other. */
typedef struct idmap {
    const char **key;
    uint32_t *val;
    size_t cap, n;
} idmap;

static uint64_t strhash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static long idmap_get(const idmap *m, const char *key)
{
    if (!m->cap)
        return -1;
    for (size_t i = strhash(key) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        if (!m->key[i])
            return -1;
        if (strcmp(m->key[i], key) == 0)
            return (long)m->val[i];
    }
}

/* Inserts or overwrites (key and value). */
static bool idmap_put(idmap *m, const char *key, uint32_t val)
{
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        idmap g = {calloc(cap, sizeof *g.key), calloc(cap, sizeof *g.val), cap, 0};
        if (!g.key || !g.val) {
            free(g.key);
            free(g.val);
            return false;
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->key[i])
                idmap_put(&g, m->key[i], m->val[i]);
        free(m->key);
        free(m->val);
        *m = g;
    }
    size_t i = strhash(key) & (m->cap - 1);
    while (m->key[i] && strcmp(m->key[i], key) != 0)
        i = (i + 1) & (m->cap - 1);
    if (!m->key[i])
        m->n++;
    m->key[i] = key;
    m->val[i] = val;
    return true;
}

static void idmap_free(idmap *m)
{
    free(m->key);
    free(m->val);
    memset(m, 0, sizeof *m);
}

typedef struct batch {
    vigil_vault *v;
    const char *file;
    vigil_reject_fn on_reject;
    void *user;
    vigil_person_rec *people; /* new people, in order */
    size_t npeople, cap;
    idmap ids;                /* id -> index in people */
    vigil_entries entries;    /* person field = index into people */
    size_t enrolled, rejected;
} batch;

static void reject(batch *b, size_t line, const char *msg)
{
    b->rejected++;
    if (b->on_reject)
        b->on_reject(b->user, b->file, line, msg);
}

static vigil_status on_row(void *user, size_t line, const vigil_person_input *in,
                           const char *error)
{
    batch *b = user;
    if (!in) {
        reject(b, line, error);
        return VIGIL_OK;
    }
    if (vigil_grow(&b->people, &b->cap, b->npeople + 1, sizeof *b->people, 256) != VIGIL_OK)
        return VIGIL_ERR_NOMEM;
    if (b->npeople >= VIGIL_V_PERSON_MASK)
        return VIGIL_ERR_LIMIT;
    char msg[256];
    size_t before = b->entries.n;
    vigil_person_rec *rec = &b->people[b->npeople];
    memset(rec, 0, sizeof *rec);
    vigil_status st = vigil_variants(b->v->keys, in, (uint32_t)b->npeople, &b->entries,
                                     rec->counts, msg, sizeof msg);
    if (st == VIGIL_ERR_PARSE) {
        b->entries.n = before;
        reject(b, line, msg);
        return VIGIL_OK;
    }
    if (st != VIGIL_OK)
        return st;
    rec->id = strdup(in->id);
    if (!rec->id)
        return VIGIL_ERR_NOMEM;
    long old = idmap_get(&b->ids, rec->id);
    if (!idmap_put(&b->ids, rec->id, (uint32_t)b->npeople))
        return VIGIL_ERR_NOMEM;
    if (old >= 0) {
        /* the later row wins; the earlier record stays as a hole without entries, which are
         * dropped when the index is written */
        free(b->people[old].id);
        b->people[old].id = NULL;
        b->enrolled--;
    }
    b->npeople++;
    b->enrolled++;
    return VIGIL_OK;
}

static bool replaced_or_forgotten(const batch *b, const idmap *forget, const char *id)
{
    return (b && idmap_get(&b->ids, id) >= 0) || idmap_get(forget, id) >= 0;
}

typedef struct keep_ctx {
    const uint32_t *map;
    vigil_entries *all;
} keep_ctx;

/* Keeps an entry of the old index whose person stays, renumbered. */
static void keep_entry(void *user, const vigil_entry *in)
{
    keep_ctx *k = user;
    uint32_t p = k->map[in->value & VIGIL_V_PERSON_MASK];
    if (p == UINT32_MAX)
        return;
    vigil_entry e = *in;
    e.value = (e.value & ~VIGIL_V_PERSON_MASK) | p;
    k->all->v[k->all->n++] = e;
}

/* Merges the current index (minus replaced or forgotten people) with the batch and writes it. */
static vigil_status rewrite(vigil_vault *v, batch *b, const char *const *forget, size_t nforget,
                            size_t *removed)
{
    const vigil_index *ix = v->ix;
    size_t nold = vigil_index_people(ix);
    size_t nnew = b ? b->npeople : 0;
    uint32_t *map = malloc((nold + 1) * sizeof *map);
    vigil_person_rec *people = calloc(nold + nnew + 1, sizeof *people);
    uint32_t *newmap = malloc((nnew + 1) * sizeof *newmap);
    vigil_entries all = {0};
    idmap fset = {0};
    vigil_status st = VIGIL_OK;
    if (!map || !people || !newmap) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nforget; i++)
        if (!idmap_put(&fset, forget[i], 1)) {
            st = VIGIL_ERR_NOMEM;
            goto out;
        }
    size_t np = 0, gone = 0;
    for (size_t i = 0; i < nold; i++) {
        const char *id = vigil_index_person_id(ix, (uint32_t)i);
        if (replaced_or_forgotten(b, &fset, id)) {
            map[i] = UINT32_MAX;
            gone += idmap_get(&fset, id) >= 0;
            continue;
        }
        map[i] = (uint32_t)np;
        people[np].id = (char *)id;
        vigil_index_person_counts(ix, (uint32_t)i, people[np].counts);
        np++;
    }
    for (size_t i = 0; i < nnew; i++) {
        if (!b->people[i].id) {
            newmap[i] = UINT32_MAX;
            continue;
        }
        newmap[i] = (uint32_t)np;
        people[np++] = b->people[i];
    }
    /* the batch's entries renumbered in place, then the kept ones of the old index: one array
     * (a million people's entries are a gigabyte; a copy of them was a third of enrollment's
     * peak memory) */
    if (b) {
        all = b->entries;
        b->entries = (vigil_entries){0};
    }
    size_t w = 0;
    for (size_t k = 0; k < all.n; k++) {
        vigil_entry e = all.v[k];
        uint32_t p = newmap[e.value & VIGIL_V_PERSON_MASK];
        if (p == UINT32_MAX)
            continue;
        e.value = (e.value & ~VIGIL_V_PERSON_MASK) | p;
        all.v[w++] = e;
    }
    all.n = w;
    size_t total = all.n + (size_t)vigil_index_entries(ix);
    if (total + 1 > all.cap) { /* exactly: vigil_grow's doubling could double a gigabyte */
        vigil_entry *q = realloc(all.v, (total + 1) * sizeof *q);
        if (!q) {
            st = VIGIL_ERR_NOMEM;
            goto out;
        }
        all.v = q;
        all.cap = total + 1;
    }
    keep_ctx kc = {map, &all};
    vigil_index_foreach(ix, keep_entry, &kc);
    st = vigil_index_write(v->index_path, v->keys, people, np, all.v, all.n, v->errmsg,
                           sizeof v->errmsg);
    if (st == VIGIL_OK && removed)
        *removed = gone;
out:
    idmap_free(&fset);
    free(map);
    free(people);
    free(newmap);
    free(all.v);
    return st;
}

static void batch_free(batch *b)
{
    idmap_free(&b->ids);
    for (size_t i = 0; i < b->npeople; i++)
        free(b->people[i].id);
    free(b->people);
    free(b->entries.v);
}

static vigil_status enroll(vigil_vault *v, const char *const *paths, size_t npaths,
                           const char *name, const char *data, size_t len,
                           vigil_reject_fn on_reject, void *user, size_t *enrolled,
                           size_t *rejected)
{
    int lock;
    vigil_status st = vigil_vault_lock(v, &lock);
    if (st != VIGIL_OK)
        return st;
    st = vigil_vault_reload(v); /* another process may have changed it */
    batch b = {.v = v, .on_reject = on_reject, .user = user};
    bool file_failed = false;
    for (size_t i = 0; st == VIGIL_OK && i < (paths ? npaths : 1); i++) {
        char *buf = NULL;
        size_t n = len;
        const char *src = data;
        b.file = paths ? paths[i] : name;
        char ferr[512] = "";
        if (paths) {
            st = vigil_read_file(paths[i], (size_t)1 << 32, &buf, &n, ferr, sizeof ferr);
            if (st != VIGIL_OK) {
                /* an unreadable file is reported and skipped; the others are enrolled */
                if (on_reject)
                    on_reject(user, paths[i], 0, ferr);
                file_failed = true;
                st = VIGIL_OK;
                continue;
            }
            src = buf;
        }
        st = vigil_enroll_parse(src, n, on_row, &b, ferr, sizeof ferr);
        if (st == VIGIL_ERR_PARSE) {
            if (on_reject)
                on_reject(user, b.file, 1, ferr);
            file_failed = true;
            st = VIGIL_OK;
        }
        if (buf) {
            sodium_memzero(buf, n);
            free(buf);
        }
    }
    if (st == VIGIL_OK && b.enrolled > 0)
        st = rewrite(v, &b, NULL, 0, NULL);
    if (st == VIGIL_OK)
        st = vigil_vault_reload(v);
    vigil_vault_unlock(lock);
    if (enrolled)
        *enrolled = b.enrolled;
    if (rejected)
        *rejected = b.rejected;
    batch_free(&b);
    if (st == VIGIL_OK && (b.rejected || file_failed))
        st = VIGIL_ERR_PARTIAL;
    return st;
}

vigil_status vigil_vault_enroll_files(vigil_vault *v, const char *const *paths, size_t npaths,
                                      vigil_reject_fn on_reject, void *user, size_t *enrolled,
                                      size_t *rejected)
{
    if (!v || (!paths && npaths))
        return VIGIL_ERR_ARG;
    return enroll(v, paths, npaths, NULL, NULL, 0, on_reject, user, enrolled, rejected);
}

vigil_status vigil_vault_enroll_buffer(vigil_vault *v, const char *name, const char *data,
                                       size_t len, vigil_reject_fn on_reject, void *user,
                                       size_t *enrolled, size_t *rejected)
{
    if (!v || (!data && len))
        return VIGIL_ERR_ARG;
    return enroll(v, NULL, 0, name ? name : "(buffer)", data ? data : "", len, on_reject, user,
                  enrolled, rejected);
}

vigil_status vigil_vault_forget(vigil_vault *v, const char *const *ids, size_t nids,
                                size_t *removed)
{
    int lock;
    vigil_status st = vigil_vault_lock(v, &lock);
    if (st != VIGIL_OK)
        return st;
    st = vigil_vault_reload(v);
    size_t gone = 0;
    if (st == VIGIL_OK)
        st = rewrite(v, NULL, ids, nids, &gone);
    if (st == VIGIL_OK)
        st = vigil_vault_reload(v);
    vigil_vault_unlock(lock);
    if (st == VIGIL_OK && removed)
        *removed = gone;
    return st;
}
