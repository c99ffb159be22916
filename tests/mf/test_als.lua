-- rec.als (lua/als.c) on the shipped MovieLens ratings: test RMSE of
-- explicit ALS against the global-mean and bias baselines computed here,
-- implicit ALS recall@10 against popularity, the history fit returns, and
-- the errors of bad input.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local ml = rec.data.movielens{}
local train, test = ml:split(0.8, {seed = 7})
local uname, iname = ml:vocab("user"), ml:vocab("item")

-- (user id, item id, rating) of a split, as the data names them
local function triplets(d)
  local u, i, r = d:column("user"), d:column("item"), d:column("rating")
  for j = 1, #u do u[j], i[j] = tonumber(uname[u[j]]), tonumber(iname[i[j]]) end
  return u, i, r
end
local tu, ti, tr = triplets(train)
local vu, vi, vr = triplets(test)

local function rmse(pred)
  local se = 0
  for j = 1, #vr do
    local p = math.min(5, math.max(0.5, pred(vu[j], vi[j])))
    se = se + (vr[j] - p) ^ 2
  end
  return math.sqrt(se / #vr)
end

-- baselines: the training mean, and damped user and item biases
-- (b_i = sum (r - mu) / (n_i + d_i), then b_u = sum (r - mu - b_i) / (n_u + d_u);
-- Koren 2010, sec. 2.1), the best of a few dampings, so ALS meets the strongest
local mu = 0
for j = 1, #tr do mu = mu + tr[j] end
mu = mu / #tr
local mean_rmse = rmse(function() return mu end)
local bias_rmse = math.huge
for _, d in ipairs{{5, 5}, {10, 25}, {25, 25}, {2, 10}} do
  local si, ni, su, nu = {}, {}, {}, {}
  for j = 1, #tr do
    si[ti[j]] = (si[ti[j]] or 0) + tr[j] - mu
    ni[ti[j]] = (ni[ti[j]] or 0) + 1
  end
  local bi = {}
  for i, s in pairs(si) do bi[i] = s / (ni[i] + d[2]) end
  for j = 1, #tr do
    su[tu[j]] = (su[tu[j]] or 0) + tr[j] - mu - bi[ti[j]]
    nu[tu[j]] = (nu[tu[j]] or 0) + 1
  end
  local bu = {}
  for u, s in pairs(su) do bu[u] = s / (nu[u] + d[1]) end
  bias_rmse = math.min(bias_rmse, rmse(function(u, i) return mu + (bu[u] or 0) + (bi[i] or 0) end))
end

T.cases{
  {"explicit ALS beats the baselines, in the literature's range", function()
    local m = rec.als{data = train, k = 32, lambda = 0.1}
    local h = m:fit{iterations = 10, valid = test, progress = false}
    local r = m:rmse(test)
    print(string.format("test RMSE: ALS %.4f, bias baseline %.4f, global mean %.4f", r,
                        bias_rmse, mean_rmse))
    T.near(h.rmse[10], r, 1e-9, "the history's last rmse is m:rmse(test)")
    T.ok(r >= 0.85 and r <= 0.90, "test RMSE in 0.85..0.90: " .. r)
    T.ok(r < bias_rmse - 0.005, "below the bias baseline")
    T.ok(bias_rmse < mean_rmse, "the bias baseline is below the mean")
    T.eq(#h.objective, 10, "one objective per iteration")
    for t = 2, 10 do T.ok(h.objective[t] <= h.objective[t - 1], "objective falls at " .. t) end
    T.ok(h.train_rmse[10] < r, "train error below test error")
    -- m:predict agrees with rmse's predictions
    local se = 0
    for j = 1, #tr do se = se + (tr[j] - math.min(5, math.max(0.5, m:predict(tu[j], ti[j])))) ^ 2 end
    T.near(math.sqrt(se / #tr), h.train_rmse[10], 1e-4, "predict matches train_rmse")
    -- embeddings: movie ids and titles; recommendations skip what user 42 rated
    local items = m:item_embeddings()
    T.eq(items:dim(), 32)
    T.eq(items:label(1), "Toy Story (1995)")
    T.eq(#m:user_embeddings(), 671)
    local seen = {}
    for j = 1, #tu do if tu[j] == 42 then seen[ti[j]] = true end end
    local recs = m:recommend(42, 10)
    T.eq(#recs, 10)
    for n, x in ipairs(recs) do
      T.ok(not seen[x.id], "recommendation " .. n .. " not seen")
      T.near(x.score, m:predict(42, x.id), 1e-4)
      T.ok(type(x.label) == "string")
    end
  end},
  {"implicit ALS recall@10 above popularity", function()
    local rel, users, seen, cnt = {}, {}, {}, {}
    for j = 1, #vu do
      if not rel[vu[j]] then rel[vu[j]] = {}; users[#users + 1] = vu[j] end
      table.insert(rel[vu[j]], vi[j])
    end
    for j = 1, #tu do
      cnt[ti[j]] = (cnt[ti[j]] or 0) + 1
      seen[tu[j]] = seen[tu[j]] or {}
      seen[tu[j]][ti[j]] = true
    end
    local pop = {}
    for i in pairs(cnt) do pop[#pop + 1] = i end
    table.sort(pop, function(a, b) return cnt[a] > cnt[b] or (cnt[a] == cnt[b] and a < b) end)
    local function recall(top)
      local ranked, relevant = {}, {}
      for n, u in ipairs(users) do ranked[n], relevant[n] = top(u), rel[u] end
      return (rec.metrics.recall_at_k(ranked, relevant, 10))
    end
    local pop_recall = recall(function(u)
      local out = {}
      for _, i in ipairs(pop) do
        if not (seen[u] or {})[i] then out[#out + 1] = i end
        if #out == 10 then break end
      end
      return out
    end)
    local m = rec.als{data = train, k = 32, implicit = true, lambda = 0.1, alpha = 1}
    local h = m:fit{iterations = 10, progress = false}
    for t = 2, 10 do T.ok(h.objective[t] <= h.objective[t - 1] * (1 + 1e-6), "objective falls") end
    T.eq(h.rmse, nil, "no rmse for implicit")
    local als_recall = recall(function(u)
      local out = {}
      if seen[u] then for n, x in ipairs(m:recommend(u, 10)) do out[n] = x.id end end
      return out
    end)
    print(string.format("recall@10: implicit ALS %.4f, popularity %.4f", als_recall, pop_recall))
    T.ok(als_recall > 1.5 * pop_recall, "implicit ALS recall above 1.5x popularity")
    T.err(function() m:rmse(test) end, "an implicit model scores preferences, not ratings")
  end},
  {"fit: on_iteration stops, busy while training", function()
    local small = rec.data.movielens{rows = 3000}
    local m = rec.als{data = small, k = 4}
    local seen = 0
    local h = m:fit{iterations = 5, progress = false, on_iteration = function(ms)
      seen = ms.iteration
      T.ok(ms.objective > 0 and ms.train_rmse > 0)
      return ms.iteration < 2
    end}
    T.eq(seen, 2)
    T.eq(h.iterations, 2)
    T.eq(h.stopped, "callback")
    T.err(function() m:fit{iterations = 2, progress = false, on_iteration = function() m:close() end} end,
          "cannot close the ALS model while fit is using it")
    T.err(function() m:fit{iterations = 1, progress = false, on_iteration = function() error("boom") end} end,
          "boom")
    T.eq(m:info().iterations, 4)
    m:close()
    T.err(function() m:rmse(small) end, "closed")
  end},
  {"errors", function()
    local small = rec.data.movielens{rows = 500}
    T.err(function() rec.als{data = small, k = 0} end,
          "rec.als: option 'k' must be an integer in 1..1024, got 0")
    T.err(function() rec.als{data = small, lambda = -1} end, "option 'lambda'")
    T.err(function() rec.als{data = small, lamda = 1} end, "did you mean 'lambda'")
    T.err(function() rec.als{k = 3} end, "rec.als: give data = a rec.Dataset")
    local none = small:split(0, {seed = 1})
    T.err(function() rec.als{data = none} end, "rec.als: the data has no rows")
    T.err(function() rec.als{data = small, rating = "like2"} end, "the data has no column 'like2'")
    T.err(function() rec.als{data = small, rating = "genres"} end, "is a seq column")
    T.err(function() rec.als{data = small, implicit = true, biases = true} end, "biases = true")
    local m = rec.als{data = small, k = 3}
    T.err(function() m:predict(99999, 1) end, "als: unknown user 99999 (not in the training ratings)")
    T.err(function() m:recommend(99999, 5) end, "als: unknown user 99999")
    T.err(function() m:recommend(1, 0) end, "bad argument #2")
    T.err(function() m:fit{iterations = 0} end, "option 'iterations'")
    T.err(function() m:fit{epochs = 3} end, "did you mean")
  end},
  {"save and load: the same predictions, titles and history; damaged files named", function()
    local small = rec.data.movielens{rows = 20000}
    local m = rec.als{data = small, k = 8, lambda = 0.1}
    m:fit{iterations = 3, progress = false}
    local path = os.tmpname()
    T.eq(m:save(path), m, "save returns the model")
    local l = rec.als_load(path)
    T.eq(l:info().iterations, 3)
    T.eq(l:info().ratings, m:info().ratings)
    local u, i = small:column("user"), small:column("item")
    local uname, iname = small:vocab("user"), small:vocab("item")
    local same = 0
    for j = 1, #u do
      local a, b = tonumber(uname[u[j]]), tonumber(iname[i[j]])
      if m:predict(a, b) == l:predict(a, b) then same = same + 1 end
    end
    T.eq(same, #u, "every training pair predicted the same")
    local ra, rb = m:recommend(42, 5), l:recommend(42, 5)
    T.eq(tostring(ra), tostring(rb), "the same list, titles included")
    T.ok(rb[1].label ~= nil, "titles come back")
    T.eq(l:rmse(small), m:rmse(small))
    l:fit{iterations = 1, progress = false}
    T.eq(l:info().iterations, 4, "fit continues the count")
    -- damaged: truncated, then a byte flipped
    local f = io.open(path, "rb")
    local bytes = f:read("a")
    f:close()
    f = io.open(path, "wb")
    f:write(bytes:sub(1, #bytes // 2))
    f:close()
    T.err(function() rec.als_load(path) end, "als load " .. path .. ": byte")
    T.err(function() rec.als_load(path) end, "checksum does not match")
    f = io.open(path, "wb")
    f:write(bytes:sub(1, 200) .. string.char((bytes:byte(201) + 1) % 256) .. bytes:sub(202))
    f:close()
    T.err(function() rec.als_load(path) end, "checksum does not match")
    os.remove(path)
    T.err(function() rec.als_load(path) end, "als load " .. path)
    T.err(function() rec.als_load(path, {usr = "x"}) end, "did you mean 'user'")
    T.err(function() m:save("/nonexistent-dir/m.als") end, "/nonexistent-dir/m.als")
  end},
  {"every docstring example runs", function()
    local m = rec.als{data = rec.data.movielens{rows = 300}, k = 2}
    local fields = {{"rec.als", rec.als}, {"rec.als_load", rec.als_load}}
    for name, fn in pairs(getmetatable(m).__index) do fields[#fields + 1] = {"rec.ALS:" .. name, fn} end
    T.eq(#fields, 2 + 9, "documented functions (constructor, loader, methods)")
    for _, f in ipairs(fields) do
      local doc, example = help.get(f[2])
      T.ok(doc and #doc > 40, f[1] .. " has a docstring")
      local chunk, err = load(example or "error('no example')", "example of " .. f[1], "t",
                              setmetatable({rec = rec, print = function() end}, {__index = _G}))
      T.ok(chunk ~= nil, err)
      if chunk then
        local ok, msg = pcall(chunk)
        T.ok(ok, "example of " .. f[1] .. ": " .. tostring(msg))
      end
    end
    T.eq(tostring(m):match("^rec.ALS explicit k=2"), "rec.ALS explicit k=2")
    local listed = tostring(m:recommend(1, 2))
    T.ok(listed:find("^2 recommendations for user 1 %(predicted rating") ~= nil, listed)
  end},
}
T.done()
