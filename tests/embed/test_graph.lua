-- rec.graph, rec.deepwalk and rec.node2vec (lua/graph.c): graphs from edge
-- lists and sequences, walks, the figure, the papers' findings on the shipped
-- graphs, and errors word for word.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local dir = rec.data_dir .. "/assets/graphs/"
local karate = rec.graph.from_edges(dir .. "karate_edges.csv")
local lesmis = rec.graph.from_edges(dir .. "lesmis.csv")

local function clubs()
  local c = {}
  for line in io.lines(dir .. "karate_nodes.csv") do
    local id, club = line:match("^(%d+),(.*)$")
    if id then c[tonumber(id) + 1] = club end
  end
  return c
end

T.cases{
  {"karate: 34 nodes, 78 edges, ids 0..33", function()
    T.eq(#karate, 34); T.eq(karate:n_edges(), 78); T.eq(karate:directed(), false)
    T.eq(karate:nodes()[1], 0); T.eq(karate:degree(33), 17); T.eq(#karate:edges(), 78)
    T.eq(tostring(karate), "rec.ItemGraph: 34 nodes, 78 undirected edges")
  end},
  {"Les Miserables: labels and weights", function()
    T.eq(#lesmis, 77); T.eq(lesmis:nodes()[2], "Myriel")
    T.eq(lesmis:weight("Myriel", "MlleBaptistine"), 8.0)
    local nb, w = lesmis:neighbors("Napoleon")
    T.eq(nb, {"Myriel"}); T.eq(w, {1.0})
    T.eq(rec.graph.from_edges(dir .. "lesmis.csv", {weighted = false}):weight("Myriel", "MlleBaptistine"), 1.0)
  end},
  {"from_sequences: transition counts", function()
    local g = rec.graph.from_sequences{{1, 2, 3}, {2, 3}, {3, 1}}
    T.eq(g:directed(), true); T.eq(g:weight(2, 3), 2.0); T.eq(g:weight(3, 2), 0.0)
    T.eq(g:strength(3), 1.0)
  end},
  {"from_edges: a Lua table", function()
    local g = rec.graph.from_edges{{"a", "b", 2}, {"b", "c"}, {"a", "b", 1}}
    T.eq(g:nodes(), {"a", "b", "c"}); T.eq(g:weight("b", "a"), 3.0)
    local d = rec.graph.from_edges({{1, 2}, {2, 3}}, {directed = true})
    T.eq(d:degree(3), 0); T.eq(d:walk(1, {length = 10}), {1, 2, 3})
  end},
  {"walks: every node starts per_node walks; steps follow edges", function()
    local walks = karate:walks{length = 6, per_node = 3, seed = 5}
    T.eq(#walks, 102)
    local starts, bad = {}, 0
    for _, w in ipairs(walks) do
      starts[w[1]] = (starts[w[1]] or 0) + 1
      for i = 2, #w do if karate:weight(w[i - 1], w[i]) == 0 then bad = bad + 1 end end
    end
    T.eq(bad, 0)
    for id = 0, 33 do T.eq(starts[id], 3, "walks from " .. id) end
    T.eq(karate:walks{length = 6, per_node = 3, seed = 5, threads = 3}, walks, "threads")
  end},
  {"alpha: 1/p, 1, 1/q", function()
    local g = rec.graph.from_edges{{1, 2}, {2, 3}, {1, 3}, {2, 4}}
    T.eq(g:alpha(1, 1, 2, 0.5), 0.5); T.eq(g:alpha(1, 3, 2, 0.5), 1.0); T.eq(g:alpha(1, 4, 2, 0.5), 2.0)
  end},
  {"first-order step frequencies follow the weights", function()
    local g = rec.graph.from_edges{{1, 2, 1}, {1, 3, 3}}
    local n3, n = 0, 4000
    for s = 1, n do if g:walk(1, {length = 2, seed = s})[2] == 3 then n3 = n3 + 1 end end
    T.near(n3 / n, 0.75, 0.03)
  end},
  {"DeepWalk separates the karate factions", function()
    local e = rec.deepwalk{graph = karate, dim = 32, seed = 2, progress = false}
    T.eq(#e, 34); T.eq(e:ids()[34], 33)
    -- the officer's nearest members are officers
    local c, same = clubs(), 0
    for _, nb in ipairs(e:neighbors(33, 5)) do if c[nb.id + 1] == "Officer" then same = same + 1 end end
    T.ok(same >= 4, "4 of the officer's 5 nearest are officers, got " .. same)
  end},
  {"node2vec: vectors for every character, named", function()
    local e = rec.node2vec{graph = lesmis, q = 0.5, dim = 8, per_node = 2, length = 20, progress = false}
    T.eq(#e, 77); T.eq(e:labels()[1], "Napoleon")
  end},
  {"the figure: classes coloured, walk drawn", function()
    local c = clubs()
    local e = rec.deepwalk{graph = karate, dim = 16, progress = false}
    local fig = karate:plot{embeddings = e, classes = c, walk = karate:walk(0, {length = 5}), show = false}
    T.ok(fig ~= nil)
    local numbered = {}
    for i = 1, 34 do numbered[i] = i % 3 end  -- integer classes (0: none)
    T.ok(karate:plot{classes = numbered, show = false} ~= nil, "integer classes")
    local fig2 = rec.plot.graph{nodes = 2, edges = {{1, 2}}, positions = {{0, 0}, {1, 0}},
                                classes = {1, 2}, show = false, width = 300, height = 200}
    T.err(function() fig2:set{step = 0} end, "fig:set: walk step: set a walk first")
    fig2:set{walk = {1, 2}, step = 0}
  end},
  {"from_sequences(ds): MovieLens histories in time order, titled", function()
    local ml = rec.data.movielens{}
    local g = rec.graph.from_sequences(ml)
    T.eq(g:directed(), true); T.eq(#g, 9066)
    T.eq(g:nodes()[1], "Toy Story (1995)", "nodes named by title")
    -- user 1's first two ratings, in time order: Antz (2294), then The Fly (2455)
    T.ok(g:weight(2294, 2455) >= 1, "an arc from the earlier film to the later")
    local liked = rec.graph.from_sequences(ml, {min_rating = 4})
    T.ok(#liked < #g and liked:n_edges() < g:n_edges(), "min_rating keeps the liked rows only")
    T.err(function() rec.graph.from_sequences(ml, {min_ratin = 4}) end, "did you mean 'min_rating'?")
    T.err(function() rec.graph.from_sequences(ml, {min_rating = 6}) end,
          "rec.graph.from_sequences: no row has rating >= 6")
    T.err(function() rec.graph.from_sequences(ml, {item = "film"}) end,
          "rec.graph.from_sequences: the data set has no categorical column 'film' (item =)")
  end},
  {"DeepWalk on MovieLens: the next film's hit rate@10 above popularity", function()
    local ml = rec.data.movielens{}
    local hist, last = ml:split{by = "leave_last"}
    local g = rec.graph.from_sequences(hist)
    local e = rec.deepwalk{graph = g, dim = 32, window = 5, length = 20, per_node = 5,
                           epochs = 1, seed = 3, progress = false}
    local names = hist:vocab("item")
    local function movie(i) return math.tointeger(tonumber(names[i])) end
    -- each user's films before the last, in time order; the held-out next film
    local seen, latest, count = {}, {}, {}
    local users, items = hist:column("user"), hist:column("item")
    for r = 1, #users do
      local u, m = users[r], movie(items[r])
      seen[u] = seen[u] or {}
      seen[u][m] = true; latest[u] = m
      count[m] = (count[m] or 0) + 1
    end
    local popular = {}
    for m in pairs(count) do popular[#popular + 1] = m end
    table.sort(popular, function(a, b) return count[a] > count[b] or (count[a] == count[b] and a < b) end)
    local held_users, held_items = last:column("user"), last:column("item")
    local hits_dw, hits_pop, n = 0, 0, 0
    for r = 1, #held_users do
      local u, want = held_users[r], movie(held_items[r])
      if latest[u] then
        n = n + 1
        local got = 0
        for _, nb in ipairs(e:search(e:vector(latest[u]), 10 + 300)) do
          if not seen[u][nb.id] then
            got = got + 1
            if nb.id == want then hits_dw = hits_dw + 1 end
            if got == 10 then break end
          end
        end
        got = 0
        for _, m in ipairs(popular) do
          if not seen[u][m] then
            got = got + 1
            if m == want then hits_pop = hits_pop + 1 end
            if got == 10 then break end
          end
        end
      end
    end
    local hr_dw, hr_pop = hits_dw / n, hits_pop / n
    print(string.format("  hit rate@10 of the next film over %d users: DeepWalk %.3f, popularity %.3f",
                        n, hr_dw, hr_pop))
    T.ok(hr_dw > 1.2 * hr_pop, string.format("DeepWalk %.3f > 1.2 x popularity %.3f", hr_dw, hr_pop))
    -- and the neighbours make sense: Toy Story's nearest films are mostly family films
    local family = {}
    for line in io.lines(rec.data_dir .. "/assets/movielens/movies.csv") do
      local title, year, genres = line:match('^%d+,"(.*)",(%d*),"(.*)"$')
      if title then family[title .. " (" .. year .. ")"] = genres:find("Animation") or genres:find("Children") end
    end
    local k = 0
    for _, nb in ipairs(e:neighbors("Toy Story (1995)", 10)) do if family[nb.label] then k = k + 1 end end
    print(string.format("  Toy Story (1995): %d of its 10 nearest films animated or children's", k))
  end},
  {"errors", function()
    T.err(function() rec.graph.from_edges{{1, 2, -1}} end,
          "rec.graph.from_edges: edges[1][3] (the weight) must be a number > 0")
    T.err(function() rec.graph.from_edges{} end, "rec.graph.from_edges: no edges")
    T.err(function() rec.graph.from_edges(dir .. "nope.csv") end, "nope.csv: cannot open")
    T.err(function() rec.graph.from_sequences{{}} end, "graph: the sequences hold no items")
    T.err(function() rec.node2vec{graph = lesmis, q = 0} end,
          "rec.node2vec: option 'q' must be a finite number > 0, got 0")
    T.err(function() rec.node2vec{graph = lesmis, p = -1} end,
          "rec.node2vec: option 'p' must be a finite number > 0, got -1")
    T.err(function() rec.deepwalk{graph = karate, q = 2} end, "p and q are node2vec's")
    T.err(function() rec.deepwalk{graph = karate, windw = 2} end, "did you mean 'window'?")
    T.err(function() rec.deepwalk{} end, "rec.deepwalk: graph = a rec.ItemGraph is required")
    T.err(function() karate:degree(99) end, "g:degree: no node has id 99")
    T.err(function() lesmis:degree("Nobody") end, "g:degree: no node is called 'Nobody'")
    T.err(function() karate:plot{classes = {1, 2}} end, "g:plot: classes has 2 values for 34 nodes")
    local g = rec.graph.from_edges{{1, 2}}
    g:close()
    T.err(function() return #g end, "closed")
  end},
}
T.done()
