/* Internal header of the rec module's embeddings binding (lua/embeddings.c):
 * rec.Index and rec.Embeddings, so that other bindings (a model's
 * m:embeddings("item"), word2vec, ALS) hand their vectors to Lua as one type. */
#ifndef REC_EMBED_H
#define REC_EMBED_H

#include <lua.h>

#include "embeddings.h"

#define REC_EMBEDDINGS "rec.Embeddings"
#define REC_INDEX      "rec.Index"

/* Pushes e as a rec.Embeddings userdata that owns it (freed by its __gc or
 * e:close()). Takes ownership even when it raises (out of memory: e is
 * freed first). */
void rec_push_embeddings(lua_State *L, rn_embeddings *e);

/* The open embeddings at index i, or an argument error. */
rn_embeddings *rec_check_embeddings(lua_State *L, int i);

/* Opens rec.index and rec.embeddings into the rec table at the top of the
 * stack; after rec.plot (e:plot draws through rec.plot.scatter). */
void rec_open_embeddings(lua_State *L);

#endif
