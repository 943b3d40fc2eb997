import pulumi

from pulumi_wa_webhook.native import Provider, Webhook, get_webhook, get_webhook_output

config = pulumi.Config()
# One explicit provider per region: its own endpoint, key (a secret) and client tuning.
eu = Provider("eu", endpoint=config.require("euEndpoint"),
              api_key=config.require_secret("euKey"), timeout=5, retries=1)
us = Provider("us", endpoint=config.require("usEndpoint"),
              api_key=config.require_secret("usKey"), timeout=5.5, retries=2)

# getWebhook reads an account without managing it: as it is when the program runs (a plain
# call returns before the next line runs, so the Webhook below is not declared yet)...
before = get_webhook("972500000002", opts=pulumi.InvokeOptions(provider=us))

eu_line = Webhook("eu-line", from_number="972500000001", url="https://eu.example.com/hook",
                  opts=pulumi.ResourceOptions(provider=eu))
us_line = Webhook("us-line", from_number="+972 50-000-0002", url="https://us.example.com/hook",
                  retry=True, opts=pulumi.ResourceOptions(provider=us))

# ... or, in its Output form, after the Webhook it depends on has been written.
after = get_webhook_output(us_line.from_number,
                           opts=pulumi.InvokeOutputOptions(provider=us, depends_on=[us_line]))

pulumi.export("us_url_before", before.url)
pulumi.export("us_after", after.apply(lambda r: [r.url, r.retry, r.endpoint, r.from_number]))
pulumi.export("eu_url", eu_line.url)
