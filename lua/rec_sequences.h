/* Internal header of the rec module: behaviour sequences read from a
 * rec.Dataset, shared by rec.word2vec (item2vec, lua/word2vec.c, where the
 * reader lives) and rec.graph.from_sequences (lua/graph.c). */
#ifndef REC_SEQUENCES_H
#define REC_SEQUENCES_H

#include <lua.h>

#include <stddef.h>
#include <stdint.h>

/* Sequences for the engine: sequence s is tokens[offsets[s] .. offsets[s+1]);
 * labels[id] names token id (n_labels of them), or labels is NULL. The
 * buffers are userdata on the Lua stack, so a Lua error frees them. */
typedef struct {
    int64_t *tokens;
    size_t *offsets, n_seq, n_tok;
    const char **labels;
    size_t n_labels;
} rec_sequences;

/* The rec.Dataset at idx as per-user histories in time order, of the rows
 * whose rating column is >= min_rating (every row when the option is
 * absent), reading the options item (default "item"), rating ("rating") and
 * min_rating from the table at opts. Ids are the item names when they are
 * all integers >= 0 (MovieLens' movie ids), else the column's own ids; the
 * labels are the vocabulary's (titles) or its names. Errors (raised) name
 * fn. Leaves its buffers on the stack. */
void rec_dataset_sequences(lua_State *L, int idx, int opts, const char *fn, rec_sequences *q);

#endif
