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

// Stores an item once: the item hash doubles as the dedupe marker, so the check and the
// writes are one atomic step and a re-poll or a retried job can never store it twice.
export const INGEST = HOURLY + `
local id = ARGV[1]
local feedId = ARGV[2]
if redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('HSETNX', KEYS[2], feedId, ARGV[3])
  local score = redis.call('HGET', KEYS[1], 'publishedAt')
  redis.call('ZADD', KEYS[4], score, id)
  if redis.call('ZSCORE', KEYS[5], id) then return 2 end
  return 0
end
local fields = {}
for i = 6, #ARGV do fields[#fields + 1] = ARGV[i] end
redis.call('HSET', KEYS[1], unpack(fields))
redis.call('HSET', KEYS[2], feedId, ARGV[3])
if redis.call('ZADD', KEYS[3], ARGV[4], id) == 1 then countIn(KEYS[6], ARGV[4], 1) end
redis.call('ZADD', KEYS[4], ARGV[4], id)
redis.call('ZADD', KEYS[5], ARGV[5], id)
return 1
`;

// Replaces an item's tags for one anchor and moves it between the entity and digest
// indexes accordingly. Indexes are sets of item ids, so applying the same tags twice
// (a retried job) or re-tagging with new entities never counts an item twice.
// Tags from an older anchor version never overwrite newer ones.
// The digest shows one entry per story: a relevant item enters it when it leads its story
// (or its leader is not shown); a leader that enters folds in members shown before it.
// An item entering the digest is appended to the anchor's capped stream, in the same step;
// one leaving it is appended as a `remove` entry.
export const WRITE_TAGS = HOURLY + `
local anchorId = ARGV[1]
local version = tonumber(ARGV[2])
local id = ARGV[5]
local current = tonumber(redis.call('HGET', KEYS[1], 'tv:' .. anchorId) or '-1')
if current > version then return 0 end
-- A job still running for a deleted anchor must not bring its indexes back.
if redis.call('EXISTS', ARGV[9]) == 0 then return 0 end
local score = redis.call('HGET', KEYS[1], 'publishedAt')
if not score then return -1 end
local newKeys = {}
for i = 4, #KEYS, 2 do newKeys[KEYS[i]] = true end
local old = redis.call('HGET', KEYS[1], 'tk:' .. anchorId)
if old then
  for _, pair in ipairs(cjson.decode(old)) do
    if not newKeys[pair[1]] and redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
  end
end
for i = 4, #KEYS, 2 do
  if redis.call('ZADD', KEYS[i], score, id) == 1 then countIn(KEYS[i + 1], score, 1) end
end
local wasShown = redis.call('ZSCORE', KEYS[2], id) ~= false
local leader = redis.call('HGET', KEYS[1], 'story') or id
local show = false
if ARGV[4] == '1' then
  show = leader == id or redis.call('ZSCORE', KEYS[2], leader) == false
end
if show then
  redis.call('ZADD', KEYS[2], score, id)
  if leader == id then
    for _, m in ipairs(redis.call('ZRANGE', ARGV[8] .. id, 0, -1)) do
      if redis.call('ZREM', KEYS[2], m) == 1 then redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[7], '*', 'remove', m) end
    end
  end
else
  redis.call('ZREM', KEYS[2], id)
end
redis.call('HSET', KEYS[1], 't:' .. anchorId, ARGV[3], 'tk:' .. anchorId, ARGV[6], 'tv:' .. anchorId, ARGV[2], 'tr:' .. anchorId, ARGV[4])
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

// Removes an item and every index entry that points at it, in one step, so retention trims
// the digest, the entity series, the feed lists and the stories at once and never leaves a
// count behind. The tag fields name the entity index keys the item is in.
export const RETIRE = HOURLY + `
local id = ARGV[1]
local score = redis.call('HGET', KEYS[1], 'publishedAt')
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local f = fields[i]
  if string.sub(f, 1, 3) == 'tk:' then
    for _, pair in ipairs(cjson.decode(fields[i + 1])) do
      if redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
    end
    redis.call('ZREM', ARGV[3] .. string.sub(f, 4), id)
  end
  if f == 'story' and fields[i + 1] ~= id then redis.call('ZREM', ARGV[4] .. fields[i + 1], id) end
end
for _, feedId in ipairs(redis.call('HKEYS', KEYS[2])) do redis.call('ZREM', ARGV[2] .. feedId, id) end
redis.call('DEL', KEYS[1], KEYS[2], ARGV[4] .. id)
if redis.call('ZREM', KEYS[3], id) == 1 and score then countIn(KEYS[5], score, -1) end
redis.call('ZREM', KEYS[4], id)
return 1
`;

// Puts an item into a story, atomically so two workers clustering two copies at once
// cannot both become leaders. Candidates come from the LSH buckets the item falls in and
// are verified on their full signatures (raw bytes, 4 per 32-bit value). The item
// joins the story of the most similar candidate at or above the threshold, else leads
// its own. Idempotent: an item that has a story keeps it.
export const ASSIGN_STORY = `
local id = ARGV[1]
local sig = ARGV[2]
local threshold = tonumber(ARGV[3])
local itemPrefix = ARGV[4]
local storyPrefix = ARGV[5]
local ttl = tonumber(ARGV[6])
local existing = redis.call('HGET', KEYS[1], 'story')
if existing then return existing end
local width = 4
local n = math.floor(#sig / width)
local best, bestSim = nil, threshold
local seen = {}
for i = 2, #KEYS do
  for _, c in ipairs(redis.call('SMEMBERS', KEYS[i])) do
    if c ~= id and not seen[c] then
      seen[c] = true
      local other = redis.call('HGET', itemPrefix .. c, 'sig')
      if other and #other == #sig then
        local same = 0
        for j = 0, n - 1 do
          local a = j * width + 1
          if string.sub(sig, a, a + width - 1) == string.sub(other, a, a + width - 1) then same = same + 1 end
        end
        local sim = same / n
        if sim >= bestSim then
          local leader = redis.call('HGET', itemPrefix .. c, 'story') or c
          if not best or sim > bestSim then best, bestSim = leader, sim end
        end
      end
    end
  end
end
local story = best or id
redis.call('HSET', KEYS[1], 'sig', sig, 'story', story)
if story ~= id then
  redis.call('ZADD', storyPrefix .. story, redis.call('HGET', KEYS[1], 'publishedAt') or 0, id)
end
for i = 2, #KEYS do
  redis.call('SADD', KEYS[i], id)
  redis.call('EXPIRE', KEYS[i], ttl)
end
return story
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
