/*
 * vigil scan: reads documents from files, directories (recursive) or standard input, scans
 * them with N threads and prints one JSON line (or a text row) per document at or above the
 * minimum severity, in input order.
 *
 * The pipeline: the main thread walks the inputs and cuts them into documents (readers only
 * split and label, which is cheap); N workers take documents from a ring, extract their text
 * (HTML, MIME, encoded content), scan them and render the output; whichever worker finishes the
 * oldest pending document writes every finished document in order. The ring is bounded in
 * documents and in bytes, so memory is bounded whatever the input, and reading overlaps
 * scanning. With -j 1 everything runs on the main thread, in the same order.
 *
 * The same scan session serves `vigil watch` (watch.c).
 */
#include "scan.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <getopt.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define RING_PER_THREAD 64
#define INFLIGHT_BYTES ((size_t)96 << 20)

typedef struct job {
    uint64_t seq;
    int state; /* 0 free, 1 queued, 2 taken, 3 done */
    vigil_doc doc;
    const char *path; /* the file it came from */
    char *owned; /* text, id, source, url, time, charset, path packed in one allocation */
    size_t bytes;
    vigil_buf out, err, rej;
    vigil_buf json, scanned; /* for the store: the alert as JSON and the text scanned */
    vigil_severity severity;
    bool failed, repaired;
} job;

struct scan_session {
    const scan_opts *o;
    vigil_vault *vault;
    vigil_rules *rules;
    vigil_model *model;
    FILE *rejects;
    /* the ring */
    job *ring;
    size_t nring;
    uint64_t next_seq, next_take, next_out, emitted;
    bool locks;
    size_t inflight;
    pthread_mutex_t mu;
    pthread_cond_t work, space;
    bool stopping, producer_waiting, flushing;
    int idle; /* workers waiting for documents */
    pthread_t th[256];
    int nthreads;
    /* single-thread mode */
    vigil_scanner *sc;
    vigil_text *text;
    /* the alert store: suppressions always, recording with --store */
    vigil_store *store;
    bool record;
    size_t in_batch;
    /* counts */
    size_t scanned, chunks, reported, failed, skipped, excluded, repaired, files;
    size_t suppressed, stored, new_alerts;
    uint64_t bytes_done, bytes_total;
    struct timespec t0, last_progress;
    bool progress;
};

static double now_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* ------------------------------------------------------------------ one document */

static vigil_status rej_line(vigil_buf *b, const vigil_doc *d, const char *source,
                             const char *msg, const char *text, size_t len)
{
    vigil_status st = vigil_buf_append(b, "{\"id\":", 6);
    const char *id = d && d->id ? d->id : source;
    if (!st) st = vigil_buf_json_string(b, id, strlen(id));
    if (!st) st = vigil_buf_append(b, ",\"source\":", 10);
    if (!st) st = vigil_buf_json_string(b, source, strlen(source));
    if (!st) st = vigil_buf_append(b, ",\"error\":", 9);
    if (!st) st = vigil_buf_json_string(b, msg, strlen(msg));
    if (!st && d && d->chunk)
        st = vigil_buf_printf(b, ",\"chunk\":%u,\"offset\":%llu", d->chunk,
                              (unsigned long long)d->offset);
    if (!st) st = vigil_buf_append(b, ",\"text\":", 8);
    if (!st) st = vigil_buf_json_string(b, text ? text : "", text ? len : 0);
    if (!st) st = vigil_buf_append(b, "}\n", 2);
    return st;
}

/* True when everything this chunk found lies in the bytes it shares with the previous chunk,
 * which reported it already: the overlap exists so that nothing across a cut is missed, not to
 * report twice. A threat from the model alone has no span and is never treated so. */
static bool repeats_previous_chunk(const vigil_result *r, const vigil_doc *d)
{
    if (d->chunk < 2 || !d->overlap)
        return false;
    size_t spans = 0;
    for (size_t i = 0; i < r->npeople; i++)
        for (size_t k = 0; k < r->people[i].nspans; k++, spans++)
            if (r->people[i].spans[k].end > d->overlap)
                return false;
    for (size_t k = 0; k < r->threat.nspans; k++, spans++)
        if (r->threat.spans[k].end > d->overlap)
            return false;
    for (size_t k = 0; k < r->npii; k++, spans++)
        if (r->pii[k].end > d->overlap)
            return false;
    if (r->threat.labels && !r->threat.nspans)
        return false;
    return spans > 0;
}

/* A message line into a job's buffer (dropped if memory runs out). */
static void say(vigil_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(vigil_buf *b, const char *fmt, ...)
{
    char line[1536];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0 && vigil_buf_append(b, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1))
        return;
}

/* Extracts, scans and renders one document into the job's buffers. */
static void process(scan_session *s, vigil_scanner *sc, vigil_text *tx, job *j)
{
    const scan_opts *o = s->o;
    j->out.len = j->err.len = j->rej.len = 0;
    j->failed = j->repaired = false;
    j->json.len = j->scanned.len = 0;
    j->severity = VIGIL_SEV_INFO;
    /* file, document id when it is not the file, and where the document (or chunk) starts */
    char where[1300];
    int w = snprintf(where, sizeof where, "%s", j->path ? j->path : j->doc.id);
    if (j->path && strcmp(j->path, j->doc.id) != 0 && w > 0 && (size_t)w < sizeof where)
        w += snprintf(where + w, sizeof where - (size_t)w, ": %s", j->doc.id);
    if ((j->doc.at || j->doc.chunk) && w > 0 && (size_t)w < sizeof where)
        snprintf(where + w, sizeof where - (size_t)w, " (%s at byte %llu)",
                 j->doc.chunk ? "chunk" : "document",
                 (unsigned long long)(j->doc.at + j->doc.offset));
    if (!sc || !tx) {
        say(&j->err, "vigil: %s: scan failed: out of memory\n", where);
        j->failed = true;
        return;
    }
    const char *text;
    size_t len;
    char warn[320];
    vigil_status st = vigil_text_prepare(tx, &j->doc, &text, &len, warn, sizeof warn);
    if (st == VIGIL_OK && warn[0]) {
        say(&j->err, "vigil: %s: warning: %s\n", where, warn);
        j->repaired = true;
    }
    const vigil_result *r = NULL;
    if (st == VIGIL_OK)
        st = vigil_scan(sc, text, len, &r);
    if (st != VIGIL_OK) {
        char msg[256];
        snprintf(msg, sizeof msg, "scan failed: %s", vigil_strerror(st));
        say(&j->err, "vigil: %s: %s\n", where, msg);
        j->failed = true;
        if (s->rejects)
            (void)!rej_line(&j->rej, &j->doc, j->path ? j->path : j->doc.id, msg,
                     j->doc.text, j->doc.len);
        return;
    }
    j->severity = r->severity;
    if (!o->all && r->severity < o->min)
        return;
    if (!o->all && repeats_previous_chunk(r, &j->doc)) {
        j->severity = VIGIL_SEV_INFO; /* reported with the previous chunk */
        return;
    }
    j->doc.prepared = tx;
    st = o->text ? vigil_result_text(r, &j->doc, &j->out)
                 : vigil_result_json(r, &j->doc, o->explain, &j->out);
    j->json.len = j->scanned.len = 0;
    if (st == VIGIL_OK && s->store && r->severity > VIGIL_SEV_INFO) {
        st = vigil_result_json(r, &j->doc, 1, &j->json);
        if (st == VIGIL_OK && s->record)
            st = vigil_buf_append(&j->scanned, text, len);
    }
    j->doc.prepared = NULL;
    if (st != VIGIL_OK) {
        j->out.len = 0;
        say(&j->err, "vigil: %s: output failed: %s\n", where,
                         vigil_strerror(st));
        j->failed = true;
    }
}

/* Writes a finished job's output and frees it (called in order, under the lock when threaded). */
/* Records an alert in the store (or finds it suppressed); false when it is not to be shown. */
static bool store_alert(scan_session *s, job *j)
{
    if (!s->store || !j->json.len || j->failed)
        return true;
    if (!s->record)
        return !vigil_store_suppressed(s->store, j->json.data);
    if (s->in_batch == 0 && vigil_store_begin(s->store) != VIGIL_OK) {
        cli_error("%s", vigil_store_errmsg(s->store));
        s->failed++;
        return true;
    }
    vigil_store_added added;
    if (vigil_store_add(s->store, &j->doc, j->scanned.data, j->scanned.len, j->json.data,
                        (int64_t)time(NULL), &added) != VIGIL_OK) {
        cli_error("%s: not stored: %s", j->doc.id, vigil_store_errmsg(s->store));
        s->failed++;
        return true;
    }
    if (++s->in_batch >= 256) { /* one transaction per batch */
        if (vigil_store_commit(s->store) != VIGIL_OK) {
            cli_error("%s", vigil_store_errmsg(s->store));
            s->failed++;
        }
        s->in_batch = 0;
    }
    if (added.suppressed)
        return false;
    s->stored++;
    s->new_alerts += added.new_alert != 0;
    return true;
}

static void store_commit(scan_session *s)
{
    if (s->store && s->in_batch) {
        if (vigil_store_commit(s->store) != VIGIL_OK) {
            cli_error("%s", vigil_store_errmsg(s->store));
            s->failed++;
        }
        s->in_batch = 0;
    }
}

static void emit(scan_session *s, job *j)
{
    if (!store_alert(s, j)) {
        j->out.len = 0; /* a suppressed fingerprint: counted, not shown */
        s->suppressed++;
    }
    if (j->out.len)
        fwrite(j->out.data, 1, j->out.len, stdout);
    if (j->err.len)
        fwrite(j->err.data, 1, j->err.len, stderr);
    if (j->rej.len && s->rejects)
        fwrite(j->rej.data, 1, j->rej.len, s->rejects);
    s->scanned++;
    s->chunks += j->doc.chunk ? 1 : 0;
    s->failed += j->failed;
    s->repaired += j->repaired;
    if (!j->failed && j->out.len && j->severity >= s->o->min && j->severity > VIGIL_SEV_INFO)
        s->reported++;
    free(j->owned);
    j->owned = NULL;
    s->inflight -= j->bytes;
    s->emitted++;
    j->state = 0;
}

static void flush_ready(scan_session *s)
{
    bool any = false;
    if (s->o->unordered) {
        for (size_t i = 0; i < s->nring; i++)
            if (s->ring[i].state == 3) {
                emit(s, &s->ring[i]);
                any = true;
            }
    } else {
        for (;;) {
            job *j = &s->ring[s->next_out % s->nring];
            if (s->next_out >= s->next_seq || j->state != 3 || j->seq != s->next_out)
                break;
            emit(s, j);
            s->next_out++;
            any = true;
        }
    }
    if (any) {
        fflush(stdout);
        if (s->producer_waiting || s->flushing)
            pthread_cond_broadcast(&s->space);
    }
}

/* A scanner for the session: its rules and model, and the model's words behind its score when
 * they will be shown (--explain) or kept (the store keeps each alert with its explanation). */
static void setup_scanner(const scan_session *s, vigil_scanner *sc)
{
    vigil_scanner_set_rules(sc, s->rules);
    vigil_scanner_set_model(sc, s->model);
    vigil_scanner_set_explain(sc, s->o->explain || s->record);
}

static void *worker(void *arg)
{
    scan_session *s = arg;
    vigil_scanner *sc = NULL;
    vigil_text *tx = NULL;
    if (vigil_scanner_create(s->vault, &sc) == VIGIL_OK)
        setup_scanner(s, sc);
    if (vigil_text_create(&tx) != VIGIL_OK)
        tx = NULL;
    pthread_mutex_lock(&s->mu);
    for (;;) {
        while (s->next_take == s->next_seq && !s->stopping) {
            s->idle++;
            pthread_cond_wait(&s->work, &s->mu);
            s->idle--;
        }
        if (s->next_take == s->next_seq && s->stopping)
            break;
        /* Take several documents at once when many are waiting: one lock round trip and no
         * wake-up per document (small documents come at 100,000 a second). */
        uint64_t first = s->next_take;
        uint64_t queued = s->next_seq - first;
        uint64_t take = queued / (2 * (uint64_t)s->nthreads);
        take = take < 1 ? 1 : take > 16 ? 16 : take;
        s->next_take += take;
        for (uint64_t k = 0; k < take; k++)
            s->ring[(first + k) % s->nring].state = 2;
        if (s->producer_waiting)
            pthread_cond_signal(&s->space);
        pthread_mutex_unlock(&s->mu);
        for (uint64_t k = 0; k < take; k++)
            process(s, sc, tx, &s->ring[(first + k) % s->nring]);
        pthread_mutex_lock(&s->mu);
        for (uint64_t k = 0; k < take; k++)
            s->ring[(first + k) % s->nring].state = 3;
        flush_ready(s);
    }
    pthread_mutex_unlock(&s->mu);
    vigil_text_destroy(tx);
    vigil_scanner_destroy(sc);
    return NULL;
}

static char *pack(const vigil_doc *d, vigil_doc *out, const char *path, const char **path_out)
{
    const char *parts[6] = {d->id, d->source, d->url, d->time, d->charset, path};
    size_t total = d->len + 1;
    for (int i = 0; i < 6; i++)
        total += parts[i] ? strlen(parts[i]) + 1 : 0;
    char *p = malloc(total);
    if (!p)
        return NULL;
    *out = *d;
    char *w = p;
    if (d->len)
        memcpy(w, d->text, d->len);
    w[d->len] = '\0';
    out->text = w;
    w += d->len + 1;
    const char **dst[6] = {&out->id, &out->source, &out->url, &out->time, &out->charset,
                           path_out};
    for (int i = 0; i < 6; i++) {
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

static void show_progress(scan_session *s, uint64_t cur, bool final)
{
    if (!s->progress)
        return;
    if (!final) {
        struct timespec t;
        clock_gettime(CLOCK_MONOTONIC, &t);
        double dt = (double)(t.tv_sec - s->last_progress.tv_sec) +
                    (double)(t.tv_nsec - s->last_progress.tv_nsec) / 1e9;
        if (dt < 0.25)
            return;
        s->last_progress = t;
    }
    double el = now_since(&s->t0);
    double done = (double)(s->bytes_done + cur);
    double rate = el > 0 ? done / el / 1e6 : 0;
    char eta[32] = "";
    if (s->bytes_total && rate > 0 && done < (double)s->bytes_total)
        snprintf(eta, sizeof eta, "  ETA %.0fs", ((double)s->bytes_total - done) / 1e6 / rate);
    fprintf(stderr, "\r\033[K%.1f MB  %zu docs  %.1f MB/s  %zu alerts%s", done / 1e6, s->scanned,
            rate, s->reported, eta);
    if (final)
        fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* Hands a document to the workers (or scans it here with -j 1). */
static void submit(scan_session *s, const vigil_doc *d, const char *source)
{
    if (s->nthreads == 0) {
        job j = {0};
        j.doc = *d;
        j.path = source;
        process(s, s->sc, s->text, &j);
        emit(s, &j);
        vigil_buf_free(&j.json);
        vigil_buf_free(&j.scanned);
        vigil_buf_free(&j.out);
        vigil_buf_free(&j.err);
        vigil_buf_free(&j.rej);
        return;
    }
    pthread_mutex_lock(&s->mu);
    for (;;) {
        job *j = &s->ring[s->next_seq % s->nring];
        if (j->state == 0 && (s->inflight == 0 || s->inflight + d->len <= INFLIGHT_BYTES))
            break;
        s->producer_waiting = true;
        pthread_cond_wait(&s->space, &s->mu);
        s->producer_waiting = false;
    }
    job *j = &s->ring[s->next_seq % s->nring];
    pthread_mutex_unlock(&s->mu);
    j->owned = pack(d, &j->doc, source, &j->path);
    pthread_mutex_lock(&s->mu);
    if (!j->owned) {
        pthread_mutex_unlock(&s->mu);
        cli_error("%s: out of memory", d->id);
        s->failed++;
        return;
    }
    j->bytes = d->len;
    s->inflight += d->len;
    j->seq = s->next_seq++;
    j->state = 1;
    if (s->idle)
        pthread_cond_signal(&s->work);
    pthread_mutex_unlock(&s->mu);
}

/* Errors found by the main thread are counted under the lock (workers count theirs). */
static void count(scan_session *s, size_t *counter)
{
    if (s->nthreads)
        pthread_mutex_lock(&s->mu);
    (*counter)++;
    if (s->nthreads)
        pthread_mutex_unlock(&s->mu);
}

static void reject(scan_session *s, const char *source, const char *msg, const char *raw,
                   size_t len)
{
    if (!s->rejects)
        return;
    vigil_buf b = {0};
    vigil_doc d = {0};
    char id[600];
    snprintf(id, sizeof id, "%s", source);
    d.id = id;
    if (rej_line(&b, &d, source, msg, raw, len) == VIGIL_OK) {
        if (s->nthreads)
            pthread_mutex_lock(&s->mu);
        fwrite(b.data, 1, b.len, s->rejects);
        if (s->nthreads)
            pthread_mutex_unlock(&s->mu);
    }
    vigil_buf_free(&b);
}

uint64_t scan_session_reader(scan_session *s, vigil_reader *r, const char *path)
{
    uint64_t last = 0;
    s->files++;
    for (;;) {
        vigil_doc d;
        vigil_status st = vigil_reader_next(r, &d);
        uint64_t pos = vigil_reader_position(r);
        show_progress(s, pos, false);
        last = pos;
        if (st == VIGIL_ERR_NOTFOUND)
            break;
        if (st == VIGIL_ERR_SKIPPED) {
            count(s, &s->skipped);
            continue;
        }
        if (st != VIGIL_OK) {
            const char *msg = vigil_reader_errmsg(r);
            cli_error("%s", msg);
            count(s, &s->failed);
            size_t rl;
            const char *raw = vigil_reader_rejected(r, &rl);
            reject(s, path, msg, raw, rl);
            if (st == VIGIL_ERR_NOMEM || st == VIGIL_ERR_IO)
                break;
            continue;
        }
        submit(s, &d, path);
    }
    return last;
}

bool scan_excluded(const scan_opts *o, const char *path, bool dir)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    for (size_t i = 0; i < o->nexclude; i++)
        if (fnmatch(o->exclude[i], base, 0) == 0 || fnmatch(o->exclude[i], path, 0) == 0)
            return true;
    if (dir || o->ninclude == 0)
        return false;
    for (size_t i = 0; i < o->ninclude; i++)
        if (fnmatch(o->include[i], base, 0) == 0 || fnmatch(o->include[i], path, 0) == 0)
            return false;
    return true;
}

void scan_session_file(scan_session *s, const char *path)
{
    char err[1024];
    vigil_reader *r;
    vigil_status st = vigil_reader_open(path, s->o->fmt, s->o->max_doc, &r, err, sizeof err);
    if (st == VIGIL_ERR_SKIPPED) {
        if (s->o->verbose)
            cli_error("%s", err);
        count(s, &s->skipped);
        return;
    }
    if (st != VIGIL_OK) {
        cli_error("%s", err);
        count(s, &s->failed);
        reject(s, path, err, NULL, 0);
        return;
    }
    uint64_t done = scan_session_reader(s, r, path);
    s->bytes_done += done;
    vigil_reader_close(r);
}

typedef struct visit {
    dev_t dev;
    ino_t ino;
    const struct visit *up;
} visit;

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scan_list_dir(const char *dir, bool skip_hidden, char ***names_out, size_t *n_out)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            (skip_hidden && e->d_name[0] == '.'))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **p = realloc(names, cap * sizeof *p);
            if (!p)
                break;
            names = p;
        }
        if ((names[n] = strdup(e->d_name)) != NULL)
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_str);
    *names_out = names;
    *n_out = n;
    return 0;
}

/* Walks a directory in sorted order. Symbolic links are followed; a directory already on the
 * current path (a link loop) is reported and not entered again. */
static void walk(scan_session *s, const char *dir, const visit *up, bool size_only)
{
    struct stat sb;
    if (stat(dir, &sb) != 0)
        return;
    for (const visit *v = up; v; v = v->up)
        if (v->dev == sb.st_dev && v->ino == sb.st_ino) {
            if (!size_only)
                cli_error("%s: symbolic link loop; not entered again", dir);
            return;
        }
    visit me = {sb.st_dev, sb.st_ino, up};
    char **names;
    size_t n;
    if (scan_list_dir(dir, false, &names, &n) != 0) {
        if (!size_only) {
            char msg[1024];
            snprintf(msg, sizeof msg, "%s: cannot open directory: %s", dir, strerror(errno));
            cli_error("%s", msg);
            count(s, &s->failed);
            reject(s, dir, msg, NULL, 0);
        }
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(dir) + strlen(names[i]) + 2;
        char *p = malloc(l);
        if (p) {
            snprintf(p, l, "%s/%s", dir, names[i]);
            struct stat fs;
            if (stat(p, &fs) != 0) {
                if (!size_only) {
                    char msg[1024];
                    snprintf(msg, sizeof msg, "%s: %s", p, strerror(errno));
                    cli_error("%s", msg);
                    count(s, &s->failed);
                    reject(s, p, msg, NULL, 0);
                }
            } else if (S_ISDIR(fs.st_mode)) {
                if (!scan_excluded(s->o, p, true))
                    walk(s, p, &me, size_only);
            } else if (S_ISREG(fs.st_mode)) {
                if (scan_excluded(s->o, p, false)) {
                    if (!size_only)
                        s->excluded++;
                } else if (size_only) {
                    s->bytes_total += (uint64_t)fs.st_size;
                } else {
                    scan_session_file(s, p);
                }
            }
            free(p);
        }
        free(names[i]);
    }
    free(names);
}

void scan_session_path(scan_session *s, const char *path)
{
    struct stat sb;
    if (strcmp(path, "-") == 0) {
        scan_session_file(s, "-");
    } else if (stat(path, &sb) != 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: %s", path, strerror(errno));
        cli_error("%s", msg);
        count(s, &s->failed);
        reject(s, path, msg, NULL, 0);
    } else if (S_ISDIR(sb.st_mode)) {
        walk(s, path, NULL, false);
    } else {
        scan_session_file(s, path);
    }
}

/* ------------------------------------------------------------------ session */

/* A value of the vault's config file (lines "key = value", # comments) into out; false when
 * the key is not set. */
bool scan_config(const char *vault_opt, const char *key, char *out, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/config", cli_vault_dir(vault_opt));
    FILE *f = fopen(path, "r");
    if (!f)
        return false;
    char line[512];
    bool found = false;
    while (fgets(line, sizeof line, f)) {
        char k[64], value[256];
        if (line[0] != '#' && sscanf(line, " %63[a-z_] = %255s", k, value) == 2 &&
            strcmp(k, key) == 0) {
            snprintf(out, cap, "%s", value);
            found = true;
        }
    }
    fclose(f);
    return found;
}

bool scan_config_store(const char *vault_opt)
{
    char v[64];
    return scan_config(vault_opt, "store", v, sizeof v) &&
           (strcmp(v, "on") == 0 || strcmp(v, "true") == 0 || strcmp(v, "yes") == 0);
}

int scan_session_open(const scan_opts *o, scan_session **out)
{
    scan_session *s = calloc(1, sizeof *s);
    if (!s)
        return 2;
    s->o = o;
    clock_gettime(CLOCK_MONOTONIC, &s->t0);
    if (cli_open_vault(o->vault, &s->vault) != 0) {
        free(s);
        return 2;
    }
    char err[1024];
    if (vigil_rules_load(s->vault, o->rules, o->nrules, &s->rules, err, sizeof err) != VIGIL_OK) {
        cli_error("%s", err);
        scan_session_close(s);
        return 2;
    }
    if (!o->no_model && cli_load_model(o->model, &s->model) != 0) {
        scan_session_close(s);
        return 2;
    }
    {
        /* --store, or "store = on" in the vault's config, records alerts; an existing store's
         * suppressions apply to every scan */
        bool want = o->store || scan_config_store(o->vault);
        vigil_status st = vigil_store_open(s->vault, want, &s->store, err, sizeof err);
        if (st == VIGIL_OK) {
            s->record = want;
            char k[32] = "", t[32] = "";
            scan_config(o->vault, "campaign_sources", k, sizeof k);
            scan_config(o->vault, "campaign_hours", t, sizeof t);
            vigil_store_set_campaign_rule(s->store, (unsigned)strtoul(k, NULL, 10),
                                          (unsigned)strtoul(t, NULL, 10));
        } else if (st != VIGIL_ERR_NOTFOUND || want) {
            cli_error("%s", err);
            scan_session_close(s);
            return 2;
        }
    }
    if (o->rejects) {
        s->rejects = fopen(o->rejects, "wb");
        if (!s->rejects) {
            cli_error("--rejects: cannot write %s: %s", o->rejects, strerror(errno));
            scan_session_close(s);
            return 2;
        }
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->work, NULL);
    pthread_cond_init(&s->space, NULL);
    s->locks = true;
    if (o->threads <= 1) {
        if (vigil_scanner_create(s->vault, &s->sc) != VIGIL_OK ||
            vigil_text_create(&s->text) != VIGIL_OK) {
            cli_error("out of memory");
            scan_session_close(s);
            return 2;
        }
        setup_scanner(s, s->sc);
    } else {
        s->nring = (size_t)o->threads * RING_PER_THREAD;
        s->ring = calloc(s->nring, sizeof *s->ring);
        if (!s->ring) {
            scan_session_close(s);
            return 2;
        }
        for (int i = 0; i < o->threads; i++)
            if (pthread_create(&s->th[s->nthreads], NULL, worker, s) == 0)
                s->nthreads++;
        if (s->nthreads == 0) {
            cli_error("cannot start scanning threads");
            scan_session_close(s);
            return 2;
        }
    }
    s->progress = o->progress;
    if (s->progress) /* the total, for the ETA */
        for (size_t i = 0; i < o->npaths; i++) {
            struct stat sb;
            if (stat(o->paths[i], &sb) == 0 && S_ISDIR(sb.st_mode))
                walk(s, o->paths[i], NULL, true);
            else if (stat(o->paths[i], &sb) == 0 && S_ISREG(sb.st_mode))
                s->bytes_total += (uint64_t)sb.st_size;
        }
    *out = s;
    return 0;
}

void scan_session_flush(scan_session *s)
{
    if (s->nthreads) {
        pthread_mutex_lock(&s->mu);
        s->flushing = true;
        while (s->emitted < s->next_seq) {
            flush_ready(s);
            if (s->emitted < s->next_seq)
                pthread_cond_wait(&s->space, &s->mu);
        }
        s->flushing = false;
        pthread_mutex_unlock(&s->mu);
    }
    if (s->nthreads)
        pthread_mutex_lock(&s->mu);
    store_commit(s);
    if (s->nthreads)
        pthread_mutex_unlock(&s->mu);
    fflush(stdout);
    if (s->rejects)
        fflush(s->rejects);
}

void scan_session_stats(const scan_session *s, size_t *reported, size_t *failed)
{
    *reported = s->reported;
    *failed = s->failed;
}

int scan_session_close(scan_session *s)
{
    if (!s)
        return 2;
    if (s->nthreads) {
        scan_session_flush(s);
        pthread_mutex_lock(&s->mu);
        s->stopping = true;
        pthread_cond_broadcast(&s->work);
        pthread_mutex_unlock(&s->mu);
        for (int i = 0; i < s->nthreads; i++)
            pthread_join(s->th[i], NULL);
    }
    show_progress(s, 0, true);
    store_commit(s);
    for (size_t i = 0; i < s->nring; i++) {
        vigil_buf_free(&s->ring[i].json);
        vigil_buf_free(&s->ring[i].scanned);
        vigil_buf_free(&s->ring[i].out);
        vigil_buf_free(&s->ring[i].err);
        vigil_buf_free(&s->ring[i].rej);
        free(s->ring[i].owned);
    }
    free(s->ring);
    if (s->rejects && fclose(s->rejects) != 0) {
        cli_error("--rejects: write failed: %s", strerror(errno));
        s->failed++;
    }
    int rc = s->failed ? 2 : s->reported ? 0 : 1;
    if (s->o && s->vault && !s->o->quiet) {
        double el = now_since(&s->t0);
        char extra[160] = "";
        if (s->store)
            snprintf(extra, sizeof extra, ", %zu suppressed%s", s->suppressed, "");
        if (s->record)
            snprintf(extra + strlen(extra), sizeof extra - strlen(extra),
                     ", %zu stored (%zu new alert%s)", s->stored, s->new_alerts,
                     s->new_alerts == 1 ? "" : "s");
        fprintf(stderr, "vigil: %zu document%s scanned (%zu chunk%s) from %zu file%s, %zu "
                "reported, %zu skipped (not text), %zu failed, %zu repaired%s, in %.2f s\n",
                s->scanned, s->scanned == 1 ? "" : "s", s->chunks, s->chunks == 1 ? "" : "s",
                s->files, s->files == 1 ? "" : "s", s->reported, s->skipped, s->failed,
                s->repaired, extra, el);
    }
    vigil_store_close(s->store);
    vigil_text_destroy(s->text);
    vigil_scanner_destroy(s->sc);
    vigil_rules_free(s->rules);
    vigil_model_free(s->model);
    vigil_vault_close(s->vault);
    if (s->locks) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->work);
        pthread_cond_destroy(&s->space);
    }
    free(s);
    return rc;
}

/* ------------------------------------------------------------------ options */

void scan_opts_init(scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min = VIGIL_SEV_LOW;
    o->max_doc = (size_t)8 << 20;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    o->threads = cores > 0 ? (int)cores : 1;
    o->progress = isatty(2);
}

enum {
    OPT_VAULT = 256, OPT_JSONL, OPT_ALL, OPT_MIN, OPT_FORMAT, OPT_INPUT_FORMAT, OPT_MAXDOC,
    OPT_RULES, OPT_EXPLAIN, OPT_MODEL, OPT_NOMODEL, OPT_INCLUDE, OPT_EXCLUDE, OPT_REJECTS,
    OPT_UNORDERED, OPT_PROGRESS, OPT_NOPROGRESS, OPT_QUIET, OPT_VERBOSE, OPT_STORE,
};

static const struct option scan_long[] = {
    {"vault", required_argument, NULL, OPT_VAULT},
    {"jsonl", no_argument, NULL, OPT_JSONL},
    {"all", no_argument, NULL, OPT_ALL},
    {"min-severity", required_argument, NULL, OPT_MIN},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"input-format", required_argument, NULL, OPT_INPUT_FORMAT},
    {"threads", required_argument, NULL, 'j'},
    {"max-doc", required_argument, NULL, OPT_MAXDOC},
    {"rules", required_argument, NULL, OPT_RULES},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"model", required_argument, NULL, OPT_MODEL},
    {"no-model", no_argument, NULL, OPT_NOMODEL},
    {"include", required_argument, NULL, OPT_INCLUDE},
    {"exclude", required_argument, NULL, OPT_EXCLUDE},
    {"rejects", required_argument, NULL, OPT_REJECTS},
    {"unordered", no_argument, NULL, OPT_UNORDERED},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NOPROGRESS},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, OPT_VERBOSE},
    {"store", no_argument, NULL, OPT_STORE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

const struct option *scan_long_options(void)
{
    return scan_long;
}

int scan_parse_option(int c, const char *arg, scan_opts *o)
{
    char *end;
    switch (c) {
    case OPT_VAULT: o->vault = arg; return 0;
    case OPT_JSONL: o->fmt = VIGIL_INPUT_JSONL; return 0;
    case OPT_ALL: o->all = true; o->min = VIGIL_SEV_INFO; return 0;
    case OPT_MIN:
        if (vigil_severity_parse(arg, &o->min) != VIGIL_OK) {
            cli_error("--min-severity: '%s' is not one of info, low, medium, high, critical", arg);
            return 2;
        }
        return 0;
    case OPT_FORMAT:
    case OPT_INPUT_FORMAT:
        /* --format names an output (json, text) or an input format (plain, jsonl, html, warc,
         * mbox, eml); --input-format only the latter */
        if (c == OPT_FORMAT && strcmp(arg, "text") == 0) {
            o->text = true;
        } else if (c == OPT_FORMAT && strcmp(arg, "json") == 0) {
            o->text = false;
        } else if (vigil_input_format_parse(arg, &o->fmt) != VIGIL_OK) {
            cli_error("--format: '%s' is not an output format (json, text) or an input format "
                      "(plain, jsonl, html, warc, mbox, eml)", arg);
            return 2;
        }
        return 0;
    case 'j': {
        long v = strtol(arg, &end, 10);
        if (*end || v < 1 || v > 256) {
            cli_error("-j: '%s' is not a thread count from 1 to 256", arg);
            return 2;
        }
        o->threads = (int)v;
        return 0;
    }
    case OPT_MAXDOC: {
        unsigned long long v = strtoull(arg, &end, 10);
        if (*end || v < 1024 || v > ((unsigned long long)1 << 32)) {
            cli_error("--max-doc: '%s' is not a byte count from 1024 to 4294967296", arg);
            return 2;
        }
        o->max_doc = (size_t)v;
        return 0;
    }
    case OPT_RULES:
        if (o->nrules == sizeof o->rules / sizeof *o->rules) {
            cli_error("--rules: at most %zu files", sizeof o->rules / sizeof *o->rules);
            return 2;
        }
        o->rules[o->nrules++] = arg;
        return 0;
    case OPT_INCLUDE:
    case OPT_EXCLUDE: {
        size_t *n = c == OPT_INCLUDE ? &o->ninclude : &o->nexclude;
        if (*n == 32) {
            cli_error("--include/--exclude: at most 32 patterns each");
            return 2;
        }
        (c == OPT_INCLUDE ? o->include : o->exclude)[(*n)++] = arg;
        return 0;
    }
    case OPT_EXPLAIN: o->explain = true; return 0;
    case OPT_MODEL: o->model = arg; return 0;
    case OPT_NOMODEL: o->no_model = true; return 0;
    case OPT_REJECTS: o->rejects = arg; return 0;
    case OPT_UNORDERED: o->unordered = true; return 0;
    case OPT_PROGRESS: o->progress = true; return 0;
    case OPT_NOPROGRESS: o->progress = false; return 0;
    case 'q': o->quiet = true; return 0;
    case OPT_VERBOSE: o->verbose = true; return 0;
    case OPT_STORE: o->store = true; return 0;
    default: return -1;
    }
}

static void scan_usage(FILE *f)
{
    fputs("usage: vigil scan [--vault DIR] [OPTIONS] [PATH...]\n"
          "\n"
          "Scans files, directories (recursively) or standard input (no PATH, or '-'). Formats\n"
          "are found from content and extension: plain text, JSON Lines, HTML, WARC (.warc,\n"
          ".warc.gz), mbox and .eml mail; gzip and zstd are undone whatever the name.\n"
          "  --format FMT          output json (default) or text; or force an input format:\n"
          "                        plain, jsonl, html, warc, mbox, eml (also --input-format)\n"
          "  --jsonl               the same as --format jsonl\n"
          "  --all                 print every document, info included\n"
          "  --min-severity LEVEL  info|low|medium|high|critical (default low)\n"
          "  -j, --threads N       scanning threads (default: number of cores)\n"
          "  --unordered           print results as they are ready, not in input order\n"
          "  --max-doc BYTES       larger documents are scanned in overlapping chunks\n"
          "                        (default 8388608)\n"
          "  --include GLOB        in directories, scan only files matching GLOB (repeatable)\n"
          "  --exclude GLOB        skip files and directories matching GLOB (repeatable)\n"
          "  --rejects FILE        write every document or line that could not be processed\n"
          "                        to FILE as JSON Lines (scan FILE again once fixed)\n"
          "  --rules FILE          threat rules added to the built-in ones (a file starting\n"
          "                        with 'replace' replaces them); may be repeated\n"
          "  --explain             the rules behind each threat score\n"
          "  --model FILE          threat model (default: the built-in one)\n"
          "  --no-model            threat rules only\n"
          "  --progress, --no-progress  progress line on stderr (default: when a terminal)\n"
          "  -q, --quiet           no summary line at the end\n"
          "  --verbose             name every file skipped as binary\n"
          "  --store               record alerts in the vault's store (for 'vigil alerts');\n"
          "                        also on with 'store = on' in DIR/config. Suppressed\n"
          "                        fingerprints (false positives) are never shown\n"
          "\n"
          "Exit status: 0 something reported, 1 nothing reported, 2 an error occurred (even when\n"
          "something was reported).\n",
          f);
}

int cmd_scan(int argc, char **argv)
{
    scan_opts o;
    scan_opts_init(&o);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", scan_long, NULL)) != -1) {
        if (c == 'h') {
            scan_usage(stdout);
            return 0;
        }
        int rc = scan_parse_option(c, optarg, &o);
        if (rc == -1) {
            scan_usage(stderr);
            return 2;
        }
        if (rc)
            return rc;
    }
    o.paths = argv + optind;
    o.npaths = (size_t)(argc - optind);
    scan_session *s;
    if (scan_session_open(&o, &s) != 0)
        return 2;
    if (o.text)
        printf("%-8s %5s  %-8s  %-28s  %s\n", "SEVERITY", "SCORE", "PERSON", "MATCHED",
               "DOCUMENT");
    if (optind == argc)
        scan_session_path(s, "-");
    for (int i = optind; i < argc; i++)
        scan_session_path(s, argv[i]);
    return scan_session_close(s);
}
