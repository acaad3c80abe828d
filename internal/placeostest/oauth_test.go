package placeostest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

const tokenPath = "/auth/oauth/token" //nolint:gosec // G101: a URL path, not a credential

// tokenResponse is a grant's body or an OAuth error.
type tokenResponse struct {
	tokenJSON
	Error string `json:"error"`
}

// tokenRequest posts a form; basic sends the client credentials as HTTP Basic.
func tokenRequest(t *testing.T, s *Server, base string, form url.Values, basicID, basicSecret string) (result, tokenResponse) {
	t.Helper()
	if base == "" {
		base = s.URL()
	}
	req, _ := http.NewRequest("POST", base+tokenPath, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicID != "" {
		req.SetBasicAuth(basicID, basicSecret)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var r result
	r.status, r.header = resp.StatusCode, resp.Header
	var tr tokenResponse
	_ = json.NewDecoder(resp.Body).Decode(&tr)
	return r, tr
}

func passwordForm(user, password string, extra ...string) url.Values {
	f := url.Values{"grant_type": {"password"}, "username": {user}, "password": {password}}
	for i := 0; i+1 < len(extra); i += 2 {
		f.Set(extra[i], extra[i+1])
	}
	return f
}

func TestPasswordGrant(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()

	r, tok := tokenRequest(t, s, "", passwordForm("admin@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, r, 200)
	if tok.TokenType != "Bearer" || tok.ExpiresIn != 7200 || tok.Scope != "public" || tok.AccessToken == "" || tok.RefreshToken == "" || tok.CreatedAt != clock.Now().Unix() {
		t.Errorf("token = %+v", tok)
	}
	if r.header.Get("Cache-Control") != "no-store" {
		t.Errorf("Cache-Control = %q", r.header.Get("Cache-Control"))
	}
	// A sys_admin's token is admin-level: it can manage keys.
	expectStatus(t, do(t, s, call{path: keysPath, bearer: tok.AccessToken}), 200)
	cur := do(t, s, call{path: usersPath + "/current", bearer: tok.AccessToken})
	if cur.object(t)["id"] != sd.Admin.ID {
		t.Errorf("current = %s", cur.body)
	}
	// The "Token" scheme is accepted too.
	expectStatus(t, do(t, s, call{path: keysPath, header: map[string]string{"Authorization": "Token " + tok.AccessToken}}), 200)

	// Client credentials in the body, and a JSON body.
	r, _ = tokenRequest(t, s, "", passwordForm("admin@example.com", sd.AdminPassword, "client_id", sd.OAuthClientID, "client_secret", sd.OAuthClientSecret), "", "")
	expectStatus(t, r, 200)
	jr := do(t, s, call{method: "POST", path: tokenPath, body: map[string]string{
		"grant_type": "password", "username": "admin@example.com", "password": sd.AdminPassword,
		"client_id": sd.OAuthClientID, "client_secret": sd.OAuthClientSecret, "scope": "public",
	}})
	expectStatus(t, jr, 200)

	// A public app needs only its client_id.
	r, _ = tokenRequest(t, s, "", passwordForm("panel@example.com", sd.AdminPassword, "client_id", sd.PublicClientID), "", "")
	expectStatus(t, r, 200)

	// A support user's token is support-level: domains yes, keys no.
	_, sup := tokenRequest(t, s, "", passwordForm("support@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, do(t, s, call{path: domainsPath, bearer: sup.AccessToken}), 200)
	expectStatus(t, do(t, s, call{path: keysPath, bearer: sup.AccessToken}), 403)

	// The user is found within the Host's domain.
	r, _ = tokenRequest(t, s, s.OtherURL(), passwordForm("panel@second.example", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, r, 200)

	// Requested scopes restrict the token; write does not imply read.
	_, scoped := tokenRequest(t, s, "", passwordForm("admin@example.com", sd.AdminPassword, "scope", "api_keys.read domains"), sd.OAuthClientID, sd.OAuthClientSecret)
	if scoped.Scope != "api_keys.read domains" {
		t.Errorf("scope = %q", scoped.Scope)
	}
	expectStatus(t, do(t, s, call{path: keysPath, bearer: scoped.AccessToken}), 200)
	expectStatus(t, do(t, s, call{method: "POST", path: keysPath, bearer: scoped.AccessToken, body: map[string]any{"name": "x", "user_id": sd.Admin.ID}}), 403)
	insp := do(t, s, call{path: keysPath + "/inspect", bearer: scoped.AccessToken})
	var claims struct {
		Scope []string
		Exp   int64
		U     struct{ P int }
	}
	insp.decode(t, &claims)
	if !slices.Equal(claims.Scope, []string{"api_keys.Read", "domains"}) || claims.U.P != 2 || claims.Exp != clock.Now().Add(2*time.Hour).Unix() {
		t.Errorf("inspect of a bearer = %s", insp.body)
	}
	if _, has := insp.object(t)["jti"]; has {
		t.Errorf("inspect has a jti, which UserJWT does not: %s", insp.body)
	}
}

func TestPasswordGrantErrors(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	s.AddUser(User{Email: "sso@example.com", Name: "Sso Only"}, "")
	s.AddUser(User{Email: "deleted@example.com", Name: "Del Eted", Deleted: true}, sd.AdminPassword)
	good := func(extra ...string) url.Values { return passwordForm("admin@example.com", sd.AdminPassword, extra...) }

	tests := []struct {
		name         string
		base         string
		form         url.Values
		basicID, sec string
		status       int
		errCode      string
	}{
		{"wrong password", "", passwordForm("admin@example.com", "nope"), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_grant"},
		{"unknown user", "", passwordForm("who@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_grant"},
		{"user of another domain", "", passwordForm("panel@second.example", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_grant"},
		{"sso-only user", "", passwordForm("sso@example.com", "anything"), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_grant"},
		{"deleted user", "", passwordForm("deleted@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_grant"},
		{"missing password", "", url.Values{"grant_type": {"password"}, "username": {"admin@example.com"}}, sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_request"},
		{"users scope is not requestable", "", good("scope", "users"), sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_scope"},
		{"no client", "", good(), "", "", 401, "invalid_client"},
		{"confidential client without secret", "", good("client_id", sd.OAuthClientID), "", "", 401, "invalid_client"},
		{"wrong client secret", "", good(), sd.OAuthClientID, "wrong", 401, "invalid_client"},
		{"unknown client", "", good(), "nobody", "x", 401, "invalid_client"},
		{"public client with a wrong secret", "", good(), sd.PublicClientID, "wrong", 401, "invalid_client"},
		{"unsupported grant", "", url.Values{"grant_type": {"magic"}}, sd.OAuthClientID, sd.OAuthClientSecret, 400, "unsupported_grant_type"},
		{"missing grant", "", url.Values{}, sd.OAuthClientID, sd.OAuthClientSecret, 400, "invalid_request"},
		{"client_credentials breaks on the real server", "", url.Values{"grant_type": {"client_credentials"}}, sd.OAuthClientID, sd.OAuthClientSecret, 500, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, tok := tokenRequest(t, s, tc.base, tc.form, tc.basicID, tc.sec)
			expectStatus(t, r, tc.status)
			if tok.Error != tc.errCode || tok.AccessToken != "" {
				t.Errorf("error = %q (token %q), want %q", tok.Error, tok.AccessToken, tc.errCode)
			}
			if tc.status == 401 && !strings.Contains(r.header.Get("WWW-Authenticate"), "invalid_client") {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
		})
	}
}

func TestTokenExpiryAndRefresh(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t)
	s.SetClock(clock.Now)
	s.SetTokenTTL(10 * time.Minute)
	sd := s.Seed()

	_, tok := tokenRequest(t, s, "", passwordForm("admin@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret)
	if tok.ExpiresIn != 600 {
		t.Errorf("expires_in = %d, want 600", tok.ExpiresIn)
	}
	clock.Advance(10*time.Minute - time.Second)
	expectStatus(t, do(t, s, call{path: keysPath, bearer: tok.AccessToken}), 200)
	clock.Advance(time.Second)
	r := do(t, s, call{path: keysPath, bearer: tok.AccessToken})
	expectStatus(t, r, 401)
	expectBody(t, r, `{"error":"Signature has expired"}`)

	refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}}
	// Another client cannot spend this refresh token.
	rr, bad := tokenRequest(t, s, "", refresh, sd.PublicClientID, "")
	if rr.status != 400 || bad.Error != "invalid_grant" {
		t.Errorf("refresh by another client: %d %q", rr.status, bad.Error)
	}
	rr, fresh := tokenRequest(t, s, "", refresh, sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, rr, 200)
	if fresh.AccessToken == tok.AccessToken || fresh.RefreshToken == tok.RefreshToken || fresh.Scope != "public" || fresh.ExpiresIn != 600 {
		t.Errorf("refreshed = %+v", fresh)
	}
	// The old refresh token stays valid until a new access token is used
	// (Doorkeeper's refresh_token_revoked_on_use), then it is revoked.
	rr, twin := tokenRequest(t, s, "", refresh, sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, rr, 200)
	expectStatus(t, do(t, s, call{path: keysPath, bearer: fresh.AccessToken}), 200)
	rr, again := tokenRequest(t, s, "", refresh, sd.OAuthClientID, sd.OAuthClientSecret)
	if rr.status != 400 || again.Error != "invalid_grant" {
		t.Errorf("refresh token reused after its successor was used: %d %q", rr.status, again.Error)
	}
	// The refresh tokens issued with the new pairs still work, once each in turn.
	rr, _ = tokenRequest(t, s, "", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {twin.RefreshToken}}, sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, rr, 200)
	rr, missing := tokenRequest(t, s, "", url.Values{"grant_type": {"refresh_token"}}, sd.OAuthClientID, sd.OAuthClientSecret)
	if rr.status != 400 || missing.Error != "invalid_request" {
		t.Errorf("refresh without token: %d %q", rr.status, missing.Error)
	}

	a := do(t, s, call{path: "/auth/authority", bearer: fresh.AccessToken}).object(t)
	if a["token_valid"] != true {
		t.Errorf("/auth/authority token_valid = %v", a["token_valid"])
	}
}
