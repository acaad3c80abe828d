package provider

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

var (
	keyIDPattern     = regexp.MustCompile(`^[0-9a-f]{32}$`)
	base64URLPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// FuzzParseImportID: parseImportID never panics and never quotes its input in an error; what it
// accepts splits into a non-empty id and, for the full key, the whole trimmed input; parsing
// its results again gives the same; and every real key (32 hex, ".", base64url) is accepted.
func FuzzParseImportID(f *testing.F) {
	for _, seed := range []string{
		"0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef.rGkjpfF7pOZc1n0KTe6Rsw9GBpegOUee3IMq0z5XGcU",
		"  0123456789abcdef0123456789abcdef.secret\n",
		"api_key-legacy.with.dots",
		".secret", "id.", ".", "", " ", "a b.c", "a.b c", "id.\x00", "id\t.x", "ü.ß", "id..", "%2e.x",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		id, xAPIKey, err := parseImportID(raw)
		trimmed := strings.TrimSpace(raw)
		if err != nil {
			if id != "" || xAPIKey != "" {
				t.Fatalf("an error with results: %q, %q", id, xAPIKey)
			}
			if !errors.Is(err, errInvalidImportID) || err.Error() != errInvalidImportID.Error() {
				t.Fatalf("not the fixed error, which never quotes the input: %v", err)
			}
			if keyIDPattern.MatchString(trimmed) {
				t.Fatalf("a key id was refused: %q", trimmed)
			}
			if before, after, ok := strings.Cut(trimmed, "."); ok && keyIDPattern.MatchString(before) && base64URLPattern.MatchString(after) {
				t.Fatalf("a full key was refused: %q", trimmed)
			}
			return
		}
		if id == "" || strings.Contains(id, ".") || !printableASCII(id) {
			t.Fatalf("accepted %q as id %q", raw, id)
		}
		if xAPIKey == "" {
			if id != trimmed {
				t.Fatalf("an import by id changed the id: %q from %q", id, raw)
			}
		} else {
			secret, ok := strings.CutPrefix(xAPIKey, id+".")
			if !ok || secret == "" || xAPIKey != trimmed || !printableASCII(secret) {
				t.Fatalf("full key %q, id %q from %q", xAPIKey, id, raw)
			}
		}
		// The results parse to themselves.
		if id2, key2, err := parseImportID(id); err != nil || id2 != id || key2 != "" {
			t.Fatalf("the id %q parses to %q, %q, %v", id, id2, key2, err)
		}
		if xAPIKey != "" {
			if id2, key2, err := parseImportID(xAPIKey); err != nil || id2 != id || key2 != xAPIKey {
				t.Fatalf("the key parses to %q, %q, %v", id2, key2, err)
			}
		}
	})
}
