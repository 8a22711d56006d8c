from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "sejahtera.workbench.consultations"
    label = "consultations"
