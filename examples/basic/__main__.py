import pulumi

from pulumi_wa_webhook import Webhook

config = pulumi.Config()

support = Webhook(
    "support-line",
    from_number=config.require("fromNumber"),
    url=config.require("webhookUrl"),
)

pulumi.export("webhook_url", support.url)
