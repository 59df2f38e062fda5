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
export const HOURLY = `
local function hourOf(ms) return string.format('%d', math.floor(tonumber(ms) / 3600000)) end
local function countIn(hourly, ms, delta)
  local h = hourOf(ms)
  if redis.call('HINCRBY', hourly, h, delta) <= 0 then redis.call('HDEL', hourly, h) end
end
`;

// The tag write (one anchor, a batch of items) is in tag-batch-script.ts.

// Removes an item and every index entry that points at it, in one step, so retention trims
// the digest, the entity series, the feed lists and the stories at once and never leaves a
// count behind. The tag fields name the entity index keys the item is in; the 's:' fields
// the feeds that carried it.
export const RETIRE = HOURLY + `
local id = ARGV[1]
local score = redis.call('HGET', KEYS[1], 'p')
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
