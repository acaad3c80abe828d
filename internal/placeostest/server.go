package placeostest

import (
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// Server is an in-memory PlaceOS. All methods are safe for concurrent use.
type Server struct {
	ts       *httptest.Server
	mux      *http.ServeMux
	handler  http.Handler
	patterns []string // every route pattern, to catch typos in the hooks

	// Construction-time settings, never changed once serving.
	listener   net.Listener
	requestLog func(method, path string, status int)

	mu           sync.Mutex
	st           *store
	seed         Seed
	clock        func() time.Time
	lastRead     time.Time // the clock's latest reading, for the Date header
	tokenTTL     time.Duration
	ignoreExpiry bool
	latency      time.Duration
	counts       map[string]int
	faults       faultState
}

// Option configures a Server at construction. A nil Option is ignored.
type Option func(*Server)

// WithClock sets the clock before seeding, so seeded timestamps use it too.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.clock = now
		}
	}
}

// WithTokenTTL sets the OAuth access token lifetime (default 2h).
func WithTokenTTL(d time.Duration) Option { return func(s *Server) { s.tokenTTL = d } }

// WithLatency delays every response by d.
func WithLatency(d time.Duration) Option { return func(s *Server) { s.latency = d } }

// WithIgnoreExpiry simulates a server older than June 2026 (see SetIgnoreExpiry).
func WithIgnoreExpiry() Option { return func(s *Server) { s.ignoreExpiry = true } }

// WithRequestLog calls fn once per request after it is answered. status is 0
// when the connection was closed without a response. fn sees only the method
// and path, never a query string, header or body, so no secret can reach it.
func WithRequestLog(fn func(method, path string, status int)) Option {
	return func(s *Server) { s.requestLog = fn }
}

// WithListener serves on l instead of a fresh 127.0.0.1:0 listener (for the
// standalone server's -listen flag). The server closes l on Close.
func WithListener(l net.Listener) Option { return func(s *Server) { s.listener = l } }

// NewServer starts an in-memory PlaceOS over plain HTTP on loopback.
func NewServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts.Start()
	return s
}

// NewTLSServer starts an in-memory PlaceOS over HTTPS. Its certificate is
// valid for 127.0.0.1, ::1 and localhost (httptest's own lacks localhost, which
// OtherURL needs); CACertPEM returns it for the provider's ca_cert.
func NewTLSServer(opts ...Option) *Server {
	s := newServer(opts)
	s.ts.TLS = newTLSConfig()
	s.ts.StartTLS()
	return s
}

func newServer(opts []Option) *Server {
	s := &Server{
		st:       newStore(),
		clock:    time.Now,
		tokenTTL: 2 * time.Hour,
		counts:   map[string]int{},
	}
	for _, o := range opts {
		if o != nil {
			o(s)
		}
	}
	s.faults.init()
	s.mux = http.NewServeMux()
	s.routes()
	s.handler = http.HandlerFunc(s.serveHTTP)
	s.seedData()

	s.ts = httptest.NewUnstartedServer(s.handler)
	if s.listener != nil {
		_ = s.ts.Listener.Close()
		s.ts.Listener = s.listener
	}
	return s
}

// Close shuts the listener down and waits for requests in flight.
func (s *Server) Close() { s.ts.Close() }

// URL is the base URL on 127.0.0.1, the primary domain's host name.
func (s *Server) URL() string { return s.ts.URL }

// OtherURL is the same listener reached as localhost, the second domain's host name.
func (s *Server) OtherURL() string {
	scheme, rest, _ := strings.Cut(s.ts.URL, "://")
	_, port, err := net.SplitHostPort(rest)
	if err != nil {
		return ""
	}
	return scheme + "://localhost:" + port
}

// Handler is the server's whole HTTP handler, for serving it elsewhere.
func (s *Server) Handler() http.Handler { return s.handler }

// Client is an *http.Client that trusts the server's certificate (when TLS).
func (s *Server) Client() *http.Client { return s.ts.Client() }

// CACertPEM is the PEM of the certificate to trust for NewTLSServer (what
// the provider's ca_cert takes); "" for plain HTTP.
func (s *Server) CACertPEM() string {
	c := s.ts.Certificate()
	if c == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// Seed returns the seeded records and credentials.
func (s *Server) Seed() Seed {
	s.mu.Lock()
	defer s.mu.Unlock()
	sd := s.seed
	sd.Domain, sd.OtherDomain = sd.Domain.clone(), sd.OtherDomain.clone()
	sd.Admin, sd.Support, sd.Panel, sd.OtherPanel = sd.Admin.clone(), sd.Support.clone(), sd.Panel.clone(), sd.OtherPanel.clone()
	return sd
}

// SetClock replaces the clock the server reads all times from (nil: time.Now).
func (s *Server) SetClock(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if now == nil {
		now = time.Now
	}
	s.clock = now
}

// SetTokenTTL sets the lifetime (expires_in) of OAuth access tokens issued from now on.
func (s *Server) SetTokenTTL(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenTTL = d
}

// SetLatency delays every response by d.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// SetIgnoreExpiry simulates a server older than June 2026: expires_at in
// request bodies is silently ignored, never returned and never enforced.
func (s *Server) SetIgnoreExpiry(ignore bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ignoreExpiry = ignore
}

// now reads the clock; callers hold s.mu.
func (s *Server) now() time.Time {
	t := s.clock()
	s.lastRead = t
	return t
}

// Route patterns: the request counters and fault hooks are keyed by these.
const (
	routeKeysIndex     = "GET /api/engine/v2/api_keys"
	routeKeysCreate    = "POST /api/engine/v2/api_keys"
	routeKeysInspect   = "GET /api/engine/v2/api_keys/inspect"
	routeKeysShow      = "GET /api/engine/v2/api_keys/{id}"
	routeKeysPatch     = "PATCH /api/engine/v2/api_keys/{id}"
	routeKeysPut       = "PUT /api/engine/v2/api_keys/{id}"
	routeKeysDelete    = "DELETE /api/engine/v2/api_keys/{id}"
	routeDomainsIndex  = "GET /api/engine/v2/domains"
	routeDomainsShow   = "GET /api/engine/v2/domains/{id}"
	routeDomainsLookup = "GET /api/engine/v2/domains/lookup/{email}"
	routeUsersIndex    = "GET /api/engine/v2/users"
	routeUsersCurrent  = "GET /api/engine/v2/users/current"
	routeUsersShow     = "GET /api/engine/v2/users/{id}"
	routeScopes        = "GET /api/engine/v2/scopes"
	routeOAuthToken    = "POST /auth/oauth/token" //nolint:gosec // G101: a route, not a credential
	routeAuthority     = "GET /auth/authority"
)

func (s *Server) routes() {
	s.route(routeKeysIndex, s.keysIndex)
	s.route(routeKeysCreate, s.keysCreate)
	s.route(routeKeysInspect, s.keysInspect)
	s.route(routeKeysShow, s.keysShow)
	s.route(routeKeysPatch, s.keysUpdate)
	s.route(routeKeysPut, s.keysUpdate)
	s.route(routeKeysDelete, s.keysDelete)
	s.route(routeDomainsIndex, s.domainsIndex)
	s.route(routeDomainsShow, s.domainsShow)
	s.route(routeDomainsLookup, s.domainsLookup)
	s.route(routeUsersIndex, s.usersIndex)
	s.route(routeUsersCurrent, s.usersCurrent)
	s.route(routeUsersShow, s.usersShow)
	s.route(routeScopes, s.scopesIndex)
	s.route(routeOAuthToken, s.oauthToken)
	s.route(routeAuthority, s.authority)
}

// request is what a route handler sees: the request and its already-read body.
type request struct {
	*http.Request
	body    []byte
	bodyErr error
}

// response is what a route handler returns; it is rendered after s.mu is released.
type response struct {
	status int
	body   []byte // nil means an empty body
	header http.Header
	// serverError renders the production 500: "{}" if the client accepts
	// JSON, otherwise an empty text/plain body.
	serverError bool
}

const maxBody = 1 << 20

// route registers a handler that runs under s.mu, after counting the request
// and giving the fault hooks their turn.
func (s *Server) route(pattern string, h func(*request) response) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		switch f := s.takeFault(pattern); f.kind {
		case faultStatus:
			writeFault(w, f.status)
		case faultReset:
			closeConnection(w)
		case faultLoseResponse:
			// The request is carried out; only its answer is lost.
			s.runRoute(httptest.NewRecorder(), r, h)
			closeConnection(w)
		default:
			s.runRoute(w, r, h)
		}
	})
}

func (s *Server) runRoute(w http.ResponseWriter, r *http.Request, h func(*request) response) {
	rq := &request{Request: r}
	// Read the body before taking the lock, so a slow client cannot stall others.
	if r.Body != nil {
		rq.body, rq.bodyErr = io.ReadAll(io.LimitReader(r.Body, maxBody))
	}
	s.mu.Lock()
	s.lastRead = time.Time{}
	resp := h(rq)
	// Date on the server's clock, as every created_at is (clients map times through it): the
	// time the handler read, so that a test clock is not read once more per request.
	date := s.lastRead
	if date.IsZero() {
		date = s.now()
	}
	s.mu.Unlock()
	w.Header().Set("Date", date.UTC().Format(http.TimeFormat))
	resp.write(w, r)
}

func (resp response) write(w http.ResponseWriter, r *http.Request) {
	for k, v := range resp.header {
		w.Header()[k] = v
	}
	if resp.serverError {
		if strings.Contains(r.Header.Get("Accept"), "application/json") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = w.Write([]byte("{}"))
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	if resp.body != nil {
		w.Header().Set("Content-Type", "application/json")
	}
	w.WriteHeader(resp.status)
	if resp.body != nil {
		_, _ = w.Write(resp.body)
	}
}

// serveHTTP is the outer handler: request id, latency, trailing slash, logging.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rid := r.Header.Get("X-Request-ID")
	if rid == "" {
		rid = newRequestID()
	}
	w.Header().Set("X-Request-ID", rid)

	sw := &statusWriter{ResponseWriter: w}
	if s.requestLog != nil {
		path := r.URL.Path
		// Deferred so that a connection aborted by a fault is logged too.
		defer func() { s.requestLog(r.Method, path, sw.status) }()
	}

	s.mu.Lock()
	delay := s.latency
	s.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.mux.ServeHTTP(sw, trimTrailingSlash(r))
}

// trimTrailingSlash lets "/api/engine/v2/api_keys/" reach the same route (and
// the same counter) as "/api/engine/v2/api_keys", as on the real server.
func trimTrailingSlash(r *http.Request) *http.Request {
	p := r.URL.Path
	if len(p) <= 1 || !strings.HasSuffix(p, "/") {
		return r
	}
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path = strings.TrimSuffix(p, "/")
	u.RawPath = strings.TrimSuffix(u.RawPath, "/")
	r2.URL = &u
	return r2
}

func newRequestID() string {
	h := randomHex(16)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// statusWriter records the status for the request log; Unwrap keeps Hijack reachable.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
