package fiberfn

import "testing"

// TestRepeatedJSONField covers the scan for a key set twice: what it finds,
// what it leaves to the decoder (anything that is not a well-formed
// object), and the keys it must not confuse.
func TestRepeatedJSONField(t *testing.T) {
	type in struct {
		Name  string   `json:"name"`
		Kind  string   `form:"kind"`
		Tags  []string `json:"tags"`
		Plain int
	}
	dec, err := newDecoder(reflectTypeOf[in](), nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		body, want string
	}{
		{`{"name":"a","name":"b"}`, "name"},
		{`{"name":"a","NAME":"b"}`, "name"},
		{` { "name" : "a" , "tags" : [ "x" , "y" ] , "name" : null } `, "name"},
		{`{"na\u006de":"a","name":"b"}`, "name"},
		{`{"kind":"a","Kind":"b"}`, "kind"},                  // a form tag and the Go name
		{`{"plain":1,"Plain":2}`, "Plain"},                   // no tag: the Go name
		{"{\"plain\":1,\"Pla\u0131n\":2}", ""},               // dotless i does not fold to i
		{"{\"tags\":[],\"\u212Aind\":1,\"kind\":2}", "kind"}, // the Kelvin sign folds to k
		{`{"tags":["a"],"tags":[]}`, "tags"},
		{`{"name":"a","other":{"name":1,"name":2},"list":[{"name":1},{"name":2}]}`, ""},
		{`{"name":"a \"name\": \\","x":"name"}`, ""},
		{`{"x":1,"x":2}`, ""}, // unknown keys are not ours to refuse
		{`{}`, ""},
		{`[{"name":1},{"name":2}]`, ""},
		{`{"name":"a","name"`, ""}, // malformed: the decoder says so
		{`{"name":"a" "name":"b"}`, ""},
		{`{"name":tru`, ""},
		{``, ""},
	}
	for _, tt := range tests {
		if got := dec.json.repeatedJSONField([]byte(tt.body)); got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.body, got, tt.want)
		}
	}
}
