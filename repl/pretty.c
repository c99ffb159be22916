/* The pretty printer: the text the REPL shows for a value.
 *
 * Scalars print as Lua writes them, strings quoted. A table prints on one
 * line when it fits the width, else one entry per line, indented, with short
 * array items packed several to a line. Array entries (1..n) come first, then
 * the other keys sorted (numbers, then strings, then the rest). Tables on the
 * current path print as <cycle>; past max_depth a table prints as {...}; past
 * max_items entries a table ends with "... (n more)". Values with __tostring
 * (tensors, models) print through it.
 *
 * One-line attempts stop as soon as they pass the width, so the cost stays
 * proportional to what is printed. */
#include "repl.h"
#include "host.h"

#include <ctype.h>
#include <string.h>

#include <lauxlib.h>

#define MAX_STRING 4000 /* bytes of a string shown before "..." */

typedef struct {
    lua_State *L;
    strbuf *out;
    pretty_opts o;
    int path; /* stack index of a table: tables on the current path -> true */
} printer;

pretty_opts pretty_defaults(void)
{
    pretty_opts o = {.max_depth = 5, .max_items = 100, .width = 78};
    return o;
}

static void put_string(strbuf *b, const char *s, size_t n)
{
    sb_putc(b, '"');
    size_t shown = n > MAX_STRING ? MAX_STRING : n;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            sb_puts(b, "\\\"");
            break;
        case '\\':
            sb_puts(b, "\\\\");
            break;
        case '\n':
            sb_puts(b, "\\n");
            break;
        case '\t':
            sb_puts(b, "\\t");
            break;
        case '\r':
            sb_puts(b, "\\r");
            break;
        default:
            if (c < 32 || c == 127)
                sb_printf(b, "\\%d", c);
            else
                sb_putc(b, (char)c);
        }
    }
    sb_putc(b, '"');
    if (shown < n) sb_printf(b, "... (%zu more bytes)", n - shown);
}

static int is_identifier(const char *s, size_t n)
{
    static const char *const keywords[] = {
        "and",      "break",  "do",   "else", "elseif", "end",   "false", "for",
        "function", "goto",   "if",   "in",   "local",  "nil",   "not",   "or",
        "repeat",   "return", "then", "true", "until",  "while", NULL};
    if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return 0;
    for (size_t i = 1; i < n; i++)
        if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return 0;
    for (int i = 0; keywords[i]; i++)
        if (strcmp(s, keywords[i]) == 0) return 0;
    return 1;
}

/* Has the value at idx a __tostring or __name to print through? */
static int has_tostring(lua_State *L, int idx)
{
    if (!lua_getmetatable(L, idx)) return 0;
    int t = lua_getfield(L, -1, "__tostring");
    lua_pop(L, 2);
    return t != LUA_TNIL;
}

/* Appends a value that prints on one line by itself (not a plain table). */
static void put_scalar(printer *p, int idx)
{
    lua_State *L = p->L;
    size_t n;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        const char *s = lua_tolstring(L, idx, &n);
        put_string(p->out, s, n);
        break;
    }
    case LUA_TFUNCTION:
        if (rec_doc_push(L, idx) == LUA_TTABLE) {
            lua_getfield(L, -1, "name");
            sb_printf(p->out, "function: %s", lua_tostring(L, -1));
            lua_pop(L, 2);
            break;
        }
        lua_pop(L, 1);
        /* fall through */
    default: {
        const char *s = luaL_tolstring(L, idx, &n);
        sb_append(p->out, s, n);
        lua_pop(L, 1);
    }
    }
}

/* ---- collecting a table's keys in print order ----------------------------- */

static int key_rank(lua_State *L, int idx)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        return 0;
    case LUA_TSTRING:
        return 1;
    case LUA_TBOOLEAN:
        return 2;
    default:
        return 3;
    }
}

/* A sort comparator for keys (a Lua C function for table.sort). */
static int key_less(lua_State *L)
{
    int ra = key_rank(L, 1), rb = key_rank(L, 2);
    if (ra != rb) {
        lua_pushboolean(L, ra < rb);
    } else if (ra == 0 || ra == 1) {
        lua_pushboolean(L, lua_compare(L, 1, 2, LUA_OPLT));
    } else if (ra == 2) {
        lua_pushboolean(L, !lua_toboolean(L, 1) && lua_toboolean(L, 2));
    } else {
        lua_pushboolean(L, lua_topointer(L, 1) < lua_topointer(L, 2));
    }
    return 1;
}

/* Pushes the array length n (1..n all non-nil) and a sorted list of the other
 * keys; returns n and sets *n_other. */
static lua_Integer push_keys(lua_State *L, int t, lua_Integer *n_other)
{
    lua_Integer n = 0;
    while (lua_rawgeti(L, t, n + 1) != LUA_TNIL) {
        lua_pop(L, 1);
        n++;
    }
    lua_pop(L, 1);
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_Integer k = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= n)
            continue;
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++k);
    }
    if (k > 1) {
        lua_getglobal(L, "table");
        lua_getfield(L, -1, "sort");
        lua_pushvalue(L, keys);
        lua_pushcfunction(L, key_less);
        lua_call(L, 2, 0);
        lua_pop(L, 1);
    }
    *n_other = k;
    return n;
}

static void put_key(printer *p, int idx)
{
    lua_State *L = p->L;
    size_t n;
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tolstring(L, idx, &n);
        if (is_identifier(s, n)) {
            sb_append(p->out, s, n);
        } else {
            sb_putc(p->out, '[');
            put_string(p->out, s, n);
            sb_putc(p->out, ']');
        }
    } else {
        sb_putc(p->out, '[');
        put_scalar(p, idx);
        sb_putc(p->out, ']');
    }
    sb_puts(p->out, " = ");
}

/* ---- rendering ------------------------------------------------------------ */

static void put_value(printer *p, int idx, int depth, int indent);

/* Appends the value at idx on one line; returns 0 (and leaves garbage the
 * caller truncates) once the output passes limit bytes from start. */
static int put_inline(printer *p, int idx, int depth, size_t start, size_t limit)
{
    lua_State *L = p->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || has_tostring(L, idx)) {
        put_scalar(p, idx);
        return p->out->len - start <= limit && !strchr(p->out->s + start, '\n');
    }
    lua_pushvalue(L, idx);
    if (lua_rawget(L, p->path) != LUA_TNIL) {
        lua_pop(L, 1);
        sb_puts(p->out, "<cycle>");
        return 1;
    }
    lua_pop(L, 1);
    if (depth >= p->o.max_depth) {
        lua_pushnil(L);
        int empty = lua_next(L, idx) == 0;
        if (!empty) lua_pop(L, 2);
        sb_puts(p->out, empty ? "{}" : "{...}");
        return 1;
    }
    luaL_checkstack(L, 8, "table nested too deeply to print");
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, p->path);

    lua_Integer n_other;
    lua_Integer n = push_keys(L, idx, &n_other);
    int keys = lua_gettop(L);
    int fits = 1;
    sb_putc(p->out, '{');
    lua_Integer shown = 0;
    for (lua_Integer i = 1; fits && i <= n + n_other; i++) {
        if (shown == p->o.max_items) {
            sb_printf(p->out, ", ... (%lld more)", (long long)(n + n_other - shown));
            break;
        }
        if (i > 1) sb_puts(p->out, ", ");
        if (i <= n) {
            lua_rawgeti(L, idx, i);
        } else {
            lua_rawgeti(L, keys, i - n);
            put_key(p, -1);
            lua_rawget(L, idx);
        }
        fits = put_inline(p, -1, depth + 1, start, limit);
        lua_pop(L, 1);
        shown++;
        fits = fits && p->out->len - start <= limit;
    }
    sb_putc(p->out, '}');
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, p->path);
    return fits && p->out->len - start <= limit;
}

static void put_indent(strbuf *b, int indent)
{
    for (int i = 0; i < indent; i++)
        sb_putc(b, ' ');
}

/* Appends a table one entry per line (short array items packed). */
static void put_block(printer *p, int idx, int depth, int indent)
{
    lua_State *L = p->L;
    lua_pushvalue(L, idx);
    lua_pushboolean(L, 1);
    lua_rawset(L, p->path);

    lua_Integer n_other;
    lua_Integer n = push_keys(L, idx, &n_other);
    int keys = lua_gettop(L);
    int inner = indent + 2;
    size_t line_start = p->out->len;
    sb_putc(p->out, '{');
    lua_Integer shown = 0;
    for (lua_Integer i = 1; i <= n + n_other; i++) {
        if (shown == p->o.max_items) {
            sb_putc(p->out, '\n');
            put_indent(p->out, inner);
            sb_printf(p->out, "... (%lld more)", (long long)(n + n_other - shown));
            break;
        }
        size_t before = p->out->len;
        if (i <= n) {
            /* Try to pack the item after the previous ones on this line. */
            lua_rawgeti(L, idx, i);
            if (i > 1) {
                sb_puts(p->out, ", ");
                size_t item = p->out->len;
                int ok = put_inline(p, -1, depth + 1, item, (size_t)p->o.width);
                if (ok && p->out->len - line_start <= (size_t)p->o.width &&
                    lua_type(L, -1) != LUA_TTABLE) {
                    lua_pop(L, 1);
                    shown++;
                    continue;
                }
                sb_truncate(p->out, before);
            }
            sb_puts(p->out, i > 1 ? ",\n" : "\n");
            line_start = p->out->len;
            put_indent(p->out, inner);
        } else {
            sb_puts(p->out, i > 1 ? ",\n" : "\n");
            line_start = p->out->len;
            put_indent(p->out, inner);
            lua_rawgeti(L, keys, i - n);
            put_key(p, -1);
            lua_rawget(L, idx);
        }
        put_value(p, -1, depth + 1, inner);
        lua_pop(L, 1);
        shown++;
    }
    sb_putc(p->out, '\n');
    put_indent(p->out, indent);
    sb_putc(p->out, '}');
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
    lua_pushnil(L);
    lua_rawset(L, p->path);
}

static void put_value(printer *p, int idx, int depth, int indent)
{
    lua_State *L = p->L;
    idx = lua_absindex(L, idx);
    if (lua_type(L, idx) != LUA_TTABLE || has_tostring(L, idx)) {
        put_scalar(p, idx);
        return;
    }
    size_t start = p->out->len;
    size_t limit = (size_t)(p->o.width > indent ? p->o.width - indent : 20);
    if (put_inline(p, idx, depth, start, limit)) return;
    sb_truncate(p->out, start);
    put_block(p, idx, depth, indent);
}

void repl_pretty(lua_State *L, int idx, strbuf *out, const pretty_opts *o)
{
    idx = lua_absindex(L, idx);
    lua_newtable(L);
    printer p = {.L = L, .out = out, .o = *o, .path = lua_gettop(L)};
    put_value(&p, idx, 0, 0);
    lua_pop(L, 1);
}

/* repl.pretty(x [, {depth=, items=, width=}]) -> string */
int repl_pretty_lua(lua_State *L)
{
    luaL_checkany(L, 1);
    pretty_opts o = pretty_defaults();
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        lua_getfield(L, 2, "depth");
        o.max_depth = (int)luaL_optinteger(L, -1, o.max_depth);
        lua_getfield(L, 2, "items");
        o.max_items = (int)luaL_optinteger(L, -1, o.max_items);
        lua_getfield(L, 2, "width");
        o.width = (int)luaL_optinteger(L, -1, o.width);
        lua_pop(L, 3);
        luaL_argcheck(L, o.max_depth >= 0 && o.max_items >= 1 && o.width >= 10, 2,
                      "depth >= 0, items >= 1 and width >= 10 expected");
    }
    lua_settop(L, 1);
    strbuf *b = repl_boxed_strbuf(L);
    repl_pretty(L, 1, b, &o);
    lua_pushlstring(L, sb_str(b), b->len);
    return 1;
}

static int boxed_strbuf_gc(lua_State *L)
{
    sb_free(lua_touserdata(L, 1));
    return 0;
}

strbuf *repl_boxed_strbuf(lua_State *L)
{
    strbuf *b = lua_newuserdatauv(L, sizeof *b, 0);
    *b = (strbuf){0};
    if (luaL_newmetatable(L, "recnote.strbuf")) {
        lua_pushcfunction(L, boxed_strbuf_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}
