/* word2vec's vocabulary: counting int64 ids in a growing open-addressing
 * hash, keeping those seen min_count times, most frequent first; the
 * Huffman tree of hierarchical softmax (word2vec.c's CreateBinaryTree, with
 * no limit on the code length); and the noise distribution of negative
 * sampling, counts^power, as a Walker alias table. */
#include "w2v_internal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "error.h"

/* ---- the id -> word map ------------------------------------------------------------------------ */

static size_t slot_of(int64_t id, size_t cap)
{
    uint64_t z = (uint64_t)id + 0x9e3779b97f4a7c15ull; /* splitmix64's finaliser */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (size_t)(z ^ (z >> 31)) & (cap - 1);
}

int32_t rn__w2v_map_get(const rn__w2v_map *map, int64_t id)
{
    for (size_t i = slot_of(id, map->cap);; i = (i + 1) & (map->cap - 1)) {
        if (map->keys[i] == id) return map->vals[i];
        if (map->keys[i] < 0) return -1;
    }
}

void rn__w2v_map_free(rn__w2v_map *map)
{
    rn_free(map->keys);
    rn_free(map->vals);
    memset(map, 0, sizeof *map);
}

/* Counting uses a parallel array of counts, one per slot. */
typedef struct {
    rn__w2v_map m;
    int64_t *counts;
    size_t used;
} counter;

static int counter_alloc(counter *k, size_t cap)
{
    k->m.cap = cap;
    k->m.keys = rn_malloc(cap * sizeof *k->m.keys, "word2vec vocabulary");
    k->counts = rn_calloc(cap, sizeof *k->counts, "word2vec vocabulary");
    if (k->m.keys == NULL || k->counts == NULL) return RN_ENOMEM;
    memset(k->m.keys, 0xff, cap * sizeof *k->m.keys); /* all -1 */
    return RN_OK;
}

static size_t counter_slot(const counter *k, int64_t id)
{
    size_t i = slot_of(id, k->m.cap);
    while (k->m.keys[i] != id && k->m.keys[i] >= 0)
        i = (i + 1) & (k->m.cap - 1);
    return i;
}

static int counter_grow(counter *k)
{
    counter g = {0};
    if (counter_alloc(&g, k->m.cap * 2) != RN_OK) {
        rn_free(g.m.keys);
        rn_free(g.counts);
        return RN_ENOMEM;
    }
    for (size_t i = 0; i < k->m.cap; i++)
        if (k->m.keys[i] >= 0) {
            size_t j = counter_slot(&g, k->m.keys[i]);
            g.m.keys[j] = k->m.keys[i];
            g.counts[j] = k->counts[i];
        }
    g.used = k->used;
    rn_free(k->m.keys);
    rn_free(k->counts);
    *k = g;
    return RN_OK;
}

typedef struct {
    int64_t id, count;
} id_count;

static int by_count_then_id(const void *a, const void *b)
{
    const id_count *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

int rn__w2v_vocab_build(rn__w2v_vocab *v, rn__w2v_map *map, const int64_t *tokens,
                        size_t n_tokens, int min_count)
{
    memset(v, 0, sizeof *v);
    memset(map, 0, sizeof *map);
    counter k = {0};
    id_count *kept = NULL;
    int rc = counter_alloc(&k, 1024);
    for (size_t t = 0; t < n_tokens && rc == RN_OK; t++) {
        size_t i = counter_slot(&k, tokens[t]);
        if (k.m.keys[i] < 0) {
            if (2 * (k.used + 1) > k.m.cap) { /* keep the load at most one half */
                if ((rc = counter_grow(&k)) != RN_OK) break;
                i = counter_slot(&k, tokens[t]);
            }
            k.m.keys[i] = tokens[t];
            k.used++;
        }
        k.counts[i]++;
    }
    if (rc != RN_OK) goto fail;
    size_t n = 0;
    for (size_t i = 0; i < k.m.cap; i++)
        if (k.m.keys[i] >= 0 && k.counts[i] >= min_count) n++;
    if (n == 0) {
        rc = rn_fail(RN_EARG,
                     "word2vec: no token is seen min_count = %d times (%zu distinct tokens in "
                     "%zu); lower min_count",
                     min_count, k.used, n_tokens);
        goto fail;
    }
    if (n > (size_t)INT32_MAX / 2) {
        rc = rn_fail(RN_EARG, "word2vec: %zu distinct tokens kept, at most %d", n, INT32_MAX / 2);
        goto fail;
    }
    kept = rn_malloc(n * sizeof *kept, "word2vec vocabulary");
    v->ids = rn_malloc(n * sizeof *v->ids, "word2vec vocabulary");
    v->counts = rn_malloc(n * sizeof *v->counts, "word2vec vocabulary");
    k.m.vals = rn_malloc(k.m.cap * sizeof *k.m.vals, "word2vec vocabulary");
    if (kept == NULL || v->ids == NULL || v->counts == NULL || k.m.vals == NULL) {
        rc = RN_ENOMEM;
        goto fail;
    }
    n = 0;
    for (size_t i = 0; i < k.m.cap; i++)
        if (k.m.keys[i] >= 0 && k.counts[i] >= min_count)
            kept[n++] = (id_count){k.m.keys[i], k.counts[i]};
    qsort(kept, n, sizeof *kept, by_count_then_id);
    v->n = n;
    for (size_t w = 0; w < n; w++) {
        v->ids[w] = kept[w].id;
        v->counts[w] = kept[w].count;
        v->total += (uint64_t)kept[w].count;
    }
    for (size_t i = 0; i < k.m.cap; i++)
        k.m.vals[i] = -1;
    for (size_t w = 0; w < n; w++)
        k.m.vals[counter_slot(&k, v->ids[w])] = (int32_t)w;
    rn_free(kept);
    rn_free(k.counts);
    *map = k.m;
    return RN_OK;
fail:
    rn_free(kept);
    rn_free(k.counts);
    rn__w2v_map_free(&k.m);
    rn__w2v_vocab_free(v);
    return rc;
}

/* ---- Huffman tree ------------------------------------------------------------------------------ */

/* word2vec.c's construction: the leaves are the words sorted by count
 * (descending), inner nodes are made in increasing count, so two cursors
 * (one walking the leaves from the rarest, one the inner nodes in the order
 * they were made) always find the two smallest in O(1); n - 1 merges. */
int rn__w2v_vocab_huffman(rn__w2v_vocab *v)
{
    size_t n = v->n;
    int64_t *count = rn_malloc(2 * n * sizeof *count, "Huffman tree");
    size_t *parent = rn_malloc(2 * n * sizeof *parent, "Huffman tree");
    uint8_t *branch = rn_calloc(2 * n, 1, "Huffman tree");
    v->code_start = rn_malloc((n + 1) * sizeof *v->code_start, "Huffman tree");
    int rc = RN_OK;
    if (count == NULL || parent == NULL || branch == NULL || v->code_start == NULL) {
        rc = RN_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        count[i] = v->counts[i];
    size_t leaf = n, inner = n; /* leaf: one past the next rarest leaf; inner: next inner node */
    for (size_t a = 0; a + 1 < n; a++) {
        size_t pick[2];
        for (int j = 0; j < 2; j++) {
            if (leaf > 0 && (inner >= n + a || count[leaf - 1] < count[inner]))
                pick[j] = --leaf;
            else
                pick[j] = inner++;
        }
        count[n + a] = count[pick[0]] + count[pick[1]];
        parent[pick[0]] = parent[pick[1]] = n + a;
        branch[pick[1]] = 1;
    }
    /* each word's path: walk up to the root (node 2n - 2), then reverse */
    size_t total = 0;
    for (size_t w = 0; w < n; w++) {
        v->code_start[w] = total;
        for (size_t b = w; n > 1 && b != 2 * n - 2; b = parent[b])
            total++;
    }
    v->code_start[n] = total;
    v->codes = rn_malloc(total ? total : 1, "Huffman codes");
    v->points = rn_malloc((total ? total : 1) * sizeof *v->points, "Huffman codes");
    if (v->codes == NULL || v->points == NULL) {
        rc = RN_ENOMEM;
        goto done;
    }
    for (size_t w = 0; w < n; w++) {
        size_t end = v->code_start[w + 1], i = end;
        for (size_t b = w; n > 1 && b != 2 * n - 2; b = parent[b]) {
            i--;
            v->codes[i] = branch[b];
            v->points[i] = (int32_t)(parent[b] - n); /* inner node, 0 = the first merged */
        }
    }
done:
    rn_free(count);
    rn_free(parent);
    rn_free(branch);
    return rc;
}

/* ---- noise distribution ------------------------------------------------------------------------ */

/* Vose's alias method: columns of mean probability 1/n; each column keeps
 * its own word with probability prob and otherwise gives its alias. */
int rn__w2v_vocab_noise(rn__w2v_vocab *v, double power)
{
    size_t n = v->n;
    double *p = rn_malloc(n * sizeof *p, "noise table");
    size_t *small = rn_malloc(n * sizeof *small, "noise table");
    size_t *large = rn_malloc(n * sizeof *large, "noise table");
    v->alias_prob = rn_malloc(n * sizeof *v->alias_prob, "noise table");
    v->alias = rn_malloc(n * sizeof *v->alias, "noise table");
    int rc = RN_OK;
    if (p == NULL || small == NULL || large == NULL || v->alias_prob == NULL || v->alias == NULL) {
        rc = RN_ENOMEM;
        goto done;
    }
    double sum = 0;
    for (size_t w = 0; w < n; w++)
        sum += p[w] = pow((double)v->counts[w], power);
    size_t ns = 0, nl = 0;
    for (size_t w = 0; w < n; w++) {
        p[w] *= (double)n / sum;
        if (p[w] < 1)
            small[ns++] = w;
        else
            large[nl++] = w;
    }
    while (ns > 0 && nl > 0) {
        size_t s = small[--ns], l = large[nl - 1];
        v->alias_prob[s] = (uint32_t)(p[s] * 4294967296.0);
        v->alias[s] = (int32_t)l;
        p[l] -= 1 - p[s];
        if (p[l] < 1) {
            nl--;
            small[ns++] = l;
        }
    }
    /* what is left is 1 up to rounding: keep always */
    while (nl > 0) {
        size_t l = large[--nl];
        v->alias_prob[l] = UINT32_MAX;
        v->alias[l] = (int32_t)l;
    }
    while (ns > 0) {
        size_t s = small[--ns];
        v->alias_prob[s] = UINT32_MAX;
        v->alias[s] = (int32_t)s;
    }
done:
    rn_free(p);
    rn_free(small);
    rn_free(large);
    return rc;
}

void rn__w2v_vocab_free(rn__w2v_vocab *v)
{
    rn_free(v->ids);
    rn_free(v->counts);
    rn_free(v->code_start);
    rn_free(v->codes);
    rn_free(v->points);
    rn_free(v->alias_prob);
    rn_free(v->alias);
    memset(v, 0, sizeof *v);
}
