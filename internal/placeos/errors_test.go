package placeos_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/placeos/terraform-provider-placeos/internal/placeos"
)

// getUserError runs GetUser against a server that always gives this answer, and returns the error.
func getUserError(t *testing.T, answer http.HandlerFunc, opts ...func(*placeos.Config)) (*hitLog, error) {
	t.Helper()
	hits := &hitLog{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.add(r)
		answer(w, r)
	}))
	t.Cleanup(srv.Close)
	c := newClient(t, srv.URL, opts...)
	u, err := c.GetUser(t.Context(), "user-1")
	if err == nil {
		t.Fatalf("GetUser succeeded with %+v, want an error", u)
	}
	return hits, err
}

// answeredError is getUserError, without retries, against a server that answers status and
// body after header has set the headers. The error must be an *APIError of that status.
func answeredError(t *testing.T, status int, header func(http.Header), body string) (*hitLog, *placeos.APIError, error) {
	t.Helper()
	hits, err := getUserError(t, func(w http.ResponseWriter, _ *http.Request) {
		header(w.Header())
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}, withMaxRetries(0))
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != status {
		t.Errorf("StatusCode = %d, want %d", apiErr.StatusCode, status)
	}
	return hits, apiErr, err
}

func TestStatusMapping(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string // empty: no body at all
		wantMessage string
		is          func(error) bool
	}{
		{
			name: "404 is not found", status: http.StatusNotFound,
			body: `{"error":"Key not present: user-1"}`, wantMessage: "Key not present: user-1",
			is: placeos.IsNotFound,
		},
		{
			name: "403 with an empty body is forbidden", status: http.StatusForbidden,
			is: placeos.IsForbidden,
		},
		{
			name: "401 authority not found", status: http.StatusUnauthorized,
			body: `{"error":"authority not found"}`, wantMessage: "authority not found",
			is: placeos.IsUnauthorized,
		},
		{
			name: "500 production body {}", status: http.StatusInternalServerError, body: `{}`,
			is: func(err error) bool { return !placeos.IsNotFound(err) && !placeos.IsForbidden(err) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, apiErr, err := answeredError(t, tt.status, func(h http.Header) {
				if tt.body != "" {
					h.Set("Content-Type", "application/json")
				}
			}, tt.body)
			if !tt.is(err) {
				t.Errorf("status predicate is false for %v", err)
			}
			if apiErr.Message != tt.wantMessage {
				t.Errorf("Message = %q, want %q", apiErr.Message, tt.wantMessage)
			}
			if apiErr.Method != http.MethodGet || apiErr.Path != "/api/engine/v2/users/user-1" {
				t.Errorf("Method, Path = %q, %q", apiErr.Method, apiErr.Path)
			}
			wantText := fmt.Sprintf("%d %s", tt.status, http.StatusText(tt.status))
			if msg := err.Error(); !strings.Contains(msg, wantText) || !strings.Contains(msg, tt.wantMessage) {
				t.Errorf("Error() = %q, want it to contain %q and %q", msg, wantText, tt.wantMessage)
			}
			if hits.count() != 1 {
				t.Errorf("server hits = %d, want 1", hits.count())
			}
		})
	}
}

func TestStatusPredicatesOnOtherErrors(t *testing.T) {
	for _, err := range []error{nil, errors.New("plain"), &placeos.RequestError{Method: "GET", Path: "/x", Err: errors.New("reset")}} {
		if placeos.IsNotFound(err) || placeos.IsForbidden(err) || placeos.IsUnauthorized(err) {
			t.Errorf("a status predicate is true for %v", err)
		}
	}
	wrapped := fmt.Errorf("reading key: %w", &placeos.APIError{StatusCode: http.StatusNotFound})
	if !placeos.IsNotFound(wrapped) {
		t.Errorf("IsNotFound is false for a wrapped 404")
	}
}

func TestValidationFailuresDecoded(t *testing.T) {
	_, err := getUserError(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": "validation failed",
			"failures": []map[string]string{
				{"field": "name", "reason": "should be unique"},
				{"field": "expires_at", "reason": "must be in the future"},
			},
		})
	})
	apiErr := asAPIError(t, err)
	want := []placeos.Failure{{Field: "name", Reason: "should be unique"}, {Field: "expires_at", Reason: "must be in the future"}}
	if !slices.Equal(apiErr.Failures, want) {
		t.Errorf("Failures = %+v, want %+v", apiErr.Failures, want)
	}
	if apiErr.Message != "validation failed" {
		t.Errorf("Message = %q", apiErr.Message)
	}
	msg := err.Error()
	for _, part := range []string{"422 Unprocessable Entity", "validation failed", "name should be unique", "expires_at must be in the future"} {
		if !strings.Contains(msg, part) {
			t.Errorf("Error() = %q, missing %q", msg, part)
		}
	}
	if !apiErr.HasFailure("name", "unique") || apiErr.HasFailure("description", "unique") {
		t.Errorf("HasFailure answers wrongly for %+v", apiErr.Failures)
	}
}

func TestParameterErrorDecoded(t *testing.T) {
	_, err := getUserError(t, func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid parameter", "parameter": "limit", "restriction": "must be an integer"})
	})
	if got, want := asAPIError(t, err).Message, "invalid parameter (parameter limit must be an integer)"; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
}

func TestRequestIDCopied(t *testing.T) {
	_, err := getUserError(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-ID", "req-7f3a")
		writeJSON(w, http.StatusNotFound, map[string]string{"error": ""})
	})
	apiErr := asAPIError(t, err)
	if apiErr.RequestID != "req-7f3a" {
		t.Errorf("RequestID = %q, want req-7f3a", apiErr.RequestID)
	}
	if !strings.Contains(err.Error(), "req-7f3a") {
		t.Errorf("Error() = %q, want the request id", err.Error())
	}
}

// Bodies that are not PlaceOS JSON are described by type and size, never quoted: an error
// page or a proxy's answer may echo headers or form fields.
func TestNonJSONErrorBodiesAreNotQuoted(t *testing.T) {
	const marker = "MARKER-body-text-7c1e"
	tests := []struct {
		name        string
		status      int
		contentType string
		body        string
		wantType    string
	}{
		{
			name: "HTML 500 page", status: http.StatusInternalServerError, contentType: "text/html; charset=utf-8",
			body:     "<html><body><h1>Exception</h1><pre>" + marker + "</pre></body></html>",
			wantType: "text/html",
		},
		{
			name: "garbage JSON", status: http.StatusBadRequest, contentType: "application/json",
			body: `{"error": "` + marker, wantType: "application/json",
		},
		{
			name: "JSON that is not an object", status: http.StatusBadGateway, contentType: "application/json",
			body: `["` + marker + `"]`, wantType: "application/json",
		},
		{
			name: "no content type", status: http.StatusInternalServerError,
			body: marker, wantType: "no content type",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, apiErr, err := answeredError(t, tt.status, func(h http.Header) {
				if tt.contentType != "" {
					h.Set("Content-Type", tt.contentType)
				} else {
					h["Content-Type"] = nil // no sniffing
				}
			}, tt.body)
			size := fmt.Sprintf("%d bytes", len(tt.body))
			if !strings.Contains(apiErr.Message, tt.wantType) || !strings.Contains(apiErr.Message, size) {
				t.Errorf("Message = %q, want it to name %q and %q", apiErr.Message, tt.wantType, size)
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("Error() quotes the body: %q", err.Error())
			}
		})
	}
}

// A 2xx whose body cannot be decoded is an APIError that describes, not quotes, the body.
func TestUndecodableSuccessBody(t *testing.T) {
	const marker = "MARKER-success-body-91d0"
	tests := []struct {
		name, contentType, body, wantKind string
	}{
		{name: "HTML", contentType: "text/html", body: "<html>" + marker + "</html>", wantKind: "invalid JSON"},
		{name: "wrong JSON type", contentType: "application/json", body: `{"id": 17, "email": "` + marker + `"}`, wantKind: `field "id"`},
		{name: "empty", contentType: "application/json", body: "", wantKind: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", tt.contentType)
				w.Header().Set("X-Request-ID", "req-ok")
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := newClient(t, srv.URL).GetUser(t.Context(), "user-1")
			apiErr := asAPIError(t, err)
			if apiErr.StatusCode != http.StatusOK || apiErr.RequestID != "req-ok" {
				t.Errorf("StatusCode, RequestID = %d, %q", apiErr.StatusCode, apiErr.RequestID)
			}
			if !strings.Contains(apiErr.Message, tt.contentType) || !strings.Contains(apiErr.Message, tt.wantKind) {
				t.Errorf("Message = %q, want it to name %q and %q", apiErr.Message, tt.contentType, tt.wantKind)
			}
			if strings.Contains(err.Error(), marker) {
				t.Errorf("Error() quotes the body: %q", err.Error())
			}
		})
	}
}

func TestDecodeErrorBodyOAuthShape(t *testing.T) {
	msg, failures := placeos.DecodeErrorBody("application/json",
		[]byte(`{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`))
	if msg != "invalid_grant: The provided authorization grant is invalid" || failures != nil {
		t.Errorf("DecodeErrorBody = %q, %+v", msg, failures)
	}
}

// Control and format characters in a server's message, failures and request id (terminal
// escape sequences, bidirectional overrides, line breaks) never reach an error; a very long
// message is cut short.
func TestServerMessagesAreSanitized(t *testing.T) {
	const evil = "bad\x1b[31mred\x1b]0;title\x07\u202egnp.exe\r\nnext\x00line"
	_, err := getUserError(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-Request-ID", "rid\u202e-1")
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{
			"error": evil + strings.Repeat("x", 5000), "failures": []map[string]string{{"field": "name\x1b[0m", "reason": "\u202eunique"}},
		})
	}, withMaxRetries(0))
	msg := err.Error()
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == '\u202e' {
			t.Fatalf("the error holds the control character %U: %q", r, msg)
		}
	}
	for _, want := range []string{"bad[31mred]0;titlegnp.exe  nextline", "name[0m unique", "request id rid-1", "(cut short)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if len(msg) > 1500 {
		t.Errorf("the error is %d bytes long; a server message is cut at 1000", len(msg))
	}
}
