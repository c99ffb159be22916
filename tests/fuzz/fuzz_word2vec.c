/* libFuzzer: the embedding loaders (engine/embeddings.c). The first byte
 * picks the parser: bit 0..1 = 0 word2vec text, 1 word2vec binary, 2 and 3
 * the projector's TSV pair; bit 2 keeps tokens raw (RN_EMB_RAW_TOKENS). For
 * TSV the rest is vectors.tsv, the separator FF 00 FF, then metadata.tsv (no
 * separator: no metadata file). A file that loads is searched once, so a
 * loader that accepts what it should not is caught by the index too. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "embeddings.h"
#include "index.h"

static void probe(rn_embeddings *e)
{
    if (e == NULL || rn_emb_count(e) == 0) return;
    size_t rows[3];
    float scores[3];
    (void)rn_emb_neighbors(e, 0, 3, RN_INDEX_COSINE, rows, scores);
    (void)rn_emb_label(e, 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    int mode = data[0] & 3, flags = data[0] & 4 ? RN_EMB_RAW_TOKENS : 0;
    data++, size--;
    rn_embeddings *e = NULL;
    if (mode < 2) {
        e = rn_emb_load_word2vec(fuzz_file(0, data, size), mode, flags);
    } else {
        const uint8_t *sep = NULL;
        for (size_t i = 0; i + 3 <= size && sep == NULL; i++)
            if (data[i] == 0xff && data[i + 1] == 0 && data[i + 2] == 0xff) sep = data + i;
        if (sep == NULL) {
            e = rn_emb_load_tsv(fuzz_file(0, data, size), NULL);
        } else {
            size_t n = (size_t)(sep - data);
            const char *vectors = fuzz_file(0, data, n);
            e = rn_emb_load_tsv(vectors, fuzz_file(1, sep + 3, size - n - 3));
        }
    }
    probe(e);
    rn_emb_free(e);
    return 0;
}
