// Package placeostest is an in-memory PlaceOS API for the provider's tests, the demo
// (internal/cmd/placeos-dev-server) and the benchmark (internal/cmd/placeos-bench). The
// provider's tests run the real Terraform and OpenTofu CLIs against it, so it answers the way
// PlaceOS does, quirks included, rather than the way a tidy API would.
//
// # What it emulates
//
// The parts of PlaceOS that the provider talks to, on one listener that serves every domain
// (PlaceOS picks the domain from the Host header):
//
//   - API keys: GET, POST /api/engine/v2/api_keys; GET /api/engine/v2/api_keys/inspect;
//     GET, PATCH, PUT, DELETE /api/engine/v2/api_keys/{id} (api_keys.go).
//   - Domains: GET /api/engine/v2/domains, /domains/{id}, /domains/lookup/{email}
//     (domains.go).
//   - Users: GET /api/engine/v2/users, /users/current, /users/{id} (users.go).
//   - Scopes: GET /api/engine/v2/scopes.
//   - Authentication (auth.go, oauth.go): X-API-Key and Bearer tokens with PlaceOS's
//     permission levels and scope checks; POST /auth/oauth/token with the password and
//     refresh_token grants; GET /auth/authority.
//   - Index routes: limit and offset, with the X-Total-Count and Link headers of PlaceOS's
//     paginate_sql, and text search simplified to a case-insensitive substring match
//     (pagination.go).
//   - Responses (render.go): fields in PlaceOS's order, nil fields omitted, times as epoch
//     seconds, the user and domain models embedded in every key as PlaceOS sends them, errors
//     in PlaceOS's shapes (a bare 403 without a body, 422 with per-field failures, 500 for a
//     key whose user does not exist).
//
// Rules of PlaceOS it keeps, among others: key names lose HTML tags and are stored
// HTML-escaped (`R&D` as `r&amp;d`), trimmed, and lower-cased on create only; uniqueness
// compares a new name, lower-cased, with the stored names exactly; descriptions keep an
// allow-list of tags (sanitize.go); scope access is answered capitalised (`api_keys.Read`) and
// only the first scope entry of a resource counts; a key's permission level replaces its
// user's, and a bearer token's level is fixed when it is issued; an expiry must be in the
// future; paths are decoded exactly once; the Bearer prefix is case-sensitive; a negative limit
// is a 400; the server keeps an HMAC of each key, never the secret.
//
// # From which sources
//
// Read from PlaceOS's public source, not observed against a live server:
//
//   - PlaceOS/rest-api: src/placeos-rest-api/controllers/{api_keys,domains,users,application,
//     root}.cr, src/placeos-rest-api/utilities/{current-user,scopes,text-search}.cr,
//     src/placeos-rest-api/error.cr, spec/controllers/{api_key,domains,users}_spec.cr.
//   - PlaceOS/models: src/placeos-models/{api_key,authority,user,user_jwt}.cr, their specs,
//     and the migrations of the api_key table (expiry from June 2026).
//   - PlaceOS/auth: config/initializers/doorkeeper.rb, config/routes.rb,
//     app/controllers/auth/authorities_controller.rb (Doorkeeper 5.9).
//   - The libraries under them: spider-gazelle/pg-orm (validators/unique.cr: the unique name
//     check, and the lower-casing on create only), active-model, action-controller
//     (error_handler.cr), straight-shoota/sanitize (text policy: the HTML escaping of names),
//     lucky_router (paths decoded once).
//
// Comments beside the code name the file of PlaceOS a behaviour comes from.
//
// # For tests
//
// Beyond the API, a Server has hooks that change its data behind the API's back (hooks.go:
// keys, domains and users added, deleted or expired, as someone in Backoffice would), fault
// injection (faults.go: failed, reset and lost answers, at chosen routes or at random),
// request counters, a settable clock (Clock), latency, and a mode in which it ignores expiry
// like a PlaceOS server from before June 2026.
package placeostest
