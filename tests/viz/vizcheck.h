/* Helpers for the viz tests: read pixels of a rendered figure, compare
 * colours within a tolerance, count ink in a box. */
#ifndef TESTS_VIZCHECK_H
#define TESTS_VIZCHECK_H

#include "check.h"
#include "vz.h"

#include <stdlib.h>

static inline vz_color px_at(SDL_Surface *s, int x, int y)
{
    vz_color c = {0, 0, 0, 0};
    if (s == NULL || x < 0 || y < 0 || x >= s->w || y >= s->h) return c;
    Uint32 v = ((Uint32 *)((Uint8 *)s->pixels + (size_t)y * (size_t)s->pitch))[x];
    c.r = (Uint8)(v >> 16), c.g = (Uint8)(v >> 8), c.b = (Uint8)v, c.a = 255;
    return c;
}

/* Largest channel difference. */
static inline int color_diff(vz_color a, vz_color b)
{
    int d = abs(a.r - b.r), e = abs(a.g - b.g), f = abs(a.b - b.b);
    return d > e ? (d > f ? d : f) : (e > f ? e : f);
}

/* Is there a pixel within radius r of (x, y) of colour c (tolerance tol)? */
static inline int color_near(SDL_Surface *s, float x, float y, int r, vz_color c, int tol)
{
    for (int dy = -r; dy <= r; dy++)
        for (int dx = -r; dx <= r; dx++)
            if (color_diff(px_at(s, (int)x + dx, (int)y + dy), c) <= tol) return 1;
    return 0;
}

/* Pixels in the box that are not white. */
static inline int ink_in(SDL_Surface *s, int x0, int y0, int w, int h)
{
    int n = 0;
    vz_color white = {255, 255, 255, 255};
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++)
            n += color_diff(px_at(s, x, y), white) > 40;
    return n;
}

static inline float luminance(vz_color c)
{
    return 0.2126f * (float)c.r + 0.7152f * (float)c.g + 0.0722f * (float)c.b;
}

#endif
