-- rec.data and rec.Dataset: CSV with a schema (quoted fields, NA, hashing,
-- multi-hot), libsvm and libffm, MovieLens; splits, shuffles and batches as
-- views; column access; errors word for word (unknown keys name the nearest
-- known one); closing; and every docstring example runs.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"
local D = rec.data
local root = os.getenv("RECNOTE_DATA_DIR")
local fixtures = root .. "/tests/engine/data_fixtures/"

local schema = {
  columns = {{"id", "int"}, {"name", "cat"}, {"score", "dense", fill = -1}, {"click", "label"},
             {name = "tags", kind = "seq", sep = "|"}, {"ts", "int"}},
  group = "name", time = "ts",
}

T.cases {
  {"csv with a schema", function()
    local ds = D.csv(fixtures .. "good.csv", schema)
    T.eq(#ds, 4, "rows")
    T.eq(ds:column("id"), {1, 2, 3, 4}, "int column")
    T.eq(ds:column("name"), {1, 2, 3, 0}, "cat ids; 0 = missing")
    local names = ds:vocab("name")
    T.eq(names, {'Smith, "Bob"', "line one\nline two", "plain"}, "quoted fields")
    T.eq(ds:column("score"), {0.5, -1, 2.25, -1}, "dense with fill")
    T.eq(ds:column("click"), {1, 0, 1, 0}, "labels")
    T.eq(ds:column("tags"), {{1, 2}, {}, {2, 3, 1}, {}}, "multi-hot")
    local sc = ds:schema()
    T.eq(sc[2], {name = "name", kind = "cat", cardinality = 4, missing = 1, group = true},
         "schema entry")
    T.eq(sc[3].missing, 2, "missing scores")
    T.eq(ds:head(1)[1], {id = 1, name = 1, score = 0.5, click = 1, tags = {1, 2}, ts = 100},
         "head")
    T.ok(tostring(ds):find("rec.Dataset: 4 rows from " .. fixtures .. "good.csv", 1, true),
         "tostring names the source")
    T.ok(tostring(ds):find("[1] id=1 name=Smith, \"Bob\" score=0.5 click=1 tags={a,b} ts=100",
                           1, true), "tostring shows rows")
    local hashed = D.csv(fixtures .. "good.csv",
                         {columns = {{"name", "cat", hash = 10}, {"click", "label"}}, rows = 2})
    T.eq(#hashed, 2, "rows = 2")
    T.eq(hashed:schema()[1].cardinality, 11, "hashed: buckets + 1")
    T.err(function() hashed:vocab("name") end, "column 'name' has no vocabulary (it is hashed)",
          "no vocabulary when hashed")
  end},
  {"csv errors", function()
    T.err(function() D.csv(fixtures .. "good.csv", {colums = {}}) end,
          "rec.data.csv: unknown option 'colums' (did you mean 'columns'?)", "unknown key")
    T.err(function() D.csv(fixtures .. "good.csv", {columns = {{"id", "ints"}}}) end,
          "rec.data.csv: column 'id': unknown kind 'ints' (did you mean 'int'?)", "unknown kind")
    T.err(function() D.csv(fixtures .. "good.csv", {columns = {{"id", "cat", hsah = 3}}}) end,
          "rec.data.csv column: unknown option 'hsah' (did you mean 'hash'?)", "column key")
    T.err(function() D.csv(fixtures .. "good.csv", {columns = {{"nope", "dense"}}}) end,
          fixtures .. "good.csv:1:1: column 'nope' of the schema is not in the header",
          "column not in header")
    local bad = root .. "/tests/engine/malformed/not_numeric.csv"
    T.err(function()
      D.csv(bad, {columns = {{"id", "int"}, {"score", "dense"}}})
    end, bad .. ":2:5: column 'score': expected a number, got \"abc\"", "file:line:column")
    T.err(function() D.csv(42) end, "bad argument #2 to 'csv' (table expected, got no value)",
          "no schema")
  end},
  {"libsvm and libffm", function()
    local s = D.libsvm(fixtures .. "good.svm")
    T.eq(#s, 3, "rows")
    T.eq(s:column("label"), {1, 0, -1}, "labels")
    local ids, vals = s:column("features")
    T.eq(ids, {{1, 10}, {3}, {2}}, "indices")
    T.eq(vals, {{0.5, 2}, {1}, {-15}}, "values")
    T.eq(s:column("qid"), {3, 3, 4}, "qid")
    local f = D.libffm(fixtures .. "good.ffm")
    T.eq(f:column("features"), {{1, 3}, {5}}, "ffm indices")
    local bad = root .. "/tests/engine/malformed/libsvm_bad_pair.svm"
    T.err(function() D.libsvm(bad) end,
          bad .. ":1:9: feature 2: expected index:value, got \"7\"", "libsvm error")
  end},
  {"movielens, splits, shuffles, batches", function()
    local ml = D.movielens{rows = 2000}
    T.eq(#ml, 2000, "rows")
    T.eq(ml:head(1)[1].rating, 2.0, "first rating")
    local ids, titles = ml:vocab("item")
    T.eq(ids[1], "2294", "first movie id")
    T.eq(titles[1], "Antz (1998)", "its title")
    -- like is rating >= 4, so ranking by rating orders every user perfectly
    local v, info = rec.metrics.gauc(ml:column("like"), ml:column("rating"), ml:column("user"))
    T.eq(v, 1.0, "gAUC of like by rating")
    T.ok(info.used >= 1 and info.used <= info.groups, "groups used")

    local a, b = ml:split(0.9, {seed = 7})
    T.eq({#a, #b}, {1800, 200}, "random split sizes")
    local a2 = ml:split(0.9, {seed = 7})
    T.eq(a:rows(), a2:rows(), "same seed, same split")
    local seen, ok = {}, true
    for _, r in ipairs(a:rows()) do seen[r] = true end
    for _, r in ipairs(b:rows()) do ok = ok and not seen[r]; seen[r] = true end
    local count = 0
    for _ in pairs(seen) do count = count + 1 end
    T.ok(ok and count == 2000, "disjoint and complete")
    local c, d = a:split(0.5, {seed = 1})
    T.eq(#c + #d, 1800, "a split of a split")

    local past, future = ml:split(0.75, {by = "time"})
    local tmax, tmin = -math.huge, math.huge
    for _, t in ipairs(past:column("timestamp")) do tmax = math.max(tmax, t) end
    for _, t in ipairs(future:column("timestamp")) do tmin = math.min(tmin, t) end
    T.ok(#past == 1500 and tmax <= tmin, "time split: the past before the future")

    local train, test = ml:split{by = "leave_last"}
    local users = {}
    for _, u in ipairs(ml:column("user")) do users[u] = true end
    local n_users = 0
    for _ in pairs(users) do n_users = n_users + 1 end
    T.eq(#test, n_users, "one test row per user")
    T.eq(#train + #test, 2000, "leave-last-out covers all rows")

    local s1, s2 = ml:shuffle(3), ml:shuffle(3)
    T.eq(s1:rows(), s2:rows(), "seeded shuffle")
    T.ok(table.concat(s1:rows(), ",") ~= table.concat(ml:shuffle(4):rows(), ","), "seeds differ")

    local sizes, all = {}, {}
    for i, batch in s1:batches(600) do
      sizes[i] = #batch
      for _, r in ipairs(batch:rows()) do all[#all + 1] = r end
    end
    T.eq(sizes, {600, 600, 600, 200}, "batch sizes")
    T.eq(all, s1:rows(), "batches cover the view in order")
    local n = 0
    for _, batch in ml:batches(512, {shuffle = true, seed = 9}) do n = n + #batch end
    T.eq(n, 2000, "shuffled batches")

    local y = ml:tensor("like")
    T.eq(y:shape(), {2000}, "a column as a tensor")
    local X = b:tensor{"rating", "year"}
    T.eq(X:shape(), {200, 2}, "columns of a view as a matrix")
    T.eq(X:totable()[1][1], b:column("rating")[1], "same values")

    local hids, mask = ml:padded("history", 3)
    T.eq(#hids, 2000, "padded rows")
    T.eq(hids[1], {0, 0, 0}, "no history: all padding")
    local item = ml:column("item")
    T.eq(hids[3], {item[1], item[2], 0}, "two earlier items, then padding")
    T.eq(hids[6], {item[3], item[4], item[5]}, "the last three of five")
    T.eq(mask:shape(), {2000, 3}, "mask shape")
    T.eq(mask:totable()[3], {1, 1, 0}, "mask marks ids")
    T.eq(ml:padded("genres", 1)[1], {5}, "genres keep the last one: Fantasy")
    T.err(function() ml:padded("rating", 3) end,
          "ds:padded: column 'rating' is label: expected a seq column", "padded needs seq")
    local seqs, who = train:histories()
    T.eq(#seqs, n_users, "histories per user")
    local total = 0
    for _, s in ipairs(seqs) do total = total + #s end
    T.eq(total, #train, "histories hold the view's rows only")
    T.eq(who[1], ml:column("user")[1], "users in order of appearance")
  end},
  {"dataset errors and closing", function()
    local ml = D.movielens{rows = 50, history = 0}
    T.eq(#ml:schema(), 7, "history = 0: no history column")
    T.err(function() return ml:column("ratin") end,
          "the data set has no column 'ratin' (did you mean 'rating'?)", "nearest column")
    T.eq(ml.rating, nil, "columns are read with ds:column, not as fields")
    T.err(function() ml:split(1.5) end, "split: the fraction is 1.5: expected a value in [0, 1]",
          "fraction")
    T.err(function() ml:split(0.5, {sed = 1}) end,
          "split: unknown option 'sed' (did you mean 'seed'?)", "split key")
    T.eq(ml:split(0.5, {seed = -5}):rows(), ml:split(0.5, {seed = -5}):rows(), "negative seeds")
    T.err(function() ml:split(0.5, {seed = 1.5}) end, "split: option 'seed' must be an integer in",
          "seed type")
    T.err(function() ml:split{by = "tme"} end, "split: unknown by 'tme' (did you mean 'time'?)",
          "split by")
    T.err(function() ml:batches(0) end, "the batch size must be at least 1", "batch size")
    T.err(function() D.movielens{histroy = 3} end,
          "rec.data.movielens: unknown option 'histroy' (did you mean 'history'?)", "ml key")
    local saved = rec.data_dir
    rec.data_dir = "/nonexistent"
    T.err(function() D.movielens{rows = 1} end,
          "/nonexistent/assets/movielens/movies.csv: cannot open: No such file or directory",
          "movielens looks under rec.data_dir")
    rec.data_dir = saved
    T.eq(#D.movielens{rows = 1}, 1, "and finds the shipped files there")
    T.err(function() D.movielens{dir = "/nonexistent"} end,
          "/nonexistent/movies.csv: cannot open: No such file or directory", "no folder")
    T.err(function() ml:tensor("genres") end,
          "ds:tensor: column 'genres' is a sequence (variable length): read it with ds:column",
          "seq tensor")
    local view = ml:shuffle(1)
    ml:close()
    T.err(function() return #view end, "the data set is closed", "views of a closed set")
    T.err(function() return ml:head() end, "the data set is closed", "the closed set")
    T.eq(tostring(view), "rec.Dataset (closed)", "tostring of a closed view")
    local ml2 = D.movielens{rows = 30}
    local shuffled = ml2:shuffle(2)
    local next_batch = shuffled:batches(10)
    local _, b1 = next_batch()
    local rows = b1:rows()
    shuffled:close()
    T.err(function() return #shuffled end, "the data set is closed", "a closed view")
    T.err(function() next_batch() end, "batches: the data set is closed", "its batch iterator")
    collectgarbage()
    T.eq(b1:rows(), rows, "a batch taken before stays valid")
    do
      local tmp <close> = D.movielens{rows = 10}
      T.eq(#tmp, 10, "to-be-closed")
    end
  end},
  {"data set -> model from ops -> metrics", function()
    -- a CSV whose click is 2 a - b > 0.1, split, logistic regression from ops, AUC
    local path = os.tmpname()
    local f = io.open(path, "w")
    f:write("a,b,click\n")
    local s = 7
    local function r() s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 end
    for _ = 1, 400 do
      local a, b = 2 * r() - 1, 2 * r() - 1
      f:write(string.format("%.6f,%.6f,%d\n", a, b, (2 * a - b > 0.1) and 1 or 0))
    end
    f:close()
    local ds = D.csv(path, {columns = {{"a", "dense"}, {"b", "dense"}, {"click", "label"}}})
    os.remove(path)
    local train, test = ds:split(0.75, {seed = 3})
    local x, y = train:tensor{"a", "b"}, train:tensor("click")
    local ps = rec.params()
    local w, b = ps:param("lr.w", {2, 1}), ps:param("lr.b", {1})
    local opt = rec.optim.sgd{lr = 0.5, params = ps}
    for _ = 1, 200 do
      local loss = rec.loss.bce_logits(x:matmul(w) + b, y)
      loss:backward()
      opt:step()
    end
    local logits = test:tensor{"a", "b"}:matmul(w) + b
    local auc = rec.metrics.auc(test:tensor("click"), logits)
    T.ok(auc > 0.97, "test AUC " .. auc)
    T.ok(rec.metrics.accuracy(test:column("click"), logits, {threshold = 0}) > 0.85, "accuracy")
  end},
  {"history_of: a behaviour history shares its candidate's ids", function()
    local path = os.tmpname()
    local f = io.open(path, "w")
    f:write("click,item,cat,hist_item,hist_cat\n1,3,c1,7|9,c2|c1\n0,7,c2,3|7|9,c1|c2|c3\n")
    f:close()
    local ds = D.csv(path, {columns = {{"click", "label"}, {"item", "cat"}, {"cat", "cat"},
                                       {"hist_item", "seq", history_of = "item"},
                                       {"hist_cat", "seq", history_of = "cat"}}})
    T.eq(ds:column("item"), {1, 2}, "items 3 and 7")
    T.eq(ds:column("hist_item"), {{2, 3}, {1, 2, 3}}, "the history in item's ids")
    T.eq(ds:column("hist_cat"), {{2, 1}, {1, 2, 3}}, "the category history in cat's ids")
    T.eq(ds:vocab("hist_item"), {"3", "7", "9"}, "one vocabulary")
    T.eq(ds:schema()[2].cardinality, 4, "item counts the history's ids too")
    T.err(function()
      D.csv(path, {columns = {{"click", "label"}, {"hist_item", "seq", history_of = "itm"}}})
    end, "history_of names 'itm', which is not a column of the schema", "unknown column")
    T.err(function()
      D.csv(path, {columns = {{"item", "cat", history_of = "cat"}, {"cat", "cat"}}})
    end, "history_of must name a cat column, on a seq column", "not on a cat column")
    os.remove(path)
  end},
  {"ds:save and rec.data.load", function()
    local ml = D.movielens{rows = 2000}
    local path = os.tmpname()
    T.eq(ml:save(path), ml, "save returns the data set")
    local back = D.load(path)
    T.eq(#back, #ml, "rows")
    for _, c in ipairs(ml:schema()) do
      T.eq(back:column(c.name), ml:column(c.name), "column " .. c.name)
    end
    T.eq(back:schema(), ml:schema(), "schema (group, time, cardinalities)")
    local ids, titles = back:vocab("item")
    local ids0, titles0 = ml:vocab("item")
    T.eq(ids, ids0, "item vocabulary")
    T.eq(titles, titles0, "titles")
    local train = ml:split(0.5, {seed = 1})
    T.err(function() train:save(path) end, "this is a view", "a view is refused")
    local f = io.open(path, "r+b")
    f:seek("set", 200)
    f:write("\255\255\255\255")
    f:close()
    T.err(function() D.load(path) end, "the file is damaged or not a complete recnote data set",
          "damaged")
    os.remove(path)
    T.err(function() D.load(path) end, "cannot open", "missing")
  end},
  {"every docstring example runs", function()
    local ml = D.movielens{rows = 10}
    local fields = {}
    for name, fn in pairs(D) do fields[#fields + 1] = {"rec.data." .. name, fn} end
    for name, fn in pairs(getmetatable(ml).__index) do
      fields[#fields + 1] = {"rec.Dataset:" .. name, fn}
    end
    T.eq(#fields, 5 + 5 + 14, "documented functions (loaders, synthetic data, methods)")
    for _, f in ipairs(fields) do
      local doc, example = help.get(f[2])
      T.ok(doc and #doc > 40, f[1] .. " has a docstring")
      local chunk, err = load(example or "error('no example')", "example of " .. f[1], "t",
                              setmetatable({rec = rec}, {__index = _G}))
      T.ok(chunk ~= nil, err)
      if chunk then
        local ok, msg = pcall(chunk)
        T.ok(ok, "example of " .. f[1] .. ": " .. tostring(msg))
      end
    end
  end},
}
T.done()
