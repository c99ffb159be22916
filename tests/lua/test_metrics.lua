-- rec.metrics: values by hand (ties, all-equal scores, groups), tensors as
-- input, argument and engine errors word for word, and every docstring
-- example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"
local M = rec.metrics

T.cases {
  {"auc by hand, with ties", function()
    T.eq(M.auc({0, 0, 1, 1}, {0.1, 0.4, 0.35, 0.8}), 0.75, "auc")
    T.eq(M.auc({0, 1, 0, 1}, {0.5, 0.5, 0.2, 0.9}), 0.875, "a tie counts one half")
    T.eq(M.auc({1, 0, 1, 0}, {3, 3, 3, 3}), 0.5, "all equal")
    T.eq(M.auc({1, 0}, {-2, 5}), 0.0, "reversed")
  end},
  {"auc on tensors", function()
    local y = rec.tensor{0, 0, 1, 1}
    local s = rec.tensor{{0.1, 0.4}, {0.35, 0.8}}   -- any shape, read flat
    T.eq(M.auc(y, s), 0.75, "tensors")
    T.eq(M.auc(y, {0.1, 0.4, 0.35, 0.8}), 0.75, "a tensor and a table")
  end},
  {"auc errors", function()
    T.err(function() M.auc({1, 1, 1}, {0.1, 0.2, 0.3}) end,
          "auc: AUC needs both classes: all 3 labels are 1", "single class")
    T.err(function() M.auc({0, 0.5}, {0.1, 0.2}) end,
          "auc: label 1 is 0.5: expected 0 or 1", "label not 0/1")
    T.err(function() M.auc({0, 1}, {0.1}) end,
          "auc: labels has 2 entries but scores has 1", "lengths")
    T.err(function() M.auc({0, 1}, {0.1, "x"}) end,
          "bad argument #2 to 'auc' (scores[2] is string: expected a number)", "not a number")
    T.err(function() M.auc({0, 1}, 7) end,
          "bad argument #2 to 'auc' (a table of numbers or a rec.Tensor expected, got number)",
          "not a table")
    T.err(function() M.auc({}, {}) end, "auc: no rows (n = 0)", "empty")
    T.err(function() M.auc({0, 1}, {0.1, 0 / 0}) end,
          "auc: score 1 is NaN: expected a finite number", "NaN score")
  end},
  {"gauc plain and weighted", function()
    -- ann: 1.5 / 2 = 0.75 (a tie at 0.9); bob: 0; cy has one class: skipped
    local y = {1, 0, 0, 0, 1, 1, 1}
    local s = {0.9, 0.5, 0.9, 0.3, 0.2, 0.1, 0.7}
    local g = {"ann", "ann", "ann", "bob", "bob", "cy", "cy"}
    local v, info = M.gauc(y, s, g)
    T.eq(v, 0.375, "uAUC: plain mean")
    T.eq(info, {groups = 3, used = 2, rows = 5, weighted = false}, "info")
    v, info = M.gauc(y, s, g, {weighted = true})
    T.near(v, (3 * 0.75 + 2 * 0) / 5, 1e-15, "gAUC: impression-weighted")
    v = M.gauc(y, s, {1, 1, 1, -2, -2, 3, 3})
    T.eq(v, 0.375, "integer groups")
    v, info = M.gauc(y, s, {1, 1, 1, "1", "1", 3.5, 3.5})
    T.eq({v, info.groups}, {0.375, 3}, "mixed numbers and strings: 1 and \"1\" differ")
    T.err(function() M.gauc(y, s, g, {wieghted = true}) end,
          "gauc: unknown option 'wieghted' (did you mean 'weighted'?)", "unknown key")
    T.err(function() M.gauc(y, s, {1, 2}) end,
          "gauc: labels has 7 entries but groups has 2", "group length")
    T.err(function() M.gauc({1, 1}, {0.2, 0.3}, {1, 2}) end,
          "gauc: no group has both classes (2 groups, 2 rows)", "no usable group")
    T.err(function() M.gauc({1, 0}, {0.2, 0.3}, {1, true}) end,
          "bad argument #3 to 'gauc' (groups[2] is boolean: expected a number or a string)",
          "group type")
  end},
  {"logloss, rmse, accuracy", function()
    T.near(M.logloss({1, 0}, {0.75, 0.5}), 0.49041462650586315, 1e-15, "logloss")
    T.near(M.logloss({1}, {0}), 34.538776394910684, 1e-9, "clipped at 1e-15")
    T.near(M.logloss({1}, {0}, {eps = 1e-7}), -math.log(1e-7), 1e-9, "eps")
    T.near(M.logloss({1, 0}, {-100, 1000}, {logits = true}), 550, 1e-9, "logits, stable")
    T.err(function() M.logloss({1}, {1.5}) end,
          "logloss: probability 0 is 1.5: expected a value in [0, 1] (for logits use "
          .. "logloss_logits)", "probability range")
    T.err(function() M.logloss({1}, {0.5}, {epsilon = 1}) end,
          "logloss: unknown option 'epsilon' (did you mean 'eps'?)", "unknown key")
    T.near(M.rmse({1, 2, 3}, {1, 2, 5}), math.sqrt(4 / 3), 1e-15, "rmse")
    T.eq(M.accuracy({1, 0, 1, 0}, {0.5, 0.49, 0.1, 0.9}), 0.5, "accuracy at 0.5")
    T.eq(M.accuracy({1, 0, 1, 0}, {2, -1, 0.5, 0}, {threshold = 0}), 0.75, "logits")
  end},
  {"ranking metrics by hand", function()
    -- user 1: relevant 30 (rank 3) and 50 (absent); user 2: relevant 1 on top;
    -- user 3: no relevant item (skipped)
    local ranked = {{10, 20, 30, 40}, {1, 2, 3}, {5}}
    local relevant = {{50, 30}, 1, {}}
    local v, info = M.recall_at_k(ranked, relevant, 3)
    T.eq(v, 0.75, "recall@3")
    T.eq(info, {users = 3, used = 2}, "users used")
    T.eq(M.hit_rate_at_k(ranked, relevant, 3), 1.0, "hit@3")
    T.eq(M.hit_rate_at_k(ranked, relevant, 1), 0.5, "hit@1")
    T.near(M.ndcg_at_k(ranked, relevant, 3), (0.5 / (1 + 1 / math.log(3, 2)) + 1) / 2, 1e-15,
           "ndcg@3")
    T.near(M.mrr(ranked, relevant), (1 / 3 + 1) / 2, 1e-15, "mrr")
    T.eq(M.mrr(ranked, relevant, 1), 0.5, "mrr@1")
    -- sets work like lists
    T.eq(M.recall_at_k(ranked, {{[50] = true, [30] = true}, {[1] = true}, {}}, 3), 0.75, "sets")
    T.err(function() M.recall_at_k(ranked, relevant, 0) end,
          "bad argument #3 to 'recall_at_k' (k must be >= 1)", "k")
    T.err(function() M.recall_at_k({{1, 1}}, {{1}}, 2) end,
          "rank metrics: user 0: item 1 is twice in the top 2 of the ranked list", "duplicate")
    T.err(function() M.ndcg_at_k({{1.5}}, {{1}}, 2) end,
          "bad argument #1 to 'ndcg_at_k' (ranked[1][1] is a fraction: expected an integer "
          .. "item id)", "fraction")
    T.err(function() M.mrr({{1}}, {{1}, {2}}) end,
          "mrr: ranked has 1 users but relevant has 2", "user counts")
    T.err(function() M.mrr({{1}}, {"x"}) end,
          "bad argument #2 to 'mrr' (relevant[1] is string: expected a list of item ids, a set "
          .. "{[id] = true} or one id)", "relevant type")
  end},
  {"uauc: WeChat's per-user mean, users with one class skipped", function()
    -- ann: 1 (0.8 > 0.3); bob: 0 (0.4 < 0.6); cy: one class, skipped; dan: a tie, 0.5
    local y = {1, 0, 1, 0, 1, 1, 0}
    local s = {0.8, 0.3, 0.4, 0.6, 0.9, 0.5, 0.5}
    local u = {"ann", "ann", "bob", "bob", "cy", "dan", "dan"}
    local v, info = M.uauc(y, s, u)
    T.eq(v, 0.5, "(1 + 0 + 0.5) / 3")
    T.eq(info, {groups = 4, used = 3, rows = 6, weighted = false}, "info")
    -- user 1: AUC 1 over 2 rows; user 2: 0.5 over 3 rows
    local y2, s2, u2 = {1, 0, 1, 0, 1}, {0.9, 0.1, 0.1, 0.15, 0.2}, {1, 1, 2, 2, 2}
    T.near(M.uauc(y2, s2, u2), 0.75, 1e-15, "every user counts the same")
    T.near(M.uauc(y2, s2, u2, {weighted = true}), (2 * 1 + 3 * 0.5) / 5, 1e-15,
           "impression-weighted on request")
    T.eq(M.uauc(y, s, u), (M.gauc(y, s, u)), "the same number as gauc")
    T.err(function() M.uauc({1, 1}, {0.2, 0.3}, {1, 2}) end,
          "uauc: no group has both classes (2 groups, 2 rows)", "no usable user")
    T.err(function() M.uauc({1, 0}, {0.2, 0.3}, {1}) end,
          "uauc: labels has 2 entries but users has 1", "lengths")
    T.err(function() M.uauc({1, 0}, {0.2, 0.3}, {1, {}}) end,
          "bad argument #3 to 'uauc' (users[2] is table: expected a number or a string)",
          "user type")
  end},
  {"weighted_uauc: sum_k w_k uAUC_k / sum_k w_k", function()
    local users = {1, 1, 2, 2, 3, 3}
    local labels = {like = {1, 0, 0, 1, 1, 1}, forward = {0, 1, 1, 0, 0, 1}}
    local scores = {like = {0.9, 0.1, 0.2, 0.7, 0.5, 0.5}, forward = {0.5, 0.4, 0.3, 0.6, 0.1, 0.2}}
    -- like: users 1 and 2 (1, 1), user 3 one class -> 1; forward: 0, 0, 1 -> 1/3
    local v, per = M.weighted_uauc(labels, scores, users, {like = 3, forward = 1})
    T.near(v, (3 * 1 + 1 / 3) / 4, 1e-15, "3:1")
    T.eq(per.like, {uauc = 1, weight = 3, groups = 3, used = 2, rows = 4, weighted = false},
         "like")
    T.near(per.forward.uauc, 1 / 3, 1e-15, "forward")
    T.eq(per.forward.used, 3, "forward uses every user")
    T.near(M.weighted_uauc(labels, scores, users, {like = 1, forward = 1}), (1 + 1 / 3) / 2,
           1e-15, "equal weights: the mean")
    T.near(M.weighted_uauc(labels, scores, users, {like = 6, forward = 2}), v, 1e-15,
           "only the ratio of the weights counts")
    local t = M.weighted_uauc({like = rec.tensor(labels.like), forward = labels.forward},
                              {like = rec.tensor(scores.like), forward = scores.forward}, users,
                              {like = 3, forward = 1})
    T.near(t, v, 1e-15, "tensors as columns")
    T.err(function() M.weighted_uauc(labels, scores, users, {like = 3}) end,
          "weighted_uauc: labels has action 'forward' but weights has no weight for it",
          "a forgotten weight")
    T.err(function() M.weighted_uauc(labels, scores, users, {like = 3, forward = 1, share = 1}) end,
          "weighted_uauc: weights has action 'share' but labels has no column for it", "no labels")
    T.err(function() M.weighted_uauc(labels, {like = scores.like}, users, {like = 3, forward = 1}) end,
          "weighted_uauc: weights has action 'forward' but scores has no column for it", "no scores")
    T.err(function() M.weighted_uauc(labels, scores, users, {like = 0, forward = 1}) end,
          "bad argument #4 to 'weighted_uauc' (weights.like is 0: expected a positive number)",
          "a zero weight")
    T.err(function() M.weighted_uauc(labels, scores, users, {}) end,
          "bad argument #4 to 'weighted_uauc' (weights is empty: give {action = weight, ...})",
          "no weights")
    T.err(function() M.weighted_uauc(labels, scores, {1, 1, 2}, {like = 3, forward = 1}) end,
          "weighted_uauc: labels.forward has 6 entries but users has 3", "users' length")
    T.err(function() M.weighted_uauc(labels, {like = {1, 2, 3, 4, 5, "x"}, forward = scores.forward},
                                     users, {like = 3, forward = 1}) end,
          "bad argument #2 to 'weighted_uauc' (scores.like[6] is string: expected a number)",
          "a bad score")
    T.err(function() M.weighted_uauc({like = {1, 1, 1, 1, 1, 1}, forward = labels.forward}, scores,
                                     users, {like = 3, forward = 1}) end,
          "weighted_uauc: action 'like': no group has both classes (3 groups, 6 rows)",
          "an action no user can score")
    T.err(function() M.weighted_uauc({labels.like}, scores, users, {like = 1}) end,
          "bad argument #1 to 'weighted_uauc' (labels' keys are action names", "a list of columns")
  end},
  {"every docstring example runs", function()
    local n = 0
    for name, fn in pairs(M) do
      local doc, example = help.get(fn)
      T.ok(doc and #doc > 40, "rec.metrics." .. name .. " has a docstring")
      T.ok(example ~= nil, "rec.metrics." .. name .. " has an example")
      -- rec is a global in recnote, not in a plain lua5.4: give the example one
      local chunk, err = load(example or "", "example of " .. name, "t",
                              setmetatable({rec = rec}, {__index = _G}))
      T.ok(chunk ~= nil, err or name)
      if chunk then
        local ok, msg = pcall(chunk)
        T.ok(ok, "example of rec.metrics." .. name .. ": " .. tostring(msg))
      end
      n = n + 1
    end
    T.eq(n, 11, "eleven metrics")
  end},
}
T.done()
