package placeos_test

// Benchmarks of the client's hot paths against the in-memory PlaceOS API, and the connection
// reuse they depend on. `make bench` (internal/cmd/placeos-bench) measures the provider as a
// whole through the Terraform CLI; these isolate the client:
//
//	go test ./internal/placeos -run '^$' -bench . -benchmem
//	go test ./internal/placeos -run '^$' -bench Lifecycle -cpuprofile cpu.out

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// countingListener counts the connections the server accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

func newBenchServer(tb testing.TB) (*placeostest.Server, *countingListener, *placeos.Client) {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	cl := &countingListener{Listener: ln}
	srv := placeostest.NewServer(placeostest.WithListener(cl))
	tb.Cleanup(srv.Close)
	c, err := placeos.New(placeos.Config{URL: srv.URL(), APIKey: srv.Seed().AdminAPIKey})
	if err != nil {
		tb.Fatal(err)
	}
	return srv, cl, c
}

func totalRequests(srv *placeostest.Server) int {
	n := 0
	for _, v := range srv.RequestCounts() {
		n += v
	}
	return n
}

// One connection per concurrent caller, reused: Terraform runs up to -parallelism operations
// at once, and a TCP (and TLS) handshake per request would cost more than the request.
func TestConnectionsAreReused(t *testing.T) {
	srv, ln, c := newBenchServer(t)
	ctx := context.Background()
	user, err := c.CurrentUser(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const workers, perWorker = 10, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{
					Name: fmt.Sprintf("reuse-%d-%d", w, i), UserID: user.ID, Scopes: []string{"public"}, Permissions: "user",
				})
				if err == nil {
					_, err = c.GetAPIKey(ctx, k.ID)
				}
				if err == nil {
					err = c.DeleteAPIKey(ctx, k.ID)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	requests := totalRequests(srv)
	t.Logf("%d requests from %d concurrent callers over %d connections", requests, workers, ln.accepted.Load())
	// About one connection per caller; Go's transport may dial a few more when a request finds
	// none idle and another frees up meanwhile. Without keep-alive it would be one per request.
	if got := ln.accepted.Load(); got > int64(requests/10) {
		t.Errorf("%d requests from %d concurrent callers opened %d connections; want at most %d (connections must be kept alive and reused)",
			requests, workers, got, requests/10)
	}
}

// BenchmarkAPIKeyLifecycle is create, read and delete of one key: the requests behind
// `terraform apply`, `plan` and `destroy` of one placeos_api_key. requests/op must stay 3.
func BenchmarkAPIKeyLifecycle(b *testing.B) {
	srv, ln, c := newBenchServer(b)
	ctx := context.Background()
	user, err := c.CurrentUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	srv.ResetCounts()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{
			Name: fmt.Sprintf("bench-%d", n), Description: "bench", UserID: user.ID, Scopes: []string{"public"}, Permissions: "user",
		})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetAPIKey(ctx, k.ID); err != nil {
			b.Fatal(err)
		}
		if err := c.DeleteAPIKey(ctx, k.ID); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(totalRequests(srv))/float64(n), "requests/op")
	b.ReportMetric(float64(ln.accepted.Load()), "connections")
}

// BenchmarkAPIKeyLifecycleParallel is the same from concurrent callers, as Terraform's
// -parallelism makes them.
func BenchmarkAPIKeyLifecycleParallel(b *testing.B) {
	srv, ln, c := newBenchServer(b)
	ctx := context.Background()
	user, err := c.CurrentUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	srv.ResetCounts()
	var seq, ops atomic.Int64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{
				Name: fmt.Sprintf("bench-%d", seq.Add(1)), Description: "bench", UserID: user.ID, Scopes: []string{"public"}, Permissions: "user",
			})
			if err != nil {
				b.Error(err)
				return
			}
			if _, err := c.GetAPIKey(ctx, k.ID); err != nil {
				b.Error(err)
				return
			}
			if err := c.DeleteAPIKey(ctx, k.ID); err != nil {
				b.Error(err)
				return
			}
			ops.Add(1)
		}
	})
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
	srv, _, c := newBenchServer(b)
	ctx := context.Background()
	user, err := c.CurrentUser(ctx)
	if err != nil {
		b.Fatal(err)
	}
	k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{Name: "decode", UserID: user.ID, Scopes: []string{"public"}, Permissions: "user"})
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

// Keys of one user created in parallel look the user up once, not once per concurrent create.
func TestConcurrentUserLookupsShareOneRequest(t *testing.T) {
	srv, _, c := newBenchServer(t)
	srv.SetLatency(20 * time.Millisecond) // the callers overlap
	admin := srv.Seed().Admin.ID
	const callers = 10
	var wg sync.WaitGroup
	errs := make(chan error, 2*callers)
	for i := 0; i < callers; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			u, err := c.GetUser(context.Background(), admin)
			if err == nil && u.ID != admin {
				err = fmt.Errorf("got user %s, want %s", u.ID, admin)
			}
			errs <- err
		}()
		go func() {
			defer wg.Done()
			if _, err := c.GetUser(context.Background(), "user-does-not-exist"); !placeos.IsNotFound(err) {
				errs <- fmt.Errorf("unknown user: got %v, want a 404", err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	// One request for the known user; a failed lookup is not cached, so the unknown one may
	// be asked for again, but never by more callers than there are.
	if got := srv.Requests("GET /api/engine/v2/users/{id}"); got < 2 || got > 1+callers {
		t.Errorf("%d user lookups, want 1 for the known user plus 1 to %d for the unknown one", got, callers)
	}
	srv.ResetCounts()
	if _, err := c.GetUser(context.Background(), admin); err != nil {
		t.Fatal(err)
	}
	if got := srv.Requests("GET /api/engine/v2/users/{id}"); got != 0 {
		t.Errorf("a cached user was looked up again (%d requests)", got)
	}
}

// A caller waiting for another's lookup gives up with its own context.
func TestUserLookupWaitHonoursContext(t *testing.T) {
	srv, _, c := newBenchServer(t)
	srv.SetLatency(500 * time.Millisecond)
	admin := srv.Seed().Admin.ID
	go func() { _, _ = c.GetUser(context.Background(), admin) }()
	time.Sleep(50 * time.Millisecond) // the first lookup is in flight
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.GetUser(ctx, admin); err == nil {
		t.Fatal("GetUser succeeded with an expired context")
	}
	if d := time.Since(start); d > 400*time.Millisecond {
		t.Errorf("GetUser waited %s past its context", d)
	}
}
