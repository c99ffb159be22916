-- rec.metrics and rec.data called with wrong arguments of every kind: each
-- call returns or raises a Lua error, never crashes (the sanitizer build runs
-- this too), and an error is a readable message.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local ml = rec.data.movielens{rows = 40}
local view = ml:shuffle(1)
local closed = rec.data.movielens{rows = 5}
closed:close()
local values = {
  nil, 0, -1, 1.5, 0 / 0, math.huge, -math.huge, math.maxinteger, math.mininteger, "", "x",
  "rating", "genres", true, false, {}, {1}, {0, 1}, {"a", "b"}, {{1, 2}, {3}}, {{}}, {1, {}},
  {[0] = 1}, {x = 1}, {frac = 2}, {by = "time"}, {seed = -5}, {seed = 1e300}, {weighted = "yes"},
  {columns = {{"id", "int"}}}, {columns = {"x"}}, {columns = {{1, 2}}}, print,
  ml, view, closed, rec.tensor{1, 2}, io.stdout,
}
local n_values = 0     -- the list holds a nil: # is unreliable, the largest index is not
for k in pairs(values) do n_values = math.max(n_values, k) end

local calls = {
  rec.metrics.auc, rec.metrics.gauc, rec.metrics.logloss, rec.metrics.rmse,
  rec.metrics.accuracy, rec.metrics.recall_at_k, rec.metrics.ndcg_at_k,
  rec.metrics.hit_rate_at_k, rec.metrics.mrr, rec.data.csv, rec.data.libsvm,
  rec.data.libffm, rec.data.movielens,
}
for _, name in ipairs{"split", "shuffle", "batches", "column", "schema", "head", "vocab",
                      "rows", "tensor", "padded", "histories"} do
  local method = getmetatable(ml).__index[name]
  calls[#calls + 1] = function(...) return method(...) end
end

-- a seeded generator of our own, so the run is the same every time
local state = 12345
local function pick(n)
  state = (state * 1103515245 + 12345) % 2147483648
  return state % n + 1
end

local n_ok, n_err = 0, 0
for round = 1, 3000 do
  local f = calls[pick(#calls)]
  local a, b, c, d = values[pick(n_values)], values[pick(n_values)], values[pick(n_values)],
                     values[pick(n_values)]
  local ok, err = pcall(f, a, b, c, d)
  if ok then
    n_ok = n_ok + 1
    if type(err) == "function" then   -- an iterator from :batches: run it a little
      for _ = 1, 3 do pcall(err) end
    end
  else
    n_err = n_err + 1
    if type(err) ~= "string" or #err < 8 then
      T.ok(false, "round " .. round .. ": unreadable error " .. tostring(err))
    end
  end
end
T.eq(n_values, 38, "values to try")
T.ok(n_ok > 10 and n_err > 1000, "both outcomes seen (" .. n_ok .. " ok, " .. n_err .. " errors)")
-- the data set is still sound afterwards
T.eq(#ml, 40, "rows")
T.eq(ml:head(1)[1].rating, 2.0, "values")
T.done()
