package fiberfn

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"unicode/utf8"
)

// jsonPlan is how a JSON body's keys map to the input's fields: by the
// `json` tag, else the `form` tag, else the field's name (matched without
// regard to case, as encoding/json does). When every key is what
// encoding/json would use anyway the body is decoded by encoding/json
// itself; when a field falls back to its form name the body is decoded key
// by key.
type jsonPlan struct {
	fields   []jsonField
	byKey    map[string]int // exact key -> fields index
	fallback bool           // some field is named by its form tag
}

// jsonField is one field a JSON body may set.
type jsonField struct {
	keys     []string // the names it answers to, the first in messages
	index    []int
	asString bool // `json:",string"`
	formIdx  int  // its index among the decoder's form fields, or -1
}

// newJSONPlan plans the JSON keys of t; d is its form decoder.
func newJSONPlan(t reflect.Type, d *decoder) jsonPlan {
	p := jsonPlan{byKey: map[string]int{}}
	p.addFields(t, nil, d)
	for i, f := range p.fields {
		for _, k := range f.keys {
			if _, dup := p.byKey[k]; !dup {
				p.byKey[k] = i
			}
		}
	}
	return p
}

func (p *jsonPlan) addFields(t reflect.Type, base []int, d *decoder) {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), base...), i)
		jsonTag := f.Tag.Get("json")
		jsonName, hasJSON := tagName(jsonTag)
		formName, hasForm := tagName(f.Tag.Get("form"))
		_, hasParam := tagName(f.Tag.Get("params"))
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasJSON && !hasForm && !hasParam {
			p.addFields(f.Type, index, d)
			continue
		}
		if !f.IsExported() || jsonName == "-" && !strings.HasPrefix(jsonTag, "-,") || hasParam {
			continue
		}
		jf := jsonField{index: index, formIdx: -1}
		for _, opt := range strings.Split(jsonTag, ",")[1:] {
			jf.asString = jf.asString || opt == "string"
		}
		switch {
		case hasJSON:
			jf.keys = []string{jsonName}
		case hasForm && formName != "-":
			jf.keys = []string{formName, f.Name}
			p.fallback = p.fallback || !strings.EqualFold(formName, f.Name)
		default:
			jf.keys = []string{f.Name}
		}
		for j := range d.fields {
			if equalIndex(d.fields[j].index, index) {
				jf.formIdx = j
			}
		}
		p.fields = append(p.fields, jf)
	}
}

func equalIndex(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// lookup returns the field a key names: the exact key first, then any
// key equal without regard to case.
func (p *jsonPlan) lookup(key string) *jsonField {
	if i, ok := p.byKey[key]; ok {
		return &p.fields[i]
	}
	for i := range p.fields {
		for _, k := range p.fields[i].keys {
			if strings.EqualFold(k, key) {
				return &p.fields[i]
			}
		}
	}
	return nil
}

// decodeJSON fills in from a JSON body. A key for a field the query string
// already set, or a field the body sets twice (by one key or two that
// differ in case), is refused as sent twice. Its errors name the field and what
// was expected in words, never a Go type.
func (d *decoder) decodeJSON(body []byte, in reflect.Value, seen *seenSet) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !utf8.Valid(body) {
		// JSON text is UTF-8 (RFC 8259); encoding/json would turn each
		// invalid byte into U+FFFD and let the value through.
		return &Error{Code: http.StatusBadRequest, Message: "The request body is not valid UTF-8."}
	}
	if name := d.json.repeatedJSONField(body); name != "" {
		var errs fieldErrs
		errs.add(name, errSentTwice)
		return errs.asError()
	}
	if !d.json.fallback && seen.empty() {
		return jsonError(json.Unmarshal(body, in.Addr().Interface()), "")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return jsonError(err, "")
	}
	var errs fieldErrs
	for key, value := range raw {
		jf := d.json.lookup(key)
		if jf == nil {
			continue
		}
		if jf.formIdx >= 0 && seen.has(jf.formIdx) {
			errs.add(jf.keys[0], errSentTwice)
			continue
		}
		if d.json.fallback {
			if err := jf.decode(in, value); err != nil {
				ue := jsonError(err, key).(*Error)
				msg := ue.Fields[key]
				if msg == "" {
					msg = "must be valid JSON"
				}
				errs.add(key, errors.New(msg))
			}
		}
	}
	if err := errs.asError(); err != nil {
		return err
	}
	if !d.json.fallback {
		return jsonError(json.Unmarshal(body, in.Addr().Interface()), "")
	}
	return nil
}

// decode sets the field from its JSON value.
func (jf *jsonField) decode(in reflect.Value, value json.RawMessage) error {
	dst := in.FieldByIndex(jf.index).Addr().Interface()
	if jf.asString && len(value) > 0 && value[0] == '"' {
		var s string
		if err := json.Unmarshal(value, &s); err != nil {
			return err
		}
		value = json.RawMessage(s)
	}
	return json.Unmarshal(value, dst)
}

// jsonError words a JSON decoding error for the user; field names the key
// when the error is about one value.
func jsonError(err error, field string) error {
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && (typeErr.Field != "" || field != ""):
		name := typeErr.Field
		if field != "" {
			name = field
		}
		msg := "must be " + jsonKind(typeErr.Type)
		return &Error{
			Code:    http.StatusBadRequest,
			Message: fmt.Sprintf("Invalid value for field %q: %s.", name, msg),
			Fields:  map[string]string{name: msg},
		}
	case errors.As(err, &typeErr):
		return &Error{Code: http.StatusBadRequest, Message: "The body must be a JSON object."}
	case errors.As(err, &syntaxErr):
		return &Error{Code: http.StatusBadRequest, Message: fmt.Sprintf("Malformed JSON at byte %d.", syntaxErr.Offset)}
	default:
		return &Error{Code: http.StatusBadRequest, Message: "Malformed JSON."}
	}
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	default:
		return "an object"
	}
}
