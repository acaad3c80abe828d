package placeos

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
)

// maxOffset is PlaceOS's clamp on offset; a listing never pages past it.
const maxOffset = 1_000_000

// listAll pages through an index route. It moves its own offset by the rows each page returned
// (older servers' Link headers skip a row per page) and stops at X-Total-Count, or, when a
// server sends no count, at a short page without a Link header.
func listAll[T any](ctx context.Context, c *Client, path string, query url.Values) ([]T, error) {
	var all []T
	for offset := 0; offset <= maxOffset; {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", strconv.Itoa(c.pageSize))
		q.Set("offset", strconv.Itoa(offset))
		var page []T
		resp, err := c.call(ctx, request{method: http.MethodGet, path: path, query: q}, &page)
		if err != nil {
			return nil, err
		}
		all = append(all, page...)
		offset += len(page)
		if len(page) == 0 {
			break
		}
		if total, err := strconv.Atoi(resp.header.Get("X-Total-Count")); err == nil {
			if offset >= total {
				break
			}
			continue
		}
		if resp.header.Get("Link") == "" && len(page) < c.pageSize {
			break
		}
	}
	return all, nil
}
