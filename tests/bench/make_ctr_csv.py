#!/usr/bin/python3
"""Writes a Criteo-shaped CTR CSV for the loading benchmark (bench_csv.py):
a header, then `rows` records of 40 columns:

    label            0/1 (about 25% ones)
    I1 .. I13        dense counts (log-normal, rounded; 0 to 5% missing: empty)
    C1 .. C26        categorical strings: 8 hex digits, cardinalities from 10
                     to 100,000 drawn Zipf-like (a few values are most rows),
                     0 to 3% missing (empty)

    /usr/bin/python3 tests/bench/make_ctr_csv.py OUT.csv [rows = 1000000] [seed = 1]

Seeded: the same arguments write the same bytes. A C2-style quoted field
(a comma and a doubled quote inside) appears in 1 row in 10,000 so the
loader's quoted path is on the benchmark too.
"""
import sys

import numpy as np

N_DENSE, N_CAT = 13, 26
# cardinalities from 10 to 100k, as in Criteo's day files (a few tiny fields,
# several around a thousand, some very large)
CARDS = [10, 12, 25, 30, 50, 100, 150, 300, 500, 800, 1000, 1500, 2000, 3000, 5000, 8000,
         10000, 15000, 20000, 30000, 40000, 50000, 60000, 75000, 90000, 100000]


def zipf_ids(rng, n, card):
    """n ids in [0, card) with a Zipf-like (s ~ 1.1) popularity."""
    ranks = np.arange(1, card + 1, dtype=np.float64)
    p = ranks ** -1.1
    p /= p.sum()
    return rng.choice(card, size=n, p=p)


def main():
    out = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    rng = np.random.default_rng(seed)
    cols = [np.where(rng.random(rows) < 0.25, "1", "0").astype(object)]
    header = ["label"] + [f"I{j + 1}" for j in range(N_DENSE)] + [f"C{j + 1}" for j in range(N_CAT)]
    for j in range(N_DENSE):
        v = np.floor(np.exp(rng.normal(1.0 + 0.2 * j, 1.2, rows))).astype(np.int64)
        s = v.astype(str).astype(object)
        s[rng.random(rows) < 0.05 * j / N_DENSE] = ""
        cols.append(s)
    for j, card in enumerate(CARDS):
        names = np.array([f"{h:08x}" for h in rng.integers(0, 2**32, card)], dtype=object)
        s = names[zipf_ids(rng, rows, card)]
        s[rng.random(rows) < 0.03 * j / N_CAT] = ""
        if j == 1:
            s[rng.random(rows) < 1e-4] = '"a,""b"""'
        cols.append(s)
    with open(out, "w", newline="") as f:
        f.write(",".join(header) + "\n")
        step = 100_000
        for a in range(0, rows, step):
            b = min(rows, a + step)
            f.write("\n".join(",".join(r) for r in zip(*(c[a:b] for c in cols))))
            f.write("\n")


if __name__ == "__main__":
    main()
