package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

// Refresh through the CLI: a plan of many keys is served from listings of their domains
// (internal/placeos/api_key_batch.go), and still sees every deletion and change.

const keysPath = placeos.APIBasePath + "/api_keys"

// listingFront stands in front of the in-memory API and records the API-key requests. It can
// refuse a domain's listing (403, as for credentials that may not list it), leave keys out
// of listings, or list them as they were before the last change (both as an older server's
// lagging search index does) while their own GET finds them as they are.
type listingFront struct {
	s   *placeostest.Server
	url string

	mu       sync.Mutex
	listings []string // authority_id of each listing request
	gets     []string // key id of each GET /api_keys/{id}
	forbid   map[string]bool
	hide     map[string]bool
	lag      map[string]bool // listed a minute older, with the description they had before
}

func newListingFront(t *testing.T, s *placeostest.Server) *listingFront {
	t.Helper()
	f := &listingFront{s: s, forbid: map[string]bool{}, hide: map[string]bool{}, lag: map[string]bool{}}
	ts := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(ts.Close)
	f.url = ts.URL
	return f
}

func (f *listingFront) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	if r.Method != http.MethodGet || !strings.HasPrefix(path, keysPath) {
		f.s.Handler().ServeHTTP(w, r)
		return
	}
	f.mu.Lock()
	authority, forbidden, hiding := r.URL.Query().Get("authority_id"), false, len(f.hide)+len(f.lag) > 0
	if path == keysPath {
		f.listings = append(f.listings, authority)
		forbidden = f.forbid[authority]
	} else if id := strings.TrimPrefix(path, keysPath+"/"); id != "inspect" {
		f.gets = append(f.gets, id)
	}
	f.mu.Unlock()
	if path != keysPath || (!forbidden && !hiding) {
		f.s.Handler().ServeHTTP(w, r)
		return
	}
	if forbidden {
		w.WriteHeader(http.StatusForbidden) // PlaceOS's 403 has an empty body
		return
	}
	rec := httptest.NewRecorder()
	f.s.Handler().ServeHTTP(rec, r)
	var rows []map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &rows); err != nil {
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	kept := rows[:0]
	f.mu.Lock()
	for _, row := range rows {
		id, _ := row["id"].(string)
		if f.lag[id] {
			updated, _ := row["updated_at"].(float64)
			row["updated_at"], row["description"] = updated-60, "as listed before the last apply"
		}
		if !f.hide[id] {
			kept = append(kept, row)
		}
	}
	f.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	if total, err := strconv.Atoi(rec.Header().Get("X-Total-Count")); err == nil {
		w.Header().Set("X-Total-Count", strconv.Itoa(total-(len(rows)-len(kept))))
	}
	body, _ := json.Marshal(kept)
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// reset forgets the requests recorded so far.
func (f *listingFront) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.listings, f.gets = nil, nil
}

// recorded returns the listings (by authority_id) and the GETs (by key id) so far.
func (f *listingFront) recorded() (listings, gets []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.listings...), append([]string(nil), f.gets...)
}

func (f *listingFront) providerConfig() string {
	return requiredProviders + fmt.Sprintf("provider \"placeos\" {\n  url     = %q\n  api_key = %q\n}\n", f.url, f.s.Seed().AdminAPIKey)
}

// checkRequests is a plan check on the requests the plan's refresh made.
type checkRequests func() error

func (c checkRequests) CheckPlan(_ context.Context, _ plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c()
}

// captureIDs stores the ids of count.index-ed instances of a resource.
func captureIDs(address string, ids map[int]string) func(*terraform.State) error {
	return func(st *terraform.State) error {
		for name, rs := range st.RootModule().Resources {
			idx, ok := strings.CutPrefix(name, address+".")
			if !ok {
				continue
			}
			i, err := strconv.Atoi(idx)
			if err != nil {
				return fmt.Errorf("%s: %v", name, err)
			}
			ids[i] = rs.Primary.ID
		}
		return nil
	}
}

func keysConfig(f *listingFront, n int, description string) string {
	return f.providerConfig() + fmt.Sprintf(`resource "placeos_api_key" "test" {
  count       = %d
  name        = "refresh-${count.index}"
  description = %q
}
`, n, description)
}

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// A key deleted elsewhere is planned for re-creation and a key changed elsewhere shows its
// drift, while the refresh of the other keys costs a listing, not a GET each; a key missing
// from the listing is confirmed with its own GET. Writes of the same configuration (update,
// delete) are seen by the refresh that follows them.
func TestAPIKeyRefreshBatchedSeesDeletionsAndChanges(t *testing.T) {
	s := newServer(t)
	f := newListingFront(t, s)
	seed := s.Seed()
	const n = 12
	ids := map[int]string{}
	other, err := placeos.New(placeos.Config{URL: s.URL(), APIKey: seed.AdminAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	changed := "changed elsewhere"
	keyTest(t, s, seededKeyIDs(s),
		resource.TestStep{Config: keysConfig(f, n, "refreshed"), Check: captureIDs("placeos_api_key.test", ids)},
		resource.TestStep{
			PreConfig: func() {
				if !s.DeleteAPIKey(ids[3]) {
					t.Fatalf("key %s was not on the server", ids[3])
				}
				if _, err := other.UpdateAPIKey(context.Background(), ids[5], placeos.APIKeyUpdate{Description: &changed}); err != nil {
					t.Fatal(err)
				}
				f.reset()
			},
			Config: keysConfig(f, n, "refreshed"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectResourceAction("placeos_api_key.test[3]", plancheck.ResourceActionCreate),
				plancheck.ExpectResourceAction("placeos_api_key.test[5]", plancheck.ResourceActionUpdate),
				plancheck.ExpectResourceAction("placeos_api_key.test[6]", plancheck.ResourceActionNoop),
				checkRequests(func() error {
					listings, gets := f.recorded()
					if count(listings, seed.Domain.ID) == 0 || len(gets) > 3 {
						return fmt.Errorf("the refresh of %d keys made %d listings and %d GETs; want the domain listed and at most 3 GETs", n, len(listings), len(gets))
					}
					if count(gets, ids[3]) != 1 {
						return fmt.Errorf("the deleted key %s was not confirmed with its own GET (GETs: %v)", ids[3], gets)
					}
					return nil
				}),
			}},
			Check: func(*terraform.State) error {
				if k, ok := s.APIKey(ids[5]); !ok || k.Description != "refreshed" {
					return fmt.Errorf("the drifted key was not updated back: %+v", k)
				}
				return nil
			},
		},
		// Writes (an update of every key, then deletes) followed by the test's refreshes:
		// each plan after an apply must be empty.
		resource.TestStep{Config: keysConfig(f, n, "updated by terraform")},
		resource.TestStep{
			Config: keysConfig(f, 8, "updated by terraform"),
			Check: func(*terraform.State) error {
				if _, ok := s.APIKey(ids[9]); ok {
					return fmt.Errorf("key %s is still on the server", ids[9])
				}
				return nil
			},
		},
	)
}

// A key that the listing leaves out (an older server's search index can lag) keeps its
// place in state: its own GET finds it.
func TestAPIKeyRefreshKeyMissingFromListingIsConfirmed(t *testing.T) {
	s := newServer(t)
	f := newListingFront(t, s)
	ids := map[int]string{}
	cliTest(t,
		resource.TestStep{Config: keysConfig(f, 10, "x"), Check: captureIDs("placeos_api_key.test", ids)},
		resource.TestStep{
			PreConfig: func() {
				f.mu.Lock()
				f.hide[ids[4]] = true
				f.mu.Unlock()
				f.reset()
			},
			Config: keysConfig(f, 10, "x"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				checkRequests(func() error {
					listings, gets := f.recorded()
					if len(listings) == 0 || count(gets, ids[4]) != 1 || len(gets) > 3 {
						return fmt.Errorf("want a listing and a GET of the hidden key %s; got %d listings and GETs %v", ids[4], len(listings), gets)
					}
					return nil
				}),
			}},
		},
	)
}

// A plan of one key in a domain of thousands does not list the domain: one GET.
func TestAPIKeyRefreshOneKeyInALargeDomain(t *testing.T) {
	s := newServer(t)
	f := newListingFront(t, s)
	for i := 0; i < 3000; i++ {
		s.CreateAPIKey(placeostest.APIKey{Name: fmt.Sprintf("other-%04d", i), UserID: s.Seed().Panel.ID})
	}
	cliTest(t,
		resource.TestStep{Config: keysConfig(f, 1, "alone")},
		resource.TestStep{
			PreConfig: f.reset,
			Config:    keysConfig(f, 1, "alone"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				checkRequests(func() error {
					listings, gets := f.recorded()
					if len(listings) != 0 || len(gets) != 1 {
						return fmt.Errorf("the refresh of one key made %d listings and %d GETs; want one GET", len(listings), len(gets))
					}
					return nil
				}),
			}},
		},
	)
}

// Keys in two domains: each domain is listed on its own. Where the credentials may not list a
// domain, its keys are read one by one, without an error.
func TestAPIKeyRefreshSeveralDomains(t *testing.T) {
	for _, forbidOther := range []bool{false, true} {
		t.Run(fmt.Sprintf("other domain's listing forbidden=%v", forbidOther), func(t *testing.T) {
			s := newServer(t)
			f := newListingFront(t, s)
			seed := s.Seed()
			config := f.providerConfig() + fmt.Sprintf(`resource "placeos_api_key" "here" {
  count = 8
  name  = "here-${count.index}"
}

resource "placeos_api_key" "there" {
  count        = 8
  name         = "there-${count.index}"
  user_id      = %q
  authority_id = %q
}
`, seed.OtherPanel.ID, seed.OtherDomain.ID)
			keyTest(t, s, seededKeyIDs(s),
				resource.TestStep{Config: config},
				resource.TestStep{
					PreConfig: func() {
						f.mu.Lock()
						f.forbid[seed.OtherDomain.ID] = forbidOther
						f.mu.Unlock()
						f.reset()
					},
					Config: config,
					ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
						plancheck.ExpectEmptyPlan(),
						checkRequests(func() error {
							listings, gets := f.recorded()
							here, there := count(listings, seed.Domain.ID), count(listings, seed.OtherDomain.ID)
							if here != 1 || there != 1 || len(listings) != 2 {
								return fmt.Errorf("listings by authority_id: %v; want one of each domain", listings)
							}
							maxGets := 4
							if forbidOther {
								maxGets = 2 + 8 // the other domain's keys one by one
							}
							if len(gets) > maxGets || (forbidOther && len(gets) < 8) {
								return fmt.Errorf("%d GETs; want at most %d", len(gets), maxGets)
							}
							return nil
						}),
					}},
				},
			)
		})
	}
}

// A listing that lags behind the last apply (an older server's search index) lists a key as it
// was, with an older updated_at than the state holds: the refresh reads that key with its own
// GET instead, so the plan shows no drift that is not there.
func TestAPIKeyRefreshIgnoresAListingOlderThanState(t *testing.T) {
	s := newServer(t)
	f := newListingFront(t, s)
	const n = 12
	ids := map[int]string{}
	keyTest(t, s, seededKeyIDs(s),
		resource.TestStep{Config: keysConfig(f, n, "refreshed"), Check: captureIDs("placeos_api_key.test", ids)},
		resource.TestStep{
			PreConfig: func() {
				f.mu.Lock()
				f.lag[ids[4]] = true
				f.mu.Unlock()
				f.reset()
			},
			Config: keysConfig(f, n, "refreshed"),
			ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
				plancheck.ExpectEmptyPlan(),
				checkRequests(func() error {
					listings, gets := f.recorded()
					if len(listings) == 0 {
						return fmt.Errorf("the refresh of %d keys listed no domain (GETs: %v)", n, gets)
					}
					if count(gets, ids[4]) != 1 {
						return fmt.Errorf("the key %s, listed older than its state, was not read with its own GET (GETs: %v)", ids[4], gets)
					}
					return nil
				}),
			}},
		},
	)
}
