-- Learning bars of the attention models, with fixed seeds (the settings of
-- lessons 07 and 09): on behaviour data where clicks depend on the history
-- items of the candidate's category, DIN beats the sum-pooling base model;
-- on drifting interests DIEN beats both, and loses most of its gain without
-- the auxiliary loss.
local T = dofile(os.getenv("RECNOTE_TESTLIB"))
local rec = require "rec"

local function valid_auc(make, data, extra)
  local train, valid = data:split(0.8)
  local config = {data = data, embed_dim = 8, hidden = {32, 16}, seed = 1}
  for k, v in pairs(extra or {}) do config[k] = v end
  local m = make(config)
  m:fit(train, {epochs = 5, seed = 1, progress = false})
  return m:evaluate(valid).auc
end

T.cases{
  {"the thread count changes DIN's numbers only by rounding", function()
    local data = rec.data.synthetic_seq{rows = 6000, seed = 4}
    local before = rec.threads(1)
    T.eq(rec.threads(), 1, "rec.threads(1) sets one thread")
    local one = valid_auc(rec.models.din, data, {att_hidden = {80, 40}})
    rec.threads(2)
    local two = valid_auc(rec.models.din, data, {att_hidden = {80, 40}})
    local again = valid_auc(rec.models.din, data, {att_hidden = {80, 40}})
    rec.threads(before)
    T.ok(one > 0.55, string.format("DIN learns: AUC %.4f", one))
    T.near(two, one, 2e-3, "AUC on 2 threads vs 1")
    T.eq(again, two, "a run repeats exactly on the same thread count")
    T.err(function() rec.threads(0) end, "(must be within 1..8)", "0 threads")
  end},
  {"DIN beats sum pooling", function()
    local data = rec.data.synthetic_seq{rows = 20000, seed = 3}
    local base, din = valid_auc(rec.models.mlp, data), valid_auc(rec.models.din, data)
    T.ok(din > base + 0.01, string.format("DIN %.4f > base %.4f + 0.01", din, base))
    local soft = valid_auc(rec.models.din, data, {attention = "softmax"})
    T.ok(din > soft, string.format("no softmax %.4f > softmax %.4f (interest intensity kept)", din, soft))
  end},
  {"DIEN follows drifting interests", function()
    local data = rec.data.synthetic_seq{rows = 20000, seed = 5, drift = true}
    local din, dien = valid_auc(rec.models.din, data), valid_auc(rec.models.dien, data)
    local noaux = valid_auc(rec.models.dien, data, {aux_weight = 0})
    T.ok(dien > din + 0.05, string.format("DIEN %.4f > DIN %.4f + 0.05", dien, din))
    T.ok(dien > noaux + 0.05, string.format("DIEN %.4f > DIEN without aux loss %.4f + 0.05", dien, noaux))
  end},
}
T.done()
