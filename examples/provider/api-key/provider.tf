variable "placeos_api_key" {
  description = "An X-API-Key (<id>.<secret>) with permissions admin and the public scope."
  type        = string
  sensitive   = true
}

provider "placeos" {
  url     = "https://placeos.example.com"
  api_key = var.placeos_api_key # or leave it out and export PLACEOS_API_KEY
}
