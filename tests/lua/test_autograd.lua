-- Autograd from Lua: gradients, the step lifetime, and models built from ops
-- (logistic regression and a 2-layer MLP) that train on seeded data.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

-- Seeded data without rec: a small LCG, so the test's data is known.
local function lcg(seed)
  local s = seed
  return function() s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 end
end

local function accuracy(logits, y)
  local z, t, right = logits:totable(), y:totable(), 0
  for i = 1, #t do
    local v = type(z[i]) == "table" and z[i][1] or z[i]
    if (v > 0) == (t[i] > 0.5) then right = right + 1 end
  end
  return right / #t
end

T.cases{
  {"gradients", function()
    local w = rec.tensor({1, 2, 3}, {requires_grad = true})
    local loss = (w * w):sum()
    loss:backward()
    T.eq(w:grad():totable(), {2, 4, 6}, "d sum w^2 = 2w")
    rec.autograd.reset()
    loss = (w * 3):mean()
    loss:backward()
    T.eq(w:grad():totable(), {3, 5, 7}, "gradients accumulate")
    w:zero_grad()
    T.eq(w:grad():totable(), {0, 0, 0}, "zero_grad")
    rec.autograd.reset()
  end},
  {"the step lifetime", function()
    local w = rec.tensor({1, 2}, {requires_grad = true})
    local h = w * 2
    T.ok(rec.autograd.nodes() >= 1, "recorded")
    local loss = (h * rec.ones{2}:transpose(1, 1)):sum() -- constants are not recorded
    local ops = {}
    for i, n in ipairs(rec.autograd.tape()) do ops[i] = n.op end
    T.eq(ops, {"mul", "mul", "reshape", "sum"}, "the tape in recording order")
    T.eq(rec.autograd.tape()[4].shape, {1}, "an op's output shape")
    T.eq(loss:item(), 6, "loss")
    T.err(function() w:close() end, "the tensor is in use by the current autograd step", "anchored")
    rec.autograd.reset()
    T.eq(rec.autograd.nodes(), 0, "reset empties the tape")
    T.err(function() return h + 1 end, "this tensor belonged to an autograd step that has ended",
          "stale")
    T.eq(tostring(h), "tensor (its autograd step has ended)", "stale prints")
    T.err(function() (w * 2):backward() end,
          "backward needs a loss of one element, got shape 2", "non-scalar backward")
    rec.autograd.reset()
    -- values that need no gradient are ordinary tensors that outlive steps
    local v = rec.ones{2} * 5
    rec.autograd.reset()
    T.eq(v:totable(), {5, 5}, "plain values survive reset")
    -- a failed op does not poison the step
    local a = w * 1
    T.err(function() return rec.nn.matmul(a, a) end, "matmul needs two 2-D or two 3-D tensors",
          "shape error")
    T.eq((a * 2):sum():item(), 6, "the step goes on after an error")
    rec.autograd.reset()
  end},
  {"inference loops run in constant memory", function()
    local x = rec.ones{64, 64}
    for _ = 1, 2000 do local y = x:matmul(x):relu() end
    T.eq(rec.autograd.nodes(), 0, "nothing recorded without gradients")
  end},
  {"train and eval modes", function()
    local x = rec.rand({16, 3}, {seed = 4})
    local rm, rv = rec.zeros{3}, rec.ones{3}
    local y = rec.nn.batchnorm(x, nil, nil, rm, rv)
    T.near(y:mean(1):totable()[2], 0, 1e-6, "train: batch statistics")
    T.ok(rm:totable()[1] > 0, "running mean moved")
    rec.autograd.train(false)
    T.ok(not rec.autograd.training(), "eval mode")
    local d = rec.nn.dropout(x, 0.5)
    T.eq(d:totable(), x:totable(), "dropout is the identity in eval")
    rec.autograd.train(true)
  end},
  {"logistic regression from ops", function()
    local r = lcg(7)
    local xs, ys = {}, {}
    for i = 1, 200 do
      local a, b = 2 * r() - 1, 2 * r() - 1
      xs[i], ys[i] = {a, b}, (2 * a - b > 0.1) and 1 or 0
    end
    local x, y = rec.tensor(xs), rec.tensor(ys)
    local ps = rec.params()
    local w, b = ps:param("lr.w", {2, 1}), ps:param("lr.b", {1})
    local opt = rec.optim.sgd{lr = 0.5, params = ps}
    local first, last
    for step = 1, 300 do
      local loss = rec.loss.bce_logits(x:matmul(w) + b, y)
      last = loss:item(); first = first or last
      loss:backward(); opt:step()
    end
    local acc = accuracy(x:matmul(w) + b, y)
    T.ok(last < 0.3 * first, string.format("loss fell from %.3f to %.3f", first, last))
    T.ok(acc >= 0.95, string.format("accuracy %.3f >= 0.95", acc))
  end},
  {"2-layer MLP learns XOR, which a linear model cannot", function()
    local r = lcg(11)
    local xs, ys = {}, {}
    for i = 1, 256 do
      local a, b = 2 * r() - 1, 2 * r() - 1
      xs[i], ys[i] = {a, b}, (a * b > 0) and 1 or 0
    end
    local x, y = rec.tensor(xs), rec.tensor(ys)
    local ps = rec.params()
    local w1 = ps:param("mlp.0.weight", {2, 16}, {init = "xavier", seed = 1})
    local b1 = ps:param("mlp.0.bias", {16})
    local w2 = ps:param("mlp.1.weight", {16, 1}, {init = "xavier", seed = 2})
    local b2 = ps:param("mlp.1.bias", {1})
    local opt = rec.optim.adam{lr = 0.02, params = ps}
    local function forward() return (x:matmul(w1) + b1):relu():matmul(w2) + b2 end
    for _ = 1, 400 do
      local loss = rec.loss.bce_logits(forward(), y)
      loss:backward(); opt:step()
    end
    local acc = accuracy(forward(), y)
    T.ok(acc >= 0.9, string.format("MLP accuracy %.3f >= 0.9", acc))
    rec.autograd.reset()
  end},
  {"embeddings, pooling, FM and losses from Lua", function()
    local ps = rec.params()
    local emb = ps:table("emb", 10, 3, {init = "normal", std = 0.1, seed = 3})
    local seq = rec.nn.embedding(emb, {{1, 2, 0}, {4, 0, 0}})
    T.eq(seq:shape(), {2, 3, 3}, "B x T x D")
    local mask = rec.tensor{{1, 1, 0}, {1, 0, 0}}
    local pooled = rec.nn.pool(seq, mask, {mode = "mean"})
    T.eq(pooled:shape(), {2, 3}, "pooled")
    local e = emb:totable()
    T.near(pooled:totable()[2][1], e[5][1], 1e-6, "mean of one item is the item")
    T.err(function() rec.nn.pool(seq, mask, {mode = "median"}) end, "invalid option 'median'",
          "mode")
    T.err(function() rec.nn.embedding(emb, {10}) end,
          "embedding: id 10 at position 0 is outside the table emb (rows 0..9)", "id range")
    local fm = rec.nn.fm(seq)
    T.eq(fm:shape(), {2, 1}, "fm")
    local pw = rec.nn.pairwise(seq)
    T.eq(pw:shape(), {2, 3}, "pairwise: 3 field pairs")
    T.near(pw:sum(2):totable()[1], fm:totable()[1][1], 1e-6, "pairwise terms sum to fm")
    local loss = rec.loss.bce_logits(fm, rec.tensor{1, 0})
    loss:backward()
    local g = emb:grad():totable()
    T.eq(g[4][1], 0, "untouched row has no gradient")
    T.ok(g[2][1] ~= 0, "touched row has one")
    local ce = rec.loss.softmax_ce(rec.tensor{{2, 0, 0}}, {0})
    T.near(ce:item(), math.log(1 + 2 * math.exp(-2)), 1e-6, "softmax_ce value")
    T.err(function() rec.loss.softmax_ce(rec.tensor{{2, 0}}, {2}) end,
          "softmax_ce: target 2 of row 0 is outside 0..1", "class range")
    T.near(rec.loss.bce_logits(rec.tensor{100, -100}, rec.tensor{1, 0}):item(), 0, 1e-12,
           "stable bce")
    rec.autograd.reset()
  end},
}
T.done()
