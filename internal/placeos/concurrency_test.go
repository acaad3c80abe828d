package placeos_test

// Concurrent callers, as Terraform's -parallelism makes them: connections are kept alive and
// reused, and lookups of one user are shared.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
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

// doneSignal is a context that reports the first call of its Done method: a caller that waits
// for another's lookup selects on Done, and so does a request of its own in the transport.
type doneSignal struct {
	context.Context
	once   sync.Once
	called chan struct{}
}

func newDoneSignal(ctx context.Context) *doneSignal {
	return &doneSignal{Context: ctx, called: make(chan struct{})}
}

func (d *doneSignal) Done() <-chan struct{} {
	d.once.Do(func() { close(d.called) })
	return d.Context.Done()
}

// cancelWhileWaiting runs call with a context that it cancels once call waits on it (while
// the request call waits for is held), and checks that call returns that cancellation.
func cancelWhileWaiting(t *testing.T, call func(ctx context.Context) error) {
	t.Helper()
	cancelled, cancel := context.WithCancel(t.Context())
	defer cancel()
	ctx := newDoneSignal(cancelled)
	done := make(chan error, 1)
	go func() { done <- call(ctx) }()
	// A failure guard only: a caller stuck behind a lock never selects on its context.
	guard := time.NewTimer(10 * time.Second)
	defer guard.Stop()
	select {
	case <-ctx.called:
	case <-guard.C:
		t.Error("the caller never waited on its context: it is blocked behind the request in flight")
		return
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("the waiting caller returned %v, want its own cancellation", err)
	}
}

// blockedUserServer answers /users/{id}: the first request waits for release and answers the
// shared user; any later one answers at once with another, so that a caller that did not wait
// for the first request is seen.
func blockedUserServer(t *testing.T) (url string, arrived, release chan struct{}, requests func() int) {
	arrived, release = make(chan struct{}), make(chan struct{})
	srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			close(arrived)
			<-release
			writeJSON(w, http.StatusOK, userJSON("user-1"))
			return
		}
		writeJSON(w, http.StatusOK, userJSON("user-not-shared"))
	})
	return srv.URL, arrived, release, hits.count
}

// Callers that ask for a user while another's lookup of it is in flight wait for that one
// request: the first request is held until every caller is waiting, and all get its answer.
func TestConcurrentUserLookupsShareOneRequest(t *testing.T) {
	url, arrived, release, requests := blockedUserServer(t)
	c := newClient(t, url)
	const callers = 10
	results := make(chan error, callers+1)
	lookup := func(ctx context.Context) {
		u, err := c.GetUser(ctx, "user-1")
		if err == nil && u.ID != "user-1" {
			err = fmt.Errorf("got user %s: this caller did not wait for the lookup in flight", u.ID)
		}
		results <- err
	}
	go lookup(t.Context())
	<-arrived
	for range callers {
		ctx := newDoneSignal(t.Context())
		go lookup(ctx)
		<-ctx.called // waiting (or, were the waiting path broken, sending a request of its own)
	}
	close(release)
	for range callers + 1 {
		if err := <-results; err != nil {
			t.Error(err)
		}
	}
	if n := requests(); n != 1 {
		t.Errorf("%d user lookups for %d concurrent callers, want 1", n, callers+1)
	}
	// The answer is kept: a later call asks nothing.
	if _, err := c.GetUser(t.Context(), "user-1"); err != nil || requests() != 1 {
		t.Errorf("a cached user was looked up again (%d requests, %v)", requests(), err)
	}
}

// A caller waiting for another's lookup gives up with its own context, while that lookup is
// still in flight; the lookup itself goes on and its answer is kept.
func TestUserLookupWaitHonoursContext(t *testing.T) {
	url, arrived, release, requests := blockedUserServer(t)
	c := newClient(t, url)
	first := make(chan error, 1)
	go func() {
		_, err := c.GetUser(t.Context(), "user-1")
		first <- err
	}()
	<-arrived
	cancelWhileWaiting(t, func(ctx context.Context) error { _, err := c.GetUser(ctx, "user-1"); return err })
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the first lookup: %v", err)
	}
	if n := requests(); n != 1 {
		t.Errorf("%d requests, want 1", n)
	}
}

// A failed lookup is shared by the callers that waited for it, and not kept: the next call
// asks again.
func TestFailedUserLookupIsNotKept(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "not found"})
	})
	c := newClient(t, srv.URL)
	for i := 1; i <= 2; i++ {
		if _, err := c.GetUser(t.Context(), "user-x"); !placeos.IsNotFound(err) || hits.count() != i {
			t.Errorf("call %d: %v after %d requests, want a 404 after %d", i, err, hits.count(), i)
		}
	}
}
