-- Behaviour histories of several features from Lua: rec.data.synthetic_seq
-- with cat_history gives item and category histories, and rec.models.din /
-- dien built from such data embed both (seq_fields), or the item alone when
-- asked; bad seq_fields are errors naming the field.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local function data()
  return rec.data.synthetic_seq{rows = 600, items = 300, cats = 10, users = 50, seq_len = 12,
                                min_len = 3, nearest = 3, cat_history = true, seed = 2}
end

T.cases{
  {"the data says which fields its histories share", function()
    local d = data()
    local s = d:schema()
    T.eq(s.seq_fields, {1, 2})
    T.eq(s.seq_field, 1)
    T.eq(s.seq_len, 12)
    T.ok(tostring(d):find("2 features per behaviour", 1, true), tostring(d))
    T.eq(rec.data.synthetic_seq{rows = 10}:schema().seq_fields, nil)
  end},
  {"din and dien read item and category", function()
    local d = data()
    for _, make in ipairs{rec.models.din, rec.models.dien} do
      local m = make{data = d, embed_dim = 4, hidden = {8}, seed = 1}
      T.ok(m:config():find('"seq_fields":[0,1]', 1, true), m:config())
      m:fit(d, {epochs = 1, progress = false})
      T.ok(m:evaluate(d).auc > 0.5, "trains")
    end
    local m = rec.models.din{data = d, embed_dim = 4, hidden = {8}}
    local att = m:layers()[2]
    T.eq(att.name, "att.input")
    T.eq(att.output, "B*T x 32") -- [q, k, q - k, q * k] of item + category: 4 x 2 x 4
  end},
  {"seq_fields = {1} keeps the item alone", function()
    local d = data()
    local m = rec.models.din{data = d, embed_dim = 4, hidden = {8}, seq_fields = {1}}
    T.ok(m:config():find('"seq_fields":[]', 1, true), m:config())
    T.eq(m:layers()[2].output, "B*T x 16")
    m:fit(d, {epochs = 1, progress = false})
    T.eq(#m:predict(d), 600)
  end},
  {"rec.models.batch builds item + category histories by hand", function()
    -- a click when a history item shares the candidate's category: the
    -- category feature says it directly; item ids alone must learn 400 items'
    -- categories from 6000 rows
    math.randomseed(3)
    local NI, NC, L = 400, 10, 6
    local cat = {}
    for i = 1, NI do cat[i] = math.random(NC) end
    local function rows(n)
      local sparse, items, pairs, labels = {}, {}, {}, {}
      for r = 1, n do
        local item, hit = math.random(NI), 0
        items[r], pairs[r] = {}, {}
        for t = 1, math.random(2, L) do
          local it = math.random(NI)
          items[r][t], pairs[r][t] = it, {it, cat[it]}
          if cat[it] == cat[item] then hit = 1 end
        end
        sparse[r] = {item, cat[item]}
        labels[r] = math.random() < 1 / (1 + math.exp(1.2 - 2.5 * hit)) and 1 or 0
      end
      return sparse, items, pairs, labels
    end
    local sp, it, pr, y = rows(6000)
    local tsp, tit, tpr, ty = rows(3000)
    local auc = {}
    for _, w in ipairs{{"item", it, tit, {1}}, {"itemcat", pr, tpr, {1, 2}}} do
      local train = rec.models.batch{sparse = sp, seq = w[2], seq_len = L, seq_fields = w[4], labels = y}
      local test = rec.models.batch{sparse = tsp, seq = w[3], seq_len = L, seq_fields = w[4], labels = ty}
      T.eq(test:schema().seq_fields, #w[4] > 1 and w[4] or nil, w[1] .. " schema")
      local m = rec.models.din{fields = {NI + 1, NC + 1}, seq_len = L, seq_fields = w[4], seed = 1}
      m:fit(train, {epochs = 10, batch = 128, progress = false, lr = 0.01})
      auc[w[1]] = m:evaluate(test).auc
    end
    print(("hand-built batches: DIN item %.4f, item + category %.4f"):format(auc.item, auc.itemcat))
    T.ok(auc.itemcat > 0.6 and auc.itemcat > auc.item + 0.08,
         ("item + category %.4f > item %.4f + 0.08"):format(auc.itemcat, auc.item))
    T.err(function() rec.models.batch{sparse = {{1, 2}}, seq = {{{3, 4}, {5}}}, seq_fields = {1, 2}} end,
          "rec.models.batch: seq[1][2] must be a table of 2 ids, one per seq_fields entry")
    T.err(function() rec.models.batch{sparse = {{1, 2}}, seq = {{{3, -1}}}, seq_fields = {1, 2}} end,
          "rec.models.batch: seq[1][1][2] must be an id >= 0")
    T.err(function() rec.models.batch{sparse = {{1, 2}}, seq_fields = {1, 2}} end,
          "rec.models.batch: seq_fields needs seq")
    T.err(function() rec.models.batch{sparse = {{1, 2}}, seq = {{3}}, seq_fields = {3}} end,
          "seq_fields")
  end},
  {"bad seq_fields name the field", function()
    local d = data()
    T.err(function() rec.models.din{data = d, seq_fields = {1, 9}} end,
          "din: seq_fields[2] is field 9, but the model has 3 fields")
    T.err(function() rec.models.din{data = d, seq_fields = {0}} end,
          "seq_fields[1] must be an integer in 1..64, got 0")
    T.err(function() rec.models.din{data = d, seq_fields = {3}}:fit(d, {progress = false}) end,
          "the batch has 2 behaviour features per history position (sharing fields 1, 2), "
          .. "the model reads 1 (seq_fields 3)")
    T.err(function() rec.models.fm{data = d, seq_fields = {1, 2}} end,
          "fm does not read 'seq_fields'")
  end},
}
T.done()
