/* gru_cell: one step of a GRU, as torch.nn.GRUCell (gate order r, z, n):
 *
 *   gi = x W_ih^T + b_ih,  gh = h W_hh^T + b_hh          (B x 3H each)
 *   r  = sigmoid(gi_r + gh_r)    z = sigmoid(gi_z + gh_z)
 *   n  = tanh(gi_n + r * gh_n)   h' = (1 - z) n + z h
 *   x (B x I), h (B x H), W_ih (3H x I), W_hh (3H x H), b_ih, b_hh (3H) -> h' (B x H)
 *
 * Backward, with dh' given:
 *   dn = dh' (1 - z),  dz = dh' (h - n),  dh += dh' z
 *   dan = dn (1 - n^2)          (pre-activation of n)
 *   daz = dz z (1 - z),  dar = (dan gh_n) r (1 - r)
 *   dgi = [dar, daz, dan],  dgh = [dar, daz, dan r]
 *   dx += dgi W_ih,  dW_ih += dgi^T x,  db_ih += sum_b dgi   (likewise h, W_hh, b_hh)
 * Reference: Cho et al. 2014; torch.nn.GRUCell documentation. */
#include "op.h"

#include "../gemm.h"

#include <math.h>

void rn_gru_cell_forward(float *h_new, float *gates, float *ghn, const float *x, const float *h,
                         const float *w_ih, const float *w_hh, const float *b_ih, const float *b_hh,
                         int B, int NI, int H)
{
    /* gates <- x W_ih^T, ghn holds h W_hh^T for the whole B x 3H first. */
    rn_gemm(0, 1, B, 3 * H, NI, 1.0f, x, NI, w_ih, NI, 0.0f, gates, 3 * H);
    rn_gemm(0, 1, B, 3 * H, H, 1.0f, h, H, w_hh, H, 0.0f, ghn, 3 * H);
    for (int b = 0; b < B; b++) {
        float *gi = gates + (size_t)b * 3 * H, *gh = ghn + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float r = 1.0f / (1.0f + expf(-(gi[j] + b_ih[j] + gh[j] + b_hh[j])));
            float z = 1.0f / (1.0f + expf(-(gi[H + j] + b_ih[H + j] + gh[H + j] + b_hh[H + j])));
            float hn = gh[2 * H + j] + b_hh[2 * H + j];
            float n = tanhf(gi[2 * H + j] + b_ih[2 * H + j] + r * hn);
            h_new[b * H + j] = (1.0f - z) * n + z * h[b * H + j];
            /* Keep r, z, n in gates and gh_n in ghn's third block for backward. */
            gi[j] = r, gi[H + j] = z, gi[2 * H + j] = n;
            gh[2 * H + j] = hn;
        }
    }
}

rn_tensor *rn_gru_cell(rn_graph *g, rn_tensor *x, rn_tensor *h, rn_tensor *w_ih, rn_tensor *w_hh,
                       rn_tensor *b_ih, rn_tensor *b_hh)
{
    rn_tensor *in[6] = {x, h, w_ih, w_hh, b_ih, b_hh};
    if (!rn__ready(g, 6, in, 0)) return NULL;
    if (x->ndim != 2 || h->ndim != 2 || x->shape[0] != h->shape[0])
        return rn__fail(g, RN_ESHAPE, "gru_cell needs x (B x I) and h (B x H), got %s and %s",
                        rn__shape(x), rn__shape(h));
    int B = x->shape[0], NI = x->shape[1], H = h->shape[1];
    if (w_ih->ndim != 2 || w_ih->shape[0] != 3 * H || w_ih->shape[1] != NI || w_hh->ndim != 2 ||
        w_hh->shape[0] != 3 * H || w_hh->shape[1] != H || b_ih->n != (size_t)3 * H ||
        b_hh->n != (size_t)3 * H)
        return rn__fail(g, RN_ESHAPE,
                        "gru_cell with NI = %d, H = %d needs w_ih %dx%d, w_hh %dx%d, biases %d; "
                        "got %s, %s, %s, %s",
                        NI, H, 3 * H, NI, 3 * H, H, 3 * H, rn__shape(w_ih), rn__shape(w_hh),
                        rn__shape(b_ih), rn__shape(b_hh));
    int shape[2] = {B, H};
    rn_tensor *y = rn__out(g, 2, shape);
    float *gates = rn__floats(g, (size_t)B * 3 * H), *ghn = rn__floats(g, (size_t)B * 3 * H);
    if (y == NULL || gates == NULL || ghn == NULL) return NULL;
    rn_gru_cell_forward(y->data, gates, ghn, x->data, h->data, w_ih->data, w_hh->data, b_ih->data,
                        b_hh->data, B, NI, H);
    rn_node *nd = rn__record(g, RN_OP_GRU_CELL, y, 6, in);
    if (nd != NULL) nd->save[0] = gates, nd->save[1] = ghn;
    return y;
}

void rn_gru_cell_backward(rn_graph *g, rn_node *nd)
{
    rn_tensor *x = nd->in[0], *h = nd->in[1], *w_ih = nd->in[2], *w_hh = nd->in[3];
    int B = x->shape[0], NI = x->shape[1], H = h->shape[1];
    float *gates = nd->save[0], *ghn = nd->save[1];
    const float *dy = nd->out->grad;
    float *dgi = rn__floats(g, (size_t)B * 3 * H), *dgh = rn__floats(g, (size_t)B * 3 * H);
    if (dgi == NULL || dgh == NULL) return;
    float *dh = rn__grad(g, h);
    for (int b = 0; b < B; b++) {
        const float *gt = gates + (size_t)b * 3 * H, *gh = ghn + (size_t)b * 3 * H;
        float *di = dgi + (size_t)b * 3 * H, *dhh = dgh + (size_t)b * 3 * H;
        for (int j = 0; j < H; j++) {
            float r = gt[j], z = gt[H + j], n = gt[2 * H + j], hn = gh[2 * H + j];
            float d = dy[b * H + j], hv = h->data[b * H + j];
            float dn = d * (1.0f - z), dz = d * (hv - n);
            if (dh != NULL) dh[b * H + j] += d * z;
            float dan = dn * (1.0f - n * n);
            float daz = dz * z * (1.0f - z);
            float dar = dan * hn * r * (1.0f - r);
            di[j] = dar, di[H + j] = daz, di[2 * H + j] = dan;
            dhh[j] = dar, dhh[H + j] = daz, dhh[2 * H + j] = dan * r;
        }
    }
    float *dx = rn__grad(g, x), *dwi = rn__grad(g, w_ih), *dwh = rn__grad(g, w_hh);
    float *dbi = rn__grad(g, nd->in[4]), *dbh = rn__grad(g, nd->in[5]);
    if (dx != NULL) /* dx (B x I) += dgi (B x 3H) W_ih (3H x I) */
        rn_gemm(0, 0, B, NI, 3 * H, 1.0f, dgi, 3 * H, w_ih->data, NI, 1.0f, dx, NI);
    if (dh != NULL) rn_gemm(0, 0, B, H, 3 * H, 1.0f, dgh, 3 * H, w_hh->data, H, 1.0f, dh, H);
    if (dwi != NULL) /* dW_ih (3H x I) += dgi^T x */
        rn_gemm(1, 0, 3 * H, NI, B, 1.0f, dgi, 3 * H, x->data, NI, 1.0f, dwi, NI);
    if (dwh != NULL) rn_gemm(1, 0, 3 * H, H, B, 1.0f, dgh, 3 * H, h->data, H, 1.0f, dwh, H);
    for (int b = 0; b < B; b++)
        for (int j = 0; j < 3 * H; j++) {
            if (dbi != NULL) dbi[j] += dgi[(size_t)b * 3 * H + j];
            if (dbh != NULL) dbh[j] += dgh[(size_t)b * 3 * H + j];
        }
}
