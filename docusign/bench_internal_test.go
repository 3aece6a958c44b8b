package docusign

import (
	"context"
	"testing"
	"time"
)

// BenchmarkTokenCacheHit measures getting a cached, fresh access token, the path every
// call takes. It is an internal test because the cache is not exported.
func BenchmarkTokenCacheHit(b *testing.B) {
	c := &Client{}
	// Every token request passes the halt check first, as in a client from NewClient.
	c.halt = newHaltState(c)
	tc := newTokenCache(c)
	now := time.Now()
	tc.tokens["user"] = accessToken{value: "cached", renewAt: now.Add(time.Hour),
		expiry: now.Add(2 * time.Hour)}
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if token, err := tc.get(ctx, "user"); err != nil || token != "cached" {
				b.Fatalf("get = %q, %v; want the cached token", token, err)
			}
		}
	})
}
