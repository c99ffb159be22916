-- Nothing done from Lua crashes the process: every function of rec.nn,
-- rec.loss, rec.optim, rec.autograd and the tensor/params methods is called
-- with seeded random mixes of arguments (tensors of assorted shapes, steps
-- that ended, closed objects, numbers, strings, tables, nil). Each call must
-- return or raise a Lua error; the sanitizer build checks memory on the way.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local seed = tonumber(os.getenv("RECNOTE_FUZZ_SEED")) or 12345
local function rnd(n) seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n + 1 end

local ps = rec.params()
local pool = {}
local function refill()
  rec.autograd.reset()
  pool = {
    rec.randn({4, 3}, {seed = 1}), rec.randn({3, 4}, {seed = 2}), rec.ones{3},
    rec.rand({2, 3, 4}, {seed = 3}), rec.tensor{{1, 0, 1}, {1, 1, 0}}, rec.zeros{1},
    rec.ones({4, 3}, {requires_grad = true}), ps:get("w"), ps:get("emb"),
    rec.ones{2, 2, 2, 2}, rec.tensor{-1, 0, 1}, rec.ones{12, 3},
  }
  pool[#pool + 1] = pool[7] * 2            -- a step tensor
  local stale = pool[7] + 1
  rec.autograd.reset()
  pool[#pool + 1] = stale                  -- a step that ended
  local closed = rec.ones{2}; closed:close()
  pool[#pool + 1] = closed
end
ps:param("w", {3, 3}, {init = "normal", seed = 4})
ps:table("emb", 6, 3)

local extras = {0, 1, -1, 2, 3, 0.5, 1e9, -1e9, 0 / 0, "x", "sum", {}, {1, 2}, {{0, 1}, {2, 3}},
                {0, 5, 100}, {-1}, {mode = "max"}, {mode = "weighted"}, {keepdim = true},
                {trans_a = true}, {eps = -1}, {momentum = 2}, true, print}
local function arg()
  local k = rnd(8)
  if k == 1 then return nil end
  if k <= 3 then return extras[rnd(#extras)] end
  return pool[rnd(#pool)]
end

local calls, errors = 0, 0
local function try(f)
  local a = {}
  local n = rnd(6) - 1
  for i = 1, n do a[i] = arg() end
  local ok = pcall(f, table.unpack(a, 1, n))
  calls = calls + 1
  if not ok then errors = errors + 1 end
end

refill()
local targets = {}
for _, part in ipairs{"nn", "loss", "autograd"} do
  for name, f in pairs(rec[part]) do
    if type(f) == "function" then targets[#targets + 1] = {part .. "." .. name, f} end
  end
end
for _, name in ipairs{"tensor", "zeros", "ones", "randn", "rand"} do
  targets[#targets + 1] = {name, rec[name]}
end
for name, f in pairs(getmetatable(pool[1]).__index) do
  if name ~= "close" then targets[#targets + 1] = {"Tensor:" .. name, f} end
end
table.sort(targets, function(x, y) return x[1] < y[1] end)

for round = 1, 60 do
  for _, t in ipairs(targets) do try(t[2]) end
  if round % 10 == 0 then refill() end
end
-- optimizers on random sources, then steps
for round = 1, 30 do
  local kinds = {"sgd", "adagrad", "adam", "adamw", "ftrl"}
  local ok, opt = pcall(rec.optim[kinds[rnd(5)]], {params = (rnd(2) == 1) and ps or pool[7]})
  calls = calls + 1
  if ok then
    pcall(function() rec.loss.mse(pool[7] * pool[7], pool[1]):backward() end)
    pcall(opt.step, opt)
    pcall(opt.add, opt, arg(), arg())
  end
  refill()
end
T.ok(calls > 3000, "calls made: " .. calls)
T.ok(errors > 0 and errors < calls, "some calls fail cleanly, some succeed: " .. errors)
-- the module still works afterwards
rec.autograd.reset()
T.eq((rec.ones{2} + 1):totable(), {2, 2}, "still usable")
T.done()
