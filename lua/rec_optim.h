/* The one optimizer-spec reader (lua/optim.c), for rec.optim.* and for every
 * trainer (m:fit{optimizer = ..., optimizers = {...}}), so both accept the
 * same options with the same checks:
 *
 *   rn_optim_config c;
 *   rec_optim_spec(L, 7, "fit: optimizer", 0, &c);  // "adam" or {kind = 'sgd', nesterov = true,
 * ...} rn_optim *o = rn_optim_new(&c);                 // the caller owns it
 *
 *   // or a rec.Optimizer made by rec.optim, bound to the model's parameters:
 *   if (rec_optim_test(L, 7)) o = rec_optim_bind(L, 7, 1, &model->pud, "", "fit");
 *
 * An lr (alpha for FTRL) that is NaN, <= 0 or infinite is an error naming the
 * option, in every spec.
 */
#ifndef REC_OPTIM_LUA_H
#define REC_OPTIM_LUA_H

#include <lua.h>

#include "rec_engine.h"

#include "optim.h"

/* Reads the options of rec.optim.<kind> from the table at i into *c (the
 * kind's defaults first; lr_default > 0 replaces the default learning rate).
 * The allowed keys are the kind's plus extra (NULL-terminated, or NULL);
 * fn names the caller in messages. */
void rec_optim_read(lua_State *L, int i, const char *fn, int kind, const char *const *extra,
                    float lr_default, rn_optim_config *c);

/* Prints (through print) a warning when lr is far above what optimizer kind
 * (an RN_* kind, or -1 for a model's default optimizers) can follow: above 1
 * for the adaptive ones, above 10 for sgd. lr = 1e6 trains on with a loss of
 * 1e12 per epoch (reliability review B.3), so it is worth a word, not an
 * error. rec_optim_read and rec_optim_spec call it. */
void rec_optim_warn_lr(lua_State *L, const char *fn, int kind, double lr);

/* A trainer's spec at i: a kind name ("adam") or a table {kind = 'sgd',
 * <the options rec.optim.sgd takes>} (kind defaults to adam). */
void rec_optim_spec(lua_State *L, int i, const char *fn, float lr_default, rn_optim_config *c);

/* The optimizer of the rec.Optimizer at i, or NULL when the value at i is not
 * one; a closed one is an argument error. */
rn_optim *rec_optim_test(lua_State *L, int i);

/* Binds the rec.Optimizer at i to a model's parameter set pud, owned by the
 * userdata at index owner: an optimizer with no parameters yet gets pud's
 * parameters under prefix (and keeps the owner alive, refusing to step once
 * it is closed); one that already holds parameters must hold only pud's
 * (tensors from m:params(), or an earlier bind), else an error naming the
 * problem. Returns the optimizer (borrowed: the rec.Optimizer owns it). */
rn_optim *rec_optim_bind(lua_State *L, int i, int owner, rec_params_ud *pud, const char *prefix,
                         const char *fn);

/* The rec.Optimizer at i's busy count: while it is > 0, opt:close() is an
 * error ("cannot close the optimizer while fit is using it"). */
int *rec_optim_busy(lua_State *L, int i);

#endif
