package pdf

import (
	"testing"
	"time"
)

func TestFindAnchorsInLetter(t *testing.T) {
	data, err := RenderEngagementLetter(sampleLetter())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	anchors := findAnchors(data)
	if n := len(anchors[1]); n != 0 {
		t.Errorf("page 1 has %d anchors, want 0: the signature block is on page 2", n)
	}
	got := map[string]bool{}
	for _, p := range anchors[2] {
		got[p.anchor] = true
		if p.x <= 0 || p.y <= 0 {
			t.Errorf("anchor %s at (%v, %v), want a position inside the page", p.anchor,
				p.x, p.y)
		}
	}
	for _, want := range []string{ClientSignatureAnchor, ClientDateAnchor,
		FirmSignatureAnchor, FirmDateAnchor} {
		if !got[want] {
			t.Errorf("page 2 lacks anchor %s; found %v", want, got)
		}
	}
}

func TestStampText(t *testing.T) {
	signed := time.Date(2026, 3, 10, 9, 15, 0, 0, time.UTC)
	stamps := []Stamp{
		{Name: "Ada Client", Status: "signed", Time: signed,
			SignAnchors: []string{"/sig1/"}, DateAnchors: []string{"/date1/"}},
		{Name: "Bo Partner", Status: "declined", Time: signed,
			SignAnchors: []string{"/sig2/"}, DateAnchors: []string{"/date2/"}},
	}
	tests := []struct {
		name       string
		anchor     string
		wantText   string
		wantSigned bool
	}{
		{name: "signature of a signer", anchor: "/sig1/", wantText: "Ada Client",
			wantSigned: true},
		{name: "date of a signer", anchor: "/date1/", wantText: "10 March 2026"},
		{name: "declined recipient", anchor: "/sig2/", wantText: ""},
		{name: "unknown anchor", anchor: "/sig9/", wantText: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, signature := stampText(tt.anchor, stamps)
			if text != tt.wantText {
				t.Errorf("stampText(%s) text = %q, want %q", tt.anchor, text, tt.wantText)
			}
			if signature != tt.wantSigned {
				t.Errorf("stampText(%s) signature = %v, want %v", tt.anchor, signature,
					tt.wantSigned)
			}
		})
	}
}

func TestCombinedStampsCopiedPages(t *testing.T) {
	letter, err := RenderEngagementLetter(sampleLetter())
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	stamps := []Stamp{{Name: "Ada Client", Status: "signed", Time: created,
		SignAnchors: []string{ClientSignatureAnchor}, DateAnchors: []string{ClientDateAnchor}}}
	out, err := RenderCombined(Combined{EnvelopeID: "e1", Subject: "Letter", Created: created,
		Sections: []Section{{DocumentID: "1", Name: "Letter", Pages: 2, PDF: letter,
			Stamps: stamps}}})
	if err != nil {
		t.Fatalf("RenderCombined: %v", err)
	}
	info, err := Check(out)
	if err != nil {
		t.Fatalf("Check: %v", err)
	}
	if info.Pages != 3 {
		t.Errorf("pages = %d, want 3: two copied pages and the signature page", info.Pages)
	}
}
