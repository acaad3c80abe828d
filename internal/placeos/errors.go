package placeos

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"unicode"
	"unicode/utf8"
)

// APIError is a non-2xx answer from PlaceOS.
type APIError struct {
	Method     string
	Path       string // the request path, e.g. /api/engine/v2/api_keys
	StatusCode int
	// Message is PlaceOS's `error` field (or OAuth's error_description), or a description of
	// an answer that was not PlaceOS JSON. Never the raw body.
	Message   string
	Failures  []Failure // 422 validation failures
	RequestID string    // X-Request-ID, for the server's logs
}

// Failure is one entry of a 422 `failures` list.
type Failure struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: %d %s", e.Method, e.Path, e.StatusCode, http.StatusText(e.StatusCode))
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	for i, f := range e.Failures {
		if i == 0 {
			b.WriteString(" (")
		} else {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%s %s", f.Field, f.Reason)
		if i == len(e.Failures)-1 {
			b.WriteString(")")
		}
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " [request id %s]", e.RequestID)
	}
	return b.String()
}

// HasFailure reports whether a 422 names this field with this reason.
func (e *APIError) HasFailure(field, reason string) bool {
	for _, f := range e.Failures {
		if f.Field == field && strings.Contains(f.Reason, reason) {
			return true
		}
	}
	return false
}

// RequestError is a call that got no HTTP answer at all (connection refused or reset,
// timeout, TLS failure) after every retry.
type RequestError struct {
	Method, Path string
	Err          error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("%s %s: %v", e.Method, e.Path, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

func statusOf(err error) int {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode
	}
	return 0
}

// IsNotFound reports a 404.
func IsNotFound(err error) bool { return statusOf(err) == http.StatusNotFound }

// IsForbidden reports a 403 (PlaceOS sends it with an empty body).
func IsForbidden(err error) bool { return statusOf(err) == http.StatusForbidden }

// IsUnauthorized reports a 401.
func IsUnauthorized(err error) bool { return statusOf(err) == http.StatusUnauthorized }

// errorBody is every error shape PlaceOS and its OAuth server send.
type errorBody struct {
	Error            string    `json:"error"`
	ErrorDescription string    `json:"error_description"`
	Failures         []Failure `json:"failures"`
	Parameter        string    `json:"parameter"`
	Restriction      string    `json:"restriction"`
}

// newAPIError reads (a bounded part of) an error response. The body is decoded, never quoted:
// an HTML error page or a proxy's answer is described by its type and size only.
func newAPIError(method, path string, resp *http.Response) *APIError {
	e := &APIError{Method: method, Path: path, StatusCode: resp.StatusCode, RequestID: requestID(resp.Header)}
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e.Message, e.Failures = DecodeErrorBody(resp.Header.Get("Content-Type"), raw)
	return e
}

// DecodeErrorBody extracts the message and validation failures from an error body.
func DecodeErrorBody(contentTypeHeader string, raw []byte) (string, []Failure) {
	trimmed := strings.TrimSpace(string(raw))
	if trimmed == "" || trimmed == "{}" {
		return "", nil
	}
	var body errorBody
	if err := json.Unmarshal(raw, &body); err != nil {
		ct := "no content type"
		if contentTypeHeader != "" {
			ct = truncateMessage(sanitizeMessage(contentTypeHeader))
			if mt, _, err := mime.ParseMediaType(contentTypeHeader); err == nil {
				ct = mt
			}
		}
		return fmt.Sprintf("the answer is not PlaceOS JSON (%s, %d bytes)", ct, len(raw)), nil
	}
	// "error: error_description (parameter restriction)", of the parts that are there.
	var parts []string
	for _, p := range []string{body.Error, body.ErrorDescription} {
		if p = strings.TrimSpace(sanitizeMessage(p)); p != "" {
			parts = append(parts, p)
		}
	}
	msg := strings.Join(parts, ": ")
	if param := strings.TrimSpace(sanitizeMessage(body.Parameter)); param != "" {
		detail := strings.TrimSpace("parameter " + param + " " + strings.TrimSpace(sanitizeMessage(body.Restriction)))
		msg = strings.TrimSpace(msg + " (" + detail + ")")
	}
	failures := make([]Failure, 0, len(body.Failures))
	for _, f := range body.Failures {
		f.Field, f.Reason = sanitizeMessage(f.Field), sanitizeMessage(f.Reason)
		if f.Field != "" || f.Reason != "" {
			failures = append(failures, f)
		}
	}
	if len(failures) == 0 {
		failures = nil
	}
	return truncateMessage(msg), failures
}

// maxMessage bounds the server's message in a diagnostic, in bytes.
const maxMessage = 1000

// sanitizeMessage makes a server's text safe for a terminal: invalid UTF-8 is replaced, line
// breaks and tabs become spaces, and other control and format characters (escape sequences,
// bidirectional overrides) are dropped.
func sanitizeMessage(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t' || r == '\n' || r == '\r':
			return ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r):
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
}

// truncateMessage cuts a long message at a rune boundary and says so.
func truncateMessage(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	cut := maxMessage
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + " (cut short)"
}

// requestID is the server's X-Request-ID, made safe to print.
func requestID(h http.Header) string { return truncateMessage(sanitizeMessage(h.Get("X-Request-ID"))) }

func contentType(h http.Header) string {
	if mt, _, err := mime.ParseMediaType(h.Get("Content-Type")); err == nil {
		return mt
	}
	return "no content type"
}

// jsonErrorKind names what was wrong without echoing the offending bytes.
func jsonErrorKind(err error) string {
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntaxErr):
		return fmt.Sprintf("invalid JSON at byte %d", syntaxErr.Offset)
	case errors.As(err, &typeErr):
		return fmt.Sprintf("field %q has JSON type %s, expected %s", typeErr.Field, typeErr.Value, typeErr.Type)
	case errors.Is(err, errUnprintableKeyID):
		return err.Error()
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the body is empty or cut short"
	default:
		return "it cannot be decoded"
	}
}
