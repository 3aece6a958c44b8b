package tools

import (
	"reflect"
	"strings"
	"testing"
)

func TestReferenceFree(t *testing.T) {
	tests := []struct {
		name string
		typ  reflect.Type
		want bool
	}{
		{name: "status input", typ: reflect.TypeFor[envelopeStatusInput](), want: true},
		{name: "documents input", typ: reflect.TypeFor[listDocumentsInput](), want: true},
		{name: "array of strings", typ: reflect.TypeFor[[2]string](), want: true},
		{name: "list input with a slice", typ: reflect.TypeFor[listEnvelopesInput](),
			want: false},
		{name: "create input", typ: reflect.TypeFor[createEnvelopeInput](), want: false},
		{name: "pointer field", typ: reflect.TypeFor[struct{ N *int }](), want: false},
		{name: "map", typ: reflect.TypeFor[map[string]string](), want: false},
		{name: "interface", typ: reflect.TypeFor[struct{ V any }](), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := referenceFree(tt.typ); got != tt.want {
				t.Errorf("referenceFree(%v) = %v, want %v", tt.typ, got, tt.want)
			}
		})
	}
}

func TestInputMemoMatchesDecode(t *testing.T) {
	const id = "4f7c2a1e-0b1d-4c3e-9f8a-1b2c3d4e5f60"
	raws := []string{
		`{"envelope_id":"` + id + `"}`,
		`{"envelope_id":"` + id + `","refresh":true}`,
		`{"ENVELOPE_ID":"` + id + `"}`,
		`{"envelope_id":"` + id + `","extra":1}`,
		`{"envelope_id":5}`,
		`{"envelope_id":`,
		``,
		`null`,
		`{"envelope_id":"` + id + `","note":"a@b.c"}`,
		`{"envelope_id":"` + strings.Repeat("x", maxMemoArgumentBytes) + `"}`,
	}
	memo := newInputMemo[envelopeStatusInput]()
	if memo == nil {
		t.Fatalf("newInputMemo[envelopeStatusInput] = nil, want a memo")
	}
	for _, raw := range raws {
		want := new(envelopeStatusInput)
		wantErr := decodeArguments([]byte(raw), want)
		for call := range 3 {
			got, gotErr := memo.decode([]byte(raw))
			if !jsonEqual(gotErr, wantErr) {
				t.Errorf("call %d of %.60s: error = %v, want %v", call, raw, gotErr, wantErr)
			}
			if wantErr == nil && (got == nil || *got != *want) {
				t.Errorf("call %d of %.60s: decoded %+v, want %+v", call, raw, got, want)
			}
		}
	}
}

func TestInputMemoResultIsACopy(t *testing.T) {
	memo := newInputMemo[listDocumentsInput]()
	raw := []byte(`{"envelope_id":"e","cursor":"c"}`)
	first, terr := memo.decode(raw)
	if terr != nil {
		t.Fatalf("decode failed: %v", terr)
	}
	first.EnvelopeID, first.start = "changed", 7
	second, terr := memo.decode(raw)
	if terr != nil {
		t.Fatalf("second decode failed: %v", terr)
	}
	if second.EnvelopeID != "e" || second.start != 0 {
		t.Errorf("second decode = %+v after the caller changed the first, want "+
			"envelope_id e and start 0", *second)
	}
}

func TestInputMemoBound(t *testing.T) {
	memo := newInputMemo[envelopeStatusInput]()
	for i := range maxMemoArguments + 10 {
		raw := `{"envelope_id":"` + strings.Repeat("e", i%300) + `","refresh":` +
			[]string{"true", "false", "true ", "false ", " true"}[i/300] + `}`
		if _, terr := memo.decode([]byte(raw)); terr != nil {
			t.Fatalf("decode %s failed: %v", raw, terr)
		}
	}
	if got := memo.len(); got > maxMemoArguments {
		t.Errorf("memo holds %d inputs, over the bound of %d", got, maxMemoArguments)
	}
}
