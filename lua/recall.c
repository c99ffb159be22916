/* rec.recall: multi-path recall (engine/retrieval/multipath.h) -- the merge
 * with quotas, the per-path report (recall@K, coverage, Jaccard overlap,
 * share of merged hits) -- and the content-quality score
 * (engine/retrieval/quality.h). The MovieLens helpers written in Lua
 * (rec.tags.movielens, rec.recall.sketch, rec.recall.embedding_path) are in
 * lua/recall_lua.c. */
#include "rec.h"
#include "host.h"
#include "rec_aux.h"

#include "error.h"
#include "retrieval/multipath.h"
#include "retrieval/quality.h"

#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

/* The list of integer ids at i (>= 0) into a userdata pushed on the stack. */
static int64_t *check_id_list(lua_State *L, int i, const char *fn, const char *what, size_t *n)
{
    if (!lua_istable(L, i)) luaL_error(L, "%s: %s must be a list of ids", fn, what);
    *n = (size_t)luaL_len(L, i);
    int64_t *ids = lua_newuserdatauv(L, (*n ? *n : 1) * sizeof *ids, 0);
    for (size_t j = 0; j < *n; j++) {
        if (lua_rawgeti(L, i, (lua_Integer)j + 1) != LUA_TNUMBER || !lua_isinteger(L, -1) ||
            lua_tointeger(L, -1) < 0)
            luaL_error(L, "%s: %s[%I] must be an integer id >= 0", fn, what, (lua_Integer)(j + 1));
        ids[j] = (int64_t)lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    return ids;
}

/* rec.recall.merge({list, ...}, {quotas = {...}, k =, mode = "priority"}) -> ids, paths */
static int l_merge(lua_State *L)
{
    const char *fn = "rec.recall.merge";
    lua_settop(L, 2);
    luaL_argexpected(L, lua_istable(L, 1), 1, "a list of id lists, one per path");
    static const char *const known[] = {"quotas", "k", "mode", NULL};
    rec_check_options(L, 2, fn, known);
    int P = (int)luaL_len(L, 1);
    if (P < 1 || P > 64) return luaL_error(L, "%s: need 1 to 64 paths, got %d", fn, P);
    int quota[64];
    if (rec_opt_int_list(L, 2, "quotas", 64, 0, 1000000, quota) != P)
        return luaL_error(L, "%s: option 'quotas' must hold one quota per path (%d)", fn, P);
    int sum = 0;
    for (int p = 0; p < P; p++)
        sum += quota[p];
    int k = (int)rec_opt_integer(L, 2, "k", sum > 0 ? sum : 1, 1, 1000000);
    static const char *const modes[] = {"priority", "round_robin", NULL};
    int mode = rec_opt_enum(L, 2, "mode", modes, RN_RECALL_PRIORITY);
    const int64_t *lists[64];
    size_t lens[64];
    char what[32];
    for (int p = 0; p < P; p++) {
        lua_rawgeti(L, 1, p + 1);
        snprintf(what, sizeof what, "path %d", p + 1);
        lists[p] = check_id_list(L, lua_gettop(L), fn, what, &lens[p]);
    }
    int64_t *out = lua_newuserdatauv(L, (size_t)k * sizeof *out, 0);
    int *path = lua_newuserdatauv(L, (size_t)k * sizeof *path, 0);
    int m = rn_recall_merge(P, lists, lens, quota, mode, k, out, path);
    if (m < 0) return luaL_error(L, "%s", rn_error());
    lua_createtable(L, m, 0);
    lua_createtable(L, m, 0);
    for (int j = 0; j < m; j++) {
        lua_pushinteger(L, (lua_Integer)out[j]);
        lua_rawseti(L, -3, j + 1);
        lua_pushinteger(L, path[j] + 1);
        lua_rawseti(L, -2, j + 1);
    }
    return 2;
}

/* rec.recall.jaccard(a, b) */
static int l_jaccard(lua_State *L)
{
    size_t na, nb;
    int64_t *a = check_id_list(L, 1, "rec.recall.jaccard", "a", &na);
    int64_t *b = check_id_list(L, 2, "rec.recall.jaccard", "b", &nb);
    lua_pushnumber(L, rn_recall_jaccard(a, na, b, nb));
    return 1;
}

/* Per-user lists at i (a list of id lists) flattened: ids and offsets. */
static void flatten(lua_State *L, int i, size_t U, const char *fn, const char *what,
                    const int64_t **ids_out, const size_t **off_out)
{
    if (!lua_istable(L, i) || (size_t)luaL_len(L, i) != U)
        luaL_error(L, "%s: %s must hold one list per user (%I)", fn, what, (lua_Integer)(U));
    size_t *off = lua_newuserdatauv(L, (U + 1) * sizeof *off, 0);
    off[0] = 0;
    for (size_t u = 0; u < U; u++) {
        if (lua_rawgeti(L, i, (lua_Integer)u + 1) != LUA_TTABLE)
            luaL_error(L, "%s: %s[%I] must be a list of ids", fn, what, (lua_Integer)(u + 1));
        off[u + 1] = off[u] + (size_t)luaL_len(L, -1);
        lua_pop(L, 1);
    }
    int64_t *ids = lua_newuserdatauv(L, (off[U] ? off[U] : 1) * sizeof *ids, 0);
    for (size_t u = 0; u < U; u++) {
        lua_rawgeti(L, i, (lua_Integer)u + 1);
        for (size_t j = off[u]; j < off[u + 1]; j++) {
            if (lua_rawgeti(L, -1, (lua_Integer)(j - off[u]) + 1) != LUA_TNUMBER ||
                !lua_isinteger(L, -1))
                luaL_error(L, "%s: %s[%I][%I] must be an integer id", fn, what,
                           (lua_Integer)(u + 1), (lua_Integer)(j - off[u] + 1));
            ids[j] = (int64_t)lua_tointeger(L, -1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
    }
    *ids_out = ids;
    *off_out = off;
}

static void push_numbers(lua_State *L, const double *x, int n)
{
    lua_createtable(L, n, 0);
    for (int j = 0; j < n; j++) {
        lua_pushnumber(L, x[j]);
        lua_rawseti(L, -2, j + 1);
    }
}

/* rec.recall.report{paths = {per-user lists, ...}, truth =, merged =, merged_paths =, n_items =} */
static int l_report(lua_State *L)
{
    const char *fn = "rec.recall.report";
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const known[] = {"paths",        "truth",   "merged",
                                        "merged_paths", "n_items", NULL};
    rec_check_options(L, 1, fn, known);
    lua_settop(L, 1);
    lua_getfield(L, 1, "paths");        /* 2 */
    lua_getfield(L, 1, "truth");        /* 3 */
    lua_getfield(L, 1, "merged");       /* 4 */
    lua_getfield(L, 1, "merged_paths"); /* 5 */
    if (!lua_istable(L, 2)) return luaL_error(L, "%s: paths must be a list of per-user lists", fn);
    int P = (int)luaL_len(L, 2);
    if (P < 1 || P > 64) return luaL_error(L, "%s: need 1 to 64 paths, got %d", fn, P);
    size_t U;
    int64_t *truth = check_id_list(L, 3, fn, "truth", &U);
    if (U == 0) return luaL_error(L, "%s: truth is empty (no users)", fn);
    lua_Integer n_items = rec_opt_integer(L, 1, "n_items", 0, 0, INT64_MAX);
    if (n_items < 1) return luaL_error(L, "%s: n_items (the catalogue size) is required", fn);
    const int64_t *ids[64];
    const size_t *off[64];
    char what[32];
    for (int p = 0; p < P; p++) {
        lua_rawgeti(L, 2, p + 1);
        snprintf(what, sizeof what, "paths[%d]", p + 1);
        flatten(L, lua_gettop(L), U, fn, what, &ids[p], &off[p]);
    }
    rn_recall_lists R = {P, U, ids, off, NULL, NULL, NULL, truth, (size_t)n_items};
    if (!lua_isnil(L, 4)) {
        flatten(L, 4, U, fn, "merged", &R.merged, &R.moff);
        if (!lua_isnil(L, 5)) {
            const int64_t *mp;
            const size_t *mo;
            flatten(L, 5, U, fn, "merged_paths", &mp, &mo);
            if (mo[U] != R.moff[U])
                return luaL_error(L, "%s: merged_paths must match merged list by list", fn);
            int *path = lua_newuserdatauv(L, (mo[U] ? mo[U] : 1) * sizeof *path, 0);
            for (size_t j = 0; j < mo[U]; j++)
                path[j] = (int)mp[j] - 1;
            R.merged_path = path;
        }
    }
    double *buf = lua_newuserdatauv(L, ((size_t)P * P + 3 * (size_t)P + 2) * sizeof *buf, 0);
    double *recall = buf, *coverage = buf + P + 1, *jac = buf + 2 * P + 2, *share = jac + P * P;
    if (rn_recall_report(&R, recall, coverage, jac, share) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, 0, 7);
    push_numbers(L, recall, P);
    lua_setfield(L, -2, "recall");
    push_numbers(L, coverage, P);
    lua_setfield(L, -2, "coverage");
    lua_createtable(L, P, 0);
    for (int p = 0; p < P; p++) {
        push_numbers(L, jac + p * P, P);
        lua_rawseti(L, -2, p + 1);
    }
    lua_setfield(L, -2, "jaccard");
    if (R.merged) {
        lua_pushnumber(L, recall[P]);
        lua_setfield(L, -2, "merged_recall");
        lua_pushnumber(L, coverage[P]);
        lua_setfield(L, -2, "merged_coverage");
        if (R.merged_path) {
            push_numbers(L, share, P);
            lua_setfield(L, -2, "share");
        }
    }
    return 1;
}

/* rec.recall.beta(c, n, a, b), rec.recall.wilson(c, n [, z = 1.96]) */
static int l_beta(lua_State *L)
{
    double out;
    if (rn_quality_beta(luaL_checknumber(L, 1), luaL_checknumber(L, 2), luaL_checknumber(L, 3),
                        luaL_checknumber(L, 4), &out) != RN_OK)
        return rec_engine_error(L);
    lua_pushnumber(L, out);
    return 1;
}

static int l_wilson(lua_State *L)
{
    double out;
    if (rn_quality_wilson(luaL_checknumber(L, 1), luaL_checknumber(L, 2),
                          luaL_optnumber(L, 3, 1.96), &out) != RN_OK)
        return rec_engine_error(L);
    lua_pushnumber(L, out);
    return 1;
}

/* A list of n numbers at field key of the table at 1 (n fixed by the first list read). */
static double *field_numbers(lua_State *L, const char *key, size_t *n, const char *fn)
{
    lua_getfield(L, 1, key);
    if (lua_isnil(L, -1)) luaL_error(L, "%s: %s is required (one number per item)", fn, key);
    size_t m;
    float *f = rec_floats(L, lua_gettop(L), fn, key, &m, 0);
    if (*n == 0) *n = m;
    if (m != *n)
        luaL_error(L, "%s: %s holds %I numbers, expected %I", fn, key, (lua_Integer)(m),
                   (lua_Integer)(*n));
    double *d = lua_newuserdatauv(L, (m ? m : 1) * sizeof *d, 0);
    for (size_t j = 0; j < m; j++)
        d[j] = f[j];
    return d;
}

/* rec.recall.quality{conversions =, exposures =, behaviour =, age =, weights = {0.3, 0.4, 0.3},
 *   smoothing = "beta", prior_strength = 20, z = 1.96, scaling = "rank", scale =, offset =,
 *   decay =} -> scores, {rate =, conversion =, behaviour =, freshness =} */
static int l_quality(lua_State *L)
{
    const char *fn = "rec.recall.quality";
    luaL_checktype(L, 1, LUA_TTABLE);
    static const char *const known[] = {
        "conversions", "exposures", "behaviour", "age",    "weights", "smoothing", "prior_strength",
        "z",           "scaling",   "scale",     "offset", "decay",   NULL};
    rec_check_options(L, 1, fn, known);
    rn_quality_cfg q = rn_quality_defaults();
    static const char *const smooth[] = {"none", "beta", "wilson", NULL};
    static const char *const scalings[] = {"rank", "minmax", NULL};
    q.smoothing = rec_opt_enum(L, 1, "smoothing", smooth, q.smoothing);
    q.prior_strength = rec_opt_positive(L, 1, "prior_strength", q.prior_strength);
    q.z = rec_opt_positive(L, 1, "z", q.z);
    q.scaling = rec_opt_enum(L, 1, "scaling", scalings, q.scaling);
    q.freshness.scale = rec_opt_positive(L, 1, "scale", q.freshness.scale);
    q.freshness.offset = rec_opt_range(L, 1, "offset", q.freshness.offset, 0, 1e9);
    q.freshness.decay = rec_opt_range(L, 1, "decay", q.freshness.decay, 1e-12, 1);
    if (lua_getfield(L, 1, "weights") != LUA_TNIL) {
        size_t nw;
        float *w = rec_floats(L, lua_gettop(L), fn, "weights", &nw, 0);
        if (nw != 3)
            return luaL_error(L,
                              "%s: weights must be 3 numbers (conversion, behaviour, "
                              "freshness), got %I",
                              fn, (lua_Integer)(nw));
        q.w_conversion = w[0];
        q.w_behaviour = w[1];
        q.w_freshness = w[2];
    }
    size_t n = 0;
    double *c = field_numbers(L, "conversions", &n, fn);
    double *e = field_numbers(L, "exposures", &n, fn);
    double *b = field_numbers(L, "behaviour", &n, fn);
    double *a = field_numbers(L, "age", &n, fn);
    double *out = lua_newuserdatauv(L, 5 * (n ? n : 1) * sizeof *out, 0);
    double *parts = out + n, *rate = out + 4 * n;
    if (rn_quality_score(n, c, e, b, a, &q, out, parts, rate) != RN_OK)
        return luaL_error(L, "%s: %s", fn, rn_error());
    push_numbers(L, out, (int)n);
    lua_createtable(L, 0, 4);
    push_numbers(L, rate, (int)n);
    lua_setfield(L, -2, "rate");
    static const char *const names[] = {"conversion", "behaviour", "freshness"};
    for (int k = 0; k < 3; k++) {
        lua_createtable(L, (int)n, 0);
        for (size_t j = 0; j < n; j++) {
            lua_pushnumber(L, parts[3 * j + (size_t)k]);
            lua_rawseti(L, -2, (lua_Integer)j + 1);
        }
        lua_setfield(L, -2, names[k]);
    }
    return 2;
}

static const rec_doc_entry recall_docs[] = {
    {"merge",
     "rec.recall.merge({path1_ids, path2_ids, ...}, {quotas = {...}, k = sum, mode = "
     "\"priority\" | \"round_robin\"}) merges ranked id lists with per-path quotas and "
     "de-duplication: priority lets path 1 take its quota first, round_robin takes one id per "
     "path in turn; slots a dry path leaves go to the others' further ids. Returns the ids and, "
     "for each, the (1-based) path that put it there.",
     "local ids, paths = rec.recall.merge({{1, 2, 3}, {2, 4, 5}}, {quotas = {2, 2}})\n"
     "print(table.concat(ids, \" \"), table.concat(paths, \" \"))  --> 1 2 4 5  1 1 2 2"},
    {"jaccard", "rec.recall.jaccard(a, b) = |a n b| / |a u b| of two id lists.",
     "print(rec.recall.jaccard({1, 2, 3}, {2, 3, 4}))  --> 0.5"},
    {"report",
     "rec.recall.report{paths = {lists1, lists2, ...}, truth = {id per user}, merged =, "
     "merged_paths =, n_items =} evaluates recall paths with one held-out item per user: "
     "recall (recall@K per path), coverage (distinct ids / n_items), jaccard (the mean "
     "pairwise overlap, a matrix), and with merged lists merged_recall, merged_coverage and "
     "share (each path's share of the merged hits).",
     "local r = rec.recall.report{paths = {{{1, 2}, {3}}, {{2}, {4}}}, truth = {2, 4}, "
     "n_items = 5}\nprint(r.recall[1], r.recall[2], r.jaccard[1][2])"},
    {"quality",
     "rec.recall.quality{conversions =, exposures =, behaviour =, age =, weights = {0.3, 0.4, "
     "0.3}, smoothing = \"beta\" | \"wilson\" | \"none\", prior_strength = 20, z = 1.96, "
     "scaling = \"rank\" | \"minmax\", scale = 365, offset = 0, decay = 0.5} is the notes' "
     "content-quality score: the smoothed conversion rate, the behaviour score and freshness "
     "(the time decay of the age in days), each scaled to [0, 1], weighted 30/40/30. Returns "
     "the scores and their parts {rate, conversion, behaviour, freshness}.",
     "local s = rec.recall.quality{conversions = {1, 900}, exposures = {2, 10000},\n"
     "  behaviour = {1, 5}, age = {30, 300}}\nprint(s[1], s[2])"},
    {"beta",
     "rec.recall.beta(c, n, a, b) = (c + a) / (n + a + b): a conversion rate smoothed by a "
     "Beta(a, b) prior.",
     "print(rec.recall.beta(1, 2, 1, 19))  --> 0.0909..."},
    {"wilson",
     "rec.recall.wilson(c, n [, z = 1.96]) is the lower bound of the Wilson score interval of "
     "c successes in n trials.",
     "print(rec.recall.wilson(1, 2), rec.recall.wilson(900, 10000))"},
    {NULL, NULL, NULL}};

void rec_open_recall(lua_State *L)
{
    static const luaL_Reg fns[] = {
        {"merge", l_merge}, {"jaccard", l_jaccard}, {"report", l_report}, {"quality", l_quality},
        {"beta", l_beta},   {"wilson", l_wilson},   {NULL, NULL}};
    luaL_newlib(L, fns);
    rec_open_recall_lua(L); /* rec.recall's and rec.tags' helpers written in Lua */
    rec_doc_set(L, -1, "rec.recall",
                "Multi-path recall (多路召回, the notes' §4 Q1 (3)(4)): the merge with quotas, "
                "the per-path report and the content-quality score. Lesson 21.",
                "help(rec.recall.merge)");
    rec_doc_fields(L, -1, "rec.recall", 0, recall_docs);
    lua_setfield(L, -2, "recall");
    rec_doc_tags(L);
}
