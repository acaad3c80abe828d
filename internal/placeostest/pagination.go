package placeostest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// paginate applies limit/offset to rows (already filtered and sorted) and
// builds the headers of controllers/application.cr paginate_sql.
func paginate[T any](r *http.Request, table string, rows []T) ([]T, http.Header, *response) {
	q := r.URL.Query()
	limit, errResp := intParam(q.Get("limit"), "limit", 100, 0, 10000)
	if errResp != nil {
		return nil, nil, errResp
	}
	if strings.HasPrefix(strings.TrimSpace(q.Get("limit")), "-") {
		// limit is read as a UInt32: a negative value does not parse.
		resp := parameterError("limit", fmt.Sprintf("invalid limit: %q is not a UInt32", q.Get("limit")), "UInt32")
		return nil, nil, &resp
	}
	offset, errResp := intParam(q.Get("offset"), "offset", 0, 0, 1_000_000)
	if errResp != nil {
		return nil, nil, errResp
	}
	total := len(rows)
	lo := min(offset, total)
	hi := min(lo+limit, total)
	page := rows[lo:hi]

	h := http.Header{}
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("Content-Range", fmt.Sprintf("%s %d-%d/%d", table, offset, offset+len(page), total))
	if offset+len(page) < total {
		next := r.URL.Query()
		next.Set("offset", strconv.Itoa(offset+len(page)))
		next.Set("limit", strconv.Itoa(limit))
		h.Set("Link", fmt.Sprintf("<%s?%s>; rel=\"next\"", r.URL.Path, next.Encode()))
	}
	return page, h, nil
}

// intParam parses an integer query parameter and clamps it, as the real
// server does; a value that is not an integer is a 400.
func intParam(v, name string, def, lo, hi int) (int, *response) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		resp := parameterError(name, fmt.Sprintf("invalid %s: %q is not an integer", name, v), "Int32")
		return 0, &resp
	}
	return min(max(n, lo), hi), nil
}

// boolParam parses a boolean query parameter; anything else is a 400.
func boolParam(v, name string) (bool, *response) {
	switch strings.ToLower(v) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	resp := parameterError(name, fmt.Sprintf("invalid %s: %q is not a boolean", name, v), "Bool")
	return false, &resp
}

// matchQ is the text search, simplified to a case-insensitive substring
// match over the given fields. "*" or empty matches everything.
func matchQ(q string, fields ...string) bool {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" || q == "*" {
		return true
	}
	for _, f := range fields {
		if strings.Contains(strings.ToLower(f), q) {
			return true
		}
	}
	return false
}
