package placeos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

func TestAPIKeyHeader(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	})
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.UserAgent = "terraform-provider-placeos/test" })
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	h := hits.all()[0].Header
	if h.Get("X-API-Key") != testAPIKey || h.Get("Authorization") != "" {
		t.Errorf("X-API-Key = %q, Authorization = %q", h.Get("X-API-Key"), h.Get("Authorization"))
	}
	if h.Get("Accept") != "application/json" || h.Get("User-Agent") != "terraform-provider-placeos/test" {
		t.Errorf("Accept = %q, User-Agent = %q", h.Get("Accept"), h.Get("User-Agent"))
	}
}

func TestAccessTokenHeader(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	})
	c := newClient(t, srv.URL, func(cfg *placeos.Config) { cfg.APIKey, cfg.AccessToken = "", testAccessToken })
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	h := hits.all()[0].Header
	if h.Get("Authorization") != "Bearer "+testAccessToken || h.Get("X-API-Key") != "" {
		t.Errorf("Authorization = %q, X-API-Key = %q", h.Get("Authorization"), h.Get("X-API-Key"))
	}
}

// A static credential that the server refuses is not retried: nothing would change.
func TestStatic401NotRetried(t *testing.T) {
	for name, opt := range map[string]func(*placeos.Config){
		"api key":      func(*placeos.Config) {},
		"access token": func(cfg *placeos.Config) { cfg.APIKey, cfg.AccessToken = "", testAccessToken },
	} {
		t.Run(name, func(t *testing.T) {
			srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "unknown X-API-Key"})
			})
			_, err := newClient(t, srv.URL, opt).GetUser(t.Context(), "user-1")
			if !placeos.IsUnauthorized(err) || hits.count() != 1 {
				t.Errorf("err = %v after %d hits, want one 401", err, hits.count())
			}
			assertNoSecret(t, err.Error())
		})
	}
}

func TestNewCredentialChecks(t *testing.T) {
	tests := []struct {
		name    string
		cfg     placeos.Config
		wantErr string
	}{
		{name: "none", cfg: placeos.Config{URL: "https://placeos.example.com"}, wantErr: "no credentials"},
		{name: "password grant without client_id", cfg: placeos.Config{URL: "https://placeos.example.com", Username: "a@example.com", Password: testPassword}, wantErr: "client_id"},
		{name: "bad URL", cfg: placeos.Config{URL: "placeos.example.com", APIKey: testAPIKey}, wantErr: "https://"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := placeos.New(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New = %v, %v; want an error mentioning %q", c, err, tt.wantErr)
			}
			assertNoSecret(t, err.Error())
		})
	}
}

// oauthServer is a PlaceOS auth service and API: tokens come from /auth/oauth/token and the API
// accepts the newest one. Each grant issues access token "access-N" and refresh token "refresh-N".
type oauthServer struct {
	t   *testing.T
	srv *httptest.Server

	mu        sync.Mutex
	forms     []url.Values // token request bodies, in order
	tokenCTs  []string     // their Content-Type headers
	issued    int
	apiAuth   []string // Authorization headers the API saw
	expiresIn int
	// tokenAnswer, when set, replaces the normal token response for a grant.
	tokenAnswer func(n int, form url.Values, w http.ResponseWriter) bool
	// apiAnswer, when set, decides the API's status for an Authorization header (default:
	// 200 for the newest token, 401 otherwise).
	apiAnswer func(auth string) int
}

func newOAuthServer(t *testing.T) *oauthServer {
	s := &oauthServer{t: t, expiresIn: 7200}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /auth/oauth/token", s.token)
	mux.HandleFunc("/api/engine/v2/", s.api)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

func (s *oauthServer) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.t.Errorf("token request body is not a form: %v", err)
	}
	s.mu.Lock()
	s.forms = append(s.forms, r.PostForm)
	s.tokenCTs = append(s.tokenCTs, r.Header.Get("Content-Type"))
	n, answer := len(s.forms), s.tokenAnswer
	s.mu.Unlock()
	if answer != nil && answer(n, r.PostForm, w) {
		return
	}
	s.mu.Lock()
	s.issued++
	id := s.issued
	expiresIn := s.expiresIn
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": fmt.Sprintf("access-%d", id), "token_type": "Bearer", "expires_in": expiresIn,
		"refresh_token": fmt.Sprintf("refresh-%d", id), "scope": "public", "created_at": 1767225600,
	})
}

func (s *oauthServer) api(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	s.mu.Lock()
	s.apiAuth = append(s.apiAuth, auth)
	newest := fmt.Sprintf("Bearer access-%d", s.issued)
	answer := s.apiAnswer
	s.mu.Unlock()
	status := http.StatusUnauthorized
	if answer != nil {
		status = answer(auth)
	} else if auth == newest {
		status = http.StatusOK
	}
	if status != http.StatusOK {
		writeJSON(w, status, map[string]string{"error": "Signature has expired"})
		return
	}
	writeJSON(w, http.StatusOK, userJSON("user-1"))
}

// holdFirstGrant holds the first token request until release is closed; arrived is closed
// when it has reached the server.
func (s *oauthServer) holdFirstGrant() (arrived, release chan struct{}) {
	arrived, release = make(chan struct{}), make(chan struct{})
	s.tokenAnswer = func(n int, _ url.Values, _ http.ResponseWriter) bool {
		if n == 1 {
			close(arrived)
			<-release
		}
		return false
	}
	return arrived, release
}

func (s *oauthServer) grants() []url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.forms)
}

func (s *oauthServer) apiCalls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.apiAuth)
}

func (s *oauthServer) client(t *testing.T, opts ...func(*placeos.Config)) *placeos.Client {
	return newClient(t, s.srv.URL, append([]func(*placeos.Config){oauthConfig}, opts...)...)
}

func TestOAuthPasswordGrant(t *testing.T) {
	s := newOAuthServer(t)
	if _, err := s.client(t).GetUser(t.Context(), "user-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	grants := s.grants()
	if len(grants) != 1 {
		t.Fatalf("token requests = %d, want 1", len(grants))
	}
	want := url.Values{
		"grant_type": {"password"}, "username": {"admin@example.com"}, "password": {testPassword},
		"scope": {"public"}, "client_id": {"app-123"}, "client_secret": {testClientSecret},
	}
	if got := grants[0]; got.Encode() != want.Encode() {
		t.Errorf("token form = %v, want %v", got, want)
	}
	s.mu.Lock()
	ct := s.tokenCTs[0]
	s.mu.Unlock()
	if ct != "application/x-www-form-urlencoded" {
		t.Errorf("token Content-Type = %q", ct)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1"}) {
		t.Errorf("API Authorization headers = %q", calls)
	}
}

func TestOAuthPublicClientSendsNoSecret(t *testing.T) {
	s := newOAuthServer(t)
	c := s.client(t, func(cfg *placeos.Config) { cfg.ClientSecret = "" })
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	if g := s.grants()[0]; g.Has("client_secret") || g.Get("client_id") != "app-123" {
		t.Errorf("token form = %v, want client_id alone", g)
	}
}

// Callers that need a token while another's token request is in flight wait for it: the token
// request is held until every other caller waits on its context, and all use its token.
func TestOAuthOneTokenForConcurrentRequests(t *testing.T) {
	const callers = 20
	s := newOAuthServer(t)
	arrived, release := s.holdFirstGrant()
	c := s.client(t)
	errs := make(chan error, callers)
	get := func(ctx context.Context) { _, err := c.GetDomain(ctx, "authority-1"); errs <- err }
	go get(t.Context())
	<-arrived
	for range callers - 1 {
		ctx := newDoneSignal(t.Context())
		go get(ctx)
		<-ctx.called // waiting for the token (or, were the waiting path broken, asking for its own)
	}
	close(release)
	for range callers {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if n := len(s.grants()); n != 1 {
		t.Errorf("token requests = %d, want exactly 1", n)
	}
	calls := s.apiCalls()
	if len(calls) != callers {
		t.Errorf("API calls = %d, want %d", len(calls), callers)
	}
	for _, a := range calls {
		if a != "Bearer access-1" {
			t.Errorf("API call with Authorization %q", a)
		}
	}
}

// A token endpoint slower than the refresh margin of the tokens it issues (expires_in 1, so a
// margin of 100 ms, and 950 ms per answer on the test clock) still gives one grant per token:
// the lifetime counts from the answer, and the token a grant returned serves the request that
// asked for it. The endpoint refuses every grant after the fifth, so that a client that keeps
// asking ends with an error instead of running until its context ends.
func TestOAuthSlowTokenEndpointShortLifetime(t *testing.T) {
	s := newOAuthServer(t)
	s.expiresIn = 1
	clock := placeostest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s.tokenAnswer = func(n int, _ url.Values, w http.ResponseWriter) bool {
		clock.Advance(950 * time.Millisecond) // the answer takes 950 ms
		if n > 5 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return true
		}
		return false
	}
	c := s.client(t, func(cfg *placeos.Config) { cfg.Now = clock.Now })
	for i := range 2 {
		if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
			t.Fatalf("GetDomain %d after %d token requests: %v", i+1, len(s.grants()), err)
		}
	}
	if n := len(s.grants()); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1", "Bearer access-1"}) {
		t.Errorf("API Authorization headers = %q, want both calls with the one token", calls)
	}

	// Once the token is inside its margin the next call renews it, once, and uses the new one.
	clock.Advance(time.Second)
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetDomain after expiry: %v", err)
	}
	if n := len(s.grants()); n != 2 {
		t.Errorf("token requests after expiry = %d, want 2", n)
	}
	if calls := s.apiCalls(); calls[len(calls)-1] != "Bearer access-2" {
		t.Errorf("API Authorization headers = %q, want the new token last", calls)
	}
}

// A token already inside its refresh margin when the grant that fetched it returns (here a
// clock that moves 950 ms at every reading, against a 1 s lifetime) still serves the request
// that asked for it, once; it is not renewed again and again before any API call is made.
func TestOAuthRenewedTokenServesItsRequest(t *testing.T) {
	s := newOAuthServer(t)
	s.expiresIn = 1
	s.tokenAnswer = func(n int, _ url.Values, w http.ResponseWriter) bool {
		if n > 5 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
			return true
		}
		return false
	}
	clock := placeostest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := s.client(t, func(cfg *placeos.Config) {
		cfg.Now = func() time.Time { clock.Advance(950 * time.Millisecond); return clock.Now() }
	})
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetDomain after %d token requests: %v", len(s.grants()), err)
	}
	if n := len(s.grants()); n != 1 {
		t.Errorf("token requests = %d, want 1", n)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1"}) {
		t.Errorf("API Authorization headers = %q, want one call with the token just fetched", calls)
	}
}

func TestOAuthRefreshBeforeExpiry(t *testing.T) {
	s := newOAuthServer(t)
	s.expiresIn = 120 // refreshed 12s (a tenth) before it expires
	clock := placeostest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := s.client(t, func(cfg *placeos.Config) { cfg.Now = clock.Now })
	get := func() {
		t.Helper()
		if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
			t.Fatalf("GetUser: %v", err)
		}
	}

	get()
	clock.Advance(100 * time.Second)
	get()
	if n := len(s.grants()); n != 1 {
		t.Fatalf("token requests after 100s = %d, want 1 (the token is still fresh)", n)
	}

	clock.Advance(10 * time.Second) // 110s: inside the refresh margin
	get()
	grants := s.grants()
	if len(grants) != 2 {
		t.Fatalf("token requests after 110s = %d, want 2", len(grants))
	}
	want := url.Values{
		"grant_type": {"refresh_token"}, "refresh_token": {"refresh-1"},
		"client_id": {"app-123"}, "client_secret": {testClientSecret},
	}
	if got := grants[1]; got.Encode() != want.Encode() {
		t.Errorf("refresh form = %v, want %v", got, want)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1", "Bearer access-1", "Bearer access-2"}) {
		t.Errorf("API Authorization headers = %q", calls)
	}

	// The next refresh uses the refresh token the last grant returned.
	clock.Advance(110 * time.Second)
	get()
	if grants := s.grants(); len(grants) != 3 || grants[2].Get("refresh_token") != "refresh-2" {
		t.Errorf("third grant = %v, want refresh_token refresh-2", grants[len(grants)-1])
	}
}

func TestOAuthRefusedRefreshFallsBackToPassword(t *testing.T) {
	s := newOAuthServer(t)
	s.expiresIn = 120
	s.tokenAnswer = func(_ int, form url.Values, w http.ResponseWriter) bool {
		if form.Get("grant_type") != "refresh_token" {
			return false
		}
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant", "error_description": "The refresh token is invalid"})
		return true
	}
	clock := placeostest.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	c := s.client(t, func(cfg *placeos.Config) { cfg.Now = clock.Now })
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	clock.Advance(115 * time.Second)
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetDomain after refresh refused: %v", err)
	}
	var types []string
	for _, g := range s.grants() {
		types = append(types, g.Get("grant_type"))
	}
	if !slices.Equal(types, []string{"password", "refresh_token", "password"}) {
		t.Errorf("grant types = %v, want password, refresh_token, password", types)
	}
	if calls := s.apiCalls(); calls[len(calls)-1] != "Bearer access-2" {
		t.Errorf("API Authorization headers = %q, want the new token last", calls)
	}
}

// A 401 from the API drops the token; the client fetches a new one and retries once.
func TestOAuth401RefetchesTokenOnce(t *testing.T) {
	s := newOAuthServer(t)
	c := s.client(t)
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	// The server revokes the token (e.g. a logout): the next call is refused once.
	s.mu.Lock()
	s.apiAnswer = func(auth string) int {
		if auth == "Bearer access-1" {
			return http.StatusUnauthorized
		}
		return http.StatusOK
	}
	s.mu.Unlock()

	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetDomain after 401: %v", err)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1", "Bearer access-1", "Bearer access-2"}) {
		t.Errorf("API Authorization headers = %q", calls)
	}
	if grants := s.grants(); len(grants) != 2 || grants[1].Get("grant_type") != "refresh_token" {
		t.Errorf("token grants = %v, want a password grant then a refresh", grants)
	}
}

func TestOAuthPersistent401TriedTwiceOnly(t *testing.T) {
	s := newOAuthServer(t)
	s.apiAnswer = func(string) int { return http.StatusUnauthorized }
	_, err := s.client(t).GetUser(t.Context(), "user-1")
	if !placeos.IsUnauthorized(err) {
		t.Fatalf("err = %v, want a 401", err)
	}
	if calls := s.apiCalls(); !slices.Equal(calls, []string{"Bearer access-1", "Bearer access-2"}) {
		t.Errorf("API Authorization headers = %q, want two calls with two tokens", calls)
	}
	if n := len(s.grants()); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
	assertNoSecret(t, err.Error())
	if strings.Contains(err.Error(), "access-") || strings.Contains(err.Error(), "refresh-") {
		t.Errorf("a token leaked into %q", err.Error())
	}
}

// The token endpoint refusing the client or the password is not an expired token: asking
// again with the same credentials cannot help, and counts as another failed login.
func TestOAuthRefusedCredentials(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        map[string]string
		wantMessage string
	}{
		{
			name: "wrong password", status: http.StatusBadRequest,
			body:        map[string]string{"error": "invalid_grant", "error_description": "The provided authorization grant is invalid"},
			wantMessage: "OAuth token request refused: invalid_grant: The provided authorization grant is invalid",
		},
		{
			name: "wrong client secret", status: http.StatusUnauthorized,
			body:        map[string]string{"error": "invalid_client", "error_description": "Client authentication failed"},
			wantMessage: "OAuth token request refused: invalid_client: Client authentication failed",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newOAuthServer(t)
			s.tokenAnswer = func(_ int, _ url.Values, w http.ResponseWriter) bool {
				writeJSON(w, tt.status, tt.body)
				return true
			}
			_, err := s.client(t).GetUser(t.Context(), "user-1")
			apiErr := asAPIError(t, err)
			if apiErr.StatusCode != tt.status || apiErr.Path != placeos.OAuthTokenPath || apiErr.Message != tt.wantMessage {
				t.Errorf("got %d %s %q", apiErr.StatusCode, apiErr.Path, apiErr.Message)
			}
			if n := len(s.grants()); n != 1 {
				t.Errorf("token requests = %d, want 1", n)
			}
			if n := len(s.apiCalls()); n != 0 {
				t.Errorf("API calls = %d without a token", n)
			}
			assertNoSecret(t, err.Error())
		})
	}
}

// No credential reaches an error string, whatever goes wrong.
func TestNoSecretsInErrors(t *testing.T) {
	const echo = testPassword + " " + testClientSecret + " " + testAPIKey + " " + testAccessToken
	tests := []struct {
		name    string
		handler http.HandlerFunc
		cfg     func(*placeos.Config)
	}{
		{
			name: "token endpoint echoes the form in an HTML page",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "text/html")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte("<html>" + echo + "</html>"))
			},
			cfg: oauthConfig,
		},
		{
			name: "token endpoint answers 200 without a token",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				writeJSON(w, http.StatusOK, map[string]string{"token_type": "Bearer", "note": echo})
			},
			cfg: oauthConfig,
		},
		{
			name: "API echoes credentials in garbage JSON",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				_, _ = w.Write([]byte(`{"error":` + echo))
			},
			cfg: func(*placeos.Config) {},
		},
		{
			name: "API echoes a bearer token in a 200 that is not JSON",
			handler: func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(echo))
			},
			cfg: func(cfg *placeos.Config) { cfg.APIKey, cfg.AccessToken = "", testAccessToken },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			_, err := newClient(t, srv.URL, tt.cfg, withMaxRetries(0)).GetUser(t.Context(), "user-1")
			if err == nil {
				t.Fatal("GetUser succeeded")
			}
			assertNoSecret(t, err.Error())
			assertNoSecret(t, fmt.Sprintf("%+v", err))
		})
	}

	t.Run("connection refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		for _, cfg := range []func(*placeos.Config){oauthConfig, func(*placeos.Config) {}} {
			_, err := newClient(t, srv.URL, cfg, withMaxRetries(1)).GetUser(t.Context(), "user-1")
			var reqErr *placeos.RequestError
			if !errors.As(err, &reqErr) {
				t.Fatalf("err = %T %v, want a *RequestError", err, err)
			}
			assertNoSecret(t, err.Error())
		}
	})
}

func oauthConfig(cfg *placeos.Config) {
	cfg.APIKey = ""
	cfg.Username, cfg.Password = "admin@example.com", testPassword
	cfg.ClientID, cfg.ClientSecret = "app-123", testClientSecret
}

// N requests refused at once with the same token cause one new grant, not N: a 401
// invalidates only the token it refused (compare and clear), and the requests retry with the
// token that the first of them fetched.
func TestOAuthConcurrent401sOneNewGrant(t *testing.T) {
	const n = 8
	s := newOAuthServer(t)
	c := s.client(t)
	if _, err := c.GetDomain(t.Context(), "authority-1"); err != nil {
		t.Fatalf("GetDomain: %v", err)
	}
	// The server revokes access-1, and answers the n requests that carry it only once all n
	// have arrived, so that all of them are refused together.
	var mu sync.Mutex
	arrived := 0
	all := make(chan struct{})
	s.mu.Lock()
	s.apiAnswer = func(auth string) int {
		if auth != "Bearer access-1" {
			return http.StatusOK
		}
		mu.Lock()
		if arrived++; arrived == n {
			close(all)
		}
		mu.Unlock()
		<-all
		return http.StatusUnauthorized
	}
	s.mu.Unlock()

	concurrently(t, n, func() error { _, err := c.GetDomain(t.Context(), "authority-1"); return err })
	if grants := s.grants(); len(grants) != 2 {
		t.Errorf("%d token requests, want 2: the first grant and one after the %d refusals", len(grants), n)
	}
	calls := s.apiCalls()
	if retried := len(calls) - 1 - n; retried != n {
		t.Errorf("%d retries after the 401s, want %d", retried, n)
	}
	for _, a := range calls[1+n:] {
		if a != "Bearer access-2" {
			t.Errorf("a retry carried %q, want the one new token", a)
		}
	}
}

// While a token request is in flight, a caller that needs the token waits for that request or
// for its own context, whichever comes first: no lock is held across the token request.
func TestOAuthTokenWaitHonoursContext(t *testing.T) {
	s := newOAuthServer(t)
	arrived, release := s.holdFirstGrant()
	c := s.client(t)
	first := make(chan error, 1)
	go func() {
		_, err := c.GetDomain(t.Context(), "authority-1")
		first <- err
	}()
	<-arrived
	cancelWhileWaiting(t, func(ctx context.Context) error { _, err := c.GetDomain(ctx, "authority-1"); return err })
	close(release)
	if err := <-first; err != nil {
		t.Errorf("the first caller: %v", err)
	}
	if n := len(s.grants()); n != 1 {
		t.Errorf("%d token requests, want 1", n)
	}
}
