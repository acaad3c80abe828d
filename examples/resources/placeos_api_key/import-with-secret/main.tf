# Import with the secret: the import ID is the full key, <id>.<secret>. Pass it
# in from the environment (TF_VAR_lobby_panel_key) rather than writing it here,
# apply once, then remove the import block and the variable.
#
# The variable is not marked sensitive: OpenTofu refuses a sensitive import ID,
# and Terraform prints the import ID in the plan either way
# ("Preparing import... [id=<id>.<secret>]"). Run this plan in your own
# terminal, not in a CI job whose log is kept.
variable "lobby_panel_key" {
  description = "The existing key, <id>.<secret>."
  type        = string
}

import {
  to = placeos_api_key.lobby_panel
  id = var.lobby_panel_key
}

resource "placeos_api_key" "lobby_panel" {
  name        = "lobby-panel"
  description = "Room booking panel in the lobby"
  scopes      = ["systems.read", "modules"]
}
