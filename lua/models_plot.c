/* fit{plot = true}: rec.models.plot_hook, a live figure of the training loss
 * per step and the validation metrics per epoch (AUC or RMSE, per task), and,
 * for the gated kinds (moe, mmoe, cgc, ple), beside it a heatmap of the
 * tasks x experts gates averaged over the validation rows, redrawn after
 * each epoch (fit hands the hook that matrix, from engine/models/gates.c).
 * Each fit starts a new figure; rec.plot.pump keeps its window live (paced
 * to a small share of the loop). m:plot_gates(data) draws the same heatmap
 * once. Written in Lua: it only calls rec.plot's and the model's public
 * functions. */
#include "host.h"
#include "rec.h"

#include "models/model.h"

#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

static const char plot_hook_lua[] =
    "local rec = ...\n"
    "local fig\n"
    "-- what a validation table holds to draw: AUC, else RMSE; per task with several\n"
    "local function series(valid)\n"
    "  local out = {}\n"
    "  if type(valid.auc) == 'number' then out[1] = {'validation AUC', valid.auc}\n"
    "  elseif type(valid.rmse) == 'number' then out[1] = {'validation RMSE', valid.rmse} end\n"
    "  local tasks = {}\n"
    "  for k, v in pairs(valid) do\n"
    "    if type(v) == 'table' and not k:find('^gate_') then tasks[#tasks + 1] = k end\n"
    "  end\n"
    "  table.sort(tasks)\n"
    "  for _, k in ipairs(tasks) do\n"
    "    local t = valid[k]\n"
    "    if t.auc then out[#out + 1] = {k .. ' validation AUC', t.auc}\n"
    "    elseif t.rmse then out[#out + 1] = {k .. ' validation RMSE', t.rmse} end\n"
    "  end\n"
    "  return out\n"
    "end\n"
    "local function gates_title(gates)\n"
    "  return string.format('Gates (mean over the rows), epoch %d', gates.epoch)\n"
    "end\n"
    "local function hook(step, loss, valid, gates)\n"
    "  if fig == nil or (step == 1 and valid == nil) then\n"
    "    local line = {title = 'Training', xlabel = 'step', ylabel = 'loss / metric'}\n"
    "    if gates ~= nil then\n"
    "      fig = rec.plot.figure{cols = 2}\n"
    "      fig:add('line', line)\n"
    "      fig:add('heatmap', {values = gates.values, rows = gates.rows, cols = gates.cols,\n"
    "                          vmin = 0, vmax = 1, clabel = 'gate weight',\n"
    "                          title = gates_title(gates)})\n"
    "    else\n"
    "      fig = rec.plot.line(line)\n"
    "    end\n"
    "  end\n"
    "  if valid ~= nil then\n"
    "    for _, s in ipairs(series(valid)) do fig:append(s[1], step, s[2]) end\n"
    "    if gates ~= nil then\n"
    "      fig:set{panel = 2, values = gates.values, title = gates_title(gates)}\n"
    "    end\n"
    "  else\n"
    "    fig:append('training loss', step, loss)\n"
    "  end\n"
    "  rec.plot.pump()\n"
    "  return fig\n"
    "end\n"
    "local function plot_gates(m, data, opts)\n"
    "  opts = opts or {}\n"
    "  local g, tasks, experts = m:gate_mean(data)\n"
    "  return rec.plot.heatmap{values = g, rows = tasks, cols = experts, vmin = 0, vmax = 1,\n"
    "    clabel = 'gate weight', show = opts.show,\n"
    "    title = opts.title or (m:kind() .. ' gates (mean over the rows)')}\n"
    "end\n"
    "return hook, plot_gates\n";

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
    lua_call(L, 1, 2); /* hook, plot_gates */
    rec_doc_set(L, -1, "rec.Model:plot_gates",
                "m:plot_gates(data [, {title =, show =}]) (moe, mmoe, cgc, ple) draws "
                "m:gate_mean(data) as a heatmap: a row per task, a column per expert, the "
                "colour the gate weight averaged over the rows (0 to 1). Returns the figure.",
                "local d = rec.data.synthetic_multitask{rows = 500, correlation = 0.5}\n"
                "local m = rec.models.mmoe{data = d, n_experts = 4, tasks = {{name = 'y1', "
                "loss = 'mse'}, {name = 'y2', loss = 'mse'}}}\n"
                "m:fit(d, {epochs = 2, progress = false})\n"
                "m:plot_gates(d, {show = false}):save(os.tmpname() .. '.png')");
    for (int k = 0; k < RN_MODEL_N_KINDS; k++) { /* a method of the gated kinds */
        const char *const *views = rn_model_kind_views(k);
        int gated = 0;
        for (int v = 0; views[v] != NULL; v++)
            gated |= strcmp(views[v], "gates") == 0;
        char mt[48];
        snprintf(mt, sizeof mt, "rec.Model.%s", rn_model_kind_name(k));
        if (!gated) continue;
        luaL_getmetatable(L, mt); /* made by rec_open_models */
        lua_getfield(L, -1, "__index");
        lua_pushvalue(L, -3);
        lua_setfield(L, -2, "plot_gates");
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
    rec_doc_set(L, -1, "rec.models.plot_hook",
                "rec.models.plot_hook(step, loss [, valid [, gates]]) is what m:fit{plot = true} "
                "calls: each fit draws a new live figure, the training loss at every step and "
                "the validation metrics after each epoch (with valid = ...: AUC, or RMSE, per "
                "task); for moe, mmoe, cgc and ple a heatmap beside it shows the gates "
                "({values, rows, cols, epoch}: tasks x experts, averaged over the validation "
                "rows) as they change epoch by epoch. Returns the figure.",
                "local d = rec.data.synthetic_ctr{rows = 4000}\n"
                "local train, test = d:split(0.8)\n"
                "local m = rec.models.fm{data = d, embed_dim = 4}\n"
                "m:fit(train, {epochs = 3, valid = test, plot = true})");
    lua_setfield(L, -2, "plot_hook");
    lua_pop(L, 1);
}
