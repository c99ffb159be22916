/* rec.fusion: fusing several objectives' scores into one ranking score at
 * serving time (the notes' section 5.2.2): additive (a weighted sum), product
 * (a weighted product, prod_k (p_k + b_k)^a_k) and levels (the notes'
 * dependency graph: edges multiply, a level adds), with rank and top to read
 * the result. Written in Lua: a few loops over plain tables, nothing the
 * engine needs, and a reader can see every formula.
 *
 * Scores come as {action = {score per item}, ...}; every fuser checks that
 * each action it weighs has a column, that the columns have one length and
 * hold finite numbers, and returns a new array, one fused score per item. */
#include "host.h"
#include "rec.h"

#include <string.h>

#include <lauxlib.h>

static const char fusion_lua[] =
    "local fusion = {}\n"
    "\n"
    "-- The columns named by the keys of spec (action -> number), checked: one\n"
    "-- length n, finite numbers. Returns the sorted names and n.\n"
    "local function columns(fn, scores, spec, what)\n"
    "  if type(scores) ~= 'table' then\n"
    "    error(fn .. ': scores should be a table {action = {score per item}, ...}, got ' ..\n"
    "          type(scores), 3)\n"
    "  end\n"
    "  if type(spec) ~= 'table' then\n"
    "    error(fn .. ': ' .. what .. ' should be a table {action = number, ...}, got ' ..\n"
    "          type(spec), 3)\n"
    "  end\n"
    "  local names, n = {}, nil\n"
    "  for name, w in pairs(spec) do\n"
    "    if type(name) ~= 'string' then\n"
    "      error(fn .. ': ' .. what .. \"' keys are action names, got a \" .. type(name) ..\n"
    "            ' key', 3)\n"
    "    end\n"
    "    if math.type(w) == nil or w ~= w or w == math.huge or w == -math.huge then\n"
    "      error(string.format('%s: %s.%s is %s: expected a finite number', fn, what, name,\n"
    "            tostring(w)), 3)\n"
    "    end\n"
    "    names[#names + 1] = name\n"
    "  end\n"
    "  if #names == 0 then error(fn .. ': ' .. what .. ' is empty', 3) end\n"
    "  table.sort(names)\n"
    "  for _, name in ipairs(names) do\n"
    "    local col = scores[name]\n"
    "    if type(col) ~= 'table' then\n"
    "      error(string.format(\"%s: %s has action '%s' but scores has no column for it\",\n"
    "            fn, what, name), 3)\n"
    "    end\n"
    "    n = n or #col\n"
    "    if #col ~= n then\n"
    "      error(string.format('%s: scores.%s has %d entries but scores.%s has %d', fn, name,\n"
    "            #col, names[1], n), 3)\n"
    "    end\n"
    "    for i = 1, n do\n"
    "      local v = col[i]\n"
    "      if math.type(v) == nil or v ~= v or v == math.huge or v == -math.huge then\n"
    "        error(string.format('%s: scores.%s[%d] is %s: expected a finite number', fn,\n"
    "              name, i, tostring(v)), 3)\n"
    "      end\n"
    "    end\n"
    "  end\n"
    "  return names, n\n"
    "end\n"
    "\n"
    "function fusion.additive(scores, weights)\n"
    "  local names, n = columns('additive', scores, weights, 'weights')\n"
    "  local out = {}\n"
    "  for i = 1, n do\n"
    "    local s = 0\n"
    "    for _, k in ipairs(names) do s = s + weights[k] * scores[k][i] end\n"
    "    out[i] = s\n"
    "  end\n"
    "  return out\n"
    "end\n"
    "\n"
    "function fusion.product(scores, exponents, opts)\n"
    "  local names, n = columns('product', scores, exponents, 'exponents')\n"
    "  opts = opts or {}\n"
    "  if type(opts) ~= 'table' then error('product: options should be a table', 2) end\n"
    "  for key in pairs(opts) do\n"
    "    if key ~= 'offsets' then\n"
    "      error(\"product: unknown option '\" .. tostring(key) .. \"' (known: offsets)\", 2)\n"
    "    end\n"
    "  end\n"
    "  local offsets = opts.offsets or {}\n"
    "  for k, b in pairs(offsets) do\n"
    "    if exponents[k] == nil then\n"
    "      error(\"product: offsets has action '\" .. tostring(k) .. \"' with no exponent\", 2)\n"
    "    end\n"
    "    if math.type(b) == nil or b ~= b or b == math.huge or b == -math.huge then\n"
    "      error('product: offsets.' .. k .. ' is ' .. tostring(b) ..\n"
    "            ': expected a finite number', 2)\n"
    "    end\n"
    "  end\n"
    "  local out = {}\n"
    "  for i = 1, n do\n"
    "    local s = 1\n"
    "    for _, k in ipairs(names) do\n"
    "      local base = scores[k][i] + (offsets[k] or 0)\n"
    "      if base <= 0 then\n"
    "        error(string.format('product: scores.%s[%d] + offset is %g: each factor needs a '\n"
    "              .. 'positive base (give offsets = {%s = b})', k, i, base, k), 2)\n"
    "      end\n"
    "      s = s * base ^ exponents[k]\n"
    "    end\n"
    "    out[i] = s\n"
    "  end\n"
    "  return out\n"
    "end\n"
    "\n"
    "function fusion.levels(scores, levels)\n"
    "  if type(levels) ~= 'table' or #levels == 0 then\n"
    "    error('levels: levels should be a list of {action = weight} tables, one per level', 2)\n"
    "  end\n"
    "  local out\n"
    "  for l, level in ipairs(levels) do\n"
    "    local ok, sum = pcall(fusion.additive, scores, level)\n"
    "    if not ok then\n"
    "      error((tostring(sum):gsub('^.-additive: ', 'levels: level ' .. l .. ': ')), 2)\n"
    "    end\n"
    "    if out == nil then\n"
    "      out = sum\n"
    "    else\n"
    "      if #sum ~= #out then\n"
    "        error(string.format('levels: level %d has %d items but level 1 has %d', l, #sum,\n"
    "              #out), 2)\n"
    "      end\n"
    "      for i = 1, #out do out[i] = out[i] * sum[i] end\n"
    "    end\n"
    "  end\n"
    "  return out\n"
    "end\n"
    "\n"
    "-- Items by score, best first; ties keep the lower index first.\n"
    "local function order_of(fn, values)\n"
    "  if type(values) ~= 'table' then\n"
    "    error(fn .. ': values should be a list of numbers, got ' .. type(values), 3)\n"
    "  end\n"
    "  local order = {}\n"
    "  for i = 1, #values do\n"
    "    local v = values[i]\n"
    "    if math.type(v) == nil or v ~= v then\n"
    "      error(string.format('%s: values[%d] is %s: expected a number', fn, i,\n"
    "            tostring(v)), 3)\n"
    "    end\n"
    "    order[i] = i\n"
    "  end\n"
    "  table.sort(order, function(a, b)\n"
    "    if values[a] ~= values[b] then return values[a] > values[b] end\n"
    "    return a < b\n"
    "  end)\n"
    "  return order\n"
    "end\n"
    "\n"
    "function fusion.rank(values)\n"
    "  local order, ranks = order_of('rank', values), {}\n"
    "  for r, i in ipairs(order) do ranks[i] = r end\n"
    "  return ranks, order\n"
    "end\n"
    "\n"
    "function fusion.top(values, k)\n"
    "  if math.type(k) ~= 'integer' or k < 1 then\n"
    "    error('top: k should be an integer >= 1, got ' .. tostring(k), 2)\n"
    "  end\n"
    "  local order, out = order_of('top', values), {}\n"
    "  for r = 1, math.min(k, #order) do out[r] = order[r] end\n"
    "  return out\n"
    "end\n"
    "\n"
    "return fusion\n";

void rec_open_fusion(lua_State *L)
{
    /* rec is at the top. */
    if (luaL_loadbuffer(L, fusion_lua, strlen(fusion_lua), "=rec.fusion") != LUA_OK)
        lua_error(L); /* our own code: a syntax error is a bug */
    lua_call(L, 0, 1);
    rec_doc_set(L, -1, "rec.fusion",
                "Multi-objective score fusion at serving time (the notes' 5.2.2): a model "
                "predicts several objectives per item (click, like, follow, ...) and one score "
                "must rank them. additive (a weighted sum), product (a weighted product with "
                "exponents, scale-free), levels (the notes' dependency graph: edges multiply, a "
                "level adds), and rank / top to read a ranking.",
                "local s = {click = {0.3, 0.1}, like = {0.01, 0.05}}\n"
                "print(rec.fusion.additive(s, {click = 1, like = 10})[1])  --> 0.4");
    static const rec_doc_entry docs[] = {
        {"additive",
         "rec.fusion.additive(scores, weights) is the 加法公式: item i scores "
         "sum_k w_k p_k[i]. scores maps each action to its column ({click = {...}, like = "
         "{...}}), weights each action to a number. Scale-sensitive: the objectives' base "
         "rates differ (click ~0.1, follow ~0.001), so w_k acts through each column's scale, "
         "and multiplying one column by 10 can reorder the items.",
         "local s = {click = {0.30, 0.20, 0.10}, follow = {0.001, 0.004, 0.009}}\n"
         "local f = rec.fusion.additive(s, {click = 1, follow = 20})\n"
         "print(f[1], f[2], f[3])  --> 0.32  0.28  0.28"},
        {"product",
         "rec.fusion.product(scores, exponents [, {offsets = {}}]) is the weighted product "
         "prod_k (p_k[i] + b_k)^a_k: additive in log space, sum_k a_k log(p_k + b_k). "
         "Multiplying a column by a constant multiplies every item's score by the same "
         "factor (with b_k = 0), so the ranking does not move: the exponent, not the scale, "
         "sets an objective's say. Each base p + b must be positive; an offset b_k > 0 keeps "
         "a zero score from zeroing the product.",
         "local s = {click = {0.30, 0.20, 0.10}, follow = {0.001, 0.004, 0.025}}\n"
         "local f = rec.fusion.product(s, {click = 1, follow = 0.5})\n"
         "print(table.concat(rec.fusion.top(f, 3), ' '))  --> 3 2 1"},
        {"levels",
         "rec.fusion.levels(scores, {{t1 = w1}, {t2 = w2, t3 = w3}, {t4 = w4, t5 = w5}}) is "
         "the notes' 乘法公式 on a dependency graph (edges multiply, one level adds): "
         "(w1 p_t1) x (w2 p_t2 + w3 p_t3) x (w4 p_t4 + w5 p_t5), a product over the levels of "
         "each level's weighted sum.",
         "local s = {click = {0.5}, like = {0.2}, comment = {0.1}}\n"
         "print(rec.fusion.levels(s, {{click = 1}, {like = 1, comment = 2}})[1])  --> 0.2"},
        {"rank",
         "rec.fusion.rank(values) returns ranks (ranks[i] = 1 for the highest value) and the "
         "order (item indices, best first); ties keep the lower index first.",
         "local ranks, order = rec.fusion.rank({0.2, 0.9, 0.5})\n"
         "print(ranks[1], order[1])  --> 3  2"},
        {"top",
         "rec.fusion.top(values, k) lists the indices of the k highest values, best first "
         "(ties: lower index first).",
         "print(table.concat(rec.fusion.top({0.2, 0.9, 0.5, 0.7}, 2), ' '))  --> 2 4"},
        {NULL, NULL, NULL}};
    rec_doc_fields(L, -1, "rec.fusion", 0, docs);
    lua_setfield(L, -2, "fusion");
}
