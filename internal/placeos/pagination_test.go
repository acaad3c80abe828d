package placeos_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// pagingMode is how a fake index route tells the client that more rows remain.
type pagingMode int

const (
	totalCount     pagingMode = iota // X-Total-Count (current server), Link too while rows remain
	linkOnly                         // a Link header while rows remain, no count
	oldLink                          // Elasticsearch era: Link offset is one past the right one, plus ref=
	oldLinkNoCount                   // the same without X-Total-Count
)

// pagedKeys serves n keys from /api_keys honouring limit and offset as PlaceOS does, and
// records each request's query.
func pagedKeys(t *testing.T, n int, mode pagingMode) (*httptest.Server, *hitLog) {
	t.Helper()
	keys := make([]map[string]any, n)
	for i := range keys {
		keys[i] = map[string]any{
			"id": fmt.Sprintf("%032x", i), "name": fmt.Sprintf("key-%d", i), "user_id": "user-1",
			"authority_id": "authority-1", "permissions": "user", "scopes": []string{"public"},
			"created_at": 1767225600 + i, "x_api_key": "should-never-be-listed",
		}
	}
	hits := &hitLog{}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/engine/v2/api_keys", func(w http.ResponseWriter, r *http.Request) {
		hits.add(r)
		limit, err1 := strconv.Atoi(r.URL.Query().Get("limit"))
		offset, err2 := strconv.Atoi(r.URL.Query().Get("offset"))
		if err1 != nil || err2 != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad limit or offset"})
			return
		}
		lo, hi := min(offset, n), min(offset+limit, n)
		page := keys[lo:hi]
		if mode == totalCount || mode == oldLink {
			w.Header().Set("X-Total-Count", strconv.Itoa(n))
		}
		w.Header().Set("Content-Range", fmt.Sprintf("api_key %d-%d/%d", lo, hi, n))
		if hi < n {
			next := hi
			ref := ""
			if mode == oldLink || mode == oldLinkNoCount {
				next = hi + 1 // range_end+1: skips a row per page
				ref = "&ref=opaque-token"
			}
			w.Header().Set("Link", fmt.Sprintf(`<%s/api/engine/v2/api_keys?limit=%d&offset=%d%s>; rel="next"`,
				"http://"+r.Host, limit, next, ref))
		}
		writeJSON(w, http.StatusOK, page)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, hits
}

func withPageSize(n int) func(*placeos.Config) {
	return func(c *placeos.Config) { c.PageSize = n }
}

func TestPagination(t *testing.T) {
	tests := []struct {
		name        string
		keys        int
		mode        pagingMode
		wantOffsets []string
	}{
		{name: "X-Total-Count", keys: 5, mode: totalCount, wantOffsets: []string{"0", "2", "4"}},
		{name: "X-Total-Count, exact multiple", keys: 4, mode: totalCount, wantOffsets: []string{"0", "2"}},
		{name: "Link without count", keys: 5, mode: linkOnly, wantOffsets: []string{"0", "2", "4"}},
		// A full last page without a Link: one more request finds nothing.
		{name: "Link without count, exact multiple", keys: 4, mode: linkOnly, wantOffsets: []string{"0", "2", "4"}},
		{name: "old off-by-one Link with count", keys: 5, mode: oldLink, wantOffsets: []string{"0", "2", "4"}},
		{name: "old off-by-one Link without count", keys: 5, mode: oldLinkNoCount, wantOffsets: []string{"0", "2", "4"}},
		{name: "empty", keys: 0, mode: totalCount, wantOffsets: []string{"0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, hits := pagedKeys(t, tt.keys, tt.mode)
			c := newClient(t, srv.URL, withPageSize(2))
			got, err := c.ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{AuthorityID: "authority-1", Query: "key"})
			if err != nil {
				t.Fatalf("ListAPIKeys: %v", err)
			}
			var ids []string
			for _, k := range got {
				ids = append(ids, k.ID)
				if k.XAPIKey != "" {
					t.Errorf("listed key %s carries an x_api_key", k.ID)
				}
			}
			var want []string
			for i := range tt.keys {
				want = append(want, fmt.Sprintf("%032x", i))
			}
			if !slices.Equal(ids, want) {
				t.Errorf("ids = %v, want %v", ids, want)
			}
			var offsets []string
			for _, r := range hits.all() {
				q := r.URL.Query()
				offsets = append(offsets, q.Get("offset"))
				if q.Get("limit") != "2" || q.Get("authority_id") != "authority-1" || q.Get("q") != "key" {
					t.Errorf("request query %q lost limit or a filter", r.URL.RawQuery)
				}
				if q.Has("ref") {
					t.Errorf("request %q followed the Link header", r.URL.RawQuery)
				}
			}
			if !slices.Equal(offsets, tt.wantOffsets) {
				t.Errorf("offsets requested = %v, want %v", offsets, tt.wantOffsets)
			}
		})
	}
}

func TestPaginationDefaultPageSize(t *testing.T) {
	srv, hits := pagedKeys(t, 3, totalCount)
	got, err := newClient(t, srv.URL).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
	if err != nil {
		t.Fatalf("ListAPIKeys: %v", err)
	}
	reqs := hits.all()
	if len(got) != 3 || len(reqs) != 1 || reqs[0].URL.Query().Get("limit") != "500" {
		t.Errorf("got %d keys in %d requests, want 3 in one request with limit=500", len(got), len(reqs))
	}
	if q := reqs[0].URL.Query(); q.Has("authority_id") || q.Has("q") {
		t.Errorf("empty filters were sent: %q", reqs[0].URL.RawQuery)
	}
}

func TestPaginationErrorMidway(t *testing.T) {
	hits := &hitLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if hits.add(r) == 1 {
			w.Header().Set("X-Total-Count", "4")
			writeJSON(w, http.StatusOK, []map[string]any{{"id": "a"}, {"id": "b"}})
			return
		}
		w.WriteHeader(http.StatusForbidden)
	}))
	defer srv.Close()
	got, err := newClient(t, srv.URL, withPageSize(2)).ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
	if !placeos.IsForbidden(err) {
		t.Errorf("err = %v, want the second page's 403", err)
	}
	if got != nil {
		t.Errorf("a failed listing returned %d keys", len(got))
	}
}
