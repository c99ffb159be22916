-- rec.plot from Lua, headless: pixels at data coordinates, heatmap order,
-- neighbours, sliders re-evaluating a Lua function, SVG groups, live appends,
-- every docstring example, and the errors a student meets.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"
local plot = rec.plot

local BLUE, ORANGE = {0, 114, 178}, {230, 159, 0}

local function near_color(fig, x, y, want, tol)
  local r, g, b = fig:pixel(x, y)
  return math.abs(r - want[1]) <= tol and math.abs(g - want[2]) <= tol
     and math.abs(b - want[3]) <= tol, string.format("(%d, %d, %d)", r, g, b)
end

local function read(path)
  local f = assert(io.open(path, "rb"))
  local s = f:read("a")
  f:close()
  return s
end

local function count(s, needle)
  local n, i = 0, 1
  while true do
    local a, b = s:find(needle, i, true)
    if not a then return n end
    n, i = n + 1, b + 1
  end
end

T.cases{
  {"line pixels carry the series colours", function()
    local fig = plot.line{series = {{name = "flat", y = {1, 1, 1, 1, 1, 1, 1}},
                                    {name = "rise", y = {0, 1, 2, 3, 4, 5, 6}}},
                          title = "pixels", show = false}
    for _, x in ipairs{2, 4, 5} do
      local px, py = fig:to_pixel(x, 1)
      local ok, got = near_color(fig, px, py, BLUE, 12)
      T.ok(ok, "flat at x = " .. x .. " is blue, got " .. got)
      px, py = fig:to_pixel(x, x)
      ok, got = near_color(fig, px, py, ORANGE, 12)
      T.ok(ok, "rise at x = " .. x .. " is orange, got " .. got)
    end
    T.eq(fig:hover(fig:to_pixel(4, 4)), "rise: x = 4, y = 4", "hover names the series and point")
    local hx, hy = fig:to_pixel(4, 4)
    local r, g, b = fig:pixel(hx + 20, hy + 20)
    T.ok(r > 200 and g > 200 and b > 200, "no tooltip left behind after hover")
  end},

  {"heatmap cells brighten with their values", function()
    local vals, n = {}, 12
    for i = 1, n do
      vals[i] = {}
      for j = 1, n do vals[i][j] = ((i * 7 + j * 5) % 13) / 12 end
    end
    local fig = plot.heatmap{values = vals, width = 400, height = 300, show = false}
    -- probe a grid of pixels; hover tells which cell each lies in
    local lum = {}
    for y = 0, 299, 7 do
      for x = 0, 399, 7 do
        local h = fig:hover(x, y)
        local v = h and tonumber(h:match(": (%S+)$"))
        if v then
          local r, g, b = fig:pixel(x, y)
          local l = 0.2126 * r + 0.7152 * g + 0.0722 * b
          local e = lum[v] or {lo = math.huge, hi = -math.huge}
          e.lo, e.hi = math.min(e.lo, l), math.max(e.hi, l)
          lum[v] = e
        end
      end
    end
    local keys = {}
    for v in pairs(lum) do keys[#keys + 1] = v end
    table.sort(keys)
    T.eq(#keys, 13, "every value was probed")
    for i = 2, #keys do
      T.ok(lum[keys[i]].lo > lum[keys[i - 1]].hi,
           string.format("value %g is brighter than %g", keys[i], keys[i - 1]))
    end
    -- a tensor (anything with :totable()) is read through that method
    local t = rec.tensor{{0.1, 0.5, 0.4}, {0.7, 0.2, 0.1}}
    local ft = plot.heatmap(t, {rows = {"a", "b"}, width = 400, height = 300, show = false})
    local seen = {}
    for x = 0, 399, 5 do
      local h = ft:hover(x, 150)
      if h then seen[h] = true end
    end
    T.ok(seen["b / col 1: 0.7"] and seen["b / col 3: 0.1"], "tensor values by row and column")
    -- the sketch form: matrix first, options second
    local f2 = plot.heatmap({{1, 2}, {3, 4}}, {rows = {"a", "b"}, cols = {"x", "y"}, show = false})
    T.ok(tostring(f2):find("heatmap", 1, true) ~= nil, "heatmap(matrix, opts)")
    local style = {title = "shared style", show = false}
    plot.heatmap({{1}}, style)
    T.eq(style, {title = "shared style", show = false}, "the options table is left as it was")
  end},

  {"scatter neighbours are the brute-force ones", function()
    local pts = {}
    for i = 1, 40 do pts[i] = {math.sin(i), math.cos(i * 1.3), (i % 7) / 7, (i % 3) - 1} end
    local fig = plot.scatter{points = pts, select = 3, k = 4, metric = "cosine", show = false,
                             classes = (function() local c = {} for i = 1, 40 do c[i] = i % 3 end return c end)()}
    local function cos(a, b)
      local ab, aa, bb = 0, 0, 0
      for d = 1, #a do ab, aa, bb = ab + a[d] * b[d], aa + a[d] ^ 2, bb + b[d] ^ 2 end
      return 1 - ab / math.sqrt(aa * bb)
    end
    local order = {}
    for i = 1, 40 do if i ~= 3 then order[#order + 1] = i end end
    table.sort(order, function(a, b) return cos(pts[3], pts[a]) < cos(pts[3], pts[b]) end)
    T.eq(fig:neighbours(), {order[1], order[2], order[3], order[4]}, "cosine neighbours of point 3")
    fig:set{select = 3, k = 2, metric = "euclidean"}
    T.eq(#fig:neighbours(), 2, "k = 2 after set")
    fig:save("lua_scatter.svg")
    T.eq(count(read("lua_scatter.svg"), '<g class="points"'), 3, "one SVG group per class")
    -- named classes: legend, hover and SVG groups use the names
    local named = plot.scatter{points = {{0, 0}, {1, 1}, {2, 0}, {3, 1}},
                               classes = {"drama", "comedy", "drama", "horror"},
                               labels = {"a", "b", "c", "d"}, show = false}
    named:save("lua_named.svg")
    local svg = read("lua_named.svg")
    T.ok(svg:find('data-name="drama"', 1, true) and svg:find('data-name="horror"', 1, true),
         "class names in the SVG")
    T.eq(named:hover(named:to_pixel(1, 1)), "b (comedy): 1, 1", "class name on hover")
    T.err(function() plot.scatter{points = {{0, 0}, {1, 1}}, classes = {"a", 2}} end,
          "classes[2] must be a string like classes[1], got number", "mixed classes")
  end},

  {"curve sliders re-evaluate the Lua function", function()
    local calls = 0
    local fig = plot.curve{fn = function(x, p) calls = calls + 1; return p.a * x end,
                           names = {"a x"}, range = {-2, 2}, sliders = {{"a", -2, 2, 1}},
                           show = false}
    T.ok(calls > 0, "evaluated at creation")
    local px, py = fig:to_pixel(1.5, 1.5)
    T.ok(near_color(fig, px, py, BLUE, 12), "a = 1 passes (1.5, 1.5)")
    local before = calls
    fig:set{sliders = {a = -1}}
    T.ok(calls > before, "moved slider re-evaluates")
    px, py = fig:to_pixel(1.5, -1.5)
    T.ok(near_color(fig, px, py, BLUE, 12), "a = -1 passes (1.5, -1.5)")
    T.err(function() fig:set{sliders = {b = 1}} end, "fig:set: the curve has no slider 'b'",
          "unknown slider")
    local flaky = plot.curve{fn = function(x, p) if p.a > 1 then error("too steep") end return x end,
                             sliders = {{name = "a", min = 0, max = 2, value = 0.5}}, show = false}
    T.err(function() flaky:set{sliders = {a = 1.5}} end, "curve function:", "Lua error surfaces")
    T.err(function() flaky:set{sliders = {a = 1.5}} end, "too steep", "with its message")
    local selfish
    selfish = plot.curve{fn = function(x, p) if p.a > 1 then selfish:close() end return x end,
                         sliders = {{"a", 0, 2, 0.5}}, show = false}
    T.err(function() selfish:set{sliders = {a = 1.5}} end,
          "fig:close: not from inside a curve function", "closing from the callback is refused")
    T.eq(selfish:save("lua_selfish.png"), "lua_selfish.png", "and the figure still works")
    local dice = plot.curve{fn = "dice", show = false}
    dice:set{sliders = {alpha = 0.5, ["E[s]"] = 1}}
    dice:save("lua_dice.png")
    T.err(function() plot.curve{fn = "swish", show = false} end,
          'rec.plot.curve: unknown built-in curve "swish"', "unknown built-in")
  end},

  {"hist, bar, graph and grids", function()
    local a = {}
    for i = 1, 200 do a[i] = math.sin(i) * 3 end
    local h = plot.hist{values = a, name = "acts", bins = 10, show = false}
    h:set{bins = 20}
    local b = plot.bar{values = {3, -1, 2}, labels = {"x", "y", "z"}, show = false}
    local bx, by = b:to_pixel(0, 1.5)
    T.ok(near_color(b, bx, by, BLUE, 2), "bar 1 at height 1.5 is filled")
    T.eq(b:hover(bx, by), "x: 3", "bar hover")
    b:set{values = {1, 2, 3}}
    T.eq(b:hover(b:to_pixel(2, 0.5)), "z: 3", "labels kept after values change")
    local grouped = plot.bar{labels = {"DeepFM", "DIN"}, show = false,
                             series = {{name = "AUC", values = {0.8, 0.82}},
                                       {name = "gAUC", values = {0.7, 0.74}}}}
    T.eq(grouped:hover(grouped:to_pixel(1, 0.1)), "DIN: AUC = 0.82, gAUC = 0.74", "grouped hover")
    local gx, gy = grouped:to_pixel(1.2, 0.35) -- the right half of group 2: gAUC's bar
    T.ok(near_color(grouped, gx, gy, ORANGE, 2), "the second series is orange")
    T.err(function() plot.bar{series = {{name = "a", values = {1, 2}}, {name = "b", values = {1}}},
                              show = false} end,
          'bar: series "b" has 1 values, the chart has 2 bars', "ragged series")
    T.err(function() plot.bar{show = false} end, "option 'values' (a table of numbers) or 'series'",
          "no values")
    -- AUCs from 0.5 with a chance line: the axis starts at the base, bars grow from it
    local auc = plot.bar{values = {0.714, 0.748}, labels = {"deep", "cross"}, base = 0.5,
                         base_label = "chance", show = false}
    local _, y_base = auc:to_pixel(0, 0.5)
    local _, y_top = auc:to_pixel(0, 0.748)
    local _, y_bottom = auc:to_pixel(0, 0.49)
    local function at(x, y) local px, py = auc:to_pixel(x, y) return px, py end
    local x1, y1 = at(1, 0.74)
    T.ok(near_color(auc, x1, y1, BLUE, 2), "bar 2 fills up to 0.74")
    x1, y1 = at(1, 0.49)
    T.ok(not near_color(auc, x1, y1, BLUE, 40), "and not below the base")
    x1, y1 = at(0, 0.72)
    T.ok(not near_color(auc, x1, y1, BLUE, 40), "bar 1 stops at 0.714")
    T.ok(y_base - y_top > 200, "0.5 to 0.75 fills most of the panel: " .. (y_base - y_top) .. " px")
    local lx, ly = auc:to_pixel(0.5, 0.5)
    local r, g, bl = auc:pixel(math.floor(lx), math.floor(ly))
    T.ok(r < 80 and g < 80 and bl < 80, "the chance line is drawn at 0.5 in ink")
    T.ok(y_bottom > y_base, "the axis reaches a little below the base, for the line's name")
    T.err(function() plot.bar{values = {1}, base = "x", show = false} end,
          "option 'base' must be a number, got string", "a base that is not a number")
    T.err(function() plot.bar{values = {1}, base = 0 / 0, show = false} end,
          "bar: the base is", "a NaN base")
    -- a named colour bar: its name is drawn, turned, beside the colour bar
    local m = {{0.1, 0.9}, {0.5, 0.3}}
    local named_hm = plot.heatmap{values = m, clabel = "attention weight", show = false}
    named_hm:save("lua_clabel.svg")
    local svg_hm = read("lua_clabel.svg")
    local at = svg_hm:find(">attention weight<", 1, true)
    T.ok(at ~= nil, "the colour bar's name is in the figure")
    T.ok(at and svg_hm:sub(1, at):match('.*<g class="colorbar"') ~= nil and svg_hm:sub(1, at):find("rotate", 1, true),
         "inside the colour bar's group, turned")
    T.err(function() plot.bar{values = {1}, show = false}:set{clabel = "x"} end,
          "option 'clabel' does not apply to a bar panel", "clabel is for heatmaps")
    T.ok(plot.bar{values = {1, 2}, show = false}:set{base = 0.5, base_label = "chance"}, "fig:set moves a bar chart's base")
    local g = plot.graph{nodes = {"u1", "i1", "u2"}, edges = {{1, 2}, {2, 3}}, walk = {1, 2, 3},
                         show = false}
    g:set{walk = {3, 2}}
    local grid = plot.figure{rows = 2, cols = 2, show = false}
    grid:add(h):add(b):add(g):add("line", {y = {1, 2, 3}, title = "added"})
    T.eq(tostring(grid), "rec.Figure 960x720 px: hist, bar, graph, line (offscreen)", "grid holds 4")
    T.eq(tostring(h), "rec.Figure (closed)", "a figure whose panels moved is closed")
    T.err(function() h:save("x.png") end, "the figure is closed", "and cannot be saved")
    T.err(function() grid:add("bar", {values = {1}}) end, "all 4 cells (2 x 2) are taken",
          "full grid")
    grid:save("lua_grid.png")
  end},

  {"live appends and the SVG", function()
    local fig = plot.line{show = false, title = "live"}
    for i = 1, 2000 do fig:append("loss", 1 / i) end
    local xs, ys = {}, {}
    for i = 1, 100000 do xs[i], ys[i] = i, math.sin(i / 5000) end
    fig:append("wave", xs, ys)
    fig:set{logy = false}
    T.eq(fig:save("lua_live.svg"), "lua_live.svg", "save returns the path")
    local svg = read("lua_live.svg")
    T.eq(count(svg, '<g class="series"'), 2, "one group per series")
    T.ok(count(svg, "<polyline") >= 2, "polylines present")
    T.ok(svg:sub(1, 5) == "<?xml" and svg:find("</svg>%s*$") ~= nil, "a whole document")
    T.eq(fig:save("lua_live.png"), "lua_live.png", "png too")
  end},

  {"keys", function()
    local fig = plot.line{y = {1, 2, 3}, show = false, save_path = "lua_key.png"}
    T.eq(fig:key("s"), "lua_key.png", "s saves")
    T.ok(read("lua_key.png"):sub(2, 4) == "PNG", "a PNG file")
    fig:key("p")
    local w, h = fig:size()
    T.eq({w, h}, {800, 500}, "size unchanged by presentation mode")
    T.err(function() fig:key("q") end, "one of", "unknown key")
  end},

  {"errors name what and where", function()
    T.err(function() plot.line{titel = "x"} end,
          "rec.plot.line: unknown option 'titel' (did you mean 'title'?)", "typo")
    T.err(function() plot.line{title = {}} end,
          "rec.plot.line: option 'title' must be a string, got table", "type")
    T.err(function() plot.line{y = {1, 0 / 0, 3}} end, "rec.plot.line: y[2] is nan (not finite)",
          "nan")
    T.err(function() plot.line{y = {1, 2}, x = {1}} end, "rec.plot.line: x has 1 values but y has 2",
          "lengths")
    T.err(function() plot.line{y = {1, 1e300}} end,
          "rec.plot.line: y[2] = 1e+300 is beyond the float range", "float range")
    T.err(function() plot.graph{nodes = 3, walk = {1, 2 ^ 40}} end,
          "rec.plot.graph: walk[2] is not a node number", "huge node number")
    T.err(function() plot.line{y = {1, "a"}} end, "rec.plot.line: y[2] must be a number, got string",
          "element type")
    T.err(function() plot.heatmap{values = {{1, 2}, {3}}} end,
          "rec.plot.heatmap: values[2] has 1 values, but row 1 has 2", "ragged")
    T.err(function() plot.heatmap{values = {{1}}, rows = {"a", "b"}} end,
          "rec.plot.heatmap: rows has 2 entries, expected 1", "labels")
    T.err(function() plot.scatter{points = {{1}, {2}}} end,
          "rec.plot.scatter: points need at least 2 coordinates, got 1", "1-d points")
    T.err(function() plot.scatter{points = {{1, 2}}, select = 1, metric = "manhattan"} end,
          'option \'metric\' must be "euclidean" or "cosine", got "manhattan"', "metric")
    T.err(function() plot.scatter{points = {{1, 2}, {2, 3}}, select = 5} end,
          "select: point 5 does not exist (the panel has 2)", "select range")
    T.err(function() plot.graph{nodes = 3, edges = {{1, 4}}} end,
          "graph: edge 1 names node 4 (nodes are 1..3)", "edge range")
    T.err(function() plot.figure{rows = 0} end, "rows and cols must be 1..16", "grid size")
    T.err(function() plot.line{width = 10} end, "width and height must be 64..8192", "too small")
    local fig = plot.bar{values = {1}, show = false}
    T.err(function() fig:save("/nonexistent-dir/x.png") end,
          "fig:save: cannot write /nonexistent-dir/x.png", "unwritable")
    T.err(function() fig:save("x.gif") end, 'should end in .png or .svg', "format")
    T.err(function() fig:append("loss", 1) end, "fig:append: the figure has no line panel", "append")
    T.err(function() fig:set{logy = true} end, "fig:set: option 'logy' does not apply to a bar panel",
          "set kind")
    T.err(function() fig:add("pie", {}) end, "unknown panel kind 'pie'", "kind")
    fig:close()
    T.err(function() fig:save("x.png") end, "the figure is closed", "closed")
    fig:close() -- twice is fine
    T.err(function() plot.line(42) end, "table expected", "not a table")
  end},

  {"docstrings, and every example runs", function()
    for _, name in ipairs{"line", "heatmap", "scatter", "curve", "hist", "bar", "graph",
                          "figure", "pump", "headless"} do
      local doc, example = help.get(plot[name])
      T.ok(type(doc) == "string" and #doc > 40, "rec.plot." .. name .. " has a docstring")
      T.ok(type(example) == "string", "rec.plot." .. name .. " has an example")
      if name ~= "pump" then -- pump's example opens a window on purpose
        local chunk, err = load(example, "=example " .. name, "t",
                                setmetatable({rec = rec}, {__index = _G}))
        T.ok(chunk ~= nil, "example of " .. name .. " compiles: " .. tostring(err))
        local ok, msg = pcall(chunk)
        T.ok(ok, "example of " .. name .. " runs: " .. tostring(msg))
      end
    end
    local fig = plot.line{show = false}
    for _, m in ipairs{"add", "append", "set", "save", "close", "show", "pixel", "to_pixel",
                       "hover", "key", "size", "neighbours"} do
      local doc, example = help.get(fig[m])
      T.ok(type(doc) == "string", "fig:" .. m .. " has a docstring")
      if m ~= "show" then
        local ok, msg = pcall(load(example, "=fig:" .. m, "t", setmetatable({rec = rec}, {__index = _G})))
        T.ok(ok, "example of fig:" .. m .. " runs: " .. tostring(msg))
      end
    end
  end},

  {"headless", function()
    local h, why = plot.headless()
    T.eq(h, true, "SDL_VIDEODRIVER=dummy keeps figures offscreen")
    T.ok(#why > 0, "with a reason")
    T.eq(plot.pump(), 0, "no windows to pump")
  end},

  -- last: it raises the host's interrupt flag for the rest of this script
  {"Esc in a window interrupts a pumping loop", function()
    if debug.getregistry()["recnote.interrupt"] == nil then return end -- a plain lua5.4
    local fig = plot.line{y = {1, 2}, show = false}
    T.eq(rec.interrupted(), false, "not yet")
    fig:key("escape")
    T.eq(rec.interrupted(), true, "Esc raised the host's flag")
    T.err(function() for _ = 1, 1e6 do plot.pump() end end, "interrupted!", "pump stops the loop")
  end},
}

T.done()
