package fiberfn

import (
	"mime/multipart"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

type embedded struct {
	Page int `form:"page"`
}

type richInput struct {
	embedded
	Name     string                  `form:"name" json:"name"`
	Tags     []string                `form:"tag" json:"tags"`
	IDs      []int64                 `form:"id" json:"ids"`
	Price    float64                 `form:"price"`
	Small    uint8                   `form:"small"`
	Maybe    *int                    `form:"maybe"`
	Check    bool                    `form:"check"`
	When     time.Time               `form:"when"`
	Untagged string                  // decoded by its field name
	Skipped  string                  `form:"-"`
	Avatar   *multipart.FileHeader   `form:"avatar"`
	Photos   []*multipart.FileHeader `form:"photo"`
	Nested   map[string]int          `json:"nested"` // JSON only
	hidden   string                  // unexported: never decoded
}

func TestDecodeForm(t *testing.T) {
	var got richInput
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "rich", func(c *fiber.Ctx, in richInput) (struct{}, error) {
			got = in
			return struct{}{}, nil
		})
	}, nil)
	body := "name=Ann&tag=a&tag=b&id=1&id=2&price=2.5&small=7&maybe=3&check=on&when=2026-11-25T10:00:00Z&untagged=u&Skipped=no&page=4&hidden=x&unknown=ignored"
	resp, b := do(t, app, req{path: "/api/rich", body: body, headers: formCT})
	if resp.StatusCode != 302 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	three := 3
	want := richInput{embedded: embedded{Page: 4}, Name: "Ann", Tags: []string{"a", "b"}, IDs: []int64{1, 2}, Price: 2.5, Small: 7, Maybe: &three, Check: true,
		When: time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC), Untagged: "u"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", got, want)
	}
}

func TestDecodeMultipartFiles(t *testing.T) {
	var got richInput
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "upload", func(c *fiber.Ctx, in richInput) (struct{}, error) {
			got = in
			return struct{}{}, nil
		})
	}, nil)
	var sb strings.Builder
	w := multipart.NewWriter(&sb)
	_ = w.WriteField("name", "Ann")
	fw, _ := w.CreateFormFile("avatar", "me.png")
	_, _ = fw.Write([]byte("PNG"))
	for _, n := range []string{"a.jpg", "b.jpg"} {
		fw, _ = w.CreateFormFile("photo", n)
		_, _ = fw.Write([]byte(n))
	}
	_ = w.Close()
	resp, b := do(t, app, req{path: "/api/upload", body: sb.String(), headers: map[string]string{"Content-Type": w.FormDataContentType(), "Accept": "application/json"}})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
	if got.Name != "Ann" || got.Avatar == nil || got.Avatar.Filename != "me.png" || got.Avatar.Size != 3 || len(got.Photos) != 2 {
		t.Fatalf("decoded %+v", got)
	}
	// A text value for a file field, and a file for a text field, are 400s.
	sb.Reset()
	w = multipart.NewWriter(&sb)
	_ = w.WriteField("avatar", "not a file")
	fw, _ = w.CreateFormFile("name", "x.txt")
	_, _ = fw.Write([]byte("x"))
	_ = w.Close()
	resp, b = do(t, app, req{path: "/api/upload", body: sb.String(), headers: map[string]string{"Content-Type": w.FormDataContentType(), "Accept": "application/json"}})
	if resp.StatusCode != 400 || !strings.Contains(b, `"avatar":"must be a file upload"`) || !strings.Contains(b, `"name":"must be a text value, not a file"`) {
		t.Fatalf("status %d: %s", resp.StatusCode, b)
	}
}

func TestDecodeJSON(t *testing.T) {
	var got richInput
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "rich", func(c *fiber.Ctx, in richInput) (struct{}, error) {
			got = in
			return struct{}{}, nil
		})
	}, nil)
	resp, b := do(t, app, req{path: "/api/rich", body: `{"name":"Ann","tags":["x"],"nested":{"a":1}}`, headers: jsonCT})
	if resp.StatusCode != 200 || got.Name != "Ann" || got.Nested["a"] != 1 || len(got.Tags) != 1 {
		t.Fatalf("status %d %s: %+v", resp.StatusCode, b, got)
	}
	resp, _ = do(t, app, req{path: "/api/rich", body: ``, headers: jsonCT})
	if resp.StatusCode != 200 {
		t.Fatalf("empty JSON body: status %d", resp.StatusCode)
	}
	// Errors name the field and what was expected, never a Go type.
	for _, tt := range []struct{ body, want string }{
		{`["not", "an", "object"]`, `{"error":"The body must be a JSON object."}`},
		{`"text"`, `{"error":"The body must be a JSON object."}`},
		{`{"name": 5}`, `{"error":"Invalid value for field \"name\": must be a string.","fields":{"name":"must be a string"}}`},
		{`{"name": "x",}`, `{"error":"Malformed JSON at byte 14."}`},
		{"{\"name\": \"\xff\xfe\"}", `{"error":"The request body is not valid UTF-8."}`},
		{`{"nested": {"a": "b"}}`, `{"error":"Invalid value for field \"nested\": must be a whole number in range.","fields":{"nested":"must be a whole number in range"}}`},
	} {
		resp, b = do(t, app, req{path: "/api/rich", body: tt.body, headers: jsonCT})
		if resp.StatusCode != 400 || b != tt.want {
			t.Errorf("%s: status %d %s, want 400 %s", tt.body, resp.StatusCode, b, tt.want)
		}
		if strings.Contains(b, "fiberfn.") || strings.Contains(b, "Go ") || strings.Contains(b, "richInput") {
			t.Errorf("%s: the error names a Go type: %s", tt.body, b)
		}
	}
}

type validated struct {
	Title string `form:"title"`
}

func (v validated) Validate() error {
	if v.Title == "" {
		return FieldErrors{"title": "required"}
	}
	return nil
}

func TestValidatorRunsBeforeTheFunction(t *testing.T) {
	called := false
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "v", func(c *fiber.Ctx, in validated) (struct{}, error) {
			called = true
			return struct{}{}, nil
		})
	}, nil)
	resp, b := do(t, app, req{path: "/api/v", body: "title=", headers: jsonAccept(formCT)})
	if resp.StatusCode != 422 || called || !strings.Contains(b, `"title":"required"`) {
		t.Fatalf("status %d called %v body %s", resp.StatusCode, called, b)
	}
}

func FuzzDecodeForm(f *testing.F) {
	for _, s := range []string{"name=a&tag=b&id=1", "id=x", "price=1e400", "maybe=&small=300", "%zz=1", "check=maybe&when=notatime"} {
		f.Add(s)
	}
	dec, err := newDecoder(reflect.TypeFor[richInput](), nil)
	if err != nil {
		f.Fatal(err)
	}
	app := fiber.New()
	f.Fuzz(func(t *testing.T, body string) {
		c := app.AcquireCtx(&fasthttpCtx{})
		defer app.ReleaseCtx(c)
		c.Request().Header.SetContentType(fiber.MIMEApplicationForm)
		c.Request().SetBodyString(body)
		var in richInput
		err := dec.decodeForm(inputValue(&in), c.Request().PostArgs())
		if err == nil {
			return
		}
		ue, ok := err.(*Error)
		if !ok || ue.Code != http.StatusBadRequest || len(ue.Fields) == 0 {
			t.Fatalf("decode error %#v is not a 400 naming a field", err)
		}
	})
}

// widths has a field of every kind the decoder sets through offsets, each
// between sentinels, so a write of the wrong width shows as a changed
// neighbour.
type widths struct {
	S0  uint8   `form:"-"`
	I   int     `form:"i"`
	I8  int8    `form:"i8"`
	S1  uint8   `form:"-"`
	I16 int16   `form:"i16"`
	S2  uint8   `form:"-"`
	I32 int32   `form:"i32"`
	S3  uint8   `form:"-"`
	I64 int64   `form:"i64"`
	U   uint    `form:"u"`
	U8  uint8   `form:"u8"`
	S4  uint8   `form:"-"`
	U16 uint16  `form:"u16"`
	S5  uint8   `form:"-"`
	U32 uint32  `form:"u32"`
	S6  uint8   `form:"-"`
	U64 uint64  `form:"u64"`
	F32 float32 `form:"f32"`
	S7  uint8   `form:"-"`
	F64 float64 `form:"f64"`
	B   bool    `form:"b"`
	S8  uint8   `form:"-"`
	Lvl level   `form:"lvl"`
	Ptr *uint16 `form:"ptr"`
}

type level string

func TestDecodeEveryWidth(t *testing.T) {
	dec, err := newDecoder(reflect.TypeFor[widths](), nil)
	if err != nil {
		t.Fatal(err)
	}
	app := fiber.New()
	c := app.AcquireCtx(&fasthttpCtx{})
	defer app.ReleaseCtx(c)
	c.Request().Header.SetContentType(fiber.MIMEApplicationForm)
	c.Request().SetBodyString("i=-1&i8=-128&i16=-32768&i32=-2147483648&i64=-9223372036854775808&u=1&u8=255&u16=65535&u32=4294967295&u64=18446744073709551615&f32=1.5&f64=-2.25&b=yes&lvl=warn&ptr=7")
	sentinel := uint8(0xAA)
	in := widths{S0: sentinel, S1: sentinel, S2: sentinel, S3: sentinel, S4: sentinel, S5: sentinel, S6: sentinel, S7: sentinel, S8: sentinel}
	if err := dec.decodeForm(inputValue(&in), c.Request().PostArgs()); err != nil {
		t.Fatal(err)
	}
	seven := uint16(7)
	want := widths{S0: sentinel, I: -1, I8: -128, S1: sentinel, I16: -32768, S2: sentinel, I32: -2147483648, S3: sentinel, I64: -9223372036854775808,
		U: 1, U8: 255, S4: sentinel, U16: 65535, S5: sentinel, U32: 4294967295, S6: sentinel, U64: 18446744073709551615,
		F32: 1.5, S7: sentinel, F64: -2.25, B: true, S8: sentinel, Lvl: "warn", Ptr: &seven}
	if !reflect.DeepEqual(in, want) {
		t.Fatalf("decoded\n%+v\nwant\n%+v", in, want)
	}
	// Out of range for the field's own width is a field error, not a wrap.
	var args fasthttp.Args
	args.Parse("i8=128&u16=65536")
	err = dec.decodeForm(inputValue(&in), &args)
	ue, ok := err.(*Error)
	if !ok || ue.Fields["i8"] != "is out of range" || ue.Fields["u16"] != "is out of range" {
		t.Fatalf("err = %#v", err)
	}
}

// Inputs are decoded into pooled values: a request must never see what an
// earlier one sent.
func TestDecodeInputsDoNotLeakBetweenRequests(t *testing.T) {
	var got []richInput
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "rich", func(c *fiber.Ctx, in richInput) (struct{}, error) {
			got = append(got, in)
			return struct{}{}, nil
		})
	}, nil)
	do(t, app, req{path: "/api/rich", body: "name=Ann&tag=a&id=1&maybe=3&check=on&page=2", headers: formCT})
	do(t, app, req{path: "/api/rich", body: "price=1", headers: formCT})
	if len(got) != 2 {
		t.Fatalf("%d calls", len(got))
	}
	if !reflect.DeepEqual(got[1], richInput{Price: 1}) {
		t.Fatalf("second request saw %+v", got[1])
	}
	if got[0].Name != "Ann" || len(got[0].Tags) != 1 || *got[0].Maybe != 3 {
		t.Fatalf("first input changed after the request: %+v", got[0])
	}
}

type normalized struct {
	Name string `form:"name"`
}

func (n *normalized) Validate() error {
	n.Name = strings.ToLower(strings.TrimSpace(n.Name))
	return nil
}

// A pointer-receiver Validate runs on the decoded value before the call,
// so what it normalizes is what the function gets.
func TestValidatorCanNormalize(t *testing.T) {
	var got string
	app, _ := testApp(t, Config{}, func(r *Registry) {
		RegisterOn(r, "n", func(c *fiber.Ctx, in normalized) (struct{}, error) {
			got = in.Name
			return struct{}{}, nil
		})
	}, nil)
	do(t, app, req{path: "/api/n", body: "name=++Ann+", headers: formCT})
	if got != "ann" {
		t.Fatalf("function got %q, want the normalized %q", got, "ann")
	}
}

// TestSmallIntAgreesWithParseInt checks the decoder's fast path for whole
// numbers against strconv.ParseInt at every width: where it answers, it
// answers the same; where it does not, ParseInt decides.
func TestSmallIntAgreesWithParseInt(t *testing.T) {
	inputs := []string{"0", "7", "-7", "42", "127", "128", "-128", "-129", "32767", "32768", "-32768", "-32769",
		"999999999", "-999999999", "1000000000", "2147483647", "", "-", "+1", " 1", "1 ", "01", "1e3", "0x1", "--1", "١"}
	for _, bits := range []int{8, 16, 32, 64} {
		for _, in := range inputs {
			n, ok := smallInt([]byte(in), bits)
			want, err := strconv.ParseInt(in, 10, bits)
			if ok && (err != nil || n != want) {
				t.Errorf("smallInt(%q, %d) = %d, but ParseInt says %d, %v", in, bits, n, want, err)
			}
		}
	}
}
