-- rec.fusion: additive, product and levels on fixed numbers, the scale
-- (in)sensitivity that motivates the product, rank and top with ties, errors
-- word for word, and every docstring example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"
local F = rec.fusion

-- five items, three objectives with very different base rates
local s = {click = {0.30, 0.25, 0.20, 0.15, 0.10},
           like = {0.02, 0.05, 0.03, 0.08, 0.04},
           follow = {0.001, 0.002, 0.006, 0.004, 0.010}}

local function scaled(col, c)
  local out = {}
  for i, v in ipairs(col) do out[i] = c * v end
  return out
end

T.cases{
  {"additive: sum_k w_k p_k by hand", function()
    local f = F.additive(s, {click = 1, like = 2, follow = 10})
    local want = {0.30 + 0.04 + 0.01, 0.25 + 0.10 + 0.02, 0.20 + 0.06 + 0.06,
                  0.15 + 0.16 + 0.04, 0.10 + 0.08 + 0.10}
    for i = 1, 5 do T.near(f[i], want[i], 1e-12, "item " .. i) end
    T.eq(F.additive(s, {click = 1}), s.click, "one objective with weight 1: itself")
    T.eq(#F.additive({a = {}}, {a = 1}), 0, "no items")
  end},
  {"product: prod_k (p_k + b_k)^a_k by hand", function()
    local f = F.product(s, {click = 1, like = 0.5, follow = 0.25})
    for i = 1, 5 do
      T.near(f[i], s.click[i] * s.like[i] ^ 0.5 * s.follow[i] ^ 0.25, 1e-15, "item " .. i)
    end
    local g = F.product(s, {click = 2, follow = 1}, {offsets = {follow = 0.01}})
    T.near(g[1], 0.09 * 0.011, 1e-15, "an offset")
    T.near(F.product({a = {0}}, {a = 1}, {offsets = {a = 0.5}})[1], 0.5, 0, "offset keeps zero alive")
  end},
  {"levels: the notes' (w1 t1) x (w2 t2 + w3 t3) x (w4 t4 + w5 t5)", function()
    local t = {t1 = {0.5, 0.2}, t2 = {0.1, 0.3}, t3 = {0.2, 0.1}, t4 = {0.4, 0.5}, t5 = {0.3, 0.6}}
    local f = F.levels(t, {{t1 = 2}, {t2 = 1, t3 = 3}, {t4 = 1, t5 = 0.5}})
    T.near(f[1], (2 * 0.5) * (0.1 + 0.6) * (0.4 + 0.15), 1e-15, "item 1")
    T.near(f[2], (2 * 0.2) * (0.3 + 0.3) * (0.5 + 0.3), 1e-15, "item 2")
  end},
  {"scaling one objective by 10 moves the additive ranking, not the product's", function()
    local w = {click = 1, like = 1, follow = 5}
    local s10 = {click = s.click, like = s.like, follow = scaled(s.follow, 10)}
    local add, add10 = F.top(F.additive(s, w), 5), F.top(F.additive(s10, w), 5)
    T.eq(add, {1, 2, 3, 4, 5}, "additive before: click dominates")
    T.eq(add10, {5, 3, 4, 2, 1}, "additive after: follow dominates")
    local a = {click = 1, like = 1, follow = 1}
    local p, p10 = F.product(s, a), F.product(s10, a)
    T.eq(F.top(p10, 5), F.top(p, 5), "product: the same order")
    for i = 1, 5 do T.near(p10[i] / p[i], 10, 1e-12, "every score times 10, item " .. i) end
    T.eq(F.top(p, 5), {4, 5, 3, 2, 1}, "the product's order")
  end},
  {"rank and top: best first, ties by index", function()
    local ranks, order = F.rank({0.2, 0.9, 0.5, 0.9})
    T.eq(ranks, {4, 1, 3, 2}, "ranks")
    T.eq(order, {2, 4, 3, 1}, "order")
    T.eq(F.top({0.2, 0.9, 0.5, 0.9}, 2), {2, 4}, "top 2")
    T.eq(F.top({0.2}, 3), {1}, "k beyond the list")
  end},
  {"errors name the action, the item and what was expected", function()
    T.err(function() F.additive(s, {click = 1, share = 1}) end,
          "additive: weights has action 'share' but scores has no column for it", "no column")
    T.err(function() F.additive({a = {1, 2}, b = {1}}, {a = 1, b = 1}) end,
          "additive: scores.b has 1 entries but scores.a has 2", "lengths")
    T.err(function() F.additive({a = {1, 0 / 0}}, {a = 1}) end,
          "additive: scores.a[2] is ", "NaN")
    T.err(function() F.additive({a = {1, "x"}}, {a = 1}) end,
          "additive: scores.a[2] is x: expected a finite number", "a string")
    T.err(function() F.additive(s, {click = "1"}) end,
          "additive: weights.click is 1: expected a finite number", "a string weight")
    T.err(function() F.additive(s, {}) end, "additive: weights is empty", "no weights")
    T.err(function() F.additive(s, {1}) end, "additive: weights' keys are action names", "a list")
    T.err(function() F.additive(7, {a = 1}) end,
          "additive: scores should be a table {action = {score per item}, ...}, got number",
          "scores")
    T.err(function() F.product({a = {0.5, 0}}, {a = 0.5}) end,
          "product: scores.a[2] + offset is 0: each factor needs a positive base (give offsets "
          .. "= {a = b})", "zero base")
    T.err(function() F.product({a = {0.5}}, {a = 1}, {offset = {a = 1}}) end,
          "product: unknown option 'offset' (known: offsets)", "option name")
    T.err(function() F.product({a = {0.5}}, {a = 1}, {offsets = {b = 1}}) end,
          "product: offsets has action 'b' with no exponent", "offset without exponent")
    T.err(function() F.levels(s, {}) end,
          "levels: levels should be a list of {action = weight} tables", "no levels")
    T.err(function() F.levels(s, {{click = 1}, {share = 1}}) end,
          "levels: level 2: weights has action 'share' but scores has no column for it",
          "a level's error")
    T.err(function() F.top({1, 2}, 0) end, "top: k should be an integer >= 1, got 0", "k")
    T.err(function() F.rank({1, "x"}) end, "rank: values[2] is x: expected a number", "values")
  end},
  {"every docstring example runs", function()
    local n = 0
    for name, fn in pairs(F) do
      local doc, example = help.get(fn)
      T.ok(doc and #doc > 40, "rec.fusion." .. name .. " has a docstring")
      local ok, err = pcall(assert(load(example, name)))
      T.ok(ok, "example of rec.fusion." .. name .. ": " .. tostring(err))
      n = n + 1
    end
    T.eq(n, 5, "five functions")
  end},
}

T.done()
