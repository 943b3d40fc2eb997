// One account's webhook settings, from Go through the SDK that `make sdks` generates from the
// plugin's schema. The API key is the provider configuration `wa-webhook:apiKey` (set it with
// --secret); the URL is a secret too, so neither shows in the state or outputs.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"

	"github.com/pulumi-wa-webhook/pulumi-wa-webhook/sdk/go/wawebhook"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		retry := true
		if value, err := cfg.TryBool("retry"); err == nil {
			retry = value
		}
		support, err := wawebhook.NewWebhook(ctx, "support", &wawebhook.WebhookArgs{
			FromNumber:        pulumi.String(cfg.Require("fromNumber")),
			Url:               cfg.RequireSecret("webhookUrl"),
			System:            pulumi.Bool(true),
			SystemPhoneAlerts: pulumi.StringArray{pulumi.String("972502211234")},
			Retry:             pulumi.Bool(retry),
		})
		if err != nil {
			return err
		}
		ctx.Export("account", support.FromNumber)
		ctx.Export("webhookUrl", support.Url)
		return nil
	})
}
