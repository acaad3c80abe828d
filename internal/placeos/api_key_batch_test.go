package placeos_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
	"github.com/placeos/terraform-provider-placeos/internal/placeostest"
)

const (
	routeKeysIndex = "GET /api/engine/v2/api_keys"
	routeKeysShow  = "GET /api/engine/v2/api_keys/{id}"
)

// batchServer is the in-memory API with n keys of the user in that user's domain, and a
// client with the given page size (0: the default).
func batchServer(t *testing.T, pageSize int) (*placeostest.Server, *placeos.Client) {
	t.Helper()
	srv := placeostest.NewServer()
	t.Cleanup(srv.Close)
	c, err := placeos.New(placeos.Config{URL: srv.URL(), APIKey: srv.Seed().AdminAPIKey, PageSize: pageSize, MaxRetries: 0})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// addKeys stores n keys of user u and returns their ids, in the order made.
func addKeys(srv *placeostest.Server, u placeostest.User, prefix string, n int) []string {
	ids := make([]string, n)
	for i := range ids {
		k, _ := srv.CreateAPIKey(placeostest.APIKey{Name: fmt.Sprintf("%s-%04d", prefix, i), Description: "d", UserID: u.ID})
		ids[i] = k.ID
	}
	return ids
}

// startListing refreshes the first two of ids, keys of one domain: the second read lists the
// domain, so that the listing then holds the others.
func startListing(t *testing.T, srv *placeostest.Server, c *placeos.Client, domain string, ids []string) {
	t.Helper()
	for _, id := range ids[:2] {
		if _, err := c.RefreshAPIKey(context.Background(), id, domain, time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if n := srv.Requests(routeKeysIndex); n != 1 {
		t.Fatalf("the second refresh did not list the domain (%d listings)", n)
	}
}

type refreshed struct {
	key *placeos.APIKey
	err error
}

// refreshAll refreshes the keys as Terraform does: up to 10 at a time.
func refreshAll(c *placeos.Client, ids []string, authorityOf func(string) string) map[string]refreshed {
	var mu sync.Mutex
	out := map[string]refreshed{}
	work := make(chan string)
	var wg sync.WaitGroup
	for w := 0; w < 10; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range work {
				k, err := c.RefreshAPIKey(context.Background(), id, authorityOf(id), time.Time{})
				mu.Lock()
				out[id] = refreshed{k, err}
				mu.Unlock()
			}
		}()
	}
	for _, id := range ids {
		work <- id
	}
	close(work)
	wg.Wait()
	return out
}

func same(a, b *placeos.APIKey) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Description == b.Description && a.UserID == b.UserID &&
		a.AuthorityID == b.AuthorityID && slices.Equal(a.Scopes, b.Scopes) && a.Permissions == b.Permissions &&
		a.ExpiresAt.Equal(b.ExpiresAt.Time) && a.CreatedAt.Equal(b.CreatedAt.Time) && a.UpdatedAt.Equal(b.UpdatedAt.Time) &&
		a.XAPIKey == "" && b.XAPIKey == ""
}

func TestRefreshServesManyKeysFromOneListing(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "many", 200)
	srv.ResetCounts()
	got := refreshAll(c, ids, func(string) string { return sd.Domain.ID })
	index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow)
	if index != 1 || show > 2 {
		t.Errorf("200 concurrent refreshes made %d listing and %d GET requests; want 1 listing and at most 2 GETs", index, show)
	}
	for _, id := range ids {
		want, err := c.GetAPIKey(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if r := got[id]; r.err != nil || !same(r.key, want) {
			t.Errorf("refresh of %s = %+v, %v; GET says %+v", id, r.key, r.err, want)
		}
	}
}

func TestRefreshOfOneKeyInALargeDomainIsOneGET(t *testing.T) {
	srv, c := batchServer(t, 100)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "big", 3000)
	srv.ResetCounts()
	k, err := c.RefreshAPIKey(context.Background(), ids[1234], sd.Domain.ID, time.Time{})
	if err != nil || k.ID != ids[1234] {
		t.Fatalf("refresh = %+v, %v", k, err)
	}
	if index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow); index != 0 || show != 1 {
		t.Errorf("one refresh made %d listing and %d GET requests; want exactly one GET", index, show)
	}

	// A few more keys of the same large domain: the first page of its listing at most, never all 30 pages.
	srv.ResetCounts()
	got := refreshAll(c, []string{ids[5], ids[2000], ids[2999]}, func(string) string { return sd.Domain.ID })
	for id, r := range got {
		if r.err != nil || r.key.ID != id {
			t.Errorf("refresh of %s = %+v, %v", id, r.key, r.err)
		}
	}
	if index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow); index > 1 || index+show > 4 {
		t.Errorf("three refreshes in a domain of 3000 keys made %d listing and %d GET requests; want at most 1 listing page and 4 requests", index, show)
	}
}

func TestRefreshFetchesTheRestOfADomainOnlyWhenReadsPayForIt(t *testing.T) {
	srv, c := batchServer(t, 100)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "paged", 600) // 603 keys with the seeded ones: 7 pages
	srv.ResetCounts()
	got := refreshAll(c, ids, func(string) string { return sd.Domain.ID })
	for id, r := range got {
		if r.err != nil || r.key.ID != id {
			t.Errorf("refresh of %s = %+v, %v", id, r.key, r.err)
		}
	}
	index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow)
	if index != 7 || index+show > 60 {
		t.Errorf("600 refreshes made %d listing and %d GET requests; want the 7 pages and at most 0.1 requests per key", index, show)
	}
}

func TestRefreshKeyMissingFromListingIsConfirmedByItsOwnGET(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "confirm", 20)
	gone := ids[7]
	srv.DeleteAPIKey(gone)
	got := refreshAll(c, ids[:10], func(string) string { return sd.Domain.ID }) // the listing is taken here
	if r := got[gone]; !placeos.IsNotFound(r.err) {
		t.Errorf("refresh of a deleted key = %+v, %v; want its GET's 404", r.key, r.err)
	}

	// Made after the listing (or hidden from it by a lagging search index): read with a GET.
	late, _ := srv.CreateAPIKey(placeostest.APIKey{Name: "late", UserID: sd.Panel.ID})
	srv.ResetCounts()
	k, err := c.RefreshAPIKey(context.Background(), late.ID, sd.Domain.ID, time.Time{})
	if err != nil || k.Name != "late" {
		t.Fatalf("refresh of a key the listing does not hold = %+v, %v", k, err)
	}
	if show, index := srv.Requests(routeKeysShow), srv.Requests(routeKeysIndex); show != 1 || index != 0 {
		t.Errorf("a key missing from a complete listing made %d GET and %d listing requests; want one GET", show, index)
	}
}

func TestRefreshAfterThisClientWroteAKeyIsFresh(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "written", 6)
	ctx := context.Background()
	startListing(t, srv, c, sd.Domain.ID, ids)
	desc := "changed by this client"
	if _, err := c.UpdateAPIKey(ctx, ids[2], placeos.APIKeyUpdate{Description: &desc}); err != nil {
		t.Fatal(err)
	}
	if err := c.DeleteAPIKey(ctx, ids[3]); err != nil {
		t.Fatal(err)
	}
	if k, err := c.RefreshAPIKey(ctx, ids[2], sd.Domain.ID, time.Time{}); err != nil || k.Description != desc {
		t.Errorf("refresh after an update = %+v, %v; want description %q", k, err, desc)
	}
	if k, err := c.RefreshAPIKey(ctx, ids[3], sd.Domain.ID, time.Time{}); !placeos.IsNotFound(err) {
		t.Errorf("refresh after a delete = %+v, %v; want a 404", k, err)
	}
	created, err := c.CreateAPIKey(ctx, placeos.APIKeyCreate{Name: "made-now", UserID: sd.Panel.ID, Scopes: []string{"public"}, Permissions: "user"})
	if err != nil {
		t.Fatal(err)
	}
	if k, err := c.RefreshAPIKey(ctx, created.ID, sd.Domain.ID, time.Time{}); err != nil || k.Name != "made-now" {
		t.Errorf("refresh after a create = %+v, %v", k, err)
	}
	// A key this client did not write is still served from the listing.
	srv.ResetCounts()
	if _, err := c.RefreshAPIKey(ctx, ids[4], sd.Domain.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(routeKeysShow) + srv.Requests(routeKeysIndex); n != 0 {
		t.Errorf("a listed key this client did not write cost %d requests; want 0", n)
	}
}

func TestRefreshListingForbiddenFallsBackToOneGETPerKey(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "forbidden", 30)
	srv.FailNext(routeKeysIndex, 1000, 403)
	srv.ResetCounts()
	got := refreshAll(c, ids, func(string) string { return sd.Domain.ID })
	for id, r := range got {
		if r.err != nil || r.key.ID != id {
			t.Errorf("refresh of %s = %+v, %v; want the key, without an error", id, r.key, r.err)
		}
	}
	if index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow); index != 1 || show != 30 {
		t.Errorf("with listing forbidden: %d listing and %d GET requests; want one listing attempt and 30 GETs", index, show)
	}
}

func TestRefreshListsEachDomainSeparately(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	here := addKeys(srv, sd.Panel, "here", 40)
	there := addKeys(srv, sd.OtherPanel, "there", 40)
	domainOf := map[string]string{}
	for _, id := range here {
		domainOf[id] = sd.Domain.ID
	}
	for _, id := range there {
		domainOf[id] = sd.OtherDomain.ID
	}
	all := append(slices.Clone(here), there...)
	srv.ResetCounts()
	got := refreshAll(c, all, func(id string) string { return domainOf[id] })
	for id, r := range got {
		if r.err != nil || r.key.ID != id || r.key.AuthorityID != domainOf[id] {
			t.Errorf("refresh of %s = %+v, %v", id, r.key, r.err)
		}
	}
	if index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow); index != 2 || show > 4 {
		t.Errorf("80 keys in two domains: %d listing and %d GET requests; want one listing per domain and at most 2 GETs each", index, show)
	}
}

func TestRefreshWindowEnds(t *testing.T) {
	srv, c := batchServer(t, 0)
	sd := srv.Seed()
	now := time.Now()
	var mu sync.Mutex
	placeos.SetRefreshClock(c, func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	ids := addKeys(srv, sd.Panel, "window", 5)
	ctx := context.Background()
	startListing(t, srv, c, sd.Domain.ID, ids)
	srv.DeleteAPIKey(ids[2]) // elsewhere, after the listing
	mu.Lock()
	now = now.Add(11 * time.Second)
	mu.Unlock()
	if k, err := c.RefreshAPIKey(ctx, ids[2], sd.Domain.ID, time.Time{}); !placeos.IsNotFound(err) {
		t.Errorf("a refresh after the window served an old listing: %+v, %v", k, err)
	}
}

func TestRefreshWithoutADomainIsAGET(t *testing.T) {
	srv, c := batchServer(t, 0)
	ids := addKeys(srv, srv.Seed().Panel, "nodomain", 12)
	srv.ResetCounts()
	refreshAll(c, ids, func(string) string { return "" })
	if index, show := srv.Requests(routeKeysIndex), srv.Requests(routeKeysShow); index != 0 || show != 12 {
		t.Errorf("keys of no known domain: %d listing and %d GET requests; want 12 GETs", index, show)
	}
}

func TestRefreshWaitingForAListingHonoursCancellation(t *testing.T) {
	listing, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/engine/v2/api_keys/{id}", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, fakeKey{ID: r.PathValue("id"), Name: "k", AuthorityID: "authority-a"}.json(false))
	})
	mux.HandleFunc("GET /api/engine/v2/api_keys", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(listing) })
		<-release
		writeJSON(w, http.StatusOK, []any{})
	})
	ts := httptest.NewServer(mux)
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) })
	c := newClient(t, ts.URL)

	if _, err := c.RefreshAPIKey(context.Background(), "first", "authority-a", time.Time{}); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = c.RefreshAPIKey(context.Background(), "second", "authority-a", time.Time{}) }() // starts the listing
	<-listing
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { _, err := c.RefreshAPIKey(ctx, "third", "authority-a", time.Time{}); done <- err }()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("a refresh cancelled while waiting for a listing returned %v; want context.Canceled", err)
	}
}

func TestRefreshNeverServesAListedKeyOlderThanState(t *testing.T) {
	clock := placeostest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	srv := placeostest.NewServer(placeostest.WithClock(clock.Now))
	t.Cleanup(srv.Close)
	client := func() *placeos.Client {
		c, err := placeos.New(placeos.Config{URL: srv.URL(), APIKey: srv.Seed().AdminAPIKey, MaxRetries: 0})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c, previousRun := client(), client()
	sd := srv.Seed()
	ids := addKeys(srv, sd.Panel, "lagging", 4)
	ctx := context.Background()
	startListing(t, srv, c, sd.Domain.ID, ids)

	// Another run changed ids[2] after that listing was made, as a listing from a lagging search
	// index would not show yet; its state holds the new updated_at.
	clock.Advance(time.Minute)
	desc := "changed by the previous apply"
	changed, err := previousRun.UpdateAPIKey(ctx, ids[2], placeos.APIKeyUpdate{Description: &desc})
	if err != nil {
		t.Fatal(err)
	}
	srv.ResetCounts()
	got, err := c.RefreshAPIKey(ctx, ids[2], sd.Domain.ID, changed.UpdatedAt.Time)
	if err != nil || got.Description != desc {
		t.Errorf("refresh of a key whose listing is older than state = %+v, %v; want description %q", got, err, desc)
	}
	if n := srv.Requests(routeKeysShow); n != 1 {
		t.Errorf("a listed key older than state cost %d GETs; want 1", n)
	}

	// A listed key as new as the state's updated_at is served from the listing.
	srv.ResetCounts()
	listed, _ := srv.APIKey(ids[3])
	if _, err := c.RefreshAPIKey(ctx, ids[3], sd.Domain.ID, listed.UpdatedAt); err != nil {
		t.Fatal(err)
	}
	if n := srv.Requests(routeKeysShow) + srv.Requests(routeKeysIndex); n != 0 {
		t.Errorf("a listed key as new as state cost %d requests; want 0", n)
	}
}
