/* Walks -> word2vec -> vectors in node order (walks_embed.h). */
#include "embed/walks_embed.h"

#include <string.h>

#include "alloc.h"
#include "error.h"

rn_embeddings *rn_walks_embed(const rn_itemgraph *g, const rn_walks_config *wc,
                              const rn_w2v_config *c, const rn_w2v_hooks *hooks)
{
    if (c != NULL && rn_w2v_check_config(c) != RN_OK) return NULL; /* before the walks */
    rn_walks *w = rn_walks_generate(g, wc);
    if (w == NULL) return NULL;
    int64_t *tokens = rn_walks_ids(w, g);
    rn_embeddings *raw = NULL, *out = NULL;
    float *v = NULL;
    int64_t *ids = NULL;
    const char **labels = NULL;
    if (tokens == NULL) goto done;
    raw = rn_w2v_train_ids(tokens, w->offsets, w->n_walks, c, hooks);
    if (raw == NULL) goto done;
    /* word2vec orders its vocabulary by frequency: put the rows back in node order */
    size_t n = rn_itemgraph_n_nodes(g), kept = 0;
    int dim = rn_emb_dim(raw);
    v = rn_malloc(n * (size_t)dim * sizeof *v, "node vectors");
    ids = rn_malloc(n * sizeof *ids, "node ids");
    if (rn_itemgraph_has_labels(g)) labels = rn_malloc(n * sizeof *labels, "node labels");
    if (v == NULL || ids == NULL || (rn_itemgraph_has_labels(g) && labels == NULL)) goto done;
    for (size_t i = 0; i < n; i++) {
        size_t row;
        if (rn_emb_find_id(raw, rn_itemgraph_id(g, i), &row) != RN_OK) continue; /* min_count */
        memcpy(v + kept * (size_t)dim, rn_emb_vectors(raw) + row * (size_t)dim,
               (size_t)dim * sizeof *v);
        ids[kept] = rn_itemgraph_id(g, i);
        if (labels != NULL) labels[kept] = rn_itemgraph_label(g, i);
        kept++;
    }
    rn_error_clear();
    out = rn_emb_new(v, kept, dim, ids, labels);
done:
    rn_free(v), rn_free(ids), rn_free((void *)labels);
    rn_emb_free(raw);
    rn_free(tokens);
    rn_walks_free(w);
    return out;
}
