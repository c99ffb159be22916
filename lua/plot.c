/* rec.plot: figures from Lua.
 *
 * rec.plot.line{...}, .heatmap, .scatter, .curve, .hist, .bar and .graph each
 * make a one-panel figure; rec.plot.figure{rows =, cols =} makes a grid that
 * fig:add fills. A figure is a "rec.Figure" userdata owning a vz_figure. With
 * a display it opens a window, pumped by the REPL's idle hook "plot" (and by
 * rec.plot.pump() in a long loop); without one it stays offscreen and the
 * first figure prints a one-line note. Figures with an open window are kept
 * alive by the registry until the user closes them, so `rec.plot.line{...}`
 * at the prompt need not be assigned to stay on screen.
 *
 * Every option table is checked: unknown keys name the nearest known one,
 * wrong types and NaN values name the option and the index. */
#include "plot.h"
#include "host.h"
#include "rec.h"

#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#ifndef RECNOTE_DATA_DIR
#define RECNOTE_DATA_DIR "."
#endif

#define FIGURE_MT    "rec.Figure"
#define OPEN_KEY     "recnote.plot.open"     /* registry: set of figures with windows */
#define SHUTDOWN_KEY "recnote.plot.shutdown" /* registry: the sentinel that frees viz */

/* ---- errors ------------------------------------------------------------------ */

int plot_vz_error(lua_State *L, const char *fname)
{
    return luaL_error(L, "%s: %s", fname, vz_error());
}

/* ---- the figure userdata ------------------------------------------------------ */

plot_figure *plot_check(lua_State *L, int arg)
{
    plot_figure *F = luaL_checkudata(L, arg, FIGURE_MT);
    if (F->fig == NULL) luaL_argerror(L, arg, "the figure is closed");
    return F;
}

/* Adds or removes the figure at idx from the registry's set of open windows. */
static void anchor(lua_State *L, int idx, int on)
{
    idx = lua_absindex(L, idx);
    if (lua_getfield(L, LUA_REGISTRYINDEX, OPEN_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, OPEN_KEY);
    }
    lua_pushvalue(L, idx);
    if (on)
        lua_pushboolean(L, 1);
    else
        lua_pushnil(L);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

/* Pushes a new, empty figure userdata (its fig set by the caller; __gc frees
 * it, so an error after that point leaks nothing). */
static plot_figure *push_figure(lua_State *L)
{
    plot_figure *F = lua_newuserdatauv(L, sizeof *F, 1);
    F->fig = NULL;
    luaL_setmetatable(L, FIGURE_MT);
    lua_newtable(L); /* anchors for what panels borrow */
    lua_setiuservalue(L, -2, 1);
    return F;
}

/* The one-line note when figures stay offscreen, printed once per process. */
static void headless_note(void)
{
    static int noted;
    const char *why;
    if (noted || !vz_headless(&why)) return;
    noted = 1;
    fprintf(stderr, "recnote: figures render offscreen (%s); fig:save(\"x.png\") writes them\n",
            why);
}

/* Opens a window for the figure at idx unless show = false or headless. */
static void maybe_show(lua_State *L, int idx, int show)
{
    plot_figure *F = lua_touserdata(L, idx);
    vz_set_headless(rec_host_headless(L));
    if (!show) return;
    if (vz_figure_show(F->fig))
        anchor(L, idx, 1);
    else
        headless_note();
}

static const char *const figure_keys[] = {"title",        "xlabel",    "ylabel", "width",
                                          "height",       "show",      "rows",   "cols",
                                          "presentation", "save_path", NULL};

/* Applies title, labels, presentation and save_path from opts to F / p. */
static void common_opts(lua_State *L, plot_figure *F, vz_panel *p, int opts)
{
    const char *s;
    if (p != NULL) {
        if ((s = rec_opt_string(L, opts, "title", NULL)) != NULL) vz_panel_set_title(p, s);
        if ((s = rec_opt_string(L, opts, "xlabel", NULL)) != NULL) vz_panel_set_xlabel(p, s);
        if ((s = rec_opt_string(L, opts, "ylabel", NULL)) != NULL) vz_panel_set_ylabel(p, s);
    }
    if (lua_getfield(L, opts, "presentation") != LUA_TNIL)
        vz_figure_set_presentation(F->fig, rec_opt_bool(L, opts, "presentation", 0));
    lua_pop(L, 1);
    if ((s = rec_opt_string(L, opts, "save_path", NULL)) != NULL)
        vz_figure_set_save_path(F->fig, s);
}

/* Makes a figure of rows x cols from opts (width, height) and pushes it. */
static plot_figure *new_figure(lua_State *L, int opts, int rows, int cols, const char *fname)
{
    int w = (int)rec_opt_integer(L, opts, "width", cols > 1 ? 480 * cols : 800, -1000000000,
                                 1000000000);
    int h = (int)rec_opt_integer(L, opts, "height", rows > 1 ? 360 * rows : 500, -1000000000,
                                 1000000000);
    plot_figure *F = push_figure(L);
    if ((F->fig = vz_figure_new(rows, cols, w, h)) == NULL) plot_vz_error(L, fname);
    return F;
}

/* rec.plot.<kind>(opts) and rec.plot.heatmap(matrix, opts): a one-panel figure. */
static int plot_make(lua_State *L, vz_kind kind, const char *fname)
{
    /* the sketch form: a data value first, options second */
    if (lua_type(L, 1) == LUA_TUSERDATA ||
        (lua_type(L, 1) == LUA_TTABLE && lua_type(L, 2) == LUA_TTABLE)) {
        if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
        lua_settop(L, 2);
        /* a copy of the options with the data as [1]: the caller's table stays as it was */
        lua_newtable(L);
        if (!lua_isnil(L, 2)) {
            lua_pushnil(L);
            while (lua_next(L, 2) != 0) {
                lua_pushvalue(L, -2);
                lua_insert(L, -2);
                lua_rawset(L, 3);
            }
        }
        lua_pushvalue(L, 1);
        lua_rawseti(L, 3, 1);
        lua_replace(L, 1);
        lua_settop(L, 1);
    }
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    const char *const *pk = plot_panel_keys(kind);
    const char *keys[64];
    int n = 0;
    for (const char *const *k = figure_keys; *k != NULL; k++)
        if (strcmp(*k, "rows") && strcmp(*k, "cols")) keys[n++] = *k;
    for (const char *const *k = pk; *k != NULL && n < 63; k++)
        keys[n++] = *k;
    keys[n] = NULL;
    rec_check_keys(L, 1, fname, keys, INT_MAX);
    plot_figure *F = new_figure(L, 1, 1, 1, fname);
    int fig = lua_gettop(L);
    vz_panel *p = vz_figure_add_panel(F->fig, kind);
    if (p == NULL) plot_vz_error(L, fname);
    common_opts(L, F, p, 1);
    plot_fill(L, fig, p, 1, fname);
    lua_settop(L, fig);
    maybe_show(L, fig, rec_opt_bool(L, 1, "show", 1));
    return 1;
}

static int plot_line(lua_State *L)
{
    return plot_make(L, VZ_PANEL_LINE, "rec.plot.line");
}
static int plot_heatmap(lua_State *L)
{
    return plot_make(L, VZ_PANEL_HEATMAP, "rec.plot.heatmap");
}
static int plot_scatter(lua_State *L)
{
    return plot_make(L, VZ_PANEL_SCATTER, "rec.plot.scatter");
}
static int plot_curve(lua_State *L)
{
    return plot_make(L, VZ_PANEL_CURVE, "rec.plot.curve");
}
static int plot_hist(lua_State *L)
{
    return plot_make(L, VZ_PANEL_HIST, "rec.plot.hist");
}
static int plot_bar(lua_State *L)
{
    return plot_make(L, VZ_PANEL_BAR, "rec.plot.bar");
}
static int plot_graph(lua_State *L)
{
    return plot_make(L, VZ_PANEL_GRAPH, "rec.plot.graph");
}

/* rec.plot.figure{rows =, cols =, width =, height =, show =} */
static int plot_figure_new(lua_State *L)
{
    const char *fname = "rec.plot.figure";
    if (lua_isnoneornil(L, 1)) {
        lua_settop(L, 0);
        lua_newtable(L);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    static const char *const keys[] = {"rows",  "cols",         "width",     "height", "show",
                                       "title", "presentation", "save_path", NULL};
    rec_check_keys(L, 1, fname, keys, 0);
    int rows = (int)rec_opt_integer(L, 1, "rows", 1, -1000000000, 1000000000),
        cols = (int)rec_opt_integer(L, 1, "cols", 1, -1000000000, 1000000000);
    plot_figure *F = new_figure(L, 1, rows, cols, fname);
    common_opts(L, F, NULL, 1);
    maybe_show(L, 2, rec_opt_bool(L, 1, "show", 1));
    return 1;
}

/* ---- methods ------------------------------------------------------------------------ */

/* fig:add(kind, opts) adds a panel; fig:add(other) moves other's panels here
 * and closes other. */
static int fig_add(lua_State *L)
{
    const char *fname = "fig:add";
    plot_figure *F = plot_check(L, 1);
    if (lua_type(L, 2) == LUA_TUSERDATA) {
        plot_figure *G = plot_check(L, 2);
        /* moving closes G: not while G's own curve function runs */
        if (plot_in_curve_fn()) return luaL_error(L, "fig:add: not from inside a curve function");
        if (vz_figure_move_panels(F->fig, G->fig) != VZ_OK) plot_vz_error(L, fname);
        /* what G's panels borrow now lives as long as F */
        lua_getiuservalue(L, 1, 1);
        lua_getiuservalue(L, 2, 1);
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, -5);
        }
        lua_pop(L, 2);
        /* G is an empty husk now: close it (its window too), so that nothing
         * (a notebook saving each figure of a cell) mistakes it for a figure */
        anchor(L, 2, 0);
        vz_figure_free(G->fig);
        G->fig = NULL;
        lua_settop(L, 1);
        return 1;
    }
    const char *kname = luaL_checkstring(L, 2);
    vz_kind kind = plot_kind(kname);
    if (kind == VZ_PANEL_EMPTY)
        return luaL_argerror(L, 2,
                             lua_pushfstring(L,
                                             "unknown panel kind '%s' (line, heatmap, "
                                             "scatter, curve, hist, bar or graph)",
                                             kname));
    if (lua_isnoneornil(L, 3)) {
        lua_settop(L, 2);
        lua_newtable(L);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    const char *keys[64];
    int n = 0;
    static const char *const common[] = {"title", "xlabel", "ylabel", NULL};
    for (const char *const *k = common; *k != NULL; k++)
        keys[n++] = *k;
    for (const char *const *k = plot_panel_keys(kind); *k != NULL && n < 63; k++)
        keys[n++] = *k;
    keys[n] = NULL;
    rec_check_keys(L, 3, fname, keys, INT_MAX);
    vz_panel *p = vz_figure_add_panel(F->fig, kind);
    if (p == NULL) plot_vz_error(L, fname);
    common_opts(L, F, p, 3);
    plot_fill(L, 1, p, 3, fname);
    lua_settop(L, 1);
    return 1;
}

/* The line panel holding series name, or the first line panel (creating the
 * series there); raises when the figure has no line panel. */
static vz_panel *series_panel(lua_State *L, plot_figure *F, const char *name, int *series)
{
    vz_panel *first = NULL;
    for (int i = 0; i < vz_figure_n_panels(F->fig); i++) {
        vz_panel *p = vz_figure_panel(F->fig, i);
        if (vz_panel_kind(p) != VZ_PANEL_LINE) continue;
        if (first == NULL) first = p;
        int s = vz_line_find_series(p, name);
        if (s >= 0) {
            *series = s;
            return p;
        }
    }
    if (first == NULL) luaL_error(L, "fig:append: the figure has no line panel");
    *series = vz_line_add_series(first, name);
    if (*series < 0) plot_vz_error(L, "fig:append");
    return first;
}

/* fig:append(series, y) or fig:append(series, x, y): numbers or tables. */
static int fig_append(lua_State *L)
{
    const char *fname = "fig:append";
    plot_figure *F = plot_check(L, 1);
    const char *name = luaL_checkstring(L, 2);
    luaL_argexpected(L, !lua_isnoneornil(L, 3), 3, "number or table");
    int has_x = !lua_isnoneornil(L, 4);
    lua_settop(L, 4);
    size_t ny = 0, nx = 0;
    float *x = NULL, *y;
    if (has_x) {
        x = rec_floats(L, 3, fname, "x", &nx, 0);
        y = rec_floats(L, 4, fname, "y", &ny, 0);
        if (nx != ny)
            return luaL_error(L, "%s: x has %d values but y has %d", fname, (int)nx, (int)ny);
    } else {
        y = rec_floats(L, 3, fname, "y", &ny, 0);
    }
    int s;
    vz_panel *p = series_panel(L, F, name, &s);
    if (vz_line_append(p, s, x, y, ny) != VZ_OK) return plot_vz_error(L, fname);
    lua_settop(L, 1);
    return 1;
}

/* fig:set{...}: figure options, and options of panel `panel` (default 1). */
static int fig_set(lua_State *L)
{
    const char *fname = "fig:set";
    plot_figure *F = plot_check(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    static const char *const keys[] = {
        "title",  "xlabel", "ylabel", "logy",   "presentation", "width", "height", "panel",
        "select", "k",      "metric", "values", "sliders",      "walk",  "bins",   "save_path",
        "vmin",   "vmax",   "rows",   "cols",   "labels",       "clabel", "base", "base_label",
        "step",   "classes", "class_names",
        NULL};
    rec_check_keys(L, 2, fname, keys, 0);
    int np = vz_figure_n_panels(F->fig);
    int pi = (int)rec_opt_integer(L, 2, "panel", 1, -1000000000, 1000000000);
    vz_panel *p = NULL;
    if (np > 0) {
        if (pi < 1 || pi > np)
            return luaL_error(L, "%s: panel %d does not exist (the figure has %d)", fname, pi, np);
        p = vz_figure_panel(F->fig, pi - 1);
    }
    common_opts(L, F, p, 2);
    int w, h;
    vz_figure_size(F->fig, &w, &h);
    int nw = (int)rec_opt_integer(L, 2, "width", w, -1000000000, 1000000000),
        nh = (int)rec_opt_integer(L, 2, "height", h, -1000000000, 1000000000);
    if ((nw != w || nh != h) && vz_figure_resize(F->fig, nw, nh) != VZ_OK)
        return plot_vz_error(L, fname);
    if (p != NULL) plot_panel_set(L, 1, p, 2, fname);
    lua_settop(L, 1);
    return 1;
}

/* fig:save(path) -> path */
static int fig_save(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (vz_figure_save(F->fig, path) != VZ_OK) return plot_vz_error(L, "fig:save");
    /* the file is replaced: a Ctrl-C that came meanwhile must say so */
    lua_pushfstring(L, "fig:save had completed (%s is written)", path);
    rec_host_completed(L, lua_tostring(L, -1));
    lua_settop(L, 2);
    return 1;
}

/* fig:close(): closes the window and frees the figure; later calls are errors. */
static int fig_close(lua_State *L)
{
    plot_figure *F = luaL_checkudata(L, 1, FIGURE_MT);
    if (F->fig != NULL) {
        /* a curve function runs inside the figure's own code: freeing it there
         * would pull the floor from under the caller */
        if (plot_in_curve_fn()) return luaL_error(L, "fig:close: not from inside a curve function");
        anchor(L, 1, 0);
        vz_figure_free(F->fig);
        F->fig = NULL;
    }
    return 0;
}

static int fig_show(lua_State *L)
{
    plot_check(L, 1);
    maybe_show(L, 1, 1);
    lua_settop(L, 1);
    return 1;
}

/* fig:pixel(x, y) -> r, g, b of the rendered figure (0-based pixel). */
static int fig_pixel(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    int x = rec_check_int(L, 2, INT_MIN, INT_MAX), y = rec_check_int(L, 3, INT_MIN, INT_MAX);
    if ((vz_figure_dirty(F->fig) || vz_figure_surface(F->fig) == NULL) &&
        vz_figure_render(F->fig) != VZ_OK)
        return plot_vz_error(L, "fig:pixel");
    SDL_Surface *s = vz_figure_surface(F->fig);
    luaL_argcheck(L, x >= 0 && x < s->w, 2, "outside the figure");
    luaL_argcheck(L, y >= 0 && y < s->h, 3, "outside the figure");
    Uint32 v = ((Uint32 *)((Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch))[x];
    lua_pushinteger(L, (v >> 16) & 0xFF);
    lua_pushinteger(L, (v >> 8) & 0xFF);
    lua_pushinteger(L, v & 0xFF);
    return 3;
}

/* fig:to_pixel(x, y [, panel]) -> px, py: where a data point lands. */
static int fig_to_pixel(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    double x = luaL_checknumber(L, 2), y = luaL_checknumber(L, 3);
    int pi = rec_opt_int(L, 4, 1, 1, 256);
    vz_panel *p = vz_figure_panel(F->fig, pi - 1);
    luaL_argcheck(L, p != NULL, 4, "no such panel");
    if ((vz_figure_dirty(F->fig) || vz_figure_surface(F->fig) == NULL) &&
        vz_figure_render(F->fig) != VZ_OK)
        return plot_vz_error(L, "fig:to_pixel");
    float px, py;
    if (vz_panel_data_to_pixel(p, x, y, &px, &py) != VZ_OK) return plot_vz_error(L, "fig:to_pixel");
    if (!(fabsf(px) < 1e9f && fabsf(py) < 1e9f))
        return luaL_error(L, "fig:to_pixel: (%f, %f) lands too far outside the view", x, y);
    lua_pushinteger(L, (lua_Integer)floorf(px));
    lua_pushinteger(L, (lua_Integer)floorf(py));
    return 2;
}

/* fig:hover(x, y) -> the tooltip text at figure pixel (x, y), or nil. The
 * pointer leaves afterwards, so no tooltip shows in later saves. */
static int fig_hover(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = rec_check_int(L, 2, -100000, 100000);
    e.motion.y = rec_check_int(L, 3, -100000, 100000);
    vz_figure_handle_event(F->fig, &e);
    if (vz_figure_render(F->fig) != VZ_OK) return plot_vz_error(L, "fig:hover");
    const char *t = vz_figure_hover_text(F->fig);
    if (t[0])
        lua_pushstring(L, t);
    else
        lua_pushnil(L);
    /* the pointer leaves again: no tooltip stays in later saves */
    e.type = SDL_WINDOWEVENT;
    e.window.event = SDL_WINDOWEVENT_LEAVE;
    vz_figure_handle_event(F->fig, &e);
    return 1;
}

/* fig:key(k): acts as if key k ("r", "s", "p", "h", "escape") were pressed in the window. */
static int fig_key(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    const char *k = luaL_checkstring(L, 2);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_KEYDOWN;
    if (strcmp(k, "escape") == 0)
        e.key.keysym.sym = SDLK_ESCAPE;
    else if (strlen(k) == 1 && strchr("rsph", k[0]) != NULL)
        e.key.keysym.sym = (SDL_Keycode)k[0];
    else
        return luaL_argerror(L, 2, "one of \"r\", \"s\", \"p\", \"h\", \"escape\"");
    if (vz_figure_handle_event(F->fig, &e) != VZ_OK) return plot_vz_error(L, "fig:key");
    const char *saved = vz_figure_last_save(F->fig);
    if (k[0] == 's' && saved != NULL)
        lua_pushstring(L, saved);
    else
        lua_settop(L, 1);
    return 1;
}

static int fig_size(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    int w, h;
    vz_figure_size(F->fig, &w, &h);
    lua_pushinteger(L, w);
    lua_pushinteger(L, h);
    return 2;
}

/* fig:neighbours([panel]) -> the selected point's neighbours (1-based), nearest first. */
static int fig_neighbours(lua_State *L)
{
    plot_figure *F = plot_check(L, 1);
    vz_panel *p = vz_figure_panel(F->fig, rec_opt_int(L, 2, 1, 1, 256) - 1);
    luaL_argcheck(L, p != NULL && vz_panel_kind(p) == VZ_PANEL_SCATTER, 2, "not a scatter panel");
    int n = vz_scatter_neighbours(p, NULL, 0);
    int *nb = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *nb, 0);
    vz_scatter_neighbours(p, nb, n);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, nb[i] + 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int fig_gc(lua_State *L)
{
    plot_figure *F = luaL_checkudata(L, 1, FIGURE_MT);
    vz_figure_free(F->fig);
    F->fig = NULL;
    return 0;
}

static int fig_tostring(lua_State *L)
{
    plot_figure *F = luaL_checkudata(L, 1, FIGURE_MT);
    if (F->fig == NULL) {
        lua_pushliteral(L, "rec.Figure (closed)");
        return 1;
    }
    static const char *const kinds[] = {"empty", "line", "heatmap", "scatter",
                                        "curve", "hist", "bar",     "graph"};
    int w, h;
    vz_figure_size(F->fig, &w, &h);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "rec.Figure %dx%d px: ", w, h);
    luaL_addvalue(&b);
    int n = vz_figure_n_panels(F->fig);
    for (int i = 0; i < n; i++) {
        if (i) luaL_addstring(&b, ", ");
        luaL_addstring(&b, kinds[vz_panel_kind(vz_figure_panel(F->fig, i))]);
    }
    if (n == 0) luaL_addstring(&b, "no panels");
    luaL_addstring(&b, vz_figure_has_window(F->fig) ? " (window)" : " (offscreen)");
    luaL_pushresult(&b);
    return 1;
}

/* ---- pumping ---------------------------------------------------------------------- */

/* Drops figures whose window the user closed from the registry's open set. */
static void sweep(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, OPEN_KEY) != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int t = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        plot_figure *F = lua_touserdata(L, -1);
        if (F == NULL || F->fig == NULL || !vz_figure_has_window(F->fig)) {
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, t); /* clearing a field during lua_next is allowed */
        }
    }
    lua_pop(L, 1);
}

/* rec.plot.pump() -> number of open windows (rate-limited: cheap in a loop).
 * A cancellation point too: once the host's interrupt flag is up (Ctrl-C, or
 * Esc in a figure window), it raises "interrupted!", as the REPL's Ctrl-C
 * does, so a Lua loop that pumps stops at Esc. */
static int plot_pump(lua_State *L)
{
    int n = vz_pump_maybe();
    sweep(L);
    volatile sig_atomic_t *flag = rec_host_interrupt_flag(L);
    if (flag != NULL && *flag) return luaL_error(L, "interrupted!");
    lua_pushinteger(L, n);
    return 1;
}

/* The idle hook: pumps every call (the REPL calls it while it waits). */
static int plot_idle(lua_State *L)
{
    vz_pump();
    sweep(L);
    return 0;
}

/* Releases what viz keeps for the process (fonts, SDL video) at state close. */
static int plot_shutdown(lua_State *L)
{
    (void)L;
    vz_shutdown();
    return 0;
}

/* rec.plot.headless() -> boolean, reason */
static int plot_headless(lua_State *L)
{
    vz_set_headless(rec_host_headless(L));
    const char *why;
    lua_pushboolean(L, vz_headless(&why));
    lua_pushstring(L, why);
    return 2;
}

/* ---- docstrings and opening ------------------------------------------------------- */

static const rec_doc_entry plot_docs[] = {
    {"line",
     "rec.plot.line{y =, x =, name =, series = {{name =, y =, x =}, ...}, logy =, title =, "
     "xlabel =, ylabel =, width =, height =, show =, presentation =} draws named series as "
     "lines with a legend and nice ticks; logy = true uses a log scale. fig:append(name, y) "
     "adds points live (a million points stay fast: each pixel column draws its min and max).",
     "local fig = rec.plot.line{y = {1, 0.6, 0.4, 0.3}, name = \"train\", title = \"Loss\",\n"
     "                          xlabel = \"epoch\", show = false}\n"
     "fig:append(\"valid\", {1.1, 0.8, 0.7, 0.65})\n"
     "fig:save(\"loss.png\")"},
    {"heatmap",
     "rec.plot.heatmap{values = {{...}, ...}, rows = {labels}, cols = {labels}, vmin =, vmax =, "
     "clabel =, title =} draws a matrix (rows of numbers, or a value with a :totable() method) "
     "as viridis cells with labels, the values when they fit and a colour bar, named by clabel; "
     "hovering shows a cell's value. rec.plot.heatmap(matrix, {title = ...}) works too.",
     "local fig = rec.plot.heatmap{values = {{0.7, 0.2, 0.1}, {0.1, 0.3, 0.6}},\n"
     "  rows = {\"click\", \"like\"}, cols = {\"e1\", \"e2\", \"e3\"}, title = \"MMoE gates\",\n"
     "  clabel = \"gate weight\",\n"
     "  show = false}\n"
     "fig:save(\"gates.png\")"},
    {"scatter",
     "rec.plot.scatter{points = {{x, y, ...}, ...}, classes = {...}, labels = {...}, select =, "
     "k = 5, metric = \"cosine\" | \"euclidean\", title =} plots points coloured by class "
     "(numbers from 0, or names such as genres, which the legend shows). "
     "Points of more than 2 dimensions are projected on their first two principal components. "
     "select = i links point i to its k nearest neighbours, computed in the original space "
     "with the metric named on the plot.",
     "local pts = {}\n"
     "for i = 1, 30 do pts[i] = {math.cos(i), math.sin(i), i % 3, i % 5} end\n"
     "local fig = rec.plot.scatter{points = pts, select = 1, k = 4, metric = \"cosine\",\n"
     "                             show = false}\n"
     "print(table.concat(fig:neighbours(), \" \"))"},
    {"curve",
     "rec.plot.curve{fn = function(x, p) return y1, y2 end, names = {...}, range = {lo, hi}, "
     "sliders = {{name, min, max, value}, ...}, title =} draws curves re-evaluated whenever a "
     "slider moves: p holds the slider values by name. fn = \"dice\" is the built-in Dice vs "
     "PReLU lesson with sliders E[s], Var[s] and alpha.",
     "local fig = rec.plot.curve{fn = function(x, p) return p.a * x * x end, names = {\"a x^2\"},\n"
     "  range = {-2, 2}, sliders = {{\"a\", 0, 2, 1}}, show = false}\n"
     "fig:set{sliders = {a = 0.5}}\n"
     "fig:save(\"curve.png\")"},
    {"hist",
     "rec.plot.hist{values = {...}, name =, series = {{name =, values =}, ...}, bins = 30, "
     "title =} draws histograms on one shared range, translucent where they overlap "
     "(activations before and after batch norm).",
     "local a, b = {}, {}\n"
     "for i = 1, 500 do a[i] = 3 + math.sin(i) * 2; b[i] = (a[i] - 3) / 1.4 end\n"
     "local fig = rec.plot.hist{series = {{name = \"before BN\", values = a},\n"
     "                                    {name = \"after BN\", values = b}}, show = false}\n"
     "fig:save(\"bn.png\")"},
    {"bar",
     "rec.plot.bar{values = {...}, labels = {...}, series = {{name =, values =}, ...}, "
     "title =, base =, base_label =} draws one bar per value, negative values downwards, "
     "labelled below; with series, bars stand in groups, one colour per series, with a "
     "legend. base = b makes bars grow from b (the axis starts there) and base_label names a "
     "line drawn at b: AUCs from 0.5 with a chance line show differences of 0.01.",
     "local fig = rec.plot.bar{values = {0.81, 0.79, 0.76}, labels = {\"DeepFM\", \"DIN\", "
     "\"LR\"},\n"
     "                         title = \"AUC\", base = 0.5, base_label = \"chance\", show = false}\n"
     "fig:save(\"auc.png\")"},
    {"graph",
     "rec.plot.graph{nodes = n | {labels}, edges = {{a, b}, ...}, walk = {...}, positions = "
     "{{x, y}, ...}, classes = {...}, class_names = {...}, step =, title =} draws a small graph "
     "(a force-directed layout unless positions are given) with a walk highlighted and its "
     "steps numbered; step = k shows only its first k steps (fig:set{step = k + 1} replays it). "
     "classes colour the nodes (1-based palette colours, 0 for none) and class_names name "
     "them in a legend. Nodes are 1-based.",
     "local fig = rec.plot.graph{nodes = {\"u1\", \"i1\", \"u2\", \"i2\"},\n"
     "  edges = {{1, 2}, {2, 3}, {3, 4}, {4, 1}}, walk = {1, 2, 3}, show = false}\n"
     "fig:save(\"walk.png\")"},
    {"figure",
     "rec.plot.figure{rows =, cols =, width =, height =, show =} makes an empty grid of "
     "panels; fig:add(kind, opts) fills the next cell, fig:add(other_fig) moves another "
     "figure's panels in.",
     "local fig = rec.plot.figure{rows = 1, cols = 2, show = false}\n"
     "fig:add(\"line\", {y = {3, 2, 1.5}, title = \"loss\"})\n"
     "fig:add(\"bar\", {values = {1, 2}, labels = {\"a\", \"b\"}})\n"
     "fig:save(\"grid.png\")"},
    {"pump",
     "rec.plot.pump() handles window events and redraws changed figures (paced to cost about "
     "2% of the loop) and returns the number of open windows. Call it in long Lua loops to "
     "keep windows live: Esc in a window (or Ctrl-C) then stops the loop with \"interrupted!\". "
     "At the prompt the REPL pumps by itself.",
     "local fig = rec.plot.line{y = {0}, show = true}\n"
     "for i = 1, 100 do fig:append(\"series 1\", math.sin(i / 10)); rec.plot.pump() end"},
    {"headless",
     "rec.plot.headless() returns true and a reason when figures stay offscreen (no display, "
     "--headless, or SDL_VIDEODRIVER=dummy).",
     "print(rec.plot.headless())"},
    {NULL, NULL, NULL}};

static const rec_doc_entry method_docs[] = {
    {"add",
     "fig:add(kind, opts) adds a panel of kind (\"line\", \"heatmap\", \"scatter\", \"curve\", "
     "\"hist\", \"bar\", \"graph\") with the options of rec.plot.<kind> to the next free cell; "
     "fig:add(other) moves the panels of another figure here and closes it. Returns fig.",
     "local fig = rec.plot.figure{cols = 2, show = false}\n"
     "fig:add(\"line\", {y = {1, 2, 3}}):add(\"hist\", {values = {1, 1, 2, 3}})"},
    {"append",
     "fig:append(name, y) or fig:append(name, x, y) appends numbers (or tables of them) to the "
     "series called name in the figure's line panels, creating it in the first one. NaN is "
     "an error naming the index.",
     "local fig = rec.plot.line{show = false}\n"
     "for step = 1, 100 do fig:append(\"loss\", step, 1 / step) end"},
    {"set",
     "fig:set{...} changes options of panel `panel` (default 1) and of the figure: title, "
     "xlabel, ylabel, logy, presentation, width, height, select, k, metric, values, rows, "
     "cols, labels, vmin, vmax, sliders = {name = value}, walk, bins, save_path.",
     "local fig = rec.plot.line{y = {1, 10, 100}, show = false}\n"
     "fig:set{logy = true, title = \"growth\", presentation = true}"},
    {"save",
     "fig:save(path) writes the figure as PNG or SVG (by the extension), atomically: exactly "
     "the pixels a window shows; the SVG holds one element per series. Returns path.",
     "rec.plot.bar{values = {1, 2, 3}, show = false}:save(\"bars.svg\")"},
    {"close", "fig:close() closes the figure's window and frees it; using it later is an error.",
     "local fig = rec.plot.line{y = {1, 2}, show = false}\nfig:close()"},
    {"show", "fig:show() opens a window for the figure (when there is a display).",
     "rec.plot.line{y = {1, 2}, show = false}:show()"},
    {"pixel", "fig:pixel(x, y) returns the red, green and blue of pixel (x, y), 0-based.",
     "print(rec.plot.line{y = {1, 2}, show = false}:pixel(0, 0))"},
    {"to_pixel", "fig:to_pixel(x, y [, panel]) returns the pixel where data point (x, y) lands.",
     "print(rec.plot.line{y = {1, 2}, show = false}:to_pixel(1, 1.5))"},
    {"hover", "fig:hover(x, y) returns the tooltip shown with the pointer at pixel (x, y), or nil.",
     "local fig = rec.plot.bar{values = {4, 2}, labels = {\"a\", \"b\"}, show = false}\n"
     "print(fig:hover(fig:to_pixel(0, 2)))"},
    {"key",
     "fig:key(k) acts as a key press in the window: \"r\" resets zoom and pan, \"s\" saves a "
     "PNG (returns its path), \"p\" toggles presentation mode, \"h\" toggles the list of "
     "keys, \"escape\" interrupts.",
     "local fig = rec.plot.line{y = {1, 2}, show = false, save_path = \"k.png\"}\n"
     "print(fig:key(\"s\"))"},
    {"size", "fig:size() returns the width and height in pixels.",
     "print(rec.plot.line{show = false}:size())"},
    {"neighbours",
     "fig:neighbours([panel]) returns the selected point's nearest neighbours (1-based), "
     "nearest first.",
     "local fig = rec.plot.scatter{points = {{0, 0}, {1, 0}, {5, 5}}, select = 1, k = 1,\n"
     "                             show = false}\nprint(fig:neighbours()[1])"},
    {NULL, NULL, NULL}};

/* Opens rec.plot into the rec table at the top of the stack; registers the
 * idle hook "plot" with the host. */
int rec_open_plot(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_DATA_DIR) == LUA_TSTRING)
        vz_set_data_dir(lua_tostring(L, -1));
    else
        vz_set_data_dir(RECNOTE_DATA_DIR);
    lua_pop(L, 1);
    vz_set_interrupt(rec_host_interrupt_flag(L));
    plot_panels_open(L);

    static const luaL_Reg methods[] = {
        {"add", fig_add},     {"append", fig_append},     {"set", fig_set},
        {"save", fig_save},   {"close", fig_close},       {"show", fig_show},
        {"pixel", fig_pixel}, {"to_pixel", fig_to_pixel}, {"hover", fig_hover},
        {"key", fig_key},     {"size", fig_size},         {"neighbours", fig_neighbours},
        {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__gc", fig_gc}, {"__close", fig_close}, {"__tostring", fig_tostring}, {NULL, NULL}};
    if (luaL_newmetatable(L, FIGURE_MT)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        rec_doc_fields(L, -1, "fig", 1, method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);

    static const luaL_Reg fns[] = {{"line", plot_line},
                                   {"heatmap", plot_heatmap},
                                   {"scatter", plot_scatter},
                                   {"curve", plot_curve},
                                   {"hist", plot_hist},
                                   {"bar", plot_bar},
                                   {"graph", plot_graph},
                                   {"figure", plot_figure_new},
                                   {"pump", plot_pump},
                                   {"headless", plot_headless},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    rec_doc_set(L, -1, "rec.plot",
                "Figures: line, heatmap, scatter, curve (with sliders), hist, bar and graph "
                "panels, in a window when there is a display and offscreen otherwise. Every "
                "figure saves as PNG or SVG; help(rec.plot.line) and the others show examples.",
                "help(rec.plot.line)");
    rec_doc_fields(L, -1, "rec.plot", 0, plot_docs);
    lua_setfield(L, -2, "plot");

    lua_pushcfunction(L, plot_idle);
    rec_host_idle_add(L, "plot");

    /* A sentinel whose __gc releases the fonts and SDL video when the state
     * closes: made after the package library's table of loaded C libraries,
     * it is finalized before rec.so is unloaded (and after any figure, all of
     * which are made later still). */
    if (lua_getfield(L, LUA_REGISTRYINDEX, SHUTDOWN_KEY) == LUA_TNIL) {
        lua_newuserdatauv(L, 1, 0);
        lua_createtable(L, 0, 1);
        lua_pushcfunction(L, plot_shutdown);
        lua_setfield(L, -2, "__gc");
        lua_setmetatable(L, -2);
        lua_setfield(L, LUA_REGISTRYINDEX, SHUTDOWN_KEY);
    }
    lua_pop(L, 1);
    return 0;
}
