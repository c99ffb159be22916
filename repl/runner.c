/* recnote --run: executes a notebook without a terminal, as nbconvert
 * --execute does for Jupyter.
 *
 * Cells run in order in one Lua state; each output is captured and, with -o,
 * written back after its cell as a ```text block (replacing an older one),
 * with the figures that cell drew saved as PNG files beside the output and
 * linked. Exercises run as written, or with --solutions their solution runs
 * in their place (--unsolved N leaves exercise N as written, so a test can
 * prove its check fails). The first failing cell or check stops the run and
 * is named on stderr as file:line. */
#include "repl.h"
#include "files.h"
#include "host.h"
#include "nbdoc.h"

#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

/* check(cond, message): in notebooks, fails the check cell with its message. */
static int lesson_check(lua_State *L)
{
    luaL_checkany(L, 1);
    const char *msg = luaL_optstring(L, 2, "the check failed");
    if (!lua_toboolean(L, 1)) return luaL_error(L, "check failed: %s", msg);
    return 0;
}

void repl_open_check(lua_State *L)
{
    lua_pushcfunction(L, lesson_check);
    rec_doc_set(L, -1, "check",
                "check(cond, message) does nothing when cond is true and raises \"check failed: "
                "message\" otherwise. Lessons' check cells use it to verify an exercise.",
                "check(1 + 1 == 2, \"arithmetic works\")");
    lua_setglobal(L, "check");
}

typedef struct {
    int item;      /* the item whose block the output follows */
    char *output;  /* text output */
    char *figures; /* Markdown image links */
} cell_output;

/* The solution that belongs to the exercise at index i, or -1. */
static int solution_of(const nb_doc *d, int i)
{
    for (int j = i + 1; j < d->n_items && d->items[j].kind != NB_EXERCISE; j++)
        if (d->items[j].kind == NB_SOLUTION) return j;
    return -1;
}

/* The first hint (the ladder's first rung) of the exercise before item i, or NULL. */
static const char *hint_before(const nb_doc *d, int i)
{
    int j = i;
    while (j >= 0 && d->items[j].kind != NB_EXERCISE)
        j--;
    for (j = j < 0 ? i + 1 : j + 1; j < d->n_items && d->items[j].kind != NB_EXERCISE; j++)
        if (d->items[j].kind == NB_HINT) return d->items[j].text;
    return NULL;
}

static int write_output_notebook(const nb_doc *d, const cell_output *outs, int n_outs,
                                 const char *out_path)
{
    strbuf b = {0};
    int line = 1;
    int total = 1;
    for (const char *p = d->source; *p; p++)
        total += *p == '\n';
    for (int k = 0; k < n_outs; k++) {
        const nb_item *it = &d->items[outs[k].item];
        char *before = nb_doc_lines(d, line, it->last_line);
        sb_puts(&b, before);
        free(before);
        if (b.len > 0 && b.s[b.len - 1] != '\n') sb_putc(&b, '\n');
        sb_putc(&b, '\n');
        if (outs[k].output[0] != '\0') repl_put_fenced(&b, "text", outs[k].output);
        sb_puts(&b, outs[k].figures);
        line = (it->output_last_line ? it->output_last_line : it->last_line) + 1;
        /* Skip the blank lines that separated the old output from what follows. */
        char *next = nb_doc_lines(d, line, line);
        while (line <= total && next[0] == '\n') {
            free(next);
            line++;
            next = nb_doc_lines(d, line, line);
        }
        free(next);
    }
    char *rest = nb_doc_lines(d, line, total);
    sb_puts(&b, rest);
    free(rest);
    char err[512];
    int rc = files_write_atomic(out_path, sb_str(&b), b.len, err, sizeof err);
    sb_free(&b);
    if (rc != 0) fprintf(stderr, "recnote: %s\n", err);
    return rc;
}

int repl_run_notebook(repl *r, const char *path, const run_opts *o)
{
    char err[512];
    nb_doc *d = nb_doc_load(path, err, sizeof err);
    if (d == NULL) {
        fprintf(stderr, "recnote: %s\n", err);
        return 1;
    }

    /* Figures go to <out without .md>_files/cell-N-k.png, linked relatively. */
    strbuf fig_dir = {0}, rel_dir = {0};
    if (o->out_path != NULL) {
        files_companion_dir(o->out_path, &fig_dir, &rel_dir);
        r->figure_dir = sb_str(&fig_dir);
    } else {
        r->no_figures = 1;
    }

    cell_output *outs = calloc((size_t)d->n_items + 1, sizeof *outs);
    int n_outs = 0, status = 0, exercise = 0, cells = 0, checks = 0;
    r->quiet = 1;
    for (int i = 0; i < d->n_items && status == 0; i++) {
        const nb_item *it = &d->items[i];
        const char *code = NULL;
        switch (it->kind) {
        case NB_CODE:
        case NB_CHECK:
            code = it->text;
            break;
        case NB_EXERCISE: {
            exercise++;
            int sol = o->solutions && exercise != o->unsolved ? solution_of(d, i) : -1;
            code = sol >= 0 ? d->items[sol].text : it->text;
            break;
        }
        default:
            continue;
        }
        int number = r->next_cell;
        if (repl_run_cell(r, code) != 0) {
            const char *out = r->n_cells > 0 ? r->cells[r->n_cells - 1].output : "";
            fprintf(stderr, "recnote: %s:%d: %s cell [%d] failed:\n%s", path, it->first_line,
                    it->kind == NB_CHECK      ? "check"
                    : it->kind == NB_EXERCISE ? "exercise"
                                              : "the",
                    number, out);
            const char *hint = it->kind == NB_CHECK ? hint_before(d, i) : NULL;
            if (hint != NULL) fprintf(stderr, "hint: %s\n", hint);
            status = 1;
        }
        cells++;
        checks += it->kind == NB_CHECK && status == 0;
        strbuf figs = {0};
        const char *paths = r->n_cells > 0 ? r->cells[r->n_cells - 1].figures : NULL;
        repl_figure_links(paths, sb_str(&rel_dir), &figs);
        outs[n_outs].item = i;
        outs[n_outs].output = strdup(r->n_cells > 0 ? r->cells[r->n_cells - 1].output : "");
        outs[n_outs].figures = strdup(sb_str(&figs));
        n_outs++;
        sb_free(&figs);
    }
    r->quiet = 0;
    if (o->out_path != NULL && write_output_notebook(d, outs, n_outs, o->out_path) != 0) status = 1;
    if (status == 0) printf("%s: %d cells ran, %d checks passed\n", path, cells, checks);
    for (int k = 0; k < n_outs; k++) {
        free(outs[k].output);
        free(outs[k].figures);
    }
    free(outs);
    r->figure_dir = NULL;
    r->no_figures = 0;
    sb_free(&fig_dir);
    sb_free(&rel_dir);
    nb_doc_free(d);
    return status;
}
