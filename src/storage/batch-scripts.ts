/**
 * The item aggregate's batch scripts: one call stores every item of one feed document, one
 * call puts a batch of items into stories. Each does per item what the single-item steps
 * did, in one atomic step, so Redis sees a few commands per item instead of dozens and a
 * retried job still changes nothing twice. Used by ItemStore only.
 *
 * The compact item hash: `d` (JSON of the fields that never change: id, feedId, link, guid,
 * title, summary, author, hasPublishedDate), `p` (publishedAt ms), `f` (first seen ms),
 * `s:<feedId>` (the link each feed carried it under), then `sig`, `story` and the tag fields.
 */

// Every key the script touches is in KEYS: the indexes first, then one item hash per item.
// ARGV: feedId, now, then per item: id, link, publishedAt, d.
// Returns per item 1 (new), 2 (seen, still untagged) or 0 (seen).
export const INGEST_FEED = `
local feedId, now = ARGV[1], ARGV[2]
local itemsKey, feedItemsKey, untaggedKey, hourlyKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local sourceField = 's:' .. feedId
local out, addItems, addFeed, addUntagged, hours = {}, {}, {}, {}, {}
local n = #KEYS - 4
for i = 1, n do
  local key = KEYS[4 + i]
  local a = 2 + (i - 1) * 4
  local id, link, published, d = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  -- The item hash is the dedupe marker: HSETNX on its 'd' field checks and writes in one step.
  if redis.call('HSETNX', key, 'd', d) == 1 then
    redis.call('HSET', key, 'p', published, 'f', now, sourceField, link)
    addItems[#addItems + 1] = published
    addItems[#addItems + 1] = id
    addFeed[#addFeed + 1] = published
    addFeed[#addFeed + 1] = id
    addUntagged[#addUntagged + 1] = now
    addUntagged[#addUntagged + 1] = id
    local h = string.format('%d', math.floor(tonumber(published) / 3600000))
    hours[h] = (hours[h] or 0) + 1
    out[i] = 1
  else
    redis.call('HSETNX', key, sourceField, link)
    local score = redis.call('HGET', key, 'p')
    if score then
      addFeed[#addFeed + 1] = score
      addFeed[#addFeed + 1] = id
    end
    if redis.call('ZSCORE', untaggedKey, id) then out[i] = 2 else out[i] = 0 end
  end
end
if #addItems > 0 then
  redis.call('ZADD', itemsKey, unpack(addItems))
  redis.call('ZADD', untaggedKey, unpack(addUntagged))
  for h, c in pairs(hours) do redis.call('HINCRBY', hourlyKey, h, c) end
end
if #addFeed > 0 then redis.call('ZADD', feedItemsKey, unpack(addFeed)) end
return out
`;

// Puts a batch of items into stories, in order, so copies within the batch find each other,
// atomically so two workers clustering two copies at once cannot both become leaders.
// LSH buckets live in one hash per week (field: band, value: up to BUCKET_MAX item ids,
// newest last), the current week's and the last one's read, so a bucket costs no key of its
// own and the whole week expires at once. Candidates are verified on their full signatures
// (raw bytes, 4 per 32-bit value); the item joins the story of the most similar candidate
// at or above the threshold, else leads its own. Idempotent: an item that has a story keeps it.
// KEYS: this week's bucket hash, last week's, then one item hash per item.
// ARGV: threshold, item key prefix, story key prefix, ttl seconds, then per item: id,
// signature, its number of bands, its bands.
export const ASSIGN_STORIES = `
local threshold, itemPrefix, storyPrefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local ttl = tonumber(ARGV[4])
local current, previous = KEYS[1], KEYS[2]
local a = 4
local BUCKET_MAX = 4
local width = 4
local out = {}
local wrote = false
for i = 1, #KEYS - 2 do
  local key = KEYS[2 + i]
  local id, sig, nb = ARGV[a + 1], ARGV[a + 2], tonumber(ARGV[a + 3])
  local bands = {}
  for b = 1, nb do bands[b] = ARGV[a + 3 + b] end
  a = a + 3 + nb
  local state = redis.call('HMGET', key, 'story', 'p')
  if state[1] then
    out[i] = state[1]
  else
    local best, bestSim = nil, threshold
    local seen = {}
    local now = nb > 0 and redis.call('HMGET', current, unpack(bands)) or {}
    local before = nb > 0 and redis.call('HMGET', previous, unpack(bands)) or {}
    local n = math.floor(#sig / width)
    for _, lists in ipairs({ now, before }) do
      for b = 1, nb do
        local list = lists[b]
        if list then
          for c in string.gmatch(list, '[^,]+') do
            if c ~= id and not seen[c] then
              seen[c] = true
              local other = redis.call('HMGET', itemPrefix .. c, 'sig', 'story')
              if other[1] and #other[1] == #sig then
                local same = 0
                for j = 0, n - 1 do
                  local s = j * width + 1
                  if string.sub(sig, s, s + width - 1) == string.sub(other[1], s, s + width - 1) then same = same + 1 end
                end
                local sim = same / n
                if sim >= bestSim then
                  local leader = other[2] or c
                  if not best or sim > bestSim then best, bestSim = leader, sim end
                end
              end
            end
          end
        end
      end
    end
    local story = best or id
    redis.call('HSET', key, 'sig', sig, 'story', story)
    if story ~= id then redis.call('ZADD', storyPrefix .. story, state[2] or 0, id) end
    if nb > 0 then
      local fields = {}
      for b = 1, nb do
        local list = now[b]
        local ids = {}
        if list then for c in string.gmatch(list, '[^,]+') do if c ~= id then ids[#ids + 1] = c end end end
        while #ids >= BUCKET_MAX do table.remove(ids, 1) end
        ids[#ids + 1] = id
        fields[#fields + 1] = bands[b]
        fields[#fields + 1] = table.concat(ids, ',')
      end
      redis.call('HSET', current, unpack(fields))
      wrote = true
    end
    out[i] = story
  end
end
if wrote then redis.call('EXPIRE', current, ttl) end
return out
`;
