-- rec.two_tower from Lua: a learning bar against a popularity baseline
-- computed here from the split, recommend's exclusion of seen items, the
-- embeddings, the loss helper by hand, the busy guard and bad input.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local ml = rec.data.movielens{}
local m = rec.two_tower{data = ml, seed = 3}
T.eq(m:info().test_users, 671, "every user has a held-out item")

-- popularity from the training part of each user's history (all but the last)
local count, last, seen = {}, {}, {}
for u = 1, 671 do
  local h = m:history(u)
  seen[u] = {}
  for i = 1, #h - 1 do
    count[h[i].id] = (count[h[i].id] or 0) + 1
    seen[u][h[i].id] = true
  end
  last[u] = h[#h].id
end
local by_count = {}
for id in pairs(count) do by_count[#by_count + 1] = id end
table.sort(by_count, function(a, b) return count[a] > count[b] or (count[a] == count[b] and a < b) end)
local pop_hits = 0
for u = 1, 671 do
  local got = 0
  for _, id in ipairs(by_count) do
    if not seen[u][id] then
      got = got + 1
      if id == last[u] then pop_hits = pop_hits + 1 break end
      if got == 10 then break end
    end
  end
end
local pop10 = pop_hits / 671
local engine_pop = m:evaluate{k = 10, by = 'popularity'}
T.near(engine_pop.hit_rate, pop10, 0.01, "the engine's popularity baseline matches the one made here")

local h = m:fit{epochs = 2, progress = false}
T.eq(#h.loss, 2, "a loss per epoch")
T.ok(h.loss[2] < h.loss[1], "the loss goes down")
local e10 = m:evaluate{k = 10}
print(string.format("hit@10 two-tower %.3f, popularity %.3f", e10.hit_rate, pop10))
T.ok(e10.hit_rate > 1.5 * pop10, "two-tower hit@10 well above popularity")
T.eq(e10.recall, e10.hit_rate, "one held-out item: recall@k = hit rate@k")
T.ok(e10.ndcg > 0 and e10.ndcg <= e10.hit_rate, "ndcg@10 within (0, hit rate]")
T.near(h.test[2]['recall@10'], e10.recall, 1e-9, "fit's last test metric is evaluate's")

-- recommend: titles, best first, nothing the user rated
local r = m:recommend(42, 10)
T.eq(#r, 10, "ten recommendations")
local rated = {}
for _, it in ipairs(m:history(42)) do rated[it.id] = true end
local clash = 0
for i, it in ipairs(r) do
  if rated[it.id] then clash = clash + 1 end
  if i > 1 then T.ok(it.score <= r[i - 1].score, "best first") end
end
T.eq(clash, 0, "recommend excludes rated movies")
T.ok(type(r[1].title) == "string" and tostring(r):find(r[1].title, 1, true) ~= nil,
     "printing the list shows titles")

-- embeddings
local items = m:item_embeddings()
T.eq(#items, 9066, "one vector per movie")
T.near(math.sqrt((function() local s = 0 for _, x in ipairs(items:vector(1)) do s = s + x * x end return s end)()),
       1, 1e-4, "item vectors are L2-normalised")
T.eq(items:label(1), "Toy Story (1995)", "labels are titles (movie id 1)")
T.eq(#m:user_embeddings(), 671, "one vector per user")

-- the in-batch loss by hand
local tau = 0.5
local function lse(a, b) local m_ = math.max(a, b) return m_ + math.log(math.exp(a - m_) + math.exp(b - m_)) end
local r0 = {1 / tau - math.log(0.5), 0.6 / tau - math.log(0.25)}
local r1 = {0 / tau - math.log(0.5), 0.8 / tau - math.log(0.25)}
local want = 0.5 * ((lse(r0[1], r0[2]) - r0[1]) + (lse(r1[1], r1[2]) - r1[2]))
T.near(rec.two_tower_loss{u = {{1, 0}, {0, 1}}, v = {{1, 0}, {0.6, 0.8}}, temperature = tau,
                          logq = {math.log(0.5), math.log(0.25)}}, want, 1e-5, "inbatch with logQ")

-- save and load: the same recommendations and metrics
local path = os.tmpname()
m:save(path)
local back = rec.two_tower_load(path, ml)
T.near(back:evaluate{k = 10}.ndcg, e10.ndcg, 1e-6, "a loaded model evaluates the same")
T.eq(back:recommend(42, 5)[1].id, m:recommend(42, 5)[1].id, "and recommends the same")
T.err(function() rec.two_tower_load(path, rec.data.movielens{rows = 5000}) end,
      "load it with the data set it was trained on", "another data set")
local f = io.open(path, "rb"); local bytes = f:read("a"); f:close()
f = io.open(path, "wb"); f:write(bytes:sub(1, #bytes - 8)); f:close()
T.err(function() rec.two_tower_load(path, ml) end, "bytes of values, expected", "a truncated file")
f = io.open(path, "wb"); f:write("hello\n"); f:close()
T.err(function() rec.two_tower_load(path, ml) end, "not a recnote two-tower file", "not a model file")
os.remove(path)
T.err(function() rec.two_tower_load(path, ml) end, "No such file", "a missing file")
T.err(function() m:save("/") end, "save", "saving onto a folder")

-- the busy guard and bad input
T.err(function() m:fit{epochs = 1, progress = false, on_epoch = function() m:close() end} end,
      "cannot close the model while fit is using it", "close from a callback")
T.ok(m:evaluate{k = 1}.users == 671, "the model still works after the failed close")
T.err(function() m:recommend(99999, 5) end, "no user 99999", "unknown user")
T.err(function() m:recommend(42, 0) end, "must be within", "k = 0")
T.err(function() rec.two_tower{data = ml, los = 'bce'} end, "did you mean 'loss'", "typo in an option")
T.err(function() rec.two_tower{data = ml, loss = 'hinge'} end, "must be one of", "unknown loss")
T.err(function() rec.two_tower{} end, "give data", "no data")
local train = ml:split(0.8)
T.err(function() rec.two_tower{data = train} end, "whole data set", "a split is refused")
T.err(function() m:evaluate{k = 10, by = 'random'} end, "must be one of", "unknown ranking")
T.err(function() rec.two_tower_loss{u = {{1, 0}}, v = {{1, 0}, {0, 1}}} end, "u has 1 rows, v has 2",
      "shape mismatch")
m:close()
T.err(function() m:recommend(42) end, "closed", "a closed model")
T.done()
