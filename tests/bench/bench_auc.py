#!/usr/bin/python3
"""AUC of 10 million scores: recnote's rn_auc (the bench_auc binary) against
scikit-learn's roc_auc_score on the same data, in one script. A benchmark, not
a test. Needs Debian's python3-sklearn; run with /usr/bin/python3:

    /usr/bin/python3 tests/bench/bench_auc.py build-data/tests/engine/bench_auc [n]
"""
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.metrics import roc_auc_score

binary = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
rng = np.random.default_rng(1)
y = (rng.random(n) < 0.2).astype(np.float32)
# scores rounded to 1/1000: many ties, as real click models produce
s = (np.round((rng.standard_normal(n) + 0.8 * y) * 1000) / 1000).astype(np.float32)

with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
    f.write(np.uint64(n).tobytes())
    f.write(y.tobytes())
    f.write(s.tobytes())
    path = f.name
try:
    out = subprocess.run([binary, "--file", path], check=True, capture_output=True, text=True)
finally:
    os.unlink(path)
fields = out.stdout.split()
ours, ours_t = float(fields[1]), float(fields[3])

best = 1e30
for _ in range(2):
    t0 = time.perf_counter()
    ref = roc_auc_score(y, s)
    best = min(best, time.perf_counter() - t0)
print("n = %d" % n)
print("recnote rn_auc        %.4f s  auc %.15f" % (ours_t, ours))
print("sklearn roc_auc_score %.4f s  auc %.15f" % (best, ref))
print("difference %.3g, speed-up x%.1f" % (abs(ours - ref), best / ours_t))
