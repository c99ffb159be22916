#!/usr/bin/python3
"""DIN and DIEN with item + category histories: recnote against PyTorch
models of the same shape on the same generated data, in one script. A
benchmark, not a test: it prints numbers and ratios. Needs Debian's
python3-torch (2 threads); without it, it says so and exits 0. Run with
/usr/bin/python3:

    /usr/bin/python3 tests/bench/bench_din.py BUILD/tests/models/bench_din \\
        [rows [repeats [models [batches [features]]]]]

models: din,dien (default din); batches: 256,2048; features: itemcat,item
(default both). The data (bench_din.c): 100000 items in 1000 categories,
10000 users, histories of 5..50, a click driven by the 3 history items
nearest the candidate in item and category (synth.h's nearest-items truth).
Both sides: embedding 16 per feature (item and category concatenated, for the
candidate and each history position), DIN's attention MLP 80-40 with Dice and
no softmax, DIEN's GRU + AUGRU of hidden size E with bilinear attention and
the auxiliary loss (negatives: a real behaviour of the batch, item and
category together), an MLP 200-80 with Dice, BCE, Adam lr 1e-3 (PyTorch with
SparseAdam on the embeddings, its faster configuration here), one epoch on
90% of the rows, AUC on the rest. Each configuration runs `repeats` times
(default 3), recnote and PyTorch interleaved, and keeps its best throughput
(a shared machine's load swings single runs); AUC and peak RSS are those of
that run. Ratios are recnote / PyTorch.
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
    print("bench_din: PyTorch (python3-torch) is not installed: skipped")
    sys.exit(0)


def load(path):
    raw = np.fromfile(path, dtype="<i4")
    n, F, T, S, nc = raw[:5]
    cards = raw[5:5 + nc].astype(np.int64)
    off = 5 + nc
    sparse = raw[off:off + n * F].reshape(n, F).astype(np.int64)
    off += n * F
    seq = raw[off:off + n * T * S].reshape(n, T, S).astype(np.int64)
    off += n * T * S
    mask = raw[off:off + n * T].view("<f4").reshape(n, T).copy()
    off += n * T
    labels = raw[off:off + n].view("<f4").copy()
    return sparse, seq, mask, labels, cards


class Dice(torch.nn.Module):
    """Dice (DIN paper): p = sigmoid(BN(x)) without affine, p x + (1 - p) alpha x."""

    def __init__(self, h):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(h, eps=1e-8, momentum=0.1, affine=False)
        self.alpha = torch.nn.Parameter(torch.full((h,), 0.25))

    def forward(self, x):
        p = torch.sigmoid(self.bn(x))
        return p * x + (1 - p) * self.alpha * x


def mlp(sizes):
    layers = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [torch.nn.Linear(a, b), Dice(b)]
    return layers


class Base(torch.nn.Module):
    """One embedding table over the fields (item, category, user); history
    feature s shares field seq_fields[s]'s rows."""

    def __init__(self, cards, seq_fields, D=16):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(cards)[:-1]]))
        self.embed = torch.nn.Embedding(int(cards.sum()), D, sparse=True)
        torch.nn.init.normal_(self.embed.weight, 0, 0.05)
        self.seq_fields = list(seq_fields)
        self.E = D * len(seq_fields)
        F = len(cards)
        self.deep = torch.nn.Sequential(*mlp([F * D + self.E, 200, 80]), torch.nn.Linear(80, 1))

    def inputs(self, x, seq):
        e = self.embed(x + self.offsets)                             # B x F x D
        B = x.shape[0]
        q = e[:, self.seq_fields, :].reshape(B, self.E)               # B x E
        ids = seq[:, :, :len(self.seq_fields)] + self.offsets[self.seq_fields]
        k = self.embed(ids).reshape(B, seq.shape[1], self.E)         # B x T x E
        return e, q, k


class DIN(Base):
    def __init__(self, cards, seq_fields, D=16):
        super().__init__(cards, seq_fields, D)
        self.att = torch.nn.Sequential(*mlp([4 * self.E, 80, 40]), torch.nn.Linear(40, 1))

    def forward(self, x, seq, mask):
        e, q, k = self.inputs(x, seq)
        B, T, E = k.shape
        # only the real positions enter the unit (as recnote: padding never reaches Dice)
        valid = mask.reshape(-1) > 0
        qv = q.unsqueeze(1).expand(B, T, E).reshape(B * T, E)[valid]
        kv = k.reshape(B * T, E)[valid]
        s = self.att(torch.cat([qv, kv, qv - kv, qv * kv], dim=1)).squeeze(1)
        w = torch.zeros(B * T).masked_scatter(valid, s).reshape(B, T)
        interest = (w.unsqueeze(2) * k).sum(1)
        return self.deep(torch.cat([e.flatten(1), interest], dim=1)), None


class DIEN(Base):
    def __init__(self, cards, seq_fields, D=16):
        super().__init__(cards, seq_fields, D)
        E = self.E
        self.gru = torch.nn.GRU(E, E, batch_first=True)
        self.evo = torch.nn.GRUCell(E, E)
        self.att_w = torch.nn.Parameter(torch.empty(E, E).uniform_(-E ** -0.5, E ** -0.5))

    def forward(self, x, seq, mask):
        e, q, k = self.inputs(x, seq)
        B, T, E = k.shape
        # left-aligned histories: the GRU's states at the real steps are those of a packed run;
        # padded steps are masked below (attention 0 keeps the AUGRU's state)
        hs, _ = self.gru(k)                                           # B x T x E
        aux = None
        if self.training:
            m1 = mask[:, 1:]
            flat = mask.reshape(-1)
            neg_idx = torch.multinomial(flat / flat.sum(), B * (T - 1), replacement=True)
            neg = k.reshape(B * T, E)[neg_idx].reshape(B, T - 1, E)
            pos_z = (hs[:, :-1] * k[:, 1:]).sum(2)
            neg_z = (hs[:, :-1] * neg).sum(2)
            z = torch.cat([pos_z, neg_z], 1)
            y = torch.cat([torch.ones_like(pos_z), torch.zeros_like(neg_z)], 1)
            w = torch.cat([m1, m1], 1)
            aux = (torch.nn.functional.binary_cross_entropy_with_logits(z, y, w, reduction="sum")
                   / w.sum().clamp(min=1))
        scores = (hs * (q @ self.att_w.t()).unsqueeze(1)).sum(2)      # h_t W e_A
        scores = scores.masked_fill(mask == 0, -1e9)
        a = torch.softmax(scores, 1) * mask
        h = torch.zeros(B, E)
        W_ih, W_hh, b_ih, b_hh = (self.evo.weight_ih, self.evo.weight_hh, self.evo.bias_ih,
                                  self.evo.bias_hh)
        for t in range(T):  # AUGRU: u' = a_t (1 - z_t)
            gi = hs[:, t] @ W_ih.t() + b_ih
            gh = h @ W_hh.t() + b_hh
            ir, iz, inn = gi.chunk(3, 1)
            hr, hz, hn = gh.chunk(3, 1)
            r = torch.sigmoid(ir + hr)
            zt = torch.sigmoid(iz + hz)
            n = torch.tanh(inn + r * hn)
            u = a[:, t:t + 1] * (1 - zt)
            h = h + u * (n - h)
        return self.deep(torch.cat([e.flatten(1), h], dim=1)), aux


def torch_run(kind, path, batch, features):
    """One epoch in this process; prints a JSON line."""
    torch.set_num_threads(2)
    torch.manual_seed(1)
    x, seq, mask, y, cards = load(path)
    n = len(y)
    ntr = n * 9 // 10
    X, Y = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    S, M = torch.from_numpy(seq), torch.from_numpy(mask)
    seq_fields = [0, 1] if features == "itemcat" else [0]
    model = (DIN if kind == "din" else DIEN)(cards, seq_fields)
    emb = [p for name, p in model.named_parameters() if name.startswith("embed")]
    rest = [p for name, p in model.named_parameters() if not name.startswith("embed")]
    opts = [torch.optim.SparseAdam(emb, lr=1e-3), torch.optim.Adam(rest, lr=1e-3)]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    perm = torch.randperm(ntr)
    model.train()
    t0 = time.perf_counter()
    for s in range(0, ntr, batch):
        idx = perm[s:s + batch]
        for o in opts:
            o.zero_grad()
        z, aux = model(X[idx], S[idx], M[idx])
        loss = loss_fn(z, Y[idx])
        if aux is not None:
            loss = loss + aux
        loss.backward()
        for o in opts:
            o.step()
    t = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        scores = torch.cat([model(X[s:s + batch], S[s:s + batch], M[s:s + batch])[0]
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


def ours(binary, kind, batch, rows, features):
    out = subprocess.run([binary, kind, str(batch), str(rows), features], check=True,
                         capture_output=True, text=True).stdout.split()
    return {out[i]: (float(out[i + 1]) if out[i] in ("samples_per_s", "rss_mb", "auc")
                     else out[i + 1]) for i in range(0, len(out), 2)}


def theirs(kind, path, batch, features):
    out = subprocess.run([sys.executable, __file__, "--torch", kind, path, str(batch), features],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch":
        torch_run(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
        return
    binary = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 200000
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    models = sys.argv[4].split(",") if len(sys.argv) > 4 else ["din"]
    batches = [int(b) for b in sys.argv[5].split(",")] if len(sys.argv) > 5 else [256, 2048]
    features = sys.argv[6].split(",") if len(sys.argv) > 6 else ["itemcat", "item"]
    print("recnote vs PyTorch %s (2 threads each), %d rows, one epoch on 90%%, Adam lr 1e-3 "
          "(torch: SparseAdam on the embeddings), best of %d interleaved runs"
          % (torch.__version__, rows, repeats))
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        path = f.name
    try:
        subprocess.run([binary, "din", "256", str(rows), "itemcat", "--dump", path], check=True)
        for kind in models:
            for batch in batches:
                for feat in features:
                    runs_r, runs_t = [], []
                    for _ in range(repeats):  # interleaved: recnote, torch, recnote, ...
                        runs_r.append(ours(binary, kind, batch, rows, feat))
                        runs_t.append(theirs(kind, path, batch, feat))
                    r = max(runs_r, key=lambda v: v["samples_per_s"])
                    t = max(runs_t, key=lambda v: v["samples_per_s"])
                    print("%-4s %-7s batch %4d  recnote %7.0f/s %6.1f MB AUC %.4f | torch "
                          "%7.0f/s %6.1f MB AUC %.4f | ratio %.2fx, memory %.2fx, AUC %+.4f"
                          % (kind, feat, batch, r["samples_per_s"], r["rss_mb"], r["auc"],
                             t["samples_per_s"], t["rss_mb"], t["auc"],
                             r["samples_per_s"] / t["samples_per_s"], r["rss_mb"] / t["rss_mb"],
                             r["auc"] - t["auc"]), flush=True)
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
