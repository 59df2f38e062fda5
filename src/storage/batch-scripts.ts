/**
 * The item aggregate's batch scripts for ingest and stories. Each works on the keys of one
 * hash slot only (so it runs on a Redis Cluster): storing items touches only item hashes,
 * indexing them only the `{items}` indexes, clustering only the `{stories}` keys. Each is
 * idempotent, so a retried job, or a crash between two of them, changes nothing twice.
 * Used by ItemStore only.
 *
 * The compact item hash: `d` (JSON of the fields that never change: id, feedId, link, guid,
 * title, summary, author, hasPublishedDate), `p` (publishedAt ms), `f` (first seen ms),
 * `s:<feedId>` (the link each feed carried it under), then `story`, `fullText` and the tag
 * fields `t:<anchor>` (tags JSON) and `tv:<anchor>` (their anchor version).
 */

// Stores items of one slot. KEYS: the item hashes. ARGV: feedId, now, then per item: id,
// link, publishedAt, d. The hash is its own dedupe marker (HSETNX on 'd' checks and writes in
// one step); a second feed carrying the item only adds its link. Returns per item its score
// for the indexes: its publication time (new), the stored one (seen), or '' (no hash).
export const STORE_ITEMS = `
local feedId, now = ARGV[1], ARGV[2]
local sourceField = 's:' .. feedId
local scores = {}
for i = 1, #KEYS do
  local key, a = KEYS[i], 2 + (i - 1) * 4
  local link, published, d = ARGV[a + 2], ARGV[a + 3], ARGV[a + 4]
  if redis.call('HSETNX', key, 'd', d) == 1 then
    redis.call('HSET', key, 'p', published, 'f', now, sourceField, link)
    scores[i] = published
  else
    redis.call('HSETNX', key, sourceField, link)
    scores[i] = redis.call('HGET', key, 'p') or ''
  end
end
return scores
`;

// Indexes stored items, after STORE_ITEMS. KEYS: items, the feed's items, untagged, hourly.
// ARGV: now, then per item: id, score ('' when its hash is missing: skipped). An item not in
// `items` yet is new: it joins `items`, the untagged list and its hour's count, once however
// often this runs (so a crash after STORE_ITEMS is repaired by the next poll of the feed, and
// nothing is counted twice). Every item joins the feed's list. Returns per item 1 (new),
// 2 (seen, still untagged) or 0 (seen).
export const INDEX_ITEMS = `
local itemsKey, feedItemsKey, untaggedKey, hourlyKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local now = ARGV[1]
local ids, scores = {}, {}
for a = 2, #ARGV, 2 do
  if ARGV[a + 1] ~= '' then
    ids[#ids + 1] = ARGV[a]
    scores[#scores + 1] = ARGV[a + 1]
  end
end
local out = {}
for a = 2, #ARGV, 2 do out[#out + 1] = 0 end
if #ids == 0 then return out end
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
local k = 0
for a = 2, #ARGV, 2 do
  k = k + 1
  local c = codeOf[ARGV[a]]
  if ARGV[a + 1] ~= '' and c ~= nil then out[k] = c end
end
return out
`;

// Puts a batch of items into stories, in order, so copies within the batch find each other,
// atomically so two workers clustering two copies at once cannot both become leaders. Every
// key is under the {stories} tag. LSH buckets live in one hash per week (field: band, value: up
// to BUCKET_MAX item ids, newest last), signatures in another ("<leader> <signature bytes>" by
// item id); the current week's and the last one's are read, and a whole week expires at once.
// Candidates are verified on their full signatures (raw bytes, 4 per 32-bit value); the item
// joins the story of the most similar candidate at or above the threshold, else leads its
// own. Idempotent: an item that has a story keeps it.
// KEYS: this week's bands, last week's, this week's signatures, last week's.
// ARGV: threshold, story key prefix, ttl seconds, then per item: id, publishedAt, signature,
// its number of bands, its bands.
export const ASSIGN_STORIES = `
local threshold, storyPrefix, ttl = tonumber(ARGV[1]), ARGV[2], tonumber(ARGV[3])
local current, previous, sigsNow, sigsBefore = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local BUCKET_MAX, width = 4, 4
local function known(id)
  local v = redis.call('HGET', sigsNow, id) or redis.call('HGET', sigsBefore, id)
  if not v then return nil, nil end
  local sp = string.find(v, ' ', 1, true)
  return string.sub(v, 1, sp - 1), string.sub(v, sp + 1)
end
local a = 3
local out = {}
local wrote = false
while a < #ARGV do
  local id, published, sig, nb = ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], tonumber(ARGV[a + 4])
  local bands = {}
  for b = 1, nb do bands[b] = ARGV[a + 4 + b] end
  a = a + 4 + nb
  local existing = known(id)
  if existing then
    out[#out + 1] = existing
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
              local leader, other = known(c)
              if other and #other == #sig then
                local same = 0
                for j = 0, n - 1 do
                  local s = j * width + 1
                  if string.sub(sig, s, s + width - 1) == string.sub(other, s, s + width - 1) then same = same + 1 end
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
    end
    wrote = true
    out[#out + 1] = story
  end
end
if wrote then
  redis.call('EXPIRE', current, ttl)
  redis.call('EXPIRE', sigsNow, ttl)
end
return out
`;
