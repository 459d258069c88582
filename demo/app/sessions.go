package app

import (
	"strings"
	"sync"
	"time"

	"github.com/fiberfn/fiberfn/fiberfn"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/session"
	"github.com/gofiber/storage/sqlite3/v2"
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
	// sessionTable is the table of the session storage.
	sessionTable = "sessions"
)

// Keys of the session data.
const (
	keyUserID   = "uid"
	keyEpoch    = "epoch"
	keyRemember = "remember"
)

// The sqlite3 storage must satisfy Fiber v2's storage interface as it is.
var _ fiber.Storage = (*sqlite3.Storage)(nil)

// Sessions keeps who is logged in: Fiber's session middleware over the
// demo's database (the gofiber sqlite3 storage in the SQLite file, or an
// sqlStorage on PostgreSQL; see newKVStorage), so sessions survive a
// restart.
//
// Fiber's session store decides at the store level whether its cookie is
// persistent, so there are two stores over the same storage and cookie
// name: one for "remember me" logins and one for browser-session logins.
// Either store reads any session.
type Sessions struct {
	storage  fiber.Storage
	remember *session.Store
	browser  *session.Store
	// known remembers what recently seen session ids stand for.
	known sessionCache
}

// newSessions makes the two stores over storage, which the Sessions own
// from then on (see stop).
func newSessions(storage fiber.Storage, secure bool) *Sessions {
	cfg := session.Config{
		Storage:        storage,
		KeyLookup:      "cookie:" + SessionCookie,
		CookiePath:     "/",
		CookieHTTPOnly: true,
		CookieSameSite: "Lax",
		CookieSecure:   secure,
	}
	remember, browser := cfg, cfg
	remember.Expiration = rememberFor
	browser.Expiration = browserSessionFor
	browser.CookieSessionOnly = true
	return &Sessions{storage: storage, remember: session.New(remember), browser: session.New(browser),
		known: sessionCache{entries: map[string]knownSession{}}}
}

// stop stops the storage's expiry sweeper; the database stays open.
//
// It is deliberately not named Close: *Sessions travels in the request's
// locals (fiberfn.Provide), and fasthttp calls Close on every io.Closer
// among a request's locals when the request ends, which would shut the
// session storage after the first request.
func (s *Sessions) stop() error {
	return s.storage.Close()
}

// userID returns the user id, session epoch and remember-me flag of the
// request's session; uid is 0 without a session.
func (s *Sessions) userID(c *fiber.Ctx) (uid, epoch int64, remember bool, err error) {
	id := c.Cookies(SessionCookie)
	if id == "" {
		return 0, 0, false, nil
	}
	if k, ok := s.known.get(id); ok {
		return k.uid, k.epoch, k.remember, nil
	}
	sess, err := s.browser.Get(c)
	if err != nil {
		return 0, 0, false, err
	}
	uid, _ = sess.Get(keyUserID).(int64)
	epoch, _ = sess.Get(keyEpoch).(int64)
	remember, _ = sess.Get(keyRemember).(bool)
	if !sess.Fresh() && sess.ID() == id { // the cookie named a stored session
		s.known.put(id, knownSession{uid: uid, epoch: epoch, remember: remember})
	}
	return uid, epoch, remember, nil
}

// Session lookups: reading a session means a storage query and decoding
// its data with a new gob decoder, which recompiles the types every time:
// over a third of the CPU of a request as small as adding a task. So what
// a session id stands for is kept in memory for sessionCacheFor. Logging
// in and out in this process end the old id at once, and every request
// still checks the user's session epoch in the users table, so a password
// change ends other sessions at once too. What the cache can delay, by at
// most sessionCacheFor, is a session's expiry and a logout made by another
// process on the same database.
const (
	sessionCacheFor = 5 * time.Second
	// sessionCacheMax bounds the cache; when full it starts over.
	sessionCacheMax = 10000
)

// knownSession is what a session id stood for when it was read.
type knownSession struct {
	uid, epoch int64
	remember   bool
	// ended marks an id logged out (or replaced by a login) in this
	// process: it stands for no user, and a lookup that read the session
	// before it ended cannot bring it back.
	ended bool
	until time.Time
}

// sessionCache maps session ids to what they stood for, for a while.
type sessionCache struct {
	mu      sync.Mutex
	entries map[string]knownSession
}

func (sc *sessionCache) get(id string) (knownSession, bool) {
	sc.mu.Lock()
	k, ok := sc.entries[id]
	sc.mu.Unlock()
	if !ok || time.Now().After(k.until) {
		return knownSession{}, false
	}
	return k, true
}

// put remembers k for id. id may point into a request buffer: it is
// copied.
func (sc *sessionCache) put(id string, k knownSession) {
	k.until = time.Now().Add(sessionCacheFor)
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if old, ok := sc.entries[id]; ok && old.ended {
		return
	}
	if len(sc.entries) >= sessionCacheMax {
		clear(sc.entries)
	}
	sc.entries[strings.Clone(id)] = k
}

// end marks id as standing for no user, ahead of its deletion from
// storage.
func (sc *sessionCache) end(id string) {
	if id == "" {
		return
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if len(sc.entries) >= sessionCacheMax {
		clear(sc.entries)
	}
	sc.entries[strings.Clone(id)] = knownSession{ended: true, until: time.Now().Add(sessionCacheFor)}
}

// LogIn starts a session for u under a new session id (so an id planted
// before the login is worthless), with a persistent cookie when remember
// is set and a browser-session cookie otherwise.
func (s *Sessions) LogIn(c *fiber.Ctx, u *User, remember bool) error {
	store := s.browser
	if remember {
		store = s.remember
	}
	s.known.end(c.Cookies(SessionCookie))
	sess, err := store.Get(c)
	if err != nil {
		return err
	}
	if err := sess.Reset(); err != nil { // new id, old data and old id gone
		return err
	}
	sess.Set(keyUserID, u.ID)
	sess.Set(keyEpoch, u.SessionEpoch)
	sess.Set(keyRemember, remember)
	return sess.Save()
}

// LogOut deletes the session from storage and expires its cookie.
func (s *Sessions) LogOut(c *fiber.Ctx) error {
	id := c.Cookies(SessionCookie)
	if id == "" {
		return nil
	}
	s.known.end(id)
	sess, err := s.browser.Get(c)
	if err != nil {
		return err
	}
	return sess.Destroy()
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
