/* The rec module's aux layer (rec_aux.h): option tables checked with "did
 * you mean", typed options and arguments, arrays from Lua, and the engine
 * error idiom. Taken from what tensor.c, data.c, plot.c and models.c each
 * kept a copy of. The function name a getter's message needs is recorded per
 * options table by rec_check_options, in a weak-keyed registry table. */
#include "rec_aux.h"
#include "host.h"

#include "error.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#define KEY_OPTS_FN "rec.aux.opts_fn" /* registry: options table -> function name */

/* ---- option tables ------------------------------------------------------------ */

const char *rec_nearest(const char *name, const char *const *known)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, len = strlen(name);
    for (const char *const *k = known; *k; k++) {
        size_t d = rec_edit_distance(name, *k);
        if (d < best_d) best_d = d, best = *k;
    }
    /* near enough: fewer edits than the name has letters, or at most 3 */
    return best != NULL && (best_d <= 3 || best_d < len) ? best : NULL;
}

const char *rec_did_you_mean(lua_State *L, const char *name, const char *const *known)
{
    const char *near = rec_nearest(name, known);
    if (near == NULL) {
        lua_pushliteral(L, "");
        return "";
    }
    return lua_pushfstring(L, " (did you mean '%s'?)", near);
}

/* Records fn for the table at i (absolute). */
void rec_weak_keys(lua_State *L, const char *key)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, key) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_createtable(L, 0, 1);
    lua_pushliteral(L, "k");
    lua_setfield(L, -2, "__mode");
    lua_setmetatable(L, -2);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, key);
}

static void remember_fn(lua_State *L, int i, const char *fn)
{
    rec_weak_keys(L, KEY_OPTS_FN);
    lua_pushvalue(L, i);
    lua_pushstring(L, fn);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

const char *rec_opts_fn(lua_State *L, int i)
{
    i = lua_absindex(L, i);
    const char *fn = "options";
    if (lua_getfield(L, LUA_REGISTRYINDEX, KEY_OPTS_FN) == LUA_TTABLE) {
        lua_pushvalue(L, i);
        if (lua_rawget(L, -2) == LUA_TSTRING) fn = lua_tostring(L, -1); /* kept by the table */
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return fn;
}

void rec_check_keys(lua_State *L, int i, const char *fn, const char *const *known, int positional)
{
    if (lua_isnoneornil(L, i)) return;
    luaL_checktype(L, i, LUA_TTABLE);
    i = lua_absindex(L, i);
    lua_pushnil(L);
    while (lua_next(L, i)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) == LUA_TNUMBER && lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 &&
            lua_tointeger(L, -1) <= positional)
            continue;
        if (lua_type(L, -1) != LUA_TSTRING) {
            luaL_error(L, "%s: options are named (key = value), got a %s key", fn,
                       luaL_typename(L, -1));
            return;
        }
        const char *key = lua_tostring(L, -1);
        int found = 0;
        for (const char *const *k = known; *k && !found; k++)
            found = strcmp(*k, key) == 0;
        if (!found) {
            luaL_error(L, "%s: unknown option '%s'%s", fn, key, rec_did_you_mean(L, key, known));
        }
    }
    remember_fn(L, i, fn);
}

void rec_check_options(lua_State *L, int i, const char *fn, const char *const *known)
{
    rec_check_keys(L, i, fn, known, 0);
}

/* ---- typed options ------------------------------------------------------------ */

/* Pushes field key of the table at i; returns its type (LUA_TNIL: absent,
 * nothing left pushed). */
static int opt_get(lua_State *L, int i, const char *key)
{
    if (lua_type(L, i) != LUA_TTABLE) return LUA_TNIL;
    int t = lua_getfield(L, i, key);
    if (t == LUA_TNIL) lua_pop(L, 1);
    return t;
}

/* Raises "fn: option 'key' must be <what>, got <the value at the top>". */
static int opt_error(lua_State *L, int i, const char *key, const char *what)
{
    const char *fn = rec_opts_fn(L, i);
    const char *got =
        lua_type(L, -1) == LUA_TNUMBER ? luaL_tolstring(L, -1, NULL) : luaL_typename(L, -1);
    return luaL_error(L, "%s: option '%s' must be %s, got %s", fn, key, what, got);
}

double rec_opt_number(lua_State *L, int i, const char *key, double def)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    int ok;
    double v = lua_tonumberx(L, -1, &ok);
    if (t != LUA_TNUMBER || !ok) opt_error(L, i, key, "a number");
    lua_pop(L, 1);
    return v;
}

double rec_opt_range(lua_State *L, int i, const char *key, double def, double lo, double hi)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    double v = lua_tonumber(L, -1);
    if (t != LUA_TNUMBER || !(v >= lo && v <= hi)) {
        if (lo == -HUGE_VAL && hi == HUGE_VAL) opt_error(L, i, key, "a number (not nan)");
        char what[96];
        snprintf(what, sizeof what, "a number in %g..%g", lo, hi);
        opt_error(L, i, key, what);
    }
    lua_pop(L, 1);
    return v;
}

double rec_opt_positive(lua_State *L, int i, const char *key, double def)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    double v = lua_tonumber(L, -1);
    if (t != LUA_TNUMBER || !(v > 0) || !isfinite(v)) opt_error(L, i, key, "a finite number > 0");
    lua_pop(L, 1);
    return v;
}

lua_Integer rec_opt_integer(lua_State *L, int i, const char *key, lua_Integer def, lua_Integer lo,
                            lua_Integer hi)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    int ok = 0;
    lua_Integer v = t == LUA_TNUMBER ? lua_tointegerx(L, -1, &ok) : 0;
    if (!ok || v < lo || v > hi) {
        char what[96];
        snprintf(what, sizeof what, "an integer in %lld..%lld", (long long)lo, (long long)hi);
        opt_error(L, i, key, what);
    }
    lua_pop(L, 1);
    return v;
}

int rec_opt_bool(lua_State *L, int i, const char *key, int def)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    if (t != LUA_TBOOLEAN) opt_error(L, i, key, "true or false");
    int v = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

const char *rec_opt_string(lua_State *L, int i, const char *key, const char *def)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    if (t != LUA_TSTRING && t != LUA_TNUMBER) opt_error(L, i, key, "a string");
    /* a number is converted in place on the stack only: store it back so the
     * table keeps the string alive */
    if (t == LUA_TNUMBER) {
        lua_tostring(L, -1);
        lua_pushvalue(L, -1);
        lua_setfield(L, i, key);
    }
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1);
    return s;
}

int rec_opt_enum(lua_State *L, int i, const char *key, const char *const *names, int def)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return def;
    for (int k = 0; names[k]; k++) {
        if (t == LUA_TSTRING && strcmp(names[k], lua_tostring(L, -1)) == 0) {
            lua_pop(L, 1);
            return k;
        }
    }
    /* the list of choices, then the error */
    const char *got = t == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    const char *near = got != NULL ? rec_nearest(got, names) : NULL;
    const char *fn = rec_opts_fn(L, i);
    lua_pushfstring(L, "%s: option '%s' must be one of ", fn, key);
    for (int k = 0; names[k]; k++) {
        lua_pushfstring(L, "%s'%s'", k ? ", " : "", names[k]);
        lua_concat(L, 2);
    }
    if (got != NULL)
        lua_pushfstring(L, ", got '%s'", got);
    else
        lua_pushfstring(L, ", got %s", luaL_typename(L, -2));
    lua_concat(L, 2);
    if (near != NULL) {
        lua_pushfstring(L, " (did you mean '%s'?)", near);
        lua_concat(L, 2);
    }
    return lua_error(L), 0;
}

int rec_opt_int_list(lua_State *L, int i, const char *key, int max, lua_Integer lo, lua_Integer hi,
                     int *out)
{
    i = lua_absindex(L, i);
    int t = opt_get(L, i, key);
    if (t == LUA_TNIL) return -1;
    const char *fn = rec_opts_fn(L, i);
    if (t != LUA_TTABLE) opt_error(L, i, key, "a list of integers");
    int n = (int)lua_rawlen(L, -1);
    if (n > max) luaL_error(L, "%s: option '%s' has %d entries (at most %d)", fn, key, n, max);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, -1, k);
        int ok;
        lua_Integer x = lua_tointegerx(L, -1, &ok);
        if (!ok || x < lo || x > hi)
            luaL_error(L, "%s: %s[%d] must be an integer in %I..%I, got %s", fn, key, k, lo, hi,
                       luaL_tolstring(L, -1, NULL));
        out[k - 1] = (int)x;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

/* ---- arrays ------------------------------------------------------------------------ */

float rec_to_float(double d)
{
    if (d > (double)FLT_MAX) return INFINITY;
    if (d < -(double)FLT_MAX) return -INFINITY;
    return (float)d;
}

/* Replaces a userdata with a totable method at idx (an engine tensor) by the
 * table that method returns. */
static void totable(lua_State *L, int idx, const char *fn, const char *what)
{
    if (lua_type(L, idx) != LUA_TUSERDATA) return;
    /* through __index, whether a table or a function */
    if (lua_getfield(L, idx, "totable") != LUA_TFUNCTION) {
        lua_pop(L, 1);
        return;
    }
    lua_pushvalue(L, idx);
    lua_call(L, 1, 1);
    if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "%s: %s:totable() did not return a table", fn, what);
    lua_replace(L, idx);
}

float *rec_floats(lua_State *L, int idx, const char *fn, const char *what, size_t *n, int allow_nan)
{
    idx = lua_absindex(L, idx);
    totable(L, idx, fn, what);
    if (lua_type(L, idx) == LUA_TNUMBER) { /* one value */
        float *v = lua_newuserdatauv(L, sizeof(float), 0);
        v[0] = rec_to_float(lua_tonumber(L, idx));
        if (!allow_nan && !isfinite(v[0]))
            luaL_error(L, "%s: %s is %s (not finite as a float)", fn, what,
                       isnan(v[0]) ? "nan" : "inf");
        *n = 1;
        return v;
    }
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: %s must be a table of numbers, got %s", fn, what, luaL_typename(L, idx));
    size_t len = (size_t)lua_rawlen(L, idx);
    float *v = lua_newuserdatauv(L, (len ? len : 1) * sizeof(float), 0);
    for (size_t i = 0; i < len; i++) {
        int t = lua_rawgeti(L, idx, (lua_Integer)i + 1);
        if (t != LUA_TNUMBER)
            luaL_error(L, "%s: %s[%d] must be a number, got %s", fn, what, (int)i + 1,
                       luaL_typename(L, -1));
        double raw = lua_tonumber(L, -1);
        lua_pop(L, 1);
        float d = rec_to_float(raw);
        if (!allow_nan && !isfinite(d)) {
            if (isfinite(raw))
                luaL_error(L, "%s: %s[%d] = %f is beyond the float range", fn, what, (int)i + 1,
                           raw);
            luaL_error(L, "%s: %s[%d] is %s (not finite)", fn, what, (int)i + 1,
                       isnan(raw) ? "nan" : "inf");
        }
        v[i] = d;
    }
    *n = len;
    return v;
}

float *rec_matrix(lua_State *L, int idx, const char *fn, const char *what, int *rows, int *cols,
                  int allow_nan)
{
    idx = lua_absindex(L, idx);
    totable(L, idx, fn, what);
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: %s must be a table of rows, got %s", fn, what, luaL_typename(L, idx));
    lua_Integer R = (lua_Integer)lua_rawlen(L, idx);
    if (R < 1) luaL_error(L, "%s: %s has no rows", fn, what);
    if (R > 1000000) luaL_error(L, "%s: %s has %d rows (at most 1000000)", fn, what, (int)R);
    lua_rawgeti(L, idx, 1);
    if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "%s: %s[1] must be a table (a row of numbers), got %s", fn, what,
                   luaL_typename(L, -1));
    lua_Integer C = (lua_Integer)lua_rawlen(L, -1);
    lua_pop(L, 1);
    if (C < 1 || C > 4096)
        luaL_error(L, "%s: %s rows must hold 1..4096 numbers, row 1 has %d", fn, what, (int)C);
    float *v = lua_newuserdatauv(L, (size_t)(R * C) * sizeof(float), 0);
    for (lua_Integer i = 0; i < R; i++) {
        if (lua_rawgeti(L, idx, i + 1) != LUA_TTABLE)
            luaL_error(L, "%s: %s[%d] must be a table (a row of numbers), got %s", fn, what,
                       (int)i + 1, luaL_typename(L, -1));
        if ((lua_Integer)lua_rawlen(L, -1) != C)
            luaL_error(L, "%s: %s[%d] has %d values, but row 1 has %d", fn, what, (int)i + 1,
                       (int)lua_rawlen(L, -1), (int)C);
        for (lua_Integer j = 0; j < C; j++) {
            if (lua_rawgeti(L, -1, j + 1) != LUA_TNUMBER)
                luaL_error(L, "%s: %s[%d][%d] must be a number, got %s", fn, what, (int)i + 1,
                           (int)j + 1, luaL_typename(L, -1));
            double raw = lua_tonumber(L, -1);
            lua_pop(L, 1);
            float d = rec_to_float(raw);
            if (!allow_nan && !isfinite(d)) {
                if (isfinite(raw))
                    luaL_error(L, "%s: %s[%d][%d] = %f is beyond the float range", fn, what,
                               (int)i + 1, (int)j + 1, raw);
                luaL_error(L, "%s: %s[%d][%d] is %s (not finite)", fn, what, (int)i + 1, (int)j + 1,
                           isnan(raw) ? "nan" : "inf");
            }
            v[i * C + j] = d;
        }
        lua_pop(L, 1);
    }
    *rows = (int)R, *cols = (int)C;
    return v;
}

const char **rec_strings(lua_State *L, int idx, const char *fn, const char *what, int n)
{
    idx = lua_absindex(L, idx);
    if (lua_isnil(L, idx)) return NULL;
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: %s must be a table of strings, got %s", fn, what, luaL_typename(L, idx));
    if ((int)lua_rawlen(L, idx) != n)
        luaL_error(L, "%s: %s has %d entries, expected %d", fn, what, (int)lua_rawlen(L, idx), n);
    const char **s = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *s, 0);
    for (int i = 0; i < n; i++) {
        int t = lua_rawgeti(L, idx, i + 1);
        if (t != LUA_TSTRING && t != LUA_TNUMBER)
            luaL_error(L, "%s: %s[%d] must be a string, got %s", fn, what, i + 1,
                       luaL_typename(L, -1));
        if (t == LUA_TNUMBER) { /* keep the converted string in the table */
            lua_tostring(L, -1);
            lua_pushvalue(L, -1);
            lua_rawseti(L, idx, i + 1);
        }
        s[i] = lua_tostring(L, -1);
        lua_pop(L, 1);
    }
    return s;
}

/* ---- arguments ---------------------------------------------------------------------- */

int rec_check_int(lua_State *L, int arg, lua_Integer lo, lua_Integer hi)
{
    lua_Integer v = luaL_checkinteger(L, arg);
    if (v < lo || v > hi)
        luaL_argerror(L, arg, lua_pushfstring(L, "must be within %I..%I", lo, hi));
    return (int)v;
}

int rec_opt_int(lua_State *L, int arg, int dflt, lua_Integer lo, lua_Integer hi)
{
    return lua_isnoneornil(L, arg) ? dflt : rec_check_int(L, arg, lo, hi);
}

void *rec_check_open(lua_State *L, int i, const char *tname, const char *what)
{
    void *u = luaL_testudata(L, i, tname);
    if (u == NULL) luaL_typeerror(L, i, tname);
    if (*(void **)u == NULL) luaL_argerror(L, i, lua_pushfstring(L, "the %s is closed", what));
    return u;
}

/* ---- errors ------------------------------------------------------------------------- */

int rec_engine_error(lua_State *L)
{
    if (rn_error_code() == RN_EINTR) rec_host_interrupt_reported(L); /* keep the engine's words */
    return luaL_error(L, "%s", rn_error());
}
