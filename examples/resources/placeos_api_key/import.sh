# By id: everything but the secret is imported; x_api_key stays null, with a
# warning (PlaceOS never shows a key's secret again).
terraform import placeos_api_key.lobby_panel 0f4c5e6d7a8b9c0d1e2f3a4b5c6d7e8f

# With the full key, <id>.<secret>: PlaceOS checks the secret, and it is kept in
# x_api_key. Terraform prints the import ID, secret included: run this in your
# own terminal, never in a CI job whose log is kept.
terraform import placeos_api_key.lobby_panel "$LOBBY_PANEL_KEY"
