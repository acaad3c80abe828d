package provider

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// modulePath is the absolute path of a module under examples/modules.
func modulePath(t *testing.T, name string) string {
	return filepath.Join(repoRoot(t), "examples", "modules", name)
}

// TestSitePanelKeysModule applies the shared module across three domains through the CLI, then
// removes one panel and checks that exactly that panel's keys are destroyed.
func TestSitePanelKeysModule(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	seeded := seededKeyIDs(s)
	third := s.AddDomain(placeostest.Domain{Name: "Third Site", DomainName: "third.example", EmailDomains: []string{"third.example"}})
	thirdPanel := s.AddUser(placeostest.User{Email: "panel@third.example", Name: "Third Panel", AuthorityID: third.ID}, "pw")
	sites := []struct{ host, domain, user string }{
		{seed.Domain.DomainName, seed.Domain.ID, seed.Panel.ID},
		{seed.OtherDomain.DomainName, seed.OtherDomain.ID, seed.OtherPanel.ID},
		{third.DomainName, third.ID, thirdPanel.ID},
	}
	w := newCLIWorkspace(t)
	config := func(panels string) {
		w.write("main.tf", providerConfig(s)+fmt.Sprintf(`
module "panels" {
  source = %q
  sites  = [%q, %q, %q]
  panels = %s
}

output "keys" {
  value     = module.panels.keys
  sensitive = true
}
`, modulePath(t, "site-panel-keys"), sites[0].host, sites[1].host, sites[2].host, panels))
	}

	config(`["lobby", "cafe"]`)
	w.mustRun("get") // modules only: with dev_overrides, init would look the provider up in a registry
	w.mustRun("apply", "-auto-approve", "-input=false")

	var keys map[string]map[string]string
	if err := json.Unmarshal([]byte(w.mustRun("output", "-json", "keys")), &keys); err != nil {
		t.Fatalf("output keys: %v", err)
	}
	ids := map[string]string{} // "site/panel" => key id
	for _, site := range sites {
		for _, panel := range []string{"lobby", "cafe"} {
			full := keys[site.host][panel]
			id, _, _ := strings.Cut(full, ".")
			k, ok := s.APIKey(id)
			if !ok || !s.Authenticates(full) {
				t.Fatalf("key for %s/%s is not a working key on the server", site.host, panel)
			}
			if k.UserID != site.user || k.AuthorityID != site.domain || k.Name != "panel-"+panel {
				t.Errorf("key for %s/%s: user %s domain %s name %s", site.host, panel, k.UserID, k.AuthorityID, k.Name)
			}
			ids[site.host+"/"+panel] = id
		}
	}

	config(`["lobby"]`)
	plan := w.mustRun("plan", "-input=false")
	if !strings.Contains(plan, "0 to add, 0 to change, 3 to destroy") {
		t.Fatalf("removing one panel should plan 3 destroys:\n%s", plan)
	}
	s.ResetCounts()
	w.mustRun("apply", "-auto-approve", "-input=false")
	for key, id := range ids {
		_, exists := s.APIKey(id)
		if want := strings.HasSuffix(key, "/lobby"); exists != want {
			t.Errorf("%s: on the server %v, want %v", key, exists, want)
		}
	}
	if n := s.Requests(deleteKey); n != 3 {
		t.Errorf("deleted %d keys, want 3", n)
	}

	w.mustRun("destroy", "-auto-approve", "-input=false")
	if err := checkNoKeysLeft(s, seeded)(nil); err != nil {
		t.Error(err)
	}
}
