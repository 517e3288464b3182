/*
 * What analysts ask of the store: alert lists and details, status changes with notes (and the
 * suppression a false positive implies), a person's timeline, and baselines of suppressions.
 * Answers are JSON (jansson), which the CLI prints as it is or renders as a table.
 */
#include "store_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static json_t *col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? json_string((const char *)t) : json_null();
}

#define ALERT_COLUMNS                                                                              \
    "a.id, a.severity, a.score, a.status, a.fingerprint, a.labels, a.bounty, a.first_seen, "      \
    "a.last_seen, (SELECT count(*) FROM sightings s WHERE s.alert = a.id), d.doc_id, d.source, "  \
    "d.url, (SELECT group_concat(person, ',') FROM alert_people p WHERE p.alert = a.id), "        \
    "(SELECT count(DISTINCT vigil_host(s.url, s.source)) FROM sightings s WHERE s.alert = a.id), " \
    "d.sha256"

static json_t *alert_row(sqlite3_stmt *st)
{
    json_t *o = json_object();
    json_object_set_new(o, "id", json_integer(sqlite3_column_int64(st, 0)));
    json_object_set_new(o, "severity",
                        json_string(vigil_severity_name((vigil_severity)sqlite3_column_int(st, 1))));
    json_object_set_new(o, "score", json_real(sqlite3_column_double(st, 2)));
    json_object_set_new(o, "status",
                        json_string(vigil_alert_status_name((vigil_alert_status)
                                                                sqlite3_column_int(st, 3))));
    json_object_set_new(o, "fingerprint", col_text(st, 4));
    json_t *labels = json_array();
    const char *l = (const char *)sqlite3_column_text(st, 5);
    while (l && *l) {
        const char *c = strchr(l, ',');
        size_t n = c ? (size_t)(c - l) : strlen(l);
        json_array_append_new(labels, json_stringn(l, n));
        l = c ? c + 1 : l + n;
    }
    json_object_set_new(o, "labels", labels);
    if (sqlite3_column_type(st, 6) != SQLITE_NULL)
        json_object_set_new(o, "bounty", json_real(sqlite3_column_double(st, 6)));
    json_object_set_new(o, "first_seen", vigil_store_iso_time(sqlite3_column_int64(st, 7)));
    json_object_set_new(o, "last_seen", vigil_store_iso_time(sqlite3_column_int64(st, 8)));
    json_object_set_new(o, "sightings", json_integer(sqlite3_column_int64(st, 9)));
    json_object_set_new(o, "doc", col_text(st, 10));
    json_object_set_new(o, "source", col_text(st, 11));
    json_object_set_new(o, "url", col_text(st, 12));
    json_t *people = json_array();
    const char *p = (const char *)sqlite3_column_text(st, 13);
    while (p && *p) {
        const char *c = strchr(p, ',');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        json_array_append_new(people, json_stringn(p, n));
        p = c ? c + 1 : p + n;
    }
    json_object_set_new(o, "people", people);
    json_object_set_new(o, "sources", json_integer(sqlite3_column_int64(st, 14)));
    json_object_set_new(o, "sha256", col_text(st, 15));
    return o;
}

vigil_status vigil_store_alert_rows(vigil_store *s, const vigil_alert_filter *f, json_t *rows)
{
    sqlite3_stmt *st = vigil_store_prepare(
        s, "SELECT " ALERT_COLUMNS " FROM alerts a JOIN documents d ON d.id = a.document "
           "WHERE (?1 < 0 OR a.status = ?1) AND a.severity >= ?2 AND a.last_seen >= ?3 "
           "AND (?4 IS NULL OR EXISTS (SELECT 1 FROM alert_people p WHERE p.alert = a.id "
           "AND p.person = ?4)) ORDER BY a.severity DESC, a.last_seen DESC, a.id");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int(st, 1, f->status);
    sqlite3_bind_int(st, 2, f->min_severity);
    sqlite3_bind_int64(st, 3, f->since);
    if (f->person)
        sqlite3_bind_text(st, 4, f->person, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 4);
    vigil_status rc = VIGIL_OK;
    while (!rc && sqlite3_step(st) == SQLITE_ROW)
        if (json_array_append_new(rows, alert_row(st)) != 0)
            rc = VIGIL_ERR_NOMEM;
    vigil_store_release(s, st);
    return rc;
}

vigil_status vigil_store_alerts(vigil_store *s, const vigil_alert_filter *f, vigil_buf *out)
{
    json_t *rows = json_array();
    if (!rows)
        return VIGIL_ERR_NOMEM;
    vigil_status rc = vigil_store_alert_rows(s, f, rows);
    json_t *o;
    size_t i;
    json_array_foreach(rows, i, o)
    {
        if (rc)
            break;
        rc = vigil_store_append_json(out, json_incref(o));
    }
    json_decref(rows);
    return rc;
}

vigil_status vigil_store_alert(vigil_store *s, int64_t id, const char *actor, vigil_buf *out)
{
    sqlite3_stmt *st = vigil_store_prepare(
        s, "SELECT " ALERT_COLUMNS ", a.result, d.sha256, d.scanned FROM alerts a "
           "JOIN documents d ON d.id = a.document WHERE a.id = ?");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        vigil_store_release(s, st);
        snprintf(s->errmsg, sizeof s->errmsg, "no alert %lld in %s", (long long)id, s->path);
        return VIGIL_ERR_NOTFOUND;
    }
    json_t *o = alert_row(st);
    json_t *result = json_loads((const char *)sqlite3_column_text(st, 16), 0, NULL);
    json_object_set_new(o, "result", result ? result : json_null());
    const char *sha = (const char *)sqlite3_column_text(st, 17);
    size_t tlen = 0;
    char *text = vigil_store_open_text(s, sqlite3_column_blob(st, 18),
                                       (size_t)sqlite3_column_bytes(st, 18), sha, &tlen);
    json_object_set_new(o, "text", text ? json_stringn(text, tlen) : json_null());
    if (!text)
        json_object_set_new(o, "text_error", json_string("the evidence does not decrypt with "
                                                         "this vault's key"));
    free(text);
    vigil_store_release(s, st);
    json_t *sight = json_array();
    st = vigil_store_prepare(s, "SELECT seen, doc_id, source, url FROM sightings WHERE alert = ? "
                                "ORDER BY seen, id");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *x = json_object();
            json_object_set_new(x, "seen", vigil_store_iso_time(sqlite3_column_int64(st, 0)));
            json_object_set_new(x, "doc", col_text(st, 1));
            json_object_set_new(x, "source", col_text(st, 2));
            json_object_set_new(x, "url", col_text(st, 3));
            json_array_append_new(sight, x);
        }
        vigil_store_release(s, st);
    }
    json_object_set_new(o, "sightings_list", sight);
    json_t *notes = json_array();
    st = vigil_store_prepare(s, "SELECT time, actor, status, note FROM notes WHERE alert = ? "
                                "ORDER BY id");
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *x = json_object();
            json_object_set_new(x, "time", vigil_store_iso_time(sqlite3_column_int64(st, 0)));
            json_object_set_new(x, "actor", col_text(st, 1));
            json_object_set_new(x, "status", json_string(vigil_alert_status_name(
                                                 (vigil_alert_status)sqlite3_column_int(st, 2))));
            json_object_set_new(x, "note", col_text(st, 3));
            json_array_append_new(notes, x);
        }
        vigil_store_release(s, st);
    }
    json_object_set_new(o, "notes", notes);
    char target[32];
    snprintf(target, sizeof target, "alert:%lld", (long long)id);
    if (vigil_store_audit(s, actor, "evidence.view", target, "") != VIGIL_OK) {
        json_decref(o);
        return VIGIL_ERR_IO;
    }
    return vigil_store_append_json(out, o);
}

vigil_status vigil_store_set_status(vigil_store *s, int64_t id, vigil_alert_status status,
                                    const char *note, const char *actor)
{
    if (vigil_store_begin(s) != VIGIL_OK)
        return VIGIL_ERR_IO;
    vigil_status rc = VIGIL_ERR_IO;
    char key[160] = "";
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT key FROM alerts WHERE id = ?");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        vigil_store_release(s, st);
        snprintf(s->errmsg, sizeof s->errmsg, "no alert %lld in %s", (long long)id, s->path);
        rc = VIGIL_ERR_NOTFOUND;
        goto out;
    }
    snprintf(key, sizeof key, "%s", (const char *)sqlite3_column_text(st, 0));
    vigil_store_release(s, st);
    st = vigil_store_prepare(s, "UPDATE alerts SET status = ? WHERE id = ?");
    if (!st)
        goto out;
    sqlite3_bind_int(st, 1, (int)status);
    sqlite3_bind_int64(st, 2, id);
    bool ok = sqlite3_step(st) == SQLITE_DONE;
    vigil_store_release(s, st);
    if (!ok)
        goto out;
    int64_t now = (int64_t)time(NULL);
    st = vigil_store_prepare(s, "INSERT INTO notes(alert, time, actor, status, note) "
                                "VALUES(?,?,?,?,?)");
    if (!st)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, now);
    sqlite3_bind_text(st, 3, actor ? actor : "", -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 4, (int)status);
    sqlite3_bind_text(st, 5, note ? note : "", -1, SQLITE_STATIC);
    ok = sqlite3_step(st) == SQLITE_DONE;
    vigil_store_release(s, st);
    if (!ok)
        goto out;
    /* a false positive suppresses its fingerprint in later scans; another status lifts it */
    st = vigil_store_prepare(s, status == VIGIL_ALERT_FALSE_POSITIVE
                                    ? "INSERT OR IGNORE INTO suppressions(key, note, created) "
                                      "VALUES(?1, ?2, ?3)"
                                    : "DELETE FROM suppressions WHERE key = ?1 AND ?2 = ?2 "
                                      "AND ?3 = ?3");
    if (!st)
        goto out;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, note ? note : "", -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    ok = sqlite3_step(st) == SQLITE_DONE;
    vigil_store_release(s, st);
    if (!ok)
        goto out;
    char target[32], detail[1200];
    snprintf(target, sizeof target, "alert:%lld", (long long)id);
    snprintf(detail, sizeof detail, "status=%s note=%s", vigil_alert_status_name(status),
             note ? note : "");
    rc = vigil_store_audit(s, actor, "alert.set", target, detail);
out:
    if (rc == VIGIL_OK)
        return vigil_store_commit(s);
    if (rc == VIGIL_ERR_IO && !s->errmsg[0])
        vigil_store_fail(s, "setting a status");
    vigil_store_exec(s, "ROLLBACK");
    s->in_tx = false;
    return rc;
}

vigil_status vigil_store_person(vigil_store *s, const char *person, vigil_buf *out)
{
    sqlite3_stmt *st = vigil_store_prepare(
        s, "SELECT " ALERT_COLUMNS ", p.kinds FROM alerts a JOIN documents d ON d.id = a.document "
           "JOIN alert_people p ON p.alert = a.id WHERE p.person = ? ORDER BY a.first_seen, a.id");
    if (!st)
        return VIGIL_ERR_IO;
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    json_t *o = json_object(), *alerts = json_array(), *days = json_object();
    json_t *bounties = json_array();
    size_t exposures = 0, threats = 0;
    double max_bounty = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        json_t *a = alert_row(st);
        const char *kinds = (const char *)sqlite3_column_text(st, 16);
        json_object_set_new(a, "matched", json_string(kinds ? kinds : ""));
        bool threat = json_array_size(json_object_get(a, "labels")) > 0;
        bool exposure = kinds && strchr(kinds, ',') != NULL; /* name and something else */
        exposures += exposure;
        threats += threat;
        const char *day = json_string_value(json_object_get(a, "first_seen"));
        char d[11] = "";
        if (day)
            snprintf(d, sizeof d, "%.10s", day);
        json_t *c = json_object_get(days, d);
        if (!c) {
            c = json_pack("{s:i,s:i,s:i}", "alerts", 0, "exposures", 0, "threats", 0);
            json_object_set_new(days, d, c);
        }
        json_object_set_new(c, "alerts", json_integer(json_integer_value(json_object_get(c, "alerts")) + 1));
        json_object_set_new(c, "exposures", json_integer(json_integer_value(json_object_get(c, "exposures")) + exposure));
        json_object_set_new(c, "threats", json_integer(json_integer_value(json_object_get(c, "threats")) + threat));
        json_array_append_new(alerts, a);
    }
    vigil_store_release(s, st);
    /* bounty amounts over time, from every sighting, so that a rising reward shows */
    st = vigil_store_prepare(s, "SELECT s.seen, s.bounty, s.alert, s.doc_id FROM sightings s "
                                "JOIN alert_people p ON p.alert = s.alert WHERE p.person = ? "
                                "AND s.bounty IS NOT NULL ORDER BY s.seen, s.id");
    if (!st) {
        json_decref(o);
        json_decref(alerts);
        json_decref(days);
        json_decref(bounties);
        return VIGIL_ERR_IO;
    }
    sqlite3_bind_text(st, 1, person, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        double amount = sqlite3_column_double(st, 1);
        json_t *b = json_object();
        json_object_set_new(b, "time", vigil_store_iso_time(sqlite3_column_int64(st, 0)));
        json_object_set_new(b, "amount", json_real(amount));
        json_object_set_new(b, "alert", json_integer(sqlite3_column_int64(st, 2)));
        json_object_set_new(b, "doc", col_text(st, 3));
        json_object_set_new(b, "rising", json_boolean(amount > max_bounty));
        json_array_append_new(bounties, b);
        if (amount > max_bounty)
            max_bounty = amount;
    }
    vigil_store_release(s, st);
    json_object_set_new(o, "person", json_string(person));
    json_object_set_new(o, "alerts", alerts);
    json_object_set_new(o, "exposures", json_integer((json_int_t)exposures));
    json_object_set_new(o, "threats", json_integer((json_int_t)threats));
    json_object_set_new(o, "by_day", days);
    json_object_set_new(o, "bounties", bounties);
    return vigil_store_append_json(out, o);
}

vigil_status vigil_store_baseline_export(vigil_store *s, vigil_buf *out)
{
    sqlite3_stmt *st = vigil_store_prepare(s, "SELECT key, note, created, hits FROM suppressions "
                                              "ORDER BY key");
    if (!st)
        return VIGIL_ERR_IO;
    json_t *list = json_array();
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(list, json_pack("{s:s,s:s,s:I,s:I}", "fingerprint",
                                              (const char *)sqlite3_column_text(st, 0), "note",
                                              (const char *)sqlite3_column_text(st, 1), "created",
                                              (json_int_t)sqlite3_column_int64(st, 2), "hits",
                                              (json_int_t)sqlite3_column_int64(st, 3)));
    vigil_store_release(s, st);
    return vigil_store_append_json(out, json_pack("{s:i,s:o}", "vigil_baseline", 1, "suppressions", list));
}

vigil_status vigil_store_baseline_import(vigil_store *s, const char *data, size_t len,
                                         const char *actor, size_t *imported, char *err,
                                         size_t errlen)
{
    *imported = 0;
    json_error_t jerr;
    json_t *o = json_loadb(data, len, 0, &jerr);
    if (!o) {
        vigil_errf(err, errlen, "not JSON: %s at line %d, column %d (byte %d)", jerr.text,
                   jerr.line, jerr.column, jerr.position);
        return VIGIL_ERR_PARSE;
    }
    json_t *ver = json_object_get(o, "vigil_baseline");
    json_t *list = json_object_get(o, "suppressions");
    if (!json_is_integer(ver) || json_integer_value(ver) != 1 || !json_is_array(list)) {
        json_decref(o);
        vigil_errf(err, errlen, "not a vigil baseline (version 1 with a \"suppressions\" list)");
        return VIGIL_ERR_PARSE;
    }
    /* check everything before changing anything */
    json_t *e;
    size_t i;
    json_array_foreach(list, i, e)
    {
        const char *fp = json_string_value(json_object_get(e, "fingerprint"));
        size_t n = fp ? strlen(fp) : 0;
        bool ok = n > 0 && n < 128;
        for (size_t k = 0; ok && k < n; k++)
            ok = (fp[k] >= '0' && fp[k] <= '9') || (fp[k] >= 'a' && fp[k] <= 'z') ||
                 fp[k] == ':';
        json_t *note = json_object_get(e, "note");
        if (!ok || (note && !json_is_string(note))) {
            json_decref(o);
            vigil_errf(err, errlen, "suppression %zu: needs a \"fingerprint\" (lower-case hex "
                       "or sha256:hex) and an optional string \"note\"", i + 1);
            return VIGIL_ERR_PARSE;
        }
    }
    vigil_status rc = vigil_store_begin(s);
    sqlite3_stmt *st = rc ? NULL : vigil_store_prepare(s, "INSERT OR IGNORE INTO "
                                                          "suppressions(key, note, created) "
                                                          "VALUES(?,?,?)");
    if (!st)
        rc = VIGIL_ERR_IO;
    json_array_foreach(list, i, e)
    {
        if (rc)
            break;
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, json_string_value(json_object_get(e, "fingerprint")), -1,
                          SQLITE_TRANSIENT);
        const char *note = json_string_value(json_object_get(e, "note"));
        sqlite3_bind_text(st, 2, note ? note : "", -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 3, (int64_t)time(NULL));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = vigil_store_fail(s, "importing a baseline");
        else
            *imported += (size_t)sqlite3_changes(s->db);
    }
    vigil_store_release(s, st);
    json_decref(o);
    if (!rc) {
        char detail[64];
        snprintf(detail, sizeof detail, "%zu suppressions added", *imported);
        rc = vigil_store_audit(s, actor, "baseline.import", "suppressions", detail);
    }
    if (!rc)
        rc = vigil_store_commit(s);
    if (rc) {
        vigil_errf(err, errlen, "%s", s->errmsg);
        vigil_store_exec(s, "ROLLBACK");
        s->in_tx = false;
    }
    return rc;
}
