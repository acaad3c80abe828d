package placeostest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"
)

// keysAuth is before_action :check_admin plus the scope check for api_keys.
func (s *Server) keysAuth(rq *request, a access) *response {
	c, errResp := s.authenticate(rq.Request)
	if errResp != nil {
		return errResp
	}
	if !c.perm.isAdmin() || !c.can("api_keys", a) {
		return ptr(forbidden())
	}
	return nil
}

func keyNotFound(id string) response {
	return errorResponse(http.StatusNotFound, "Key not present: "+id)
}

func (s *Server) keysIndex(rq *request) response {
	if errResp := s.keysAuth(rq, accessRead); errResp != nil {
		return *errResp
	}
	q := rq.URL.Query()
	authorityID, search := q.Get("authority_id"), q.Get("q")
	var rows []*apiKeyJSON
	for _, k := range sortedKeys(s.st) {
		if authorityID != "" && k.AuthorityID != authorityID {
			continue
		}
		if !matchQ(search, k.Name, k.Description, k.ID) {
			continue
		}
		rows = append(rows, s.renderKey(k, ""))
	}
	page, hdr, errResp := paginate(rq.Request, "api_key", rows)
	if errResp != nil {
		return *errResp
	}
	resp := jsonResponse(http.StatusOK, nonNil(page))
	resp.header = hdr
	return resp
}

func (s *Server) keysShow(rq *request) response {
	if errResp := s.keysAuth(rq, accessRead); errResp != nil {
		return *errResp
	}
	id := rq.PathValue("id")
	k := s.st.keys[id]
	if k == nil {
		return keyNotFound(id)
	}
	return jsonResponse(http.StatusOK, s.renderKey(k, ""))
}

// keysInspect returns the caller's own JWT claims; it needs no admin rights.
func (s *Server) keysInspect(rq *request) response {
	c, errResp := s.authenticate(rq.Request)
	if errResp != nil {
		return *errResp
	}
	return jsonResponse(http.StatusOK, s.inspectBody(c))
}

func (s *Server) keysDelete(rq *request) response {
	if errResp := s.keysAuth(rq, accessWrite); errResp != nil {
		return *errResp
	}
	id := rq.PathValue("id")
	if s.st.keys[id] == nil {
		return keyNotFound(id)
	}
	delete(s.st.keys, id)
	return response{status: http.StatusAccepted}
}

func (s *Server) keysCreate(rq *request) response {
	if errResp := s.keysAuth(rq, accessWrite); errResp != nil {
		return *errResp
	}
	in, errResp := s.parseKeyInput(rq)
	if errResp != nil {
		return *errResp
	}
	now := s.now()
	k := APIKey{Scopes: []string{"public"}, Permissions: permUser.String()}
	in.apply(&k)

	// before_create :set_authority runs before validation and calls
	// user.not_nil!: a missing, null or unknown user is an unhandled 500.
	u := s.st.users[in.userID.v]
	if u == nil {
		return serverError()
	}
	k.AuthorityID = u.AuthorityID

	var failures []failure
	if !in.name.set || in.name.null {
		failures = append(failures, failure{"name", "should not be nil"})
	} else {
		// ensure_unique writes its transformed value back onto new records.
		k.Name = normalName(k.Name)
	}
	failures = append(failures, in.nilFailures(false)...)
	failures = append(failures, s.saveFailures(&k, in.name.set && !in.name.null, now)...)
	if len(failures) > 0 {
		return validationFailed(failures)
	}

	k.ID = newKeyID()
	for s.st.keys[k.ID] != nil {
		k.ID = newKeyID()
	}
	secret := newSecret()
	k.CreatedAt, k.UpdatedAt = now, now
	rec := &keyRecord{APIKey: k, hmac: keyHMAC(secret, k.ID)}
	s.st.keys[k.ID] = rec
	return jsonResponse(http.StatusCreated, s.renderKey(rec, k.ID+"."+secret))
}

// keysUpdate serves PATCH and PUT alike: a partial update of the keys present.
func (s *Server) keysUpdate(rq *request) response {
	if errResp := s.keysAuth(rq, accessWrite); errResp != nil {
		return *errResp
	}
	id := rq.PathValue("id")
	rec := s.st.keys[id]
	if rec == nil {
		return keyNotFound(id)
	}
	in, errResp := s.parseKeyInput(rq)
	if errResp != nil {
		return *errResp
	}
	k := rec.clone()
	in.apply(&k)
	// authority_id is not recomputed from a new user_id; an unknown user
	// breaks the foreign key, which the real server does not handle either.
	if in.userID.set && !in.userID.null && s.st.users[in.userID.v] == nil {
		return serverError()
	}

	var failures []failure
	if in.name.set && in.name.null {
		failures = append(failures, failure{"name", "should not be nil"})
	}
	failures = append(failures, in.nilFailures(true)...)
	failures = append(failures, s.saveFailures(&k, true, s.now())...)
	if len(failures) > 0 {
		return validationFailed(failures)
	}
	k.UpdatedAt = s.now()
	rec.APIKey = k
	return jsonResponse(http.StatusOK, s.renderKey(rec, ""))
}

// saveFailures are the validations that run on every save.
func (s *Server) saveFailures(k *APIKey, checkName bool, now time.Time) []failure {
	var failures []failure
	if checkName {
		// ensure_unique compares the transformed name with the stored names exactly
		// (SQL equality): a key renamed to "Foo" by an update does not hold "foo".
		want := normalName(k.Name)
		for _, other := range s.st.keys {
			if other.ID != k.ID && other.AuthorityID == k.AuthorityID && other.Name == want {
				failures = append(failures, failure{"name", "should be unique"})
				break
			}
		}
	}
	if !s.ignoreExpiry && k.ExpiresAt != nil && !k.ExpiresAt.After(now) {
		failures = append(failures, failure{"expires_at", "must be in the future"})
	}
	return failures
}

// normalName is the transform of ensure_unique: trimmed and lower-cased.
func normalName(n string) string { return strings.ToLower(strings.TrimSpace(n)) }

// optional is a body field: absent, null, or a value.
type optional[T any] struct {
	set, null bool
	v         T
}

type keyInput struct {
	name, description, userID, authorityID optional[string]
	scopes                                 optional[[]string]
	permissions                            optional[permLevel]
	expiresAt                              optional[time.Time]
}

// apply copies the fields present in the body onto k (assign_attributes).
func (in *keyInput) apply(k *APIKey) {
	if in.name.set && !in.name.null {
		k.Name = strings.TrimSpace(sanitizeText(in.name.v)) // sanitize: :text
	}
	if in.description.set && !in.description.null {
		k.Description = sanitizeCommon(in.description.v)
	}
	if in.scopes.set && !in.scopes.null {
		k.Scopes = in.scopes.v
	}
	if in.permissions.set {
		k.Permissions = in.permissions.v.String() // null means user (the zero value)
	}
	if in.userID.set && !in.userID.null {
		k.UserID = in.userID.v
	}
	if in.authorityID.set && !in.authorityID.null {
		k.AuthorityID = in.authorityID.v
	}
	if in.expiresAt.set {
		if in.expiresAt.null {
			k.ExpiresAt = nil
		} else {
			t := in.expiresAt.v
			k.ExpiresAt = &t
		}
	}
}

// nilFailures are the "should not be nil" checks for non-nilable attributes
// sent as null (name is checked by the callers, whose rules differ).
func (in *keyInput) nilFailures(update bool) []failure {
	var failures []failure
	if in.description.null {
		failures = append(failures, failure{"description", "should not be nil"})
	}
	if in.scopes.null {
		failures = append(failures, failure{"scopes", "should not be nil"})
	}
	if update && in.userID.null {
		failures = append(failures, failure{"user_id", "should not be nil"})
	}
	if update && in.authorityID.null {
		failures = append(failures, failure{"authority_id", "should not be nil"})
	}
	return failures
}

// parseKeyInput reads an ApiKey body: wrong JSON types are a 400, a scope
// that does not parse is an unhandled exception (500). Unknown and
// read-only fields (id, secret, created_at, ...) are ignored.
func (s *Server) parseKeyInput(rq *request) (*keyInput, *response) {
	if errResp := checkJSONBody(rq); errResp != nil {
		return nil, errResp
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(rq.body, &raw); err != nil || raw == nil {
		msg := "Expected BeginObject but was EOF"
		if err != nil {
			msg = err.Error()
		}
		return nil, badRequest(msg)
	}
	in := &keyInput{}
	var err error
	for _, f := range []struct {
		name string
		dst  *optional[string]
	}{{"name", &in.name}, {"description", &in.description}, {"user_id", &in.userID}, {"authority_id", &in.authorityID}} {
		if *f.dst, err = decodeString(raw, f.name); err != nil {
			return nil, badRequest(err.Error())
		}
	}
	if in.scopes, err = decodeStrings(raw, "scopes"); err != nil {
		return nil, badRequest(err.Error())
	}
	if in.permissions, err = decodePermission(raw, "permissions"); err != nil {
		return nil, badRequest(err.Error())
	}
	if !s.ignoreExpiry { // older servers do not know the field at all
		if in.expiresAt, err = decodeTime(raw, "expires_at"); err != nil {
			return nil, badRequest(err.Error())
		}
	}
	if in.scopes.set && !in.scopes.null {
		parsed, err := parseScopes(in.scopes.v)
		if err != nil {
			return nil, ptr(serverError())
		}
		canon := make([]string, len(parsed))
		for i, sc := range parsed {
			canon[i] = sc.String()
		}
		in.scopes.v = canon
	}
	return in, nil
}

// checkJSONBody answers 415 for a body that is declared as something other
// than JSON. A missing Content-Type is accepted.
func checkJSONBody(rq *request) *response {
	if rq.bodyErr != nil {
		return badRequest("reading body: " + rq.bodyErr.Error())
	}
	ct := rq.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	resp := jsonResponse(http.StatusUnsupportedMediaType, map[string]any{
		"error":   "unsupported content type " + ct,
		"accepts": []string{"application/json"},
	})
	return &resp
}

func badRequest(msg string) *response {
	resp := errorResponse(http.StatusBadRequest, msg)
	return &resp
}

func ptr[T any](v T) *T { return &v }

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

func decodeString(obj map[string]json.RawMessage, field string) (optional[string], error) {
	raw, ok := obj[field]
	if !ok {
		return optional[string]{}, nil
	}
	if isNull(raw) {
		return optional[string]{set: true, null: true}, nil
	}
	var v string
	if err := json.Unmarshal(raw, &v); err != nil {
		return optional[string]{}, fmt.Errorf("expected String for %s but was %s", field, raw)
	}
	return optional[string]{set: true, v: v}, nil
}

func decodeStrings(obj map[string]json.RawMessage, field string) (optional[[]string], error) {
	raw, ok := obj[field]
	if !ok {
		return optional[[]string]{}, nil
	}
	if isNull(raw) {
		return optional[[]string]{set: true, null: true}, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return optional[[]string]{}, fmt.Errorf("expected Array(String) for %s but was %s", field, raw)
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		var v string
		if isNull(it) || json.Unmarshal(it, &v) != nil {
			return optional[[]string]{}, fmt.Errorf("expected String in %s but was %s", field, it)
		}
		out = append(out, v)
	}
	return optional[[]string]{set: true, v: out}, nil
}

// decodePermission accepts a name (any case) or an integer 0..3; null means user.
func decodePermission(obj map[string]json.RawMessage, field string) (optional[permLevel], error) {
	raw, ok := obj[field]
	if !ok {
		return optional[permLevel]{}, nil
	}
	if isNull(raw) {
		return optional[permLevel]{set: true, v: permUser}, nil
	}
	var name string
	if json.Unmarshal(raw, &name) == nil {
		p, ok := parsePermission(name)
		if !ok {
			return optional[permLevel]{}, fmt.Errorf("unknown enum PlaceOS::Model::UserJWT::Permissions value: %q", name)
		}
		return optional[permLevel]{set: true, v: p}, nil
	}
	var n int
	if json.Unmarshal(raw, &n) == nil {
		if n < 0 || n > int(permAdminSupport) {
			return optional[permLevel]{}, fmt.Errorf("unknown enum PlaceOS::Model::UserJWT::Permissions value: %d", n)
		}
		return optional[permLevel]{set: true, v: permLevel(n)}, nil
	}
	return optional[permLevel]{}, fmt.Errorf("expected String or Int for %s but was %s", field, raw)
}

// decodeTime accepts epoch seconds, RFC 3339, or a zoneless UTC time; null
// or "" clear the field.
func decodeTime(obj map[string]json.RawMessage, field string) (optional[time.Time], error) {
	raw, ok := obj[field]
	if !ok {
		return optional[time.Time]{}, nil
	}
	if isNull(raw) {
		return optional[time.Time]{set: true, null: true}, nil
	}
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return optional[time.Time]{set: true, v: time.Unix(n, 0).UTC()}, nil
	}
	var str string
	if json.Unmarshal(raw, &str) != nil {
		return optional[time.Time]{}, fmt.Errorf("expected Int or String for %s but was %s", field, raw)
	}
	if str == "" {
		return optional[time.Time]{set: true, null: true}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		if t, err := time.Parse(layout, str); err == nil {
			return optional[time.Time]{set: true, v: t.UTC()}, nil
		}
	}
	return optional[time.Time]{}, fmt.Errorf("invalid time for %s: %q", field, str)
}
