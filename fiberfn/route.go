package fiberfn

import (
	"encoding"
	"fmt"
	"net/url"
	"reflect"
	"strconv"
	"strings"
)

// routePart is a piece of a route pattern in Fiber's syntax: constant
// text, or a parameter (":id", ":id?", ":id<int>", "*", "+").
type routePart struct {
	text     string // constant text; "" for a parameter
	param    string // the parameter's name as c.Params knows it ("id", "*1", "+1")
	optional bool   // ":id?" and "*" may be empty
	greedy   bool   // "*" and "+" may span several segments
}

// routePattern is a parsed route: its parts and its parameters' names, in
// order.
type routePattern struct {
	parts  []routePart
	params []string
}

// parseRoute reads a route pattern the way Fiber v2 does, as far as
// parameters go: ":name" ends at "/", "-", ".", ":", "\", "?" or a
// constraint "<...>"; a "?" after it makes it optional; "*" and "+" are
// greedy parameters named "*1", "+1" and so on; "\" escapes the next
// character.
func parseRoute(pattern string) (routePattern, error) {
	var rp routePattern
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			rp.parts = append(rp.parts, routePart{text: text.String()})
			text.Reset()
		}
	}
	stars, pluses := 0, 0
	for i := 0; i < len(pattern); {
		switch ch := pattern[i]; ch {
		case '\\':
			if i+1 < len(pattern) {
				text.WriteByte(pattern[i+1])
				i += 2
				continue
			}
			text.WriteByte(ch)
			i++
		case ':':
			j := i + 1
			for j < len(pattern) && !strings.ContainsRune("/-.:\\?<", rune(pattern[j])) {
				j++
			}
			name := pattern[i+1 : j]
			if name == "" {
				return rp, fmt.Errorf("a parameter without a name at byte %d", i)
			}
			if j < len(pattern) && pattern[j] == '<' {
				end, err := constraintEnd(pattern, j)
				if err != nil {
					return rp, err
				}
				j = end
			}
			optional := j < len(pattern) && pattern[j] == '?'
			if optional {
				j++
			}
			flush()
			rp.parts = append(rp.parts, routePart{param: name, optional: optional})
			rp.params = append(rp.params, name)
			i = j
		case '*', '+':
			flush()
			var name string
			if ch == '*' {
				stars++
				name = "*" + strconv.Itoa(stars)
			} else {
				pluses++
				name = "+" + strconv.Itoa(pluses)
			}
			rp.parts = append(rp.parts, routePart{param: name, optional: ch == '*', greedy: true})
			rp.params = append(rp.params, name)
			i++
		default:
			text.WriteByte(ch)
			i++
		}
	}
	flush()
	for i, name := range rp.params {
		for _, other := range rp.params[:i] {
			if other == name {
				return rp, fmt.Errorf("parameter %q appears twice", name)
			}
		}
	}
	return rp, nil
}

// constraintEnd returns the index after the ">" that closes the
// constraint opened at start, skipping parenthesised data ("<len(2)>").
func constraintEnd(pattern string, start int) (int, error) {
	depth := 0
	for i := start + 1; i < len(pattern); i++ {
		switch pattern[i] {
		case '(':
			depth++
		case ')':
			depth--
		case '>':
			if depth <= 0 {
				return i + 1, nil
			}
		}
	}
	return 0, fmt.Errorf("an unclosed constraint at byte %d", start)
}

// hasParam reports whether the route has the parameter name ("*" and "+"
// stand for "*1" and "+1", as with c.Params).
func (rp *routePattern) hasParam(name string) bool {
	name = paramName(name)
	for _, p := range rp.params {
		if p == name {
			return true
		}
	}
	return false
}

// hasText reports whether the route's constant text contains s.
func (rp *routePattern) hasText(s string) bool {
	for _, p := range rp.parts {
		if strings.Contains(p.text, s) {
			return true
		}
	}
	return false
}

// paramName is the name c.Params knows a tag's parameter by.
func paramName(name string) string {
	if name == "*" || name == "+" {
		return name + "1"
	}
	return name
}

// routeKey is the shape of a route for finding two functions that claim
// the same one: lower case (Fiber routes are case-insensitive by default),
// no trailing slash, parameters without their names or constraints.
func routeKey(method string, rp *routePattern) string {
	var b strings.Builder
	b.WriteString(method)
	b.WriteByte(' ')
	for _, p := range rp.parts {
		switch {
		case p.text != "":
			b.WriteString(strings.ToLower(p.text))
		case p.greedy:
			b.WriteString(p.param[:1])
		default:
			b.WriteByte(':')
			if p.optional {
				b.WriteByte('?')
			}
		}
	}
	s := b.String()
	if len(s) > len(method)+2 {
		s = strings.TrimRight(s, "/")
	}
	return s
}

// buildURL fills the route's parameters with args, in order, each
// path-escaped ("/" too, except inside a greedy parameter, where it
// separates segments). It refuses a wrong number of arguments, an empty
// value for a required parameter and a value it cannot write.
func (rp *routePattern) buildURL(name string, args []any) (string, error) {
	if len(args) != len(rp.params) {
		return "", fmt.Errorf("fiberfn: %s takes %d URL argument(s) (%s), got %d", name, len(rp.params), strings.Join(rp.params, ", "), len(args))
	}
	var b strings.Builder
	arg := 0
	for _, p := range rp.parts {
		if p.param == "" {
			b.WriteString(p.text)
			continue
		}
		s, err := urlValue(args[arg])
		if err != nil {
			return "", fmt.Errorf("fiberfn: %s: URL argument %d (%s): %w", name, arg+1, p.param, err)
		}
		arg++
		if s == "" {
			if !p.optional {
				return "", fmt.Errorf("fiberfn: %s: URL argument for %s is empty", name, p.param)
			}
			continue
		}
		if p.greedy {
			segs := strings.Split(s, "/")
			for i, seg := range segs {
				segs[i] = url.PathEscape(seg)
			}
			b.WriteString(strings.Join(segs, "/"))
		} else {
			b.WriteString(url.PathEscape(s))
		}
	}
	return b.String(), nil
}

// urlValue writes one URL argument: strings, numbers and booleans as they
// are, encoding.TextMarshaler and fmt.Stringer values by their methods.
func urlValue(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case encoding.TextMarshaler:
		b, err := x.MarshalText()
		return string(b), err
	case fmt.Stringer:
		return x.String(), nil
	case nil:
		return "", fmt.Errorf("nil value")
	}
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.String:
		return rv.String(), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return strconv.FormatInt(rv.Int(), 10), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(rv.Uint(), 10), nil
	case reflect.Float32, reflect.Float64:
		return strconv.FormatFloat(rv.Float(), 'f', -1, rv.Type().Bits()), nil
	case reflect.Bool:
		return strconv.FormatBool(rv.Bool()), nil
	case reflect.Pointer:
		if rv.IsNil() {
			return "", fmt.Errorf("nil %s", rv.Type())
		}
		return urlValue(rv.Elem().Interface())
	}
	return "", fmt.Errorf("a %s cannot be written in a URL", rv.Type())
}
