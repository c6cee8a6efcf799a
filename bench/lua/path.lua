-- The same GET again and again: the URL on the command line says which.
dofile(os.getenv("BENCH_LUA") .. "/common.lua")
