/* rec.index: the Lua face of engine/index.h (exact), engine/index_hnsw.h
 * (a graph) and engine/index_ivf.h (clusters), one rec.Index type for the
 * three kinds:
 *
 *   local ix = rec.index{dim = 64, metric = "cosine", kind = "hnsw", M = 16}
 *   ix:add(item_vectors, item_ids)
 *   local ids, scores = ix:search(user_vectors, 10)
 *   ix:set{ef_search = 128}; print(ix:recall(user_vectors, 10))
 *   ix:save("items.idx"); ix = rec.index.load("items.idx")
 *
 * and e:index{kind = ...} on rec.Embeddings (the vectors under their ids).
 * Ids seen from Lua are the user's; without ids, vectors are numbered from
 * 1 in the order added. Results are plain tables.
 *
 * HNSW adds and IVF trainings and adds run through the engine's training
 * loop in blocks of vectors: Ctrl-C stops them between blocks (an HNSW add
 * keeps the vectors inserted so far, an IVF one adds nothing), and on a
 * terminal a build that takes more than half a second draws a progress bar
 * (progress = false leaves it out). */
#include "rec_embed.h"

#include "host.h"
#include "rec_aux.h"

#include "error.h"
#include "index.h"
#include "index_hnsw.h"
#include "index_ivf.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

typedef struct {
    void *h;  /* rn_index, rn_index_hnsw or rn_index_ivf; NULL once closed */
    int kind; /* RN_INDEX_FLAT, RN_INDEX_HNSW, RN_INDEX_IVF */
    int iterations; /* k-means iterations of an IVF's first add */
    int progress;   /* draw a bar for long builds */
} index_ud;

static const char *const kind_names[] = {"flat", "hnsw", "ivf", NULL};

/* ---- dispatch over the kinds ------------------------------------------------------------ */

static index_ud *check_index(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_INDEX, "index");
}

static size_t ix_size(const index_ud *u)
{
    return u->kind == RN_INDEX_FLAT   ? rn_index_size(u->h)
           : u->kind == RN_INDEX_HNSW ? rn_index_hnsw_size(u->h)
                                      : rn_index_ivf_size(u->h);
}

static int ix_dim(const index_ud *u)
{
    return u->kind == RN_INDEX_FLAT   ? rn_index_dim(u->h)
           : u->kind == RN_INDEX_HNSW ? rn_index_hnsw_dim(u->h)
                                      : rn_index_ivf_dim(u->h);
}

static int ix_metric(const index_ud *u)
{
    return u->kind == RN_INDEX_FLAT   ? rn_index_metric(u->h)
           : u->kind == RN_INDEX_HNSW ? rn_index_hnsw_metric(u->h)
                                      : rn_index_ivf_metric(u->h);
}

static int ix_search(index_ud *u, const float *q, size_t nq, int d, int k, int64_t *ids,
                     float *sc)
{
    return u->kind == RN_INDEX_FLAT   ? rn_index_search(u->h, q, nq, d, k, ids, sc)
           : u->kind == RN_INDEX_HNSW ? rn_index_hnsw_search(u->h, q, nq, d, k, ids, sc)
                                      : rn_index_ivf_search(u->h, q, nq, d, k, ids, sc);
}

static void ix_free(index_ud *u)
{
    if (u->kind == RN_INDEX_FLAT)
        rn_index_free(u->h);
    else if (u->kind == RN_INDEX_HNSW)
        rn_index_hnsw_free(u->h);
    else
        rn_index_ivf_free(u->h);
    u->h = NULL;
}

/* ---- the progress bar of long builds ----------------------------------------------------- */

typedef struct {
    const char *what; /* "hnsw add", "ivf train", "ivf add" */
    int tty, drawn;
    double t0, last;
} build_bar;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "hnsw add [=========>          ] 61440/200000  21.3k vectors/s  ETA 0:06" (an IVF
 * training: "ivf train 3/20 [...]"), redrawn at most 10 times a second once the
 * build has taken half a second. */
static int build_step(void *ud, const rn_fit_progress *p)
{
    build_bar *b = ud;
    double t = now(), el = t - b->t0;
    int done = p->seen == p->total && p->epoch == p->epochs;
    if (!b->tty || el < 0.5 || (t - b->last < 0.1 && !done)) return 1;
    char cells[31];
    int w = 30, filled = p->total ? (int)((double)w * (double)p->seen / (double)p->total) : w;
    for (int i = 0; i < w; i++)
        cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    cells[w] = '\0';
    double all = (double)p->total * p->epochs, so_far = (double)p->total * (p->epoch - 1) + (double)p->seen;
    double rate = so_far / el, eta = rate > 0 ? (all - so_far) / rate : 0;
    char iter[32] = "";
    if (p->epochs > 1) snprintf(iter, sizeof iter, " %d/%d", p->epoch, p->epochs);
    fprintf(stdout, "\r%s%s [%s] %zu/%zu  %.1fk vectors/s  %s %d:%02d%s", b->what, iter, cells,
            p->seen, p->total, rate / 1000.0, done ? "took" : "ETA", (int)(done ? el : eta) / 60,
            (int)(done ? el : eta) % 60, done ? "\n" : "");
    fflush(stdout);
    b->last = t, b->drawn = !done;
    return 1;
}

static void bar_begin(build_bar *b, const index_ud *u, const char *what, rn_index_progress *p)
{
    *b = (build_bar){.what = what, .tty = u->progress && isatty(fileno(stdout)), .t0 = now()};
    *p = (rn_index_progress){build_step, b};
}

/* ends a bar a failure left open */
static void bar_end(build_bar *b)
{
    if (b->drawn) fputs("\n", stdout), fflush(stdout);
}

static int hnsw_add(index_ud *u, const float *v, size_t n, int d, const int64_t *ids)
{
    build_bar b;
    rn_index_progress p;
    bar_begin(&b, u, "hnsw add", &p);
    rn_index_hnsw_set_progress(u->h, &p);
    int rc = rn_index_hnsw_add(u->h, v, n, d, ids);
    rn_index_hnsw_set_progress(u->h, NULL);
    bar_end(&b);
    return rc;
}

static int ivf_train(index_ud *u, const float *v, size_t n, int d)
{
    build_bar b;
    rn_index_progress p;
    bar_begin(&b, u, "ivf train", &p);
    rn_index_ivf_set_progress(u->h, &p);
    int rc = rn_index_ivf_train(u->h, v, n, d, u->iterations);
    rn_index_ivf_set_progress(u->h, NULL);
    bar_end(&b);
    return rc;
}

static int ivf_add(index_ud *u, const float *v, size_t n, int d, const int64_t *ids)
{
    build_bar b;
    rn_index_progress p;
    bar_begin(&b, u, "ivf add", &p);
    rn_index_ivf_set_progress(u->h, &p);
    int rc = rn_index_ivf_add(u->h, v, n, d, ids);
    rn_index_ivf_set_progress(u->h, NULL);
    bar_end(&b);
    return rc;
}

/* Adds n vectors; an untrained IVF trains on them first. */
static int ix_add(lua_State *L, index_ud *u, const float *v, size_t n, int d, const int64_t *ids,
                  const char *fn)
{
    if (u->kind == RN_INDEX_FLAT) return rn_index_add(u->h, v, n, d, ids);
    if (u->kind == RN_INDEX_HNSW) return hnsw_add(u, v, n, d, ids);
    if (!rn_index_ivf_is_trained(u->h) && d == rn_index_ivf_dim(u->h)) {
        int nlist = rn_index_ivf_nlist(u->h);
        if (n < (size_t)nlist)
            luaL_error(L,
                       "%s: an IVF index trains its %d lists on its first add, which has %d "
                       "vectors (add at least nlist at once, call ix:train(vectors) first, or "
                       "choose a smaller nlist)",
                       fn, nlist, (int)n);
        int rc = ivf_train(u, v, n, d);
        if (rc != RN_OK) return rc;
    }
    return ivf_add(u, v, n, d, ids);
}

/* ---- rec.index{...} ----------------------------------------------------------------------- */

static const char *const index_options[] = {
    "dim",   "metric", "kind",       "M",       "ef_construction", "ef_search",
    "nlist", "nprobe", "iterations", "seed",    "threads",         "progress", NULL};

/* Makes the index the options at opts describe (dim given or from dim_dflt),
 * pushed as a rec.Index. metric_dflt: "dot" for rec.index, "cosine" for
 * e:index. */
static index_ud *push_new_index(lua_State *L, int opts, const char *fn, int dim_dflt,
                                int metric_dflt)
{
    rec_check_options(L, opts, fn, index_options);
    int dim = dim_dflt;
    if (dim == 0) {
        if (lua_getfield(L, opts, "dim") == LUA_TNIL) luaL_error(L, "%s: dim is required", fn);
        lua_pop(L, 1);
        dim = (int)rec_opt_integer(L, opts, "dim", 0, 1, RN_EMB_MAX_DIM);
    }
    int metric = rec_opt_metric(L, opts, fn, metric_dflt);
    int kind = rec_opt_enum(L, opts, "kind", kind_names, RN_INDEX_FLAT);
    int threads = (int)rec_opt_integer(L, opts, "threads", 0, 0, 8);
    uint64_t seed = (uint64_t)rec_opt_integer(L, opts, "seed", 42, 0, LUA_MAXINTEGER);
    int progress = rec_opt_bool(L, opts, "progress", 1);
    /* options of another kind are a mistake worth naming */
    static const char *const hnsw_only[] = {"M", "ef_construction", "ef_search", NULL};
    static const char *const ivf_only[] = {"nlist", "nprobe", "iterations", NULL};
    const char *const *foreign = kind == RN_INDEX_HNSW ? ivf_only
                                 : kind == RN_INDEX_IVF ? hnsw_only
                                                        : NULL;
    for (int pass = 0; pass < 2 && kind == RN_INDEX_FLAT; pass++)
        for (const char *const *o = pass ? ivf_only : hnsw_only; *o; o++)
            if (lua_getfield(L, opts, *o) != LUA_TNIL)
                luaL_error(L, "%s: option '%s' is for kind = \"%s\" (this index is \"flat\")", fn,
                           *o, pass ? "ivf" : "hnsw");
            else
                lua_pop(L, 1);
    for (const char *const *o = foreign; o && *o; o++)
        if (lua_getfield(L, opts, *o) != LUA_TNIL)
            luaL_error(L, "%s: option '%s' is for kind = \"%s\" (this index is \"%s\")", fn, *o,
                       kind == RN_INDEX_HNSW ? "ivf" : "hnsw", kind_names[kind]);
        else
            lua_pop(L, 1);

    index_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->h = NULL, u->kind = kind, u->iterations = 20, u->progress = progress;
    luaL_setmetatable(L, REC_INDEX);
    if (kind == RN_INDEX_FLAT) {
        if ((u->h = rn_index_new(dim, metric)) == NULL) rec_engine_error(L);
        rn_index_set_threads(u->h, threads);
    } else if (kind == RN_INDEX_HNSW) {
        int M = (int)rec_opt_integer(L, opts, "M", 16, 2, RN_HNSW_MAX_M);
        int efc = (int)rec_opt_integer(L, opts, "ef_construction", 100, 1, RN_HNSW_MAX_EF);
        int ef = (int)rec_opt_integer(L, opts, "ef_search", 64, 1, RN_HNSW_MAX_EF);
        if ((u->h = rn_index_hnsw_new(dim, metric, M, efc, seed)) == NULL) rec_engine_error(L);
        rn_index_hnsw_set_ef_search(u->h, ef);
        rn_index_hnsw_set_threads(u->h, threads);
    } else {
        int nlist = (int)rec_opt_integer(L, opts, "nlist", 100, 1, RN_IVF_MAX_NLIST);
        int nprobe = (int)rec_opt_integer(L, opts, "nprobe", nlist < 8 ? nlist : 8, 1, nlist);
        u->iterations = (int)rec_opt_integer(L, opts, "iterations", 20, 1, 1000);
        if ((u->h = rn_index_ivf_new(dim, metric, nlist, seed)) == NULL) rec_engine_error(L);
        rn_index_ivf_set_nprobe(u->h, nprobe);
        rn_index_ivf_set_threads(u->h, threads);
    }
    return u;
}

/* rec.index.new{...}, and rec.index{...} through __call */
static int l_index_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    push_new_index(L, 1, "rec.index.new", 0, RN_INDEX_DOT);
    return 1;
}

static int l_index_call(lua_State *L)
{
    lua_remove(L, 1); /* the rec.index table */
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    push_new_index(L, 1, "rec.index", 0, RN_INDEX_DOT);
    return 1;
}

/* e:index{kind =, metric = "cosine", ...}: the embeddings' vectors under their ids */
static int l_emb_index(lua_State *L)
{
    rn_embeddings *e = rec_check_embeddings(L, 1);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_newtable(L);
        lua_replace(L, 2);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    if (lua_getfield(L, 2, "dim") != LUA_TNIL)
        luaL_error(L, "e:index: dim comes from the embeddings (%d); leave it out", rn_emb_dim(e));
    lua_pop(L, 1);
    index_ud *u = push_new_index(L, 2, "e:index", rn_emb_dim(e), RN_INDEX_COSINE);
    size_t n = rn_emb_count(e);
    int64_t *ids = lua_newuserdatauv(L, (n > 0 ? n : 1) * sizeof *ids, 0);
    for (size_t r = 0; r < n; r++)
        ids[r] = rn_emb_id(e, r);
    if (ix_add(L, u, rn_emb_vectors(e), n, rn_emb_dim(e), ids, "e:index") != RN_OK)
        return rec_engine_error(L);
    lua_pop(L, 1);
    return 1;
}

/* ---- methods ------------------------------------------------------------------------------ */

/* ix:add(vectors [, ids]) -> ix */
static int l_index_add(lua_State *L)
{
    lua_settop(L, 3);
    index_ud *u = check_index(L, 1);
    size_t n;
    int d, single;
    float *v = rec_check_vectors(L, 2, "ix:add", "vectors", &n, &d, &single);
    int64_t *ids = lua_isnoneornil(L, 3) ? rec_count_vector_ids(L, ix_size(u) + 1, n)
                                         : rec_check_vector_ids(L, 3, n, "ix:add");
    if (ix_add(L, u, v, n, d, ids, "ix:add") != RN_OK) return rec_engine_error(L);
    lua_settop(L, 1);
    return 1;
}

/* ix:train(vectors) -> ix (IVF only) */
static int l_index_train(lua_State *L)
{
    lua_settop(L, 2);
    index_ud *u = check_index(L, 1);
    if (u->kind != RN_INDEX_IVF)
        luaL_error(L, "ix:train: only an IVF index trains (this one is \"%s\")",
                   kind_names[u->kind]);
    size_t n;
    int d, single;
    float *v = rec_check_vectors(L, 2, "ix:train", "vectors", &n, &d, &single);
    if (ivf_train(u, v, n, d) != RN_OK) return rec_engine_error(L);
    lua_settop(L, 1);
    return 1;
}

/* ix:search(q, k) -> ids, scores (flat for one query; lists of lists for several) */
static int l_index_search(lua_State *L)
{
    lua_settop(L, 3);
    index_ud *u = check_index(L, 1);
    size_t nq;
    int d, single;
    float *q = rec_check_vectors(L, 2, "ix:search", "queries", &nq, &d, &single);
    lua_Integer k = luaL_checkinteger(L, 3);
    if (k < 1 || k > 1000000) luaL_argerror(L, 3, "k must be 1..1000000");
    if ((size_t)k > SIZE_MAX / sizeof(int64_t) / nq) luaL_argerror(L, 3, "k x queries is too large");
    int64_t *ids = lua_newuserdatauv(L, nq * (size_t)k * sizeof *ids, 0);
    float *sc = lua_newuserdatauv(L, nq * (size_t)k * sizeof *sc, 0);
    if (ix_search(u, q, nq, d, (int)k, ids, sc) != RN_OK) return rec_engine_error(L);
    /* padding (id -1) is left out: each list holds the results found */
    size_t m = (size_t)k < ix_size(u) ? (size_t)k : ix_size(u);
    lua_createtable(L, single ? (int)m : (int)nq, 0);
    lua_createtable(L, single ? (int)m : (int)nq, 0);
    int tid = lua_gettop(L) - 1, tsc = lua_gettop(L);
    for (size_t r = 0; r < nq; r++) {
        if (!single) {
            lua_createtable(L, (int)m, 0);
            lua_createtable(L, (int)m, 0);
        }
        int lid = single ? tid : lua_gettop(L) - 1, lsc = single ? tsc : lua_gettop(L);
        for (size_t j = 0; j < m && ids[r * (size_t)k + j] >= 0; j++) {
            lua_pushinteger(L, (lua_Integer)ids[r * (size_t)k + j]);
            lua_rawseti(L, lid, (lua_Integer)j + 1);
            lua_pushnumber(L, (lua_Number)sc[r * (size_t)k + j]);
            lua_rawseti(L, lsc, (lua_Integer)j + 1);
        }
        if (!single) {
            lua_rawseti(L, tsc, (lua_Integer)r + 1);
            lua_rawseti(L, tid, (lua_Integer)r + 1);
        }
    }
    return 2;
}

/* ix:set{ef_search =, nprobe =, threads =} -> ix */
static int l_index_set(lua_State *L)
{
    static const char *const known[] = {"ef_search", "nprobe", "threads", NULL};
    index_ud *u = check_index(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    rec_check_options(L, 2, "ix:set", known);
    if (lua_getfield(L, 2, "ef_search") != LUA_TNIL) {
        if (u->kind != RN_INDEX_HNSW)
            luaL_error(L, "ix:set: ef_search is for an HNSW index (this one is \"%s\")",
                       kind_names[u->kind]);
        int ef = (int)rec_opt_integer(L, 2, "ef_search", 64, 1, RN_HNSW_MAX_EF);
        rn_index_hnsw_set_ef_search(u->h, ef);
    }
    if (lua_getfield(L, 2, "nprobe") != LUA_TNIL) {
        if (u->kind != RN_INDEX_IVF)
            luaL_error(L, "ix:set: nprobe is for an IVF index (this one is \"%s\")",
                       kind_names[u->kind]);
        int np = (int)rec_opt_integer(L, 2, "nprobe", 1, 1, rn_index_ivf_nlist(u->h));
        rn_index_ivf_set_nprobe(u->h, np);
    }
    int threads = (int)rec_opt_integer(L, 2, "threads", -1, 0, 8);
    if (threads >= 0) {
        if (u->kind == RN_INDEX_FLAT) rn_index_set_threads(u->h, threads);
        if (u->kind == RN_INDEX_HNSW) rn_index_hnsw_set_threads(u->h, threads);
        if (u->kind == RN_INDEX_IVF) rn_index_ivf_set_threads(u->h, threads);
    }
    lua_settop(L, 1);
    return 1;
}

/* ix:info() -> {kind =, dim =, metric =, size =, M =, ef_construction =, ef_search =,
 * max_level =, links =, nlist =, nprobe =, trained =, list_min =, list_max =} */
static int l_index_info(lua_State *L)
{
    index_ud *u = check_index(L, 1);
    lua_createtable(L, 0, 12);
    lua_pushstring(L, kind_names[u->kind]);
    lua_setfield(L, -2, "kind");
    lua_pushinteger(L, ix_dim(u));
    lua_setfield(L, -2, "dim");
    lua_pushstring(L, rn_index_metric_name(ix_metric(u)));
    lua_setfield(L, -2, "metric");
    lua_pushinteger(L, (lua_Integer)ix_size(u));
    lua_setfield(L, -2, "size");
    if (u->kind == RN_INDEX_HNSW) {
        lua_pushinteger(L, rn_index_hnsw_M(u->h));
        lua_setfield(L, -2, "M");
        lua_pushinteger(L, rn_index_hnsw_ef_construction(u->h));
        lua_setfield(L, -2, "ef_construction");
        lua_pushinteger(L, rn_index_hnsw_ef_search(u->h));
        lua_setfield(L, -2, "ef_search");
        lua_pushinteger(L, rn_index_hnsw_max_level(u->h));
        lua_setfield(L, -2, "max_level");
        lua_pushinteger(L, (lua_Integer)rn_index_hnsw_links(u->h));
        lua_setfield(L, -2, "links");
    } else if (u->kind == RN_INDEX_IVF) {
        int nlist = rn_index_ivf_nlist(u->h);
        lua_pushinteger(L, nlist);
        lua_setfield(L, -2, "nlist");
        lua_pushinteger(L, rn_index_ivf_nprobe(u->h));
        lua_setfield(L, -2, "nprobe");
        lua_pushboolean(L, rn_index_ivf_is_trained(u->h));
        lua_setfield(L, -2, "trained");
        size_t lo = SIZE_MAX, hi = 0;
        for (int l = 0; l < nlist; l++) {
            size_t m = rn_index_ivf_list_size(u->h, l);
            lo = m < lo ? m : lo, hi = m > hi ? m : hi;
        }
        lua_pushinteger(L, (lua_Integer)lo);
        lua_setfield(L, -2, "list_min");
        lua_pushinteger(L, (lua_Integer)hi);
        lua_setfield(L, -2, "list_max");
    }
    return 1;
}

/* ix:recall(queries, k = 10) -> recall@k against an exact search of the same vectors */
static int l_index_recall(lua_State *L)
{
    lua_settop(L, 3);
    index_ud *u = check_index(L, 1);
    size_t nq;
    int d, single;
    float *q = rec_check_vectors(L, 2, "ix:recall", "queries", &nq, &d, &single);
    int k = rec_opt_int(L, 3, 10, 1, 100000);
    size_t n = ix_size(u);
    if (n == 0) luaL_error(L, "ix:recall: the index is empty (add vectors first)");
    if (d != ix_dim(u))
        luaL_error(L, "ix:recall: queries of dim %d, the index holds dim %d", d, ix_dim(u));
    int kk = (size_t)k < n ? k : (int)n;
    int64_t *a = lua_newuserdatauv(L, nq * (size_t)kk * sizeof *a, 0);
    int64_t *e = lua_newuserdatauv(L, nq * (size_t)kk * sizeof *e, 0);
    float *sc = lua_newuserdatauv(L, nq * (size_t)kk * sizeof *sc, 0);
    if (ix_search(u, q, nq, d, kk, a, sc) != RN_OK) return rec_engine_error(L);
    /* the exact answer over the index's own vectors */
    const float *v;
    const int64_t *ids;
    if (u->kind == RN_INDEX_FLAT) {
        v = rn_index_vectors(u->h), ids = rn_index_ids(u->h);
    } else if (u->kind == RN_INDEX_HNSW) {
        v = rn_index_hnsw_vectors(u->h), ids = rn_index_hnsw_ids(u->h);
    } else {
        float *vv = lua_newuserdatauv(L, n * (size_t)d * sizeof *vv, 0);
        int64_t *ii = lua_newuserdatauv(L, n * sizeof *ii, 0);
        rn_index_ivf_vectors(u->h, vv, ii);
        v = vv, ids = ii;
    }
    rn_index *ex = rn_index_new(d, ix_metric(u));
    if (ex == NULL) return rec_engine_error(L);
    if (rn_index_add(ex, v, n, d, ids) != RN_OK || rn_index_search(ex, q, nq, d, kk, e, sc) != RN_OK) {
        rn_index_free(ex);
        return rec_engine_error(L);
    }
    rn_index_free(ex);
    size_t hit = 0;
    for (size_t i = 0; i < nq; i++)
        for (int x = 0; x < kk; x++)
            for (int y = 0; y < kk; y++)
                if (a[i * (size_t)kk + (size_t)x] == e[i * (size_t)kk + (size_t)y] &&
                    a[i * (size_t)kk + (size_t)x] >= 0) {
                    hit++;
                    break;
                }
    lua_pushnumber(L, (lua_Number)hit / ((lua_Number)nq * kk));
    return 1;
}

/* ix:save(path) -> path */
static int l_index_save(lua_State *L)
{
    index_ud *u = check_index(L, 1);
    const char *path = luaL_checkstring(L, 2);
    int rc = u->kind == RN_INDEX_FLAT   ? rn_index_save(u->h, path)
             : u->kind == RN_INDEX_HNSW ? rn_index_hnsw_save(u->h, path)
                                        : rn_index_ivf_save(u->h, path);
    if (rc != RN_OK) return rec_engine_error(L);
    lua_settop(L, 2);
    return 1;
}

/* rec.index.load(path) -> ix */
static int l_index_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int kind = rn_index_file_kind(path);
    if (kind < 0) return rec_engine_error(L);
    index_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->h = NULL, u->kind = kind, u->iterations = 20, u->progress = 1;
    luaL_setmetatable(L, REC_INDEX);
    u->h = kind == RN_INDEX_FLAT   ? (void *)rn_index_load(path)
           : kind == RN_INDEX_HNSW ? (void *)rn_index_hnsw_load(path)
                                   : (void *)rn_index_ivf_load(path);
    if (u->h == NULL) return rec_engine_error(L);
    return 1;
}

static int l_index_len(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ix_size(check_index(L, 1)));
    return 1;
}

static int l_index_close(lua_State *L)
{
    index_ud *u = luaL_checkudata(L, 1, REC_INDEX);
    if (u->h != NULL) ix_free(u);
    return 0;
}

static int l_index_tostring(lua_State *L)
{
    index_ud *u = luaL_checkudata(L, 1, REC_INDEX);
    if (u->h == NULL) {
        lua_pushliteral(L, "rec.Index (closed)");
        return 1;
    }
    lua_pushfstring(L, "rec.Index: %I vectors of dim %d, %s", (lua_Integer)ix_size(u), ix_dim(u),
                    rn_index_metric_name(ix_metric(u)));
    if (u->kind == RN_INDEX_HNSW)
        lua_pushfstring(L, ", hnsw (M %d, ef_construction %d, ef_search %d)",
                        rn_index_hnsw_M(u->h), rn_index_hnsw_ef_construction(u->h),
                        rn_index_hnsw_ef_search(u->h));
    else if (u->kind == RN_INDEX_IVF)
        lua_pushfstring(L, ", ivf (nlist %d, nprobe %d%s)", rn_index_ivf_nlist(u->h),
                        rn_index_ivf_nprobe(u->h),
                        rn_index_ivf_is_trained(u->h) ? "" : ", untrained");
    else
        lua_pushliteral(L, ""); /* exact: the plain description */
    lua_concat(L, 2);
    return 1;
}

/* ---- docs and opening --------------------------------------------------------------------- */

static const rec_doc_entry index_docs[] = {
    {"new",
     "rec.index{dim =, metric = \"dot\", kind = \"flat\", ...} (or rec.index.new{...}) makes a "
     "top-K index of vectors of dim values, scored by dot product or cosine. kind = \"flat\" "
     "is exact (blocked matrix products and a heap of k per query, on every core); \"hnsw\" a "
     "graph (M = 16 links per node, ef_construction = 100, ef_search = 64: larger is more "
     "accurate and slower); \"ivf\" k-means clusters (nlist = 100 lists trained with seed = "
     "42 by iterations = 20 on the first add, nprobe = 8 of them scanned per query; about 4 "
     "sqrt(n) lists is usual). threads = 0 uses every core. Ties go to the smaller id. HNSW "
     "and IVF builds run in blocks through the training loop: Ctrl-C stops them, and on a "
     "terminal a long one draws a progress bar (progress = false: none).",
     "local ix = rec.index{dim = 2, metric = \"cosine\"}\n"
     "ix:add({{1, 0}, {0, 1}, {1, 1}}, {10, 20, 30})\n"
     "print(ix:search({1, 0.2}, 2)[1])  --> 10\n"
     "local g = rec.index{dim = 2, kind = \"hnsw\", M = 8}:add({{1, 0}, {0, 1}, {1, 1}})\n"
     "print(g)"},
    {"load",
     "rec.index.load(path) reads an index saved by ix:save, of any kind (its vectors, ids, "
     "graph or lists and settings). A damaged file is an error naming the byte where it "
     "goes wrong.",
     "local ix = rec.index{dim = 2}:add({{1, 0}, {0, 1}})\n"
     "local path = os.tmpname()\nix:save(path)\n"
     "print(#rec.index.load(path))  --> 2\nos.remove(path)"},
    {NULL, NULL, NULL}};

static const rec_doc_entry index_method_docs[] = {
    {"add",
     "ix:add(vectors [, ids]) adds vectors (a table of rows, one row, or a rec.Tensor) with "
     "their ids (integers >= 0; by default size+1, size+2, ...). An IVF index trains its "
     "lists on its first add (at least nlist vectors). Returns ix.",
     "local ix = rec.index{dim = 3}\nix:add({{1, 2, 3}, {3, 2, 1}})\nprint(#ix)  --> 2"},
    {"search",
     "ix:search(q, k) returns two tables, ids and scores, best first: for one query vector, "
     "flat lists; for a table of queries (or a 2-D tensor), one list per query. Lists hold at "
     "most the index's size (an approximate index may find fewer than k when ef_search or "
     "nprobe is small).",
     "local ix = rec.index{dim = 2}:add({{1, 0}, {0, 2}, {1, 1}})\n"
     "local ids, scores = ix:search({{0, 1}, {1, 0}}, 2)\n"
     "print(ids[1][1], scores[1][1], ids[2][1])  --> 2  2.0  1"},
    {"set",
     "ix:set{ef_search =, nprobe =, threads =} changes the search settings: ef_search (HNSW: "
     "candidates kept while walking the graph), nprobe (IVF: lists scanned per query), "
     "threads (0: every core). Returns ix.",
     "local rows = {}\nfor i = 1, 200 do rows[i] = {math.cos(i), math.sin(i)} end\n"
     "local ix = rec.index{dim = 2, kind = \"ivf\", nlist = 10}:add(rows)\n"
     "ix:set{nprobe = 10}\nprint(ix:recall(rows, 5))  --> 1.0"},
    {"recall",
     "ix:recall(queries, k = 10) is the share of the exact top k (an exact search of the "
     "same vectors) that ix:search finds, over the queries: 1 for kind = \"flat\", lower for "
     "an approximate index as ef_search or nprobe shrink.",
     "local rows = {}\nfor i = 1, 500 do rows[i] = {math.cos(i), math.sin(i), (i % 7) / 7} end\n"
     "local ix = rec.index{dim = 3, kind = \"hnsw\", ef_search = 4}:add(rows)\n"
     "print(ix:recall(rows, 10))\nix:set{ef_search = 200}\nprint(ix:recall(rows, 10))"},
    {"train",
     "ix:train(vectors) trains an IVF index's lists (k-means) on vectors before any add; "
     "without it the first add trains on what it adds. Returns ix.",
     "local rows = {}\nfor i = 1, 100 do rows[i] = {math.cos(i), math.sin(i)} end\n"
     "local ix = rec.index{dim = 2, kind = \"ivf\", nlist = 4}:train(rows)\n"
     "print(ix:info().trained)  --> true"},
    {"info",
     "ix:info() describes the index: kind, dim, metric, size, and M, ef_construction, "
     "ef_search, max_level, links (HNSW) or nlist, nprobe, trained, list_min, list_max (IVF).",
     "print(rec.index{dim = 4, kind = \"hnsw\"}:info().M)  --> 16"},
    {"save",
     "ix:save(path) writes the index (vectors, ids, the graph or lists, the settings) to "
     "path atomically; rec.index.load reads it back. Returns path.",
     "local path = os.tmpname()\nrec.index{dim = 1}:add({{1}, {2}}):save(path)\n"
     "print(rec.index.load(path))\nos.remove(path)"},
    {"close", "ix:close() frees the index now (the garbage collector would later).",
     "local ix = rec.index{dim = 2}\nix:close()"},
    {NULL, NULL, NULL}};

static const rec_doc_entry emb_index_doc[] = {
    {"index",
     "e:index{kind = \"flat\", metric = \"cosine\", ...} builds a rec.Index of the embeddings' "
     "vectors under their ids, with rec.index's options (dim comes from the embeddings): "
     "kind = \"hnsw\" or \"ivf\" for an approximate one. Search it with any vector (a user's).",
     "local e = rec.embeddings.new({{1, 0}, {0.9, 0.1}, {0, 1}}, {ids = {7, 8, 9}})\n"
     "local ix = e:index{kind = \"hnsw\"}\nprint(ix:search({1, 0}, 2)[2])  --> 8"},
    {NULL, NULL, NULL}};

void rec_open_index(lua_State *L)
{
    /* rec at the top; rec.Embeddings' metatable made */
    static const luaL_Reg methods[] = {
        {"add", l_index_add},   {"search", l_index_search}, {"set", l_index_set},
        {"info", l_index_info}, {"recall", l_index_recall}, {"train", l_index_train},
        {"save", l_index_save}, {"close", l_index_close},   {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", l_index_close},
                                    {"__close", l_index_close},
                                    {"__len", l_index_len},
                                    {"__tostring", l_index_tostring},
                                    {NULL, NULL}};
    if (luaL_newmetatable(L, REC_INDEX)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        rec_doc_fields(L, -1, "ix", 1, index_method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);

    luaL_getmetatable(L, REC_EMBEDDINGS);
    if (lua_getfield(L, -1, "__index") == LUA_TTABLE) {
        lua_pushcfunction(L, l_emb_index);
        lua_setfield(L, -2, "index");
        rec_doc_fields(L, -1, "e", 1, emb_index_doc);
    }
    lua_pop(L, 2);

    static const luaL_Reg fns[] = {{"new", l_index_new}, {"load", l_index_load}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_createtable(L, 0, 1); /* rec.index{...} calls rec.index.new */
    lua_pushcfunction(L, l_index_call);
    lua_setfield(L, -2, "__call");
    lua_setmetatable(L, -2);
    rec_doc_set(L, -1, "rec.index",
                "Top-K search: rec.index{dim =, metric =, kind = \"flat\" | \"hnsw\" | \"ivf\"} "
                "makes a rec.Index; ix:add adds vectors with ids, ix:search returns the k best "
                "ids and scores per query, ix:recall measures an approximate index against "
                "exact search, ix:save / rec.index.load keep it.",
                "help(rec.index.new)");
    rec_doc_fields(L, -1, "rec.index", 0, index_docs);
    lua_setfield(L, -2, "index");
}
