package placeos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

const apiKeysPath = "/api_keys"

// APIKeyCreate is the body of a create. AuthorityID is not sent (PlaceOS takes the domain from
// the user); it narrows the search for a key left behind by a lost response.
type APIKeyCreate struct {
	Name        string
	Description string
	UserID      string
	Scopes      []string
	Permissions string
	ExpiresAt   *time.Time
	AuthorityID string
}

func (in APIKeyCreate) body() map[string]any {
	b := map[string]any{
		"name":        in.Name,
		"description": in.Description,
		"user_id":     in.UserID,
		"scopes":      in.Scopes,
		"permissions": in.Permissions,
	}
	if in.ExpiresAt != nil {
		b["expires_at"] = in.ExpiresAt.Unix()
	}
	return b
}

// APIKeyUpdate is a partial update: only non-nil fields are sent.
type APIKeyUpdate struct {
	Name        *string
	Description *string
	Scopes      []string // nil: unchanged
	Permissions *string
	ExpiresAt   *time.Time
	ClearExpiry bool // send expires_at: null
}

func (in APIKeyUpdate) body() map[string]any {
	b := map[string]any{}
	if in.Name != nil {
		b["name"] = *in.Name
	}
	if in.Description != nil {
		b["description"] = *in.Description
	}
	if in.Scopes != nil {
		b["scopes"] = in.Scopes
	}
	if in.Permissions != nil {
		b["permissions"] = *in.Permissions
	}
	switch {
	case in.ExpiresAt != nil:
		b["expires_at"] = in.ExpiresAt.Unix()
	case in.ClearExpiry:
		b["expires_at"] = nil
	}
	return b
}

// createRounds bounds how often a create is repeated after cleaning up a key that an earlier,
// unanswered attempt made.
const createRounds = 3

// ErrNameTaken is returned (wrapped) when a key of that name exists and this client did not make it.
var ErrNameTaken = errors.New("an API key with this name already exists in the domain")

// CreateAPIKey creates a key and returns it with its one-time x_api_key.
//
// It is safe to retry. A create whose every attempt is answered costs one request per attempt
// and nothing more. After an attempt that may have reached the server without its answer
// reaching us (a reset connection, a timeout, a 5xx or 429, a cancelled context), the key that
// attempt made cannot be used (its secret is lost): before the next attempt, and once more
// when the create gives up, the key of that name is looked up. It is deleted only on evidence
// that one of this create's unanswered attempts made it: it matches the request, and its
// created_at (the server's clock) falls within such an attempt, mapped through the server's
// Date headers with ownershipTolerance either side. Any other key of that name (made earlier
// by someone else, or by a concurrent create between our attempts) is never touched: that is
// ErrNameTaken. An attempt that failed before any of it was written (no connection) is not
// unanswered: it cannot have made a key.
//
// The limit: an unanswered attempt's window runs from when it was sent until it was given up
// (up to the request timeout), plus the tolerance either side, and a matching key that someone
// else makes within it cannot be told from one the attempt made: PlaceOS takes no idempotency
// token. Names are unique per domain, so only one of the two creates can have held the name;
// where several runs may create the same key at the same time, name_prefix avoids the race.
//
// A create that is cancelled (Terraform cancels on Ctrl-C) while an attempt is on its way to
// PlaceOS or its answer is coming back is not abandoned: that attempt runs to its answer (within
// the request timeout) and the key is returned, so that Terraform keeps it in state. An answer
// abandoned at that point would leave a key that a look for it could miss, since PlaceOS may
// carry out a request after the client gave up on it, later than the look. Cancellation stops
// everything else: an attempt not yet written, a wait between attempts, and any further attempt.
func (c *Client) CreateAPIKey(ctx context.Context, in APIKeyCreate) (*APIKey, error) {
	reqCtx, cancelReq := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelReq()
	a := &createAttempts{c: c, in: in, stop: ctx, cancelReq: cancelReq}
	defer context.AfterFunc(ctx, a.interrupted)()
	reqCtx = httptrace.WithClientTrace(reqCtx, &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { a.wrote.Store(true); a.setAnswering(true) },
	})
	rc := c.retryClient()
	rc.RequestLogHook, rc.CheckRetry, rc.PrepareRetry = a.sent, a.checkRetry, a.beforeRetry
	var lastErr error
	for round := 0; round < createRounds; round++ {
		var key APIKey
		_, err := c.call(reqCtx, request{method: http.MethodPost, path: apiKeysPath, body: in.body(), retry: rc}, &key)
		a.setAnswering(false)
		if err == nil {
			c.refresh.wrote(key.ID)
			return &key, nil
		}
		lastErr = err
		a.answerLost()
		if a.taken != nil {
			return nil, fmt.Errorf("%w: an attempt got no answer, and the name now belongs to the key %s, which this "+
				"create did not make (it was created outside the attempts of this create)", ErrNameTaken, a.taken.ID)
		}
		if checkErr := (*orphanCheckError)(nil); errors.As(err, &checkErr) {
			return nil, err
		}
		nameTaken := isNameTaken(err)
		if len(a.unknown) == 0 || (!a.lastUnknown && !nameTaken) {
			// Every attempt was answered, or the answered last one says no key was made.
			if nameTaken {
				return nil, fmt.Errorf("%w: %w", ErrNameTaken, err)
			}
			return nil, err
		}
		removed, cleanupErr := a.removeOwn(ctx)
		if cleanupErr != nil {
			return nil, fmt.Errorf("%w; %v", err, cleanupErr)
		}
		if a.taken != nil || (!removed && nameTaken) {
			return nil, fmt.Errorf("%w: %w", ErrNameTaken, err)
		}
		if !removed || !nameTaken {
			// Nothing of ours is left behind; report the failure.
			return nil, err
		}
	}
	return nil, lastErr
}

// ownershipTolerance widens an attempt's time window on either side: Date headers and
// created_at have whole seconds, and an answer takes a moment to arrive.
const ownershipTolerance = 2 * time.Second

// createAttempts is the evidence one CreateAPIKey gathers through the retrying client's hooks:
// when each attempt whose effect is unknown was sent and given up on (our clock).
type createAttempts struct {
	c  *Client
	in APIKeyCreate

	sentAt      time.Time   // of the attempt in flight
	wrote       atomic.Bool // the attempt in flight was written to a connection, in part or whole
	unknown     []window    // attempts that may have made a key
	lastUnknown bool        // the latest attempt is one of them
	made        *window     // the latest attempt, when PlaceOS answered it 2xx: it made a key
	taken       *APIKey     // the key that holds the name, when this create did not make it

	stop      context.Context    // the caller's context: its cancellation stops the create
	cancelReq context.CancelFunc // cancels the requests
	mu        sync.Mutex
	answering bool // an attempt has been written and its answer is awaited or being read
	stopped   bool // stop is done
}

// setAnswering records whether an attempt is between its writing and the end of its answer;
// an attempt that stops being one after the create was cancelled ends the requests.
func (a *createAttempts) setAnswering(on bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.answering = on
	if !on && (a.stopped || a.stop.Err() != nil) {
		a.cancelReq()
	}
}

// interrupted runs when the caller's context is cancelled: the requests end at once unless an
// attempt is being answered, and then when its answer ends (setAnswering).
func (a *createAttempts) interrupted() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.stopped = true
	if !a.answering {
		a.cancelReq()
	}
}

type window struct{ from, to time.Time }

// sent is the RequestLogHook: an attempt starts.
func (a *createAttempts) sent(l retryablehttp.Logger, req *http.Request, attempt int) {
	a.sentAt = a.c.now()
	a.wrote.Store(false)
	a.setAnswering(false) // a look for a key before this attempt is written through the same trace
	a.c.logAttempt(l, req, attempt)
}

// checkRetry records an attempt that may have made a key without telling us, then applies
// the client's retry policy. An attempt that failed before any of it was written (no
// connection: refused, unreachable, a DNS failure, or cancelled while dialling) cannot have
// made a key: it opens no window and causes no look.
func (a *createAttempts) checkRetry(_ context.Context, resp *http.Response, err error) (bool, error) {
	a.lastUnknown = (err != nil && a.wrote.Load()) || (err == nil && (resp == nil || isAmbiguousStatus(resp.StatusCode)))
	w := window{from: a.sentAt, to: a.c.now()}
	a.made = nil
	switch {
	case a.lastUnknown:
		a.unknown = append(a.unknown, w)
	case err == nil && resp.StatusCode >= 200 && resp.StatusCode <= 299:
		a.made = &w
		return false, nil // the key was made: its answer is read even after a cancellation
	}
	a.setAnswering(false)
	return a.c.retryPolicy(a.stop, resp, err)
}

// answerLost is called when the create failed: when its latest attempt was answered 2xx, the
// key was made but its answer never became a key (cancelled after the status line arrived, the
// connection cut in the middle of the body, or a body that is not a key), so its secret is
// lost just as when no answer came: that attempt joins the ones whose key is looked for.
func (a *createAttempts) answerLost() {
	if a.made == nil {
		return
	}
	a.unknown = append(a.unknown, *a.made)
	a.lastUnknown, a.made = true, nil
}

// orphanCheckError is a failed look for (or delete of) a key an unanswered attempt made.
type orphanCheckError struct{ err error }

func (e *orphanCheckError) Error() string { return e.err.Error() }
func (e *orphanCheckError) Unwrap() error { return e.err }

// errNameHeld stops the retries when the name belongs to a key this create did not make.
var errNameHeld = errors.New("the name belongs to a key this create did not make")

// beforeRetry is the PrepareRetry hook: before another attempt, the key an unanswered one
// made is deleted; a key of the name that is not ours stops the create.
func (a *createAttempts) beforeRetry(req *http.Request) error {
	if !a.lastUnknown {
		return nil
	}
	if _, err := a.removeOwn(req.Context()); err != nil {
		return &orphanCheckError{err: err}
	}
	if a.taken != nil {
		return errNameHeld
	}
	return nil
}

// orphanCleanupTimeout bounds the clean-up after a create whose context was cancelled.
const orphanCleanupTimeout = 30 * time.Second

// removeOwn finds the key of the create's name and deletes it when an unanswered attempt of
// this create made it (a.taken is set when another key holds the name). It runs even when
// ctx is cancelled (Terraform cancels on Ctrl-C): that key is unusable, its secret lost, and a
// re-run would find its name taken.
func (a *createAttempts) removeOwn(ctx context.Context) (bool, error) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), orphanCleanupTimeout)
		defer cancel()
	}
	key, err := a.c.FindAPIKeyByName(ctx, a.in.AuthorityID, a.in.Name)
	if err != nil {
		return false, fmt.Errorf("checking for a key left by an unanswered attempt also failed: %v", err)
	}
	if key == nil {
		return false, nil
	}
	if !matchesCreate(key, a.in) || !a.madeWithin(key) {
		a.taken = key
		return false, nil
	}
	if err := a.c.DeleteAPIKey(ctx, key.ID); err != nil {
		return false, fmt.Errorf("the key %s that an unanswered attempt made could not be deleted: %v", key.ID, err)
	}
	return true, nil
}

// madeWithin reports whether the key's created_at falls within one of the unanswered
// attempts (from when it was sent until it was given up), on the server's clock, with
// ownershipTolerance either side. A key someone else made within that span counts as ours:
// that is the limit CreateAPIKey documents.
func (a *createAttempts) madeWithin(k *APIKey) bool {
	created := k.CreatedAt.Time
	for _, w := range a.unknown {
		from := a.c.serverTime(w.from).Add(-ownershipTolerance)
		to := a.c.serverTime(w.to).Add(ownershipTolerance)
		if !created.Before(from) && !created.After(to) {
			return true
		}
	}
	return false
}

// FindAPIKeyByName returns the key of the domain authorityID ("": any the credentials can
// list) that holds the name `name` for a create, as PlaceOS compares names (IsCreatedName), or
// nil when there is none.
func (c *Client) FindAPIKeyByName(ctx context.Context, authorityID, name string) (*APIKey, error) {
	keys, err := c.ListAPIKeys(ctx, ListAPIKeysOptions{AuthorityID: authorityID})
	if err != nil {
		return nil, err
	}
	for i := range keys {
		k := &keys[i]
		// The name a create of `name` would store, exactly: uniqueness compares that with the
		// stored names, so a key renamed by an update to "Foo" does not hold "foo".
		if IsCreatedName(k.Name, name) && (authorityID == "" || k.AuthorityID == authorityID) {
			return k, nil
		}
	}
	return nil, nil
}

// matchesCreate reports whether a stored key is what this create asked for: its user,
// description and permissions as PlaceOS stores them.
func matchesCreate(k *APIKey, in APIKeyCreate) bool {
	return k.UserID == in.UserID && SameDescription(in.Description, k.Description) &&
		strings.EqualFold(k.Permissions, in.Permissions)
}

func isNameTaken(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity && apiErr.HasFailure("name", "unique")
}

// isAmbiguousStatus: the server may have acted on a request whose answer says nothing about it.
func isAmbiguousStatus(status int) bool {
	return status >= 500 || status == http.StatusTooManyRequests
}

// GetAPIKey reads a key (never with its secret).
func (c *Client) GetAPIKey(ctx context.Context, id string) (*APIKey, error) {
	var key APIKey
	if _, err := c.call(ctx, request{method: http.MethodGet, path: apiKeysPath + "/" + url.PathEscape(id)}, &key); err != nil {
		return nil, err
	}
	key.XAPIKey = ""
	return &key, nil
}

// UpdateAPIKey sends a partial update (PATCH) and returns the key as stored.
func (c *Client) UpdateAPIKey(ctx context.Context, id string, in APIKeyUpdate) (*APIKey, error) {
	c.refresh.wrote(id)
	var key APIKey
	if _, err := c.call(ctx, request{method: http.MethodPatch, path: apiKeysPath + "/" + url.PathEscape(id), body: in.body()}, &key); err != nil {
		return nil, err
	}
	key.XAPIKey = ""
	return &key, nil
}

// DeleteAPIKey deletes a key; a key that is already gone is not an error.
func (c *Client) DeleteAPIKey(ctx context.Context, id string) error {
	c.refresh.wrote(id)
	_, err := c.do(ctx, request{method: http.MethodDelete, path: apiKeysPath + "/" + url.PathEscape(id)})
	if IsNotFound(err) {
		return nil
	}
	return err
}

// ListAPIKeysOptions filters a listing; empty fields do not filter.
type ListAPIKeysOptions struct {
	AuthorityID string
	Query       string
}

// ListAPIKeys returns every key that matches, following pagination to the end.
func (c *Client) ListAPIKeys(ctx context.Context, opts ListAPIKeysOptions) ([]APIKey, error) {
	keys, err := listAll[APIKey](ctx, c, apiKeysPath, filterQuery(opts.AuthorityID, opts.Query))
	for i := range keys {
		keys[i].XAPIKey = ""
	}
	return keys, err
}

// InspectAPIKey asks PlaceOS who the given full key ("<id>.<secret>") authenticates as.
// A wrong, unknown or expired key is a 401.
func (c *Client) InspectAPIKey(ctx context.Context, xAPIKey string) (*TokenClaims, error) {
	var claims TokenClaims
	h := http.Header{}
	h.Set("X-API-Key", xAPIKey)
	if _, err := c.call(ctx, request{method: http.MethodGet, path: apiKeysPath + "/inspect", headers: h}, &claims); err != nil {
		return nil, err
	}
	return &claims, nil
}
