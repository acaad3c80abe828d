# Rotation on demand: any change to rotation_triggers replaces the key, e.g. after
# an incident or when the device that holds it is replaced.
resource "placeos_api_key" "door_controller" {
  name_prefix = "door-controller-"
  description = "Door controller at the main entrance"
  scopes      = ["systems.read", "modules"]

  rotation_triggers = {
    rotated = "2027-01" # change this to rotate the key
  }

  lifecycle {
    create_before_destroy = true
  }
}
