/* The op table: every op's name and backward, kept together under one
 * static_assert on the count so that no op is half-registered. */
#include "op.h"

static const char *const op_names[] = {
    [RN_OP_MATMUL] = "matmul",
    [RN_OP_ADD] = "add",
    [RN_OP_SUB] = "sub",
    [RN_OP_MUL] = "mul",
    [RN_OP_DIV] = "div",
    [RN_OP_SCALE] = "scale",
    [RN_OP_SUM] = "sum",
    [RN_OP_MEAN] = "mean",
    [RN_OP_RESHAPE] = "reshape",
    [RN_OP_TRANSPOSE] = "transpose",
    [RN_OP_CONCAT] = "concat",
    [RN_OP_SLICE] = "slice",
    [RN_OP_GATHER] = "gather_rows",
    [RN_OP_RELU] = "relu",
    [RN_OP_LEAKY_RELU] = "leaky_relu",
    [RN_OP_PRELU] = "prelu",
    [RN_OP_SIGMOID] = "sigmoid",
    [RN_OP_TANH] = "tanh",
    [RN_OP_SOFTPLUS] = "softplus",
    [RN_OP_EXP] = "exp",
    [RN_OP_LOG] = "log",
    [RN_OP_DICE] = "dice",
    [RN_OP_SOFTMAX] = "softmax",
    [RN_OP_LOG_SOFTMAX] = "log_softmax",
    [RN_OP_DROPOUT] = "dropout",
    [RN_OP_BATCHNORM] = "batchnorm",
    [RN_OP_LAYERNORM] = "layernorm",
    [RN_OP_EMBEDDING] = "embedding",
    [RN_OP_POOL] = "pool",
    [RN_OP_FM] = "fm",
    [RN_OP_PAIRWISE] = "pairwise",
    [RN_OP_GRU_CELL] = "gru_cell",
    [RN_OP_BCE_LOGITS] = "bce_logits",
    [RN_OP_MSE] = "mse",
    [RN_OP_SOFTMAX_CE] = "softmax_ce",
};

const rn__backward_fn rn__op_backward[] = {
    [RN_OP_MATMUL] = rn_matmul_backward,
    [RN_OP_ADD] = rn_binary_backward,
    [RN_OP_SUB] = rn_binary_backward,
    [RN_OP_MUL] = rn_binary_backward,
    [RN_OP_DIV] = rn_binary_backward,
    [RN_OP_SCALE] = rn_scale_backward,
    [RN_OP_SUM] = rn_sum_backward,
    [RN_OP_MEAN] = rn_sum_backward,
    [RN_OP_RESHAPE] = rn_reshape_backward,
    [RN_OP_TRANSPOSE] = rn_transpose_backward,
    [RN_OP_CONCAT] = rn_concat_backward,
    [RN_OP_SLICE] = rn_slice_backward,
    [RN_OP_GATHER] = rn_gather_backward,
    [RN_OP_RELU] = rn_relu_backward,
    [RN_OP_LEAKY_RELU] = rn_leaky_relu_backward,
    [RN_OP_PRELU] = rn_prelu_backward,
    [RN_OP_SIGMOID] = rn_sigmoid_backward,
    [RN_OP_TANH] = rn_tanh_backward,
    [RN_OP_SOFTPLUS] = rn_softplus_backward,
    [RN_OP_EXP] = rn_exp_backward,
    [RN_OP_LOG] = rn_log_backward,
    [RN_OP_DICE] = rn_dice_backward,
    [RN_OP_SOFTMAX] = rn_softmax_backward,
    [RN_OP_LOG_SOFTMAX] = rn_softmax_backward,
    [RN_OP_DROPOUT] = rn_dropout_backward,
    [RN_OP_BATCHNORM] = rn_batchnorm_backward,
    [RN_OP_LAYERNORM] = rn_layernorm_backward,
    [RN_OP_EMBEDDING] = rn_embedding_backward,
    [RN_OP_POOL] = rn_pool_backward,
    [RN_OP_FM] = rn_fm_backward,
    [RN_OP_PAIRWISE] = rn_pairwise_backward,
    [RN_OP_GRU_CELL] = rn_gru_cell_backward,
    [RN_OP_BCE_LOGITS] = rn_bce_logits_backward,
    [RN_OP_MSE] = rn_mse_backward,
    [RN_OP_SOFTMAX_CE] = rn_softmax_ce_backward,
};

static_assert(sizeof op_names / sizeof op_names[0] == RN_OP_COUNT,
              "every op needs a name: add it to op_names");
static_assert(sizeof rn__op_backward / sizeof rn__op_backward[0] == RN_OP_COUNT,
              "every op needs a backward");

const char *rn_op_name(int op)
{
    return op >= 0 && op < RN_OP_COUNT && op_names[op] ? op_names[op] : "unknown";
}
