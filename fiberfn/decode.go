package fiberfn

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unsafe"

	"github.com/gofiber/fiber/v2"
)

// decoder fills one input struct type from form, multipart, query or JSON
// arguments. Its field plan is built once, at registration.
type decoder struct {
	typ    reflect.Type
	fields []fieldPlan
	form   map[string]int // form name -> fields index
	query  map[string]int // query name -> fields index

	formKeys, queryKeys []argKey // the same, as slices to walk per request
}

// argKey names the argument that fills fields[index].
type argKey struct {
	name  string
	index int
}

func keysOf(m map[string]int) []argKey {
	keys := make([]argKey, 0, len(m))
	for k, i := range m {
		keys = append(keys, argKey{name: k, index: i})
	}
	sort.Slice(keys, func(a, b int) bool { return keys[a].name < keys[b].name })
	return keys
}

type fileKind uint8

const (
	notFile fileKind = iota
	oneFile
	manyFiles
)

type fieldPlan struct {
	offset uintptr // of the field from the start of the input struct
	name   string  // the form name, used in messages
	slice  bool
	file   fileKind
	set    setter
}

// setter parses s into the field at p. s may alias request memory: setters
// copy what they keep. p always points into a heap-allocated input struct
// (see Fn.serve), so fields are set through their offsets, without
// reflect on the common kinds.
type setter func(p unsafe.Pointer, s string) error

var (
	fileHeaderPtr   = reflect.TypeFor[*multipart.FileHeader]()
	fileHeaderSlice = reflect.TypeFor[[]*multipart.FileHeader]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func newDecoder(t reflect.Type) (*decoder, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("input type %s must be a struct (use struct{} for no arguments)", t)
	}
	d := &decoder{typ: t, form: map[string]int{}, query: map[string]int{}}
	if err := d.addFields(t, 0); err != nil {
		return nil, err
	}
	d.formKeys, d.queryKeys = keysOf(d.form), keysOf(d.query)
	return d, nil
}

// addFields plans the fields of t, a struct at offset base of the input;
// embedded structs (not pointers to them) are flattened like encoding/json
// does.
func (d *decoder) addFields(t reflect.Type, base uintptr) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		formTag, hasForm := tagName(f.Tag.Get("form"))
		queryTag, hasQuery := tagName(f.Tag.Get("query"))
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasForm {
			if err := d.addFields(f.Type, base+f.Offset); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() || formTag == "-" {
			continue
		}
		p := fieldPlan{offset: base + f.Offset, name: formTag}
		if !hasForm {
			p.name = f.Name
		}
		if !planField(&p, f.Type) {
			if hasForm || hasQuery {
				return fmt.Errorf("field %s (%s) cannot be decoded from a form", f.Name, f.Type)
			}
			continue // reachable through JSON only
		}
		n := len(d.fields)
		d.fields = append(d.fields, p)
		d.form[p.name] = n
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

// tagName returns the name part of a struct tag value and whether there was
// one.
func tagName(tag string) (string, bool) {
	name, _, _ := strings.Cut(tag, ",")
	return name, name != ""
}

// planField chooses how a field of type t is set, and reports whether it
// can be decoded from form values at all.
func planField(p *fieldPlan, t reflect.Type) bool {
	switch t {
	case fileHeaderPtr:
		p.file = oneFile
		return true
	case fileHeaderSlice:
		p.file = manyFiles
		return true
	}
	if t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8 {
		p.slice = true
		set := scalarSetter(t.Elem())
		if set == nil {
			return false
		}
		elem := t.Elem()
		p.set = func(ptr unsafe.Pointer, s string) error {
			ev := reflect.New(elem)
			if err := set(ev.UnsafePointer(), s); err != nil {
				return err
			}
			v := reflect.NewAt(t, ptr).Elem()
			v.Set(reflect.Append(v, ev.Elem()))
			return nil
		}
		return true
	}
	p.set = scalarSetter(t)
	return p.set != nil
}

// scalarSetter returns the setter of a field of type t, or nil when t
// cannot be decoded from a form value.
func scalarSetter(t reflect.Type) setter {
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return func(p unsafe.Pointer, s string) error {
			return reflect.NewAt(t, p).Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(s))
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := scalarSetter(t.Elem())
		if inner == nil {
			return nil
		}
		elem := t.Elem()
		return func(p unsafe.Pointer, s string) error {
			pv := reflect.New(elem)
			if err := inner(pv.UnsafePointer(), s); err != nil {
				return err
			}
			*(*unsafe.Pointer)(p) = pv.UnsafePointer()
			return nil
		}
	case reflect.String:
		return func(p unsafe.Pointer, s string) error {
			*(*string)(p) = strings.Clone(s)
			return nil
		}
	case reflect.Bool:
		return func(p unsafe.Pointer, s string) error {
			b, ok := parseBool(s)
			if !ok {
				return errors.New("must be true or false")
			}
			*(*bool)(p) = b
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits, kind := t.Bits(), t.Kind()
		return func(p unsafe.Pointer, s string) error {
			var n int64
			if s != "" {
				var err error
				if n, err = strconv.ParseInt(strings.TrimSpace(s), 10, bits); err != nil {
					return numberError(err, "a whole number")
				}
			}
			switch kind {
			case reflect.Int:
				*(*int)(p) = int(n)
			case reflect.Int8:
				*(*int8)(p) = int8(n)
			case reflect.Int16:
				*(*int16)(p) = int16(n)
			case reflect.Int32:
				*(*int32)(p) = int32(n)
			default:
				*(*int64)(p) = n
			}
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		bits, kind := t.Bits(), t.Kind()
		return func(p unsafe.Pointer, s string) error {
			var n uint64
			if s != "" {
				var err error
				if n, err = strconv.ParseUint(strings.TrimSpace(s), 10, bits); err != nil {
					return numberError(err, "a whole number of 0 or more")
				}
			}
			switch kind {
			case reflect.Uint:
				*(*uint)(p) = uint(n)
			case reflect.Uint8:
				*(*uint8)(p) = uint8(n)
			case reflect.Uint16:
				*(*uint16)(p) = uint16(n)
			case reflect.Uint32:
				*(*uint32)(p) = uint32(n)
			default:
				*(*uint64)(p) = n
			}
			return nil
		}
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(p unsafe.Pointer, s string) error {
			var n float64
			if s != "" {
				var err error
				if n, err = strconv.ParseFloat(strings.TrimSpace(s), bits); err != nil {
					return numberError(err, "a number")
				}
			}
			if bits == 32 {
				*(*float32)(p) = float32(n)
			} else {
				*(*float64)(p) = n
			}
			return nil
		}
	}
	return nil
}

func numberError(err error, what string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("is out of range")
	}
	return errors.New("must be " + what)
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "on", "true", "1", "yes", "checked":
		return true, true
	case "", "off", "false", "0", "no":
		return false, true
	}
	return false, false
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

// set decodes one value into the field plan i of the input at base.
func (d *decoder) set(base unsafe.Pointer, i int, s string, errs *fieldErrs) {
	p := &d.fields[i]
	if p.file != notFile {
		errs.add(p.name, errors.New("must be a file upload"))
		return
	}
	if err := p.set(unsafe.Add(base, p.offset), s); err != nil {
		errs.add(p.name, err)
	}
}

// argsSource is what fasthttp's Args offers to read arguments by name.
type argsSource interface {
	Peek(key string) []byte
	PeekMulti(key string) [][]byte
	Has(key string) bool
}

// decodeArgs fills the input at base (a pointer to a value of d.typ) from
// url-encoded arguments (a form body or a query), looking each field up by
// name: no per-request closures or maps.
func (d *decoder) decodeArgs(base unsafe.Pointer, args argsSource, names []argKey) error {
	var errs fieldErrs
	for _, k := range names {
		key, i := k.name, k.index
		p := &d.fields[i]
		if p.slice {
			for _, b := range args.PeekMulti(key) {
				d.set(base, i, unsafe.String(unsafe.SliceData(b), len(b)), &errs)
			}
			continue
		}
		b := args.Peek(key)
		if len(b) == 0 && !args.Has(key) {
			continue
		}
		d.set(base, i, unsafe.String(unsafe.SliceData(b), len(b)), &errs)
	}
	return errs.asError()
}

// decodeMultipart fills the input at base from a parsed multipart form.
func (d *decoder) decodeMultipart(base unsafe.Pointer, form *multipart.Form) error {
	var errs fieldErrs
	for key, values := range form.Value {
		if i, ok := d.form[key]; ok {
			for _, s := range values {
				d.set(base, i, s, &errs)
			}
		}
	}
	for key, files := range form.File {
		i, ok := d.form[key]
		if !ok || len(files) == 0 {
			continue
		}
		p := &d.fields[i]
		switch field := unsafe.Add(base, p.offset); p.file {
		case oneFile:
			*(**multipart.FileHeader)(field) = files[0]
		case manyFiles:
			*(*[]*multipart.FileHeader)(field) = files
		default:
			errs.add(p.name, errors.New("must be a text value, not a file"))
		}
	}
	return errs.asError()
}

// decodeJSON fills in from a JSON body. Its errors name the field and what
// was expected in words, never a Go type.
func decodeJSON(body []byte, in any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	err := json.Unmarshal(body, in)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.As(err, &typeErr) && typeErr.Field != "":
		msg := "must be " + jsonKind(typeErr.Type)
		return &Error{
			Code:    http.StatusBadRequest,
			Message: fmt.Sprintf("Invalid value for field %q: %s.", typeErr.Field, msg),
			Fields:  map[string]string{typeErr.Field: msg},
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

// bodyKind is the kind of a request body, by its Content-Type.
type bodyKind uint8

const (
	bodyNone bodyKind = iota
	bodyURLEncoded
	bodyMultipart
	bodyJSON
	bodyUnsupported
)

func kindOf(c *fiber.Ctx) bodyKind {
	ct := c.Request().Header.ContentType()
	if string(ct) == fiber.MIMEApplicationForm { // the common case, exactly
		return bodyURLEncoded
	}
	if i := bytes.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = bytes.TrimSpace(ct)
	switch {
	case len(ct) == 0:
		if len(c.Body()) == 0 {
			return bodyNone
		}
		return bodyUnsupported
	case bytes.EqualFold(ct, []byte(fiber.MIMEApplicationForm)):
		return bodyURLEncoded
	case bytes.EqualFold(ct, []byte(fiber.MIMEMultipartForm)):
		return bodyMultipart
	case bytes.EqualFold(ct, []byte(fiber.MIMEApplicationJSON)):
		return bodyJSON
	}
	return bodyUnsupported
}
