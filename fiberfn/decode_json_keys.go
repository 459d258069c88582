package fiberfn

import (
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// repeatedJSONField returns the first key of the input's field that a JSON
// object body sets more than once, by the same key or by two keys that name
// the same field (encoding/json matches keys without regard to case), or
// "" when none is set twice. encoding/json keeps the last of repeated keys
// while other readers of the same body (a proxy, a WAF, a middleware that
// decodes it again) may keep the first, so a repeat is refused like a form
// field sent twice. Only the object's own keys are looked at, not the keys
// of values nested in it. A body that is not a well-formed object gives ""
// and is left to the decoder, which words its error.
func (p *jsonPlan) repeatedJSONField(body []byte) string {
	var small [16]bool
	seen := small[:0]
	if len(p.fields) <= len(small) {
		seen = small[:len(p.fields)]
	} else {
		seen = make([]bool, len(p.fields))
	}
	s := jsonScanner{b: body}
	if s.skipSpace(); !s.eat('{') {
		return ""
	}
	if s.skipSpace(); s.eat('}') {
		return ""
	}
	for {
		s.skipSpace()
		key, ok := s.key()
		if !ok {
			return ""
		}
		if s.skipSpace(); !s.eat(':') {
			return ""
		}
		if !s.skipValue() {
			return ""
		}
		if jf := p.lookupBytes(key); jf != nil {
			i := p.indexOf(jf)
			if seen[i] {
				return jf.keys[0]
			}
			seen[i] = true
		}
		s.skipSpace()
		switch {
		case s.eat(','):
		case s.eat('}'):
			return ""
		default:
			return ""
		}
	}
}

// indexOf returns the index in p.fields of jf, a pointer into it.
func (p *jsonPlan) indexOf(jf *jsonField) int {
	for i := range p.fields {
		if &p.fields[i] == jf {
			return i
		}
	}
	return -1
}

// jsonScanner walks a JSON text without decoding its values.
type jsonScanner struct {
	b []byte
	i int
}

func (s *jsonScanner) skipSpace() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c when it is next.
func (s *jsonScanner) eat(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// key reads an object key: a string, unescaped when it holds escapes. The
// key aliases the body unless it held an escape.
func (s *jsonScanner) key() ([]byte, bool) {
	start := s.i
	escaped, ok := s.skipString()
	if !ok {
		return nil, false
	}
	if !escaped {
		return s.b[start+1 : s.i-1], true
	}
	var k string
	if json.Unmarshal(s.b[start:s.i], &k) != nil {
		return nil, false
	}
	return []byte(k), true
}

// lookupBytes is lookup for a key held as bytes, without copying it.
func (p *jsonPlan) lookupBytes(key []byte) *jsonField {
	if i, ok := p.byKey[string(key)]; ok {
		return &p.fields[i]
	}
	for i := range p.fields {
		for _, k := range p.fields[i].keys {
			if equalFoldASCII(k, key) {
				return &p.fields[i]
			}
		}
	}
	return nil
}

// equalFoldASCII reports whether s and b are equal without regard to case,
// as strings.EqualFold does; it copies b only when either is not ASCII.
func equalFoldASCII(s string, b []byte) bool {
	if len(s) != len(b) {
		// Only non-ASCII letters (the Kelvin sign, say) fold to
		// letters of another length.
		return !(isASCII(s) && isASCII(string(b))) && strings.EqualFold(s, string(b))
	}
	for i := 0; i < len(s); i++ {
		x, y := s[i], b[i]
		if x >= utf8.RuneSelf || y >= utf8.RuneSelf {
			return strings.EqualFold(s, string(b))
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// skipString consumes a string and says whether it held an escape.
func (s *jsonScanner) skipString() (escaped, ok bool) {
	if !s.eat('"') {
		return false, false
	}
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			escaped = true
			s.i += 2
		case '"':
			s.i++
			return escaped, true
		default:
			s.i++
		}
	}
	return false, false
}

// skipValue consumes one value of any kind, with what it nests.
func (s *jsonScanner) skipValue() bool {
	s.skipSpace()
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case '"':
		_, ok := s.skipString()
		return ok
	case '{', '[':
		depth := 0
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case '"':
				if _, ok := s.skipString(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					s.i++
					return true
				}
			}
			s.i++
		}
		return false
	}
	// A literal: a number, true, false or null.
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return s.i > start
		}
		s.i++
	}
	return s.i > start
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
