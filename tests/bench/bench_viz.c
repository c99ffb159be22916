/* Benchmark (not a timed test): redraw time of a line figure holding a
 * million points, and the cost of live plotting in a training-like loop.
 *
 *     SDL_VIDEODRIVER=dummy RECNOTE_DATA_DIR=. build/tests/viz/bench_viz
 *
 * Redraws are what a window pump does: build the display list (decimated to
 * a min/max pair per pixel column) and rasterise it. The live-plotting loop
 * appends one loss per step and pumps through vz_pump_maybe's rate rule,
 * against the same loop without plotting, and prints the overhead; under
 * xvfb-run it pumps a real window. */
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

    /* live plotting in a training-like loop: with a display (run it under
     * xvfb-run) the figure has a real window and the loop calls vz_pump_maybe;
     * headless, the same rate rule drives offscreen redraws */
    enum { STEPS = 3000, W = 4096 };
    float *w = calloc(W, sizeof *w);
    float sink = 0;
    t0 = now();
    for (int i = 0; i < STEPS; i++)
        sink += step_work(w, W);
    double t_plain = now() - t0;
    const char *why;
    int windowed = !vz_headless(&why);
    for (int preload = 0; preload <= 1; preload++) {
        vz_figure *g = vz_figure_new(1, 1, 800, 500);
        vz_panel *q = vz_figure_add_panel(g, VZ_PANEL_LINE);
        vz_panel_set_title(q, "live loss");
        int ls = vz_line_add_series(q, "loss");
        if (preload) /* a series that already holds a million points */
            vz_line_append(q, ls, NULL, y, N);
        if (windowed) {
            vz_figure_show(g);
            vz_pump();
        }
        double next = 0, pump_time = 0;
        int redraws = 0;
        t0 = now();
        for (int i = 0; i < STEPS; i++) {
            float loss = step_work(w, W) * 1e-4f;
            sink += loss;
            vz_line_append(q, ls, NULL, &loss, 1);
            if (windowed) {
                double t = now();
                vz_pump_maybe();
                pump_time += now() - t;
                continue;
            }
            double t = now();
            if (t >= next) { /* vz_pump_maybe's rule: 30 ms, or 60 x the redraw */
                vz_figure_render(g);
                redraws++;
                double cost = now() - t;
                pump_time += cost;
                next = t + cost + (cost * 60 > 0.030 ? cost * 60 : 0.030);
            }
        }
        double t_live = now() - t0;
        printf("training-like loop, %d steps, %s%s: %.0f ms plain, %.0f ms live: overhead "
               "%.1f%%\n",
               STEPS, windowed ? "real window" : "offscreen redraws",
               preload ? ", series preloaded with 1e6 points" : "", t_plain * 1e3, t_live * 1e3,
               100.0 * (t_live - t_plain) / t_plain);
        /* wall-clock overhead is noisy on a shared machine; the time spent
         * plotting is the number to trust */
        printf("  time spent plotting: %.0f ms = %.1f%% of the live loop", pump_time * 1e3,
               100.0 * pump_time / t_live);
        if (windowed)
            printf(" (inside vz_pump_maybe)\n");
        else
            printf(" (%d redraws)\n", redraws);
        vz_figure_free(g);
    }
    fprintf(stderr, "(checksum %g)\n", (double)sink);
    vz_figure_free(f);
    vz_shutdown();
    free(w);
    free(y);
    return 0;
}
