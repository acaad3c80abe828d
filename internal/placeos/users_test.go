package placeos_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

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
