package placeostest

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Permission levels (UserJWT::Permissions).
type permLevel int

const (
	permUser permLevel = iota
	permSupport
	permAdmin
	permAdminSupport
)

var permNames = [...]string{"user", "support", "admin", "admin_support"}

func (p permLevel) String() string { return permNames[p] }

func (p permLevel) isAdmin() bool   { return p >= permAdmin }
func (p permLevel) isSupport() bool { return p >= permSupport }

// parsePermission is Crystal's Enum.parse: case-insensitive, underscores ignored.
func parsePermission(name string) (permLevel, bool) {
	want := strings.ReplaceAll(strings.ToLower(name), "_", "")
	for i, n := range permNames {
		if strings.ReplaceAll(n, "_", "") == want {
			return permLevel(i), true
		}
	}
	return 0, false
}

// Scope access flags (UserJWT::Scope::Access, a flags enum).
type access uint8

const (
	accessRead  access = 1
	accessWrite access = 2
	accessAll          = accessRead | accessWrite
)

type scope struct {
	resource string
	access   access
}

// parseScope reads "resource" or "resource.access"; access is case-insensitive.
func parseScope(s string) (scope, error) {
	parts := strings.Split(s, ".")
	if len(parts) > 2 {
		return scope{}, fmt.Errorf("invalid scope %q: too many parts", s)
	}
	sc := scope{resource: parts[0], access: accessAll}
	if len(parts) == 2 {
		switch strings.ToLower(parts[1]) {
		case "read":
			sc.access = accessRead
		case "write":
			sc.access = accessWrite
		case "all":
			sc.access = accessAll
		case "none":
			sc.access = 0
		default:
			return scope{}, fmt.Errorf("unknown access %q in scope %q", parts[1], s)
		}
	}
	return sc, nil
}

// String is Scope#to_s: the flags-enum member name, capitalised; bare for All.
func (sc scope) String() string {
	switch sc.access {
	case accessAll:
		return sc.resource
	case accessRead:
		return sc.resource + ".Read"
	case accessWrite:
		return sc.resource + ".Write"
	default:
		return sc.resource + ".None"
	}
}

func parseScopes(in []string) ([]scope, error) {
	out := make([]scope, 0, len(in))
	for _, s := range in {
		sc, err := parseScope(s)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// caller is the authenticated identity of a request (the server's UserJWT).
type caller struct {
	userID    string
	perm      permLevel
	scopes    []scope
	authority *Domain // the current authority, from the Host header
	aud       string  // the credential's domain
	iat, exp  time.Time
}

// can is can_read/can_write: "public" or the route's resource, with that access.
// Write never implies read. Only the FIRST entry of a resource counts (user_jwt.cr,
// utilities/scopes.cr): ["api_keys.read", "api_keys.write"] can only read. "public" is
// checked the same way, separately. Resource names compare case-sensitively.
func (c *caller) can(resource string, a access) bool {
	return c.firstGrants("public", a) || c.firstGrants(resource, a)
}

func (c *caller) firstGrants(resource string, a access) bool {
	for _, sc := range c.scopes {
		if sc.resource == resource {
			return sc.access&a == a
		}
	}
	return false
}

// authError is a 401 with the real server's message.
type authError string

func (e authError) response() response { return errorResponse(http.StatusUnauthorized, string(e)) }

// authenticate mirrors utilities/current-user.cr: X-API-Key first, then a
// bearer token, then the Authority for the Host. Callers hold s.mu.
func (s *Server) authenticate(r *http.Request) (*caller, *response) {
	c, aerr := s.credentials(r)
	if aerr != "" || c == nil {
		resp := aerr.response()
		return nil, &resp
	}
	c.authority = s.st.domainByHost(requestHost(r))
	if c.authority == nil {
		resp := authError("authority not found").response()
		return nil, &resp
	}
	return c, nil
}

func (s *Server) credentials(r *http.Request) (*caller, authError) {
	if key := credential(r, "X-API-Key", "api-key"); key != "" {
		return s.keyCaller(key)
	}
	if tok := bearer(r); tok != "" {
		return s.tokenCaller(tok)
	}
	return nil, authError("")
}

// credential reads a header, else the query parameter, else the cookie.
func credential(r *http.Request, header, param string) string {
	if v := r.Header.Get(header); v != "" {
		return v
	}
	if v := r.URL.Query().Get(param); v != "" {
		return v
	}
	if c, err := r.Cookie(param); err == nil {
		return c.Value
	}
	return ""
}

func bearer(r *http.Request) string {
	// The prefixes are case-sensitive, as on the real server: "bearer x" is no token.
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, ok := strings.Cut(h, " ")
		if ok && (scheme == "Bearer" || scheme == "Token") {
			return strings.TrimSpace(tok)
		}
	}
	return credential(r, "", "bearer_token")
}

// findKey validates "<id>.<secret>" against the stored HMAC.
func (s *Server) findKey(xAPIKey string) (*keyRecord, authError) {
	id, secret, ok := strings.Cut(xAPIKey, ".")
	k := s.st.keys[id]
	if !ok || k == nil || subtle.ConstantTimeCompare([]byte(keyHMAC(secret, id)), []byte(k.hmac)) != 1 {
		return nil, authError("unknown X-API-Key")
	}
	if !s.ignoreExpiry && k.ExpiresAt != nil && !k.ExpiresAt.After(s.now()) {
		return nil, authError("API key has expired")
	}
	return k, ""
}

// keyCaller is ApiKey#build_jwt: the key's permissions replace the user's level.
func (s *Server) keyCaller(xAPIKey string) (*caller, authError) {
	k, aerr := s.findKey(xAPIKey)
	if aerr != "" {
		return nil, aerr
	}
	perm, _ := parsePermission(k.Permissions)
	scopes, _ := parseScopes(k.Scopes) // stored scopes are always canonical
	now := s.now()
	c := &caller{userID: k.UserID, perm: perm, scopes: scopes, iat: now.Add(-5 * time.Minute), exp: now.Add(time.Hour)}
	if d := s.st.domains[k.AuthorityID]; d != nil {
		c.aud = d.DomainName
	}
	return c, ""
}

func (s *Server) tokenCaller(tok string) (*caller, authError) {
	t := s.st.tokens[tok]
	if t == nil {
		return nil, authError("Signature verification failed")
	}
	if !t.expiresAt.After(s.now()) {
		return nil, authError("Signature has expired")
	}
	scopes, err := parseScopes(t.scopes)
	if err != nil {
		return nil, authError("invalid scope")
	}
	if t.previousRefresh != "" {
		delete(s.st.refresh, t.previousRefresh)
		t.previousRefresh = ""
	}
	c := &caller{userID: t.userID, perm: t.perm, scopes: scopes, iat: t.issuedAt, exp: t.expiresAt}
	if u := s.st.users[t.userID]; u != nil {
		if d := s.st.domains[u.AuthorityID]; d != nil {
			c.aud = d.DomainName
		}
	}
	return c, ""
}

// userPerm is the JWT's u.p bit flags: support=1 | admin=2.
func userPerm(u *User) permLevel {
	var p permLevel
	if u.Support {
		p |= permSupport
	}
	if u.SysAdmin {
		p |= permAdmin
	}
	return p
}

// requestHost is request.hostname: the Host header without port, lower-cased.
func requestHost(r *http.Request) string {
	h := r.Host
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.Trim(h, "[]"), ".")
	return strings.ToLower(h)
}

// userJWT is the body of GET /api_keys/inspect: the claims without a jti (UserJWT has none;
// only the signed OAuth token carries one).
type userJWT struct {
	Iss   string   `json:"iss"`
	Iat   int64    `json:"iat"`
	Exp   int64    `json:"exp"`
	Aud   string   `json:"aud"`
	Sub   string   `json:"sub"`
	Scope []string `json:"scope"`
	U     struct {
		N string   `json:"n"`
		E string   `json:"e"`
		P int      `json:"p"`
		R []string `json:"r"`
	} `json:"u"`
}

func (s *Server) inspectBody(c *caller) userJWT {
	j := userJWT{Iss: "POS", Iat: c.iat.Unix(), Exp: c.exp.Unix(), Aud: c.aud, Sub: c.userID, Scope: []string{}}
	for _, sc := range c.scopes {
		j.Scope = append(j.Scope, sc.String())
	}
	j.U.P = int(c.perm)
	j.U.R = []string{}
	if u := s.st.users[c.userID]; u != nil {
		j.U.N, j.U.E, j.U.R = u.Name, u.Email, nonNil(u.Groups)
	}
	return j
}
