/* rec.optim: the engine's optimizers (SGD, AdaGrad, Adam, AdamW, FTRL) as
 * rec.Optimizer userdata. An optimizer keeps the parameter sets and tensors
 * it updates alive through its user value, and refuses to step once one of
 * them has been closed.
 *
 * This file holds the one optimizer-spec reader (rec_optim.h): rec.optim.*
 * and m:fit{optimizer = ...} read the same options through it, and fit
 * takes a rec.Optimizer through rec_optim_bind. */
#include "rec_optim.h"
#include "rec_aux.h"
#include "rec_engine.h"
#include "host.h"
#include "rec.h"

#include "error.h"
#include "optim.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

typedef struct {
    rn_optim *o; /* first (rec_check_open): NULL once closed */
    int kind;
    int busy; /* > 0 while a trainer (fit) steps it: close is refused */
} optim_ud;

static optim_ud *check_optim(lua_State *L, int i)
{
    return rec_check_open(L, i, REC_OPTIM, "optimizer");
}

/* Adds the value at index i (a rec.Params with optional prefix, a tensor, or
 * a list of tensors) to the optimizer at index 1, remembering it. */
static void add_source(lua_State *L, optim_ud *u, int i, const char *prefix)
{
    i = lua_absindex(L, i);
    rec_params_ud *ps = luaL_testudata(L, i, REC_PARAMS);
    int rc;
    if (ps != NULL) {
        if (ps->ps == NULL) luaL_error(L, "add: the parameter set is closed");
        rc = rn_optim_add(u->o, ps->ps, prefix);
    } else if (lua_type(L, i) == LUA_TTABLE && luaL_testudata(L, i, REC_TENSOR) == NULL) {
        int n = (int)lua_rawlen(L, i);
        if (n == 0) luaL_error(L, "add: an empty list of tensors");
        for (int k = 1; k <= n; k++) {
            lua_rawgeti(L, i, k);
            add_source(L, u, -1, NULL);
            lua_pop(L, 1);
        }
        return;
    } else {
        rn_tensor *t = rec_check_tensor(L, i);
        if (t->flags & RN_T_ARENA)
            luaL_error(L, "add: an intermediate of a step cannot be optimized");
        if (t->grad == NULL)
            luaL_error(L, "add: the tensor has no gradient (create it with requires_grad = true "
                          "or as a parameter)");
        rc = rn_optim_add_tensor(u->o, t);
    }
    if (rc != RN_OK) rec_engine_error(L);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, i);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* Nonzero when every remembered source of the optimizer at i is still open. */
static int sources_open_at(lua_State *L, int i)
{
    lua_getiuservalue(L, i, 1);
    int n = (int)lua_rawlen(L, -1), ok = 1;
    for (int k = 1; ok && k <= n; k++) {
        lua_rawgeti(L, -1, k);
        rec_params_ud *ps = luaL_testudata(L, -1, REC_PARAMS);
        rec_tensor_ud *t = luaL_testudata(L, -1, REC_TENSOR);
        if (lua_istable(L, -1)) { /* {owner, pud}: bound by rec_optim_bind */
            lua_rawgeti(L, -1, 2);
            ps = lua_touserdata(L, -1);
            lua_pop(L, 1);
        }
        if ((ps && ps->ps == NULL) ||
            (t && (t->t == NULL || (t->kind == REC_T_PARAM && (!t->owner || !t->owner->ps)))))
            ok = 0;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return ok;
}

static int sources_open(lua_State *L)
{
    return sources_open_at(L, 1);
}

static const char *const schedule_opts[] = {"kind",  "warmup", "total", "step_size",
                                            "gamma", "min_lr", NULL};

static void read_schedule(lua_State *L, int i, const char *fn, rn_schedule *s)
{
    static const char *const kinds[] = {"constant", "linear", "step", "cosine", NULL};
    char sfn[64];
    snprintf(sfn, sizeof sfn, "%s schedule", fn);
    if (!lua_istable(L, i))
        luaL_error(L, "%s: schedule must be a table {kind = 'cosine', ...}, got %s", fn,
                   luaL_typename(L, i));
    rec_check_options(L, i, sfn, schedule_opts);
    static const int kind_enum[] = {RN_LR_CONSTANT, RN_LR_LINEAR, RN_LR_STEP, RN_LR_COSINE};
    s->kind = kind_enum[rec_opt_enum(L, i, "kind", kinds, 0)];
    s->warmup = (long)rec_opt_integer(L, i, "warmup", 0, 0, LONG_MAX);
    s->total = (long)rec_opt_integer(L, i, "total", 0, 0, LONG_MAX);
    s->step_size = (long)rec_opt_integer(L, i, "step_size", 1, 1, LONG_MAX);
    s->gamma = (float)rec_opt_number(L, i, "gamma", 0.1);
    s->min_lr = (float)rec_opt_number(L, i, "min_lr", 0);
}

/* The option keys of each kind (without the extra keys of a caller). */
static const char *const sgd_keys[] = {"lr",        "momentum", "nesterov", "weight_decay",
                                       "clip_norm", "schedule", NULL};
static const char *const adagrad_keys[] = {
    "lr", "eps", "initial_accumulator", "weight_decay", "clip_norm", "schedule", NULL};
static const char *const adam_keys[] = {"lr",           "beta1",     "beta2",    "eps",
                                        "weight_decay", "clip_norm", "schedule", NULL};
static const char *const ftrl_keys[] = {"alpha", "beta", "l1", "l2", "clip_norm", "schedule", NULL};

static const char *const *kind_keys(int kind)
{
    return kind == RN_SGD       ? sgd_keys
           : kind == RN_ADAGRAD ? adagrad_keys
           : kind == RN_FTRL    ? ftrl_keys
                                : adam_keys;
}

void rec_optim_warn_lr(lua_State *L, const char *fn, int kind, double lr)
{
    /* an adaptive optimizer moves each weight by about lr per step; plain SGD
       by lr times the gradient, which is usually well below 1 */
    double most = kind == RN_SGD ? 10 : 1;
    if (!(lr > most)) return;
    char msg[320];
    const char *name = kind == RN_FTRL ? "alpha" : "lr";
    snprintf(msg, sizeof msg,
             "warning: %s: %s = %g is far above what %s can follow (at most %g; the default is %g): "
             "the loss will likely grow instead of fall (training goes on)",
             fn, name, lr, kind < 0 ? "the default optimizers" : rn_optim_name(kind), most,
             kind < 0 ? 0.005 : (double)rn_optim_defaults(kind).lr);
    lua_getglobal(L, "print"); /* through print, so notebooks keep it with fit's lines */
    lua_pushstring(L, msg);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
}

void rec_optim_read(lua_State *L, int i, const char *fn, int kind, const char *const *extra,
                    float lr_default, rn_optim_config *c)
{
    i = lua_absindex(L, i);
    const char *known[24];
    int n = 0;
    for (const char *const *k = kind_keys(kind); *k; k++)
        known[n++] = *k;
    for (const char *const *k = extra; k != NULL && *k && n < 23; k++)
        known[n++] = *k;
    known[n] = NULL;
    rec_check_options(L, i, fn, known);
    *c = rn_optim_defaults(kind);
    if (lr_default > 0) c->lr = lr_default;
    /* every kind's lr: NaN, <= 0 and inf are refused, naming the option */
    c->lr = (float)rec_opt_positive(L, i, kind == RN_FTRL ? "alpha" : "lr", (double)c->lr);
    c->momentum = (float)rec_opt_range(L, i, "momentum", (double)c->momentum, 0, 1);
    c->nesterov = rec_opt_bool(L, i, "nesterov", c->nesterov);
    c->weight_decay = (float)rec_opt_range(L, i, "weight_decay", (double)c->weight_decay, 0, 1e6);
    c->clip_norm = (float)rec_opt_range(L, i, "clip_norm", (double)c->clip_norm, 0, HUGE_VAL);
    c->beta1 = (float)rec_opt_number(L, i, "beta1", (double)c->beta1);
    c->beta2 = (float)rec_opt_number(L, i, "beta2", (double)c->beta2);
    c->eps = (float)rec_opt_number(L, i, "eps", (double)c->eps);
    c->initial_accumulator =
        (float)rec_opt_number(L, i, "initial_accumulator", (double)c->initial_accumulator);
    c->beta = (float)rec_opt_number(L, i, "beta", (double)c->beta);
    c->l1 = (float)rec_opt_number(L, i, "l1", (double)c->l1);
    c->l2 = (float)rec_opt_number(L, i, "l2", (double)c->l2);
    if (lua_istable(L, i) && lua_getfield(L, i, "schedule") != LUA_TNIL)
        read_schedule(L, lua_gettop(L), fn, &c->schedule);
    if (lua_istable(L, i)) lua_pop(L, 1);
    rec_optim_warn_lr(L, fn, kind, (double)c->lr);
}

static const char *const kind_names[] = {"sgd", "adagrad", "adam", "adamw", "ftrl", NULL};
static const int kind_enum[] = {RN_SGD, RN_ADAGRAD, RN_ADAM, RN_ADAMW, RN_FTRL};

void rec_optim_spec(lua_State *L, int i, const char *fn, float lr_default, rn_optim_config *c)
{
    static const char *const extra[] = {"kind", NULL};
    i = lua_absindex(L, i);
    int k;
    if (lua_type(L, i) == LUA_TSTRING) {
        const char *s = lua_tostring(L, i);
        for (k = 0; kind_names[k] && strcmp(kind_names[k], s) != 0; k++)
            ;
        if (kind_names[k] == NULL)
            luaL_error(L, "%s: unknown optimizer '%s'%s (sgd, adagrad, adam, adamw, ftrl)", fn, s,
                       rec_did_you_mean(L, s, kind_names));
        *c = rn_optim_defaults(kind_enum[k]);
        if (lr_default > 0) c->lr = lr_default;
        rec_optim_warn_lr(L, fn, kind_enum[k], (double)c->lr);
        return;
    }
    if (!lua_istable(L, i))
        luaL_error(L,
                   "%s: an optimizer is a name ('adam', 'adagrad', 'sgd', 'adamw', 'ftrl'), "
                   "a table {kind = 'adam', lr = 0.001, ...} or a rec.Optimizer, got %s",
                   fn, luaL_typename(L, i));
    /* the kind first (its keys are the ones allowed), then the options */
    char kfn[64];
    lua_getfield(L, i, "kind");
    if (lua_isnil(L, -1)) {
        k = 2; /* adam */
    } else {
        const char *s = lua_tostring(L, -1);
        for (k = 0; s != NULL && kind_names[k] && strcmp(kind_names[k], s) != 0; k++)
            ;
        if (s == NULL || kind_names[k] == NULL)
            luaL_error(
                L, "%s: optimizer kind must be one of sgd, adagrad, adam, adamw, ftrl, got %s%s",
                fn, s ? s : luaL_typename(L, -1), s ? rec_did_you_mean(L, s, kind_names) : "");
    }
    lua_pop(L, 1);
    snprintf(kfn, sizeof kfn, "%s (%s)", fn, kind_names[k]);
    rec_optim_read(L, i, kfn, kind_enum[k], extra, lr_default, c);
}

static int make(lua_State *L, int kind)
{
    static const char *const extra[] = {"params", "prefix", NULL};
    char fn[32];
    snprintf(fn, sizeof fn, "rec.optim.%s", rn_optim_name(kind));
    lua_settop(L, 1);
    if (lua_isnone(L, 1) || lua_isnil(L, 1)) {
        lua_newtable(L);
        lua_replace(L, 1);
    }
    luaL_checktype(L, 1, LUA_TTABLE);
    rn_optim_config c;
    rec_optim_read(L, 1, fn, kind, extra, 0, &c);
    lua_getfield(L, 1, "params"); /* 2 */
    lua_getfield(L, 1, "prefix"); /* 3 */
    const char *prefix = rec_opt_string(L, 1, "prefix", NULL);

    optim_ud *u = lua_newuserdatauv(L, sizeof *u, 1); /* 4 */
    u->o = NULL;
    u->kind = kind;
    u->busy = 0;
    luaL_setmetatable(L, REC_OPTIM);
    lua_newtable(L);
    lua_setiuservalue(L, 4, 1);
    u->o = rn_optim_new(&c);
    if (u->o == NULL) return rec_engine_error(L);
    lua_replace(L, 1); /* the optimizer at 1 for add_source; options are read */
    if (!lua_isnil(L, 2)) add_source(L, u, 2, prefix);
    lua_settop(L, 1);
    return 1;
}

static int l_sgd(lua_State *L)
{
    return make(L, RN_SGD);
}
static int l_adagrad(lua_State *L)
{
    return make(L, RN_ADAGRAD);
}
static int l_adam(lua_State *L)
{
    return make(L, RN_ADAM);
}
static int l_adamw(lua_State *L)
{
    return make(L, RN_ADAMW);
}
static int l_ftrl(lua_State *L)
{
    return make(L, RN_FTRL);
}

/* opt:add(params [, prefix]) / opt:add(tensor) / opt:add{t1, t2} */
static int o_add(lua_State *L)
{
    optim_ud *u = check_optim(L, 1);
    luaL_checkany(L, 2);
    add_source(L, u, 2, luaL_optstring(L, 3, NULL));
    lua_settop(L, 1);
    return 1;
}

static int o_step(lua_State *L)
{
    optim_ud *u = check_optim(L, 1);
    if (!sources_open(L))
        return luaL_error(L, "step: a parameter set or tensor given to this optimizer is closed");
    int rc = rn_optim_step(u->o);
    rn_optim_zero_grad(u->o);
    rec_graph_reset(L); /* the step is over: its intermediates go */
    if (rc != RN_OK) return rec_engine_error(L);
    return 0;
}

static int o_zero_grad(lua_State *L)
{
    rn_optim_zero_grad(check_optim(L, 1)->o);
    return 0;
}

static int o_lr(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)rn_optim_lr(check_optim(L, 1)->o));
    return 1;
}

static int o_steps(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_optim_steps(check_optim(L, 1)->o));
    return 1;
}

static int o_grad_norm(lua_State *L)
{
    lua_pushnumber(L, (lua_Number)rn_optim_last_norm(check_optim(L, 1)->o));
    return 1;
}

static int o_gc(lua_State *L)
{
    optim_ud *u = luaL_checkudata(L, 1, REC_OPTIM);
    rn_optim_free(u->o);
    u->o = NULL;
    return 0;
}

/* opt:close() and <close>: refused while a trainer steps the optimizer. */
static int o_close(lua_State *L)
{
    optim_ud *u = luaL_checkudata(L, 1, REC_OPTIM);
    if (u->busy > 0) return luaL_error(L, "cannot close the optimizer while fit is using it");
    return o_gc(L);
}

/* ---- for trainers (rec_optim.h) -------------------------------------------------------- */

rn_optim *rec_optim_test(lua_State *L, int i)
{
    if (luaL_testudata(L, i, REC_OPTIM) == NULL) return NULL;
    return check_optim(L, i)->o;
}

int *rec_optim_busy(lua_State *L, int i)
{
    return &check_optim(L, i)->busy;
}

rn_optim *rec_optim_bind(lua_State *L, int i, int owner, rec_params_ud *pud, const char *prefix,
                         const char *fn)
{
    i = lua_absindex(L, i);
    owner = lua_absindex(L, owner);
    optim_ud *u = check_optim(L, i);
    if (!sources_open_at(L, i))
        luaL_error(L, "%s: a parameter set or tensor given to this optimizer is closed", fn);
    lua_getiuservalue(L, i, 1);
    int n = (int)lua_rawlen(L, -1), foreign = 0;
    for (int k = 1; k <= n; k++) {
        lua_rawgeti(L, -1, k);
        rec_tensor_ud *t = luaL_testudata(L, -1, REC_TENSOR);
        const void *holder = NULL;
        if (lua_istable(L, -1)) {
            lua_rawgeti(L, -1, 2);
            holder = lua_touserdata(L, -1);
            lua_pop(L, 1);
        } else if (t != NULL && t->kind == REC_T_PARAM) {
            holder = t->owner;
        }
        if (holder != pud) foreign++;
        lua_pop(L, 1);
    }
    if (foreign > 0)
        luaL_error(L,
                   "%s: the rec.Optimizer updates parameters that are not this model's (%d of "
                   "its %d sources: a rec.Params, or tensors of another model or set); make it "
                   "without params = and fit binds it to the model",
                   fn, foreign, n);
    if (n == 0) { /* no parameters yet: bind to the model's, under prefix */
        if (rn_optim_add(u->o, pud->ps, prefix) != RN_OK) rec_engine_error(L);
        lua_createtable(L, 2, 0);
        lua_pushvalue(L, owner); /* keeps the model alive as long as the optimizer */
        lua_rawseti(L, -2, 1);
        lua_pushlightuserdata(L, pud);
        lua_rawseti(L, -2, 2);
        lua_rawseti(L, -2, 1);
    }
    lua_pop(L, 1);
    return u->o;
}

static int o_tostring(lua_State *L)
{
    optim_ud *u = luaL_checkudata(L, 1, REC_OPTIM);
    if (u->o == NULL)
        lua_pushfstring(L, "rec.optim.%s (closed)", rn_optim_name(u->kind));
    else {
        char buf[160];
        snprintf(buf, sizeof buf, "rec.optim.%s: %zu tensors, lr %g, %ld steps",
                 rn_optim_name(u->kind), rn_optim_count(u->o), (double)rn_optim_lr(u->o),
                 rn_optim_steps(u->o));
        lua_pushstring(L, buf);
    }
    return 1;
}

static const luaL_Reg methods[] = {
    {"add", o_add},     {"step", o_step},           {"zero_grad", o_zero_grad}, {"lr", o_lr},
    {"steps", o_steps}, {"grad_norm", o_grad_norm}, {"close", o_close},         {NULL, NULL}};

static const rec_doc_entry method_docs[] = {
    {"add",
     "opt:add(params [, prefix]) adds the parameters of a rec.Params whose names start with "
     "prefix (all without one); opt:add(tensor) or opt:add{t1, t2} adds tensors that require "
     "gradients. Returns opt.",
     "local ps = rec.params(); ps:param('deep.w', {2}); rec.optim.adagrad():add(ps, 'deep.')"},
    {"step",
     "opt:step() updates every parameter from its gradient (only touched rows of embedding "
     "tables), zeroes the gradients and ends the autograd step, so the step's intermediates "
     "can no longer be used (keep a loss with loss:item() first).",
     "local w = rec.tensor({1}, {requires_grad = true})\nlocal opt = rec.optim.sgd{lr = 0.1, "
     "params = w}\n;(w * w):sum():backward(); opt:step(); print(w)  --> tensor 1 {0.8}"},
    {"zero_grad", "opt:zero_grad() zeroes the gradients of the optimizer's parameters.",
     "rec.optim.adam():zero_grad()"},
    {"lr", "opt:lr() is the learning rate the next step uses, after the schedule.",
     "print(rec.optim.adam{schedule = {kind = 'cosine', total = 100, warmup = 10}}:lr())"},
    {"steps", "opt:steps() counts the steps taken.", "print(rec.optim.sgd():steps())"},
    {"grad_norm", "opt:grad_norm() is the global gradient norm seen by the last step.",
     "print(rec.optim.sgd():grad_norm())"},
    {"close", "opt:close() frees the optimizer's state now.",
     "local opt <close> = rec.optim.sgd()"},
    {NULL, NULL, NULL}};

static const char *const common =
    " clip_norm= caps the global gradient norm; schedule={kind='constant'|'linear'|'step'|"
    "'cosine', warmup=, total=, step_size=, gamma=, min_lr=} shapes the learning rate; params= "
    "(a rec.Params, a tensor or a list of tensors) with prefix= adds parameters at once.";

static const luaL_Reg fns[] = {{"sgd", l_sgd},     {"adagrad", l_adagrad}, {"adam", l_adam},
                               {"adamw", l_adamw}, {"ftrl", l_ftrl},       {NULL, NULL}};

void rec_open_optim(lua_State *L)
{
    int rec = lua_gettop(L);
    luaL_newmetatable(L, REC_OPTIM);
    luaL_newlib(L, methods);
    rec_doc_fields(L, -1, "rec.Optimizer", 1, method_docs);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {
        {"__gc", o_gc}, {"__close", o_close}, {"__tostring", o_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pop(L, 1);

    luaL_newlib(L, fns);
    rec_doc_set(L, -1, "rec.optim",
                "rec.optim makes optimizers: sgd, adagrad, adam, adamw and ftrl. Give each the "
                "parameters it updates, by name prefix, so a wide part can use FTRL and a deep "
                "part AdaGrad.",
                "local ps = rec.params(); ps:param('wide.w', {4}); ps:param('deep.w', {4})\n"
                "local wide = rec.optim.ftrl{alpha = 0.1, l1 = 1, params = ps, prefix = 'wide.'}\n"
                "local deep = rec.optim.adagrad{lr = 0.05, params = ps, prefix = 'deep.'}");
    char doc[5][640];
    snprintf(doc[0], sizeof doc[0],
             "rec.optim.sgd{lr=0.01, momentum=0, nesterov=false, weight_decay=0, ...} is "
             "stochastic gradient descent, with PyTorch's momentum and Nesterov forms; "
             "weight_decay adds L2.%s",
             common);
    snprintf(doc[1], sizeof doc[1],
             "rec.optim.adagrad{lr=0.01, eps=1e-10, initial_accumulator=0, weight_decay=0, ...} "
             "scales each coordinate by its accumulated squared gradients; embedding rows update "
             "lazily.%s",
             common);
    snprintf(doc[2], sizeof doc[2],
             "rec.optim.adam{lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0, ...} is "
             "Adam (Kingma & Ba) with bias correction; embedding rows update lazily (LazyAdam); "
             "weight_decay adds L2 to the gradient.%s",
             common);
    snprintf(doc[3], sizeof doc[3],
             "rec.optim.adamw{lr=1e-3, weight_decay=0.01, ...} is Adam with decoupled weight "
             "decay (Loshchilov & Hutter).%s",
             common);
    snprintf(doc[4], sizeof doc[4],
             "rec.optim.ftrl{alpha=0.1, beta=1, l1=0, l2=0, ...} is FTRL-Proximal (McMahan et "
             "al. 2013): per-coordinate rates, and L1 that sets weights to exactly zero.%s",
             common);
    const rec_doc_entry docs[] = {
        {"sgd", doc[0], "local opt = rec.optim.sgd{lr = 0.1, momentum = 0.9, nesterov = true}"},
        {"adagrad", doc[1], "local opt = rec.optim.adagrad{lr = 0.05}"},
        {"adam", doc[2],
         "local opt = rec.optim.adam{lr = 1e-3, schedule = {kind = 'cosine', warmup = 100, "
         "total = 10000}}"},
        {"adamw", doc[3], "local opt = rec.optim.adamw{lr = 1e-3, weight_decay = 0.05}"},
        {"ftrl", doc[4], "local opt = rec.optim.ftrl{alpha = 0.1, l1 = 1.0, l2 = 0.1}"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.optim", 0, docs);
    lua_setfield(L, rec, "optim");
}
