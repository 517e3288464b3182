/*
 * The audit log: every status change, note, suppression, baseline import and evidence access,
 * appended as an entry whose hash covers the previous entry's hash, its own sequence number,
 * time, actor, action, target and detail. The hash is BLAKE2b keyed with a key derived from the
 * vault key, so someone who can write the database but does not hold the vault key cannot
 * rebuild the chain after editing, removing or reordering entries. The head (count and last
 * hash) is also kept in the meta table, so that removing entries from the end is seen too.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define HASH_BYTES 32

static void put_field(crypto_generichash_state *h, const char *s)
{
    uint64_t n = s ? strlen(s) : 0;
    unsigned char len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (unsigned char)(n >> (8 * i));
    crypto_generichash_update(h, len, 8);
    if (n)
        crypto_generichash_update(h, (const unsigned char *)s, n);
}

static void entry_hash(const vigil_store *s, const unsigned char prev[HASH_BYTES], int64_t seq,
                       int64_t time, const char *actor, const char *action, const char *target,
                       const char *detail, unsigned char out[HASH_BYTES])
{
    crypto_generichash_state h;
    crypto_generichash_init(&h, s->keys->audit, sizeof s->keys->audit, HASH_BYTES);
    crypto_generichash_update(&h, prev, HASH_BYTES);
    char nums[64];
    snprintf(nums, sizeof nums, "%lld:%lld", (long long)seq, (long long)time);
    put_field(&h, nums);
    put_field(&h, actor);
    put_field(&h, action);
    put_field(&h, target);
    put_field(&h, detail);
    crypto_generichash_final(&h, out, HASH_BYTES);
}

vigil_status vigil_store_audit(vigil_store *s, const char *actor, const char *action,
                               const char *target, const char *detail)
{
    bool own = !s->in_tx;
    if (own && vigil_store_begin(s) != VIGIL_OK)
        return VIGIL_ERR_IO;
    vigil_status rc = VIGIL_ERR_IO;
    unsigned char prev[HASH_BYTES] = {0};
    int64_t seq = 1;
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT seq, hash FROM audit ORDER BY seq DESC "
                                              "LIMIT 1");
    if (!st)
        goto out;
    if (sqlite3_step(st) == SQLITE_ROW) {
        seq = sqlite3_column_int64(st, 0) + 1;
        if (sqlite3_column_bytes(st, 1) == HASH_BYTES)
            memcpy(prev, sqlite3_column_blob(st, 1), HASH_BYTES);
    }
    vigil_store_release(s, st);
    int64_t now = (int64_t)time(NULL);
    unsigned char h[HASH_BYTES];
    entry_hash(s, prev, seq, now, actor, action, target, detail, h);
    st = vigil_store_prepare(s, "INSERT INTO audit(seq, time, actor, action, target, detail, "
                                "hash) VALUES(?,?,?,?,?,?,?)");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, actor ? actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, target ? target : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, detail ? detail : "", -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 7, h, HASH_BYTES, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        vigil_store_fail(s, "appending to the audit log");
        vigil_store_release(s, st);
        goto out;
    }
    vigil_store_release(s, st);
    char head[32 + 2 * HASH_BYTES];
    int n = snprintf(head, sizeof head, "%lld:", (long long)seq);
    vigil_store_hex(h, HASH_BYTES, head + n);
    st = vigil_store_prepare(s, "INSERT OR REPLACE INTO meta(key, value) VALUES('audit_head', ?)");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, head, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? VIGIL_OK : vigil_store_fail(s, "audit head");
    vigil_store_release(s, st);
out:
    if (own) {
        if (rc == VIGIL_OK)
            rc = vigil_store_commit(s);
        else {
            vigil_store_exec(s, "ROLLBACK");
            s->in_tx = false;
        }
    }
    return rc;
}

vigil_status vigil_store_audit_verify(vigil_store *s, size_t *entries, char *err, size_t errlen)
{
    *entries = 0;
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT seq, time, actor, action, target, detail, "
                                              "hash FROM audit ORDER BY seq");
    if (!st) {
        vigil_errf(err, errlen, "%s", s->errmsg);
        return VIGIL_ERR_IO;
    }
    unsigned char prev[HASH_BYTES] = {0};
    int64_t expect = 1;
    vigil_status rc = VIGIL_OK;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        if (seq != expect) {
            vigil_errf(err, errlen, "audit entry %lld is missing (next is %lld): entries were "
                       "removed or renumbered", (long long)expect, (long long)seq);
            rc = VIGIL_ERR_CORRUPT;
            break;
        }
        unsigned char h[HASH_BYTES];
        entry_hash(s, prev, seq, sqlite3_column_int64(st, 1),
                   (const char *)sqlite3_column_text(st, 2),
                   (const char *)sqlite3_column_text(st, 3),
                   (const char *)sqlite3_column_text(st, 4),
                   (const char *)sqlite3_column_text(st, 5), h);
        if (sqlite3_column_bytes(st, 6) != HASH_BYTES ||
            sodium_memcmp(h, sqlite3_column_blob(st, 6), HASH_BYTES) != 0) {
            vigil_errf(err, errlen, "audit entry %lld does not match its hash: it, or an entry "
                       "before it, was edited, removed or reordered", (long long)seq);
            rc = VIGIL_ERR_CORRUPT;
            break;
        }
        memcpy(prev, h, HASH_BYTES);
        expect++;
        (*entries)++;
    }
    vigil_store_release(s, st);
    if (rc)
        return rc;
    /* the head: entries removed from the end */
    st = vigil_store_prepare(s, "SELECT value FROM meta WHERE key = 'audit_head'");
    if (!st) {
        vigil_errf(err, errlen, "%s", s->errmsg);
        return VIGIL_ERR_IO;
    }
    char want[32 + 2 * HASH_BYTES] = "";
    if (*entries) {
        int n = snprintf(want, sizeof want, "%zu:", *entries);
        vigil_store_hex(prev, HASH_BYTES, want + n);
    }
    const char *head = sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0)
                                                      : "";
    if (strcmp(head ? head : "", want) != 0) {
        vigil_errf(err, errlen, "the audit log ends at entry %zu but its recorded head says "
                   "otherwise: entries were removed from the end", *entries);
        rc = VIGIL_ERR_CORRUPT;
    }
    vigil_store_release(s, st);
    return rc;
}

vigil_status vigil_store_audit_head(vigil_store *s, char *out, size_t cap)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT seq, hash FROM audit ORDER BY seq DESC "
                                              "LIMIT 1");
    if (!st)
        return VIGIL_ERR_IO;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 1) == HASH_BYTES) {
        char h[2 * HASH_BYTES + 1];
        vigil_store_hex(sqlite3_column_blob(st, 1), HASH_BYTES, h);
        snprintf(out, cap, "%lld:%s", (long long)sqlite3_column_int64(st, 0), h);
    } else {
        snprintf(out, cap, "0:");
    }
    vigil_store_release(s, st);
    return VIGIL_OK;
}

vigil_status vigil_store_audit_expect(vigil_store *s, const char *head, char *err, size_t errlen)
{
    char *end;
    long long seq = strtoll(head, &end, 10);
    if (end == head || *end != ':' || seq < 0) {
        vigil_errf(err, errlen, "'%s' is not an audit head (SEQ:HASH, from 'vigil audit head')",
                   head);
        return VIGIL_ERR_ARG;
    }
    if (seq == 0)
        return VIGIL_OK;
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT hash FROM audit WHERE seq = ?");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, seq);
    vigil_status rc = VIGIL_OK;
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != HASH_BYTES) {
        vigil_errf(err, errlen, "audit entry %lld, recorded earlier as the head, is gone: the log "
                   "was cut back", seq);
        rc = VIGIL_ERR_CORRUPT;
    } else {
        char h[2 * HASH_BYTES + 1];
        vigil_store_hex(sqlite3_column_blob(st, 0), HASH_BYTES, h);
        if (strcmp(h, end + 1) != 0) {
            vigil_errf(err, errlen, "audit entry %lld is not the one recorded earlier as the "
                       "head: the log was rewritten", seq);
            rc = VIGIL_ERR_CORRUPT;
        }
    }
    vigil_store_release(s, st);
    return rc;
}
