package placeostest

import (
	"net"
	"net/url"
	"strings"
	"time"
)

// The "behind Terraform's back" hooks: they change the state directly, with
// none of the API's validation, so tests can set up any situation.

// APIKey returns the stored key (there is no secret in it to return).
func (s *Server) APIKey(id string) (APIKey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := s.st.keys[id]
	if k == nil {
		return APIKey{}, false
	}
	return k.clone(), true
}

// APIKeys returns all keys, sorted by name, id.
func (s *Server) APIKeys() []APIKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []APIKey
	for _, k := range sortedKeys(s.st) {
		out = append(out, k.clone())
	}
	return out
}

// DeleteAPIKey removes a key; false if there was none.
func (s *Server) DeleteAPIKey(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.keys[id] == nil {
		return false
	}
	delete(s.st.keys, id)
	return true
}

// ExpireAPIKey sets a key's expires_at to one second ago by the server clock.
func (s *Server) ExpireAPIKey(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.st.keys[id]; k != nil {
		t := s.now().Add(-time.Second)
		k.ExpiresAt = &t
	}
}

// CreateAPIKey stores a key as given (no name normalisation, no validation)
// and returns it with its full X-API-Key. Empty fields get the API's defaults:
// a fresh id, scopes ["public"], permissions "user", the user's authority.
func (s *Server) CreateAPIKey(k APIKey) (APIKey, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.createKeyLocked(k)
}

func (s *Server) createKeyLocked(k APIKey) (APIKey, string) {
	k = k.clone()
	if k.ID == "" {
		k.ID = newKeyID()
	}
	if k.Scopes == nil {
		k.Scopes = []string{"public"}
	}
	if k.Permissions == "" {
		k.Permissions = permUser.String()
	}
	if k.AuthorityID == "" {
		if u := s.st.users[k.UserID]; u != nil {
			k.AuthorityID = u.AuthorityID
		}
	}
	s.stamp(&k.CreatedAt, &k.UpdatedAt)
	secret := newSecret()
	s.st.keys[k.ID] = &keyRecord{APIKey: k, hmac: keyHMAC(secret, k.ID)}
	return k.clone(), k.ID + "." + secret
}

// Authenticates reports whether this X-API-Key would be accepted now.
func (s *Server) Authenticates(xAPIKey string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, aerr := s.findKey(xAPIKey)
	return aerr == ""
}

// AddDomain stores a domain. Empty fields get the model's defaults; the
// domain name is reduced to its lower-cased host, as the model's setter does.
func (s *Server) AddDomain(d Domain) Domain {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addDomainLocked(d)
}

func (s *Server) addDomainLocked(d Domain) Domain {
	d = d.clone()
	if d.ID == "" {
		d.ID = newID("authority")
	}
	d.DomainName = hostOf(d.DomainName)
	if d.LoginURL == "" {
		d.LoginURL = "/login?continue={{url}}"
	}
	if d.LogoutURL == "" {
		d.LogoutURL = "/auth/logout"
	}
	if d.Internals == nil {
		d.Internals = map[string]any{}
	}
	if d.Config == nil {
		d.Config = map[string]any{"default_app": "/backoffice/"}
	}
	if d.EmailDomains == nil {
		d.EmailDomains = []string{}
	}
	s.stamp(&d.CreatedAt, &d.UpdatedAt)
	stored := d
	s.st.domains[d.ID] = &stored
	return d.clone()
}

// stamp defaults a record's created time to the server's now and its updated time to created.
func (s *Server) stamp(created, updated *time.Time) {
	if created.IsZero() {
		*created = s.now()
	}
	if updated.IsZero() {
		*updated = *created
	}
}

// hostOf keeps only the lower-cased host of "https://Foo.com/x" or "Foo.com:8080".
func hostOf(v string) string {
	v = strings.TrimSpace(v)
	if u, err := url.Parse(v); err == nil && u.Host != "" {
		v = u.Host
	}
	if h, _, err := net.SplitHostPort(v); err == nil {
		v = h
	}
	return strings.ToLower(strings.Trim(v, "[]"))
}

// AddUser stores a user with a password for the OAuth password grant (""
// makes an SSO-only user). Empty fields get defaults: a fresh id, the primary
// domain, and fake values for the sensitive columns.
func (s *Server) AddUser(u User, password string) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUserLocked(u, password)
}

func (s *Server) addUserLocked(u User, password string) User {
	u = u.clone()
	if u.ID == "" {
		u.ID = newID("user")
	}
	if u.AuthorityID == "" {
		u.AuthorityID = s.seed.Domain.ID
	}
	if u.Groups == nil {
		u.Groups = []string{}
	}
	if u.WorkPreferences == nil {
		u.WorkPreferences = []any{}
	}
	if u.WorkOverrides == nil {
		u.WorkOverrides = map[string]any{}
	}
	for _, f := range []struct {
		field *string
		label string
	}{
		{&u.PasswordDigest, "digest"}, {&u.AccessToken, "access"},
		{&u.RefreshToken, "refresh"}, {&u.CardNumber, "card"},
	} {
		if *f.field == "" {
			*f.field = f.label + "-SENSITIVE-" + randomHex(8)
		}
	}
	s.stamp(&u.CreatedAt, &u.UpdatedAt)
	stored := u
	s.st.users[u.ID] = &stored
	if password != "" {
		s.st.passwords[u.ID] = passwordHash(password)
	} else {
		delete(s.st.passwords, u.ID)
	}
	return u.clone()
}

// DeleteUser hard-deletes a user and, like the real cascade, the user's keys.
func (s *Server) DeleteUser(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.st.users[id] == nil {
		return false
	}
	delete(s.st.users, id)
	delete(s.st.passwords, id)
	for kid, k := range s.st.keys {
		if k.UserID == id {
			delete(s.st.keys, kid)
		}
	}
	return true
}

// SeededAPIKey reports whether id is one of the keys the server started with.
func (s *Server) SeededAPIKey(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st.seedKeys[id]
}

// seedData creates the domains, users, keys and OAuth apps of Seed.
func (s *Server) seedData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	sd := &s.seed
	sd.AdminPassword = newSecret()
	sd.Domain = s.addDomainLocked(Domain{
		Name: "Local Campus", DomainName: "127.0.0.1", EmailDomains: []string{"example.com"},
		Internals: map[string]any{"sso_secret": "internals-SENSITIVE-" + randomHex(8)},
	})
	sd.OtherDomain = s.addDomainLocked(Domain{
		Name: "Second Site", DomainName: "localhost", EmailDomains: []string{"second.example"},
		Internals: map[string]any{"sso_secret": "internals-SENSITIVE-" + randomHex(8)},
	})
	user := func(email, name string, authorityID string, sysAdmin, support bool) User {
		first, last, _ := strings.Cut(name, " ")
		return s.addUserLocked(User{
			AuthorityID: authorityID, Email: email, Name: name, FirstName: first, LastName: last,
			SysAdmin: sysAdmin, Support: support, LoginName: strings.Split(email, "@")[0],
		}, sd.AdminPassword)
	}
	sd.Admin = user("admin@example.com", "Ada Admin", sd.Domain.ID, true, false)
	sd.Support = user("support@example.com", "Sam Support", sd.Domain.ID, false, true)
	sd.Panel = user("panel@example.com", "Pat Panel", sd.Domain.ID, false, false)
	sd.OtherPanel = user("panel@second.example", "Olive Panel", sd.OtherDomain.ID, false, false)

	seedKey := func(name string, u User, perm permLevel) string {
		k, x := s.createKeyLocked(APIKey{
			Name: name, Description: "seeded by placeostest", Scopes: []string{"public"},
			Permissions: perm.String(), UserID: u.ID,
		})
		s.st.seedKeys[k.ID] = true
		return x
	}
	sd.AdminAPIKey = seedKey("seed admin key", sd.Admin, permAdmin)
	sd.SupportAPIKey = seedKey("seed support key", sd.Support, permSupport)
	sd.UserAPIKey = seedKey("seed user key", sd.Panel, permUser)

	sd.OAuthClientID, sd.OAuthClientSecret = randomHex(16), newSecret()
	s.st.apps[sd.OAuthClientID] = &oauthApp{id: sd.OAuthClientID, secret: sd.OAuthClientSecret, confidential: true}
	sd.PublicClientID = randomHex(16)
	s.st.apps[sd.PublicClientID] = &oauthApp{id: sd.PublicClientID}
}
