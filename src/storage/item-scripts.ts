/**
 * The Lua scripts of tagging, retention and volume: each multi-key step runs as one script
 * call on the keys of one hash slot (an item hash batch, one anchor's indexes, the {items}
 * indexes), so it stays legal on a Redis Cluster, and a retried job or a crash between two
 * steps can never leave one aggregate out of step with itself. Used by ItemStore only.
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
local function saveItem(key, r) redis.call('SET', key, cmsgpack.pack(r), 'KEEPTTL') end
local function msOf(r) return string.format('%d', r[9]) end
`;

// Reads MessagePack without decoding it: the position after the value at p (1-based), or nil
// for a kind the project never writes (the codec's subset: see item-codec.ts). A record patched
// this way is never unpacked into Lua tables and packed again: the tag step's Redis time on a
// 120-word item fell from about 17 to 11 us.
const MSGPACK_SKIP = `
local byte, sub = string.byte, string.sub
local function skip(s, p)
  local c = byte(s, p)
  if not c then return nil end
  if c < 0x80 or c >= 0xe0 or c == 0xc0 or c == 0xc2 or c == 0xc3 then return p + 1 end
  if c < 0xa0 then
    local n = c < 0x90 and 2 * (c - 0x80) or c - 0x90
    p = p + 1
    for _ = 1, n do p = skip(s, p); if not p then return nil end end
    return p
  end
  if c < 0xc0 then return p + 1 + c - 0xa0 end
  if c == 0xcc or c == 0xd0 then return p + 2 end
  if c == 0xcd or c == 0xd1 then return p + 3 end
  if c == 0xca or c == 0xce or c == 0xd2 then return p + 5 end
  if c == 0xcb or c == 0xcf or c == 0xd3 then return p + 9 end
  if c == 0xd9 then return p + 2 + byte(s, p + 1) end
  local a, b, d, e = byte(s, p + 1, p + 4)
  if c == 0xda then return p + 3 + a * 256 + b end
  if c == 0xdb then return p + 5 + ((a * 256 + b) * 256 + d) * 256 + e end
  local n, q
  if c == 0xdc or c == 0xde then n, q = a * 256 + b, p + 3
  elseif c == 0xdd or c == 0xdf then n, q = ((a * 256 + b) * 256 + d) * 256 + e, p + 5
  else return nil end
  if c == 0xde or c == 0xdf then n = 2 * n end
  for _ = 1, n do q = skip(s, q); if not q then return nil end end
  return q
end
local function mapHeader(n)
  if n < 16 then return string.char(0x80 + n) end
  return string.char(0xde, math.floor(n / 256), n % 256)
end
`;

// Writes the tags of a batch of (item, anchor) pairs onto the item records (one slot). KEYS:
// one item key per pair (an item may repeat, once per anchor). ARGV: the number m of anchors,
// their m ids, then per pair (comma-separated) the position of its anchor among them, per pair
// (comma-separated) its story hint ('' for none), the end offsets of the pairs' tags in the
// next argument (comma-separated), then every pair's tags (packed by item-codec.ts's
// encodeTags, which starts with the anchor's version) end to end in one argument: a few
// arguments per call, not four per pair. Tags from an older anchor version
// never overwrite newer ones; the same version is written again (a retried job). The item's
// story is set once, from the hint, and kept. Returns per pair three values: 1 (written),
// 0 (stale) or -1 (no item); the item's score; its story leader (itself when it has none).
// The record is patched, not decoded: its positions 13 (leader) and 14 (tags) are found by
// skipping the values before them, the tag map's entries are copied as bytes but the anchor's,
// and the new tags go in as the bytes the caller packed. A record of another shape (a format
// this script does not know) takes the decoding path.
export const ITEM_TAGS = ITEM_RECORD + MSGPACK_SKIP + `
local m = tonumber(ARGV[1])
local which, hints, keyOf = {}, {}, {}
for s in string.gmatch(ARGV[m + 2], '[^,]+') do which[#which + 1] = tonumber(s) end
for s in string.gmatch(ARGV[m + 3] .. ',', '([^,]*),') do hints[#hints + 1] = s end
for a = 1, m do keyOf[a] = cmsgpack.pack(ARGV[1 + a]) end
local ends = {}
for e in string.gmatch(ARGV[m + 4], '[^,]+') do ends[#ends + 1] = tonumber(e) end
local blob, pos = ARGV[m + 5], 1
-- The patched record, and the previous version of the anchor's tags, the publication time and
-- the leader; nil when the record is not of the expected shape.
local function patched(raw, anchorId, packedKey, tagBytes, version, hint)
  local c = byte(raw, 1)
  if not c or c < 0x9e or c > 0x9f or byte(raw, 2) ~= 1 then return nil end
  -- The record's own values are scalars and strings but one small map: stepped over inline,
  -- a function call each costing more than the step.
  local at, p = {}, 2
  for i = 1, 14 do
    at[i] = p
    local t = byte(raw, p)
    if not t then return nil
    elseif t < 0x80 or t == 0xc2 or t == 0xc3 then p = p + 1
    elseif t >= 0xa0 and t < 0xc0 then p = p + 1 + t - 0xa0
    elseif t == 0xda then
      local a, b = byte(raw, p + 1, p + 2)
      p = p + 3 + a * 256 + b
    elseif t == 0xcf or t == 0xd3 or t == 0xcb then p = p + 9
    else
      p = skip(raw, p)
      if not p then return nil end
    end
  end
  local _, ms = cmsgpack.unpack_one(raw, at[9] - 1)
  local _, leader = cmsgpack.unpack_one(raw, at[13] - 1)
  if type(ms) ~= 'number' or type(leader) ~= 'string' then return nil end
  local h, n, q = byte(raw, at[14]), nil, at[14] + 1
  if h == 0x90 then n = 0
  elseif h >= 0x80 and h <= 0x8f then n = h - 0x80
  elseif h == 0xde then n, q = byte(raw, q) * 256 + byte(raw, q + 1), q + 2
  else return nil end
  -- The map's entries (an anchor each: a few) are read by cmsgpack, faster than skipping
  -- their nested values here; only the entry of this anchor is looked into.
  local parts, prev = {}, nil
  for _ = 1, n do
    local v, key = cmsgpack.unpack_one(raw, q - 1)
    if v < 0 then return nil end
    local after, value = cmsgpack.unpack_one(raw, v)
    after = after < 0 and #raw + 1 or after + 1
    if key == anchorId then
      if type(value) ~= 'table' then return nil end
      prev = value[1]
    else
      parts[#parts + 1] = sub(raw, q, after - 1)
    end
    q = after
  end
  if prev and prev > version then return false, ms, leader end
  local leaderBytes = sub(raw, at[13], at[14] - 1)
  if leader == '' and hint ~= '' then
    leader = hint
    leaderBytes = cmsgpack.pack(hint)
  end
  local record = sub(raw, 1, at[13] - 1) .. leaderBytes .. mapHeader(#parts + 1) .. table.concat(parts) .. packedKey .. tagBytes .. sub(raw, p)
  return record, ms, leader
end
local out = {}
for i = 1, #KEYS do
  local key = KEYS[i]
  local from = pos
  pos = ends[i] + 1
  local tagBytes = sub(blob, from, ends[i])
  local _, version = cmsgpack.unpack_one(blob, from)
  local hint = hints[i] or ''
  local raw = redis.pcall('GET', key)
  local record, ms, leader = nil, nil, nil
  if type(raw) == 'string' then record, ms, leader = patched(raw, ARGV[1 + which[i]], keyOf[which[i]], tagBytes, version, hint) end
  if record then
    redis.call('SET', key, record, 'KEEPTTL')
    out[#out + 1] = 1; out[#out + 1] = string.format('%d', ms); out[#out + 1] = leader
  elseif record == false then
    out[#out + 1] = 0; out[#out + 1] = string.format('%d', ms); out[#out + 1] = leader
  else
    -- Not patched: decoded, changed and packed again.
    local anchorId = ARGV[1 + which[i]]
    local r = loadItem(key)
    if not r then
      out[#out + 1] = -1; out[#out + 1] = ''; out[#out + 1] = ''
    else
      local prev = r[14][anchorId]
      leader = r[13]
      if prev and prev[1] > version then
        out[#out + 1] = 0; out[#out + 1] = msOf(r); out[#out + 1] = leader
      else
        if leader == '' and hint ~= '' then
          leader = hint
          r[13] = hint
        end
        r[14][anchorId] = cmsgpack.unpack(tagBytes)
        saveItem(key, r)
        out[#out + 1] = 1; out[#out + 1] = msOf(r); out[#out + 1] = leader
      end
    end
  end
end
return out
`;

// Marks items whose article page was read (record position 12). KEYS: item keys of one
// slot. A gone item stays gone.
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

// Forgets one anchor's tags on items of one slot (the anchor was deleted). KEYS: item keys.
// ARGV: anchorId. Items of the older hash layout lose their tag fields the old way.
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
    redis.call('HDEL', KEYS[i], 't:' .. anchorId, 'tv:' .. anchorId)
  end
end
return #KEYS
`;

// The index and hourly-count keys a tag state names: entity keys after the prefixes
// (the anchor's index and hourly-count key prefixes), or pairs of key names in the earlier form.
const STATE_PAIRS = `
local function statePairs(state, indexPrefix, hourlyPrefix)
  local out = {}
  for j, p in ipairs(state.k or {}) do
    if type(p) == 'table' then out[j] = p else out[j] = { indexPrefix .. p, hourlyPrefix .. p } end
  end
  return out
end
`;

// Moves a batch of items between one anchor's indexes (all under the anchor's tag), after
// ITEM_TAGS wrote their tags. KEYS: digest, digest stream, anchor record, tag states, digest
// folds, then the entity index and hourly-count keys of the batch as pairs. ARGV: stream
// max length, the anchor's entity index key prefix, its hourly-count key prefix, then per
// item: id, version, score, relevant (1/0), story leader, number of entities n, then n
// positions of its pair in KEYS (the entity index's position).
// The tag state keeps the entity keys only (`k`), the index keys being the prefixes followed
// by them; the leader (`l`) only when it is another item. A state of the earlier form (`k` as
// pairs of key names) is read as well.
// Indexes are sets of item ids, so applying the same tags twice (a retried job) or re-tagging
// with new entities never counts an item twice; a state of a newer anchor version is never
// overwritten. The digest shows one entry per story: a relevant item enters it when it leads
// its story or its leader is not shown (it is then remembered in the folds under the leader);
// a leader that enters folds in the members shown before it. Entering the digest and its
// stream entry are one step, so a reader that sees the entry finds the item in the digest.
// Returns per item 1 (entered the digest), 2 (written), 3 (left the digest), 0 (stale, or
// the anchor was deleted meanwhile).
export const ANCHOR_TAGS = HOURLY + STATE_PAIRS + `
local digest, stream, anchorKey, stateKey, foldsKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local maxLen, indexPrefix, hourlyPrefix = ARGV[1], ARGV[2], ARGV[3]
local out = {}
-- A job still running for a deleted anchor must not bring its indexes back.
local live = redis.call('EXISTS', anchorKey) == 1
local function listWithout(list, id)
  local kept = {}
  if list then for m in string.gmatch(list, '[^,]+') do if m ~= id then kept[#kept + 1] = m end end end
  return kept
end
local a = 3
while a < #ARGV do
  local id, version, score, relevant, leader, n = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3], ARGV[a + 4] == '1', ARGV[a + 5], tonumber(ARGV[a + 6])
  local pairs_, entityKeys = {}, {}
  for j = 1, n do
    local at = tonumber(ARGV[a + 6 + j])
    pairs_[j] = { KEYS[at], KEYS[at + 1] }
    entityKeys[j] = string.sub(KEYS[at], #indexPrefix + 1)
  end
  a = a + 6 + n
  local raw = redis.call('HGET', stateKey, id)
  local state = raw and cjson.decode(raw) or nil
  if not live or (state and state.v > version) then
    out[#out + 1] = 0
  else
    local newKeys = {}
    for _, p in ipairs(pairs_) do newKeys[p[1]] = true end
    if state then
      for _, p in ipairs(statePairs(state, indexPrefix, hourlyPrefix)) do
        if not newKeys[p[1]] and redis.call('ZREM', p[1], id) == 1 then countIn(p[2], score, -1) end
      end
    end
    for _, p in ipairs(pairs_) do
      if redis.call('ZADD', p[1], score, id) == 1 then countIn(p[2], score, 1) end
    end
    -- Only an item once shown can be in the digest: others skip the lookup.
    local wasShown = state ~= nil and state.s == 1 and redis.call('ZSCORE', digest, id) ~= false
    local show = relevant and (leader == id or redis.call('ZSCORE', digest, leader) == false)
    if show then
      if not wasShown then redis.call('ZADD', digest, score, id) end
      if leader == id then
        local folded = redis.call('HGET', foldsKey, id)
        if folded then
          for _, m in ipairs(listWithout(folded, id)) do
            if redis.call('ZREM', digest, m) == 1 then redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'remove', m) end
          end
          redis.call('HDEL', foldsKey, id)
        end
      else
        local members = listWithout(redis.call('HGET', foldsKey, leader), id)
        members[#members + 1] = id
        redis.call('HSET', foldsKey, leader, table.concat(members, ','))
      end
    elseif wasShown then
      redis.call('ZREM', digest, id)
    end
    if not show and state and state.l and state.l ~= id then
      local members = listWithout(redis.call('HGET', foldsKey, state.l), id)
      if #members > 0 then redis.call('HSET', foldsKey, state.l, table.concat(members, ',')) else redis.call('HDEL', foldsKey, state.l) end
    end
    local saved = { v = version, k = entityKeys, s = show and 1 or 0 }
    if leader ~= id then saved.l = leader end
    -- cjson writes an empty table as {}: the entity list is then absent, which reads as none.
    if #entityKeys == 0 then saved.k = nil end
    redis.call('HSET', stateKey, id, cjson.encode(saved))
    if show and not wasShown then
      redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'item', id)
      out[#out + 1] = 1
    elseif wasShown and not show then
      -- An item leaving the digest (a judgement, a new entity list or scope, a re-scored
      -- model) is announced on the same stream, so a live client drops it and a resuming one learns it too.
      redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'remove', id)
      out[#out + 1] = 3
    else
      out[#out + 1] = 2
    end
  end
end
return out
`;

// Takes retired items out of one anchor's indexes (its digest, entity indexes with their
// hourly counts, folds and tag states), in one step per anchor. KEYS: digest, tag states,
// digest folds. ARGV: the entity index key prefix, the hourly-count key prefix, then per item:
// id, score. Idempotent: an item without a tag state is skipped.
export const UNTAG_ITEMS = HOURLY + STATE_PAIRS + `
local digest, stateKey, foldsKey = KEYS[1], KEYS[2], KEYS[3]
local indexPrefix, hourlyPrefix = ARGV[1], ARGV[2]
for a = 3, #ARGV, 2 do
  local id, score = ARGV[a], ARGV[a + 1]
  local raw = redis.call('HGET', stateKey, id)
  if raw then
    local state = cjson.decode(raw)
    for _, p in ipairs(statePairs(state, indexPrefix, hourlyPrefix)) do
      if redis.call('ZREM', p[1], id) == 1 then countIn(p[2], score, -1) end
    end
    redis.call('ZREM', digest, id)
    redis.call('HDEL', foldsKey, id)
    if state.l and state.l ~= id then
      local kept = {}
      local list = redis.call('HGET', foldsKey, state.l)
      if list then for m in string.gmatch(list, '[^,]+') do if m ~= id then kept[#kept + 1] = m end end end
      if #kept > 0 then redis.call('HSET', foldsKey, state.l, table.concat(kept, ',')) else redis.call('HDEL', foldsKey, state.l) end
    end
    redis.call('HDEL', stateKey, id)
  end
end
return 1
`;

// Takes retired items out of the {items} indexes: every item, untagged, hourly counts and
// the lists of the feeds that carried them. KEYS: items, untagged, hourly. ARGV: the feed
// list key prefix, then per item: id, number of feeds n, n feed ids. Idempotent: an item
// no longer in `items` takes nothing off the hourly counts.
export const UNINDEX_ITEMS = HOURLY + `
local itemsKey, untaggedKey, hourlyKey, feedPrefix = KEYS[1], KEYS[2], KEYS[3], ARGV[1]
local a = 1
while a < #ARGV do
  local id, n = ARGV[a + 1], tonumber(ARGV[a + 2])
  for j = 1, n do redis.call('ZREM', feedPrefix .. ARGV[a + 2 + j], id) end
  a = a + 2 + n
  local score = redis.call('ZSCORE', itemsKey, id)
  if score and redis.call('ZREM', itemsKey, id) == 1 then countIn(hourlyKey, score, -1) end
  redis.call('ZREM', untaggedKey, id)
end
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
