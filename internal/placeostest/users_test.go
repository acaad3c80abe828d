package placeostest

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

const usersPath = "/api/engine/v2/users"

var adminOnlyUserFields = []string{"sys_admin", "support", "login_name", "card_number"}

func TestUsersShow(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	staff := s.AddUser(User{Email: "Staff@Example.com", Name: "Stu Staff", StaffID: "S-42", LoginName: "stu"}, "")

	tests := []struct {
		name, base, id, key string
		wantID              string // "" means 404
	}{
		{"by id", "", sd.Panel.ID, sd.AdminAPIKey, sd.Panel.ID},
		{"by id without prefix", "", strings.TrimPrefix(sd.Panel.ID, "user-"), sd.AdminAPIKey, sd.Panel.ID},
		{"by email, any case", "", "STAFF@example.com", sd.AdminAPIKey, staff.ID},
		{"by login_name", "", "stu", sd.AdminAPIKey, staff.ID},
		{"by staff_id", "", "S-42", sd.AdminAPIKey, staff.ID},
		{"by id, other domain's user", "", sd.OtherPanel.ID, sd.AdminAPIKey, sd.OtherPanel.ID},
		{"email lookup stays in the Host's domain", "", "panel@second.example", sd.AdminAPIKey, ""},
		{"email lookup on the other host", s.OtherURL(), "panel@second.example", sd.AdminAPIKey, sd.OtherPanel.ID},
		{"unknown", "", "nobody", sd.AdminAPIKey, ""},
		{"non-admin caller", "", sd.Admin.ID, sd.UserAPIKey, sd.Admin.ID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, call{base: tc.base, path: usersPath + "/" + url.PathEscape(tc.id), key: tc.key})
			if tc.wantID == "" {
				expectStatus(t, r, 404)
				expectBody(t, r, `{"error":""}`)
				return
			}
			expectStatus(t, r, 200)
			m := r.object(t)
			if m["id"] != tc.wantID {
				t.Errorf("id = %v, want %s", m["id"], tc.wantID)
			}
			// Show never returns the model's secret columns.
			for _, f := range []string{"password_digest", "access_token", "refresh_token"} {
				if _, ok := m[f]; ok {
					t.Errorf("user show leaks %s", f)
				}
			}
			isAdmin := tc.key == sd.AdminAPIKey
			for _, f := range adminOnlyUserFields {
				if _, ok := m[f]; ok != isAdmin {
					t.Errorf("field %s present=%v for admin=%v", f, ok, isAdmin)
				}
			}
		})
	}
}

func TestUsersIndex(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	s.AddUser(User{Email: "gone@example.com", Name: "Gone Away", Deleted: true}, "")

	total := func(r result) string { return r.header.Get("X-Total-Count") }
	r := do(t, s, call{path: usersPath, key: sd.AdminAPIKey})
	expectStatus(t, r, 200)
	if total(r) != "4" || r.header.Get("Content-Range") != "user 0-4/4" {
		t.Errorf("admin, all domains, no deleted: total %s range %s", total(r), r.header.Get("Content-Range"))
	}
	var rows []map[string]any
	r.decode(t, &rows)
	if rows[0]["name"] != "Ada Admin" || rows[0]["sys_admin"] != true {
		t.Errorf("first row (sorted by name, admin shape) = %v", rows[0])
	}
	r = do(t, s, call{path: usersPath + "?include_deleted=true", key: sd.AdminAPIKey})
	if total(r) != "5" {
		t.Errorf("include_deleted: total %s", total(r))
	}
	expectStatus(t, do(t, s, call{path: usersPath + "?include_deleted=maybe", key: sd.AdminAPIKey}), 400)
	r = do(t, s, call{path: usersPath + "?authority_id=" + sd.OtherDomain.ID, key: sd.AdminAPIKey})
	if total(r) != "1" || !bytes.Contains(r.body, []byte(sd.OtherPanel.ID)) {
		t.Errorf("admin authority_id filter: %s", r.body)
	}
	r = do(t, s, call{path: usersPath + "?q=" + url.QueryEscape("panel@example.com"), key: sd.AdminAPIKey})
	if total(r) != "1" || !bytes.Contains(r.body, []byte(sd.Panel.ID)) {
		t.Errorf("q by email: %s", r.body)
	}

	// A non-admin sees only the Host's domain, in the public shape, whatever it asks for.
	r = do(t, s, call{path: usersPath + "?authority_id=" + sd.OtherDomain.ID, key: sd.UserAPIKey})
	expectStatus(t, r, 200)
	if total(r) != "3" || bytes.Contains(r.body, []byte(sd.OtherPanel.ID)) {
		t.Errorf("non-admin saw another domain: %s", r.body)
	}
	for _, f := range adminOnlyUserFields {
		if bytes.Contains(r.body, []byte(`"`+f+`"`)) {
			t.Errorf("non-admin list has admin field %s", f)
		}
	}
	r = do(t, s, call{base: s.OtherURL(), path: usersPath, key: sd.UserAPIKey})
	if total(r) != "1" || !bytes.Contains(r.body, []byte(sd.OtherPanel.ID)) {
		t.Errorf("non-admin on the other host: %s", r.body)
	}
}

func TestUsersScopes(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	mk := func(scopes ...string) string {
		_, x := s.CreateAPIKey(APIKey{Name: fmt.Sprint(scopes), UserID: sd.Panel.ID, Permissions: "admin", Scopes: scopes})
		return x
	}
	tests := []struct {
		name, key      string
		index, current int
	}{
		{"public", sd.AdminAPIKey, 200, 200},
		{"users", mk("users"), 200, 200},
		{"users.read", mk("users.read"), 200, 200},
		{"users.write", mk("users.write"), 403, 200},
		{"api_keys only", mk("api_keys"), 403, 200}, // current needs no users scope
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, call{path: usersPath, key: tc.key})
			expectStatus(t, r, tc.index)
			if tc.index == 403 && len(r.body) != 0 {
				t.Errorf("403 body %q", r.body)
			}
			expectStatus(t, do(t, s, call{path: usersPath + "/" + sd.Panel.ID, key: tc.key}), tc.index)
			expectStatus(t, do(t, s, call{path: usersPath + "/current", key: tc.key}), tc.current)
		})
	}
}

func TestUsersCurrent(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	r := do(t, s, call{path: usersPath + "/current", key: sd.UserAPIKey})
	expectStatus(t, r, 200)
	m := r.object(t)
	if m["id"] != sd.Panel.ID || m["email"] != "panel@example.com" {
		t.Errorf("current = %s", r.body)
	}
	// Always the admin shape, plus metadata.
	for _, f := range []string{"sys_admin", "support", "login_name", "associated_metadata", "subsystem_access"} {
		if _, ok := m[f]; !ok {
			t.Errorf("current lacks %s", f)
		}
	}
	if s.Requests(routeUsersCurrent) != 1 || s.Requests(routeUsersShow) != 0 {
		t.Errorf("/users/current must not be routed as /users/{id}: %v", s.RequestCounts())
	}
	r = do(t, s, call{path: usersPath + "/current"})
	expectStatus(t, r, 401)
	expectBody(t, r, `{"error":""}`)
}
