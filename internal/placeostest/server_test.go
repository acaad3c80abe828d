package placeostest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test helpers shared by every test file.

func newTestServer(t *testing.T, opts ...Option) *Server {
	t.Helper()
	s := NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

// newFakeClock is a Clock at a fixed time, for SetClock and WithClock.
func newFakeClock() *Clock { return NewClock(time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)) }

type call struct {
	method, path string
	base         string // default s.URL()
	body         any    // string or []byte are sent raw; anything else as JSON
	key          string // X-API-Key
	bearer       string
	header       map[string]string
}

type result struct {
	status int
	header http.Header
	body   []byte
}

func do(t *testing.T, s *Server, c call) result {
	t.Helper()
	r, err := doErr(s, c)
	if err != nil {
		t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	return r
}

func doErr(s *Server, c call) (result, error) {
	base := c.base
	if base == "" {
		base = s.URL()
	}
	var body io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			return result{}, err
		}
		body = bytes.NewReader(j)
	}
	method := c.method
	if method == "" {
		method = http.MethodGet
	}
	req, err := http.NewRequest(method, base+c.path, body)
	if err != nil {
		return result{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
		if k == "Host" {
			req.Host = v
		}
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	return result{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decoding %q: %v", r.body, err)
	}
}

func (r result) object(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	r.decode(t, &m)
	return m
}

// str asserts that v is a string.
func str(t *testing.T, v any) string {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v (%T) is not a string", v, v)
	}
	return s
}

func expectStatus(t *testing.T, r result, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status = %d, want %d; body %s", r.status, want, r.body)
	}
}

func expectBody(t *testing.T, r result, want string) {
	t.Helper()
	if got := string(r.body); got != want {
		t.Fatalf("body = %q, want %q", got, want)
	}
}

// ---------------------------------------------------------------------------

func TestSeed(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	if sd.Domain.DomainName != "127.0.0.1" || sd.Domain.Name != "Local Campus" || sd.Domain.EmailDomains[0] != "example.com" {
		t.Errorf("primary domain = %+v", sd.Domain)
	}
	if sd.OtherDomain.DomainName != "localhost" || sd.OtherDomain.Name != "Second Site" || sd.OtherDomain.EmailDomains[0] != "second.example" {
		t.Errorf("other domain = %+v", sd.OtherDomain)
	}
	if !sd.Admin.SysAdmin || !sd.Support.Support || sd.Panel.SysAdmin || sd.Panel.Support {
		t.Errorf("user flags wrong: admin %v support %v panel %v/%v", sd.Admin.SysAdmin, sd.Support.Support, sd.Panel.SysAdmin, sd.Panel.Support)
	}
	if sd.OtherPanel.AuthorityID != sd.OtherDomain.ID || sd.Panel.AuthorityID != sd.Domain.ID {
		t.Errorf("users in wrong domains")
	}
	for _, id := range []string{sd.Domain.ID, sd.OtherDomain.ID, sd.Admin.ID, sd.Panel.ID} {
		if !validID(id) {
			t.Errorf("id %q does not look like a PlaceOS id", id)
		}
	}
	for _, u := range []User{sd.Admin, sd.Support, sd.Panel, sd.OtherPanel} {
		for _, v := range []string{u.PasswordDigest, u.AccessToken, u.RefreshToken, u.CardNumber} {
			if !strings.Contains(v, "SENSITIVE") {
				t.Errorf("user %s sensitive field %q lacks a recognisable marker", u.Email, v)
			}
		}
	}
	if !strings.Contains(str(t, sd.Domain.Internals["sso_secret"]), "internals-SENSITIVE-") {
		t.Errorf("internals = %v", sd.Domain.Internals)
	}
	for _, k := range []string{sd.AdminAPIKey, sd.SupportAPIKey, sd.UserAPIKey} {
		id, secret, _ := strings.Cut(k, ".")
		if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" || len(secret) != 43 {
			t.Errorf("key %q: want 32 hex id and 43-char secret", k)
		}
		if !s.Authenticates(k) || !s.SeededAPIKey(id) {
			t.Errorf("seeded key %s not accepted", id)
		}
	}
	if sd.OAuthClientID == "" || sd.OAuthClientSecret == "" || sd.PublicClientID == "" || sd.AdminPassword == "" {
		t.Errorf("missing OAuth seed: %+v", sd)
	}
	// Two servers do not share secrets.
	if other := newTestServer(t); other.Seed().AdminAPIKey == sd.AdminAPIKey {
		t.Errorf("two servers share an admin key")
	}
}

func validID(id string) bool {
	prefix, rest, ok := strings.Cut(id, "-")
	if !ok || (prefix != "user" && prefix != "authority") || len(rest) != 10 {
		return false
	}
	for _, r := range rest {
		if !strings.ContainsRune(idAlphabet, r) {
			return false
		}
	}
	return true
}

func TestURLs(t *testing.T) {
	s := newTestServer(t)
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL = %q", s.URL())
	}
	if want := strings.Replace(s.URL(), "127.0.0.1", "localhost", 1); s.OtherURL() != want {
		t.Errorf("OtherURL = %q, want %q", s.OtherURL(), want)
	}
	if s.CACertPEM() != "" {
		t.Errorf("plain HTTP server has a CA cert")
	}
}

func TestAuthenticationErrors(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	keyID, _, _ := strings.Cut(sd.AdminAPIKey, ".")
	expiring, expiringKey := s.CreateAPIKey(APIKey{Name: "soon gone", UserID: sd.Admin.ID, Permissions: "admin"})
	s.ExpireAPIKey(expiring.ID)

	tests := []struct {
		name    string
		c       call
		status  int
		wantErr string
	}{
		{"no credentials", call{path: "/api/engine/v2/api_keys"}, 401, ""},
		{"unknown key id", call{path: "/api/engine/v2/api_keys", key: strings.Repeat("0", 32) + ".x"}, 401, "unknown X-API-Key"},
		{"wrong secret", call{path: "/api/engine/v2/api_keys", key: keyID + ".wrong"}, 401, "unknown X-API-Key"},
		{"no dot", call{path: "/api/engine/v2/api_keys", key: keyID}, 401, "unknown X-API-Key"},
		{"expired key", call{path: "/api/engine/v2/api_keys", key: expiringKey}, 401, "API key has expired"},
		{"unknown bearer", call{path: "/api/engine/v2/api_keys", bearer: "nope"}, 401, "Signature verification failed"},
		{"unknown host", call{path: "/api/engine/v2/api_keys", key: sd.AdminAPIKey, header: map[string]string{"Host": "evil.example"}}, 401, "authority not found"},
		{"key in query", call{path: "/api/engine/v2/api_keys?api-key=" + sd.AdminAPIKey}, 200, ""},
		{"other domain host works with a key from the first", call{base: s.OtherURL(), path: "/api/engine/v2/api_keys", key: sd.AdminAPIKey}, 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, tc.c)
			expectStatus(t, r, tc.status)
			if tc.status == 401 {
				if got := r.object(t)["error"]; got != tc.wantErr {
					t.Errorf("error = %q, want %q", got, tc.wantErr)
				}
			}
		})
	}
	if s.Authenticates(expiringKey) {
		t.Errorf("Authenticates accepted an expired key")
	}
	if s.Authenticates(keyID + ".wrong") {
		t.Errorf("Authenticates accepted a wrong secret")
	}
}

func TestRequestIDAndContentType(t *testing.T) {
	s := newTestServer(t)
	r := do(t, s, call{path: "/api/engine/v2/api_keys", header: map[string]string{"X-Request-ID": "abc-123"}})
	if got := r.header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("echoed X-Request-ID = %q", got)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	r1 := do(t, s, call{path: "/api/engine/v2/nothing-here"})
	r2 := do(t, s, call{path: "/api/engine/v2/nothing-here"})
	if r1.header.Get("X-Request-ID") == "" || r1.header.Get("X-Request-ID") == r2.header.Get("X-Request-ID") {
		t.Errorf("generated request ids %q and %q", r1.header.Get("X-Request-ID"), r2.header.Get("X-Request-ID"))
	}
}

func TestTrailingSlashSharesRouteAndCounter(t *testing.T) {
	s := newTestServer(t)
	key := s.Seed().AdminAPIKey
	expectStatus(t, do(t, s, call{path: "/api/engine/v2/api_keys/", key: key}), 200)
	expectStatus(t, do(t, s, call{path: "/api/engine/v2/api_keys", key: key}), 200)
	expectStatus(t, do(t, s, call{path: "/api/engine/v2/domains/", key: key}), 200)
	if n := s.Requests("GET /api/engine/v2/api_keys"); n != 2 {
		t.Errorf("GET /api_keys counted %d, want 2", n)
	}
	counts := s.RequestCounts()
	if counts["GET /api/engine/v2/domains"] != 1 || len(counts) != 2 {
		t.Errorf("RequestCounts = %v", counts)
	}
	counts["GET /api/engine/v2/domains"] = 99 // a copy: must not change the server
	if s.Requests("GET /api/engine/v2/domains") != 1 {
		t.Errorf("RequestCounts returned the live map")
	}
	s.ResetCounts()
	if len(s.RequestCounts()) != 0 {
		t.Errorf("ResetCounts left %v", s.RequestCounts())
	}
}

func TestScopesEndpoint(t *testing.T) {
	s := newTestServer(t)
	expectStatus(t, do(t, s, call{path: "/api/engine/v2/scopes"}), 401)
	r := do(t, s, call{path: "/api/engine/v2/scopes", key: s.Seed().UserAPIKey})
	expectStatus(t, r, 200)
	var names []string
	r.decode(t, &names)
	for _, want := range []string{"api_keys", "domains", "users"} {
		if !strings.Contains(strings.Join(names, ","), want) {
			t.Errorf("scopes %v lack %s", names, want)
		}
	}
}

func TestWithRequestLog(t *testing.T) {
	type entry struct {
		method, path string
		status       int
	}
	var mu sync.Mutex
	var got []entry
	s := newTestServer(t, WithRequestLog(func(m, p string, st int) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, entry{m, p, st})
	}))
	key := s.Seed().AdminAPIKey
	do(t, s, call{path: "/api/engine/v2/api_keys?api-key=" + key})
	s.ResetNext(routeKeysIndex, 1)
	_, _ = doErr(s, call{path: "/api/engine/v2/api_keys", key: key})
	// A hijacked connection is logged when its handler returns, which may be
	// after the client has seen the error, and after Go's transport has
	// retried the GET by itself: wait for the reset entry, in any position.
	hasReset := func() bool {
		mu.Lock()
		defer mu.Unlock()
		return slices.Contains(got, entry{"GET", "/api/engine/v2/api_keys", 0})
	}
	for deadline := time.Now().Add(5 * time.Second); !hasReset() && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) < 2 || got[0] != (entry{"GET", "/api/engine/v2/api_keys", 200}) || !slices.Contains(got, entry{"GET", "/api/engine/v2/api_keys", 0}) {
		t.Errorf("log = %+v, want a 200 entry, then an entry with status 0 for the reset", got)
	}
}

func TestNilOptionIgnored(t *testing.T) {
	s := newTestServer(t, nil, WithTokenTTL(time.Minute), nil)
	if s.tokenTTL != time.Minute {
		t.Errorf("tokenTTL = %v", s.tokenTTL)
	}
}

// Terraform runs up to 32 requests at once: hammer every kind of route in
// parallel; -race does the checking, the counts check nothing was lost.
func TestConcurrentRequests(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	const n = 32
	var wg sync.WaitGroup
	errs := make(chan error, n*4)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := map[string]any{"name": "concurrent-" + strings.Repeat("x", i+1), "user_id": sd.Panel.ID}
			r, err := doErr(s, call{method: "POST", path: "/api/engine/v2/api_keys", key: sd.AdminAPIKey, body: body})
			if err != nil || r.status != 201 {
				errs <- fmt.Errorf("create: status %d, err %v", r.status, err)
				return
			}
			var k struct{ ID string }
			_ = json.Unmarshal(r.body, &k)
			for _, c := range []call{
				{path: "/api/engine/v2/api_keys?limit=5", key: sd.AdminAPIKey},
				{method: "PATCH", path: "/api/engine/v2/api_keys/" + k.ID, key: sd.AdminAPIKey, body: map[string]any{"description": "d"}},
				{path: "/api/engine/v2/users/current", key: sd.UserAPIKey},
			} {
				if _, err := doErr(s, c); err != nil {
					errs <- err
				}
			}
			_ = s.APIKeys()
			s.ExpireAPIKey(k.ID)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent request failed: %v", err)
	}
	if got := len(s.APIKeys()); got != n+3 {
		t.Errorf("keys = %d, want %d", got, n+3)
	}
	if got := s.Requests(routeKeysCreate); got != n {
		t.Errorf("create count = %d, want %d", got, n)
	}
}

func TestWithListenerAndHandler(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, WithListener(l))
	if want := "http://" + l.Addr().String(); s.URL() != want {
		t.Errorf("URL = %q, want %q", s.URL(), want)
	}
	expectStatus(t, do(t, s, call{path: "/auth/authority"}), 200)

	// Handler serves the same state elsewhere.
	other := httptest.NewServer(s.Handler())
	defer other.Close()
	resp, err := http.Get(other.URL + "/api/engine/v2/domains/lookup/x@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if b, _ := io.ReadAll(resp.Body); string(b) != `"127.0.0.1"` || s.Requests(routeDomainsLookup) != 1 {
		t.Errorf("via Handler: %s, count %d", b, s.Requests(routeDomainsLookup))
	}
}

func TestUnknownPatternPanics(t *testing.T) {
	s := newTestServer(t)
	for name, f := range map[string]func(){
		"FailNext":  func() { s.FailNext("POST /api/engine/v2/api_keys/", 1, 500) },
		"ResetNext": func() { s.ResetNext("GET /api_keys", 1) },
		"Requests":  func() { s.Requests("GET /api/engine/v2/apikeys") },
	} {
		func() {
			defer func() {
				if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), routeKeysCreate) {
					t.Errorf("%s with a typo: recovered %v, want a panic listing the patterns", name, r)
				}
			}()
			f()
		}()
	}
	s.FailNext(AnyRoute, 0, 0) // AnyRoute is always accepted
}
