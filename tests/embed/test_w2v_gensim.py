#!/usr/bin/env python3
"""word2vec files both ways between recnote and gensim / word2vec.c:

1. rec.word2vec trains on a small topic corpus and saves text and binary
   files; gensim's KeyedVectors.load_word2vec_format reads them and its
   most_similar lists our 10 neighbours of every word, scores within 1e-5.
2. gensim trains Word2Vec on the same corpus and saves both formats (its
   binary rows have no '\\n' after the floats); a file in word2vec.c's binary
   layout (a '\\n' after each row) is written here by hand. rec.embeddings.load
   reads all three, with gensim's vectors exactly and gensim's neighbours.
3. Both models learnt the topics: the share of each word's 5 neighbours in
   its topic is at least 0.9 for ours and gensim's.

    test_w2v_gensim.py <recnote binary>

Exits 77 (ctest: skipped) when gensim (Debian: python3-gensim) is absent.
Prints "N passed, N failed".
"""
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from gensim.models import KeyedVectors, Word2Vec
except ImportError as err:
    print(f"skipped: gensim is not installed ({err}); Debian: apt-get install python3-gensim")
    sys.exit(77)

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}", file=sys.stderr)


TOPICS = [["t%dw%d" % (t, i) for i in range(8)] for t in range(4)]

LUA = r"""
local rec = require "rec"
local dir = DIR
-- ours: train, save, list neighbours
local e = rec.word2vec{file = dir .. "/corpus.txt", dim = 16, epochs = 5, progress = false}
e:save(dir .. "/ours.vec")
e:save(dir .. "/ours.bin")
local out = io.open(dir .. "/ours_nb.txt", "w")
for _, w in ipairs(e:labels()) do
  for _, x in ipairs(e:neighbors(w, 10)) do
    out:write(w, "\t", x.label, "\t", string.format("%.9g", x.score), "\n")
  end
end
out:close()
-- theirs: load each file, list vectors and neighbours
for _, name in ipairs{"gensim.vec", "gensim.bin", "w2vc.bin"} do
  local g = rec.embeddings.load(dir .. "/" .. name)
  local f = io.open(dir .. "/" .. name .. ".read.txt", "w")
  for _, w in ipairs(g:labels()) do
    local v = g:vector(w)
    local parts = {}
    for j = 1, #v do parts[j] = string.format("%.9g", v[j]) end
    local nb = {}
    for _, x in ipairs(g:neighbors(w, 5)) do nb[#nb + 1] = x.label end
    f:write(w, "\t", table.concat(parts, " "), "\t", table.concat(nb, " "), "\n")
  end
  f:close()
end
"""


def topic(w):
    return int(w[1:w.index("w")])


def main():
    recnote = sys.argv[1]
    rng = np.random.default_rng(5)
    sentences = []
    for i in range(3000):
        words = TOPICS[i % 4]
        sentences.append([words[j] for j in rng.integers(0, 8, size=10)])
    with tempfile.TemporaryDirectory() as d:
        with open(os.path.join(d, "corpus.txt"), "w") as f:
            for s in sentences:
                f.write(" ".join(s) + "\n")
        g = Word2Vec(sentences, vector_size=16, window=5, min_count=5, sg=1, negative=5,
                     epochs=5, workers=1, seed=1)
        g.wv.save_word2vec_format(os.path.join(d, "gensim.vec"), binary=False)
        g.wv.save_word2vec_format(os.path.join(d, "gensim.bin"), binary=True)
        with open(os.path.join(d, "w2vc.bin"), "wb") as f:  # word2vec.c's layout
            f.write(b"%d %d\n" % (len(g.wv), 16))
            for k in g.wv.index_to_key:
                f.write(k.encode() + b" " + struct.pack("<16f", *g.wv[k]) + b"\n")
        script = os.path.join(d, "run.lua")
        with open(script, "w") as f:
            f.write(LUA.replace("DIR", repr(d)))
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        subprocess.run([recnote, "--headless", script], check=True, env=env)

        # 1. gensim reads ours
        ours = {}
        with open(os.path.join(d, "ours_nb.txt")) as f:
            for line in f:
                q, w, s = line.rstrip("\n").split("\t")
                ours.setdefault(q, []).append((w, float(s)))
        for name, binary in (("ours.vec", False), ("ours.bin", True)):
            kv = KeyedVectors.load_word2vec_format(os.path.join(d, name), binary=binary)
            check(len(kv) == 32 and kv.vector_size == 16, f"{name}: 32 x 16")
            same, worst = True, 0.0
            for q, lst in ours.items():
                theirs = kv.most_similar(q, topn=10)
                same = same and [w for w, _ in theirs] == [w for w, _ in lst]
                worst = max(worst, max(abs(a - b) for (_, a), (_, b) in zip(theirs, lst)))
            check(same, f"{name}: gensim's most_similar lists our 10 neighbours of all 32 words")
            check(worst < 1e-5, f"{name}: scores within 1e-5 (worst {worst:.2g})")
            q = np.mean([sum(topic(w) == topic(x) for x, _ in kv.most_similar(w, topn=5)) / 5
                         for w in kv.index_to_key])
            check(q >= 0.9, f"{name}: our vectors learnt the topics ({q:.2f} >= 0.9)")
            print(f"{name}: gensim read our trained vectors; neighbours agree "
                  f"(worst score difference {worst:.2g}); topic share {q:.2f}")

        # 2. we read gensim's and word2vec.c's
        gq = np.mean([sum(topic(w) == topic(x) for x, _ in g.wv.most_similar(w, topn=5)) / 5
                      for w in g.wv.index_to_key])
        check(gq >= 0.9, f"gensim learnt the topics ({gq:.2f})")
        for name in ("gensim.vec", "gensim.bin", "w2vc.bin"):
            rows = {}
            with open(os.path.join(d, name + ".read.txt")) as f:
                for line in f:
                    w, vals, nb = line.rstrip("\n").split("\t")
                    rows[w] = (np.array([float(x) for x in vals.split()], dtype=np.float32),
                               nb.split())
            check(list(rows) == list(g.wv.index_to_key), f"{name}: every word, in gensim's order")
            exact = all(np.array_equal(rows[w][0], g.wv[w]) for w in rows)
            check(exact, f"{name}: every vector equal to gensim's, bit for bit")
            agree = np.mean([len(set(rows[w][1]) & {x for x, _ in g.wv.most_similar(w, topn=5)}) / 5
                             for w in rows])
            check(agree >= 0.99, f"{name}: our neighbours are gensim's ({agree:.3f})")
            print(f"{name}: read by rec.embeddings.load, vectors exact, neighbours agree {agree:.3f}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
