// The shared limits in Redis are changed by one Lua script, atomically, by Redis's own clock (TIME): the
// runners' clocks may disagree by seconds, so they send durations, never instants. It follows the rules of
// limits.ts (applyUpdate) to the letter; test/integration/notifier/rate-limit/redis-store.test.ts runs the same
// sequences through both and compares them.
//
// KEYS[1]  the state of one token at one HipChat (key.ts: never the token itself), as limits.ts's LimitState but
//          with `resetAt` absent, not null, for a window whose end is unknown.
// ARGV[1]  the update as JSON: {room, rate: {count, perMs}, released?: [{units, until}], answers?: {count, windows:
//          {ratelimit?|flood?: {limit, remaining, resetIn, reset?}}}, take?: {want, holdMs}, now?}. `until` is a
//          time the script gave out (Redis's clock); `resetIn` is how long until the window resets, as the runner
//          measured it (its error differs from runner to runner and from answer to answer); `reset` is the reset
//          as HipChat stated it, the window's name: answers about one window are recognised by it, not by their
//          computed ends; `now` is only ever passed by that test, to compare the two implementations on one clock.
//          It reads a state of version 2 (notifier 0.1) as limits.ts readLimitState does.
// Reply    '' when the update took nothing, else JSON: {units, at, until} or {waitMs, reason}.
export const LIMITS_SCRIPT = String.raw`
if redis.replicate_commands then redis.replicate_commands() end
local HORIZON_MS = 900000
local ANSWER_MAX_MS = 60000
local UNKNOWN_END_RECHECK_MS = 250
local ROOM_FORGET_MS = 3600000
local MAX_GRANTS = 64
local LEASE_SHARE = 4
local TTL_MARGIN_MS = 1000

local update = cjson.decode(ARGV[1])
local now = tonumber(update.now)
if not now then
  local time = redis.call('TIME')
  now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
end
local rate = update.rate

-- the units of a list of {time, units} entries: grants, units in flight
local function unitsIn(entries)
  local units = 0
  for _, entry in ipairs(entries) do units = units + entry[2] end
  return units
end

-- A window as it stands now: the next one, of unknown end, once its reset has passed; nil beyond the horizon.
local function rolledOver(window, inFlight)
  if window == nil then return nil end
  if window.resetAt == nil then return window end
  if window.resetAt > now + HORIZON_MS then return nil end
  if window.resetAt > now then return window end
  return { limit = window.limit, remaining = math.max(0, window.limit - inFlight), reset = window.reset }
end

-- limits.ts sameWindow: HipChat names a window by its reset; the computed end decides only without one.
local function sameWindow(tracked, seen, resetAt)
  if tracked.reset ~= nil and seen.reset ~= nil then return tracked.reset == seen.reset end
  return tracked.resetAt == resetAt
end

local function load()
  local raw = redis.call('GET', KEYS[1])
  if not raw then return { version = 3, rooms = {} } end
  local ok, state = pcall(cjson.decode, raw)
  if ok and type(state) == 'table' and state.version == 2 and type(state.rooms) == 'table' then
    -- written by notifier 0.1, which kept only how many units were in flight: those taken at the last take
    for _, room in ipairs(state.rooms) do
      local units = tonumber(room.inFlight) or 0
      room.inFlight = {}
      if units > 0 then room.inFlight = { { room.lastTakenAt, units } } end
    end
    state.version = 3
  end
  if ok and type(state) == 'table' and state.version == 3 and type(state.rooms) == 'table' then return state end
  -- Damaged: the room's limit used up now, never free.
  return { version = 3, rooms = { { room = update.room, grants = { { now, rate.count } }, periodMs = rate.perMs, inFlight = {}, lastTakenAt = now } } }
end

local function normalized(state)
  local total = 0
  local rooms = {}
  for _, room in ipairs(state.rooms) do
    local grants, inFlight = {}, {}
    for _, grant in ipairs(room.grants) do
      if grant[1] <= now + HORIZON_MS and grant[1] + room.periodMs > now then grants[#grants + 1] = grant end
    end
    for _, entry in ipairs(room.inFlight) do
      if entry[1] <= now + HORIZON_MS and entry[1] + ANSWER_MAX_MS > now then inFlight[#inFlight + 1] = entry end
    end
    room.grants, room.inFlight = grants, inFlight
    if room.lastTakenAt > now + HORIZON_MS then room.lastTakenAt = now end
    room.flood = rolledOver(room.flood, unitsIn(inFlight))
    local idle = #grants == 0 and #inFlight == 0 and (room.flood == nil or room.flood.resetAt == nil) and now - room.lastTakenAt > ROOM_FORGET_MS
    if not idle then
      rooms[#rooms + 1] = room
      total = total + unitsIn(inFlight)
    end
  end
  state.rooms = rooms
  state.token = rolledOver(state.token, total)
  return state
end

local function roomOf(state, name)
  for _, room in ipairs(state.rooms) do
    if room.room == name then return room end
  end
  local room = { room = name, grants = {}, periodMs = 1, inFlight = {}, lastTakenAt = now }
  state.rooms[#state.rooms + 1] = room
  return room
end

-- limits.ts removeUnits: out of the entries at untilAt or later (those it may have been merged into), the earliest first
local function removeUnits(entries, untilAt, units)
  local left = units
  local kept = {}
  for _, entry in ipairs(entries) do
    if entry[1] >= untilAt and left > 0 then
      local back = math.min(left, entry[2])
      entry[2] = entry[2] - back
      left = left - back
    end
    if entry[2] > 0 then kept[#kept + 1] = entry end
  end
  return kept
end

local function release(state, name, units, untilAt)
  local room = roomOf(state, name)
  room.grants = removeUnits(room.grants, untilAt, units)
  room.inFlight = removeUnits(room.inFlight, untilAt, units)
  for _, window in pairs({ token = state.token, flood = room.flood }) do
    window.remaining = math.min(window.limit, window.remaining + units)
  end
end

-- limits.ts addEntry: in time order; beyond MAX_GRANTS the two oldest merge into the later one
local function addEntry(entries, at, units)
  local index = #entries + 1
  while index > 1 and entries[index - 1][1] > at do index = index - 1 end
  if index > 1 and entries[index - 1][1] == at then
    entries[index - 1][2] = entries[index - 1][2] + units
  else
    table.insert(entries, index, { at, units })
  end
  while #entries > MAX_GRANTS do
    local oldest = table.remove(entries, 1)
    entries[1][2] = entries[1][2] + oldest[2]
  end
end

-- limits.ts countUntilAnswered: the oldest units in flight answered, each counted until a period after now
local function countUntilAnswered(room, answered)
  local left, counted = answered, 0
  for _, entry in ipairs(room.inFlight) do
    if left == 0 then break end
    local units = math.min(entry[2], left)
    entry[2] = entry[2] - units
    left = left - units
    local untilAt = entry[1]
    if untilAt < now then
      if untilAt + room.periodMs > now then room.grants = removeUnits(room.grants, untilAt, units) end
      counted = counted + units
    end
  end
  local inFlight = {}
  for _, entry in ipairs(room.inFlight) do
    if entry[2] > 0 then inFlight[#inFlight + 1] = entry end
  end
  room.inFlight = inFlight
  if counted > 0 then addEntry(room.grants, now, counted) end
end

-- limits.ts unansweredLate: units in flight whose grant has left the period
local function unansweredLate(room)
  local late = {}
  for _, entry in ipairs(room.inFlight) do
    if entry[1] + room.periodMs <= now then late[#late + 1] = entry end
  end
  return late
end

local function observe(state, name, windows, answers)
  local room = roomOf(state, name)
  countUntilAnswered(room, answers)
  for _, kind in ipairs({ 'ratelimit', 'flood' }) do
    local seen = windows[kind]
    if seen ~= nil then
      local resetAt = now + seen.resetIn
      if resetAt <= now + HORIZON_MS then
        local current = room.flood
        local inFlight = unitsIn(room.inFlight)
        if kind == 'ratelimit' then
          current = state.token
          inFlight = 0
          for _, other in ipairs(state.rooms) do inFlight = inFlight + unitsIn(other.inFlight) end
        end
        local updated = nil
        if resetAt <= now then
          if current == nil then updated = { limit = seen.limit, remaining = math.max(0, seen.limit - inFlight), reset = seen.reset } end
        elseif current ~= nil and current.resetAt == nil and current.reset ~= nil and seen.reset ~= nil and seen.reset <= current.reset then
          -- about the window that has ended, or an earlier one: nothing to learn
        elseif current == nil or current.resetAt == nil or not sameWindow(current, seen, resetAt) then
          updated = { limit = seen.limit, remaining = math.max(0, math.min(seen.remaining, seen.limit) - inFlight), resetAt = resetAt, reset = seen.reset }
        else
          -- the same window: the lowest remaining and the latest end win
          updated = { limit = seen.limit, remaining = math.min(current.remaining, seen.remaining, seen.limit), resetAt = math.max(current.resetAt, resetAt), reset = seen.reset }
        end
        if updated ~= nil then
          if kind == 'ratelimit' then state.token = updated else room.flood = updated end
        end
      end
    end
  end
end

local function take(state, name, want, holdMs)
  local room = roomOf(state, name)
  room.periodMs = rate.perMs
  local grants = {}
  for _, grant in ipairs(room.grants) do
    if grant[1] + rate.perMs > now then grants[#grants + 1] = grant end
  end
  room.grants = grants
  local waitMs, reason = 0, nil
  local late = unansweredLate(room)
  local used = unitsIn(grants) + unitsIn(late)
  local freeLocal = rate.count - used
  if freeLocal < 1 then
    -- limits.ts localFreeAt: a grant's units free a period after it, a late unit's a period after an answer now
    local frees = {}
    for _, grant in ipairs(grants) do frees[#frees + 1] = { grant[1] + rate.perMs, grant[2] } end
    for _, entry in ipairs(late) do frees[#frees + 1] = { math.min(now + rate.perMs, entry[1] + ANSWER_MAX_MS), entry[2] } end
    table.sort(frees, function(a, b) return a[1] < b[1] end)
    local needed, freed, freeAt = used - (rate.count - 1), 0, nil
    for _, free in ipairs(frees) do
      freed = freed + free[2]
      if freed >= needed then freeAt = free[1] break end
    end
    if freeAt == nil then freeAt = frees[#frees][1] end
    if freeAt - now > waitMs then waitMs, reason = freeAt - now, 'local' end
  end
  local windows = { { 'ratelimit', state.token }, { 'flood', room.flood } }
  for _, entry in ipairs(windows) do
    local window = entry[2]
    if window ~= nil and window.remaining < 1 then
      local ms = UNKNOWN_END_RECHECK_MS
      if window.resetAt ~= nil then ms = window.resetAt - now end
      if ms > waitMs then waitMs, reason = ms, entry[1] end
    end
  end
  if reason ~= nil then return { waitMs = waitMs, reason = reason } end
  holdMs = math.max(0, holdMs)
  local units = math.min(math.max(1, math.floor(want)), freeLocal, math.max(1, math.floor(rate.count * holdMs / rate.perMs)))
  for _, entry in ipairs(windows) do
    if entry[2] ~= nil then units = math.min(units, math.max(1, math.floor(entry[2].remaining / LEASE_SHARE))) end
  end
  local untilAt = now
  if units > 1 then untilAt = now + holdMs end
  addEntry(room.grants, untilAt, units)
  for _, entry in ipairs(windows) do
    if entry[2] ~= nil then entry[2].remaining = entry[2].remaining - units end
  end
  addEntry(room.inFlight, untilAt, units)
  room.lastTakenAt = now
  return { waitMs = 0, units = units, at = now, ['until'] = untilAt }
end

-- How long the state matters: until its last grant leaves its period, its windows reset, its sends count as lost.
local function ttl(state)
  local last = now + ANSWER_MAX_MS
  if state.token ~= nil and state.token.resetAt ~= nil then last = math.max(last, state.token.resetAt) end
  for _, room in ipairs(state.rooms) do
    for _, grant in ipairs(room.grants) do last = math.max(last, grant[1] + room.periodMs) end
    for _, entry in ipairs(room.inFlight) do last = math.max(last, entry[1] + ANSWER_MAX_MS) end
    if room.flood ~= nil and room.flood.resetAt ~= nil then last = math.max(last, room.flood.resetAt) end
    last = math.max(last, room.lastTakenAt + ANSWER_MAX_MS)
  end
  return math.floor(last - now + TTL_MARGIN_MS)
end

local state = normalized(load())
for _, released in ipairs(update.released or {}) do release(state, update.room, released.units, released['until']) end
if update.answers ~= nil then observe(state, update.room, update.answers.windows, update.answers.count) end
local reply = ''
if update.take ~= nil then
  state = normalized(state)
  reply = cjson.encode(take(state, update.room, update.take.want, update.take.holdMs))
end
state = normalized(state)
redis.call('SET', KEYS[1], cjson.encode(state), 'PX', ttl(state))
return reply
`;
