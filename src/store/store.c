/*
 * The alert store: SQLite in the vault (DIR/store.db), WAL mode, one transaction per batch of
 * recorded documents, so that a scan killed at any moment leaves a consistent store and a rerun
 * completes it without duplicates (documents are keyed by content SHA-256, alerts by
 * fingerprint, sightings by alert, document, id and url).
 *
 * Nothing in the store reveals who is protected: people appear by their opaque ids; document
 * text (which is the dox itself) is encrypted with XChaCha20-Poly1305 under a key derived from
 * the vault key, bound to the document's hash. The schema is versioned (PRAGMA user_version) and
 * migrated forward in a transaction. Every analyst action and every evidence access is
 * appended to an audit log whose entries are chained by a keyed BLAKE2b hash (audit.c).
 */
#include "store_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Migrations: entry k brings the schema from version k to k + 1. Append only. */
static const char *const migrations[] = {
    "CREATE TABLE documents("
    "  id INTEGER PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, doc_id TEXT, source TEXT, url TEXT,"
    "  time TEXT, first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
    "  sightings INTEGER NOT NULL DEFAULT 1, original BLOB NOT NULL, scanned BLOB NOT NULL);"
    "CREATE TABLE alerts("
    "  id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, fingerprint TEXT,"
    "  severity INTEGER NOT NULL, score REAL NOT NULL, status INTEGER NOT NULL DEFAULT 0,"
    "  document INTEGER NOT NULL REFERENCES documents(id), result TEXT NOT NULL,"
    "  labels TEXT NOT NULL DEFAULT '', bounty REAL,"
    "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL);"
    "CREATE TABLE sightings("
    "  id INTEGER PRIMARY KEY, alert INTEGER NOT NULL REFERENCES alerts(id),"
    "  document INTEGER NOT NULL REFERENCES documents(id), doc_id TEXT NOT NULL,"
    "  source TEXT, url TEXT NOT NULL, seen INTEGER NOT NULL, bounty REAL,"
    "  UNIQUE(alert, document, doc_id, url));"
    "CREATE TABLE alert_people(alert INTEGER NOT NULL REFERENCES alerts(id),"
    "  person TEXT NOT NULL, kinds TEXT NOT NULL, PRIMARY KEY(alert, person));"
    "CREATE INDEX alert_people_person ON alert_people(person);"
    "CREATE TABLE notes(id INTEGER PRIMARY KEY, alert INTEGER NOT NULL REFERENCES alerts(id),"
    "  time INTEGER NOT NULL, actor TEXT NOT NULL, status INTEGER NOT NULL, note TEXT NOT NULL);"
    "CREATE TABLE suppressions(key TEXT PRIMARY KEY, note TEXT NOT NULL, created INTEGER NOT NULL,"
    "  hits INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE audit(seq INTEGER PRIMARY KEY, time INTEGER NOT NULL, actor TEXT NOT NULL,"
    "  action TEXT NOT NULL, target TEXT NOT NULL, detail TEXT NOT NULL, hash BLOB NOT NULL);"
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    /* 1 -> 2: campaigns (near-duplicate groups) */
    "ALTER TABLE documents ADD COLUMN campaign INTEGER REFERENCES campaigns(id);"
    "CREATE INDEX documents_campaign ON documents(campaign);"
    "CREATE TABLE campaigns(id INTEGER PRIMARY KEY, first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL, escalated INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE minhash(document INTEGER PRIMARY KEY REFERENCES documents(id),"
    "  sig BLOB NOT NULL);"
    "CREATE TABLE lsh(band INTEGER NOT NULL, bucket INTEGER NOT NULL,"
    "  document INTEGER NOT NULL REFERENCES documents(id));"
    "CREATE INDEX lsh_bucket ON lsh(band, bucket);",
    /* 2 -> 3: the sources of each campaign, so that escalation does not rescan its sightings */
    "CREATE TABLE campaign_hosts(campaign INTEGER NOT NULL REFERENCES campaigns(id),"
    "  host TEXT NOT NULL, last_seen INTEGER NOT NULL, PRIMARY KEY(campaign, host));"
    "INSERT INTO campaign_hosts SELECT d.campaign, vigil_host(x.url, x.source), max(x.seen)"
    "  FROM sightings x JOIN documents d ON d.id = x.document WHERE d.campaign IS NOT NULL"
    "  GROUP BY 1, 2;",
    /* 3 -> 4: a covering index for band lookups */
    "DROP INDEX lsh_bucket;"
    "CREATE INDEX lsh_band_bucket_document ON lsh(band, bucket, document);",
};
#define SCHEMA_VERSION ((int)(sizeof migrations / sizeof *migrations))

static const char *const status_names[] = {"new", "acknowledged", "escalated", "resolved",
                                           "false-positive"};

const char *vigil_alert_status_name(vigil_alert_status s)
{
    return (unsigned)s < 5 ? status_names[s] : "?";
}

vigil_status vigil_alert_status_parse(const char *name, vigil_alert_status *out)
{
    for (int i = 0; i < 5; i++)
        if (strcmp(name, status_names[i]) == 0) {
            *out = (vigil_alert_status)i;
            return VIGIL_OK;
        }
    return VIGIL_ERR_ARG;
}

vigil_status vigil_store_fail(vigil_store *s, const char *what)
{
    snprintf(s->errmsg, sizeof s->errmsg, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
    return VIGIL_ERR_IO;
}

int vigil_store_exec(vigil_store *s, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        snprintf(s->errmsg, sizeof s->errmsg, "%s: %s", s->path, msg ? msg : "error");
    sqlite3_free(msg);
    return rc;
}

/* Statements are compiled once per store and kept, keyed by their SQL text's address (every
 * statement is a literal): compiling took more time than running them (a scan with --store
 * spent most of its time in SQLite's parser). A statement still in use is compiled afresh. */
sqlite3_stmt *vigil_store_prepare(vigil_store *s, const char *sql)
{
    for (size_t i = 0; i < s->ncached; i++)
        if (s->cached_sql[i] == sql) {
            if (sqlite3_stmt_busy(s->cached[i]))
                break;
            sqlite3_clear_bindings(s->cached[i]);
            return s->cached[i];
        }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        vigil_store_fail(s, "prepare");
        return NULL;
    }
    bool known = false;
    for (size_t i = 0; i < s->ncached && !known; i++)
        known = s->cached_sql[i] == sql;
    if (!known && s->ncached < STORE_CACHE) {
        s->cached_sql[s->ncached] = sql;
        s->cached[s->ncached++] = st;
    }
    return st;
}

void vigil_store_release(vigil_store *s, sqlite3_stmt *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < s->ncached; i++)
        if (s->cached[i] == st) {
            sqlite3_reset(st);
            return;
        }
    sqlite3_finalize(st);
}

static vigil_status migrate(vigil_store *s)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "PRAGMA user_version");
    if (!st)
        return VIGIL_ERR_IO;
    int version = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
    vigil_store_release(s, st);
    if (version > SCHEMA_VERSION) {
        snprintf(s->errmsg, sizeof s->errmsg, "%s: store schema version %d is newer than this "
                 "vigil (%d); upgrade vigil", s->path, version, SCHEMA_VERSION);
        return VIGIL_ERR_VERSION;
    }
    if (version == SCHEMA_VERSION)
        return VIGIL_OK;
    if (vigil_store_exec(s, "BEGIN IMMEDIATE") != SQLITE_OK)
        return VIGIL_ERR_IO;
    for (int v = version; v < SCHEMA_VERSION; v++)
        if (vigil_store_exec(s, migrations[v]) != SQLITE_OK) {
            vigil_store_exec(s, "ROLLBACK");
            return VIGIL_ERR_IO;
        }
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA user_version = %d", SCHEMA_VERSION);
    if (vigil_store_exec(s, sql) != SQLITE_OK || vigil_store_exec(s, "COMMIT") != SQLITE_OK) {
        vigil_store_exec(s, "ROLLBACK");
        return VIGIL_ERR_IO;
    }
    return VIGIL_OK;
}

vigil_status vigil_store_open(vigil_vault *vault, int create, vigil_store **out, char *err,
                              size_t errlen)
{
    vigil_store *s = calloc(1, sizeof *s);
    if (!s)
        return VIGIL_ERR_NOMEM;
    s->vault = vault;
    s->keys = vigil_vault_keys(vault);
    snprintf(s->path, sizeof s->path, "%s/store.db", vigil_vault_dir(vault));
    int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
    int rc = sqlite3_open_v2(s->path, &s->db, flags, NULL);
    if (rc != SQLITE_OK) {
        vigil_status st = rc == SQLITE_CANTOPEN && !create ? VIGIL_ERR_NOTFOUND : VIGIL_ERR_IO;
        vigil_errf(err, errlen, "%s: cannot open the store: %s", s->path,
                   s->db ? sqlite3_errmsg(s->db) : "out of memory");
        sqlite3_close(s->db);
        free(s);
        return st;
    }
    sqlite3_busy_timeout(s->db, 10000);
    vigil_store_register_functions(s);
    vigil_store_set_campaign_rule(s, 0, 0);
    vigil_status st = VIGIL_OK;
    if (vigil_store_exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                            "PRAGMA foreign_keys=ON") != SQLITE_OK)
        st = VIGIL_ERR_IO;
    if (!st)
        st = migrate(s);
    if (st) {
        vigil_errf(err, errlen, "%s", s->errmsg);
        vigil_store_close(s);
        return st;
    }
    *out = s;
    return VIGIL_OK;
}

void vigil_store_close(vigil_store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        vigil_store_exec(s, "COMMIT");
    for (size_t i = 0; i < s->ncached; i++)
        sqlite3_finalize(s->cached[i]);
    sqlite3_close(s->db);
    free(s);
}

const char *vigil_store_errmsg(const vigil_store *s)
{
    return s->errmsg;
}

vigil_status vigil_store_begin(vigil_store *s)
{
    if (s->in_tx)
        return VIGIL_OK;
    if (vigil_store_exec(s, "BEGIN IMMEDIATE") != SQLITE_OK)
        return VIGIL_ERR_IO;
    s->in_tx = true;
    return VIGIL_OK;
}

vigil_status vigil_store_commit(vigil_store *s)
{
    if (!s->in_tx)
        return VIGIL_OK;
    s->in_tx = false;
    return vigil_store_exec(s, "COMMIT") == SQLITE_OK ? VIGIL_OK : VIGIL_ERR_IO;
}

/* ------------------------------------------------------------------ recording */

void vigil_store_hex(const unsigned char *b, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[b[i] >> 4];
        out[2 * i + 1] = d[b[i] & 15];
    }
    out[2 * n] = '\0';
}

json_t *vigil_store_iso_time(int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char buf[32];
    gmtime_r(&tt, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_string(buf);
}

vigil_status vigil_store_append_json(vigil_buf *out, json_t *o)
{
    char *j = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    if (!j)
        return VIGIL_ERR_NOMEM;
    vigil_status st = vigil_buf_append(out, j, strlen(j));
    free(j);
    return st ? st : vigil_buf_append(out, "\n", 1);
}

void vigil_store_sha256(const char *data, size_t n, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)data, n);
    vigil_store_hex(h, sizeof h, out);
}

/* nonce || ciphertext of data, bound to the document hash. */
static unsigned char *seal(const vigil_store *s, const char *data, size_t n, const char *sha,
                           size_t *outlen)
{
    size_t len = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES + n +
                 crypto_aead_xchacha20poly1305_ietf_ABYTES;
    unsigned char *c = malloc(len);
    if (!c)
        return NULL;
    randombytes_buf(c, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    unsigned long long clen;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        c + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &clen, (const unsigned char *)data, n,
        (const unsigned char *)sha, 64, NULL, c, s->keys->evidence);
    *outlen = len;
    return c;
}

char *vigil_store_open_text(const vigil_store *s, const void *blob, size_t n, const char *sha,
                            size_t *outlen)
{
    const size_t nb = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (n < nb + crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return NULL;
    char *p = malloc(n - nb + 1);
    if (!p)
        return NULL;
    unsigned long long plen;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt((unsigned char *)p, &plen, NULL,
                                                   (const unsigned char *)blob + nb, n - nb,
                                                   (const unsigned char *)sha, 64, blob,
                                                   s->keys->evidence) != 0) {
        free(p);
        return NULL;
    }
    p[plen] = '\0';
    *outlen = (size_t)plen;
    return p;
}

/* The dedupe key of an alert: its fingerprint (people and identifiers), else the content. */
static void alert_key(json_t *alert, const char *sha, char *out, size_t cap)
{
    const char *fp = json_string_value(json_object_get(alert, "fingerprint"));
    if (fp)
        snprintf(out, cap, "%s", fp);
    else
        snprintf(out, cap, "sha256:%s", sha);
}

static int severity_of(json_t *alert)
{
    vigil_severity sev = VIGIL_SEV_INFO;
    const char *name = json_string_value(json_object_get(alert, "severity"));
    if (name && vigil_severity_parse(name, &sev) != VIGIL_OK)
        sev = VIGIL_SEV_INFO;
    return (int)sev;
}

int vigil_store_suppressed(vigil_store *s, const char *alert_json)
{
    json_t *a = json_loads(alert_json, 0, NULL);
    if (!a)
        return 0;
    const char *fp = json_string_value(json_object_get(a, "fingerprint"));
    int hit = 0;
    if (fp) {
        sqlite3_stmt *st = vigil_store_prepare(s, "UPDATE suppressions SET hits = hits + 1 "
                                                  "WHERE key = ?");
        if (st) {
            sqlite3_bind_text(st, 1, fp, -1, SQLITE_TRANSIENT);
            hit = sqlite3_step(st) == SQLITE_DONE && sqlite3_changes(s->db) > 0;
            vigil_store_release(s, st);
        }
    }
    json_decref(a);
    return hit;
}

static int64_t find_id(vigil_store *s, const char *sql, const char *key)
{
    sqlite3_stmt *st = vigil_store_prepare(s, sql);
    if (!st)
        return -1;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    int64_t id = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
    vigil_store_release(s, st);
    return id;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

vigil_status vigil_store_add(vigil_store *s, const vigil_doc *doc, const char *scanned,
                             size_t scanned_len, const char *alert_json, int64_t now,
                             vigil_store_added *out)
{
    memset(out, 0, sizeof *out);
    json_error_t jerr;
    json_t *a = json_loads(alert_json, 0, &jerr);
    if (!json_is_object(a)) {
        json_decref(a);
        snprintf(s->errmsg, sizeof s->errmsg, "alert is not a JSON object: %s", jerr.text);
        return VIGIL_ERR_PARSE;
    }
    char sha[65], key[128];
    vigil_store_sha256(doc->text ? doc->text : "", doc->len, sha);
    alert_key(a, sha, key, sizeof key);
    vigil_status rc = VIGIL_ERR_IO;
    sqlite3_stmt *st = NULL;
    unsigned char *c1 = NULL, *c2 = NULL;
    if (find_id(s, "SELECT rowid FROM suppressions WHERE key = ?", key) > 0) {
        out->suppressed = 1;
        sqlite3_stmt *u = vigil_store_prepare(s, "UPDATE suppressions SET hits = hits + 1 "
                                                 "WHERE key = ?");
        if (u) {
            sqlite3_bind_text(u, 1, key, -1, SQLITE_TRANSIENT);
            sqlite3_step(u);
            vigil_store_release(s, u);
        }
        json_decref(a);
        return VIGIL_OK;
    }
    /* the document */
    int64_t docrow = find_id(s, "SELECT id FROM documents WHERE sha256 = ?", sha);
    if (docrow < 0)
        goto done;
    bool new_doc = docrow == 0;
    if (docrow == 0) {
        size_t l1, l2;
        c1 = seal(s, doc->text ? doc->text : "", doc->len, sha, &l1);
        c2 = seal(s, scanned ? scanned : "", scanned_len, sha, &l2);
        st = vigil_store_prepare(s, "INSERT INTO documents(sha256, doc_id, source, url, time, "
                                    "first_seen, last_seen, sightings, original, scanned) "
                                    "VALUES(?,?,?,?,?,?,?,0,?,?)");
        if (!c1 || !c2 || !st)
            goto done;
        sqlite3_bind_text(st, 1, sha, -1, SQLITE_STATIC);
        bind_opt(st, 2, doc->id);
        bind_opt(st, 3, doc->source);
        bind_opt(st, 4, doc->url);
        bind_opt(st, 5, doc->time);
        sqlite3_bind_int64(st, 6, now);
        sqlite3_bind_int64(st, 7, now);
        sqlite3_bind_blob(st, 8, c1, (int)l1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 9, c2, (int)l2, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            vigil_store_fail(s, "recording a document");
            goto done;
        }
        docrow = sqlite3_last_insert_rowid(s->db);
        vigil_store_release(s, st);
        st = NULL;
    }
    /* the alert */
    int severity = severity_of(a);
    double score = json_real_value(json_object_get(a, "score"));
    json_t *threat = json_object_get(a, "threat");
    json_t *bounty = json_object_get(json_object_get(threat, "bounty"), "amount");
    char labels[256] = "";
    json_t *lv;
    size_t li;
    json_array_foreach(json_object_get(threat, "labels"), li, lv)
    {
        if (json_is_string(lv) && strlen(labels) + strlen(json_string_value(lv)) + 2 < sizeof labels) {
            if (labels[0])
                strcat(labels, ",");
            strcat(labels, json_string_value(lv));
        }
    }
    int64_t alert = find_id(s, "SELECT id FROM alerts WHERE key = ?", key);
    if (alert < 0)
        goto done;
    if (alert == 0) {
        st = vigil_store_prepare(s, "INSERT INTO alerts(key, fingerprint, severity, score, "
                                    "document, result, labels, bounty, first_seen, last_seen) "
                                    "VALUES(?,?,?,?,?,?,?,?,?,?)");
        if (!st)
            goto done;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        bind_opt(st, 2, json_string_value(json_object_get(a, "fingerprint")));
        sqlite3_bind_int(st, 3, severity);
        sqlite3_bind_double(st, 4, score);
        sqlite3_bind_int64(st, 5, docrow);
        sqlite3_bind_text(st, 6, alert_json, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, labels, -1, SQLITE_STATIC);
        if (json_is_number(bounty))
            sqlite3_bind_double(st, 8, json_number_value(bounty));
        else
            sqlite3_bind_null(st, 8);
        sqlite3_bind_int64(st, 9, now);
        sqlite3_bind_int64(st, 10, now);
        if (sqlite3_step(st) != SQLITE_DONE) {
            vigil_store_fail(s, "recording an alert");
            goto done;
        }
        alert = sqlite3_last_insert_rowid(s->db);
        vigil_store_release(s, st);
        st = vigil_store_prepare(s, "INSERT OR IGNORE INTO alert_people(alert, person, kinds) "
                                    "VALUES(?,?,?)");
        if (!st)
            goto done;
        json_t *p;
        size_t pi;
        json_array_foreach(json_object_get(a, "people"), pi, p)
        {
            const char *person = json_string_value(json_object_get(p, "person"));
            if (!person)
                continue;
            char kinds[128] = "";
            json_t *k;
            size_t ki;
            json_array_foreach(json_object_get(p, "matched"), ki, k)
            {
                if (json_is_string(k) && strlen(kinds) + 16 < sizeof kinds) {
                    if (kinds[0])
                        strcat(kinds, ",");
                    strcat(kinds, json_string_value(k));
                }
            }
            sqlite3_reset(st);
            sqlite3_bind_int64(st, 1, alert);
            sqlite3_bind_text(st, 2, person, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(st, 3, kinds, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) != SQLITE_DONE) {
                vigil_store_fail(s, "recording an alert's people");
                goto done;
            }
        }
        vigil_store_release(s, st);
        st = NULL;
        out->new_alert = 1;
    } else {
        /* the labels of every sighting; a reward that rises escalates the alert */
        st = vigil_store_prepare(s, "SELECT coalesce(bounty, 0), status, labels FROM alerts "
                                    "WHERE id = ?");
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, alert);
        double before = 0;
        int status = 0;
        char merged[256] = "";
        if (sqlite3_step(st) == SQLITE_ROW) {
            before = sqlite3_column_double(st, 0);
            status = sqlite3_column_int(st, 1);
            snprintf(merged, sizeof merged, "%s", (const char *)sqlite3_column_text(st, 2));
        }
        vigil_store_release(s, st);
        st = NULL;
        for (char *l = labels; *l;) {
            char *c = strchr(l, ',');
            size_t n = c ? (size_t)(c - l) : strlen(l);
            char one[64];
            snprintf(one, sizeof one, "%.*s", (int)n, l);
            bool have = false;
            for (char *m = merged; *m && !have;) {
                char *mc = strchr(m, ',');
                size_t mn = mc ? (size_t)(mc - m) : strlen(m);
                have = mn == strlen(one) && strncmp(m, one, mn) == 0;
                m = mc ? mc + 1 : m + mn;
            }
            if (!have && strlen(merged) + strlen(one) + 2 < sizeof merged) {
                if (merged[0])
                    strcat(merged, ",");
                strcat(merged, one);
            }
            l = c ? c + 1 : l + n;
        }
        st = vigil_store_prepare(s, "UPDATE alerts SET labels = ? WHERE id = ?");
        if (!st)
            goto done;
        sqlite3_bind_text(st, 1, merged, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, alert);
        if (sqlite3_step(st) != SQLITE_DONE) {
            vigil_store_fail(s, "updating an alert");
            goto done;
        }
        vigil_store_release(s, st);
        st = NULL;
        if (json_is_number(bounty)) {
            double now_amount = json_number_value(bounty);
            if (before > 0 && now_amount > before) {
                char target[32], detail[128];
                snprintf(target, sizeof target, "alert:%lld", (long long)alert);
                snprintf(detail, sizeof detail, "bounty rose from %.0f to %.0f", before,
                         now_amount);
                if (status <= VIGIL_ALERT_ACKNOWLEDGED) {
                    st = vigil_store_prepare(s, "UPDATE alerts SET status = ? WHERE id = ?");
                    if (!st)
                        goto done;
                    sqlite3_bind_int(st, 1, VIGIL_ALERT_ESCALATED);
                    sqlite3_bind_int64(st, 2, alert);
                    sqlite3_step(st);
                    vigil_store_release(s, st);
                    st = NULL;
                }
                if (vigil_store_audit(s, "vigil", "alert.escalate", target, detail) != VIGIL_OK)
                    goto done;
                out->escalated = 1;
            }
        }
        st = vigil_store_prepare(s, "UPDATE alerts SET last_seen = max(last_seen, ?), "
                                    "severity = max(severity, ?), score = max(score, ?), "
                                    "bounty = CASE WHEN ?4 IS NULL THEN bounty "
                                    "ELSE max(coalesce(bounty, 0), ?4) END WHERE id = ?5");
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int(st, 2, severity);
        sqlite3_bind_double(st, 3, score);
        if (json_is_number(bounty))
            sqlite3_bind_double(st, 4, json_number_value(bounty));
        else
            sqlite3_bind_null(st, 4);
        sqlite3_bind_int64(st, 5, alert);
        if (sqlite3_step(st) != SQLITE_DONE) {
            vigil_store_fail(s, "updating an alert");
            goto done;
        }
        vigil_store_release(s, st);
        st = NULL;
    }
    /* the sighting: the same document under the same id and url again is not a new one */
    st = vigil_store_prepare(s, "INSERT OR IGNORE INTO sightings(alert, document, doc_id, "
                                "source, url, seen, bounty) VALUES(?,?,?,?,?,?,?)");
    if (!st)
        goto done;
    sqlite3_bind_int64(st, 1, alert);
    sqlite3_bind_int64(st, 2, docrow);
    sqlite3_bind_text(st, 3, doc->id ? doc->id : "", -1, SQLITE_STATIC);
    bind_opt(st, 4, doc->source);
    sqlite3_bind_text(st, 5, doc->url ? doc->url : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 6, now);
    if (json_is_number(bounty))
        sqlite3_bind_double(st, 7, json_number_value(bounty));
    else
        sqlite3_bind_null(st, 7);
    if (sqlite3_step(st) != SQLITE_DONE) {
        vigil_store_fail(s, "recording a sighting");
        goto done;
    }
    if (sqlite3_changes(s->db) > 0) {
        vigil_store_release(s, st);
        st = vigil_store_prepare(s, "UPDATE documents SET sightings = sightings + 1, "
                                    "last_seen = max(last_seen, ?) WHERE id = ?");
        if (!st)
            goto done;
        sqlite3_bind_int64(st, 1, now);
        sqlite3_bind_int64(st, 2, docrow);
        if (sqlite3_step(st) != SQLITE_DONE) {
            vigil_store_fail(s, "updating a document");
            goto done;
        }
    }
    vigil_store_release(s, st);
    st = NULL;
    rc = vigil_store_campaign(s, docrow, new_doc, scanned, scanned_len, doc->url, doc->source,
                              now);
    if (rc)
        goto done;
    out->alert = alert;
done:
    vigil_store_release(s, st);
    free(c1);
    free(c2);
    json_decref(a);
    return rc;
}
