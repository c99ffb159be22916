-- The recall figures of exact and approximate search (issue 14, item 5):
--
--   index_recall_k.png        recall@K against K, for exact search and a
--                             few HNSW (ef_search) and IVF (nprobe) settings
--   index_recall_latency.png  recall@10 against milliseconds per query (one
--                             thread), HNSW over ef_search and IVF over
--                             nprobe, exact as a short vertical mark at 1
--
-- on 100k seeded clustered unit vectors of dim 32 (300 centres, noise 1.0),
-- 500 queries drawn the same way. Run it under the CPU lock:
--
--   flock /tmp/recnote-cpu.lock ./build/recnote tests/bench/index_figures.lua [out_dir]
local rec = require "rec"
local out = arg and arg[1] or "."
local n, nq, dim = 100000, 500, 32

math.randomseed(5)
local function normal()
  return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end
local centres = {}
for c = 1, 300 do
  centres[c] = {}
  for j = 1, dim do centres[c][j] = normal() end
end
local function draw(m)
  local rows = {}
  for i = 1, m do
    local c, r, s = centres[math.random(300)], {}, 0
    for j = 1, dim do r[j] = c[j] + 1.0 * normal(); s = s + r[j] * r[j] end
    s = math.sqrt(s)
    for j = 1, dim do r[j] = r[j] / s end
    rows[i] = r
  end
  return rows
end
local v, q = rec.tensor(draw(n)), rec.tensor(draw(nq))

local flat = rec.index{dim = dim}:add(v)
local truth = flat:search(q, 100)
local hnsw = rec.index{dim = dim, kind = "hnsw", M = 16, ef_construction = 64}:add(v)
local ivf = rec.index{dim = dim, kind = "ivf", nlist = 256}:add(v)

-- recall@K of one search's lists against the exact top K
local function recall_at(ids, K)
  local hit = 0
  for i = 1, nq do
    local set = {}
    for j = 1, K do set[truth[i][j]] = true end
    for j = 1, math.min(K, #ids[i]) do if set[ids[i][j]] then hit = hit + 1 end end
  end
  return hit / (nq * K)
end
-- ms per query of a batched search on one thread (os.clock is CPU time: on
-- one thread, the wall time), best of 3
local function timed(ix, k)
  ix:set{threads = 1}
  local best, ids = math.huge, nil
  for _ = 1, 3 do
    local c0 = os.clock()
    ids = ix:search(q, k)
    best = math.min(best, os.clock() - c0)
  end
  ix:set{threads = 0}
  return ids, best * 1000 / nq
end

-- recall@K against K
local Ks = {1, 2, 5, 10, 20, 50, 100}
local series = {}
local function add_series(name, ix, settings)
  if settings then ix:set(settings) end
  local y = {}
  -- each K searched for K results (HNSW then keeps max(ef_search, K) candidates)
  for i, K in ipairs(Ks) do y[i] = recall_at(ix:search(q, K), K) end
  series[#series + 1] = {name = name, x = Ks, y = y}
end
add_series("exact (flat)", flat)
add_series("HNSW ef_search 10", hnsw, {ef_search = 10})
add_series("HNSW ef_search 40", hnsw, {ef_search = 40})
add_series("IVF nprobe 1 of 256", ivf, {nprobe = 1})
add_series("IVF nprobe 4 of 256", ivf, {nprobe = 4})
local fig = rec.plot.line{series = series, title = "recall@K against K (100k x 32 clustered, 500 queries)",
                          xlabel = "K", ylabel = "recall@K", show = false, width = 900, height = 540}
fig:save(out .. "/index_recall_k.png")
for _, s in ipairs(series) do
  print(string.format("%-22s recall@1 %.3f  @10 %.3f  @100 %.3f", s.name, s.y[1], s.y[4], s.y[7]))
end

-- recall@10 against latency
local lat = {}
local function sweep(name, ix, knob, values)
  local x, y = {}, {}
  for i, val in ipairs(values) do
    ix:set{[knob] = val}
    local ids, ms = timed(ix, 10)
    x[i], y[i] = ms, recall_at(ids, 10)
    print(string.format("%-5s %s %4d: recall@10 %.3f, %.4f ms/query", name, knob, val, y[i], ms))
  end
  lat[#lat + 1] = {name = name, x = x, y = y}
end
sweep("HNSW (ef_search 8..256)", hnsw, "ef_search", {8, 16, 32, 64, 128, 256})
sweep("IVF (nprobe 1..64)", ivf, "nprobe", {1, 2, 4, 8, 16, 32, 64})
local _, flat_ms = timed(flat, 10)
lat[#lat + 1] = {name = "exact", x = {flat_ms, flat_ms}, y = {0.995, 1.0}}
fig = rec.plot.line{series = lat, title = "recall@10 against latency (batch of 500, one thread)",
                    xlabel = "milliseconds per query", ylabel = "recall@10", show = false,
                    width = 900, height = 540}
fig:save(out .. "/index_recall_latency.png")
print(string.format("exact: %.4f ms/query", flat_ms))
