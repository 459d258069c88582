package fiberfn

import (
	"encoding/base64"
	"encoding/json"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// shortValue is the longest value the flash treats as short: ids,
// filters, choices, numbers and tokens are this short, and are dropped to
// fit the cap only after every longer value and every field message.
const shortValue = 64

// Hidden names form fields that the page sends back as hidden inputs
// (ids, filters, return paths): when a failed plain post's flash is over
// its cap ([Config].FlashMaxBytes), they are kept like short values
// however long they are. See [Fn.Form].
func Hidden(fields ...string) Option {
	return func(m *meta) { m.hidden = append(m.hidden, fields...) }
}

// flashCut is what fitFlash dropped to fit the cap.
type flashCut struct {
	values     []droppedValue
	fields     int  // field messages dropped
	messageCut bool // the message lost its tail
}

type droppedValue struct {
	name string
	size int
}

// fitFlash returns the flash cookie's payload (base64 of f's JSON) at most
// max bytes long, dropping from f, one at a time, until it fits:
//
//  1. free-text values (longer than shortValue, not hidden), longest first;
//  2. field messages, longest first;
//  3. the tail of a message over 120 bytes, down to 120;
//  4. the remaining (short or hidden) values, longest first;
//  5. the rest of the message.
//
// Names of equal length go in name order, so the result is deterministic.
// The sizes come from one encoding of each value, so the work is linear
// in the size of f whatever is dropped.
func fitFlash(f *FormState, max int, hidden func(name string) bool) (string, flashCut) {
	var cut flashCut
	size := jsonSize(f)
	if base64.RawURLEncoding.EncodedLen(size) <= max {
		return encodeState(f), cut
	}
	fits := func() bool { return base64.RawURLEncoding.EncodedLen(size) <= max }

	values := entriesOf(f.Values)
	var free, kept []entry
	for _, e := range values {
		if len(f.Values[e.name]) > shortValue && !hidden(e.name) {
			free = append(free, e)
		} else {
			kept = append(kept, e)
		}
	}
	dropValue := func(e entry) {
		size -= entryCost(e, len(f.Values))
		cut.values = append(cut.values, droppedValue{name: e.name, size: len(f.Values[e.name])})
		delete(f.Values, e.name)
	}
	for _, e := range free {
		if fits() {
			break
		}
		dropValue(e)
	}
	for _, e := range entriesOf(f.Fields) {
		if fits() {
			break
		}
		size -= entryCost(e, len(f.Fields))
		delete(f.Fields, e.name)
		cut.fields++
	}
	const shortMessage = 120
	if !fits() && len(f.Message) > shortMessage {
		f.Message = truncateUTF8(f.Message, shortMessage)
		cut.messageCut = true
		size = jsonSize(f)
	}
	for _, e := range kept {
		if fits() {
			break
		}
		dropValue(e)
	}
	for !fits() && f.Message != "" {
		f.Message = truncateUTF8(f.Message, len(f.Message)/2)
		cut.messageCut = true
		size = jsonSize(f)
	}
	if len(f.Values) == 0 {
		f.Values = nil
	}
	if len(f.Fields) == 0 {
		f.Fields = nil
	}
	s := encodeState(f)
	for len(s) > max { // the sizes above are exact; this only guards them
		switch {
		case len(f.Values) > 0:
			dropValue(entriesOf(f.Values)[0])
		case len(f.Fields) > 0:
			f.Fields = nil
		case f.Message != "":
			f.Message = truncateUTF8(f.Message, len(f.Message)/2)
			cut.messageCut = true
		default:
			return s, cut
		}
		if len(f.Values) == 0 {
			f.Values = nil
		}
		s = encodeState(f)
	}
	return s, cut
}

// entry is one key of a map in a FormState with the bytes its "key":value
// pair takes in JSON.
type entry struct {
	name string
	cost int
}

// entriesOf returns the entries of m, largest first (then by name).
func entriesOf(m map[string]string) []entry {
	out := make([]entry, 0, len(m))
	for k, v := range m {
		out = append(out, entry{name: k, cost: jsonStringSize(k) + 1 + jsonStringSize(v)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].cost != out[j].cost {
			return out[i].cost > out[j].cost
		}
		return out[i].name < out[j].name
	})
	return out
}

// entryCost is what removing e from a JSON object of n entries saves: the
// pair and a comma, or, for the last one, the whole omitted member
// (`,"values":{}`, 12 bytes besides the pair; "fields" has as many
// letters).
func entryCost(e entry, n int) int {
	if n == 1 {
		return e.cost + len(`,"values":{}`)
	}
	return e.cost + 1
}

// jsonSize is the length of f's JSON.
func jsonSize(f *FormState) int {
	b, _ := json.Marshal(f)
	return len(b)
}

// jsonStringSize is the length of s as a JSON string (quotes and escapes).
func jsonStringSize(s string) int {
	b, _ := json.Marshal(s)
	return len(b)
}

func encodeState(f *FormState) string {
	b, _ := json.Marshal(f)
	return base64.RawURLEncoding.EncodeToString(b)
}

// logFlashCut says what a flash lost to its cap: field names and sizes,
// never values.
func (p *plugin) logFlashCut(fn string, limit int, cut flashCut) {
	if len(cut.values) == 0 && cut.fields == 0 && !cut.messageCut {
		return
	}
	var b strings.Builder
	for i, d := range cut.values {
		if i == 20 {
			b.WriteString(" and " + strconv.Itoa(len(cut.values)-i) + " more")
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteForLog(truncateUTF8(d.name, 64)) + "(" + strconv.Itoa(d.size) + " B)")
	}
	p.cfg.Logger.Warn("fiberfn: a failed form's flash was over its cap; dropped what did not fit (Fn.Form fills dropped values from its initial)",
		"fn", fn, "cap", limit, "dropped_values", b.String(), "dropped_field_messages", cut.fields, "message_cut", cut.messageCut)
}

// hiddenFields returns whether a field of the function named fn was
// declared [Hidden].
func (p *plugin) hiddenFields(fn string) func(string) bool {
	m := (*p.cfg.Registry.byName.Load())[fn]
	return func(name string) bool {
		if m == nil {
			return false
		}
		for _, h := range m.hidden {
			if h == name {
				return true
			}
		}
		return false
	}
}

// withInitial returns a copy of f whose values are initial's overlaid by
// f's own: a value the user sent wins, even an empty one; a value the
// post did not carry, or the flash had to drop, comes from initial. The
// exception are checkboxes, the form names of bool fields: a checkbox the
// user left unchecked sends nothing, so it stays unchecked rather than
// taking initial's value.
func (f *FormState) withInitial(initial map[string]string, checkboxes []string) *FormState {
	if len(initial) == 0 {
		return f
	}
	merged := *f
	merged.Values = make(map[string]string, len(initial)+len(f.Values))
	for k, v := range initial {
		merged.Values[k] = v
	}
	for _, k := range checkboxes {
		if _, sent := f.Values[k]; !sent {
			delete(merged.Values, k)
		}
	}
	for k, v := range f.Values {
		merged.Values[k] = v
	}
	return &merged
}

// checkboxNames returns the form names of the input's bool fields.
func (d *decoder) checkboxNames() []string {
	var names []string
	for name, i := range d.form {
		t := d.typ.FieldByIndex(d.fields[i].index).Type
		if t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() == reflect.Bool {
			names = append(names, name)
		}
	}
	return names
}
