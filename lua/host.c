/* The host contract and the docstring registry (see host.h).
 *
 * Layout of the registry entry REC_KEY_DOCS:
 *   { by_value = setmetatable({}, {__mode = "k"}),  -- value -> record
 *     by_name  = {} }                               -- "rec.x" -> record
 * where a record is the table {name = ..., doc = ..., example = ...}. */
#include "host.h"

#include <string.h>

#include <lauxlib.h>

volatile sig_atomic_t *rec_host_interrupt_flag(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_INTERRUPT);
    volatile sig_atomic_t *flag = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return flag;
}

void rec_host_completed(lua_State *L, const char *done)
{
    volatile sig_atomic_t *flag = rec_host_interrupt_flag(L);
    if (flag == NULL || *flag == 0) return;
    lua_sethook(L, NULL, 0, 0); /* the host's "interrupted!" would hide what completed */
    luaL_error(L, "interrupted (Ctrl-C) after %s", done);
}

void rec_host_interrupt_reported(lua_State *L)
{
    if (rec_host_interrupt_flag(L) != NULL) lua_sethook(L, NULL, 0, 0);
}

int rec_host_headless(lua_State *L)
{
    lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_HEADLESS);
    int headless = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return headless;
}

void rec_host_idle_push(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_IDLE) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_IDLE);
    }
}

void rec_host_idle_add(lua_State *L, const char *name)
{
    rec_host_idle_push(L);
    lua_insert(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
}

void rec_host_load_lazy(lua_State *L, int idx)
{
    if (lua_type(L, idx) != LUA_TTABLE || !lua_getmetatable(L, idx)) return;
    if (lua_getfield(L, -1, "__recnote_lazy") == LUA_TFUNCTION) {
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) lua_pop(L, 1); /* the next access reports the error */
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 2);
}

size_t rec_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), row[64];
    if (la >= 63 || lb >= 63) return 99;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j], best = prev + (a[i - 1] != b[j - 1]);
            if (cur + 1 < best) best = cur + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}

/* ---- docstrings ---------------------------------------------------------- */

/* Pushes the registry's docs table, creating it on first use. */
static void docs_push(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_DOCS) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_createtable(L, 0, 2);
    lua_newtable(L); /* by_value, weak keys so documented values can be collected */
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_setfield(L, -2, "by_value");
    lua_newtable(L);
    lua_setfield(L, -2, "by_name");
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_DOCS);
}

void rec_doc_set(lua_State *L, int idx, const char *name, const char *doc, const char *example)
{
    idx = lua_absindex(L, idx);
    docs_push(L);
    lua_createtable(L, 0, 3);
    lua_pushstring(L, name);
    lua_setfield(L, -2, "name");
    lua_pushstring(L, doc);
    lua_setfield(L, -2, "doc");
    if (example != NULL) {
        lua_pushstring(L, example);
        lua_setfield(L, -2, "example");
    }
    /* stack: docs, record */
    lua_getfield(L, -2, "by_name");
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, name);
    lua_pop(L, 1);
    /* Strings and numbers are not identities; only reference types map by value. */
    if (lua_type(L, idx) == LUA_TFUNCTION || lua_type(L, idx) == LUA_TTABLE ||
        lua_type(L, idx) == LUA_TUSERDATA) {
        lua_getfield(L, -2, "by_value");
        lua_pushvalue(L, idx);
        lua_pushvalue(L, -3);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    lua_pop(L, 2);
}

void rec_doc_fields(lua_State *L, int idx, const char *prefix, int method,
                    const rec_doc_entry *entries)
{
    idx = lua_absindex(L, idx);
    for (const rec_doc_entry *e = entries; e->name != NULL; e++) {
        if (lua_getfield(L, idx, e->name) != LUA_TNIL) {
            luaL_Buffer b;
            luaL_buffinit(L, &b);
            luaL_addstring(&b, prefix);
            luaL_addchar(&b, method ? ':' : '.');
            luaL_addstring(&b, e->name);
            luaL_pushresult(&b);
            rec_doc_set(L, -2, lua_tostring(L, -1), e->doc, e->example);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
}

int rec_doc_push(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    docs_push(L);                    /* docs */
    lua_getfield(L, -1, "by_value"); /* docs by_value */
    lua_pushvalue(L, idx);
    int t = lua_rawget(L, -2); /* docs by_value record */
    if (t == LUA_TNIL && lua_type(L, idx) == LUA_TSTRING) {
        lua_pop(L, 2);
        lua_getfield(L, -1, "by_name"); /* docs by_name */
        t = lua_getfield(L, -1, lua_tostring(L, idx));
    }
    lua_replace(L, -3); /* record by_x */
    lua_pop(L, 1);
    return t;
}

/* ---- help ----------------------------------------------------------------- */

/* Calls the global print with the string at the top (popped), so that a host
 * that captures print (the notebook) sees help's output too. */
static void print_top(lua_State *L)
{
    lua_getglobal(L, "print");
    lua_insert(L, -2);
    lua_call(L, 1, 0);
}

/* Pushes a sorted, comma-separated list of the documented fields of table idx. */
static int push_documented_fields(lua_State *L, int idx)
{
    lua_newtable(L);
    int list = lua_gettop(L);
    int n = 0;
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) == LUA_TSTRING && rec_doc_push(L, -1) == LUA_TTABLE) {
            lua_pushvalue(L, -3);
            lua_rawseti(L, list, ++n);
        }
        lua_pop(L, 2);
    }
    if (n == 0) {
        lua_pop(L, 1);
        return 0;
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, list);
    lua_call(L, 1, 0);
    lua_getfield(L, -1, "concat");
    lua_pushvalue(L, list);
    lua_pushliteral(L, ", ");
    lua_call(L, 2, 1);
    lua_replace(L, list);
    lua_pop(L, 1);
    return n;
}

/* Adds text to b wrapped at width columns, each line indented by indent
 * spaces; explicit newlines are kept. Widths count bytes, so lines with
 * multi-byte characters wrap a little early, never late. */
static void add_wrapped(luaL_Buffer *b, const char *text, int width, int indent)
{
    int col = 0;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            luaL_addchar(b, '\n');
            col = 0;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        size_t word = strcspn(p, " \n");
        if (col > 0 && col + 1 + (int)word > width) {
            luaL_addchar(b, '\n');
            col = 0;
        }
        if (col == 0) {
            for (int i = 0; i < indent; i++)
                luaL_addchar(b, ' ');
            col = indent;
        } else {
            luaL_addchar(b, ' ');
            col++;
        }
        luaL_addlstring(b, p, word);
        col += (int)word;
        p += word;
    }
}

/* help(x): prints the docstring of x (a value, or a name such as "rec.fit"). */
static int help_call(lua_State *L)
{
    /* arg 1 is the help table itself (called through __call) */
    if (lua_gettop(L) < 2) {
        lua_pushliteral(L, "help(x) shows the docstring of x, help(\"name\") looks one up by "
                           "name, ?x does the same at the prompt.\n"
                           "help.set(x, doc, example) registers a docstring for your own "
                           "functions. :help lists the REPL's commands.");
        print_top(L);
        return 0;
    }
    luaL_Buffer b;
    rec_host_load_lazy(L, 2);
    if (lua_type(L, 2) == LUA_TSTRING && rec_doc_push(L, 2) != LUA_TTABLE) {
        /* A name such as "rec.Dataset" may belong to a module not loaded yet. */
        lua_getglobal(L, "rec");
        rec_host_load_lazy(L, -1);
        lua_pop(L, 1);
    }
    lua_settop(L, 2);
    if (rec_doc_push(L, 2) == LUA_TTABLE) {
        int rec = lua_gettop(L);
        /* Everything the text needs sits below the buffer, which must stay on top. */
        lua_getfield(L, rec, "name");
        lua_getfield(L, rec, "doc");
        if (lua_getfield(L, rec, "example") == LUA_TSTRING)
            luaL_gsub(L, lua_tostring(L, -1), "\n", "\n  ");
        else
            lua_pushnil(L);
        const char *name = lua_tostring(L, rec + 1);
        const char *doc = lua_tostring(L, rec + 2);
        const char *example = lua_tostring(L, rec + 4);
        luaL_buffinit(L, &b);
        luaL_addstring(&b, name ? name : "?");
        luaL_addstring(&b, "\n\n");
        add_wrapped(&b, doc ? doc : "", 78, 2);
        if (example != NULL) {
            luaL_addstring(&b, "\n\nExample:\n  ");
            luaL_addstring(&b, example);
        }
        luaL_pushresult(&b);
        print_top(L);
        if (lua_type(L, 2) == LUA_TTABLE && push_documented_fields(L, 2) > 0) {
            lua_pushfstring(L, "\nDocumented fields: %s", lua_tostring(L, -1));
            print_top(L);
            lua_pop(L, 1);
        }
        return 0;
    }
    lua_pop(L, 1);
    if (lua_type(L, 2) == LUA_TTABLE && push_documented_fields(L, 2) > 0) {
        lua_pushfstring(L,
                        "%s has no docstring of its own; its documented fields: %s\n"
                        "help(x.field) shows one.",
                        luaL_typename(L, 2), lua_tostring(L, -1));
        print_top(L);
        return 0;
    }
    if (lua_type(L, 2) == LUA_TSTRING)
        lua_pushfstring(L, "no docstring is registered under the name \"%s\"", lua_tostring(L, 2));
    else
        lua_pushfstring(L, "no docstring for this %s; help.set(x, doc, example) registers one",
                        luaL_typename(L, 2));
    print_top(L);
    return 0;
}

/* help.set(x, doc [, example [, name]]) */
static int help_set(lua_State *L)
{
    luaL_argexpected(L, !lua_isnoneornil(L, 1), 1, "a value to document");
    const char *doc = luaL_checkstring(L, 2);
    const char *example = luaL_optstring(L, 3, NULL);
    const char *name = luaL_optstring(L, 4, NULL);
    if (name == NULL) {
        if (lua_type(L, 1) == LUA_TSTRING)
            name = lua_tostring(L, 1);
        else
            name = lua_pushfstring(L, "%s", luaL_typename(L, 1));
    }
    rec_doc_set(L, 1, name, doc, example);
    return 0;
}

/* help.get(x) -> doc, example, name (nil when undocumented) */
static int help_get(lua_State *L)
{
    luaL_checkany(L, 1);
    rec_host_load_lazy(L, 1);
    if (rec_doc_push(L, 1) != LUA_TTABLE) return 1;
    int rec = lua_gettop(L);
    lua_getfield(L, rec, "doc");
    lua_getfield(L, rec, "example");
    lua_getfield(L, rec, "name");
    return 3;
}

int rec_help_open(lua_State *L)
{
    static const luaL_Reg fns[] = {{"set", help_set}, {"get", help_get}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, help_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    rec_doc_set(L, -1, "help",
                "help(x) prints the docstring registered for x: a function, a table or a "
                "name such as \"rec.plot.line\". At the prompt ?x does the same.",
                "help(help.set)");
    static const rec_doc_entry docs[] = {
        {"set",
         "help.set(x, doc [, example [, name]]) registers a docstring for x, so that help(x) "
         "and ?x show it. Works for your own Lua functions and tables.",
         "local function area(r) return math.pi * r * r end\n"
         "help.set(area, \"area(r): the area of a disc of radius r.\", \"area(2)\", \"area\")\n"
         "help(area)"},
        {"get", "help.get(x) returns the docstring, example and name registered for x, or nil.",
         "print(help.get(help))"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "help", 0, docs);
    return 1;
}
