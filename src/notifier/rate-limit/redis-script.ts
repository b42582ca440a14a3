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

local function inFlightOf(room)
  if now - room.lastTakenAt > ANSWER_MAX_MS then return 0 end
  return room.inFlight
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
  if not raw then return { version = 2, rooms = {} } end
  local ok, state = pcall(cjson.decode, raw)
  if ok and type(state) == 'table' and state.version == 2 and type(state.rooms) == 'table' then return state end
  -- Damaged: the room's limit used up now, never free.
  return { version = 2, rooms = { { room = update.room, grants = { { now, rate.count } }, periodMs = rate.perMs, inFlight = 0, lastTakenAt = now } } }
end

local function normalized(state)
  local total = 0
  for _, room in ipairs(state.rooms) do total = total + inFlightOf(room) end
  local rooms = {}
  for _, room in ipairs(state.rooms) do
    local grants = {}
    for _, grant in ipairs(room.grants) do
      if grant[1] <= now + HORIZON_MS and grant[1] + room.periodMs > now then grants[#grants + 1] = grant end
    end
    room.grants = grants
    if room.lastTakenAt > now + HORIZON_MS then room.lastTakenAt = now end
    room.flood = rolledOver(room.flood, inFlightOf(room))
    local idle = #grants == 0 and inFlightOf(room) == 0 and (room.flood == nil or room.flood.resetAt == nil) and now - room.lastTakenAt > ROOM_FORGET_MS
    if not idle then rooms[#rooms + 1] = room end
  end
  state.rooms = rooms
  state.token = rolledOver(state.token, total)
  return state
end

local function roomOf(state, name)
  for _, room in ipairs(state.rooms) do
    if room.room == name then return room end
  end
  local room = { room = name, grants = {}, periodMs = 1, inFlight = 0, lastTakenAt = now }
  state.rooms[#state.rooms + 1] = room
  return room
end

local function release(state, name, units, untilAt)
  local room = roomOf(state, name)
  local left = units
  local grants = {}
  for _, grant in ipairs(room.grants) do
    if grant[1] >= untilAt and left > 0 then
      local back = math.min(left, grant[2])
      grant[2] = grant[2] - back
      left = left - back
    end
    if grant[2] > 0 then grants[#grants + 1] = grant end
  end
  room.grants = grants
  for _, window in pairs({ token = state.token, flood = room.flood }) do
    window.remaining = math.min(window.limit, window.remaining + units)
  end
  room.inFlight = math.max(0, inFlightOf(room) - units)
end

local function unitsGranted(grants)
  local units = 0
  for _, grant in ipairs(grants) do units = units + grant[2] end
  return units
end

local function addGrant(room, at, units)
  local grants = room.grants
  local index = #grants + 1
  while index > 1 and grants[index - 1][1] > at do index = index - 1 end
  if index > 1 and grants[index - 1][1] == at then
    grants[index - 1][2] = grants[index - 1][2] + units
  else
    table.insert(grants, index, { at, units })
  end
  while #grants > MAX_GRANTS do
    local oldest = table.remove(grants, 1)
    grants[1][2] = grants[1][2] + oldest[2]
  end
end

-- as countUntilAnswered in limits.ts: the answered units count until a period after their answer
local function countUntilAnswered(room, inFlight, answered)
  local granted = unitsGranted(room.grants)
  local counted = math.min(answered, math.max(0, inFlight - granted))
  local left = answered - counted
  local before = math.max(0, granted - inFlight)
  for _, grant in ipairs(room.grants) do
    if left == 0 then break end
    local answeredEarlier = math.min(before, grant[2])
    before = before - answeredEarlier
    local units = math.min(grant[2] - answeredEarlier, left)
    left = left - units
    if grant[1] < now then
      grant[2] = grant[2] - units
      counted = counted + units
    end
  end
  local grants = {}
  for _, grant in ipairs(room.grants) do
    if grant[2] > 0 then grants[#grants + 1] = grant end
  end
  room.grants = grants
  if counted > 0 then addGrant(room, now, counted) end
end

local function observe(state, name, windows, answers)
  local room = roomOf(state, name)
  local inFlight = inFlightOf(room)
  countUntilAnswered(room, inFlight, math.min(answers, inFlight))
  room.inFlight = math.max(0, inFlight - answers)
  for _, kind in ipairs({ 'ratelimit', 'flood' }) do
    local seen = windows[kind]
    if seen ~= nil then
      local resetAt = now + seen.resetIn
      if resetAt <= now + HORIZON_MS then
        local current = room.flood
        local inFlight = room.inFlight
        if kind == 'ratelimit' then
          current = state.token
          inFlight = 0
          for _, other in ipairs(state.rooms) do inFlight = inFlight + inFlightOf(other) end
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
  local used = unitsGranted(grants)
  local freeLocal = rate.count - used
  if freeLocal < 1 then
    local needed, freed, freeAt = used - (rate.count - 1), 0, nil
    for _, grant in ipairs(grants) do
      freed = freed + grant[2]
      if freed >= needed then freeAt = grant[1] + rate.perMs break end
    end
    if freeAt == nil then freeAt = grants[#grants][1] + rate.perMs end
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
  addGrant(room, untilAt, units)
  for _, entry in ipairs(windows) do
    if entry[2] ~= nil then entry[2].remaining = entry[2].remaining - units end
  end
  room.inFlight = inFlightOf(room) + units
  room.lastTakenAt = now
  return { waitMs = 0, units = units, at = now, ['until'] = untilAt }
end

-- How long the state matters: until its last grant leaves its period, its windows reset, its sends count as lost.
local function ttl(state)
  local last = now + ANSWER_MAX_MS
  if state.token ~= nil and state.token.resetAt ~= nil then last = math.max(last, state.token.resetAt) end
  for _, room in ipairs(state.rooms) do
    for _, grant in ipairs(room.grants) do last = math.max(last, grant[1] + room.periodMs) end
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
