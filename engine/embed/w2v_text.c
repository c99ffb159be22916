/* word2vec on a text file: one sentence per line, tokens separated by ASCII
 * whitespace. Words get ids 1..n in order of first appearance (a string
 * hash over the file held in memory), then training is rn_w2v_train_labeled. */
#include "word2vec.h"

#include <string.h>

#include "alloc.h"
#include "data/data_internal.h"
#include "error.h"

typedef struct {
    size_t cap, n;       /* slots (a power of two), words */
    int64_t *slot;       /* word id, 0: empty */
    const char **word;   /* word[id], id >= 1; pointers into the file's buffer */
    size_t word_cap;
} word_table;

static int is_space(int ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int table_grow(word_table *t)
{
    size_t cap = t->cap ? t->cap * 2 : 4096;
    int64_t *slot = rn_calloc(cap, sizeof *slot, "word2vec words");
    if (slot == NULL) return RN_ENOMEM;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slot[i] > 0) {
            const char *w = t->word[t->slot[i]];
            size_t h = (size_t)rn__fnv1a(w, strlen(w)) & (cap - 1);
            while (slot[h] != 0)
                h = (h + 1) & (cap - 1);
            slot[h] = t->slot[i];
        }
    rn_free(t->slot);
    t->slot = slot;
    t->cap = cap;
    return RN_OK;
}

/* The id of word (NUL-terminated in the buffer), adding it when new. */
static int64_t word_id(word_table *t, const char *w, size_t len)
{
    if (2 * (t->n + 1) > t->cap && table_grow(t) != RN_OK) return -1;
    size_t h = (size_t)rn__fnv1a(w, len) & (t->cap - 1);
    for (; t->slot[h] != 0; h = (h + 1) & (t->cap - 1))
        if (strcmp(t->word[t->slot[h]], w) == 0) return t->slot[h];
    if (rn__grow((void **)&t->word, &t->word_cap, t->n + 2, sizeof *t->word, "word2vec words") !=
        RN_OK)
        return -1;
    t->word[0] = "";
    t->word[++t->n] = w;
    t->slot[h] = (int64_t)t->n;
    return (int64_t)t->n;
}

rn_embeddings *rn_w2v_train_text(const char *path, const rn_w2v_config *c,
                                 const rn_w2v_hooks *hooks)
{
    if (rn_w2v_check_config(c) != RN_OK) return NULL;
    rn__text f;
    if (rn__text_open(&f, path) != RN_OK) return NULL;
    word_table t = {0};
    int64_t *tokens = NULL;
    size_t *offsets = NULL, tok_cap = 0, off_cap = 0, n_tok = 0, n_seq = 0;
    rn_embeddings *e = NULL;
    size_t line = 1;
    char *b = f.buf;
    size_t i = f.pos;
    if (rn__grow((void **)&offsets, &off_cap, 1, sizeof *offsets, "word2vec sentences") != RN_OK)
        goto done;
    offsets[0] = 0;
    while (i < f.len) {
        /* one line */
        while (i < f.len && b[i] != '\n') {
            if (is_space((unsigned char)b[i])) {
                i++;
                continue;
            }
            size_t start = i;
            while (i < f.len && !is_space((unsigned char)b[i])) {
                if (b[i] == '\0') {
                    rn_fail(RN_EPARSE, "%s:%zu: a NUL byte (is this a text file?)", path, line);
                    goto done;
                }
                i++;
            }
            if (i - start > RN_EMB_MAX_LABEL) {
                rn_fail(RN_EPARSE, "%s:%zu: a word of %zu bytes, at most %d", path, line,
                        i - start, RN_EMB_MAX_LABEL);
                goto done;
            }
            int at_newline = i < f.len && b[i] == '\n';
            b[i] = '\0'; /* the word ends here (the buffer has a NUL past its end) */
            int64_t id = word_id(&t, b + start, i - start);
            if (id < 0) goto done;
            if (rn__grow((void **)&tokens, &tok_cap, n_tok + 1, sizeof *tokens, "word2vec tokens") !=
                RN_OK)
                goto done;
            tokens[n_tok++] = id;
            if (at_newline) break; /* the '\n' was overwritten: end the line here */
            i++;
        }
        /* end of the line */
        if (rn__grow((void **)&offsets, &off_cap, n_seq + 2, sizeof *offsets,
                     "word2vec sentences") != RN_OK)
            goto done;
        offsets[++n_seq] = n_tok;
        i++;
        line++;
    }
    if (n_tok == 0) {
        rn_fail(RN_EARG, "word2vec: %s holds no words", path);
        goto done;
    }
    e = rn_w2v_train_labeled(tokens, offsets, n_seq, t.word, t.n + 1, c, hooks);
done:
    rn_free(tokens);
    rn_free(offsets);
    rn_free(t.slot);
    rn_free(t.word);
    rn__text_close(&f);
    return e;
}
