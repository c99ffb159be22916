/* The figures a cell drew.
 *
 * After every cell the REPL calls the cell-end hooks of lua/host.h (rec.plot
 * registers one once loaded) with a path prefix in the figure folder; each
 * hook saves what the cell drew or changed as PNG files and returns their
 * paths, which the cell keeps. `recnote --run` points the folder at the
 * output notebook's <name>_files/; an interactive session uses a private
 * temporary folder, removed at exit, from which :save copies the files. */
#include "repl.h"
#include "files.h"
#include "host.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>

static strbuf temp_dir; /* the session's temporary folder, once made */

/* The folder figures go to, made on first use; NULL when none can be made. */
static const char *figure_dir(repl *r)
{
    if (r->figure_dir != NULL) return files_mkdirs(r->figure_dir) == 0 ? r->figure_dir : NULL;
    if (temp_dir.len == 0) {
        const char *tmp = getenv("TMPDIR");
        sb_printf(&temp_dir, "%s/recnote-%ld-XXXXXX", tmp && *tmp ? tmp : "/tmp", (long)getpid());
        if (mkdtemp(temp_dir.s) == NULL) {
            sb_clear(&temp_dir);
            return NULL;
        }
    }
    return sb_str(&temp_dir);
}

/* Has any module registered a cell-end hook? (Cheap: no folder before one.) */
static int have_hooks(lua_State *L)
{
    int t = lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_CELL_END);
    int any = 0;
    if (t == LUA_TTABLE) {
        lua_pushnil(L);
        if (lua_next(L, -2) != 0) {
            any = 1;
            lua_pop(L, 2);
        }
    }
    lua_pop(L, 1);
    return any;
}

char *repl_cell_figures(repl *r, int number, int *failed)
{
    lua_State *L = r->L;
    *failed = 0;
    if (r->no_figures || !have_hooks(L)) return NULL;
    const char *dir = figure_dir(r);
    if (dir == NULL) return NULL;
    strbuf prefix = {0}, paths = {0};
    sb_printf(&prefix, "%s/cell-%d", dir, number);
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_CELL_END);
    int hooks = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, hooks) != 0) {
        lua_pushstring(L, sb_str(&prefix));
        if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
            repl_errf("saving the figures of cell [%d] failed: %s\n", number, lua_tostring(L, -1));
            *failed = 1;
        } else if (lua_type(L, -1) == LUA_TTABLE) {
            lua_Integer n = luaL_len(L, -1);
            for (lua_Integer i = 1; i <= n; i++) {
                if (lua_rawgeti(L, -1, i) == LUA_TSTRING)
                    sb_printf(&paths, "%s\n", lua_tostring(L, -1));
                lua_pop(L, 1);
            }
        }
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    sb_free(&prefix);
    if (paths.len == 0) {
        sb_free(&paths);
        return NULL;
    }
    return paths.s; /* the caller owns it */
}

void repl_figure_links(const char *paths, const char *rel_dir, strbuf *md)
{
    for (const char *p = paths; p != NULL && *p;) {
        size_t n = strcspn(p, "\n");
        const char *base = p;
        for (const char *q = p; q < p + n; q++)
            if (*q == '/') base = q + 1;
        sb_printf(md, "![figure](%s%.*s)\n\n", rel_dir, (int)(n - (size_t)(base - p)), base);
        p += n;
        if (*p == '\n') p++;
    }
}

void repl_figures_cleanup(void)
{
    if (temp_dir.len == 0) return;
    DIR *d = opendir(sb_str(&temp_dir));
    if (d != NULL) {
        struct dirent *e;
        strbuf path = {0};
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
            sb_clear(&path);
            sb_printf(&path, "%s/%s", sb_str(&temp_dir), e->d_name);
            remove(sb_str(&path));
        }
        sb_free(&path);
        closedir(d);
    }
    rmdir(sb_str(&temp_dir));
    sb_free(&temp_dir);
}
