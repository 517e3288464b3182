/*
 * Evidence that holds up: an alert's document exported as the original bytes, the extracted
 * text and capture metadata (ids, source, url, times, sightings, the alert itself, SHA-256 of
 * both files, the signing key), with a detached Ed25519 signature over the metadata made with
 * the vault's signing key (derived from the vault key, so only a vault holder can sign).
 * Verification needs no vault: it checks the signature with the key named in the metadata and
 * every hash; with the vault it also checks that the key is the vault's.
 */
#include "store_int.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void sign_keys(const vigil_keys *k, unsigned char pk[crypto_sign_PUBLICKEYBYTES],
                      unsigned char *sk)
{
    crypto_sign_seed_keypair(pk, sk, k->sign_seed);
}

static vigil_status write_file(const char *dir, const char *name, const void *data, size_t n,
                               char *err, size_t errlen)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        vigil_errf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
        return VIGIL_ERR_IO;
    }
    const char *p = data;
    size_t left = n;
    while (left) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            vigil_errf(err, errlen, "%s: write failed: %s", path, strerror(errno));
            close(fd);
            return VIGIL_ERR_IO;
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        vigil_errf(err, errlen, "%s: write failed: %s", path, strerror(errno));
        return VIGIL_ERR_IO;
    }
    return VIGIL_OK;
}

vigil_status vigil_evidence_export(vigil_store *s, int64_t alert, const char *dir,
                                   const char *actor, char *err, size_t errlen)
{
    sqlite3_stmt *st = vigil_store_prepare(
        s, "SELECT d.sha256, d.original, d.scanned, d.doc_id, d.source, d.url, d.time, "
           "d.first_seen, d.last_seen, a.result, a.fingerprint FROM alerts a "
           "JOIN documents d ON d.id = a.document WHERE a.id = ?");
    if (!st) {
        vigil_errf(err, errlen, "%s", s->errmsg);
        return VIGIL_ERR_IO;
    }
    sqlite3_bind_int64(st, 1, alert);
    if (sqlite3_step(st) != SQLITE_ROW) {
        vigil_store_release(s, st);
        vigil_errf(err, errlen, "no alert %lld in %s", (long long)alert, s->path);
        return VIGIL_ERR_NOTFOUND;
    }
    const char *sha = (const char *)sqlite3_column_text(st, 0);
    size_t olen = 0, tlen = 0;
    char *orig = vigil_store_open_text(s, sqlite3_column_blob(st, 1),
                                       (size_t)sqlite3_column_bytes(st, 1), sha, &olen);
    char *text = vigil_store_open_text(s, sqlite3_column_blob(st, 2),
                                       (size_t)sqlite3_column_bytes(st, 2), sha, &tlen);
    vigil_status rc = VIGIL_OK;
    if (!orig || !text) {
        vigil_errf(err, errlen, "alert %lld: the stored document does not decrypt with this "
                   "vault's key", (long long)alert);
        rc = VIGIL_ERR_CRYPTO;
    }
    if (!rc && mkdir(dir, 0700) != 0 && errno != EEXIST) {
        vigil_errf(err, errlen, "%s: cannot create: %s", dir, strerror(errno));
        rc = VIGIL_ERR_IO;
    }
    char osha[65], tsha[65];
    json_t *meta = NULL;
    if (!rc) {
        vigil_store_sha256(orig, olen, osha);
        vigil_store_sha256(text, tlen, tsha);
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        if (!sk) {
            rc = VIGIL_ERR_NOMEM;
        } else {
            sign_keys(s->keys, pk, sk);
            char pkhex[2 * crypto_sign_PUBLICKEYBYTES + 1];
            vigil_store_hex(pk, sizeof pk, pkhex);
            time_t now = time(NULL);
            char ts[32];
            struct tm tm;
            gmtime_r(&now, &tm);
            strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
            json_t *result = json_loads((const char *)sqlite3_column_text(st, 9), 0, NULL);
            char head[128] = "";
            if (vigil_store_audit_head(s, head, sizeof head) != VIGIL_OK)
                head[0] = '\0';
            meta = json_pack("{s:i,s:I,s:s,s:{s:s,s:I},s:{s:s,s:I},s:s?,s:s?,s:s?,s:s?,s:I,s:I,"
                             "s:o,s:s,s:s,s:s,s:s}",
                             "vigil_evidence", 1, "alert", (json_int_t)alert, "document_sha256",
                             sha, "original", "sha256", osha, "bytes", (json_int_t)olen, "text",
                             "sha256", tsha, "bytes", (json_int_t)tlen, "doc",
                             (const char *)sqlite3_column_text(st, 3), "source",
                             (const char *)sqlite3_column_text(st, 4), "url",
                             (const char *)sqlite3_column_text(st, 5), "time",
                             (const char *)sqlite3_column_text(st, 6), "first_seen",
                             (json_int_t)sqlite3_column_int64(st, 7), "last_seen",
                             (json_int_t)sqlite3_column_int64(st, 8), "alert_result",
                             result ? result : json_null(), "exported", ts, "signing_key", pkhex,
                             "vigil_version", VIGIL_VERSION, "audit_head", head);
            char *m = meta ? json_dumps(meta, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
            if (!m) {
                rc = VIGIL_ERR_NOMEM;
            } else {
                unsigned char sig[crypto_sign_BYTES];
                crypto_sign_detached(sig, NULL, (const unsigned char *)m, strlen(m), sk);
                rc = write_file(dir, "original.bin", orig, olen, err, errlen);
                if (!rc)
                    rc = write_file(dir, "text.txt", text, tlen, err, errlen);
                if (!rc)
                    rc = write_file(dir, "metadata.json", m, strlen(m), err, errlen);
                if (!rc)
                    rc = write_file(dir, "metadata.json.sig", sig, sizeof sig, err, errlen);
                free(m);
            }
            sodium_free(sk);
        }
    }
    json_decref(meta);
    vigil_store_release(s, st);
    free(orig);
    free(text);
    if (!rc) {
        char target[32];
        snprintf(target, sizeof target, "alert:%lld", (long long)alert);
        rc = vigil_store_audit(s, actor, "evidence.export", target, dir);
        if (rc)
            vigil_errf(err, errlen, "%s", s->errmsg);
    }
    return rc;
}

static int unhex(const char *h, unsigned char *out, size_t n)
{
    if (!h || strlen(h) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v = 0;
        for (int k = 0; k < 2; k++) {
            char c = h[2 * i + (size_t)k];
            v <<= 4;
            if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
            else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
            else return -1;
        }
        out[i] = (unsigned char)v;
    }
    return 0;
}

vigil_status vigil_evidence_check(const char *metadata, size_t metadata_len,
                                  const unsigned char *sig, size_t sig_len, const char *original,
                                  size_t original_len, const char *text, size_t text_len,
                                  char key_hex[65], char *err, size_t errlen)
{
    key_hex[0] = '\0';
    json_error_t jerr;
    json_t *m = json_loadb(metadata, metadata_len, 0, &jerr);
    if (!json_is_object(m)) {
        json_decref(m);
        vigil_errf(err, errlen, "metadata.json: not a JSON object (line %d, column %d)",
                   jerr.line, jerr.column);
        return VIGIL_ERR_PARSE;
    }
    vigil_status rc = VIGIL_OK;
    const char *pkhex = json_string_value(json_object_get(m, "signing_key"));
    unsigned char pk[crypto_sign_PUBLICKEYBYTES];
    if (json_integer_value(json_object_get(m, "vigil_evidence")) != 1 ||
        unhex(pkhex, pk, sizeof pk) != 0) {
        vigil_errf(err, errlen, "metadata.json: not vigil evidence (version 1 with a "
                   "\"signing_key\")");
        rc = VIGIL_ERR_PARSE;
    }
    if (!rc) {
        snprintf(key_hex, 65, "%s", pkhex);
        if (sig_len != crypto_sign_BYTES ||
            crypto_sign_verify_detached(sig, (const unsigned char *)metadata, metadata_len,
                                        pk) != 0) {
            vigil_errf(err, errlen, "metadata.json.sig: the signature does not match "
                       "metadata.json: it was changed after export, or signed by another key");
            rc = VIGIL_ERR_CRYPTO;
        }
    }
    static const char *const files[2] = {"original", "text"};
    const char *data[2] = {original, text};
    size_t lens[2] = {original_len, text_len};
    for (int i = 0; i < 2 && !rc; i++) {
        json_t *f = json_object_get(m, files[i]);
        const char *want = json_string_value(json_object_get(f, "sha256"));
        char got[65];
        vigil_store_sha256(data[i] ? data[i] : "", lens[i], got);
        if (!want || strcmp(want, got) != 0 ||
            json_integer_value(json_object_get(f, "bytes")) != (json_int_t)lens[i]) {
            vigil_errf(err, errlen, "%s: its SHA-256 is not the one recorded in metadata.json: "
                       "the file was changed", i ? "text.txt" : "original.bin");
            rc = VIGIL_ERR_CRYPTO;
        }
    }
    json_decref(m);
    return rc;
}

vigil_status vigil_evidence_verify(const char *dir, const vigil_vault *vault, char key_hex[65],
                                   char *err, size_t errlen)
{
    static const char *const names[4] = {"metadata.json", "metadata.json.sig", "original.bin",
                                         "text.txt"};
    char *data[4] = {0};
    size_t lens[4] = {0};
    vigil_status rc = VIGIL_OK;
    for (int i = 0; i < 4 && !rc; i++) {
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = vigil_read_file(path, (size_t)1 << 31, &data[i], &lens[i], err, errlen);
    }
    if (!rc)
        rc = vigil_evidence_check(data[0], lens[0], (const unsigned char *)data[1], lens[1],
                                  data[2], lens[2], data[3], lens[3], key_hex, err, errlen);
    if (!rc && vault) {
        unsigned char pk[crypto_sign_PUBLICKEYBYTES];
        unsigned char *sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
        if (!sk) {
            rc = VIGIL_ERR_NOMEM;
        } else {
            sign_keys(vigil_vault_keys(vault), pk, sk);
            sodium_free(sk);
            char mine[65];
            vigil_store_hex(pk, sizeof pk, mine);
            if (strcmp(mine, key_hex) != 0) {
                vigil_errf(err, errlen, "the evidence is intact but was signed by key %s, not "
                           "by this vault's key %s", key_hex, mine);
                rc = VIGIL_ERR_CRYPTO;
            }
        }
    }
    for (int i = 0; i < 4; i++)
        free(data[i]);
    return rc;
}
