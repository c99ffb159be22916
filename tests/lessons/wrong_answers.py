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
    "10-esmm": [
        # the raw purchase flag as the CTCVR label (counts purchases made without a click)
        """function labels_from_log(click, buy)
  local ctr_label, ctcvr_label = {}, {}
  for r = 1, #click do ctr_label[r], ctcvr_label[r] = click[r], buy[r] end
  return ctr_label, ctcvr_label
end""",
        # the CTCVR term compared with pCVR alone instead of pCTR x pCVR
        """function esmm_loss(y, yz, pctr, pcvr)
  local function l(t, p) return -(t * math.log(p) + (1 - t) * math.log(1 - p)) end
  local total = 0
  for i = 1, #y do total = total + l(y[i], pctr[i]) + l(yz[i], pcvr[i]) end
  return total / #y
end""",
    ],
    "13-fusion": [
        # every objective of scores summed, a missing weight taken as 1
        """function additive(scores, weights)
  local out = {}
  for k, col in pairs(scores) do
    for i = 1, #col do out[i] = (out[i] or 0) + (weights[k] or 1) * col[i] end
  end
  return out
end""",
        # the exponent used as a factor, as in the notes' (w1 f(t1)) x ... formula
        """function product(scores, exponents)
  local out = {}
  local n
  for k in pairs(exponents) do n = #scores[k] end
  for i = 1, n do
    local s = 1
    for k, a in pairs(exponents) do s = s * a * scores[k][i] end
    out[i] = s
  end
  return out
end""",
    ],
    "11-mmoe": [
        # the gates counted with one weight per expert output (h) instead of per expert (n)
        """function mmoe_weights(d, h, n, k)
  return n * h * d, k * h * d
end""",
        # the mixture without the softmax: raw gate logits as weights
        """function task_input(x, k)
  local E = expert_outputs(x)
  local g = linear(x, P["gate." .. (k - 1) .. ".out.weight"], P["gate." .. (k - 1) .. ".out.bias"])
  local f = {}
  for j = 1, #E[1] do
    f[j] = 0
    for i = 1, #E do f[j] = f[j] + g[i] * E[i][j] end
  end
  return f, g
end""",
    ],
    "12-ple": [
        # the shared experts first, then the task's own: not the gate's order
        """function cgc_input(x, k)
  local S = {}
  for j = 0, 1 do S[#S + 1] = expert("level.0.expert.s." .. j, x) end
  S[#S + 1] = expert("level.0.expert." .. (k - 1) .. ".0", x)
  local w, g = gate_weights(k, x), {0, 0, 0}
  for i = 1, #S do
    for d = 1, 3 do g[d] = g[d] + w[i] * S[i][d] end
  end
  return g
end""",
    ],
    "18-als": [
        # plain ridge: lambda on the diagonal, not lambda * n_u (ALS-WR's weighting)
        """function als_user_update(Q, r, lambda)
  local n, k = #Q, #Q[1]
  local A, b = {}, {}
  for a = 1, k do
    A[a], b[a] = {}, 0
    for c = 1, k do
      local s = 0
      for j = 1, n do s = s + Q[j][a] * Q[j][c] end
      A[a][c] = s
    end
    A[a][a] = A[a][a] + lambda
    for j = 1, n do b[a] = b[a] + Q[j][a] * r[j] end
  end
  return solve(A, b)
end""",
    ],
    "14-word2vec": [
        # the centre paired with itself
        """function skipgram_pairs(words, c)
  local pairs = {}
  for i = 1, #words do
    for j = math.max(1, i - c), math.min(#words, i + c) do
      pairs[#pairs + 1] = {words[i], words[j]}
    end
  end
  return pairs
end""",
        # v updated inside the loop, so the outputs move with the new v
        """function sigmoid(x) return 1 / (1 + math.exp(-x)) end
function dot(a, b) local s = 0 for i = 1, #a do s = s + a[i] * b[i] end return s end
function ns_step(v, u_pos, u_negs, lr)
  local loss = 0
  local outs, labels = {u_pos}, {1}
  for _, u in ipairs(u_negs) do outs[#outs + 1], labels[#labels + 1] = u, 0 end
  for k, u in ipairs(outs) do
    local f = dot(u, v)
    loss = loss - math.log(labels[k] == 1 and sigmoid(f) or sigmoid(-f))
    local g = lr * (labels[k] - sigmoid(f))
    for i = 1, #v do v[i] = v[i] + g * u[i]; u[i] = u[i] + g * v[i] end
  end
  return loss
end""",
    ],
    "15-item2vec": [
        # the dot product instead of the cosine: long vectors (popular films) win
        """function topk(e, title, k)
  local q, scored = e:vector(title), {}
  for _, l in ipairs(e:labels()) do
    if l ~= title then
      local v, s = e:vector(l), 0
      for i = 1, #q do s = s + q[i] * v[i] end
      scored[#scored + 1] = {l, s}
    end
  end
  table.sort(scored, function(a, b) return a[2] > b[2] end)
  local out = {}
  for i = 1, k do out[i] = scored[i][1] end
  return out
end""",
    ],
    "16-deepwalk": [
        # compares the running sum with u, not with u times the total weight
        """function walk_step(g, v, u)
  local nbrs, weights = g:neighbors(v)
  if #nbrs == 0 then return nil end
  local run = 0
  for i, w in ipairs(weights) do
    run = run + w
    if run > u then return nbrs[i] end
  end
  return nbrs[#nbrs]
end""",
        # many walks, but each only one step long: the window sees nothing beyond the neighbours
        """walk_settings = {per_node = 10, length = 2}""",
    ],
    "17-node2vec": [
        # d_tx = 1 read as "x is a neighbour of v" (the current node) instead of "of t"
        """function alpha(g, t, v, x, p, q)
  if x == t then return 1 / p end
  if g:weight(v, x) > 0 then return 1 end
  return 1 / q
end""",
        # BFS and DFS swapped: a large q sends the walk outward
        """q_community, q_local = 2, 0.5""",
    ],
    "19-two-tower": [
        # the logQ correction with the wrong sign: adding log q favours popular items even more
        """function inbatch_loss(U, V, logq, tau)
  local B, total = #U, 0
  for i = 1, B do
    local s = {}
    for j = 1, B do
      local dot = 0
      for d = 1, #U[i] do dot = dot + U[i][d] * V[j][d] end
      s[j] = dot / tau + logq[j]
    end
    local top = math.max(table.unpack(s))
    local sum = 0
    for j = 1, B do sum = sum + math.exp(s[j] - top) end
    total = total + (top + math.log(sum) - s[i])
  end
  return total / B
end""",
        # the natural logarithm instead of log base 2
        """function ndcg_at(r, K)
  local total = 0
  for _, rank in ipairs(r) do
    if rank <= K then total = total + 1 / math.log(rank + 1) end
  end
  return total / #r
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
