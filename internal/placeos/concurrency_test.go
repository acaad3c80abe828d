package placeos_test

// Concurrent callers, as Terraform's -parallelism makes them: connections are kept alive and
// reused, and lookups of one user are shared.

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// One connection per concurrent caller, reused: Terraform runs up to -parallelism operations
// at once, and a TCP (and TLS) handshake per request would cost more than the request.
func TestConnectionsAreReused(t *testing.T) {
	srv, ln, c := newInMemoryClient(t)
	ctx := context.Background()
	userID := currentUserID(t, c)
	const workers, perWorker = 10, 20
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < perWorker; i++ {
				if err := keyLifecycle(ctx, c, userID, fmt.Sprintf("reuse-%d-%d", w, i)); err != nil {
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

// Keys of one user created in parallel look the user up once, not once per concurrent create.
func TestConcurrentUserLookupsShareOneRequest(t *testing.T) {
	srv, _, c := newInMemoryClient(t)
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
	srv, _, c := newInMemoryClient(t)
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
