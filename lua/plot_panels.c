/* rec.plot panels: reading each kind's option table into its viz panel, for
 * the constructors (rec.plot.line{...}), fig:add and fig:set.
 *
 * Curves call back into Lua: a "rec.CurveFn" userdata holds the function (a
 * registry reference) and the slider names, and is anchored in the figure's
 * user value so it lives as long as the panel that borrows it. The Lua
 * function runs on the main thread under lua_pcall, once per x for all curves
 * at a time; its error becomes the panel's error message, never a crash. The
 * built-in "dice" curve is C: Dice against PReLU (Zhou et al. 2018, DIN). */
#include "plot.h"

#include <math.h>
#include <string.h>

#include <lauxlib.h>

#define CURVE_MT  "rec.CurveFn"
#define MAX_X     1024 /* abscissae per curve (viz uses 256) */
#define MAX_CURVE 16

static const char *const kind_names[] = {"",      "line", "heatmap", "scatter",
                                         "curve", "hist", "bar",     "graph"};

vz_kind plot_kind(const char *s)
{
    for (int k = VZ_PANEL_LINE; k <= VZ_PANEL_GRAPH; k++)
        if (strcmp(s, kind_names[k]) == 0) return (vz_kind)k;
    return VZ_PANEL_EMPTY;
}

const char *const *plot_panel_keys(vz_kind k)
{
    static const char *const line[] = {"y", "x", "name", "series", "logy", NULL};
    static const char *const heatmap[] = {"values", "rows", "cols", "vmin", "vmax", "clabel", NULL};
    static const char *const scatter[] = {"points", "classes", "labels", "select",
                                          "k",      "metric",  NULL};
    static const char *const curve[] = {"fn", "names", "range", "sliders", NULL};
    static const char *const hist[] = {"values", "name", "series", "bins", NULL};
    static const char *const bar[] = {"values", "labels", "series", "base", "base_label", NULL};
    static const char *const graph[] = {"nodes", "edges",   "walk",        "positions",
                                        "step",  "classes", "class_names", NULL};
    static const char *const none[] = {NULL};
    switch (k) {
    case VZ_PANEL_LINE:
        return line;
    case VZ_PANEL_HEATMAP:
        return heatmap;
    case VZ_PANEL_SCATTER:
        return scatter;
    case VZ_PANEL_CURVE:
        return curve;
    case VZ_PANEL_HIST:
        return hist;
    case VZ_PANEL_BAR:
        return bar;
    case VZ_PANEL_GRAPH:
        return graph;
    default:
        return none;
    }
}

/* Pushes field key of opts, or opts[1] when key is absent and main is set. */
static int data_field(lua_State *L, int opts, const char *key, int main)
{
    int t = lua_getfield(L, opts, key);
    if (t == LUA_TNIL && main) {
        lua_pop(L, 1);
        t = lua_rawgeti(L, opts, 1);
    }
    return t;
}

/* ---- line ------------------------------------------------------------------- */

/* Adds one series from table idx's y, x and name fields (what names it). */
static void add_series(lua_State *L, vz_panel *p, int idx, const char *name, int main,
                       const char *fname)
{
    int top = lua_gettop(L);
    if (data_field(L, idx, "y", main) == LUA_TNIL) {
        lua_settop(L, top);
        if (name != NULL && vz_line_add_series(p, name) < 0) plot_vz_error(L, fname);
        return;
    }
    size_t ny, nx = 0;
    float *y = rec_floats(L, -1, fname, "y", &ny, 0), *x = NULL;
    if (lua_getfield(L, idx, "x") != LUA_TNIL) {
        x = rec_floats(L, -1, fname, "x", &nx, 0);
        if (nx != ny) luaL_error(L, "%s: x has %d values but y has %d", fname, (int)nx, (int)ny);
    }
    int s = vz_line_add_series(p, name);
    if (s < 0 || vz_line_append(p, s, x, y, ny) != VZ_OK) plot_vz_error(L, fname);
    lua_settop(L, top);
}

static void fill_line(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    const char *name = rec_opt_string(L, opts, "name", NULL);
    add_series(L, p, opts, name, 1, fname);
    int t = lua_getfield(L, opts, "series");
    if (t != LUA_TNIL) {
        if (t != LUA_TTABLE)
            luaL_error(L, "%s: option 'series' must be a table of {name =, y =, x =}, got %s",
                       fname, luaL_typename(L, -1));
        int n = (int)lua_rawlen(L, -1);
        for (int i = 1; i <= n; i++) {
            if (lua_rawgeti(L, -1, i) != LUA_TTABLE)
                luaL_error(L, "%s: series[%d] must be a table {name =, y =, x =}, got %s", fname, i,
                           luaL_typename(L, -1));
            int st = lua_gettop(L);
            static const char *const keys[] = {"name", "y", "x", NULL};
            rec_check_keys(L, st, fname, keys, 0);
            add_series(L, p, st, rec_opt_string(L, st, "name", NULL), 0, fname);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    vz_line_set_logy(p, rec_opt_bool(L, opts, "logy", 0));
}

/* ---- heatmap ------------------------------------------------------------------ */

static void heatmap_values(lua_State *L, vz_panel *p, int opts, int main, const char *fname,
                           int keep_labels)
{
    int top = lua_gettop(L);
    if (data_field(L, opts, "values", main) == LUA_TNIL) {
        if (main)
            luaL_error(L, "%s: option 'values' (a table of rows of numbers) is required", fname);
        lua_settop(L, top);
        return;
    }
    int vi = lua_gettop(L);
    int R, C;
    float *v = rec_matrix(L, vi, fname, "values", &R, &C, 1);
    lua_getfield(L, opts, "rows");
    const char **rl = rec_strings(L, -1, fname, "rows", R);
    lua_getfield(L, opts, "cols");
    const char **cl = rec_strings(L, -1, fname, "cols", C);
    int rc = keep_labels && rl == NULL && cl == NULL ? vz_heatmap_update(p, v, R, C)
                                                     : vz_heatmap_set(p, v, R, C, rl, cl);
    if (rc != VZ_OK) plot_vz_error(L, fname);
    lua_settop(L, top);
}

static void heatmap_range(lua_State *L, vz_panel *p, int opts)
{
    lua_getfield(L, opts, "vmin");
    lua_getfield(L, opts, "vmax");
    int any = !lua_isnil(L, -1) || !lua_isnil(L, -2);
    lua_pop(L, 2);
    if (any)
        vz_heatmap_set_range(
            p, rec_to_float(rec_opt_range(L, opts, "vmin", NAN, -HUGE_VAL, HUGE_VAL)),
            rec_to_float(rec_opt_range(L, opts, "vmax", NAN, -HUGE_VAL, HUGE_VAL)));
    const char *clabel = rec_opt_string(L, opts, "clabel", NULL);
    if (clabel != NULL && vz_heatmap_set_clabel(p, clabel) != VZ_OK) plot_vz_error(L, "heatmap");
}

/* ---- scatter ------------------------------------------------------------------ */

static void scatter_select(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    lua_getfield(L, opts, "select");
    int has = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!has) return;
    int sel = (int)rec_opt_integer(L, opts, "select", 0, -1000000000, 1000000000);
    int k = (int)rec_opt_integer(L, opts, "k", 5, -1000000000, 1000000000);
    const char *m = rec_opt_string(L, opts, "metric", "euclidean");
    vz_metric metric = VZ_METRIC_EUCLIDEAN;
    if (strcmp(m, "euclidean") == 0)
        metric = VZ_METRIC_EUCLIDEAN;
    else if (strcmp(m, "cosine") == 0)
        metric = VZ_METRIC_COSINE;
    else
        luaL_error(L, "%s: option 'metric' must be \"euclidean\" or \"cosine\", got \"%s\"", fname,
                   m);
    if (vz_scatter_select(p, sel - 1, k, metric) != VZ_OK) plot_vz_error(L, fname);
}

static void fill_scatter(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    if (data_field(L, opts, "points", 1) == LUA_TNIL)
        luaL_error(L, "%s: option 'points' (a table of {x, y, ...}) is required", fname);
    int n, dim;
    float *pts = rec_matrix(L, -1, fname, "points", &n, &dim, 0);
    if (dim < 2) luaL_error(L, "%s: points need at least 2 coordinates, got %d", fname, dim);
    int *cls = NULL;
    const char **class_names = NULL;
    int n_class_names = 0;
    if (lua_getfield(L, opts, "classes") != LUA_TNIL) {
        int ct = lua_gettop(L);
        if (lua_type(L, ct) == LUA_TTABLE && lua_rawgeti(L, ct, 1) == LUA_TSTRING) {
            /* named classes: numbered in order of first appearance */
            lua_pop(L, 1);
            if ((int)lua_rawlen(L, ct) != n)
                luaL_error(L, "%s: classes has %d entries, expected %d (one per point)", fname,
                           (int)lua_rawlen(L, ct), n);
            cls = lua_newuserdatauv(L, (size_t)n * sizeof *cls, 0);
            class_names = lua_newuserdatauv(L, 256 * sizeof *class_names, 0);
            lua_newtable(L); /* name -> number */
            int seen = lua_gettop(L);
            for (int i = 0; i < n; i++) {
                if (lua_rawgeti(L, ct, i + 1) != LUA_TSTRING)
                    luaL_error(L, "%s: classes[%d] must be a string like classes[1], got %s", fname,
                               i + 1, luaL_typename(L, -1));
                if (lua_rawget(L, seen) == LUA_TNIL) {
                    if (n_class_names == 256)
                        luaL_error(L, "%s: more than 256 distinct classes", fname);
                    lua_pop(L, 1);
                    lua_rawgeti(L, ct, i + 1);
                    class_names[n_class_names] = lua_tostring(L, -1);
                    lua_pushinteger(L, n_class_names++);
                    lua_rawset(L, seen);
                    lua_rawgeti(L, ct, i + 1);
                    lua_rawget(L, seen);
                }
                cls[i] = (int)lua_tointeger(L, -1);
                lua_pop(L, 1);
            }
        } else {
            if (lua_type(L, ct) == LUA_TTABLE) lua_pop(L, 1);
            size_t nc;
            float *c = rec_floats(L, ct, fname, "classes", &nc, 0);
            if ((int)nc != n)
                luaL_error(L, "%s: classes has %d entries, expected %d (one per point)", fname,
                           (int)nc, n);
            cls = lua_newuserdatauv(L, (size_t)n * sizeof *cls, 0);
            for (int i = 0; i < n; i++) {
                if (c[i] != floorf(c[i]) || c[i] < 0 || c[i] > 1e6f)
                    luaL_error(L, "%s: classes[%d] must be an integer >= 0 or a name, got %f",
                               fname, i + 1, (double)c[i]);
                cls[i] = (int)c[i];
            }
        }
    }
    lua_getfield(L, opts, "labels");
    const char **labels = rec_strings(L, -1, fname, "labels", n);
    if (vz_scatter_set(p, pts, n, dim, cls, labels) != VZ_OK ||
        vz_scatter_set_class_names(p, class_names, n_class_names) != VZ_OK)
        plot_vz_error(L, fname);
    lua_settop(L, top);
    scatter_select(L, p, opts, fname);
}

/* ---- curve -------------------------------------------------------------------- */

typedef struct {
    lua_State *L; /* the main thread */
    int ref;      /* the Lua function, or LUA_NOREF for the built-in */
    int n_curves;
    vz_panel *panel;
    float buf[MAX_CURVE * MAX_X];
} curve_fn;

static int in_curve_fn;

int plot_in_curve_fn(void)
{
    return in_curve_fn;
}

static int curve_gc(lua_State *L)
{
    curve_fn *c = luaL_checkudata(L, 1, CURVE_MT);
    luaL_unref(L, LUA_REGISTRYINDEX, c->ref);
    c->ref = LUA_NOREF;
    return 0;
}

/* Dice vs PReLU: params E[s], Var[s], alpha. Dice (DIN, Zhou et al. 2018):
 * p(s) = sigmoid((s - E[s]) / sqrt(Var[s] + eps)), f(s) = p s + (1 - p) alpha s.
 * PReLU: f(s) = s for s > 0, alpha s otherwise (He et al. 2015). */
static void dice(const float *params, const float *x, int n, float *dice_y, float *prelu_y)
{
    float mean = params[0], var = params[1], alpha = params[2];
    for (int i = 0; i < n; i++) {
        float s = x[i];
        float p = 1.0f / (1.0f + expf(-(s - mean) / sqrtf(var + 1e-8f)));
        dice_y[i] = p * s + (1 - p) * alpha * s;
        prelu_y[i] = s > 0 ? s : alpha * s;
    }
}

/* The vz callback: curve 0 evaluates every curve into buf, others read it. */
static int curve_call(void *ud, int curve, const float *params, int n_params, const float *x,
                      float *y, int n)
{
    curve_fn *c = ud;
    if (n > MAX_X) return vz_fail(VZ_ECALLBACK, "curve: %d abscissae (at most %d)", n, MAX_X);
    if (curve == 0) {
        if (c->ref == LUA_NOREF) {
            if (n_params < 3)
                return vz_fail(VZ_ECALLBACK, "curve \"dice\": needs sliders E[s], Var[s], alpha");
            dice(params, x, n, c->buf, c->buf + MAX_X);
        } else {
            lua_State *L = c->L;
            int top = lua_gettop(L);
            if (!lua_checkstack(L, c->n_curves + 8))
                return vz_fail(VZ_ECALLBACK, "curve function: Lua stack overflow");
            /* p: slider values by name */
            lua_createtable(L, 0, n_params);
            for (int i = 0; i < n_params; i++) {
                lua_pushnumber(L, (lua_Number)params[i]);
                lua_setfield(L, -2, vz_curve_slider_name(c->panel, i));
            }
            int pt = lua_gettop(L);
            for (int i = 0; i < n; i++) {
                lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
                lua_pushnumber(L, (lua_Number)x[i]);
                lua_pushvalue(L, pt);
                in_curve_fn++;
                int status = lua_pcall(L, 2, c->n_curves, 0);
                in_curve_fn--;
                if (status != LUA_OK) {
                    const char *msg = lua_tostring(L, -1);
                    int rc = vz_fail(VZ_ECALLBACK, "curve function: %s",
                                     msg ? msg : "(error object is not a string)");
                    lua_settop(L, top);
                    return rc;
                }
                for (int k = 0; k < c->n_curves; k++) {
                    int idx = pt + 1 + k;
                    if (lua_isnil(L, idx)) {
                        c->buf[k * MAX_X + i] = NAN; /* a gap */
                    } else if (lua_type(L, idx) == LUA_TNUMBER) {
                        c->buf[k * MAX_X + i] = rec_to_float(lua_tonumber(L, idx));
                    } else {
                        int rc = vz_fail(VZ_ECALLBACK,
                                         "curve function: result %d at x = %g is a %s, not a "
                                         "number",
                                         k + 1, (double)x[i], luaL_typename(L, idx));
                        lua_settop(L, top);
                        return rc;
                    }
                }
                lua_settop(L, pt);
            }
            lua_settop(L, top);
        }
    }
    memcpy(y, c->buf + (size_t)curve * MAX_X, (size_t)n * sizeof *y);
    return 0;
}

/* Adds the sliders of option table idx ({name, min, max, value} or named). */
static void add_sliders(lua_State *L, vz_panel *p, int idx, const char *fname)
{
    int n = (int)lua_rawlen(L, idx);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, idx, i) != LUA_TTABLE)
            luaL_error(L, "%s: sliders[%d] must be a table {name, min, max, value}, got %s", fname,
                       i, luaL_typename(L, -1));
        int s = lua_gettop(L);
        const char *name;
        double v[3];
        if (lua_getfield(L, s, "name") != LUA_TNIL) {
            lua_pop(L, 1);
            static const char *const keys[] = {"name", "min", "max", "value", NULL};
            rec_check_keys(L, s, fname, keys, 0);
            name = rec_opt_string(L, s, "name", "");
            v[0] = rec_opt_range(L, s, "min", 0, -HUGE_VAL, HUGE_VAL);
            v[1] = rec_opt_range(L, s, "max", 1, -HUGE_VAL, HUGE_VAL);
            v[2] = rec_opt_range(L, s, "value", (v[0] + v[1]) / 2, -HUGE_VAL, HUGE_VAL);
        } else {
            lua_pop(L, 1);
            if (lua_rawgeti(L, s, 1) != LUA_TSTRING)
                luaL_error(L, "%s: sliders[%d][1] must be the slider's name, got %s", fname, i,
                           luaL_typename(L, -1));
            name = lua_tostring(L, -1);
            lua_pop(L, 1);
            for (int k = 0; k < 3; k++) {
                if (lua_rawgeti(L, s, k + 2) != LUA_TNUMBER)
                    luaL_error(L,
                               "%s: sliders[%d][%d] must be a number (name, min, max, value), "
                               "got %s",
                               fname, i, k + 2, luaL_typename(L, -1));
                v[k] = lua_tonumber(L, -1);
                lua_pop(L, 1);
            }
        }
        if (vz_curve_add_slider(p, name, rec_to_float(v[0]), rec_to_float(v[1]),
                                rec_to_float(v[2])) < 0)
            plot_vz_error(L, fname);
        lua_pop(L, 1);
    }
}

static void fill_curve(lua_State *L, int fig_idx, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    int t = data_field(L, opts, "fn", 1);
    int builtin = t == LUA_TSTRING;
    if (builtin && strcmp(lua_tostring(L, -1), "dice") != 0)
        luaL_error(L, "%s: unknown built-in curve \"%s\" (the built-in is \"dice\")", fname,
                   lua_tostring(L, -1));
    if (!builtin && t != LUA_TFUNCTION)
        luaL_error(L, "%s: option 'fn' must be a function(x, p) or \"dice\", got %s", fname,
                   luaL_typename(L, -1));
    int fn = lua_gettop(L);
    /* names: given, or Dice/PReLU, or one "f" */
    static const char *const dice_names[] = {"Dice", "PReLU"};
    const char *const *names = builtin ? dice_names : NULL;
    int n_curves = builtin ? 2 : 1;
    if (lua_getfield(L, opts, "names") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "%s: option 'names' must be a table of strings, got %s", fname,
                       luaL_typename(L, -1));
        n_curves = (int)lua_rawlen(L, -1);
        if (n_curves < 1 || n_curves > MAX_CURVE || (builtin && n_curves != 2))
            luaL_error(L, "%s: names has %d entries (%s)", fname, n_curves,
                       builtin ? "\"dice\" draws 2 curves" : "1..16 curves");
        names = rec_strings(L, -1, fname, "names", n_curves);
    }
    static const char *const one[] = {"f"};
    if (names == NULL) names = one;
    double lo = builtin ? -4 : -1, hi = builtin ? 4 : 1;
    if (lua_getfield(L, opts, "range") != LUA_TNIL) {
        size_t nr;
        float *r = rec_floats(L, -1, fname, "range", &nr, 0);
        if (nr != 2 || !(r[1] > r[0]))
            luaL_error(L, "%s: option 'range' must be {lo, hi} with lo < hi", fname);
        lo = r[0], hi = r[1];
    }
    if (lua_getfield(L, opts, "sliders") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "%s: option 'sliders' must be a table of {name, min, max, value}, got %s",
                       fname, luaL_typename(L, -1));
        add_sliders(L, p, lua_gettop(L), fname);
    } else if (builtin) {
        vz_curve_add_slider(p, "E[s]", -2, 2, 0);
        vz_curve_add_slider(p, "Var[s]", 0.05f, 4, 1);
        vz_curve_add_slider(p, "alpha", 0, 1, 0.25f);
    }
    curve_fn *c = lua_newuserdatauv(L, sizeof *c, 0);
    c->ref = LUA_NOREF;
    luaL_setmetatable(L, CURVE_MT);
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    c->L = lua_tothread(L, -1);
    lua_pop(L, 1);
    c->n_curves = n_curves;
    c->panel = p;
    if (!builtin) {
        lua_pushvalue(L, fn);
        c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    /* anchor the callback in the figure: it lives as long as the panel */
    lua_getiuservalue(L, fig_idx, 1);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_rawset(L, -3);
    lua_pop(L, 1);
    if (vz_curve_set(p, n_curves, names, (float)lo, (float)hi, curve_call, c) != VZ_OK)
        plot_vz_error(L, fname);
    lua_settop(L, top);
}

/* fig:set{sliders = {name = value, ...}} */
static void set_sliders(lua_State *L, vz_panel *p, int idx, const char *fname)
{
    if (lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "%s: option 'sliders' must be a table {name = value}, got %s", fname,
                   luaL_typename(L, idx));
    lua_pushnil(L);
    while (lua_next(L, idx) != 0) {
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "%s: sliders must map names to numbers", fname);
        const char *name = lua_tostring(L, -2);
        int i = 0, n = vz_curve_n_sliders(p);
        while (i < n && strcmp(vz_curve_slider_name(p, i), name) != 0)
            i++;
        if (i == n) luaL_error(L, "%s: the curve has no slider '%s'", fname, name);
        if (vz_curve_set_slider(p, i, rec_to_float(lua_tonumber(L, -1))) != VZ_OK)
            plot_vz_error(L, fname);
        lua_pop(L, 1);
    }
}

/* ---- hist, bar, graph ----------------------------------------------------------- */

static void fill_hist(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    if (data_field(L, opts, "values", 1) != LUA_TNIL) {
        size_t n;
        float *v = rec_floats(L, -1, fname, "values", &n, 0);
        if (vz_hist_add(p, rec_opt_string(L, opts, "name", NULL), v, n) < 0)
            plot_vz_error(L, fname);
    }
    if (lua_getfield(L, opts, "series") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "%s: option 'series' must be a table of {name =, values =}", fname);
        int st = lua_gettop(L);
        int n = (int)lua_rawlen(L, st);
        for (int i = 1; i <= n; i++) {
            if (lua_rawgeti(L, st, i) != LUA_TTABLE)
                luaL_error(L, "%s: series[%d] must be a table {name =, values =}, got %s", fname, i,
                           luaL_typename(L, -1));
            int s = lua_gettop(L);
            static const char *const keys[] = {"name", "values", NULL};
            rec_check_keys(L, s, fname, keys, 0);
            lua_getfield(L, s, "values");
            size_t nv;
            float *v = rec_floats(L, -1, fname, "values", &nv, 0);
            if (vz_hist_add(p, rec_opt_string(L, s, "name", NULL), v, nv) < 0)
                plot_vz_error(L, fname);
            lua_settop(L, st);
        }
    }
    lua_settop(L, top);
    if (vz_hist_set_bins(p, (int)rec_opt_integer(L, opts, "bins", 30, -1000000000, 1000000000)) !=
        VZ_OK)
        plot_vz_error(L, fname);
}

/* values (the first series) and labels; series = {{name =, values =}, ...}
 * adds grouped series (only when the chart is made, main set). */
static void fill_bar(lua_State *L, vz_panel *p, int opts, int main, const char *fname)
{
    int top = lua_gettop(L);
    int has_series = main && lua_getfield(L, opts, "series") != LUA_TNIL;
    lua_settop(L, top);
    if (data_field(L, opts, "values", main) != LUA_TNIL) {
        size_t n;
        float *v = rec_floats(L, -1, fname, "values", &n, 0);
        lua_getfield(L, opts, "labels");
        const char **labels = rec_strings(L, -1, fname, "labels", (int)n);
        int rc = !main && labels == NULL ? vz_bar_update(p, v, (int)n)
                                         : vz_bar_set(p, v, (int)n, labels);
        if (rc != VZ_OK) plot_vz_error(L, fname);
    } else if (main && !has_series) {
        luaL_error(L, "%s: option 'values' (a table of numbers) or 'series' is required", fname);
    }
    lua_settop(L, top);
    /* base = b: bars grow from b, the axis starts there; base_label names a line at b */
    if (lua_getfield(L, opts, "base") != LUA_TNIL || lua_getfield(L, opts, "base_label") != LUA_TNIL) {
        lua_settop(L, top);
        double base = 0;
        if (lua_getfield(L, opts, "base") != LUA_TNIL) {
            if (!lua_isnumber(L, -1))
                luaL_error(L, "%s: option 'base' must be a number, got %s", fname, luaL_typename(L, -1));
            base = lua_tonumber(L, -1);
        }
        const char *label = rec_opt_string(L, opts, "base_label", NULL);
        if (vz_bar_set_base(p, base, label) != VZ_OK) plot_vz_error(L, fname);
    }
    lua_settop(L, top);
    if (!has_series) return;
    lua_getfield(L, opts, "series");
    int st = lua_gettop(L);
    if (lua_type(L, st) != LUA_TTABLE)
        luaL_error(L, "%s: option 'series' must be a table of {name =, values =}", fname);
    int ns = (int)lua_rawlen(L, st);
    for (int i = 1; i <= ns; i++) {
        if (lua_rawgeti(L, st, i) != LUA_TTABLE)
            luaL_error(L, "%s: series[%d] must be a table {name =, values =}, got %s", fname, i,
                       luaL_typename(L, -1));
        int s = lua_gettop(L);
        static const char *const keys[] = {"name", "values", NULL};
        rec_check_keys(L, s, fname, keys, 0);
        lua_getfield(L, s, "values");
        size_t nv;
        float *v = rec_floats(L, -1, fname, "values", &nv, 0);
        if (vz_bar_add_series(p, rec_opt_string(L, s, "name", NULL), v, (int)nv) != VZ_OK)
            plot_vz_error(L, fname);
        lua_settop(L, st);
    }
    /* labels given with series only */
    if (data_field(L, opts, "values", 1) == LUA_TNIL) {
        lua_getfield(L, opts, "labels");
        if (!lua_isnil(L, -1)) {
            int n = (int)lua_rawlen(L, -1);
            const char **labels = rec_strings(L, -1, fname, "labels", n);
            if (vz_bar_set_labels(p, labels, n) != VZ_OK) plot_vz_error(L, fname);
        }
    }
    lua_settop(L, top);
}

/* Reads a list of 1-based node indices into 0-based ints (a userdata pushed). */
static int *node_list(lua_State *L, int idx, const char *fname, const char *what, int *len)
{
    size_t n;
    float *v = rec_floats(L, idx, fname, what, &n, 0);
    int *out = lua_newuserdatauv(L, (n ? n : 1) * sizeof *out, 0);
    for (size_t i = 0; i < n; i++) {
        if (v[i] != floorf(v[i]))
            luaL_error(L, "%s: %s[%d] must be a node number, got %f", fname, what, (int)i + 1,
                       (double)v[i]);
        if (!(v[i] >= -1e9f && v[i] <= 1e9f)) /* vz names the valid range */
            luaL_error(L, "%s: %s[%d] is not a node number", fname, what, (int)i + 1);
        out[i] = (int)v[i] - 1;
    }
    *len = (int)n;
    return out;
}

static void set_walk(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    if (lua_getfield(L, opts, "walk") != LUA_TNIL) {
        int len;
        int *w = node_list(L, lua_gettop(L), fname, "walk", &len);
        if (vz_graph_set_walk(p, w, len) != VZ_OK) plot_vz_error(L, fname);
    }
    /* step = k: the walk's first k steps only (replaying it step by step) */
    if (lua_getfield(L, opts, "step") != LUA_TNIL &&
        vz_graph_set_walk_step(p, (int)rec_opt_integer(L, opts, "step", -1, 0, 100000)) != VZ_OK)
        plot_vz_error(L, fname);
    lua_settop(L, top);
}

/* classes = {c1, c2, ...} (a class per node: 1-based palette colours, 0 for
 * none) and class_names = {"Mr. Hi", "Officer"} for the legend. */
static void set_classes(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    int has_c = lua_getfield(L, opts, "classes") != LUA_TNIL;
    int has_n = lua_getfield(L, opts, "class_names") != LUA_TNIL;
    if (!has_c && !has_n) {
        lua_settop(L, top);
        return;
    }
    int *cls = NULL, n = 0;
    if (has_c) {
        n = (int)lua_rawlen(L, top + 1);
        cls = node_list(L, top + 1, fname, "classes", &n); /* 1-based -> 0-based, 0 -> -1 */
    }
    const char **names = NULL;
    int n_names = 0;
    if (has_n) {
        luaL_argexpected(L, lua_type(L, top + 2) == LUA_TTABLE, 1, "class_names = a table");
        n_names = (int)lua_rawlen(L, top + 2);
        names = rec_strings(L, top + 2, fname, "class_names", n_names);
    }
    if (vz_graph_set_classes(p, cls, n, names, n_names) != VZ_OK) plot_vz_error(L, fname);
    lua_settop(L, top);
}

static void fill_graph(lua_State *L, vz_panel *p, int opts, const char *fname)
{
    int top = lua_gettop(L);
    int t = data_field(L, opts, "nodes", 1);
    int n = 0;
    const char **labels = NULL;
    if (t == LUA_TNUMBER) {
        lua_Integer v = lua_tointeger(L, -1);
        if (!lua_isinteger(L, -1) && (double)v != lua_tonumber(L, -1))
            luaL_error(L, "%s: option 'nodes' must be a whole count", fname);
        if (v < 1 || v > 10000) luaL_error(L, "%s: graph: %I nodes (must be 1..10000)", fname, v);
        n = (int)v;
    } else if (t == LUA_TTABLE) {
        n = (int)lua_rawlen(L, -1);
        labels = rec_strings(L, -1, fname, "nodes", n);
    } else {
        luaL_error(L, "%s: option 'nodes' must be a count or a table of labels, got %s", fname,
                   luaL_typename(L, -1));
    }
    int n_edges = 0;
    int *edges = NULL;
    if (lua_getfield(L, opts, "edges") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TTABLE)
            luaL_error(L, "%s: option 'edges' must be a table of {a, b} pairs", fname);
        int et = lua_gettop(L);
        n_edges = (int)lua_rawlen(L, et);
        edges = lua_newuserdatauv(L, (size_t)(2 * n_edges + 1) * sizeof *edges, 0);
        for (int e = 0; e < n_edges; e++) {
            if (lua_rawgeti(L, et, e + 1) != LUA_TTABLE || lua_rawlen(L, -1) != 2)
                luaL_error(L, "%s: edges[%d] must be a pair {a, b}", fname, e + 1);
            int len, base = lua_gettop(L) - 1; /* the pair, then node_list's two buffers */
            int *pair = node_list(L, lua_gettop(L), fname, "edge", &len);
            edges[2 * e] = pair[0], edges[2 * e + 1] = pair[1];
            lua_settop(L, base); /* popping two left one value per edge: the stack overflowed */
        }
    }
    float *xy = NULL;
    if (lua_getfield(L, opts, "positions") != LUA_TNIL) {
        int rows, cols;
        xy = rec_matrix(L, lua_gettop(L), fname, "positions", &rows, &cols, 0);
        if (rows != n || cols != 2)
            luaL_error(L, "%s: positions must hold %d pairs {x, y}, got %d of %d", fname, n, rows,
                       cols);
    }
    if (vz_graph_set(p, n, xy, labels, edges, n_edges) != VZ_OK) plot_vz_error(L, fname);
    lua_settop(L, top);
    set_walk(L, p, opts, fname);
    set_classes(L, p, opts, fname);
}

/* ---- dispatch ---------------------------------------------------------------------- */

void plot_fill(lua_State *L, int fig_idx, vz_panel *p, int opts, const char *fname)
{
    fig_idx = lua_absindex(L, fig_idx);
    opts = lua_absindex(L, opts);
    switch (vz_panel_kind(p)) {
    case VZ_PANEL_LINE:
        fill_line(L, p, opts, fname);
        break;
    case VZ_PANEL_HEATMAP:
        heatmap_values(L, p, opts, 1, fname, 0);
        heatmap_range(L, p, opts);
        break;
    case VZ_PANEL_SCATTER:
        fill_scatter(L, p, opts, fname);
        break;
    case VZ_PANEL_CURVE:
        fill_curve(L, fig_idx, p, opts, fname);
        break;
    case VZ_PANEL_HIST:
        fill_hist(L, p, opts, fname);
        break;
    case VZ_PANEL_BAR:
        fill_bar(L, p, opts, 1, fname);
        break;
    case VZ_PANEL_GRAPH:
        fill_graph(L, p, opts, fname);
        break;
    case VZ_PANEL_EMPTY:
        break;
    }
}

/* Raises when opts holds key but panel p is not of a kind that takes it. */
static void only_for(lua_State *L, int opts, const char *key, vz_panel *p, vz_kind a, vz_kind b,
                     const char *fname)
{
    int t = lua_getfield(L, opts, key);
    lua_pop(L, 1);
    vz_kind k = vz_panel_kind(p);
    if (t != LUA_TNIL && k != a && k != b)
        luaL_error(L, "%s: option '%s' does not apply to a %s panel", fname, key, kind_names[k]);
}

void plot_panel_set(lua_State *L, int fig_idx, vz_panel *p, int opts, const char *fname)
{
    (void)fig_idx;
    opts = lua_absindex(L, opts);
    only_for(L, opts, "logy", p, VZ_PANEL_LINE, VZ_PANEL_LINE, fname);
    only_for(L, opts, "select", p, VZ_PANEL_SCATTER, VZ_PANEL_SCATTER, fname);
    only_for(L, opts, "k", p, VZ_PANEL_SCATTER, VZ_PANEL_SCATTER, fname);
    only_for(L, opts, "metric", p, VZ_PANEL_SCATTER, VZ_PANEL_SCATTER, fname);
    only_for(L, opts, "values", p, VZ_PANEL_HEATMAP, VZ_PANEL_BAR, fname);
    only_for(L, opts, "rows", p, VZ_PANEL_HEATMAP, VZ_PANEL_HEATMAP, fname);
    only_for(L, opts, "cols", p, VZ_PANEL_HEATMAP, VZ_PANEL_HEATMAP, fname);
    only_for(L, opts, "vmin", p, VZ_PANEL_HEATMAP, VZ_PANEL_HEATMAP, fname);
    only_for(L, opts, "vmax", p, VZ_PANEL_HEATMAP, VZ_PANEL_HEATMAP, fname);
    only_for(L, opts, "clabel", p, VZ_PANEL_HEATMAP, VZ_PANEL_HEATMAP, fname);
    only_for(L, opts, "base", p, VZ_PANEL_BAR, VZ_PANEL_BAR, fname);
    only_for(L, opts, "base_label", p, VZ_PANEL_BAR, VZ_PANEL_BAR, fname);
    only_for(L, opts, "labels", p, VZ_PANEL_BAR, VZ_PANEL_BAR, fname);
    only_for(L, opts, "sliders", p, VZ_PANEL_CURVE, VZ_PANEL_CURVE, fname);
    only_for(L, opts, "walk", p, VZ_PANEL_GRAPH, VZ_PANEL_GRAPH, fname);
    only_for(L, opts, "step", p, VZ_PANEL_GRAPH, VZ_PANEL_GRAPH, fname);
    only_for(L, opts, "classes", p, VZ_PANEL_GRAPH, VZ_PANEL_GRAPH, fname);
    only_for(L, opts, "class_names", p, VZ_PANEL_GRAPH, VZ_PANEL_GRAPH, fname);
    only_for(L, opts, "bins", p, VZ_PANEL_HIST, VZ_PANEL_HIST, fname);
    switch (vz_panel_kind(p)) {
    case VZ_PANEL_LINE:
        if (lua_getfield(L, opts, "logy") != LUA_TNIL)
            vz_line_set_logy(p, rec_opt_bool(L, opts, "logy", 0));
        lua_pop(L, 1);
        break;
    case VZ_PANEL_SCATTER:
        scatter_select(L, p, opts, fname);
        break;
    case VZ_PANEL_HEATMAP:
        heatmap_values(L, p, opts, 0, fname, 1);
        heatmap_range(L, p, opts);
        break;
    case VZ_PANEL_BAR:
        fill_bar(L, p, opts, 0, fname);
        break;
    case VZ_PANEL_CURVE:
        if (lua_getfield(L, opts, "sliders") != LUA_TNIL) set_sliders(L, p, lua_gettop(L), fname);
        lua_pop(L, 1);
        break;
    case VZ_PANEL_GRAPH:
        set_walk(L, p, opts, fname);
        set_classes(L, p, opts, fname);
        break;
    case VZ_PANEL_HIST:
        if (lua_getfield(L, opts, "bins") != LUA_TNIL &&
            vz_hist_set_bins(
                p, (int)rec_opt_integer(L, opts, "bins", 30, -1000000000, 1000000000)) != VZ_OK)
            plot_vz_error(L, fname);
        lua_pop(L, 1);
        break;
    case VZ_PANEL_EMPTY:
        break;
    }
}

void plot_panels_open(lua_State *L)
{
    if (luaL_newmetatable(L, CURVE_MT)) {
        lua_pushcfunction(L, curve_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_pop(L, 1);
}
