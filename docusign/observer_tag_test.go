package docusign_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ys88io/docusign-mcp/docusign"
)

func TestCallTagReachesObserver(t *testing.T) {
	var mu sync.Mutex
	tags := map[string]docusign.CallTag{}
	env := newTestEnv(t, func(c *docusign.Config) {
		c.Observer = docusign.ObserverFunc(func(rec docusign.CallRecord) {
			mu.Lock()
			defer mu.Unlock()
			tags[rec.Operation] = rec.Tag
		})
	})
	env.fake.setREST(accountOK)
	want := docusign.CallTag{Caller: "agent-7", Tool: "list_templates"}
	ctx := docusign.WithCallTag(context.Background(), want)
	if _, _, err := env.client.Accounts.Get(ctx); err != nil {
		t.Fatalf("Accounts.Get: %v", err)
	}
	for _, op := range []string{"OAuth:token", "OAuth:userinfo", "Accounts:get"} {
		if got := tags[op]; got != want {
			t.Errorf("%s tag = %+v, want %+v", op, got, want)
		}
	}
}

func TestCallTagFromEmptyContext(t *testing.T) {
	if got := docusign.CallTagFrom(context.Background()); got != (docusign.CallTag{}) {
		t.Errorf("CallTagFrom(empty context) = %+v, want the zero CallTag", got)
	}
}
