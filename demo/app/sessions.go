package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
)

// SessionCookie is the name of the session cookie.
const SessionCookie = "fiberfn_demo_session"

const (
	// rememberFor is how long a "remember me" session lasts, in the
	// browser (a persistent cookie) and in storage.
	rememberFor = 30 * 24 * time.Hour
	// browserSessionFor is how long, at most, a session without
	// "remember me" lasts in storage; its cookie ends with the browser
	// session.
	browserSessionFor = 24 * time.Hour
	// sessionIDBytes is the number of random bytes of a session id.
	sessionIDBytes = 32
)

// sessionIDLen is the length of a session id in the cookie: base64url of
// sessionIDBytes, without padding.
var sessionIDLen = base64.RawURLEncoding.EncodedLen(sessionIDBytes)

// Sessions keeps who is logged in. The cookie holds a random id (256 bits
// from crypto/rand); storage holds, under the SHA-256 of the id, only the
// user id, the user's session epoch and the remember-me flag: in the
// database (the gofiber sqlite3 storage's table "sessions" in the SQLite
// file, an sqlStorage on PostgreSQL) or in Redis (gofiber's Redis
// storage). Fiber's session middleware is not used: it decodes a gob per
// request, which cost over a third of a small request's CPU and led to a
// per-process cache that let a logout hold late on other instances. Every
// request reads its
// session from storage, so a logout or a new login made through any
// instance holds for every instance at the very next request, and every
// request compares the epoch with the users table, so a password change
// ends the user's other sessions on every instance at once.
//
// It is deliberately not an io.Closer: *Sessions travels in the request's
// locals (fiberfn.Provide), and fasthttp closes every io.Closer among a
// request's locals when the request ends.
type Sessions struct {
	store  sessionStore
	secure bool
}

// sessionRecord is what a session stands for.
type sessionRecord struct {
	userID   int64
	epoch    int64
	remember bool
}

// sessionStore keeps session records under the hash of their id.
type sessionStore interface {
	get(ctx context.Context, key string) (sessionRecord, bool, error)
	put(ctx context.Context, key string, r sessionRecord, ttl time.Duration) error
	remove(ctx context.Context, key string) error
}

// sessionKey is the storage key of a session id: its SHA-256, so that a
// copy of the storage (a backup, a read of Redis) holds no usable id.
func sessionKey(id string) string {
	sum := sha256.Sum256([]byte(id))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// validSessionID reports whether id has the form of an id the demo makes;
// anything else is not looked up.
func validSessionID(id string) bool {
	if len(id) != sessionIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// sessionLocal is the locals key of the request's session record, read
// once per request.
type sessionLocal struct{}

// lookup returns the record of the request's session; the zero record
// without one.
func (s *Sessions) lookup(c *fiber.Ctx) (sessionRecord, error) {
	if r, ok := c.Locals(sessionLocal{}).(sessionRecord); ok {
		return r, nil
	}
	var r sessionRecord
	if id := c.Cookies(SessionCookie); validSessionID(id) {
		found, ok, err := s.store.get(c.UserContext(), sessionKey(id))
		if err != nil {
			return sessionRecord{}, err
		}
		if ok {
			r = found
		}
	}
	c.Locals(sessionLocal{}, r)
	return r, nil
}

// userID returns the user id, session epoch and remember-me flag of the
// request's session; uid is 0 without a session.
func (s *Sessions) userID(c *fiber.Ctx) (uid, epoch int64, remember bool, err error) {
	r, err := s.lookup(c)
	return r.userID, r.epoch, r.remember, err
}

// LogIn starts a session for u under a new session id (so an id planted
// before the login is worthless, and the id in use before is deleted),
// with a persistent cookie when remember is set and a browser-session
// cookie otherwise.
func (s *Sessions) LogIn(c *fiber.Ctx, u *User, remember bool) error {
	ctx := c.UserContext()
	if old := c.Cookies(SessionCookie); validSessionID(old) {
		if err := s.store.remove(ctx, sessionKey(old)); err != nil {
			return err
		}
	}
	var raw [sessionIDBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	id := base64.RawURLEncoding.EncodeToString(raw[:])
	ttl := browserSessionFor
	if remember {
		ttl = rememberFor
	}
	r := sessionRecord{userID: u.ID, epoch: u.SessionEpoch, remember: remember}
	if err := s.store.put(ctx, sessionKey(id), r, ttl); err != nil {
		return err
	}
	ck := s.cookie(id)
	if remember {
		ck.Expires = time.Now().Add(rememberFor)
		ck.MaxAge = int(rememberFor / time.Second)
	} else {
		ck.SessionOnly = true
	}
	c.Cookie(ck)
	c.Locals(sessionLocal{}, r)
	return nil
}

// LogOut deletes the session from storage and expires its cookie.
func (s *Sessions) LogOut(c *fiber.Ctx) error {
	id := c.Cookies(SessionCookie)
	if id == "" {
		return nil
	}
	if validSessionID(id) {
		if err := s.store.remove(c.UserContext(), sessionKey(id)); err != nil {
			return err
		}
	}
	ck := s.cookie("")
	ck.Expires = time.Unix(0, 0)
	ck.MaxAge = -1
	c.Cookie(ck)
	c.Locals(sessionLocal{}, sessionRecord{})
	return nil
}

// cookie is the session cookie with the value id and the attributes every
// session cookie has. (Secure is also added on HTTPS requests by the
// secureCookies middleware.)
func (s *Sessions) cookie(id string) *fiber.Cookie {
	return &fiber.Cookie{Name: SessionCookie, Value: id, Path: "/", HTTPOnly: true, SameSite: fiber.CookieSameSiteLaxMode, Secure: s.secure}
}

// CurrentUser returns the logged-in user of the request, or nil. It looks
// the session up once per request and keeps the answer in the request's
// typed context (fiberfn.ProvideContext[*User]).
func CurrentUser(c *fiber.Ctx) (*User, error) {
	if u, ok := fiberfn.UseContext[*User](c); ok {
		return u, nil
	}
	sessions := fiberfn.ExpectContext[*Sessions](c)
	store := fiberfn.ExpectContext[*Store](c)
	uid, epoch, _, err := sessions.userID(c)
	if err != nil {
		return nil, err
	}
	var u *User
	if uid != 0 {
		found, err := store.UserByID(uid)
		switch {
		case err == ErrNotFound:
		case err != nil:
			return nil, err
		case found.SessionEpoch == epoch: // else the password changed since
			u = found
		}
	}
	fiberfn.ProvideContext(c, u)
	return u, nil
}

// rememberedSession reports whether the request's session was made with
// "remember me".
func rememberedSession(c *fiber.Ctx) bool {
	_, _, remember, err := fiberfn.ExpectContext[*Sessions](c).userID(c)
	return err == nil && remember
}
