package placeos

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// maxOffset is PlaceOS's clamp on offset; a listing never pages past it.
const maxOffset = 1_000_000

// maxPages bounds a listing: a server that keeps sending full pages, or an X-Total-Count that
// lies, costs at most this many requests.
const maxPages = 1000

// filterQuery is the query of a filtered listing: authority_id and q, each only when set.
func filterQuery(authorityID, query string) url.Values {
	q := url.Values{}
	if authorityID != "" {
		q.Set("authority_id", authorityID)
	}
	if query != "" {
		q.Set("q", query)
	}
	return q
}

// listAll pages through an index route. It moves its own offset by the rows each page returned
// (older servers' Link headers skip a row per page) and stops at a short or empty page, at
// X-Total-Count, or at maxPages or more than c.maxListing bytes of answers (an error).
func listAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var all []T
	var read int64
	for pages, offset := 0, 0; offset <= maxOffset; pages++ {
		if pages == maxPages {
			return nil, fmt.Errorf("GET %s: more than %d pages of %d rows; the provider reads no more than that of one listing",
				APIBasePath+path, maxPages, c.pageSize)
		}
		page, resp, err := listPage[T](ctx, c, path, query, offset, c.pageSize)
		if err != nil {
			return nil, err
		}
		if read += int64(len(resp.body)); read > c.maxListing {
			return nil, fmt.Errorf("GET %s: the listing is larger than %d MiB after %d pages, more than the provider reads of "+
				"one listing; it was not read to the end (is `url` the PlaceOS domain itself?)", APIBasePath+path, c.maxListing>>20, pages+1)
		}
		all = append(all, page...)
		offset += len(page)
		if len(page) < c.pageSize {
			break // a short or empty page is the last, whatever X-Total-Count says
		}
		if total, err := strconv.Atoi(resp.header.Get("X-Total-Count")); err == nil && offset >= total {
			break
		}
	}
	return all, nil
}

// listPage fetches the page of an index route that starts at offset, at most limit rows.
func listPage[T any](ctx context.Context, c *Client, path string, query url.Values, offset, limit int) ([]T, *response, error) {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	q.Set("limit", strconv.Itoa(limit))
	q.Set("offset", strconv.Itoa(offset))
	var page []T
	resp, err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, &page)
	return page, resp, err
}

// totalCount is the X-Total-Count of a listing's answer, or -1 when there is none.
func totalCount(h http.Header) int {
	total, err := strconv.Atoi(h.Get("X-Total-Count"))
	if err != nil || total < 0 {
		return -1
	}
	return total
}
