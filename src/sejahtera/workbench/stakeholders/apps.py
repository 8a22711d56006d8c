from django.apps import AppConfig


class StakeholdersConfig(AppConfig):
    name = "sejahtera.workbench.stakeholders"
    label = "stakeholders"
