/* Unit tests for the vault: init, key checks, enrollment readers, replace, forget, index
 * integrity. */
#include "../../src/internal.h"
#include "../harness.h"
#include "../testutil.h"

#include <fcntl.h>
#include <sys/stat.h>

static char dir[64];

static size_t find_person(vigil_vault *v, const char *id)
{
    for (size_t i = 0; i < vigil_vault_person_count(v); i++) {
        vigil_person_info p;
        if (vigil_vault_person(v, i, &p) == VIGIL_OK && strcmp(p.id, id) == 0)
            return i;
    }
    return SIZE_MAX;
}

TEST(init_creates_private_key_and_refuses_twice)
{
    vigil_vault *v = temp_vault(dir);
    CHECK(v != NULL);
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/v/key", dir);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    CHECK_EQ_INT(sb.st_size, 32);
    snprintf(path, sizeof path, "%s/v", dir);
    CHECK(vigil_vault_init(path, err, sizeof err) == VIGIL_ERR_EXISTS);
    CHECK(strstr(err, "already exists") != NULL);
    CHECK_EQ_INT(vigil_vault_person_count(v), 0);
    vigil_vault_close(v);
    remove_tree(dir);
}

TEST(key_readable_by_others_is_refused)
{
    vigil_vault *v = temp_vault(dir);
    vigil_vault_close(v);
    char path[128], err[512];
    snprintf(path, sizeof path, "%s/v/key", dir);
    CHECK(chmod(path, 0644) == 0);
    snprintf(path, sizeof path, "%s/v", dir);
    vigil_vault *v2 = NULL;
    CHECK(vigil_vault_open(path, &v2, err, sizeof err) == VIGIL_ERR_KEY_PERMS);
    CHECK(v2 == NULL);
    CHECK(strstr(err, "chmod 600") != NULL);
    remove_tree(dir);
}

TEST(csv_rows_enrolled_and_bad_rows_reported_with_line)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    const char *csv = "id,name,phones,addresses,emails,plates,handles,relatives,country\n"
                      "A1,Ann Lee,555-201-3344,,,,,,US\n"
                      "A2,\"Lee, Bob\",,\"12 Elm St, Salem\",,,,,US\n"
                      "A3,Cy Wu,12,,,,,,US\n"                 /* phone too short */
                      "A4,Di Po,,,,,,\n"                      /* field count */
                      ",No Id,,,,,,,US\n"                     /* missing id */
                      "A5,Ed Ko,,,notanemail,,,,US\n"         /* bad e-mail */
                      "A6,Fay Oz,,,,,,,ZZ\n"                  /* unknown country */
                      "A7,Gus Li,,Elm Street,,,,,US\n";       /* address without number */
    CHECK(enroll_str(v, csv, &r) == VIGIL_ERR_PARTIAL);
    CHECK_EQ_INT(r.n, 6);
    CHECK(strstr(r.text, "test:4: phone 1 has 2 digits") != NULL);
    CHECK(strstr(r.text, "test:5: record has 8 fields, the header has 9") != NULL);
    CHECK(strstr(r.text, "test:6: missing id") != NULL);
    CHECK(strstr(r.text, "test:7: email 1 is not an e-mail") != NULL);
    CHECK(strstr(r.text, "test:8: unknown country") != NULL);
    CHECK(strstr(r.text, "test:9: address 1 has no house number") != NULL);
    /* messages never quote the values */
    CHECK(strstr(r.text, "Elm") == NULL && strstr(r.text, "notanemail") == NULL);
    CHECK_EQ_INT(vigil_vault_person_count(v), 2);
    size_t i = find_person(v, "A1");
    CHECK(i != SIZE_MAX);
    vigil_person_info p;
    CHECK(vigil_vault_person(v, i, &p) == VIGIL_OK);
    CHECK_EQ_INT(p.counts[VIGIL_KIND_PHONE], 1);
    CHECK(p.counts[VIGIL_KIND_NAME] > 2);
    vigil_vault_close(v);
    remove_tree(dir);
}

TEST(csv_header_and_quoting_errors)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    CHECK(enroll_str(v, "id,name,phone\nA,B C,5552013344\n", &r) == VIGIL_ERR_PARTIAL);
    CHECK(strstr(r.text, "unknown column 'phone'") != NULL);
    memset(&r, 0, sizeof r);
    CHECK(enroll_str(v, "name\nAnn Lee\n", &r) == VIGIL_ERR_PARTIAL);
    CHECK(strstr(r.text, "no 'id' column") != NULL);
    memset(&r, 0, sizeof r);
    CHECK(enroll_str(v, "id,name\nA,Ann Lee\nB,\"Bo Li\nC,Cy Wu\n", &r) == VIGIL_ERR_PARTIAL);
    CHECK(strstr(r.text, "test:3: unterminated quoted field") != NULL);
    CHECK_EQ_INT(vigil_vault_person_count(v), 1);
    memset(&r, 0, sizeof r);
    static const char nul[] = "id,name\nA,Ann\0Lee\nB,Bo Li\n";
    size_t ok, bad;
    CHECK(vigil_vault_enroll_buffer(v, "nul", nul, sizeof nul - 1, collect_reject, &r, &ok,
                                    &bad) == VIGIL_ERR_PARTIAL);
    CHECK(strstr(r.text, "nul:2: NUL byte") != NULL);
    CHECK_EQ_INT(ok, 1);
    vigil_vault_close(v);
    remove_tree(dir);
}

TEST(jsonl_records_and_errors)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    const char *jl =
        "{\"id\":\"J1\",\"names\":[\"Ann Lee\"],\"phones\":[\"+52 55 1234 5678\"],\"country\":\"MX\"}\n"
        "\n"
        "{\"id\":\"J2\",\"names\":\"Bo Li\",\"emails\":[\"bo@example.com\"]}\n"
        "{\"id\":\"J3\",\"names\":[\"Cy Wu\"],\"phone\":[\"1\"]}\n"
        "{\"id\":\"J4\",\"names\":[\"Di\n"
        "[1,2]\n"
        "{\"id\":\"J5\",\"names\":[42]}\n";
    CHECK(enroll_str(v, jl, &r) == VIGIL_ERR_PARTIAL);
    CHECK_EQ_INT(r.n, 4);
    CHECK(strstr(r.text, "test:4: unknown key 'phone'") != NULL);
    CHECK(strstr(r.text, "test:5: invalid JSON at column") != NULL);
    CHECK(strstr(r.text, "test:6: a record must be a JSON object") != NULL);
    CHECK(strstr(r.text, "test:7: name values must be strings") != NULL);
    CHECK_EQ_INT(vigil_vault_person_count(v), 2);
    vigil_vault_close(v);
    remove_tree(dir);
}

TEST(reenroll_replaces_and_forget_removes)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    CHECK(enroll_str(v, "id,name,phones\nA,Ann Lee,555-201-3344\nB,Bo Li,555-201-9999\n", &r) ==
          VIGIL_OK);
    vigil_person_info p;
    CHECK(vigil_vault_person(v, find_person(v, "A"), &p) == VIGIL_OK);
    CHECK_EQ_INT(p.counts[VIGIL_KIND_PHONE], 1);
    CHECK(enroll_str(v, "id,name\nA,Ann Lee\n", &r) == VIGIL_OK);
    CHECK_EQ_INT(vigil_vault_person_count(v), 2);
    CHECK(vigil_vault_person(v, find_person(v, "A"), &p) == VIGIL_OK);
    CHECK_EQ_INT(p.counts[VIGIL_KIND_PHONE], 0);
    /* the replaced phone no longer matches; B's still does */
    vigil_scanner *sc;
    const vigil_result *res;
    CHECK(vigil_scanner_create(v, &sc) == VIGIL_OK);
    CHECK(vigil_scan(sc, "call 555 201 3344", 17, &res) == VIGIL_OK);
    CHECK_EQ_INT(res->npeople, 0);
    CHECK(vigil_scan(sc, "call 555 201 9999", 17, &res) == VIGIL_OK);
    CHECK_EQ_INT(res->npeople, 1);
    vigil_scanner_destroy(sc);
    const char *ids[] = {"B", "nobody"};
    size_t removed = 9;
    CHECK(vigil_vault_forget(v, ids, 2, &removed) == VIGIL_OK);
    CHECK_EQ_INT(removed, 1);
    CHECK_EQ_INT(vigil_vault_person_count(v), 1);
    CHECK(vigil_scanner_create(v, &sc) == VIGIL_OK);
    CHECK(vigil_scan(sc, "call 555 201 9999", 17, &res) == VIGIL_OK);
    CHECK_EQ_INT(res->npeople, 0);
    vigil_scanner_destroy(sc);
    /* same id twice in one batch: the later row wins */
    CHECK(enroll_str(v, "id,name\nC,Cy Wu\nC,Di Po\n", &r) == VIGIL_OK);
    CHECK_EQ_INT(vigil_vault_person_count(v), 2);
    CHECK(vigil_scanner_create(v, &sc) == VIGIL_OK);
    CHECK(vigil_scan(sc, "Cy Wu", 5, &res) == VIGIL_OK);
    CHECK_EQ_INT(res->npeople, 0);
    CHECK(vigil_scan(sc, "Di Po", 5, &res) == VIGIL_OK);
    CHECK_EQ_INT(res->npeople, 1);
    vigil_scanner_destroy(sc);
    vigil_vault_close(v);
    remove_tree(dir);
}

/* Writes a mutated copy of the index and tries to load it. */
static vigil_status load_mutated(const char *vdir, long flip_at, long truncate_to, char *err)
{
    char path[128], copy[128];
    snprintf(path, sizeof path, "%s/index", vdir);
    snprintf(copy, sizeof copy, "%s/index.copy", vdir);
    char *data;
    size_t len;
    if (vigil_read_file(path, 1 << 30, &data, &len, err, 512) != VIGIL_OK)
        return VIGIL_ERR_IO;
    if (flip_at >= 0)
        data[flip_at < (long)len ? flip_at : (long)len - 1] ^= 0x40;
    if (truncate_to >= 0)
        len = (size_t)truncate_to;
    FILE *f = fopen(copy, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    free(data);
    vigil_keys dummy;
    memset(&dummy, 0, sizeof dummy);
    vigil_index *ix = NULL;
    vigil_status st = vigil_index_load(copy, &dummy, &ix, err, 512);
    vigil_index_free(ix);
    return st;
}

TEST(corrupt_or_truncated_index_is_refused)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    CHECK(enroll_str(v, "id,name,phones\nA,Ann Lee,555-201-3344\n", &r) == VIGIL_OK);
    vigil_vault_close(v);
    char vdir[96], err[512];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    CHECK(load_mutated(vdir, 300, -1, err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "body checksum mismatch") != NULL);
    CHECK(load_mutated(vdir, 20, -1, err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "header checksum") != NULL);
    CHECK(load_mutated(vdir, 0, -1, err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "not a vigil index") != NULL);
    CHECK(load_mutated(vdir, -1, 200, err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "truncated") != NULL);
    CHECK(load_mutated(vdir, -1, 10, err) == VIGIL_ERR_CORRUPT);
    CHECK(load_mutated(vdir, -1, 0, err) == VIGIL_ERR_CORRUPT);
    /* intact, but another key */
    CHECK(load_mutated(vdir, -1, -1, err) == VIGIL_ERR_CRYPTO);
    CHECK(strstr(err, "not made with this vault's key") != NULL);
    remove_tree(dir);
}

/* The severity of the scan of text on a fresh scanner of v. */
static vigil_severity scan_sev(vigil_vault *v, const char *text)
{
    vigil_scanner *sc;
    const vigil_result *res;
    vigil_severity sev = VIGIL_SEV_INFO;
    if (vigil_scanner_create(v, &sc) == VIGIL_OK && vigil_scan(sc, text, strlen(text), &res) == VIGIL_OK)
        sev = res->severity;
    vigil_scanner_destroy(sc);
    return sev;
}

/* The second-token filter bits of word w (canonical) in v's index. */
static uint64_t seconds_of(vigil_vault *v, const char *w)
{
    return vigil_index_first_lens(vigil_vault_index(v), vigil_hash_token(vigil_vault_keys(v), w,
                                                                         strlen(w))) &
           VIGIL_LENS_SECONDS;
}

/* Rewrites v's index as one written before the second-token filter (header flags 0; the seconds
 * section is left as unused bytes) and reopens v. */
static vigil_vault *as_old_index(vigil_vault *v)
{
    char vdir[96], path[128], err[512];
    snprintf(vdir, sizeof vdir, "%s/v", dir);
    snprintf(path, sizeof path, "%s/index", vdir);
    vigil_keys keys = *vigil_vault_keys(v);
    vigil_vault_close(v);
    char *data;
    size_t len;
    if (vigil_read_file(path, 1 << 30, &data, &len, err, sizeof err) != VIGIL_OK)
        return NULL;
    memset(data + 28, 0, 4); /* flags */
    vigil_index_seal(data, len, &keys);
    FILE *f = fopen(path, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    free(data);
    return vigil_vault_open(vdir, &v, err, sizeof err) == VIGIL_OK ? v : NULL;
}

/* A form of two or more tokens is probed only where its second token may be one (filter bits
 * per length); an index written before the filter, and one enrolled over such an index, must
 * still find every form (their entries do not know their second tokens). */
TEST(second_token_filter)
{
    vigil_vault *v = temp_vault(dir);
    rejects r = {0};
    const char *people = "id,name,phones\nA,Ann Lee,555-201-3344\nB,Bo Wu,555-201-9999\n";
    CHECK(enroll_str(v, people, &r) == VIGIL_OK);
    CHECK_EQ_INT(vigil_vault_index_outdated(v), 0);
    CHECK(seconds_of(v, "lee") & (1ull << (VIGIL_LENS_SECOND + 2)));
    CHECK_EQ_INT(seconds_of(v, "went"), 0);
    CHECK_EQ_INT(scan_sev(v, "ann   LEE at 555 201 3344"), VIGIL_SEV_HIGH);
    CHECK_EQ_INT(scan_sev(v, "Lee, Ann"), VIGIL_SEV_LOW);
    CHECK_EQ_INT(scan_sev(v, "ann went home"), VIGIL_SEV_INFO);
    /* written before the filter: every token may be a second one */
    v = as_old_index(v);
    CHECK(v != NULL);
    CHECK_EQ_INT(vigil_vault_index_outdated(v), 1);
    CHECK_EQ_INT(seconds_of(v, "went"), VIGIL_LENS_SECONDS);
    CHECK_EQ_INT(scan_sev(v, "ann lee at 555 201 3344"), VIGIL_SEV_HIGH);
    /* enrolled over it: A and B keep entries without second tokens, so no filter yet */
    CHECK(enroll_str(v, "id,name\nC,Cy Po\n", &r) == VIGIL_OK);
    CHECK_EQ_INT(vigil_vault_index_outdated(v), 1);
    CHECK_EQ_INT(seconds_of(v, "went"), VIGIL_LENS_SECONDS);
    CHECK_EQ_INT(scan_sev(v, "bo wu called"), VIGIL_SEV_LOW);
    CHECK_EQ_INT(scan_sev(v, "cy po called"), VIGIL_SEV_LOW);
    /* once everyone is enrolled again, the filter is back */
    CHECK(enroll_str(v, people, &r) == VIGIL_OK);
    CHECK_EQ_INT(vigil_vault_index_outdated(v), 0);
    CHECK_EQ_INT(seconds_of(v, "went"), 0);
    CHECK(seconds_of(v, "wu") != 0);
    CHECK_EQ_INT(scan_sev(v, "bo wu called"), VIGIL_SEV_LOW);
    CHECK_EQ_INT(scan_sev(v, "cy po called"), VIGIL_SEV_LOW);
    vigil_vault_close(v);
    remove_tree(dir);
}

static void add_cand(void *user, const char *d, size_t n)
{
    char *list = user;
    size_t l = strlen(list);
    if (l + n + 2 > 1024) /* the size of cands' list */
        return;
    memcpy(list + l, d, n);
    memcpy(list + l + n, ";", 2);
}

static const char *cands(const char *digits)
{
    static char list[1024];
    list[0] = '\0';
    vigil_phone_candidates(digits, strlen(digits), add_cand, list);
    return list;
}

TEST(phone_candidates_strip_known_prefixes_only)
{
    CHECK_EQ_STR(cands("5552013344"), "5552013344;");
    CHECK(strstr(cands("15552013344"), ";5552013344;") != NULL);
    CHECK(strstr(cands("0015552013344"), ";5552013344;") != NULL);
    CHECK(strstr(cands("5215512345678"), "5512345678;") != NULL);
    CHECK(strstr(cands("00525512345678"), "5512345678;") != NULL);
    CHECK(strstr(cands("0445512345678"), "5512345678;") != NULL);
    /* an unknown leading digit is not stripped */
    CHECK(strstr(cands("95552013344"), ";5552013344;") == NULL);
    CHECK_EQ_STR(cands("123456"), "");
}

/* The index checksum summed in parts on several threads is the one summed whole, and any
 * changed, swapped or cut byte changes it (lengths that do not divide evenly included). */
TEST(checksum_in_parts_is_the_same)
{
    size_t n = (3u << 20) + 77;
    unsigned char *buf = malloc(n);
    CHECK(buf != NULL);
    if (!buf)
        return;
    uint64_t r = 5;
    for (size_t i = 0; i < n; i++) {
        r = r * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (unsigned char)(r >> 56);
    }
    for (size_t len = n - 40; len <= n; len += 13) {
        uint64_t one = vigil_index_checksum(buf, len, 1);
        for (unsigned parts = 2; parts <= 4; parts++)
            CHECK(vigil_index_checksum(buf, len, parts) == one);
    }
    uint64_t whole = vigil_index_checksum(buf, n, 4);
    buf[n / 2 + 3] ^= 0x10;
    CHECK(vigil_index_checksum(buf, n, 4) != whole);
    buf[n / 2 + 3] ^= 0x10;
    unsigned char w[8];
    memcpy(w, buf + 64, 8); /* two words swapped across a part's border */
    memcpy(buf + 64, buf + n - 77 - 64, 8);
    memcpy(buf + n - 77 - 64, w, 8);
    CHECK(vigil_index_checksum(buf, n, 3) != whole);
    CHECK(vigil_index_checksum(buf, n - 1, 2) != whole);
    free(buf);
}

HARNESS_MAIN(T(checksum_in_parts_is_the_same), T(init_creates_private_key_and_refuses_twice), T(key_readable_by_others_is_refused),
             T(csv_rows_enrolled_and_bad_rows_reported_with_line),
             T(csv_header_and_quoting_errors), T(jsonl_records_and_errors),
             T(reenroll_replaces_and_forget_removes), T(corrupt_or_truncated_index_is_refused),
             T(second_token_filter),
             T(phone_candidates_strip_known_prefixes_only))
