/* rec.optim: the engine's optimizers (SGD, AdaGrad, Adam, AdamW, FTRL) as
 * rec.Optimizer userdata. An optimizer keeps the parameter sets and tensors
 * it updates alive through its user value, and refuses to step once one of
 * them has been closed. */
#include "rec_engine.h"
#include "host.h"
#include "rec.h"

#include "error.h"
#include "optim.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

typedef struct {
    rn_optim *o; /* NULL once closed */
    int kind;
} optim_ud;

static optim_ud *check_optim(lua_State *L, int i)
{
    optim_ud *u = luaL_checkudata(L, i, REC_OPTIM);
    if (u->o == NULL) luaL_argerror(L, i, "the optimizer is closed");
    return u;
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
    if (rc != RN_OK) luaL_error(L, "%s", rn_error());
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, i);
    lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
    lua_pop(L, 1);
}

/* Nonzero when every remembered source is still open. */
static int sources_open(lua_State *L)
{
    lua_getiuservalue(L, 1, 1);
    int n = (int)lua_rawlen(L, -1), ok = 1;
    for (int k = 1; ok && k <= n; k++) {
        lua_rawgeti(L, -1, k);
        rec_params_ud *ps = luaL_testudata(L, -1, REC_PARAMS);
        rec_tensor_ud *t = luaL_testudata(L, -1, REC_TENSOR);
        if ((ps && ps->ps == NULL) ||
            (t && (t->t == NULL || (t->kind == REC_T_PARAM && (!t->owner || !t->owner->ps)))))
            ok = 0;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    return ok;
}

static const char *const schedule_opts[] = {"kind",  "warmup", "total", "step_size",
                                            "gamma", "min_lr", NULL};

static void read_schedule(lua_State *L, int i, rn_schedule *s)
{
    static const char *const kinds[] = {"constant", "linear", "step", "cosine", NULL};
    luaL_checktype(L, i, LUA_TTABLE);
    rec_check_options(L, i, "schedule", schedule_opts);
    lua_getfield(L, i, "kind");
    s->kind = lua_isnil(L, -1) ? RN_LR_CONSTANT : luaL_checkoption(L, -1, NULL, kinds);
    lua_pop(L, 1);
    s->warmup = (long)rec_opt_number(L, i, "warmup", 0);
    s->total = (long)rec_opt_number(L, i, "total", 0);
    s->step_size = (long)rec_opt_number(L, i, "step_size", 1);
    s->gamma = (float)rec_opt_number(L, i, "gamma", 0.1);
    s->min_lr = (float)rec_opt_number(L, i, "min_lr", 0);
}

static int make(lua_State *L, int kind)
{
    static const char *const sgd[] = {"lr",           "momentum",  "nesterov",
                                      "weight_decay", "clip_norm", "schedule",
                                      "params",       "prefix",    NULL};
    static const char *const adagrad[] = {"lr",           "eps",       "initial_accumulator",
                                          "weight_decay", "clip_norm", "schedule",
                                          "params",       "prefix",    NULL};
    static const char *const adam[] = {"lr",        "beta1",    "beta2",  "eps",    "weight_decay",
                                       "clip_norm", "schedule", "params", "prefix", NULL};
    static const char *const ftrl[] = {"alpha",    "beta",   "l1",     "l2", "clip_norm",
                                       "schedule", "params", "prefix", NULL};
    const char *const *known = kind == RN_SGD       ? sgd
                               : kind == RN_ADAGRAD ? adagrad
                               : kind == RN_FTRL    ? ftrl
                                                    : adam;
    char fn[32];
    snprintf(fn, sizeof fn, "rec.optim.%s", rn_optim_name(kind));
    lua_settop(L, 1);
    if (lua_isnone(L, 1) || lua_isnil(L, 1)) {
        lua_newtable(L);
        lua_replace(L, 1);
    }
    rec_check_options(L, 1, fn, known);
    rn_optim_config c = rn_optim_defaults(kind);
    c.lr = (float)rec_opt_number(L, 1, kind == RN_FTRL ? "alpha" : "lr", (double)c.lr);
    c.momentum = (float)rec_opt_number(L, 1, "momentum", 0);
    c.nesterov = rec_opt_bool(L, 1, "nesterov", 0);
    c.weight_decay = (float)rec_opt_number(L, 1, "weight_decay", (double)c.weight_decay);
    c.clip_norm = (float)rec_opt_number(L, 1, "clip_norm", 0);
    c.beta1 = (float)rec_opt_number(L, 1, "beta1", (double)c.beta1);
    c.beta2 = (float)rec_opt_number(L, 1, "beta2", (double)c.beta2);
    c.eps = (float)rec_opt_number(L, 1, "eps", (double)c.eps);
    c.initial_accumulator = (float)rec_opt_number(L, 1, "initial_accumulator", 0);
    c.beta = (float)rec_opt_number(L, 1, "beta", (double)c.beta);
    c.l1 = (float)rec_opt_number(L, 1, "l1", 0);
    c.l2 = (float)rec_opt_number(L, 1, "l2", 0);
    lua_getfield(L, 1, "schedule"); /* 2 */
    if (!lua_isnil(L, 2)) read_schedule(L, 2, &c.schedule);
    lua_getfield(L, 1, "params"); /* 3 */
    lua_getfield(L, 1, "prefix"); /* 4 */
    const char *prefix = luaL_optstring(L, 4, NULL);

    optim_ud *u = lua_newuserdatauv(L, sizeof *u, 1); /* 5 */
    u->o = NULL;
    u->kind = kind;
    luaL_setmetatable(L, REC_OPTIM);
    lua_newtable(L);
    lua_setiuservalue(L, 5, 1);
    u->o = rn_optim_new(&c);
    if (u->o == NULL) return luaL_error(L, "%s", rn_error());
    lua_replace(L, 1); /* the optimizer at 1 for add_source; options are read */
    if (!lua_isnil(L, 3)) add_source(L, u, 3, prefix);
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
    if (rc != RN_OK) return luaL_error(L, "%s", rn_error());
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

static int o_close(lua_State *L)
{
    optim_ud *u = luaL_checkudata(L, 1, REC_OPTIM);
    rn_optim_free(u->o);
    u->o = NULL;
    return 0;
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
        {"__gc", o_close}, {"__close", o_close}, {"__tostring", o_tostring}, {NULL, NULL}};
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
