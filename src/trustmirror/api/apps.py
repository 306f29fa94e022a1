from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "trustmirror.api"
    label = "api"
