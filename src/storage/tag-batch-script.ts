/**
 * The batched tag write: one script call writes a batch of items' tags for one anchor, doing
 * per item what the single write did (replace the tags, move the entity and digest index
 * entries, append digest-stream entries), in order and atomically, so a batch costs one
 * round trip and one anchor check instead of one of each per item. Used by ItemStore only.
 */
import { HOURLY } from './item-scripts.ts';

// Per item: an older anchor version never overwrites newer tags; indexes are sets of item
// ids, so a retried batch never counts an item twice. The digest shows one entry per story:
// a relevant item enters it when it leads its story (or its leader is not shown); a leader
// that enters folds in members shown before it. Entering or leaving the digest is appended
// to the anchor's capped stream in the same step.
// KEYS: the anchor's digest, its digest stream, its record; then per item: its hash, then its
// entity index and hourly-count keys in pairs.
// ARGV: anchorId, version, stream max length, story key prefix; then per item: id, tags JSON,
// relevant ('1'/'0'), the entity key pairs as JSON, the number of pairs.
// Returns per item: 1 entered the digest, 2 written, 3 left the digest, 0 older version or
// deleted anchor (nothing written), -1 item gone.
export const WRITE_TAGS_BATCH = HOURLY + `
local anchorId, versionText, maxLen, storyPrefix = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local version = tonumber(versionText)
local digest, stream = KEYS[1], KEYS[2]
local tv, tk, tr, tt = 'tv:' .. anchorId, 'tk:' .. anchorId, 'tr:' .. anchorId, 't:' .. anchorId

local function writeOne(itemKey, id, tagJson, relevant, pairsJson, first, last)
  local state = redis.call('HMGET', itemKey, tv, 'p', tk, 'story', tr)
  if tonumber(state[1] or '-1') > version then return 0 end
  local score = state[2]
  if not score then return -1 end
  local newKeys = {}
  for j = first, last, 2 do newKeys[KEYS[j]] = true end
  if state[3] then
    for _, pair in ipairs(cjson.decode(state[3])) do
      if not newKeys[pair[1]] and redis.call('ZREM', pair[1], id) == 1 then countIn(pair[2], score, -1) end
    end
  end
  for j = first, last, 2 do
    if redis.call('ZADD', KEYS[j], score, id) == 1 then countIn(KEYS[j + 1], score, 1) end
  end
  -- Only an item once relevant can be in the digest: others skip the lookup.
  local wasShown = state[5] == '1' and redis.call('ZSCORE', digest, id) ~= false
  local leader = state[4] or id
  local show = false
  if relevant == '1' then show = leader == id or redis.call('ZSCORE', digest, leader) == false end
  if show then
    if not wasShown then redis.call('ZADD', digest, score, id) end
    if leader == id then
      for _, m in ipairs(redis.call('ZRANGE', storyPrefix .. id, 0, -1)) do
        if redis.call('ZREM', digest, m) == 1 then redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'remove', m) end
      end
    end
  elseif wasShown then
    redis.call('ZREM', digest, id)
  end
  redis.call('HSET', itemKey, tt, tagJson, tk, pairsJson, tv, versionText, tr, relevant)
  if show and not wasShown then
    redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'item', id)
    return 1
  end
  -- An item leaving the digest (a judgement, a new entity list or scope, a re-scored model) is
  -- announced on the same stream, so a live client drops it and a resuming one learns it too.
  if wasShown and not show then
    redis.call('XADD', stream, 'MAXLEN', '~', maxLen, '*', 'remove', id)
    return 3
  end
  return 2
end

local out = {}
-- A job still running for a deleted anchor must not bring its indexes back.
local live = redis.call('EXISTS', KEYS[3]) == 1
local k, a, i = 4, 5, 0
while a <= #ARGV do
  i = i + 1
  local pairsCount = tonumber(ARGV[a + 4])
  local first, last = k + 1, k + 2 * pairsCount
  if live then out[i] = writeOne(KEYS[k], ARGV[a], ARGV[a + 1], ARGV[a + 2], ARGV[a + 3], first, last) else out[i] = 0 end
  k, a = last + 1, a + 5
end
return out
`;
