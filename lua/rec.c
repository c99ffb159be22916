/* The rec module: the Lua face of the engine and the figures.
 *
 * luaopen_rec builds the `rec` table, lends the host's Ctrl-C flag to the
 * engine (so long engine loops stop on Ctrl-C in recnote) and registers the
 * docstrings. Each engine type adds its part through an opener (rec.h). */
#include "rec.h"
#include "host.h"
#include "rec_aux.h"
#include "rec_embed.h"

#include "error.h"
#include "interrupt.h"
#include "parallel.h"

#include <lauxlib.h>

#ifndef RECNOTE_DATA_DIR
#define RECNOTE_DATA_DIR "."
#endif

/* rec.interrupted() -> boolean: has Ctrl-C been pressed during this command? */
static int rec_interrupted(lua_State *L)
{
    lua_pushboolean(L, rn_interrupted());
    return 1;
}

/* rec.threads([n]) -> the thread count the engine's ops use (before the change). */
static int rec_threads(lua_State *L)
{
    if (lua_isnoneornil(L, 1)) {
        lua_pushinteger(L, rn_par_threads());
        return 1;
    }
    int n = rec_check_int(L, 1, 1, RN_PAR_MAX_THREADS);
    lua_pushinteger(L, rn_par_set_threads(n));
    return 1;
}

int luaopen_rec(lua_State *L)
{
    /* A plain lua5.4 has no help registry yet: make sure help.set works. */
    if (lua_getglobal(L, "help") == LUA_TNIL) {
        rec_help_open(L);
        lua_setglobal(L, "help");
    }
    lua_pop(L, 1);

    rn_interrupt_use(rec_host_interrupt_flag(L));

    static const luaL_Reg fns[] = {
        {"interrupted", rec_interrupted}, {"threads", rec_threads}, {NULL, NULL}};
    luaL_newlib(L, fns);
    lua_pushliteral(L, "0.1.0");
    lua_setfield(L, -2, "version");
    if (lua_getfield(L, LUA_REGISTRYINDEX, REC_KEY_DATA_DIR) != LUA_TSTRING) {
        lua_pop(L, 1);
        lua_pushliteral(L, RECNOTE_DATA_DIR);
    }
    lua_setfield(L, -2, "data_dir");
    rec_open_engine(L);
    rec_open_metrics(L);
    rec_open_data(L);
    rec_open_models(L);
    rec_open_data_synth(L);
    rec_open_plot(L);
    rec_open_plot_notebook(L);
    rec_open_models_plot(L);
    rec_open_embeddings(L);
    rec_open_fusion(L);
    rec_open_als(L);
    rec_open_word2vec(L);
    rec_open_graph(L);
    rec_open_two_tower(L);
    rec_open_tags(L);
    rec_open_recall(L);

    rec_doc_set(L, -1, "rec",
                "The recnote engine: tensors and autograd, optimizers, losses, metrics, "
                "data sets, the model zoo and figures. help(rec.x) documents each part.",
                "help(rec)");
    static const rec_doc_entry docs[] = {
        {"interrupted",
         "rec.interrupted() is true once Ctrl-C has been pressed during the current command. "
         "A long Lua loop can poll it to stop cleanly between whole steps.",
         "for i = 1, 1e9 do if rec.interrupted() then break end end"},
        {"threads",
         "rec.threads() is the number of threads the engine's ops use (GEMMs, Dice, the "
         "optimizer update, ...: a training step's big ops are split across them); "
         "rec.threads(n) sets it (1 to 8) and returns the previous count. The default is "
         "RECNOTE_THREADS if set, else the cores online. Results repeat exactly for a given "
         "count and differ across counts only by rounding.",
         "print(rec.threads())  local before = rec.threads(1)  -- ...  rec.threads(before)"},
        {"version", "The version of the rec module, as a string.", "print(rec.version)"},
        {"data_dir", "The folder holding recnote's lessons/ and assets/.", "print(rec.data_dir)"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec", 0, docs);
    return 1;
}
