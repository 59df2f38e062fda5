/**
 * The Lua scripts of the item aggregate: every multi-key step on an item and the indexes
 * derived from it (feed lists, digest, entity and hourly counts, stories) runs as one script
 * call, so a retried job or a crash between two commands can never leave them out of step.
 * Used by ItemStore only.
 */

// Per-hour counts beside every index (`*-hourly` hashes): a member added to an index adds
// one to its publication hour, a member removed takes one away, in the same script step,
// so the counts are the index's own and cannot drift from it. Volume reads them instead of
// counting thousands of ranges.
const HOURLY = `
local function hourOf(ms) return string.format('%d', math.floor(tonumber(ms) / 3600000)) end
local function countIn(hourly, ms, delta)
  local h = hourOf(ms)
  if redis.call('HINCRBY', hourly, h, delta) <= 0 then redis.call('HDEL', hourly, h) end
end
`;

// The item record (storage/item-codec.ts): one STRING holding a MessagePack array. An item
// stored in the older hash layout reads as absent here (GET answers WRONGTYPE), so the
// scripts leave it alone instead of failing.
export const ITEM_RECORD = `
local function loadItem(key)
  local raw = redis.pcall('GET', key)
  if type(raw) ~= 'string' then return nil end
  local r = cmsgpack.unpack(raw)
  if type(r) ~= 'table' or r[1] ~= 1 then return nil end
  return r
end
local function saveItem(key, r) redis.call('SET', key, cmsgpack.pack(r)) end
local function msOf(r) return string.format('%d', r[9]) end
`;

// Replaces an item's tags for one anchor and moves it between the entity and digest
// indexes accordingly. Indexes are sets of item ids, so applying the same tags twice
// (a retried job) or re-tagging with new entities never counts an item twice.
// Tags from an older anchor version never overwrite newer ones.
// The digest shows one entry per story: a relevant item enters it when it leads its story
// (or its leader is not shown); a leader that enters folds in members shown before it.
// An item entering the digest is appended to the anchor's capped stream, in the same step;
// one leaving it is appended as a `remove` entry.
// The record keeps each anchor's entity keys only; their index keys are the prefixes in
// ARGV[6] (index) and ARGV[10] (hourly counts) followed by the entity key.
export const WRITE_TAGS = HOURLY + ITEM_RECORD + `
local anchorId = ARGV[1]
local version = tonumber(ARGV[2])
local id = ARGV[5]
local r = loadItem(KEYS[1])
if not r then return -1 end
local prev = r[14][anchorId]
local current = prev and prev[1] or -1
if current > version then return 0 end
-- A job still running for a deleted anchor must not bring its indexes back.
if redis.call('EXISTS', ARGV[9]) == 0 then return 0 end
local score = msOf(r)
local newKeys = {}
for i = 4, #KEYS, 2 do newKeys[KEYS[i]] = true end
if prev then
  for _, e in ipairs(prev[3]) do
    local key = ARGV[6] .. e[1]
    if not newKeys[key] and redis.call('ZREM', key, id) == 1 then countIn(ARGV[10] .. e[1], score, -1) end
  end
end
for i = 4, #KEYS, 2 do
  if redis.call('ZADD', KEYS[i], score, id) == 1 then countIn(KEYS[i + 1], score, 1) end
end
-- Only an item once relevant can be in the digest: others skip the lookup.
local wasShown = prev ~= nil and prev[2] == true and redis.call('ZSCORE', KEYS[2], id) ~= false
local leader = r[13] ~= '' and r[13] or id
local show = false
if ARGV[4] == '1' then
  show = leader == id or redis.call('ZSCORE', KEYS[2], leader) == false
end
if show then
  if not wasShown then redis.call('ZADD', KEYS[2], score, id) end
  if leader == id then
    for _, m in ipairs(redis.call('ZRANGE', ARGV[8] .. id, 0, -1)) do
      if redis.call('ZREM', KEYS[2], m) == 1 then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'remove', m) end
    end
  end
elseif wasShown then
  redis.call('ZREM', KEYS[2], id)
end
r[14][anchorId] = cmsgpack.unpack(ARGV[3])
saveItem(KEYS[1], r)
if show and not wasShown then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'item', id)
  return 1
end
-- An item leaving the digest (a judgement, a new entity list or scope, a re-scored model) is
-- announced on the same stream, so a live client drops it and a resuming one learns it too.
if wasShown and not show then
  redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'remove', id)
  return 3
end
return 2
`;

// Marks items whose article page was read (record field 12); a gone item stays gone.
export const SET_FULL_TEXT = ITEM_RECORD + `
for i = 1, #KEYS do
  local r = loadItem(KEYS[i])
  if r and r[12] ~= true then
    r[12] = true
    saveItem(KEYS[i], r)
  end
end
return #KEYS
`;

// Forgets one anchor's tags on the given items (the anchor was deleted). Items of the older
// hash layout lose their tag fields the old way.
export const DROP_ANCHOR_TAGS = ITEM_RECORD + `
local anchorId = ARGV[1]
for i = 1, #KEYS do
  local r = loadItem(KEYS[i])
  if r then
    if r[14][anchorId] ~= nil then
      r[14][anchorId] = nil
      saveItem(KEYS[i], r)
    end
  elseif redis.call('TYPE', KEYS[i]).ok == 'hash' then
    redis.call('HDEL', KEYS[i], 't:' .. anchorId, 'tk:' .. anchorId, 'tv:' .. anchorId, 'tr:' .. anchorId)
  end
end
return #KEYS
`;

// Removes an item and every index entry that points at it, in one step, so retention trims
// the digest, the entity series, the feed lists and the stories at once and never leaves a
// count behind. The record names the feeds that carried it and each anchor's entity keys;
// an anchor's index keys come from the templates in ARGV[5] and ARGV[6], where byte 1
// stands for the anchor id. An item of the older hash layout is removed the old way.
export const RETIRE = HOURLY + ITEM_RECORD + `
local id = ARGV[1]
local function forAnchor(template, anchorId)
  local at = string.find(template, '\\1', 1, true)
  return string.sub(template, 1, at - 1) .. anchorId .. string.sub(template, at + 1)
end
local score = nil
local r = loadItem(KEYS[1])
if r then
  score = msOf(r)
  redis.call('ZREM', ARGV[2] .. r[2], id)
  for feedId in pairs(r[11]) do redis.call('ZREM', ARGV[2] .. feedId, id) end
  for anchorId, t in pairs(r[14]) do
    local index, hourly = forAnchor(ARGV[5], anchorId), forAnchor(ARGV[6], anchorId)
    for _, e in ipairs(t[3]) do
      if redis.call('ZREM', index .. e[1], id) == 1 then countIn(hourly .. e[1], score, -1) end
    end
    redis.call('ZREM', ARGV[3] .. anchorId, id)
  end
  if r[13] ~= '' and r[13] ~= id then redis.call('ZREM', ARGV[4] .. r[13], id) end
elseif redis.call('TYPE', KEYS[1]).ok == 'hash' then
  score = redis.call('HGET', KEYS[1], 'p')
  local fields = redis.call('HGETALL', KEYS[1])
  for i = 1, #fields, 2 do
    local f = fields[i]
    if string.sub(f, 1, 2) == 's:' then redis.call('ZREM', ARGV[2] .. string.sub(f, 3), id) end
    if string.sub(f, 1, 3) == 'tk:' then
      for _, pair in ipairs(cjson.decode(fields[i + 1])) do
        if redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
      end
      redis.call('ZREM', ARGV[3] .. string.sub(f, 4), id)
    end
    if f == 'story' and fields[i + 1] ~= id then redis.call('ZREM', ARGV[4] .. fields[i + 1], id) end
  end
end
redis.call('DEL', KEYS[1], ARGV[4] .. id)
if redis.call('ZREM', KEYS[2], id) == 1 and score then countIn(KEYS[4], score, -1) end
redis.call('ZREM', KEYS[3], id)
return 1
`;

// For every ZSET given (scored by publication time, integer ms) and every boundary, the
// number of members published before it: one O(log n) ZCOUNT per boundary and series, all
// in one call; the caller subtracts neighbours to get the half-open buckets [b[i], b[i+1]).
// The series read the very index the digest uses, so they can never drift from it.
// Boundaries come in as one comma-separated string of "b - 1" (scores are whole ms, so that
// is "before b"), and the answer goes back as one string per series: with thousands of
// buckets, one bulk string parses far faster than thousands of integer replies.
export const COUNTS_BELOW = `
local call, bounds, series = redis.call, {}, {}
for b in string.gmatch(ARGV[1], '[^,]+') do bounds[#bounds + 1] = b end
for k = 1, #KEYS do
  local key, out = KEYS[k], {}
  for i = 1, #bounds do out[i] = call('ZCOUNT', key, '-inf', bounds[i]) end
  series[k] = table.concat(out, ',')
end
return table.concat(series, ';')
`;

// Sums the hourly counts of each hash into buckets whose boundaries are whole hours (given as
// hour numbers, comma-separated), inside Redis: the answer is one short string per series.
export const SUM_HOURS = `
local bounds = {}
for b in string.gmatch(ARGV[1], '[^,]+') do bounds[#bounds + 1] = tonumber(b) end
local first, last, nb = bounds[1], bounds[#bounds], #bounds - 1
local fields = {}
for h = first, last - 1 do fields[#fields + 1] = string.format('%d', h) end
local series = {}
for k = 1, #KEYS do
  local values = redis.call('HMGET', KEYS[k], unpack(fields))
  local counts, b, sum = {}, 1, 0
  for i = 1, #values do
    local h = first + i - 1
    while h >= bounds[b + 1] do counts[b] = sum; sum = 0; b = b + 1 end
    if values[i] then sum = sum + tonumber(values[i]) end
  end
  while b <= nb do counts[b] = sum; sum = 0; b = b + 1 end
  series[k] = table.concat(counts, ',')
end
return table.concat(series, ';')
`;
