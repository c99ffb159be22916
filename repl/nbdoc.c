/* Parsing notebooks with cmark (see nbdoc.h). cmark gives each block its
 * source lines, so a runner can copy the document and put outputs back
 * after their cells. */
#include "nbdoc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmark.h>

#include "strbuf.h"

#define MAX_NOTEBOOK_BYTES (16u << 20) /* a notebook is text: refuse anything larger */

static char *dup_str(const char *s)
{
    char *d = strdup(s ? s : "");
    if (d == NULL) {
        fputs("recnote: out of memory\n", stderr);
        abort();
    }
    return d;
}

static void flatten(cmark_node *node, strbuf *b)
{
    for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c)) {
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
        case CMARK_NODE_CODE:
        case CMARK_NODE_HTML_INLINE:
            sb_puts(b, cmark_node_get_literal(c));
            break;
        case CMARK_NODE_SOFTBREAK:
            sb_putc(b, ' ');
            break;
        case CMARK_NODE_LINEBREAK:
            sb_putc(b, '\n');
            break;
        case CMARK_NODE_PARAGRAPH:
            if (b->len > 0) sb_puts(b, "\n\n");
            flatten(c, b);
            break;
        default:
            flatten(c, b);
        }
    }
}

char *nb_node_text(void *node)
{
    strbuf b = {0};
    flatten(node, &b);
    char *s = dup_str(sb_str(&b));
    sb_free(&b);
    return s;
}

char *nb_doc_lines(const nb_doc *d, int first, int last)
{
    const char *p = d->source;
    for (int line = 1; line < first && *p; line++) {
        const char *nl = strchr(p, '\n');
        p = nl ? nl + 1 : p + strlen(p);
    }
    const char *end = p;
    for (int line = first; line <= last && *end; line++) {
        const char *nl = strchr(end, '\n');
        end = nl ? nl + 1 : end + strlen(end);
    }
    char *s = malloc((size_t)(end - p) + 1);
    if (s == NULL) {
        fputs("recnote: out of memory\n", stderr);
        abort();
    }
    memcpy(s, p, (size_t)(end - p));
    s[end - p] = '\0';
    return s;
}

static nb_item *add_item(nb_doc *d, nb_kind kind, cmark_node *node)
{
    nb_item *items = realloc(d->items, (size_t)(d->n_items + 1) * sizeof *items);
    if (items == NULL) {
        fputs("recnote: out of memory\n", stderr);
        abort();
    }
    d->items = items;
    nb_item *it = &d->items[d->n_items++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->node = node;
    it->first_line = cmark_node_get_start_line(node);
    it->last_line = cmark_node_get_end_line(node);
    return it;
}

/* "lua check" -> language "lua", role "check". */
static void split_info(const char *info, char *lang, size_t langlen, char *role, size_t rolelen)
{
    size_t n = strcspn(info, " \t");
    snprintf(lang, langlen, "%.*s", (int)n, info);
    const char *r = info + n;
    while (*r == ' ' || *r == '\t')
        r++;
    size_t m = strcspn(r, " \t");
    snprintf(role, rolelen, "%.*s", (int)m, r);
}

/* Does the text start with "label:" (after the bold is flattened)? */
static int starts_with_label(const char *text, const char *label)
{
    size_t n = strlen(label);
    return strncmp(text, label, n) == 0 && text[n] == ':';
}

static const char *skip_label(const char *text)
{
    const char *p = strchr(text, ':') + 1;
    while (*p == ' ')
        p++;
    return p;
}

/* A block quote: a hint, a question with its answer, or prose. */
static void add_quote(nb_doc *d, cmark_node *quote)
{
    cmark_node *first = cmark_node_first_child(quote);
    char *text = first ? nb_node_text(first) : dup_str("");
    if (starts_with_label(text, "Hint")) {
        char *all = nb_node_text(quote);
        nb_item *it = add_item(d, NB_HINT, quote);
        it->text = dup_str(skip_label(all));
        free(all);
    } else if (starts_with_label(text, "Q")) {
        nb_item *it = add_item(d, NB_QUESTION, quote);
        strbuf q = {0}, a = {0};
        strbuf *into = &q;
        for (cmark_node *c = first; c; c = cmark_node_next(c)) {
            char *t = nb_node_text(c);
            const char *body = t;
            if (starts_with_label(t, "A")) {
                into = &a;
                body = skip_label(t);
            } else if (c == first) {
                body = skip_label(t);
            }
            if (into->len > 0) sb_puts(into, "\n\n");
            sb_puts(into, body);
            free(t);
        }
        it->text = dup_str(sb_str(&q));
        it->answer = dup_str(sb_str(&a));
        sb_free(&q);
        sb_free(&a);
    } else {
        add_item(d, NB_PROSE, quote);
    }
    free(text);
}

/* "- Topics: a, b" list items under the title. Returns 1 if it was one. */
static int read_title_list(nb_doc *d, cmark_node *list)
{
    int found = 0;
    for (cmark_node *li = cmark_node_first_child(list); li; li = cmark_node_next(li)) {
        char *t = nb_node_text(li);
        if (starts_with_label(t, "Topics")) {
            free(d->topics);
            d->topics = dup_str(skip_label(t));
            found = 1;
        } else if (starts_with_label(t, "Prerequisites")) {
            free(d->prerequisites);
            d->prerequisites = dup_str(skip_label(t));
            found = 1;
        } else if (starts_with_label(t, "Minutes")) {
            d->minutes = atoi(skip_label(t));
            found = 1;
        }
        free(t);
    }
    return found;
}

nb_doc *nb_doc_load(const char *path, char *err, size_t errlen)
{
    /* O_NONBLOCK and regular files only: a FIFO (or a device) given as a
     * notebook is an error, not a wait for ever */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    FILE *f = NULL;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (f = fdopen(fd, "rb")) == NULL) {
        snprintf(err, errlen, "cannot open %s: not a regular file", path);
        close(fd);
        return NULL;
    }
    strbuf src = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        sb_append(&src, chunk, n);
        if (src.len > MAX_NOTEBOOK_BYTES) {
            fclose(f);
            sb_free(&src);
            snprintf(err, errlen, "%s: larger than %u MiB, not a notebook", path,
                     MAX_NOTEBOOK_BYTES >> 20);
            return NULL;
        }
    }
    int failed = ferror(f);
    fclose(f);
    if (failed) {
        sb_free(&src);
        snprintf(err, errlen, "cannot read %s", path);
        return NULL;
    }
    if (memchr(sb_str(&src), '\0', src.len) != NULL) {
        sb_free(&src);
        snprintf(err, errlen, "%s: holds NUL bytes, not a Markdown notebook", path);
        return NULL;
    }

    nb_doc *d = calloc(1, sizeof *d);
    if (d == NULL) {
        sb_free(&src);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->path = dup_str(path);
    d->source = dup_str(sb_str(&src));
    sb_free(&src);
    cmark_node *root = cmark_parse_document(d->source, strlen(d->source), CMARK_OPT_DEFAULT);
    d->root = root;

    nb_item *last_cell = NULL;
    int title_seen = 0;
    for (cmark_node *c = cmark_node_first_child(root); c; c = cmark_node_next(c)) {
        cmark_node_type type = cmark_node_get_type(c);
        if (type == CMARK_NODE_HEADING && cmark_node_get_heading_level(c) == 1 && !title_seen) {
            d->title = nb_node_text(c);
            title_seen = 1;
            last_cell = NULL;
            continue;
        }
        if (type == CMARK_NODE_LIST && title_seen && d->n_items == 0 && read_title_list(d, c))
            continue;
        if (type == CMARK_NODE_CODE_BLOCK) {
            const char *info = cmark_node_get_fence_info(c);
            char lang[32], role[32];
            split_info(info ? info : "", lang, sizeof lang, role, sizeof role);
            if (strcmp(lang, "text") == 0 && role[0] == '\0' && last_cell != NULL &&
                last_cell->output_last_line == 0) {
                last_cell->output_last_line = cmark_node_get_end_line(c);
                continue;
            }
            if (strcmp(lang, "lua") == 0) {
                nb_kind kind = strcmp(role, "exercise") == 0   ? NB_EXERCISE
                               : strcmp(role, "solution") == 0 ? NB_SOLUTION
                               : strcmp(role, "check") == 0    ? NB_CHECK
                                                               : NB_CODE;
                if (kind != NB_CODE || role[0] == '\0') {
                    nb_item *it = add_item(d, kind, c);
                    it->text = dup_str(cmark_node_get_literal(c));
                    last_cell = it;
                    continue;
                }
            }
        }
        last_cell = NULL;
        if (type == CMARK_NODE_BLOCK_QUOTE)
            add_quote(d, c);
        else
            add_item(d, NB_PROSE, c);
    }
    if (d->title == NULL) d->title = dup_str(path);
    if (d->topics == NULL) d->topics = dup_str("");
    if (d->prerequisites == NULL) d->prerequisites = dup_str("");
    return d;
}

void nb_doc_free(nb_doc *d)
{
    if (d == NULL) return;
    for (int i = 0; i < d->n_items; i++) {
        free(d->items[i].text);
        free(d->items[i].answer);
    }
    free(d->items);
    cmark_node_free(d->root);
    free(d->path);
    free(d->source);
    free(d->title);
    free(d->topics);
    free(d->prerequisites);
    free(d);
}
