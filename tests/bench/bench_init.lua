-- recnote's side of tests/bench/bench_init.py (a benchmark, not a test): trains
-- one DeepFM on rows the Python script wrote, and writes its validation AUC and
-- per-step training losses. Run by bench_init.py as
--
--   recnote --headless bench_init.lua DATA OUT key=value ...
--
-- DATA is text: a header "n_train n_valid F card_1 ... card_F", then one row
-- per line "id_1 ... id_F label" (ids from 0), the training rows first. Keys:
-- init (torch | xavier), seed (model and shuffling), embed_dim, hidden (widths
-- joined by '-', e.g. 400-400-400), bn (0 | 1), lr, batch, epochs, init_std.
-- OUT gets "auc A" and "train_auc A" on one line each, then "loss l_1 l_2 ..."
-- (every step's batch loss) and "valid_auc_epoch a_1 ..." (after each epoch).
--
-- The second mode plots bench_init.py's curves (a CSV of step, then one
-- column per series) as a PNG through rec.plot:
--
--   recnote --headless bench_init.lua --plot CURVES.csv OUT.png "title"

local function split(s, sep)
  local out = {}
  for w in s:gmatch("[^" .. sep .. "]+") do out[#out + 1] = w end
  return out
end

if arg[1] == "--plot" then
  local lines = {}
  for line in io.lines(arg[2]) do lines[#lines + 1] = line end
  local names = split(lines[1], ",")
  local cols = {}
  for j = 1, #names do cols[j] = {} end
  for i = 2, #lines do
    local v = split(lines[i], ",")
    for j = 1, #names do cols[j][i - 1] = tonumber(v[j]) end
  end
  local series = {}
  for j = 2, #names do series[#series + 1] = {name = names[j], x = cols[1], y = cols[j]} end
  local fig = rec.plot.line{series = series, title = arg[4] or "training loss per step",
                            xlabel = "step (batch 256, first epoch)",
                            ylabel = "BCE loss (median over seeds, 20-step mean)",
                            width = 1000, height = 560, show = false}
  fig:save(arg[3])
  return
end

local data_path, out_path = arg[1], arg[2]
local opt = {init = "torch", seed = "1", embed_dim = "16", hidden = "400-400-400", bn = "0",
             lr = "0.001", batch = "256", epochs = "1", init_std = "0.05"}
for i = 3, #arg do
  local k, v = arg[i]:match("^([%w_]+)=(.*)$")
  assert(k and opt[k], "bench_init.lua: unknown option " .. arg[i])
  opt[k] = v
end

local rows, labels = {}, {}
local it = io.lines(data_path)
local head = split(it(), " ")
local n_train, n_valid, F = tonumber(head[1]), tonumber(head[2]), tonumber(head[3])
local fields = {}
for f = 1, F do fields[f] = tonumber(head[3 + f]) end
for line in it do
  local v = split(line, " ")
  local r = {}
  for f = 1, F do r[f] = tonumber(v[f]) end
  rows[#rows + 1], labels[#labels + 1] = r, tonumber(v[F + 1])
end
assert(#rows == n_train + n_valid, "bench_init.lua: row count does not match the header")
local function part(a, b)
  local s, l = {}, {}
  for i = a, b do s[#s + 1], l[#l + 1] = rows[i], labels[i] end
  return rec.models.batch{sparse = s, labels = l}
end
local train, valid = part(1, n_train), part(n_train + 1, n_train + n_valid)
rows, labels = nil, nil
collectgarbage()

local hidden = {}
for _, w in ipairs(split(opt.hidden, "-")) do hidden[#hidden + 1] = tonumber(w) end
local seed = tonumber(opt.seed)
local m = rec.models.deepfm{fields = fields, embed_dim = tonumber(opt.embed_dim), hidden = hidden,
                            bn = opt.bn == "1", init = opt.init, seed = seed,
                            init_std = tonumber(opt.init_std)}
local losses, epoch_auc = {}, {}
m:fit(train, {epochs = tonumber(opt.epochs), batch = tonumber(opt.batch), lr = tonumber(opt.lr),
              seed = seed, progress = false, valid = valid,
              on_step = function(p) losses[#losses + 1] = string.format("%.6f", p.loss) end,
              on_epoch = function(p) epoch_auc[#epoch_auc + 1] = string.format("%.6f", p.valid.auc) end})
local f = assert(io.open(out_path, "w"))
f:write(string.format("auc %.6f\ntrain_auc %.6f\n", m:evaluate(valid).auc, m:evaluate(train).auc))
f:write("loss " .. table.concat(losses, " ") .. "\n")
f:write("valid_auc_epoch " .. table.concat(epoch_auc, " ") .. "\n")
f:close()
