#!/usr/bin/env python3
"""rec.metrics.uauc and weighted_uauc against scikit-learn, computed here:
seeded data for the seven actions of the WeChat Big Data Challenge 2021, many
tied scores, users with one class (skipped), scored as the challenge's own
evaluation script does (roc_auc_score per user, the plain mean over users
whose labels are not all equal, then sum_k w_k uAUC_k / sum_k w_k with the
weights 4:3:2:1 of the preliminary round and 4:3:2:1:1:1:1 of the final);
and the impression-weighted variant (gAUC). recnote must agree within 1e-12.

    test_uauc_sklearn.py <recnote binary>

Exits 77 (ctest: skipped) when scikit-learn (Debian: python3-sklearn) is absent.
Prints "N passed, N failed".
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from sklearn.metrics import roc_auc_score
except ImportError as err:
    print(f"skipped: scikit-learn is not installed ({err}); Debian: apt-get install python3-sklearn")
    sys.exit(77)

passed = failed = 0


def check(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAILED: {what}", file=sys.stderr)


ACTIONS = ["read_comment", "like", "click_avatar", "forward", "favorite", "comment", "follow"]
PRELIMINARY = {"read_comment": 4, "like": 3, "click_avatar": 2, "forward": 1}
FINAL = dict(PRELIMINARY, favorite=1, comment=1, follow=1)

rng = np.random.default_rng(20261202)
n, n_users = 3000, 120
users = rng.integers(0, n_users, size=n)
rates = [0.2, 0.1, 0.06, 0.05, 0.04, 0.03, 0.02]  # rare actions leave many users one class
labels, scores = {}, {}
for a, rate in zip(ACTIONS, rates):
    y = (rng.random(n) < rate).astype(np.float64)
    # scores on a grid of 1/16 (float32-exact, many ties), informative but noisy
    s = np.clip(np.round((rng.random(n) + 0.4 * y) * 16) / 16, 0, 2)
    labels[a], scores[a] = y, s


def uauc(y, s, u, weighted=False):
    """The challenge's uAUC (weighted=False), or the impression-weighted gAUC."""
    aucs, sizes = [], []
    for g in np.unique(u):
        m = u == g
        if y[m].min() != y[m].max():
            aucs.append(roc_auc_score(y[m], s[m]))
            sizes.append(m.sum())
    aucs, sizes = np.array(aucs), np.array(sizes, dtype=np.float64)
    value = (aucs * sizes).sum() / sizes.sum() if weighted else aucs.mean()
    return value, len(aucs)


def weighted_score(weights, weighted=False):
    per = {a: uauc(labels[a], scores[a], users, weighted)[0] for a in weights}
    return sum(weights[a] * per[a] for a in weights) / sum(weights.values()), per


def lua_list(v, fmt):
    return "{" + ",".join(fmt % x for x in v) + "}"


LUA = ["local rec = require 'rec'", "local M = rec.metrics",
       "local users = " + lua_list(users, "%d"), "local labels, scores = {}, {}"]
for a in ACTIONS:
    LUA.append("labels.%s = %s" % (a, lua_list(labels[a], "%d")))
    LUA.append("scores.%s = %s" % (a, lua_list(scores[a], "%.9g")))
LUA += [
    "local function show(name, v) io.write(string.format('%s %.17g\\n', name, v)) end",
    "for _, a in ipairs{%s} do" % ",".join("'%s'" % a for a in ACTIONS),
    "  local v, info = M.uauc(labels[a], scores[a], users)",
    "  show('uauc.' .. a, v); show('used.' .. a, info.used)",
    "  show('gauc.' .. a, (M.uauc(labels[a], scores[a], users, {weighted = true})))",
    "end",
    "local l4, s4 = {}, {}",
    "for _, a in ipairs{'read_comment', 'like', 'click_avatar', 'forward'} do",
    "  l4[a], s4[a] = labels[a], scores[a]",
    "end",
    "show('preliminary', (M.weighted_uauc(l4, s4, users,"
    " {read_comment = 4, like = 3, click_avatar = 2, forward = 1})))",
    "local final_w = {read_comment = 4, like = 3, click_avatar = 2, forward = 1,"
    " favorite = 1, comment = 1, follow = 1}",
    "local v, per = M.weighted_uauc(labels, scores, users, final_w)",
    "show('final', v); show('final.like', per.like.uauc)",
    "show('final_weighted', (M.weighted_uauc(labels, scores, users, final_w, {weighted = true})))",
]

with tempfile.TemporaryDirectory() as tmp:
    script = os.path.join(tmp, "uauc.lua")
    with open(script, "w") as f:
        f.write("\n".join(LUA) + "\n")
    env = dict(os.environ, SDL_VIDEODRIVER="dummy")
    r = subprocess.run([sys.argv[1], "--headless", script], capture_output=True, text=True,
                       env=env, timeout=120)
check(r.returncode == 0, "recnote runs the script: " + r.stderr)
got = {}
for line in r.stdout.splitlines():
    k, v = line.split()
    got[k] = float(v)


def near(name, want, tol=1e-12):
    have = got.get(name)
    check(have is not None and abs(have - want) <= tol,
          f"{name}: recnote {have!r}, scikit-learn {want!r}")


for a in ACTIONS:
    value, used = uauc(labels[a], scores[a], users)
    near("uauc." + a, value)
    near("used." + a, used, 0)
    near("gauc." + a, uauc(labels[a], scores[a], users, weighted=True)[0])
    check(used < n_users, f"{a}: some users have one class and are skipped ({used} of {n_users})")
prelim, _ = weighted_score(PRELIMINARY)
final, per = weighted_score(FINAL)
near("preliminary", prelim)
near("final", final)
near("final.like", per["like"])
near("final_weighted", weighted_score(FINAL, weighted=True)[0])
check(abs(prelim - final) > 1e-4, "the two weightings differ on this data")
print(f"scikit-learn: preliminary (4:3:2:1) {prelim:.6f}, final (4:3:2:1:1:1:1) {final:.6f}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
