package placeos_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

func TestTextChange(t *testing.T) {
	for _, tc := range []struct {
		in, kept string
		changed  bool
	}{
		{"R&D", "R&D", false},
		{"a < b > c", "a < b > c", false},
		{`say "hi" & 'bye'`, `say "hi" & 'bye'`, false},
		{"Jörg's panel", "Jörg's panel", false},
		{"<b>bold</b> move", "bold move", true},
		{"x<script>alert(1)</script>y", "xy", true},
		{"a<!-- c -->b", "ab", true},
		{"R&amp;D", "R&D", true},
		{"&lt;tag&gt;", "<tag>", true},
		{"tab\there", "tab\there", false},
		{"bell\x07", "bell", true},
	} {
		kept, why := placeos.TextChange(tc.in)
		if kept != tc.kept || (why != "") != tc.changed {
			t.Errorf("TextChange(%q) = %q, %q; want %q, changed %v", tc.in, kept, why, tc.kept, tc.changed)
		}
	}
}

func TestNameRules(t *testing.T) {
	for _, tc := range []struct {
		written, stored string
		same, created   bool
	}{
		{"R&D Panel", "r&amp;d panel", true, true},
		{"  Lobby ", "lobby", true, true},
		{"Foo", "Foo", true, false}, // renamed by update: not what a create of "Foo" stores
		{"foo", "Foo", true, false},
		{`a"b`, "a&quot;b", true, true}, // whether " is escaped is not settled: both readings work
		{`a"b`, `a"b`, true, true},
		{"R&amp;D", "r&amp;d", false, false},
		{"other", "lobby", false, false},
	} {
		if got := placeos.SameName(tc.written, tc.stored); got != tc.same {
			t.Errorf("SameName(%q, %q) = %v", tc.written, tc.stored, got)
		}
		if got := placeos.IsCreatedName(tc.stored, tc.written); got != tc.created {
			t.Errorf("IsCreatedName(%q, %q) = %v", tc.stored, tc.written, got)
		}
	}
	if !placeos.SameDescription("Tom & Jerry <3", "Tom &amp; Jerry &lt;3") || placeos.SameDescription("a", "b") {
		t.Errorf("SameDescription")
	}
}

func TestScopeRules(t *testing.T) {
	for _, s := range []string{"public", "api_keys", "systems.read", "systems.WRITE", "edge-control"} {
		if _, err := placeos.ParseScope(s); err != nil {
			t.Errorf("ParseScope(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "a.b.c", "api_keys.all", "api_keys.none", "api keys", "x.", ".read"} {
		if _, err := placeos.ParseScope(s); err == nil {
			t.Errorf("ParseScope(%q) accepted", s)
		}
	}
	// A key PlaceOS holds may have `.all` and `.none` (any case); PlaceOS writes `.all` back as
	// the bare resource and `.none` as `.None`.
	for in, want := range map[string]string{"x.ALL": "x", "x.all": "x", "x.None": "x.none", "x.Read": "x.read", "x": "x"} {
		sc, err := placeos.ParseHeldScope(in)
		if err != nil || sc.String() != want || placeos.CanonicalScope(in) != want {
			t.Errorf("ParseHeldScope(%q) = %q, %v; CanonicalScope %q; want %q", in, sc, err, placeos.CanonicalScope(in), want)
		}
	}
	for _, s := range []string{"", "a.b.c", "x.some", "x.", "api keys.all"} {
		if _, err := placeos.ParseHeldScope(s); err == nil || !strings.Contains(err.Error(), "is not a PlaceOS scope") {
			t.Errorf("ParseHeldScope(%q): %v", s, err)
		}
	}
	if !placeos.SameScope("x.all", "x") || placeos.SameScope("x.none", "x") {
		t.Errorf("SameScope: `.all` is the bare resource, `.none` is not")
	}
	if !placeos.SameScope("api_keys.Read", "api_keys.read") || placeos.SameScope("API_KEYS", "api_keys") {
		t.Errorf("SameScope: the access part compares in any case, the resource exactly")
	}
	if !placeos.SameScopes([]string{"a.Read", "b"}, []string{"b", "a.read"}) || placeos.SameScopes([]string{"a"}, []string{"A"}) {
		t.Errorf("SameScopes")
	}
	for _, tc := range []struct {
		in   []string
		want []placeos.ScopeConflict
	}{
		{[]string{"api_keys", "systems.read", "public"}, nil},
		{[]string{"api_keys.read", "api_keys.write"}, []placeos.ScopeConflict{{"api_keys", []string{"api_keys.read", "api_keys.write"}, "api_keys"}}},
		{[]string{"api_keys", "api_keys.read"}, []placeos.ScopeConflict{{"api_keys", []string{"api_keys", "api_keys.read"}, "api_keys"}}},
		{[]string{"x.read", "x.READ", "y"}, []placeos.ScopeConflict{{"x", []string{"x.read", "x.READ"}, "x.read"}}},
		{[]string{"x.write", "x.Write"}, []placeos.ScopeConflict{{"x", []string{"x.write", "x.Write"}, "x.write"}}},
		{[]string{"users", "Users"}, nil}, // different resources: names are case-sensitive
		// As a key PlaceOS holds may have them: `.all` is the bare resource, `.none` grants nothing.
		{[]string{"x.None", "x.read"}, []placeos.ScopeConflict{{"x", []string{"x.None", "x.read"}, "x.read"}}},
		{[]string{"x.all", "x.write"}, []placeos.ScopeConflict{{"x", []string{"x.all", "x.write"}, "x"}}},
		{[]string{"x.none", "x.NONE"}, []placeos.ScopeConflict{{"x", []string{"x.none", "x.NONE"}, ""}}},
	} {
		got := placeos.ScopeConflicts(tc.in)
		if !slices.EqualFunc(got, tc.want, func(a, b placeos.ScopeConflict) bool {
			return a.Resource == b.Resource && a.Meant == b.Meant && slices.Equal(a.Entries, b.Entries)
		}) {
			t.Errorf("ScopeConflicts(%q) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
	if placeos.Permission("") != "user" || placeos.Permission("ADMIN") != "admin" {
		t.Errorf("Permission")
	}
}

// The orphan-safe create recognises its own key under PlaceOS's name rules: the name stored
// escaped and lower-cased, next to a key renamed by update to the same name in another case
// (which PlaceOS does not count as taking the name).
func TestCreateAPIKeyFindsOwnKeyUnderPlaceOSNames(t *testing.T) {
	srv := placeostest.NewServer()
	t.Cleanup(srv.Close)
	sd := srv.Seed()
	c := newClient(t, srv.URL(), func(cfg *placeos.Config) { cfg.APIKey = sd.AdminAPIKey })
	ctx := t.Context()

	renamed, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{Name: "someone else's", UserID: sd.Admin.ID, Permissions: "admin", Scopes: []string{"public"}})
	if err != nil {
		t.Fatal(err)
	}
	newName := "R&D Lobby"
	if _, err := c.UpdateAPIKey(ctx, renamed.ID, placeos.APIKeyUpdate{Name: &newName}); err != nil {
		t.Fatal(err)
	}

	before := len(srv.APIKeys())
	srv.LoseNextCreateResponses(1)
	in := placeos.APIKeyCreate{Name: "R&D LOBBY", Description: "Tom & Jerry", UserID: sd.Panel.ID, Permissions: "user", Scopes: []string{"public"}}
	key, err := c.CreateAPIKey(ctx, in)
	if err != nil {
		t.Fatalf("CreateAPIKey after a lost answer: %v", err)
	}
	if got := len(srv.APIKeys()); got != before+1 {
		t.Errorf("server holds %d keys, want %d: the orphan was not cleaned up", got, before+1)
	}
	if _, ok := srv.APIKey(renamed.ID); !ok {
		t.Errorf("the renamed key of the same name in another case was deleted")
	}
	if key.Name != "r&amp;d lobby" || !srv.Authenticates(key.XAPIKey) {
		t.Errorf("created %q, authenticates %v", key.Name, srv.Authenticates(key.XAPIKey))
	}
}
