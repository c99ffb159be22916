/* DeepWalk and node2vec end to end: walks on an item graph (walks.h) are
 * the sentences of word2vec (word2vec.h), and the vectors come back in the
 * graph's node order with its ids and labels.
 *
 *     rn_walks_config wc = rn_walks_defaults();    // DeepWalk: p = q = 1
 *     rn_w2v_config c = rn_w2v_defaults();
 *     c.min_count = 1, c.sample = 0;               // every node, no subsampling
 *     rn_embeddings *e = rn_walks_embed(g, &wc, &c, NULL);   // caller frees
 */
#ifndef RN_WALKS_EMBED_H
#define RN_WALKS_EMBED_H

#include "embed/itemgraph.h"
#include "embed/walks.h"
#include "embed/word2vec.h"
#include "embeddings.h"

/* Generates the walks of wc on g, trains c on them (hooks may be NULL) and
 * returns one vector per node word2vec kept (every node when min_count is
 * 1), in node order, with the graph's ids and labels. NULL with the error of
 * the failing part (a bad config names its field; Ctrl-C: RN_EINTR). */
rn_embeddings *rn_walks_embed(const rn_itemgraph *g, const rn_walks_config *wc,
                              const rn_w2v_config *c, const rn_w2v_hooks *hooks);

#endif
