#!/usr/bin/python3
"""word2vec: recnote against gensim on the same generated corpus, in one
script. A benchmark, not a test: it prints numbers and ratios. Needs Debian's
python3-gensim and numpy; without them it says so and exits 0.

    /usr/bin/python3 tests/bench/bench_w2v.py BUILD/tests/embed/bench_w2v [tokens [repeats [modes]]]

modes: a comma list of gensim's modes to time, "list" (sentences in memory
as lists of str, its usual API) and/or "file" (corpus_file=, a LineSentence
file read by C++ threads, its fastest); default "list,file".

The corpus (default 10M tokens) is made hard on purpose, so that neither
model scores near 1 and a difference in quality shows:
- 100 topics of 500 words each, Zipf within a topic (p ~ 1 / rank): a
  topic's head words occur thousands of times, its tail ones a few dozen;
- 100 hub words every topic uses (Zipf too), 20% of the tokens;
- each sentence of 20 tokens has a main topic (20% of its tokens) and a
  secondary topic (15%) that is one of the main topic's 4 nearest (t +- 1,
  t +- 2), so neighbouring topics overlap; the other 45% are noise, words of
  a random topic.
With these settings the share of same-topic neighbours is near 0.6 (about
0.99 for a topic's frequent words, 0.4 for its rare ones).

Reading the two gensim modes' quality: with corpus_file= and 2 workers,
each worker's learning rate falls with its own progress measured against
the whole corpus, so it ends near alpha / 2 instead of min_alpha, a higher
rate on average, which a single epoch on this corpus rewards (gensim 4.2,
measured: 0.71 with 2 workers, 0.59 with 1; recnote with min_alpha = 0.0125
comes to 0.69). The in-memory mode ("list") follows the schedule asked for,
as recnote does: compare quality with it.

Both train skip-gram with negative sampling, dim 100, window 5, 5 negatives,
sample 1e-3, min_count 5, alpha 0.025 -> 0.0001, 1 epoch, 2 threads. Runs
alternate (recnote, gensim, ...) and each keeps its best words/s of
`repeats` (default 3): a shared machine's load swings single runs. Quality
is the mean over all runs (Hogwild makes each run a little different).

words/s = the corpus's tokens / the training time, vocabulary building
excluded for both (gensim: model.train() after build_vocab(); recnote: from
the start of the training loop).

Quality, two measures, for both; the queries are every word of 10 of the
topics (every tenth), 5,000 words; the neighbours are searched among all
vectors (cosine); our vectors are read with gensim's
KeyedVectors.load_word2vec_format, so the loader is checked too:
- share@10: the mean share of a query's 10 nearest neighbours that are in
  its topic;
- the same split by frequency: "frequent" = a topic's 50 most frequent
  words (rank < 50), "rare" = its 250 least frequent (rank >= 250), where a
  word is seen ~30 times or fewer and the vector is mostly noise.
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

N_TOPICS, PER_TOPIC, N_HUB, SENT = 100, 500, 100, 20
P_HUB, P_MAIN, P_SECOND, NEAR = 0.20, 0.20, 0.15, 2
QUERY_EVERY = 10  # the queries: every word of topics 0, 10, 20, ...
PARAMS = dict(vector_size=100, window=5, negative=5, hs=0, sg=1, sample=1e-3, min_count=5,
              alpha=0.025, min_alpha=0.0001, epochs=1, workers=2, seed=1)


def zipf_p(n):
    p = 1.0 / np.arange(1, n + 1)
    return p / p.sum()


def make_corpus(n_tokens, seed=11):
    """ids (n_seq x SENT): hubs 0..N_HUB-1, then topic t's word of rank r is
    N_HUB + t * PER_TOPIC + r."""
    rng = np.random.default_rng(seed)
    n_seq = n_tokens // SENT
    main = rng.integers(0, N_TOPICS, size=n_seq)
    second = (main + rng.integers(1, NEAR + 1, size=n_seq) * rng.choice([-1, 1], size=n_seq)) % N_TOPICS
    u = rng.random((n_seq, SENT))
    noise_topic = rng.integers(0, N_TOPICS, size=(n_seq, SENT))
    topic = np.where(u < P_HUB + P_MAIN, main[:, None],
                     np.where(u < P_HUB + P_MAIN + P_SECOND, second[:, None], noise_topic))
    ids = N_HUB + topic * PER_TOPIC + rng.choice(PER_TOPIC, size=(n_seq, SENT), p=zipf_p(PER_TOPIC))
    hub = u < P_HUB
    ids[hub] = rng.choice(N_HUB, size=int(hub.sum()), p=zipf_p(N_HUB))
    return ids


def quality(kv):
    """(share@10 over all queries, over frequent ones, over rare ones)"""
    num = np.array([int(w[1:]) for w in kv.index_to_key])
    topic = np.where(num < N_HUB, -1, (num - N_HUB) // PER_TOPIC)
    rank = np.where(num < N_HUB, -1, (num - N_HUB) % PER_TOPIC)
    m = kv.vectors / np.linalg.norm(kv.vectors, axis=1, keepdims=True)
    queries = np.nonzero((topic >= 0) & (topic % QUERY_EVERY == 0))[0]
    share = np.empty(len(queries))
    for lo in range(0, len(queries), 1000):
        q = queries[lo:lo + 1000]
        sims = m[q] @ m.T
        sims[np.arange(len(q)), q] = -np.inf
        top = np.argpartition(-sims, 10, axis=1)[:, :10]
        share[lo:lo + len(q)] = (topic[top] == topic[q][:, None]).mean(axis=1)
    r = rank[queries]
    return share.mean(), share[r < 50].mean(), share[r >= 250].mean()


def run_recnote(binary, corpus, out):
    r = subprocess.run([binary, corpus, out, "2", "1", "5", "0", "1", "100"],
                       capture_output=True, text=True, check=True)
    res = json.loads(r.stdout)
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    return res["words_per_sec"], quality(kv)


def run_gensim(sentences, n_tokens, corpus_file=None):
    m = Word2Vec(**PARAMS)
    if corpus_file:
        m.build_vocab(corpus_file=corpus_file)
        t = time.perf_counter()
        m.train(corpus_file=corpus_file, total_examples=m.corpus_count,
                total_words=m.corpus_total_words, epochs=1)
    else:
        m.build_vocab(sentences)
        t = time.perf_counter()
        m.train(sentences, total_examples=m.corpus_count, epochs=1)
    return n_tokens / (time.perf_counter() - t), quality(m.wv)


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    n_tokens = int(float(sys.argv[2])) if len(sys.argv) > 2 else 10_000_000
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    modes = sys.argv[4].split(",") if len(sys.argv) > 4 else ["list", "file"]
    ids = make_corpus(n_tokens)
    n_tokens = ids.size
    words = np.array(["w%d" % i for i in range(N_HUB + N_TOPICS * PER_TOPIC)])
    sentences = [list(row) for row in words[ids]] if "list" in modes else None
    names = ["recnote"] + ["gensim " + m for m in modes]
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, "corpus.txt")
        with open(corpus, "w") as f:
            for row in words[ids]:
                f.write(" ".join(row) + "\n")
        out = os.path.join(tmp, "ours.vec")
        speed = {n: 0.0 for n in names}
        quals = {n: [] for n in names}
        for rep in range(repeats):
            for name in names:
                if name == "recnote":
                    wps, q = run_recnote(binary, corpus, out)
                elif name == "gensim list":
                    wps, q = run_gensim(sentences, n_tokens)
                else:
                    wps, q = run_gensim(None, n_tokens, corpus_file=corpus)
                print("  run %d %-12s %9.0f words/s  share@10 %.4f (frequent %.4f, rare %.4f)"
                      % (rep + 1, name, wps, *q), flush=True)
                speed[name] = max(speed[name], wps)
                quals[name].append(q)
    print("\nSGNS dim 100, window 5, 5 negatives, 1 epoch, 2 threads, %d tokens, %d words;"
          " words/s best of %d, quality mean of %d" % (n_tokens, len(words), repeats, repeats))
    qual = {n: np.mean(quals[n], axis=0) for n in names}
    for n in names:
        print("  %-12s %9.0f words/s  share@10 %.4f (frequent %.4f, rare %.4f)"
              % (n, speed[n], *qual[n]))
    for n in names[1:]:
        d = qual["recnote"] - qual[n]
        print("  recnote / %-12s words/s ratio %.2fx; quality difference %+.4f "
              "(frequent %+.4f, rare %+.4f)" % (n, speed["recnote"] / speed[n], *d))


if __name__ == "__main__":
    main()
