/* rec.Tensor and rec.Params: engine tensors and parameter sets as Lua
 * userdata, the per-state autograd graph they live in, and the tensor
 * argument helpers the other engine bindings share (rec_engine.h). */
#include "rec_aux.h"
#include "rec_engine.h"
#include "host.h"
#include "rec.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#define REC_GRAPH   "rec.Graph"
#define KEY_GRAPH   "rec.graph"
#define KEY_ANCHORS "rec.anchors"

int rec_axis(lua_State *L, int i, int def)
{
    lua_Integer a = luaL_optinteger(L, i, def);
    if (a == 0) luaL_argerror(L, i, "axes count from 1 (or from -1 at the end), got 0");
    if (a > 4 || a < -4) luaL_argerror(L, i, "a tensor has at most 4 axes");
    return a > 0 ? (int)a - 1 : (int)a;
}

/* ---- the graph ------------------------------------------------------------------ */

typedef struct {
    rn_graph *g;
    unsigned long handed; /* step tensors given to Lua since the last reset */
} graph_ud;

static int graph_gc(lua_State *L)
{
    graph_ud *u = luaL_checkudata(L, 1, REC_GRAPH);
    rn_graph_free(u->g);
    u->g = NULL;
    return 0;
}

static graph_ud *graph_state(lua_State *L)
{
    if (lua_getfield(L, LUA_REGISTRYINDEX, KEY_GRAPH) == LUA_TUSERDATA) {
        graph_ud *u = lua_touserdata(L, -1);
        lua_pop(L, 1);
        return u;
    }
    lua_pop(L, 1);
    graph_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->g = NULL;
    u->handed = 0;
    if (luaL_newmetatable(L, REC_GRAPH)) {
        lua_pushcfunction(L, graph_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    u->g = rn_graph_new(0x5eed);
    if (u->g == NULL) luaL_error(L, "%s", rn_error());
    lua_setfield(L, LUA_REGISTRYINDEX, KEY_GRAPH);
    return u;
}

rn_graph *rec_graph(lua_State *L)
{
    graph_ud *u = graph_state(L);
    if (u->handed == 0 && rn_graph_nodes(u->g) == 0 && rn_graph_arena_used(u->g) > 0)
        rn_graph_reset(u->g); /* no step tensor exists: recycle the arena */
    return u->g;
}

void rec_graph_reset(lua_State *L)
{
    graph_ud *u = graph_state(L);
    rn_graph_reset(u->g);
    u->handed = 0;
    lua_pushnil(L);
    lua_setfield(L, LUA_REGISTRYINDEX, KEY_ANCHORS);
}

/* ---- tensors -------------------------------------------------------------------- */

static rec_tensor_ud *tensor_ud(lua_State *L, int i)
{
    return luaL_checkudata(L, i, REC_TENSOR);
}

rn_tensor *rec_check_tensor(lua_State *L, int i)
{
    rec_tensor_ud *u = luaL_testudata(L, i, REC_TENSOR);
    if (u == NULL) luaL_typeerror(L, i, "tensor");
    if (u->t == NULL) luaL_argerror(L, i, "the tensor is closed");
    if (u->kind == REC_T_PARAM && (u->owner == NULL || u->owner->ps == NULL))
        luaL_argerror(L, i, "the parameter's rec.Params set is closed");
    if (u->kind == REC_T_STEP && u->gen != rn_graph_generation(graph_state(L)->g))
        luaL_argerror(L, i,
                      "this tensor belonged to an autograd step that has ended (opt:step() or "
                      "rec.autograd.reset()); keep values with t:clone() or t:item() first");
    return u->t;
}

rn_tensor *rec_opt_tensor(lua_State *L, int i)
{
    return lua_isnoneornil(L, i) ? NULL : rec_check_tensor(L, i);
}

void rec_push_tensor(lua_State *L, rn_tensor *t, int kind)
{
    rec_tensor_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->t = t;
    u->kind = kind;
    u->gen = kind == REC_T_STEP ? rn_graph_generation(graph_state(L)->g) : 0;
    u->owner = NULL;
    luaL_setmetatable(L, REC_TENSOR);
}

int rec_push_result(lua_State *L, rn_tensor *y, int first, int last)
{
    graph_ud *st = graph_state(L);
    if (y == NULL) {
        rn_graph_clear_error(st->g);
        return luaL_error(L, "%s", rn_error());
    }
    if (!(y->flags & RN_T_GRAD)) { /* nothing to differentiate: a plain value */
        rn_tensor *c = rn_tensor_clone(y);
        if (c == NULL) return luaL_error(L, "%s", rn_error());
        rec_push_tensor(L, c, REC_T_OWNED);
        return 1;
    }
    /* The tape borrows the persistent inputs until the step ends: anchor them. */
    if (lua_getfield(L, LUA_REGISTRYINDEX, KEY_ANCHORS) != LUA_TTABLE) {
        lua_pop(L, 1);
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_setfield(L, LUA_REGISTRYINDEX, KEY_ANCHORS);
    }
    for (int i = first; i <= last; i++) {
        rec_tensor_ud *u = luaL_testudata(L, i, REC_TENSOR);
        if (u != NULL && u->kind != REC_T_STEP) {
            lua_pushvalue(L, i);
            lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
        }
    }
    lua_pop(L, 1);
    st->handed++;
    rec_push_tensor(L, y, REC_T_STEP);
    return 1;
}

/* Reads a shape: a table of 1..4 positive integers. */
static int check_shape(lua_State *L, int i, int *shape)
{
    luaL_checktype(L, i, LUA_TTABLE);
    int n = (int)lua_rawlen(L, i);
    if (n < 1 || n > RN_MAX_DIMS) luaL_argerror(L, i, "a shape has 1 to 4 sizes, e.g. {2, 3}");
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, i, k + 1);
        int ok;
        lua_Integer v = lua_tointegerx(L, -1, &ok);
        if (!ok || v < 1)
            luaL_error(L, "bad argument #%d: size %d of the shape must be a positive integer", i,
                       k + 1);
        if ((lua_Unsigned)v > RN_TENSOR_MAX_ELEMENTS)
            luaL_error(L,
                       "bad argument #%d: size %d of the shape is %I, above the cap of %I "
                       "elements per tensor (1 GiB of float32)",
                       i, k + 1, v, (lua_Integer)RN_TENSOR_MAX_ELEMENTS);
        shape[k] = (int)v;
        lua_pop(L, 1);
    }
    return n;
}

static rn_tensor *new_tensor(lua_State *L, int ndim, const int *shape)
{
    rn_tensor *t = rn_tensor_new(ndim, shape);
    if (t == NULL) luaL_error(L, "%s", rn_error());
    return t;
}

/* Finds the shape of a nested table of numbers by following first elements. */
static int nested_shape(lua_State *L, int i, int *shape)
{
    int ndim = 0;
    lua_pushvalue(L, i);
    while (lua_type(L, -1) == LUA_TTABLE) {
        if (ndim == RN_MAX_DIMS) luaL_error(L, "rec.tensor: nested more than 4 deep");
        shape[ndim] = (int)lua_rawlen(L, -1);
        if (shape[ndim] == 0) luaL_error(L, "rec.tensor: an empty table at depth %d", ndim + 1);
        ndim++;
        lua_rawgeti(L, -1, 1);
        lua_remove(L, -2);
    }
    lua_pop(L, 1);
    return ndim;
}

static size_t fill_nested(lua_State *L, int depth, int ndim, const int *shape, float *out,
                          size_t pos)
{
    int n = (int)lua_rawlen(L, -1);
    if (lua_type(L, -1) != LUA_TTABLE || n != shape[depth])
        luaL_error(L, "rec.tensor: ragged data: a table at depth %d has %d values, expected %d",
                   depth + 1, lua_type(L, -1) == LUA_TTABLE ? n : 0, shape[depth]);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, -1, k);
        if (depth + 1 < ndim) {
            pos = fill_nested(L, depth + 1, ndim, shape, out, pos);
        } else {
            int ok;
            lua_Number v = lua_tonumberx(L, -1, &ok);
            if (!ok)
                luaL_error(L, "rec.tensor: value %d at depth %d is a %s, not a number", k,
                           depth + 1, luaL_typename(L, -1));
            out[pos++] = (float)v;
        }
        lua_pop(L, 1);
    }
    return pos;
}

static void apply_grad_option(lua_State *L, int opts, rn_tensor *t)
{
    if (rec_opt_bool(L, opts, "requires_grad", 0) && rn_tensor_require_grad(t) != RN_OK)
        luaL_error(L, "%s", rn_error());
}

/* rec.tensor(data [, {requires_grad=}]) */
static int l_tensor(lua_State *L)
{
    static const char *const known[] = {"requires_grad", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 2, "rec.tensor", known);
    int shape[RN_MAX_DIMS];
    int ndim = nested_shape(L, 1, shape);
    if (ndim == 0) return luaL_argerror(L, 1, "expected a table of numbers (nested for more dims)");
    /* Read into Lua-owned scratch first: a ragged table raises before we allocate. */
    size_t n = rn_shape_count(ndim, shape);
    float *tmp = lua_newuserdatauv(L, n * sizeof(float), 0);
    lua_pushvalue(L, 1);
    fill_nested(L, 0, ndim, shape, tmp, 0);
    lua_pop(L, 1);
    rn_tensor *t = rn_tensor_from(ndim, shape, tmp);
    if (t == NULL) return luaL_error(L, "%s", rn_error());
    rec_push_tensor(L, t, REC_T_OWNED);
    apply_grad_option(L, 2, t);
    return 1;
}

static int filled(lua_State *L, float value, const char *fn)
{
    static const char *const known[] = {"requires_grad", NULL};
    int shape[RN_MAX_DIMS], ndim = check_shape(L, 1, shape);
    rec_check_options(L, 2, fn, known);
    rn_tensor *t = new_tensor(L, ndim, shape);
    rn_tensor_fill(t, value);
    rec_push_tensor(L, t, REC_T_OWNED);
    apply_grad_option(L, 2, t);
    return 1;
}

static int l_zeros(lua_State *L)
{
    return filled(L, 0.0f, "rec.zeros");
}

static int l_ones(lua_State *L)
{
    return filled(L, 1.0f, "rec.ones");
}

/* The option seed as a whole number in [0, 2^53]: a negative, fractional
 * or NaN seed is an error (casting it to uint64_t would be undefined). */
static uint64_t opt_seed(lua_State *L, int opts, const char *fn)
{
    double v = rec_opt_number(L, opts, "seed", 1);
    if (!(v >= 0 && v <= 9007199254740992.0) || v != floor(v))
        luaL_error(L, "%s: seed must be a whole number >= 0, got %s", fn,
                   lua_pushfstring(L, "%f", v));
    return (uint64_t)v;
}

static int random_tensor(lua_State *L, int normal)
{
    static const char *const known_n[] = {"seed", "mean", "std", "requires_grad", NULL};
    static const char *const known_u[] = {"seed", "lo", "hi", "requires_grad", NULL};
    int shape[RN_MAX_DIMS], ndim = check_shape(L, 1, shape);
    rec_check_options(L, 2, normal ? "rec.randn" : "rec.rand", normal ? known_n : known_u);
    rn_rng r;
    rn_rng_seed(&r, opt_seed(L, 2, normal ? "rec.randn" : "rec.rand"));
    rn_tensor *t = new_tensor(L, ndim, shape);
    if (normal)
        rn_tensor_normal(t, &r, (float)rec_opt_number(L, 2, "mean", 0),
                         (float)rec_opt_number(L, 2, "std", 1));
    else
        rn_tensor_uniform(t, &r, (float)rec_opt_number(L, 2, "lo", 0),
                          (float)rec_opt_number(L, 2, "hi", 1));
    rec_push_tensor(L, t, REC_T_OWNED);
    apply_grad_option(L, 2, t);
    return 1;
}

static int l_randn(lua_State *L)
{
    return random_tensor(L, 1);
}

static int l_rand(lua_State *L)
{
    return random_tensor(L, 0);
}

/* ---- tensor methods --------------------------------------------------------------- */

static int t_shape(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    lua_createtable(L, t->ndim, 0);
    for (int i = 0; i < t->ndim; i++) {
        lua_pushinteger(L, t->shape[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int t_numel(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rec_check_tensor(L, 1)->n);
    return 1;
}

static int t_len(lua_State *L)
{
    lua_pushinteger(L, rec_check_tensor(L, 1)->shape[0]);
    return 1;
}

static int t_item(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->n != 1) {
        char buf[48];
        return luaL_error(L, "item: the tensor has %d elements (shape %s), not one", (int)t->n,
                          rn_shape_str(t, buf, sizeof buf));
    }
    lua_pushnumber(L, (lua_Number)t->data[0]);
    return 1;
}

static void push_nested(lua_State *L, const rn_tensor *t, const float *v, int depth, size_t offset)
{
    size_t stride = 1;
    for (int i = depth + 1; i < t->ndim; i++)
        stride *= (size_t)t->shape[i];
    lua_createtable(L, t->shape[depth], 0);
    for (int k = 0; k < t->shape[depth]; k++) {
        if (depth + 1 == t->ndim)
            lua_pushnumber(L, (lua_Number)v[offset + (size_t)k]);
        else
            push_nested(L, t, v, depth + 1, offset + (size_t)k * stride);
        lua_rawseti(L, -2, k + 1);
    }
}

static int t_totable(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    luaL_checkstack(L, 8, "totable");
    push_nested(L, t, t->data, 0, 0);
    return 1;
}

static int t_grad(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->grad == NULL) {
        lua_pushnil(L);
        return 1;
    }
    rn_tensor *g = rn_tensor_from(t->ndim, t->shape, t->grad);
    if (g == NULL) return luaL_error(L, "%s", rn_error());
    rec_push_tensor(L, g, REC_T_OWNED);
    return 1;
}

static int t_zero_grad(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    rn_tensor_zero_grad(t);
    lua_settop(L, 1);
    return 1;
}

static int t_requires_grad(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->flags & RN_T_ARENA)
        return luaL_error(L, "requires_grad: an intermediate already follows its inputs");
    if (rn_tensor_require_grad(t) != RN_OK) return luaL_error(L, "%s", rn_error());
    lua_settop(L, 1);
    return 1;
}

static int t_clone(lua_State *L)
{
    rn_tensor *c = rn_tensor_clone(rec_check_tensor(L, 1));
    if (c == NULL) return luaL_error(L, "%s", rn_error());
    rec_push_tensor(L, c, REC_T_OWNED);
    return 1;
}

static int t_fill(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->flags & RN_T_ARENA)
        return luaL_error(L, "fill: an intermediate of a step cannot be changed");
    rn_tensor_fill(t, (float)luaL_checknumber(L, 2));
    lua_settop(L, 1);
    return 1;
}

/* t:set(data): overwrite the values from a (nested) table of the same shape. */
static int t_set(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->flags & RN_T_ARENA)
        return luaL_error(L, "set: an intermediate of a step cannot be changed");
    luaL_checktype(L, 2, LUA_TTABLE);
    int shape[RN_MAX_DIMS], ndim = nested_shape(L, 2, shape);
    int same = ndim == t->ndim;
    for (int i = 0; same && i < ndim; i++)
        same = shape[i] == t->shape[i];
    if (!same) {
        char buf[48];
        return luaL_error(L, "set: the data's shape does not match the tensor's %s",
                          rn_shape_str(t, buf, sizeof buf));
    }
    float *tmp = lua_newuserdatauv(L, t->n * sizeof(float), 0);
    lua_pushvalue(L, 2);
    fill_nested(L, 0, ndim, shape, tmp, 0);
    lua_pop(L, 2);
    memcpy(t->data, tmp, t->n * sizeof(float));
    lua_settop(L, 1);
    return 1;
}

static int t_name(lua_State *L)
{
    rn_tensor *t = rec_check_tensor(L, 1);
    if (t->name)
        lua_pushstring(L, t->name);
    else
        lua_pushnil(L);
    return 1;
}

static int t_gc(lua_State *L)
{
    rec_tensor_ud *u = tensor_ud(L, 1);
    if (u->t != NULL && u->kind == REC_T_OWNED) rn_tensor_free(u->t);
    u->t = NULL;
    return 0;
}

/* t:close(): the tape may borrow this tensor (it is then anchored): refuse. */
static int t_close(lua_State *L)
{
    tensor_ud(L, 1);
    if (lua_getfield(L, LUA_REGISTRYINDEX, KEY_ANCHORS) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, -1);
        for (lua_Integer k = 1; k <= n; k++) {
            lua_rawgeti(L, -1, k);
            int same = lua_rawequal(L, -1, 1);
            lua_pop(L, 1);
            if (same)
                return luaL_error(L, "close: the tensor is in use by the current autograd step "
                                     "(end it with opt:step() or rec.autograd.reset())");
        }
    }
    lua_pop(L, 1);
    return t_gc(L);
}

/* "tensor 2x3 {{1, 2, 3}, {4, 5, 6}}" with at most 6 values per axis shown. */
static void preview(luaL_Buffer *b, const rn_tensor *t, int depth, size_t offset)
{
    size_t stride = 1;
    for (int i = depth + 1; i < t->ndim; i++)
        stride *= (size_t)t->shape[i];
    int n = t->shape[depth], shown = n <= 6 ? n : 5;
    luaL_addchar(b, '{');
    for (int k = 0; k < shown; k++) {
        if (k) luaL_addstring(b, ", ");
        if (depth + 1 == t->ndim) {
            char num[32];
            snprintf(num, sizeof num, "%.4g", (double)t->data[offset + (size_t)k]);
            luaL_addstring(b, num);
        } else {
            preview(b, t, depth + 1, offset + (size_t)k * stride);
        }
    }
    if (shown < n) {
        char more[32];
        snprintf(more, sizeof more, ", ... (%d more)", n - shown);
        luaL_addstring(b, more);
    }
    luaL_addchar(b, '}');
}

static int t_tostring(lua_State *L)
{
    rec_tensor_ud *u = tensor_ud(L, 1);
    if (u->t == NULL) {
        lua_pushliteral(L, "tensor (closed)");
        return 1;
    }
    if (u->kind == REC_T_PARAM && (u->owner == NULL || u->owner->ps == NULL)) {
        lua_pushliteral(L, "param (its set is closed)");
        return 1;
    }
    if (u->kind == REC_T_STEP && u->gen != rn_graph_generation(graph_state(L)->g)) {
        lua_pushliteral(L, "tensor (its autograd step has ended)");
        return 1;
    }
    rn_tensor *t = u->t;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char head[160], shape[48];
    rn_shape_str(t, shape, sizeof shape);
    if (t->name)
        snprintf(head, sizeof head, "param %s %s%s ", t->name, shape,
                 t->sparse ? " (sparse rows)" : "");
    else
        snprintf(head, sizeof head, "tensor %s%s ", shape,
                 (t->flags & RN_T_GRAD) ? " (requires grad)" : "");
    luaL_addstring(&b, head);
    preview(&b, t, 0, 0);
    luaL_pushresult(&b);
    return 1;
}

/* ---- rec.Params ----------------------------------------------------------------- */

static rec_params_ud *check_params(lua_State *L, int i)
{
    rec_params_ud *u = luaL_checkudata(L, i, REC_PARAMS);
    if (u->ps == NULL) luaL_argerror(L, i, "the parameter set is closed");
    return u;
}

static int l_params(lua_State *L)
{
    rec_params_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->ps = NULL;
    luaL_setmetatable(L, REC_PARAMS);
    lua_newtable(L); /* name -> tensor userdata, so each parameter has one userdata */
    lua_setiuservalue(L, -2, 1);
    u->ps = rn_params_new();
    if (u->ps == NULL) return luaL_error(L, "%s", rn_error());
    return 1;
}

/* Pushes the userdata of parameter t of the set at index 1 (one per parameter). */
static void push_param(lua_State *L, rec_params_ud *set, rn_tensor *t)
{
    lua_getiuservalue(L, 1, 1);
    if (lua_getfield(L, -1, t->name) == LUA_TUSERDATA) {
        lua_remove(L, -2);
        return;
    }
    lua_pop(L, 1);
    rec_push_tensor(L, t, REC_T_PARAM);
    rec_tensor_ud *u = lua_touserdata(L, -1);
    u->owner = set;
    lua_pushvalue(L, 1); /* the tensor keeps its set alive */
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, -1);
    lua_setfield(L, -3, t->name);
    lua_remove(L, -2);
}

static void init_param(lua_State *L, int opts, rn_tensor *t, int fan_in, int fan_out)
{
    const char *init = "zeros";
    if (lua_istable(L, opts)) {
        lua_getfield(L, opts, "init");
        init = luaL_optstring(L, -1, "zeros"); /* kept alive by the options table */
        lua_pop(L, 1);
    }
    rn_rng r;
    rn_rng_seed(&r, opt_seed(L, opts, "ps:param / ps:table"));
    if (strcmp(init, "zeros") == 0) {
        rn_tensor_fill(t, (float)rec_opt_number(L, opts, "value", 0));
    } else if (strcmp(init, "normal") == 0) {
        rn_tensor_normal(t, &r, 0.0f, (float)rec_opt_number(L, opts, "std", 0.01));
    } else if (strcmp(init, "uniform") == 0) {
        float a = (float)rec_opt_number(L, opts, "scale", 0.05);
        rn_tensor_uniform(t, &r, -a, a);
    } else if (strcmp(init, "xavier") == 0) { /* Glorot & Bengio 2010, uniform */
        float a = sqrtf(6.0f / (float)(fan_in + fan_out));
        rn_tensor_uniform(t, &r, -a, a);
    } else {
        luaL_error(L, "unknown init '%s' (zeros, normal, uniform or xavier)", init);
    }
}

static const char *const param_opts[] = {"init", "std", "scale", "value", "seed", NULL};

/* ps:param(name, shape [, {init=, std=, scale=, value=, seed=}]) */
static int p_param(lua_State *L)
{
    rec_params_ud *set = check_params(L, 1);
    const char *name = luaL_checkstring(L, 2);
    int shape[RN_MAX_DIMS], ndim = check_shape(L, 3, shape);
    rec_check_options(L, 4, "params:param", param_opts);
    rn_tensor *t = rn_param_new(set->ps, name, ndim, shape);
    if (t == NULL) return luaL_error(L, "%s", rn_error());
    init_param(L, 4, t, shape[0], ndim > 1 ? shape[ndim - 1] : shape[0]);
    push_param(L, set, t);
    return 1;
}

/* ps:table(name, rows, dim [, opts]): an embedding table with sparse gradients. */
static int p_table(lua_State *L)
{
    rec_params_ud *set = check_params(L, 1);
    const char *name = luaL_checkstring(L, 2);
    lua_Integer rows = luaL_checkinteger(L, 3), dim = luaL_checkinteger(L, 4);
    luaL_argcheck(L, rows >= 1 && rows <= 1 << 30, 3, "rows must be a positive integer");
    luaL_argcheck(L, dim >= 1 && dim <= 1 << 20, 4, "dim must be a positive integer");
    rec_check_options(L, 5, "params:table", param_opts);
    rn_tensor *t = rn_param_table(set->ps, name, (int)rows, (int)dim);
    if (t == NULL) return luaL_error(L, "%s", rn_error());
    if (lua_isnoneornil(L, 5)) { /* embeddings start small and random, not at zero */
        rn_rng r;
        rn_rng_seed(&r, 1);
        rn_tensor_normal(t, &r, 0.0f, 0.01f);
    } else {
        init_param(L, 5, t, (int)rows, (int)dim);
    }
    push_param(L, set, t);
    return 1;
}

static int p_get(lua_State *L)
{
    rec_params_ud *set = check_params(L, 1);
    rn_tensor *t = rn_params_find(set->ps, luaL_checkstring(L, 2));
    if (t == NULL)
        lua_pushnil(L);
    else
        push_param(L, set, t);
    return 1;
}

static int p_names(lua_State *L)
{
    rec_params_ud *set = check_params(L, 1);
    size_t n = rn_params_count(set->ps);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, rn_params_at(set->ps, i)->name);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int p_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_params_count(check_params(L, 1)->ps));
    return 1;
}

static int p_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_params_size(check_params(L, 1)->ps));
    return 1;
}

static int p_zero_grad(lua_State *L)
{
    rn_params_zero_grad(check_params(L, 1)->ps);
    lua_settop(L, 1);
    return 1;
}

/* At collection no step can borrow the set: the anchors would keep it alive. */
static int p_gc(lua_State *L)
{
    rec_params_ud *u = luaL_checkudata(L, 1, REC_PARAMS);
    rn_params_free(u->ps);
    u->ps = NULL;
    return 0;
}

static int p_close(lua_State *L)
{
    rec_params_ud *u = luaL_checkudata(L, 1, REC_PARAMS);
    if (u->ps != NULL) {
        /* The tape may borrow these parameters: end the step first. */
        if (lua_getfield(L, LUA_REGISTRYINDEX, KEY_GRAPH) == LUA_TUSERDATA) rec_graph_reset(L);
        lua_pop(L, 1);
    }
    return p_gc(L);
}

static int p_tostring(lua_State *L)
{
    rec_params_ud *u = luaL_checkudata(L, 1, REC_PARAMS);
    if (u->ps == NULL) {
        lua_pushliteral(L, "rec.Params (closed)");
        return 1;
    }
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char line[200];
    snprintf(line, sizeof line, "rec.Params: %zu parameters, %zu values", rn_params_count(u->ps),
             rn_params_size(u->ps));
    luaL_addstring(&b, line);
    for (size_t i = 0; i < rn_params_count(u->ps) && i < 20; i++) {
        rn_tensor *t = rn_params_at(u->ps, i);
        char shape[48];
        snprintf(line, sizeof line, "\n  %-24s %s%s", t->name, rn_shape_str(t, shape, sizeof shape),
                 t->sparse ? " (sparse rows)" : "");
        luaL_addstring(&b, line);
    }
    if (rn_params_count(u->ps) > 20) luaL_addstring(&b, "\n  ...");
    luaL_pushresult(&b);
    return 1;
}

/* ---- ids -------------------------------------------------------------------------- */

void rec_check_ids(lua_State *L, int i, rn_ids *ids, const char *what)
{
    i = lua_absindex(L, i);
    if (lua_type(L, i) != LUA_TTABLE)
        luaL_error(L, "%s: ids must be a table of integers (0-based rows), got %s", what,
                   luaL_typename(L, i));
    int rows = (int)lua_rawlen(L, i), cols = 1, ndim = 1;
    if (rows == 0) luaL_error(L, "%s: ids are empty", what);
    lua_rawgeti(L, i, 1);
    if (lua_type(L, -1) == LUA_TTABLE) {
        ndim = 2;
        cols = (int)lua_rawlen(L, -1);
        if (cols == 0) luaL_error(L, "%s: the first row of ids is empty", what);
    }
    lua_pop(L, 1);
    int64_t *data = lua_newuserdatauv(L, (size_t)rows * (size_t)cols * sizeof(int64_t), 0);
    for (int r = 0; r < rows; r++) {
        lua_rawgeti(L, i, r + 1);
        for (int c = 0; c < cols; c++) {
            if (ndim == 2) {
                if (lua_type(L, -1) != LUA_TTABLE || (int)lua_rawlen(L, -1) != cols)
                    luaL_error(L, "%s: row %d of ids must hold %d integers", what, r + 1, cols);
                lua_rawgeti(L, -1, c + 1);
            }
            int ok;
            lua_Integer v = lua_tointegerx(L, -1, &ok);
            if (!ok)
                luaL_error(L, "%s: id %d must be an integer, got %s", what, r + 1,
                           luaL_typename(L, -1));
            data[(size_t)r * (size_t)cols + (size_t)c] = (int64_t)v;
            if (ndim == 2) lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    ids->data = data;
    ids->n = (size_t)rows * (size_t)cols;
    ids->ndim = ndim;
    ids->shape[0] = rows;
    ids->shape[1] = cols;
    ids->dtype = RN_I64;
}

/* ---- registration ------------------------------------------------------------------ */

static const luaL_Reg tensor_methods[] = {{"shape", t_shape},
                                          {"numel", t_numel},
                                          {"item", t_item},
                                          {"totable", t_totable},
                                          {"grad", t_grad},
                                          {"zero_grad", t_zero_grad},
                                          {"requires_grad", t_requires_grad},
                                          {"clone", t_clone},
                                          {"fill", t_fill},
                                          {"set", t_set},
                                          {"name", t_name},
                                          {"close", t_close},
                                          {NULL, NULL}};

static const rec_doc_entry tensor_docs[] = {
    {"shape", "t:shape() returns the sizes of t's axes as a table.",
     "print(table.concat(rec.zeros{2, 3}:shape(), 'x'))  --> 2x3"},
    {"numel", "t:numel() returns the number of elements.", "print(rec.zeros{2, 3}:numel())  --> 6"},
    {"item", "t:item() returns the value of a one-element tensor as a number (a loss).",
     "print(rec.tensor{4}:item())  --> 4.0"},
    {"totable", "t:totable() returns the values as nested Lua tables.",
     "print(rec.tensor{{1, 2}, {3, 4}}:totable()[2][1])  --> 3.0"},
    {"grad",
     "t:grad() returns a copy of t's gradient as a tensor, or nil if t holds none. Gradients "
     "accumulate over backward passes until zero_grad or an optimizer step.",
     "local w = rec.tensor({1, 2}, {requires_grad = true})\n"
     "rec.nn.sum(w * w):backward(); print(w:grad())  --> tensor 2 {2, 4}"},
    {"zero_grad", "t:zero_grad() sets t's gradient to zero and returns t.",
     "local w = rec.ones({2}, {requires_grad = true}); w:zero_grad()"},
    {"requires_grad",
     "t:requires_grad() gives a tensor you created a gradient, so backward fills it; returns t.",
     "local x = rec.tensor{1, 2}:requires_grad()"},
    {"clone",
     "t:clone() returns a persistent copy of t's values without gradient: the way to keep an "
     "intermediate after its step ends.",
     "local keep = (rec.ones{2} * 3):clone()"},
    {"fill", "t:fill(v) sets every element to v and returns t.", "print(rec.zeros{3}:fill(7))"},
    {"set", "t:set(data) overwrites t's values from a nested table of the same shape; returns t.",
     "print(rec.zeros{2}:set{5, 6})"},
    {"name", "t:name() returns a parameter's name, or nil for other tensors.",
     "print(rec.params():param('w', {2}):name())  --> w"},
    {"close", "t:close() frees a tensor's memory now rather than at garbage collection.",
     "local t <close> = rec.zeros{1000, 1000}"},
    {NULL, NULL, NULL}};

static const luaL_Reg params_methods[] = {
    {"param", p_param}, {"table", p_table},         {"get", p_get},     {"names", p_names},
    {"size", p_size},   {"zero_grad", p_zero_grad}, {"close", p_close}, {NULL, NULL}};

static const rec_doc_entry params_docs[] = {
    {"param",
     "ps:param(name, shape [, {init=, std=, scale=, value=, seed=}]) creates a named parameter "
     "with a gradient. init is 'zeros' (default; or value=), 'normal' (std=, default 0.01), "
     "'uniform' (scale=) or 'xavier'; seed= picks the random stream. Names are unique in a set.",
     "local ps = rec.params()\nlocal w = ps:param('deep.0.weight', {4, 8}, {init = 'xavier'})"},
    {"table",
     "ps:table(name, rows, dim [, opts]) creates an embedding table whose gradient records the "
     "rows a batch touched, so optimizers update only those rows. It starts normal with std "
     "0.01 unless opts say otherwise.",
     "local emb = rec.params():table('emb.item', 100000, 16)"},
    {"get", "ps:get(name) returns the parameter called name, or nil.",
     "local ps = rec.params(); ps:param('b', {1}); print(ps:get('b'))"},
    {"names", "ps:names() lists the parameter names in creation order.",
     "local ps = rec.params(); ps:param('a', {1}); print(ps:names()[1])  --> a"},
    {"size", "ps:size() counts the scalars in all parameters.",
     "local ps = rec.params(); ps:param('w', {3, 4}); print(ps:size())  --> 12"},
    {"zero_grad", "ps:zero_grad() zeroes every parameter's gradient (touched rows of tables).",
     "rec.params():zero_grad()"},
    {"close",
     "ps:close() frees the parameters now; their tensors become unusable and the current "
     "autograd step ends.",
     "local ps <close> = rec.params()"},
    {NULL, NULL, NULL}};

static const luaL_Reg rec_fns[] = {{"tensor", l_tensor}, {"zeros", l_zeros}, {"ones", l_ones},
                                   {"randn", l_randn},   {"rand", l_rand},   {"params", l_params},
                                   {NULL, NULL}};

static const rec_doc_entry rec_docs[] = {
    {"tensor",
     "rec.tensor(data [, {requires_grad=}]) makes a float32 tensor from a table of numbers, "
     "nested for up to 4 axes. Printing shows the shape and a preview.",
     "local x = rec.tensor{{1, 2, 3}, {4, 5, 6}}\nprint(x)  --> tensor 2x3 {{1, 2, 3}, {4, 5, 6}}"},
    {"zeros", "rec.zeros(shape [, {requires_grad=}]) makes a tensor of zeros.",
     "print(rec.zeros{2, 2})"},
    {"ones", "rec.ones(shape [, {requires_grad=}]) makes a tensor of ones.", "print(rec.ones{3})"},
    {"randn",
     "rec.randn(shape [, {seed=, mean=, std=, requires_grad=}]) draws normal values from a "
     "seeded generator: the same seed gives the same tensor.",
     "print(rec.randn({2, 3}, {seed = 7}))"},
    {"rand",
     "rec.rand(shape [, {seed=, lo=, hi=, requires_grad=}]) draws uniform values in [lo, hi) "
     "(default [0, 1)) from a seeded generator.",
     "print(rec.rand({4}, {seed = 1, lo = -1, hi = 1}))"},
    {"params",
     "rec.params() makes an empty parameter set: named, persistent tensors with gradients that "
     "optimizers update, grouped by name prefix ('wide.', 'deep.').",
     "local ps = rec.params()\nlocal w = ps:param('w', {2, 1})\nprint(ps)"},
    {NULL, NULL, NULL}};

void rec_open_tensor(lua_State *L)
{
    int rec = lua_gettop(L);
    luaL_newmetatable(L, REC_TENSOR);
    luaL_newlib(L, tensor_methods);
    rec_doc_fields(L, -1, "rec.Tensor", 1, tensor_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {{"__gc", t_gc},
                                    {"__close", t_close},
                                    {"__tostring", t_tostring},
                                    {"__len", t_len},
                                    {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);

    luaL_newmetatable(L, REC_PARAMS);
    luaL_newlib(L, params_methods);
    rec_doc_fields(L, -1, "rec.Params", 1, params_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg pmeta[] = {{"__gc", p_gc},
                                     {"__close", p_close},
                                     {"__tostring", p_tostring},
                                     {"__len", p_len},
                                     {NULL, NULL}};
    luaL_setfuncs(L, pmeta, 0);
    lua_pop(L, 1);

    luaL_setfuncs(L, rec_fns, 0);
    rec_doc_fields(L, rec, "rec", 0, rec_docs);
}

void rec_open_engine(lua_State *L)
{
    rec_open_tensor(L);
    rec_open_autograd(L);
    rec_open_optim(L);
}
