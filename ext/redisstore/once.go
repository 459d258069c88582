package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/redis/go-redis/v9"
)

// OnceConfig configures a [OnceStore].
type OnceConfig struct {
	// Prefix starts every key the store writes; give each app (and each
	// test) its own.
	//
	// Optional. Default: "fiberfn:once:"
	Prefix string
}

// OnceConfigDefault is the default configuration.
var OnceConfigDefault = OnceConfig{Prefix: "fiberfn:once:"}

// OnceStore is a [fiberfn.OnceStore] in Redis, shared by every instance
// connected to it:
//
//	store := redisstore.NewOnceStore(client, redisstore.OnceConfig{Prefix: "myapp:once:"})
//	fiberfn.Mount(app, fiberfn.Config{Keys: keys, OnceStore: store})
//
// client is any go-redis v9 client (a *redis.Client, a cluster or ring
// client), such as the Conn() of github.com/gofiber/storage/redis/v3, so
// an app can share the connection its sessions use.
//
// A key's record is PREFIX{key}: "r" and the run id while claimed, "a" and
// the answer once answered, expiring with its ttl; its lease is
// PREFIX{key}:lease, expiring with the lease (Redis's clock decides, so
// instances' clocks need not agree). Each operation is one Lua script, so
// a claim (SET NX PX and the lease) and every transition is atomic; the
// braces keep both keys in one Redis Cluster slot.
type OnceStore struct {
	client redis.UniversalClient
	prefix string
}

var _ fiberfn.OnceStore = (*OnceStore)(nil)

// NewOnceStore returns a store on client. It does not own client: closing
// the client is the app's job.
func NewOnceStore(client redis.UniversalClient, config ...OnceConfig) *OnceStore {
	cfg := OnceConfigDefault
	if len(config) > 0 && config[0].Prefix != "" {
		cfg.Prefix = config[0].Prefix
	}
	return &OnceStore{client: client, prefix: cfg.Prefix}
}

// keys returns the record and lease keys of key.
func (s *OnceStore) keys(key string) []string {
	rec := s.prefix + "{" + key + "}"
	return []string{rec, rec + ":lease"}
}

// ms is d in milliseconds, at least 1 (PX 0 is an error).
func ms(d time.Duration) int64 { return max(1, d.Milliseconds()) }

var claimScript = redis.NewScript(`
if redis.call('SET', KEYS[1], 'r' .. ARGV[1], 'NX', 'PX', ARGV[3]) then
	redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
	return {1}
end
local v = redis.call('GET', KEYS[1])
if not v then
	return {0}
end
if string.sub(v, 1, 1) == 'a' then
	return {3, string.sub(v, 2)}
end
if redis.call('EXISTS', KEYS[2]) == 1 then
	return {2}
end
return {4}
`)

var renewScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'r' .. ARGV[1] then
	redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
	return 1
end
return 0
`)

var finishScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'r' .. ARGV[1] then
	redis.call('SET', KEYS[1], 'a' .. ARGV[2], 'PX', ARGV[3])
	redis.call('DEL', KEYS[2])
	return 1
end
return 0
`)

var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == 'r' .. ARGV[1] then
	redis.call('DEL', KEYS[1], KEYS[2])
	return 1
end
return 0
`)

// Claim implements [fiberfn.OnceStore].
func (s *OnceStore) Claim(ctx context.Context, key, runID string, lease, ttl time.Duration) (fiberfn.ClaimResult, error) {
	keys := s.keys(key)
	for range 8 { // a record that expires between SET NX and GET: again
		v, err := claimScript.Run(ctx, s.client, keys, runID, ms(lease), ms(ttl)).Slice()
		if err != nil {
			return fiberfn.ClaimResult{}, fmt.Errorf("redisstore: claim: %w", err)
		}
		status, _ := v[0].(int64)
		switch status {
		case 0:
			continue
		case 1:
			return fiberfn.ClaimResult{Status: fiberfn.ClaimWon}, nil
		case 2:
			return fiberfn.ClaimResult{Status: fiberfn.ClaimRunning}, nil
		case 3:
			answer := ""
			if len(v) > 1 {
				answer, _ = v[1].(string)
			}
			return fiberfn.ClaimResult{Status: fiberfn.ClaimAnswered, Answer: []byte(answer)}, nil
		case 4:
			return fiberfn.ClaimResult{Status: fiberfn.ClaimLeaseExpired}, nil
		}
		return fiberfn.ClaimResult{}, fmt.Errorf("redisstore: claim: unexpected reply %v", v)
	}
	return fiberfn.ClaimResult{}, errors.New("redisstore: claim: the record of the key keeps expiring")
}

// Renew implements [fiberfn.OnceStore].
func (s *OnceStore) Renew(ctx context.Context, key, runID string, lease time.Duration) (bool, error) {
	return s.run(ctx, "renew", renewScript, key, runID, ms(lease))
}

// Finish implements [fiberfn.OnceStore].
func (s *OnceStore) Finish(ctx context.Context, key, runID string, answer []byte, ttl time.Duration) (bool, error) {
	return s.run(ctx, "finish", finishScript, key, runID, answer, ms(ttl))
}

// Release implements [fiberfn.OnceStore].
func (s *OnceStore) Release(ctx context.Context, key, runID string) error {
	_, err := s.run(ctx, "release", releaseScript, key, runID)
	return err
}

// run runs a script that answers 1 when it changed the key.
func (s *OnceStore) run(ctx context.Context, what string, script *redis.Script, key string, args ...any) (bool, error) {
	n, err := script.Run(ctx, s.client, s.keys(key), args...).Int()
	if err != nil {
		return false, fmt.Errorf("redisstore: %s: %w", what, err)
	}
	return n == 1, nil
}
