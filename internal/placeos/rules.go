package placeos

import (
	"fmt"
	"html"
	"regexp"
	"slices"
	"strings"
)

// PlaceOS's own rules for the values of an API key: how it stores and compares names,
// descriptions and scopes, and what a new key gets by default. The resource, the ephemeral
// resource and the data sources all ask here; nothing else re-implements them.

// Defaults of a new key (models api_key.cr).
const (
	// DefaultPermission is the level of a key created without one, and what an absent or null
	// `permissions` in an answer means.
	DefaultPermission = "user"
	// PublicScope grants every route the key's permission level allows.
	PublicScope = "public"
)

// PermissionLevels are the values of `permissions`, lowest first.
var PermissionLevels = []string{"user", "support", "admin", "admin_support"}

// DefaultScopes are the scopes of a key created without any.
func DefaultScopes() []string { return []string{PublicScope} }

// Permission is a key's permission level as PlaceOS means it: lower-case, and
// DefaultPermission when the answer has none.
func Permission(p string) string {
	if p == "" {
		return DefaultPermission
	}
	return strings.ToLower(p)
}

// --- Names and descriptions ---------------------------------------------------------------
//
// PlaceOS cleans `name` with its text policy (tags removed, script and style bodies dropped,
// the rest written HTML-escaped: `R&D` is stored `r&amp;d`) and `description` with its
// common-HTML policy (an allow-list of tags; bare `&`, `<`, `>` escaped). A name is then
// trimmed and, on create only, lower-cased. The provider accepts text that PlaceOS changes
// only by escaping (and, for names, trimming and case), and compares the unescaped forms.

// NormalizeName is how names compare: trimmed and lower-cased.
func NormalizeName(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// PlainText is the text of a stored name or description with PlaceOS's HTML escaping undone.
func PlainText(stored string) string { return html.UnescapeString(stored) }

// SameName reports whether a stored name is what PlaceOS makes of the name written: equal
// once unescaped, trimmed and lower-cased.
func SameName(written, stored string) bool {
	return NormalizeName(written) == NormalizeName(PlainText(stored))
}

// SameDescription reports whether a stored description is the one written, once unescaped
// (surrounding white space aside).
func SameDescription(written, stored string) bool {
	return strings.TrimSpace(written) == strings.TrimSpace(PlainText(stored))
}

// IsCreatedName reports whether stored is the name a create of `name` stores. A create
// lower-cases, an update does not, and uniqueness compares the created form with stored
// names exactly: a key renamed to `Foo` does not hold the name `foo`.
func IsCreatedName(stored, name string) bool {
	return PlainText(stored) == NormalizeName(name)
}

var (
	// htmlMarkup starts a tag, an end tag, a comment or a processing instruction.
	htmlMarkup   = regexp.MustCompile(`<[A-Za-z/!?]`)
	scriptStyle  = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
	htmlTag      = regexp.MustCompile(`<[A-Za-z/!?][^>]*>?`)
	controlChars = regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]`)
)

// TextChange says how PlaceOS would change text written for a sanitized attribute beyond
// escaping it: what it would keep, and why. why is "" when PlaceOS only escapes (the text
// then round-trips: PlainText of what is stored is what was written).
func TextChange(s string) (kept, why string) {
	switch {
	case htmlMarkup.MatchString(s):
		kept = htmlTag.ReplaceAllString(scriptStyle.ReplaceAllString(s, ""), "")
		return html.UnescapeString(kept), "removes HTML tags (and the content of script and style elements)"
	case html.UnescapeString(s) != s:
		return html.UnescapeString(s), "reads HTML character references such as `&amp;` as the character they stand for"
	case controlChars.MatchString(s):
		return controlChars.ReplaceAllString(s, ""), "drops control characters"
	}
	return s, ""
}

// --- Scopes -------------------------------------------------------------------------------
//
// A scope is `resource` (read and write) or `resource.read` / `resource.write`. Resource
// names are case-sensitive; the access part is not, and PlaceOS answers it capitalised
// (`api_keys.Read`). PlaceOS honours only the FIRST entry of a resource.

// Scope is one parsed scope.
type Scope struct {
	Resource string
	Access   string // "", "read" or "write"; AccessNone from ParseHeldScope
}

// String is the canonical form: the access part lower-cased.
func (s Scope) String() string {
	if s.Access == "" {
		return s.Resource
	}
	return s.Resource + "." + s.Access
}

var (
	scopePattern     = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.(?i:read|write))?$`)
	heldScopePattern = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.(?i:read|write|all|none))?$`)
)

// ParseScope checks one scope string that a configuration asks for. PlaceOS also parses
// `.all` and `.none` (ParseHeldScope), but `.all` is the bare resource and `.none` grants
// nothing, so neither is accepted here.
func ParseScope(s string) (Scope, error) {
	if !scopePattern.MatchString(s) {
		return Scope{}, fmt.Errorf("%q is not a PlaceOS scope: write a resource name (letters, digits, `_`, `-`), "+
			"optionally followed by `.read` or `.write`, e.g. \"public\", \"api_keys\", \"systems.read\"", s)
	}
	resource, access, _ := strings.Cut(s, ".")
	return Scope{Resource: resource, Access: strings.ToLower(access)}, nil
}

// AccessNone is the access part of a scope that grants nothing (PlaceOS writes it `x.None`).
const AccessNone = "none"

// ParseHeldScope reads a scope as PlaceOS parses it, as a key it holds may have it: ParseScope's
// forms, and `.all` and `.none` in any case. `.all` is the bare resource (PlaceOS writes it back
// without an access part); `.none` has Access AccessNone.
func ParseHeldScope(s string) (Scope, error) {
	if !heldScopePattern.MatchString(s) {
		_, err := ParseScope(s)
		return Scope{}, err
	}
	resource, access, _ := strings.Cut(s, ".")
	access = strings.ToLower(access)
	if access == "all" {
		access = ""
	}
	return Scope{Resource: resource, Access: access}, nil
}

// CanonicalScope lower-cases the access part of a scope (`api_keys.Read` is `api_keys.read`)
// and writes `.all` as the bare resource, as PlaceOS does.
func CanonicalScope(s string) string {
	if sc, err := ParseHeldScope(s); err == nil {
		return sc.String()
	}
	if resource, access, ok := strings.Cut(s, "."); ok {
		return resource + "." + strings.ToLower(access)
	}
	return s
}

// SameScope compares scopes as PlaceOS does: the resource exactly, the access part in any case
// (`x.all` is `x`).
func SameScope(a, b string) bool { return CanonicalScope(a) == CanonicalScope(b) }

// SameScopes reports whether two scope lists hold the same scopes, in any order.
func SameScopes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, x := range a {
		if !slices.ContainsFunc(b, func(y string) bool { return SameScope(x, y) }) {
			return false
		}
	}
	return true
}

// ScopeConflict is a resource named by more than one entry: PlaceOS would honour only the
// first, and a set has no order.
type ScopeConflict struct {
	Resource string
	Entries  []string // as written
	Meant    string   // the single entry that grants what the entries together say; "" for nothing
}

// ScopeConflicts lists the resources named more than once, in the order first seen.
// Entries that do not parse are left to ParseScope's error. A `.none` entry grants nothing; when
// a resource's entries together grant nothing, Meant is "".
func ScopeConflicts(scopes []string) []ScopeConflict {
	var order []string
	entries := map[string][]string{}
	read, write := map[string]bool{}, map[string]bool{}
	for _, s := range scopes {
		sc, err := ParseHeldScope(s)
		if err != nil {
			continue
		}
		if _, seen := entries[sc.Resource]; !seen {
			order = append(order, sc.Resource)
		}
		entries[sc.Resource] = append(entries[sc.Resource], s)
		read[sc.Resource] = read[sc.Resource] || sc.Access == "" || sc.Access == "read"
		write[sc.Resource] = write[sc.Resource] || sc.Access == "" || sc.Access == "write"
	}
	var out []ScopeConflict
	for _, r := range order {
		if len(entries[r]) < 2 {
			continue
		}
		meant := Scope{Resource: r}
		switch {
		case !read[r] && !write[r]:
			out = append(out, ScopeConflict{Resource: r, Entries: entries[r]})
			continue
		case !write[r]:
			meant.Access = "read"
		case !read[r]:
			meant.Access = "write"
		}
		out = append(out, ScopeConflict{Resource: r, Entries: entries[r], Meant: meant.String()})
	}
	return out
}
