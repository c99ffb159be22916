/* Text: the DejaVu fonts shipped in <data dir>/assets/fonts, opened through
 * SDL_ttf on first use (nothing at start-up), one TTF_Font per (size, face),
 * plus the UTF-8 cleaning that keeps SVG well-formed whatever a label holds. */
#include "vz_internal.h"

#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>

#define MAX_FONTS 32

static char data_dir[1024] = ".";
static struct {
    int size, bold;
    TTF_Font *font;
} fonts[MAX_FONTS];
static int n_fonts;
static int ttf_started;

void vz_set_data_dir(const char *dir)
{
    if (dir != NULL) snprintf(data_dir, sizeof data_dir, "%s", dir);
}

/* The font for (size, bold), opened on first use; NULL after vz_fail. */
static TTF_Font *font_get(int size, int bold)
{
    for (int i = 0; i < n_fonts; i++)
        if (fonts[i].size == size && fonts[i].bold == bold) return fonts[i].font;
    if (!ttf_started) {
        if (TTF_Init() != 0) {
            vz_fail(VZ_ESDL, "SDL_ttf could not start: %s", TTF_GetError());
            return NULL;
        }
        ttf_started = 1;
    }
    if (n_fonts == MAX_FONTS) {
        /* a cache, not a registry: start over rather than grow */
        for (int i = 0; i < n_fonts; i++)
            TTF_CloseFont(fonts[i].font);
        n_fonts = 0;
    }
    const char *env = getenv("RECNOTE_DATA_DIR");
    const char *dir = env != NULL && env[0] != '\0' ? env : data_dir;
    char path[1200];
    snprintf(path, sizeof path, "%s/assets/fonts/%s", dir,
             bold ? "DejaVuSans-Bold.ttf" : "DejaVuSans.ttf");
    TTF_Font *font = TTF_OpenFont(path, size);
    if (font == NULL) {
        vz_fail(VZ_ESDL,
                "cannot open the font %s (%s); set RECNOTE_DATA_DIR to the folder "
                "holding assets/fonts",
                path, TTF_GetError());
        return NULL;
    }
    TTF_SetFontHinting(font, TTF_HINTING_LIGHT);
    fonts[n_fonts].size = size;
    fonts[n_fonts].bold = bold;
    fonts[n_fonts].font = font;
    n_fonts++;
    return font;
}

int vz__text_size(const char *s, int size, int bold, int *w, int *h)
{
    *w = *h = 0;
    TTF_Font *font = font_get(size, bold);
    if (font == NULL) return VZ_ESDL;
    if (TTF_SizeUTF8(font, s, w, h) != 0)
        return vz_fail(VZ_ESDL, "cannot measure text \"%.40s\": %s", s, TTF_GetError());
    return VZ_OK;
}

float vz__text_ascent(int size, int bold)
{
    TTF_Font *font = font_get(size, bold);
    return font != NULL ? (float)TTF_FontAscent(font) : (float)size;
}

SDL_Surface *vz__text_render(const char *s, int size, int bold, vz_color color)
{
    TTF_Font *font = font_get(size, bold);
    if (font == NULL) return NULL;
    SDL_Color c = {color.r, color.g, color.b, color.a};
    SDL_Surface *t = TTF_RenderUTF8_Blended(font, s, c);
    if (t == NULL) vz_fail(VZ_ESDL, "cannot render text \"%.40s\": %s", s, TTF_GetError());
    return t;
}

void vz__text_at(vz_dlist *dl, const char *s, float x, float y, int ax, int ay, int size, int bold,
                 vz_color color)
{
    int w = 0, h = 0;
    if (s == NULL || s[0] == '\0') return;
    if (vz__text_size(s, size, bold, &w, &h) != VZ_OK) {
        dl->failed = 1;
        return;
    }
    float cx = x + (ax == 0 ? (float)w / 2 : ax == 2 ? -(float)w / 2 : 0.0f);
    float cy = y + (ay == 0 ? (float)h / 2 : ay == 2 ? -(float)h / 2 : 0.0f);
    vz__dl_text(dl, s, cx, cy, size, bold, 0, color);
}

void vz__text_shutdown(void)
{
    for (int i = 0; i < n_fonts; i++)
        TTF_CloseFont(fonts[i].font);
    n_fonts = 0;
    if (ttf_started) TTF_Quit();
    ttf_started = 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when invalid. */
static int utf8_len(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    int n = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (n == 0 || (s[0] >= 0xF8)) return 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    /* overlong 3-byte forms and UTF-16 surrogates are not valid */
    if (n == 3 && s[0] == 0xE0 && s[1] < 0xA0) return 0;
    if (n == 3 && s[0] == 0xED && s[1] >= 0xA0) return 0;
    if (n == 4 && s[0] == 0xF0 && s[1] < 0x90) return 0;
    if (n == 4 && s[0] == 0xF4 && s[1] >= 0x90) return 0;
    return n;
}

char *vz__utf8_clean(const char *s)
{
    size_t len = strlen(s);
    char *out = malloc(len + 1);
    if (out == NULL) return NULL;
    const unsigned char *p = (const unsigned char *)s;
    size_t j = 0;
    while (*p) {
        int n = utf8_len(p);
        if (n == 0 || (n == 1 && *p < 0x20 && *p != '\t') || (n == 1 && *p == 0x7F)) {
            out[j++] = '?';
            p++;
            continue;
        }
        memcpy(out + j, p, (size_t)n);
        j += (size_t)n;
        p += n;
    }
    out[j] = '\0';
    return out;
}
