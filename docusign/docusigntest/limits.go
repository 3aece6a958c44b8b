package docusigntest

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

const (
	burstWindow  = 30 * time.Second
	hourWindow   = time.Hour
	pollInterval = 15 * time.Minute
	limitMessage = "The maximum number of hourly API invocations has been exceeded."
)

// rateWindow counts one account's calls in the current clock hour and 30-second window.
type rateWindow struct {
	hourStart  time.Time
	hourCount  int
	burstStart time.Time
	burstCount int
}

func (st *state) rateFor(accountID string) *rateWindow {
	rw, ok := st.rates[accountID]
	if !ok {
		rw = &rateWindow{}
		st.rates[accountID] = rw
	}
	return rw
}

// roll starts new windows when now has left the current ones.
func (rw *rateWindow) roll(now time.Time) {
	if hour := now.Truncate(hourWindow); !hour.Equal(rw.hourStart) {
		rw.hourStart, rw.hourCount = hour, 0
	}
	if burst := now.Truncate(burstWindow); !burst.Equal(rw.burstStart) {
		rw.burstStart, rw.burstCount = burst, 0
	}
}

func (s *Server) setRateHeaders(h http.Header, rw *rateWindow) {
	h.Set("X-RateLimit-Limit", strconv.Itoa(s.opts.HourlyLimit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(0, s.opts.HourlyLimit-rw.hourCount)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(rw.hourStart.Add(hourWindow).Unix(), 10))
	h.Set("X-BurstLimit-Limit", strconv.Itoa(s.opts.BurstLimit))
	h.Set("X-BurstLimit-Remaining", strconv.Itoa(max(0, s.opts.BurstLimit-rw.burstCount)))
}

// checkLimits counts one call against the account and the envelope in the path, sets the
// rate headers and returns the limit error when a counter is exhausted.
func (s *Server) checkLimits(w http.ResponseWriter, r *http.Request, accountID string) *Error {
	now := s.now()
	rw := s.state.rateFor(accountID)
	rw.roll(now)
	var err *Error
	var retryAfter time.Duration
	switch {
	case rw.hourCount >= s.opts.HourlyLimit:
		err = newAPIError(s.opts.LimitStatus, "HOURLY_APIINVOCATION_LIMIT_EXCEEDED", limitMessage)
		retryAfter = rw.hourStart.Add(hourWindow).Sub(now)
		s.state.violations.Hourly++
	case rw.burstCount >= s.opts.BurstLimit:
		err = newAPIError(s.opts.LimitStatus, "BURST_APIINVOCATION_LIMIT_EXCEEDED", limitMessage)
		retryAfter = rw.burstStart.Add(burstWindow).Sub(now)
		s.state.violations.Burst++
	default:
		rw.hourCount++
		rw.burstCount++
	}
	s.setRateHeaders(w.Header(), rw)
	if err != nil {
		if s.opts.SendRetryAfter {
			secs := int(retryAfter.Round(time.Second) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, secs)))
		}
		return err
	}
	return s.checkEnvelopeLimits(r, now)
}

// envelopeCounter holds the times of recent GET and PUT requests on one envelope.
type envelopeCounter struct {
	gets []time.Time
	puts []time.Time
}

// checkEnvelopeLimits applies the per-envelope thresholds of Options.EnvelopeLimits. A call
// over a threshold is rejected and not recorded.
func (s *Server) checkEnvelopeLimits(r *http.Request, now time.Time) *Error {
	env := s.state.envelopes[r.PathValue("envelopeId")]
	if env == nil {
		return nil
	}
	if r.Method == http.MethodGet && strings.HasSuffix(r.Pattern, "{envelopeId}") {
		s.notePoll(env.id, now)
	}
	lim := s.opts.EnvelopeLimits
	times := &env.counter.gets
	hourly, burst := lim.HourlyGets, lim.BurstGets
	hourlyCode, burstCode := "Hourly_Envelope_Polling_Limit_Exceeded",
		"Burst_Envelope_Polling_Limit_Exceeded"
	if r.Method == http.MethodPut {
		times = &env.counter.puts
		hourly, burst = lim.HourlyPuts, lim.BurstPuts
		hourlyCode, burstCode = "Hourly_APIInvocation_Envelope_Limit_Exceeded",
			"Burst_APIInvocation_Envelope_Limit_Exceeded"
	}
	*times = pruneBefore(*times, now.Add(-hourWindow))
	if hourly > 0 && len(*times) >= hourly {
		s.state.violations.EnvelopeHourly++
		return newAPIError(http.StatusBadRequest, hourlyCode,
			"The maximum number of hourly requests for this envelope has been exceeded.")
	}
	if burst > 0 && countSince(*times, now.Add(-burstWindow)) >= burst {
		s.state.violations.EnvelopeBurst++
		return newAPIError(http.StatusBadRequest, burstCode,
			"The maximum number of requests for this envelope in 30 seconds has been exceeded.")
	}
	*times = append(*times, now)
	return nil
}

// notePoll counts a status GET that follows the previous one within 15 minutes.
func (s *Server) notePoll(envelopeID string, now time.Time) {
	if last, ok := s.state.lastStatusGet[envelopeID]; ok && now.Sub(last) < pollInterval {
		s.state.frequentPolls[envelopeID]++
	}
	s.state.lastStatusGet[envelopeID] = now
}

func pruneBefore(times []time.Time, cutoff time.Time) []time.Time {
	i := 0
	for i < len(times) && !times[i].After(cutoff) {
		i++
	}
	return times[i:]
}

func countSince(times []time.Time, cutoff time.Time) int {
	n := 0
	for _, t := range times {
		if t.After(cutoff) {
			n++
		}
	}
	return n
}

// Violations counts the requests that the simulator rejected for a rate limit, by limit. It
// also counts the status reads that broke Docusign's rule of one per envelope per 15 minutes.
// Docusign serves those reads but counts them against an integration in its go-live review.
// A well-behaved client keeps every count at zero.
type Violations struct {
	Hourly         int `json:"hourly"`
	Burst          int `json:"burst"`
	EnvelopeHourly int `json:"envelope_hourly"`
	EnvelopeBurst  int `json:"envelope_burst"`
	FrequentPolls  int `json:"frequent_polls"`
}

// Total returns the sum of all counts.
func (v Violations) Total() int {
	return v.Hourly + v.Burst + v.EnvelopeHourly + v.EnvelopeBurst + v.FrequentPolls
}

// Violations returns the rate-limit violations since the simulator started. The error
// responses of injected faults are not counted, because the client did not cause them.
func (s *Server) Violations() Violations {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.state.violations
	for _, n := range s.state.frequentPolls {
		v.FrequentPolls += n
	}
	return v
}
