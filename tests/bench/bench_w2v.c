/* word2vec's benchmark binary (tests/bench/bench_w2v.py drives it against
 * gensim; not a test): trains on a text corpus and writes the vectors.
 *
 *     bench_w2v CORPUS OUT.vec [threads [sg [negative [hs [epochs [dim [min_alpha]]]]]]]
 *
 * Prints one JSON line: tokens, training seconds (after the vocabulary and
 * corpus are built, as gensim's train() is timed) and words/s. */
#include <stdio.h>
#include <stdlib.h>

#include "embed/word2vec.h"
#include "embeddings.h"
#include "error.h"

static int last(void *ud, const rn_w2v_progress *p)
{
    *(rn_w2v_progress *)ud = *p;
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_w2v CORPUS OUT.vec [threads [sg [negative [hs [epochs [dim [min_alpha]]]]]]]\n");
        return 2;
    }
    rn_w2v_config c = rn_w2v_defaults();
    c.threads = argc > 3 ? atoi(argv[3]) : 2;
    c.sg = argc > 4 ? atoi(argv[4]) : 1;
    c.negative = argc > 5 ? atoi(argv[5]) : 5;
    c.hs = argc > 6 ? atoi(argv[6]) : 0;
    c.epochs = argc > 7 ? atoi(argv[7]) : 1;
    c.dim = argc > 8 ? atoi(argv[8]) : 100;
    c.min_alpha = argc > 9 ? atof(argv[9]) : c.min_alpha;
    rn_w2v_progress p = {0};
    rn_w2v_hooks h = {last, &p};
    rn_embeddings *e = rn_w2v_train_text(argv[1], &c, &h);
    if (e == NULL) {
        fprintf(stderr, "bench_w2v: %s\n", rn_error());
        return 1;
    }
    if (rn_emb_save_word2vec(e, argv[2], 1) != RN_OK) {
        fprintf(stderr, "bench_w2v: %s\n", rn_error());
        return 1;
    }
    printf("{\"tokens\": %llu, \"seconds\": %.4f, \"words_per_sec\": %.1f, \"loss\": %.4f}\n",
           (unsigned long long)p.words_done, p.elapsed, p.words_per_sec, p.loss);
    rn_emb_free(e);
    return 0;
}
