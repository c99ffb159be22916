-- rec.index of every kind (lua/index.c): exhaustive settings equal exact
-- search, recall bars on seeded clustered data, settings, save / load round
-- trips, e:index, corrupt files and errors word for word, docstring examples.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

math.randomseed(11)
local function normal()
  return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end
-- n rows of dim d around c centres, noise sd s
local function clustered(n, d, c, s)
  local centres, rows = {}, {}
  for k = 1, c do
    centres[k] = {}
    for j = 1, d do centres[k][j] = normal() end
  end
  for i = 1, n do
    local ck = centres[math.random(c)]
    rows[i] = {}
    for j = 1, d do rows[i][j] = ck[j] + s * normal() end
  end
  return rows
end

local rows = clustered(3000, 16, 30, 0.3)
local queries = clustered(100, 16, 30, 0.3)
local ints = {}
for i = 1, 80 do ints[i] = {math.random(-2, 2), math.random(-2, 2), math.random(-2, 2)} end

local function same_lists(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if #a[i] ~= #b[i] then return false end
    for j = 1, #a[i] do if a[i][j] ~= b[i][j] then return false end end
  end
  return true
end

local cases = {
  {"exhaustive settings equal exact search (ties, duplicate ids, k > n)", function()
    local ids = {}
    for i = 1, #ints do ids[i] = (i % 5 == 0) and i - 1 or i end -- duplicates
    local flat = rec.index{dim = 3}:add(ints, ids)
    local hnsw = rec.index{dim = 3, kind = "hnsw", M = 16, ef_search = 200}:add(ints, ids)
    local ivf = rec.index{dim = 3, kind = "ivf", nlist = 4, nprobe = 4}:add(ints, ids)
    local q = {{1, 0, 0}, {0, 1, 1}, {-2, 2, 0}, {0, 0, 0}}
    local fi, fs = flat:search(q, 10)
    for _, ix in ipairs{hnsw, ivf} do
      local ai, as = ix:search(q, 10)
      T.ok(same_lists(fi, ai) and same_lists(fs, as), tostring(ix) .. " = exact")
      local all = ix:search({1, 1, 1}, 200)
      T.eq(#all, #ints, "k > n gives every vector")
    end
  end},

  {"recall@10 on clustered data above bars; the knob matters", function()
    local h = rec.index{dim = 16, metric = "cosine", kind = "hnsw", M = 12, ef_construction = 80,
                        ef_search = 8, seed = 3}:add(rows)
    local low = h:recall(queries, 10)
    h:set{ef_search = 128}
    local high = h:recall(queries, 10)
    T.ok(high >= 0.97, "hnsw recall@10 at ef_search 128: " .. high)
    T.ok(low < high, "hnsw: ef_search 8 recalls less: " .. low)
    local f = rec.index{dim = 16, metric = "cosine", kind = "ivf", nlist = 30, nprobe = 1,
                        seed = 3}:add(rows)
    local f1 = f:recall(queries, 10)
    f:set{nprobe = 8}
    local f8 = f:recall(queries, 10)
    T.ok(f8 >= 0.95, "ivf recall@10 at nprobe 8: " .. f8)
    T.ok(f1 < f8, "ivf: nprobe 1 recalls less: " .. f1)
    f:set{nprobe = 30}
    T.eq(f:recall(queries, 10), 1.0, "nprobe = nlist is exact")
    T.eq(rec.index{dim = 16}:add(rows):recall(queries, 10), 1.0, "flat recall is 1")
  end},

  {"info and tostring", function()
    local h = rec.index{dim = 16, kind = "hnsw", M = 8, threads = 1}:add(rows)
    local i = h:info()
    T.eq({i.kind, i.dim, i.metric, i.size, i.M, i.ef_construction, i.ef_search},
         {"hnsw", 16, "dot", 3000, 8, 100, 64}, "hnsw info")
    T.ok(i.max_level >= 2 and i.links > 3000 * 4, "the graph's layers and links")
    T.eq(tostring(h), "rec.Index: 3000 vectors of dim 16, dot, hnsw (M 8, ef_construction 100, ef_search 64)",
         "tostring")
    local f = rec.index{dim = 16, kind = "ivf", nlist = 10}
    T.eq(tostring(f), "rec.Index: 0 vectors of dim 16, dot, ivf (nlist 10, nprobe 8, untrained)", "untrained")
    f:add(rows)
    T.ok(f:info().trained and f:info().list_min > 0 and f:info().list_max < 3000, "lists filled")
  end},

  {"save and load: identical results, every kind", function()
    local path = os.tmpname()
    for _, opts in ipairs{{dim = 16}, {dim = 16, kind = "hnsw", metric = "cosine"},
                          {dim = 16, kind = "ivf", nlist = 20, nprobe = 3}} do
      local ix = rec.index(opts):add(rows)
      local a, as = ix:search(queries, 5)
      ix:save(path)
      local back = rec.index.load(path)
      local b, bs = back:search(queries, 5)
      T.ok(same_lists(a, b) and same_lists(as, bs), (opts.kind or "flat") .. " round trip")
      T.eq(tostring(back), tostring(ix), "same settings")
    end
    -- a corrupt file: a located error
    local fp = io.open(path, "rb")
    local bytes = fp:read("a")
    fp:close()
    fp = io.open(path, "wb")
    fp:write(bytes:sub(1, 20))
    fp:close()
    T.err(function() rec.index.load(path) end, path .. ": 20 bytes is too short for an index file", "short")
    fp = io.open(path, "wb")
    fp:write("not an index file at all, no sir, not at all")
    fp:close()
    T.err(function() rec.index.load(path) end, path .. ": byte 0: not a recnote index file", "magic")
    os.remove(path)
  end},

  {"e:index: the embeddings' ids", function()
    local e = rec.embeddings.new(rows, {ids = (function()
      local t = {} for i = 1, #rows do t[i] = 1000 + i end return t end)()})
    for _, kind in ipairs{"flat", "hnsw", "ivf"} do
      local ix = e:index{kind = kind}
      T.eq(ix:info().metric, "cosine", kind .. ": cosine by default")
      local ids = ix:search(rows[5], 1)
      T.eq(ids[1], 1005, kind .. ": a vector finds itself under its id")
    end
  end},

  {"errors", function()
    T.err(function() rec.index{dim = 4, kind = "annoy"} end,
          "rec.index: option 'kind' must be one of 'flat', 'hnsw', 'ivf', got 'annoy'", "kind")
    T.err(function() rec.index{dim = 4, kind = "hnsw", nprobe = 3} end,
          "rec.index: option 'nprobe' is for kind = \"ivf\" (this index is \"hnsw\")", "foreign option")
    T.err(function() rec.index{dim = 4, ef_search = 3} end,
          "rec.index: option 'ef_search' is for kind = \"hnsw\" (this index is \"flat\")", "flat option")
    T.err(function() rec.index{dim = 4, kind = "hnsw", M = 1} end,
          "rec.index: option 'M' must be an integer in 2..256", "M")
    local h = rec.index{dim = 2, kind = "hnsw"}
    T.err(function() h:search({1, 0}, 1) end, "hnsw index search: the index is empty (add vectors first)", "empty")
    h:add({{1, 0}, {0, 1}})
    T.err(function() h:search({1, 0, 0}, 1) end, "hnsw index search: queries of dim 3, the index holds dim 2", "dim")
    T.err(function() h:add({{0 / 0, 1}}) end, "hnsw index add: row 1, column 1 is nan (must be finite)", "NaN")
    T.err(function() h:set{nprobe = 2} end, "ix:set: nprobe is for an IVF index (this one is \"hnsw\")", "set")
    T.err(function() h:set{ef_serch = 2} end, "ix:set: unknown option 'ef_serch' (did you mean 'ef_search'?)", "typo")
    local f = rec.index{dim = 2, kind = "ivf", nlist = 8}
    T.err(function() f:add({{1, 0}, {0, 1}}) end,
          "ix:add: an IVF index trains its 8 lists on its first add, which has 2 vectors", "too few to train")
    T.err(function() h:train({{1, 0}}) end, "ix:train: only an IVF index trains (this one is \"hnsw\")", "train")
    T.err(function() rec.index.load("/nonexistent/x.idx") end, "cannot open /nonexistent/x.idx", "missing")
    h:close()
    T.err(function() h:search({1, 0}, 1) end, "the index is closed", "closed")
  end},
}

for _, c in ipairs(cases) do
  local ok, err = pcall(c[2])
  T.ok(ok, c[1] .. (ok and "" or (": " .. tostring(err))))
end

-- every docstring example runs
local function examples(tbl, prefix)
  for name, fn in pairs(tbl) do
    if type(fn) == "function" then
      local doc, example = help.get(fn)
      T.ok(doc ~= nil, prefix .. name .. " has a docstring")
      if example then
        local chunk, err = load(example, "=" .. prefix .. name)
        T.ok(chunk ~= nil, prefix .. name .. " example compiles: " .. tostring(err))
        if chunk then
          local ok, msg = pcall(chunk)
          T.ok(ok, prefix .. name .. " example runs: " .. tostring(msg))
        end
      end
    end
  end
end
examples(rec.index, "rec.index.")
examples(getmetatable(rec.index{dim = 1}).__index, "ix:")
T.ok(help.get(getmetatable(rec.embeddings.new({{1}})).__index.index) ~= nil, "e:index has a docstring")
T.done()
