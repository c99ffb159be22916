/* Internal header of the rec module's engine bindings (tensor.c, autograd.c,
 * optim.c): the tensor userdata and the per-state graph.
 *
 * Tensors reach Lua in three kinds:
 *   owned  a persistent tensor the userdata frees (rec.tensor, results of ops
 *          that need no gradient, clones);
 *   param  a parameter of a rec.Params set, kept alive through the userdata's
 *          user value (the set), invalid once the set is closed;
 *   step   an intermediate of the current autograd step (an op result that
 *          requires a gradient), valid until the step ends (opt:step() or
 *          rec.autograd.reset()); using it later is an error, never a crash.
 */
#ifndef REC_ENGINE_LUA_H
#define REC_ENGINE_LUA_H

#include <lua.h>

#include "rec_aux.h"

#include "autograd.h"
#include "tensor.h"

#define REC_TENSOR "rec.Tensor"
#define REC_PARAMS "rec.Params"
#define REC_OPTIM  "rec.Optimizer"

enum { REC_T_OWNED, REC_T_PARAM, REC_T_STEP };

typedef struct {
    rn_params *ps; /* NULL once closed */
} rec_params_ud;

typedef struct {
    rn_tensor *t;         /* NULL once closed */
    int kind;             /* REC_T_* */
    unsigned long gen;    /* step tensors: the graph generation */
    rec_params_ud *owner; /* params: the set (kept alive by the user value) */
} rec_tensor_ud;

/* The tensor at index i, or a Lua error naming argument i when it is not a
 * tensor, is closed, or belongs to a step that ended. */
rn_tensor *rec_check_tensor(lua_State *L, int i);

/* Like rec_check_tensor but nil/none gives NULL. */
rn_tensor *rec_opt_tensor(lua_State *L, int i);

/* Pushes t as a new userdata of kind (owned: the userdata frees it). */
void rec_push_tensor(lua_State *L, rn_tensor *t, int kind);

/* The Lua state's graph (created on first use). Before an op: if no step
 * tensor has been handed to Lua and nothing is on the tape, the arena is
 * reset, so inference loops run in constant memory. */
rn_graph *rec_graph(lua_State *L);

/* Ends the step: resets the graph and releases the anchored inputs. */
void rec_graph_reset(lua_State *L);

/* Wraps the result of an op on g: a NULL result raises the engine error
 * (and clears the graph's sticky error); a result that requires a gradient
 * is pushed as a step tensor and the persistent inputs at Lua indices
 * first..last are anchored until the step ends; any other result is copied
 * into an owned tensor. Returns 1 (values pushed). */
int rec_push_result(lua_State *L, rn_tensor *y, int first, int last);

/* Reads ids (0-based row ids) from a Lua array of integers or an array of
 * such arrays (2-D) at index i into ids, with storage in a userdata pushed
 * on the stack (collected with it). what names the argument in errors. */
void rec_check_ids(lua_State *L, int i, rn_ids *ids, const char *what);

/* Openers of each part, called by rec_open_engine. */
void rec_open_tensor(lua_State *L);
void rec_open_autograd(lua_State *L);
void rec_open_optim(lua_State *L);

/* rec_open_engine (rec.h) calls the three. */

/* Axis from Lua (1-based, negative from the end) to the engine's (0-based). */
int rec_axis(lua_State *L, int i, int def);

/* Option tables, typed options and rec_engine_error: lua/rec_aux.h
 * (included above, so bindings that include this header keep seeing them). */

#endif
