/* rec.CtrData: rows of CTR data for the model zoo (an rn_samples: sparse ids,
 * dense features, padded sequences with their mask, labels, groups), and
 * rec.models.batch, which makes one by hand. The synthetic generators that
 * make them are rec.data.synthetic_ctr / synthetic_seq (data_synth.c).
 * A rec.Dataset given to a model is read into a rec.CtrData here
 * (rec_samples_arg). */
#include "rec_models.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "host.h"

#include "alloc.h"
#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

/* ---- rec.CtrData ----------------------------------------------------------------- */

data_ud *rec_ctrdata_check(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_DATA, "data set");
}

static rn_samples *check_data(lua_State *L, int i)
{
    return rec_ctrdata_check(L, i)->b;
}

void rec_ctrdata_push(lua_State *L, rn_samples *b)
{
    data_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->b = b;
    u->busy = 0;
    luaL_setmetatable(L, REC_DATA);
}

const rn_dataset *rec_dataset_map(lua_State *L, int i, const rec_labels *lab, int T,
                                  rn_data_map *map, const size_t **rows, size_t *start,
                                  size_t *n)
{
    const rn_dataset *ds = rec_check_dataset(L, i, rows, start, n);
    int rc, maxT = T > 0 ? T : 50;
    if (lab == NULL || lab->n == 0) {
        rc = rn_data_map_infer(ds, NULL, maxT, map);
    } else if (lab->n < 0) {
        rc = rn_data_map_infer_labels(ds, NULL, 0, maxT, map);
    } else {
        const char *names[RN_MODEL_MAX_TASKS];
        for (int k = 0; k < lab->n; k++)
            names[k] = lab->name[k];
        rc = rn_data_map_infer_labels(ds, names, lab->n, maxT, map);
    }
    if (rc != RN_OK) rec_engine_error(L);
    if (T > 0) map->seq_len = T;
    return ds;
}

void rec_read_labels(lua_State *L, int i, const char *fn, rec_labels *lab)
{
    memset(lab, 0, sizeof *lab);
    int t = lua_getfield(L, i, "label");
    if (t == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, -1, &len);
        if (len == 0 || len >= sizeof lab->name[0])
            luaL_error(L, "%s: label must name a label column (1..31 characters)", fn);
        memcpy(lab->name[0], s, len + 1);
        lab->n = 1;
    } else if (t == LUA_TTABLE) {
        int n = (int)lua_rawlen(L, -1);
        if (n < 1 || n > RN_MODEL_MAX_TASKS)
            luaL_error(L, "%s: label = {...} must list 1 to %d label columns", fn,
                       RN_MODEL_MAX_TASKS);
        for (int k = 0; k < n; k++) {
            size_t len = 0;
            const char *s = lua_rawgeti(L, -1, k + 1) == LUA_TSTRING ? lua_tolstring(L, -1, &len)
                                                                      : NULL;
            if (s == NULL || len == 0 || len >= sizeof lab->name[0])
                luaL_error(L, "%s: label[%d] must name a label column (1..31 characters)", fn,
                           k + 1);
            memcpy(lab->name[k], s, len + 1);
            lua_pop(L, 1);
        }
        lab->n = n;
    } else if (t != LUA_TNIL) {
        luaL_error(L, "%s: label must be a column name or a list of them, got %s", fn,
                   luaL_typename(L, -1));
    }
    lua_pop(L, 1);
}

rn_samples *rec_samples_arg(lua_State *L, int i, const rec_labels *lab, int T)
{
    i = lua_absindex(L, i);
    if (luaL_testudata(L, i, REC_DATASET) == NULL) return check_data(L, i);
    rn_data_map map;
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_dataset_map(L, i, lab, T, &map, &rows, &start, &n);
    rn_samples *b = rn_samples_from_dataset(ds, &map, rows, start, n);
    if (b == NULL) rec_engine_error(L);
    rec_ctrdata_push(L, b);
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

/* d:close() and <close>: refused while fit reads the rows. */
static int d_close(lua_State *L)
{
    data_ud *u = luaL_checkudata(L, 1, REC_DATA);
    if (u->busy > 0) return luaL_error(L, "cannot close the data set while fit is using it");
    return d_gc(L);
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
    if (b->n_seq > 1)
        lua_pushfstring(L,
                        "rec.CtrData: %d rows, %d sparse fields, %d dense, sequence length %d "
                        "(%d features per behaviour), positive rate %f",
                        (int)b->n, b->n_fields, b->n_dense, b->seq_len, b->n_seq,
                        pos / (double)b->n);
    else
        lua_pushfstring(L,
                        "rec.CtrData: %d rows, %d sparse fields, %d dense, sequence length %d, "
                        "positive rate %f",
                        (int)b->n, b->n_fields, b->n_dense, b->seq_len, pos / (double)b->n);
    return 1;
}

/* A copy of the rows [from, from + n) of b (or the rows listed). */
static rn_samples *copy_rows(lua_State *L, const rn_samples *b, const size_t *rows, size_t n)
{
    rn_samples *c = rn_samples_like(b, n, 1);
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
        return luaL_error(L, "slice: rows %I..%I are outside 1..%I", i, j, (lua_Integer)b->n);
    size_t n = (size_t)(j - i + 1);
    size_t *rows = lua_newuserdatauv(L, n * sizeof *rows, 0);
    for (size_t k = 0; k < n; k++)
        rows[k] = (size_t)(i - 1) + k;
    rec_ctrdata_push(L, copy_rows(L, b, rows, n));
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
    if (na < 1 || na >= n) {
        char msg[96]; /* luaL_error has no %g */
        snprintf(msg, sizeof msg, "split: %zu rows cannot be split %g (each part needs a row)", n,
                 frac);
        return luaL_error(L, "%s", msg);
    }
    size_t *rows = lua_newuserdatauv(L, n * sizeof *rows, 0);
    for (size_t k = 0; k < n; k++)
        rows[k] = k;
    rn_rng g;
    rn_rng_seed(&g, (uint64_t)rec_opt_integer(L, 3, "seed", 1, LUA_MININTEGER, LUA_MAXINTEGER));
    for (size_t k = n - 1; k > 0; k--) {
        size_t j = (size_t)rn_rng_below(&g, (uint64_t)k + 1), t = rows[k];
        rows[k] = rows[j];
        rows[j] = t;
    }
    rec_ctrdata_push(L, copy_rows(L, b, rows, na));
    rec_ctrdata_push(L, copy_rows(L, b, rows + na, n - na));
    return 2;
}

/* (The cardinality of each field is its largest id + 1.) */
void rec_ctrdata_schema(lua_State *L, const rn_samples *b, int seq_field)
{
    lua_createtable(L, 0, 4);
    lua_createtable(L, b->n_fields, 0);
    for (int f = 0; f < b->n_fields; f++) {
        int32_t mx = 0;
        for (size_t i = 0; i < b->n; i++)
            if (b->sparse[i * (size_t)b->n_fields + (size_t)f] > mx)
                mx = b->sparse[i * (size_t)b->n_fields + (size_t)f];
        size_t W = (size_t)b->n_seq; /* the history features sharing field f's rows */
        for (size_t s = 0; s < W; s++)
            if (b->seq_of[s] >= 0 ? b->seq_of[s] == f : s == 0 && f == seq_field - 1)
                for (size_t i = 0; i < b->n * (size_t)b->seq_len; i++)
                    if (b->seq[i * W + s] > mx) mx = b->seq[i * W + s];
        lua_pushinteger(L, (lua_Integer)mx + 1);
        lua_rawseti(L, -2, f + 1);
    }
    lua_setfield(L, -2, "fields");
    lua_pushinteger(L, b->n_dense);
    lua_setfield(L, -2, "dense");
    lua_pushinteger(L, b->seq_len);
    lua_setfield(L, -2, "seq_len");
    if (b->bag_len > 0) { /* the sparse bag's rows: its largest id + 1 */
        int32_t mx = 0;
        for (size_t i = 0; i < b->n * (size_t)b->bag_len; i++)
            if (b->bag[i] > mx) mx = b->bag[i];
        lua_pushinteger(L, (lua_Integer)mx + 1);
        lua_setfield(L, -2, "bag");
        int32_t top = -1;
        for (size_t i = 0; b->bag_fld != NULL && i < b->n * (size_t)b->bag_len; i++)
            if (b->bag_fld[i] > top) top = b->bag_fld[i];
        lua_pushinteger(L, (lua_Integer)top + 1);
        lua_setfield(L, -2, "bag_fields");
    }
    if (b->seq_len > 0) {
        lua_pushinteger(L, b->seq_of[0] >= 0 ? b->seq_of[0] + 1 : seq_field);
        lua_setfield(L, -2, "seq_field");
    }
    if (b->seq_len > 0 && b->n_seq > 1) { /* several behaviour features: the fields they share */
        lua_createtable(L, b->n_seq, 0);
        for (int s = 0; s < b->n_seq; s++) {
            lua_pushinteger(L, b->seq_of[s] >= 0 ? b->seq_of[s] + 1 : s == 0 ? seq_field : 0);
            lua_rawseti(L, -2, s + 1);
        }
        lua_setfield(L, -2, "seq_fields");
    }
}

static int d_schema(lua_State *L)
{
    rn_samples *b = check_data(L, 1);
    rec_ctrdata_schema(L, b, 1);
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

/* The id of behaviour feature s at history position t of row i: seq[i][t]
 * itself when there is one feature, else seq[i][t][s]. */
static double seq_cell(lua_State *L, int i, int t, int s, int W)
{
    if (W == 1) return cell(L, "seq", i, t);
    lua_getfield(L, 1, "seq");
    lua_rawgeti(L, -1, i);
    if (lua_rawgeti(L, -1, t) != LUA_TTABLE || (int)lua_rawlen(L, -1) != W)
        luaL_error(L,
                   "rec.models.batch: seq[%d][%d] must be a table of %d ids, one per seq_fields "
                   "entry",
                   i, t, W);
    lua_rawgeti(L, -1, s + 1);
    int ok;
    double v = lua_tonumberx(L, -1, &ok);
    if (!ok) luaL_error(L, "rec.models.batch: seq[%d][%d][%d] must be a number", i, t, s + 1);
    lua_pop(L, 4);
    return v;
}

/* rec.models.batch{sparse = {{ids}...}, dense = {{x}...}, seq = {{items}...},
 * seq_len = T, seq_fields = {f...}, labels = {y...}, group = {g...}}: with
 * seq_fields naming W >= 2 fields, each history position is a table of W ids
 * ({item, category}), feature s sharing field seq_fields[s]'s table. */
static int l_batch(lua_State *L)
{
    static const char *const known[] = {"sparse", "dense", "seq", "seq_len", "seq_fields",
                                        "labels", "group", NULL};
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.models.batch", known);
    int F, Dn, T;
    int n = table_rows(L, "sparse", &F);
    int nd = table_rows(L, "dense", &Dn), ns = table_rows(L, "seq", &T);
    if (n < 1) return luaL_error(L, "rec.models.batch: 'sparse' needs at least one row");
    if ((nd && nd != n) || (ns && ns != n))
        return luaL_error(L, "rec.models.batch: sparse has %d rows, dense %d, seq %d", n, nd, ns);
    T = (int)rec_opt_integer(L, 1, "seq_len", T, 0, 100000);
    if (ns > 0 && T < 1) return luaL_error(L, "rec.models.batch: seq_len must be at least 1");
    int seq_fields[RN_SEQ_MAX_FEATURES];
    int W = rec_opt_int_list(L, 1, "seq_fields", RN_SEQ_MAX_FEATURES, 1, F > 0 ? F : 1,
                             seq_fields);
    if (W > 0 && ns == 0) return luaL_error(L, "rec.models.batch: seq_fields needs seq");
    for (int s = 0; s < W; s++)
        if (seq_fields[s] > F)
            return luaL_error(L, "rec.models.batch: seq_fields[%d] is %d but rows have %d fields",
                              s + 1, seq_fields[s], F);
    lua_getfield(L, 1, "group");
    int with_group = !lua_isnil(L, -1);
    lua_pop(L, 1);
    rn_samples *b =
        rn_samples_new_seq((size_t)n, F, Dn, ns ? T : 0, W > 1 ? W : 1, 1, with_group);
    if (b == NULL) return rec_engine_error(L);
    rec_ctrdata_push(L, b); /* collected on error */
    for (int s = 0; ns && s < W; s++)
        b->seq_of[s] = seq_fields[s] - 1;
    int per = W > 1 ? W : 1;
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
                size_t at = (size_t)(i - 1) * (size_t)T + (size_t)(t - start);
                for (int s = 0; s < per; s++) {
                    double v = seq_cell(L, i, t + 1, s, per);
                    if (per == 1 && (v != floor(v) || v < 1 || v > 2147483647.0))
                        luaL_error(L,
                                   "rec.models.batch: seq[%d][%d] must be an item id >= 1 (0 is "
                                   "padding)",
                                   i, t + 1);
                    if (per > 1 && (v != floor(v) || v < 0 || v > 2147483647.0))
                        luaL_error(L, "rec.models.batch: seq[%d][%d][%d] must be an id >= 0", i,
                                   t + 1, s + 1);
                    b->seq[at * (size_t)per + (size_t)s] = (int32_t)v;
                }
                b->mask[at] = 1.0f;
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

/* ---- registration ---------------------------------------------------------------------- */

static const luaL_Reg data_methods[] = {{"slice", d_slice},   {"split", d_split},
                                        {"schema", d_schema}, {"labels", d_labels},
                                        {"close", d_close},   {NULL, NULL}};

static const rec_doc_entry data_docs[] = {
    {"slice", "d:slice(i, j) copies rows i..j (1-based, inclusive) into a new rec.CtrData.",
     "print(#rec.data.synthetic_ctr{rows = 100}:slice(1, 10))"},
    {"split", "d:split(frac, {seed=}) shuffles and splits into two new data sets.",
     "local a, b = rec.data.synthetic_ctr{rows = 100}:split(0.8); print(#a, #b)"},
    {"schema",
     "d:schema() is {fields = {cardinality of each field}, dense, seq_len, seq_field, and "
     "seq_fields = {field of each behaviour feature} when a history position carries several "
     "(item, category)}, what a model's data = option reads.",
     "print(rec.data.synthetic_seq{rows = 100}:schema().seq_len)"},
    {"labels", "d:labels() returns the labels as a Lua array.",
     "print(#rec.data.synthetic_ctr{rows = 10}:labels())"},
    {"close", "d:close() frees the rows now.", "rec.data.synthetic_ctr{rows = 10}:close()"},
    {NULL, NULL, NULL}};

void rec_ctrdata_open(lua_State *L, int models)
{
    models = lua_absindex(L, models);
    luaL_newmetatable(L, REC_DATA);
    luaL_newlib(L, data_methods);
    rec_doc_fields(L, -1, "rec.CtrData", 1, data_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg dmeta[] = {{"__gc", d_gc},
                                     {"__close", d_close},
                                     {"__len", d_len},
                                     {"__tostring", d_tostring},
                                     {NULL, NULL}};
    luaL_setfuncs(L, dmeta, 0);
    lua_pop(L, 1);

    lua_pushcfunction(L, l_batch);
    rec_doc_set(
        L, -1, "rec.models.batch",
        "rec.models.batch{sparse = {{ids of row 1}, ...}, dense = {{...}}, seq = {{items}}, "
        "seq_len, seq_fields, labels, group} makes a rec.CtrData by hand (ids from 0; item 0 is "
        "padding). With seq_fields = {1, 2} each history position is {item, category}: "
        "seq = {{{12, 3}, {40, 7}}, ...}, feature s sharing the table of field seq_fields[s] "
        "(a position present is real, so ids may be 0 there).",
        "print(#rec.models.batch{sparse = {{1, 0}, {0, 1}}, labels = {1, 0}})");
    lua_setfield(L, models, "batch");
}
