/* The store's internals, shared by its files. */
#ifndef VIGIL_STORE_INT_H
#define VIGIL_STORE_INT_H

#include "../internal.h"

#include <limits.h>
#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>
#include <stdbool.h>

struct vigil_store {
    sqlite3 *db;
    vigil_vault *vault;
    const vigil_keys *keys;
    char path[PATH_MAX];
    char errmsg[PATH_MAX + 2048];
    bool in_tx;
    unsigned campaign_sources, campaign_hours;
#define STORE_CACHE 64
    const char *cached_sql[STORE_CACHE];
    sqlite3_stmt *cached[STORE_CACHE];
    size_t ncached;
};

vigil_status vigil_store_fail(vigil_store *s, const char *what);
int vigil_store_exec(vigil_store *s, const char *sql);
sqlite3_stmt *vigil_store_prepare(vigil_store *s, const char *sql);
/* Done with a statement from vigil_store_prepare (kept for reuse, or finalized). */
void vigil_store_release(vigil_store *s, sqlite3_stmt *st);
void vigil_store_sha256(const char *data, size_t n, char out[65]);
void vigil_store_hex(const unsigned char *b, size_t n, char *out);
/* "2026-11-29T18:49:47Z" as a JSON string. */
json_t *vigil_store_iso_time(int64_t t);
/* Appends o (taking its reference) as one compact JSON line. */
vigil_status vigil_store_append_json(vigil_buf *out, json_t *o);
/* Decrypts a stored text (NUL-terminated copy, to free), NULL when it does not authenticate. */
char *vigil_store_open_text(const vigil_store *s, const void *blob, size_t n, const char *sha,
                            size_t *outlen);

/* campaign.c: SQL functions, and the campaign of a recorded document (new_doc: its signature
 * is computed from text and it joins or starts a campaign); escalates when the rule says so. */
void vigil_store_register_functions(vigil_store *s);
vigil_status vigil_store_campaign(vigil_store *s, int64_t doc, bool new_doc, const char *text,
                                  size_t len, const char *url, const char *source, int64_t now);

/* query.c: the alerts a filter selects, as JSON objects appended to rows. */
vigil_status vigil_store_alert_rows(vigil_store *s, const vigil_alert_filter *f, json_t *rows);

/* export.c: index of a TLP 2.0 level by name (NULL: AMBER+STRICT), -1 when unknown. */
int vigil_tlp_index(const char *name);

#endif
