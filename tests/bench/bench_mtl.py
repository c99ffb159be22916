#!/usr/bin/python3
"""Training throughput of recnote's MMoE and PLE against PyTorch references of
the same models on the same generated data, in one script. A benchmark, not a
test: it prints numbers and ratios. Needs Debian's python3-torch (2 threads);
without it, it says so and exits 0. Run with /usr/bin/python3:

    /usr/bin/python3 tests/bench/bench_mtl.py BUILD/tests/models/bench_mtl [rows [epochs [repeats]]]

The data (bench_mtl.c): the MMoE paper's synthetic benchmark, binary, 100
dense inputs, task correlation 0.5; 90% train, 10% test. The models, as
bench_mtl.c builds them: MMoE with 8 experts 100-64-32 (ReLU), a linear +
softmax gate per task, towers 32-16-1; PLE with 2 levels of 2 experts per
task and 2 shared ones (64-32), task gates over the task's own and the shared
experts, the first level's shared gate over every expert (the paper), towers
32-16-1. Both tasks BCE with weight 1, Adam lr 1e-3, batch 1024, shuffled,
8 epochs by default (fewer leave MMoE's AUC still climbing, by a different
amount in each run).
Runs are interleaved (recnote, torch, recnote, torch, ...), each in a fresh
process, `repeats` times (default 3); each side keeps its best throughput,
since a shared machine's load swings single runs. Run i draws its initial
weights and row order from seed i on both sides (the data stay the same), so
the AUCs compared are each side's mean over the runs: one MMoE run can land
a few points of AUC away from another by its initialisation alone. The ratio
is recnote's best samples/s over PyTorch's; AUC is the mean of the two tasks'
test AUCs, averaged over the runs.
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
    print("bench_mtl: PyTorch (python3-torch) is not installed: skipped")
    sys.exit(0)


def load(path):
    raw = np.fromfile(path, dtype="<i4")
    n, d, t = raw[:3]
    off = 3
    x = raw[off:off + n * d].view("<f4").reshape(n, d).copy()
    off += n * d
    y = raw[off:off + n * t].view("<f4").reshape(n, t).copy()
    return x, y


def mlp(sizes, last_act=True):
    layers = []
    for i, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if last_act or i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def init(module):
    # recnote's initialisation: Xavier uniform weights, zero biases
    for m in module.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(m.weight)
            torch.nn.init.zeros_(m.bias)


def mix(w, experts):
    """sum_i w_i E_i: w (B x n), experts a list of n (B x H)."""
    return (w.unsqueeze(2) * torch.stack(experts, 1)).sum(1)


class MMoE(torch.nn.Module):
    def __init__(self, d, n_experts=8, hidden=(64, 32), tower=16, tasks=2):
        super().__init__()
        self.experts = torch.nn.ModuleList([mlp([d, *hidden]) for _ in range(n_experts)])
        self.gates = torch.nn.ModuleList([torch.nn.Linear(d, n_experts) for _ in range(tasks)])
        self.towers = torch.nn.ModuleList([mlp([hidden[-1], tower, 1], False) for _ in range(tasks)])
        init(self)

    def forward(self, x):
        e = [f(x) for f in self.experts]
        return [t(mix(torch.softmax(g(x), 1), e)) for g, t in zip(self.gates, self.towers)]


class PLE(torch.nn.Module):
    def __init__(self, d, levels=2, own=2, shared=2, hidden=(64, 32), tower=16, tasks=2):
        super().__init__()
        self.T, self.levels = tasks, levels
        H = hidden[-1]
        self.experts, self.gates = torch.nn.ModuleList(), torch.nn.ModuleList()
        for lv in range(levels):
            i = d if lv == 0 else H
            last = lv == levels - 1
            # per task k its own experts, then (k == T) the shared ones
            self.experts.append(torch.nn.ModuleList([
                torch.nn.ModuleList([mlp([i, *hidden]) for _ in range(own if k < tasks else shared)])
                for k in range(tasks + 1)]))
            gates = [torch.nn.Linear(i, own + shared) for _ in range(tasks)]
            if not last:
                gates.append(torch.nn.Linear(i, tasks * own + shared))
            self.gates.append(torch.nn.ModuleList(gates))
        self.towers = torch.nn.ModuleList([mlp([H, tower, 1], False) for _ in range(tasks)])
        init(self)

    def forward(self, x):
        ins = [x] * (self.T + 1)
        for lv in range(self.levels):
            last = lv == self.levels - 1
            out = [[f(ins[k]) for f in self.experts[lv][k]] for k in range(self.T + 1)]
            nxt = [mix(torch.softmax(self.gates[lv][k](ins[k]), 1), out[k] + out[self.T])
                   for k in range(self.T)]
            if not last:
                every = [e for k in range(self.T) for e in out[k]] + out[self.T]
                nxt.append(mix(torch.softmax(self.gates[lv][self.T](ins[self.T]), 1), every))
            ins = nxt
        return [t(ins[k]) for k, t in enumerate(self.towers)]


def auc(y, s):
    order = np.argsort(s, kind="mergesort")
    ranks = np.empty(len(s))
    ranks[order] = np.arange(1, len(s) + 1)
    npos = y.sum()
    return (ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * (len(y) - npos))


def torch_run(kind, path, batch, epochs, seed):
    """Training in this process; prints a JSON line."""
    torch.set_num_threads(2)
    torch.manual_seed(seed)
    x, y = load(path)
    n = len(y)
    ntr = n * 9 // 10
    X, Y = torch.from_numpy(x), torch.from_numpy(y)
    model = (PLE if kind == "ple" else MMoE)(x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    t0 = time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(ntr)
        for s in range(0, ntr, batch):
            idx = perm[s:s + batch]
            opt.zero_grad()
            xb, yb = X[idx], Y[idx]
            z = model(xb)
            loss = sum(loss_fn(z[k], yb[:, k:k + 1]) for k in range(len(z)))
            loss.backward()
            opt.step()
    t = time.perf_counter() - t0
    model.eval()
    with torch.no_grad():
        z = model(X[ntr:])
    aucs = [float(auc(y[ntr:, k], z[k].squeeze(1).numpy())) for k in range(len(z))]
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({"samples_per_s": ntr * epochs / t, "auc1": aucs[0], "auc2": aucs[1],
                      "params": params}))


def ours(binary, kind, batch, rows, epochs, seed):
    out = subprocess.run([binary, kind, str(batch), str(rows), str(epochs), str(seed)], check=True,
                         capture_output=True, text=True).stdout.split()
    return {out[i]: (float(out[i + 1]) if i > 1 else out[i + 1]) for i in range(0, len(out), 2)}


def theirs(kind, path, batch, epochs, seed):
    out = subprocess.run([sys.executable, __file__, "--torch", kind, path, str(batch),
                          str(epochs), str(seed)], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--torch":
        torch_run(sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]))
        return
    binary = sys.argv[1]
    rows = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 8
    repeats = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    batch = 1024
    print("recnote vs PyTorch %s (2 threads): %d rows (90%% train), %d epochs, batch %d, Adam "
          "lr 1e-3, best of %d interleaved runs" % (torch.__version__, rows, epochs, batch,
                                                     repeats))
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        path = f.name
    try:
        subprocess.run([binary, "mmoe", str(batch), str(rows), "1", "--dump", path], check=True)
        for kind in ("mmoe", "ple"):
            runs_r, runs_t = [], []
            for seed in range(1, repeats + 1):
                runs_r.append(ours(binary, kind, batch, rows, epochs, seed))
                runs_t.append(theirs(kind, path, batch, epochs, seed))
            r = max(runs_r, key=lambda v: v["samples_per_s"])
            t = max(runs_t, key=lambda v: v["samples_per_s"])

            def mean(runs, key):
                return sum(v[key] for v in runs) / len(runs)
            r1, r2, t1, t2 = (mean(runs_r, "auc1"), mean(runs_r, "auc2"), mean(runs_t, "auc1"),
                              mean(runs_t, "auc2"))
            ra, ta = (r1 + r2) / 2, (t1 + t2) / 2
            print("%-4s  recnote %8.0f/s AUC %.4f %.4f (%d params) | torch %8.0f/s AUC %.4f "
                  "%.4f (%d params)" % (kind, r["samples_per_s"], r1, r2, r["params"],
                                        t["samples_per_s"], t1, t2, t["params"]))
            print("      AUC by run (mean of the tasks): recnote %s, torch %s"
                  % (" ".join("%.4f" % ((v["auc1"] + v["auc2"]) / 2) for v in runs_r),
                     " ".join("%.4f" % ((v["auc1"] + v["auc2"]) / 2) for v in runs_t)))
            print("      ratio: throughput %.2fx, mean AUC %+.4f (recnote - torch)"
                  % (r["samples_per_s"] / t["samples_per_s"], ra - ta))
    finally:
        os.unlink(path)


if __name__ == "__main__":
    main()
