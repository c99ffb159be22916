/* Finite-difference gradient checks for every op and loss (see gradcheck.h):
 * each asserts a max relative error below 1e-3 on seeded small shapes. */
#include "check.h"
#include "gradcheck.h"

static rn_rng rng;
static rn_ids *ids_a, *ids_b; /* ids used by the builders */

#define TOL    1e-3
#define S(...) ((const int[]){__VA_ARGS__})

static void free_all(int n, rn_tensor **in)
{
    for (int i = 0; i < n; i++)
        rn_tensor_free(in[i]);
}

/* ---- builders: each maps the inputs to one output ---------------------------- */

static rn_tensor *b_matmul_nn(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_matmul(g, in[0], in[1], 0, 0);
}
static rn_tensor *b_matmul_tt(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_matmul(g, in[0], in[1], 1, 1);
}
static rn_tensor *b_matmul_nt(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_matmul(g, in[0], in[1], 0, 1);
}
static rn_tensor *b_matmul_tn(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_matmul(g, in[0], in[1], 1, 0);
}

static rn_tensor *b_linear(rn_graph *g, rn_tensor **in, void *c)
{
    return rn_linear(g, in[0], in[1], c ? NULL : in[2]);
}

static rn_tensor *b_linear_rows(rn_graph *g, rn_tensor **in, void *c)
{
    return rn_linear_rows(g, in[0], in[1], in[2], c);
}

/* linear_rows: rows start from gathered rows of s (repeats scatter back) */
static void test_linear_rows(void)
{
    int32_t id[6] = {2, 0, 2, 1, 2, 0};
    rn_ids ids = {id, 6, 1, {6}, RN_I32};
    rn_tensor *in[3];
    in[0] = gc_tensor(&rng, 2, S(6, 4), -1, 1), in[1] = gc_tensor(&rng, 2, S(4, 3), -1, 1);
    in[2] = gc_tensor(&rng, 2, S(3, 3), -1, 1);
    CHECK(gc_check("linear_rows", b_linear_rows, 3, in, &ids) < TOL);
    rn_graph *g = rn_graph_new(1);
    int32_t bad_id[6] = {0, 1, 2, 3, 0, 0};
    rn_ids bad = {bad_id, 6, 1, {6}, RN_I32};
    CHECK(rn_linear_rows(g, in[0], in[1], in[2], &bad) == NULL);
    CHECK(strstr(rn_error(), "id 3 at position 3 is outside 0..2") != NULL);
    rn_graph_free(g);
    free_all(3, in);
}

/* linear against its definition: the same gradients as add(matmul(x, W), b) */
static void test_linear(void)
{
    rn_tensor *in[3];
    in[0] = gc_tensor(&rng, 2, S(5, 4), -1, 1), in[1] = gc_tensor(&rng, 2, S(4, 3), -1, 1);
    in[2] = gc_tensor(&rng, 1, S(3), -1, 1);
    CHECK(gc_check("linear", b_linear, 3, in, NULL) < TOL);
    CHECK(gc_check("linear without bias", b_linear, 2, in, (void *)1) < TOL);
    free_all(3, in);
    /* large enough to be split across threads (GEMM, bias fill, bias sums) */
    in[0] = gc_tensor(&rng, 2, S(300, 70), -1, 1), in[1] = gc_tensor(&rng, 2, S(70, 90), -1, 1);
    in[2] = gc_tensor(&rng, 1, S(90), -1, 1);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *y = rn_linear(g, in[0], in[1], in[2]);
    rn_tensor *ref = rn_add(g, rn_matmul(g, in[0], in[1], 0, 0), in[2]);
    double worst = 0;
    for (size_t i = 0; y != NULL && ref != NULL && i < y->n; i++) {
        double d = fabs((double)y->data[i] - (double)ref->data[i]);
        if (d > worst) worst = d;
    }
    CHECK(y != NULL && ref != NULL && worst < 1e-5);
    rn_graph_free(g);
    free_all(3, in);
}

static void test_matmul(void)
{
    rn_tensor *in[2];
    in[0] = gc_tensor(&rng, 2, S(3, 4), -1, 1), in[1] = gc_tensor(&rng, 2, S(4, 5), -1, 1);
    CHECK(gc_check("matmul", b_matmul_nn, 2, in, NULL) < TOL);
    free_all(2, in);
    in[0] = gc_tensor(&rng, 2, S(4, 3), -1, 1), in[1] = gc_tensor(&rng, 2, S(5, 4), -1, 1);
    CHECK(gc_check("matmul A^T B^T", b_matmul_tt, 2, in, NULL) < TOL);
    free_all(2, in);
    in[0] = gc_tensor(&rng, 2, S(3, 4), -1, 1), in[1] = gc_tensor(&rng, 2, S(5, 4), -1, 1);
    CHECK(gc_check("matmul A B^T", b_matmul_nt, 2, in, NULL) < TOL);
    free_all(2, in);
    in[0] = gc_tensor(&rng, 3, S(2, 4, 3), -1, 1), in[1] = gc_tensor(&rng, 3, S(2, 4, 2), -1, 1);
    CHECK(gc_check("matmul batched A^T B", b_matmul_tn, 2, in, NULL) < TOL);
    free_all(2, in);
}

static rn_tensor *b_add(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_add(g, in[0], in[1]);
}
static rn_tensor *b_sub(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_sub(g, in[0], in[1]);
}
static rn_tensor *b_mul(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_mul(g, in[0], in[1]);
}
static rn_tensor *b_div(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_div(g, in[0], in[1]);
}

static void test_binary(void)
{
    gc_build fns[4] = {b_add, b_sub, b_mul, b_div};
    const char *names[4] = {"add (broadcast)", "sub (broadcast)", "mul (broadcast)",
                            "div (broadcast)"};
    for (int k = 0; k < 4; k++) {
        /* a 2x1x4 against b 3x1: both stretch */
        rn_tensor *in[2] = {gc_tensor(&rng, 3, S(2, 1, 4), -1, 1),
                            gc_tensor(&rng, 2, S(3, 1), 0.5f, 1.5f)};
        CHECK(gc_check(names[k], fns[k], 2, in, NULL) < TOL);
        free_all(2, in);
        rn_tensor *same[2] = {gc_tensor(&rng, 2, S(3, 4), -1, 1),
                              gc_tensor(&rng, 2, S(3, 4), 0.5f, 1.5f)};
        CHECK(gc_check(names[k], fns[k], 2, same, NULL) < TOL);
        free_all(2, same);
    }
}

static rn_tensor *b_scale(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_scale(g, in[0], -2.5f);
}
static rn_tensor *b_sum1(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_sum(g, in[0], 1, 0);
}
static rn_tensor *b_mean0k(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_mean(g, in[0], -3, 1);
}
static rn_tensor *b_sum_all(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_mean_all(g, rn_mul(g, in[0], in[0]));
}
static rn_tensor *b_reshape(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c; /* multiply after the reshape so the check sees a non-constant gradient */
    rn_tensor *r = rn_reshape(g, in[0], 2, S(-1, 6));
    return rn_mul(g, r, r);
}
static rn_tensor *b_transpose(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_mul(g, rn_transpose(g, in[0], 0, 2), in[1]);
}

static void test_shape_ops(void)
{
    rn_tensor *x = gc_tensor(&rng, 3, S(2, 3, 4), -1, 1);
    CHECK(gc_check("scale", b_scale, 1, &x, NULL) < TOL);
    CHECK(gc_check("sum axis 1", b_sum1, 1, &x, NULL) < TOL);
    CHECK(gc_check("mean axis -3 keepdim", b_mean0k, 1, &x, NULL) < TOL);
    CHECK(gc_check("mean_all", b_sum_all, 1, &x, NULL) < TOL);
    CHECK(gc_check("reshape", b_reshape, 1, &x, NULL) < TOL);
    rn_tensor *in[2] = {x, gc_tensor(&rng, 3, S(4, 3, 2), -1, 1)};
    CHECK(gc_check("transpose 0,2", b_transpose, 2, in, NULL) < TOL);
    free_all(2, in);
}

static rn_tensor *b_concat(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    rn_tensor *y = rn_concat(g, 3, in, 1);
    return rn_mul(g, y, y);
}
static rn_tensor *b_split(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    rn_tensor *p[3];
    rn_split(g, in[0], -1, 3, S(1, 3, 2), p);
    /* recombine differently so each piece's gradient differs */
    return rn_add(g, rn_mul(g, p[1], p[1]), rn_mul(g, rn_sum(g, p[2], 1, 1), p[0]));
}
static rn_tensor *b_gather(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    rn_tensor *y = rn_gather_rows(g, in[0], ids_a);
    return rn_mul(g, y, y);
}

static void test_concat_split_gather(void)
{
    rn_tensor *in[3] = {gc_tensor(&rng, 2, S(2, 1), -1, 1), gc_tensor(&rng, 2, S(2, 3), -1, 1),
                        gc_tensor(&rng, 2, S(2, 2), -1, 1)};
    CHECK(gc_check("concat axis 1", b_concat, 3, in, NULL) < TOL);
    free_all(3, in);
    rn_tensor *x = gc_tensor(&rng, 2, S(3, 6), -1, 1);
    CHECK(gc_check("split", b_split, 1, &x, NULL) < TOL);
    rn_tensor_free(x);
    x = gc_tensor(&rng, 3, S(4, 2, 3), -1, 1);
    CHECK(gc_check("gather_rows (repeated ids)", b_gather, 1, &x, NULL) < TOL);
    rn_tensor_free(x);
}

static rn_tensor *b_relu(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_relu(g, in[0]);
}
static rn_tensor *b_leaky(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_leaky_relu(g, in[0], 0.1f);
}
static rn_tensor *b_prelu(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_prelu(g, in[0], in[1]);
}
static rn_tensor *b_sigmoid(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_sigmoid(g, in[0]);
}
static rn_tensor *b_tanh(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_tanh(g, in[0]);
}
static rn_tensor *b_softplus(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_softplus(g, in[0]);
}

/* The checker itself can fail: ReLU's inputs placed within h of its kink give
 * a numeric slope of about 1/2 where the analytic one is 0 or 1. */
static void test_checker_catches_errors(void)
{
    rn_tensor *x = gc_tensor(&rng, 1, S(4), -1, 1);
    for (size_t i = 0; i < x->n; i++)
        x->data[i] = (i % 2 ? 1.0f : -1.0f) * (float)gc_h * 0.25f;
    CHECK(gc_check("relu on its kink (must fail)", b_relu, 1, &x, NULL) > 0.1);
    rn_tensor_free(x);
}

static rn_tensor *b_exp(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_exp(g, in[0]);
}
static rn_tensor *b_log(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_log(g, in[0]);
}

static void test_activations(void)
{
    rn_tensor *x = gc_tensor(&rng, 2, S(4, 5), -3, 3);
    gc_off_zero(x, 0.1f); /* ReLU-family kinks at 0, further than gc_h */
    CHECK(gc_check("relu", b_relu, 1, &x, NULL) < TOL);
    CHECK(gc_check("leaky_relu", b_leaky, 1, &x, NULL) < TOL);
    CHECK(gc_check("sigmoid", b_sigmoid, 1, &x, NULL) < TOL);
    CHECK(gc_check("tanh", b_tanh, 1, &x, NULL) < TOL);
    CHECK(gc_check("softplus", b_softplus, 1, &x, NULL) < TOL);
    CHECK(gc_check("exp", b_exp, 1, &x, NULL) < TOL);
    rn_tensor *pos = gc_tensor(&rng, 2, S(3, 4), 0.5f, 3.0f); /* log needs x > 0 */
    CHECK(gc_check("log", b_log, 1, &pos, NULL) < TOL);
    rn_tensor_free(pos);
    rn_tensor *in[2] = {x, gc_tensor(&rng, 1, S(5), 0.1f, 0.4f)};
    CHECK(gc_check("prelu (per channel)", b_prelu, 2, in, NULL) < TOL);
    rn_tensor_free(in[1]);
    in[1] = gc_tensor(&rng, 1, S(1), 0.1f, 0.4f);
    CHECK(gc_check("prelu (shared)", b_prelu, 2, in, NULL) < TOL);
    free_all(2, in);
}

static rn_tensor *b_dice(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_dice(g, in[0], in[1], in[2], in[3], 0.1f, 1e-8f);
}
static rn_tensor *b_bn(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_batchnorm(g, in[0], in[1], in[2], in[3], in[4], 0.1f, 1e-5f);
}
static rn_tensor *b_ln(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_layernorm(g, in[0], in[1], in[2], 1e-5f);
}

static void test_norms(void)
{
    rn_tensor *x = gc_tensor(&rng, 2, S(6, 3), -2, 2);
    rn_tensor *alpha = gc_tensor(&rng, 1, S(3), 0.1f, 0.5f);
    rn_tensor *rm = rn_tensor_new(1, S(3)), *rv = rn_tensor_new(1, S(3));
    rn_tensor_fill(rv, 1.0f);
    rn_tensor *din[4] = {x, alpha, rm, rv};
    CHECK(gc_check_mode("dice (train)", b_dice, 4, din, NULL, 1) < TOL);
    rn_tensor_fill(rm, 0.2f), rn_tensor_fill(rv, 0.8f);
    CHECK(gc_check_mode("dice (eval)", b_dice, 4, din, NULL, 0) < TOL);
    rn_tensor *gamma = gc_tensor(&rng, 1, S(3), 0.5f, 1.5f),
              *beta = gc_tensor(&rng, 1, S(3), -1, 1);
    rn_tensor *bin[5] = {x, gamma, beta, rm, rv};
    CHECK(gc_check_mode("batchnorm (train)", b_bn, 5, bin, NULL, 1) < TOL);
    CHECK(gc_check_mode("batchnorm (eval)", b_bn, 5, bin, NULL, 0) < TOL);
    rn_tensor *lx = gc_tensor(&rng, 3, S(2, 2, 3), -2, 2);
    rn_tensor *lin[3] = {lx, gamma, beta};
    CHECK(gc_check("layernorm", b_ln, 3, lin, NULL) < TOL);
    rn_tensor *all[7] = {x, alpha, rm, rv, gamma, beta, lx};
    free_all(7, all);
}

static rn_tensor *b_softmax(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_softmax(g, in[0], 1);
}
static rn_tensor *b_log_softmax(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_log_softmax(g, in[0], -1);
}
static rn_tensor *b_dropout(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_dropout(g, rn_mul(g, in[0], in[0]), 0.3f);
}

static void test_softmax_dropout(void)
{
    rn_tensor *x = gc_tensor(&rng, 3, S(2, 4, 3), -2, 2);
    CHECK(gc_check("softmax axis 1", b_softmax, 1, &x, NULL) < TOL);
    CHECK(gc_check("log_softmax axis -1", b_log_softmax, 1, &x, NULL) < TOL);
    CHECK(gc_check_mode("dropout (train)", b_dropout, 1, &x, NULL, 1) < TOL);
    CHECK(gc_check_mode("dropout (eval)", b_dropout, 1, &x, NULL, 0) < TOL);
    rn_tensor_free(x);
}

static rn_tensor *b_embedding(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    rn_tensor *y = rn_embedding(g, in[0], ids_b);
    return rn_mul(g, y, y);
}
static int pool_mode;
static rn_tensor *b_pool(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_pool(g, in[0], in[1], pool_mode == RN_POOL_WEIGHTED ? in[2] : NULL, pool_mode);
}
static rn_tensor *b_fm(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_fm(g, in[0]);
}
static rn_tensor *b_pairwise(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_pairwise(g, in[0]);
}
static rn_tensor *b_gru(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_gru_cell(g, in[0], in[1], in[2], in[3], in[4], in[5]);
}

static void test_embedding_pool_fm_gru(void)
{
    rn_params *ps = rn_params_new();
    rn_tensor *table = rn_param_table(ps, "emb", 6, 3);
    rn_tensor_uniform(table, &rng, -1, 1);
    CHECK(gc_check("embedding (sparse table)", b_embedding, 1, &table, NULL) < TOL);
    rn_params_free(ps);

    rn_tensor *x = gc_tensor(&rng, 3, S(3, 4, 2), -1, 1);
    /* keep values distinct by more than 2h so the max never switches */
    for (size_t i = 0; i < x->n; i++)
        x->data[i] = -2.0f + 0.2f * (float)((i * 7) % 23);
    float m[12] = {1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0}; /* lengths 3, 1, 0 */
    rn_tensor *mask = rn_tensor_from(2, S(3, 4), m);
    rn_tensor *w = gc_tensor(&rng, 2, S(3, 4), -1, 1);
    rn_tensor *in[3] = {x, mask, w};
    const char *names[4] = {"pool sum", "pool mean", "pool max", "pool weighted"};
    for (pool_mode = RN_POOL_SUM; pool_mode <= RN_POOL_WEIGHTED; pool_mode++)
        CHECK(gc_check(names[pool_mode], b_pool, 3, in, NULL) < TOL);
    free_all(3, in);

    rn_tensor *v = gc_tensor(&rng, 3, S(2, 4, 3), -1, 1);
    CHECK(gc_check("fm", b_fm, 1, &v, NULL) < TOL);
    CHECK(gc_check("pairwise", b_pairwise, 1, &v, NULL) < TOL);
    /* the pairwise terms add up to FM's: sum_{i<j} <v_i, v_j> */
    rn_graph *g = rn_graph_new(1);
    rn_tensor *fm = rn_fm(g, v), *pw = rn_sum(g, rn_pairwise(g, v), 1, 1);
    CHECK(fm != NULL && pw != NULL && pw->n == 2);
    for (int b = 0; fm && pw && b < 2; b++)
        CHECK_NEAR(pw->data[b], fm->data[b], 1e-5);
    rn_graph_free(g);
    rn_tensor_free(v);

    rn_tensor *gin[6] = {gc_tensor(&rng, 2, S(2, 3), -1, 1),  gc_tensor(&rng, 2, S(2, 4), -1, 1),
                         gc_tensor(&rng, 2, S(12, 3), -1, 1), gc_tensor(&rng, 2, S(12, 4), -1, 1),
                         gc_tensor(&rng, 1, S(12), -1, 1),    gc_tensor(&rng, 1, S(12), -1, 1)};
    CHECK(gc_check("gru_cell", b_gru, 6, gin, NULL) < TOL);
    free_all(6, gin);
}

static rn_tensor *b_bce(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_bce_logits(g, in[0], in[1], in[2]);
}
static rn_tensor *b_mse(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_mse(g, in[0], in[1], in[2]);
}
static rn_tensor *b_ce(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_softmax_ce(g, in[0], ids_a, in[1]);
}
static rn_ids *neg1, *neg2;
static rn_tensor *b_sampled(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_sampled_softmax(g, in[0], in[1], ids_a, neg1, in[2]);
}
static rn_tensor *b_negs(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_neg_sampling(g, in[0], in[1], ids_a, neg2, in[2]);
}

static void test_losses(void)
{
    rn_tensor *z = gc_tensor(&rng, 2, S(5, 1), -3, 3), *y = rn_tensor_new(1, S(5));
    rn_tensor *w = gc_tensor(&rng, 1, S(5), 0.5f, 2);
    for (int i = 0; i < 5; i++)
        y->data[i] = (float)(i % 2);
    y->data[4] = 0.3f; /* soft label */
    rn_tensor *in[3] = {z, y, w};
    CHECK(gc_check("bce_logits (weighted)", b_bce, 3, in, NULL) < TOL);
    in[2] = NULL;
    CHECK(gc_check("bce_logits", b_bce, 3, in, NULL) < TOL);
    rn_tensor_require_grad(y);
    in[2] = w;
    CHECK(gc_check("mse (weighted)", b_mse, 3, in, NULL) < TOL);
    free_all(3, in);

    rn_tensor *logits = gc_tensor(&rng, 2, S(4, 5), -2, 2), *wc = gc_tensor(&rng, 1, S(4), 0.5f, 2);
    rn_tensor *cin[2] = {logits, wc};
    CHECK(gc_check("softmax_ce (weighted)", b_ce, 2, cin, NULL) < TOL);
    free_all(2, cin);

    rn_params *ps = rn_params_new();
    rn_tensor *table = rn_param_table(ps, "out", 6, 3);
    rn_tensor_uniform(table, &rng, -1, 1);
    rn_tensor *h = gc_tensor(&rng, 2, S(4, 3), -1, 1), *ws = gc_tensor(&rng, 1, S(4), 0.5f, 2);
    rn_tensor *sin[3] = {h, table, ws};
    CHECK(gc_check("sampled_softmax", b_sampled, 3, sin, NULL) < TOL);
    CHECK(gc_check("neg_sampling", b_negs, 3, sin, NULL) < TOL);
    rn_tensor_free(h), rn_tensor_free(ws);
    rn_params_free(ps);
}

static rn_tensor *b_logit_prod(rn_graph *g, rn_tensor **in, void *c)
{
    (void)c;
    return rn_logit_prod(g, in[0], in[1]);
}

/* ESMM's pCTCVR as a logit: sigmoid(z) = sigmoid(a) sigmoid(b) in [0, 1], finite and
 * accurate where a naive log(p) - log(1 - p) is not (p within rounding of 0 or 1). */
static void test_logit_prod(void)
{
    rn_tensor *in[2] = {gc_tensor(&rng, 2, S(4, 3), -6, 6), gc_tensor(&rng, 2, S(4, 3), -6, 6)};
    CHECK(gc_check("logit_prod", b_logit_prod, 2, in, NULL) < TOL);
    free_all(2, in);
    /* far tails: p near 1 (a, b large) and near 0 */
    in[0] = gc_tensor(&rng, 1, S(4), 0, 1), in[1] = gc_tensor(&rng, 1, S(4), 0, 1);
    const float ta[4] = {25, 30, -40, 3}, tb[4] = {28, -2, -45, 60};
    memcpy(in[0]->data, ta, sizeof ta), memcpy(in[1]->data, tb, sizeof tb);
    CHECK(gc_check("logit_prod (tails)", b_logit_prod, 2, in, NULL) < TOL);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *z = rn_logit_prod(g, in[0], in[1]);
    CHECK(z != NULL);
    /* references in double: z = log p - log(1 - p) with 1 - p = s(-a) + s(a) s(-b) */
    for (int i = 0; z != NULL && i < 4; i++) {
        double a = ta[i], b = tb[i];
        double sa = 1 / (1 + exp(-a)), sb = 1 / (1 + exp(-b));
        double q = 1 / (1 + exp(a)) + sa / (1 + exp(b)), ref = log(sa * sb) - log(q);
        CHECK(isfinite(z->data[i]));
        CHECK_NEAR(z->data[i], ref, 1e-5 * fmax(1, fabs(ref)));
    }
    /* a = b = 0: p = 1/4, z = log(1/3); each gradient 2/3 */
    const float zero[1] = {0};
    rn_graph_reset(g);
    rn_tensor *a0 = rn_graph_tensor(g, 1, S(1), zero), *b0 = rn_graph_tensor(g, 1, S(1), zero);
    rn_tensor *z0 = rn_logit_prod(g, a0, b0);
    CHECK(z0 != NULL);
    if (z0 != NULL) CHECK_NEAR(z0->data[0], log(1.0 / 3.0), 1e-6);
    rn_tensor *bad = rn_graph_tensor(g, 1, S(2), NULL);
    CHECK(rn_logit_prod(g, a0, bad) == NULL);
    CHECK(strstr(rn_error(), "logit_prod: a of shape 1 and b of shape 2 differ") != NULL);
    rn_graph_free(g);
    free_all(2, in);
}

int main(void)
{
    rn_rng_seed(&rng, 42);
    ids_a = rn_ids_new(RN_I64, 1, S(4));
    int64_t a[4] = {2, 0, 2, 3}; /* a repeated id: gradients must add up */
    for (int i = 0; i < 4; i++)
        rn_ids_set(ids_a, i, a[i]);
    ids_b = rn_ids_new(RN_I32, 2, S(2, 3));
    int32_t b[6] = {5, 1, 1, 0, 4, 5};
    for (int i = 0; i < 6; i++)
        rn_ids_set(ids_b, i, b[i]);
    neg1 = rn_ids_new(RN_I32, 1, S(3));
    neg2 = rn_ids_new(RN_I64, 2, S(4, 2));
    for (int i = 0; i < 3; i++)
        rn_ids_set(neg1, i, 5 - i);
    for (int i = 0; i < 8; i++)
        rn_ids_set(neg2, i, (i * 5 + 1) % 6);

    RUN(test_matmul);
    RUN(test_linear);
    RUN(test_linear_rows);
    RUN(test_binary);
    RUN(test_shape_ops);
    RUN(test_concat_split_gather);
    RUN(test_activations);
    RUN(test_checker_catches_errors);
    RUN(test_norms);
    RUN(test_softmax_dropout);
    RUN(test_embedding_pool_fm_gru);
    RUN(test_losses);
    RUN(test_logit_prod);

    rn_ids_free(ids_a), rn_ids_free(ids_b), rn_ids_free(neg1), rn_ids_free(neg2);
    return check_report();
}
