# terraform init -reconfigure -backend-config=envs/prod/backend.hcl
# The bucket is created once, outside Terraform (docs/deploy.md, "Bootstrap state").
bucket = "mentionfleet-tfstate-prod"
prefix = "mention-fleet/prod"
