from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoreConfig(AppConfig):
    name = "iisg.core"
    label = "core"
    verbose_name = "Platform"

    def ready(self):
        from .permissions import register
        from .roles import create_roles
        from .rules import RULES
        from .worklist import register as register_tasks
        from .worklist import workbook_run_tasks

        register(RULES)
        register_tasks(workbook_run_tasks)

        # Like Django's own permissions and content types: after migrate, and after the flush
        # that transactional tests do, the roles are there.
        post_migrate.connect(create_roles, sender=self, dispatch_uid="iisg.core.create_roles")
