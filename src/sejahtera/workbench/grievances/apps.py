from django.apps import AppConfig


class GrievancesConfig(AppConfig):
    name = "sejahtera.workbench.grievances"
    label = "grievances"
