from django.apps import AppConfig


class RelationalConfig(AppConfig):
    name = "trustmirror.relational"
    label = "relational"
    verbose_name = "Relational round"
