#!/usr/bin/python3
"""Top-K search: recnote's exact, HNSW and IVF-Flat indexes against Debian's
python3-faiss on the same vectors, in one script. A benchmark, not a test.
Run under the CPU lock with /usr/bin/python3:

    /usr/bin/python3 tests/bench/bench_ann.py BUILD/tests/engine/bench_ann [n [n_ann [nq]]]

The vectors: n (default 1M) x 64, around 1000 N(0, 1) centres with N(0,
0.5^2) noise, L2-normalised (so dot = cosine, as for DSSM's outputs); nq
(1000) queries drawn the same way. Both sides use 2 threads and metric
inner product:

  exact   top-10 over all n: recnote's rec.Index (flat) against IndexFlatIP
  hnsw    the first n_ann (200k) vectors, M = 16, efConstruction = 64,
          against IndexHNSWFlat; recall@10 and queries/s over efSearch
  ivf     the same n_ann, nlist = 1024, 10 k-means iterations, against
          IndexIVFFlat; over nprobe

Each side runs in its own process (so its peak RSS is its own), every
timing is the best of 3. Prints a table, the ratios, and writes the curves
to bench_ann.json beside the binary (tests/bench/bench_ann_plot.lua draws
them).
"""
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

try:
    import faiss
    import numpy as np
except ImportError:
    print("bench_ann: faiss (python3-faiss) is not installed: skipped")
    sys.exit(0)

DIM, K, THREADS = 64, 10, 2


def make_data(d, n, nq):
    rng = np.random.default_rng(1)
    centres = rng.standard_normal((1000, DIM), dtype=np.float32)

    def draw(m):
        x = centres[rng.integers(0, 1000, m)] + 0.5 * rng.standard_normal((m, DIM), dtype=np.float32)
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    draw(n).astype(np.float32).tofile(os.path.join(d, "v.f32"))
    draw(nq).astype(np.float32).tofile(os.path.join(d, "q.f32"))


def best_of(f, reps=3):
    best = 1e30
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        best = min(best, time.perf_counter() - t0)
    return best


def faiss_side(d, n, n_ann, nq):
    """Runs in a child process: prints JSON lines as bench_ann does."""
    faiss.omp_set_num_threads(THREADS)
    v = np.fromfile(os.path.join(d, "v.f32"), dtype=np.float32).reshape(n, DIM)
    q = np.fromfile(os.path.join(d, "q.f32"), dtype=np.float32).reshape(nq, DIM)
    rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = lambda o: print(json.dumps(o), flush=True)
    flat = faiss.IndexFlatIP(DIM)
    flat.add(v)
    t = best_of(lambda: flat.search(q, K))
    out({"stage": "exact", "qps": nq / t, "rss_mb": rss()})
    del flat
    sub = np.ascontiguousarray(v[:n_ann])
    flat = faiss.IndexFlatIP(DIM)
    flat.add(sub)
    _, truth = flat.search(q, K)
    del flat

    def recall(ids):
        return float(np.mean([len(set(ids[i]) & set(truth[i])) / K for i in range(nq)]))

    h = faiss.IndexHNSWFlat(DIM, 16, faiss.METRIC_INNER_PRODUCT)
    h.hnsw.efConstruction = 64
    t0 = time.perf_counter()
    h.add(sub)
    out({"stage": "hnsw_build", "seconds": time.perf_counter() - t0, "rss_mb": rss()})
    for ef in [10, 16, 24, 32, 48, 64, 96, 128, 256]:
        h.hnsw.efSearch = ef
        ids = None

        def run():
            nonlocal ids
            ids = h.search(q, K)[1]

        t = best_of(run)
        out({"stage": "hnsw", "ef_search": ef, "qps": nq / t, "recall": recall(ids)})
    del h
    quant = faiss.IndexFlatIP(DIM)
    f = faiss.IndexIVFFlat(quant, DIM, 1024, faiss.METRIC_INNER_PRODUCT)
    f.cp.niter = 10
    f.cp.seed = 42
    t0 = time.perf_counter()
    f.train(sub)
    train = time.perf_counter() - t0
    f.add(sub)
    out({"stage": "ivf_build", "seconds": time.perf_counter() - t0, "train_seconds": train,
         "rss_mb": rss()})
    for nprobe in [1, 2, 4, 8, 16, 32, 64]:
        f.nprobe = nprobe
        ids = None

        def run():
            nonlocal ids
            ids = f.search(q, K)[1]

        t = best_of(run)
        out({"stage": "ivf", "nprobe": nprobe, "qps": nq / t, "recall": recall(ids)})


def parse(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def at_recall(curve, target):
    """The best queries/s among settings reaching recall >= target (None if none)."""
    ok = [p["qps"] for p in curve if p["recall"] >= target]
    return max(ok) if ok else None


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "--faiss":
        faiss_side(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
        return
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000000
    n_ann = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
    nq = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as d:
        make_data(d, n, nq)
        t0 = time.time()
        ours = parse(subprocess.run([binary, d, str(n), str(n_ann), str(DIM), str(nq),
                                     str(THREADS)], check=True, capture_output=True,
                                    text=True).stdout)
        t1 = time.time()
        theirs = parse(subprocess.run([sys.executable, __file__, "--faiss", d, str(n), str(n_ann),
                                       str(nq)], check=True, capture_output=True,
                                      text=True).stdout)
        t2 = time.time()
    get = lambda rows, s: [r for r in rows if r["stage"] == s]
    o_ex, f_ex = get(ours, "exact")[0], get(theirs, "exact")[0]
    print(f"bench_ann: {n} x {DIM} clustered unit vectors, {nq} queries, top-{K}, {THREADS} threads;"
          f" load before {load[0]:.2f}; recnote {t1 - t0:.0f} s, faiss {t2 - t1:.0f} s")
    print(f"exact   recnote {o_ex['qps']:8.0f} q/s  faiss IndexFlatIP {f_ex['qps']:8.0f} q/s  "
          f"ratio {o_ex['qps'] / f_ex['qps']:.2f}x")
    ceiling = o_ex["peak_gflops"] * 1e9 / (2.0 * n * DIM)
    one = get(ours, "exact_1thread")[0]["qps"]
    print(f"        {o_ex['gflops']:.1f} GFLOP/s = {100 * o_ex['gflops'] / o_ex['peak_gflops']:.0f}% "
          f"of one large sgemm ({o_ex['peak_gflops']:.1f} GFLOP/s, {ceiling:.0f} q/s), "
          f"{100 * o_ex['qps'] / o_ex['tiled_sgemm_qps']:.0f}% of the same tiles' sgemm alone; "
          f"1 thread {one:.0f} q/s ({o_ex['qps'] / one:.2f}x from 2)")
    print(f"        peak RSS recnote {o_ex['rss_mb']:.0f} MB, faiss {f_ex['rss_mb']:.0f} MB")
    for kind, knob in (("hnsw", "ef_search"), ("ivf", "nprobe")):
        ob, fb = get(ours, kind + "_build")[0], get(theirs, kind + "_build")[0]
        print(f"{kind:5s}   over {n_ann}: build recnote {ob['seconds']:.1f} s, faiss {fb['seconds']:.1f} s "
              f"(ratio {fb['seconds'] / ob['seconds']:.2f}x); peak RSS recnote {ob['rss_mb']:.0f} MB, "
              f"faiss {fb['rss_mb']:.0f} MB (each process's whole peak)")
        print(f"        {knob:>9s}  recnote recall  q/s    | faiss recall  q/s")
        for a, b in zip(get(ours, kind), get(theirs, kind)):
            print(f"        {a[knob]:9d}  {a['recall']:.3f}  {a['qps']:9.0f} | {b['recall']:.3f}  "
                  f"{b['qps']:9.0f}")
        for target in (0.9, 0.95, 0.99):
            qa, qb = at_recall(get(ours, kind), target), at_recall(get(theirs, kind), target)
            ratio = f"{qa / qb:.2f}x" if qa and qb else "n/a"
            print(f"        at recall@10 >= {target}: recnote {qa or 0:.0f} q/s, faiss {qb or 0:.0f} q/s,"
                  f" ratio {ratio}")
    out = os.path.join(os.path.dirname(os.path.abspath(binary)), "bench_ann.json")
    with open(out + ".tmp", "w") as fp:
        json.dump({"recnote": ours, "faiss": theirs, "n": n, "n_ann": n_ann, "nq": nq}, fp)
    os.replace(out + ".tmp", out)
    print(f"curves: {out}")


if __name__ == "__main__":
    main()
