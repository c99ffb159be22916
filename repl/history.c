/* History kept between runs under $XDG_STATE_HOME/recnote/history (else
 * ~/.local/state/recnote/history): consecutive duplicates dropped, at most
 * HISTORY_MAX lines, rewritten atomically after each cell. */
#include "repl.h"
#include "files.h"

#include "atomic_file.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <readline/history.h>

#define HISTORY_MAX 1000

void repl_history_init(repl *r)
{
    using_history();
    stifle_history(HISTORY_MAX);
    char dir[4096];
    if (files_xdg_dir("XDG_STATE_HOME", ".local/state", dir, sizeof dir) == NULL) {
        r->history_path[0] = '\0';
        return;
    }
    snprintf(r->history_path, sizeof r->history_path, "%s/history", dir);
    read_history(r->history_path); /* absent on the first run */
}

void repl_history_add(repl *r, const char *line)
{
    (void)r;
    const char *s = line;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0') return;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last != NULL && strcmp(last->line, line) == 0) return;
    add_history(line);
}

void repl_history_save(repl *r)
{
    if (r->history_path[0] == '\0') return;
    char dir[sizeof r->history_path];
    memcpy(dir, r->history_path, sizeof dir);
    char *slash = strrchr(dir, '/');
    if (slash != NULL) *slash = '\0';
    if (files_mkdirs(dir) != 0) return; /* history is a convenience: never an error at the prompt */
    /* readline writes the lines into our unique temporary file (same inode),
     * which common/atomic_file.h then fsyncs and renames over the history;
     * a history kept as a symbolic link (dotfiles) is followed */
    af_file a;
    char err[AF_MSG_MAX];
    if (af_open(&a, r->history_path, AF_FOLLOW, err, sizeof err) != 0) return;
    int e = write_history(a.tmp);
    if (e != 0) {
        af_abort(&a);
        return;
    }
    (void)af_commit(&a, err, sizeof err);
}

void repl_history_print(repl *r, int last_n)
{
    (void)r;
    int first = last_n > 0 && last_n < history_length ? history_length - last_n : 0;
    for (int i = first; i < history_length; i++) {
        HIST_ENTRY *e = history_get(history_base + i);
        if (e != NULL) repl_outf("%5d  %s\n", history_base + i, e->line);
    }
}
