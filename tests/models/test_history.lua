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
