package fiberfn

import "encoding/json"

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
		if jf := p.lookup(key); jf != nil {
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

// key reads an object key: a string, unescaped when it holds escapes.
func (s *jsonScanner) key() (string, bool) {
	start := s.i
	escaped, ok := s.skipString()
	if !ok {
		return "", false
	}
	raw := s.b[start+1 : s.i-1]
	if !escaped {
		return string(raw), true
	}
	var k string
	if json.Unmarshal(s.b[start:s.i], &k) != nil {
		return "", false
	}
	return k, true
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
