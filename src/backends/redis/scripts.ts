// The Lua scripts the Redis backend runs. Each does in one round trip, atomically, what would
// otherwise take several commands and leave a window between them: a send that checks the
// receivers' capacity and adds, a read that takes due retries, claims idle entries, skips what is
// not the receivers' and counts what is, an ack that only acks what this consumer still owns, a
// nack that moves the entry to its group's retry stream (now or after a delay).
//
// Keys of one channel (stream-keys.ts): the stream, and per group G a retry stream and a delay
// sorted set, plus the receivers' waiting counter. Every script is EVALSHA'd, and EVAL'd again
// when the server does not know it (a restarted server forgets scripts).
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RECEIVERS_GROUP } from '../../base/subscription.js';
import { WIRE_HEADERS } from '../../base/wire-headers.js';

/** The stream field holding the payload; the first field of every entry this library writes. */
export const DATA_FIELD = 'data';
/** The field naming which request a reply in a handle's inbox stream answers. */
export const INBOX_TAG_FIELD = 'ps-inbox-tag';

const ROUTE = WIRE_HEADERS.route;
const COUNT = WIRE_HEADERS.deliveryCount;

const NOW_MS = `local function now_ms() local t = redis.call('TIME') return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) end`;
const IS_PUBLISH = `local function is_publish(f) for i = 1, #f, 2 do if f[i] == '${ROUTE}' then return f[i + 1] == 'publish' end end return false end`;
// The consumer that owns a pending entry and its delivery count (nothing when the entry is not
// pending, or the group is gone: an ungrouped subscriber's group ends when it unsubscribes).
const OWNER = `local function owner(key, group, id) local p = redis.pcall('XPENDING', key, group, id, id, 1) if type(p) == 'table' and p[1] then return p[1][2], p[1][4] end return nil, 0 end`;

/**
 * SEND — KEYS: stream, waiting counter. ARGV: capacity (0 none), maxLength (0 none), count groups
 * (1/0), then per message: route ('s' send / 'p' publish), field count, fields…
 * Adds messages in order until a send finds the receivers' queue at capacity. Returns
 * { added, waiting, groups (-1 unless asked) }.
 */
const SEND = `
local cap, maxlen, count_groups = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1'
local w0 = tonumber(redis.call('GET', KEYS[2]) or '0')
local w, i, added = w0, 4, 0
local args = {}
while i <= #ARGV do
  local route, nf = ARGV[i], tonumber(ARGV[i + 1])
  if route == 's' and cap > 0 and w >= cap then break end
  args = {KEYS[1]}
  if maxlen > 0 then args[2] = 'MAXLEN' args[3] = '~' args[4] = maxlen end
  args[#args + 1] = '*'
  for k = i + 2, i + 1 + nf do args[#args + 1] = ARGV[k] end
  redis.call('XADD', unpack(args))
  if route == 's' then w = w + 1 end
  added = added + 1
  i = i + 2 + nf
end
if w ~= w0 then redis.call('SET', KEYS[2], w) end
local groups = -1
if count_groups then
  groups = 0
  for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do
    if g[2] ~= '${RECEIVERS_GROUP}' then groups = groups + 1 end
  end
end
return {added, w, groups}`;

/**
 * READ — KEYS: stream, retry stream, delay set, waiting counter. ARGV: group, consumer, count,
 * receivers (1/0), this consumer's own pending entries first (0 no; 1 after a start —
 * XREADGROUP from the cursor, each re-read counting as a delivery, as one to a process that died
 * was; 2 after a reconnect — XPENDING, XCLAIM … JUSTID to reset their idle time without counting,
 * XRANGE: an entry whose reply the connection lost was never delivered), pending cursors (stream,
 * retry; '' = done), claim min idle
 * (0 = no claim), claim cursors (stream, retry), sends the receivers took since the counter was
 * last lowered (by blocking reads, which cannot lower it themselves).
 * Due delayed retries move to the retry stream; then, up to `count`: this consumer's own pending
 * entries (after a reconnect), entries idle past the claim time (XAUTOCLAIM; Redis 7 also returns
 * the ids of deleted ones, which it drops from the pending list), then new entries (retries
 * first). The receivers' group settles published entries without returning them and counts the
 * sends it takes off the waiting counter. Returns { entries (flat: which, id, deliveries, fields),
 * waiting (-1 unless receivers), pending cursors, claim cursors, ms to the next delayed retry
 * (when nothing was read, for the blocking wait), deleted ids seen }.
 */
const READ = `
${NOW_MS}
${IS_PUBLISH}
${OWNER}
local group, consumer, want = ARGV[1], ARGV[2], tonumber(ARGV[3])
local receivers = ARGV[4] == '1'
local keys = {KEYS[1], KEYS[2]}
local out, got, deleted = {}, 0, 0
local function emit(s, id, n, f) out[#out + 1] = s out[#out + 1] = id out[#out + 1] = n out[#out + 1] = f got = got + 1 end
local function entries_of(r) if r and r[1] then return r[1][2] end return {} end

local now = now_ms()
for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 100)) do
  local f = cmsgpack.unpack(m)
  redis.call('XADD', KEYS[2], '*', unpack(f, 2))
  redis.call('ZREM', KEYS[3], m)
end

local pending = {ARGV[6], ARGV[7]}
if ARGV[5] == '1' then
  for s = 1, 2 do
    if pending[s] ~= '' and got < want then
      local n = want - got
      local es = entries_of(redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n, 'STREAMS', keys[s], pending[s]))
      for _, e in ipairs(es) do
        pending[s] = e[1]
        if e[2] and receivers and s == 1 and is_publish(e[2]) then
          redis.call('XACK', keys[s], group, e[1])
        elseif e[2] then
          local _, c = owner(keys[s], group, e[1])
          emit(s, e[1], c, e[2])
        else
          redis.call('XACK', keys[s], group, e[1])
          deleted = deleted + 1
        end
      end
      if #es < n then pending[s] = '' end
    end
  end
elseif ARGV[5] == '2' then
  for s = 1, 2 do
    if pending[s] ~= '' and got < want then
      local n = want - got
      local start = '-'
      if pending[s] ~= '0' then start = '(' .. pending[s] end
      local p = redis.call('XPENDING', keys[s], group, start, '+', n, consumer)
      local args = {keys[s], group, consumer, 0}
      for _, e in ipairs(p) do args[#args + 1] = e[1] end
      args[#args + 1] = 'JUSTID'
      if #p > 0 then redis.call('XCLAIM', unpack(args)) end
      for _, e in ipairs(p) do
        pending[s] = e[1]
        local r = redis.call('XRANGE', keys[s], e[1], e[1])
        if r[1] and receivers and s == 1 and is_publish(r[1][2]) then
          redis.call('XACK', keys[s], group, e[1])
        elseif r[1] then
          emit(s, e[1], e[4], r[1][2])
        else
          redis.call('XACK', keys[s], group, e[1])
          deleted = deleted + 1
        end
      end
      if #p < n then pending[s] = '' end
    end
  end
end

local claim = {ARGV[9], ARGV[10]}
local min_idle = tonumber(ARGV[8])
if min_idle > 0 then
  for s = 2, 1, -1 do
    if got < want then
      local r = redis.call('XAUTOCLAIM', keys[s], group, consumer, min_idle, claim[s], 'COUNT', want - got)
      claim[s] = r[1]
      for _, e in ipairs(r[2]) do
        if e[2] then
          if receivers and s == 1 and is_publish(e[2]) then
            redis.call('XACK', keys[s], group, e[1])
          else
            local _, c = owner(keys[s], group, e[1])
            emit(s, e[1], c, e[2])
          end
        end
      end
      if r[3] then deleted = deleted + #r[3] end
    end
  end
end

local w0 = -1
if receivers then w0 = tonumber(redis.call('GET', KEYS[4]) or '0') end
local w = w0
if receivers then w = math.max(0, w0 - tonumber(ARGV[11])) end
for s = 2, 1, -1 do
  local rounds = 0
  while got < want and rounds < 8 do
    rounds = rounds + 1
    local n = want - got
    local es = entries_of(redis.call('XREADGROUP', 'GROUP', group, consumer, 'COUNT', n, 'STREAMS', keys[s], '>'))
    for _, e in ipairs(es) do
      if receivers and s == 1 and is_publish(e[2]) then
        redis.call('XACK', keys[s], group, e[1])
      else
        if receivers and s == 1 then w = w - 1 end
        emit(s, e[1], 1, e[2])
      end
    end
    if #es < n then
      if receivers and s == 1 then w = 0 end
      break
    end
  end
end
if w < 0 and receivers then w = 0 end
if w ~= w0 then redis.call('SET', KEYS[4], w) end

local due_in = -1
if got == 0 then
  local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
  if first[2] then due_in = math.max(0, tonumber(first[2]) - now) end
end
return {out, w, pending[1], pending[2], claim[1], claim[2], due_in, deleted}`;

/**
 * ACK — KEYS: stream, retry stream. ARGV: group, consumer, then pairs (1 stream / 2 retry, id).
 * Acks each entry this consumer still owns (an entry another consumer claimed is no longer this
 * one's to settle); a retry entry, read by its one group only, is deleted too. Returns 1/0 each.
 */
const ACK = `
${OWNER}
local res = {}
for i = 3, #ARGV, 2 do
  local key = KEYS[tonumber(ARGV[i])]
  local id = ARGV[i + 1]
  if owner(key, ARGV[1], id) == ARGV[2] then
    redis.call('XACK', key, ARGV[1], id)
    if ARGV[i] == '2' then redis.call('XDEL', key, id) end
    res[#res + 1] = 1
  else
    res[#res + 1] = 0
  end
end
return res`;

/**
 * ACK_TAKEN — KEYS: stream, retry stream, waiting counter. ARGV: group, sends the receivers took
 * by blocking reads since the counter was last lowered, how many ids of the stream, the stream's
 * ids, then the retry stream's. Acks entries read so recently that no other consumer can have
 * claimed them (plain XACK otherwise does that, without a script), and lowers the counter by the
 * sends taken — one command where two would go. Returns the counter.
 */
const ACK_TAKEN = `
local group, n = ARGV[1], tonumber(ARGV[3])
local function each_slice(from, to, f) local i = from while i <= to do local j = math.min(to, i + 3999) f(i, j) i = j + 1 end end
each_slice(4, 3 + n, function(i, j) redis.call('XACK', KEYS[1], group, unpack(ARGV, i, j)) end)
each_slice(4 + n, #ARGV, function(i, j)
  redis.call('XACK', KEYS[2], group, unpack(ARGV, i, j))
  redis.call('XDEL', KEYS[2], unpack(ARGV, i, j))
end)
local w = math.max(0, tonumber(redis.call('GET', KEYS[3]) or '0') - tonumber(ARGV[2]))
redis.call('SET', KEYS[3], w)
return w`;

/**
 * REQUEUE — KEYS: the entry's stream (stream or retry), retry stream, delay set. ARGV: group,
 * consumer, id, the delivery count the copy carries, delay ms, the entry is a retry (1/0).
 * If this consumer still owns the entry: acks it and writes a copy — same fields, the count in
 * the delivery-count field — to the group's retry stream, now or (delay > 0) once the delay has
 * passed (the copy waits in the delay set). Returns 1, 0 (not owned), -1 (the entry was trimmed
 * away: acked, nothing to copy).
 */
const REQUEUE = `
${NOW_MS}
${OWNER}
if owner(KEYS[1], ARGV[1], ARGV[3]) ~= ARGV[2] then return 0 end
local e = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[3])
if ARGV[6] == '1' then redis.call('XDEL', KEYS[1], ARGV[3]) end
if not e[1] then return -1 end
local f = {}
local src = e[1][2]
for i = 1, #src, 2 do
  if src[i] ~= '${COUNT}' then f[#f + 1] = src[i] f[#f + 1] = src[i + 1] end
end
if ARGV[4] ~= '1' then f[#f + 1] = '${COUNT}' f[#f + 1] = ARGV[4] end
local delay = tonumber(ARGV[5])
if delay > 0 then
  local now = now_ms()
  table.insert(f, 1, KEYS[1] .. '|' .. ARGV[3] .. '|' .. ARGV[4] .. '|' .. now)
  redis.call('ZADD', KEYS[3], now + delay, cmsgpack.pack(f))
else
  redis.call('XADD', KEYS[2], '*', unpack(f))
end
return 1`;

/**
 * JOIN — KEYS: stream, retry stream, waiting counter. ARGV: group, start id on the stream.
 * Creates the group on both streams (and the streams: MKSTREAM) unless it exists. Returns
 * { 1 created / 0 existed, waiting counter }.
 */
const JOIN = `
local a = redis.pcall('XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
local b = redis.pcall('XGROUP', 'CREATE', KEYS[2], ARGV[1], '0', 'MKSTREAM')
for _, r in ipairs({a, b}) do
  if type(r) == 'table' and r.err and not string.find(r.err, 'BUSYGROUP') then return redis.error_reply(r.err) end
end
local created = 1
if type(a) == 'table' and a.err then created = 0 end
return {created, tonumber(redis.call('GET', KEYS[3]) or '0')}`;

/**
 * LEAVE — KEYS: stream, retry stream, delay set. ARGV: group, consumer, destroy (1/0).
 * destroy: the group ends (an ungrouped subscriber's). Else the consumer is removed from the
 * group if it holds no pending entry (a consumer with some keeps them, for a claim). Returns 1/0.
 */
const LEAVE = `
if ARGV[3] == '1' then
  redis.pcall('XGROUP', 'DESTROY', KEYS[1], ARGV[1])
  redis.call('DEL', KEYS[2], KEYS[3])
  return 1
end
for s = 1, 2 do
  local p = redis.pcall('XPENDING', KEYS[s], ARGV[1], '-', '+', 1, ARGV[2])
  if type(p) == 'table' and p[1] then return 0 end
end
redis.pcall('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
redis.pcall('XGROUP', 'DELCONSUMER', KEYS[2], ARGV[1], ARGV[2])
return 1`;

/**
 * EVICT (drop-oldest) — KEYS: stream, waiting counter. ARGV: consumer.
 * The receivers' group takes the oldest send it has not read yet and settles it unread (published
 * entries on the way are settled too). Returns 1 when one was evicted.
 */
const EVICT = `
${IS_PUBLISH}
for i = 1, 100 do
  local r = redis.call('XREADGROUP', 'GROUP', '${RECEIVERS_GROUP}', ARGV[1], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
  if not r then redis.call('SET', KEYS[2], 0) return 0 end
  local e = r[1][2][1]
  redis.call('XACK', KEYS[1], '${RECEIVERS_GROUP}', e[1])
  if not is_publish(e[2]) then
    redis.call('SET', KEYS[2], math.max(0, tonumber(redis.call('GET', KEYS[2]) or '0') - 1))
    return 1
  end
end
return 0`;

/** A script: its source, key count and SHA1. */
export class Script {
  readonly sha: string;
  constructor(
    readonly name: string,
    readonly keys: number,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  /** EVALSHA (EVAL when the server does not know it), replies as Buffers. */
  async run(redis: Redis, keys: readonly (string | Buffer)[], args: readonly (string | number | Buffer | Uint8Array)[]): Promise<unknown> {
    try {
      return await redis.callBuffer('EVALSHA', this.sha, this.keys, ...keys, ...(args as (string | number | Buffer)[]));
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
      return redis.callBuffer('EVAL', this.lua, this.keys, ...keys, ...(args as (string | number | Buffer)[]));
    }
  }
}

export const SCRIPTS = {
  send: new Script('send', 2, SEND),
  read: new Script('read', 4, READ),
  ack: new Script('ack', 2, ACK),
  ackTaken: new Script('ackTaken', 3, ACK_TAKEN),
  requeue: new Script('requeue', 3, REQUEUE),
  join: new Script('join', 3, JOIN),
  leave: new Script('leave', 3, LEAVE),
  evict: new Script('evict', 2, EVICT),
} as const;
