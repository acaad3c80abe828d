package placeos

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// APIKey is an API key as the provider uses it. The `user` and `authority` objects that
// PlaceOS embeds in key responses carry password digests and tokens: this type has no field
// for them, so they are skipped while decoding and can never reach state or logs.
type APIKey struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	UserID      string    `json:"user_id"`
	AuthorityID string    `json:"authority_id"`
	Scopes      []string  `json:"scopes"`
	Permissions string    `json:"permissions"`
	ExpiresAt   EpochTime `json:"expires_at"`
	CreatedAt   EpochTime `json:"created_at"`
	UpdatedAt   EpochTime `json:"updated_at"`
	// XAPIKey ("<id>.<secret>") is sent once, in the create response.
	XAPIKey string `json:"x_api_key"`
}

// errUnprintableKeyID: a key id goes into diagnostics and paths, so one that PlaceOS could
// never have made (spaces, control characters) is refused while decoding.
var errUnprintableKeyID = errors.New("an API key id holds spaces or control characters, which PlaceOS never puts in an id")

// UnmarshalJSON decodes a key and refuses an id that is not printable ASCII.
func (k *APIKey) UnmarshalJSON(b []byte) error {
	type plain APIKey // without this method
	if err := json.Unmarshal(b, (*plain)(k)); err != nil {
		return err
	}
	for i := 0; i < len(k.ID); i++ {
		if k.ID[i] <= ' ' || k.ID[i] > '~' {
			return errUnprintableKeyID
		}
	}
	return nil
}

// Authority is a PlaceOS domain. `internals` (SSO settings and secrets) is deliberately absent.
type Authority struct {
	ID           string          `json:"id"`
	Name         string          `json:"name"`
	Domain       string          `json:"domain"`
	Description  string          `json:"description"`
	LoginURL     string          `json:"login_url"`
	LogoutURL    string          `json:"logout_url"`
	EmailDomains []string        `json:"email_domains"`
	Config       json.RawMessage `json:"config"`
	CreatedAt    EpochTime       `json:"created_at"`
	UpdatedAt    EpochTime       `json:"updated_at"`
}

// User is the part of a PlaceOS user the provider exposes. Password digests, tokens and card
// numbers have no field here, so they are dropped while decoding.
type User struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	FirstName   string    `json:"first_name"`
	LastName    string    `json:"last_name"`
	AuthorityID string    `json:"authority_id"`
	Groups      []string  `json:"groups"`
	SysAdmin    *bool     `json:"sys_admin"` // nil: not sent (callers without admin permissions)
	Support     *bool     `json:"support"`   // nil: not sent (callers without admin permissions)
	Deleted     bool      `json:"deleted"`
	LoginName   *string   `json:"login_name"` // nil: not sent, or not set
	StaffID     string    `json:"staff_id"`
	Department  string    `json:"department"`
	CreatedAt   EpochTime `json:"created_at"`
}

// TokenClaims is what /api_keys/inspect says about the credentials it was called with.
type TokenClaims struct {
	Issuer   string    `json:"iss"`
	Audience string    `json:"aud"`
	Subject  string    `json:"sub"` // the user id
	Scopes   []string  `json:"scope"`
	IssuedAt EpochTime `json:"iat"`
	Expires  EpochTime `json:"exp"`
	User     struct {
		Name       string   `json:"n"`
		Email      string   `json:"e"`
		Permission int      `json:"p"`
		Roles      []string `json:"r"`
	} `json:"u"`
}

// EpochTime decodes PlaceOS timestamps: Unix seconds as a number (current servers), an RFC 3339
// string (the auth service, older serialisers), or null/absent (zero value).
type EpochTime struct{ time.Time }

// UnmarshalJSON accepts a number, a numeric string, an RFC 3339 string, or null.
func (t *EpochTime) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "null" {
		t.Time = time.Time{}
		return nil
	}
	if b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			t.Time = time.Time{}
			return nil
		}
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			t.Time = fromUnix(n)
			return nil
		}
		parsed, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return fmt.Errorf("timestamp is neither epoch seconds nor RFC 3339")
		}
		t.Time = parsed.UTC()
		return nil
	}
	n, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return fmt.Errorf("timestamp is neither epoch seconds nor RFC 3339")
	}
	t.Time = fromUnix(n)
	return nil
}

func fromUnix(n float64) time.Time {
	sec := int64(n)
	return time.Unix(sec, int64((n-float64(sec))*1e9)).UTC()
}

// Ptr returns nil for a zero time, so "no expiry" stays distinguishable.
func (t EpochTime) Ptr() *time.Time {
	if t.IsZero() {
		return nil
	}
	v := t.Time
	return &v
}
