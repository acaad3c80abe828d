package placeos_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
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
