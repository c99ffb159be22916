/* The display list: a flat array of draw commands with their polyline points
 * and strings in side arrays, so that one render allocates a handful of
 * growing buffers and reuses them on the next. An allocation failure sets
 * `failed` and later appends are dropped; the figure reports it once. Also
 * here: the error message and the colours, which every other file uses. */
#include "vz_internal.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- errors --------------------------------------------------------------- */

static char error_msg[512] = "no error";

const char *vz_error(void)
{
    return error_msg;
}

int vz_fail(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(error_msg, sizeof error_msg, fmt, ap);
    va_end(ap);
    return code;
}

/* ---- colours ---------------------------------------------------------------- */

const vz_color vz__ink = {34, 34, 34, 255};
const vz_color vz__grey = {110, 110, 110, 255};
const vz_color vz__grid = {228, 228, 228, 255};
const vz_color vz__white = {255, 255, 255, 255};

vz_color vz_palette(int i)
{
    /* Okabe & Ito (2008), in an order that keeps the first colours far apart;
     * yellow is last, as it is faint on white. */
    static const vz_color okabe_ito[8] = {
        {0, 114, 178, 255},   /* blue */
        {230, 159, 0, 255},   /* orange */
        {0, 158, 115, 255},   /* bluish green */
        {213, 94, 0, 255},    /* vermillion */
        {204, 121, 167, 255}, /* reddish purple */
        {86, 180, 233, 255},  /* sky blue */
        {0, 0, 0, 255},       /* black */
        {240, 228, 66, 255},  /* yellow */
    };
    if (i < 0) i = -i;
    return okabe_ito[i % 8];
}

vz_color vz_colormap(float t)
{
    /* viridis (matplotlib, van der Walt & Smith), sampled at 9 stops. */
    static const uint8_t stops[9][3] = {
        {68, 1, 84},    {71, 44, 122}, {59, 81, 139},  {44, 113, 142}, {33, 144, 141},
        {39, 173, 129}, {92, 200, 99}, {170, 220, 50}, {253, 231, 37},
    };
    if (!(t > 0.0f)) t = 0.0f;
    if (t > 1.0f) t = 1.0f;
    float u = t * 8.0f;
    int i = (int)u;
    if (i >= 8) i = 7;
    float f = u - (float)i;
    vz_color c;
    c.r = (uint8_t)lroundf((float)stops[i][0] + f * (float)(stops[i + 1][0] - stops[i][0]));
    c.g = (uint8_t)lroundf((float)stops[i][1] + f * (float)(stops[i + 1][1] - stops[i][1]));
    c.b = (uint8_t)lroundf((float)stops[i][2] + f * (float)(stops[i + 1][2] - stops[i][2]));
    c.a = 255;
    return c;
}

/* ---- display list ----------------------------------------------------------- */

/* Grows *buf to hold need items of size sz; 0 ok, -1 when out of memory. */
static int grow(void **buf, size_t *cap, size_t need, size_t sz)
{
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *p = realloc(*buf, n * sz);
    if (p == NULL) return -1;
    *buf = p;
    *cap = n;
    return 0;
}

static vz_cmd *push(vz_dlist *dl, vz_cmd_kind kind)
{
    if (dl->failed || grow((void **)&dl->cmds, &dl->cap_cmds, dl->n_cmds + 1, sizeof(vz_cmd))) {
        dl->failed = 1;
        return NULL;
    }
    vz_cmd *c = &dl->cmds[dl->n_cmds++];
    memset(c, 0, sizeof *c);
    c->kind = kind;
    return c;
}

static size_t push_string(vz_dlist *dl, const char *s)
{
    size_t len = strlen(s) + 1;
    if (dl->failed || grow((void **)&dl->chars, &dl->cap_chars, dl->n_chars + len, 1)) {
        dl->failed = 1;
        return 0;
    }
    memcpy(dl->chars + dl->n_chars, s, len);
    dl->n_chars += len;
    return dl->n_chars - len;
}

void vz__dl_reset(vz_dlist *dl)
{
    dl->n_cmds = dl->n_pts = dl->n_chars = 0;
    dl->failed = 0;
}

void vz__dl_free(vz_dlist *dl)
{
    free(dl->cmds);
    free(dl->pts);
    free(dl->chars);
    memset(dl, 0, sizeof *dl);
}

void vz__dl_rect(vz_dlist *dl, float x, float y, float w, float h, vz_color fill)
{
    if (w <= 0 || h <= 0) return;
    vz_cmd *c = push(dl, VZ_CMD_RECT);
    if (c == NULL) return;
    c->x = x, c->y = y, c->w = w, c->h = h;
    c->fill = fill;
}

size_t vz__dl_line_begin(vz_dlist *dl, float width, vz_color color)
{
    vz_cmd *c = push(dl, VZ_CMD_LINE);
    if (c == NULL) return (size_t)-1;
    c->width = width;
    c->color = color;
    c->pt = dl->n_pts / 2;
    return dl->n_cmds - 1;
}

void vz__dl_point(vz_dlist *dl, size_t cmd, float x, float y)
{
    if (cmd == (size_t)-1 || dl->failed) return;
    if (grow((void **)&dl->pts, &dl->cap_pts, dl->n_pts + 2, sizeof(float))) {
        dl->failed = 1;
        return;
    }
    vz_cmd *c = &dl->cmds[cmd];
    /* a point equal to the previous one adds nothing but work */
    if (c->n > 0 && dl->pts[dl->n_pts - 2] == x && dl->pts[dl->n_pts - 1] == y) return;
    dl->pts[dl->n_pts++] = x;
    dl->pts[dl->n_pts++] = y;
    c->n++;
}

void vz__dl_segment(vz_dlist *dl, float x0, float y0, float x1, float y1, float width,
                    vz_color color)
{
    size_t c = vz__dl_line_begin(dl, width, color);
    vz__dl_point(dl, c, x0, y0);
    vz__dl_point(dl, c, x1, y1);
}

void vz__dl_circle(vz_dlist *dl, float x, float y, float r, vz_color fill, float width,
                   vz_color stroke)
{
    vz_cmd *c = push(dl, VZ_CMD_CIRCLE);
    if (c == NULL) return;
    c->x = x, c->y = y, c->r = r;
    c->fill = fill;
    c->width = width;
    c->color = stroke;
}

void vz__dl_text(vz_dlist *dl, const char *s, float cx, float cy, int size, int bold, int angle,
                 vz_color color)
{
    if (s == NULL || s[0] == '\0') return;
    int w = 0, h = 0;
    if (vz__text_size(s, size, bold, &w, &h) != VZ_OK) {
        dl->failed = 1;
        return;
    }
    size_t off = push_string(dl, s);
    vz_cmd *c = push(dl, VZ_CMD_TEXT);
    if (c == NULL) return;
    c->x = cx, c->y = cy, c->w = (float)w, c->h = (float)h;
    c->text = off;
    c->size = size;
    c->bold = bold;
    c->angle = angle;
    c->color = color;
    c->ascent = vz__text_ascent(size, bold);
}

void vz__dl_clip(vz_dlist *dl, float x, float y, float w, float h)
{
    vz_cmd *c = push(dl, VZ_CMD_CLIP);
    if (c == NULL) return;
    c->x = x, c->y = y, c->w = w, c->h = h;
}

void vz__dl_group(vz_dlist *dl, const char *cls, const char *name)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s:%s", cls, name ? name : "");
    size_t off = push_string(dl, buf);
    vz_cmd *c = push(dl, VZ_CMD_GROUP);
    if (c != NULL) c->text = off;
}

void vz__dl_end_group(vz_dlist *dl)
{
    push(dl, VZ_CMD_END_GROUP);
}
