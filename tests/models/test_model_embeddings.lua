-- m:embeddings(field): a model's embedding rows as rec.Embeddings, named by
-- the data set's vocabulary (lua/model_embed.c).
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

T.cases{
  {"a model's item vectors, named by their titles", function()
    local ml = rec.data.movielens{rows = 3000, history = 0}
    local m = rec.models.fm{data = ml, label = "like", embed_dim = 6}
    local e = m:embeddings("item")
    local _, titles = ml:vocab("item")
    T.eq(#e, #titles + 1, "one vector per item id, the missing id 0 included")
    T.eq(e:dim(), 6, "the model's embed_dim")
    -- the vectors are the model's own rows, ids the data's: item k is row users + k
    local w = m:params()["embed.weight"]:totable()
    local users = #ml:vocab("user") + 1
    for _, k in ipairs{1, 5, #titles} do
      local v = e:vector(k)
      for j = 1, 6 do T.near(v[j], w[users + k + 1][j], 0, "item " .. k .. ", value " .. j) end
      T.eq(e:label(k), titles[k], "item " .. k .. " is named by its title")
    end
    local toy = titles[1]
    local nb = e:neighbors(toy, 5)
    T.eq(#nb, 5, "five neighbours of " .. toy)
    T.ok(type(nb[1].label) == "string" and nb[1].label ~= toy, "named neighbours, not itself")
    -- by field number too, and the default is the first field without a sequence
    T.eq(#m:embeddings(1), users, "field 1: the users")
  end},
  {"errors name what is wrong", function()
    local ml = rec.data.movielens{rows = 500, history = 0}
    local m = rec.models.fm{data = ml, label = "like", embed_dim = 2}
    T.err(function() m:embeddings("movie") end,
          "embeddings: the model has no field 'movie' (its fields: 'user', 'item')", "a bad name")
    T.err(function() m:embeddings(3) end, "", "a field number out of range")
    T.err(function() rec.models.lr{data = ml, label = "like"}:embeddings("item") end,
          "lr has no embedding table", "lr")
    local f = rec.models.fm{fields = {4, 3}, embed_dim = 2}
    T.err(function() f:embeddings("item") end, "a field number", "no data set: numbers only")
    T.eq(#f:embeddings(2), 3, "a model built from fields = {...}: field 2 has 3 rows")
    -- closing the data set: the model keeps working, the names are gone
    ml:close()
    T.eq(#m:embeddings(2), #m:embeddings(2), "still works")
  end},
}

T.done()
