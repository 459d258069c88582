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

local requests = {}
local n, i = 0, 0

-- Each thread starts at its own offset, so threads do not march in step.
function setup(thread)
  thread:set("offset", math.random(1000))
end

-- The requests are formatted in init: wrk sets the Host header just
-- before calling it.
function init(args)
  local file = os.getenv("BENCH_COOKIES")
  if file and file ~= "" then
    for cookie in io.lines(file) do
      if cookie ~= "" then
        headers["Cookie"] = cookie
        requests[#requests + 1] = wrk.format(method, path, headers, body)
      end
    end
  end
  if #requests == 0 then
    requests[1] = wrk.format(method, path, headers, body)
  end
  n = #requests
  i = (offset or 0) % n
end

function request()
  i = i % n + 1
  return requests[i]
end
