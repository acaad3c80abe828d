package placeos_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// Secrets used by the tests. Each is distinctive, so a leak into an error string is easy to spot.
const (
	testAPIKey       = "0f0e0d0c0b0a09080706050403020100.SECRET-api-key-value" //nolint:gosec // G101: fake credentials, made to be spotted when they leak
	testAccessToken  = "SECRET-static-access-token"
	testPassword     = "SECRET-hunter2-password"
	testClientSecret = "SECRET-client-secret"
)

// secrets is every credential a test client may hold.
var secrets = []string{testAPIKey, testAccessToken, testPassword, testClientSecret}

// newClient builds a client for url with an API key, three fast retries and a short timeout.
// opts adjust the Config before New is called.
func newClient(t *testing.T, url string, opts ...func(*placeos.Config)) *placeos.Client {
	t.Helper()
	cfg := placeos.Config{
		URL:            url,
		APIKey:         testAPIKey,
		MaxRetries:     3,
		RetryWaitMin:   time.Millisecond,
		RetryWaitMax:   5 * time.Millisecond,
		RequestTimeout: 10 * time.Second,
	}
	for _, o := range opts {
		o(&cfg)
	}
	c, err := placeos.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func withMaxRetries(n int) func(*placeos.Config) {
	return func(c *placeos.Config) { c.MaxRetries = n }
}

// writeJSON answers with a JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// dropConnection closes the connection under a handler without answering, with a TCP reset
// where it can (SO_LINGER 0), as a crashed proxy or a cut network would.
func dropConnection(t *testing.T, w http.ResponseWriter) {
	t.Helper()
	hj, ok := w.(http.Hijacker)
	if !ok {
		t.Errorf("response writer cannot be hijacked")
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// asAPIError fails the test unless err is (or wraps) an *APIError.
func asAPIError(t *testing.T, err error) *placeos.APIError {
	t.Helper()
	var apiErr *placeos.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an *APIError, got %T: %v", err, err)
	}
	return apiErr
}

// assertNoSecret fails the test when any credential appears in s.
func assertNoSecret(t *testing.T, s string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("secret %q leaked into %q", secret, s)
		}
	}
}

// userJSON is a minimal user as /users/{id} answers it.
func userJSON(id string) map[string]any { //nolint:unparam // every test uses user-1 today; the id keeps the fixture readable
	return map[string]any{"id": id, "email": id + "@example.com", "name": "User " + id, "authority_id": "authority-1"}
}

// hitLog records requests a test server received.
type hitLog struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (h *hitLog) add(r *http.Request) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.reqs = append(h.reqs, r.Clone(context.Background())) // headers and URL only; bodies are read by handlers
	return len(h.reqs)
}

func (h *hitLog) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.reqs)
}

func (h *hitLog) all() []*http.Request {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]*http.Request(nil), h.reqs...)
}

// The in-memory PlaceOS API (placeostest) with a client of it, for the benchmarks and the
// tests that need a whole server.

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

func newInMemoryClient(tb testing.TB) (*placeostest.Server, *countingListener, *placeos.Client) {
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

// keyLifecycle creates, reads and deletes one key: the requests behind `terraform apply`,
// `plan` and `destroy` of one placeos_api_key.
func keyLifecycle(ctx context.Context, c *placeos.Client, userID, name string) error {
	k, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{
		Name: name, Description: "bench", UserID: userID, Scopes: []string{"public"}, Permissions: "user",
	})
	if err != nil {
		return err
	}
	if _, err := c.GetAPIKey(ctx, k.ID); err != nil {
		return err
	}
	return c.DeleteAPIKey(ctx, k.ID)
}

// currentUserID is the id of the user the client's credentials act as.
func currentUserID(tb testing.TB, c *placeos.Client) string {
	tb.Helper()
	u, err := c.CurrentUser(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return u.ID
}

// concurrently runs f in n goroutines at once and reports each error.
func concurrently(t *testing.T, n int, f func() error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			if err := f(); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
