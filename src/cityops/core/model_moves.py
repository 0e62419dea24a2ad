"""Moving a model from one app to another without copying its rows (see docs/architecture.md).

The model's table stays where it is; the migrations only change Django's idea of which app owns it
(`SeparateDatabaseAndState`). What is stored under the app's label elsewhere must follow, or the admin's
permissions and change history would stay with a model that no longer exists: `content_type_moved` renames
the model's content type row, so its permissions and admin log entries keep pointing at it.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def content_type_moved(*, model: str, from_app: str, to_app: str) -> migrations.RunPython:
    """A reversible migration step moving `model`'s content type (and so its permissions) between two apps."""

    def rename(old: str, new: str) -> Any:
        def run(apps: Any, schema_editor: Any) -> None:
            content_type = apps.get_model("contenttypes", "ContentType")
            db = schema_editor.connection.alias
            types = content_type.objects.using(db)
            # On a fresh database neither row exists yet (post_migrate creates it under the new app afterwards).
            if not types.filter(app_label=old, model=model).exists():
                return
            # A row already under the new app was made by a post_migrate of code that ran ahead of this migration
            # (moved back, then forward again): the moving row holds the history (granted permissions, admin log),
            # so it takes the name and the fresh one goes with its unused permissions.
            types.filter(app_label=new, model=model).delete()
            types.filter(app_label=old, model=model).update(app_label=new)

        return run

    return migrations.RunPython(rename(from_app, to_app), rename(to_app, from_app), elidable=False)
