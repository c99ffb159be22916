-- rec.models from Lua: every constructor, config errors, the notes' FM
-- example, fit (bar, callbacks, plot hook, stopping, errors), DIN's attention,
-- save/load, writable params; and every docstring's example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local function tmp(name)
  return os.tmpname() .. "-" .. name
end

T.cases{
  {"every kind builds and describes itself", function()
    local seq = rec.data.synthetic_seq{rows = 100}
    for _, k in ipairs{"lr", "fm", "mlp", "wide_deep", "deepfm", "din", "dien"} do
      local opts = {data = seq}
      if k ~= "lr" then opts.embed_dim = 4 end
      if k ~= "lr" and k ~= "fm" then opts.hidden = {8} end
      local m = rec.models[k](opts)
      T.eq(m:kind(), k, k .. " kind")
      T.ok(tostring(m):find("Total params: ", 1, true) ~= nil, k .. " summary")
      local total = 0
      for _, l in ipairs(m:layers()) do total = total + l.params end
      local n = 0
      for name, t in pairs(m:params()) do
        if not name:find("running_") and not name:find("dice_") then n = n + t:numel() end
      end
      T.eq(total, n, k .. ": the layers' counts add up to the parameters")
    end
  end},
  {"config errors name the key", function()
    T.err(function() rec.models.din{fields = {5}, seq_len = 4, atention = "softmax"} end,
          "rec.models.din: unknown option 'atention' (did you mean 'attention'?)", "typo")
    T.err(function() rec.models.mlp{fields = {3}, hidden = {40000, 40000}} end,
          "mlp: about 1600966171 parameters (at most 268435456)", "a size typo")
    T.err(function() rec.data.synthetic_seq{rows = 9000000, seq_len = 256} end,
          "synthetic seq: 9000000 rows of length 256 is too large", "huge data")
    T.err(function() rec.models.mlp{fields = {3}, activation = "gelu"} end,
          "rec.models.mlp: option 'activation' must be one of 'relu', 'prelu', 'dice', "
          .. "'sigmoid', got 'gelu' (did you mean 'relu'?)", "activation")
    T.err(function() rec.models.lr{} end, "rec.models.lr: give fields = {cardinality of each "
          .. "field} (or data = a rec.CtrData or rec.Dataset)", "no fields")
    -- the review's probe: a key the kind does not read names the key and who reads it
    T.err(function() rec.models.lr{fields = {3}, gru = "agru", aux_weight = 5} end,
          "rec.models.lr: lr does not read 'gru' (dien reads it; help(rec.models.lr) lists its "
          .. "keys)", "lr{gru = ...}")
    T.err(function() rec.models.fm{fields = {3}, hidden = {8}} end,
          "fm does not read 'hidden' (mlp, wide_deep, deepfm, din, dien read it", "fm{hidden}")
    T.err(function() rec.models.fm{fields = {3}, activation = "relu"} end,
          "fm does not read 'activation'", "fm{activation}")
    -- help lists only the kind's keys
    local fm_doc = help.get(rec.models.fm)
    T.ok(fm_doc:find("embed_dim = 8", 1, true) ~= nil, "help(fm) lists embed_dim")
    T.ok(fm_doc:find("gru", 1, true) == nil and fm_doc:find("hidden", 1, true) == nil,
         "help(fm) lists no key fm does not read")
    T.ok(help.get(rec.models.dien):find("gru = 'augru'", 1, true) ~= nil, "help(dien) lists gru")
    -- tasks: a single-head kind takes one, with its own name, label column and loss
    local reg = rec.models.lr{fields = {3}, tasks = {{name = "rating", loss = "mse"}}}
    T.ok(reg:config():find('"loss":"mse"', 1, true) ~= nil, "an MSE task is saved")
    T.err(function() rec.models.fm{fields = {3}, tasks = {{name = "a"}, {name = "b"}}} end,
          "fm has 1 head, not 2 tasks", "two tasks on one head")
    T.err(function() rec.models.din{fields = {5, 3}} end,
          "din needs a behaviour sequence: seq_len >= 1, got 0", "din without sequence")
    T.err(function() rec.models.wide_deep{fields = {5, 3}, crosses = {{1, 3}}} end,
          "wide_deep: cross 1 names field 3 of 2", "cross out of range")
    T.err(function() rec.models.fm{fields = {3}}:fit(rec.models.batch{sparse = {{1}}},
          {epoch = 2}) end, "fit: unknown option 'epoch' (did you mean 'epochs'?)", "fit typo")
    T.err(function() rec.models.fm{fields = {3}}:predict(rec.models.batch{sparse = {{3}}}) end,
          "fm: row 0, field 0: id 3 outside [0, 3)", "id out of range")
  end},
  {"the notes' FM example", function()
    local m = rec.models.fm{fields = {2, 2}, embed_dim = 2}
    m:params()["embed.weight"]:set{{1, -1}, {-1, 1}, {-2, 2}, {0.5, -0.5}}
    local b = rec.models.batch{sparse = {{1, 0}, {0, 0}, {0, 1}}} -- female+cosmetics, male+..., male+razor
    local p = m:predict(b)
    T.near(math.log(p[1] / (1 - p[1])), 4, 1e-5, "{female, cosmetics} = 4")
    T.near(math.log(p[2] / (1 - p[2])), -4, 1e-5, "{male, cosmetics} = -4")
    T.near(math.log(p[3] / (1 - p[3])), 1, 1e-5, "{male, razor} = 1")
    T.eq(m:interactions(b), {{4}, {-4}, {1}}, "the pairwise contributions")
    T.eq(m.attention, nil, "fm has no attention method (m:<Tab> offers only its views)")
    T.eq(m:views(), {"interactions"}, "fm's views")
    T.eq(m:view("interactions", b), {{4}, {-4}, {1}}, "m:view by name")
    T.err(function() m:view("attention", b) end, "fm has no view 'attention' (interactions)",
          "no attention")
  end},
  {"fit learns, with callbacks and the plot hook", function()
    local d = rec.data.synthetic_ctr{rows = 8000}
    local train, test = d:slice(1, 6000), d:slice(6001, 8000)
    local m = rec.models.deepfm{data = d, embed_dim = 4, hidden = {32, 16}}
    local steps, plotted, epochs = 0, 0, 0
    local h = m:fit(train, {epochs = 3, batch = 128, lr = 0.01, valid = test, progress = false,
                            on_step = function(p) steps = p.step end,
                            on_epoch = function(p) epochs = p.epoch; T.ok(p.valid.auc > 0.5) end,
                            plot = function(step, loss) plotted = step; assert(loss > 0) end})
    T.eq(h.steps, 3 * 47, "47 steps of 128 per epoch")
    T.eq(steps, h.steps, "on_step saw every step")
    T.eq(plotted, h.steps, "the plot hook saw every step")
    T.eq(epochs, 3, "on_epoch")
    T.eq(#h.loss, 3, "loss per epoch")
    T.ok(h.loss[3] < h.loss[1], "the loss falls")
    local e = m:evaluate(test)
    T.ok(e.auc > 0.72, "deepfm test AUC " .. e.auc .. " > 0.72")
    T.ok(e.gauc ~= nil, "gauc with a group column")
  end},
  {"callbacks stop fit; their errors end it with the model usable", function()
    local d = rec.data.synthetic_ctr{rows = 1000}
    local m = rec.models.fm{data = d}
    local h = m:fit(d, {epochs = 5, batch = 100, progress = false,
                        on_step = function(p) return p.step < 3 end})
    T.eq(h.steps, 3, "stopped after step 3")
    T.eq(h.stopped, "callback", "why")
    T.err(function()
      m:fit(d, {batch = 100, progress = false, on_step = function(p)
        if p.step == 2 then error("boom") end end})
    end, "boom", "the callback's error")
    T.eq(#m:predict(d:slice(1, 5)), 5, "still usable")
    T.err(function() d:slice(-5, 1e12) end,
          ("slice: rows -5..1000000000000 are outside 1..%d"):format(#d), "the rows as given")
    local w = rec.models.wide_deep{data = d, crosses = {{1, 2}}}
    local h2 = w:fit(d, {epochs = 2, batch = 100, progress = false,
                         optimizers = {wide = {kind = "ftrl", alpha = 0.1, l1 = 0.02},
                                       deep = {kind = "adagrad", lr = 0.05}}})
    T.eq(h2.steps, 20, "two optimizer groups")
    local zeros = 0
    for _, x in ipairs(w:params()["wide.cross"]:totable()) do
      if x[1] == 0 then zeros = zeros + 1 end
    end
    T.ok(zeros > 0, "FTRL's exact zeros on the wide part: " .. zeros)
  end},
  {"DIN attention: padding exactly 0, softmax sums to 1", function()
    local b = rec.models.batch{sparse = {{3, 1}, {4, 0}}, seq = {{1, 2}, {5, 6, 7}}, seq_len = 4,
                               labels = {1, 0}}
    for _, mode in ipairs{"none", "softmax", "scaled_softmax"} do
      local m = rec.models.din{fields = {8, 2}, seq_len = 4, attention = mode, embed_dim = 4,
                               att_hidden = {6}, hidden = {8}}
      local w = m:attention(b)
      T.eq(w[1][3], 0.0, mode .. ": padding")
      T.eq(w[1][4], 0.0, mode .. ": padding")
      T.eq(w[2][4], 0.0, mode .. ": padding")
      if mode ~= "none" then T.near(w[2][1] + w[2][2] + w[2][3], 1, 1e-6, mode .. " sums to 1") end
    end
    local dien = rec.models.dien{fields = {8, 2}, seq_len = 4, embed_dim = 4, hidden = {8}}
    local a = dien:attention(b)
    T.eq(a[1][3], 0.0, "dien padding")
    T.near(a[1][1] + a[1][2], 1, 1e-6, "dien softmax")
    T.eq(dien:views(), {"attention", "update_gate", "effective_gate"}, "dien's views")
    local u, e = dien:update_gate(b), dien:view("effective_gate", b)
    T.eq(u[1][3], 0.0, "update gate: padding")
    T.eq(e[2][4], 0.0, "effective gate: padding")
    for i = 1, 2 do
      for t = 1, i + 1 do
        T.ok(u[i][t] > 0 and u[i][t] < 1, "the update gate is a sigmoid's complement")
        T.near(e[i][t], a[i][t] * u[i][t], 1e-6, "effective = attention x update gate")
      end
    end
    local plain = rec.models.dien{fields = {8, 2}, seq_len = 4, embed_dim = 4, hidden = {8}, gru = "gru"}
    T.err(function() plain:view("effective_gate", b) end,
          "dien with gru = 'gru' has no update_gate or effective_gate view", "gru has no gates")
  end},
  {"save and load", function()
    local d = rec.data.synthetic_seq{rows = 300}
    local m = rec.models.din{data = d, embed_dim = 4, bn = true, hidden = {8}}
    m:fit(d, {progress = false})
    local path = tmp("din.safetensors")
    T.eq(m:save(path), m, "save returns the model")
    local l = rec.models.load(path)
    T.eq(l:predict(d), m:predict(d), "identical predictions")
    T.eq(l:config(), m:config(), "the config")
    local f = io.open(path, "rb"); local bytes = f:read("a"); f:close()
    local cut = tmp("cut.safetensors")
    f = io.open(cut, "wb"); f:write(bytes:sub(1, 100)); f:close()
    T.err(function() rec.models.load(cut) end, "load " .. cut .. ": the header claims ",
          "a truncated file")
    T.err(function() rec.models.load(tmp("nothing")) end, "No such file or directory", "missing")
    os.remove(path); os.remove(cut)
  end},
  {"params are the model's own, and die with it", function()
    local m = rec.models.lr{fields = {3}}
    local p = m:params()
    p["linear.bias"]:set{2}
    T.near(m:predict(rec.models.batch{sparse = {{0}}})[1], 1 / (1 + math.exp(-2)), 1e-6, "bias")
    m:close()
    T.err(function() return p["linear.bias"]:item() end, "closed", "closed model")
    T.err(function() m:predict(rec.models.batch{sparse = {{0}}}) end, "the model is closed",
          "closed")
  end},
  {"rec.data sets feed the models (MovieLens: like as the label, history as the sequence)",
   function()
    local ml = rec.data.movielens{rows = 2000, history = 5}
    local train, test = ml:split{frac = 0.8, seed = 1}
    local m = rec.models.din{data = ml, label = "like", embed_dim = 4, hidden = {16},
                             att_hidden = {8}}
    local fields = 0
    for _, l in ipairs(m:layers()) do if l.name == "embed" then fields = l.output end end
    T.eq(fields, "B x 7 x 4", "2 categorical fields (user, item) + 5 history items")
    local h = m:fit(train, {epochs = 1, valid = test, progress = false})
    T.eq(h.steps, 7, "1600 rows in batches of 256")
    T.ok(h.valid[1].auc > 0.5, "valid AUC " .. h.valid[1].auc)
    T.eq(#m:attention(test)[1], 5, "one weight per history item")
    T.eq(#m:predict(test), 400, "predict a rec.Dataset view")
    T.err(function() rec.models.lr{data = ml, label = "likes"} end,
          "ratings.csv: no label column 'likes'", "a missing label column")
  end},
  {"every docstring example runs", function()
    local names = {"lr", "fm", "mlp", "wide_deep", "deepfm", "din", "dien", "load", "batch"}
    local function run(doc, what)
      T.ok(doc ~= nil and doc.example ~= nil, what .. " has an example")
      if doc and doc.example then
        local chunk = assert(load(doc.example, what))
        local ok, err = pcall(chunk)
        T.ok(ok, what .. ": " .. tostring(err))
      end
    end
    for _, n in ipairs(names) do run(help.get and {example = select(2, help.get(rec.models[n]))}
                                     or nil, "rec.models." .. n) end
    for _, n in ipairs{"synthetic_ctr", "synthetic_seq"} do
      run({example = select(2, help.get(rec.data[n]))}, "rec.data." .. n)
    end
    T.eq(rec.models.synthetic_ctr, nil, "one home for the generators: rec.data")
    local m = rec.models.lr{fields = {3}}
    for _, meth in ipairs{"fit", "predict", "evaluate", "summary", "layers", "params", "save",
                          "view", "views", "config", "kind", "close"} do
      run({example = select(2, help.get(getmetatable(m).__index[meth]))}, "rec.Model:" .. meth)
    end
    local fm = rec.models.fm{fields = {2, 2}}
    local din = rec.models.din{fields = {5, 2}, seq_len = 3}
    run({example = select(2, help.get(getmetatable(fm).__index.interactions))},
        "rec.Model:interactions")
    run({example = select(2, help.get(getmetatable(din).__index.attention))}, "rec.Model:attention")
  end},
}

T.done()
