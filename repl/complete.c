/* Tab completion.
 *
 *   :he<TAB>          `:` commands; after a command, file names
 *   "dat<TAB>         file names inside a string literal
 *   rec.plot.li<TAB>  globals, table fields, userdata and string methods
 *   m:fi<TAB>         methods only
 *
 * Lookups are raw: fields are read with lua_rawget and metatables' __index
 * tables are followed, but no metamethod is ever called — completing must not
 * run user code. The one exception is recnote's own lazy `rec` proxy, which
 * is loaded (as `require "rec"` would) so that its fields can be listed.
 * A unique match gets "." after a table, "(" after a function and ":" after a
 * userdata. */
#include "repl.h"
#include "host.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <readline/readline.h>

#include <lauxlib.h>

#define MAX_INDEX_CHAIN 16 /* __index tables followed before giving up (loops) */

static char **candidates;
static int n_candidates, cap_candidates;
static size_t display_offset; /* bytes of the common prefix hidden when listing */

static void clear_candidates(void)
{
    for (int i = 0; i < n_candidates; i++)
        free(candidates[i]);
    n_candidates = 0;
}

static void add_candidate(const char *prefix, size_t prefix_len, const char *name)
{
    if (n_candidates == cap_candidates) {
        int cap = cap_candidates ? 2 * cap_candidates : 64;
        char **c = realloc(candidates, (size_t)cap * sizeof *c);
        if (c == NULL) return;
        candidates = c;
        cap_candidates = cap;
    }
    size_t n = strlen(name);
    char *s = malloc(prefix_len + n + 1);
    if (s == NULL) return;
    memcpy(s, prefix, prefix_len);
    memcpy(s + prefix_len, name, n + 1);
    candidates[n_candidates++] = s;
}

static char *generator(const char *text, int state)
{
    static int next;
    (void)text;
    if (state == 0) next = 0;
    return next < n_candidates ? strdup(candidates[next++]) : NULL;
}

static int is_identifier(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_')) return 0;
    for (s++; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

/* If the table at idx is recnote's lazy `rec` proxy, loads the module. */
static void load_if_lazy(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return;
    int lazy = lua_getfield(L, -1, "__recnote_lazy") != LUA_TNIL;
    lua_pop(L, 2);
    if (!lazy) return;
    lua_getglobal(L, "require");
    lua_pushliteral(L, "rec");
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
}

/* Pushes the __index table of the value at idx's metatable, or returns 0. */
static int push_index_table(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return 0;
    lua_pushliteral(L, "__index");
    if (lua_rawget(L, -2) != LUA_TTABLE) {
        lua_pop(L, 2);
        return 0;
    }
    lua_remove(L, -2);
    return 1;
}

/* Pushes field name of the value at idx, raw, following __index tables. */
static void raw_field(lua_State *L, int idx, const char *name)
{
    lua_pushvalue(L, idx);
    for (int depth = 0; depth < MAX_INDEX_CHAIN; depth++) {
        int v = lua_gettop(L);
        if (lua_type(L, v) == LUA_TTABLE) {
            load_if_lazy(L, v);
            lua_pushstring(L, name);
            if (lua_rawget(L, v) != LUA_TNIL) {
                lua_remove(L, v);
                return;
            }
            lua_pop(L, 1);
        }
        if (!push_index_table(L, v)) break;
        lua_remove(L, v);
    }
    lua_pop(L, 1);
    lua_pushnil(L);
}

/* Adds the string keys of the value at idx (and of its __index tables) that
 * start with partial; methods_only keeps function values. */
static void add_fields(lua_State *L, int idx, const char *prefix, size_t prefix_len,
                       const char *partial, int methods_only)
{
    size_t plen = strlen(partial);
    lua_pushvalue(L, idx);
    for (int depth = 0; depth < MAX_INDEX_CHAIN; depth++) {
        int v = lua_gettop(L);
        if (lua_type(L, v) == LUA_TTABLE) {
            load_if_lazy(L, v);
            lua_pushnil(L);
            while (lua_next(L, v) != 0) {
                if (lua_type(L, -2) == LUA_TSTRING) {
                    const char *k = lua_tostring(L, -2);
                    if (strncmp(k, partial, plen) == 0 && is_identifier(k) &&
                        (!methods_only || lua_type(L, -1) == LUA_TFUNCTION))
                        add_candidate(prefix, prefix_len, k);
                }
                lua_pop(L, 1);
            }
        }
        if (!push_index_table(L, v)) break;
        lua_remove(L, v);
    }
    lua_pop(L, 1);
}

static void add_keywords(const char *partial)
{
    static const char *const keywords[] = {
        "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
        "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
        "repeat",   "return", "then", "true", "until",  "while", NULL};
    for (int i = 0; keywords[i]; i++)
        if (strncmp(keywords[i], partial, strlen(partial)) == 0) add_candidate("", 0, keywords[i]);
}

/* The character to append after a unique match, by the type of its value. */
static char suffix_for(lua_State *L, const char *expr)
{
    lua_pushglobaltable(L);
    char part[256];
    const char *s = expr;
    while (*s) {
        size_t n = strcspn(s, ".:");
        if (n == 0 || n >= sizeof part) return '\0';
        memcpy(part, s, n);
        part[n] = '\0';
        raw_field(L, lua_gettop(L), part);
        lua_remove(L, -2);
        s += n;
        if (*s) s++;
    }
    char c = '\0';
    switch (lua_type(L, -1)) {
    case LUA_TTABLE:
        c = '.';
        break;
    case LUA_TFUNCTION:
        c = '(';
        break;
    case LUA_TUSERDATA:
        c = ':';
        break;
    default:
        break;
    }
    lua_pop(L, 1);
    return c;
}

static void complete_lua(lua_State *L, const char *text)
{
    int top = lua_gettop(L);
    const char *sep = NULL;
    for (const char *p = text; *p; p++)
        if (*p == '.' || *p == ':') sep = p;
    if (sep == NULL) {
        lua_pushglobaltable(L);
        add_fields(L, -1, "", 0, text, 0);
        add_keywords(text);
        display_offset = 0;
    } else {
        /* Resolve every segment before the last separator. */
        lua_pushglobaltable(L);
        const char *s = text;
        char part[256];
        while (s < sep) {
            size_t n = strcspn(s, ".:");
            if (s + n > sep || n == 0 || n >= sizeof part) {
                lua_settop(L, top);
                return;
            }
            memcpy(part, s, n);
            part[n] = '\0';
            if (!is_identifier(part) || (s[n] == ':' && s + n != sep)) {
                lua_settop(L, top);
                return;
            }
            raw_field(L, lua_gettop(L), part);
            lua_remove(L, -2);
            s += n + 1;
        }
        if (!lua_isnil(L, -1))
            add_fields(L, -1, text, (size_t)(sep - text + 1), sep + 1, *sep == ':');
        display_offset = (size_t)(sep - text + 1);
    }
    lua_settop(L, top);
    if (n_candidates == 1) rl_completion_append_character = suffix_for(L, candidates[0]);
}

static void complete_commands(const char *text)
{
    const char *const *names = repl_command_names();
    size_t n = strlen(text + 1);
    for (int i = 0; names[i]; i++)
        if (strncmp(names[i], text + 1, n) == 0) add_candidate(":", 1, names[i]);
    rl_completion_append_character = ' ';
}

static char **attempt(const char *text, int start, int end)
{
    (void)end;
    clear_candidates();
    display_offset = 0;
    rl_attempted_completion_over = 1; /* never fall back to readline's own */
    rl_completion_append_character = '\0';

    if (rl_completion_quote_character != 0)
        return rl_completion_matches(text, rl_filename_completion_function);

    const char *line = rl_line_buffer;
    int first = 0;
    while (line[first] == ' ' || line[first] == '\t')
        first++;
    if (the_repl.pending.len == 0 && line[first] == ':') {
        if (start == first) {
            complete_commands(text);
        } else if (strncmp(line + first, ":lesson ", 8) == 0) {
            char **slugs = repl_lesson_slugs();
            for (int i = 0; slugs && slugs[i]; i++) {
                if (strncmp(slugs[i], text, strlen(text)) == 0) add_candidate("", 0, slugs[i]);
                free(slugs[i]);
            }
            free(slugs);
        } else {
            return rl_completion_matches(text, rl_filename_completion_function);
        }
    } else {
        complete_lua(the_repl.L, text);
    }
    if (n_candidates == 0) return NULL;
    return rl_completion_matches(text, generator);
}

/* Lists matches without the part the user already typed ("line" rather than
 * "rec.plot.line"). */
static void display_matches(char **matches, int n, int max_length)
{
    if (display_offset == 0) {
        rl_display_match_list(matches, n, max_length);
    } else {
        char **shown = malloc((size_t)(n + 2) * sizeof *shown);
        if (shown == NULL) return;
        int longest = 0;
        shown[0] = matches[0];
        for (int i = 1; i <= n; i++) {
            size_t len = strlen(matches[i]);
            shown[i] = matches[i] + (len >= display_offset ? display_offset : len);
            if ((int)strlen(shown[i]) > longest) longest = (int)strlen(shown[i]);
        }
        shown[n + 1] = NULL;
        rl_display_match_list(shown, n, longest);
        free(shown);
    }
    rl_forced_update_display();
}

void repl_completion_init(void)
{
    rl_attempted_completion_function = attempt;
    rl_completion_display_matches_hook = display_matches;
    /* '.' and ':' are not breaks: "rec.plot.li" and "m:fi" are one word. */
    rl_completer_word_break_characters = " \t\n\"'`@$><=;|&{(,+-*/%^#~[]";
    rl_completer_quote_characters = "\"'";
    rl_filename_quote_characters = NULL;
}

void repl_completion_free(void)
{
    clear_candidates();
    free(candidates);
    candidates = NULL;
    cap_candidates = 0;
}
