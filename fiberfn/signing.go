package fiberfn

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
	"strings"
	"sync"
	"time"
)

// processKey is the random key used when Config.Keys is empty: one per
// process, so every plugin of the process verifies every other's cookies.
var processKey = sync.OnceValue(func() []byte {
	k := make([]byte, minKeyLen)
	if _, err := rand.Read(k); err != nil {
		panic("fiberfn: no randomness for a signing key: " + err.Error())
	}
	return k
})

// signer signs and verifies values with HMAC-SHA256 under a purpose, so a
// value signed for one use (a flash) is never accepted for another (a
// once-only token).
type signer struct {
	keys [][]byte
}

// mac returns the HMAC of purpose and value under key.
func mac(key []byte, purpose, value string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(value))
	return m.Sum(nil)
}

// sign returns value "." signature, where value must not contain ".".
func (s signer) sign(purpose, value string) string {
	return value + "." + base64.RawURLEncoding.EncodeToString(mac(s.keys[0], purpose, value))
}

// verify returns the value of a signed string and whether any key signed it
// for purpose.
func (s signer) verify(purpose, signed string) (string, bool) {
	i := strings.LastIndexByte(signed, '.')
	if i < 0 {
		return "", false
	}
	value, sig := signed[:i], signed[i+1:]
	got, err := base64.RawURLEncoding.DecodeString(sig)
	if err != nil || len(got) != sha256.Size {
		return "", false
	}
	for _, k := range s.keys {
		if hmac.Equal(got, mac(k, purpose, value)) {
			return value, true
		}
	}
	return "", false
}

// seal signs value for purpose, bound to the client identity client and to
// the expiry exp: "exp~value.signature", exp in base-36 Unix seconds. value
// must not contain ".".
func (s signer) seal(purpose, client string, exp time.Time, value string) string {
	return s.sign(bindingOf(purpose, client), strconv.FormatInt(exp.Unix(), 36)+"~"+value)
}

// open returns the value of a string sealed for purpose and client, and
// whether any key sealed it for them and it has not expired at now.
func (s signer) open(purpose, client string, now time.Time, sealed string) (string, bool) {
	v, ok := s.verify(bindingOf(purpose, client), sealed)
	if !ok {
		return "", false
	}
	exp, value, ok := strings.Cut(v, "~")
	if !ok {
		return "", false
	}
	t, err := strconv.ParseInt(exp, 36, 64)
	if err != nil || now.Unix() >= t {
		return "", false
	}
	return value, true
}
