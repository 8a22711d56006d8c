from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sejahtera.workbench.audit"
    label = "audit"
