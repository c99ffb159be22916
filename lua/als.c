/* rec.als and rec.ALS: the Lua face of engine/mf/als.h, matrix factorisation
 * by alternating least squares on a rec.Dataset of ratings.
 *
 *   local ml = rec.data.movielens{}
 *   local train, test = ml:split(0.8, {seed = 7})
 *   local m = rec.als{data = train, k = 32, lambda = 0.1}
 *   local h = m:fit{iterations = 10, valid = test}    -- h.rmse[10], h.train_rmse, h.objective
 *   print(m:rmse(test), m:predict(42, 318))
 *   print(m:recommend(42, 10))                         -- {id =, label = title, score =}
 *   local items = m:item_embeddings()                  -- rec.Embeddings, titles as labels
 *
 * Users and items are named as the data names them: a categorical column
 * whose vocabulary holds decimal integers (MovieLens userId, movieId) gives
 * those integers; any other vocabulary gives its ids (1, 2, ...); an int
 * column gives its values. Item labels are the vocabulary's labels (titles).
 *
 * fit runs the engine's loop (an iteration = an epoch): a progress line per
 * iteration through print, a bar on a terminal, on_iteration under pcall,
 * Ctrl-C between blocks of rows; the model is busy while it trains (closing
 * it from a callback is an error), as lua/fit.c does for rec.Model. */
#include "rec.h"
#include "host.h"
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_embed.h"

#include "error.h"
#include "mf/als.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#define REC_ALS "rec.ALS"
#define REC_RECOMMENDATIONS "rec.Recommendations"

typedef struct {
    rn_als *m; /* first (rec_check_open): NULL once closed */
    int busy;  /* > 0 while fit trains it */
    int iterations; /* trained so far */
    char user_col[32], item_col[32], rating_col[32];
} als_ud;

static als_ud *check_als(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_ALS, "ALS model");
}

/* ---- ratings from a rec.Dataset --------------------------------------------------------- */

typedef struct {
    int64_t *u, *i;
    float *r;
    size_t n;
} triplets;

/* The column called name of kinds allowed (a bit per RN_COL_*), or an error. */
static const rn_column *column(lua_State *L, const rn_dataset *ds, const char *fn, const char *what,
                               const char *name, unsigned kinds)
{
    int c = rn_dataset_find(ds, name);
    if (c < 0)
        luaL_error(L, "%s: the data has no column '%s' (the %s column; give %s = 'name')", fn,
                   name, what, what);
    const rn_column *col = &ds->cols[c];
    if (!(kinds & (1u << col->kind)))
        luaL_error(L, "%s: column '%s' (%s) is a %s column", fn, name, what,
                   rn_col_kind_name(col->kind));
    return col;
}

/* The id a user sees for CAT id v of col: its vocabulary name as a decimal
 * integer when it is one, else v. */
static int64_t cat_id(const rn_column *col, int32_t v)
{
    const char *s = col->vocab != NULL ? rn_vocab_name(col->vocab, v) : NULL;
    if (s == NULL || *s == '\0' || *s == '-') return v;
    char *end;
    errno = 0;
    long long x = strtoll(s, &end, 10);
    return *end == '\0' && errno == 0 ? (int64_t)x : v;
}

static int64_t cell_id(const rn_column *col, size_t r)
{
    return col->kind == RN_COL_INT ? col->i64[r] : cat_id(col, col->ids[r]);
}

/* Reads (user, item, rating) of every row of the rec.Dataset at idx into
 * arrays owned by a userdata pushed on the stack. */
static void read_ratings(lua_State *L, int idx, const char *fn, const als_ud *u, triplets *t)
{
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_check_dataset(L, idx, &rows, &start, &n);
    const rn_column *cu = column(L, ds, fn, "user", u->user_col, 1u << RN_COL_CAT | 1u << RN_COL_INT);
    const rn_column *ci = column(L, ds, fn, "item", u->item_col, 1u << RN_COL_CAT | 1u << RN_COL_INT);
    const rn_column *cr =
        column(L, ds, fn, "rating", u->rating_col, 1u << RN_COL_LABEL | 1u << RN_COL_DENSE);
    if (n == 0) luaL_error(L, "%s: the data has no rows", fn);
    char *buf = lua_newuserdatauv(L, n * (2 * sizeof(int64_t) + sizeof(float)), 0);
    t->u = (int64_t *)buf;
    t->i = t->u + n;
    t->r = (float *)(t->i + n);
    t->n = n;
    for (size_t k = 0; k < n; k++) {
        size_t r = rows ? rows[k] : start + k;
        t->u[k] = cell_id(cu, r);
        t->i[k] = cell_id(ci, r);
        t->r[k] = cr->f[r];
    }
}

static void read_columns(lua_State *L, int opts, als_ud *u)
{
    const char *names[3] = {rec_opt_string(L, opts, "user", "user"),
                            rec_opt_string(L, opts, "item", "item"),
                            rec_opt_string(L, opts, "rating", "rating")};
    char *dst[3] = {u->user_col, u->item_col, u->rating_col};
    for (int k = 0; k < 3; k++) {
        if (strlen(names[k]) >= sizeof u->user_col)
            luaL_error(L, "rec.als: the column name '%s' is too long", names[k]);
        snprintf(dst[k], sizeof u->user_col, "%s", names[k]);
    }
}

/* ---- rec.als{...} ------------------------------------------------------------------------ */

static const char *const als_keys[] = {"data",     "k",       "lambda",   "implicit",
                                       "alpha",    "biases",  "cg_steps", "threads",
                                       "init_std", "seed",    "user",     "item",
                                       "rating",   NULL};

/* The item labels of the data at idx: a table {[item id] = title} set as
 * the model's user value, for recommend and item_embeddings. */
static void keep_titles(lua_State *L, int idx, const als_ud *u, int model)
{
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_check_dataset(L, idx, &rows, &start, &n);
    const rn_column *ci = &ds->cols[rn_dataset_find(ds, u->item_col)];
    lua_newtable(L);
    if (ci->kind == RN_COL_CAT && ci->vocab != NULL)
        for (size_t v = 1; v < rn_vocab_size(ci->vocab); v++) {
            const char *lab = rn_vocab_label(ci->vocab, (int32_t)v);
            if (lab == NULL) continue;
            lua_pushstring(L, lab);
            lua_rawseti(L, -2, (lua_Integer)cat_id(ci, (int32_t)v));
        }
    lua_setiuservalue(L, model, 1);
}

static int l_als_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.als", als_keys);
    rn_als_config c = rn_als_defaults();
    c.k = (int)rec_opt_integer(L, 1, "k", 32, 1, RN_ALS_MAX_K);
    c.lambda = rec_opt_range(L, 1, "lambda", 0.1, 0, 1e12);
    c.implicit = rec_opt_bool(L, 1, "implicit", 0);
    c.alpha = rec_opt_range(L, 1, "alpha", 1.0, 0, 1e12);
    c.biases = rec_opt_bool(L, 1, "biases", !c.implicit);
    if (c.implicit && c.biases)
        return luaL_error(L, "rec.als: biases = true is for explicit ratings (implicit ALS "
                             "has none)");
    c.cg_steps = (int)rec_opt_integer(L, 1, "cg_steps", 3, 0, 1000);
    c.threads = (int)rec_opt_integer(L, 1, "threads", 2, 1, RN_ALS_MAX_THREADS);
    c.init_std = rec_opt_range(L, 1, "init_std", 0.1, 0, 1e6);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", 1, LUA_MININTEGER, LUA_MAXINTEGER);
    lua_settop(L, 1);
    als_ud *u = lua_newuserdatauv(L, sizeof *u, 1); /* 2 */
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, REC_ALS);
    read_columns(L, 1, u);
    if (lua_getfield(L, 1, "data") == LUA_TNIL) /* 3 */
        return luaL_error(L, "rec.als: give data = a rec.Dataset of ratings (user, item, "
                             "rating columns), e.g. rec.data.movielens{}");
    triplets t;
    read_ratings(L, 3, "rec.als", u, &t); /* 4 */
    u->m = rn_als_new(&c, t.u, t.i, t.r, t.n);
    if (u->m == NULL) return rec_engine_error(L);
    keep_titles(L, 3, u, 2);
    lua_settop(L, 2);
    return 1;
}

/* ---- m:fit ------------------------------------------------------------------------------ */

typedef struct {
    lua_State *L;
    int on_iteration; /* stack index, or 0 */
    int history;
    int progress, tty;
    int failed; /* the callback raised: its message is at the top of the stack */
    als_ud *u;
    double t0, last_draw;
} fit_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int on_step(void *ud, const rn_fit_progress *p)
{
    fit_state *s = ud;
    if (!s->progress || !s->tty) return 1;
    double t = now();
    if (t - s->last_draw > 0.1) {
        char cells[31];
        int filled = (int)(30.0 * (double)p->seen / (double)p->total);
        for (int k = 0; k < 30; k++)
            cells[k] = k < filled ? '=' : (k == filled ? '>' : ' ');
        cells[30] = '\0';
        fprintf(stdout, "\riteration %d/%d [%s] %zu/%zu users+items", p->epoch, p->epochs, cells,
                p->seen, p->total);
        fflush(stdout);
        s->last_draw = t;
    }
    return 1;
}

static void push_metrics(lua_State *L, const rn_metrics *ms)
{
    lua_createtable(L, 0, ms->n);
    for (int k = 0; k < ms->n; k++) {
        lua_pushnumber(L, ms->m[k].value);
        lua_setfield(L, -2, ms->m[k].name);
    }
}

static int on_epoch(void *ud, const rn_fit_progress *p, const rn_metrics *ms)
{
    fit_state *s = ud;
    lua_State *L = s->L;
    s->u->iterations++;
    for (int k = 0; ms != NULL && k < ms->n; k++) { /* history.<metric>[iteration] */
        if (lua_getfield(L, s->history, ms->m[k].name) == LUA_TNIL) {
            lua_pop(L, 1);
            lua_newtable(L);
            lua_pushvalue(L, -1);
            lua_setfield(L, s->history, ms->m[k].name);
        }
        lua_pushnumber(L, ms->m[k].value);
        lua_rawseti(L, -2, p->epoch);
        lua_pop(L, 1);
    }
    if (s->progress) {
        char line[256];
        int len = snprintf(line, sizeof line, "iteration %d/%d", p->epoch, p->epochs);
        for (int k = 0; ms != NULL && k < ms->n && len < 200; k++)
            len += snprintf(line + len, sizeof line - (size_t)len,
                            strcmp(ms->m[k].name, "objective") ? "  %s %.4f" : "  %s %.1f",
                            ms->m[k].name, ms->m[k].value);
        snprintf(line + len, sizeof line - (size_t)len, "  (%.2f s)", now() - s->t0);
        if (s->tty) fputs("\r\033[K", stdout), fflush(stdout);
        lua_getglobal(L, "print"); /* through print, so notebooks capture it */
        lua_pushstring(L, line);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    s->t0 = now();
    if (s->on_iteration == 0) return 1;
    lua_pushvalue(L, s->on_iteration);
    if (ms != NULL)
        push_metrics(L, ms);
    else
        lua_newtable(L);
    lua_pushinteger(L, p->epoch);
    lua_setfield(L, -2, "iteration");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        s->failed = 1;
        return 0;
    }
    int go = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    lua_pop(L, 1);
    return go;
}

static int release(lua_State *L)
{
    int **busy = lua_touserdata(L, 1);
    if (*busy != NULL) (**busy)--, *busy = NULL;
    return 0;
}

static const char *const fit_keys[] = {"iterations", "valid", "block", "progress",
                                       "on_iteration", NULL};

/* m:fit{iterations =, valid =, block =, progress =, on_iteration =} -> history
 * Stack: 1 model, 2 options, 3 valid ratings, 4 on_iteration, 5 history, 6 guard. */
static int l_als_fit(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    if (u->busy > 0)
        return luaL_error(L, "m:fit: the model is already training (fit was called again from "
                             "on_iteration)");
    lua_settop(L, 2);
    rec_check_options(L, 2, "m:fit", fit_keys);
    rn_als_fit_config fc = rn_als_fit_defaults();
    fc.iterations = (int)rec_opt_integer(L, 2, "iterations", 10, 1, 1000000);
    fc.block = (size_t)rec_opt_integer(L, 2, "block", 256, 1, 16777216);
    int progress = rec_opt_bool(L, 2, "progress", 1);
    triplets t = {0};
    if (lua_istable(L, 2) && lua_getfield(L, 2, "valid") != LUA_TNIL) {
        read_ratings(L, 3, "m:fit: valid", u, &t);
        lua_replace(L, 3);
        if (rn_als_config_of(u->m)->implicit)
            return luaL_error(L, "m:fit: valid = ... is for explicit ratings (RMSE); measure "
                                 "an implicit model with recall@K");
        fc.valid_users = t.u;
        fc.valid_items = t.i;
        fc.valid_r = t.r;
        fc.n_valid = t.n;
    } else {
        lua_settop(L, 2);
        lua_pushnil(L);
    }
    if (lua_istable(L, 2))
        lua_getfield(L, 2, "on_iteration"); /* 4 */
    else
        lua_pushnil(L);
    if (!lua_isnil(L, 4)) luaL_checktype(L, 4, LUA_TFUNCTION);
    lua_createtable(L, 0, 4); /* 5 */
    int **guard = lua_newuserdatauv(L, sizeof *guard, 0); /* 6 */
    *guard = &u->busy;
    u->busy++;
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, release);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, release);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, 6);
    lua_toclose(L, 6);

    fit_state s = {.L = L, .on_iteration = lua_isnil(L, 4) ? 0 : 4, .history = 5,
                   .progress = progress, .tty = isatty(fileno(stdout)), .u = u};
    s.t0 = s.last_draw = now();
    fc.on_step = on_step;
    fc.on_epoch = on_epoch;
    fc.ud = &s;
    rn_loop_result res;
    int rc = rn_als_fit(u->m, &fc, &res);
    if (progress && s.tty && rc != RN_OK) fputs("\n", stdout);
    if (s.failed) { /* the callback's error, at the top */
        lua_replace(L, 3);
        lua_settop(L, 6);
        lua_closeslot(L, 6);
        lua_pushvalue(L, 3);
        return lua_error(L);
    }
    lua_settop(L, 6);
    lua_closeslot(L, 6);
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 5);
    lua_pushinteger(L, res.epochs_run);
    lua_setfield(L, -2, "iterations");
    lua_pushstring(L, res.stopped == RN_FIT_CALLBACK ? "callback" : "done");
    lua_setfield(L, -2, "stopped");
    return 1;
}

/* ---- using it ---------------------------------------------------------------------------- */

static int l_als_rmse(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    triplets t;
    read_ratings(L, 2, "m:rmse", u, &t);
    double v;
    if (rn_als_rmse(u->m, t.u, t.i, t.r, t.n, &v) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, v);
    return 1;
}

static int l_als_predict(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    lua_Integer user = luaL_checkinteger(L, 2), item = luaL_checkinteger(L, 3);
    float p;
    if (rn_als_predict(u->m, user, item, &p) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, (lua_Number)p);
    return 1;
}

static int l_als_recommend(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    lua_Integer user = luaL_checkinteger(L, 2);
    int k = rec_opt_int(L, 3, 10, 1, 1000000);
    size_t n = rn_als_n_items(u->m);
    size_t cap = (size_t)k < n ? (size_t)k : n;
    int64_t *ids = lua_newuserdatauv(L, cap * (sizeof(int64_t) + sizeof(float)) + 1, 0);
    float *sc = (float *)(ids + cap);
    int got = rn_als_recommend(u->m, user, (int)cap, ids, sc);
    if (got < 0) return rec_engine_error(L);
    lua_getiuservalue(L, 1, 1); /* titles */
    int titles = lua_gettop(L);
    lua_createtable(L, got, 0);
    for (int j = 0; j < got; j++) {
        lua_createtable(L, 0, 3);
        lua_pushinteger(L, (lua_Integer)ids[j]);
        lua_setfield(L, -2, "id");
        if (lua_rawgeti(L, titles, (lua_Integer)ids[j]) == LUA_TSTRING)
            lua_setfield(L, -2, "label");
        else
            lua_pop(L, 1);
        lua_pushnumber(L, (lua_Number)sc[j]);
        lua_setfield(L, -2, "score");
        lua_rawseti(L, -2, j + 1);
    }
    lua_pushinteger(L, user);
    lua_setfield(L, -2, "user");
    lua_pushstring(L, rn_als_config_of(u->m)->implicit ? "preference" : "predicted rating");
    lua_setfield(L, -2, "score_is");
    luaL_setmetatable(L, REC_RECOMMENDATIONS);
    return 1;
}

/* A recommendation list as an aligned table:
 *   5 recommendations for user 42 (predicted rating; items rated in training skipped)
 *     1  4.8810  Wicker Man, The (1973)  (id 4754) */
static int l_recs_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    lua_Integer n = luaL_len(L, 1);
    lua_getfield(L, 1, "user");
    lua_getfield(L, 1, "score_is");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%I recommendations for user %I (%s; items rated in training skipped)", n,
                    (lua_Integer)lua_tointeger(L, 2), lua_tostring(L, 3) ? lua_tostring(L, 3) : "score");
    luaL_addvalue(&b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lua_getfield(L, -1, "score");
        lua_getfield(L, -2, "id");
        lua_getfield(L, -3, "label");
        char head[48];
        snprintf(head, sizeof head, "\n%3d  %8.4f  ", (int)i, (double)lua_tonumber(L, -3));
        if (lua_type(L, -1) == LUA_TSTRING)
            lua_pushfstring(L, "%s%s  (id %I)", head, lua_tostring(L, -1),
                            (lua_Integer)lua_tointeger(L, -2));
        else
            lua_pushfstring(L, "%sid %I", head, (lua_Integer)lua_tointeger(L, -2));
        lua_replace(L, -5); /* the row := the line */
        lua_pop(L, 3);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

static int l_als_user_embeddings(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    rn_embeddings *e = rn_als_user_embeddings(u->m);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

static int l_als_item_embeddings(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    size_t n = rn_als_n_items(u->m);
    const char **labels = lua_newuserdatauv(L, n * sizeof *labels + 1, 0);
    lua_getiuservalue(L, 1, 1);
    int any = 0;
    for (size_t r = 0; r < n; r++) {
        /* the titles table keeps these strings alive while it is on the stack */
        labels[r] = lua_rawgeti(L, -1, (lua_Integer)rn_als_item_id(u->m, r)) == LUA_TSTRING
                        ? lua_tostring(L, -1)
                        : NULL;
        any |= labels[r] != NULL;
        lua_pop(L, 1);
    }
    char idbuf[32];
    if (any) /* every vector then needs a label: an untitled item is named by its id */
        for (size_t r = 0; r < n; r++)
            if (labels[r] == NULL) {
                snprintf(idbuf, sizeof idbuf, "item %lld", (long long)rn_als_item_id(u->m, r));
                lua_pushstring(L, idbuf);
                lua_pushvalue(L, -1);
                lua_rawseti(L, -3, (lua_Integer)rn_als_item_id(u->m, r));
                labels[r] = lua_tostring(L, -1);
                lua_pop(L, 1);
            }
    rn_embeddings *e = rn_als_item_embeddings(u->m, any ? labels : NULL);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

static int l_als_info(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    const rn_als_config *c = rn_als_config_of(u->m);
    lua_createtable(L, 0, 12);
    lua_pushinteger(L, c->k);
    lua_setfield(L, -2, "k");
    lua_pushnumber(L, c->lambda);
    lua_setfield(L, -2, "lambda");
    lua_pushboolean(L, c->implicit);
    lua_setfield(L, -2, "implicit");
    lua_pushnumber(L, c->alpha);
    lua_setfield(L, -2, "alpha");
    lua_pushboolean(L, c->biases && !c->implicit);
    lua_setfield(L, -2, "biases");
    lua_pushinteger(L, (lua_Integer)rn_als_n_users(u->m));
    lua_setfield(L, -2, "users");
    lua_pushinteger(L, (lua_Integer)rn_als_n_items(u->m));
    lua_setfield(L, -2, "items");
    lua_pushinteger(L, (lua_Integer)rn_als_n_ratings(u->m));
    lua_setfield(L, -2, "ratings");
    lua_pushnumber(L, rn_als_mean(u->m));
    lua_setfield(L, -2, "mean");
    lua_pushnumber(L, rn_als_objective(u->m));
    lua_setfield(L, -2, "objective");
    lua_pushinteger(L, u->iterations);
    lua_setfield(L, -2, "iterations");
    return 1;
}

/* ---- files ------------------------------------------------------------------------------ */

/* m:save(path): the model, its training ratings and its item titles */
static int l_als_save(lua_State *L)
{
    als_ud *u = check_als(L, 1);
    const char *path = luaL_checkstring(L, 2);
    size_t n = rn_als_n_items(u->m);
    const char **labels = lua_newuserdatauv(L, n * sizeof *labels + 1, 0);
    lua_getiuservalue(L, 1, 1); /* titles: keeps the strings alive while on the stack */
    int any = 0;
    for (size_t r = 0; r < n; r++) {
        labels[r] = lua_rawgeti(L, -1, (lua_Integer)rn_als_item_id(u->m, r)) == LUA_TSTRING
                        ? lua_tostring(L, -1)
                        : NULL;
        any |= labels[r] != NULL;
        lua_pop(L, 1);
    }
    if (rn_als_save(u->m, path, u->iterations, any ? labels : NULL) != RN_OK)
        return rec_engine_error(L);
    lua_settop(L, 1);
    return 1;
}

static const char *const load_keys[] = {"user", "item", "rating", NULL};

/* rec.als_load(path [, {user =, item =, rating =}]): the column names m:rmse
 * reads (as rec.als takes them) */
static int l_als_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lua_settop(L, 2);
    if (lua_isnil(L, 2)) {
        lua_newtable(L);
        lua_replace(L, 2);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    rec_check_options(L, 2, "rec.als_load", load_keys);
    als_ud *u = lua_newuserdatauv(L, sizeof *u, 1); /* 3 */
    memset(u, 0, sizeof *u);
    luaL_setmetatable(L, REC_ALS);
    read_columns(L, 2, u);
    char **labels = NULL;
    if ((u->m = rn_als_load(path, &u->iterations, &labels)) == NULL) return rec_engine_error(L);
    size_t n = rn_als_n_items(u->m);
    lua_newtable(L); /* titles by item id, as keep_titles makes them */
    for (size_t r = 0; labels != NULL && r < n; r++)
        if (labels[r] != NULL) {
            lua_pushstring(L, labels[r]);
            lua_rawseti(L, -2, (lua_Integer)rn_als_item_id(u->m, r));
        }
    rn_als_labels_free(labels, n);
    lua_setiuservalue(L, 3, 1);
    lua_settop(L, 3);
    return 1;
}

static int l_als_close(lua_State *L)
{
    als_ud *u = luaL_checkudata(L, 1, REC_ALS);
    if (u->busy > 0) return luaL_error(L, "cannot close the ALS model while fit is using it");
    rn_als_free(u->m);
    u->m = NULL;
    return 0;
}

static int l_als_gc(lua_State *L)
{
    als_ud *u = luaL_checkudata(L, 1, REC_ALS);
    rn_als_free(u->m);
    u->m = NULL;
    return 0;
}

static int l_als_tostring(lua_State *L)
{
    als_ud *u = luaL_checkudata(L, 1, REC_ALS);
    if (u->m == NULL) {
        lua_pushliteral(L, "rec.ALS (closed)");
        return 1;
    }
    const rn_als_config *c = rn_als_config_of(u->m);
    lua_pushfstring(L, "rec.ALS %s k=%d lambda=%f%s: %I users x %I items, %I ratings, %d "
                       "iterations trained",
                    c->implicit ? "implicit" : "explicit", c->k, c->lambda,
                    c->implicit ? "" : (c->biases ? " with biases" : " without biases"),
                    (lua_Integer)rn_als_n_users(u->m), (lua_Integer)rn_als_n_items(u->m),
                    (lua_Integer)rn_als_n_ratings(u->m), u->iterations);
    return 1;
}

/* ---- docs and opening -------------------------------------------------------------------- */

static const rec_doc_entry als_docs[] = {
    {"als",
     "rec.als{data =, k = 32, lambda = 0.1, biases = true, implicit = false, alpha = 1, "
     "cg_steps = 3, threads = 2, init_std = 0.1, seed = 1, user = 'user', item = 'item', rating "
     "= 'rating'} makes a matrix factorisation of the ratings in data (a rec.Dataset; MovieLens "
     "by default column names), trained by alternating least squares with m:fit. Explicit "
     "ratings: ALS-WR (Zhou et al. 2008), r̂ = mean + b_u + b_i + p_u·q_i, each half-step an "
     "exact least squares per user (then per item) with lambda times the row's rating count; "
     "biases = false leaves r̂ = p_u·q_i. implicit = true: Hu, Koren & Volinsky (2008), every "
     "(user, item) pair with preference 1 for a rating and 0 otherwise, confidence 1 + alpha r, "
     "solved by cg_steps conjugate-gradient steps (0: exact Cholesky) using the precomputed "
     "YᵀY. Users and items are named by the data's ids (MovieLens userId and movieId).",
     "local ml = rec.data.movielens{rows = 5000}\n"
     "local m = rec.als{data = ml, k = 8}\nm:fit{iterations = 3, progress = false}\nprint(m)"},
    {"als_load",
     "rec.als_load(path [, {user =, item =, rating =}]) reads a model written by m:save: the "
     "same predictions, recommendations (with titles) and embeddings, and m:fit continues "
     "it. The file is checked (size, checksum, each count before allocating); an error names "
     "the file, the byte offset and what is wrong. The columns are those m:rmse reads (as "
     "rec.als takes them).",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\nm:save('/tmp/als.model')\n"
     "print(rec.als_load('/tmp/als.model'))"},
    {NULL, NULL, NULL}};

static const rec_doc_entry method_docs[] = {
    {"fit",
     "m:fit{iterations = 10, valid =, block = 256, progress = true, on_iteration =} runs ALS "
     "iterations (each: every user solved, then every item, on the model's threads) through "
     "the engine's training loop: a line per iteration (objective, train_rmse, and rmse on "
     "valid, a rec.Dataset of ratings), Ctrl-C stops between blocks of rows with an error, "
     "on_iteration(metrics) may return false to stop. Returns the history {objective = {...}, "
     "train_rmse = {...}, rmse = {...}, iterations, stopped}.",
     "local ml = rec.data.movielens{rows = 5000}\n"
     "local train, test = ml:split(0.8, {seed = 7})\n"
     "local m = rec.als{data = train, k = 8}\n"
     "local h = m:fit{iterations = 3, valid = test}\nprint(h.rmse[3], h.train_rmse[3])"},
    {"rmse",
     "m:rmse(data) is the root mean squared error on a rec.Dataset of ratings (explicit "
     "models). A user or item absent from training is predicted from what is known (mean + "
     "the other's bias); predictions are clipped to the training ratings' range.",
     "local ml = rec.data.movielens{rows = 5000}\n"
     "local train, test = ml:split(0.8, {seed = 7})\n"
     "local m = rec.als{data = train, k = 8}\nm:fit{iterations = 3, progress = false}\n"
     "print(m:rmse(test))"},
    {"predict",
     "m:predict(user, item) is the model's score for a known user and item (ids as in the "
     "data): a rating for an explicit model, a preference for an implicit one.",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\nprint(m:predict(1, 1029))"},
    {"recommend",
     "m:recommend(user, k = 10) lists the k best items the user did not rate in training, "
     "best first, as {id =, label = title, score =} (printed as an aligned list).",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\nprint(m:recommend(1, 5))"},
    {"user_embeddings",
     "m:user_embeddings() returns the user factors p_u as a rec.Embeddings (ids = user ids): "
     "u2i recall by e:search with a user's vector over item_embeddings. Biases are not part of "
     "the vectors.",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\nprint(#m:user_embeddings())"},
    {"item_embeddings",
     "m:item_embeddings() returns the item factors q_i as a rec.Embeddings (ids = movie ids, "
     "labels = titles): i2i neighbours with e:neighbors, pictures with e:plot.",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\n"
     "print(m:item_embeddings():neighbors(\"Heat (1995)\", 3))"},
    {"info",
     "m:info() returns {k, lambda, implicit, alpha, biases, users, items, ratings, mean, "
     "objective, iterations}.",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\nprint(m:info().users)"},
    {"save",
     "m:save(path) writes the model to a file (atomically, checksummed): its config, training "
     "ratings, factors, biases and item titles, so rec.als_load(path) gives the same "
     "predictions and recommendations, and fit can continue.",
     "local m = rec.als{data = rec.data.movielens{rows = 5000}, k = 8}\n"
     "m:fit{iterations = 3, progress = false}\nm:save('/tmp/als.model')\n"
     "print(rec.als_load('/tmp/als.model'):predict(1, 1029) == m:predict(1, 1029))"},
    {"close", "m:close() frees the model now (the garbage collector would later).",
     "local m = rec.als{data = rec.data.movielens{rows = 500}, k = 4}\nm:close()"},
    {NULL, NULL, NULL}};

void rec_open_als(lua_State *L)
{
    static const luaL_Reg methods[] = {{"fit", l_als_fit},
                                       {"rmse", l_als_rmse},
                                       {"predict", l_als_predict},
                                       {"recommend", l_als_recommend},
                                       {"user_embeddings", l_als_user_embeddings},
                                       {"item_embeddings", l_als_item_embeddings},
                                       {"info", l_als_info},
                                       {"save", l_als_save},
                                       {"close", l_als_close},
                                       {NULL, NULL}};
    static const luaL_Reg meta[] = {{"__gc", l_als_gc},
                                    {"__close", l_als_close},
                                    {"__tostring", l_als_tostring},
                                    {NULL, NULL}};
    if (luaL_newmetatable(L, REC_ALS)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        rec_doc_fields(L, -1, "m", 1, method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, REC_RECOMMENDATIONS)) {
        lua_pushcfunction(L, l_recs_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_als_new);
    lua_setfield(L, -2, "als");
    lua_pushcfunction(L, l_als_load);
    lua_setfield(L, -2, "als_load");
    rec_doc_fields(L, -1, "rec", 0, als_docs);
}
