# The user the key acts as: the lobby panel's own account.
data "placeos_user" "lobby_panel" {
  email = "lobby-panel@example.com"
}

resource "placeos_api_key" "lobby_panel" {
  name        = "lobby-panel"
  description = "Room booking panel in the lobby"
  user_id     = data.placeos_user.lobby_panel.id
  scopes      = ["systems.read", "modules"] # read systems, use modules; nothing else
  permissions = "user"
}

# The key (<id>.<secret>) to configure the panel with. It is in the state as a
# sensitive value: `terraform output -raw lobby_panel_key`.
output "lobby_panel_key" {
  value     = placeos_api_key.lobby_panel.x_api_key
  sensitive = true
}
