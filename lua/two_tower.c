/* rec.two_tower: the Lua face of the two-tower (DSSM) recall model
 * (engine/retrieval/two_tower.h) as rec.TwoTower, and rec.two_tower_loss, the
 * three losses on given tower outputs (for checking a loss written by hand).
 *
 * m:fit runs the engine's loop (engine/loop.h) as lua/fit.c does for the CTR
 * models: a progress bar (the engine never prints), on_epoch under lua_pcall,
 * Ctrl-C between whole steps, early stopping on a validation metric, and a
 * busy count so that the model cannot be closed or fitted again from a
 * callback. */
#include "rec_aux.h"
#include "rec_data.h"
#include "rec_embed.h"
#include "rec.h"
#include "host.h"

#include "alloc.h"
#include "error.h"
#include "retrieval/two_tower.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#define REC_TWO_TOWER "rec.TwoTower"
#define REC_RECS      "rec.TwoTower.Recommendations"

typedef struct {
    rn_two_tower *m; /* first (rec_check_open): NULL once closed */
    int busy;        /* > 0 while fit trains it */
} tt_ud;

static tt_ud *check_tt(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_TWO_TOWER, "two-tower model");
}

/* ---- rec.two_tower{...} ------------------------------------------------------------------ */

static const char *const new_keys[] = {"data",     "dim",         "out_dim",  "hidden", "temperature",
                                       "loss",     "logq",        "n_neg",    "max_history",
                                       "user_id",  "lr",          "init_std", "seed",   NULL};
static const char *const loss_names[] = {"inbatch", "sampled", "bce", NULL};

static int l_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.two_tower", new_keys);
    lua_getfield(L, 1, "data");
    if (lua_isnil(L, -1))
        return luaL_error(L, "rec.two_tower: give data = rec.data.movielens{} (the ratings to "
                             "split leave-last-out per user)");
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_check_dataset(L, lua_gettop(L), &rows, &start, &n);
    if (rows != NULL || start != 0 || n != ds->n_rows)
        return luaL_error(L, "rec.two_tower: data must be a whole data set (the model makes its own "
                             "leave-last-out split), not a split or a batch of %d rows", (int)n);
    rn_two_tower_config c = rn_two_tower_defaults();
    c.dim = (int)rec_opt_integer(L, 1, "dim", c.dim, 1, 1024);
    c.out_dim = (int)rec_opt_integer(L, 1, "out_dim", c.out_dim, 1, 1024);
    int nh = rec_opt_int_list(L, 1, "hidden", RN_TT_MAX_HIDDEN, 1, 4096, c.hidden);
    if (nh >= 0) c.n_hidden = nh;
    c.temperature = (float)rec_opt_positive(L, 1, "temperature", c.temperature);
    c.loss = rec_opt_enum(L, 1, "loss", loss_names, c.loss);
    c.logq = rec_opt_bool(L, 1, "logq", c.logq);
    c.n_neg = (int)rec_opt_integer(L, 1, "n_neg", c.n_neg, 1, 100000);
    c.max_history = (int)rec_opt_integer(L, 1, "max_history", c.max_history, 1, 1000);
    c.user_id = rec_opt_bool(L, 1, "user_id", c.user_id);
    c.lr = (float)rec_opt_positive(L, 1, "lr", c.lr);
    c.init_std = (float)rec_opt_range(L, 1, "init_std", c.init_std, 0, 10);
    c.seed = (uint64_t)rec_opt_integer(L, 1, "seed", 1, LUA_MININTEGER, LUA_MAXINTEGER);
    tt_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->m = NULL;
    u->busy = 0;
    luaL_setmetatable(L, REC_TWO_TOWER);
    if ((u->m = rn_two_tower_new(ds, &c)) == NULL) return rec_engine_error(L);
    return 1;
}

/* ---- m:fit ------------------------------------------------------------------------------------ */

typedef struct {
    lua_State *L;
    int on_epoch; /* stack index, or 0 */
    int history;  /* stack index of the history table */
    int progress, tty;
    int failed; /* a callback raised: its message is on top of the stack */
    double t0, last_draw;
} fit_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void bar(char *buf, size_t size, const rn_fit_progress *p, double elapsed)
{
    char cells[31];
    int w = 30, filled = p->total ? (int)((double)w * (double)p->seen / (double)p->total) : w;
    for (int i = 0; i < w; i++)
        cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    cells[w] = '\0';
    double rate = elapsed > 0 ? (double)p->seen / elapsed : 0;
    double left = p->seen == p->total ? elapsed : (rate > 0 ? (double)(p->total - p->seen) / rate : 0);
    snprintf(buf, size, "epoch %d/%d [%s] %zu/%zu pairs  %.1fk pairs/s  loss %.4f  %s %d:%02d",
             p->epoch, p->epochs, cells, p->seen, p->total, rate / 1000.0, p->epoch_loss,
             p->seen == p->total ? "took" : "ETA", (int)left / 60, (int)left % 60);
}

static void push_metrics(lua_State *L, const rn_metrics *ms)
{
    lua_createtable(L, 0, ms->n);
    for (int i = 0; i < ms->n; i++) {
        lua_pushnumber(L, ms->m[i].value);
        lua_setfield(L, -2, ms->m[i].name);
    }
}

static int on_step(void *ud, const rn_fit_progress *p)
{
    fit_state *s = ud;
    if (s->progress && s->tty) {
        double t = now();
        if (t - s->last_draw > 0.1 || p->seen == p->total) {
            char line[200];
            bar(line, sizeof line, p, t - s->t0);
            fprintf(stdout, "\r%s", line);
            fflush(stdout);
            s->last_draw = t;
        }
    }
    return 1;
}

static int on_epoch(void *ud, const rn_fit_progress *p, const rn_metrics *valid)
{
    fit_state *s = ud;
    lua_State *L = s->L;
    if (s->progress) {
        char line[320];
        bar(line, sizeof line, p, now() - s->t0);
        size_t len = strlen(line);
        for (int i = 0; valid != NULL && i < valid->n && len + 48 < sizeof line; i++) {
            snprintf(line + len, sizeof line - len, "%s%s %.4f", i ? " " : "  test ",
                     valid->m[i].name, valid->m[i].value);
            len = strlen(line);
        }
        if (s->tty) fputs("\r\033[K", stdout), fflush(stdout);
        lua_getglobal(L, "print"); /* through print, so notebooks capture it */
        lua_pushstring(L, line);
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    lua_getfield(L, s->history, "loss");
    lua_pushnumber(L, p->epoch_loss);
    lua_rawseti(L, -2, p->epoch);
    lua_pop(L, 1);
    if (valid != NULL) {
        lua_getfield(L, s->history, "test");
        push_metrics(L, valid);
        lua_rawseti(L, -2, p->epoch);
        lua_pop(L, 1);
    }
    s->t0 = now();
    if (s->on_epoch) {
        lua_pushvalue(L, s->on_epoch);
        lua_createtable(L, 0, 4);
        lua_pushinteger(L, p->epoch);
        lua_setfield(L, -2, "epoch");
        lua_pushinteger(L, p->step);
        lua_setfield(L, -2, "step");
        lua_pushnumber(L, p->epoch_loss);
        lua_setfield(L, -2, "loss");
        if (valid != NULL) {
            push_metrics(L, valid);
            lua_setfield(L, -2, "test");
        }
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            s->failed = 1;
            return 0;
        }
        int go = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
        lua_pop(L, 1);
        return go;
    }
    return 1;
}

static int release(lua_State *L)
{
    int **held = lua_touserdata(L, 1);
    if (*held != NULL) (**held)--, *held = NULL;
    return 0;
}

static const char *const fit_keys[] = {"epochs", "batch",    "seed",     "shuffle", "early_stop",
                                       "watch",  "on_epoch", "progress", "evaluate", NULL};

/* m:fit{...}. Stack: 1 model, 2 options, 3 on_epoch, 4 history, 5 guard. */
static int l_fit(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    if (u->busy > 0) return luaL_error(L, "m:fit: the model is already training");
    lua_settop(L, 2);
    rec_check_options(L, 2, "m:fit", fit_keys);
    rn_loop_config lc = rn_loop_defaults();
    lc.epochs = (int)rec_opt_integer(L, 2, "epochs", 5, 1, 1000000);
    lc.batch_size = (size_t)rec_opt_integer(L, 2, "batch", 256, 2, 65536);
    lc.seed = (uint64_t)rec_opt_integer(L, 2, "seed", 1, LUA_MININTEGER, LUA_MAXINTEGER);
    lc.shuffle = rec_opt_bool(L, 2, "shuffle", 1);
    lc.patience = (int)rec_opt_integer(L, 2, "early_stop", 0, 0, 1000000);
    lc.watch = rec_opt_string(L, 2, "watch", NULL);
    int evaluate = rec_opt_bool(L, 2, "evaluate", 1);
    if (lc.patience > 0 && !evaluate)
        return luaL_error(L, "m:fit: early_stop needs evaluate = true (it watches a test metric)");
    if (lua_istable(L, 2))
        lua_getfield(L, 2, "on_epoch"); /* 3 */
    else
        lua_pushnil(L);
    if (!lua_isnil(L, 3)) luaL_checktype(L, 3, LUA_TFUNCTION);
    lua_createtable(L, 0, 4); /* 4: history */
    lua_newtable(L);
    lua_setfield(L, -2, "loss");
    lua_newtable(L);
    lua_setfield(L, -2, "test");
    int **held = lua_newuserdatauv(L, sizeof *held, 0); /* 5: releases busy on every way out */
    *held = NULL;
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, release);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, release);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, 5);
    lua_toclose(L, 5);
    u->busy++;
    *held = &u->busy;

    fit_state s;
    memset(&s, 0, sizeof s);
    s.L = L;
    s.on_epoch = lua_isnil(L, 3) ? 0 : 3;
    s.history = 4;
    s.progress = rec_opt_bool(L, 2, "progress", 1);
    s.tty = isatty(fileno(stdout));
    s.t0 = s.last_draw = now();
    lc.on_step = on_step;
    lc.on_epoch = on_epoch;
    lc.ud = &s;
    rn_trainer t;
    rn_two_tower_trainer(u->m, &t);
    if (!evaluate) t.evaluate = NULL;
    rn_loop_result res;
    int rc = rn_train(&t, &lc, &res);
    if (s.progress && s.tty && rc != RN_OK) fputs("\n", stdout);
    if (s.failed) {
        lua_replace(L, 3); /* the callback's error, below the guard */
        lua_settop(L, 5);
        lua_closeslot(L, 5);
        lua_pushvalue(L, 3);
        return lua_error(L);
    }
    lua_closeslot(L, 5);
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 4);
    lua_pushinteger(L, res.steps);
    lua_setfield(L, -2, "steps");
    lua_pushinteger(L, res.epochs_run);
    lua_setfield(L, -2, "epochs");
    static const char *const stops[] = {"done", "callback", "early_stop"};
    lua_pushstring(L, stops[res.stopped]);
    lua_setfield(L, -2, "stopped");
    if (res.best_epoch > 0) {
        lua_pushinteger(L, res.best_epoch);
        lua_setfield(L, -2, "best_epoch");
        lua_pushboolean(L, res.restored);
        lua_setfield(L, -2, "restored");
    }
    return 1;
}

/* ---- evaluation, recommendation, vectors ----------------------------------------------------- */

static const char *const eval_keys[] = {"k", "by", NULL};
static const char *const by_names[] = {"u2i", "i2i", "popularity", NULL};

static int l_evaluate(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    rec_check_options(L, 2, "m:evaluate", eval_keys);
    int k = (int)rec_opt_integer(L, 2, "k", 10, 1, 1000000);
    int by = rec_opt_enum(L, 2, "by", by_names, RN_TT_U2I);
    rn_two_tower_eval e;
    if (rn_two_tower_evaluate(u->m, by, k, &e) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, 0, 6);
    lua_pushnumber(L, e.recall);
    lua_setfield(L, -2, "recall");
    lua_pushnumber(L, e.hit_rate);
    lua_setfield(L, -2, "hit_rate");
    lua_pushnumber(L, e.ndcg);
    lua_setfield(L, -2, "ndcg");
    lua_pushinteger(L, k);
    lua_setfield(L, -2, "k");
    lua_pushinteger(L, (lua_Integer)e.n_users);
    lua_setfield(L, -2, "users");
    lua_pushstring(L, by_names[by]);
    lua_setfield(L, -2, "by");
    return 1;
}

/* m:ranks{by = 'u2i'}: the 1-based rank of each test user's held-out item. */
static int l_ranks(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    rec_check_options(L, 2, "m:ranks", eval_keys + 1);
    int by = rec_opt_enum(L, 2, "by", by_names, RN_TT_U2I);
    size_t n = rn_two_tower_n_test(u->m);
    size_t *r = lua_newuserdatauv(L, (n ? n : 1) * sizeof *r, 0);
    if (rn_two_tower_ranks(u->m, by, r) != RN_OK) return rec_engine_error(L);
    lua_createtable(L, (int)n, 0);
    for (size_t k = 0; k < n; k++) {
        lua_pushinteger(L, (lua_Integer)r[k] + 1);
        lua_rawseti(L, -2, (lua_Integer)k + 1);
    }
    return 1;
}

static void push_item(lua_State *L, rn_two_tower *m, int row)
{
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)rn_two_tower_item_id(m, row));
    lua_setfield(L, -2, "id");
    lua_pushstring(L, rn_two_tower_item_title(m, row));
    lua_setfield(L, -2, "title");
}

static int user_arg(lua_State *L, rn_two_tower *m, int i)
{
    lua_Integer id = luaL_checkinteger(L, i);
    int row;
    if (rn_two_tower_user_row(m, (int64_t)id, &row) != RN_OK) return rec_engine_error(L);
    return row;
}

/* m:recommend(user, k) */
static int l_recommend(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    int row = user_arg(L, u->m, 2);
    int k = rec_opt_int(L, 3, 10, 1, 10000);
    int *rows = lua_newuserdatauv(L, (size_t)k * (sizeof(int) + sizeof(float)), 0);
    float *sc = (float *)(rows + k);
    int got = rn_two_tower_recommend(u->m, row, k, rows, sc);
    if (got < 0) return rec_engine_error(L);
    lua_createtable(L, got, 1);
    for (int i = 0; i < got; i++) {
        push_item(L, u->m, rows[i]);
        lua_pushnumber(L, sc[i]);
        lua_setfield(L, -2, "score");
        lua_rawseti(L, -2, i + 1);
    }
    lua_pushinteger(L, (lua_Integer)rn_two_tower_user_id(u->m, row));
    lua_setfield(L, -2, "user");
    luaL_setmetatable(L, REC_RECS);
    return 1;
}

/* m:history(user): what the user rated, oldest first. */
static int l_history(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    int row = user_arg(L, u->m, 2);
    size_t n;
    const int32_t *items = rn_two_tower_history(u->m, row, &n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        push_item(L, u->m, items[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int recs_tostring(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_Integer n = luaL_len(L, 1);
    lua_getfield(L, 1, "user");
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    lua_pushfstring(L, "%I recommendations for user %I (seen items excluded)", n,
                    (lua_Integer)lua_tointeger(L, 2));
    luaL_addvalue(&b);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 1, i);
        lua_getfield(L, -1, "score");
        lua_getfield(L, -2, "title");
        lua_getfield(L, -3, "id");
        char head[48];
        snprintf(head, sizeof head, "\n%3d  %7.4f  ", (int)i, (double)lua_tonumber(L, -3));
        lua_pushfstring(L, "%s%s  (id %I)", head, lua_tostring(L, -2) ? lua_tostring(L, -2) : "?",
                        (lua_Integer)lua_tointeger(L, -1));
        lua_replace(L, -5);
        lua_pop(L, 3);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    return 1;
}

static int push_vectors(lua_State *L, rn_two_tower *m, int items, int before_last)
{
    float *v;
    size_t n;
    int rc = items ? rn_two_tower_item_vectors(m, &v, &n)
                   : rn_two_tower_user_vectors_at(m, before_last, &v, &n);
    if (rc != RN_OK) return rec_engine_error(L);
    int64_t *ids = rn_malloc(n * sizeof *ids, "ids");
    char **labels = rn_calloc(n, sizeof *labels, "labels");
    char *names = items ? NULL : rn_malloc(n * 24, "labels");
    if (ids == NULL || labels == NULL || (!items && names == NULL)) {
        rn_free(v), rn_free(ids), rn_free(labels), rn_free(names);
        return luaL_error(L, "out of memory");
    }
    for (size_t r = 0; r < n; r++) {
        if (items) {
            ids[r] = rn_two_tower_item_id(m, (int)r + 1);
            labels[r] = (char *)rn_two_tower_item_title(m, (int)r + 1);
        } else {
            ids[r] = rn_two_tower_user_id(m, (int)r + 1);
            snprintf(names + r * 24, 24, "user %lld", (long long)ids[r]);
            labels[r] = names + r * 24;
        }
    }
    rn_embeddings *e = rn_emb_new(v, n, rn_two_tower_config_of(m)->out_dim, ids,
                                  (const char *const *)labels);
    rn_free(v), rn_free(ids), rn_free(labels), rn_free(names);
    if (e == NULL) return rec_engine_error(L);
    rec_push_embeddings(L, e);
    return 1;
}

static int l_item_embeddings(lua_State *L) { return push_vectors(L, check_tt(L, 1)->m, 1, 0); }

/* m:user_embeddings([{before_last = false}]) */
static int l_user_embeddings(lua_State *L)
{
    static const char *const keys[] = {"before_last", NULL};
    tt_ud *u = check_tt(L, 1);
    int before_last = 0;
    if (!lua_isnoneornil(L, 2)) {
        luaL_checktype(L, 2, LUA_TTABLE);
        rec_check_options(L, 2, "m:user_embeddings", keys);
        before_last = rec_opt_bool(L, 2, "before_last", 0);
    }
    return push_vectors(L, u->m, 0, before_last);
}

static int l_info(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    const rn_two_tower_config *c = rn_two_tower_config_of(u->m);
    lua_createtable(L, 0, 8);
    lua_pushinteger(L, (lua_Integer)rn_two_tower_n_pairs(u->m));
    lua_setfield(L, -2, "pairs");
    lua_pushinteger(L, (lua_Integer)rn_two_tower_n_test(u->m));
    lua_setfield(L, -2, "test_users");
    lua_pushinteger(L, rn_two_tower_n_items(u->m) - 1);
    lua_setfield(L, -2, "items");
    lua_pushinteger(L, rn_two_tower_n_users(u->m) - 1);
    lua_setfield(L, -2, "users");
    lua_pushstring(L, rn_two_tower_loss_name(c->loss));
    lua_setfield(L, -2, "loss");
    char tau[32];
    snprintf(tau, sizeof tau, "%g", (double)c->temperature); /* 0.05, not 0.0500000007 */
    lua_pushnumber(L, strtod(tau, NULL));
    lua_setfield(L, -2, "temperature");
    lua_pushinteger(L, c->out_dim);
    lua_setfield(L, -2, "out_dim");
    lua_pushinteger(L, (lua_Integer)rn_params_size(rn_two_tower_params(u->m)));
    lua_setfield(L, -2, "parameters");
    return 1;
}

/* m:save(path) */
static int l_save(lua_State *L)
{
    tt_ud *u = check_tt(L, 1);
    const char *path = luaL_checkstring(L, 2);
    if (rn_two_tower_save(u->m, path) != RN_OK) return rec_engine_error(L);
    lua_settop(L, 1);
    return 1;
}

/* rec.two_tower_load(path, data) */
static int l_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    const size_t *rows;
    size_t start, n;
    const rn_dataset *ds = rec_check_dataset(L, 2, &rows, &start, &n);
    tt_ud *u = lua_newuserdatauv(L, sizeof *u, 0);
    u->m = NULL;
    u->busy = 0;
    luaL_setmetatable(L, REC_TWO_TOWER);
    if ((u->m = rn_two_tower_load(path, ds)) == NULL) return rec_engine_error(L);
    return 1;
}

static int l_close(lua_State *L)
{
    tt_ud *u = luaL_checkudata(L, 1, REC_TWO_TOWER);
    if (u->busy > 0) return luaL_error(L, "cannot close the model while fit is using it");
    rn_two_tower_free(u->m);
    u->m = NULL;
    return 0;
}

static int l_gc(lua_State *L)
{
    tt_ud *u = luaL_checkudata(L, 1, REC_TWO_TOWER);
    rn_two_tower_free(u->m);
    u->m = NULL;
    return 0;
}

static int l_tostring(lua_State *L)
{
    tt_ud *u = luaL_checkudata(L, 1, REC_TWO_TOWER);
    if (u->m == NULL) {
        lua_pushliteral(L, "rec.TwoTower (closed)");
        return 1;
    }
    const rn_two_tower_config *c = rn_two_tower_config_of(u->m);
    char s[200];
    snprintf(s, sizeof s, "rec.TwoTower: %d users x %d items, %zu training pairs, loss %s, tau %g, "
             "%d-d towers", rn_two_tower_n_users(u->m) - 1, rn_two_tower_n_items(u->m) - 1,
             rn_two_tower_n_pairs(u->m), rn_two_tower_loss_name(c->loss), (double)c->temperature,
             c->out_dim);
    lua_pushstring(L, s);
    return 1;
}

/* ---- rec.two_tower_loss ---------------------------------------------------------------------- */

static const char *const loss_keys[] = {"kind", "u", "v", "neg", "logq", "items", "neg_correction",
                                        "temperature", NULL};

static rn_tensor *matrix_field(lua_State *L, rn_graph *g, const char *key, int *rows, int *cols)
{
    lua_getfield(L, 1, key);
    if (lua_isnil(L, -1)) return NULL;
    int r, c;
    char what[32];
    snprintf(what, sizeof what, "%s", key);
    float *x = rec_matrix(L, -1, "rec.two_tower_loss", what, &r, &c, 0);
    if (*cols > 0 && c != *cols)
        luaL_error(L, "rec.two_tower_loss: %s has %d columns, u has %d", key, c, *cols);
    *rows = r, *cols = c;
    return rn_graph_tensor(g, 2, (const int[]){r, c}, x);
}

static int graph_gc(lua_State *L)
{
    rn_graph **g = lua_touserdata(L, 1);
    rn_graph_free(*g);
    *g = NULL;
    return 0;
}

/* rec.two_tower_loss{kind =, u =, v =, neg =, logq =, items =, neg_correction =, temperature =} */
static int l_loss(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    rec_check_options(L, 1, "rec.two_tower_loss", loss_keys);
    int kind = rec_opt_enum(L, 1, "kind", loss_names, RN_TT_INBATCH);
    float tau = (float)rec_opt_positive(L, 1, "temperature", 1.0);
    rn_graph **g = lua_newuserdatauv(L, sizeof *g, 0);
    *g = NULL;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, graph_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, -2);
    if ((*g = rn_graph_new(1)) == NULL) return rec_engine_error(L);
    int B = 0, D = 0, Bv = 0, S = 0;
    rn_tensor *u = matrix_field(L, *g, "u", &B, &D);
    rn_tensor *v = matrix_field(L, *g, "v", &Bv, &D);
    if (u == NULL || v == NULL) return luaL_error(L, "rec.two_tower_loss: give u = {{...}} and v = {{...}}");
    if (Bv != B) return luaL_error(L, "rec.two_tower_loss: u has %d rows, v has %d", B, Bv);
    rn_tensor *neg = matrix_field(L, *g, "neg", &S, &D);
    rn_tensor *l;
    if (kind == RN_TT_INBATCH) {
        size_t n;
        const float *logq = NULL;
        int32_t *items = NULL;
        lua_getfield(L, 1, "logq");
        if (!lua_isnil(L, -1)) {
            logq = rec_floats(L, -1, "rec.two_tower_loss", "logq", &n, 0);
            if ((int)n != B) return luaL_error(L, "rec.two_tower_loss: logq has %d values, u has %d rows", (int)n, B);
        }
        lua_getfield(L, 1, "items");
        if (!lua_isnil(L, -1)) {
            const float *f = rec_floats(L, -1, "rec.two_tower_loss", "items", &n, 0);
            if ((int)n != B) return luaL_error(L, "rec.two_tower_loss: items has %d values, u has %d rows", (int)n, B);
            items = lua_newuserdatauv(L, (size_t)B * sizeof *items, 0);
            for (int i = 0; i < B; i++)
                items[i] = (int32_t)f[i];
        }
        l = rn_two_tower_inbatch_loss(*g, u, v, logq, items, tau);
    } else {
        if (neg == NULL) return luaL_error(L, "rec.two_tower_loss: kind '%s' needs neg = {{...}}", loss_names[kind]);
        if (kind == RN_TT_BCE) {
            l = rn_two_tower_bce_loss(*g, u, v, neg, tau);
        } else {
            const float *corr = NULL;
            size_t n;
            lua_getfield(L, 1, "neg_correction");
            if (!lua_isnil(L, -1)) {
                corr = rec_floats(L, -1, "rec.two_tower_loss", "neg_correction", &n, 0);
                if ((int)n != S) return luaL_error(L, "rec.two_tower_loss: neg_correction has %d values, neg has %d rows", (int)n, S);
            }
            l = rn_two_tower_sampled_loss(*g, u, v, neg, corr, tau);
        }
    }
    if (l == NULL || rn_graph_error(*g) != RN_OK) return rec_engine_error(L);
    lua_pushnumber(L, l->data[0]);
    return 1;
}

/* ---- the module ------------------------------------------------------------------------------- */

static const char new_doc[] =
    "rec.two_tower{data = rec.data.movielens{}, ...} builds a two-tower (DSSM) recall model and "
    "its leave-last-out split: each user's last rating in time is the test target, the earlier "
    "ones are training pairs (user, item, history = the items before it). User tower: user id "
    "(user_id = true) and the mean of the last max_history (20) history items; item tower: movie "
    "id, the mean of its genres, its decade. Each tower is an MLP (hidden = {64}) to out_dim (32), "
    "L2-normalised; the score is the cosine / temperature (0.05). loss = 'inbatch' (the batch's "
    "other positives as negatives, logq = true subtracts log q_j, Yi et al. 2019), 'sampled' "
    "(n_neg = 256 uniform negatives from the whole item pool, softmax) or 'bce' (the same "
    "negatives as 0 labels). Also dim (32), lr (Adam, 0.003), init_std, seed.";
static const char new_example[] =
    "local m = rec.two_tower{data = rec.data.movielens{}, loss = 'inbatch'}\n"
    "m:fit{epochs = 2}\nprint(m:recommend(42, 5))";

static const rec_doc_entry method_docs[] = {
    {"fit",
     "m:fit{epochs = 5, batch = 256, seed, shuffle, early_stop, watch, evaluate = true, on_epoch, "
     "progress} trains through the engine's loop: a progress bar, after each epoch the test "
     "recall@10, ndcg@10 and recall@50 (u2i), on_epoch(p) (return false to stop), early_stop "
     "epochs without a better watch metric (default the first, recall@10; the best epoch's weights are kept). Ctrl-C "
     "stops between two steps. Returns {loss = {per epoch}, test = {{...}}, steps, epochs, stopped}.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nlocal h = m:fit{epochs = 1}\n"
     "print(h.test[1]['recall@50'])"},
    {"evaluate",
     "m:evaluate{k = 10, by = 'u2i' | 'i2i' | 'popularity'} ranks every item the user did not "
     "rate in training for each test user and scores the held-out item: {recall, hit_rate, ndcg, "
     "k, users, by}. u2i: the user tower; i2i: the vector of the user's last training item; "
     "popularity: training counts. With one held-out item, recall@k equals hit rate@k.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nm:fit{epochs = 1}\n"
     "print(m:evaluate{k = 50}.recall, m:evaluate{k = 50, by = 'popularity'}.recall)"},
    {"recommend",
     "m:recommend(user, k = 10) gives the k best movies for MovieLens userId user from the whole "
     "history (every rated movie excluded): a list of {id, title, score}, printed as titles.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nm:fit{epochs = 1}\nprint(m:recommend(42, 10))"},
    {"ranks",
     "m:ranks{by = 'u2i' | 'i2i' | 'popularity'} gives, for each test user in turn, the 1-based "
     "rank of the held-out item among the items the user did not rate in training: recall@K is "
     "the share of ranks <= K, NDCG@K the mean of 1 / log2(rank + 1) over those.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nlocal r = m:ranks{by = 'popularity'}\n"
     "print(#r, r[1])"},
    {"history", "m:history(user) lists what the user rated, oldest first: {id, title} each.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nprint(#m:history(42))"},
    {"item_embeddings",
     "m:item_embeddings() is the item tower's output for every movie as a rec.Embeddings (ids: "
     "movie ids, labels: titles), for i2i with e:neighbors and for rec.index.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nm:fit{epochs = 1}\n"
     "print(m:item_embeddings():neighbors('Toy Story (1995)', 5))"},
    {"user_embeddings",
     "m:user_embeddings([{before_last = false}]) is the user tower's output for every user "
     "from the whole history (ids: userId, labels 'user 42'); before_last = true leaves out "
     "each user's held-out last rating: the vectors m:ranks and m:evaluate score u2i with.",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nprint(#m:user_embeddings())"},
    {"info", "m:info() gives the split's and the model's sizes: pairs, test_users, items, users, "
             "loss, temperature, out_dim, parameters.",
     "print(rec.two_tower{data = rec.data.movielens{}}:info().pairs)"},
    {"save",
     "m:save(path) writes the model (config, the split's sizes, the weights) atomically; "
     "rec.two_tower_load(path, data) reads it back with the data set it was trained on.",
     "local ml = rec.data.movielens{}\nlocal m = rec.two_tower{data = ml}\nm:save('/tmp/tt.model')\n"
     "print(rec.two_tower_load('/tmp/tt.model', ml))"},
    {"close", "m:close() frees the model now (an error while fit uses it).",
     "local m = rec.two_tower{data = rec.data.movielens{}}\nm:close()"},
    {NULL, NULL, NULL}};

static const char loss_doc[] =
    "rec.two_tower_loss{kind = 'inbatch', u = {{...}}, v = {{...}}, temperature = 1, logq, items} "
    "is the two-tower loss on given tower outputs (rows, not normalised here): inbatch is the "
    "softmax cross-entropy of u_i.v_j / temperature - logq[j] with target j = i (items masks "
    "copies of row i's item); kind = 'sampled' scores [u.v, u neg^T - neg_correction] and kind = "
    "'bce' is the binary cross-entropy of [u.v, u neg^T] / temperature against [1, 0, ...].";
static const char loss_example[] =
    "print(rec.two_tower_loss{u = {{1, 0}, {0, 1}}, v = {{1, 0}, {0.6, 0.8}}, temperature = 0.5})";

void rec_open_two_tower(lua_State *L)
{
    static const luaL_Reg methods[] = {{"fit", l_fit},
                                       {"evaluate", l_evaluate},
                                       {"ranks", l_ranks},
                                       {"recommend", l_recommend},
                                       {"history", l_history},
                                       {"item_embeddings", l_item_embeddings},
                                       {"user_embeddings", l_user_embeddings},
                                       {"info", l_info},
                                       {"save", l_save},
                                       {"close", l_close},
                                       {NULL, NULL}};
    static const luaL_Reg meta[] = {
        {"__gc", l_gc}, {"__close", l_close}, {"__tostring", l_tostring}, {NULL, NULL}};
    if (luaL_newmetatable(L, REC_TWO_TOWER)) {
        luaL_setfuncs(L, meta, 0);
        luaL_newlib(L, methods);
        rec_doc_fields(L, -1, "m", 1, method_docs);
        lua_setfield(L, -2, "__index");
    }
    lua_pop(L, 1);
    if (luaL_newmetatable(L, REC_RECS)) {
        lua_pushcfunction(L, recs_tostring);
        lua_setfield(L, -2, "__tostring");
    }
    lua_pop(L, 1);
    lua_pushcfunction(L, l_new);
    rec_doc_set(L, -1, "rec.two_tower", new_doc, new_example);
    lua_setfield(L, -2, "two_tower");
    lua_pushcfunction(L, l_load);
    rec_doc_set(L, -1, "rec.two_tower_load",
                "rec.two_tower_load(path, data) reads a model saved by m:save, rebuilding its "
                "leave-last-out split from data (the data set it was trained on: the sizes must "
                "agree).",
                "local ml = rec.data.movielens{}\nrec.two_tower{data = ml}:save('/tmp/tt.model')\n"
                "local m = rec.two_tower_load('/tmp/tt.model', ml)");
    lua_setfield(L, -2, "two_tower_load");
    lua_pushcfunction(L, l_loss);
    rec_doc_set(L, -1, "rec.two_tower_loss", loss_doc, loss_example);
    lua_setfield(L, -2, "two_tower_loss");
}
