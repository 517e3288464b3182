/*
 * vigil scan: reads documents from files, directories (recursive) or standard input, scans
 * them with N threads and prints one JSON line (or a text row) per document at or above the
 * minimum severity, in input order.
 *
 * Documents are read on the main thread into a batch (bounded in count and bytes); the batch is
 * scanned by the worker threads, each with its own scanner, and the outputs are written in
 * order. Memory is bounded by the batch size, not by the input.
 */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BATCH_DOCS 512
#define BATCH_BYTES ((size_t)64 << 20)

typedef struct job {
    vigil_doc doc;
    char *owned; /* id, text, source, url, time packed in one allocation */
    vigil_buf out;
    vigil_severity severity;
    vigil_status status;
} job;

typedef struct scan_opts {
    const char *vault;
    vigil_input_format fmt;
    bool all;
    bool text;
    vigil_severity min;
    int threads;
    size_t max_doc;
    bool explain;
    bool no_model;
    const char *model;
    const char *rules[16];
    size_t nrules;
} scan_opts;

typedef struct scan_state {
    const scan_opts *o;
    vigil_vault *vault;
    vigil_rules *rules;
    vigil_model *model;
    job *jobs;
    size_t njobs;
    atomic_size_t next;
    size_t reported, scanned, failed;
    size_t batch_bytes;
} scan_state;

static void scan_usage(FILE *f)
{
    fputs("usage: vigil scan [--vault DIR] [OPTIONS] [PATH...]\n"
          "\n"
          "Scans files, directories (recursively) or standard input (no PATH, or '-').\n"
          "  --jsonl               read JSON Lines documents {\"id\",\"text\",\"source\",\"url\",\"time\"}\n"
          "                        (implied for *.jsonl files)\n"
          "  --all                 print every document, info included\n"
          "  --min-severity LEVEL  info|low|medium|high|critical (default low)\n"
          "  --format json|text    JSON Lines (default) or a table for people\n"
          "  -j, --threads N       scanning threads (default: number of cores)\n"
          "  --max-doc BYTES       largest document or line read (default 268435456)\n"
          "  --rules FILE          threat rules added to the built-in ones (a file starting\n"
          "                        with 'replace' replaces them); may be repeated\n"
          "  --explain             the rules behind each threat score\n"
          "  --model FILE          threat model (default: the built-in one)\n"
          "  --no-model            threat rules only\n"
          "\n"
          "Exit status: 0 something reported, 1 nothing reported, 2 an error occurred.\n",
          f);
}

static void *worker(void *arg)
{
    scan_state *s = arg;
    vigil_scanner *sc = NULL;
    vigil_status st = vigil_scanner_create(s->vault, &sc);
    if (st == VIGIL_OK) {
        vigil_scanner_set_rules(sc, s->rules);
        vigil_scanner_set_model(sc, s->model);
    }
    for (;;) {
        size_t i = atomic_fetch_add(&s->next, 1);
        if (i >= s->njobs)
            break;
        job *j = &s->jobs[i];
        if (st != VIGIL_OK) {
            j->status = st;
            continue;
        }
        const vigil_result *r;
        j->status = vigil_scan(sc, j->doc.text, j->doc.len, &r);
        if (j->status != VIGIL_OK)
            continue;
        j->severity = r->severity;
        j->out.len = 0;
        if (!s->o->all && r->severity < s->o->min)
            continue;
        j->status = s->o->text ? vigil_result_text(r, &j->doc, &j->out)
                               : vigil_result_json(r, &j->doc, s->o->explain, &j->out);
    }
    vigil_scanner_destroy(sc);
    return NULL;
}

static void run_batch(scan_state *s)
{
    if (s->njobs == 0)
        return;
    atomic_store(&s->next, 0);
    int n = s->o->threads;
    if ((size_t)n > s->njobs)
        n = (int)s->njobs;
    pthread_t th[256];
    int started = 0;
    for (int i = 1; i < n; i++)
        if (pthread_create(&th[started], NULL, worker, s) == 0)
            started++;
    worker(s);
    for (int i = 0; i < started; i++)
        pthread_join(th[i], NULL);
    for (size_t i = 0; i < s->njobs; i++) {
        job *j = &s->jobs[i];
        s->scanned++;
        if (j->status != VIGIL_OK) {
            cli_error("%s: scan failed: %s", j->doc.id, vigil_strerror(j->status));
            s->failed++;
        } else if (j->out.len) {
            fwrite(j->out.data, 1, j->out.len, stdout);
            if (j->severity >= s->o->min && j->severity > VIGIL_SEV_INFO)
                s->reported++;
        }
        free(j->owned);
        j->owned = NULL;
    }
    fflush(stdout);
    s->njobs = 0;
    s->batch_bytes = 0;
}

static char *pack(const vigil_doc *d, vigil_doc *out)
{
    const char *parts[5] = {d->id, d->source, d->url, d->time, NULL};
    size_t total = d->len + 1;
    for (int i = 0; i < 4; i++)
        total += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *p = malloc(total);
    if (!p)
        return NULL;
    char *w = p;
    memcpy(w, d->text, d->len);
    w[d->len] = '\0';
    out->text = w;
    out->len = d->len;
    w += d->len + 1;
    const char **dst[4] = {&out->id, &out->source, &out->url, &out->time};
    for (int i = 0; i < 4; i++) {
        if (!parts[i]) {
            *dst[i] = NULL;
            continue;
        }
        size_t l = strlen(parts[i]) + 1;
        memcpy(w, parts[i], l);
        *dst[i] = w;
        w += l;
    }
    return p;
}

static void scan_path_file(scan_state *s, const char *path)
{
    char err[512];
    vigil_reader *r;
    vigil_status st = vigil_reader_open(path, s->o->fmt, s->o->max_doc, &r, err, sizeof err);
    if (st != VIGIL_OK) {
        cli_error("%s", err);
        s->failed++;
        return;
    }
    for (;;) {
        vigil_doc d;
        st = vigil_reader_next(r, &d);
        if (st == VIGIL_ERR_NOTFOUND)
            break;
        if (st != VIGIL_OK) {
            cli_error("%s", vigil_reader_errmsg(r));
            s->failed++;
            if (st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_IO)
                break;
            continue;
        }
        job *j = &s->jobs[s->njobs];
        memset(&j->doc, 0, sizeof j->doc);
        j->owned = pack(&d, &j->doc);
        if (!j->owned) {
            cli_error("%s: out of memory", d.id);
            s->failed++;
            continue;
        }
        j->status = VIGIL_OK;
        s->njobs++;
        s->batch_bytes += d.len;
        if (s->njobs == BATCH_DOCS || s->batch_bytes >= BATCH_BYTES)
            run_batch(s);
    }
    vigil_reader_close(r);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Walks a directory in sorted order without following symbolic links (so link loops cannot
 * trap the walk). */
static void scan_dir(scan_state *s, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        cli_error("%s: cannot open directory: %s", dir, strerror(errno));
        s->failed++;
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p)
                break;
            names = p;
        }
        names[n] = strdup(e->d_name);
        if (names[n])
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(l);
        if (p) {
            snprintf(p, l, "%s/%s", dir, names[i]);
            struct stat sb;
            if (lstat(p, &sb) != 0) {
                cli_error("%s: %s", p, strerror(errno));
                s->failed++;
            } else if (S_ISDIR(sb.st_mode)) {
                scan_dir(s, p);
            } else if (S_ISREG(sb.st_mode)) {
                scan_path_file(s, p);
            }
            free(p);
        }
        free(names[i]);
    }
    free(names);
}

int cmd_scan(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vault", required_argument, NULL, 'v'},
        {"jsonl", no_argument, NULL, 'J'},
        {"all", no_argument, NULL, 'a'},
        {"min-severity", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"threads", required_argument, NULL, 'j'},
        {"max-doc", required_argument, NULL, 'M'},
        {"rules", required_argument, NULL, 'R'},
        {"explain", no_argument, NULL, 'E'},
        {"model", required_argument, NULL, 'O'},
        {"no-model", no_argument, NULL, 'N'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    scan_opts o = {.min = VIGIL_SEV_LOW, .max_doc = (size_t)256 << 20};
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o.threads = cores > 0 ? (int)cores : 1;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'v': o.vault = optarg; break;
        case 'J': o.fmt = VIGIL_INPUT_JSONL; break;
        case 'a': o.all = true; break;
        case 'm':
            if (vigil_severity_parse(optarg, &o.min) != VIGIL_OK) {
                cli_error("--min-severity: '%s' is not one of info, low, medium, high, critical",
                          optarg);
                return 2;
            }
            break;
        case 'f':
            if (strcmp(optarg, "text") == 0)
                o.text = true;
            else if (strcmp(optarg, "json") != 0) {
                cli_error("--format: '%s' is not json or text", optarg);
                return 2;
            }
            break;
        case 'j': {
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 256) {
                cli_error("-j: '%s' is not a thread count from 1 to 256", optarg);
                return 2;
            }
            o.threads = (int)v;
            break;
        }
        case 'M': {
            unsigned long long v = strtoull(optarg, &end, 10);
            if (*end || v < 1024 || v > ((unsigned long long)1 << 32)) {
                cli_error("--max-doc: '%s' is not a byte count from 1024 to 4294967296", optarg);
                return 2;
            }
            o.max_doc = (size_t)v;
            break;
        }
        case 'R':
            if (o.nrules == sizeof o.rules / sizeof *o.rules) {
                cli_error("--rules: at most %zu files", sizeof o.rules / sizeof *o.rules);
                return 2;
            }
            o.rules[o.nrules++] = optarg;
            break;
        case 'E': o.explain = true; break;
        case 'O': o.model = optarg; break;
        case 'N': o.no_model = true; break;
        case 'h': scan_usage(stdout); return 0;
        default: scan_usage(stderr); return 2;
        }
    }
    if (o.all)
        o.min = VIGIL_SEV_INFO;
    vigil_vault *v;
    if (cli_open_vault(o.vault, &v) != 0)
        return 2;
    scan_state s = {.o = &o, .vault = v};
    char err[512];
    if (vigil_rules_load(v, o.rules, o.nrules, &s.rules, err, sizeof err) != VIGIL_OK) {
        cli_error("%s", err);
        vigil_vault_close(v);
        return 2;
    }
    if (!o.no_model && cli_load_model(o.model, &s.model) != 0) {
        vigil_rules_free(s.rules);
        vigil_vault_close(v);
        return 2;
    }
    s.jobs = calloc(BATCH_DOCS, sizeof *s.jobs);
    if (!s.jobs) {
        vigil_vault_close(v);
        return 2;
    }
    if (o.text)
        printf("%-8s %5s  %-8s  %-28s  %s\n", "SEVERITY", "SCORE", "PERSON", "MATCHED",
               "DOCUMENT");
    if (optind == argc)
        scan_path_file(&s, "-");
    for (int i = optind; i < argc; i++) {
        struct stat sb;
        if (strcmp(argv[i], "-") == 0)
            scan_path_file(&s, "-");
        else if (stat(argv[i], &sb) != 0) {
            cli_error("%s: %s", argv[i], strerror(errno));
            s.failed++;
        } else if (S_ISDIR(sb.st_mode))
            scan_dir(&s, argv[i]);
        else
            scan_path_file(&s, argv[i]);
    }
    run_batch(&s);
    for (size_t i = 0; i < BATCH_DOCS; i++)
        vigil_buf_free(&s.jobs[i].out);
    free(s.jobs);
    vigil_rules_free(s.rules);
    vigil_model_free(s.model);
    vigil_vault_close(v);
    if (s.failed)
        cli_error("%zu document%s or file%s could not be scanned; %zu scanned, %zu reported",
                  s.failed, s.failed == 1 ? "" : "s", s.failed == 1 ? "" : "s", s.scanned,
                  s.reported);
    if (s.failed)
        return 2;
    return s.reported ? 0 : 1;
}
