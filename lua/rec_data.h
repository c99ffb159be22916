/* Internal header of the rec module's data binding (lua/data.c): the
 * rec.Dataset userdata, for other bindings (models' fit and evaluate) that
 * take a data set or a batch.
 *
 * A rec.Dataset is either a whole data set (it owns the engine's rn_dataset)
 * or a view of some of its rows: a split, a shuffle, a batch. A view keeps
 * the data set alive through its user value and never copies columns. */
#ifndef REC_DATA_LUA_H
#define REC_DATA_LUA_H

#include <stddef.h>

#include <lua.h>

#include "data/dataset.h"

#define REC_DATASET "rec.Dataset"

/* The rows that argument i selects: rows[0 .. n) when rows != NULL, else
 * the range [start, start + n). Returns the data set (borrowed: valid while
 * the userdata at i lives), or raises a Lua error naming argument i when it
 * is not an open rec.Dataset. */
const rn_dataset *rec_check_dataset(lua_State *L, int i, const size_t **rows, size_t *start,
                                    size_t *n);

/* Pushes a new rec.Dataset that owns ds (freed with the userdata). */
void rec_push_dataset(lua_State *L, rn_dataset *ds);

/* Whether the value at i is a rec.Dataset that is still open. */
int rec_dataset_is_open(lua_State *L, int i);

#endif
