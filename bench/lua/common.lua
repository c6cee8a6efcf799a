-- Shared by every load script: the API key, and one line of JSON results at the end.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
wrk.headers["Content-Type"] = "application/json"

function read_ids(slice, slices)
  local ids, n = {}, 0
  for line in io.lines(os.getenv("BENCH_IDS")) do
    if n % slices == slice then ids[#ids + 1] = line end
    n = n + 1
  end
  return ids
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"mean_us":%.1f,' ..
    '"status_errors":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.mean, e.status, e.connect + e.read + e.write + e.timeout))
end
