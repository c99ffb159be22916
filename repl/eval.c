/* Compiling and running cells.
 *
 * As lua.c does: a line is first tried as `return <line>` so that an
 * expression prints its value, then as statements; a chunk whose error
 * message ends in "<eof>" is incomplete and waits for more lines. Errors
 * carry a short traceback: the user's frames, not the REPL's. */
#include "repl.h"

#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#define EOF_MARK     "<eof>"
#define EOF_MARK_LEN (sizeof(EOF_MARK) - 1)
#define TRACE_LINES  10 /* traceback lines kept after the message */

static int is_incomplete_msg(const char *msg)
{
    size_t n = msg ? strlen(msg) : 0;
    return n >= EOF_MARK_LEN && strcmp(msg + n - EOF_MARK_LEN, EOF_MARK) == 0;
}

/* Loads "return <code>"-style text; leaves the function or the message. */
static int load_text(lua_State *L, const char *text, const char *chunkname)
{
    return luaL_loadbuffer(L, text, strlen(text), chunkname);
}

/* Where the last non-blank line of code starts, or NULL for a single line. */
static const char *last_line_start(const char *code)
{
    size_t n = strlen(code);
    while (n > 0 && isspace((unsigned char)code[n - 1]))
        n--;
    while (n > 0 && code[n - 1] != '\n')
        n--;
    return n > 0 ? code + n : NULL;
}

/* A cell of several lines whose last line is an expression shows that
 * expression, as a notebook does: "x = 21\nx * 2" runs as "x = 21\nreturn x * 2"
 * (same line numbers). Only when the last line is an expression on its own, so
 * that a line closing a block ("f(i) end") never turns into a return inside it.
 * Pushes the function and returns 1, or pushes nothing and returns 0. */
static int load_with_last_value(lua_State *L, const char *code, const char *chunkname)
{
    const char *last = last_line_start(code);
    if (last == NULL) return 0;
    lua_pushfstring(L, "return %s", last);
    int alone = load_text(L, lua_tostring(L, -1), "=last") == LUA_OK;
    lua_pop(L, 2);
    if (!alone) return 0;
    lua_pushlstring(L, code, (size_t)(last - code));
    lua_pushfstring(L, "%sreturn %s", lua_tostring(L, -1), last);
    if (load_text(L, lua_tostring(L, -1), chunkname) != LUA_OK) {
        lua_pop(L, 3);
        return 0;
    }
    lua_replace(L, -3);
    lua_pop(L, 1);
    return 1;
}

int repl_compile(lua_State *L, const char *code, const char *chunkname)
{
    lua_pushfstring(L, "return %s", code);
    int status = load_text(L, lua_tostring(L, -1), chunkname);
    if (status == LUA_OK) {
        lua_remove(L, -2);
        return CHUNK_OK;
    }
    int return_incomplete = status == LUA_ERRSYNTAX && is_incomplete_msg(lua_tostring(L, -1));
    lua_pop(L, 2);
    if (load_with_last_value(L, code, chunkname)) return CHUNK_OK;
    status = load_text(L, code, chunkname);
    if (status == LUA_OK) return CHUNK_OK;
    if (status == LUA_ERRSYNTAX && (is_incomplete_msg(lua_tostring(L, -1)) || return_incomplete)) {
        lua_pop(L, 1);
        return CHUNK_INCOMPLETE;
    }
    return CHUNK_ERROR;
}

/* Keeps the traceback short: drops the REPL's own frames ("[C]: in ?") and
 * everything below the cell's main chunk. */
static void push_short_traceback(lua_State *L, const char *msg)
{
    luaL_traceback(L, L, msg, 1);
    const char *tb = lua_tostring(L, -1);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *line = tb;
    int kept = 0;
    int frames = 0;
    while (*line) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        int is_repl_frame = len >= 11 && memcmp(line, "\t[C]: in ?", 10) == 0;
        if (!is_repl_frame && kept < TRACE_LINES + 1) {
            if (kept > 0) luaL_addchar(&b, '\n');
            luaL_addlstring(&b, line, len);
            kept++;
            if (line[0] == '\t') frames++;
        }
        if (len >= 13 && memcmp(line + len - 13, "in main chunk", 13) == 0) break;
        if (end == NULL) break;
        line = end + 1;
    }
    luaL_pushresult(&b);
    lua_remove(L, -2);
    /* A lone "stack traceback:" with no frame says nothing: drop it. */
    if (frames == 0) {
        lua_pop(L, 1);
        lua_pushstring(L, msg);
    }
}

/* The message handler: any error value becomes a string with a traceback. */
static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (msg == NULL) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    push_short_traceback(L, msg);
    return 1;
}

int repl_pcall(lua_State *L, int nargs, int nresults)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    repl_set_busy(1);
    int status = lua_pcall(L, nargs, nresults, base);
    repl_set_busy(0);
    lua_remove(L, base);
    return status;
}

void repl_report_error(lua_State *L)
{
    const char *msg = lua_tostring(L, -1);
    repl_errf("%s\n", msg ? msg : "(error without a message)");
    lua_pop(L, 1);
}

int repl_is_silent(const char *code)
{
    size_t n = strlen(code);
    while (n > 0 && isspace((unsigned char)code[n - 1]))
        n--;
    return n > 0 && code[n - 1] == ';';
}

/* Prints the values on the stack above base through the pretty printer, in
 * protected mode since __tostring may run. */
static int print_values(lua_State *L)
{
    int n = lua_gettop(L);
    pretty_opts o = pretty_defaults();
    luaL_checkstack(L, n + 8, "too many values to print");
    int multiline = 0;
    for (int i = 1; i <= n; i++) {
        strbuf *part = repl_boxed_strbuf(L); /* at index n + i */
        repl_pretty(L, i, part, &o);
        multiline |= strchr(sb_str(part), '\n') != NULL;
    }
    strbuf *out = repl_boxed_strbuf(L);
    for (int i = 1; i <= n; i++) {
        const strbuf *part = lua_touserdata(L, n + i);
        if (i > 1) sb_putc(out, multiline ? '\n' : '\t');
        sb_append(out, sb_str(part), part->len);
    }
    sb_putc(out, '\n');
    repl_out(out->s, out->len);
    return 0;
}

int repl_run_cell(repl *r, const char *code)
{
    lua_State *L = r->L;
    int number = r->next_cell++;
    char chunkname[32];
    snprintf(chunkname, sizeof chunkname, "=[%d]", number);

    strbuf output = {0};
    r->capture = &output;
    int top = lua_gettop(L);
    int ok = 0;
    int status = repl_compile(L, code, chunkname);
    if (status == CHUNK_INCOMPLETE) {
        repl_errf("[%d]: the cell ended before its statement did (unexpected end of input)\n",
                  number);
    } else if (status == CHUNK_ERROR) {
        repl_report_error(L);
    } else if (repl_pcall(L, 0, LUA_MULTRET) != LUA_OK) {
        repl_report_error(L);
    } else {
        ok = 1;
        int n = lua_gettop(L) - top;
        if (n > 0) {
            /* _ and Out[n] hold the first value. */
            lua_pushvalue(L, top + 1);
            lua_setglobal(L, "_");
            if (lua_getglobal(L, "Out") == LUA_TTABLE) {
                lua_pushvalue(L, top + 1);
                lua_rawseti(L, -2, number);
            }
            lua_pop(L, 1);
            if (!repl_is_silent(code)) {
                lua_pushcfunction(L, print_values);
                lua_insert(L, top + 1);
                if (lua_pcall(L, n, 0, 0) != LUA_OK) {
                    repl_errf("(cannot print the value: %s)\n", lua_tostring(L, -1));
                    lua_pop(L, 1);
                }
            }
        }
    }
    lua_settop(L, top);
    /* the figures before the capture ends: a failure to save them (a full
       disk) is the cell's, in its output and its status (--run exits 1) */
    int figures_failed;
    char *figures = repl_cell_figures(r, number, &figures_failed);
    if (figures_failed) ok = 0;
    r->capture = NULL;
    if (!ok) r->failed_cells++;
    repl_notebook_add(r, number, code, sb_str(&output), figures);
    if (!ok) r->cells[r->n_cells - 1].failed = 1;
    sb_free(&output);
    return ok ? 0 : -1;
}

/* A lesson's check: runs like a cell but is not one of the student's cells.
 * It takes no cell number, is not logged for :save, and an error carries no
 * traceback (the frames are the lesson's code, not the student's). On
 * failure msg gets the message without the check chunk's own position. */
int repl_run_check(repl *r, const char *code, strbuf *msg)
{
    lua_State *L = r->L;
    int top = lua_gettop(L);
    int status = repl_compile(L, code, "=check");
    int ok = 0;
    if (status == CHUNK_INCOMPLETE) {
        sb_puts(msg, "the check cell is incomplete (a bug in the lesson)");
    } else if (status == CHUNK_ERROR) {
        sb_printf(msg, "the check cell does not compile: %s", lua_tostring(L, -1));
    } else {
        repl_set_busy(1);
        int rc = lua_pcall(L, 0, LUA_MULTRET, 0);
        repl_set_busy(0);
        if (rc == LUA_OK) {
            ok = 1;
            int n = lua_gettop(L) - top;
            if (n > 0 && !repl_is_silent(code)) {
                lua_pushcfunction(L, print_values);
                lua_insert(L, top + 1);
                if (lua_pcall(L, n, 0, 0) != LUA_OK) lua_pop(L, 1);
            }
        } else {
            const char *m = lua_tostring(L, -1);
            if (m == NULL) m = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, -1));
            /* "check:12: " is the lesson's line, of no use to the student */
            if (strncmp(m, "check:", 6) == 0) {
                const char *p = m + 6;
                while (isdigit((unsigned char)*p))
                    p++;
                if (p > m + 6 && p[0] == ':' && p[1] == ' ') m = p + 2;
            }
            const char *failed = strstr(m, "check failed: ");
            if (failed != NULL)
                sb_puts(msg, failed + strlen("check failed: "));
            else
                sb_printf(msg, "running the check on your code raised an error: %s", m);
        }
    }
    lua_settop(L, top);
    return ok ? 0 : -1;
}
