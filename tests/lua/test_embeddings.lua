-- rec.index and rec.embeddings (lua/embeddings.c): search against brute force
-- in Lua, the printed neighbour list, file round trips, errors word for word,
-- the neighbourhood figure's pixels, every docstring example, and MovieLens
-- titles (spaces, parentheses, underscores, non-ASCII) through save, load and
-- plot.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))
local function path(name) return dir .. "/" .. name end

math.randomseed(7)
local function normal()
  return math.sqrt(-2 * math.log(1 - math.random())) * math.cos(2 * math.pi * math.random())
end
local function random_rows(n, d)
  local rows = {}
  for i = 1, n do
    rows[i] = {}
    for j = 1, d do rows[i][j] = normal() end
  end
  return rows
end

-- brute force over the float vectors the embeddings hold (e:vector)
local function brute(vectors, q, metric, skip)
  local list = {}
  local function dot(a, b) local s = 0 for j = 1, #a do s = s + a[j] * b[j] end return s end
  for i, v in ipairs(vectors) do
    if i ~= skip then
      local s = dot(q, v)
      if metric == "cosine" then s = s / math.sqrt(dot(q, q) * dot(v, v)) end
      list[#list + 1] = {id = i, score = s}
    end
  end
  table.sort(list, function(a, b)
    if a.score ~= b.score then return a.score > b.score end
    return a.id < b.id
  end)
  return list
end

T.cases {
  {"neighbours and search against brute force", function()
    local rows = random_rows(300, 12)
    local e = rec.embeddings.new(rows)
    T.eq(#e, 300, "#e")
    T.eq(e:dim(), 12, "dim")
    local vectors = {}
    for i = 1, 300 do vectors[i] = e:vector(i) end
    local worst, same = 0, true
    for _, metric in ipairs {"cosine", "dot"} do
      for q = 1, 300, 23 do
        local got = e:neighbors(q, 15, {metric = metric})
        local want = brute(vectors, vectors[q], metric, q)
        T.eq(#got, 15, "k results")
        for j = 1, 15 do
          same = same and got[j].id == want[j].id
          worst = math.max(worst, math.abs(got[j].score - want[j].score))
        end
      end
    end
    T.ok(same, "the same ids, in order, as brute force")
    T.ok(worst < 1e-5, "scores within 1e-5 (worst " .. worst .. ")")
    -- search includes the row itself
    local s = e:search(vectors[17], 3)
    T.eq(s[1].id, 17, "search finds the vector itself first")
    T.near(s[1].score, 1, 1e-6, "cosine with itself")
    T.eq(e:search(rec.tensor(vectors[17]), 1)[1].id, 17, "a tensor query")
  end},

  {"ids, labels and the printed list", function()
    local e = rec.embeddings.new({{1, 0}, {0.8, 0.3}, {0, 1}, {-1, 0}},
      {ids = {10, 20, 30, 40}, labels = {"Toy Story (1995)", "Toy Story 2 (1999)", "Heat (1995)", "Léon (1994)"}})
    local nb = e:neighbors("Toy Story (1995)", 2)
    T.eq(nb[1].id, 20, "nearest id")
    T.eq(nb[1].label, "Toy Story 2 (1999)", "nearest label")
    T.eq(nb.metric, "cosine", "the metric is kept")
    T.eq(tostring(nb), '2 nearest to "Toy Story (1995)" by cosine\n' ..
                       '  1    0.9363  Toy Story 2 (1999)  (id 20)\n' ..
                       '  2    0.0000  Heat (1995)  (id 30)', "printed")
    T.eq(tostring(e:neighbors(40, 1, {metric = "dot"})),
         '1 nearest to id 40 by dot\n  1    0.0000  Heat (1995)  (id 30)',
         "by id; ties by smaller id (30 and... only one at 0 after -1 -0.8)")
    T.eq(e:label(30), "Heat (1995)", "label")
    T.eq(e:id("Léon (1994)"), 40, "id")
    T.eq(e:ids(), {10, 20, 30, 40}, "ids")
    T.eq(e:labels()[4], "Léon (1994)", "labels")
    T.eq(e:vector("Heat (1995)"), {0.0, 1.0}, "vector")
    T.eq(tostring(e), 'rec.Embeddings: 4 vectors of dim 2, labelled ("Toy Story (1995)", ' ..
                      '"Toy Story 2 (1999)", "Heat (1995)", ...)', "tostring")
    -- ties: equal cosine scores go to the smaller id
    local t = rec.embeddings.new({{1, 1}, {2, 2}, {3, 3}, {1, 0}}, {ids = {5, 9, 7, 1}})
    local r = t:neighbors(5, 2)
    T.eq({r[1].id, r[2].id}, {7, 9}, "ties by id")
    -- k above n - 1: every other vector
    T.eq(#t:neighbors(5, 10), 3, "k > n - 1")
  end},

  {"a tensor of vectors and the pca", function()
    local e = rec.embeddings.new(rec.tensor{{0, 0, 0}, {2, 0, 0}, {0, 1, 0}, {2, 1, 0}})
    T.eq(#e, 4, "rows of the tensor")
    local xy, ev = e:pca()
    -- variances 1 along x and 0.25 along y: 0.8 and 0.2 of the total
    T.near(ev[1], 0.8, 1e-9, "PC1 explains 0.8")
    T.near(ev[2], 0.2, 1e-9, "PC2 explains 0.2")
    T.near(math.abs(xy[2][1] - xy[1][1]), 2, 1e-6, "distances along PC1 kept")
  end},

  {"rec.Index", function()
    local ix = rec.index.new{dim = 2}
    T.eq(tostring(ix), "rec.Index: 0 vectors of dim 2, dot", "tostring")
    T.err(function() ix:search({1, 0}, 1) end, "index search: the index is empty (add vectors first)", "empty")
    ix:add({{1, 0}, {0, 2}, {1, 1}})
    ix:add({3, 3}, {100})
    T.eq(#ix, 4, "#ix")
    local ids, scores = ix:search({1, 0}, 2)
    T.eq(ids, {100, 1}, "one query: flat ids")
    T.eq(scores, {3.0, 1.0}, "scores")
    ids, scores = ix:search({{0, 1}, {1, 0}}, 10)
    T.eq(ids, {{100, 2, 3, 1}, {100, 1, 3, 2}}, "batch; k > n gives n (ties: 3 before... by id)")
    T.eq(scores[2], {3.0, 1.0, 1.0, 0.0}, "batch scores")
    local c = rec.index.new{dim = 3, metric = "cosine"}:add(rec.tensor{{1, 0, 0}, {0, 5, 0}}, {7, 8})
    ids, scores = c:search(rec.tensor{{0, 2, 0}}, 1)
    T.eq(ids, {{8}}, "2-D tensor query: one list")
    T.near(scores[1][1], 1, 1e-7, "cosine")
    T.err(function() ix:search({1, 0, 0}, 1) end, "index search: queries of dim 3, the index holds dim 2", "dim")
    T.err(function() ix:search({1, 0}, 0) end, "bad argument #2 to 'search' (k must be 1..1000000)", "k")
    T.err(function() ix:add({{1, 0 / 0}}) end, "index add: row 1, column 2 is nan (must be finite)", "NaN")
    T.err(function() ix:add({{1, 2}}, {-3}) end, "ix:add: ids[1] is -3 (ids must be >= 0)", "negative id")
    T.err(function() rec.index.new{dim = 2, metric = "l2"} end,
          'rec.index.new: metric must be "dot" or "cosine", got "l2"', "metric")
    T.err(function() rec.index.new{dims = 2} end, "rec.index.new: unknown option 'dims' (did you mean 'dim'?)", "option")
    T.err(function() rec.index.new{} end, "rec.index.new: dim is required", "dim required")
    ix:close()
    T.err(function() ix:search({1, 0}, 1) end, "the index is closed", "closed")
  end},

  {"errors", function()
    local e = rec.embeddings.new({{1, 0}, {0, 1}}, {labels = {"Toy Story (1995)", "Heat (1995)"}})
    T.err(function() e:neighbors("Toy Story", 1) end,
          "embeddings: no label 'Toy Story' (did you mean 'Toy Story (1995)'?)", "prefix")
    T.err(function() e:neighbors("Heat (1996)", 1) end,
          "embeddings: no label 'Heat (1996)' (did you mean 'Heat (1995)'?)", "spelling")
    T.err(function() e:neighbors(3, 1) end, "embeddings: no vector has id 3", "id")
    T.err(function() e:neighbors(1, 1, {metrc = "dot"}) end,
          "e:neighbors: unknown option 'metrc' (did you mean 'metric'?)", "option")
    T.err(function() e:neighbors(1, 1, {metric = "euclid"}) end,
          'e:neighbors: metric must be "dot" or "cosine", got "euclid"', "metric")
    T.err(function() e:neighbors({}, 1) end,
          "e:neighbors: expected an id (integer) or a label (string), got table", "what")
    T.err(function() e:search({1, 2, 3}) end,
          "embeddings search: a vector of dim 3, the embeddings have dim 2", "dim")
    T.err(function() rec.embeddings.new({{1, 2}, {3}}) end,
          "rec.embeddings.new: vectors[2] has 1 values, vectors[1] has 2", "ragged")
    T.err(function() rec.embeddings.new({{1, "x"}}) end,
          "rec.embeddings.new: vectors[1][2] is string (expected a number)", "not a number")
    T.err(function() rec.embeddings.new({{1, 0 / 0}}) end,
          "embeddings: row 1, column 2 is nan (must be finite)", "NaN")
    T.err(function() rec.embeddings.new({{1}, {2}}, {labels = {"a"}}) end,
          "rec.embeddings.new: labels has 1 entries for 2 vectors", "labels count")
    T.err(function() rec.embeddings.new({{1}, {2}}, {ids = {4, 4}}) end,
          "embeddings: id 4 appears at rows 1 and 2 (ids must be unique)", "duplicate ids")
    T.err(function() rec.embeddings.new({}) end, "rec.embeddings.new: vectors is empty", "empty")
    T.err(function() e:save(path("x"), {format = "npy"}) end,
          'e:save: format must be "word2vec", "word2vec_binary" or "tsv", got "npy"', "format")
    T.err(function() rec.embeddings.load(path("absent.vec")) end,
          "load word2vec " .. path("absent.vec") .. ": No such file or directory", "absent")
    T.err(function() e:plot{} end, "e:plot: around (the id or label to centre on) is required", "around")
    local twice = rec.embeddings.new({{1}, {2}, {3}}, {labels = {"Hamlet", "Hamlet", "Heat"}})
    T.err(function() twice:neighbors("Hamlet") end,
          "embeddings: label 'Hamlet' names 2 vectors (ids 1, 2): use an id", "repeated label")
    e:close()
    T.err(function() e:neighbors(1) end, "the embeddings are closed", "closed")
  end},

  {"file round trips", function()
    local rows = random_rows(20, 6)
    local labels = {}
    for i = 1, 20 do labels[i] = "item " .. i end
    labels[1], labels[2], labels[3] = "Cry_Wolf (a.k.a. Cry Wolf)", "Misérables, Les (1995)", "100% tab\there"
    local e = rec.embeddings.new(rows, {labels = labels})
    for _, f in ipairs {{"v.vec", nil}, {"v.bin", nil}, {"w.txt", "word2vec"}, {"vectors.tsv", nil}} do
      local p = e:save(path(f[1]), f[2] and {format = f[2]} or nil)
      local b = rec.embeddings.load(p, f[2] and {format = f[2]} or nil)
      T.eq(b:labels(), labels, f[1] .. ": labels")
      local exact = true
      for i = 1, 20 do exact = exact and table.concat(b:vector(i), " ") == table.concat(e:vector(i), " ") end
      T.ok(exact, f[1] .. ": vectors exact")
    end
    -- the tokens gensim sees
    local fh = io.open(path("v.vec"))
    T.eq(fh:read("l"), "20 6", "header")
    T.eq(fh:read("l"):match("^%S+"), "Cry%5FWolf_(a.k.a._Cry_Wolf)", "encoded token")
    fh:close()
    T.eq(rec.embeddings.load(path("v.vec"), {raw_tokens = true}):labels()[2], "Misérables,_Les_(1995)", "raw tokens")
    -- TSV keeps ids beside the labels
    local withids = rec.embeddings.new({{1, 2}, {3, 4}}, {ids = {36533, 73}, labels = {"a b", "c"}})
    withids:save(path("p.tsv"))
    local back = rec.embeddings.load(path("p.tsv"))
    T.eq(back:ids(), {36533, 73}, "tsv ids")
    T.eq(back:labels(), {"a b", "c"}, "tsv labels")
    T.ok(io.open(path("p_metadata.tsv")) ~= nil, "metadata beside it")
    -- without labels, ids are the tokens
    local plain = rec.embeddings.new({{1}, {2}}, {ids = {5, 3}})
    plain:save(path("ids.bin"))
    T.eq(rec.embeddings.load(path("ids.bin")):ids(), {5, 3}, "ids through a binary file")
    T.eq(rec.embeddings.load(path("ids.bin")):labels(), nil, "and no labels")
  end},

  {"the neighbourhood figure", function()
    local rows, labels = {}, {}
    for i = 1, 150 do
      rows[i] = {math.cos(i * 0.3) * (1 + i / 50), math.sin(i * 0.3) * (1 + i / 50), (i % 7) / 7, normal() * 0.1}
      labels[i] = string.format("item %d", i)
    end
    local e = rec.embeddings.new(rows, {labels = labels})
    local fig = e:plot{around = "item 40", k = 5, title = "Around item 40", show = false}
    local xy, ev = e:pca()
    local x, y = fig:to_pixel(xy[40][1], xy[40][2])
    local r, g, b = fig:pixel(x, y)
    T.ok(math.abs(r - 213) <= 12 and math.abs(g - 94) <= 12 and b <= 12,
         string.format("the query's vermillion at its position (got %d %d %d)", r, g, b))
    local nb = e:neighbors("item 40", 5)
    x, y = fig:to_pixel(xy[nb[5].id][1], xy[nb[5].id][2])
    r, g, b = fig:pixel(x, y)
    T.ok(math.abs(r - 0) <= 12 and math.abs(g - 114) <= 12 and math.abs(b - 178) <= 12,
         string.format("a neighbour's blue at its position (got %d %d %d)", r, g, b))
    local qx, qy = fig:to_pixel(xy[40][1], xy[40][2])
    T.eq(fig:hover(qx, qy):match("^[^:]+"), "item 40", "hover names the query")
    local svg = path("n.svg")
    fig:save(svg)
    local text = io.open(svg):read("a")
    T.ok(text:find("5 nearest to item 40 by cosine similarity in 4-d; PCA: PC1 " ..
                   string.format("%.0f", 100 * ev[1]) .. "% + PC2 " ..
                   string.format("%.0f", 100 * ev[2]) .. "% of the variance", 1, true) ~= nil,
         "the note states the metric and the variance")
    T.ok(text:find("Around item 40", 1, true) ~= nil, "title")
    T.ok(text:find(nb[1].label, 1, true) ~= nil, "the nearest neighbour is named")
    fig:save(path("n.png"))
    T.ok(io.open(path("n.png")) ~= nil, "PNG")
    -- unlabelled vectors are named by id
    local u = rec.embeddings.new(rows)
    local f2 = u:plot{around = 3, k = 2, metric = "dot", show = false}
    f2:save(path("u.svg"))
    T.ok(io.open(path("u.svg")):read("a"):find("by dot similarity", 1, true) ~= nil, "dot named")
  end},

  {"MovieLens titles through save, load and plot", function()
    local ml = rec.data.movielens{}
    local _, titles = ml:vocab("item")
    local items, genres = ml:column("item"), ml:column("genres")
    local years = ml:column("year")
    local n = #titles
    -- an item x (19 genres + era) matrix with a little seeded noise
    local rows = {}
    for i = 1, n do
      rows[i] = {}
      for j = 1, 20 do rows[i][j] = 0.02 * normal() end
    end
    for r = 1, #items do
      local v = rows[items[r]]
      for _, gid in ipairs(genres[r]) do v[gid] = 1 end
      local y = years[r]
      if not (y and y > 1800) then y = 1990 end -- NA years
      v[20] = (y - 1990) / 20
    end
    local e = rec.embeddings.new(rows, {labels = titles})
    T.eq(#e, 9066, "every movie")
    local nb = e:neighbors("Toy Story (1995)", 10)
    T.eq(#nb, 10, "ten neighbours")
    local animated = 0
    for _, x in ipairs(nb) do
      local id = x.id
      for r = 1, #items do
        if items[r] == id then
          for _, gid in ipairs(genres[r]) do if gid == 2 then animated = animated + 1 end end
          break
        end
      end
    end
    T.ok(animated >= 8, "Toy Story's neighbours are animated (" .. animated .. " of 10)")
    local odd = {"Misérables, Les (1995)", "Cry_Wolf (a.k.a. Cry Wolf) (2005)",
                 "Léon: The Professional (a.k.a. The Professional) (Léon) (1994)"}
    for _, fmt in ipairs {"word2vec", "word2vec_binary", "tsv"} do
      local p = e:save(path("ml." .. fmt), {format = fmt})
      local b = rec.embeddings.load(p, {format = fmt})
      T.eq(#b, 9066, fmt .. ": count")
      for _, t in ipairs(odd) do
        T.eq(b:vector(t), e:vector(t), fmt .. ": " .. t)
      end
      T.eq(b:neighbors("Toy Story (1995)", 10)[10].label, nb[10].label, fmt .. ": same neighbours")
    end
    local fig = e:plot{around = "Toy Story (1995)", k = 10, show = false}
    fig:save(path("ml.png"))
    local out = os.getenv("RECNOTE_EMB_PNG") -- set by hand to keep the picture
    if out then fig:save(out) end
    local xy = e:pca()
    local id = e:id("Toy Story (1995)")
    local x, y = fig:to_pixel(xy[id][1], xy[id][2])
    local r, g, b = fig:pixel(x, y)
    T.ok(math.abs(r - 213) <= 12 and math.abs(g - 94) <= 12 and b <= 12, "Toy Story in vermillion")
  end},
}

-- every docstring example runs
local function examples(tbl, prefix, method)
  for name, fn in pairs(tbl) do
    local d = help.get and help.get(fn)
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
    local _ = d
  end
end
examples(rec.index, "rec.index.", false)
examples(rec.embeddings, "rec.embeddings.", false)
examples(getmetatable(rec.index.new{dim = 1}).__index, "ix:", true)
examples(getmetatable(rec.embeddings.new({{1}})).__index, "e:", true)

os.execute("rm -rf '" .. dir .. "'")
T.done()
