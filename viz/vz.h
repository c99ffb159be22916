/* viz: figures from plain float arrays, labels and colours.
 *
 * A figure is a grid of panels (line, heatmap, scatter, curve with sliders,
 * histogram, bar chart, small graph). Each panel keeps its data (retained
 * mode). Rendering turns the figure into a display list of draw commands
 * (vz_dlist: rects, anti-aliased polylines, circles, text, clips and named
 * groups); one rasteriser draws that list into an SDL_Surface through SDL's
 * software renderer, and the same list is written as SVG. A window shows the
 * very surface a PNG saves, so headless tests see what a user sees.
 *
 *     vz_figure *f = vz_figure_new(1, 1, 800, 500);
 *     vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
 *     int s = vz_line_add_series(p, "loss");
 *     vz_line_append(p, s, NULL, ys, n);          // x = 0, 1, 2, ...
 *     vz_figure_save(f, "loss.png");              // or "loss.svg"
 *     vz_figure_free(f);
 *
 * Errors: functions that can fail return an int (VZ_OK, or a negative VZ_E*)
 * or NULL, and leave a message naming what and where in vz_error(). Nothing
 * here aborts or exits on bad input. viz knows nothing of models or Lua.
 *
 * Threads: a single thread (the REPL's) owns all figures.
 */
#ifndef VZ_H
#define VZ_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

/* ---- errors ------------------------------------------------------------- */

enum {
    VZ_OK = 0,
    VZ_EINVAL = -1,    /* bad argument: sizes, NaN, index out of range */
    VZ_ENOMEM = -2,    /* allocation failed */
    VZ_EIO = -3,       /* a file could not be written */
    VZ_ESDL = -4,      /* SDL, SDL_ttf or SDL_image failed */
    VZ_ECALLBACK = -5, /* a curve callback failed */
};

/* The message of the last failure; borrowed, valid until the next failure. */
const char *vz_error(void);

/* Records a printf-style message and returns code, so failing is one line:
 * `return vz_fail(VZ_EINVAL, "heatmap: %d rows", n);`. Curve callbacks use it
 * to explain their failure. */
int vz_fail(int code, const char *fmt, ...);

/* ---- colours ------------------------------------------------------------ */

typedef struct {
    uint8_t r, g, b, a;
} vz_color;

/* Series colour i (wraps around): the Okabe–Ito palette, which stays
 * distinguishable under the common colour-vision deficiencies. */
vz_color vz_palette(int i);

/* The viridis colour map at t in [0, 1] (clamped): perceptually uniform and
 * monotone in lightness, so a heatmap reads the same in grey. */
vz_color vz_colormap(float t);

/* ---- process-wide settings ---------------------------------------------- */

/* The folder holding assets/fonts/ (copied). The environment variable
 * RECNOTE_DATA_DIR, when set, overrides it. Fonts load on first use. */
void vz_set_data_dir(const char *dir);

/* The host's Ctrl-C flag (borrowed; may be NULL): Esc or Ctrl-C in a figure
 * window sets it to 1. */
void vz_set_interrupt(volatile sig_atomic_t *flag);

/* Forces offscreen figures (no window) when on. */
void vz_set_headless(int on);

/* Nonzero when figures stay offscreen: forced, no DISPLAY/WAYLAND_DISPLAY,
 * SDL_VIDEODRIVER=dummy, or SDL's video failed to start. *why (when not NULL)
 * receives a short reason; borrowed, static. Starts SDL video on first call
 * when a display exists. */
int vz_headless(const char **why);

/* Closes every window, frees the cached fonts and quits SDL_ttf and SDL video
 * (figures stay valid and render offscreen afterwards). */
void vz_shutdown(void);

/* ---- display list -------------------------------------------------------- */

typedef enum {
    VZ_CMD_RECT,      /* filled rect x, y, w, h in `fill` */
    VZ_CMD_LINE,      /* anti-aliased polyline of n points, `width`, `color` */
    VZ_CMD_CIRCLE,    /* disc at x, y radius r in `fill`, outline `width` in `color` */
    VZ_CMD_TEXT,      /* text centred on x, y, box w x h, `angle` 0 or -90 (CCW) */
    VZ_CMD_CLIP,      /* clip to x, y, w, h from here on; w == 0 clears the clip */
    VZ_CMD_GROUP,     /* a named group begins (SVG <g>): text is "class:name" */
    VZ_CMD_END_GROUP, /* the innermost group ends */
} vz_cmd_kind;

typedef struct {
    vz_cmd_kind kind;
    vz_color color, fill;
    float x, y, w, h, r, width;
    size_t pt;    /* LINE: index of the first (x, y) pair in vz_dlist.pts */
    size_t n;     /* LINE: number of points */
    size_t text;  /* TEXT, GROUP: offset of a NUL-terminated string in chars */
    int size;     /* TEXT: font size in pixels */
    int bold;     /* TEXT: bold face */
    int angle;    /* TEXT: 0, or -90 for text reading bottom to top */
    float ascent; /* TEXT: font ascent in pixels (SVG baseline) */
} vz_cmd;

typedef struct {
    vz_cmd *cmds;
    size_t n_cmds, cap_cmds;
    float *pts; /* x0, y0, x1, y1, ... */
    size_t n_pts, cap_pts;
    char *chars;
    size_t n_chars, cap_chars;
    int failed; /* an allocation failed: the list is incomplete */
} vz_dlist;

/* ---- figures ------------------------------------------------------------ */

typedef enum {
    VZ_PANEL_EMPTY,
    VZ_PANEL_LINE,
    VZ_PANEL_HEATMAP,
    VZ_PANEL_SCATTER,
    VZ_PANEL_CURVE,
    VZ_PANEL_HIST,
    VZ_PANEL_BAR,
    VZ_PANEL_GRAPH,
} vz_kind;

typedef struct vz_figure vz_figure;
typedef struct vz_panel vz_panel;

/* A figure of rows x cols empty cells, width x height pixels (each 1..16
 * cells, 64..8192 pixels). Caller frees with vz_figure_free. NULL on error. */
vz_figure *vz_figure_new(int rows, int cols, int width, int height);

/* Closes the figure's window (if any) and frees everything. NULL is fine. */
void vz_figure_free(vz_figure *f);

/* Adds a panel of kind to the next free cell (row-major). Borrowed, valid
 * until the figure is freed. NULL (and vz_error) when the grid is full. */
vz_panel *vz_figure_add_panel(vz_figure *f, vz_kind kind);

/* Moves every panel of src into the free cells of dst, in order; src is left
 * empty. VZ_EINVAL when dst has too few free cells (nothing moves). */
int vz_figure_move_panels(vz_figure *dst, vz_figure *src);

int vz_figure_n_panels(const vz_figure *f);
/* Panel i in row-major order of the occupied cells, or NULL. Borrowed. */
vz_panel *vz_figure_panel(vz_figure *f, int i);
vz_kind vz_panel_kind(const vz_panel *p);

int vz_figure_resize(vz_figure *f, int width, int height);
void vz_figure_size(const vz_figure *f, int *width, int *height);

/* Presentation mode: larger fonts, thicker lines and markers, for teaching. */
void vz_figure_set_presentation(vz_figure *f, int on);
int vz_figure_presentation(const vz_figure *f);

/* Builds the display list and draws it into the figure's surface. Called by
 * save and the window pump when the figure changed; tests call it directly. */
int vz_figure_render(vz_figure *f);

/* The surface of the last render (XRGB8888, opaque); borrowed, valid until the next
 * render or resize. NULL before the first render. */
SDL_Surface *vz_figure_surface(vz_figure *f);

/* The display list of the last render; borrowed, as above. */
const vz_dlist *vz_figure_dlist(const vz_figure *f);

/* Writes the figure as PNG (".png") or SVG (".svg"), chosen by the path's
 * extension, atomically: a temporary file in the same folder, then rename.
 * VZ_EIO naming the path when it cannot be written. */
int vz_figure_save(vz_figure *f, const char *path);
int vz_figure_save_png(vz_figure *f, const char *path);
int vz_figure_save_svg(vz_figure *f, const char *path);

/* Nonzero when the figure changed since its last render. */
int vz_figure_dirty(const vz_figure *f);

/* ---- panels: common ----------------------------------------------------- */

int vz_panel_set_title(vz_panel *p, const char *title);
int vz_panel_set_xlabel(vz_panel *p, const char *label);
int vz_panel_set_ylabel(vz_panel *p, const char *label);

/* Maps a data coordinate to a figure pixel using the layout and view of the
 * last render (a bar chart's x is the bar index, 0-based). VZ_EINVAL before
 * the first render, and for heatmap and graph panels (their own cells). */
int vz_panel_data_to_pixel(const vz_panel *p, double x, double y, float *px, float *py);

/* The plot area of the last render, in figure pixels. */
SDL_Rect vz_panel_area(const vz_panel *p);

/* Interactive view of line, scatter, curve, hist: zoom by factor (> 1 zooms
 * in) about figure pixel (px, py), pan by (dx, dy) pixels, reset to the data's
 * own range. */
void vz_panel_zoom(vz_panel *p, float px, float py, float factor);
void vz_panel_pan(vz_panel *p, float dx, float dy);
void vz_panel_reset_view(vz_panel *p);

/* The visible data range [x0, x1] x [y0, y1] of the last render. */
void vz_panel_view(const vz_panel *p, double *x0, double *x1, double *y0, double *y1);

/* ---- line --------------------------------------------------------------- */

/* Adds an empty series; returns its index (>= 0) or a negative VZ_E*. */
int vz_line_add_series(vz_panel *p, const char *name);
/* The index of the series called name, or -1. */
int vz_line_find_series(const vz_panel *p, const char *name);
int vz_line_n_series(const vz_panel *p);
size_t vz_line_len(const vz_panel *p, int series);

/* Appends n points. x may be NULL: the x values continue 0, 1, 2, ... from
 * the series' length. NaN or infinite values are rejected (VZ_EINVAL names
 * the series and the index), and nothing is appended. Redraws decimate to a
 * min/max pair per pixel column when x is non-decreasing, so a series of
 * millions of points redraws in milliseconds. */
int vz_line_append(vz_panel *p, int series, const float *x, const float *y, size_t n);

/* Log-scale y axis (values <= 0 are skipped when drawing). */
void vz_line_set_logy(vz_panel *p, int on);

/* ---- heatmap ------------------------------------------------------------ */

/* Copies a rows x cols row-major matrix and optional labels (arrays of rows /
 * cols strings, either may be NULL). NaN cells draw grey and read "nan". */
int vz_heatmap_set(vz_panel *p, const float *v, int rows, int cols, const char *const *row_labels,
                   const char *const *col_labels);
/* Replaces the values of a heatmap of the same shape, keeping its labels. */
int vz_heatmap_update(vz_panel *p, const float *v, int rows, int cols);
/* Fixes the colour range; NaN for either end means the data's own. */
void vz_heatmap_set_range(vz_panel *p, float vmin, float vmax);
/* Names what the colours mean, written along the colour bar (NULL: none). */
int vz_heatmap_set_clabel(vz_panel *p, const char *label);

/* ---- scatter ------------------------------------------------------------ */

typedef enum { VZ_METRIC_EUCLIDEAN, VZ_METRIC_COSINE } vz_metric;

/* Copies n points of dim values each (row-major). dim 2 plots as is; dim > 2
 * plots the first two principal components (PCA, computed here) while
 * neighbours stay computed in the original space. classes (n ints >= 0, may
 * be NULL) pick palette colours; labels (n strings, may be NULL) show beside
 * the points when they fit, and on hover. */
int vz_scatter_set(vz_panel *p, const float *pts, int n, int dim, const int *classes,
                   const char *const *labels);

/* Names classes 0..n-1 for the legend, the hover text and the SVG groups
 * (copied; NULL clears). */
int vz_scatter_set_class_names(vz_panel *p, const char *const *names, int n);

/* Selects point index (0-based; -1 clears) and highlights its k nearest
 * neighbours under metric, linked to it, with the metric named on the plot. */
int vz_scatter_select(vz_panel *p, int index, int k, vz_metric metric);

/* Highlights point query (0-based) and the n points nbrs (nearest first),
 * found by the caller (say, in the original space of an embedding under a
 * metric viz does not know): they are drawn in colour, linked to the query
 * and labelled, every other point faint, and note (copied; may be NULL)
 * shown between the title and the plot in place of the metric line. A click
 * then leaves the selection alone (hover still names points). query -1
 * clears. */
int vz_scatter_highlight(vz_panel *p, int query, const int *nbrs, int n, const char *note);

/* The colours of a highlight: the query's fill and the neighbours' fill. */
extern const vz_color vz_highlight_query, vz_highlight_neighbour;

/* Copies up to max of the selected point's neighbours, nearest first;
 * returns how many there are. */
int vz_scatter_neighbours(const vz_panel *p, int *out, int max);

/* The plotted 2-D position of point i (after projection). */
int vz_scatter_position(const vz_panel *p, int i, float *x, float *y);

/* ---- curve with sliders ------------------------------------------------- */

/* Evaluates curve number `curve` at the n abscissae x into y, given the
 * current slider values params[0..n_params). Returns 0, or nonzero after
 * vz_fail() to report an error (shown on the panel). */
typedef int (*vz_curve_fn)(void *ud, int curve, const float *params, int n_params, const float *x,
                           float *y, int n);

/* n_curves curves named names[i] over [xmin, xmax] from fn(ud, ...). ud is
 * borrowed: it must outlive the panel (or the next vz_curve_set). */
int vz_curve_set(vz_panel *p, int n_curves, const char *const *names, float xmin, float xmax,
                 vz_curve_fn fn, void *ud);
/* Adds a slider; returns its index or a negative VZ_E*. */
int vz_curve_add_slider(vz_panel *p, const char *name, float min, float max, float value);
int vz_curve_n_sliders(const vz_panel *p);
/* The name of slider i (borrowed), or NULL. */
const char *vz_curve_slider_name(const vz_panel *p, int i);
/* Sets slider i (clamped to its range) and re-evaluates the curves; when the
 * callback fails the slider keeps its previous value. */
int vz_curve_set_slider(vz_panel *p, int i, float value);
float vz_curve_slider(const vz_panel *p, int i);
/* Re-evaluates the curves now; returns the callback's failure, if any. */
int vz_curve_eval(vz_panel *p);
/* The figure-pixel track of slider i (for tests and drag handling). */
SDL_Rect vz_curve_slider_track(const vz_panel *p, int i);

/* ---- histogram, bar, graph ----------------------------------------------- */

/* Adds a named series of n values, binned on a shared range (NaN rejected). */
int vz_hist_add(vz_panel *p, const char *name, const float *v, size_t n);
/* Number of bins (1..1000; default 30). */
int vz_hist_set_bins(vz_panel *p, int bins);
/* The count of series s in bin b, and the bin edges, after the last render. */
int vz_hist_bin(const vz_panel *p, int s, int b, float *lo, float *hi, int *count);

/* n bars with optional labels (NULL). Negative values grow downwards. */
int vz_bar_set(vz_panel *p, const float *v, int n, const char *const *labels);
/* Replaces the values of n bars (the first series), keeping the labels and
 * other series when n is unchanged. */
int vz_bar_update(vz_panel *p, const float *v, int n);
/* Adds a named series of n values (n as the first series; an empty chart
 * takes it as its first): bars then stand in groups, one colour per series,
 * with a legend. */
int vz_bar_add_series(vz_panel *p, const char *name, const float *v, int n);
/* Labels the n categories (n as the chart's bars). */
int vz_bar_set_labels(vz_panel *p, const char *const *labels, int n);
/* Bars grow from base instead of 0 (up above it, down below it), and the
 * axis starts there; with a label (may be NULL) a reference line is drawn at
 * base and named, e.g. AUCs from 0.5 with "chance". base must be finite. */
int vz_bar_set_base(vz_panel *p, double base, const char *label);

/* n nodes at xy (2n floats; NULL lays them out: a force-directed layout from
 * a circle, the same on every run), optional labels, n_edges edges as pairs
 * of 0-based node indices. */
int vz_graph_set(vz_panel *p, int n, const float *xy, const char *const *labels, const int *edges,
                 int n_edges);
/* A walk (node indices) drawn over the graph: numbered, coloured edges. */
int vz_graph_set_walk(vz_panel *p, const int *walk, int len);
/* The figure pixel of node i after the last render. */
int vz_graph_node_pixel(const vz_panel *p, int i, float *px, float *py);
/* Draws only the walk's first steps steps (0: its start alone; -1 or more
 * than it has: all), the node reached last ringed: a walk replayed step by
 * step. A new walk shows all its steps. */
int vz_graph_set_walk_step(vz_panel *p, int steps);
/* The steps drawn now (0 without a walk). */
int vz_graph_walk_step(const vz_panel *p);
/* Colours node i by classes[i] (n = the node count; -1: uncoloured; NULL
 * clears) with vz_graph_class_color, and names classes 0..n_names-1 in a
 * legend (names may be NULL when n_names is 0). Setting the nodes clears it. */
int vz_graph_set_classes(vz_panel *p, const int *classes, int n, const char *const *names,
                         int n_names);
/* The fill of class c: the palette's colour c, or a pale blue for c < 0. */
vz_color vz_graph_class_color(int c);
/* The walk's colour over coloured nodes (over plain ones: vz_palette(3)). */
extern const vz_color vz_graph_walk_dark;

/* ---- interaction and windows -------------------------------------------- */

/* Applies one SDL event as seen by this figure's window: window resize and
 * expose, mouse motion (hover), wheel (zoom), drag (pan, or a slider), a
 * click on a scatter point (selects it and its neighbours), keys h (an
 * overlay listing the keys),
 * r (reset), s (save PNG), p (presentation), Esc / Ctrl-C (interrupt). The
 * pump calls it; tests feed synthetic events to a headless figure. */
int vz_figure_handle_event(vz_figure *f, const SDL_Event *e);

/* The hover text of the last render ("" when none); borrowed. */
const char *vz_figure_hover_text(const vz_figure *f);

/* Where `s` in a window saves (default "figure.png" in the current folder). */
int vz_figure_set_save_path(vz_figure *f, const char *path);
/* The path the last `s` key press saved to, or NULL. Borrowed. */
const char *vz_figure_last_save(const vz_figure *f);

/* Asks for a window: it opens on the next pump (so a figure added to a grid
 * first never flashes). Returns 1 when a window will open, 0 when the figure
 * stays offscreen (see vz_headless). */
int vz_figure_show(vz_figure *f);
/* Closes the figure's window; the figure stays, offscreen. */
void vz_figure_hide(vz_figure *f);
/* Nonzero while the figure has a window, or one will open on the next pump;
 * zero once the user closed it. */
int vz_figure_has_window(const vz_figure *f);

/* Handles pending window events and redraws changed figures. Returns the
 * number of open windows. Cheap when there are none. */
int vz_pump(void);

/* Like vz_pump, but rate-limited (one clock read otherwise): the next pump
 * waits 30 ms or 60 times the recent pumps' average cost, whichever is longer
 * (at most 1 s), so that live plotting takes about 2% of a training loop's
 * time. */
int vz_pump_maybe(void);

#endif
