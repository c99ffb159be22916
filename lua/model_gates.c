/* The gated kinds' (moe, mmoe, cgc, ple) summaries of their "gates" view
 * (engine/models/gates.c): m:gate_mean(data), the tasks x experts batch-mean
 * gate with its labels, and m:gate_entropy(data), each task's two gate
 * entropies; fit's live heatmap reads the same summary (rec_push_gate_mean).
 * m:plot_gates draws it (lua/models_plot.c). */
#include "rec_models.h"
#include "rec_aux.h"

#include "error.h"
#include "models/model.h"

#include <lauxlib.h>

/* The gate statistics of the data at argument 2 for the model at 1. */
static void stats_arg(lua_State *L, rn_gate_stats *st)
{
    model_ud *u = rec_model_check(L, 1);
    rn_samples *b = rec_samples_arg(L, 2, &u->labels, rn_model_config_of(u->m)->seq_len);
    if (rn_model_gate_stats(u->m, b, 1024, st) != RN_OK) rec_engine_error(L);
}

static void push_strings(lua_State *L, int n, const char *(*at)(const void *, int), const void *p)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushstring(L, at(p, i));
        lua_rawseti(L, -2, i + 1);
    }
}

static const char *task_name(const void *c, int k)
{
    return ((const rn_model_config *)c)->task[k].name;
}

static const char *expert_name(const void *st, int i)
{
    return ((const rn_gate_stats *)st)->expert[i];
}

/* Pushes the batch-mean gate (rows of numbers, [task][expert]), then the task
 * names and the expert labels. */
static void push_mean(lua_State *L, const rn_model *m, const rn_gate_stats *st)
{
    lua_createtable(L, st->n_tasks, 0);
    for (int k = 0; k < st->n_tasks; k++) {
        lua_createtable(L, st->n_experts, 0);
        for (int i = 0; i < st->n_experts; i++) {
            lua_pushnumber(L, (lua_Number)st->mean[k][i]);
            lua_rawseti(L, -2, i + 1);
        }
        lua_rawseti(L, -2, k + 1);
    }
    push_strings(L, st->n_tasks, task_name, rn_model_config_of(m));
    push_strings(L, st->n_experts, expert_name, st);
}

void rec_push_gate_mean(lua_State *L, const rn_model *m, const rn_gate_stats *st)
{
    lua_createtable(L, 0, 3);
    push_mean(L, m, st);
    lua_setfield(L, -4, "cols");
    lua_setfield(L, -3, "rows");
    lua_setfield(L, -2, "values");
}

/* m:gate_mean(data) -> {{w11, w12, ...}, ...}, {task names}, {expert labels} */
static int m_gate_mean(lua_State *L)
{
    rn_gate_stats st;
    stats_arg(L, &st);
    push_mean(L, rec_model_check(L, 1)->m, &st);
    return 3;
}

/* m:gate_entropy(data) -> {task = {per_row =, of_mean =, max =}, ...} */
static int m_gate_entropy(lua_State *L)
{
    rn_gate_stats st;
    stats_arg(L, &st);
    const rn_model_config *c = rn_model_config_of(rec_model_check(L, 1)->m);
    lua_createtable(L, 0, st.n_tasks);
    for (int k = 0; k < st.n_tasks; k++) {
        lua_createtable(L, 0, 3);
        lua_pushnumber(L, st.entropy[k]);
        lua_setfield(L, -2, "per_row");
        lua_pushnumber(L, st.entropy_of_mean[k]);
        lua_setfield(L, -2, "of_mean");
        lua_pushnumber(L, st.max_entropy);
        lua_setfield(L, -2, "max");
        lua_setfield(L, -2, c->task[k].name);
    }
    return 1;
}

const luaL_Reg rec_gate_methods[] = {
    {"gate_mean", m_gate_mean}, {"gate_entropy", m_gate_entropy}, {NULL, NULL}};

const rec_doc_entry rec_gate_docs[] = {
    {"gate_mean",
     "m:gate_mean(data) (moe, mmoe, cgc, ple) gives the gates averaged over the rows of data: "
     "a tasks x experts matrix g[task][expert] (each row sums to 1), then the task names and "
     "the experts' labels ('e1', ...; cgc and ple: 'own 1', ..., 'shared 1', the last level's "
     "columns). m:plot_gates(data) draws it; fit{plot = true} shows it live.",
     "local d = rec.data.synthetic_multitask{rows = 200}\n"
     "local m = rec.models.mmoe{data = d, n_experts = 3, tasks = {{name = 'y1', loss = 'mse'}, "
     "{name = 'y2', loss = 'mse'}}}\n"
     "local g, tasks, experts = m:gate_mean(d)\n"
     "print(tasks[1], experts[3], g[1][1] + g[1][2] + g[1][3])  --> y1 e3 1"},
    {"gate_entropy",
     "m:gate_entropy(data) (moe, mmoe, cgc, ple) gives, per task, {per_row = the mean over the "
     "rows of the entropy -sum w log w of the row's gate, of_mean = the entropy of the "
     "batch-mean gate, max = log(number of experts)}, in nats. A collapsed gate (one expert "
     "for every row) has both near 0; a uniform one both at max; experts specialising by input "
     "show a low per_row and a high of_mean. fit with valid = ... reports both each epoch as "
     "gate_entropy.<task> and gate_entropy_of_mean.<task>.",
     "local d = rec.data.synthetic_multitask{rows = 200}\n"
     "local m = rec.models.mmoe{data = d, n_experts = 4, tasks = {{name = 'y1', loss = 'mse'}, "
     "{name = 'y2', loss = 'mse'}}}\n"
     "local h = m:gate_entropy(d)\n"
     "print(h.y1.per_row <= h.y1.of_mean, h.y1.max == math.log(4))  --> true true"},
    {NULL, NULL, NULL}};
