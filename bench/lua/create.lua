-- POST a new incident with a varied description and source.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local sources = { "monitoring", "operator", "partner" }
local things = { "Scooter", "Parcel locker", "Charging station", "Payment terminal" }
local n = 0

function request()
  n = n + 1
  local body = string.format(
    '{"description":"%s #%d is offline in Berlin (bench request %d)","source":"%s"}',
    things[n % #things + 1], math.random(1, 9999), n, sources[n % #sources + 1])
  return wrk.format("POST", "/api/v1/incidents", nil, body)
end
