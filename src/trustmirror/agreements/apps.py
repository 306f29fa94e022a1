from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    name = "trustmirror.agreements"
    label = "agreements"
    verbose_name = "Agreements"
