/* pngdiff: how far apart two PNGs of the same size are, for the test that
 * renders a figure's SVG with another renderer (rsvg-convert) and compares it
 * with the figure's own PNG.
 *
 *     pngdiff a.png b.png MAX_MEAN MAX_FAR_PERCENT
 *
 * Prints the mean absolute channel difference and the share of pixels whose
 * largest channel difference exceeds 64; exits 0 when both are within bounds. */
#include <stdio.h>
#include <stdlib.h>

#include <SDL.h>
#include <SDL_image.h>

static SDL_Surface *load(const char *path)
{
    SDL_Surface *s = IMG_Load(path), *c = NULL;
    if (s != NULL) c = SDL_ConvertSurfaceFormat(s, SDL_PIXELFORMAT_XRGB8888, 0);
    SDL_FreeSurface(s);
    if (c == NULL) fprintf(stderr, "pngdiff: cannot read %s: %s\n", path, IMG_GetError());
    return c;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: pngdiff A.png B.png MAX_MEAN MAX_FAR_PERCENT\n");
        return 2;
    }
    SDL_Surface *a = load(argv[1]), *b = load(argv[2]);
    if (a == NULL || b == NULL) return 2;
    if (a->w != b->w || a->h != b->h) {
        printf("sizes differ: %dx%d and %dx%d\n", a->w, a->h, b->w, b->h);
        return 1;
    }
    double sum = 0;
    long far = 0;
    for (int y = 0; y < a->h; y++) {
        const Uint32 *ra = (const Uint32 *)((const Uint8 *)a->pixels + (size_t)y * a->pitch);
        const Uint32 *rb = (const Uint32 *)((const Uint8 *)b->pixels + (size_t)y * b->pitch);
        for (int x = 0; x < a->w; x++) {
            int worst = 0;
            for (int sh = 0; sh < 24; sh += 8) {
                int d = abs((int)((ra[x] >> sh) & 0xFF) - (int)((rb[x] >> sh) & 0xFF));
                sum += d;
                worst = d > worst ? d : worst;
            }
            far += worst > 64;
        }
    }
    double mean = sum / (3.0 * a->w * a->h), pct = 100.0 * (double)far / ((double)a->w * a->h);
    printf("mean channel difference %.2f, %.2f%% of pixels differ by more than 64\n", mean, pct);
    SDL_FreeSurface(a);
    SDL_FreeSurface(b);
    return mean <= atof(argv[3]) && pct <= atof(argv[4]) ? 0 : 1;
}
