/* The Lua state of the REPL.
 *
 * Besides the standard libraries it holds: the host keys of lua/host.h (the
 * Ctrl-C flag lent to the engine, idle hooks, headless, data folder), the
 * global help, a print that the notebook captures, Out and _, the repl table,
 * and `rec`, which stays an empty proxy until first touched: loading rec.so
 * pulls in OpenBLAS and SDL, several times the cost of starting Lua itself. */
#include "repl.h"
#include "host.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#ifndef RECNOTE_DATA_DIR
#define RECNOTE_DATA_DIR "."
#endif

/* print(...): as Lua's, through repl_out so that the notebook sees it. */
static int repl_print(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '\n');
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    repl_out(s, len);
    return 0;
}

/* repl.on_idle(name, fn | nil) */
static int repl_on_idle(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    if (!lua_isnil(L, 2)) luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_settop(L, 2);
    rec_host_idle_add(L, name);
    return 0;
}

/* repl.interrupted() */
static int repl_interrupted(lua_State *L)
{
    lua_pushboolean(L, repl_interrupt_flag != 0);
    return 1;
}

static const rec_doc_entry repl_docs[] = {
    {"on_idle",
     "repl.on_idle(name, fn) calls fn() about every 20 ms while the REPL waits for input "
     "(figures use it to stay responsive); repl.on_idle(name, nil) removes it. A hook that "
     "raises an error is reported once and removed.",
     "local n = 0\nrepl.on_idle(\"count\", function() n = n + 1 end)"},
    {"pretty",
     "repl.pretty(x [, {depth=, items=, width=}]) returns the text the REPL prints for x: "
     "tables nested and indented, keys sorted, cycles marked, depth and width bounded.",
     "print(repl.pretty({b = 2, a = {1, 2, 3}}))"},
    {"interrupted",
     "repl.interrupted() is true once Ctrl-C has been pressed during the current cell; a "
     "long loop may poll it to stop between whole steps.",
     "for i = 1, 1e9 do if repl.interrupted() then break end end"},
    {NULL, NULL, NULL}};

/* The loader behind `require "rec"` and the lazy global `rec`. Receives the
 * proxy table and returns the loader function. */
static const char lazy_rec_lua[] =
    "local proxy, pin = ...\n"
    "return function(name)\n"
    "  local path, err = package.searchpath('rec', package.cpath)\n"
    "  if not path then\n"
    "    error('recnote cannot find its engine module rec.so (is the build complete?):\\n\\t' .. "
    "err, 2)\n"
    "  end\n"
    "  pin(path)\n"
    "  local open, lerr = package.loadlib(path, 'luaopen_rec')\n"
    "  if not open then error('recnote cannot load ' .. path .. ': ' .. lerr, 2) end\n"
    "  local real = open(name, path)\n"
    "  setmetatable(proxy, nil)\n"
    "  for k, v in pairs(real) do proxy[k] = v end\n"
    "  local doc, example, docname = help.get(real)\n"
    "  if doc then help.set(proxy, doc, example, docname) end\n"
    "  return proxy\n"
    "end\n";

static const char lazy_rec_meta_lua[] =
    "local proxy = ...\n"
    "return {\n"
    "  __index = function(t, k) require 'rec'; return rawget(t, k) end,\n"
    "  __pairs = function(t) require 'rec'; return next, t, nil end,\n"
    "  __recnote_lazy = function() require 'rec' end,\n"
    "  __tostring = function() return 'rec (the engine, loaded on first use)' end,\n"
    "}\n";

/* pin(path): keeps the library at path loaded until the process ends. Lua
 * unloads C modules when its state closes; rec.so pulls in SDL, FreeType and
 * OpenBLAS, which keep process-wide state (fonts, threads) that must neither
 * run after nor vanish before the process exit. The handle is never closed. */
static int pin_library(lua_State *L)
{
    /* On failure package.loadlib, which comes next, reports why. */
    (void)dlopen(luaL_checkstring(L, 1), RTLD_NOW | RTLD_NODELETE);
    return 0;
}

/* Runs a Lua snippet with the nargs values at the top as its arguments;
 * leaves its one result in their place. Errors are our bugs: they abort. */
static void run_snippet(lua_State *L, const char *code, const char *name, int nargs)
{
    if (luaL_loadbuffer(L, code, strlen(code), name) != LUA_OK)
        luaL_error(L, "%s", lua_tostring(L, -1));
    lua_insert(L, -1 - nargs);
    lua_call(L, nargs, 1);
}

static void install_lazy_rec(lua_State *L, const repl *r)
{
    /* package.cpath: beside the binary first (build tree), then the install. */
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "cpath");
    lua_pushfstring(L, "%s/?.so;%s/../lib/recnote/?.so;%s", r->exe_dir, r->exe_dir,
                    lua_tostring(L, -1));
    lua_setfield(L, -3, "cpath");
    lua_pop(L, 1);

    lua_newtable(L); /* package proxy */
    lua_getfield(L, -2, "preload");
    lua_pushvalue(L, -2);
    lua_pushcfunction(L, pin_library);
    run_snippet(L, lazy_rec_lua, "=recnote.lazy_rec", 2);
    lua_setfield(L, -2, "rec");
    lua_pop(L, 1);
    lua_pushvalue(L, -1);
    run_snippet(L, lazy_rec_meta_lua, "=recnote.lazy_rec_meta", 1);
    lua_setmetatable(L, -2);
    lua_setglobal(L, "rec");
    lua_pop(L, 1);
}

static int open_everything(lua_State *L)
{
    repl *r = lua_touserdata(L, 1);
    luaL_openlibs(L);

    lua_pushlightuserdata(L, (void *)&repl_interrupt_flag);
    lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_INTERRUPT);
    lua_pushboolean(L, r->headless);
    lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_HEADLESS);
    const char *data_dir = getenv("RECNOTE_DATA_DIR");
    lua_pushstring(L, data_dir && *data_dir ? data_dir : RECNOTE_DATA_DIR);
    lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_DATA_DIR);
    rec_host_idle_push(L);
    lua_pop(L, 1);

    rec_help_open(L);
    lua_setglobal(L, "help");

    lua_pushcfunction(L, repl_print);
    lua_setglobal(L, "print");
    repl_open_check(L); /* check(cond, msg) of notebooks, kept across :reset */

    lua_newtable(L);
    lua_setglobal(L, "Out");

    static const luaL_Reg repl_fns[] = {{"on_idle", repl_on_idle},
                                        {"pretty", repl_pretty_lua},
                                        {"interrupted", repl_interrupted},
                                        {NULL, NULL}};
    luaL_newlib(L, repl_fns);
    rec_doc_set(L, -1, "repl",
                "The REPL's own functions: idle hooks, the pretty printer, the Ctrl-C flag. "
                "Out[n] holds the value of cell n and _ the last value.",
                "help(repl.pretty)");
    rec_doc_fields(L, -1, "repl", 0, repl_docs);
    lua_setglobal(L, "repl");

    install_lazy_rec(L, r);
    return 0;
}

lua_State *repl_state_new(repl *r)
{
    lua_State *L = luaL_newstate();
    if (L == NULL) {
        fputs("recnote: cannot create the Lua state (out of memory)\n", stderr);
        return NULL;
    }
    lua_pushcfunction(L, open_everything);
    lua_pushlightuserdata(L, r);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        fprintf(stderr, "recnote: cannot set up Lua: %s\n", lua_tostring(L, -1));
        lua_close(L);
        return NULL;
    }
    return L;
}

int repl_state_reset(repl *r)
{
    lua_State *L = repl_state_new(r);
    if (L == NULL) return -1;
    lua_close(r->L);
    r->L = L;
    return 0;
}
