package tools

import (
	"reflect"
	"testing"
)

func TestUnknownFieldPath(t *testing.T) {
	type tab struct {
		Type string `json:"type"`
	}
	type signer struct {
		Email string `json:"email"`
		Tabs  []tab  `json:"tabs,omitempty"`
	}
	type args struct {
		Signers []signer `json:"signers"`
		Subject string   `json:"email_subject"`
		Extra   *signer  `json:"extra,omitempty"`
	}
	tests := []struct {
		name string
		raw  string
		key  string
		want string
	}{
		{name: "top level", raw: `{"phone":"1"}`, key: "phone", want: "phone"},
		{name: "in a list", raw: `{"signers":[{"email":"a@b.co"},{"phone":"1"}]}`,
			key: "phone", want: "signers[1].phone"},
		{name: "nested list", raw: `{"signers":[{"tabs":[{"type":"text","size":2}]}]}`,
			key: "size", want: "signers[0].tabs[0].size"},
		{name: "through a pointer", raw: `{"extra":{"phone":"1"}}`, key: "phone",
			want: "extra.phone"},
		{name: "known key in other case", raw: `{"Signers":[{"phone":"1"}]}`, key: "phone",
			want: "Signers[0].phone"},
		{name: "not found", raw: `{"signers":[]}`, key: "phone", want: "phone"},
		{name: "invalid JSON", raw: `{`, key: "phone", want: "phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := unknownFieldPath([]byte(tt.raw), reflect.TypeOf(&args{}), tt.key)
			if got != tt.want {
				t.Errorf("unknownFieldPath(%s, %q) = %q, want %q", tt.raw, tt.key, got, tt.want)
			}
		})
	}
}
