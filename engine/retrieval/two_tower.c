/* The two-tower (DSSM) recall model: the leave-last-out split of MovieLens,
 * the towers, the three losses, the training step for engine/loop.h, and the
 * evaluation by rank of the held-out item. See two_tower.h for the math. */
#include "two_tower.h"

#include <cblas.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../alloc.h"
#include "../error.h"
#include "../ops.h"
#include "../optim.h"

#define N_YEARS 15 /* 0 missing, 1 before 1920, 2..13 the decades 1920..2030, 14 later */

struct rn_two_tower {
    rn_two_tower_config cfg;
    int n_users, n_items, n_genres, max_genres;
    int64_t *user_id, *item_id; /* MovieLens ids per row (row 0: -1) */
    char **title;               /* per item row */
    size_t *g_off;              /* item row r's genres: g_ids[g_off[r] .. g_off[r + 1]) */
    int32_t *g_ids;
    int32_t *year;    /* per item row: its year bucket */
    size_t *u_off;    /* user row u's items in time order: u_items[u_off[u] .. u_off[u + 1]) */
    int32_t *u_items;
    size_t n_pairs;   /* training pairs: (user row, position of the target in its list) */
    int32_t *pair_user, *pair_pos;
    size_t n_test;    /* users with >= 2 ratings: their last item is held out */
    int32_t *test_user;
    float *logq;      /* per item row: log of its share of the training positives */
    float *count;     /* per item row: training positives (the popularity baseline) */

    rn_params *ps, *bufs;
    rn_tensor *e_user, *e_hist, *e_item, *e_genre, *e_year;
    rn__mlp user_mlp, item_mlp;
    rn_optim *opt;
    rn_graph *g;
    rn_rng neg_rng;
    float *snap; /* early stopping's best weights */

    /* scratch, grown to the largest request */
    int32_t *ids;
    float *mask;
    size_t ids_cap, mask_cap;
    int32_t *batch; /* a step's users, positions, items, negatives */
    size_t batch_cap;
};

rn_two_tower_config rn_two_tower_defaults(void)
{
    rn_two_tower_config c;
    memset(&c, 0, sizeof c);
    c.dim = 32;
    c.out_dim = 32;
    c.n_hidden = 1;
    c.hidden[0] = 64;
    c.temperature = 0.05f;
    c.loss = RN_TT_INBATCH;
    c.logq = 1;
    c.n_neg = 256;
    c.max_history = 20;
    c.user_id = 1;
    c.lr = 0.003f;
    c.init_std = 0.05f;
    c.seed = 1;
    return c;
}

static const char *const loss_names[] = {"inbatch", "sampled", "bce"};

const char *rn_two_tower_loss_name(int loss)
{
    return loss >= 0 && loss < RN_TT_N_LOSSES ? loss_names[loss] : NULL;
}

int rn_two_tower_loss_from(const char *name)
{
    for (int i = 0; i < RN_TT_N_LOSSES; i++)
        if (name != NULL && strcmp(name, loss_names[i]) == 0) return i;
    return -1;
}

static int check_config(const rn_two_tower_config *c)
{
    if (c->dim < 1 || c->dim > 1024)
        return rn_fail(RN_EARG, "two_tower: dim must be in 1..1024, got %d", c->dim);
    if (c->out_dim < 1 || c->out_dim > 1024)
        return rn_fail(RN_EARG, "two_tower: out_dim must be in 1..1024, got %d", c->out_dim);
    if (c->n_hidden < 0 || c->n_hidden > RN_TT_MAX_HIDDEN)
        return rn_fail(RN_EARG, "two_tower: at most %d hidden layers, got %d", RN_TT_MAX_HIDDEN,
                       c->n_hidden);
    for (int i = 0; i < c->n_hidden; i++)
        if (c->hidden[i] < 1 || c->hidden[i] > 4096)
            return rn_fail(RN_EARG, "two_tower: hidden[%d] must be in 1..4096, got %d", i + 1,
                           c->hidden[i]);
    if (!(c->temperature > 0) || !isfinite(c->temperature))
        return rn_fail(RN_EARG, "two_tower: temperature must be > 0, got %g", (double)c->temperature);
    if (c->loss < 0 || c->loss >= RN_TT_N_LOSSES)
        return rn_fail(RN_EARG, "two_tower: unknown loss %d", c->loss);
    if (c->n_neg < 1 || c->n_neg > 100000)
        return rn_fail(RN_EARG, "two_tower: n_neg must be in 1..100000, got %d", c->n_neg);
    if (c->max_history < 1 || c->max_history > 1000)
        return rn_fail(RN_EARG, "two_tower: max_history must be in 1..1000, got %d",
                       c->max_history);
    if (!(c->lr > 0) || !isfinite(c->lr))
        return rn_fail(RN_EARG, "two_tower: lr must be > 0, got %g", (double)c->lr);
    if (!(c->init_std >= 0) || !isfinite(c->init_std))
        return rn_fail(RN_EARG, "two_tower: init_std must be >= 0, got %g", (double)c->init_std);
    return RN_OK;
}

/* ---- the split ------------------------------------------------------------------------ */

static int column(const rn_dataset *ds, const char *name, int kind)
{
    int c = rn_dataset_find(ds, name);
    if (c < 0)
        return rn_fail(RN_EARG, "two_tower: the data set has no column '%s' (expected the "
                                "columns of rec.data.movielens)", name);
    if (ds->cols[c].kind != kind)
        return rn_fail(RN_EARG, "two_tower: column '%s' is %s, expected %s", name,
                       rn_col_kind_name(ds->cols[c].kind), rn_col_kind_name(kind));
    return c;
}

static int year_bucket(float y)
{
    if (!(y > 0)) return 0;
    if (y < 1920) return 1;
    int b = 2 + (int)((y - 1920) / 10);
    return b > N_YEARS - 1 ? N_YEARS - 1 : b;
}

static int64_t parse_id(const char *s)
{
    if (s == NULL) return -1;
    char *end;
    long long v = strtoll(s, &end, 10);
    return *end == '\0' && v >= 0 ? (int64_t)v : -1;
}

/* Sorts the rows of one user by time, keeping file order for ties. */
typedef struct {
    int64_t t;
    size_t row;
} timed_row;

static int by_time(const void *a, const void *b)
{
    const timed_row *x = a, *y = b;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

static int build_split(rn_two_tower *m, const rn_dataset *ds)
{
    int cu = column(ds, "user", RN_COL_CAT), ci = column(ds, "item", RN_COL_CAT);
    if (cu < 0) return cu;
    if (ci < 0) return ci;
    int ct = column(ds, "timestamp", RN_COL_INT), cg = column(ds, "genres", RN_COL_SEQ);
    if (ct < 0) return ct;
    if (cg < 0) return cg;
    int cy = column(ds, "year", RN_COL_DENSE);
    if (cy < 0) return cy;
    const rn_column *US = &ds->cols[cu], *IT = &ds->cols[ci], *GE = &ds->cols[cg];
    if (ds->n_rows < 2) return rn_fail(RN_EARG, "two_tower: the data set has %zu rows, need 2", ds->n_rows);
    if (US->cardinality > INT32_MAX / 2 || IT->cardinality > INT32_MAX / 2 || GE->cardinality > 100000)
        return rn_fail(RN_EARG, "two_tower: too many users, items or genres");
    m->n_users = (int)US->cardinality;
    m->n_items = (int)IT->cardinality;
    m->n_genres = (int)GE->cardinality < 1 ? 1 : (int)GE->cardinality;
    size_t nu = (size_t)m->n_users, ni = (size_t)m->n_items, n = ds->n_rows;

    m->user_id = rn_malloc(nu * sizeof *m->user_id, "two_tower users");
    m->item_id = rn_malloc(ni * sizeof *m->item_id, "two_tower items");
    m->title = rn_calloc(ni, sizeof *m->title, "two_tower titles");
    m->year = rn_calloc(ni, sizeof *m->year, "two_tower years");
    m->g_off = rn_calloc(ni + 1, sizeof *m->g_off, "two_tower genres");
    m->u_off = rn_calloc(nu + 1, sizeof *m->u_off, "two_tower users");
    m->u_items = rn_malloc(n * sizeof *m->u_items, "two_tower histories");
    m->count = rn_calloc(ni, sizeof *m->count, "two_tower counts");
    m->logq = rn_malloc(ni * sizeof *m->logq, "two_tower logq");
    size_t *first = rn_malloc(ni * sizeof *first, "two_tower items");
    timed_row *tr = rn_malloc(n * sizeof *tr, "two_tower rows");
    if (!m->user_id || !m->item_id || !m->title || !m->year || !m->g_off || !m->u_off ||
        !m->u_items || !m->count || !m->logq || !first || !tr) {
        rn_free(first);
        rn_free(tr);
        return RN_ENOMEM;
    }
    for (size_t u = 0; u < nu; u++)
        m->user_id[u] = u ? parse_id(rn_vocab_name(US->vocab, (int32_t)u)) : -1;
    for (size_t i = 0; i < ni; i++) {
        m->item_id[i] = i ? parse_id(rn_vocab_name(IT->vocab, (int32_t)i)) : -1;
        first[i] = SIZE_MAX;
    }
    /* rows grouped by user (counting sort), each user's rows by time */
    for (size_t r = 0; r < n; r++)
        m->u_off[US->ids[r] + 1]++;
    for (size_t u = 0; u < nu; u++)
        m->u_off[u + 1] += m->u_off[u];
    size_t *fill = rn_malloc(nu * sizeof *fill, "two_tower users");
    if (fill == NULL) {
        rn_free(first);
        rn_free(tr);
        return RN_ENOMEM;
    }
    memcpy(fill, m->u_off, nu * sizeof *fill);
    for (size_t r = 0; r < n; r++) {
        tr[fill[US->ids[r]]++] = (timed_row){ds->cols[ct].i64[r], r};
        if (first[IT->ids[r]] == SIZE_MAX) first[IT->ids[r]] = r;
    }
    rn_free(fill);
    size_t n_pairs = 0, n_test = 0, gtotal = 0;
    for (size_t u = 0; u < nu; u++) {
        size_t a = m->u_off[u], len = m->u_off[u + 1] - a;
        qsort(tr + a, len, sizeof *tr, by_time);
        for (size_t k = 0; k < len; k++)
            m->u_items[a + k] = IT->ids[tr[a + k].row];
        if (len >= 2) n_test++, n_pairs += len - 1;
        else n_pairs += len;
    }
    /* item features from each item's first row */
    m->max_genres = 1;
    for (size_t i = 1; i < ni; i++) {
        size_t r = first[i], k = r == SIZE_MAX ? 0 : GE->off[r + 1] - GE->off[r];
        m->g_off[i + 1] = m->g_off[i] + k;
        if ((int)k > m->max_genres) m->max_genres = (int)k;
        gtotal += k;
    }
    m->g_ids = rn_malloc((gtotal ? gtotal : 1) * sizeof *m->g_ids, "two_tower genres");
    m->pair_user = rn_malloc((n_pairs ? n_pairs : 1) * sizeof *m->pair_user, "two_tower pairs");
    m->pair_pos = rn_malloc((n_pairs ? n_pairs : 1) * sizeof *m->pair_pos, "two_tower pairs");
    m->test_user = rn_malloc((n_test ? n_test : 1) * sizeof *m->test_user, "two_tower tests");
    if (!m->g_ids || !m->pair_user || !m->pair_pos || !m->test_user) {
        rn_free(first);
        rn_free(tr);
        return RN_ENOMEM;
    }
    for (size_t i = 1; i < ni; i++) {
        size_t r = first[i];
        if (r == SIZE_MAX) continue;
        memcpy(m->g_ids + m->g_off[i], GE->ids + GE->off[r], (m->g_off[i + 1] - m->g_off[i]) * sizeof *m->g_ids);
        m->year[i] = year_bucket(ds->cols[cy].f[r]);
        const char *t = rn_vocab_label(IT->vocab, (int32_t)i);
        if ((m->title[i] = rn_strdup(t ? t : rn_vocab_name(IT->vocab, (int32_t)i))) == NULL) {
            rn_free(first);
            rn_free(tr);
            return RN_ENOMEM;
        }
    }
    rn_free(first);
    rn_free(tr);
    /* pairs: every position but each user's last (a user with one rating trains on it) */
    for (size_t u = 1; u < nu; u++) {
        size_t a = m->u_off[u], len = m->u_off[u + 1] - a, train = len >= 2 ? len - 1 : len;
        for (size_t k = 0; k < train; k++) {
            m->pair_user[m->n_pairs] = (int32_t)u;
            m->pair_pos[m->n_pairs++] = (int32_t)k;
            m->count[m->u_items[a + k]] += 1.0f;
        }
        if (len >= 2) m->test_user[m->n_test++] = (int32_t)u;
    }
    if (m->n_pairs == 0) return rn_fail(RN_EARG, "two_tower: no training pairs");
    for (size_t i = 0; i < ni; i++)
        m->logq[i] = logf((m->count[i] > 0 ? m->count[i] : 0.5f) / (float)m->n_pairs);
    return RN_OK;
}

/* ---- the towers ------------------------------------------------------------------------- */

static int build_towers(rn_two_tower *m)
{
    const rn_two_tower_config *c = &m->cfg;
    rn_rng g;
    rn_rng_seed(&g, c->seed);
    rn_rng_seed(&m->neg_rng, c->seed ^ 0x9e3779b97f4a7c15ull);
    if ((m->ps = rn_params_new()) == NULL || (m->bufs = rn_params_new()) == NULL) return RN_ENOMEM;
    struct {
        rn_tensor **t;
        const char *name;
        int rows;
    } tables[] = {{&m->e_user, "user.id", m->n_users},  {&m->e_hist, "user.history", m->n_items},
                  {&m->e_item, "item.id", m->n_items},  {&m->e_genre, "item.genres", m->n_genres},
                  {&m->e_year, "item.year", N_YEARS}};
    for (size_t k = 0; k < sizeof tables / sizeof *tables; k++) {
        if (k == 0 && !c->user_id) continue;
        rn_tensor *t = rn_param_table(m->ps, tables[k].name, tables[k].rows, c->dim);
        if (t == NULL) return rn_error_code();
        rn_tensor_normal(t, &g, 0.0f, c->init_std);
        *tables[k].t = t;
    }
    int rc = rn__mlp_init(&m->user_mlp, m->ps, m->bufs, "user.mlp", (c->user_id ? 2 : 1) * c->dim,
                          c->n_hidden, c->hidden, c->out_dim, RN_ACT_RELU, 0, 0.0f, 0.1f, 1e-5f,
                          RN_INIT_XAVIER, &g);
    if (rc != RN_OK) return rc;
    rc = rn__mlp_init(&m->item_mlp, m->ps, m->bufs, "item.mlp", 3 * c->dim, c->n_hidden, c->hidden,
                      c->out_dim, RN_ACT_RELU, 0, 0.0f, 0.1f, 1e-5f, RN_INIT_XAVIER, &g);
    if (rc != RN_OK) return rc;
    rn_optim_config oc = rn_optim_defaults(RN_ADAM);
    oc.lr = c->lr;
    if ((m->opt = rn_optim_new(&oc)) == NULL) return rn_error_code();
    if ((rc = rn_optim_add(m->opt, m->ps, "")) != RN_OK) return rc;
    if ((m->g = rn_graph_new(c->seed)) == NULL) return rn_error_code();
    return RN_OK;
}

rn_two_tower *rn_two_tower_new(const rn_dataset *ds, const rn_two_tower_config *cfg)
{
    rn_two_tower_config c = cfg ? *cfg : rn_two_tower_defaults();
    if (ds == NULL) {
        rn_fail(RN_EARG, "two_tower: no data set");
        return NULL;
    }
    if (check_config(&c) != RN_OK) return NULL;
    rn_two_tower *m = rn_calloc(1, sizeof *m, "two_tower");
    if (m == NULL) return NULL;
    m->cfg = c;
    int rc = build_split(m, ds);
    if (rc == RN_OK) rc = build_towers(m);
    if (rc != RN_OK) {
        if (rc == RN_ENOMEM) rn_fail(RN_ENOMEM, "two_tower: out of memory");
        rn_two_tower_free(m);
        return NULL;
    }
    return m;
}

void rn_two_tower_free(rn_two_tower *m)
{
    if (m == NULL) return;
    rn_graph_free(m->g);
    rn_optim_free(m->opt);
    rn_params_free(m->ps);
    rn_params_free(m->bufs);
    if (m->title)
        for (int i = 0; i < m->n_items; i++)
            rn_free(m->title[i]);
    void *arrays[] = {m->user_id, m->item_id, m->title,     m->g_off,    m->g_ids, m->year,
                      m->u_off,   m->u_items, m->pair_user, m->pair_pos, m->test_user,
                      m->logq,    m->count,   m->snap,      m->ids,      m->mask,  m->batch};
    for (size_t k = 0; k < sizeof arrays / sizeof *arrays; k++)
        rn_free(arrays[k]);
    rn_free(m);
}

const rn_two_tower_config *rn_two_tower_config_of(const rn_two_tower *m) { return &m->cfg; }
size_t rn_two_tower_n_pairs(const rn_two_tower *m) { return m->n_pairs; }
size_t rn_two_tower_n_test(const rn_two_tower *m) { return m->n_test; }
int rn_two_tower_n_items(const rn_two_tower *m) { return m->n_items; }
int rn_two_tower_n_users(const rn_two_tower *m) { return m->n_users; }
rn_params *rn_two_tower_params(rn_two_tower *m) { return m->ps; }
int64_t rn_two_tower_item_id(const rn_two_tower *m, int row) { return m->item_id[row]; }
const char *rn_two_tower_item_title(const rn_two_tower *m, int row) { return m->title[row]; }
int64_t rn_two_tower_user_id(const rn_two_tower *m, int row) { return m->user_id[row]; }

const int32_t *rn_two_tower_history(const rn_two_tower *m, int user, size_t *n)
{
    *n = m->u_off[user + 1] - m->u_off[user];
    return m->u_items + m->u_off[user];
}

int rn_two_tower_user_row(const rn_two_tower *m, int64_t user, int *row)
{
    for (int u = 1; u < m->n_users; u++)
        if (m->user_id[u] == user) {
            *row = u;
            return RN_OK;
        }
    return rn_fail(RN_EARG, "two_tower: no user %lld in the data (%d users)", (long long)user,
                   m->n_users - 1);
}

static int grow(rn_two_tower *m, size_t n_ids, size_t n_mask)
{
    if (n_ids > m->ids_cap) {
        int32_t *p = rn_realloc(m->ids, n_ids * sizeof *p, "two_tower scratch");
        if (p == NULL) return RN_ENOMEM;
        m->ids = p, m->ids_cap = n_ids;
    }
    if (n_mask > m->mask_cap) {
        float *p = rn_realloc(m->mask, n_mask * sizeof *p, "two_tower scratch");
        if (p == NULL) return RN_ENOMEM;
        m->mask = p, m->mask_cap = n_mask;
    }
    return RN_OK;
}

static rn_tensor *lookup(rn_graph *g, rn_tensor *table, const int32_t *ids, int rows, int cols)
{
    rn_ids x = {.data = (void *)ids, .n = (size_t)rows * (size_t)(cols ? cols : 1),
                .ndim = cols ? 2 : 1, .shape = {rows, cols}, .dtype = RN_I32};
    return rn_embedding(g, table, &x);
}

rn_tensor *rn_two_tower_normalize(rn_graph *g, rn_tensor *x)
{
    rn_tensor *eps = rn_graph_tensor(g, 1, (const int[]){1}, (const float[]){1e-12f});
    rn_tensor *n2 = rn_add(g, rn_sum(g, rn_mul(g, x, x), 1, 1), eps);
    return rn_mul(g, x, rn_exp(g, rn_scale(g, rn_log(g, n2), -0.5f)));
}

/* The item tower for item rows items[0..n): (n x out_dim), normalised. */
static rn_tensor *item_tower(rn_two_tower *m, const int32_t *items, int n)
{
    rn_graph *g = m->g;
    int Gm = m->max_genres;
    size_t need = (size_t)n * (size_t)(Gm + 2);
    if (grow(m, need, (size_t)n * (size_t)Gm) != RN_OK) return NULL;
    int32_t *id = m->ids, *gid = m->ids + n, *yr = m->ids + n + (size_t)n * Gm;
    for (int b = 0; b < n; b++) {
        int r = items[b];
        id[b] = r;
        yr[b] = m->year[r];
        size_t a = m->g_off[r], k = m->g_off[r + 1] - a;
        for (int j = 0; j < Gm; j++) {
            gid[(size_t)b * Gm + j] = (size_t)j < k ? m->g_ids[a + j] : 0;
            m->mask[(size_t)b * Gm + j] = (size_t)j < k ? 1.0f : 0.0f;
        }
    }
    rn_tensor *mask = rn_graph_tensor(g, 2, (const int[]){n, Gm}, m->mask);
    rn_tensor *parts[3] = {lookup(g, m->e_item, id, n, 0),
                           rn_pool(g, lookup(g, m->e_genre, gid, n, Gm), mask, NULL, RN_POOL_MEAN),
                           lookup(g, m->e_year, yr, n, 0)};
    return rn_two_tower_normalize(g, rn__mlp_forward(&m->item_mlp, g, rn_concat(g, 3, parts, 1)));
}

/* The user tower for users[b] with history the items before position pos[b]. */
static rn_tensor *user_tower(rn_two_tower *m, const int32_t *users, const int32_t *pos, int n)
{
    rn_graph *g = m->g;
    int T = m->cfg.max_history;
    if (grow(m, (size_t)n * (size_t)(T + 1), (size_t)n * (size_t)T) != RN_OK) return NULL;
    int32_t *uid = m->ids, *hid = m->ids + n;
    for (int b = 0; b < n; b++) {
        uid[b] = users[b];
        const int32_t *list = m->u_items + m->u_off[users[b]];
        int p = pos[b], from = p > T ? p - T : 0;
        for (int j = 0; j < T; j++) {
            int ok = from + j < p;
            hid[(size_t)b * T + j] = ok ? list[from + j] : 0;
            m->mask[(size_t)b * T + j] = ok ? 1.0f : 0.0f;
        }
    }
    rn_tensor *mask = rn_graph_tensor(g, 2, (const int[]){n, T}, m->mask);
    rn_tensor *hist = rn_pool(g, lookup(g, m->e_hist, hid, n, T), mask, NULL, RN_POOL_MEAN);
    rn_tensor *x = hist;
    if (m->cfg.user_id) {
        rn_tensor *parts[2] = {lookup(g, m->e_user, uid, n, 0), hist};
        x = rn_concat(g, 2, parts, 1);
    }
    return rn_two_tower_normalize(g, rn__mlp_forward(&m->user_mlp, g, x));
}

/* ---- the losses --------------------------------------------------------------------------- */

/* Softmax cross-entropy of logits (B x C) against class b (diagonal) or 0 for
 * every row; the ids are copied by the op, so they live only for the call. */
static rn_tensor *class_ce(rn_graph *g, rn_tensor *logits, int diagonal)
{
    if (logits == NULL) return NULL;
    int B = logits->shape[0];
    rn_ids *tg = rn_ids_new(RN_I32, 1, (const int[]){B});
    if (tg == NULL) return NULL;
    for (int i = 0; i < B; i++)
        rn_ids_set(tg, (size_t)i, diagonal ? i : 0);
    rn_tensor *loss = rn_softmax_ce(g, logits, tg, NULL);
    rn_ids_free(tg);
    return loss;
}

rn_tensor *rn_two_tower_inbatch_loss(rn_graph *g, rn_tensor *u, rn_tensor *v, const float *logq,
                                     const int32_t *items, float temperature)
{
    if (u == NULL || v == NULL) return NULL;
    int B = u->shape[0];
    rn_tensor *logits = rn_scale(g, rn_matmul(g, u, v, 0, 1), 1.0f / temperature);
    if (logq != NULL || items != NULL) {
        rn_tensor *bias = rn_graph_tensor(g, 2, (const int[]){B, B}, NULL);
        if (bias == NULL) return NULL;
        for (int i = 0; i < B; i++)
            for (int j = 0; j < B; j++)
                bias->data[(size_t)i * B + j] =
                    (logq ? -logq[j] : 0.0f) +
                    (items && j != i && items[j] == items[i] ? -1e9f : 0.0f);
        logits = rn_add(g, logits, bias);
    }
    return class_ce(g, logits, 1);
}

/* [u.vpos, u vneg^T] / tau: (B x (1 + S)). */
static rn_tensor *pos_neg_logits(rn_graph *g, rn_tensor *u, rn_tensor *vpos, rn_tensor *vneg,
                                 float temperature)
{
    if (u == NULL || vpos == NULL || vneg == NULL) return NULL;
    rn_tensor *parts[2] = {rn_sum(g, rn_mul(g, u, vpos), 1, 1), rn_matmul(g, u, vneg, 0, 1)};
    return rn_scale(g, rn_concat(g, 2, parts, 1), 1.0f / temperature);
}

rn_tensor *rn_two_tower_sampled_loss(rn_graph *g, rn_tensor *u, rn_tensor *vpos, rn_tensor *vneg,
                                     const float *neg_correction, float temperature)
{
    rn_tensor *logits = pos_neg_logits(g, u, vpos, vneg, temperature);
    if (logits == NULL) return NULL;
    int B = logits->shape[0], C = logits->shape[1];
    if (neg_correction != NULL) {
        rn_tensor *bias = rn_graph_tensor(g, 1, (const int[]){C}, NULL);
        if (bias == NULL) return NULL;
        for (int s = 1; s < C; s++)
            bias->data[s] = -neg_correction[s - 1];
        logits = rn_add(g, logits, bias);
    }
    (void)B;
    return class_ce(g, logits, 0);
}

rn_tensor *rn_two_tower_bce_loss(rn_graph *g, rn_tensor *u, rn_tensor *vpos, rn_tensor *vneg,
                                 float temperature)
{
    rn_tensor *logits = pos_neg_logits(g, u, vpos, vneg, temperature);
    if (logits == NULL) return NULL;
    int B = logits->shape[0], C = logits->shape[1];
    rn_tensor *y = rn_graph_tensor(g, 2, (const int[]){B, C}, NULL);
    if (y == NULL) return NULL;
    for (int b = 0; b < B; b++)
        y->data[(size_t)b * C] = 1.0f;
    return rn_bce_logits(g, logits, y, NULL);
}

/* The configured loss of pairs[0..n), negatives from rng; on the graph (reset first). */
static rn_tensor *batch_loss(rn_two_tower *m, const size_t *pairs, size_t n, rn_rng *rng)
{
    rn_graph *g = m->g;
    const rn_two_tower_config *c = &m->cfg;
    int B = (int)n, S = c->n_neg;
    /* the batch's users, positions and target items, kept in the arena */
    if ((size_t)(3 * B + S) > m->batch_cap) {
        int32_t *p = rn_realloc(m->batch, (size_t)(3 * B + S) * sizeof *p, "two_tower batch");
        if (p == NULL) {
            rn_fail(RN_ENOMEM, "two_tower: out of memory for a batch of %d", B);
            return NULL;
        }
        m->batch = p, m->batch_cap = (size_t)(3 * B + S);
    }
    int32_t *users = m->batch, *pos = users + B, *items = pos + B, *neg = items + B;
    for (int b = 0; b < B; b++) {
        size_t p = pairs[b];
        users[b] = m->pair_user[p];
        pos[b] = m->pair_pos[p];
        items[b] = m->u_items[m->u_off[users[b]] + (size_t)pos[b]];
    }
    rn_tensor *u = user_tower(m, users, pos, B);
    rn_tensor *vpos = item_tower(m, items, B);
    if (c->loss == RN_TT_INBATCH) {
        float *lq = NULL;
        if (c->logq) {
            rn_tensor *t = rn_graph_tensor(g, 1, (const int[]){B}, NULL);
            if (t == NULL) return NULL;
            lq = t->data;
            for (int b = 0; b < B; b++)
                lq[b] = m->logq[items[b]];
        }
        return rn_two_tower_inbatch_loss(g, u, vpos, lq, items, c->temperature);
    }
    for (int s = 0; s < S; s++)
        neg[s] = 1 + (int32_t)rn_rng_below(rng, (uint64_t)(m->n_items - 1));
    rn_tensor *vneg = item_tower(m, neg, S);
    if (c->loss == RN_TT_BCE) return rn_two_tower_bce_loss(g, u, vpos, vneg, c->temperature);
    rn_tensor *corr = rn_graph_tensor(g, 1, (const int[]){S}, NULL);
    if (corr == NULL) return NULL;
    for (int s = 0; s < S; s++)
        corr->data[s] = logf((float)S / (float)(m->n_items - 1));
    return rn_two_tower_sampled_loss(g, u, vpos, vneg, corr->data, c->temperature);
}

static int run_loss(rn_two_tower *m, const size_t *pairs, size_t n, rn_rng *rng, int backward,
                    double *loss)
{
    if (n == 0) return rn_fail(RN_EARG, "two_tower: an empty batch");
    for (size_t b = 0; b < n; b++)
        if (pairs[b] >= m->n_pairs)
            return rn_fail(RN_EARG, "two_tower: pair %zu out of range (%zu pairs)", pairs[b],
                           m->n_pairs);
    rn_graph_reset(m->g);
    rn_graph_set_training(m->g, 1);
    rn_tensor *l = batch_loss(m, pairs, n, rng);
    int rc = rn_graph_error(m->g);
    if (rc == RN_OK && l == NULL) rc = rn_error_code();
    if (rc != RN_OK) return rc;
    *loss = l->data[0];
    if (backward) return rn_backward(m->g, l);
    return isfinite(*loss) ? RN_OK : rn_fail(RN_ENAN, "two_tower: the loss is %g", *loss);
}

int rn_two_tower_batch_loss(rn_two_tower *m, const size_t *pairs, size_t n, uint64_t seed,
                            int backward, double *loss)
{
    rn_rng r;
    rn_rng_seed(&r, seed);
    return run_loss(m, pairs, n, &r, backward, loss);
}

/* ---- training -------------------------------------------------------------------------- */

static int step(void *self, const size_t *rows, size_t n, double *loss)
{
    rn_two_tower *m = self;
    rn_optim_zero_grad(m->opt);
    int rc = run_loss(m, rows, n, &m->neg_rng, 1, loss);
    if (rc != RN_OK) return rc;
    return rn_optim_step(m->opt);
}

static int evaluate(void *self, rn_metrics *out);

static int snapshot(void *self, int save)
{
    rn_two_tower *m = self;
    size_t total = rn_params_size(m->ps), at = 0;
    if (m->snap == NULL && (m->snap = rn_malloc(total * sizeof *m->snap, "two_tower snapshot")) == NULL)
        return RN_ENOMEM;
    for (size_t i = 0; i < rn_params_count(m->ps); i++) {
        rn_tensor *t = rn_params_at(m->ps, i);
        if (save)
            memcpy(m->snap + at, t->data, t->n * sizeof *t->data);
        else
            memcpy(t->data, m->snap + at, t->n * sizeof *t->data);
        at += t->n;
    }
    return RN_OK;
}

void rn_two_tower_trainer(rn_two_tower *m, rn_trainer *t)
{
    memset(t, 0, sizeof *t);
    t->n_rows = m->n_pairs;
    t->step = step;
    t->evaluate = evaluate;
    t->snapshot = snapshot;
    t->self = m;
}

/* ---- vectors, ranking, evaluation ------------------------------------------------------ */

#define CHUNK 512

/* Item vectors of rows 0..n_items-1 into v (n_items x out_dim). */
static int all_items(rn_two_tower *m, float *v)
{
    int D = m->cfg.out_dim;
    int32_t rows[CHUNK];
    rn_graph_set_training(m->g, 0);
    for (int a = 0; a < m->n_items; a += CHUNK) {
        int n = m->n_items - a < CHUNK ? m->n_items - a : CHUNK;
        for (int k = 0; k < n; k++)
            rows[k] = a + k;
        rn_graph_reset(m->g);
        rn_tensor *t = item_tower(m, rows, n);
        if (rn_graph_error(m->g) != RN_OK || t == NULL) return rn_error_code();
        memcpy(v + (size_t)a * D, t->data, (size_t)n * D * sizeof *v);
    }
    rn_graph_reset(m->g);
    rn_graph_set_training(m->g, 1);
    return RN_OK;
}

/* User vectors of users[0..n), history the items before pos[k], into v (n x out_dim). */
static int some_users(rn_two_tower *m, const int32_t *users, const int32_t *pos, size_t n, float *v)
{
    int D = m->cfg.out_dim;
    rn_graph_set_training(m->g, 0);
    for (size_t a = 0; a < n; a += CHUNK) {
        int k = n - a < CHUNK ? (int)(n - a) : CHUNK;
        rn_graph_reset(m->g);
        rn_tensor *t = user_tower(m, users + a, pos + a, k);
        if (rn_graph_error(m->g) != RN_OK || t == NULL) return rn_error_code();
        memcpy(v + a * D, t->data, (size_t)k * D * sizeof *v);
    }
    rn_graph_reset(m->g);
    rn_graph_set_training(m->g, 1);
    return RN_OK;
}

int rn_two_tower_item_vectors(rn_two_tower *m, float **out, size_t *rows)
{
    int D = m->cfg.out_dim;
    float *v = rn_malloc((size_t)m->n_items * D * sizeof *v, "two_tower item vectors");
    if (v == NULL) return RN_ENOMEM;
    int rc = all_items(m, v);
    if (rc != RN_OK) {
        rn_free(v);
        return rc;
    }
    memmove(v, v + D, (size_t)(m->n_items - 1) * D * sizeof *v);
    *out = v;
    *rows = (size_t)m->n_items - 1;
    return RN_OK;
}

int rn_two_tower_user_vectors(rn_two_tower *m, float **out, size_t *rows)
{
    return rn_two_tower_user_vectors_at(m, 0, out, rows);
}

int rn_two_tower_user_vectors_at(rn_two_tower *m, int before_last, float **out, size_t *rows)
{
    size_t n = (size_t)m->n_users - 1;
    int D = m->cfg.out_dim;
    int32_t *up = rn_malloc(2 * (n ? n : 1) * sizeof *up, "two_tower users");
    float *v = rn_malloc((n ? n : 1) * D * sizeof *v, "two_tower user vectors");
    if (up == NULL || v == NULL) {
        rn_free(up), rn_free(v);
        return RN_ENOMEM;
    }
    for (size_t k = 0; k < n; k++) {
        size_t len = m->u_off[k + 2] - m->u_off[k + 1];
        up[k] = (int32_t)(k + 1);
        /* before_last: the history m:ranks scores with, the held-out item left out */
        up[n + k] = (int32_t)(before_last && len >= 2 ? len - 1 : len);
    }
    int rc = some_users(m, up, up + n, n, v);
    rn_free(up);
    if (rc != RN_OK) {
        rn_free(v);
        return rc;
    }
    *out = v;
    *rows = n;
    return RN_OK;
}

/* The 0-based rank of the target among the unmasked scores (rows the user
 * rated before it and row 0 masked): items scoring higher, plus equal-scoring
 * rows before it. */
static size_t rank_of(const float *s, int n_items, int target, const int32_t *seen, size_t n_seen,
                      float *work)
{
    memcpy(work, s, (size_t)n_items * sizeof *work);
    work[0] = -INFINITY;
    for (size_t k = 0; k < n_seen; k++)
        work[seen[k]] = -INFINITY;
    float t = s[target];
    size_t r = 0;
    for (int i = 1; i < n_items; i++)
        if (i != target && (work[i] > t || (work[i] == t && i < target))) r++;
    return r;
}

int rn_two_tower_ranks(rn_two_tower *m, int mode, size_t *ranks)
{
    if (mode < 0 || mode >= RN_TT_N_MODES) return rn_fail(RN_EARG, "two_tower: unknown mode %d", mode);
    int D = m->cfg.out_dim, N = m->n_items;
    size_t nt = m->n_test;
    float *items = NULL, *users = NULL, *scores = NULL, *work = NULL;
    int32_t *up = NULL;
    int rc = RN_ENOMEM;
    scores = rn_malloc((size_t)CHUNK * N * sizeof *scores, "two_tower scores");
    work = rn_malloc((size_t)N * sizeof *work, "two_tower scores");
    up = rn_malloc(2 * (nt ? nt : 1) * sizeof *up, "two_tower tests");
    if (scores == NULL || work == NULL || up == NULL) goto done;
    for (size_t k = 0; k < nt; k++) {
        int u = m->test_user[k];
        size_t len = m->u_off[u + 1] - m->u_off[u];
        up[k] = u;
        up[nt + k] = (int32_t)(len - 1);
    }
    if (mode != RN_TT_POPULAR) {
        items = rn_malloc((size_t)N * D * sizeof *items, "two_tower item vectors");
        users = rn_malloc((nt ? nt : 1) * D * sizeof *users, "two_tower user vectors");
        if (items == NULL || users == NULL) goto done;
        if ((rc = all_items(m, items)) != RN_OK) goto done;
        if (mode == RN_TT_U2I) {
            if ((rc = some_users(m, up, up + nt, nt, users)) != RN_OK) goto done;
        } else { /* i2i: the vector of the last training item */
            for (size_t k = 0; k < nt; k++) {
                int u = up[k];
                int last = m->u_items[m->u_off[u] + (size_t)up[nt + k] - 1];
                memcpy(users + k * D, items + (size_t)last * D, (size_t)D * sizeof *users);
            }
        }
    }
    for (size_t a = 0; a < nt; a += CHUNK) {
        int n = nt - a < CHUNK ? (int)(nt - a) : CHUNK;
        if (mode == RN_TT_POPULAR) {
            for (int k = 0; k < n; k++)
                memcpy(scores + (size_t)k * N, m->count, (size_t)N * sizeof *scores);
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, N, D, 1.0f, users + a * D, D,
                        items, D, 0.0f, scores, N);
        }
        for (int k = 0; k < n; k++) {
            int u = up[a + k];
            size_t len = (size_t)up[nt + a + k];
            const int32_t *list = m->u_items + m->u_off[u];
            ranks[a + k] = rank_of(scores + (size_t)k * N, N, list[len], list, len, work);
        }
    }
    rc = RN_OK;
done:
    if (rc == RN_ENOMEM) rn_fail(RN_ENOMEM, "two_tower: out of memory while ranking");
    rn_free(items), rn_free(users), rn_free(scores), rn_free(work), rn_free(up);
    return rc;
}

static void at_k(const size_t *ranks, size_t n, int k, rn_two_tower_eval *e)
{
    double hit = 0, ndcg = 0;
    for (size_t i = 0; i < n; i++)
        if (ranks[i] < (size_t)k) {
            hit += 1;
            ndcg += 1.0 / log2((double)ranks[i] + 2.0);
        }
    e->n_users = n;
    e->hit_rate = e->recall = n ? hit / (double)n : 0;
    e->ndcg = n ? ndcg / (double)n : 0;
}

int rn_two_tower_evaluate(rn_two_tower *m, int mode, int k, rn_two_tower_eval *out)
{
    if (mode < 0 || mode >= RN_TT_N_MODES) return rn_fail(RN_EARG, "two_tower: unknown mode %d", mode);
    if (k < 1) return rn_fail(RN_EARG, "two_tower: k must be >= 1, got %d", k);
    memset(out, 0, sizeof *out);
    if (m->n_test == 0) return rn_fail(RN_EARG, "two_tower: no test users (each needs 2 ratings)");
    size_t *ranks = rn_malloc(m->n_test * sizeof *ranks, "two_tower ranks");
    if (ranks == NULL) return RN_ENOMEM;
    int rc = rn_two_tower_ranks(m, mode, ranks);
    if (rc == RN_OK) at_k(ranks, m->n_test, k, out);
    rn_free(ranks);
    return rc;
}

static int evaluate(void *self, rn_metrics *out)
{
    rn_two_tower *m = self;
    if (m->n_test == 0) return RN_OK;
    size_t *ranks = rn_malloc(m->n_test * sizeof *ranks, "two_tower ranks");
    if (ranks == NULL) return RN_ENOMEM;
    int rc = rn_two_tower_ranks(m, RN_TT_U2I, ranks);
    if (rc == RN_OK) {
        rn_two_tower_eval e10, e50;
        at_k(ranks, m->n_test, 10, &e10);
        at_k(ranks, m->n_test, 50, &e50);
        rn_metrics_add(out, "recall@10", e10.recall);
        rn_metrics_add(out, "ndcg@10", e10.ndcg);
        rn_metrics_add(out, "recall@50", e50.recall);
    }
    rn_free(ranks);
    return rc;
}

int rn_two_tower_recommend(rn_two_tower *m, int user, int k, int *rows, float *scores)
{
    if (user < 1 || user >= m->n_users)
        return rn_fail(RN_EARG, "two_tower: user row %d out of range", user);
    if (k < 1) return rn_fail(RN_EARG, "two_tower: k must be >= 1, got %d", k);
    int D = m->cfg.out_dim, N = m->n_items;
    float *items = rn_malloc((size_t)N * D * sizeof *items, "two_tower item vectors");
    float *s = rn_malloc((size_t)N * sizeof *s, "two_tower scores");
    float uv[1024];
    int rc = RN_ENOMEM;
    if (items == NULL || s == NULL) goto done;
    int32_t up[2] = {user, (int32_t)(m->u_off[user + 1] - m->u_off[user])};
    if ((rc = all_items(m, items)) != RN_OK || (rc = some_users(m, up, up + 1, 1, uv)) != RN_OK)
        goto done;
    cblas_sgemv(CblasRowMajor, CblasNoTrans, N, D, 1.0f, items, D, uv, 1, 0.0f, s, 1);
    s[0] = -INFINITY;
    for (size_t j = m->u_off[user]; j < m->u_off[user + 1]; j++)
        s[m->u_items[j]] = -INFINITY;
    /* the k best by insertion (k is small) */
    int got = 0;
    for (int i = 1; i < N; i++) {
        if (s[i] == -INFINITY) continue;
        if (got == k && s[i] <= scores[k - 1]) continue;
        int at = got < k ? got++ : k - 1;
        while (at > 0 && scores[at - 1] < s[i]) {
            scores[at] = scores[at - 1], rows[at] = rows[at - 1];
            at--;
        }
        scores[at] = s[i], rows[at] = i;
    }
    rc = got;
done:
    if (rc == RN_ENOMEM) rn_fail(RN_ENOMEM, "two_tower: out of memory in recommend");
    rn_free(items), rn_free(s);
    return rc;
}
