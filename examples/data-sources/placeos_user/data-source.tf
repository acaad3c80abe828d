# The user the provider authenticates as.
data "placeos_user" "me" {
  current = true
}

# By email, within the provider's domain.
data "placeos_user" "lobby_panel" {
  email = "lobby-panel@example.com"
}

# By email, within another domain (needs admin credentials).
data "placeos_domain" "branch" {
  domain = "branch.placeos.example.com"
}

data "placeos_user" "branch_panel" {
  email        = "panel@branch.example.com"
  authority_id = data.placeos_domain.branch.id
}

# A key that acts as the branch's panel user.
resource "placeos_api_key" "branch_panel" {
  name         = "branch-panel"
  user_id      = data.placeos_user.branch_panel.id
  authority_id = data.placeos_domain.branch.id
  scopes       = ["systems.read"]
}
