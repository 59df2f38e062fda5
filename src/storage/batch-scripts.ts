/**
 * The item aggregate's batch scripts for ingest and stories. Each works on the keys of one
 * hash slot only (so it runs on a Redis Cluster): storing items touches only item hashes,
 * indexing them only the `{items}` indexes, clustering only the `{stories}` keys. Each is
 * idempotent, so a retried job, or a crash between two of them, changes nothing twice.
 * Used by ItemStore only.
 *
 * An item is one STRING, its record (positions in storage/item-codec.ts).
 */
import { ITEM_RECORD } from './item-scripts.ts';

// Stores items of one slot. KEYS: the item keys. ARGV: feedId, the items' publication times
// (comma-separated), the end offsets of their records in the next argument (comma-separated),
// then every record end to end in one argument. Packed so: an argument costs the client about
// the same to encode whatever its size, and a batch of 20 items sent 100 of them. The key is its
// own dedupe marker (SET NX checks and writes in one step); a second feed carrying the item only
// adds its link (read from its record, in that rare case only). Returns one comma-separated
// string: per item its score for the indexes: its publication time (new), the stored one
// (seen), or '' (no item), ready to hand to INDEX_ITEMS as it is.
export const STORE_ITEMS = ITEM_RECORD + `
local feedId, blob = ARGV[1], ARGV[4]
local published, ends = {}, {}
for p in string.gmatch(ARGV[2], '[^,]+') do published[#published + 1] = p end
for e in string.gmatch(ARGV[3], '[^,]+') do ends[#ends + 1] = tonumber(e) end
local scores = {}
local from = 1
for i = 1, #KEYS do
  local key = KEYS[i]
  local record = string.sub(blob, from, ends[i])
  from = ends[i] + 1
  if redis.call('SET', key, record, 'NX') then
    scores[i] = published[i]
  else
    local r = loadItem(key)
    if r then
      if r[2] ~= feedId and r[11][feedId] == nil then
        r[11][feedId] = cmsgpack.unpack(record)[3]
        saveItem(key, r)
      end
      scores[i] = msOf(r)
    elseif redis.call('TYPE', key).ok == 'hash' then
      -- Stored in the older hash layout: kept as it is.
      redis.call('HSETNX', key, 's:' .. feedId, cmsgpack.unpack(record)[3])
      scores[i] = redis.call('HGET', key, 'p') or ''
    else
      scores[i] = ''
    end
  end
end
return table.concat(scores, ',')
`;

// Indexes stored items, after STORE_ITEMS. KEYS: items, the feed's items, untagged, hourly.
// ARGV: now, the items' scores as STORE_ITEMS answers them (comma-separated; '' when its record
// is missing: skipped), a time ('' for none), then per item its id. An item not in
// `items` yet is new: it joins `items`, the untagged list and its hour's count, once however
// often this runs (so a crash after STORE_ITEMS is repaired by the next poll of the feed, and
// nothing is counted twice). Every item joins the feed's list. Returns per item 1 (new),
// 2 (seen, still untagged) or 0 (seen); with a time, then the number of the feed's items
// published since it (the poll reschedules by it: counted here, not in a command of its own).
export const INDEX_ITEMS = `
local itemsKey, feedItemsKey, untaggedKey, hourlyKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now, countSince = ARGV[1], ARGV[3]
local given = {}
for s in string.gmatch(ARGV[2] .. ',', '([^,]*),') do given[#given + 1] = s end
local ids, scores = {}, {}
for a = 4, #ARGV do
  local score = given[a - 3] or ''
  if score ~= '' then
    ids[#ids + 1] = ARGV[a]
    scores[#scores + 1] = score
  end
end
local out = {}
for a = 4, #ARGV do out[#out + 1] = 0 end
local function withCount()
  if countSince ~= '' then out[#out + 1] = redis.call('ZCOUNT', feedItemsKey, countSince, '+inf') end
  return out
end
if #ids == 0 then return withCount() end
local inItems = redis.call('ZMSCORE', itemsKey, unpack(ids))
local inUntagged = redis.call('ZMSCORE', untaggedKey, unpack(ids))
local codeOf, addItems, addUntagged, addFeed, hours = {}, {}, {}, {}, {}
for i = 1, #ids do
  local id, score = ids[i], scores[i]
  if not inItems[i] and codeOf[id] == nil then
    addItems[#addItems + 1] = score
    addItems[#addItems + 1] = id
    addUntagged[#addUntagged + 1] = now
    addUntagged[#addUntagged + 1] = id
    local h = string.format('%d', math.floor(tonumber(score) / 3600000))
    hours[h] = (hours[h] or 0) + 1
    codeOf[id] = 1
  elseif codeOf[id] == nil then
    if inUntagged[i] then codeOf[id] = 2 else codeOf[id] = 0 end
  end
  addFeed[#addFeed + 1] = score
  addFeed[#addFeed + 1] = id
end
if #addItems > 0 then
  redis.call('ZADD', itemsKey, unpack(addItems))
  redis.call('ZADD', untaggedKey, unpack(addUntagged))
  for h, c in pairs(hours) do redis.call('HINCRBY', hourlyKey, h, c) end
end
redis.call('ZADD', feedItemsKey, unpack(addFeed))
for a = 4, #ARGV do
  local c = codeOf[ARGV[a]]
  if (given[a - 3] or '') ~= '' and c ~= nil then out[a - 3] = c end
end
return withCount()
`;

// Puts a batch of items into stories, in order, so copies within the batch find each other,
// atomically so two workers clustering two copies at once cannot both become leaders. Every
// key is under the {stories} tag. Signatures live in one hash per week ("<leader> <signature
// bytes>" by item id), LSH buckets in another; the current week's and the last one's are
// read, and a whole week expires at once. A band is 8 bytes (its index and 7 bytes of a hash
// of its rows): the bucket hash's field is its first 2 bytes, and the value packs one 18-byte
// entry per item in the band, the other 6 bytes then the item id as 12 raw bytes (24 hex
// digits). So a week costs at most 42 × 256 fields, and an item 18 bytes per band rather than
// a field and an id list of its own. The newest BUCKET_MAX items of a band are its candidates,
// verified on their full signatures (1 byte per value: see ItemStore's storedSignature); the item joins the story of the most
// similar candidate at or above the threshold, else leads its own. Idempotent: an item that
// has a story keeps it.
// KEYS: this week's bands, last week's, this week's signatures, last week's.
// ARGV: threshold, story key prefix, ttl seconds, the items' ids (comma-separated), their
// publication times (comma-separated), per item three lengths (comma-separated): of its raw id
// (12, or 0 when the id is not 24 hex digits: such an item is never anyone's candidate), its
// signature and its bands (8 bytes each); then those bytes, item after item, end to end in one
// argument: a call carries seven arguments, not five (and a Buffer's three parts) per item.
export const ASSIGN_STORIES = `
local threshold, storyPrefix, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local current, previous, sigsNow, sigsBefore = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local BUCKET_MAX, width, ENTRY = 4, 1, 18
local function parsed(v)
  if not v then return nil, nil end
  local sp = string.find(v, ' ', 1, true)
  return string.sub(v, 1, sp - 1), string.sub(v, sp + 1)
end
local function known(id)
  return parsed(redis.call('HGET', sigsNow, id) or redis.call('HGET', sigsBefore, id))
end
local function hex(raw)
  return (string.gsub(raw, '.', function(ch) return string.format('%02x', string.byte(ch)) end))
end
-- The raw ids of the newest BUCKET_MAX entries of a packed bucket whose band ends in 'rest'.
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
  local newest = {}
  for k = math.max(1, #found - BUCKET_MAX + 1), #found do newest[#newest + 1] = found[k] end
  return newest
end
-- The batch's own ids are looked up in two HMGETs, not two HGETs each; an id met again in the
-- batch finds the story this call gave it in 'assigned'.
local ids, publishedAt, lengths = {}, {}, {}
for s in string.gmatch(ARGV[4], '[^,]+') do ids[#ids + 1] = s end
for s in string.gmatch(ARGV[5], '[^,]+') do publishedAt[#publishedAt + 1] = s end
for s in string.gmatch(ARGV[6], '[^,]+') do lengths[#lengths + 1] = tonumber(s) end
local packed, at = ARGV[7], 1
local selfNow = #ids > 0 and redis.call('HMGET', sigsNow, unpack(ids)) or {}
local selfBefore = #ids > 0 and redis.call('HMGET', sigsBefore, unpack(ids)) or {}
local assigned = {}
local out = {}
local wrote = false
local function take(n)
  local v = string.sub(packed, at, at + n - 1)
  at = at + n
  return v
end
for k = 1, #ids do
  local id, published = ids[k], publishedAt[k]
  local idBytes = take(lengths[3 * k - 2])
  local sig = take(lengths[3 * k - 1])
  local bands = take(lengths[3 * k])
  local nb = math.floor(#bands / 8)
  local fields, rests = {}, {}
  for b = 1, nb do
    local s = (b - 1) * 8
    fields[b] = string.sub(bands, s + 1, s + 2)
    rests[b] = string.sub(bands, s + 3, s + 8)
  end
  local existing = assigned[id] or parsed(selfNow[k] or selfBefore[k] or nil)
  if existing then
    out[#out + 1] = existing
  else
    local best, bestSim = nil, threshold
    local seen = {}
    local now = nb > 0 and redis.call('HMGET', current, unpack(fields)) or {}
    local before = nb > 0 and redis.call('HMGET', previous, unpack(fields)) or {}
    local n = math.floor(#sig / width)
    local mine = nil
    for _, lists in ipairs({ now, before }) do
      for b = 1, nb do
        local list = lists[b]
        if list then
          for _, raw in ipairs(inBucket(list, rests[b])) do
            if raw ~= idBytes and not seen[raw] then
              seen[raw] = true
              local leader, other = known(hex(raw))
              if other and #other == #sig and n > 0 then
                -- Compared as bytes (one value each: width 1), read with one call per
                -- signature, not two substrings per value.
                mine = mine or { string.byte(sig, 1, #sig) }
                local theirs = { string.byte(other, 1, #other) }
                local same = 0
                for j = 1, n do
                  if mine[j] == theirs[j] then same = same + 1 end
                end
                local sim = same / n
                if sim >= bestSim and (not best or sim > bestSim) then best, bestSim = leader, sim end
              end
            end
          end
        end
      end
    end
    local story = best or id
    redis.call('HSET', sigsNow, id, story .. ' ' .. sig)
    if story ~= id then redis.call('ZADD', storyPrefix .. story, published, id) end
    if nb > 0 and #idBytes == 12 then
      local writes = {}
      for b = 1, nb do
        writes[#writes + 1] = fields[b]
        writes[#writes + 1] = (now[b] or '') .. rests[b] .. idBytes
      end
      redis.call('HSET', current, unpack(writes))
    end
    wrote = true
    assigned[id] = story
    out[#out + 1] = story
  end
end
if wrote then
  redis.call('EXPIRE', current, ttl)
  redis.call('EXPIRE', sigsNow, ttl)
end
return out
`;
