module github.com/pulumi-wa-webhook/pulumi-wa-webhook/examples/go

go 1.25

require (
	github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go v0.1.0
	github.com/pulumi/pulumi/sdk/v3 v3.274.1
)

// The SDK that `make sdks` generates into sdk/go (git-ignored; see sdk/README.md).
replace github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go => ../../sdk/go
