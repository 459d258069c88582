package fiberfn

import (
	"errors"
	"fmt"
	"mime/multipart"
	"net/http"
	"reflect"
	"sort"
	"strings"
)

// decoder fills one input struct type from form, multipart or query
// arguments. Its field plan is built once, at registration; per request it
// looks each planned field's argument up by name and sets it through
// reflect, with no per-request maps or closures.
type decoder struct {
	typ    reflect.Type
	fields []fieldPlan
	form   map[string]int // form name -> fields index

	formKeys, queryKeys []argKey // the arguments to look up, by name
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

// fieldPlan is how one field of the input is decoded.
type fieldPlan struct {
	index []int  // of the field in the input struct (embedded structs flattened)
	name  string // the form name, used in messages
	slice bool
	file  fileKind
	set   setter
}

func newDecoder(t reflect.Type) (*decoder, error) {
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("input type %s must be a struct (use struct{} for no arguments)", t)
	}
	d := &decoder{typ: t, form: map[string]int{}}
	query := map[string]int{}
	if err := d.addFields(t, nil, query); err != nil {
		return nil, err
	}
	d.formKeys, d.queryKeys = keysOf(d.form), keysOf(query)
	return d, nil
}

// addFields plans the fields of t, a struct at index path base of the
// input; embedded structs (not pointers to them) are flattened like
// encoding/json does.
func (d *decoder) addFields(t reflect.Type, base []int, query map[string]int) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		index := append(append([]int(nil), base...), i)
		formTag, hasForm := tagName(f.Tag.Get("form"))
		queryTag, hasQuery := tagName(f.Tag.Get("query"))
		if f.Anonymous && f.Type.Kind() == reflect.Struct && !hasForm {
			if err := d.addFields(f.Type, index, query); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() || formTag == "-" {
			continue
		}
		p := fieldPlan{index: index, name: formTag}
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
			query[queryTag] = n
		case !hasQuery:
			query[p.name] = n
			if !hasForm {
				query[strings.ToLower(f.Name)] = n
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

// argsSource is what fasthttp's Args offers to read arguments by name.
type argsSource interface {
	Peek(key string) []byte
	PeekMulti(key string) [][]byte
	Has(key string) bool
}

// decodeArgs fills in (an addressable value of d.typ) from url-encoded
// arguments (a form body or a query), looking each field up by name.
func (d *decoder) decodeArgs(in reflect.Value, args argsSource, names []argKey) error {
	var errs fieldErrs
	for _, k := range names {
		key, i := k.name, k.index
		if d.fields[i].slice {
			for _, b := range args.PeekMulti(key) {
				d.set(in, i, b, &errs)
			}
			continue
		}
		b := args.Peek(key)
		if len(b) == 0 && !args.Has(key) {
			continue
		}
		d.set(in, i, b, &errs)
	}
	return errs.asError()
}

// decodeMultipart fills in from a parsed multipart form.
func (d *decoder) decodeMultipart(in reflect.Value, form *multipart.Form) error {
	var errs fieldErrs
	for key, values := range form.Value {
		if i, ok := d.form[key]; ok {
			for _, s := range values {
				d.set(in, i, []byte(s), &errs)
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
			field.Set(reflect.ValueOf(files[0]))
		case manyFiles:
			field.Set(reflect.ValueOf(files))
		default:
			errs.add(p.name, errors.New("must be a text value, not a file"))
		}
	}
	return errs.asError()
}
