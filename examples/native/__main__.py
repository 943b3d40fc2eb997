import pulumi

from pulumi_wa_webhook.native import Webhook

config = pulumi.Config()
number = config.require("fromNumber")

# import_ adopts the account as it is; if the program says otherwise, the same `up` then
# writes the program's settings once. Remove the option after the first `up`.
support = Webhook(
    "support-line",
    from_number=number,
    url=config.require("webhookUrl"),
    system=True,
    opts=pulumi.ResourceOptions(import_=number),
)

pulumi.export("webhook_url", support.url)
