package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	redisstorage "github.com/gofiber/storage/redis/v3"
)

// redisSessions keeps session records in Redis through gofiber's Redis
// storage, each under prefix + "session:" + the hash of its id, as the
// text "userID:epoch:remember" that expires with the session. (Never call
// the storage's Reset: it flushes the whole Redis database.)
type redisSessions struct {
	storage *redisstorage.Storage
	prefix  string
}

// errBadSession is returned for a stored record the demo did not write.
var errBadSession = errors.New("app: a stored session record is malformed")

func (s *redisSessions) get(ctx context.Context, key string) (sessionRecord, bool, error) {
	b, err := s.storage.GetWithContext(ctx, s.prefix+"session:"+key)
	if err != nil || b == nil {
		return sessionRecord{}, false, err
	}
	r, ok := parseSessionRecord(string(b))
	if !ok {
		return sessionRecord{}, false, errBadSession
	}
	return r, true, nil
}

func (s *redisSessions) put(ctx context.Context, key string, r sessionRecord, ttl time.Duration) error {
	return s.storage.SetWithContext(ctx, s.prefix+"session:"+key, []byte(formatSessionRecord(r)), ttl)
}

func (s *redisSessions) remove(ctx context.Context, key string) error {
	return s.storage.DeleteWithContext(ctx, s.prefix+"session:"+key)
}

// formatSessionRecord encodes r as "userID:epoch:remember" (remember 0 or 1).
func formatSessionRecord(r sessionRecord) string {
	remember := "0"
	if r.remember {
		remember = "1"
	}
	return strconv.FormatInt(r.userID, 10) + ":" + strconv.FormatInt(r.epoch, 10) + ":" + remember
}

// parseSessionRecord decodes what formatSessionRecord encoded.
func parseSessionRecord(s string) (sessionRecord, bool) {
	uid, rest, ok1 := strings.Cut(s, ":")
	epoch, remember, ok2 := strings.Cut(rest, ":")
	u, err1 := strconv.ParseInt(uid, 10, 64)
	e, err2 := strconv.ParseInt(epoch, 10, 64)
	if !ok1 || !ok2 || err1 != nil || err2 != nil || u <= 0 || (remember != "0" && remember != "1") {
		return sessionRecord{}, false
	}
	return sessionRecord{userID: u, epoch: e, remember: remember == "1"}, true
}
