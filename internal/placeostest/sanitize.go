package placeostest

import (
	"html"
	"regexp"
	"strings"
)

// PlaceOS cleans `name` with sanitize: :text and `description` with :common
// (models api_key.cr, straight-shoota/sanitize over libxml2). Both parse the
// value as an HTML fragment, so character references are decoded, and write
// text back HTML-escaped: `R&D` is stored `R&amp;D` (and then, for a new key's
// name, lower-cased). The text policy keeps no tags at all and drops the body
// of script and style elements; the common policy keeps an allow-list of
// harmless tags. Whether `"` is escaped too is not settled by the source; this
// server leaves it as is.

var (
	scriptOrStyle = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)\s*>`)
	markup        = regexp.MustCompile(`<(/?)([A-Za-z][A-Za-z0-9]*)[^>]*>|<[!?][^>]*>`)
	controlChar   = regexp.MustCompile(`[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]`)
)

// commonTags is the allow-list of the common policy (a subset; attributes are kept as sent).
var commonTags = map[string]bool{
	"a": true, "b": true, "br": true, "code": true, "em": true, "i": true, "li": true,
	"ol": true, "p": true, "pre": true, "strong": true, "u": true, "ul": true,
}

// sanitizeText is the :text policy.
func sanitizeText(s string) string { return sanitize(s, nil) }

// sanitizeCommon is the :common policy.
func sanitizeCommon(s string) string { return sanitize(s, commonTags) }

func sanitize(s string, keep map[string]bool) string {
	s = controlChar.ReplaceAllString(scriptOrStyle.ReplaceAllString(s, ""), "")
	var out strings.Builder
	last := 0
	for _, m := range markup.FindAllStringSubmatchIndex(s, -1) {
		out.WriteString(escapeText(s[last:m[0]]))
		if m[4] >= 0 && keep[strings.ToLower(s[m[4]:m[5]])] {
			out.WriteString(s[m[0]:m[1]])
		}
		last = m[1]
	}
	out.WriteString(escapeText(s[last:]))
	return out.String()
}

// escapeText decodes character references and escapes &, < and > again, as
// libxml2's text writer does.
func escapeText(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(html.UnescapeString(s))
}
