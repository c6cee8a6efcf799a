-- GET one incident, picked at random from the ids in BENCH_IDS.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")

function init(args)
  ids = read_ids(0, 1)
  math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

function request()
  return wrk.format("GET", "/api/v1/incidents/" .. ids[math.random(1, #ids)])
end
