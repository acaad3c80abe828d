package placeostest

import (
	"crypto/hmac"
	"crypto/md5" //nolint:gosec // G501: PlaceOS stores email_digest as an MD5 hex (an identifier, not a secret)
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// Domain is a PlaceOS Authority (src/placeos-models/authority.cr).
type Domain struct {
	ID           string
	Name         string
	Description  string
	DomainName   string // the bare, lower-cased host; JSON "domain"
	LoginURL     string
	LogoutURL    string
	Internals    map[string]any // may hold SSO secrets; the real server returns it anyway
	Config       map[string]any
	EmailDomains []string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// User is a PlaceOS User (src/placeos-models/user.cr). Empty optional strings are
// treated as nil and omitted from responses.
type User struct {
	ID                string
	AuthorityID       string
	Email             string
	Nickname          string
	Name              string
	FirstName         string
	LastName          string
	Groups            []string
	Country           string
	Building          string
	Image             string
	Deleted           bool
	Department        string
	PreferredLanguage string
	StaffID           string
	Phone             string
	WorkPreferences   []any
	WorkOverrides     map[string]any
	LoginCount        int
	LastLogin         *time.Time
	PhotoUploadID     string
	Locatable         bool
	SysAdmin          bool
	Support           bool
	Misc              string
	LoginName         string
	UITheme           string
	CreatedAt         time.Time
	UpdatedAt         time.Time

	// Sensitive columns the real server leaks in the user embedded in API key
	// responses. Filled with recognisable fakes so tests can assert they never
	// reach Terraform state or logs.
	PasswordDigest string
	AccessToken    string
	RefreshToken   string
	CardNumber     string
}

// EmailDigest is the MD5 hex of the lower-cased email, as PlaceOS stores it.
func (u User) EmailDigest() string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(u.Email)))) //nolint:gosec // G401: see the import: PlaceOS's email_digest is MD5
	return hex.EncodeToString(sum[:])
}

// APIKey is a stored PlaceOS ApiKey (src/placeos-models/api_key.cr). It deliberately has
// no secret: the server keeps only an HMAC, like the real one.
type APIKey struct {
	ID          string
	Name        string
	Description string
	Scopes      []string // serialised form, e.g. "api_keys.Read"
	Permissions string   // user, support, admin or admin_support
	UserID      string
	AuthorityID string
	ExpiresAt   *time.Time
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// keyRecord pairs a key with its HMAC so that APIKey values handed out never
// carry anything secret.
type keyRecord struct {
	APIKey
	hmac string
}

type oauthApp struct {
	id, secret   string
	confidential bool
}

type accessToken struct {
	jti       string
	userID    string
	clientID  string
	scopes    []string
	issuedAt  time.Time
	expiresAt time.Time
	// perm is the JWT's u.p: the user's level when the token was issued. A later
	// change to the user does not reach tokens already issued.
	perm permLevel
	// previousRefresh is the refresh token this one was issued for; it stays
	// usable until this access token is first used (Doorkeeper's default
	// refresh_token_revoked_on_use).
	previousRefresh string
}

type refreshToken struct {
	userID   string
	clientID string
	scopes   []string
}

// Seed holds the data every server starts with.
type Seed struct {
	Domain, OtherDomain               Domain
	Admin, Support, Panel, OtherPanel User
	AdminPassword                     string
	AdminAPIKey                       string
	SupportAPIKey                     string
	UserAPIKey                        string
	OAuthClientID, OAuthClientSecret  string
	PublicClientID                    string
}

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_~"

// newID mimics PlaceOS's IdGenerator: "<table>-" plus 10 characters from
// [0-9A-Za-z-_~], so ids can contain '-', '_' and '~' after the prefix.
func newID(prefix string) string {
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return prefix + "-" + string(b)
}

// newKeyID mimics ApiKey#safe_id: Random.hex(16), 32 lowercase hex characters.
func newKeyID() string { return randomHex(16) }

// newSecret mimics Random::Secure.urlsafe_base64(32): 43 characters, no padding.
func newSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// keyHMAC is what the real server stores instead of the secret.
func keyHMAC(secret, id string) string {
	m := hmac.New(sha512.New, []byte(secret))
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

func passwordHash(p string) string {
	sum := sha256.Sum256([]byte(p))
	return hex.EncodeToString(sum[:])
}

// store is the server's whole state; every access holds Server.mu.
type store struct {
	domains   map[string]*Domain
	users     map[string]*User
	passwords map[string]string // user id -> sha256 of the password; absent = SSO only
	keys      map[string]*keyRecord
	apps      map[string]*oauthApp
	tokens    map[string]*accessToken
	refresh   map[string]*refreshToken
	seedKeys  map[string]bool
}

func newStore() *store {
	return &store{
		domains:   map[string]*Domain{},
		users:     map[string]*User{},
		passwords: map[string]string{},
		keys:      map[string]*keyRecord{},
		apps:      map[string]*oauthApp{},
		tokens:    map[string]*accessToken{},
		refresh:   map[string]*refreshToken{},
		seedKeys:  map[string]bool{},
	}
}

func (st *store) domainByHost(host string) *Domain {
	for _, d := range st.domains {
		if d.DomainName == host {
			return d
		}
	}
	return nil
}

// userByEmail finds a user by email within one authority, as the real email_digest lookup does.
func (st *store) userByEmail(authorityID, email string) *User {
	email = strings.ToLower(strings.TrimSpace(email))
	for _, u := range st.users {
		if u.AuthorityID == authorityID && strings.ToLower(u.Email) == email {
			return u
		}
	}
	return nil
}

func sortedDomains(st *store) []*Domain {
	return sortedByNameID(st.domains, func(d *Domain) (string, string) { return d.Name, d.ID })
}

func sortedUsers(st *store) []*User {
	return sortedByNameID(st.users, func(u *User) (string, string) { return u.Name, u.ID })
}

func sortedKeys(st *store) []*keyRecord {
	return sortedByNameID(st.keys, func(k *keyRecord) (string, string) { return k.Name, k.ID })
}

// sortedByNameID lists a table's rows in index order.
func sortedByNameID[T any](rows map[string]*T, key func(*T) (name, id string)) []*T {
	out := make([]*T, 0, len(rows))
	for _, r := range rows {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b *T) int {
		an, ai := key(a)
		bn, bi := key(b)
		return cmpNameID(an, ai, bn, bi)
	})
	return out
}

// cmpNameID is the "ORDER BY name, id" every index uses.
func cmpNameID(an, aid, bn, bid string) int {
	if c := strings.Compare(an, bn); c != 0 {
		return c
	}
	return strings.Compare(aid, bid)
}

// Deep copies, so that values handed to tests never alias the store.

func (d Domain) clone() Domain {
	d.Internals = cloneMap(d.Internals)
	d.Config = cloneMap(d.Config)
	d.EmailDomains = slices.Clone(d.EmailDomains)
	return d
}

func (u User) clone() User {
	u.Groups = slices.Clone(u.Groups)
	u.WorkPreferences = slices.Clone(u.WorkPreferences)
	u.WorkOverrides = cloneMap(u.WorkOverrides)
	if u.LastLogin != nil {
		t := *u.LastLogin
		u.LastLogin = &t
	}
	return u
}

func (k APIKey) clone() APIKey {
	k.Scopes = slices.Clone(k.Scopes)
	if k.ExpiresAt != nil {
		t := *k.ExpiresAt
		k.ExpiresAt = &t
	}
	return k
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
