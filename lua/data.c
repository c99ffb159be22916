/* rec.data and rec.Dataset: the engine's data sets (engine/data/dataset.h)
 * for Lua.
 *
 * rec.data.csv / libsvm / libffm / movielens load a data set; its userdata
 * owns the engine's rn_dataset. Splits, shuffles and batches are views: a
 * userdata holding an index array (or a range of rows) whose user value is
 * the userdata it came from, so the data set lives as long as any view of it
 * and no column is ever copied. Closing a data set (ds:close(), or a
 * <close> variable) frees it at once; its views then raise an error instead
 * of reading freed memory. */
#include "rec.h"
#include "rec_data.h"
#include "rec_aux.h"
#include "rec_engine.h"
#include "host.h"

#include "alloc.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

typedef struct rec_ds {
    struct rec_ds *root; /* the userdata owning ds (itself for a whole data set) */
    rn_dataset *ds;      /* root only: owned; NULL once closed */
    size_t *rows;        /* NULL: the range [start, start + n) */
    size_t start, n;
    int owns_rows; /* rows came from the engine (rn_free them at __gc) */
    int closed;    /* a view closed by ds:close(): refuses use, frees at __gc */
} rec_ds;

/* ---- helpers ---------------------------------------------------------------------------- */

static rec_ds *to_ds(lua_State *L, int i)
{
    rec_ds *d = luaL_checkudata(L, i, REC_DATASET);
    if (d->root->ds == NULL || d->closed) luaL_argerror(L, i, "the data set is closed");
    return d;
}

int rec_dataset_is_open(lua_State *L, int i)
{
    rec_ds *d = luaL_testudata(L, i, REC_DATASET);
    return d != NULL && d->root->ds != NULL && !d->closed;
}

const rn_dataset *rec_check_dataset(lua_State *L, int i, const size_t **rows, size_t *start,
                                    size_t *n)
{
    rec_ds *d = to_ds(L, i);
    *rows = d->rows;
    *start = d->start;
    *n = d->n;
    return d->root->ds;
}

/* Row k (0-based) of view d. */
static size_t row_at(const rec_ds *d, size_t k)
{
    return d->rows ? d->rows[k] : d->start + k;
}

/* Pushes a whole data set (the userdata owns ds; on a Lua memory error ds is
 * freed by __gc since the userdata exists before it is set). */
static rec_ds *push_root(lua_State *L, rn_dataset *ds)
{
    rec_ds *d = lua_newuserdatauv(L, sizeof *d, 1);
    memset(d, 0, sizeof *d);
    d->root = d;
    luaL_setmetatable(L, REC_DATASET);
    d->ds = ds;
    d->n = ds->n_rows;
    return d;
}

void rec_push_dataset(lua_State *L, rn_dataset *ds)
{
    push_root(L, ds);
}

/* Pushes an empty view of the userdata at parent (rows set by the caller). */
static rec_ds *push_view(lua_State *L, int parent)
{
    parent = lua_absindex(L, parent);
    rec_ds *p = lua_touserdata(L, parent);
    rec_ds *d = lua_newuserdatauv(L, sizeof *d, 1);
    memset(d, 0, sizeof *d);
    d->root = p->root;
    luaL_setmetatable(L, REC_DATASET);
    lua_pushvalue(L, parent);
    lua_setiuservalue(L, -2, 1);
    return d;
}

/* The rows of view d as an rn_subset: its own array, or a temporary one for
 * a range (a userdata left on the stack). */
static rn_subset view_subset(lua_State *L, const rec_ds *d)
{
    rn_subset s = {d->rows, d->n};
    if (d->rows == NULL) {
        s.rows = lua_newuserdatauv(L, (d->n ? d->n : 1) * sizeof *s.rows, 0);
        for (size_t k = 0; k < d->n; k++)
            s.rows[k] = d->start + k;
    } else {
        lua_pushnil(L); /* keeps the stack shape the same */
    }
    return s;
}

static void adopt(rec_ds *d, rn_subset *s)
{
    d->rows = s->rows;
    d->n = s->n;
    d->owns_rows = 1;
    s->rows = NULL;
}

static int column_of(lua_State *L, const rn_dataset *ds, const char *name)
{
    int c = rn_dataset_find(ds, name);
    if (c >= 0) return c;
    const char *names[257];
    size_t n = ds->n_cols < 256 ? ds->n_cols : 256;
    for (size_t i = 0; i < n; i++)
        names[i] = ds->cols[i].name;
    names[n] = NULL;
    if (n == 0) return luaL_error(L, "the data set has no column '%s' (it has no columns)", name);
    return luaL_error(L, "the data set has no column '%s'%s", name,
                      rec_did_you_mean(L, name, names));
}

/* ---- loaders ------------------------------------------------------------------------------ */

static const char *const kinds[] = {"label", "dense", "cat", "seq", "int", NULL};

/* rec.data.csv(path, schema) */
static int l_csv(lua_State *L)
{
    static const char *const known[] = {"columns", "group", "time", "delimiter",
                                        "header",  "na",    "rows", NULL};
    static const char *const col_known[] = {"name", "kind", "hash", "sep", "fill", "history_of",
                                            NULL};
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    rec_check_keys(L, 2, "rec.data.csv", known, 0);
    if (lua_getfield(L, 2, "columns") != LUA_TTABLE)
        luaL_error(L, "rec.data.csv: the schema needs columns = {{\"name\", \"kind\"}, ...} "
                      "(kinds: label, dense, cat, seq, int)");
    int cols = lua_gettop(L);
    size_t n = (size_t)lua_rawlen(L, cols);
    if (n == 0) luaL_error(L, "rec.data.csv: columns is empty");
    rn_csv_col *spec = lua_newuserdatauv(L, n * sizeof *spec, 0);
    memset(spec, 0, n * sizeof *spec);
    for (size_t k = 0; k < n; k++) {
        if (lua_rawgeti(L, cols, (lua_Integer)k + 1) != LUA_TTABLE)
            luaL_error(L, "rec.data.csv: columns[%d] is %s: expected {\"name\", \"kind\", ...}",
                       (int)k + 1, luaL_typename(L, -1));
        int e = lua_gettop(L);
        rec_check_keys(L, e, "rec.data.csv column", col_known, 2);
        const char *name = NULL, *kind = NULL;
        if (lua_rawgeti(L, e, 1) == LUA_TSTRING || lua_getfield(L, e, "name") == LUA_TSTRING)
            name = lua_tostring(L, -1);
        if (name == NULL) luaL_error(L, "rec.data.csv: columns[%d] has no name", (int)k + 1);
        if (lua_rawgeti(L, e, 2) == LUA_TSTRING || lua_getfield(L, e, "kind") == LUA_TSTRING)
            kind = lua_tostring(L, -1);
        if (kind == NULL)
            luaL_error(L, "rec.data.csv: column '%s' has no kind (label, dense, cat, seq, int)",
                       name);
        int ki = 0;
        while (kinds[ki] && strcmp(kinds[ki], kind) != 0)
            ki++;
        if (kinds[ki] == NULL)
            luaL_error(L, "rec.data.csv: column '%s': unknown kind '%s'%s", name, kind,
                       rec_did_you_mean(L, kind, kinds));
        spec[k].name = name; /* the string lives in the schema table */
        spec[k].kind = ki;
        lua_getfield(L, e, "hash");
        if (!lua_isnil(L, -1)) {
            lua_Integer h = luaL_checkinteger(L, -1);
            if (h < 1 || h >= INT32_MAX || (ki != RN_COL_CAT && ki != RN_COL_SEQ))
                luaL_error(L,
                           "rec.data.csv: column '%s': hash must be 1 to %d buckets on a cat "
                           "or seq column",
                           name, INT32_MAX - 1);
            spec[k].buckets = h;
        }
        lua_getfield(L, e, "sep");
        if (!lua_isnil(L, -1)) {
            size_t sl;
            const char *sep = lua_tolstring(L, -1, &sl);
            if (sep == NULL || sl != 1 || ki != RN_COL_SEQ)
                luaL_error(L,
                           "rec.data.csv: column '%s': sep must be one character on a seq "
                           "column",
                           name);
            spec[k].sep = sep[0];
        }
        lua_getfield(L, e, "fill");
        if (!lua_isnil(L, -1)) {
            if (ki != RN_COL_DENSE || !lua_isnumber(L, -1))
                luaL_error(L, "rec.data.csv: column '%s': fill must be a number on a dense column",
                           name);
            spec[k].has_fill = 1;
            spec[k].fill = (float)lua_tonumber(L, -1);
        }
        if (lua_getfield(L, e, "history_of") != LUA_TNIL) {
            if (lua_type(L, -1) != LUA_TSTRING || ki != RN_COL_SEQ)
                luaL_error(L,
                           "rec.data.csv: column '%s': history_of must name a cat column, on a "
                           "seq column",
                           name);
            spec[k].history_of = lua_tostring(L, -1); /* lives in the schema table */
        }
        lua_settop(L, e - 1);
    }
    rn_csv_schema sc = {spec, n, ',', 0, NULL, NULL, NULL, 0};
    if (lua_getfield(L, 2, "delimiter") != LUA_TNIL) {
        size_t dl;
        const char *dlm = lua_tolstring(L, -1, &dl);
        if (dlm == NULL || dl != 1)
            luaL_error(L, "rec.data.csv: delimiter must be one character, e.g. \";\" or \"\\t\"");
        sc.delimiter = dlm[0];
    }
    if (lua_getfield(L, 2, "header") != LUA_TNIL) sc.no_header = !lua_toboolean(L, -1);
    if (lua_getfield(L, 2, "group") != LUA_TNIL) sc.group = luaL_checkstring(L, -1);
    if (lua_getfield(L, 2, "time") != LUA_TNIL) sc.time = luaL_checkstring(L, -1);
    if (lua_getfield(L, 2, "rows") != LUA_TNIL) {
        lua_Integer r = luaL_checkinteger(L, -1);
        if (r < 0) luaL_error(L, "rec.data.csv: rows must be >= 0 (0: all)");
        sc.max_rows = (size_t)r;
    }
    if (lua_getfield(L, 2, "na") != LUA_TNIL) {
        if (!lua_istable(L, -1))
            luaL_error(L, "rec.data.csv: na must be a list of strings, e.g. {\"\", \"NA\"}");
        int t = lua_gettop(L);
        size_t m = (size_t)lua_rawlen(L, t);
        const char **na = lua_newuserdatauv(L, (m + 1) * sizeof *na, 0);
        for (size_t k = 0; k < m; k++) {
            if (lua_rawgeti(L, t, (lua_Integer)k + 1) != LUA_TSTRING)
                luaL_error(L, "rec.data.csv: na[%d] is not a string", (int)k + 1);
            na[k] = lua_tostring(L, -1); /* kept alive by the na table */
            lua_pop(L, 1);
        }
        na[m] = NULL;
        sc.na = na;
    }
    rn_dataset *ds = rn_load_csv(path, &sc);
    if (ds == NULL) return rec_engine_error(L);
    push_root(L, ds);
    return 1;
}

/* rec.data.load(path): a data set saved by ds:save */
static int l_load(lua_State *L)
{
    rn_dataset *ds = rn_dataset_load_bin(luaL_checkstring(L, 1));
    if (ds == NULL) return rec_engine_error(L);
    push_root(L, ds);
    return 1;
}

static int l_libsvm(lua_State *L)
{
    rn_dataset *ds = rn_load_libsvm(luaL_checkstring(L, 1));
    if (ds == NULL) return rec_engine_error(L);
    push_root(L, ds);
    return 1;
}

static int l_libffm(lua_State *L)
{
    rn_dataset *ds = rn_load_libffm(luaL_checkstring(L, 1));
    if (ds == NULL) return rec_engine_error(L);
    push_root(L, ds);
    return 1;
}

/* Pushes the folder holding assets/: rec.data_dir if the module set it, else
 * the host's registry entry, else the build's source folder. */
static void push_data_dir(lua_State *L)
{
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "rec") == LUA_TTABLE &&
        lua_getfield(L, -1, "data_dir") == LUA_TSTRING) {
        lua_replace(L, top + 1);
        lua_settop(L, top + 1);
        return;
    }
    lua_settop(L, top);
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_DATA_DIR) == LUA_TSTRING) return;
    lua_pop(L, 1);
#ifdef RECNOTE_DATA_DIR
    lua_pushliteral(L, RECNOTE_DATA_DIR);
#else
    lua_pushliteral(L, ".");
#endif
}

/* rec.data.movielens{dir =, like = 4, history = 20, rows = 0} */
static int l_movielens(lua_State *L)
{
    static const char *const known[] = {"dir", "like", "history", "rows", NULL};
    lua_settop(L, 1);
    if (!lua_isnoneornil(L, 1)) luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.data.movielens", known);
    rn_movielens_config cfg = {NULL, 4.0f, 20, 0};
    if (lua_istable(L, 1) && lua_getfield(L, 1, "dir") != LUA_TNIL) {
        cfg.dir = luaL_checkstring(L, -1);
    } else {
        push_data_dir(L);
        cfg.dir = lua_pushfstring(L, "%s/assets/movielens", lua_tostring(L, -1));
    }
    double like = rec_opt_number(L, 1, "like", 4.0);
    double hist = rec_opt_number(L, 1, "history", 20);
    double rows = rec_opt_number(L, 1, "rows", 0);
    if (!(like > 0 && like <= 5)) luaL_error(L, "rec.data.movielens: like must be in (0, 5]");
    if (!(hist >= 0 && hist <= 1000))
        luaL_error(L, "rec.data.movielens: history must be 0 (none) to 1000 items");
    if (!(rows >= 0 && rows < 1e15))
        luaL_error(L, "rec.data.movielens: rows must be >= 0 (0: all)");
    cfg.like_threshold = (float)like;
    cfg.max_history = hist == 0 ? -1 : (int)hist;
    cfg.max_rows = (size_t)rows;
    rn_dataset *ds = rn_load_movielens(&cfg);
    if (ds == NULL) return rec_engine_error(L);
    push_root(L, ds);
    return 1;
}

/* ---- methods ------------------------------------------------------------------------------- */

static int d_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)to_ds(L, 1)->n);
    return 1;
}

/* The integer option seed of the table at i (0 when absent); any integer,
 * negative ones included, names a stream. */
static uint64_t opt_seed(lua_State *L, int i)
{
    return (uint64_t)rec_opt_integer(L, i, "seed", 0, LUA_MININTEGER, LUA_MAXINTEGER);
}

/* ds:split(frac [, {seed =, by =}]) or ds:split{frac =, seed =, by =} */
static int d_split(lua_State *L)
{
    static const char *const known[] = {"frac", "seed", "by", NULL};
    static const char *const bys[] = {"random", "time", "leave_last", NULL};
    lua_settop(L, 3);
    rec_ds *d = to_ds(L, 1);
    int opts = 3;
    double frac = 0.8;
    if (lua_type(L, 2) == LUA_TTABLE) {
        opts = 2;
        frac = rec_opt_number(L, 2, "frac", 0.8);
    } else if (!lua_isnoneornil(L, 2)) {
        frac = luaL_checknumber(L, 2);
    }
    rec_check_options(L, opts, "split", known);
    if (opts == 3 && lua_istable(L, 3) && lua_getfield(L, 3, "frac") != LUA_TNIL)
        luaL_error(L, "split: give the fraction once (as the argument or as frac =)");
    uint64_t seed = opt_seed(L, opts);
    const char *by = "random";
    if (lua_istable(L, opts) && lua_getfield(L, opts, "by") != LUA_TNIL) by = lua_tostring(L, -1);
    if (by == NULL) luaL_error(L, "split: by must be a string (random, time or leave_last)");
    int how = 0;
    while (bys[how] && strcmp(bys[how], by) != 0)
        how++;
    if (bys[how] == NULL)
        luaL_error(L, "split: unknown by '%s'%s", by, rec_did_you_mean(L, by, bys));
    if (how != 2 && !(frac >= 0 && frac <= 1))
        luaL_error(L, "split: the fraction is %f: expected a value in [0, 1]", frac);
    rn_subset from = view_subset(L, d);
    rec_ds *a = push_view(L, 1);
    rec_ds *b = push_view(L, 1);
    rn_subset sa = {NULL, 0}, sb = {NULL, 0};
    const rn_dataset *ds = d->root->ds;
    int rc = how == 0   ? rn_split_random(&from, frac, seed, &sa, &sb)
             : how == 1 ? rn_split_time(ds, &from, frac, &sa, &sb)
                        : rn_split_leave_last(ds, &from, &sa, &sb);
    if (rc != RN_OK) return rec_engine_error(L);
    adopt(a, &sa);
    adopt(b, &sb);
    return 2;
}

static int d_shuffle(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    lua_Integer seed = luaL_optinteger(L, 2, 0);
    rn_subset from = view_subset(L, d), s;
    rec_ds *v = push_view(L, 1);
    if (rn_subset_from(d->root->ds, from.rows, from.n, &s) != RN_OK) return rec_engine_error(L);
    rn_subset_shuffle(&s, (uint64_t)seed);
    adopt(v, &s);
    return 1;
}

/* The iterator of ds:batches: upvalues (view, batch size, next index). */
static int batch_iter(lua_State *L)
{
    rec_ds *d = lua_touserdata(L, lua_upvalueindex(1));
    if (d->root->ds == NULL || d->closed) return luaL_error(L, "batches: the data set is closed");
    size_t B = (size_t)lua_tointeger(L, lua_upvalueindex(2));
    size_t i = (size_t)lua_tointeger(L, lua_upvalueindex(3));
    if (i >= rn_n_batches(d->n, B)) return 0;
    lua_pushinteger(L, (lua_Integer)i + 1);
    lua_replace(L, lua_upvalueindex(3));
    lua_pushinteger(L, (lua_Integer)i + 1);
    rec_ds *b = push_view(L, lua_upvalueindex(1));
    size_t n = d->n - i * B < B ? d->n - i * B : B;
    if (d->rows)
        b->rows = d->rows + i * B; /* borrowed: the parent is the user value */
    else
        b->start = d->start + i * B;
    b->n = n;
    return 2;
}

/* for i, batch in ds:batches(n [, {shuffle = false, seed = 0}]) */
static int d_batches(lua_State *L)
{
    static const char *const known[] = {"shuffle", "seed", NULL};
    lua_settop(L, 3);
    to_ds(L, 1);
    lua_Integer B = luaL_checkinteger(L, 2);
    if (B < 1) luaL_argerror(L, 2, "the batch size must be at least 1");
    rec_check_options(L, 3, "batches", known);
    if (rec_opt_bool(L, 3, "shuffle", 0)) {
        lua_settop(L, 3);
        lua_getfield(L, 3, "seed");
        lua_pushcfunction(L, d_shuffle);
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 4);
        lua_call(L, 2, 1);
        lua_replace(L, 1);
    }
    lua_pushvalue(L, 1);
    lua_pushinteger(L, B);
    lua_pushinteger(L, 0);
    lua_pushcclosure(L, batch_iter, 3);
    return 1;
}

/* Pushes the value of column c at row r: a number, or a list for a SEQ. */
static void push_cell(lua_State *L, const rn_column *c, size_t r)
{
    switch (c->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE:
        lua_pushnumber(L, (lua_Number)c->f[r]);
        break;
    case RN_COL_INT:
        lua_pushinteger(L, (lua_Integer)c->i64[r]);
        break;
    case RN_COL_CAT:
        lua_pushinteger(L, c->ids[r]);
        break;
    default: {
        size_t a = c->off[r], b = c->off[r + 1];
        lua_createtable(L, (int)(b - a), 0);
        for (size_t j = a; j < b; j++) {
            lua_pushinteger(L, c->ids[j]);
            lua_rawseti(L, -2, (lua_Integer)(j - a + 1));
        }
    }
    }
}

/* ds:column(name) -> values (and, for a seq column with values, the values) */
static int d_column(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const rn_dataset *ds = d->root->ds;
    const rn_column *c = &ds->cols[column_of(L, ds, luaL_checkstring(L, 2))];
    lua_createtable(L, (int)(d->n < INT32_MAX ? d->n : 0), 0);
    for (size_t k = 0; k < d->n; k++) {
        push_cell(L, c, row_at(d, k));
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    if (c->kind != RN_COL_SEQ || c->val == NULL) return 1;
    lua_createtable(L, (int)(d->n < INT32_MAX ? d->n : 0), 0);
    for (size_t k = 0; k < d->n; k++) {
        size_t r = row_at(d, k), a = c->off[r], b = c->off[r + 1];
        lua_createtable(L, (int)(b - a), 0);
        for (size_t j = a; j < b; j++) {
            lua_pushnumber(L, (lua_Number)c->val[j]);
            lua_rawseti(L, -2, (lua_Integer)(j - a + 1));
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 2;
}

static int d_schema(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const rn_dataset *ds = d->root->ds;
    lua_createtable(L, (int)ds->n_cols, 0);
    for (size_t i = 0; i < ds->n_cols; i++) {
        const rn_column *c = &ds->cols[i];
        lua_createtable(L, 0, 6);
        lua_pushstring(L, c->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, rn_col_kind_name(c->kind));
        lua_setfield(L, -2, "kind");
        if (c->kind == RN_COL_CAT || c->kind == RN_COL_SEQ) {
            lua_pushinteger(L, (lua_Integer)c->cardinality);
            lua_setfield(L, -2, "cardinality");
            if (c->buckets > 0) {
                lua_pushinteger(L, (lua_Integer)c->buckets);
                lua_setfield(L, -2, "hash");
            }
        }
        lua_pushinteger(L, (lua_Integer)c->n_missing);
        lua_setfield(L, -2, "missing");
        if (c->kind == RN_COL_DENSE && (c->raw || c->dropped)) { /* not a model input */
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, c->dropped ? "dropped" : "raw");
        }
        if ((int)i == ds->group) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "group");
        }
        if ((int)i == ds->time) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "time");
        }
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int d_head(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    lua_Integer want = luaL_optinteger(L, 2, 5);
    if (want < 0) luaL_argerror(L, 2, "the number of rows must be >= 0");
    size_t n = (size_t)want < d->n ? (size_t)want : d->n;
    const rn_dataset *ds = d->root->ds;
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_createtable(L, 0, (int)ds->n_cols);
        for (size_t i = 0; i < ds->n_cols; i++) {
            push_cell(L, &ds->cols[i], row_at(d, k));
            lua_setfield(L, -2, ds->cols[i].name);
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* ds:vocab(name) -> {[id] = text}, {[id] = label} */
static int d_vocab(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const char *name = luaL_checkstring(L, 2);
    const rn_column *c = &d->root->ds->cols[column_of(L, d->root->ds, name)];
    if (c->vocab == NULL)
        return luaL_error(L, "column '%s' has no vocabulary (%s)", name,
                          c->buckets > 0 ? "it is hashed"
                          : (c->kind == RN_COL_CAT || c->kind == RN_COL_SEQ)
                              ? "its ids are raw"
                              : "it is not cat or seq");
    size_t n = rn_vocab_size(c->vocab);
    lua_createtable(L, (int)n, 0);
    lua_createtable(L, 0, 0);
    for (size_t id = 1; id < n; id++) {
        lua_pushstring(L, rn_vocab_name(c->vocab, (int32_t)id));
        lua_rawseti(L, -3, (lua_Integer)id);
        const char *label = rn_vocab_label(c->vocab, (int32_t)id);
        if (label) {
            lua_pushstring(L, label);
            lua_rawseti(L, -2, (lua_Integer)id);
        }
    }
    return 2;
}

static int d_rows(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    lua_createtable(L, (int)(d->n < INT32_MAX ? d->n : 0), 0);
    for (size_t k = 0; k < d->n; k++) {
        lua_pushinteger(L, (lua_Integer)row_at(d, k) + 1);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

/* ds:tensor(name) -> n tensor; ds:tensor{names...} -> n x k tensor */
static int d_tensor(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const rn_dataset *ds = d->root->ds;
    int cols[64];
    int k = 0;
    if (lua_type(L, 2) == LUA_TSTRING) {
        cols[k++] = column_of(L, ds, lua_tostring(L, 2));
    } else {
        luaL_argexpected(L, lua_istable(L, 2), 2, "a column name or a list of names");
        size_t m = (size_t)lua_rawlen(L, 2);
        if (m < 1 || m > 64) luaL_argerror(L, 2, "give 1 to 64 column names");
        for (size_t j = 0; j < m; j++) {
            lua_rawgeti(L, 2, (lua_Integer)j + 1);
            cols[k++] = column_of(L, ds, luaL_checkstring(L, -1));
            lua_pop(L, 1);
        }
    }
    for (int j = 0; j < k; j++)
        if (ds->cols[cols[j]].kind == RN_COL_SEQ)
            luaL_error(L,
                       "ds:tensor: column '%s' is a sequence (variable length): read it with "
                       "ds:column",
                       ds->cols[cols[j]].name);
    if (d->n == 0 || d->n > (size_t)INT32_MAX / 64)
        luaL_error(L, "ds:tensor: the data set has %d rows: a tensor needs 1 to %d", (int)d->n,
                   INT32_MAX / 64);
    int shape[2] = {(int)d->n, k};
    rn_tensor *t = rn_tensor_new(lua_type(L, 2) == LUA_TSTRING ? 1 : 2, shape);
    if (t == NULL) return rec_engine_error(L);
    rec_push_tensor(L, t, REC_T_OWNED);
    for (size_t r = 0; r < d->n; r++) {
        size_t row = row_at(d, r);
        for (int j = 0; j < k; j++) {
            float v;
            rn_gather_float(ds, cols[j], &row, 1, &v);
            t->data[r * (size_t)k + (size_t)j] = v;
        }
    }
    return 1;
}

/* ds:padded(name, T) -> ids (n lists of T ids, 0 = padding), mask (n x T tensor) */
static int d_padded(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const rn_dataset *ds = d->root->ds;
    int col = column_of(L, ds, luaL_checkstring(L, 2));
    lua_Integer T = luaL_checkinteger(L, 3);
    if (T < 1 || T > 100000) luaL_argerror(L, 3, "the padded length must be 1 to 100000");
    if (ds->cols[col].kind != RN_COL_SEQ)
        luaL_error(L, "ds:padded: column '%s' is %s: expected a seq column", ds->cols[col].name,
                   rn_col_kind_name(ds->cols[col].kind));
    if (d->n == 0 || d->n > (size_t)INT32_MAX / (size_t)T)
        luaL_error(L, "ds:padded: the data set has %d rows: a mask needs 1 to %d", (int)d->n,
                   (int)(INT32_MAX / T));
    int shape[2] = {(int)d->n, (int)T};
    rn_tensor *mask = rn_tensor_new(2, shape);
    if (mask == NULL) return rec_engine_error(L);
    rec_push_tensor(L, mask, REC_T_OWNED);
    int32_t *ids = lua_newuserdatauv(L, (size_t)T * sizeof *ids, 0);
    lua_createtable(L, (int)d->n, 0);
    for (size_t k = 0; k < d->n; k++) {
        size_t row = row_at(d, k);
        rn_gather_seq(ds, col, &row, 1, (size_t)T, ids, mask->data + k * (size_t)T);
        lua_createtable(L, (int)T, 0);
        for (lua_Integer t = 0; t < T; t++) {
            lua_pushinteger(L, ids[t]);
            lua_rawseti(L, -2, t + 1);
        }
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    lua_pushvalue(L, -3);
    return 2;
}

/* ds:histories{user =, item =, time =} -> {items...} per user, {user values} */
static int d_histories(lua_State *L)
{
    static const char *const known[] = {"user", "item", "time", NULL};
    lua_settop(L, 2);
    rec_ds *d = to_ds(L, 1);
    const rn_dataset *ds = d->root->ds;
    rec_check_options(L, 2, "histories", known);
    int user = ds->group, item = rn_dataset_find(ds, "item"), time = ds->time;
    if (lua_istable(L, 2)) {
        if (lua_getfield(L, 2, "user") != LUA_TNIL)
            user = column_of(L, ds, luaL_checkstring(L, -1));
        if (lua_getfield(L, 2, "item") != LUA_TNIL)
            item = column_of(L, ds, luaL_checkstring(L, -1));
        if (lua_getfield(L, 2, "time") != LUA_TNIL)
            time = column_of(L, ds, luaL_checkstring(L, -1));
        lua_settop(L, 2);
    }
    if (user < 0 || item < 0 || time < 0)
        luaL_error(L,
                   "histories: name the %s column: ds:histories{user = ..., item = ..., time "
                   "= ...}",
                   user < 0   ? "user"
                   : item < 0 ? "item"
                              : "time");
    rn_subset from = view_subset(L, d);
    rn_histories h;
    if (rn_dataset_histories(ds, &from, user, item, time, &h) != RN_OK) return rec_engine_error(L);
    /* copy out before raising any Lua error: h is engine memory */
    lua_createtable(L, (int)h.n_users, 0);
    lua_createtable(L, (int)h.n_users, 0);
    for (size_t u = 0; u < h.n_users; u++) {
        lua_createtable(L, (int)(h.off[u + 1] - h.off[u]), 0);
        for (size_t j = h.off[u]; j < h.off[u + 1]; j++) {
            lua_pushinteger(L, h.items[j]);
            lua_rawseti(L, -2, (lua_Integer)(j - h.off[u] + 1));
        }
        lua_rawseti(L, -3, (lua_Integer)u + 1);
        lua_pushinteger(L, (lua_Integer)h.users[u]);
        lua_rawseti(L, -2, (lua_Integer)u + 1);
    }
    rn_histories_free(&h);
    return 2;
}

/* ds:close() / __close: a whole data set is freed now (its views then refuse
 * to be used); a view is only marked closed, because batches taken from it
 * borrow its row list, which __gc frees once nothing refers to it. */
/* d:transform{col = "standardize" | "minmax" | "log1p" | "drop", ...} [, {stats = train}]
 * -> {col = {a, b}}: in place, on the whole data set, statistics from stats's rows. */
static int d_transform(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    static const char *const known[] = {"stats", NULL};
    lua_settop(L, 3);
    rec_check_options(L, 3, "transform", known);
    rec_ds *from = d;
    if (lua_istable(L, 3) && lua_getfield(L, 3, "stats") != LUA_TNIL) {
        from = to_ds(L, -1);
        if (from->root != d->root)
            luaL_error(L, "transform: stats = must be a view (a split) of the same data set");
    }
    lua_settop(L, 3);
    rn_dataset *ds = d->root->ds;
    static const char *const hows[] = {"standardize", "minmax", "log1p", "drop", NULL};
    lua_newtable(L); /* 4: the statistics used */
    lua_pushnil(L);
    while (lua_next(L, 2)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_error(L, "transform: give {column = 'standardize' | 'minmax' | 'log1p' | 'drop'}");
        const char *name = lua_tostring(L, -2);
        int col = rn_dataset_find(ds, name);
        if (col < 0) luaL_error(L, "transform: the data set has no column '%s'", name);
        if (lua_istable(L, -1)) { /* {bucketize = {edges...}} */
            static const char *const bkeys[] = {"bucketize", NULL};
            rec_check_options(L, lua_gettop(L), "transform", bkeys);
            double edges[RN_BUCKETIZE_MAX_EDGES];
            lua_getfield(L, -1, "bucketize");
            int ne = lua_istable(L, -1) ? (int)lua_rawlen(L, -1) : -1;
            if (ne < 1 || ne > RN_BUCKETIZE_MAX_EDGES)
                luaL_error(L, "transform: column '%s': bucketize = {edge, ...} (1 to %d edges)",
                           name, RN_BUCKETIZE_MAX_EDGES);
            for (int i = 0; i < ne; i++) {
                lua_rawgeti(L, -1, i + 1);
                int ok;
                edges[i] = lua_tonumberx(L, -1, &ok);
                if (!ok) luaL_error(L, "transform: column '%s': edge %d is not a number", name, i + 1);
                lua_pop(L, 1);
            }
            lua_pop(L, 1);
            if (rn_dataset_bucketize(ds, col, edges, ne) != RN_OK) return rec_engine_error(L);
            lua_pop(L, 1);
            continue;
        }
        const char *how_s = lua_tostring(L, -1);
        int how = how_s != NULL ? rn_transform_from(how_s) : -1;
        if (how < 0)
            luaL_error(L, "transform: column '%s': unknown transform '%s'%s", name,
                       how_s ? how_s : "?", rec_did_you_mean(L, how_s ? how_s : "", hows));
        double st[2];
        if (rn_dataset_transform(ds, col, how, from->rows, from->start, from->n, st) != RN_OK)
            return rec_engine_error(L);
        if (how == RN_TF_STANDARDIZE || how == RN_TF_MINMAX) {
            lua_createtable(L, 0, 2);
            lua_pushnumber(L, st[0]);
            lua_setfield(L, -2, how == RN_TF_STANDARDIZE ? "mean" : "min");
            lua_pushnumber(L, st[1]);
            lua_setfield(L, -2, how == RN_TF_STANDARDIZE ? "std" : "range");
            lua_setfield(L, 4, name);
        }
        lua_pop(L, 1);
    }
    return 1;
}

/* ds:save(path): the whole data set as a binary columnar file */
static int d_save(lua_State *L)
{
    rec_ds *d = to_ds(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (d->root != d)
        return luaL_error(L,
                          "ds:save: this is a view (a split, shuffle or batch) of %d of the %d "
                          "rows: save the whole data set",
                          (int)d->n, (int)d->root->ds->n_rows);
    if (rn_dataset_save_bin(d->ds, path) != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 1);
    return 1;
}

static int d_close(lua_State *L)
{
    rec_ds *d = luaL_checkudata(L, 1, REC_DATASET);
    if (d->root == d) {
        rn_dataset_free(d->ds);
        d->ds = NULL;
    }
    d->closed = 1;
    return 0;
}

static int d_gc(lua_State *L)
{
    rec_ds *d = luaL_checkudata(L, 1, REC_DATASET);
    if (d->owns_rows) rn_free(d->rows);
    d->rows = NULL;
    d->owns_rows = 0;
    d->n = 0;
    return d_close(L);
}

/* A cell for __tostring: numbers plainly, cat ids by their text, lists short. */
static void add_cell(luaL_Buffer *b, const rn_column *c, size_t r)
{
    char num[64];
    switch (c->kind) {
    case RN_COL_LABEL:
    case RN_COL_DENSE:
        snprintf(num, sizeof num, "%.6g", (double)c->f[r]);
        luaL_addstring(b, num);
        return;
    case RN_COL_INT:
        snprintf(num, sizeof num, "%lld", (long long)c->i64[r]);
        luaL_addstring(b, num);
        return;
    case RN_COL_CAT:
        if (c->vocab && c->ids[r] > 0)
            luaL_addstring(b, rn_vocab_name(c->vocab, c->ids[r]));
        else {
            snprintf(num, sizeof num, c->ids[r] == 0 ? "<missing>" : "#%d", (int)c->ids[r]);
            luaL_addstring(b, num);
        }
        return;
    default: {
        size_t a = c->off[r], e = c->off[r + 1];
        luaL_addchar(b, '{');
        for (size_t j = a; j < e && j < a + 4; j++) {
            if (j > a) luaL_addchar(b, ',');
            if (c->vocab)
                luaL_addstring(b, rn_vocab_name(c->vocab, c->ids[j]));
            else {
                snprintf(num, sizeof num, "%d", (int)c->ids[j]);
                luaL_addstring(b, num);
            }
            if (c->val) {
                snprintf(num, sizeof num, ":%g", (double)c->val[j]);
                luaL_addstring(b, num);
            }
        }
        if (e - a > 4) {
            snprintf(num, sizeof num, ",...+%zu", e - a - 4);
            luaL_addstring(b, num);
        }
        luaL_addchar(b, '}');
    }
    }
}

static int d_tostring(lua_State *L)
{
    rec_ds *d = luaL_checkudata(L, 1, REC_DATASET);
    if (d->root->ds == NULL || d->closed) {
        lua_pushliteral(L, "rec.Dataset (closed)");
        return 1;
    }
    const rn_dataset *ds = d->root->ds;
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    char line[256];
    if (d->root == d)
        snprintf(line, sizeof line, "rec.Dataset: %zu rows from %s\n", d->n, ds->source);
    else
        snprintf(line, sizeof line, "rec.Dataset: %zu of the %zu rows from %s\n", d->n, ds->n_rows,
                 ds->source);
    luaL_addstring(&b, line);
    for (size_t i = 0; i < ds->n_cols; i++) {
        const rn_column *c = &ds->cols[i];
        snprintf(line, sizeof line, "  %-12s %-5s", c->name, rn_col_kind_name(c->kind));
        luaL_addstring(&b, line);
        if (c->kind == RN_COL_CAT || c->kind == RN_COL_SEQ) {
            snprintf(line, sizeof line, " %lld ids%s", (long long)c->cardinality,
                     c->buckets ? " (hashed)" : "");
            luaL_addstring(&b, line);
        }
        if (c->n_missing) {
            snprintf(line, sizeof line, ", %zu missing", c->n_missing);
            luaL_addstring(&b, line);
        }
        if ((int)i == ds->group) luaL_addstring(&b, "  (group)");
        if ((int)i == ds->time) luaL_addstring(&b, "  (time)");
        if (c->kind == RN_COL_DENSE && c->dropped) luaL_addstring(&b, "  (dropped: no model input)");
        if (c->kind == RN_COL_DENSE && c->raw && !c->dropped) {
            snprintf(line, sizeof line,
                     "  (raw scale: no model input until ds:transform({%.40s = 'standardize'}, "
                     "{stats = train}))",
                     c->name);
            luaL_addstring(&b, line);
        }
        luaL_addchar(&b, '\n');
    }
    size_t show = d->n < 5 ? d->n : 5;
    for (size_t k = 0; k < show; k++) {
        size_t r = row_at(d, k);
        snprintf(line, sizeof line, "  [%zu]", k + 1);
        luaL_addstring(&b, line);
        for (size_t i = 0; i < ds->n_cols; i++) {
            luaL_addchar(&b, ' ');
            luaL_addstring(&b, ds->cols[i].name);
            luaL_addchar(&b, '=');
            add_cell(&b, &ds->cols[i], r);
        }
        luaL_addchar(&b, '\n');
    }
    if (d->n > show) {
        snprintf(line, sizeof line, "  ... %zu more rows\n", d->n - show);
        luaL_addstring(&b, line);
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- the module --------------------------------------------------------------------------------
 */

static const luaL_Reg methods[] = {
    {"split", d_split},   {"shuffle", d_shuffle}, {"batches", d_batches},     {"column", d_column},
    {"schema", d_schema}, {"head", d_head},       {"vocab", d_vocab},         {"rows", d_rows},
    {"tensor", d_tensor}, {"padded", d_padded},   {"histories", d_histories}, {"close", d_close},
    {"transform", d_transform}, {"save", d_save},
    {NULL, NULL}};

void rec_open_data(lua_State *L)
{
    int rec = lua_gettop(L);
    luaL_newmetatable(L, REC_DATASET);
    static const luaL_Reg meta[] = {{"__len", d_len},
                                    {"__gc", d_gc},
                                    {"__close", d_close},
                                    {"__tostring", d_tostring},
                                    {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    luaL_newlib(L, methods);
    static const rec_doc_entry mdocs[] = {
        {"split",
         "ds:split(frac [, {seed = 0, by = \"random\"}]) returns two views of ds: by = "
         "\"random\" puts a seeded random share frac of the rows in the first (each part keeps "
         "the original order); by = \"time\" puts the earliest share frac (by the time column) "
         "in the first; by = \"leave_last\" puts each user's latest row (by the group and time "
         "columns) in the second and the rest in the first (no fraction: ds:split{by = "
         "\"leave_last\"}). No column is copied.",
         "local ml = rec.data.movielens{rows = 2000}\n"
         "local train, test = ml:split(0.9, {seed = 7})\n"
         "local past, future = ml:split(0.8, {by = \"time\"})\n"
         "local hist, last = ml:split{by = \"leave_last\"}\n"
         "print(#train, #test, #hist, #last)"},
        {"shuffle",
         "ds:shuffle([seed]) returns a view of ds with its rows in a random order drawn from "
         "the seed (0 if absent): the same seed gives the same order.",
         "local ml = rec.data.movielens{rows = 100}\nprint(ml:shuffle(42):rows()[1])"},
        {"batches",
         "ds:batches(n [, {shuffle = false, seed = 0}]) iterates over batches of n rows (the "
         "last may be shorter) as views that share ds's row list: for i, batch in "
         "ds:batches(256) do ... end. With shuffle = true the rows are shuffled once first.",
         "local ml = rec.data.movielens{rows = 1000}\n"
         "for i, b in ml:batches(300, {shuffle = true, seed = 1}) do print(i, #b) end"},
        {"column",
         "ds:column(name) returns the column's values over the rows of ds as a Lua table: "
         "numbers for label, dense and int columns, ids for cat columns (ds:vocab gives their "
         "text), lists of ids for seq columns (and a second table of values when the column "
         "has them, as libsvm features).",
         "local ml = rec.data.movielens{rows = 5}\nprint(table.concat(ml:column(\"rating\"), "
         "\" \"))\nprint(#ml:column(\"genres\")[1])"},
        {"schema",
         "ds:schema() lists the columns as tables {name =, kind =, cardinality =, missing =, "
         "group =, time =, raw =, dropped =}: kind is label, dense, cat, seq or int; ids of cat "
         "and seq columns lie in [0, cardinality), 0 meaning missing; raw = true marks a dense "
         "column on its own scale (MovieLens' year) and dropped = true one ds:transform dropped: "
         "models read neither.",
         "for _, c in ipairs(rec.data.movielens{rows = 10}:schema()) do print(c.name, c.kind) "
         "end"},
        {"head", "ds:head([n = 5]) returns the first n rows as tables {column = value}.",
         "print(rec.data.movielens{rows = 3}:head(1)[1].rating)"},
        {"vocab",
         "ds:vocab(name) returns two tables for a cat or seq column: id -> the text it stands "
         "for, and id -> a display label where the loader set one (MovieLens items: \"Toy Story "
         "(1995)\").",
         "local ml = rec.data.movielens{rows = 20}\nlocal ids, titles = ml:vocab(\"item\")\n"
         "print(ids[1], titles[1])"},
        {"rows", "ds:rows() lists which rows of the whole data set this view holds (1-based).",
         "local ml = rec.data.movielens{rows = 10}\nlocal a, b = ml:split(0.5, {seed = 1})\n"
         "print(table.concat(b:rows(), \" \"))"},
        {"tensor",
         "ds:tensor(name) returns a column as a 1-D rec.Tensor over the rows of ds; "
         "ds:tensor{name1, name2, ...} returns an n x k tensor (label, dense, int and cat "
         "columns; cat as id numbers). Feed it to rec ops or rec.metrics.",
         "local ml = rec.data.movielens{rows = 100}\nlocal y = ml:tensor(\"like\")\n"
         "print(y:shape()[1])"},
        {"padded",
         "ds:padded(name, T) reads a seq column (a behaviour history, genres) as fixed-length "
         "rows for a model: a list of n lists of T ids (each row's last T ids, oldest first, "
         "then 0 as padding) and an n x T rec.Tensor mask (1 for an id, 0 for padding), the "
         "inputs of masked pooling or DIN's attention.",
         "local ml = rec.data.movielens{rows = 10}\n"
         "local ids, mask = ml:padded(\"history\", 4)\n"
         "print(table.concat(ids[3], \" \"), mask)"},
        {"histories",
         "ds:histories{user =, item =, time =} returns each user's items in time order over "
         "the rows of ds (a list of lists, users in order of first appearance) and the users' "
         "ids; by default the group column, a column named item and the time column. The "
         "sequences to train item2vec on.",
         "local seqs, users = rec.data.movielens{rows = 500}:histories()\nprint(#seqs, #seqs[1])"},
        {"transform",
         "ds:transform{col = how, ...} [, {stats = train}] transforms dense columns in place, "
         "for the whole data set and every view of it: 'standardize' ((x - mean) / std), "
         "'minmax' ((x - min) / (max - min)), 'log1p' (log(1 + x)), 'drop' (models no longer "
         "read it) or {bucketize = {e1, e2, ...}} (a categorical column of the buckets < e1, "
         "[e1, e2), ..., >= en: a field of the models, as Wide & Deep's age buckets). The statistics come from the rows of stats only (the training split: "
         "nothing of the validation rows leaks into the features) and are returned, "
         "{col = {mean =, std =}}, to apply to new data. A raw column (MovieLens' year, "
         "ds:schema() marks it) becomes a model input once standardised, min-max scaled, "
         "log1p'd or bucketised.",
         "local ml = rec.data.movielens{rows = 1000}\nlocal train, test = ml:split(0.9)\n"
         "print(ml:transform({year = 'standardize'}, {stats = train}).year.mean)"},
        {"save",
         "ds:save(path) writes the whole data set as a binary columnar file (every column, "
         "vocabularies and their labels, group and time columns; a header with checksums; "
         "written atomically); rec.data.load(path) reads it back, much faster than parsing the "
         "CSV again (a million CTR rows in a fraction of a second). A view (a split) cannot be "
         "saved: save the data set it came from.",
         "local ml = rec.data.movielens{rows = 1000}\nlocal path = os.tmpname()\n"
         "ml:save(path)\nprint(#rec.data.load(path)) os.remove(path)"},
        {"close",
         "ds:close() frees the data set now instead of at garbage collection; its views then "
         "refuse to be used. local ds <close> = ... does it at the end of the scope.",
         "local ds = rec.data.movielens{rows = 10}\nds:close()"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.Dataset", 1, mdocs);
    /* a table, not a function, so that the REPL completes ds:<TAB> */
    lua_setfield(L, -2, "__index");
    rec_doc_set(L, -1, "rec.Dataset",
                "A columnar data set or a view of some of its rows (a split, a shuffle, a "
                "batch): #ds rows, print(ds) shows the schema and first rows, and methods "
                ":split, :shuffle, :batches, :column, :schema, :head, :vocab, "
                ":rows, :tensor, :padded, :histories, :transform, :save, :close; help(ds.split) (or "
                "help(\"rec.Dataset:split\")) "
                "documents one.",
                "local ml = rec.data.movielens{rows = 1000}\nprint(ml)");
    lua_pop(L, 1);

    static const luaL_Reg fns[] = {{"csv", l_csv},
                                   {"libsvm", l_libsvm},
                                   {"libffm", l_libffm},
                                   {"movielens", l_movielens},
                                   {"load", l_load},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    rec_doc_set(L, -1, "rec.data",
                "Data sets: rec.data.csv, rec.data.libsvm, rec.data.libffm, "
                "rec.data.movielens and rec.data.load (a file ds:save wrote) load one as a rec.Dataset (help(\"rec.Dataset\") lists its "
                "methods). Columns are labels, dense floats, categorical ids with a vocabulary "
                "(or hashing), variable-length id lists, and integers such as timestamps.",
                "print(rec.data.movielens{rows = 1000})");
    static const rec_doc_entry docs[] = {
        {"csv",
         "rec.data.csv(path, schema) reads an RFC 4180 CSV file (quoted fields with commas, "
         "line breaks and doubled quotes; LF or CRLF; a UTF-8 BOM is skipped). schema = "
         "{columns = {{name, kind [, hash = buckets] [, sep = \"|\"] [, fill = 0] [, "
         "history_of = \"item\"]}, ...}, "
         "group =, time =, delimiter = \",\", header = true, na = {\"\", \"NA\"}, rows = 0}: "
         "kinds label, dense, cat (ids by vocabulary, or hashed into buckets), seq (a "
         "sep-separated list of ids, e.g. genres) and int; with a header columns are found by "
         "name and others are skipped. Missing entries (na) become fill for dense, id 0 for "
         "cat, an empty list for seq; labels cannot be missing. A seq column with history_of = "
         "\"item\" is a behaviour history of the cat column item: its ids are item's ids (one "
         "shared vocabulary). Errors name file:line:column, the column and what was expected. "
         "ds:save / rec.data.load keep a loaded set as a binary file that reloads far faster.",
         "local path = os.tmpname()\n"
         "local f = io.open(path, \"w\")\n"
         "f:write('click,city,tags\\n1,\"Paris, FR\",a|b\\n0,NA,b\\n') f:close()\n"
         "local ds = rec.data.csv(path, {columns = {{\"click\", \"label\"}, {\"city\", "
         "\"cat\"},\n"
         "                                          {\"tags\", \"seq\"}}})\n"
         "print(ds) os.remove(path)"},
        {"libsvm",
         "rec.data.libsvm(path) reads \"label index:value ...\" lines (an optional qid:n "
         "becomes the group column qid; # starts a comment) into a label column and a seq "
         "column features whose ids are the indices, with their values.",
         "local path = os.tmpname()\n"
         "local f = io.open(path, \"w\") f:write(\"1 1:0.5 7:1\\n0 3:2\\n\") f:close()\n"
         "local ds = rec.data.libsvm(path)\nprint(ds) os.remove(path)"},
        {"libffm",
         "rec.data.libffm(path) reads \"label field:index:value ...\" lines (the FFM format) "
         "like rec.data.libsvm; each feature also keeps its field.",
         "local path = os.tmpname()\n"
         "local f = io.open(path, \"w\") f:write(\"1 0:1:0.5 1:3:1\\n\") f:close()\n"
         "print(rec.data.libffm(path)) os.remove(path)"},
        {"load",
         "rec.data.load(path) reads a data set that ds:save wrote (a binary columnar file): "
         "the same columns, ids, vocabularies and group/time columns. A damaged or truncated "
         "file is an error naming what and where, never a crash.",
         "local ml = rec.data.movielens{rows = 500}\nlocal path = os.tmpname()\nml:save(path)\n"
         "local back = rec.data.load(path)\nprint(back) os.remove(path)"},
        {"movielens",
         "rec.data.movielens{dir =, like = 4, history = 20, rows = 0} loads MovieLens "
         "(latest-small, 100,004 ratings of 671 users; shipped in assets/movielens, see its "
         "README for the licence): columns user (cat, the group), item (cat; ds:vocab gives "
         "movie ids and titles), rating (label, stars), like (label, rating >= like), "
         "timestamp (int, the time), genres (seq, multi-hot), year (dense, the release year "
         "as is: raw, so models leave it out until you rescale it with the training rows' "
         "statistics, ml:transform({year = 'standardize'}, {stats = train}); fed as 1902..2016 "
         "beside embeddings of about 0.01 it would swamp them) and history (seq: "
         "the user's previous items, at most history of them; 0: no column). rows = n reads "
         "only the first n ratings.",
         "local ml = rec.data.movielens{rows = 5000}\nprint(ml)\n"
         "local train, test = ml:split{by = \"leave_last\"}"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.data", 0, docs);
    lua_setfield(L, rec, "data");
}
