package placeos

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
)

// GetDomain reads one domain (needs support or admin).
func (c *Client) GetDomain(ctx context.Context, id string) (*Authority, error) {
	var d Authority
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/domains/" + url.PathEscape(id)}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ListDomains returns every domain (needs support or admin).
func (c *Client) ListDomains(ctx context.Context) ([]Authority, error) {
	return listAll[Authority](ctx, c, "/domains", nil)
}

// LookupDomainByEmail returns the host name of the domain whose email_domains hold the
// address's domain. The route needs no credentials.
func (c *Client) LookupDomainByEmail(ctx context.Context, email string) (string, error) {
	var host string
	_, err := c.call(ctx, request{method: http.MethodGet, path: "/domains/lookup/" + url.PathEscape(email), noAuth: true}, &host)
	return host, err
}

// Host is the host name the client sends requests to: the domain PlaceOS serves them as.
func (c *Client) Host() string { return c.base.Hostname() }

// CurrentUser returns the user the credentials act as. It is fetched once per client.
func (c *Client) CurrentUser(ctx context.Context) (*User, error) {
	c.currentUserMu.Lock()
	defer c.currentUserMu.Unlock()
	if c.currentUser != nil {
		u := *c.currentUser
		return &u, nil
	}
	var u User
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/users/current"}, &u); err != nil {
		return nil, err
	}
	c.currentUser = &u
	cp := u
	return &cp, nil
}

// GetUser reads a user by id (PlaceOS also accepts an email, login_name or staff_id, looked
// up within the caller's domain). Answers are kept for the client's lifetime (one Terraform
// command), so a hundred keys for one user cost one lookup, not a hundred; callers asking for
// the same user at the same time (Terraform's -parallelism) share one request. A caller
// waiting for another's request gives up with its own context; a failure is shared, except the
// cancellation of the caller that made the request, after which a waiter asks again.
func (c *Client) GetUser(ctx context.Context, idOrEmail string) (*User, error) {
	for {
		if cached, ok := c.users.Load(idOrEmail); ok {
			if u, ok := cached.(User); ok {
				return &u, nil
			}
		}
		ch := c.userLookups.DoChan(idOrEmail, func() (any, error) { return c.fetchUser(ctx, idOrEmail) })
		select {
		case r := <-ch:
			if r.Err != nil {
				if r.Shared && ctx.Err() == nil && (errors.Is(r.Err, context.Canceled) || errors.Is(r.Err, context.DeadlineExceeded)) {
					continue
				}
				return nil, r.Err
			}
			if u, ok := r.Val.(*User); ok {
				cp := *u
				return &cp, nil
			}
			return nil, fmt.Errorf("user lookup of %q returned %T", idOrEmail, r.Val)
		case <-ctx.Done():
			return nil, &RequestError{Method: http.MethodGet, Path: APIBasePath + "/users/" + url.PathEscape(idOrEmail), Err: ctx.Err()}
		}
	}
}

func (c *Client) fetchUser(ctx context.Context, idOrEmail string) (*User, error) {
	var u User
	if _, err := c.call(ctx, request{method: http.MethodGet, path: "/users/" + url.PathEscape(idOrEmail)}, &u); err != nil {
		return nil, err
	}
	c.users.Store(idOrEmail, u)
	return &u, nil
}

// ListUsersOptions filters a user listing; AuthorityID is honoured for admins only.
type ListUsersOptions struct {
	AuthorityID    string
	Query          string
	IncludeDeleted bool
}

// ListUsers returns every user that matches, following pagination.
func (c *Client) ListUsers(ctx context.Context, opts ListUsersOptions) ([]User, error) {
	q := filterQuery(opts.AuthorityID, opts.Query)
	if opts.IncludeDeleted {
		q.Set("include_deleted", "true")
	}
	return listAll[User](ctx, c, "/users", q)
}
