-- rec.optim from Lua: updates, FTRL's exact zeros, lazy rows, groups by
-- prefix, schedules, option errors; and every docstring's example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

T.cases{
  {"sgd step", function()
    local w = rec.tensor({1}, {requires_grad = true})
    local opt = rec.optim.sgd{lr = 0.1, params = w}
    ;(w * w):sum():backward()
    opt:step()
    T.near(w:item(), 0.8, 1e-7, "w - lr * 2w")
    T.eq(w:grad():totable(), {0}, "step zeroes the gradient")
    T.eq(opt:steps(), 1, "steps")
  end},
  {"ftrl gives exact zeros with l1", function()
    local ps = rec.params()
    local w = ps:param("wide.w", {3})
    local opt = rec.optim.ftrl{alpha = 0.1, l1 = 1.0, params = ps, prefix = "wide."}
    for step = 1, 40 do
      -- gradient (s, 0.015, 0.5) elementwise: the first two stay below l1
      local s = step % 2 == 0 and 0.1 or -0.1
      local g = rec.tensor{s, 0.015, 0.5}
      ;(w * g):sum():backward()
      opt:step()
    end
    local v = w:totable()
    T.eq(v[1], 0.0, "noise coordinate is exactly 0")
    T.eq(v[2], 0.0, "weak coordinate is exactly 0")
    T.ok(v[3] < -0.1, "strong coordinate is not")
  end},
  {"lazy rows and groups by prefix", function()
    local ps = rec.params()
    local emb = ps:table("deep.emb", 50, 2, {init = "uniform", scale = 1, seed = 9})
    local wide = ps:param("wide.w", {2})
    local deep = rec.optim.adam{lr = 0.1, params = ps, prefix = "deep."}
    local fw = rec.optim.ftrl{params = ps, prefix = "wide."}
    local before = emb:totable()
    rec.nn.embedding(emb, {3, 3, 7}):sum():backward()
    deep:step()
    local after = emb:totable()
    local moved = 0
    for r = 1, 50 do
      if after[r][1] ~= before[r][1] then moved = moved + 1 end
    end
    T.eq(moved, 2, "only rows 3 and 7 moved")
    T.ok(after[4][1] ~= before[4][1] and after[8][1] ~= before[8][1], "the touched rows")
    T.err(function() rec.optim.sgd{params = ps, prefix = "nope."} end,
          "sgd: no parameter name starts with 'nope.'", "no match")
    T.err(function() fw:add(ps, "wide.") end, "ftrl: parameter 'wide.w' was added twice", "twice")
  end},
  {"schedules and clipping", function()
    local w = rec.tensor({0}, {requires_grad = true})
    local opt = rec.optim.sgd{lr = 1, params = w, clip_norm = 1,
                              schedule = {kind = "step", step_size = 2, gamma = 0.5}}
    local lrs = {}
    for i = 1, 4 do
      lrs[i] = opt:lr()
      ;(w * 10):sum():backward()  -- gradient 10, clipped to 1
      opt:step()
    end
    T.eq(lrs, {1, 1, 0.5, 0.5}, "step schedule")
    T.near(w:item(), -3, 1e-6, "clipped steps of lr * 1")
    T.near(opt:grad_norm(), 10, 1e-6, "norm before clipping")
    local c = rec.optim.adam{lr = 1, schedule = {kind = "cosine", warmup = 2, total = 12}}
    T.near(c:lr(), 0.5, 1e-7, "warm-up starts at lr / warmup")
  end},
  {"option errors", function()
    T.err(function() rec.optim.adam{lr = 0.1, betta2 = 0.9} end,
          "rec.optim.adam: unknown option 'betta2' (did you mean 'beta2'?)", "typo")
    T.err(function() rec.optim.ftrl{lr = 0.1} end,
          "rec.optim.ftrl: unknown option 'lr' (did you mean 'l1'?)", "ftrl takes alpha")
    T.err(function() rec.optim.sgd{lr = -1} end,
          "rec.optim.sgd: option 'lr' must be a finite number > 0, got -1", "negative lr")
    T.err(function() rec.optim.adam{lr = 0} end,
          "rec.optim.adam: option 'lr' must be a finite number > 0, got 0", "zero lr")
    T.err(function() rec.optim.adagrad{lr = 0 / 0} end,
          "rec.optim.adagrad: option 'lr' must be a finite number > 0, got", "NaN lr")
    T.err(function() rec.optim.ftrl{alpha = math.huge} end,
          "rec.optim.ftrl: option 'alpha' must be a finite number > 0, got inf", "infinite alpha")
    T.err(function() rec.optim.sgd{lr = "fast"} end,
          "option 'lr' must be a finite number > 0, got string", "type")
    T.err(function() rec.optim.sgd{nesterov = 1} end,
          "rec.optim.sgd: option 'nesterov' must be true or false, got 1", "a boolean")
    T.err(function() rec.optim.sgd{schedule = {kind = "cosin", total = 10}} end,
          "rec.optim.sgd schedule: option 'kind' must be one of 'constant', 'linear', 'step', "
          .. "'cosine', got 'cosin' (did you mean 'cosine'?)", "schedule kind")
    T.err(function() rec.optim.sgd{schedule = {kind = "cosine"}} end,
          "total > warmup", "cosine needs total")
    T.err(function() rec.optim.sgd{params = rec.ones{2}} end, "the tensor has no gradient",
          "no gradient")
    local ps = rec.params()
    ps:param("w", {1})
    local opt = rec.optim.sgd{params = ps}
    ps:close()
    T.err(function() opt:step() end, "a parameter set or tensor given to this optimizer is closed",
          "closed set")
  end},
  {"every documented function has a runnable example", function()
    local checked, failed = 0, {}
    local quiet = {print = function() end, rec = rec}
    setmetatable(quiet, {__index = _G})
    local function visit(tbl, prefix, method)
      for name, fn in pairs(tbl) do
        if type(fn) == "function" then
          local doc, example = help.get(fn)
          if not doc or not example then
            failed[#failed + 1] = prefix .. name .. " has no docstring or example"
          else
            local chunk, err = load(example, "=" .. prefix .. name, "t", quiet)
            local ok, msg = chunk ~= nil, err
            if chunk then ok, msg = pcall(chunk) end
            if not ok then failed[#failed + 1] = prefix .. name .. ": " .. tostring(msg) end
            checked = checked + 1
          end
          rec.autograd.reset()
        end
      end
    end
    for _, part in ipairs{"nn", "loss", "optim", "autograd"} do visit(rec[part], "rec." .. part .. ".") end
    for _, name in ipairs{"tensor", "zeros", "ones", "randn", "rand", "params"} do
      visit({[name] = rec[name]}, "rec.")
    end
    visit(getmetatable(rec.zeros{1}).__index, "Tensor:")
    visit(getmetatable(rec.params()).__index, "Params:")
    visit(getmetatable(rec.optim.sgd()).__index, "Optimizer:")
    T.eq(failed, {}, "docstrings")
    T.ok(checked >= 90, "examples run: " .. checked)
  end},
}
T.done()
