#!/usr/bin/python3
"""Initialisation and batch norm, recnote against PyTorch, over seeds (a
benchmark, not a test: it prints tables and writes a figure). Needs Debian's
python3-torch; without it, it says so and exits 0. Run with /usr/bin/python3
from the source tree, under the CPU lock:

    /usr/bin/python3 tests/bench/bench_init.py BUILD init [rows [seeds [recnote|torch]]]
    /usr/bin/python3 tests/bench/bench_init.py BUILD embed [rows [seeds [recnote|torch]]]
    /usr/bin/python3 tests/bench/bench_init.py BUILD bn [seeds]

BUILD is a build directory holding recnote and tests/models/bench_models.
Every run is one model trained from scratch; the numbers are the median and
range (min..max) of validation AUC over the seeds, never one run against one.
A seed sets the model's initialisation and the shuffling (recnote: the model's
seed = and fit's seed =; PyTorch: torch.manual_seed).

init   DeepFM as bench_models trains it (10 fields of 100 values, embedding 16,
       MLP 400-400-400, one epoch at batch 256, Adam lr 1e-3, 90/10 split of
       bench_models' own rows, default 200000) with the linear layers started
       by PyTorch's nn.Linear default ("torch": weight and bias
       U(+-1/sqrt(fan_in))) and by Xavier-uniform weights with zero biases, in
       recnote and in PyTorch. Writes init_curves.csv and init_curves.png
       (per-step training loss, median over seeds, a 20-step mean) in the
       current directory.
embed  the embedding scale: N(0, s^2) for s in 0.01, 0.05 (recnote's default)
       and 1 (PyTorch's nn.Embedding default), torch init, same setting.
bn     lesson 06's DeepFM tuning setting (30000 rows of 6 fields of 50 values
       made like rec.data.synthetic_ctr, 80/20 split, embedding 32, MLP 256-128,
       batch 2048, Adam lr 0.032, 4 epochs) without and with batch norm after
       each hidden linear layer (before the ReLU), recnote against PyTorch's
       BatchNorm1d at the same places; PyTorch also evaluated (a) with batch
       statistics and (b) with running statistics re-estimated over the
       training rows after training, which shows whether stale running
       statistics cost the AUC.

Both sides use the same model: first-order weights start at 0, embeddings
N(0, 0.05^2), the FM and the MLP over the concatenated embeddings, logits
added; Adam (beta 0.9, 0.999, eps 1e-8) that updates only the embedding rows a
batch uses (recnote's Adam; PyTorch's SparseAdam on the embeddings, Adam on the
rest).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

try:
    import numpy as np
    import torch
except ImportError:
    print("bench_init: PyTorch (python3-torch) is not installed: skipped")
    sys.exit(0)

HERE = os.path.dirname(os.path.abspath(__file__))


# ---- data -------------------------------------------------------------------------

def bench_rows(build, rows):
    """bench_models' DeepFM rows (rn_synth_ctr: 10 fields of 100, seed 7), 90/10."""
    with tempfile.NamedTemporaryFile(suffix=".bin", delete=False) as f:
        path = f.name
    subprocess.run([os.path.join(build, "tests/models/bench_models"), "deepfm", "256",
                    str(rows), "--dump", path], check=True)
    raw = np.fromfile(path, dtype="<i4")
    os.unlink(path)
    n, F, T, nc = raw[:4]
    cards = raw[4:4 + nc].astype(np.int64)
    off = 4 + nc
    x = raw[off:off + n * F].reshape(n, F).astype(np.int64)
    y = raw[off + n * F:off + n * F + n].view("<f4").copy()
    return x, y, cards, n * 9 // 10


def synthetic_ctr(rows, F, V, seed, rank=4, linear=0.3, interaction=1.0):
    """Rows made as rec.data.synthetic_ctr makes them (engine/models/synth.h): per
    value a weight ~ N(0, linear^2) and a vector of `rank` dims ~ N(0, rank^-1/2);
    logit = sum of the weights + interaction * sum over pairs of <u_i, u_j>."""
    g = np.random.default_rng(seed)
    w = linear * g.standard_normal((F, V))
    u = rank ** -0.25 * g.standard_normal((F, V, rank))
    x = g.integers(0, V, size=(rows, F))
    z = w[np.arange(F), x].sum(1)
    vec = u[np.arange(F), x]  # rows x F x rank
    s = vec.sum(1)
    z += interaction * 0.5 * ((s * s).sum(1) - (vec * vec).sum((1, 2)))
    y = (g.random(rows) < 1 / (1 + np.exp(-z))).astype(np.float32)
    return x.astype(np.int64), y, np.full(F, V, dtype=np.int64)


def write_text(path, x, y, cards, n_train):
    with open(path, "w") as f:
        f.write("%d %d %d %s\n" % (n_train, len(y) - n_train, len(cards),
                                   " ".join(str(int(c)) for c in cards)))
        for r, lab in zip(x.tolist(), y.tolist()):
            f.write("%s %d\n" % (" ".join(map(str, r)), int(lab)))


# ---- AUC --------------------------------------------------------------------------

def auc(scores, y):
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(len(scores))
    ranks[order] = np.arange(1, len(scores) + 1)
    # ties share their mean rank
    s = scores[order]
    i = 0
    while i < len(s):
        j = i
        while j + 1 < len(s) and s[j + 1] == s[i]:
            j += 1
        if j > i:
            ranks[order[i:j + 1]] = (i + j + 2) / 2.0
        i = j + 1
    npos = y.sum()
    return float((ranks[y == 1].sum() - npos * (npos + 1) / 2) / (npos * (len(y) - npos)))


# ---- PyTorch ----------------------------------------------------------------------

class DeepFM(torch.nn.Module):
    def __init__(self, cards, D, hidden, bn, init, init_std):
        super().__init__()
        self.offsets = torch.tensor(np.concatenate([[0], np.cumsum(cards)[:-1]]))
        rows = int(cards.sum())
        self.embed = torch.nn.Embedding(rows, D, sparse=True)
        self.linear = torch.nn.Embedding(rows, 1, sparse=True)
        torch.nn.init.normal_(self.embed.weight, 0, init_std)
        torch.nn.init.zeros_(self.linear.weight)
        self.bias = torch.nn.Parameter(torch.zeros(1))
        layers, width = [], len(cards) * D
        for h in hidden:
            layers.append(torch.nn.Linear(width, h))
            if bn:  # recnote's eps 1e-5 and momentum 0.1 are BatchNorm1d's defaults
                layers.append(torch.nn.BatchNorm1d(h))
            layers.append(torch.nn.ReLU())
            width = h
        layers.append(torch.nn.Linear(width, 1))
        self.deep = torch.nn.Sequential(*layers)
        if init == "xavier":
            for mod in self.deep:
                if isinstance(mod, torch.nn.Linear):
                    torch.nn.init.xavier_uniform_(mod.weight)
                    torch.nn.init.zeros_(mod.bias)

    def forward(self, x):
        ids = x + self.offsets
        v = self.embed(ids)
        y_lin = self.linear(ids).sum(1) + self.bias
        s = v.sum(1)
        y_fm = 0.5 * (s * s - (v * v).sum(1)).sum(1, keepdim=True)
        return y_lin + y_fm + self.deep(v.flatten(1))


def torch_scores(model, X, batch):
    with torch.no_grad():
        return torch.cat([model(X[s:s + batch]) for s in range(0, len(X), batch)]).squeeze(1).numpy()


def torch_run(data, o, extra_eval=False):
    x, y, cards, ntr = data
    torch.manual_seed(o["seed"])
    X, Y = torch.from_numpy(x), torch.from_numpy(y).unsqueeze(1)
    model = DeepFM(cards, o["embed_dim"], o["hidden"], o["bn"], o["init"], o["init_std"])
    emb = [p for n, p in model.named_parameters() if n.startswith(("embed", "linear"))]
    rest = [p for n, p in model.named_parameters() if not n.startswith(("embed", "linear"))]
    opts = [torch.optim.SparseAdam(emb, lr=o["lr"]), torch.optim.Adam(rest, lr=o["lr"])]
    loss_fn = torch.nn.BCEWithLogitsLoss()
    losses, epoch_auc = [], []
    for _ in range(o["epochs"]):
        model.train()
        perm = torch.randperm(ntr)
        for s in range(0, ntr, o["batch"]):
            idx = perm[s:s + o["batch"]]
            if len(idx) < 2 and o["bn"]:
                continue
            for opt in opts:
                opt.zero_grad()
            loss = loss_fn(model(X[idx]), Y[idx])
            loss.backward()
            for opt in opts:
                opt.step()
            losses.append(loss.item())
        model.eval()
        epoch_auc.append(auc(torch_scores(model, X[ntr:], 2048), y[ntr:]))
    model.eval()
    out = {"auc": auc(torch_scores(model, X[ntr:], 2048), y[ntr:]),
           "train_auc": auc(torch_scores(model, X[:ntr], 2048), y[:ntr]),
           "loss": losses, "valid_auc_epoch": epoch_auc}
    if extra_eval and o["bn"]:
        # (a) batch statistics at evaluation (train mode, batches of the training size)
        model.train()
        with torch.no_grad():
            sc = torch.cat([model(X[s:s + o["batch"]]) for s in range(ntr, len(X), o["batch"])])
        out["auc_batch_stats"] = auc(sc.squeeze(1).numpy(), y[ntr:])
        # (b) running statistics re-estimated over the training rows (cumulative average)
        for mod in model.deep:
            if isinstance(mod, torch.nn.BatchNorm1d):
                mod.reset_running_stats()
                mod.momentum = None
        with torch.no_grad():
            for s in range(0, ntr, o["batch"]):
                model(X[s:s + o["batch"]])
        model.eval()
        out["auc_restat"] = auc(torch_scores(model, X[ntr:], 2048), y[ntr:])
    return out


# ---- recnote ----------------------------------------------------------------------

def recnote_run(build, text_path, o):
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False) as f:
        out_path = f.name
    args = [os.path.join(build, "recnote"), "--headless", os.path.join(HERE, "bench_init.lua"),
            text_path, out_path]
    for k in ("init", "seed", "embed_dim", "bn", "lr", "batch", "epochs", "init_std"):
        v = o[k]
        args.append("%s=%s" % (k, int(v) if isinstance(v, bool) else v))
    args.append("hidden=" + "-".join(str(h) for h in o["hidden"]))
    subprocess.run(args, check=True, env=dict(os.environ, OPENBLAS_NUM_THREADS="1"))
    out = {}
    with open(out_path) as f:
        for line in f:
            k, *v = line.split()
            vals = [float(t) for t in v]
            out[k] = vals if k in ("loss", "valid_auc_epoch") else vals[0]
    os.unlink(out_path)
    return out


# ---- reports ----------------------------------------------------------------------

def spread(values):
    return "%.4f [%.4f, %.4f]" % (statistics.median(values), min(values), max(values))


def smooth_median(curves, w=20):
    n = min(len(c) for c in curves)
    med = np.median(np.array([c[:n] for c in curves]), axis=0)
    k = np.ones(w) / w
    return np.convolve(med, k, mode="valid")


def run_variants(build, variants, seeds, data, text_path, extra_eval=False):
    """variants: [(label, side, options)]; runs seed by seed, the variants interleaved."""
    res = {label: [] for label, _, _ in variants}
    for seed in seeds:
        for label, side, o in variants:
            o = dict(o, seed=seed)
            t0 = time.perf_counter()
            r = recnote_run(build, text_path, o) if side == "recnote" else torch_run(data, o, extra_eval)
            r["seconds"] = time.perf_counter() - t0
            res[label].append(r)
            print("  seed %d %-28s AUC %.4f (train %.4f) %5.1f s" % (seed, label, r["auc"],
                  r["train_auc"], r["seconds"]), flush=True)
    return res


BENCH = {"embed_dim": 16, "hidden": [400, 400, 400], "bn": False, "lr": 1e-3, "batch": 256,
         "epochs": 1, "init_std": 0.05}


def main_init(build, rows, seeds, which, side=None):
    data = bench_rows(build, rows)
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False, mode="w") as f:
        text = f.name
    write_text(text, *data)
    print("DeepFM on bench_models' rows (%d, %d train), one epoch, batch 256, Adam 1e-3, "
          "seeds %s; torch %s" % (rows, data[3], seeds, torch.__version__))
    if which == "init":
        variants = [("recnote torch-init", "recnote", dict(BENCH, init="torch")),
                    ("recnote xavier", "recnote", dict(BENCH, init="xavier")),
                    ("pytorch default", "torch", dict(BENCH, init="torch")),
                    ("pytorch xavier", "torch", dict(BENCH, init="xavier"))]
    else:
        variants = []
        for s in (0.01, 0.05, 1.0):
            variants.append(("recnote embed N(0,%g)" % s, "recnote", dict(BENCH, init="torch", init_std=s)))
            variants.append(("pytorch embed N(0,%g)" % s, "torch", dict(BENCH, init="torch", init_std=s)))
    if side is not None:  # one side only (recnote | torch)
        variants = [v for v in variants if v[1] == side]
    try:
        res = run_variants(build, variants, seeds, data, text)
    finally:
        os.unlink(text)
    print("\n%-28s %-26s %s" % ("variant", "valid AUC median [min, max]", "first-100-step loss"))
    for label, _, _ in variants:
        rs = res[label]
        first = statistics.median(float(np.mean(r["loss"][:100])) for r in rs)
        print("%-28s %-26s %.4f" % (label, spread([r["auc"] for r in rs]), first))
    if which == "init" and side is None:
        curves = {label: smooth_median([r["loss"] for r in res[label]]) for label, _, _ in variants}
        n = min(len(c) for c in curves.values())
        with open("init_curves.csv", "w") as f:
            f.write("step," + ",".join(curves) + "\n")
            for i in range(n):
                f.write("%d,%s\n" % (i + 20, ",".join("%.5f" % curves[k][i] for k in curves)))
        subprocess.run([os.path.join(build, "recnote"), "--headless",
                        os.path.join(HERE, "bench_init.lua"), "--plot", "init_curves.csv",
                        "init_curves.png", "DeepFM, first epoch: recnote vs PyTorch, two inits"],
                       check=True)
        print("wrote init_curves.csv and init_curves.png")


def main_bn(build, seeds):
    x, y, cards = synthetic_ctr(30000, 6, 50, seed=7)
    data = (x, y, cards, 24000)
    with tempfile.NamedTemporaryFile(suffix=".txt", delete=False, mode="w") as f:
        text = f.name
    write_text(text, *data)
    base = {"embed_dim": 32, "hidden": [256, 128], "lr": 0.032, "batch": 2048, "epochs": 4,
            "init_std": 0.05, "init": "torch"}
    variants = [("recnote", "recnote", dict(base, bn=False)),
                ("recnote +BN", "recnote", dict(base, bn=True)),
                ("pytorch", "torch", dict(base, bn=False)),
                ("pytorch +BN", "torch", dict(base, bn=True))]
    print("lesson 06's setting on its kind of data: 30000 rows, 6 fields x 50, 80/20, embed 32, "
          "MLP 256-128, batch 2048, Adam lr 0.032, 4 epochs; seeds %s" % seeds)
    try:
        res = run_variants(build, variants, seeds, data, text, extra_eval=True)
    finally:
        os.unlink(text)
    print("\n%-14s %-26s %-26s %s" % ("variant", "valid AUC median [min, max]",
                                      "train AUC median [min, max]", "valid AUC after each epoch (median)"))
    for label, _, _ in variants:
        rs = res[label]
        ep = np.median(np.array([r["valid_auc_epoch"] for r in rs]), axis=0)
        print("%-14s %-26s %-26s %s" % (label, spread([r["auc"] for r in rs]),
                                        spread([r["train_auc"] for r in rs]),
                                        " ".join("%.3f" % a for a in ep)))
    rs = res["pytorch +BN"]
    print("pytorch +BN evaluated with batch statistics:      %s" % spread([r["auc_batch_stats"] for r in rs]))
    print("pytorch +BN, running stats re-estimated on train: %s" % spread([r["auc_restat"] for r in rs]))


def main():
    if len(sys.argv) < 3 or sys.argv[2] not in ("init", "embed", "bn"):
        print(__doc__)
        sys.exit(2)
    torch.set_num_threads(1)  # AUC, not speed: one thread each is steady on a loaded machine
    build, what = sys.argv[1], sys.argv[2]
    if what == "bn":
        n = int(sys.argv[3]) if len(sys.argv) > 3 else 5
        main_bn(build, list(range(1, n + 1)))
    else:
        rows = int(sys.argv[3]) if len(sys.argv) > 3 else 200000
        n = int(sys.argv[4]) if len(sys.argv) > 4 else 5
        side = sys.argv[5] if len(sys.argv) > 5 else None
        main_init(build, rows, list(range(1, n + 1)), what, side)


if __name__ == "__main__":
    main()
