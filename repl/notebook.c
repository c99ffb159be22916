/* The session as a notebook: every Lua cell with its output, written by
 * :save as Markdown — each cell a ```lua block, its output a ```text block —
 * the format lessons use, so a saved session can be read and run again. */
#include "repl.h"
#include "files.h"

#include "atomic_file.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *dup_or_die(const char *s)
{
    char *d = strdup(s);
    if (d == NULL) {
        fputs("recnote: out of memory\n", stderr);
        abort();
    }
    return d;
}

void repl_notebook_add(repl *r, int number, const char *code, const char *output, char *figures)
{
    if (r->n_cells == r->cap_cells) {
        int cap = r->cap_cells ? 2 * r->cap_cells : 32;
        repl_cell *cells = realloc(r->cells, (size_t)cap * sizeof *cells);
        if (cells == NULL) {
            fputs("recnote: out of memory\n", stderr);
            abort();
        }
        r->cells = cells;
        r->cap_cells = cap;
    }
    repl_cell *c = &r->cells[r->n_cells++];
    c->number = number;
    c->code = dup_or_die(code);
    c->output = dup_or_die(output);
    c->figures = figures;
    c->failed = 0;
}

/* A fence longer than any run of backticks inside text (at least three). */
void repl_put_fenced(strbuf *b, const char *info, const char *text)
{
    int longest = 0, run = 0;
    for (const char *p = text; *p; p++) {
        run = *p == '`' ? run + 1 : 0;
        if (run > longest) longest = run;
    }
    int n = longest >= 3 ? longest + 1 : 3;
    for (int i = 0; i < n; i++)
        sb_putc(b, '`');
    sb_printf(b, "%s\n%s", info, text);
    if (text[0] != '\0' && text[strlen(text) - 1] != '\n') sb_putc(b, '\n');
    for (int i = 0; i < n; i++)
        sb_putc(b, '`');
    sb_puts(b, "\n\n");
}

/* Copies the cell's figures into dir (made on demand) and links them. */
static int save_figures(const repl_cell *c, const char *dir, const char *rel, strbuf *md)
{
    if (c->figures == NULL) return 0;
    if (files_mkdirs(dir) != 0) {
        repl_errf(":save: cannot make the folder %s\n", dir);
        return -1;
    }
    strbuf links = {0};
    int rc = 0;
    for (const char *p = c->figures; *p && rc == 0;) {
        size_t n = strcspn(p, "\n");
        strbuf src = {0}, dst = {0};
        sb_append(&src, p, n);
        const char *base = strrchr(sb_str(&src), '/');
        sb_printf(&dst, "%s/%s", dir, base ? base + 1 : sb_str(&src));
        char err[512];
        if (strcmp(sb_str(&src), sb_str(&dst)) != 0 &&
            files_copy(sb_str(&src), sb_str(&dst), err, sizeof err) != 0) {
            repl_errf(":save: %s\n", err);
            rc = -1;
        }
        sb_free(&src);
        sb_free(&dst);
        p += n;
        if (*p == '\n') p++;
    }
    repl_figure_links(c->figures, rel, &links);
    sb_puts(md, sb_str(&links));
    sb_free(&links);
    return rc;
}

int repl_notebook_save(repl *r, const char *path)
{
    /* The notebook's temporary file first: a target that cannot be written
     * (a folder, a FIFO, a missing folder) fails here, before any figure is
     * copied, so a failed :save writes nothing anywhere. */
    af_file a;
    char err[AF_MSG_MAX];
    if (af_open(&a, path, 0, err, sizeof err) != 0) {
        repl_errf(":save: %s\n", err);
        return -1;
    }
    strbuf b = {0}, dir = {0}, rel = {0};
    files_companion_dir(path, &dir, &rel);
    char date[64];
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M", localtime(&now));
    sb_printf(&b, "# recnote session\n\nSaved by recnote %s on %s: %d cells.\n\n", RECNOTE_VERSION,
              date, r->n_cells);
    int rc = 0;
    for (int i = 0; i < r->n_cells && rc == 0; i++) {
        const repl_cell *c = &r->cells[i];
        sb_printf(&b, "<!-- cell %d -->\n", c->number);
        /* a cell that failed (a :check before the exercise was solved) is kept
         * as a record but not run again: ```lua failed is not a cell for
         * nbdoc.c, so --run shows it as text and goes on (the README's "a
         * saved session runs again") */
        repl_put_fenced(&b, c->failed ? "lua failed" : "lua", c->code);
        if (c->output[0] != '\0') repl_put_fenced(&b, "text", c->output);
        rc = save_figures(c, sb_str(&dir), sb_str(&rel), &b);
    }
    if (rc == 0) {
        (void)af_write(&a, sb_str(&b), b.len);
        rc = af_commit(&a, err, sizeof err);
        if (rc != 0) repl_errf(":save: %s\n", err);
    } else {
        af_abort(&a);
    }
    sb_free(&b);
    sb_free(&dir);
    sb_free(&rel);
    return rc;
}

void repl_notebook_free(repl *r)
{
    for (int i = 0; i < r->n_cells; i++) {
        free(r->cells[i].code);
        free(r->cells[i].output);
        free(r->cells[i].figures);
    }
    free(r->cells);
    r->cells = NULL;
    r->n_cells = r->cap_cells = 0;
}
