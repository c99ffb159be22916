/* The one table of model config keys (config.h), and what reads it here:
 * defaults, range checks, the per-kind rule, text for help, and the config as
 * JSON (saved in a model file's metadata) and back. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "internal.h"

/* ---- names --------------------------------------------------------------------- */

static const char *const act_names[] = {"relu", "prelu", "dice", "sigmoid", NULL};
static const char *const att_names[] = {"none", "softmax", "scaled_softmax", NULL};
static const char *const gru_names[] = {"augru", "agru", "aigru", "gru", NULL};
static const char *const loss_names[] = {"bce", "mse", "none", NULL};
static const char *const shared_gate_names[] = {"all", "shared_only", NULL};
static const char *const init_names[] = {"torch", "xavier", NULL};

static int find(const char *const *names, const char *name)
{
    for (int i = 0; name != NULL && names[i] != NULL; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

static const char *name_of(const char *const *names, int n, int i)
{
    return i >= 0 && i < n ? names[i] : "?";
}

const char *rn_act_name(int act)
{
    return name_of(act_names, RN_ACT_N, act);
}
int rn_act_from(const char *name)
{
    return find(act_names, name);
}
const char *rn_att_name(int att)
{
    return name_of(att_names, RN_ATT_N, att);
}
int rn_att_from(const char *name)
{
    return find(att_names, name);
}
const char *rn_gru_name(int gru)
{
    return name_of(gru_names, RN_GRU_N, gru);
}
int rn_gru_from(const char *name)
{
    return find(gru_names, name);
}
const char *rn_loss_name(int loss)
{
    return name_of(loss_names, RN_LOSS_N, loss);
}
int rn_loss_from(const char *name)
{
    return find(loss_names, name);
}

/* ---- the table ------------------------------------------------------------------- */

#define B(k)  RN_KIND_BIT(RN_MODEL_##k)
/* the multi-task kinds; those that mix experts with gates; those with towers of tower_hidden */
#define MT    (B(SHARED_BOTTOM) | B(MOE) | B(MMOE) | B(ESMM) | B(CGC) | B(PLE))
#define MOE   (B(MOE) | B(MMOE) | B(CGC) | B(PLE))
#define TOWER MT
#define EMB   (B(FM) | B(FFM) | B(MLP) | B(WIDE_DEEP) | B(DEEPFM) | B(DIN) | B(DIEN) | MT)
#define DEEP  (B(MLP) | B(WIDE_DEEP) | B(DEEPFM) | B(DIN) | B(DIEN) | MT)
#define SEQ   (B(MLP) | B(DIN) | B(DIEN))
#define OFF(f) offsetof(rn_model_config, f)
#define BELOW_ONE 0.99999999 /* an open upper bound of 1 */

static const int hidden_def[] = {64, 32};
static const int att_hidden_def[] = {80, 40};
static const int expert_hidden_def[] = {32};
static const int tower_hidden_def[] = {16};

/* name, lua, type, offset, count_offset, max_count, lo, hi, def, def_ints, def_count, names,
 * one_based, kinds, doc */
static const rn_config_key keys[] = {
    {"cardinality", "fields", RN_KEY_INTS, OFF(cardinality), OFF(n_fields), RN_MODEL_MAX_FIELDS,
     1, 1e8, 0, NULL, 0, NULL, 0, RN_ALL_KINDS,
     "rows of each categorical field's embedding, {n1, n2, ...} (or data = a data set)"},
    {"n_dense", "dense", RN_KEY_INT, OFF(n_dense), 0, 0, 0, 4096, 0, NULL, 0, NULL, 0,
     RN_ALL_KINDS, "dense (numeric) features"},
    {"seq_len", NULL, RN_KEY_INT, OFF(seq_len), 0, 0, 0, 256, 0, NULL, 0, NULL, 0, SEQ,
     "length T of the behaviour sequence (0: none)"},
    {"seq_field", NULL, RN_KEY_INT, OFF(seq_field), 0, 0, -1, RN_MODEL_MAX_FIELDS - 1, -1, NULL,
     0, NULL, 1, SEQ, "the candidate item's field, whose embedding rows the history shares"},
    {"seq_fields", NULL, RN_KEY_INTS, OFF(seq_fields), OFF(n_seq_fields), RN_SEQ_MAX_FEATURES, 0,
     RN_MODEL_MAX_FIELDS - 1, 0, NULL, 0, NULL, 1, SEQ,
     "several features per behaviour: the candidate field each shares its embedding with, "
     "{item, category, ...} (data = a data set with such histories sets it; {}: seq_field alone)"},
    {"bag_cardinality", "bag", RN_KEY_INT, OFF(bag_cardinality), 0, 0, 0, 1e8, 0, NULL, 0,
     NULL, 0, B(LR) | B(FM) | B(FFM),
     "rows of the weighted sparse bag (a libsvm / libffm row's index:value features; "
     "data = a data set sets it; 0: none)"},
    {"bag_fields", NULL, RN_KEY_INT, OFF(bag_fields), 0, 0, 0, 999, 0, NULL, 0, NULL, 0, B(FFM),
     "fields of a libffm bag (field:index:value; data = a data set sets it; 0: one field)"},
    {"tasks", NULL, RN_KEY_TASKS, OFF(task), OFF(n_tasks), RN_MODEL_MAX_TASKS, 0, 0, 0, NULL, 0,
     NULL, 0, RN_ALL_KINDS,
     "the heads: {{name = 'click', label = 1, loss = 'bce' | 'mse', weight = 1}}"},
    {"embed_dim", NULL, RN_KEY_INT, OFF(embed_dim), 0, 0, 1, 1024, 8, NULL, 0, NULL, 0, EMB,
     "embedding dimension D"},
    {"hidden", NULL, RN_KEY_INTS, OFF(hidden), OFF(n_hidden), RN_MODEL_MAX_LAYERS, 1, 65536, 0,
     hidden_def, 2, NULL, 0, B(MLP) | B(WIDE_DEEP) | B(DEEPFM) | B(DIN) | B(DIEN),
     "widths of the MLP's hidden layers"},
    {"activation", NULL, RN_KEY_NAME, OFF(activation), 0, 0, 0, 0, RN_ACT_RELU, NULL, 0,
     act_names, 0, DEEP, "the MLP's activation"},
    {"bn", NULL, RN_KEY_BOOL, OFF(bn), 0, 0, 0, 1, 0, NULL, 0, NULL, 0, DEEP,
     "batch norm after each hidden linear layer"},
    {"dropout", NULL, RN_KEY_FLOAT, OFF(dropout), 0, 0, 0, BELOW_ONE, 0, NULL, 0, NULL, 0, DEEP,
     "drop probability after each hidden layer, in [0, 1)"},
    {"l2_embed", NULL, RN_KEY_FLOAT, OFF(l2_embed), 0, 0, 0, 1e6, 0, NULL, 0, NULL, 0, EMB,
     "L2 on the embedding rows each batch uses (mini-batch aware)"},
    {"bn_momentum", NULL, RN_KEY_FLOAT, OFF(bn_momentum), 0, 0, 1e-7, 1, 0.1, NULL, 0, NULL, 0,
     DEEP, "momentum of batch norm's and Dice's running statistics, in (0, 1]"},
    {"dice_eps", NULL, RN_KEY_FLOAT, OFF(dice_eps), 0, 0, 1e-30, BELOW_ONE, 1e-8, NULL, 0, NULL,
     0, DEEP, "Dice's epsilon"},
    {"init_std", NULL, RN_KEY_FLOAT, OFF(init_std), 0, 0, 0, 10, 0.05, NULL, 0, NULL, 0, EMB,
     "embeddings start as N(0, init_std^2)"},
    {"init", NULL, RN_KEY_NAME, OFF(init), 0, 0, 0, 0, RN_INIT_XAVIER, NULL, 0, init_names, 0,
     DEEP, "how the MLP's linear layers start: 'xavier' (Glorot uniform weights, zero bias) or "
     "'torch' (PyTorch's nn.Linear default, weight and bias U(+-1/sqrt(fan_in)))"},
    {"seed", NULL, RN_KEY_SEED, OFF(seed), 0, 0, 0, 0, 42, NULL, 0, NULL, 0, RN_ALL_KINDS,
     "seed of the initialisation"},
    {"crosses", NULL, RN_KEY_PAIRS, OFF(cross), OFF(n_crosses), RN_MODEL_MAX_CROSSES, 0,
     RN_MODEL_MAX_FIELDS - 1, 0, NULL, 0, NULL, 1, B(WIDE_DEEP),
     "pairs of fields crossed in the wide part, {{1, 2}, ...}"},
    {"cross_buckets", NULL, RN_KEY_INT, OFF(cross_buckets), 0, 0, 1, 10000000, 1000, NULL, 0,
     NULL, 0, B(WIDE_DEEP), "hashed rows per cross"},
    {"att_hidden", NULL, RN_KEY_INTS, OFF(att_hidden), OFF(n_att_hidden), RN_MODEL_MAX_LAYERS, 1,
     65536, 0, att_hidden_def, 2, NULL, 0, B(DIN), "widths of the attention unit's MLP"},
    {"att_activation", NULL, RN_KEY_NAME, OFF(att_activation), 0, 0, 0, 0, RN_ACT_DICE, NULL, 0,
     act_names, 0, B(DIN), "the attention unit's activation"},
    {"attention", NULL, RN_KEY_NAME, OFF(attention), 0, 0, 0, 0, RN_ATT_NONE, NULL, 0, att_names,
     0, B(DIN), "weights as they are (the paper), or normalised by a (scaled) softmax"},
    {"gru", NULL, RN_KEY_NAME, OFF(gru), 0, 0, 0, 0, RN_GRU_AUGRU, NULL, 0, gru_names, 0, B(DIEN),
     "the interest-evolution cell"},
    {"aux_weight", NULL, RN_KEY_FLOAT, OFF(aux_weight), 0, 0, 0, 1e6, 1, NULL, 0, NULL, 0,
     B(DIEN), "weight of the auxiliary next-item loss (0 turns it off)"},
    {"n_experts", NULL, RN_KEY_INT, OFF(n_experts), 0, 0, 1, RN_MODEL_MAX_EXPERTS, 4, NULL, 0,
     NULL, 0, MOE, "experts (moe, mmoe: in all; cgc, ple: each task's own)"},
    {"expert_hidden", NULL, RN_KEY_INTS, OFF(expert_hidden), OFF(n_expert_hidden),
     RN_MODEL_MAX_LAYERS, 1, 65536, 0, expert_hidden_def, 1, NULL, 0, MOE | B(SHARED_BOTTOM),
     "widths of each expert's MLP, its output the last (shared_bottom: of the one bottom)"},
    {"tower_hidden", NULL, RN_KEY_INTS, OFF(tower_hidden), OFF(n_tower_hidden),
     RN_MODEL_MAX_LAYERS, 1, 65536, 0, tower_hidden_def, 1, NULL, 0, TOWER,
     "widths of each task's tower before its one output (may be {})"},
    {"n_shared", NULL, RN_KEY_INT, OFF(n_shared), 0, 0, 1, RN_MODEL_MAX_EXPERTS, 1, NULL, 0, NULL,
     0, B(CGC) | B(PLE), "shared experts per level"},
    {"n_levels", NULL, RN_KEY_INT, OFF(n_levels), 0, 0, 1, RN_MODEL_MAX_LEVELS, 2, NULL, 0, NULL,
     0, B(PLE), "extraction levels (1 is CGC)"},
    {"shared_gate", NULL, RN_KEY_NAME, OFF(shared_gate), 0, 0, 0, 0, RN_SHARED_GATE_ALL, NULL, 0,
     shared_gate_names, 0, B(PLE),
     "what the shared gate of a non-final level mixes: 'all' experts (the paper) or "
     "'shared_only'"},
};

#define N_KEYS (sizeof keys / sizeof keys[0])

const rn_config_key *rn_model_config_keys(size_t *n)
{
    *n = N_KEYS;
    return keys;
}

const rn_config_key *rn_config_key_find(const char *name)
{
    for (size_t i = 0; name != NULL && i < N_KEYS; i++)
        if (strcmp(keys[i].name, name) == 0 || (keys[i].lua && strcmp(keys[i].lua, name) == 0))
            return &keys[i];
    return NULL;
}

int rn_config_key_reads(const rn_config_key *key, int kind)
{
    return kind >= 0 && kind < RN_MODEL_N_KINDS && (key->kinds & RN_KIND_BIT(kind)) != 0;
}

void rn_config_key_readers(const rn_config_key *key, char *buf, size_t size)
{
    size_t used = 0;
    if (size > 0) buf[0] = '\0';
    for (int k = 0; k < RN_MODEL_N_KINDS; k++)
        if (rn_config_key_reads(key, k)) {
            int n = snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? ", " : "",
                             rn_model_kind_name(k));
            if (n > 0) used += (size_t)n;
            if (used >= size) break;
        }
}

/* ---- typed access ------------------------------------------------------------------- */

static int *int_at(const rn_config_key *k, const rn_model_config *c, size_t off)
{
    (void)k;
    return (int *)((char *)(uintptr_t)c + off);
}
#define INT_OF(k, c)   (*int_at(k, c, (k)->offset))
#define COUNT_OF(k, c) (*int_at(k, c, (k)->count_offset))
#define FLOAT_OF(k, c) (*(float *)((char *)(uintptr_t)(c) + (k)->offset))
#define SEED_OF(k, c)  (*(uint64_t *)((char *)(uintptr_t)(c) + (k)->offset))
#define TASKS_OF(k, c) ((rn_task *)((char *)(uintptr_t)(c) + (k)->offset))

static rn_task default_task(void)
{
    rn_task t;
    memset(&t, 0, sizeof t);
    snprintf(t.name, sizeof t.name, "click");
    t.label = 0;
    t.loss = RN_LOSS_BCE;
    t.weight = 1.0f;
    t.given = -1;
    return t;
}

void rn__config_table_defaults(rn_model_config *c)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const rn_config_key *k = &keys[i];
        switch (k->type) {
        case RN_KEY_INT:
        case RN_KEY_BOOL:
        case RN_KEY_NAME:
            INT_OF(k, c) = (int)k->def;
            break;
        case RN_KEY_FLOAT:
            FLOAT_OF(k, c) = (float)k->def;
            break;
        case RN_KEY_SEED:
            SEED_OF(k, c) = (uint64_t)k->def;
            break;
        case RN_KEY_INTS:
            COUNT_OF(k, c) = k->def_count;
            for (int j = 0; j < k->def_count; j++)
                int_at(k, c, k->offset)[j] = k->def_ints[j];
            break;
        case RN_KEY_PAIRS:
            COUNT_OF(k, c) = 0;
            break;
        case RN_KEY_TASKS:
            COUNT_OF(k, c) = 1;
            TASKS_OF(k, c)[0] = default_task();
            break;
        }
    }
}

static int tasks_equal(const rn_task *a, const rn_task *b)
{
    return strcmp(a->name, b->name) == 0 && a->label == b->label && a->loss == b->loss &&
           a->weight == b->weight && a->given == b->given;
}

int rn_config_key_equal(const rn_config_key *k, const rn_model_config *a, const rn_model_config *b)
{
    switch (k->type) {
    case RN_KEY_FLOAT:
        return FLOAT_OF(k, a) == FLOAT_OF(k, b);
    case RN_KEY_SEED:
        return SEED_OF(k, a) == SEED_OF(k, b);
    case RN_KEY_INTS:
    case RN_KEY_PAIRS: {
        int n = COUNT_OF(k, a), w = k->type == RN_KEY_PAIRS ? 2 : 1;
        if (n != COUNT_OF(k, b)) return 0;
        return n <= 0 || memcmp(int_at(k, a, k->offset), int_at(k, b, k->offset),
                                (size_t)(n * w) * sizeof(int)) == 0;
    }
    case RN_KEY_TASKS: {
        int n = COUNT_OF(k, a);
        if (n != COUNT_OF(k, b)) return 0;
        for (int i = 0; i < n && i < k->max_count; i++)
            if (!tasks_equal(&TASKS_OF(k, a)[i], &TASKS_OF(k, b)[i])) return 0;
        return 1;
    }
    default:
        return INT_OF(k, a) == INT_OF(k, b);
    }
}

void rn_config_key_format(const rn_config_key *k, const rn_model_config *c, char *buf, size_t size)
{
    size_t used = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        int n_ = snprintf(buf + used, used < size ? size - used : 0, __VA_ARGS__);                 \
        if (n_ > 0) used += (size_t)n_;                                                            \
    } while (0)
    if (size > 0) buf[0] = '\0';
    int base = k->one_based;
    switch (k->type) {
    case RN_KEY_INT:
        PUT("%d", INT_OF(k, c) + (base && INT_OF(k, c) >= 0 ? 1 : 0));
        break;
    case RN_KEY_BOOL:
        PUT("%s", INT_OF(k, c) ? "true" : "false");
        break;
    case RN_KEY_NAME:
        PUT("'%s'", k->names[INT_OF(k, c)]);
        break;
    case RN_KEY_FLOAT:
        PUT("%g", (double)FLOAT_OF(k, c));
        break;
    case RN_KEY_SEED:
        PUT("%llu", (unsigned long long)SEED_OF(k, c));
        break;
    case RN_KEY_INTS:
        PUT("{");
        for (int i = 0; i < COUNT_OF(k, c); i++)
            PUT("%s%d", i ? ", " : "", int_at(k, c, k->offset)[i] + base);
        PUT("}");
        break;
    case RN_KEY_PAIRS:
        PUT("{");
        for (int i = 0; i < COUNT_OF(k, c); i++)
            PUT("%s{%d, %d}", i ? ", " : "", int_at(k, c, k->offset)[2 * i] + base,
                int_at(k, c, k->offset)[2 * i + 1] + base);
        PUT("}");
        break;
    case RN_KEY_TASKS:
        PUT("{");
        for (int i = 0; i < COUNT_OF(k, c) && i < k->max_count; i++) {
            const rn_task *t = &TASKS_OF(k, c)[i];
            PUT("%s{name = '%s', label = %d, loss = '%s', weight = %g", i ? ", " : "", t->name,
                t->label + 1, rn_loss_name(t->loss), (double)t->weight);
            if (t->given >= 0) PUT(", given = '%s'", TASKS_OF(k, c)[t->given].name);
            PUT("}");
        }
        PUT("}");
        break;
    }
#undef PUT
}

/* ---- checks --------------------------------------------------------------------------- */

static int check_tasks(const rn_model_config *c, const char *kind)
{
    for (int i = 0; i < c->n_tasks; i++) {
        const rn_task *t = &c->task[i];
        if (t->name[0] == '\0' || memchr(t->name, '\0', sizeof t->name) == NULL)
            return rn_fail(RN_EARG, "%s: task %d needs a name (1..15 characters)", kind, i + 1);
        for (int j = 0; j < i; j++)
            if (strcmp(c->task[j].name, t->name) == 0)
                return rn_fail(RN_EARG, "%s: two tasks are named '%s'", kind, t->name);
        if (t->loss < 0 || t->loss >= RN_LOSS_N)
            return rn_fail(RN_EARG, "%s: task '%s': unknown loss %d", kind, t->name, t->loss);
        if (t->label < -1 || t->label >= 64 || (t->label < 0 && t->loss != RN_LOSS_NONE))
            return rn_fail(RN_EARG,
                           "%s: task '%s': label must name a label column (1..64)%s, got %d",
                           kind, t->name, t->loss != RN_LOSS_NONE ? " for a task with a loss" : "",
                           t->label + 1);
        if (!(t->weight >= 0 && t->weight < 1e6f))
            return rn_fail(RN_EARG, "%s: task '%s': weight must be in [0, 1e6), got %g", kind,
                           t->name, (double)t->weight);
        if (t->given < -1 || t->given >= c->n_tasks || t->given == i)
            return rn_fail(RN_EARG, "%s: task '%s': given must name another task", kind, t->name);
        if (t->given >= 0 && (c->task[t->given].loss != RN_LOSS_BCE || c->task[t->given].label < 0))
            return rn_fail(RN_EARG,
                           "%s: task '%s' is given '%s', which needs a 0/1 label column (bce)",
                           kind, t->name, c->task[t->given].name);
    }
    return RN_OK;
}

void rn_config_normalize(rn_model_config *c)
{
    if (c->kind < 0 || c->kind >= RN_MODEL_N_KINDS) return;
    rn_model_config d = rn_model_defaults(c->kind);
    for (size_t i = 0; i < N_KEYS; i++) {
        const rn_config_key *k = &keys[i];
        if (rn_config_key_reads(k, c->kind)) continue;
        switch (k->type) {
        case RN_KEY_FLOAT:
            FLOAT_OF(k, c) = FLOAT_OF(k, &d);
            break;
        case RN_KEY_SEED:
            SEED_OF(k, c) = SEED_OF(k, &d);
            break;
        case RN_KEY_INTS:
        case RN_KEY_PAIRS:
        case RN_KEY_TASKS:
            COUNT_OF(k, c) = COUNT_OF(k, &d);
            memcpy((char *)c + k->offset, (const char *)&d + k->offset,
                   k->type == RN_KEY_TASKS  ? (size_t)k->max_count * sizeof(rn_task)
                   : k->type == RN_KEY_PAIRS ? (size_t)k->max_count * 2 * sizeof(int)
                                             : (size_t)k->max_count * sizeof(int));
            break;
        default:
            INT_OF(k, c) = INT_OF(k, &d);
        }
    }
}

int rn_config_check_keys(const rn_model_config *c)
{
    if (c->kind < 0 || c->kind >= RN_MODEL_N_KINDS)
        return rn_fail(RN_EARG, "model: unknown kind %d", c->kind);
    const char *kind = rn_model_kind_name(c->kind);
    for (size_t i = 0; i < N_KEYS; i++) {
        const rn_config_key *k = &keys[i];
        const char *nm = k->lua ? k->lua : k->name;
        if (!rn_config_key_reads(k, c->kind)) continue; /* rn_config_normalize resets it */
        switch (k->type) {
        case RN_KEY_INT: {
            int v = INT_OF(k, c);
            if (v < k->lo || v > k->hi)
                return rn_fail(RN_EARG, "%s: %s must be in %d..%d, got %d", kind, nm,
                               (int)k->lo + k->one_based, (int)k->hi + k->one_based,
                               v + k->one_based);
            break;
        }
        case RN_KEY_FLOAT: {
            double v = (double)FLOAT_OF(k, c);
            if (!(v >= k->lo && v <= k->hi))
                return rn_fail(RN_EARG, "%s: %s must be in [%g, %g], got %g", kind, nm, k->lo,
                               k->hi, v);
            break;
        }
        case RN_KEY_BOOL:
            if (INT_OF(k, c) != 0 && INT_OF(k, c) != 1)
                return rn_fail(RN_EARG, "%s: %s must be true or false", kind, nm);
            break;
        case RN_KEY_NAME: {
            int v = INT_OF(k, c), n = 0;
            while (k->names[n] != NULL)
                n++;
            if (v < 0 || v >= n) return rn_fail(RN_EARG, "%s: unknown %s %d", kind, nm, v);
            break;
        }
        case RN_KEY_INTS:
        case RN_KEY_PAIRS: {
            int n = COUNT_OF(k, c), w = k->type == RN_KEY_PAIRS ? 2 : 1;
            if (n < 0 || n > k->max_count)
                return rn_fail(RN_EARG, "%s: %s has %d entries (at most %d)", kind, nm, n,
                               k->max_count);
            for (int j = 0; j < n * w; j++) {
                int v = int_at(k, c, k->offset)[j];
                if (v < k->lo || v > k->hi)
                    return rn_fail(RN_EARG, "%s: %s entry %d is %d (%d..%d)", kind, nm,
                                   j / w + 1, v + k->one_based, (int)k->lo + k->one_based,
                                   (int)k->hi + k->one_based);
            }
            break;
        }
        case RN_KEY_TASKS:
            if (c->n_tasks < 1 || c->n_tasks > k->max_count)
                return rn_fail(RN_EARG, "%s: %d tasks (1..%d)", kind, c->n_tasks, k->max_count);
            if (check_tasks(c, kind) != RN_OK) return rn_error_code();
            break;
        default:
            break;
        }
    }
    return RN_OK;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void *hook_malloc(size_t size)
{
    return rn_malloc(size, "JSON");
}

/* cJSON's allocations through the engine's hook (so tests can fail them). */
static void json_hooks(void)
{
    cJSON_Hooks h = {hook_malloc, rn_free};
    cJSON_InitHooks(&h);
}

static cJSON *task_json(const rn_task *t)
{
    cJSON *o = cJSON_CreateObject();
    if (o == NULL) return NULL;
    if (!cJSON_AddStringToObject(o, "name", t->name) ||
        !cJSON_AddNumberToObject(o, "label", t->label) ||
        !cJSON_AddStringToObject(o, "loss", rn_loss_name(t->loss)) ||
        !cJSON_AddNumberToObject(o, "weight", (double)t->weight) ||
        !cJSON_AddNumberToObject(o, "given", t->given)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *key_json(const rn_config_key *k, const rn_model_config *c)
{
    switch (k->type) {
    case RN_KEY_INT:
        return cJSON_CreateNumber(INT_OF(k, c));
    case RN_KEY_BOOL:
        return cJSON_CreateBool(INT_OF(k, c));
    case RN_KEY_NAME:
        return cJSON_CreateString(k->names[INT_OF(k, c)]);
    case RN_KEY_FLOAT:
        return cJSON_CreateNumber((double)FLOAT_OF(k, c));
    case RN_KEY_SEED: {
        char s[32];
        snprintf(s, sizeof s, "%llu", (unsigned long long)SEED_OF(k, c));
        return cJSON_CreateString(s);
    }
    case RN_KEY_INTS:
        return cJSON_CreateIntArray(int_at(k, c, k->offset), COUNT_OF(k, c));
    case RN_KEY_PAIRS:
        return cJSON_CreateIntArray(int_at(k, c, k->offset), 2 * COUNT_OF(k, c));
    case RN_KEY_TASKS: {
        cJSON *a = cJSON_CreateArray();
        for (int i = 0; a != NULL && i < COUNT_OF(k, c); i++) {
            cJSON *t = task_json(&TASKS_OF(k, c)[i]);
            if (t == NULL || !cJSON_AddItemToArray(a, t)) {
                cJSON_Delete(t);
                cJSON_Delete(a);
                return NULL;
            }
        }
        return a;
    }
    }
    return NULL;
}

char *rn_model_config_json(const rn_model_config *c)
{
    json_hooks();
    cJSON *o = cJSON_CreateObject();
    int ok = o != NULL && cJSON_AddStringToObject(o, "kind", rn_model_kind_name(c->kind)) &&
             cJSON_AddNumberToObject(o, "n_fields", c->n_fields);
    for (size_t i = 0; ok && i < N_KEYS; i++) {
        if (!rn_config_key_reads(&keys[i], c->kind)) continue; /* older files hold every key */
        cJSON *v = key_json(&keys[i], c);
        ok = v != NULL && cJSON_AddItemToObject(o, keys[i].name, v);
        if (!ok) cJSON_Delete(v);
    }
    char *s = ok ? cJSON_PrintUnformatted(o) : NULL;
    cJSON_Delete(o);
    if (s == NULL && rn_error_code() != RN_ENOMEM) rn_fail(RN_ENOMEM, "config JSON: out of memory");
    return s;
}

static int bad_key(const char *key, const char *want)
{
    return rn_fail(RN_EPARSE, "model config: '%s' must be %s", key, want);
}

static int json_int(const cJSON *v, double lo, double hi, int *out)
{
    if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) || v->valuedouble < lo ||
        v->valuedouble > hi)
        return 0;
    *out = (int)v->valuedouble;
    return 1;
}

static int parse_task(const cJSON *o, rn_task *t)
{
    *t = default_task();
    t->name[0] = '\0';
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(o, "name");
    const cJSON *label = cJSON_GetObjectItemCaseSensitive(o, "label");
    const cJSON *loss = cJSON_GetObjectItemCaseSensitive(o, "loss");
    const cJSON *weight = cJSON_GetObjectItemCaseSensitive(o, "weight");
    const cJSON *given = cJSON_GetObjectItemCaseSensitive(o, "given");
    if (!cJSON_IsObject(o) || !cJSON_IsString(name) ||
        strlen(name->valuestring) >= sizeof t->name)
        return 0;
    snprintf(t->name, sizeof t->name, "%s", name->valuestring);
    if (label != NULL && !json_int(label, -1, 63, &t->label)) return 0;
    if (loss != NULL && (!cJSON_IsString(loss) || (t->loss = rn_loss_from(loss->valuestring)) < 0))
        return 0;
    if (weight != NULL) {
        if (!cJSON_IsNumber(weight)) return 0;
        t->weight = (float)weight->valuedouble;
    }
    if (given != NULL && !json_int(given, -1, RN_MODEL_MAX_TASKS - 1, &t->given)) return 0;
    return 1;
}

static int parse_key(const rn_config_key *k, const cJSON *v, rn_model_config *c)
{
    char want[96];
    switch (k->type) {
    case RN_KEY_INT:
        if (!json_int(v, k->lo, k->hi, &INT_OF(k, c))) {
            snprintf(want, sizeof want, "an integer in %d..%d", (int)k->lo, (int)k->hi);
            return bad_key(k->name, want);
        }
        return RN_OK;
    case RN_KEY_BOOL:
        if (!cJSON_IsBool(v)) return bad_key(k->name, "true or false");
        INT_OF(k, c) = cJSON_IsTrue(v);
        return RN_OK;
    case RN_KEY_NAME: {
        int i = cJSON_IsString(v) ? find(k->names, v->valuestring) : -1;
        if (i < 0) return bad_key(k->name, "a known name");
        INT_OF(k, c) = i;
        return RN_OK;
    }
    case RN_KEY_FLOAT:
        if (!cJSON_IsNumber(v)) return bad_key(k->name, "a number");
        FLOAT_OF(k, c) = (float)v->valuedouble;
        return RN_OK;
    case RN_KEY_SEED: {
        char *end = NULL;
        if (!cJSON_IsString(v) || v->valuestring[0] == '\0' || v->valuestring[0] == '-')
            return bad_key(k->name, "a decimal string");
        errno = 0;
        unsigned long long s = strtoull(v->valuestring, &end, 10);
        if (*end != '\0' || errno != 0) return bad_key(k->name, "a decimal string");
        SEED_OF(k, c) = (uint64_t)s;
        return RN_OK;
    }
    case RN_KEY_INTS:
    case RN_KEY_PAIRS: {
        int w = k->type == RN_KEY_PAIRS ? 2 : 1, n = cJSON_GetArraySize(v);
        if (!cJSON_IsArray(v) || n > k->max_count * w || n % w != 0) {
            snprintf(want, sizeof want, "an array of at most %d %s", k->max_count,
                     w == 2 ? "pairs of integers" : "integers");
            return bad_key(k->name, want);
        }
        int j = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, v)
        {
            if (!json_int(x, k->lo, k->hi, &int_at(k, c, k->offset)[j]))
                return bad_key(k->name, "an array of integers in range");
            j++;
        }
        COUNT_OF(k, c) = n / w;
        return RN_OK;
    }
    case RN_KEY_TASKS: {
        int n = cJSON_GetArraySize(v);
        if (!cJSON_IsArray(v) || n < 1 || n > k->max_count)
            return bad_key(k->name, "an array of 1 to 4 tasks");
        int j = 0;
        const cJSON *x;
        cJSON_ArrayForEach(x, v)
        {
            if (!parse_task(x, &TASKS_OF(k, c)[j]))
                return bad_key(k->name,
                               "an array of {name, label, loss ('bce' | 'mse' | 'none'), weight, "
                               "given}");
            j++;
        }
        COUNT_OF(k, c) = n;
        return RN_OK;
    }
    }
    return RN_OK;
}

int rn_model_config_parse(const char *json, rn_model_config *cfg)
{
    json_hooks();
    cJSON *o = cJSON_Parse(json);
    if (o == NULL) return rn_fail(RN_EPARSE, "model config: not valid JSON");
    int rc = RN_OK;
    if (!cJSON_IsObject(o)) rc = rn_fail(RN_EPARSE, "model config: not a JSON object");
    const cJSON *item;
    if (rc == RN_OK) cJSON_ArrayForEach(item, o)
        {
            const char *s = item->string ? item->string : "";
            const rn_config_key *k = rn_config_key_find(s);
            /* "kind" and the legacy "n_fields" (the length of cardinality) are not keys */
            if (strcmp(s, "kind") != 0 && strcmp(s, "n_fields") != 0 &&
                (k == NULL || strcmp(k->name, s) != 0)) {
                rc = rn_fail(RN_EPARSE, "model config: unknown key '%s'", s);
                break;
            }
        }
    const cJSON *kind = cJSON_GetObjectItemCaseSensitive(o, "kind");
    int kd = rc == RN_OK && cJSON_IsString(kind) ? rn_model_kind_from(kind->valuestring) : -1;
    if (rc == RN_OK && kd < 0) {
        char want[160] = "one of ";
        for (int i = 0; i < RN_MODEL_N_KINDS; i++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%s", i ? ", " : "",
                     rn_model_kind_name(i));
        rc = bad_key("kind", want);
    }
    rn_model_config c = rn_model_defaults(kd);
    for (size_t i = 0; rc == RN_OK && i < N_KEYS; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i].name);
        if (v != NULL) rc = parse_key(&keys[i], v, &c); /* absent: the default (older files) */
    }
    const cJSON *nf = cJSON_GetObjectItemCaseSensitive(o, "n_fields");
    int n_fields = c.n_fields;
    if (rc == RN_OK && nf != NULL && !json_int(nf, 0, RN_MODEL_MAX_FIELDS, &n_fields))
        rc = bad_key("n_fields", "an integer in 0..64");
    if (rc == RN_OK && n_fields != c.n_fields)
        rc = rn_fail(RN_EPARSE, "model config: 'cardinality' has %d entries for %d fields",
                     c.n_fields, n_fields);
    cJSON_Delete(o);
    if (rc == RN_OK) {
        rn_config_normalize(&c); /* an older file's keys its kind never read */
        *cfg = c;
    }
    return rc;
}
