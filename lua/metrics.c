/* rec.metrics: the engine's metrics (engine/metrics.h) for Lua.
 *
 * Scores and labels come as Lua arrays of numbers or as rec.Tensor userdata
 * (read in place, any shape, as a flat array). Ranking metrics take one
 * ranked list of item ids per user and each user's relevant items (a list,
 * a set {[id] = true}, or a single id). Every function returns the value,
 * and the grouped ones a second table saying how many groups or users were
 * used. */
#include "rec.h"
#include "rec_aux.h"
#include "rec_engine.h"
#include "host.h"

#include "error.h"
#include "metrics.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <lauxlib.h>

/* ---- arguments -------------------------------------------------------------------- */

/* A float array from stack slot i (argument arg, named in errors): a tensor's
 * data (borrowed) or a Lua array copied into a userdata pushed on the stack
 * (collected with it). */
static const float *floats_at(lua_State *L, int i, int arg, const char *what, size_t *n)
{
    if (lua_type(L, i) == LUA_TUSERDATA) {
        rn_tensor *t = rec_check_tensor(L, i);
        *n = t->n;
        return t->data;
    }
    if (lua_type(L, i) != LUA_TTABLE) {
        if (i == arg) luaL_typeerror(L, i, "a table of numbers or a rec.Tensor");
        luaL_argerror(L, arg,
                      lua_pushfstring(L, "%s is %s: expected a table of numbers or a rec.Tensor",
                                      what, luaL_typename(L, i)));
    }
    size_t len = (size_t)lua_rawlen(L, i);
    float *v = lua_newuserdatauv(L, (len ? len : 1) * sizeof *v, 0);
    for (size_t k = 0; k < len; k++) {
        lua_rawgeti(L, i, (lua_Integer)k + 1);
        int ok;
        lua_Number x = lua_tonumberx(L, -1, &ok);
        if (!ok || lua_type(L, -1) != LUA_TNUMBER)
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "%s[%d] is %s: expected a number", what, (int)k + 1,
                                          luaL_typename(L, -1)));
        v[k] = (float)x;
        lua_pop(L, 1);
    }
    *n = len;
    return v;
}

static const float *check_floats(lua_State *L, int i, const char *what, size_t *n)
{
    return floats_at(L, i, i, what, n);
}

static void same_length(lua_State *L, const char *fn, const char *a, size_t na, const char *b,
                        size_t nb)
{
    if (na != nb) luaL_error(L, "%s: %s has %d entries but %s has %d", fn, a, (int)na, b, (int)nb);
}

/* ---- pointwise ---------------------------------------------------------------------- */

static int l_auc(lua_State *L)
{
    lua_settop(L, 2);
    size_t ny, ns;
    const float *y = check_floats(L, 1, "labels", &ny);
    const float *s = check_floats(L, 2, "scores", &ns);
    same_length(L, "auc", "labels", ny, "scores", ns);
    double v;
    if (rn_auc(y, s, ny, &v) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, v);
    return 1;
}

/* Group ids: any numbers or strings, numbered densely in order of first
 * appearance (so 7, 7.0 and "7" are two groups: 7 and "7"). */
static const int64_t *check_groups(lua_State *L, int i, size_t n, const char *fn,
                                   const char *what)
{
    luaL_checktype(L, i, LUA_TTABLE);
    if ((size_t)lua_rawlen(L, i) != n)
        luaL_error(L, "%s: labels has %d entries but %s has %d", fn, (int)n, what,
                   (int)lua_rawlen(L, i));
    int64_t *g = lua_newuserdatauv(L, (n ? n : 1) * sizeof *g, 0);
    lua_newtable(L); /* value -> dense id */
    int ids = lua_gettop(L);
    int64_t next = 0;
    for (size_t k = 0; k < n; k++) {
        int t = lua_rawgeti(L, i, (lua_Integer)k + 1);
        if (t != LUA_TNUMBER && t != LUA_TSTRING)
            luaL_argerror(L, i,
                          lua_pushfstring(L, "%s[%d] is %s: expected a number or a string", what,
                                          (int)k + 1, luaL_typename(L, -1)));
        if (t == LUA_TNUMBER && lua_tonumber(L, -1) != lua_tonumber(L, -1))
            luaL_argerror(L, i, lua_pushfstring(L, "%s[%d] is NaN", what, (int)k + 1));
        lua_pushvalue(L, -1);
        if (lua_rawget(L, ids) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_pushinteger(L, next);
            lua_rawset(L, ids);
            g[k] = next++;
        } else {
            g[k] = (int64_t)lua_tointeger(L, -1);
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
    return g;
}

/* Pushes {groups =, used =, rows =, weighted =} of one group AUC. */
static void push_gauc_info(lua_State *L, const rn_gauc_result *r, int weighted)
{
    lua_createtable(L, 0, 4);
    lua_pushinteger(L, (lua_Integer)r->n_groups);
    lua_setfield(L, -2, "groups");
    lua_pushinteger(L, (lua_Integer)r->n_used);
    lua_setfield(L, -2, "used");
    lua_pushinteger(L, (lua_Integer)r->n_rows_used);
    lua_setfield(L, -2, "rows");
    lua_pushboolean(L, weighted);
    lua_setfield(L, -2, "weighted");
}

static int l_gauc(lua_State *L)
{
    static const char *const known[] = {"weighted", NULL};
    /* options first: the arrays below push temporaries above the arguments */
    lua_settop(L, 4);
    rec_check_options(L, 4, "gauc", known);
    int weighted = rec_opt_bool(L, 4, "weighted", 0);
    size_t ny, ns;
    const float *y = check_floats(L, 1, "labels", &ny);
    const float *s = check_floats(L, 2, "scores", &ns);
    same_length(L, "gauc", "labels", ny, "scores", ns);
    const int64_t *g = check_groups(L, 3, ny, "gauc", "groups");
    rn_gauc_result r;
    if (rn_gauc(y, s, g, ny, weighted, &r) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, r.value);
    push_gauc_info(L, &r, weighted);
    return 2;
}

/* rn_gauc's message, named after the Lua function fn (and an action, if any)
 * instead of the engine's "gauc: ". */
static int gauc_error(lua_State *L, const char *fn, const char *action)
{
    const char *msg = rn_error();
    if (strncmp(msg, "gauc: ", 6) == 0) msg += 6;
    if (action) return luaL_error(L, "%s: action '%s': %s", fn, action, msg);
    return luaL_error(L, "%s: %s", fn, msg);
}

/* rec.metrics.uauc(labels, scores, users [, {weighted = false}]): gauc under
 * the name the WeChat challenge uses, its errors naming uauc and users. */
static int l_uauc(lua_State *L)
{
    static const char *const known[] = {"weighted", NULL};
    lua_settop(L, 4);
    rec_check_options(L, 4, "uauc", known);
    int weighted = rec_opt_bool(L, 4, "weighted", 0);
    size_t ny, ns;
    const float *y = check_floats(L, 1, "labels", &ny);
    const float *s = check_floats(L, 2, "scores", &ns);
    same_length(L, "uauc", "labels", ny, "scores", ns);
    const int64_t *g = check_groups(L, 3, ny, "uauc", "users");
    rn_gauc_result r;
    if (rn_gauc(y, s, g, ny, weighted, &r) != RN_OK) return gauc_error(L, "uauc", NULL);
    lua_pushnumber(L, r.value);
    push_gauc_info(L, &r, weighted);
    return 2;
}

/* The action names of a weights table {name = w > 0}, sorted (so results and
 * errors do not depend on the table's order); borrowed from the table. */
static const char **action_names(lua_State *L, int arg, size_t *n)
{
    size_t count = 0;
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        if (lua_type(L, -2) != LUA_TSTRING)
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "weights' keys are action names, got a %s key",
                                          luaL_typename(L, -2)));
        int ok;
        double w = lua_tonumberx(L, -1, &ok);
        if (!ok || lua_type(L, -1) != LUA_TNUMBER || !(w > 0) || w == HUGE_VAL)
            luaL_argerror(L, arg,
                          lua_pushfstring(L, "weights.%s is %s: expected a positive number",
                                          lua_tostring(L, -2),
                                          lua_type(L, -1) == LUA_TNUMBER ? lua_tostring(L, -1)
                                                                         : luaL_typename(L, -1)));
        lua_pop(L, 1);
        count++;
    }
    if (count == 0) luaL_argerror(L, arg, "weights is empty: give {action = weight, ...}");
    const char **names = lua_newuserdatauv(L, count * sizeof *names, 0);
    size_t k = 0;
    lua_pushnil(L);
    while (lua_next(L, arg)) {
        const char *name = lua_tostring(L, -2);
        size_t j = k++;
        while (j > 0 && strcmp(names[j - 1], name) > 0) { /* insertion sort: a handful */
            names[j] = names[j - 1];
            j--;
        }
        names[j] = name;
        lua_pop(L, 1);
    }
    *n = count;
    return names;
}

/* rec.metrics.weighted_uauc(labels, scores, users, weights [, {weighted}]):
 * the uAUC of each action, then sum_k w_k uAUC_k / sum_k w_k. */
static int l_weighted_uauc(lua_State *L)
{
    static const char *const fn = "weighted_uauc";
    static const char *const known[] = {"weighted", NULL};
    lua_settop(L, 5);
    rec_check_options(L, 5, fn, known);
    int weighted = rec_opt_bool(L, 5, "weighted", 0);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TTABLE);
    size_t n_actions;
    const char **names = action_names(L, 4, &n_actions);
    /* every labelled action needs a weight: a forgotten one would silently drop out */
    lua_pushnil(L);
    while (lua_next(L, 1)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, 1, "labels' keys are action names: {like = {0, 1, ...}, ...}");
        lua_pushvalue(L, -1);
        if (lua_rawget(L, 4) == LUA_TNIL)
            luaL_error(L, "%s: labels has action '%s' but weights has no weight for it", fn,
                       lua_tostring(L, -2));
        lua_pop(L, 1);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    size_t n_rows = (size_t)lua_rawlen(L, 3);
    const int64_t *g = check_groups(L, 3, n_rows, fn, "users"); /* on the stack below per */
    lua_createtable(L, 0, (int)n_actions); /* per-action results */
    int per = lua_gettop(L);
    double sum = 0, sum_w = 0;
    for (size_t a = 0; a < n_actions; a++) {
        int top = lua_gettop(L);
        const char *name = names[a];
        if (lua_getfield(L, 1, name) == LUA_TNIL)
            luaL_error(L, "%s: weights has action '%s' but labels has no column for it", fn, name);
        const char *lw = lua_pushfstring(L, "labels.%s", name);
        size_t ny, ns;
        const float *y = floats_at(L, top + 1, 1, lw, &ny);
        if (lua_getfield(L, 2, name) == LUA_TNIL)
            luaL_error(L, "%s: weights has action '%s' but scores has no column for it", fn, name);
        const char *sw = lua_pushfstring(L, "scores.%s", name);
        const float *s = floats_at(L, lua_gettop(L) - 1, 2, sw, &ns);
        if (ny != n_rows)
            luaL_error(L, "%s: labels.%s has %d entries but users has %d", fn, name, (int)ny,
                       (int)n_rows);
        same_length(L, fn, lw, ny, sw, ns);
        rn_gauc_result r;
        if (rn_gauc(y, s, g, ny, weighted, &r) != RN_OK) gauc_error(L, fn, name);
        lua_getfield(L, 4, name);
        double w = lua_tonumber(L, -1);
        lua_pop(L, 1);
        sum += w * r.value;
        sum_w += w;
        push_gauc_info(L, &r, weighted);
        lua_pushnumber(L, r.value);
        lua_setfield(L, -2, "uauc");
        lua_pushnumber(L, w);
        lua_setfield(L, -2, "weight");
        lua_setfield(L, per, name);
        lua_settop(L, top);
    }
    lua_pushnumber(L, sum / sum_w);
    lua_pushvalue(L, per);
    return 2;
}

static int l_logloss(lua_State *L)
{
    static const char *const known[] = {"eps", "logits", NULL};
    lua_settop(L, 3);
    rec_check_options(L, 3, "logloss", known);
    double eps = rec_opt_number(L, 3, "eps", 1e-15);
    int logits = rec_opt_bool(L, 3, "logits", 0);
    size_t ny, np;
    const float *y = check_floats(L, 1, "labels", &ny);
    const float *p = check_floats(L, 2, "probs", &np);
    same_length(L, "logloss", "labels", ny, "probs", np);
    double v;
    int rc = logits ? rn_logloss_logits(y, p, ny, &v) : rn_logloss(y, p, ny, eps, &v);
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, v);
    return 1;
}

static int l_rmse(lua_State *L)
{
    lua_settop(L, 2);
    size_t ny, np;
    const float *y = check_floats(L, 1, "targets", &ny);
    const float *p = check_floats(L, 2, "predictions", &np);
    same_length(L, "rmse", "targets", ny, "predictions", np);
    double v;
    if (rn_rmse(y, p, ny, &v) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, v);
    return 1;
}

static int l_accuracy(lua_State *L)
{
    static const char *const known[] = {"threshold", NULL};
    lua_settop(L, 3);
    rec_check_options(L, 3, "accuracy", known);
    double threshold = rec_opt_number(L, 3, "threshold", 0.5);
    size_t ny, ns;
    const float *y = check_floats(L, 1, "labels", &ny);
    const float *s = check_floats(L, 2, "scores", &ns);
    same_length(L, "accuracy", "labels", ny, "scores", ns);
    double v;
    if (rn_accuracy(y, s, ny, threshold, &v) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, v);
    return 1;
}

/* ---- ranking ----------------------------------------------------------------------- */

/* Appends the id at the top of the stack (popped) to the growing array. */
typedef struct {
    int64_t *ids;
    size_t n, cap;
    int ud; /* stack index of the userdata holding ids */
} id_buf;

static void buf_push(lua_State *L, id_buf *b, int64_t id)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 64;
        int64_t *ids = lua_newuserdatauv(L, cap * sizeof *ids, 0);
        if (b->n) memcpy(ids, b->ids, b->n * sizeof *ids);
        lua_replace(L, b->ud);
        b->ids = ids;
        b->cap = cap;
    }
    b->ids[b->n++] = id;
}

static int64_t check_id(lua_State *L, int arg, const char *what, int u, int k)
{
    int ok;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok || lua_type(L, -1) != LUA_TNUMBER)
        luaL_argerror(
            L, arg,
            lua_pushfstring(L, "%s[%d][%d] is %s: expected an integer item id", what, u, k,
                            lua_type(L, -1) == LUA_TNUMBER ? "a fraction" : luaL_typename(L, -1)));
    return (int64_t)v;
}

/* Reads ranked (arg 1) and relevant (arg 2) into CSR arrays and computes. */
static int rank_metrics(lua_State *L, const char *fn, size_t k, rn_rank_result *r)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    size_t U = (size_t)lua_rawlen(L, 1);
    if ((size_t)lua_rawlen(L, 2) != U)
        luaL_error(L, "%s: ranked has %d users but relevant has %d", fn, (int)U,
                   (int)lua_rawlen(L, 2));
    size_t *ro = lua_newuserdatauv(L, (U + 1) * sizeof *ro, 0);
    size_t *lo = lua_newuserdatauv(L, (U + 1) * sizeof *lo, 0);
    lua_pushnil(L);
    id_buf rb = {NULL, 0, 0, lua_gettop(L)};
    lua_pushnil(L);
    id_buf lb = {NULL, 0, 0, lua_gettop(L)};
    ro[0] = lo[0] = 0;
    for (size_t u = 0; u < U; u++) {
        if (lua_rawgeti(L, 1, (lua_Integer)u + 1) != LUA_TTABLE)
            luaL_argerror(L, 1,
                          lua_pushfstring(L, "ranked[%d] is %s: expected a list of item ids",
                                          (int)u + 1, luaL_typename(L, -1)));
        size_t len = (size_t)lua_rawlen(L, -1);
        for (size_t j = 0; j < len; j++) {
            lua_rawgeti(L, -1, (lua_Integer)j + 1);
            int64_t id = check_id(L, 1, "ranked", (int)u + 1, (int)j + 1);
            lua_pop(L, 1);
            buf_push(L, &rb, id);
        }
        lua_pop(L, 1);
        ro[u + 1] = rb.n;
        int t = lua_rawgeti(L, 2, (lua_Integer)u + 1);
        if (t == LUA_TNUMBER) { /* one relevant item */
            buf_push(L, &lb, check_id(L, 2, "relevant", (int)u + 1, 1));
        } else if (t == LUA_TTABLE) {
            size_t n = (size_t)lua_rawlen(L, -1);
            int list = n > 0 && lua_rawgeti(L, -1, 1) == LUA_TNUMBER;
            if (n > 0) lua_pop(L, 1);
            if (list) { /* a list of ids */
                for (size_t j = 0; j < n; j++) {
                    lua_rawgeti(L, -1, (lua_Integer)j + 1);
                    int64_t id = check_id(L, 2, "relevant", (int)u + 1, (int)j + 1);
                    lua_pop(L, 1);
                    buf_push(L, &lb, id);
                }
            } else { /* a set {[id] = true}, or empty */
                lua_pushnil(L);
                while (lua_next(L, -2)) {
                    if (lua_toboolean(L, -1)) {
                        lua_pop(L, 1);
                        lua_pushvalue(L, -1);
                        int64_t id = check_id(L, 2, "relevant", (int)u + 1, 0);
                        lua_pop(L, 1);
                        buf_push(L, &lb, id);
                    } else {
                        lua_pop(L, 1);
                    }
                }
            }
        } else {
            luaL_argerror(L, 2,
                          lua_pushfstring(L,
                                          "relevant[%d] is %s: expected a list of item ids, a "
                                          "set {[id] = true} or one id",
                                          (int)u + 1, luaL_typename(L, -1)));
        }
        lua_pop(L, 1);
        lo[u + 1] = lb.n;
    }
    rn_rank_lists lists = {U, ro, rb.ids, lo, lb.ids};
    if (rn_rank_metrics(&lists, k, r) != RN_OK) return rec_engine_error(L);
    return 0;
}

static size_t check_k(lua_State *L, int i, int optional)
{
    lua_Integer k = optional ? luaL_optinteger(L, i, 0) : luaL_checkinteger(L, i);
    if (k < (optional ? 0 : 1))
        luaL_argerror(L, i, optional ? "k must be >= 0 (0: the whole list)" : "k must be >= 1");
    return (size_t)k;
}

static int push_rank(lua_State *L, double v, const rn_rank_result *r)
{
    lua_pushnumber(L, v);
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, (lua_Integer)r->n_users);
    lua_setfield(L, -2, "users");
    lua_pushinteger(L, (lua_Integer)r->n_used);
    lua_setfield(L, -2, "used");
    return 2;
}

static int l_recall(lua_State *L)
{
    lua_settop(L, 3);
    size_t k = check_k(L, 3, 0);
    rn_rank_result r;
    rank_metrics(L, "recall_at_k", k, &r);
    return push_rank(L, r.recall, &r);
}

static int l_hit_rate(lua_State *L)
{
    lua_settop(L, 3);
    size_t k = check_k(L, 3, 0);
    rn_rank_result r;
    rank_metrics(L, "hit_rate_at_k", k, &r);
    return push_rank(L, r.hit_rate, &r);
}

static int l_ndcg(lua_State *L)
{
    lua_settop(L, 3);
    size_t k = check_k(L, 3, 0);
    rn_rank_result r;
    rank_metrics(L, "ndcg_at_k", k, &r);
    return push_rank(L, r.ndcg, &r);
}

static int l_mrr(lua_State *L)
{
    lua_settop(L, 3);
    size_t k = check_k(L, 3, 1);
    rn_rank_result r;
    rank_metrics(L, "mrr", k, &r);
    return push_rank(L, r.mrr, &r);
}

/* ---- the module ------------------------------------------------------------------------ */

void rec_open_metrics(lua_State *L)
{
    static const luaL_Reg fns[] = {{"auc", l_auc},
                                   {"gauc", l_gauc},
                                   {"uauc", l_uauc},
                                   {"weighted_uauc", l_weighted_uauc},
                                   {"logloss", l_logloss},
                                   {"rmse", l_rmse},
                                   {"accuracy", l_accuracy},
                                   {"recall_at_k", l_recall},
                                   {"hit_rate_at_k", l_hit_rate},
                                   {"ndcg_at_k", l_ndcg},
                                   {"mrr", l_mrr},
                                   {NULL, NULL}};
    luaL_newlib(L, fns);
    rec_doc_set(L, -1, "rec.metrics",
                "Evaluation metrics: AUC, group AUC (gauc, uauc, weighted_uauc), logloss, RMSE, accuracy and the ranking "
                "metrics recall@K, hit rate@K, NDCG@K and MRR. Scores and labels are Lua arrays "
                "or rec.Tensor values; help(rec.metrics.auc) and the others say more.",
                "print(rec.metrics.auc({0, 1, 1}, {0.2, 0.9, 0.4}))");
    static const rec_doc_entry docs[] = {
        {"auc",
         "rec.metrics.auc(labels, scores) is the area under the ROC curve: the chance that a "
         "random positive scores above a random negative, a tie counting one half (exactly as "
         "scikit-learn's roc_auc_score). Labels are 0 or 1, scores any finite numbers (arrays "
         "or tensors of equal length); both classes must be present. O(n log n): ten million "
         "scores take a fraction of a second.",
         "print(rec.metrics.auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}))  --> 0.75"},
        {"gauc",
         "rec.metrics.gauc(labels, scores, groups [, {weighted = false}]) is group AUC: the AUC "
         "within each group (a user: integers or strings), then their mean; with weighted = "
         "true each group counts by its number of rows (impressions), as DIN's gAUC; without, "
         "every user counts the same (uAUC). Groups whose rows are all of one class have no AUC "
         "and are skipped. Returns the value and {groups =, used =, rows =, weighted =}.",
         "local v, info = rec.metrics.gauc({1, 0, 0, 1, 1}, {0.9, 0.5, 0.2, 0.3, 0.7},\n"
         "                                 {\"ann\", \"ann\", \"bob\", \"bob\", \"cy\"})\n"
         "print(v, info.used, info.groups)  --> 1.0  2  3"},
        {"uauc",
         "rec.metrics.uauc(labels, scores, users [, {weighted = false}]) is user AUC as the "
         "WeChat Big Data Challenge 2021 (the notes' WeChat Channels case) scores it: the AUC "
         "of each user's rows, then their plain mean, every user counting the same (not "
         "weighted by impressions). Users whose rows are all of one class have no AUC and are "
         "skipped. The same number as gauc; weighted = true gives DIN's impression-weighted "
         "gAUC instead. Returns the value and {groups =, used =, rows =, weighted =}.",
         "local v, info = rec.metrics.uauc({1, 0, 1, 0, 1}, {0.8, 0.3, 0.4, 0.6, 0.9},\n"
         "                                 {'ann', 'ann', 'bob', 'bob', 'cy'})\n"
         "print(v, info.used)  --> 0.5  2  (ann 1, bob 0; cy has one class)"},
        {"weighted_uauc",
         "rec.metrics.weighted_uauc(labels, scores, users, weights [, {weighted = false}]) "
         "scores several actions at once, as the WeChat challenge does: the uAUC of each "
         "action, then sum_k w_k uAUC_k / sum_k w_k. labels and scores map each action to its "
         "column ({like = {...}, forward = {...}}), users holds one id per row, weights maps "
         "each action to a positive weight: the preliminary round used read_comment 4, like 3, "
         "click_avatar 2, forward 1; the final added favorite, comment and follow at 1 each "
         "(4:3:2:1:1:1:1). Returns the score and a table per action {uauc =, weight =, used =, "
         "groups =, rows =}.",
         "local users = {1, 1, 2, 2}\n"
         "local labels = {like = {1, 0, 0, 1}, forward = {0, 1, 1, 0}}\n"
         "local scores = {like = {0.9, 0.1, 0.2, 0.7}, forward = {0.5, 0.4, 0.3, 0.6}}\n"
         "local v, per = rec.metrics.weighted_uauc(labels, scores, users, {like = 3, forward = 1})\n"
         "print(v, per.like.uauc, per.forward.uauc)  --> 0.75  1  0"},
        {"logloss",
         "rec.metrics.logloss(labels, probs [, {eps = 1e-15, logits = false}]) is the mean "
         "binary cross-entropy -(y log p + (1 - y) log(1 - p)), with p clipped to [eps, 1 - "
         "eps] as scikit-learn's log_loss does. With logits = true the second argument holds "
         "logits and the loss is computed stably even for logits in the hundreds. Labels may "
         "be soft, in [0, 1].",
         "print(rec.metrics.logloss({1, 0}, {0.75, 0.5}))\n"
         "print(rec.metrics.logloss({1, 0}, {2.0, -1.0}, {logits = true}))"},
        {"rmse",
         "rec.metrics.rmse(targets, predictions) is the root mean squared error, the usual "
         "metric for rating prediction (MovieLens stars).",
         "print(rec.metrics.rmse({4, 3, 5}, {3.5, 3, 4}))"},
        {"accuracy",
         "rec.metrics.accuracy(labels, scores [, {threshold = 0.5}]) is the share of rows "
         "whose prediction (score >= threshold) equals the 0/1 label. Use threshold = 0 for "
         "logits.",
         "print(rec.metrics.accuracy({1, 0, 1}, {0.9, 0.2, 0.4}))  --> 0.667"},
        {"recall_at_k",
         "rec.metrics.recall_at_k(ranked, relevant, k): for each user, the share of its "
         "relevant items found in the top k of its ranked list, averaged over the users that "
         "have a relevant item. ranked is a list (one per user) of item ids, best first; "
         "relevant is a list (one per user) of item-id lists, sets {[id] = true} or single "
         "ids. Returns the value and {users =, used =}.",
         "print(rec.metrics.recall_at_k({{10, 20, 30}, {1, 2, 3}}, {{30, 50}, 1}, 3))"
         "  --> 0.75"},
        {"hit_rate_at_k",
         "rec.metrics.hit_rate_at_k(ranked, relevant, k): the share of users with at least "
         "one relevant item in their top k (HR@k, the leave-one-out metric of NCF). Arguments "
         "as recall_at_k.",
         "print(rec.metrics.hit_rate_at_k({{10, 20, 30}, {1, 2, 3}}, {30, 5}, 2))  --> 0.0"},
        {"ndcg_at_k",
         "rec.metrics.ndcg_at_k(ranked, relevant, k): normalised discounted cumulative gain "
         "with binary relevance: a relevant item at rank r adds 1 / log2(r + 1), divided by "
         "the best possible sum (all relevant items on top), averaged over users. Arguments as "
         "recall_at_k; equal to scikit-learn's ndcg_score on the same lists.",
         "print(rec.metrics.ndcg_at_k({{10, 20, 30}}, {{30}}, 3))  --> 0.5"},
        {"mrr",
         "rec.metrics.mrr(ranked, relevant [, k]): mean reciprocal rank, 1 / the rank of the "
         "first relevant item (0 when none is in the top k; k = 0 or absent: the whole list), "
         "averaged over users. Arguments as recall_at_k.",
         "print(rec.metrics.mrr({{10, 20, 30}, {1, 2, 3}}, {20, 3}))  --> (1/2 + 1/3) / 2"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.metrics", 0, docs);
    lua_setfield(L, -2, "metrics");
}
