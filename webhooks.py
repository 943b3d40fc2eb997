"""The example team's WhatsApp webhooks. Each stack (dev, staging, prod) is one environment.

The stack files say what differs: the accounts and their URLs, whether failed deliveries
are retried, and which on-call phones receive system alerts.
"""

import pulumi

from pulumi_wa_webhook import Webhook

team = pulumi.Config()
on_call_phones = team.get_object("onCallPhones") or []
retry_deliveries = team.get_bool("retryDeliveries") or False

webhooks = [
    Webhook(
        line["name"],
        from_number=line["fromNumber"],
        url=line["url"],
        system=bool(on_call_phones),
        system_phone_alerts=on_call_phones,
        read_status=True,
        retry=retry_deliveries,
    )
    for line in team.require_object("lines")
]

pulumi.export("webhook_urls", {hook.pulumi_resource_name: hook.url for hook in webhooks})
