terraform {
  # Preconditions and optional() object attributes need 1.3; 1.5 is the oldest release
  # the fleet is applied with.
  required_version = ">= 1.5.0, < 2.0.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.20"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
    }
  }

  # Partial configuration: the bucket and prefix come from envs/<env>/backend.hcl
  # (terraform init -reconfigure -backend-config=envs/<env>/backend.hcl).
  backend "gcs" {}
}
