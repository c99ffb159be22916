/* Dice inside the models' MLP (engine/models/layers.c) against a PyTorch
 * fixture (make_dice_fixture.py -> fixtures/dice.txt), one check for each way
 * zoos get it wrong:
 *   1. training uses the mini-batch's statistics per channel (not running
 *      ones, not statistics over a row's neurons): the training logits match;
 *   2. inference uses moving averages, and training updates them: the running
 *      mean and variance after three steps and the inference logits match;
 *   3. alpha is trained: its gradient and its value after three steps match. */
#include "check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autograd.h"
#include "error.h"
#include "models/internal.h"
#include "ops/vexp.h"
#include "ops.h"
#include "optim.h"

#define MAXV 64

typedef struct {
    char name[32];
    float v[MAXV];
    int n;
} array;

static array fix[32];
static int n_fix;

static const float *get(const char *name, int n)
{
    for (int i = 0; i < n_fix; i++)
        if (strcmp(fix[i].name, name) == 0) {
            CHECK(fix[i].n == n);
            return fix[i].v;
        }
    fprintf(stderr, "fixture has no %s\n", name);
    exit(1);
}

static void load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(1);
    }
    char line[4096];
    while (n_fix < 32 && fgets(line, sizeof line, f)) {
        array *a = &fix[n_fix++];
        char *tok = strtok(line, " \n");
        snprintf(a->name, sizeof a->name, "%s", tok);
        while ((tok = strtok(NULL, " \n")) != NULL && a->n < MAXV)
            a->v[a->n++] = strtof(tok, NULL);
    }
    fclose(f);
}

static double max_rel(const float *a, const float *b, int n)
{
    double worst = 0;
    for (int i = 0; i < n; i++) {
        double e = fabs((double)a[i] - (double)b[i]) / fmax(fabs((double)b[i]), 1e-3);
        if (e > worst) worst = e;
    }
    return worst;
}

/* The vectorised expf under Dice: relative error below 2e-7 over its range,
 * the clamps at the ends, and NaN in, NaN out (a fuzzed model file's NaN
 * weights once made its exponent arithmetic overflow: UBSan). */
static void test_vexpf(void)
{
    double worst = 0;
    for (double x = -87.0; x <= 88.0; x += 0.01) {
        double want = exp((double)(float)x), got = (double)rn__vexpf((float)x);
        double rel = fabs(got - want) / want;
        if (rel > worst) worst = rel;
    }
    printf("vexpf: max relative error %.2e over [-87, 88]\n", worst);
    CHECK(worst < 2e-7);
    CHECK(isnan(rn__vexpf(NAN)) && isnan(rn__vexpf(-NAN)));
    CHECK(rn__vexpf(INFINITY) > 1e38f && isfinite(rn__vexpf(INFINITY)));
    CHECK(rn__vexpf(-INFINITY) > 0 && rn__vexpf(-INFINITY) < 1e-37f);
}

static void test_dice_against_torch(void)
{
    enum { B = 8, I = 5, H = 4 };
    rn_params *ps = rn_params_new(), *bufs = rn_params_new();
    rn__mlp mlp;
    rn_rng g;
    rn_rng_seed(&g, 1);
    int hidden[1] = {H};
    CHECK(rn__mlp_init(&mlp, ps, bufs, "deep", I, 1, hidden, 1, RN_ACT_DICE, 0, 0.0f, 0.1f, 1e-8f,
                       RN_INIT_XAVIER, &g) == RN_OK);
    memcpy(mlp.layer[0].w->data, get("w1", I * H), sizeof(float) * I * H);
    memcpy(mlp.layer[0].b->data, get("b1", H), sizeof(float) * H);
    memcpy(mlp.layer[0].alpha->data, get("alpha", H), sizeof(float) * H);
    memcpy(mlp.last.w->data, get("w2", H), sizeof(float) * H);
    memcpy(mlp.last.b->data, get("b2", 1), sizeof(float));
    rn_optim_config oc = rn_optim_defaults(RN_SGD);
    oc.lr = 0.1f;
    rn_optim *opt = rn_optim_new(&oc);
    CHECK(rn_optim_add(opt, ps, "") == RN_OK);
    rn_graph *gr = rn_graph_new(1);
    for (int k = 0; k < 3; k++) {
        char xn[8], yn[8];
        snprintf(xn, sizeof xn, "x%d", k);
        snprintf(yn, sizeof yn, "y%d", k);
        rn_tensor *x = rn_graph_tensor(gr, 2, (const int[]){B, I}, get(xn, B * I));
        rn_tensor *y = rn_graph_tensor(gr, 2, (const int[]){B, 1}, get(yn, B));
        rn_tensor *z = rn__mlp_forward(&mlp, gr, x);
        rn_tensor *loss = rn_bce_logits(gr, z, y, NULL);
        CHECK(loss != NULL && rn_backward(gr, loss) == RN_OK);
        if (k == 0) {
            double e = max_rel(z->data, get("logits0", B), B);
            printf("dice: training logits (batch statistics) max relative error %.2e\n", e);
            CHECK(e < 1e-5);
            e = max_rel(mlp.layer[0].alpha->grad, get("dalpha0", H), H);
            printf("dice: alpha's gradient max relative error %.2e\n", e);
            CHECK(e < 1e-4);
        }
        CHECK(rn_optim_step(opt) == RN_OK);
        rn_params_zero_grad(ps);
        rn_graph_reset(gr);
    }
    double e = max_rel(mlp.layer[0].alpha->data, get("alpha3", H), H);
    printf("dice: alpha after 3 steps max relative error %.2e\n", e);
    CHECK(e < 1e-5);
    CHECK(mlp.layer[0].alpha->data[2] != 0.3f); /* it moved */
    e = max_rel(mlp.layer[0].dice_mean->data, get("running_mean3", H), H);
    double ev = max_rel(mlp.layer[0].dice_var->data, get("running_var3", H), H);
    printf("dice: running mean / variance after 3 steps max relative error %.2e / %.2e\n", e, ev);
    CHECK(e < 1e-4);
    CHECK(ev < 1e-5);
    rn_graph_set_training(gr, 0);
    rn_tensor *xe = rn_graph_tensor(gr, 2, (const int[]){B, I}, get("xe", B * I));
    rn_tensor *ze = rn__mlp_forward(&mlp, gr, xe);
    e = max_rel(ze->data, get("logits_eval", B), B);
    printf("dice: inference logits (moving averages) max relative error %.2e\n", e);
    CHECK(e < 1e-5);
    rn_graph_free(gr);
    rn_optim_free(opt);
    rn_params_free(ps);
    rn_params_free(bufs);
}

int main(void)
{
    load(RECNOTE_TESTS_MODELS "/fixtures/dice.txt");
    RUN(test_vexpf);
    RUN(test_dice_against_torch);
    return check_report();
}
