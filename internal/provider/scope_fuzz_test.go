package provider

import (
	"fmt"
	"strings"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// serverScope is how PlaceOS writes a scope back: the access part capitalised
// ("api_keys.read" becomes "api_keys.Read"), a bare resource unchanged.
func serverScope(s string) string {
	resource, access, ok := strings.Cut(s, ".")
	if !ok {
		return s
	}
	return resource + "." + strings.ToUpper(access[:1]) + strings.ToLower(access[1:])
}

// FuzzParseScope: placeos.ParseScope never panics; what it accepts is the same scope in canonical form
// (the resource untouched, the access part lower-cased), canonical forms parse to themselves,
// and the server's capitalised answer maps back to what the user wrote, so no plan shows a diff.
// What it refuses gets an error that quotes the scope and shows the fix.
func FuzzParseScope(f *testing.F) {
	for _, seed := range []string{
		"public", "api_keys", "api_keys.read", "api_keys.WRITE", "systems.Read", "edge-control.write",
		"api_keys.all", "api_keys.none", "a.b.c", "", ".", ".read", "api keys", "api_keys.", "ÄPI.read",
		"api_keys.read\n", "x.reaD", "x.\u017fead", "K.write", "\u212a.write",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := placeos.ParseScope(s)
		canonical := sc.String()
		if err != nil {
			if canonical != "" {
				t.Fatalf("an error with a result %q", canonical)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("%q", s)) || !strings.Contains(err.Error(), ".read") {
				t.Fatalf("the error neither quotes %q nor shows the fix: %v", s, err)
			}
			return
		}
		if !strings.EqualFold(canonical, s) || len(canonical) != len(s) {
			t.Fatalf("%q became another scope: %q", s, canonical)
		}
		resource, access, hasAccess := strings.Cut(s, ".")
		cr, ca, _ := strings.Cut(canonical, ".")
		if cr != resource || ca != strings.ToLower(access) || (hasAccess && ca != "read" && ca != "write") {
			t.Fatalf("%q canonical %q", s, canonical)
		}
		if again, err := placeos.ParseScope(canonical); err != nil || again.String() != canonical {
			t.Fatalf("canonical %q parses to %q, %v", canonical, again, err)
		}
		// The server's spelling maps back onto the configured one.
		server := serverScope(canonical)
		if got := reconcileScopes([]string{s}, []string{server}); len(got) != 1 || got[0] != s {
			t.Fatalf("configured %q, server %q, state %v", s, server, got)
		}
		if !placeos.SameScopes([]string{s}, []string{server}) {
			t.Fatalf("%q and the server's %q are not the same scope", s, server)
		}
		if _, err := placeos.ParseScope(server); err != nil {
			t.Fatalf("the server's spelling %q does not parse: %v", server, err)
		}
	})
}
