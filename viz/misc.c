/* Histogram and bar panels, and the hover dispatcher (the graph panel is in
 * graph.c).
 *
 * Histogram: named series of values binned on one shared range (activations
 * before and after batch norm read side by side), overlaid as translucent
 * bars with a solid outline each. Bar: one value per category. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- histogram --------------------------------------------------------------- */

int vz_hist_add(vz_panel *p, const char *name, const float *v, size_t n)
{
    if (p->kind != VZ_PANEL_HIST) return vz_fail(VZ_EINVAL, "hist: this panel is not a histogram");
    if (n == 0) return vz_fail(VZ_EINVAL, "hist: series \"%s\" has no values", name ? name : "");
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return vz_fail(VZ_EINVAL, "hist: series \"%s\": value %zu is %g (not finite)",
                           name ? name : "", i + 1, (double)v[i]);
    int s = vz_line_add_series(p, name);
    if (s < 0) return s;
    vz__series *se = &p->series[s];
    se->y = malloc(n * sizeof *se->y);
    if (se->y == NULL) {
        free(se->name);
        p->n_series--;
        return vz_fail(VZ_ENOMEM, "hist: out of memory for %zu values", n);
    }
    memcpy(se->y, v, n * sizeof *se->y);
    se->n = se->cap = n;
    for (size_t i = 0; i < n; i++)
        se->ymin = fmin(se->ymin, v[i]), se->ymax = fmax(se->ymax, v[i]);
    p->auto_view = 1;
    return s;
}

int vz_hist_set_bins(vz_panel *p, int bins)
{
    if (bins < 1 || bins > 1000) return vz_fail(VZ_EINVAL, "hist: %d bins (must be 1..1000)", bins);
    p->bins = bins;
    p->auto_view = 1;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

/* Bins every series on the shared range into p->counts. */
static int hist_count(vz_panel *p)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int s = 0; s < p->n_series; s++)
        lo = fmin(lo, p->series[s].ymin), hi = fmax(hi, p->series[s].ymax);
    if (!isfinite(lo)) lo = 0, hi = 1;
    if (!(hi > lo)) lo -= 0.5, hi += 0.5;
    int *counts = calloc((size_t)(p->n_series ? p->n_series : 1) * (size_t)p->bins, sizeof *counts);
    if (counts == NULL) return vz_fail(VZ_ENOMEM, "hist: out of memory");
    for (int s = 0; s < p->n_series; s++) {
        const vz__series *se = &p->series[s];
        for (size_t i = 0; i < se->n; i++) {
            int b = (int)(((double)se->y[i] - lo) / (hi - lo) * p->bins);
            b = b < 0 ? 0 : b >= p->bins ? p->bins - 1 : b; /* the top edge joins the last bin */
            counts[(size_t)s * p->bins + (size_t)b]++;
        }
    }
    free(p->counts);
    p->counts = counts;
    p->h_lo = (float)lo, p->h_hi = (float)hi;
    return VZ_OK;
}

int vz_hist_bin(const vz_panel *p, int s, int b, float *lo, float *hi, int *count)
{
    if (p->counts == NULL || s < 0 || s >= p->n_series || b < 0 || b >= p->bins)
        return vz_fail(VZ_EINVAL, "hist: no bin %d of series %d (render first)", b + 1, s + 1);
    float w = (p->h_hi - p->h_lo) / (float)p->bins;
    *lo = p->h_lo + w * (float)b, *hi = p->h_lo + w * (float)(b + 1);
    *count = p->counts[(size_t)s * p->bins + (size_t)b];
    return VZ_OK;
}

void vz__draw_hist(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    if (hist_count(p) != VZ_OK) {
        dl->failed = 1;
        return;
    }
    int maxc = 1;
    for (int i = 0; i < p->n_series * p->bins; i++)
        maxc = p->counts[i] > maxc ? p->counts[i] : maxc;
    int was_auto = p->auto_view;
    double pad = ((double)p->h_hi - (double)p->h_lo) * 0.02;
    vz__auto_view(p, (double)p->h_lo - pad, (double)p->h_hi + pad, 0, maxc, 0);
    if (was_auto) p->vy1 = maxc * 1.08; /* head room, but bars stand on zero */
    vz__draw_axes(dl, p, st, 0, 0);
    SDL_Rect a = p->area;
    vz__dl_clip(dl, (float)a.x, (float)a.y, (float)a.w, (float)a.h);
    float w = (p->h_hi - p->h_lo) / (float)p->bins;
    for (int s = 0; s < p->n_series; s++) {
        vz_color col = vz_palette(s);
        col.a = p->n_series > 1 ? 110 : 200;
        vz__dl_group(dl, "series", p->series[s].name);
        float base = roundf(vz__py(p, 0));
        for (int b = 0; b < p->bins; b++) {
            int c = p->counts[(size_t)s * p->bins + (size_t)b];
            if (c == 0) continue;
            float x0 = roundf(vz__px(p, p->h_lo + w * (float)b));
            float x1 = roundf(vz__px(p, p->h_lo + w * (float)(b + 1)));
            float y = roundf(vz__py(p, c));
            vz__dl_rect(dl, x0, y, x1 - x0, base - y, col);
        }
        /* the outline as one step line: the series reads even where others overlap */
        size_t line = vz__dl_line_begin(dl, 1.5f * st->scale, vz_palette(s));
        vz__dl_point(dl, line, roundf(vz__px(p, p->h_lo)), base);
        for (int b = 0; b < p->bins; b++) {
            float y = roundf(vz__py(p, p->counts[(size_t)s * p->bins + (size_t)b]));
            vz__dl_point(dl, line, roundf(vz__px(p, p->h_lo + w * (float)b)), y);
            vz__dl_point(dl, line, roundf(vz__px(p, p->h_lo + w * (float)(b + 1))), y);
        }
        vz__dl_point(dl, line, roundf(vz__px(p, p->h_hi)), base);
        vz__dl_end_group(dl);
    }
    vz__dl_clip(dl, 0, 0, 0, 0);
    if (p->n_series > 1 || (p->n_series == 1 && strncmp(p->series[0].name, "series ", 7) != 0)) {
        const char *names[64];
        vz_color cols[64];
        for (int s = 0; s < p->n_series; s++)
            names[s] = p->series[s].name, cols[s] = vz_palette(s);
        vz__legend(dl, p, st, names, cols, p->n_series);
    }
}

void vz__hist_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    SDL_Rect a = p->area;
    if (p->counts == NULL || x < a.x || x >= a.x + a.w || y < a.y || y >= a.y + a.h) return;
    double v = vz__x_of(p, (float)x);
    int b = (int)floor(vz__clampd((v - (double)p->h_lo) / (double)(p->h_hi - p->h_lo) * p->bins));
    if (b < 0 || b >= p->bins) return;
    float w = (p->h_hi - p->h_lo) / (float)p->bins;
    int n = snprintf(buf, size, "[%.3g, %.3g)", (double)(p->h_lo + w * (float)b),
                     (double)(p->h_lo + w * (float)(b + 1)));
    for (int s = 0; s < p->n_series && n >= 0 && (size_t)n < size; s++)
        n += snprintf(buf + n, size - (size_t)n, "%s %s: %d", s ? "," : "", p->series[s].name,
                      p->counts[(size_t)s * p->bins + (size_t)b]);
}

/* ---- bar ------------------------------------------------------------------------ */

static int bar_values_ok(const float *v, int n)
{
    for (int i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return vz_fail(VZ_EINVAL, "bar: value %d is %g (not finite)", i + 1, (double)v[i]);
    return VZ_OK;
}

int vz_bar_set(vz_panel *p, const float *v, int n, const char *const *labels)
{
    if (p->kind != VZ_PANEL_BAR) return vz_fail(VZ_EINVAL, "bar: this panel is not a bar chart");
    if (n < 1 || n > 10000) return vz_fail(VZ_EINVAL, "bar: %d bars (must be 1..10000)", n);
    if (bar_values_ok(v, n) != VZ_OK) return VZ_EINVAL;
    float *copy = malloc((size_t)n * sizeof *copy);
    int fail = 0;
    char **lab = vz__labels_dup(labels, n, &fail);
    const char *none[1] = {""};
    char **names = vz__labels_dup(none, 1, &fail);
    if (copy == NULL || fail) {
        free(copy);
        vz__labels_free(lab, n);
        vz__labels_free(names, 1);
        return vz_fail(VZ_ENOMEM, "bar: out of memory");
    }
    memcpy(copy, v, (size_t)n * sizeof *copy);
    free(p->bars);
    vz__labels_free(p->bar_labels, p->n_bars);
    vz__labels_free(p->bar_names, p->n_bar_series);
    p->bars = copy, p->bar_labels = lab, p->n_bars = n;
    p->bar_names = names, p->n_bar_series = 1;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_bar_update(vz_panel *p, const float *v, int n)
{
    if (p->kind != VZ_PANEL_BAR || n != p->n_bars) return vz_bar_set(p, v, n, NULL);
    if (bar_values_ok(v, n) != VZ_OK) return VZ_EINVAL;
    memcpy(p->bars, v, (size_t)n * sizeof *v);
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_bar_add_series(vz_panel *p, const char *name, const float *v, int n)
{
    if (p->kind != VZ_PANEL_BAR) return vz_fail(VZ_EINVAL, "bar: this panel is not a bar chart");
    if (p->bars == NULL) { /* the first series */
        int rc = vz_bar_set(p, v, n, NULL);
        if (rc != VZ_OK) return rc;
        char *copy = vz__strdup(name ? name : "");
        if (copy == NULL) return vz_fail(VZ_ENOMEM, "bar: out of memory");
        free(p->bar_names[0]);
        p->bar_names[0] = copy;
        return VZ_OK;
    }
    if (n != p->n_bars)
        return vz_fail(VZ_EINVAL, "bar: series \"%s\" has %d values, the chart has %d bars",
                       name ? name : "", n, p->n_bars);
    if (p->n_bar_series >= 8) return vz_fail(VZ_EINVAL, "bar: at most 8 series");
    if (bar_values_ok(v, n) != VZ_OK) return VZ_EINVAL;
    int S = p->n_bar_series;
    float *bars = realloc(p->bars, (size_t)(S + 1) * (size_t)n * sizeof *bars);
    if (bars == NULL) return vz_fail(VZ_ENOMEM, "bar: out of memory");
    p->bars = bars;
    char **names = realloc(p->bar_names, (size_t)(S + 1) * sizeof *names);
    if (names == NULL) return vz_fail(VZ_ENOMEM, "bar: out of memory");
    p->bar_names = names;
    if ((names[S] = vz__strdup(name ? name : "")) == NULL)
        return vz_fail(VZ_ENOMEM, "bar: out of memory");
    memcpy(bars + (size_t)S * (size_t)n, v, (size_t)n * sizeof *v);
    p->n_bar_series = S + 1;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_bar_set_labels(vz_panel *p, const char *const *labels, int n)
{
    if (p->kind != VZ_PANEL_BAR || n != p->n_bars)
        return vz_fail(VZ_EINVAL, "bar: %d labels for %d bars", n, p->n_bars);
    int fail = 0;
    char **lab = vz__labels_dup(labels, n, &fail);
    if (fail) return vz_fail(VZ_ENOMEM, "bar: out of memory");
    vz__labels_free(p->bar_labels, p->n_bars);
    p->bar_labels = lab;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_bar_set_base(vz_panel *p, double base, const char *label)
{
    if (p->kind != VZ_PANEL_BAR) return vz_fail(VZ_EINVAL, "bar: this panel is not a bar chart");
    if (!isfinite(base)) return vz_fail(VZ_EINVAL, "bar: the base is %g (not finite)", base);
    char *copy = NULL;
    if (label != NULL && (copy = strdup(label)) == NULL)
        return vz_fail(VZ_ENOMEM, "bar: out of memory");
    free(p->bar_base_label);
    p->bar_base_label = copy;
    p->bar_base = base;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

void vz__draw_bar(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    int S = p->n_bar_series, N = p->n_bars;
    if (p->bars == NULL) {
        vz__layout(dl, p, st, 0, 0, 0, 0);
        return;
    }
    double b0 = p->bar_base, lo = b0, hi = b0;
    for (int i = 0; i < S * N; i++)
        lo = fmin(lo, p->bars[i]), hi = fmax(hi, p->bars[i]);
    if (!(hi > lo)) hi = lo + 1;
    p->auto_view = 1; /* bars do not zoom */
    vz__auto_view(p, -0.5, N - 0.5, lo, hi, 0);
    double pad = (hi - lo) * (S > 1 ? 0.08 + 0.1 * S : 0.08); /* room for the legend */
    p->vy1 = hi > b0 ? hi + pad : hi;
    p->vy0 = lo < b0 ? lo - pad : lo;
    if (p->bar_base_label != NULL && !(lo < b0)) /* a strip under the line for its name */
        p->vy0 = b0 - (hi - lo) * 0.08;
    /* labels turn when they would crowd their bar */
    int lw = 0, th, tw;
    vz__text_size("0", st->tick_size, 0, &tw, &th);
    for (int i = 0; p->bar_labels && i < N; i++) {
        int w, h;
        vz__text_size(p->bar_labels[i][0] ? p->bar_labels[i] : " ", st->tick_size, 0, &w, &h);
        lw = w > lw ? w : lw;
    }
    float slot = (float)(p->cell.w - 80) / (float)(N ? N : 1);
    int turn = p->bar_labels && (float)lw > slot - 4;
    vz__draw_axes(dl, p, st, 0, turn ? (float)(lw - th) : 0);
    SDL_Rect a = p->area;
    float base = roundf(vz__py(p, b0));
    char buf[32];
    int vw, vh;
    vz__text_size("-0.000", st->tick_size, 0, &vw, &vh);
    /* a group of S bars per category, 0.8 wide in all */
    double bw = 0.8 / S;
    for (int s = 0; s < S; s++) {
        vz__dl_group(dl, "bars", p->bar_names[s]);
        for (int i = 0; i < N; i++) {
            float v = p->bars[(size_t)s * (size_t)N + (size_t)i];
            double left = i - 0.4 + bw * s;
            float x0 = roundf(vz__px(p, left)), x1 = roundf(vz__px(p, left + bw));
            float y = roundf(vz__py(p, v));
            vz__dl_rect(dl, x0, fminf(y, base), x1 - x0, fabsf(base - y), vz_palette(s));
            if (x1 - x0 >= (float)vw) {
                snprintf(buf, sizeof buf, "%.3g", (double)v);
                vz__text_at(dl, buf, (x0 + x1) / 2, (double)v >= b0 ? y - 2 : y + 2, 1, (double)v >= b0 ? 2 : 0,
                            st->tick_size, 0, vz__ink);
            }
        }
        vz__dl_end_group(dl);
    }
    float ay = (float)(a.y + a.h) + 4 * st->scale + 3;
    for (int i = 0; p->bar_labels && i < N; i++) {
        float cx = vz__px(p, i);
        if (turn) {
            int w, h;
            vz__text_size(p->bar_labels[i][0] ? p->bar_labels[i] : " ", st->tick_size, 0, &w, &h);
            vz__dl_text(dl, p->bar_labels[i], cx, ay + (float)w / 2, st->tick_size, 0, -90,
                        vz__ink);
        } else {
            vz__text_at(dl, p->bar_labels[i], cx, ay, 1, 0, st->tick_size, 0, vz__ink);
        }
    }
    if (p->bar_base_label != NULL) { /* the reference line, named at its right end */
        vz__dl_group(dl, "base", p->bar_base_label);
        vz__dl_segment(dl, (float)a.x, base + 0.5f, (float)(a.x + a.w), base + 0.5f,
                       2 * st->scale, vz__ink);
        vz__text_at(dl, p->bar_base_label, (float)(a.x + a.w) - 4, base + 3, 2, 0, st->tick_size, 0,
                    vz__ink);
        vz__dl_end_group(dl);
    } else if (lo < b0) { /* the base line, when bars grow both ways */
        vz__dl_segment(dl, (float)a.x, base + 0.5f, (float)(a.x + a.w), base + 0.5f, 1, vz__grey);
    }
    if (S > 1) {
        const char *names[8];
        char fallback[8][24];
        vz_color cols[8];
        for (int s = 0; s < S; s++) {
            snprintf(fallback[s], sizeof fallback[s], "series %d", s + 1);
            names[s] = p->bar_names[s][0] ? p->bar_names[s] : fallback[s];
            cols[s] = vz_palette(s);
        }
        vz__legend(dl, p, st, names, cols, S);
    }
}

void vz__bar_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    SDL_Rect a = p->area;
    if (p->bars == NULL || x < a.x || x >= a.x + a.w || y < a.y || y >= a.y + a.h) return;
    int i = (int)lround(vz__clampd(vz__x_of(p, (float)x)));
    if (i < 0 || i >= p->n_bars) return;
    char name[32];
    snprintf(name, sizeof name, "bar %d", i + 1);
    int n = snprintf(buf, size, "%s:", p->bar_labels ? p->bar_labels[i] : name);
    for (int s = 0; s < p->n_bar_series && n >= 0 && (size_t)n < size; s++) {
        const char *sn = p->bar_names[s];
        double v = (double)p->bars[(size_t)s * (size_t)p->n_bars + (size_t)i];
        if (sn[0])
            n += snprintf(buf + n, size - (size_t)n, "%s %s = %g", s ? "," : "", sn, v);
        else
            n += snprintf(buf + n, size - (size_t)n, "%s %g", s ? "," : "", v);
    }
}

/* ---- hover dispatch ------------------------------------------------------------------- */

void vz__hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    switch (p->kind) {
    case VZ_PANEL_LINE:
        vz__line_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_HEATMAP:
        vz__heatmap_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_SCATTER:
        vz__scatter_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_CURVE:
        vz__curve_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_HIST:
        vz__hist_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_BAR:
        vz__bar_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_GRAPH:
        vz__graph_hover(p, x, y, buf, size);
        break;
    case VZ_PANEL_EMPTY:
        break;
    }
}
