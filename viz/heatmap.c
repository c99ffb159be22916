/* Heatmap panels: a rows x cols matrix (DIN attention: candidates x history
 * items; MMoE gates: tasks x experts) as viridis cells with row and column
 * labels, values written in the cells when they fit, a colour bar with nice
 * ticks, and the value under the pointer on hover. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int vz_heatmap_set(vz_panel *p, const float *v, int rows, int cols, const char *const *row_labels,
                   const char *const *col_labels)
{
    if (p->kind != VZ_PANEL_HEATMAP)
        return vz_fail(VZ_EINVAL, "heatmap: this panel is not a heatmap");
    if (rows < 1 || cols < 1 || rows > 4096 || cols > 4096)
        return vz_fail(VZ_EINVAL, "heatmap: %d x %d cells (each side must be 1..4096)", rows, cols);
    size_t n = (size_t)rows * (size_t)cols;
    float *copy = malloc(n * sizeof *copy);
    int fail = 0;
    char **rl = vz__labels_dup(row_labels, rows, &fail);
    char **cl = vz__labels_dup(col_labels, cols, &fail);
    if (copy == NULL || fail) {
        free(copy);
        vz__labels_free(rl, rows);
        vz__labels_free(cl, cols);
        return vz_fail(VZ_ENOMEM, "heatmap: out of memory for %d x %d cells", rows, cols);
    }
    memcpy(copy, v, n * sizeof *copy);
    free(p->hm);
    vz__labels_free(p->row_labels, p->hm_rows);
    vz__labels_free(p->col_labels, p->hm_cols);
    p->hm = copy;
    p->hm_rows = rows, p->hm_cols = cols;
    p->row_labels = rl, p->col_labels = cl;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_heatmap_update(vz_panel *p, const float *v, int rows, int cols)
{
    if (p->kind != VZ_PANEL_HEATMAP || p->hm == NULL)
        return vz_heatmap_set(p, v, rows, cols, NULL, NULL);
    if (rows != p->hm_rows || cols != p->hm_cols)
        return vz_heatmap_set(p, v, rows, cols, NULL, NULL);
    memcpy(p->hm, v, (size_t)rows * (size_t)cols * sizeof *p->hm);
    vz__figure_changed(p->fig);
    return VZ_OK;
}

void vz_heatmap_set_range(vz_panel *p, float vmin, float vmax)
{
    p->hm_vmin = vmin, p->hm_vmax = vmax;
    vz__figure_changed(p->fig);
}

int vz_heatmap_set_clabel(vz_panel *p, const char *label)
{
    if (p->kind != VZ_PANEL_HEATMAP)
        return vz_fail(VZ_EINVAL, "heatmap: this panel is not a heatmap");
    char *copy = NULL;
    if (label != NULL && (copy = vz__utf8_clean(label)) == NULL)
        return vz_fail(VZ_ENOMEM, "heatmap: out of memory");
    free(p->hm_clabel);
    p->hm_clabel = copy;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

/* The colour range: the fixed ends, else the finite data's. */
static void range(const vz_panel *p, float *lo, float *hi)
{
    float a = INFINITY, b = -INFINITY;
    size_t n = (size_t)p->hm_rows * (size_t)p->hm_cols;
    for (size_t i = 0; i < n; i++)
        if (isfinite(p->hm[i])) a = fminf(a, p->hm[i]), b = fmaxf(b, p->hm[i]);
    if (!isfinite(a)) a = 0, b = 1;
    if (!isnan(p->hm_vmin)) a = p->hm_vmin;
    if (!isnan(p->hm_vmax)) b = p->hm_vmax;
    if (!(b > a)) b = a + 1;
    *lo = a, *hi = b;
}

/* Cell edges on whole pixels, so neighbouring cells abut with no seam. */
static int edge(int origin, int span, int n, int i)
{
    return origin + (int)((long long)span * i / n);
}

static void value_text(char *buf, size_t size, float v)
{
    if (isnan(v))
        snprintf(buf, size, "nan");
    else if (fabsf(v) >= 1000 || (v != 0 && fabsf(v) < 0.01f))
        snprintf(buf, size, "%.2g", (double)v);
    else
        snprintf(buf, size, "%.2f", (double)v);
}

/* More cells than pixels: each pixel shows the mean of the cells it covers
 * (NaN cells skipped), and equal neighbours merge into one rect, so the
 * display list stays within the area's pixel count however big the matrix. */
static void heatmap_pixels(vz_dlist *dl, const vz_panel *p, SDL_Rect a, float lo, float hi)
{
    int R = p->hm_rows, C = p->hm_cols;
    int rows = R < a.h ? R : a.h, cols = C < a.w ? C : a.w;
    for (int y = 0; y < rows; y++) {
        int i0 = (int)((long long)y * R / rows), i1 = (int)((long long)(y + 1) * R / rows);
        int y0 = edge(a.y, a.h, rows, y), y1 = edge(a.y, a.h, rows, y + 1);
        int run_x = 0;
        vz_color run = {0, 0, 0, 0};
        for (int x = 0; x <= cols; x++) {
            vz_color col = run;
            if (x < cols) {
                int j0 = (int)((long long)x * C / cols), j1 = (int)((long long)(x + 1) * C / cols);
                double sum = 0;
                int n = 0;
                for (int i = i0; i < i1; i++)
                    for (int j = j0; j < j1; j++) {
                        float v = p->hm[(size_t)i * (size_t)C + (size_t)j];
                        if (!isnan(v)) sum += (double)v, n++;
                    }
                col = n == 0 ? (vz_color){190, 190, 190, 255}
                             : vz_colormap((float)(sum / n - (double)lo) / (hi - lo));
            }
            if (x == cols || (x > 0 && memcmp(&col, &run, sizeof col) != 0)) {
                int x0 = edge(a.x, a.w, cols, run_x), x1 = edge(a.x, a.w, cols, x);
                vz__dl_rect(dl, (float)x0, (float)y0, (float)(x1 - x0), (float)(y1 - y0), run);
                run_x = x;
            }
            run = col;
        }
    }
}

void vz__draw_heatmap(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    if (p->hm == NULL) {
        vz__layout(dl, p, st, 0, 0, 0, 0);
        return;
    }
    int R = p->hm_rows, C = p->hm_cols;
    int tw, th;
    vz__text_size("0", st->tick_size, 0, &tw, &th);
    /* left: row labels; bottom: column labels, turned when they crowd */
    int rl_w = 0, cl_w = 0;
    for (int i = 0; p->row_labels && i < R; i++) {
        int w, h;
        vz__text_size(p->row_labels[i][0] ? p->row_labels[i] : " ", st->tick_size, 0, &w, &h);
        rl_w = w > rl_w ? w : rl_w;
    }
    for (int j = 0; p->col_labels && j < C; j++) {
        int w, h;
        vz__text_size(p->col_labels[j][0] ? p->col_labels[j] : " ", st->tick_size, 0, &w, &h);
        cl_w = w > cl_w ? w : cl_w;
    }
    float lo, hi;
    range(p, &lo, &hi);
    double ct[40], cstep;
    int cn = vz__ticks(lo, hi, 6, ct, &cstep);
    int cb_lab = 0;
    char buf[64];
    for (int i = 0; i < cn; i++) {
        int w, h;
        vz__tick_label(buf, sizeof buf, ct[i], cstep);
        vz__text_size(buf, st->tick_size, 0, &w, &h);
        cb_lab = w > cb_lab ? w : cb_lab;
    }
    float bar_w = 14 * st->scale, gap = 14 * st->scale;
    int cl_h = 0; /* the colour bar's name, turned, right of its ticks */
    if (p->hm_clabel != NULL && p->hm_clabel[0]) {
        int w;
        vz__text_size(p->hm_clabel, st->tick_size, 0, &w, &cl_h);
        cb_lab += cl_h + 8;
    }
    float cell_guess = (float)(p->cell.w - rl_w - (int)(bar_w + gap) - cb_lab - 40) / (float)C;
    int turn = p->col_labels && (float)cl_w > cell_guess - 4;
    float bottom = p->col_labels ? (float)(turn ? cl_w : th) + 6 : 0;
    vz__layout(dl, p, st, p->row_labels ? (float)rl_w + 6 : 0, bottom,
               bar_w + gap + 6 + (float)cb_lab, 0);
    SDL_Rect a = p->area;

    vz__dl_group(dl, "cells", NULL);
    if (R <= a.h && C <= a.w) {
        for (int i = 0; i < R; i++) {
            int y0 = edge(a.y, a.h, R, i), y1 = edge(a.y, a.h, R, i + 1);
            for (int j = 0; j < C; j++) {
                int x0 = edge(a.x, a.w, C, j), x1 = edge(a.x, a.w, C, j + 1);
                float v = p->hm[(size_t)i * (size_t)C + (size_t)j];
                vz_color col =
                    isnan(v) ? (vz_color){190, 190, 190, 255} : vz_colormap((v - lo) / (hi - lo));
                vz__dl_rect(dl, (float)x0, (float)y0, (float)(x1 - x0), (float)(y1 - y0), col);
            }
        }
    } else {
        heatmap_pixels(dl, p, a, lo, hi);
    }
    vz__dl_end_group(dl);
    /* values inside the cells when every one fits */
    int vw, vh;
    vz__text_size("-0.00", st->tick_size, 0, &vw, &vh);
    if ((float)a.w / (float)C >= (float)vw + 6 && (float)a.h / (float)R >= (float)vh + 4) {
        vz__dl_group(dl, "values", NULL);
        for (int i = 0; i < R; i++) {
            float cy = ((float)edge(a.y, a.h, R, i) + (float)edge(a.y, a.h, R, i + 1)) / 2;
            for (int j = 0; j < C; j++) {
                float cx = ((float)edge(a.x, a.w, C, j) + (float)edge(a.x, a.w, C, j + 1)) / 2;
                float v = p->hm[(size_t)i * (size_t)C + (size_t)j];
                vz_color col = vz_colormap((v - lo) / (hi - lo));
                /* dark ink on the light end of viridis, white on the dark */
                float lum = 0.2126f * col.r + 0.7152f * col.g + 0.0722f * col.b;
                value_text(buf, sizeof buf, v);
                vz__text_at(dl, buf, cx, cy, 1, 1, st->tick_size, 0,
                            lum > 140 && !isnan(v) ? vz__ink : vz__white);
            }
        }
        vz__dl_end_group(dl);
    }
    /* labels thin out to every k-th when rows or columns crowd them */
    int row_step = 1, col_step = 1;
    while ((float)a.h / (float)R * (float)row_step < (float)th && row_step < R)
        row_step++;
    while (!turn && (float)a.w / (float)C * (float)col_step < (float)cl_w + 6 && col_step < C)
        col_step++;
    while (turn && (float)a.w / (float)C * (float)col_step < (float)th && col_step < C)
        col_step++;
    for (int i = 0; p->row_labels && i < R; i += row_step) {
        float cy = ((float)edge(a.y, a.h, R, i) + (float)edge(a.y, a.h, R, i + 1)) / 2;
        vz__text_at(dl, p->row_labels[i], (float)a.x - 5, cy, 2, 1, st->tick_size, 0, vz__ink);
    }
    for (int j = 0; p->col_labels && j < C; j += col_step) {
        float cx = ((float)edge(a.x, a.w, C, j) + (float)edge(a.x, a.w, C, j + 1)) / 2;
        if (turn) {
            int w, h;
            vz__text_size(p->col_labels[j][0] ? p->col_labels[j] : " ", st->tick_size, 0, &w, &h);
            vz__dl_text(dl, p->col_labels[j], cx, (float)(a.y + a.h) + 5 + (float)w / 2,
                        st->tick_size, 0, -90, vz__ink);
        } else {
            vz__text_at(dl, p->col_labels[j], cx, (float)(a.y + a.h) + 4, 1, 0, st->tick_size, 0,
                        vz__ink);
        }
    }
    /* the colour bar: one rect per pixel row, and its ticks */
    float bx = (float)(a.x + a.w) + gap;
    vz__dl_group(dl, "colorbar", NULL);
    for (int y = 0; y < a.h; y++) {
        float t = 1.0f - ((float)y + 0.5f) / (float)a.h;
        vz__dl_rect(dl, bx, (float)(a.y + y), bar_w, 1, vz_colormap(t));
    }
    for (int i = 0; i < cn; i++) {
        float y =
            (float)(a.y + a.h) - (float)((ct[i] - (double)lo) / (double)(hi - lo)) * (float)a.h;
        y = floorf(y) + 0.5f;
        vz__tick_label(buf, sizeof buf, ct[i], cstep);
        vz__dl_segment(dl, bx + bar_w, y, bx + bar_w + 4, y, 1, vz__grey);
        vz__text_at(dl, buf, bx + bar_w + 6, y, 0, 1, st->tick_size, 0, vz__ink);
    }
    if (cl_h > 0)
        vz__dl_text(dl, p->hm_clabel, bx + bar_w + 6 + (float)(cb_lab - cl_h - 8) + 6 + (float)cl_h / 2,
                    (float)a.y + (float)a.h / 2, st->tick_size, 0, -90, vz__ink);
    vz__dl_end_group(dl);
}

void vz__heatmap_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    SDL_Rect a = p->area;
    if (p->hm == NULL || x < a.x || x >= a.x + a.w || y < a.y || y >= a.y + a.h) return;
    int j = (int)((long long)(x - a.x) * p->hm_cols / a.w);
    int i = (int)((long long)(y - a.y) * p->hm_rows / a.h);
    /* the edges are rounded the same way as drawn: step back when past one */
    while (j > 0 && x < edge(a.x, a.w, p->hm_cols, j))
        j--;
    while (j + 1 < p->hm_cols && x >= edge(a.x, a.w, p->hm_cols, j + 1))
        j++;
    while (i > 0 && y < edge(a.y, a.h, p->hm_rows, i))
        i--;
    while (i + 1 < p->hm_rows && y >= edge(a.y, a.h, p->hm_rows, i + 1))
        i++;
    char v[32];
    snprintf(v, sizeof v, "%.4g", (double)p->hm[(size_t)i * (size_t)p->hm_cols + (size_t)j]);
    char rl[16], cl[16];
    snprintf(rl, sizeof rl, "row %d", i + 1);
    snprintf(cl, sizeof cl, "col %d", j + 1);
    snprintf(buf, size, "%s / %s: %s", p->row_labels ? p->row_labels[i] : rl,
             p->col_labels ? p->col_labels[j] : cl, v);
}
