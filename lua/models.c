/* rec.models: the CTR model zoo (engine/models/) as Lua userdata.
 *
 *   rec.models.lr / fm / mlp / wide_deep / deepfm / din / dien {config}  -> rec.Model
 *   rec.models.load(path)                                                -> rec.Model
 *   rec.models.synthetic_ctr{...} / synthetic_seq{...} / batch{...}      -> rec.CtrData
 *
 * A rec.CtrData owns rows of CTR data (an rn_samples: sparse ids, dense
 * features, padded sequences with their mask, labels, groups). A rec.Model
 * owns its engine model; the tensors m:params() hands out keep the model
 * alive through their user value and are refused once it is closed. fit runs
 * the engine's loop; its callbacks (on_step, on_epoch, plot) run under
 * lua_pcall, so an error in them ends fit cleanly, and the progress bar is
 * printed here (engine/ never prints). */
#include "rec_engine.h"
#include "host.h"
#include "rec.h"
#include "rec_data.h"

#include "alloc.h"
#include "error.h"
#include "models/from_dataset.h"
#include "models/model.h"
#include "models/synth.h"
#include "models/train.h"
#include "optim.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#define REC_MODEL "rec.Model"
#define REC_DATA  "rec.CtrData"

typedef struct {
    rec_params_ud pud; /* first: the owner of the parameter tensors handed to Lua */
    rn_model *m;       /* NULL once closed */
    char label[64];    /* the label column read from a rec.Dataset ("" : the first) */
} model_ud;

typedef struct {
    rn_samples *b; /* NULL once closed */
} data_ud;

/* ---- rec.CtrData ----------------------------------------------------------------- */

static rn_samples *check_data(lua_State *L, int i)
{
    data_ud *u = luaL_testudata(L, i, REC_DATA);
    if (u == NULL) luaL_typeerror(L, i, "rec.CtrData");
    if (u->b == NULL) luaL_argerror(L, i, "the data set is closed");
    return u->b;
}

/* Pushes b as a new rec.CtrData (the userdata owns it). */
static void push_data(lua_State *L, rn_samples *b)
{
    data_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->b = b;
    luaL_setmetatable(L, REC_DATA);
}

/* The map of the rec.Dataset at index i (sequences padded to T when T > 0,
 * else to the longest list, at most 50). */
static const rn_dataset *dataset_map(lua_State *L, int i, const char *label, int T,
                                     rn_data_map *map, const size_t **rows, size_t *start,
                                     size_t *n)
{
    const rn_dataset *ds = rec_check_dataset(L, i, rows, start, n);
    if (rn_data_map_infer(ds, label && label[0] ? label : NULL, T > 0 ? T : 50, map) != RN_OK)
        rec_engine_error(L);
    if (T > 0) map->seq_len = T;
    return ds;
}

/* The samples at index i: a rec.CtrData as it is, or a rec.Dataset (the data
 * sets of rec.data) read through its inferred map into a new rec.CtrData that
 * replaces it at i. T: the model's sequence length (0: none). */
static rn_samples *samples_arg(lua_State *L, int i, const char *label, int T)
{
    i = lua_absindex(L, i);
    if (luaL_testudata(L, i, REC_DATASET) == NULL) return check_data(L, i);
    rn_data_map map;
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = dataset_map(L, i, label, T, &map, &rows, &start, &n);
    rn_samples *b = rn_samples_from_dataset(ds, &map, rows, start, n);
    if (b == NULL) rec_engine_error(L);
    push_data(L, b);
    lua_replace(L, i);
    return b;
}

static int d_gc(lua_State *L)
{
    data_ud *u = luaL_checkudata(L, 1, REC_DATA);
    rn_samples_free(u->b);
    u->b = NULL;
    return 0;
}

static int d_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)check_data(L, 1)->n);
    return 1;
}

static int d_tostring(lua_State *L)
{
    data_ud *u = luaL_checkudata(L, 1, REC_DATA);
    if (u->b == NULL) {
        lua_pushliteral(L, "rec.CtrData (closed)");
        return 1;
    }
    const rn_samples *b = u->b;
    double pos = 0;
    for (size_t i = 0; i < b->n; i++)
        pos += (double)b->labels[i * (size_t)b->n_tasks];
    lua_pushfstring(L,
                    "rec.CtrData: %d rows, %d sparse fields, %d dense, sequence length %d, "
                    "positive rate %f",
                    (int)b->n, b->n_fields, b->n_dense, b->seq_len, pos / (double)b->n);
    return 1;
}

/* A copy of the rows [from, from + n) of b (or the rows listed). */
static rn_samples *copy_rows(lua_State *L, const rn_samples *b, const size_t *rows, size_t n)
{
    rn_samples *c = rn_samples_new(n, b->n_fields, b->n_dense, b->seq_len, b->n_tasks, 1);
    if (c == NULL) rec_engine_error(L);
    if (rn_samples_gather(c, b, rows, n) != RN_OK) {
        rn_samples_free(c);
        rec_engine_error(L);
    }
    if (b->group == NULL) {
        rn_free(c->group);
        c->group = NULL;
    }
    return c;
}

/* d:slice(i, j): rows i..j (1-based, inclusive) as a new data set. */
static int d_slice(lua_State *L)
{
    rn_samples *b = check_data(L, 1);
    lua_Integer i = luaL_checkinteger(L, 2), j = luaL_optinteger(L, 3, (lua_Integer)b->n);
    if (i < 1 || j > (lua_Integer)b->n || i > j)
        return luaL_error(L, "slice: rows %d..%d are outside 1..%d", (int)i, (int)j, (int)b->n);
    size_t n = (size_t)(j - i + 1);
    size_t *rows = lua_newuserdatauv(L, n * sizeof *rows, 0);
    for (size_t k = 0; k < n; k++)
        rows[k] = (size_t)(i - 1) + k;
    push_data(L, copy_rows(L, b, rows, n));
    return 1;
}

/* d:split(frac [, {seed=}]): a random split into two new data sets. */
static int d_split(lua_State *L)
{
    rn_samples *b = check_data(L, 1);
    double frac = luaL_checknumber(L, 2);
    static const char *const known[] = {"seed", NULL};
    rec_check_options(L, 3, "split", known);
    if (!(frac > 0 && frac < 1)) return luaL_argerror(L, 2, "a fraction strictly between 0 and 1");
    size_t n = b->n, na = (size_t)llround(frac * (double)n);
    if (na < 1 || na >= n) return luaL_error(L, "split: %d rows cannot be split %g", (int)n, frac);
    size_t *rows = lua_newuserdatauv(L, n * sizeof *rows, 0);
    for (size_t k = 0; k < n; k++)
        rows[k] = k;
    rn_rng g;
    rn_rng_seed(&g, (uint64_t)rec_opt_number(L, 3, "seed", 1));
    for (size_t k = n - 1; k > 0; k--) {
        size_t j = (size_t)rn_rng_below(&g, (uint64_t)k + 1), t = rows[k];
        rows[k] = rows[j];
        rows[j] = t;
    }
    push_data(L, copy_rows(L, b, rows, na));
    push_data(L, copy_rows(L, b, rows + na, n - na));
    return 2;
}

/* d:schema(): {fields = {cardinality...}, dense = n, seq_len = T, seq_field = k}
 * (the cardinality of each field is its largest id + 1). */
static void push_schema(lua_State *L, const rn_samples *b, int seq_field)
{
    lua_createtable(L, 0, 4);
    lua_createtable(L, b->n_fields, 0);
    for (int f = 0; f < b->n_fields; f++) {
        int32_t mx = 0;
        for (size_t i = 0; i < b->n; i++)
            if (b->sparse[i * (size_t)b->n_fields + (size_t)f] > mx)
                mx = b->sparse[i * (size_t)b->n_fields + (size_t)f];
        if (f == seq_field - 1)
            for (size_t i = 0; i < b->n * (size_t)b->seq_len; i++)
                if (b->seq[i] > mx) mx = b->seq[i];
        lua_pushinteger(L, (lua_Integer)mx + 1);
        lua_rawseti(L, -2, f + 1);
    }
    lua_setfield(L, -2, "fields");
    lua_pushinteger(L, b->n_dense);
    lua_setfield(L, -2, "dense");
    lua_pushinteger(L, b->seq_len);
    lua_setfield(L, -2, "seq_len");
    if (b->seq_len > 0) {
        lua_pushinteger(L, seq_field);
        lua_setfield(L, -2, "seq_field");
    }
}

static int d_schema(lua_State *L)
{
    rn_samples *b = check_data(L, 1);
    push_schema(L, b, 1);
    return 1;
}

/* d:labels(): the labels as a Lua array. */
static int d_labels(lua_State *L)
{
    rn_samples *b = check_data(L, 1);
    lua_createtable(L, (int)b->n, 0);
    for (size_t i = 0; i < b->n; i++) {
        lua_pushnumber(L, (lua_Number)b->labels[i * (size_t)b->n_tasks]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static const char *const synth_ctr_opts[] = {"rows",  "fields",      "cardinality", "dense",
                                             "rank",  "interaction", "linear",      "bias",
                                             "noise", "seed",        NULL};

static int l_synthetic_ctr(lua_State *L)
{
    rec_check_options(L, 1, "rec.models.synthetic_ctr", synth_ctr_opts);
    rn_synth_ctr_config c = rn_synth_ctr_defaults();
    c.rows = (size_t)rec_opt_number(L, 1, "rows", (double)c.rows);
    c.n_fields = (int)rec_opt_number(L, 1, "fields", c.n_fields);
    c.cardinality = (int)rec_opt_number(L, 1, "cardinality", c.cardinality);
    c.n_dense = (int)rec_opt_number(L, 1, "dense", c.n_dense);
    c.rank = (int)rec_opt_number(L, 1, "rank", c.rank);
    c.interaction = (float)rec_opt_number(L, 1, "interaction", (double)c.interaction);
    c.linear = (float)rec_opt_number(L, 1, "linear", (double)c.linear);
    c.bias = (float)rec_opt_number(L, 1, "bias", (double)c.bias);
    c.noise = (float)rec_opt_number(L, 1, "noise", (double)c.noise);
    c.seed = (uint64_t)rec_opt_number(L, 1, "seed", (double)c.seed);
    rn_samples *b = rn_synth_ctr(&c);
    if (b == NULL) return rec_engine_error(L);
    push_data(L, b);
    return 1;
}

static const char *const synth_seq_opts[] = {"rows",    "items", "cats",     "users", "seq_len",
                                             "min_len", "drift", "strength", "seed",  NULL};

static int l_synthetic_seq(lua_State *L)
{
    rec_check_options(L, 1, "rec.models.synthetic_seq", synth_seq_opts);
    rn_synth_seq_config c = rn_synth_seq_defaults();
    c.rows = (size_t)rec_opt_number(L, 1, "rows", (double)c.rows);
    c.n_items = (int)rec_opt_number(L, 1, "items", c.n_items);
    c.n_cats = (int)rec_opt_number(L, 1, "cats", c.n_cats);
    c.n_users = (int)rec_opt_number(L, 1, "users", c.n_users);
    c.seq_len = (int)rec_opt_number(L, 1, "seq_len", c.seq_len);
    c.min_len = (int)rec_opt_number(L, 1, "min_len", c.min_len);
    c.drift = rec_opt_bool(L, 1, "drift", 0);
    c.strength = (float)rec_opt_number(L, 1, "strength", (double)c.strength);
    c.seed = (uint64_t)rec_opt_number(L, 1, "seed", (double)c.seed);
    rn_samples *b = rn_synth_seq(&c);
    if (b == NULL) return rec_engine_error(L);
    push_data(L, b);
    return 1;
}

/* Rows of an array of arrays at field name of the table at 1: returns the row
 * count (0 when absent) and the widest row's length. */
static int table_rows(lua_State *L, const char *name, int *width)
{
    *width = 0;
    if (lua_getfield(L, 1, name) == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "rec.models.batch: '%s' must be a table of rows", name);
    int n = (int)lua_rawlen(L, -1);
    for (int i = 1; i <= n; i++) {
        if (lua_rawgeti(L, -1, i) != LUA_TTABLE)
            luaL_error(L, "rec.models.batch: %s[%d] must be a table", name, i);
        int w = (int)lua_rawlen(L, -1);
        if (w > *width) *width = w;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

static double cell(lua_State *L, const char *name, int i, int j)
{
    lua_getfield(L, 1, name);
    lua_rawgeti(L, -1, i);
    lua_rawgeti(L, -1, j);
    int ok;
    double v = lua_tonumberx(L, -1, &ok);
    if (!ok) luaL_error(L, "rec.models.batch: %s[%d][%d] must be a number", name, i, j);
    lua_pop(L, 3);
    return v;
}

/* rec.models.batch{sparse = {{ids}...}, dense = {{x}...}, seq = {{items}...},
 * seq_len = T, labels = {y...}, group = {g...}} */
static int l_batch(lua_State *L)
{
    static const char *const known[] = {"sparse", "dense", "seq", "seq_len",
                                        "labels", "group", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.models.batch", known);
    int F, Dn, T;
    int n = table_rows(L, "sparse", &F);
    int nd = table_rows(L, "dense", &Dn), ns = table_rows(L, "seq", &T);
    if (n < 1) return luaL_error(L, "rec.models.batch: 'sparse' needs at least one row");
    if ((nd && nd != n) || (ns && ns != n))
        return luaL_error(L, "rec.models.batch: sparse has %d rows, dense %d, seq %d", n, nd, ns);
    T = (int)rec_opt_number(L, 1, "seq_len", T);
    if (ns > 0 && T < 1) return luaL_error(L, "rec.models.batch: seq_len must be at least 1");
    lua_getfield(L, 1, "group");
    int with_group = !lua_isnil(L, -1);
    lua_pop(L, 1);
    rn_samples *b = rn_samples_new((size_t)n, F, Dn, ns ? T : 0, 1, with_group);
    if (b == NULL) return rec_engine_error(L);
    push_data(L, b); /* collected on error */
    for (int i = 1; i <= n; i++) {
        lua_getfield(L, 1, "sparse");
        lua_rawgeti(L, -1, i);
        if ((int)lua_rawlen(L, -1) != F)
            luaL_error(L, "rec.models.batch: sparse[%d] has %d ids, row 1 has %d", i,
                       (int)lua_rawlen(L, -1), F);
        lua_pop(L, 2);
        for (int f = 1; f <= F; f++) {
            double v = cell(L, "sparse", i, f);
            if (v != floor(v) || v < 0 || v > 2147483647.0)
                luaL_error(L, "rec.models.batch: sparse[%d][%d] must be an id >= 0", i, f);
            b->sparse[(size_t)(i - 1) * (size_t)F + (size_t)(f - 1)] = (int32_t)v;
        }
        for (int j = 1; nd && j <= Dn; j++)
            b->dense[(size_t)(i - 1) * (size_t)Dn + (size_t)(j - 1)] =
                (float)cell(L, "dense", i, j);
        if (ns) {
            lua_getfield(L, 1, "seq");
            lua_rawgeti(L, -1, i);
            int len = (int)lua_rawlen(L, -1);
            lua_pop(L, 2);
            int start = len > T ? len - T : 0; /* the last T items */
            for (int t = start; t < len; t++) {
                double v = cell(L, "seq", i, t + 1);
                if (v != floor(v) || v < 1 || v > 2147483647.0)
                    luaL_error(L,
                               "rec.models.batch: seq[%d][%d] must be an item id >= 1 (0 is "
                               "padding)",
                               i, t + 1);
                b->seq[(size_t)(i - 1) * (size_t)T + (size_t)(t - start)] = (int32_t)v;
                b->mask[(size_t)(i - 1) * (size_t)T + (size_t)(t - start)] = 1.0f;
            }
        }
        lua_getfield(L, 1, "labels");
        if (!lua_isnil(L, -1)) {
            lua_rawgeti(L, -1, i);
            b->labels[i - 1] = (float)luaL_optnumber(L, -1, 0);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        if (with_group) {
            lua_getfield(L, 1, "group");
            lua_rawgeti(L, -1, i);
            b->group[i - 1] = (int64_t)luaL_optinteger(L, -1, 0);
            lua_pop(L, 2);
        }
    }
    return 1;
}

/* ---- model config from Lua ---------------------------------------------------------- */

static const char *const config_keys[] = {
    "data",        "label",          "fields",     "dense", "seq_len",    "seq_field",
    "embed_dim",   "hidden",         "activation", "bn",    "dropout",    "l2_embed",
    "bn_momentum", "dice_eps",       "init_std",   "seed",  "crosses",    "cross_buckets",
    "att_hidden",  "att_activation", "attention",  "gru",   "aux_weight", NULL};

/* An array of positive integers at field name (at most max) into v; count returned. */
static int int_list(lua_State *L, int i, const char *fn, const char *name, int max, int *v)
{
    lua_getfield(L, i, name);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return -1;
    }
    if (!lua_istable(L, -1)) luaL_error(L, "%s: '%s' must be a list of integers", fn, name);
    int n = (int)lua_rawlen(L, -1);
    if (n > max) luaL_error(L, "%s: '%s' has %d entries (at most %d)", fn, name, n, max);
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, -1, k);
        int ok;
        lua_Integer x = lua_tointegerx(L, -1, &ok);
        if (!ok || x < 1 || x > 100000000)
            luaL_error(L, "%s: %s[%d] must be a positive integer", fn, name, k);
        v[k - 1] = (int)x;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return n;
}

static int name_opt(lua_State *L, int i, const char *fn, const char *key, int (*from)(const char *),
                    const char *choices, int def)
{
    lua_getfield(L, i, key);
    int v = def;
    if (!lua_isnil(L, -1)) {
        const char *s = lua_tostring(L, -1);
        v = s != NULL ? from(s) : -1;
        if (v < 0) luaL_error(L, "%s: %s must be one of %s", fn, key, choices);
    }
    lua_pop(L, 1);
    return v;
}

static void read_config(lua_State *L, int kind, rn_model_config *c)
{
    char fn[40];
    snprintf(fn, sizeof fn, "rec.models.%s", rn_model_kind_name(kind));
    lua_settop(L, 1);
    if (lua_isnoneornil(L, 1)) {
        lua_newtable(L);
        lua_replace(L, 1);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, config_keys);
    *c = rn_model_defaults(kind);
    /* data = d: the schema of a rec.CtrData or a rec.Dataset */
    int sf_default = 1;
    lua_getfield(L, 1, "data");
    if (luaL_testudata(L, -1, REC_DATASET) != NULL) {
        rn_data_map map;
        const size_t *rows;
        size_t start, n;
        lua_getfield(L, 1, "label");
        const char *label = lua_tostring(L, -1); /* kept alive by the config table */
        lua_pop(L, 1);
        dataset_map(L, -1, label, (int)rec_opt_number(L, 1, "seq_len", 0), &map, &rows, &start, &n);
        lua_pop(L, 1);
        lua_createtable(L, 0, 4);
        lua_createtable(L, map.n_fields, 0);
        for (int f = 0; f < map.n_fields; f++) {
            lua_pushinteger(L, map.cardinality[f]);
            lua_rawseti(L, -2, f + 1);
        }
        lua_setfield(L, -2, "fields");
        lua_pushinteger(L, map.n_dense);
        lua_setfield(L, -2, "dense");
        lua_pushinteger(L, map.seq >= 0 ? map.seq_len : 0);
        lua_setfield(L, -2, "seq_len");
        if (map.seq >= 0) sf_default = map.seq_field + 1; /* the history's item column */
    } else if (!lua_isnil(L, -1)) {
        rn_samples *b = check_data(L, -1);
        int sf = (int)rec_opt_number(L, 1, "seq_field", 1);
        push_schema(L, b, sf);
        lua_replace(L, -2);
    }
    int sch = lua_gettop(L); /* the schema table, or nil */
    int have = lua_istable(L, sch);
    int n = int_list(L, 1, fn, "fields", RN_MODEL_MAX_FIELDS, c->cardinality);
    if (n < 0 && have) n = int_list(L, sch, fn, "fields", RN_MODEL_MAX_FIELDS, c->cardinality);
    if (n < 1)
        luaL_error(L, "%s: give fields = {cardinality of each field} (or data = a rec.CtrData)",
                   fn);
    c->n_fields = n;
    int dflt_dense = have ? (int)rec_opt_number(L, sch, "dense", 0) : 0;
    int dflt_T = have ? (int)rec_opt_number(L, sch, "seq_len", 0) : 0;
    int uses_seq = kind == RN_MODEL_MLP || kind == RN_MODEL_DIN || kind == RN_MODEL_DIEN;
    c->n_dense = (int)rec_opt_number(L, 1, "dense", dflt_dense);
    c->seq_len = (int)rec_opt_number(L, 1, "seq_len", uses_seq ? dflt_T : 0);
    int sf = (int)rec_opt_number(L, 1, "seq_field", sf_default);
    c->seq_field = c->seq_len > 0 ? sf - 1 : -1;
    c->embed_dim = (int)rec_opt_number(L, 1, "embed_dim", c->embed_dim);
    int h = int_list(L, 1, fn, "hidden", RN_MODEL_MAX_LAYERS, c->hidden);
    if (h >= 0) c->n_hidden = h;
    static const char *const acts = "relu, prelu, dice, sigmoid";
    c->activation = name_opt(L, 1, fn, "activation", rn_act_from, acts, c->activation);
    c->bn = rec_opt_bool(L, 1, "bn", c->bn);
    c->dropout = (float)rec_opt_number(L, 1, "dropout", (double)c->dropout);
    c->l2_embed = (float)rec_opt_number(L, 1, "l2_embed", (double)c->l2_embed);
    c->bn_momentum = (float)rec_opt_number(L, 1, "bn_momentum", (double)c->bn_momentum);
    c->dice_eps = (float)rec_opt_number(L, 1, "dice_eps", (double)c->dice_eps);
    c->init_std = (float)rec_opt_number(L, 1, "init_std", (double)c->init_std);
    c->seed = (uint64_t)rec_opt_number(L, 1, "seed", (double)c->seed);
    lua_getfield(L, 1, "crosses");
    if (!lua_isnil(L, -1)) {
        if (!lua_istable(L, -1)) luaL_error(L, "%s: crosses must be a list of field pairs", fn);
        int nc = (int)lua_rawlen(L, -1);
        if (nc > RN_MODEL_MAX_CROSSES)
            luaL_error(L, "%s: %d crosses (at most %d)", fn, nc, RN_MODEL_MAX_CROSSES);
        for (int k = 1; k <= nc; k++) {
            lua_rawgeti(L, -1, k);
            for (int j = 0; j < 2; j++) {
                lua_rawgeti(L, -1, j + 1);
                int ok;
                lua_Integer x = lua_tointegerx(L, -1, &ok);
                if (!lua_istable(L, -2) || !ok)
                    luaL_error(L, "%s: crosses[%d] must be a pair of field numbers {i, j}", fn, k);
                c->cross[k - 1][j] = (int)x - 1; /* 1-based in Lua */
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
        }
        c->n_crosses = nc;
    }
    lua_pop(L, 1);
    c->cross_buckets = (int)rec_opt_number(L, 1, "cross_buckets", c->cross_buckets);
    h = int_list(L, 1, fn, "att_hidden", RN_MODEL_MAX_LAYERS, c->att_hidden);
    if (h >= 0) c->n_att_hidden = h;
    c->att_activation = name_opt(L, 1, fn, "att_activation", rn_act_from, acts, c->att_activation);
    c->attention =
        name_opt(L, 1, fn, "attention", rn_att_from, "none, softmax, scaled_softmax", c->attention);
    c->gru = name_opt(L, 1, fn, "gru", rn_gru_from, "augru, agru, aigru, gru", c->gru);
    c->aux_weight = (float)rec_opt_number(L, 1, "aux_weight", (double)c->aux_weight);
    lua_settop(L, 1);
}

/* ---- rec.Model --------------------------------------------------------------------- */

static model_ud *check_model_ud(lua_State *L, int i)
{
    model_ud *u = luaL_testudata(L, i, REC_MODEL);
    if (u == NULL) luaL_typeerror(L, i, "rec.Model");
    if (u->m == NULL) luaL_argerror(L, i, "the model is closed");
    return u;
}

static rn_model *check_model(lua_State *L, int i)
{
    return check_model_ud(L, i)->m;
}

static void push_model(lua_State *L, rn_model *m)
{
    model_ud *u = lua_newuserdatauv(L, sizeof *u, 1);
    u->m = m;
    u->pud.ps = rn_model_params(m);
    u->label[0] = '\0';
    luaL_setmetatable(L, REC_MODEL);
}

static int make_model(lua_State *L, int kind)
{
    rn_model_config c;
    read_config(L, kind, &c);
    lua_getfield(L, 1, "label");
    const char *label = lua_isnil(L, -1) ? "" : luaL_checkstring(L, -1);
    if (strlen(label) >= sizeof(((model_ud *)0)->label))
        return luaL_error(L, "rec.models: label '%s' is too long", label);
    rn_model *m = rn_model_new(&c);
    if (m == NULL) return rec_engine_error(L);
    push_model(L, m);
    snprintf(((model_ud *)lua_touserdata(L, -1))->label, sizeof(((model_ud *)0)->label), "%s",
             label);
    return 1;
}

static int l_lr(lua_State *L)
{
    return make_model(L, RN_MODEL_LR);
}
static int l_fm(lua_State *L)
{
    return make_model(L, RN_MODEL_FM);
}
static int l_mlp(lua_State *L)
{
    return make_model(L, RN_MODEL_MLP);
}
static int l_wide_deep(lua_State *L)
{
    return make_model(L, RN_MODEL_WIDE_DEEP);
}
static int l_deepfm(lua_State *L)
{
    return make_model(L, RN_MODEL_DEEPFM);
}
static int l_din(lua_State *L)
{
    return make_model(L, RN_MODEL_DIN);
}
static int l_dien(lua_State *L)
{
    return make_model(L, RN_MODEL_DIEN);
}

static int l_load(lua_State *L)
{
    rn_model *m = rn_model_load(luaL_checkstring(L, 1));
    if (m == NULL) return rec_engine_error(L);
    push_model(L, m);
    return 1;
}

static int m_gc(lua_State *L)
{
    model_ud *u = luaL_checkudata(L, 1, REC_MODEL);
    rn_model_free(u->m);
    u->m = NULL;
    u->pud.ps = NULL; /* its parameter tensors in Lua now refuse to be used */
    return 0;
}

static int m_tostring(lua_State *L)
{
    model_ud *u = luaL_checkudata(L, 1, REC_MODEL);
    if (u->m == NULL) {
        lua_pushliteral(L, "rec.Model (closed)");
        return 1;
    }
    size_t n = rn_model_describe(u->m, NULL, 0);
    char *buf = lua_newuserdatauv(L, n + 1, 0);
    rn_model_describe(u->m, buf, n + 1);
    lua_pushlstring(L, buf, n > 0 && buf[n - 1] == '\n' ? n - 1 : n);
    return 1;
}

/* m:summary(): prints the Keras-like summary and returns it as a string. */
static int m_summary(lua_State *L)
{
    check_model(L, 1);
    m_tostring(L);
    lua_getglobal(L, "print");
    lua_pushvalue(L, -2);
    lua_call(L, 1, 0);
    return 1;
}

/* m:layers(): {{name=, kind=, output=, params=}, ...} */
static int m_layers(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    int n = rn_model_n_layers(m);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        rn_layer_info l;
        rn_model_layer(m, i, &l);
        lua_createtable(L, 0, 4);
        lua_pushstring(L, l.name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, l.kind);
        lua_setfield(L, -2, "kind");
        lua_pushstring(L, l.output);
        lua_setfield(L, -2, "output");
        lua_pushinteger(L, (lua_Integer)l.n_params);
        lua_setfield(L, -2, "params");
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* m:params(): name -> tensor for every parameter and buffer (running
 * statistics); the tensors are the model's own: writing them changes it. */
static int m_params(lua_State *L)
{
    model_ud *u = check_model_ud(L, 1);
    rn_params *sets[2] = {rn_model_params(u->m), rn_model_buffers(u->m)};
    lua_newtable(L);
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < rn_params_count(sets[s]); i++) {
            rn_tensor *t = rn_params_at(sets[s], i);
            rec_push_tensor(L, t, REC_T_PARAM);
            rec_tensor_ud *tu = lua_touserdata(L, -1);
            tu->owner = &u->pud;
            lua_pushvalue(L, 1); /* the tensor keeps the model alive */
            lua_setiuservalue(L, -2, 1);
            lua_setfield(L, -2, t->name);
        }
    return 1;
}

static int m_config(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    char *json = rn_model_config_json(rn_model_config_of(m));
    if (json == NULL) return rec_engine_error(L);
    lua_pushstring(L, json);
    rn_free(json);
    return 1;
}

static int m_kind(lua_State *L)
{
    lua_pushstring(L, rn_model_kind_name(rn_model_config_of(check_model(L, 1))->kind));
    return 1;
}

static int m_predict(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    rn_samples *b = samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    float *z = lua_newuserdatauv(L, b->n * sizeof *z, 0);
    if (rn_model_predict(m, b, 1024, z) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, (int)b->n, 0);
    for (size_t i = 0; i < b->n; i++) { /* probabilities */
        lua_pushnumber(L, 1.0 / (1.0 + exp(-(double)z[i])));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* Named metrics as a table: {auc = ..., logloss = ...}; a multi-task model's
 * "ctr.auc" as {ctr = {auc = ...}}. */
static void push_eval(lua_State *L, const rn_metrics *e)
{
    lua_createtable(L, 0, e->n);
    for (int i = 0; i < e->n; i++) {
        const char *name = e->m[i].name, *dot = strchr(name, '.');
        if (dot == NULL) {
            lua_pushnumber(L, e->m[i].value);
            lua_setfield(L, -2, name);
            continue;
        }
        lua_pushlstring(L, name, (size_t)(dot - name));
        if (lua_rawget(L, -2) != LUA_TTABLE) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushlstring(L, name, (size_t)(dot - name));
            lua_pushvalue(L, -2);
            lua_rawset(L, -4);
        }
        lua_pushnumber(L, e->m[i].value);
        lua_setfield(L, -2, dot + 1);
        lua_pop(L, 1);
    }
}

static int m_evaluate(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    rn_samples *b = samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    rn_metrics e;
    if (rn_model_evaluate(m, b, 1024, &e) != RN_OK) return rec_engine_error(L);
    push_eval(L, &e);
    return 1;
}

/* A b->n x width matrix as a Lua array of rows. */
static void push_rows(lua_State *L, const float *v, size_t n, int width)
{
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_createtable(L, width, 0);
        for (int j = 0; j < width; j++) {
            lua_pushnumber(L, (lua_Number)v[i * (size_t)width + (size_t)j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
}

static int inspect(lua_State *L, int attention)
{
    rn_model *m = check_model(L, 1);
    rn_samples *b = samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    const char *view = attention ? "attention" : "interactions";
    int shape[3], nd = 0;
    if (rn_model_view(m, view, b, NULL, shape, &nd) != RN_OK) return rec_engine_error(L);
    int width = shape[1];
    float *v = lua_newuserdatauv(L, b->n * (size_t)width * sizeof *v, 0);
    if (rn_model_view(m, view, b, v, shape, &nd) != RN_OK) return rec_engine_error(L);
    push_rows(L, v, b->n, width);
    return 1;
}

static int m_interactions(lua_State *L)
{
    return inspect(L, 0);
}

static int m_attention(lua_State *L)
{
    return inspect(L, 1);
}

static int m_save(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    if (rn_model_save(m, luaL_checkstring(L, 2)) != RN_OK) return rec_engine_error(L);
    lua_settop(L, 1);
    return 1;
}

/* ---- fit ---------------------------------------------------------------------------- */

typedef struct {
    lua_State *L;
    int opts;                    /* index of the options table */
    int on_step, on_epoch, plot; /* stack indices of the callbacks, or 0 */
    int progress;                /* print a progress bar */
    int tty;                     /* stdout is a terminal: redraw in place */
    int history;                 /* index of the history table */
    int failed;                  /* a callback raised: its message is at the top of the stack */
    double t0, last_draw;
} fit_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "epoch 1/3 [=========>          ] 12800/20000  41.2k samples/s  loss 0.4521  ETA 0:02" */
static void bar(char *buf, size_t size, const rn_fit_progress *p, double elapsed)
{
    char cells[31];
    int w = 30, filled = p->total ? (int)((double)w * (double)p->seen / (double)p->total) : w;
    for (int i = 0; i < w; i++)
        cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    cells[w] = '\0';
    double rate = elapsed > 0 ? (double)p->seen / elapsed : 0;
    double eta = rate > 0 ? (double)(p->total - p->seen) / rate : 0;
    snprintf(buf, size, "epoch %d/%d [%s] %zu/%zu  %.1fk samples/s  loss %.4f  %s %d:%02d",
             p->epoch, p->epochs, cells, p->seen, p->total, rate / 1000.0, p->epoch_loss,
             p->seen == p->total ? "took" : "ETA", (int)(p->seen == p->total ? elapsed : eta) / 60,
             (int)(p->seen == p->total ? elapsed : eta) % 60);
}

/* Calls the function at index fn with the progress table (and extra) under
 * pcall; returns 0 to stop (false returned or an error, kept on the stack). */
static int call_back(fit_state *s, int fn, const rn_fit_progress *p, const rn_metrics *valid, int plot)
{
    lua_State *L = s->L;
    lua_pushvalue(L, fn);
    int nargs = 1;
    if (plot) {
        /* plot(step, loss) each step; plot(step, epoch_loss, valid) after an epoch */
        lua_pushinteger(L, p->step);
        lua_pushnumber(L, valid != NULL ? (lua_Number)p->epoch_loss : (lua_Number)p->loss);
        nargs = 2;
        if (valid != NULL) {
            push_eval(L, valid);
            nargs = 3;
        }
    } else {
        lua_createtable(L, 0, 8);
        lua_pushinteger(L, p->epoch);
        lua_setfield(L, -2, "epoch");
        lua_pushinteger(L, p->step);
        lua_setfield(L, -2, "step");
        lua_pushinteger(L, (lua_Integer)p->batch);
        lua_setfield(L, -2, "batch");
        lua_pushinteger(L, (lua_Integer)p->n_batches);
        lua_setfield(L, -2, "batches");
        lua_pushnumber(L, (lua_Number)p->loss);
        lua_setfield(L, -2, "loss");
        lua_pushnumber(L, p->epoch_loss);
        lua_setfield(L, -2, "epoch_loss");
        if (valid != NULL) {
            push_eval(L, valid);
            lua_setfield(L, -2, "valid");
        }
    }
    if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
        s->failed = 1; /* the message stays on the stack */
        return 0;
    }
    int go = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    lua_pop(L, 1);
    return go;
}

static int fit_step(void *ud, const rn_fit_progress *p)
{
    fit_state *s = ud;
    if (s->failed) return 0;
    if (s->progress && s->tty) {
        double t = now();
        if (t - s->last_draw > 0.1 || p->seen == p->total) {
            char line[200];
            bar(line, sizeof line, p, t - s->t0);
            fprintf(stdout, "\r%s", line);
            fflush(stdout);
            s->last_draw = t;
        }
    }
    if (s->plot && !call_back(s, s->plot, p, NULL, 1)) return 0;
    if (s->on_step && !call_back(s, s->on_step, p, NULL, 0)) return 0;
    return 1;
}

static int fit_epoch(void *ud, const rn_fit_progress *p, const rn_metrics *valid)
{
    fit_state *s = ud;
    lua_State *L = s->L;
    if (s->failed) return 0; /* keep the callback's error on top of the stack */
    if (s->progress) {
        char line[320];
        bar(line, sizeof line, p, now() - s->t0);
        size_t len = strlen(line);
        if (valid != NULL)
            for (int i = 0; i < valid->n && len < sizeof line - 40; i++) {
                snprintf(line + len, sizeof line - len, "%s%s %.4f", i ? " " : "  valid ",
                         valid->m[i].name, valid->m[i].value);
                len = strlen(line);
            }
        if (s->tty) fputs("\r\033[K", stdout), fflush(stdout);
        lua_getglobal(L, "print"); /* through print, so notebooks capture it */
        lua_pushstring(L, line);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    /* history: loss per epoch, and valid metrics */
    lua_getfield(L, s->history, "loss");
    lua_pushnumber(L, p->epoch_loss);
    lua_rawseti(L, -2, p->epoch);
    lua_pop(L, 1);
    if (valid != NULL) {
        lua_getfield(L, s->history, "valid");
        push_eval(L, valid);
        lua_rawseti(L, -2, p->epoch);
        lua_pop(L, 1);
    }
    s->t0 = now();
    if (s->plot && valid != NULL && !call_back(s, s->plot, p, valid, 1)) return 0;
    if (s->on_epoch && !call_back(s, s->on_epoch, p, valid, 0)) return 0;
    return 1;
}

/* An optimizer from a spec: "adam" or {kind = "adam", lr = ..., ...}, on the
 * parameters under prefix. The optimizer is freed by the caller. */
static rn_optim *optim_from(lua_State *L, int i, rn_params *ps, const char *prefix, float lr)
{
    static const char *const kinds[] = {"sgd", "adagrad", "adam", "adamw", "ftrl", NULL};
    static const char *const known[] = {
        "kind",         "lr",    "alpha", "beta", "l1",        "l2", "momentum",
        "weight_decay", "beta1", "beta2", "eps",  "clip_norm", NULL};
    int kind = 0;
    i = lua_absindex(L, i);
    if (lua_type(L, i) == LUA_TSTRING) {
        kind = luaL_checkoption(L, i, NULL, kinds);
    } else if (lua_istable(L, i)) {
        rec_check_options(L, i, "optimizer", known);
        lua_getfield(L, i, "kind");
        kind = luaL_checkoption(L, -1, "adam", kinds);
        lua_pop(L, 1);
    } else if (luaL_testudata(L, i, REC_OPTIM) != NULL) {
        /* a rec.Optimizer already holds its own parameters and state */
        luaL_error(L, "fit: give the optimizer as a spec, {kind = 'adam', lr = 0.001}: fit makes "
                      "it for the model's parameters (a rec.Optimizer made by rec.optim holds "
                      "parameters of its own)");
    } else {
        luaL_error(L, "fit: an optimizer is a name ('adam', 'adagrad', 'sgd', 'adamw', 'ftrl') "
                      "or a table {kind = 'adam', lr = 0.001, ...}");
        return NULL;
    }
    static const int kinds_enum[] = {RN_SGD, RN_ADAGRAD, RN_ADAM, RN_ADAMW, RN_FTRL};
    rn_optim_config c = rn_optim_defaults(kinds_enum[kind]);
    if (lr > 0) c.lr = lr;
    if (lua_istable(L, i)) {
        c.lr = (float)rec_opt_number(L, i, c.kind == RN_FTRL ? "alpha" : "lr", (double)c.lr);
        c.beta = (float)rec_opt_number(L, i, "beta", (double)c.beta);
        c.l1 = (float)rec_opt_number(L, i, "l1", (double)c.l1);
        c.l2 = (float)rec_opt_number(L, i, "l2", (double)c.l2);
        c.momentum = (float)rec_opt_number(L, i, "momentum", (double)c.momentum);
        c.weight_decay = (float)rec_opt_number(L, i, "weight_decay", (double)c.weight_decay);
        c.beta1 = (float)rec_opt_number(L, i, "beta1", (double)c.beta1);
        c.beta2 = (float)rec_opt_number(L, i, "beta2", (double)c.beta2);
        c.eps = (float)rec_opt_number(L, i, "eps", (double)c.eps);
        c.clip_norm = (float)rec_opt_number(L, i, "clip_norm", (double)c.clip_norm);
    }
    rn_optim *o = rn_optim_new(&c);
    if (o == NULL) return NULL;
    if (rn_optim_add(o, ps, prefix) != RN_OK) {
        rn_optim_free(o);
        return NULL;
    }
    return o;
}

typedef struct {
    rn_optim *o[8];
    int n;
} optim_set;

static void optims_free(optim_set *s)
{
    for (int i = 0; i < s->n; i++)
        rn_optim_free(s->o[i]);
    s->n = 0;
}

static int optims_gc(lua_State *L)
{
    optims_free(lua_touserdata(L, 1));
    return 0;
}

static const char *const fit_keys[] = {
    "epochs", "batch",   "optimizer", "optimizers", "lr",   "valid",    "early_stop",
    "seed",   "shuffle", "on_step",   "on_epoch",   "plot", "progress", NULL};

/* m:fit(data, {epochs=, batch=, optimizer=, optimizers=, lr=, valid=, early_stop=,
 * seed=, shuffle=, on_step=, on_epoch=, plot=, progress=}) -> history */
static int m_fit(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    const char *label = check_model_ud(L, 1)->label;
    rn_samples *data = samples_arg(L, 2, label, rn_model_config_of(m)->seq_len);
    lua_settop(L, 3);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    rec_check_options(L, 3, "fit", fit_keys);
    rn_fit_config fc = rn_fit_defaults();
    double epochs = rec_opt_number(L, 3, "epochs", 1), batch = rec_opt_number(L, 3, "batch", 256);
    if (epochs < 1 || epochs > 1e6 || epochs != floor(epochs))
        return luaL_error(L, "fit: epochs must be a whole number >= 1");
    if (batch < 1 || batch > 16777216 || batch != floor(batch))
        return luaL_error(L, "fit: batch must be a whole number in 1..16777216");
    fc.epochs = (int)epochs;
    fc.batch_size = (size_t)batch;
    fc.seed = (uint64_t)rec_opt_number(L, 3, "seed", 1);
    fc.shuffle = rec_opt_bool(L, 3, "shuffle", 1);
    fc.patience = (int)rec_opt_number(L, 3, "early_stop", 0);
    float lr = (float)rec_opt_number(L, 3, "lr", 0);

    lua_getfield(L, 3, "valid"); /* 4 */
    if (!lua_isnil(L, 4)) fc.valid = samples_arg(L, 4, label, rn_model_config_of(m)->seq_len);

    /* optimizers: owned by a userdata so that an error frees them */
    optim_set *os = lua_newuserdatauv(L, sizeof *os, 0); /* 5 */
    os->n = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, optims_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, 5);
    rn_params *ps = rn_model_params(m);
    lua_getfield(L, 3, "optimizers"); /* 6: {prefix = spec, ...} */
    lua_getfield(L, 3, "optimizer");  /* 7 */
    if (lua_istable(L, 6)) {
        lua_pushnil(L);
        while (lua_next(L, 6)) {
            if (lua_type(L, -2) != LUA_TSTRING || os->n == 8)
                return luaL_error(L, "fit: optimizers = {prefix = optimizer, ...} (at most 8)");
            char prefix[64];
            const char *k = lua_tostring(L, -2);
            snprintf(prefix, sizeof prefix, "%s%s", k, k[0] && k[strlen(k) - 1] != '.' ? "." : "");
            rn_optim *o = optim_from(L, -1, ps, prefix, lr);
            if (o == NULL) return rec_engine_error(L);
            os->o[os->n++] = o;
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, 7)) {
        rn_optim *o = optim_from(L, 7, ps, "", lr);
        if (o == NULL) return rec_engine_error(L);
        os->o[os->n++] = o;
    } else {
        if (rn_model_default_optims(m, lr > 0 ? lr : 0.005f, 0.02f, os->o, &os->n) != RN_OK)
            return rec_engine_error(L);
    }

    fit_state s;
    memset(&s, 0, sizeof s);
    s.L = L;
    s.opts = 3;
    lua_getfield(L, 3, "on_step");  /* 8 */
    lua_getfield(L, 3, "on_epoch"); /* 9 */
    lua_getfield(L, 3, "plot");     /* 10 */
    if (!lua_isnil(L, 8)) luaL_checktype(L, 8, LUA_TFUNCTION), s.on_step = 8;
    if (!lua_isnil(L, 9)) luaL_checktype(L, 9, LUA_TFUNCTION), s.on_epoch = 9;
    if (lua_isboolean(L, 10) && lua_toboolean(L, 10)) {
        /* plot = true: the hook rec.models.plot_hook, when one is installed */
        lua_getfield(L, LUA_REGISTRYINDEX, "rec.models");
        if (lua_istable(L, -1))
            lua_getfield(L, -1, "plot_hook");
        else
            lua_pushnil(L);
        lua_replace(L, 10);
        lua_pop(L, 1);
    }
    if (lua_isfunction(L, 10))
        s.plot = 10;
    else if (!lua_isnil(L, 10) && !lua_isboolean(L, 10))
        return luaL_error(L, "fit: plot must be true, false or a function(step, loss)");
    s.progress = rec_opt_bool(L, 3, "progress", 1);
    s.tty = isatty(fileno(stdout));
    lua_createtable(L, 0, 4); /* 11: history */
    lua_newtable(L);
    lua_setfield(L, -2, "loss");
    lua_newtable(L);
    lua_setfield(L, -2, "valid");
    s.history = 11;
    s.t0 = s.last_draw = now();
    fc.on_step = fit_step;
    fc.on_epoch = fit_epoch;
    fc.ud = &s;
    rn_fit_result res;
    int rc = rn_model_fit(m, data, os->o, os->n, &fc, &res);
    if (s.progress && s.tty && rc != RN_OK) fputs("\n", stdout);
    optims_free(os);                   /* now, not at the next collection */
    if (s.failed) return lua_error(L); /* the callback's error, at the top */
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 11);
    lua_pushinteger(L, res.steps);
    lua_setfield(L, -2, "steps");
    lua_pushinteger(L, res.epochs_run);
    lua_setfield(L, -2, "epochs");
    static const char *const stops[] = {"done", "callback", "early_stop"};
    lua_pushstring(L, stops[res.stopped]);
    lua_setfield(L, -2, "stopped");
    return 1;
}

/* ---- registration ---------------------------------------------------------------------- */

static const luaL_Reg model_methods[] = {{"fit", m_fit},
                                         {"predict", m_predict},
                                         {"evaluate", m_evaluate},
                                         {"summary", m_summary},
                                         {"layers", m_layers},
                                         {"params", m_params},
                                         {"save", m_save},
                                         {"interactions", m_interactions},
                                         {"attention", m_attention},
                                         {"config", m_config},
                                         {"kind", m_kind},
                                         {"close", m_gc},
                                         {NULL, NULL}};

static const luaL_Reg data_methods[] = {{"slice", d_slice},   {"split", d_split},
                                        {"schema", d_schema}, {"labels", d_labels},
                                        {"close", d_gc},      {NULL, NULL}};

static const rec_doc_entry model_docs[] = {
    {"fit",
     "m:fit(data, opts) trains on a rec.CtrData: epochs, batch (256), optimizer ('adam', or "
     "{kind = 'adagrad', lr = 0.05}; default Adam lr 0.005, and for wide_deep FTRL on wide.* + "
     "AdaGrad on deep.*), optimizers = {wide = {kind = 'ftrl', l1 = 1}, deep = 'adagrad'} (one "
     "per name prefix), lr, valid (a rec.CtrData evaluated each epoch), early_stop (epochs "
     "without a better valid AUC), seed, shuffle, on_step(progress) and on_epoch(progress) "
     "(return false to stop), plot (a function(step, loss [, valid]), or true for "
     "rec.models.plot_hook: a live figure of the loss and the validation AUC), "
     "progress (the bar; default true). Prints a progress bar per epoch (samples/s, loss, ETA). "
     "Ctrl-C stops between two steps with an error, the model keeping the last whole step; a "
     "NaN loss stops naming the step. Returns the history {loss = {per epoch}, valid = {...}, "
     "steps, epochs, stopped}.",
     "local d = rec.models.synthetic_ctr{rows = 4000}\nlocal train, test = d:split(0.8)\n"
     "local m = rec.models.fm{data = d, embed_dim = 4}\n"
     "m:fit(train, {epochs = 2, lr = 0.05, valid = test})"},
    {"predict", "m:predict(data) returns the click probability of each row, as a Lua array.",
     "local d = rec.models.synthetic_ctr{rows = 100}\nprint(rec.models.lr{data = "
     "d}:predict(d)[1])"},
    {"evaluate",
     "m:evaluate(data) returns {auc, logloss} and gauc (impression-weighted group AUC) when the "
     "data has a group column.",
     "local d = rec.models.synthetic_ctr{rows = 500}\nprint(rec.models.lr{data = "
     "d}:evaluate(d).auc)"},
    {"summary",
     "m:summary() prints and returns a Keras-like table: each layer, its kind, output shape and "
     "parameter count, and the totals.",
     "rec.models.deepfm{fields = {10, 20, 5}}:summary()"},
    {"layers", "m:layers() lists the layers as tables {name, kind, output, params}.",
     "for _, l in ipairs(rec.models.din{fields = {50, 5}, seq_len = 8}:layers()) do print(l.name) "
     "end"},
    {"params",
     "m:params() maps each parameter's name ('deep.0.weight') and buffer's (running statistics, "
     "'deep.0.dice_mean') to its tensor. The tensors are the model's own: t:set and t:fill change "
     "the model.",
     "local m = rec.models.fm{fields = {2, 2}, embed_dim = 2}\n"
     "m:params()['embed.weight']:set{{1, -1}, {-1, 1}, {-2, 2}, {0.5, -0.5}}"},
    {"save",
     "m:save(path) writes the model as safetensors (numpy and PyTorch read it), with its config "
     "in the metadata; the file is replaced atomically. Returns m.",
     "rec.models.lr{fields = {3}}:save(os.tmpname())"},
    {"interactions",
     "fm:interactions(data) (fm, deepfm) gives, per row, every pairwise contribution "
     "<v_i, v_j> x_i x_j, pairs (1,2), (1,3), ..., (2,3), ...; a row sums to the FM term.",
     "local m = rec.models.fm{fields = {2, 2}, embed_dim = 2}\n"
     "m:params()['embed.weight']:set{{1, -1}, {-1, 1}, {-2, 2}, {0.5, -0.5}}\n"
     "print(m:interactions(rec.models.batch{sparse = {{1, 0}}})[1][1])  --> 4"},
    {"attention",
     "din:attention(data) / dien:attention(data) gives, per row, the weight of each history "
     "item (0 at padding). With attention = 'none' (DIN's default) they need not sum to 1.",
     "local d = rec.models.synthetic_seq{rows = 200}\n"
     "print(rec.models.din{data = d}:attention(d:slice(1, 2))[1][1])"},
    {"config", "m:config() is the model's config as a JSON string (as saved).",
     "print(rec.models.lr{fields = {3}}:config())"},
    {"kind", "m:kind() is 'lr', 'fm', 'mlp', 'wide_deep', 'deepfm', 'din' or 'dien'.",
     "print(rec.models.lr{fields = {3}}:kind())"},
    {"close", "m:close() frees the model now; its parameter tensors become unusable.",
     "local m <close> = rec.models.lr{fields = {3}}"},
    {NULL, NULL, NULL}};

static const rec_doc_entry data_docs[] = {
    {"slice", "d:slice(i, j) copies rows i..j (1-based, inclusive) into a new rec.CtrData.",
     "print(#rec.models.synthetic_ctr{rows = 100}:slice(1, 10))"},
    {"split", "d:split(frac, {seed=}) shuffles and splits into two new data sets.",
     "local a, b = rec.models.synthetic_ctr{rows = 100}:split(0.8); print(#a, #b)"},
    {"schema",
     "d:schema() is {fields = {cardinality of each field}, dense, seq_len, seq_field}, what a "
     "model's data = option reads.",
     "print(rec.models.synthetic_seq{rows = 100}:schema().seq_len)"},
    {"labels", "d:labels() returns the labels as a Lua array.",
     "print(#rec.models.synthetic_ctr{rows = 10}:labels())"},
    {"close", "d:close() frees the rows now.", "rec.models.synthetic_ctr{rows = 10}:close()"},
    {NULL, NULL, NULL}};

static const char *const common_config =
    " Config: fields = {cardinality of each categorical field} (or data = a rec.CtrData, or a "
    "rec.Dataset of rec.data with label = its label column: cat columns become fields, dense "
    "columns dense features, a history seq column the behaviour sequence), "
    "dense (dense features), embed_dim (8), hidden ({64, 32}), activation ('relu' | 'prelu' | "
    "'dice' | 'sigmoid'), bn, dropout, l2_embed, init_std, seed.";

static const luaL_Reg fns[] = {{"lr", l_lr},
                               {"fm", l_fm},
                               {"mlp", l_mlp},
                               {"wide_deep", l_wide_deep},
                               {"deepfm", l_deepfm},
                               {"din", l_din},
                               {"dien", l_dien},
                               {"load", l_load},
                               {"synthetic_ctr", l_synthetic_ctr},
                               {"synthetic_seq", l_synthetic_seq},
                               {"batch", l_batch},
                               {NULL, NULL}};

void rec_open_models(lua_State *L)
{
    luaL_newmetatable(L, REC_MODEL);
    luaL_newlib(L, model_methods);
    rec_doc_fields(L, -1, "rec.Model", 1, model_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {
        {"__gc", m_gc}, {"__close", m_gc}, {"__tostring", m_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);

    luaL_newmetatable(L, REC_DATA);
    luaL_newlib(L, data_methods);
    rec_doc_fields(L, -1, "rec.CtrData", 1, data_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg dmeta[] = {{"__gc", d_gc},
                                     {"__close", d_gc},
                                     {"__len", d_len},
                                     {"__tostring", d_tostring},
                                     {NULL, NULL}};
    luaL_setfuncs(L, dmeta, 0);
    lua_pop(L, 1);

    luaL_newlib(L, fns);
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "rec.models"); /* for plot = true */
    rec_doc_set(L, -1, "rec.models",
                "rec.models: the CTR model zoo of the interview notes (lr, fm, mlp, wide_deep, "
                "deepfm, din, dien), trainable in one line, inspectable (fm:interactions, "
                "din:attention), saved as safetensors; synthetic data with a known truth "
                "(synthetic_ctr, synthetic_seq) and hand-made batches (batch).",
                "local d = rec.models.synthetic_ctr{rows = 4000}\n"
                "local m = rec.models.deepfm{data = d, embed_dim = 4, hidden = {32, 16}}\n"
                "m:fit(d, {epochs = 2, lr = 0.01}); print(m:evaluate(d).auc)");
    char doc[1024];
    static const struct {
        const char *name, *what, *example;
    } ctors[] = {
        {"lr", "logistic regression: bias + a weight per categorical value + dense weights.",
         "rec.models.lr{fields = {10, 20}}:summary()"},
        {"fm",
         "a factorization machine (Rendle 2010) in the O(kn) form 1/2 sum_f [(sum_i v_if x_i)^2 "
         "- sum_i v_if^2 x_i^2]; fm:interactions shows each <v_i, v_j> x_i x_j.",
         "rec.models.fm{fields = {10, 20}, embed_dim = 4}:summary()"},
        {"mlp",
         "Embedding+MLP: embeddings, stacked with dense features (and the sum-pooled behaviour "
         "sequence when seq_len > 0: the DIN paper's base model), into an MLP.",
         "rec.models.mlp{fields = {10, 20}, hidden = {32, 16}}:summary()"},
        {"wide_deep",
         "Wide & Deep (Cheng et al. 2016): a wide linear part over raw and crossed features "
         "(crosses = {{1, 2}}, cross_buckets) trained with FTRL (L1), a deep Embedding+MLP "
         "trained with AdaGrad, on the sum of the logits.",
         "rec.models.wide_deep{fields = {10, 20, 5}, crosses = {{1, 2}}}:summary()"},
        {"deepfm",
         "DeepFM (Guo et al. 2017): an FM and an MLP sharing one embedding table, "
         "sigmoid(y_FM + y_DNN).",
         "rec.models.deepfm{fields = {10, 20, 5}, embed_dim = 4}:summary()"},
        {"din",
         "DIN (Zhou et al. 2018): an activation unit on [q, k, q-k, q*k] (att_hidden, "
         "att_activation 'dice') weighs each history item of the behaviour sequence (seq_len, "
         "seq_field: the candidate's field, default 1); attention = 'none' (the paper: no "
         "softmax) | 'softmax' | 'scaled_softmax'; padding weighs exactly 0.",
         "rec.models.din{fields = {50, 5}, seq_len = 8, attention = 'softmax'}:summary()"},
        {"dien",
         "DIEN (Zhou et al. 2019): a GRU interest extractor with the auxiliary next-item loss "
         "(aux_weight, 1), attention to the candidate, and an interest-evolution layer gru = "
         "'augru' | 'agru' | 'aigru' | 'gru'.",
         "rec.models.dien{fields = {50, 5}, seq_len = 8, gru = 'agru'}:summary()"},
    };
    for (size_t i = 0; i < sizeof ctors / sizeof ctors[0]; i++) {
        snprintf(doc, sizeof doc, "rec.models.%s{config} builds %s%s", ctors[i].name, ctors[i].what,
                 common_config);
        lua_getfield(L, -1, ctors[i].name);
        char full[48];
        snprintf(full, sizeof full, "rec.models.%s", ctors[i].name);
        rec_doc_set(L, -1, full, doc, ctors[i].example);
        lua_pop(L, 1);
    }
    static const rec_doc_entry more[] = {
        {"load",
         "rec.models.load(path) reads a model saved by m:save: its config from the metadata, "
         "every tensor checked against it. A truncated or corrupt file is an error.",
         "local p = os.tmpname(); rec.models.lr{fields = {3}}:save(p)\n"
         "print(rec.models.load(p):kind())"},
        {"synthetic_ctr",
         "rec.models.synthetic_ctr{rows, fields, cardinality, dense, rank, interaction, linear, "
         "bias, noise, seed}: CTR rows whose label comes from hidden pairwise field interactions "
         "(FM beats LR on it); the group column is field 1 (a user).",
         "print(rec.models.synthetic_ctr{rows = 1000, seed = 7})"},
        {"synthetic_seq",
         "rec.models.synthetic_seq{rows, items, cats, users, seq_len, min_len, drift, strength, "
         "seed}: behaviour sequences where a click depends on the history items of the "
         "candidate's category (attention matters); drift = true makes only the recent half "
         "count (for DIEN). Fields: candidate item, its category, user.",
         "print(rec.models.synthetic_seq{rows = 1000}:schema().seq_len)"},
        {"batch",
         "rec.models.batch{sparse = {{ids of row 1}, ...}, dense = {{...}}, seq = {{items}}, "
         "seq_len, labels, group} makes a rec.CtrData by hand (ids from 0; item 0 is padding).",
         "print(#rec.models.batch{sparse = {{1, 0}, {0, 1}}, labels = {1, 0}})"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.models", 0, more);
    lua_setfield(L, -2, "models");
}
