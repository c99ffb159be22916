/* Figures: the grid of panels, the shared chrome every panel kind uses
 * (layout, nice ticks, axes, legend, tooltip), rendering through the display
 * list, saving as PNG or SVG, and the interaction that window events and
 * tests drive (hover, wheel zoom, drag pan, slider drag, keys). */
#include "vz_internal.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <SDL_image.h>

#include "atomic_file.h"

static volatile sig_atomic_t *interrupt_flag;

double vz__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void vz_set_interrupt(volatile sig_atomic_t *flag)
{
    interrupt_flag = flag;
}

/* ---- strings -------------------------------------------------------------- */

char *vz__strdup(const char *s)
{
    return s == NULL ? NULL : vz__utf8_clean(s);
}

char **vz__labels_dup(const char *const *labels, int n, int *fail)
{
    if (labels == NULL || n <= 0) return NULL;
    char **out = calloc((size_t)n, sizeof *out);
    if (out == NULL) {
        *fail = 1;
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        out[i] = vz__strdup(labels[i] != NULL ? labels[i] : "");
        if (out[i] == NULL) {
            vz__labels_free(out, i);
            *fail = 1;
            return NULL;
        }
    }
    return out;
}

void vz__labels_free(char **labels, int n)
{
    if (labels == NULL) return;
    for (int i = 0; i < n; i++)
        free(labels[i]);
    free(labels);
}

/* ---- figures -------------------------------------------------------------- */

vz_figure *vz_figure_new(int rows, int cols, int width, int height)
{
    if (rows < 1 || cols < 1 || rows > 16 || cols > 16) {
        vz_fail(VZ_EINVAL, "figure: rows and cols must be 1..16, got %d x %d", rows, cols);
        return NULL;
    }
    if (width < 64 || height < 64 || width > 8192 || height > 8192) {
        vz_fail(VZ_EINVAL, "figure: width and height must be 64..8192 pixels, got %d x %d", width,
                height);
        return NULL;
    }
    vz_figure *f = calloc(1, sizeof *f);
    if (f == NULL) {
        vz_fail(VZ_ENOMEM, "out of memory for a figure");
        return NULL;
    }
    f->rows = rows, f->cols = cols, f->width = width, f->height = height;
    f->dirty = 1;
    f->drag_slider = -1;
    return f;
}

static void panel_free(vz_panel *p)
{
    if (p == NULL) return;
    free(p->title);
    free(p->xlabel);
    free(p->ylabel);
    for (int i = 0; i < p->n_series; i++) {
        free(p->series[i].name);
        free(p->series[i].x);
        free(p->series[i].y);
    }
    free(p->series);
    free(p->hm);
    vz__labels_free(p->row_labels, p->hm_rows);
    vz__labels_free(p->col_labels, p->hm_cols);
    free(p->pts);
    free(p->xy);
    free(p->classes);
    vz__labels_free(p->class_names, p->n_class_names);
    vz__labels_free(p->labels, p->n_pts);
    free(p->nbr);
    free(p->note);
    vz__labels_free(p->curve_names, p->n_curves);
    free(p->cy);
    for (int i = 0; i < p->n_sliders; i++)
        free(p->sliders[i].name);
    free(p->sliders);
    free(p->curve_error);
    free(p->counts);
    free(p->bars);
    vz__labels_free(p->bar_labels, p->n_bars);
    vz__labels_free(p->bar_names, p->n_bar_series);
    free(p->bar_base_label);
    free(p->hm_clabel);
    free(p->nodes);
    free(p->node_px);
    vz__labels_free(p->node_labels, p->n_nodes);
    free(p->edges);
    free(p->walk);
    free(p->node_class);
    free(p);
}

void vz_figure_free(vz_figure *f)
{
    if (f == NULL) return;
    vz__window_forget(f);
    for (int i = 0; i < f->rows * f->cols; i++)
        panel_free(f->cells[i]);
    vz__dl_free(&f->dl);
    vz__canvas_free(f->canvas);
    free(f->save_path);
    free(f->last_save);
    free(f);
}

void vz__figure_changed(vz_figure *f)
{
    if (f != NULL) f->dirty = 1;
}

int vz_figure_dirty(const vz_figure *f)
{
    return f->dirty;
}

vz_panel *vz_figure_add_panel(vz_figure *f, vz_kind kind)
{
    if (kind <= VZ_PANEL_EMPTY || kind > VZ_PANEL_GRAPH) {
        vz_fail(VZ_EINVAL, "figure: unknown panel kind %d", (int)kind);
        return NULL;
    }
    int n = f->rows * f->cols;
    for (int i = 0; i < n; i++) {
        if (f->cells[i] != NULL) continue;
        vz_panel *p = calloc(1, sizeof *p);
        if (p == NULL) {
            vz_fail(VZ_ENOMEM, "out of memory for a panel");
            return NULL;
        }
        p->kind = kind;
        p->fig = f;
        p->auto_view = 1;
        p->selected = -1;
        p->bins = 30;
        p->hm_vmin = p->hm_vmax = NAN;
        f->cells[i] = p;
        f->dirty = 1;
        return p;
    }
    vz_fail(VZ_EINVAL, "figure: all %d cells (%d x %d) are taken", n, f->rows, f->cols);
    return NULL;
}

int vz_figure_move_panels(vz_figure *dst, vz_figure *src)
{
    int n_free = 0, n_src = 0;
    for (int i = 0; i < dst->rows * dst->cols; i++)
        n_free += dst->cells[i] == NULL;
    for (int i = 0; i < src->rows * src->cols; i++)
        n_src += src->cells[i] != NULL;
    if (dst == src || n_src > n_free)
        return vz_fail(VZ_EINVAL, "figure: %d panel(s) to add but %d free cell(s) of %d x %d",
                       n_src, n_free, dst->rows, dst->cols);
    int j = 0;
    for (int i = 0; i < src->rows * src->cols; i++) {
        if (src->cells[i] == NULL) continue;
        while (dst->cells[j] != NULL)
            j++;
        dst->cells[j] = src->cells[i];
        dst->cells[j]->fig = dst;
        dst->cells[j]->auto_view = 1;
        src->cells[i] = NULL;
    }
    dst->dirty = src->dirty = 1;
    return VZ_OK;
}

int vz_figure_n_panels(const vz_figure *f)
{
    int n = 0;
    for (int i = 0; i < f->rows * f->cols; i++)
        n += f->cells[i] != NULL;
    return n;
}

vz_panel *vz_figure_panel(vz_figure *f, int k)
{
    for (int i = 0; i < f->rows * f->cols; i++)
        if (f->cells[i] != NULL && k-- == 0) return f->cells[i];
    return NULL;
}

vz_kind vz_panel_kind(const vz_panel *p)
{
    return p->kind;
}

int vz_figure_resize(vz_figure *f, int width, int height)
{
    if (width < 64 || height < 64 || width > 8192 || height > 8192)
        return vz_fail(VZ_EINVAL, "figure: width and height must be 64..8192 pixels, got %d x %d",
                       width, height);
    if (width != f->width || height != f->height) {
        f->width = width, f->height = height;
        f->dirty = 1;
    }
    return VZ_OK;
}

void vz_figure_size(const vz_figure *f, int *width, int *height)
{
    *width = f->width;
    *height = f->height;
}

void vz_figure_set_presentation(vz_figure *f, int on)
{
    if (f->presentation != !!on) {
        f->presentation = !!on;
        f->dirty = 1;
    }
}

int vz_figure_presentation(const vz_figure *f)
{
    return f->presentation;
}

vz__style vz__style_of(const vz_figure *f)
{
    vz__style st;
    st.scale = f->presentation ? 1.5f : 1.0f;
    st.title_size = f->presentation ? 24 : 16;
    st.label_size = f->presentation ? 19 : 13;
    st.tick_size = f->presentation ? 17 : 11;
    st.legend_size = f->presentation ? 18 : 12;
    st.line_width = f->presentation ? 3.5f : 2.0f;
    st.grid_width = 1.0f;
    st.marker_r = f->presentation ? 6.0f : 4.0f;
    return st;
}

/* ---- panels: common --------------------------------------------------------- */

static int set_text(vz_panel *p, char **field, const char *s)
{
    char *copy = NULL;
    if (s != NULL && (copy = vz__strdup(s)) == NULL)
        return vz_fail(VZ_ENOMEM, "out of memory for a label");
    free(*field);
    *field = copy;
    vz__figure_changed(p->fig);
    return VZ_OK;
}

int vz_panel_set_title(vz_panel *p, const char *s)
{
    return set_text(p, &p->title, s);
}

int vz_panel_set_xlabel(vz_panel *p, const char *s)
{
    return set_text(p, &p->xlabel, s);
}

int vz_panel_set_ylabel(vz_panel *p, const char *s)
{
    return set_text(p, &p->ylabel, s);
}

SDL_Rect vz_panel_area(const vz_panel *p)
{
    return p->area;
}

float vz__px(const vz_panel *p, double x)
{
    double span = p->vx1 - p->vx0;
    return (float)((double)p->area.x + (x - p->vx0) / span * (double)p->area.w);
}

float vz__py(const vz_panel *p, double y)
{
    double span = p->vy1 - p->vy0;
    return (float)((double)(p->area.y + p->area.h) - (y - p->vy0) / span * (double)p->area.h);
}

double vz__x_of(const vz_panel *p, float px)
{
    return p->vx0 + ((double)px - p->area.x) / (double)p->area.w * (p->vx1 - p->vx0);
}

double vz__y_of(const vz_panel *p, float py)
{
    return p->vy0 +
           ((double)(p->area.y + p->area.h) - (double)py) / (double)p->area.h * (p->vy1 - p->vy0);
}

static int has_axes(const vz_panel *p)
{
    return p->kind == VZ_PANEL_LINE || p->kind == VZ_PANEL_SCATTER || p->kind == VZ_PANEL_CURVE ||
           p->kind == VZ_PANEL_HIST;
}

int vz_panel_data_to_pixel(const vz_panel *p, double x, double y, float *px, float *py)
{
    if (!p->rendered || (!has_axes(p) && p->kind != VZ_PANEL_BAR))
        return vz_fail(VZ_EINVAL, "panel: no data axes to map through (render it first)");
    if (p->logy) {
        if (!(y > 0)) return vz_fail(VZ_EINVAL, "panel: y = %g has no place on a log axis", y);
        y = log10(y);
    }
    *px = vz__px(p, x);
    *py = vz__py(p, y);
    return VZ_OK;
}

void vz_panel_view(const vz_panel *p, double *x0, double *x1, double *y0, double *y1)
{
    *x0 = p->vx0, *x1 = p->vx1, *y0 = p->vy0, *y1 = p->vy1;
}

void vz__auto_view(vz_panel *p, double x0, double x1, double y0, double y1, int pad_y)
{
    if (!p->auto_view) return;
    if (!(x1 > x0)) {
        double c = isfinite(x0) ? x0 : 0;
        x0 = c - 0.5, x1 = c + 0.5;
    }
    if (!(y1 > y0)) {
        double c = isfinite(y0) ? y0 : 0;
        double h = c != 0 ? fabs(c) * 0.1 : 0.5;
        y0 = c - h, y1 = c + h;
    }
    if (pad_y) {
        double pad = (y1 - y0) * 0.05;
        y0 -= pad, y1 += pad;
    }
    p->vx0 = x0, p->vx1 = x1, p->vy0 = y0, p->vy1 = y1;
}

void vz_panel_zoom(vz_panel *p, float px, float py, float factor)
{
    if (!has_axes(p) || !p->rendered || !(factor > 0)) return;
    double cx = vz__x_of(p, px), cy = vz__y_of(p, py);
    double nx0 = cx + (p->vx0 - cx) / (double)factor, nx1 = cx + (p->vx1 - cx) / (double)factor;
    double ny0 = cy + (p->vy0 - cy) / (double)factor, ny1 = cy + (p->vy1 - cy) / (double)factor;
    /* keep a view that floats can still tell apart */
    if (!(nx1 - nx0 > 1e-9 * (fabs(nx0) + fabs(nx1) + 1e-30)) ||
        !(ny1 - ny0 > 1e-9 * (fabs(ny0) + fabs(ny1) + 1e-30)) || !isfinite(nx1 - nx0) ||
        !isfinite(ny1 - ny0))
        return;
    p->vx0 = nx0, p->vx1 = nx1, p->vy0 = ny0, p->vy1 = ny1;
    p->auto_view = 0;
    vz__figure_changed(p->fig);
}

void vz_panel_pan(vz_panel *p, float dx, float dy)
{
    if (!has_axes(p) || !p->rendered || p->area.w <= 0 || p->area.h <= 0) return;
    double sx = (p->vx1 - p->vx0) / p->area.w * (double)dx;
    double sy = (p->vy1 - p->vy0) / p->area.h * (double)dy;
    p->vx0 -= sx, p->vx1 -= sx;
    p->vy0 += sy, p->vy1 += sy;
    p->auto_view = 0;
    vz__figure_changed(p->fig);
}

void vz_panel_reset_view(vz_panel *p)
{
    p->auto_view = 1;
    vz__figure_changed(p->fig);
}

/* ---- ticks -------------------------------------------------------------------- */

int vz__ticks(double lo, double hi, int max_n, double *out, double *step)
{
    if (max_n < 2) max_n = 2;
    double span = hi - lo;
    if (!(span > 0) || !isfinite(span)) {
        *step = 1;
        out[0] = lo;
        return 1;
    }
    /* the finest of 1, 2, 5 x 10^k that gives at most max_n ticks */
    double mag = pow(10, floor(log10(span / (max_n - 1))));
    static const double mult[] = {1, 2, 5, 10, 20};
    double s = mag * 20;
    for (int i = 0; i < 5; i++) {
        double c = mag * mult[i];
        if (floor(hi / c + 1e-9) - ceil(lo / c - 1e-9) + 1 <= max_n) {
            s = c;
            break;
        }
    }
    *step = s;
    int n = 0;
    for (double v = ceil(lo / s - 1e-9) * s; v <= hi + s * 1e-9 && n < max_n + 1; v += s) {
        /* snap -0 and accumulated error to the grid */
        double snapped = round(v / s) * s;
        out[n++] = fabs(snapped) < s * 1e-9 ? 0.0 : snapped;
    }
    return n;
}

void vz__tick_label(char *buf, size_t size, double v, double step)
{
    if (v == 0) v = 0; /* never print "-0" */
    double a = fabs(v);
    /* steps of 1000 and more read as 2k, 0.5M, 1.5G: shorter than 1500000 or 1.5e+06 */
    static const struct {
        double unit;
        const char *suffix;
    } units[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (int i = 0; i < 3 && a < 1e15 && step >= 1000; i++) {
        if (step >= units[i].unit / 10) { /* 0.5M rather than 500k, 1k rather than 1000 */
            snprintf(buf, size, "%g%s", v / units[i].unit, v == 0 ? "" : units[i].suffix);
            return;
        }
    }
    if (v != 0 && (a >= 1e6 || a < 1e-4 || step < 1e-4)) {
        snprintf(buf, size, "%.3g", v);
        return;
    }
    /* a step of 0 or NaN (a flat or empty axis) would cast inf or NaN to int */
    int decimals = step >= 1 || !(step > 0) ? 0 : (int)fmin(ceil(-log10(step) - 1e-9), 6);
    if (decimals > 6) decimals = 6;
    snprintf(buf, size, "%.*f", decimals, v);
}

/* Log-axis ticks for the log10 range [lo, hi]; labels hold 10^v. */
static int log_ticks(double lo, double hi, int max_n, double *out, char labels[][32])
{
    int n = 0;
    if (hi - lo >= 1) {
        double step = ceil((hi - lo) / (max_n - 1));
        if (step < 1) step = 1;
        for (double e = ceil(lo); e <= hi + 1e-9 && n < 32; e += step)
            out[n++] = e;
        /* one style for the whole axis: plain numbers when they all read
         * short, else powers of ten throughout */
        int plain = n > 0 && out[0] >= -4 && out[n - 1] <= 5;
        for (int i = 0; i < n; i++) {
            if (plain)
                snprintf(labels[i], 32, "%.*f", out[i] < 0 ? (int)-out[i] : 0, pow(10, out[i]));
            else
                snprintf(labels[i], 32, "1e%d", (int)out[i]);
        }
        return n;
    }
    double t[40], step;
    int m = vz__ticks(pow(10, lo), pow(10, hi), max_n, t, &step);
    for (int i = 0; i < m && n < 32; i++) {
        if (!(t[i] > 0)) continue;
        out[n] = log10(t[i]);
        vz__tick_label(labels[n], 32, t[i], step);
        n++;
    }
    return n;
}

/* ---- layout and axes ------------------------------------------------------------- */

void vz__layout(vz_dlist *dl, vz_panel *p, const vz__style *st, float left, float bottom,
                float right, float top)
{
    float pad = 10 * st->scale;
    SDL_Rect c = p->cell;
    float y = (float)c.y + pad * 0.8f;
    if (p->title != NULL && p->title[0]) {
        int w, h;
        vz__text_size(p->title, st->title_size, 1, &w, &h);
        vz__text_at(dl, p->title, (float)c.x + (float)c.w / 2, y, 1, 0, st->title_size, 1, vz__ink);
        y += (float)h + pad * 0.6f;
    }
    float lab_h = 0;
    if ((p->ylabel != NULL && p->ylabel[0]) || (p->xlabel != NULL && p->xlabel[0])) {
        int w, h;
        vz__text_size("Ag", st->label_size, 0, &w, &h);
        lab_h = (float)h;
    }
    float x0 = (float)c.x + pad + left, x1 = (float)(c.x + c.w) - pad - right;
    float y0 = y + top, y1 = (float)(c.y + c.h) - pad * 0.8f - bottom;
    if (p->ylabel != NULL && p->ylabel[0]) x0 += lab_h + pad * 0.5f;
    if (p->xlabel != NULL && p->xlabel[0]) y1 -= lab_h + pad * 0.3f;
    if (x1 < x0 + 10) x1 = x0 + 10;
    if (y1 < y0 + 10) y1 = y0 + 10;
    p->area.x = (int)lroundf(x0);
    p->area.y = (int)lroundf(y0);
    p->area.w = (int)lroundf(x1) - p->area.x;
    p->area.h = (int)lroundf(y1) - p->area.y;
    /* the x label sits under the tick labels, above what p->below keeps free */
    if (p->xlabel != NULL && p->xlabel[0])
        vz__text_at(dl, p->xlabel, (float)p->area.x + (float)p->area.w / 2,
                    (float)(p->area.y + p->area.h) + bottom - p->below + pad * 0.3f, 1, 0,
                    st->label_size, 0, vz__ink);
    if (p->ylabel != NULL && p->ylabel[0]) {
        int w, h;
        vz__text_size(p->ylabel, st->label_size, 0, &w, &h);
        vz__dl_text(dl, p->ylabel, (float)c.x + pad + (float)h / 2,
                    (float)p->area.y + (float)p->area.h / 2, st->label_size, 0, -90, vz__ink);
    }
}

void vz__draw_axes(vz_dlist *dl, vz_panel *p, const vz__style *st, float extra_right,
                   float extra_bottom)
{
    char buf[32], ylabels[40][32];
    double yt[40], xt[40], ystep = 1, xstep = 1;
    int tw, th;
    vz__text_size("0", st->tick_size, 0, &tw, &th);
    /* the tick count follows the room the cell gives */
    int max_ny = th > 0 ? (int)((float)p->cell.h / ((float)th * 3.2f)) : 3; /* th 0: no font */
    max_ny = max_ny < 3 ? 3 : max_ny > 10 ? 10 : max_ny;
    int ny;
    if (p->logy) {
        ny = log_ticks(p->vy0, p->vy1, max_ny, yt, ylabels);
    } else {
        ny = vz__ticks(p->vy0, p->vy1, max_ny, yt, &ystep);
        for (int i = 0; i < ny; i++)
            vz__tick_label(ylabels[i], 32, yt[i], ystep);
    }
    int ylab_w = 0;
    for (int i = 0; i < ny; i++) {
        int w, h;
        vz__text_size(ylabels[i], st->tick_size, 0, &w, &h);
        if (w > ylab_w) ylab_w = w;
    }
    float tick = 4 * st->scale;
    vz__layout(dl, p, st, (float)ylab_w + tick + 4, (float)th + tick + 4 + extra_bottom,
               extra_right, p->above);
    SDL_Rect a = p->area;
    /* x ticks: about one per 90 pixels, fewer when labels are wide */
    int max_nx = a.w / (int)(70 * st->scale);
    max_nx = max_nx < 2 ? 2 : max_nx > 12 ? 12 : max_nx;
    /* a bar chart's x axis is its categories, labelled by the bar panel */
    int nx = p->kind == VZ_PANEL_BAR ? 0 : vz__ticks(p->vx0, p->vx1, max_nx, xt, &xstep);
    if (p->whole_x && p->kind == VZ_PANEL_LINE && xstep < 1) {
        /* steps or epochs: 0, 1, 2, never 0.5 */
        nx = 0;
        for (double v = ceil(p->vx0); v <= p->vx1 && nx < 40; v++)
            xt[nx++] = v;
        xstep = 1;
    }

    vz__dl_clip(dl, (float)a.x, (float)a.y, (float)a.w, (float)a.h);
    vz__dl_group(dl, "grid", NULL);
    for (int i = 0; i < ny; i++) {
        float y = floorf(vz__py(p, yt[i])) + 0.5f;
        vz__dl_segment(dl, (float)a.x, y, (float)(a.x + a.w), y, st->grid_width, vz__grid);
    }
    for (int i = 0; i < nx; i++) {
        float x = floorf(vz__px(p, xt[i])) + 0.5f;
        vz__dl_segment(dl, x, (float)a.y, x, (float)(a.y + a.h), st->grid_width, vz__grid);
    }
    vz__dl_end_group(dl);
    vz__dl_clip(dl, 0, 0, 0, 0);

    /* the axes: left and bottom lines, ticks outside */
    float ax = (float)a.x - 0.5f, ay = (float)(a.y + a.h) + 0.5f;
    vz__dl_segment(dl, ax, (float)a.y, ax, ay, 1.0f * st->scale, vz__grey);
    vz__dl_segment(dl, ax, ay, (float)(a.x + a.w), ay, 1.0f * st->scale, vz__grey);
    for (int i = 0; i < ny; i++) {
        float y = floorf(vz__py(p, yt[i])) + 0.5f;
        if (y < (float)a.y - 1 || y > (float)(a.y + a.h) + 1) continue;
        vz__dl_segment(dl, ax - tick, y, ax, y, 1.0f * st->scale, vz__grey);
        vz__text_at(dl, ylabels[i], ax - tick - 3, y, 2, 1, st->tick_size, 0, vz__ink);
    }
    for (int i = 0; i < nx; i++) {
        float x = floorf(vz__px(p, xt[i])) + 0.5f;
        if (x < (float)a.x - 1 || x > (float)(a.x + a.w) + 1) continue;
        vz__tick_label(buf, sizeof buf, xt[i], xstep);
        vz__dl_segment(dl, x, ay, x, ay + tick, 1.0f * st->scale, vz__grey);
        vz__text_at(dl, buf, x, ay + tick + 2, 1, 0, st->tick_size, 0, vz__ink);
    }
}

void vz__legend(vz_dlist *dl, const vz_panel *p, const vz__style *st, const char *const *names,
                const vz_color *colors, int n)
{
    if (n <= 0) return;
    int maxw = 0, h = 0;
    for (int i = 0; i < n; i++) {
        int w;
        vz__text_size(names[i][0] ? names[i] : " ", st->legend_size, 0, &w, &h);
        if (w > maxw) maxw = w;
    }
    float sw = 22 * st->scale, pad = 6 * st->scale, row = (float)h + 2 * st->scale;
    float bw = pad * 3 + sw + (float)maxw, bh = pad * 2 + row * (float)n;
    float m = 8 * st->scale;
    float left = (float)p->area.x + m, right = (float)(p->area.x + p->area.w) - bw - m;
    float top = (float)p->area.y + m, bottom = (float)(p->area.y + p->area.h) - bh - m;
    /* the corner the data leaves emptiest: sample the panel's lines and markers */
    float kx[4] = {right, left, right, left}, ky[4] = {top, top, bottom, bottom};
    long hits[4] = {0, 0, 0, 0};
    for (size_t i = p->dl_first; i < dl->n_cmds; i++) {
        const vz_cmd *c = &dl->cmds[i];
        if (c->kind == VZ_CMD_CIRCLE) {
            for (int k = 0; k < 4; k++)
                hits[k] +=
                    c->x >= kx[k] && c->x <= kx[k] + bw && c->y >= ky[k] && c->y <= ky[k] + bh;
        } else if (c->kind == VZ_CMD_RECT) {
            /* filled area (histogram bars), weighed like line samples every 6 px */
            for (int k = 0; k < 4; k++) {
                float ox = fminf(c->x + c->w, kx[k] + bw) - fmaxf(c->x, kx[k]);
                float oy = fminf(c->y + c->h, ky[k] + bh) - fmaxf(c->y, ky[k]);
                if (ox > 0 && oy > 0) hits[k] += (long)(ox * oy / 36.0f);
            }
        } else if (c->kind == VZ_CMD_LINE && memcmp(&c->color, &vz__grid, sizeof c->color) &&
                   memcmp(&c->color, &vz__grey, sizeof c->color)) {
            const float *q = dl->pts + 2 * c->pt;
            for (size_t j = 0; j + 1 < c->n || (j == 0 && c->n == 1); j++) {
                float x0 = q[2 * j], y0 = q[2 * j + 1];
                float x1 = c->n > 1 ? q[2 * j + 2] : x0, y1 = c->n > 1 ? q[2 * j + 3] : y0;
                int steps = 1 + (int)fminf(fabsf(x1 - x0) + fabsf(y1 - y0), 6e4f) / 6;
                for (int t = 0; t <= steps; t++) {
                    float x = x0 + (x1 - x0) * (float)t / (float)steps;
                    float y = y0 + (y1 - y0) * (float)t / (float)steps;
                    for (int k = 0; k < 4; k++)
                        hits[k] += x >= kx[k] && x <= kx[k] + bw && y >= ky[k] && y <= ky[k] + bh;
                }
            }
        }
    }
    int best = 0;
    for (int k = 1; k < 4; k++)
        if (hits[k] < hits[best]) best = k;
    float x = roundf(kx[best]), y = roundf(ky[best]);
    vz__dl_group(dl, "legend", NULL);
    vz__dl_rect(dl, x, y, bw, bh, (vz_color){255, 255, 255, 225});
    vz__dl_segment(dl, x, y + 0.5f, x + bw, y + 0.5f, 1, vz__grid);
    vz__dl_segment(dl, x, y + bh - 0.5f, x + bw, y + bh - 0.5f, 1, vz__grid);
    vz__dl_segment(dl, x + 0.5f, y, x + 0.5f, y + bh, 1, vz__grid);
    vz__dl_segment(dl, x + bw - 0.5f, y, x + bw - 0.5f, y + bh, 1, vz__grid);
    for (int i = 0; i < n; i++) {
        float cy = y + pad + row * ((float)i + 0.5f);
        vz__dl_segment(dl, x + pad, cy, x + pad + sw, cy, st->line_width + 1, colors[i]);
        vz__text_at(dl, names[i], x + pad * 2 + sw, cy, 0, 1, st->legend_size, 0, vz__ink);
    }
    vz__dl_end_group(dl);
}

/* ---- rendering -------------------------------------------------------------------- */

/* The tooltip box at the pointer, kept inside the figure. */
static void draw_tooltip(vz_figure *f, const vz__style *st)
{
    if (!f->hovering || f->hover_text[0] == '\0') return;
    int w, h;
    if (vz__text_size(f->hover_text, st->legend_size, 0, &w, &h) != VZ_OK) return;
    float pad = 5 * st->scale;
    float bw = (float)w + 2 * pad, bh = (float)h + 2 * pad;
    float x = (float)f->hover_x + 14, y = (float)f->hover_y + 14;
    if (x + bw > (float)f->width) x = (float)f->hover_x - bw - 6;
    if (y + bh > (float)f->height) y = (float)f->hover_y - bh - 6;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    x = roundf(x), y = roundf(y);
    vz__dl_group(&f->dl, "tooltip", NULL);
    vz__dl_rect(&f->dl, x, y, bw, bh, (vz_color){40, 40, 40, 235});
    vz__text_at(&f->dl, f->hover_text, x + pad, y + pad, 0, 0, st->legend_size, 0, vz__white);
    vz__dl_end_group(&f->dl);
}

/* The h key's overlay: what the mouse and keys do, in two columns, centred. */
static void draw_keys(vz_figure *f, const vz__style *st)
{
    static const char *const keys[][2] = {
        {"hover", "the value under the pointer"},
        {"wheel", "zoom (line, scatter, curve, histogram)"},
        {"drag", "pan, or move a slider"},
        {"click", "select a scatter point and its neighbours"},
        {"r", "reset the view"},
        {"s", "save a PNG"},
        {"p", "presentation mode"},
        {"Esc, Ctrl-C", "interrupt the running command"},
        {"h", "hide this help"},
    };
    enum { N = sizeof keys / sizeof keys[0] };
    int kw = 0, dw = 0, h = 0;
    for (int i = 0; i < N; i++) {
        int w1, w2, lh;
        if (vz__text_size(keys[i][0], st->legend_size, 1, &w1, &lh) != VZ_OK ||
            vz__text_size(keys[i][1], st->legend_size, 0, &w2, &lh) != VZ_OK)
            return;
        kw = w1 > kw ? w1 : kw;
        dw = w2 > dw ? w2 : dw;
        h = lh;
    }
    float pad = 12 * st->scale, gap = 16 * st->scale, row = (float)h + 3 * st->scale;
    float bw = (float)(kw + dw) + gap + 2 * pad, bh = row * N + 2 * pad;
    float x = roundf(((float)f->width - bw) / 2), y = roundf(((float)f->height - bh) / 2);
    vz__dl_group(&f->dl, "keys", NULL);
    vz__dl_rect(&f->dl, x, y, bw, bh, (vz_color){40, 40, 40, 245});
    for (int i = 0; i < N; i++) {
        float ty = y + pad + row * (float)i;
        vz__text_at(&f->dl, keys[i][0], x + pad, ty, 0, 0, st->legend_size, 1, vz__white);
        vz__text_at(&f->dl, keys[i][1], x + pad + (float)kw + gap, ty, 0, 0, st->legend_size, 0,
                    vz__white);
    }
    vz__dl_end_group(&f->dl);
}

int vz_figure_render(vz_figure *f)
{
    vz__style st = vz__style_of(f);
    vz_dlist *dl = &f->dl;
    vz__dl_reset(dl);
    vz__dl_rect(dl, 0, 0, (float)f->width, (float)f->height, vz__white);
    f->hover_text[0] = '\0';
    for (int r = 0; r < f->rows; r++) {
        for (int c = 0; c < f->cols; c++) {
            vz_panel *p = f->cells[r * f->cols + c];
            if (p == NULL) continue;
            /* cells share the figure's pixels exactly: edges are rounded once */
            int x0 = c * f->width / f->cols, x1 = (c + 1) * f->width / f->cols;
            int y0 = r * f->height / f->rows, y1 = (r + 1) * f->height / f->rows;
            p->cell = (SDL_Rect){x0, y0, x1 - x0, y1 - y0};
            p->dl_first = dl->n_cmds;
            vz__dl_group(dl, "panel", NULL);
            switch (p->kind) {
            case VZ_PANEL_LINE:
                vz__draw_line(dl, p, &st);
                break;
            case VZ_PANEL_HEATMAP:
                vz__draw_heatmap(dl, p, &st);
                break;
            case VZ_PANEL_SCATTER:
                vz__draw_scatter(dl, p, &st);
                break;
            case VZ_PANEL_CURVE:
                vz__draw_curve(dl, p, &st);
                break;
            case VZ_PANEL_HIST:
                vz__draw_hist(dl, p, &st);
                break;
            case VZ_PANEL_BAR:
                vz__draw_bar(dl, p, &st);
                break;
            case VZ_PANEL_GRAPH:
                vz__draw_graph(dl, p, &st);
                break;
            case VZ_PANEL_EMPTY:
                break;
            }
            vz__dl_end_group(dl);
            p->rendered = 1;
            if (f->hovering && f->hover_x >= x0 && f->hover_x < x1 && f->hover_y >= y0 &&
                f->hover_y < y1)
                vz__hover(p, f->hover_x, f->hover_y, f->hover_text, sizeof f->hover_text);
        }
    }
    if (f->show_keys)
        draw_keys(f, &st); /* over everything, instead of a tooltip */
    else
        draw_tooltip(f, &st);
    if (f->toast[0] && vz__now() < f->toast_until) {
        int w, h;
        if (vz__text_size(f->toast, st.legend_size, 0, &w, &h) == VZ_OK) {
            float pad = 6 * st.scale;
            vz__dl_group(dl, "toast", NULL);
            vz__dl_rect(dl, 8, (float)(f->height - h) - 2 * pad - 8, (float)w + 2 * pad,
                        (float)h + 2 * pad, (vz_color){40, 40, 40, 235});
            vz__text_at(dl, f->toast, 8 + pad, (float)(f->height - h) - pad - 8, 0, 0,
                        st.legend_size, 0, vz__white);
            vz__dl_end_group(dl);
        }
    }
    if (dl->failed) {
        /* the builders failed on a font or an allocation: keep that message */
        char why[512];
        snprintf(why, sizeof why, "%s", vz_error());
        return vz_fail(strstr(why, "font") ? VZ_ESDL : VZ_ENOMEM, "figure: %s", why);
    }
    if (f->canvas != NULL) {
        SDL_Surface *s = vz__canvas_surface(f->canvas);
        if (s->w != f->width || s->h != f->height) {
            vz__canvas_free(f->canvas);
            f->canvas = NULL;
        }
    }
    if (f->canvas == NULL && (f->canvas = vz__canvas_new(f->width, f->height)) == NULL)
        return VZ_ESDL;
    int rc = vz__canvas_draw(f->canvas, dl);
    if (rc == VZ_OK) {
        f->dirty = 0;
        f->render_serial++;
    }
    return rc;
}

SDL_Surface *vz_figure_surface(vz_figure *f)
{
    return f->canvas != NULL ? vz__canvas_surface(f->canvas) : NULL;
}

const vz_dlist *vz_figure_dlist(const vz_figure *f)
{
    return &f->dl;
}

const char *vz_figure_hover_text(const vz_figure *f)
{
    return f->hover_text;
}

/* ---- saving ------------------------------------------------------------------------ */

/* Saving goes through common/atomic_file.h: a unique temporary file beside
 * the target, fsync, rename, fsync of the folder; a device node, FIFO,
 * folder or symbolic link is refused, and a failed write (a full disk)
 * leaves the old file as it was. */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcasecmp(s + n - m, suffix) == 0;
}

/* SDL_image writes the PNG through this SDL_RWops into the temporary file. */
static size_t rw_write(SDL_RWops *rw, const void *p, size_t size, size_t num)
{
    af_file *a = rw->hidden.unknown.data1;
    if (size == 0 || num == 0) return 0;
    return af_write(a, p, size * num) == 0 ? num : 0;
}

static Sint64 rw_size(SDL_RWops *rw)
{
    (void)rw;
    return -1;
}

static Sint64 rw_seek(SDL_RWops *rw, Sint64 offset, int whence)
{
    af_file *a = rw->hidden.unknown.data1;
    off_t at = lseek(a->fd, (off_t)offset,
                     whence == RW_SEEK_SET ? SEEK_SET : whence == RW_SEEK_CUR ? SEEK_CUR : SEEK_END);
    return at < 0 ? -1 : (Sint64)at;
}

static size_t rw_read(SDL_RWops *rw, void *p, size_t size, size_t num)
{
    (void)rw, (void)p, (void)size, (void)num;
    return 0;
}

static int rw_close(SDL_RWops *rw)
{
    SDL_FreeRW(rw);
    return 0;
}

int vz_figure_save_png(vz_figure *f, const char *path)
{
    if (f->dirty || f->canvas == NULL) {
        int rc = vz_figure_render(f);
        if (rc != VZ_OK) return rc;
    }
    af_file a;
    char msg[AF_MSG_MAX];
    if (af_open(&a, path, 0, msg, sizeof msg) != 0) return vz_fail(VZ_EIO, "%s", msg);
    SDL_RWops *rw = SDL_AllocRW();
    if (rw == NULL) {
        af_abort(&a);
        return vz_fail(VZ_ENOMEM, "out of memory saving %s", path);
    }
    rw->size = rw_size, rw->seek = rw_seek, rw->read = rw_read, rw->write = rw_write;
    rw->close = rw_close;
    rw->type = SDL_RWOPS_UNKNOWN;
    rw->hidden.unknown.data1 = &a;
    int bad = IMG_SavePNG_RW(vz_figure_surface(f), rw, 1) != 0;
    if (bad && a.err == 0) { /* libpng's own failure, not the disk's */
        af_abort(&a);
        return vz_fail(VZ_EIO, "cannot write %s: %s", path, IMG_GetError());
    }
    if (af_commit(&a, msg, sizeof msg) != 0) return vz_fail(VZ_EIO, "%s", msg);
    return VZ_OK;
}

int vz_figure_save_svg(vz_figure *f, const char *path)
{
    if (f->dirty || f->canvas == NULL) {
        int rc = vz_figure_render(f);
        if (rc != VZ_OK) return rc;
    }
    af_file a;
    char msg[AF_MSG_MAX];
    if (af_open(&a, path, 0, msg, sizeof msg) != 0) return vz_fail(VZ_EIO, "%s", msg);
    /* stdio on a duplicate of the temporary file's descriptor */
    int fd = dup(a.fd);
    FILE *out = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (out == NULL) {
        int e = errno;
        if (fd >= 0) close(fd);
        af_abort(&a);
        return vz_fail(VZ_EIO, "cannot write %s: %s", path, strerror(e));
    }
    int rc = vz__svg_write(out, &f->dl, f->width, f->height);
    errno = 0;
    int bad = fflush(out) != 0 || ferror(out);
    if (bad && a.err == 0) a.err = errno ? errno : EIO;
    if (fclose(out) != 0 && a.err == 0) a.err = errno ? errno : EIO;
    if (rc != VZ_OK && a.err == 0) a.err = EIO;
    if (af_commit(&a, msg, sizeof msg) != 0) return vz_fail(VZ_EIO, "%s", msg);
    return VZ_OK;
}

int vz_figure_save(vz_figure *f, const char *path)
{
    if (path == NULL || path[0] == '\0') return vz_fail(VZ_EINVAL, "save: empty path");
    if (ends_with(path, ".png")) return vz_figure_save_png(f, path);
    if (ends_with(path, ".svg")) return vz_figure_save_svg(f, path);
    return vz_fail(VZ_EINVAL, "save: \"%s\" should end in .png or .svg", path);
}

int vz_figure_set_save_path(vz_figure *f, const char *path)
{
    char *copy = path != NULL ? strdup(path) : NULL;
    if (path != NULL && copy == NULL) return vz_fail(VZ_ENOMEM, "out of memory");
    free(f->save_path);
    f->save_path = copy;
    return VZ_OK;
}

const char *vz_figure_last_save(const vz_figure *f)
{
    return f->last_save;
}

/* The `s` key: the set path, or the first free figure-NNN.png here. */
static int save_key(vz_figure *f)
{
    char buf[64];
    const char *path = f->save_path;
    if (path == NULL) {
        for (int i = 1; i < 1000; i++) {
            snprintf(buf, sizeof buf, "figure-%03d.png", i);
            if (access(buf, F_OK) != 0) break;
        }
        path = buf;
    }
    int rc = vz_figure_save_png(f, path);
    /* in a window, a note says so for two seconds: on screen only, the PNG
     * was written before it (and offscreen figures never show it) */
    if (f->window != NULL) {
        snprintf(f->toast, sizeof f->toast, rc == VZ_OK ? "saved %s" : "could not save %s", path);
        f->toast_until = vz__now() + 2.0;
        f->dirty = 1;
    }
    if (rc == VZ_OK) {
        char *copy = strdup(path);
        if (copy != NULL) {
            free(f->last_save);
            f->last_save = copy;
        }
    }
    return rc;
}

/* ---- interaction ----------------------------------------------------------------------- */

static vz_panel *panel_at(vz_figure *f, int x, int y)
{
    for (int i = 0; i < f->rows * f->cols; i++) {
        vz_panel *p = f->cells[i];
        if (p != NULL && p->rendered && x >= p->cell.x && x < p->cell.x + p->cell.w &&
            y >= p->cell.y && y < p->cell.y + p->cell.h)
            return p;
    }
    return NULL;
}

/* The slider of curve panel p under (x, y), with a forgiving hit box, or -1. */
static int slider_at(const vz_panel *p, int x, int y)
{
    if (p->kind != VZ_PANEL_CURVE) return -1;
    for (int i = 0; i < p->n_sliders; i++) {
        SDL_Rect t = p->sliders[i].track;
        if (x >= t.x - 8 && x <= t.x + t.w + 8 && y >= t.y - 10 && y <= t.y + t.h + 10) return i;
    }
    return -1;
}

static void slider_drag(vz_panel *p, int i, int x)
{
    SDL_Rect t = p->sliders[i].track;
    if (t.w <= 0) return;
    float u = (float)(x - t.x) / (float)t.w;
    vz__slider *s = &p->sliders[i];
    vz_curve_set_slider(p, i, s->min + u * (s->max - s->min));
}

int vz_figure_handle_event(vz_figure *f, const SDL_Event *e)
{
    switch (e->type) {
    case SDL_WINDOWEVENT:
        if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
            e->window.event == SDL_WINDOWEVENT_RESIZED) {
            f->dirty = 1; /* a new window surface, even at the size asked for */
            return vz_figure_resize(f, e->window.data1, e->window.data2);
        }
        if (e->window.event == SDL_WINDOWEVENT_EXPOSED) f->dirty = 1;
        if (e->window.event == SDL_WINDOWEVENT_LEAVE) {
            f->hovering = 0;
            f->dirty = 1;
        }
        return VZ_OK;
    case SDL_MOUSEMOTION: {
        int x = e->motion.x, y = e->motion.y;
        if (f->dragging && f->drag_panel != NULL) {
            if (f->drag_slider >= 0)
                slider_drag(f->drag_panel, f->drag_slider, x);
            else
                vz_panel_pan(f->drag_panel, (float)(x - f->drag_x), (float)(y - f->drag_y));
            f->drag_x = x, f->drag_y = y;
        }
        f->hovering = 1;
        f->hover_x = x, f->hover_y = y;
        f->dirty = 1;
        return VZ_OK;
    }
    case SDL_MOUSEBUTTONDOWN:
        if (e->button.button == SDL_BUTTON_LEFT) {
            vz_panel *p = panel_at(f, e->button.x, e->button.y);
            f->drag_panel = p;
            f->dragging = p != NULL;
            f->drag_x = e->button.x, f->drag_y = e->button.y;
            f->press_x = e->button.x, f->press_y = e->button.y;
            f->press_auto = p != NULL && p->auto_view;
            f->drag_slider = p != NULL ? slider_at(p, e->button.x, e->button.y) : -1;
            if (f->drag_slider >= 0) slider_drag(p, f->drag_slider, e->button.x);
        }
        return VZ_OK;
    case SDL_MOUSEBUTTONUP:
        if (e->button.button == SDL_BUTTON_LEFT) {
            /* a click (no drag) on a scatter point selects it and its neighbours;
             * the view moved during a drag of a few pixels is put back */
            vz_panel *p = f->drag_panel;
            if (p != NULL && p->kind == VZ_PANEL_SCATTER && f->drag_slider < 0 &&
                abs(e->button.x - f->press_x) <= 3 && abs(e->button.y - f->press_y) <= 3) {
                int i = vz__scatter_at(p, e->button.x, e->button.y);
                /* neighbours the caller highlighted stay: a click cannot recompute them */
                if (i >= 0 && !p->highlight) {
                    if (e->button.x != f->press_x || e->button.y != f->press_y)
                        vz_panel_pan(p, (float)(f->press_x - e->button.x),
                                     (float)(f->press_y - e->button.y));
                    p->auto_view = f->press_auto;
                    vz_scatter_select(p, i, p->k > 0 ? p->k : 5, p->metric);
                }
            }
            f->dragging = 0;
            f->drag_slider = -1;
            f->drag_panel = NULL;
        }
        return VZ_OK;
    case SDL_MOUSEWHEEL: {
        vz_panel *p = panel_at(f, f->hover_x, f->hover_y);
        int dy = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -e->wheel.y : e->wheel.y;
        if (p != NULL && dy != 0)
            vz_panel_zoom(p, (float)f->hover_x, (float)f->hover_y, powf(1.25f, (float)dy));
        return VZ_OK;
    }
    case SDL_KEYDOWN: {
        SDL_Keycode k = e->key.keysym.sym;
        int ctrl = (e->key.keysym.mod & KMOD_CTRL) != 0;
        if (k == SDLK_ESCAPE || (ctrl && k == SDLK_c)) {
            if (interrupt_flag != NULL) *interrupt_flag = 1;
            return VZ_OK;
        }
        if (ctrl) return VZ_OK;
        if (k == SDLK_r) {
            for (int i = 0; i < f->rows * f->cols; i++)
                if (f->cells[i] != NULL) vz_panel_reset_view(f->cells[i]);
        } else if (k == SDLK_s) {
            return save_key(f);
        } else if (k == SDLK_p) {
            vz_figure_set_presentation(f, !f->presentation);
        } else if (k == SDLK_h || k == SDLK_QUESTION || k == SDLK_SLASH) {
            f->show_keys = !f->show_keys;
            f->dirty = 1;
        }
        return VZ_OK;
    }
    default:
        return VZ_OK;
    }
}
