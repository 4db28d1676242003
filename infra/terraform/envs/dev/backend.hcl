# terraform init -reconfigure -backend-config=envs/dev/backend.hcl
# The bucket is created once, outside Terraform (docs/deploy.md, "Bootstrap state").
bucket = "mentionfleet-tfstate-dev"
prefix = "mention-fleet/dev"
