-- The multi-task models from Lua: constructors made from the config table (help lists only
-- each kind's keys), several label columns of a rec.Dataset, predict and evaluate per task,
-- m:gates, save/load, and every new docstring example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local mse = {{name = "y1", loss = "mse"}, {name = "y2", loss = "mse"}}

T.cases{
  {"each multi-task kind builds from a data set and describes itself", function()
    local d = rec.data.synthetic_multitask{rows = 300}
    for _, k in ipairs{"shared_bottom", "moe", "mmoe", "cgc", "ple"} do
      local m = rec.models[k]{data = d, tasks = mse}
      T.eq(m:kind(), k, k)
      local total = 0
      for _, l in ipairs(m:layers()) do total = total + l.params end
      local n = 0
      for _, t in pairs(m:params()) do n = n + t:numel() end
      T.eq(total, n, k .. ": the layers' counts add up to the parameters")
    end
    local f = rec.data.synthetic_funnel{rows = 300}
    T.eq(rec.models.esmm{data = f}:kind(), "esmm", "esmm on the funnel")
  end},
  {"help lists only the kind's keys; other keys are refused", function()
    local _, doc = pcall(function() return (help.get(rec.models.mmoe)) end)
    T.ok(type(doc) == "string", "mmoe has help")
    for _, key in ipairs{"n_experts", "expert_hidden", "tower_hidden", "tasks", "embed_dim"} do
      T.ok(doc:find(key .. " = ", 1, true) ~= nil, "mmoe's help lists " .. key)
    end
    for _, key in ipairs{"n_shared", "n_levels", "shared_gate", "; hidden =", "gru", "crosses"} do
      T.ok(doc:find(key, 1, true) == nil, "mmoe's help does not list " .. key)
    end
    local ple = help.get(rec.models.ple)
    T.ok(ple:find("shared_gate = 'all'", 1, true) ~= nil, "ple: shared_gate, the paper's default")
    T.ok(help.get(rec.models.esmm):find("tower_hidden = {64, 32}", 1, true) ~= nil,
         "esmm's towers")
    T.err(function() rec.models.mmoe{dense = 4, n_levels = 3} end,
          "mmoe does not read 'n_levels' (ple reads it", "n_levels is PLE's")
    T.err(function() rec.models.esmm{fields = {3}, n_experts = 3} end,
          "esmm does not read 'n_experts' (moe, mmoe, cgc, ple read it", "esmm has no experts")
    T.err(function() rec.models.ple{dense = 4, shared_gate = "some"} end, "shared_gate",
          "an unknown shared gate")
    T.err(function() rec.models.esmm{fields = {3}, tasks = {{name = "ctr"},
            {name = "cvr", label = 1}, {name = "ctcvr", label = 2}}} end,
          "esmm: the cvr head ('cvr') has no loss of its own", "ESMM's cvr has no loss")
  end},
  {"ESMM trains on the funnel: tasks by name, ctcvr = ctr x cvr", function()
    local f, truth = rec.data.synthetic_funnel{rows = 20000, users = 200, items = 100, seed = 3}
    local train, test = f:split{frac = 0.8, seed = 1}
    local m = rec.models.esmm{data = f, embed_dim = 8}
    local h = m:fit(train, {epochs = 5, lr = 0.01, valid = test, progress = false,
                            watch = "ctcvr.auc"})
    T.ok(h.valid[5].ctr.auc > 0.62, "ctr AUC " .. h.valid[5].ctr.auc)
    T.ok(h.valid[5].ctcvr.auc > 0.62, "ctcvr AUC " .. h.valid[5].ctcvr.auc)
    local e = m:evaluate(test)
    T.eq(e.cvr, nil, "the cvr head has no label: no metric")
    local p = m:predict(test)
    T.eq(#p.ctr, #test, "a probability per row and task")
    for i = 1, 20 do T.near(p.ctcvr[i], p.ctr[i] * p.cvr[i], 1e-6, "pCTCVR = pCTR x pCVR") end
    T.ok(truth.cvr[1] > 0 and truth.cvr[1] < 1, "the funnel's truth")
  end},
  {"label = {...} chooses the label columns and their order", function()
    local f = rec.data.synthetic_funnel{rows = 400}
    local m = rec.models.mmoe{data = f, label = {"conversion", "click"}, embed_dim = 4}
    local e = m:evaluate(f)
    T.ok(e.y1.auc and e.y2.auc, "y1 on conversion, y2 on click")
    T.err(function() rec.models.mmoe{data = f, label = {"click", "buy"}} end,
          "no label column 'buy' (label columns: 'click', 'conversion')", "a missing column")
    T.err(function() rec.models.lr{data = f} end,
          "2 label columns ('click', 'conversion'): choose one with label = ...",
          "one task, several label columns: an error at once")
    local lr = rec.models.lr{data = f, label = "click"}
    T.ok(lr:evaluate(f).auc ~= nil, "one label column as before")
  end},
  {"MMoE on the MMoE benchmark: per-task RMSE, gates, save and load", function()
    local d = rec.data.synthetic_multitask{rows = 3000, correlation = 0.5}
    local m = rec.models.mmoe{data = d, tasks = mse, n_experts = 3, expert_hidden = {8}}
    local before = m:evaluate(d)
    m:fit(d, {epochs = 3, lr = 0.01, progress = false})
    local after = m:evaluate(d)
    T.ok(after.y1.rmse < 0.7 * before.y1.rmse, "y1 RMSE falls: " .. before.y1.rmse .. " -> " ..
         after.y1.rmse)
    T.ok(after.y2.rmse < 0.7 * before.y2.rmse, "y2 RMSE falls")
    local g = m:gates(d)
    T.eq(#g, 3000, "a row per example")
    T.eq(#g[1], 2, "a gate per task")
    T.eq(#g[1][1], 3, "a weight per expert")
    T.near(g[5][2][1] + g[5][2][2] + g[5][2][3], 1, 1e-6, "a softmax")
    T.eq(m:views()[1], "gates", "its view")
    local path = os.tmpname()
    m:save(path)
    local l = rec.models.load(path)
    os.remove(path)
    local a, b = m:predict(d), l:predict(d)
    T.eq(a.y1[7], b.y1[7], "the same predictions after load")
    T.eq(a.y2[9], b.y2[9], "the same predictions after load")
    T.eq(l:gates(d)[3][1][2], g[3][1][2], "the same gates")
  end},
  {"gate entropy: uniform gates give log n; it agrees with m:gates; fit reports it", function()
    local d = rec.data.synthetic_multitask{rows = 1200, correlation = 0.5, seed = 4}
    local train, test = d:split{frac = 0.75, seed = 2}
    local m = rec.models.mmoe{data = d, tasks = mse, n_experts = 4, expert_hidden = {8}}
    for _, k in ipairs{"gate.0.out.weight", "gate.0.out.bias", "gate.1.out.weight",
                       "gate.1.out.bias"} do m:params()[k]:fill(0) end
    local u = m:gate_entropy(test)
    T.near(u.y1.per_row, math.log(4), 1e-6, "a uniform gate: H = log 4 on every row")
    T.near(u.y2.of_mean, math.log(4), 1e-6, "and of the mean")
    T.eq(u.y1.max, math.log(4), "max = log n")
    local h = m:fit(train, {epochs = 3, lr = 0.02, valid = test, progress = false})
    T.ok(h.valid[1].gate_entropy.y1 < math.log(4), "trained gates leave uniform: " ..
         h.valid[1].gate_entropy.y1)
    -- the same numbers from the rows of m:gates, in Lua
    local g, n = m:gates(test), #test
    local e = m:gate_entropy(test)
    for k, task in ipairs{"y1", "y2"} do
      local hsum, mean = 0, {0, 0, 0, 0}
      for r = 1, n do
        for i = 1, 4 do
          local w = g[r][k][i]
          hsum = hsum - w * math.log(w)
          mean[i] = mean[i] + w / n
        end
      end
      local hm = 0
      for i = 1, 4 do hm = hm - mean[i] * math.log(mean[i]) end
      T.near(e[task].per_row, hsum / n, 1e-5, task .. ": the mean of the rows' entropies")
      T.near(e[task].of_mean, hm, 1e-5, task .. ": the entropy of the mean gate")
      T.ok(e[task].per_row <= e[task].of_mean + 1e-9, task .. ": H(mean) >= mean H")
      T.near(h.valid[3]["gate_entropy"][task], e[task].per_row, 1e-9, "fit's last epoch")
      T.near(h.valid[3]["gate_entropy_of_mean"][task], e[task].of_mean, 1e-9, "fit's last epoch")
      local gm = m:gate_mean(test)
      for i = 1, 4 do T.near(gm[k][i], mean[i], 1e-5, "m:gate_mean is the mean of m:gates") end
    end
    T.eq(m:evaluate(test)["gate_entropy"].y2, e.y2.per_row, "m:evaluate has them too")
    T.eq(rec.models.shared_bottom{data = d, tasks = mse}.gate_entropy, nil,
         "only the gated kinds have the method")
    local c = rec.models.cgc{data = d, tasks = mse, n_experts = 2, n_shared = 1}
    local _, tasks, experts = c:gate_mean(test)
    T.eq(table.concat(tasks, ","), "y1,y2", "rows: the tasks")
    T.eq(table.concat(experts, ","), "own 1,own 2,shared 1", "cgc: own experts, then shared")
  end},
  {"fit{plot = true}: the gate heatmap follows m:gate_mean epoch by epoch", function()
    local d = rec.data.synthetic_multitask{rows = 2000, correlation = 0.5, seed = 5}
    local train, test = d:split{frac = 0.8, seed = 3}
    local m = rec.models.mmoe{data = d, tasks = mse, n_experts = 3, expert_hidden = {8}}
    local fig, first, seen, calls = nil, nil, {}, 0
    local hovers = {} -- cell label -> a pixel inside it
    local function cells(f)
      local w, hgt = f:size()
      for x = w // 2, w - 1, 12 do
        for y = 0, hgt - 1, 12 do
          local t = f:hover(x, y)
          local key = t and t:match("^(y%d / e%d):")
          if key and not hovers[key] then hovers[key] = {x, y} end
        end
      end
    end
    m:fit(train, {epochs = 4, lr = 0.03, valid = test, progress = false,
      plot = function(step, loss, valid, gates)
        calls = calls + 1
        T.ok(gates ~= nil and #gates.values == 2 and #gates.values[1] == 3, "gates each call")
        fig = rec.models.plot_hook(step, loss, valid, gates)
        if step == 1 and valid == nil then
          T.eq(gates.epoch, 0, "the gates before training")
          cells(fig)
          first = {}
          for key, p in pairs(hovers) do first[key] = {fig:pixel(p[1], p[2])} end
        end
        if valid ~= nil then seen[#seen + 1] = gates.epoch end
      end})
    T.eq(table.concat(seen, ","), "1,2,3,4", "redrawn after each epoch")
    local g, tasks, experts = m:gate_mean(test)
    local changed, biggest = 0, 0
    for k = 1, 2 do
      for i = 1, 3 do
        local key = tasks[k] .. " / " .. experts[i]
        local p = hovers[key]
        T.ok(p ~= nil, "the heatmap has cell " .. key)
        if p then
          T.eq(fig:hover(p[1], p[2]), string.format("%s: %.4g", key, g[k][i]),
               "the cell shows m:gate_mean of the validation rows")
          local r, gg, b = fig:pixel(p[1], p[2])
          local f = first[key]
          local diff = math.abs(r - f[1]) + math.abs(gg - f[2]) + math.abs(b - f[3])
          if diff > 0 then changed = changed + 1 end
          biggest = math.max(biggest, diff)
        end
      end
    end
    T.ok(changed >= 1 and biggest > 10, "a cell's colour changed between epoch 0 and 4 by " ..
         biggest .. " (" .. changed .. " cells changed)")
    local path = os.tmpname() .. ".png"
    fig:save(path)
    T.ok(io.open(path, "rb"):read(4) == "\x89PNG", "saved")
    os.remove(path)
    local s = m:plot_gates(test, {show = false})
    local w = s:size()
    T.ok(w > 0, "m:plot_gates draws the static heatmap")
  end},
  {"every new docstring example runs", function()
    local function run(example, what)
      T.ok(example ~= nil, what .. " has an example")
      if example then
        local ok, err = pcall(assert(load(example, what)))
        T.ok(ok, what .. ": " .. tostring(err))
      end
    end
    for _, n in ipairs{"shared_bottom", "moe", "mmoe", "esmm", "cgc", "ple"} do
      run(select(2, help.get(rec.models[n])), "rec.models." .. n)
    end
    local m = rec.models.mmoe{dense = 3}
    for _, f in ipairs{"gates", "gate_mean", "gate_entropy", "plot_gates"} do
      run(select(2, help.get(getmetatable(m).__index[f])), "rec.Model:" .. f)
    end
  end},
}

T.done()
