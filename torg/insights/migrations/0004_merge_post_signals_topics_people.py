# Merge of the two insights migrations made in parallel (post signals; topics and people).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0003_post_signals"),
        ("insights", "0003_topics_people"),
    ]

    operations = []
