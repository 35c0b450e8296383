-- wrk script for GET /user/search with realistic random name prefixes.
-- usage: wrk -t2 -c100 -d30s --latency -s benchmarks/wrk/search.lua http://127.0.0.1:5000 -- <prefixes file>
-- The prefixes file (written by benchmarks/wrk/prefixes.ts from the users generator's own name lists)
-- holds one URL-encoded query string per line: first_name=..&last_name=..&limit=..
-- Each thread picks lines at random; done() prints one `WRK_JSON {...}` line with exact percentiles
-- and the number of requests sent.

local counter = 0
local threads = {}
local queries = {}
sent = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_id", counter)
  table.insert(threads, thread)
end

function init(args)
  local file = args[1] or os.getenv("WRK_PREFIXES")
  if file == nil then
    error("give the prefixes file after --")
  end
  local path = args[2] or "/user/search"
  -- Each request formatted once here, not on every request: the client's own CPU is not the app's.
  for line in io.lines(file) do
    if #line > 0 then
      queries[#queries + 1] = wrk.format("GET", path .. "?" .. line)
    end
  end
  if #queries == 0 then
    error("no queries in " .. file)
  end
  math.randomseed(os.time() * 1000 + (thread_id or 0) * 7919)
end

function request()
  sent = sent + 1
  return queries[math.random(#queries)]
end

-- `sent` counts requests written, so the ones never answered (wrk itself only counts timeouts of
-- answers that came late) show up as sent - requests.
function done(summary, latency, requests)
  local e = summary.errors
  local total_sent = 0
  for _, thread in ipairs(threads) do
    total_sent = total_sent + (thread:get("sent") or 0)
  end
  io.write(string.format(
    'WRK_JSON {"requests":%d,"sent":%d,"duration_us":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"min":%d,"mean":%.1f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\n',
    summary.requests, total_sent, summary.duration, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
