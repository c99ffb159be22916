/* The rasteriser: draws a display list into an opaque XRGB8888 SDL_Surface.
 *
 * Filled rects, clips and text go through SDL's software renderer
 * (SDL_CreateSoftwareRenderer on the canvas surface). SDL renderers draw
 * aliased lines only, so polylines and circles are rasterised here, on the
 * same surface, from exact coverage: a pixel's coverage is how far its centre
 * lies inside the stroke (distance to the segment against half the width,
 * with a one-pixel ramp). A polyline's coverage is gathered in a scratch
 * buffer with max() over its segments and composited once, so joints do not
 * darken where segments overlap. The renderer batches its work, so it is
 * flushed before touching pixels directly.
 *
 * A window shows this surface and a PNG saves it: there is one path. */
#include "vz_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_CACHE 512

struct vz__canvas {
    SDL_Surface *surf;
    SDL_Renderer *ren;
    SDL_Rect clip; /* the current clip, always within the surface */
    uint8_t *cov;
    size_t cov_cap;
    struct {
        char *s;
        int size, bold;
        vz_color color;
        SDL_Texture *tex;
        int w, h;
    } text[TEXT_CACHE];
};

vz__canvas *vz__canvas_new(int w, int h)
{
    vz__canvas *c = calloc(1, sizeof *c);
    if (c == NULL) {
        vz_fail(VZ_ENOMEM, "out of memory for a %dx%d figure", w, h);
        return NULL;
    }
    /* no alpha channel: every pixel is opaque, so a blit to a window copies
     * and a PNG holds exactly the colours seen (text blending never leaves a
     * translucent pixel behind) */
    c->surf = SDL_CreateRGBSurfaceWithFormat(0, w, h, 32, SDL_PIXELFORMAT_XRGB8888);
    if (c->surf == NULL) {
        vz_fail(VZ_ESDL, "cannot create a %dx%d surface: %s", w, h, SDL_GetError());
        free(c);
        return NULL;
    }
    SDL_SetSurfaceBlendMode(c->surf, SDL_BLENDMODE_NONE);
    c->ren = SDL_CreateSoftwareRenderer(c->surf);
    if (c->ren == NULL) {
        vz_fail(VZ_ESDL, "cannot create SDL's software renderer: %s", SDL_GetError());
        SDL_FreeSurface(c->surf);
        free(c);
        return NULL;
    }
    c->clip = (SDL_Rect){0, 0, w, h};
    return c;
}

void vz__canvas_free(vz__canvas *c)
{
    if (c == NULL) return;
    for (int i = 0; i < TEXT_CACHE; i++) {
        free(c->text[i].s);
        if (c->text[i].tex != NULL) SDL_DestroyTexture(c->text[i].tex);
    }
    SDL_DestroyRenderer(c->ren);
    SDL_FreeSurface(c->surf);
    free(c->cov);
    free(c);
}

SDL_Surface *vz__canvas_surface(vz__canvas *c)
{
    return c->surf;
}

/* ---- coverage rasterising --------------------------------------------------- */

/* Blends colour col with coverage a (0..1, premultiplied by col.a) into pixel p. */
static inline void blend(uint32_t *p, vz_color col, float a)
{
    if (a <= 0.0f) return;
    a *= (float)col.a / 255.0f;
    if (a > 1.0f) a = 1.0f;
    uint32_t d = *p;
    float dr = (float)((d >> 16) & 0xFF), dg = (float)((d >> 8) & 0xFF), db = (float)(d & 0xFF);
    uint32_t r = (uint32_t)(dr + ((float)col.r - dr) * a + 0.5f);
    uint32_t g = (uint32_t)(dg + ((float)col.g - dg) * a + 0.5f);
    uint32_t b = (uint32_t)(db + ((float)col.b - db) * a + 0.5f);
    *p = 0xFF000000u | (r << 16) | (g << 8) | b;
}

static inline uint32_t *pixel(SDL_Surface *s, int x, int y)
{
    return (uint32_t *)((uint8_t *)s->pixels + (size_t)y * (size_t)s->pitch) + x;
}

/* The integer box [x0, x1) x [y0, y1) of a float box grown by pad, within the clip. */
static int box(const vz__canvas *c, float fx0, float fy0, float fx1, float fy1, float pad, int *x0,
               int *y0, int *x1, int *y1)
{
    *x0 = (int)floorf(vz__clampf(fx0 - pad)), *y0 = (int)floorf(vz__clampf(fy0 - pad));
    *x1 = (int)ceilf(vz__clampf(fx1 + pad)) + 1, *y1 = (int)ceilf(vz__clampf(fy1 + pad)) + 1;
    if (*x0 < c->clip.x) *x0 = c->clip.x;
    if (*y0 < c->clip.y) *y0 = c->clip.y;
    if (*x1 > c->clip.x + c->clip.w) *x1 = c->clip.x + c->clip.w;
    if (*y1 > c->clip.y + c->clip.h) *y1 = c->clip.y + c->clip.h;
    return *x0 < *x1 && *y0 < *y1;
}

static int draw_polyline(vz__canvas *c, const float *pts, size_t n, float width, vz_color col)
{
    if (n == 0) return VZ_OK;
    float hw = width / 2;
    float minx = pts[0], maxx = pts[0], miny = pts[1], maxy = pts[1];
    for (size_t i = 1; i < n; i++) {
        minx = fminf(minx, pts[2 * i]), maxx = fmaxf(maxx, pts[2 * i]);
        miny = fminf(miny, pts[2 * i + 1]), maxy = fmaxf(maxy, pts[2 * i + 1]);
    }
    int bx0, by0, bx1, by1;
    if (!box(c, minx, miny, maxx, maxy, hw + 1, &bx0, &by0, &bx1, &by1)) return VZ_OK;
    size_t bw = (size_t)(bx1 - bx0), bh = (size_t)(by1 - by0);
    if (bw * bh > c->cov_cap) {
        uint8_t *p = realloc(c->cov, bw * bh);
        if (p == NULL) return vz_fail(VZ_ENOMEM, "out of memory drawing a line");
        c->cov = p;
        c->cov_cap = bw * bh;
    }
    memset(c->cov, 0, bw * bh);
    /* Thin strokes keep a one-pixel footprint and fade instead. */
    float fade = width < 1.0f ? width : 1.0f;
    float r = hw < 0.5f ? 0.5f : hw;
    size_t n_seg = n == 1 ? 1 : n - 1;
    for (size_t s = 0; s < n_seg; s++) {
        float ax = pts[2 * s], ay = pts[2 * s + 1];
        float bx = n == 1 ? ax : pts[2 * s + 2], by = n == 1 ? ay : pts[2 * s + 3];
        int x0, y0, x1, y1;
        if (!box(c, fminf(ax, bx), fminf(ay, by), fmaxf(ax, bx), fmaxf(ay, by), r + 1, &x0, &y0,
                 &x1, &y1))
            continue;
        float dx = bx - ax, dy = by - ay;
        float len2 = dx * dx + dy * dy;
        float inv = len2 > 0 ? 1.0f / len2 : 0.0f;
        for (int y = y0; y < y1; y++) {
            float py = (float)y + 0.5f - ay;
            uint8_t *row = c->cov + (size_t)(y - by0) * bw - (size_t)bx0;
            for (int x = x0; x < x1; x++) {
                float px = (float)x + 0.5f - ax;
                /* distance from the pixel centre to the segment */
                float t = (px * dx + py * dy) * inv;
                t = t < 0 ? 0 : t > 1 ? 1 : t;
                float ex = px - t * dx, ey = py - t * dy;
                float d = sqrtf(ex * ex + ey * ey);
                float a = r + 0.5f - d;
                if (a <= 0) continue;
                uint8_t v = (uint8_t)((a >= 1 ? 1.0f : a) * fade * 255.0f + 0.5f);
                if (v > row[x]) row[x] = v;
            }
        }
    }
    for (int y = by0; y < by1; y++) {
        const uint8_t *row = c->cov + (size_t)(y - by0) * bw;
        uint32_t *out = pixel(c->surf, bx0, y);
        for (size_t x = 0; x < bw; x++)
            if (row[x]) blend(&out[x], col, (float)row[x] / 255.0f);
    }
    return VZ_OK;
}

static void draw_circle(vz__canvas *c, const vz_cmd *cmd)
{
    float r = cmd->r, hw = cmd->width / 2;
    int x0, y0, x1, y1;
    if (!box(c, cmd->x, cmd->y, cmd->x, cmd->y, r + hw + 1, &x0, &y0, &x1, &y1)) return;
    for (int y = y0; y < y1; y++) {
        float dy = (float)y + 0.5f - cmd->y;
        uint32_t *row = pixel(c->surf, 0, y);
        for (int x = x0; x < x1; x++) {
            float dx = (float)x + 0.5f - cmd->x;
            float d = sqrtf(dx * dx + dy * dy);
            float a = r + 0.5f - d;
            if (a > 0 && cmd->fill.a > 0) blend(&row[x], cmd->fill, a > 1 ? 1 : a);
            if (hw > 0 && cmd->color.a > 0) {
                float e = hw + 0.5f - fabsf(d - r);
                if (e > 0) blend(&row[x], cmd->color, e > 1 ? 1 : e);
            }
        }
    }
}

/* ---- text ------------------------------------------------------------------- */

static unsigned hash_text(const char *s, int size, int bold, vz_color col)
{
    unsigned h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        h = (h ^ *p) * 16777619u;
    h = (h ^ (unsigned)size) * 16777619u;
    h = (h ^ (unsigned)bold) * 16777619u;
    h = (h ^ ((unsigned)col.r << 24 | (unsigned)col.g << 16 | (unsigned)col.b << 8 | col.a)) *
        16777619u;
    return h;
}

/* The cached texture of a text command (made on a miss). NULL after vz_fail. */
static SDL_Texture *text_texture(vz__canvas *c, const char *s, const vz_cmd *cmd)
{
    unsigned slot = hash_text(s, cmd->size, cmd->bold, cmd->color) % TEXT_CACHE;
    if (c->text[slot].s != NULL && c->text[slot].size == cmd->size &&
        c->text[slot].bold == cmd->bold &&
        !memcmp(&c->text[slot].color, &cmd->color, sizeof cmd->color) &&
        strcmp(c->text[slot].s, s) == 0)
        return c->text[slot].tex;
    SDL_Surface *t = vz__text_render(s, cmd->size, cmd->bold, cmd->color);
    if (t == NULL) return NULL;
    SDL_Texture *tex = SDL_CreateTextureFromSurface(c->ren, t);
    SDL_FreeSurface(t);
    char *copy = strdup(s);
    if (tex == NULL || copy == NULL) {
        if (tex != NULL) SDL_DestroyTexture(tex);
        free(copy);
        vz_fail(VZ_ESDL, "cannot make a texture for text: %s", SDL_GetError());
        return NULL;
    }
    SDL_SetTextureBlendMode(tex, SDL_BLENDMODE_BLEND);
    free(c->text[slot].s);
    if (c->text[slot].tex != NULL) SDL_DestroyTexture(c->text[slot].tex);
    c->text[slot].s = copy;
    c->text[slot].size = cmd->size;
    c->text[slot].bold = cmd->bold;
    c->text[slot].color = cmd->color;
    c->text[slot].tex = tex;
    return tex;
}

/* ---- the display list ----------------------------------------------------------- */

int vz__canvas_draw(vz__canvas *c, const vz_dlist *dl)
{
    SDL_Renderer *ren = c->ren;
    int status = VZ_OK;
    c->clip = (SDL_Rect){0, 0, c->surf->w, c->surf->h};
    SDL_RenderSetClipRect(ren, NULL);
    SDL_SetRenderDrawBlendMode(ren, SDL_BLENDMODE_BLEND);
    int flushed = 1; /* no renderer work is queued */
    for (size_t i = 0; i < dl->n_cmds && status == VZ_OK; i++) {
        const vz_cmd *cmd = &dl->cmds[i];
        switch (cmd->kind) {
        case VZ_CMD_RECT: {
            /* rects are laid out on whole pixels, so rounding keeps cells abutting */
            int x0 = (int)lroundf(vz__clampf(cmd->x)), y0 = (int)lroundf(vz__clampf(cmd->y));
            int x1 = (int)lroundf(vz__clampf(cmd->x + cmd->w));
            int y1 = (int)lroundf(vz__clampf(cmd->y + cmd->h));
            SDL_Rect r = {x0, y0, x1 - x0, y1 - y0};
            if (r.w <= 0 || r.h <= 0) break;
            SDL_SetRenderDrawColor(ren, cmd->fill.r, cmd->fill.g, cmd->fill.b, cmd->fill.a);
            SDL_SetRenderDrawBlendMode(ren, cmd->fill.a == 255 ? SDL_BLENDMODE_NONE
                                                               : SDL_BLENDMODE_BLEND);
            if (SDL_RenderFillRect(ren, &r) != 0)
                status = vz_fail(VZ_ESDL, "cannot fill a rect: %s", SDL_GetError());
            flushed = 0;
            break;
        }
        case VZ_CMD_LINE:
        case VZ_CMD_CIRCLE:
            if (!flushed) {
                SDL_RenderFlush(ren);
                flushed = 1;
            }
            if (cmd->kind == VZ_CMD_LINE)
                status = draw_polyline(c, dl->pts + 2 * cmd->pt, cmd->n, cmd->width, cmd->color);
            else
                draw_circle(c, cmd);
            break;
        case VZ_CMD_TEXT: {
            SDL_Texture *tex = text_texture(c, dl->chars + cmd->text, cmd);
            if (tex == NULL) {
                status = VZ_ESDL;
                break;
            }
            /* whole pixels keep glyphs as crisp as SDL_ttf drew them */
            SDL_Rect dst = {(int)lroundf(vz__clampf(cmd->x - cmd->w / 2)),
                            (int)lroundf(vz__clampf(cmd->y - cmd->h / 2)), (int)cmd->w,
                            (int)cmd->h};
            int rc = cmd->angle == 0
                         ? SDL_RenderCopy(ren, tex, NULL, &dst)
                         : SDL_RenderCopyEx(ren, tex, NULL, &dst, cmd->angle, NULL, SDL_FLIP_NONE);
            if (rc != 0) status = vz_fail(VZ_ESDL, "cannot draw text: %s", SDL_GetError());
            flushed = 0;
            break;
        }
        case VZ_CMD_CLIP:
            if (!flushed) {
                SDL_RenderFlush(ren);
                flushed = 1;
            }
            if (cmd->w <= 0) {
                c->clip = (SDL_Rect){0, 0, c->surf->w, c->surf->h};
                SDL_RenderSetClipRect(ren, NULL);
            } else {
                SDL_Rect r = {(int)lroundf(vz__clampf(cmd->x)), (int)lroundf(vz__clampf(cmd->y)),
                              (int)lroundf(vz__clampf(cmd->w)), (int)lroundf(vz__clampf(cmd->h))};
                SDL_Rect all = {0, 0, c->surf->w, c->surf->h};
                if (!SDL_IntersectRect(&r, &all, &c->clip)) c->clip = (SDL_Rect){0, 0, 0, 0};
                SDL_RenderSetClipRect(ren, &c->clip);
            }
            break;
        case VZ_CMD_GROUP:
        case VZ_CMD_END_GROUP:
            break;
        }
    }
    SDL_RenderFlush(ren);
    return status;
}
