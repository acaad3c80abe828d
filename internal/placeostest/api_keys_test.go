package placeostest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const keysPath = "/api/engine/v2/api_keys"

// topLevelKeys returns an object's keys in wire order.
func topLevelKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", body)
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, str(t, tok))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

func TestCreateAPIKeyQuirks(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	expires := clock.Now().Add(48 * time.Hour).Unix()

	r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{
		"name":         "  Terraform <b>CI</b>  ",
		"description":  "CI automation",
		"user_id":      sd.Panel.ID,
		"authority_id": sd.OtherDomain.ID, // overwritten from the user
		"scopes":       []string{"api_keys.read", "domains.WRITE", "systems.all", "public", "modules.none"},
		"permissions":  "ADMIN",
		"expires_at":   expires,
		"id":           "ignored",
		"secret":       "ignored",
	}})
	expectStatus(t, r, http.StatusCreated)

	wantOrder := []string{"created_at", "updated_at", "name", "description", "scopes", "expires_at",
		"user_id", "authority_id", "user", "authority", "x_api_key", "permissions", "id"}
	if got := topLevelKeys(t, r.body); !slices.Equal(got, wantOrder) {
		t.Errorf("field order = %v, want %v", got, wantOrder)
	}

	var k struct {
		CreatedAt   int64    `json:"created_at"`
		Name        string   `json:"name"`
		Description string   `json:"description"`
		Scopes      []string `json:"scopes"`
		ExpiresAt   int64    `json:"expires_at"`
		UserID      string   `json:"user_id"`
		AuthorityID string   `json:"authority_id"`
		User        map[string]any
		Authority   map[string]any
		XAPIKey     string `json:"x_api_key"`
		Permissions string `json:"permissions"`
		ID          string `json:"id"`
	}
	r.decode(t, &k)
	if k.Name != "terraform ci" {
		t.Errorf("name = %q, want stripped, tag-free, lower-cased %q", k.Name, "terraform ci")
	}
	if want := []string{"api_keys.Read", "domains.Write", "systems", "public", "modules.None"}; !slices.Equal(k.Scopes, want) {
		t.Errorf("scopes = %v, want %v", k.Scopes, want)
	}
	if k.Permissions != "admin" || k.ExpiresAt != expires || k.CreatedAt != clock.Now().Unix() {
		t.Errorf("permissions %q expires_at %d created_at %d", k.Permissions, k.ExpiresAt, k.CreatedAt)
	}
	if k.AuthorityID != sd.Domain.ID || k.UserID != sd.Panel.ID {
		t.Errorf("authority_id %q user_id %q: authority must come from the user", k.AuthorityID, k.UserID)
	}
	if len(k.ID) != 32 || k.ID == "ignored" || !strings.HasPrefix(k.XAPIKey, k.ID+".") || len(k.XAPIKey) != 32+1+43 {
		t.Errorf("id %q x_api_key %q", k.ID, k.XAPIKey)
	}
	if !s.Authenticates(k.XAPIKey) {
		t.Errorf("the returned x_api_key does not authenticate")
	}
	// The embedded objects leak sensitive data, as the real server does.
	for _, f := range []string{"password_digest", "access_token", "refresh_token", "card_number"} {
		if v, _ := k.User[f].(string); !strings.Contains(v, "SENSITIVE") {
			t.Errorf("embedded user %s = %v", f, k.User[f])
		}
	}
	if in, _ := k.Authority["internals"].(map[string]any); in == nil || !strings.Contains(fmt.Sprint(in["sso_secret"]), "SENSITIVE") {
		t.Errorf("embedded authority internals = %v", k.Authority["internals"])
	}

	// Show: the same key, never the secret.
	show := do(t, s, call{path: keysPath + "/" + k.ID, key: sd.AdminAPIKey})
	expectStatus(t, show, 200)
	if bytes.Contains(show.body, []byte("x_api_key")) {
		t.Errorf("show returned x_api_key: %s", show.body)
	}
	stored, ok := s.APIKey(k.ID)
	if !ok || stored.Name != "terraform ci" || stored.ExpiresAt == nil || stored.ExpiresAt.Unix() != expires {
		t.Errorf("stored = %+v", stored)
	}
}

func TestCreateAPIKeyDefaultsOmitNil(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{"name": "plain", "user_id": sd.Panel.ID}})
	expectStatus(t, r, 201)
	m := r.object(t)
	if _, ok := m["expires_at"]; ok {
		t.Errorf("nil expires_at must be omitted, got %v", m["expires_at"])
	}
	if m["description"] != "" || m["permissions"] != "user" || fmt.Sprint(m["scopes"]) != "[public]" {
		t.Errorf("defaults: description %q permissions %v scopes %v", m["description"], m["permissions"], m["scopes"])
	}
	user, _ := m["user"].(map[string]any)
	if user == nil {
		t.Fatalf("no embedded user: %s", r.body)
	}
	for _, f := range []string{"nickname", "phone", "last_login", "ui_theme"} {
		if _, ok := user[f]; ok {
			t.Errorf("nil user field %s present", f)
		}
	}
	if _, ok := m["created_at"].(float64); !ok {
		t.Errorf("created_at is not an epoch number: %T", m["created_at"])
	}
}

func TestCreateAPIKeyFailures(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	s.CreateAPIKey(APIKey{Name: "taken", UserID: sd.Panel.ID})

	user := sd.Panel.ID
	past := clock.Now().Add(-time.Minute).Unix()
	const unique = `{"error":"validation failed","failures":[{"field":"name","reason":"should be unique"}]}`
	tests := []struct {
		name     string
		body     any
		header   map[string]string
		status   int
		wantBody string // exact, if set
	}{
		{"duplicate name differs only in case and space", map[string]any{"name": "  TAKEN ", "user_id": user}, nil, 422, unique},
		{"nil name", map[string]any{"user_id": user}, nil, 422, `{"error":"validation failed","failures":[{"field":"name","reason":"should not be nil"}]}`},
		{"null name", map[string]any{"name": nil, "user_id": user}, nil, 422, `{"error":"validation failed","failures":[{"field":"name","reason":"should not be nil"}]}`},
		{"expiry in the past", map[string]any{"name": "a", "user_id": user, "expires_at": past}, nil, 422,
			`{"error":"validation failed","failures":[{"field":"expires_at","reason":"must be in the future"}]}`},
		{"expiry now", map[string]any{"name": "a", "user_id": user, "expires_at": clock.Now().Unix()}, nil, 422, ""},
		{"two failures", map[string]any{"name": "taken", "user_id": user, "expires_at": past}, nil, 422,
			`{"error":"validation failed","failures":[{"field":"name","reason":"should be unique"},{"field":"expires_at","reason":"must be in the future"}]}`},
		{"unknown user, JSON accepted", map[string]any{"name": "a", "user_id": "user-nobody"}, map[string]string{"Accept": "application/json"}, 500, `{}`},
		{"unknown user, no JSON accept", map[string]any{"name": "a", "user_id": "user-nobody"}, nil, 500, ``},
		{"missing user", map[string]any{"name": "a"}, map[string]string{"Accept": "*/*, application/json"}, 500, `{}`},
		{"user check precedes name check", map[string]any{"user_id": "user-nobody"}, nil, 500, ``},
		{"scope with three parts", map[string]any{"name": "a", "user_id": user, "scopes": []string{"a.b.c"}}, nil, 500, ""},
		{"scope with unknown access", map[string]any{"name": "a", "user_id": user, "scopes": []string{"a.sometimes"}}, nil, 500, ""},
		{"scopes not an array", map[string]any{"name": "a", "user_id": user, "scopes": "public"}, nil, 400, ""},
		{"scope not a string", map[string]any{"name": "a", "user_id": user, "scopes": []any{1}}, nil, 400, ""},
		{"name not a string", map[string]any{"name": 5, "user_id": user}, nil, 400, ""},
		{"empty permissions", map[string]any{"name": "a", "user_id": user, "permissions": ""}, nil, 400, ""},
		{"unknown permissions", map[string]any{"name": "a", "user_id": user, "permissions": "root"}, nil, 400, ""},
		{"permissions out of range", map[string]any{"name": "a", "user_id": user, "permissions": 4}, nil, 400, ""},
		{"permissions a bool", map[string]any{"name": "a", "user_id": user, "permissions": true}, nil, 400, ""},
		{"fractional expiry", map[string]any{"name": "a", "user_id": user, "expires_at": 1.5e9 + 0.5}, nil, 400, ""},
		{"unparseable expiry", map[string]any{"name": "a", "user_id": user, "expires_at": "tomorrow"}, nil, 400, ""},
		{"malformed JSON", `{"name": `, nil, 400, ""},
		{"JSON null body", `null`, nil, 400, ""},
		{"not JSON", "name=a", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: tc.body, header: tc.header})
			expectStatus(t, r, tc.status)
			if tc.wantBody != "" || tc.status == 500 && tc.header == nil {
				expectBody(t, r, tc.wantBody)
			}
			if tc.status == 500 && tc.header == nil && r.header.Get("Content-Type") != "text/plain" {
				t.Errorf("500 without JSON Accept: Content-Type %q", r.header.Get("Content-Type"))
			}
			if tc.status == 400 {
				if msg, _ := r.object(t)["error"].(string); msg == "" {
					t.Errorf("400 without an error message: %s", r.body)
				}
			}
		})
	}
	if got := len(s.APIKeys()); got != 4 {
		t.Errorf("failed creates stored keys: %d keys, want 4", got)
	}

	// The same name is fine in another domain (uniqueness is per authority).
	r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{"name": "Taken", "user_id": sd.OtherPanel.ID}})
	expectStatus(t, r, 201)
	if r.object(t)["authority_id"] != sd.OtherDomain.ID {
		t.Errorf("key for a user of the other domain: %s", r.body)
	}
}

func TestCreateAPIKeyInputForms(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	future := clock.Now().Add(24 * time.Hour).Truncate(time.Second)

	tests := []struct {
		field       string
		value       any
		wantPerm    string
		wantExpires *time.Time
	}{
		{"permissions", "admin_support", "admin_support", nil},
		{"permissions", "AdminSupport", "admin_support", nil},
		{"permissions", "SUPPORT", "support", nil},
		{"permissions", 1, "support", nil},
		{"permissions", 3, "admin_support", nil},
		{"permissions", 0, "user", nil},
		{"permissions", nil, "user", nil},
		{"expires_at", future.Unix(), "user", &future},
		{"expires_at", future.In(time.FixedZone("x", 3600)).Format(time.RFC3339), "user", &future},
		{"expires_at", future.Format("2006-01-02T15:04:05"), "user", &future},
		{"expires_at", future.Format("2006-01-02T15:04:05.000000"), "user", &future},
		{"expires_at", nil, "user", nil},
		{"expires_at", "", "user", nil},
	}
	for i, tc := range tests {
		t.Run(fmt.Sprintf("%s=%v", tc.field, tc.value), func(t *testing.T) {
			body := map[string]any{"name": fmt.Sprintf("form-%d", i), "user_id": sd.Panel.ID, tc.field: tc.value}
			r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: body})
			expectStatus(t, r, 201)
			m := r.object(t)
			if m["permissions"] != tc.wantPerm {
				t.Errorf("permissions = %v, want %s", m["permissions"], tc.wantPerm)
			}
			got, present := m["expires_at"]
			switch {
			case tc.wantExpires == nil && present:
				t.Errorf("expires_at = %v, want omitted", got)
			case tc.wantExpires != nil && got != float64(tc.wantExpires.Unix()):
				t.Errorf("expires_at = %v, want %d", got, tc.wantExpires.Unix())
			}
		})
	}
}

func TestUpdateAPIKey(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	created := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{
		"name": "rotating", "description": "first", "user_id": sd.Panel.ID, "scopes": []string{"systems.read"}, "permissions": "support",
		"expires_at": clock.Now().Add(time.Hour).Unix(),
	}}).object(t)
	id := str(t, created["id"])
	s.CreateAPIKey(APIKey{Name: "other", UserID: sd.Panel.ID})
	clock.Advance(time.Minute)

	update := func(method string, body any) result {
		return do(t, s, call{method: method, path: keysPath + "/" + id, key: sd.AdminAPIKey, body: body})
	}

	// PATCH: only the keys sent change; the name is stored as sent.
	r := update("PATCH", map[string]any{"name": "Mixed Case", "scopes": []string{"API_KEYS.WRITE"}, "created_at": 1, "id": "x"})
	expectStatus(t, r, 200)
	m := r.object(t)
	if m["name"] != "Mixed Case" || fmt.Sprint(m["scopes"]) != "[API_KEYS.Write]" || m["description"] != "first" || m["permissions"] != "support" {
		t.Errorf("after PATCH: %s", r.body)
	}
	if m["updated_at"] != float64(clock.Now().Unix()) || m["created_at"] != created["created_at"] || m["id"] != id {
		t.Errorf("timestamps/id after PATCH: %s", r.body)
	}
	if _, ok := m["x_api_key"]; ok {
		t.Errorf("update returned x_api_key")
	}

	// PUT is a partial update too.
	r = update("PUT", map[string]any{"description": "second"})
	expectStatus(t, r, 200)
	if m := r.object(t); m["name"] != "Mixed Case" || m["description"] != "second" {
		t.Errorf("after PUT: %s", r.body)
	}

	// A new user does not move the key to the user's authority.
	r = update("PATCH", map[string]any{"user_id": sd.OtherPanel.ID})
	expectStatus(t, r, 200)
	if m := r.object(t); m["user_id"] != sd.OtherPanel.ID || m["authority_id"] != sd.Domain.ID {
		t.Errorf("user change: %s", r.body)
	}
	expectStatus(t, update("PATCH", map[string]any{"user_id": sd.Panel.ID, "authority_id": sd.Domain.ID}), 200)

	// Uniqueness still applies, case-insensitively; the failed update changes nothing.
	expectBody(t, update("PATCH", map[string]any{"name": " OTHER"}), `{"error":"validation failed","failures":[{"field":"name","reason":"should be unique"}]}`)
	expectStatus(t, update("PATCH", map[string]any{"name": nil}), 422)
	expectStatus(t, update("PATCH", map[string]any{"description": nil}), 422)
	expectStatus(t, update("PATCH", map[string]any{"user_id": "user-nobody"}), 500)
	expectStatus(t, update("PATCH", map[string]any{"permissions": ""}), 400)
	if k, _ := s.APIKey(id); k.Name != "Mixed Case" || k.UserID != sd.Panel.ID {
		t.Errorf("failed updates changed the key: %+v", k)
	}

	// expires_at is checked on every save: an expired key cannot be touched
	// unless the same request moves the expiry or clears it.
	clock.Advance(2 * time.Hour)
	expectBody(t, update("PATCH", map[string]any{"description": "late"}),
		`{"error":"validation failed","failures":[{"field":"expires_at","reason":"must be in the future"}]}`)
	r = update("PATCH", map[string]any{"description": "late", "expires_at": clock.Now().Add(time.Hour).Format(time.RFC3339)})
	expectStatus(t, r, 200)
	r = update("PATCH", map[string]any{"expires_at": nil})
	expectStatus(t, r, 200)
	if _, ok := r.object(t)["expires_at"]; ok {
		t.Errorf("expires_at null did not clear: %s", r.body)
	}

	// Unknown key.
	r = do(t, s, call{method: "PATCH", path: keysPath + "/" + strings.Repeat("f", 32), key: sd.AdminAPIKey, body: map[string]any{"name": "x"}})
	expectStatus(t, r, 404)
}

func TestDeleteAPIKey(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	k, x := s.CreateAPIKey(APIKey{Name: "doomed", UserID: sd.Panel.ID})
	r := do(t, s, call{method: "DELETE", path: keysPath + "/" + k.ID, key: sd.AdminAPIKey})
	expectStatus(t, r, http.StatusAccepted)
	expectBody(t, r, "")
	expectStatus(t, do(t, s, call{path: keysPath + "/" + k.ID, key: sd.AdminAPIKey}), 404)
	r = do(t, s, call{method: "DELETE", path: keysPath + "/" + k.ID, key: sd.AdminAPIKey})
	expectStatus(t, r, 404)
	if r.object(t)["error"] != "Key not present: "+k.ID {
		t.Errorf("404 body = %s", r.body)
	}
	if s.Authenticates(x) {
		t.Errorf("a deleted key still authenticates")
	}
}

func TestAPIKeyAuthorisation(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	target, _ := s.CreateAPIKey(APIKey{Name: "target", UserID: sd.Panel.ID})
	mk := func(perm string, scopes ...string) string {
		// The owner is a sys_admin: only the key's own permissions count.
		_, x := s.CreateAPIKey(APIKey{Name: fmt.Sprintf("%s %v", perm, scopes), UserID: sd.Admin.ID, Permissions: perm, Scopes: scopes})
		return x
	}
	keys := map[string]string{
		"admin public":      sd.AdminAPIKey,
		"admin api_keys":    mk("admin", "api_keys"),
		"admin read":        mk("admin", "api_keys.Read"),
		"admin write":       mk("admin", "api_keys.Write"),
		"admin domains":     mk("admin", "domains"),
		"admin_support rw":  mk("admin_support", "api_keys.Read", "api_keys.Write"),
		"admin wr":          mk("admin", "api_keys.Write", "api_keys.Read"),
		"admin all read":    mk("admin", "api_keys", "api_keys.Read"),
		"admin public read": mk("admin", "public.Read", "public"),
		"admin Api_keys":    mk("admin", "Api_keys"),
		"support public":    sd.SupportAPIKey,
		"user public":       mk("user", "public"),
	}
	const ok, no = "ok", "403"
	tests := []struct {
		key                                          string
		index, show, create, update, delete, inspect string
	}{
		{"admin public", ok, ok, ok, ok, ok, ok},
		{"admin api_keys", ok, ok, ok, ok, ok, ok},
		{"admin read", ok, ok, no, no, no, ok},
		{"admin write", no, no, ok, ok, ok, ok}, // write does not imply read
		{"admin domains", no, no, no, no, no, ok},
		// Only the first entry of a resource counts.
		{"admin_support rw", ok, ok, no, no, no, ok},
		{"admin wr", no, no, ok, ok, ok, ok},
		{"admin all read", ok, ok, ok, ok, ok, ok},
		{"admin public read", ok, ok, no, no, no, ok},
		// Resource names are case-sensitive.
		{"admin Api_keys", no, no, no, no, no, ok},
		{"support public", no, no, no, no, no, ok},
		{"user public", no, no, no, no, no, ok},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			key := keys[tc.key]
			check := func(op, want string, c call) {
				t.Helper()
				c.key = key
				r := do(t, s, c)
				if want == no {
					if r.status != 403 || len(r.body) != 0 {
						t.Errorf("%s: status %d body %q, want 403 with an empty body", op, r.status, r.body)
					}
					return
				}
				if r.status >= 300 {
					t.Errorf("%s: status %d body %s, want success", op, r.status, r.body)
				}
			}
			check("index", tc.index, call{path: keysPath})
			check("show", tc.show, call{path: keysPath + "/" + target.ID})
			check("create", tc.create, call{method: "POST", path: keysPath, body: map[string]any{"name": "by " + tc.key, "user_id": sd.Panel.ID}})
			check("update", tc.update, call{method: "PATCH", path: keysPath + "/" + target.ID, body: map[string]any{"description": tc.key}})
			check("inspect", tc.inspect, call{path: keysPath + "/inspect"})
			victim, _ := s.CreateAPIKey(APIKey{Name: "victim of " + tc.key, UserID: sd.Panel.ID})
			check("delete", tc.delete, call{method: "DELETE", path: keysPath + "/" + victim.ID})
		})
	}
}

func TestAPIKeyIndexPagination(t *testing.T) {
	s := newTestServer(t)
	sd := s.Seed()
	for i := 7; i >= 1; i-- { // created out of order: the index sorts
		s.CreateAPIKey(APIKey{Name: fmt.Sprintf("page-%02d", i), UserID: sd.Panel.ID})
	}
	other, _ := s.CreateAPIKey(APIKey{Name: "page-elsewhere", UserID: sd.OtherPanel.ID})

	var names []string
	path := keysPath + "?q=PAGE&limit=3&authority_id=" + sd.Domain.ID
	for pages := 0; path != ""; pages++ {
		if pages > 5 {
			t.Fatal("Link never ends")
		}
		r := do(t, s, call{path: path, key: sd.AdminAPIKey})
		expectStatus(t, r, 200)
		var rows []struct{ Name string }
		r.decode(t, &rows)
		offset := len(names)
		for _, row := range rows {
			names = append(names, row.Name)
		}
		if got := r.header.Get("X-Total-Count"); got != "7" {
			t.Errorf("X-Total-Count = %q", got)
		}
		if got, want := r.header.Get("Content-Range"), fmt.Sprintf("api_key %d-%d/7", offset, offset+len(rows)); got != want {
			t.Errorf("Content-Range = %q, want %q", got, want)
		}
		path = ""
		if link := r.header.Get("Link"); link != "" {
			target, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
			if !ok || !strings.Contains(target, fmt.Sprintf("offset=%d", offset+len(rows))) ||
				!strings.Contains(target, "limit=3") || !strings.Contains(target, "q=PAGE") || !strings.HasPrefix(target, keysPath+"?") {
				t.Fatalf("Link = %q", link)
			}
			path = target
		} else if offset+len(rows) != 7 {
			t.Errorf("no Link after %d of 7 rows", offset+len(rows))
		}
	}
	want := []string{"page-01", "page-02", "page-03", "page-04", "page-05", "page-06", "page-07"}
	if !slices.Equal(names, want) {
		t.Errorf("names across pages = %v, want %v", names, want)
	}

	// Without authority_id: keys of every domain.
	r := do(t, s, call{path: keysPath + "?q=page", key: sd.AdminAPIKey})
	if r.header.Get("X-Total-Count") != "8" || !bytes.Contains(r.body, []byte(other.ID)) || r.header.Get("Link") != "" {
		t.Errorf("unfiltered: total %q, link %q", r.header.Get("X-Total-Count"), r.header.Get("Link"))
	}
	// q also matches description and id; "*" matches everything.
	r = do(t, s, call{path: keysPath + "?q=" + other.ID[:12], key: sd.AdminAPIKey})
	if r.header.Get("X-Total-Count") != "1" {
		t.Errorf("q by id prefix: total %q", r.header.Get("X-Total-Count"))
	}
	r = do(t, s, call{path: keysPath + "?q=SEEDED+BY", key: sd.AdminAPIKey})
	if r.header.Get("X-Total-Count") != "3" {
		t.Errorf("q by description: total %q", r.header.Get("X-Total-Count"))
	}
	r = do(t, s, call{path: keysPath + "?q=*", key: sd.AdminAPIKey})
	if r.header.Get("X-Total-Count") != "11" {
		t.Errorf("q=*: total %q", r.header.Get("X-Total-Count"))
	}
	// Clamping, and a bad limit: limit is a UInt32, so a negative one is a 400.
	r = do(t, s, call{path: keysPath + "?limit=-5", key: sd.AdminAPIKey})
	expectStatus(t, r, 400)
	if r.object(t)["parameter"] != "limit" {
		t.Errorf("limit=-5 body: %s", r.body)
	}
	r = do(t, s, call{path: keysPath + "?limit=20000&offset=-3", key: sd.AdminAPIKey})
	if r.header.Get("Content-Range") != "api_key 0-11/11" {
		t.Errorf("limit=20000&offset=-3: %q", r.header.Get("Content-Range"))
	}
	r = do(t, s, call{path: keysPath + "?offset=100", key: sd.AdminAPIKey})
	if string(r.body) != "[]" || r.header.Get("Link") != "" {
		t.Errorf("offset past the end: %s, Link %q", r.body, r.header.Get("Link"))
	}
	r = do(t, s, call{path: keysPath + "?limit=abc", key: sd.AdminAPIKey})
	expectStatus(t, r, 400)
	if r.object(t)["parameter"] != "limit" {
		t.Errorf("bad limit body: %s", r.body)
	}
}

func TestExpiredKeysAreListedButRejected(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	k, x := s.CreateAPIKey(APIKey{Name: "short", UserID: sd.Admin.ID, Permissions: "admin"})
	expectStatus(t, do(t, s, call{path: keysPath, key: x}), 200)
	s.ExpireAPIKey(k.ID)
	if got, _ := s.APIKey(k.ID); got.ExpiresAt == nil || !got.ExpiresAt.Equal(clock.Now().Add(-time.Second)) {
		t.Errorf("ExpireAPIKey set %v", got.ExpiresAt)
	}
	expectStatus(t, do(t, s, call{path: keysPath, key: x}), 401)
	expectStatus(t, do(t, s, call{path: keysPath + "/" + k.ID, key: sd.AdminAPIKey}), 200)
	r := do(t, s, call{path: keysPath + "?q=short", key: sd.AdminAPIKey})
	if r.header.Get("X-Total-Count") != "1" {
		t.Errorf("expired key not listed: %s", r.body)
	}

	// A key expiring in the future stops working when the clock passes it.
	r = do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{
		"name": "ttl", "user_id": sd.Admin.ID, "permissions": "admin", "expires_at": clock.Now().Add(time.Hour).Unix(),
	}})
	expectStatus(t, r, 201)
	ttl := str(t, r.object(t)["x_api_key"])
	expectStatus(t, do(t, s, call{path: keysPath + "/inspect", key: ttl}), 200)
	clock.Advance(time.Hour)
	r = do(t, s, call{path: keysPath + "/inspect", key: ttl})
	expectStatus(t, r, 401)
	expectBody(t, r, `{"error":"API key has expired"}`)
}

func TestIgnoreExpiry(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now), WithIgnoreExpiry())
	sd := s.Seed()
	for _, v := range []any{clock.Now().Add(time.Hour).Unix(), clock.Now().Add(-time.Hour).Unix(), "garbage", 1.5} {
		r := do(t, s, call{method: "POST", path: keysPath, key: sd.AdminAPIKey, body: map[string]any{
			"name": fmt.Sprintf("old-%v", v), "user_id": sd.Panel.ID, "expires_at": v,
		}})
		expectStatus(t, r, 201)
		m := r.object(t)
		if _, ok := m["expires_at"]; ok {
			t.Errorf("old server returned expires_at: %s", r.body)
		}
		if k, _ := s.APIKey(str(t, m["id"])); k.ExpiresAt != nil {
			t.Errorf("old server stored expires_at %v", k.ExpiresAt)
		}
	}
	k, x := s.CreateAPIKey(APIKey{Name: "expired anyway", UserID: sd.Admin.ID, Permissions: "admin"})
	s.ExpireAPIKey(k.ID)
	expectStatus(t, do(t, s, call{path: keysPath + "/inspect", key: x}), 200)

	s.SetIgnoreExpiry(false)
	expectStatus(t, do(t, s, call{path: keysPath + "/inspect", key: x}), 401)
}

func TestInspect(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()
	_, scoped := s.CreateAPIKey(APIKey{Name: "scoped", UserID: sd.Panel.ID, Permissions: "user", Scopes: []string{"api_keys.Read", "domains"}})

	var j struct {
		Iss, Aud, Sub string
		Iat, Exp      int64
		Scope         []string
		U             struct {
			N, E string
			P    int
			R    []string
		}
	}
	r := do(t, s, call{path: keysPath + "/inspect", key: sd.AdminAPIKey})
	expectStatus(t, r, 200)
	r.decode(t, &j)
	now := clock.Now()
	if j.Iss != "POS" || j.Aud != "127.0.0.1" || j.Sub != sd.Admin.ID || j.U.P != 2 || j.U.E != "admin@example.com" ||
		j.Iat != now.Add(-5*time.Minute).Unix() || j.Exp != now.Add(time.Hour).Unix() || !slices.Equal(j.Scope, []string{"public"}) {
		t.Errorf("admin inspect = %+v", j)
	}
	r = do(t, s, call{path: keysPath + "/inspect/", key: scoped})
	expectStatus(t, r, 200)
	r.decode(t, &j)
	if j.Sub != sd.Panel.ID || j.U.P != 0 || !slices.Equal(j.Scope, []string{"api_keys.Read", "domains"}) {
		t.Errorf("scoped inspect = %+v", j)
	}
	// The static route wins over /{id}.
	if s.Requests(routeKeysInspect) != 2 || s.Requests(routeKeysShow) != 0 {
		t.Errorf("counts = %v", s.RequestCounts())
	}
	expectStatus(t, do(t, s, call{path: keysPath + "/inspect"}), 401)
}

func TestHooks(t *testing.T) {
	clock := newFakeClock()
	s := newTestServer(t, WithClock(clock.Now))
	sd := s.Seed()

	k, x := s.CreateAPIKey(APIKey{Name: "As Given", UserID: sd.OtherPanel.ID})
	if k.Name != "As Given" || k.AuthorityID != sd.OtherDomain.ID || k.Permissions != "user" || !slices.Equal(k.Scopes, []string{"public"}) || !k.CreatedAt.Equal(clock.Now()) {
		t.Errorf("CreateAPIKey = %+v", k)
	}
	if !strings.HasPrefix(x, k.ID+".") || !s.Authenticates(x) {
		t.Errorf("CreateAPIKey secret %q", x)
	}
	got, ok := s.APIKey(k.ID)
	if !ok {
		t.Fatal("APIKey: not found")
	}
	got.Scopes[0] = "mutated"
	if again, _ := s.APIKey(k.ID); again.Scopes[0] != "public" {
		t.Errorf("APIKey returned shared state")
	}
	var names []string
	for _, k := range s.APIKeys() {
		names = append(names, k.Name)
	}
	if want := []string{"As Given", "seed admin key", "seed support key", "seed user key"}; !slices.Equal(names, want) {
		t.Errorf("APIKeys order = %v, want %v", names, want)
	}
	if !s.DeleteAPIKey(k.ID) || s.DeleteAPIKey(k.ID) {
		t.Errorf("DeleteAPIKey should succeed once")
	}
	if _, ok := s.APIKey(k.ID); ok {
		t.Errorf("deleted key still stored")
	}

	d := s.AddDomain(Domain{Name: "Third", DomainName: "HTTPS://Third.Example:8443/path"})
	if d.DomainName != "third.example" || !strings.HasPrefix(d.ID, "authority-") || d.LoginURL == "" || d.Config["default_app"] != "/backoffice/" {
		t.Errorf("AddDomain = %+v", d)
	}
	u := s.AddUser(User{Email: "new@third.example", Name: "New", AuthorityID: d.ID}, "pw")
	if !validID(u.ID) || !strings.HasPrefix(u.PasswordDigest, "digest-SENSITIVE-") {
		t.Errorf("AddUser = %+v", u)
	}
	uk, ux := s.CreateAPIKey(APIKey{Name: "owned", UserID: u.ID})
	if uk.AuthorityID != d.ID {
		t.Errorf("key authority = %s, want %s", uk.AuthorityID, d.ID)
	}
	if !s.DeleteUser(u.ID) || s.Authenticates(ux) {
		t.Errorf("DeleteUser must cascade to the user's keys")
	}
}
