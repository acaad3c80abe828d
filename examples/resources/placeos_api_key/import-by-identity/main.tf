# Import by identity (Terraform >= 1.12, OpenTofu >= 1.12): the key id alone, so x_api_key
# stays null, with a warning. `terraform query -generate-config-out` writes these blocks.
import {
  to = placeos_api_key.lobby_panel
  identity = {
    id = "0f4c5e6d7a8b9c0d1e2f3a4b5c6d7e8f"
  }
}

resource "placeos_api_key" "lobby_panel" {
  name = "lobby-panel"
}
