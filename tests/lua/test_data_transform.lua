-- ds:transform: numeric columns standardised, min-max scaled, log1p'd or
-- dropped, with statistics from the training split only (engine/data/transform.c).
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local function mean_std(xs)
  local s, q = 0, 0
  for _, x in ipairs(xs) do s = s + x; q = q + x * x end
  local m = s / #xs
  return m, math.sqrt(q / #xs - m * m)
end

T.cases{
  {"standardize with the training split's statistics", function()
    local ml = rec.data.movielens{rows = 4000, history = 0}
    local train, test = ml:split(0.8, {seed = 3})
    local before = train:column("year")
    local m0, s0 = mean_std(before)
    local st = ml:transform({year = "standardize"}, {stats = train})
    T.near(st.year.mean, m0, 1e-3 * math.abs(m0), "the mean is the training rows' mean")
    T.near(st.year.std, s0, 1e-4 * s0, "the std is the training rows' std")
    local m1, s1 = mean_std(train:column("year"))
    T.near(m1, 0, 1e-4, "training rows: mean 0")
    T.near(s1, 1, 1e-4, "training rows: std 1")
    local mt = mean_std(test:column("year"))
    T.ok(math.abs(mt) > 1e-6, "test rows are scaled by the training statistics, not their own")
  end},
  {"minmax, log1p and drop", function()
    local ml = rec.data.movielens{rows = 2000, history = 0}
    local st = ml:transform{year = "minmax"}
    local lo, hi = math.huge, -math.huge
    for _, x in ipairs(ml:column("year")) do lo = math.min(lo, x); hi = math.max(hi, x) end
    T.near(lo, 0, 1e-6, "min 0")
    T.near(hi, 1, 1e-6, "max 1")
    T.ok(st.year.range > 0, "the range is returned")
    local y0 = ml:column("year")[10]
    ml:transform{year = "log1p"}
    T.near(ml:column("year")[10], math.log(1 + y0), 1e-6, "log1p")
    local before = rec.models.fm{data = ml, label = "like"}:config()
    T.ok(before:find('"n_dense":1', 1, true) ~= nil, "the model reads year")
    ml:transform{year = "drop"}
    local after = rec.models.fm{data = ml, label = "like"}:config()
    T.ok(after:find('"n_dense":0', 1, true) ~= nil, "a dropped column is not read")
  end},
  {"a data set with two labels asks which (reliability review A.6)", function()
    local ml = rec.data.movielens{rows = 300, history = 0}
    T.err(function() rec.models.deepfm{data = ml, embed_dim = 4} end,
          "2 label columns ('rating', 'like'): choose one with label = ...", "no silent stars")
    local m = rec.models.deepfm{data = ml, label = "like", embed_dim = 4}
    T.ok(m:evaluate(ml).auc ~= nil, "label = 'like' trains and evaluates")
    T.err(function() rec.models.fm{data = ml, label = "rating", embed_dim = 2}:fit(ml, {progress = false}) end,
          "of task 'click' is not in [0, 1] (a bce task learns 0/1 labels", "stars are not clicks: named at fit")
  end},
  {"bucketize: a numeric column becomes a field", function()
    local ml = rec.data.movielens{rows = 2000, history = 0}
    local years = ml:column("year")
    ml:transform{year = {bucketize = {1970, 1990, 2000}}}
    local ids, names = ml:vocab("year")
    T.eq(#ids, 4, "four buckets")
    local b = ml:column("year")
    local function want(y) return y < 1970 and 1 or y < 1990 and 2 or y < 2000 and 3 or 4 end
    local ok = true
    for i = 1, #years do ok = ok and b[i] == want(years[i]) end
    T.ok(ok, "every row in its bucket")
    local m = rec.models.fm{data = ml, label = "like", embed_dim = 2}
    T.ok(m:config():find('"cardinality":[', 1, true) ~= nil and m:config():find('"n_dense":0', 1, true) ~= nil,
         "the bucket column is a field, no dense feature left")
    T.err(function() ml:transform{year = {bucketize = {2000, 1990}}} end, "not a dense", "twice")
    local d = rec.data.movielens{rows = 50, history = 0}
    T.err(function() d:transform{year = {bucketize = {2000, 1990}}} end,
          "the edges must be finite and increasing (edge 2 is 1990)", "decreasing edges")
  end},
  {"reliability review, reproducer 9: MovieLens' raw year is no model input until rescaled", function()
    local ml = rec.data.movielens{}
    local year
    for _, c in ipairs(ml:schema()) do if c.name == "year" then year = c end end
    T.eq(year.raw, true, "the schema marks year raw")
    T.ok(tostring(ml):find("year         dense, 7 missing  (raw scale: no model input until "
                           .. "ds:transform({year = 'standardize'}, {stats = train}))", 1, true) ~= nil,
         "print(ml) says so: " .. tostring(ml))
    local train, test = ml:split{by = "leave_last"}
    local m = rec.models.deepfm{data = ml, label = "like", embed_dim = 16, hidden = {64, 32}, seed = 1}
    T.ok(m:config():find('"n_dense":0', 1, true) ~= nil, "the model does not read the raw year")
    local before = m:evaluate(test).logloss
    T.ok(before < 0.75, "logloss before training " .. before .. " (112.86 with the raw year)")
    local h = m:fit(train, {epochs = 1, valid = test, progress = false, seed = 1})
    T.ok(h.valid[1].logloss < 0.65 and h.valid[1].auc > 0.69,
         string.format("one epoch: valid logloss %.4f, auc %.4f", h.valid[1].logloss, h.valid[1].auc))
    -- rescaled with the training rows' statistics, it is an input, and a sane one
    local st = ml:transform({year = "standardize"}, {stats = train})
    T.ok(st.year.mean > 1980 and st.year.mean < 2000 and st.year.std > 10, "mean and std of years")
    local s = rec.models.deepfm{data = ml, label = "like", embed_dim = 16, hidden = {64, 32}, seed = 1}
    T.ok(s:config():find('"n_dense":1', 1, true) ~= nil, "a standardised year is read")
    local far = 0
    for _, y in ipairs(ml:column("year")) do far = math.max(far, math.abs(y)) end
    T.ok(far < 8, "the 7 ratings of movies without a year get the catalogue's mean year, not "
                  .. "0 (over 100 std out): largest |z| " .. far .. " (1902 is 6 std out)")
    h = s:fit(train, {epochs = 1, valid = test, progress = false, seed = 1})
    T.ok(h.valid[1].logloss < 0.65 and h.valid[1].auc > 0.69,
         string.format("with the year: valid logloss %.4f, auc %.4f", h.valid[1].logloss, h.valid[1].auc))
    -- the mark survives ds:save / rec.data.load
    local path = os.tmpname()
    rec.data.movielens{rows = 500}:save(path)
    local back = rec.data.load(path)
    os.remove(path)
    T.ok(rec.models.fm{data = back, label = "like"}:config():find('"n_dense":0', 1, true) ~= nil,
         "a reloaded MovieLens keeps year raw")
  end},
  {"dense = n beside data = ... must agree with the data (reliability review B.3)", function()
    local ml = rec.data.movielens{rows = 2000, history = 0}
    local train = ml:split(0.8, {seed = 1})
    ml:transform({year = "standardize"}, {stats = train})
    T.err(function() rec.models.deepfm{data = ml, label = "like", dense = 0} end,
          "rec.models.deepfm: dense = 0, but the data has 1 dense feature column: leave dense "
          .. "out with data = ... (the data sets it), or drop a column first: "
          .. "ds:transform{name = 'drop'}", "dense = 0 with year an input")
    T.err(function() rec.models.fm{data = rec.data.synthetic_ctr{rows = 10, dense = 2}, dense = 3} end,
          "rec.models.fm: dense = 3, but the data has 2 dense feature columns: leave dense out "
          .. "with data = ... (the data sets it)", "more than the data has")
    T.ok(rec.models.deepfm{data = ml, label = "like", dense = 1}:config():find('"n_dense":1', 1, true),
         "the same number is fine")
  end},
  {"reliability review, reproducer 11: split of one row names the rows, not '%g'", function()
    T.err(function() rec.data.synthetic_ctr{rows = 1}:split(0.5) end,
          "split: 1 rows cannot be split 0.5 (each part needs a row)", "one row")
  end},
  {"errors name the column", function()
    local ml = rec.data.movielens{rows = 200, history = 0}
    T.err(function() ml:transform{item = "standardize"} end,
          "column 'item' is not a dense (numeric) column", "a categorical column")
    T.err(function() ml:transform{yaer = "standardize"} end, "no column 'yaer'", "a typo")
    T.err(function() ml:transform{year = "standardise"} end,
          "unknown transform 'standardise' (did you mean 'standardize'?)", "a spelling")
    T.err(function() ml:transform({year = "standardize"}, {stats = rec.data.movielens{rows = 5}})
          end, "a view (a split) of the same data set", "stats from another data set")
    local d = rec.data.movielens{rows = 200, history = 0}
    d:transform{year = "log1p"}
    T.err(function() d:transform{year = "minmax"}; d:transform{year = "log1p"};
                     d:transform{year = "drop"}; d:transform{year = "drop"} end,
          "column 'year' was dropped", "twice dropped")
  end},
}

T.done()
