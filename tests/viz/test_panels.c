/* Panel-kind tests, headless: heatmap colours follow the order of the values,
 * scatter neighbours (Euclidean and cosine, in the original space) and PCA,
 * curves re-evaluated by slider moves and drags, histogram counts, bars and
 * graph nodes at their pixels, and a grid of every kind saved for review. */
#include "vizcheck.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void test_heatmap_order(void)
{
    /* a permutation of 0..11 in a 3 x 4 grid */
    float v[12] = {5, 0, 11, 3, 8, 1, 10, 6, 2, 9, 4, 7};
    const char *rows[3] = {"cand A", "cand B", "cand C"};
    const char *cols[4] = {"item 1", "item 2", "item 3", "item 4"};
    vz_figure *f = vz_figure_new(1, 1, 640, 400);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_HEATMAP);
    CHECK(vz_heatmap_set(p, v, 3, 4, rows, cols) == VZ_OK);
    vz_panel_set_title(p, "DIN attention");
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    SDL_Rect a = vz_panel_area(p);
    float lum[12];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 4; j++) {
            /* a quarter in from the cell's corner: clear of the value text */
            int x = a.x + (int)((j + 0.2f) * (float)a.w / 4),
                y = a.y + (int)((i + 0.2f) * (float)a.h / 3);
            vz_color c = px_at(s, x, y);
            lum[i * 4 + j] = luminance(c);
            /* the exact colour map colour of the value */
            CHECK(color_diff(c, vz_colormap(v[i * 4 + j] / 11.0f)) <= 1);
        }
    /* brighter cells hold bigger values, for every pair */
    int wrong = 0;
    for (int i = 0; i < 12; i++)
        for (int j = 0; j < 12; j++)
            wrong += v[i] < v[j] && !(lum[i] < lum[j]);
    CHECK(wrong == 0);
    /* hover reads the cell's labels and value */
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = a.x + a.w * 5 / 8, e.motion.y = a.y + a.h / 2; /* row 2, col 3 */
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK_STR(vz_figure_hover_text(f), "cand B / item 3: 10");
    CHECK(vz_figure_save(f, "heatmap.png") == VZ_OK);
    /* a NaN cell is grey and reads "nan"; the others keep their order */
    v[5] = NAN;
    CHECK(vz_heatmap_update(p, v, 3, 4) == VZ_OK);
    CHECK(vz_figure_render(f) == VZ_OK);
    int x5 = a.x + (int)(1.2f * (float)a.w / 4), y5 = a.y + (int)(1.2f * (float)a.h / 3);
    CHECK(color_diff(px_at(vz_figure_surface(f), x5, y5), (vz_color){190, 190, 190, 255}) <= 1);
    e.motion.x = x5, e.motion.y = y5;
    vz_figure_handle_event(f, &e);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK_STR(vz_figure_hover_text(f), "cand B / item 2: nan");
    /* bad sizes */
    CHECK(vz_heatmap_set(p, v, 0, 4, NULL, NULL) == VZ_EINVAL);
    CHECK_STR(vz_error(), "heatmap: 0 x 4 cells (each side must be 1..4096)");
    vz_figure_free(f);
}

static void test_heatmap_large(void)
{
    /* 3000 x 2000 cells in a 600 x 400 figure: a pixel averages its cells, the
     * display list stays within the pixel count, and brightness still grows
     * with the values (here, the column index) */
    enum { R = 3000, C = 2000 };
    float *v = malloc((size_t)R * C * sizeof *v);
    for (int i = 0; i < R; i++)
        for (int j = 0; j < C; j++)
            v[(size_t)i * C + j] = (float)j + (i % 2 ? 0.25f : -0.25f);
    vz_figure *f = vz_figure_new(1, 1, 600, 400);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_HEATMAP);
    CHECK(vz_heatmap_set(p, v, R, C, NULL, NULL) == VZ_OK);
    vz_panel_set_title(p, "3000 x 2000");
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Rect a = vz_panel_area(p);
    CHECK(vz_figure_dlist(f)->n_cmds <= (size_t)(a.w * a.h) + 1000); /* not 6 million */
    SDL_Surface *s = vz_figure_surface(f);
    float prev = -1;
    int up = 1;
    for (int x = a.x + 2; x < a.x + a.w - 2; x += 10) {
        float l = luminance(px_at(s, x, a.y + a.h / 2));
        up &= l >= prev;
        prev = l;
    }
    CHECK(up);
    /* a column's colour is the mean of its cells: rows alternate +-0.25 */
    int j = C / 2, x = a.x + (int)((j + 0.5) * a.w / C);
    CHECK(color_diff(px_at(s, x, a.y + a.h / 3), vz_colormap((float)j / (C - 1))) <= 3);
    CHECK(vz_figure_save(f, "heatmap_large.png") == VZ_OK);
    vz_figure_free(f);
    free(v);
}

static void test_scatter_neighbours(void)
{
    /* 30 points in 3 classes around three centres, in 2-D */
    float pts[60];
    int cls[30];
    const char *labels[30];
    char names[30][8];
    for (int i = 0; i < 30; i++) {
        int c = i % 3;
        float ang = (float)i * 0.7f;
        pts[2 * i] = (float)(c * 4) + cosf(ang) * (float)(1 + i % 5) * 0.3f;
        pts[2 * i + 1] = (float)(c == 1 ? 3 : 0) + sinf(ang) * (float)(1 + i % 5) * 0.3f;
        cls[i] = c;
        snprintf(names[i], sizeof names[i], "p%d", i);
        labels[i] = names[i];
    }
    vz_figure *f = vz_figure_new(1, 1, 640, 480);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_SCATTER);
    CHECK(vz_scatter_set(p, pts, 30, 2, cls, labels) == VZ_OK);
    CHECK(vz_scatter_select(p, 4, 5, VZ_METRIC_EUCLIDEAN) == VZ_OK);
    /* brute force in the test: the 5 nearest to point 4 */
    int want[5], got[8];
    double best[5];
    for (int k = 0; k < 5; k++)
        best[k] = 1e30, want[k] = -1;
    for (int i = 0; i < 30; i++) {
        if (i == 4) continue;
        double d = hypot(pts[2 * i] - pts[8], pts[2 * i + 1] - pts[9]);
        for (int k = 0; k < 5; k++)
            if (d < best[k]) {
                for (int m = 4; m > k; m--)
                    best[m] = best[m - 1], want[m] = want[m - 1];
                best[k] = d, want[k] = i;
                break;
            }
    }
    CHECK(vz_scatter_neighbours(p, got, 8) == 5);
    int same = 0;
    for (int k = 0; k < 5; k++)
        same += got[k] == want[k];
    CHECK(same == 5);
    vz_panel_set_title(p, "Embedding neighbours");
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    /* a point of class 2 carries class 2's colour at its centre (blended at 220/255) */
    float px, py;
    vz_panel_data_to_pixel(p, pts[2 * 5], pts[2 * 5 + 1], &px, &py);
    vz_color c2 = vz_palette(2);
    CHECK(color_diff(px_at(s, (int)px, (int)py), c2) <= 40);
    /* the selected point has the black ring, 9 px out */
    vz_panel_data_to_pixel(p, pts[8], pts[9], &px, &py);
    CHECK(color_near(s, px - 9, py, 1, (vz_color){34, 34, 34, 255}, 30));
    CHECK(vz_figure_save(f, "scatter.png") == VZ_OK);
    CHECK(vz_figure_save(f, "scatter.svg") == VZ_OK);
    /* a click on point 10 selects it, with the same k and metric */
    vz_panel_data_to_pixel(p, pts[20], pts[21], &px, &py);
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = (int)px + 1, e.button.y = (int)py;
    vz_figure_handle_event(f, &e);
    e.type = SDL_MOUSEBUTTONUP;
    vz_figure_handle_event(f, &e);
    CHECK(vz_scatter_neighbours(p, got, 8) == 5);
    CHECK(vz_figure_render(f) == VZ_OK);
    /* the ring moved to point 10 */
    CHECK(color_near(vz_figure_surface(f), px - 9, py, 1, (vz_color){34, 34, 34, 255}, 30));
    /* errors */
    CHECK(vz_scatter_select(p, 30, 5, VZ_METRIC_COSINE) == VZ_EINVAL);
    CHECK_STR(vz_error(), "select: point 31 does not exist (the panel has 30)");
    pts[7] = NAN;
    CHECK(vz_scatter_set(p, pts, 30, 2, NULL, NULL) == VZ_EINVAL);
    CHECK_STR(vz_error(), "scatter: point 4, coordinate 2 is nan (not finite)");
    vz_figure_free(f);
}

static void test_scatter_cosine_pca(void)
{
    /* 6-d points: cosine neighbours differ from Euclidean ones */
    float pts[4 * 6] = {
        1,    0,    0, 0, 0, 0, /* 0 */
        10,   1,    0, 0, 0, 0, /* 1: same direction as 0, far away */
        0,    1,    0, 0, 0, 0, /* 2: orthogonal to 0, close by */
        0.5f, 0.5f, 0, 0, 0, 0,
    };
    vz_figure *f = vz_figure_new(1, 1, 400, 300);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_SCATTER);
    CHECK(vz_scatter_set(p, pts, 4, 6, NULL, NULL) == VZ_OK);
    int nb[3];
    CHECK(vz_scatter_select(p, 0, 1, VZ_METRIC_COSINE) == VZ_OK);
    CHECK(vz_scatter_neighbours(p, nb, 3) == 1 && nb[0] == 1);
    CHECK(vz_scatter_select(p, 0, 1, VZ_METRIC_EUCLIDEAN) == VZ_OK);
    CHECK(vz_scatter_neighbours(p, nb, 3) == 1 && nb[0] == 3);
    vz_figure_free(f);

    /* points on a line in 8-d: PCA puts all the spread on PC1 */
    enum { N = 40, D = 8 };
    float line[N * D];
    for (int i = 0; i < N; i++)
        for (int d = 0; d < D; d++)
            line[i * D + d] = (float)i * (float)(d + 1) * 0.1f + (float)d;
    f = vz_figure_new(1, 1, 400, 300);
    p = vz_figure_add_panel(f, VZ_PANEL_SCATTER);
    CHECK(vz_scatter_set(p, line, N, D, NULL, NULL) == VZ_OK);
    float x0, y0, x1, y1, xm, ym;
    vz_scatter_position(p, 0, &x0, &y0);
    vz_scatter_position(p, N - 1, &x1, &y1);
    vz_scatter_position(p, N / 2, &xm, &ym);
    /* the projected length equals the 8-d length of the segment */
    double len = 0;
    for (int d = 0; d < D; d++)
        len += pow((N - 1) * (d + 1) * 0.1, 2);
    CHECK_NEAR(fabs(x1 - x0), sqrt(len), 1e-3 * sqrt(len));
    CHECK_NEAR(y0, 0, 1e-3);
    CHECK_NEAR(ym, 0, 1e-3);
    /* the axes name the projection */
    CHECK(vz_figure_save(f, "pca.svg") == VZ_OK);
    vz_figure_free(f);
}

/* y = a x + b for curve 0, y = a x^2 for curve 1; params {a, b}. Fails for a > 2.5. */
static int affine(void *ud, int curve, const float *params, int n_params, const float *x, float *y,
                  int n)
{
    int *calls = ud;
    (*calls)++;
    if (n_params != 2) return vz_fail(VZ_ECALLBACK, "affine: expected 2 sliders, got %d", n_params);
    if (params[0] > 2.5f)
        return vz_fail(VZ_ECALLBACK, "affine: a = %g is too steep", (double)params[0]);
    for (int i = 0; i < n; i++)
        y[i] = curve == 0 ? params[0] * x[i] + params[1] : params[0] * x[i] * x[i];
    return 0;
}

static void test_curve_sliders(void)
{
    int calls = 0;
    const char *names[2] = {"a x + b", "a x^2"};
    vz_figure *f = vz_figure_new(1, 1, 640, 480);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_CURVE);
    CHECK(vz_curve_add_slider(p, "a", 0, 3, 1) == 0);
    CHECK(vz_curve_add_slider(p, "b", -1, 1, 0) == 1);
    CHECK(vz_curve_set(p, 2, names, -2, 2, affine, &calls) == VZ_OK);
    CHECK(calls == 2);
    vz_panel_set_title(p, "Sliders");
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    float px, py;
    vz_panel_data_to_pixel(p, 1.5, 1.5, &px, &py); /* on a x + b with a = 1, b = 0 */
    CHECK(color_diff(px_at(s, (int)px, (int)py), vz_palette(0)) <= 12);
    /* move a to 2 by dragging its knob: the line now passes (-1, -2) */
    SDL_Rect t = vz_curve_slider_track(p, 0);
    CHECK(t.w > 50);
    int before = calls;
    SDL_Event e;
    memset(&e, 0, sizeof e);
    e.type = SDL_MOUSEBUTTONDOWN;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = t.x + t.w / 3, e.button.y = t.y + t.h / 2;
    vz_figure_handle_event(f, &e);
    e.type = SDL_MOUSEMOTION;
    e.motion.x = t.x + (t.w * 2) / 3, e.motion.y = t.y + t.h / 2;
    vz_figure_handle_event(f, &e);
    e.type = SDL_MOUSEBUTTONUP;
    vz_figure_handle_event(f, &e);
    CHECK(calls > before);
    CHECK_NEAR(vz_curve_slider(p, 0), 2.0, 3.0 / t.w + 1e-5);
    CHECK(vz_curve_set_slider(p, 0, 2) == VZ_OK);
    CHECK(vz_figure_render(f) == VZ_OK);
    s = vz_figure_surface(f);
    vz_panel_data_to_pixel(p, -1, -2, &px, &py); /* the curves cross at x = 1: look left */
    CHECK(color_diff(px_at(s, (int)px, (int)py), vz_palette(0)) <= 12);
    vz_panel_data_to_pixel(p, -1.5, 4.5, &px, &py); /* on a x^2 */
    CHECK(color_diff(px_at(s, (int)px, (int)py), vz_palette(1)) <= 12);
    CHECK(vz_figure_save(f, "curve.png") == VZ_OK);
    /* a failing callback keeps the last curves and says why */
    CHECK(vz_curve_set_slider(p, 0, 2.9f) == VZ_ECALLBACK);
    CHECK_STR(vz_error(), "affine: a = 2.9 is too steep");
    CHECK(vz_curve_set_slider(p, 5, 1) == VZ_EINVAL);
    CHECK(vz_curve_set_slider(p, 1, NAN) == VZ_EINVAL);
    CHECK(vz_figure_render(f) == VZ_OK);
    CHECK(vz_figure_save(f, "curve_error.png") == VZ_OK);
    vz_figure_free(f);
}

static void test_hist_bar_graph(void)
{
    vz_figure *f = vz_figure_new(1, 3, 1200, 400);
    vz_panel *h = vz_figure_add_panel(f, VZ_PANEL_HIST);
    float v[10] = {0, 0.5f, 1, 1, 2, 2, 2, 3, 3.5f, 4};
    float w[4] = {1, 1.2f, 1.4f, 3};
    CHECK(vz_hist_add(h, "before", v, 10) == 0);
    CHECK(vz_hist_add(h, "after", w, 4) == 1);
    CHECK(vz_hist_set_bins(h, 4) == VZ_OK);
    vz_panel_set_title(h, "Activations");
    vz_panel *b = vz_figure_add_panel(f, VZ_PANEL_BAR);
    float bars[4] = {3, -1, 2, 0.5f};
    const char *labels[4] = {"AUC", "loss", "NDCG", "MRR"};
    CHECK(vz_bar_set(b, bars, 4, labels) == VZ_OK);
    vz_panel_set_title(b, "Bars");
    vz_panel *g = vz_figure_add_panel(f, VZ_PANEL_GRAPH);
    int edges[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 0, 0, 2};
    int walk[] = {0, 2, 3, 4};
    CHECK(vz_graph_set(g, 5, NULL, NULL, edges, 6) == VZ_OK);
    CHECK(vz_graph_set_walk(g, walk, 4) == VZ_OK);
    vz_panel_set_title(g, "Random walk");
    CHECK(vz_figure_add_panel(f, VZ_PANEL_BAR) == NULL);
    CHECK(vz_figure_render(f) == VZ_OK);
    SDL_Surface *s = vz_figure_surface(f);
    /* bins of width 1 over [0, 4]: {0,0.5} {1,1} {2,2,2} {3,3.5,4} */
    int expect[4] = {2, 2, 3, 3}, expect_after[4] = {0, 3, 0, 1};
    for (int i = 0; i < 4; i++) {
        float lo, hi;
        int c;
        CHECK(vz_hist_bin(h, 0, i, &lo, &hi, &c) == VZ_OK && c == expect[i]);
        CHECK_NEAR(lo, i, 1e-6);
        CHECK(vz_hist_bin(h, 1, i, &lo, &hi, &c) == VZ_OK && c == expect_after[i]);
    }
    /* inside the third bin, below its top: the "before" colour blended on white */
    float px, py;
    vz_panel_data_to_pixel(h, 2.5, 1.3, &px, &py); /* clear of the grid lines */
    vz_color c = px_at(s, (int)px, (int)py), want = vz_palette(0);
    /* the two series overlap at 110/255 each; only "before" covers this bin */
    vz_color blended = {(Uint8)(255 + (want.r - 255) * 110 / 255),
                        (Uint8)(255 + (want.g - 255) * 110 / 255),
                        (Uint8)(255 + (want.b - 255) * 110 / 255), 255};
    CHECK(color_diff(c, blended) <= 3);
    /* a bar's middle is the bar colour; the negative bar grows down */
    SDL_Rect a = vz_panel_area(b);
    int x0 = a.x + a.w / 8, x1 = a.x + 3 * a.w / 8;
    int found_up = 0, found_down = 0;
    for (int y = a.y; y < a.y + a.h; y++) {
        found_up += color_diff(px_at(s, x0, y), vz_palette(0)) <= 2;
        found_down += color_diff(px_at(s, x1, y), vz_palette(0)) <= 2;
    }
    CHECK(found_up > found_down * 2 && found_down > 10);
    /* walk nodes are filled peach, the others pale blue */
    float nx, ny;
    CHECK(vz_graph_node_pixel(g, 2, &nx, &ny) == VZ_OK);
    CHECK(color_near(s, nx + 6, ny + 6, 0, (vz_color){250, 220, 190, 255}, 6));
    CHECK(vz_graph_node_pixel(g, 1, &nx, &ny) == VZ_OK);
    CHECK(color_near(s, nx + 6, ny + 6, 0, (vz_color){222, 235, 247, 255}, 6));
    CHECK(vz_figure_save(f, "hist_bar_graph.png") == VZ_OK);
    /* errors */
    CHECK(vz_graph_set_walk(g, (int[]){0, 7}, 2) == VZ_EINVAL);
    CHECK_STR(vz_error(), "walk: step 2 is node 8 (nodes are 1..5)");
    CHECK(vz_bar_set(b, (float[]){1, NAN}, 2, NULL) == VZ_EINVAL);
    CHECK_STR(vz_error(), "bar: value 2 is nan (not finite)");
    CHECK(vz_hist_add(h, "x", (float[]){INFINITY}, 1) == VZ_EINVAL);
    vz_figure_free(f);
}

static void test_grid(void)
{
    /* panels built alone, then moved into one 2 x 2 figure */
    vz_figure *grid = vz_figure_new(2, 2, 1000, 700);
    vz_figure *one = vz_figure_new(1, 1, 400, 300);
    vz_panel *l = vz_figure_add_panel(one, VZ_PANEL_LINE);
    float y[100];
    for (int i = 0; i < 100; i++)
        y[i] = expf(-(float)i / 30.0f) + 0.05f * sinf((float)i);
    vz_line_append(l, vz_line_add_series(l, "train"), NULL, y, 100);
    for (int i = 0; i < 100; i++)
        y[i] += 0.1f;
    vz_line_append(l, vz_line_add_series(l, "valid"), NULL, y, 100);
    vz_panel_set_title(l, "Loss");
    vz_panel_set_xlabel(l, "step");
    CHECK(vz_figure_move_panels(grid, one) == VZ_OK);
    CHECK(vz_figure_n_panels(one) == 0 && vz_figure_n_panels(grid) == 1);
    vz_panel *hm = vz_figure_add_panel(grid, VZ_PANEL_HEATMAP);
    float gates[3 * 4] = {0.7f, 0.1f, 0.1f, 0.1f, 0.2f, 0.5f, 0.2f, 0.1f, 0.1f, 0.1f, 0.3f, 0.5f};
    const char *tasks[3] = {"click", "like", "share"};
    const char *experts[4] = {"e1", "e2", "e3", "e4"};
    vz_heatmap_set(hm, gates, 3, 4, tasks, experts);
    vz_panel_set_title(hm, "MMoE gates");
    vz_panel *sc = vz_figure_add_panel(grid, VZ_PANEL_SCATTER);
    float pts[16] = {0, 0, 1, 0.2f, 0.3f, 1, 2, 2, 2.2f, 1.7f, -1, 0.5f, 0.5f, -0.8f, 1.5f, 1};
    vz_scatter_set(sc, pts, 8, 2, (int[]){0, 0, 0, 1, 1, 0, 0, 1}, NULL);
    vz_scatter_select(sc, 3, 2, VZ_METRIC_EUCLIDEAN);
    vz_panel_set_title(sc, "Neighbours");
    vz_panel *hist = vz_figure_add_panel(grid, VZ_PANEL_HIST);
    float acts[400];
    unsigned seed = 3;
    for (int i = 0; i < 400; i++) {
        seed = seed * 1103515245u + 12345u;
        acts[i] = 3.0f + 2.0f * ((float)((seed >> 8) % 1000) / 500.0f - 1.0f);
    }
    vz_hist_add(hist, "before BN", acts, 400);
    for (int i = 0; i < 400; i++)
        acts[i] = (acts[i] - 3.0f) / 1.15f;
    vz_hist_add(hist, "after BN", acts, 400);
    vz_panel_set_title(hist, "Batch norm");
    CHECK(vz_figure_n_panels(grid) == 4);
    CHECK(vz_figure_move_panels(grid, one) == VZ_OK); /* nothing to move: fine */
    CHECK(vz_figure_render(grid) == VZ_OK);
    /* each panel sits in its quarter */
    SDL_Rect a = vz_panel_area(vz_figure_panel(grid, 3));
    CHECK(a.x >= 500 && a.y >= 350);
    CHECK(vz_figure_save(grid, "grid.png") == VZ_OK);
    CHECK(vz_figure_save(grid, "grid.svg") == VZ_OK); /* parsed by check_svg.py */
    vz_figure_set_presentation(grid, 1);
    CHECK(vz_figure_save(grid, "grid_presentation.png") == VZ_OK);
    vz_figure_free(grid);
    vz_figure_free(one);
}

int main(void)
{
    vz_set_data_dir(".");
    RUN(test_heatmap_order);
    RUN(test_heatmap_large);
    RUN(test_scatter_neighbours);
    RUN(test_scatter_cosine_pca);
    RUN(test_curve_sliders);
    RUN(test_hist_bar_graph);
    RUN(test_grid);
    vz_shutdown();
    return check_report();
}
