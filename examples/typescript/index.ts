// One account's webhook settings, from TypeScript through the SDK that `make sdks` generates
// from the plugin's schema. The API key is the provider configuration `wa-webhook:apiKey`
// (set it with --secret); the URL is a secret too, so neither shows in the state or outputs.
import * as pulumi from "@pulumi/pulumi";
import * as wawebhook from "@pulumi-wa-webhook/wa-webhook";

const config = new pulumi.Config();

const support = new wawebhook.Webhook("support", {
    fromNumber: config.require("fromNumber"),
    url: config.requireSecret("webhookUrl"),
    system: true,
    systemPhoneAlerts: ["972502211234"],
    retry: config.getBoolean("retry") ?? true,
});

export const account = support.fromNumber;
export const webhookUrl = support.url;
