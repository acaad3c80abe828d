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
)

// OAuthTokenPath is PlaceOS's OAuth2 token endpoint (served by the auth service, not /api).
const OAuthTokenPath = "/auth/oauth/token"

// authenticator puts credentials on a request.
type authenticator interface {
	apply(ctx context.Context, h http.Header) error
	// invalidate drops a token the server refused; true when a retry may help.
	invalidate(ctx context.Context) bool
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

func (s staticHeader) apply(_ context.Context, h http.Header) error {
	h.Set(s.name, s.value)
	return nil
}

func (staticHeader) invalidate(context.Context) bool { return false }

// oauthSession holds one access token per provider instance, shared by every goroutine.
// It is fetched on first use, refreshed shortly before it expires, and once after a 401.
type oauthSession struct {
	cfg    Config
	client *Client

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

func (s *oauthSession) apply(ctx context.Context, h http.Header) error {
	token, err := s.token(ctx)
	if err != nil {
		return err
	}
	h.Set("Authorization", "Bearer "+token)
	return nil
}

func (s *oauthSession) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.client.now()
	if s.accessToken != "" && (s.expiresAt.IsZero() || now.Before(s.expiresAt.Add(-s.refreshMargin))) {
		return s.accessToken, nil
	}
	if s.refreshToken != "" {
		if err := s.fetch(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.refreshToken}}); err == nil {
			return s.accessToken, nil
		}
		// A refused refresh token falls back to a fresh password grant.
		s.refreshToken = ""
	}
	err := s.fetch(ctx, url.Values{
		"grant_type": {"password"}, "username": {s.cfg.Username}, "password": {s.cfg.Password}, "scope": {"public"},
	})
	if err != nil {
		return "", err
	}
	return s.accessToken, nil
}

func (s *oauthSession) invalidate(context.Context) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accessToken = ""
	return true
}

// fetch runs one token request; the caller holds s.mu.
func (s *oauthSession) fetch(ctx context.Context, form url.Values) error {
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
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if s.client.userAgent != "" {
		req.Header.Set("User-Agent", s.client.userAgent)
	}
	start := s.client.now()
	resp, err := s.client.send(req, http.MethodPost, OAuthTokenPath)
	if err != nil {
		var apiErr *APIError
		if errors.As(err, &apiErr) {
			apiErr.Message = strings.TrimSpace("OAuth token request refused: " + apiErr.Message)
		}
		return err
	}
	var tr tokenResponse
	if err := json.Unmarshal(resp.body, &tr); err != nil || tr.AccessToken == "" {
		return fmt.Errorf("POST %s: the answer holds no access_token (%s, %d bytes)", OAuthTokenPath, contentType(resp.header), len(resp.body))
	}
	s.accessToken = tr.AccessToken
	if tr.RefreshToken != "" {
		s.refreshToken = tr.RefreshToken
	}
	s.expiresAt = time.Time{}
	if tr.ExpiresIn > 0 {
		lifetime := time.Duration(tr.ExpiresIn) * time.Second
		s.expiresAt = start.Add(lifetime)
		// Refresh a minute early, or a tenth of the lifetime for short-lived tokens.
		s.refreshMargin = min(time.Minute, lifetime/10)
	}
	return nil
}
