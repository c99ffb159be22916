-- rec.tags and rec.recall from Lua: errors a student meets, and multi-path
-- recall on MovieLens (leave-last-out): the merged set beats every path.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

-- the formulas, as the notes give them
T.near(rec.tags.decay(97), 0.5, 1e-12, "decay: half after 7 + 90 days")
T.near(rec.tags.decay(10, {scale = 30, offset = 0, decay = 0.5}), 0.5 ^ (1 / 3), 1e-12, "decay options")
T.near(rec.tags.tf(1, 4), 0.25, 0, "tf 1/4")
T.near(rec.tags.idf(1000, 50), math.log(1001 / 51), 1e-12, "idf ln(1001/51)")
T.eq(rec.tags.quotas({3, 2, 1}, 10), {5, 3, 2}, "quotas")

local t = rec.tags.new{items = {1, 2, 3}, tags = {{"Comedy", "Drama"}, {"Comedy"}, {"Horror"}}}
T.eq(tostring(t), "rec.Tags: 3 items (3 tagged), 3 tags", "tostring")
local ev = {items = {1, 2}, types = {"rate_high", "view"}, ages = {0, 200}}
local w, raw = t:profile(ev)
-- by hand: Comedy: 3 * 1/2 * ln(4/3) + 1 * 0.5^(193/90) * 1 * ln(4/3)
local ic = math.log(4 / 3)
T.near(raw.Comedy, 1.5 * ic + 0.5 ^ (193 / 90) * ic, 1e-12, "raw Comedy weight by hand")
T.near(w.Drama, 1.5 * math.log(4 / 2) * math.log(3) / 2, 1e-12, "damped Drama weight: S log(1 + n) / n")

-- errors: unknown tag, negative time, empty history, unknown type and item
T.err(function() t:postings("Comdy") end, "t:postings: unknown tag 'Comdy' (did you mean 'Comedy'?)", "unknown tag")
T.err(function() t:recall({Horor = 1}) end, "unknown tag 'Horor' (did you mean 'Horror'?)", "unknown tag in weights")
T.err(function() t:profile{items = {1}, types = {"view"}, ages = {-3}} end,
      "event 1: age -3 days is negative (an event after 'now')", "negative time")
T.err(function() t:profile{items = {}, types = {}, ages = {}} end, "the history is empty", "empty history")
T.err(function() t:profile{items = {1}, types = {"veiw"}, ages = {1}} end,
      "event 1: unknown behaviour type 'veiw' (did you mean 'view'?)", "unknown type")
T.err(function() t:profile{items = {9}, types = {"view"}, ages = {1}} end,
      "event 1: item 9 is not in the catalogue", "unknown item")
T.err(function() rec.tags.decay(-1) end, "negative", "decay of a negative age")
T.err(function() t:profile(ev, {damp = "sqrt"}) end, "option 'damp' must be one of 'none', 'log', got 'sqrt'", "bad damp")
T.err(function() rec.recall.merge({{1, 2}}, {quotas = {1, 2}}) end, "one quota per path", "quota count")
T.err(function() rec.recall.quality{conversions = {3}, exposures = {2}, behaviour = {0}, age = {0}} end,
      "item 1", "conversions > exposures")

-- merge and report by hand
local ids, paths = rec.recall.merge({{1, 2, 3}, {2, 4, 5}}, {quotas = {2, 2}})
T.eq(ids, {1, 2, 4, 5}, "priority merge ids")
T.eq(paths, {1, 1, 2, 2}, "priority merge paths")
ids, paths = rec.recall.merge({{1, 2, 3}, {2, 4, 5}}, {quotas = {2, 2}, mode = "round_robin"})
T.eq(ids, {1, 2, 3, 4}, "round-robin merge ids")
T.eq(paths, {1, 2, 1, 2}, "round-robin merge paths")

-- the embedding path takes any rec.Embeddings: cosine neighbours of the
-- mean of the last items, the history left out
local e3 = rec.embeddings.new({{1, 0}, {0.9, 0.1}, {0, 1}, {0.6, 0.8}}, {ids = {10, 20, 30, 40}})
T.eq(rec.recall.embedding_path(e3, {{10}, {30, 40}, {99}}, {k = 2}), {{20, 40}, {20, 10}, {}},
     "embedding path: neighbours of the history's mean, seen items and unknown ids left out")
local s1 = rec.recall.sketch({{1, 2}, {2, 3}}, {dim = 8, seed = 3})
local s2 = rec.recall.sketch({{1, 2}, {2, 3}}, {dim = 8, seed = 3})
T.eq(s1:vector(2), s2:vector(2), "the sketch is seeded")
T.eq(s1:ids(), {1, 2, 3}, "the sketch has one vector per item")
-- item 2 is in both users' lists: its vector is the sum of item 1's and item 3's
local v1, v2, v3 = s1:vector(1), s1:vector(2), s1:vector(3)
T.near(v2[5], v1[5] + v3[5], 1e-6, "sketch: a vector is the sum of its users' random vectors")

-- the quality score from Lua: smoothing reorders 2/2 and 900/1000
local raw = rec.recall.quality{conversions = {2, 900, 50}, exposures = {2, 1000, 1000},
                               behaviour = {0, 0, 0}, age = {0, 0, 0}, smoothing = "none"}
local _, parts = rec.recall.quality{conversions = {2, 900, 50}, exposures = {2, 1000, 1000},
                                    behaviour = {0, 0, 0}, age = {0, 0, 0}, smoothing = "wilson"}
T.ok(raw[1] > raw[2], "raw: 2/2 ranks first")
T.ok(parts.conversion[1] < parts.conversion[2], "wilson: 900/1000 ranks above 2/2")
T.near(parts.rate[1], rec.recall.wilson(2, 2), 1e-12, "wilson rate")

-- MovieLens: four paths, K = 50 each, merged with a quota of 50 each
local ml = rec.tags.movielens{}
T.eq(#ml.users, 671, "every user keeps a training history")
local K, n, q = 50, #ml.items, ml.quality
local score = rec.recall.quality(q)
local order = {}
for j = 1, n do order[j] = j end
table.sort(order, function(a, b)
  if score[a] ~= score[b] then return score[a] > score[b] end
  return ml.items[a] < ml.items[b]
end)
local hist = {}
for u = 1, #ml.users do hist[u] = ml.train[u].items end
local e = rec.recall.sketch(hist, {dim = 32, seed = 1})
local emb = rec.recall.embedding_path(e, hist, {k = K, last = 20})
local P = {{}, {}, {}, {}}
local merged, mpaths = {}, {}
for u = 1, #ml.users do
  local evu, seen = ml.train[u], {}
  for _, id in ipairs(evu.items) do seen[id] = true end
  P[1][u] = ml.catalogue:recall(ml.catalogue:profile(evu), {k = K, exclude = evu.items, prior = q.exposures})
  local l = {}
  for _, j in ipairs(order) do
    if #l >= K then break end
    if not seen[ml.items[j]] then l[#l + 1] = ml.items[j] end
  end
  P[2][u] = l
  local cnt, best = {}, nil
  for i = #evu.items, math.max(1, #evu.items - 9), -1 do
    for _, it in ipairs(ml.catalogue:item(evu.items[i])) do
      cnt[it.tag] = (cnt[it.tag] or 0) + 1
      if best == nil or cnt[it.tag] > cnt[best] then best = it.tag end
    end
  end
  local g, has = {}, {}
  for _, id in ipairs(best and ml.catalogue:postings(best) or {}) do has[id] = true end
  for _, j in ipairs(order) do
    if #g >= K then break end
    local id = ml.items[j]
    if has[id] and not seen[id] then g[#g + 1] = id end
  end
  P[3][u], P[4][u] = g, emb[u]
  merged[u], mpaths[u] = rec.recall.merge({P[1][u], P[2][u], P[3][u], P[4][u]}, {quotas = {K, K, K, K}})
end
local r = rec.recall.report{paths = P, truth = ml.test, merged = merged, merged_paths = mpaths, n_items = n}
local best = 0
for p = 1, 4 do
  T.ok(r.recall[p] > 0.01, string.format("path %d recalls something (%.3f)", p, r.recall[p]))
  if r.recall[p] > best then best = r.recall[p] end
end
T.ok(r.merged_recall > best + 0.03, string.format("merged recall %.3f beats the best path %.3f", r.merged_recall, best))
local s = 0
for p = 1, 4 do s = s + r.share[p] end
T.near(s, 1, 1e-9, "shares of merged hits sum to 1")
T.ok(r.jaccard[2][3] > r.jaccard[1][4], "quality and genre paths (both quality-ranked) overlap most")
T.done()
