#!/usr/bin/python3
"""Training throughput of recnote's DeepFM and DIN against PyTorch references
of the same models on the same generated data, in one script. A benchmark,
not a test: it prints numbers and ratios. Needs Debian's python3-torch (2
threads); without it, it says so and exits 0. Run with /usr/bin/python3:

    /usr/bin/python3 tests/bench/bench_models.py BUILD/tests/models/bench_models \
        [rows [repeats [cases]]]

cases picks what runs, e.g. "deepfm:256,din:2048" (default: both models at
both batch sizes), so that each invocation under the shared lock stays short.

For each model and batch size (256, 2048): recnote's samples/s, peak RSS and
test AUC after one epoch (the bench_models binary, one process per run), then
PyTorch's with dense Adam and with sparse embeddings + SparseAdam, each in a
fresh process so its peak RSS is its own. Ratios are recnote / PyTorch's
faster configuration; the GEMM ceiling is sgemm's rate on this machine over
the model's matrix-product flops per sample. Each configuration runs
`repeats` times (default 3), the three interleaved, and keeps its best
throughput, since a shared machine's load swings single runs by several times.
"""
import json
import os
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
except ImportError:
    print("bench_models: PyTorch (python3-torch) is not installed: skipped")
    sys.exit(0)


def load(path):
    raw = np.fromfile(path, dtype="<i4")
    n, F, T, nc = raw[:4]
    cards = raw[4:4 + nc].astype(np.int64)
    off = 4 + nc
    sparse = raw[off:off + n * F].reshape(n, F).astype(np.int64)
    off += n * F
    seq = mask = None
    if T > 0:
        seq = raw[off:off + n * T].reshape(n, T).astype(np.int64)
        off += n * T
        mask = raw[off:off + n * T].view("<f4").reshape(n, T).copy()
        off += n * T
    labels = raw[off:off + n].view("<f4").copy()
    return sparse, seq, mask, labels, cards


class Dice(torch.nn.Module):
    def __init__(self, h):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(h, eps=1e-8, momentum=0.1, affine=False)
        self.alpha = torch.nn.Parameter(torch.full((h,), 0.25))

    def forward(self, x):
        p = torch.sigmoid(self.bn(x))
        return p * x + (1 - p) * self.alpha * x


def mlp(sizes, act):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), act(b)]
    return layers


class DeepFM(torch.nn.Module):
    def __init__(self, cards, sparse, D=16):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(cards)[:-1]]))
        rows = int(cards.sum())
        self.embed = torch.nn.Embedding(rows, D, sparse=sparse)
        self.linear = torch.nn.Embedding(rows, 1, sparse=sparse)
        torch.nn.init.normal_(self.embed.weight, 0, 0.05)
        torch.nn.init.zeros_(self.linear.weight)
        self.bias = torch.nn.Parameter(torch.zeros(1))
        F = len(cards)
        self.deep = torch.nn.Sequential(*mlp([F * D, 400, 400, 400], lambda h: torch.nn.ReLU()),
                                        torch.nn.Linear(400, 1))

    def forward(self, x, seq=None, mask=None):
        ids = x + self.offsets
        v = self.embed(ids)
        y_lin = self.linear(ids).sum(1) + self.bias
        s = v.sum(1)
        y_fm = 0.5 * (s * s - (v * v).sum(1)).sum(1, keepdim=True)
        return y_lin + y_fm + self.deep(v.flatten(1))


class DIN(torch.nn.Module):
    def __init__(self, cards, sparse, D=16):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(cards)[:-1]]))
        self.embed = torch.nn.Embedding(int(cards.sum()), D, sparse=sparse)
        torch.nn.init.normal_(self.embed.weight, 0, 0.05)
        self.att = torch.nn.Sequential(*mlp([4 * D, 80, 40], Dice), torch.nn.Linear(40, 1))
        F = len(cards)
        self.deep = torch.nn.Sequential(*mlp([F * D + D, 200, 80], Dice), torch.nn.Linear(80, 1))

    def forward(self, x, seq, mask):
        e = self.embed(x + self.offsets)
        k = self.embed(seq)  # the sequence shares field 0's rows (offset 0)
        B, T, D = k.shape
        q = e[:, 0:1, :].expand(B, T, D)
        unit = torch.cat([q, k, q - k, q * k], dim=2).reshape(B * T, 4 * D)
        w = self.att(unit).reshape(B, T) * mask
        interest = (w.unsqueeze(2) * k).sum(1)
        return self.deep(torch.cat([e.flatten(1), interest], dim=1))


def torch_run(kind, path, batch, sparse):
    """One epoch in this process; prints a JSON line."""
    torch.set_num_threads(2)
    torch.manual_seed(1)
    x, seq, mask, y, cards = load(path)
    n = len(y)
    ntr = n * 9 // 10
    X, Y = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    S = torch.from_numpy(seq) if seq is not None else None
    M = torch.from_numpy(mask) if mask is not None else None
    model = (DIN if kind == "din" else DeepFM)(cards, sparse)
    if sparse:
        emb = [p for name, p in model.named_parameters() if name.startswith(("embed", "linear"))]
        rest = [p for name, p in model.named_parameters()
                if not name.startswith(("embed", "linear"))]
        opts = [torch.optim.SparseAdam(emb, lr=1e-3), torch.optim.Adam(rest, lr=1e-3)]
    else:
        opts = [torch.optim.Adam(model.parameters(), lr=1e-3)]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    perm = torch.randperm(ntr)
    model.train()
    t0 = time.perf_counter()
    for s in range(0, ntr, batch):
        idx = perm[s:s + batch]
        for o in opts:
            o.zero_grad()
        z = model(X[idx], S[idx] if S is not None else None, M[idx] if M is not None else None)
        loss_fn(z, Y[idx]).backward()
        for o in opts:
            o.step()
    t = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        scores = torch.cat([model(X[s:s + batch], S[s:s + batch] if S is not None else None,
                                  M[s:s + batch] if M is not None else None)
                            for s in range(ntr, n, batch)]).squeeze(1).numpy()
    yt = y[ntr:]
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    npos = yt.sum()
    auc = (ranks[yt == 1].sum() - npos * (npos + 1) / 2) / (npos * (len(yt) - npos))
    rss = 0.0
    with open("/proc/self/status") as st:  # VmHWM: ru_maxrss survives exec from the parent
        for line in st:
            if line.startswith("VmHWM:"):
                rss = float(line.split()[1]) / 1024.0
    print(json.dumps({"samples_per_s": ntr / t, "rss_mb": rss, "auc": float(auc)}))


REPEATS = 3


def ours(binary, kind, batch, rows):
    out = subprocess.run([binary, kind, str(batch), str(rows)], check=True,
                         capture_output=True, text=True).stdout.split()
    return {out[i]: (float(out[i + 1]) if i > 1 else out[i + 1]) for i in range(0, len(out), 2)}


def theirs(kind, path, batch, sparse):
    out = subprocess.run([sys.executable, __file__, "--torch", kind, path, str(batch),
                          "1" if sparse else "0"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def interleaved(runs):
    """Each run in turn, REPEATS rounds, so load swings hit all alike; the
    best throughput of each."""
    got = [[] for _ in runs]
    for _ in range(REPEATS):
        for i, run in enumerate(runs):
            got[i].append(run())
    return [max(g, key=lambda v: v["samples_per_s"]) for g in got]


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch":
        torch_run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1")
        return
    binary = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    global REPEATS
    REPEATS = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    cases = ([tuple(c.split(":")) for c in sys.argv[4].split(",")] if len(sys.argv) > 4
             else [(k, b) for k in ("deepfm", "din") for b in ("256", "2048")])
    print("recnote vs PyTorch %s (2 threads), %d rows (din: %d), one epoch on 90%%, Adam lr "
          "1e-3, best of %d runs" % (torch.__version__, rows, rows // 4, REPEATS))
    for kind in ("deepfm", "din"):
        if not any(k == kind for k, _ in cases):
            continue
        n = rows if kind == "deepfm" else rows // 4
        with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
            path = f.name
        try:
            subprocess.run([binary, kind, "256", str(n), "--dump", path], check=True)
            for batch in (int(b) for k, b in cases if k == kind):
                r, d, s = interleaved([lambda: ours(binary, kind, batch, n),
                                       lambda: theirs(kind, path, batch, False),
                                       lambda: theirs(kind, path, batch, True)])
                best = max(d, s, key=lambda v: v["samples_per_s"])
                print("%-6s batch %4d  recnote %8.0f/s %6.1f MB AUC %.4f | torch dense Adam "
                      "%8.0f/s %6.1f MB AUC %.4f | torch SparseAdam %8.0f/s %6.1f MB AUC %.4f"
                      % (kind, batch, r["samples_per_s"], r["rss_mb"], r["auc"],
                         d["samples_per_s"], d["rss_mb"], d["auc"], s["samples_per_s"],
                         s["rss_mb"], s["auc"]))
                print("       ratio vs faster torch: throughput %.2fx, peak memory %.2fx, "
                      "AUC %+.4f; GEMM ceiling %.0f/s (%.0f%% reached)"
                      % (r["samples_per_s"] / best["samples_per_s"],
                         r["rss_mb"] / best["rss_mb"], r["auc"] - best["auc"],
                         r["ceiling_samples_per_s"],
                         100 * r["samples_per_s"] / r["ceiling_samples_per_s"]))
        finally:
            os.unlink(path)


if __name__ == "__main__":
    main()
