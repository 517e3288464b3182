/*
 * Exports of the store for the tools teams already use: JSON Lines, CSV (RFC 4180) and a
 * STIX 2.1 bundle. The bundle holds the producer's identity, one identity per protected person
 * (by opaque id only: never a name, an address or any identifier), an indicator per alert (the
 * document's SHA-256, and its URL when known), a note per alert with what was found, a report
 * referencing all of them, and the TLP 2.0 marking definition chosen (default TLP:AMBER+STRICT)
 * on every object. Ids are UUIDv5 of stable names, so exporting twice gives the same ids and a
 * receiver can deduplicate.
 */
#include "store_int.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* SHA-1, only because UUIDv5 (RFC 9562) is defined with it and libsodium has none; this is not
 * used for any security property. */
typedef struct sha1 {
    uint32_t h[5];
    unsigned char buf[64];
    uint64_t len;
} sha1;

static uint32_t rol(uint32_t x, int n)
{
    return (x << n) | (x >> (32 - n));
}

static void sha1_block(sha1 *s, const unsigned char *p)
{
    uint32_t w[80];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (int i = 16; i < 80; i++)
        w[i] = rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);
    uint32_t a = s->h[0], b = s->h[1], c = s->h[2], d = s->h[3], e = s->h[4];
    for (int i = 0; i < 80; i++) {
        uint32_t f, k;
        if (i < 20) { f = (b & c) | (~b & d); k = 0x5a827999; }
        else if (i < 40) { f = b ^ c ^ d; k = 0x6ed9eba1; }
        else if (i < 60) { f = (b & c) | (b & d) | (c & d); k = 0x8f1bbcdc; }
        else { f = b ^ c ^ d; k = 0xca62c1d6; }
        uint32_t t = rol(a, 5) + f + e + k + w[i];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = t;
    }
    s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d; s->h[4] += e;
}

static void sha1_digest(const unsigned char *data, size_t n, unsigned char out[20])
{
    sha1 s = {{0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476, 0xc3d2e1f0}, {0}, 0};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        sha1_block(&s, data + i);
    unsigned char last[128] = {0};
    size_t r = n - i;
    memcpy(last, data + i, r);
    last[r] = 0x80;
    size_t total = r + 1 + 8 <= 64 ? 64 : 128;
    uint64_t bits = (uint64_t)n * 8;
    for (int k = 0; k < 8; k++)
        last[total - 1 - (size_t)k] = (unsigned char)(bits >> (8 * k));
    sha1_block(&s, last);
    if (total == 128)
        sha1_block(&s, last + 64);
    for (int k = 0; k < 5; k++) {
        out[4 * k] = (unsigned char)(s.h[k] >> 24);
        out[4 * k + 1] = (unsigned char)(s.h[k] >> 16);
        out[4 * k + 2] = (unsigned char)(s.h[k] >> 8);
        out[4 * k + 3] = (unsigned char)s.h[k];
    }
}

/* vigil's UUIDv5 namespace (a random UUID fixed once). */
static const unsigned char NAMESPACE[16] = {0x6f, 0x0f, 0x1b, 0x3a, 0x5d, 0x4e, 0x4c, 0x59,
                                            0x9a, 0x39, 0x1d, 0x5c, 0x2b, 0x7e, 0x8a, 0x41};

/* "type--uuid5(name)" into out[64]. */
static void stix_id(const char *type, const char *name, char *out, size_t cap)
{
    size_t n = strlen(name);
    unsigned char *buf = malloc(16 + n);
    unsigned char h[20];
    if (!buf) {
        snprintf(out, cap, "%s--00000000-0000-5000-8000-000000000000", type);
        return;
    }
    memcpy(buf, NAMESPACE, 16);
    memcpy(buf + 16, name, n);
    sha1_digest(buf, 16 + n, h);
    free(buf);
    h[6] = (unsigned char)((h[6] & 0x0f) | 0x50);
    h[8] = (unsigned char)((h[8] & 0x3f) | 0x80);
    snprintf(out, cap,
             "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
             h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8], h[9], h[10], h[11], h[12],
             h[13], h[14], h[15]);
}

static const struct {
    const char *name, *id, *level;
} tlps[] = {
    {"TLP:CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"},
    {"TLP:GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"},
    {"TLP:AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"},
    {"TLP:AMBER+STRICT", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
     "amber+strict"},
    {"TLP:RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"},
};
#define TLP_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

int vigil_tlp_index(const char *name)
{
    if (!name)
        return 3;
    for (int i = 0; i < 5; i++)
        if (strcasecmp(name, tlps[i].name) == 0 || strcasecmp(name, tlps[i].name + 4) == 0)
            return i;
    return -1;
}

/* "2026-11-29T18:49:47Z" -> "2026-11-29T18:49:47.000Z" (STIX timestamps carry milliseconds). */
static json_t *stix_time(const char *iso)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.19s.000Z", iso ? iso : "1970-01-01T00:00:00");
    return json_string(buf);
}

static json_t *common(const char *type, const char *id, const char *created,
                      const char *modified, const char *creator, const char *marking)
{
    json_t *o = json_object();
    json_object_set_new(o, "type", json_string(type));
    json_object_set_new(o, "spec_version", json_string("2.1"));
    json_object_set_new(o, "id", json_string(id));
    json_object_set_new(o, "created", stix_time(created));
    json_object_set_new(o, "modified", stix_time(modified));
    if (creator)
        json_object_set_new(o, "created_by_ref", json_string(creator));
    json_object_set_new(o, "object_marking_refs", json_pack("[s]", marking));
    return o;
}

/* A STIX pattern string literal: quotes and backslashes escaped. */
static void pattern_quote(const char *s, char *out, size_t cap)
{
    size_t k = 0;
    for (; *s && k + 3 < cap; s++) {
        if (*s == '\'' || *s == '\\')
            out[k++] = '\\';
        out[k++] = *s;
    }
    out[k] = '\0';
}

static vigil_status stix(json_t *alerts, int tlp, const char *now_iso, vigil_buf *out)
{
    json_t *objects = json_array();
    const char *marking = tlps[tlp].id;
    json_t *md = json_pack("{s:s,s:s,s:s,s:s,s:s,s:{s:{s:s,s:s}}}", "type", "marking-definition",
                           "spec_version", "2.1", "id", marking, "created",
                           "2022-10-01T00:00:00.000Z", "name", tlps[tlp].name, "extensions",
                           TLP_EXTENSION, "extension_type", "property-extension", "tlp_2_0",
                           tlps[tlp].level);
    json_array_append_new(objects, md);
    char producer[96];
    stix_id("identity", "producer:vigil", producer, sizeof producer);
    json_t *p = common("identity", producer, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
                       NULL, marking);
    json_object_set_new(p, "name", json_string("vigil"));
    json_object_set_new(p, "identity_class", json_string("system"));
    json_array_append_new(objects, p);
    json_t *refs = json_array(), *seen_people = json_object();
    json_t *a;
    size_t i;
    char report_name[64] = "report";
    crypto_generichash_state hs;
    crypto_generichash_init(&hs, NULL, 0, 16);
    json_array_foreach(alerts, i, a)
    {
        const char *first = json_string_value(json_object_get(a, "first_seen"));
        const char *last = json_string_value(json_object_get(a, "last_seen"));
        const char *fp = json_string_value(json_object_get(a, "fingerprint"));
        const char *sha = json_string_value(json_object_get(a, "sha256"));
        char key[160];
        snprintf(key, sizeof key, "alert:%s", fp ? fp : sha ? sha : "?");
        crypto_generichash_update(&hs, (const unsigned char *)key, strlen(key));
        json_t *person_refs = json_array();
        json_t *pv;
        size_t k;
        json_array_foreach(json_object_get(a, "people"), k, pv)
        {
            const char *person = json_string_value(pv);
            char pname[160], pid[96];
            snprintf(pname, sizeof pname, "person:%s", person);
            stix_id("identity", pname, pid, sizeof pid);
            json_array_append_new(person_refs, json_string(pid));
            if (!json_object_get(seen_people, pid)) {
                json_t *ident = common("identity", pid, first, first, producer, marking);
                json_object_set_new(ident, "name", json_string(person));
                json_object_set_new(ident, "identity_class", json_string("individual"));
                json_object_set_new(ident, "description",
                                    json_string("A protected person, by the opaque id under "
                                                "which they are enrolled."));
                json_array_append_new(objects, ident);
                json_array_append_new(refs, json_string(pid));
                json_object_set_new(seen_people, pid, json_true());
            }
        }
        char ind[96], note[96];
        stix_id("indicator", key, ind, sizeof ind);
        char nname[200];
        snprintf(nname, sizeof nname, "note:%s", key);
        stix_id("note", nname, note, sizeof note);
        json_t *o = common("indicator", ind, first, last, producer, marking);
        char pattern[2400], q[2048];
        const char *url = json_string_value(json_object_get(a, "url"));
        int n = snprintf(pattern, sizeof pattern, "[artifact:hashes.'SHA-256' = '%s']",
                         sha ? sha : "");
        if (url && *url && n > 0 && (size_t)n < sizeof pattern) {
            pattern_quote(url, q, sizeof q);
            snprintf(pattern + n, sizeof pattern - (size_t)n, " OR [url:value = '%s']", q);
        }
        const char *sev = json_string_value(json_object_get(a, "severity"));
        char title[256], labels[200] = "";
        json_t *lv;
        json_array_foreach(json_object_get(a, "labels"), k, lv)
        {
            if (strlen(labels) + strlen(json_string_value(lv)) + 3 < sizeof labels) {
                strcat(labels, labels[0] ? ", " : "");
                strcat(labels, json_string_value(lv));
            }
        }
        snprintf(title, sizeof title, "vigil alert %lld: %s%s%s",
                 (long long)json_integer_value(json_object_get(a, "id")), sev,
                 labels[0] ? ", " : "", labels);
        json_object_set_new(o, "name", json_string(title));
        json_object_set_new(o, "indicator_types", json_pack("[s]", "malicious-activity"));
        json_object_set_new(o, "pattern", json_string(pattern));
        json_object_set_new(o, "pattern_type", json_string("stix"));
        json_object_set_new(o, "valid_from", stix_time(first));
        json_array_append_new(objects, o);
        json_array_append_new(refs, json_string(ind));
        /* the note says what was found, by kind and opaque id only */
        char content[1024];
        char people[300] = "";
        json_array_foreach(json_object_get(a, "people"), k, pv)
        {
            if (strlen(people) + strlen(json_string_value(pv)) + 3 < sizeof people) {
                strcat(people, people[0] ? ", " : "");
                strcat(people, json_string_value(pv));
            }
        }
        snprintf(content, sizeof content,
                 "Severity %s (score %.3f), status %s. Protected people exposed or targeted: "
                 "%s. Threat labels: %s. Seen %lld time(s) from %lld source(s) between %s and "
                 "%s.",
                 sev, json_real_value(json_object_get(a, "score")),
                 json_string_value(json_object_get(a, "status")), people[0] ? people : "none",
                 labels[0] ? labels : "none",
                 (long long)json_integer_value(json_object_get(a, "sightings")),
                 (long long)json_integer_value(json_object_get(a, "sources")), first, last);
        json_t *nt = common("note", note, first, last, producer, marking);
        json_object_set_new(nt, "abstract", json_string(title));
        json_object_set_new(nt, "content", json_string(content));
        json_t *orefs = json_pack("[s]", ind);
        json_array_extend(orefs, person_refs);
        json_object_set_new(nt, "object_refs", orefs);
        json_array_append_new(objects, nt);
        json_array_append_new(refs, json_string(note));
        json_decref(person_refs);
    }
    unsigned char digest[16];
    crypto_generichash_final(&hs, digest, sizeof digest);
    int rn = snprintf(report_name, sizeof report_name, "report:");
    for (int k = 0; k < 16 && rn > 0; k++)
        snprintf(report_name + rn + 2 * k, sizeof report_name - (size_t)rn - 2 * (size_t)k,
                 "%02x", digest[k]);
    char report[96], bundle[96];
    stix_id("report", report_name, report, sizeof report);
    char bname[140];
    snprintf(bname, sizeof bname, "bundle:%s", report);
    stix_id("bundle", bname, bundle, sizeof bundle);
    json_array_append_new(refs, json_string(producer));
    json_t *r = common("report", report, now_iso, now_iso, producer, marking);
    json_object_set_new(r, "name", json_string("vigil: doxxing and threats against protected "
                                               "people"));
    json_object_set_new(r, "report_types", json_pack("[s]", "threat-report"));
    json_object_set_new(r, "published", stix_time(now_iso));
    json_object_set_new(r, "object_refs", refs);
    json_array_append_new(objects, r);
    json_decref(seen_people);
    json_t *b = json_pack("{s:s,s:s,s:o}", "type", "bundle", "id", bundle, "objects", objects);
    char *s = json_dumps(b, JSON_INDENT(1));
    json_decref(b);
    if (!s)
        return VIGIL_ERR_NOMEM;
    vigil_status st = vigil_buf_append(out, s, strlen(s));
    free(s);
    return st ? st : vigil_buf_append(out, "\n", 1);
}

static vigil_status csv_field(vigil_buf *out, const char *s, bool last)
{
    vigil_status st = vigil_buf_append(out, "\"", 1);
    for (; !st && s && *s; s++)
        st = *s == '"' ? vigil_buf_append(out, "\"\"", 2) : vigil_buf_append(out, s, 1);
    if (!st)
        st = vigil_buf_append(out, last ? "\"\r\n" : "\",", last ? 3 : 2);
    return st;
}

static void join(json_t *arr, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (json_is_string(v) && strlen(out) + strlen(json_string_value(v)) + 2 < cap) {
            if (out[0])
                strcat(out, ";");
            strcat(out, json_string_value(v));
        }
    }
}

vigil_status vigil_store_export(vigil_store *s, vigil_export_format format, int64_t since,
                                const char *tlp, vigil_buf *out)
{
    int t = vigil_tlp_index(tlp);
    if (t < 0) {
        snprintf(s->errmsg, sizeof s->errmsg, "--tlp: '%s' is not one of CLEAR, GREEN, AMBER, "
                 "AMBER+STRICT, RED", tlp);
        return VIGIL_ERR_ARG;
    }
    vigil_alert_filter f = {.status = -1, .min_severity = 0, .since = since};
    json_t *alerts = json_array();
    if (!alerts)
        return VIGIL_ERR_NOMEM;
    vigil_status st = vigil_store_alert_rows(s, &f, alerts);
    if (st) {
        json_decref(alerts);
        return st;
    }
    if (format == VIGIL_EXPORT_JSONL) {
        json_t *a;
        size_t i;
        json_array_foreach(alerts, i, a)
        {
            if (st)
                break;
            st = vigil_store_append_json(out, json_incref(a));
        }
    } else if (format == VIGIL_EXPORT_CSV) {
        static const char *const cols[] = {"id", "severity", "score", "status", "first_seen",
                                           "last_seen", "sightings", "sources", "people",
                                           "labels", "bounty", "fingerprint", "sha256", "doc",
                                           "source", "url"};
        const size_t ncols = sizeof cols / sizeof *cols;
        for (size_t c = 0; c < ncols && !st; c++)
            st = csv_field(out, cols[c], c + 1 == ncols);
        json_t *a;
        size_t i;
        json_array_foreach(alerts, i, a)
        {
            for (size_t c = 0; c < ncols && !st; c++) {
                json_t *v = json_object_get(a, cols[c]);
                char buf[512] = "";
                if (json_is_string(v))
                    snprintf(buf, sizeof buf, "%s", json_string_value(v));
                else if (json_is_integer(v))
                    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
                else if (json_is_real(v))
                    snprintf(buf, sizeof buf, "%.3f", json_real_value(v));
                else if (json_is_array(v))
                    join(v, buf, sizeof buf);
                st = csv_field(out, buf, c + 1 == ncols);
            }
        }
    } else {
        time_t now = time(NULL);
        struct tm tm;
        char iso[32];
        gmtime_r(&now, &tm);
        strftime(iso, sizeof iso, "%Y-%m-%dT%H:%M:%SZ", &tm);
        st = stix(alerts, t, iso, out);
    }
    json_decref(alerts);
    return st;
}
