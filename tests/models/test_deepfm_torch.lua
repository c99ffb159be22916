-- A tiny DeepFM against PyTorch (fixtures/deepfm_step.txt, written by
-- make_deepfm_fixture.py): the same parameters and batch give the same
-- probabilities; one SGD step with lr 1 moves every parameter by minus
-- PyTorch's gradient of the mean binary cross-entropy; three Adam steps
-- (lr 0.01) end where torch.optim.Adam's do.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local here = os.getenv("RECNOTE_DATA_DIR") .. "/tests/models/fixtures/deepfm_step.txt"
local fx = {param = {}, grad = {}, adam3 = {}}
for line in io.lines(here) do
  local key, rest = line:match("^(%S+) (.*)$")
  if key == "param" or key == "grad" or key == "adam3" then
    local name, nums = rest:match("^(%S+) (.*)$")
    local t = {}
    for x in nums:gmatch("%S+") do t[#t + 1] = tonumber(x) end
    fx[key][name] = t
  elseif key == "batch" then
    fx.batch = {}
    for a, b in rest:gmatch("(%d+),(%d+)") do fx.batch[#fx.batch + 1] = {tonumber(a), tonumber(b)} end
  elseif key == "labels" or key == "logits" then
    fx[key] = {}
    for x in rest:gmatch("%S+") do fx[key][#fx[key] + 1] = tonumber(x) end
  end
end

local m = rec.models.deepfm{fields = {3, 4}, embed_dim = 2, hidden = {3}, seed = 1}
local params = m:params()
local function flat(t) -- a tensor's values in row-major order
  local out = {}
  local v = t:totable()
  for _, row in ipairs(v) do
    if type(row) == "table" then for _, x in ipairs(row) do out[#out + 1] = x end
    else out[#out + 1] = row end
  end
  return out
end
local function set(name)
  local t, vals = params[name], fx.param[name]
  local shape = t:shape()
  if #shape == 1 then
    t:set(vals)
  else
    local rows = {}
    for r = 1, shape[1] do
      rows[r] = {}
      for c = 1, shape[2] do rows[r][c] = vals[(r - 1) * shape[2] + c] end
    end
    t:set(rows)
  end
end
for name in pairs(fx.param) do set(name) end

local data = rec.models.batch{sparse = fx.batch, labels = fx.labels}
local p = m:predict(data)
for i, z in ipairs(fx.logits) do
  T.near(p[i], 1 / (1 + math.exp(-z)), 1e-6, "probability of row " .. i)
end

local before = {}
for name in pairs(fx.param) do before[name] = flat(params[name]) end
m:fit(data, {epochs = 1, batch = #fx.batch, shuffle = false, progress = false,
             optimizer = {kind = "sgd", lr = 1}})
local worst, where = 0, ""
for name, g in pairs(fx.grad) do
  local after = flat(params[name])
  for i, gi in ipairs(g) do
    local moved = before[name][i] - after[i]
    local err = math.abs(moved - gi) / math.max(1e-3, math.abs(gi))
    if err > worst then worst, where = err, string.format("%s[%d]: %.7g vs %.7g", name, i, moved, gi) end
  end
end
print(string.format("worst relative difference %.3g at %s", worst, where))
T.ok(worst < 1e-4, string.format("one SGD step equals PyTorch's gradient (worst %.2g at %s)", worst, where))

-- Three Adam steps from the same start.
for name in pairs(fx.param) do set(name) end
m:fit(data, {epochs = 3, batch = #fx.batch, shuffle = false, progress = false,
             optimizer = {kind = "adam", lr = 0.01}})
worst, where = 0, ""
for name, want in pairs(fx.adam3) do
  local got = flat(params[name])
  for i, w in ipairs(want) do
    local err = math.abs(got[i] - w)
    if err > worst then worst, where = err, string.format("%s[%d]: %.7g vs %.7g", name, i, got[i], w) end
  end
end
print(string.format("Adam: worst absolute difference %.3g at %s", worst, where))
T.ok(worst < 1e-5, string.format("three Adam steps end where PyTorch's do (worst %.2g at %s)", worst, where))
T.done()
