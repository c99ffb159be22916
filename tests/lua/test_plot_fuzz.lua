-- rec.plot under seeded random arguments: every constructor and method either
-- returns or raises a Lua error, never crashes (run under ASan + UBSan too).
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"
local plot = rec.plot

local seed = tonumber(os.getenv("RECNOTE_FUZZ_SEED") or "") or 12345
math.randomseed(seed)
local R = math.random

local keys = {"y", "x", "name", "series", "logy", "values", "rows", "cols", "vmin", "vmax",
              "points", "classes", "labels", "select", "k", "metric", "fn", "names", "range",
              "sliders", "bins", "nodes", "edges", "walk", "positions", "title", "xlabel",
              "ylabel", "width", "height", "show", "presentation", "save_path", "panel"}

local gen
local function number()
  local c = R(1, 9)
  if c == 1 then return 0 / 0 elseif c == 2 then return math.huge
  elseif c == 3 then return -R(0, 10) elseif c == 4 then return R(1, 5)
  elseif c == 5 then return 2 ^ 40 elseif c == 6 then return R() * 10 - 5
  elseif c == 7 then return math.mininteger else return R(1, 3) end
end
local function list(depth)
  local t = {}
  for i = 1, R(0, 6) do t[i] = depth > 0 and R() < 0.4 and gen(depth - 1) or number() end
  return t
end
function gen(depth)
  local c = R(1, 10)
  if c <= 3 then return number()
  elseif c == 4 then return ({"dice", "cosine", "euclidean", "x.png", "x.svg", "", "\255\0"})[R(1, 7)]
  elseif c == 5 then return R() < 0.5
  elseif c == 6 then return function(x) if R() < 0.2 then error("fuzz") end return x, "s" end
  elseif c <= 8 then return list(depth)
  else
    local t = {}
    for _ = 1, R(0, 4) do t[keys[R(1, #keys)]] = gen(depth > 0 and depth - 1 or 0) end
    return t
  end
end

local makers = {"line", "heatmap", "scatter", "curve", "hist", "bar", "graph", "figure"}
local own = {
  line = {"y", "x", "name", "series", "logy"}, heatmap = {"values", "rows", "cols", "vmin", "vmax"},
  scatter = {"points", "classes", "labels", "select", "k", "metric"},
  curve = {"fn", "names", "range", "sliders"}, hist = {"values", "name", "series", "bins"},
  bar = {"values", "labels", "series"}, graph = {"nodes", "edges", "walk", "positions"},
  figure = {"rows", "cols"}}
local methods = {"add", "append", "set", "save", "show", "pixel", "to_pixel", "hover", "key",
                 "size", "neighbours", "close"}
local made, raised = 0, 0
for round = 1, 400 do
  local name = makers[R(1, #makers)]
  local opts = {}
  for _ = 1, R(0, 5) do
    local k = R() < 0.9 and own[name][R(1, #own[name])] or keys[R(1, #keys)]
    opts[k] = gen(2)
  end
  -- half the time, a main value of the right shape (its entries still random)
  if R() < 0.5 then
    local n = R(1, 6)
    local function row(m) local r = {} for i = 1, m do r[i] = R() < 0.95 and R() * 4 or number() end return r end
    local function rows(m, d) local r = {} for i = 1, m do r[i] = row(d) end return r end
    if name == "line" or name == "bar" or name == "hist" then opts[name == "line" and "y" or "values"] = row(n)
    elseif name == "heatmap" then opts.values = rows(n, R(1, 4))
    elseif name == "scatter" then opts.points = rows(n, R(1, 5))
    elseif name == "curve" then opts.fn = R() < 0.5 and "dice" or function(x, p) return x * (p.a or 1) end
    elseif name == "graph" then opts.nodes = n
    elseif name == "figure" then opts.rows, opts.cols = R(1, 3), R(1, 3) end
  end
  if opts.width ~= nil and R() < 0.8 then opts.width = 200 end
  if opts.height ~= nil and R() < 0.8 then opts.height = 150 end
  opts.show = false
  local ok, fig = pcall(plot[name], opts)
  if ok then
    made = made + 1
    for _ = 1, 4 do
      local m = methods[R(1, #methods)]
      local args = {}
      for i = 1, R(0, 3) do args[i] = gen(1) end
      if m == "save" then args[1] = ({"fuzz.png", "fuzz.svg", "/nonexistent/x.png", 7})[R(1, 4)] end
      if m == "add" and R() < 0.5 then args[1] = makers[R(1, 7)] end
      if not pcall(fig[m], fig, table.unpack(args)) then raised = raised + 1 end
    end
  else
    raised = raised + 1
    T.ok(type(fig) == "string", "errors are messages (" .. name .. ")")
  end
  if round % 50 == 0 then collectgarbage() end
end
T.ok(made > 50, "many figures were made: " .. made)
T.ok(raised > 50, "many calls raised: " .. raised)
collectgarbage()
T.done()
