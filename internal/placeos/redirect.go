package placeos

import (
	"fmt"
	"net/http"
	"net/url"
)

// refuseRedirect makes the HTTP client hand back a 3xx instead of following it.
func refuseRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// redirectError describes a 3xx by the scheme and host of its Location, never more of it (a
// Location can carry user info, a path or a query that is none of the user's business).
func (c *Client) redirectError(method, path string, resp *http.Response) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header)}
	var target *url.URL
	if loc := resp.Header.Get("Location"); loc != "" && resp.Request != nil && resp.Request.URL != nil {
		if u, err := resp.Request.URL.Parse(loc); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			target = u
		}
	}
	switch {
	case target == nil:
		e.Message = "PlaceOS answered with a redirect; the provider never follows redirects, so that no credential " +
			"reaches another address: set `url` to the PlaceOS domain itself"
	case target.Scheme == c.base.Scheme && target.Host == c.base.Host:
		e.Message = "the server redirects to another path on the same host; the provider never follows redirects, so " +
			"that no credential reaches another address: check that `url` is the PlaceOS domain itself, not a site in front of it"
	default:
		origin := sanitizeMessage(target.Scheme + "://" + target.Host)
		e.Message = fmt.Sprintf("`url` redirects to %s: set `url` to that (the provider never follows redirects, "+
			"so that no credential reaches another address)", origin)
	}
	return e
}
