/* rec_host_completed (lua/host.c): a Ctrl-C that arrives while a save is
 * being committed must not be reported as a bare "interrupted!" after the
 * file was replaced (the review's reproducer 7); the message names what
 * completed, and the host's pending hook is removed so it cannot say the
 * opposite. */
#include "check.h"

#include <signal.h>

#include <lauxlib.h>
#include <lualib.h>

#include "host.h"

static volatile sig_atomic_t flag;
static int ctrl_c_mid_save;

static void host_hook(lua_State *L, lua_Debug *ar);

static int saved(lua_State *L)
{
    if (ctrl_c_mid_save) { /* SIGINT while the file is written: flag and hook, as the REPL's */
        flag = 1;
        lua_sethook(L, host_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
    }
    rec_host_completed(L, "fig:save had completed (x.png is written)");
    lua_pushliteral(L, "x.png");
    return 1;
}

static void host_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    luaL_error(L, "interrupted!"); /* what the REPL's SIGINT hook raises */
}

static void test_completed(void)
{
    lua_State *L = luaL_newstate();
    luaL_openlibs(L);
    /* without a host: never interrupted */
    lua_pushcfunction(L, saved);
    CHECK(lua_pcall(L, 0, 1, 0) == LUA_OK);
    CHECK_STR(lua_tostring(L, -1), "x.png");
    lua_pop(L, 1);
    lua_pushlightuserdata(L, (void *)&flag);
    lua_setfield(L, LUA_REGISTRYINDEX, REC_KEY_INTERRUPT);
    /* a host, no Ctrl-C */
    lua_pushcfunction(L, saved);
    CHECK(lua_pcall(L, 0, 1, 0) == LUA_OK);
    lua_pop(L, 1);
    /* Ctrl-C during the save: the handler set the flag and the hook */
    ctrl_c_mid_save = 1;
    lua_pushcfunction(L, saved);
    CHECK(lua_pcall(L, 0, 1, 0) == LUA_ERRRUN);
    CHECK_STR(lua_tostring(L, -1),
              "interrupted (Ctrl-C) after fig:save had completed (x.png is written)");
    CHECK(lua_gethook(L) == NULL); /* not a second, contradicting "interrupted!" */
    lua_close(L);
}

int main(void)
{
    RUN(test_completed);
    return check_report();
}
