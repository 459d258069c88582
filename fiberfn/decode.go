package fiberfn

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unsafe"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// decoder fills one input struct type from a request: the route's
// parameters, the query string and the body (form, multipart or JSON). Its
// field plan is built once, at registration; per request it visits each
// argument once, looks its name up and sets the field through reflect,
// with no per-request maps or closures.
type decoder struct {
	typ    reflect.Type
	fields []fieldPlan
	form   map[string]int // body argument name -> fields index
	query  map[string]int // query argument name -> fields index
	params []paramKey     // route parameters
	json   jsonPlan
	// The names of form and query as lists, searched instead of the maps
	// when short (cheaper than hashing each argument's name).
	formKeys, queryKeys []paramKey
}

// paramKey names the argument or route parameter that fills
// fields[index].
type paramKey struct {
	name  string
	index int
}

// shortKeys is the longest name list searched in order rather than hashed.
const shortKeys = 8

// keysOf lists the names of m when there are few enough to search.
func keysOf(m map[string]int) []paramKey {
	if len(m) > shortKeys {
		return nil
	}
	keys := make([]paramKey, 0, len(m))
	for name, i := range m {
		keys = append(keys, paramKey{name: name, index: i})
	}
	return keys
}

// lookup returns the field that the argument name fills, from keys when
// the names were few enough to list, else from names.
func lookup(name []byte, keys []paramKey, names map[string]int) (int, bool) {
	if keys != nil || len(names) == 0 {
		for _, k := range keys {
			if string(name) == k.name {
				return k.index, true
			}
		}
		return 0, false
	}
	i, ok := names[string(name)]
	return i, ok
}

type fileKind uint8

const (
	notFile fileKind = iota
	oneFile
	manyFiles
)

// fieldPlan is how one field of the input is decoded.
type fieldPlan struct {
	index []int  // of the field in the input struct (embedded structs flattened)
	name  string // the form (or route parameter) name, used in messages
	slice bool
	text  bool // set through encoding.TextUnmarshaler, which may keep its bytes
	file  fileKind
	set   setter
}

// newDecoder plans the decoding of t for a function served at route.
func newDecoder(t reflect.Type, route *routePattern) (*decoder, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("input type %s must be a struct (use struct{} for no arguments)", t)
	}
	d := &decoder{typ: t, form: map[string]int{}, query: map[string]int{}}
	if err := d.addFields(t, nil, route); err != nil {
		return nil, err
	}
	d.json = newJSONPlan(t, d)
	d.formKeys, d.queryKeys = keysOf(d.form), keysOf(d.query)
	return d, nil
}

// addFields plans the fields of t, a struct at index path base of the
// input; embedded structs (not pointers to them) are flattened like
// encoding/json does.
func (d *decoder) addFields(t reflect.Type, base []int, route *routePattern) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), base...), i)
		formTag, hasForm := tagName(f.Tag.Get("form"))
		queryTag, hasQuery := tagName(f.Tag.Get("query"))
		paramTag, hasParam := tagName(f.Tag.Get("params"))
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasForm && !hasParam {
			if err := d.addFields(f.Type, index, route); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			continue
		}
		if hasParam && paramTag != "-" {
			if err := d.addParam(f, index, paramTag, route); err != nil {
				return err
			}
			continue
		}
		if formTag == "-" {
			continue
		}
		p := fieldPlan{index: index, name: formTag}
		formName := formTag
		if !hasForm {
			formName = f.Name
			p.name = f.Name
			if hasQuery && queryTag != "-" {
				p.name = queryTag // what errors name: the key the caller sent
			}
		}
		if !planField(&p, f.Type) {
			if hasForm || hasQuery {
				return fmt.Errorf("field %s (%s) cannot be decoded from a form", f.Name, f.Type)
			}
			continue // reachable through JSON only
		}
		n := len(d.fields)
		d.fields = append(d.fields, p)
		d.form[formName] = n
		if !hasForm {
			d.form[strings.ToLower(f.Name)] = n
		}
		switch {
		case hasQuery && queryTag != "-":
			d.query[queryTag] = n
		case !hasQuery:
			d.query[p.name] = n
			if !hasForm {
				d.query[strings.ToLower(f.Name)] = n
			}
		}
	}
	return nil
}

// addParam plans a field filled from the route parameter name, which the
// route must have.
func (d *decoder) addParam(f reflect.StructField, index []int, name string, route *routePattern) error {
	if route == nil || !route.hasParam(name) {
		return fmt.Errorf("field %s has params:%q, but the route has no such parameter", f.Name, name)
	}
	p := fieldPlan{index: index, name: name}
	if !planField(&p, f.Type) || p.slice || p.file != notFile {
		return fmt.Errorf("field %s (%s) cannot be decoded from a route parameter", f.Name, f.Type)
	}
	d.params = append(d.params, paramKey{name: paramName(name), index: len(d.fields)})
	d.fields = append(d.fields, p)
	return nil
}

// tagName returns the name part of a struct tag value and whether there was
// one.
func tagName(tag string) (string, bool) {
	name, _, _ := strings.Cut(tag, ",")
	return name, name != ""
}

// fieldErrs collects decoding errors per field.
type fieldErrs map[string]string

func (fe *fieldErrs) add(name string, err error) {
	if *fe == nil {
		*fe = fieldErrs{}
	}
	if _, seen := (*fe)[name]; !seen {
		(*fe)[name] = err.Error()
	}
}

func (fe fieldErrs) asError() error {
	if len(fe) == 0 {
		return nil
	}
	msg := "Invalid input."
	if len(fe) == 1 {
		for k, v := range fe {
			msg = fmt.Sprintf("Invalid value for field %q: %s.", k, v)
		}
	}
	return &Error{Code: http.StatusBadRequest, Message: msg, Fields: map[string]string(fe)}
}

// errSentTwice is the error of a field that takes one value and got more.
var errSentTwice = errors.New("must be sent only once")

// seenSet records which fields a request has set, so a field that takes
// one value and is sent twice (twice in a body or a query, or in both) is
// refused instead of one copy silently winning: a middleware that reads
// the request (c.FormValue reads the query first, then the body) could
// otherwise see another value than the function.
type seenSet struct {
	bits uint64
	more map[int]bool // fields past the 64th
}

// mark records field i and reports whether it was recorded before.
func (s *seenSet) mark(i int) bool {
	if i < 64 {
		was := s.bits&(1<<i) != 0
		s.bits |= 1 << i
		return was
	}
	if s.more == nil {
		s.more = map[int]bool{}
	}
	was := s.more[i]
	s.more[i] = true
	return was
}

func (s *seenSet) has(i int) bool {
	if i < 64 {
		return s.bits&(1<<i) != 0
	}
	return s.more[i]
}

func (s *seenSet) empty() bool { return s.bits == 0 && len(s.more) == 0 }

// field returns the field of plan p in the input in.
func (p *fieldPlan) field(in reflect.Value) reflect.Value {
	if len(p.index) == 1 {
		return in.Field(p.index[0])
	}
	return in.FieldByIndex(p.index)
}

// set decodes one value into the field plan i of the input in.
func (d *decoder) set(in reflect.Value, i int, b []byte, errs *fieldErrs) {
	p := &d.fields[i]
	if p.file != notFile {
		errs.add(p.name, errors.New("must be a file upload"))
		return
	}
	if err := p.set(p.field(in), b); err != nil {
		errs.add(p.name, err)
	}
}

// setOnce sets field i from one argument: a slice takes every value, any
// other field exactly one.
func (d *decoder) setOnce(in reflect.Value, i int, b []byte, seen *seenSet, errs *fieldErrs) {
	if d.fields[i].slice {
		d.set(in, i, b, errs)
		return
	}
	if seen.mark(i) {
		errs.add(d.fields[i].name, errSentTwice)
		return
	}
	d.set(in, i, b, errs)
}

// decodeArgs fills in from url-encoded arguments (a query or a form body),
// visiting each once and looking its name up in keys or names.
func (d *decoder) decodeArgs(in reflect.Value, args *fasthttp.Args, keys []paramKey, names map[string]int, seen *seenSet, errs *fieldErrs) {
	args.VisitAll(func(k, v []byte) {
		if i, ok := lookup(k, keys, names); ok {
			d.setOnce(in, i, v, seen, errs)
		}
	})
}

// decodeMultipart fills in from a parsed multipart form.
func (d *decoder) decodeMultipart(in reflect.Value, form *multipart.Form, seen *seenSet, errs *fieldErrs) {
	for key, values := range form.Value {
		if i, ok := d.form[key]; ok {
			for _, s := range values {
				d.setOnce(in, i, []byte(s), seen, errs)
			}
		}
	}
	for key, files := range form.File {
		i, ok := d.form[key]
		if !ok || len(files) == 0 {
			continue
		}
		p := &d.fields[i]
		switch field := p.field(in); p.file {
		case oneFile:
			if len(files) > 1 || seen.mark(i) {
				errs.add(p.name, errSentTwice)
				continue
			}
			field.Set(reflect.ValueOf(files[0]))
		case manyFiles:
			field.Set(reflect.AppendSlice(field, reflect.ValueOf(files)))
		default:
			errs.add(p.name, errors.New("must be a text value, not a file"))
		}
	}
}

// decodeParams fills in from the route's parameters, which win over
// anything a JSON body said about the same fields.
func (d *decoder) decodeParams(c *fiber.Ctx, unescape bool, in reflect.Value, errs *fieldErrs) {
	for _, k := range d.params {
		v := c.Params(k.name)
		if v == "" {
			continue // an optional parameter left out
		}
		if unescape && strings.IndexByte(v, '%') >= 0 {
			u, err := url.PathUnescape(v)
			if err != nil {
				errs.add(d.fields[k.index].name, errors.New("is not a valid URL path segment"))
				continue
			}
			v = u
		}
		var b []byte
		if d.fields[k.index].text {
			b = []byte(v) // UnmarshalText may keep it
		} else {
			// The setters only read b and copy what they keep.
			b = unsafe.Slice(unsafe.StringData(v), len(v))
		}
		d.set(in, k.index, b, errs)
	}
}

// decode fills in from the request: the query string, the body of kind
// and the route's parameters (escaped unless the app unescapes paths). A
// field that takes one value and is sent twice, anywhere, is a 400 naming
// it; so are malformed values.
func (d *decoder) decode(c *fiber.Ctx, kind bodyKind, unescapePath bool, in reflect.Value) error {
	var seen seenSet
	var errs fieldErrs
	if query := c.Request().URI().QueryArgs(); query.Len() > 0 {
		d.decodeArgs(in, query, d.queryKeys, d.query, &seen, &errs)
	}
	switch kind {
	case bodyURLEncoded:
		d.decodeArgs(in, c.Request().PostArgs(), d.formKeys, d.form, &seen, &errs)
	case bodyMultipart:
		form, err := c.MultipartForm()
		if err != nil {
			return &Error{Code: http.StatusBadRequest, Message: "Malformed multipart form."}
		}
		d.decodeMultipart(in, form, &seen, &errs)
	case bodyJSON:
		if err := errs.asError(); err != nil {
			return err
		}
		if err := d.decodeJSON(c.Request().Body(), in, &seen); err != nil {
			return err
		}
	}
	if len(d.params) > 0 {
		d.decodeParams(c, !unescapePath, in, &errs)
	}
	return errs.asError()
}
