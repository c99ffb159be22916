/* rec.models: the CTR model zoo (engine/models/) as Lua userdata.
 *
 *   rec.models.lr / fm / mlp / wide_deep / deepfm / din / dien {config}  -> rec.Model
 *   rec.models.load(path)                                                -> rec.Model
 *
 * A rec.Model owns its engine model; the tensors m:params() hands out keep
 * the model alive through their user value and are refused once it is
 * closed. Its data, rec.CtrData and rec.models.batch, is in ctrdata.c; m:fit
 * is in fit.c (rec_models.h). */
#include "rec_models.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "host.h"
#include "rec.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* ---- model config from Lua ---------------------------------------------------------- */

static const char *const config_keys[] = {
    "data",        "label",          "fields",     "dense", "seq_len",    "seq_field",
    "embed_dim",   "hidden",         "activation", "bn",    "dropout",    "l2_embed",
    "bn_momentum", "dice_eps",       "init_std",   "seed",  "crosses",    "cross_buckets",
    "att_hidden",  "att_activation", "attention",  "gru",   "aux_weight", NULL};

/* A list of positive integers (cardinalities, layer widths): its count, or -1. */
static int int_list(lua_State *L, int i, const char *key, int max, int *v)
{
    return rec_opt_int_list(L, i, key, max, 1, 100000000, v);
}

/* An engine enum read by name (names[k] through from); def when absent. */
static int name_opt(lua_State *L, int i, const char *key, int (*from)(const char *),
                    const char *const *names, int def)
{
    lua_getfield(L, i, key);
    int absent = lua_isnil(L, -1);
    lua_pop(L, 1);
    return absent ? def : from(names[rec_opt_enum(L, i, key, names, 0)]);
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
        rec_dataset_map(L, -1, label, (int)rec_opt_integer(L, 1, "seq_len", 0, 0, 100000), &map,
                        &rows, &start, &n);
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
        rn_samples *b = rec_ctrdata_check(L, -1)->b;
        int sf = (int)rec_opt_integer(L, 1, "seq_field", 1, 1, RN_MODEL_MAX_FIELDS);
        rec_ctrdata_schema(L, b, sf);
        lua_replace(L, -2);
    }
    int sch = lua_gettop(L); /* the schema table, or nil */
    int have = lua_istable(L, sch);
    int n = int_list(L, 1, "fields", RN_MODEL_MAX_FIELDS, c->cardinality);
    if (n < 0 && have) n = int_list(L, sch, "fields", RN_MODEL_MAX_FIELDS, c->cardinality);
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
    int h = int_list(L, 1, "hidden", RN_MODEL_MAX_LAYERS, c->hidden);
    if (h >= 0) c->n_hidden = h;
    static const char *const acts[] = {"relu", "prelu", "dice", "sigmoid", NULL};
    c->activation = name_opt(L, 1, "activation", rn_act_from, acts, c->activation);
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
    h = int_list(L, 1, "att_hidden", RN_MODEL_MAX_LAYERS, c->att_hidden);
    if (h >= 0) c->n_att_hidden = h;
    static const char *const atts[] = {"none", "softmax", "scaled_softmax", NULL};
    static const char *const grus[] = {"augru", "agru", "aigru", "gru", NULL};
    c->att_activation = name_opt(L, 1, "att_activation", rn_act_from, acts, c->att_activation);
    c->attention = name_opt(L, 1, "attention", rn_att_from, atts, c->attention);
    c->gru = name_opt(L, 1, "gru", rn_gru_from, grus, c->gru);
    c->aux_weight = (float)rec_opt_number(L, 1, "aux_weight", (double)c->aux_weight);
    lua_settop(L, 1);
}

/* ---- rec.Model --------------------------------------------------------------------- */

model_ud *rec_model_check(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_MODEL, "model"); /* pud.ps is NULL once closed */
}

static model_ud *check_model_ud(lua_State *L, int i)
{
    return rec_model_check(L, i);
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
    u->busy = 0;
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

/* m:close() and <close>: refused while fit trains the model (from its callbacks). */
static int m_close(lua_State *L)
{
    model_ud *u = luaL_checkudata(L, 1, REC_MODEL);
    if (u->busy > 0) return luaL_error(L, "cannot close the model while fit is using it");
    return m_gc(L);
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
    rn_samples *b =
        rec_samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    float *z = lua_newuserdatauv(L, b->n * sizeof *z, 0);
    if (rn_model_predict(m, b, 1024, z) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, (int)b->n, 0);
    for (size_t i = 0; i < b->n; i++) { /* probabilities */
        lua_pushnumber(L, 1.0 / (1.0 + exp(-(double)z[i])));
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

void rec_push_eval(lua_State *L, const rn_eval *e)
{
    lua_createtable(L, 0, 3);
    lua_pushnumber(L, e->auc);
    lua_setfield(L, -2, "auc");
    lua_pushnumber(L, e->logloss);
    lua_setfield(L, -2, "logloss");
    if (e->has_gauc) {
        lua_pushnumber(L, e->gauc);
        lua_setfield(L, -2, "gauc");
    }
}

static int m_evaluate(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    rn_samples *b =
        rec_samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    rn_eval e;
    if (rn_model_evaluate(m, b, 1024, &e) != RN_OK) return rec_engine_error(L);
    rec_push_eval(L, &e);
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
    rn_samples *b =
        rec_samples_arg(L, 2, check_model_ud(L, 1)->label, rn_model_config_of(m)->seq_len);
    int width = 0;
    int rc = attention ? rn_model_attention(m, b, NULL, &width)
                       : rn_model_interactions(m, b, NULL, &width);
    if (rc != RN_OK) return rec_engine_error(L);
    float *v = lua_newuserdatauv(L, b->n * (size_t)width * sizeof *v, 0);
    rc = attention ? rn_model_attention(m, b, v, &width) : rn_model_interactions(m, b, v, &width);
    if (rc != RN_OK) return rec_engine_error(L);
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

/* ---- registration ---------------------------------------------------------------------- */

static const luaL_Reg model_methods[] = {{"fit", rec_model_fit},
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
                                         {"close", m_close},
                                         {NULL, NULL}};

static const rec_doc_entry model_docs[] = {
    {"fit", rec_fit_doc, rec_fit_example},
    {"predict", "m:predict(data) returns the click probability of each row, as a Lua array.",
     "local d = rec.data.synthetic_ctr{rows = 100}\nprint(rec.models.lr{data = "
     "d}:predict(d)[1])"},
    {"evaluate",
     "m:evaluate(data) returns {auc, logloss} and gauc (impression-weighted group AUC) when the "
     "data has a group column.",
     "local d = rec.data.synthetic_ctr{rows = 500}\nprint(rec.models.lr{data = "
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
     "local d = rec.data.synthetic_seq{rows = 200}\n"
     "print(rec.models.din{data = d}:attention(d:slice(1, 2))[1][1])"},
    {"config", "m:config() is the model's config as a JSON string (as saved).",
     "print(rec.models.lr{fields = {3}}:config())"},
    {"kind", "m:kind() is 'lr', 'fm', 'mlp', 'wide_deep', 'deepfm', 'din' or 'dien'.",
     "print(rec.models.lr{fields = {3}}:kind())"},
    {"close", "m:close() frees the model now; its parameter tensors become unusable.",
     "local m <close> = rec.models.lr{fields = {3}}"},
    {NULL, NULL, NULL}};

static const char *const common_config =
    " Config: fields = {cardinality of each categorical field} (or data = a rec.CtrData, or a "
    "rec.Dataset of rec.data with label = its label column: cat columns become fields, dense "
    "columns dense features, a history seq column the behaviour sequence), "
    "dense (dense features), embed_dim (8), hidden ({64, 32}), activation ('relu' | 'prelu' | "
    "'dice' | 'sigmoid'), bn, dropout, l2_embed, init_std, seed.";

static const luaL_Reg fns[] = {
    {"lr", l_lr},         {"fm", l_fm},   {"mlp", l_mlp},   {"wide_deep", l_wide_deep},
    {"deepfm", l_deepfm}, {"din", l_din}, {"dien", l_dien}, {"load", l_load},
    {NULL, NULL}};

void rec_open_models(lua_State *L)
{
    luaL_newmetatable(L, REC_MODEL);
    luaL_newlib(L, model_methods);
    rec_doc_fields(L, -1, "rec.Model", 1, model_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {
        {"__gc", m_gc}, {"__close", m_close}, {"__tostring", m_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);

    luaL_newlib(L, fns);
    rec_ctrdata_open(L, -1); /* rec.CtrData and rec.models.batch */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "rec.models"); /* for plot = true */
    rec_doc_set(L, -1, "rec.models",
                "rec.models: the CTR model zoo of the interview notes (lr, fm, mlp, wide_deep, "
                "deepfm, din, dien), trainable in one line, inspectable (fm:interactions, "
                "din:attention), saved as safetensors; hand-made batches (batch). Synthetic data "
                "with a known truth: rec.data.synthetic_ctr and rec.data.synthetic_seq.",
                "local d = rec.data.synthetic_ctr{rows = 4000}\n"
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
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.models", 0, more);
    lua_setfield(L, -2, "models");
}
