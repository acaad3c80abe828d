package placeos_test

// Benchmarks of the client's hot paths against the in-memory PlaceOS API (the connection reuse
// they depend on is tested in concurrency_test.go). `make bench` (internal/cmd/placeos-bench) measures the provider as a
// whole through the Terraform CLI; these isolate the client:
//
//	go test ./internal/placeos -run '^$' -bench . -benchmem
//	go test ./internal/placeos -run '^$' -bench Lifecycle -cpuprofile cpu.out

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// BenchmarkAPIKeyLifecycle is create, read and delete of one key: the requests behind
// `terraform apply`, `plan` and `destroy` of one placeos_api_key. requests/op must stay 3.
func BenchmarkAPIKeyLifecycle(b *testing.B) { benchLifecycle(b, false) }

// BenchmarkAPIKeyLifecycleParallel is the same from concurrent callers, as Terraform's
// -parallelism makes them.
func BenchmarkAPIKeyLifecycleParallel(b *testing.B) { benchLifecycle(b, true) }

func benchLifecycle(b *testing.B, parallel bool) {
	srv, ln, c := newInMemoryClient(b)
	ctx := context.Background()
	userID := currentUserID(b, c)
	srv.ResetCounts()
	var seq, ops atomic.Int64
	once := func() bool {
		if err := keyLifecycle(ctx, c, userID, fmt.Sprintf("bench-%d", seq.Add(1))); err != nil {
			b.Error(err)
			return false
		}
		ops.Add(1)
		return true
	}
	b.ReportAllocs()
	if parallel {
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() && once() {
			}
		})
	} else {
		for b.Loop() && once() {
		}
	}
	b.StopTimer()
	if ops.Load() > 0 {
		b.ReportMetric(float64(totalRequests(srv))/float64(ops.Load()), "requests/op")
	}
	b.ReportMetric(float64(ln.accepted.Load()), "connections")
}

// BenchmarkDecodeAPIKey decodes a key as the API sends it, with the embedded user and
// authority objects (password digest, tokens, SSO settings): APIKey has no field for them,
// so the decoder skips them instead of building maps that would then be thrown away.
func BenchmarkDecodeAPIKey(b *testing.B) {
	srv, _, c := newInMemoryClient(b)
	ctx := context.Background()
	k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{Name: "decode", UserID: currentUserID(b, c), Scopes: []string{"public"}, Permissions: "user"})
	if err != nil {
		b.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL()+placeos.APIBasePath+"/api_keys/"+k.ID, nil)
	req.Header.Set("X-API-Key", srv.Seed().AdminAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	b.Logf("a key as the API sends it: %d bytes", len(body))

	b.Run("APIKey", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var k placeos.APIKey
			if err := json.Unmarshal(body, &k); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("map (for comparison)", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			var m map[string]any
			if err := json.Unmarshal(body, &m); err != nil {
				b.Fatal(err)
			}
		}
	})
}
