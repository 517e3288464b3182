/*
 * vigil train / vigil eval: the threat model's training and evaluation on labeled tables.
 *
 *   vigil train --out MODEL [--bits N] [--epochs N] DATASET...
 *   vigil eval  [--model MODEL | --no-model] [--rules FILE | --no-rules] DATASET...
 *   DATASET: --data FILE --label-column COL [--text-column text]
 *            [--positive V1|V2... | --threshold X] [--where COL=VALUE[|VALUE...]]
 * Value lists are separated by '|' (label values may contain commas).
 *
 * The options after a --data apply to that file, so one run can mix tables whose labels differ
 * (EDOS's label_category, ETHOS's violence share, HateCheck's functionality).
 */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct dataset {
    const char *path;
    const char *text_col;
    const char *label_col;
    const char *positive; /* '|'-separated values */
    double threshold;     /* used when positive is NULL */
    int has_threshold;
    char where_col[64];    /* empty: every row */
    const char *where_val; /* '|'-separated values */
} dataset;

static int in_list(const char *list, const char *v, size_t vl)
{
    for (const char *p = list; p && *p;) {
        const char *c = strchr(p, '|');
        size_t n = c ? (size_t)(c - p) : strlen(p);
        if (n == vl && memcmp(p, v, n) == 0)
            return 1;
        p = c ? c + 1 : NULL;
    }
    return 0;
}

/* Parses DATASET options starting at argv[*i] (which is --data). */
static int parse_dataset(int argc, char **argv, int *i, dataset *d)
{
    memset(d, 0, sizeof *d);
    d->text_col = "text";
    d->path = argv[++*i];
    for (++*i; *i < argc && strcmp(argv[*i], "--data") != 0; ++*i) {
        const char *a = argv[*i];
        const char *v = *i + 1 < argc ? argv[*i + 1] : NULL;
        if (!v) {
            cli_error("%s needs a value", a);
            return -1;
        }
        if (strcmp(a, "--label-column") == 0)
            d->label_col = v;
        else if (strcmp(a, "--text-column") == 0)
            d->text_col = v;
        else if (strcmp(a, "--positive") == 0)
            d->positive = v;
        else if (strcmp(a, "--threshold") == 0) {
            char *end;
            d->threshold = strtod(v, &end);
            d->has_threshold = 1;
            if (*end) {
                cli_error("--threshold: '%s' is not a number", v);
                return -1;
            }
        } else if (strcmp(a, "--where") == 0) {
            const char *eq = strchr(v, '=');
            if (!eq) {
                cli_error("--where: expected COLUMN=VALUE, got '%s'", v);
                return -1;
            }
            if ((size_t)(eq - v) >= sizeof d->where_col) {
                cli_error("--where: column name too long");
                return -1;
            }
            memcpy(d->where_col, v, (size_t)(eq - v));
            d->where_col[eq - v] = '\0';
            d->where_val = eq + 1;
        } else
            return 0; /* not a dataset option: the caller handles it */
        ++*i;
    }
    if (!d->path || !d->label_col || (!d->positive && !d->has_threshold)) {
        cli_error("--data %s: needs --label-column and --positive or --threshold",
                  d->path ? d->path : "?");
        return -1;
    }
    return 0;
}

/* Calls fn(user, text, len, label) for every usable row; returns the number of bad rows or -1. */
static long each_row(const dataset *d, void (*fn)(void *, const char *, size_t, int), void *user)
{
    char err[512];
    vigil_table *t;
    if (vigil_table_open(d->path, &t, err, sizeof err) != VIGIL_OK) {
        cli_error("%s", err);
        return -1;
    }
    long bad = 0;
    for (;;) {
        vigil_status st = vigil_table_next(t);
        if (st == VIGIL_ERR_NOTFOUND)
            break;
        if (st != VIGIL_OK) {
            cli_error("%s; row skipped", vigil_table_errmsg(t));
            bad++;
            if (st == VIGIL_ERR_NOMEM)
                break;
            continue;
        }
        size_t tl, ll, wl;
        const char *text = vigil_table_field(t, d->text_col, &tl);
        const char *label = vigil_table_field(t, d->label_col, &ll);
        if (!text || !label) {
            cli_error("%s: a row has no column '%s' or '%s'; row skipped", d->path, d->text_col,
                      d->label_col);
            bad++;
            continue;
        }
        if (d->where_col[0]) {
            const char *w = vigil_table_field(t, d->where_col, &wl);
            if (!w || !in_list(d->where_val, w, wl))
                continue;
        }
        int positive = d->positive ? in_list(d->positive, label, ll)
                                   : atof(label) >= d->threshold;
        fn(user, text, tl, positive);
    }
    vigil_table_close(t);
    return bad;
}

static void add_example(void *user, const char *text, size_t len, int positive)
{
    if (vigil_trainset_add(user, text, len, positive) != VIGIL_OK)
        cli_error("out of memory while reading examples");
}

int cmd_train(int argc, char **argv)
{
    const char *out = NULL;
    unsigned bits = 18, epochs = 8;
    double l2 = 3e-2;
    dataset ds[32];
    int nds = 0;
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            if (nds == 32 || parse_dataset(argc, argv, &i, &ds[nds]) != 0)
                return 2;
            nds++;
        } else if (strcmp(argv[i], "--out") == 0 && i + 1 < argc) {
            out = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--bits") == 0 && i + 1 < argc) {
            bits = (unsigned)atoi(argv[i + 1]);
            i += 2;
        } else if (strcmp(argv[i], "--l2") == 0 && i + 1 < argc) {
            l2 = atof(argv[i + 1]);
            i += 2;
        } else if (strcmp(argv[i], "--epochs") == 0 && i + 1 < argc) {
            epochs = (unsigned)atoi(argv[i + 1]);
            i += 2;
        } else {
            cli_error("train: unexpected '%s'", argv[i]);
            cli_error("usage: vigil train --out MODEL [--bits N] [--epochs N] --data FILE "
                      "--label-column COL [--text-column COL] [--positive V|... | --threshold X] "
                      "[--where COL=V|...] [--data ...]");
            return 2;
        }
    }
    if (!out || nds == 0 || bits < 16 || bits > 24 || epochs < 1 || epochs > 100) {
        cli_error("train: needs --out and at least one --data (--bits 16..24, --epochs 1..100)");
        return 2;
    }
    vigil_trainset *set = vigil_trainset_create(bits);
    if (!set)
        return 2;
    long bad = 0;
    for (int k = 0; k < nds; k++) {
        size_t before = vigil_trainset_size(set, NULL);
        long b = each_row(&ds[k], add_example, set);
        if (b < 0) {
            vigil_trainset_free(set);
            return 2;
        }
        bad += b;
        size_t pos;
        size_t n = vigil_trainset_size(set, &pos);
        fprintf(stderr, "vigil: %s: %zu examples\n", ds[k].path, n - before);
        (void)pos;
    }
    size_t pos, n = vigil_trainset_size(set, &pos);
    vigil_model *m;
    vigil_status st = vigil_model_train(set, epochs, l2, &m);
    vigil_trainset_free(set);
    if (st != VIGIL_OK) {
        cli_error("train: %s (%zu examples, %zu positive: both classes are needed)",
                  vigil_strerror(st), n, pos);
        return 2;
    }
    char err[512];
    st = vigil_model_save(m, out, err, sizeof err);
    vigil_model_free(m);
    if (st != VIGIL_OK) {
        cli_error("%s", err);
        return 2;
    }
    fprintf(stderr, "vigil: trained on %zu examples (%zu positive), %u epochs, 2^%u features: "
                    "%s\n", n, pos, epochs, bits, out);
    return bad ? 1 : 0;
}

typedef struct eval_ctx {
    vigil_scanner *sc;
    double *score, *model_score;
    unsigned char *label;
    size_t n, cap;
    int failed;
} eval_ctx;

static void eval_row(void *user, const char *text, size_t len, int positive)
{
    eval_ctx *e = user;
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 4096;
        double *a = realloc(e->score, cap * sizeof *a);
        if (a)
            e->score = a;
        unsigned char *b = realloc(e->label, cap);
        if (b)
            e->label = b;
        if (!a || !b) {
            e->failed = 1;
            return;
        }
        e->cap = cap;
    }
    const vigil_result *r;
    if (vigil_scan(e->sc, text, len, &r) != VIGIL_OK) {
        e->failed = 1;
        return;
    }
    e->score[e->n] = r->threat.score;
    e->label[e->n++] = (unsigned char)positive;
}

int cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *rules_path = NULL;
    int no_model = 0, no_rules = 0;
    dataset ds[32];
    int nds = 0;
    for (int i = 1; i < argc;) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            if (nds == 32 || parse_dataset(argc, argv, &i, &ds[nds]) != 0)
                return 2;
            nds++;
        } else if (strcmp(argv[i], "--model") == 0 && i + 1 < argc) {
            model_path = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
            rules_path = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "--no-model") == 0) {
            no_model = 1;
            i++;
        } else if (strcmp(argv[i], "--no-rules") == 0) {
            no_rules = 1;
            i++;
        } else {
            cli_error("eval: unexpected '%s'", argv[i]);
            return 2;
        }
    }
    if (nds == 0) {
        cli_error("usage: vigil eval [--model MODEL | --no-model] [--rules FILE | --no-rules] "
                  "--data FILE "
                  "--label-column COL [--positive V|... | --threshold X] [--where COL=V|...]");
        return 2;
    }
    /* rules are keyed by a vault's token key: a throwaway vault serves */
    char tmp[] = "/tmp/vigil-eval-XXXXXX", vdir[64], err[512];
    if (!mkdtemp(tmp))
        return 2;
    snprintf(vdir, sizeof vdir, "%s/v", tmp);
    vigil_vault *v = NULL;
    vigil_rules *rules = NULL;
    vigil_model *model = NULL;
    vigil_scanner *sc = NULL;
    int rc = 2;
    if (vigil_vault_init(vdir, err, sizeof err) != VIGIL_OK ||
        vigil_vault_open(vdir, &v, err, sizeof err) != VIGIL_OK) {
        cli_error("%s", err);
        goto out;
    }
    const char *rp[1] = {rules_path};
    if (!no_rules &&
        vigil_rules_load(v, rp, rules_path ? 1 : 0, &rules, err, sizeof err) != VIGIL_OK) {
        cli_error("%s", err);
        goto out;
    }
    if (!no_model && cli_load_model(model_path, &model) != 0)
        goto out;
    if (vigil_scanner_create(v, &sc) != VIGIL_OK)
        goto out;
    vigil_scanner_set_rules(sc, rules);
    vigil_scanner_set_model(sc, model);
    printf("%-40s %7s %6s %9s %6s %6s %7s\n", "dataset", "n", "pos", "precision", "recall",
           "F1", "ROC-AUC");
    rc = 0;
    for (int k = 0; k < nds; k++) {
        eval_ctx e = {.sc = sc};
        if (each_row(&ds[k], eval_row, &e) < 0 || e.failed) {
            rc = 2;
            free(e.score);
            free(e.label);
            continue;
        }
        size_t tp = 0, fp = 0, fn = 0, pos = 0;
        for (size_t i = 0; i < e.n; i++) {
            int s = e.score[i] >= 0.5;
            pos += e.label[i];
            tp += s && e.label[i];
            fp += s && !e.label[i];
            fn += !s && e.label[i];
        }
        double p = tp + fp ? (double)tp / (double)(tp + fp) : 0;
        double r = tp + fn ? (double)tp / (double)(tp + fn) : 0;
        double f1 = p + r > 0 ? 2 * p * r / (p + r) : 0;
        char name[64];
        snprintf(name, sizeof name, "%s%s%s", ds[k].path, ds[k].where_val ? " " : "",
                 ds[k].where_val ? ds[k].where_val : "");
        size_t nl = strlen(name);
        printf("%-40s %7zu %6zu %9.3f %6.3f %6.3f %7.3f\n", nl > 40 ? name + nl - 40 : name, e.n,
               pos, p, r, f1, vigil_roc_auc(e.score, e.label, e.n));
        free(e.score);
        free(e.label);
    }
out:
    vigil_scanner_destroy(sc);
    vigil_model_free(model);
    vigil_rules_free(rules);
    vigil_vault_close(v);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        cli_error("could not remove %s", tmp);
    return rc;
}
