#!/usr/bin/env python3
"""gensim reads our word2vec files: KeyedVectors.load_word2vec_format on the
text and binary files e:save writes gives the same vectors (exactly), keys
that decode to our labels, and the same 10 nearest neighbours (cosine) with
scores within 1e-5.

    test_gensim.py <recnote binary>

Exits 77 (ctest: skipped) when gensim (Debian: python3-gensim) is absent.
Prints "N passed, N failed".
"""
import os
import re
import subprocess
import sys
import tempfile

try:
    import gensim
    import numpy as np
    from gensim.models import KeyedVectors
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


# Labels that need the encoding: spaces, '_', '%', non-ASCII, parentheses, commas.
LUA = r"""
local rec = require "rec"
local dir = ...
math.randomseed(3)
local rows, labels = {}, {}
local special = {"Toy Story (1995)", "Cry_Wolf (a.k.a. Cry Wolf) (2005)", "Misérables, Les (1995)",
                 "100% Love (2011)", "Léon: The Professional (1994)", "8½ (1963)"}
for i = 1, 400 do
  rows[i] = {}
  for j = 1, 24 do rows[i][j] = (math.random() - 0.5) * (j % 5 + 1) end
  labels[i] = special[i] or string.format("Movie number %d (19%02d)", i, i % 100)
end
local e = rec.embeddings.new(rows, {labels = labels})
e:save(dir .. "/e.vec")
e:save(dir .. "/e.bin")
-- our vectors, exactly ("%.9g" of each float), and our neighbours
local out = io.open(dir .. "/expected.txt", "w")
for i = 1, #e do
  local v = e:vector(i)
  local parts = {}
  for j = 1, #v do parts[j] = string.format("%.9g", v[j]) end
  out:write(labels[i], "\t", table.concat(parts, " "), "\n")
end
out:close()
local nb = io.open(dir .. "/neighbours.txt", "w")
for _, q in ipairs {1, 2, 3, 4, 5, 6, 50, 123, 399} do
  for _, x in ipairs(e:neighbors(labels[q], 10)) do
    nb:write(labels[q], "\t", x.label, "\t", string.format("%.9g", x.score), "\n")
  end
end
nb:close()
"""


def decode(token):
    """Our token decoding: '_' is a space, %XX a byte (see engine/embeddings.h)."""
    raw = token.replace("_", " ").encode("utf-8")
    return re.sub(rb"%([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), raw).decode("utf-8")


def main():
    recnote = sys.argv[1]
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "write.lua")
        with open(script, "w") as f:
            f.write(LUA.replace("local dir = ...", f"local dir = {d!r}"))
        env = dict(os.environ, SDL_VIDEODRIVER="dummy")
        subprocess.run([recnote, "--headless", script], check=True, env=env)
        expected = {}
        order = []
        with open(os.path.join(d, "expected.txt"), encoding="utf-8") as f:
            for line in f:
                label, values = line.rstrip("\n").split("\t")
                expected[label] = np.array([float(x) for x in values.split()], dtype=np.float32)
                order.append(label)
        for name, binary in (("e.vec", False), ("e.bin", True)):
            kv = KeyedVectors.load_word2vec_format(os.path.join(d, name), binary=binary)
            check(len(kv) == 400 and kv.vector_size == 24, f"{name}: 400 x 24")
            keys = list(kv.index_to_key)
            check([decode(k) for k in keys] == order, f"{name}: keys decode to our labels, in order")
            check(keys[0] == "Toy_Story_(1995)", f"{name}: key 'Toy_Story_(1995)' (got {keys[0]!r})")
            check(keys[1] == "Cry%5FWolf_(a.k.a._Cry_Wolf)_(2005)", f"{name}: key {keys[1]!r}")
            exact = all(np.array_equal(kv[k], expected[decode(k)]) for k in keys)
            check(exact, f"{name}: every vector equal to ours, bit for bit")
            same, worst = True, 0.0
            with open(os.path.join(d, "neighbours.txt"), encoding="utf-8") as f:
                ours = {}
                for line in f:
                    q, label, score = line.rstrip("\n").split("\t")
                    ours.setdefault(q, []).append((label, float(score)))
            for q, lst in ours.items():
                token = keys[order.index(q)]
                theirs = kv.most_similar(token, topn=10)
                same = same and [decode(k) for k, _ in theirs] == [label for label, _ in lst]
                worst = max(worst, max(abs(s - t) for (_, s), (_, t) in zip(theirs, lst)))
            check(same, f"{name}: gensim's most_similar lists our 10 neighbours of 9 queries")
            check(worst < 1e-5, f"{name}: scores within 1e-5 (worst {worst:.2g})")
            print(f"{name}: gensim {gensim.__version__} read 400 x 24; "
                  f"neighbours agree, worst score difference {worst:.2g}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
