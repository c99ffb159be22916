/* Benchmark (not a timed test): redraw time of a line figure holding a
 * million points, and the cost of live plotting in a training-like loop.
 *
 *     SDL_VIDEODRIVER=dummy RECNOTE_DATA_DIR=. build/tests/viz/bench_viz
 *
 * Redraws are what a window pump does: build the display list (decimated to
 * a min/max pair per pixel column) and rasterise it. The live-plotting loop
 * appends one loss per step and redraws at most every 33 ms (30 redraws a
 * second), against the same loop without plotting; it prints the overhead. */
#include "vz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* A fake training step: about a millisecond of dense arithmetic. */
static float step_work(float *w, int n)
{
    float acc = 0;
    for (int r = 0; r < 40; r++)
        for (int i = 0; i < n; i++) {
            w[i] = w[i] * 0.999f + 0.001f * sinf((float)(i + r));
            acc += w[i];
        }
    return acc;
}

int main(void)
{
    enum { N = 1000000, REDRAWS = 30 };
    float *y = malloc(N * sizeof *y);
    if (y == NULL) return 1;
    unsigned seed = 1;
    for (int i = 0; i < N; i++) {
        seed = seed * 1103515245u + 12345u;
        y[i] = expf(-(float)i / 2e5f) + 0.05f * (float)((seed >> 16) % 1000) / 1000.0f;
    }
    vz_figure *f = vz_figure_new(1, 1, 800, 500);
    vz_panel *p = vz_figure_add_panel(f, VZ_PANEL_LINE);
    vz_panel_set_title(p, "1,000,000 points");
    int s = vz_line_add_series(p, "loss");
    double t0 = now();
    if (vz_line_append(p, s, NULL, y, N) != VZ_OK) {
        fprintf(stderr, "%s\n", vz_error());
        return 1;
    }
    double t_append = now() - t0;
    if (vz_figure_render(f) != VZ_OK) { /* warm: fonts, text cache */
        fprintf(stderr, "%s\n", vz_error());
        return 1;
    }
    t0 = now();
    for (int i = 0; i < REDRAWS; i++) {
        vz_panel_zoom(p, 400, 250, i % 2 ? 0.8f : 1.25f); /* a new view each time */
        vz_figure_render(f);
    }
    double t_redraw = (now() - t0) / REDRAWS;
    printf("append 1e6 points: %.1f ms\n", t_append * 1e3);
    printf("redraw 800x500 with 1e6 points: %.2f ms (%.0f redraws/s)\n", t_redraw * 1e3,
           1.0 / t_redraw);
    vz_figure_save(f, "bench_million.png");

    /* live plotting in a training-like loop */
    enum { STEPS = 3000, W = 4096 };
    float *w = calloc(W, sizeof *w);
    float sink = 0;
    t0 = now();
    for (int i = 0; i < STEPS; i++)
        sink += step_work(w, W);
    double t_plain = now() - t0;
    vz_figure *g = vz_figure_new(1, 1, 800, 500);
    vz_panel *q = vz_figure_add_panel(g, VZ_PANEL_LINE);
    int ls = vz_line_add_series(q, "loss");
    double last = 0;
    int redraws = 0;
    t0 = now();
    for (int i = 0; i < STEPS; i++) {
        float loss = step_work(w, W) * 1e-4f;
        sink += loss;
        vz_line_append(q, ls, NULL, &loss, 1);
        vz_pump_maybe();
        double t = now();
        if (t - last >= 0.033) { /* what the pump does for a window, 30 times a second */
            vz_figure_render(g);
            last = t;
            redraws++;
        }
    }
    double t_live = now() - t0;
    printf("training-like loop, %d steps: %.0f ms plain, %.0f ms with live plot "
           "(%d redraws): overhead %.1f%%\n",
           STEPS, t_plain * 1e3, t_live * 1e3, redraws, 100.0 * (t_live - t_plain) / t_plain);
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    vz_figure_free(g);
    vz_figure_free(f);
    vz_shutdown();
    free(w);
    free(y);
    return 0;
}
