from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "trustmirror.audit"
    label = "audit"
    verbose_name = "Audit log"
