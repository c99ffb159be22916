/* Scatter panels: points coloured by class, with labels; a selected point's
 * k nearest neighbours (computed in the original space, under the metric the
 * plot names) linked to it; points of more than two dimensions projected on
 * their first two principal components, the way the TensorBoard Embedding
 * Projector does, with the variance each axis explains in its label. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Top-two principal directions of the centred n x dim points by power
 * iteration with deflation on the covariance (dim x dim, double). Writes the
 * projection into xy and the explained variance fractions into ev[2]. */
static int pca2(const float *pts, int n, int dim, float *xy, double ev[2])
{
    double *mean = calloc((size_t)dim, sizeof *mean);
    double *cov = calloc((size_t)dim * (size_t)dim, sizeof *cov);
    double *v = malloc(2 * (size_t)dim * sizeof *v), *w = malloc((size_t)dim * sizeof *w);
    if (mean == NULL || cov == NULL || v == NULL || w == NULL) {
        free(mean), free(cov), free(v), free(w);
        return vz_fail(VZ_ENOMEM, "scatter: out of memory for PCA of %d x %d", n, dim);
    }
    for (int i = 0; i < n; i++)
        for (int d = 0; d < dim; d++)
            mean[d] += (double)pts[(size_t)i * dim + d];
    for (int d = 0; d < dim; d++)
        mean[d] /= n;
    for (int i = 0; i < n; i++) {
        const float *x = pts + (size_t)i * dim;
        for (int a = 0; a < dim; a++) {
            double xa = (double)x[a] - mean[a];
            for (int b = a; b < dim; b++)
                cov[(size_t)a * dim + b] += xa * ((double)x[b] - mean[b]);
        }
    }
    double trace = 0;
    for (int a = 0; a < dim; a++) {
        for (int b = a; b < dim; b++)
            cov[(size_t)b * dim + a] = cov[(size_t)a * dim + b];
        trace += cov[(size_t)a * dim + a];
    }
    double lambda[2] = {0, 0};
    for (int k = 0; k < 2; k++) {
        double *u = v + (size_t)k * dim;
        /* a fixed, uneven start vector: deterministic and rarely orthogonal to the answer */
        for (int d = 0; d < dim; d++)
            u[d] = 1.0 + 0.1 * (double)((d * 7 + k * 3) % 11);
        for (int it = 0; it < 300; it++) {
            for (int a = 0; a < dim; a++) {
                double s = 0;
                for (int b = 0; b < dim; b++)
                    s += cov[(size_t)a * dim + b] * u[b];
                w[a] = s;
            }
            if (k == 1) { /* deflate: stay orthogonal to the first direction */
                double dot = 0;
                for (int d = 0; d < dim; d++)
                    dot += w[d] * v[d];
                for (int d = 0; d < dim; d++)
                    w[d] -= dot * v[d];
            }
            double norm = 0;
            for (int d = 0; d < dim; d++)
                norm += w[d] * w[d];
            norm = sqrt(norm);
            if (norm == 0) break;
            double change = 0;
            for (int d = 0; d < dim; d++) {
                double nu = w[d] / norm;
                change += fabs(nu - u[d]);
                u[d] = nu;
            }
            lambda[k] = norm;
            if (change < 1e-10) break;
        }
    }
    for (int i = 0; i < n; i++) {
        const float *x = pts + (size_t)i * dim;
        double a = 0, b = 0;
        for (int d = 0; d < dim; d++) {
            a += ((double)x[d] - mean[d]) * v[d];
            b += ((double)x[d] - mean[d]) * v[dim + d];
        }
        xy[2 * i] = (float)a;
        xy[2 * i + 1] = (float)b;
    }
    ev[0] = trace > 0 ? lambda[0] / trace : 0;
    ev[1] = trace > 0 ? lambda[1] / trace : 0;
    free(mean), free(cov), free(v), free(w);
    return VZ_OK;
}

int vz_scatter_set(vz_panel *p, const float *pts, int n, int dim, const int *classes,
                   const char *const *labels)
{
    if (p->kind != VZ_PANEL_SCATTER)
        return vz_fail(VZ_EINVAL, "scatter: this panel is not a scatter panel");
    if (n < 1 || n > 1000000)
        return vz_fail(VZ_EINVAL, "scatter: %d points (must be 1..1000000)", n);
    if (dim < 2 || dim > 4096)
        return vz_fail(VZ_EINVAL, "scatter: points of dimension %d (must be 2..4096)", dim);
    size_t total = (size_t)n * (size_t)dim;
    for (size_t i = 0; i < total; i++)
        if (!isfinite(pts[i]))
            return vz_fail(VZ_EINVAL, "scatter: point %zu, coordinate %zu is %g (not finite)",
                           i / (size_t)dim + 1, i % (size_t)dim + 1, (double)pts[i]);
    for (int i = 0; classes != NULL && i < n; i++)
        if (classes[i] < 0)
            return vz_fail(VZ_EINVAL, "scatter: class of point %d is %d (must be >= 0)", i + 1,
                           classes[i]);
    float *copy = malloc(total * sizeof *copy);
    float *xy = malloc(2 * (size_t)n * sizeof *xy);
    int *cls = classes ? malloc((size_t)n * sizeof *cls) : NULL;
    int fail = 0;
    char **lab = vz__labels_dup(labels, n, &fail);
    if (copy == NULL || xy == NULL || (classes && cls == NULL) || fail) {
        free(copy), free(xy), free(cls);
        vz__labels_free(lab, n);
        return vz_fail(VZ_ENOMEM, "scatter: out of memory for %d points", n);
    }
    memcpy(copy, pts, total * sizeof *copy);
    if (cls) memcpy(cls, classes, (size_t)n * sizeof *cls);
    double ev[2] = {1, 0};
    if (dim == 2) {
        memcpy(xy, pts, 2 * (size_t)n * sizeof *xy);
    } else if (pca2(pts, n, dim, xy, ev) != VZ_OK) {
        free(copy), free(xy), free(cls);
        vz__labels_free(lab, n);
        return VZ_ENOMEM;
    }
    free(p->pts), free(p->xy), free(p->classes), free(p->nbr);
    vz__labels_free(p->labels, p->n_pts);
    p->pts = copy, p->xy = xy, p->classes = cls, p->labels = lab;
    p->n_pts = n, p->dim = dim;
    p->nbr = NULL, p->n_nbr = 0, p->selected = -1;
    free(p->note);
    p->note = NULL, p->highlight = 0;
    p->auto_view = 1;
    if (dim > 2) {
        /* name the projection on its axes unless the user named them */
        char buf[64];
        if (p->xlabel == NULL) {
            snprintf(buf, sizeof buf, "PC1 (%.0f%% of variance)", 100 * ev[0]);
            vz_panel_set_xlabel(p, buf);
        }
        if (p->ylabel == NULL) {
            snprintf(buf, sizeof buf, "PC2 (%.0f%% of variance)", 100 * ev[1]);
            vz_panel_set_ylabel(p, buf);
        }
    }
    vz__figure_changed(p->fig);
    return VZ_OK;
}

static double distance(const float *a, const float *b, int dim, vz_metric m)
{
    if (m == VZ_METRIC_COSINE) {
        double ab = 0, aa = 0, bb = 0;
        for (int d = 0; d < dim; d++)
            ab += (double)a[d] * (double)b[d], aa += (double)a[d] * (double)a[d],
                bb += (double)b[d] * (double)b[d];
        /* a zero vector has no direction: as far as an orthogonal one */
        return aa > 0 && bb > 0 ? 1 - ab / sqrt(aa * bb) : 1;
    }
    double s = 0;
    for (int d = 0; d < dim; d++) {
        double t = (double)a[d] - (double)b[d];
        s += t * t;
    }
    return sqrt(s);
}

int vz_scatter_set_class_names(vz_panel *p, const char *const *names, int n)
{
    if (p->kind != VZ_PANEL_SCATTER)
        return vz_fail(VZ_EINVAL, "scatter: this panel is not a scatter panel");
    if (n < 0 || n > 256) return vz_fail(VZ_EINVAL, "scatter: %d class names (at most 256)", n);
    int fail = 0;
    char **copy = vz__labels_dup(names, n, &fail);
    if (fail) return vz_fail(VZ_ENOMEM, "scatter: out of memory for class names");
    vz__labels_free(p->class_names, p->n_class_names);
    p->class_names = copy;
    p->n_class_names = copy != NULL ? n : 0;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

/* The name of class c: its given name, or "class c" written into buf. */
static const char *class_name(const vz_panel *p, int c, char *buf, size_t size)
{
    if (c >= 0 && c < p->n_class_names) return p->class_names[c];
    snprintf(buf, size, "class %d", c);
    return buf;
}

int vz_scatter_select(vz_panel *p, int index, int k, vz_metric metric)
{
    if (p->kind != VZ_PANEL_SCATTER)
        return vz_fail(VZ_EINVAL, "select: this panel is not a scatter panel");
    if (index < -1 || index >= p->n_pts)
        return vz_fail(VZ_EINVAL, "select: point %d does not exist (the panel has %d)", index + 1,
                       p->n_pts);
    if (k < 0) return vz_fail(VZ_EINVAL, "select: k = %d (must be >= 0)", k);
    if (metric != VZ_METRIC_EUCLIDEAN && metric != VZ_METRIC_COSINE)
        return vz_fail(VZ_EINVAL, "select: unknown metric %d", (int)metric);
    if (k > p->n_pts - 1) k = p->n_pts - 1;
    free(p->nbr);
    free(p->note);
    p->nbr = NULL, p->n_nbr = 0, p->note = NULL, p->highlight = 0;
    p->selected = index, p->k = k, p->metric = metric;
    vz__figure_changed(p->fig);
    if (index < 0 || k == 0) return VZ_OK;
    int *nb = malloc((size_t)k * sizeof *nb);
    double *nd = malloc((size_t)k * sizeof *nd);
    if (nb == NULL || nd == NULL) {
        free(nb), free(nd);
        return vz_fail(VZ_ENOMEM, "select: out of memory");
    }
    /* insertion into a sorted list of the k best: O(n k), fine for k small */
    int m = 0;
    const float *q = p->pts + (size_t)index * p->dim;
    for (int i = 0; i < p->n_pts; i++) {
        if (i == index) continue;
        double d = distance(q, p->pts + (size_t)i * p->dim, p->dim, metric);
        if (m == k && d >= nd[m - 1]) continue;
        int j = m < k ? m++ : m - 1;
        while (j > 0 && nd[j - 1] > d) {
            nd[j] = nd[j - 1], nb[j] = nb[j - 1];
            j--;
        }
        nd[j] = d, nb[j] = i;
    }
    free(nd);
    p->nbr = nb, p->n_nbr = m;
    return VZ_OK;
}

const vz_color vz_highlight_query = {213, 94, 0, 255};     /* Okabe-Ito vermillion */
const vz_color vz_highlight_neighbour = {0, 114, 178, 255}; /* Okabe-Ito blue */

int vz_scatter_highlight(vz_panel *p, int query, const int *nbrs, int n, const char *note)
{
    if (p->kind != VZ_PANEL_SCATTER)
        return vz_fail(VZ_EINVAL, "highlight: this panel is not a scatter panel");
    if (query < -1 || query >= p->n_pts)
        return vz_fail(VZ_EINVAL, "highlight: point %d does not exist (the panel has %d)",
                       query + 1, p->n_pts);
    if (n < 0 || (n > 0 && nbrs == NULL) || n > p->n_pts)
        return vz_fail(VZ_EINVAL, "highlight: %d neighbours (must be 0..%d)", n, p->n_pts);
    for (int j = 0; j < n; j++)
        if (nbrs[j] < 0 || nbrs[j] >= p->n_pts)
            return vz_fail(VZ_EINVAL, "highlight: neighbour %d is point %d, which does not exist "
                                      "(the panel has %d)",
                           j + 1, nbrs[j] + 1, p->n_pts);
    int *nb = n > 0 ? malloc((size_t)n * sizeof *nb) : NULL;
    char *nt = note != NULL ? vz__strdup(note) : NULL;
    if ((n > 0 && nb == NULL) || (note != NULL && nt == NULL)) {
        free(nb), free(nt);
        return vz_fail(VZ_ENOMEM, "highlight: out of memory");
    }
    if (n > 0) memcpy(nb, nbrs, (size_t)n * sizeof *nb);
    free(p->nbr), free(p->note);
    p->selected = query;
    p->nbr = query >= 0 ? nb : NULL, p->n_nbr = query >= 0 ? n : 0;
    if (query < 0) free(nb);
    p->note = query >= 0 ? nt : NULL;
    if (query < 0) free(nt);
    p->highlight = query >= 0;
    p->k = n;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_scatter_neighbours(const vz_panel *p, int *out, int max)
{
    for (int i = 0; i < p->n_nbr && i < max; i++)
        out[i] = p->nbr[i];
    return p->n_nbr;
}

int vz_scatter_position(const vz_panel *p, int i, float *x, float *y)
{
    if (p->kind != VZ_PANEL_SCATTER || i < 0 || i >= p->n_pts)
        return vz_fail(VZ_EINVAL, "scatter: no point %d", i + 1);
    *x = p->xy[2 * i], *y = p->xy[2 * i + 1];
    return VZ_OK;
}

/* Labels: all of them when there are few points, else the selection's. The
 * selected point goes first, then its neighbours nearest first, then the
 * rest; each takes the first of four places (right, left, above, below) that
 * overlaps no label placed before it, or is left out (the selected point's
 * label always shows). Among many points a pale box keeps a label legible. */
static void draw_labels(vz_dlist *dl, const vz_panel *p, const vz__style *st, float r)
{
    enum { MAX_LABELS = 64 };
    int order[MAX_LABELS], n = 0, sel = p->selected;
    if (sel >= 0) order[n++] = sel;
    for (int j = 0; j < p->n_nbr && n < MAX_LABELS; j++)
        order[n++] = p->nbr[j];
    for (int i = 0; p->n_pts <= 60 && !p->highlight && i < p->n_pts && n < MAX_LABELS; i++) {
        int dup = 0;
        for (int k = 0; k < n && !dup; k++)
            dup = order[k] == i;
        if (!dup) order[n++] = i;
    }
    SDL_FRect placed[2 * MAX_LABELS + 1];
    int n_placed = 0;
    /* under a highlight, labels keep off the highlighted markers too */
    for (int k = 0; p->highlight && k < n; k++) {
        float mx = vz__px(p, p->xy[2 * order[k]]), my = vz__py(p, p->xy[2 * order[k] + 1]);
        float mr = r + 2; /* less than the gap a label keeps from its own marker */
        placed[n_placed++] = (SDL_FRect){mx - mr, my - mr, 2 * mr, 2 * mr};
    }
    vz__dl_group(dl, "labels", NULL);
    for (int k = 0; k < n; k++) {
        int i = order[k], bold = i == sel, w, h;
        if (!p->labels[i][0]) continue;
        vz__text_size(p->labels[i], st->tick_size, bold, &w, &h);
        float px = vz__px(p, p->xy[2 * i]), py = vz__py(p, p->xy[2 * i + 1]);
        float gap = r + (bold ? 10 : 3);
        float cand[4][2] = {{px + gap, py - (float)h / 2},
                            {px - gap - (float)w, py - (float)h / 2},
                            {px - (float)w / 2, py - gap - (float)h},
                            {px - (float)w / 2, py + gap}};
        /* a place must stay inside the plot area (the clip would cut it) */
        SDL_Rect a = p->area;
        int inside[4];
        for (int c = 0; c < 4; c++)
            inside[c] = cand[c][0] >= (float)a.x && cand[c][0] + (float)w <= (float)(a.x + a.w) &&
                        cand[c][1] >= (float)a.y && cand[c][1] + (float)h <= (float)(a.y + a.h);
        int c = 0;
        for (; c < 4; c++) {
            int clash = !inside[c];
            for (int q = 0; q < n_placed && !clash; q++)
                clash =
                    cand[c][0] < placed[q].x + placed[q].w && placed[q].x < cand[c][0] + (float)w &&
                    cand[c][1] < placed[q].y + placed[q].h && placed[q].y < cand[c][1] + (float)h;
            if (!clash) break;
        }
        if (c == 4 && !bold) continue;
        if (c == 4) { /* the selected point's label always shows: inside, overlapping if need be */
            c = 0;
            while (c < 3 && !inside[c])
                c++;
            cand[c][0] = fmaxf((float)a.x, fminf(cand[c][0], (float)(a.x + a.w) - (float)w));
            cand[c][1] = fmaxf((float)a.y, fminf(cand[c][1], (float)(a.y + a.h) - (float)h));
        }
        float lx = roundf(cand[c][0]), ly = roundf(cand[c][1]);
        placed[n_placed++] = (SDL_FRect){lx - 2, ly, (float)w + 4, (float)h};
        if (p->n_pts > 60 || p->highlight)
            vz__dl_rect(dl, lx - 2, ly, (float)w + 4, (float)h, (vz_color){255, 255, 255, 210});
        vz__text_at(dl, p->labels[i], lx, ly, 0, 0, st->tick_size, bold, vz__ink);
    }
    vz__dl_end_group(dl);
}

void vz__draw_scatter(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < p->n_pts; i++) {
        x0 = fmin(x0, p->xy[2 * i]), x1 = fmax(x1, p->xy[2 * i]);
        y0 = fmin(y0, p->xy[2 * i + 1]), y1 = fmax(y1, p->xy[2 * i + 1]);
    }
    if (p->n_pts == 0) x0 = y0 = 0, x1 = y1 = 1;
    /* room for the markers and the selection ring at the edges */
    if (p->auto_view && x1 > x0) {
        double pad = (x1 - x0) * 0.07;
        x0 -= pad, x1 += pad;
    }
    if (p->auto_view && y1 > y0) {
        double pad = (y1 - y0) * 0.04;
        y0 -= pad, y1 += pad;
    }
    vz__auto_view(p, x0, x1, y0, y1, 1);
    /* the note naming the metric sits between the title and the plot */
    int nw = 0, nh = 0;
    if (p->selected >= 0) vz__text_size("Ag", st->tick_size, 0, &nw, &nh);
    p->above = p->selected >= 0 ? (float)nh + 6 * st->scale : 0;
    vz__draw_axes(dl, p, st, 0, 0);
    SDL_Rect a = p->area;
    vz__dl_clip(dl, (float)a.x, (float)a.y, (float)a.w, (float)a.h);
    int sel = p->selected;
    /* links first, under the points (under a highlight: over the faint ones) */
    if (sel >= 0 && p->n_nbr > 0 && !p->highlight) {
        vz__dl_group(dl, "links", NULL);
        float sx = vz__px(p, p->xy[2 * sel]), sy = vz__py(p, p->xy[2 * sel + 1]);
        for (int j = 0; j < p->n_nbr; j++) {
            int i = p->nbr[j];
            vz__dl_segment(dl, sx, sy, vz__px(p, p->xy[2 * i]), vz__py(p, p->xy[2 * i + 1]),
                           1.5f * st->scale, (vz_color){60, 60, 60, 170});
        }
        vz__dl_end_group(dl);
    }
    int max_class = 0;
    for (int i = 0; p->classes && i < p->n_pts; i++)
        max_class = p->classes[i] > max_class ? p->classes[i] : max_class;
    if (max_class > 255) max_class = 255;
    /* many points: smaller markers without outlines, so clusters stay legible */
    float r = p->n_pts > 2000 ? st->marker_r * 0.6f : st->marker_r;
    float outline = p->n_pts > 2000 ? 0.0f : 1.0f;
    /* one group per class, so the SVG reads as the data does; under a
     * highlight, every point outside it faint and grey */
    for (int c = 0; c <= max_class; c++) {
        char buf[32];
        vz__dl_group(dl, "points", p->highlight ? "others" : class_name(p, c, buf, sizeof buf));
        vz_color col = p->highlight ? (vz_color){150, 150, 150, 255} : vz_palette(c);
        /* many points: fainter markers, so that density shows where they pile up */
        col.a = p->n_pts > 2000 ? (uint8_t)fmaxf(40.0f, 220.0f * sqrtf(2000.0f / (float)p->n_pts))
                                : 220;
        if (p->highlight) col.a = (uint8_t)(col.a / 2);
        for (int i = 0; i < p->n_pts; i++) {
            int ci = p->classes ? p->classes[i] : 0;
            if (ci > 255) ci = 255;
            if (ci != c && !(p->highlight && c == 0)) continue;
            if (p->highlight && c > 0) continue;
            vz__dl_circle(dl, vz__px(p, p->xy[2 * i]), vz__py(p, p->xy[2 * i + 1]), r, col,
                          p->highlight ? 0.0f : outline, vz__white);
        }
        vz__dl_end_group(dl);
        if (p->highlight) break;
    }
    if (sel >= 0 && p->highlight) {
        /* the caller's neighbours in blue, the query in vermillion, larger and on top */
        float hr = fmaxf(r, st->marker_r) + 1.5f * st->scale;
        vz__dl_group(dl, "links", NULL);
        float sx = vz__px(p, p->xy[2 * sel]), sy = vz__py(p, p->xy[2 * sel + 1]);
        for (int j = 0; j < p->n_nbr; j++) {
            int i = p->nbr[j];
            vz__dl_segment(dl, sx, sy, vz__px(p, p->xy[2 * i]), vz__py(p, p->xy[2 * i + 1]),
                           1.5f * st->scale, (vz_color){0, 114, 178, 150});
        }
        vz__dl_end_group(dl);
        vz__dl_group(dl, "selection", "neighbours");
        for (int j = p->n_nbr - 1; j >= 0; j--) {
            int i = p->nbr[j];
            vz__dl_circle(dl, vz__px(p, p->xy[2 * i]), vz__py(p, p->xy[2 * i + 1]), hr,
                          vz_highlight_neighbour, 1.5f * st->scale, vz__white);
        }
        vz__dl_end_group(dl);
        vz__dl_group(dl, "selection", "query");
        vz__dl_circle(dl, vz__px(p, p->xy[2 * sel]), vz__py(p, p->xy[2 * sel + 1]),
                      hr + 2.5f * st->scale, vz_highlight_query, 2.0f * st->scale, vz__ink);
        vz__dl_end_group(dl);
    } else if (sel >= 0) {
        vz__dl_group(dl, "selection", NULL);
        /* black rings on a white halo read on every class colour */
        for (int j = 0; j < p->n_nbr; j++) {
            int i = p->nbr[j];
            float x = vz__px(p, p->xy[2 * i]), y = vz__py(p, p->xy[2 * i + 1]);
            vz__dl_circle(dl, x, y, r + 3, (vz_color){0, 0, 0, 0}, 4.0f * st->scale, vz__white);
            vz__dl_circle(dl, x, y, r + 3, (vz_color){0, 0, 0, 0}, 2.0f * st->scale, vz__ink);
        }
        float x = vz__px(p, p->xy[2 * sel]), y = vz__py(p, p->xy[2 * sel + 1]);
        vz__dl_circle(dl, x, y, r + 5, (vz_color){0, 0, 0, 0}, 5.5f * st->scale, vz__white);
        vz__dl_circle(dl, x, y, r + 5, (vz_color){0, 0, 0, 0}, 3.0f * st->scale, vz__ink);
        vz__dl_end_group(dl);
    }
    if (p->labels) draw_labels(dl, p, st, r);
    vz__dl_clip(dl, 0, 0, 0, 0);
    if (sel >= 0) {
        /* the long form when it fits the plot's width, else the short one */
        char note[300], who[32];
        const char *metric = p->metric == VZ_METRIC_COSINE ? "cosine" : "Euclidean";
        snprintf(who, sizeof who, "point %d", sel + 1);
        if (p->note != NULL)
            snprintf(note, sizeof note, "%s", p->note);
        else
            snprintf(note, sizeof note, "%d nearest to %s by %s distance, in the original %d-d "
                                        "space",
                     p->n_nbr, p->labels ? p->labels[sel] : who, metric, p->dim);
        int w, h;
        vz__text_size(note, st->tick_size, 0, &w, &h);
        if (w > a.w && p->note == NULL)
            snprintf(note, sizeof note, "%d-NN by %s distance (%d-d)", p->n_nbr, metric, p->dim);
        vz__text_at(dl, note, (float)a.x + (float)a.w / 2, (float)a.y - 4 * st->scale, 1, 2,
                    st->tick_size, 0, vz__grey);
    }
    if (p->highlight) {
        char nearest[48];
        snprintf(nearest, sizeof nearest, "%d nearest", p->n_nbr);
        const char *names[2] = {"query", nearest};
        vz_color cols[2] = {vz_highlight_query, vz_highlight_neighbour};
        vz__legend(dl, p, st, names, cols, p->n_nbr > 0 ? 2 : 1);
    } else if (max_class > 0) {
        const char *names[8];
        char buf[8][24];
        vz_color cols[8];
        int n = max_class + 1 > 8 ? 8 : max_class + 1;
        for (int c = 0; c < n; c++)
            names[c] = class_name(p, c, buf[c], sizeof buf[c]), cols[c] = vz_palette(c);
        vz__legend(dl, p, st, names, cols, n);
    }
}

int vz__scatter_at(const vz_panel *p, int x, int y)
{
    int best = -1;
    double bd = 12 * 12;
    for (int i = 0; i < p->n_pts; i++) {
        double dx = (double)(vz__px(p, p->xy[2 * i]) - (float)x);
        double dy = (double)(vz__py(p, p->xy[2 * i + 1]) - (float)y);
        if (dx * dx + dy * dy < bd) bd = dx * dx + dy * dy, best = i;
    }
    return best;
}

void vz__scatter_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    int best = vz__scatter_at(p, x, y);
    if (best < 0) return;
    char name[32], cls[32];
    snprintf(name, sizeof name, "point %d", best + 1);
    int n = snprintf(buf, size, "%s", p->labels ? p->labels[best] : name);
    if (p->classes && n >= 0 && (size_t)n < size)
        n += snprintf(buf + n, size - (size_t)n, " (%s)",
                      class_name(p, p->classes[best], cls, sizeof cls));
    if (n >= 0 && (size_t)n < size)
        snprintf(buf + n, size - (size_t)n, ": %.3g, %.3g", (double)p->xy[2 * best],
                 (double)p->xy[2 * best + 1]);
}
