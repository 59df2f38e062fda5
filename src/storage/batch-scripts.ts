/**
 * The item aggregate's batch scripts: one call stores every item of one feed document, one
 * call puts a batch of items into stories. Each does per item what the single-item steps
 * did, in one atomic step, so Redis sees a few commands per item instead of dozens and a
 * retried job still changes nothing twice. Used by ItemStore only.
 *
 * An item is one STRING, its record (see storage/item-codec.ts for the positions).
 */
import { ITEM_RECORD } from './item-scripts.ts';

// Every key the script touches is in KEYS: the indexes first, then one item hash per item.
// ARGV: feedId, now, then per item: id, link, publishedAt, d.
// Returns per item 1 (new), 2 (seen, still untagged) or 0 (seen).
export const INGEST_FEED = ITEM_RECORD + `
local feedId, now = ARGV[1], ARGV[2]
local itemsKey, feedItemsKey, untaggedKey, hourlyKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local out, addItems, addFeed, addUntagged, hours = {}, {}, {}, {}, {}
local n = #KEYS - 4
for i = 1, n do
  local key = KEYS[4 + i]
  local a = 2 + (i - 1) * 4
  local id, link, published, record = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  -- The item key is the dedupe marker: SET NX checks and writes in one step.
  if redis.call('SET', key, record, 'NX') then
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
    local score = nil
    local r = loadItem(key)
    if r then
      score = msOf(r)
      -- Another feed carrying the item: its link is kept beside the first feed's.
      if r[2] ~= feedId and r[11][feedId] == nil then
        r[11][feedId] = link
        saveItem(key, r)
      end
    elseif redis.call('TYPE', key).ok == 'hash' then
      -- Stored in the older hash layout: kept as it is.
      redis.call('HSETNX', key, 's:' .. feedId, link)
      score = redis.call('HGET', key, 'p')
    end
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
// LSH buckets live in one hash per week, the current week's and the last one's read, so the
// whole week expires at once. A band is 8 bytes (its index and 7 bytes of a hash of its rows);
// the hash field is its first 2 bytes, and the value packs one 18-byte entry per item in the
// band: the other 6 bytes, then the item id as 12 raw bytes (24 hex digits). So a week costs
// at most 42 × 256 fields, and an item 18 bytes per band instead of a field of its own.
// The newest BUCKET_MAX items of a band are its candidates. Candidates are verified on their
// full signatures (raw bytes, 2 per value); the item joins the story of the most similar
// candidate at or above the threshold, else leads its own. Idempotent: an item that has a
// story keeps it.
// KEYS: this week's bucket hash, last week's, then one item key per item.
// ARGV: threshold, item key prefix, story key prefix, ttl seconds, then per item: id, the id
// as 12 raw bytes ('' when it is not 24 hex digits: such an item is never a candidate),
// signature, its number of bands, its bands.
export const ASSIGN_STORIES = ITEM_RECORD + `
local threshold, itemPrefix, storyPrefix = tonumber(ARGV[1]), ARGV[2], ARGV[3]
local ttl = tonumber(ARGV[4])
local current, previous = KEYS[1], KEYS[2]
local a = 4
local BUCKET_MAX = 4
local ENTRY = 18
local width = 2
local out = {}
local wrote = false
local function hex(raw)
  return (string.gsub(raw, '.', function(ch) return string.format('%02x', string.byte(ch)) end))
end
-- The ids of the newest BUCKET_MAX entries of a packed bucket whose band ends in 'rest'.
local function inBucket(list, rest)
  local found, from = {}, 1
  while true do
    local s = string.find(list, rest, from, true)
    if not s then break end
    if (s - 1) % ENTRY == 0 then
      found[#found + 1] = string.sub(list, s + 6, s + ENTRY - 1)
      from = s + ENTRY
    else
      from = s + 1
    end
  end
  local out = {}
  for k = math.max(1, #found - BUCKET_MAX + 1), #found do out[#out + 1] = found[k] end
  return out
end
for i = 1, #KEYS - 2 do
  local key = KEYS[2 + i]
  local id, idBytes, sig, nb = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4])
  local fields, rests = {}, {}
  for b = 1, nb do
    local band = ARGV[a + 4 + b]
    fields[b] = string.sub(band, 1, 2)
    rests[b] = string.sub(band, 3, 8)
  end
  a = a + 4 + nb
  local r = loadItem(key)
  if not r then
    -- Gone (or of the older layout): it leads its own story and joins no bucket.
    out[i] = id
  elseif r[13] ~= '' then
    out[i] = r[13]
  else
    local best, bestSim = nil, threshold
    local seen = {}
    local now = nb > 0 and redis.call('HMGET', current, unpack(fields)) or {}
    local before = nb > 0 and redis.call('HMGET', previous, unpack(fields)) or {}
    local n = math.floor(#sig / width)
    for _, lists in ipairs({ now, before }) do
      for b = 1, nb do
        local list = lists[b]
        if list then
          for _, raw in ipairs(inBucket(list, rests[b])) do
            if raw ~= idBytes and not seen[raw] then
              seen[raw] = true
              local c = hex(raw)
              local other = loadItem(itemPrefix .. c)
              if other and #other[15] == #sig and n > 0 then
                local osig = other[15]
                local same = 0
                for j = 0, n - 1 do
                  local s = j * width + 1
                  if string.sub(sig, s, s + width - 1) == string.sub(osig, s, s + width - 1) then same = same + 1 end
                end
                local sim = same / n
                if sim >= bestSim then
                  local leader = other[13] ~= '' and other[13] or c
                  if not best or sim > bestSim then best, bestSim = leader, sim end
                end
              end
            end
          end
        end
      end
    end
    local story = best or id
    r[15] = sig
    r[13] = story
    saveItem(key, r)
    if story ~= id then redis.call('ZADD', storyPrefix .. story, msOf(r), id) end
    if nb > 0 and #idBytes == 12 then
      local writes = {}
      for b = 1, nb do
        writes[#writes + 1] = fields[b]
        writes[#writes + 1] = (now[b] or '') .. rests[b] .. idBytes
      end
      redis.call('HSET', current, unpack(writes))
      wrote = true
    end
    out[i] = story
  end
end
if wrote then redis.call('EXPIRE', current, ttl) end
return out
`;
