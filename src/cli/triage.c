/*
 * Triage from the command line: vigil alerts list|show|set, vigil person, vigil baseline
 * export|import, vigil audit verify, vigil evidence export|verify. Everything goes through the
 * store API; this file parses arguments and renders the store's JSON as tables for people.
 */
#include "cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *actor(void)
{
    const char *a = getenv("VIGIL_ANALYST");
    if (!a || !*a)
        a = getenv("USER");
    if (!a || !*a)
        a = getenv("LOGNAME");
    return a && *a ? a : "unknown";
}

static int open_store(const char *vault_opt, vigil_vault **v, vigil_store **s)
{
    if (cli_open_vault(vault_opt, v) != 0)
        return 2;
    char err[1024];
    vigil_status st = vigil_store_open(*v, 0, s, err, sizeof err);
    if (st == VIGIL_ERR_NOTFOUND) {
        cli_error("%s/store.db: no alert store yet; scan with --store first",
                  cli_vault_dir(vault_opt));
        vigil_vault_close(*v);
        return 2;
    }
    if (st) {
        cli_error("%s", err);
        vigil_vault_close(*v);
        return 2;
    }
    return 0;
}

static void close_store(vigil_vault *v, vigil_store *s)
{
    vigil_store_close(s);
    vigil_vault_close(v);
}

/* "2026-11-29", "2026-11-29T10:00:00Z", or a duration back from now: "30m", "24h", "7d". */
static int parse_since(const char *arg, int64_t *out)
{
    char *end;
    long v = strtol(arg, &end, 10);
    if (end != arg && end[1] == '\0' && v >= 0 && strchr("mhd", *end)) {
        long mult = *end == 'm' ? 60 : *end == 'h' ? 3600 : 86400;
        *out = (int64_t)time(NULL) - (int64_t)v * mult;
        return 0;
    }
    struct tm tm = {0};
    const char *rest = strptime(arg, "%Y-%m-%d", &tm);
    if (!rest)
        return -1;
    if (*rest == 'T' && !(rest = strptime(rest + 1, "%H:%M:%S", &tm)))
        return -1;
    if (*rest == 'Z')
        rest++;
    if (*rest)
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

/* The next object of a buffer of JSON lines (to json_decref), NULL at its end; *cur moves on. */
static json_t *next_json_line(const char **cur)
{
    while (*cur && **cur) {
        const char *nl = strchr(*cur, '\n');
        size_t n = nl ? (size_t)(nl - *cur) : strlen(*cur);
        json_t *o = json_loadb(*cur, n, 0, NULL);
        *cur += n + (nl ? 1 : 0);
        if (o)
            return o;
    }
    return NULL;
}

static void print_safe(const char *s)
{
    for (; s && *s; s++)
        putchar((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t' ? '?' : *s);
}

static void join(json_t *arr, char *out, size_t cap)
{
    out[0] = '\0';
    json_t *v;
    size_t i;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v))
            continue;
        if (strlen(out) + strlen(json_string_value(v)) + 2 >= cap)
            break;
        if (out[0])
            strcat(out, ",");
        strcat(out, json_string_value(v));
    }
    if (!out[0])
        snprintf(out, cap, "-");
}

static int alerts_list(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vault", required_argument, NULL, 'v'}, {"status", required_argument, NULL, 's'},
        {"severity", required_argument, NULL, 'S'}, {"person", required_argument, NULL, 'p'},
        {"since", required_argument, NULL, 't'}, {"json", no_argument, NULL, 'J'},
        {NULL, 0, NULL, 0}};
    const char *vault = NULL;
    vigil_alert_filter f = {.status = -1, .min_severity = VIGIL_SEV_INFO};
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vault = optarg; break;
        case 's': {
            vigil_alert_status st;
            if (vigil_alert_status_parse(optarg, &st) != VIGIL_OK) {
                cli_error("--status: '%s' is not one of new, acknowledged, escalated, resolved, "
                          "false-positive", optarg);
                return 2;
            }
            f.status = (int)st;
            break;
        }
        case 'S': {
            vigil_severity sev;
            if (vigil_severity_parse(optarg, &sev) != VIGIL_OK) {
                cli_error("--severity: '%s' is not one of info, low, medium, high, critical",
                          optarg);
                return 2;
            }
            f.min_severity = (int)sev;
            break;
        }
        case 'p': f.person = optarg; break;
        case 't':
            if (parse_since(optarg, &f.since) != 0) {
                cli_error("--since: '%s' is not a date (2026-11-29, 2026-11-29T10:00:00Z) or a "
                          "duration (30m, 24h, 7d)", optarg);
                return 2;
            }
            break;
        case 'J': json = true; break;
        default: return 2;
        }
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    vigil_status st = vigil_store_alerts(s, &f, &out);
    if (st) {
        cli_error("%s", vigil_store_errmsg(s));
    } else if (json) {
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    } else {
        printf("%-6s %-8s %-15s %5s %7s  %-20s  %-20s  %-24s %s\n", "ID", "SEVERITY", "STATUS",
               "SEEN", "SOURCES", "LAST SEEN", "PEOPLE", "LABELS", "DOCUMENT");
        const char *cur = out.data;
        for (json_t *o; (o = next_json_line(&cur)) != NULL;) {
            char people[256], labels[256];
            join(json_object_get(o, "people"), people, sizeof people);
            join(json_object_get(o, "labels"), labels, sizeof labels);
            printf("%-6lld %-8s %-15s %5lld %7lld  %-20s  %-20s  %-24s ",
                   (long long)json_integer_value(json_object_get(o, "id")),
                   json_string_value(json_object_get(o, "severity")),
                   json_string_value(json_object_get(o, "status")),
                   (long long)json_integer_value(json_object_get(o, "sightings")),
                   (long long)json_integer_value(json_object_get(o, "sources")),
                   json_string_value(json_object_get(o, "last_seen")), people, labels);
            print_safe(json_string_value(json_object_get(o, "doc")));
            putchar('\n');
            json_decref(o);
        }
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return st ? 2 : 0;
}

/* The evidence text with every span marked [[...]] and its kind after it. */
static void print_marked(const char *text, json_t *result)
{
    size_t n = strlen(text);
    unsigned char *mark = calloc(n + 1, 1); /* 1 opens at, 2 closes at */
    char **label = calloc(n + 1, sizeof *label);
    if (!mark || !label) {
        free(mark);
        free(label);
        print_safe(text);
        return;
    }
    json_t *p, *sp;
    size_t i, j;
    json_t *groups[3] = {NULL, json_object_get(json_object_get(result, "threat"), "spans"),
                         json_object_get(result, "pii")};
    json_array_foreach(json_object_get(result, "people"), i, p)
    {
        json_array_foreach(json_object_get(p, "spans"), j, sp)
        {
            size_t a = (size_t)json_integer_value(json_object_get(sp, "start"));
            size_t b = (size_t)json_integer_value(json_object_get(sp, "end"));
            if (a < b && b <= n && !json_object_get(sp, "encoding")) {
                mark[a] |= 1;
                mark[b] |= 2;
                label[b] = (char *)json_string_value(json_object_get(sp, "kind"));
            }
        }
    }
    for (int g = 1; g < 3; g++)
        json_array_foreach(groups[g], j, sp)
        {
            size_t a = (size_t)json_integer_value(json_object_get(sp, "start"));
            size_t b = (size_t)json_integer_value(json_object_get(sp, "end"));
            const char *k = json_string_value(json_object_get(sp, g == 1 ? "label" : "kind"));
            if (a < b && b <= n && !json_object_get(sp, "encoding") && !mark[a] && !mark[b]) {
                mark[a] |= 1;
                mark[b] |= 2;
                label[b] = (char *)k;
            }
        }
    for (size_t k = 0; k <= n; k++) {
        if (mark[k] & 2)
            printf("]]{%s}", label[k] ? label[k] : "?");
        if (mark[k] & 1)
            fputs("[[", stdout);
        if (k < n)
            putchar((unsigned char)text[k] < 0x20 && text[k] != '\n' && text[k] != '\t'
                        ? '?' : text[k]);
    }
    putchar('\n');
    free(mark);
    free(label);
}

static int alerts_show(int argc, char **argv)
{
    static const struct option opts[] = {{"vault", required_argument, NULL, 'v'},
                                         {"json", no_argument, NULL, 'J'},
                                         {NULL, 0, NULL, 0}};
    const char *vault = NULL;
    bool json = false;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'v') vault = optarg;
        else if (c == 'J') json = true;
        else return 2;
    }
    char *end;
    long long id = optind < argc ? strtoll(argv[optind], &end, 10) : 0;
    if (optind >= argc || *end || id <= 0) {
        cli_error("usage: vigil alerts show [--vault DIR] [--json] ID");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    vigil_status st = vigil_store_alert(s, id, actor(), &out);
    if (st) {
        cli_error("%s", vigil_store_errmsg(s));
    } else if (json) {
        fwrite(out.data, 1, out.len, stdout);
    } else {
        json_t *o = json_loads(out.data, 0, NULL);
        char people[256], labels[256];
        join(json_object_get(o, "people"), people, sizeof people);
        join(json_object_get(o, "labels"), labels, sizeof labels);
        printf("alert %lld: %s, score %.3f, status %s\n", id,
               json_string_value(json_object_get(o, "severity")),
               json_real_value(json_object_get(o, "score")),
               json_string_value(json_object_get(o, "status")));
        printf("people: %s\nthreat labels: %s\n", people, labels);
        json_t *b = json_object_get(o, "bounty");
        if (json_is_number(b))
            printf("bounty: %.0f\n", json_number_value(b));
        printf("fingerprint: %s\nfirst seen: %s, last seen: %s, %lld sighting(s) from %lld "
               "source(s)\n",
               json_is_string(json_object_get(o, "fingerprint"))
                   ? json_string_value(json_object_get(o, "fingerprint")) : "-",
               json_string_value(json_object_get(o, "first_seen")),
               json_string_value(json_object_get(o, "last_seen")),
               (long long)json_integer_value(json_object_get(o, "sightings")),
               (long long)json_integer_value(json_object_get(o, "sources")));
        json_t *x;
        size_t i;
        /* why: what matched for each person, and the rules and model behind the threat */
        json_t *result = json_object_get(o, "result");
        puts("\nreasons:");
        json_array_foreach(json_object_get(result, "people"), i, x)
        {
            char kinds[128];
            join(json_object_get(x, "matched"), kinds, sizeof kinds);
            printf("  %s exposed: %s\n", json_string_value(json_object_get(x, "person")), kinds);
        }
        json_t *threat = json_object_get(result, "threat");
        if (json_is_object(threat))
            printf("  threat score %.3f\n", json_number_value(json_object_get(threat, "score")));
        json_array_foreach(json_object_get(threat, "explain"), i, x)
        {
            long long line = json_integer_value(json_object_get(x, "rule_line"));
            if (line)
                printf("    rule at line %lld", line);
            else
                printf("    model");
            printf(": %s, weight %.3f", json_string_value(json_object_get(x, "label")),
                   json_number_value(json_object_get(x, "weight")));
            if (json_is_string(json_object_get(x, "context")))
                printf(", lowered by %s", json_string_value(json_object_get(x, "context")));
            putchar('\n');
        }
        json_t *pii = json_object_get(result, "pii");
        if (json_array_size(pii)) {
            printf("  personal data:");
            json_array_foreach(pii, i, x)
                printf(" %s", json_string_value(json_object_get(x, "kind")));
            putchar('\n');
        }
        puts("\nsightings:");
        json_array_foreach(json_object_get(o, "sightings_list"), i, x)
        {
            printf("  %s  ", json_string_value(json_object_get(x, "seen")));
            print_safe(json_string_value(json_object_get(x, "doc")));
            if (json_is_string(json_object_get(x, "url"))) {
                fputs("  ", stdout);
                print_safe(json_string_value(json_object_get(x, "url")));
            }
            putchar('\n');
        }
        if (json_array_size(json_object_get(o, "notes"))) {
            puts("\nnotes:");
            json_array_foreach(json_object_get(o, "notes"), i, x)
            {
                printf("  %s %s -> %s: ", json_string_value(json_object_get(x, "time")),
                       json_string_value(json_object_get(x, "actor")),
                       json_string_value(json_object_get(x, "status")));
                print_safe(json_string_value(json_object_get(x, "note")));
                putchar('\n');
            }
        }
        puts("\nevidence (matched spans marked [[...]]{kind}):");
        const char *text = json_string_value(json_object_get(o, "text"));
        if (text)
            print_marked(text, json_object_get(o, "result"));
        else
            printf("  (%s)\n", json_string_value(json_object_get(o, "text_error")));
        json_decref(o);
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return st ? 2 : 0;
}

static int alerts_set(int argc, char **argv)
{
    static const struct option opts[] = {{"vault", required_argument, NULL, 'v'},
                                         {"note", required_argument, NULL, 'n'},
                                         {NULL, 0, NULL, 0}};
    const char *vault = NULL, *note = "";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'v') vault = optarg;
        else if (c == 'n') note = optarg;
        else return 2;
    }
    vigil_alert_status status;
    char *end = NULL;
    long long id = optind + 1 < argc ? strtoll(argv[optind], &end, 10) : 0;
    if (optind + 2 != argc || !end || *end || id <= 0 ||
        vigil_alert_status_parse(argv[optind + 1], &status) != VIGIL_OK) {
        cli_error("usage: vigil alerts set [--vault DIR] ID STATUS [--note TEXT]; STATUS is "
                  "new, acknowledged, escalated, resolved or false-positive");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_status st = vigil_store_set_status(s, id, status, note, actor());
    if (st)
        cli_error("%s", vigil_store_errmsg(s));
    else
        fprintf(stderr, "vigil: alert %lld is %s%s\n", id, vigil_alert_status_name(status),
                status == VIGIL_ALERT_FALSE_POSITIVE ? "; its fingerprint is suppressed in "
                                                       "later scans" : "");
    close_store(v, s);
    return st ? 2 : 0;
}

int cmd_alerts(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "list") == 0)
        return alerts_list(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "show") == 0)
        return alerts_show(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "set") == 0)
        return alerts_set(argc - 1, argv + 1);
    cli_error("usage: vigil alerts list|show|set ... (see README, 'Triage')");
    return 2;
}

/* Options shared by the small commands: --vault and --json, then positional arguments. */
static int simple_opts(int argc, char **argv, const char **vault, bool *json)
{
    static const struct option opts[] = {{"vault", required_argument, NULL, 'v'},
                                         {"json", no_argument, NULL, 'J'},
                                         {NULL, 0, NULL, 0}};
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'v') *vault = optarg;
        else if (c == 'J' && json) *json = true;
        else return -1;
    }
    return optind;
}

int cmd_person(int argc, char **argv)
{
    const char *vault = NULL;
    bool json = false;
    int i = simple_opts(argc, argv, &vault, &json);
    if (i < 0 || i + 1 != argc) {
        cli_error("usage: vigil person [--vault DIR] [--json] ID");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    vigil_status st = vigil_store_person(s, argv[i], &out);
    if (st) {
        cli_error("%s", vigil_store_errmsg(s));
    } else if (json) {
        fwrite(out.data, 1, out.len, stdout);
    } else {
        json_t *o = json_loads(out.data, 0, NULL);
        printf("person %s: %lld alert(s), %lld exposure(s), %lld threat(s)\n\n", argv[i],
               (long long)json_array_size(json_object_get(o, "alerts")),
               (long long)json_integer_value(json_object_get(o, "exposures")),
               (long long)json_integer_value(json_object_get(o, "threats")));
        printf("%-20s %-6s %-8s %-22s %-22s %s\n", "FIRST SEEN", "ALERT", "SEVERITY", "MATCHED",
               "LABELS", "BOUNTY");
        json_t *a;
        size_t k;
        json_array_foreach(json_object_get(o, "alerts"), k, a)
        {
            char labels[128];
            join(json_object_get(a, "labels"), labels, sizeof labels);
            json_t *b = json_object_get(a, "bounty");
            char bounty[32] = "-";
            if (json_is_number(b))
                snprintf(bounty, sizeof bounty, "%.0f", json_number_value(b));
            printf("%-20s %-6lld %-8s %-22s %-22s %s\n",
                   json_string_value(json_object_get(a, "first_seen")),
                   (long long)json_integer_value(json_object_get(a, "id")),
                   json_string_value(json_object_get(a, "severity")),
                   json_string_value(json_object_get(a, "matched")), labels, bounty);
        }
        if (json_array_size(json_object_get(o, "bounties"))) {
            puts("\nbounties offered over time:");
            json_array_foreach(json_object_get(o, "bounties"), k, a)
            {
                printf("  %s  %12.0f  alert %lld%s\n",
                       json_string_value(json_object_get(a, "time")),
                       json_number_value(json_object_get(a, "amount")),
                       (long long)json_integer_value(json_object_get(a, "alert")),
                       json_is_true(json_object_get(a, "rising")) ? "  (rising)" : "");
            }
        }
        json_decref(o);
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return st ? 2 : 0;
}

static int write_out(const char *file, const vigil_buf *out)
{
    FILE *f = file && strcmp(file, "-") != 0 ? fopen(file, "wb") : stdout;
    if (!f || fwrite(out->data ? out->data : "", 1, out->len, f) != out->len ||
        (f != stdout && fclose(f) != 0)) {
        cli_error("%s: cannot write", file ? file : "standard output");
        return 2;
    }
    return 0;
}

static int slurp(const char *path, char **data, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open", path);
        return -1;
    }
    size_t cap = 65536, n = 0;
    char *p = malloc(cap);
    for (;;) {
        if (!p)
            break;
        n += fread(p + n, 1, cap - n, f);
        if (n < cap || cap >= ((size_t)64 << 20))
            break;
        char *q = realloc(p, cap * 2);
        if (!q) {
            free(p);
            p = NULL;
            break;
        }
        p = q;
        cap *= 2;
    }
    bool bad = ferror(f) || !p;
    fclose(f);
    if (bad) {
        free(p);
        snprintf(err, errlen, "%s: cannot read", path);
        return -1;
    }
    *data = p;
    *len = n;
    return 0;
}

int cmd_baseline(int argc, char **argv)
{
    const char *vault = NULL;
    int i = argc >= 2 ? simple_opts(argc - 1, argv + 1, &vault, NULL) : -1;
    bool exp = argc >= 2 && strcmp(argv[1], "export") == 0;
    bool imp = argc >= 2 && strcmp(argv[1], "import") == 0;
    if (i < 0 || (!exp && !imp) || (imp && i + 2 != argc) || (exp && i + 1 < argc - 1)) {
        cli_error("usage: vigil baseline export [--vault DIR] [FILE] | vigil baseline import "
                  "[--vault DIR] FILE");
        return 2;
    }
    const char *file = i + 1 < argc ? argv[i + 1] : NULL;
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    int rc = 0;
    if (exp) {
        vigil_buf out = {0};
        if (vigil_store_baseline_export(s, &out) != VIGIL_OK) {
            cli_error("%s", vigil_store_errmsg(s));
            rc = 2;
        } else {
            rc = write_out(file, &out);
        }
        vigil_buf_free(&out);
    } else {
        char *data;
        size_t len;
        char err[1024];
        if (slurp(file, &data, &len, err, sizeof err) != 0) {
            cli_error("%s", err);
            rc = 2;
        } else {
            size_t n;
            if (vigil_store_baseline_import(s, data, len, actor(), &n, err, sizeof err) !=
                VIGIL_OK) {
                cli_error("%s: %s", file, err);
                rc = 2;
            } else {
                fprintf(stderr, "vigil: %zu suppression%s imported\n", n, n == 1 ? "" : "s");
            }
            free(data);
        }
    }
    close_store(v, s);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    static const struct option opts[] = {{"vault", required_argument, NULL, 'v'},
                                         {"expect", required_argument, NULL, 'e'},
                                         {NULL, 0, NULL, 0}};
    bool verify = argc >= 2 && strcmp(argv[1], "verify") == 0;
    bool head = argc >= 2 && strcmp(argv[1], "head") == 0;
    const char *vault = NULL, *expect = NULL;
    int c;
    optind = 1;
    while ((verify || head) && (c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'v') vault = optarg;
        else if (c == 'e' && verify) expect = optarg;
        else return 2;
    }
    if ((!verify && !head) || optind + 1 != argc) {
        cli_error("usage: vigil audit verify [--vault DIR] [--expect SEQ:HASH] | vigil audit "
                  "head [--vault DIR]");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    char err[1024], h[128];
    int rc = 0;
    if (head) {
        if (vigil_store_audit_head(s, h, sizeof h) != VIGIL_OK) {
            cli_error("%s", vigil_store_errmsg(s));
            rc = 2;
        } else {
            printf("%s\n", h);
        }
    } else {
        size_t n;
        vigil_status st = vigil_store_audit_verify(s, &n, err, sizeof err);
        if (!st && expect)
            st = vigil_store_audit_expect(s, expect, err, sizeof err);
        if (st) {
            cli_error("audit log: %s", err);
            rc = st == VIGIL_ERR_ARG ? 2 : 1;
        } else {
            printf("audit log intact: %zu entr%s, hash chain verified%s\n", n,
                   n == 1 ? "y" : "ies", expect ? ", anchored head present" : "");
        }
    }
    close_store(v, s);
    return rc;
}

int cmd_evidence(int argc, char **argv)
{
    const char *vault = NULL;
    int i = argc >= 2 ? simple_opts(argc - 1, argv + 1, &vault, NULL) : -1;
    if (i >= 0 && strcmp(argv[1], "export") == 0 && i + 3 == argc) {
        char *end;
        long long id = strtoll(argv[i + 1], &end, 10);
        if (*end || id <= 0) {
            cli_error("evidence export: '%s' is not an alert number", argv[i + 1]);
            return 2;
        }
        vigil_vault *v;
        vigil_store *s;
        if (open_store(vault, &v, &s))
            return 2;
        char err[1024];
        vigil_status st = vigil_evidence_export(s, id, argv[i + 2], actor(), err, sizeof err);
        if (st)
            cli_error("%s", err);
        else
            fprintf(stderr, "vigil: evidence for alert %lld written to %s (signed)\n", id,
                    argv[i + 2]);
        close_store(v, s);
        return st ? 2 : 0;
    }
    if (i >= 0 && strcmp(argv[1], "verify") == 0 && i + 2 == argc) {
        vigil_vault *v = NULL;
        if (vault && cli_open_vault(vault, &v) != 0)
            return 2;
        char key[65], err[1024];
        vigil_status st = vigil_evidence_verify(argv[i + 1], v, key, err, sizeof err);
        if (st)
            cli_error("%s: NOT VERIFIED: %s", argv[i + 1], err);
        else
            printf("%s: verified: signature and hashes match; signed by key %s%s\n", argv[i + 1],
                   key, v ? " (this vault's)" : "");
        vigil_vault_close(v);
        return st ? 1 : 0;
    }
    cli_error("usage: vigil evidence export [--vault DIR] ALERT DIR | vigil evidence verify "
              "[--vault DIR] DIR");
    return 2;
}

int cmd_campaigns(int argc, char **argv)
{
    static const struct option opts[] = {{"vault", required_argument, NULL, 'v'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"all", no_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    bool list = argc >= 2 && strcmp(argv[1], "list") == 0;
    bool show = argc >= 2 && strcmp(argv[1], "show") == 0;
    const char *vault = NULL;
    bool json = false, all = false;
    int c;
    optind = 1;
    while ((list || show) && (c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        if (c == 'v') vault = optarg;
        else if (c == 'J') json = true;
        else if (c == 'a') all = true;
        else return 2;
    }
    int pos = optind + 1;
    char *end = NULL;
    long long id = show && pos < argc ? strtoll(argv[pos], &end, 10) : 0;
    if (!(list && pos == argc) && !(show && pos + 1 == argc && end && !*end && id > 0)) {
        cli_error("usage: vigil campaigns list [--vault DIR] [--all] [--json] | vigil campaigns "
                  "show [--vault DIR] [--json] ID");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    vigil_status st = list ? vigil_store_campaigns(s, all, &out)
                           : vigil_store_campaign_show(s, id, &out);
    if (st) {
        cli_error("%s", vigil_store_errmsg(s));
    } else if (json) {
        fwrite(out.data ? out.data : "", 1, out.len, stdout);
    } else {
        if (list)
            printf("%-6s %-9s %4s %7s %9s  %-20s  %-20s  %-20s %s\n", "ID", "STATUS", "DOCS",
                   "SOURCES", "SIGHTINGS", "FIRST SEEN", "LAST SEEN", "PEOPLE", "LABELS");
        const char *cur = out.data;
        for (json_t *o; (o = next_json_line(&cur)) != NULL;) {
            char people[256], labels[256];
            join(json_object_get(o, "people"), people, sizeof people);
            join(json_object_get(o, "labels"), labels, sizeof labels);
            printf("%-6lld %-9s %4lld %7lld %9lld  %-20s  %-20s  %-20s %s\n",
                   (long long)json_integer_value(json_object_get(o, "id")),
                   json_is_true(json_object_get(o, "escalated")) ? "escalated" : "open",
                   (long long)json_integer_value(json_object_get(o, "documents")),
                   (long long)json_integer_value(json_object_get(o, "sources")),
                   (long long)json_integer_value(json_object_get(o, "sightings")),
                   json_string_value(json_object_get(o, "first_seen")),
                   json_string_value(json_object_get(o, "last_seen")), people, labels);
            if (show) {
                json_t *x;
                size_t i;
                puts("\nsightings:");
                json_array_foreach(json_object_get(o, "sightings_list"), i, x)
                {
                    printf("  %s  alert %-5lld %-24s ", json_string_value(json_object_get(x, "seen")),
                           (long long)json_integer_value(json_object_get(x, "alert")),
                           json_string_value(json_object_get(x, "host")));
                    print_safe(json_string_value(json_object_get(x, "doc")));
                    putchar('\n');
                }
            }
            json_decref(o);
        }
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return st ? 2 : 0;
}

int cmd_export(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vault", required_argument, NULL, 'v'}, {"format", required_argument, NULL, 'f'},
        {"since", required_argument, NULL, 't'}, {"tlp", required_argument, NULL, 'T'},
        {"out", required_argument, NULL, 'o'}, {NULL, 0, NULL, 0}};
    const char *vault = NULL, *tlp = NULL, *file = NULL;
    vigil_export_format fmt = VIGIL_EXPORT_JSONL;
    int64_t since = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vault = optarg; break;
        case 'f':
            if (strcmp(optarg, "jsonl") == 0) fmt = VIGIL_EXPORT_JSONL;
            else if (strcmp(optarg, "csv") == 0) fmt = VIGIL_EXPORT_CSV;
            else if (strcmp(optarg, "stix") == 0) fmt = VIGIL_EXPORT_STIX;
            else {
                cli_error("--format: '%s' is not jsonl, csv or stix", optarg);
                return 2;
            }
            break;
        case 't':
            if (parse_since(optarg, &since) != 0) {
                cli_error("--since: '%s' is not a date or a duration (24h, 7d)", optarg);
                return 2;
            }
            break;
        case 'T': tlp = optarg; break;
        case 'o': file = optarg; break;
        default:
            cli_error("usage: vigil export [--vault DIR] [--format jsonl|csv|stix] [--since T] "
                      "[--tlp LEVEL] [--out FILE]");
            return 2;
        }
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    vigil_status st = vigil_store_export(s, fmt, since, tlp, &out);
    int rc = 0;
    if (st) {
        cli_error("%s", vigil_store_errmsg(s));
        rc = 2;
    } else {
        rc = write_out(file, &out);
        if (!rc && vigil_store_audit(s, actor(), "export",
                                     fmt == VIGIL_EXPORT_STIX ? "stix" : fmt == VIGIL_EXPORT_CSV
                                                                             ? "csv" : "jsonl",
                                     file ? file : "-") != VIGIL_OK) {
            cli_error("%s", vigil_store_errmsg(s));
            rc = 2;
        }
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return rc;
}

int cmd_report(int argc, char **argv)
{
    static const struct option opts[] = {
        {"vault", required_argument, NULL, 'v'}, {"person", required_argument, NULL, 'p'},
        {"html", required_argument, NULL, 'H'}, {"tlp", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0}};
    const char *vault = NULL, *person = NULL, *file = NULL, *tlp = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'v': vault = optarg; break;
        case 'p': person = optarg; break;
        case 'H': file = optarg; break;
        case 'T': tlp = optarg; break;
        default: file = NULL; optind = argc + 1; break;
        }
    }
    if (!file || optind != argc) {
        cli_error("usage: vigil report [--vault DIR] [--person ID] [--tlp LEVEL] --html FILE");
        return 2;
    }
    vigil_vault *v;
    vigil_store *s;
    if (open_store(vault, &v, &s))
        return 2;
    vigil_buf out = {0};
    int rc = 0;
    if (vigil_store_report_html(s, person, tlp, (int64_t)time(NULL), &out) != VIGIL_OK) {
        cli_error("%s", vigil_store_errmsg(s));
        rc = 2;
    } else {
        rc = write_out(file, &out);
        if (!rc && vigil_store_audit(s, actor(), "report", person ? person : "all",
                                     file) != VIGIL_OK)
            rc = 2;
    }
    vigil_buf_free(&out);
    close_store(v, s);
    return rc;
}
