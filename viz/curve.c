/* Curve panels with sliders: named curves y = f_k(x; params) over a fixed x
 * range, re-evaluated through a callback (C, or Lua through lua/plot.c)
 * whenever a slider moves, the way TensorFlow Playground recomputes as its
 * controls change. Dice against PReLU as E[s], Var[s] and alpha move is the
 * lesson it was built for. A failing callback leaves the last good curves
 * and writes its message on the panel. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int vz_curve_set(vz_panel *p, int n_curves, const char *const *names, float xmin, float xmax,
                 vz_curve_fn fn, void *ud)
{
    if (p->kind != VZ_PANEL_CURVE)
        return vz_fail(VZ_EINVAL, "curve: this panel is not a curve panel");
    if (n_curves < 1 || n_curves > 16)
        return vz_fail(VZ_EINVAL, "curve: %d curves (must be 1..16)", n_curves);
    if (!isfinite(xmin) || !isfinite(xmax) || !(xmax > xmin))
        return vz_fail(VZ_EINVAL, "curve: range [%g, %g] (must be finite with min < max)",
                       (double)xmin, (double)xmax);
    if (fn == NULL) return vz_fail(VZ_EINVAL, "curve: no function to evaluate");
    int fail = 0;
    char **nm = vz__labels_dup(names, n_curves, &fail);
    float *cy = malloc((size_t)n_curves * VZ__CURVE_N * sizeof *cy);
    if (fail || cy == NULL) {
        vz__labels_free(nm, n_curves);
        free(cy);
        return vz_fail(VZ_ENOMEM, "curve: out of memory");
    }
    for (int i = 0; i < n_curves * VZ__CURVE_N; i++)
        cy[i] = NAN;
    vz__labels_free(p->curve_names, p->n_curves);
    free(p->cy);
    p->curve_names = nm;
    p->cy = cy;
    p->n_curves = n_curves;
    p->cx0 = xmin, p->cx1 = xmax;
    p->fn = fn, p->fn_ud = ud;
    p->auto_view = 1;
    return vz_curve_eval(p);
}

int vz_curve_add_slider(vz_panel *p, const char *name, float min, float max, float value)
{
    if (p->kind != VZ_PANEL_CURVE)
        return vz_fail(VZ_EINVAL, "slider: this panel is not a curve panel");
    if (p->n_sliders >= 8) return vz_fail(VZ_EINVAL, "slider: a panel holds at most 8 sliders");
    if (!isfinite(min) || !isfinite(max) || !(max > min))
        return vz_fail(VZ_EINVAL, "slider \"%s\": range [%g, %g] (must be finite with min < max)",
                       name ? name : "", (double)min, (double)max);
    if (!isfinite(value))
        return vz_fail(VZ_EINVAL, "slider \"%s\": value %g is not finite", name ? name : "",
                       (double)value);
    vz__slider *s = realloc(p->sliders, (size_t)(p->n_sliders + 1) * sizeof *s);
    if (s == NULL) return vz_fail(VZ_ENOMEM, "slider: out of memory");
    p->sliders = s;
    vz__slider *n = &s[p->n_sliders];
    memset(n, 0, sizeof *n);
    if ((n->name = vz__strdup(name ? name : "")) == NULL)
        return vz_fail(VZ_ENOMEM, "slider: out of memory");
    n->min = min, n->max = max;
    n->value = value < min ? min : value > max ? max : value;
    p->n_sliders++;
    if (p->fn != NULL) vz_curve_eval(p);
    vz__figure_changed(p->fig);
    return p->n_sliders - 1;
}

int vz_curve_n_sliders(const vz_panel *p)
{
    return p->n_sliders;
}

const char *vz_curve_slider_name(const vz_panel *p, int i)
{
    return i >= 0 && i < p->n_sliders ? p->sliders[i].name : NULL;
}

float vz_curve_slider(const vz_panel *p, int i)
{
    return i >= 0 && i < p->n_sliders ? p->sliders[i].value : NAN;
}

SDL_Rect vz_curve_slider_track(const vz_panel *p, int i)
{
    return i >= 0 && i < p->n_sliders ? p->sliders[i].track : (SDL_Rect){0, 0, 0, 0};
}

int vz_curve_set_slider(vz_panel *p, int i, float value)
{
    if (p->kind != VZ_PANEL_CURVE || i < 0 || i >= p->n_sliders)
        return vz_fail(VZ_EINVAL, "slider %d does not exist (the panel has %d)", i + 1,
                       p->n_sliders);
    if (!isfinite(value))
        return vz_fail(VZ_EINVAL, "slider \"%s\": value %g is not finite", p->sliders[i].name,
                       (double)value);
    vz__slider *s = &p->sliders[i];
    value = value < s->min ? s->min : value > s->max ? s->max : value;
    if (value == s->value) return VZ_OK;
    float before = s->value;
    s->value = value;
    vz__figure_changed(p->fig);
    int rc = vz_curve_eval(p);
    if (rc != VZ_OK) s->value = before; /* the slider stays where the curves were last drawn */
    return rc;
}

int vz_curve_eval(vz_panel *p)
{
    if (p->fn == NULL) return VZ_OK;
    float x[VZ__CURVE_N], y[VZ__CURVE_N], params[8];
    for (int i = 0; i < VZ__CURVE_N; i++)
        x[i] = p->cx0 + (p->cx1 - p->cx0) * (float)i / (float)(VZ__CURVE_N - 1);
    for (int i = 0; i < p->n_sliders; i++)
        params[i] = p->sliders[i].value;
    vz__figure_changed(p->fig);
    for (int c = 0; c < p->n_curves; c++) {
        if (p->fn(p->fn_ud, c, params, p->n_sliders, x, y, VZ__CURVE_N) != 0) {
            free(p->curve_error);
            p->curve_error = vz__strdup(vz_error());
            return VZ_ECALLBACK;
        }
        memcpy(p->cy + (size_t)c * VZ__CURVE_N, y, sizeof y);
    }
    free(p->curve_error);
    p->curve_error = NULL;
    return VZ_OK;
}

void vz__draw_curve(vz_dlist *dl, vz_panel *p, const vz__style *st)
{
    double y0 = INFINITY, y1 = -INFINITY;
    for (int i = 0; p->cy && i < p->n_curves * VZ__CURVE_N; i++)
        if (isfinite(p->cy[i])) y0 = fmin(y0, p->cy[i]), y1 = fmax(y1, p->cy[i]);
    if (!isfinite(y0)) y0 = 0, y1 = 1;
    vz__auto_view(p, p->fn ? p->cx0 : 0, p->fn ? p->cx1 : 1, y0, y1, 1);
    int lw, lh;
    vz__text_size("Ag", st->label_size, 0, &lw, &lh);
    float row = (float)lh + 16 * st->scale;
    p->below = row * (float)p->n_sliders;
    vz__draw_axes(dl, p, st, 0, p->below);
    SDL_Rect a = p->area;
    vz__dl_clip(dl, (float)a.x, (float)a.y, (float)a.w, (float)a.h);
    for (int c = 0; c < p->n_curves; c++) {
        vz__dl_group(dl, "series", p->curve_names ? p->curve_names[c] : NULL);
        const float *y = p->cy + (size_t)c * VZ__CURVE_N;
        size_t line = (size_t)-1;
        for (int i = 0; i < VZ__CURVE_N; i++) {
            if (!isfinite(y[i])) { /* a gap: the next finite value starts a new line */
                line = (size_t)-1;
                continue;
            }
            if (line == (size_t)-1) line = vz__dl_line_begin(dl, st->line_width, vz_palette(c));
            double xv = (double)p->cx0 + (double)(p->cx1 - p->cx0) * i / (VZ__CURVE_N - 1);
            vz__dl_point(dl, line, vz__px(p, xv), vz__py(p, y[i]));
        }
        vz__dl_end_group(dl);
    }
    vz__dl_clip(dl, 0, 0, 0, 0);
    if (p->curve_error != NULL) { /* on a pale box, over whatever the curves draw there */
        int w, h;
        vz__text_size(p->curve_error, st->tick_size, 0, &w, &h);
        vz__dl_rect(dl, (float)a.x + 2, (float)a.y + 2, (float)w + 8, (float)h + 4,
                    (vz_color){255, 255, 255, 230});
        vz__text_at(dl, p->curve_error, (float)a.x + 6, (float)a.y + 4, 0, 0, st->tick_size, 0,
                    (vz_color){213, 94, 0, 255});
    }
    if (p->n_curves > 0 && p->curve_names) {
        const char *names[16];
        vz_color cols[16];
        for (int c = 0; c < p->n_curves; c++)
            names[c] = p->curve_names[c], cols[c] = vz_palette(c);
        vz__legend(dl, p, st, names, cols, p->n_curves);
    }
    /* sliders: "name = value" on the left, the track to the right */
    float pad = 10 * st->scale;
    float y = (float)(p->cell.y + p->cell.h) - pad * 0.8f - row * (float)p->n_sliders;
    int name_w = 0;
    char buf[96];
    for (int i = 0; i < p->n_sliders; i++) {
        int w, h;
        snprintf(buf, sizeof buf, "%s = %.3g", p->sliders[i].name, -88.888);
        vz__text_size(buf, st->label_size, 0, &w, &h);
        name_w = w > name_w ? w : name_w;
    }
    vz__dl_group(dl, "sliders", NULL);
    for (int i = 0; i < p->n_sliders; i++) {
        vz__slider *s = &p->sliders[i];
        float cy = roundf(y + row * ((float)i + 0.5f)) + 0.5f;
        snprintf(buf, sizeof buf, "%s = %.3g", s->name, (double)s->value);
        float x0 = (float)p->cell.x + pad;
        vz__text_at(dl, buf, x0, cy, 0, 1, st->label_size, 0, vz__ink);
        float tx = x0 + (float)name_w + pad * 1.5f, tw = (float)(a.x + a.w) - tx - 8 * st->scale;
        if (tw < 20) tw = 20;
        s->track = (SDL_Rect){(int)tx, (int)(cy - 3 * st->scale), (int)tw, (int)(6 * st->scale)};
        float u = (s->value - s->min) / (s->max - s->min);
        vz__dl_segment(dl, tx, cy, tx + tw, cy, 4 * st->scale, vz__grid);
        vz__dl_segment(dl, tx, cy, tx + u * tw, cy, 4 * st->scale, vz_palette(0));
        vz__dl_circle(dl, tx + u * tw, cy, 7 * st->scale, vz__white, 2 * st->scale, vz_palette(0));
    }
    vz__dl_end_group(dl);
}

void vz__curve_hover(const vz_panel *p, int x, int y, char *buf, size_t size)
{
    SDL_Rect a = p->area;
    if (p->cy == NULL || x < a.x || x >= a.x + a.w || y < a.y || y >= a.y + a.h) return;
    double xv = vz__x_of(p, (float)x);
    int i = (int)lround((xv - (double)p->cx0) / (double)(p->cx1 - p->cx0) * (VZ__CURVE_N - 1));
    if (i < 0 || i >= VZ__CURVE_N) return;
    int best = -1;
    float bd = 30;
    for (int c = 0; c < p->n_curves; c++) {
        float v = p->cy[(size_t)c * VZ__CURVE_N + (size_t)i];
        if (isfinite(v) && fabsf(vz__py(p, v) - (float)y) < bd)
            bd = fabsf(vz__py(p, v) - (float)y), best = c;
    }
    if (best >= 0)
        snprintf(buf, size, "%s(%.3g) = %.4g", p->curve_names[best],
                 (double)p->cx0 + (double)(p->cx1 - p->cx0) * i / (VZ__CURVE_N - 1),
                 (double)p->cy[(size_t)best * VZ__CURVE_N + (size_t)i]);
}
