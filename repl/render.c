/* Markdown rendered for the terminal (see render.h).
 *
 * Inline content is flattened into "words" with their style; words are then
 * laid out greedily to the width. Widths come from wcwidth(), so Chinese
 * terms (as the lessons give them, e.g. 点击率) take two columns each. */
#include "render.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <cmark.h>

#define BOLD   "\033[1m"
#define ITALIC "\033[3m"
#define CODE   "\033[36m"
#define DIM    "\033[2m"
#define HEAD   "\033[1;34m"
#define KEYW   "\033[35m"
#define STR    "\033[32m"
#define CMT    "\033[2;3m"
#define RESET  "\033[0m"

int render_width(const char *s, size_t n)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    int w = 0;
    size_t i = 0;
    while (i < n) {
        wchar_t wc;
        size_t k = mbrtowc(&wc, s + i, n - i, &st);
        if (k == (size_t)-1 || k == (size_t)-2) { /* invalid: count the byte */
            memset(&st, 0, sizeof st);
            w++;
            i++;
            continue;
        }
        if (k == 0) k = 1;
        int cw = wcwidth(wc);
        w += cw > 0 ? cw : 0;
        i += k;
    }
    return w;
}

/* ---- inline layout ---------------------------------------------------------- */

typedef struct {
    strbuf *out;
    int width;  /* total columns */
    int indent; /* columns of the prefix on every line */
    const char *prefix;
    int col; /* current column */
    int color;
    const char *style; /* escape code of the current span, or "" */
    int pending_space;
} layout;

static void new_line(layout *l)
{
    sb_putc(l->out, '\n');
    sb_puts(l->out, l->prefix);
    l->col = l->indent;
    l->pending_space = 0;
}

/* Places one word (no spaces inside, UTF-8) on the current line or the next. */
static void put_word(layout *l, const char *w, size_t n)
{
    int ww = render_width(w, n);
    if (l->col > l->indent && l->col + (l->pending_space ? 1 : 0) + ww > l->width)
        new_line(l);
    else if (l->pending_space && l->col > l->indent) {
        sb_putc(l->out, ' ');
        l->col++;
    }
    l->pending_space = 0;
    if (l->color && l->style[0]) sb_puts(l->out, l->style);
    sb_append(l->out, w, n);
    if (l->color && l->style[0]) sb_puts(l->out, RESET);
    l->col += ww;
}

/* Splits text at spaces. CJK text has no spaces: a run of wide characters is
 * split after each character so that it can wrap anywhere. */
static void put_text(layout *l, const char *s)
{
    while (*s) {
        if (*s == ' ' || *s == '\n' || *s == '\t') {
            l->pending_space = 1;
            s++;
            continue;
        }
        size_t n = strcspn(s, " \n\t");
        /* Break before each wide character inside the word. */
        size_t start = 0, i = 0;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        while (i < n) {
            wchar_t wc;
            size_t k = mbrtowc(&wc, s + i, n - i, &st);
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
                memset(&st, 0, sizeof st);
                k = 1;
                wc = 0;
            }
            if (wc != 0 && wcwidth(wc) == 2 && i > start) {
                put_word(l, s + start, i - start); /* no space between the pieces */
                start = i;
            }
            i += k;
        }
        put_word(l, s + start, n - start);
        s += n;
    }
}

static void put_inlines(layout *l, cmark_node *node)
{
    for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c)) {
        const char *saved = l->style;
        switch (cmark_node_get_type(c)) {
        case CMARK_NODE_TEXT:
            put_text(l, cmark_node_get_literal(c));
            break;
        case CMARK_NODE_CODE:
            l->style = CODE;
            put_text(l, cmark_node_get_literal(c));
            break;
        case CMARK_NODE_SOFTBREAK:
            l->pending_space = 1;
            break;
        case CMARK_NODE_LINEBREAK:
            new_line(l);
            break;
        case CMARK_NODE_EMPH:
            l->style = ITALIC;
            put_inlines(l, c);
            break;
        case CMARK_NODE_STRONG:
            l->style = BOLD;
            put_inlines(l, c);
            break;
        case CMARK_NODE_LINK: {
            put_inlines(l, c);
            const char *url = cmark_node_get_url(c);
            if (url && *url) {
                l->style = DIM;
                l->pending_space = 1;
                strbuf u = {0};
                sb_printf(&u, "(%s)", url);
                put_word(l, sb_str(&u), u.len);
                sb_free(&u);
            }
            break;
        }
        case CMARK_NODE_IMAGE:
            put_text(l, "[figure]");
            break;
        default:
            put_inlines(l, c);
        }
        l->style = saved;
    }
}

/* ---- code ---------------------------------------------------------------------- */

static int is_lua_keyword(const char *w, size_t n)
{
    static const char *const kw[] = {"and",   "break", "do",       "else",  "elseif", "end",
                                     "false", "for",   "function", "goto",  "if",     "in",
                                     "local", "nil",   "not",      "or",    "repeat", "return",
                                     "then",  "true",  "until",    "while", NULL};
    for (int i = 0; kw[i]; i++)
        if (strlen(kw[i]) == n && strncmp(kw[i], w, n) == 0) return 1;
    return 0;
}

/* One line of Lua, coloured: keywords, strings, comments. */
static void put_code_line(const char *s, size_t n, int color, strbuf *out)
{
    if (!color) {
        sb_append(out, s, n);
        return;
    }
    size_t i = 0;
    while (i < n) {
        if (s[i] == '-' && i + 1 < n && s[i + 1] == '-') {
            sb_puts(out, CMT);
            sb_append(out, s + i, n - i);
            sb_puts(out, RESET);
            return;
        }
        if (s[i] == '"' || s[i] == '\'') {
            size_t j = i + 1;
            while (j < n && s[j] != s[i])
                j += s[j] == '\\' ? 2 : 1;
            j = j < n ? j + 1 : n;
            sb_puts(out, STR);
            sb_append(out, s + i, j - i);
            sb_puts(out, RESET);
            i = j;
            continue;
        }
        if (isalpha((unsigned char)s[i]) || s[i] == '_') {
            size_t j = i;
            while (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_'))
                j++;
            int kw = is_lua_keyword(s + i, j - i);
            if (kw) sb_puts(out, KEYW);
            sb_append(out, s + i, j - i);
            if (kw) sb_puts(out, RESET);
            i = j;
            continue;
        }
        sb_putc(out, s[i++]);
    }
}

void render_code(const char *code, const char *label, int color, strbuf *out)
{
    if (label != NULL) {
        sb_puts(out, color ? DIM : "");
        sb_printf(out, "  ┌─ %s\n", label);
        sb_puts(out, color ? RESET : "");
    }
    const char *p = code;
    while (*p) {
        size_t n = strcspn(p, "\n");
        sb_puts(out, color ? DIM "  │ " RESET : "  │ ");
        put_code_line(p, n, color, out);
        sb_putc(out, '\n');
        p += n;
        if (*p == '\n') p++;
    }
}

/* ---- blocks ---------------------------------------------------------------------- */

static void put_block(cmark_node *node, int width, int color, const char *prefix, strbuf *out);

static void put_children(cmark_node *node, int width, int color, const char *prefix, strbuf *out)
{
    for (cmark_node *c = cmark_node_first_child(node); c; c = cmark_node_next(c))
        put_block(c, width, color, prefix, out);
}

static void put_paragraph(cmark_node *node, int width, int color, const char *prefix,
                          const char *first_prefix, const char *style, strbuf *out)
{
    sb_puts(out, first_prefix);
    layout l = {.out = out,
                .width = width,
                .indent = render_width(prefix, strlen(prefix)),
                .prefix = prefix,
                .col = render_width(first_prefix, strlen(first_prefix)),
                .color = color,
                .style = style};
    put_inlines(&l, node);
    sb_putc(out, '\n');
}

static void put_block(cmark_node *node, int width, int color, const char *prefix, strbuf *out)
{
    strbuf p = {0};
    switch (cmark_node_get_type(node)) {
    case CMARK_NODE_DOCUMENT:
        put_children(node, width, color, prefix, out);
        break;
    case CMARK_NODE_HEADING: {
        int level = cmark_node_get_heading_level(node);
        put_paragraph(node, width, color, prefix, prefix, level <= 2 ? HEAD : BOLD, out);
        if (level == 1) {
            sb_puts(out, prefix);
            for (int i = render_width(prefix, strlen(prefix)); i < width && i < 60; i++)
                sb_puts(out, "═");
            sb_putc(out, '\n');
        }
        sb_putc(out, '\n');
        break;
    }
    case CMARK_NODE_PARAGRAPH:
        put_paragraph(node, width, color, prefix, prefix, "", out);
        sb_putc(out, '\n');
        break;
    case CMARK_NODE_CODE_BLOCK:
        render_code(cmark_node_get_literal(node), NULL, color, out);
        sb_putc(out, '\n');
        break;
    case CMARK_NODE_BLOCK_QUOTE:
        sb_printf(&p, "%s│ ", prefix);
        put_children(node, width, color, sb_str(&p), out);
        break;
    case CMARK_NODE_LIST: {
        int ordered = cmark_node_get_list_type(node) == CMARK_ORDERED_LIST;
        int n = cmark_node_get_list_start(node);
        for (cmark_node *li = cmark_node_first_child(node); li; li = cmark_node_next(li), n++) {
            strbuf first = {0}, rest = {0};
            if (ordered)
                sb_printf(&first, "%s%d. ", prefix, n);
            else
                sb_printf(&first, "%s• ", prefix);
            sb_printf(&rest, "%s%*s", prefix, ordered ? 3 + (n >= 10) : 2, "");
            int firstp = 1;
            for (cmark_node *c = cmark_node_first_child(li); c; c = cmark_node_next(c)) {
                if (cmark_node_get_type(c) == CMARK_NODE_PARAGRAPH) {
                    put_paragraph(c, width, color, sb_str(&rest),
                                  firstp ? sb_str(&first) : sb_str(&rest), "", out);
                } else {
                    if (firstp) {
                        sb_puts(out, sb_str(&first));
                        sb_putc(out, '\n');
                    }
                    put_block(c, width, color, sb_str(&rest), out);
                }
                firstp = 0;
            }
            sb_free(&first);
            sb_free(&rest);
        }
        sb_putc(out, '\n');
        break;
    }
    case CMARK_NODE_THEMATIC_BREAK:
        sb_printf(out, "%s────────\n\n", prefix);
        break;
    case CMARK_NODE_HTML_BLOCK:
        break; /* comments such as <!-- cell 3 --> */
    default:
        put_children(node, width, color, prefix, out);
    }
    sb_free(&p);
}

void render_text(const char *text, int width, const char *first_prefix, const char *prefix,
                 strbuf *out)
{
    sb_puts(out, first_prefix);
    layout l = {.out = out,
                .width = width,
                .indent = render_width(prefix, strlen(prefix)),
                .prefix = prefix,
                .col = render_width(first_prefix, strlen(first_prefix)),
                .color = 0,
                .style = ""};
    /* Paragraph breaks survive; other newlines are spaces. */
    const char *p = text;
    while (*p) {
        const char *brk = strstr(p, "\n\n");
        size_t n = brk ? (size_t)(brk - p) : strlen(p);
        char *para = malloc(n + 1);
        if (para == NULL) return;
        memcpy(para, p, n);
        para[n] = '\0';
        put_text(&l, para);
        free(para);
        if (brk == NULL) break;
        sb_putc(out, '\n');
        new_line(&l);
        p = brk + 2;
    }
    sb_putc(out, '\n');
}

void render_markdown(void *node, int width, int color, strbuf *out)
{
    put_block(node, width, color, "", out);
}
