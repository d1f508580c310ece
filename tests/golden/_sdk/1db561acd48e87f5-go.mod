module example.com/app/secrets

go 1.24

require (
	github.com/hashicorp/vault/api v1.23.0
)
