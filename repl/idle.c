/* Idle hooks: functions run about every 20 ms while the REPL waits for input
 * (figures pump their windows here). They live in the registry table
 * REC_KEY_IDLE (lua/host.h), so rec.so and Lua code register them alike. */
#include "repl.h"
#include "host.h"

#include <readline/readline.h>

void repl_idle_run(repl *r)
{
    lua_State *L = r->L;
    int top = lua_gettop(L);
    rec_host_idle_push(L);
    int hooks = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, hooks) != 0) {
        /* stack: hooks name fn */
        if (lua_pcall(L, 0, 0, 0) != LUA_OK) {
            /* Report once, then remove it: a broken hook must not flood the prompt. */
            fprintf(stderr, "\nrecnote: idle hook '%s' failed and was removed: %s\n",
                    lua_tostring(L, -2), lua_tostring(L, -1));
            rl_forced_update_display();
            lua_pop(L, 1);
            lua_pushvalue(L, -1);
            lua_pushnil(L);
            lua_rawset(L, hooks); /* clearing a field during lua_next is allowed */
        }
    }
    lua_settop(L, top);
}
