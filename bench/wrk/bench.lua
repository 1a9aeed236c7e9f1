-- wrk script of bench-driver: one scenario against one system, every response checked.
--
--   wrk -tC -cC -d10s -s bench/wrk/bench.lua http://127.0.0.1:8200 -- \
--       <flavor> <scenario> <connection> <tokens-file> <projects-per-tenant>
--
-- flavor      rust (the app and the baseline: /api/projects, Bearer, "account_id")
--             or django (/api/projects/, Token, "account")
-- scenario    projects_list | project_detail | tasks_list | create_task | mixed
-- connection  keep-alive | close (adds "Connection: close": a new TCP connection per request)
-- tokens-file line i holds the token of tenant i (account i)
--
-- Run with as many threads as connections: each thread then has one connection, so the
-- response wrk hands to response() answers the last request() of that thread, whose tenant
-- is remembered. A single-tenant scenario gives thread t tenant t (modulo the tenant count);
-- mixed moves every request to the next tenant (45% list, 45% detail, 10% create).
-- done() prints one line: MTBENCH requests=.. duration_s=.. rps=.. p50_ms=.. p99_ms=..
-- non2xx=.. socket_errors=.. checked=.. foreign=..

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

-- 20 slots: 9 list, 9 detail, 2 create.
local MIX = {}
for i = 1, 20 do
  if i <= 9 then
    MIX[i] = "projects_list"
  elseif i <= 18 then
    MIX[i] = "project_detail"
  else
    MIX[i] = "create_task"
  end
end

function init(args)
  flavor = args[1]
  scenario = args[2]
  connection = args[3]
  ppt = tonumber(args[5])
  tokens = {}
  for line in io.lines(args[4]) do
    if #line > 0 then
      table.insert(tokens, line)
    end
  end
  ntenants = #tokens
  django = flavor == "django"
  slash = django and "/" or ""
  scheme = django and "Token " or "Bearer "
  pattern = django and '"account":(%d+)' or '"account_id":(%d+)'
  project_field = django and "project" or "project_id"
  k = 0
  current = 0
  non2xx = 0
  checked = 0
  foreign = 0
  own_tenant = ((tid or 1) - 1) % ntenants + 1
  offset = ((tid or 1) - 1) * 37
end

local function build(kind, tenant)
  local h = { ["Authorization"] = scheme .. tokens[tenant] }
  if connection == "close" then
    h["Connection"] = "close"
  end
  local project = (tenant - 1) * ppt + (k % ppt) + 1
  if kind == "projects_list" then
    return wrk.format("GET", "/api/projects" .. slash, h)
  elseif kind == "project_detail" then
    return wrk.format("GET", "/api/projects/" .. project .. slash, h)
  elseif kind == "tasks_list" then
    return wrk.format("GET", django and "/api/tasks/" or "/api/tasks?limit=200", h)
  else
    h["Content-Type"] = "application/json"
    local body = string.format('{"%s":%d,"name":"bench","done":false}', project_field, project)
    return wrk.format("POST", "/api/tasks" .. slash, h, body)
  end
end

function request()
  k = k + 1
  if scenario == "mixed" then
    current = (k + offset) % ntenants + 1
    -- the kind advances once more per lap over the tenants, so no tenant sees only one kind
    local slot = (k + math.floor(k / ntenants)) % 20 + 1
    return build(MIX[slot], current)
  end
  current = own_tenant
  return build(scenario, current)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    return
  end
  local seen, bad = false, false
  for acct in string.gmatch(body, pattern) do
    seen = true
    if tonumber(acct) ~= current then
      bad = true
    end
  end
  if seen then
    checked = checked + 1
  end
  if bad then
    foreign = foreign + 1
  end
end

function done(summary, latency, requests)
  local n, c, f = 0, 0, 0
  for _, t in ipairs(threads) do
    n = n + (t:get("non2xx") or 0)
    c = c + (t:get("checked") or 0)
    f = f + (t:get("foreign") or 0)
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  io.write(string.format(
    "MTBENCH requests=%d duration_s=%.3f rps=%.1f p50_ms=%.3f p99_ms=%.3f non2xx=%d socket_errors=%d checked=%d foreign=%d\n",
    summary.requests, secs, summary.requests / secs,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    n, e.connect + e.read + e.write + e.timeout, c, f))
end
