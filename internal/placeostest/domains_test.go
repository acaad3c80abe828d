package placeostest

import (
	"fmt"
	"net/http"
	"testing"
)

const domainsPath = "/api/engine/v2/domains"

func TestDomainsIndexAndShow(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()

	r := do(t, s, call{path: domainsPath, key: sd.SupportAPIKey})
	expectStatus(t, r, 200)
	var rows []map[string]any
	r.decode(t, &rows)
	if len(rows) != 2 || rows[0]["name"] != "Local Campus" || rows[1]["name"] != "Second Site" {
		t.Fatalf("domains = %s", r.body)
	}
	if rows[0]["domain"] != "127.0.0.1" || rows[0]["id"] != sd.Domain.ID || fmt.Sprint(rows[0]["email_domains"]) != "[example.com]" {
		t.Errorf("first domain = %v", rows[0])
	}
	if _, ok := rows[0]["internals"].(map[string]any)["sso_secret"]; !ok {
		t.Errorf("domain responses include internals on the real server: %v", rows[0])
	}
	if _, ok := rows[0]["created_at"].(float64); !ok {
		t.Errorf("created_at not epoch: %v", rows[0]["created_at"])
	}
	if r.header.Get("Content-Range") != "authority 0-2/2" || r.header.Get("X-Total-Count") != "2" {
		t.Errorf("headers %v", r.header)
	}
	wantOrder := []string{"created_at", "updated_at", "name", "description", "domain", "login_url", "logout_url",
		"internals", "config", "email_domains", "id"}
	show := do(t, s, call{path: domainsPath + "/" + sd.OtherDomain.ID, key: sd.AdminAPIKey})
	expectStatus(t, show, 200)
	if got := topLevelKeys(t, show.body); fmt.Sprint(got) != fmt.Sprint(wantOrder) {
		t.Errorf("field order %v, want %v", got, wantOrder)
	}
	if show.object(t)["domain"] != "localhost" {
		t.Errorf("show = %s", show.body)
	}
	expectStatus(t, do(t, s, call{path: domainsPath + "/authority-nothing", key: sd.AdminAPIKey}), 404)

	for q, want := range map[string]string{"second": "1", "127.0": "1", "CAMPUS": "1", "*": "2", "nomatch": "0"} {
		r := do(t, s, call{path: domainsPath + "?q=" + q, key: sd.AdminAPIKey})
		if got := r.header.Get("X-Total-Count"); got != want {
			t.Errorf("q=%s: total %s, want %s", q, got, want)
		}
	}
	r = do(t, s, call{path: domainsPath + "?limit=1", key: sd.AdminAPIKey})
	if r.header.Get("Link") != `</api/engine/v2/domains?limit=1&offset=1>; rel="next"` {
		t.Errorf("Link = %q", r.header.Get("Link"))
	}
}

func TestDomainsAuthorisation(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	mk := func(perm string, scopes ...string) string {
		_, x := s.CreateAPIKey(APIKey{Name: fmt.Sprint(perm, scopes), UserID: sd.Support.ID, Permissions: perm, Scopes: scopes})
		return x
	}
	tests := []struct {
		name, key string
		want      int
	}{
		{"admin public", sd.AdminAPIKey, 200},
		{"support public", sd.SupportAPIKey, 200},
		{"user public", sd.UserAPIKey, 403},
		{"support domains.read", mk("support", "domains.read"), 200},
		{"support domains", mk("support", "domains"), 200},
		{"support domains.write", mk("support", "domains.write"), 403},
		{"admin api_keys only", mk("admin", "api_keys"), 403},
		{"no credentials", "", 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, path := range []string{domainsPath, domainsPath + "/" + sd.Domain.ID} {
				r := do(t, s, call{path: path, key: tc.key})
				expectStatus(t, r, tc.want)
				if tc.want == 403 && len(r.body) != 0 {
					t.Errorf("403 body %q, want empty", r.body)
				}
			}
		})
	}
}

func TestDomainLookup(t *testing.T) {
	s := newTestServer(t)
	tests := []struct {
		email  string
		status int
		body   string
	}{
		{"jane%40example.com", 200, `"127.0.0.1"`},
		{"jane@example.com", 200, `"127.0.0.1"`},
		{"Pat%40SECOND.example", 200, `"localhost"`},
		{"someone%40elsewhere.org", 404, `{"error":"No matching domain found"}`},
		{"no-at-sign", 404, `{"error":"No matching domain found"}`},
	}
	for _, tc := range tests {
		t.Run(tc.email, func(t *testing.T) {
			r := do(t, s, call{path: domainsPath + "/lookup/" + tc.email}) // no credentials needed
			expectStatus(t, r, tc.status)
			expectBody(t, r, tc.body)
		})
	}
}

// The domain is chosen by the Host header: the same listener answers for
// two domains. /auth/authority needs no credentials and shows which one.
func TestHostSelectsDomain(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	for _, tc := range []struct{ base, wantID, wantDomain string }{
		{s.URL(), sd.Domain.ID, "127.0.0.1"},
		{s.OtherURL(), sd.OtherDomain.ID, "localhost"},
	} {
		r := do(t, s, call{base: tc.base, path: "/auth/authority"})
		expectStatus(t, r, 200)
		m := r.object(t)
		if m["id"] != tc.wantID || m["domain"] != tc.wantDomain {
			t.Errorf("%s: authority = %s", tc.base, r.body)
		}
		for _, hidden := range []string{"internals", "created_at"} {
			if _, ok := m[hidden]; ok {
				t.Errorf("/auth/authority exposes %s", hidden)
			}
		}
		if _, ok := m["updated_at"].(string); !ok {
			t.Errorf("/auth/authority updated_at should be a Rails ISO string: %v", m["updated_at"])
		}
	}
	r := do(t, s, call{path: "/auth/authority", header: map[string]string{"Host": "unknown.example"}})
	expectStatus(t, r, http.StatusNotFound)
}
