-- PATCH the status of in_progress incidents from BENCH_IDS: resolve each, next round reopen it.
-- Each thread takes its own slice of the ids, so no two requests race for one incident.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

local threads = 0

function setup(thread)
  thread:set("slice", threads)
  threads = threads + 1
end

function init(args)
  ids = read_ids(slice, tonumber(os.getenv("BENCH_THREADS")))
  position = 0
end

function request()
  local round = math.floor(position / #ids)
  local id = ids[position % #ids + 1]
  position = position + 1
  local target = (round % 2 == 0) and "resolved" or "in_progress"
  return wrk.format("PATCH", "/api/v1/incidents/" .. id, nil, '{"status":"' .. target .. '"}')
end
