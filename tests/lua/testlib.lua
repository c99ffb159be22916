-- A tiny test library for Lua tests (tests/*/test_*.lua), run by recnote.
--
--   local T = dofile(os.getenv("RECNOTE_TESTLIB"))
--   T.eq(1 + 1, 2, "addition")                  -- exact equality (deep for tables)
--   T.near(math.pi, 3.14159, 1e-5, "pi")        -- |a - b| <= tol
--   T.ok(x > 0, "x is positive")
--   T.err(function() f(-1) end, "bad argument #1 to 'f'", "f rejects -1")
--                                               -- the error message contains the text
--   T.cases{ {name, fn}, ... }                  -- a table of cases, each a function
--   T.done()                                    -- "N passed, N failed"; exit 1 on failure
local T = {passed = 0, failed = 0}

local function where()
  local info = debug.getinfo(3, "Sl")
  return info and (info.short_src .. ":" .. info.currentline) or "?"
end

local function fail(what, detail)
  T.failed = T.failed + 1
  io.stderr:write(string.format("%s: FAILED %s: %s\n", where(), what or "", detail))
end

local function deep_eq(a, b)
  if type(a) ~= "table" or type(b) ~= "table" then return a == b end
  for k, v in pairs(a) do if not deep_eq(v, b[k]) then return false end end
  for k in pairs(b) do if a[k] == nil then return false end end
  return true
end

local function show(v)
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local parts = {}
  for k, x in pairs(v) do parts[#parts + 1] = tostring(k) .. "=" .. show(x) end
  table.sort(parts)
  return "{" .. table.concat(parts, ", ") .. "}"
end

function T.ok(cond, what)
  if cond then T.passed = T.passed + 1 else fail(what, "condition is false") end
end

function T.eq(actual, expected, what)
  if deep_eq(actual, expected) then T.passed = T.passed + 1
  else fail(what, "got " .. show(actual) .. ", expected " .. show(expected)) end
end

function T.near(actual, expected, tol, what)
  if type(actual) == "number" and math.abs(actual - expected) <= tol then
    T.passed = T.passed + 1
  else
    fail(what, string.format("got %s, expected %.9g within %g", tostring(actual), expected, tol))
  end
end

function T.err(fn, text, what)
  local ok, msg = pcall(fn)
  if ok then fail(what, "no error raised (expected one containing " .. show(text) .. ")")
  elseif not tostring(msg):find(text, 1, true) then
    fail(what, "error " .. show(tostring(msg)) .. " does not contain " .. show(text))
  else T.passed = T.passed + 1 end
end

function T.cases(list)
  for _, case in ipairs(list) do
    local ok, msg = pcall(case[2])
    if not ok then fail(case[1], "raised " .. tostring(msg)) end
  end
end

function T.done()
  print(string.format("%d passed, %d failed", T.passed, T.failed))
  os.exit(T.failed == 0 and 0 or 1)
end

return T
