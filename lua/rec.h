/* Internal header of the rec module: each lua/<type>.c opens its part of the
 * `rec` table through one rec_open_* function, called by luaopen_rec in rec.c
 * with the rec table at the top of the stack. */
#ifndef REC_REC_H
#define REC_REC_H

#include <lua.h>

/* luaopen_rec: the module entry point, for recnote's loader and for
 * `require "rec"` in a plain lua5.4. */
int luaopen_rec(lua_State *L);

/* Tensors, parameters, autograd (rec.nn, rec.loss) and rec.optim (lua/tensor.c). */
void rec_open_engine(lua_State *L);

/* rec.metrics (lua/metrics.c) and rec.data with rec.Dataset (lua/data.c). */
void rec_open_metrics(lua_State *L);
void rec_open_data(lua_State *L);

/* rec.models: the CTR model zoo and its data (lua/models.c). */
void rec_open_models(lua_State *L);
/* rec.data.synthetic_funnel / synthetic_multitask, and the zoo's generators
 * under rec.data (lua/data_synth.c); after rec_open_data and rec_open_models. */
void rec_open_data_synth(lua_State *L);

/* rec.plot: figures (lua/plot.c). */
int rec_open_plot(lua_State *L);
/* Tracks figures for notebooks: the cell-end hook of lua/plot_notebook.c. */
void rec_open_plot_notebook(lua_State *L);
/* rec.models.plot_hook, the live figure of fit{plot = true} (lua/models_plot.c);
 * after rec.models and rec.plot. */
void rec_open_models_plot(lua_State *L);

/* rec.fusion: multi-objective score fusion, additive and product (lua/fusion.c). */
void rec_open_fusion(lua_State *L);
/* rec.als and rec.ALS: matrix factorisation by ALS (lua/als.c). */
void rec_open_als(lua_State *L);
/* rec.word2vec: word2vec and item2vec (lua/word2vec.c); after rec_open_embeddings. */
void rec_open_word2vec(lua_State *L);
/* rec.graph, rec.deepwalk, rec.node2vec (lua/graph.c); after rec.plot and
 * rec.embeddings. */
void rec_open_graph(lua_State *L);
/* rec.two_tower and rec.two_tower_loss: the two-tower recall model (lua/two_tower.c). */
void rec_open_two_tower(lua_State *L);
/* rec.tags and rec.Tags: tag recall (lua/tags.c); rec.recall: multi-path recall and the
 * quality score (lua/recall.c), after rec_open_tags, rec.data and rec.embeddings; its
 * helpers written in Lua (lua/recall_lua.c); rec.tags' docstrings (lua/tags.c), once
 * rec.tags.movielens is in. */
void rec_open_tags(lua_State *L);
void rec_open_recall(lua_State *L);
void rec_open_recall_lua(lua_State *L);
void rec_doc_tags(lua_State *L);

#endif
