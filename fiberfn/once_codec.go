package fiberfn

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"strings"
	"sync"

	"github.com/gofiber/fiber/v2"
)

// A stored answer is written in a compact binary form (it was JSON with
// the body in base64: about 2.7 KB for the demo's add-task answer):
//
//	magic 0xF5, version 1
//	flags            1 byte: bit 0 = the body is deflated
//	caller           1 byte
//	status           uvarint
//	digest           uvarint length, bytes
//	header count     uvarint, then per header:
//	  name           1 byte: index in answerHeaderNames, or 0 and uvarint length, bytes
//	  value          1 byte: index in answerHeaderValues, or 0 and uvarint length, bytes
//	body             uvarint length, bytes (raw or deflated)
//	CRC-32C          4 bytes, little endian, of everything before
//
// A value of another version, or whose checksum or lengths do not add up,
// is refused with errAnswerCorrupt or errAnswerVersion.
const (
	answerMagic   = 0xF5
	answerVersion = 1
	answerDeflate = 1 << 0
)

// answerHeaderNames are the header names stored as one byte (index+1).
var answerHeaderNames = []string{
	fiber.HeaderContentType, fiber.HeaderLocation, fiber.HeaderVary, RedirectHeader,
	"HX-Redirect", "HX-Location", "HX-Retarget", "HX-Reswap", "HX-Reselect", "HX-Trigger",
	"HX-Trigger-After-Settle", "HX-Trigger-After-Swap", "HX-Push-Url", "HX-Replace-Url", "HX-Refresh",
}

// answerHeaderValues are the header values stored as one byte (index+1).
var answerHeaderValues = []string{
	varyValue, fiber.MIMETextHTMLCharsetUTF8, fiber.MIMEApplicationJSON, fiber.MIMEApplicationJSONCharsetUTF8,
	fiber.MIMETextPlainCharsetUTF8, "none", "true",
}

// minDeflate is the smallest body worth deflating.
const minDeflate = 256

var (
	errAnswerCorrupt = errors.New("fiberfn: a stored once-only answer is corrupt")
	errAnswerVersion = errors.New("fiberfn: a stored once-only answer has an unknown format (stored by another version?)")
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

var deflaters = sync.Pool{New: func() any {
	w, _ := flate.NewWriter(nil, flate.BestSpeed)
	return w
}}

var inflaters sync.Pool

// encodeAnswer returns the stored form of a.
func encodeAnswer(a *onceAnswer) []byte {
	body, flags := a.Body, byte(0)
	var packed bytes.Buffer
	if len(body) >= minDeflate {
		w := deflaters.Get().(*flate.Writer)
		packed.Grow(len(body) / 2)
		w.Reset(&packed)
		_, err := w.Write(body)
		if err == nil {
			err = w.Close()
		}
		deflaters.Put(w)
		if err == nil && packed.Len() < len(body) {
			body, flags = packed.Bytes(), answerDeflate
		}
	}
	n := 16 + len(a.Digest) + len(body)
	for _, h := range a.Headers {
		n += 4 + len(h[0]) + len(h[1])
	}
	b := make([]byte, 0, n)
	b = append(b, answerMagic, answerVersion, flags, byte(a.Caller))
	b = binary.AppendUvarint(b, uint64(a.Status))
	b = appendBytes(b, a.Digest)
	b = binary.AppendUvarint(b, uint64(len(a.Headers)))
	for _, h := range a.Headers {
		b = appendCoded(b, answerHeaderNames, h[0], true)
		b = appendCoded(b, answerHeaderValues, h[1], false)
	}
	b = appendBytes(b, string(body))
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

func appendBytes(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// appendCoded appends s as its one-byte index in table, or as 0 and the
// bytes.
func appendCoded(b []byte, table []string, s string, fold bool) []byte {
	for i, t := range table {
		if t == s || fold && strings.EqualFold(t, s) {
			return append(b, byte(i+1))
		}
	}
	return appendBytes(append(b, 0), s)
}

// decodeAnswer reads a stored answer.
func decodeAnswer(b []byte) (onceAnswer, error) {
	var a onceAnswer
	if len(b) < 2 || b[0] != answerMagic {
		return a, errAnswerVersion
	}
	if b[1] != answerVersion {
		return a, errAnswerVersion
	}
	if len(b) < 8 {
		return a, errAnswerCorrupt
	}
	data, sum := b[:len(b)-4], binary.LittleEndian.Uint32(b[len(b)-4:])
	if crc32.Checksum(data, crcTable) != sum {
		return a, errAnswerCorrupt
	}
	r := answerReader{b: data[2:]}
	flags := r.byte()
	a.Caller = caller(r.byte())
	a.Status = int(r.uvarint())
	a.Digest = r.str()
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return a, errAnswerCorrupt
	}
	a.Headers = make([][2]string, 0, n)
	for range n {
		name := r.coded(answerHeaderNames)
		value := r.coded(answerHeaderValues)
		a.Headers = append(a.Headers, [2]string{name, value})
	}
	body := r.bytes()
	if r.bad || len(r.b) != 0 || a.Caller > jsonCaller || a.Status < 100 || a.Status > 999 {
		return a, errAnswerCorrupt
	}
	if flags&answerDeflate != 0 {
		var err error
		if body, err = inflate(body); err != nil {
			return a, errAnswerCorrupt
		}
	}
	a.Body = body
	return a, nil
}

// inflate returns the deflated body b, at most maxStoredBody bytes.
func inflate(b []byte) ([]byte, error) {
	src := bytes.NewReader(b)
	fr, _ := inflaters.Get().(io.ReadCloser)
	if fr == nil {
		fr = flate.NewReader(src)
	} else if err := fr.(flate.Resetter).Reset(src, nil); err != nil {
		return nil, err
	}
	defer inflaters.Put(fr)
	var out bytes.Buffer
	out.Grow(4 * len(b))
	if _, err := out.ReadFrom(io.LimitReader(fr, maxStoredBody+1)); err != nil {
		return nil, err
	}
	if out.Len() > maxStoredBody {
		return nil, errAnswerCorrupt
	}
	return out.Bytes(), nil
}

// answerReader reads the fields of a stored answer; bad records a short
// or malformed field.
type answerReader struct {
	b   []byte
	bad bool
}

func (r *answerReader) byte() byte {
	if len(r.b) == 0 {
		r.bad = true
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *answerReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.bad = true
		r.b = nil
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *answerReader) bytes() []byte {
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		r.bad = true
		r.b = nil
		return nil
	}
	v := r.b[:n:n]
	r.b = r.b[n:]
	return v
}

func (r *answerReader) str() string { return string(r.bytes()) }

func (r *answerReader) coded(table []string) string {
	i := int(r.byte())
	switch {
	case i == 0:
		return r.str()
	case i <= len(table):
		return table[i-1]
	}
	r.bad = true
	return ""
}
