/* Field-aware factorization machine (Juan, Zhuang, Chin and Lin, RecSys 2016):
 *
 *   y = w0 + sum_i w_i x_i + sum_{i<j} <v_{i,f_j}, v_{j,f_i}> x_i x_j
 *
 * Each feature i keeps one vector per field (Fz of them, D numbers each) and
 * meets feature j with the vector it keeps for j's field f_j: where FM has
 * one vector per feature for every partner, FFM lets "user x ad" and
 * "user x site" learn different things. The price is Fz times the vectors and
 * a pairwise term in O(L^2 D) per row (no O(LD) rewriting exists, as it does
 * for FM).
 *
 * A row's entries (feature row r, field f, value x):
 *   categorical field k:   (offset[k] + id, k, 1)
 *   dense feature j:       (rows + j, F + j, x_j)
 *   sparse bag entry e:    (bag_offset + id_e, F + n_dense + field_e, x_e)
 * (a libffm row's field:index:value; a libsvm bag is one field). Padding of
 * the bag has x = 0 and so adds nothing.
 *
 * The pairwise term is built from recorded ops, so autograd differentiates it:
 * two embeddings of "ffm.weight" seen as (rows * Fz) x D gather, for every
 * ordered pair (i, j) of a row, v_{i,f_j} (row r_i Fz + f_j) and v_{j,f_i}
 * (row r_j Fz + f_i); their product summed over D, weighted by x_i x_j on
 * i < j (0 elsewhere), summed over the pairs. The linear term is LR's. */
#include "internal.h"

#include "../error.h"

typedef struct {
    rn__linear lin;
    rn_tensor *v; /* ffm.weight: (rows + n_dense) * Fz x D */
    int fz;       /* fields of the pairwise term */
} ffm_state;

/* Fields: one per categorical field, one per dense feature, the bag's. */
static int ffm_fields(const rn_model_config *c)
{
    int bag = c->bag_cardinality > 0 ? (c->bag_fields > 0 ? c->bag_fields : 1) : 0;
    return c->n_fields + c->n_dense + bag;
}

static int check(const rn_model_config *c)
{
    long rows = c->n_dense + c->bag_cardinality;
    for (int f = 0; f < c->n_fields; f++)
        rows += c->cardinality[f];
    double n = (double)rows * ffm_fields(c) * c->embed_dim;
    if (n > (double)(1 << 28))
        return rn_fail(RN_EARG,
                       "ffm: %ld feature rows x %d fields x %d dims = %.0f numbers (at most "
                       "268435456): fewer rows, fields or embed_dim",
                       rows, ffm_fields(c), c->embed_dim, n);
    return RN_OK;
}

static int build(rn_model *m, rn_rng *g)
{
    ffm_state *st = m->state;
    int rc = rn__linear_build(m, &st->lin, "linear", g);
    if (rc != RN_OK) return rc;
    st->fz = ffm_fields(&m->cfg);
    int rows = (m->rows + m->cfg.n_dense) * st->fz;
    if ((st->v = rn__table(m, "ffm.weight", rows, m->cfg.embed_dim, g)) == NULL)
        return rn_error_code();
    rn__layer(m, "linear", "Linear", "B x 1");
    rn__layer(m, "ffm", "FFM (field-aware pairs)", "B x 1 (%d fields)", st->fz);
    return RN_OK;
}

/* Entry i of row r: its feature row, field and value. */
static void entry(const rn_model *m, const rn_samples *b, size_t r, int i, int *row, int *field,
                  float *x)
{
    int F = m->cfg.n_fields, nd = m->cfg.n_dense;
    if (i < F) {
        *row = m->offset[i] + b->sparse[r * (size_t)F + (size_t)i], *field = i, *x = 1.0f;
    } else if (i < F + nd) {
        int j = i - F;
        *row = m->rows + j, *field = F + j, *x = b->dense[r * (size_t)nd + (size_t)j];
    } else {
        size_t e = r * (size_t)b->bag_len + (size_t)(i - F - nd);
        *row = m->bag_offset + b->bag[e];
        *field = F + nd + (b->bag_fld != NULL ? b->bag_fld[e] : 0);
        *x = b->bag_val[e];
    }
}

/* The v rows of every ordered pair (i, j) of every row: mine = 1 picks
 * v_{i,f_j}, mine = 0 picks v_{j,f_i}; B x L*L x D. */
static rn_tensor *pair_vectors(rn_model *m, rn_graph *g, const rn_samples *b, int L, int mine)
{
    ffm_state *st = m->state;
    size_t B = b->n, LL = (size_t)L * (size_t)L;
    int32_t *id = rn__scratch_ids(m, B * LL);
    if (id == NULL) return NULL;
    for (size_t r = 0; r < B; r++)
        for (int i = 0; i < L; i++) {
            int ri, fi, rj, fj;
            float x;
            entry(m, b, r, i, &ri, &fi, &x);
            for (int j = 0; j < L; j++) {
                entry(m, b, r, j, &rj, &fj, &x);
                id[r * LL + (size_t)i * (size_t)L + (size_t)j] =
                    mine ? ri * st->fz + fj : rj * st->fz + fi;
            }
        }
    rn_ids ids = {id, B * LL, 2, {(int)B, (int)LL}, RN_I32};
    return rn_embedding(g, st->v, &ids);
}

static int forward(rn_model *m, rn_graph *g, const rn_samples *b, rn_heads *out)
{
    ffm_state *st = m->state;
    int B = (int)b->n, L = m->cfg.n_fields + m->cfg.n_dense + b->bag_len;
    rn_tensor *lin = rn__linear_term(m, g, b, &st->lin);
    if (L < 2) { /* no pair */
        out->logit[0] = lin;
        return RN_OK;
    }
    /* x_i x_j on i < j: each unordered pair once */
    rn_tensor *w = rn_graph_tensor(g, 2, (const int[]){B, L * L}, NULL);
    if (w == NULL) return rn_graph_error(g);
    for (size_t r = 0; r < (size_t)B; r++)
        for (int i = 0; i < L; i++) {
            int row, field;
            float xi, xj;
            entry(m, b, r, i, &row, &field, &xi);
            for (int j = i + 1; j < L; j++) {
                entry(m, b, r, j, &row, &field, &xj);
                w->data[r * (size_t)(L * L) + (size_t)i * (size_t)L + (size_t)j] = xi * xj;
            }
        }
    rn_tensor *vi = pair_vectors(m, g, b, L, 1);
    rn_tensor *vj = pair_vectors(m, g, b, L, 0);
    if (vi == NULL || vj == NULL) return rn_error_code() != RN_OK ? rn_error_code() : RN_ENOMEM;
    rn_tensor *dots = rn_sum(g, rn_mul(g, vi, vj), 2, 0); /* B x L*L */
    rn_tensor *pairs = rn_sum(g, rn_mul(g, dots, w), 1, 1); /* B x 1 */
    out->logit[0] = rn_add(g, lin, pairs);
    return RN_OK;
}

const rn__kind rn__ffm = {.name = "ffm",
                          .max_tasks = 1,
                          .state_size = sizeof(ffm_state),
                          .check = check,
                          .build = build,
                          .forward = forward};
