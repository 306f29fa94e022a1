from django.apps import AppConfig


class OrgsConfig(AppConfig):
    name = "trustmirror.orgs"
    label = "orgs"
    verbose_name = "Organisations and people"
