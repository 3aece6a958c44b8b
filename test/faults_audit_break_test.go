package test

import (
	"testing"
	"time"

	"github.com/ys88io/docusign-mcp/docusign"
	"github.com/ys88io/docusign-mcp/docusign/docusigntest"
)

// TestObserverSeesTransportReplay drops the connection of a listStatusChanges request that
// travels on a reused keep-alive connection. Go's http.Transport then sends the GET again on
// its own, because nothing of a response arrived, and the simulator serves both copies. The
// client's observer, which feeds the audit log, must see both, because Docusign counts both
// against the rate limit. Before the client traced its writes, it saw one.
func TestObserverSeesTransportReplay(t *testing.T) {
	sim := docusigntest.NewServer(docusigntest.Options{})
	t.Cleanup(sim.Close)
	observed := newOpCounter(nil)
	c := newSimClient(t, sim, fastRetry(), observed)
	opts := &docusign.ListStatusChangesOptions{FromDate: time.Now().Add(-time.Hour)}
	// The first call opens the connection that the second one reuses.
	if _, _, err := c.Envelopes.ListStatusChanges(t.Context(), opts); err != nil {
		t.Fatalf("first listing: %v", err)
	}
	sim.InjectFault(docusigntest.Fault{Op: docusigntest.OpListStatusChanges, Drop: true})
	_, _, _ = c.Envelopes.ListStatusChanges(t.Context(), opts)

	served := sim.Calls()[docusigntest.OpListStatusChanges]
	seen := observed.snapshot()[docusigntest.OpListStatusChanges]
	t.Logf("listStatusChanges: %d served by the simulator, %d seen by the observer",
		served, seen)
	if seen < served {
		t.Errorf("the simulator served %d listStatusChanges calls, but the observer saw %d: "+
			"a request that http.Transport sent again is missing from the audit log",
			served, seen)
	}
}
