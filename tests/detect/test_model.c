/* Unit tests for the threat model, its file format, the labeled-table reader and ROC-AUC. */
#include "../../src/internal.h"
#include "../harness.h"

#include <math.h>
#include <unistd.h>

static const char *pos_texts[] = {
    "i will kill you tonight", "we are going to shoot him", "someone should stab that judge",
    "i am going to hurt your family", "te voy a matar", "we will burn your house down",
    "you will die soon", "i'll cut your throat", "somebody should shoot the agent",
    "vamos a quemar tu casa",
};
static const char *neg_texts[] = {
    "the weather is nice today", "we are going to the beach", "someone should fix that road",
    "i am going to cook dinner", "vamos a la playa", "the council approved the budget",
    "you will love the new bakery", "i'll call you tomorrow", "somebody should clean the park",
    "te voy a llamar manana",
};

static vigil_model *train_small(void)
{
    vigil_trainset *s = vigil_trainset_create(16);
    for (int r = 0; r < 5; r++)
        for (size_t i = 0; i < 10; i++) {
            CHECK(vigil_trainset_add(s, pos_texts[i], strlen(pos_texts[i]), 1) == VIGIL_OK);
            CHECK(vigil_trainset_add(s, neg_texts[i], strlen(neg_texts[i]), 0) == VIGIL_OK);
        }
    size_t pos;
    CHECK_EQ_INT(vigil_trainset_size(s, &pos), 100);
    CHECK_EQ_INT(pos, 50);
    vigil_model *m = NULL;
    CHECK(vigil_model_train(s, 10, 1e-4, &m) == VIGIL_OK);
    vigil_trainset_free(s);
    return m;
}

static double predict(const vigil_model *m, const char *text)
{
    static vigil_tokens t;
    CHECK(vigil_tokenize(&t, text, strlen(text)) == VIGIL_OK);
    return vigil_model_predict(m, &t, false);
}

TEST(training_separates_the_classes)
{
    vigil_model *m = train_small();
    for (size_t i = 0; i < 10; i++) {
        CHECK(predict(m, pos_texts[i]) > 0.5);
        CHECK(predict(m, neg_texts[i]) < 0.5);
    }
    /* unseen, but sharing words and character n-grams */
    CHECK(predict(m, "i will k1ll them all") > predict(m, "i will call them all"));
    vigil_model_free(m);
}

TEST(training_is_deterministic_and_needs_both_classes)
{
    vigil_model *a = train_small(), *b = train_small();
    CHECK(predict(a, "stab him") == predict(b, "stab him"));
    vigil_model_free(a);
    vigil_model_free(b);
    vigil_trainset *s = vigil_trainset_create(16);
    CHECK(vigil_trainset_add(s, "x", 1, 1) == VIGIL_OK);
    vigil_model *m = NULL;
    CHECK(vigil_model_train(s, 1, 0, &m) == VIGIL_ERR_ARG);
    CHECK(m == NULL);
    vigil_trainset_free(s);
}

TEST(model_file_roundtrip_and_corruption)
{
    vigil_model *m = train_small();
    char path[] = "/tmp/vigil-model-XXXXXX", err[512];
    int fd = mkstemp(path);
    close(fd);
    CHECK(vigil_model_save(m, path, err, sizeof err) == VIGIL_OK);
    vigil_model *l = NULL;
    CHECK(vigil_model_load(path, &l, err, sizeof err) == VIGIL_OK);
    CHECK(l && fabs(predict(l, "i will kill you") - predict(m, "i will kill you")) < 1e-9);
    vigil_model_free(l);
    char *data;
    size_t len;
    CHECK(vigil_read_file(path, 1 << 26, &data, &len, err, sizeof err) == VIGIL_OK);
    data[len / 2] ^= 1;
    CHECK(vigil_model_from_memory(data, len, &l, err, sizeof err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "checksum") != NULL);
    data[len / 2] ^= 1;
    CHECK(vigil_model_from_memory(data, len - 1, &l, err, sizeof err) == VIGIL_ERR_CORRUPT);
    CHECK(strstr(err, "truncated") != NULL);
    CHECK(vigil_model_from_memory("VIGILIX\0", 8, &l, err, sizeof err) == VIGIL_ERR_CORRUPT);
    free(data);
    unlink(path);
    vigil_model_free(m);
}

TEST(roc_auc)
{
    double s[] = {0.1, 0.4, 0.35, 0.8};
    unsigned char y[] = {0, 0, 1, 1};
    CHECK(fabs(vigil_roc_auc(s, y, 4) - 0.75) < 1e-12);
    double t[] = {0.5, 0.5, 0.5, 0.5};
    CHECK(fabs(vigil_roc_auc(t, y, 4) - 0.5) < 1e-12);
    unsigned char all[] = {1, 1, 1, 1};
    CHECK(vigil_roc_auc(s, all, 4) == 0);
}

static const char *write_tmp(const char *content)
{
    static char path[64];
    strcpy(path, "/tmp/vigil-table-XXXXXX");
    int fd = mkstemp(path);
    CHECK(write(fd, content, strlen(content)) == (ssize_t)strlen(content));
    close(fd);
    return path;
}

TEST(table_reader_csv_semicolon_and_jsonl)
{
    char err[512];
    vigil_table *t;
    const char *p = write_tmp("comment;violence\n\"a; b\"\"c\nd\";0.5\nplain;0\nbroken\n");
    CHECK(vigil_table_open(p, &t, err, sizeof err) == VIGIL_OK);
    size_t n;
    CHECK(vigil_table_next(t) == VIGIL_OK);
    CHECK_EQ_STR(vigil_table_field(t, "comment", &n), "a; b\"c\nd");
    CHECK_EQ_STR(vigil_table_field(t, "violence", NULL), "0.5");
    CHECK(vigil_table_next(t) == VIGIL_OK);
    CHECK(vigil_table_field(t, "nope", NULL) == NULL);
    CHECK(vigil_table_next(t) == VIGIL_ERR_PARSE);
    CHECK(strstr(vigil_table_errmsg(t), ":5: 1 fields, the header has 2") != NULL);
    CHECK(vigil_table_next(t) == VIGIL_ERR_NOTFOUND);
    vigil_table_close(t);
    unlink(p);
    p = write_tmp("{\"text\":\"hi\",\"label\":1}\n\n{broken\n{\"text\":\"yo\",\"label\":\"x\"}\n");
    CHECK(vigil_table_open(p, &t, err, sizeof err) == VIGIL_OK);
    CHECK(vigil_table_next(t) == VIGIL_OK);
    CHECK_EQ_STR(vigil_table_field(t, "label", NULL), "1");
    CHECK(vigil_table_next(t) == VIGIL_ERR_PARSE);
    CHECK(strstr(vigil_table_errmsg(t), ":3: not a JSON object") != NULL);
    CHECK(vigil_table_next(t) == VIGIL_OK);
    CHECK_EQ_STR(vigil_table_field(t, "text", NULL), "yo");
    CHECK(vigil_table_next(t) == VIGIL_ERR_NOTFOUND);
    vigil_table_close(t);
    unlink(p);
}

TEST(builtin_model_loads)
{
    vigil_model *m = NULL;
    vigil_status st = vigil_model_builtin(&m);
    CHECK(st == VIGIL_OK || st == VIGIL_ERR_NOTFOUND);
    if (m)
        CHECK(predict(m, "I am going to kill that cop") > predict(m, "the cop helped an old lady"));
    vigil_model_free(m);
}

static void model_tags(const void *ctx, const char *w, size_t n, unsigned flags, uint64_t hash,
                       vigil_tag *out)
{
    (void)hash;
    vigil_model_word_tag(ctx, w, n, flags, out);
}

/* The scan predicts from the word tags of the tokenizer's cache; that must be exactly what the
 * model computes from the words themselves: cached words, words too long for the cache,
 * spelled runs, digits, and documents past the feature cap. */
TEST(tagged_prediction_equals_untagged)
{
    vigil_model *m = NULL;
    CHECK(vigil_model_builtin(&m) == VIGIL_OK);
    if (!m)
        return;
    static const char *const words[] = {
        "kill", "you", "I", "will", "him", "k1ll", "M4TAR", "judge", "5", "555-1234", "f i v e",
        "a", "la", "extraordinarilylongwordhere", "tonight", "J.o.h.n", "caf\xc3\xa9", "2026",
        "shoot", "agente", "supercalifragilisticexpialidocious", "b o m b", "x"};
    vigil_canon_cache *cache = vigil_canon_cache_new();
    vigil_keys keys;
    memset(&keys, 3, sizeof keys);
    vigil_canon_cache_set_tagger(cache, model_tags, m, 1);
    static vigil_tokens t;
    static char text[65536];
    uint32_t r = 7;
    for (int doc = 0; doc < 400; doc++) {
        size_t n = 0, want = doc % 50 == 0 ? sizeof text - 64 : (size_t)(r % 600);
        while (n + 48 < sizeof text && n < want) {
            r = r * 1103515245u + 12345u;
            const char *w = words[(r >> 8) % (sizeof words / sizeof *words)];
            n += (size_t)snprintf(text + n, sizeof text - n, "%s ", w);
        }
        CHECK(vigil_tokenize_scan(&t, text, n, &keys, NULL, cache) == VIGIL_OK);
        CHECK(t.taggen == 1);
        double tagged = vigil_model_predict(m, &t, true);
        double untagged = vigil_model_predict(m, &t, false);
        CHECK(memcmp(&tagged, &untagged, sizeof tagged) == 0);
        vigil_model_feature wa[5], wb[5];
        uint32_t tok[5];
        size_t na, nb;
        double pa = vigil_model_predict_top(m, &t, true, wa, tok, 5, &na);
        double pb = vigil_model_predict_top(m, &t, false, wb, NULL, 5, &nb);
        CHECK(memcmp(&pa, &tagged, sizeof pa) == 0 && memcmp(&pb, &tagged, sizeof pb) == 0);
        CHECK(na == nb && memcmp(wa, wb, na * sizeof *wa) == 0);
        for (size_t k = 0; k < na; k++) /* each word's token */
            CHECK(tok[k] < t.n && t.v[tok[k]].start == wa[k].start &&
                  t.v[tok[k]].end == wa[k].end);
    }
    vigil_canon_cache_free(cache);
    vigil_model_free(m);
}

HARNESS_MAIN(T(training_separates_the_classes), T(training_is_deterministic_and_needs_both_classes),
             T(model_file_roundtrip_and_corruption), T(roc_auc),
             T(table_reader_csv_semicolon_and_jsonl), T(builtin_model_loads),
             T(tagged_prediction_equals_untagged))
