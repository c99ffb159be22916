#!/usr/bin/python3
"""word2vec: recnote against gensim on the same generated corpus, in one
script. A benchmark, not a test: it prints numbers and ratios. Needs Debian's
python3-gensim and numpy; without them it says so and exits 0.

    /usr/bin/python3 tests/bench/bench_w2v.py BUILD/tests/embed/bench_w2v [tokens [repeats]]

The corpus (default 10M tokens) has known topics: 50 topics of 200 words and
50 stop words every topic uses (20% of tokens); each sentence of 20 tokens
draws from one topic, Zipf within it, except that 80% of its topic words
come from a random topic (tests/embed/topic_corpus.h's scheme), so that
neither model reaches a perfect score and a difference in quality shows.
Both train skip-gram with negative sampling, dim 100, window 5, 5 negatives,
sample 1e-3, min_count 5, alpha 0.025, 1 epoch, 2 threads. Runs alternate
(recnote, gensim, recnote, ...) and each keeps its best of `repeats` (default
3): a shared machine's load swings single runs.

words/s = the corpus's tokens / the training time, vocabulary building
excluded for both (gensim: model.train() after build_vocab(); recnote: from
the start of the training loop). gensim is timed twice: with the sentences
in memory as lists of str (its usual API) and with corpus_file= (its fastest
mode, reading a LineSentence file in C++ threads). Quality, for both: the
mean share of the 10 nearest neighbours (cosine) of the 1000 most frequent
topic words that are in the word's own topic; our vectors are read with
gensim's KeyedVectors.load_word2vec_format, so the loader is checked too.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    from gensim.models import KeyedVectors, Word2Vec
except ImportError:
    print("bench_w2v: gensim or numpy (python3-gensim) is not installed: skipped")
    sys.exit(0)

N_TOPICS, PER_TOPIC, N_STOP, STOP_SHARE, NOISE, SENT = 50, 200, 50, 0.2, 0.8, 20
PARAMS = dict(vector_size=100, window=5, negative=5, hs=0, sg=1, sample=1e-3, min_count=5,
              alpha=0.025, min_alpha=0.0001, epochs=1, workers=2, seed=1)


def zipf_draw(rng, n, size):
    p = 1.0 / np.arange(1, n + 1)
    return rng.choice(n, size=size, p=p / p.sum())


def make_corpus(n_tokens, seed=11):
    rng = np.random.default_rng(seed)
    n_seq = n_tokens // SENT
    topic = rng.integers(0, N_TOPICS, size=n_seq)
    topic = np.repeat(topic[:, None], SENT, axis=1)
    noisy = rng.random((n_seq, SENT)) < NOISE
    topic[noisy] = rng.integers(0, N_TOPICS, size=int(noisy.sum()))
    ids = N_STOP + topic * PER_TOPIC + zipf_draw(rng, PER_TOPIC, (n_seq, SENT))
    stop = rng.random((n_seq, SENT)) < STOP_SHARE
    ids[stop] = zipf_draw(rng, N_STOP, int(stop.sum()))
    return ids


def topic_of(word):
    i = int(word[1:])
    return -1 if i < N_STOP else (i - N_STOP) // PER_TOPIC


def quality(kv, n_queries=1000):
    words = [w for w in kv.index_to_key if topic_of(w) >= 0][:n_queries]
    m = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    idx = [kv.key_to_index[w] for w in words]
    sims = m[idx] @ m.T
    sims[np.arange(len(idx)), idx] = -np.inf
    top = np.argpartition(-sims, 10, axis=1)[:, :10]
    topics = np.array([topic_of(w) for w in kv.index_to_key])
    want = np.array([topic_of(w) for w in words])
    return float((topics[top] == want[:, None]).mean())


def run_recnote(binary, corpus, out):
    r = subprocess.run([binary, corpus, out, "2", "1", "5", "0", "1", "100"],
                       capture_output=True, text=True, check=True)
    res = json.loads(r.stdout)
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    return res["words_per_sec"], quality(kv), res["seconds"]


def run_gensim(sentences, n_tokens, corpus_file=None):
    if corpus_file:
        m = Word2Vec(**dict(PARAMS, epochs=1))
        m.build_vocab(corpus_file=corpus_file)
        t = time.perf_counter()
        m.train(corpus_file=corpus_file, total_examples=m.corpus_count,
                total_words=m.corpus_total_words, epochs=1)
    else:
        m = Word2Vec(**PARAMS)
        m.build_vocab(sentences)
        t = time.perf_counter()
        m.train(sentences, total_examples=m.corpus_count, epochs=1)
    secs = time.perf_counter() - t
    return n_tokens / secs, quality(m.wv), secs


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    n_tokens = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    ids = make_corpus(n_tokens)
    n_tokens = ids.size
    words = np.array(["w%d" % i for i in range(N_STOP + N_TOPICS * PER_TOPIC)])
    sentences = [list(row) for row in words[ids]]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as f:
            for s in sentences:
                f.write(" ".join(s) + "\n")
        out = os.path.join(tmp, "ours.vec")
        best = {"recnote": None, "gensim": None, "gensim corpus_file": None}
        for rep in range(repeats):
            for name in best:
                if name == "recnote":
                    r = run_recnote(binary, corpus, out)
                elif name == "gensim":
                    r = run_gensim(sentences, n_tokens)
                else:
                    r = run_gensim(None, n_tokens, corpus_file=corpus)
                print("  run %d %-20s %9.0f words/s  quality %.4f  %.2f s" % (rep + 1, name, *r),
                      flush=True)
                if best[name] is None or r[0] > best[name][0]:
                    best[name] = r
    print("\nSGNS dim 100, window 5, 5 negatives, 1 epoch, 2 threads, %d tokens, best of %d"
          % (n_tokens, repeats))
    for name, (wps, q, secs) in best.items():
        print("  %-20s %9.0f words/s  topic share of 10 neighbours %.4f" % (name, wps, q))
    ours = best["recnote"]
    for name in ("gensim", "gensim corpus_file"):
        print("  recnote / %-19s words/s ratio %.2fx, quality difference %+.4f"
              % (name, ours[0] / best[name][0], ours[1] - best[name][1]))


if __name__ == "__main__":
    main()
