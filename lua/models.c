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
#include "models/config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* ---- model config from Lua: every key from engine/models/config.c's table ---------- */

/* The Lua name of a config key. */
static const char *key_name(const rn_config_key *k)
{
    return k->lua != NULL ? k->lua : k->name;
}

/* Every Lua config key (the table's, data and label), NULL-terminated, for
 * "did you mean". */
static const char *const *all_keys(void)
{
    static const char *names[64];
    if (names[0] == NULL) {
        size_t n, j = 0;
        const rn_config_key *k = rn_model_config_keys(&n);
        names[j++] = "data";
        names[j++] = "label";
        for (size_t i = 0; i < n && j < 63; i++)
            names[j++] = key_name(&k[i]);
        names[j] = NULL;
    }
    return names;
}

/* tasks = {{name = 'click', label = 1, loss = 'bce', weight = 1, given = 'ctr'}, ...} */
static void read_tasks(lua_State *L, const char *fn, rn_model_config *c)
{
    lua_getfield(L, 1, "tasks");
    if (!lua_istable(L, -1) || lua_rawlen(L, -1) < 1 || lua_rawlen(L, -1) > RN_MODEL_MAX_TASKS)
        luaL_error(L, "%s: tasks must be a list of 1 to %d tables {name =, label =, loss =, "
                      "weight =, given =}", fn, RN_MODEL_MAX_TASKS);
    int t = lua_gettop(L), n = (int)lua_rawlen(L, t);
    static const char *const task_keys[] = {"name", "label", "loss", "weight", "given", NULL};
    static const char *const losses[] = {"bce", "mse", "none", NULL};
    char given[RN_MODEL_MAX_TASKS][16];
    for (int i = 0; i < n; i++) {
        if (lua_rawgeti(L, t, i + 1) != LUA_TTABLE)
            luaL_error(L, "%s: tasks[%d] must be a table {name =, label =, ...}", fn, i + 1);
        int e = lua_gettop(L);
        rec_check_options(L, e, fn, task_keys);
        rn_task *k = &c->task[i];
        const char *name = rec_opt_string(L, e, "name", i == 0 ? "click" : NULL);
        if (name == NULL || strlen(name) < 1 || strlen(name) >= sizeof k->name)
            luaL_error(L, "%s: tasks[%d] needs a name of 1..15 characters", fn, i + 1);
        snprintf(k->name, sizeof k->name, "%s", name);
        k->loss = rec_opt_enum(L, e, "loss", losses, RN_LOSS_BCE);
        k->label = (int)rec_opt_integer(L, e, "label", k->loss == RN_LOSS_NONE ? 0 : i + 1,
                                        0, 64) - 1;
        k->weight = (float)rec_opt_range(L, e, "weight", 1, 0, 1e6);
        snprintf(given[i], sizeof given[i], "%s", rec_opt_string(L, e, "given", ""));
        lua_settop(L, t);
    }
    c->n_tasks = n;
    for (int i = 0; i < n; i++) {
        c->task[i].given = -1;
        for (int j = 0; given[i][0] && j < n; j++)
            if (strcmp(given[i], c->task[j].name) == 0) c->task[i].given = j;
        if (given[i][0] && c->task[i].given < 0)
            luaL_error(L, "%s: tasks[%d]: given = '%s' names no task", fn, i + 1, given[i]);
    }
    lua_pop(L, 1);
}

/* crosses = {{1, 2}, ...}: pairs of field numbers (1-based). */
static void read_pairs(lua_State *L, const char *fn, const rn_config_key *k, rn_model_config *c)
{
    lua_getfield(L, 1, k->name);
    if (!lua_istable(L, -1)) luaL_error(L, "%s: %s must be a list of field pairs {{i, j}, ...}", fn, k->name);
    int n = (int)lua_rawlen(L, -1);
    if (n > k->max_count) luaL_error(L, "%s: %d %s (at most %d)", fn, n, k->name, k->max_count);
    int *v = (int *)((char *)c + k->offset);
    for (int i = 1; i <= n; i++) {
        lua_rawgeti(L, -1, i);
        for (int j = 0; j < 2; j++) {
            int ok = 0;
            lua_Integer x = 0;
            if (lua_istable(L, -1)) {
                lua_rawgeti(L, -1, j + 1);
                x = lua_tointegerx(L, -1, &ok);
                lua_pop(L, 1);
            }
            if (!ok || x < 1 || x > (lua_Integer)k->hi + 1)
                luaL_error(L, "%s: %s[%d] must be a pair of field numbers {i, j}", fn, k->name, i);
            v[2 * (i - 1) + j] = (int)x - 1;
        }
        lua_pop(L, 1);
    }
    *(int *)((char *)c + k->count_offset) = n;
    lua_pop(L, 1);
}

/* One key present in the table at 1, by its type in the config table. */
static void read_key(lua_State *L, const char *fn, const rn_config_key *k, rn_model_config *c)
{
    const char *nm = key_name(k);
    char *at = (char *)c + k->offset;
    int base = k->one_based;
    switch (k->type) {
    case RN_KEY_INT:
        *(int *)at = (int)rec_opt_integer(L, 1, nm, *(int *)at + base, (lua_Integer)k->lo + base,
                                          (lua_Integer)k->hi + base) - base;
        break;
    case RN_KEY_FLOAT:
        *(float *)at = (float)rec_opt_range(L, 1, nm, (double)*(float *)at, k->lo, k->hi);
        break;
    case RN_KEY_BOOL:
        *(int *)at = rec_opt_bool(L, 1, nm, *(int *)at);
        break;
    case RN_KEY_NAME:
        *(int *)at = rec_opt_enum(L, 1, nm, k->names, *(int *)at);
        break;
    case RN_KEY_SEED: {
        lua_getfield(L, 1, nm);
        int ok;
        lua_Integer v = lua_tointegerx(L, -1, &ok);
        if (!ok || v < 0) luaL_error(L, "%s: %s must be a whole number >= 0", fn, nm);
        *(uint64_t *)at = (uint64_t)v;
        lua_pop(L, 1);
        break;
    }
    case RN_KEY_INTS: {
        int n = rec_opt_int_list(L, 1, nm, k->max_count, (lua_Integer)k->lo + base,
                                 (lua_Integer)k->hi + base, (int *)at);
        for (int j = 0; j < n; j++) /* field numbers count from 1 in Lua */
            ((int *)at)[j] -= base;
        if (n >= 0) *(int *)((char *)c + k->count_offset) = n;
        break;
    }
    case RN_KEY_PAIRS:
        read_pairs(L, fn, k, c);
        break;
    case RN_KEY_TASKS:
        read_tasks(L, fn, c);
        break;
    }
}

/* The schema of data = d (a rec.CtrData or a rec.Dataset) as {fields, dense,
 * seq_len} pushed on the stack; the history's item field into *sf (1-based). */
static void push_data_schema(lua_State *L, int i, int *sf, int *n_cols, int *cols)
{
    if (luaL_testudata(L, i, REC_DATASET) != NULL) {
        rn_data_map map;
        const size_t *rows;
        size_t start, n;
        /* the schema reads no label: without label = ..., any label columns do */
        rec_labels lab;
        rec_read_labels(L, 1, "rec.models", &lab);
        if (lab.n == 0) lab.n = -1;
        rec_dataset_map(L, i, &lab, (int)rec_opt_integer(L, 1, "seq_len", 0, 0, 256), &map,
                        &rows, &start, &n);
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
        lua_pushinteger(L, map.bag >= 0 ? map.bag_cardinality : 0);
        lua_setfield(L, -2, "bag");
        lua_pushinteger(L, map.bag >= 0 ? map.bag_fields : 0);
        lua_setfield(L, -2, "bag_fields");
        if (map.seq >= 0) *sf = map.seq_field + 1; /* the history's item column */
        if (map.n_seq > 1) { /* several behaviour features: the fields they share */
            lua_createtable(L, map.n_seq, 0);
            for (int s = 0; s < map.n_seq; s++) {
                lua_pushinteger(L, map.seq_fields[s] + 1);
                lua_rawseti(L, -2, s + 1);
            }
            lua_setfield(L, -2, "seq_fields");
        }
        *n_cols = map.n_fields;
        memcpy(cols, map.field, (size_t)map.n_fields * sizeof *cols);
    } else {
        rn_samples *b = rec_ctrdata_check(L, i)->b;
        *sf = (int)rec_opt_integer(L, 1, "seq_field", 1, 1, RN_MODEL_MAX_FIELDS);
        rec_ctrdata_schema(L, b, *sf);
    }
}

static void read_config(lua_State *L, int kind, rn_model_config *c, int *n_cols, int *cols)
{
    char fn[40];
    const char *kname = rn_model_kind_name(kind);
    snprintf(fn, sizeof fn, "rec.models.%s", kname);
    lua_settop(L, 1);
    if (lua_isnoneornil(L, 1)) {
        lua_newtable(L);
        lua_replace(L, 1);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, fn, all_keys());
    size_t nk;
    const rn_config_key *keys = rn_model_config_keys(&nk);
    /* a key this kind does not read is an error naming the key and who reads it */
    for (size_t i = 0; i < nk; i++) {
        lua_getfield(L, 1, key_name(&keys[i]));
        int set = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (set && !rn_config_key_reads(&keys[i], kind)) {
            char who[160];
            rn_config_key_readers(&keys[i], who, sizeof who);
            luaL_error(L, "%s: %s does not read '%s' (%s read%s it; help(%s) lists its keys)", fn,
                       kname, key_name(&keys[i]), who, strchr(who, ',') ? "" : "s", fn);
        }
    }
    *c = rn_model_defaults(kind);
    /* data = d: its schema gives fields, dense and the sequence */
    int sf = 1;
    lua_getfield(L, 1, "data");
    int data = lua_gettop(L);
    *n_cols = 0;
    if (!lua_isnil(L, data)) push_data_schema(L, data, &sf, n_cols, cols);
    int sch = lua_istable(L, -1) && lua_gettop(L) > data ? lua_gettop(L) : 0;
    if (sch) {
        c->n_fields = rec_opt_int_list(L, sch, "fields", RN_MODEL_MAX_FIELDS, 1, 100000000,
                                       c->cardinality);
        c->n_dense = (int)rec_opt_integer(L, sch, "dense", 0, 0, 4096);
        if (rn_config_key_reads(rn_config_key_find("seq_len"), kind)) {
            c->seq_len = (int)rec_opt_integer(L, sch, "seq_len", 0, 0, 256);
            c->seq_field = c->seq_len > 0 ? sf - 1 : -1;
            /* histories of several features (item, category): every one, unless seq_fields
               = {...} below chooses */
            int n = rec_opt_int_list(L, sch, "seq_fields", RN_SEQ_MAX_FEATURES, 1,
                                     RN_MODEL_MAX_FIELDS, c->seq_fields);
            c->n_seq_fields = c->seq_len > 0 && n > 1 ? n : 0;
            for (int s = 0; s < c->n_seq_fields; s++)
                c->seq_fields[s]--;
        }
        int bag = (int)rec_opt_integer(L, sch, "bag", 0, 0, 100000000);
        if (rn_config_key_reads(rn_config_key_find("bag_fields"), kind))
            c->bag_fields = (int)rec_opt_integer(L, sch, "bag_fields", 0, 0, 999);
        if (rn_config_key_reads(rn_config_key_find("bag_cardinality"), kind))
            c->bag_cardinality = bag;
        else if (bag > 0 && c->n_fields < 1 && c->n_dense < 1)
            luaL_error(L, "%s: the data's features are a sparse bag (libsvm / libffm index:value "
                          "pairs), which %s does not read: lr, fm and ffm do",
                       fn, kname);
    }
    int data_dense = c->n_dense;
    for (size_t i = 0; i < nk; i++) {
        lua_getfield(L, 1, key_name(&keys[i]));
        int set = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (set) read_key(L, fn, &keys[i], c);
    }
    /* dense = n beside data = d: the data decides, so a different n would
       only fail later, at fit (reliability review B.3) */
    if (sch && c->n_dense != data_dense)
        luaL_error(L,
                   "%s: dense = %d, but the data has %d dense feature column%s: leave dense out "
                   "with data = ... (the data sets it)%s",
                   fn, c->n_dense, data_dense, data_dense == 1 ? "" : "s",
                   c->n_dense < data_dense ? ", or drop a column first: ds:transform{name = "
                                             "'drop'}"
                                           : "");
    if (c->n_fields < 1 && c->n_dense < 1 && c->bag_cardinality < 1)
        luaL_error(L, "%s: give fields = {cardinality of each field} (or data = a rec.CtrData or "
                      "rec.Dataset)", fn);
    /* seq_fields = {...} without seq_field: its first is the candidate item's */
    lua_getfield(L, 1, "seq_fields");
    int chose = !lua_isnil(L, -1);
    lua_getfield(L, 1, "seq_field");
    if (chose && lua_isnil(L, -1) && c->n_seq_fields > 0) c->seq_field = c->seq_fields[0];
    lua_pop(L, 2);
    /* a sequence reads the candidate's field: seq_field 1 unless the data says otherwise */
    if (c->seq_len > 0 && c->seq_field < 0) c->seq_field = sf - 1;
    if (c->seq_len == 0) c->seq_field = -1;
    lua_settop(L, 1);
}

/* ---- rec.Model --------------------------------------------------------------------- */

/* A rec.Model of any kind (each kind has its metatable "rec.Model.<kind>",
 * whose methods are the common ones and the kind's views), open or closed. */
static model_ud *any_model(lua_State *L, int i)
{
    void *u = lua_touserdata(L, i);
    if (u == NULL || luaL_getmetafield(L, i, "__recmodel") == LUA_TNIL) luaL_typeerror(L, i, REC_MODEL);
    lua_pop(L, 1);
    return u;
}

model_ud *rec_model_check(lua_State *L, int i)
{
    model_ud *u = any_model(L, i);
    if (u->m == NULL) luaL_argerror(L, i, "the model is closed");
    return u;
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
    memset(&u->labels, 0, sizeof u->labels);
    if (rn_model_label_columns(m) > 1) u->labels.n = -1; /* every label column, in order */
    u->busy = 0;
    u->n_cols = 0;
    char mt[48];
    snprintf(mt, sizeof mt, "%s.%s", REC_MODEL, rn_model_kind_name(rn_model_config_of(m)->kind));
    luaL_setmetatable(L, mt);
}

static int make_model(lua_State *L, int kind)
{
    rn_model_config c;
    int n_cols, cols[RN_MODEL_MAX_FIELDS];
    read_config(L, kind, &c, &n_cols, cols);
    char fn[40];
    snprintf(fn, sizeof fn, "rec.models.%s", rn_model_kind_name(kind));
    rec_labels lab;
    rec_read_labels(L, 1, fn, &lab);
    rn_model *m = rn_model_new(&c);
    if (m == NULL) return rec_engine_error(L);
    push_model(L, m);
    model_ud *u = lua_touserdata(L, -1);
    /* no label chosen: a model reading several label columns takes the data
     * set's in order; one reading one column needs the only one (a data set
     * with several is an error naming them, now rather than at fit) */
    if (lab.n == 0 && rn_model_label_columns(m) > 1) lab.n = -1;
    u->labels = lab;
    if (lab.n == 0 && lua_getfield(L, 1, "data") != LUA_TNIL &&
        luaL_testudata(L, -1, REC_DATASET) != NULL) {
        rn_data_map map;
        const size_t *rows;
        size_t start, n;
        rec_dataset_map(L, lua_gettop(L), &lab, 1, &map, &rows, &start, &n);
    }
    lua_settop(L, 2);
    if (n_cols > 0 && n_cols == c.n_fields) { /* remember the rec.Dataset for m:embeddings' names */
        u->n_cols = n_cols;
        memcpy(u->col, cols, (size_t)n_cols * sizeof *cols);
        lua_getfield(L, 1, "data");
        lua_setiuservalue(L, -2, 1);
    }
    return 1;
}

/* rec.models.<kind>{config}: the kind is the closure's upvalue. */
static int l_make(lua_State *L)
{
    return make_model(L, (int)lua_tointeger(L, lua_upvalueindex(1)));
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
    model_ud *u = any_model(L, 1);
    rn_model_free(u->m);
    u->m = NULL;
    u->pud.ps = NULL; /* its parameter tensors in Lua now refuse to be used */
    return 0;
}

/* m:close() and <close>: refused while fit trains the model (from its callbacks). */
static int m_close(lua_State *L)
{
    model_ud *u = any_model(L, 1);
    if (u->busy > 0) return luaL_error(L, "cannot close the model while fit is using it");
    return m_gc(L);
}

static int m_tostring(lua_State *L)
{
    model_ud *u = any_model(L, 1);
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
        rec_samples_arg(L, 2, &check_model_ud(L, 1)->labels, rn_model_config_of(m)->seq_len);
    const rn_model_config *c = rn_model_config_of(m);
    size_t T = (size_t)c->n_tasks;
    float *z = lua_newuserdatauv(L, b->n * T * sizeof *z, 0);
    if (rn_model_predict(m, b, 1024, z) != RN_OK) return rec_engine_error(L);
    if (T > 1) lua_createtable(L, 0, (int)T); /* several tasks: {name = {...}, ...} */
    for (size_t k = 0; k < T; k++) {
        lua_createtable(L, (int)b->n, 0);
        for (size_t i = 0; i < b->n; i++) { /* probabilities (BCE), values (MSE) */
            double v = (double)z[i * T + k];
            lua_pushnumber(L, c->task[k].loss == RN_LOSS_MSE ? v : 1.0 / (1.0 + exp(-v)));
            lua_rawseti(L, -2, (lua_Integer)i + 1);
        }
        if (T > 1) lua_setfield(L, -2, c->task[k].name);
    }
    return 1;
}

/* Named metrics as a table: {auc = ..., logloss = ...}; a multi-task model's
 * "ctr.auc" as {ctr = {auc = ...}}. */
void rec_push_eval(lua_State *L, const rn_metrics *e)
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
    rn_samples *b =
        rec_samples_arg(L, 2, &check_model_ud(L, 1)->labels, rn_model_config_of(m)->seq_len);
    rn_metrics e;
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

/* m:<view>(data) for the view named name: rows of the view's values. */
static int view_rows(lua_State *L, const char *view)
{
    rn_model *m = check_model(L, 1);
    rn_samples *b =
        rec_samples_arg(L, 2, &check_model_ud(L, 1)->labels, rn_model_config_of(m)->seq_len);
    int shape[3], nd = 0;
    if (rn_model_view(m, view, b, NULL, shape, &nd) != RN_OK) return rec_engine_error(L);
    size_t total = 1;
    for (int d = 0; d < nd; d++)
        total *= (size_t)shape[d];
    float *v = lua_newuserdatauv(L, total * sizeof *v, 0);
    if (rn_model_view(m, view, b, v, shape, &nd) != RN_OK) return rec_engine_error(L);
    if (nd == 3) { /* B x a x b: rows of matrices */
        lua_createtable(L, shape[0], 0);
        for (int i = 0; i < shape[0]; i++) {
            push_rows(L, v + (size_t)i * (size_t)shape[1] * (size_t)shape[2], (size_t)shape[1],
                      shape[2]);
            lua_rawseti(L, -2, i + 1);
        }
    } else {
        push_rows(L, v, (size_t)shape[0], nd == 2 ? shape[1] : 1);
    }
    return 1;
}

static int m_interactions(lua_State *L)
{
    return view_rows(L, "interactions");
}

static int m_attention(lua_State *L)
{
    return view_rows(L, "attention");
}

static int m_gates(lua_State *L)
{
    return view_rows(L, "gates");
}

/* A view without a method of its own: the closure's upvalue names it. */
static int m_named_view(lua_State *L)
{
    return view_rows(L, lua_tostring(L, lua_upvalueindex(1)));
}

/* m:view(name, data) */
static int m_view(lua_State *L)
{
    const char *name = luaL_checkstring(L, 2);
    lua_remove(L, 2);
    return view_rows(L, name);
}

/* m:views(): the names of the model's views. */
static int m_views(lua_State *L)
{
    const char *const *v = rn_model_views(check_model(L, 1));
    lua_newtable(L);
    for (int i = 0; v[i] != NULL; i++) {
        lua_pushstring(L, v[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int m_save(lua_State *L)
{
    rn_model *m = check_model(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (rn_model_save(m, path) != RN_OK) return rec_engine_error(L);
    /* a Ctrl-C during the save must not read as if nothing was written */
    char done[320];
    snprintf(done, sizeof done, "%.280s was saved", path);
    rec_host_completed(L, done);
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
                                         {"view", m_view},
                                         {"embeddings", rec_model_embeddings},
                                         {"views", m_views},
                                         {"config", m_config},
                                         {"kind", m_kind},
                                         {"close", m_close},
                                         {NULL, NULL}};

/* The views that have a method of their own, with their docstrings. */
static const luaL_Reg view_methods[] = {
    {"interactions", m_interactions}, {"attention", m_attention}, {"gates", m_gates}, {NULL, NULL}};
static const rec_doc_entry view_docs[] = {
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
    {"gates",
     "m:gates(data) (moe, mmoe, cgc, ple) gives, per row, each task's softmax weights over the "
     "experts it mixes: gates[row][task][expert], each task's row summing to 1 (cgc, ple: the "
     "last level's gates, the task's own experts first, then the shared ones; moe: its one "
     "gate on every task's row). A task whose weights sit on one expert has collapsed its gate.",
     "local d = rec.data.synthetic_multitask{rows = 50}\n"
     "local m = rec.models.mmoe{data = d, n_experts = 3, tasks = {{name = 'y1', loss = 'mse'}, "
     "{name = 'y2', loss = 'mse'}}}\n"
     "local g = m:gates(d)\nprint(g[1][1][1] + g[1][1][2] + g[1][1][3])  --> 1"},
    {NULL, NULL, NULL}};

static const rec_doc_entry model_docs[] = {
    {"fit", rec_fit_doc, rec_fit_example},
    {"predict",
     "m:predict(data) returns the click probability of each row, as a Lua array (the value "
     "itself for an MSE task; a table by task name, {ctr = {...}, cvr = {...}}, for a model "
     "with several tasks).",
     "local d = rec.data.synthetic_ctr{rows = 100}\nprint(rec.models.lr{data = "
     "d}:predict(d)[1])"},
    {"evaluate",
     "m:evaluate(data) returns {auc, logloss} and gauc (impression-weighted group AUC) when the "
     "data has a group column; rmse for an MSE task; {ctr = {auc, ...}, ...} with several "
     "tasks.",
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
    {"view",
     "m:view(name, data) gives the view named name (m:views() lists them) for each row of data: "
     "'interactions' (fm, deepfm), 'attention' (din, dien), 'gates' (moe, mmoe, cgc, ple), "
     "'update_gate' and 'effective_gate' (dien's evolution cell: means over hidden units, by "
     "step).",
     "local d = rec.data.synthetic_seq{rows = 50}\n"
     "print(#rec.models.din{data = d}:view('attention', d:slice(1, 2)))"},
    {"embeddings", rec_embeddings_doc, rec_embeddings_example},
    {"views", "m:views() lists the names of what the model shows a teacher (its views).",
     "print(rec.models.fm{fields = {3, 3}}:views()[1])"},
    {"config", "m:config() is the model's config as a JSON string (as saved).",
     "print(rec.models.lr{fields = {3}}:config())"},
    {"kind",
     "m:kind() is 'lr', 'fm', 'mlp', 'wide_deep', 'deepfm', 'din', 'dien', 'shared_bottom', "
     "'moe', 'mmoe', 'esmm', 'cgc', 'ple' or 'ffm'.",
     "print(rec.models.lr{fields = {3}}:kind())"},
    {"close", "m:close() frees the model now; its parameter tensors become unusable.",
     "local m <close> = rec.models.lr{fields = {3}}"},
    {NULL, NULL, NULL}};

static const luaL_Reg fns[] = {{"load", l_load}, {NULL, NULL}};

/* What each kind is, and an example, for its constructor's help (its keys
 * come from the config table). */
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
     "trained with FTRL (L1), a deep Embedding+MLP trained with AdaGrad, on the sum of the "
     "logits.",
     "rec.models.wide_deep{fields = {10, 20, 5}, crosses = {{1, 2}}}:summary()"},
    {"deepfm",
     "DeepFM (Guo et al. 2017): an FM and an MLP sharing one embedding table, "
     "sigmoid(y_FM + y_DNN).",
     "rec.models.deepfm{fields = {10, 20, 5}, embed_dim = 4}:summary()"},
    {"din",
     "DIN (Zhou et al. 2018): an activation unit on [q, k, q-k, q*k] weighs each history item "
     "of the behaviour sequence; padding weighs exactly 0; din:attention shows the weights. "
     "A behaviour may carry several features (item id, category id): seq_fields = {1, 2} "
     "embeds each with its candidate field's table and concatenates them, for the candidate "
     "and each history position; data = a data set whose histories share several fields "
     "(rec.data.synthetic_seq{cat_history = true}, history columns of a rec.Dataset) sets "
     "it, and seq_fields = {1} keeps the item alone.",
     "rec.models.din{fields = {50, 5}, seq_len = 8, attention = 'softmax'}:summary()"},
    {"dien",
     "DIEN (Zhou et al. 2019): a GRU interest extractor with the auxiliary next-item loss, "
     "attention to the candidate, and an interest-evolution layer. seq_fields = {1, 2} (or "
     "data with item and category histories) concatenates each behaviour's features, the GRUs' "
     "hidden size their total width.",
     "rec.models.dien{fields = {50, 5}, seq_len = 8, gru = 'agru'}:summary()"},
    {"shared_bottom",
     "Shared-Bottom (Caruana 1997; the baseline of Ma et al. 2018): y_k = h_k(f(x)), one bottom "
     "MLP (expert_hidden) shared by every task, a tower h_k per task. Tasks default to y1, y2: "
     "BCE on the data's first two label columns.",
     "rec.models.shared_bottom{fields = {10, 20}, expert_hidden = {32}}:summary()"},
    {"moe",
     "one-gate MoE (Ma et al. 2018, eq. 4): y_k = h_k(sum_i g(x)_i E_i(x)), g = softmax(W_g x): "
     "n_experts MLP experts and ONE softmax gate shared by the tasks; m:gates shows it.",
     "rec.models.moe{dense = 16, n_experts = 4}:summary()"},
    {"mmoe",
     "MMoE (Ma et al., KDD 2018): y_k = h_k(f_k(x)), f_k(x) = sum_i g_k(x)_i E_i(x), "
     "g_k(x) = softmax(W_gk x): experts with independent initialisation, one softmax gate per "
     "task, a tower per task, the weighted sum of the task losses (BCE or MSE per task); "
     "m:gates shows each task's weights over the experts.",
     "local d = rec.data.synthetic_multitask{rows = 2000, correlation = 0.5}\n"
     "local m = rec.models.mmoe{data = d, tasks = {{name = 'y1', loss = 'mse'}, "
     "{name = 'y2', loss = 'mse'}}}\n"
     "m:fit(d, {epochs = 2, progress = false}); print(m:evaluate(d).y1.rmse)"},
    {"esmm",
     "ESMM (Ma et al., SIGIR 2018): CTR and CVR towers on one embedding table; losses on CTR "
     "and on CTCVR = pCTR x pCVR over all impressions; the cvr head has no loss of its own. "
     "Heads ctr (label column 1), cvr (loss 'none'), ctcvr (label column 2, the click-and-"
     "conversion label); ctcvr is kept a logit of a probability in [0, 1].",
     "local f = rec.data.synthetic_funnel{rows = 4000}\n"
     "local m = rec.models.esmm{data = f, embed_dim = 4}\n"
     "m:fit(f, {epochs = 1, progress = false}); print(m:predict(f).cvr[1])"},
    {"cgc",
     "CGC (Tang et al., RecSys 2020): n_experts experts per task and n_shared shared experts; "
     "task k's gate mixes its own and the shared experts, g_k(x) = w_k(x)^T [E_k(x), E_s(x)]; "
     "a tower per task. m:gates shows the weights (own experts first).",
     "rec.models.cgc{dense = 16, n_experts = 2, n_shared = 2}:summary()"},
    {"ple",
     "PLE (Tang et al., RecSys 2020): n_levels extraction levels of CGC; in each non-final "
     "level a shared gate mixes ALL the level's experts for the next level's shared experts "
     "(shared_gate = 'shared_only': only the shared ones, a library variant).",
     "rec.models.ple{dense = 16, n_levels = 2, shared_gate = 'all'}:summary()"},
    {"ffm",
     "a field-aware FM (Juan et al., RecSys 2016): y = w0 + sum_i w_i x_i + sum_{i<j} "
     "<v_{i,f_j}, v_{j,f_i}> x_i x_j, each feature keeping one vector per field; trains on "
     "categorical fields, dense features and libffm files (field:index:value).",
     "rec.models.ffm{fields = {10, 20, 5}, embed_dim = 4}:summary()"},
};

/* rec.models.<kind>'s help: what it is, then each key it reads with its
 * default and doc line, from engine/models/config.c's table. */
static void kind_doc(int kind, const char *what, char *doc, size_t size)
{
    size_t n, used;
    const rn_config_key *keys = rn_model_config_keys(&n);
    rn_model_config d = rn_model_defaults(kind);
    snprintf(doc, size,
             "rec.models.%s{config} builds %s Config: data = a rec.CtrData or rec.Dataset (its "
             "schema gives fields, dense and the sequence; label = the Dataset's label column, or a "
             "list of them for several tasks, {'click', 'conversion'}, batch label column k "
             "being the k-th; without it a model with several tasks reads every label column "
             "in order)",
             rn_model_kind_name(kind), what);
    for (size_t i = 0; i < n; i++) {
        if (!rn_config_key_reads(&keys[i], kind)) continue;
        char def[256];
        rn_config_key_format(&keys[i], &d, def, sizeof def);
        used = strlen(doc);
        snprintf(doc + used, size - used, "; %s = %s: %s", key_name(&keys[i]), def, keys[i].doc);
    }
    used = strlen(doc);
    snprintf(doc + used, size - used, ".");
}

/* The metatable of kind's models: "rec.Model.<kind>", named rec.Model, whose
 * methods are the common ones and the kind's views, so m:<Tab> offers only
 * what the model has. */
static void model_metatable(lua_State *L, int kind, int common)
{
    char name[48];
    snprintf(name, sizeof name, "%s.%s", REC_MODEL, rn_model_kind_name(kind));
    luaL_newmetatable(L, name);
    lua_pushliteral(L, REC_MODEL);
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 1);
    lua_setfield(L, -2, "__recmodel");
    lua_newtable(L); /* __index: the common methods ... */
    lua_pushnil(L);
    while (lua_next(L, common)) {
        lua_pushvalue(L, -2);
        lua_insert(L, -2);
        lua_rawset(L, -4);
    }
    const char *const *views = rn_model_kind_views(kind); /* ... and the kind's views */
    for (int v = 0; views[v] != NULL; v++) {
        const luaL_Reg *r = view_methods;
        while (r->name != NULL && strcmp(r->name, views[v]) != 0)
            r++;
        if (r->name != NULL) {
            lua_pushcfunction(L, r->func);
        } else {
            lua_pushstring(L, views[v]);
            lua_pushcclosure(L, m_named_view, 1);
        }
        lua_setfield(L, -2, views[v]);
        if (strcmp(views[v], "gates") == 0) luaL_setfuncs(L, rec_gate_methods, 0);
    }
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {
        {"__gc", m_gc}, {"__close", m_close}, {"__tostring", m_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);
}

void rec_open_models(lua_State *L)
{
    luaL_newlib(L, model_methods); /* the methods every model has */
    rec_doc_fields(L, -1, "rec.Model", 1, model_docs);
    int common = lua_gettop(L);
    luaL_newlib(L, view_methods); /* documented once, by value */
    rec_doc_fields(L, -1, "rec.Model", 1, view_docs);
    lua_pop(L, 1);
    lua_newtable(L); /* the gated kinds' summaries, documented once */
    luaL_setfuncs(L, rec_gate_methods, 0);
    rec_doc_fields(L, -1, "rec.Model", 1, rec_gate_docs);
    lua_pop(L, 1);
    for (int k = 0; k < RN_MODEL_N_KINDS; k++)
        model_metatable(L, k, common);
    lua_pop(L, 1);

    luaL_newlib(L, fns);
    rec_ctrdata_open(L, -1); /* rec.CtrData and rec.models.batch */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, "rec.models"); /* for plot = true */
    rec_doc_set(L, -1, "rec.models",
                "rec.models: the CTR model zoo of the interview notes (lr, fm, mlp, wide_deep, "
                "deepfm, din, dien) and its multi-task models (shared_bottom, moe, mmoe, esmm, "
                "cgc, ple), trainable in one line, inspectable (m:views(): fm:interactions, "
                "din:attention, mmoe:gates), saved as safetensors; hand-made batches (batch). "
                "Synthetic data with a known truth: rec.data.synthetic_ctr, synthetic_seq, "
                "synthetic_funnel and synthetic_multitask.",
                "local d = rec.data.synthetic_ctr{rows = 4000}\n"
                "local m = rec.models.deepfm{data = d, embed_dim = 4, hidden = {32, 16}}\n"
                "m:fit(d, {epochs = 2, lr = 0.01}); print(m:evaluate(d).auc)");
    /* a constructor per kind, its help generated from the config table */
    static char doc[4096];
    for (int k = 0; k < RN_MODEL_N_KINDS; k++) {
        const char *name = rn_model_kind_name(k), *what = "a model.", *example = NULL;
        for (size_t i = 0; i < sizeof ctors / sizeof ctors[0]; i++)
            if (strcmp(ctors[i].name, name) == 0) what = ctors[i].what, example = ctors[i].example;
        kind_doc(k, what, doc, sizeof doc);
        lua_pushinteger(L, k);
        lua_pushcclosure(L, l_make, 1);
        char full[48];
        snprintf(full, sizeof full, "rec.models.%s", name);
        rec_doc_set(L, -1, full, doc, example);
        lua_setfield(L, -2, name);
    }
    static const rec_doc_entry more[] = {
        {"load",
         "rec.models.load(path) reads a model saved by m:save: its config from the metadata, "
         "every tensor checked against it. A truncated or corrupt file is an error; a file of an "
         "earlier recnote (without the keys added since) loads with their defaults.",
         "local p = os.tmpname(); rec.models.lr{fields = {3}}:save(p)\n"
         "print(rec.models.load(p):kind())"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.models", 0, more);
    lua_setfield(L, -2, "models");
}
