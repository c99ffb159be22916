#!/usr/bin/python3
"""Writes tests/engine/fixtures/torch.txt: reference values computed by PyTorch
for the engine's fixture tests (test_fixtures.c). Run with Debian's python3 and
python3-torch:  /usr/bin/python3 tests/engine/make_fixtures.py

Inputs are drawn from a seeded generator and rounded to float32 (the engine's
type), written with 9 significant digits so the C side reads them back
exactly; the references are computed in float64 from those same values and
written with 17 digits. Each line reads:  name count v1 v2 ... vcount
Gradients are of L = sum(R * out) for a given projection R, so one backward
covers every output element.
"""
import os
import torch
import torch.nn.functional as F

torch.manual_seed(20261129)
out = []


def put(name, t, ref=False):
    v = t.detach().reshape(-1).tolist()
    fmt = "%.17g" if ref else "%.9g"
    out.append(name + " " + str(len(v)) + " " + " ".join(fmt % x for x in v))


def inp(name, *shape, lo=-1.0, hi=1.0):
    """A float32-valued input, written out, returned as a float64 leaf."""
    t = (torch.rand(*shape) * (hi - lo) + lo).float()
    put(name, t)
    return t.double().requires_grad_(True)


def grads(name, y, leaves):
    R = inp(name + ".R", *y.shape).detach()
    put(name + ".y", y, ref=True)
    g = torch.autograd.grad((y * R).sum(), [l for _, l in leaves])
    for (n, _), d in zip(leaves, g):
        put(name + ".d" + n, d, ref=True)


# ---- batch norm: train (batch statistics, running update), then eval -------
x = inp("bn.x", 6, 3, lo=-2, hi=2)
gamma = inp("bn.gamma", 3, lo=0.5, hi=1.5)
beta = inp("bn.beta", 3)
bn = torch.nn.BatchNorm1d(3, momentum=0.1, eps=1e-5).double()
with torch.no_grad():
    bn.weight.copy_(gamma)
    bn.bias.copy_(beta)
bn.train()
y = F.batch_norm(x, bn.running_mean, bn.running_var, gamma, beta, True, 0.1, 1e-5)
grads("bn.train", y, [("x", x), ("gamma", gamma), ("beta", beta)])
put("bn.train.running_mean", bn.running_mean, ref=True)
put("bn.train.running_var", bn.running_var, ref=True)
# eval with the running statistics just computed (as float32, which C holds)
rm = bn.running_mean.float().double()
rv = bn.running_var.float().double()
put("bn.eval.running_mean", rm.float())
put("bn.eval.running_var", rv.float())
y = F.batch_norm(x, rm, rv, gamma, beta, False, 0.1, 1e-5)
grads("bn.eval", y, [("x", x), ("gamma", gamma), ("beta", beta)])

# ---- Dice (DIN): BatchNorm1d(affine=False, eps=1e-8) + sigmoid gate ---------
x = inp("dice.x", 8, 4, lo=-2, hi=2)
alpha = inp("dice.alpha", 4, lo=0.0, hi=0.5)
rmean = torch.zeros(4, dtype=torch.float64)
rvar = torch.ones(4, dtype=torch.float64)


def dice(x, alpha, rmean, rvar, training):
    xhat = F.batch_norm(x, rmean, rvar, None, None, training, 0.1, 1e-8)
    p = torch.sigmoid(xhat)
    return p * x + (1 - p) * alpha * x


y = dice(x, alpha, rmean, rvar, True)
grads("dice.train", y, [("x", x), ("alpha", alpha)])
put("dice.train.running_mean", rmean, ref=True)
put("dice.train.running_var", rvar, ref=True)
rm = rmean.float().double()
rv = rvar.float().double()
put("dice.eval.running_mean", rm.float())
put("dice.eval.running_var", rv.float())
y = dice(x, alpha, rm, rv, False)
grads("dice.eval", y, [("x", x), ("alpha", alpha)])

# ---- softmax and log-softmax over axis 1 of a 2 x 4 x 3 tensor -------------
x = inp("softmax.x", 2, 4, 3, lo=-3, hi=3)
grads("softmax", torch.softmax(x, 1), [("x", x)])
grads("log_softmax", torch.log_softmax(x, 1), [("x", x)])

# ---- GRU cell ---------------------------------------------------------------
x = inp("gru.x", 3, 5)
h = inp("gru.h", 3, 4)
w_ih = inp("gru.w_ih", 12, 5, lo=-0.5, hi=0.5)
w_hh = inp("gru.w_hh", 12, 4, lo=-0.5, hi=0.5)
b_ih = inp("gru.b_ih", 12, lo=-0.5, hi=0.5)
b_hh = inp("gru.b_hh", 12, lo=-0.5, hi=0.5)
y = torch._VF.gru_cell(x, h, w_ih, w_hh, b_ih, b_hh)
grads("gru", y, [("x", x), ("h", h), ("w_ih", w_ih), ("w_hh", w_hh), ("b_ih", b_ih),
                 ("b_hh", b_hh)])

# ---- BCE with logits, including |z| > 50, with per-sample weights ----------
z = torch.tensor([-120.0, -60.5, -3.25, -0.5, 0.0, 0.75, 4.5, 55.0, 130.0, 2.0])
put("bce.z", z)
yl = torch.tensor([1.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.25])
put("bce.y", yl)
w = inp("bce.w", 10, lo=0.5, hi=2.0).detach()
zz = z.double().requires_grad_(True)
loss = F.binary_cross_entropy_with_logits(zz, yl.double(), weight=w)
put("bce.loss", loss, ref=True)
put("bce.dz", torch.autograd.grad(loss, zz)[0], ref=True)
zz = z.double().requires_grad_(True)
loss = F.binary_cross_entropy_with_logits(zz, yl.double())
put("bce.unweighted.loss", loss, ref=True)
put("bce.unweighted.dz", torch.autograd.grad(loss, zz)[0], ref=True)

# ---- layer norm, PReLU, masked pooling, weighted softmax cross-entropy ------
x = inp("ln.x", 2, 3, 4, lo=-2, hi=2)
gamma = inp("ln.gamma", 4, lo=0.5, hi=1.5)
beta = inp("ln.beta", 4)
grads("ln", F.layer_norm(x, (4,), gamma, beta, 1e-5), [("x", x), ("gamma", gamma), ("beta", beta)])

x = inp("prelu.x", 4, 3, lo=-2, hi=2)
alpha = inp("prelu.alpha", 3, lo=0.05, hi=0.4)
grads("prelu", F.prelu(x, alpha), [("x", x), ("alpha", alpha)])

x = inp("pool.x", 3, 4, 2, lo=-2, hi=2)
mask = torch.tensor([[1.0, 1, 1, 0], [1, 0, 0, 0], [1, 1, 1, 1]])
put("pool.mask", mask)
wts = inp("pool.w", 3, 4)
m = mask.double().unsqueeze(-1)
grads("pool.sum", (x * m).sum(1), [("x", x)])
grads("pool.mean", (x * m).sum(1) / m.sum(1), [("x", x)])
grads("pool.max", x.masked_fill(m == 0, float("-inf")).max(1).values, [("x", x)])
grads("pool.weighted", (x * m * wts.unsqueeze(-1)).sum(1), [("x", x), ("w", wts)])

z = inp("ce.z", 4, 5, lo=-2, hi=2)
target = torch.tensor([3, 0, 4, 3])
put("ce.target", target.double())
w = inp("ce.w", 4, lo=0.5, hi=2.0)
loss = (w * F.cross_entropy(z, target, reduction="none")).mean()
put("ce.loss", loss, ref=True)
dz, dw = torch.autograd.grad(loss, [z, w])
put("ce.dz", dz, ref=True)
put("ce.dw", dw, ref=True)

# ---- optimizers: 3 steps from w0 with given gradients -----------------------
w0 = inp("optim.w0", 6).detach()
gs = [inp("optim.g%d" % k, 6, lo=-2, hi=2).detach() for k in range(3)]
configs = {
    "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True),
    "sgd_l2": lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.5),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.5, initial_accumulator_value=0.1,
                                             eps=1e-10),
    "adam": lambda p: torch.optim.Adam(p, lr=0.05, betas=(0.9, 0.999), eps=1e-8),
    "adam_l2": lambda p: torch.optim.Adam(p, lr=0.05, weight_decay=0.1),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.05, weight_decay=0.2),
}
for name, make in configs.items():
    p = torch.nn.Parameter(w0.clone())
    opt = make([p])
    for k, g in enumerate(gs):
        p.grad = g.clone()
        opt.step()
        put("optim.%s.step%d" % (name, k + 1), p, ref=True)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "torch.txt")
with open(path, "w") as f:
    f.write("# generated by tests/engine/make_fixtures.py with torch %s; do not edit\n"
            % torch.__version__)
    f.write("\n".join(out) + "\n")
print("wrote", path, len(out), "arrays")
