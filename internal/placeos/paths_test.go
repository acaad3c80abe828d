package placeos_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// Emails and ids with non-ASCII and reserved characters reach PlaceOS escaped exactly once:
// PlaceOS decodes a path once, so an email escaped twice is a user that does not exist.
var awkwardEmails = []string{
	"jörg@example.com",
	"a/b+c@example.com",
	"what?#now@example.com",
	"100%sure@example.com",
	"sp ace;semi,comma@example.com",
}

func TestPathsEncodedOnceAgainstPlaceOS(t *testing.T) {
	srv := placeostest.NewServer()
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL(), func(cfg *placeos.Config) { cfg.APIKey = srv.Seed().AdminAPIKey })
	ctx := context.Background()
	for _, email := range awkwardEmails {
		added := srv.AddUser(placeostest.User{Email: email, Name: "Awkward"}, "")
		u, err := c.GetUser(ctx, email)
		if err != nil {
			t.Errorf("GetUser(%q): %v", email, err)
			continue
		}
		if u.ID != added.ID || u.Email != email {
			t.Errorf("GetUser(%q) = %s <%s>, want %s", email, u.ID, u.Email, added.ID)
		}
		if _, err := c.LookupDomainByEmail(ctx, email); err != nil {
			t.Errorf("LookupDomainByEmail(%q): %v", email, err)
		}
	}
}

func TestPathsEncodedOnceOnTheWire(t *testing.T) {
	var mu sync.Mutex
	var uris []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		uris = append(uris, r.Method+" "+r.RequestURI)
		mu.Unlock()
		if r.Method == http.MethodDelete {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		if strings.Contains(r.URL.Path, "/lookup/") {
			writeJSON(w, http.StatusOK, "placeos.example.com")
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"id": "x"})
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL)
	ctx := context.Background()

	calls := []func() error{
		func() error { _, err := c.GetUser(ctx, "jörg@example.com"); return err },
		func() error { _, err := c.GetUser(ctx, "a/b+c?d#e@example.com"); return err },
		func() error { _, err := c.GetDomain(ctx, "authority-a~b_c"); return err },
		func() error { _, err := c.LookupDomainByEmail(ctx, "100%sure@exämple.com"); return err },
		func() error { _, err := c.GetAPIKey(ctx, "a b/c"); return err },
		func() error { _, err := c.UpdateAPIKey(ctx, "ä%", placeos.APIKeyUpdate{}); return err },
		func() error { return c.DeleteAPIKey(ctx, "x?y") },
	}
	for i, call := range calls {
		if err := call(); err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	want := []string{
		"GET /api/engine/v2/users/j%C3%B6rg@example.com",
		"GET /api/engine/v2/users/a%2Fb+c%3Fd%23e@example.com",
		"GET /api/engine/v2/domains/authority-a~b_c",
		"GET /api/engine/v2/domains/lookup/100%25sure@ex%C3%A4mple.com",
		"GET /api/engine/v2/api_keys/a%20b%2Fc",
		"PATCH /api/engine/v2/api_keys/%C3%A4%25",
		"DELETE /api/engine/v2/api_keys/x%3Fy",
	}
	mu.Lock()
	defer mu.Unlock()
	if strings.Join(uris, "\n") != strings.Join(want, "\n") {
		t.Errorf("request URIs:\n%s\nwant:\n%s", strings.Join(uris, "\n"), strings.Join(want, "\n"))
	}
}
