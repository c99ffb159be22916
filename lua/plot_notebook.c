/* Figures in notebooks.
 *
 * `recnote --run` asks, after each cell, for what the cell drew (the cell-end
 * hooks of lua/host.h). This file answers for rec.plot: it wraps the figure
 * constructors so that every figure is tracked (weakly) with its creation
 * order, and its hook saves, as prefix-1.png, prefix-2.png, ..., each figure
 * created during the cell or changed since it was last drawn. */
#include "host.h"
#include "plot.h"
#include "rec.h"
#include "rec_aux.h"

#include <lauxlib.h>

#define TRACK_KEY "recnote.plot.notebook" /* registry: weak table figure -> order */

static lua_Integer next_order = 1;

static void push_tracked(lua_State *L)
{
    rec_weak_keys(L, TRACK_KEY);
}

/* A constructor wrapper: calls upvalue 1 and tracks a figure it returns as new
 * (a positive order; it turns negative once saved). */
static int tracked_constructor(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, n, LUA_MULTRET);
    if (lua_gettop(L) >= 1 && luaL_testudata(L, 1, "rec.Figure") != NULL) {
        push_tracked(L);
        lua_pushvalue(L, 1);
        lua_pushinteger(L, next_order++);
        lua_rawset(L, -3);
        lua_pop(L, 1);
    }
    return lua_gettop(L);
}

/* The cell-end hook: hook(prefix) -> list of PNG paths written. */
static int plot_cell_end(lua_State *L)
{
    const char *prefix = luaL_checkstring(L, 1);
    push_tracked(L);
    int tracked = lua_gettop(L);
    /* Collect the figures to save, ordered by creation. */
    lua_newtable(L);
    int to_save = lua_gettop(L);
    lua_Integer n = 0;
    lua_pushnil(L);
    while (lua_next(L, tracked) != 0) {
        plot_figure *F = luaL_testudata(L, -2, "rec.Figure");
        lua_Integer order = lua_tointeger(L, -1);
        if (F != NULL && F->fig != NULL && (order > 0 || vz_figure_dirty(F->fig))) {
            lua_pushvalue(L, -2);
            lua_rawseti(L, to_save, ++n);
        }
        lua_pop(L, 1);
    }
    /* Insertion sort by |order|: a cell draws a handful of figures. */
    for (lua_Integer i = 2; i <= n; i++) {
        for (lua_Integer j = i; j > 1; j--) {
            lua_rawgeti(L, to_save, j);
            lua_rawgeti(L, to_save, j - 1);
            lua_pushvalue(L, -2);
            lua_rawget(L, tracked);
            lua_Integer a = lua_tointeger(L, -1);
            lua_pushvalue(L, -2);
            lua_rawget(L, tracked);
            lua_Integer b = lua_tointeger(L, -1);
            lua_pop(L, 2);
            if ((a < 0 ? -a : a) >= (b < 0 ? -b : b)) {
                lua_pop(L, 2);
                break;
            }
            lua_rawseti(L, to_save, j);
            lua_rawseti(L, to_save, j - 1);
        }
    }
    lua_newtable(L);
    int written = lua_gettop(L);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, to_save, i);
        plot_figure *F = lua_touserdata(L, -1);
        const char *path = lua_pushfstring(L, "%s-%d.png", prefix, (int)i);
        if (vz_figure_save(F->fig, path) != VZ_OK)
            return luaL_error(L, "saving figure %d of the cell to %s: %s", (int)i, path,
                              vz_error());
        lua_rawseti(L, written, i);
        /* Seen: keep the order, negative, so only later changes save it again. */
        lua_pushvalue(L, -1);
        lua_rawget(L, tracked);
        lua_Integer order = lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_pushinteger(L, order > 0 ? -order : order);
        lua_rawset(L, tracked);
    }
    return 1;
}

void rec_open_plot_notebook(lua_State *L)
{
    /* rec is at the top; wrap rec.plot's constructors. */
    if (lua_getfield(L, -1, "plot") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int plot = lua_gettop(L);
    static const char *const constructors[] = {"line", "heatmap", "scatter", "curve", "hist",
                                               "bar",  "graph",   "figure",  NULL};
    for (int i = 0; constructors[i]; i++) {
        if (lua_getfield(L, plot, constructors[i]) != LUA_TFUNCTION) {
            lua_settop(L, plot);
            continue;
        }
        int fn = lua_gettop(L);
        int documented = rec_doc_push(L, fn) == LUA_TTABLE; /* the record at fn + 1 */
        lua_pushvalue(L, fn);
        lua_pushcclosure(L, tracked_constructor, 1); /* at fn + 2 */
        if (documented) { /* the wrapper keeps the docstring of what it wraps */
            lua_getfield(L, fn + 1, "name");
            lua_getfield(L, fn + 1, "doc");
            lua_getfield(L, fn + 1, "example");
            rec_doc_set(L, fn + 2, lua_tostring(L, -3), lua_tostring(L, -2), lua_tostring(L, -1));
            lua_pop(L, 3);
        }
        lua_setfield(L, plot, constructors[i]);
        lua_settop(L, plot);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_CELL_END) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_CELL_END);
    }
    lua_pushcfunction(L, plot_cell_end);
    lua_setfield(L, -2, "plot");
    lua_pop(L, 1);
}
