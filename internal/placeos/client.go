// Package placeos is a small client for the parts of the PlaceOS REST API that the Terraform
// provider uses: API keys, domains (authorities) and users. It knows HTTP and PlaceOS, and
// nothing about Terraform.
package placeos

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/singleflight"
)

const (
	// APIBasePath is where every PlaceOS REST route lives.
	APIBasePath = "/api/engine/v2"

	defaultRequestTimeout = 30 * time.Second
	defaultPageSize       = 500
	// maxErrorBody bounds what is read of an error response; bodies are never logged.
	maxErrorBody = 64 << 10
	// defaultMaxResponseBody bounds what is read of any answer: a page of 500 keys or users is
	// well under 1 MiB.
	defaultMaxResponseBody = 32 << 20
	// defaultMaxListingBody bounds what is read of one listing, summed over its pages: 64 MiB
	// is some hundred thousand keys or users.
	defaultMaxListingBody = 64 << 20
	// defaultRetryAfterMax is the longest Retry-After that is waited for.
	defaultRetryAfterMax = time.Minute
)

// Config is everything needed to talk to one PlaceOS domain.
type Config struct {
	// URL is the domain's base URL. Only scheme and host are used: PlaceOS resolves the
	// domain from the Host header, and every route lives under /api/engine/v2.
	URL string

	// Exactly one credential method: APIKey, AccessToken, or Username+Password+ClientID.
	APIKey       string
	AccessToken  string
	Username     string
	Password     string
	ClientID     string
	ClientSecret string

	Insecure       bool
	CACertPEM      string
	RequestTimeout time.Duration // per attempt; default 30s
	MaxRetries     int           // retries for 429, 5xx and connection errors; negative means 0
	UserAgent      string
	PageSize       int // rows per page when listing; default 500

	// RetryWaitMin and RetryWaitMax bound the backoff between retries (defaults 1s and 30s);
	// a Retry-After header on 429/503 wins, up to RetryAfterMax (default 1m): a longer one is
	// not waited for, and the call fails with a message about rate limiting.
	RetryWaitMin, RetryWaitMax, RetryAfterMax time.Duration

	// MaxResponseBytes bounds what is read of an answer (default 32 MiB); a longer answer is an
	// error.
	MaxResponseBytes int64
	// MaxListingBytes bounds what is read of one listing, summed over the bodies of its pages
	// (default 64 MiB); a longer listing is an error.
	MaxListingBytes int64

	// Now is the clock used for token expiry and create bookkeeping; default time.Now.
	Now func() time.Time

	// Log receives one line per HTTP attempt (method, path, status, request id, attempt).
	// Never a header, a body or a query string.
	Log func(ctx context.Context, msg string, fields map[string]any)
}

// Client talks to one PlaceOS domain. It is safe for concurrent use.
type Client struct {
	base *url.URL
	http *retryablehttp.Client // the retrying client every call uses, unless it brings its own
	// httpClient and the retry settings, for calls that build their own retrying client.
	httpClient                 *http.Client
	retryMax                   int
	retryWaitMin, retryWaitMax time.Duration
	// serverOffset is the server's clock minus ours, from the latest Date header (nanoseconds);
	// dateSeen says whether there was one.
	serverOffset atomic.Int64
	dateSeen     atomic.Bool
	auth         authenticator
	userAgent    string
	pageSize     int
	maxBody      int64
	maxListing   int64 // summed over a listing's pages
	// retryAfterMax is the longest Retry-After waited for.
	retryAfterMax time.Duration
	now           func() time.Time
	log           func(ctx context.Context, msg string, fields map[string]any)

	currentUserMu sync.Mutex
	currentUser   *User
	users         sync.Map           // GetUser answers by the id or email asked for
	userLookups   singleflight.Group // GetUser requests in flight

	refresh refreshBatch // batched refreshes of API keys (api_key_batch.go)
}

// ErrInvalidCACert is returned by New when Config.CACertPEM holds no certificate.
var ErrInvalidCACert = errors.New("ca_cert holds no PEM certificate; give the contents of a PEM bundle (-----BEGIN CERTIFICATE-----), not a file path")

// ErrURLUserInfo is returned by ParseBaseURL for a URL with user info (user:password@host).
var ErrURLUserInfo = errors.New("holds user info (a name or password before @), which the provider never sends " +
	"and does not repeat: remove it, and give the credentials as `api_key`, `access_token`, or `username` and `password`")

// ParseBaseURL turns what a user wrote into the scheme://host[:port] PlaceOS needs. An error
// quotes the URL only when it has no @: whatever stands before an @ may be a password.
func ParseBaseURL(raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	shown := strconv.Quote(raw)
	if strings.Contains(raw, "@") {
		shown = "the value"
	}
	u, err := url.Parse(raw)
	if err != nil {
		var detail string
		if ue := (*url.Error)(nil); errors.As(err, &ue) && !strings.Contains(raw, "@") {
			detail = ": " + ue.Err.Error()
		}
		return nil, fmt.Errorf("%s is not a valid URL%s; write it as https://placeos.example.com", shown, detail)
	}
	if u.User != nil {
		return nil, ErrURLUserInfo
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%s has no http:// or https:// scheme; write it as https://placeos.example.com", shown)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("%s has no host name; write it as https://placeos.example.com", shown)
	}
	return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
}

// IsLoopback reports whether the URL's host is a loopback address or name.
func IsLoopback(u *url.URL) bool {
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds a client. It makes no request.
func New(cfg Config) (*Client, error) {
	base, err := ParseBaseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	transport, err := newTransport(cfg)
	if err != nil {
		return nil, err
	}
	timeout := cfg.RequestTimeout
	if timeout <= 0 {
		timeout = defaultRequestTimeout
	}
	c := &Client{
		base:      base,
		userAgent: cfg.UserAgent,
		pageSize:  cfg.PageSize,
		now:       cfg.Now,
		log:       cfg.Log,
	}
	if c.pageSize <= 0 {
		c.pageSize = defaultPageSize
	}
	c.maxBody = cfg.MaxResponseBytes
	if c.maxBody <= 0 {
		c.maxBody = defaultMaxResponseBody
	}
	c.maxListing = cfg.MaxListingBytes
	if c.maxListing <= 0 {
		c.maxListing = defaultMaxListingBody
	}
	c.retryAfterMax = cfg.RetryAfterMax
	if c.retryAfterMax <= 0 {
		c.retryAfterMax = defaultRetryAfterMax
	}
	if c.now == nil {
		c.now = time.Now
	}

	// Redirects are never followed: Go would send X-API-Key and a replayed form body (password,
	// client secret) to any Location, and Authorization to another port of the same host.
	c.httpClient = &http.Client{Transport: transport, Timeout: timeout, CheckRedirect: refuseRedirect}
	c.retryMax = max(cfg.MaxRetries, 0)
	c.retryWaitMin, c.retryWaitMax = time.Second, 30*time.Second
	if cfg.RetryWaitMin > 0 {
		c.retryWaitMin = cfg.RetryWaitMin
	}
	if cfg.RetryWaitMax > 0 {
		c.retryWaitMax = cfg.RetryWaitMax
	}
	c.http = c.retryClient()

	c.auth, err = newAuthenticator(cfg, c)
	if err != nil {
		return nil, err
	}
	return c, nil
}

func newTransport(cfg Config) (*http.Transport, error) {
	t := &http.Transport{}
	if dt, ok := http.DefaultTransport.(*http.Transport); ok {
		t = dt.Clone()
	}
	// Terraform walks the graph with up to -parallelism concurrent calls; keep their
	// connections alive instead of paying a TCP/TLS handshake per request.
	t.MaxIdleConns = 100
	t.MaxIdleConnsPerHost = 64
	tlsConfig := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.Insecure {
		tlsConfig.InsecureSkipVerify = true //nolint:gosec // the user asked for it with `insecure`
	}
	if strings.TrimSpace(cfg.CACertPEM) != "" {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM([]byte(cfg.CACertPEM)) {
			return nil, ErrInvalidCACert
		}
		tlsConfig.RootCAs = pool
	}
	t.TLSClientConfig = tlsConfig
	return t, nil
}

// retryClient is a retrying client with this client's policy and hooks, on the shared
// connection pool. A call may replace hooks on its own copy (CreateAPIKey does).
func (c *Client) retryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   c.httpClient,
		Logger:       nil, // attempts are logged through Config.Log, without URLs' queries or bodies
		RetryMax:     c.retryMax,
		RetryWaitMin: c.retryWaitMin,
		RetryWaitMax: c.retryWaitMax,
		CheckRetry:   c.retryPolicy,
		Backoff:      c.backoff,
		// The last status survives the retries, so the caller can report what the server said.
		ErrorHandler:    retryablehttp.PassthroughErrorHandler,
		RequestLogHook:  c.logAttempt,
		ResponseLogHook: c.logResponse,
	}
}

// retryPolicy retries connection errors, 429 and 5xx (not 501), never a cancelled context,
// never a TLS verification failure (retrying cannot fix a certificate), and never an answer
// whose Retry-After asks for a longer wait than the client allows.
func (c *Client) retryPolicy(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		var certErr *tls.CertificateVerificationError
		var unknownAuthority x509.UnknownAuthorityError
		var hostnameErr x509.HostnameError
		if errors.As(err, &certErr) || errors.As(err, &unknownAuthority) || errors.As(err, &hostnameErr) {
			return false, nil
		}
		return retryablehttp.DefaultRetryPolicy(ctx, resp, err)
	}
	if resp.StatusCode == http.StatusTooManyRequests ||
		(resp.StatusCode >= 500 && resp.StatusCode != http.StatusNotImplemented) {
		if wait, ok := retryAfter(resp); ok && wait > c.retryAfterMax {
			return false, nil
		}
		return true, nil
	}
	return false, nil
}

// backoff waits what a 429 or 503 asks for in Retry-After (retryPolicy has refused a longer
// wait than retryAfterMax), and otherwise doubles from RetryWaitMin up to RetryWaitMax.
func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if wait, ok := retryAfter(resp); ok {
		return min(wait, c.retryAfterMax)
	}
	return retryablehttp.DefaultBackoff(lo, hi, attempt, nil)
}

// retryAfter reads Retry-After of a 429 or 503, in seconds or as an HTTP date (measured
// against the answer's Date, so that a server's clock skew does not count).
func retryAfter(resp *http.Response) (time.Duration, bool) {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0, false
	}
	v := strings.TrimSpace(resp.Header.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		if secs > int64(365*24*time.Hour/time.Second) {
			secs = int64(365 * 24 * time.Hour / time.Second) // no overflow of a Duration
		}
		return time.Duration(secs) * time.Second, true
	}
	at, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	now := time.Now()
	if date, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		now = date
	}
	return max(at.Sub(now), 0), true
}

func (c *Client) logAttempt(_ retryablehttp.Logger, req *http.Request, attempt int) {
	if c.log != nil && attempt > 0 {
		c.log(req.Context(), "retrying PlaceOS request", map[string]any{
			"method": req.Method, "path": req.URL.Path, "attempt": attempt + 1,
		})
	}
}

func (c *Client) logResponse(_ retryablehttp.Logger, resp *http.Response) {
	c.observeDate(resp.Header)
	if c.log == nil || resp.Request == nil {
		return
	}
	c.log(resp.Request.Context(), "PlaceOS response", map[string]any{
		"method": resp.Request.Method, "path": resp.Request.URL.Path,
		"status": resp.StatusCode, "request_id": requestID(resp.Header),
	})
}

// observeDate keeps the server's clock offset from an answer's Date header: a key's
// created_at is on the server's clock.
func (c *Client) observeDate(h http.Header) {
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		c.serverOffset.Store(int64(d.Sub(c.now())))
		c.dateSeen.Store(true)
	}
}

// serverTime maps a time of our clock to the server's, as far as Date headers tell.
func (c *Client) serverTime(t time.Time) time.Time {
	if !c.dateSeen.Load() {
		return t
	}
	return t.Add(time.Duration(c.serverOffset.Load()))
}

// request describes one API call.
type request struct {
	method string
	path   string // below the API base path, e.g. "/api_keys"
	query  url.Values
	body   any
	// headers override the credential headers; used to call with another key (inspect).
	headers http.Header
	// noAuth sends no credentials (public routes).
	noAuth bool
	// retry, when set, replaces the client's retrying client for this call.
	retry *retryablehttp.Client
}

// response is what do returns on a 2xx.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends one logical request (with retries) and returns the 2xx response or an *APIError.
// On a 401 from the API (not from the token endpoint: asking again with the same client
// credentials cannot help) an OAuth session refreshes its token once and tries again.
func (c *Client) do(ctx context.Context, r request) (*response, error) {
	token, resp, err := c.doOnce(ctx, r)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnauthorized && apiErr.Path != OAuthTokenPath &&
		!r.noAuth && r.headers == nil {
		if c.auth.invalidate(token) {
			_, resp, err = c.doOnce(ctx, r)
		}
	}
	return resp, err
}

// doOnce sends a request (with retries) and returns the OAuth token it carried, if any.
func (c *Client) doOnce(ctx context.Context, r request) (string, *response, error) {
	u := *c.base
	// r.path holds escaped segments (url.PathEscape): send them as they are, so that each is
	// encoded exactly once on the wire (PlaceOS decodes a path once).
	u.RawPath = APIBasePath + r.path
	if p, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = p
	} else {
		u.Path, u.RawPath = u.RawPath, ""
	}
	if len(r.query) > 0 {
		u.RawQuery = r.query.Encode()
	}
	var body any
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return "", nil, fmt.Errorf("encoding request body: %w", err)
		}
		body = b
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, r.method, u.String(), body)
	if err != nil {
		return "", nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	var token string
	switch {
	case r.headers != nil:
		for k, v := range r.headers {
			req.Header[k] = v
		}
	case !r.noAuth:
		if token, err = c.auth.apply(ctx, req.Header); err != nil {
			return "", nil, err
		}
	}
	rc := c.http
	if r.retry != nil {
		rc = r.retry
	}
	resp, err := c.sendWith(rc, req, r.method, APIBasePath+r.path)
	return token, resp, err
}

// send runs a prepared request and turns a non-2xx answer into an *APIError.
func (c *Client) send(req *retryablehttp.Request, method, path string) (*response, error) {
	return c.sendWith(c.http, req, method, path)
}

func (c *Client) sendWith(rc *retryablehttp.Client, req *retryablehttp.Request, method, path string) (*response, error) {
	resp, err := rc.Do(req)
	if err != nil {
		if resp != nil { // an answer given up on (the request was cancelled as it arrived)
			_ = resp.Body.Close()
		}
		return nil, &RequestError{Method: method, Path: path, Err: err}
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 && resp.StatusCode <= 399 {
		return nil, c.redirectError(method, path, resp)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		e := newAPIError(method, path, resp)
		c.explainRateLimit(e, resp)
		return nil, e
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBody+1))
	if err != nil {
		return nil, &RequestError{Method: method, Path: path, Err: err}
	}
	if int64(len(b)) > c.maxBody {
		return nil, &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header),
			Message: fmt.Sprintf("the answer is larger than %d MiB, more than any PlaceOS answer the provider reads; "+
				"it was not read to the end (is `url` the PlaceOS domain itself?)", c.maxBody>>20)}
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// explainRateLimit says why a 429 or 503 was given up on: a Retry-After longer than the
// client waits, or rate limiting that outlasted every retry.
func (c *Client) explainRateLimit(e *APIError, resp *http.Response) {
	wait, ok := retryAfter(resp)
	var note string
	switch {
	case ok && wait > c.retryAfterMax:
		note = fmt.Sprintf("PlaceOS is rate limiting requests and asks to wait %s (Retry-After), longer than the %s "+
			"the provider waits; try again later", wait.Round(time.Second), c.retryAfterMax)
	case resp.StatusCode == http.StatusTooManyRequests:
		note = "PlaceOS is rate limiting requests, and still was after every retry; try again later, or raise `max_retries`"
	default:
		return
	}
	if e.Message != "" {
		note = e.Message + "; " + note
	}
	e.Message = note
}

// call sends a request and decodes a 2xx JSON answer into out (when out is not nil).
func (c *Client) call(ctx context.Context, r request, out any) (*response, error) {
	resp, err := c.do(ctx, r)
	if err != nil || out == nil {
		return resp, err
	}
	if err := json.NewDecoder(bytes.NewReader(resp.body)).Decode(out); err != nil {
		// The error describes the answer without quoting it: bodies can hold secrets.
		return nil, &APIError{
			Method: r.method, Path: APIBasePath + r.path, StatusCode: resp.status, RequestID: requestID(resp.header),
			Message: fmt.Sprintf("the answer is not the JSON PlaceOS sends (%s, %d bytes): %s",
				contentType(resp.header), len(resp.body), jsonErrorKind(err)),
		}
	}
	return resp, nil
}
