package placeostest

import (
	"net/http"
	"regexp"
	"testing"
)

// Paths are decoded exactly once, as lucky_router does: a segment escaped twice
// names something else, so a client that double-escapes gets a 404.
func TestPathsDecodedOnce(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	jorg := s.AddUser(User{Email: "jörg@example.com", Name: "Jörg"}, "")
	slash := s.AddUser(User{Email: "a/b+c@example.com", Name: "Slash"}, "")
	for _, tc := range []struct {
		path, wantID string // "" means 404
	}{
		{"j%C3%B6rg@example.com", jorg.ID},
		{"j%C3%B6rg%40example.com", jorg.ID},
		{"j%25C3%25B6rg@example.com", ""},
		{"a%2Fb+c@example.com", slash.ID},
		{"a%252Fb+c@example.com", ""},
	} {
		r := do(t, s, call{path: usersPath + "/" + tc.path, key: sd.AdminAPIKey})
		if tc.wantID == "" {
			expectStatus(t, r, http.StatusNotFound)
			continue
		}
		expectStatus(t, r, http.StatusOK)
		if got := r.object(t)["id"]; got != tc.wantID {
			t.Errorf("%s: id %v, want %s", tc.path, got, tc.wantID)
		}
	}
}

// /users/current for credentials whose user no longer exists is a 401, not a 404.
func TestUsersCurrentDeletedUser(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	gone := s.AddUser(User{Email: "gone@example.com", Name: "Gone", SysAdmin: true}, "pw-gone")
	_, tok := tokenRequest(t, s, "", passwordForm("gone@example.com", "pw-gone"), sd.OAuthClientID, sd.OAuthClientSecret)
	if tok.AccessToken == "" {
		t.Fatalf("no token: %+v", tok)
	}
	expectStatus(t, do(t, s, call{path: usersPath + "/current", bearer: tok.AccessToken}), http.StatusOK)
	s.DeleteUser(gone.ID)
	r := do(t, s, call{path: usersPath + "/current", bearer: tok.AccessToken})
	expectStatus(t, r, http.StatusUnauthorized)
	expectBody(t, r, `{"error":"user not found"}`)
}

// The Authorization prefix is case-sensitive: "bearer <token>" carries no credentials.
func TestBearerPrefixCaseSensitive(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	_, tok := tokenRequest(t, s, "", passwordForm("admin@example.com", sd.AdminPassword), sd.OAuthClientID, sd.OAuthClientSecret)
	for _, tc := range []struct {
		header string
		status int
	}{
		{"Bearer " + tok.AccessToken, http.StatusOK},
		{"Token " + tok.AccessToken, http.StatusOK},
		{"bearer " + tok.AccessToken, http.StatusUnauthorized},
		{"BEARER " + tok.AccessToken, http.StatusUnauthorized},
	} {
		r := do(t, s, call{path: keysPath, header: map[string]string{"Authorization": tc.header}})
		if r.status != tc.status {
			t.Errorf("%.6s...: status %d, want %d", tc.header, r.status, tc.status)
		}
		if tc.status == http.StatusUnauthorized {
			expectBody(t, r, `{"error":""}`)
		}
	}
}

// Domain lookup takes the part after the FIRST "@", lower-cased, and compares it exactly.
func TestDomainLookupFirstAt(t *testing.T) {
	s := newTestServer(t)
	for _, tc := range []struct {
		email  string
		status int
	}{
		{"x%40evil.org%40example.com", http.StatusNotFound},
		{"x%40EXAMPLE.COM", http.StatusOK},
		{"x%40example.com.", http.StatusNotFound},
	} {
		r := do(t, s, call{path: domainsPath + "/lookup/" + tc.email})
		if r.status != tc.status {
			t.Errorf("%s: status %d %s, want %d", tc.email, r.status, r.body, tc.status)
		}
	}
}

// /auth/authority reports a version shaped like PlaceOS's own (x.y.z), which is what
// @placeos/ts-client needs to use the /api/engine/v2 paths.
func TestAuthorityVersionShape(t *testing.T) {
	s := newTestServer(t)
	m := do(t, s, call{path: "/auth/authority"}).object(t)
	v, _ := m["version"].(string)
	if !regexp.MustCompile(`^\d+\.\d+\.\d+$`).MatchString(v) {
		t.Errorf("version = %q, want x.y.z", v)
	}
}

// Names are cleaned as text (tags removed, the rest escaped), trimmed, and lower-cased on
// create only; descriptions keep an allow-list of tags and escape the rest.
func TestSanitizedNamesAndDescriptions(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	create := func(name, description string) result {
		return do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{
			"name": name, "description": description, "user_id": sd.Panel.ID,
		}})
	}
	r := create("  R&D <b>Panel</b><script>x()</script> ", "Tom & Jerry <3 <b>ok</b> <img src=x> &amp;")
	expectStatus(t, r, http.StatusCreated)
	m := r.object(t)
	if m["name"] != "r&amp;d panel" {
		t.Errorf("name = %q, want %q", m["name"], "r&amp;d panel")
	}
	if m["description"] != "Tom &amp; Jerry &lt;3 <b>ok</b>  &amp;" {
		t.Errorf("description = %q", m["description"])
	}
	id := str(t, m["id"])

	// The same name again, in another spelling, is taken: uniqueness compares the cleaned,
	// trimmed, lower-cased new name.
	r = create("R&D PANEL", "")
	expectStatus(t, r, http.StatusUnprocessableEntity)

	// An update stores the name as sent (cleaned and trimmed), without lower-casing it.
	r = do(t, s, call{method: "PATCH", path: keysPath + "/" + id, key: sd.AdminAPIKey, body: map[string]any{"name": " Foo & Bar "}})
	expectStatus(t, r, http.StatusOK)
	if got := r.object(t)["name"]; got != "Foo &amp; Bar" {
		t.Errorf("renamed = %q, want %q", got, "Foo &amp; Bar")
	}
	// ...so the lower-cased name is free for a new key (SQL equality on the stored name).
	expectStatus(t, create("foo & bar", ""), http.StatusCreated)
	// ...and the renamed key can no longer be saved: its name now collides on every save.
	r = do(t, s, call{method: "PATCH", path: keysPath + "/" + id, key: sd.AdminAPIKey, body: map[string]any{"description": "x"}})
	expectStatus(t, r, http.StatusUnprocessableEntity)
}

// A bearer token's permission bits are fixed when it is issued: demoting the user later does
// not change what the token may do.
func TestBearerPermissionFixedAtIssue(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	boss := s.AddUser(User{Email: "boss@example.com", Name: "Boss", SysAdmin: true}, "pw-boss")
	_, tok := tokenRequest(t, s, "", passwordForm("boss@example.com", "pw-boss"), sd.OAuthClientID, sd.OAuthClientSecret)
	boss.SysAdmin = false
	s.AddUser(boss, "pw-boss")
	expectStatus(t, do(t, s, call{path: keysPath, bearer: tok.AccessToken}), http.StatusOK)
	var claims struct{ U struct{ P int } }
	do(t, s, call{path: keysPath + "/inspect", bearer: tok.AccessToken}).decode(t, &claims)
	if claims.U.P != 2 {
		t.Errorf("u.p = %d, want 2 (admin when issued)", claims.U.P)
	}
	// A token issued now carries the new level.
	_, fresh := tokenRequest(t, s, "", passwordForm("boss@example.com", "pw-boss"), sd.OAuthClientID, sd.OAuthClientSecret)
	expectStatus(t, do(t, s, call{path: keysPath, bearer: fresh.AccessToken}), http.StatusForbidden)
}
