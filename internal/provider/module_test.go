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

// TestSitePanelKeysModule applies the shared module through the CLI to three domains that each
// have their own panels: two whose panel user is derived from the domain's first email domain,
// and one that names its panel user (a domain without email domains, so nothing could be
// derived there). Then one site loses a panel, and exactly that key is destroyed.
func TestSitePanelKeysModule(t *testing.T) {
	s := newServer(t)
	seed := s.Seed()
	seeded := seededKeyIDs(s)
	third := s.AddDomain(placeostest.Domain{Name: "Third Site", DomainName: "third.example"})
	frontDesk := s.AddUser(placeostest.User{Email: "frontdesk@third.example", Name: "Front Desk", AuthorityID: third.ID}, "pw")
	type site struct {
		host, domain, user string
		panels             []string
	}
	sites := []site{
		{seed.Domain.DomainName, seed.Domain.ID, seed.Panel.ID, []string{"lobby", "kiosk"}},
		{seed.OtherDomain.DomainName, seed.OtherDomain.ID, seed.OtherPanel.ID, []string{"boardroom"}},
		{third.DomainName, third.ID, frontDesk.ID, []string{"reception"}},
	}
	w := newCLIWorkspace(t)
	config := func(firstSitePanels string) {
		w.write("main.tf", providerConfig(s)+fmt.Sprintf(`
module "panels" {
  source = %q
  sites = {
    %q = { panels = %s }
    %q = { panels = ["boardroom"] }
    %q = {
      panels           = ["reception"]
      panel_user_email = "frontdesk@third.example"
    }
  }
}

output "keys" {
  value     = module.panels.keys
  sensitive = true
}

output "panel_user_ids" {
  value = module.panels.panel_user_ids
}
`, modulePath(t, "site-panel-keys"), sites[0].host, firstSitePanels, sites[1].host, sites[2].host))
	}

	config(`["lobby", "kiosk"]`)
	w.mustRun("get") // modules only: with dev_overrides, init would look the provider up in a registry
	w.mustRun("apply", "-auto-approve", "-input=false")

	var keys map[string]map[string]string
	if err := json.Unmarshal([]byte(w.mustRun("output", "-json", "keys")), &keys); err != nil {
		t.Fatalf("output keys: %v", err)
	}
	var users map[string]string
	if err := json.Unmarshal([]byte(w.mustRun("output", "-json", "panel_user_ids")), &users); err != nil {
		t.Fatalf("output panel_user_ids: %v", err)
	}
	ids := map[string]string{} // "site/panel" => key id
	for _, site := range sites {
		if users[site.host] != site.user {
			t.Errorf("panel user of %s is %q, want %s", site.host, users[site.host], site.user)
		}
		if len(keys[site.host]) != len(site.panels) {
			t.Errorf("%s has keys for %d panels, want %d (%v)", site.host, len(keys[site.host]), len(site.panels), site.panels)
		}
		for _, panel := range site.panels {
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
	if len(ids) != 4 {
		t.Fatalf("made %d keys, want 4", len(ids))
	}

	config(`["lobby"]`) // the first site loses its kiosk
	plan := w.mustRun("plan", "-input=false")
	if !strings.Contains(plan, "0 to add, 0 to change, 1 to destroy") {
		t.Fatalf("removing one panel of one site should plan 1 destroy:\n%s", plan)
	}
	s.ResetCounts()
	w.mustRun("apply", "-auto-approve", "-input=false")
	gone := sites[0].host + "/kiosk"
	for key, id := range ids {
		_, exists := s.APIKey(id)
		if want := key != gone; exists != want {
			t.Errorf("%s: on the server %v, want %v", key, exists, want)
		}
	}
	if n := s.Requests(deleteKey); n != 1 {
		t.Errorf("deleted %d keys, want 1", n)
	}

	w.mustRun("destroy", "-auto-approve", "-input=false")
	if err := checkNoKeysLeft(s, seeded)(nil); err != nil {
		t.Error(err)
	}
}

// A site without panels is a mistake the module names before anything is looked up.
func TestSitePanelKeysModuleRejectsSiteWithoutPanels(t *testing.T) {
	s := newServer(t)
	w := newCLIWorkspace(t)
	w.write("main.tf", providerConfig(s)+fmt.Sprintf(`
module "panels" {
  source = %q
  sites  = { %q = { panels = [] } }
}
`, modulePath(t, "site-panel-keys"), s.Seed().Domain.DomainName))
	w.mustRun("get")
	out, err := w.run("plan", "-input=false")
	if err == nil || !strings.Contains(out, "needs at least one panel") {
		t.Fatalf("plan with a site without panels: err %v, want the module's validation error:\n%s", err, out)
	}
}
