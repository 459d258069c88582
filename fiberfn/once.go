package fiberfn

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"html/template"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// OnceField is the form field that carries a once-only token; the template
// function fnOnce renders it as a hidden input.
const OnceField = "_fiberfn_once"

// headerIdempotencyKey is the header a JSON client (or any client) may send
// instead of a form token, as with Stripe's API.
const headerIdempotencyKey = "Idempotency-Key"

// ReplayedHeader marks the replayed answer of a once-only function.
const ReplayedHeader = "Idempotent-Replayed"

// OnceOnly makes the function run at most once per token, the answer to
// double clicks, a double Enter and clients that retry after a lost
// response. A form posting to it carries a one-time token, rendered with
// the template function fnOnce:
//
//	<form method="post" action="{{ fnPath "add_task" }}" ...>
//	  {{ fnOnce "add_task" }}
//
// and a JSON client sends an Idempotency-Key header of its own choosing.
// Semantics follow Stripe's idempotency keys:
//
//   - the first request with a token runs the function; a successful
//     answer is stored under the token ([Config].OnceStorage) for
//     [Config].OnceTTL, and every later request with the token gets that
//     answer again (status, body, Location and HX-* headers, no cookies)
//     with the header "Idempotent-Replayed: true", without running the
//     function;
//   - a request that arrives while the first is still running waits for it
//     (in the same process) and then gets its answer;
//   - a failed first request (an error answer) stores nothing: the user may
//     correct the form and send it again with the same token;
//   - a form token belongs to the form as rendered, and its answer to the
//     values sent with it: an htmx form that stays on the page may send
//     its token again with other values, which is a new submission (run
//     once too); an Idempotency-Key reused with another body gets 409;
//   - an htmx partial request that gets a replayed answer is told not to
//     swap it (HX-Reswap: none): htmx swapped the first answer in already
//     (a double click queued a second submit), and appending it again
//     would show the record twice;
//   - a token from another function, a forged or expired one, or none at
//     all is refused with 400 and a message to reload the page.
//
// Tokens are signed with [Config].Keys and expire after [Config].OnceTTL.
func OnceOnly() Option {
	return func(m *meta) { m.once = true }
}

// newOnceToken returns a fresh signed token for the function named fn.
func newOnceToken(sg signer, fn string, ttl time.Duration) string {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		panic("fiberfn: no randomness for a once-only token: " + err.Error())
	}
	exp := strconv.FormatInt(time.Now().Add(ttl).Unix(), 36)
	return sg.sign(purposeOnce, fn+"~"+exp+"~"+base64.RawURLEncoding.EncodeToString(nonce[:]))
}

// onceInput is the hidden input of a fresh token.
func onceInput(sg signer, fn string, ttl time.Duration) template.HTML {
	return template.HTML(`<input type="hidden" name="` + OnceField + `" value="` + newOnceToken(sg, fn, ttl) + `">`)
}

// checkOnceToken reports whether token was signed for the function fn and
// has not expired.
func checkOnceToken(sg signer, token, fn string, now time.Time) bool {
	v, ok := sg.verify(purposeOnce, token)
	if !ok {
		return false
	}
	parts := strings.Split(v, "~")
	if len(parts) != 3 || parts[0] != fn {
		return false
	}
	exp, err := strconv.ParseInt(parts[1], 36, 64)
	return err == nil && now.Unix() < exp
}

// onceAnswer is a stored answer of a once-only function (see
// encodeAnswer for its stored form).
type onceAnswer struct {
	Caller  caller
	Status  int
	Headers [][2]string
	Body    []byte
	Digest  string // of the request's values (see valuesDigest)
}

// The refusals of once-only requests: no token, a forged or expired one,
// the same token with other values, and a first request still running.
var (
	errOnceMissing  = &Error{Code: http.StatusBadRequest, Message: "This form is missing its one-time token; please reload the page and try again."}
	errOnceInvalid  = &Error{Code: http.StatusBadRequest, Message: "This form has expired; please reload the page and try again."}
	errOnceConflict = &Error{Code: http.StatusConflict, Message: "This form was already sent with other values; please reload the page."}
	errOnceBusy     = &Error{Code: http.StatusConflict, Message: "This form is still being processed; please wait a moment and reload the page."}
	errOnceTwice    = &Error{Code: http.StatusBadRequest, Message: "This request carries its one-time token (or Idempotency-Key) more than once; send it once."}
)

// begin claims the token of the request. It returns a claim to run the
// function with (finished or given back when its answer is written), or
// else the decision to write instead: a stored answer to replay, or a
// refusal.
func (s *onceStore) begin(c *fiber.Ctx, st *requestState, m *meta) (*onceClaim, answer) {
	p := st.plugin
	kind := st.kind
	token, twice := onceToken(c, st, kind)
	clientKey := len(st.hdr.idempotencyKey) > 0 // else a signed form token
	switch {
	// Two tokens are refused rather than one picked: which one a proxy or
	// a middleware in front reads is not ours to know.
	case twice:
		return nil, refusal(errOnceTwice, true)
	// Refusals carry the submitted values back, so the re-rendered form
	// (with a fresh token) keeps what the user typed.
	case token == "":
		return nil, refusal(errOnceMissing, true)
	case len(token) > 512:
		return nil, refusal(errOnceInvalid, true)
	case !clientKey && !p.cfg.Registry.validOnceToken(p, token, m.name):
		return nil, refusal(errOnceInvalid, true)
	}
	// A stored answer is replayed only to its owner: another client with
	// the same token or key gets a run of its own, as for a fresh key.
	owner := p.onceOwner(c)
	if owner == "" {
		p.ensureClientID(c) // so that a retry has one
		return nil, refusal(errOnceNoClient, true)
	}
	digest := valuesDigest(c, kind)
	key := onceKey(m.name, token, owner, digest, clientKey)
	claim, res, err := s.acquire(c.UserContext(), key, p.cfg.OnceTTL)
	switch {
	case err != nil:
		return nil, failure(err)
	case claim != nil:
		claim.digest = digest
		return claim, answer{}
	}
	switch res.Status {
	case ClaimAnswered:
		a, err := decodeAnswer(res.Answer)
		if err != nil {
			// The key was used, so it must not run again; its answer
			// is lost.
			p.cfg.Logger.Error("fiberfn: a stored once-only answer cannot be read", "fn", m.name, "err", err)
			return nil, refusal(errOnceSent, true)
		}
		return nil, answer{kind: answerReplay, stored: &a, digest: digest}
	case ClaimLeaseExpired:
		return nil, refusal(errOnceLost, true)
	}
	c.Set(fiber.HeaderRetryAfter, s.retryAfter())
	return nil, refusal(errOnceBusy, true)
}

// onceToken returns the request's token: the Idempotency-Key header, else
// the form field, from the body or else the query (where htmx sends a
// DELETE's values). twice reports a token sent more than once: two
// headers, or the field twice in the body, the query or both.
func onceToken(c *fiber.Ctx, st *requestState, kind bodyKind) (token string, twice bool) {
	if k := st.hdr.idempotencyKey; len(k) > 0 {
		return string(k), st.hdr.idempotencyKeys > 1
	}
	query := c.Request().URI().QueryArgs()
	inQuery := 0
	if query.Has(OnceField) {
		inQuery = len(query.PeekMulti(OnceField))
	}
	switch kind {
	case bodyURLEncoded:
		post := c.Request().PostArgs()
		if post.Has(OnceField) {
			values := post.PeekMulti(OnceField)
			return string(values[0]), len(values)+inQuery > 1
		}
	case bodyMultipart:
		if form, err := c.MultipartForm(); err == nil && len(form.Value[OnceField]) > 0 {
			values := form.Value[OnceField]
			return values[0], len(values)+inQuery > 1
		}
	case bodyJSON:
		return "", false
	}
	return string(query.Peek(OnceField)), inQuery > 1
}

// valuesDigest identifies the values a request sent, whatever their order
// or encoding: the decoded form fields (files by name and size) sorted,
// without the once-only token, or the JSON body as sent.
func valuesDigest(c *fiber.Ctx, kind bodyKind) string {
	var fields []string
	add := func(k, v string) {
		if k != OnceField {
			fields = append(fields, k+"\x00"+v)
		}
	}
	switch kind {
	case bodyURLEncoded:
		c.Request().PostArgs().VisitAll(func(k, v []byte) { add(string(k), string(v)) })
	case bodyMultipart:
		form, err := c.MultipartForm()
		if err != nil {
			return ""
		}
		for k, vs := range form.Value {
			for _, v := range vs {
				add(k, v)
			}
		}
		for k, fs := range form.File {
			for _, f := range fs {
				add(k, "\x01"+f.Filename+"\x00"+strconv.FormatInt(f.Size, 10))
			}
		}
	case bodyNone:
		c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { add(string(k), string(v)) })
	default:
		fields = append(fields, string(c.Request().Body()))
	}
	if kind != bodyNone {
		// The query's values count too (a DELETE's, say), told apart
		// from the body's.
		c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { add("?"+string(k), string(v)) })
	}
	sort.Strings(fields)
	h := sha256.New()
	for _, f := range fields {
		h.Write([]byte(f))
		h.Write([]byte{0xff})
	}
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:12])
}

// replayedHeaders are the answer headers worth storing for a replay.
func replayedHeader(key []byte) bool {
	k := strings.ToLower(string(key))
	return k == "content-type" || k == "location" || k == "vary" || strings.HasPrefix(k, "hx-") || k == strings.ToLower(RedirectHeader)
}

// maxStoredBody bounds the body kept for a replay.
const maxStoredBody = 256 << 10

// finish stores the answer of the request that ran the function, and
// wakes the requests waiting for it. It is safe on a nil claim.
func (cl *onceClaim) finish(c *fiber.Ctx, who caller) {
	if cl == nil {
		return
	}
	resp := c.Response()
	a := onceAnswer{Caller: who, Status: resp.StatusCode(), Digest: cl.digest}
	if body := resp.Body(); len(body) <= maxStoredBody {
		a.Body = body
	}
	redirect := a.Status >= 300 && a.Status <= 399
	resp.Header.VisitAll(func(k, v []byte) {
		if replayedHeader(k) && !(redirect && strings.EqualFold(string(k), fiber.HeaderContentType)) {
			a.Headers = append(a.Headers, [2]string{string(k), string(v)})
		}
	})
	ok, err := cl.store(encodeAnswer(&a))
	switch {
	case err != nil:
		stateOf(c).plugin.cfg.Logger.Error("fiberfn: storing a once-only answer failed", "path", c.Path(), "err", err)
	case !ok:
		stateOf(c).plugin.cfg.Logger.Error("fiberfn: a once-only answer was not stored: its claim expired", "path", c.Path())
	}
}
