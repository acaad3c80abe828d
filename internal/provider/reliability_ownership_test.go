package provider

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestReliabilityTwoAppliesOfOneConfiguration: two working directories apply the same
// configuration against one PlaceOS. B's apply creates the key; A's apply starts ten seconds
// later (the server's clock is moved on, so nothing sleeps), and its first create is answered
// 503, so A cannot tell whether its attempt made a key. A finds B's key, which was made before
// its attempt, leaves it alone and fails with the name taken; B's key survives with the secret
// in B's state.
func TestReliabilityTwoAppliesOfOneConfiguration(t *testing.T) {
	s := newServer(t)
	var shift atomic.Int64
	s.SetClock(func() time.Time { return time.Now().Add(time.Duration(shift.Load())) })
	config := providerConfig(s) + `
resource "placeos_api_key" "shared" {
  name        = "shared-config-key"
  description = "made by either apply"
}
`
	a, b := newCLIWorkspace(t), newCLIWorkspace(t)
	a.write("main.tf", config)
	b.write("main.tf", config)

	b.mustRun("apply", "-auto-approve", "-input=false")
	bKeys := b.stateKeys()
	if len(bKeys) != 1 {
		t.Fatalf("B's state holds %d keys, want 1", len(bKeys))
	}

	shift.Store(int64(10 * time.Second))
	s.FailNext(postKeys, 1, 503)
	out, err := a.run("apply", "-auto-approve", "-input=false")
	if err == nil {
		t.Fatalf("A's apply succeeded; the name is B's:\n%s", out)
	}
	if block := strings.Join(strings.Fields(errorBlock(out)), " "); !strings.Contains(block, "API Key Name Already Taken") ||
		!strings.Contains(block, bKeys[0].ID) {
		t.Errorf("A's apply failed otherwise:\n%s", out)
	}
	if n := len(a.stateKeys()); n != 0 {
		t.Errorf("A's state holds %d keys", n)
	}
	keys := s.APIKeys()
	var onServer []string
	for _, k := range keys {
		if k.Name == "shared-config-key" {
			onServer = append(onServer, k.ID)
		}
	}
	if len(onServer) != 1 || onServer[0] != bKeys[0].ID {
		t.Errorf("the server holds %v of that name, want B's key %s alone", onServer, bKeys[0].ID)
	}
	// B's secret still works, and B's next plan has nothing to do.
	if _, ok := s.APIKey(bKeys[0].ID); !ok {
		t.Errorf("B's key %s is gone", bKeys[0].ID)
	}
	if out := b.mustRun("plan", "-detailed-exitcode", "-input=false"); strings.Contains(out, "will be created") {
		t.Errorf("B's plan would re-create its key:\n%s", out)
	}
}
