#!/usr/bin/env python3
"""PyTorch fixture for Dice inside the models' MLP (tests/models/test_dice.c).

Dice (Zhou et al. 2018, DIN, eq. 9): p = sigmoid((x - E[x]) / sqrt(Var[x] + eps)),
y = p x + (1 - p) alpha x, per channel, with E and Var the mini-batch's
statistics in training and moving averages at inference, and alpha trained.
Written here as torch.nn.BatchNorm1d(affine=False) for the statistics, as in
the DIN authors' and DeepCTR-Torch's implementations.

The net: x (8 x 5) -> Linear(5, 4) -> Dice(4) -> Linear(4, 1) -> BCE with
logits, trained by 3 steps of plain SGD (lr 0.1) on three batches. The file
holds, one array per line ("name v1 v2 ..."):
  x0 x1 x2 y0 y1 y2   the three training batches and their labels
  w1 b1 w2 b2 alpha   the initial parameters (w as in x out, the engine's layout)
  logits0             training-mode logits of batch 0 before any step
                      (batch statistics: not running ones, not per-row ones)
  dalpha0             alpha's gradient at step 0 (alpha is trained)
  alpha3              alpha after the 3 steps
  running_mean3 running_var3   Dice's moving averages after the 3 steps
  xe logits_eval      a batch and its inference-mode logits after the steps
                      (moving averages, not the batch's statistics)
Run: /usr/bin/python3 tests/models/make_dice_fixture.py > tests/models/fixtures/dice.txt
"""
import torch

torch.manual_seed(7)
B, I, H = 8, 5, 4


class Dice(torch.nn.Module):
    def __init__(self, h, eps=1e-8, momentum=0.1):
        super().__init__()
        self.bn = torch.nn.BatchNorm1d(h, eps=eps, momentum=momentum, affine=False)
        self.alpha = torch.nn.Parameter(torch.tensor([0.1, -0.2, 0.3, 0.25]))

    def forward(self, x):
        p = torch.sigmoid(self.bn(x))
        return p * x + (1 - p) * self.alpha * x


lin1, dice, lin2 = torch.nn.Linear(I, H), Dice(H), torch.nn.Linear(H, 1)
net = torch.nn.Sequential(lin1, dice, lin2)
xs = [torch.randn(B, I) * 2 + 0.5 for _ in range(3)]
ys = [torch.randint(0, 2, (B, 1)).float() for _ in range(3)]
out = {}


def put(name, t):
    out[name] = t.detach().reshape(-1).tolist()


for k in range(3):
    put("x%d" % k, xs[k])
    put("y%d" % k, ys[k])
put("w1", lin1.weight.t())
put("b1", lin1.bias)
put("w2", lin2.weight.t())
put("b2", lin2.bias)
put("alpha", dice.alpha)
opt = torch.optim.SGD(net.parameters(), lr=0.1)
loss_fn = torch.nn.BCEWithLogitsLoss()
net.train()
for k in range(3):
    opt.zero_grad()
    z = net(xs[k])
    if k == 0:
        put("logits0", z)
    loss_fn(z, ys[k]).backward()
    if k == 0:
        put("dalpha0", dice.alpha.grad)
    opt.step()
put("alpha3", dice.alpha)
put("running_mean3", dice.bn.running_mean)
put("running_var3", dice.bn.running_var)
net.eval()
xe = torch.randn(B, I)
put("xe", xe)
put("logits_eval", net(xe))
for name, v in out.items():
    print(name, " ".join("%.9g" % x for x in v))
