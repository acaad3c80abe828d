package placeos_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// An answer above the size limit is an error that says so; it is not read to the end.
func TestResponseSizeLimit(t *testing.T) {
	srv, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = fmt.Fprintf(w, `{"id":"user-1","name":"%s"}`, strings.Repeat("x", 3<<20))
	})
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.MaxResponseBytes = 2 << 20 })
	_, err := c.GetUser(t.Context(), "user-1")
	if err == nil || !strings.Contains(err.Error(), "larger than 2 MiB") {
		t.Fatalf("err = %v, want one that says the answer is larger than 2 MiB", err)
	}
	// Below the limit, the same answer is read.
	c = newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.MaxResponseBytes = 4 << 20 })
	if _, err := c.GetUser(t.Context(), "user-1"); err != nil {
		t.Fatalf("GetUser under the limit: %v", err)
	}
}

// A listing whose pages together exceed the listing budget is an error that says so, after the
// page that crossed it: each page is under the per-answer limit, and the server would send
// full pages for ever. The same pages within the budget are read.
func TestListingSizeLimit(t *testing.T) {
	const pageBytes = 1 << 20
	listing := func(pages int) (string, *hitLog) {
		srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Total-Count", "1000000000")
			if n > pages {
				writeJSON(w, http.StatusOK, []any{})
				return
			}
			writeJSON(w, http.StatusOK, []any{map[string]any{
				"id": fmt.Sprintf("%032x", n), "name": fmt.Sprintf("key-%d", n), "description": strings.Repeat("x", pageBytes),
			}})
		})
		return srv.URL, hits
	}
	limits := func(cfg *placeos.Config) { cfg.PageSize, cfg.MaxResponseBytes, cfg.MaxListingBytes = 1, 2<<20, 3<<20 }

	url, hits := listing(1000)
	_, err := newClient(t, url, limits).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
	if err == nil || !strings.Contains(err.Error(), "the listing is larger than 3 MiB after 3 pages") || hits.count() != 3 {
		t.Errorf("after %d requests: %v; want an error that the listing is larger than 3 MiB after 3", hits.count(), err)
	}

	url, _ = listing(2)
	if keys, err := newClient(t, url, limits).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{}); err != nil || len(keys) != 2 {
		t.Errorf("%d keys (%v) from a listing within the budget; want 2", len(keys), err)
	}
}

// A Retry-After longer than the cap is not waited for: the call fails at once, after one
// request, with a message about rate limiting. Up to the cap it is honoured (see
// TestRetryAfterHonoured).
func TestRetryAfterCapped(t *testing.T) {
	for _, retryAfter := range []string{"86400", time.Now().Add(24 * time.Hour).UTC().Format(http.TimeFormat)} {
		for _, status := range []int{http.StatusTooManyRequests, http.StatusServiceUnavailable} {
			t.Run(fmt.Sprintf("%d %s", status, retryAfter), func(t *testing.T) {
				srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
					w.Header().Set("Retry-After", retryAfter)
					writeJSON(w, status, map[string]string{"error": "slow down"})
				})
				// Without a cap the client would wait a day; the deadline turns that into a failure.
				ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
				defer cancel()
				c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.RetryAfterMax = 2 * time.Second })
				_, err := c.GetUser(ctx, "user-1")
				apiErr := asAPIError(t, err)
				if apiErr.StatusCode != status || hits.count() != 1 {
					t.Errorf("status %d after %d requests, want %d after 1", apiErr.StatusCode, hits.count(), status)
				}
				for _, want := range []string{"slow down", "rate limiting", "asks to wait 24h0m0s (Retry-After), longer than the 2s"} {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q lacks %q", err, want)
					}
				}
			})
		}
	}
}

// A 429 that outlasts every retry says that PlaceOS is rate limiting.
func TestRateLimitedAfterRetries(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow down"})
	})
	_, err := newClient(t, srv.URL, withMaxRetries(2)).GetUser(t.Context(), "user-1")
	if !strings.Contains(fmt.Sprint(err), "rate limiting requests, and still was after every retry") || hits.count() != 3 {
		t.Errorf("after %d requests: %v", hits.count(), err)
	}
}

// A listing stops at a short page even when X-Total-Count promises more, stops at an empty
// page, and reads at most 1000 pages from a server that never stops sending full ones.
func TestPaginationAgainstALyingServer(t *testing.T) {
	key := func(i int) map[string]any {
		return map[string]any{"id": fmt.Sprintf("%032x", i), "name": fmt.Sprintf("key-%d", i), "user_id": "user-1"}
	}
	t.Run("short page", func(t *testing.T) {
		srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Total-Count", "1000000000")
			if n > 3 { // today's client asks on; end the test instead of answering forever
				writeJSON(w, http.StatusOK, []any{})
				return
			}
			writeJSON(w, http.StatusOK, []any{key(n)})
		})
		keys, err := newClient(t, srv.URL, withPageSize(5)).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
		if err != nil || len(keys) != 1 || hits.count() != 1 {
			t.Errorf("%d keys after %d requests (%v); want 1 after 1", len(keys), hits.count(), err)
		}
	})
	t.Run("empty page", func(t *testing.T) {
		srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Total-Count", "1000000000")
			writeJSON(w, http.StatusOK, []any{})
		})
		keys, err := newClient(t, srv.URL).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
		if err != nil || len(keys) != 0 || hits.count() != 1 {
			t.Errorf("%d keys after %d requests (%v); want 0 after 1", len(keys), hits.count(), err)
		}
	})
	t.Run("endless full pages", func(t *testing.T) {
		srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("X-Total-Count", "1000000000")
			writeJSON(w, http.StatusOK, []any{key(n)})
		})
		_, err := newClient(t, srv.URL, withPageSize(1)).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
		if err == nil || !strings.Contains(err.Error(), "more than 1000 pages") || hits.count() != 1000 {
			t.Errorf("after %d requests: %v; want an error after 1000", hits.count(), err)
		}
	})
}
