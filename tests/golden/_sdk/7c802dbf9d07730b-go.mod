module example.com/app/secrets

go 1.24

require (
	cloud.google.com/go/secretmanager v1.16.0
	github.com/googleapis/gax-go/v2 v2.15.0
)
