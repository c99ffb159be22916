/* Line panels: named series of (x, y) points, appended live, drawn with
 * per-pixel-column min/max decimation, a legend and an optional log-y axis.
 *
 * Decimation: when a series' x values never decrease, a redraw visits the
 * visible points once and keeps, for each pixel column, the first, lowest,
 * highest and last y. Drawing those four in order reproduces the picture of
 * the full polyline (every vertical extent, every joint between columns) with
 * at most 4 points per column, so a million points cost one linear scan. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int vz_line_add_series(vz_panel *p, const char *name)
{
    if (p->kind != VZ_PANEL_LINE && p->kind != VZ_PANEL_HIST)
        return vz_fail(VZ_EINVAL, "series: this panel is not a line or histogram panel");
    if (p->n_series >= 64) return vz_fail(VZ_EINVAL, "series: a panel holds at most 64 series");
    vz__series *s = realloc(p->series, (size_t)(p->n_series + 1) * sizeof *s);
    if (s == NULL) return vz_fail(VZ_ENOMEM, "out of memory for a series");
    p->series = s;
    vz__series *n = &s[p->n_series];
    memset(n, 0, sizeof *n);
    char dflt[32];
    snprintf(dflt, sizeof dflt, "series %d", p->n_series + 1);
    n->name = vz__strdup(name != NULL && name[0] ? name : dflt);
    if (n->name == NULL) return vz_fail(VZ_ENOMEM, "out of memory for a series");
    n->sorted = 1;
    n->xmin = n->ymin = n->ypos_min = INFINITY;
    n->xmax = n->ymax = -INFINITY;
    vz__figure_changed(p->fig);
    return p->n_series++;
}

int vz_line_find_series(const vz_panel *p, const char *name)
{
    for (int i = 0; i < p->n_series; i++)
        if (strcmp(p->series[i].name, name) == 0) return i;
    return -1;
}

int vz_line_n_series(const vz_panel *p)
{
    return p->n_series;
}

size_t vz_line_len(const vz_panel *p, int series)
{
    return series >= 0 && series < p->n_series ? p->series[series].n : 0;
}

void vz_line_set_logy(vz_panel *p, int on)
{
    if (p->logy != !!on) {
        p->logy = !!on;
        p->auto_view = 1;
        vz__figure_changed(p->fig);
    }
}

int vz_line_append(vz_panel *p, int series, const float *x, const float *y, size_t n)
{
    if (p->kind != VZ_PANEL_LINE)
        return vz_fail(VZ_EINVAL, "append: this panel is not a line panel");
    if (series < 0 || series >= p->n_series)
        return vz_fail(VZ_EINVAL, "append: no series %d (the panel has %d)", series, p->n_series);
    vz__series *s = &p->series[series];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(y[i]))
            return vz_fail(VZ_EINVAL, "append: series \"%s\": y[%zu] is %g (not finite)", s->name,
                           i + 1, (double)y[i]);
        if (x != NULL && !isfinite(x[i]))
            return vz_fail(VZ_EINVAL, "append: series \"%s\": x[%zu] is %g (not finite)", s->name,
                           i + 1, (double)x[i]);
    }
    if (s->n + n > s->cap) {
        size_t cap = s->cap ? s->cap : 256;
        while (cap < s->n + n)
            cap *= 2;
        float *nx = realloc(s->x, cap * sizeof *nx);
        if (nx == NULL) return vz_fail(VZ_ENOMEM, "append: out of memory for %zu points", s->n + n);
        s->x = nx;
        float *ny = realloc(s->y, cap * sizeof *ny);
        if (ny == NULL) return vz_fail(VZ_ENOMEM, "append: out of memory for %zu points", s->n + n);
        s->y = ny;
        s->cap = cap;
    }
    for (size_t i = 0; i < n; i++) {
        float xv = x != NULL ? x[i] : (float)(s->n);
        float yv = y[i];
        if (s->n > 0 && xv < s->x[s->n - 1]) s->sorted = 0;
        if (xv != floorf(xv)) s->fractional_x = 1;
        s->x[s->n] = xv;
        s->y[s->n] = yv;
        s->n++;
        s->xmin = fmin(s->xmin, xv), s->xmax = fmax(s->xmax, xv);
        s->ymin = fmin(s->ymin, yv), s->ymax = fmax(s->ymax, yv);
        if (yv > 0) s->ypos_min = fmin(s->ypos_min, yv);
    }
    vz__figure_changed(p->fig);
    return VZ_OK;
}

/* Sets the auto view from all series (log10 of y when logy). */
static void line_auto_view(vz_panel *p)
{
    double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; i < p->n_series; i++) {
        const vz__series *s = &p->series[i];
        if (s->n == 0) continue;
        x0 = fmin(x0, s->xmin), x1 = fmax(x1, s->xmax);
        if (p->logy) {
            if (isfinite(s->ypos_min))
                y0 = fmin(y0, log10(s->ypos_min)), y1 = fmax(y1, log10(s->ymax));
        } else {
            y0 = fmin(y0, s->ymin), y1 = fmax(y1, s->ymax);
        }
    }
    p->whole_x = 1;
    for (int i = 0; i < p->n_series; i++)
        p->whole_x &= !p->series[i].fractional_x;
    if (!isfinite(x0)) x0 = 0, x1 = 1;
    if (!isfinite(y0)) y0 = 0, y1 = 1;
    if (p->auto_view && x1 > x0) {
        /* a little room at the ends, so the first and last points show whole */
        double pad = (x1 - x0) * 0.02;
        x0 -= pad, x1 += pad;
    }
    vz__auto_view(p, x0, x1, y0, y1, 1);
}

static inline double yval(const vz_panel *p, float y)
{
    return p->logy ? log10((double)y) : (double)y;
}

/* First index with x >= v in a sorted series. */
static size_t lower_bound(const float *x, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((double)x[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Draws series s as a polyline, decimated per pixel column when sorted. */
static void draw_series(vz_dlist *dl, const vz_panel *p, const vz__series *s, float width,
                        vz_color col)
{
    size_t line = vz__dl_line_begin(dl, width, col);
    size_t lo = 0, hi = s->n;
    if (s->sorted && s->n > 0) {
        /* one point beyond each side keeps the line running off the edge */
        lo = lower_bound(s->x, s->n, p->vx0);
        lo = lo > 0 ? lo - 1 : 0;
        hi = lower_bound(s->x, s->n, p->vx1);
        hi = hi < s->n ? hi + 1 : s->n;
    }
    size_t visible = hi - lo;
    if (!s->sorted || visible <= (size_t)p->area.w * 2) {
        for (size_t i = lo; i < hi; i++) {
            if (p->logy && !(s->y[i] > 0)) continue;
            vz__dl_point(dl, line, vz__px(p, s->x[i]), vz__py(p, yval(p, s->y[i])));
        }
        return;
    }
    int col_cur = 0, have = 0;
    float first = 0, last = 0, mn = 0, mx = 0;
    int i_mn_first = 0; /* was the minimum reached before the maximum? */
    double x0 = p->vx0, scale = (double)p->area.w / (p->vx1 - p->vx0);
    float ax = (float)p->area.x;
    for (size_t i = lo; i < hi; i++) {
        if (p->logy && !(s->y[i] > 0)) continue;
        int column = (int)floor(vz__clampd(((double)s->x[i] - x0) * scale));
        float py = vz__py(p, yval(p, s->y[i]));
        if (have && column == col_cur) {
            if (py < mn) mn = py, i_mn_first = 0;
            if (py > mx) mx = py, i_mn_first = 1;
            last = py;
            continue;
        }
        if (have) {
            float cx = ax + (float)col_cur + 0.5f;
            vz__dl_point(dl, line, cx, first);
            /* visit the extremes in the order the data did */
            vz__dl_point(dl, line, cx, i_mn_first ? mn : mx);
            vz__dl_point(dl, line, cx, i_mn_first ? mx : mn);
            vz__dl_point(dl, line, cx, last);
        }
        have = 1;
        col_cur = column;
        first = last = mn = mx = py;
        i_mn_first = 0;
    }
    if (have) {
        float cx = ax + (float)col_cur + 0.5f;
        vz__dl_point(dl, line, cx, first);
        vz__dl_point(dl, line, cx, i_mn_first ? mn : mx);
        vz__dl_point(dl, line, cx, i_mn_first ? mx : mn);
        vz__dl_point(dl, line, cx, last);
    }
}

void vz__draw_line(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    line_auto_view(p);
    vz__draw_axes(dl, p, st, 0, 0);
    SDL_Rect a = p->area;
    vz__dl_clip(dl, (float)a.x, (float)a.y, (float)a.w, (float)a.h);
    for (int i = 0; i < p->n_series; i++) {
        vz__dl_group(dl, "series", p->series[i].name);
        draw_series(dl, p, &p->series[i], st->line_width, vz_palette(i));
        vz__dl_end_group(dl);
    }
    vz__dl_clip(dl, 0, 0, 0, 0);
    if (p->n_series > 1 || (p->n_series == 1 && strncmp(p->series[0].name, "series ", 7) != 0)) {
        const char *names[64];
        vz_color cols[64];
        for (int i = 0; i < p->n_series; i++)
            names[i] = p->series[i].name, cols[i] = vz_palette(i);
        vz__legend(dl, p, st, names, cols, p->n_series);
    }
}

/* Hover: the point nearest the pointer's x in each series; the series whose
 * point lies nearest the pointer on screen wins. */
void vz__line_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    double xv = vz__x_of(p, (float)x);
    double best = 1e30;
    for (int k = 0; k < p->n_series; k++) {
        const vz__series *s = &p->series[k];
        if (s->n == 0) continue;
        size_t i = 0;
        if (s->sorted) {
            i = lower_bound(s->x, s->n, xv);
            if (i == s->n || (i > 0 && fabs((double)s->x[i - 1] - xv) < fabs((double)s->x[i] - xv)))
                i = i > 0 ? i - 1 : 0;
        } else {
            double bd = 1e300;
            for (size_t j = 0; j < s->n; j++)
                if (fabs((double)s->x[j] - xv) < bd) bd = fabs((double)s->x[j] - xv), i = j;
        }
        if (p->logy && !(s->y[i] > 0)) continue;
        float px = vz__px(p, s->x[i]), py = vz__py(p, yval(p, s->y[i]));
        double d = hypot(px - (float)x, py - (float)y);
        if (d < best && d < 40) {
            best = d;
            snprintf(buf, size, "%s: x = %g, y = %g", s->name, (double)s->x[i], (double)s->y[i]);
        }
    }
}
