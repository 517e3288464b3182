/*
 * Campaigns: the same dox or threat spreading. Every stored document gets a MinHash signature
 * (alert/minhash.c) and 32 LSH bucket entries; a new document joins the campaign of the most
 * similar stored document it shares a bucket with, when their estimated similarity is at least
 * CAMPAIGN_SIMILARITY, and starts its own campaign otherwise. A campaign escalates when its
 * sightings come from at least K distinct sources (hosts of their URLs, else their source
 * names) within T hours (defaults 3 and 24; "campaign_sources" and "campaign_hours" in the
 * vault's config): its open alerts become "escalated", and the audit log says why.
 */
#include "store_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAMPAIGN_SIMILARITY 0.5
#define MAX_CANDIDATES 256
#define COMPARE_MAX 8

/* SQL function vigil_host(url, source): the host of a URL, else the source. */
static void host_fn(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *url = (const char *)sqlite3_value_text(argv[0]);
    const char *p = url ? strstr(url, "://") : NULL;
    if (p) {
        p += 3;
        size_t n = strcspn(p, "/:?#");
        const char *at = memchr(p, '@', n); /* user:pass@host */
        if (at) {
            n -= (size_t)(at + 1 - p);
            p = at + 1;
        }
        if (n) {
            sqlite3_result_text(ctx, p, (int)n, SQLITE_TRANSIENT);
            return;
        }
    }
    if (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_NULL)
        sqlite3_result_value(ctx, argv[1]);
    else
        sqlite3_result_text(ctx, "local", -1, SQLITE_STATIC);
}

void vigil_store_register_functions(vigil_store *s)
{
    sqlite3_create_function(s->db, "vigil_host", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            host_fn, NULL, NULL);
}

void vigil_store_set_campaign_rule(vigil_store *s, unsigned sources, unsigned hours)
{
    s->campaign_sources = sources ? sources : 3;
    s->campaign_hours = hours ? hours : 24;
}

static vigil_status escalate(vigil_store *s, int64_t campaign, int64_t now)
{
    sqlite3_stmt *st = vigil_store_prepare(
        s, "SELECT c.escalated, (SELECT count(*) FROM campaign_hosts h WHERE h.campaign = c.id "
           "AND h.last_seen >= ?2) FROM campaigns c WHERE c.id = ?1");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, campaign);
    sqlite3_bind_int64(st, 2, now - (int64_t)s->campaign_hours * 3600);
    int escalated = 1;
    int64_t hosts = 0;
    if (sqlite3_step(st) == SQLITE_ROW) {
        escalated = sqlite3_column_int(st, 0);
        hosts = sqlite3_column_int64(st, 1);
    }
    vigil_store_release(s, st);
    if (escalated || hosts < (int64_t)s->campaign_sources)
        return VIGIL_OK;
    if (vigil_store_exec(s, "SAVEPOINT esc") != SQLITE_OK)
        return VIGIL_ERR_IO;
    char sql[512];
    snprintf(sql, sizeof sql,
             "UPDATE campaigns SET escalated = 1 WHERE id = %lld;"
             "UPDATE alerts SET status = %d WHERE status <= %d AND id IN (SELECT x.alert FROM "
             "sightings x JOIN documents d ON d.id = x.document WHERE d.campaign = %lld);",
             (long long)campaign, VIGIL_ALERT_ESCALATED, VIGIL_ALERT_ACKNOWLEDGED,
             (long long)campaign);
    if (vigil_store_exec(s, sql) != SQLITE_OK) {
        vigil_store_exec(s, "ROLLBACK TO esc");
        return VIGIL_ERR_IO;
    }
    char target[32], detail[128];
    snprintf(target, sizeof target, "campaign:%lld", (long long)campaign);
    snprintf(detail, sizeof detail, "%lld distinct sources within %u hours (threshold %u)",
             (long long)hosts, s->campaign_hours, s->campaign_sources);
    vigil_status rc = vigil_store_audit(s, "vigil", "campaign.escalate", target, detail);
    vigil_store_exec(s, rc ? "ROLLBACK TO esc" : "RELEASE esc");
    return rc;
}

static vigil_status load_sig(vigil_store *s, int64_t doc, uint32_t sig[VIGIL_MINHASH_K],
                             int64_t *campaign)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT m.sig, d.campaign FROM minhash m "
                                              "JOIN documents d ON d.id = m.document "
                                              "WHERE m.document = ?");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, doc);
    vigil_status rc = VIGIL_ERR_NOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_bytes(st, 0) == (int)(VIGIL_MINHASH_K * sizeof(uint32_t))) {
        memcpy(sig, sqlite3_column_blob(st, 0), VIGIL_MINHASH_K * sizeof(uint32_t));
        *campaign = sqlite3_column_int64(st, 1);
        rc = VIGIL_OK;
    }
    vigil_store_release(s, st);
    return rc;
}

vigil_status vigil_store_campaign(vigil_store *s, int64_t doc, bool new_doc, const char *text,
                                  size_t len, const char *url, const char *source, int64_t now)
{
    int64_t campaign = 0;
    if (new_doc) {
        uint32_t sig[VIGIL_MINHASH_K];
        size_t nsh;
        if (vigil_minhash(s->keys, text ? text : "", len, sig, &nsh) != VIGIL_OK)
            return VIGIL_ERR_NOMEM;
        /* candidates: stored documents sharing a band bucket, ranked by how many bands they
         * share (the estimate of their similarity); only the best few are compared */
        int64_t cand[MAX_CANDIDATES];
        unsigned hits[MAX_CANDIDATES];
        size_t ncand = 0;
        sqlite3_stmt *st = vigil_store_prepare(s, "SELECT document FROM lsh WHERE band = ? AND "
                                                  "bucket = ? LIMIT 16");
        if (!st)
            return VIGIL_ERR_IO;
        uint64_t buckets[VIGIL_MINHASH_BANDS];
        for (unsigned b = 0; b < VIGIL_MINHASH_BANDS; b++) {
            buckets[b] = vigil_minhash_band(sig, b);
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, (int)b);
            sqlite3_bind_int64(st, 2, (int64_t)buckets[b]);
            while (sqlite3_step(st) == SQLITE_ROW) {
                int64_t d = sqlite3_column_int64(st, 0);
                size_t i = 0;
                while (i < ncand && cand[i] != d)
                    i++;
                if (i < ncand)
                    hits[i]++;
                else if (ncand < MAX_CANDIDATES && d != doc) {
                    cand[ncand] = d;
                    hits[ncand++] = 1;
                }
            }
        }
        vigil_store_release(s, st);
        double best = CAMPAIGN_SIMILARITY;
        for (int round = 0; round < COMPARE_MAX && ncand; round++) {
            size_t top = 0;
            for (size_t i = 1; i < ncand; i++)
                if (hits[i] > hits[top])
                    top = i;
            if (!hits[top])
                break;
            hits[top] = 0;
            uint32_t other[VIGIL_MINHASH_K];
            int64_t c;
            if (load_sig(s, cand[top], other, &c) != VIGIL_OK || !c)
                continue;
            double sim = vigil_minhash_similarity(sig, other);
            if (sim >= best) {
                best = sim;
                campaign = c;
            }
        }
        if (!campaign) {
            st = vigil_store_prepare(s, "INSERT INTO campaigns(first_seen, last_seen) "
                                        "VALUES(?, ?)");
            if (!st)
                return VIGIL_ERR_IO;
            sqlite3_bind_int64(st, 1, now);
            sqlite3_bind_int64(st, 2, now);
            bool ok = sqlite3_step(st) == SQLITE_DONE;
            vigil_store_release(s, st);
            if (!ok)
                return vigil_store_fail(s, "creating a campaign");
            campaign = sqlite3_last_insert_rowid(s->db);
        }
        st = vigil_store_prepare(s, "INSERT OR REPLACE INTO minhash(document, sig) VALUES(?, ?)");
        if (!st)
            return VIGIL_ERR_IO;
        sqlite3_bind_int64(st, 1, doc);
        sqlite3_bind_blob(st, 2, sig, (int)sizeof sig, SQLITE_STATIC);
        bool ok = sqlite3_step(st) == SQLITE_DONE;
        vigil_store_release(s, st);
        st = vigil_store_prepare(s, "INSERT INTO lsh(band, bucket, document) VALUES(?,?,?)");
        for (unsigned b = 0; ok && st && b < VIGIL_MINHASH_BANDS; b++) {
            sqlite3_reset(st);
            sqlite3_bind_int(st, 1, (int)b);
            sqlite3_bind_int64(st, 2, (int64_t)buckets[b]);
            sqlite3_bind_int64(st, 3, doc);
            ok = sqlite3_step(st) == SQLITE_DONE;
        }
        vigil_store_release(s, st);
        if (!ok || !st)
            return vigil_store_fail(s, "recording a signature");
        st = vigil_store_prepare(s, "UPDATE documents SET campaign = ? WHERE id = ?");
        if (!st)
            return VIGIL_ERR_IO;
        sqlite3_bind_int64(st, 1, campaign);
        sqlite3_bind_int64(st, 2, doc);
        ok = sqlite3_step(st) == SQLITE_DONE;
        vigil_store_release(s, st);
        if (!ok)
            return vigil_store_fail(s, "joining a campaign");
    } else {
        sqlite3_stmt *st = vigil_store_prepare(s, "SELECT coalesce(campaign, 0) FROM documents "
                                                  "WHERE id = ?");
        if (!st)
            return VIGIL_ERR_IO;
        sqlite3_bind_int64(st, 1, doc);
        if (sqlite3_step(st) == SQLITE_ROW)
            campaign = sqlite3_column_int64(st, 0);
        vigil_store_release(s, st);
        if (!campaign)
            return VIGIL_OK;
    }
    sqlite3_stmt *st = vigil_store_prepare(s, "INSERT INTO campaign_hosts(campaign, host, "
                                              "last_seen) VALUES(?1, vigil_host(?2, ?3), ?4) "
                                              "ON CONFLICT(campaign, host) DO UPDATE SET "
                                              "last_seen = max(last_seen, excluded.last_seen)");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, campaign);
    if (url && *url)
        sqlite3_bind_text(st, 2, url, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 2);
    if (source)
        sqlite3_bind_text(st, 3, source, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 3);
    sqlite3_bind_int64(st, 4, now);
    bool hosted = sqlite3_step(st) == SQLITE_DONE;
    vigil_store_release(s, st);
    if (!hosted)
        return vigil_store_fail(s, "recording a campaign source");
    st = vigil_store_prepare(s, "UPDATE campaigns SET last_seen = max(last_seen, ?) "
                                "WHERE id = ?");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, campaign);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    vigil_store_release(s, st);
    if (!ok)
        return vigil_store_fail(s, "updating a campaign");
    return escalate(s, campaign, now);
}

#define CAMPAIGN_COLUMNS                                                                           \
    "c.id, c.first_seen, c.last_seen, c.escalated, "                                             \
    "(SELECT count(*) FROM documents d WHERE d.campaign = c.id), "                                \
    "(SELECT count(DISTINCT vigil_host(x.url, x.source)) FROM sightings x JOIN documents d "      \
    "  ON d.id = x.document WHERE d.campaign = c.id), "                                           \
    "(SELECT group_concat(DISTINCT p.person) FROM alert_people p WHERE p.alert IN "              \
    "  (SELECT x.alert FROM sightings x JOIN documents d ON d.id = x.document "                   \
    "   WHERE d.campaign = c.id)), "                                                              \
    "(SELECT group_concat(DISTINCT a.labels) FROM alerts a WHERE a.labels != '' AND a.id IN "    \
    "  (SELECT x.alert FROM sightings x JOIN documents d ON d.id = x.document "                   \
    "   WHERE d.campaign = c.id)), "                                                              \
    "(SELECT count(*) FROM sightings x JOIN documents d ON d.id = x.document "                    \
    "  WHERE d.campaign = c.id)"

static json_t *split_list(const char *s)
{
    json_t *a = json_array();
    while (s && *s) {
        const char *c = strchr(s, ',');
        size_t n = c ? (size_t)(c - s) : strlen(s);
        json_t *v = json_stringn(s, n);
        size_t i;
        json_t *x;
        bool dup = false;
        json_array_foreach(a, i, x) dup |= json_equal(x, v);
        if (dup)
            json_decref(v);
        else
            json_array_append_new(a, v);
        s = c ? c + 1 : s + n;
    }
    return a;
}

static json_t *campaign_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "first_seen", vigil_store_iso_time(sqlite3_column_int64(st, 1)));
    json_object_set_new(o, "last_seen", vigil_store_iso_time(sqlite3_column_int64(st, 2)));
    json_object_set_new(o, "escalated", json_boolean(sqlite3_column_int(st, 3)));
    json_object_set_new(o, "documents", json_integer(sqlite3_column_int64(st, 4)));
    json_object_set_new(o, "sources", json_integer(sqlite3_column_int64(st, 5)));
    json_object_set_new(o, "people", split_list((const char *)sqlite3_column_text(st, 6)));
    json_object_set_new(o, "labels", split_list((const char *)sqlite3_column_text(st, 7)));
    json_object_set_new(o, "sightings", json_integer(sqlite3_column_int64(st, 8)));
    return o;
}

vigil_status vigil_store_campaigns(vigil_store *s, int all, vigil_buf *out)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT " CAMPAIGN_COLUMNS " FROM campaigns c "
                                              "ORDER BY c.escalated DESC, c.last_seen DESC, c.id");
    if (!st)
        return VIGIL_ERR_IO;
    vigil_status rc = VIGIL_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        json_t *o = campaign_row(st);
        if (!all && json_integer_value(json_object_get(o, "documents")) < 2) {
            json_decref(o); /* one document is not a campaign yet */
            continue;
        }
        rc = vigil_store_append_json(out, o);
    }
    vigil_store_release(s, st);
    return rc;
}

vigil_status vigil_store_campaign_show(vigil_store *s, int64_t id, vigil_buf *out)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT " CAMPAIGN_COLUMNS " FROM campaigns c "
                                              "WHERE c.id = ?");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        vigil_store_release(s, st);
        snprintf(s->errmsg, sizeof s->errmsg, "no campaign %lld", (long long)id);
        return VIGIL_ERR_NOTFOUND;
    }
    json_t *o = campaign_row(st);
    vigil_store_release(s, st);
    json_t *docs = json_array();
    st = vigil_store_prepare(s, "SELECT x.seen, x.doc_id, x.source, x.url, x.alert, "
                                "vigil_host(x.url, x.source) FROM sightings x JOIN documents d "
                                "ON d.id = x.document WHERE d.campaign = ? ORDER BY x.seen, x.id");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *x = json_object();
            json_object_set_new(x, "seen", vigil_store_iso_time(sqlite3_column_int64(st, 0)));
            for (int k = 1; k <= 3; k++) {
                const unsigned char *t = sqlite3_column_text(st, k);
                json_object_set_new(x, k == 1 ? "doc" : k == 2 ? "source" : "url",
                                    t ? json_string((const char *)t) : json_null());
            }
            json_object_set_new(x, "alert", json_integer(sqlite3_column_int64(st, 4)));
            json_object_set_new(x, "host", json_string((const char *)sqlite3_column_text(st, 5)));
            json_array_append_new(docs, x);
        }
        vigil_store_release(s, st);
    }
    json_object_set_new(o, "sightings_list", docs);
    return vigil_store_append_json(out, o);
}
