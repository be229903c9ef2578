-- wrk script for bench/mixed.py: requests follow a prepared sequence of addresses (a Zipf mix
-- drawn once, the same for both sites), counts X-Page-Cache hits and misses and the status
-- classes in the response callback, and prints one line "WRKJSON {...}" at the end.
--
--   MIXED_PATHS=file.txt wrk -t1 -c4 -d20s -s bench/wrk_mixed.lua http://127.0.0.1:8130
--
-- Each line of the file is an address, optionally followed by a tab and "auth": that request
-- carries the cookie in MIXED_COOKIE (the peer's search, which needs a login).

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  paths, auth = {}, {}
  local file = assert(io.open(os.getenv("MIXED_PATHS"), "r"))
  for line in file:lines() do
    local path, flag = line:match("^([^\t]+)\t?(.*)$")
    if path then
      table.insert(paths, path)
      table.insert(auth, flag == "auth")
    end
  end
  file:close()
  cookie = os.getenv("MIXED_COOKIE") or ""
  -- Threads start at different places in the same sequence.
  position = ((id - 1) * 7919) % #paths
  hits, misses, nohdr, s2, s3, s4, s5 = 0, 0, 0, 0, 0, 0, 0
end

function request()
  position = position % #paths + 1
  if auth[position] and cookie ~= "" then
    return wrk.format("GET", paths[position], { Cookie = cookie })
  end
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local cached = headers["X-Page-Cache"] or headers["x-page-cache"]
  if cached == "hit" then
    hits = hits + 1
  elseif cached == "miss" then
    misses = misses + 1
  else
    nohdr = nohdr + 1
  end
  if status < 300 then
    s2 = s2 + 1
  elseif status < 400 then
    s3 = s3 + 1
  elseif status < 500 then
    s4 = s4 + 1
  else
    s5 = s5 + 1
  end
end

function done(summary, latency, requests)
  local t = { hits = 0, misses = 0, nohdr = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0 }
  for _, thread in ipairs(threads) do
    for key, _ in pairs(t) do
      t[key] = t[key] + (thread:get(key) or 0)
    end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'WRKJSON {"requests":%d,"seconds":%.3f,"rps":%.2f,"p50_ms":%.2f,"p90_ms":%.2f,"p99_ms":%.2f,' ..
    '"mean_ms":%.2f,"max_ms":%.2f,"err_connect":%d,"err_read":%d,"err_write":%d,"err_status":%d,' ..
    '"err_timeout":%d,"hits":%d,"misses":%d,"uncached":%d,"s2xx":%d,"s3xx":%d,"s4xx":%d,"s5xx":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.mean / 1000, latency.max / 1000,
    e.connect, e.read, e.write, e.status, e.timeout,
    t.hits, t.misses, t.nohdr, t.s2, t.s3, t.s4, t.s5))
end
