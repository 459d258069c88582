-- wrk script of cmd/benchrun: one request shape, read from the
-- environment, optionally rotating over a file of Cookie header values
-- (one a line) so that the load is spread over many users. Every request
-- is formatted once, in init, so the generator does no per-request Lua
-- work beyond picking the next one.
--
--   BENCH_METHOD   GET or POST
--   BENCH_PATH     request path
--   BENCH_BODY     form body (POST), application/x-www-form-urlencoded
--   BENCH_HEADERS  extra headers, "Name: value" separated by "\n"
--   BENCH_COOKIES  file of Cookie header values, one per request shape
--   BENCH_UNIQUE   headers that get a value of their own in every request
--                  ("Idempotency-Key": a once-only server function runs
--                  every request; "X-Forwarded-For": every request comes
--                  from another address, past the demo's per-address
--                  login throttle), separated by ","; those requests are
--                  formatted per request

local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH") or "/"
local body = os.getenv("BENCH_BODY")
if body == "" then body = nil end

local headers = {}
for line in string.gmatch(os.getenv("BENCH_HEADERS") or "", "[^\n]+") do
  local name, value = string.match(line, "^([^:]+):%s*(.*)$")
  if name then headers[name] = value end
end
if body then headers["Content-Type"] = "application/x-www-form-urlencoded" end

local unique = {}
for name in string.gmatch(os.getenv("BENCH_UNIQUE") or "", "[^,]+") do
  unique[#unique + 1] = name
end

local requests = {}
local shapes = {} -- the header tables, when requests are formatted per request
local n, i, count = 0, 0, 0

-- Each thread starts at its own offset, so threads do not march in step.
function setup(thread)
  thread:set("offset", math.random(1000))
  -- Keys unique across threads and runs: a once-only function replays a
  -- key it has seen, which would not be a real add.
  thread:set("run", tostring(os.time()) .. "-" .. tostring(math.random(1000000000)))
end

-- The requests are formatted in init: wrk sets the Host header just
-- before calling it.
function init(args)
  local file = os.getenv("BENCH_COOKIES")
  if file and file ~= "" then
    for cookie in io.lines(file) do
      if cookie ~= "" then
        local h = {}
        for k, v in pairs(headers) do h[k] = v end
        h["Cookie"] = cookie
        shapes[#shapes + 1] = h
        requests[#requests + 1] = wrk.format(method, path, h, body)
      end
    end
  end
  if #requests == 0 then
    shapes[1] = headers
    requests[1] = wrk.format(method, path, headers, body)
  end
  n = #requests
  i = (offset or 0) % n
  count = (offset or 0) * 1000000
end

function request()
  i = i % n + 1
  if #unique == 0 then
    return requests[i]
  end
  count = count + 1
  local h = shapes[i]
  for _, name in ipairs(unique) do
    if name == "X-Forwarded-For" then
      h[name] = string.format("10.%d.%d.%d", math.floor(count / 65536) % 256, math.floor(count / 256) % 256, count % 256)
    else
      h[name] = "bench-" .. (run or "") .. "-" .. count
    end
  end
  return wrk.format(method, path, h, body)
end
