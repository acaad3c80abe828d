package placeostest

import (
	"net/http"
	"strings"
)

// usersAuth needs only a users read scope; the caller's level decides the shape.
func (s *Server) usersAuth(rq *request) (*caller, *response) {
	c, errResp := s.authenticate(rq.Request)
	if errResp != nil {
		return nil, errResp
	}
	if !c.can("users", accessRead) {
		return nil, ptr(forbidden())
	}
	return c, nil
}

func shapeFor(c *caller) userShape {
	if c.perm.isAdmin() {
		return shapeAdmin
	}
	return shapePublic
}

func (s *Server) usersIndex(rq *request) response {
	c, errResp := s.usersAuth(rq)
	if errResp != nil {
		return *errResp
	}
	q := rq.URL.Query()
	includeDeleted, errResp := boolParam(q.Get("include_deleted"), "include_deleted")
	if errResp != nil {
		return *errResp
	}
	includeMetadata, errResp := boolParam(q.Get("include_metadata"), "include_metadata")
	if errResp != nil {
		return *errResp
	}
	// Admins may pick an authority (or see all); everyone else sees only the current one.
	authorityID := c.authority.ID
	if c.perm.isAdmin() {
		authorityID = q.Get("authority_id")
	}
	search := q.Get("q")
	var rows []*userJSON
	for _, u := range sortedUsers(s.st) {
		if authorityID != "" && u.AuthorityID != authorityID {
			continue
		}
		if u.Deleted && !includeDeleted {
			continue
		}
		if !matchQ(search, u.Name, u.Email, u.ID) {
			continue
		}
		j := renderUser(u, shapeFor(c))
		if includeMetadata {
			j.AssociatedMetadata = map[string]any{}
		}
		rows = append(rows, j)
	}
	page, hdr, errResp := paginate(rq.Request, "user", rows)
	if errResp != nil {
		return *errResp
	}
	resp := jsonResponse(http.StatusOK, nonNil(page))
	resp.header = hdr
	return resp
}

// usersShow finds {id} as a user id (the "user-" prefix added if missing),
// else as an email, login_name or staff_id within the current authority.
func (s *Server) usersShow(rq *request) response {
	c, errResp := s.usersAuth(rq)
	if errResp != nil {
		return *errResp
	}
	u := s.findUser(rq.PathValue("id"), c.authority.ID)
	if u == nil {
		return errorResponse(http.StatusNotFound, "")
	}
	return jsonResponse(http.StatusOK, renderUser(u, shapeFor(c)))
}

func (s *Server) findUser(id, authorityID string) *User {
	if strings.Contains(id, "@") {
		return s.st.userByEmail(authorityID, id)
	}
	uid := id
	if !strings.HasPrefix(uid, "user-") {
		uid = "user-" + uid
	}
	if u := s.st.users[uid]; u != nil {
		return u
	}
	for _, u := range sortedUsers(s.st) {
		if u.AuthorityID == authorityID && ((u.LoginName != "" && u.LoginName == id) || (u.StaffID != "" && u.StaffID == id)) {
			return u
		}
	}
	return nil
}

// usersCurrent is the caller's own user in the admin shape plus metadata.
// It needs no users scope. Credentials whose user no longer exists get 401.
func (s *Server) usersCurrent(rq *request) response {
	c, errResp := s.authenticate(rq.Request)
	if errResp != nil {
		return *errResp
	}
	u := s.st.users[c.userID]
	if u == nil {
		return errorResponse(http.StatusUnauthorized, "user not found")
	}
	j := renderUser(u, shapeAdmin)
	j.AssociatedMetadata = map[string]any{}
	j.SubsystemAccess = []string{}
	return jsonResponse(http.StatusOK, j)
}
