#!/usr/bin/python3
"""Loading a 1M-row, 40-column CTR CSV (tests/bench/make_ctr_csv.py: label,
13 dense with missing values, 26 categorical strings of cardinality 10 to
100k): recnote's rn_load_csv and its binary columnar reload (the bench_csv
binary) against Python baselines on the same file. A benchmark, not a test.

    flock /tmp/recnote-cpu.lock /usr/bin/python3 tests/bench/bench_csv.py \\
        BUILD/tests/engine/bench_csv [FILE.csv] [--before OLD_bench_csv] [--rounds 3]

The file is made (seeded) when absent. Every implementation builds the same
thing: float labels, float dense columns (missing: 0 for recnote, NaN for
numpy), and ids for each categorical column:

  csv module   csv.reader, float(), a dict per column (ids in order of first
               appearance, as recnote's vocabularies)
  numpy        numpy.loadtxt(dtype=str) (its C tokenizer), then astype(float32)
               on the dense columns and numpy.unique(return_inverse=True) on
               each categorical one (ids in sorted order)

pandas is not used (not installed here). Rounds are interleaved and the best
of each counts (a shared machine's load swings single runs); the ratios are
taken within this run. --before times a bench_csv built against an older
engine (the loader before this change) on the same file.
"""
import csv
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def python_csv(path):
    labels, dense, cats = [], [[] for _ in range(13)], [[] for _ in range(26)]
    vocabs = [{} for _ in range(26)]
    with open(path, newline="") as f:
        r = csv.reader(f)
        next(r)
        for row in r:
            labels.append(float(row[0]))
            for j in range(13):
                s = row[1 + j]
                dense[j].append(float(s) if s else 0.0)
            for j in range(26):
                s = row[14 + j]
                if not s:
                    cats[j].append(0)
                else:
                    v = vocabs[j]
                    cats[j].append(v.setdefault(s, len(v) + 1))
    return len(labels), sum(len(v) + 1 for v in vocabs)


def numpy_loadtxt(path):
    a = np.loadtxt(path, delimiter=",", skiprows=1, dtype=str, quotechar='"')
    y = a[:, 0].astype(np.float32)
    d = a[:, 1:14]
    dense = np.where(d == "", "nan", d).astype(np.float32)
    ids = 0
    for j in range(14, 40):
        u, inv = np.unique(a[:, j], return_inverse=True)
        ids += len(u)
    return len(y) + 0 * dense.shape[0], ids


def run_recnote(binary, path, rnd=None):
    args = [binary, path] + ([rnd, "1thread"] if rnd else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def timed(fn, *args):
    t = time.perf_counter()
    out = fn(*args)
    return time.perf_counter() - t, out


def main():
    argv = sys.argv[1:]
    before, rounds = None, 3
    if "--before" in argv:
        i = argv.index("--before")
        before = argv[i + 1]
        del argv[i:i + 2]
    if "--rounds" in argv:
        i = argv.index("--rounds")
        rounds = int(argv[i + 1])
        del argv[i:i + 2]
    binary = argv[0]
    path = argv[1] if len(argv) > 1 else "/tmp/recnote-ctr1m.csv"
    if not os.path.exists(path):
        subprocess.run([sys.executable, os.path.join(HERE, "make_ctr_csv.py"), path, "1000000", "1"],
                       check=True)
    rnd = path + ".rnd"
    best = {}

    def keep(name, t):
        best[name] = min(best.get(name, float("inf")), t)

    for k in range(rounds):
        r = run_recnote(binary, path, rnd)
        keep("recnote csv", r["csv_s"])
        keep("recnote csv on 1 thread", r["csv_1thread_s"])
        keep("recnote binary reload", r["bin_s"])
        keep("recnote binary reload + read every id", r["bin_touch_s"])
        keep("recnote binary save", r["save_s"])
        if before:
            keep("recnote csv before", run_recnote(before, path)["csv_s"])
        t, (n, ids) = timed(python_csv, path)
        keep("python csv module", t)
        t, _ = timed(numpy_loadtxt, path)
        keep("numpy.loadtxt", t)
        print(f"round {k + 1}: " + ", ".join(f"{a} {b:.2f} s" for a, b in best.items()),
              flush=True)
    os.remove(rnd)
    size = os.path.getsize(path)
    print(f"\n{path}: {size / 1e6:.0f} MB, {n} rows, {ids} category ids; best of {rounds}")
    ours = best["recnote csv"]
    for name, t in best.items():
        print(f"  {name:40s} {t:7.3f} s   {t / ours:6.2f}x recnote's CSV load")
    print(json.dumps({k: round(v, 4) for k, v in best.items()}))


if __name__ == "__main__":
    main()
