/* rec.data's synthetic generators, the one home of every generator: for
 * multi-task models and the notes' FM example (engine/data/synth_tasks.h,
 * giving a rec.Dataset), and for the CTR zoo, rec.data.synthetic_ctr and
 * rec.data.synthetic_seq (engine/models/synth.h, giving a rec.CtrData). */
#include "host.h"
#include "rec.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_models.h"

#include "data/synth_tasks.h"
#include "models/synth.h"

#include <math.h>
#include <stdio.h>

#include <lauxlib.h>

/* rec.data.synthetic_funnel{rows, users, items, dim, scale, ctr_bias, cvr_bias, shared, seed} */
static int l_funnel(lua_State *L)
{
    static const char *const fn = "rec.data.synthetic_funnel";
    static const char *const known[] = {"rows",     "users",    "items",  "dim",  "scale",
                                        "ctr_bias", "cvr_bias", "shared", "seed", NULL};
    lua_settop(L, 1);
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, known);
    rn_synth_funnel_config c = rn_synth_funnel_defaults();
    c.rows = (size_t)rec_opt_integer(L, 1, "rows", (lua_Integer)c.rows, 1, 100000000);
    c.users = (int)rec_opt_integer(L, 1, "users", (lua_Integer)c.users, 1, 10000000);
    c.items = (int)rec_opt_integer(L, 1, "items", (lua_Integer)c.items, 1, 10000000);
    c.dim = (int)rec_opt_integer(L, 1, "dim", (lua_Integer)c.dim, 1, 1024);
    c.scale = (float)rec_opt_number(L, 1, "scale", (double)c.scale);
    c.ctr_bias = (float)rec_opt_number(L, 1, "ctr_bias", (double)c.ctr_bias);
    c.cvr_bias = (float)rec_opt_number(L, 1, "cvr_bias", (double)c.cvr_bias);
    c.shared = (float)rec_opt_number(L, 1, "shared", (double)c.shared);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", (lua_Integer)c.seed, 0, 9007199254740991);
    /* The truth goes to userdata buffers (collected on an error), then to tables. */
    float *ctr = lua_newuserdatauv(L, c.rows * sizeof *ctr, 0);
    float *cvr = lua_newuserdatauv(L, c.rows * sizeof *cvr, 0);
    rn_dataset *ds = rn_synth_funnel(&c, ctr, cvr);
    if (ds == NULL) return rec_engine_error(L);
    rec_push_dataset(L, ds);
    lua_createtable(L, 0, 2);
    lua_createtable(L, (int)c.rows, 0);
    for (size_t r = 0; r < c.rows; r++) {
        lua_pushnumber(L, (lua_Number)ctr[r]);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_setfield(L, -2, "ctr");
    lua_createtable(L, (int)c.rows, 0);
    for (size_t r = 0; r < c.rows; r++) {
        lua_pushnumber(L, (lua_Number)cvr[r]);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_setfield(L, -2, "cvr");
    return 2;
}

/* rec.data.synthetic_multitask{rows, dim, correlation, sines, scale, binary, seed} */
static int l_multitask(lua_State *L)
{
    static const char *const fn = "rec.data.synthetic_multitask";
    static const char *const known[] = {"rows",  "dim",    "correlation", "sines",
                                        "scale", "binary", "seed",        NULL};
    lua_settop(L, 1);
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, known);
    rn_synth_multitask_config c = rn_synth_multitask_defaults();
    c.rows = (size_t)rec_opt_integer(L, 1, "rows", (lua_Integer)c.rows, 1, 100000000);
    c.dim = (int)rec_opt_integer(L, 1, "dim", (lua_Integer)c.dim, 2, 4096);
    c.correlation = (float)rec_opt_number(L, 1, "correlation", (double)c.correlation);
    c.sines = (int)rec_opt_integer(L, 1, "sines", (lua_Integer)c.sines, 0, 1000);
    c.scale = (float)rec_opt_number(L, 1, "scale", (double)c.scale);
    c.binary = rec_opt_bool(L, 1, "binary", c.binary);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", (lua_Integer)c.seed, 0, 9007199254740991);
    rn_dataset *ds = rn_synth_multitask(&c);
    if (ds == NULL) return rec_engine_error(L);
    rec_push_dataset(L, ds);
    return 1;
}

/* rec.data.gender_category{rows = 2000, seed = 1} */
static int l_gender_category(lua_State *L)
{
    static const char *const fn = "rec.data.gender_category";
    static const char *const known[] = {"rows", "seed", NULL};
    lua_settop(L, 1);
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, known);
    size_t rows = (size_t)rec_opt_integer(L, 1, "rows", (lua_Integer)2000, 1, 100000000);
    uint64_t seed = (uint64_t)rec_opt_integer(L, 1, "seed", (lua_Integer)1, 0, 9007199254740991);
    rn_dataset *ds = rn_synth_gender_category(rows, seed);
    if (ds == NULL) return rec_engine_error(L);
    rec_push_dataset(L, ds);
    return 1;
}

static const char *const synth_ctr_opts[] = {"rows",  "fields",      "cardinality", "dense",
                                             "rank",  "interaction", "linear",      "bias",
                                             "noise", "seed",        NULL};

/* rec.data.synthetic_ctr{...} -> rec.CtrData */
static int l_synthetic_ctr(lua_State *L)
{
    rec_check_options(L, 1, "rec.data.synthetic_ctr", synth_ctr_opts);
    rn_synth_ctr_config c = rn_synth_ctr_defaults();
    c.rows = (size_t)rec_opt_integer(L, 1, "rows", (lua_Integer)c.rows, 1, 100000000);
    c.n_fields =
        (int)rec_opt_integer(L, 1, "fields", (lua_Integer)c.n_fields, 1, RN_MODEL_MAX_FIELDS);
    c.cardinality =
        (int)rec_opt_integer(L, 1, "cardinality", (lua_Integer)c.cardinality, 1, 100000000);
    c.n_dense = (int)rec_opt_integer(L, 1, "dense", (lua_Integer)c.n_dense, 0, 4096);
    c.rank = (int)rec_opt_integer(L, 1, "rank", (lua_Integer)c.rank, 1, 1024);
    c.interaction = (float)rec_opt_number(L, 1, "interaction", (double)c.interaction);
    c.linear = (float)rec_opt_number(L, 1, "linear", (double)c.linear);
    c.bias = (float)rec_opt_number(L, 1, "bias", (double)c.bias);
    c.noise = (float)rec_opt_number(L, 1, "noise", (double)c.noise);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", (lua_Integer)c.seed, 0, 9007199254740991);
    rn_samples *b = rn_synth_ctr(&c);
    if (b == NULL) return rec_engine_error(L);
    rec_ctrdata_push(L, b);
    return 1;
}

static const char *const synth_seq_opts[] = {"rows",    "items", "cats",     "users", "seq_len",
                                             "min_len", "drift", "strength", "seed",  "nearest",
                                             "cat_history", NULL};

/* rec.data.synthetic_seq{...} -> rec.CtrData */
static int l_synthetic_seq(lua_State *L)
{
    rec_check_options(L, 1, "rec.data.synthetic_seq", synth_seq_opts);
    rn_synth_seq_config c = rn_synth_seq_defaults();
    c.rows = (size_t)rec_opt_integer(L, 1, "rows", (lua_Integer)c.rows, 1, 100000000);
    c.n_items = (int)rec_opt_integer(L, 1, "items", (lua_Integer)c.n_items, 1, 100000000);
    c.n_cats = (int)rec_opt_integer(L, 1, "cats", (lua_Integer)c.n_cats, 1, 100000000);
    c.n_users = (int)rec_opt_integer(L, 1, "users", (lua_Integer)c.n_users, 1, 100000000);
    c.seq_len = (int)rec_opt_integer(L, 1, "seq_len", (lua_Integer)c.seq_len, 1, 100000);
    c.min_len = (int)rec_opt_integer(L, 1, "min_len", (lua_Integer)c.min_len, 0, 100000);
    c.drift = rec_opt_bool(L, 1, "drift", 0);
    c.strength = (float)rec_opt_number(L, 1, "strength", (double)c.strength);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", (lua_Integer)c.seed, 0, 9007199254740991);
    c.nearest = (int)rec_opt_integer(L, 1, "nearest", 0, 0, 256);
    c.cat_history = rec_opt_bool(L, 1, "cat_history", 0);
    rn_samples *b = rn_synth_seq(&c);
    if (b == NULL) return rec_engine_error(L);
    rec_ctrdata_push(L, b);
    return 1;
}

void rec_open_data_synth(lua_State *L)
{
    /* rec is at the top, with rec.data and rec.models already open. */
    if (lua_getfield(L, -1, "data") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    int data = lua_gettop(L);
    lua_pushcfunction(L, l_funnel);
    lua_setfield(L, data, "synthetic_funnel");
    lua_pushcfunction(L, l_multitask);
    lua_setfield(L, data, "synthetic_multitask");
    lua_pushcfunction(L, l_gender_category);
    lua_setfield(L, data, "gender_category");
    static const rec_doc_entry docs[] = {
        {"synthetic_funnel",
         "rec.data.synthetic_funnel{rows = 20000, users = 500, items = 300, dim = 4, scale = 2, "
         "ctr_bias = -1.5, cvr_bias = -1, shared = 0.5, seed = 1} makes impressions of an "
         "impression -> click -> conversion funnel (ESMM's setting) with a known truth: "
         "true_ctr = sigmoid(scale <a_u, b_i> / sqrt(dim) + ctr_bias), a conversion only after a "
         "click with true_cvr from conversion vectors that share a part `shared` with the click "
         "vectors (so clicked impressions are a biased sample for CVR). Columns: user (group), "
         "item, click, conversion (the CTCVR label). A second result holds the truth, "
         "{ctr = {...}, cvr = {...}} per row, kept out of the data set so no model sees it.",
         "local f, truth = rec.data.synthetic_funnel{rows = 2000}\nprint(f, truth.ctr[1])"},
        {"synthetic_multitask",
         "rec.data.synthetic_multitask{rows = 20000, dim = 16, correlation = 0.5, sines = 10, "
         "scale = 1, binary = false, seed = 1} makes two regression tasks as in the MMoE paper: "
         "y_k = w_k . x + sum_j sin(alpha_j w_k . x + beta_j) + noise, with x ~ N(0, I) and the "
         "cosine of w1 and w2 equal to correlation, so the tasks' relatedness is a knob. "
         "binary = true gives labels y_k > 0. Columns: x1..x<dim>, y1, y2.",
         "local m = rec.data.synthetic_multitask{rows = 1000, correlation = 0.9}\n"
         "print(#m, m:schema()[17].name)"},
        {"gender_category",
         "rec.data.gender_category{rows = 2000, seed = 1} is the notes' FM example as data: "
         "gender {male, female} x category {cosmetics, razor}, a click with probability "
         "sigmoid(<v_gender, v_category>) for v_male = [1, -1], v_female = [-1, 1], "
         "v_cosmetics = [-2, 2], v_razor = [0.5, -0.5] ({female, cosmetics}: 4, "
         "{male, cosmetics}: -4, {male, razor}: 1). Columns: gender, category, click.",
         "local d = rec.data.gender_category{rows = 4000}\n"
         "local fm = rec.models.fm{data = d, label = 'click', embed_dim = 2}\n"
         "fm:fit(d, {epochs = 5, lr = 0.05, progress = false})\nprint(fm:evaluate(d).auc)"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, data, "rec.data", 0, docs);

    lua_pushcfunction(L, l_synthetic_ctr);
    lua_setfield(L, data, "synthetic_ctr");
    lua_pushcfunction(L, l_synthetic_seq);
    lua_setfield(L, data, "synthetic_seq");
    static const rec_doc_entry ctr_docs[] = {
        {"synthetic_ctr",
         "rec.data.synthetic_ctr{rows, fields, cardinality, dense, rank, interaction, linear, "
         "bias, noise, seed}: CTR rows (a rec.CtrData) whose label comes from hidden pairwise "
         "field interactions (FM beats LR on it); the group column is field 1 (a user).",
         "print(rec.data.synthetic_ctr{rows = 1000, seed = 7})"},
        {"synthetic_seq",
         "rec.data.synthetic_seq{rows, items, cats, users, seq_len, min_len, drift, strength, "
         "seed, nearest, cat_history}: behaviour sequences (a rec.CtrData) where a click depends "
         "on the history items of the candidate's category (attention matters); drift = true "
         "makes only the recent half count (for DIEN). nearest = k is the DIN paper's kind of "
         "data instead: items lie on a line within their category, and a click depends on the "
         "k history items nearest the candidate (same category, close on the line). "
         "cat_history = true gives each history position a second feature, its item's "
         "category, sharing the candidate category's embedding: rec.models.din{data = d} "
         "and dien then embed item and category and concatenate them (schema().seq_fields is "
         "{1, 2}; seq_fields = {1} keeps the item alone). Fields: candidate item, its "
         "category, user.",
         "local d = rec.data.synthetic_seq{rows = 1000, items = 2000, cats = 20, seq_len = 20, "
         "min_len = 5, nearest = 3, cat_history = true}\nprint(d:schema().seq_fields[2])"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, data, "rec.data", 0, ctr_docs);
    lua_pop(L, 1);
}
