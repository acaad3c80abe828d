package placeos_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// captureServer records everything that reaches it: a redirect target that must see nothing.
type captureServer struct {
	srv  *httptest.Server
	mu   sync.Mutex
	seen []string // method, path, every header and the body of each request
}

func newCaptureServer(t *testing.T) *captureServer {
	t.Helper()
	c := &captureServer{}
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
		for k, v := range r.Header {
			fmt.Fprintf(&b, "%s: %s\n", k, strings.Join(v, ","))
		}
		b.Write(body)
		c.mu.Lock()
		c.seen = append(c.seen, b.String())
		c.mu.Unlock()
		writeJSON(w, http.StatusOK, userJSON("user-1"))
	}))
	t.Cleanup(c.srv.Close)
	return c
}

func (c *captureServer) requests() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.seen...)
}

// TestRedirectsAreNeverFollowed: for every credential method, the token endpoint and the
// inspect call, a 301, 302, 307 or 308 to the same host on another port or to another host is
// an error naming where it points, and the target receives nothing: no header, no body.
func TestRedirectsAreNeverFollowed(t *testing.T) {
	capture := newCaptureServer(t)
	port := strings.TrimPrefix(capture.srv.URL, "http://127.0.0.1:")
	targets := map[string]string{
		"same host, other port": "http://127.0.0.1:" + port,
		"other host":            "http://localhost:" + port,
	}
	const inspectedKey = "0123456789abcdef0123456789abcdef.SECRET-imported-key"

	// Each case redirects the route named by redirect and makes one call.
	cases := map[string]struct {
		cfg      func(*placeos.Config)
		redirect string // path prefix that answers with the redirect
		call     func(ctx context.Context, c *placeos.Client) error
	}{
		"api key": {
			cfg: func(*placeos.Config) {}, redirect: "/api/",
			call: func(ctx context.Context, c *placeos.Client) error { _, err := c.CurrentUser(ctx); return err },
		},
		"api key, create with a body": {
			cfg: func(*placeos.Config) {}, redirect: "/api/",
			call: func(ctx context.Context, c *placeos.Client) error {
				_, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{Name: "ci", UserID: "user-1", Permissions: "user"})
				return err
			},
		},
		"access token": {
			cfg: func(cfg *placeos.Config) { cfg.APIKey, cfg.AccessToken = "", testAccessToken }, redirect: "/api/",
			call: func(ctx context.Context, c *placeos.Client) error { _, err := c.CurrentUser(ctx); return err },
		},
		"oauth token endpoint": {
			cfg: oauthConfig, redirect: "/auth/",
			call: func(ctx context.Context, c *placeos.Client) error { _, err := c.CurrentUser(ctx); return err },
		},
		"oauth bearer token": {
			cfg: oauthConfig, redirect: "/api/",
			call: func(ctx context.Context, c *placeos.Client) error { _, err := c.CurrentUser(ctx); return err },
		},
		"inspect": {
			cfg: func(*placeos.Config) {}, redirect: "/api/",
			call: func(ctx context.Context, c *placeos.Client) error {
				_, err := c.InspectAPIKey(ctx, inspectedKey)
				return err
			},
		},
	}
	for name, tc := range cases {
		for targetName, target := range targets {
			for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
				t.Run(fmt.Sprintf("%s/%s/%d", name, targetName, status), func(t *testing.T) {
					srv, hits := serve(t, func(_ int, w http.ResponseWriter, r *http.Request) {
						if strings.HasPrefix(r.URL.Path, tc.redirect) {
							http.Redirect(w, r, target+r.URL.RequestURI(), status) //nolint:gosec // G710: the test is a server that redirects to a capture server
							return
						}
						writeJSON(w, http.StatusOK, map[string]any{"access_token": "SECRET-oauth-access", "token_type": "Bearer", "expires_in": 7200}) //nolint:gosec // G101: a fake token
					})
					before := len(capture.requests())
					err := tc.call(t.Context(), newClient(t, srv.URL, tc.cfg))
					if err == nil {
						t.Fatal("a redirect was followed: no error")
					}
					for _, seen := range capture.requests()[before:] {
						t.Errorf("the redirect target received a request:\n%s", seen)
					}
					want := "`url` redirects to " + target + ": set `url` to that"
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not say %q", err, want)
					}
					if apiErr := asAPIError(t, err); apiErr.StatusCode != status {
						t.Errorf("status %d, want %d", apiErr.StatusCode, status)
					}
					if hits.count() > 2 {
						t.Errorf("%d requests to the origin; a redirect is not retried", hits.count())
					}
					assertNoSecret(t, err.Error())
					if strings.Contains(err.Error(), inspectedKey) || strings.Contains(err.Error(), "SECRET") {
						t.Errorf("a secret in the error: %q", err)
					}
				})
			}
		}
	}
}

// A Location on the same scheme and host (another path) is refused as well, and the error
// says the url is not the domain itself; a Location with user info or a query shows neither.
func TestRedirectErrorShowsOnlySchemeAndHost(t *testing.T) {
	for name, tc := range map[string]struct {
		location func(base string) string
		want     string
	}{
		"same host": {
			location: func(base string) string { return base + "/login?next=/api" },
			want:     "another path on the same host",
		},
		"user info and query": {
			location: func(string) string { return "https://user:SECRET-pw@sso.example.com/x?token=SECRET-q" },
			want:     "`url` redirects to https://sso.example.com: set `url` to that",
		},
		"relative": {
			location: func(string) string { return "/elsewhere" },
			want:     "another path on the same host",
		},
		"none": {
			location: func(string) string { return "" },
			want:     "PlaceOS answered with a redirect",
		},
	} {
		t.Run(name, func(t *testing.T) {
			var base string
			srv, _ := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
				if loc := tc.location(base); loc != "" {
					w.Header().Set("Location", loc)
				}
				w.WriteHeader(http.StatusFound)
			})
			base = srv.URL
			_, err := newClient(t, srv.URL).CurrentUser(t.Context())
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one that says %q", err, tc.want)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "/x") {
				t.Errorf("the error shows more of Location than scheme and host: %q", err)
			}
			if u, _ := url.Parse(srv.URL); strings.Contains(err.Error(), "login") {
				t.Errorf("the error shows the path of a Location on %s: %q", u.Host, err)
			}
		})
	}
}
