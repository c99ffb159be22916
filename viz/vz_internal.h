/* viz internals shared across the viz/ sources (never included outside viz/): the
 * figure and panel structs, the display-list builders, text measurement, the
 * rasteriser and the per-kind drawing functions. Names take the vz__ prefix. */
#ifndef VZ_INTERNAL_H
#define VZ_INTERNAL_H

#include "vz.h"

#include <stdio.h>

#define VZ__MAX_CELLS 256

/* A pixel coordinate kept within +-1e7 (NaN goes to -1e7), so that converting
 * it to int is defined however far the user zoomed. */
static inline float vz__clampf(float v)
{
    return v > 1e7f ? 1e7f : v >= -1e7f ? v : -1e7f;
}
static inline double vz__clampd(double v)
{
    return v > 1e7 ? 1e7 : v >= -1e7 ? v : -1e7;
}

/* ---- display list builders (dlist.c) ------------------------------------- */

void vz__dl_reset(vz_dlist *dl);
void vz__dl_free(vz_dlist *dl);
void vz__dl_rect(vz_dlist *dl, float x, float y, float w, float h, vz_color fill);
/* Starts a polyline; add points with vz__dl_point. Returns the command index. */
size_t vz__dl_line_begin(vz_dlist *dl, float width, vz_color color);
void vz__dl_point(vz_dlist *dl, size_t cmd, float x, float y);
void vz__dl_segment(vz_dlist *dl, float x0, float y0, float x1, float y1, float width,
                    vz_color color);
void vz__dl_circle(vz_dlist *dl, float x, float y, float r, vz_color fill, float width,
                   vz_color stroke);
/* Text with its box centred on (x, y) (see vz__text_at for anchors). */
void vz__dl_text(vz_dlist *dl, const char *s, float cx, float cy, int size, int bold, int angle,
                 vz_color color);
void vz__dl_clip(vz_dlist *dl, float x, float y, float w, float h);
void vz__dl_group(vz_dlist *dl, const char *cls, const char *name);
void vz__dl_end_group(vz_dlist *dl);

/* ---- text (text.c) ------------------------------------------------------- */

/* Measures s at size px; 0 and a zero size when no font could be loaded
 * (vz_error says why). */
int vz__text_size(const char *s, int size, int bold, int *w, int *h);
float vz__text_ascent(int size, int bold);
/* Renders s into a new ARGB surface (caller frees), NULL on failure. */
SDL_Surface *vz__text_render(const char *s, int size, int bold, vz_color color);
/* Anchors: ax 0 left, 1 centre, 2 right; ay 0 top, 1 middle, 2 bottom. */
void vz__text_at(vz_dlist *dl, const char *s, float x, float y, int ax, int ay, int size, int bold,
                 vz_color color);
void vz__text_shutdown(void);
/* Copies s with invalid UTF-8 and control bytes replaced by '?'; caller frees. */
char *vz__utf8_clean(const char *s);

/* ---- rasteriser (render.c) ----------------------------------------------- */

typedef struct vz__canvas vz__canvas;
vz__canvas *vz__canvas_new(int w, int h);
void vz__canvas_free(vz__canvas *c);
SDL_Surface *vz__canvas_surface(vz__canvas *c);
/* Draws dl onto the canvas; VZ_ESDL when SDL fails. */
int vz__canvas_draw(vz__canvas *c, const vz_dlist *dl);

/* ---- SVG (svg.c) --------------------------------------------------------- */

int vz__svg_write(FILE *out, const vz_dlist *dl, int width, int height);

/* ---- figures and panels ---------------------------------------------------- */

typedef struct {
    char *name;
    float *x, *y;
    size_t n, cap;
    int sorted;       /* x non-decreasing: redraws decimate per pixel column */
    int fractional_x; /* some x is not a whole number */
    double xmin, xmax, ymin, ymax, ypos_min; /* ypos_min: smallest y > 0 */
} vz__series;

typedef struct {
    char *name;
    float min, max, value;
    SDL_Rect track; /* of the last render */
} vz__slider;

struct vz_panel {
    vz_kind kind;
    vz_figure *fig;
    char *title, *xlabel, *ylabel;
    SDL_Rect cell, area; /* the grid cell, and the plot area inside it */
    float below;         /* pixels kept under the x label (sliders) */
    float above;         /* pixels kept between the title and the area (a note) */
    size_t dl_first;     /* the panel's first command in the display list */
    int rendered;
    /* the view: the visible data range; auto follows the data */
    int auto_view;
    double vx0, vx1, vy0, vy1;
    int logy;
    int whole_x; /* x values are steps: ticks never fall between whole numbers */

    /* line and hist series */
    vz__series *series;
    int n_series;

    /* heatmap */
    float *hm;
    int hm_rows, hm_cols;
    char **row_labels, **col_labels;
    char *hm_clabel; /* the colour bar's name, or NULL */
    float hm_vmin, hm_vmax;

    /* scatter */
    float *pts; /* n x dim, original */
    float *xy;  /* n x 2, plotted */
    int n_pts, dim;
    int *classes;
    char **class_names; /* n_class_names of them, or NULL */
    int n_class_names;
    char **labels;
    int selected, k;
    vz_metric metric;
    int *nbr;
    int n_nbr;
    char *note;    /* vz_scatter_highlight: the caller's note (metric, variance) */
    int highlight; /* vz_scatter_highlight: the caller's neighbours, others faint */

    /* curve */
    int n_curves;
    char **curve_names;
    float cx0, cx1;
    vz_curve_fn fn;
    void *fn_ud;
    float *cy; /* n_curves x VZ__CURVE_N */
    vz__slider *sliders;
    int n_sliders;
    char *curve_error;

    /* hist */
    int bins;
    int *counts; /* n_series x bins */
    float h_lo, h_hi;

    /* bar */
    float *bars; /* n_bar_series x n_bars, series-major */
    int n_bars, n_bar_series;
    char **bar_labels;
    char **bar_names; /* n_bar_series names ("" for the unnamed first one) */
    double bar_base;        /* bars grow from here (0 unless set) */
    char *bar_base_label;   /* the reference line's name at bar_base, or NULL */

    /* graph */
    int n_nodes;
    float *nodes; /* n x 2 in [0, 1]^2 layout space */
    float *node_px;
    char **node_labels;
    int *edges;
    int n_edges;
    int *walk;
    int walk_len;
    int walk_shown;      /* steps drawn, 0..walk_len - 1 (vz_graph_set_walk_step) */
    int *node_class;     /* n_nodes classes (-1: none), or NULL; named by class_names */
};

#define VZ__CURVE_N 256

struct vz_figure {
    int rows, cols, width, height;
    vz_panel *cells[VZ__MAX_CELLS];
    int presentation;
    int dirty;
    vz_dlist dl;
    vz__canvas *canvas;
    /* hover and drag state, in figure pixels */
    int hover_x, hover_y, hovering;
    char hover_text[256];
    int dragging, drag_x, drag_y, drag_slider;
    int press_x, press_y, press_auto; /* where the button went down: a click selects */
    vz_panel *drag_panel;
    char *save_path;
    char toast[200];    /* a short note in the corner ("saved figure-001.png") */
    int show_keys;      /* the h key's overlay listing the keys */
    double toast_until; /* vz__now() until which it shows */
    char *last_save;
    /* window */
    SDL_Window *window;
    /* renders so far, and the render the window shows: a render by anyone else
     * (a save, a notebook) still has to reach the screen */
    unsigned long render_serial, shown_serial;
    int win_w, win_h; /* the window's size as last seen */
    int want_window;
    vz_figure *next; /* in the list of figures with (or wanting) a window */
};

/* Style of the current render, scaled by presentation mode. */
typedef struct {
    float scale;
    int title_size, label_size, tick_size, legend_size;
    float line_width, grid_width, marker_r;
} vz__style;

vz__style vz__style_of(const vz_figure *f);

/* Colours of the common chrome. */
extern const vz_color vz__ink, vz__grey, vz__grid, vz__white;

/* Nice ticks for [lo, hi]: at most max_n values, multiples of 1, 2 or 5 x 10^k.
 * Returns the count, writes the step. */
int vz__ticks(double lo, double hi, int max_n, double *out, double *step);
/* Formats a tick value with the precision its step needs. */
void vz__tick_label(char *buf, size_t size, double v, double step);

/* Lays out panel p in its cell (title, tick labels, axis labels; sets
 * p->area) for its current view, and draws the grid, axes, ticks and labels.
 * extra_right / extra_bottom: pixels kept free at the right (colour bar) and
 * bottom (sliders) of the cell. The y axis is log10 when p->logy. */
void vz__draw_axes(vz_dlist *dl, vz_panel *p, const vz__style *st, float extra_right,
                   float extra_bottom);
/* Data to pixel under the panel's view (y already log10 when logy). */
float vz__px(const vz_panel *p, double x);
float vz__py(const vz_panel *p, double y);
double vz__x_of(const vz_panel *p, float px);
double vz__y_of(const vz_panel *p, float py);

/* Per-kind drawing: layout inside p->cell, axes and data. hover: when the
 * pointer is inside this panel, write its tooltip text (hover_text). */
void vz__draw_line(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_heatmap(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_scatter(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_curve(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_hist(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_bar(vz_dlist *dl, vz_panel *p, const vz__style *st);
void vz__draw_graph(vz_dlist *dl, vz_panel *p, const vz__style *st);

/* The scatter point within 12 pixels of figure pixel (x, y), nearest, or -1. */
int vz__scatter_at(const vz_panel *p, int x, int y);

/* Hover text of panel p at figure pixel (x, y); leaves buf alone when the
 * pointer is over nothing. One per kind, and the dispatcher. */
void vz__hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__line_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__heatmap_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__scatter_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__curve_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__hist_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__bar_hover(const vz_panel *p, int x, int y, char *buf, size_t size);
void vz__graph_hover(const vz_panel *p, int x, int y, char *buf, size_t size);

/* Draws p's title and axis labels and sets p->area inside the cell, keeping
 * left / bottom / right / top pixels free around the area for tick labels,
 * a colour bar or sliders. */
void vz__layout(vz_dlist *dl, vz_panel *p, const vz__style *st, float left, float bottom,
                float right, float top);

/* Legend in the top-right corner of the area: names and colours. */
void vz__legend(vz_dlist *dl, const vz_panel *p, const vz__style *st, const char *const *names,
                const vz_color *colors, int n);

/* Sets the view from the data bounds when p->auto_view. */
void vz__auto_view(vz_panel *p, double x0, double x1, double y0, double y1, int pad_y);

/* Duplicates a string (NULL stays NULL); sets *err on allocation failure. */
char *vz__strdup(const char *s);
/* Copies n labels (NULL array gives NULL); NULL entries become "". */
char **vz__labels_dup(const char *const *labels, int n, int *fail);
void vz__labels_free(char **labels, int n);

void vz__figure_changed(vz_figure *f);
/* Monotonic seconds. */
double vz__now(void);
/* Window registry (window.c). */
void vz__window_forget(vz_figure *f);

#endif
