# terraform init -reconfigure -backend-config=envs/staging/backend.hcl
# The bucket is created once, outside Terraform (docs/deploy.md, "Bootstrap state").
bucket = "mentionfleet-tfstate-staging"
prefix = "mention-fleet/staging"
