/* The REPL's loops.
 *
 * Interactive: readline in callback mode, select() on stdin with a 20 ms
 * timeout, so that idle hooks (figures) run while the user types, and our own
 * SIGINT handling (rl_catch_signals = 0). Piped: lines from a file or pipe,
 * the same cells, no prompt. Both feed lines through repl_feed_line. */
#include "repl.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>

#define IDLE_TIMEOUT_US 20000 /* the longest the loop waits before idle hooks run */

/* ---- lines into cells ------------------------------------------------------ */

static int is_name_path(const char *s, size_t n)
{
    if (n == 0) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '.' || s[i] == ':')) return 0;
    return 1;
}

/* ?x or x? : help for x, found by value when x evaluates, else by name. */
static void show_help(repl *r, const char *expr, size_t n)
{
    lua_State *L = r->L;
    int top = lua_gettop(L);
    lua_getglobal(L, "help");
    lua_pushlstring(L, expr, n);
    lua_pushfstring(L, "return %s", lua_tostring(L, -1));
    int found = 0;
    if (luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=help") == LUA_OK) {
        if (repl_pcall(L, 0, 1) == LUA_OK && !lua_isnil(L, -1)) found = 1;
    }
    if (found) {
        lua_replace(L, -3); /* help value string -> help value */
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2); /* help name */
    }
    if (repl_pcall(L, 1, 0) != LUA_OK) repl_report_error(L);
    lua_settop(L, top);
}

void repl_feed_line(repl *r, const char *line)
{
    if (r->pending.len == 0) {
        const char *s = line;
        while (isspace((unsigned char)*s))
            s++;
        size_t n = strlen(s);
        while (n > 0 && isspace((unsigned char)s[n - 1]))
            n--;
        if (n == 0) return;
        if (s[0] == ':') {
            repl_command(r, s);
            return;
        }
        if (s[0] == '?') {
            show_help(r, s + 1, n - 1);
            return;
        }
        if (s[n - 1] == '?' && is_name_path(s, n - 1)) {
            show_help(r, s, n - 1);
            return;
        }
    } else {
        sb_putc(&r->pending, '\n');
    }
    sb_puts(&r->pending, line);
    int status = repl_compile(r->L, sb_str(&r->pending), "=check");
    if (status == CHUNK_INCOMPLETE) return;
    lua_pop(r->L, 1); /* the function or the message: repl_run_cell compiles again */
    char *code = strdup(sb_str(&r->pending));
    sb_clear(&r->pending);
    if (code == NULL) {
        repl_errf("out of memory\n");
        return;
    }
    repl_run_cell(r, code);
    free(code);
}

/* ---- piped input ------------------------------------------------------------ */

int repl_loop_piped(repl *r, FILE *in)
{
    if (r->start_lesson != NULL) repl_cmd_lesson(r, r->start_lesson);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (!r->quit && (len = getline(&line, &cap, in)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        repl_feed_line(r, line);
    }
    free(line);
    if (r->pending.len > 0) {
        repl_errf("[%d]: input ended inside an unfinished cell:\n%s\n", r->next_cell,
                  sb_str(&r->pending));
        sb_clear(&r->pending);
        r->failed_cells++;
    }
    return r->failed_cells > 0 ? 1 : 0;
}

/* ---- the interactive loop ------------------------------------------------------ */

static void make_prompt(const repl *r, char *out, size_t outlen);

/* Readline calls this with each accepted line (NULL on Ctrl-D at an empty
 * prompt). The cell runs here, inside rl_callback_read_char, with the terminal
 * back in its normal mode; lines typed ahead or pasted stay in readline's own
 * buffer and reach this handler in turn. */
static void on_line(char *line)
{
    repl *r = &the_repl;
    if (line == NULL) {
        fputs("\n", stdout);
        r->quit = 1;
    } else {
        repl_history_add(r, line);
        repl_feed_line(r, line);
        free(line);
        repl_history_save(r);
    }
    if (r->quit) {
        rl_callback_handler_remove();
        return;
    }
    char prompt[96];
    make_prompt(r, prompt, sizeof prompt);
    rl_set_prompt(prompt);
}

/* "[n]> " or, while a chunk is incomplete, "...> " of the same width.
 * Colour codes sit between \001 and \002 so readline measures the width. */
static void make_prompt(const repl *r, char *out, size_t outlen)
{
    char plain[32];
    int w = snprintf(plain, sizeof plain, "[%d]> ", r->next_cell);
    if (r->pending.len > 0) snprintf(plain, sizeof plain, "%*s> ", w - 2, "...");
    if (r->color)
        snprintf(out, outlen, "\001\033[1;32m\002%.*s\001\033[0m\002 ", (int)strlen(plain) - 1,
                 plain);
    else
        snprintf(out, outlen, "%s", plain);
}

/* Ctrl-C at the prompt: forget the line and any unfinished chunk. */
static void cancel_line(repl *r)
{
    rl_free_line_state();
    rl_callback_sigcleanup();
    rl_replace_line("", 0);
    rl_point = rl_end = rl_mark = 0;
    fputs("^C\n", stdout);
    fflush(stdout);
    sb_clear(&r->pending);
    char prompt[96];
    make_prompt(r, prompt, sizeof prompt);
    rl_set_prompt(prompt);
    rl_on_new_line();
    rl_redisplay();
}

int repl_loop_interactive(repl *r)
{
    rl_catch_signals = 0;
    rl_readline_name = "recnote";
    repl_completion_init();
    repl_history_init(r);

    if (r->color)
        printf("\033[1mrecnote %s\033[0m · %s — a notebook-style REPL for recommender systems\n",
               RECNOTE_VERSION, LUA_RELEASE);
    else
        printf("recnote %s · %s — a notebook-style REPL for recommender systems\n", RECNOTE_VERSION,
               LUA_RELEASE);
    if (repl_lessons_available() > 0)
        printf("Type :lesson to start the lessons, :help for commands, ?x for docs, Ctrl-D to "
               "quit.\n");
    else
        printf("Type :help for commands, help(x) or ?x for documentation, Ctrl-D to quit.\n");
    fflush(stdout);
    if (r->start_lesson != NULL) repl_cmd_lesson(r, r->start_lesson);

    char prompt[96];
    make_prompt(r, prompt, sizeof prompt);
    rl_callback_handler_install(prompt, on_line);
    while (!r->quit) {
        if (repl_take_prompt_sigint()) {
            cancel_line(r);
            continue;
        }
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(STDIN_FILENO, &fds);
        struct timeval tv = {0, IDLE_TIMEOUT_US};
        int n = select(STDIN_FILENO + 1, &fds, NULL, NULL, &tv);
        if (n < 0 && errno != EINTR) {
            fputs("\n", stdout); /* stdin is gone: leave as on Ctrl-D */
            break;
        } else if (n > 0) {
            rl_callback_read_char();
        } else if (n == 0) {
            repl_idle_run(r);
        }
    }
    rl_callback_handler_remove();
    repl_history_save(r);
    return 0;
}
