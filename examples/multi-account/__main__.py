import pulumi

from pulumi_wa_webhook import Webhook

config = pulumi.Config()

hooks = {
    account["name"]: Webhook(
        account["name"],
        from_number=account["fromNumber"],
        url=account.get("url"),
        system=account.get("system", False),
        system_phone_alerts=account.get("systemPhoneAlerts"),
        read_status=account.get("readStatus", False),
        retry=account.get("retry", False),
    )
    for account in config.require_object("accounts")
}

pulumi.export("webhook_urls", {name: hook.url for name, hook in hooks.items()})
