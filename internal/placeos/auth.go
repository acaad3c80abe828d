package placeos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"golang.org/x/sync/singleflight"
)

// OAuthTokenPath is PlaceOS's OAuth2 token endpoint (served by the auth service, not /api).
const OAuthTokenPath = "/auth/oauth/token" //nolint:gosec // G101: a URL path, not a credential

// authenticator puts credentials on a request.
type authenticator interface {
	// apply sets the credential headers and returns the token it used ("" for static ones).
	apply(ctx context.Context, h http.Header) (string, error)
	// invalidate drops the token the server refused, if it is still the current one (compare
	// and clear: concurrent 401s for one token cause one new grant); true when a retry may help.
	invalidate(refused string) bool
}

func newAuthenticator(cfg Config, c *Client) (authenticator, error) {
	switch {
	case cfg.APIKey != "":
		return staticHeader{name: "X-API-Key", value: cfg.APIKey}, nil
	case cfg.AccessToken != "":
		return staticHeader{name: "Authorization", value: "Bearer " + cfg.AccessToken}, nil
	case cfg.Username != "":
		if cfg.ClientID == "" {
			return nil, errors.New("the OAuth password grant needs a client_id")
		}
		return &oauthSession{cfg: cfg, client: c}, nil
	default:
		return nil, errors.New("no credentials: set an API key, an access token, or username, password and client_id")
	}
}

type staticHeader struct{ name, value string }

func (s staticHeader) apply(_ context.Context, h http.Header) (string, error) {
	h.Set(s.name, s.value)
	return "", nil
}

func (staticHeader) invalidate(string) bool { return false }

// oauthSession holds one access token per provider instance, shared by every goroutine.
// It is fetched on first use, refreshed shortly before it expires, and once after a 401.
// The mutex guards the fields only; a token request (with its retries) runs outside it, and
// callers that need a token meanwhile wait for that one request (singleflight) or for their
// own context.
type oauthSession struct {
	cfg    Config
	client *Client
	grants singleflight.Group

	mu           sync.Mutex
	accessToken  string
	refreshToken string
	expiresAt    time.Time
	// refreshMargin is how long before expiry a token is replaced.
	refreshMargin time.Duration
}

type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
}

func (s *oauthSession) apply(ctx context.Context, h http.Header) (string, error) {
	token, err := s.token(ctx)
	if err != nil {
		return "", err
	}
	h.Set("Authorization", "Bearer "+token)
	return token, nil
}

// current is the token while it is usable.
func (s *oauthSession) current() (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.client.now()
	if s.accessToken != "" && (s.expiresAt.IsZero() || now.Before(s.expiresAt.Add(-s.refreshMargin))) {
		return s.accessToken, true
	}
	return "", false
}

func (s *oauthSession) token(ctx context.Context) (string, error) {
	for {
		if tok, ok := s.current(); ok {
			return tok, nil
		}
		ch := s.grants.DoChan("token", func() (any, error) { return s.renew(ctx) })
		select {
		case r := <-ch:
			if r.Err == nil {
				tok, _ := r.Val.(string) // renew's token: never empty without an error
				// The token this renewal returned serves the request that asked for it, even
				// when it is already inside its refresh margin: re-reading current() here
				// would renew again, and again, for a token endpoint slower than the margin.
				return tok, nil
			}
			// The caller that ran the request was cancelled, not this one: ask again.
			if r.Shared && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
				continue
			}
			return "", r.Err
		case <-ctx.Done():
			return "", &RequestError{Method: http.MethodPost, Path: OAuthTokenPath, Err: ctx.Err()}
		}
	}
}

// renew gets a new token and returns it: with the refresh token when there is one, else (or
// when it is refused) with a password grant.
func (s *oauthSession) renew(ctx context.Context) (string, error) {
	s.mu.Lock()
	refresh := s.refreshToken
	s.mu.Unlock()
	if refresh != "" {
		if tok, err := s.fetch(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}); err == nil {
			return tok, nil
		}
		// A refused refresh token falls back to a fresh password grant.
		s.mu.Lock()
		if s.refreshToken == refresh {
			s.refreshToken = ""
		}
		s.mu.Unlock()
	}
	return s.fetch(ctx, url.Values{
		"grant_type": {"password"}, "username": {s.cfg.Username}, "password": {s.cfg.Password}, "scope": {"public"},
	})
}

func (s *oauthSession) invalidate(refused string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.accessToken == refused {
		s.accessToken = ""
	}
	return true
}

// fetch runs one token request (without holding s.mu), stores its answer and returns the
// access token. The token's lifetime counts from when the answer arrived: counted from when
// the request was sent, a grant slower than the refresh margin would be stale on arrival.
func (s *oauthSession) fetch(ctx context.Context, form url.Values) (string, error) {
	u := *s.client.base
	u.Path = OAuthTokenPath
	// Client credentials go in the form body (RFC 6749 2.3.1), which needs no escaping rules
	// beyond the form's own; a public application sends its client_id alone.
	form.Set("client_id", s.cfg.ClientID)
	if s.cfg.ClientSecret != "" {
		form.Set("client_secret", s.cfg.ClientSecret)
	}
	req, err := retryablehttp.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if s.client.userAgent != "" {
		req.Header.Set("User-Agent", s.client.userAgent)
	}
	resp, err := s.client.send(req, http.MethodPost, OAuthTokenPath)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			apiErr.Message = strings.TrimSpace("OAuth token request refused: " + apiErr.Message)
		}
		return "", err
	}
	arrived := s.client.now()
	var tr tokenResponse
	if err := json.Unmarshal(resp.body, &tr); err != nil || tr.AccessToken == "" {
		return "", fmt.Errorf("POST %s: the answer holds no access_token (%s, %d bytes)", OAuthTokenPath, contentType(resp.header), len(resp.body))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessToken = tr.AccessToken
	if tr.RefreshToken != "" {
		s.refreshToken = tr.RefreshToken
	}
	s.expiresAt = time.Time{}
	if tr.ExpiresIn > 0 {
		lifetime := time.Duration(tr.ExpiresIn) * time.Second
		s.expiresAt = arrived.Add(lifetime)
		// Refresh a minute early, or a tenth of the lifetime for short-lived tokens.
		s.refreshMargin = min(time.Minute, lifetime/10)
	}
	return tr.AccessToken, nil
}
