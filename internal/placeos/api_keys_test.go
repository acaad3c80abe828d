package placeos_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// digestMarker stands for the sensitive columns of the user and authority that PlaceOS embeds
// in every key response.
const digestMarker = "$2a$10$MARKER-password-digest"

// postAction is what the fake does with one POST /api_keys.
type postAction int

const (
	answer         postAction = iota // validate, create, answer 201 (or 422)
	commitAndDrop                    // validate, create, then close the connection without answering
	dropNoCommit                     // close the connection without creating anything
	unavailable                      // 503, nothing created
	commitAndWait                    // validate, create, then run afterCommit (which may block) and answer
	commitAndCut                     // validate, create, send 201 and half the key, then close the connection
	commitAndStall                   // validate, create, send 201 and half the key, then the rest when release is closed
)

type fakeKey struct {
	ID, Name, Description, UserID, AuthorityID, Permissions, Secret string
	Scopes                                                          []string
	CreatedAt                                                       time.Time
}

func (k fakeKey) json(withSecret bool) map[string]any {
	m := map[string]any{
		"created_at": k.CreatedAt.Unix(), "updated_at": k.CreatedAt.Unix(),
		"name": k.Name, "description": k.Description, "scopes": k.Scopes,
		"user_id": k.UserID, "authority_id": k.AuthorityID,
		"user": map[string]any{
			"id": k.UserID, "email": "ci@example.com", "password_digest": digestMarker,
			"access_token": digestMarker, "refresh_token": digestMarker, "card_number": digestMarker,
		},
		"authority":   map[string]any{"id": k.AuthorityID, "domain": "placeos.example.com", "internals": map[string]any{"client_secret": digestMarker}},
		"permissions": k.Permissions,
		"id":          k.ID,
	}
	if withSecret {
		m["x_api_key"] = k.ID + "." + k.Secret
	}
	return m
}

// keyServer is the API-key part of PlaceOS, with names unique per authority and stored
// trimmed and lower-cased, and a hook that can lose the answer to a create.
type keyServer struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	keys    []fakeKey
	seq     int
	posts   []map[string]any // POST bodies, in order
	lists   int
	deleted []string
	onPost  func(n int) postAction
	// onList runs at the start of each listing, outside the lock; afterCommit after a
	// commitAndWait create.
	onList      func()
	afterCommit func(w http.ResponseWriter, r *http.Request) (handled bool) // handled: it answered or dropped
	release     chan struct{}                                               // lets a commitAndStall answer finish
	// whileHung, when set, runs (outside the lock) before a dropNoCommit create drops its
	// connection: what happens while that attempt hangs.
	whileHung func()
	now       func() time.Time
	authority string
}

func newKeyServer(t *testing.T) *keyServer {
	s := &keyServer{t: t, now: time.Now, authority: "authority-1", onPost: func(int) postAction { return answer }}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/engine/v2/api_keys", s.create)
	mux.HandleFunc("GET /api/engine/v2/api_keys", s.list)
	mux.HandleFunc("GET /api/engine/v2/api_keys/{id}", s.show)
	mux.HandleFunc("DELETE /api/engine/v2/api_keys/{id}", s.destroy)
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Date on the server's clock, as created_at is.
		s.mu.Lock()
		w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
		s.mu.Unlock()
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// firstPost makes the first create do first and every later one do rest.
func (s *keyServer) firstPost(first, rest postAction) {
	s.onPost = func(n int) postAction {
		if n == 1 {
			return first
		}
		return rest
	}
}

// createNameTaken creates ciKey and fails the test unless the client says the name is taken.
func (s *keyServer) createNameTaken(t *testing.T) {
	t.Helper()
	_, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
	if !errors.Is(err, placeos.ErrNameTaken) {
		t.Fatalf("err = %v, want ErrNameTaken", err)
	}
}

func (s *keyServer) add(k fakeKey) fakeKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seq++
	if k.ID == "" {
		k.ID = fmt.Sprintf("%032x", s.seq)
	}
	if k.Secret == "" {
		k.Secret = fmt.Sprintf("secret-%d", s.seq)
	}
	if k.AuthorityID == "" {
		k.AuthorityID = s.authority
	}
	s.keys = append(s.keys, k)
	return k
}

func (s *keyServer) create(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		UserID      string   `json:"user_id"`
		Scopes      []string `json:"scopes"`
		Permissions string   `json:"permissions"`
	}
	var raw map[string]any
	dec := json.NewDecoder(r.Body)
	if err := dec.Decode(&raw); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "bad JSON"})
		return
	}
	b, _ := json.Marshal(raw)
	_ = json.Unmarshal(b, &body)

	s.mu.Lock()
	s.posts = append(s.posts, raw)
	action := s.onPost(len(s.posts))
	name := strings.ToLower(strings.TrimSpace(body.Name))
	taken := slices.ContainsFunc(s.keys, func(k fakeKey) bool { return k.Name == name && k.AuthorityID == s.authority })
	s.mu.Unlock()

	switch {
	case action == unavailable:
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"error": "service unavailable"})
		return
	case action == dropNoCommit:
		if s.whileHung != nil {
			s.whileHung()
		}
		dropConnection(s.t, w)
		return
	case taken:
		if action == commitAndDrop {
			dropConnection(s.t, w)
			return
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "validation failed", "failures": []map[string]string{{"field": "name", "reason": "should be unique"}},
		})
		return
	}
	k := s.add(fakeKey{
		Name: name, Description: body.Description, UserID: body.UserID, Scopes: body.Scopes,
		Permissions: body.Permissions, CreatedAt: s.now(),
	})
	if action == commitAndWait && s.afterCommit(w, r) {
		return
	}
	switch action {
	case commitAndDrop:
		dropConnection(s.t, w)
	case commitAndCut, commitAndStall:
		b, _ := json.Marshal(k.json(true))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(b[:len(b)/2])
		if action == commitAndCut {
			dropConnection(s.t, w)
			return
		}
		http.NewResponseController(w).Flush() //nolint:errcheck // httptest's writer flushes
		select {
		case <-s.release:
			_, _ = w.Write(b[len(b)/2:])
		case <-r.Context().Done():
		}
	default:
		writeJSON(w, http.StatusCreated, k.json(true))
	}
}

func (s *keyServer) list(w http.ResponseWriter, r *http.Request) {
	if s.onList != nil {
		s.onList()
	}
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	s.mu.Lock()
	s.lists++
	var out []map[string]any
	for _, k := range s.keys {
		out = append(out, k.json(false))
	}
	s.mu.Unlock()
	w.Header().Set("X-Total-Count", strconv.Itoa(len(out)))
	lo, hi := min(offset, len(out)), min(offset+limit, len(out))
	writeJSON(w, http.StatusOK, append([]map[string]any{}, out[lo:hi]...))
}

func (s *keyServer) show(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, k := range s.keys {
		if k.ID == r.PathValue("id") {
			writeJSON(w, http.StatusOK, k.json(true)) // a careless server: the client must drop the secret
			return
		}
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"error": "Key not present: " + r.PathValue("id")})
}

func (s *keyServer) destroy(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deleted = append(s.deleted, id)
	i := slices.IndexFunc(s.keys, func(k fakeKey) bool { return k.ID == id })
	if i < 0 {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Key not present: " + id})
		return
	}
	s.keys = slices.Delete(s.keys, i, i+1)
	w.WriteHeader(http.StatusAccepted)
}

// state returns copies of what the fake holds.
func (s *keyServer) state() (keys []fakeKey, posts []map[string]any, deleted []string, lists int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.keys), slices.Clone(s.posts), slices.Clone(s.deleted), s.lists
}

var ciKey = placeos.APIKeyCreate{
	Name: "CI-Key", Description: "CI automation", UserID: "user-ci", Scopes: []string{"api_keys", "domains.read"},
	Permissions: "admin", AuthorityID: "authority-1",
}

func TestCreateAPIKey(t *testing.T) {
	s := newKeyServer(t)
	expires := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	in := ciKey
	in.ExpiresAt = &expires
	key, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), in)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	keys, posts, deleted, lists := s.state()
	if len(keys) != 1 || key.ID != keys[0].ID || key.XAPIKey != keys[0].ID+"."+keys[0].Secret {
		t.Fatalf("returned %+v, server holds %+v", key, keys)
	}
	if key.Name != "ci-key" || key.UserID != "user-ci" || key.AuthorityID != "authority-1" || key.Permissions != "admin" {
		t.Errorf("decoded key = %+v", key)
	}
	want := map[string]any{
		"name": "CI-Key", "description": "CI automation", "user_id": "user-ci",
		"scopes": []any{"api_keys", "domains.read"}, "permissions": "admin", "expires_at": float64(expires.Unix()),
	}
	if len(posts) != 1 || fmt.Sprint(posts[0]) != fmt.Sprint(want) {
		t.Errorf("POST bodies = %v, want one %v (authority_id is never sent)", posts, want)
	}
	if lists != 0 || len(deleted) != 0 {
		t.Errorf("a clean create listed %d times and deleted %v", lists, deleted)
	}
}

// (a) The first POST commits the key but its answer is lost; the retry meets the key it made
// ("should be unique", as real PlaceOS answers). The client finds its own key, deletes it
// (its secret is lost) and creates it again.
func TestCreateAPIKeyLostAnswerCleansUpOrphan(t *testing.T) {
	s := newKeyServer(t)
	s.firstPost(commitAndDrop, answer)
	key, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	keys, posts, deleted, lists := s.state()
	if len(posts) != 2 {
		t.Errorf("POSTs = %d, want 2 (lost, then created after the orphan was deleted)", len(posts))
	}
	if lists == 0 {
		t.Errorf("the client never listed keys to find its orphan")
	}
	if len(keys) != 1 {
		t.Fatalf("server holds %d keys, want exactly 1: %+v", len(keys), keys)
	}
	orphanID := fmt.Sprintf("%032x", 1)
	if !slices.Equal(deleted, []string{orphanID}) {
		t.Errorf("deleted %v, want only the orphan %s", deleted, orphanID)
	}
	if key.ID == orphanID || key.ID != keys[0].ID || key.XAPIKey != keys[0].ID+"."+keys[0].Secret {
		t.Errorf("returned key %s (x_api_key %q), server holds %s", key.ID, key.XAPIKey, keys[0].ID)
	}
}

// (b) A key of that name was there before and is not ours: a plain 422, no listing, no delete.
func TestCreateAPIKeyNameTakenByAnotherKey(t *testing.T) {
	s := newKeyServer(t)
	existing := s.add(fakeKey{
		Name: "ci-key", Description: "made by hand", UserID: "user-ci", Permissions: "admin",
		Scopes: []string{"public"}, CreatedAt: time.Now().Add(-time.Hour),
	})
	key, err := newClient(t, s.srv.URL).CreateAPIKey(t.Context(), ciKey)
	if !errors.Is(err, placeos.ErrNameTaken) {
		t.Fatalf("CreateAPIKey = %+v, %v; want ErrNameTaken", key, err)
	}
	if !strings.Contains(err.Error(), "name should be unique") {
		t.Errorf("err = %q, want the server's reason", err)
	}
	keys, posts, deleted, _ := s.state()
	if len(deleted) != 0 {
		t.Errorf("DELETE requests for %v: a key the client did not make was touched", deleted)
	}
	if len(posts) != 1 || len(keys) != 1 || keys[0].ID != existing.ID {
		t.Errorf("POSTs = %d, keys = %+v; want one POST and the existing key alone", len(posts), keys)
	}
}

// The same, when the answer to the first POST was lost too: after an ambiguous attempt the
// client does look, but a key it did not make (older, another description) is left alone.
func TestCreateAPIKeyLostAnswerNameTakenByAnotherKey(t *testing.T) {
	s := newKeyServer(t)
	existing := s.add(fakeKey{
		Name: "ci-key", Description: "made by hand", UserID: "user-ci", Permissions: "admin",
		CreatedAt: time.Now().Add(-time.Hour),
	})
	s.firstPost(dropNoCommit, answer)
	s.createNameTaken(t)
	keys, _, deleted, lists := s.state()
	if lists == 0 {
		t.Errorf("the client did not look for an orphan after a lost answer")
	}
	if len(deleted) != 0 || len(keys) != 1 || keys[0].ID != existing.ID {
		t.Errorf("deleted %v, keys %+v; want the existing key untouched", deleted, keys)
	}
}

// A key of the same name, user, description and permissions that is much older than this
// create is not ours either.
func TestCreateAPIKeyOldIdenticalKeyIsNotAnOrphan(t *testing.T) {
	s := newKeyServer(t)
	s.add(fakeKey{
		Name: "ci-key", Description: ciKey.Description, UserID: ciKey.UserID, Permissions: ciKey.Permissions,
		CreatedAt: time.Now().Add(-time.Hour),
	})
	s.firstPost(dropNoCommit, answer)
	s.createNameTaken(t)
	if keys, _, deleted, _ := s.state(); len(deleted) != 0 || len(keys) != 1 {
		t.Errorf("deleted %v, %d keys left; want the old key untouched", deleted, len(keys))
	}
}

// (c) The first answer is lost after the key was made, and every retry fails with 503: the
// error is returned, and the orphan is found and deleted so nothing is left behind.
func TestCreateAPIKeyLostAnswerThenRetriesExhausted(t *testing.T) {
	s := newKeyServer(t)
	s.firstPost(commitAndDrop, unavailable)
	key, err := newClient(t, s.srv.URL, withMaxRetries(2)).CreateAPIKey(t.Context(), ciKey)
	if err == nil {
		t.Fatalf("CreateAPIKey succeeded with %+v", key)
	}
	if apiErr := asAPIError(t, err); apiErr.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("err = %v, want the last 503", err)
	}
	if errors.Is(err, placeos.ErrNameTaken) {
		t.Errorf("err = %v is not a name clash", err)
	}
	keys, posts, deleted, _ := s.state()
	if len(posts) != 3 {
		t.Errorf("POSTs = %d, want 3 (one try, two retries)", len(posts))
	}
	if orphanID := fmt.Sprintf("%032x", 1); !slices.Equal(deleted, []string{orphanID}) {
		t.Errorf("deleted %v, want the orphan %s", deleted, orphanID)
	}
	if len(keys) != 0 {
		t.Errorf("keys left behind: %+v", keys)
	}
}

func TestCreateAPIKeyPlainFailureNotSearched(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusForbidden, nil)
	})
	_, err := newClient(t, srv.URL).CreateAPIKey(t.Context(), ciKey)
	if !placeos.IsForbidden(err) || errors.Is(err, placeos.ErrNameTaken) {
		t.Errorf("err = %v, want a plain 403", err)
	}
	if hits.count() != 1 {
		t.Errorf("requests = %d, want the POST alone", hits.count())
	}
}

// The user and authority that PlaceOS embeds in key responses (password digests, tokens, SSO
// secrets) are dropped while decoding, by every call that returns a key.
func TestEmbeddedUserAndAuthorityDropped(t *testing.T) {
	s := newKeyServer(t)
	c := newClient(t, s.srv.URL)
	created, err := c.CreateAPIKey(t.Context(), ciKey)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	got, err := c.GetAPIKey(t.Context(), created.ID)
	if err != nil {
		t.Fatalf("GetAPIKey: %v", err)
	}
	if got.XAPIKey != "" {
		t.Errorf("GetAPIKey kept an x_api_key the server should not have sent")
	}
	listed, err := c.ListAPIKeys(t.Context(), placeos.ListAPIKeysOptions{})
	if err != nil || len(listed) != 1 {
		t.Fatalf("ListAPIKeys = %d keys, %v", len(listed), err)
	}
	for name, v := range map[string]any{"created": created, "read": got, "listed": listed} {
		for _, format := range []string{"%+v", "%#v"} {
			if s := fmt.Sprintf(format, v); strings.Contains(s, "MARKER") {
				t.Errorf("%s key printed with %s holds an embedded secret: %s", name, format, s)
			}
		}
		b, _ := json.Marshal(v)
		if strings.Contains(string(b), "MARKER") || strings.Contains(string(b), "password_digest") {
			t.Errorf("%s key re-encoded holds an embedded secret: %s", name, b)
		}
	}
	if got.Name != "ci-key" || got.UserID != "user-ci" || got.CreatedAt.IsZero() {
		t.Errorf("read key = %+v", got)
	}
}

func TestGetAndDeleteAPIKeyNotFound(t *testing.T) {
	s := newKeyServer(t)
	c := newClient(t, s.srv.URL)
	if _, err := c.GetAPIKey(t.Context(), "0123"); !placeos.IsNotFound(err) {
		t.Errorf("GetAPIKey of a missing key: %v, want a 404", err)
	}
	if err := c.DeleteAPIKey(t.Context(), "0123"); err != nil {
		t.Errorf("DeleteAPIKey of a missing key: %v, want success", err)
	}
	if _, _, deleted, _ := s.state(); !slices.Equal(deleted, []string{"0123"}) {
		t.Errorf("DELETE requests for %v", deleted)
	}
}

func TestUpdateAPIKeyBody(t *testing.T) {
	var got map[string]any
	srv, _ := serve(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPatch || r.URL.Path != "/api/engine/v2/api_keys/k1" {
			t.Errorf("%s %s, want PATCH /api/engine/v2/api_keys/k1", r.Method, r.URL.Path)
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		writeJSON(w, http.StatusOK, map[string]any{"id": "k1", "x_api_key": "k1.leaked"})
	})
	desc := "new"
	key, err := newClient(t, srv.URL).UpdateAPIKey(t.Context(), "k1", placeos.APIKeyUpdate{Description: &desc, Scopes: []string{}, ClearExpiry: true})
	if err != nil {
		t.Fatalf("UpdateAPIKey: %v", err)
	}
	if want := `map[description:new expires_at:<nil> scopes:[]]`; fmt.Sprint(got) != want {
		t.Errorf("PATCH body = %v, want %s", got, want)
	}
	if key.XAPIKey != "" {
		t.Errorf("UpdateAPIKey kept an x_api_key")
	}
}

func TestInspectAPIKeyUsesTheGivenKey(t *testing.T) {
	srv, hits := serve(t, func(_ int, w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]any{"iss": "POS", "sub": "user-ci", "scope": []string{"api_keys"}, "exp": 1767228900, "u": map[string]any{"p": 2}})
	})
	claims, err := newClient(t, srv.URL).InspectAPIKey(t.Context(), "k1.other-secret")
	if err != nil {
		t.Fatalf("InspectAPIKey: %v", err)
	}
	if claims.Subject != "user-ci" || claims.User.Permission != 2 || claims.Expires.Unix() != 1767228900 {
		t.Errorf("claims = %+v", claims)
	}
	if h := hits.all()[0].Header.Get("X-API-Key"); h != "k1.other-secret" {
		t.Errorf("X-API-Key = %q, want the inspected key, not the provider's", h)
	}
}

// TestGetUserIsCached: many keys for one user cost one user lookup per client.
func TestGetUserIsCached(t *testing.T) {
	hits := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"id":"user-abc","email":"a@example.com","authority_id":"authority-x"}`))
	}))
	defer srv.Close()
	c, err := placeos.New(placeos.Config{URL: srv.URL, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		u, err := c.GetUser(context.Background(), "user-abc")
		if err != nil || u.AuthorityID != "authority-x" {
			t.Fatalf("GetUser: %v %+v", err, u)
		}
	}
	if hits != 1 {
		t.Errorf("5 lookups of one user made %d requests, want 1", hits)
	}
}

// FindAPIKeyByName compares names as PlaceOS does (trimmed, case-insensitively) within the
// given domain, and finding nothing is not an error.
func TestFindAPIKeyByName(t *testing.T) {
	s := newKeyServer(t)
	here := s.add(fakeKey{Name: "lobby panel", AuthorityID: "authority-1"})
	there := s.add(fakeKey{Name: "lobby panel", AuthorityID: "authority-2"})
	door := s.add(fakeKey{Name: "door", AuthorityID: "authority-2"})
	c := newClient(t, s.srv.URL)
	for _, tc := range []struct {
		authority, name, want string
	}{
		{"authority-1", "lobby panel", here.ID},
		{"authority-2", "  Lobby PANEL ", there.ID},
		{"authority-1", "door", ""},
		{"", "DOOR", door.ID},
		{"authority-2", "lobby", ""},
	} {
		k, err := c.FindAPIKeyByName(t.Context(), tc.authority, tc.name)
		if err != nil {
			t.Fatalf("FindAPIKeyByName(%q, %q): %v", tc.authority, tc.name, err)
		}
		got := ""
		if k != nil {
			got = k.ID
		}
		if got != tc.want {
			t.Errorf("FindAPIKeyByName(%q, %q) = %q, want %q", tc.authority, tc.name, got, tc.want)
		}
	}
}
