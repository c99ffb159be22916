"""A plausible WRONG answer for each exercise of each lesson, in order: the
mistake a student is likely to make. test_lesson.py puts each in place of the
exercise's solution and requires the check to fail."""

WRONG = {
    "01-loss-and-auc": [
        # ties counted as wins (>= instead of > with a half for ties)
        """function auc_by_hand(labels, scores)
  local good, pairs = 0, 0
  for i = 1, #labels do
    for j = 1, #labels do
      if labels[i] == 1 and labels[j] == 0 then
        pairs = pairs + 1
        if scores[i] >= scores[j] then good = good + 1 end
      end
    end
  end
  return good / pairs
end""",
        # the plain mean over groups (that is uAUC, not the impression-weighted gAUC)
        """function gauc_by_hand(labels, scores, groups)
  local by = {}
  for i = 1, #labels do
    local g = by[groups[i]] or {ys = {}, ss = {}, pos = 0}
    by[groups[i]] = g
    g.ys[#g.ys + 1], g.ss[#g.ss + 1] = labels[i], scores[i]
    g.pos = g.pos + labels[i]
  end
  local total, count = 0, 0
  for _, g in pairs(by) do
    if g.pos > 0 and g.pos < #g.ys then
      total, count = total + rec.metrics.auc(g.ys, g.ss), count + 1
    end
  end
  return total / count
end""",
    ],
    "02-batch-norm": [
        # the sample variance (n - 1), the default of most statistics libraries
        """function bn_by_hand(values)
  local n, mean, var = #values, 0, 0
  for _, v in ipairs(values) do mean = mean + v / n end
  for _, v in ipairs(values) do var = var + (v - mean) ^ 2 / (n - 1) end
  local out = {}
  for i, v in ipairs(values) do out[i] = (v - mean) / math.sqrt(var + 1e-5) end
  return out
end""",
        # the batch mean itself: forgetting that the running mean lags
        """local rows, m = shifted:totable(), 0
for i = 1, #rows do m = m + rows[i][1] / #rows end
predicted = m""",
    ],
    "03-fm": [
        # the square of the sum, forgetting the half (every pair counted twice)
        """function fm_fast(vs)
  local total = 0
  for f = 1, #vs[1] do
    local sum, squares = 0, 0
    for i = 1, #vs do
      sum = sum + vs[i][f]
      squares = squares + vs[i][f] ^ 2
    end
    total = total + (sum * sum - squares)
  end
  return total
end""",
    ],
    "04-embedding-mlp": [
        # the stacking layer missed: the year taken raw instead of scaled
        """function stack(batch)
  local u = rec.nn.embedding(U, batch:column("user"))
  local i = rec.nn.embedding(I, batch:column("item"))
  local gids, gmask = pad(batch:column("genres"))
  local g = rec.nn.pool(rec.nn.embedding(G, gids), gmask, {mode = "mean"})
  local year = {}
  for k, y in ipairs(batch:column("year")) do year[k] = {y ~= y and 0 or y} end
  return rec.nn.concat({u, i, g, rec.tensor(year)}, 2)
end""",
        # the MLP counted at its D = 8 size: forgets that its first layer grows with D
        """function embedding_share(D)
  local tables = (card.user + card.item + card.genres) * D
  local mlp = 25 * 32 + 32 + 32 * 16 + 16 + 16 * 1 + 1
  return tables / (tables + mlp)
end""",
    ],
    "05-wide-deep": [
        # the median of the signed z: forgets that the threshold is on |z|
        """function l1_for_half(zs)
  local a = {}
  for i, z in ipairs(zs) do a[i] = z end
  table.sort(a)
  return math.abs(a[math.ceil(#a / 2)])
end""",
    ],
    "06-deepfm": [
        # the linear rule for every optimizer, as if Adam were SGD
        """function scaled_lr(lr, batch, new_batch, optimizer)
  return lr * new_batch / batch
end""",
    ],
    "07-din": [
        # weight on the difference block: "how far" instead of "how alike"
        """function similarity_weights(D)
  local w = {}
  for i = 1, 4 * D do w[i] = (i > 2 * D and i <= 3 * D) and 1 or 0 end
  return w
end""",
        # the naive relative improvement of the AUCs, ignoring chance
        """function relaimpr(auc_model, auc_base)
  return auc_model / auc_base - 1
end""",
    ],
    "08-dice": [
        # the unbiased variance (n - 1), as a statistics course teaches
        """function dice_by_hand(values, alpha)
  local n, mean, var = #values, 0, 0
  for _, s in ipairs(values) do mean = mean + s / n end
  for _, s in ipairs(values) do var = var + (s - mean) ^ 2 / (n - 1) end
  local out = {}
  for i, s in ipairs(values) do
    local p = 1 / (1 + math.exp(-(s - mean) / math.sqrt(var + 1e-8)))
    out[i] = p * s + (1 - p) * alpha * s
  end
  return out
end""",
        # "standardised" statistics: mean 0, variance 1 (a soft gate)
        "rm, rv = rec.tensor{0}, rec.tensor{1}",
    ],
    "09-dien": [
        # the gate applied to the state instead of the candidate
        """function augru_step(h, u, hc, a)
  local out = {}
  for d = 1, #h do
    local gate = a * u[d]
    out[d] = gate * h[d] + (1 - gate) * hc[d]
  end
  return out
end""",
        # the mass on the candidate's own steps, without removing recency
        """function relevance(att, history_cats, candidate_cats)
  local out = {}
  for i, cat in ipairs(candidate_cats) do
    out[i] = 0
    for t, c in ipairs(history_cats) do if c == cat then out[i] = out[i] + att[i][t] end end
  end
  return out
end""",
    ],
    "20-tag-recall": [
        # the log applied to each tag's sum instead of the per-user damping
        """function tag_weights(events, catalogue, type_weight)
  local S = {}
  for i, item in ipairs(events.items) do
    local c = type_weight[events.types[i]] * rec.tags.decay(events.ages[i])
    for _, tag in ipairs(catalogue:item(item)) do
      S[tag.tag] = (S[tag.tag] or 0) + c * tag.tf * tag.idf
    end
  end
  local w = {}
  for tag, s in pairs(S) do
    if s > 0 then w[tag] = math.log(1 + s) end
  end
  return w
end""",
        # each share rounded to the nearest integer: the quotas need not sum to k
        """function quotas_by_hand(w, k)
  local W, q = 0, {}
  for _, x in ipairs(w) do W = W + x end
  for i, x in ipairs(w) do q[i] = math.floor(k * x / W + 0.5) end
  return q
end""",
    ],
    "21-multi-path-recall": [
        # a duplicate uses up the path's quota (counting what was looked at, not added)
        """function merge(lists, quotas)
  local out, from, taken = {}, {}, {}
  for p, list in ipairs(lists) do
    for k, id in ipairs(list) do
      if k > quotas[p] then break end
      if not taken[id] then
        taken[id] = true
        out[#out + 1], from[#from + 1] = id, p
      end
    end
  end
  return out, from
end""",
    ],
}
