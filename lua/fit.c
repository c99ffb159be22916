/* m:fit: the Lua face of the engine's training loop (engine/models/train.h)
 * for rec.Model: the fit options, the optimizers (read by the one spec reader
 * of rec_optim.h, so fit takes every option rec.optim.* takes, or a
 * rec.Optimizer), the progress bar (engine/ never prints), the callbacks
 * (on_step, on_epoch, plot) run under lua_pcall so an error in them ends fit
 * cleanly, and the history it returns.
 *
 * What fit uses is held while it runs: the model, the rows it trains on and
 * validates with (rec.CtrData) and any rec.Optimizer given. Closing one of
 * them from a callback is an error, and so is a second fit on the model; a
 * guard in a to-be-closed slot releases them on every way out, errors
 * included. (A rec.Dataset is read into a rec.CtrData copy first, so closing
 * it from a callback is harmless.) */
#include "rec_models.h"
#include "rec_aux.h"
#include "rec_optim.h"
#include "host.h"

#include "error.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lauxlib.h>

#define FIT_MAX_OPTIMS 8

/* ---- progress and callbacks ----------------------------------------------------------- */

typedef struct {
    lua_State *L;
    int opts;                    /* index of the options table */
    int on_step, on_epoch, plot; /* stack indices of the callbacks, or 0 */
    int progress;                /* print a progress bar */
    int tty;                     /* stdout is a terminal: redraw in place */
    int history;                 /* index of the history table */
    int failed;                  /* a callback raised: its message is at the top of the stack */
    double t0, last_draw;
    /* gated kinds with plot: the batch-mean gates of gate_rows, the table at
     * index gates ({values, rows, cols, epoch}) handed to plot, or 0 */
    int gates;
    rn_model *m;
    rn_samples gate_rows;
} fit_state;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* "epoch 1/3 [=========>          ] 12800/20000  41.2k samples/s  loss 0.4521  ETA 0:02" */
static void bar(char *buf, size_t size, const rn_fit_progress *p, double elapsed)
{
    char cells[31];
    int w = 30, filled = p->total ? (int)((double)w * (double)p->seen / (double)p->total) : w;
    for (int i = 0; i < w; i++)
        cells[i] = i < filled ? '=' : (i == filled ? '>' : ' ');
    cells[w] = '\0';
    double rate = elapsed > 0 ? (double)p->seen / elapsed : 0;
    double eta = rate > 0 ? (double)(p->total - p->seen) / rate : 0;
    snprintf(buf, size, "epoch %d/%d [%s] %zu/%zu  %.1fk samples/s  loss %.4f  %s %d:%02d",
             p->epoch, p->epochs, cells, p->seen, p->total, rate / 1000.0, p->epoch_loss,
             p->seen == p->total ? "took" : "ETA", (int)(p->seen == p->total ? elapsed : eta) / 60,
             (int)(p->seen == p->total ? elapsed : eta) % 60);
}

/* After a callback failed: if Ctrl-C stopped it (the host's hook raised a bare
 * "interrupted!" inside it), replaces that message at the top of the stack by
 * one that says which callback, when, and what the model keeps, as the
 * engine's own message does between two steps. */
static void name_interrupt(fit_state *s, int fn, const rn_fit_progress *p, const rn_metrics *valid)
{
    lua_State *L = s->L;
    volatile sig_atomic_t *flag = rec_host_interrupt_flag(L);
    if (flag == NULL || *flag == 0) return;
    rec_host_interrupt_reported(L);
    const char *name = fn == s->plot ? "plot" : fn == s->on_step ? "on_step" : "on_epoch";
    int after_epoch = fn == s->on_epoch || valid != NULL;
    char msg[200];
    if (after_epoch)
        snprintf(msg, sizeof msg,
                 "interrupted (Ctrl-C) in fit's %s callback after epoch %d (the model keeps "
                 "step %ld)",
                 name, p->epoch, p->step);
    else
        snprintf(msg, sizeof msg,
                 "interrupted (Ctrl-C) in fit's %s callback at epoch %d, step %ld (the model "
                 "keeps step %ld)",
                 name, p->epoch, p->step, p->step);
    lua_pop(L, 1);
    lua_pushstring(L, msg);
}

/* Calls the function at index fn with the progress table (and extra) under
 * pcall; returns 0 to stop (false returned or an error, kept on the stack). */
static int call_back(fit_state *s, int fn, const rn_fit_progress *p, const rn_metrics *valid, int plot)
{
    lua_State *L = s->L;
    lua_pushvalue(L, fn);
    int nargs = 1;
    if (plot) {
        /* plot(step, loss) each step; plot(step, epoch_loss, valid) after an epoch;
         * gated kinds: plot(step, loss, valid or nil, gates) */
        lua_pushinteger(L, p->step);
        lua_pushnumber(L, valid != NULL ? (lua_Number)p->epoch_loss : (lua_Number)p->loss);
        nargs = 2;
        if (valid != NULL) {
            rec_push_eval(L, valid);
            nargs = 3;
        }
        if (s->gates) {
            if (valid == NULL) lua_pushnil(L);
            lua_pushvalue(L, s->gates);
            nargs = 4;
        }
    } else {
        lua_createtable(L, 0, 8);
        lua_pushinteger(L, p->epoch);
        lua_setfield(L, -2, "epoch");
        lua_pushinteger(L, p->step);
        lua_setfield(L, -2, "step");
        lua_pushinteger(L, (lua_Integer)p->batch);
        lua_setfield(L, -2, "batch");
        lua_pushinteger(L, (lua_Integer)p->n_batches);
        lua_setfield(L, -2, "batches");
        lua_pushnumber(L, (lua_Number)p->loss);
        lua_setfield(L, -2, "loss");
        lua_pushnumber(L, p->epoch_loss);
        lua_setfield(L, -2, "epoch_loss");
        if (valid != NULL) {
            rec_push_eval(L, valid);
            lua_setfield(L, -2, "valid");
        }
    }
    if (lua_pcall(L, nargs, 1, 0) != LUA_OK) {
        s->failed = 1; /* the message stays on the stack */
        name_interrupt(s, fn, p, valid);
        return 0;
    }
    int go = !(lua_isboolean(L, -1) && !lua_toboolean(L, -1));
    lua_pop(L, 1);
    return go;
}

static int fit_step(void *ud, const rn_fit_progress *p)
{
    fit_state *s = ud;
    if (s->failed) return 0;
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
    if (s->plot && !call_back(s, s->plot, p, NULL, 1)) return 0;
    if (s->on_step && !call_back(s, s->on_step, p, NULL, 0)) return 0;
    return 1;
}

/* The gates table's values and epoch from the model as it is now; 0 (the
 * error message on top, as a failed callback's) when the engine fails. */
static int gates_update(fit_state *s, int epoch)
{
    lua_State *L = s->L;
    rn_gate_stats st;
    if (rn_model_gate_stats(s->m, &s->gate_rows, 1024, &st) != RN_OK) {
        lua_pushfstring(L, "fit: the gates for plot: %s", rn_error());
        s->failed = 1;
        return 0;
    }
    rec_push_gate_mean(L, s->m, &st);
    lua_getfield(L, -1, "values");
    lua_setfield(L, s->gates, "values");
    lua_pop(L, 1);
    lua_pushinteger(L, epoch);
    lua_setfield(L, s->gates, "epoch");
    return 1;
}

static int fit_epoch(void *ud, const rn_fit_progress *p, const rn_metrics *valid)
{
    fit_state *s = ud;
    lua_State *L = s->L;
    if (s->failed) return 0; /* keep the callback's error on top of the stack */
    if (s->progress) {
        char line[640];
        bar(line, sizeof line, p, now() - s->t0);
        size_t len = strlen(line);
        for (int i = 0; valid != NULL && i < valid->n && len + 48 < sizeof line; i++) {
            snprintf(line + len, sizeof line - len, "%s%s %.4f", i ? " " : "  valid ",
                     valid->m[i].name, valid->m[i].value);
            len = strlen(line);
        }
        if (s->tty) fputs("\r\033[K", stdout), fflush(stdout);
        lua_getglobal(L, "print"); /* through print, so notebooks capture it */
        lua_pushstring(L, line);
        /* a failure (Ctrl-C's hook) loses the line only: the engine's next poll,
           or the check after fit, reports the interrupt */
        if (lua_pcall(L, 1, 0, 0) != LUA_OK) lua_pop(L, 1);
    }
    /* history: loss per epoch, and valid metrics */
    lua_getfield(L, s->history, "loss");
    lua_pushnumber(L, p->epoch_loss);
    lua_rawseti(L, -2, p->epoch);
    lua_pop(L, 1);
    if (valid != NULL) {
        lua_getfield(L, s->history, "valid");
        rec_push_eval(L, valid);
        lua_rawseti(L, -2, p->epoch);
        lua_pop(L, 1);
    }
    s->t0 = now();
    if (s->gates && !gates_update(s, p->epoch)) return 0;
    if (s->plot && valid != NULL && !call_back(s, s->plot, p, valid, 1)) return 0;
    if (s->on_epoch && !call_back(s, s->on_epoch, p, valid, 0)) return 0;
    return 1;
}

/* ---- what fit holds ---------------------------------------------------------------- */

/* Busy counters held by one fit, released once by __close (or __gc). */
typedef struct {
    int *held[4 + FIT_MAX_OPTIMS];
    int n;
} fit_guard;

static void release(fit_guard *g)
{
    for (int k = 0; k < g->n; k++)
        (*g->held[k])--;
    g->n = 0;
}

static int guard_release(lua_State *L)
{
    release(lua_touserdata(L, 1));
    return 0;
}

static void hold(fit_guard *g, int *busy)
{
    (*busy)++;
    g->held[g->n++] = busy;
}

/* ---- optimizers ----------------------------------------------------------------------- */

/* The optimizers fit steps: made from specs (owned, freed by __gc / at the
 * end) or a rec.Optimizer's (borrowed). */
typedef struct {
    rn_optim *o[FIT_MAX_OPTIMS];
    int owned[FIT_MAX_OPTIMS];
    int n;
} optim_set;

static void optims_free(optim_set *s)
{
    for (int i = 0; i < s->n; i++)
        if (s->owned[i]) rn_optim_free(s->o[i]);
    s->n = 0;
}

static int optims_gc(lua_State *L)
{
    optims_free(lua_touserdata(L, 1));
    return 0;
}

/* Adds the optimizer given at index i (a spec or a rec.Optimizer) for the
 * model's parameters under prefix. */
static void add_optim(lua_State *L, optim_set *os, fit_guard *g, int i, model_ud *u,
                      const char *prefix, float lr, const char *fn)
{
    i = lua_absindex(L, i);
    if (os->n == FIT_MAX_OPTIMS) luaL_error(L, "%s: at most %d optimizers", fn, FIT_MAX_OPTIMS);
    if (rec_optim_test(L, i) != NULL) {
        if (lr > 0)
            luaL_error(L,
                       "%s: lr = ... cannot change a rec.Optimizer's learning rate: give it "
                       "to rec.optim instead",
                       fn);
        for (int k = 0; k < os->n; k++)
            if (!os->owned[k] && os->o[k] == rec_optim_test(L, i))
                luaL_error(L, "%s: the same rec.Optimizer is given twice", fn);
        os->o[os->n] = rec_optim_bind(L, i, 1, &u->pud, prefix, fn);
        os->owned[os->n++] = 0;
        hold(g, rec_optim_busy(L, i));
        return;
    }
    rn_optim_config c;
    rec_optim_spec(L, i, fn, lr, &c);
    rn_optim *o = rn_optim_new(&c);
    if (o == NULL) rec_engine_error(L);
    os->o[os->n] = o;
    os->owned[os->n++] = 1; /* freed by the set, even if adding fails below */
    if (rn_optim_add(o, rn_model_params(u->m), prefix) != RN_OK) rec_engine_error(L);
}

/* ---- m:fit ----------------------------------------------------------------------------- */

static const char *const fit_keys[] = {
    "epochs", "batch",   "optimizer", "optimizers", "lr",   "valid",    "early_stop",
    "watch",  "seed",    "shuffle",   "on_step",    "on_epoch", "plot", "progress", NULL};

/* m:fit(data, {epochs=, batch=, optimizer=, optimizers=, lr=, valid=, early_stop=,
 * seed=, shuffle=, on_step=, on_epoch=, plot=, progress=}) -> history
 *
 * Stack: 1 model, 2 data, 3 options, 4 valid, 5 optimizer set, 6 optimizers,
 * 7 optimizer, 8 on_step, 9 on_epoch, 10 plot, 11 history, 12 guard. */
int rec_model_fit(lua_State *L)
{
    model_ud *u = rec_model_check(L, 1);
    if (u->busy > 0)
        return luaL_error(L, "fit: the model is already training (fit was called again from "
                             "one of its callbacks)");
    rn_model *m = u->m;
    int T = rn_model_config_of(m)->seq_len;
    rn_samples *data = rec_samples_arg(L, 2, &u->labels, T);
    lua_settop(L, 3);
    if (lua_isnil(L, 3)) {
        lua_newtable(L);
        lua_replace(L, 3);
    }
    luaL_checktype(L, 3, LUA_TTABLE);
    rec_check_options(L, 3, "fit", fit_keys);
    rn_fit_config fc = rn_fit_defaults();
    fc.epochs = (int)rec_opt_integer(L, 3, "epochs", 1, 1, 1000000);
    fc.batch_size = (size_t)rec_opt_integer(L, 3, "batch", 256, 1, 16777216);
    fc.seed = (uint64_t)rec_opt_integer(L, 3, "seed", 1, LUA_MININTEGER, LUA_MAXINTEGER);
    fc.shuffle = rec_opt_bool(L, 3, "shuffle", 1);
    fc.patience = (int)rec_opt_integer(L, 3, "early_stop", 0, 0, 1000000);
    fc.watch = rec_opt_string(L, 3, "watch", NULL); /* alive in the options table */
    float lr = (float)rec_opt_positive(L, 3, "lr", 0); /* 0: each optimizer's default */

    lua_getfield(L, 3, "valid"); /* 4 */
    if (!lua_isnil(L, 4)) fc.valid = rec_samples_arg(L, 4, &u->labels, T);

    /* the optimizers, owned by a userdata so that an error frees them */
    optim_set *os = lua_newuserdatauv(L, sizeof *os, 0); /* 5 */
    os->n = 0;
    lua_createtable(L, 0, 1);
    lua_pushcfunction(L, optims_gc);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, 5);
    lua_getfield(L, 3, "optimizers"); /* 6: {prefix = spec or rec.Optimizer, ...} */
    lua_getfield(L, 3, "optimizer");  /* 7 */
    lua_getfield(L, 3, "on_step");    /* 8 */
    lua_getfield(L, 3, "on_epoch");   /* 9 */
    lua_getfield(L, 3, "plot");       /* 10 */
    lua_createtable(L, 0, 4);         /* 11: history */
    lua_newtable(L);
    lua_setfield(L, -2, "loss");
    lua_newtable(L);
    lua_setfield(L, -2, "valid");

    /* 12: the guard, closed on every way out; what fit uses is held from here */
    fit_guard *g = lua_newuserdatauv(L, sizeof *g, 0);
    g->n = 0;
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, guard_release);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, guard_release);
    lua_setfield(L, -2, "__gc");
    lua_setmetatable(L, 12);
    lua_toclose(L, 12);
    hold(g, &u->busy);
    hold(g, &((data_ud *)lua_touserdata(L, 2))->busy);
    if (fc.valid != NULL) hold(g, &((data_ud *)lua_touserdata(L, 4))->busy);

    if (!lua_isnil(L, 6) && !lua_isnil(L, 7))
        return luaL_error(L, "fit: give optimizer = ... or optimizers = {...}, not both");
    if (!lua_isnil(L, 6)) {
        if (!lua_istable(L, 6))
            return luaL_error(L, "fit: optimizers = {prefix = optimizer, ...}, got %s",
                              luaL_typename(L, 6));
        lua_pushnil(L);
        while (lua_next(L, 6)) {
            if (lua_type(L, -2) != LUA_TSTRING)
                return luaL_error(L, "fit: optimizers = {prefix = optimizer, ...}: keys are name "
                                     "prefixes such as wide or deep");
            char prefix[64], fn[96];
            const char *k = lua_tostring(L, -2);
            if (strlen(k) > 60) return luaL_error(L, "fit: optimizers: prefix '%s' is too long", k);
            snprintf(prefix, sizeof prefix, "%s%s", k, k[0] && k[strlen(k) - 1] != '.' ? "." : "");
            snprintf(fn, sizeof fn, "fit: optimizers.%s", k);
            add_optim(L, os, g, -1, u, prefix, lr, fn);
            lua_pop(L, 1);
        }
    } else if (!lua_isnil(L, 7)) {
        add_optim(L, os, g, 7, u, "", lr, "fit: optimizer");
    } else {
        rec_optim_warn_lr(L, "fit", -1, (double)lr);
        if (rn_model_default_optims(m, lr > 0 ? lr : 0.005f, 0.02f, os->o, &os->n) != RN_OK)
            return rec_engine_error(L);
        for (int k = 0; k < os->n; k++)
            os->owned[k] = 1;
    }

    fit_state s;
    memset(&s, 0, sizeof s);
    s.L = L;
    s.opts = 3;
    if (!lua_isnil(L, 8)) luaL_checktype(L, 8, LUA_TFUNCTION), s.on_step = 8;
    if (!lua_isnil(L, 9)) luaL_checktype(L, 9, LUA_TFUNCTION), s.on_epoch = 9;
    if (lua_isboolean(L, 10) && lua_toboolean(L, 10)) {
        /* plot = true: the hook rec.models.plot_hook, when one is installed */
        lua_getfield(L, LUA_REGISTRYINDEX, "rec.models");
        if (lua_istable(L, -1))
            lua_getfield(L, -1, "plot_hook");
        else
            lua_pushnil(L);
        lua_replace(L, 10);
        lua_pop(L, 1);
    }
    if (lua_isfunction(L, 10))
        s.plot = 10;
    else if (!lua_isnil(L, 10) && !lua_isboolean(L, 10))
        return luaL_error(L, "fit: plot must be true, false or a function(step, loss)");
    if (s.plot && rn_model_has_gates(m)) {
        /* 13: the gates plot draws, of the validation rows (else the first training rows) */
        size_t n = data->n < 2048 ? data->n : 2048;
        s.gate_rows = fc.valid != NULL ? *fc.valid : rn_samples_view(data, 0, n);
        s.m = m;
        lua_settop(L, 12);
        rn_gate_stats st;
        if (rn_model_gate_stats(m, &s.gate_rows, 1024, &st) != RN_OK) return rec_engine_error(L);
        rec_push_gate_mean(L, m, &st);
        lua_pushinteger(L, 0);
        lua_setfield(L, -2, "epoch");
        s.gates = 13;
    }
    s.progress = rec_opt_bool(L, 3, "progress", 1);
    s.tty = isatty(fileno(stdout));
    s.history = 11;
    s.t0 = s.last_draw = now();
    fc.on_step = fit_step;
    fc.on_epoch = fit_epoch;
    fc.ud = &s;
    rn_fit_result res;
    int rc = rn_model_fit(m, data, os->o, os->n, &fc, &res);
    if (s.progress && s.tty && rc != RN_OK) fputs("\n", stdout);
    if (rc == RN_EINTR) rec_host_interrupt_reported(L); /* before the guard's __close runs */
    if (rc == RN_OK && !s.failed) { /* Ctrl-C after the last poll: say that fit completed */
        char done[120];
        snprintf(done, sizeof done, "fit had finished (%d epochs; the model keeps step %ld)",
                 res.epochs_run, res.steps);
        rec_host_completed(L, done);
    }
    optims_free(os); /* now, not at the next collection */
    /* released from C first: a hook firing at the __close call (Ctrl-C) could
       otherwise leave the model "already training" for ever */
    release(g);
    if (s.failed) { /* the callback's error, at the top */
        lua_replace(L, 5); /* below the guard, which the error closes */
        lua_settop(L, 12);
        lua_closeslot(L, 12);
        lua_pushvalue(L, 5);
        return lua_error(L);
    }
    lua_settop(L, 12);
    lua_closeslot(L, 12); /* released: the model may be closed or trained again */
    if (rc != RN_OK) return rec_engine_error(L);
    lua_pushvalue(L, 11);
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

const char rec_fit_doc[] =
    "m:fit(data, opts) trains on a rec.CtrData or a rec.Dataset: epochs, batch (256), "
    "optimizer: a name ('adam'), a spec {kind = 'sgd', lr = 0.1, momentum = 0.9, nesterov = "
    "true} taking every option of rec.optim.<kind> (schedule too), or a rec.Optimizer made by "
    "rec.optim without params = (fit binds it to the model's parameters and it keeps its state "
    "across fits; one holding other parameters is an error); default Adam lr 0.005, and for "
    "wide_deep FTRL on wide.* + AdaGrad on deep.*. optimizers = {wide = {kind = 'ftrl', l1 = 1}, "
    "deep = 'adagrad'} gives one per name prefix. lr (a finite number > 0) is the default "
    "learning rate of the specs; valid (data evaluated each epoch: every task's named metrics, "
    "auc, logloss, gauc, rmse, or ctr.auc, ... for several tasks; moe, mmoe, cgc, ple add "
    "gate_entropy.<task> and gate_entropy_of_mean.<task>), early_stop (epochs without a "
    "better watch metric; training ends with the best epoch's weights), watch (the metric early "
    "stopping follows, 'auc' by default: the first metric; 'logloss' and 'rmse' are minimised), "
    "seed, shuffle, on_step(progress) and on_epoch(progress) (return false "
    "to stop), plot (a function(step, loss [, valid [, gates]]), or true for rec.models.plot_hook: "
    "a live figure of the loss and the validation AUC or RMSE, and for moe, mmoe, cgc and ple "
    "the gates' heatmap, tasks x experts averaged over the validation rows, each epoch), "
    "progress (the bar; default true). Prints a "
    "progress bar per epoch (samples/s, loss, ETA). Ctrl-C stops between two steps with an "
    "error, the model keeping the last whole step; a NaN loss stops naming the step. While fit "
    "runs, its callbacks cannot close the model, the data or the optimizer, nor fit the model "
    "again. Returns the history {loss = {per epoch}, valid = {...}, steps, epochs, stopped, and with "
    "validation best_epoch and restored}.";
const char rec_fit_example[] =
    "local d = rec.data.synthetic_ctr{rows = 4000}\nlocal train, test = d:split(0.8)\n"
    "local m = rec.models.fm{data = d, embed_dim = 4}\n"
    "m:fit(train, {epochs = 2, valid = test, optimizer = {kind = 'sgd', lr = 0.1, momentum = "
    "0.9, nesterov = true}})";
