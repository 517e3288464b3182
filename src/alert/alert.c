/*
 * Alerts: the stable fingerprint of a finding and its renderings (JSON Lines, text table).
 *
 * The fingerprint identifies *what* was exposed, not where: a keyed BLAKE2b over the people's
 * opaque ids, the kinds that counted and the sorted fingerprints of the identifiers matched. The
 * same dox reposted on another site, with other surrounding text, gets the same fingerprint;
 * without the vault key it reveals nothing about the identifiers.
 */
#include "../internal.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

/* Appends a string literal (its length is known at compile time). */
#define LIT(o, s) vigil_buf_append((o), (s), sizeof(s) - 1)

vigil_status vigil_fingerprint(const vigil_keys *k, const char *const *ids, const unsigned *masks,
                               const uint64_t *const *fps, const size_t *nfps, size_t npeople,
                               char out[33])
{
    crypto_generichash_state st;
    unsigned char h[16];
    if (crypto_generichash_init(&st, k->finger, sizeof k->finger, sizeof h) != 0)
        return VIGIL_ERR_CRYPTO;
    for (size_t i = 0; i < npeople; i++) {
        uint32_t m = masks[i];
        crypto_generichash_update(&st, (const unsigned char *)ids[i], strlen(ids[i]) + 1);
        crypto_generichash_update(&st, (const unsigned char *)&m, sizeof m);
        uint64_t prev = 0;
        for (size_t j = 0; j < nfps[i]; j++) {
            if (j && fps[i][j] == prev)
                continue;
            prev = fps[i][j];
            crypto_generichash_update(&st, (const unsigned char *)&prev, sizeof prev);
        }
    }
    crypto_generichash_final(&st, h, sizeof h);
    sodium_bin2hex(out, 33, h, sizeof h);
    return VIGIL_OK;
}

/* Appends a NUL-terminated string as it is (a name from a fixed table: no escapes needed). */
static vigil_status str(vigil_buf *o, const char *s)
{
    return vigil_buf_append(o, s, strlen(s));
}

/* Appends "NAME" to a JSON array, after a comma unless it is the first item. */
static vigil_status name_item(vigil_buf *o, bool first, const char *name)
{
    vigil_status st = first ? LIT(o, "\"") : LIT(o, ",\"");
    if (!st) st = str(o, name);
    return st ? st : LIT(o, "\"");
}

/* Appends v in decimal. Written out: a document naming a common name reports hundreds of
 * people, two offsets each, and vsnprintf was a sixth of `vigil scan` with 1M people. */
static vigil_status uint_dec(vigil_buf *o, size_t v)
{
    char d[24];
    size_t n = sizeof d;
    do {
        d[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return vigil_buf_append(o, d + n, sizeof d - n);
}

static vigil_status opt_field(vigil_buf *o, const char *name, const char *value)
{
    if (!value)
        return VIGIL_OK;
    vigil_status st = vigil_buf_printf(o, ",\"%s\":", name);
    return st ? st : vigil_buf_json_string(o, value, strlen(value));
}

/* A span; one found in decoded content (base64, percent-encoding...) is reported at the
 * encoded run of the document it came from, with the encodings named. */
/* {"KEY":"KIND","start":S,"end":E} (no KEY when key is NULL; "weight" after the span unless
 * weight is NAN), with the span in the document's own bytes and its encoding. */
static vigil_status span_json(vigil_buf *o, bool first, const char *key, const char *kind,
                              size_t start, size_t end, double weight, const vigil_doc *doc)
{
    const char *enc = NULL;
    if (doc && doc->prepared)
        vigil_text_source(doc->prepared, &start, &end, &enc);
    vigil_status st = first ? LIT(o, "{") : LIT(o, ",{");
    if (!st && key) {
        st = LIT(o, "\"");
        if (!st) st = str(o, key);
        if (!st) st = LIT(o, "\":\"");
        if (!st) st = str(o, kind);
        if (!st) st = LIT(o, "\",");
    }
    if (!st) st = LIT(o, "\"start\":");
    if (!st) st = uint_dec(o, start);
    if (!st) st = LIT(o, ",\"end\":");
    if (!st) st = uint_dec(o, end);
    if (!st && !isnan(weight))
        st = vigil_buf_printf(o, ",\"weight\":%.3f", weight);
    if (!st && enc)
        st = vigil_buf_printf(o, ",\"encoding\":\"%s\"", enc);
    if (!st)
        st = LIT(o, "}");
    return st;
}

static vigil_status threat_json(const vigil_threat *t, int explain, const vigil_doc *doc,
                                vigil_buf *o)
{
    vigil_status st = vigil_buf_printf(o, ",\"threat\":{\"score\":%.3f,\"labels\":[", t->score);
    int first = 1;
    for (unsigned k = 0; !st && k < VIGIL_LABEL_COUNT; k++)
        if (t->labels & (1u << k)) {
            st = name_item(o, first, vigil_label_name(k));
            first = 0;
        }
    if (!st) st = LIT(o, "],\"spans\":[");
    for (size_t i = 0; !st && i < t->nspans; i++)
        st = span_json(o, i == 0, "label", vigil_label_name(t->spans[i].label),
                       t->spans[i].start, t->spans[i].end, NAN, doc);
    if (!st) st = LIT(o, "]");
    if (!st && t->has_bounty)
        /* whole amounts as before; a fraction (0.5 BTC) as it is */
        st = vigil_buf_printf(o, t->amount == floor(t->amount)
                                     ? ",\"bounty\":{\"amount\":%.0f,\"currency\":\"%s\"}"
                                     : ",\"bounty\":{\"amount\":%.10g,\"currency\":\"%s\"}",
                              t->amount, t->currency);
    if (!st && explain) {
        st = LIT(o, ",\"explain\":[");
        for (size_t i = 0; !st && i < t->nexplain; i++) {
            const vigil_explain *x = &t->explain[i];
            st = vigil_buf_printf(o, "%s{\"rule_line\":%u,\"label\":\"%s\",\"weight\":%.3f",
                                  i ? "," : "", x->line, vigil_label_name(x->label), x->weight);
            if (!st && x->modifier)
                st = vigil_buf_printf(o, ",\"context\":\"%s\"", x->modifier);
            if (!st && x->nfeatures) {
                st = LIT(o, ",\"words\":[");
                for (size_t k = 0; !st && k < x->nfeatures; k++)
                    st = span_json(o, k == 0, NULL, NULL, x->features[k].start,
                                   x->features[k].end, x->features[k].weight, doc);
                if (!st) st = LIT(o, "]");
            }
            if (!st) st = LIT(o, "}");
        }
        if (!st) st = LIT(o, "]");
    }
    if (!st) st = LIT(o, "}");
    return st;
}

vigil_status vigil_result_json(const vigil_result *r, const vigil_doc *doc, int explain,
                               vigil_buf *o)
{
    vigil_status st = LIT(o, "{\"doc\":");
    const char *id = doc && doc->id ? doc->id : "-";
    if (!st) st = vigil_buf_json_string(o, id, strlen(id));
    if (!st) st = vigil_buf_printf(o, ",\"severity\":\"%s\",\"score\":%.3f,\"people\":[",
                                   vigil_severity_name(r->severity), r->score);
    for (size_t i = 0; !st && i < r->npeople; i++) {
        const vigil_person_hit *p = &r->people[i];
        st = i ? LIT(o, ",{\"person\":") : LIT(o, "{\"person\":");
        if (!st) st = vigil_buf_json_string(o, p->person, strlen(p->person));
        if (!st) st = LIT(o, ",\"matched\":[");
        int first = 1;
        for (unsigned k = 0; !st && k < VIGIL_KIND_COUNT; k++)
            if (p->matched & (1u << k)) {
                st = name_item(o, first, vigil_kind_name(k));
                first = 0;
            }
        if (!st) st = LIT(o, "],\"spans\":[");
        for (size_t j = 0; !st && j < p->nspans; j++)
            st = span_json(o, j == 0, "kind", vigil_kind_name(p->spans[j].kind),
                           p->spans[j].start, p->spans[j].end, NAN, doc);
        if (!st) st = LIT(o, "]}");
    }
    if (!st) st = LIT(o, "],\"fingerprint\":");
    if (!st) st = r->fingerprint[0] ? vigil_buf_printf(o, "\"%s\"", r->fingerprint)
                                    : LIT(o, "null");
    if (!st) st = threat_json(&r->threat, explain, doc, o);
    if (!st) st = LIT(o, ",\"pii\":[");
    for (size_t i = 0; !st && i < r->npii; i++)
        st = span_json(o, i == 0, "kind", vigil_pii_kind_name(r->pii[i].kind), r->pii[i].start,
                       r->pii[i].end, NAN, doc);
    if (!st) st = LIT(o, "]");
    if (!st && doc) st = opt_field(o, "source", doc->source);
    if (!st && doc) st = opt_field(o, "url", doc->url);
    if (!st && doc) st = opt_field(o, "time", doc->time);
    if (!st && doc && doc->chunk)
        st = vigil_buf_printf(o, ",\"chunk\":{\"index\":%u,\"offset\":%llu}", doc->chunk,
                              (unsigned long long)doc->offset);
    if (!st) st = LIT(o, "}\n");
    return st;
}

/* Document ids are printed as they are, with control characters replaced, so a hostile file
 * name cannot write escape sequences to an analyst's terminal. */
static vigil_status safe_text(vigil_buf *o, const char *s)
{
    vigil_status st = VIGIL_OK;
    for (; *s && !st; s++) {
        unsigned char c = (unsigned char)*s;
        char ch = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
        st = vigil_buf_append(o, &ch, 1);
    }
    return st;
}

static vigil_status chunk_text(vigil_buf *o, const vigil_doc *doc)
{
    if (!doc || !doc->chunk)
        return VIGIL_OK;
    return vigil_buf_printf(o, " (chunk %u at byte %llu)", doc->chunk,
                            (unsigned long long)doc->offset);
}

vigil_status vigil_result_text(const vigil_result *r, const vigil_doc *doc, vigil_buf *o)
{
    const char *id = doc && doc->id ? doc->id : "-";
    vigil_status st = VIGIL_OK;
    char labels[96] = "";
    for (unsigned k = 0; k < VIGIL_LABEL_COUNT; k++)
        if (r->threat.labels & (1u << k)) {
            strcat(labels, labels[0] ? "," : "+");
            strcat(labels, vigil_label_name(k));
        }
    if (r->npeople == 0) {
        st = vigil_buf_printf(o, "%-8s %5.3f  %-8s  %-28s  ", vigil_severity_name(r->severity),
                              r->score, "-", labels[0] ? labels : "-");
        if (!st) st = safe_text(o, id);
        if (!st) st = chunk_text(o, doc);
        if (!st) st = LIT(o, "\n");
        return st;
    }
    for (size_t i = 0; !st && i < r->npeople; i++) {
        const vigil_person_hit *p = &r->people[i];
        char kinds[256] = "";
        for (unsigned k = 0; k < VIGIL_KIND_COUNT; k++)
            if (p->matched & (1u << k)) {
                if (kinds[0])
                    strcat(kinds, ",");
                strcat(kinds, vigil_kind_name(k));
            }
        strcat(kinds, labels);
        st = vigil_buf_printf(o, "%-8s %5.3f  ", vigil_severity_name(r->severity), r->score);
        if (!st) st = safe_text(o, p->person);
        if (!st) st = vigil_buf_printf(o, "%*s  %-28s  ",
                                       (int)(strlen(p->person) < 8 ? 8 - strlen(p->person) : 0),
                                       "", kinds);
        if (!st) st = safe_text(o, id);
        if (!st) st = chunk_text(o, doc);
        if (!st) st = LIT(o, "\n");
    }
    return st;
}
