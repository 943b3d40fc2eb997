import pulumi

from pulumi_wa_webhook import Webhook

config = pulumi.Config()

# The account already has these settings (configured by hand). With adopt=True the first
# `pulumi up` reads them once and takes the account over without writing anything; if they
# differ from what is written here, it stops and lists the differences.
legacy = Webhook(
    "legacy-line",
    from_number=config.require("fromNumber"),
    url=config.require("webhookUrl"),
    retry=True,
    adopt=True,
)

pulumi.export("webhook_url", legacy.url)
