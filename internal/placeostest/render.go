package placeostest

import (
	"encoding/json"
	"net/http"
	"time"
)

// Wire shapes. Field order follows the models (src/placeos-models/*.cr); nil fields are omitted
// (Crystal's JSON::Serializable default), timestamps are epoch seconds.

type apiKeyJSON struct {
	CreatedAt   int64       `json:"created_at"`
	UpdatedAt   int64       `json:"updated_at"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Scopes      []string    `json:"scopes"`
	ExpiresAt   *int64      `json:"expires_at,omitempty"`
	UserID      string      `json:"user_id"`
	AuthorityID string      `json:"authority_id"`
	User        *userJSON   `json:"user,omitempty"`
	Authority   *domainJSON `json:"authority,omitempty"`
	XAPIKey     string      `json:"x_api_key,omitempty"`
	Permissions string      `json:"permissions"`
	ID          string      `json:"id"`
}

type domainJSON struct {
	CreatedAt    int64          `json:"created_at"`
	UpdatedAt    int64          `json:"updated_at"`
	Name         string         `json:"name"`
	Description  string         `json:"description"`
	Domain       string         `json:"domain"`
	LoginURL     string         `json:"login_url"`
	LogoutURL    string         `json:"logout_url"`
	Internals    map[string]any `json:"internals"`
	Config       map[string]any `json:"config"`
	EmailDomains []string       `json:"email_domains"`
	ID           string         `json:"id"`
}

// userJSON covers every user shape; which fields are filled depends on the shape.
type userJSON struct {
	EmailDigest       string         `json:"email_digest"`
	Email             string         `json:"email"`
	Nickname          string         `json:"nickname,omitempty"`
	Name              string         `json:"name"`
	FirstName         string         `json:"first_name,omitempty"`
	LastName          string         `json:"last_name,omitempty"`
	Groups            []string       `json:"groups"`
	Country           string         `json:"country,omitempty"`
	Building          string         `json:"building,omitempty"`
	Image             string         `json:"image,omitempty"`
	CreatedAt         int64          `json:"created_at"`
	AuthorityID       string         `json:"authority_id"`
	Deleted           bool           `json:"deleted"`
	Department        string         `json:"department,omitempty"`
	PreferredLanguage string         `json:"preferred_language,omitempty"`
	StaffID           string         `json:"staff_id,omitempty"`
	Phone             string         `json:"phone,omitempty"`
	WorkPreferences   []any          `json:"work_preferences"`
	WorkOverrides     map[string]any `json:"work_overrides"`
	LoginCount        int            `json:"login_count"`
	LastLogin         *int64         `json:"last_login,omitempty"`
	PhotoUploadID     string         `json:"photo_upload_id,omitempty"`
	Locatable         bool           `json:"locatable"`

	// Admin shape.
	SysAdmin   *bool  `json:"sys_admin,omitempty"`
	Support    *bool  `json:"support,omitempty"`
	Misc       string `json:"misc,omitempty"`
	LoginName  string `json:"login_name,omitempty"`
	CardNumber string `json:"card_number,omitempty"`
	UITheme    string `json:"ui_theme,omitempty"`

	// Full model (embedded in API key responses), sensitive columns included.
	UpdatedAt      *int64 `json:"updated_at,omitempty"`
	PasswordDigest string `json:"password_digest,omitempty"`
	AccessToken    string `json:"access_token,omitempty"`
	RefreshToken   string `json:"refresh_token,omitempty"`

	// /users/current and include_metadata.
	AssociatedMetadata any `json:"associated_metadata,omitempty"`
	SubsystemAccess    any `json:"subsystem_access,omitempty"`

	ID string `json:"id"`
}

type userShape int

const (
	shapePublic userShape = iota
	shapeAdmin
	shapeModel
)

func epoch(t time.Time) int64 { return t.Unix() }

func epochPtr(t *time.Time) *int64 {
	if t == nil {
		return nil
	}
	v := t.Unix()
	return &v
}

func renderUser(u *User, shape userShape) *userJSON {
	out := &userJSON{
		EmailDigest:       u.EmailDigest(),
		Email:             u.Email,
		Nickname:          u.Nickname,
		Name:              u.Name,
		FirstName:         u.FirstName,
		LastName:          u.LastName,
		Groups:            nonNil(u.Groups),
		Country:           u.Country,
		Building:          u.Building,
		Image:             u.Image,
		CreatedAt:         epoch(u.CreatedAt),
		AuthorityID:       u.AuthorityID,
		Deleted:           u.Deleted,
		Department:        u.Department,
		PreferredLanguage: u.PreferredLanguage,
		StaffID:           u.StaffID,
		Phone:             u.Phone,
		WorkPreferences:   nonNil(u.WorkPreferences),
		WorkOverrides:     nonNilMap(u.WorkOverrides),
		LoginCount:        u.LoginCount,
		LastLogin:         epochPtr(u.LastLogin),
		PhotoUploadID:     u.PhotoUploadID,
		Locatable:         u.Locatable,
		ID:                u.ID,
	}
	if shape >= shapeAdmin {
		sysAdmin, support := u.SysAdmin, u.Support
		out.SysAdmin, out.Support = &sysAdmin, &support
		out.Misc, out.LoginName, out.CardNumber, out.UITheme = u.Misc, u.LoginName, u.CardNumber, u.UITheme
	}
	if shape == shapeModel {
		out.UpdatedAt = epochPtr(&u.UpdatedAt)
		out.PasswordDigest, out.AccessToken, out.RefreshToken = u.PasswordDigest, u.AccessToken, u.RefreshToken
	}
	return out
}

func renderDomain(d *Domain) *domainJSON {
	return &domainJSON{
		CreatedAt:    epoch(d.CreatedAt),
		UpdatedAt:    epoch(d.UpdatedAt),
		Name:         d.Name,
		Description:  d.Description,
		Domain:       d.DomainName,
		LoginURL:     d.LoginURL,
		LogoutURL:    d.LogoutURL,
		Internals:    nonNilMap(d.Internals),
		Config:       nonNilMap(d.Config),
		EmailDomains: nonNil(d.EmailDomains),
		ID:           d.ID,
	}
}

// renderKey embeds the full user and authority models, sensitive columns and
// internals included, exactly because the real server does: the provider
// must prove it never stores them.
func (s *Server) renderKey(k *keyRecord, xAPIKey string) *apiKeyJSON {
	out := &apiKeyJSON{
		CreatedAt:   epoch(k.CreatedAt),
		UpdatedAt:   epoch(k.UpdatedAt),
		Name:        k.Name,
		Description: k.Description,
		Scopes:      nonNil(k.Scopes),
		UserID:      k.UserID,
		AuthorityID: k.AuthorityID,
		XAPIKey:     xAPIKey,
		Permissions: k.Permissions,
		ID:          k.ID,
	}
	if !s.ignoreExpiry {
		out.ExpiresAt = epochPtr(k.ExpiresAt)
	}
	if u := s.st.users[k.UserID]; u != nil {
		out.User = renderUser(u, shapeModel)
	}
	if d := s.st.domains[k.AuthorityID]; d != nil {
		out.Authority = renderDomain(d)
	}
	return out
}

func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Response constructors. Bodies are marshalled here, under s.mu, so that
// nothing shared with the store is read after the lock is released.

func jsonResponse(status int, v any) response {
	b, err := json.Marshal(v)
	if err != nil {
		return response{serverError: true}
	}
	return response{status: status, body: b}
}

func errorResponse(status int, msg string) response {
	return jsonResponse(status, map[string]string{"error": msg})
}

// forbidden is the real server's 403: no body at all.
func forbidden() response { return response{status: http.StatusForbidden} }

func serverError() response { return response{serverError: true} }

type failure struct {
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

func validationFailed(failures []failure) response {
	return jsonResponse(http.StatusUnprocessableEntity, struct {
		Error    string    `json:"error"`
		Failures []failure `json:"failures"`
	}{"validation failed", failures})
}

func parameterError(param, msg, restriction string) response {
	return jsonResponse(http.StatusBadRequest, map[string]string{
		"error": msg, "parameter": param, "restriction": restriction,
	})
}
