package metrics

import "slices"

// Names of the families that other components feed through the Register methods.
const (
	WebhookDeliveriesName = "docusign_mcp_webhook_deliveries_total"
	AlertsRaisedName      = "docusign_mcp_alerts_raised_total"
)

// WebhookStats are the Connect receiver's delivery counts since the process started.
type WebhookStats struct {
	// Accepted deliveries were recorded durably and got status 200.
	Accepted uint64
	// Duplicate deliveries repeated one already recorded and got status 200 with no
	// effect.
	Duplicate uint64
	// Rejected deliveries failed the HMAC check, the size limit or parsing.
	Rejected uint64
}

// RegisterWebhookStats exports the Connect receiver's counts as
// docusign_mcp_webhook_deliveries_total{result}. stats runs at each scrape. A second call
// is ignored and returns false, because one process has one receiver.
func (s *Server) RegisterWebhookStats(stats func() WebhookStats) bool {
	if s.Registry.Registered(WebhookDeliveriesName) {
		return false
	}
	s.Registry.NewCounterFunc(WebhookDeliveriesName,
		"Connect webhook deliveries by result: accepted, duplicate or rejected.",
		[]string{"result"}, func() []Sample {
			st := stats()
			return []Sample{
				{LabelValues: []string{"accepted"}, Value: float64(st.Accepted)},
				{LabelValues: []string{"duplicate"}, Value: float64(st.Duplicate)},
				{LabelValues: []string{"rejected"}, Value: float64(st.Rejected)},
			}
		})
	return true
}

// RegisterAlertStats exports the alert sink's counts of raised alerts by kind as
// docusign_mcp_alerts_raised_total{kind}. stats runs at each scrape and returns counts
// that never decrease. A second call is ignored and returns false.
func (s *Server) RegisterAlertStats(stats func() map[string]uint64) bool {
	if s.Registry.Registered(AlertsRaisedName) {
		return false
	}
	s.Registry.NewCounterFunc(AlertsRaisedName,
		"Alerts raised by kind, repeats suppressed by the alert interval excluded.",
		[]string{"kind"}, func() []Sample {
			counts := stats()
			kinds := make([]string, 0, len(counts))
			for kind := range counts {
				kinds = append(kinds, kind)
			}
			slices.Sort(kinds)
			out := make([]Sample, 0, len(kinds))
			for _, kind := range kinds {
				out = append(out, Sample{LabelValues: []string{kind},
					Value: float64(counts[kind])})
			}
			return out
		})
	return true
}
