/* Internal header of the rec module's embeddings and index bindings
 * (lua/embeddings.c, lua/index.c): rec.Embeddings and rec.Index, so that
 * other bindings (a model's m:embeddings("item"), word2vec, ALS) hand their
 * vectors to Lua as one type. */
#ifndef REC_EMBED_H
#define REC_EMBED_H

#include <lua.h>

#include <stddef.h>
#include <stdint.h>

#include "embeddings.h"

#define REC_EMBEDDINGS "rec.Embeddings"
#define REC_INDEX      "rec.Index"

/* Pushes e as a rec.Embeddings userdata that owns it (freed by its __gc or
 * e:close()). Takes ownership even when it raises (out of memory: e is
 * freed first). */
void rec_push_embeddings(lua_State *L, rn_embeddings *e);

/* The open embeddings at index i, or an argument error. */
rn_embeddings *rec_check_embeddings(lua_State *L, int i);

/* Opens rec.embeddings and (through rec_open_index) rec.index into the rec
 * table at the top of the stack; after rec.plot (e:plot draws through
 * rec.plot.scatter). */
void rec_open_embeddings(lua_State *L);

/* Opens rec.index (lua/index.c) into the rec table at the top of the stack,
 * and adds e:index to rec.Embeddings (whose metatable must exist). */
void rec_open_index(lua_State *L);

/* Reads the vectors at index i: a rec.Tensor (1-D: one vector, 2-D: rows),
 * a table of numbers (one vector) or a table of rows, into floats kept in a
 * userdata pushed on the stack. *single is set for one vector. fn and what
 * name them in errors. */
float *rec_check_vectors(lua_State *L, int i, const char *fn, const char *what, size_t *rows,
                         int *cols, int *single);
/* Reads n integer ids (>= 0) from the table at i into a userdata pushed on
 * the stack; and first, first+1, ... likewise. */
int64_t *rec_check_vector_ids(lua_State *L, int i, size_t n, const char *fn);
int64_t *rec_count_vector_ids(lua_State *L, size_t first, size_t n);
/* The metric named by option "metric" of the table at opts, or dflt. */
int rec_opt_metric(lua_State *L, int opts, const char *fn, int dflt);

#endif
