-- wrk script of the public-site load test (driven by bench/public_load.py).
--
--   wrk -t1 -c32 -d30s --latency -s bench/public_wrk.lua http://127.0.0.1:PORT -- \
--       '/public/search/?q={key}' keys/uscc_hit.txt@5 keys/uscc_miss.txt@1
--
-- Every request picks a key file by weight, then a random line of it (one URL-ready value per
-- line), and puts it in place of {key} in the path template. Redirects are not followed: a
-- 302 is measured as the answer it is. done() prints one line "WRKJSON {...}" with requests/s,
-- p50/p95/p99/max latency (ms), wrk's socket errors and the count of every status code (summed
-- over wrk's threads).

local template
local files = {}
local total_weight = 0
counts = {}  -- global: done() reads it from each thread with thread:get
local threads = {}

local function load_keys(path)
  local keys = {}
  for line in io.lines(path) do
    if #line > 0 then
      keys[#keys + 1] = line
    end
  end
  assert(#keys > 0, "no keys in " .. path)
  return keys
end

function setup(thread)
  thread:set("id", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  template = args[1]
  for i = 2, #args do
    local path, weight = string.match(args[i], "^(.-)@(%d+)$")
    if path == nil then
      path, weight = args[i], "1"
    end
    local entry = { keys = load_keys(path), weight = tonumber(weight) }
    files[#files + 1] = entry
    total_weight = total_weight + entry.weight
  end
  math.randomseed(os.time() * 1000 + (id or 0))
end

function request()
  local pick = math.random() * total_weight
  local chosen = files[#files]
  for _, entry in ipairs(files) do
    if pick < entry.weight then
      chosen = entry
      break
    end
    pick = pick - entry.weight
  end
  local key = chosen.keys[math.random(#chosen.keys)]
  local path = string.gsub(template, "{key}", function() return key end)
  return wrk.format("GET", path)
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local statuses = {}
  for _, thread in ipairs(threads) do
    local c = thread:get("counts")
    for status, n in pairs(c) do
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  local parts = {}
  for status, n in pairs(statuses) do
    parts[#parts + 1] = string.format('"%d": %d', status, n)
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "seconds": %.3f, "rps": %.1f, "p50_ms": %.2f, "p95_ms": %.2f, '
      .. '"p99_ms": %.2f, "max_ms": %.2f, "mean_ms": %.2f, "bytes": %d, '
      .. '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, '
      .. '"status": {%s}}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, latency.mean / 1000, summary.bytes,
    e.connect, e.read, e.write, e.timeout, table.concat(parts, ", ")
  ))
end
