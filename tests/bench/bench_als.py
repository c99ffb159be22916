#!/usr/bin/python3
"""One ALS iteration (explicit ALS-WR with biases, k = 32) on the shipped
MovieLens ratings: recnote's engine (the bench_als binary) against a numpy
reference of the same algorithm in this script, on the same seeded 80/20
split. A benchmark, not a test: it prints numbers and the ratio.

    /usr/bin/python3 tests/bench/bench_als.py BUILD/tests/mf/bench_als [repeats]

The reference: for each user, then each item, gather the partners' rows
[q_i, 1], form A = FᵀF + lambda n I and b = Fᵀ(r - mu - b_i), and
np.linalg.solve (LAPACK); the ratings are grouped by row once, outside the
timing, as the engine's CSR is built before its clock starts. Each of
`repeats` rounds (default 3) runs recnote with 2 threads, recnote with 1
thread and numpy, interleaved, 10 iterations each; an implementation's time
is its median iteration, and the best round counts (a shared machine's load
swings single runs). Both must reach the same test RMSE within 0.005.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

K_FACTORS, LAMBDA, ITERS = 32, 0.1, 10


def load(root):
    raw = np.genfromtxt(os.path.join(root, "assets/movielens/ratings.csv"), delimiter=",",
                        skip_header=1)
    u, i, r = raw[:, 0].astype(np.int64), raw[:, 1].astype(np.int64), raw[:, 2]
    perm = np.random.default_rng(7).permutation(len(r))
    n_train = int(round(0.8 * len(r)))
    return (u[perm[:n_train]], i[perm[:n_train]], r[perm[:n_train]]), \
           (u[perm[n_train:]], i[perm[n_train:]], r[perm[n_train:]])


class NumpyALS:
    """ALS-WR with biases, the engine's algorithm (engine/mf/als.h) in numpy."""

    def __init__(self, train, k, lam, seed=1):
        u, i, r = train
        self.uids, ur = np.unique(u, return_inverse=True)
        self.iids, ir = np.unique(i, return_inverse=True)
        self.k, self.lam, self.r = k, lam, r
        self.mu, self.lo, self.hi = r.mean(), r.min(), r.max()
        self.rows = [self._group(ur, ir, len(self.uids)), self._group(ir, ur, len(self.iids))]
        rng = np.random.default_rng(seed)
        self.f = [np.zeros((len(self.uids), k)), rng.normal(0, 0.1, (len(self.iids), k))]
        self.b = [np.zeros(len(self.uids)), np.zeros(len(self.iids))]

    @staticmethod
    def _group(row, other, n):
        order = np.argsort(row, kind="stable")
        bounds = np.searchsorted(row[order], np.arange(n + 1))
        return [(other[order[bounds[q]:bounds[q + 1]]], order[bounds[q]:bounds[q + 1]])
                for q in range(n)]

    def half(self, s):
        o = 1 - s
        F_all = np.hstack([self.f[o], np.ones((len(self.f[o]), 1))])
        eye = np.eye(self.k + 1)
        for q, (partners, ratings) in enumerate(self.rows[s]):
            F = F_all[partners]
            t = self.r[ratings] - self.mu - self.b[o][partners]
            x = np.linalg.solve(F.T @ F + self.lam * len(partners) * eye, F.T @ t)
            self.f[s][q], self.b[s][q] = x[:-1], x[-1]

    def iterate(self):
        self.half(0)
        self.half(1)

    def rmse(self, test):
        u, i, r = test
        ur, ir = np.searchsorted(self.uids, u), np.searchsorted(self.iids, i)
        ku = (ur < len(self.uids)) & (self.uids[np.minimum(ur, len(self.uids) - 1)] == u)
        ki = (ir < len(self.iids)) & (self.iids[np.minimum(ir, len(self.iids) - 1)] == i)
        ur, ir = np.minimum(ur, len(self.uids) - 1), np.minimum(ir, len(self.iids) - 1)
        p = self.mu + np.where(ku, self.b[0][ur], 0) + np.where(ki, self.b[1][ir], 0)
        p += np.where(ku & ki, np.sum(self.f[0][ur] * self.f[1][ir], axis=1), 0)
        p = np.clip(p, self.lo, self.hi)
        return float(np.sqrt(np.mean((r - p) ** 2)))


def run_numpy(train, test):
    m = NumpyALS(train, K_FACTORS, LAMBDA)
    times = []
    for _ in range(ITERS):
        t0 = time.perf_counter()
        m.iterate()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), m.rmse(test)


def run_engine(binary, paths, threads):
    out = subprocess.run([binary, paths[0], paths[1], str(K_FACTORS), str(LAMBDA), str(ITERS),
                          str(threads)], check=True, capture_output=True, text=True).stdout
    res = json.loads(out)
    return float(np.median(res["iter_s"])), res["rmse"]


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    train, test = load(root)
    with tempfile.TemporaryDirectory() as tmp:
        paths = [os.path.join(tmp, "train.txt"), os.path.join(tmp, "test.txt")]
        for path, (u, i, r) in zip(paths, (train, test)):
            np.savetxt(path, np.column_stack([u, i, r]), fmt=["%d", "%d", "%.1f"])
        best = {"recnote 2 threads": (1e9, 0), "recnote 1 thread": (1e9, 0), "numpy": (1e9, 0)}
        for _ in range(repeats):  # interleaved
            for name, fn in (("recnote 2 threads", lambda: run_engine(binary, paths, 2)),
                             ("recnote 1 thread", lambda: run_engine(binary, paths, 1)),
                             ("numpy", lambda: run_numpy(train, test))):
                t, rmse = fn()
                if t < best[name][0]:
                    best[name] = (t, rmse)
    print("ALS-WR with biases, MovieLens latest-small 80/20 (seed 7): %d train ratings, k = %d, "
          "lambda = %g, %d iterations" % (len(train[2]), K_FACTORS, LAMBDA, ITERS))
    print("load average: %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    print("%-18s %12s %10s" % ("", "s/iteration", "test RMSE"))
    for name, (t, rmse) in best.items():
        print("%-18s %12.4f %10.4f" % (name, t, rmse))
    np_t, np_rmse = best["numpy"]
    for name in ("recnote 2 threads", "recnote 1 thread"):
        t, rmse = best[name]
        print("%s: %.1fx numpy's speed; RMSE difference %.4f (%s)" %
              (name, np_t / t, abs(rmse - np_rmse),
               "within 0.005" if abs(rmse - np_rmse) <= 0.005 else "NOT within 0.005"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
