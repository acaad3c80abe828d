# Import by id (Terraform >= 1.5): x_api_key stays null, with a warning.
import {
  to = placeos_api_key.lobby_panel
  id = "0f4c5e6d7a8b9c0d1e2f3a4b5c6d7e8f"
}
