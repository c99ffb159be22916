/* The ops and losses from Lua (rec.nn, rec.loss), tensor arithmetic
 * (a + b, a * b, ...), backward and the autograd step (rec.autograd).
 *
 * Each op runs on the Lua state's graph (rec_engine.h). A result that needs a
 * gradient lives until the step ends (opt:step() or rec.autograd.reset());
 * any other result is an ordinary tensor. Axes count from 1 as in Lua
 * (negative from the end); ids are 0-based rows, as the data holds them. */
#include "rec_aux.h"
#include "rec_engine.h"
#include "host.h"
#include "rec.h"

#include "error.h"
#include "ops.h"

#include <lauxlib.h>

/* A tensor argument, or a number turned into a one-element step constant. */
static rn_tensor *operand(lua_State *L, rn_graph *g, int i)
{
    if (lua_type(L, i) == LUA_TNUMBER) {
        float v = (float)lua_tonumber(L, i);
        rn_tensor *c = rn_graph_tensor(g, 1, (const int[]){1}, &v);
        if (c == NULL) luaL_error(L, "%s", rn_error());
        return c;
    }
    return rec_check_tensor(L, i);
}

/* ---- elementwise and linear algebra ------------------------------------------- */

#define BINARY(fn, op)                                                                             \
    static int fn(lua_State *L)                                                                    \
    {                                                                                              \
        rn_graph *g = rec_graph(L);                                                                \
        rn_tensor *a = operand(L, g, 1), *b = operand(L, g, 2);                                    \
        return rec_push_result(L, op(g, a, b), 1, 2);                                              \
    }
BINARY(l_add, rn_add)
BINARY(l_sub, rn_sub)
BINARY(l_mul, rn_mul)
BINARY(l_div, rn_div)

static int l_unm(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    return rec_push_result(L, rn_scale(rec_graph(L), x, -1.0f), 1, 1);
}

static int l_scale(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    float s = (float)luaL_checknumber(L, 2);
    return rec_push_result(L, rn_scale(rec_graph(L), x, s), 1, 1);
}

/* matmul(a, b [, {trans_a=, trans_b=}]) */
static int l_matmul(lua_State *L)
{
    static const char *const known[] = {"trans_a", "trans_b", NULL};
    rn_tensor *a = rec_check_tensor(L, 1), *b = rec_check_tensor(L, 2);
    rec_check_options(L, 3, "matmul", known);
    int ta = rec_opt_bool(L, 3, "trans_a", 0), tb = rec_opt_bool(L, 3, "trans_b", 0);
    return rec_push_result(L, rn_matmul(rec_graph(L), a, b, ta, tb), 1, 2);
}

static int reduce(lua_State *L, int mean)
{
    static const char *const known[] = {"keepdim", NULL};
    rn_tensor *x = rec_check_tensor(L, 1);
    rn_graph *g = rec_graph(L);
    if (lua_isnoneornil(L, 2))
        return rec_push_result(L, mean ? rn_mean_all(g, x) : rn_sum_all(g, x), 1, 1);
    int axis = rec_axis(L, 2, 1);
    rec_check_options(L, 3, mean ? "mean" : "sum", known);
    int keep = rec_opt_bool(L, 3, "keepdim", 0);
    return rec_push_result(L, mean ? rn_mean(g, x, axis, keep) : rn_sum(g, x, axis, keep), 1, 1);
}

static int l_sum(lua_State *L)
{
    return reduce(L, 0);
}

static int l_mean(lua_State *L)
{
    return reduce(L, 1);
}

static int l_reshape(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int n = (int)lua_rawlen(L, 2), shape[RN_MAX_DIMS];
    luaL_argcheck(L, n >= 1 && n <= RN_MAX_DIMS, 2, "a shape has 1 to 4 sizes (one may be -1)");
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, 2, k + 1);
        shape[k] = (int)luaL_checkinteger(L, -1);
        lua_pop(L, 1);
    }
    return rec_push_result(L, rn_reshape(rec_graph(L), x, n, shape), 1, 1);
}

static int l_transpose(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    int a0 = rec_axis(L, 2, -2), a1 = rec_axis(L, 3, -1);
    return rec_push_result(L, rn_transpose(rec_graph(L), x, a0, a1), 1, 1);
}

/* concat({a, b, ...}, axis) */
static int l_concat(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int n = (int)lua_rawlen(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 64, 1, "a list of 1 to 64 tensors");
    int axis = rec_axis(L, 2, 1);
    lua_settop(L, 2);
    rn_tensor *xs[64];
    for (int k = 0; k < n; k++) { /* spread onto the stack: checks and anchors by index */
        lua_rawgeti(L, 1, k + 1);
        xs[k] = rec_check_tensor(L, 3 + k);
    }
    return rec_push_result(L, rn_concat(rec_graph(L), n, xs, axis), 3, 2 + n);
}

/* slice(x, axis, start, len): start counts from 1 */
static int l_slice(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    int axis = rec_axis(L, 2, 1);
    int start = (int)luaL_checkinteger(L, 3) - 1, len = (int)luaL_checkinteger(L, 4);
    return rec_push_result(L, rn_slice(rec_graph(L), x, axis, start, len), 1, 1);
}

/* split(x, axis, {sizes}) -> the pieces, as several results */
static int l_split(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    int axis = rec_axis(L, 2, 1);
    luaL_checktype(L, 3, LUA_TTABLE);
    int n = (int)lua_rawlen(L, 3);
    luaL_argcheck(L, n >= 1 && n <= 64, 3, "a list of 1 to 64 sizes");
    int sizes[64];
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, 3, k + 1);
        sizes[k] = (int)luaL_checkinteger(L, -1);
        lua_pop(L, 1);
    }
    rn_graph *g = rec_graph(L);
    rn_tensor *out[64];
    if (rn_split(g, x, axis, n, sizes, out) != RN_OK) return rec_push_result(L, NULL, 0, 0);
    luaL_checkstack(L, n, "split");
    for (int k = 0; k < n; k++)
        rec_push_result(L, out[k], 1, 1);
    return n;
}

static int l_gather_rows(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    rn_ids ids;
    rec_check_ids(L, 2, &ids, "gather_rows");
    return rec_push_result(L, rn_gather_rows(rec_graph(L), x, &ids), 1, 1);
}

/* ---- activations -------------------------------------------------------------- */

#define UNARY(fn, op)                                                                              \
    static int fn(lua_State *L)                                                                    \
    {                                                                                              \
        rn_tensor *x = rec_check_tensor(L, 1);                                                     \
        return rec_push_result(L, op(rec_graph(L), x), 1, 1);                                      \
    }
UNARY(l_relu, rn_relu)
UNARY(l_sigmoid, rn_sigmoid)
UNARY(l_tanh, rn_tanh)
UNARY(l_softplus, rn_softplus)
UNARY(l_exp, rn_exp)
UNARY(l_log, rn_log)
UNARY(l_fm, rn_fm)
UNARY(l_pairwise, rn_pairwise)

static int l_leaky_relu(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    float slope = (float)luaL_optnumber(L, 2, 0.01);
    return rec_push_result(L, rn_leaky_relu(rec_graph(L), x, slope), 1, 1);
}

static int l_prelu(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1), *alpha = rec_check_tensor(L, 2);
    return rec_push_result(L, rn_prelu(rec_graph(L), x, alpha), 1, 2);
}

static int l_softmax(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    return rec_push_result(L, rn_softmax(rec_graph(L), x, rec_axis(L, 2, -1)), 1, 1);
}

static int l_log_softmax(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    return rec_push_result(L, rn_log_softmax(rec_graph(L), x, rec_axis(L, 2, -1)), 1, 1);
}

static int l_dropout(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1);
    float p = (float)luaL_checknumber(L, 2);
    return rec_push_result(L, rn_dropout(rec_graph(L), x, p), 1, 1);
}

static const char *const norm_opts[] = {"momentum", "eps", NULL};

/* dice(x, alpha, running_mean, running_var [, {momentum=0.1, eps=1e-8}]) */
static int l_dice(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1), *alpha = rec_check_tensor(L, 2);
    rn_tensor *rm = rec_check_tensor(L, 3), *rv = rec_check_tensor(L, 4);
    rec_check_options(L, 5, "dice", norm_opts);
    float m = (float)rec_opt_number(L, 5, "momentum", 0.1);
    float eps = (float)rec_opt_number(L, 5, "eps", 1e-8);
    return rec_push_result(L, rn_dice(rec_graph(L), x, alpha, rm, rv, m, eps), 1, 4);
}

/* batchnorm(x, gamma, beta, running_mean, running_var [, {momentum=0.1, eps=1e-5}]) */
static int l_batchnorm(lua_State *L)
{
    rn_tensor *x = rec_check_tensor(L, 1), *gamma = rec_opt_tensor(L, 2);
    rn_tensor *beta = rec_opt_tensor(L, 3);
    rn_tensor *rm = rec_check_tensor(L, 4), *rv = rec_check_tensor(L, 5);
    rec_check_options(L, 6, "batchnorm", norm_opts);
    float m = (float)rec_opt_number(L, 6, "momentum", 0.1);
    float eps = (float)rec_opt_number(L, 6, "eps", 1e-5);
    return rec_push_result(L, rn_batchnorm(rec_graph(L), x, gamma, beta, rm, rv, m, eps), 1, 5);
}

/* layernorm(x [, gamma, beta [, {eps=1e-5}]]) */
static int l_layernorm(lua_State *L)
{
    static const char *const known[] = {"eps", NULL};
    rn_tensor *x = rec_check_tensor(L, 1), *gamma = rec_opt_tensor(L, 2);
    rn_tensor *beta = rec_opt_tensor(L, 3);
    rec_check_options(L, 4, "layernorm", known);
    float eps = (float)rec_opt_number(L, 4, "eps", 1e-5);
    return rec_push_result(L, rn_layernorm(rec_graph(L), x, gamma, beta, eps), 1, 3);
}

/* ---- embeddings, sequences, interactions ----------------------------------------- */

static int l_embedding(lua_State *L)
{
    rn_tensor *table = rec_check_tensor(L, 1);
    rn_ids ids;
    rec_check_ids(L, 2, &ids, "embedding");
    return rec_push_result(L, rn_embedding(rec_graph(L), table, &ids), 1, 1);
}

/* pool(x, mask [, {mode="sum"|"mean"|"max"|"weighted", weights=}]) */
static int l_pool(lua_State *L)
{
    static const char *const known[] = {"mode", "weights", NULL};
    static const char *const modes[] = {"sum", "mean", "max", "weighted", NULL};
    rn_tensor *x = rec_check_tensor(L, 1), *mask = rec_check_tensor(L, 2);
    rec_check_options(L, 3, "pool", known);
    int mode = RN_POOL_SUM;
    rn_tensor *w = NULL;
    lua_settop(L, 3);
    if (lua_istable(L, 3)) {
        lua_getfield(L, 3, "mode");
        if (!lua_isnil(L, -1)) mode = luaL_checkoption(L, -1, NULL, modes);
        lua_getfield(L, 3, "weights"); /* index 5 */
        w = rec_opt_tensor(L, 5);
    } else {
        lua_pushnil(L), lua_pushnil(L);
    }
    if ((mode == RN_POOL_WEIGHTED) != (w != NULL))
        return luaL_error(L, "pool: weights= goes with mode = 'weighted' (and only with it)");
    rn_tensor *y = rn_pool(rec_graph(L), x, mask, w, mode);
    rec_push_result(L, y, 1, 5);
    return 1;
}

static int l_gru_cell(lua_State *L)
{
    rn_tensor *in[6];
    for (int i = 0; i < 6; i++)
        in[i] = rec_check_tensor(L, i + 1);
    return rec_push_result(L, rn_gru_cell(rec_graph(L), in[0], in[1], in[2], in[3], in[4], in[5]),
                           1, 6);
}

/* ---- losses ------------------------------------------------------------------ */

static const char *const weight_opts[] = {"weights", NULL};

static rn_tensor *weights(lua_State *L, int opts, const char *fn)
{
    rec_check_options(L, opts, fn, weight_opts);
    lua_settop(L, opts);
    if (!lua_istable(L, opts)) {
        lua_pushnil(L);
        return NULL;
    }
    lua_getfield(L, opts, "weights");
    return rec_opt_tensor(L, opts + 1);
}

/* bce_logits(logits, labels [, {weights=}]) */
static int l_bce_logits(lua_State *L)
{
    rn_tensor *z = rec_check_tensor(L, 1), *y = rec_check_tensor(L, 2);
    rn_tensor *w = weights(L, 3, "bce_logits");
    return rec_push_result(L, rn_bce_logits(rec_graph(L), z, y, w), 1, 4);
}

static int l_mse(lua_State *L)
{
    rn_tensor *p = rec_check_tensor(L, 1), *t = rec_check_tensor(L, 2);
    rn_tensor *w = weights(L, 3, "mse");
    return rec_push_result(L, rn_mse(rec_graph(L), p, t, w), 1, 4);
}

/* softmax_ce(logits, class_ids [, {weights=}]) */
static int l_softmax_ce(lua_State *L)
{
    rn_tensor *z = rec_check_tensor(L, 1);
    rn_tensor *w = weights(L, 3, "softmax_ce"); /* stack: 1 z, 2 ids, 3 opts, 4 w */
    rn_ids ids;
    rec_check_ids(L, 2, &ids, "softmax_ce");
    return rec_push_result(L, rn_softmax_ce(rec_graph(L), z, &ids, w), 1, 4);
}

/* sampled_softmax(h, table, target_ids, negative_ids [, {weights=}]) */
static int l_sampled_softmax(lua_State *L)
{
    rn_tensor *h = rec_check_tensor(L, 1), *table = rec_check_tensor(L, 2);
    rn_tensor *w = weights(L, 5, "sampled_softmax");
    rn_ids target, neg;
    rec_check_ids(L, 3, &target, "sampled_softmax targets");
    rec_check_ids(L, 4, &neg, "sampled_softmax negatives");
    return rec_push_result(L, rn_sampled_softmax(rec_graph(L), h, table, &target, &neg, w), 1, 6);
}

/* neg_sampling(u, table, positive_ids, negative_ids (B x K) [, {weights=}]) */
static int l_neg_sampling(lua_State *L)
{
    rn_tensor *u = rec_check_tensor(L, 1), *table = rec_check_tensor(L, 2);
    rn_tensor *w = weights(L, 5, "neg_sampling");
    rn_ids pos, neg;
    rec_check_ids(L, 3, &pos, "neg_sampling positives");
    rec_check_ids(L, 4, &neg, "neg_sampling negatives");
    return rec_push_result(L, rn_neg_sampling(rec_graph(L), u, table, &pos, &neg, w), 1, 6);
}

/* ---- backward and the step ---------------------------------------------------------- */

static int l_backward(lua_State *L)
{
    rn_tensor *y = rec_check_tensor(L, 1);
    rn_graph *g = rec_graph(L);
    int rc;
    if (lua_isnoneornil(L, 2)) {
        rc = rn_backward(g, y);
    } else {
        rn_tensor *d = rec_check_tensor(L, 2);
        if (d->n != y->n)
            return luaL_error(L, "backward: the output gradient has %d elements, the output %d",
                              (int)d->n, (int)y->n);
        rc = rn_backward_from(g, y, d->data);
    }
    if (rc != RN_OK) {
        rn_graph_clear_error(g);
        return luaL_error(L, "%s", rn_error());
    }
    return 0;
}

static int l_reset(lua_State *L)
{
    rec_graph_reset(L);
    return 0;
}

static int l_train(lua_State *L)
{
    rn_graph_set_training(rec_graph(L), lua_isnone(L, 1) ? 1 : lua_toboolean(L, 1));
    return 0;
}

static int l_training(lua_State *L)
{
    lua_pushboolean(L, rn_graph_training(rec_graph(L)));
    return 1;
}

static int l_seed(lua_State *L)
{
    rn_graph_seed(rec_graph(L), (uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

/* rec.autograd.tape() -> {{op = "matmul", shape = {4, 2}}, ...} in recording order */
static int l_tape(lua_State *L)
{
    rn_graph *g = rec_graph(L);
    size_t n = rn_graph_nodes(g);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        const rn_tensor *out;
        const char *op = rn_graph_node(g, i, &out);
        lua_createtable(L, 0, 2);
        lua_pushstring(L, op);
        lua_setfield(L, -2, "op");
        lua_createtable(L, out->ndim, 0);
        for (int k = 0; k < out->ndim; k++) {
            lua_pushinteger(L, out->shape[k]);
            lua_rawseti(L, -2, k + 1);
        }
        lua_setfield(L, -2, "shape");
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int l_nodes(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)rn_graph_nodes(rec_graph(L)));
    return 1;
}

/* ---- registration --------------------------------------------------------------- */

static const luaL_Reg nn_fns[] = {{"matmul", l_matmul},
                                  {"add", l_add},
                                  {"sub", l_sub},
                                  {"mul", l_mul},
                                  {"div", l_div},
                                  {"scale", l_scale},
                                  {"sum", l_sum},
                                  {"mean", l_mean},
                                  {"reshape", l_reshape},
                                  {"transpose", l_transpose},
                                  {"concat", l_concat},
                                  {"slice", l_slice},
                                  {"split", l_split},
                                  {"gather_rows", l_gather_rows},
                                  {"relu", l_relu},
                                  {"leaky_relu", l_leaky_relu},
                                  {"prelu", l_prelu},
                                  {"sigmoid", l_sigmoid},
                                  {"tanh", l_tanh},
                                  {"softplus", l_softplus},
                                  {"exp", l_exp},
                                  {"log", l_log},
                                  {"dice", l_dice},
                                  {"softmax", l_softmax},
                                  {"log_softmax", l_log_softmax},
                                  {"dropout", l_dropout},
                                  {"batchnorm", l_batchnorm},
                                  {"layernorm", l_layernorm},
                                  {"embedding", l_embedding},
                                  {"pool", l_pool},
                                  {"fm", l_fm},
                                  {"pairwise", l_pairwise},
                                  {"gru_cell", l_gru_cell},
                                  {NULL, NULL}};

static const rec_doc_entry nn_docs[] = {
    {"matmul",
     "rec.nn.matmul(a, b [, {trans_a=, trans_b=}]) multiplies matrices (2-D) or batches of them "
     "(3-D) through BLAS; trans_* uses the transpose. Also a:matmul(b).",
     "print(rec.nn.matmul(rec.ones{2, 3}, rec.ones{3, 4}))"},
    {"add", "rec.nn.add(a, b) adds with broadcasting (a + b; numbers work too).",
     "print(rec.ones{2, 3} + rec.tensor{1, 2, 3})"},
    {"sub", "rec.nn.sub(a, b) subtracts with broadcasting (a - b).", "print(rec.ones{2} - 3)"},
    {"mul", "rec.nn.mul(a, b) multiplies elementwise with broadcasting (a * b).",
     "print(rec.tensor{1, 2} * rec.tensor{3, 4})"},
    {"div", "rec.nn.div(a, b) divides elementwise with broadcasting (a / b).",
     "print(rec.tensor{1, 2} / 2)"},
    {"scale", "rec.nn.scale(x, s) multiplies by the number s.",
     "print(rec.nn.scale(rec.ones{2}, 3))"},
    {"sum",
     "rec.nn.sum(x [, axis [, {keepdim=}]]) sums every element (shape {1}) or over one axis "
     "(counted from 1; -1 is the last). Also x:sum(axis).",
     "print(rec.nn.sum(rec.ones{2, 3}, 2))  --> tensor 2 {3, 3}"},
    {"mean", "rec.nn.mean(x [, axis [, {keepdim=}]]) averages like sum.",
     "print(rec.tensor{1, 2, 3}:mean())  --> tensor 1 {2}"},
    {"reshape",
     "rec.nn.reshape(x, shape) views the same values in a new shape; one size may be -1.",
     "print(rec.ones{2, 3}:reshape{3, -1})"},
    {"transpose", "rec.nn.transpose(x [, a1, a2]) swaps two axes (default the last two).",
     "print(rec.tensor{{1, 2}}:transpose())"},
    {"concat", "rec.nn.concat({a, b, ...}, axis) joins tensors along an axis.",
     "print(rec.nn.concat({rec.ones{2, 1}, rec.zeros{2, 2}}, 2))"},
    {"slice", "rec.nn.slice(x, axis, start, len) takes len entries from start (from 1).",
     "print(rec.nn.slice(rec.tensor{1, 2, 3, 4}, 1, 2, 2))  --> tensor 2 {2, 3}"},
    {"split", "rec.nn.split(x, axis, sizes) cuts x into pieces of the given sizes.",
     "local a, b = rec.nn.split(rec.tensor{1, 2, 3}, 1, {1, 2})"},
    {"gather_rows",
     "rec.nn.gather_rows(x, ids) picks rows of x by 0-based ids (a list or a list of lists).",
     "print(rec.nn.gather_rows(rec.tensor{{1, 1}, {2, 2}}, {1, 1, 0}))"},
    {"relu", "rec.nn.relu(x) is max(0, x). Also x:relu().", "print(rec.tensor{-1, 2}:relu())"},
    {"leaky_relu", "rec.nn.leaky_relu(x [, slope=0.01]) lets slope*x through below 0.",
     "print(rec.nn.leaky_relu(rec.tensor{-1, 2}, 0.1))"},
    {"prelu",
     "rec.nn.prelu(x, alpha) is a leaky ReLU whose slope alpha is learned (one value, or one per "
     "channel of the last axis).",
     "print(rec.nn.prelu(rec.tensor{-1, 2}, rec.tensor{0.25}))"},
    {"sigmoid", "rec.nn.sigmoid(x) is 1 / (1 + exp(-x)).", "print(rec.tensor{0}:sigmoid())"},
    {"tanh", "rec.nn.tanh(x) is the hyperbolic tangent.", "print(rec.tensor{0.5}:tanh())"},
    {"softplus", "rec.nn.softplus(x) is log(1 + exp(x)), computed stably.",
     "print(rec.tensor{100}:softplus())"},
    {"exp", "rec.nn.exp(x) is e^x, elementwise.", "print(rec.nn.exp(rec.tensor{0, 1}))"},
    {"log",
     "rec.nn.log(x) is the natural logarithm for x > 0 (0 gives -inf: clamp probabilities "
     "first, e.g. ESMM's pCTR * pCVR).",
     "print(rec.nn.log(rec.tensor{1, 2.718281828}))"},
    {"dice",
     "rec.nn.dice(x, alpha, running_mean, running_var [, {momentum=0.1, eps=1e-8}]) is DIN's "
     "Dice activation on x (B x H): a gate p = sigmoid of x standardised by the batch (training) "
     "or by the running statistics (inference, rec.autograd.train(false)) mixes x and alpha*x. "
     "The running tensors (H) are updated in training.",
     "local x = rec.randn({8, 4}, {seed = 1})\n"
     "print(rec.nn.dice(x, rec.zeros{4}, rec.zeros{4}, rec.ones{4}))"},
    {"softmax", "rec.nn.softmax(x [, axis=-1]) normalises exp(x) along an axis.",
     "print(rec.tensor{1, 2, 3}:softmax())"},
    {"log_softmax", "rec.nn.log_softmax(x [, axis=-1]) is log(softmax(x)), computed stably.",
     "print(rec.nn.log_softmax(rec.tensor{1, 2, 3}))"},
    {"dropout",
     "rec.nn.dropout(x, p) zeroes each element with probability p and scales the rest by "
     "1/(1-p) in training; in inference it passes x through. Seeded by rec.autograd.seed.",
     "print(rec.nn.dropout(rec.ones{6}, 0.5))"},
    {"batchnorm",
     "rec.nn.batchnorm(x, gamma, beta, running_mean, running_var [, {momentum=0.1, eps=1e-5}]) "
     "normalises x (B x H) by batch statistics in training, updating the running ones, and by "
     "the running ones in inference, then scales by gamma and shifts by beta (either may be nil).",
     "local x = rec.randn({8, 3}, {seed = 2})\n"
     "print(rec.nn.batchnorm(x, nil, nil, rec.zeros{3}, rec.ones{3}))"},
    {"layernorm",
     "rec.nn.layernorm(x [, gamma, beta [, {eps=1e-5}]]) normalises over the last axis.",
     "print(rec.nn.layernorm(rec.tensor{{1, 2, 3}}))"},
    {"embedding",
     "rec.nn.embedding(table, ids) looks up rows of a table (V x D) by 0-based ids: a list "
     "gives B x D, a list of lists B x T x D. A table from params:table gets row-sparse "
     "gradients.",
     "local emb = rec.params():table('emb', 10, 4)\nprint(rec.nn.embedding(emb, {1, 3}))"},
    {"pool",
     "rec.nn.pool(x, mask [, {mode='sum'|'mean'|'max'|'weighted', weights=}]) pools a padded "
     "sequence x (B x T x D) over the positions where mask (B x T) is 1; weighted uses weights "
     "(B x T), e.g. attention scores.",
     "local x = rec.ones{2, 3, 4}\nlocal mask = rec.tensor{{1, 1, 0}, {1, 0, 0}}\n"
     "print(rec.nn.pool(x, mask, {mode = 'mean'}))"},
    {"fm",
     "rec.nn.fm(v) is the factorization machine's pairwise term for field embeddings v "
     "(B x F x D), sum over field pairs of <v_i, v_j>, in O(F D): shape B x 1.",
     "print(rec.nn.fm(rec.ones{1, 3, 2}))  --> tensor 1x1 {{6}}"},
    {"pairwise",
     "rec.nn.pairwise(v) gives every inner product <v_i, v_j> (i < j) of the field embeddings "
     "v (B x F x D) as B x F(F-1)/2, pairs in the order (1,2), (1,3), ..., (2,3), ...: FM's "
     "pairwise contributions, which sum to rec.nn.fm(v).",
     "print(rec.nn.pairwise(rec.ones{1, 3, 2}))  --> tensor 1x3 {{2, 2, 2}}"},
    {"gru_cell",
     "rec.nn.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh) is one GRU step as torch.nn.GRUCell: x "
     "(B x I), h (B x H), w_ih (3H x I), w_hh (3H x H), biases (3H), gates r, z, n.",
     "local h = rec.nn.gru_cell(rec.ones{1, 2}, rec.zeros{1, 3}, rec.rand({9, 2}, {seed = 1}),\n"
     "  rec.rand({9, 3}, {seed = 2}), rec.zeros{9}, rec.zeros{9})"},
    {NULL, NULL, NULL}};

static const luaL_Reg loss_fns[] = {
    {"bce_logits", l_bce_logits},     {"mse", l_mse},
    {"softmax_ce", l_softmax_ce},     {"sampled_softmax", l_sampled_softmax},
    {"neg_sampling", l_neg_sampling}, {NULL, NULL}};

static const rec_doc_entry loss_docs[] = {
    {"bce_logits",
     "rec.loss.bce_logits(logits, labels [, {weights=}]) is the mean binary cross-entropy of "
     "logits against labels in [0, 1], computed stably for any logit; weights scale each sample.",
     "print(rec.loss.bce_logits(rec.tensor{100, -100}, rec.tensor{1, 0}))  --> tensor 1 {0}"},
    {"mse", "rec.loss.mse(pred, target [, {weights=}]) is the mean squared error.",
     "print(rec.loss.mse(rec.tensor{1, 2}, rec.tensor{1, 4}))  --> tensor 1 {2}"},
    {"softmax_ce",
     "rec.loss.softmax_ce(logits, class_ids [, {weights=}]) is the mean softmax cross-entropy "
     "of logits (B x C) against 0-based class ids (B).",
     "print(rec.loss.softmax_ce(rec.tensor{{2, 0, 0}}, {0}))"},
    {"sampled_softmax",
     "rec.loss.sampled_softmax(h, table, targets, negatives [, {weights=}]) scores h (B x D) "
     "against the table rows of each target and of shared sampled negatives and takes the "
     "softmax cross-entropy of the target (Jean et al. 2015).",
     "local t = rec.params():table('items', 50, 4)\n"
     "print(rec.loss.sampled_softmax(rec.ones{2, 4}, t, {1, 2}, {7, 8, 9}))"},
    {"neg_sampling",
     "rec.loss.neg_sampling(u, table, positives, negatives [, {weights=}]) is word2vec's "
     "negative-sampling loss: -log sigmoid(u.v_pos) - sum_k log sigmoid(-u.v_neg_k), with "
     "negatives a list of lists (B x K).",
     "local t = rec.params():table('ctx', 50, 4)\n"
     "print(rec.loss.neg_sampling(rec.ones{2, 4}, t, {1, 2}, {{5, 6}, {7, 8}}))"},
    {NULL, NULL, NULL}};

static const luaL_Reg autograd_fns[] = {
    {"reset", l_reset}, {"train", l_train}, {"training", l_training}, {"seed", l_seed},
    {"nodes", l_nodes}, {"tape", l_tape},   {"backward", l_backward}, {NULL, NULL}};

static const rec_doc_entry autograd_docs[] = {
    {"reset",
     "rec.autograd.reset() ends the current step: forgets the tape and frees every intermediate "
     "(tensors of the step can no longer be used). An optimizer step does this too.",
     "rec.autograd.reset()"},
    {"train",
     "rec.autograd.train(on) switches training (true, the default) or inference (false) mode: "
     "batch norm, Dice and dropout behave differently.",
     "rec.autograd.train(false)  -- evaluate\nrec.autograd.train(true)"},
    {"training", "rec.autograd.training() tells whether ops run in training mode.",
     "print(rec.autograd.training())"},
    {"seed", "rec.autograd.seed(n) reseeds the generator dropout draws from.",
     "rec.autograd.seed(42)"},
    {"nodes", "rec.autograd.nodes() counts the ops recorded on the tape of this step.",
     "print(rec.autograd.nodes())"},
    {"tape",
     "rec.autograd.tape() lists the ops recorded so far this step, in order, as {op=, shape=} "
     "tables: what backward will walk in reverse.",
     "local w = rec.ones({2, 2}, {requires_grad = true})\n"
     "local loss = (w:matmul(w):relu()):sum()\n"
     "for i, n in ipairs(rec.autograd.tape()) do print(i, n.op, table.concat(n.shape, 'x')) end"},
    {"backward",
     "rec.autograd.backward(loss [, dout]) fills the gradients of every tensor the loss depends "
     "on (loss:backward() does the same); dout gives the output's gradient for a loss of more "
     "than one element.",
     "local w = rec.tensor({2}, {requires_grad = true})\n"
     "rec.autograd.backward(rec.nn.sum(w * w)); print(w:grad())"},
    {NULL, NULL, NULL}};

/* Tensor methods that are ops. */
static const luaL_Reg op_methods[] = {{"matmul", l_matmul},
                                      {"relu", l_relu},
                                      {"sigmoid", l_sigmoid},
                                      {"tanh", l_tanh},
                                      {"softplus", l_softplus},
                                      {"exp", l_exp},
                                      {"log", l_log},
                                      {"leaky_relu", l_leaky_relu},
                                      {"sum", l_sum},
                                      {"mean", l_mean},
                                      {"reshape", l_reshape},
                                      {"transpose", l_transpose},
                                      {"softmax", l_softmax},
                                      {"log_softmax", l_log_softmax},
                                      {"scale", l_scale},
                                      {"backward", l_backward},
                                      {NULL, NULL}};

static const rec_doc_entry op_method_docs[] = {
    {"matmul", "a:matmul(b [, {trans_a=, trans_b=}]) is rec.nn.matmul(a, b, ...).",
     "print(rec.ones{1, 2}:matmul(rec.ones{2, 1}))"},
    {"relu", "x:relu() is rec.nn.relu(x).", "print(rec.tensor{-1, 1}:relu())"},
    {"sigmoid", "x:sigmoid() is rec.nn.sigmoid(x).", "print(rec.tensor{0}:sigmoid())"},
    {"tanh", "x:tanh() is rec.nn.tanh(x).", "print(rec.tensor{0}:tanh())"},
    {"softplus", "x:softplus() is rec.nn.softplus(x).", "print(rec.tensor{0}:softplus())"},
    {"exp", "x:exp() is rec.nn.exp(x).", "print(rec.tensor{0}:exp())"},
    {"log", "x:log() is rec.nn.log(x).", "print(rec.tensor{1}:log())"},
    {"leaky_relu", "x:leaky_relu([slope]) is rec.nn.leaky_relu(x, slope).",
     "print(rec.tensor{-1}:leaky_relu(0.2))"},
    {"sum", "x:sum([axis [, {keepdim=}]]) is rec.nn.sum(x, ...).", "print(rec.ones{2, 2}:sum())"},
    {"mean", "x:mean([axis [, {keepdim=}]]) is rec.nn.mean(x, ...).",
     "print(rec.ones{2, 2}:mean(1))"},
    {"reshape", "x:reshape(shape) is rec.nn.reshape(x, shape).",
     "print(rec.ones{4}:reshape{2, 2})"},
    {"transpose", "x:transpose([a1, a2]) is rec.nn.transpose(x, ...).",
     "print(rec.ones{1, 3}:transpose())"},
    {"softmax", "x:softmax([axis]) is rec.nn.softmax(x, axis).",
     "print(rec.tensor{1, 1}:softmax())"},
    {"log_softmax", "x:log_softmax([axis]) is rec.nn.log_softmax(x, axis).",
     "print(rec.tensor{1, 1}:log_softmax())"},
    {"scale", "x:scale(s) is rec.nn.scale(x, s).", "print(rec.ones{2}:scale(3))"},
    {"backward",
     "loss:backward([dout]) fills the gradients of everything the loss depends on; see "
     "rec.autograd.backward.",
     "local w = rec.tensor({3}, {requires_grad = true})\n;(w * "
     "w):sum():backward()\nprint(w:grad())"},
    {NULL, NULL, NULL}};

static void open_table(lua_State *L, int rec, const char *field, const char *name,
                       const luaL_Reg *fns, const rec_doc_entry *docs, const char *doc,
                       const char *example)
{
    lua_newtable(L);
    luaL_setfuncs(L, fns, 0);
    rec_doc_set(L, -1, name, doc, example);
    rec_doc_fields(L, -1, name, 0, docs);
    lua_setfield(L, rec, field);
}

void rec_open_autograd(lua_State *L)
{
    int rec = lua_gettop(L);
    open_table(
        L, rec, "nn", "rec.nn", nn_fns, nn_docs,
        "rec.nn holds the differentiable ops models are built from: linear algebra, "
        "activations (Dice, PReLU), normalisation, embeddings, sequence pooling, FM, GRU.",
        "local x = rec.randn({4, 3}, {seed = 1})\nprint(rec.nn.relu(x:matmul(rec.ones{3, 2})))");
    open_table(L, rec, "loss", "rec.loss", loss_fns, loss_docs,
               "rec.loss holds the losses: binary cross-entropy on logits, MSE, softmax "
               "cross-entropy, sampled softmax and negative sampling, each with optional "
               "per-sample weights.",
               "print(rec.loss.mse(rec.tensor{1}, rec.tensor{3}))");
    open_table(L, rec, "autograd", "rec.autograd", autograd_fns, autograd_docs,
               "rec.autograd controls the tape: each op on tensors that require gradients is "
               "recorded, loss:backward() fills the gradients, and a step ends with opt:step() "
               "or rec.autograd.reset().",
               "print(rec.autograd.nodes())");

    luaL_getmetatable(L, REC_TENSOR);
    lua_getfield(L, -1, "__index");
    luaL_setfuncs(L, op_methods, 0);
    rec_doc_fields(L, -1, "rec.Tensor", 1, op_method_docs);
    lua_pop(L, 1);
    static const luaL_Reg arith[] = {{"__add", l_add}, {"__sub", l_sub}, {"__mul", l_mul},
                                     {"__div", l_div}, {"__unm", l_unm}, {NULL, NULL}};
    luaL_setfuncs(L, arith, 0);
    lua_pop(L, 1);
}
