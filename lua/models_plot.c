/* fit{plot = true}: rec.models.plot_hook, a live figure of the training loss
 * per step and the validation AUC per epoch. Each fit starts a new figure;
 * rec.plot.pump keeps its window live (paced to a small share of the loop).
 * Written in Lua: it only calls rec.plot's public functions. */
#include "host.h"
#include "rec.h"

#include <string.h>

#include <lauxlib.h>

static const char plot_hook_lua[] =
    "local rec = ...\n"
    "local fig\n"
    "return function(step, loss, valid)\n"
    "  if fig == nil or (step == 1 and valid == nil) then\n"
    "    fig = rec.plot.line{title = 'Training', xlabel = 'step', ylabel = 'loss / AUC'}\n"
    "  end\n"
    "  if valid ~= nil then\n"
    "    fig:append('validation AUC', step, valid.auc)\n"
    "  else\n"
    "    fig:append('training loss', step, loss)\n"
    "  end\n"
    "  rec.plot.pump()\n"
    "end\n";

void rec_open_models_plot(lua_State *L)
{
    /* rec is at the top, with rec.models and rec.plot open. */
    if (lua_getfield(L, -1, "models") != LUA_TTABLE) {
        lua_pop(L, 1);
        return;
    }
    if (luaL_loadbuffer(L, plot_hook_lua, strlen(plot_hook_lua), "=rec.models.plot_hook") != LUA_OK)
        lua_error(L); /* our own code: a syntax error is a bug */
    lua_pushvalue(L, -3);
    lua_call(L, 1, 1);
    rec_doc_set(L, -1, "rec.models.plot_hook",
                "rec.models.plot_hook(step, loss [, valid]) is what m:fit{plot = true} calls: "
                "each fit draws a new live figure, the training loss at every step and the "
                "validation AUC after each epoch (with valid = ...).",
                "local d = rec.data.synthetic_ctr{rows = 4000}\n"
                "local train, test = d:split(0.8)\n"
                "local m = rec.models.fm{data = d, embed_dim = 4}\n"
                "m:fit(train, {epochs = 3, valid = test, plot = true})");
    lua_setfield(L, -2, "plot_hook");
    lua_pop(L, 1);
}
