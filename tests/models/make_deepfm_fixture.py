#!/usr/bin/python3
"""PyTorch reference for one training step of a tiny DeepFM (test_deepfm_torch.lua).

Writes fixtures/deepfm_step.txt: the model's parameters (recnote's names and
layouts: Linear weights as in x out), a batch, and PyTorch's logits, loss and
gradients of the mean binary cross-entropy. Run with Debian's python3-torch:

    /usr/bin/python3 tests/models/make_deepfm_fixture.py
"""
import math
import os

import torch

torch.set_default_dtype(torch.float64)
cards, D, H = [3, 4], 2, 3
rows = sum(cards)
offsets = [0, cards[0]]


def values(n, seed):
    return [0.3 * math.sin(seed + 1.7 * i) for i in range(n)]


params = {
    "embed.weight": torch.tensor(values(rows * D, 1)).reshape(rows, D),
    "linear.weight": torch.tensor(values(rows, 2)).reshape(rows, 1),
    "linear.bias": torch.tensor([0.05]),
    "deep.0.weight": torch.tensor(values(len(cards) * D * H, 3)).reshape(len(cards) * D, H),
    "deep.0.bias": torch.tensor([0.2, -0.1, 0.3]),
    "deep.out.weight": torch.tensor(values(H, 4)).reshape(H, 1),
    "deep.out.bias": torch.tensor([-0.05]),
}
for p in params.values():
    p.requires_grad_(True)

batch = [[0, 1], [2, 3], [1, 0], [0, 2], [2, 2]]
labels = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0])
ids = torch.tensor([[f + offsets[k] for k, f in enumerate(row)] for row in batch])

v = params["embed.weight"][ids]                       # B x F x D
y_lin = params["linear.weight"][ids].sum(1) + params["linear.bias"]
s = v.sum(1)
y_fm = 0.5 * (s * s - (v * v).sum(1)).sum(1, keepdim=True)
h = torch.relu(v.flatten(1) @ params["deep.0.weight"] + params["deep.0.bias"])
y_dnn = h @ params["deep.out.weight"] + params["deep.out.bias"]
logits = (y_lin + y_fm + y_dnn).squeeze(1)
loss = torch.nn.functional.binary_cross_entropy_with_logits(logits, labels)
loss.backward()

# Three Adam steps (lr 0.01) on the same batch, from the same start: dense Adam,
# as torch.optim.Adam; the rows of the embedding tables that the batch does not
# touch keep zero gradients, so lazy and dense Adam agree on them.
start = {name: p.detach().clone() for name, p in params.items()}
adam_params = {name: p.detach().clone().requires_grad_(True) for name, p in start.items()}
opt = torch.optim.Adam(adam_params.values(), lr=0.01)
for _ in range(3):
    opt.zero_grad()
    P = adam_params
    v = P["embed.weight"][ids]
    y_lin = P["linear.weight"][ids].sum(1) + P["linear.bias"]
    s = v.sum(1)
    y_fm = 0.5 * (s * s - (v * v).sum(1)).sum(1, keepdim=True)
    h = torch.relu(v.flatten(1) @ P["deep.0.weight"] + P["deep.0.bias"])
    z = (y_lin + y_fm + h @ P["deep.out.weight"] + P["deep.out.bias"]).squeeze(1)
    torch.nn.functional.binary_cross_entropy_with_logits(z, labels).backward()
    opt.step()

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "deepfm_step.txt")
with open(out, "w") as f:
    f.write("# one DeepFM step in PyTorch %s (make_deepfm_fixture.py)\n" % torch.__version__)
    f.write("batch %s\n" % " ".join("%d,%d" % tuple(r) for r in batch))
    f.write("labels %s\n" % " ".join("%g" % x for x in labels.tolist()))
    f.write("logits %s\n" % " ".join("%.12g" % x for x in logits.tolist()))
    f.write("loss %.12g\n" % loss.item())
    for name, p in params.items():
        f.write("param %s %s\n" % (name, " ".join("%.12g" % x for x in p.detach().flatten().tolist())))
        f.write("grad %s %s\n" % (name, " ".join("%.12g" % x for x in p.grad.flatten().tolist())))
        f.write("adam3 %s %s\n" % (name, " ".join(
            "%.12g" % x for x in adam_params[name].detach().flatten().tolist())))
print("wrote", out)
