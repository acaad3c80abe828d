package placeos

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// secretMarker stands for a secret in the fields of an error answer that are not messages.
const secretMarker = "SECRET-f2c1e9a7d4b8" //nolint:gosec // G101: a marker that stands for a secret in fuzz inputs

// FuzzDecodeErrorBody: DecodeErrorBody never panics; a body that is not PlaceOS JSON is never
// quoted (the message depends on its content type and length alone); and of a JSON body only
// the message fields can reach the message, never a secret in any other field.
func FuzzDecodeErrorBody(f *testing.F) {
	for _, seed := range []struct{ ct, body string }{
		{"application/json", `{"error":"validation failed","failures":[{"field":"name","reason":"should be unique"}]}`},
		{"application/json; charset=utf-8", `{"error":"invalid_grant","error_description":"The provided authorization grant is invalid"}`},
		{"application/json", `{"error":"invalid parameter","parameter":"limit","restriction":"must be an integer"}`},
		{"application/json", `{"error":"","error_description":"only a description"}`},
		{"application/json", `{"parameter":"id","restriction":""}`},
		{"application/json", `{}`},
		{"application/json", `null`},
		{"application/json", `[{"error":"in a list"}]`},
		{"application/json", `{"error":"unknown X-API-Key","user":{"password_digest":"x","access_token":"y"}}`},
		{"application/json", `{"error":"a","ERROR":"b","Error":"c"}`},
		{"application/json", `{"failures":[{"field":"","reason":""},{"field":"scopes"}]}`},
		{"text/html", `<html><body>502 Bad Gateway</body></html>`},
		{"text/plain", ``},
		{"", `not json at all`},
		{"weird content type;;", `{"error":`},
		{"application/json", "{\"error\":\"\xff\xfe\"}"},
	} {
		f.Add(seed.ct, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, ct string, raw []byte) {
		msg, failures := DecodeErrorBody(ct, raw)

		trimmed := strings.TrimSpace(string(raw))
		if trimmed == "" || trimmed == "{}" {
			if msg != "" || failures != nil {
				t.Fatalf("an empty answer gave %q, %v", msg, failures)
			}
			return
		}
		if failures != nil && len(failures) == 0 {
			t.Fatalf("failures is empty but not nil")
		}
		for _, fl := range failures {
			if fl.Field == "" && fl.Reason == "" {
				t.Fatalf("an empty failure was kept: %+v", failures)
			}
		}

		if json.Unmarshal(raw, new(errorBody)) != nil {
			// Not PlaceOS JSON: only the content type and the length may show.
			other, _ := DecodeErrorBody(ct, bytes.Repeat([]byte("x"), len(raw)))
			if msg != other {
				t.Fatalf("the message depends on the body's content: %q for %q, %q for as many x", msg, raw, other)
			}
			if failures != nil {
				t.Fatalf("failures from a body that is not JSON: %v", failures)
			}
			return
		}

		// PlaceOS JSON. The message is what the message fields say, trimmed, without a
		// dangling separator.
		if msg != strings.TrimSpace(msg) || strings.HasPrefix(msg, ":") {
			t.Fatalf("badly joined message %q from %q", msg, raw)
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("the message is not valid UTF-8: %q", msg)
		}

		// A secret in any other field never reaches the message.
		var obj map[string]any
		if json.Unmarshal(raw, &obj) != nil || obj == nil {
			return // valid for errorBody but not an object (null)
		}
		base, _ := json.Marshal(obj)
		baseMsg, baseFailures := DecodeErrorBody(ct, base)
		obj["x_api_key"] = "0123456789abcdef0123456789abcdef." + secretMarker
		obj["user"] = map[string]any{"password_digest": secretMarker, "access_token": secretMarker, "card_number": secretMarker}
		obj["authority"] = map[string]any{"internals": map[string]any{"sso_secret": secretMarker}}
		withSecrets, _ := json.Marshal(obj)
		secretMsg, secretFailures := DecodeErrorBody(ct, withSecrets)
		if secretMsg != baseMsg || !slices.Equal(secretFailures, baseFailures) {
			t.Fatalf("fields other than the message changed it: %q became %q", baseMsg, secretMsg)
		}
		if strings.Contains(secretMsg, secretMarker) && !strings.Contains(baseMsg, secretMarker) {
			t.Fatalf("a secret reached the message: %q", secretMsg)
		}
	})
}

// decodeBody marshals an error answer and decodes it again.
func decodeBody(t *testing.T, b errorBody) (string, []Failure) {
	raw, err := json.Marshal(b)
	if err != nil {
		t.Fatal(err)
	}
	return DecodeErrorBody("application/json", raw)
}

// FuzzDecodeErrorBodyRoundTrip: an error answer built from its parts decodes to those parts,
// joined as "error: error_description (parameter name restriction)" without empty pieces.
func FuzzDecodeErrorBodyRoundTrip(f *testing.F) {
	f.Add("validation failed", "", "", "", "name", "should be unique")
	f.Add("invalid_grant", "The provided authorization grant is invalid", "", "", "", "")
	f.Add("invalid parameter", "", "limit", "must be an integer", "", "")
	f.Add("", "only a description", "", "", "", "")
	f.Add("", "", "id", "", "", "")
	f.Add("  padded  ", " ", "", "", "", "reason only")
	f.Fuzz(func(t *testing.T, errMsg, desc, param, restriction, field, reason string) {
		// JSON carries text as UTF-8; invalid bytes arrive replaced, so compare with what arrives.
		in := errorBody{Error: errMsg, ErrorDescription: desc, Parameter: param, Restriction: restriction}
		raw, _ := json.Marshal(in)
		var seen errorBody
		if err := json.Unmarshal(raw, &seen); err != nil {
			t.Fatalf("cannot read back %s: %v", raw, err)
		}
		if field != "" || reason != "" {
			in.Failures = []Failure{{Field: field, Reason: reason}, {}}
		}
		msg, failures := decodeBody(t, in)

		if len(msg) > maxMessage {
			if !strings.HasSuffix(msg, " (cut short)") || len(msg) > maxMessage+len(" (cut short)") {
				t.Fatalf("a long message was not cut: %d bytes", len(msg))
			}
			return
		}
		parts := []string{seen.Error, seen.ErrorDescription}
		if strings.TrimSpace(seen.Parameter) != "" {
			// A restriction means something only with its parameter.
			parts = append(parts, seen.Parameter, seen.Restriction)
		}
		for _, part := range parts {
			if p := strings.TrimSpace(sanitizeMessage(part)); p != "" && !strings.Contains(msg, p) {
				t.Fatalf("the message %q lacks %q (from %s)", msg, p, raw)
			}
		}
		if msg != strings.TrimSpace(msg) {
			t.Fatalf("the message %q has surrounding white space (from %s)", msg, raw)
		}
		if strings.TrimSpace(sanitizeMessage(seen.Error+seen.ErrorDescription+seen.Parameter)) == "" && msg != "" {
			t.Fatalf("no message fields, but the message is %q", msg)
		}
		// White space around a field, or a blank field, leaves no trace.
		trimmed := errorBody{Error: strings.TrimSpace(seen.Error), ErrorDescription: strings.TrimSpace(seen.ErrorDescription),
			Parameter: strings.TrimSpace(seen.Parameter), Restriction: strings.TrimSpace(seen.Restriction)}
		if m, _ := decodeBody(t, trimmed); m != msg {
			t.Fatalf("white space around the fields changed the message: %q, trimmed %q", msg, m)
		}
		if trimmed.Error == "" && trimmed.ErrorDescription != "" {
			moved := trimmed
			moved.Error, moved.ErrorDescription = trimmed.ErrorDescription, ""
			if m, _ := decodeBody(t, moved); m != msg {
				t.Fatalf("a blank error left a trace: %q, without it %q", msg, m)
			}
		}
		if p := strings.TrimSpace(sanitizeMessage(trimmed.Parameter)); p != "" && strings.TrimSpace(sanitizeMessage(trimmed.Restriction)) == "" &&
			!strings.HasSuffix(msg, "(parameter "+p+")") {
			t.Fatalf("a parameter without a restriction reads %q", msg)
		}

		var want []Failure
		if field != "" || reason != "" {
			var back []Failure
			b, _ := json.Marshal([]Failure{{Field: field, Reason: reason}})
			_ = json.Unmarshal(b, &back)
			back[0].Field, back[0].Reason = sanitizeMessage(back[0].Field), sanitizeMessage(back[0].Reason)
			if back[0] != (Failure{}) {
				want = back
			}
		}
		if !slices.Equal(failures, want) {
			t.Fatalf("failures %+v, want %+v", failures, want)
		}
	})
}
