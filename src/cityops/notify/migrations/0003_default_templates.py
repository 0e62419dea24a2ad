"""Seed the default message templates (SMS and e-mail, both languages); existing rows are left as edited."""

from django.db import migrations


def seed(apps, schema_editor):
    from cityops.notify.template_defaults import CHANNELS, DEFAULTS

    MessageTemplate = apps.get_model("notify", "MessageTemplate")
    for (key, language), (subject, body) in DEFAULTS.items():
        for channel in CHANNELS:
            MessageTemplate.objects.get_or_create(
                key=key, channel=channel, language=language,
                defaults={"subject": subject if channel == "email" else "", "body": body},
            )


class Migration(migrations.Migration):
    dependencies = [("notify", "0002_outbox")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
