package docusigntest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

func TestViolationsCount(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		// calls is how many GETs of one envelope follow its creation, one second apart.
		// A GET that a limit rejects still counts as a poll.
		calls int
		want  Violations
	}{
		{name: "none under the limits", opts: Options{}, calls: 1, want: Violations{}},
		{name: "hourly", opts: Options{HourlyLimit: 3, BurstLimit: 100}, calls: 3,
			want: Violations{Hourly: 1, FrequentPolls: 1}},
		{name: "burst", opts: Options{BurstLimit: 2}, calls: 2,
			want: Violations{Burst: 1}},
		{name: "envelope burst", opts: Options{EnvelopeLimits: EnvelopeLimits{BurstGets: 1}},
			calls: 2, want: Violations{EnvelopeBurst: 1, FrequentPolls: 1}},
		{name: "envelope hourly", opts: Options{EnvelopeLimits: EnvelopeLimits{HourlyGets: 1}},
			calls: 2, want: Violations{EnvelopeHourly: 1, FrequentPolls: 1}},
		{name: "frequent polls", opts: Options{}, calls: 3,
			want: Violations{FrequentPolls: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, clock := newSim(t, tt.opts)
			token := accessToken(t, s, "")
			id := createEnvelope(t, s, token, twoSignerEnvelope("sent"))
			for range tt.calls {
				clock.Add(time.Second)
				call(t, s, token, "GET", "/envelopes/"+id, nil)
			}
			got := s.Violations()
			if got != tt.want {
				t.Errorf("Violations() = %+v, want %+v", got, tt.want)
			}
			if got.Total() != tt.want.Total() {
				t.Errorf("Total() = %d, want %d", got.Total(), tt.want.Total())
			}
		})
	}
}

func TestViolationsControlRoute(t *testing.T) {
	s, _ := newSim(t, Options{BurstLimit: 1})
	token := accessToken(t, s, "")
	call(t, s, token, "GET", "", nil)
	call(t, s, token, "GET", "", nil)
	resp, err := http.Get(s.URL + "/sim/violations")
	if err != nil {
		t.Fatalf("GET /sim/violations failed: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /sim/violations = %d, want 200", resp.StatusCode)
	}
	var got Violations
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decoding /sim/violations failed: %v", err)
	}
	if got.Burst != 1 {
		t.Errorf("burst violations = %d, want 1 after two calls with a burst limit of 1",
			got.Burst)
	}
}
