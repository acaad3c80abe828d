package placeostest

import (
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// requestableScopes are Doorkeeper's optional_scopes in PlaceOS/auth. "users"
// is deliberately absent, as on the real server: OAuth clients use "public".
var requestableScopes = func() map[string]bool {
	names := []string{
		"public", "alert_dashboards", "alerts", "api_keys", "asset_categories", "asset_purchase_orders",
		"asset_types", "asset_instances", "assets", "ldap_authentications", "saml_authentications",
		"o_auth_authentications", "brokers", "build_monitor", "chat_gpt", "cluster", "domains", "drivers",
		"settings", "modules", "systems", "guest", "control", "edges", "edge-control", "metadata", "mqtt",
		"flux", "o_auth_applications", "repositories",
	}
	m := map[string]bool{"openid": true}
	for _, n := range names {
		m[n], m[n+".read"], m[n+".write"] = true, true, true
	}
	return m
}()

func oauthError(status int, code, description string) response {
	resp := jsonResponse(status, map[string]string{"error": code, "error_description": description})
	resp.header = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	if status == http.StatusUnauthorized {
		resp.header.Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="`+code+`", error_description="`+description+`"`)
	}
	return resp
}

func invalidClient() response {
	return oauthError(http.StatusUnauthorized, "invalid_client",
		"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
}

func invalidGrant() response {
	return oauthError(http.StatusBadRequest, "invalid_grant",
		"The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.")
}

// oauthToken is Doorkeeper's POST /auth/oauth/token for the password and
// refresh_token grants. Parameters come from a form or JSON body (or the query).
func (s *Server) oauthToken(rq *request) response {
	params := tokenParams(rq)
	clientID, clientSecret, basic := rq.BasicAuth()
	if basic {
		// Doorkeeper form-decodes Basic credentials, as RFC 6749 §2.3.1 asks.
		clientID, clientSecret = formDecode(clientID), formDecode(clientSecret)
	} else {
		clientID, clientSecret = params.Get("client_id"), params.Get("client_secret")
	}

	grant := params.Get("grant_type")
	switch grant {
	case "":
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type.")
	case "password", "refresh_token":
	case "client_credentials":
		// Listed in grant_flows, but the JWT payload block looks up a
		// resource owner that such tokens lack: an unhandled exception.
		return serverError()
	default:
		return oauthError(http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
	}

	// Doorkeeper's by_uid_and_secret: a public app may omit its secret, but a
	// secret that is sent must match.
	app := s.st.apps[clientID]
	if app == nil || (clientSecret == "" && app.confidential) || (clientSecret != "" && clientSecret != app.secret) {
		return invalidClient()
	}

	if grant == "refresh_token" {
		return s.refreshGrant(params, app)
	}

	username, password := params.Get("username"), params.Get("password")
	if username == "" || password == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: username or password.")
	}
	scopes := strings.Fields(params.Get("scope"))
	if len(scopes) == 0 {
		scopes = []string{"public"}
	}
	for _, sc := range scopes {
		if !requestableScopes[sc] {
			return oauthError(http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
		}
	}
	// The user is looked up by email within the authority of the Host.
	d := s.st.domainByHost(requestHost(rq.Request))
	if d == nil {
		return invalidGrant()
	}
	u := s.st.userByEmail(d.ID, username)
	if u == nil || u.Deleted {
		return invalidGrant()
	}
	hash, local := s.st.passwords[u.ID]
	if !local || hash != passwordHash(password) {
		return invalidGrant()
	}
	return s.issueToken(u.ID, app.id, scopes, "")
}

// refreshGrant trades a refresh token for a new token pair. The old refresh
// token is revoked when the new access token is first used, not before.
func (s *Server) refreshGrant(params url.Values, app *oauthApp) response {
	rt := params.Get("refresh_token")
	if rt == "" {
		return oauthError(http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token.")
	}
	rec := s.st.refresh[rt]
	if rec == nil || rec.clientID != app.id {
		return invalidGrant()
	}
	if u := s.st.users[rec.userID]; u == nil || u.Deleted {
		return invalidGrant()
	}
	scopes := rec.scopes
	if asked := strings.Fields(params.Get("scope")); len(asked) > 0 {
		for _, sc := range asked {
			if !slices.Contains(rec.scopes, sc) {
				return oauthError(http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed.")
			}
		}
		scopes = asked
	}
	return s.issueToken(rec.userID, app.id, scopes, rt)
}

// tokenJSON is the body of the token endpoint's answer to a grant.
type tokenJSON struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
}

func (s *Server) issueToken(userID, clientID string, scopes []string, previousRefresh string) response {
	now := s.now()
	access, refresh := newSecret(), newSecret()
	tok := &accessToken{
		jti: randomHex(16), userID: userID, clientID: clientID, scopes: scopes,
		issuedAt: now, expiresAt: now.Add(s.tokenTTL), previousRefresh: previousRefresh,
	}
	if u := s.st.users[userID]; u != nil {
		tok.perm = userPerm(u)
	}
	s.st.tokens[access] = tok
	s.st.refresh[refresh] = &refreshToken{userID: userID, clientID: clientID, scopes: scopes}
	resp := jsonResponse(http.StatusOK, tokenJSON{access, "Bearer", int64(s.tokenTTL / time.Second), refresh, strings.Join(scopes, " "), now.Unix()})
	resp.header = http.Header{"Cache-Control": {"no-store"}, "Pragma": {"no-cache"}}
	return resp
}

func formDecode(v string) string {
	if d, err := url.QueryUnescape(v); err == nil {
		return d
	}
	return v
}

// tokenParams merges the query with a form or JSON body (the body wins), as Rails params do.
func tokenParams(rq *request) url.Values {
	params := rq.URL.Query()
	var body url.Values
	if mt, _, _ := mime.ParseMediaType(rq.Header.Get("Content-Type")); mt == "application/json" {
		var obj map[string]any
		if json.Unmarshal(rq.body, &obj) == nil {
			body = url.Values{}
			for k, v := range obj {
				if str, ok := v.(string); ok {
					body.Set(k, str)
				}
			}
		}
	} else {
		body, _ = url.ParseQuery(string(rq.body))
	}
	for k, v := range body {
		params[k] = v
	}
	return params
}

// authorityVersion is the version /auth/authority reports. It has PlaceOS's own shape
// (x.y.z): official clients such as @placeos/ts-client choose the /api/engine/v2 paths
// only for a version of that shape, and fall back to legacy paths otherwise.
const authorityVersion = "1.0.0"

// authority is PlaceOS/auth's GET /auth/authority: the Host's domain without
// created_at and internals, Rails-serialised (ISO timestamps), no auth needed.
func (s *Server) authority(rq *request) response {
	d := s.st.domainByHost(requestHost(rq.Request))
	if d == nil {
		return response{status: http.StatusNotFound}
	}
	tokenValid := false
	if tok := bearer(rq.Request); tok != "" {
		_, aerr := s.tokenCaller(tok)
		tokenValid = aerr == ""
	}
	return jsonResponse(http.StatusOK, struct {
		ID           string         `json:"id"`
		Name         string         `json:"name"`
		Description  string         `json:"description"`
		Domain       string         `json:"domain"`
		LoginURL     string         `json:"login_url"`
		LogoutURL    string         `json:"logout_url"`
		Config       map[string]any `json:"config"`
		EmailDomains []string       `json:"email_domains"`
		UpdatedAt    string         `json:"updated_at"`
		Version      string         `json:"version"`
		Session      bool           `json:"session"`
		Production   bool           `json:"production"`
		TokenValid   bool           `json:"token_valid"`
	}{
		d.ID, d.Name, d.Description, d.DomainName, d.LoginURL, d.LogoutURL, nonNilMap(d.Config),
		nonNil(d.EmailDomains), d.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		authorityVersion, false, false, tokenValid,
	})
}
