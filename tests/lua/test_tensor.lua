-- rec.tensor, rec.Params and tensor arithmetic: values, printing, errors.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

T.cases{
  {"construct and print", function()
    local x = rec.tensor{{1, 2, 3}, {4, 5, 6}}
    T.eq(x:shape(), {2, 3}, "shape")
    T.eq(x:numel(), 6, "numel")
    T.eq(#x, 2, "# is the first axis")
    T.eq(tostring(x), "tensor 2x3 {{1, 2, 3}, {4, 5, 6}}", "tostring")
    T.eq(x:totable(), {{1, 2, 3}, {4, 5, 6}}, "totable")
    T.eq(tostring(rec.zeros{8}), "tensor 8 {0, 0, 0, 0, 0, ... (3 more)}", "preview is bounded")
    T.eq(tostring(rec.ones({2}, {requires_grad = true})), "tensor 2 (requires grad) {1, 1}",
         "grad flag shown")
  end},
  {"seeded random tensors repeat", function()
    T.eq(rec.randn({3}, {seed = 5}):totable(), rec.randn({3}, {seed = 5}):totable(), "same seed")
    T.ok(rec.randn({3}, {seed = 5}):totable()[1] ~= rec.randn({3}, {seed = 6}):totable()[1],
         "other seed")
    local u = rec.rand({100}, {seed = 1, lo = 2, hi = 3}):totable()
    local lo, hi = math.huge, -math.huge
    for _, v in ipairs(u) do lo, hi = math.min(lo, v), math.max(hi, v) end
    T.ok(lo >= 2 and hi < 3, "uniform in [lo, hi)")
  end},
  {"constructor errors", function()
    T.err(function() rec.tensor{{1, 2}, {3}} end,
          "rec.tensor: ragged data: a table at depth 2 has 1 values, expected 2", "ragged")
    T.err(function() rec.tensor{1, "x"} end,
          "rec.tensor: value 2 at depth 1 is a string, not a number", "not a number")
    T.err(function() rec.zeros{2, 0} end, "size 2 of the shape must be a positive integer",
          "zero size")
    T.err(function() rec.zeros{1, 1, 1, 1, 1} end, "a shape has 1 to 4 sizes", "five axes")
    -- the reason is the cap, not "out of memory" (reliability review B.3)
    T.err(function() rec.zeros{1e12} end,
          "size 1 of the shape is 1000000000000, above the cap of 268435456 elements per tensor",
          "beyond the cap")
    T.err(function() rec.randn({2}, {sed = 1}) end,
          "rec.randn: unknown option 'sed' (did you mean 'seed'?)", "unknown option")
    T.err(function() rec.tensor(5) end, "bad argument #1 to 'tensor' (table expected, got number)",
          "wrong type")
    T.err(function() return rec.tensor{1, 2}:item() end,
          "item: the tensor has 2 elements (shape 2), not one", "item")
  end},
  {"arithmetic with broadcasting", function()
    local a = rec.tensor{{1, 2, 3}, {4, 5, 6}}
    T.eq((a + rec.tensor{10, 20, 30}):totable(), {{11, 22, 33}, {14, 25, 36}}, "add row")
    T.eq((a - 1):totable(), {{0, 1, 2}, {3, 4, 5}}, "sub number")
    T.eq((a * a):totable()[2], {16, 25, 36}, "mul")
    T.eq((a / rec.tensor{{1}, {2}}):totable()[2], {2, 2.5, 3}, "div column")
    T.eq((-a):totable()[1], {-1, -2, -3}, "unm")
    T.eq(a:sum():item(), 21, "sum all")
    T.eq(a:sum(2):totable(), {6, 15}, "sum axis 2")
    T.eq(a:mean(1, {keepdim = true}):shape(), {1, 3}, "keepdim")
    T.eq(a:reshape{3, -1}:shape(), {3, 2}, "reshape -1")
    T.eq(a:transpose():totable(), {{1, 4}, {2, 5}, {3, 6}}, "transpose")
    T.eq(rec.nn.concat({a, a}, 1):shape(), {4, 3}, "concat")
    local p, q = rec.nn.split(a, 2, {1, 2})
    T.eq(q:totable(), {{2, 3}, {5, 6}}, "split")
    T.eq(rec.nn.gather_rows(a, {1, 1, 0}):totable()[3], {1, 2, 3}, "gather 0-based")
    T.eq(rec.nn.matmul(a, a, {trans_b = true}):totable(), {{14, 32}, {32, 77}}, "matmul A A^T")
    T.err(function() return a + rec.ones{2} end,
          "add: shapes 2x3 and 2 do not broadcast", "no broadcast")
    T.err(function() return a:sum(3) end, "sum: axis 2 is out of range", "axis range")
    T.err(function() return a:sum(0) end, "axes count from 1", "axis 0")
  end},
  {"parameter sets", function()
    local ps = rec.params()
    local w = ps:param("deep.0.weight", {4, 3}, {init = "xavier", seed = 2})
    local e = ps:table("emb.user", 100, 8)
    T.eq(w:name(), "deep.0.weight", "name")
    T.eq(ps:names(), {"deep.0.weight", "emb.user"}, "names")
    T.eq(#ps, 2, "#ps")
    T.eq(ps:size(), 12 + 800, "size")
    T.ok(ps:get("emb.user") == e, "get returns the same userdata")
    T.eq(tostring(e):sub(1, 37), "param emb.user 100x8 (sparse rows) {{", "tostring")
    T.err(function() ps:param("emb.user", {1}) end, "a parameter named 'emb.user' already exists",
          "duplicate")
    T.err(function() ps:param("x", {1}, {init = "gauss"}) end, "unknown init 'gauss'", "init")
    ps:close()
    T.err(function() return w + 1 end, "the parameter's rec.Params set is closed", "closed set")
    T.eq(tostring(w), "param (its set is closed)", "closed set prints")
  end},
  {"close", function()
    local t = rec.ones{3}
    t:close()
    T.err(function() return t:sum() end, "the tensor is closed", "closed tensor")
    T.eq(tostring(t), "tensor (closed)", "closed prints")
    do local c <close> = rec.zeros{2} end
  end},
}
T.done()
