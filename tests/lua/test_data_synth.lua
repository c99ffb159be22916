-- rec.data.synthetic_funnel and synthetic_multitask from Lua: columns, the
-- funnel's promise (no conversion without a click), option errors.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

T.cases{
  {"funnel", function()
    local f, truth = rec.data.synthetic_funnel{rows = 3000, seed = 4}
    T.eq(#f, 3000, "rows")
    local names = {}
    for i, c in ipairs(f:schema()) do names[i] = c.name end
    T.eq(names, {"user", "item", "click", "conversion"}, "columns: the truth is not a feature")
    T.eq({#truth.ctr, #truth.cvr}, {3000, 3000}, "the truth per row, apart")
    T.ok(truth.ctr[1] > 0 and truth.ctr[1] < 1, "a probability")
    local click, conv = f:column("click"), f:column("conversion")
    local bad = 0
    for i = 1, #click do if conv[i] == 1 and click[i] == 0 then bad = bad + 1 end end
    T.eq(bad, 0, "no conversion without a click")
    T.eq(f:schema()[1].group, true, "user is the group column")
  end},
  {"multitask", function()
    local m = rec.data.synthetic_multitask{rows = 4000, correlation = 0.95, dim = 8}
    local s = m:schema()
    T.eq(#s, 10, "x1..x8, y1, y2")
    T.eq({s[9].name, s[9].kind, s[10].name}, {"y1", "label", "y2"}, "labels last")
    local y1, y2 = m:column("y1"), m:column("y2")
    local n, a, b, ab, aa, bb = #y1, 0, 0, 0, 0, 0
    for i = 1, n do a, b = a + y1[i] / n, b + y2[i] / n end
    for i = 1, n do
      ab = ab + (y1[i] - a) * (y2[i] - b); aa = aa + (y1[i] - a) ^ 2; bb = bb + (y2[i] - b) ^ 2
    end
    T.ok(ab / math.sqrt(aa * bb) > 0.8, "correlation 0.95 gives strongly correlated labels")
    local bin = rec.data.synthetic_multitask{rows = 100, binary = true}:column("y2")
    local ok = true
    for _, v in ipairs(bin) do ok = ok and (v == 0 or v == 1) end
    T.ok(ok, "binary labels are 0 or 1")
  end},
  {"the notes' FM example", function()
    local d = rec.data.gender_category{rows = 4000}
    local fm = rec.models.fm{data = d, label = "click", embed_dim = 2, seed = 1}
    fm:fit(d, {epochs = 5, lr = 0.05, progress = false, seed = 1})
    -- the best possible AUC on this data is about 0.91 (four groups of known rates)
    T.ok(fm:evaluate(d).auc > 0.88, "FM learns the gender x category crosses")
  end},
  {"the zoo's generators under rec.data", function()
    T.eq(rec.data.synthetic_ctr, rec.data.synthetic_ctr, "synthetic_ctr")
    T.eq(rec.data.synthetic_seq, rec.data.synthetic_seq, "synthetic_seq")
    T.ok(help.get(rec.data.synthetic_funnel) ~= nil, "documented")
  end},
  {"errors", function()
    T.err(function() rec.data.synthetic_funnel{row = 10} end,
          "rec.data.synthetic_funnel: unknown option 'row' (did you mean 'rows'?)", "unknown key")
    T.err(function() rec.data.synthetic_funnel{shared = 2} end, "shared in [-1, 1]", "shared range")
    T.err(function() rec.data.synthetic_multitask{dim = 1} end,
          "rec.data.synthetic_multitask: option 'dim' must be an integer in 2..4096, got 1", "dim range")
    T.err(function() rec.data.synthetic_multitask{rows = 2.5} end, "option 'rows' must be an integer in",
          "whole rows")
    T.err(function() rec.data.synthetic_multitask("x") end, "table expected", "not a table")
    -- reliability review B.3: negative, NaN and fractional sizes
    T.err(function() rec.data.synthetic_ctr{rows = -1} end,
          "rec.data.synthetic_ctr: option 'rows' must be an integer in 1..100000000, got -1", "rows -1")
    T.err(function() rec.data.synthetic_ctr{rows = 0 / 0} end,
          "rec.data.synthetic_ctr: option 'rows' must be an integer in 1..100000000, got ", "rows NaN")
    T.err(function() rec.data.synthetic_ctr{rows = 10.5} end,
          "rec.data.synthetic_ctr: option 'rows' must be an integer in 1..100000000, got 10.5", "rows 10.5")
    T.err(function() rec.models.deepfm{fields = {3, 4}, embed_dim = 0 / 0} end,
          "rec.models.deepfm: option 'embed_dim' must be an integer in 1..1024, got ", "embed_dim NaN")
    T.err(function() rec.models.deepfm{fields = {3, 4}, embed_dim = 0} end,
          "rec.models.deepfm: option 'embed_dim' must be an integer in 1..1024, got 0", "embed_dim 0")
  end},
}
T.done()
