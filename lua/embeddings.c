/* rec.embeddings: the Lua face of engine/embeddings.h, and the readers of
 * vectors and ids that rec.index (lua/index.c) shares.
 *
 *   rec.Embeddings  vectors with ids and labels: neighbours, search, files,
 *                   and e:plot{around = ...}, the embedding-neighbourhood
 *                   figure (a PCA projection through rec.plot.scatter, the
 *                   query and its neighbours highlighted by viz)
 *
 * Ids seen from Lua are the user's (a movie id); without ids, vectors are
 * numbered 1..n as Lua numbers its arrays. Results are plain tables; a
 * neighbour list prints as an aligned table. */
#include "rec_embed.h"

#include "host.h"
#include "plot.h"
#include "rec.h"
#include "rec_engine.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#define REC_NEIGHBORS "rec.Neighbors"

typedef struct {
    rn_embeddings *e; /* NULL once closed */
} emb_ud;

/* ---- reading vectors ---------------------------------------------------------------------- */

/* The number at the top of the stack as a float (popped); an error naming
 * fn and what[row][col] otherwise. */
static float pop_float(lua_State *L, const char *fn, const char *what, size_t row, int col,
                       int single)
{
    int ok;
    lua_Number x = lua_tonumberx(L, -1, &ok);
    if (!ok) {
        if (single)
            luaL_error(L, "%s: %s[%d] is %s (expected a number)", fn, what, col,
                       luaL_typename(L, -1));
        else
            luaL_error(L, "%s: %s[%d][%d] is %s (expected a number)", fn, what, (int)row, col,
                       luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    /* beyond the float range: +-inf, which the engine then refuses by name */
    return x > 3.5e38 ? INFINITY : x < -3.5e38 ? -INFINITY : (float)x;
}

/* Reads the vectors at index i: a rec.Tensor (1-D: one vector, 2-D: rows),
 * a table of numbers (one vector) or a table of rows. The floats live in a
 * userdata pushed on the stack. *single is set for one vector. */
float *rec_check_vectors(lua_State *L, int i, const char *fn, const char *what, size_t *rows,
                         int *cols, int *single)
{
    i = lua_absindex(L, i);
    if (luaL_testudata(L, i, REC_TENSOR) != NULL) {
        rn_tensor *t = rec_check_tensor(L, i);
        if (t->ndim > 2)
            luaL_error(L, "%s: %s is a %d-D tensor (expected 1-D or 2-D)", fn, what, t->ndim);
        *single = t->ndim == 1;
        *rows = t->ndim == 1 ? 1 : (size_t)t->shape[0];
        *cols = t->shape[t->ndim - 1];
        float *v = lua_newuserdatauv(L, t->n * sizeof *v, 0);
        memcpy(v, t->data, t->n * sizeof *v);
        return v;
    }
    if (!lua_istable(L, i))
        luaL_error(L, "%s: %s must be a table of numbers, a table of rows or a rec.Tensor, got %s",
                   fn, what, luaL_typename(L, i));
    size_t n = (size_t)luaL_len(L, i);
    if (n == 0) luaL_error(L, "%s: %s is empty", fn, what);
    lua_geti(L, i, 1);
    *single = lua_type(L, -1) == LUA_TNUMBER;
    lua_pop(L, 1);
    if (*single) {
        if (n > RN_EMB_MAX_DIM) luaL_error(L, "%s: %s has %d values (at most %d)", fn, what, (int)n, RN_EMB_MAX_DIM);
        float *v = lua_newuserdatauv(L, n * sizeof *v, 0);
        for (size_t j = 0; j < n; j++) {
            lua_geti(L, i, (lua_Integer)j + 1);
            v[j] = pop_float(L, fn, what, 1, (int)j + 1, 1);
        }
        *rows = 1, *cols = (int)n;
        return v;
    }
    lua_geti(L, i, 1);
    if (!lua_istable(L, -1))
        luaL_error(L, "%s: %s[1] is %s (expected a table of numbers)", fn, what,
                   luaL_typename(L, -1));
    size_t d = (size_t)luaL_len(L, -1);
    lua_pop(L, 1);
    if (d == 0 || d > RN_EMB_MAX_DIM)
        luaL_error(L, "%s: %s[1] has %d values (expected 1..%d)", fn, what, (int)d, RN_EMB_MAX_DIM);
    if (n > ((size_t)1 << 40) / d) luaL_error(L, "%s: %s is too large", fn, what);
    float *v = lua_newuserdatauv(L, n * d * sizeof *v, 0);
    for (size_t r = 0; r < n; r++) {
        lua_geti(L, i, (lua_Integer)r + 1);
        if (!lua_istable(L, -1))
            luaL_error(L, "%s: %s[%d] is %s (expected a table of numbers)", fn, what, (int)r + 1,
                       luaL_typename(L, -1));
        if ((size_t)luaL_len(L, -1) != d)
            luaL_error(L, "%s: %s[%d] has %d values, %s[1] has %d", fn, what, (int)r + 1,
                       (int)luaL_len(L, -1), what, (int)d);
        for (size_t j = 0; j < d; j++) {
            lua_geti(L, -1, (lua_Integer)j + 1);
            v[r * d + j] = pop_float(L, fn, what, r + 1, (int)j + 1, 0);
        }
        lua_pop(L, 1);
    }
    *rows = n, *cols = (int)d;
    return v;
}

/* Reads n integer ids (>= 0) from the table at i into a userdata pushed on
 * the stack. */
int64_t *rec_check_vector_ids(lua_State *L, int i, size_t n, const char *fn)
{
    luaL_checktype(L, i, LUA_TTABLE);
    if ((size_t)luaL_len(L, i) != n)
        luaL_error(L, "%s: ids has %d entries for %d vectors", fn, (int)luaL_len(L, i), (int)n);
    int64_t *ids = lua_newuserdatauv(L, n * sizeof *ids, 0);
    for (size_t r = 0; r < n; r++) {
        int ok;
        lua_geti(L, i, (lua_Integer)r + 1);
        lua_Integer id = lua_tointegerx(L, -1, &ok);
        if (!ok)
            luaL_error(L, "%s: ids[%d] is %s (expected an integer)", fn, (int)r + 1,
                       lua_type(L, -1) == LUA_TNUMBER ? "not a whole number"
                                                      : luaL_typename(L, -1));
        if (id < 0) luaL_error(L, "%s: ids[%d] is %d (ids must be >= 0)", fn, (int)r + 1, (int)id);
        ids[r] = (int64_t)id;
        lua_pop(L, 1);
    }
    return ids;
}

/* 1..n, the ids of vectors given without ids. */
int64_t *rec_count_vector_ids(lua_State *L, size_t first, size_t n)
{
    int64_t *ids = lua_newuserdatauv(L, n * sizeof *ids, 0);
    for (size_t r = 0; r < n; r++)
        ids[r] = (int64_t)(first + r);
    return ids;
}

/* The metric named by option "metric" of the table at opts (or dflt). */
int rec_opt_metric(lua_State *L, int opts, const char *fn, int dflt)
{
    if (lua_isnoneornil(L, opts)) return dflt;
    int t = lua_getfield(L, opts, "metric");
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return dflt;
    }
    const char *s = lua_tostring(L, -1);
    int m = t == LUA_TSTRING ? rn_index_metric_from_name(s) : -1;
    if (m < 0)
        luaL_error(L, "%s: metric must be \"dot\" or \"cosine\", got %s%s%s", fn,
                   t == LUA_TSTRING ? "\"" : "", t == LUA_TSTRING ? s : luaL_typename(L, -1),
                   t == LUA_TSTRING ? "\"" : "");
    lua_pop(L, 1);
    return m;
}

/* Field key of opts as an integer in [lo, hi], or dflt when absent. */
static int opt_int(lua_State *L, int opts, const char *key, int dflt, int lo, int hi,
                   const char *fn)
{
    if (lua_isnoneornil(L, opts)) return dflt;
    if (lua_getfield(L, opts, key) == LUA_TNIL) {
        lua_pop(L, 1);
        return dflt;
    }
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok || v < lo || v > hi) luaL_error(L, "%s: %s must be an integer in %d..%d", fn, key, lo, hi);
    lua_pop(L, 1);
    return (int)v;
}

static const char *opt_string(lua_State *L, int opts, const char *key, const char *dflt,
                              const char *fn)
{
    if (lua_isnoneornil(L, opts)) return dflt;
    int t = lua_getfield(L, opts, key);
    if (t == LUA_TNIL) {
        lua_pop(L, 1);
        return dflt;
    }
    if (t != LUA_TSTRING) luaL_error(L, "%s: %s must be a string, got %s", fn, key, luaL_typename(L, -1));
    const char *s = lua_tostring(L, -1);
    lua_pop(L, 1); /* still referenced by the options table */
    return s;
}

/* ---- rec.Embeddings ----------------------------------------------------------------------- */

rn_embeddings *rec_check_embeddings(lua_State *L, int i)
{
    emb_ud *u = luaL_checkudata(L, i, REC_EMBEDDINGS);
    if (u->e == NULL) luaL_argerror(L, i, "the embeddings are closed");
    return u->e;
}

void rec_push_embeddings(lua_State *L, rn_embeddings *e)
{
    /* the userdata first (it may raise), then the owned pointer into it */
    if (!lua_checkstack(L, 2)) {
        rn_emb_free(e);
        luaL_error(L, "rec.Embeddings: out of Lua stack");
    }
    emb_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->e = e;
    luaL_setmetatable(L, REC_EMBEDDINGS);
}

/* rec.embeddings.new(vectors, {ids =, labels =}) */
static int l_emb_new(lua_State *L)
{
    static const char *const known[] = {"ids", "labels", NULL};
    const char *fn = "rec.embeddings.new";
    lua_settop(L, 2);
    rec_check_options(L, 2, fn, known);
    size_t n;
    int d, single;
    float *v = rec_check_vectors(L, 1, fn, "vectors", &n, &d, &single);
    int64_t *ids = NULL;
    const char **labels = NULL;
    if (!lua_isnoneornil(L, 2)) {
        if (lua_getfield(L, 2, "ids") != LUA_TNIL) ids = rec_check_vector_ids(L, lua_gettop(L), n, fn);
        if (lua_getfield(L, 2, "labels") != LUA_TNIL) {
            int li = lua_gettop(L);
            luaL_checktype(L, li, LUA_TTABLE);
            if ((size_t)luaL_len(L, li) != n)
                luaL_error(L, "%s: labels has %d entries for %d vectors", fn, (int)luaL_len(L, li),
                           (int)n);
            labels = lua_newuserdatauv(L, n * sizeof *labels, 0);
            /* the strings (numbers converted) in a table of our own, on the stack */
            lua_createtable(L, (int)n, 0);
            int kept = lua_gettop(L);
            for (size_t r = 0; r < n; r++) {
                lua_geti(L, li, (lua_Integer)r + 1);
                if (lua_type(L, -1) != LUA_TSTRING && lua_type(L, -1) != LUA_TNUMBER)
                    luaL_error(L, "%s: labels[%d] is %s (expected a string)", fn, (int)r + 1,
                               luaL_typename(L, -1));
                lua_tostring(L, -1); /* converts the copy on the stack, not the caller's */
                lua_rawseti(L, kept, (lua_Integer)r + 1);
            }
            for (size_t r = 0; r < n; r++) {
                lua_rawgeti(L, kept, (lua_Integer)r + 1);
                labels[r] = lua_tostring(L, -1);
                lua_pop(L, 1);
            }
        }
    }
    rn_embeddings *e = rn_emb_new(v, n, d, ids, labels);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

/* The row named by the value at i: an integer id or a string label. */
static size_t check_row(lua_State *L, rn_embeddings *e, int i, const char *fn)
{
    size_t row;
    int rc;
    if (lua_type(L, i) == LUA_TSTRING) {
        rc = rn_emb_find_label(e, lua_tostring(L, i), &row);
    } else {
        int ok;
        lua_Integer id = lua_tointegerx(L, i, &ok);
        if (!ok)
            return (size_t)luaL_error(L, "%s: expected an id (integer) or a label (string), got %s",
                                      fn, luaL_typename(L, i));
        rc = rn_emb_find_id(e, (int64_t)id, &row);
    }
    if (rc != RN_OK) rec_engine_error(L);
    return row;
}

/* Pushes the result list: {id =, label =, score =} per row, with the query
 * and metric as fields for printing. */
static void push_neighbors(lua_State *L, rn_embeddings *e, const size_t *rows, const float *sc,
                           int m, int query_idx, int metric)
{
    lua_createtable(L, m, 2);
    for (int j = 0; j < m; j++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)rn_emb_id(e, rows[j]));
        lua_setfield(L, -2, "id");
        if (rn_emb_has_labels(e)) {
            lua_pushstring(L, rn_emb_label(e, rows[j]));
            lua_setfield(L, -2, "label");
        }
        lua_pushnumber(L, (lua_Number)sc[j]);
        lua_setfield(L, -2, "score");
        lua_rawseti(L, -2, j + 1);
    }
    if (query_idx != 0) {
        lua_pushvalue(L, query_idx);
        lua_setfield(L, -2, "query");
    }
    lua_pushstring(L, rn_index_metric_name(metric));
    lua_setfield(L, -2, "metric");
    luaL_setmetatable(L, REC_NEIGHBORS);
}

/* e:neighbors(id_or_label [, k = 10 [, {metric = "cosine"}]]) */
static int l_emb_neighbors(lua_State *L)
{
    static const char *const known[] = {"metric", NULL};
    const char *fn = "e:neighbors";
    lua_settop(L, 4);
    rn_embeddings *e = rec_check_embeddings(L, 1);
    lua_Integer k = luaL_optinteger(L, 3, 10);
    if (k < 1 || k > 1000000) luaL_argerror(L, 3, "k must be 1..1000000");
    rec_check_options(L, 4, fn, known);
    int metric = rec_opt_metric(L, 4, fn, RN_INDEX_COSINE);
    size_t row = check_row(L, e, 2, fn);
    size_t *rows = lua_newuserdatauv(L, (size_t)k * sizeof *rows, 0);
    float *sc = lua_newuserdatauv(L, (size_t)k * sizeof *sc, 0);
    int m = rn_emb_neighbors(e, row, (int)k, metric, rows, sc);
    if (m < 0) return rec_engine_error(L);
    push_neighbors(L, e, rows, sc, m, 2, metric);
    return 1;
}

/* e:search(vector [, k = 10 [, {metric = "cosine"}]]) */
static int l_emb_search(lua_State *L)
{
    static const char *const known[] = {"metric", NULL};
    const char *fn = "e:search";
    lua_settop(L, 4);
    rn_embeddings *e = rec_check_embeddings(L, 1);
    size_t n;
    int d, single;
    float *q = rec_check_vectors(L, 2, fn, "vector", &n, &d, &single);
    if (!single) luaL_error(L, "%s: expected one vector (a table of numbers or a 1-D tensor)", fn);
    lua_Integer k = luaL_optinteger(L, 3, 10);
    if (k < 1 || k > 1000000) luaL_argerror(L, 3, "k must be 1..1000000");
    rec_check_options(L, 4, fn, known);
    int metric = rec_opt_metric(L, 4, fn, RN_INDEX_COSINE);
    size_t *rows = lua_newuserdatauv(L, (size_t)k * sizeof *rows, 0);
    float *sc = lua_newuserdatauv(L, (size_t)k * sizeof *sc, 0);
    int m = rn_emb_search(e, q, d, (int)k, metric, rows, sc);
    if (m < 0) return rec_engine_error(L);
    push_neighbors(L, e, rows, sc, m, 0, metric);
    return 1;
}

/* e:vector(id_or_label) -> table of numbers */
static int l_emb_vector(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    size_t row = check_row(L, e, 2, "e:vector");
    int d = rn_emb_dim(e);
    const float *v = rn_emb_vectors(e) + row * (size_t)d;
    lua_createtable(L, d, 0);
    for (int j = 0; j < d; j++) {
        lua_pushnumber(L, (lua_Number)v[j]);
        lua_rawseti(L, -2, j + 1);
    }
    return 1;
}

/* e:label(id) -> string or nil; e:id(label) -> integer */
static int l_emb_label(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    size_t row = check_row(L, e, 2, "e:label");
    const char *s = rn_emb_label(e, row);
    if (s == NULL)
        lua_pushnil(L);
    else
        lua_pushstring(L, s);
    return 1;
}

static int l_emb_id(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    lua_pushinteger(L, (lua_Integer)rn_emb_id(e, check_row(L, e, 2, "e:id")));
    return 1;
}

/* e:ids(), e:labels() -> tables in row order */
static int l_emb_ids(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    size_t n = rn_emb_count(e);
    lua_createtable(L, (int)n, 0);
    for (size_t r = 0; r < n; r++) {
        lua_pushinteger(L, (lua_Integer)rn_emb_id(e, r));
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

static int l_emb_labels(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    if (!rn_emb_has_labels(e)) {
        lua_pushnil(L);
        return 1;
    }
    size_t n = rn_emb_count(e);
    lua_createtable(L, (int)n, 0);
    for (size_t r = 0; r < n; r++) {
        lua_pushstring(L, rn_emb_label(e, r));
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    return 1;
}

static int l_emb_dim(lua_State *L)
{
    lua_pushinteger(L, rn_emb_dim(rec_check_embeddings(L, 1)));
    return 1;
}

/* The format named by option "format", or guessed from the path's extension. */
static int file_format(lua_State *L, int opts, const char *path, const char *fn)
{
    const char *f = opt_string(L, opts, "format", NULL, fn);
    if (f == NULL) {
        size_t len = strlen(path);
        if (len >= 4 && strcmp(path + len - 4, ".bin") == 0) return RN_EMB_WORD2VEC_BINARY;
        if (len >= 4 && strcmp(path + len - 4, ".tsv") == 0) return RN_EMB_TSV;
        return RN_EMB_WORD2VEC_TEXT;
    }
    if (strcmp(f, "word2vec") == 0) return RN_EMB_WORD2VEC_TEXT;
    if (strcmp(f, "word2vec_binary") == 0) return RN_EMB_WORD2VEC_BINARY;
    if (strcmp(f, "tsv") == 0) return RN_EMB_TSV;
    return luaL_error(L, "%s: format must be \"word2vec\", \"word2vec_binary\" or \"tsv\", got \"%s\"",
                      fn, f);
}

/* The metadata path of a TSV save/load: option "metadata", else metadata.tsv
 * beside a vectors.tsv, else <stem>_metadata.tsv. Pushed on the stack. */
static const char *metadata_path(lua_State *L, int opts, const char *path, const char *fn)
{
    const char *m = opt_string(L, opts, "metadata", NULL, fn);
    if (m != NULL) {
        lua_pushstring(L, m);
        return lua_tostring(L, -1);
    }
    size_t len = strlen(path);
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (strcmp(base, "vectors.tsv") == 0)
        lua_pushfstring(L, "%smetadata.tsv", lua_pushlstring(L, path, (size_t)(base - path)));
    else
        lua_pushfstring(L, "%s_metadata.tsv",
                        lua_pushlstring(L, path, len >= 4 && strcmp(path + len - 4, ".tsv") == 0
                                                     ? len - 4
                                                     : len));
    lua_remove(L, -2);
    return lua_tostring(L, -1);
}

/* e:save(path [, {format =, metadata =}]) -> path */
static int l_emb_save(lua_State *L)
{
    static const char *const known[] = {"format", "metadata", NULL};
    const char *fn = "e:save";
    lua_settop(L, 3);
    rn_embeddings *e = rec_check_embeddings(L, 1);
    const char *path = luaL_checkstring(L, 2);
    rec_check_options(L, 3, fn, known);
    int format = file_format(L, 3, path, fn);
    int rc;
    if (format == RN_EMB_TSV)
        rc = rn_emb_save_tsv(e, path, metadata_path(L, 3, path, fn));
    else
        rc = rn_emb_save_word2vec(e, path, format == RN_EMB_WORD2VEC_BINARY);
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 2);
    return 1;
}

/* rec.embeddings.load(path [, {format =, metadata =, raw_tokens =}]) */
static int l_emb_load(lua_State *L)
{
    static const char *const known[] = {"format", "metadata", "raw_tokens", NULL};
    const char *fn = "rec.embeddings.load";
    lua_settop(L, 2);
    const char *path = luaL_checkstring(L, 1);
    rec_check_options(L, 2, fn, known);
    int format = file_format(L, 2, path, fn);
    int raw = !lua_isnoneornil(L, 2) && rec_opt_bool(L, 2, "raw_tokens", 0);
    rn_embeddings *e;
    if (format == RN_EMB_TSV) {
        /* the metadata file is optional unless named */
        const char *m = opt_string(L, 2, "metadata", NULL, fn);
        if (m == NULL) {
            m = metadata_path(L, 2, path, fn);
            FILE *f = fopen(m, "rb");
            if (f == NULL)
                m = NULL;
            else
                fclose(f);
        }
        e = rn_emb_load_tsv(path, m);
    } else {
        e = rn_emb_load_word2vec(path, format == RN_EMB_WORD2VEC_BINARY,
                                 raw ? RN_EMB_RAW_TOKENS : 0);
    }
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

/* e:plot{around =, k = 10, metric = "cosine", title =, width =, height =, show =} */
static int l_emb_plot(lua_State *L)
{
    static const char *const known[] = {"around", "k",      "metric", "title",
                                        "width",  "height", "show",   NULL};
    const char *fn = "e:plot";
    rn_embeddings *e = rec_check_embeddings(L, 1);
    if (lua_isnoneornil(L, 2)) luaL_error(L, "%s: expected options {around = id_or_label, ...}", fn);
    luaL_checktype(L, 2, LUA_TTABLE);
    rec_check_options(L, 2, fn, known);
    lua_settop(L, 2);
    if (lua_getfield(L, 2, "around") == LUA_TNIL)
        luaL_error(L, "%s: around (the id or label to centre on) is required", fn);
    int around = lua_gettop(L);
    size_t row = check_row(L, e, around, fn);
    int k = opt_int(L, 2, "k", 10, 1, 1000, fn);
    int metric = rec_opt_metric(L, 2, fn, RN_INDEX_COSINE);
    size_t n = rn_emb_count(e);
    if (n > 1000000)
        luaL_error(L, "%s: %d vectors are more than a figure draws (1000000)", fn, (int)n);

    size_t *rows = lua_newuserdatauv(L, (size_t)k * sizeof *rows, 0);
    float *sc = lua_newuserdatauv(L, (size_t)k * sizeof *sc, 0);
    int m = rn_emb_neighbors(e, row, k, metric, rows, sc);
    if (m < 0) return rec_engine_error(L);
    int *nb = lua_newuserdatauv(L, (size_t)(m > 0 ? m : 1) * sizeof *nb, 0);
    for (int j = 0; j < m; j++)
        nb[j] = (int)rows[j];
    float *xy = lua_newuserdatauv(L, 2 * n * sizeof *xy, 0);
    double ev[2];
    if (rn_emb_pca2(e, xy, ev) != RN_OK) return rec_engine_error(L);
    /* labels for viz: the embeddings' own, or "id <id>" */
    const char **labels = lua_newuserdatauv(L, n * sizeof *labels, 1);
    if (rn_emb_has_labels(e)) {
        for (size_t r = 0; r < n; r++)
            labels[r] = rn_emb_label(e, r);
    } else {
        lua_createtable(L, (int)n, 0); /* the strings, kept alive by the userdata */
        for (size_t r = 0; r < n; r++) {
            lua_pushfstring(L, "id %I", (lua_Integer)rn_emb_id(e, r));
            labels[r] = lua_tostring(L, -1);
            lua_rawseti(L, -2, (lua_Integer)r + 1);
        }
        lua_setiuservalue(L, -2, 1);
    }
    const char *qname = labels[row];

    /* the figure, through rec.plot.scatter (so notebooks track it) */
    lua_pushvalue(L, lua_upvalueindex(1));
    if (lua_getfield(L, -1, "scatter") != LUA_TFUNCTION)
        luaL_error(L, "%s: rec.plot.scatter is missing", fn);
    lua_createtable(L, 0, 8);
    lua_createtable(L, 1, 0); /* one point at the origin, so that scatter makes the panel; the
                                 projected points replace it below */
    lua_createtable(L, 2, 0);
    lua_pushnumber(L, 0);
    lua_rawseti(L, -2, 1);
    lua_pushnumber(L, 0);
    lua_rawseti(L, -2, 2);
    lua_rawseti(L, -2, 1);
    lua_setfield(L, -2, "points");
    const char *title = opt_string(L, 2, "title", NULL, fn);
    if (title != NULL)
        lua_pushstring(L, title);
    else
        lua_pushfstring(L, "Neighbours of %s", qname);
    lua_setfield(L, -2, "title");
    lua_pushfstring(L, "PC1 (%d%% of variance)", (int)lround(100 * ev[0]));
    lua_setfield(L, -2, "xlabel");
    lua_pushfstring(L, "PC2 (%d%% of variance)", (int)lround(100 * ev[1]));
    lua_setfield(L, -2, "ylabel");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "show");
    static const char *const passed[] = {"width", "height", NULL};
    for (const char *const *key = passed; *key; key++) {
        lua_getfield(L, 2, *key);
        lua_setfield(L, -2, *key);
    }
    lua_call(L, 1, 1);
    int fig = lua_gettop(L);
    plot_figure *F = plot_check(L, fig);
    vz_panel *p = vz_figure_panel(F->fig, 0);
    char note[512];
    snprintf(note, sizeof note,
             "%d nearest to %.200s by %s similarity in %d-d; PCA: PC1 %.0f%% + PC2 %.0f%% of "
             "the variance",
             m, qname, rn_index_metric_name(metric), rn_emb_dim(e), 100 * ev[0], 100 * ev[1]);
    if (p == NULL || vz_scatter_set(p, xy, (int)n, 2, NULL, labels) != VZ_OK ||
        vz_scatter_highlight(p, (int)row, nb, m, note) != VZ_OK)
        return plot_vz_error(L, fn);
    int show = 1;
    if (lua_getfield(L, 2, "show") != LUA_TNIL) {
        luaL_argexpected(L, lua_isboolean(L, -1), 2, "show = a boolean");
        show = lua_toboolean(L, -1);
    }
    lua_settop(L, fig);
    if (show) { /* fig:show() opens a window unless headless */
        lua_getfield(L, fig, "show");
        lua_pushvalue(L, fig);
        lua_call(L, 1, 0);
    }
    return 1;
}

/* e:pca() -> points {{x, y}, ...} (row order), explained {pc1, pc2} */
static int l_emb_pca(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    size_t n = rn_emb_count(e);
    float *xy = lua_newuserdatauv(L, 2 * n * sizeof *xy, 0);
    double ev[2];
    if (rn_emb_pca2(e, xy, ev) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, (int)n, 0);
    for (size_t r = 0; r < n; r++) {
        lua_createtable(L, 2, 0);
        lua_pushnumber(L, (lua_Number)xy[2 * r]);
        lua_rawseti(L, -2, 1);
        lua_pushnumber(L, (lua_Number)xy[2 * r + 1]);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, (lua_Integer)r + 1);
    }
    lua_createtable(L, 2, 0);
    lua_pushnumber(L, ev[0]);
    lua_rawseti(L, -2, 1);
    lua_pushnumber(L, ev[1]);
    lua_rawseti(L, -2, 2);
    return 2;
}

static int l_emb_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_emb_count(rec_check_embeddings(L, 1)));
    return 1;
}

static int l_emb_close(lua_State *L)
{
    emb_ud *u = luaL_checkudata(L, 1, REC_EMBEDDINGS);
    rn_emb_free(u->e);
    u->e = NULL;
    return 0;
}

static int l_emb_tostring(lua_State *L)
{
    emb_ud *u = luaL_checkudata(L, 1, REC_EMBEDDINGS);
    if (u->e == NULL) {
        lua_pushliteral(L, "rec.Embeddings (closed)");
        return 1;
    }
    size_t n = rn_emb_count(u->e);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "rec.Embeddings: %I vectors of dim %d", (lua_Integer)n, rn_emb_dim(u->e));
    luaL_addvalue(&b);
    if (rn_emb_has_labels(u->e)) {
        luaL_addstring(&b, ", labelled (");
        for (size_t r = 0; r < n && r < 3; r++) {
            lua_pushfstring(L, "%s\"%s\"", r ? ", " : "", rn_emb_label(u->e, r));
            luaL_addvalue(&b);
        }
        luaL_addstring(&b, n > 3 ? ", ...)" : ")");
    }
    luaL_pushresult(&b);
    return 1;
}

/* A neighbour list as an aligned table:
 *   10 nearest to "Toy Story (1995)" by cosine
 *    1  0.9731  Toy Story 2 (1999)   (id 3114) */
static int l_neighbors_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer n = luaL_len(L, 1);
    lua_getfield(L, 1, "metric"); /* 2 */
    lua_getfield(L, 1, "query");  /* 3 */
    const char *metric = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : "?";
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    /* each piece is pushed and added alone: the buffer's box stays just below it */
    if (lua_type(L, 3) == LUA_TSTRING)
        lua_pushfstring(L, "%I nearest to \"%s\" by %s", n, lua_tostring(L, 3), metric);
    else if (lua_type(L, 3) == LUA_TNUMBER)
        lua_pushfstring(L, "%I nearest to id %I by %s", n, (lua_Integer)lua_tointeger(L, 3), metric);
    else
        lua_pushfstring(L, "%I nearest by %s", n, metric);
    luaL_addvalue(&b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        lua_getfield(L, -1, "score");
        double score = (double)lua_tonumber(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, -1, "id");
        lua_Integer id = lua_tointeger(L, -1);
        lua_pop(L, 1);
        lua_getfield(L, -1, "label");
        char head[48];
        snprintf(head, sizeof head, "\n%3d  %8.4f  ", (int)i, score);
        if (lua_type(L, -1) == LUA_TSTRING)
            lua_pushfstring(L, "%s%s  (id %I)", head, lua_tostring(L, -1), id);
        else
            lua_pushfstring(L, "%sid %I", head, id);
        lua_replace(L, -3); /* item := the line */
        lua_pop(L, 1);      /* the label */
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

/* ---- docs and opening --------------------------------------------------------------------- */

static const rec_doc_entry emb_docs[] = {
    {"new",
     "rec.embeddings.new(vectors, {ids =, labels =}) holds n vectors (a table of rows or an n x "
     "d rec.Tensor) with ids (integers >= 0, unique; default 1..n) and optional labels (movie "
     "titles, words). Find neighbours with e:neighbors, draw them with e:plot, save them for "
     "gensim or TensorBoard with e:save.",
     "local e = rec.embeddings.new({{1, 0}, {0.9, 0.1}, {0, 1}},\n"
     "  {labels = {\"Toy Story (1995)\", \"Toy Story 2 (1999)\", \"Heat (1995)\"}})\n"
     "print(e:neighbors(\"Toy Story (1995)\", 1)[1].label)  --> Toy Story 2 (1999)"},
    {"load",
     "rec.embeddings.load(path [, {format =, metadata =, raw_tokens =}]) reads a word2vec text "
     "(\"word2vec\") or binary (\"word2vec_binary\") file, as word2vec.c and gensim write "
     "them, or a TensorBoard projector vectors.tsv (\"tsv\", with metadata.tsv beside it when "
     "present). The format defaults from the extension (.bin, .tsv, else text). Tokens that are "
     "all integers become ids, others labels ('_' read as a space, %XX as a byte, unless "
     "raw_tokens = true).",
     "local e = rec.embeddings.new({{1, 2}, {3, 4}}, {labels = {\"a b\", \"c\"}})\n"
     "local path = os.tmpname()\ne:save(path)\n"
     "print(rec.embeddings.load(path):labels()[1])  --> a b\nos.remove(path)"},
    {NULL, NULL, NULL}};

static const rec_doc_entry emb_method_docs[] = {
    {"neighbors",
     "e:neighbors(id_or_label [, k = 10 [, {metric = \"cosine\"}]]) lists the k nearest "
     "vectors (the query itself left out) as {id =, label =, score =}, best first; ties go to "
     "the smaller id. The list prints as a table. metric is \"cosine\" or \"dot\".",
     "local e = rec.embeddings.new({{1, 0}, {0.8, 0.3}, {0, 1}, {-1, 0}})\n"
     "print(e:neighbors(1, 2))"},
    {"search",
     "e:search(vector [, k = 10 [, {metric = \"cosine\"}]]) lists the k vectors nearest to "
     "any vector (a user's, a sum of two movies), as e:neighbors does.",
     "local e = rec.embeddings.new({{1, 0}, {0, 1}, {1, 1}})\nprint(e:search({1, 0.1}, 2))"},
    {"vector", "e:vector(id_or_label) returns the vector as a table of numbers.",
     "local e = rec.embeddings.new({{1, 2}, {3, 4}})\nprint(e:vector(2)[1])  --> 3.0"},
    {"label", "e:label(id) returns the label of the vector with that id (nil without labels).",
     "local e = rec.embeddings.new({{1}, {2}}, {labels = {\"a\", \"b\"}})\nprint(e:label(2))"},
    {"id", "e:id(label) returns the id of the vector with that label.",
     "local e = rec.embeddings.new({{1}, {2}}, {ids = {7, 9}, labels = {\"a\", \"b\"}})\n"
     "print(e:id(\"b\"))  --> 9"},
    {"ids", "e:ids() returns every id, in row order.",
     "print(#rec.embeddings.new({{1}, {2}, {3}}):ids())  --> 3"},
    {"labels", "e:labels() returns every label in row order, or nil without labels.",
     "print(rec.embeddings.new({{1}}, {labels = {\"x\"}}):labels()[1])"},
    {"dim", "e:dim() is the vectors' dimension; #e their number.",
     "local e = rec.embeddings.new({{1, 2, 3}})\nprint(#e, e:dim())  --> 1  3"},
    {"save",
     "e:save(path [, {format =, metadata =}]) writes a word2vec text file (\"word2vec\", "
     "which gensim's KeyedVectors.load_word2vec_format reads), a binary one "
     "(\"word2vec_binary\") or TensorBoard projector files (\"tsv\": path and metadata.tsv "
     "beside a vectors.tsv, else <stem>_metadata.tsv). Tokens are labels with ' ' written '_' "
     "('_' as %5F, '%' as %25), or ids without labels. Atomic. Returns path.",
     "local e = rec.embeddings.new({{1, 2}}, {labels = {\"Toy Story (1995)\"}})\n"
     "local path = os.tmpname()\ne:save(path)\nprint(io.open(path):read(\"a\"))\n"
     "os.remove(path)"},
    {"plot",
     "e:plot{around = id_or_label, k = 10, metric = \"cosine\", title =, width =, height =, "
     "show = true} draws the embedding neighbourhood: every vector projected on its first two "
     "principal components (faint), the query and its k nearest neighbours (found in the full "
     "space) highlighted, linked and named, the metric and the variance each component "
     "explains written under the title. Hover a point to read its label. Returns a rec.Figure "
     "(fig:save(\"x.png\") or \"x.svg\").",
     "local rows, labels = {}, {}\n"
     "for i = 1, 200 do rows[i] = {math.cos(i), math.sin(i), i / 200}; labels[i] = \"item \" "
     ".. i end\n"
     "local fig = rec.embeddings.new(rows, {labels = labels}):plot{around = \"item 1\", k = 5}"},
    {"pca",
     "e:pca() projects the vectors on their first two principal components: returns the "
     "points {{x, y}, ...} in row order and the share of the variance each component explains "
     "{pc1, pc2} (what e:plot draws).",
     "local e = rec.embeddings.new({{0, 0, 0}, {2, 0, 0}, {0, 1, 0}, {2, 1, 0}})\n"
     "local xy, explained = e:pca()\nprint(explained[1], explained[2])  --> 0.8  0.2"},
    {"close", "e:close() frees the vectors now (the garbage collector would later).",
     "local e = rec.embeddings.new({{1}})\ne:close()"},
    {NULL, NULL, NULL}};

void rec_open_embeddings(lua_State *L)
{
    /* rec at the top, with rec.plot open */
    static const luaL_Reg emb_methods[] = {
        {"neighbors", l_emb_neighbors}, {"search", l_emb_search}, {"vector", l_emb_vector},
        {"label", l_emb_label},         {"id", l_emb_id},         {"ids", l_emb_ids},
        {"labels", l_emb_labels},       {"dim", l_emb_dim},       {"save", l_emb_save},
        {"pca", l_emb_pca},             {"close", l_emb_close},   {NULL, NULL}};
    static const luaL_Reg emb_meta[] = {{"__gc", l_emb_close},
                                        {"__close", l_emb_close},
                                        {"__len", l_emb_len},
                                        {"__tostring", l_emb_tostring},
                                        {NULL, NULL}};
    if (luaL_newmetatable(L, REC_EMBEDDINGS)) {
        luaL_setfuncs(L, emb_meta, 0);
        luaL_newlib(L, emb_methods);
        /* e:plot draws through rec.plot (an upvalue: the table, so notebook wrappers apply) */
        lua_getfield(L, -3, "plot");
        lua_pushcclosure(L, l_emb_plot, 1);
        lua_setfield(L, -2, "plot");
        rec_doc_fields(L, -1, "e", 1, emb_method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);

    if (luaL_newmetatable(L, REC_NEIGHBORS)) {
        lua_pushcfunction(L, l_neighbors_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);

    static const luaL_Reg emb_fns[] = {{"new", l_emb_new}, {"load", l_emb_load}, {NULL, NULL}};
    luaL_newlib(L, emb_fns);
    rec_doc_set(L, -1, "rec.embeddings",
                "Vectors with ids and labels (rec.Embeddings): neighbours by cosine or dot, "
                "search by vector, the neighbourhood figure (e:plot), and word2vec / TensorBoard "
                "files that gensim and the projector read.",
                "help(rec.embeddings.new)");
    rec_doc_fields(L, -1, "rec.embeddings", 0, emb_docs);
    lua_setfield(L, -2, "embeddings");

    rec_open_index(L); /* rec.index (lua/index.c), with e:index on the embeddings */
}
