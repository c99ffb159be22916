-- rec.word2vec: token lists (strings and ids), text files, the progress
-- callback, errors, and item2vec on the shipped MovieLens: a sanity table of
-- neighbours (family films near Toy Story, by genre share) and hit rate@10
-- of each user's next liked film above a popularity baseline.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

-- two topics of words; a word's neighbours should be from its own topic
local animals, colours = {"cat", "dog", "cow", "pig", "hen"}, {"red", "blue", "green", "pink", "grey"}
local sentences = {}
math.randomseed(7)
local rand = math.random
for i = 1, 600 do
  local topic = i % 2 == 0 and animals or colours
  local s = {}
  for j = 1, 10 do s[j] = topic[rand(5)] end
  sentences[i] = s
end
local function in_topic(e, word, topic, k)
  local set = {}
  for _, w in ipairs(topic) do set[w] = true end
  local n = 0
  for _, nb in ipairs(e:neighbors(word, k)) do if set[nb.label] then n = n + 1 end end
  return n
end

T.cases{
  {"strings: labels, neighbours in the topic", function()
    for _, model in ipairs{"skipgram", "cbow"} do
      for _, hs in ipairs{false, true} do
        local e = rec.word2vec{sentences = sentences, dim = 8, min_count = 1, epochs = 3, sample = 0,
                               model = model, hs = hs, negative = hs and 0 or 5, progress = false}
        T.eq(#e, 10, model .. " count")
        T.eq(e:dim(), 8)
        T.eq(in_topic(e, "dog", animals, 4), 4, model .. (hs and " hs" or " ns") .. ": dog")
        T.eq(in_topic(e, "red", colours, 4), 4, model .. (hs and " hs" or " ns") .. ": red")
      end
    end
  end},
  {"integer ids are the embeddings' ids", function()
    local ids, code = {}, {}
    for k, w in ipairs(animals) do code[w] = 100 + k end
    for k, w in ipairs(colours) do code[w] = 200 + k end
    for i, s in ipairs(sentences) do
      ids[i] = {}
      for j, w in ipairs(s) do ids[i][j] = code[w] end
    end
    local e = rec.word2vec{sentences = ids, dim = 8, min_count = 1, epochs = 3, sample = 0, progress = false}
    T.eq(#e, 10)
    T.eq(e:labels(), nil)
    local same = 0
    for _, nb in ipairs(e:neighbors(102, 4)) do if nb.id > 100 and nb.id < 200 then same = same + 1 end end
    T.eq(same, 4, "the neighbours of id 102 (dog) are ids 101..105")
  end},
  {"a text file", function()
    local path = os.tmpname()
    local f = io.open(path, "w")
    for _, s in ipairs(sentences) do f:write(table.concat(s, " "), "\n") end
    f:close()
    local e = rec.word2vec{file = path, dim = 8, epochs = 3, sample = 0, progress = false}
    os.remove(path)
    T.eq(#e, 10)
    T.eq(in_topic(e, "cow", animals, 4), 4)
  end},
  {"on_progress: called, can stop", function()
    local calls, last = 0, nil
    rec.word2vec{sentences = sentences, dim = 4, min_count = 1, epochs = 3, progress = false,
                 on_progress = function(p) calls = calls + 1; last = p end}
    T.ok(calls >= 3, "one call per step at least")
    T.eq(last.words, last.total)
    T.eq(last.epoch, 3)
    T.ok(last.loss > 0 and last.words_per_sec > 0)
    calls = 0
    local e = rec.word2vec{sentences = sentences, dim = 4, min_count = 1, epochs = 3,
                           progress = false, on_progress = function() calls = calls + 1; return false end}
    T.eq(calls, 1)
    T.eq(#e, 10)
    T.err(function()
      rec.word2vec{sentences = sentences, min_count = 1, progress = false,
                   on_progress = function() error("boom") end}
    end, "boom")
  end},
  {"errors", function()
    T.err(function() rec.word2vec{sentences = sentences, dims = 4} end,
          "rec.word2vec: unknown option 'dims' (did you mean 'dim'?)")
    T.err(function() rec.word2vec{dim = 4} end, "give exactly one of sentences")
    T.err(function() rec.word2vec{sentences = {{"a", 1}}} end,
          "rec.word2vec: sentence 1, token 2 is a number; tokens must be all strings or all integer ids")
    T.err(function() rec.word2vec{sentences = {{1, -2}}} end, "ids must be >= 0, got -2")
    T.err(function() rec.word2vec{sentences = {}} end, "rec.word2vec: sentences is empty")
    T.err(function() rec.word2vec{sentences = {"a b"}} end, "sentence 1 must be a list of tokens")
    T.err(function() rec.word2vec{sentences = sentences, negative = 0, progress = false} end,
          "nothing to train: negative = 0 and hs = 0")
    T.err(function() rec.word2vec{sentences = {{"a", "b"}}, progress = false} end,
          "no token is seen min_count = 5 times")
    T.err(function() rec.word2vec{sentences = sentences, model = "glove"} end, "model")
    T.err(function() rec.word2vec{file = "/nonexistent.txt", progress = false} end,
          "/nonexistent.txt: cannot open")
  end},
}

-- ---- item2vec on MovieLens --------------------------------------------------------------------
local ml = rec.data.movielens{}
local family = {}
for line in io.lines(rec.data_dir .. "/assets/movielens/movies.csv") do
  local title, year, genres = line:match('^%d+,"(.*)",(%d*),"(.*)"$')
  if title then
    family[title .. " (" .. year .. ")"] = genres:find("Animation") or genres:find("Children")
  end
end
local I2V = {data = ml, min_rating = 4, dim = 32, window = 20, epochs = 20, sample = 1e-4,
             progress = false}

T.cases{
  {"item2vec: family films near family films", function()
    local e = rec.word2vec(I2V)
    T.eq(e:label(1), "Toy Story (1995)", "ids are movie ids, labels titles")
    local share, n = 0, 0
    for _, q in ipairs{"Toy Story (1995)", "Lion King, The (1994)", "Aladdin (1992)",
                       "Beauty and the Beast (1991)"} do
      local k = 0
      for _, nb in ipairs(e:neighbors(q, 10)) do if family[nb.label] then k = k + 1 end end
      print(string.format("  %-30s %d of 10 neighbours animated or children's", q, k))
      share, n = share + k / 10, n + 1
    end
    -- about 10% of the films liked are animated or children's
    T.ok(share / n >= 0.4, string.format("family share %.2f >= 0.4", share / n))
  end},
  {"item2vec: hit rate@10 of the next film above popularity", function()
    -- each user's liked films in time order (rows are by user, then time)
    local users, items, ratings = ml:column("user"), ml:column("item"), ml:column("rating")
    local seqs, by_user = {}, {}
    for r = 1, #users do
      if ratings[r] >= 4 then
        local s = by_user[users[r]]
        if not s then s = {}; by_user[users[r]] = s; seqs[#seqs + 1] = s end
        s[#s + 1] = items[r]
      end
    end
    local train, held = {}, {}
    for i, s in ipairs(seqs) do
      if #s >= 5 then
        held[#train + 1] = s[#s]
        local t = {}
        for j = 1, #s - 1 do t[j] = s[j] end
        train[#train + 1] = t
      end
    end
    local e = rec.word2vec{sentences = train, dim = 32, window = 20, epochs = 20,
                           sample = 1e-4, progress = false}
    local count = {}
    for _, s in ipairs(train) do for _, it in ipairs(s) do count[it] = (count[it] or 0) + 1 end end
    local popular = {}
    for it in pairs(count) do popular[#popular + 1] = it end
    table.sort(popular, function(a, b) return count[a] > count[b] or (count[a] == count[b] and a < b) end)
    local hits_w2v, hits_pop = 0, 0
    for u, s in ipairs(train) do
      local seen = {}
      for _, it in ipairs(s) do seen[it] = true end
      -- the query: the vector of the user's last liked film that has one
      local q
      for j = #s, 1, -1 do
        local ok, v = pcall(e.vector, e, s[j])
        if ok then q = v break end
      end
      local got = 0
      if q then
        for _, nb in ipairs(e:search(q, 10 + #s)) do
          if not seen[nb.id] then
            got = got + 1
            if nb.id == held[u] then hits_w2v = hits_w2v + 1 end
            if got == 10 then break end
          end
        end
      end
      got = 0
      for _, it in ipairs(popular) do
        if not seen[it] then
          got = got + 1
          if it == held[u] then hits_pop = hits_pop + 1 end
          if got == 10 then break end
        end
      end
    end
    local hr_w2v, hr_pop = hits_w2v / #train, hits_pop / #train
    print(string.format("  hit rate@10 of the next liked film over %d users: item2vec %.3f, "
                        .. "popularity %.3f", #train, hr_w2v, hr_pop))
    T.ok(hr_w2v > hr_pop * 1.2, string.format("item2vec %.3f > 1.2 x popularity %.3f", hr_w2v, hr_pop))
  end},
  {"item2vec: errors", function()
    T.err(function() rec.word2vec{data = ml, item = "film"} end,
          "rec.word2vec: the data set has no categorical column 'film' (item =)")
    T.err(function() rec.word2vec{data = ml, min_rating = 4, rating = "nope"} end,
          "min_rating needs a numeric column 'nope'")
    T.err(function() rec.word2vec{data = ml, min_rating = 6} end, "no row has rating >= 6")
  end},
}

T.done()
