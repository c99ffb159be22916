-- libsvm and libffm data sets train LR and FM (issue 10, item 5): a row's
-- index:value pairs are a weighted sparse bag, each entry adding w_i x_i to
-- the logit and, in FM, its vector x_i v_i to the pairwise term. The data are
-- written here with a known truth: a user-item affinity (a pairwise signal LR
-- cannot express) plus a numeric feature that both can use.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -p '" .. dir .. "'"))

-- 8000 rows: user u (index 1..40), item i (index 41..80), x at index 81.
local function write(path, ffm)
  math.randomseed(7)
  local U, V = {}, {}
  for k = 1, 40 do U[k] = {math.random() * 2 - 1, math.random() * 2 - 1} end
  for k = 1, 40 do V[k] = {math.random() * 2 - 1, math.random() * 2 - 1} end
  local f = assert(io.open(path, "w"))
  for _ = 1, 8000 do
    local u, i, x = math.random(40), math.random(40), math.random() * 2 - 1
    local z = 4 * (U[u][1] * V[i][1] + U[u][2] * V[i][2]) + 1.5 * x
    local y = math.random() < 1 / (1 + math.exp(-z)) and 1 or 0
    if ffm then
      f:write(("%d 0:%d:1 1:%d:1 2:81:%.4f\n"):format(y, u, 40 + i, x))
    else
      f:write(("%d %d:1 %d:1 81:%.4f\n"):format(y, u, 40 + i, x))
    end
  end
  f:close()
end

local svm, ffm = dir .. "/pairs.svm", dir .. "/pairs.ffm"
write(svm, false)
write(ffm, true)
local quiet = {epochs = 8, batch = 128, progress = false, lr = 0.02}

local auc = {}
T.cases{
  {"LR and FM train on a libsvm file; FM finds the pairwise signal LR cannot", function()
    local ds = rec.data.libsvm(svm)
    local train, test = ds:split(0.8, {seed = 1})
    for _, kind in ipairs{"lr", "fm"} do
      local m = rec.models[kind]{data = ds, seed = 1}
      T.ok(tostring(m):find("sparse bag of 82") ~= nil, kind .. " reads the bag: " .. tostring(m))
      m:fit(train, quiet)
      auc[kind] = m:evaluate(test).auc
    end
    -- LR sees x only (the affinity has no main effect: about 0.63 here); FM adds <v_u, v_i>
    print(("libsvm: LR AUC %.4f, FM AUC %.4f"):format(auc.lr, auc.fm))
    T.ok(auc.lr > 0.60 and auc.lr < 0.68, ("LR AUC %.4f"):format(auc.lr))
    T.ok(auc.fm > 0.80 and auc.fm > auc.lr + 0.1, ("FM AUC %.4f > LR %.4f + 0.1"):format(auc.fm, auc.lr))
  end},

  {"libffm's fields are read as the same bag (FM is field-agnostic)", function()
    local ds = rec.data.libffm(ffm)
    local train, test = ds:split(0.8, {seed = 1})
    local m = rec.models.fm{data = ds, seed = 1}
    m:fit(train, quiet)
    local a = m:evaluate(test).auc
    T.near(a, auc.fm, 0.01, ("libffm FM AUC %.4f, libsvm's %.4f"):format(a, auc.fm))
  end},

  {"FFM beats FM on field-specific interactions (an all-1 libffm file)", function()
    -- Three fields (user, item, context) and a truth in which each pair of
    -- fields interacts through its own 2-D tastes: 3<P_u,Q_i> + 3<R_u,S_c> +
    -- 3<A_i,B_c>. FFM at k = 2 holds that exactly (a vector per feature and
    -- opposite field); FM needs k = 6 to hold it. Every value is 1, as in
    -- Criteo's libffm files: such a file must still load as a bag.
    math.randomseed(5)
    local function tastes(n)
      local t = {}
      for k = 1, n do t[k] = {math.random() * 2 - 1, math.random() * 2 - 1} end
      return t
    end
    local P, Q, R, S, A, B = tastes(40), tastes(40), tastes(40), tastes(40), tastes(40), tastes(40)
    local function dot(a, b) return a[1] * b[1] + a[2] * b[2] end
    local path = dir .. "/fields.ffm"
    local f = assert(io.open(path, "w"))
    for _ = 1, 12000 do
      local u, i, c = math.random(40), math.random(40), math.random(40)
      local z = 3 * dot(P[u], Q[i]) + 3 * dot(R[u], S[c]) + 3 * dot(A[i], B[c])
      local y = math.random() < 1 / (1 + math.exp(-z)) and 1 or 0
      f:write(("%d 0:%d:1 1:%d:1 2:%d:1\n"):format(y, u, 40 + i, 80 + c))
    end
    f:close()
    local ds = rec.data.libffm(path)
    local train, test = ds:split(0.8, {seed = 1})
    local function auc_of(kind, dim)
      local m = rec.models[kind]{data = ds, seed = 1, embed_dim = dim}
      m:fit(train, {epochs = 10, batch = 128, progress = false, lr = 0.02})
      return m:evaluate(test).auc
    end
    local fm2, fm6, ffm2 = auc_of("fm", 2), auc_of("fm", 6), auc_of("ffm", 2)
    print(("fields: FM k=2 %.4f, FM k=6 %.4f, FFM k=2 %.4f"):format(fm2, fm6, ffm2))
    T.ok(ffm2 > fm2 + 0.1, ("FFM k=2 %.4f > FM k=2 %.4f + 0.1"):format(ffm2, fm2))
    -- at equal parameters per feature (6 numbers) FFM still edges ahead
    T.ok(ffm2 > fm6, ("FFM k=2 %.4f > FM k=6 %.4f"):format(ffm2, fm6))
  end},

  {"a saved bag model loads and predicts the same", function()
    local ds = rec.data.libsvm(svm)
    local m = rec.models.fm{data = ds, seed = 2}
    m:fit(ds, {epochs = 1, progress = false})
    local p = dir .. "/fm.safetensors"
    m:save(p)
    local l = rec.models.load(p)
    local a, b = m:predict(ds), l:predict(ds)
    local worst = 0
    for k = 1, #a do worst = math.max(worst, math.abs(a[k] - b[k])) end
    T.eq(worst, 0, "identical predictions after load")
  end},

  {"what does not read a bag says so", function()
    local ds = rec.data.libsvm(svm)
    T.err(function() rec.models.deepfm{data = ds} end,
          "rec.models.deepfm: the data's features are a sparse bag (libsvm / libffm "
          .. "index:value pairs), which deepfm does not read: lr, fm and ffm do", "deepfm")
    local m = rec.models.fm{bag = 10}
    T.err(function() m:fit(ds, {progress = false}) end,
          "outside [0, 10)", "ids beyond the model's bag")
    local lr = rec.models.lr{fields = {3}}
    T.err(function() lr:fit(ds, {progress = false}) end,
          "lr: the batch has 0 sparse fields, the model 1", "a field model on bag data")
  end},
}
os.execute("rm -rf '" .. dir .. "'")
T.done()
