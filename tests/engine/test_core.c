/* The engine core: tensors and ids, parameter sets, the arena, graph errors
 * (sticky, stale tensors), the allocation hook (failing the Nth allocation
 * everywhere in a training step, and a warm step of a 3-layer MLP on batch
 * 2048 that allocates nothing), and small models that learn. */
#include "check.h"

#include <stdlib.h>

#include "alloc.h"
#include "arena.h"
#include "autograd.h"
#include "error.h"
#include "ops.h"
#include "ops/op.h"
#include "optim.h"
#include "tensor.h"

#define S(...) ((const int[]){__VA_ARGS__})

/* ---- the counting / failing allocation hook --------------------------------- */

static long n_allocs; /* allocations (and growths) since the counter was cleared */
static long fail_at;  /* fail the fail_at-th allocation from now; 0 never */

static void *hook(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size > 0) {
        n_allocs++;
        if (fail_at > 0 && --fail_at == 0) return NULL;
    }
    return rn_alloc_default(NULL, ptr, size);
}

static void test_tensors(void)
{
    rn_tensor *t = rn_tensor_new(3, S(2, 3, 4));
    CHECK(t != NULL && t->n == 24 && t->data[23] == 0.0f && t->grad == NULL);
    char buf[32];
    CHECK_STR(rn_shape_str(t, buf, sizeof buf), "2x3x4");
    CHECK(rn_tensor_new(5, S(1, 1, 1, 1, 1)) == NULL);
    CHECK_STR(rn_error(), "a tensor has 1 to 4 dimensions, got 5");
    CHECK(rn_tensor_new(2, S(3, 0)) == NULL);
    CHECK_STR(rn_error(), "dimension 2 of a tensor must be at least 1, got 0");
    CHECK(rn_tensor_new(3, S(1 << 20, 1 << 20, 1 << 20)) == NULL); /* no overflow */
    CHECK_STR(rn_error(), "a tensor of shape 1048576x1048576x1048576 would hold "
                          "1152921504606846976 elements (4611686018.4 GB); the cap is "
                          "268435456 elements (1 GiB of float32)");
    CHECK(rn_error_code() == RN_ESHAPE);
    /* the review's {46340, 46340}: 8.6 GB refused before anything is allocated */
    CHECK(rn_tensor_new(2, S(46340, 46340)) == NULL);
    CHECK(strstr(rn_error(), "shape 46340x46340 would hold 2147395600 elements (8.6 GB)") != NULL);
    CHECK(rn_ids_new(RN_I64, 1, S(1 << 29)) == NULL && rn_error_code() == RN_ESHAPE);
    CHECK(rn_tensor_new(2, S((1 << 14) + 1, 1 << 14)) == NULL); /* one row above the cap */
    rn_tensor *c = rn_tensor_clone(t);
    CHECK(c != NULL && rn_shape_equal(c, t));
    rn_tensor_free(c);
    rn_tensor_free(t);
    rn_tensor_free(NULL);

    rn_ids *ids = rn_ids_new(RN_I64, 2, S(2, 3));
    rn_ids_set(ids, 5, (int64_t)1 << 40);
    CHECK(ids->n == 6 && rn_ids_get(ids, 5) == (int64_t)1 << 40);
    rn_ids_free(ids);
    CHECK(rn_ids_new(RN_I32, 3, S(1, 1, 1)) == NULL);
    CHECK_STR(rn_error(), "ids have 1 or 2 dimensions, got 3");
}

static void test_params(void)
{
    rn_params *ps = rn_params_new();
    rn_tensor *w = rn_param_new(ps, "deep.0.weight", 2, S(3, 2));
    CHECK(w != NULL && w->grad != NULL && (w->flags & RN_T_PARAM));
    CHECK(rn_param_new(ps, "deep.0.weight", 1, S(1)) == NULL);
    CHECK_STR(rn_error(), "a parameter named 'deep.0.weight' already exists");
    rn_tensor *e = rn_param_table(ps, "emb.user", 1000, 8);
    CHECK(e != NULL && e->sparse != NULL);
    CHECK(rn_params_find(ps, "emb.user") == e && rn_params_find(ps, "x") == NULL);
    CHECK(rn_params_count(ps) == 2 && rn_params_size(ps) == 6 + 8000);
    rn_tensor_free(w); /* ignored: the set owns it */
    CHECK(rn_params_at(ps, 0) == w && w->n == 6);
    rn_params_free(ps);
}

static void test_arena(void)
{
    rn_arena a;
    rn_arena_init(&a);
    n_allocs = 0;
    for (int round = 0; round < 3; round++) {
        if (round == 1) n_allocs = 0; /* after the first round the chunks exist */
        for (int i = 0; i < 100; i++) {
            char *p = rn_arena_alloc(&a, (size_t)(i * 997 % 20000) + 1);
            CHECK(p != NULL && ((uintptr_t)p & 63) == 0);
            p[0] = 1;
        }
        rn_arena_reset(&a);
    }
    CHECK(n_allocs == 0);
    rn_arena_free(&a);
}

static void test_graph_errors(void)
{
    rn_graph *g = rn_graph_new(1);
    rn_tensor *a = rn_tensor_new(2, S(2, 3)), *b = rn_tensor_new(2, S(4, 5));
    rn_tensor_require_grad(a);
    rn_tensor *y = rn_matmul(g, a, b, 0, 0);
    CHECK(y == NULL && rn_graph_error(g) == RN_ESHAPE);
    CHECK_STR(rn_error(), "matmul: inner sizes differ: 2x3 times 4x5 (3 vs 4)");
    /* sticky: a later op on the graph fails quietly, keeping the first message */
    CHECK(rn_relu(g, a) == NULL);
    CHECK_STR(rn_error(), "matmul: inner sizes differ: 2x3 times 4x5 (3 vs 4)");
    CHECK(rn_backward(g, y) == RN_ESHAPE);
    rn_graph_reset(g);
    CHECK(rn_graph_error(g) == RN_OK);
    rn_tensor *r = rn_relu(g, a);
    CHECK(r != NULL);
    CHECK(rn_backward(g, r) == RN_ESHAPE); /* 6 elements */
    CHECK_STR(rn_error(), "backward needs a loss of one element, got shape 2x3");
    rn_graph_reset(g);
    CHECK(rn_relu(g, r) == NULL); /* r belongs to the previous step */
    CHECK(rn_graph_error(g) == RN_ESTATE);
    CHECK_STR(rn_error(), "input 1 is an intermediate of an earlier step (freed by reset)");
    rn_graph_reset(g);
    rn_tensor *s = rn_sum_all(g, b); /* b needs no gradient */
    CHECK(rn_backward(g, s) == RN_ESTATE);
    rn_graph_reset(g);
    a->data[0] = -1.0f; /* a * (a / 0): a NaN loss (0 / 0 and -inf + inf) */
    rn_tensor *nan_loss = rn_sum_all(g, rn_mul(g, a, rn_div(g, a, rn_scale(g, a, 0.0f))));
    CHECK(rn_backward(g, nan_loss) == RN_ENAN);
    CHECK(strncmp(rn_error(), "backward: the loss is ", 22) == 0 && strstr(rn_error(), "step"));
    a->data[0] = 0.0f;
    rn_graph_reset(g);
    CHECK(rn_softmax(g, a, 2) == NULL);
    CHECK_STR(rn_error(), "softmax: axis 2 is out of range for a 2-dimensional tensor (2x3)");
    rn_graph_reset(g);
    rn_ids *ids = rn_ids_new(RN_I32, 1, S(2));
    rn_ids_set(ids, 1, 7);
    CHECK(rn_gather_rows(g, a, ids) == NULL);
    CHECK_STR(rn_error(), "gather_rows: id 7 at position 1 is outside 0..1");
    rn_ids_free(ids);
    rn_graph_free(g);
    rn_tensor_free(a), rn_tensor_free(b);
}

static void test_op_table(void)
{
    int named = 0;
    for (int op = 0; op < RN_OP_COUNT; op++)
        named += rn__op_backward[op] != NULL && strcmp(rn_op_name(op), "unknown") != 0;
    CHECK(named == RN_OP_COUNT);
    CHECK_STR(rn_op_name(RN_OP_GRU_CELL), "gru_cell");
}

/* ---- a 3-layer MLP, built the way a model would ------------------------------ */

typedef struct {
    rn_params *ps;
    rn_tensor *w[3], *b[3];
    rn_optim *opt;
    rn_graph *g;
} mlp;

static void mlp_free(mlp *m)
{
    rn_graph_free(m->g);
    rn_optim_free(m->opt);
    rn_params_free(m->ps);
}

/* Returns 0 or the first error; on failure everything made so far is freed. */
static int mlp_build(mlp *m, int in, int hidden)
{
    memset(m, 0, sizeof *m);
    int sizes[4] = {in, hidden, hidden, 1};
    rn_rng r;
    rn_rng_seed(&r, 11);
    if ((m->ps = rn_params_new()) == NULL) return rn_error_code();
    for (int l = 0; l < 3; l++) {
        char name[32];
        snprintf(name, sizeof name, "mlp.%d.weight", l);
        m->w[l] = rn_param_new(m->ps, name, 2, S(sizes[l], sizes[l + 1]));
        snprintf(name, sizeof name, "mlp.%d.bias", l);
        m->b[l] = rn_param_new(m->ps, name, 1, S(sizes[l + 1]));
        if (m->w[l] == NULL || m->b[l] == NULL) {
            mlp_free(m);
            return rn_error_code();
        }
        rn_tensor_normal(m->w[l], &r, 0.0f, 1.0f / sqrtf((float)sizes[l]));
    }
    rn_optim_config c = rn_optim_defaults(RN_ADAM);
    c.lr = 0.01f;
    m->opt = rn_optim_new(&c);
    m->g = rn_graph_new(1);
    if (m->opt == NULL || m->g == NULL || rn_optim_add(m->opt, m->ps, "mlp.") != RN_OK) {
        mlp_free(m);
        return rn_error_code();
    }
    return 0;
}

/* One training step on (x, y) given as float arrays; returns 0 or the error,
 * the loss in *loss. */
static int mlp_step(mlp *m, const float *x, const float *y, int B, int in, float *loss)
{
    rn_graph *g = m->g;
    rn_graph_reset(g);
    rn_tensor *h = rn_graph_tensor(g, 2, S(B, in), x);
    rn_tensor *t = rn_graph_tensor(g, 1, S(B), y);
    for (int l = 0; l < 3; l++) {
        h = rn_add(g, rn_matmul(g, h, m->w[l], 0, 0), m->b[l]);
        if (l < 2) h = rn_relu(g, h);
    }
    rn_tensor *L = rn_bce_logits(g, h, t, NULL);
    if (rn_graph_error(g)) return rn_graph_error(g);
    int rc = rn_backward(g, L);
    if (rc == RN_OK) rc = rn_optim_step(m->opt);
    rn_optim_zero_grad(m->opt);
    *loss = L->data[0];
    return rc;
}

/* Data with a known rule: y = [x0 * x1 > 0] (XOR of signs), which an MLP
 * learns and a linear model cannot. */
static void make_data(float *x, float *y, int B, int in, uint64_t seed)
{
    rn_rng r;
    rn_rng_seed(&r, seed);
    for (int i = 0; i < B * in; i++)
        x[i] = 2.0f * rn_rng_uniform(&r) - 1.0f;
    for (int b = 0; b < B; b++)
        y[b] = x[b * in] * x[b * in + 1] > 0.0f ? 1.0f : 0.0f;
}

static void test_warm_step_allocates_nothing(void)
{
    enum { B = 2048, IN = 16, H = 64 };
    float *x = malloc(sizeof(float) * B * IN), *y = malloc(sizeof(float) * B);
    make_data(x, y, B, IN, 1);
    mlp m;
    CHECK(mlp_build(&m, IN, H) == 0);
    float loss;
    n_allocs = 0;
    CHECK(mlp_step(&m, x, y, B, IN, &loss) == RN_OK); /* cold: the arena grows */
    CHECK(n_allocs > 0);                              /* the hook does see the arena */
    CHECK(mlp_step(&m, x, y, B, IN, &loss) == RN_OK);
    n_allocs = 0;
    for (int i = 0; i < 3; i++)
        CHECK(mlp_step(&m, x, y, B, IN, &loss) == RN_OK);
    printf("warm MLP %dx%d-%d-%d-1 steps: %ld allocations, arena %zu bytes\n", B, IN, H, H,
           n_allocs, rn_graph_arena_capacity(m.g));
    CHECK(n_allocs == 0);
    mlp_free(&m);
    free(x), free(y);
}

/* Fails each allocation in turn, from building the model to two training
 * steps: every failure must come back as RN_ENOMEM (never a crash), and
 * ASan checks that nothing leaks. */
static void test_fail_every_allocation(void)
{
    enum { B = 8, IN = 4, H = 5 };
    float x[B * IN], y[B];
    make_data(x, y, B, IN, 2);
    long n_total = 0;
    int failures_seen = 0, clean = 1;
    for (long k = 1;; k++) {
        fail_at = k;
        n_allocs = 0;
        mlp m;
        int rc = mlp_build(&m, IN, H), built = rc == 0;
        float loss;
        for (int s = 0; rc == 0 && s < 2; s++)
            rc = mlp_step(&m, x, y, B, IN, &loss);
        if (built) mlp_free(&m);
        if (rc == RN_ENOMEM)
            failures_seen++;
        else if (rc != 0)
            clean = 0;
        if (fail_at > 0) { /* the k-th allocation was never reached: done */
            n_total = k - 1;
            break;
        }
    }
    fail_at = 0;
    printf("failing each of %ld allocations in turn: %d clean RN_ENOMEM\n", n_total, failures_seen);
    CHECK(clean);
    CHECK(failures_seen == n_total);
    CHECK(n_total > 20);
}

static void test_mlp_learns_xor(void)
{
    enum { B = 256, IN = 2, H = 16 };
    float x[B * IN], y[B];
    make_data(x, y, B, IN, 3);
    mlp m;
    CHECK(mlp_build(&m, IN, H) == 0);
    float loss = 0, first = 0;
    for (int step = 0; step < 300; step++) {
        CHECK(mlp_step(&m, x, y, B, IN, &loss) == RN_OK);
        if (step == 0) first = loss;
    }
    /* accuracy on fresh data from the same rule */
    float tx[B * IN], ty[B];
    make_data(tx, ty, B, IN, 4);
    rn_graph *g = m.g;
    rn_graph_reset(g);
    rn_graph_set_training(g, 0);
    rn_tensor *h = rn_graph_tensor(g, 2, S(B, IN), tx);
    for (int l = 0; l < 3; l++) {
        h = rn_add(g, rn_matmul(g, h, m.w[l], 0, 0), m.b[l]);
        if (l < 2) h = rn_relu(g, h);
    }
    int right = 0;
    for (int b = 0; h && b < B; b++)
        right += (h->data[b] > 0.0f) == (ty[b] > 0.5f);
    printf("MLP on XOR of signs: loss %.3f -> %.3f, held-out accuracy %.3f\n", (double)first,
           (double)loss, right / (double)B);
    CHECK(loss < 0.5f * first);
    CHECK(right > 0.9 * B);
    mlp_free(&m);
}

int main(void)
{
    rn_alloc_set(hook, NULL);
    RUN(test_tensors);
    RUN(test_params);
    RUN(test_arena);
    RUN(test_graph_errors);
    RUN(test_op_table);
    RUN(test_warm_step_allocates_nothing);
    RUN(test_fail_every_allocation);
    RUN(test_mlp_learns_xor);
    rn_alloc_set(NULL, NULL);
    return check_report();
}
