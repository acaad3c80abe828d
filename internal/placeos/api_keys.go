package placeos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
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
// It is safe to retry: when an attempt may have reached the server without its answer reaching
// us (a reset connection, a timeout, a 5xx), the key that attempt made cannot be used (its
// secret is lost), so it is found and deleted before the create is repeated. A key of the same
// name that was already there is never touched: that is ErrNameTaken.
func (c *Client) CreateAPIKey(ctx context.Context, in APIKeyCreate) (*APIKey, error) {
	start := c.now()
	var lastErr error
	for round := 0; round < createRounds; round++ {
		tries := &attempts{}
		var key APIKey
		_, err := c.call(context.WithValue(ctx, attemptsKey{}, tries),
			request{method: http.MethodPost, path: apiKeysPath, body: in.body()}, &key)
		if err == nil {
			c.refresh.wrote(key.ID)
			return &key, nil
		}
		lastErr = err
		nameTaken := isNameTaken(err)
		unanswered := tries.n > 1 || isAmbiguous(err)
		if !unanswered {
			if nameTaken {
				return nil, fmt.Errorf("%w: %w", ErrNameTaken, err)
			}
			return nil, err
		}
		removed, cleanupErr := c.removeOwnCreate(ctx, in, start)
		if cleanupErr != nil {
			return nil, fmt.Errorf("%w; %v", err, cleanupErr)
		}
		if !removed {
			if nameTaken {
				return nil, fmt.Errorf("%w: %w", ErrNameTaken, err)
			}
			return nil, err
		}
		if !nameTaken {
			// Cleaned up after a final failure: report the failure, leave nothing behind.
			return nil, err
		}
	}
	return nil, lastErr
}

// orphanCleanupTimeout bounds the clean-up after a create whose context was cancelled.
const orphanCleanupTimeout = 30 * time.Second

// removeOwnCreate finds and deletes the key that an unanswered attempt of this create made, if
// any. It runs even when ctx is cancelled (Terraform cancels on Ctrl-C): that key is unusable,
// its secret lost, and a re-run would find its name taken.
func (c *Client) removeOwnCreate(ctx context.Context, in APIKeyCreate, start time.Time) (bool, error) {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.WithoutCancel(ctx), orphanCleanupTimeout)
		defer cancel()
	}
	orphan, err := c.findOwnCreate(ctx, in, start)
	if err != nil {
		return false, fmt.Errorf("checking for a key left by an unanswered attempt also failed: %v", err)
	}
	if orphan == nil {
		return false, nil
	}
	if err := c.DeleteAPIKey(ctx, orphan.ID); err != nil {
		return false, fmt.Errorf("the key %s that an unanswered attempt made could not be deleted: %v", orphan.ID, err)
	}
	return true, nil
}

// clockSkew is how much earlier than our own clock a key's created_at may be and still be
// one of ours.
const clockSkew = 2 * time.Minute

// findOwnCreate looks for a key that one of this create's attempts made: the same name, user,
// description and permissions, created after the create started.
func (c *Client) findOwnCreate(ctx context.Context, in APIKeyCreate, start time.Time) (*APIKey, error) {
	k, err := c.FindAPIKeyByName(ctx, in.AuthorityID, in.Name)
	if err != nil || k == nil {
		return nil, err
	}
	if k.UserID == in.UserID && SameDescription(in.Description, k.Description) &&
		strings.EqualFold(k.Permissions, in.Permissions) && !k.CreatedAt.Before(start.Add(-clockSkew)) {
		return k, nil
	}
	return nil, nil // names are unique: the key of this name is not ours
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

func isNameTaken(err error) bool {
	var apiErr *APIError
	return errors.As(err, &apiErr) && apiErr.StatusCode == http.StatusUnprocessableEntity && apiErr.HasFailure("name", "unique")
}

// isAmbiguous: the server may have acted on a request whose answer says nothing about it.
func isAmbiguous(err error) bool {
	var reqErr *RequestError
	if errors.As(err, &reqErr) {
		return true
	}
	s := statusOf(err)
	return s >= 500 || s == http.StatusTooManyRequests
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
	q := url.Values{}
	if opts.AuthorityID != "" {
		q.Set("authority_id", opts.AuthorityID)
	}
	if opts.Query != "" {
		q.Set("q", opts.Query)
	}
	keys, err := listAll[APIKey](ctx, c, apiKeysPath, q)
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
