package placeos_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// serve starts a server whose handler sees the 1-based number of each request.
func serve(t *testing.T, handle func(n int, w http.ResponseWriter, r *http.Request)) (*httptest.Server, *hitLog) {
	t.Helper()
	hits := &hitLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handle(hits.add(r), w, r)
	}))
	t.Cleanup(srv.Close)
	return srv, hits
}

func TestRetry503ThenSuccess(t *testing.T) {
	srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n <= 2 {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "try later"})
			return
		}
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	})
	u, err := newClient(t, srv.URL).GetUser(t.Context(), "user-1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if u.ID != "user-1" {
		t.Errorf("user id = %q", u.ID)
	}
	if hits.count() != 3 {
		t.Errorf("server hits = %d, want 3", hits.count())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "slow down"})
			return
		}
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	})
	c := newClient(t, srv.URL) // backoff without the header would be a few milliseconds
	start := time.Now()
	if _, err := c.GetUser(t.Context(), "user-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if waited := time.Since(start); waited < 950*time.Millisecond {
		t.Errorf("retried after %v, want Retry-After's 1s", waited)
	}
	if hits.count() != 2 {
		t.Errorf("server hits = %d, want 2", hits.count())
	}
}

func TestRetriesExhaustedKeepLastStatus(t *testing.T) {
	srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-ID", "req-last")
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "guest access disabled"})
	})
	_, err := newClient(t, srv.URL, withMaxRetries(2)).GetUser(t.Context(), "user-1")
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != http.StatusServiceUnavailable || apiErr.Message != "guest access disabled" || apiErr.RequestID != "req-last" {
		t.Errorf("got %d %q %q, want the last 503 with its message and request id", apiErr.StatusCode, apiErr.Message, apiErr.RequestID)
	}
	if hits.count() != 3 {
		t.Errorf("server hits = %d, want 3 (one try and two retries)", hits.count())
	}
}

func TestNegativeMaxRetriesMeansNone(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
	})
	_, err := newClient(t, srv.URL, withMaxRetries(-1)).GetUser(t.Context(), "user-1")
	if asAPIError(t, err).StatusCode != http.StatusBadGateway || hits.count() != 1 {
		t.Errorf("err = %v after %d hits, want one 502", err, hits.count())
	}
}

func TestConnectionResetRetried(t *testing.T) {
	srv, hits := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		if n == 1 {
			dropConnection(t, w)
			return
		}
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	})
	u, err := newClient(t, srv.URL).GetUser(t.Context(), "user-1")
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if u.ID != "user-1" || hits.count() != 2 {
		t.Errorf("user %q after %d hits, want user-1 after 2", u.ID, hits.count())
	}
}

func TestConnectionResetExhaustedIsRequestError(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		dropConnection(t, w)
	})
	_, err := newClient(t, srv.URL, withMaxRetries(2)).GetUser(t.Context(), "user-1")
	var reqErr *placeos.RequestError
	if !errors.As(err, &reqErr) {
		t.Fatalf("want a *RequestError, got %T: %v", err, err)
	}
	if reqErr.Method != http.MethodGet || reqErr.Path != "/api/engine/v2/users/user-1" || reqErr.Err == nil {
		t.Errorf("RequestError = %+v", reqErr)
	}
	if hits.count() != 3 {
		t.Errorf("server hits = %d, want 3", hits.count())
	}
	assertNoSecret(t, err.Error())
}

func TestClientErrorsNotRetried(t *testing.T) {
	for _, status := range []int{
		http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound,
		http.StatusUnprocessableEntity, http.StatusNotImplemented,
	} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, status, map[string]string{"error": "no"})
			})
			_, err := newClient(t, srv.URL).GetUser(t.Context(), "user-1")
			if got := asAPIError(t, err).StatusCode; got != status {
				t.Errorf("StatusCode = %d, want %d", got, status)
			}
			if hits.count() != 1 {
				t.Errorf("server hits = %d, want 1", hits.count())
			}
		})
	}
}

func TestCancelledContextNotRetried(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		cancel() // the caller gives up while the server is answering
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "busy"})
	})
	// Long waits: were the retry loop to ignore the cancellation, the test would take seconds.
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.RetryWaitMin, cfg.RetryWaitMax = 2*time.Second, 2*time.Second })
	start := time.Now()
	_, err := c.GetUser(ctx, "user-1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if hits.count() != 1 {
		t.Errorf("server hits = %d, want 1", hits.count())
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("the call took %v after its context was cancelled", d)
	}
}

func TestRetryResendsTheSameBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv, hits := serve(t, func(n int, w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		if n == 1 {
			writeJSON(w, http.StatusBadGateway, map[string]string{"error": "upstream"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "k1", "name": "ci"})
	})
	name := "ci-renamed"
	if _, err := newClient(t, srv.URL).UpdateAPIKey(t.Context(), "k1", placeos.APIKeyUpdate{Name: &name}); err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if hits.count() != 2 || len(bodies) != 2 || bodies[0] != bodies[1] || bodies[0] != `{"name":"ci-renamed"}` {
		t.Errorf("bodies sent = %q, want the same partial update twice", bodies)
	}
}

// The log hook gets one line per answer and one per retry, with no headers, queries or secrets.
func TestLogHook(t *testing.T) {
	srv, _ := serve(t, func(n int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-ID", "req-log")
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("X-Total-Count", "0")
		writeJSON(w, http.StatusOK, []any{})
	})
	var mu sync.Mutex
	var lines []map[string]any
	c := newClient(t, srv.URL, func(cfg *placeos.Config) {
		cfg.Log = func(_ context.Context, msg string, fields map[string]any) {
			mu.Lock()
			defer mu.Unlock()
			f := map[string]any{"msg": msg}
			for k, v := range fields {
				f[k] = v
			}
			lines = append(lines, f)
		}
	})
	if _, err := c.ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{Query: "query-text"}); err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var retries, answers int
	for _, l := range lines {
		switch l["msg"] {
		case "retrying PlaceOS request":
			retries++
			if l["attempt"] != 2 {
				t.Errorf("retry line %v, want attempt 2", l)
			}
		case "PlaceOS response":
			answers++
			if l["request_id"] != "req-log" || l["path"] != "/api/engine/v2/api_keys" {
				t.Errorf("response line %v", l)
			}
		}
		for k, v := range l {
			s := fmt.Sprint(v)
			assertNoSecret(t, s)
			if strings.Contains(s, "query-text") || strings.Contains(s, "?") {
				t.Errorf("log field %s = %q carries a query string", k, s)
			}
		}
	}
	if retries != 1 || answers != 2 {
		t.Errorf("log lines %v: want 1 retry and 2 answers", lines)
	}
}
