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
    run(select(2, help.get(getmetatable(m).__index.gates)), "rec.Model:gates")
  end},
}

T.done()
