/*
 * The Monday-morning report: one self-contained HTML file (inline CSS and SVG, no scripts, no
 * external resources, so it opens anywhere and can be mailed) for one protected person or the
 * whole vault: counts by severity and status, an SVG timeline of alerts per day stacked by
 * severity (threats marked), the top sources, open campaigns and the alerts themselves.
 * Like every export, it names people by opaque id and never includes document text.
 */
#include "store_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAYS 30

static const char *const sev_color[] = {"#9e9e9e", "#4a90d9", "#e6c229", "#f08c00", "#d62828"};

/* The report's many formatted appends, under a short name (vigil_buf_printf: no length cap). */
#define put vigil_buf_printf

/* Text escaped for HTML (and SVG) content and attributes. */
static vigil_status esc(vigil_buf *b, const char *s)
{
    vigil_status st = VIGIL_OK;
    for (; s && *s && !st; s++) {
        switch (*s) {
        case '&': st = vigil_buf_append(b, "&amp;", 5); break;
        case '<': st = vigil_buf_append(b, "&lt;", 4); break;
        case '>': st = vigil_buf_append(b, "&gt;", 4); break;
        case '"': st = vigil_buf_append(b, "&quot;", 6); break;
        case '\'': st = vigil_buf_append(b, "&#39;", 5); break;
        default:
            st = (unsigned char)*s < 0x20 ? vigil_buf_append(b, " ", 1)
                                          : vigil_buf_append(b, s, 1);
        }
    }
    return st;
}

static void day_of(int64_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

/* alerts of the scope: WHERE clause on alerts a */
#define SCOPE "(?1 IS NULL OR EXISTS (SELECT 1 FROM alert_people p WHERE p.alert = a.id AND " \
              "p.person = ?1))"

vigil_status vigil_store_report_html(vigil_store *s, const char *person, const char *tlp,
                                     int64_t now, vigil_buf *b)
{
    int t = vigil_tlp_index(tlp);
    if (t < 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "unknown TLP level '%s'", tlp);
        return VIGIL_ERR_ARG;
    }
    static const char *const tlp_names[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER",
                                            "TLP:AMBER+STRICT", "TLP:RED"};
    char today[11], gen[32];
    day_of(now, today);
    time_t tt = (time_t)now;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(gen, sizeof gen, "%Y-%m-%d %H:%M UTC", &tm);
    vigil_status st = put(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                             "<title>vigil report: ");
    if (!st) st = esc(b, person ? person : "all protected people");
    if (!st)
        st = put(b, "</title><style>"
                    "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}"
                    "h1{font-size:1.5em;margin:0}h2{font-size:1.15em;margin-top:1.6em}"
                    ".tlp{display:inline-block;background:#000;color:#ffc000;padding:2px 8px;"
                    "font-weight:bold;margin-bottom:1em}"
                    "table{border-collapse:collapse;margin-top:.4em}"
                    "td,th{border-bottom:1px solid #ddd;padding:3px 10px;text-align:left}"
                    "th{background:#f4f4f4}.n{text-align:right}"
                    ".sev{display:inline-block;width:.8em;height:.8em;margin-right:4px}"
                    ".cards span{display:inline-block;margin-right:1.5em;font-size:1.1em}"
                    "</style></head><body>\n<div class=\"tlp\">%s</div>\n<h1>vigil report: ",
                 tlp_names[t]);
    if (!st) st = esc(b, person ? person : "all protected people");
    if (!st) st = put(b, "</h1><p>Generated %s. People appear by opaque id only.</p>\n", gen);
    /* counts */
    int64_t by_sev[5] = {0}, open = 0, total = 0;
    sqlite3_stmt *q = vigil_store_prepare(s, "SELECT a.severity, a.status, count(*) FROM alerts a "
                                             "WHERE " SCOPE " GROUP BY 1, 2");
    if (!q)
        return VIGIL_ERR_IO;
    if (person) sqlite3_bind_text(q, 1, person, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    while (sqlite3_step(q) == SQLITE_ROW) {
        int sev = sqlite3_column_int(q, 0);
        int status = sqlite3_column_int(q, 1);
        int64_t n = sqlite3_column_int64(q, 2);
        if (sev >= 0 && sev < 5)
            by_sev[sev] += n;
        total += n;
        if (status != VIGIL_ALERT_RESOLVED && status != VIGIL_ALERT_FALSE_POSITIVE)
            open += n;
    }
    vigil_store_release(s, q);
    if (!st) st = put(b, "<div class=\"cards\"><span><b>%lld</b> alerts</span>"
                         "<span><b>%lld</b> open</span>", (long long)total, (long long)open);
    for (int sev = 4; sev >= 1 && !st; sev--)
        st = put(b, "<span><i class=\"sev\" style=\"background:%s\"></i>%s <b>%lld</b></span>",
                 sev_color[sev], vigil_severity_name((vigil_severity)sev),
                 (long long)by_sev[sev]);
    if (!st) st = put(b, "</div>\n");
    /* timeline: the last DAYS days, alerts first seen per day stacked by severity */
    int64_t grid[DAYS][5] = {{0}}, threats[DAYS] = {0};
    int64_t day0 = now - (now % 86400) - (int64_t)(DAYS - 1) * 86400;
    q = vigil_store_prepare(s, "SELECT a.first_seen, a.severity, a.labels != '' FROM alerts a "
                               "WHERE " SCOPE " AND a.first_seen >= ?2");
    if (!q)
        return VIGIL_ERR_IO;
    if (person) sqlite3_bind_text(q, 1, person, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    sqlite3_bind_int64(q, 2, day0);
    int64_t peak = 1;
    while (sqlite3_step(q) == SQLITE_ROW) {
        int64_t d = (sqlite3_column_int64(q, 0) - day0) / 86400;
        int sev = sqlite3_column_int(q, 1);
        if (d < 0 || d >= DAYS || sev < 0 || sev > 4)
            continue;
        grid[d][sev]++;
        threats[d] += sqlite3_column_int(q, 2);
    }
    vigil_store_release(s, q);
    for (int d = 0; d < DAYS; d++) {
        int64_t sum = 0;
        for (int sev = 0; sev < 5; sev++)
            sum += grid[d][sev];
        if (sum > peak)
            peak = sum;
    }
    const int W = 24, H = 160, X0 = 40, Y0 = 10;
    if (!st)
        st = put(b, "<h2>Alerts per day, last %d days</h2>\n<svg xmlns=\"http://www.w3.org/2000/svg\""
                    " width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                    "aria-label=\"alerts per day by severity\">\n"
                    "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#888\"/>\n"
                    "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%lld</text>\n"
                    "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">0</text>\n",
                 DAYS, X0 + DAYS * W + 10, H + 50, X0 + DAYS * W + 10, H + 50, X0, Y0 + H,
                 X0 + DAYS * W, Y0 + H, X0 - 6, Y0 + 10, (long long)peak, X0 - 6, Y0 + H);
    for (int d = 0; d < DAYS && !st; d++) {
        char day[11];
        day_of(day0 + (int64_t)d * 86400, day);
        double y = Y0 + H;
        for (int sev = 1; sev < 5 && !st; sev++) {
            if (!grid[d][sev])
                continue;
            double h = (double)grid[d][sev] * H / (double)peak;
            y -= h;
            st = put(b, "<rect class=\"bar\" x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" "
                        "fill=\"%s\"><title>%s: %lld %s</title></rect>\n",
                     X0 + d * W + 2, y, W - 4, h, sev_color[sev], day,
                     (long long)grid[d][sev], vigil_severity_name((vigil_severity)sev));
        }
        if (!st && threats[d])
            st = put(b, "<circle class=\"threat\" cx=\"%d\" cy=\"%.1f\" r=\"4\" fill=\"#000\">"
                        "<title>%s: %lld threat(s)</title></circle>\n",
                     X0 + d * W + W / 2, y - 8, day, (long long)threats[d]);
        if (!st && ((d % 7 == 0 && d + 3 < DAYS) || d == DAYS - 1))
            st = put(b, "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s"
                        "</text>\n", X0 + d * W + W / 2, Y0 + H + 16, day + 5);
    }
    if (!st) st = put(b, "</svg>\n<p>");
    for (int sev = 4; sev >= 1 && !st; sev--)
        st = put(b, "<i class=\"sev\" style=\"background:%s\"></i>%s ", sev_color[sev],
                 vigil_severity_name((vigil_severity)sev));
    if (!st) st = put(b, "&#9679; threat or bounty</p>\n");
    /* top sources */
    if (!st) st = put(b, "<h2>Top sources</h2>\n<table><tr><th>source</th><th class=\"n\">"
                         "sightings</th><th class=\"n\">alerts</th></tr>\n");
    q = vigil_store_prepare(s, "SELECT vigil_host(x.url, x.source) h, count(*), "
                               "count(DISTINCT x.alert) FROM sightings x JOIN alerts a ON "
                               "a.id = x.alert WHERE " SCOPE " GROUP BY h ORDER BY 2 DESC, h "
                               "LIMIT 10");
    if (!q)
        return VIGIL_ERR_IO;
    if (person) sqlite3_bind_text(q, 1, person, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        st = put(b, "<tr><td>");
        if (!st) st = esc(b, (const char *)sqlite3_column_text(q, 0));
        if (!st) st = put(b, "</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td></tr>\n",
                          (long long)sqlite3_column_int64(q, 1),
                          (long long)sqlite3_column_int64(q, 2));
    }
    vigil_store_release(s, q);
    if (!st) st = put(b, "</table>\n");
    /* open campaigns */
    if (!st) st = put(b, "<h2>Open campaigns</h2>\n<table><tr><th>campaign</th><th class=\"n\">"
                         "documents</th><th class=\"n\">sources</th><th>status</th>"
                         "<th>last seen</th></tr>\n");
    q = vigil_store_prepare(
        s, "SELECT c.id, count(DISTINCT d.id), count(DISTINCT vigil_host(x.url, x.source)), "
           "c.escalated, c.last_seen FROM campaigns c JOIN documents d ON d.campaign = c.id "
           "JOIN sightings x ON x.document = d.id JOIN alerts a ON a.id = x.alert "
           "WHERE " SCOPE " AND a.status NOT IN (3, 4) GROUP BY c.id "
           "HAVING count(DISTINCT d.id) >= 2 ORDER BY c.escalated DESC, c.last_seen DESC");
    if (!q)
        return VIGIL_ERR_IO;
    if (person) sqlite3_bind_text(q, 1, person, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    int ncamp = 0;
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        char last[11];
        day_of(sqlite3_column_int64(q, 4), last);
        st = put(b, "<tr><td>%lld</td><td class=\"n\">%lld</td><td class=\"n\">%lld</td>"
                    "<td>%s</td><td>%s</td></tr>\n", (long long)sqlite3_column_int64(q, 0),
                 (long long)sqlite3_column_int64(q, 1), (long long)sqlite3_column_int64(q, 2),
                 sqlite3_column_int(q, 3) ? "<b>escalated</b>" : "open", last);
        ncamp++;
    }
    vigil_store_release(s, q);
    if (!st) st = put(b, "</table>%s\n", ncamp ? "" : "<p>None.</p>");
    /* alerts */
    if (!st) st = put(b, "<h2>Alerts</h2>\n<table><tr><th>alert</th><th>severity</th><th>status"
                         "</th><th>people</th><th>threat</th><th class=\"n\">bounty</th>"
                         "<th class=\"n\">seen</th><th>first seen</th><th>last seen</th></tr>\n");
    q = vigil_store_prepare(
        s, "SELECT a.id, a.severity, a.status, (SELECT group_concat(person, ', ') FROM "
           "alert_people p WHERE p.alert = a.id), a.labels, a.bounty, (SELECT count(*) FROM "
           "sightings x WHERE x.alert = a.id), a.first_seen, a.last_seen FROM alerts a WHERE "
           SCOPE " ORDER BY a.severity DESC, a.last_seen DESC LIMIT 500");
    if (!q)
        return VIGIL_ERR_IO;
    if (person) sqlite3_bind_text(q, 1, person, -1, SQLITE_STATIC);
    else sqlite3_bind_null(q, 1);
    while (!st && sqlite3_step(q) == SQLITE_ROW) {
        int sev = sqlite3_column_int(q, 1);
        char first[11], last[11], bounty[32] = "";
        day_of(sqlite3_column_int64(q, 7), first);
        day_of(sqlite3_column_int64(q, 8), last);
        if (sqlite3_column_type(q, 5) != SQLITE_NULL)
            snprintf(bounty, sizeof bounty, "%.0f", sqlite3_column_double(q, 5));
        st = put(b, "<tr><td>%lld</td><td><i class=\"sev\" style=\"background:%s\"></i>%s</td>"
                    "<td>%s</td><td>", (long long)sqlite3_column_int64(q, 0),
                 sev_color[sev >= 0 && sev < 5 ? sev : 0],
                 vigil_severity_name((vigil_severity)sev),
                 vigil_alert_status_name((vigil_alert_status)sqlite3_column_int(q, 2)));
        if (!st) st = esc(b, (const char *)sqlite3_column_text(q, 3));
        if (!st) st = put(b, "</td><td>");
        if (!st) st = esc(b, (const char *)sqlite3_column_text(q, 4));
        if (!st) st = put(b, "</td><td class=\"n\">%s</td><td class=\"n\">%lld</td><td>%s</td>"
                             "<td>%s</td></tr>\n", bounty, (long long)sqlite3_column_int64(q, 6),
                          first, last);
    }
    vigil_store_release(s, q);
    if (!st) st = put(b, "</table>\n<p>Made by vigil %s from %s.</p>\n</body></html>\n",
                      VIGIL_VERSION, today);
    return st;
}
