"""${DESCRIPTION}"""

import pulumi

from pulumi_wa_webhook import Webhook

config = pulumi.Config()

webhook = Webhook(
    "webhook",
    from_number=config.require("fromNumber"),
    url=config.require("webhookUrl"),
    # The other settings, all off or empty unless set here (see the pulumi-wa-webhook README):
    # system=True, system_phone_alerts=["972502211234"], read_status=True, retry=True,
)

pulumi.export("from_number", webhook.from_number)
pulumi.export("webhook_url", webhook.url)
