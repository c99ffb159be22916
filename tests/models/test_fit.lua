-- m:fit's optimizers (one spec reader with rec.optim) and callbacks that try
-- to close what fit uses (lua/fit.c, lua/optim.c).
local T = dofile(os.getenv("RECNOTE_TESTLIB"))

local d = rec.data.synthetic_ctr{rows = 4000, seed = 3}
local train, test = d:split(0.8, {seed = 1})
local quiet = {progress = false}
local function opts(t) for k, v in pairs(quiet) do t[k] = t[k] == nil and v or t[k] end return t end

T.cases{
  {"an absurd lr is a printed warning, and training goes on (reliability review B.3)", function()
    local said, print0 = {}, print
    print = function(...)
      local line = table.concat({...}, "\t")
      if line:find("^warning:") then said[#said + 1] = line end
    end
    local ok, err = pcall(function()
      local m = rec.models.fm{data = d, seed = 1}
      local h = m:fit(train, opts{lr = 1e6})
      T.eq(h.stopped, "done", "a warning, not an error")
      m:fit(train, opts{optimizer = {kind = "sgd", lr = 5}})           -- plausible for sgd
      m:fit(train, opts{optimizer = "adagrad", lr = 0.5})
      rec.optim.sgd{lr = 100}
      m:fit(train, opts{optimizer = {kind = "ftrl", alpha = 3}})
    end)
    print = print0
    T.ok(ok, tostring(err))
    T.eq(#said, 3, "three warnings: " .. table.concat(said, " | "))
    T.eq(said[1], "warning: fit: lr = 1e+06 is far above what the default optimizers can "
                  .. "follow (at most 1; the default is 0.005): the loss will likely grow "
                  .. "instead of fall (training goes on)", "fit's lr")
    T.eq(said[2], "warning: rec.optim.sgd: lr = 100 is far above what sgd can follow (at most "
                  .. "10; the default is 0.01): the loss will likely grow instead of fall "
                  .. "(training goes on)", "rec.optim.sgd")
    T.ok(said[3] ~= nil and said[3]:find("warning: fit: optimizer (ftrl): alpha = 3 is far above "
                                         .. "what ftrl can follow (at most 1;", 1, true) ~= nil,
         "a spec names its option: " .. tostring(said[3]))
  end},
  {"fit takes every option rec.optim.sgd takes (nesterov)", function()
    local m = rec.models.lr{data = d, seed = 1}
    local before = m:evaluate(test).auc
    local h = m:fit(train, opts{epochs = 3, optimizer = {kind = "sgd", nesterov = true,
                                                          momentum = 0.9, lr = 0.05}})
    local after = m:evaluate(test).auc
    T.eq(h.stopped, "done", "trained to the end")
    T.ok(h.loss[3] < h.loss[1], ("loss falls: %.4f -> %.4f"):format(h.loss[1], h.loss[3]))
    -- LR's ceiling on this data (its signal is pairwise) is what Adam reaches: about 0.60
    local ref = rec.models.lr{data = d, seed = 1}
    ref:fit(train, opts{epochs = 3, optimizer = {kind = "adam", lr = 0.01}})
    local adam = ref:evaluate(test).auc
    T.ok(before < 0.52 and after > 0.59 and math.abs(after - adam) < 0.01,
         ("valid AUC %.4f (from %.4f; Adam %.4f)"):format(after, before, adam))
    -- the same spec with a schedule and clipping, as rec.optim.sgd reads it
    m:fit(train, opts{optimizer = {kind = "sgd", momentum = 0.9, clip_norm = 5,
                                   schedule = {kind = "cosine", total = 20}}})
    T.err(function() m:fit(train, opts{optimizer = {kind = "sgd", betas = 1}}) end,
          "fit: optimizer (sgd): unknown option 'betas'", "an option sgd does not take")
    T.err(function() m:fit(train, opts{optimizer = {kind = "ftrl", lr = 0.1}}) end,
          "fit: optimizer (ftrl): unknown option 'lr' (did you mean 'l1'?)", "ftrl takes alpha")
    T.err(function() m:fit(train, opts{optimizer = {kind = "adamm"}}) end,
          "fit: optimizer: optimizer kind must be one of sgd, adagrad, adam, adamw, ftrl, got "
          .. "adamm (did you mean 'adam'?)", "a kind typo")
  end},

  {"a bad lr is refused in every optimizer spec, naming the option", function()
    local m = rec.models.lr{data = d}
    for _, lr in ipairs{0, -1, 0 / 0, math.huge} do
      T.err(function() m:fit(train, opts{optimizer = {kind = "sgd", lr = lr}}) end,
            "fit: optimizer (sgd): option 'lr' must be a finite number > 0", "spec lr " .. lr)
      T.err(function() m:fit(train, opts{lr = lr}) end,
            "fit: option 'lr' must be a finite number > 0", "fit lr " .. lr)
      T.err(function() m:fit(train, opts{optimizers = {[""] = {kind = "adam", lr = lr}}}) end,
            "fit: optimizers. (adam): option 'lr' must be a finite number > 0",
            "optimizers lr " .. lr)
      T.err(function() rec.optim.adam{lr = lr} end,
            "rec.optim.adam: option 'lr' must be a finite number > 0", "rec.optim lr " .. lr)
    end
    T.err(function() m:fit(train, opts{optimizers = {wide = {kind = "ftrl", alpha = 0}}}) end,
          "option 'alpha' must be a finite number > 0, got 0", "FTRL's alpha")
  end},

  {"a rec.Optimizer made without params is bound to the model by fit", function()
    -- the same steps as the spec: identical predictions
    local a = rec.models.fm{data = d, embed_dim = 4, seed = 5}
    local b = rec.models.fm{data = d, embed_dim = 4, seed = 5}
    local opt = rec.optim.adam{lr = 0.01}
    local ha = a:fit(train, opts{epochs = 2, optimizer = opt})
    b:fit(train, opts{epochs = 2, optimizer = {kind = "adam", lr = 0.01}})
    local pa, pb = a:predict(test), b:predict(test)
    local worst = 0
    for i = 1, #pa do worst = math.max(worst, math.abs(pa[i] - pb[i])) end
    T.eq(worst, 0, "rec.optim.adam{lr = 0.01} steps exactly as {kind = 'adam', lr = 0.01}")
    T.eq(opt:steps(), ha.steps, "the optimizer counted fit's steps")
    -- it keeps its state: a second fit continues
    local h2 = a:fit(train, opts{optimizer = opt})
    T.eq(opt:steps(), ha.steps + h2.steps, "state kept across fits")
    T.ok(tostring(opt):find("tensors", 1, true) ~= nil, tostring(opt))
    -- bound to a, it refuses b
    T.err(function() b:fit(train, opts{optimizer = opt}) end,
          "fit: optimizer: the rec.Optimizer updates parameters that are not this model's",
          "another model's optimizer")
    -- fit's lr cannot change it
    T.err(function() a:fit(train, opts{optimizer = opt, lr = 0.1}) end,
          "cannot change a rec.Optimizer's learning rate", "lr with an object")
    -- once the model is closed, the optimizer refuses to step
    a:close()
    T.err(function() opt:step() end, "is closed", "model closed under the optimizer")
  end},

  {"a rec.Optimizer holding the model's own tensors; other sets are refused", function()
    local m = rec.models.lr{data = d, seed = 2}
    local p = m:params()
    local ts = {}
    for _, t in pairs(p) do ts[#ts + 1] = t end
    local opt = rec.optim.sgd{lr = 0.5, params = ts}
    local before = m:evaluate(test).auc
    m:fit(train, opts{epochs = 2, optimizer = opt})
    T.ok(m:evaluate(test).auc > before + 0.05, "trained through the model's own tensors")
    local ps = rec.params(); ps:param("w", {2})
    T.err(function() m:fit(train, opts{optimizer = rec.optim.sgd{params = ps}}) end,
          "not this model's (1 of its 1 sources", "a rec.Params")
    local other = rec.models.lr{data = d}
    T.err(function()
      m:fit(train, opts{optimizer = rec.optim.sgd{params = {other:params()["linear.bias"]}}})
    end, "not this model's", "another model's tensor")
    -- per prefix: wide_deep with an FTRL object on wide.* and a spec on deep.*
    local wd = rec.models.wide_deep{data = d, seed = 1}
    local ftrl = rec.optim.ftrl{alpha = 0.1, l1 = 0.01}
    local h = wd:fit(train, opts{epochs = 2, optimizers = {wide = ftrl, deep = "adagrad"}})
    T.eq(ftrl:steps(), h.steps, "the FTRL object stepped")
    T.ok(wd:evaluate(test).auc > 0.56, "wide_deep learns: " .. wd:evaluate(test).auc)
    T.err(function() wd:fit(train, opts{optimizers = {wide = ftrl, deep = ftrl}}) end,
          "the same rec.Optimizer is given twice", "one object twice")
  end},

  {"closing what fit uses from a callback is an error, never a use-after-free", function()
    local function try(where, close_what)
      local m = rec.models.fm{data = d, embed_dim = 4}
      local tr, va = train:slice(1, 1000), test:slice(1, 300)
      local opt = rec.optim.adam{lr = 0.01}
      local objs = {model = m, data = tr, valid = va, optimizer = opt}
      local cb = function() objs[close_what]:close() end
      local o = opts{epochs = 2, valid = va, optimizer = opt}
      o[where] = cb
      T.err(function() m:fit(tr, o) end,
            "cannot close the " .. (close_what == "data" and "data set" or
                                    close_what == "valid" and "data set" or close_what) ..
            " while fit is using it", close_what .. " closed in " .. where)
      -- fit released everything: all of it still works, and closes
      T.eq(#m:predict(va), 300, "the model still predicts after " .. where)
      local h = m:fit(tr, opts{optimizer = opt})
      T.eq(h.stopped, "done", "and trains again")
      m:close(); tr:close(); va:close(); opt:close()
      T.err(function() m:summary() end, "the model is closed", "closed after fit")
    end
    for _, where in ipairs{"on_step", "on_epoch", "plot"} do
      for _, what in ipairs{"model", "data", "valid", "optimizer"} do try(where, what) end
    end
    -- a <close> variable in a callback is refused the same way
    local m = rec.models.lr{data = d}
    T.err(function()
      m:fit(train, opts{on_step = function() local x <close> = m end})
    end, "cannot close the model while fit is using it", "<close> in a callback")
    T.eq(m:kind(), "lr", "the model is intact")
  end},

  {"fit on a model already training is an error; a rec.Dataset may be closed", function()
    local m = rec.models.lr{data = d}
    T.err(function()
      m:fit(train, opts{on_step = function() m:fit(train, quiet) end})
    end, "fit: the model is already training", "re-entrant fit")
    -- another model may train inside the callback
    local other = rec.models.lr{data = d}
    local h = m:fit(train, opts{on_epoch = function() other:fit(train, quiet) end})
    T.eq(h.stopped, "done", "a different model trains inside on_epoch")
    -- a rec.Dataset is copied into rows first: closing it mid-fit is harmless
    local g = rec.data.gender_category{rows = 2000}
    local fm = rec.models.fm{data = g, label = "click", embed_dim = 2}
    local closed = false
    h = fm:fit(g, opts{epochs = 2, lr = 0.05, on_step = function()
      if not closed then g:close(); closed = true end
    end})
    T.eq(h.epochs, 2, "trained on its copy after the data set was closed")
    T.err(function() fm:evaluate(g) end, "the data set is closed", "the data set is closed")
  end},
}

T.done()
