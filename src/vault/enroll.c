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

typedef struct batch {
    vigil_vault *v;
    const char *file;
    vigil_reject_fn on_reject;
    void *user;
    vigil_person_rec *people; /* new people, in order */
    size_t npeople, cap;
    vigil_entries entries;    /* person field = index into people */
    size_t enrolled, rejected;
} batch;

static void reject(batch *b, size_t line, const char *msg)
{
    b->rejected++;
    if (b->on_reject)
        b->on_reject(b->user, b->file, line, msg);
}

static long find_new(const batch *b, const char *id)
{
    for (size_t i = b->npeople; i-- > 0;)
        if (b->people[i].id && strcmp(b->people[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* Drops the entries of new person i (a later row with the same id replaces it). */
static void drop_new(batch *b, size_t i)
{
    size_t w = 0;
    for (size_t k = 0; k < b->entries.n; k++)
        if ((b->entries.v[k].value & VIGIL_V_PERSON_MASK) != i)
            b->entries.v[w++] = b->entries.v[k];
    b->entries.n = w;
    free(b->people[i].id);
    b->people[i].id = NULL;
}

static vigil_status on_row(void *user, size_t line, const vigil_person_input *in,
                           const char *error)
{
    batch *b = user;
    if (!in) {
        reject(b, line, error);
        return VIGIL_OK;
    }
    if (b->npeople == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        vigil_person_rec *p = realloc(b->people, cap * sizeof *p);
        if (!p)
            return VIGIL_ERR_NOMEM;
        b->people = p;
        b->cap = cap;
    }
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
    long old = find_new(b, in->id);
    if (old >= 0) {
        /* renumbering is avoided: the old record stays as a hole with no entries */
        drop_new(b, (size_t)old);
        b->enrolled--;
    }
    rec->id = strdup(in->id);
    if (!rec->id)
        return VIGIL_ERR_NOMEM;
    b->npeople++;
    b->enrolled++;
    return VIGIL_OK;
}

static bool id_in(const batch *b, const char *id, const char *const *ids, size_t nids)
{
    if (b && find_new(b, id) >= 0)
        return true;
    for (size_t i = 0; i < nids; i++)
        if (strcmp(ids[i], id) == 0)
            return true;
    return false;
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
    vigil_status st = VIGIL_OK;
    if (!map || !people || !newmap) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    size_t np = 0, gone = 0;
    for (size_t i = 0; i < nold; i++) {
        const char *id = vigil_index_person_id(ix, (uint32_t)i);
        if (id_in(b, id, forget, nforget)) {
            map[i] = UINT32_MAX;
            gone += id_in(NULL, id, forget, nforget);
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
    size_t total = (size_t)vigil_index_entries(ix) + (b ? b->entries.n : 0);
    all.v = malloc((total + 1) * sizeof *all.v);
    if (!all.v) {
        st = VIGIL_ERR_NOMEM;
        goto out;
    }
    uint64_t ns = vigil_index_nslots(ix);
    for (uint64_t s = 0; s < ns; s++) {
        vigil_entry e;
        if (!vigil_index_slot(ix, s, &e))
            continue;
        uint32_t p = map[e.value & VIGIL_V_PERSON_MASK];
        if (p == UINT32_MAX)
            continue;
        e.value = (e.value & ~VIGIL_V_PERSON_MASK) | p;
        all.v[all.n++] = e;
    }
    for (size_t k = 0; b && k < b->entries.n; k++) {
        vigil_entry e = b->entries.v[k];
        uint32_t p = newmap[e.value & VIGIL_V_PERSON_MASK];
        if (p == UINT32_MAX)
            continue;
        e.value = (e.value & ~VIGIL_V_PERSON_MASK) | p;
        all.v[all.n++] = e;
    }
    st = vigil_index_write(v->index_path, v->keys, people, np, all.v, all.n, v->errmsg,
                           sizeof v->errmsg);
    if (st == VIGIL_OK && removed)
        *removed = gone;
out:
    free(map);
    free(people);
    free(newmap);
    free(all.v);
    return st;
}

static void batch_free(batch *b)
{
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
