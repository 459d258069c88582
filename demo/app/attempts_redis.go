package app

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCounters keeps the counters of Attempts in Redis, one string key
// per counter under the app's prefix. Each operation is one script: one
// round trip, atomic on the server.
type redisCounters struct {
	client redis.UniversalClient
	prefix string
}

// redisTake reads the previous window's counter and adds one to the
// current one (INCR, and PEXPIRE when it is new) if the attempt fits (see
// counterStore). KEYS: current, previous. ARGV: the maximum, the window's
// length and the time left in it in milliseconds, the lifetime of a new
// counter in milliseconds. Returns {current count, previous count, 1 if
// added}. (Lua's numbers are doubles: exact for these products, which stay
// far below 2^53.)
var redisTake = redis.NewScript(`
local prev = tonumber(redis.call('GET', KEYS[2]) or '0')
local cur = tonumber(redis.call('GET', KEYS[1]) or '0')
local max, w, rem = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
if (cur + 1) * w + prev * rem > max * w then
  return {cur, prev, 0}
end
cur = redis.call('INCR', KEYS[1])
if cur == 1 then
  redis.call('PEXPIRE', KEYS[1], ARGV[4])
end
return {cur, prev, 1}
`)

// redisUndo takes one back from a counter that still exists.
var redisUndo = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 and tonumber(redis.call('GET', KEYS[1])) > 0 then
  return redis.call('DECR', KEYS[1])
end
return 0
`)

// key is the Redis key of a counter ("name#window#index"). The braces
// are a hash tag: the windows of one name land in the same Redis Cluster
// slot, as a script that reads two of them needs.
func (s *redisCounters) key(counter string) string {
	i := strings.LastIndexByte(counter, '#')
	return s.prefix + "attempts:{" + counter[:i] + "}" + counter[i:]
}

func (s *redisCounters) take(ctx context.Context, _ time.Time, cur, prev string, f fit, ttl time.Duration) (curN, prevN int64, added bool, err error) {
	res, err := redisTake.Run(ctx, s.client, []string{s.key(cur), s.key(prev)}, f.max, f.w, f.rem, ttl.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, 0, false, err
	}
	return res[0], res[1], res[2] == 1, nil
}

func (s *redisCounters) counts(ctx context.Context, _ time.Time, cur, prev string) (curN, prevN int64, err error) {
	vals, err := s.client.MGet(ctx, s.key(cur), s.key(prev)).Result()
	if err != nil {
		return 0, 0, err
	}
	n := func(v any) int64 {
		str, _ := v.(string)
		i, _ := strconv.ParseInt(str, 10, 64)
		return i
	}
	return n(vals[0]), n(vals[1]), nil
}

func (s *redisCounters) undo(ctx context.Context, cur string) error {
	return redisUndo.Run(ctx, s.client, []string{s.key(cur)}).Err()
}
