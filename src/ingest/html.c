/*
 * HTML to text with gumbo, the HTML5 parsing algorithm as browsers run it, so that broken
 * markup (unclosed tags, stray entities) yields the text a reader of the page sees. Script,
 * style and other invisible elements are dropped; block elements and <br> become line breaks so
 * that a name in one <td> and an address in the next stay apart as words but near each other;
 * the title comes first. Charsets other than UTF-8 are converted with ICU before parsing
 * (gumbo reads UTF-8 only).
 */
#include "ingest_int.h"

#include <ctype.h>
#include <gumbo.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/ucnv.h>

static bool invisible(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_HEAD: /* the title is taken separately */
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
        return true;
    default:
        return false;
    }
}

static bool block(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_BR: case GUMBO_TAG_LI:
    case GUMBO_TAG_UL: case GUMBO_TAG_OL: case GUMBO_TAG_TR: case GUMBO_TAG_TD:
    case GUMBO_TAG_TH: case GUMBO_TAG_TABLE: case GUMBO_TAG_H1: case GUMBO_TAG_H2:
    case GUMBO_TAG_H3: case GUMBO_TAG_H4: case GUMBO_TAG_H5: case GUMBO_TAG_H6:
    case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE: case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER: case GUMBO_TAG_NAV: case GUMBO_TAG_ASIDE: case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE: case GUMBO_TAG_DT: case GUMBO_TAG_DD: case GUMBO_TAG_DL:
    case GUMBO_TAG_HR: case GUMBO_TAG_FORM: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION: case GUMBO_TAG_MAIN: case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_OPTION: case GUMBO_TAG_BODY: case GUMBO_TAG_TITLE:
        return true;
    default:
        return false;
    }
}

/* Walks the tree without recursion (hostile pages nest thousands of levels deep). */
static vigil_status walk(const GumboNode *root, vigil_buf *out)
{
    typedef struct {
        const GumboNode *node;
        unsigned next;
    } frame;
    size_t cap = 64, depth = 0;
    frame *st = malloc(cap * sizeof *st);
    if (!st)
        return VIGIL_ERR_NOMEM;
    st[depth++] = (frame){root, 0};
    vigil_status rc = VIGIL_OK;
    while (depth && !rc) {
        frame *f = &st[depth - 1];
        const GumboNode *n = f->node;
        if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA ||
            n->type == GUMBO_NODE_WHITESPACE) {
            const char *t = n->v.text.text;
            rc = vigil_buf_append(out, t, strlen(t));
            depth--;
            continue;
        }
        if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_DOCUMENT &&
            n->type != GUMBO_NODE_TEMPLATE) {
            depth--;
            continue;
        }
        const GumboVector *kids = n->type == GUMBO_NODE_DOCUMENT ? &n->v.document.children
                                                                 : &n->v.element.children;
        bool is_el = n->type == GUMBO_NODE_ELEMENT;
        if (f->next == 0 && is_el) {
            if (invisible(n->v.element.tag)) {
                depth--;
                continue;
            }
            if (block(n->v.element.tag))
                rc = vigil_buf_append(out, "\n", 1);
        }
        if (f->next >= kids->length) {
            if (is_el && block(n->v.element.tag))
                rc = vigil_buf_append(out, "\n", 1);
            depth--;
            continue;
        }
        const GumboNode *child = kids->data[f->next++];
        if (depth == cap) {
            frame *p = realloc(st, cap * 2 * sizeof *st);
            if (!p) {
                rc = VIGIL_ERR_NOMEM;
                break;
            }
            st = p;
            cap *= 2;
        }
        st[depth++] = (frame){child, 0};
    }
    free(st);
    return rc;
}

static const GumboNode *find_title(const GumboNode *root)
{
    /* html > head > title, as the parser always builds it */
    if (root->type != GUMBO_NODE_ELEMENT)
        return NULL;
    const GumboVector *k = &root->v.element.children;
    for (unsigned i = 0; i < k->length; i++) {
        const GumboNode *h = k->data[i];
        if (h->type != GUMBO_NODE_ELEMENT || h->v.element.tag != GUMBO_TAG_HEAD)
            continue;
        const GumboVector *hk = &h->v.element.children;
        for (unsigned j = 0; j < hk->length; j++) {
            const GumboNode *t = hk->data[j];
            if (t->type == GUMBO_NODE_ELEMENT && t->v.element.tag == GUMBO_TAG_TITLE)
                return t;
        }
    }
    return NULL;
}

/* gumbo's tree takes 15-20 times the page's size; a page larger than this is parsed in pieces
 * cut before a tag, so that memory stays bounded (two 8 MB pages on two threads took 300 MB
 * whole). A cut never falls inside a script or style element, whose text would otherwise
 * come out as visible text; a single such element larger than a piece is cut anyway. */
#define HTML_PIECE ((size_t)1 << 20)

static size_t piece_cut(const char *html, size_t n);

/* Position of the last case-insensitive occurrence of tag in html[0..n), or (size_t)-1. */
static size_t last_tag(const char *html, size_t n, const char *tag)
{
    size_t tl = strlen(tag);
    for (size_t i = n >= tl ? n - tl + 1 : 0; i-- > 0;)
        if (html[i] == '<' && strncasecmp(html + i, tag, tl) == 0)
            return i;
    return (size_t)-1;
}

/* When html[0..at) ends inside a script or style element, where that element opens (so the
 * cut goes before it), else at. */
static size_t outside_raw_text(const char *html, size_t at)
{
    static const char *const open[] = {"<script", "<style"};
    static const char *const close[] = {"</script", "</style"};
    for (int k = 0; k < 2; k++) {
        size_t o = last_tag(html, at, open[k]);
        if (o == (size_t)-1)
            continue;
        size_t c = last_tag(html, at, close[k]);
        if (c == (size_t)-1 || c < o)
            return o > 0 ? o : at; /* inside: cut before it opened (unless it opens the piece) */
    }
    return at;
}

static size_t piece_end(const char *html, size_t n)
{
    if (n <= HTML_PIECE)
        return n;
    size_t cut = piece_cut(html, n);
    return outside_raw_text(html, cut);
}

static size_t piece_cut(const char *html, size_t n)
{
    static const char *const tags[] = {"<div", "<p", "</p", "</div", "<tr", "<li", "<br",
                                       "<td", "<h", "<section", "<article", "<table"};
    size_t lo = HTML_PIECE / 2, any = 0;
    for (size_t i = HTML_PIECE; i > lo; i--) {
        if (html[i] != '<')
            continue;
        if (!any)
            any = i;
        for (size_t k = 0; k < sizeof tags / sizeof *tags; k++)
            if (strncasecmp(html + i, tags[k], strlen(tags[k])) == 0)
                return i;
    }
    return any ? any : HTML_PIECE;
}

static vigil_status html_piece(const char *html, size_t n, vigil_buf *out);

vigil_status vigil_html_text(const char *html, size_t n, vigil_buf *out)
{
    vigil_status st = VIGIL_OK;
    while (n > HTML_PIECE && !st) {
        size_t cut = piece_end(html, n);
        st = html_piece(html, cut, out);
        html += cut;
        n -= cut;
    }
    return st ? st : html_piece(html, n, out);
}

static vigil_status html_piece(const char *html, size_t n, vigil_buf *out)
{
    GumboOptions opt = kGumboDefaultOptions;
    opt.max_errors = 0; /* errors are not needed, and collecting them costs memory */
    GumboOutput *g = gumbo_parse_with_options(&opt, html, n);
    if (!g)
        return VIGIL_ERR_NOMEM;
    vigil_status rc = VIGIL_OK;
    const GumboNode *title = find_title(g->root);
    if (title) {
        const GumboVector *k = &title->v.element.children;
        for (unsigned i = 0; i < k->length && !rc; i++) {
            const GumboNode *t = k->data[i];
            if (t->type == GUMBO_NODE_TEXT)
                rc = vigil_buf_append(out, t->v.text.text, strlen(t->v.text.text));
        }
        if (!rc)
            rc = vigil_buf_append(out, "\n", 1);
    }
    if (!rc)
        rc = walk(g->root, out);
    gumbo_destroy_output(&opt, g);
    return rc;
}

bool vigil_html_charset(const char *html, size_t n, char *out, size_t cap)
{
    if (n > 2048)
        n = 2048;
    for (size_t i = 0; i + 8 < n; i++) {
        if (strncasecmp(html + i, "charset", 7) != 0)
            continue;
        size_t j = i + 7;
        while (j < n && (html[j] == ' ' || html[j] == '='))
            j++;
        if (j < n && (html[j] == '"' || html[j] == '\''))
            j++;
        size_t k = 0;
        while (j < n && k + 1 < cap &&
               (isalnum((unsigned char)html[j]) || html[j] == '-' || html[j] == '_' ||
                html[j] == ':' || html[j] == '.'))
            out[k++] = html[j++];
        out[k] = '\0';
        if (k)
            return true;
    }
    return false;
}

static bool is_utf8_name(const char *cs)
{
    return strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0 ||
           strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") == 0;
}

vigil_status vigil_charset_to_utf8(const char *charset, const char *in, size_t n, vigil_buf *out)
{
    if (!charset || !*charset || is_utf8_name(charset))
        return vigil_buf_append(out, in, n);
    /* Pages labelled ISO-8859-1 are windows-1252 in practice (WHATWG Encoding). */
    if (strcasecmp(charset, "iso-8859-1") == 0 || strcasecmp(charset, "latin1") == 0)
        charset = "windows-1252";
    UErrorCode e = U_ZERO_ERROR;
    UConverter *c = ucnv_open(charset, &e);
    if (U_FAILURE(e))
        return VIGIL_ERR_ARG;
    ucnv_close(c);
    if (n > INT32_MAX / 4)
        return VIGIL_ERR_LIMIT;
    size_t cap = n * 3 + 16;
    vigil_status st = vigil_buf_reserve(out, cap);
    if (st)
        return st;
    e = U_ZERO_ERROR;
    int32_t got = ucnv_convert("UTF-8", charset, out->data + out->len, (int32_t)cap, in,
                               (int32_t)n, &e);
    if (U_FAILURE(e))
        return VIGIL_ERR_PARSE;
    out->len += (size_t)got;
    return VIGIL_OK;
}
