package main

import "time"

// statusMaxAge returns how long get_envelope_status may serve from the store for an
// envelope that is not final. The embedded simulator's signers act through its control
// API at any moment and it has no polling limit, so there every such status is read again.
func (a *app) statusMaxAge() time.Duration {
	if a.sim != nil {
		return -1
	}
	return 0
}
