/* The engine against PyTorch: batch norm (train and eval, with running
 * statistics), Dice (train and eval), softmax / log-softmax, the GRU cell,
 * BCE-with-logits (|z| up to 130), layer norm, PReLU, masked pooling (sum,
 * mean, max, weighted), weighted softmax cross-entropy and the optimizers
 * SGD / AdaGrad / Adam / AdamW, read from fixtures/torch.txt (written by
 * make_fixtures.py; torch is not needed to run this test). Each comparison
 * asserts
 *   max_i |c_i - t_i| / max(|t_i|, 1e-3 max_j |t_j|) < 1e-5
 * (relative per element, floored at 0.1% of the array's scale). */
#include "check.h"

#include <stdlib.h>

#include "autograd.h"
#include "error.h"
#include "ops.h"
#include "optim.h"
#include "tensor.h"

#define TOL        1e-5
#define MAX_ARRAYS 128

static struct {
    char name[64];
    int n;
    double *v;
} fx[MAX_ARRAYS];
static int n_fx;

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char name[64];
    int c;
    while ((c = fgetc(f)) != EOF) {
        if (c == '#') { /* comment line */
            while ((c = fgetc(f)) != EOF && c != '\n')
                ;
            continue;
        }
        ungetc(c, f);
        int n;
        if (n_fx == MAX_ARRAYS || fscanf(f, "%63s %d", name, &n) != 2 || n < 1) break;
        strcpy(fx[n_fx].name, name);
        fx[n_fx].n = n;
        fx[n_fx].v = malloc((size_t)n * sizeof(double));
        for (int i = 0; i < n; i++)
            if (fscanf(f, "%lf", &fx[n_fx].v[i]) != 1) return -1;
        n_fx++;
        while ((c = fgetc(f)) != EOF && c != '\n')
            ;
    }
    fclose(f);
    return n_fx;
}

static const double *get(const char *name, int n)
{
    for (int i = 0; i < n_fx; i++)
        if (strcmp(fx[i].name, name) == 0) {
            if (fx[i].n != n) {
                fprintf(stderr, "fixture %s has %d values, expected %d\n", name, fx[i].n, n);
                return NULL;
            }
            return fx[i].v;
        }
    fprintf(stderr, "fixture %s is missing\n", name);
    return NULL;
}

/* A tensor of the given shape filled from fixture name (NULL if missing). */
static rn_tensor *tensor(const char *name, int ndim, const int *shape, int grad)
{
    rn_tensor *t = rn_tensor_new(ndim, shape);
    const double *v = get(name, (int)t->n);
    if (v == NULL) {
        rn_tensor_free(t);
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++)
        t->data[i] = (float)v[i];
    if (grad) rn_tensor_require_grad(t);
    return t;
}

/* The error measure above between n floats and fixture name; prints it. */
static double compare(const char *name, const float *c, int n)
{
    const double *t = get(name, n);
    if (t == NULL) return INFINITY;
    double scale = 0, worst = 0;
    for (int i = 0; i < n; i++)
        scale = fmax(scale, fabs(t[i]));
    for (int i = 0; i < n; i++) {
        double e = fabs((double)c[i] - t[i]) / fmax(fabs(t[i]), 1e-3 * scale);
        if (!(e <= worst)) worst = e;
    }
    printf("fixture %-28s max relative difference %.2e\n", name, worst);
    return worst;
}

#define S(...) ((const int[]){__VA_ARGS__})

/* Runs backward with dout = fixture prefix.R and compares out and grads. */
static void check_out(rn_graph *g, const char *prefix, rn_tensor *y)
{
    char name[96];
    CHECK(y != NULL);
    if (y == NULL) {
        fprintf(stderr, "%s: %s\n", prefix, rn_error());
        return;
    }
    snprintf(name, sizeof name, "%s.R", prefix);
    const double *R = get(name, (int)y->n);
    CHECK(R != NULL);
    if (R == NULL) return;
    float *r = malloc(y->n * sizeof *r);
    for (size_t i = 0; i < y->n; i++)
        r[i] = (float)R[i];
    CHECK(rn_backward_from(g, y, r) == RN_OK);
    free(r);
    snprintf(name, sizeof name, "%s.y", prefix);
    CHECK(compare(name, y->data, (int)y->n) < TOL);
}

static void check_grad(const char *prefix, const char *input, rn_tensor *t)
{
    char name[96];
    snprintf(name, sizeof name, "%s.d%s", prefix, input);
    CHECK(compare(name, t->grad, (int)t->n) < TOL);
}

static void test_batchnorm(void)
{
    rn_tensor *x = tensor("bn.x", 2, S(6, 3), 1), *gamma = tensor("bn.gamma", 1, S(3), 1);
    rn_tensor *beta = tensor("bn.beta", 1, S(3), 1);
    rn_tensor *rm = rn_tensor_new(1, S(3)), *rv = rn_tensor_new(1, S(3));
    rn_tensor_fill(rv, 1.0f);
    rn_graph *g = rn_graph_new(1);
    check_out(g, "bn.train", rn_batchnorm(g, x, gamma, beta, rm, rv, 0.1f, 1e-5f));
    check_grad("bn.train", "x", x), check_grad("bn.train", "gamma", gamma);
    check_grad("bn.train", "beta", beta);
    CHECK(compare("bn.train.running_mean", rm->data, 3) < TOL);
    CHECK(compare("bn.train.running_var", rv->data, 3) < TOL);

    rn_tensor *erm = tensor("bn.eval.running_mean", 1, S(3), 0);
    rn_tensor *erv = tensor("bn.eval.running_var", 1, S(3), 0);
    rn_tensor_zero_grad(x), rn_tensor_zero_grad(gamma), rn_tensor_zero_grad(beta);
    rn_graph_reset(g);
    rn_graph_set_training(g, 0);
    check_out(g, "bn.eval", rn_batchnorm(g, x, gamma, beta, erm, erv, 0.1f, 1e-5f));
    check_grad("bn.eval", "x", x), check_grad("bn.eval", "gamma", gamma);
    check_grad("bn.eval", "beta", beta);
    rn_graph_free(g);
    rn_tensor *all[7] = {x, gamma, beta, rm, rv, erm, erv};
    for (int i = 0; i < 7; i++)
        rn_tensor_free(all[i]);
}

static void test_dice(void)
{
    rn_tensor *x = tensor("dice.x", 2, S(8, 4), 1), *alpha = tensor("dice.alpha", 1, S(4), 1);
    rn_tensor *rm = rn_tensor_new(1, S(4)), *rv = rn_tensor_new(1, S(4));
    rn_tensor_fill(rv, 1.0f);
    rn_graph *g = rn_graph_new(1);
    check_out(g, "dice.train", rn_dice(g, x, alpha, rm, rv, 0.1f, 1e-8f));
    check_grad("dice.train", "x", x), check_grad("dice.train", "alpha", alpha);
    CHECK(compare("dice.train.running_mean", rm->data, 4) < TOL);
    CHECK(compare("dice.train.running_var", rv->data, 4) < TOL);
    rn_tensor *erm = tensor("dice.eval.running_mean", 1, S(4), 0);
    rn_tensor *erv = tensor("dice.eval.running_var", 1, S(4), 0);
    rn_tensor_zero_grad(x), rn_tensor_zero_grad(alpha);
    rn_graph_reset(g);
    rn_graph_set_training(g, 0);
    check_out(g, "dice.eval", rn_dice(g, x, alpha, erm, erv, 0.1f, 1e-8f));
    check_grad("dice.eval", "x", x), check_grad("dice.eval", "alpha", alpha);
    rn_graph_free(g);
    rn_tensor *all[6] = {x, alpha, rm, rv, erm, erv};
    for (int i = 0; i < 6; i++)
        rn_tensor_free(all[i]);
}

static void test_softmax(void)
{
    rn_tensor *x = tensor("softmax.x", 3, S(2, 4, 3), 1);
    rn_graph *g = rn_graph_new(1);
    check_out(g, "softmax", rn_softmax(g, x, 1));
    check_grad("softmax", "x", x);
    rn_tensor_zero_grad(x);
    rn_graph_reset(g);
    check_out(g, "log_softmax", rn_log_softmax(g, x, 1));
    check_grad("log_softmax", "x", x);
    rn_graph_free(g);
    rn_tensor_free(x);
}

static void test_gru(void)
{
    rn_tensor *in[6] = {tensor("gru.x", 2, S(3, 5), 1),     tensor("gru.h", 2, S(3, 4), 1),
                        tensor("gru.w_ih", 2, S(12, 5), 1), tensor("gru.w_hh", 2, S(12, 4), 1),
                        tensor("gru.b_ih", 1, S(12), 1),    tensor("gru.b_hh", 1, S(12), 1)};
    const char *names[6] = {"x", "h", "w_ih", "w_hh", "b_ih", "b_hh"};
    rn_graph *g = rn_graph_new(1);
    check_out(g, "gru", rn_gru_cell(g, in[0], in[1], in[2], in[3], in[4], in[5]));
    for (int i = 0; i < 6; i++)
        check_grad("gru", names[i], in[i]);
    rn_graph_free(g);
    for (int i = 0; i < 6; i++)
        rn_tensor_free(in[i]);
}

static void test_bce(void)
{
    rn_tensor *z = tensor("bce.z", 1, S(10), 1), *y = tensor("bce.y", 1, S(10), 0);
    rn_tensor *w = tensor("bce.w", 1, S(10), 0);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *loss = rn_bce_logits(g, z, y, w);
    CHECK(loss != NULL && rn_backward(g, loss) == RN_OK);
    CHECK(isfinite(loss->data[0]));
    CHECK(compare("bce.loss", loss->data, 1) < TOL);
    CHECK(compare("bce.dz", z->grad, 10) < TOL);
    rn_graph_reset(g);
    rn_tensor_zero_grad(z);
    loss = rn_bce_logits(g, z, y, NULL);
    CHECK(loss != NULL && rn_backward(g, loss) == RN_OK);
    CHECK(compare("bce.unweighted.loss", loss->data, 1) < TOL);
    CHECK(compare("bce.unweighted.dz", z->grad, 10) < TOL);
    rn_graph_free(g);
    rn_tensor_free(z), rn_tensor_free(y), rn_tensor_free(w);
}

static void test_layernorm_prelu(void)
{
    rn_tensor *x = tensor("ln.x", 3, S(2, 3, 4), 1), *gamma = tensor("ln.gamma", 1, S(4), 1);
    rn_tensor *beta = tensor("ln.beta", 1, S(4), 1);
    rn_graph *g = rn_graph_new(1);
    check_out(g, "ln", rn_layernorm(g, x, gamma, beta, 1e-5f));
    check_grad("ln", "x", x), check_grad("ln", "gamma", gamma), check_grad("ln", "beta", beta);
    rn_graph_reset(g);
    rn_tensor *px = tensor("prelu.x", 2, S(4, 3), 1), *alpha = tensor("prelu.alpha", 1, S(3), 1);
    check_out(g, "prelu", rn_prelu(g, px, alpha));
    check_grad("prelu", "x", px), check_grad("prelu", "alpha", alpha);
    rn_graph_free(g);
    rn_tensor *all[5] = {x, gamma, beta, px, alpha};
    for (int i = 0; i < 5; i++)
        rn_tensor_free(all[i]);
}

static void test_pool(void)
{
    const char *modes[4] = {"pool.sum", "pool.mean", "pool.max", "pool.weighted"};
    rn_tensor *mask = tensor("pool.mask", 2, S(3, 4), 0), *w = tensor("pool.w", 2, S(3, 4), 1);
    for (int mode = RN_POOL_SUM; mode <= RN_POOL_WEIGHTED; mode++) {
        rn_tensor *x = tensor("pool.x", 3, S(3, 4, 2), 1);
        rn_tensor_zero_grad(w);
        rn_graph *g = rn_graph_new(1);
        check_out(g, modes[mode], rn_pool(g, x, mask, mode == RN_POOL_WEIGHTED ? w : NULL, mode));
        check_grad(modes[mode], "x", x);
        if (mode == RN_POOL_WEIGHTED) check_grad(modes[mode], "w", w);
        rn_graph_free(g);
        rn_tensor_free(x);
    }
    rn_tensor_free(mask), rn_tensor_free(w);
}

static void test_softmax_ce(void)
{
    rn_tensor *z = tensor("ce.z", 2, S(4, 5), 1), *w = tensor("ce.w", 1, S(4), 1);
    const double *tv = get("ce.target", 4);
    rn_ids *t = rn_ids_new(RN_I32, 1, S(4));
    for (int i = 0; i < 4 && tv; i++)
        rn_ids_set(t, (size_t)i, (int64_t)tv[i]);
    rn_graph *g = rn_graph_new(1);
    rn_tensor *loss = rn_softmax_ce(g, z, t, w);
    CHECK(loss != NULL && rn_backward(g, loss) == RN_OK);
    CHECK(compare("ce.loss", loss->data, 1) < TOL);
    CHECK(compare("ce.dz", z->grad, 20) < TOL);
    CHECK(compare("ce.dw", w->grad, 4) < TOL);
    rn_graph_free(g);
    rn_ids_free(t);
    rn_tensor_free(z), rn_tensor_free(w);
}

static void run_optim(const char *name, rn_optim_config c)
{
    rn_tensor *w = tensor("optim.w0", 1, S(6), 1);
    rn_optim *o = rn_optim_new(&c);
    CHECK(o != NULL && rn_optim_add_tensor(o, w) == RN_OK);
    for (int k = 0; k < 3; k++) {
        char gname[32], sname[64];
        snprintf(gname, sizeof gname, "optim.g%d", k);
        const double *gv = get(gname, 6);
        for (int i = 0; i < 6 && gv; i++)
            w->grad[i] = (float)gv[i];
        CHECK(rn_optim_step(o) == RN_OK);
        snprintf(sname, sizeof sname, "optim.%s.step%d", name, k + 1);
        CHECK(compare(sname, w->data, 6) < TOL);
    }
    rn_optim_free(o);
    rn_tensor_free(w);
}

static void test_optimizers(void)
{
    rn_optim_config c = rn_optim_defaults(RN_SGD);
    c.lr = 0.1f;
    run_optim("sgd", c);
    c.momentum = 0.9f;
    run_optim("sgd_momentum", c);
    c.nesterov = 1;
    run_optim("sgd_nesterov", c);
    c = rn_optim_defaults(RN_SGD);
    c.lr = 0.1f, c.weight_decay = 0.5f;
    run_optim("sgd_l2", c);
    c = rn_optim_defaults(RN_ADAGRAD);
    c.lr = 0.5f, c.initial_accumulator = 0.1f;
    run_optim("adagrad", c);
    c = rn_optim_defaults(RN_ADAM);
    c.lr = 0.05f;
    run_optim("adam", c);
    c.weight_decay = 0.1f;
    run_optim("adam_l2", c);
    c = rn_optim_defaults(RN_ADAMW);
    c.lr = 0.05f, c.weight_decay = 0.2f;
    run_optim("adamw", c);
}

int main(void)
{
    const char *dir = getenv("RECNOTE_DATA_DIR");
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/engine/fixtures/torch.txt", dir ? dir : ".");
    CHECK(load(path) > 0);
    if (n_fx == 0) {
        fprintf(stderr, "cannot read %s\n", path);
        return check_report();
    }
    RUN(test_batchnorm);
    RUN(test_dice);
    RUN(test_softmax);
    RUN(test_gru);
    RUN(test_bce);
    RUN(test_layernorm_prelu);
    RUN(test_pool);
    RUN(test_softmax_ce);
    RUN(test_optimizers);
    for (int i = 0; i < n_fx; i++)
        free(fx[i].v);
    return check_report();
}
