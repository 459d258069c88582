package fiberfn

import (
	"bytes"
	"encoding"
	"errors"
	"mime/multipart"
	"reflect"
	"strconv"
)

// setter parses b into the addressable field v. b may alias request
// memory: setters copy what they keep (only strings do), so numbers and
// booleans decode without allocating.
type setter func(v reflect.Value, b []byte) error

var (
	fileHeaderPtr   = reflectTypeOf[*multipart.FileHeader]()
	fileHeaderSlice = reflectTypeOf[[]*multipart.FileHeader]()
	textUnmarshaler = reflectTypeOf[encoding.TextUnmarshaler]()
)

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
		p.set = func(v reflect.Value, b []byte) error {
			ev := reflect.New(elem).Elem()
			if err := set(ev, b); err != nil {
				return err
			}
			v.Set(reflect.Append(v, ev))
			return nil
		}
		return true
	}
	p.set = scalarSetter(t)
	p.text = keepsBytes(t)
	return p.set != nil
}

// keepsBytes reports whether a field of type t is set through
// encoding.TextUnmarshaler, which may keep the bytes it is given.
func keepsBytes(t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return reflect.PointerTo(t).Implements(textUnmarshaler)
}

// scalarSetter returns the setter of a field of type t, or nil when t
// cannot be decoded from a form value.
func scalarSetter(t reflect.Type) setter {
	if reflect.PointerTo(t).Implements(textUnmarshaler) {
		return func(v reflect.Value, b []byte) error {
			return v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText(b)
		}
	}
	switch t.Kind() {
	case reflect.Pointer:
		inner := scalarSetter(t.Elem())
		if inner == nil {
			return nil
		}
		elem := t.Elem()
		return func(v reflect.Value, b []byte) error {
			pv := reflect.New(elem)
			if err := inner(pv.Elem(), b); err != nil {
				return err
			}
			v.Set(pv)
			return nil
		}
	case reflect.String:
		return func(v reflect.Value, b []byte) error {
			v.SetString(string(b))
			return nil
		}
	case reflect.Bool:
		return func(v reflect.Value, b []byte) error {
			on, ok := parseBool(b)
			if !ok {
				return errors.New("must be true or false")
			}
			v.SetBool(on)
			return nil
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		bits := t.Bits()
		return func(v reflect.Value, b []byte) error {
			n, ok := smallInt(b, bits)
			if !ok && len(b) > 0 {
				var err error
				if n, err = strconv.ParseInt(string(bytes.TrimSpace(b)), 10, bits); err != nil {
					return numberError(err, "a whole number")
				}
			}
			v.SetInt(n)
			return nil
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		bits := t.Bits()
		return func(v reflect.Value, b []byte) error {
			var n uint64
			if len(b) > 0 {
				var err error
				if n, err = strconv.ParseUint(string(bytes.TrimSpace(b)), 10, bits); err != nil {
					return numberError(err, "a whole number of 0 or more")
				}
			}
			v.SetUint(n)
			return nil
		}
	case reflect.Float32, reflect.Float64:
		bits := t.Bits()
		return func(v reflect.Value, b []byte) error {
			var n float64
			if len(b) > 0 {
				var err error
				if n, err = strconv.ParseFloat(string(bytes.TrimSpace(b)), bits); err != nil {
					return numberError(err, "a number")
				}
			}
			v.SetFloat(n)
			return nil
		}
	}
	return nil
}

// smallInt parses the common case of a whole number (an id, say): up to
// 9 digits, maybe after a minus, within the range of a bits-wide int. It
// reports false for anything else, which ParseInt then decides.
func smallInt(b []byte, bits int) (int64, bool) {
	neg := len(b) > 0 && b[0] == '-'
	digits := b
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || len(digits) > 9 {
		return 0, false
	}
	var n int64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int64(ch-'0')
	}
	if neg {
		n = -n
	}
	if bits < 32 && (n > 1<<(bits-1)-1 || n < -(1<<(bits-1))) {
		return 0, false
	}
	return n, true
}

func numberError(err error, what string) error {
	if errors.Is(err, strconv.ErrRange) {
		return errors.New("is out of range")
	}
	return errors.New("must be " + what)
}

func parseBool(b []byte) (bool, bool) {
	b = bytes.TrimSpace(b)
	if len(b) > 8 {
		return false, false
	}
	var lower [8]byte
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	switch string(lower[:len(b)]) {
	case "on", "true", "1", "yes", "checked":
		return true, true
	case "", "off", "false", "0", "no":
		return false, true
	}
	return false, false
}
