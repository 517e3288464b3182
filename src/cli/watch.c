/*
 * vigil watch: continuous monitoring of folders a crawler or mail export writes into.
 *
 * Every file under the watched folders is scanned once, then again only for what is new:
 * inotify reports files closed after writing, moved in and grown, and folders created. A state
 * file records, per file, its identity (device, inode) and how far it has been scanned; it is
 * rewritten atomically after the output of each file is written, so a restart resumes where the
 * last run stopped: nothing is scanned twice and nothing is skipped (a crash between the output
 * and the state write can repeat the last file, never lose it).
 *
 * Files that grow by appending (JSON Lines, plain text, WARC, mbox, concatenated gzip members)
 * are resumed from the saved offset; JSON Lines and plain text are read up to their last
 * complete line even while being written. HTML and e-mail files are documents as a whole and
 * are scanned again when they change. A file replaced or truncated is scanned from the start.
 */
#include "scan.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    char *path;
    unsigned long long dev, ino, offset, size;
    long long mtime_ns;
} entry;

typedef struct watch {
    scan_session *s;
    const scan_opts *o;
    const char *state_path;
    entry *v;
    size_t n, cap;
    int ifd;
    char **wd_path; /* by watch descriptor */
    size_t nwd;
    bool dirty;
} watch;

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static entry *find(watch *w, const char *path)
{
    for (size_t i = 0; i < w->n; i++)
        if (strcmp(w->v[i].path, path) == 0)
            return &w->v[i];
    return NULL;
}

static entry *add(watch *w, const char *path)
{
    entry *e = find(w, path);
    if (e)
        return e;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        entry *p = realloc(w->v, cap * sizeof *p);
        if (!p)
            return NULL;
        w->v = p;
        w->cap = cap;
    }
    e = &w->v[w->n];
    memset(e, 0, sizeof *e);
    e->path = strdup(path);
    if (!e->path)
        return NULL;
    w->n++;
    return e;
}

static int load_state(watch *w)
{
    FILE *f = fopen(w->state_path, "rb");
    if (!f)
        return errno == ENOENT ? 0 : -1;
    char *line = NULL;
    size_t cap = 0, lineno = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0) {
        lineno++;
        json_t *o = json_loadb(line, (size_t)n, 0, NULL);
        const char *path = json_string_value(json_object_get(o, "path"));
        entry *e = path ? add(w, path) : NULL;
        if (!e) {
            cli_error("%s:%zu: not a watch state record; ignored", w->state_path, lineno);
        } else {
            e->dev = (unsigned long long)json_integer_value(json_object_get(o, "dev"));
            e->ino = (unsigned long long)json_integer_value(json_object_get(o, "ino"));
            e->offset = (unsigned long long)json_integer_value(json_object_get(o, "offset"));
            e->size = (unsigned long long)json_integer_value(json_object_get(o, "size"));
            e->mtime_ns = json_integer_value(json_object_get(o, "mtime_ns"));
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    return 0;
}

/* Writes the state to a temporary file and renames it over the old one. */
static int save_state(watch *w)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s.tmp", w->state_path);
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        cli_error("%s: cannot write the watch state: %s", tmp, strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < w->n; i++) {
        const entry *e = &w->v[i];
        json_t *o = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I}", "path", e->path, "dev",
                              (json_int_t)e->dev, "ino", (json_int_t)e->ino, "offset",
                              (json_int_t)e->offset, "size", (json_int_t)e->size, "mtime_ns",
                              (json_int_t)e->mtime_ns);
        char *s = o ? json_dumps(o, JSON_COMPACT) : NULL;
        if (s)
            fprintf(f, "%s\n", s);
        free(s);
        json_decref(o);
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, w->state_path) != 0) {
        cli_error("%s: cannot write the watch state: %s", w->state_path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    w->dirty = false;
    return 0;
}

static bool has_ext(const char *p, const char *ext)
{
    size_t a = strlen(p), b = strlen(ext);
    return a >= b && strcasecmp(p + a - b, ext) == 0;
}

/* Documents as a whole: scanned again from the start when they change. */
static bool whole_document(const char *p)
{
    return has_ext(p, ".html") || has_ext(p, ".htm") || has_ext(p, ".xhtml") ||
           has_ext(p, ".eml");
}

/* Line formats, read up to their last complete line while they grow. */
static bool line_format(const char *p)
{
    return has_ext(p, ".jsonl") || has_ext(p, ".ndjson") || has_ext(p, ".txt") ||
           has_ext(p, ".log");
}

static bool excluded(const scan_opts *o, const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    /* hidden and temporary files (the state file's .tmp among them) */
    return base[0] == '.' || scan_excluded(o, path, false);
}

/* The offset of the byte after the last newline in [from, size), or from when none. */
static unsigned long long last_line_end(int fd, unsigned long long from, unsigned long long size)
{
    char buf[65536];
    unsigned long long end = size;
    while (end > from) {
        size_t n = end - from < sizeof buf ? (size_t)(end - from) : sizeof buf;
        ssize_t got = pread(fd, buf, n, (off_t)(end - n));
        if (got != (ssize_t)n)
            return from;
        for (size_t i = n; i > 0; i--)
            if (buf[i - 1] == '\n')
                return end - n + i;
        end -= n;
    }
    return from;
}

/* Scans what is new in one file; final is false for a file still being written. */
static void scan_file(watch *w, const char *path, bool final)
{
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || excluded(w->o, path) ||
        strcmp(path, w->state_path) == 0)
        return;
    entry *e = find(w, path);
    unsigned long long from = 0;
    long long mtime = (long long)sb.st_mtim.tv_sec * 1000000000LL + sb.st_mtim.tv_nsec;
    unsigned long long size = (unsigned long long)sb.st_size;
    if (e && e->dev == (unsigned long long)sb.st_dev && e->ino == (unsigned long long)sb.st_ino &&
        size >= e->offset) {
        if (whole_document(path)) {
            if (size == e->size && mtime == e->mtime_ns)
                return;
        } else {
            from = e->offset;
        }
    }
    if (!whole_document(path) && from == size && e && e->size == size)
        return;
    if (!final && !line_format(path))
        return; /* wait until the writer closes it */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        cli_error("%s: cannot open: %s", path, strerror(errno));
        return;
    }
    /* JSON Lines are read up to their last complete line always (a line is only complete
     * with its newline); plain text only while it is still being written */
    unsigned long long to = size;
    if (has_ext(path, ".jsonl") || has_ext(path, ".ndjson") || !final)
        to = last_line_end(fd, from, size);
    if (to <= from && !(to == 0 && size == 0 && !e)) {
        close(fd);
        return;
    }
    if (lseek(fd, (off_t)from, SEEK_SET) < 0) {
        close(fd);
        return;
    }
    char name[PATH_MAX + 32];
    if (from)
        snprintf(name, sizeof name, "%s@%llu", path, from); /* the part from byte `from` */
    else
        snprintf(name, sizeof name, "%s", path);
    vigil_reader *r;
    char err[1024];
    vigil_status st = vigil_reader_open_fd(fd, name, to - from, w->o->fmt, w->o->max_doc, &r,
                                           err, sizeof err);
    if (st == VIGIL_OK) {
        scan_session_reader(w->s, r, name);
        vigil_reader_close(r);
    } else if (st != VIGIL_ERR_SKIPPED) {
        cli_error("%s", err);
    }
    scan_session_flush(w->s);
    e = add(w, path);
    if (!e)
        return;
    e->dev = (unsigned long long)sb.st_dev;
    e->ino = (unsigned long long)sb.st_ino;
    e->offset = to;
    e->size = size;
    e->mtime_ns = mtime;
    save_state(w);
}

static void add_watch(watch *w, const char *dir)
{
    int wd = inotify_add_watch(w->ifd, dir, IN_CLOSE_WRITE | IN_MOVED_TO | IN_MODIFY |
                                                IN_CREATE | IN_ONLYDIR);
    if (wd < 0) {
        cli_error("%s: cannot watch: %s", dir, strerror(errno));
        return;
    }
    if ((size_t)wd >= w->nwd) {
        size_t n = (size_t)wd + 64;
        char **p = realloc(w->wd_path, n * sizeof *p);
        if (!p)
            return;
        memset(p + w->nwd, 0, (n - w->nwd) * sizeof *p);
        w->wd_path = p;
        w->nwd = n;
    }
    free(w->wd_path[wd]);
    w->wd_path[wd] = strdup(dir);
}

/* Watches a folder and its subfolders, and scans what they hold. */
static void walk(watch *w, const char *dir, int depth)
{
    if (depth > 64 || stop)
        return;
    if (w->ifd >= 0)
        add_watch(w, dir);
    char **names;
    size_t n;
    if (scan_list_dir(dir, true, &names, &n) != 0) {
        cli_error("%s: cannot open directory: %s", dir, strerror(errno));
        return;
    }
    for (size_t i = 0; i < n; i++) {
        char p[PATH_MAX];
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        struct stat sb;
        if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode)) {
            if (!scan_excluded(w->o, p, true))
                walk(w, p, depth + 1);
        }
        else if (lstat(p, &sb) == 0 && S_ISREG(sb.st_mode))
            scan_file(w, p, true);
        free(names[i]);
    }
    free(names);
}

static void events(watch *w)
{
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    ssize_t len = read(w->ifd, buf, sizeof buf);
    if (len <= 0)
        return;
    for (char *p = buf; p < buf + len;) {
        const struct inotify_event *ev = (const struct inotify_event *)p;
        p += sizeof *ev + ev->len;
        if (ev->mask & IN_Q_OVERFLOW) {
            for (size_t i = 0; i < w->nwd; i++) /* events were lost: look at everything */
                if (w->wd_path[i])
                    walk(w, w->wd_path[i], 0);
            continue;
        }
        if (ev->wd < 0 || (size_t)ev->wd >= w->nwd || !w->wd_path[ev->wd] || !ev->len)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", w->wd_path[ev->wd], ev->name);
        if (ev->mask & IN_ISDIR) {
            if ((ev->mask & (IN_CREATE | IN_MOVED_TO)) && ev->name[0] != '.' &&
                !scan_excluded(w->o, path, true))
                walk(w, path, 0);
            continue;
        }
        if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
            scan_file(w, path, true);
        else if (ev->mask & IN_MODIFY)
            scan_file(w, path, false);
    }
}

static void watch_usage(FILE *f)
{
    fputs("usage: vigil watch [--vault DIR] [--state FILE] [--once] [SCAN OPTIONS] DIR...\n"
          "\n"
          "Scans every file under the folders, then keeps scanning files as they appear or\n"
          "grow, until interrupted (SIGINT or SIGTERM). Progress is kept in the state file\n"
          "(default: watch.state in the vault), so a restart resumes without scanning anything\n"
          "twice or skipping anything. Takes the options of 'vigil scan'.\n"
          "  --state FILE   where progress is kept\n"
          "  --once         scan what is new and exit (for cron)\n",
          f);
}

int cmd_watch(int argc, char **argv)
{
    scan_opts o;
    scan_opts_init(&o);
    o.progress = false;
    const char *state = NULL;
    bool once = false;
    enum { OPT_STATE = 1000, OPT_ONCE };
    struct option opts[64];
    size_t k = 0;
    for (const struct option *p = scan_long_options(); p->name && k < 60; p++)
        opts[k++] = *p;
    opts[k++] = (struct option){"state", required_argument, NULL, OPT_STATE};
    opts[k++] = (struct option){"once", no_argument, NULL, OPT_ONCE};
    opts[k] = (struct option){NULL, 0, NULL, 0};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
        if (c == 'h') {
            watch_usage(stdout);
            return 0;
        }
        if (c == OPT_STATE) {
            state = optarg;
            continue;
        }
        if (c == OPT_ONCE) {
            once = true;
            continue;
        }
        int rc = scan_parse_option(c, optarg, &o);
        if (rc == -1) {
            watch_usage(stderr);
            return 2;
        }
        if (rc)
            return rc;
    }
    if (optind == argc) {
        watch_usage(stderr);
        return 2;
    }
    o.unordered = false;
    char state_buf[PATH_MAX];
    if (!state) {
        snprintf(state_buf, sizeof state_buf, "%s/watch.state", cli_vault_dir(o.vault));
        state = state_buf;
    }
    watch w = {.o = &o, .state_path = state, .ifd = -1};
    if (load_state(&w) != 0) {
        cli_error("%s: cannot read the watch state: %s", state, strerror(errno));
        return 2;
    }
    if (scan_session_open(&o, &w.s) != 0)
        return 2;
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!once) {
        w.ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        if (w.ifd < 0) {
            cli_error("inotify: %s", strerror(errno));
            scan_session_close(w.s);
            return 2;
        }
    }
    /* watch first, then scan what is there, so nothing written meanwhile is missed */
    for (int i = optind; i < argc; i++) {
        char real[PATH_MAX];
        const char *dir = realpath(argv[i], real) ? real : argv[i];
        struct stat sb;
        if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
            cli_error("%s: not a directory", argv[i]);
            continue;
        }
        /* paths are kept as given, so that the state matches across runs */
        walk(&w, argv[i], 0);
    }
    while (!once && !stop) {
        struct pollfd p = {w.ifd, POLLIN, 0};
        int r = poll(&p, 1, 500);
        if (r > 0)
            events(&w);
    }
    if (w.ifd >= 0)
        close(w.ifd);
    int rc = scan_session_close(w.s);
    for (size_t i = 0; i < w.n; i++)
        free(w.v[i].path);
    free(w.v);
    for (size_t i = 0; i < w.nwd; i++)
        free(w.wd_path[i]);
    free(w.wd_path);
    return rc == 2 ? 2 : 0;
}
