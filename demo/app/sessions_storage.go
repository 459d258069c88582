package app

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// storageSessions keeps session records in a fiber.Storage: the gofiber
// sqlite3 storage in the SQLite file, an sqlStorage on PostgreSQL, or
// gofiber's Redis storage (see openState), each record under prefix + the
// hash of its id, as the text "userID:epoch:remember", expiring with the
// session. (Never call a Redis storage's Reset: it flushes the whole
// database.)
type storageSessions struct {
	storage fiber.Storage
	prefix  string
}

// errBadSession is returned for a stored record the demo did not write.
var errBadSession = errors.New("app: a stored session record is malformed")

func (s *storageSessions) get(_ context.Context, key string) (sessionRecord, bool, error) {
	b, err := s.storage.Get(s.prefix + key)
	if err != nil || b == nil {
		return sessionRecord{}, false, err
	}
	r, ok := parseSessionRecord(string(b))
	if !ok {
		return sessionRecord{}, false, errBadSession
	}
	return r, true, nil
}

func (s *storageSessions) put(_ context.Context, key string, r sessionRecord, ttl time.Duration) error {
	return s.storage.Set(s.prefix+key, []byte(formatSessionRecord(r)), ttl)
}

func (s *storageSessions) remove(_ context.Context, key string) error {
	return s.storage.Delete(s.prefix + key)
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
